"""The emulator's synchronous object API (what tests and the demo controller call directly)."""

from __future__ import annotations

import re

import pytest

from inference_console.sandbox.apiserver import EmulatorError

RFC3339_Z = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")


def deploy(name: str, replicas: int = 1, image: str = "nginx", ns: str | None = "default") -> dict:
    md = {"name": name}
    if ns:
        md["namespace"] = ns
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": md,
        "spec": {
            "replicas": replicas,
            "selector": {"matchLabels": {"app": name}},
            "template": {
                "metadata": {"labels": {"app": name}},
                "spec": {"containers": [{"name": "main", "image": image}]},
            },
        },
    }


def isvc(name: str, ns: str = "default") -> dict:
    return {
        "apiVersion": "serving.kserve.io/v1beta1",
        "kind": "InferenceService",
        "metadata": {"name": name, "namespace": ns},
        "spec": {"predictor": {"model": {"modelFormat": {"name": "sklearn"}, "storageUri": "gs://m"}}},
    }


async def test_create_fills_metadata_and_bumps_rv(emulator):
    before = emulator.resource_version
    obj = emulator.create(deploy("web", ns=None))
    md = obj["metadata"]
    assert md["namespace"] == "default"
    assert re.match(r"^[0-9a-f-]{36}$", md["uid"])
    assert RFC3339_Z.match(md["creationTimestamp"])
    assert md["generation"] == 1
    assert md["resourceVersion"] == str(before + 1) == str(emulator.resource_version)
    # returned dicts are copies
    obj["spec"]["replicas"] = 99
    assert emulator.get("apps/v1", "Deployment", "default", "web")["spec"]["replicas"] == 1


async def test_create_errors(emulator):
    emulator.create(deploy("web"))
    with pytest.raises(EmulatorError) as exc:
        emulator.create(deploy("web"))
    assert exc.value.code == 409 and exc.value.reason == "AlreadyExists"
    assert exc.value.status["message"] == 'deployments.apps "web" already exists'
    assert exc.value.status["kind"] == "Status" and exc.value.status["code"] == 409
    with pytest.raises(EmulatorError) as exc:
        emulator.create({"apiVersion": "example.com/v1", "kind": "Widget", "metadata": {"name": "w"}})
    assert exc.value.code == 404 and exc.value.reason == "NotFound"
    with pytest.raises(EmulatorError) as exc:
        emulator.create({**deploy("Bad_Name")})
    assert exc.value.code == 422 and exc.value.reason == "Invalid"


async def test_cluster_scoped_objects_have_no_namespace(emulator):
    ns = emulator.create({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "team-a"}})
    assert "namespace" not in ns["metadata"]
    assert ns["status"] == {"phase": "Active"}
    node = emulator.create({"apiVersion": "v1", "kind": "Node", "metadata": {"name": "n1", "namespace": "x"}})
    assert "namespace" not in node["metadata"]
    assert emulator.get("v1", "Node", None, "n1")["metadata"]["uid"] == node["metadata"]["uid"]


async def test_update_checks_resource_version_and_counts_generation(emulator):
    first = emulator.create(deploy("web"))
    stale = dict(first)
    changed = emulator.update({**first, "spec": {**first["spec"], "replicas": 3}})
    assert changed["metadata"]["generation"] == 2
    with pytest.raises(EmulatorError) as exc:
        emulator.update({**stale, "spec": {**stale["spec"], "replicas": 5}})
    assert exc.value.code == 409 and exc.value.reason == "Conflict"
    assert exc.value.message == (
        'Operation cannot be fulfilled on deployments.apps "web": the object has been '
        "modified; please apply your changes to the latest version and try again"
    )
    assert exc.value.status["details"] == {"name": "web", "group": "apps", "kind": "deployments"}
    # status and metadata changes do not bump generation; the sync API may write status directly
    with_status = emulator.update({**changed, "status": {"readyReplicas": 3}})
    assert with_status["metadata"]["generation"] == 2 and with_status["status"] == {"readyReplicas": 3}
    # an update that changes nothing is a no-op: same resourceVersion, no event
    rv = emulator.resource_version
    same = emulator.update(with_status)
    assert same["metadata"]["resourceVersion"] == with_status["metadata"]["resourceVersion"]
    assert emulator.resource_version == rv


