"""The demo's controllers reacting to edits: what KServe, Yatai, the Helm operator, the
Deployment and ReplicaSet controllers, the scheduler and the kubelet would do when someone
changes an object.

A listener on the emulator (``emu.add_listener``) marks what changed as dirty; every tick
``Reconciler.step()`` reconciles only the dirty objects (O(changes), never a scan), level-based
and idempotent, writing through the emulator's own operations so that watchers see ordinary
ADDED / MODIFIED / DELETED events:

* **InferenceService** (RawDeployment; the Serverless canary is the canary story's): the
  ``serving.kserve.io/stop`` annotation ("true", any case) removes the predictor Deployment,
  its ReplicaSets and pods and its Service, and sets Ready/PredictorReady False with reason
  Stopped and a ``Stopped`` condition; removing it brings the predictor back.  A spec change
  (``metadata.generation`` ahead of ``status.observedGeneration``: storageUri, model format,
  runtime, resources, args, minReplicas) updates the predictor Deployment; a new pod template
  rolls out while the status goes Ready False and modelStatus Pending -> Loading -> Loaded,
  then Ready True with an ``InferenceServiceReady`` event.  A new InferenceService gets its
  predictor Deployment and Service the same way.
* **BentoDeployment**: its api-server and runner Deployments follow
  ``spec.autoscaling.minReplicas/maxReplicas`` (and the runners' own), resources and envs.
* **InferenceStack**: one reader Deployment + ConfigMap per ``spec.applications`` entry
  (values deep-merged onto ``applicationTemplate``, the chart's labels): added, updated
  (readerConfig -> ConfigMap and a rollout, replicaCount, resources, image tag) or removed;
  ``status.readers`` / ``status.readyReaders`` follow.
* **Deployment** (every one, except Knative revisions): the ReplicaSet of the current pod
  template (created with a new revision when the template changed) is scaled to
  ``spec.replicas``; once its pods are ready the old ReplicaSets go to 0 and their pods are
  deleted (a paused Deployment only scales). Pods go ContainerCreating -> Running (not ready) ->
  Ready over three ticks, with the events of the deployment controller (ScalingReplicaSet), the
  ReplicaSet controller (SuccessfulCreate/SuccessfulDelete), the scheduler (Scheduled) and the
  kubelet (Pulled/Created/Started/Killing); ``status.observedGeneration`` follows ``generation``.
  A deleted pod or ReplicaSet is replaced.
"""

from __future__ import annotations

import hashlib
import json
import logging
import random
from typing import TYPE_CHECKING, Any

from inference_console.catalog.kinds.inferenceservice import STOP_ANNOTATION

from ..scenario import NODES
from ..shapes.core import GPU, L_POD_TEMPLATE_HASH, SAFE_ALPHABET, Factory, deployment_status, fmt_ts, owner_ref
from ..shapes.kserve import (
    ISVC_API,
    KSERVE_VERSION,
    RUNTIMES,
    STORAGE_URI_ANNOTATION,
    canary_revision_objects,
    isvc_model_status,
    isvc_pod_annotations,
    isvc_predictor_labels,
    isvc_status_raw,
    isvc_status_stopped,
    predictor_deployment,
    predictor_pod_spec,
    predictor_service,
    revision_name,
)
from ..shapes.takeoff import (
    L_APP_COMPONENT,
    STACK_API,
    merge_values,
    stack_fullname,
    stack_reader_config,
    stack_reader_image,
    stack_reader_labels,
    stack_reader_pod_spec,
    stack_reader_resources,
    stack_reader_tolerations,
)
from ..shapes.yatai import BD_API, L_BD_COMPONENT_NAME, L_BD_COMPONENT_TYPE, bento_env, yatai_to_kube_resources

if TYPE_CHECKING:
    from .simulated import SimulatedController

log = logging.getLogger(__name__)

Obj = dict[str, Any]

REVISION = "deployment.kubernetes.io/revision"
KNATIVE_REVISION = "serving.knative.dev/revision"
CONFIG_CHECKSUM = "checksum/config"

# what the listener watches: storage key -> kind
WATCHED = {
    ("serving.kserve.io", "inferenceservices"): "InferenceService",
    ("serving.yatai.ai", "bentodeployments"): "BentoDeployment",
    ("doublewordai.co", "inferencestacks"): "InferenceStack",
    ("apps", "deployments"): "Deployment",
    ("apps", "replicasets"): "ReplicaSet",
    ("", "pods"): "Pod",
}
OWNER_KINDS = ("InferenceService", "BentoDeployment", "InferenceStack")
ORDER = {"InferenceService": 0, "BentoDeployment": 1, "InferenceStack": 2, "Deployment": 3}
MAX_PASSES = 6
MAX_POD_CREATES = 100  # per Deployment and tick (the ReplicaSet controller's burst)


def controller_ref(obj: Obj) -> Obj | None:
    for ref in (obj.get("metadata") or {}).get("ownerReferences") or []:
        if isinstance(ref, dict) and ref.get("controller"):
            return ref
    refs = (obj.get("metadata") or {}).get("ownerReferences") or []
    return refs[0] if refs and isinstance(refs[0], dict) else None


def template_hash(template: Obj) -> str:
    digest = hashlib.sha256(json.dumps(template, sort_keys=True, separators=(",", ":")).encode()).digest()
    return "".join(SAFE_ALPHABET[b % len(SAFE_ALPHABET)] for b in digest[:10])


def without_hash(template: Obj) -> Obj:
    t = json.loads(json.dumps(template or {}))
    labels = (t.get("metadata") or {}).get("labels")
    if isinstance(labels, dict):
        labels.pop(L_POD_TEMPLATE_HASH, None)
    return t


