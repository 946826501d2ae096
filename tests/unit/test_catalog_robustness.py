"""No catalog function may raise on what a cluster can send, and nothing it renders may
carry a raw control character.

Property-style: every builtin spec (and a generic spec per fixture CRD) is fed fixed
garbage, then a few hundred deterministic random mutations of realistic objects
(fields replaced by None, wrong types, huge strings, escape sequences).
"""

from __future__ import annotations

import copy
import random
import re
from typing import Any, Iterator

import pytest

from inference_console.catalog import builtin_kinds, find_kind
from inference_console.catalog.base import Health, HealthResult, KindSpec, RelatedRule, related_match
from inference_console.catalog.generic import spec_from_crd

try:
    from test_catalog_support import crd_files, load_example
except ImportError:
    from tests.unit.test_catalog_support import crd_files, load_example

import yaml

RAW_CONTROL = re.compile(r"[\x00-\x08\x0a-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")
EVIL = "\x1b[31mred\x1b[0m\x07\x1b]52;c;ZXZpbA==\x07\u202e\r\n\x9b"
HUGE = "x" * 200_000

JUNK: list[Any] = [
    None,
    0,
    -1,
    10**30,
    1.5,
    float("nan"),
    True,
    "",
    "garbage",
    EVIL,
    HUGE,
    [],
    [None],
    ["x", 1],
    {},
    {"x": None},
    {"type": ["Ready"]},
]

GARBAGE_OBJECTS: list[Any] = [
    None,
    1,
    "pod",
    [],
    {},
    {"metadata": None},
    {"metadata": []},
    {"metadata": "x"},
    {
        "metadata": {
            "name": 5,
            "namespace": ["x"],
            "labels": "x",
            "annotations": [1],
            "ownerReferences": {"uid": 1},
            "creationTimestamp": "yesterday",
            "deletionTimestamp": 3,
            "generation": "two",
        }
    },
    {"metadata": {"creationTimestamp": "2026-01-01T00:00:00"}},  # no offset
    {"metadata": {"creationTimestamp": "9999-12-31T23:59:59Z"}},
    {"status": "x"},
    {"status": []},
    {"status": {"conditions": "x"}},
    {
        "status": {
            "conditions": [
                None,
                1,
                "x",
                {"type": None, "status": 1},
                {"type": "Ready", "status": ["True"], "reason": 5, "message": {}},
            ]
        }
    },
    {"spec": [], "status": []},
    {"spec": {"predictor": []}},
    {"spec": {"predictor": {"model": "m", "canaryTrafficPercent": "ten"}}},
    {"spec": {"containers": {"a": 1}, "replicas": "3", "template": []}},
    {
        "spec": {
            "applications": {
                "a": [],
                1: {},
                "b": {"readerConfig": "x", "replicaCount": "many", "resources": {"limits": {"nvidia.com/gpu": "lots"}}},
            },
            "applicationTemplate": [],
        }
    },
    {
        "status": {
            "containerStatuses": [None, {"state": "x", "lastState": {"terminated": "x"}, "restartCount": "9"}],
            "phase": 3,
        }
    },
    {
        "status": {
            "modelStatus": {"transitionStatus": ["x"], "lastFailureInfo": "x", "states": []},
            "components": {"predictor": {"traffic": "x"}},
        }
    },
    {"data": {"presets.yaml": ": : :"}, "metadata": {"name": "model-config"}},
    {"type": ["Warning"], "involvedObject": "x", "count": "many", "series": []},
]


