"""Takeoff InferenceStack and Model Registry kinds on real sample objects."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from inference_console.catalog import find_kind
from inference_console.catalog.base import Health, related_match
from inference_console.catalog.kinds import inferencestack as stack_mod
from inference_console.catalog.kinds import modelregistry as mr_mod

try:
    from test_catalog_support import FIXTURES, load_crd, load_example, validate_crd_object
except ImportError:
    from tests.unit.test_catalog_support import FIXTURES, load_crd, load_example, validate_crd_object

import yaml

STACK = "inferencestacks.doublewordai.co"
MR = "modelregistries.modelregistry.opendatahub.io"
T0 = "2026-01-01T00:00:00Z"


def stack_with_test_applications(status: dict[str, Any] | None = None) -> dict[str, Any]:
    """The OLM sample stack, with the applications of the chart's own test values (v1.yaml)."""
    obj = load_example("takeoff_charts_v1alpha1_inference_stack.yaml")
    values = yaml.safe_load((FIXTURES / "examples" / "takeoff_inference-stack_tests_values_v1.yaml").read_text())
    obj["spec"]["applications"] = copy.deepcopy(values["applications"])
    obj["metadata"].update({"namespace": "takeoff", "uid": "stack-uid", "creationTimestamp": T0})
    if status is not None:
        obj["status"] = status
    return validate_crd_object(STACK, obj)


def helm_cond(ctype: str, status: str, reason: str = "", message: str = "") -> dict[str, Any]:
    out = {"type": ctype, "status": status, "lastTransitionTime": T0}
    if reason:
        out["reason"] = reason
    if message:
        out["message"] = message
    return out


# ---------------------------------------------------------------- InferenceStack


def test_readers_merge_the_application_template_with_overrides():
    readers = {r.name: r for r in stack_mod.readers(stack_with_test_applications())}
    assert set(readers) == {"hello-world-1", "hello-world-2", "scaled-app", "ingress-app"}
    # hello-world-1: {} → all from the template
    assert readers["hello-world-1"] == stack_mod.Reader(
        name="hello-world-1",
        model="TitanML/dummy_model",
        device="cpu",
        consumer_group="primary",
        replicas=1,
        gpus=0,
        autoscaled=False,
        deployment="inference-stack-sample-hello-world-1",
    )
    # hello-world-2 overrides the whole readerConfig and asks for a GPU
    assert (
        readers["hello-world-2"].model,
        readers["hello-world-2"].device,
        readers["hello-world-2"].consumer_group,
    ) == ("custom/model", "cuda", "secondary")
    assert readers["hello-world-2"].gpus == 1
    # scaled-app overrides only consumerGroup: the rest of readerConfig comes from the template
    scaled = readers["scaled-app"]
    assert (scaled.model, scaled.device, scaled.consumer_group) == ("TitanML/dummy_model", "cpu", "scalable")
    assert scaled.autoscaled is True and scaled.replicas == 1  # template scaling.spec.minReplicaCount


def test_stack_columns():
    obj = stack_with_test_applications()
    cells = {c.name: c.get(obj) for c in stack_mod.SPEC.columns}
    assert cells["NAME"] == "inference-stack-sample"
    assert cells["READERS"] == "-/4"
    assert cells["MODELS"] == "TitanML/dummy_model, custom/model"
    assert cells["GROUPS"] == "primary, secondary, scalable"
    assert cells["DEVICES"] == "cpu, cuda"
    assert cells["GPU"] == "1"


def test_the_sample_with_no_applications_has_no_readers():
    obj = load_example("takeoff_charts_v1alpha1_inference_stack.yaml")
    assert stack_mod.readers(obj) == []
    assert stack_mod.readers_text(obj) == "-/0"


def test_ready_readers_come_from_status_when_present():
    status = {"conditions": [helm_cond("Deployed", "True", "InstallSuccessful")], "readyReaders": 3, "readers": 4}
    obj = stack_with_test_applications(status)
    assert stack_mod.readers_text(obj) == "3/4"
    assert stack_mod.SPEC.health(obj) == stack_mod.HealthResult(Health.PROGRESSING, "3/4 readers ready")
    obj["status"]["readyReaders"] = 4
    assert stack_mod.SPEC.health(obj).state == Health.OK


@pytest.mark.parametrize(
    "conds, state",
    [
        (
            [helm_cond("Initialized", "True"), helm_cond("Deployed", "True", "InstallSuccessful", "release installed")],
            Health.OK,
        ),
        (
            [
                helm_cond("Initialized", "True"),
                helm_cond("ReleaseFailed", "True", "InstallError", "chart render failed"),
            ],
            Health.FAILED,
        ),
        (
            [helm_cond("Initialized", "True"), helm_cond("Irreconcilable", "True", "ReconcileError", "boom")],
            Health.FAILED,
        ),
        ([helm_cond("Initialized", "True")], Health.PROGRESSING),
        ([], Health.PROGRESSING),
    ],
)
def test_stack_health_from_helm_operator_conditions(conds, state):
    obj = stack_with_test_applications(
        {"conditions": conds, "deployedRelease": {"name": "inference-stack-sample", "manifest": "---"}}
    )
    assert stack_mod.SPEC.health(obj).state == state