def pod_ready(pod: Obj) -> bool:
    return any(
        c.get("type") == "Ready" and c.get("status") == "True"
        for c in (pod.get("status") or {}).get("conditions") or []
    )


def pod_running(pod: Obj) -> bool:
    return (pod.get("status") or {}).get("phase") == "Running"


def _int(v: Any, default: int) -> int:
    return v if isinstance(v, int) and not isinstance(v, bool) else default


class Reconciler:
    """The edit-driven half of the simulated controller (see the module docstring)."""

    def __init__(self, ctl: SimulatedController, rng_seed: int = 7) -> None:
        self.ctl = ctl
        self.emu = ctl.emu
        self.f = Factory(random.Random(rng_seed * 15485863 + 5), ctl.clock())
        self.f.node_index = {n[0]: i + 1 for i, n in enumerate(NODES)}
        self.dirty: set[tuple[str, str, str]] = set()
        self.again: set[tuple[str, str, str]] = set()  # more to do next tick
        self.pods: dict[tuple[str, str], tuple[str, int, str]] = {}  # (ns, pod) -> (stage, tick, deployment)
        self.rollouts: dict[tuple[str, str], int] = {}  # InferenceServices rolling out -> generation
        self.changes: list[str] = []  # what the last step did
        self._remove = self.emu.add_listener(self._on_change) if hasattr(self.emu, "add_listener") else None

    def close(self) -> None:
        if self._remove is not None:
            self._remove()
            self._remove = None

    # ---- the listener ---------------------------------------------------------------------
    def _on_change(self, ev: Any) -> None:
        kind = WATCHED.get(ev.key)
        if kind is None:
            return
        if kind in ("Pod", "ReplicaSet"):
            if ev.type != "DELETED":
                return
            obj = ev.obj
            ref = controller_ref(obj)
            if ref is not None:
                self.dirty.add(("owner:" + str(ref.get("kind")), ev.namespace, str(ref.get("name"))))
            return
        obj = ev.obj
        name = (obj.get("metadata") or {}).get("name", "")
        if ev.type != "DELETED":
            self.dirty.add((kind, ev.namespace, name))
        if kind == "Deployment":
            ref = controller_ref(obj)
            if ref is not None and ref.get("kind") in OWNER_KINDS:
                self.dirty.add((str(ref["kind"]), ev.namespace, str(ref.get("name"))))

    # ---- one tick -------------------------------------------------------------------------
    def step(self) -> None:
        self.changes = []
        self.f.now = self.ctl.factory.now
        self.dirty |= self.again
        self.again = set()
        self._advance_pods()
        for _ in range(MAX_PASSES):
            if not self.dirty:
                break
            batch = sorted(self._resolve(self.dirty), key=lambda k: (ORDER.get(k[0], 9), k[1], k[2]))
            self.dirty = set()
            for kind, ns, name in batch:
                try:
                    getattr(self, f"_reconcile_{kind}")(ns, name)
                except Exception as exc:  # one broken object must not stop the others
                    log.debug("sandbox reconcile %s %s/%s failed: %s", kind, ns, name, exc, exc_info=True)
                    self.ctl.changes.append(f"error reconciling {kind} {ns}/{name}: {exc}")
        self.again |= self.dirty
        self.dirty = set()

    def _resolve(self, keys: set[tuple[str, str, str]]) -> set[tuple[str, str, str]]:
        """owner:ReplicaSet (a deleted pod's owner) -> its Deployment; drop unknown kinds."""
        out: set[tuple[str, str, str]] = set()
        for kind, ns, name in keys:
            if kind == "owner:ReplicaSet":
                rs = self.ctl.get("apps/v1", "ReplicaSet", ns, name)
                ref = controller_ref(rs) if rs else None
                if ref is not None and ref.get("kind") == "Deployment":
                    out.add(("Deployment", ns, str(ref.get("name"))))
            elif kind == "owner:Deployment":
                out.add(("Deployment", ns, name))
            elif kind in ORDER:
                out.add((kind, ns, name))
        return out

    # ---- helpers --------------------------------------------------------------------------
    def _now(self) -> str:
        return fmt_ts(self.f.now)

    def _event(
        self,
        obj: Obj,
        reason: str,
        message: str,
        *,
        component: str,
        type_: str = "Normal",
        host: str | None = None,
        field_path: str | None = None,
    ) -> None:
        self.changes.append(f"event {reason} {obj['metadata']['name']}")
        self.ctl.event(
            obj,
            f"{reason}:{message}",
            reason,
            message,
            type_=type_,
            component=component,
            host=host,
            field_path=field_path,
        )

    def _change(self, what: str) -> None:
        self.changes.append(what)
        self.ctl.changes.append(what)

    def _delete(self, api_version: str, kind: str, ns: str, name: str) -> None:
        if self.ctl.get(api_version, kind, ns, name) is not None:
            self.emu.delete(api_version, kind, ns, name)

    # ---- pods: ContainerCreating -> Running -> Ready ---------------------------------------
    def _advance_pods(self) -> None:
        tick = self.ctl.ticks
        for key in sorted(self.pods):
            stage, born, dep = self.pods[key]
            if born >= tick:
                continue
            ns, name = key
            pod = self.ctl.pod(ns, name)
            if pod is None:
                del self.pods[key]
                continue
            node = (pod.get("spec") or {}).get("nodeName")
            if stage == "creating":
                st = self.f.pod_status(pod, node=node, age=0, state="running")
                for cs in st.get("containerStatuses") or []:
                    cs["ready"] = False
                pod["status"] = st
                self.ctl.set_ready(pod, False, [c["name"] for c in pod["spec"].get("containers") or []], self._now())
                self.emu.update(pod)
                for c in pod["spec"].get("containers") or []:
                    fp = f"spec.containers{{{c['name']}}}"
                    self._event(
                        pod,
                        "Pulled",
                        f'Container image "{c.get("image", "")}" already present on machine',
                        component="kubelet",
                        host=node,
                        field_path=fp,
                    )
                    self._event(
                        pod, "Created", f"Created container {c['name']}", component="kubelet", host=node, field_path=fp
                    )
                    self._event(
                        pod, "Started", f"Started container {c['name']}", component="kubelet", host=node, field_path=fp
                    )
                self.pods[key] = ("started", tick, dep)
                self._change(f"pod {name} Running")
            else:
                for cs in (pod.get("status") or {}).get("containerStatuses") or []:
                    cs["ready"] = True
                self.ctl.set_ready(pod, True, [], self._now())
                self.emu.update(pod)
                del self.pods[key]
                self._change(f"pod {name} Ready")
            self.dirty.add(("Deployment", ns, dep))
            owner = self.ctl.get("apps/v1", "Deployment", ns, dep)
            ref = controller_ref(owner) if owner else None
            if ref is not None and ref.get("kind") in OWNER_KINDS:
                self.dirty.add((str(ref["kind"]), ns, str(ref.get("name"))))

    # ---- Deployments -----------------------------------------------------------------------
    def _replicasets(self, dep: Obj) -> tuple[Obj | None, list[Obj]]:
        """(the ReplicaSet of the current template or None, the others)."""
        tmpl = without_hash(dep["spec"].get("template") or {})
        current, old = None, []
        for rs in self.emu.owned_by(dep["metadata"]["uid"], kind="ReplicaSet"):
            if rs["metadata"].get("deletionTimestamp"):
                continue
            if current is None and without_hash(rs["spec"].get("template") or {}) == tmpl:
                current = rs
            else:
                old.append(rs)
        return current, old

    def _pods_of(self, rs: Obj) -> list[Obj]:
        return [
            p
            for p in self.emu.owned_by(rs["metadata"]["uid"], kind="Pod")
            if not p["metadata"].get("deletionTimestamp")
        ]

    def _node_for(self, dep: Obj, rss: list[Obj]) -> str:
        for rs in rss:
            for p in self._pods_of(rs):
                node = (p.get("spec") or {}).get("nodeName")
                if node:
                    return str(node)
        spec = (dep["spec"].get("template") or {}).get("spec") or {}
        gpus = any(GPU in ((c.get("resources") or {}).get("limits") or {}) for c in spec.get("containers") or [])
        return "gpu-a100-0" if gpus else "gpu-h100-0"

    def _scale_rs(self, dep: Obj, rs: Obj, replicas: int) -> Obj:
        before = _int(rs["spec"].get("replicas"), 1)
        if before == replicas:
            return rs
        rs["spec"]["replicas"] = replicas
        ann = rs["metadata"].setdefault("annotations", {})
        ann["deployment.kubernetes.io/desired-replicas"] = str(_int(dep["spec"].get("replicas"), 1))
        rs = self.emu.update(rs)
        way = "up" if replicas > before else "down"
        self._event(
            dep,
            "ScalingReplicaSet",
            f"Scaled {way} replica set {rs['metadata']['name']} from {before} to {replicas}",
            component="deployment-controller",
        )
        self._change(f"replicaset {rs['metadata']['name']} scaled {before} -> {replicas}")
        return rs

    def _new_replicaset(self, dep: Obj, olds: list[Obj], replicas: int) -> Obj:
        md = dep["metadata"]
        tmpl = without_hash(dep["spec"]["template"])
        h = template_hash(tmpl)
        revision = 1 + max(
            [_int_str((r["metadata"].get("annotations") or {}).get(REVISION)) for r in olds]
            + [_int_str((md.get("annotations") or {}).get(REVISION)) - 1, 0]
        )
        labels = dict((tmpl.get("metadata") or {}).get("labels") or {})
        labels[L_POD_TEMPLATE_HASH] = h
        tmpl.setdefault("metadata", {})["labels"] = dict(labels)
        selector = dict(((dep["spec"].get("selector") or {}).get("matchLabels")) or {})
        selector[L_POD_TEMPLATE_HASH] = h
        rs = {
            "apiVersion": "apps/v1",
            "kind": "ReplicaSet",
            "metadata": {
                "name": f"{md['name']}-{h}",
                "namespace": md["namespace"],
                "labels": labels,
                "annotations": {
                    "deployment.kubernetes.io/desired-replicas": str(replicas),
                    "deployment.kubernetes.io/max-replicas": str(replicas + 1),
                    REVISION: str(revision),
                },
                "ownerReferences": [owner_ref(dep)],
            },
            "spec": {"replicas": replicas, "selector": {"matchLabels": selector}, "template": tmpl},
            "status": {"replicas": 0, "observedGeneration": 1},
        }
        if self.ctl.get("apps/v1", "ReplicaSet", md["namespace"], rs["metadata"]["name"]) is not None:
            self.emu.delete("apps/v1", "ReplicaSet", md["namespace"], rs["metadata"]["name"])
        rs = self.emu.create(rs)
        if replicas:
            self._event(
                dep,
                "ScalingReplicaSet",
                f"Scaled up replica set {rs['metadata']['name']} from 0 to {replicas}",
                component="deployment-controller",
            )
        self._change(f"replicaset {rs['metadata']['name']} created (revision {revision})")
        cur = self.ctl.get("apps/v1", "Deployment", md["namespace"], md["name"])
        if cur is not None:
            cur["metadata"].setdefault("annotations", {})[REVISION] = str(revision)
            self.emu.update(cur)
        return rs

    def _create_pods(self, dep: Obj, rs: Obj, n: int, node: str) -> None:
        ns = rs["metadata"]["namespace"]
        for _ in range(n):
            pod = self.f.pod(rs, node=node, age=0, state="creating")
            pod["metadata"].pop("uid", None)
            pod = self.emu.create(pod)
            pname = pod["metadata"]["name"]
            self.pods[(ns, pname)] = ("creating", self.ctl.ticks, dep["metadata"]["name"])
            self._event(rs, "SuccessfulCreate", f"Created pod: {pname}", component="replicaset-controller")
            self._event(
                pod, "Scheduled", f"Successfully assigned {ns}/{pname} to {node}", component="default-scheduler"
            )
            self._change(f"pod {pname} created")

    def _delete_pods(self, rs: Obj, pods: list[Obj]) -> None:
        for pod in pods:
            md = pod["metadata"]
            node = (pod.get("spec") or {}).get("nodeName")
            for c in (pod.get("spec") or {}).get("containers") or []:
                self._event(
                    pod,
                    "Killing",
                    f"Stopping container {c['name']}",
                    component="kubelet",
                    host=node,
                    field_path=f"spec.containers{{{c['name']}}}",
                )
            self._delete("v1", "Pod", md["namespace"], md["name"])
            self.pods.pop((md["namespace"], md["name"]), None)
            self._event(rs, "SuccessfulDelete", f"Deleted pod: {md['name']}", component="replicaset-controller")
            self._change(f"pod {md['name']} deleted")

    def _reconcile_Deployment(self, ns: str, name: str) -> None:
        dep = self.ctl.get("apps/v1", "Deployment", ns, name)
        if dep is None or dep["metadata"].get("deletionTimestamp"):
            return
        if KNATIVE_REVISION in (dep["metadata"].get("labels") or {}):
            return  # a Knative revision: the canary story drives it
        desired = max(_int(dep["spec"].get("replicas"), 1), 0)
        current, olds = self._replicasets(dep)
        if current is None and dep["spec"].get("paused") and olds:
            # a paused Deployment does not roll its new template out; it only scales
            olds.sort(key=lambda r: _int_str((r["metadata"].get("annotations") or {}).get(REVISION)))
            current = olds.pop()
        if current is None:
            current = self._new_replicaset(dep, olds, desired)
            dep = self.ctl.get("apps/v1", "Deployment", ns, name) or dep
        else:
            current = self._scale_rs(dep, current, desired)
        pods = self._pods_of(current)
        node = self._node_for(dep, [current, *olds])
        if len(pods) < desired:
            want = desired - len(pods)
            if want > MAX_POD_CREATES:
                self.again.add(("Deployment", ns, name))
            self._create_pods(dep, current, min(want, MAX_POD_CREATES), node)
        elif len(pods) > desired:
            extra = sorted(
                pods, key=lambda p: (pod_ready(p), p["metadata"].get("creationTimestamp", ""), p["metadata"]["name"])
            )[: len(pods) - desired]
            self._delete_pods(current, extra)
        pods = self._pods_of(current)
        ready_new = sum(1 for p in pods if pod_ready(p))
        rs_pods: dict[str, list[Obj]] = {current["metadata"]["name"]: pods}
        for rs in olds:
            old_pods = self._pods_of(rs)
            if ready_new >= desired:
                if old_pods:
                    self._delete_pods(rs, old_pods)
                    old_pods = []
                rs = self._scale_rs(dep, rs, 0)
            rs_pods[rs["metadata"]["name"]] = old_pods
        for rs in [current, *olds]:
            self._rs_status(ns, rs["metadata"]["name"], rs_pods.get(rs["metadata"]["name"], []))
        self._deployment_status(ns, name, pods, [p for r in olds for p in rs_pods.get(r["metadata"]["name"], [])])

    def _rs_status(self, ns: str, name: str, pods: list[Obj]) -> None:
        rs = self.ctl.get("apps/v1", "ReplicaSet", ns, name)
        if rs is None:
            return
        n, ready = len(pods), sum(1 for p in pods if pod_ready(p))
        st: Obj = {"replicas": n, "fullyLabeledReplicas": n, "observedGeneration": rs["metadata"].get("generation", 1)}
        if ready:
            st["readyReplicas"] = ready
            st["availableReplicas"] = ready
        if (rs.get("status") or {}) != st:
            rs["status"] = st
            self.emu.update(rs)

    def _deployment_status(self, ns: str, name: str, new_pods: list[Obj], old_pods: list[Obj]) -> None:
        dep = self.ctl.get("apps/v1", "Deployment", ns, name)
        if dep is None:
            return
        total = len(new_pods) + len(old_pods)
        ready = sum(1 for p in new_pods + old_pods if pod_ready(p))
        cur = dep.get("status") or {}
        gen = dep["metadata"].get("generation", 1)
        same = (
            cur.get("observedGeneration") == gen
            and _int(cur.get("replicas"), 0) == total
            and _int(cur.get("readyReplicas"), 0) == ready
            and _int(cur.get("updatedReplicas"), 0) == (len(new_pods) if total else 0)
        )
        if same:
            return
        st = deployment_status(dep, ready=ready, now=self._now(), replicas=total)
        if total:
            st["updatedReplicas"] = len(new_pods)
        desired = _int(dep["spec"].get("replicas"), 1)
        unavailable = max(desired - ready, 0)
        st.pop("unavailableReplicas", None)
        if unavailable:
            st["unavailableReplicas"] = unavailable
        if old_pods or len(new_pods) < desired or ready < desired:
            for c in st["conditions"]:
                if c["type"] == "Progressing":
                    c.update(reason="ReplicaSetUpdated", message=f'Deployment "{name}" is progressing.')
        for c in st["conditions"]:  # keep transition times of conditions that did not change
            for o in cur.get("conditions") or []:
                if o.get("type") == c["type"] and o.get("status") == c["status"] and o.get("lastTransitionTime"):
                    c["lastTransitionTime"] = o["lastTransitionTime"]
        dep["status"] = st
        self.emu.update(dep)

    def _delete_deployment_tree(self, dep: Obj) -> None:
        md = dep["metadata"]
        for rs in self.emu.owned_by(md["uid"], kind="ReplicaSet"):
            self._delete_pods(rs, self._pods_of(rs))
            self._delete("apps/v1", "ReplicaSet", md["namespace"], rs["metadata"]["name"])
        self._delete("apps/v1", "Deployment", md["namespace"], md["name"])
        self._change(f"deployment {md['name']} deleted")

    def _set_template(self, dep: Obj, *, template: Obj | None = None, replicas: int | None = None) -> bool:
        """Update a Deployment's pod template and/or replicas; True when something changed."""
        changed = False
        if template is not None and without_hash(dep["spec"].get("template") or {}) != template:
            dep["spec"]["template"] = template
            changed = True
        if replicas is not None and dep["spec"].get("replicas") != replicas:
            dep["spec"]["replicas"] = replicas
            changed = True
        if changed:
            self.emu.update(dep)
            self._change(f"deployment {dep['metadata']['name']} updated")
        return changed

    # ---- InferenceService (KServe, RawDeployment) --------------------------------------------
    def _reconcile_InferenceService(self, ns: str, name: str) -> None:
        isvc = self.ctl.get(ISVC_API, "InferenceService", ns, name)
        if isvc is None or isvc["metadata"].get("deletionTimestamp"):
            self.rollouts.pop((ns, name), None)
            return
        canary = self.ctl.roles.get("canary") or {}
        if canary.get("isvc") == name and canary.get("namespace") == ns:
            self._reconcile_canary(isvc, canary)
            return
        md = isvc["metadata"]
        gen = md.get("generation", 1)
        status = isvc.get("status") or {}
        conds = {c.get("type"): c for c in status.get("conditions") or [] if isinstance(c, dict)}
        stopped = str((md.get("annotations") or {}).get(STOP_ANNOTATION, "")).lower() == "true"
        dep_name = f"{name}-predictor"
        dep = self.ctl.get("apps/v1", "Deployment", ns, dep_name)
        key = (ns, name)
        if stopped:
            self.rollouts.pop(key, None)
            if dep is not None:
                self._delete_deployment_tree(dep)
            self._delete("v1", "Service", ns, dep_name)
            if (conds.get("Stopped") or {}).get("status") != "True" or status.get("observedGeneration") != gen:
                st = isvc_status_stopped(name, ns, ts=self._now(), runtime=self._runtime(isvc))
                st["observedGeneration"] = gen
                self._write_status(isvc, st)
                self._event(
                    isvc,
                    "InferenceServiceStopped",
                    f"InferenceService [{name}] is stopped",
                    component="v1beta1Controllers",
                )
                self._change(f"isvc {name} stopped")
            return
        was_stopped = (conds.get("Stopped") or {}).get("status") == "True"
        predictor = (isvc.get("spec") or {}).get("predictor")
        replicas = max(_int(predictor.get("minReplicas") if isinstance(predictor, dict) else None, 1), 1)
        if dep is None:
            self._create_predictor(isvc, replicas)
            self.rollouts[key] = gen
            self._write_status(isvc, self._progress_status(isvc, "pending", replicas))
            self._change(f"isvc {name} predictor created")
            return
        if status.get("observedGeneration") != gen or was_stopped:
            template = self._predictor_template(isvc, dep)
            new_template = without_hash(dep["spec"].get("template") or {}) != template
            self._set_template(dep, template=template, replicas=replicas)
            if new_template or was_stopped or key in self.rollouts:
                self.rollouts[key] = gen
                self._write_status(isvc, self._progress_status(isvc, "pending", replicas))
                self._change(f"isvc {name} rolling out generation {gen}")
            else:  # nothing the pods use changed (replicas at most): observedGeneration catches up
                st = json.loads(json.dumps(status))
                st["observedGeneration"] = gen
                self._write_status(isvc, st)
            return
        if key in self.rollouts:
            self._follow_rollout(isvc, dep, replicas)

    def _reconcile_canary(self, isvc: Obj, role: Obj) -> None:
        """The Serverless canary InferenceService: its story rolls revisions out; a stop tears its
        revisions down (the story pauses), a start brings the latest revision back, promoted."""
        md = isvc["metadata"]
        name, ns, gen = md["name"], md["namespace"], md.get("generation", 1)
        status = isvc.get("status") or {}
        is_stopped = any(
            c.get("type") == "Stopped" and c.get("status") == "True" for c in status.get("conditions") or []
        )
        if str((md.get("annotations") or {}).get(STOP_ANNOTATION, "")).lower() == "true":
            role["stopped"] = True
            role.pop("starting", None)
            for dep in self.emu.owned_by(md["uid"], kind="Deployment"):
                self._delete_deployment_tree(dep)
            for svc in self.emu.owned_by(md["uid"], kind="Service"):
                self._delete("v1", "Service", ns, svc["metadata"]["name"])
            if not is_stopped or status.get("observedGeneration") != gen:
                st = isvc_status_stopped(name, ns, ts=self._now(), runtime=role["runtime"])
                st["deploymentMode"], st["observedGeneration"] = "Serverless", gen
                self._write_status(isvc, st)
                self._event(
                    isvc,
                    "InferenceServiceStopped",
                    f"InferenceService [{name}] is stopped",
                    component="v1beta1Controllers",
                )
                self._change(f"isvc {name} stopped")
            return
        rev = role["revision"]
        if role.get("stopped") or is_stopped:
            role["stopped"] = False
            role["starting"] = True
            model = ((isvc.get("spec") or {}).get("predictor") or {}).get("model") or {}
            uri = str(model.get("storageUri") or "")
            if (isvc["spec"].get("predictor") or {}).pop("canaryTrafficPercent", None) is not None:
                isvc = self.emu.update(isvc)
            objs = canary_revision_objects(
                self.f, isvc, rev, uri, role["image"], replicas=1, age=0, node=role["node"], state="creating"
            )
            for o in objs["all"]:
                o["metadata"].pop("uid", None)
            dep = self.emu.create(objs["deployment"])
            objs["replicaset"]["metadata"]["ownerReferences"] = [owner_ref(dep)]
            rs = self.emu.create(objs["replicaset"])
            names = []
            for p in objs["pods"]:
                p["metadata"]["ownerReferences"] = [owner_ref(rs)]
                pod = self.emu.create(p)
                names.append(pod["metadata"]["name"])
                self.pods[(ns, pod["metadata"]["name"])] = ("creating", self.ctl.ticks, dep["metadata"]["name"])
                self._event(
                    pod,
                    "Scheduled",
                    f"Successfully assigned {ns}/{pod['metadata']['name']} to {role['node']}",
                    component="default-scheduler",
                )
            svc = self.emu.create(objs["service"])
            role["revisions"] = {
                rev: {
                    "deployment": dep["metadata"]["name"],
                    "replicaset": rs["metadata"]["name"],
                    "service": svc["metadata"]["name"],
                    "pods": names,
                    "storageUri": uri,
                }
            }
            role["previous"], role["percent"] = rev, None
            st = self.ctl.canary_status(role, percent=None, latest=rev, prev=None)
            for c in st["conditions"]:
                if c["type"] in ("Ready", "PredictorReady", "LatestDeploymentReady"):
                    c.update(
                        status="False",
                        reason="RevisionMissing",
                        message=f"Revision {revision_name(name, rev)} is being deployed",
                    )
            st["modelStatus"] = isvc_model_status("pending")
            st["observedGeneration"] = isvc["metadata"].get("generation", 1)
            self._write_status(isvc, st)
            self._change(f"isvc {name} starting revision {revision_name(name, rev)}")
            return
        if not role.get("starting"):
            return
        info = role["revisions"].get(rev) or {}
        pods = [self.ctl.pod(ns, p) for p in info.get("pods") or []]
        if pods and all(p is not None and pod_ready(p) for p in pods):
            for api, kind, obj_name in (
                ("apps/v1", "Deployment", info.get("deployment")),
                ("apps/v1", "ReplicaSet", info.get("replicaset")),
            ):
                obj = self.ctl.get(api, kind, ns, str(obj_name))
                if obj is None:
                    continue
                n = _int(obj["spec"].get("replicas"), 1)
                obj["status"] = (
                    deployment_status(obj, ready=n, now=self._now())
                    if kind == "Deployment"
                    else {
                        "replicas": n,
                        "fullyLabeledReplicas": n,
                        "readyReplicas": n,
                        "availableReplicas": n,
                        "observedGeneration": obj["metadata"].get("generation", 1),
                    }
                )
                self.emu.update(obj)
            st = self.ctl.canary_status(role, percent=None, latest=rev, prev=None)
            st["observedGeneration"] = gen
            self._write_status(isvc, st)
            role.pop("starting", None)
            self.ctl.canary_resumed()
            self._event(
                isvc, "InferenceServiceReady", f"InferenceService [{name}] is Ready", component="v1beta1Controllers"
            )
            self._change(f"isvc {name} Ready")
        elif pods and any(p is not None and pod_running(p) for p in pods):
            cur = json.loads(json.dumps(status))
            loading = {
                "copies": {"failedCopies": 0, "totalCopies": len(pods)},
                "states": {"activeModelState": "Loading", "targetModelState": "Loaded"},
                "transitionStatus": "InProgress",
            }
            if cur.get("modelStatus") != loading:
                cur["modelStatus"] = loading
                self._write_status(isvc, cur)

    def _runtime(self, isvc: Obj) -> str:
        model = ((isvc.get("spec") or {}).get("predictor") or {}).get("model") or {}
        if model.get("runtime"):
            return str(model["runtime"])
        fmt = str((model.get("modelFormat") or {}).get("name") or "")
        return RUNTIMES.get(fmt, (f"kserve-{fmt}server", ""))[0]

    def _predictor_template(self, isvc: Obj, dep: Obj | None) -> Obj:
        """The pod template KServe derives from the predictor spec (the current one's image kept
        when the runtime did not change, its annotations kept with the new storage URI)."""
        name = isvc["metadata"]["name"]
        model = ((isvc.get("spec") or {}).get("predictor") or {}).get("model") or {}
        fmt = str((model.get("modelFormat") or {}).get("name") or "custom")
        uri = str(model.get("storageUri") or "")
        res = model.get("resources") or {}
        limits, requests = res.get("limits") or {}, res.get("requests") or {}
        gpus = int(str(limits.get(GPU) or requests.get(GPU) or 0) or 0)
        cpu = str(limits.get("cpu") or requests.get("cpu") or "1")
        memory = str(limits.get("memory") or requests.get("memory") or "2Gi")
        current = without_hash(dep["spec"].get("template") or {}) if dep else {}
        cur_containers = (current.get("spec") or {}).get("containers") or []
        status = isvc.get("status") or {}
        running_rt = status.get("servingRuntimeName") or status.get("clusterServingRuntimeName")
        if cur_containers and running_rt == self._runtime(isvc):
            image = cur_containers[0].get("image", "")
        else:
            image = RUNTIMES.get(fmt, ("", f"kserve/{fmt}server:{KSERVE_VERSION}"))[1]
        pod_spec = predictor_pod_spec(name, fmt, uri, gpus, cpu, memory, image, model.get("args"))
        if res:
            pod_spec["containers"][0]["resources"] = json.loads(json.dumps(res))
        ann = dict((current.get("metadata") or {}).get("annotations") or isvc_pod_annotations(uri))
        ann[STORAGE_URI_ANNOTATION] = uri
        labels = dict((current.get("metadata") or {}).get("labels") or isvc_predictor_labels(name))
        return {"metadata": {"labels": labels, "annotations": ann}, "spec": pod_spec}

    def _create_predictor(self, isvc: Obj, replicas: int) -> None:
        md = isvc["metadata"]
        name, ns = md["name"], md["namespace"]
        tmpl = self._predictor_template(isvc, None)
        dep = predictor_deployment(
            self.f,
            isvc,
            pod_spec=tmpl["spec"],
            pod_annotations=tmpl["metadata"]["annotations"],
            replicas=replicas,
            ready=0,
            age=0,
        )
        dep["metadata"].pop("uid", None)
        dep["metadata"]["generation"] = 1
        self.emu.create(dep)
        if self.ctl.get("v1", "Service", ns, f"{name}-predictor") is None:
            svc = predictor_service(self.f, isvc, age=0)
            svc["metadata"].pop("uid", None)
            self.emu.create(svc)

    def _progress_status(self, isvc: Obj, stage: str, replicas: int) -> Obj:
        md = isvc["metadata"]
        name, ns = md["name"], md["namespace"]
        rt = self._runtime(isvc)
        custom = bool((((isvc.get("spec") or {}).get("predictor") or {}).get("model") or {}).get("runtime"))
        now = self._now()
        if stage == "loaded":
            st = isvc_status_raw(name, ns, ts=now, ready=True, runtime=rt, replicas=replicas)
        else:
            msg = (
                "Deployment does not have minimum availability."
                if stage == "pending"
                else f"Loading the model in {replicas} predictor pod{'s' if replicas != 1 else ''}"
            )
            st = isvc_status_raw(
                name,
                ns,
                ts=now,
                ready=False,
                runtime=rt,
                replicas=replicas,
                reason="MinimumReplicasUnavailable" if stage == "pending" else "ModelLoading",
                message=msg,
                model="pending",
            )
            if stage == "loading":
                st["modelStatus"] = {
                    "copies": {"failedCopies": 0, "totalCopies": replicas},
                    "states": {"activeModelState": "Loading", "targetModelState": "Loaded"},
                    "transitionStatus": "InProgress",
                }
        if custom:
            st["servingRuntimeName"] = st.pop("clusterServingRuntimeName")
        old = {c.get("type"): c for c in (isvc.get("status") or {}).get("conditions") or []}
        for c in st["conditions"]:
            o = old.get(c["type"])
            if o and o.get("status") == c["status"] and o.get("lastTransitionTime"):
                c["lastTransitionTime"] = o["lastTransitionTime"]
        st["observedGeneration"] = md.get("generation", 1)
        return st

    def _write_status(self, isvc: Obj, st: Obj) -> None:
        if isvc.get("status") == st:
            return
        isvc["status"] = st
        self.emu.update(isvc)

    def _follow_rollout(self, isvc: Obj, dep: Obj, replicas: int) -> None:
        md = isvc["metadata"]
        key = (md["namespace"], md["name"])
        current, olds = self._replicasets(dep)
        pods = self._pods_of(current) if current else []
        old_pods = [p for rs in olds for p in self._pods_of(rs)]
        ready = sum(1 for p in pods if pod_ready(p))
        if current is not None and ready >= replicas and not old_pods:
            st = self._progress_status(isvc, "loaded", replicas)
            self._write_status(isvc, st)
            del self.rollouts[key]
            self._event(
                isvc,
                "InferenceServiceReady",
                f"InferenceService [{md['name']}] is Ready",
                component="v1beta1Controllers",
            )
            self._change(f"isvc {md['name']} Ready")
            return
        stage = "loading" if pods and any(pod_running(p) for p in pods) else "pending"
        st = self._progress_status(isvc, stage, replicas)
        cur = isvc.get("status") or {}
        if cur.get("modelStatus") != st["modelStatus"] or cur.get("conditions") != st["conditions"]:
            self._write_status(isvc, st)
            self._change(f"isvc {md['name']} {stage}")

    # ---- BentoDeployment (yatai-deployment) ----------------------------------------------------
    def _reconcile_BentoDeployment(self, ns: str, name: str) -> None:
        bd = self.ctl.get(BD_API, "BentoDeployment", ns, name)
        if bd is None or bd["metadata"].get("deletionTimestamp"):
            return
        spec = bd.get("spec") or {}
        deps = self.emu.owned_by(bd["metadata"]["uid"], kind="Deployment")
        runners = {str(r.get("name")): r for r in spec.get("runners") or [] if isinstance(r, dict)}
        for dep in deps:
            labels = dep["metadata"].get("labels") or {}
            ctype = labels.get(L_BD_COMPONENT_TYPE)
            if ctype == "api-server":
                auto, res, envs = spec.get("autoscaling") or {}, spec.get("resources"), spec.get("envs")
                runner: str | None = None
            elif ctype == "runner" and labels.get(L_BD_COMPONENT_NAME) in runners:
                r = runners[labels[L_BD_COMPONENT_NAME]]
                auto, envs = r.get("autoscaling") or {}, r.get("envs")
                res = yatai_to_kube_resources(r["resources"]) if isinstance(r.get("resources"), dict) else None
                runner = labels[L_BD_COMPONENT_NAME]
            else:
                continue
            lo = max(_int(auto.get("minReplicas"), 1), 0)
            hi = max(_int(auto.get("maxReplicas"), lo), lo)
            cur = _int(dep["spec"].get("replicas"), 1)
            want = min(max(cur, lo), hi)
            tmpl = without_hash(dep["spec"].get("template") or {})
            containers = (tmpl.get("spec") or {}).get("containers") or []
            if containers:
                main = containers[0]
                if isinstance(res, dict):
                    main["resources"] = json.loads(json.dumps(res))
                env = bento_env(runner)
                env += [
                    {"name": e["name"], "value": str(e.get("value", ""))}
                    for e in envs or []
                    if isinstance(e, dict) and e.get("name")
                ]
                main["env"] = env
            if self._set_template(dep, template=tmpl, replicas=want):
                what = (
                    f"Updated Deployment {dep['metadata']['name']}"
                    if want == cur
                    else f"Scaled Deployment {dep['metadata']['name']} from {cur} to {want} replicas"
                )
                self._event(bd, "UpdateYataiDeployment", what, component="yatai-deployment")

    # ---- InferenceStack (the Helm operator and the inference-stack chart) ------------------------
    def _reconcile_InferenceStack(self, ns: str, name: str) -> None:
        stack = self.ctl.get(STACK_API, "InferenceStack", ns, name)
        if stack is None or stack["metadata"].get("deletionTimestamp"):
            return
        spec = stack.get("spec") or {}
        full = str(spec.get("fullnameOverride") or "") or stack_fullname(name)
        template = spec.get("applicationTemplate") if isinstance(spec.get("applicationTemplate"), dict) else {}
        apps = spec.get("applications") if isinstance(spec.get("applications"), dict) else {}
        existing: dict[str, Obj] = {}
        for dep in self.emu.owned_by(stack["metadata"]["uid"], kind="Deployment"):
            comp = (dep["metadata"].get("labels") or {}).get(L_APP_COMPONENT, "")
            if comp.startswith("application-"):
                existing[comp[len("application-") :]] = dep
        changed = False
        wanted = 0
        for app in sorted(apps):
            values = merge_values(template, apps[app] if isinstance(apps[app], dict) else None)
            values = values if isinstance(values, dict) else {}
            replicas = max(_int(values.get("replicaCount"), 1), 0)
            wanted += replicas
            labels, selector = stack_reader_labels(name, app)
            data = stack_reader_config(full, app, values.get("readerConfig") or {})
            cm_name = f"{full}-{app}"
            cm = self.ctl.get("v1", "ConfigMap", ns, cm_name)
            config_changed = False
            if cm is None:
                cm = {
                    "apiVersion": "v1",
                    "kind": "ConfigMap",
                    "metadata": {
                        "name": cm_name,
                        "namespace": ns,
                        "labels": labels,
                        "ownerReferences": [owner_ref(stack)],
                    },
                    "data": data,
                }
                self.emu.create(cm)
            elif cm.get("data") != data:
                cm["data"] = data
                self.emu.update(cm)
                config_changed = True
                self._change(f"configmap {cm_name} updated")
            dep = existing.get(app)
            if dep is None:
                dep = self.f.deployment(
                    ns,
                    f"{full}-{app}",
                    labels=labels,
                    pod_spec=stack_reader_pod_spec(full, app, values),
                    replicas=replicas,
                    age=0,
                    owner=stack,
                    ready=0,
                    selector=selector,
                )
                dep["metadata"].pop("uid", None)
                self.emu.create(dep)
                self._change(f"reader {app} of {name} created")
                changed = True
                continue
            tmpl = without_hash(dep["spec"].get("template") or {})
            pod_spec = tmpl.setdefault("spec", {})
            containers = pod_spec.get("containers") or []
            if containers:
                containers[0]["image"] = stack_reader_image(values)
                containers[0]["resources"] = stack_reader_resources(values)
            tol = stack_reader_tolerations(values)
            if tol:
                pod_spec["tolerations"] = tol
            else:
                pod_spec.pop("tolerations", None)
            if config_changed:
                ann = tmpl.setdefault("metadata", {}).setdefault("annotations", {})
                ann[CONFIG_CHECKSUM] = hashlib.sha256(data["config.yaml"].encode()).hexdigest()[:16]
            if self._set_template(dep, template=tmpl, replicas=replicas):
                changed = True
        for app in sorted(set(existing) - set(apps)):
            self._delete_deployment_tree(existing[app])
            self._delete("v1", "ConfigMap", ns, f"{full}-{app}")
            self._change(f"reader {app} of {name} removed")
            changed = True
        ready = 0
        for dep in self.emu.owned_by(stack["metadata"]["uid"], kind="Deployment"):
            comp = (dep["metadata"].get("labels") or {}).get(L_APP_COMPONENT, "")
            if comp.startswith("application-"):
                ready += _int((dep.get("status") or {}).get("readyReplicas"), 0)
        st = json.loads(json.dumps(stack.get("status") or {}))
        st["readers"], st["readyReaders"] = wanted, min(ready, wanted)
        if changed:
            for c in st.setdefault("conditions", []):
                if c.get("type") == "Deployed":
                    c.update(status="True", reason="UpgradeSuccessful", message="Takeoff inference stack upgraded.")
            if not any(c.get("type") == "Deployed" for c in st["conditions"]):
                st["conditions"].append(
                    {
                        "type": "Deployed",
                        "status": "True",
                        "reason": "InstallSuccessful",
                        "message": "Takeoff inference stack deployed.",
                        "lastTransitionTime": self._now(),
                    }
                )
            st["deployedRelease"] = {"name": name}
        if st != stack.get("status"):
            stack["status"] = st
            self.emu.update(stack)


def _int_str(v: Any) -> int:
    try:
        return int(str(v))
    except (TypeError, ValueError):
        return 0
