"""Generic KindSpecs from the real CRDs' printer columns, the JSONPath subset, and the
registry (builtin kinds agree with the fixture CRDs; aliases resolve)."""

from __future__ import annotations

import pytest

from inference_console.catalog import SECTIONS, builtin_kinds, find_kind
from inference_console.catalog.base import Health, HealthResult
from inference_console.catalog.generic import jsonpath_text, spec_from_api_resource, spec_from_crd

try:
    from test_catalog_support import CRD_FILES, crd_files, load_crd, load_example, validate_crd_object
except ImportError:
    from tests.unit.test_catalog_support import CRD_FILES, crd_files, load_crd, load_example, validate_crd_object

import yaml

T0 = "2026-01-01T00:00:00Z"


def load_path(path):
    with path.open() as fh:
        return yaml.safe_load(fh)


# ---------------------------------------------------------------- JSONPath


DOC = {
    "metadata": {"labels": {"app.kubernetes.io/name": "x", "a.b/c": "y"}},
    "spec": {"containers": [{"name": "a", "port": 1}, {"name": "b", "port": 2}], "flag": False},
    "status": {
        "conditions": [{"type": "Ready", "status": "True"}, {"type": "Available", "status": "False", "message": "m"}],
        "components": {
            "predictor": {
                "traffic": [
                    {"latestRevision": True, "percent": 10},
                    {"tag": "prev", "latestRevision": False, "percent": 90},
                ]
            }
        },
    },
}


@pytest.mark.parametrize(
    "path, expected",
    [
        (".status.conditions[?(@.type=='Ready')].status", "True"),
        ('.status.conditions[?(@.type=="Available")].message', "m"),
        (".status.conditions[?(@.type!='Ready')].type", "Available"),
        (".status.components.predictor.traffic[?(@.latestRevision==true)].percent", "10"),
        (".status.components.predictor.traffic[?(@.tag=='prev')].percent", "90"),
        (".spec.containers[*].name", "a,b"),
        (".spec.containers[1].name", "b"),
        (".spec.containers[-1].port", "2"),
        (".spec.containers[?(@.port>=2)].name", "b"),
        (".spec.flag", "false"),
        (".metadata.labels.app\\.kubernetes\\.io/name", "x"),
        (".metadata.labels['a.b/c']", "y"),
        ("{.spec.containers[0].name}", "a"),
        (".spec.missing.deeper", ""),
        (".spec.containers[7].name", ""),
        ("..name", ""),
        (".spec.containers[", ""),
        (".spec.containers[?(@.port=)]", ""),
    ],
)
def test_jsonpath_subset(path, expected):
    assert jsonpath_text(path, DOC) == expected


def test_jsonpath_renders_maps_and_lists_as_compact_json():
    assert jsonpath_text(".spec.containers[0]", DOC) == '{"name":"a","port":1}'
    assert jsonpath_text(".status.components.predictor.traffic[*].percent", DOC) == "10,90"


def test_jsonpath_on_garbage_documents():
    for doc in (
        None,
        1,
        "s",
        [],
        {"status": None},
        {"status": {"conditions": "x"}},
        {"status": {"conditions": [None, 1, {"type": ["Ready"]}]}},
    ):
        assert jsonpath_text(".status.conditions[?(@.type=='Ready')].status", doc) == ""


# ---------------------------------------------------------------- spec_from_crd on every real CRD


