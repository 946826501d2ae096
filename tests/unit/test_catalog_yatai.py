"""Yatai kinds: BentoDeployment, Bento, BentoRequest on real sample objects."""

from __future__ import annotations

from typing import Any

import pytest

from inference_console.catalog import find_kind
from inference_console.catalog.base import Health, related_match
from inference_console.catalog.kinds import bento as bento_mod
from inference_console.catalog.kinds import bentodeployment as bd_mod
from inference_console.catalog.kinds import bentorequest as br_mod

try:
    from test_catalog_support import load_crd, load_example, validate_crd_object
except ImportError:
    from tests.unit.test_catalog_support import load_crd, load_example, validate_crd_object

BD = "bentodeployments.serving.yatai.ai"
BENTO = "bentoes.resources.yatai.ai"
BR = "bentorequests.resources.yatai.ai"
T0 = "2026-01-01T00:00:00Z"


def mcond(ctype: str, status: str, message: str, reason: str = "Reconciling") -> dict[str, Any]:
    """A metav1.Condition as yatai writes it (all five fields are required by the schema)."""
    return {"type": ctype, "status": status, "reason": reason, "message": message, "lastTransitionTime": T0}


def bd_with(conditions: list[dict[str, Any]] | None) -> dict[str, Any]:
    obj = load_example("yatai-deployment_tests_e2e_example.yaml", kind="BentoDeployment")
    obj["metadata"]["uid"] = "bd-uid"
    if conditions is not None:
        obj["status"] = {"conditions": conditions}
    return validate_crd_object(BD, obj)


def row(spec, obj) -> dict[str, str]:
    return {c.name: c.get(obj) for c in spec.columns}


# ---------------------------------------------------------------- BentoDeployment


def test_storage_version_is_primary_and_other_served_versions_are_alternatives():
    crd = load_crd(BD)
    versions = {v["name"]: v for v in crd["spec"]["versions"]}
    storage = [n for n, v in versions.items() if v.get("storage")]
    assert storage == [bd_mod.SPEC.version] == ["v2alpha1"]
    served_others = {(crd["spec"]["group"], n) for n, v in versions.items() if v.get("served") and not v.get("storage")}
    assert set(bd_mod.SPEC.alternatives) == served_others


def test_available_bento_deployment_is_ok_with_columns():
    obj = bd_with([mcond("Available", "True", "Reconciling"), mcond("BentoFound", "True", "Bento found")])
    assert bd_mod.SPEC.health(obj).state == Health.OK
    cells = row(bd_mod.SPEC, obj)
    assert cells["NAME"] == "test" and cells["NAMESPACE"] == "yatai"
    assert cells["BENTO"] == "test-bento"
    assert cells["AVAILABLE"] == "True"
    assert cells["REPLICAS"] == "1-2"
    assert cells["RUNNERS"] == "1"
    assert cells["REASON"] == ""


def test_reconcile_error_is_failed_with_the_message():
    obj = bd_with(
        [
            mcond("Available", "False", "Failed to reconcile BentoDeployment: get yatai client: boom"),
            mcond("BentoFound", "True", "Bento found"),
        ]
    )
    result = bd_mod.SPEC.health(obj)
    assert result.state == Health.FAILED
    assert result.reason == "Failed to reconcile BentoDeployment: get yatai client: boom"


def test_bento_and_request_missing_is_failed():
    obj = bd_with(
        [
            mcond("Available", "Unknown", "Starting to reconcile BentoDeployment"),
            mcond("BentoFound", "False", "get BentoRequest yatai/test-bento: not found"),
            mcond("BentoRequestFound", "False", "get BentoRequest yatai/test-bento: not found"),
        ]
    )
    result = bd_mod.SPEC.health(obj)
    assert result.state == Health.FAILED
    assert "test-bento" in result.reason


def test_waiting_for_the_bento_request_is_progressing():
    obj = bd_with(
        [
            mcond("Available", "Unknown", "Starting to reconcile BentoDeployment"),
            mcond("BentoFound", "False", "Bento not found"),
            mcond("BentoRequestFound", "True", "Bento not found"),
        ]
    )
    result = bd_mod.SPEC.health(obj)
    assert result.state == Health.PROGRESSING
    assert "BentoRequest" in result.reason


def test_just_created_is_progressing():
    assert bd_mod.SPEC.health(bd_with(None)).state == Health.PROGRESSING
    obj = bd_with(
        [
            mcond("Available", "Unknown", "Starting to reconcile BentoDeployment"),
            mcond("BentoFound", "Unknown", "Starting to reconcile BentoDeployment"),
        ]
    )
    assert bd_mod.SPEC.health(obj).state == Health.PROGRESSING


