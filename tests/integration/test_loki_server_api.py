"""The project's Loki-compatible server checked against ../shared/reference/apis.md §2, over HTTP
and a real WebSocket (httpx + httpx-ws, as the app speaks to Loki)."""

from __future__ import annotations

import json
import time
from pathlib import Path

import httpx
import pytest
from httpx_ws import WebSocketDisconnect, aconnect_ws

from inference_console.sandbox.loki_server import LokiServer

REFERENCE = Path(__file__).resolve().parents[3] / "shared" / "reference" / "apis.md"
LABELS = {"namespace": "ns", "pod": "p1", "container": "c"}


@pytest.fixture
async def loki():
    server = LokiServer(max_concurrent_tails=2)
    await server.start()
    now = time.time_ns()
    server.push(LABELS, [(now - (10 - i) * 1_000_000_000, f"line {i}") for i in range(10)])
    server.push({**LABELS, "pod": "p2"}, [(now - 500_000_000, "other pod")])
    try:
        yield server
    finally:
        await server.stop()


def reference() -> str:
    if not REFERENCE.is_file():
        pytest.skip(f"{REFERENCE} not present")
    return REFERENCE.read_text()


async def test_reference_facts_hold(loki):
    ref = reference()
    async with httpx.AsyncClient(base_url=loki.url) as http:
        # query_range: limit default 100, backward newest first, end exclusive, streams shape.
        assert "`limit` (**100**)" in ref and "newest first with `backward`" in ref
        now = time.time_ns()
        body = (await http.get("/loki/api/v1/query_range", params={"query": '{namespace="ns"}'})).json()
        assert body["status"] == "success" and body["data"]["resultType"] == "streams"
        p1 = next(s for s in body["data"]["result"] if s["stream"]["pod"] == "p1")
        assert [v[1] for v in p1["values"]][:2] == ["line 9", "line 8"] and isinstance(p1["values"][0][0], str)
        body = (
            await http.get(
                "/loki/api/v1/query_range",
                params={"query": '{pod="p1"}', "direction": "forward", "limit": "3", "start": str(now - 3600 * 10**9)},
            )
        ).json()
        assert [v[1] for v in body["data"]["result"][0]["values"]] == ["line 0", "line 1", "line 2"]
        last = int(p1["values"][0][0])
        body = (await http.get("/loki/api/v1/query_range", params={"query": '{pod="p1"}', "end": str(last)})).json()
        assert "line 9" not in json.dumps(body)  # end is exclusive
        # Float seconds and RFC3339 are timestamps too.
        body = (
            await http.get(
                "/loki/api/v1/query_range",
                params={"query": '{pod="p1"}', "start": f"{(last - 10_000_000) / 1e9:.3f}", "end": str(last + 1)},
            )
        ).json()
        assert [v[1] for v in body["data"]["result"][0]["values"]] == ["line 9"]
        # Instant query: metric only; a log query is a 400.
        assert "**Only for metric queries**: a log query returns 400" in ref
        resp = await http.get("/loki/api/v1/query", params={"query": '{pod="p1"}'})
        assert resp.status_code == 400 and resp.headers["content-type"].startswith("text/plain")
        body = (
            await http.get(
                "/loki/api/v1/query", params={"query": 'sum by (pod) (count_over_time({namespace="ns"}[1h]))'}
            )
        ).json()
        assert body["data"]["resultType"] == "vector"
        assert {r["metric"]["pod"]: r["value"][1] for r in body["data"]["result"]} == {"p1": "10", "p2": "1"}
        # labels, label values, series (match[] required).
        assert (await http.get("/loki/api/v1/labels")).json()["data"] == ["container", "namespace", "pod"]
        assert (await http.get("/loki/api/v1/label/pod/values")).json()["data"] == ["p1", "p2"]
        body = (await http.get("/loki/api/v1/series", params={"match[]": '{pod="p2"}'})).json()
        assert body["data"] == [{**LABELS, "pod": "p2"}]
        assert (await http.get("/loki/api/v1/series")).status_code == 400
        body = (await http.post("/loki/api/v1/series", data={"match[]": '{pod="p1"}'})).json()
        assert body["data"] == [LABELS]
        # Errors are plain text 400 with Loki's messages.
        assert "max entries limit per query exceeded, limit > max_entries_limit_per_query (<req> > <max>)" in ref
        resp = await http.get("/loki/api/v1/query_range", params={"query": '{pod="p1"}', "limit": "5001"})
        assert resp.status_code == 400
        assert resp.text == "max entries limit per query exceeded, limit > max_entries_limit_per_query (5001 > 5000)"
        resp = await http.get("/loki/api/v1/query_range", params={"query": '{pod="p1"'})
        assert resp.status_code == 400 and resp.text.startswith("parse error at line 1, col ")
        resp = await http.get("/loki/api/v1/query_range", params={"query": '{pod="p1"}', "start": "0"})
        assert resp.status_code == 400 and resp.text.startswith("the query time range exceeds the limit")
        # 429 on limits.
        loki.reject_next = 1
        assert (await http.get("/loki/api/v1/labels")).status_code == 429
        assert (await http.get("/ready")).status_code == 200


