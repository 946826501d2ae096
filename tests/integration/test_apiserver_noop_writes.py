"""Writes that change nothing are no-ops, as on kube-apiserver (issue 8 §6): same
resourceVersion, no watch event, so a second identical ``kubectl replace`` succeeds. And an
ordinary write's manager owns the fields it changed, not the whole object."""

from __future__ import annotations

import asyncio
import json

import yaml

CM = {
    "apiVersion": "v1",
    "kind": "ConfigMap",
    "metadata": {"name": "model-config", "namespace": "default"},
    "data": {"a": "1", "b": "2"},
}


def ok(result) -> str:
    assert result.returncode == 0, f"kubectl failed ({result.returncode}): {result.stderr}"
    return result.stdout


async def next_line(resp, timeout: float = 5.0) -> dict:
    while True:
        line = await asyncio.wait_for(resp.content.readline(), timeout)
        assert line, "the watch ended"
        ev = json.loads(line)
        if ev["type"] != "BOOKMARK":
            return ev


async def test_replace_twice_and_identical_patches_do_not_move_the_resource_version(emulator, kubectl, http, tmp_path):
    manifest = tmp_path / "cm.yaml"
    manifest.write_text(yaml.safe_dump(CM))
    ok(await kubectl("create", "-f", str(manifest)))
    rv0 = emulator.get("v1", "ConfigMap", "default", "model-config")["metadata"]["resourceVersion"]
    async with http.get(
        f"/api/v1/namespaces/default/configmaps?watch=1&resourceVersion={rv0}&allowWatchBookmarks=true"
    ) as watch:
        current = tmp_path / "current.yaml"
        current.write_text(ok(await kubectl("get", "configmap", "model-config", "-o", "yaml")))
        for _ in range(2):  # the file still holds rv0: a bumped version would make the second one 409
            out = ok(await kubectl("replace", "-f", str(current)))
            assert "configmap/model-config replaced" in out
        ok(await kubectl("patch", "configmap", "model-config", "--type", "merge", "-p", '{"data":{"a":"1"}}'))
        ok(await kubectl("patch", "configmap", "model-config", "-p", '{"data":{"b":"2"}}'))  # strategic
        ok(await kubectl("label", "configmap", "model-config", "tier=gpu"))
        ok(await kubectl("label", "configmap", "model-config", "tier=gpu", "--overwrite"))
        ok(await kubectl("apply", "--server-side", "--field-manager", "ops", "-f", str(manifest)))
        ok(await kubectl("apply", "--server-side", "--field-manager", "ops", "-f", str(manifest)))
        # only two of those changed anything: the label and the first apply (managedFields)
        first = await next_line(watch)
        second = await next_line(watch)
        ok(await kubectl("annotate", "configmap", "model-config", "marker=end"))
        third = await next_line(watch)
    assert first["object"]["metadata"]["labels"] == {"tier": "gpu"}
    assert int(first["object"]["metadata"]["resourceVersion"]) == int(rv0) + 1
    assert [e["manager"] for e in second["object"]["metadata"]["managedFields"]][-1] == "ops"
    assert third["object"]["metadata"]["annotations"] == {"marker": "end"}
    assert int(third["object"]["metadata"]["resourceVersion"]) == int(rv0) + 3


async def test_an_ordinary_write_owns_only_what_it_changed(emulator, kubectl, tmp_path):
    manifest = tmp_path / "cm.yaml"
    manifest.write_text(yaml.safe_dump(CM))
    ok(await kubectl("create", "-f", str(manifest)))
    ok(await kubectl("patch", "configmap", "model-config", "--type", "merge", "-p", '{"data":{"b":"3","c":"4"}}'))
    obj = json.loads(ok(await kubectl("get", "configmap", "model-config", "-o", "json", "--show-managed-fields")))
    by = {e["manager"]: e for e in obj["metadata"]["managedFields"]}
    assert set(by) == {"kubectl-create", "kubectl-patch"}
    assert by["kubectl-patch"]["fieldsV1"] == {"f:data": {"f:b": {}, "f:c": {}}}
    assert by["kubectl-create"]["fieldsV1"] == {"f:data": {"f:a": {}}}  # b moved to the patcher
    # a replace that changes one value: the replacer owns that value only
    current = tmp_path / "current.yaml"
    doc = yaml.safe_load(ok(await kubectl("get", "configmap", "model-config", "-o", "yaml")))
    doc["data"]["a"] = "10"
    current.write_text(yaml.safe_dump(doc))
    ok(await kubectl("replace", "-f", str(current)))
    obj = json.loads(ok(await kubectl("get", "configmap", "model-config", "-o", "json", "--show-managed-fields")))
    by = {e["manager"]: e for e in obj["metadata"]["managedFields"]}
    assert by["kubectl-replace"]["fieldsV1"] == {"f:data": {"f:a": {}}}
    assert "kubectl-create" not in by  # it owned only data.a, now the replacer's
