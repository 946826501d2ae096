"""A Loki-compatible server (aiohttp): the demo's Loki and the tests' real server.

It follows Loki's documented HTTP and WebSocket API (``../shared/reference/apis.md`` §2):

* ``GET /loki/api/v1/query_range`` — ``query``, ``limit`` (100), ``start`` (now − 1h,
  inclusive), ``end`` (now, exclusive), ``since``, ``direction`` (backward), ``step`` for
  metric queries; ``{status, data: {resultType: "streams"|"matrix", result, stats}}``;
* ``GET /loki/api/v1/query`` — instant, metric queries only (a log query is a 400);
* ``GET /loki/api/v1/labels``, ``/label/<name>/values``, ``GET|POST /loki/api/v1/series``;
* ``GET /loki/api/v1/tail`` — a WebSocket of frames ``{"streams": [...],
  "dropped_entries": [...]|null}``; ``delay_for`` at most 5, ``limit``, ``start``; the
  server closes it after ``tail_max_duration``; at most ``max_concurrent_tails`` per tenant
  (beyond: upgraded, then closed with code 1011 and ``rpc error: code = Code(400) desc =
  max concurrent tail requests limit exceeded, count > limit (N > M)`` as Loki's
  ``TailHandler`` does; or, with ``tail_limit_status = 429``, the upgrade refused with 429 and
  the message); a rate limit (``reject_next``, ``max_requests_per_second``) refuses the
  upgrade with 429; a client slower than the lines drops entries, reported in ``dropped_entries``;
* ``POST /loki/api/v1/push`` (JSON) and ``GET /ready``.

Errors are plain text as Loki writes them: 400 with the parser's message on a LogQL
error or a limit, 401 ``no org id`` when ``auth_enabled`` and no ``X-Scope-OrgID``, 429
when rate limited.  Timestamps: integers are nanoseconds, floats seconds, or RFC3339.
"""

from __future__ import annotations

import asyncio
import json
import time
from bisect import bisect_left, insort
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from aiohttp import WSMsgType, web

from inference_console.sources.loki.logql import LogQLError, LogQuery, MetricQuery, parse, parse_any, parse_duration

NS = 1_000_000_000
HOUR_NS = 3600 * NS


def parse_time(text: str | None, default: int) -> int:
    """Loki's request timestamps: integer nanoseconds, float seconds, or RFC3339(Nano)."""
    if text is None or text == "":
        return default
    try:
        return int(text)
    except ValueError:
        pass
    try:
        return int(float(text) * NS)
    except ValueError:
        pass
    frac = 0
    body = text
    if "." in text:
        head, _, rest = text.partition(".")
        digits = "".join(ch for ch in rest if ch.isdigit())
        frac = int((digits + "000000000")[:9]) if digits else 0
        body = head + rest[len(digits) :]
    try:
        stamp = datetime.fromisoformat(body.replace("Z", "+00:00"))
    except ValueError:
        raise BadRequest(f'cannot parse "{text}" to a valid timestamp') from None
    if stamp.tzinfo is None:
        stamp = stamp.replace(tzinfo=timezone.utc)
    return int(stamp.timestamp()) * NS + frac


class BadRequest(Exception):
    status = 400


class TooMany(Exception):
    status = 429


@dataclass
class Stream:
    labels: dict[str, str]
    entries: list[tuple[int, str]] = field(default_factory=list)  # sorted by timestamp


def labels_text(labels: dict[str, str]) -> str:
    return "{" + ", ".join(f"{k}={json.dumps(v)}" for k, v in sorted(labels.items())) + "}"


