"""Takeoff (TitanML / Doubleword): InferenceStacks and what the inference-stack Helm chart
renders for them (a gateway and one reader per application: ConfigMap, Deployment, pods,
Service).

Labels and names follow titanml/helm-charts' inference-stack ``_helpers.tpl``; values are
deep-merged as the chart does.  Functions of their arguments (plus a
:class:`~inference_console.sandbox.shapes.core.Factory` for uids and ages).
"""

from __future__ import annotations

import json
from typing import Any

from .core import GPU, Factory, Obj

STACK_API = "doublewordai.co/v1alpha1"

L_INSTANCE = "app.kubernetes.io/instance"
L_APP_COMPONENT = "app.kubernetes.io/component"


def _takeoff_ports() -> list[Obj]:
    return [
        {"containerPort": p, "name": n, "protocol": "TCP"}
        for p, n in ((3000, "inference"), (3001, "management"), (3003, "openai"), (3005, "internal"))
    ]


def stack_fullname(stack: str) -> str:
    """The chart's fullname for a release (the InferenceStack's name)."""
    return stack if "inference-stack" in stack else f"{stack}-inference-stack"


def stack_labels(stack: str) -> dict[str, str]:
    return {
        "helm.sh/chart": "inference-stack-0.5.0",
        "app.kubernetes.io/name": "inference-stack",
        L_INSTANCE: stack,
        "app.kubernetes.io/version": "0.22.0",
        "app.kubernetes.io/managed-by": "Helm",
    }


def stack_reader_labels(stack: str, app: str) -> tuple[dict[str, str], dict[str, str]]:
    """(labels, selector) of one reader (application) of a stack."""
    comp = f"application-{app}"
    return (
        {L_APP_COMPONENT: comp, **stack_labels(stack)},
        {L_APP_COMPONENT: comp, "app.kubernetes.io/name": "inference-stack", L_INSTANCE: stack},
    )


def stack_reader_config(full: str, app: str, reader_config: Obj) -> dict[str, str]:
    """The data of a reader's ConfigMap (Takeoff's config.yaml)."""
    cfg = "\n".join(
        f"      {_snake(k)}: {v}" for k, v in sorted({**reader_config, "internalGatewayIp": f"{full}-gateway"}.items())
    )
    return {
        "config.yaml": f"takeoff:\n  server_config:\n    internal_port: 3005\n  readers_config:\n    {app}:\n{cfg}\n"
    }


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
        "initContainers": [
            {
                "name": "models-cache-manager",
                "image": "busybox",
                "command": ["sh", "-c", "chmod -R 777 /models"],
                "volumeMounts": [{"mountPath": "/models", "name": "models"}],
            }
        ],
        "containers": [
            {
                "name": f"{full}-{app}",
                "image": stack_reader_image(values),
                "imagePullPolicy": "IfNotPresent",
                "env": [
                    {"name": "TAKEOFF_ADD_READER_ID_SUFFIX", "value": "true"},
                    {"name": "TAKEOFF_HEADLESS", "value": "true"},
                ],
                "ports": _takeoff_ports(),
                "resources": stack_reader_resources(values),
                "volumeMounts": [
                    {"name": "config", "mountPath": "/code/config.yaml", "subPath": "config.yaml"},
                    {"name": "dshm", "mountPath": "/dev/shm"},
                    {"name": "models", "mountPath": "/code/models"},
                ],
            }
        ],
        "volumes": [
            {"name": "config", "configMap": {"name": f"{full}-{app}"}},
            {"name": "dshm", "emptyDir": {"medium": "Memory"}},
            {"name": "models", "emptyDir": {"medium": "Memory"}},
        ],
        "restartPolicy": "Always",
        "schedulerName": "default-scheduler",
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


def _snake(key: str) -> str:
    out = []
    for ch in key:
        if ch.isupper():
            out.append("_" + ch.lower())
        else:
            out.append(ch)
    return "".join(out)


def stack_spec(applications: dict[str, Obj]) -> Obj:
    """An InferenceStack spec in the shape of the chart sample (charts_v1alpha1_inference_stack)."""
    ports = _takeoff_ports()
    service = {
        "ports": [
            {"name": "http", "port": 80, "protocol": "TCP", "targetPort": "openai"},
            {"name": "management", "port": 3001, "protocol": "TCP"},
            {"name": "inference", "port": 3000, "protocol": "TCP"},
            {"name": "internal", "port": 3005, "protocol": "TCP"},
        ],
        "type": "ClusterIP",
    }
    return {
        "applicationTemplate": {
            "image": {"pullPolicy": "IfNotPresent", "repository": "tytn/takeoff-pro", "tag": "0.22.0-gpu"},
            "ports": ports,
            "readerConfig": {"consumerGroup": "primary", "device": "cpu", "modelName": "TitanML/dummy_model"},
            "replicaCount": 1,
            "resources": {},
            "scaling": {"enabled": False},
            "service": service,
            "volumeMounts": [],
            "volumes": [],
            "tolerations": [],
            "nodeSelector": {},
        },
        "applications": {app: dict(values) for app, values in applications.items()},
        "gateway": {
            "exportPrometheusMetrics": True,
            "image": {"pullPolicy": "IfNotPresent", "repository": "tytn/takeoff-pro", "tag": "0.22.0-cpu"},
            "ports": ports,
            "replicaCount": 1,
            "service": service,
            "ingress": {"enabled": False, "className": "", "annotations": {}, "hosts": [], "tls": []},
        },
        "imagePullSecrets": [],
        "serviceAccount": {"annotations": {}, "automount": True, "create": True, "name": ""},
    }


