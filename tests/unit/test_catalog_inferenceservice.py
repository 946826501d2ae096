"""KServe InferenceService: columns and health on real sample objects.

Every status block built here is validated against the real CRD's openAPIV3Schema
(strictly) before the rule under test sees it.
"""

from __future__ import annotations

from typing import Any

import pytest

from inference_console.catalog import find_kind
from inference_console.catalog.base import Health, RelatedRule, related_match
from inference_console.catalog.generic import spec_from_crd
from inference_console.catalog.kinds import inferenceservice as isvc_mod

try:
    from test_catalog_support import load_crd, load_example, validate_crd_object
except ImportError:  # collected as a package module
    from tests.unit.test_catalog_support import load_crd, load_example, validate_crd_object

KEY = "inferenceservices.serving.kserve.io"
SPEC = isvc_mod.SPEC
T0 = "2026-01-01T00:00:00Z"


def cond(ctype: str, status: str, reason: str = "", message: str = "") -> dict[str, Any]:
    out = {"type": ctype, "status": status, "lastTransitionTime": T0}
    if reason:
        out["reason"] = reason
    if message:
        out["message"] = message
    return out


def with_status(example: str, status: dict[str, Any], **meta: Any) -> dict[str, Any]:
    obj = load_example(example)
    obj["metadata"].update({"namespace": "models", "creationTimestamp": T0, "uid": "u-1", **meta})
    obj["status"] = status
    return validate_crd_object(KEY, obj)


def ready_status(url: str = "http://huggingface-llama2.models.example.com") -> dict[str, Any]:
    return {
        "url": url,
        "address": {"url": "http://huggingface-llama2-predictor.models.svc.cluster.local"},
        "conditions": [
            cond("IngressReady", "True"),
            cond("PredictorReady", "True"),
            cond("Ready", "True"),
        ],
        "components": {
            "predictor": {
                "latestCreatedRevision": "huggingface-llama2-predictor-00001",
                "latestReadyRevision": "huggingface-llama2-predictor-00001",
                "latestRolledoutRevision": "huggingface-llama2-predictor-00001",
                "traffic": [
                    {"latestRevision": True, "percent": 100, "revisionName": "huggingface-llama2-predictor-00001"}
                ],
            }
        },
        "modelStatus": {
            "transitionStatus": "UpToDate",
            "states": {"activeModelState": "Loaded", "targetModelState": "Loaded"},
            "copies": {"failedCopies": 0, "totalCopies": 1},
        },
        "deploymentMode": "Serverless",
        "servingRuntimeName": "kserve-huggingfaceserver",
    }


def cells(obj: dict[str, Any]) -> dict[str, str]:
    return {c.name: c.get(obj) for c in SPEC.columns}


def test_ready_huggingface_model_is_ok_with_its_columns():
    obj = with_status("kserve_hf_isvc.yaml", ready_status())
    assert SPEC.health(obj).state == Health.OK
    row = cells(obj)
    assert row["NAME"] == "huggingface-llama2"
    assert row["NAMESPACE"] == "models"
    assert row["READY"] == "True"
    assert row["URL"] == "http://huggingface-llama2.models.example.com"
    assert row["MODEL FORMAT"] == "huggingface"
    assert row["STORAGE URI"] == "hf://meta-llama/Llama-2-7b-chat-hf"
    assert row["RUNTIME"] == "kserve-huggingfaceserver"  # from status.servingRuntimeName
    assert row["GPU"] == "1"  # limits nvidia.com/gpu: "1"
    assert row["CANARY"] == ""
    assert row["REASON"] == ""


def test_legacy_framework_predictor_columns():
    obj = with_status("kserve_sklearn_v2.yaml", {})
    row = cells(obj)
    assert row["MODEL FORMAT"] == "sklearn"
    assert row["STORAGE URI"] == "gs://seldon-models/sklearn/iris"
    assert row["GPU"] == "0"
    assert row["READY"] == "-"
    assert SPEC.health(obj).state == Health.PROGRESSING  # no status yet


