"""Discovery documents and CRD lifecycle over HTTP."""

from __future__ import annotations

import asyncio
import json

import pytest
from kubernetes_asyncio import client
from kubernetes_asyncio.client.exceptions import ApiException

AGGREGATED = (
    "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,"
    "application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList,application/json"
)


WIDGET_SCHEMA = {
    "openAPIV3Schema": {
        "type": "object",
        "properties": {
            "spec": {"type": "object", "properties": {"size": {"type": "integer"}}},
            "status": {"type": "object", "x-kubernetes-preserve-unknown-fields": True},
        },
    }
}


def widget_crd(scope: str = "Namespaced") -> dict:
    return {
        "apiVersion": "apiextensions.k8s.io/v1",
        "kind": "CustomResourceDefinition",
        "metadata": {"name": "widgets.example.com"},
        "spec": {
            "group": "example.com",
            "scope": scope,
            "names": {
                "kind": "Widget",
                "plural": "widgets",
                "singular": "widget",
                "shortNames": ["wd"],
                "listKind": "WidgetList",
            },
            "versions": [
                {"name": "v1beta1", "served": True, "storage": False, "schema": WIDGET_SCHEMA},
                {
                    "name": "v1",
                    "served": True,
                    "storage": True,
                    "schema": WIDGET_SCHEMA,
                    "subresources": {"status": {}},
                    "additionalPrinterColumns": [{"name": "Size", "type": "integer", "jsonPath": ".spec.size"}],
                },
            ],
        },
    }


async def test_version_and_core_discovery(emulator, http, kube_api):
    async with http.get("/version") as resp:
        version = await resp.json()
    assert version["major"] == "1" and version["gitVersion"].startswith("v1.")
    info = await client.VersionApi(kube_api).get_code()
    assert info.git_version == version["gitVersion"]
    assert (await client.CoreApi(kube_api).get_api_versions()).versions == ["v1"]
    resources = await client.CoreV1Api(kube_api).get_api_resources()
    by_name = {r.name: r for r in resources.resources}
    assert by_name["pods"].short_names == ["po"] and by_name["pods"].namespaced and by_name["pods"].kind == "Pod"
    assert "watch" in by_name["pods"].verbs and by_name["pods"].singular_name == "pod"
    assert by_name["pods/status"].verbs == ["get", "patch", "update"]
    for name, short in (
        ("configmaps", "cm"),
        ("namespaces", "ns"),
        ("nodes", "no"),
        ("events", "ev"),
        ("services", "svc"),
    ):
        assert short in by_name[name].short_names
    assert not by_name["namespaces"].namespaced and not by_name["nodes"].namespaced


async def test_group_discovery_lists_crds_with_short_names(emulator, http):
    async with http.get("/apis", headers={"Accept": AGGREGATED}) as resp:
        assert resp.headers["Content-Type"].startswith("application/json")
        assert ";g=apidiscovery" not in resp.headers["Content-Type"], "legacy answer lets clients fall back"
        groups = {g["name"]: g for g in (await resp.json())["groups"]}
    assert groups["apps"]["preferredVersion"] == {"groupVersion": "apps/v1", "version": "v1"}
    assert groups["serving.kserve.io"]["preferredVersion"]["version"] == "v1beta1"
    yatai = [v["version"] for v in groups["serving.yatai.ai"]["versions"]]
    assert yatai[0] == groups["serving.yatai.ai"]["preferredVersion"]["version"] == "v2alpha1"
    for g in ("resources.yatai.ai", "doublewordai.co", "modelregistry.opendatahub.io", "apiextensions.k8s.io"):
        assert g in groups
    async with http.get("/apis/serving.kserve.io") as resp:
        group = await resp.json()
    assert group["kind"] == "APIGroup" and group["name"] == "serving.kserve.io"
    async with http.get("/apis/serving.kserve.io/v1beta1") as resp:
        rl = await resp.json()
    assert rl["kind"] == "APIResourceList" and rl["groupVersion"] == "serving.kserve.io/v1beta1"
    by_name = {r["name"]: r for r in rl["resources"]}
    assert by_name["inferenceservices"]["shortNames"] == ["isvc"]
    assert by_name["inferenceservices"]["kind"] == "InferenceService"
    assert by_name["inferenceservices"]["namespaced"] is True
    assert "inferenceservices/status" in by_name
    async with http.get("/apis/apps/v1") as resp:
        apps = {r["name"]: r for r in (await resp.json())["resources"]}
    assert apps["deployments"]["shortNames"] == ["deploy"]
    assert apps["deployments/scale"]["kind"] == "Scale" and apps["deployments/scale"]["group"] == "autoscaling"
    async with http.get("/apis/nope.example.com/v1") as resp:
        assert resp.status == 404 and (await resp.json())["reason"] == "NotFound"