def _sample_objects() -> list[dict[str, Any]]:
    out = [
        load_example("kserve_hf_isvc.yaml"),
        load_example("kserve_rollout_canary.yaml"),
        load_example("yatai-deployment_tests_e2e_example.yaml", kind="BentoDeployment"),
        load_example("yatai-deployment_tests_e2e_example.yaml", kind="Bento"),
        load_example("yatai-image-builder_tests_e2e_example.yaml", kind="BentoRequest", index=1),
        load_example("takeoff_charts_v1alpha1_inference_stack.yaml"),
        load_example("model-registry-operator_postgres_modelregistry_v1beta1_modelregistry.yaml"),
    ]
    out[0]["status"] = {
        "url": "http://x",
        "conditions": [{"type": "Ready", "status": "False", "reason": "OOMKilled", "message": "m"}],
        "components": {
            "predictor": {"traffic": [{"latestRevision": True, "percent": 10}, {"tag": "prev", "percent": 90}]}
        },
        "modelStatus": {
            "transitionStatus": "BlockedByFailedLoad",
            "lastFailureInfo": {"reason": "ModelLoadFailed", "message": "m", "exitCode": 137},
        },
    }
    out[5]["spec"]["applications"] = {"a": {"readerConfig": {"modelName": "m"}}, "b": {"scaling": {"enabled": True}}}
    pod = {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {
            "name": "p",
            "namespace": "n",
            "creationTimestamp": "2026-01-01T00:00:00Z",
            "deletionTimestamp": None,
        },
        "spec": {
            "nodeName": "n1",
            "containers": [{"name": "c", "image": "i", "resources": {"limits": {"nvidia.com/gpu": "1"}}}],
            "initContainers": [{"name": "i"}],
        },
        "status": {
            "phase": "Running",
            "conditions": [{"type": "PodScheduled", "status": "False", "reason": "Unschedulable", "message": "m"}],
            "initContainerStatuses": [{"name": "i", "state": {"terminated": {"exitCode": 0}}}],
            "containerStatuses": [
                {
                    "name": "c",
                    "ready": False,
                    "restartCount": 3,
                    "state": {"waiting": {"reason": "CrashLoopBackOff"}},
                    "lastState": {
                        "terminated": {"reason": "OOMKilled", "exitCode": 137, "finishedAt": "2026-01-01T00:00:00Z"}
                    },
                }
            ],
        },
    }
    deploy = {
        "metadata": {"name": "d", "generation": 2},
        "spec": {
            "replicas": 2,
            "selector": {"matchLabels": {"a": "b"}},
            "template": {"spec": {"containers": [{"name": "c", "image": "i"}]}},
        },
        "status": {
            "observedGeneration": 1,
            "replicas": 2,
            "conditions": [{"type": "Progressing", "status": "False", "reason": "ProgressDeadlineExceeded"}],
        },
    }
    node = {
        "metadata": {"name": "n", "labels": {"node-role.kubernetes.io/gpu": "", "nvidia.com/gpu.product": "H100"}},
        "spec": {"unschedulable": True, "taints": [{"key": "k", "effect": "NoSchedule"}]},
        "status": {
            "capacity": {"nvidia.com/gpu": "8"},
            "conditions": [{"type": "Ready", "status": "True"}],
            "addresses": [{"type": "InternalIP", "address": "1.2.3.4"}],
        },
    }
    event = {
        "type": "Warning",
        "reason": "BackOff",
        "message": "m",
        "involvedObject": {"kind": "Pod", "name": "p"},
        "count": 2,
        "lastTimestamp": "2026-01-01T00:00:00Z",
    }
    svc = {
        "spec": {"type": "LoadBalancer", "ports": [{"port": 80, "nodePort": 30000}], "selector": {"a": "b"}},
        "status": {"loadBalancer": {"ingress": [{"ip": "1.1.1.1"}]}},
    }
    cm = {
        "metadata": {"name": "model-config"},
        "data": {"presets.yaml": "q:\n  storageUri: hf://a/b\n", "x.yaml": "storageUri: s3://b\nmodelFormat: onnx\n"},
    }
    return out + [
        pod,
        deploy,
        node,
        event,
        svc,
        cm,
        {"type": "Opaque", "data": {"k": "dg=="}},
        {"status": {"phase": "Active"}},
    ]


SAMPLES = _sample_objects()


def all_specs() -> list[KindSpec]:
    specs = list(builtin_kinds())
    for path in crd_files():
        with path.open() as fh:
            specs.append(spec_from_crd(yaml.safe_load(fh)))
    return specs


SPECS = all_specs()


def exercise(spec: KindSpec, obj: Any) -> list[str]:
    """Call every function of a spec on ``obj``; return everything it would render."""
    texts: list[str] = []
    for col in spec.columns:
        text = col.get(obj)
        assert isinstance(text, str), (spec.key, col.name)
        texts.append(text)
        if col.sort is not None:
            key = col.sort(obj)
            hash(key)  # sortable keys are plain values
            sorted([key, key])
    result = spec.health(obj)
    assert isinstance(result, HealthResult) and isinstance(result.state, Health) and isinstance(result.reason, str), (
        spec.key
    )
    texts.append(result.reason)
    summary = spec.summary(obj)
    assert isinstance(summary, list)
    for item in summary:
        assert isinstance(item, tuple) and len(item) == 2 and all(isinstance(x, str) for x in item), (spec.key, item)
        texts.extend(item)
    rules = spec.related(obj)
    assert isinstance(rules, list) and all(isinstance(r, RelatedRule) for r in rules), spec.key
    for rule in rules:
        assert isinstance(related_match(rule, obj if isinstance(obj, dict) else {}, {"metadata": {"name": "x"}}), bool)
    return texts