class Tenant:
    def __init__(self, max_entries_per_stream: int | None = None) -> None:
        self.max_entries_per_stream = max_entries_per_stream
        self.streams: dict[tuple[tuple[str, str], ...], Stream] = {}
        self.tails: list["Tailer"] = []

    def push(self, labels: dict[str, str], entries: list[tuple[int, str]]) -> None:
        key = tuple(sorted(labels.items()))
        stream = self.streams.get(key)
        if stream is None:
            stream = self.streams[key] = Stream(dict(labels))
        for entry in entries:
            if not stream.entries or entry[0] >= stream.entries[-1][0]:
                stream.entries.append(entry)
            else:
                insort(stream.entries, entry)
        cap = self.max_entries_per_stream
        if cap is not None and len(stream.entries) > cap + cap // 4:  # retention, amortised
            del stream.entries[: len(stream.entries) - cap]
        for tailer in list(self.tails):
            tailer.offer(stream, entries)


class Tailer:
    """One WebSocket tail: matching entries wait here until the sender takes them."""

    def __init__(self, query: LogQuery, max_pending: int) -> None:
        self.query = query
        self.max_pending = max_pending
        self.pending: list[tuple[Stream, int, str]] = []
        self.dropped: list[dict[str, Any]] = []
        self.wake = asyncio.Event()

    def offer(self, stream: Stream, entries: list[tuple[int, str]]) -> None:
        if not self.query.selects(stream.labels):
            return
        for ts, line in entries:
            if not self.query.keep(line, stream.labels):
                continue
            if len(self.pending) >= self.max_pending:
                self.dropped.append({"labels": dict(stream.labels), "timestamp": str(ts)})
            else:
                self.pending.append((stream, ts, line))
        self.wake.set()


