"""``GET /api/v1/namespaces/NS/pods/NAME/log``: the pod log subresource, as the kubelet serves it.

The emulator runs no containers, so lines are written here (:func:`pod_logs` ``.write``)
by tests and by the demo's log generator (``sandbox/demo_logs.py``); a container
restart moves its lines to the ``previous`` instance.  The parameters of
``PodLogOptions``: ``container``, ``follow`` (the body is streamed, chunked, until the
pod is deleted or the client goes away), ``previous``, ``sinceSeconds`` / ``sinceTime``
(one of the two), ``timestamps`` (RFC3339Nano and a space before each line),
``tailLines`` and ``limitBytes``.  Errors are ``Status`` objects with code 400, worded as
the kubelet and API server word them.  ``kubectl logs`` is a client of this in the tests.
"""

from __future__ import annotations

import asyncio
import time
import weakref
from collections import defaultdict
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any

from aiohttp import web

from . import status as st
from .respond import error_response
from .status import EmulatorError

if TYPE_CHECKING:
    from .emulator import KubeEmulator
    from .server import Api

Key = tuple[str, str, str]  # namespace, pod, container
MAX_LINES = 50_000  # per container instance; the oldest go first (as the kubelet rotates files)


def rfc3339nano(ts_ns: int) -> str:
    seconds, nanos = divmod(ts_ns, 1_000_000_000)
    base = datetime.fromtimestamp(seconds, timezone.utc).strftime("%Y-%m-%dT%H:%M:%S")
    return f"{base}.{nanos:09d}Z"


def parse_rfc3339(text: str) -> int:
    """Nanoseconds since the epoch of an RFC3339 time (fractions kept to the nanosecond)."""
    text = text.strip()
    frac = 0
    if "." in text:
        head, _, rest = text.partition(".")
        digits = "".join(ch for ch in rest if ch.isdigit())
        zone = rest[len(digits) :]
        frac = int((digits + "000000000")[:9]) if digits else 0
        text = head + zone
    stamp = datetime.fromisoformat(text.replace("Z", "+00:00"))
    if stamp.tzinfo is None:
        stamp = stamp.replace(tzinfo=timezone.utc)
    return int(stamp.timestamp()) * 1_000_000_000 + frac


class Instance:
    """One container instance's log: its last MAX_LINES lines and how many it ever wrote."""

    __slots__ = ("lines", "written")

    def __init__(self) -> None:
        self.lines: list[tuple[int, str]] = []
        self.written = 0

    def since(self, count: int) -> list[tuple[int, str]]:
        """The lines written after the first ``count`` (those still kept)."""
        new = self.written - count
        return self.lines[len(self.lines) - min(new, len(self.lines)) :] if new > 0 else []


class PodLogs:
    """Lines per (namespace, pod, container), current and previous instance; followers wake on writes."""

    def __init__(self) -> None:
        self.current: dict[Key, Instance] = defaultdict(Instance)
        self.previous: dict[Key, Instance] = {}
        self._changed = asyncio.Event()
        self._waiters = 0

    def write(self, namespace: str, pod: str, container: str, line: str, ts_ns: int | None = None) -> None:
        instance = self.current[(namespace, pod, container)]
        lines = instance.lines
        stamp = ts_ns if ts_ns is not None else time.time_ns()
        if lines and stamp < lines[-1][0]:
            stamp = lines[-1][0]  # one file per container: never out of order
        lines.append((stamp, line))
        instance.written += 1
        if len(lines) > MAX_LINES:
            del lines[: len(lines) - MAX_LINES]
        if self._waiters:
            self._changed.set()

    def lines(self, namespace: str, pod: str, container: str, previous: bool = False) -> list[tuple[int, str]]:
        table = self.previous if previous else self.current
        instance = table.get((namespace, pod, container))
        return list(instance.lines) if instance is not None else []

    def restart(self, namespace: str, pod: str, container: str) -> None:
        """The container restarted: what it wrote is now the ``previous`` instance."""
        key = (namespace, pod, container)
        self.previous[key] = self.current.pop(key, None) or Instance()
        if self._waiters:
            self._changed.set()

    def forget(self, namespace: str, pod: str) -> None:
        for table in (self.current, self.previous):
            for key in [k for k in table if k[0] == namespace and k[1] == pod]:
                del table[key]

    async def wait(self, timeout: float) -> None:
        self._waiters += 1
        try:
            await asyncio.wait_for(self._changed.wait(), timeout)
        except asyncio.TimeoutError:
            pass
        finally:
            self._waiters -= 1
            if self._waiters == 0:
                self._changed.clear()
        await asyncio.sleep(0)


_LOGS: "weakref.WeakKeyDictionary[Any, PodLogs]" = weakref.WeakKeyDictionary()


def pod_logs(emu: "KubeEmulator") -> PodLogs:
    """The log lines of an emulator's pods (created on first use)."""
    logs = _LOGS.get(emu)
    if logs is None:
        logs = _LOGS[emu] = PodLogs()
    return logs


def register(app: web.Application, api: "Api") -> None:
    """Serve pod logs on ``app`` ahead of the catch-all route."""

    async def handle(request: web.Request) -> web.StreamResponse:
        return await _handle(api, request)

    app.router.add_route("GET", "/api/v1/namespaces/{namespace}/pods/{name}/log", handle)


