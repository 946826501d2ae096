"""Loki failing under an open pane, against the project's Loki-compatible server over real
connections: stopped and restarted on the same port, a tenant refused mid-stream, a 5xx outage,
Loki's tail limit (closed after the upgrade with Loki's message, or refused with 429), and the
tenant header through the API server's service proxy (the emulator's, as kube-apiserver forwards
non-auth headers) for HTTP and the tail's WebSocket upgrade."""

from __future__ import annotations

import asyncio
import socket
import time

import pytest

from inference_console.sandbox.apiserver.svcproxy import service_backends
from inference_console.sandbox.loki_server import LokiServer
from inference_console.sandbox.runner import load_objects
from inference_console.settings.endpoints import LokiSettings
from inference_console.sources.loki.source import LokiSource
from inference_console.state.logs import LogRequest
from inference_console.state.store import KindState
from inference_console.state.workspace import Workspace
from tests.integration.test_loki_discovery import GATEWAY, NAMESPACE, discovered_source
from tests.integration.test_loki_source import LABELS, TARGET, texts, until


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


async def open_direct(server: LokiServer, **settings) -> tuple[LokiSource, object]:
    source = LokiSource(LokiSettings(url=server.url, **settings))
    workspace = Workspace()
    await source.start(workspace)
    assert await source.check()
    session = await source.open_logs(workspace, LogRequest(TARGET))
    await until(lambda: session.buffer.facts.get("mode") == "tail (WebSocket)", what="the tail")
    return source, session


def status(session) -> tuple[KindState, str]:
    return session.buffer.status.state, session.buffer.status.reason


async def test_loki_stopped_then_restarted_on_the_same_port_resumes():
    port = free_port()
    loki = LokiServer()
    await loki.start(port=port)
    loki.push_line(LABELS, "before the outage")
    source, session = await open_direct(loki)
    try:
        await until(lambda: loki.tenants["fake"].tails, what="the server's tail")
        await loki.stop()
        await until(lambda: session.failures >= 2, what="two failed reconnections")
        state, reason = status(session)
        assert state is KindState.RECONNECTING and reason.startswith("Loki unreachable: ")
        assert "retrying in" in reason and "(failed " in reason
        assert session.buffer.facts["failure"] == "unreachable" and session.failing
        loki = LokiServer()
        await loki.start(port=port)
        assert session.retry() == "retrying now"  # the pane's `r`: no wait for the back-off
        await until(lambda: loki.tenants["fake"].tails, timeout=3, what="the tail on the new server")
        loki.push_line(LABELS, "after the restart")
        await until(lambda: texts(session.buffer)[-1] == "after the restart", what="a line from the new server")
        assert status(session) == (KindState.LIVE, "") and not session.failing and session.failures == 0
        assert texts(session.buffer) == ["before the outage", "after the restart"]
        assert session.retry() == "nothing to retry: Loki answers"
    finally:
        await source.stop()
        await loki.stop()


async def test_tenant_refused_mid_stream_stops_until_retried():
    loki = LokiServer(auth_enabled=True)
    await loki.start()
    loki.push_line(LABELS, "team a line", tenant="team-a")
    source, session = await open_direct(loki, tenant="team-a")
    try:
        await until(lambda: texts(session.buffer) == ["team a line"], what="history")
        loki.allowed_tenants = {"team-b"}  # the gateway stops accepting team-a
        await loki.drop_tails()
        await until(lambda: session.buffer.status.state is KindState.ERROR, what="the refusal")
        assert status(session)[1] == "Loki refused the tenant (401): tenant 'team-a' is not allowed"
        assert session.buffer.facts["mode"] == "stopped" and session.buffer.facts["failure"] == "tenant"
        tails = sum(1 for path, _ in loki.requests if path.endswith("/tail"))
        await asyncio.sleep(0.6)  # no retry loop against a refusing tenant
        assert sum(1 for path, _ in loki.requests if path.endswith("/tail")) == tails
        loki.allowed_tenants = None
        session.retry()
        await until(lambda: loki.tenants["team-a"].tails, what="the tail again")
        loki.push_line(LABELS, "allowed again", tenant="team-a")
        await until(lambda: texts(session.buffer)[-1] == "allowed again", what="a line after the retry")
        assert status(session) == (KindState.LIVE, "")
    finally:
        await source.stop()
        await loki.stop()


async def test_server_errors_back_off_with_the_message_then_recover():
    loki = LokiServer()
    await loki.start()
    source, session = await open_direct(loki)
    try:
        await until(lambda: loki.tenants["fake"].tails, what="the server's tail")
        loki.outage = (502, "upstream connect error or disconnect/reset before headers")
        await loki.drop_tails()
        await until(lambda: session.failures >= 2, what="failed reconnections")
        state, reason = status(session)
        assert state is KindState.RECONNECTING
        assert reason.startswith("Loki error (502): upstream connect error or disconnect/reset before headers")
        assert session.buffer.facts["failure"] == "server"
        loki.outage = None
        session.retry()
        await until(lambda: loki.tenants["fake"].tails, what="the tail again")
        loki.push_line(LABELS, "recovered")
        await until(lambda: texts(session.buffer)[-1:] == ["recovered"], what="a line after the outage")
        assert status(session) == (KindState.LIVE, "")
    finally:
        await source.stop()
        await loki.stop()


