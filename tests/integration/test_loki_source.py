"""The Loki source against the project's Loki-compatible server, over real connections:
history then tail without gap or duplicate, reconnection after the server ends a tail,
polling where the WebSocket is refused, dropped entries, parse errors and tenants."""

from __future__ import annotations

import asyncio
import time

import pytest

from inference_console.sandbox.loki_server import LokiServer
from inference_console.settings.endpoints import LokiSettings
from inference_console.sources.loki.source import LokiSource
from inference_console.state.logs import LogRequest, LogTarget
from inference_console.state.store import KindState
from inference_console.state.workspace import Workspace

LABELS = {"namespace": "llm-prod", "pod": "qwen-1", "container": "kserve-container", "app": "qwen"}
TARGET = LogTarget("Deployment", "qwen", "llm-prod", selector={"app": "qwen"}, pods=("qwen-1",))


async def until(predicate, timeout: float = 5.0, what: str = "condition") -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        await asyncio.sleep(0.02)
    raise AssertionError(f"timed out waiting for {what}")


@pytest.fixture
async def loki():
    server = LokiServer()
    await server.start()
    try:
        yield server
    finally:
        await server.stop()


async def open_session(server: LokiServer, **request) -> tuple[LokiSource, object]:
    source = LokiSource(LokiSettings(url=server.url, buffer_lines=request.pop("buffer_lines", 100_000)))
    workspace = Workspace()
    await source.start(workspace)
    assert await source.check()
    session = await source.open_logs(workspace, LogRequest(TARGET, **request))
    return source, session


def texts(buffer) -> list[str]:
    return [line[2] for line in buffer]


async def test_history_then_tail_without_gap_or_duplicate_and_reconnect(loki):
    now = time.time_ns()
    for i in range(50):
        loki.push_line(LABELS, f"old {i}", now - (50 - i) * 1_000_000)
    source, session = await open_session(loki)
    try:
        assert source.default_query(TARGET) == '{namespace="llm-prod", app="qwen"}'
        buffer = session.buffer
        await until(lambda: len(buffer) == 50 and buffer.facts.get("mode") == "tail (WebSocket)", what="history")
        assert texts(buffer) == [f"old {i}" for i in range(50)]
        await until(lambda: loki.tenants["fake"].tails, what="the tail")
        for i in range(20):
            loki.push_line(LABELS, f"new {i}")
        await until(lambda: len(buffer) == 70, what="tailed lines")
        # The server drops the connection: the source resumes from the newest line, no duplicates.
        await loki.drop_tails()
        loki.push_line(LABELS, "while away")
        await until(lambda: "while away" in texts(buffer), what="the line sent while reconnecting")
        loki.push_line(LABELS, "after")
        await until(lambda: texts(buffer)[-1] == "after", what="the line after reconnecting")
        assert len(texts(buffer)) == len(set(texts(buffer))) == 72
    finally:
        await source.stop()


async def test_tail_max_duration_then_resume_and_dropped_entries(loki):
    loki.tail_max_duration = 0.3
    loki.tail_max_pending = 5
    source, session = await open_session(loki)
    try:
        buffer = session.buffer
        await until(lambda: loki.tenants["fake"].tails, what="the tail")
        loki.push(LABELS, [(time.time_ns() + i, f"burst {i}") for i in range(8)])  # 3 over the pending limit
        await until(lambda: buffer.server_dropped == 3, what="dropped_entries counted")
        await asyncio.sleep(0.5)  # the server closed the tail after 0.3 s; the source resumed
        loki.push_line(LABELS, "after the close")
        await until(lambda: "after the close" in texts(buffer), what="a line after the tail's end")
        assert int(buffer.facts.get("reconnects", "0")) >= 1
    finally:
        await source.stop()


async def test_polls_query_range_when_websocket_is_refused(loki):
    loki.websocket_enabled = False
    source, session = await open_session(loki)
    session.poll_interval = 0.05
    try:
        buffer = session.buffer
        await until(lambda: buffer.facts.get("mode", "").startswith("polling"), what="polling mode")
        for i in range(5):
            loki.push_line(LABELS, f"polled {i}")
        await until(lambda: len(buffer) == 5, what="polled lines")
        loki.push_line(LABELS, "polled 5")
        await until(lambda: len(buffer) == 6, what="one more")
        assert texts(buffer) == [f"polled {i}" for i in range(6)]
    finally:
        await source.stop()


async def test_parse_error_keeps_the_query_and_says_what_loki_said(loki):
    source, session = await open_session(loki, query='{namespace="llm-prod"} |= oops')
    try:
        buffer = session.buffer
        await until(lambda: buffer.status.state is KindState.ERROR, what="the error")
        assert buffer.status.reason == "parse error at line 1, col 27: syntax error: unexpected oops"
        assert buffer.facts["query"] == '{namespace="llm-prod"} |= oops'
    finally:
        await source.stop()


async def test_level_filter_runs_server_side_and_history_pages_backwards(loki):
    now = time.time_ns()
    for i in range(30):
        loki.push_line(LABELS, f"level={'error' if i % 3 == 0 else 'info'} n={i}", now - (30 - i) * 1_000_000)
    source, session = await open_session(loki, level="error", history_lines=4)
    try:
        buffer = session.buffer
        await until(lambda: len(buffer) == 4, what="the last page")
        assert texts(buffer) == [f"level=error n={i}" for i in (18, 21, 24, 27)]
        assert "|~" in loki.requests[-1][1]["query"] or any("|~" in r[1].get("query", "") for r in loki.requests)
        assert await session.older(4) == 4
        assert texts(buffer)[:4] == [f"level=error n={i}" for i in (6, 9, 12, 15)]
        assert await session.older(4) == 2 and await session.older(4) == 0
    finally:
        await source.stop()


async def test_tenant_required_and_rate_limit(loki):
    loki.auth_enabled = True
    source = LokiSource(LokiSettings(url=loki.url))
    workspace = Workspace()
    await source.start(workspace)
    await source.check()
    session = await source.open_logs(workspace, LogRequest(TARGET))
    try:
        await until(lambda: session.buffer.status.state is KindState.ERROR, what="the 401")
        assert session.buffer.status.reason == "Loki refused the tenant (401): no org id"
    finally:
        await source.stop()
    source = LokiSource(LokiSettings(url=loki.url, tenant="team-a"))
    await source.start(workspace)
    await source.check()
    loki.push_line(LABELS, "team a line", tenant="team-a")
    loki.reject_next = 1
    session = await source.open_logs(workspace, LogRequest(TARGET))
    try:
        await until(lambda: texts(session.buffer) == ["team a line"], what="the retry after 429")
    finally:
        await source.stop()


async def test_buffer_is_bounded_and_counts_drops(loki):
    source, session = await open_session(loki, buffer_lines=100)
    try:
        buffer = session.buffer
        await until(lambda: loki.tenants["fake"].tails, what="the tail")
        base = time.time_ns()
        loki.push(LABELS, [(base + i, f"l{i}") for i in range(1000)])
        await until(lambda: buffer.received == 1000, what="all lines")
        assert len(buffer) == 100 and buffer.dropped == 900 and texts(buffer)[0] == "l900"
    finally:
        await source.stop()
