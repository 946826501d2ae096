"""A bearer token does not pass the API server's service proxy: kube-apiserver removes the
``Authorization`` header after authenticating the caller (k8s.io/apiserver
``endpoints/filters/authentication.go``), so a Model Registry token cannot reach the registry through
``/api/v1/namespaces/NS/services/NAME:PORT/proxy/``.  The emulator does the same, and the console
says so, with the fix (``url`` in the config's ``model_registry`` table), instead of a bare 401.

Real servers: the project's Kubernetes API emulator requiring a bearer token of its own, the
project's Model Registry server requiring another, a plain aiohttp backend that echoes headers.
"""

from __future__ import annotations

import asyncio
from types import SimpleNamespace

import aiohttp
import pytest
from aiohttp import web

from inference_console.sandbox.apiserver.kubeconfig import write_kubeconfig
from inference_console.sandbox.apiserver.svcproxy import service_backends
from inference_console.sandbox.model_registry_server import ModelRegistryServer
from inference_console.sandbox.registries import _mr_content
from inference_console.sandbox.runner import load_objects
from inference_console.sandbox.scenario import seed_objects
from inference_console.settings.endpoints import ModelRegistrySettings
from inference_console.sources.kube.transport import Transport
from inference_console.sources.model_registry.source import ModelRegistrySource
from inference_console.sources.model_registry.view import VERSIONS
from inference_console.state.store import KindState
from inference_console.state.workspace import Workspace

KUBE_TOKEN = "kube-token-3c9e1f"
MR_TOKEN = "mr-token-77aa01"
TOKEN_ENV = "IC_TEST_MR_PROXY_TOKEN"


def registry_objects() -> list[dict]:
    """The demo's ModelRegistry ``model-registry/modelregistry-public``, its namespace and its Service."""
    return [
        o
        for o in seed_objects()
        if (o["kind"] == "Namespace" and o["metadata"]["name"] == "model-registry")
        or (o["kind"] in ("ModelRegistry", "Service") and o["metadata"].get("namespace") == "model-registry")
    ]


async def until(predicate, timeout: float = 10.0, what: str = "condition") -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not predicate():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.02)


async def test_the_emulators_proxy_authenticates_the_caller_and_drops_authorization(emulator):
    seen: list[dict[str, str]] = []

    async def echo(request: web.Request) -> web.Response:
        seen.append(dict(request.headers))
        return web.json_response({"path": request.path})

    app = web.Application()
    app.router.add_get("/{tail:.*}", echo)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # noqa: SLF001
    emulator.require_token(KUBE_TOKEN)
    load_objects(emulator, registry_objects())
    service_backends(emulator)[("model-registry", "modelregistry-public")] = f"http://127.0.0.1:{port}"
    path = "/api/v1/namespaces/model-registry/services/modelregistry-public:http-api/proxy/api/x"
    try:
        async with aiohttp.ClientSession(base_url=emulator.url) as http:
            async with http.get(path, headers={"X-Tenant": "a"}) as resp:
                assert resp.status == 401  # no credentials: the API server answers, nothing is relayed
            assert seen == []
            headers = {"Authorization": f"Bearer {KUBE_TOKEN}", "X-Tenant": "a"}
            async with http.get(path, headers=headers) as resp:
                assert resp.status == 200 and (await resp.json()) == {"path": "/api/x"}
    finally:
        await runner.cleanup()
    assert len(seen) == 1
    assert seen[0].get("X-Tenant") == "a"  # other headers pass
    assert not any(k.lower() == "authorization" for k in seen[0])  # the caller's token does not
    assert KUBE_TOKEN not in str(seen[0])


@pytest.fixture
async def cluster(emulator, tmp_path):
    """The emulator (token-protected) with the demo's ModelRegistry, its Service relayed to the
    project's Model Registry server (which wants MR_TOKEN), and a kube connection for the sources."""
    from kubernetes_asyncio import client, config

    emulator.require_token(KUBE_TOKEN)
    load_objects(emulator, registry_objects())
    server = ModelRegistryServer(token=MR_TOKEN)
    _mr_content(server)
    await server.start()
    service_backends(emulator)[("model-registry", "modelregistry-public")] = server.url
    kubeconfig = write_kubeconfig(tmp_path / "kubeconfig", emulator.url, token=KUBE_TOKEN)
    cfg = client.Configuration()
    await config.load_kube_config(config_file=str(kubeconfig), client_configuration=cfg)
    try:
        async with client.ApiClient(cfg) as api:
            yield SimpleNamespace(emulator=emulator, server=server, transport=Transport(api))
    finally:
        await server.stop()


async def discovered(cluster, settings: ModelRegistrySettings) -> tuple[ModelRegistrySource, Workspace]:
    ws = Workspace(interval=0.01)
    ws.sources["kube"] = SimpleNamespace(name="kube", transport=cluster.transport)
    source = ModelRegistrySource(settings, discover=True, retry=(0.2, 0.5))
    source.rediscover = 0.2
    await ws.start_source(source)
    return source, ws


async def test_a_token_through_the_service_proxy_is_named_with_its_fix(cluster, monkeypatch):
    monkeypatch.setenv(TOKEN_ENV, MR_TOKEN)
    source, ws = await discovered(cluster, ModelRegistrySettings(token_env=TOKEN_ENV, timeout=5.0))
    try:
        await until(lambda: VERSIONS in ws.stores, what="the registry's views")
        store = ws.stores[VERSIONS]
        await until(lambda: store.status.state is KindState.FORBIDDEN, what="the state")
        reason = store.status.reason
        assert "401 through the API server's service proxy" in reason
        assert "removes the Authorization header" in reason
        assert "token configured for it" in reason
        assert "set url in the model_registry table of the config file" in reason
        assert "/services/modelregistry-public:http-api/proxy" in source.client.where
        overview = ws.stores["registries"].get("model-registry")
        assert overview["state"] == "failed" and "set url in the model_registry table" in overview["detail"]
        # The registry was reached (the API server relayed the request), without any token.
        assert any(
            path.startswith("/api/model_registry/v1alpha3/registered_models") for _, path in cluster.server.requests
        )
        assert MR_TOKEN not in f"{reason} {overview} {source.describe()}"
        assert KUBE_TOKEN not in f"{reason} {overview} {source.describe()}"
    finally:
        await ws.close()
    # The fix, as the message says: the registry's URL (reached directly) with the same token.
    direct = ModelRegistrySource(ModelRegistrySettings(url=cluster.server.url, token_env=TOKEN_ENV), poll=60)
    ws = Workspace(interval=0.01)
    await ws.start_source(direct)
    try:
        await until(lambda: ws.stores[VERSIONS].status.state is KindState.LIVE, what="the versions")
        assert len(ws.stores[VERSIONS]) == 8
    finally:
        await ws.close()


async def test_no_token_configured_says_none_can_be_sent_through_the_proxy(cluster):
    source, ws = await discovered(cluster, ModelRegistrySettings(timeout=5.0))
    try:
        await until(lambda: VERSIONS in ws.stores, what="the registry's views")
        store = ws.stores[VERSIONS]
        await until(lambda: store.status.state is KindState.FORBIDDEN, what="the state")
        reason = store.status.reason
        assert "it wants a token, and none can be sent that way" in reason
        assert "set url in the model_registry table of the config file" in reason and "token_env" in reason
    finally:
        await ws.close()
