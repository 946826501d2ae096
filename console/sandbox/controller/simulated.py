"""A simulated set of controllers that keeps the demo cluster alive.

Every tick touches only the handful of objects the story is about (O(changes), never a
scan of the cluster), and writes through the emulator's own operations so that watchers
see ADDED / MODIFIED / DELETED events exactly as from a real cluster:

* the OOM-killed predictor restarts, runs, is OOMKilled again and goes back to
  CrashLoopBackOff, its restartCount climbing and its events' counts growing;
* the image-pull failure flips between ErrImagePull and ImagePullBackOff;
* the pod waiting for GPUs stays Pending while its FailedScheduling count grows;
* the canary rollout progresses 10% -> 50% -> 100% -> promoted (one revision, the old
  revision scaled to zero), then after a pause a new revision starts rolling out;
* now and then a healthy pod restarts once;
* the failing BentoDeployment keeps failing to reconcile;
* and whatever anyone edits gets the reaction the real controllers would give it
  (:mod:`inference_console.sandbox.controller.reactions`: scaled and rolled-out Deployments,
  stopped, restarted, updated and new InferenceServices, scaled BentoDeployments, InferenceStack
  readers).

Where the stories are comes from the scenario (``roles`` of
:func:`inference_console.sandbox.scenario.build`); the objects the controller creates are built
with :mod:`inference_console.sandbox.shapes`.

``step()`` is one deterministic tick (tests call it directly); ``run()`` loops it on the
emulator's event loop.  Every emulator call happens on that loop.
"""

from __future__ import annotations

import asyncio
import copy
import logging
import random
from collections import deque
from datetime import datetime, timezone
from typing import Any, Callable

from inference_console.catalog.kinds.inferenceservice import STOP_ANNOTATION

from ..scenario import UNSCHEDULABLE_GPU_MESSAGE, build
from ..shapes.core import Factory, deployment_status, event_key, fmt_ts, owner_ref
from ..shapes.kserve import ISVC_API, canary_revision_objects, isvc_canary_status, revision_name
from ..shapes.yatai import BD_API
from .reactions import Reconciler

log = logging.getLogger(__name__)

Obj = dict[str, Any]

# How many ticks each canary stage lasts.
CANARY_STAGES: dict[str, int] = {"creating": 1, "10": 3, "50": 3, "100": 2, "promoted": 6}
CANARY_ORDER = ["creating", "10", "50", "100", "promoted"]
# The crash loop: two ticks backing off, one running (loading the model), one OOMKilled.
CRASH_CYCLE = ("backoff", "backoff", "running", "oomkilled")