def inference_stack(f: Factory, name: str, namespace: str, *, age: float, applications: dict[str, Obj]) -> Obj:
    """An InferenceStack installed by the Helm operator, every reader ready."""
    readers = sum(v.get("replicaCount", 1) for v in applications.values())
    return {
        "apiVersion": STACK_API,
        "kind": "InferenceStack",
        "metadata": f.meta(name, namespace, age=age, generation=1),
        "spec": stack_spec(applications),
        "status": {
            "conditions": [
                {"type": "Initialized", "status": "True", "lastTransitionTime": f.ts(age)},
                {
                    "type": "Deployed",
                    "status": "True",
                    "reason": "InstallSuccessful",
                    "message": "Takeoff inference stack deployed.",
                    "lastTransitionTime": f.ts(age - 60),
                },
            ],
            "deployedRelease": {"name": name},
            "readers": readers,
            "readyReaders": readers,
        },
    }


def stack_gateway(f: Factory, stack: Obj, *, node: str, age: float) -> list[Obj]:
    """The chart's gateway for ``stack``: ConfigMap, Deployment, ReplicaSet, one ready Pod on
    ``node`` and the Service (the stack's OpenAI endpoint)."""
    name, ns = stack["metadata"]["name"], stack["metadata"]["namespace"]
    full = stack_fullname(name)
    labels = {L_APP_COMPONENT: "gateway", **stack_labels(name)}
    selector = {L_APP_COMPONENT: "gateway", "app.kubernetes.io/name": "inference-stack", L_INSTANCE: name}
    cm = f.config_map(
        ns,
        f"{full}-gateway",
        age=age,
        labels=labels,
        owner=stack,
        data={"config.yaml": "takeoff:\n  server_config:\n    internal_port: 3005\n  readers_config:\n"},
    )
    pod_spec = {
        "serviceAccountName": full,
        "containers": [
            {
                "name": f"{full}-gateway",
                "image": "tytn/takeoff-pro:0.22.0-cpu",
                "imagePullPolicy": "IfNotPresent",
                "env": [{"name": "TAKEOFF_ADD_READER_ID_SUFFIX", "value": "true"}],
                "ports": _takeoff_ports(),
                "volumeMounts": [{"name": "config", "mountPath": "/code/config.yaml", "subPath": "config.yaml"}],
            }
        ],
        "volumes": [{"name": "config", "configMap": {"name": f"{full}-gateway"}}],
        "restartPolicy": "Always",
        "schedulerName": "default-scheduler",
    }
    dep = f.deployment(
        ns,
        f"{full}-gateway",
        labels=labels,
        pod_spec=pod_spec,
        replicas=1,
        age=age,
        owner=stack,
        ready=1,
        selector=selector,
    )
    rs = f.replicaset(dep, age=age, ready=1)
    pod = f.pod(rs, node=node, age=age, state="running")
    svc = f.service(
        ns,
        f"{full}-gateway",
        labels=labels,
        selector=selector,
        ports=[
            {"name": "http", "port": 80, "protocol": "TCP", "targetPort": "openai"},
            {"name": "management", "port": 3001, "protocol": "TCP", "targetPort": 3001},
            {"name": "inference", "port": 3000, "protocol": "TCP", "targetPort": 3000},
            {"name": "internal", "port": 3005, "protocol": "TCP", "targetPort": 3005},
        ],
        owner=stack,
        age=age,
    )
    return [cm, dep, rs, pod, svc]


def stack_reader(
    f: Factory, stack: Obj, app: str, values: Obj, *, node: str, age: float, pod_age: float
) -> dict[str, Any]:
    """One reader (application) of ``stack`` with its merged ``values``: ConfigMap, Deployment,
    ReplicaSet and one ready Pod on ``node``.  Returns {"configmap", "deployment",
    "replicaset", "pod", "all"}."""
    name, ns = stack["metadata"]["name"], stack["metadata"]["namespace"]
    full = stack_fullname(name)
    labels, selector = stack_reader_labels(name, app)
    cm = f.config_map(
        ns,
        f"{full}-{app}",
        age=age,
        labels=labels,
        owner=stack,
        data=stack_reader_config(full, app, values["readerConfig"]),
    )
    replicas = values.get("replicaCount", 1)
    dep = f.deployment(
        ns,
        f"{full}-{app}",
        labels=labels,
        pod_spec=stack_reader_pod_spec(full, app, values),
        replicas=replicas,
        age=age,
        owner=stack,
        ready=replicas,
        selector=selector,
    )
    rs = f.replicaset(dep, age=age, ready=1)
    pod = f.pod(rs, node=node, age=pod_age, state="running")
    return {"configmap": cm, "deployment": dep, "replicaset": rs, "pod": pod, "all": [cm, dep, rs, pod]}
