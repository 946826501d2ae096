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
    "modelregistries.modelregistry.opendatahub.io": "crds/model-registry/modelregistry.opendatahub.io_modelregistries.yaml",
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
        assert ("status" in (cv.get("subresources") or {})) == ("status" in (rv.get("subresources") or {})), vname
        assert "scale" not in (cv.get("subresources") or {}) or "scale" in (rv.get("subresources") or {})
        schema = cv["schema"]["openAPIV3Schema"]
        assert schema["type"] == "object"
        # structural (not open at the root): see test_demo_schema_is_a_subset_of_the_real_one
        assert schema.get("x-kubernetes-preserve-unknown-fields") is None


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


# --- the demo's structural schemas are a subset of the real ones -----------------------------------
_STRUCTURAL = ("properties", "items", "additionalProperties", "anyOf")


def _subset_errors(demo: dict, real: dict, path: str) -> list[str]:
    """Every node the demo declares exists in the real schema with the same non-structural
    keys (type, format, enum, pattern, required, int-or-string, list type, bounds...), and the
    demo keeps a subtree open only where the real CRD does."""
    errs: list[str] = []
    for key, value in demo.items():
        if key in _STRUCTURAL:
            continue
        if real.get(key) != value:
            errs.append(f"{path or '<root>'}: {key} is {value!r} in the demo, {real.get(key)!r} in the real CRD")
    if "anyOf" in demo and demo["anyOf"] != real.get("anyOf"):
        errs.append(f"{path}: anyOf differs")
    for key, sub in (demo.get("properties") or {}).items():
        rsub = (real.get("properties") or {}).get(key)
        if rsub is None:
            errs.append(f"{path}.{key}: not in the real CRD")
        else:
            errs.extend(_subset_errors(sub, rsub, f"{path}.{key}"))
    if "items" in demo:
        if not isinstance(real.get("items"), dict):
            errs.append(f"{path}[]: not an array in the real CRD")
        else:
            errs.extend(_subset_errors(demo["items"], real["items"], f"{path}[]"))
    if "additionalProperties" in demo:
        raddl = real.get("additionalProperties")
        if not isinstance(raddl, dict):
            errs.append(f"{path}.*: not a map in the real CRD")
        else:
            errs.extend(_subset_errors(demo["additionalProperties"], raddl, f"{path}.*"))
    return errs


def _paths(schema: dict, path: str = "") -> set[str]:
    out = {path}
    for key, sub in (schema.get("properties") or {}).items():
        out |= _paths(sub, f"{path}.{key}")
    if isinstance(schema.get("items"), dict):
        out |= _paths(schema["items"], f"{path}[]")
    if isinstance(schema.get("additionalProperties"), dict):
        out |= _paths(schema["additionalProperties"], f"{path}.*")
    return out


@pytest.mark.parametrize("name", sorted(REAL))
def test_demo_schema_is_a_subset_of_the_real_one(name, real_crds):
    real_versions = {v["name"]: v for v in real_crds[name]["spec"]["versions"]}
    compact = next(c for c in crds.all_crds() if c["metadata"]["name"] == name)
    for cv in compact["spec"]["versions"]:
        demo = cv["schema"]["openAPIV3Schema"]
        real = real_versions[cv["name"]]["schema"]["openAPIV3Schema"]
        assert _subset_errors(demo, real, "") == [], cv["name"]
        # structural: no preserve-unknown-fields at the root, spec and status declared
        assert "x-kubernetes-preserve-unknown-fields" not in demo
        assert {"apiVersion", "kind", "metadata", "spec", "status"} <= set(demo["properties"])


def test_the_subset_check_catches_an_invented_field(real_crds):
    real = real_crds["inferenceservices.serving.kserve.io"]["spec"]["versions"][0]["schema"]["openAPIV3Schema"]
    demo = crds.all_crds()[0]["spec"]["versions"][0]["schema"]["openAPIV3Schema"]
    pred = demo["properties"]["spec"]["properties"]["predictor"]["properties"]
    pred["bogusField"] = {"type": "integer"}
    pred["minReplicas"] = {"type": "string"}
    errs = _subset_errors(demo, real, "")
    assert ".spec.predictor.bogusField: not in the real CRD" in errs
    assert any(e.startswith(".spec.predictor.minReplicas: type") for e in errs)


def test_console_edited_fields_are_declared():
    """What the console's quick actions and registry deploys write (actions/patches.py,
    actions/registry.py) is declared, so the demo neither prunes it nor lets a bad type through."""
    by_kind = {c["spec"]["names"]["kind"]: c for c in crds.all_crds()}

    def storage_paths(kind: str) -> set[str]:
        v = next(v for v in by_kind[kind]["spec"]["versions"] if v["storage"])
        return _paths(v["schema"]["openAPIV3Schema"])

    isvc = storage_paths("InferenceService")
    for key in ("model", "sklearn", "huggingface"):
        for leaf in ("storageUri", "resources.limits.*", "resources.requests.*"):
            assert f".spec.predictor.{key}.{leaf}" in isvc
    assert {
        ".spec.predictor.minReplicas",
        ".spec.predictor.maxReplicas",
        ".spec.predictor.model.runtime",
        ".spec.predictor.model.modelFormat.name",
        ".spec.predictor.model.modelFormat.version",
    } <= isvc
    bd = storage_paths("BentoDeployment")
    assert {
        ".spec.bento",
        ".spec.autoscaling.minReplicas",
        ".spec.autoscaling.maxReplicas",
        ".spec.resources.limits.gpu",
        ".spec.resources.requests.memory",
        ".spec.runners[].name",
        ".spec.runners[].resources.limits.gpu",
    } <= bd
    # InferenceStack readers live in spec.applications: open in the real CRD, open in the demo.
    stack = next(v for v in by_kind["InferenceStack"]["spec"]["versions"] if v["storage"])
    assert stack["schema"]["openAPIV3Schema"]["properties"]["spec"]["x-kubernetes-preserve-unknown-fields"] is True


def test_every_seeded_custom_resource_validates_strictly_without_pruning():
    """Each object the demo seeds, checked against its demo schema: nothing is unknown (so
    nothing is pruned or refused with Strict) and no value breaks the schema."""
    import copy

    from inference_console.sandbox import scenario
    from inference_console.sandbox.apiserver.validation import Node, prune, validate

    roots: dict[tuple[str, str], Node] = {}
    for c in crds.all_crds():
        for v in c["spec"]["versions"]:
            roots[(f"{c['spec']['group']}/{v['name']}", c["spec"]["names"]["kind"])] = Node(
                v["schema"]["openAPIV3Schema"]
            )
    checked = 0
    for scale in (0, 50):
        for obj in scenario.seed_objects(scale=scale):
            node = roots.get((obj["apiVersion"], obj["kind"]))
            if node is None:
                continue
            where = f"{obj['kind']} {obj['metadata'].get('namespace')}/{obj['metadata']['name']}"
            unknown: list[str] = []
            pruned = copy.deepcopy(obj)
            prune(node, pruned, "", unknown, root=True)
            assert unknown == [], where
            assert pruned == obj, where
            errs: list = []
            validate(node, {k: v for k, v in obj.items() if k != "metadata"}, "", errs)
            assert [str(e) for e in errs] == [], where
            checked += 1
    assert checked > 20
