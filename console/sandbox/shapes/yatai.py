"""Yatai (BentoML on Kubernetes): BentoRequests, Bentos, BentoDeployments, the image builder
pod and the api-server / runner workloads yatai-deployment creates, with the statuses the
Yatai controllers report.

Labels follow yatai-deployment's and yatai-image-builder's consts.  Functions of their
arguments (plus a :class:`~inference_console.sandbox.shapes.core.Factory` for uids and ages).
"""

from __future__ import annotations

import json

from .core import GPU, Factory, Obj, condition

BD_API = "serving.yatai.ai/v2alpha1"
BENTO_API = "resources.yatai.ai/v1alpha1"

L_BD = "yatai.ai/bento-deployment"
L_BD_COMPONENT_TYPE = "yatai.ai/bento-deployment-component-type"
L_BD_COMPONENT_NAME = "yatai.ai/bento-deployment-component-name"
L_BENTO_REPOSITORY = "yatai.ai/bento-repository"
L_BENTO = "yatai.ai/bento"

BENTOML_VERSION = "1.1.11"
IMAGE_BUILD_ERROR = (
    'ERROR: failed to solve: process "/bin/sh -c pip install -r '
    'requirements.txt" did not complete successfully: exit code: 1'
)


def yatai_to_kube_resources(res: Obj) -> Obj:
    """yatai-deployment's conversion: {cpu, memory, gpu} -> container resources."""
    out: Obj = {}
    for part in ("requests", "limits"):
        vals = dict(res.get(part) or {})
        if "gpu" in vals:
            vals[GPU] = vals.pop("gpu")
        out[part] = vals
    return out


def bento_env(runner: str | None = None) -> list[Obj]:
    """The environment yatai-deployment gives a bento container (a runner's names it)."""
    env = [{"name": "BENTOML_CONFIG", "value": "/conf/bentoml_config.yaml"}, {"name": "PORT", "value": "3000"}]
    if runner is not None:
        env.append({"name": "BENTOML_RUNNER_NAME", "value": runner})
    return env


# ----------------------------------------------------------------------------
# Bentos and their image builds (yatai-image-builder)
# ----------------------------------------------------------------------------


def bento_request(
    f: Factory,
    name: str,
    namespace: str,
    *,
    repo: str,
    version: str,
    image: str,
    download_url: str,
    age: float,
    runners: list[tuple[str, str]] | None = None,
) -> Obj:
    """A BentoRequest for ``repo:version``; ``runners`` = [(name, runnable type)] when known
    (one model per runner).  No status."""
    spec: Obj = {"bentoTag": f"{repo}:{version}", "downloadUrl": download_url, "image": image}
    if runners is not None:
        spec["runners"] = [{"name": r, "runnableType": t, "modelTags": [f"{r}:{version[:8]}"]} for r, t in runners]
        spec["models"] = [{"tag": f"{r}:{version[:8]}", "size": "418Mi"} for r, _ in runners]
        spec["context"] = {"bentomlVersion": BENTOML_VERSION}
    return {
        "apiVersion": BENTO_API,
        "kind": "BentoRequest",
        "metadata": f.meta(name, namespace, age=age, labels={L_BENTO_REPOSITORY: repo, L_BENTO: version}),
        "spec": spec,
    }


def bento_request_built(ts: str) -> Obj:
    """The status of a BentoRequest whose image exists and whose Bento was generated."""
    return {
        "conditions": [
            condition("ImageExists", "True", "Reconciling", "Image exists", ts),
            condition("BentoAvailable", "True", "Reconciling", "Bento is generated", ts),
        ],
        "imageBuilderPodStatus": {"phase": "Succeeded"},
    }


def bento_request_build_failed(builder_pod: str, message: str, ts: str) -> Obj:
    """The status of a BentoRequest whose image builder pod failed with ``message``."""
    return {
        "conditions": [
            condition("ImageExists", "False", "Reconciling", f"Image builder pod {builder_pod} failed", ts),
            condition(
                "BentoAvailable", "False", "Reconciling", "Image build failed: see the image builder pod logs", ts
            ),
        ],
        "imageBuilderPodStatus": {"phase": "Failed", "reason": "Error", "message": message},
    }