async def _handle(api: "Api", request: web.Request) -> web.StreamResponse:
    from .server import RequestRecord

    emu = api.emu
    emu.record_request(RequestRecord(request.method, request.path, dict(request.query), None))
    if emu.latency > 0:
        await asyncio.sleep(emu.latency)
    try:
        if emu.token is not None and request.headers.get("Authorization", "") != f"Bearer {emu.token}":
            raise st.unauthorized()
        return await _serve(api, request)
    except EmulatorError as err:
        return error_response(err)


def _int(q: Any, name: str, low: int = 0) -> int | None:
    raw = q.get(name)
    if raw is None or raw == "":
        return None
    try:
        value = int(raw)
    except ValueError:
        raise st.bad_request(f'{name}: Invalid value: "{raw}": must be an integer') from None
    if value < low:
        raise st.bad_request(f"{name}: Invalid value: {value}: must be greater than or equal to {low}")
    return value


def _bool(q: Any, name: str) -> bool:
    return q.get(name, "false").lower() in ("true", "1")


def _waiting_reason(pod: dict[str, Any], container: str) -> str | None:
    for cs in (pod.get("status") or {}).get("containerStatuses") or []:
        if cs.get("name") != container:
            continue
        state = cs.get("state") or {}
        if "running" in state or "terminated" in state:
            return None
        if "waiting" in state:
            reason = (state["waiting"] or {}).get("reason") or "ContainerCreating"
            if reason == "CrashLoopBackOff":
                return None  # the last instance's logs are served
            if reason in ("ImagePullBackOff", "ErrImagePull"):
                return "trying and failing to pull image"
            return reason
    return "ContainerCreating"


async def _serve(api: "Api", request: web.Request) -> web.StreamResponse:
    emu = api.emu
    namespace, name = request.match_info["namespace"], request.match_info["name"]
    rt = emu.registry.by_url("", "v1", "pods")
    api._authorize(request, rt, "get", namespace, name, "log")  # noqa: SLF001 - the emulator's own rules
    pod = emu.get("v1", "Pod", namespace, name)
    if pod is None:
        raise st.not_found("pods", "", name)
    q = request.query
    names = [c.get("name", "") for c in (pod.get("spec") or {}).get("containers") or []]
    container = q.get("container") or ""
    if not container:
        if len(names) != 1:
            raise st.bad_request(
                f"a container name must be specified for pod {name}, choose one of: [{' '.join(names)}]"
            )
        container = names[0]
    if container not in names:
        raise st.bad_request(f"container {container} is not valid for pod {name}")
    if q.get("sinceSeconds") and q.get("sinceTime"):
        raise st.bad_request("at most one of `sinceTime` or `sinceSeconds` may be specified")
    since_seconds = _int(q, "sinceSeconds", 1)
    tail = _int(q, "tailLines", 0)
    limit_bytes = _int(q, "limitBytes", 1)
    follow, previous, stamps = _bool(q, "follow"), _bool(q, "previous"), _bool(q, "timestamps")
    since_ns = 0
    if since_seconds is not None:
        since_ns = time.time_ns() - since_seconds * 1_000_000_000
    elif q.get("sinceTime"):
        try:
            since_ns = parse_rfc3339(q["sinceTime"])
        except ValueError:
            raise st.bad_request(f'sinceTime: Invalid value: "{q["sinceTime"]}": must be RFC3339') from None
    logs = pod_logs(emu)
    key = (namespace, name, container)
    if previous:
        instance = logs.previous.get(key)
        if instance is None:
            raise st.bad_request(f'previous terminated container "{container}" in pod "{name}" not found')
        follow = False
    else:
        reason = _waiting_reason(pod, container)
        if reason is not None and not (key in logs.current and logs.current[key].written):
            raise st.bad_request(f'container "{container}" in pod "{name}" is waiting to start: {reason}')
        instance = logs.current[key]
    lines = instance.lines

    chosen = [entry for entry in lines if entry[0] >= since_ns] if since_ns else list(lines)
    if tail is not None:
        chosen = chosen[len(chosen) - tail :] if tail else []

    def render(entries: list[tuple[int, str]]) -> bytes:
        if stamps:
            return "".join(f"{rfc3339nano(ts)} {line}\n" for ts, line in entries).encode("utf-8", "surrogateescape")
        return "".join(f"{line}\n" for _, line in entries).encode("utf-8", "surrogateescape")

    body = render(chosen)
    if not follow:
        if limit_bytes is not None:
            body = body[:limit_bytes]
        return web.Response(body=body, content_type="text/plain")
    response = web.StreamResponse(headers={"Content-Type": "text/plain"})
    response.enable_chunked_encoding()
    await response.prepare(request)
    sent = 0
    if limit_bytes is not None:
        body = body[:limit_bytes]
    await response.write(body)
    sent += len(body)
    seen = instance.written
    while limit_bytes is None or sent < limit_bytes:
        await logs.wait(0.5)
        if emu.get("v1", "Pod", namespace, name) is None:
            break  # the pod is gone: the stream ends, as the kubelet's does
        current = logs.current.get(key)
        if current is not instance:  # restarted: the new instance's lines
            instance, seen = (current if current is not None else Instance()), 0
        if instance.written > seen:
            chunk = render(instance.since(seen))
            seen = instance.written
            if limit_bytes is not None:
                chunk = chunk[: limit_bytes - sent]
            try:
                await response.write(chunk)
            except (ConnectionError, RuntimeError):
                break
            sent += len(chunk)
    try:
        await response.write_eof()
    except (ConnectionError, RuntimeError):
        pass
    return response