def test_v1alpha1_sample_reads_bento_tag_and_printer_ready():
    obj = load_example("yatai-deployment_serving_v1alpha1_bentodeployment.yaml")
    obj["spec"]["autoscaling"] = {"min_replicas": 1, "max_replicas": 3}
    obj["status"] = {"printerReady": "true", "replicas": 2, "readyReplicas": 2, "availableReplicas": 2}
    validate_crd_object(BD, obj)
    cells = row(bd_mod.SPEC, obj)
    assert cells["BENTO"] == "iris_classifier:nxapohu4codzplg6"
    assert cells["AVAILABLE"] == "true"
    assert cells["REPLICAS"] == "2/2 (1-3)"
    assert bd_mod.SPEC.health(obj).state == Health.OK
    obj["status"] = {"printerReady": "false", "replicas": 2, "readyReplicas": 1}
    validate_crd_object(BD, obj)
    assert bd_mod.SPEC.health(obj) == bd_mod.HealthResult(Health.PROGRESSING, "1/2 replicas ready")


def test_related_rules_use_the_yatai_label_and_the_bento_name():
    obj = bd_with([mcond("Available", "True", "Reconciling")])
    rules = {r.kind: r for r in bd_mod.SPEC.related(obj)}
    assert rules["pods"].labels == {"yatai.ai/bento-deployment": "test"}
    assert rules["deployments"].labels == {"yatai.ai/bento-deployment": "test"}
    bento = load_example("yatai-deployment_tests_e2e_example.yaml", kind="Bento")
    assert related_match(rules[BENTO], obj, bento)
    other = load_example("yatai-deployment_tests_e2e_example.yaml", kind="Bento")
    other["metadata"]["name"] = "another"
    assert not related_match(rules[BENTO], obj, other)


def test_bento_deployment_aliases():
    for name in ("bd", "bentodeployment", "BentoDeployment", BD):
        assert find_kind(name) is bd_mod.SPEC


# ---------------------------------------------------------------- Bento


def bento_with(status: dict[str, Any] | None) -> dict[str, Any]:
    obj = load_example("yatai-deployment_tests_e2e_example.yaml", kind="Bento")
    if status is not None:
        obj["status"] = status
    return validate_crd_object(BENTO, obj)


@pytest.mark.parametrize(
    "status, state", [({"ready": True}, Health.OK), ({"ready": False}, Health.PROGRESSING), (None, Health.UNKNOWN)]
)
def test_bento_health_from_status_ready(status, state):
    assert bento_mod.SPEC.health(bento_with(status)).state == state


def test_bento_columns():
    cells = row(bento_mod.SPEC, bento_with({"ready": True}))
    assert cells["TAG"] == "iris_classifier:r4zint4b567i4usu"
    assert cells["IMAGE"] == "quay.io/bentoml/iris_classifier:r4zint4b567i4usu"
    assert cells["READY"] == "true"
    assert cells["RUNNERS"] == "iris_clf"
    assert find_kind("bento") is bento_mod.SPEC and find_kind("bentoes") is bento_mod.SPEC


# ---------------------------------------------------------------- BentoRequest


def br_with(conditions: list[dict[str, Any]] | None, phase: str = "") -> dict[str, Any]:
    obj = load_example("yatai-image-builder_tests_e2e_example.yaml", kind="BentoRequest", index=1)
    if conditions is not None:
        obj["status"] = {"conditions": conditions, "imageBuilderPodStatus": {"phase": phase} if phase else {}}
    return validate_crd_object(BR, obj)


def test_bento_request_available_is_ok():
    obj = br_with(
        [
            mcond("ImageBuilding", "False", "Image building job x is successed."),
            mcond("ImageExists", "True", "registry/x:1"),
            mcond("BentoAvailable", "True", "Reconciling"),
        ],
        "Succeeded",
    )
    assert br_mod.SPEC.health(obj).state == Health.OK
    cells = row(br_mod.SPEC, obj)
    assert cells["BENTO TAG"] == "iris_classifier:r4zint4b567i4usu234"
    assert cells["IMAGE"] == "docker-registry-1.yatai-image-builder.svc.cluster.local:5000/test-custom-image:v1"
    assert cells["IMAGE EXISTS"] == "True"
    assert cells["BENTO AVAILABLE"] == "True"
    assert cells["BUILDER"] == "Succeeded"
    assert cells["DOWNLOAD URL"] == "s3://yetone/bentos/test-bento.bento"


def test_bento_request_build_failure_is_failed():
    obj = br_with(
        [
            mcond("ImageBuilding", "False", "Image building job test-bento1-abc is failed."),
            mcond("BentoAvailable", "False", "Image building job test-bento1-abc is failed."),
        ],
        "Failed",
    )
    assert br_mod.SPEC.health(obj) == br_mod.HealthResult(
        Health.FAILED, "Image building job test-bento1-abc is failed."
    )


def test_bento_request_timeout_is_failed():
    obj = br_with([mcond("ImageBuilding", "False", "Image building job j is timeout", reason="Timeout")])
    assert br_mod.SPEC.health(obj).state == Health.FAILED


def test_bento_request_building_is_progressing():
    obj = br_with(
        [mcond("ImageBuilding", "True", "Image building job j is running"), mcond("ImageExists", "False", "not yet")],
        "Running",
    )
    assert br_mod.SPEC.health(obj) == br_mod.HealthResult(Health.PROGRESSING, "Image building job j is running")
    assert br_mod.SPEC.health(br_with(None)).state == Health.PROGRESSING
