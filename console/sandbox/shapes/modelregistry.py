"""Kubeflow Model Registry: a ModelRegistry as the model-registry-operator reports it, and the
REST proxy Deployment and Service the operator creates for it.

Functions of their arguments (plus a :class:`~inference_console.sandbox.shapes.core.Factory`
for uids and ages).
"""

from __future__ import annotations

from .core import Factory, Obj, condition

MR_API = "modelregistry.opendatahub.io/v1beta1"


def model_registry(f: Factory, name: str, namespace: str, *, age: float, db_secret: str) -> Obj:
    """An available ModelRegistry backed by PostgreSQL (host and password Secret ``db_secret``)."""
    return {
        "apiVersion": MR_API,
        "kind": "ModelRegistry",
        "metadata": f.meta(
            name,
            namespace,
            age=age,
            generation=1,
            labels={
                "app.kubernetes.io/name": "modelregistry",
                "app.kubernetes.io/instance": name,
                "app.kubernetes.io/part-of": "model-registry-operator",
                "app.kubernetes.io/created-by": "model-registry-operator",
            },
        ),
        "spec": {
            "grpc": {"port": 9090},
            "rest": {"port": 8080, "serviceRoute": "disabled"},
            "postgres": {
                "host": db_secret,
                "database": "model-registry",
                "port": 5432,
                "username": "modelregistryuser",
                "passwordSecret": {"name": db_secret, "key": "database-password"},
            },
        },
        "status": {
            "conditions": [
                condition(
                    "Available",
                    "True",
                    "CreatedDeployment",
                    f"Deployment for ModelRegistry {name} is available",
                    f.ts(age - 200),
                ),
            ],
            "hosts": [f"{name}.{namespace}.svc.cluster.local", f"{name}.{namespace}", name],
            "hostsStr": f"{name}.{namespace}.svc.cluster.local,{name}.{namespace},{name}",
        },
    }


def model_registry_server(f: Factory, mr: Obj, *, age: float, node: str, pod_age: float) -> list[Obj]:
    """The registry's REST server: Deployment, ReplicaSet, one ready Pod on ``node``, Service."""
    name, ns = mr["metadata"]["name"], mr["metadata"]["namespace"]
    labels = {
        "app": name,
        "component": "model-registry",
        "app.kubernetes.io/name": name,
        "app.kubernetes.io/component": "model-registry",
        "app.kubernetes.io/part-of": "model-registry-operator",
    }
    pod_spec = {
        "containers": [
            {
                "name": "rest-container",
                "image": "quay.io/opendatahub/model-registry:v0.2.10",
                "args": ["proxy", "--hostname=0.0.0.0", "--port=8080", "--mlmd-hostname=localhost", "--mlmd-port=9090"],
                "ports": [{"containerPort": 8080, "name": "http-api", "protocol": "TCP"}],
                "resources": {
                    "requests": {"cpu": "100m", "memory": "256Mi"},
                    "limits": {"cpu": "100m", "memory": "256Mi"},
                },
            }
        ],
        "restartPolicy": "Always",
        "schedulerName": "default-scheduler",
        "serviceAccountName": name,
    }
    dep = f.deployment(
        ns,
        name,
        labels=labels,
        pod_spec=pod_spec,
        replicas=1,
        age=age,
        owner=mr,
        ready=1,
        selector={"component": "model-registry", "app": name},
    )
    rs = f.replicaset(dep, age=age, ready=1)
    pod = f.pod(rs, node=node, age=pod_age, state="running")
    svc = f.service(
        ns,
        name,
        labels=labels,
        selector={"component": "model-registry", "app": name},
        ports=[
            {"name": "http-api", "port": 8080, "protocol": "TCP", "targetPort": 8080},
            {"name": "grpc-api", "port": 9090, "protocol": "TCP", "targetPort": 9090},
        ],
        owner=mr,
        age=age,
    )
    return [dep, rs, pod, svc]
