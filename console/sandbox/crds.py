"""Compact CustomResourceDefinitions installed by the demo sandbox.

The real CRDs (shared/fixtures/crds) are not shipped with the app and some are
megabytes long.  These keep exactly what a client sees of them -- names, group,
scope, served/storage versions, shortNames, printer columns, the status
subresource -- and a *structural* schema that is a compact subset of the real one:
the fields the demo seeds (scenario.py, shapes/) and the fields the console edits
(actions/patches.py, actions/registry.py, the catalog's quick actions), with their
real types, formats, enums, patterns and int-or-string markers.  Where the real CRD
leaves a subtree open (``x-kubernetes-preserve-unknown-fields``: InferenceService
status, InferenceStack spec/status) so does the demo; everywhere else the demo's API
server prunes what is not declared (an error with ``fieldValidation=Strict``) and
refuses bad values with the same 422 a real cluster gives.  A field the real CRD has
but the demo does not declare is pruned by the demo where a real cluster would keep it.

``tests/unit/test_sandbox_crds.py`` checks each against the real fixture: every node
the demo declares exists in the real schema with the same type/format/enum/pattern,
so the demo cannot invent fields, and every seeded object validates strictly.
"""

from __future__ import annotations

import copy
from typing import Any

Schema = dict[str, Any]

# --- schema building blocks (each mirrors the real CRD's node) ---------------------------------
STR: Schema = {"type": "string"}
BOOL: Schema = {"type": "boolean"}
INT: Schema = {"type": "integer"}
I32: Schema = {"type": "integer", "format": "int32"}
I64: Schema = {"type": "integer", "format": "int64"}
DATE_TIME: Schema = {"type": "string", "format": "date-time"}
# resource.Quantity as controller-gen writes it
QUANTITY: Schema = {
    "anyOf": [{"type": "integer"}, {"type": "string"}],
    "pattern": r"^(\+|-)?(([0-9]+(\.[0-9]*)?)|(\.[0-9]+))(([KMGTPE]i)|[numkMGTPE]|([eE](\+|-)?"
    r"(([0-9]+(\.[0-9]*)?)|(\.[0-9]+))))?$",
    "x-kubernetes-int-or-string": True,
}
OPEN: Schema = {"type": "object", "x-kubernetes-preserve-unknown-fields": True}


def obj(
    props: dict[str, Schema] | None = None,
    *,
    required: list[str] | None = None,
    values: Schema | None = None,
    open: bool = False,
    **extra: Any,
) -> Schema:
    """An object node: declared ``props``, or a map of ``values``; ``open`` keeps unknown fields."""
    s: Schema = {"type": "object"}
    if props is not None:
        s["properties"] = props
    if values is not None:
        s["additionalProperties"] = values
    if required:
        s["required"] = list(required)
    if open:
        s["x-kubernetes-preserve-unknown-fields"] = True
    s.update(extra)
    return s


def arr(items: Schema, **extra: Any) -> Schema:
    return {"type": "array", "items": items, **extra}


def str_map() -> Schema:
    return obj(values=STR)


def _root(spec: Schema, status: Schema) -> Schema:
    return {
        "type": "object",
        "properties": {"apiVersion": STR, "kind": STR, "metadata": {"type": "object"}, "spec": spec, "status": status},
    }


def _conditions() -> Schema:
    """metav1.Condition (Yatai, Model Registry): all five fields required, status an enum."""
    return arr(
        obj(
            {
                "lastTransitionTime": DATE_TIME,
                "message": STR,
                "observedGeneration": {"type": "integer", "format": "int64", "minimum": 0},
                "reason": STR,
                "status": {"type": "string", "enum": ["True", "False", "Unknown"]},
                "type": STR,
            },
            required=["lastTransitionTime", "message", "reason", "status", "type"],
        )
    )


AGE = {"jsonPath": ".metadata.creationTimestamp", "name": "Age", "type": "date"}


