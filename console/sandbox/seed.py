"""The demo cluster: a deterministic, pure description of a model-serving cluster.

``seed_objects()`` returns plain dicts (camelCase, as an API server returns them)
for a GPU cluster running KServe InferenceServices, Yatai BentoDeployments, Takeoff
InferenceStacks and a Model Registry, with everything the controllers would have
created behind them (Deployments -> ReplicaSets -> Pods with ownerReferences, Services,
Events) and a handful of realistic failures.  Nothing here does I/O.

``build()`` additionally returns ``roles``: where the interesting objects are, for
:mod:`inference_console.sandbox.controller` to keep them moving.
"""

from __future__ import annotations

import base64
import json
import random
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any

Obj = dict[str, Any]

KSERVE_VERSION = "v0.14.1"
INGRESS_DOMAIN = "example.com"

ISVC_API = "serving.kserve.io/v1beta1"
BD_API = "serving.yatai.ai/v2alpha1"
BENTO_API = "resources.yatai.ai/v1alpha1"
STACK_API = "doublewordai.co/v1alpha1"
MR_API = "modelregistry.opendatahub.io/v1beta1"

# Labels the controllers set (kserve/pkg/constants, yatai-deployment consts,
# titanml/helm-charts inference-stack _helpers.tpl).
L_ISVC = "serving.kserve.io/inferenceservice"
L_COMPONENT = "component"
L_BD = "yatai.ai/bento-deployment"
L_BD_COMPONENT_TYPE = "yatai.ai/bento-deployment-component-type"
L_BD_COMPONENT_NAME = "yatai.ai/bento-deployment-component-name"
L_INSTANCE = "app.kubernetes.io/instance"
L_APP_COMPONENT = "app.kubernetes.io/component"
L_POD_TEMPLATE_HASH = "pod-template-hash"
GPU = "nvidia.com/gpu"
GPU_PRODUCT = "nvidia.com/gpu.product"

MODEL_NAMESPACES = ("llm-prod", "llm-staging", "vision", "tabular", "bentoml", "takeoff")
NAMESPACES = ("default", "kube-system", *MODEL_NAMESPACES, "model-registry")

UNSCHEDULABLE_GPU_MESSAGE = "0/4 nodes are available: 4 Insufficient nvidia.com/gpu."
ESCAPE_NOTE = "\x1b]52;c;ZXZpbA==\x07 \x1b[31mred\x1b[0m"

# The presets offered by the "new model" form, as the model-config ConfigMap holds them.
PRESETS: dict[str, dict[str, Any]] = {
    "qwen-small": {"storageUri": "hf://Qwen/Qwen2.5-0.5B-Instruct", "modelFormat": "huggingface",
                   "gpus": 1, "memory": "16Gi"},
    "llama-8b": {"storageUri": "hf://meta-llama/Llama-3.1-8B-Instruct", "modelFormat": "huggingface",
                 "gpus": 1, "memory": "32Gi"},
    "mistral-7b": {"storageUri": "hf://mistralai/Mistral-7B-Instruct-v0.3",
                   "modelFormat": "huggingface", "gpus": 1, "memory": "32Gi"},
    "sklearn-iris": {"storageUri": "gs://kfserving-examples/models/sklearn/1.0/model",
                     "modelFormat": "sklearn", "gpus": 0, "memory": "1Gi"},
    "xgboost-iris": {"storageUri": "gs://kfserving-examples/models/xgboost/iris",
                     "modelFormat": "xgboost", "gpus": 0, "memory": "1Gi"},
    "resnet50-onnx": {"storageUri": "s3://vision-models/resnet50/onnx", "modelFormat": "onnx",
                      "gpus": 1, "memory": "8Gi"},
}


def presets_yaml(presets: dict[str, dict[str, Any]] = PRESETS) -> str:
    """Block-style YAML for the presets map (plain scalars only; no YAML library needed)."""
    lines: list[str] = []
    for name, fields in presets.items():
        lines.append(f"{name}:")
        for key, value in fields.items():
            lines.append(f"  {key}: {value}")
    return "\n".join(lines) + "\n"


_SAFE = "bcdfghjklmnpqrstvwxz2456789"  # k8s.io/apimachinery rand.SafeEncodeString alphabet
_XID = "0123456789abcdefghijklmnopqrstuv"


def fmt_ts(dt: datetime) -> str:
    return dt.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _qty_equal(a: Any, b: Any) -> bool:
    return str(a) == str(b)


# ----------------------------------------------------------------------------
# Factory: the building blocks, shared with the controller
# ----------------------------------------------------------------------------


