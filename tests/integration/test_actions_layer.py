import json
import stat

from inference_console.actions.audit import AuditLog
from inference_console.actions.layer import ActionLayer, request_for
from inference_console.actions.recovery import RecoveryStore
from inference_console.actions.types import ErrorKind, Mutation, ObjectRef, PatchType, Verb
from inference_console.sources.kube.connect import connect

REF = ObjectRef("serving.kserve.io", "v1beta1", "inferenceservices", "InferenceService", True, "ml", "qwen")
SECRET = ObjectRef("", "v1", "secrets", "Secret", True, "ml", "hf-token")


def test_request_building():
    m = Mutation(Verb.PATCH, REF, body={"spec": {}}, patch_type=PatchType.MERGE, resource_version="7", dry_run=True)
    method, path, query, body, ctype = request_for(m)
    assert (method, path) == ("PATCH", "/apis/serving.kserve.io/v1beta1/namespaces/ml/inferenceservices/qwen")
    assert ("dryRun", "All") in query and ("fieldManager", "inference-console") in query
    assert body["metadata"]["resourceVersion"] == "7" and ctype == "application/merge-patch+json"
    method, _, _, body, _ = request_for(Mutation(Verb.DELETE, REF, resource_version="9"))
    assert method == "DELETE" and body["preconditions"] == {"resourceVersion": "9"}


async def layer_for(emulator, kubeconfig_path, **kw):
    transport, _info = await connect(str(kubeconfig_path))
    return ActionLayer(transport, **kw), transport


async def test_readonly_sends_nothing(tmp_path, emulator, kubeconfig_path):
    layer, transport = await layer_for(emulator, kubeconfig_path, readonly=True, audit=AuditLog(tmp_path / "a.jsonl"))
    before = emulator.mutating_requests
    result = await layer.run(Mutation(Verb.DELETE, REF))
    await transport.close()
    assert not result.ok and result.error.kind is ErrorKind.READONLY
    assert emulator.mutating_requests == before


async def test_readonly_refusal_says_so_and_is_audited(tmp_path, emulator, kubeconfig_path):
    """Issue 8 §4: the refusal names read-only mode (not the dry run), one audit line per attempt,
    nothing at the server, dry run included."""
    emulator.create(
        {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "cfg", "namespace": "ml"}, "data": {"k": "v"}}
    )
    before_obj = emulator.get("v1", "ConfigMap", "ml", "cfg")
    log = AuditLog(tmp_path / "audit.jsonl", context="prod", user="alice")
    layer, transport = await layer_for(emulator, kubeconfig_path, readonly=True, audit=log)
    cfg = ObjectRef("", "v1", "configmaps", "ConfigMap", True, "ml", "cfg")
    requests_before = sum(emulator.request_counts.values())
    # what the review screen sends first, then what confirming would send
    dry = await layer.run(
        Mutation(Verb.PATCH, cfg, body={"data": {"k": "w"}}, patch_type=PatchType.MERGE, dry_run=True, summary="set k")
    )
    real = await layer.run(Mutation(Verb.DELETE, cfg, resource_version="5"))
    requests_after = sum(emulator.request_counts.values())
    await transport.close()

    assert requests_after == requests_before  # not one request, of any method
    assert emulator.get("v1", "ConfigMap", "ml", "cfg") == before_obj
    for result in (dry, real):
        assert not result.ok and result.error.kind is ErrorKind.READONLY
        message = result.error.render()
        assert "read-only mode refused it before sending" in message.lower()
        assert "nothing was sent to the cluster" in message and "dry run refused" not in message
    assert "read-only mode: refusing to patch ConfigMap ml/cfg" in dry.error.message
    assert "not even a server-side dry run" in dry.error.message
    assert "read-only mode: refusing to delete ConfigMap ml/cfg" in real.error.message

    entries = log.entries()
    assert len(entries) == 2
    assert [(e["verb"], e["dryRun"], e["result"]) for e in entries] == [
        ("patch", True, "refused: read-only"),
        ("delete", False, "refused: read-only"),
    ]
    for entry in entries:
        assert entry["object"] == {"apiVersion": "v1", "kind": "ConfigMap", "namespace": "ml", "name": "cfg"}
        assert entry["user"] == "alice" and entry["context"] == "prod" and "before sending" in entry["message"]
    assert entries[0]["patch"] == {"data": {"k": "w"}} and entries[0]["summary"] == "set k"