def _version(
    name: str,
    *,
    storage: bool,
    columns: list[dict[str, Any]] | None,
    schema: Schema,
    served: bool = True,
    status: bool = True,
) -> dict[str, Any]:
    v: dict[str, Any] = {
        "name": name,
        "served": served,
        "storage": storage,
        "schema": {"openAPIV3Schema": copy.deepcopy(schema)},
    }
    if status:
        v["subresources"] = {"status": {}}
    if columns:
        v["additionalPrinterColumns"] = copy.deepcopy(columns)
    return v


def _crd(
    *,
    group: str,
    kind: str,
    plural: str,
    singular: str,
    versions: list[dict[str, Any]],
    short_names: list[str] | None = None,
    scope: str = "Namespaced",
) -> dict[str, Any]:
    names: dict[str, Any] = {
        "kind": kind,
        "listKind": f"{kind}List",
        "plural": plural,
        "singular": singular,
    }
    if short_names:
        names["shortNames"] = list(short_names)
    return {
        "apiVersion": "apiextensions.k8s.io/v1",
        "kind": "CustomResourceDefinition",
        "metadata": {"name": f"{plural}.{group}"},
        "spec": {"group": group, "names": names, "scope": scope, "versions": versions},
    }


# --- KServe -----------------------------------------------------------------
# config/crd/full/serving.kserve.io_inferenceservices.yaml
_ISVC_COLUMNS = [
    {"jsonPath": ".status.url", "name": "URL", "type": "string"},
    {"jsonPath": ".status.conditions[?(@.type=='Ready')].status", "name": "Ready", "type": "string"},
    {"jsonPath": ".status.components.predictor.traffic[?(@.tag=='prev')].percent", "name": "Prev", "type": "integer"},
    {
        "jsonPath": ".status.components.predictor.traffic[?(@.latestRevision==true)].percent",
        "name": "Latest",
        "type": "integer",
    },
    {
        "jsonPath": ".status.components.predictor.traffic[?(@.tag=='prev')].revisionName",
        "name": "PrevRolledoutRevision",
        "type": "string",
    },
    {
        "jsonPath": ".status.components.predictor.traffic[?(@.latestRevision==true)].revisionName",
        "name": "LatestReadyRevision",
        "type": "string",
    },
    AGE,
]

_RESOURCES: Schema = obj({"limits": obj(values=QUANTITY), "requests": obj(values=QUANTITY)})


def _predictor_extension(**more: Schema) -> Schema:
    """A predictor's model block (``model`` or a legacy framework key such as ``sklearn``)."""
    return obj(
        {
            "args": arr(STR, **{"x-kubernetes-list-type": "atomic"}),
            "protocolVersion": STR,
            "resources": _RESOURCES,
            "runtimeVersion": STR,
            "storage": obj({"key": STR, "parameters": str_map(), "path": STR, "schemaPath": STR}),
            "storageUri": STR,
            **more,
        }
    )


# Keys of spec.predictor naming a framework (catalog/kinds/inferenceservice.py LEGACY_FRAMEWORKS).
_ISVC_FRAMEWORKS = (
    "sklearn",
    "xgboost",
    "tensorflow",
    "pytorch",
    "triton",
    "onnx",
    "pmml",
    "lightgbm",
    "paddle",
    "huggingface",
)

_ISVC_CONDITION: Schema = obj(
    {
        "lastTransitionTime": STR,
        "message": STR,
        "reason": STR,
        "severity": STR,
        "status": STR,
        "type": STR,
    },
    required=["status", "type"],
)
_MODEL_STATE: Schema = {"type": "string", "enum": ["", "Pending", "Standby", "Loading", "Loaded", "FailedToLoad"]}

