"""The demo's CRDs validate like the real ones (issue 8 §6): the real kubectl against the demo
sandbox gets, for a bad edit, the same answer as against an API server with the real CRDs from
shared/fixtures/crds (the ``emulator`` fixture)."""

from __future__ import annotations

import copy
import json

import pytest

from inference_console.sandbox.runner import Sandbox
from tests.fixtures_kube import Kubectl, kubectl_binary


@pytest.fixture
def sandbox():
    sb = Sandbox(controller=False)
    sb.start(timeout=20)
    try:
        yield sb
    finally:
        sb.stop()


@pytest.fixture
def demo_kubectl(sandbox, tmp_path) -> Kubectl:
    path = sandbox.write_kubeconfig(tmp_path / "demo-kubeconfig")
    return Kubectl(kubectl_binary(), path, tmp_path / "demo-kubectl-cache")


def _seeded(sb: Sandbox, kind: str) -> dict:
    return next(o for o in sb.seed_result.objects if o["kind"] == kind and "status" in o)


def _bare(obj: dict) -> dict:
    """The seeded object as a manifest (for the real-CRD server)."""
    out = copy.deepcopy(obj)
    md = out["metadata"]
    out["metadata"] = {"name": md["name"], "namespace": md["namespace"]}
    out.pop("status", None)
    return out


async def _both(sandbox, emulator, kubectl, demo_kubectl, kind: str):
    obj = _seeded(sandbox, kind)
    emulator.create({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": obj["metadata"]["namespace"]}})
    out = await kubectl("apply", "-f", "-", input=json.dumps(_bare(obj)))
    assert out.returncode == 0, out.stderr
    return obj["metadata"]["namespace"], obj["metadata"]["name"]


def _errors(stderr: str) -> list[str]:
    """kubectl's output less its note that the seeded object was not created by kubectl apply."""
    return [line for line in stderr.splitlines() if "last-applied-configuration annotation" not in line]


BAD_PATCHES = [
    (
        "InferenceService",
        {"spec": {"predictor": {"minReplicas": "notanumber"}}},
        'spec.predictor.minReplicas: Invalid value: "string": spec.predictor.minReplicas in body must be of type '
        'integer: "string"',
    ),
    (
        "InferenceService",
        {"spec": {"predictor": {"model": {"resources": {"limits": {"memory": "lots"}}}}}},
        'spec.predictor.model.resources.limits.memory: Invalid value: "lots"',
    ),
    (
        "InferenceService",
        {"spec": {"predictor": {"scaleMetric": "gpu"}}},
        'spec.predictor.scaleMetric: Unsupported value: "gpu"',
    ),
    (
        "BentoDeployment",
        {"spec": {"autoscaling": {"maxReplicas": "many"}}},
        'spec.autoscaling.maxReplicas: Invalid value: "string": spec.autoscaling.maxReplicas in body must be of type '
        'integer: "string"',
    ),
    (
        "ModelRegistry",
        {"spec": {"rest": {"serviceRoute": "sometimes"}}},
        'spec.rest.serviceRoute: Unsupported value: "sometimes"',
    ),
]


@pytest.mark.parametrize("kind,patch,cause", BAD_PATCHES, ids=[f"{k}-{c.split(':')[0]}" for k, _, c in BAD_PATCHES])
async def test_a_bad_value_gets_the_422_a_real_cluster_gives(
    sandbox, emulator, kubectl, demo_kubectl, kind, patch, cause
):
    ns, name = await _both(sandbox, emulator, kubectl, demo_kubectl, kind)
    argv = ("patch", kind.lower(), name, "-n", ns, "--type=merge", "-p", json.dumps(patch))
    real = await kubectl(*argv)
    demo = await demo_kubectl(*argv)
    assert real.returncode != 0 and demo.returncode != 0
    assert f'The {kind} "{name}" is invalid: {cause}' in real.stderr, real.stderr
    assert demo.stderr == real.stderr


async def test_an_unknown_field_is_refused_strictly_and_dropped_with_a_warning(
    sandbox, emulator, kubectl, demo_kubectl
):
    ns, name = await _both(sandbox, emulator, kubectl, demo_kubectl, "InferenceService")
    manifest = _bare(_seeded(sandbox, "InferenceService"))
    manifest["spec"]["predictor"].update(bogusField=1, minReplicas=2)
    # kubectl apply is strict by default (fieldValidation=Strict): 400, nothing stored
    for validate in ("--validate=strict", None):
        argv = ["apply", "-f", "-"] + ([validate] if validate else [])
        real = await kubectl(*argv, input=json.dumps(manifest))
        demo = await demo_kubectl(*argv, input=json.dumps(manifest))
        assert real.returncode != 0 and demo.returncode != 0
        assert 'strict decoding error: unknown field "spec.predictor.bogusField"' in real.stderr, real.stderr
        assert _errors(demo.stderr) == _errors(real.stderr), demo.stderr
    # --validate=warn: stored without the field, with the server's warning
    argv = ["apply", "-f", "-", "--validate=warn", "-o", "json"]
    real = await kubectl(*argv, input=json.dumps(manifest))
    demo = await demo_kubectl(*argv, input=json.dumps(manifest))
    assert real.returncode == 0 and demo.returncode == 0, demo.stderr
    assert 'Warning: unknown field "spec.predictor.bogusField"' in demo.stderr
    assert _errors(demo.stderr) == _errors(real.stderr)
    stored = json.loads(demo.stdout)["spec"]["predictor"]
    assert stored["minReplicas"] == 2 and "bogusField" not in stored
    assert "bogusField" not in json.loads(real.stdout)["spec"]["predictor"]
    # kubectl patch sends no fieldValidation: the server's default (Warn) drops the field with a warning
    argv = [
        "patch",
        "isvc",
        name,
        "-n",
        ns,
        "--type=merge",
        "-o",
        "json",
        "-p",
        json.dumps({"spec": {"predictor": {"bogusField": 1, "minReplicas": 3}}}),
    ]
    real, demo = await kubectl(*argv), await demo_kubectl(*argv)
    assert real.returncode == 0 and demo.returncode == 0, demo.stderr
    assert 'Warning: unknown field "spec.predictor.bogusField"' in demo.stderr
    assert demo.stderr == real.stderr
    stored = json.loads(demo.stdout)["spec"]["predictor"]
    assert stored["minReplicas"] == 3 and "bogusField" not in stored


async def test_an_unknown_field_in_an_open_subtree_is_kept(sandbox, emulator, kubectl, demo_kubectl):
    """InferenceStack spec is open in the real CRD (the chart's values): open in the demo too."""
    ns, name = await _both(sandbox, emulator, kubectl, demo_kubectl, "InferenceStack")
    argv = (
        "patch",
        "inferencestack",
        name,
        "-n",
        ns,
        "--type=merge",
        "-p",
        json.dumps({"spec": {"gateway": {"newChartValue": 1}}}),
        "-o",
        "json",
    )
    real, demo = await kubectl(*argv), await demo_kubectl(*argv)
    assert real.returncode == 0 and demo.returncode == 0, demo.stderr
    assert json.loads(demo.stdout)["spec"]["gateway"]["newChartValue"] == 1
    assert json.loads(real.stdout)["spec"]["gateway"]["newChartValue"] == 1