def test_model_storage_path_and_explicit_runtime():
    obj = load_example("kserve_hf_isvc.yaml")
    model = obj["spec"]["predictor"]["model"]
    del model["storageUri"]
    model["storage"] = {"key": "s3-creds", "path": "models/llama"}
    model["runtime"] = "vllm-runtime"
    model["modelFormat"]["version"] = "1"
    validate_crd_object(KEY, obj)
    assert isvc_mod.storage_uri(obj) == "s3-creds:models/llama"
    assert isvc_mod.runtime(obj) == "vllm-runtime"
    assert isvc_mod.model_format(obj) == "huggingface:1"


@pytest.mark.parametrize("value", ["true", "TRUE", "True"])
def test_stop_annotation_is_stopped_whatever_the_case(value):
    obj = with_status("kserve_hf_isvc.yaml", ready_status(), annotations={"serving.kserve.io/stop": value})
    assert SPEC.health(obj).state == Health.UNKNOWN
    assert SPEC.health(obj).reason == "Stopped"


def test_stop_annotation_false_is_running():
    obj = with_status("kserve_hf_isvc.yaml", ready_status(), annotations={"serving.kserve.io/stop": "false"})
    assert SPEC.health(obj).state == Health.OK


def test_stopped_condition_is_stopped():
    status = {"conditions": [cond("Stopped", "True", "Stopped"), cond("Ready", "False", "Stopped")]}
    obj = with_status("kserve_hf_isvc.yaml", status)
    assert SPEC.health(obj) == isvc_mod.HealthResult(Health.UNKNOWN, "Stopped")


@pytest.mark.parametrize(
    "reason, message",
    [
        ("OOMKilled", "container kserve-container was OOMKilled"),
        ("ImagePullBackOff", 'Back-off pulling image "kserve/huggingfaceserver:bad"'),
        ("ProgressDeadlineExceeded", 'ReplicaSet "x" has timed out progressing.'),
        ("RevisionFailed", "Revision failed with message: container exited"),
    ],
)
def test_failing_predictor_condition_is_failed_with_one_line_reason(reason, message):
    status = {
        "conditions": [
            cond("PredictorReady", "False", reason, message + "\nsecond line"),
            cond("Ready", "False", reason, message),
        ]
    }
    obj = with_status("kserve_hf_isvc.yaml", status)
    result = SPEC.health(obj)
    assert result.state == Health.FAILED
    assert reason in result.reason
    assert "\n" not in result.reason
    assert cells(obj)["REASON"] == result.reason


def test_blocked_by_failed_load_names_the_last_failure():
    status = ready_status()
    status["modelStatus"] = {
        "transitionStatus": "BlockedByFailedLoad",
        "states": {"activeModelState": "Loaded", "targetModelState": "FailedToLoad"},
        "lastFailureInfo": {
            "reason": "ModelLoadFailed",
            "message": "Out of memory while loading weights",
            "exitCode": 137,
            "location": "huggingface-llama2-predictor-00002-deployment-abc",
            "time": T0,
        },
        "copies": {"failedCopies": 1, "totalCopies": 2},
    }
    obj = with_status("kserve_hf_isvc.yaml", status)
    result = SPEC.health(obj)
    assert result.state == Health.FAILED
    assert result.reason == "BlockedByFailedLoad: ModelLoadFailed: Out of memory while loading weights (exit code 137)"


def test_invalid_spec_transition_is_failed():
    status = {
        "modelStatus": {
            "transitionStatus": "InvalidSpec",
            "lastFailureInfo": {"reason": "NoSupportingRuntime", "message": "No ServingRuntime supports format foo"},
        }
    }
    obj = with_status("kserve_hf_isvc.yaml", status)
    result = SPEC.health(obj)
    assert result.state == Health.FAILED
    assert result.reason.startswith("InvalidSpec: NoSupportingRuntime")