ISVC_SCHEMA: Schema = _root(
    obj(
        {
            "predictor": obj(
                {
                    "annotations": str_map(),
                    "canaryTrafficPercent": I64,
                    "containerConcurrency": I64,
                    "labels": str_map(),
                    "maxReplicas": I32,
                    "minReplicas": I32,
                    "model": _predictor_extension(
                        modelFormat=obj({"name": STR, "version": STR}, required=["name"]),
                        runtime=STR,
                    ),
                    "scaleMetric": {"type": "string", "enum": ["cpu", "memory", "concurrency", "rps"]},
                    "scaleTarget": I32,
                    "serviceAccountName": STR,
                    "timeout": I64,
                    **{key: _predictor_extension() for key in _ISVC_FRAMEWORKS},
                }
            )
        },
        required=["predictor"],
    ),
    # Open in the real CRD too (KServe's status is preserve-unknown-fields), with its fields typed.
    obj(
        {
            "address": obj({"url": STR}),
            "clusterServingRuntimeName": STR,
            "components": obj(
                values=obj(
                    {
                        "address": obj({"url": STR}),
                        "latestCreatedRevision": STR,
                        "latestReadyRevision": STR,
                        "latestRolledoutRevision": STR,
                        "previousRolledoutRevision": STR,
                        "traffic": arr(
                            obj({"latestRevision": BOOL, "percent": I64, "revisionName": STR, "tag": STR, "url": STR})
                        ),
                        "url": STR,
                    }
                )
            ),
            "conditions": arr(_ISVC_CONDITION),
            "deploymentMode": STR,
            "modelStatus": obj(
                {
                    "copies": obj({"failedCopies": INT, "totalCopies": INT}, required=["failedCopies"]),
                    "lastFailureInfo": obj(
                        {
                            "exitCode": I32,
                            "location": STR,
                            "message": STR,
                            "modelRevisionName": STR,
                            "reason": {
                                "type": "string",
                                "enum": [
                                    "ModelLoadFailed",
                                    "RuntimeUnhealthy",
                                    "RuntimeDisabled",
                                    "NoSupportingRuntime",
                                    "RuntimeNotRecognized",
                                    "InvalidPredictorSpec",
                                ],
                            },
                            "time": DATE_TIME,
                        }
                    ),
                    "states": obj(
                        {"activeModelState": _MODEL_STATE, "targetModelState": _MODEL_STATE},
                        required=["activeModelState"],
                    ),
                    "transitionStatus": {
                        "type": "string",
                        "enum": ["", "UpToDate", "InProgress", "BlockedByFailedLoad", "InvalidSpec"],
                    },
                },
                required=["transitionStatus"],
            ),
            "observedGeneration": I64,
            "servingRuntimeName": STR,
            "url": STR,
        },
        open=True,
    ),
)

INFERENCE_SERVICE = _crd(
    group="serving.kserve.io",
    kind="InferenceService",
    plural="inferenceservices",
    singular="inferenceservice",
    short_names=["isvc"],
    versions=[_version("v1beta1", storage=True, columns=_ISVC_COLUMNS, schema=ISVC_SCHEMA)],
)

# --- Yatai (BentoML) --------------------------------------------------------
# yatai-deployment config/crd/bases/serving.yatai.ai_bentodeployments.yaml serves four
# versions; v2alpha1 is the storage version (the one the sandbox seeds).
_BD_V1_COLUMNS = [
    {"description": "BentoTag", "jsonPath": ".spec.bento_tag", "name": "Bento", "type": "string"},
    {"description": "Ready", "jsonPath": ".status.printerReady", "name": "Ready", "type": "string"},
    {
        "description": "MinReplicas",
        "jsonPath": ".spec.autoscaling.min_replicas",
        "name": "MinReplicas",
        "type": "integer",
    },
    {
        "description": "MaxReplicas",
        "jsonPath": ".spec.autoscaling.max_replicas",
        "name": "MaxReplicas",
        "type": "integer",
    },
    AGE,
]
_BD_V2_COLUMNS = [
    {"description": "Bento", "jsonPath": ".spec.bento", "name": "Bento", "type": "string"},
    {
        "description": "Available",
        "jsonPath": ".status.conditions[?(@.type=='Available')].status",
        "name": "Available",
        "type": "string",
    },
    AGE,
]

