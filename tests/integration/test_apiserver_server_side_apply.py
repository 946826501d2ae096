"""Server-side apply as kube-apiserver does it (issue 8 §6), with kubectl as the client:
a non-forced apply that changes a field another manager owns (an ordinary ``kubectl patch``
or ``set image`` included) is a 409 conflict; --force-conflicts takes the field over; fields
a manager applied before and leaves out now are removed unless someone else owns them."""

from __future__ import annotations

import json

import yaml


def ok(result) -> str:
    assert result.returncode == 0, f"kubectl failed ({result.returncode}): {result.stderr}"
    return result.stdout


def cm(data: dict, labels: dict | None = None) -> dict:
    md: dict = {"name": "model-config", "namespace": "default"}
    if labels:
        md["labels"] = labels
    return {"apiVersion": "v1", "kind": "ConfigMap", "metadata": md, "data": data}


class Applier:
    def __init__(self, kubectl, tmp_path, manager: str) -> None:
        self.kubectl, self.path, self.manager = kubectl, tmp_path / f"{manager}.yaml", manager

    async def __call__(self, obj: dict, *extra: str):
        self.path.write_text(yaml.safe_dump(obj))
        return await self.kubectl(
            "apply", "--server-side", "--field-manager", self.manager, "-f", str(self.path), *extra
        )


def managers(emulator, api_version: str, kind: str, name: str) -> dict[str, dict]:
    obj = emulator.get(api_version, kind, "default", name)
    return {e["manager"]: e["fieldsV1"] for e in obj["metadata"].get("managedFields") or []}


async def test_apply_conflicts_with_an_ordinary_patch_and_force_takes_the_field(emulator, kubectl, tmp_path):
    ops = Applier(kubectl, tmp_path, "ops")
    ok(await ops(cm({"a": "1", "b": "2"})))
    ok(await kubectl("patch", "configmap", "model-config", "--type", "merge", "-p", '{"data":{"b":"3"}}'))
    assert managers(emulator, "v1", "ConfigMap", "model-config")["kubectl-patch"] == {"f:data": {"f:b": {}}}

    refused = await ops(cm({"a": "1", "b": "2"}))
    assert refused.returncode == 1
    assert 'Apply failed with 1 conflict: conflict with "kubectl-patch" using v1: .data.b' in refused.stderr
    assert emulator.get("v1", "ConfigMap", "default", "model-config")["data"] == {"a": "1", "b": "3"}

    ok(await ops(cm({"a": "1", "b": "3"})))  # the same value is no conflict: the field is shared
    assert set(managers(emulator, "v1", "ConfigMap", "model-config")) == {"ops", "kubectl-patch"}

    ok(await ops(cm({"a": "1", "b": "2"}), "--force-conflicts"))
    assert emulator.get("v1", "ConfigMap", "default", "model-config")["data"] == {"a": "1", "b": "2"}
    assert set(managers(emulator, "v1", "ConfigMap", "model-config")) == {"ops"}  # the patcher owned only b


async def test_fields_left_out_of_an_applied_configuration_are_removed(emulator, kubectl, tmp_path):
    ops = Applier(kubectl, tmp_path, "ops")
    other = Applier(kubectl, tmp_path, "other")
    ok(await ops(cm({"a": "1", "b": "2", "shared": "s"}, labels={"x": "1", "y": "2"})))
    ok(await other(cm({"shared": "s"})))  # co-owned, same value
    ok(await ops(cm({"a": "1"}, labels={"x": "1"})))
    obj = emulator.get("v1", "ConfigMap", "default", "model-config")
    assert obj["data"] == {"a": "1", "shared": "s"}  # b removed; shared kept: "other" still owns it
    assert obj["metadata"]["labels"] == {"x": "1"}
    ok(await other(cm({})))  # the last owner lets go: removed
    assert emulator.get("v1", "ConfigMap", "default", "model-config")["data"] == {"a": "1"}


async def test_list_items_are_owned_by_key_in_a_deployment(emulator, kubectl, tmp_path):
    def deployment(containers: list[dict]) -> dict:
        return {
            "apiVersion": "apps/v1",
            "kind": "Deployment",
            "metadata": {"name": "web", "namespace": "default"},
            "spec": {
                "replicas": 1,
                "selector": {"matchLabels": {"app": "web"}},
                "template": {"metadata": {"labels": {"app": "web"}}, "spec": {"containers": containers}},
            },
        }

    ops = Applier(kubectl, tmp_path, "ops")
    ok(await ops(deployment([{"name": "model", "image": "vllm:1"}, {"name": "proxy", "image": "envoy:1"}])))
    ok(await kubectl("set", "image", "deployment/web", "model=vllm:2"))
    refused = await ops(deployment([{"name": "model", "image": "vllm:1"}, {"name": "proxy", "image": "envoy:1"}]))
    assert refused.returncode == 1
    assert (
        'conflict with "kubectl-set" using apps/v1: .spec.template.spec.containers[name="model"].image'
        in refused.stderr
    ), refused.stderr
    ok(await ops(deployment([{"name": "model", "image": "vllm:2"}])))  # drops the proxy container
    spec = emulator.get("apps/v1", "Deployment", "default", "web")["spec"]["template"]["spec"]
    assert spec["containers"] == [{"name": "model", "image": "vllm:2"}]
    mf = json.dumps(managers(emulator, "apps/v1", "Deployment", "web")["ops"])
    assert "proxy" not in mf and "model" in mf