async def test_apply_creates_then_replaces_keeping_identity(emulator):
    a = emulator.apply(isvc("m"))
    b = emulator.apply({**isvc("m"), "spec": {"predictor": {"model": {"modelFormat": {"name": "onnx"}}}}})
    assert b["metadata"]["uid"] == a["metadata"]["uid"]
    assert b["metadata"]["creationTimestamp"] == a["metadata"]["creationTimestamp"]
    assert int(b["metadata"]["resourceVersion"]) > int(a["metadata"]["resourceVersion"])
    assert b["metadata"]["generation"] == 2
    assert b["spec"]["predictor"]["model"] == {"modelFormat": {"name": "onnx"}}


async def test_patch_types(emulator):
    emulator.create(deploy("web"))
    merged = emulator.patch(
        "apps/v1", "Deployment", "default", "web", {"metadata": {"labels": {"team": "ml"}}, "spec": {"replicas": 2}}
    )
    assert merged["metadata"]["labels"] == {"team": "ml"} and merged["spec"]["replicas"] == 2
    jp = emulator.patch(
        "apps/v1",
        "Deployment",
        "default",
        "web",
        [{"op": "replace", "path": "/spec/replicas", "value": 4}, {"op": "remove", "path": "/metadata/labels/team"}],
        "json",
    )
    assert jp["spec"]["replicas"] == 4 and jp["metadata"]["labels"] == {}
    sm = emulator.patch(
        "apps/v1",
        "Deployment",
        "default",
        "web",
        {"spec": {"template": {"spec": {"containers": [{"name": "side", "image": "envoy"}]}}}},
        "strategic",
    )
    assert [c["name"] for c in sm["spec"]["template"]["spec"]["containers"]] == ["main", "side"]
    emulator.create(isvc("m"))
    with pytest.raises(EmulatorError) as exc:
        emulator.patch("serving.kserve.io/v1beta1", "InferenceService", "default", "m", {"spec": {}}, "strategic")
    assert exc.value.code == 415 and exc.value.reason == "UnsupportedMediaType"
    with pytest.raises(EmulatorError) as exc:
        emulator.patch(
            "apps/v1", "Deployment", "default", "web", {"metadata": {"resourceVersion": "1"}, "spec": {"replicas": 9}}
        )
    assert exc.value.code == 409
    with pytest.raises(EmulatorError) as exc:
        emulator.patch("apps/v1", "Deployment", "default", "missing", {"spec": {}})
    assert exc.value.code == 404 and exc.value.message == 'deployments.apps "missing" not found'


async def test_delete_get_list(emulator):
    emulator.create(deploy("a"))
    emulator.create({**deploy("b"), "metadata": {"name": "b", "namespace": "default", "labels": {"tier": "web"}}})
    emulator.create(deploy("c", ns="other"))
    assert [d["metadata"]["name"] for d in emulator.list("apps/v1", "Deployment")] == ["a", "b", "c"]
    assert [d["metadata"]["name"] for d in emulator.list("apps/v1", "Deployment", "default")] == ["a", "b"]
    assert [d["metadata"]["name"] for d in emulator.list("apps/v1", "Deployment", label_selector="tier")] == ["b"]
    assert [d["metadata"]["name"] for d in emulator.list("apps/v1", "Deployment", label_selector="!tier")] == ["a", "c"]
    gone = emulator.delete("apps/v1", "Deployment", "default", "a")
    assert gone["metadata"]["name"] == "a"
    assert int(gone["metadata"]["resourceVersion"]) == emulator.resource_version
    assert emulator.get("apps/v1", "Deployment", "default", "a") is None
    with pytest.raises(EmulatorError) as exc:
        emulator.delete("apps/v1", "Deployment", "default", "a")
    assert exc.value.code == 404


