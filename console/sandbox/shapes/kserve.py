"""KServe: InferenceServices, their predictors (RawDeployment and Serverless revisions) and
the statuses the KServe controller reports.

Labels, annotations and pod specs follow kserve/pkg/constants and what KServe v0.14 creates;
the runtime images are those of its ClusterServingRuntimes.  Functions of their arguments
(plus a :class:`~inference_console.sandbox.shapes.core.Factory` for uids and ages).
"""

from __future__ import annotations

from typing import Any

from inference_console.catalog.kinds.inferenceservice import STOP_ANNOTATION

from .core import GPU, Factory, Obj

KSERVE_VERSION = "v0.14.1"
INGRESS_DOMAIN = "example.com"
ISVC_API = "serving.kserve.io/v1beta1"

L_ISVC = "serving.kserve.io/inferenceservice"
L_COMPONENT = "component"
DEPLOYMENT_MODE_ANNOTATION = "serving.kserve.io/deploymentMode"
STORAGE_URI_ANNOTATION = "serving.kserve.io/storage-initializer-sourceuri"

RUNTIMES = {
    # format -> (ClusterServingRuntime, image)
    "huggingface": ("kserve-huggingfaceserver", f"kserve/huggingfaceserver:{KSERVE_VERSION}-gpu"),
    "sklearn": ("kserve-sklearnserver", f"kserve/sklearnserver:{KSERVE_VERSION}"),
    "xgboost": ("kserve-xgbserver", f"kserve/xgbserver:{KSERVE_VERSION}"),
    "onnx": ("kserve-tritonserver", "nvcr.io/nvidia/tritonserver:23.05-py3"),
    "pytorch": ("kserve-torchserve", "pytorch/torchserve-kfs:0.9.0-gpu"),
}

# ----------------------------------------------------------------------------
# The InferenceService
# ----------------------------------------------------------------------------


def model_resources(cpu: str, memory: str, gpus: int) -> Obj:
    """Equal requests and limits (Guaranteed QoS), with ``gpus`` NVIDIA GPUs if any."""
    resources = {"requests": {"cpu": cpu, "memory": memory}, "limits": {"cpu": cpu, "memory": memory}}
    if gpus:
        resources["requests"][GPU] = str(gpus)
        resources["limits"][GPU] = str(gpus)
    return resources


def predictor_spec(
    fmt: str,
    storage_uri: str,
    *,
    cpu: str,
    memory: str,
    gpus: int,
    min_replicas: int,
    max_replicas: int,
    runtime: str | None = None,
    args: list[str] | None = None,
    protocol_version: str | None = None,
    canary_percent: int | None = None,
    service_account: str | None = None,
) -> Obj:
    """``spec.predictor`` with a ``model`` of format ``fmt``."""
    model: Obj = {
        "modelFormat": {"name": fmt},
        "storageUri": storage_uri,
        "resources": model_resources(cpu, memory, gpus),
    }
    if runtime:
        model["runtime"] = runtime
    if args:
        model["args"] = list(args)
    if protocol_version:
        model["protocolVersion"] = protocol_version
    predictor: Obj = {"minReplicas": min_replicas, "maxReplicas": max_replicas}
    if canary_percent is not None:
        predictor["canaryTrafficPercent"] = canary_percent
    predictor["model"] = model
    if service_account:
        predictor["serviceAccountName"] = service_account
    return predictor


def inference_service(
    f: Factory,
    name: str,
    namespace: str,
    *,
    age: float,
    predictor: Obj,
    mode: str = "RawDeployment",
    labels: dict[str, str] | None = None,
    annotations: dict[str, str] | None = None,
    stopped: bool = False,
    generation: int = 1,
) -> Obj:
    """An InferenceService without status; ``stopped`` sets the stop annotation."""
    ann = {DEPLOYMENT_MODE_ANNOTATION: mode, **(annotations or {})}
    if stopped:
        ann[STOP_ANNOTATION] = "true"
    return {
        "apiVersion": ISVC_API,
        "kind": "InferenceService",
        "metadata": f.meta(name, namespace, age=age, annotations=ann, generation=generation, labels=labels),
        "spec": {"predictor": predictor},
    }