@pytest.mark.parametrize("refusal", [None, 429], ids=["closed-1011", "refused-429"])
async def test_tail_limit_shows_lokis_message_and_backs_off(refusal):
    loki = LokiServer(max_concurrent_tails=1)
    loki.tail_limit_status = refusal
    await loki.start()
    first, _ = await open_direct(loki)
    source = LokiSource(LokiSettings(url=loki.url))
    workspace = Workspace()
    await source.start(workspace)
    assert await source.check()
    session = await source.open_logs(workspace, LogRequest(TARGET))
    try:
        await until(lambda: session.failures >= 1, what="the refused tail")
        state, reason = status(session)
        limit = "max concurrent tail requests limit exceeded, count > limit (2 > 1)"
        expected = (
            f"Loki closed the tail (1011): {limit}" if refusal is None else f"Loki refused the tail (429): {limit}"
        )
        assert state is KindState.RECONNECTING and reason == f"{expected} — retrying in 2s"
        assert session.buffer.facts["failure"] == "limit"
        # Backed off: one attempt in the first second, not a loop.
        attempts = sum(1 for path, _ in loki.requests if path.endswith("/tail"))
        await asyncio.sleep(1.0)
        assert sum(1 for path, _ in loki.requests if path.endswith("/tail")) <= attempts + 1
        await first.stop()  # a tail slot frees: the pane's retry gets it
        session.retry()
        await until(lambda: status(session) == (KindState.LIVE, ""), what="the tail after the limit")
        loki.push_line(LABELS, "after the limit")
        await until(lambda: texts(session.buffer)[-1:] == ["after the limit"], what="a line")
    finally:
        await source.stop()
        await first.stop()
        await loki.stop()


async def test_tenant_header_through_the_service_proxy(emulator, kube_api):
    loki = LokiServer(auth_enabled=True, tenants={"team-a"})
    await loki.start()
    load_objects(emulator, [NAMESPACE, GATEWAY])
    service_backends(emulator)[("logging", "loki-gateway")] = loki.url
    loki.push_line(LABELS, "team a history", time.time_ns() - 1_000_000, tenant="team-a")
    source, workspace = await discovered_source(emulator, kube_api, LokiSettings(tenant="team-a"))
    try:
        await until(lambda: source.describe().state == "ready", what="Loki found and ready")
        assert "namespace" in (source.known_labels or [])  # /labels answered: the tenant went through
        session = await source.open_logs(workspace, LogRequest(TARGET))
        await until(lambda: texts(session.buffer) == ["team a history"], what="history through the proxy")
        await until(lambda: loki.tenants["team-a"].tails, what="the tail through the proxy")
        loki.push_line(LABELS, "team a live", tenant="team-a")
        await until(lambda: texts(session.buffer)[-1:] == ["team a live"], what="a live line through the proxy")
        seen = {path.rsplit("/", 1)[-1]: org for path, org in loki.orgs}
        assert seen["labels"] == seen["query_range"] == seen["tail"] == "team-a"
        assert any(r.path.endswith("/proxy/loki/api/v1/tail") for r in emulator.requests)
        # Loki's tail limit comes back through the proxy with Loki's message (the close reason is relayed).
        loki.max_concurrent_tails = 1
        second = await source.open_logs(workspace, LogRequest(TARGET))
        await until(lambda: second.failures >= 1, what="the second tail refused")
        assert status(second)[1].startswith(
            "Loki closed the tail (1011): max concurrent tail requests limit exceeded, count > limit (2 > 1)"
        )
    finally:
        await source.stop()
        await loki.stop()


async def test_wrong_tenant_through_the_service_proxy_is_a_clear_state(emulator, kube_api):
    loki = LokiServer(auth_enabled=True, tenants={"team-a"})
    await loki.start()
    load_objects(emulator, [NAMESPACE, GATEWAY])
    service_backends(emulator)[("logging", "loki-gateway")] = loki.url
    source, workspace = await discovered_source(emulator, kube_api, LokiSettings())
    try:
        await until(lambda: source.client is not None, what="Loki found")
        session = await source.open_logs(workspace, LogRequest(TARGET))
        await until(lambda: session.buffer.status.state is KindState.ERROR, what="the refusal")
        assert status(session)[1] == "Loki refused the tenant (401): no org id"
        assert session.buffer.facts["failure"] == "tenant"
    finally:
        await source.stop()
        await loki.stop()


async def test_a_tail_that_keeps_failing_gives_way_to_polling_until_retried():
    loki = LokiServer(max_concurrent_tails=0)  # every tail refused (closed 1011 with Loki's limit message)
    await loki.start()
    source = LokiSource(LokiSettings(url=loki.url))
    workspace = Workspace()
    await source.start(workspace)
    assert await source.check()
    session = await source.open_logs(workspace, LogRequest(TARGET))
    session.limit_backoff = (0.05, 0.1)  # the test's patience, not Loki's
    session.poll_interval = 0.1
    try:
        await until(lambda: session.polling_instead, what="polling instead of the tail")
        facts = session.buffer.facts
        assert facts["mode"] == "polling query_range (the tail kept failing)"
        assert facts["tail refused"] == (
            "the tail failed 3× in a row (Loki closed the tail (1011): max concurrent tail requests limit "
            "exceeded, count > limit (1 > 0)); r tries it again"
        )
        loki.push_line(LABELS, "polled")
        await until(lambda: texts(session.buffer) == ["polled"], what="a line by polling")
        assert session.buffer.status.state is KindState.LIVE
        loki.max_concurrent_tails = 10
        assert session.retry() == "trying the tail again"
        await until(lambda: loki.tenants["fake"].tails, what="the tail again")
        assert session.buffer.facts["mode"] == "tail (WebSocket)" and "tail refused" not in session.buffer.facts
        loki.push_line(LABELS, "tailed")
        await until(lambda: texts(session.buffer) == ["polled", "tailed"], what="a line by the tail")
    finally:
        await source.stop()
        await loki.stop()