async def test_posting_a_crd_serves_it_and_deleting_removes_it(emulator, kube_api, http):
    ext = client.ApiextensionsV1Api(kube_api)
    custom = client.CustomObjectsApi(kube_api)
    with pytest.raises(ApiException) as exc:
        await custom.list_namespaced_custom_object("example.com", "v1", "default", "widgets")
    assert exc.value.status == 404
    created = await ext.create_custom_resource_definition(widget_crd())
    assert {c.type for c in created.status.conditions} >= {"Established", "NamesAccepted"}
    assert created.status.accepted_names.kind == "Widget"
    async with http.get("/apis/example.com/v1") as resp:
        names = {r["name"]: r for r in (await resp.json())["resources"]}
    assert names["widgets"]["shortNames"] == ["wd"] and "widgets/status" in names
    async with http.get("/apis/example.com") as resp:
        assert (await resp.json())["preferredVersion"]["version"] == "v1"
    await custom.create_namespaced_custom_object(
        "example.com",
        "v1",
        "default",
        "widgets",
        {"apiVersion": "example.com/v1", "kind": "Widget", "metadata": {"name": "w1"}, "spec": {"size": 3}},
    )
    listed = await custom.list_namespaced_custom_object("example.com", "v1beta1", "default", "widgets")
    assert listed["kind"] == "WidgetList" and listed["items"][0]["apiVersion"] == "example.com/v1beta1"
    assert emulator.get("example.com/v1", "Widget", "default", "w1")["spec"] == {"size": 3}

    async with http.get(
        "/apis/example.com/v1/namespaces/default/widgets?watch=1&timeoutSeconds=5"
        f"&resourceVersion={emulator.resource_version}"
    ) as watch_resp:
        await ext.delete_custom_resource_definition("widgets.example.com")
        tail = await asyncio.wait_for(watch_resp.read(), 2)  # the watch ends with the CRD
    assert [json.loads(line)["type"] for line in tail.splitlines()] == ["DELETED"]
    with pytest.raises(ApiException) as exc:
        await custom.list_namespaced_custom_object("example.com", "v1", "default", "widgets")
    assert exc.value.status == 404
    async with http.get("/apis") as resp:
        assert "example.com" not in [g["name"] for g in (await resp.json())["groups"]]


async def test_invalid_crd_is_rejected(emulator, kube_api):
    ext = client.ApiextensionsV1Api(kube_api)
    bad = widget_crd()
    bad["metadata"]["name"] = "wrong.example.com"
    with pytest.raises(ApiException) as exc:
        await ext.create_custom_resource_definition(bad)
    assert exc.value.status == 422


async def test_crd_objects_watch_as_they_change(emulator, http):
    async with http.get(
        "/apis/apiextensions.k8s.io/v1/customresourcedefinitions?watch=1&timeoutSeconds=2"
        f"&resourceVersion={emulator.resource_version}"
    ) as resp:
        emulator.install_crd(widget_crd(scope="Cluster"))
        line = await asyncio.wait_for(resp.content.readline(), 2)
    assert b'"type":"ADDED"' in line and b"widgets.example.com" in line
    w = emulator.create({"apiVersion": "example.com/v1", "kind": "Widget", "metadata": {"name": "w"}})
    assert "namespace" not in w["metadata"]
    async with http.get("/apis/example.com/v1/widgets/w") as resp:
        assert (await resp.json())["metadata"]["uid"] == w["metadata"]["uid"]


async def test_openapi_v3_index_declares_patch_parameters(emulator, http):
    async with http.get("/openapi/v3") as resp:
        index = (await resp.json())["paths"]
    assert "api/v1" in index and "apis/serving.kserve.io/v1beta1" in index
    async with http.get(index["apis/serving.kserve.io/v1beta1"]["serverRelativeURL"]) as resp:
        doc = await resp.json()
    ops = [p["patch"] for p in doc["paths"].values()]
    isvc = next(op for op in ops if op["x-kubernetes-group-version-kind"]["kind"] == "InferenceService")
    assert {"fieldValidation", "dryRun", "fieldManager"} <= {p["name"] for p in isvc["parameters"]}
    async with http.get("/openapi/v2") as resp:
        assert resp.status == 404