# ----------------------------------------------------------------------------
# Statuses the KServe controller reports
# ----------------------------------------------------------------------------


def _cond(type_: str, status: str, ts: str, reason: str = "", message: str = "", severity: str = "") -> Obj:
    c: Obj = {"type": type_, "status": status, "lastTransitionTime": ts}
    if reason:
        c["reason"] = reason
    if message:
        c["message"] = message
    if severity:
        c["severity"] = severity
    return c


def isvc_urls(name: str, ns: str) -> tuple[str, str]:
    return (f"http://{name}-{ns}.{INGRESS_DOMAIN}", f"http://{name}-predictor.{ns}.svc.cluster.local")


def isvc_model_status(state: str, copies: int = 1, failure: Obj | None = None) -> Obj:
    if state == "loaded":
        return {
            "copies": {"failedCopies": 0, "totalCopies": copies},
            "states": {"activeModelState": "Loaded", "targetModelState": "Loaded"},
            "transitionStatus": "UpToDate",
        }
    if state == "failed":
        ms: Obj = {
            "copies": {"failedCopies": copies, "totalCopies": copies},
            "states": {"activeModelState": "", "targetModelState": "FailedToLoad"},
            "transitionStatus": "BlockedByFailedLoad",
        }
        if failure:
            ms["lastFailureInfo"] = failure
        return ms
    if state == "pending":
        return {
            "copies": {"failedCopies": 0, "totalCopies": 0},
            "states": {"activeModelState": "Pending", "targetModelState": "Loading"},
            "transitionStatus": "InProgress",
        }
    # stopped
    return {
        "copies": {"failedCopies": 0, "totalCopies": 0},
        "states": {"activeModelState": "", "targetModelState": ""},
        "transitionStatus": "UpToDate",
    }