async def test_finalizers_hold_deletion_until_removed(emulator):
    obj = isvc("m")
    obj["metadata"]["finalizers"] = ["serving.kserve.io/finalizer"]
    emulator.create(obj)
    held = emulator.delete("serving.kserve.io/v1beta1", "InferenceService", "default", "m")
    assert RFC3339_Z.match(held["metadata"]["deletionTimestamp"])
    assert emulator.get("serving.kserve.io/v1beta1", "InferenceService", "default", "m") is not None
    emulator.patch("serving.kserve.io/v1beta1", "InferenceService", "default", "m", {"metadata": {"finalizers": None}})
    assert emulator.get("serving.kserve.io/v1beta1", "InferenceService", "default", "m") is None


async def test_deleting_a_namespace_deletes_its_objects(emulator):
    emulator.create({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "gone"}})
    emulator.create(deploy("a", ns="gone"))
    emulator.create(isvc("m", ns="gone"))
    emulator.create(isvc("keep"))
    emulator.delete("v1", "Namespace", None, "gone")
    assert emulator.list("apps/v1", "Deployment", "gone") == []
    assert [o["metadata"]["name"] for o in emulator.list("serving.kserve.io/v1beta1", "InferenceService")] == ["keep"]


async def test_install_crd_files_and_reinstall(emulator, tmp_path):
    path = tmp_path / "crds.yaml"
    path.write_text("""\
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: widgets.example.com}
spec:
  group: example.com
  scope: Cluster
  names: {kind: Widget, plural: widgets, singular: widget, shortNames: [wd]}
  versions:
  - {name: v1, served: true, storage: true, schema: {openAPIV3Schema: {type: object}}}
---
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: gadgets.example.com}
spec:
  group: example.com
  scope: Namespaced
  names: {kind: Gadget, plural: gadgets}
  versions:
  - {name: v1, served: true, storage: true, schema: {openAPIV3Schema: {type: object}}}
""")
    emulator.install_crd_files([path])
    w = emulator.create({"apiVersion": "example.com/v1", "kind": "Widget", "metadata": {"name": "w"}})
    assert "namespace" not in w["metadata"]
    g = emulator.create({"apiVersion": "example.com/v1", "kind": "Gadget", "metadata": {"name": "g"}})
    assert g["metadata"]["namespace"] == "default"
    emulator.install_crd_files(str(path))  # installing again is fine and keeps the objects
    assert emulator.get("example.com/v1", "Widget", None, "w") is not None
    crd = emulator.get("apiextensions.k8s.io/v1", "CustomResourceDefinition", None, "widgets.example.com")
    assert {c["type"] for c in crd["status"]["conditions"]} == {"NamesAccepted", "Established"}
    emulator.delete("apiextensions.k8s.io/v1", "CustomResourceDefinition", None, "widgets.example.com")
    with pytest.raises(EmulatorError) as exc:
        emulator.list("example.com/v1", "Widget")
    assert exc.value.code == 404


async def test_restore_keeps_identity_and_age(emulator):
    snap = {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {
            "name": "old",
            "namespace": "llm-prod",
            "uid": "0b7c4c1e-0000-4000-8000-000000000001",
            "creationTimestamp": "2026-01-02T03:04:05Z",
            "generation": 3,
        },
        "spec": {"containers": []},
        "status": {"phase": "Running"},
    }
    out = emulator.restore(snap)
    assert out["metadata"]["uid"] == "0b7c4c1e-0000-4000-8000-000000000001"
    assert out["metadata"]["creationTimestamp"] == "2026-01-02T03:04:05Z"
    assert out["metadata"]["generation"] == 3 and out["status"] == {"phase": "Running"}
    assert out["metadata"]["resourceVersion"] == str(emulator.resource_version)
    fresh = emulator.restore({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c"}})
    assert fresh["metadata"]["uid"] and RFC3339_Z.match(fresh["metadata"]["creationTimestamp"])
    with pytest.raises(EmulatorError) as exc:
        emulator.restore(snap)
    assert exc.value.code == 409