async def test_dry_runs_are_not_audited_outside_readonly(tmp_path, emulator, kubeconfig_path):
    emulator.create({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "cfg", "namespace": "ml"}})
    log = AuditLog(tmp_path / "audit.jsonl")
    layer, transport = await layer_for(emulator, kubeconfig_path, readonly=False, audit=log)
    cfg = ObjectRef("", "v1", "configmaps", "ConfigMap", True, "ml", "cfg")
    result = await layer.run(
        Mutation(Verb.PATCH, cfg, body={"data": {"k": "w"}}, patch_type=PatchType.MERGE, dry_run=True)
    )
    await transport.close()
    assert result.ok and log.entries() == []


async def test_odd_answers_are_errors_not_hangs(tmp_path):
    """A proxy in front of the API that answers with its own JSON, or with garbage."""
    from aiohttp import web

    from inference_console.sandbox.apiserver import write_kubeconfig

    async def garbage(request):
        if request.method == "PATCH":
            return web.Response(status=200, text="<html>not json", content_type="application/json")
        return web.json_response({"code": "upstream-down", "message": "proxy says no"}, status=502)

    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", garbage)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # noqa: SLF001
    try:
        transport, _ = await connect(str(write_kubeconfig(tmp_path / "kc", f"http://127.0.0.1:{port}")))
        layer = ActionLayer(transport, readonly=False)
        result = await layer.run(Mutation(Verb.PATCH, REF, body={}, patch_type=PatchType.MERGE))
        assert result.error.kind is ErrorKind.SERVER and "unexpected answer" in result.error.message
        result = await layer.run(Mutation(Verb.DELETE, REF))
        assert result.error.code == 502 and "proxy says no" in result.error.message
        await transport.close()
    finally:
        await runner.cleanup()


async def test_forbidden_names_verb_resource_namespace(emulator, kubeconfig_path):
    emulator.deny("inferenceservices", group="serving.kserve.io", verb="patch")
    layer, transport = await layer_for(emulator, kubeconfig_path, readonly=False)
    result = await layer.run(Mutation(Verb.PATCH, REF, body={}, patch_type=PatchType.MERGE))
    await transport.close()
    text = result.error.message
    assert result.error.kind is ErrorKind.FORBIDDEN
    assert "patch" in text and "inferenceservices.serving.kserve.io" in text and "namespace ml" in text


async def test_audit_masks_secret_values(tmp_path, emulator, kubeconfig_path):
    emulator.create(
        {
            "apiVersion": "v1",
            "kind": "Secret",
            "metadata": {"name": "hf-token", "namespace": "ml"},
            "data": {"token": "b2xk"},
        }
    )
    log = AuditLog(tmp_path / "audit.jsonl", context="prod", user="alice")
    layer, transport = await layer_for(emulator, kubeconfig_path, readonly=False, audit=log)
    result = await layer.run(
        Mutation(Verb.PATCH, SECRET, body={"data": {"token": "c2VjcmV0"}}, patch_type=PatchType.MERGE)
    )
    await transport.close()
    assert result.ok and emulator.get("v1", "Secret", "ml", "hf-token")["data"]["token"] == "c2VjcmV0"
    raw = (tmp_path / "audit.jsonl").read_text()
    assert "c2VjcmV0" not in raw
    entry = json.loads(raw)
    assert entry["user"] == "alice" and entry["context"] == "prod" and entry["result"] == "ok"


def test_recovery_files_are_private_and_contained(tmp_path):
    store = RecoveryStore(tmp_path, "..")
    path = store.save(REF, "spec: {}\n", "cancelled")
    assert tmp_path / "recovery" in path.parents
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    kept = store.load(REF)
    assert kept.text == "spec: {}\n" and kept.reason == "cancelled"