class LokiServer:
    def __init__(
        self,
        *,
        auth_enabled: bool = False,
        tenants: set[str] | None = None,
        max_entries_limit: int = 5000,
        max_query_length_s: float = 721 * 3600,
        max_concurrent_tails: int = 10,
        tail_max_duration: float = 3600.0,
        tail_max_pending: int = 10_000,
        max_requests_per_second: float | None = None,
        max_entries_per_stream: int | None = None,
    ) -> None:
        self.auth_enabled = auth_enabled
        self.allowed_tenants = tenants  # None: any tenant
        self.max_entries_limit = max_entries_limit
        self.max_query_length_s = max_query_length_s
        self.max_concurrent_tails = max_concurrent_tails
        self.tail_max_duration = tail_max_duration
        self.tail_max_pending = tail_max_pending
        self.max_requests_per_second = max_requests_per_second
        self.reject_next = 0  # tests: answer the next N queries with 429
        self.websocket_enabled = True  # tests: False answers the tail's upgrade with 400, as a blocking proxy
        # A tail over max_concurrent_tails: None does what Loki's code does (upgrade, then close
        # 1011 with the limit error as the reason); 429 refuses the upgrade with that status and
        # the message, as Loki's query troubleshooting page lists the error ("HTTP status: 429").
        self.tail_limit_status: int | None = None
        self.outage: tuple[int, str] | None = None  # tests: every API request (and tail upgrade) answered so
        self.ready = True
        self.tenants: dict[str, Tenant] = defaultdict(lambda: Tenant(max_entries_per_stream))
        self.requests: list[tuple[str, dict[str, str]]] = []
        self.orgs: list[tuple[str, str | None]] = []  # (path, X-Scope-OrgID as it arrived)
        self._window: list[float] = []
        self._runner: web.AppRunner | None = None
        self._sockets: set[web.WebSocketResponse] = set()
        self.url = ""

    # ------------------------------------------------------------------ data
    def push(self, labels: dict[str, str], entries: list[tuple[int, str]], tenant: str = "fake") -> None:
        self.tenants[tenant].push(labels, entries)

    def push_line(self, labels: dict[str, str], line: str, ts_ns: int | None = None, tenant: str = "fake") -> None:
        self.push(labels, [(ts_ns if ts_ns is not None else time.time_ns(), line)], tenant)

    # ------------------------------------------------------------------ serving
    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_get("/ready", self.handle_ready)
        app.router.add_get("/loki/api/v1/query_range", self._wrap(self.query_range))
        app.router.add_get("/loki/api/v1/query", self._wrap(self.query))
        app.router.add_get("/loki/api/v1/labels", self._wrap(self.labels))
        app.router.add_get("/loki/api/v1/label/{name}/values", self._wrap(self.label_values))
        app.router.add_route("*", "/loki/api/v1/series", self._wrap(self.series))
        app.router.add_post("/loki/api/v1/push", self._wrap(self.push_api))
        app.router.add_get("/loki/api/v1/tail", self.tail)
        return app

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> str:
        self._runner = web.AppRunner(self.app(), handle_signals=False)
        await self._runner.setup()
        site = web.TCPSite(self._runner, host, port)
        await site.start()
        bound = site._server.sockets[0].getsockname()  # type: ignore[union-attr]  # noqa: SLF001
        self.url = f"http://{bound[0]}:{bound[1]}"
        return self.url

    async def stop(self) -> None:
        for ws in list(self._sockets):
            await ws.close()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def drop_tails(self) -> int:
        """Close every tail WebSocket (tests: a dropped connection)."""
        sockets = list(self._sockets)
        for ws in sockets:
            await ws.close(code=1011, message=b"connection dropped")
        return len(sockets)

    async def handle_ready(self, request: web.Request) -> web.Response:
        if not self.ready:
            return web.Response(status=503, text="Ingester not ready: waiting for 15s after being ready\n")
        return web.Response(text="ready\n")

    def _tenant(self, request: web.Request) -> list[Tenant]:
        org = request.headers.get("X-Scope-OrgID")
        self.orgs.append((request.path, org))
        if not org:
            if self.auth_enabled:
                raise web.HTTPUnauthorized(text="no org id\n")
            org = "fake"
        names = org.split("|")
        if self.allowed_tenants is not None and any(n not in self.allowed_tenants for n in names):
            # Loki authorises nothing itself; a gateway in front of it refuses the tenant.
            raise web.HTTPUnauthorized(text=f"tenant {org!r} is not allowed\n")
        return [self.tenants[n] for n in names]

    def _limit(self) -> None:
        if self.reject_next > 0:
            self.reject_next -= 1
            raise TooMany("too many outstanding requests")
        if self.max_requests_per_second:
            now = time.monotonic()
            self._window = [t for t in self._window if now - t < 1.0]
            if len(self._window) >= self.max_requests_per_second:
                raise TooMany("too many outstanding requests")
            self._window.append(now)

    def _wrap(self, handler: Any) -> Any:
        async def wrapped(request: web.Request) -> web.StreamResponse:
            self.requests.append((request.path, dict(request.query)))
            if self.outage is not None:
                return web.Response(status=self.outage[0], text=self.outage[1], content_type="text/plain")
            try:
                tenants = self._tenant(request)
                self._limit()
                data = await handler(request, tenants)
            except (BadRequest, TooMany, LogQLError) as exc:
                status = getattr(exc, "status", 400)
                return web.Response(status=status, text=str(exc), content_type="text/plain", charset="utf-8")
            if isinstance(data, web.StreamResponse):
                return data
            return web.json_response(data)

        return wrapped

    # ------------------------------------------------------------------ queries
    def _range(self, q: Any) -> tuple[int, int]:
        now = time.time_ns()
        end = parse_time(q.get("end"), now)
        if q.get("start") is None and q.get("since"):
            start = end - int(parse_duration(q["since"]) * NS)
        else:
            start = parse_time(q.get("start"), end - HOUR_NS)
        if end < start:
            raise BadRequest("end timestamp must not be before or equal to start time")
        if (end - start) / NS > self.max_query_length_s:
            raise BadRequest(
                f"the query time range exceeds the limit (query length: {_dur(end - start)}, "
                f"limit: {_dur(int(self.max_query_length_s * NS))})"
            )
        return start, end

    def _query_limit(self, q: Any) -> int:
        try:
            limit = int(q.get("limit", "100"))
        except ValueError:
            raise BadRequest(f"invalid limit: {q.get('limit')!r}") from None
        if limit <= 0:
            raise BadRequest("limit must be a positive value")
        if limit > self.max_entries_limit:
            raise BadRequest(
                f"max entries limit per query exceeded, limit > max_entries_limit_per_query "
                f"({limit} > {self.max_entries_limit})"
            )
        return limit

    @staticmethod
    def _direction(q: Any) -> str:
        direction = q.get("direction", "backward").lower()
        if direction not in ("backward", "forward"):
            raise BadRequest(f"invalid direction '{q.get('direction')}'")
        return direction

    def select(
        self, tenants: list[Tenant], query: LogQuery, start: int, end: int, limit: int, direction: str
    ) -> list[dict[str, Any]]:
        """Streams result: the ``limit`` entries nearest the direction's origin, grouped by stream."""
        found: list[tuple[int, int, str, Stream]] = []
        for tenant in tenants:
            for stream in tenant.streams.values():
                if not query.selects(stream.labels):
                    continue
                entries = stream.entries
                lo = bisect_left(entries, (start, ""))
                hi = bisect_left(entries, (end, ""))
                rng = range(hi - 1, lo - 1, -1) if direction == "backward" else range(lo, hi)
                taken = 0
                for i in rng:
                    ts, line = entries[i]
                    if query.keep(line, stream.labels):
                        found.append((ts, id(stream), line, stream))
                        taken += 1
                        if taken >= limit:
                            break
        found.sort(key=lambda e: e[0], reverse=direction == "backward")
        found = found[:limit]
        grouped: dict[int, dict[str, Any]] = {}
        for ts, sid, line, stream in found:
            entry = grouped.get(sid)
            if entry is None:
                entry = grouped[sid] = {"stream": dict(stream.labels), "values": []}
            entry["values"].append([str(ts), line])
        return list(grouped.values())

    @staticmethod
    def _stats(count: int) -> dict[str, Any]:
        return {"summary": {"totalEntriesReturned": count, "execTime": 0.001, "queueTime": 0}}

    async def query_range(self, request: web.Request, tenants: list[Tenant]) -> Any:
        q = request.query
        text = q.get("query")
        if not text:
            raise BadRequest("query parameter is required")
        parsed = parse_any(text)
        start, end = self._range(q)
        if isinstance(parsed, MetricQuery):
            step = (
                parse_duration(q["step"])
                if q.get("step") and not _is_float(q["step"])
                else float(q.get("step") or max(1.0, (end - start) / NS / 250))
            )
            return {
                "status": "success",
                "data": {
                    "resultType": "matrix",
                    "result": self._matrix(tenants, parsed, start, end, step),
                    "stats": self._stats(0),
                },
            }
        limit = self._query_limit(q)
        result = self.select(tenants, parsed, start, end, limit, self._direction(q))
        count = sum(len(s["values"]) for s in result)
        return {"status": "success", "data": {"resultType": "streams", "result": result, "stats": self._stats(count)}}

    async def query(self, request: web.Request, tenants: list[Tenant]) -> Any:
        q = request.query
        text = q.get("query")
        if not text:
            raise BadRequest("query parameter is required")
        parsed = parse_any(text)
        if isinstance(parsed, LogQuery):
            raise BadRequest(
                "log queries are not supported as an instant query type, please change your query to a range query type"
            )
        at = parse_time(q.get("time"), time.time_ns())
        result = []
        for labels, value in self._evaluate(tenants, parsed, at):
            result.append({"metric": labels, "value": [at / NS, _num(value)]})
        return {"status": "success", "data": {"resultType": "vector", "result": result, "stats": self._stats(0)}}

    def _evaluate(self, tenants: list[Tenant], metric: MetricQuery, at: int) -> list[tuple[dict[str, str], float]]:
        window = int(metric.range_seconds * NS)
        series: dict[tuple[tuple[str, str], ...], float] = defaultdict(float)
        for tenant in tenants:
            for stream in tenant.streams.values():
                if not metric.inner.selects(stream.labels):
                    continue
                entries = stream.entries
                lo, hi = bisect_left(entries, (at - window + 1, "")), bisect_left(entries, (at + 1, ""))
                count = sum(1 for i in range(lo, hi) if metric.inner.keep(entries[i][1], stream.labels))
                if not count:
                    continue
                value = count / metric.range_seconds if metric.function == "rate" else float(count)
                if metric.sum_by is None:
                    key = tuple(sorted(stream.labels.items()))
                else:
                    key = tuple(sorted((k, v) for k, v in stream.labels.items() if k in metric.sum_by))
                series[key] += value
        return [(dict(k), v) for k, v in sorted(series.items())]

    def _matrix(self, tenants: list[Tenant], metric: MetricQuery, start: int, end: int, step: float) -> list[Any]:
        out: dict[tuple[tuple[str, str], ...], list[Any]] = defaultdict(list)
        t = start
        step_ns = max(1, int(step * NS))
        while t <= end:
            for labels, value in self._evaluate(tenants, metric, t):
                out[tuple(sorted(labels.items()))].append([t / NS, _num(value)])
            t += step_ns
        return [{"metric": dict(k), "values": v} for k, v in out.items()]

    def _streams_in(self, tenants: list[Tenant], q: Any, match: list[str]) -> list[Stream]:
        start, end = self._range({**q, "start": q.get("start") or str(time.time_ns() - 6 * HOUR_NS)})
        queries = [parse(m) for m in match]
        for query in queries:
            if query.stages:
                raise BadRequest("only label matchers are supported")
        out = []
        for tenant in tenants:
            for stream in tenant.streams.values():
                if queries and not any(query.selects(stream.labels) for query in queries):
                    continue
                entries = stream.entries
                if bisect_left(entries, (start, "")) < bisect_left(entries, (end, "")):
                    out.append(stream)
        return out

    async def labels(self, request: web.Request, tenants: list[Tenant]) -> Any:
        q = request.query
        match = [q["query"]] if q.get("query") else []
        names = sorted({k for s in self._streams_in(tenants, q, match) for k in s.labels})
        return {"status": "success", "data": names}

    async def label_values(self, request: web.Request, tenants: list[Tenant]) -> Any:
        q = request.query
        name = request.match_info["name"]
        match = [q["query"]] if q.get("query") else []
        values = sorted({s.labels[name] for s in self._streams_in(tenants, q, match) if name in s.labels})
        return {"status": "success", "data": values}

    async def series(self, request: web.Request, tenants: list[Tenant]) -> Any:
        q = dict(request.query)
        match = request.query.getall("match[]", [])
        if request.method == "POST":
            form = await request.post()
            match += [str(v) for v in form.getall("match[]", [])]
            q.update({k: str(v) for k, v in form.items() if k != "match[]"})
        if not match:
            raise BadRequest("0 matchers provided: at least one match[] parameter is required")
        seen = {tuple(sorted(s.labels.items())) for s in self._streams_in(tenants, q, match)}
        return {"status": "success", "data": [dict(k) for k in sorted(seen)]}

    async def push_api(self, request: web.Request, tenants: list[Tenant]) -> Any:
        try:
            body = await request.json()
        except ValueError:
            raise BadRequest("error at least one stream is required: invalid JSON") from None
        for stream in body.get("streams") or []:
            entries = []
            for value in stream.get("values") or []:
                if not isinstance(value[0], str):
                    raise BadRequest("timestamps must be strings")
                entries.append((int(value[0]), str(value[1])))
            tenants[0].push({str(k): str(v) for k, v in (stream.get("stream") or {}).items()}, entries)
        return web.Response(status=204)

    # ------------------------------------------------------------------ tail (WebSocket)
    async def tail(self, request: web.Request) -> web.StreamResponse:
        self.requests.append((request.path, dict(request.query)))
        if self.outage is not None:
            return web.Response(status=self.outage[0], text=self.outage[1], content_type="text/plain")
        q = request.query
        try:
            tenants = self._tenant(request)
            if not self.websocket_enabled:
                raise BadRequest("websocket: the client is not using the websocket protocol")
            query = parse(q.get("query", ""))
            delay = float(q.get("delay_for", "0") or 0)
            if delay > 5:
                raise BadRequest("delay_for can't be greater than 5")
            limit = self._query_limit(q)
            start = parse_time(q.get("start"), time.time_ns() - HOUR_NS)
            tenant = tenants[0]
            self._limit()
            over = len(tenant.tails) >= self.max_concurrent_tails
            limit_text = (
                f"max concurrent tail requests limit exceeded, count > limit "
                f"({len(tenant.tails) + 1} > {self.max_concurrent_tails})"
            )
            if over and self.tail_limit_status is not None:
                raise TooMany(limit_text)
        except (BadRequest, TooMany, LogQLError) as exc:
            status = getattr(exc, "status", 400)
            return web.Response(status=status, text=str(exc), content_type="text/plain", charset="utf-8")
        ws = web.WebSocketResponse(max_msg_size=0)
        await ws.prepare(request)
        if over:
            # Loki's TailHandler upgrades first, then the querier's limit check fails and the
            # error (an httpgrpc 400) goes out as the close frame's reason, code 1011.
            await ws.close(code=1011, message=f"rpc error: code = Code(400) desc = {limit_text}".encode())
            return ws
        self._sockets.add(ws)
        tailer = Tailer(query, self.tail_max_pending)
        tenant.tails.append(tailer)
        deadline = asyncio.get_running_loop().time() + self.tail_max_duration

        async def reader() -> None:  # notice the client closing
            async for msg in ws:
                if msg.type in (WSMsgType.CLOSE, WSMsgType.ERROR):
                    break

        reading = asyncio.ensure_future(reader())
        try:
            history = self.select(tenants, query, start, time.time_ns() + 1, limit, "backward")
            for stream in history:
                stream["values"].reverse()
            if history:
                await ws.send_str(json.dumps({"streams": history, "dropped_entries": None}))
            while not ws.closed and not reading.done():
                remaining = deadline - asyncio.get_running_loop().time()
                if remaining <= 0:
                    break
                try:
                    await asyncio.wait_for(tailer.wake.wait(), min(remaining, 1.0))
                except asyncio.TimeoutError:
                    continue
                tailer.wake.clear()
                if delay:
                    await asyncio.sleep(delay)
                pending, tailer.pending = tailer.pending, []
                dropped, tailer.dropped = tailer.dropped, []
                streams: dict[int, dict[str, Any]] = {}
                for stream, ts, line in pending:
                    entry = streams.get(id(stream))
                    if entry is None:
                        entry = streams[id(stream)] = {"stream": dict(stream.labels), "values": []}
                    entry["values"].append([str(ts), line])
                if streams or dropped:
                    await ws.send_str(
                        json.dumps({"streams": list(streams.values()), "dropped_entries": dropped or None})
                    )
        except (ConnectionError, RuntimeError):
            pass
        finally:
            reading.cancel()
            tenant.tails.remove(tailer)
            self._sockets.discard(ws)
            if not ws.closed:
                await ws.close(code=1000, message=b"")
        return ws


def _is_float(text: str) -> bool:
    try:
        float(text)
        return True
    except ValueError:
        return False


def _num(value: float) -> str:
    return str(int(value)) if value == int(value) else repr(value)


def _dur(ns: int) -> str:
    seconds = ns // NS
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}h{minutes}m{secs}s" if hours else f"{minutes}m{secs}s"
