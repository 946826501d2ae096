"""The Loki source: finds Loki, checks it, and streams a query into a log buffer of the workspace.

Where Loki is: the context's ``loki`` table (``url``, ``tenant``, token or basic auth,
``ca_file`` / ``insecure``, ``headers``, ``timeout``, ``buffer_lines``) or, in the demo,
the demo's own Loki; without a URL, a Loki Service found in the cluster (``discovery.py``)
reached through the API server's service proxy with the kubeconfig's credentials
(:class:`~inference_console.sources.loki.client.ProxyLokiClient`).  ``:loki`` shows the
endpoint, how it was found and ``/ready``; without any Loki the pod log API is used.

A :class:`LokiSession` reads history first (``query_range``, backward from the seam, the
last ``since_seconds``, at most ``history_lines``), then tails from the seam over the
WebSocket: ``query_range``'s ``end`` is exclusive and the tail's ``start`` inclusive, so
nothing is missed or doubled; a :class:`SeamGuard` drops what a reconnection (from the
newest timestamp seen) sends twice.  Loki's ``dropped_entries`` are counted.  Where the
WebSocket upgrade is refused, ``query_range`` is polled forward instead.

When Loki fails under a pane the buffer's status says what (``failure`` fact: unreachable,
tenant, limit, query, server, tail) with Loki's own message and when it retries: connection
losses and 5xx back off from 0.5 s to 10 s, Loki's limits (a 429, or its tail limit, which it
sends as the close reason after the upgrade) from 2 s to 30 s; a refused tenant (401/403) or a
bad query stops until :meth:`LokiSession.retry` (the pane's ``r``), which also cuts a back-off
short.  A tail that fails three times in a row while ``query_range`` answers gives way to
polling (``retry`` tries the tail again).  The pane offers the pod log API meanwhile.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import ssl
import time
from operator import itemgetter
from typing import TYPE_CHECKING, Any

from inference_console.settings.endpoints import LokiSettings, SecretUnavailable, mask_url
from inference_console.sources.base import Scope, SourceError, SourceInfo
from inference_console.sources.loki import logql
from inference_console.sources.loki.client import (
    LokiClient,
    LokiError,
    ProxyLokiClient,
    TailClosed,
    WebSocketRefused,
)
from inference_console.state.logs import LogBuffer, LogRequest, LogTarget, Origin, SeamGuard
from inference_console.state.store import KindState

if TYPE_CHECKING:
    from inference_console.state.workspace import Workspace

log = logging.getLogger(__name__)
NS = 1_000_000_000
_first = itemgetter(0)
_ids = itertools.count(1)


def client_for(settings: LokiSettings) -> LokiClient:
    headers = dict(settings.headers or {})
    if settings.tenant:
        headers["X-Scope-OrgID"] = settings.tenant
    auth = None
    token = settings.resolve_token()
    if token:
        headers["Authorization"] = f"Bearer {token}"
    elif settings.username:
        auth = (settings.username, settings.resolve_password() or "")
    verify: ssl.SSLContext | bool = True
    if settings.insecure:
        verify = False
    elif settings.ca_file:
        verify = ssl.create_default_context(cafile=settings.ca_file)
    return LokiClient(str(settings.url), headers=headers, auth=auth, verify=verify, timeout=settings.timeout)


class LokiSource:
    name = "loki"
    provides_logs = True
    log_priority = 10  # preferred over the pod log API when ready

    rediscover = 30.0  # seconds between looks for a Loki Service when none was found

    def __init__(self, settings: LokiSettings, found_by: str = "config file") -> None:
        self.settings = settings
        self.discovering = not settings.url
        self.found_by = "looking for a Loki Service in the cluster…" if self.discovering else found_by
        self.endpoint = "" if self.discovering else mask_url(str(settings.url))
        self.client: LokiClient | None = None
        self.known_labels: list[str] | None = None
        self.health = "not checked"
        self.healthy = False
        self._state = "starting"
        self._task: asyncio.Task[None] | None = None
        self.sessions: list[LokiSession] = []

    # ------------------------------------------------------------------ Source protocol
    async def start(self, workspace: "Workspace") -> None:
        if self.discovering:
            self._state, self.health = "discovering", "not found yet"
            self._task = asyncio.ensure_future(self._find(workspace))
            return
        try:
            self.client = client_for(self.settings)
        except (SecretUnavailable, SourceError, OSError, ValueError) as exc:
            self._state, self.health = "failed", str(exc)
            return
        self._task = asyncio.ensure_future(self.check())

    async def _find(self, workspace: "Workspace") -> None:
        """Until a Loki Service is found (cluster-wide list, else the context's namespace): then its
        ``/ready`` through the service proxy.  Not found: the pod log API stays the log source."""
        from inference_console.sources.kube.svcproxy import ServiceProxy
        from inference_console.sources.loki.discovery import discover

        while self.client is None:
            kube = workspace.sources.get("kube")
            transport = getattr(kube, "transport", None)
            if transport is not None:
                try:
                    found = await discover(transport, getattr(getattr(kube, "info", None), "namespace", None))
                except SourceError as exc:
                    found, self.health = None, f"could not list Services: {exc.summary()}"
                else:
                    if found is None:
                        self.health = "no Loki Service in the cluster (logs come from the pod log API)"
                if found is not None:
                    headers = dict(self.settings.headers or {})
                    if self.settings.tenant:
                        headers["X-Scope-OrgID"] = self.settings.tenant
                    proxy = ServiceProxy(transport, found.namespace, found.name, found.port)
                    self.client = ProxyLokiClient(proxy, headers=headers, timeout=self.settings.timeout)
                    self.endpoint = proxy.description
                    self.found_by = f"found: {found.why} via the API server's service proxy"
                    break
                self._state = "not found"
                self.found_by = "not found: no loki URL in the config and no Loki Service in the cluster"
            await asyncio.sleep(self.rediscover if transport is not None else 0.5)
        while not await self.check():
            await asyncio.sleep(self.rediscover)

    async def check(self) -> bool:
        """``/ready`` and the label names (for the selectors)."""
        if self.client is None:
            return False
        self.healthy, self.health = await self.client.ready()
        if self.healthy:
            try:
                self.known_labels = await self.client.labels()
            except LokiError as exc:
                self.health = f"ready, but labels failed: {exc.summary()}"
        self._state = "ready" if self.healthy else "failed"
        return self.healthy

    async def stop(self) -> None:
        self._state = "stopped"
        if self._task is not None:
            self._task.cancel()
        for session in list(self.sessions):
            await session.close()
        if self.client is not None:
            await self.client.close()

    async def set_scope(self, scope: Scope) -> None:
        return None

    def ensure(self, key: str, pinned: bool = False) -> None:
        return None

    def serves(self, key: str) -> bool:
        return False

    def describe(self) -> SourceInfo:
        return SourceInfo(self.name, self._state, self.endpoint, self.facts())

    def facts(self) -> dict[str, str]:
        facts = {
            "endpoint": self.endpoint or "(none)",
            "found by": self.found_by,
            "health (/ready)": self.health,
            "tenant": self.settings.tenant or "(none: single-tenant Loki)",
            "buffer": f"{self.settings.buffer_lines:,} lines per pane",
            "open panes": str(len(self.sessions)),
        }
        if self.known_labels is not None:
            facts["labels"] = ", ".join(self.known_labels[:20]) + (" …" if len(self.known_labels) > 20 else "")
        return facts

    async def fetch(self, key: str, record: dict[str, Any]) -> dict[str, Any]:
        raise SourceError("Loki has no records")

    # ------------------------------------------------------------------ logs
    def log_state(self) -> tuple[bool, str]:
        where = f" {self.endpoint}" if self.endpoint else ""
        return self.healthy, f"Loki{where} ({self.found_by}): {self.health}"

    def default_query(self, target: LogTarget) -> str:
        return logql.selector_for(target.namespace, target.selector, target.pods, self.known_labels)

    async def open_logs(self, workspace: "Workspace", request: LogRequest) -> "LokiSession":
        if self.client is None:
            raise SourceError(f"Loki is not usable: {self.health}")
        query = request.query or self.default_query(request.target)
        session = LokiSession(self, workspace, request, query)
        self.sessions.append(session)
        session.start()
        return session


class LokiSession:
    """One pane's stream: history, then the tail (or polling), into one buffer."""

    poll_interval = 1.0
    page = 1000  # lines per history page
    backoff = (0.5, 10.0)  # seconds: the first wait after a failure, doubling up to the second
    limit_backoff = (2.0, 30.0)  # the same for Loki's limits (429, its tail limit)
    poll_after = 3  # tail failures in a row before polling query_range instead (when it answers)

    def __init__(self, source: LokiSource, workspace: "Workspace", request: LogRequest, query: str) -> None:
        self.source = source
        self.client: LokiClient = source.client  # type: ignore[assignment]
        self.workspace = workspace
        self.request = request
        self.query = logql.with_filters(query, logql.level_filter(request.level))
        self.buffer = LogBuffer(f"logs:loki:{next(_ids)}", source.settings.buffer_lines, workspace.on_change)
        workspace.attach(self.buffer)
        self.guard = SeamGuard()
        self._origins: dict[tuple[tuple[str, str], ...], int] = {}
        self.seam = 0
        self.history_exhausted = False
        self.history_read = False
        self.failures = 0  # consecutive failures (reset by the first line or answer after them)
        self.last_error: LokiError | None = None
        self._wake = asyncio.Event()
        self.polling_instead = False  # polling because the tail kept failing (retry() tries it again)
        self._task: asyncio.Task[None] | None = None
        self.buffer.facts.update(
            {
                "source": "Loki",
                "endpoint": source.endpoint,
                "found by": source.found_by,
                "query": self.query,
                "mode": "history",
            }
        )

    def start(self) -> None:
        self._task = asyncio.ensure_future(self.run())

    def describe(self) -> dict[str, str]:
        return dict(self.buffer.facts)

    async def close(self) -> None:
        if self._task is not None:
            self._task.cancel()
            try:
                await self._task
            except (asyncio.CancelledError, Exception):  # noqa: BLE001
                pass
        if self in self.source.sessions:
            self.source.sessions.remove(self)
        self.workspace.unregister(self.buffer.key)

    # ------------------------------------------------------------------ reading
    def _origin(self, labels: dict[str, str]) -> int:
        key = tuple(sorted(labels.items()))
        index = self._origins.get(key)
        if index is None:
            index = self._origins[key] = self.buffer.intern(
                Origin(labels.get("pod", ""), labels.get("container", ""), key)
            )
        return index

    def _add(self, streams: list[tuple[dict[str, str], list[tuple[int, str]]]]) -> int:
        """Admit a frame's (or a page's) entries past the seam guard and append them, oldest first.

        No Python call per line in the usual case (one stream, timestamps in order): the
        guard admits the run whole and the tuples are built by one comprehension.
        """
        admit = self.guard.admit_run
        lines: list[tuple[int, int, str]] = []
        for labels, entries in streams:
            origin = self._origin(labels)
            lines += [(ts, origin, text) for ts, text in admit(origin, entries)]
        if len(streams) > 1:
            lines.sort(key=_first)
        self.buffer.extend(lines)
        return len(lines)

    # ------------------------------------------------------------------ failures
    def _fail(self, exc: LokiError, delay: float | None) -> None:
        """Say what failed: retrying in ``delay`` seconds, or stopped (``None``) until :meth:`retry`."""
        self.failures += 1
        self.last_error = exc
        buffer = self.buffer
        buffer.set_fact("failure", exc.kind)
        if delay is None:
            buffer.set_status(KindState.ERROR, exc.summary())
            buffer.set_fact("mode", "stopped")
            return
        again = f" (failed {self.failures}×)" if self.failures > 1 else ""
        seconds = f"{delay:.1f}".rstrip("0").rstrip(".")
        buffer.set_status(KindState.RECONNECTING, f"{exc.summary()} — retrying in {seconds}s{again}")

    def _reopened(self) -> None:
        """The tail is open again: live, but the failure count stays until lines come (a tail
        refused after its upgrade opens and closes again)."""
        self.last_error = None
        self.buffer.facts.pop("failure", None)
        self.buffer.set_status(KindState.LIVE)

    def _recovered(self) -> None:
        self.failures = 0
        if self.last_error is not None or self.buffer.status.state is not KindState.LIVE:
            self._reopened()

    async def _pause(self, delay: float) -> None:
        """Sleep ``delay`` seconds, or less when :meth:`retry` is asked."""
        self._wake.clear()
        try:
            await asyncio.wait_for(self._wake.wait(), delay)
        except asyncio.TimeoutError:
            pass

    @property
    def failing(self) -> bool:
        return self.last_error is not None

    def retry(self) -> str:
        """The pane's retry key: try again now (a stopped session restarts where it was)."""
        task = self._task
        if not self.failing and not self.polling_instead and task is not None and not task.done():
            return "nothing to retry: Loki answers"
        if self.polling_instead and task is not None and not task.done():  # the tail again, now
            self.polling_instead = False
            self.failures = 0
            self.buffer.facts.pop("tail refused", None)
            task.cancel()
            self._task = asyncio.ensure_future(self.follow())
            return "trying the tail again"
        if task is None or task.done():
            self.failures = 0
            self.buffer.set_status(KindState.LOADING, "retrying…")
            self._task = asyncio.ensure_future(self.follow() if self.history_read else self.run())
            return "retrying now"
        self._wake.set()
        return "retrying now"

    # ------------------------------------------------------------------ reading
    async def run(self) -> None:
        buffer = self.buffer
        buffer.set_status(KindState.LOADING, "reading history…")
        delay = 0.5
        while True:
            try:
                self.seam = time.time_ns()
                start = self.seam - self.request.since_seconds * NS
                streams = await self.client.query_range(
                    self.query,
                    start=start,
                    end=self.seam,
                    limit=min(self.request.history_lines, 5000),
                    direction="backward",
                )
                break
            except LokiError as exc:
                if exc.code in (400, 401, 403):  # a bad query (kept for editing) or a refused tenant: stop
                    self._fail(exc, None)
                    return
                self._fail(exc, delay)
                await self._pause(delay)
                delay = min(delay * 2, 10.0)
        self._recovered()
        for _, entries in streams:
            entries.reverse()
        count = self._add(streams)
        if count < min(self.request.history_lines, 5000):
            self.history_exhausted = True
        buffer.loaded = True
        self.history_read = True
        if not buffer.received:
            buffer.set_fact(
                "note", f"no lines in the last {self.request.since_seconds // 60} min; waiting for new ones"
            )
        await self.follow()

    def resume_at(self) -> int:
        return max(self.guard.newest, self.seam)

    async def follow(self) -> None:
        """The live tail; on a failure, back off (:attr:`backoff`; Loki's limits: :attr:`limit_backoff`)
        and reconnect from the newest line seen.  A refused tenant stops until retried; a refused
        upgrade (a proxy that blocks WebSockets) switches to polling, and so does a tail that failed
        :attr:`poll_after` times in a row while ``query_range`` answers (Loki's own advice for its
        tail limit: range queries instead); :meth:`retry` tries the tail again."""
        buffer = self.buffer
        delay = self.backoff[0]
        while True:
            frames = 0
            opened = time.monotonic()
            failure: LokiError | None = None
            limited = False
            try:
                buffer.set_fact("mode", "tail (WebSocket)")
                if not self.failing:
                    buffer.set_status(KindState.LIVE)
                async for streams, dropped in self.client.tail(self.query, start=self.resume_at(), limit=5000):
                    if not streams and not dropped:  # the tail is open (again)
                        if self.failing:
                            self._reopened()
                        continue
                    frames += 1
                    self._add(streams)
                    buffer.note_server_dropped(dropped)
                    if self.failures:
                        self._recovered()
                    delay = self.backoff[0]
                # Loki ends tails after its maximum duration: resume where we were.
                buffer.set_fact("reconnects", str(int(buffer.facts.get("reconnects", "0")) + 1))
                if frames == 0 and time.monotonic() - opened < 1.0:
                    # Closed at once with nothing sent (a proxy or a server in trouble): not a loop.
                    failure = LokiError(0, "the tail closed as soon as it opened")
                else:
                    self._recovered()
            except WebSocketRefused as exc:
                if exc.code in (401, 403):
                    self._fail(exc, None)
                    return
                if exc.code != 429 and exc.code < 500:
                    buffer.set_fact("tail refused", exc.summary())
                    await self.poll()
                    return
                failure, limited = exc, exc.code == 429
            except TailClosed as exc:
                failure, limited = exc, exc.limited
            except LokiError as exc:
                failure = exc
            if failure is None:
                continue
            low, high = self.limit_backoff if limited else self.backoff
            delay = max(delay, low)
            self._fail(failure, delay)
            if self.failures >= self.poll_after and await self._range_answers():
                buffer.set_fact(
                    "tail refused", f"the tail failed {self.failures}× in a row ({failure.summary()}); r tries it again"
                )
                self.polling_instead = True
                await self.poll()
                return
            await self._pause(delay)
            delay = min(delay * 2, high)

    async def _range_answers(self) -> bool:
        """Whether ``query_range`` works while the tail does not (then polling can stand in)."""
        try:
            await self.client.query_range(
                self.query, start=self.resume_at(), end=time.time_ns(), limit=1, direction="forward"
            )
        except LokiError:
            return False
        return True

    async def poll(self) -> None:
        """Where WebSockets are blocked: ``query_range`` forward from the newest line, every second."""
        buffer = self.buffer
        buffer.set_fact(
            "mode",
            "polling query_range (" + ("the tail kept failing)" if self.polling_instead else "WebSocket refused)"),
        )
        buffer.set_status(KindState.LIVE)
        delay = self.poll_interval
        while True:
            try:
                now = time.time_ns()
                streams = await self.client.query_range(
                    self.query, start=self.resume_at(), end=now, limit=5000, direction="forward"
                )
                self._add(streams)
                self._recovered()
                delay = self.poll_interval
            except LokiError as exc:
                if exc.code in (401, 403):
                    self._fail(exc, None)
                    return
                delay = min(max(delay * 2, 1.0), 10.0)
                self._fail(exc, delay)
            await self._pause(delay)

    async def older(self, lines: int = 0) -> int:
        """One page of history before the oldest line (scrolling up); 0 when there is no more."""
        if self.history_exhausted:
            return 0
        buffer = self.buffer
        end = buffer.first_timestamp or self.seam
        limit = min(lines or self.page, 5000, buffer.capacity - len(buffer))
        if limit <= 0:
            return 0
        start = end - 24 * 3600 * NS
        try:
            streams = await self.client.query_range(self.query, start=start, end=end, limit=limit, direction="backward")
        except LokiError as exc:
            buffer.set_fact("note", f"older lines: {exc.summary()}")
            return 0
        older: list[tuple[int, int, str]] = []
        for labels, entries in streams:
            origin = buffer.intern(
                Origin(labels.get("pod", ""), labels.get("container", ""), tuple(sorted(labels.items())))
            )
            older.extend((ts, origin, text) for ts, text in entries)
        older.sort(key=lambda line: line[0])
        if len(older) < limit:
            self.history_exhausted = True
        return buffer.prepend(older)