class Factory:
    """Makes Kubernetes objects with deterministic uids and names from ``rng``.

    ``now`` is the clock every relative age is measured from.
    """

    def __init__(self, rng: random.Random, now: datetime) -> None:
        self.rng = rng
        self.now = now
        self._ips: dict[str, int] = {}
        self.node_index: dict[str, int] = {}

    # -- primitives --
    def uid(self) -> str:
        return str(uuid.UUID(int=self.rng.getrandbits(128), version=4))

    def ts(self, ago: float = 0.0) -> str:
        return fmt_ts(self.now - timedelta(seconds=ago))

    def safe(self, n: int) -> str:
        choice = self.rng.choice
        return "".join(choice(_SAFE) for _ in range(n))

    def hex(self, bits: int) -> str:
        return f"{self.rng.getrandbits(bits):0{bits // 4}x}"

    def xid(self) -> str:
        choice = self.rng.choice
        return "".join(choice(_XID) for _ in range(20))

    def pod_ip(self, node: str) -> str:
        idx = self.node_index.get(node, 9)
        n = self._ips.get(node, 1) + 1
        self._ips[node] = n
        return f"10.244.{idx}.{n % 250 + 2}"

    # -- metadata --
    def meta(self, name: str, namespace: str | None, *, age: float,
             labels: dict[str, str] | None = None, annotations: dict[str, str] | None = None,
             owner: Obj | None = None, generation: int | None = None) -> Obj:
        md: Obj = {"name": name}
        if namespace:
            md["namespace"] = namespace
        md["uid"] = self.uid()
        md["creationTimestamp"] = self.ts(age)
        if generation is not None:
            md["generation"] = generation
        if labels:
            md["labels"] = dict(labels)
        if annotations:
            md["annotations"] = dict(annotations)
        if owner is not None:
            md["ownerReferences"] = [owner_ref(owner)]
        return md

    # -- workloads --
    def deployment(self, namespace: str, name: str, *, labels: dict[str, str], pod_spec: Obj,
                   replicas: int, age: float, owner: Obj | None, ready: int,
                   selector: dict[str, str] | None = None,
                   pod_labels: dict[str, str] | None = None,
                   pod_annotations: dict[str, str] | None = None,
                   annotations: dict[str, str] | None = None, revision: int = 1) -> Obj:
        selector = dict(selector or labels)
        tmpl_meta: Obj = {"labels": dict(pod_labels or labels)}
        if pod_annotations:
            tmpl_meta["annotations"] = dict(pod_annotations)
        ann = {"deployment.kubernetes.io/revision": str(revision)}
        ann.update(annotations or {})
        dep: Obj = {
            "apiVersion": "apps/v1",
            "kind": "Deployment",
            "metadata": self.meta(name, namespace, age=age, labels=labels, annotations=ann,
                                  owner=owner, generation=revision),
            "spec": {
                "replicas": replicas,
                "revisionHistoryLimit": 10,
                "progressDeadlineSeconds": 600,
                "selector": {"matchLabels": selector},
                "strategy": {"type": "RollingUpdate",
                             "rollingUpdate": {"maxSurge": "25%", "maxUnavailable": "25%"}},
                "template": {"metadata": tmpl_meta, "spec": pod_spec},
            },
        }
        dep["status"] = deployment_status(dep, ready=ready, now=self.ts(min(age, 300)))
        return dep

    def replicaset(self, dep: Obj, *, age: float, ready: int, replicas: int | None = None,
                   template_hash: str | None = None) -> Obj:
        d_md = dep["metadata"]
        h = template_hash or self.safe(10)
        replicas = dep["spec"]["replicas"] if replicas is None else replicas
        labels = dict(dep["spec"]["template"]["metadata"]["labels"])
        labels[L_POD_TEMPLATE_HASH] = h
        tmpl = json.loads(json.dumps(dep["spec"]["template"]))
        tmpl["metadata"]["labels"] = dict(labels)
        selector = dict(dep["spec"]["selector"]["matchLabels"])
        selector[L_POD_TEMPLATE_HASH] = h
        rs: Obj = {
            "apiVersion": "apps/v1",
            "kind": "ReplicaSet",
            "metadata": self.meta(
                f"{d_md['name']}-{h}", d_md["namespace"], age=age, labels=labels,
                annotations={
                    "deployment.kubernetes.io/desired-replicas": str(dep["spec"]["replicas"]),
                    "deployment.kubernetes.io/max-replicas": str(dep["spec"]["replicas"] + 1),
                    "deployment.kubernetes.io/revision":
                        d_md.get("annotations", {}).get("deployment.kubernetes.io/revision", "1"),
                },
                owner=dep, generation=1),
            "spec": {"replicas": replicas, "selector": {"matchLabels": selector}, "template": tmpl},
            "status": {"replicas": replicas, "fullyLabeledReplicas": replicas,
                       "readyReplicas": ready, "availableReplicas": ready,
                       "observedGeneration": 1},
        }
        if not ready:
            del rs["status"]["readyReplicas"]
            del rs["status"]["availableReplicas"]
        return rs

    def pod(self, rs: Obj, *, node: str | None, age: float, state: str = "running",
            restarts: int = 0, name: str | None = None, **state_kw: Any) -> Obj:
        r_md = rs["metadata"]
        ns = r_md["namespace"]
        tmpl = rs["spec"]["template"]
        spec = json.loads(json.dumps(tmpl["spec"]))
        pod_name = name or f"{r_md['name']}-{self.safe(5)}"
        md = self.meta(pod_name, ns, age=age, labels=tmpl["metadata"]["labels"],
                       annotations=tmpl["metadata"].get("annotations"), owner=rs)
        if node and state != "pending":
            spec["nodeName"] = node
        pod: Obj = {"apiVersion": "v1", "kind": "Pod", "metadata": md, "spec": spec}
        pod["status"] = self.pod_status(pod, node=node, age=age, state=state, restarts=restarts,
                                        **state_kw)
        return pod

    def image_id(self, image: str) -> str:
        repo = image.rsplit(":", 1)[0] if ":" in image.rsplit("/", 1)[-1] else image
        if "." not in repo.split("/", 1)[0]:
            repo = "docker.io/" + (repo if "/" in repo else "library/" + repo)
        return f"{repo}@sha256:{self.hex(256)}"

    def container_id(self) -> str:
        return f"containerd://{self.hex(256)}"

    def pod_status(self, pod: Obj, *, node: str | None, age: float, state: str,
                   restarts: int = 0, message: str = "", exit_code: int = 1,
                   reason: str = "") -> Obj:
        """Status for ``state`` in running | imagepull | oom | crash | pending | creating | failed."""
        spec = pod["spec"]
        started = self.ts(age)
        ready_at = self.ts(max(age - 45, 0))
        qos = qos_class(spec)
        if state == "pending":
            return {
                "phase": "Pending",
                "conditions": [{"type": "PodScheduled", "status": "False", "reason": "Unschedulable",
                                "message": message or UNSCHEDULABLE_GPU_MESSAGE,
                                "lastProbeTime": None, "lastTransitionTime": started}],
                "qosClass": qos,
            }
        host_ip = f"10.0.1.{10 + self.node_index.get(node or '', 0)}"
        pod_ip = self.pod_ip(node or "")
        st: Obj = {
            "phase": "Running",
            "hostIP": host_ip,
            "hostIPs": [{"ip": host_ip}],
            "podIP": pod_ip,
            "podIPs": [{"ip": pod_ip}],
            "startTime": started,
            "qosClass": qos,
        }
        inits = spec.get("initContainers") or []
        if inits:
            st["initContainerStatuses"] = [{
                "name": c["name"], "image": c["image"], "imageID": self.image_id(c["image"]),
                "containerID": self.container_id(), "ready": True, "restartCount": 0,
                "started": False,
                "state": {"terminated": {"exitCode": 0, "reason": "Completed",
                                         "startedAt": started, "finishedAt": self.ts(max(age - 20, 0)),
                                         "containerID": self.container_id()}},
                "lastState": {},
            } for c in inits]
        statuses = []
        main = spec["containers"][0]["name"]
        for c in spec["containers"]:
            cs: Obj = {"name": c["name"], "image": c["image"], "imageID": self.image_id(c["image"]),
                       "containerID": self.container_id(), "ready": True, "started": True,
                       "restartCount": 0,
                       "state": {"running": {"startedAt": self.ts(max(age - 30, 0))}},
                       "lastState": {}}
            if c["name"] == main:
                cs["restartCount"] = restarts
                if state == "running" and restarts:
                    cs["lastState"] = {"terminated": {
                        "exitCode": exit_code, "reason": reason or "Error",
                        "startedAt": started, "finishedAt": self.ts(max(age - 600, 60)),
                        "containerID": self.container_id()}}
                    cs["state"] = {"running": {"startedAt": self.ts(max(age - 600, 55))}}
                elif state == "imagepull":
                    cs.update(ready=False, started=False, imageID="")
                    del cs["containerID"]
                    cs["state"] = {"waiting": {"reason": "ImagePullBackOff",
                                               "message": f'Back-off pulling image "{c["image"]}"'}}
                elif state == "creating":
                    cs.update(ready=False, started=False, imageID="")
                    del cs["containerID"]
                    cs["state"] = {"waiting": {"reason": "PodInitializing" if inits
                                               else "ContainerCreating"}}
                elif state in ("oom", "crash"):
                    term_reason = "OOMKilled" if state == "oom" else (reason or "Error")
                    code = 137 if state == "oom" else exit_code
                    cs.update(ready=False, started=False)
                    cs["state"] = {"waiting": {
                        "reason": "CrashLoopBackOff",
                        "message": (f"back-off 5m0s restarting failed container={c['name']} "
                                    f"pod={pod['metadata']['name']}_{pod['metadata']['namespace']}"
                                    f"({pod['metadata']['uid']})")}}
                    term: Obj = {"exitCode": code, "reason": term_reason,
                                 "startedAt": self.ts(95), "finishedAt": self.ts(40),
                                 "containerID": self.container_id()}
                    if message:
                        term["message"] = message
                    cs["lastState"] = {"terminated": term}
                elif state == "failed":
                    cs.update(ready=False, started=False)
                    cs["state"] = {"terminated": {
                        "exitCode": exit_code, "reason": reason or "Error",
                        "message": message, "startedAt": started,
                        "finishedAt": self.ts(max(age - 240, 0)),
                        "containerID": self.container_id()}}
            statuses.append(cs)
        st["containerStatuses"] = statuses
        ok = state == "running"
        not_ready = [c["name"] for c in statuses if not c["ready"]]
        if state == "failed":
            st["phase"] = "Failed"
        elif state in ("imagepull", "creating"):
            st["phase"] = "Pending"
        if state == "creating" and inits:
            st["initContainerStatuses"] = [{
                **s, "ready": False, "started": True,
                "state": {"running": {"startedAt": started}}} for s in st["initContainerStatuses"]]
        ready_cond = {"type": "Ready", "status": "True" if ok else "False",
                      "lastProbeTime": None, "lastTransitionTime": ready_at if ok else self.ts(40)}
        cr_cond = {"type": "ContainersReady", "status": ready_cond["status"],
                   "lastProbeTime": None, "lastTransitionTime": ready_cond["lastTransitionTime"]}
        if not ok:
            msg = f"containers with unready status: [{' '.join(not_ready)}]"
            for cond in (ready_cond, cr_cond):
                cond.update(reason="PodCompleted" if state == "failed" else "ContainersNotReady",
                            message=msg)
        init_done = not (state == "creating" and inits)
        st["conditions"] = [
            {"type": "PodReadyToStartContainers", "status": "True", "lastProbeTime": None,
             "lastTransitionTime": self.ts(max(age - 5, 0))},
            {"type": "Initialized", "status": "True" if init_done else "False",
             "lastProbeTime": None, "lastTransitionTime": self.ts(max(age - 20, 0)),
             **({} if init_done else {"reason": "ContainersNotInitialized",
                                      "message": "containers with incomplete status: "
                                                 f"[{' '.join(c['name'] for c in inits)}]"})},
            ready_cond,
            cr_cond,
            {"type": "PodScheduled", "status": "True", "lastProbeTime": None,
             "lastTransitionTime": started},
        ]
        return st

    def service(self, namespace: str, name: str, *, labels: dict[str, str],
                selector: dict[str, str], ports: list[Obj], owner: Obj | None, age: float) -> Obj:
        ip = f"10.96.{self.rng.randrange(1, 254)}.{self.rng.randrange(2, 254)}"
        return {
            "apiVersion": "v1",
            "kind": "Service",
            "metadata": self.meta(name, namespace, age=age, labels=labels, owner=owner),
            "spec": {"type": "ClusterIP", "clusterIP": ip, "clusterIPs": [ip],
                     "ipFamilies": ["IPv4"], "ipFamilyPolicy": "SingleStack",
                     "sessionAffinity": "None", "internalTrafficPolicy": "Cluster",
                     "ports": ports, "selector": dict(selector)},
            "status": {"loadBalancer": {}},
        }

    def event(self, involved: Obj, *, reason: str, message: str, type_: str = "Normal",
              component: str = "kubelet", host: str | None = None, count: int = 1,
              first_ago: float = 60.0, last_ago: float | None = None,
              field_path: str | None = None, namespace: str | None = None) -> Obj:
        md = involved["metadata"]
        ns = namespace or md.get("namespace") or "default"
        ref: Obj = {"apiVersion": involved["apiVersion"], "kind": involved["kind"],
                    "name": md["name"], "uid": md["uid"]}
        if md.get("namespace"):
            ref["namespace"] = md["namespace"]
        if field_path:
            ref["fieldPath"] = field_path
        last_ago = first_ago if last_ago is None else last_ago
        source: Obj = {"component": component}
        if host:
            source["host"] = host
        return {
            "apiVersion": "v1",
            "kind": "Event",
            "metadata": self.meta(f"{md['name']}.{self.hex(64)}", ns, age=first_ago),
            "involvedObject": ref,
            "reason": reason,
            "message": message,
            "type": type_,
            "count": count,
            "firstTimestamp": self.ts(first_ago),
            "lastTimestamp": self.ts(last_ago),
            "source": source,
            "reportingComponent": component,
            "reportingInstance": host or "",
            "eventTime": None,
        }


def owner_ref(obj: Obj, controller: bool = True) -> Obj:
    md = obj["metadata"]
    return {"apiVersion": obj["apiVersion"], "kind": obj["kind"], "name": md["name"],
            "uid": md["uid"], "controller": controller, "blockOwnerDeletion": True}


def qos_class(pod_spec: Obj) -> str:
    any_req = False
    guaranteed = True
    for c in pod_spec.get("containers", []):
        res = c.get("resources") or {}
        req, lim = res.get("requests") or {}, res.get("limits") or {}
        if req or lim:
            any_req = True
        for k in ("cpu", "memory"):
            if k not in lim or not _qty_equal(req.get(k, lim.get(k)), lim[k]):
                guaranteed = False
    if not any_req:
        return "BestEffort"
    return "Guaranteed" if guaranteed else "Burstable"