_YATAI_RESOURCE_LIST: Schema = obj({"cpu": STR, "custom": str_map(), "gpu": STR, "memory": STR})
_YATAI_RESOURCES: Schema = obj({"limits": _YATAI_RESOURCE_LIST, "requests": _YATAI_RESOURCE_LIST})
_METRIC_TARGET: Schema = obj(
    {"averageUtilization": I32, "averageValue": QUANTITY, "type": STR, "value": QUANTITY}, required=["type"]
)
_BD_AUTOSCALING: Schema = obj(
    {
        "maxReplicas": I32,
        "metrics": arr(
            obj(
                {
                    "resource": obj({"name": STR, "target": _METRIC_TARGET}, required=["name", "target"]),
                    "type": STR,
                },
                required=["type"],
            )
        ),
        "minReplicas": I32,
    },
    required=["maxReplicas", "minReplicas"],
)
_BD_ENVS: Schema = arr(obj({"name": STR, "value": STR}, required=["name"]))

BD_V2_SCHEMA: Schema = _root(
    obj(
        {
            "annotations": str_map(),
            "autoscaling": _BD_AUTOSCALING,
            "bento": STR,
            "envs": _BD_ENVS,
            "ingress": obj({"annotations": str_map(), "enabled": BOOL, "labels": str_map()}),
            "labels": str_map(),
            "resources": _YATAI_RESOURCES,
            "runners": arr(
                obj(
                    {
                        "annotations": str_map(),
                        "autoscaling": _BD_AUTOSCALING,
                        "envs": _BD_ENVS,
                        "labels": str_map(),
                        "name": STR,
                        "resources": _YATAI_RESOURCES,
                    }
                )
            ),
        },
        required=["bento"],
    ),
    obj({"conditions": _conditions(), "podSelector": str_map()}, required=["conditions"]),
)
# The v1alpha versions are served but nothing in the demo writes them: their printer-column fields.
BD_V1_SCHEMA: Schema = _root(
    obj({"autoscaling": obj({"max_replicas": I32, "min_replicas": I32}), "bento_tag": STR}, required=["bento_tag"]),
    obj({"podSelector": str_map(), "printerReady": STR, "readyReplicas": I32, "replicas": I32}),
)

BENTO_DEPLOYMENT = _crd(
    group="serving.yatai.ai",
    kind="BentoDeployment",
    plural="bentodeployments",
    singular="bentodeployment",
    versions=[
        _version("v1alpha1", storage=False, columns=_BD_V1_COLUMNS, schema=BD_V1_SCHEMA),
        _version("v1alpha2", storage=False, columns=_BD_V1_COLUMNS, schema=BD_V1_SCHEMA),
        _version("v1alpha3", storage=False, columns=_BD_V1_COLUMNS, schema=BD_V1_SCHEMA),
        _version("v2alpha1", storage=True, columns=_BD_V2_COLUMNS, schema=BD_V2_SCHEMA),
    ],
)

_BENTO_MODELS: Schema = arr(obj({"downloadUrl": STR, "size": QUANTITY, "tag": STR}, required=["tag"]))
_BENTO_RUNNERS: Schema = arr(obj({"modelTags": arr(STR), "name": STR, "runnableType": STR}, required=["name"]))
_BENTO_CONTEXT: Schema = obj({"bentomlVersion": STR})

