"""The sandbox's compact CRDs must match the real upstream CRDs in shared/fixtures."""

from __future__ import annotations

import pytest
import yaml

from inference_console.sandbox import crds
from tests.shared import shared_dir

FIXTURES = shared_dir() / "fixtures"  # fails loudly when ../shared is missing
_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

REAL = {
    "inferenceservices.serving.kserve.io": "crds/kserve/serving.kserve.io_inferenceservices.yaml",
    "bentodeployments.serving.yatai.ai": "crds/yatai/serving.yatai.ai_bentodeployments.yaml",
    "bentoes.resources.yatai.ai": "crds/yatai/resources.yatai.ai_bentoes.yaml",
    "bentorequests.resources.yatai.ai": "crds/yatai/resources.yatai.ai_bentorequests.yaml",
    "inferencestacks.doublewordai.co": "crds/takeoff/doublewordai.co_inferencestacks.yaml",
    "modelregistries.modelregistry.opendatahub.io":
        "crds/model-registry/modelregistry.opendatahub.io_modelregistries.yaml",
}


def _load(rel: str) -> dict:
    with open(FIXTURES / rel, encoding="utf-8") as fh:
        return yaml.load(fh, Loader=_Loader)


@pytest.fixture(scope="module")
def real_crds() -> dict[str, dict]:
    return {name: _load(rel) for name, rel in REAL.items()}


def test_every_sandbox_crd_has_a_real_counterpart():
    names = sorted(c["metadata"]["name"] for c in crds.all_crds())
    assert names == sorted(REAL)


@pytest.mark.parametrize("name", sorted(REAL))
def test_compact_crd_matches_real(name, real_crds):
    real = real_crds[name]
    compact = next(c for c in crds.all_crds() if c["metadata"]["name"] == name)
    assert compact["apiVersion"] == "apiextensions.k8s.io/v1"
    assert compact["kind"] == "CustomResourceDefinition"
    assert compact["metadata"]["name"] == real["metadata"]["name"]
    rs, cs = real["spec"], compact["spec"]
    assert cs["group"] == rs["group"]
    assert cs["scope"] == rs["scope"]
    assert cs["names"]["kind"] == rs["names"]["kind"]
    assert cs["names"]["plural"] == rs["names"]["plural"]
    assert cs["names"]["singular"] == rs["names"]["singular"]
    assert cs["names"]["listKind"] == rs["names"]["listKind"]
    assert cs["names"].get("shortNames", []) == rs["names"].get("shortNames", [])
    assert cs["names"].get("categories", []) == rs["names"].get("categories", [])

    real_versions = {v["name"]: v for v in rs["versions"]}
    compact_versions = {v["name"]: v for v in cs["versions"]}
    assert list(compact_versions) == list(real_versions)
    for vname, rv in real_versions.items():
        cv = compact_versions[vname]
        assert cv["served"] == rv["served"], vname
        assert cv["storage"] == rv["storage"], vname
        assert cv.get("additionalPrinterColumns", []) == rv.get("additionalPrinterColumns", []), vname
        # The status subresource matters: the console patches status in tests.
        assert ("status" in (cv.get("subresources") or {})) == (
            "status" in (rv.get("subresources") or {})
        ), vname
        assert "scale" not in (cv.get("subresources") or {}) or "scale" in (rv.get("subresources") or {})
        schema = cv["schema"]["openAPIV3Schema"]
        assert schema["type"] == "object"
        assert schema.get("x-kubernetes-preserve-unknown-fields") is True


def test_exactly_one_storage_version_each():
    for c in crds.all_crds():
        assert sum(1 for v in c["spec"]["versions"] if v["storage"]) == 1, c["metadata"]["name"]


def test_served_api_version():
    assert crds.served_api_version("InferenceService") == "serving.kserve.io/v1beta1"
    assert crds.served_api_version("BentoDeployment") == "serving.yatai.ai/v2alpha1"
    assert crds.served_api_version("InferenceStack") == "doublewordai.co/v1alpha1"
    assert crds.served_api_version("ModelRegistry") == "modelregistry.opendatahub.io/v1beta1"


def test_all_crds_returns_copies():
    a = crds.all_crds()
    a[0]["spec"]["group"] = "mutated"
    assert crds.all_crds()[0]["spec"]["group"] == "serving.kserve.io"