def deployment_status(dep: Obj, *, ready: int, now: str, replicas: int | None = None) -> Obj:
    replicas = dep["spec"]["replicas"] if replicas is None else replicas
    name = dep["metadata"]["name"]
    st: Obj = {"observedGeneration": dep["metadata"].get("generation", 1), "replicas": replicas,
               "updatedReplicas": replicas}
    if ready:
        st["readyReplicas"] = ready
        st["availableReplicas"] = ready
    if replicas - ready > 0:
        st["unavailableReplicas"] = replicas - ready
    available = ready >= replicas or (ready > 0 and replicas - ready <= max(1, replicas // 4))
    st["conditions"] = [
        {"type": "Available", "status": "True" if available else "False",
         "reason": "MinimumReplicasAvailable" if available else "MinimumReplicasUnavailable",
         "message": ("Deployment has minimum availability." if available
                     else "Deployment does not have minimum availability."),
         "lastUpdateTime": now, "lastTransitionTime": now},
        {"type": "Progressing", "status": "True", "reason": "NewReplicaSetAvailable",
         "message": f'ReplicaSet "{name}" has successfully progressed.',
         "lastUpdateTime": now, "lastTransitionTime": now},
    ]
    if replicas == 0:
        st.pop("updatedReplicas", None)
    return st


# ----------------------------------------------------------------------------
# KServe status helpers (shared with the controller)
# ----------------------------------------------------------------------------


def _cond(type_: str, status: str, ts: str, reason: str = "", message: str = "",
          severity: str = "") -> Obj:
    c: Obj = {"type": type_, "status": status, "lastTransitionTime": ts}
    if reason:
        c["reason"] = reason
    if message:
        c["message"] = message
    if severity:
        c["severity"] = severity
    return c


def isvc_urls(name: str, ns: str) -> tuple[str, str]:
    return (f"http://{name}-{ns}.{INGRESS_DOMAIN}",
            f"http://{name}-predictor.{ns}.svc.cluster.local")


def isvc_model_status(state: str, copies: int = 1, failure: Obj | None = None) -> Obj:
    if state == "loaded":
        return {"copies": {"failedCopies": 0, "totalCopies": copies},
                "states": {"activeModelState": "Loaded", "targetModelState": "Loaded"},
                "transitionStatus": "UpToDate"}
    if state == "failed":
        ms: Obj = {"copies": {"failedCopies": copies, "totalCopies": copies},
                   "states": {"activeModelState": "", "targetModelState": "FailedToLoad"},
                   "transitionStatus": "BlockedByFailedLoad"}
        if failure:
            ms["lastFailureInfo"] = failure
        return ms
    if state == "pending":
        return {"copies": {"failedCopies": 0, "totalCopies": 0},
                "states": {"activeModelState": "Pending", "targetModelState": "Loading"},
                "transitionStatus": "InProgress"}
    # stopped
    return {"copies": {"failedCopies": 0, "totalCopies": 0},
            "states": {"activeModelState": "", "targetModelState": ""},
            "transitionStatus": "UpToDate"}


def isvc_status_raw(name: str, ns: str, *, ts: str, ready: bool, runtime: str, replicas: int = 1,
                    reason: str = "", message: str = "", model: str = "loaded",
                    failure: Obj | None = None) -> Obj:
    url, addr = isvc_urls(name, ns)
    pred = "True" if ready else "False"
    conds = [
        _cond("IngressReady", "True", ts),
        _cond("PredictorReady", pred, ts, reason if not ready else "",
              message if not ready else ""),
        _cond("Ready", pred, ts, reason if not ready else "", message if not ready else ""),
    ]
    st: Obj = {
        "address": {"url": addr},
        "clusterServingRuntimeName": runtime,
        "components": {"predictor": {"url": f"http://{name}-predictor-{ns}.{INGRESS_DOMAIN}"}},
        "conditions": conds,
        "deploymentMode": "RawDeployment",
        "modelStatus": isvc_model_status(model, replicas, failure),
        "observedGeneration": 1,
        "url": url,
    }
    return st


def isvc_status_stopped(name: str, ns: str, *, ts: str, runtime: str) -> Obj:
    msg = "The inferenceservice is stopped"
    return {
        "clusterServingRuntimeName": runtime,
        "conditions": [
            _cond("PredictorReady", "False", ts, "Stopped", msg),
            _cond("Ready", "False", ts, "Stopped", msg),
            _cond("Stopped", "True", ts),
        ],
        "deploymentMode": "RawDeployment",
        "modelStatus": isvc_model_status("stopped"),
        "observedGeneration": 1,
    }


def revision_name(isvc: str, n: int) -> str:
    return f"{isvc}-predictor-{n:05d}"


def isvc_canary_status(name: str, ns: str, *, prev_rev: str | None, latest_rev: str,
                       latest_created: str | None = None, percent: int | None, ts: str,
                       runtime: str, copies: int = 1, observed_generation: int = 1) -> Obj:
    """Serverless status while rolling ``latest_rev`` out at ``percent`` (None = promoted)."""
    base = f"{name}-predictor.{ns}.{INGRESS_DOMAIN}"
    pred: Obj = {
        "address": {"url": f"http://{name}-predictor.{ns}.svc.cluster.local"},
        "latestCreatedRevision": latest_created or latest_rev,
        "latestReadyRevision": latest_rev,
        "url": f"http://{base}",
    }
    if percent is None or prev_rev is None:
        pred["latestRolledoutRevision"] = latest_rev
        if prev_rev:
            pred["previousRolledoutRevision"] = prev_rev
        pred["traffic"] = [{"latestRevision": True, "percent": 100, "revisionName": latest_rev,
                            "tag": "latest", "url": f"http://latest-{base}"}]
    else:
        pred["latestRolledoutRevision"] = prev_rev
        pred["previousRolledoutRevision"] = prev_rev
        pred["traffic"] = [
            {"latestRevision": False, "percent": 100 - percent, "revisionName": prev_rev,
             "tag": "prev", "url": f"http://prev-{base}"},
            {"latestRevision": True, "percent": percent, "revisionName": latest_rev,
             "tag": "latest", "url": f"http://latest-{base}"},
        ]
    conds = [_cond(t, "True", ts) for t in (
        "IngressReady", "LatestDeploymentReady", "PredictorConfigurationReady", "PredictorReady",
        "PredictorRouteReady", "Ready", "RoutesReady")]
    return {
        "address": {"url": f"http://{name}.{ns}.svc.cluster.local"},
        "clusterServingRuntimeName": runtime,
        "components": {"predictor": pred},
        "conditions": conds,
        "deploymentMode": "Serverless",
        "modelStatus": isvc_model_status("loaded", copies),
        "observedGeneration": observed_generation,
        "url": f"http://{name}.{ns}.{INGRESS_DOMAIN}",
    }


# ----------------------------------------------------------------------------
# The cluster
# ----------------------------------------------------------------------------

RUNTIMES = {
    # format -> (ClusterServingRuntime, image)
    "huggingface": ("kserve-huggingfaceserver", f"kserve/huggingfaceserver:{KSERVE_VERSION}-gpu"),
    "sklearn": ("kserve-sklearnserver", f"kserve/sklearnserver:{KSERVE_VERSION}"),
    "xgboost": ("kserve-xgbserver", f"kserve/xgbserver:{KSERVE_VERSION}"),
    "onnx": ("kserve-tritonserver", "nvcr.io/nvidia/tritonserver:23.05-py3"),
    "pytorch": ("kserve-torchserve", "pytorch/torchserve-kfs:0.9.0-gpu"),
}

NODES = [
    # name, product, instance type, gpus, cpu, memory, zone, cordoned
    ("gpu-a100-0", "NVIDIA-A100-SXM4-80GB", "p4de.24xlarge", 8, "96", "1152Gi", "us-east-1a", False),
    ("gpu-a100-1", "NVIDIA-A100-SXM4-80GB", "p4de.24xlarge", 8, "96", "1152Gi", "us-east-1b", True),
    ("gpu-h100-0", "NVIDIA-H100-80GB-HBM3", "p5.48xlarge", 8, "192", "2048Gi", "us-east-1a", False),
    ("gpu-l4-0", "NVIDIA-L4", "g6.12xlarge", 4, "48", "192Gi", "us-east-1c", False),
]
_GPU_MEMORY_MIB = {"NVIDIA-A100-SXM4-80GB": "81920", "NVIDIA-H100-80GB-HBM3": "81559",
                   "NVIDIA-L4": "23034"}

DAY = 86400.0
HOUR = 3600.0


@dataclass
class SeedResult:
    objects: list[Obj]
    roles: dict[str, Any] = field(default_factory=dict)
    now: datetime | None = None


def seed_objects(scale: int = 0, rng_seed: int = 7, now: datetime | None = None) -> list[Obj]:
    """Every object of the demo cluster, in creation order (owners before dependents)."""
    return build(scale, rng_seed, now).objects


def build(scale: int = 0, rng_seed: int = 7, now: datetime | None = None) -> SeedResult:
    now = now or datetime.now(timezone.utc)
    if now.tzinfo is None:
        now = now.replace(tzinfo=timezone.utc)
    builder = _Builder(Factory(random.Random(rng_seed), now))
    builder.build_core()
    if scale > 0:
        builder.build_load(scale, random.Random(rng_seed * 1_000_003 + 17))
    return SeedResult(builder.ordered(), builder.roles, now)


_KIND_ORDER = ["Namespace", "Node", "Secret", "ConfigMap", "ModelRegistry", "InferenceService",
               "BentoRequest", "Bento", "BentoDeployment", "InferenceStack", "Deployment",
               "ReplicaSet", "Pod", "Service", "Event"]


class _Builder:
    def __init__(self, f: Factory) -> None:
        self.f = f
        self.objs: list[Obj] = []
        self.roles: dict[str, Any] = {"events": {}, "healthy_pods": []}
        self.nodes: dict[str, Obj] = {}

    def add(self, *objs: Obj) -> None:
        self.objs.extend(objs)

    def ordered(self) -> list[Obj]:
        rank = {k: i for i, k in enumerate(_KIND_ORDER)}
        return sorted(self.objs, key=lambda o: rank.get(o["kind"], 50))  # stable

    def ev(self, involved: Obj, reason: str, message: str, tag: str | None = None,
           **kw: Any) -> Obj:
        e = self.f.event(involved, reason=reason, message=message, **kw)
        md = involved["metadata"]
        key = event_key(e["metadata"]["namespace"], involved["kind"], md["name"], tag or reason)
        self.roles["events"][key] = e["metadata"]["name"]
        self.add(e)
        return e

    # -- cluster scaffolding --
    def build_core(self) -> None:
        f = self.f
        for i, ns in enumerate(NAMESPACES):
            labels = {"kubernetes.io/metadata.name": ns}
            if ns in MODEL_NAMESPACES:
                labels["team"] = "vision" if ns == "vision" else "ml-platform"
            self.add({"apiVersion": "v1", "kind": "Namespace",
                      "metadata": f.meta(ns, None, age=(120 - i * 7) * DAY, labels=labels),
                      "spec": {"finalizers": ["kubernetes"]}, "status": {"phase": "Active"}})
        for i, (name, product, itype, gpus, cpu, mem, zone, cordoned) in enumerate(NODES):
            f.node_index[name] = i + 1
            self.add(self._node(i, name, product, itype, gpus, cpu, mem, zone, cordoned))
        self._secrets_and_config()
        self._kserve()
        self._yatai()
        self._takeoff()
        self._model_registry()

    def _node(self, i: int, name: str, product: str, itype: str, gpus: int, cpu: str, mem: str,
              zone: str, cordoned: bool) -> Obj:
        f = self.f
        labels = {
            "kubernetes.io/arch": "amd64", "kubernetes.io/os": "linux",
            "kubernetes.io/hostname": name, "beta.kubernetes.io/arch": "amd64",
            "beta.kubernetes.io/os": "linux",
            "node.kubernetes.io/instance-type": itype,
            "topology.kubernetes.io/region": "us-east-1", "topology.kubernetes.io/zone": zone,
            GPU_PRODUCT: product, "nvidia.com/gpu.count": str(gpus),
            "nvidia.com/gpu.memory": _GPU_MEMORY_MIB[product], "nvidia.com/gpu.present": "true",
            "nvidia.com/cuda.driver.major": "550", "nvidia.com/cuda.runtime.major": "12",
        }
        ip = f"10.0.1.{11 + i}"
        alloc_mem = f"{int(mem[:-2]) - 8}Gi"
        node: Obj = {
            "apiVersion": "v1", "kind": "Node",
            "metadata": f.meta(name, None, age=(40 - i * 3) * DAY, labels=labels, annotations={
                "node.alpha.kubernetes.io/ttl": "0",
                "volumes.kubernetes.io/controller-managed-attach-detach": "true"}),
            "spec": {"podCIDR": f"10.244.{i + 1}.0/24", "podCIDRs": [f"10.244.{i + 1}.0/24"],
                     "providerID": f"aws:///{zone}/i-0{f.hex(64)[:16]}"},
            "status": {
                "addresses": [{"type": "InternalIP", "address": ip},
                              {"type": "Hostname", "address": name}],
                "capacity": {"cpu": cpu, "memory": mem, "pods": "110", GPU: str(gpus),
                             "ephemeral-storage": "1951507452Ki", "hugepages-2Mi": "0"},
                "allocatable": {"cpu": str(int(cpu) - 2), "memory": alloc_mem, "pods": "110",
                                GPU: str(gpus), "ephemeral-storage": "1798509804Ki",
                                "hugepages-2Mi": "0"},
                "conditions": [
                    {"type": t, "status": "False", "reason": r, "message": m,
                     "lastHeartbeatTime": f.ts(20), "lastTransitionTime": f.ts((40 - i * 3) * DAY)}
                    for t, r, m in (
                        ("MemoryPressure", "KubeletHasSufficientMemory",
                         "kubelet has sufficient memory available"),
                        ("DiskPressure", "KubeletHasNoDiskPressure", "kubelet has no disk pressure"),
                        ("PIDPressure", "KubeletHasSufficientPID",
                         "kubelet has sufficient PID available"))
                ] + [{"type": "Ready", "status": "True", "reason": "KubeletReady",
                      "message": "kubelet is posting ready status",
                      "lastHeartbeatTime": f.ts(20), "lastTransitionTime": f.ts((40 - i * 3) * DAY)}],
                "nodeInfo": {"architecture": "amd64", "containerRuntimeVersion": "containerd://1.7.20",
                             "kernelVersion": "6.1.109-118.189.amzn2023.x86_64",
                             "kubeProxyVersion": "v1.30.4", "kubeletVersion": "v1.30.4",
                             "operatingSystem": "linux", "osImage": "Amazon Linux 2023.5.20240916",
                             "machineID": f.hex(128), "systemUUID": f.uid(),
                             "bootID": f.uid()},
                "daemonEndpoints": {"kubeletEndpoint": {"Port": 10250}},
            },
        }
        if cordoned:
            node["spec"]["unschedulable"] = True
            node["spec"]["taints"] = [{"key": "node.kubernetes.io/unschedulable",
                                       "effect": "NoSchedule", "timeAdded": f.ts(3 * HOUR)}]
            node["metadata"]["annotations"]["inference-console.dev/cordon-reason"] = (
                "ECC errors on GPU 3; waiting for hardware swap")
        self.nodes[name] = node
        return node

    def _secrets_and_config(self) -> None:
        f = self.f

        def b64(s: str) -> str:
            return base64.b64encode(s.encode()).decode()

        self.add({"apiVersion": "v1", "kind": "Secret", "type": "Opaque",
                  "metadata": f.meta("hf-token", "llm-prod", age=60 * DAY,
                                     labels={"app.kubernetes.io/part-of": "model-serving"}),
                  "data": {"HF_TOKEN": b64("hf_sandboxNotARealTokenXq7PzL3vW9kTb2"),
                           "HF_HUB_ENABLE_HF_TRANSFER": b64("1")}})
        self.add({"apiVersion": "v1", "kind": "Secret", "type": "Opaque",
                  "metadata": f.meta("s3-model-store", "llm-prod", age=60 * DAY, annotations={
                      "serving.kserve.io/s3-endpoint": "s3.us-east-1.amazonaws.com",
                      "serving.kserve.io/s3-usehttps": "1"}),
                  "data": {"AWS_ACCESS_KEY_ID": b64("AKIASANDBOXEXAMPLE01"),
                           "AWS_SECRET_ACCESS_KEY": b64("sandbox/not-a-real/secret-key-0000000")}})
        self.add({"apiVersion": "v1", "kind": "Secret", "type": "Opaque",
                  "metadata": f.meta("model-registry-db", "model-registry", age=50 * DAY),
                  "data": {"database-password": b64("sandbox-db-password")}})
        for ns in MODEL_NAMESPACES:
            self.add({"apiVersion": "v1", "kind": "ConfigMap",
                      "metadata": f.meta("model-config", ns, age=45 * DAY, labels={
                          "app.kubernetes.io/part-of": "inference-console"}),
                      "data": {"presets.yaml": presets_yaml()}})

    # -- KServe --
    def _kserve(self) -> None:
        f = self.f
        big = _feature_schema(f.rng)
        specs = [
            # name, ns, format, storageUri, gpus, cpu, memory, node(s), state, age, extra
            ("qwen-chat", "llm-prod", "huggingface", "hf://Qwen/Qwen2.5-7B-Instruct", 1, "8",
             "48Gi", ["gpu-a100-0"], "running", 6 * DAY, {}),
            ("llama3-8b", "llm-prod", "huggingface", "hf://meta-llama/Llama-3.1-8B-Instruct", 1, "8",
             "48Gi", ["gpu-a100-0", "gpu-a100-1"], "running", 14 * DAY, {}),
            ("gemma-9b", "llm-prod", "huggingface", "hf://google/gemma-2-9b-it", 1, "4", "12Gi",
             ["gpu-a100-0"], "oom", 2 * DAY, {}),
            ("llama-70b", "llm-prod", "huggingface", "hf://meta-llama/Llama-3.1-70B-Instruct", 8,
             "32", "320Gi", [None], "pending", 50 * 60, {"args": ["--tensor-parallel-size=8"]}),
            ("phi3-mini", "llm-staging", "huggingface", "pvc://model-cache/phi-3-mini-4k-instruct",
             1, "4", "16Gi", ["gpu-h100-0"], "imagepull", 3 * HOUR,
             {"runtime": "vllm-custom",
              "image": "ghcr.io/acme-ml/vllm-openai-custom:v0.6.3-cu124"}),
            ("qwen-small", "llm-staging", "huggingface", "hf://Qwen/Qwen2.5-0.5B-Instruct", 1, "2",
             "16Gi", [], "stopped", 9 * DAY, {}),
            ("llama-8b-registry", "llm-staging", "huggingface",
             "model-registry://llama-3.1-8b-instruct/v3", 1, "8", "48Gi", ["gpu-a100-1"],
             "running", 35 * 60, {}),
            ("granite-3b", "llm-staging", "huggingface",
             "oci://registry.internal/models/granite-3.0-3b-a800m-instruct:1.0", 1, "4", "24Gi",
             ["gpu-l4-0"], "running", 3 * DAY, {}),
            ("resnet50", "vision", "onnx", "s3://vision-models/resnet50/onnx/1", 1, "4", "8Gi",
             ["gpu-l4-0"], "running", 21 * DAY, {}),
            ("yolo-detector", "vision", "pytorch", "pvc://vision-models/yolov8m", 1, "4", "8Gi",
             ["gpu-l4-0"], "running", 10 * DAY, {"restarts": 2}),
            ("sklearn-iris", "tabular", "sklearn", "gs://kfserving-examples/models/sklearn/1.0/model",
             0, "1", "2Gi", ["gpu-h100-0"], "running", 25 * 60,
             {"annotations": {"note": ESCAPE_NOTE}}),
            ("xgboost-fraud", "tabular", "xgboost", "s3://fraud-models/xgboost/v12", 0, "2", "4Gi",
             ["gpu-a100-0", "gpu-h100-0"], "running", 30 * DAY,
             {"annotations": {"fraud.acme.io/feature-schema": big}}),
        ]
        for spec in specs:
            self._isvc(*spec)
        self._canary()

    def _isvc(self, name: str, ns: str, fmt: str, storage_uri: str, gpus: int, cpu: str,
              memory: str, nodes: list[str | None], state: str, age: float, extra: Obj) -> Obj:
        f = self.f
        runtime_name, image = RUNTIMES[fmt]
        runtime = extra.get("runtime")
        if extra.get("image"):
            image = extra["image"]
        annotations = {"serving.kserve.io/deploymentMode": "RawDeployment"}
        annotations.update(extra.get("annotations", {}))
        if state == "stopped":
            annotations["serving.kserve.io/stop"] = "true"
        resources = {"requests": {"cpu": cpu, "memory": memory},
                     "limits": {"cpu": cpu, "memory": memory}}
        if gpus:
            resources["requests"][GPU] = str(gpus)
            resources["limits"][GPU] = str(gpus)
        model: Obj = {"modelFormat": {"name": fmt}, "storageUri": storage_uri,
                      "resources": resources}
        if runtime:
            model["runtime"] = runtime
        if extra.get("args"):
            model["args"] = list(extra["args"])
        if fmt == "sklearn":
            model["protocolVersion"] = "v2"
        replicas = max(1, len(nodes))
        predictor: Obj = {"minReplicas": replicas, "maxReplicas": replicas + 2, "model": model}
        if fmt == "huggingface":
            predictor["serviceAccountName"] = "default"
        isvc: Obj = {
            "apiVersion": ISVC_API, "kind": "InferenceService",
            "metadata": f.meta(name, ns, age=age, annotations=annotations, generation=1,
                               labels={"app.kubernetes.io/part-of": "model-serving",
                                       "team": "ml-platform" if ns != "vision" else "vision"}),
            "spec": {"predictor": predictor},
        }
        ts = f.ts(min(age, 3600))
        rt = runtime or runtime_name
        if state == "running":
            isvc["status"] = isvc_status_raw(name, ns, ts=ts, ready=True, runtime=rt,
                                             replicas=replicas)
            if runtime:
                isvc["status"]["servingRuntimeName"] = isvc["status"].pop("clusterServingRuntimeName")
        elif state == "stopped":
            isvc["status"] = isvc_status_stopped(name, ns, ts=f.ts(2 * DAY), runtime=rt)
        self.add(isvc)
        if state == "stopped":
            self.ev(isvc, "InferenceServiceStopped", f"InferenceService [{name}] is stopped",
                    component="v1beta1Controllers", first_ago=2 * DAY)
            return isvc

        labels = isvc_predictor_labels(name)
        pod_spec = predictor_pod_spec(name, fmt, storage_uri, gpus, cpu, memory, image,
                                      extra.get("args"))
        ready_count = len(nodes) if state == "running" else 0
        dep = f.deployment(ns, f"{name}-predictor", labels=labels, pod_spec=pod_spec,
                           replicas=replicas, age=age, owner=isvc, ready=ready_count,
                           selector={"app": f"isvc.{name}-predictor"},
                           pod_annotations=isvc_pod_annotations(storage_uri))
        rs = f.replicaset(dep, age=age, ready=ready_count)
        svc = f.service(ns, f"{name}-predictor", labels=labels,
                        selector={"app": f"isvc.{name}-predictor"},
                        ports=[{"name": f"{name}-predictor", "port": 80, "protocol": "TCP",
                                "targetPort": 8080}], owner=isvc, age=age)
        self.add(dep, rs, svc)
        pods = []
        for node in nodes:
            pod_age = age if state != "running" else min(age, f.rng.uniform(0.4, 1.0) * age)
            kw: Obj = {}
            if state == "oom":
                kw = {"restarts": 23, "message": ""}
            elif state == "running" and extra.get("restarts"):
                kw = {"restarts": extra["restarts"], "reason": "Error", "exit_code": 1}
            pod = f.pod(rs, node=node, age=pod_age, state=state, **kw)
            pods.append(pod)
            self.add(pod)
        pod = pods[0]
        pname = pod["metadata"]["name"]
        node = nodes[0]
        main_fp = "spec.containers{kserve-container}"
        if state == "running":
            for p, n in zip(pods, nodes):
                self.roles["healthy_pods"].append({"namespace": ns, "pod": p["metadata"]["name"],
                                                   "container": "kserve-container", "node": n})
            if age < HOUR:
                self._start_events(pod, node, age, image, main_fp)
                self.ev(isvc, "InferenceServiceReady", f"InferenceService [{name}] is Ready",
                        component="v1beta1Controllers", first_ago=max(age - 120, 5))
        elif state == "oom":
            failure = {"reason": "ModelLoadFailed", "location": pname, "exitCode": 137,
                       "message": "Container kserve-container was OOMKilled while loading the model "
                                  f"(memory limit {memory})",
                       "time": f.ts(40)}
            isvc["status"] = isvc_status_raw(
                name, ns, ts=f.ts(2 * DAY - 300), ready=False, runtime=rt, model="failed",
                failure=failure, reason="MinimumReplicasUnavailable",
                message="Deployment does not have minimum availability.")
            dep["status"]["conditions"][1] = {
                "type": "Progressing", "status": "False", "reason": "ProgressDeadlineExceeded",
                "message": f'ReplicaSet "{rs["metadata"]["name"]}" has timed out progressing.',
                "lastUpdateTime": f.ts(2 * DAY - 600), "lastTransitionTime": f.ts(2 * DAY - 600)}
            self.ev(pod, "Scheduled",
                    f"Successfully assigned {ns}/{pname} to {node}", component="default-scheduler",
                    first_ago=2 * DAY)
            self.ev(pod, "Pulled", f'Container image "{image}" already present on machine',
                    host=node, count=23, first_ago=2 * DAY - 200, last_ago=100, field_path=main_fp)
            self.ev(pod, "Created", "Created container kserve-container", host=node, count=24,
                    first_ago=2 * DAY - 200, last_ago=100, field_path=main_fp)
            self.ev(pod, "Started", "Started container kserve-container", host=node, count=24,
                    first_ago=2 * DAY - 200, last_ago=100, field_path=main_fp)
            self.ev(pod, "BackOff", "Back-off restarting failed container kserve-container in pod "
                    f"{pname}_{ns}({pod['metadata']['uid']})", type_="Warning", host=node,
                    count=512, first_ago=2 * DAY - 150, last_ago=30, field_path=main_fp)
            self.ev(self.nodes[node], "OOMKilling",
                    f"Memory cgroup out of memory: Killed process 48213 (python3) total-vm:"
                    f"96531148kB, anon-rss:12582912kB, file-rss:60416kB, shmem-rss:0kB, UID:1000 "
                    f"pgtables:26012kB oom_score_adj:-997", type_="Warning",
                    component="kernel-monitor", host=node, count=23, first_ago=2 * DAY - 180,
                    last_ago=40, namespace="default")
            self.roles["crashloop"] = {"namespace": ns, "pod": pname, "container": "kserve-container",
                                       "node": node, "isvc": name, "memory": memory,
                                       "image": image, "reason": "OOMKilled"}
        elif state == "pending":
            isvc["status"] = isvc_status_raw(
                name, ns, ts=f.ts(age - 30), ready=False, runtime=rt, model="pending",
                reason="MinimumReplicasUnavailable",
                message="Deployment does not have minimum availability.")
            self.ev(pod, "FailedScheduling",
                    UNSCHEDULABLE_GPU_MESSAGE + " preemption: 0/4 nodes are available: "
                    "4 No preemption victims found for incoming pod.",
                    type_="Warning", component="default-scheduler", count=61,
                    first_ago=age - 5, last_ago=50)
            self.roles["pending"] = {"namespace": ns, "pod": pname, "isvc": name}
        elif state == "imagepull":
            isvc["status"] = isvc_status_raw(
                name, ns, ts=f.ts(age - 60), ready=False, runtime=rt, model="pending",
                reason="MinimumReplicasUnavailable",
                message="Deployment does not have minimum availability.")
            isvc["status"]["servingRuntimeName"] = isvc["status"].pop("clusterServingRuntimeName")
            self.ev(pod, "Scheduled", f"Successfully assigned {ns}/{pname} to {node}",
                    component="default-scheduler", first_ago=age)
            self.ev(pod, "Pulling", f'Pulling image "{image}"', host=node, count=38,
                    first_ago=age - 40, last_ago=290, field_path=main_fp)
            self.ev(pod, "Failed", f'Failed to pull image "{image}": rpc error: code = NotFound '
                    f'desc = failed to pull and unpack image "{image}": failed to resolve reference '
                    f'"{image}": {image}: not found', type_="Warning", host=node, count=38,
                    first_ago=age - 35, last_ago=290, field_path=main_fp)
            self.ev(pod, "BackOff", f'Back-off pulling image "{image}"', host=node, count=790,
                    first_ago=age - 30, last_ago=12, field_path=main_fp)
            self.ev(pod, "Failed", "Error: ImagePullBackOff", tag="Failed:ImagePullBackOff",
                    type_="Warning", host=node,
                    count=790, first_ago=age - 30, last_ago=12, field_path=main_fp)
            self.roles["imagepull"] = {"namespace": ns, "pod": pname,
                                       "container": "kserve-container", "node": node,
                                       "image": image, "isvc": name}
        return isvc

    def _start_events(self, pod: Obj, node: str | None, age: float, image: str,
                      field_path: str) -> None:
        md = pod["metadata"]
        cname = field_path.split("{", 1)[1].rstrip("}")
        self.ev(pod, "Scheduled", f"Successfully assigned {md['namespace']}/{md['name']} to {node}",
                component="default-scheduler", first_ago=age)
        self.ev(pod, "Pulled", f'Container image "{image}" already present on machine',
                host=node, first_ago=age - 25, field_path=field_path)
        self.ev(pod, "Created", f"Created container {cname}", host=node, first_ago=age - 24,
                field_path=field_path)
        self.ev(pod, "Started", f"Started container {cname}", host=node, first_ago=age - 23,
                field_path=field_path)

    def _canary(self) -> None:
        """mistral-7b: Serverless, revision 00002 at 10% next to 00001."""
        f = self.f
        name, ns, age = "mistral-7b", "llm-prod", 12 * DAY
        runtime, image = RUNTIMES["huggingface"]
        base_uri = "s3://models-prod/mistral-7b-instruct"
        isvc: Obj = {
            "apiVersion": ISVC_API, "kind": "InferenceService",
            "metadata": f.meta(name, ns, age=age, generation=2,
                               labels={"app.kubernetes.io/part-of": "model-serving",
                                       "team": "ml-platform"},
                               annotations={"serving.kserve.io/deploymentMode": "Serverless"}),
            "spec": {"predictor": {
                "minReplicas": 1, "maxReplicas": 4, "canaryTrafficPercent": 10,
                "model": {"modelFormat": {"name": "huggingface"}, "storageUri": f"{base_uri}/v0.3",
                          "resources": {"requests": {"cpu": "8", "memory": "48Gi", GPU: "1"},
                                        "limits": {"cpu": "8", "memory": "48Gi", GPU: "1"}}}}},
        }
        isvc["status"] = isvc_canary_status(
            name, ns, prev_rev=revision_name(name, 1), latest_rev=revision_name(name, 2),
            percent=10, ts=f.ts(15 * 60), runtime=runtime, copies=3, observed_generation=2)
        self.add(isvc)
        revs: dict[int, Obj] = {}
        for rev, uri, n_pods, rev_age in ((1, f"{base_uri}/v0.2", 2, age),
                                          (2, f"{base_uri}/v0.3", 1, 16 * 60)):
            objs = canary_revision_objects(f, isvc, rev, uri, image, replicas=n_pods, age=rev_age,
                                           node="gpu-h100-0")
            self.add(*objs["all"])
            revs[rev] = {"deployment": objs["deployment"]["metadata"]["name"],
                         "replicaset": objs["replicaset"]["metadata"]["name"],
                         "service": objs["service"]["metadata"]["name"],
                         "pods": [p["metadata"]["name"] for p in objs["pods"]],
                         "storageUri": uri}
            if rev == 2:
                self._start_events(objs["pods"][0], "gpu-h100-0", rev_age, image,
                                   "spec.containers{kserve-container}")
            else:
                for p in objs["pods"]:
                    self.roles["healthy_pods"].append({
                        "namespace": ns, "pod": p["metadata"]["name"],
                        "container": "kserve-container", "node": "gpu-h100-0"})
        self.roles["canary"] = {"namespace": ns, "isvc": name, "runtime": runtime, "image": image,
                                "node": "gpu-h100-0", "storage_base": base_uri,
                                "previous": 1, "revision": 2, "percent": 10, "revisions": revs}

    # -- Yatai --
    def _yatai(self) -> None:
        f = self.f
        ns = "bentoml"
        bentos = [
            # name, repo, version, runners, gpus, age, available
            ("iris-classifier", "iris_classifier", "nxapohu4codzplg6",
             [("iris_clf", "SklearnRunnable")], 0, 30 * DAY, True),
            ("sentiment-api", "sentiment_analysis", "k3x7r2vqagmhwlg5",
             [("distilbert", "TransformersRunnable")], 0, 8 * DAY, True),
            ("summarizer", "text_summarizer", "b4zq5hwqw6tkq2w3",
             [("bart_large_cnn", "TransformersRunnable")], 1, 4 * DAY, True),
            ("fraud-detector", "fraud_detector", "q2tmz5fkwkp4mlg7",
             [("xgb_fraud", "XGBoostRunnable")], 0, 16 * DAY, False),
        ]
        for name, repo, version, runners, gpus, age, ok in bentos:
            tag = f"{repo}:{version}"
            image = f"registry.internal/yatai-bentos/{repo}:{version}"
            br_name = f"{name}-{version[:6]}"
            br: Obj = {
                "apiVersion": BENTO_API, "kind": "BentoRequest",
                "metadata": f.meta(br_name, ns, age=age + 900, labels={
                    "yatai.ai/bento-repository": repo, "yatai.ai/bento": version}),
                "spec": {"bentoTag": tag,
                         "downloadUrl": f"s3://yatai-bentos/bentos/{repo}/{version}.bento",
                         "image": image,
                         "runners": [{"name": r, "runnableType": t, "modelTags": [f"{r}:{version[:8]}"]}
                                     for r, t in runners],
                         "models": [{"tag": f"{r}:{version[:8]}", "size": "418Mi"} for r, _ in runners],
                         "context": {"bentomlVersion": "1.1.11"}},
            }
            self.add(br)
            bento_name = br_name
            if ok:
                br["status"] = {
                    "conditions": [
                        _mcond("ImageExists", "True", "Reconciling", "Image exists", f.ts(age)),
                        _mcond("BentoAvailable", "True", "Reconciling", "Bento is generated",
                               f.ts(age)),
                    ],
                    "imageBuilderPodStatus": {"phase": "Succeeded"},
                }
                bento: Obj = {
                    "apiVersion": BENTO_API, "kind": "Bento",
                    "metadata": f.meta(bento_name, ns, age=age + 60, owner=br, labels={
                        "yatai.ai/bento-repository": repo, "yatai.ai/bento": version}),
                    "spec": {"tag": tag, "image": image,
                             "runners": br["spec"]["runners"],
                             "models": br["spec"]["models"],
                             "context": {"bentomlVersion": "1.1.11"}},
                    "status": {"ready": True},
                }
                self.add(bento)
            else:
                # The new version's image build failed: Bento never produced.
                builder_name = f"yatai-bento-image-builder-{f.xid()}"
                msg = ("ERROR: failed to solve: process \"/bin/sh -c pip install -r "
                       "requirements.txt\" did not complete successfully: exit code: 1")
                br["status"] = {
                    "conditions": [
                        _mcond("ImageExists", "False", "Reconciling",
                               f"Image builder pod {builder_name} failed", f.ts(2 * HOUR)),
                        _mcond("BentoAvailable", "False", "Reconciling",
                               "Image build failed: see the image builder pod logs", f.ts(2 * HOUR)),
                    ],
                    "imageBuilderPodStatus": {"phase": "Failed", "reason": "Error",
                                              "message": msg},
                }
                bp = {"apiVersion": "v1", "kind": "Pod",
                      "metadata": f.meta(builder_name, ns, age=2 * HOUR + 400, owner=br, labels={
                          "yatai.ai/is-bento-image-builder": "true",
                          "yatai.ai/bento-repository": repo, "yatai.ai/bento": version}),
                      "spec": {"restartPolicy": "Never", "serviceAccountName": "yatai-image-builder",
                               "nodeName": "gpu-a100-0", "schedulerName": "default-scheduler",
                               "containers": [{
                                   "name": "builder",
                                   "image": "quay.io/bentoml/buildkit:master-rootless",
                                   "args": ["build", "--frontend", "dockerfile.v0"],
                                   "resources": {"requests": {"cpu": "1", "memory": "2Gi"},
                                                 "limits": {"cpu": "4", "memory": "8Gi"}}}]}}
                bp["status"] = f.pod_status(bp, node="gpu-a100-0", age=2 * HOUR + 400,
                                            state="failed", message=msg, exit_code=1)
                self.add(bp)
                self.ev(br, "ImageBuilderPodFailed", f"Image builder pod {builder_name} failed: "
                        f"{msg}", type_="Warning", component="yatai-image-builder",
                        first_ago=2 * HOUR)
            bd_labels = {"app.kubernetes.io/part-of": "bentoml"}
            bd: Obj = {
                "apiVersion": BD_API, "kind": "BentoDeployment",
                "metadata": f.meta(name, ns, age=age, labels=bd_labels, generation=1),
                "spec": {
                    "bento": bento_name,
                    "autoscaling": {"minReplicas": 1, "maxReplicas": 3, "metrics": [{
                        "type": "Resource", "resource": {"name": "cpu", "target": {
                            "type": "Utilization", "averageUtilization": 80}}}]},
                    "resources": {"requests": {"cpu": "500m", "memory": "1Gi"},
                                  "limits": {"cpu": "2", "memory": "2Gi"}},
                    "runners": [{"name": r, "autoscaling": {"minReplicas": 1, "maxReplicas": 2},
                                 # Yatai's own resource shape: "gpu", not nvidia.com/gpu.
                                 "resources": {
                                     "requests": {"cpu": "1", "memory": "4Gi",
                                                  **({"gpu": str(gpus)} if gpus else {})},
                                     "limits": {"cpu": "4", "memory": "8Gi",
                                                **({"gpu": str(gpus)} if gpus else {})}}}
                                for r, _ in runners],
                    "ingress": {"enabled": False},
                },
            }
            if ok:
                bd["status"] = {"conditions": [
                    _mcond("Available", "True", "Reconciling", "Reconciling", f.ts(age - 300)),
                    _mcond("BentoFound", "True", "Reconciling", "Bento found", f.ts(age - 300)),
                ], "podSelector": {L_BD: name}}
            else:
                failing_msg = (f"Failed to reconcile BentoDeployment: BentoRequest {ns}/{bento_name} "
                               "is not available: Image build failed: see the image builder pod logs")
                bd["status"] = {"conditions": [
                    _mcond("Available", "False", "Reconciling", failing_msg, f.ts(2 * HOUR)),
                    _mcond("BentoFound", "False", "Reconciling", "Bento not found", f.ts(2 * HOUR)),
                    _mcond("BentoRequestFound", "True", "Reconciling", "Bento not found",
                           f.ts(2 * HOUR)),
                ], "podSelector": {L_BD: name}}
                bd["metadata"]["generation"] = 2
            self.add(bd)
            if not ok:
                self.ev(bd, "ReconcileError", failing_msg, type_="Warning",
                        component="yatai-deployment", count=143, first_ago=2 * HOUR, last_ago=25)
                self.roles["bento_failing"] = {"namespace": ns, "bentodeployment": name,
                                               "bentorequest": br_name}
            # The workloads (for the failing one: still the previous, working version).
            run_version = version if ok else "hz4ad2lqy2vcrlg6"
            run_image = image if ok else f"registry.internal/yatai-bentos/{repo}:{run_version}"
            common = {L_BD: name, "yatai.ai/bento-repository": repo,
                      "yatai.ai/bento-version": run_version, "yatai.ai/creator": "yatai-deployment",
                      "yatai.ai/bento-deployment-target-type": "production"}
            components = [(None, name)] + [(r, f"{name}-runner-{i}")
                                           for i, (r, _) in enumerate(runners)]
            for runner, kube_name in components:
                labels = dict(common)
                if runner:
                    labels[L_BD_COMPONENT_TYPE] = "runner"
                    labels[L_BD_COMPONENT_NAME] = runner
                    res = _yatai_to_kube_resources(bd["spec"]["runners"][0]["resources"])
                else:
                    labels[L_BD_COMPONENT_TYPE] = "api-server"
                    res = bd["spec"]["resources"]
                env = [{"name": "BENTOML_CONFIG", "value": "/conf/bentoml_config.yaml"},
                       {"name": "PORT", "value": "3000"}]
                if runner:
                    env.append({"name": "BENTOML_RUNNER_NAME", "value": runner})
                pod_spec = {
                    "containers": [{
                        "name": "main", "image": run_image, "env": env,
                        "ports": [{"containerPort": 3000, "name": "http", "protocol": "TCP"}],
                        "resources": json.loads(json.dumps(res)),
                        "readinessProbe": {"httpGet": {"path": "/readyz", "port": "http"},
                                           "periodSeconds": 10},
                        "livenessProbe": {"httpGet": {"path": "/livez", "port": "http"},
                                          "periodSeconds": 10},
                    }],
                    "restartPolicy": "Always", "schedulerName": "default-scheduler",
                    "serviceAccountName": "default", "terminationGracePeriodSeconds": 30,
                }
                if runner and gpus:
                    pod_spec["tolerations"] = [{"key": GPU, "operator": "Exists",
                                                "effect": "NoSchedule"}]
                node = "gpu-l4-0" if (runner and gpus) else "gpu-a100-0"
                dep = f.deployment(ns, kube_name, labels=labels, pod_spec=pod_spec, replicas=1,
                                   age=age, owner=bd, ready=1,
                                   selector={L_BD: name,
                                             L_BD_COMPONENT_TYPE: labels[L_BD_COMPONENT_TYPE],
                                             **({L_BD_COMPONENT_NAME: runner} if runner else {})})
                rs = f.replicaset(dep, age=age, ready=1)
                pod = f.pod(rs, node=node, age=min(age, 3 * DAY), state="running")
                svc_name = kube_name if not runner else f"{name}-runner-{f.hex(32)}"
                svc = f.service(ns, svc_name, labels=labels, selector=dep["spec"]["selector"]
                                ["matchLabels"], ports=[{"name": "http", "port": 3000,
                                                         "protocol": "TCP", "targetPort": "http"}],
                                owner=bd, age=age)
                self.add(dep, rs, pod, svc)
                self.roles["healthy_pods"].append({"namespace": ns, "pod": pod["metadata"]["name"],
                                                   "container": "main", "node": node})

        # One image still building (no deployment uses it yet).
        br = {"apiVersion": BENTO_API, "kind": "BentoRequest",
              "metadata": f.meta("text-embedder-mx2hq4", ns, age=6 * 60, labels={
                  "yatai.ai/bento-repository": "text_embedder", "yatai.ai/bento": "mx2hq4lcrkhtvlg6"}),
              "spec": {"bentoTag": "text_embedder:mx2hq4lcrkhtvlg6",
                       "downloadUrl": "s3://yatai-bentos/bentos/text_embedder/mx2hq4lcrkhtvlg6.bento",
                       "image": "registry.internal/yatai-bentos/text_embedder:mx2hq4lcrkhtvlg6"},
              "status": {"conditions": [
                  _mcond("ImageExists", "False", "Reconciling", "Image is building", f.ts(5 * 60)),
                  _mcond("BentoAvailable", "False", "Reconciling", "Waiting for the image",
                         f.ts(5 * 60))],
                  "imageBuilderPodStatus": {"phase": "Running"}}}
        self.add(br)

    # -- Takeoff --
    def _takeoff(self) -> None:
        f = self.f
        ns = "takeoff"
        stacks = [
            ("chat-stack", 5 * DAY, {
                "llama-reader": {"readerConfig": {"modelName": "meta-llama/Llama-3.1-8B-Instruct",
                                                  "device": "cuda", "consumerGroup": "primary",
                                                  "maxBatchSize": 32},
                                 "resources": {"limits": {"cpu": "8", "memory": "48Gi", GPU: 1},
                                               "requests": {"cpu": "8", "memory": "48Gi", GPU: 1}},
                                 "_node": "gpu-a100-0"},
                "embedder": {"readerConfig": {"modelName": "BAAI/bge-small-en-v1.5", "device": "cpu",
                                              "consumerGroup": "embed"},
                             "image": {"tag": "0.22.0-cpu"},
                             "resources": {"limits": {"cpu": "4", "memory": "8Gi"},
                                           "requests": {"cpu": "2", "memory": "4Gi"}},
                             "_node": "gpu-h100-0"},
            }),
            ("batch-stack", 11 * DAY, {
                "mistral-batch": {"readerConfig": {
                    "modelName": "mistralai/Mistral-7B-Instruct-v0.3", "device": "cuda",
                    "consumerGroup": "batch", "tensorParallel": 2, "maxBatchSize": 64},
                    "replicaCount": 1,
                    "resources": {"limits": {"cpu": "16", "memory": "96Gi", GPU: 2},
                                  "requests": {"cpu": "16", "memory": "96Gi", GPU: 2}},
                    "_node": "gpu-h100-0"},
                "qwen-coder": {"readerConfig": {"modelName": "Qwen/Qwen2.5-Coder-7B-Instruct",
                                                "device": "cuda", "consumerGroup": "code"},
                               "resources": {"limits": {"cpu": "8", "memory": "48Gi", GPU: 1},
                                             "requests": {"cpu": "8", "memory": "48Gi", GPU: 1}},
                               "_node": "gpu-a100-1"},
            }),
        ]
        for stack, age, apps in stacks:
            spec = _stack_spec({k: {kk: vv for kk, vv in v.items() if not kk.startswith("_")}
                                for k, v in apps.items()})
            st: Obj = {
                "apiVersion": STACK_API, "kind": "InferenceStack",
                "metadata": f.meta(stack, ns, age=age, generation=1),
                "spec": spec,
                "status": {"conditions": [
                    {"type": "Initialized", "status": "True", "lastTransitionTime": f.ts(age)},
                    {"type": "Deployed", "status": "True", "reason": "InstallSuccessful",
                     "message": "Takeoff inference stack deployed.",
                     "lastTransitionTime": f.ts(age - 60)}],
                    "deployedRelease": {"name": stack},
                    "readers": sum(v.get("replicaCount", 1) for v in apps.values()),
                    "readyReaders": sum(v.get("replicaCount", 1) for v in apps.values())},
            }
            self.add(st)
            full = stack_fullname(stack)
            base = stack_labels(stack)
            sel = {"app.kubernetes.io/name": "inference-stack", L_INSTANCE: stack}
            # gateway
            gw_labels = {L_APP_COMPONENT: "gateway", **base}
            self.add({"apiVersion": "v1", "kind": "ConfigMap",
                      "metadata": f.meta(f"{full}-gateway", ns, age=age, labels=gw_labels, owner=st),
                      "data": {"config.yaml": "takeoff:\n  server_config:\n    internal_port: 3005\n"
                                              "  readers_config:\n"}})
            gw_spec = {
                "serviceAccountName": full,
                "containers": [{
                    "name": f"{full}-gateway", "image": "tytn/takeoff-pro:0.22.0-cpu",
                    "imagePullPolicy": "IfNotPresent",
                    "env": [{"name": "TAKEOFF_ADD_READER_ID_SUFFIX", "value": "true"}],
                    "ports": [{"containerPort": p, "name": n, "protocol": "TCP"} for p, n in (
                        (3000, "inference"), (3001, "management"), (3003, "openai"),
                        (3005, "internal"))],
                    "volumeMounts": [{"name": "config", "mountPath": "/code/config.yaml",
                                      "subPath": "config.yaml"}]}],
                "volumes": [{"name": "config", "configMap": {"name": f"{full}-gateway"}}],
                "restartPolicy": "Always", "schedulerName": "default-scheduler",
            }
            dep = f.deployment(ns, f"{full}-gateway", labels=gw_labels, pod_spec=gw_spec,
                               replicas=1, age=age, owner=st, ready=1,
                               selector={L_APP_COMPONENT: "gateway", **sel})
            rs = f.replicaset(dep, age=age, ready=1)
            pod = f.pod(rs, node="gpu-h100-0", age=age, state="running")
            svc = f.service(ns, f"{full}-gateway", labels=gw_labels,
                            selector={L_APP_COMPONENT: "gateway", **sel},
                            ports=[{"name": "http", "port": 80, "protocol": "TCP",
                                    "targetPort": "openai"},
                                   {"name": "management", "port": 3001, "protocol": "TCP",
                                    "targetPort": 3001},
                                   {"name": "inference", "port": 3000, "protocol": "TCP",
                                    "targetPort": 3000},
                                   {"name": "internal", "port": 3005, "protocol": "TCP",
                                    "targetPort": 3005}], owner=st, age=age)
            self.add(dep, rs, pod, svc)
            for app, values in apps.items():
                labels, selector = stack_reader_labels(stack, app)
                self.add({"apiVersion": "v1", "kind": "ConfigMap",
                          "metadata": f.meta(f"{full}-{app}", ns, age=age, labels=labels, owner=st),
                          "data": stack_reader_config(full, app, values["readerConfig"])})
                app_spec = stack_reader_pod_spec(full, app, values)
                dep = f.deployment(ns, f"{full}-{app}", labels=labels, pod_spec=app_spec,
                                   replicas=values.get("replicaCount", 1), age=age, owner=st,
                                   ready=values.get("replicaCount", 1), selector=selector)
                rs = f.replicaset(dep, age=age, ready=1)
                pod = f.pod(rs, node=values["_node"], age=min(age, 2 * DAY), state="running")
                self.add(dep, rs, pod)
                self.roles["healthy_pods"].append({"namespace": ns, "pod": pod["metadata"]["name"],
                                                   "container": f"{full}-{app}",
                                                   "node": values["_node"]})

    # -- Model Registry --
    def _model_registry(self) -> None:
        f = self.f
        ns, name, age = "model-registry", "modelregistry-public", 50 * DAY
        mr: Obj = {
            "apiVersion": MR_API, "kind": "ModelRegistry",
            "metadata": f.meta(name, ns, age=age, generation=1, labels={
                "app.kubernetes.io/name": "modelregistry", "app.kubernetes.io/instance": name,
                "app.kubernetes.io/part-of": "model-registry-operator",
                "app.kubernetes.io/created-by": "model-registry-operator"}),
            "spec": {"grpc": {"port": 9090}, "rest": {"port": 8080, "serviceRoute": "disabled"},
                     "postgres": {"host": "model-registry-db", "database": "model-registry",
                                  "port": 5432, "username": "modelregistryuser",
                                  "passwordSecret": {"name": "model-registry-db",
                                                     "key": "database-password"}}},
            "status": {
                "conditions": [
                    _mcond("Available", "True", "CreatedDeployment",
                           f"Deployment for ModelRegistry {name} is available", f.ts(age - 200)),
                ],
                "hosts": [f"{name}.{ns}.svc.cluster.local", f"{name}.{ns}", name],
                "hostsStr": f"{name}.{ns}.svc.cluster.local,{name}.{ns},{name}",
            },
        }
        self.add(mr)
        labels = {"app": name, "component": "model-registry", "app.kubernetes.io/name": name,
                  "app.kubernetes.io/component": "model-registry",
                  "app.kubernetes.io/part-of": "model-registry-operator"}
        pod_spec = {
            "containers": [{
                "name": "rest-container", "image": "quay.io/opendatahub/model-registry:v0.2.10",
                "args": ["proxy", "--hostname=0.0.0.0", "--port=8080",
                         "--mlmd-hostname=localhost", "--mlmd-port=9090"],
                "ports": [{"containerPort": 8080, "name": "http-api", "protocol": "TCP"}],
                "resources": {"requests": {"cpu": "100m", "memory": "256Mi"},
                              "limits": {"cpu": "100m", "memory": "256Mi"}}}],
            "restartPolicy": "Always", "schedulerName": "default-scheduler",
            "serviceAccountName": name,
        }
        dep = f.deployment(ns, name, labels=labels, pod_spec=pod_spec, replicas=1, age=age,
                           owner=mr, ready=1, selector={"component": "model-registry",
                                                        "app": name})
        rs = f.replicaset(dep, age=age, ready=1)
        pod = f.pod(rs, node="gpu-a100-0", age=20 * DAY, state="running")
        svc = f.service(ns, name, labels=labels, selector={"component": "model-registry",
                                                           "app": name},
                        ports=[{"name": "http-api", "port": 8080, "protocol": "TCP",
                                "targetPort": 8080},
                               {"name": "grpc-api", "port": 9090, "protocol": "TCP",
                                "targetPort": 9090}], owner=mr, age=age)
        self.add(dep, rs, pod, svc)

    # -- scale: load-generator pods --
    def build_load(self, n: int, rng: random.Random) -> None:
        f = Factory(rng, self.f.now)
        f.node_index = dict(self.f.node_index)
        namespaces = list(MODEL_NAMESPACES)
        per_ns = [n // len(namespaces) + (1 if i < n % len(namespaces) else 0)
                  for i in range(len(namespaces))]
        node_names = [nd[0] for nd in NODES]
        created = f.ts(3 * HOUR)
        started = f.ts(3 * HOUR - 20)
        choice = rng.choice
        getrandbits = rng.getrandbits
        UUID = uuid.UUID
        for ns, count in zip(namespaces, per_ns):
            if not count:
                continue
            labels = {"app": "load-generator", "app.kubernetes.io/part-of": "benchmarks"}
            pod_spec = {"containers": [{
                "name": "k6", "image": "grafana/k6:0.54.0",
                "args": ["run", "--vus", "4", "/scripts/soak.js"],
                "resources": {"requests": {"cpu": "50m", "memory": "64Mi"},
                              "limits": {"cpu": "200m", "memory": "128Mi"}}}],
                "restartPolicy": "Always", "schedulerName": "default-scheduler"}
            dep = f.deployment(ns, "load-generator", labels=labels, pod_spec=pod_spec,
                               replicas=count, age=3 * HOUR, owner=None, ready=count)
            rs = f.replicaset(dep, age=3 * HOUR, ready=count)
            self.add(dep, rs)
            rs_name = rs["metadata"]["name"]
            pod_labels = rs["spec"]["template"]["metadata"]["labels"]
            oref = owner_ref(rs)
            names: set[str] = set()
            image_id = f.image_id("grafana/k6:0.54.0")
            for i in range(count):
                while True:
                    pname = rs_name + "-" + "".join([choice(_SAFE) for _ in range(5)])
                    if pname not in names:
                        names.add(pname)
                        break
                node = node_names[i % 4]
                ip = f"10.244.{200 + i // 250 % 50}.{i % 250 + 2}"
                self.objs.append({
                    "apiVersion": "v1", "kind": "Pod",
                    "metadata": {"name": pname, "namespace": ns,
                                 "uid": str(UUID(int=getrandbits(128), version=4)),
                                 "creationTimestamp": created, "labels": dict(pod_labels),
                                 "ownerReferences": [dict(oref)]},
                    "spec": {"containers": [{
                        "name": "k6", "image": "grafana/k6:0.54.0",
                        "args": ["run", "--vus", "4", "/scripts/soak.js"],
                        "resources": {"requests": {"cpu": "50m", "memory": "64Mi"},
                                      "limits": {"cpu": "200m", "memory": "128Mi"}}}],
                        "nodeName": node, "restartPolicy": "Always",
                        "schedulerName": "default-scheduler"},
                    "status": {"phase": "Running", "podIP": ip, "hostIP": "10.0.1.1" + str(
                        i % 4 + 1), "startTime": created, "qosClass": "Burstable",
                        "conditions": [
                            {"type": "Ready", "status": "True", "lastTransitionTime": started},
                            {"type": "PodScheduled", "status": "True",
                             "lastTransitionTime": created}],
                        "containerStatuses": [{
                            "name": "k6", "image": "grafana/k6:0.54.0", "imageID": image_id,
                            "ready": True, "started": True, "restartCount": 0,
                            "state": {"running": {"startedAt": started}}, "lastState": {}}]},
                })


def predictor_pod_spec(name: str, fmt: str, storage_uri: str, gpus: int, cpu: str, memory: str,
                       image: str, args: list[str] | None = None,
                       serverless: bool = False) -> Obj:
    """The pod spec KServe gives a predictor (storage-initializer, modelcar, queue-proxy)."""
    resources = {"requests": {"cpu": cpu, "memory": memory},
                 "limits": {"cpu": cpu, "memory": memory}}
    if gpus:
        resources["requests"][GPU] = str(gpus)
        resources["limits"][GPU] = str(gpus)
    cargs = [f"--model_name={name}", "--model_dir=/mnt/models"] if fmt in (
        "huggingface", "sklearn", "xgboost") else []
    if fmt == "huggingface" and gpus:
        cargs.append("--backend=vllm")
    cargs += args or []
    container: Obj = {
        "name": "kserve-container", "image": image, "args": cargs,
        "env": [{"name": "PORT", "value": "8080"}, {"name": "MODEL_NAME", "value": name}],
        "ports": [{"containerPort": 8080, "name": "http1" if serverless else "http",
                   "protocol": "TCP"}],
        "resources": resources,
        "volumeMounts": [{"name": "kserve-provision-location", "mountPath": "/mnt/models",
                          "readOnly": True}],
        "terminationMessagePath": "/dev/termination-log",
        "terminationMessagePolicy": "FallbackToLogsOnError",
        "imagePullPolicy": "IfNotPresent",
    }
    if fmt == "huggingface":
        container["env"].append({"name": "HF_TOKEN", "valueFrom": {"secretKeyRef": {
            "name": "hf-token", "key": "HF_TOKEN", "optional": True}}})
    spec: Obj = {
        "containers": [container],
        "restartPolicy": "Always",
        "schedulerName": "default-scheduler",
        "serviceAccountName": "default",
        "terminationGracePeriodSeconds": 300,
        "dnsPolicy": "ClusterFirst",
        "volumes": [{"name": "kserve-provision-location", "emptyDir": {}}],
        "tolerations": [{"key": GPU, "operator": "Exists", "effect": "NoSchedule"}] if gpus else [],
    }
    scheme = storage_uri.split("://", 1)[0]
    if scheme == "pvc":
        claim, _, _ = storage_uri[len("pvc://"):].partition("/")
        spec["volumes"] = [{"name": "kserve-pvc-source",
                            "persistentVolumeClaim": {"claimName": claim, "readOnly": True}}]
        container["volumeMounts"] = [{"name": "kserve-pvc-source", "mountPath": "/mnt/pvc",
                                      "readOnly": True}]
    elif scheme == "oci":
        spec["containers"].append({
            "name": "modelcar", "image": storage_uri[len("oci://"):],
            "args": ["sh", "-c", "ln -s /proc/$$$$/root/models /mnt/ && sleep infinity"],
            "resources": {"requests": {"cpu": "10m", "memory": "15Mi"},
                          "limits": {"cpu": "10m", "memory": "15Mi"}},
            "volumeMounts": [{"name": "kserve-provision-location", "mountPath": "/mnt"}],
        })
    else:
        spec["initContainers"] = [{
            "name": "storage-initializer",
            "image": f"kserve/storage-initializer:{KSERVE_VERSION}",
            "args": [storage_uri, "/mnt/models"],
            "resources": {"requests": {"cpu": "100m", "memory": "100Mi"},
                          "limits": {"cpu": "1", "memory": "1Gi"}},
            "volumeMounts": [{"name": "kserve-provision-location", "mountPath": "/mnt/models"}],
            "terminationMessagePolicy": "FallbackToLogsOnError",
        }]
    if serverless:
        spec["containers"].append({
            "name": "queue-proxy",
            "image": "gcr.io/knative-releases/knative.dev/serving/cmd/queue:v1.15.2",
            "ports": [{"containerPort": 8022, "name": "http-queueadm", "protocol": "TCP"},
                      {"containerPort": 9090, "name": "http-autometric", "protocol": "TCP"},
                      {"containerPort": 9091, "name": "http-usermetric", "protocol": "TCP"},
                      {"containerPort": 8012, "name": "queue-port", "protocol": "TCP"}],
            "resources": {"requests": {"cpu": "25m"}},
        })
    if not spec["tolerations"]:
        del spec["tolerations"]
    return spec


def canary_revision_objects(f: Factory, isvc: Obj, rev: int, storage_uri: str, image: str, *,
                            replicas: int, age: float, node: str,
                            state: str = "running") -> dict[str, Any]:
    """Deployment, ReplicaSet, Pods and Service of one Serverless predictor revision."""
    name = isvc["metadata"]["name"]
    ns = isvc["metadata"]["namespace"]
    rev_name = revision_name(name, rev)
    model = isvc["spec"]["predictor"]["model"]
    res = model["resources"]
    labels = {L_ISVC: name, L_COMPONENT: "predictor", "app": rev_name,
              "serving.knative.dev/configuration": f"{name}-predictor",
              "serving.knative.dev/configurationGeneration": str(rev),
              "serving.knative.dev/revision": rev_name,
              "serving.knative.dev/service": f"{name}-predictor",
              "app.kubernetes.io/part-of": "model-serving"}
    pod_spec = predictor_pod_spec(name, "huggingface", storage_uri, int(res["limits"].get(GPU, 0)),
                           res["limits"]["cpu"], res["limits"]["memory"], image, None, True)
    dep = f.deployment(ns, f"{rev_name}-deployment", labels=labels, pod_spec=pod_spec,
                       replicas=replicas, age=age, owner=isvc,
                       ready=replicas if state == "running" else 0,
                       selector={"serving.knative.dev/revision-uid": f.uid()},
                       pod_annotations={"serving.kserve.io/storage-initializer-sourceuri":
                                        storage_uri,
                                        "autoscaling.knative.dev/min-scale": "1"})
    dep["spec"]["template"]["metadata"]["labels"]["serving.knative.dev/revision-uid"] = (
        dep["spec"]["selector"]["matchLabels"]["serving.knative.dev/revision-uid"])
    rs = f.replicaset(dep, age=age, ready=replicas if state == "running" else 0)
    pods = [f.pod(rs, node=node, age=age, state=state) for _ in range(replicas)]
    svc = f.service(ns, rev_name, labels=labels, selector={"app": rev_name},
                    ports=[{"name": "http", "port": 80, "protocol": "TCP", "targetPort": 8012}],
                    owner=isvc, age=age)
    return {"deployment": dep, "replicaset": rs, "pods": pods, "service": svc,
            "all": [dep, rs, *pods, svc]}


# ----------------------------------------------------------------------------
# How the controllers name and build what they own (shared with the controller)
# ----------------------------------------------------------------------------

STORAGE_URI_ANNOTATION = "serving.kserve.io/storage-initializer-sourceuri"


def isvc_predictor_labels(name: str) -> dict[str, str]:
    """Labels of a RawDeployment predictor's Deployment, pods and Service."""
    return {L_ISVC: name, L_COMPONENT: "predictor", "app": f"isvc.{name}-predictor",
            "app.kubernetes.io/part-of": "model-serving"}


def isvc_pod_annotations(storage_uri: str) -> dict[str, str]:
    return {STORAGE_URI_ANNOTATION: storage_uri, "prometheus.kserve.io/port": "8080",
            "prometheus.kserve.io/path": "/metrics"}


def stack_fullname(stack: str) -> str:
    """The chart's fullname for a release (the InferenceStack's name)."""
    return stack if "inference-stack" in stack else f"{stack}-inference-stack"


def stack_labels(stack: str) -> dict[str, str]:
    return {"helm.sh/chart": "inference-stack-0.5.0", "app.kubernetes.io/name": "inference-stack",
            L_INSTANCE: stack, "app.kubernetes.io/version": "0.22.0",
            "app.kubernetes.io/managed-by": "Helm"}


def stack_reader_labels(stack: str, app: str) -> tuple[dict[str, str], dict[str, str]]:
    """(labels, selector) of one reader (application) of a stack."""
    comp = f"application-{app}"
    return ({L_APP_COMPONENT: comp, **stack_labels(stack)},
            {L_APP_COMPONENT: comp, "app.kubernetes.io/name": "inference-stack", L_INSTANCE: stack})


def stack_reader_config(full: str, app: str, reader_config: Obj) -> dict[str, str]:
    """The data of a reader's ConfigMap (Takeoff's config.yaml)."""
    cfg = "\n".join(f"      {_snake(k)}: {v}" for k, v in sorted(
        {**reader_config, "internalGatewayIp": f"{full}-gateway"}.items()))
    return {"config.yaml": "takeoff:\n  server_config:\n    internal_port: "
                           f"3005\n  readers_config:\n    {app}:\n{cfg}\n"}


def stack_reader_image(values: Obj) -> str:
    return f"tytn/takeoff-pro:{(values.get('image') or {}).get('tag', '0.22.0-gpu')}"


def stack_reader_resources(values: Obj) -> Obj:
    res = values.get("resources") or {}
    return {k: {kk: str(vv) for kk, vv in v.items()} for k, v in res.items() if isinstance(v, dict)}


def stack_reader_tolerations(values: Obj) -> list[Obj]:
    if (values.get("readerConfig") or {}).get("device") == "cuda":
        return [{"key": GPU, "operator": "Exists", "effect": "NoSchedule"}]
    return []


def stack_reader_pod_spec(full: str, app: str, values: Obj) -> Obj:
    """The pod spec of a reader Deployment, from the application's values."""
    spec: Obj = {
        "serviceAccountName": full,
        "initContainers": [{"name": "models-cache-manager", "image": "busybox",
                            "command": ["sh", "-c", "chmod -R 777 /models"],
                            "volumeMounts": [{"mountPath": "/models", "name": "models"}]}],
        "containers": [{
            "name": f"{full}-{app}", "image": stack_reader_image(values),
            "imagePullPolicy": "IfNotPresent",
            "env": [{"name": "TAKEOFF_ADD_READER_ID_SUFFIX", "value": "true"},
                    {"name": "TAKEOFF_HEADLESS", "value": "true"}],
            "ports": [{"containerPort": p, "name": n, "protocol": "TCP"} for p, n in (
                (3000, "inference"), (3001, "management"), (3003, "openai"), (3005, "internal"))],
            "resources": stack_reader_resources(values),
            "volumeMounts": [{"name": "config", "mountPath": "/code/config.yaml",
                              "subPath": "config.yaml"},
                             {"name": "dshm", "mountPath": "/dev/shm"},
                             {"name": "models", "mountPath": "/code/models"}]}],
        "volumes": [{"name": "config", "configMap": {"name": f"{full}-{app}"}},
                    {"name": "dshm", "emptyDir": {"medium": "Memory"}},
                    {"name": "models", "emptyDir": {"medium": "Memory"}}],
        "restartPolicy": "Always", "schedulerName": "default-scheduler",
    }
    tol = stack_reader_tolerations(values)
    if tol:
        spec["tolerations"] = tol
    return spec


def merge_values(template: Any, overrides: Any) -> Any:
    """The chart's deep merge of an application's overrides onto ``applicationTemplate``:
    maps merge, anything else replaces, ``null`` keeps the template value."""
    if overrides is None:
        return json.loads(json.dumps(template))
    if isinstance(template, dict) and isinstance(overrides, dict):
        merged = dict(template)
        for k, v in overrides.items():
            merged[k] = merge_values(template.get(k), v)
        return merged
    return overrides


def _yatai_to_kube_resources(res: Obj) -> Obj:
    """yatai-deployment's conversion: {cpu, memory, gpu} -> container resources."""
    out: Obj = {}
    for part in ("requests", "limits"):
        vals = dict(res.get(part) or {})
        if "gpu" in vals:
            vals[GPU] = vals.pop("gpu")
        out[part] = vals
    return out


def event_key(namespace: str, kind: str, name: str, tag: str) -> str:
    """How the seed and the controller name one recurring event (tag: its reason, or
    reason:variant when one object has two events with the same reason)."""
    return f"{namespace}/{kind}/{name}/{tag}"


def _mcond(type_: str, status: str, reason: str, message: str, ts: str) -> Obj:
    """A metav1.Condition (all five fields required by the CRDs)."""
    return {"type": type_, "status": status, "reason": reason, "message": message,
            "lastTransitionTime": ts}


def _snake(key: str) -> str:
    out = []
    for ch in key:
        if ch.isupper():
            out.append("_" + ch.lower())
        else:
            out.append(ch)
    return "".join(out)


def _stack_spec(applications: dict[str, Obj]) -> Obj:
    """An InferenceStack spec in the shape of the chart sample (charts_v1alpha1_inference_stack)."""
    ports = [{"containerPort": p, "name": n, "protocol": "TCP"} for p, n in (
        (3000, "inference"), (3001, "management"), (3003, "openai"), (3005, "internal"))]
    service = {"ports": [{"name": "http", "port": 80, "protocol": "TCP", "targetPort": "openai"},
                         {"name": "management", "port": 3001, "protocol": "TCP"},
                         {"name": "inference", "port": 3000, "protocol": "TCP"},
                         {"name": "internal", "port": 3005, "protocol": "TCP"}],
               "type": "ClusterIP"}
    return {
        "applicationTemplate": {
            "image": {"pullPolicy": "IfNotPresent", "repository": "tytn/takeoff-pro",
                      "tag": "0.22.0-gpu"},
            "ports": ports,
            "readerConfig": {"consumerGroup": "primary", "device": "cpu",
                             "modelName": "TitanML/dummy_model"},
            "replicaCount": 1,
            "resources": {},
            "scaling": {"enabled": False},
            "service": service,
            "volumeMounts": [], "volumes": [], "tolerations": [], "nodeSelector": {},
        },
        "applications": applications,
        "gateway": {
            "exportPrometheusMetrics": True,
            "image": {"pullPolicy": "IfNotPresent", "repository": "tytn/takeoff-pro",
                      "tag": "0.22.0-cpu"},
            "ports": ports,
            "replicaCount": 1,
            "service": service,
            "ingress": {"enabled": False, "className": "", "annotations": {}, "hosts": [],
                        "tls": []},
        },
        "imagePullSecrets": [],
        "serviceAccount": {"annotations": {}, "automount": True, "create": True, "name": ""},
    }


def _feature_schema(rng: random.Random, target: int = 100_000) -> str:
    """A ~100 KB JSON annotation value (the kind people paste into annotations)."""
    kinds = ("float", "int", "category", "bool")
    parts: list[str] = []
    size = 2
    i = 0
    while size < target:
        item = json.dumps({"name": f"txn_feature_{i:05d}", "type": kinds[rng.randrange(4)],
                           "nullable": bool(rng.getrandbits(1)), "mean": round(rng.random(), 6)},
                          separators=(",", ":"))
        parts.append(item)
        size += len(item) + 1
        i += 1
    return "[" + ",".join(parts) + "]"