def test_failed_to_load_active_model_is_failed():
    status = {"modelStatus": {"transitionStatus": "UpToDate", "states": {"activeModelState": "FailedToLoad"}}}
    obj = with_status("kserve_hf_isvc.yaml", status)
    assert SPEC.health(obj).state == Health.FAILED


def test_last_failure_info_while_not_ready_is_failed():
    status = {
        "conditions": [cond("Ready", "Unknown")],
        "modelStatus": {
            "transitionStatus": "InProgress",
            "lastFailureInfo": {"reason": "RuntimeUnhealthy", "message": "runtime crashed"},
        },
    }
    obj = with_status("kserve_hf_isvc.yaml", status)
    assert SPEC.health(obj) == isvc_mod.HealthResult(Health.FAILED, "RuntimeUnhealthy: runtime crashed")


def test_no_status_yet_is_progressing():
    obj = load_example("kserve_hf_isvc.yaml")
    assert SPEC.health(obj).state == Health.PROGRESSING
    assert SPEC.health(obj).reason == "waiting for the controller"


def test_ready_unknown_is_progressing_with_the_pending_reason():
    status = {
        "conditions": [
            cond(
                "PredictorReady",
                "Unknown",
                "RevisionMissing",
                "Configuration is waiting for a Revision to become ready.",
            ),
            cond("Ready", "Unknown", "RevisionMissing", "Configuration is waiting for a Revision to become ready."),
        ]
    }
    obj = with_status("kserve_hf_isvc.yaml", status)
    result = SPEC.health(obj)
    assert result.state == Health.PROGRESSING
    assert "RevisionMissing" in result.reason


def test_ready_false_while_replicas_come_up_is_progressing():
    status = {
        "conditions": [
            cond(
                "PredictorReady",
                "False",
                "MinimumReplicasUnavailable",
                "Deployment does not have minimum availability.",
            ),
            cond("Ready", "False", "MinimumReplicasUnavailable", "Deployment does not have minimum availability."),
        ]
    }
    obj = with_status("kserve_hf_isvc.yaml", status)
    assert SPEC.health(obj).state == Health.PROGRESSING


def test_ready_false_with_an_unknown_reason_is_failed():
    status = {"conditions": [cond("Ready", "False", "SomethingBroke", "the webhook refused it")]}
    obj = with_status("kserve_hf_isvc.yaml", status)
    assert SPEC.health(obj) == isvc_mod.HealthResult(Health.FAILED, "SomethingBroke: the webhook refused it")


def canary_status() -> dict[str, Any]:
    status = ready_status("http://my-model.models.example.com")
    status["components"]["predictor"] = {
        "latestCreatedRevision": "my-model-predictor-00002",
        "latestReadyRevision": "my-model-predictor-00002",
        "latestRolledoutRevision": "my-model-predictor-00001",
        "previousRolledoutRevision": "my-model-predictor-00001",
        "traffic": [
            {"latestRevision": True, "percent": 10, "revisionName": "my-model-predictor-00002", "tag": "latest"},
            {"latestRevision": False, "percent": 90, "revisionName": "my-model-predictor-00001", "tag": "prev"},
        ],
    }
    return status


def test_canary_rollout_is_progressing_and_shows_the_split():
    obj = with_status("kserve_rollout_canary.yaml", canary_status())
    result = SPEC.health(obj)
    assert result.state == Health.PROGRESSING
    assert "canary" in result.reason and "10%" in result.reason
    row = cells(obj)
    assert row["CANARY"] == "10% (90% prev)"
    assert row["MODEL FORMAT"] == "tensorflow"
    sort = next(c for c in SPEC.columns if c.name == "CANARY").sort
    assert sort(obj) < sort(with_status("kserve_rollout_canary.yaml", ready_status()))


def test_canary_spec_without_traffic_yet_shows_the_percent():
    obj = load_example("kserve_rollout_canary.yaml")
    assert isvc_mod.canary(obj) == "10%"


