"""The demo seed (sandbox.scenario) loads into an emulator that serves the real fixture CRDs: every custom resource
passes the emulator's schema validation (Strict: nothing would be pruned) unchanged."""

from __future__ import annotations

import copy
from datetime import datetime, timezone

import pytest

from inference_console.sandbox import scenario
from inference_console.sandbox.apiserver import EmulatorError, KubeEmulator
from inference_console.sandbox.runner import load_objects
from tests.fixtures_kube import fixture_crds

NOW = datetime(2025, 3, 1, 12, 0, 0, tzinfo=timezone.utc)
CR_KINDS = {"InferenceService", "BentoDeployment", "Bento", "BentoRequest", "InferenceStack", "ModelRegistry"}


def real_emulator() -> KubeEmulator:
    emu = KubeEmulator()
    for crd in fixture_crds():
        emu.install_crd(crd)
    return emu


def without_rv(obj: dict) -> dict:
    out = copy.deepcopy(obj)
    out["metadata"].pop("resourceVersion", None)
    return out


def test_seed_restores_into_real_crds_unchanged():
    objs = scenario.seed_objects(scale=20, now=NOW)
    expected = {(o["kind"], o["metadata"].get("namespace"), o["metadata"]["name"]): copy.deepcopy(o) for o in objs}
    emu = real_emulator()
    assert load_objects(emu, objs) == len(expected)
    checked = 0
    for (kind, ns, name), want in expected.items():
        if kind not in CR_KINDS:
            continue
        got = without_rv(emu.get(want["apiVersion"], kind, ns, name))
        if "generation" not in want["metadata"]:  # restore fills it in
            assert got["metadata"].pop("generation") == 1
        assert got == want, (kind, ns, name)
        checked += 1
    assert checked == sum(1 for k in expected if k[0] in CR_KINDS) >= 20
    # every CR kind went through a real (non-open) schema
    for kind in CR_KINDS:
        rt = next(rt for rt in emu.registry.all() if rt.kind == kind)
        assert emu.crud.schema(rt) is not None, kind


def test_a_drifted_seed_object_is_refused():
    emu = real_emulator()
    objs = scenario.seed_objects(now=NOW)
    isvc = copy.deepcopy(next(o for o in objs if o["kind"] == "InferenceService"))
    bad = copy.deepcopy(isvc)
    bad["spec"]["predictor"]["model"]["storageURI"] = bad["spec"]["predictor"]["model"].pop("storageUri")
    with pytest.raises(EmulatorError) as exc:
        emu.restore(bad)
    assert exc.value.code == 400 and 'unknown field "spec.predictor.model.storageURI"' in exc.value.message
    bad = copy.deepcopy(isvc)
    bad["spec"]["predictor"]["minReplicas"] = "1"
    with pytest.raises(EmulatorError) as exc:
        emu.restore(bad)
    assert exc.value.code == 422
    assert exc.value.details["causes"][0]["field"] == "spec.predictor.minReplicas"
    stack = copy.deepcopy(next(o for o in objs if o["kind"] == "BentoDeployment"))
    stack["spec"]["autoscaling"]["minReplicas"] = "two"
    with pytest.raises(EmulatorError) as exc:
        emu.restore(stack)
    assert exc.value.details["causes"][0]["field"] == "spec.autoscaling.minReplicas"
