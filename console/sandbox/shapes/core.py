"""The Kubernetes core: metadata, Deployments, ReplicaSets, Pods, Services, Events, Nodes.

:class:`Factory` draws every uid, generated name suffix, IP and container id from its
``rng`` and measures every age from its ``now``, so whatever is built with one factory is
deterministic.  The rest are plain functions of their arguments.  Nothing here knows the
demo cluster: names, ages, counts and failures are the caller's
(:mod:`inference_console.sandbox.scenario`, :mod:`inference_console.sandbox.controller`).
"""

from __future__ import annotations

import base64
import json
import random
import uuid
from datetime import datetime, timedelta, timezone
from typing import Any

Obj = dict[str, Any]

L_POD_TEMPLATE_HASH = "pod-template-hash"
GPU = "nvidia.com/gpu"
GPU_PRODUCT = "nvidia.com/gpu.product"
# what the NVIDIA GPU feature discovery reports as nvidia.com/gpu.memory (MiB)
GPU_MEMORY_MIB = {"NVIDIA-A100-SXM4-80GB": "81920", "NVIDIA-H100-80GB-HBM3": "81559", "NVIDIA-L4": "23034"}

SAFE_ALPHABET = "bcdfghjklmnpqrstvwxz2456789"  # k8s.io/apimachinery rand.SafeEncodeString
_XID = "0123456789abcdefghijklmnopqrstuv"


