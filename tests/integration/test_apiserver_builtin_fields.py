"""Built-in kinds decode like kube-apiserver (issue 8 §6): unknown fields of a Deployment are
dropped (fieldValidation Ignore), warned about (Warn) or refused (Strict), and a Pod's spec is
immutable but for container images and a few scheduling fields. kubectl is the client."""

from __future__ import annotations

import copy

import yaml

DEPLOYMENT = {
    "apiVersion": "apps/v1",
    "kind": "Deployment",
    "metadata": {"name": "web", "namespace": "default"},
    "spec": {
        "replicas": 1,
        "selector": {"matchLabels": {"app": "web"}},
        "bogus": 1,
        "template": {
            "metadata": {"labels": {"app": "web"}, "colour": "red"},
            "spec": {
                "containers": [{"name": "c", "image": "nginx", "imagePullPolicy": "Always", "sideways": True}],
                "nodeSelector": {"gpu": "a100"},
            },
        },
    },
}
UNKNOWN = [
    'unknown field "spec.bogus"',
    'unknown field "spec.template.metadata.colour"',
    'unknown field "spec.template.spec.containers[0].sideways"',
]
POD = {
    "apiVersion": "v1",
    "kind": "Pod",
    "metadata": {"name": "p", "namespace": "default"},
    "spec": {
        "containers": [{"name": "c", "image": "busybox:1", "command": ["sleep", "3600"]}],
        "tolerations": [{"key": "gpu", "operator": "Exists"}],
    },
}


def write(tmp_path, name: str, obj: dict) -> str:
    path = tmp_path / name
    path.write_text(yaml.safe_dump(obj))
    return str(path)


def ok(result) -> str:
    assert result.returncode == 0, f"kubectl failed ({result.returncode}): {result.stderr}"
    return result.stdout


async def test_deployment_unknown_fields_follow_field_validation(emulator, kubectl, tmp_path):
    strict = await kubectl("create", "-f", write(tmp_path, "d.yaml", DEPLOYMENT))  # kubectl's default: Strict
    assert strict.returncode == 1
    assert (
        'Deployment in version "v1" cannot be handled as a Deployment: strict decoding error: ' + ", ".join(UNKNOWN)
    ) in strict.stderr
    assert emulator.list("apps/v1", "Deployment") == []

    warned = await kubectl("create", "--validate=warn", "-f", write(tmp_path, "d.yaml", DEPLOYMENT))
    assert warned.returncode == 0, warned.stderr
    for text in UNKNOWN:
        assert f"Warning: {text}" in warned.stderr
    stored = emulator.get("apps/v1", "Deployment", "default", "web")
    assert "bogus" not in stored["spec"] and "colour" not in stored["spec"]["template"]["metadata"]
    assert stored["spec"]["template"]["spec"]["containers"][0] == {
        "name": "c",
        "image": "nginx",
        "imagePullPolicy": "Always",
    }
    assert stored["spec"]["template"]["spec"]["nodeSelector"] == {"gpu": "a100"}  # known fields kept

    other = copy.deepcopy(DEPLOYMENT)
    other["metadata"]["name"] = "quiet"
    ignored = await kubectl("create", "--validate=false", "-f", write(tmp_path, "q.yaml", other))
    assert ignored.returncode == 0 and "Warning" not in ignored.stderr, ignored.stderr
    assert "bogus" not in emulator.get("apps/v1", "Deployment", "default", "quiet")["spec"]

    # kubectl patch asks for Warn: the field is dropped, so the patch changes nothing
    patched = await kubectl("patch", "deployment", "quiet", "--type", "merge", "-p", '{"spec":{"bogus":2}}')
    assert patched.returncode == 0 and "patched (no change)" in patched.stdout
    assert 'Warning: unknown field "spec.bogus"' in patched.stderr


async def test_pod_spec_is_immutable_but_for_images(emulator, kubectl, tmp_path):
    ok(await kubectl("create", "-f", write(tmp_path, "p.yaml", POD)))
    rv = emulator.get("v1", "Pod", "default", "p")["metadata"]["resourceVersion"]
    refused = [
        ["patch", "pod", "p", "-p", '{"spec":{"containers":[{"name":"c","command":["sh"]}]}}'],
        ["patch", "pod", "p", "--type", "merge", "-p", '{"spec":{"nodeName":"gpu-node-1"}}'],
        ["patch", "pod", "p", "--type", "json", "-p", '[{"op":"remove","path":"/spec/tolerations/0"}]'],
    ]
    for args in refused:
        result = await kubectl(*args)
        assert result.returncode == 1, args
        assert (
            'The Pod "p" is invalid: spec: Forbidden: pod updates may not change fields other than '
            "`spec.containers[*].image`" in result.stderr
        ), result.stderr
    renamed = copy.deepcopy(POD)
    renamed["spec"]["containers"][0]["name"] = "main"
    replaced = await kubectl("replace", "-f", write(tmp_path, "p2.yaml", renamed))
    assert replaced.returncode == 1 and "pod updates may not change fields" in replaced.stderr
    assert emulator.get("v1", "Pod", "default", "p")["metadata"]["resourceVersion"] == rv  # nothing stored

    ok(await kubectl("set", "image", "pod/p", "c=busybox:2"))
    ok(
        await kubectl(
            "patch",
            "pod",
            "p",
            "--type",
            "json",
            "-p",
            '[{"op":"add","path":"/spec/tolerations/-","value":{"key":"spot","operator":"Exists"}}]',
        )
    )
    ok(await kubectl("patch", "pod", "p", "--type", "merge", "-p", '{"spec":{"activeDeadlineSeconds":600}}'))
    ok(await kubectl("label", "pod", "p", "tier=gpu"))
    pod = emulator.get("v1", "Pod", "default", "p")
    assert pod["spec"]["containers"][0]["image"] == "busybox:2"
    assert [t["key"] for t in pod["spec"]["tolerations"]] == ["gpu", "spot"]
    assert pod["spec"]["activeDeadlineSeconds"] == 600 and pod["metadata"]["labels"] == {"tier": "gpu"}