@pytest.mark.parametrize("path", crd_files(), ids=lambda p: p.name)
def test_every_fixture_crd_gives_a_spec(path):
    crd = load_path(path)
    spec = spec_from_crd(crd)
    names = crd["spec"]["names"]
    assert spec.key == f"{names['plural']}.{crd['spec']['group']}"
    assert spec.kind == names["kind"]
    assert spec.namespaced == (crd["spec"]["scope"] == "Namespaced")
    assert spec.section == "Other CRDs"
    storage = [v["name"] for v in crd["spec"]["versions"] if v.get("storage")]
    assert spec.version == storage[0]
    header = [c.name for c in spec.columns]
    assert header[0] == "NAME"
    assert ("NAMESPACE" in header) == spec.namespaced
    assert "AGE" in header
    printer = (
        next(v for v in crd["spec"]["versions"] if v["name"] == spec.version).get("additionalPrinterColumns") or []
    )
    assert len(header) == 1 + int(spec.namespaced) + len(printer) + (
        0 if any(p["jsonPath"] == ".metadata.creationTimestamp" for p in printer) else 1
    )
    assert set(spec.aliases) >= {names["singular"], *names.get("shortNames", [])}
    obj = {
        "apiVersion": f"{crd['spec']['group']}/{spec.version}",
        "kind": names["kind"],
        "metadata": {"name": "x", "creationTimestamp": T0},
    }
    assert all(isinstance(c.get(obj), str) for c in spec.columns)


def test_yatai_bento_deployment_crd_columns_per_version():
    crd = load_crd("bentodeployments.serving.yatai.ai")
    current = spec_from_crd(crd)
    assert current.version == "v2alpha1"
    assert [c.name for c in current.columns] == ["NAME", "NAMESPACE", "BENTO", "AVAILABLE", "AGE"]
    old = spec_from_crd(crd, "v1alpha1")
    assert [c.name for c in old.columns] == ["NAME", "NAMESPACE", "BENTO", "READY", "MINREPLICAS", "MAXREPLICAS", "AGE"]
    sample = load_example("yatai-deployment_serving_v1alpha1_bentodeployment.yaml")
    sample["spec"]["autoscaling"] = {"min_replicas": 1, "max_replicas": 4}
    validate_crd_object("bentodeployments.serving.yatai.ai", sample)
    row = {c.name: c.get(sample) for c in old.columns}
    assert (row["BENTO"], row["MINREPLICAS"], row["MAXREPLICAS"]) == ("iris_classifier:nxapohu4codzplg6", "1", "4")
    maxcol = next(c for c in old.columns if c.name == "MAXREPLICAS")
    assert maxcol.justify == "right" and maxcol.sort(sample) == (0, 4.0, "")


def test_printer_column_priority_drops_wide_columns_first():
    spec = spec_from_crd(load_crd("modelregistries.modelregistry.opendatahub.io"))
    prio = {c.name: c.priority for c in spec.columns}
    assert prio["NAME"] == 0
    assert prio["HOSTS"] > prio["AVAILABLE"]  # CRD priority 2 → wide
    assert prio["KUBERBACPROXY"] > prio["AVAILABLE"]


def test_cluster_scoped_serving_runtime_columns_on_the_real_sample():
    path = next(p for p in crd_files() if p.name == "serving.kserve.io_clusterservingruntimes.yaml")
    spec = spec_from_crd(load_path(path))
    assert spec.namespaced is False
    runtime = load_example("kserve_clusterservingruntime_huggingfaceserver.yaml")
    row = {c.name: c.get(runtime) for c in spec.columns}
    assert row["MODELTYPE"] == ",".join(f["name"] for f in runtime["spec"]["supportedModelFormats"])
    assert row["CONTAINERS"] == "kserve-container"
    assert row["DISABLED"] == ""


def test_generic_health_from_ready_or_available():
    spec = spec_from_crd(load_crd("inferenceservices.serving.kserve.io"))
    mk = lambda conds: {"status": {"conditions": conds}}  # noqa: E731
    assert spec.health(mk([{"type": "Ready", "status": "True"}])).state == Health.OK
    assert spec.health(mk([{"type": "Ready", "status": "False", "reason": "X", "message": "y\nz"}])) == HealthResult(
        Health.FAILED, "X: y z"
    )
    assert spec.health(mk([{"type": "Ready", "status": "False", "reason": "X"}])).state == Health.FAILED
    assert spec.health(mk([{"type": "Ready", "status": "Unknown"}])).state == Health.PROGRESSING
    assert spec.health(mk([{"type": "Available", "status": "True"}])).state == Health.OK
    assert spec.health(mk([{"type": "Other", "status": "True"}])).state == Health.UNKNOWN
    assert spec.health({}).state == Health.UNKNOWN


