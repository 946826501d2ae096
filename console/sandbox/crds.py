"""Compact CustomResourceDefinitions installed by the demo sandbox.

The real CRDs (shared/fixtures/crds) are not shipped with the app and some are
megabytes long.  These keep exactly what a client sees of them -- names, group,
scope, served/storage versions, shortNames, printer columns, the status
subresource -- with an open schema.  ``tests/unit/test_sandbox_crds.py`` checks
each against the real fixture so they cannot drift.
"""

from __future__ import annotations

import copy
from typing import Any

OPEN_SCHEMA: dict[str, Any] = {
    "openAPIV3Schema": {"type": "object", "x-kubernetes-preserve-unknown-fields": True}
}

AGE = {"jsonPath": ".metadata.creationTimestamp", "name": "Age", "type": "date"}


def _version(name: str, *, storage: bool, columns: list[dict[str, Any]] | None,
             served: bool = True, status: bool = True) -> dict[str, Any]:
    v: dict[str, Any] = {
        "name": name,
        "served": served,
        "storage": storage,
        "schema": copy.deepcopy(OPEN_SCHEMA),
    }
    if status:
        v["subresources"] = {"status": {}}
    if columns:
        v["additionalPrinterColumns"] = copy.deepcopy(columns)
    return v


def _crd(*, group: str, kind: str, plural: str, singular: str, versions: list[dict[str, Any]],
         short_names: list[str] | None = None, scope: str = "Namespaced") -> dict[str, Any]:
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
    {"jsonPath": ".status.components.predictor.traffic[?(@.tag=='prev')].percent",
     "name": "Prev", "type": "integer"},
    {"jsonPath": ".status.components.predictor.traffic[?(@.latestRevision==true)].percent",
     "name": "Latest", "type": "integer"},
    {"jsonPath": ".status.components.predictor.traffic[?(@.tag=='prev')].revisionName",
     "name": "PrevRolledoutRevision", "type": "string"},
    {"jsonPath": ".status.components.predictor.traffic[?(@.latestRevision==true)].revisionName",
     "name": "LatestReadyRevision", "type": "string"},
    AGE,
]

INFERENCE_SERVICE = _crd(
    group="serving.kserve.io", kind="InferenceService", plural="inferenceservices",
    singular="inferenceservice", short_names=["isvc"],
    versions=[_version("v1beta1", storage=True, columns=_ISVC_COLUMNS)],
)

# --- Yatai (BentoML) --------------------------------------------------------
# yatai-deployment config/crd/bases/serving.yatai.ai_bentodeployments.yaml serves four
# versions; v2alpha1 is the storage version (the one the sandbox seeds).
_BD_V1_COLUMNS = [
    {"description": "BentoTag", "jsonPath": ".spec.bento_tag", "name": "Bento", "type": "string"},
    {"description": "Ready", "jsonPath": ".status.printerReady", "name": "Ready", "type": "string"},
    {"description": "MinReplicas", "jsonPath": ".spec.autoscaling.min_replicas",
     "name": "MinReplicas", "type": "integer"},
    {"description": "MaxReplicas", "jsonPath": ".spec.autoscaling.max_replicas",
     "name": "MaxReplicas", "type": "integer"},
    AGE,
]
_BD_V2_COLUMNS = [
    {"description": "Bento", "jsonPath": ".spec.bento", "name": "Bento", "type": "string"},
    {"description": "Available", "jsonPath": ".status.conditions[?(@.type=='Available')].status",
     "name": "Available", "type": "string"},
    AGE,
]

BENTO_DEPLOYMENT = _crd(
    group="serving.yatai.ai", kind="BentoDeployment", plural="bentodeployments",
    singular="bentodeployment",
    versions=[
        _version("v1alpha1", storage=False, columns=_BD_V1_COLUMNS),
        _version("v1alpha2", storage=False, columns=_BD_V1_COLUMNS),
        _version("v1alpha3", storage=False, columns=_BD_V1_COLUMNS),
        _version("v2alpha1", storage=True, columns=_BD_V2_COLUMNS),
    ],
)