def test_new_revision_not_ready_is_progressing():
    status = ready_status()
    status["components"]["predictor"]["latestCreatedRevision"] = "huggingface-llama2-predictor-00002"
    obj = with_status("kserve_hf_isvc.yaml", status)
    result = SPEC.health(obj)
    assert result.state == Health.PROGRESSING
    assert "00002" in result.reason


def test_model_transition_in_progress_is_progressing():
    status = ready_status()
    status["modelStatus"] = {
        "transitionStatus": "InProgress",
        "states": {"activeModelState": "Loaded", "targetModelState": "Loading"},
    }
    obj = with_status("kserve_hf_isvc.yaml", status)
    assert SPEC.health(obj).state == Health.PROGRESSING


def test_gpu_counts_model_and_extra_containers():
    obj = load_example("kserve_hf_isvc.yaml")
    obj["spec"]["predictor"]["model"]["resources"]["limits"]["nvidia.com/gpu"] = "4"
    obj["spec"]["predictor"]["containers"] = [
        {"name": "sidecar", "image": "busybox", "resources": {"limits": {"nvidia.com/gpu": "1"}}}
    ]
    validate_crd_object(KEY, obj)
    assert isvc_mod.gpus(obj) == 5


def test_related_rules_select_deployments_and_pods_by_label():
    obj = with_status("kserve_hf_isvc.yaml", ready_status())
    rules = SPEC.related(obj)
    # Its Deployments and pods by label; the registry links (model version, image tag) too.
    assert {"deployments", "pods"} <= {r.kind for r in rules}
    assert {r.kind for r in rules if r.labels} == {"deployments", "pods"}
    pod = {
        "metadata": {
            "name": "p",
            "namespace": "models",
            "labels": {"serving.kserve.io/inferenceservice": "huggingface-llama2"},
        }
    }
    other = {
        "metadata": {
            "name": "p",
            "namespace": "other",
            "labels": {"serving.kserve.io/inferenceservice": "huggingface-llama2"},
        }
    }
    owned = {"metadata": {"name": "d", "namespace": "x", "ownerReferences": [{"uid": "u-1"}]}}
    rule = next(r for r in rules if r.kind == "pods")
    assert related_match(rule, obj, pod)
    assert not related_match(rule, obj, other)
    assert related_match(rule, obj, owned)
    assert isinstance(rule, RelatedRule)


def test_summary_lists_model_facts():
    obj = with_status("kserve_rollout_canary.yaml", canary_status())
    summary = dict(SPEC.summary(obj))
    assert summary["Model format"] == "tensorflow"
    assert summary["Storage URI"] == "gs://kfserving-examples/models/tensorflow/flowers-2"
    assert summary["Traffic latest/prev"] == "10/90"


def test_find_kind_aliases():
    for name in ("isvc", "inferenceservice", "InferenceService", "inferenceservices", KEY):
        assert find_kind(name) is SPEC


def test_generic_spec_from_the_real_crd_matches_kubectl_columns():
    generic = spec_from_crd(load_crd(KEY))
    assert generic.key == KEY and generic.version == "v1beta1" and generic.aliases[0] == "isvc"
    names = [c.name for c in generic.columns]
    assert names == [
        "NAME",
        "NAMESPACE",
        "URL",
        "READY",
        "PREV",
        "LATEST",
        "PREVROLLEDOUTREVISION",
        "LATESTREADYREVISION",
        "AGE",
    ]
    obj = with_status("kserve_rollout_canary.yaml", canary_status())
    row = {c.name: c.get(obj) for c in generic.columns}
    assert row["URL"] == "http://my-model.models.example.com"
    assert row["READY"] == "True"
    assert row["PREV"] == "90"
    assert row["LATEST"] == "10"
    assert row["PREVROLLEDOUTREVISION"] == "my-model-predictor-00001"
    assert row["LATESTREADYREVISION"] == "my-model-predictor-00002"
    assert row["AGE"].endswith(("d", "y", "h", "m", "s"))
    assert generic.health(obj).state == Health.OK
