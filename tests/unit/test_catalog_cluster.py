"""Nodes, Events, Namespaces, ConfigMaps (model presets) and Secrets."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from inference_console.catalog import find_kind
from inference_console.catalog.base import Health
from inference_console.catalog.kinds import configmap as cm_mod
from inference_console.catalog.kinds import event as event_mod
from inference_console.catalog.kinds import namespace as ns_mod
from inference_console.catalog.kinds import node as node_mod
from inference_console.catalog.kinds import secret as secret_mod
from inference_console.catalog.presets import model_presets, parse_presets

try:
    from test_catalog_support import validate_core_object
except ImportError:
    from tests.unit.test_catalog_support import validate_core_object

T0 = "2026-01-01T00:00:00Z"


def cells(spec, obj) -> dict[str, str]:
    return {c.name: c.get(obj) for c in spec.columns if not c.join}  # joined columns: test_quantity_usage


# ---------------------------------------------------------------- Nodes


def node(ready: str = "True", unschedulable: bool = False, gpus: str = "8") -> dict[str, Any]:
    obj = {
        "apiVersion": "v1",
        "kind": "Node",
        "metadata": {
            "name": "gpu-node-1",
            "creationTimestamp": T0,
            "labels": {
                "node-role.kubernetes.io/worker": "",
                "node-role.kubernetes.io/gpu": "",
                "nvidia.com/gpu.product": "NVIDIA-H100-80GB-HBM3",
                "kubernetes.io/hostname": "gpu-node-1",
            },
        },
        "spec": {"unschedulable": unschedulable},
        "status": {
            "capacity": {"cpu": "96", "memory": "1056Gi", "nvidia.com/gpu": gpus},
            "allocatable": {"cpu": "95", "memory": "1050Gi", "nvidia.com/gpu": str(int(gpus) - 1)},
            "conditions": [
                {
                    "type": "MemoryPressure",
                    "status": "False",
                    "reason": "KubeletHasSufficientMemory",
                    "lastHeartbeatTime": T0,
                    "lastTransitionTime": T0,
                },
                {
                    "type": "Ready",
                    "status": ready,
                    "reason": "KubeletReady" if ready == "True" else "NodeStatusUnknown",
                    "message": "kubelet is posting ready status"
                    if ready == "True"
                    else "Kubelet stopped posting node status.",
                    "lastHeartbeatTime": T0,
                    "lastTransitionTime": T0,
                },
            ],
            "nodeInfo": {
                "kubeletVersion": "v1.31.2",
                "architecture": "amd64",
                "bootID": "",
                "containerRuntimeVersion": "containerd://1.7",
                "kernelVersion": "6.1",
                "kubeProxyVersion": "v1.31.2",
                "machineID": "",
                "operatingSystem": "linux",
                "osImage": "Ubuntu 22.04",
                "systemUUID": "",
            },
            "addresses": [{"type": "InternalIP", "address": "10.1.2.3"}],
        },
    }
    return validate_core_object(obj)


def test_ready_gpu_node_columns():
    obj = node()
    row = cells(node_mod.SPEC, obj)
    assert row == {
        "NAME": "gpu-node-1",
        "STATUS": "Ready",
        "ROLES": "gpu,worker",
        "GPU CAPACITY": "8",
        "GPU ALLOCATABLE": "7",
        "GPU PRODUCT": "NVIDIA-H100-80GB-HBM3",
        "VERSION": "v1.31.2",
        "AGE": row["AGE"],
    }
    assert node_mod.SPEC.health(obj).state == Health.OK
    assert node_mod.SPEC.namespaced is False


def test_cordoned_node_is_progressing():
    obj = node(unschedulable=True)
    assert cells(node_mod.SPEC, obj)["STATUS"] == "Ready,SchedulingDisabled"
    assert node_mod.SPEC.health(obj) == node_mod.HealthResult(Health.PROGRESSING, "cordoned")


@pytest.mark.parametrize("ready", ["False", "Unknown"])
def test_not_ready_node_is_failed(ready):
    obj = node(ready=ready)
    assert cells(node_mod.SPEC, obj)["STATUS"] == ("NotReady" if ready == "False" else "Unknown")
    result = node_mod.SPEC.health(obj)
    assert result.state == Health.FAILED
    assert result.reason == "NodeStatusUnknown: Kubelet stopped posting node status."


def test_node_aliases():
    assert find_kind("no") is node_mod.SPEC


# ---------------------------------------------------------------- Events


def event(etype: str, reason: str, message: str, count: int = 3) -> dict[str, Any]:
    obj = {
        "apiVersion": "v1",
        "kind": "Event",
        "metadata": {"name": "llama-predictor-7d9f.17f3a", "namespace": "models", "creationTimestamp": T0},
        "type": etype,
        "reason": reason,
        "message": message,
        "count": count,
        "firstTimestamp": T0,
        "lastTimestamp": T0,
        "involvedObject": {"kind": "Pod", "name": "llama-predictor-7d9f", "namespace": "models", "apiVersion": "v1"},
        "source": {"component": "kubelet", "host": "gpu-node-1"},
    }
    return validate_core_object(obj)


def test_warning_event_columns_and_health():
    obj = event("Warning", "BackOff", "Back-off restarting failed container kserve-container\nin pod x")
    row = cells(event_mod.SPEC, obj)
    assert (row["TYPE"], row["REASON"], row["OBJECT"], row["COUNT"]) == (
        "Warning",
        "BackOff",
        "pod/llama-predictor-7d9f",
        "3",
    )
    assert row["MESSAGE"] == "Back-off restarting failed container kserve-container in pod x"
    assert row["LAST SEEN"] != "<unknown>"
    assert event_mod.SPEC.health(obj) == event_mod.HealthResult(Health.FAILED, "warning: BackOff")


def test_normal_event_is_ok_and_sorts_newest_first():
    old = event("Normal", "Pulled", "Successfully pulled image")
    new = copy.deepcopy(old)
    new["lastTimestamp"] = "2026-02-01T00:00:00Z"
    assert event_mod.SPEC.health(old).state == Health.OK
    sort = next(c for c in event_mod.SPEC.columns if c.name == "LAST SEEN").sort
    assert sort(new) < sort(old)
    assert find_kind("ev") is event_mod.SPEC


def test_events_k8s_io_shape_is_read_too():
    obj = {
        "type": "Warning",
        "reason": "FailedScheduling",
        "note": "0/3 nodes are available",
        "regarding": {"kind": "Pod", "name": "p"},
        "series": {"count": 7, "lastObservedTime": T0},
    }
    row = cells(event_mod.SPEC, obj)
    assert (row["OBJECT"], row["MESSAGE"], row["COUNT"]) == ("pod/p", "0/3 nodes are available", "7")


# ---------------------------------------------------------------- Namespaces and Secrets


def test_namespace_status():
    active = validate_core_object(
        {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "models"}, "status": {"phase": "Active"}}
    )
    gone = validate_core_object(
        {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "old"}, "status": {"phase": "Terminating"}}
    )
    assert cells(ns_mod.SPEC, active)["STATUS"] == "Active"
    assert ns_mod.SPEC.health(active).state == Health.OK
    assert ns_mod.SPEC.health(gone).state == Health.PROGRESSING
    assert ns_mod.SPEC.namespaced is False and find_kind("ns") is ns_mod.SPEC


def test_secret_never_renders_values():
    obj = validate_core_object(
        {
            "apiVersion": "v1",
            "kind": "Secret",
            "metadata": {"name": "hf-token", "namespace": "models"},
            "type": "Opaque",
            "data": {"HF_TOKEN": "aGZfc2VjcmV0X3ZhbHVl", "extra": "c2VjcmV0Mg=="},
        }
    )
    rendered = " ".join(c.get(obj) for c in secret_mod.SPEC.columns) + " ".join(
        v for _, v in secret_mod.SPEC.summary(obj)
    )
    assert "aGZfc2VjcmV0X3ZhbHVl" not in rendered and "c2VjcmV0Mg==" not in rendered
    assert cells(secret_mod.SPEC, obj)["DATA"] == "2"
    assert cells(secret_mod.SPEC, obj)["TYPE"] == "Opaque"
    assert dict(secret_mod.SPEC.summary(obj))["Keys"] == "HF_TOKEN, extra"


# ---------------------------------------------------------------- ConfigMaps and model presets


def configmap(data: dict[str, str], name: str = "model-config") -> dict[str, Any]:
    return validate_core_object(
        {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": name, "namespace": "models"}, "data": data}
    )


PRESETS_YAML = """\
qwen-small:
  storageUri: hf://Qwen/Qwen2.5-0.5B-Instruct
  modelFormat: huggingface
  runtime: kserve-huggingfaceserver
  memory: 4Gi