BENTO_SCHEMA: Schema = _root(
    obj(
        {
            "context": _BENTO_CONTEXT,
            "image": STR,
            "models": _BENTO_MODELS,
            "runners": _BENTO_RUNNERS,
            "serviceName": STR,
            "tag": STR,
        },
        required=["image", "tag"],
    ),
    obj({"ready": BOOL}, required=["ready"]),
)
BENTO_REQUEST_SCHEMA: Schema = _root(
    obj(
        {
            "bentoTag": STR,
            "context": _BENTO_CONTEXT,
            "downloadUrl": STR,
            "image": STR,
            "models": _BENTO_MODELS,
            "runners": _BENTO_RUNNERS,
            "serviceName": STR,
        },
        required=["bentoTag"],
    ),
    obj(
        {
            "conditions": _conditions(),
            "imageBuilderPodStatus": obj({"message": STR, "phase": STR, "reason": STR, "startTime": DATE_TIME}),
        },
        required=["conditions", "imageBuilderPodStatus"],
    ),
)

# yatai-image-builder config/crd/bases/resources.yatai.ai_bentoes.yaml
BENTO = _crd(
    group="resources.yatai.ai",
    kind="Bento",
    plural="bentoes",
    singular="bento",
    versions=[
        _version(
            "v1alpha1",
            storage=True,
            schema=BENTO_SCHEMA,
            columns=[
                {"description": "Tag", "jsonPath": ".spec.tag", "name": "Tag", "type": "string"},
                {"description": "Image", "jsonPath": ".spec.image", "name": "Image", "type": "string"},
                AGE,
            ],
        )
    ],
)

# yatai-image-builder config/crd/bases/resources.yatai.ai_bentorequests.yaml
BENTO_REQUEST = _crd(
    group="resources.yatai.ai",
    kind="BentoRequest",
    plural="bentorequests",
    singular="bentorequest",
    versions=[
        _version(
            "v1alpha1",
            storage=True,
            schema=BENTO_REQUEST_SCHEMA,
            columns=[
                {"description": "Bento Tag", "jsonPath": ".spec.bentoTag", "name": "Bento-Tag", "type": "string"},
                {
                    "description": "Download URL",
                    "jsonPath": ".spec.downloadUrl",
                    "name": "Download-Url",
                    "type": "string",
                },
                {"description": "Image", "jsonPath": ".spec.image", "name": "Image", "type": "string"},
                {
                    "description": "Image Exists",
                    "jsonPath": ".status.conditions[?(@.type=='ImageExists')].status",
                    "name": "Image-Exists",
                    "type": "string",
                },
                {
                    "description": "Bento Available",
                    "jsonPath": ".status.conditions[?(@.type=='BentoAvailable')].status",
                    "name": "Bento-Available",
                    "type": "string",
                },
                {
                    "description": "Image Builder Pod Phase",
                    "jsonPath": ".status.imageBuilderPodStatus.phase",
                    "name": "Image-Builder-Pod-Phase",
                    "type": "string",
                },
                AGE,
            ],
        )
    ],
)

# --- Takeoff (Doubleword) ----------------------------------------------------
# titanml/helm-charts charts/catalog, rendered: no printer columns, no shortNames; spec and
# status are open (the chart's values), as in the real CRD.
INFERENCE_STACK_SCHEMA: Schema = _root(copy.deepcopy(OPEN), copy.deepcopy(OPEN))

INFERENCE_STACK = _crd(
    group="doublewordai.co",
    kind="InferenceStack",
    plural="inferencestacks",
    singular="inferencestack",
    versions=[_version("v1alpha1", storage=True, columns=None, schema=INFERENCE_STACK_SCHEMA)],
)