class SimulatedController:
    def __init__(
        self,
        emu: Any,
        rng_seed: int = 7,
        tick: float = 2.0,
        *,
        roles: dict[str, Any] | None = None,
        clock: Callable[[], datetime] | None = None,
        event_ttl_ticks: int = 1800,
    ) -> None:
        self.emu = emu
        self.tick = float(tick)
        self.rng = random.Random(rng_seed * 7919 + 3)
        self.clock = clock or (lambda: datetime.now(timezone.utc))
        if roles is None:
            roles = build(0, rng_seed).roles
        self.roles = copy.deepcopy(roles)
        self.ticks = 0
        self.changes: list[str] = []  # what the last step did (for tests and debugging)
        self.event_ttl_ticks = event_ttl_ticks
        self._events: dict[str, str] = dict(self.roles.get("events", {}))
        self._created_events: deque[tuple[int, str, str, str]] = deque()  # (tick, key, ns, name)
        self.factory = Factory(random.Random(rng_seed * 104729 + 11), self.clock())
        self._crash_phase = 0
        canary = self.roles.get("canary")
        self._canary_stage = str(canary["percent"]) if canary else None
        self._canary_ticks = 0
        self._next_restart = self.ticks + self.rng.randint(8, 14)
        self._recovering: list[tuple[str, str, str]] = []  # pods to mark ready next tick
        self._stopped = False
        # reactions to edits: a listener on the emulator marks what changed (see reactions.py)
        self.reconciler = Reconciler(self, rng_seed)

    # ------------------------------------------------------------------------------
    # loop
    # ------------------------------------------------------------------------------

    async def run(self) -> None:
        """Tick forever (until cancelled) on the emulator's event loop."""
        while not self._stopped:
            await asyncio.sleep(self.tick)
            try:
                self.step()
            except Exception:  # a broken tick must not end the demo
                log.exception("sandbox controller tick failed")

    def stop(self) -> None:
        self._stopped = True
        self.reconciler.close()

    def step(self) -> list[str]:
        """One tick. Returns a short description of every change made."""
        self.ticks += 1
        self.changes = []
        self.factory.now = self.clock()
        for part in (
            self._crashloop,
            self._imagepull,
            self._pending,
            self._canary,
            self._healthy_restart,
            self._bento,
            self._react,
            self._expire_events,
        ):
            try:
                part()
            except Exception as exc:  # one broken story must not stop the others
                log.debug("sandbox controller: %s failed: %s", part.__name__, exc)
                self.changes.append(f"error in {part.__name__}: {exc}")
        return self.changes

    # ------------------------------------------------------------------------------
    # helpers (get, pod, event, set_ready are the reactions' too)
    # ------------------------------------------------------------------------------

    def _now(self) -> str:
        return fmt_ts(self.factory.now)

    def get(self, api_version: str, kind: str, ns: str | None, name: str) -> Obj | None:
        """The object, or None when it does not exist."""
        try:
            return self.emu.get(api_version, kind, ns, name)
        except Exception:
            return None

    def pod(self, ns: str, name: str) -> Obj | None:
        return self.get("v1", "Pod", ns, name)

    def _update(self, obj: Obj, what: str) -> Obj:
        out = self.emu.update(obj)
        self.changes.append(what)
        return out

    def _update_spec_then_status(self, obj: Obj, make_status: Callable[[Obj], Obj], what: str) -> Obj:
        """Write a spec change (the server bumps metadata.generation), then the status a
        controller reports for it (with observedGeneration = that generation)."""
        out = self.emu.update(obj)
        out["status"] = make_status(out)
        if "observedGeneration" in out["status"]:
            out["status"]["observedGeneration"] = out["metadata"].get("generation", 1)
        out = self.emu.update(out)
        self.changes.append(what)
        return out

    def event(
        self,
        involved: Obj,
        tag: str,
        reason: str,
        message: str,
        *,
        type_: str = "Normal",
        component: str = "kubelet",
        host: str | None = None,
        field_path: str | None = None,
        namespace: str | None = None,
    ) -> None:
        """Bump the count of a recurring event, or record a new one."""
        md = involved["metadata"]
        ns = namespace or md.get("namespace") or "default"
        key = event_key(ns, involved["kind"], md["name"], tag)
        name = self._events.get(key)
        if name:
            ev = self.get("v1", "Event", ns, name)
            if ev is not None and ev.get("involvedObject", {}).get("uid") == md.get("uid"):
                ev["count"] = int(ev.get("count") or 1) + 1
                ev["lastTimestamp"] = self._now()
                ev["message"] = message
                self._update(ev, f"event {reason} x{ev['count']} {md['name']}")
                return
        ev = self.factory.event(
            involved,
            reason=reason,
            message=message,
            type_=type_,
            component=component,
            host=host,
            field_path=field_path,
            namespace=ns,
            first_ago=0,
        )
        created = self.emu.create(ev)
        name = created["metadata"]["name"]
        self._events[key] = name
        self._created_events.append((self.ticks, key, ns, name))
        self.changes.append(f"event {reason} new {md['name']}")

    @staticmethod
    def _container(pod: Obj, name: str) -> Obj | None:
        for cs in pod.get("status", {}).get("containerStatuses") or []:
            if cs.get("name") == name:
                return cs
        return None

    @staticmethod
    def set_ready(pod: Obj, ready: bool, not_ready: list[str], ts: str) -> None:
        for cond in pod.get("status", {}).get("conditions") or []:
            if cond.get("type") in ("Ready", "ContainersReady"):
                want = "True" if ready else "False"
                if cond.get("status") != want:
                    cond["lastTransitionTime"] = ts
                cond["status"] = want
                if ready:
                    cond.pop("reason", None)
                    cond.pop("message", None)
                else:
                    cond["reason"] = "ContainersNotReady"
                    cond["message"] = f"containers with unready status: [{' '.join(not_ready)}]"

    # ------------------------------------------------------------------------------
    # the stories
    # ------------------------------------------------------------------------------

    def _crashloop(self) -> None:
        role = self.roles.get("crashloop")
        if not role:
            return
        ns, name, cname, node = role["namespace"], role["pod"], role["container"], role["node"]
        pod = self.pod(ns, name)
        if pod is None:
            return
        cs = self._container(pod, cname)
        if cs is None:
            return
        phase = CRASH_CYCLE[self._crash_phase % len(CRASH_CYCLE)]
        self._crash_phase += 1
        now = self._now()
        fp = f"spec.containers{{{cname}}}"
        cid = self.factory.container_id()
        if phase == "backoff":
            if "waiting" in cs.get("state", {}):
                # Still backing off: only the BackOff event recurs.
                self.event(
                    pod,
                    "BackOff",
                    "BackOff",
                    f"Back-off restarting failed container {cname} in pod {name}_{ns}({pod['metadata']['uid']})",
                    type_="Warning",
                    host=node,
                    field_path=fp,
                )
                return
            term = cs.get("state", {}).get("terminated")
            if term:
                cs["lastState"] = {"terminated": term}
            cs["state"] = {
                "waiting": {
                    "reason": "CrashLoopBackOff",
                    "message": f"back-off 5m0s restarting failed container={cname} "
                    f"pod={name}_{ns}({pod['metadata']['uid']})",
                }
            }
            cs["ready"] = False
            cs["started"] = False
            self._update(pod, f"pod {name} CrashLoopBackOff")
            self.event(
                pod,
                "BackOff",
                "BackOff",
                f"Back-off restarting failed container {cname} in pod {name}_{ns}({pod['metadata']['uid']})",
                type_="Warning",
                host=node,
                field_path=fp,
            )
        elif phase == "running":
            cs["restartCount"] = int(cs.get("restartCount") or 0) + 1
            cs["state"] = {"running": {"startedAt": now}}
            cs["containerID"] = cid
            cs["ready"] = False  # loading the model: never gets ready
            cs["started"] = True
            self._update(pod, f"pod {name} Running restart={cs['restartCount']}")
            image = role.get("image") or cs.get("image", "")
            self.event(
                pod,
                "Pulled",
                "Pulled",
                f'Container image "{image}" already present on machine',
                host=node,
                field_path=fp,
            )
            self.event(pod, "Created", "Created", f"Created container {cname}", host=node, field_path=fp)
            self.event(pod, "Started", "Started", f"Started container {cname}", host=node, field_path=fp)
        else:  # oomkilled
            started = cs.get("state", {}).get("running", {}).get("startedAt", now)
            cs["state"] = {
                "terminated": {
                    "exitCode": 137,
                    "reason": "OOMKilled",
                    "startedAt": started,
                    "finishedAt": now,
                    "containerID": cs.get("containerID", cid),
                }
            }
            cs["ready"] = False
            cs["started"] = False
            self._update(pod, f"pod {name} OOMKilled")
            node_obj = self.get("v1", "Node", None, node)
            if node_obj is not None:
                pid = 40000 + self.rng.randrange(20000)
                self.event(
                    node_obj,
                    "OOMKilling",
                    "OOMKilling",
                    f"Memory cgroup out of memory: Killed process {pid} (python3) "
                    f"total-vm:96531148kB, anon-rss:12582912kB, file-rss:60416kB, "
                    f"shmem-rss:0kB, UID:1000 pgtables:26012kB oom_score_adj:-997",
                    type_="Warning",
                    component="kernel-monitor",
                    host=node,
                    namespace="default",
                )
            isvc = self.get(ISVC_API, "InferenceService", ns, role["isvc"])
            info = (isvc or {}).get("status", {}).get("modelStatus", {}).get("lastFailureInfo")
            if isvc is not None and info is not None:
                info["time"] = now
                info["location"] = name
                self._update(isvc, f"isvc {role['isvc']} lastFailureInfo")

    def _imagepull(self) -> None:
        role = self.roles.get("imagepull")
        if not role or self.ticks % 3:
            return
        ns, name, cname, node = role["namespace"], role["pod"], role["container"], role["node"]
        pod = self.pod(ns, name)
        cs = self._container(pod, cname) if pod else None
        if pod is None or cs is None:
            return
        image = cs.get("image") or role["image"]
        fp = f"spec.containers{{{cname}}}"
        waiting = cs.get("state", {}).get("waiting", {})
        if waiting.get("reason") == "ImagePullBackOff":
            cs["state"] = {
                "waiting": {
                    "reason": "ErrImagePull",
                    "message": f"rpc error: code = NotFound desc = failed to pull and unpack image "
                    f'"{image}": failed to resolve reference "{image}": {image}: not found',
                }
            }
            self._update(pod, f"pod {name} ErrImagePull")
            self.event(pod, "Pulling", "Pulling", f'Pulling image "{image}"', host=node, field_path=fp)
            self.event(
                pod,
                "Failed",
                "Failed",
                f'Failed to pull image "{image}": rpc error: code = NotFound desc = failed '
                f'to pull and unpack image "{image}": failed to resolve reference '
                f'"{image}": {image}: not found',
                type_="Warning",
                host=node,
                field_path=fp,
            )
        else:
            cs["state"] = {"waiting": {"reason": "ImagePullBackOff", "message": f'Back-off pulling image "{image}"'}}
            self._update(pod, f"pod {name} ImagePullBackOff")
            self.event(pod, "BackOff", "BackOff", f'Back-off pulling image "{image}"', host=node, field_path=fp)
            self.event(
                pod,
                "Failed:ImagePullBackOff",
                "Failed",
                "Error: ImagePullBackOff",
                type_="Warning",
                host=node,
                field_path=fp,
            )

    def _pending(self) -> None:
        role = self.roles.get("pending")
        if not role or self.ticks % 2:
            return
        pod = self.pod(role["namespace"], role["pod"])
        if pod is None or pod.get("spec", {}).get("nodeName"):
            return
        self.event(
            pod,
            "FailedScheduling",
            "FailedScheduling",
            UNSCHEDULABLE_GPU_MESSAGE + " preemption: 0/4 nodes are available: "
            "4 No preemption victims found for incoming pod.",
            type_="Warning",
            component="default-scheduler",
        )

    # -- canary --------------------------------------------------------------------

    def canary_state(self) -> dict[str, Any]:
        c = self.roles.get("canary") or {}
        return {
            "stage": self._canary_stage,
            "revision": c.get("revision"),
            "previous": c.get("previous"),
            "ticks": self._canary_ticks,
        }

    def _canary(self) -> None:
        role = self.roles.get("canary")
        if not role or self._canary_stage is None:
            return
        self._canary_ticks += 1
        if self._canary_ticks < CANARY_STAGES[self._canary_stage]:
            return
        ns, name = role["namespace"], role["isvc"]
        isvc = self.get(ISVC_API, "InferenceService", ns, name)
        if (
            isvc is None
            or role.get("stopped")
            or role.get("starting")
            or str((isvc["metadata"].get("annotations") or {}).get(STOP_ANNOTATION, "")).lower() == "true"
        ):
            return  # stopped (or coming back): the rollout story waits
        nxt = CANARY_ORDER[(CANARY_ORDER.index(self._canary_stage) + 1) % len(CANARY_ORDER)]
        if nxt == "creating":
            self._canary_new_revision(isvc, role)
        elif nxt == "10":
            self._canary_revision_ready(isvc, role)
        elif nxt in ("50", "100"):
            self._canary_set_percent(isvc, role, int(nxt))
        else:
            self._canary_promote(isvc, role)
        self._canary_stage = nxt
        self._canary_ticks = 0

    def canary_resumed(self) -> None:
        """The canary InferenceService came back from a stop with its latest revision serving
        all traffic (reactions.py): the rollout story goes on from "promoted"."""
        self._canary_stage, self._canary_ticks = "promoted", 0

    def canary_status(
        self, role: Obj, *, percent: int | None, latest: int, prev: int | None, created: int | None = None
    ) -> Obj:
        """The canary InferenceService's status with ``latest`` at ``percent`` (None: all)."""
        rev = revision_name
        return isvc_canary_status(
            role["isvc"],
            role["namespace"],
            prev_rev=rev(role["isvc"], prev) if prev else None,
            latest_rev=rev(role["isvc"], latest),
            latest_created=rev(role["isvc"], created) if created else None,
            percent=percent,
            ts=self._now(),
            runtime=role["runtime"],
            copies=1,
        )

    def _canary_set_percent(self, isvc: Obj, role: Obj, percent: int) -> None:
        isvc["spec"]["predictor"]["canaryTrafficPercent"] = percent
        self._update_spec_then_status(
            isvc,
            lambda _: self.canary_status(role, percent=percent, latest=role["revision"], prev=role["previous"]),
            f"isvc {role['isvc']} canary {percent}%",
        )
        role["percent"] = percent

    def _canary_promote(self, isvc: Obj, role: Obj) -> None:
        ns, name = role["namespace"], role["isvc"]
        isvc["spec"]["predictor"].pop("canaryTrafficPercent", None)
        isvc = self._update_spec_then_status(
            isvc,
            lambda _: self.canary_status(role, percent=None, latest=role["revision"], prev=role["previous"]),
            f"isvc {name} promoted {revision_name(name, role['revision'])}",
        )
        role["percent"] = None
        self.event(
            isvc,
            "InferenceServiceReady",
            "InferenceServiceReady",
            f"InferenceService [{name}] is Ready",
            component="v1beta1Controllers",
        )
        # The previous revision scales to zero; the one before it is garbage-collected.
        old = role["revisions"].get(role["previous"])
        if old:
            dep = self.get("apps/v1", "Deployment", ns, old["deployment"])
            if dep is not None:
                dep["spec"]["replicas"] = 0
                self._update_spec_then_status(
                    dep,
                    lambda d: deployment_status(d, ready=0, now=self._now(), replicas=0),
                    f"deployment {old['deployment']} scaled to 0",
                )
            rs = self.get("apps/v1", "ReplicaSet", ns, old["replicaset"])
            if rs is not None:
                rs["spec"]["replicas"] = 0
                self._update_spec_then_status(
                    rs,
                    lambda r: {"replicas": 0, "observedGeneration": 1},
                    f"replicaset {old['replicaset']} scaled to 0",
                )
            for pname in old["pods"]:
                pod = self.pod(ns, pname)
                if pod is None:
                    continue
                self.event(
                    pod,
                    "Killing",
                    "Killing",
                    "Stopping container kserve-container",
                    host=pod.get("spec", {}).get("nodeName"),
                    field_path="spec.containers{kserve-container}",
                )
                self.emu.delete("v1", "Pod", ns, pname)
                self.changes.append(f"pod {pname} deleted")
            old["pods"] = []
        for rev in [r for r in role["revisions"] if r < role["previous"]]:
            gone = role["revisions"].pop(rev)
            for pname in gone["pods"]:
                if self.pod(ns, pname) is not None:
                    self.emu.delete("v1", "Pod", ns, pname)
            for api, kind, obj_name in (
                ("apps/v1", "ReplicaSet", gone["replicaset"]),
                ("apps/v1", "Deployment", gone["deployment"]),
                ("v1", "Service", gone["service"]),
            ):
                if self.get(api, kind, ns, obj_name) is not None:
                    self.emu.delete(api, kind, ns, obj_name)
                    self.changes.append(f"{kind.lower()} {obj_name} deleted")

    def _canary_new_revision(self, isvc: Obj, role: Obj) -> None:
        ns, name = role["namespace"], role["isvc"]
        new = max(role["revisions"]) + 1
        uri = f"{role['storage_base']}/v0.{new + 1}"
        isvc["spec"]["predictor"]["canaryTrafficPercent"] = 10
        isvc["spec"]["predictor"]["model"]["storageUri"] = uri

        def deploying(_: Obj) -> Obj:
            st = self.canary_status(role, percent=None, latest=role["revision"], prev=role["previous"], created=new)
            for cond in st["conditions"]:
                if cond["type"] == "LatestDeploymentReady":
                    cond.update(
                        status="Unknown",
                        reason="Deploying",
                        message=f"Revision {revision_name(name, new)} is being deployed",
                    )
            return st

        isvc = self._update_spec_then_status(isvc, deploying, f"isvc {name} new revision {revision_name(name, new)}")
        objs = canary_revision_objects(
            self.factory, isvc, new, uri, role["image"], replicas=1, age=0, node=role["node"], state="creating"
        )
        dep = self.emu.create(objs["deployment"])
        rs_obj = objs["replicaset"]
        rs_obj["metadata"]["ownerReferences"] = [owner_ref(dep)]
        rs = self.emu.create(rs_obj)
        pods = []
        for p in objs["pods"]:
            p["metadata"]["ownerReferences"] = [owner_ref(rs)]
            pods.append(self.emu.create(p))
        svc = objs["service"]
        self.emu.create(svc)
        self.changes.append(f"revision {revision_name(name, new)} created")
        for p in pods:
            self.event(
                p,
                "Scheduled",
                "Scheduled",
                f"Successfully assigned {ns}/{p['metadata']['name']} to {role['node']}",
                component="default-scheduler",
            )
        role["revisions"][new] = {
            "deployment": dep["metadata"]["name"],
            "replicaset": rs["metadata"]["name"],
            "service": svc["metadata"]["name"],
            "pods": [p["metadata"]["name"] for p in pods],
            "storageUri": uri,
        }
        role["previous"], role["revision"] = role["revision"], new

    def _canary_revision_ready(self, isvc: Obj, role: Obj) -> None:
        ns = role["namespace"]
        rev = role["revisions"][role["revision"]]
        for pname in rev["pods"]:
            pod = self.pod(ns, pname)
            if pod is None:
                continue
            pod["status"] = self.factory.pod_status(pod, node=role["node"], age=30, state="running")
            self._update(pod, f"pod {pname} Running")
            fp = "spec.containers{kserve-container}"
            self.event(
                pod,
                "Pulled",
                "Pulled",
                f'Container image "{role["image"]}" already present on machine',
                host=role["node"],
                field_path=fp,
            )
            self.event(
                pod, "Created", "Created", "Created container kserve-container", host=role["node"], field_path=fp
            )
            self.event(
                pod, "Started", "Started", "Started container kserve-container", host=role["node"], field_path=fp
            )
        for api, kind, obj_name in (
            ("apps/v1", "Deployment", rev["deployment"]),
            ("apps/v1", "ReplicaSet", rev["replicaset"]),
        ):
            obj = self.get(api, kind, ns, obj_name)
            if obj is None:
                continue
            n = obj["spec"].get("replicas", 1)
            if kind == "Deployment":
                obj["status"] = deployment_status(obj, ready=n, now=self._now())
            else:
                obj["status"] = {
                    "replicas": n,
                    "fullyLabeledReplicas": n,
                    "readyReplicas": n,
                    "availableReplicas": n,
                    "observedGeneration": 1,
                }
            self._update(obj, f"{kind.lower()} {obj_name} ready")
        self._canary_set_percent(isvc, role, 10)

    # -- a healthy pod restarts now and then ------------------------------------------

    def _healthy_restart(self) -> None:
        now = self._now()
        for ns, pname, cname in self._recovering:
            pod = self.pod(ns, pname)
            cs = self._container(pod, cname) if pod else None
            if pod is None or cs is None:
                continue
            cs["ready"] = True
            self.set_ready(pod, True, [], now)
            self._update(pod, f"pod {pname} ready again")
        self._recovering = []
        pool = self.roles.get("healthy_pods") or []
        if not pool or self.ticks < self._next_restart:
            return
        self._next_restart = self.ticks + self.rng.randint(12, 20)
        hp = pool[self.rng.randrange(len(pool))]
        pod = self.pod(hp["namespace"], hp["pod"])
        cs = self._container(pod, hp["container"]) if pod else None
        if pod is None or cs is None or not cs.get("ready"):
            return
        started = cs.get("state", {}).get("running", {}).get("startedAt", now)
        cs["lastState"] = {
            "terminated": {
                "exitCode": 1,
                "reason": "Error",
                "startedAt": started,
                "finishedAt": now,
                "containerID": cs.get("containerID", ""),
            }
        }
        cs["restartCount"] = int(cs.get("restartCount") or 0) + 1
        cs["state"] = {"running": {"startedAt": now}}
        cs["containerID"] = self.factory.container_id()
        cs["ready"] = False
        self.set_ready(pod, False, [hp["container"]], now)
        self._update(pod, f"pod {hp['pod']} restarted ({cs['restartCount']})")
        fp = f"spec.containers{{{hp['container']}}}"
        self.event(
            pod,
            "Pulled",
            "Pulled",
            f'Container image "{cs.get("image", "")}" already present on machine',
            host=hp["node"],
            field_path=fp,
        )
        self.event(pod, "Created", "Created", f"Created container {hp['container']}", host=hp["node"], field_path=fp)
        self.event(pod, "Started", "Started", f"Started container {hp['container']}", host=hp["node"], field_path=fp)
        self._recovering.append((hp["namespace"], hp["pod"], hp["container"]))

    def _bento(self) -> None:
        role = self.roles.get("bento_failing")
        if not role or self.ticks % 5:
            return
        bd = self.get(BD_API, "BentoDeployment", role["namespace"], role["bentodeployment"])
        if bd is None:
            return
        msg = next(
            (c.get("message", "") for c in bd.get("status", {}).get("conditions", []) if c.get("type") == "Available"),
            "Failed to reconcile BentoDeployment",
        )
        self.event(bd, "ReconcileError", "ReconcileError", msg, type_="Warning", component="yatai-deployment")

    def _react(self) -> None:
        """The controllers' answer to edits since the last tick (reactions.py)."""
        self.reconciler.step()

    def _expire_events(self) -> None:
        """Events the controller created expire after event_ttl_ticks (like the 1h event TTL)."""
        while self._created_events and self.ticks - self._created_events[0][0] >= self.event_ttl_ticks:
            _, key, ns, name = self._created_events.popleft()
            if self._events.get(key) == name:
                del self._events[key]
            if self.get("v1", "Event", ns, name) is not None:
                self.emu.delete("v1", "Event", ns, name)
                self.changes.append(f"event {name} expired")