# yatai-image-builder config/crd/bases/resources.yatai.ai_bentoes.yaml
BENTO = _crd(
    group="resources.yatai.ai", kind="Bento", plural="bentoes", singular="bento",
    versions=[_version("v1alpha1", storage=True, columns=[
        {"description": "Tag", "jsonPath": ".spec.tag", "name": "Tag", "type": "string"},
        {"description": "Image", "jsonPath": ".spec.image", "name": "Image", "type": "string"},
        AGE,
    ])],
)

# yatai-image-builder config/crd/bases/resources.yatai.ai_bentorequests.yaml
BENTO_REQUEST = _crd(
    group="resources.yatai.ai", kind="BentoRequest", plural="bentorequests",
    singular="bentorequest",
    versions=[_version("v1alpha1", storage=True, columns=[
        {"description": "Bento Tag", "jsonPath": ".spec.bentoTag", "name": "Bento-Tag",
         "type": "string"},
        {"description": "Download URL", "jsonPath": ".spec.downloadUrl", "name": "Download-Url",
         "type": "string"},
        {"description": "Image", "jsonPath": ".spec.image", "name": "Image", "type": "string"},
        {"description": "Image Exists",
         "jsonPath": ".status.conditions[?(@.type=='ImageExists')].status",
         "name": "Image-Exists", "type": "string"},
        {"description": "Bento Available",
         "jsonPath": ".status.conditions[?(@.type=='BentoAvailable')].status",
         "name": "Bento-Available", "type": "string"},
        {"description": "Image Builder Pod Phase",
         "jsonPath": ".status.imageBuilderPodStatus.phase",
         "name": "Image-Builder-Pod-Phase", "type": "string"},
        AGE,
    ])],
)

# --- Takeoff (Doubleword) ----------------------------------------------------
# titanml/helm-charts charts/catalog, rendered: no printer columns, no shortNames.
INFERENCE_STACK = _crd(
    group="doublewordai.co", kind="InferenceStack", plural="inferencestacks",
    singular="inferencestack",
    versions=[_version("v1alpha1", storage=True, columns=None)],
)

# --- Model Registry -----------------------------------------------------------
# model-registry-operator config/crd/bases/modelregistry.opendatahub.io_modelregistries.yaml
_MR_V1ALPHA1_COLUMNS = [
    {"jsonPath": '.status.conditions[?(@.type=="Available")].status', "name": "Available",
     "type": "string"},
    {"jsonPath": '.status.conditions[?(@.type=="IstioAvailable")].status', "name": "Istio",
     "priority": 2, "type": "string"},
    {"jsonPath": '.status.conditions[?(@.type=="GatewayAvailable")].status', "name": "Gateway",
     "priority": 2, "type": "string"},
    {"jsonPath": '.status.conditions[?(@.type=="OAuthProxyAvailable")].status',
     "name": "OAuthProxy", "priority": 2, "type": "string"},
    AGE,
    {"jsonPath": ".status.hostsStr", "name": "Hosts", "priority": 2, "type": "string"},
    {"jsonPath": '.status.conditions[?(@.type=="Available")].message', "name": "Status",
     "priority": 2, "type": "string"},
]
_MR_V1BETA1_COLUMNS = [
    {"jsonPath": '.status.conditions[?(@.type=="Available")].status', "name": "Available",
     "type": "string"},
    {"jsonPath": '.status.conditions[?(@.type=="KubeRBACProxyAvailable")].status',
     "name": "KubeRBACProxy", "priority": 2, "type": "string"},
    AGE,
    {"jsonPath": ".status.hostsStr", "name": "Hosts", "priority": 2, "type": "string"},
    {"jsonPath": '.status.conditions[?(@.type=="Available")].message', "name": "Status",
     "priority": 2, "type": "string"},
]

MODEL_REGISTRY = _crd(
    group="modelregistry.opendatahub.io", kind="ModelRegistry", plural="modelregistries",
    singular="modelregistry", short_names=["mr"],
    versions=[
        _version("v1alpha1", storage=False, columns=_MR_V1ALPHA1_COLUMNS),
        _version("v1beta1", storage=True, columns=_MR_V1BETA1_COLUMNS),
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