def test_spec_from_api_resource():
    spec = spec_from_api_resource(
        "example.com",
        "v1",
        {"name": "widgets", "singularName": "widget", "namespaced": True, "kind": "Widget", "shortNames": ["wd"]},
    )
    assert (spec.key, spec.kind, spec.api_version, spec.aliases) == (
        "widgets.example.com",
        "Widget",
        "example.com/v1",
        ("wd", "widget"),
    )
    assert [c.name for c in spec.columns] == ["NAME", "NAMESPACE", "AGE"]
    cluster = spec_from_api_resource(
        "", "v1", {"name": "componentstatuses", "namespaced": False, "kind": "ComponentStatus"}
    )
    assert cluster.key == "componentstatuses" and [c.name for c in cluster.columns] == ["NAME", "AGE"]


@pytest.mark.parametrize(
    "crd",
    [
        {},
        {"spec": None},
        {"spec": {"names": "x", "versions": "y"}},
        {"metadata": {"name": "things.example.com"}},
        {
            "spec": {
                "group": "g",
                "names": {"plural": "ps", "kind": "P"},
                "versions": [
                    {
                        "name": "v1",
                        "additionalPrinterColumns": [
                            None,
                            {"name": "X"},
                            {"name": "Y", "jsonPath": "..bad"},
                            {"name": "Z", "jsonPath": ".spec.z", "type": "integer", "priority": "high"},
                        ],
                    }
                ],
            }
        },
    ],
)
def test_malformed_crds_do_not_raise(crd):
    spec = spec_from_crd(crd)
    assert spec.columns[0].name == "NAME"
    for c in spec.columns:
        assert isinstance(c.get({"spec": {"z": "1"}}), str)


# ---------------------------------------------------------------- registry


def test_builtin_kinds_are_unique_and_sectioned():
    specs = builtin_kinds()
    assert len({s.key for s in specs}) == len(specs)
    assert all(s.section in SECTIONS for s in specs)
    assert {s.key for s in specs} >= {
        "inferenceservices.serving.kserve.io",
        "bentodeployments.serving.yatai.ai",
        "bentoes.resources.yatai.ai",
        "bentorequests.resources.yatai.ai",
        "inferencestacks.doublewordai.co",
        "modelregistries.modelregistry.opendatahub.io",
        "deployments",
        "replicasets",
        "pods",
        "services",
        "events",
        "nodes",
        "configmaps",
        "namespaces",
        "secrets",
    }
    serving = [s.key for s in specs if s.section == "Serving"]
    assert (
        serving.index("bentodeployments.serving.yatai.ai")
        < serving.index("bentoes.resources.yatai.ai")
        < serving.index("bentorequests.resources.yatai.ai")
    )


def test_every_alias_resolves_to_its_own_spec():
    for spec in builtin_kinds():
        for name in (spec.key, spec.kind, spec.plural, *spec.aliases, spec.kind.upper(), f"  {spec.plural} "):
            assert find_kind(name) is spec, name
    assert find_kind("no-such-kind") is None


@pytest.mark.parametrize("key", sorted(CRD_FILES))
def test_builtin_crd_kinds_agree_with_the_fixture_crds(key):
    spec = find_kind(key)
    crd = load_crd(key)
    assert spec is not None and spec.key == key
    assert spec.group == crd["spec"]["group"]
    assert spec.kind == crd["spec"]["names"]["kind"]
    assert spec.plural == crd["spec"]["names"]["plural"]
    assert spec.namespaced == (crd["spec"]["scope"] == "Namespaced")
    served = {v["name"] for v in crd["spec"]["versions"] if v.get("served")}
    assert spec.version in served
    for group, version in spec.alternatives:
        if group == crd["spec"]["group"]:
            assert version in served
    for alias in crd["spec"]["names"].get("shortNames", []):
        assert alias in spec.aliases