def paths(obj: Any, prefix: tuple = ()) -> Iterator[tuple]:
    if isinstance(obj, dict):
        for k, v in obj.items():
            yield prefix + (k,)
            yield from paths(v, prefix + (k,))
    elif isinstance(obj, list):
        for i, v in enumerate(obj):
            yield prefix + (i,)
            yield from paths(v, prefix + (i,))


def mutate(obj: Any, path: tuple, value: Any) -> Any:
    out = copy.deepcopy(obj)
    cur = out
    for key in path[:-1]:
        cur = cur[key]
    cur[path[-1]] = value
    return out


@pytest.mark.parametrize("spec", SPECS, ids=lambda s: f"{s.key}@{s.version}")
def test_fixed_garbage_never_raises(spec):
    for obj in GARBAGE_OBJECTS + SAMPLES:
        for text in exercise(spec, obj):
            assert not RAW_CONTROL.search(text), (spec.key, text[:80])


@pytest.mark.parametrize("spec", SPECS, ids=lambda s: f"{s.key}@{s.version}")
def test_random_mutations_never_raise(spec):
    rng = random.Random(f"catalog:{spec.key}")
    for _ in range(250):
        sample = rng.choice(SAMPLES)
        candidates = list(paths(sample))
        obj = sample
        for _ in range(rng.randint(1, 3)):
            if candidates:
                obj = mutate(obj, rng.choice(candidates), rng.choice(JUNK))
                candidates = list(paths(obj))[:2000]
        for text in exercise(spec, obj):
            assert not RAW_CONTROL.search(text), (spec.key, text[:80])


def _poison(obj: Any) -> Any:
    """Every string in ``obj`` (keys included) with escape sequences around it."""
    if isinstance(obj, dict):
        return {(_poison(k) if isinstance(k, str) else k): _poison(v) for k, v in obj.items()}
    if isinstance(obj, list):
        return [_poison(v) for v in obj]
    if isinstance(obj, str):
        return f"{EVIL}{obj}{EVIL}"
    return obj


def _poison_values(obj: Any) -> Any:
    if isinstance(obj, dict):
        return {k: _poison_values(v) for k, v in obj.items()}
    if isinstance(obj, list):
        return [_poison_values(v) for v in obj]
    return f"{obj}{EVIL}" if isinstance(obj, str) else obj


@pytest.mark.parametrize("spec", SPECS, ids=lambda s: f"{s.key}@{s.version}")
def test_escape_sequences_anywhere_are_rendered_visibly(spec):
    shown = 0
    for sample in SAMPLES:
        for obj in (_poison(sample), _poison_values(sample)):
            for text in exercise(spec, obj):
                assert not RAW_CONTROL.search(text), (spec.key, text[:120])
                shown += "\\x1b[31m" in text
    assert shown > 0, "the escape sequences should be rendered visibly somewhere"


def test_control_characters_in_a_name_are_made_visible():
    pod = {
        "metadata": {"name": "evil\x1b[31mpod\x07", "namespace": "ns\x1b]0;title\x07"},
        "status": {"phase": "Running"},
    }
    spec = find_kind("pods")
    row = {c.name: c.get(pod) for c in spec.columns}
    assert row["NAME"] == "evil\\x1b[31mpod\\x07"
    assert row["NAMESPACE"] == "ns\\x1b]0;title\\x07"


def test_huge_values_are_clipped_in_cells():
    isvc = load_example("kserve_hf_isvc.yaml")
    isvc["spec"]["predictor"]["model"]["storageUri"] = "hf://" + HUGE
    text = next(c for c in find_kind("isvc").columns if c.name == "STORAGE URI").get(isvc)
    assert text.startswith("hf://xxx") and len(text) < 1200 and "chars)" in text


def test_health_reason_is_one_line_and_bounded():
    isvc = load_example("kserve_hf_isvc.yaml")
    isvc["status"] = {
        "conditions": [{"type": "Ready", "status": "False", "reason": "Boom", "message": ("line\n" * 5000)}]
    }
    reason = find_kind("isvc").health(isvc).reason
    assert reason.startswith("Boom: line line") and "\n" not in reason and len(reason) <= 300