async def test_tenant_header_when_auth_is_enabled(loki):
    ref = reference()
    assert "a missing header gets **HTTP 401** with text body `no org id`" in ref
    loki.auth_enabled = True
    async with httpx.AsyncClient(base_url=loki.url) as http:
        resp = await http.get("/loki/api/v1/labels")
        assert resp.status_code == 401 and resp.text.strip() == "no org id"
        resp = await http.get("/loki/api/v1/labels", headers={"X-Scope-OrgID": "fake"})
        assert resp.status_code == 200


async def test_tail_frames_limits_and_max_duration(loki):
    ref = reference()
    assert '"dropped_entries": [{"labels": {labels}, "timestamp": "<ns>"}]' in ref
    assert "`delay_for` (s, default 0, **max 5**)" in ref
    loki.tail_max_duration = 1.5  # long enough for the limit checks below, short for the end
    loki.tail_max_pending = 2
    async with httpx.AsyncClient(base_url=loki.url) as http:
        resp = await http.get("/loki/api/v1/tail", params={"query": '{pod="p1"}', "delay_for": "6"})
        assert resp.status_code == 400 and resp.text == "delay_for can't be greater than 5"
        start = time.time_ns() - 2_500_000_000
        url = f"{loki.url}/loki/api/v1/tail?query=%7Bpod%3D%22p1%22%7D&start={start}"
        async with aconnect_ws(url, http) as ws:
            frame = json.loads(await ws.receive_text())  # the look-back from start
            assert [v[1] for v in frame["streams"][0]["values"]] == ["line 8", "line 9"]
            assert frame["dropped_entries"] is None
            now = time.time_ns()
            loki.push(LABELS, [(now + i, f"live {i}") for i in range(4)])
            frame = json.loads(await ws.receive_text())
            assert [v[1] for v in frame["streams"][0]["values"]] == ["live 0", "live 1"]
            assert frame["dropped_entries"] == [
                {"labels": LABELS, "timestamp": str(now + 2)},
                {"labels": LABELS, "timestamp": str(now + 3)},
            ]
            # Max concurrent tails (2 here): the third is upgraded, then closed with the limit error
            # (Loki's TailHandler: close 1011, the querier's httpgrpc 400 as the reason) ...
            assert "excess tails fail with `max concurrent tail requests limit exceeded, count > limit (N > M)`" in ref
            async with aconnect_ws(url, http):
                async with aconnect_ws(url, http) as third:
                    with pytest.raises(WebSocketDisconnect) as closed:
                        await third.receive_text(timeout=3)
                assert closed.value.code == 1011
                assert closed.value.reason == (
                    "rpc error: code = Code(400) desc = max concurrent tail requests limit exceeded, count > limit (3 > 2)"
                )
                # ... or, as Loki's troubleshooting page lists it, refused with 429 and the message.
                loki.tail_limit_status = 429
                resp = await http.get("/loki/api/v1/tail", params={"query": '{pod="p1"}'})
                assert resp.status_code == 429
                assert resp.text == "max concurrent tail requests limit exceeded, count > limit (3 > 2)"
                loki.tail_limit_status = None
            # A rate limit refuses the upgrade with 429.
            loki.reject_next = 1
            resp = await http.get("/loki/api/v1/tail", params={"query": '{pod="p1"}'})
            assert resp.status_code == 429 and resp.text == "too many outstanding requests"
            # The server ends the tail after its maximum duration.
            with pytest.raises(WebSocketDisconnect):
                while True:
                    await ws.receive_text(timeout=3)
