"""Loki without a URL: a Loki Service found in the cluster (the emulator) and read through the API
server's service proxy (the emulator's, forwarding to the project's Loki test server over
loopback): history, then the tail over the proxied WebSocket, or polling when the upgrade is
refused; `:loki` says how it was found; no Loki Service -> the pod log API."""

from __future__ import annotations

import time
from types import SimpleNamespace

import pytest

from inference_console.sandbox.apiserver.svcproxy import service_backends
from inference_console.sandbox.loki_server import LokiServer
from inference_console.sandbox.runner import load_objects
from inference_console.settings.endpoints import LokiSettings
from inference_console.sources.kube.transport import Transport
from inference_console.sources.loki.discovery import choose
from inference_console.sources.loki.source import LokiSource
from inference_console.state.logs import LogRequest
from inference_console.state.workspace import Workspace
from tests.integration.test_loki_source import LABELS, TARGET, texts, until
from tests.ui.harness import demo_app, screen_text, wait_for

NAMESPACE = {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "logging"}}


def service(name: str, ports: list[dict], labels: dict | None = None, namespace: str = "logging") -> dict:
    return {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {"name": name, "namespace": namespace, "labels": labels or {}},
        "spec": {"ports": ports},
    }


GATEWAY = service(
    "loki-gateway",
    [{"name": "http-metrics", "port": 3100}, {"name": "http", "port": 80}],
    {"app.kubernetes.io/name": "loki", "app.kubernetes.io/component": "gateway"},
)


def test_choice_prefers_the_gateway_and_the_http_port():
    read = service(
        "loki-read", [{"name": "grpc", "port": 9095, "protocol": "TCP"}, {"name": "http-metrics", "port": 3100}]
    )
    single = service("loki", [{"port": 3100}], namespace="a-first")
    chart_gw = service(
        "my-logs-gateway",
        [{"name": "dns", "port": 53, "protocol": "UDP"}, {"port": 8080}],
        {"app.kubernetes.io/name": "loki", "app.kubernetes.io/component": "gateway"},
    )
    other = service("grafana", [{"name": "http", "port": 80}], {"app.kubernetes.io/name": "grafana"})
    assert choose([other]) is None
    assert choose([read, single, other]).name == "loki"
    found = choose([read, single, GATEWAY])
    assert (found.namespace, found.name, found.port) == ("logging", "loki-gateway", "http")
    assert choose([read]).port == "http-metrics"
    assert choose([chart_gw, single]).port == "8080"  # the first TCP port


@pytest.fixture
async def loki():
    server = LokiServer()
    await server.start()
    try:
        yield server
    finally:
        await server.stop()


async def discovered_source(emulator, kube_api, settings: LokiSettings | None = None) -> tuple[LokiSource, Workspace]:
    workspace = Workspace()
    # The kube source as the Loki source sees it: its transport (a real connection) and context namespace.
    workspace.sources["kube"] = SimpleNamespace(
        name="kube", transport=Transport(kube_api), info=SimpleNamespace(namespace="default")
    )
    source = LokiSource(settings or LokiSettings())
    source.rediscover = 0.2
    await source.start(workspace)
    return source, workspace


@pytest.mark.parametrize("websocket", [True, False], ids=["tail", "polling"])
async def test_found_through_the_service_proxy_history_then_tail(emulator, kube_api, loki, websocket):
    load_objects(emulator, [NAMESPACE, GATEWAY])
    service_backends(emulator)[("logging", "loki-gateway")] = loki.url
    loki.websocket_enabled = websocket
    now = time.time_ns()
    for i in range(30):
        loki.push_line(LABELS, f"old {i}", now - (30 - i) * 1_000_000)
    source, workspace = await discovered_source(emulator, kube_api)
    try:
        await until(lambda: source.describe().state == "ready", what="Loki found and ready")
        assert source.found_by == "found: Service logging/loki-gateway via the API server's service proxy"
        assert source.endpoint.endswith("/api/v1/namespaces/logging/services/loki-gateway:http/proxy/")
        assert source.health.startswith("200") and "namespace" in (source.known_labels or [])
        session = await source.open_logs(workspace, LogRequest(TARGET))
        buffer = session.buffer
        mode = "tail (WebSocket)" if websocket else "polling query_range (WebSocket refused)"
        await until(lambda: len(buffer) == 30 and buffer.facts.get("mode") == mode, what="history")
        assert texts(buffer) == [f"old {i}" for i in range(30)]
        assert buffer.facts["found by"] == source.found_by
        if websocket:
            await until(lambda: loki.tenants["fake"].tails, what="the tail through the proxy")
        for i in range(5):
            loki.push_line(LABELS, f"new {i}")
        await until(lambda: len(buffer) == 35, what="live lines")
        assert texts(buffer)[30:] == [f"new {i}" for i in range(5)]
        paths = [r.path for r in emulator.requests]
        assert any(p.endswith("/services/loki-gateway:http/proxy/loki/api/v1/query_range") for p in paths)
        assert any(p.endswith("/proxy/loki/api/v1/tail") for p in paths)  # the upgrade went through the proxy
    finally:
        await source.stop()


async def test_no_loki_service_keeps_looking_and_is_not_ready(emulator, kube_api):
    source, _ = await discovered_source(emulator, kube_api)
    try:
        await until(lambda: source.describe().state == "not found", what="the first look")
        ready, why = source.log_state()
        assert not ready and "no Loki Service" in why and source.client is None
    finally:
        await source.stop()


async def test_app_finds_loki_and_loki_says_how(tmp_path, loki):
    def before(emu) -> None:
        load_objects(emu, [NAMESPACE, GATEWAY])
        service_backends(emu)[("logging", "loki-gateway")] = loki.url

    async with demo_app(tmp_path, before=before) as (app, pilot, emu):
        await wait_for(
            pilot,
            lambda: "loki" in app.workspace.sources and app.workspace.sources["loki"].healthy,
            what="the discovered Loki",
        )
        await pilot.press("colon", *"loki", "enter")
        await wait_for(pilot, lambda: "200 ready" in screen_text(app), what=":loki")
        text = " ".join(screen_text(app).split())
        assert "found: Service logging/loki-gateway via the API server's service proxy" in text
        assert "/services/loki-gateway:http/proxy/" in text