def test_release_failure_reason_is_reported():
    obj = stack_with_test_applications(
        {"conditions": [helm_cond("ReleaseFailed", "True", "UpgradeError", "timed out\nwaiting")]}
    )
    assert stack_mod.SPEC.health(obj).reason == "ReleaseFailed: UpgradeError: timed out waiting"


def test_fullname_follows_the_chart_helper():
    obj = stack_with_test_applications()
    assert stack_mod.fullname(obj) == "inference-stack-sample"  # release name contains the chart name
    obj["metadata"]["name"] = "prod"
    assert stack_mod.fullname(obj) == "prod-inference-stack"
    obj["spec"]["fullnameOverride"] = "takeoff"
    assert stack_mod.fullname(obj) == "takeoff"
    assert stack_mod.readers(obj)[0].deployment == "takeoff-hello-world-1"


def test_stack_related_rules_use_the_chart_labels():
    obj = stack_with_test_applications()
    rules = {r.kind: r for r in stack_mod.SPEC.related(obj)}
    expected = {"app.kubernetes.io/instance": "inference-stack-sample", "app.kubernetes.io/name": "inference-stack"}
    assert rules["pods"].labels == expected
    pod = {
        "metadata": {
            "name": "x",
            "namespace": "takeoff",
            "labels": {**expected, "app.kubernetes.io/component": "gateway"},
        }
    }
    assert related_match(rules["pods"], obj, pod)


def test_stack_aliases_do_not_include_is():
    for name in ("stack", "stacks", "inferencestack", "InferenceStack", STACK):
        assert find_kind(name) is stack_mod.SPEC
    assert find_kind("is") is None


# ---------------------------------------------------------------- ModelRegistry


def mr_with(conditions: list[dict[str, Any]] | None, version: str = "v1beta1") -> dict[str, Any]:
    obj = load_example("model-registry-operator_postgres_modelregistry_v1beta1_modelregistry.yaml")
    obj["apiVersion"] = f"modelregistry.opendatahub.io/{version}"
    if conditions is not None:
        obj["status"] = {
            "conditions": conditions,
            "hosts": ["modelregistry-sample.ns.svc"],
            "hostsStr": "modelregistry-sample.ns.svc",
        }
    return validate_crd_object(MR, obj)


def mcond(ctype: str, status: str, reason: str, message: str) -> dict[str, Any]:
    return {"type": ctype, "status": status, "reason": reason, "message": message, "lastTransitionTime": T0}


def test_model_registry_versions_match_the_crd():
    crd = load_crd(MR)
    storage = [v["name"] for v in crd["spec"]["versions"] if v.get("storage")]
    assert [mr_mod.SPEC.version] == storage
    served = {(crd["spec"]["group"], v["name"]) for v in crd["spec"]["versions"] if v.get("served")}
    assert served - {(mr_mod.SPEC.group, mr_mod.SPEC.version)} <= set(mr_mod.SPEC.alternatives)
    assert ("modelregistry.kubeflow.org", "v1alpha1") in mr_mod.SPEC.alternatives


def test_model_registry_available_is_ok_with_columns():
    obj = mr_with(
        [
            mcond("Available", "True", "CreatedDeployment", "Deployment for modelregistry-sample is available"),
            mcond("Progressing", "False", "CreatedDeployment", "done"),
        ]
    )
    assert mr_mod.SPEC.health(obj).state == Health.OK
    cells = {c.name: c.get(obj) for c in mr_mod.SPEC.columns}
    assert cells["AVAILABLE"] == "True"
    assert cells["PORTS"] == "rest:8080,grpc:9090"
    assert cells["DATABASE"] == "postgres:model-registry-db/model-registry"
    assert cells["HOSTS"] == "modelregistry-sample.ns.svc"


@pytest.mark.parametrize(
    "conds, state",
    [
        ([mcond("Degraded", "True", "DeploymentUnavailable", "pods crash")], Health.FAILED),
        ([mcond("Available", "False", "DeploymentUnavailable", "0/1 available")], Health.FAILED),
        (
            [
                mcond("Available", "False", "CreatingDeployment", "waiting"),
                mcond("Progressing", "True", "CreatingDeployment", "waiting"),
            ],
            Health.PROGRESSING,
        ),
        ([mcond("Progressing", "True", "CreatingDeployment", "waiting")], Health.PROGRESSING),
        ([], Health.PROGRESSING),
    ],
)
def test_model_registry_health(conds, state):
    assert mr_mod.SPEC.health(mr_with(conds)).state == state


def test_model_registry_v1alpha1_object_fits_and_reads():
    obj = mr_with([mcond("Available", "True", "CreatedDeployment", "ok")], version="v1alpha1")
    assert mr_mod.SPEC.health(obj).state == Health.OK
    assert find_kind("mr") is mr_mod.SPEC and find_kind("modelregistry") is mr_mod.SPEC


def test_model_registry_related_rules():
    obj = mr_with(None)
    rules = {r.kind: r for r in mr_mod.SPEC.related(obj)}
    assert rules["deployments"].labels == {"app": "modelregistry-sample", "component": "model-registry"}