llama-8b:
  storageUri: hf://meta-llama/Llama-3.1-8B-Instruct
  gpus: 1
  memory: 32Gi
iris:
  storageUri: gs://seldon-models/sklearn/iris
  modelFormat: {name: sklearn, version: "1"}
"""


def test_presets_yaml_is_parsed_and_normalised():
    cm = configmap({"presets.yaml": PRESETS_YAML})
    assert model_presets(cm) == {
        "qwen-small": {
            "storageUri": "hf://Qwen/Qwen2.5-0.5B-Instruct",
            "modelFormat": "huggingface",
            "runtime": "kserve-huggingfaceserver",
            "gpus": 0,
            "memory": "4Gi",
        },
        "llama-8b": {
            "storageUri": "hf://meta-llama/Llama-3.1-8B-Instruct",
            "modelFormat": "huggingface",
            "runtime": None,
            "gpus": 1,
            "memory": "32Gi",
        },
        "iris": {
            "storageUri": "gs://seldon-models/sklearn/iris",
            "modelFormat": "sklearn",
            "runtime": None,
            "gpus": 0,
            "memory": None,
        },
    }
    assert cm_mod.SPEC.health(cm) == cm_mod.HealthResult(Health.OK, "3 preset(s)")
    assert cells(cm_mod.SPEC, cm)["DATA"] == "1"


def test_one_key_per_preset_is_accepted_and_wins():
    cm = configmap(
        {
            "presets.yaml": PRESETS_YAML,
            "qwen-small.yaml": "storageUri: hf://Qwen/Qwen2.5-1.5B-Instruct\nmodelFormat: huggingface\ngpus: '1'\n",
            "tiny": "storageUri: hf://sshleifer/tiny-gpt2\n",
        }
    )
    presets = model_presets(cm)
    assert presets["qwen-small"]["storageUri"] == "hf://Qwen/Qwen2.5-1.5B-Instruct"
    assert presets["qwen-small"]["gpus"] == 1
    assert presets["tiny"] == {
        "storageUri": "hf://sshleifer/tiny-gpt2",
        "modelFormat": "huggingface",
        "runtime": None,
        "gpus": 0,
        "memory": None,
    }
    assert set(presets) == {"qwen-small", "llama-8b", "iris", "tiny"}


@pytest.mark.parametrize(
    "data, problem",
    [
        ({"presets.yaml": "qwen: [unclosed"}, "invalid YAML"),
        ({"presets.yaml": "- just\n- a list\n"}, "not a map of presets"),
        ({"presets.yaml": "bad:\n  modelFormat: huggingface\n"}, "storageUri missing"),
        ({"presets.yaml": "bad:\n  storageUri: s3://bucket/model\n"}, "modelFormat missing"),
        ({"presets.yaml": "bad:\n  storageUri: hf://a/b\n  gpus: -1\n"}, "gpus"),
        ({"presets.yaml": "bad:\n  storageUri: hf://a/b\n  gpus: lots\n"}, "gpus"),
        ({"presets.yaml": "bad: hf://a/b\n"}, "not a map"),
        ({"presets.yaml": "bad:\n  storageUri: hf://a/b\n  runtime: [x]\n"}, "runtime"),
        ({"presets.yaml": "1:\n  storageUri: hf://a/b\n"}, "not a string"),
        ({"presets.yaml": "a: 1\na: 2\n"}, "invalid YAML"),
    ],
)
def test_malformed_presets_are_skipped_and_reported(data, problem):
    good = "storageUri: hf://Qwen/Qwen2.5-0.5B-Instruct\n"
    cm = configmap({**data, "good.yaml": good})
    presets, problems = parse_presets(cm)
    assert list(presets) == ["good"]
    assert any(problem in p for p in problems), problems
    result = cm_mod.SPEC.health(cm)
    assert result.state == Health.FAILED and "bad preset" in result.reason


def test_presets_of_garbage_inputs_are_empty():
    for junk in (
        None,
        3,
        "text",
        [],
        {"data": None},
        {"data": ["x"]},
        {"data": {"presets.yaml": None}},
        {"data": {"presets.yaml": "x" * (600 * 1024)}},
    ):
        assert model_presets(junk) == {}


def test_other_configmaps_are_ok_and_not_parsed():
    cm = configmap({"presets.yaml": "qwen: [unclosed"}, name="something-else")
    assert cm_mod.SPEC.health(cm).state == Health.OK
    assert find_kind("cm") is cm_mod.SPEC