# --- Model Registry -----------------------------------------------------------
# model-registry-operator config/crd/bases/modelregistry.opendatahub.io_modelregistries.yaml
_MR_V1ALPHA1_COLUMNS = [
    {"jsonPath": '.status.conditions[?(@.type=="Available")].status', "name": "Available", "type": "string"},
    {
        "jsonPath": '.status.conditions[?(@.type=="IstioAvailable")].status',
        "name": "Istio",
        "priority": 2,
        "type": "string",
    },
    {
        "jsonPath": '.status.conditions[?(@.type=="GatewayAvailable")].status',
        "name": "Gateway",
        "priority": 2,
        "type": "string",
    },
    {
        "jsonPath": '.status.conditions[?(@.type=="OAuthProxyAvailable")].status',
        "name": "OAuthProxy",
        "priority": 2,
        "type": "string",
    },
    AGE,
    {"jsonPath": ".status.hostsStr", "name": "Hosts", "priority": 2, "type": "string"},
    {
        "jsonPath": '.status.conditions[?(@.type=="Available")].message',
        "name": "Status",
        "priority": 2,
        "type": "string",
    },
]
_MR_V1BETA1_COLUMNS = [
    {"jsonPath": '.status.conditions[?(@.type=="Available")].status', "name": "Available", "type": "string"},
    {
        "jsonPath": '.status.conditions[?(@.type=="KubeRBACProxyAvailable")].status',
        "name": "KubeRBACProxy",
        "priority": 2,
        "type": "string",
    },
    AGE,
    {"jsonPath": ".status.hostsStr", "name": "Hosts", "priority": 2, "type": "string"},
    {
        "jsonPath": '.status.conditions[?(@.type=="Available")].message',
        "name": "Status",
        "priority": 2,
        "type": "string",
    },
]

_PORT: Schema = {"type": "integer", "format": "int32", "minimum": 1, "maximum": 65535}
_SECRET_KEY: Schema = obj({"key": STR, "name": STR}, required=["key", "name"])
_SERVICE_ROUTE: Schema = {"type": "string", "enum": ["disabled", "enabled"]}
_MR_POSTGRES: Schema = obj(
    {"database": STR, "host": STR, "passwordSecret": _SECRET_KEY, "port": _PORT, "username": STR}
)
_MR_STATUS: Schema = obj({"conditions": _conditions(), "hosts": arr(STR), "hostsStr": STR})

MR_V1BETA1_SCHEMA: Schema = _root(
    obj(
        {
            "grpc": obj({"port": {**_PORT, "minimum": 0}}),
            "postgres": _MR_POSTGRES,
            "rest": obj({"port": _PORT, "serviceRoute": _SERVICE_ROUTE}),
        },
        required=["rest"],
    ),
    _MR_STATUS,
)
MR_V1ALPHA1_SCHEMA: Schema = _root(
    obj(
        {
            "grpc": obj({"port": {**_PORT, "minimum": 0}}),
            "postgres": {**_MR_POSTGRES, "required": ["database"]},
            "rest": obj({"port": _PORT, "serviceRoute": _SERVICE_ROUTE}),
        },
        required=["grpc", "rest"],
    ),
    _MR_STATUS,
)

MODEL_REGISTRY = _crd(
    group="modelregistry.opendatahub.io",
    kind="ModelRegistry",
    plural="modelregistries",
    singular="modelregistry",
    short_names=["mr"],
    versions=[
        _version("v1alpha1", storage=False, columns=_MR_V1ALPHA1_COLUMNS, schema=MR_V1ALPHA1_SCHEMA),
        _version("v1beta1", storage=True, columns=_MR_V1BETA1_COLUMNS, schema=MR_V1BETA1_SCHEMA),
    ],
)

CRDS: tuple[dict[str, Any], ...] = (
    INFERENCE_SERVICE,
    BENTO_DEPLOYMENT,
    BENTO,
    BENTO_REQUEST,
    INFERENCE_STACK,
    MODEL_REGISTRY,
)


def all_crds() -> list[dict[str, Any]]:
    """Fresh copies of every CRD the sandbox installs (callers may mutate them)."""
    return [copy.deepcopy(c) for c in CRDS]


def served_api_version(kind: str) -> str:
    """``group/version`` of the storage version of a sandbox CRD kind."""
    for crd in CRDS:
        spec = crd["spec"]
        if spec["names"]["kind"] == kind:
            for v in spec["versions"]:
                if v["storage"]:
                    return f"{spec['group']}/{v['name']}"
    raise KeyError(kind)