def bento_request_building(ts: str) -> Obj:
    """The status of a BentoRequest whose image is being built."""
    return {
        "conditions": [
            condition("ImageExists", "False", "Reconciling", "Image is building", ts),
            condition("BentoAvailable", "False", "Reconciling", "Waiting for the image", ts),
        ],
        "imageBuilderPodStatus": {"phase": "Running"},
    }


def bento(f: Factory, br: Obj, *, age: float) -> Obj:
    """The Bento a built BentoRequest produced (same name; shares its runners and models)."""
    md, spec = br["metadata"], br["spec"]
    return {
        "apiVersion": BENTO_API,
        "kind": "Bento",
        "metadata": f.meta(md["name"], md["namespace"], age=age, owner=br, labels=md["labels"]),
        "spec": {
            "tag": spec["bentoTag"],
            "image": spec["image"],
            "runners": spec["runners"],
            "models": spec["models"],
            "context": dict(spec["context"]),
        },
        "status": {"ready": True},
    }


def image_builder_pod_name(f: Factory) -> str:
    return f"yatai-bento-image-builder-{f.xid()}"


def image_builder_pod(
    f: Factory, br: Obj, name: str, *, node: str, age: float, state: str, message: str = "", exit_code: int = 1
) -> Obj:
    """The buildkit pod building a BentoRequest's image (``state`` as for Factory.pod_status)."""
    md = br["metadata"]
    pod: Obj = {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": f.meta(
            name, md["namespace"], age=age, owner=br, labels={"yatai.ai/is-bento-image-builder": "true", **md["labels"]}
        ),
        "spec": {
            "restartPolicy": "Never",
            "serviceAccountName": "yatai-image-builder",
            "nodeName": node,
            "schedulerName": "default-scheduler",
            "containers": [
                {
                    "name": "builder",
                    "image": "quay.io/bentoml/buildkit:master-rootless",
                    "args": ["build", "--frontend", "dockerfile.v0"],
                    "resources": {"requests": {"cpu": "1", "memory": "2Gi"}, "limits": {"cpu": "4", "memory": "8Gi"}},
                }
            ],
        },
    }
    pod["status"] = f.pod_status(pod, node=node, age=age, state=state, message=message, exit_code=exit_code)
    return pod


# ----------------------------------------------------------------------------
# BentoDeployments (yatai-deployment)
# ----------------------------------------------------------------------------


def bento_deployment(
    f: Factory,
    name: str,
    namespace: str,
    *,
    bento: str,
    runners: list[str],
    gpus: int,
    age: float,
    labels: dict[str, str] | None = None,
) -> Obj:
    """A BentoDeployment of ``bento`` (autoscaled 1-3 on CPU, each runner 1-2, with ``gpus``
    GPUs per runner).  No status."""
    return {
        "apiVersion": BD_API,
        "kind": "BentoDeployment",
        "metadata": f.meta(name, namespace, age=age, labels=labels, generation=1),
        "spec": {
            "bento": bento,
            "autoscaling": {
                "minReplicas": 1,
                "maxReplicas": 3,
                "metrics": [
                    {
                        "type": "Resource",
                        "resource": {"name": "cpu", "target": {"type": "Utilization", "averageUtilization": 80}},
                    }
                ],
            },
            "resources": {"requests": {"cpu": "500m", "memory": "1Gi"}, "limits": {"cpu": "2", "memory": "2Gi"}},
            "runners": [
                {
                    "name": r,
                    "autoscaling": {"minReplicas": 1, "maxReplicas": 2},
                    # Yatai's own resource shape: "gpu", not nvidia.com/gpu.
                    "resources": {
                        "requests": {"cpu": "1", "memory": "4Gi", **({"gpu": str(gpus)} if gpus else {})},
                        "limits": {"cpu": "4", "memory": "8Gi", **({"gpu": str(gpus)} if gpus else {})},
                    },
                }
                for r in runners
            ],
            "ingress": {"enabled": False},
        },
    }