def fmt_ts(dt: datetime) -> str:
    return dt.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _qty_equal(a: Any, b: Any) -> bool:
    return str(a) == str(b)


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
        return "".join([choice(SAFE_ALPHABET) for _ in range(n)])

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
    def meta(
        self,
        name: str,
        namespace: str | None,
        *,
        age: float,
        labels: dict[str, str] | None = None,
        annotations: dict[str, str] | None = None,
        owner: Obj | None = None,
        generation: int | None = None,
    ) -> Obj:
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
    def deployment(
        self,
        namespace: str,
        name: str,
        *,
        labels: dict[str, str],
        pod_spec: Obj,
        replicas: int,
        age: float,
        owner: Obj | None,
        ready: int,
        selector: dict[str, str] | None = None,
        pod_labels: dict[str, str] | None = None,
        pod_annotations: dict[str, str] | None = None,
        annotations: dict[str, str] | None = None,
        revision: int = 1,
    ) -> Obj:
        selector = dict(selector or labels)
        tmpl_meta: Obj = {"labels": dict(pod_labels or labels)}
        if pod_annotations:
            tmpl_meta["annotations"] = dict(pod_annotations)
        ann = {"deployment.kubernetes.io/revision": str(revision)}
        ann.update(annotations or {})
        dep: Obj = {
            "apiVersion": "apps/v1",
            "kind": "Deployment",
            "metadata": self.meta(
                name, namespace, age=age, labels=labels, annotations=ann, owner=owner, generation=revision
            ),
            "spec": {
                "replicas": replicas,
                "revisionHistoryLimit": 10,
                "progressDeadlineSeconds": 600,
                "selector": {"matchLabels": selector},
                "strategy": {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": "25%", "maxUnavailable": "25%"}},
                "template": {"metadata": tmpl_meta, "spec": pod_spec},
            },
        }
        dep["status"] = deployment_status(dep, ready=ready, now=self.ts(min(age, 300)))
        return dep

    def replicaset(
        self, dep: Obj, *, age: float, ready: int, replicas: int | None = None, template_hash: str | None = None
    ) -> Obj:
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
                f"{d_md['name']}-{h}",
                d_md["namespace"],
                age=age,
                labels=labels,
                annotations={
                    "deployment.kubernetes.io/desired-replicas": str(dep["spec"]["replicas"]),
                    "deployment.kubernetes.io/max-replicas": str(dep["spec"]["replicas"] + 1),
                    "deployment.kubernetes.io/revision": d_md.get("annotations", {}).get(
                        "deployment.kubernetes.io/revision", "1"
                    ),
                },
                owner=dep,
                generation=1,
            ),
            "spec": {"replicas": replicas, "selector": {"matchLabels": selector}, "template": tmpl},
            "status": {
                "replicas": replicas,
                "fullyLabeledReplicas": replicas,
                "readyReplicas": ready,
                "availableReplicas": ready,
                "observedGeneration": 1,
            },
        }
        if not ready:
            del rs["status"]["readyReplicas"]
            del rs["status"]["availableReplicas"]
        return rs

    def pod(
        self,
        rs: Obj,
        *,
        node: str | None,
        age: float,
        state: str = "running",
        restarts: int = 0,
        name: str | None = None,
        **state_kw: Any,
    ) -> Obj:
        r_md = rs["metadata"]
        ns = r_md["namespace"]
        tmpl = rs["spec"]["template"]
        spec = json.loads(json.dumps(tmpl["spec"]))
        pod_name = name or f"{r_md['name']}-{self.safe(5)}"
        md = self.meta(
            pod_name,
            ns,
            age=age,
            labels=tmpl["metadata"]["labels"],
            annotations=tmpl["metadata"].get("annotations"),
            owner=rs,
        )
        if node and state != "pending":
            spec["nodeName"] = node
        pod: Obj = {"apiVersion": "v1", "kind": "Pod", "metadata": md, "spec": spec}
        pod["status"] = self.pod_status(pod, node=node, age=age, state=state, restarts=restarts, **state_kw)
        return pod

    def image_id(self, image: str) -> str:
        repo = image.rsplit(":", 1)[0] if ":" in image.rsplit("/", 1)[-1] else image
        if "." not in repo.split("/", 1)[0]:
            repo = "docker.io/" + (repo if "/" in repo else "library/" + repo)
        return f"{repo}@sha256:{self.hex(256)}"

    def container_id(self) -> str:
        return f"containerd://{self.hex(256)}"

    def pod_status(
        self,
        pod: Obj,
        *,
        node: str | None,
        age: float,
        state: str,
        restarts: int = 0,
        message: str = "",
        exit_code: int = 1,
        reason: str = "",
    ) -> Obj:
        """Status for ``state`` in running | imagepull | oom | crash | pending | creating | failed.

        ``pending``: not scheduled, ``message`` being the scheduler's reason."""
        spec = pod["spec"]
        started = self.ts(age)
        ready_at = self.ts(max(age - 45, 0))
        qos = qos_class(spec)
        if state == "pending":
            return {
                "phase": "Pending",
                "conditions": [
                    {
                        "type": "PodScheduled",
                        "status": "False",
                        "reason": "Unschedulable",
                        "message": message,
                        "lastProbeTime": None,
                        "lastTransitionTime": started,
                    }
                ],
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
            st["initContainerStatuses"] = [
                {
                    "name": c["name"],
                    "image": c["image"],
                    "imageID": self.image_id(c["image"]),
                    "containerID": self.container_id(),
                    "ready": True,
                    "restartCount": 0,
                    "started": False,
                    "state": {
                        "terminated": {
                            "exitCode": 0,
                            "reason": "Completed",
                            "startedAt": started,
                            "finishedAt": self.ts(max(age - 20, 0)),
                            "containerID": self.container_id(),
                        }
                    },
                    "lastState": {},
                }
                for c in inits
            ]
        statuses = []
        main = spec["containers"][0]["name"]
        for c in spec["containers"]:
            cs: Obj = {
                "name": c["name"],
                "image": c["image"],
                "imageID": self.image_id(c["image"]),
                "containerID": self.container_id(),
                "ready": True,
                "started": True,
                "restartCount": 0,
                "state": {"running": {"startedAt": self.ts(max(age - 30, 0))}},
                "lastState": {},
            }
            if c["name"] == main:
                cs["restartCount"] = restarts
                if state == "running" and restarts:
                    cs["lastState"] = {
                        "terminated": {
                            "exitCode": exit_code,
                            "reason": reason or "Error",
                            "startedAt": started,
                            "finishedAt": self.ts(max(age - 600, 60)),
                            "containerID": self.container_id(),
                        }
                    }
                    cs["state"] = {"running": {"startedAt": self.ts(max(age - 600, 55))}}
                elif state == "imagepull":
                    cs.update(ready=False, started=False, imageID="")
                    del cs["containerID"]
                    cs["state"] = {
                        "waiting": {"reason": "ImagePullBackOff", "message": f'Back-off pulling image "{c["image"]}"'}
                    }
                elif state == "creating":
                    cs.update(ready=False, started=False, imageID="")
                    del cs["containerID"]
                    cs["state"] = {"waiting": {"reason": "PodInitializing" if inits else "ContainerCreating"}}
                elif state in ("oom", "crash"):
                    term_reason = "OOMKilled" if state == "oom" else (reason or "Error")
                    code = 137 if state == "oom" else exit_code
                    cs.update(ready=False, started=False)
                    cs["state"] = {
                        "waiting": {
                            "reason": "CrashLoopBackOff",
                            "message": (
                                f"back-off 5m0s restarting failed container={c['name']} "
                                f"pod={pod['metadata']['name']}_{pod['metadata']['namespace']}"
                                f"({pod['metadata']['uid']})"
                            ),
                        }
                    }
                    term: Obj = {
                        "exitCode": code,
                        "reason": term_reason,
                        "startedAt": self.ts(95),
                        "finishedAt": self.ts(40),
                        "containerID": self.container_id(),
                    }
                    if message:
                        term["message"] = message
                    cs["lastState"] = {"terminated": term}
                elif state == "failed":
                    cs.update(ready=False, started=False)
                    cs["state"] = {
                        "terminated": {
                            "exitCode": exit_code,
                            "reason": reason or "Error",
                            "message": message,
                            "startedAt": started,
                            "finishedAt": self.ts(max(age - 240, 0)),
                            "containerID": self.container_id(),
                        }
                    }
            statuses.append(cs)
        st["containerStatuses"] = statuses
        ok = state == "running"
        not_ready = [c["name"] for c in statuses if not c["ready"]]
        if state == "failed":
            st["phase"] = "Failed"
        elif state in ("imagepull", "creating"):
            st["phase"] = "Pending"
        if state == "creating" and inits:
            st["initContainerStatuses"] = [
                {**s, "ready": False, "started": True, "state": {"running": {"startedAt": started}}}
                for s in st["initContainerStatuses"]
            ]
        ready_cond = {
            "type": "Ready",
            "status": "True" if ok else "False",
            "lastProbeTime": None,
            "lastTransitionTime": ready_at if ok else self.ts(40),
        }
        cr_cond = {
            "type": "ContainersReady",
            "status": ready_cond["status"],
            "lastProbeTime": None,
            "lastTransitionTime": ready_cond["lastTransitionTime"],
        }
        if not ok:
            msg = f"containers with unready status: [{' '.join(not_ready)}]"
            for cond in (ready_cond, cr_cond):
                cond.update(reason="PodCompleted" if state == "failed" else "ContainersNotReady", message=msg)
        init_done = not (state == "creating" and inits)
        st["conditions"] = [
            {
                "type": "PodReadyToStartContainers",
                "status": "True",
                "lastProbeTime": None,
                "lastTransitionTime": self.ts(max(age - 5, 0)),
            },
            {
                "type": "Initialized",
                "status": "True" if init_done else "False",
                "lastProbeTime": None,
                "lastTransitionTime": self.ts(max(age - 20, 0)),
                **(
                    {}
                    if init_done
                    else {
                        "reason": "ContainersNotInitialized",
                        "message": f"containers with incomplete status: [{' '.join(c['name'] for c in inits)}]",
                    }
                ),
            },
            ready_cond,
            cr_cond,
            {"type": "PodScheduled", "status": "True", "lastProbeTime": None, "lastTransitionTime": started},
        ]
        return st

    # -- cluster scaffolding --
    def namespace(self, name: str, *, age: float, labels: dict[str, str] | None = None) -> Obj:
        return {
            "apiVersion": "v1",
            "kind": "Namespace",
            "metadata": self.meta(name, None, age=age, labels={"kubernetes.io/metadata.name": name, **(labels or {})}),
            "spec": {"finalizers": ["kubernetes"]},
            "status": {"phase": "Active"},
        }

    def secret(
        self,
        namespace: str,
        name: str,
        *,
        age: float,
        data: dict[str, str],
        labels: dict[str, str] | None = None,
        annotations: dict[str, str] | None = None,
    ) -> Obj:
        """An Opaque Secret; ``data`` is given in clear and stored base64-encoded."""
        return {
            "apiVersion": "v1",
            "kind": "Secret",
            "type": "Opaque",
            "metadata": self.meta(name, namespace, age=age, labels=labels, annotations=annotations),
            "data": {k: base64.b64encode(v.encode()).decode() for k, v in data.items()},
        }

    def config_map(
        self,
        namespace: str,
        name: str,
        *,
        age: float,
        data: dict[str, str],
        labels: dict[str, str] | None = None,
        owner: Obj | None = None,
    ) -> Obj:
        return {
            "apiVersion": "v1",
            "kind": "ConfigMap",
            "metadata": self.meta(name, namespace, age=age, labels=labels, owner=owner),
            "data": data,
        }

    def node(
        self,
        index: int,
        name: str,
        *,
        product: str,
        instance_type: str,
        gpus: int,
        cpu: str,
        memory: str,
        region: str,
        zone: str,
        age: float,
        cordoned: tuple[float, str] | None = None,
    ) -> Obj:
        """A Ready GPU node (EKS-style), the ``index``-th of the cluster (its IPs and pod CIDR
        follow from it); ``cordoned`` = (seconds ago, why) makes it unschedulable."""
        labels = {
            "kubernetes.io/arch": "amd64",
            "kubernetes.io/os": "linux",
            "kubernetes.io/hostname": name,
            "beta.kubernetes.io/arch": "amd64",
            "beta.kubernetes.io/os": "linux",
            "node.kubernetes.io/instance-type": instance_type,
            "topology.kubernetes.io/region": region,
            "topology.kubernetes.io/zone": zone,
            GPU_PRODUCT: product,
            "nvidia.com/gpu.count": str(gpus),
            "nvidia.com/gpu.memory": GPU_MEMORY_MIB[product],
            "nvidia.com/gpu.present": "true",
            "nvidia.com/cuda.driver.major": "550",
            "nvidia.com/cuda.runtime.major": "12",
        }
        i = index
        self.node_index[name] = i + 1  # pods scheduled here get host and pod IPs from it
        ip = f"10.0.1.{11 + i}"
        alloc_mem = f"{int(memory[:-2]) - 8}Gi"
        node: Obj = {
            "apiVersion": "v1",
            "kind": "Node",
            "metadata": self.meta(
                name,
                None,
                age=age,
                labels=labels,
                annotations={
                    "node.alpha.kubernetes.io/ttl": "0",
                    "volumes.kubernetes.io/controller-managed-attach-detach": "true",
                },
            ),
            "spec": {
                "podCIDR": f"10.244.{i + 1}.0/24",
                "podCIDRs": [f"10.244.{i + 1}.0/24"],
                "providerID": f"aws:///{zone}/i-0{self.hex(64)[:16]}",
            },
            "status": {
                "addresses": [{"type": "InternalIP", "address": ip}, {"type": "Hostname", "address": name}],
                "capacity": {
                    "cpu": cpu,
                    "memory": memory,
                    "pods": "110",
                    GPU: str(gpus),
                    "ephemeral-storage": "1951507452Ki",
                    "hugepages-2Mi": "0",
                },
                "allocatable": {
                    "cpu": str(int(cpu) - 2),
                    "memory": alloc_mem,
                    "pods": "110",
                    GPU: str(gpus),
                    "ephemeral-storage": "1798509804Ki",
                    "hugepages-2Mi": "0",
                },
                "conditions": [
                    {
                        "type": t,
                        "status": "False",
                        "reason": r,
                        "message": m,
                        "lastHeartbeatTime": self.ts(20),
                        "lastTransitionTime": self.ts(age),
                    }
                    for t, r, m in (
                        ("MemoryPressure", "KubeletHasSufficientMemory", "kubelet has sufficient memory available"),
                        ("DiskPressure", "KubeletHasNoDiskPressure", "kubelet has no disk pressure"),
                        ("PIDPressure", "KubeletHasSufficientPID", "kubelet has sufficient PID available"),
                    )
                ]
                + [
                    {
                        "type": "Ready",
                        "status": "True",
                        "reason": "KubeletReady",
                        "message": "kubelet is posting ready status",
                        "lastHeartbeatTime": self.ts(20),
                        "lastTransitionTime": self.ts(age),
                    }
                ],
                "nodeInfo": {
                    "architecture": "amd64",
                    "containerRuntimeVersion": "containerd://1.7.20",
                    "kernelVersion": "6.1.109-118.189.amzn2023.x86_64",
                    "kubeProxyVersion": "v1.30.4",
                    "kubeletVersion": "v1.30.4",
                    "operatingSystem": "linux",
                    "osImage": "Amazon Linux 2023.5.20240916",
                    "machineID": self.hex(128),
                    "systemUUID": self.uid(),
                    "bootID": self.uid(),
                },
                "daemonEndpoints": {"kubeletEndpoint": {"Port": 10250}},
            },
        }
        if cordoned is not None:
            ago, why = cordoned
            node["spec"]["unschedulable"] = True
            node["spec"]["taints"] = [
                {"key": "node.kubernetes.io/unschedulable", "effect": "NoSchedule", "timeAdded": self.ts(ago)}
            ]
            node["metadata"]["annotations"]["inference-console.dev/cordon-reason"] = why
        return node

    # -- networking and events --
    def service(
        self,
        namespace: str,
        name: str,
        *,
        labels: dict[str, str],
        selector: dict[str, str],
        ports: list[Obj],
        owner: Obj | None,
        age: float,
    ) -> Obj:
        ip = f"10.96.{self.rng.randrange(1, 254)}.{self.rng.randrange(2, 254)}"
        return {
            "apiVersion": "v1",
            "kind": "Service",
            "metadata": self.meta(name, namespace, age=age, labels=labels, owner=owner),
            "spec": {
                "type": "ClusterIP",
                "clusterIP": ip,
                "clusterIPs": [ip],
                "ipFamilies": ["IPv4"],
                "ipFamilyPolicy": "SingleStack",
                "sessionAffinity": "None",
                "internalTrafficPolicy": "Cluster",
                "ports": ports,
                "selector": dict(selector),
            },
            "status": {"loadBalancer": {}},
        }

    def event(
        self,
        involved: Obj,
        *,
        reason: str,
        message: str,
        type_: str = "Normal",
        component: str = "kubelet",
        host: str | None = None,
        count: int = 1,
        first_ago: float = 60.0,
        last_ago: float | None = None,
        field_path: str | None = None,
        namespace: str | None = None,
    ) -> Obj:
        md = involved["metadata"]
        ns = namespace or md.get("namespace") or "default"
        ref: Obj = {
            "apiVersion": involved["apiVersion"],
            "kind": involved["kind"],
            "name": md["name"],
            "uid": md["uid"],
        }
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
    return {
        "apiVersion": obj["apiVersion"],
        "kind": obj["kind"],
        "name": md["name"],
        "uid": md["uid"],
        "controller": controller,
        "blockOwnerDeletion": True,
    }


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
    st: Obj = {
        "observedGeneration": dep["metadata"].get("generation", 1),
        "replicas": replicas,
        "updatedReplicas": replicas,
    }
    if ready:
        st["readyReplicas"] = ready
        st["availableReplicas"] = ready
    if replicas - ready > 0:
        st["unavailableReplicas"] = replicas - ready
    available = ready >= replicas or (ready > 0 and replicas - ready <= max(1, replicas // 4))
    st["conditions"] = [
        {
            "type": "Available",
            "status": "True" if available else "False",
            "reason": "MinimumReplicasAvailable" if available else "MinimumReplicasUnavailable",
            "message": (
                "Deployment has minimum availability."
                if available
                else "Deployment does not have minimum availability."
            ),
            "lastUpdateTime": now,
            "lastTransitionTime": now,
        },
        {
            "type": "Progressing",
            "status": "True",
            "reason": "NewReplicaSetAvailable",
            "message": f'ReplicaSet "{name}" has successfully progressed.',
            "lastUpdateTime": now,
            "lastTransitionTime": now,
        },
    ]
    if replicas == 0:
        st.pop("updatedReplicas", None)
    return st


def condition(type_: str, status: str, reason: str, message: str, ts: str) -> Obj:
    """A metav1.Condition (all five fields required by the CRDs)."""
    return {"type": type_, "status": status, "reason": reason, "message": message, "lastTransitionTime": ts}


def event_key(namespace: str, kind: str, name: str, tag: str) -> str:
    """How the seed and the controller name one recurring event (tag: its reason, or
    reason:variant when one object has two events with the same reason)."""
    return f"{namespace}/{kind}/{name}/{tag}"


def light_pod(
    name: str,
    namespace: str,
    *,
    uid: str,
    created: str,
    started: str,
    labels: dict[str, str],
    owner_reference: Obj,
    container: Obj,
    node: str,
    pod_ip: str,
    host_ip: str,
    image_id: str,
) -> Obj:
    """A running, ready one-container pod with only the status a listing shows, built cheaply
    (for thousands of pods); ``container`` becomes the pod's own."""
    spec: Obj = {
        "containers": [container],
        "nodeName": node,
        "restartPolicy": "Always",
        "schedulerName": "default-scheduler",
    }
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {
            "name": name,
            "namespace": namespace,
            "uid": uid,
            "creationTimestamp": created,
            "labels": dict(labels),
            "ownerReferences": [dict(owner_reference)],
        },
        "spec": spec,
        "status": {
            "phase": "Running",
            "podIP": pod_ip,
            "hostIP": host_ip,
            "startTime": created,
            "qosClass": qos_class(spec),
            "conditions": [
                {"type": "Ready", "status": "True", "lastTransitionTime": started},
                {"type": "PodScheduled", "status": "True", "lastTransitionTime": created},
            ],
            "containerStatuses": [
                {
                    "name": container["name"],
                    "image": container["image"],
                    "imageID": image_id,
                    "ready": True,
                    "started": True,
                    "restartCount": 0,
                    "state": {"running": {"startedAt": started}},
                    "lastState": {},
                }
            ],
        },
    }