def isvc_status_raw(
    name: str,
    ns: str,
    *,
    ts: str,
    ready: bool,
    runtime: str,
    replicas: int = 1,
    reason: str = "",
    message: str = "",
    model: str = "loaded",
    failure: Obj | None = None,
) -> Obj:
    url, addr = isvc_urls(name, ns)
    pred = "True" if ready else "False"
    conds = [
        _cond("IngressReady", "True", ts),
        _cond("PredictorReady", pred, ts, reason if not ready else "", message if not ready else ""),
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


def isvc_canary_status(
    name: str,
    ns: str,
    *,
    prev_rev: str | None,
    latest_rev: str,
    latest_created: str | None = None,
    percent: int | None,
    ts: str,
    runtime: str,
    copies: int = 1,
    observed_generation: int = 1,
) -> Obj:
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
        pred["traffic"] = [
            {
                "latestRevision": True,
                "percent": 100,
                "revisionName": latest_rev,
                "tag": "latest",
                "url": f"http://latest-{base}",
            }
        ]
    else:
        pred["latestRolledoutRevision"] = prev_rev
        pred["previousRolledoutRevision"] = prev_rev
        pred["traffic"] = [
            {
                "latestRevision": False,
                "percent": 100 - percent,
                "revisionName": prev_rev,
                "tag": "prev",
                "url": f"http://prev-{base}",
            },
            {
                "latestRevision": True,
                "percent": percent,
                "revisionName": latest_rev,
                "tag": "latest",
                "url": f"http://latest-{base}",
            },
        ]
    conds = [
        _cond(t, "True", ts)
        for t in (
            "IngressReady",
            "LatestDeploymentReady",
            "PredictorConfigurationReady",
            "PredictorReady",
            "PredictorRouteReady",
            "Ready",
            "RoutesReady",
        )
    ]
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
# What the controller creates for a predictor
# ----------------------------------------------------------------------------


def isvc_predictor_labels(name: str) -> dict[str, str]:
    """Labels of a RawDeployment predictor's Deployment, pods and Service."""
    return {
        L_ISVC: name,
        L_COMPONENT: "predictor",
        "app": f"isvc.{name}-predictor",
        "app.kubernetes.io/part-of": "model-serving",
    }


def isvc_pod_annotations(storage_uri: str) -> dict[str, str]:
    return {
        STORAGE_URI_ANNOTATION: storage_uri,
        "prometheus.kserve.io/port": "8080",
        "prometheus.kserve.io/path": "/metrics",
    }


def predictor_pod_spec(
    name: str,
    fmt: str,
    storage_uri: str,
    gpus: int,
    cpu: str,
    memory: str,
    image: str,
    args: list[str] | None = None,
    serverless: bool = False,
) -> Obj:
    """The pod spec KServe gives a predictor (storage-initializer, modelcar, queue-proxy)."""
    resources = model_resources(cpu, memory, gpus)
    cargs = [f"--model_name={name}", "--model_dir=/mnt/models"] if fmt in ("huggingface", "sklearn", "xgboost") else []
    if fmt == "huggingface" and gpus:
        cargs.append("--backend=vllm")
    cargs += args or []
    container: Obj = {
        "name": "kserve-container",
        "image": image,
        "args": cargs,
        "env": [{"name": "PORT", "value": "8080"}, {"name": "MODEL_NAME", "value": name}],
        "ports": [{"containerPort": 8080, "name": "http1" if serverless else "http", "protocol": "TCP"}],
        "resources": resources,
        "volumeMounts": [{"name": "kserve-provision-location", "mountPath": "/mnt/models", "readOnly": True}],
        "terminationMessagePath": "/dev/termination-log",
        "terminationMessagePolicy": "FallbackToLogsOnError",
        "imagePullPolicy": "IfNotPresent",
    }
    if fmt == "huggingface":
        container["env"].append(
            {
                "name": "HF_TOKEN",
                "valueFrom": {"secretKeyRef": {"name": "hf-token", "key": "HF_TOKEN", "optional": True}},
            }
        )
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
        claim, _, _ = storage_uri[len("pvc://") :].partition("/")
        spec["volumes"] = [
            {"name": "kserve-pvc-source", "persistentVolumeClaim": {"claimName": claim, "readOnly": True}}
        ]
        container["volumeMounts"] = [{"name": "kserve-pvc-source", "mountPath": "/mnt/pvc", "readOnly": True}]
    elif scheme == "oci":
        spec["containers"].append(
            {
                "name": "modelcar",
                "image": storage_uri[len("oci://") :],
                "args": ["sh", "-c", "ln -s /proc/$$$$/root/models /mnt/ && sleep infinity"],
                "resources": {"requests": {"cpu": "10m", "memory": "15Mi"}, "limits": {"cpu": "10m", "memory": "15Mi"}},
                "volumeMounts": [{"name": "kserve-provision-location", "mountPath": "/mnt"}],
            }
        )
    else:
        spec["initContainers"] = [
            {
                "name": "storage-initializer",
                "image": f"kserve/storage-initializer:{KSERVE_VERSION}",
                "args": [storage_uri, "/mnt/models"],
                "resources": {"requests": {"cpu": "100m", "memory": "100Mi"}, "limits": {"cpu": "1", "memory": "1Gi"}},
                "volumeMounts": [{"name": "kserve-provision-location", "mountPath": "/mnt/models"}],
                "terminationMessagePolicy": "FallbackToLogsOnError",
            }
        ]
    if serverless:
        spec["containers"].append(
            {
                "name": "queue-proxy",
                "image": "gcr.io/knative-releases/knative.dev/serving/cmd/queue:v1.15.2",
                "ports": [
                    {"containerPort": 8022, "name": "http-queueadm", "protocol": "TCP"},
                    {"containerPort": 9090, "name": "http-autometric", "protocol": "TCP"},
                    {"containerPort": 9091, "name": "http-usermetric", "protocol": "TCP"},
                    {"containerPort": 8012, "name": "queue-port", "protocol": "TCP"},
                ],
                "resources": {"requests": {"cpu": "25m"}},
            }
        )
    if not spec["tolerations"]:
        del spec["tolerations"]
    return spec


def predictor_deployment(
    f: Factory, isvc: Obj, *, pod_spec: Obj, pod_annotations: dict[str, str], replicas: int, ready: int, age: float
) -> Obj:
    """The Deployment of a RawDeployment predictor."""
    name, ns = isvc["metadata"]["name"], isvc["metadata"]["namespace"]
    return f.deployment(
        ns,
        f"{name}-predictor",
        labels=isvc_predictor_labels(name),
        pod_spec=pod_spec,
        replicas=replicas,
        age=age,
        owner=isvc,
        ready=ready,
        selector={"app": f"isvc.{name}-predictor"},
        pod_annotations=pod_annotations,
    )


def predictor_service(f: Factory, isvc: Obj, *, age: float) -> Obj:
    """The Service in front of a RawDeployment predictor."""
    name, ns = isvc["metadata"]["name"], isvc["metadata"]["namespace"]
    return f.service(
        ns,
        f"{name}-predictor",
        labels=isvc_predictor_labels(name),
        selector={"app": f"isvc.{name}-predictor"},
        ports=[{"name": f"{name}-predictor", "port": 80, "protocol": "TCP", "targetPort": 8080}],
        owner=isvc,
        age=age,
    )


def canary_revision_objects(
    f: Factory,
    isvc: Obj,
    rev: int,
    storage_uri: str,
    image: str,
    *,
    replicas: int,
    age: float,
    node: str,
    state: str = "running",
) -> dict[str, Any]:
    """Deployment, ReplicaSet, Pods and Service of one Serverless predictor revision."""
    name = isvc["metadata"]["name"]
    ns = isvc["metadata"]["namespace"]
    rev_name = revision_name(name, rev)
    model = isvc["spec"]["predictor"]["model"]
    res = model["resources"]
    labels = {
        L_ISVC: name,
        L_COMPONENT: "predictor",
        "app": rev_name,
        "serving.knative.dev/configuration": f"{name}-predictor",
        "serving.knative.dev/configurationGeneration": str(rev),
        "serving.knative.dev/revision": rev_name,
        "serving.knative.dev/service": f"{name}-predictor",
        "app.kubernetes.io/part-of": "model-serving",
    }
    pod_spec = predictor_pod_spec(
        name,
        "huggingface",
        storage_uri,
        int(res["limits"].get(GPU, 0)),
        res["limits"]["cpu"],
        res["limits"]["memory"],
        image,
        None,
        True,
    )
    dep = f.deployment(
        ns,
        f"{rev_name}-deployment",
        labels=labels,
        pod_spec=pod_spec,
        replicas=replicas,
        age=age,
        owner=isvc,
        ready=replicas if state == "running" else 0,
        selector={"serving.knative.dev/revision-uid": f.uid()},
        pod_annotations={
            "serving.kserve.io/storage-initializer-sourceuri": storage_uri,
            "autoscaling.knative.dev/min-scale": "1",
        },
    )
    dep["spec"]["template"]["metadata"]["labels"]["serving.knative.dev/revision-uid"] = dep["spec"]["selector"][
        "matchLabels"
    ]["serving.knative.dev/revision-uid"]
    rs = f.replicaset(dep, age=age, ready=replicas if state == "running" else 0)
    pods = [f.pod(rs, node=node, age=age, state=state) for _ in range(replicas)]
    svc = f.service(
        ns,
        rev_name,
        labels=labels,
        selector={"app": rev_name},
        ports=[{"name": "http", "port": 80, "protocol": "TCP", "targetPort": 8012}],
        owner=isvc,
        age=age,
    )
    return {"deployment": dep, "replicaset": rs, "pods": pods, "service": svc, "all": [dep, rs, *pods, svc]}