def bento_deployment_available(name: str, ts: str) -> Obj:
    return {
        "conditions": [
            condition("Available", "True", "Reconciling", "Reconciling", ts),
            condition("BentoFound", "True", "Reconciling", "Bento found", ts),
        ],
        "podSelector": {L_BD: name},
    }


def bento_deployment_bento_unavailable(name: str, namespace: str, bento_request: str, ts: str) -> Obj:
    """yatai-deployment failing to reconcile: the BentoRequest's image build failed."""
    msg = (
        f"Failed to reconcile BentoDeployment: BentoRequest {namespace}/{bento_request} "
        "is not available: Image build failed: see the image builder pod logs"
    )
    return {
        "conditions": [
            condition("Available", "False", "Reconciling", msg, ts),
            condition("BentoFound", "False", "Reconciling", "Bento not found", ts),
            condition("BentoRequestFound", "True", "Reconciling", "Bento not found", ts),
        ],
        "podSelector": {L_BD: name},
    }


def bento_component(
    f: Factory,
    bd: Obj,
    *,
    runner: str | None,
    repo: str,
    version: str,
    image: str,
    age: float,
    node: str,
    pod_age: float,
) -> dict[str, Obj]:
    """The api-server (``runner`` None) or one runner of a BentoDeployment, running
    ``repo:version`` from ``image``: its Deployment, ReplicaSet, one ready Pod on ``node`` and
    its Service.  Returns {"deployment", "replicaset", "pod", "service", "all"}."""
    md, spec = bd["metadata"], bd["spec"]
    name, ns = md["name"], md["namespace"]
    labels = {
        L_BD: name,
        L_BENTO_REPOSITORY: repo,
        "yatai.ai/bento-version": version,
        "yatai.ai/creator": "yatai-deployment",
        "yatai.ai/bento-deployment-target-type": "production",
    }
    gpus = False
    if runner:
        index, runner_spec = next((i, r) for i, r in enumerate(spec["runners"]) if r["name"] == runner)
        kube_name = f"{name}-runner-{index}"
        labels[L_BD_COMPONENT_TYPE] = "runner"
        labels[L_BD_COMPONENT_NAME] = runner
        res = yatai_to_kube_resources(runner_spec["resources"])
        gpus = "gpu" in runner_spec["resources"].get("limits", {})
    else:
        kube_name = name
        labels[L_BD_COMPONENT_TYPE] = "api-server"
        res = spec["resources"]
    pod_spec: Obj = {
        "containers": [
            {
                "name": "main",
                "image": image,
                "env": bento_env(runner),
                "ports": [{"containerPort": 3000, "name": "http", "protocol": "TCP"}],
                "resources": json.loads(json.dumps(res)),
                "readinessProbe": {"httpGet": {"path": "/readyz", "port": "http"}, "periodSeconds": 10},
                "livenessProbe": {"httpGet": {"path": "/livez", "port": "http"}, "periodSeconds": 10},
            }
        ],
        "restartPolicy": "Always",
        "schedulerName": "default-scheduler",
        "serviceAccountName": "default",
        "terminationGracePeriodSeconds": 30,
    }
    if gpus:
        pod_spec["tolerations"] = [{"key": GPU, "operator": "Exists", "effect": "NoSchedule"}]
    dep = f.deployment(
        ns,
        kube_name,
        labels=labels,
        pod_spec=pod_spec,
        replicas=1,
        age=age,
        owner=bd,
        ready=1,
        selector={
            L_BD: name,
            L_BD_COMPONENT_TYPE: labels[L_BD_COMPONENT_TYPE],
            **({L_BD_COMPONENT_NAME: runner} if runner else {}),
        },
    )
    rs = f.replicaset(dep, age=age, ready=1)
    pod = f.pod(rs, node=node, age=pod_age, state="running")
    svc_name = kube_name if not runner else f"{name}-runner-{f.hex(32)}"
    svc = f.service(
        ns,
        svc_name,
        labels=labels,
        selector=dep["spec"]["selector"]["matchLabels"],
        ports=[{"name": "http", "port": 3000, "protocol": "TCP", "targetPort": "http"}],
        owner=bd,
        age=age,
    )
    return {"deployment": dep, "replicaset": rs, "pod": pod, "service": svc, "all": [dep, rs, pod, svc]}
