"""Watch fan-out: watchers subscribe per resource, get history replay or a synthetic initial
state, then live events; and the chunked HTTP stream that carries them with bookmarks."""

from __future__ import annotations

import asyncio
import json
from typing import Any, Callable, Iterable, Protocol

from aiohttp import web

from .resources import ResourceType
from .status import EmulatorError
from .storage import Event, Store

DROP = object()
CLOSE = object()
INITIAL_EVENTS_END = "k8s.io/initial-events-end"


class Item(Protocol):
    obj: dict[str, Any]

    def raw_as(self, api_version: str) -> bytes: ...


Pair = tuple[str, Item]


class Watcher:
    def __init__(self, rt: ResourceType, namespace: str | None, pred: Callable[[dict[str, Any]], bool] | None) -> None:
        self.rt = rt
        self.namespace = namespace or None
        self.pred = pred
        self.queue: asyncio.Queue[Any] = asyncio.Queue()
        # A watch from a resourceVersion the store has not reached yet gets only events (and
        # bookmarks) after it, like the watch cache's cacheWatcher.
        self.after_rv = 0

    def translate(self, ev: Event) -> Pair | None:
        """The event this watcher should see (selectors turn edges into ADDED/DELETED), or None."""
        if self.namespace and ev.namespace != self.namespace:
            return None
        pred = self.pred
        if pred is None:
            return (ev.type, ev)
        now = pred(ev.view)
        if ev.type != "MODIFIED":
            return (ev.type, ev) if now else None
        before = pred(ev.old_view) if ev.old_view is not None else False
        if now and before:
            return ("MODIFIED", ev)
        if now:
            return ("ADDED", ev)
        if before:
            return ("DELETED", ev)
        return None

    def offer(self, ev: Event) -> None:
        if ev.rv <= self.after_rv:
            return
        pair = self.translate(ev)
        if pair is not None:
            self.queue.put_nowait(pair)

    def drop(self) -> None:
        self.queue.put_nowait(DROP)


class WatchHub:
    def __init__(self, store: Store) -> None:
        self.store = store
        self._by_key: dict[tuple[str, str], set[Watcher]] = {}
        store.listeners.append(self.publish)

    def publish(self, ev: Event) -> None:
        for w in self._by_key.get(ev.key, ()):
            w.offer(ev)

    def subscribe(self, watcher: Watcher, since: int | None) -> list[Pair]:
        """Register ``watcher``; returns the events it must get first.

        ``since`` None: synthetic ADDED for the current state. Otherwise every event after it;
        raises 410 Expired when ``since`` is older than the history kept. A ``since`` newer than
        the store (a client that watched another server, e.g. before an etcd restore) is accepted
        as kube-apiserver's watch cache accepts it: nothing is sent until the store passes it
        (no error, no bookmark). Only a watch-list request (sendInitialEvents) or a list/get
        with such a resourceVersion gets "Too large resource version" (see :func:`too_large`)."""
        store = self.store
        rt = watcher.rt
        if since is None:
            initial: list[Pair] = []
            for _, entry in store.entries(rt.key, watcher.namespace):
                if watcher.pred is None or watcher.pred(entry.obj):
                    initial.append(("ADDED", entry))
        else:
            if since > store.rv:
                watcher.after_rv = since
                self._by_key.setdefault(rt.key, set()).add(watcher)
                return []
            events = store.events_since(since, rt.key)
            if events is None:
                raise EmulatorError(410, "Expired", f"too old resource version: {since} ({store.compacted_rv})")
            initial = [p for p in (watcher.translate(ev) for ev in events) if p is not None]
        self._by_key.setdefault(rt.key, set()).add(watcher)
        return initial

    def unsubscribe(self, watcher: Watcher) -> None:
        ws = self._by_key.get(watcher.rt.key)
        if ws:
            ws.discard(watcher)

    def close_resource(self, key: tuple[str, str]) -> None:
        """End (cleanly) every watch on a resource, e.g. when its CRD is deleted."""
        for w in list(self._by_key.get(key, ())):
            w.queue.put_nowait(CLOSE)

    def drop_all(self) -> int:
        n = 0
        for ws in self._by_key.values():
            for w in ws:
                w.drop()
                n += 1
        return n

    def count(self) -> int:
        return sum(len(ws) for ws in self._by_key.values())


def too_large(requested: int, current: int) -> EmulatorError:
    """storage.NewTooLargeResourceVersionError: a 504 Timeout with a ResourceVersionTooLarge cause."""
    return EmulatorError(
        504,
        "Timeout",
        f"Timeout: Too large resource version: {requested}, current: {current}",
        {
            "causes": [{"reason": "ResourceVersionTooLarge", "message": "Too large resource version"}],
            "retryAfterSeconds": 1,
        },
    )


def event_line(type_: str, raw_object: bytes) -> bytes:
    return b'{"type":"' + type_.encode() + b'","object":' + raw_object + b"}\n"


def bookmark_line(rt: ResourceType, api_version: str, rv: int, initial_end: bool = False) -> bytes:
    md: dict[str, Any] = {"resourceVersion": str(rv)}
    if initial_end:
        md["annotations"] = {INITIAL_EVENTS_END: "true"}
    return event_line(
        "BOOKMARK",
        json.dumps({"kind": rt.kind, "apiVersion": api_version, "metadata": md}, separators=(",", ":")).encode(),
    )


def error_line(err: EmulatorError) -> bytes:
    return event_line("ERROR", json.dumps(err.status, separators=(",", ":")).encode())


async def start_stream(request: web.Request) -> web.StreamResponse:
    resp = web.StreamResponse(
        status=200, headers={"Content-Type": "application/json", "Cache-Control": "no-cache, private"}
    )
    resp.enable_chunked_encoding()
    await resp.prepare(request)
    return resp


async def stream(
    request: web.Request,
    hub: WatchHub,
    watcher: Watcher,
    initial: Iterable[Pair],
    encode: Callable[[str, Item], bytes],
    *,
    bookmarks: bool,
    interval: float,
    timeout: float | None,
    initial_end_rv: int | None,
    api_version: str,
) -> web.StreamResponse:
    """Serve one watch: initial events, then live ones, until timeout, drop or disconnect."""
    loop = asyncio.get_running_loop()
    rt = watcher.rt
    resp = await start_stream(request)
    deadline = loop.time() + timeout if timeout else None
    next_bookmark = loop.time() + interval if bookmarks and interval > 0 else None
    try:
        buf: list[bytes] = []
        for t, item in initial:
            buf.append(encode(t, item))
            if len(buf) >= 1000:
                await resp.write(b"".join(buf))
                buf = []
        if initial_end_rv is not None:
            buf.append(bookmark_line(rt, api_version, initial_end_rv, initial_end=True))
        if buf:
            await resp.write(b"".join(buf))
        while True:
            now = loop.time()
            waits = [t - now for t in (deadline, next_bookmark) if t is not None]
            if deadline is not None and now >= deadline:
                break
            wait = max(0.0, min(waits)) if waits else None
            try:
                first = (
                    await asyncio.wait_for(watcher.queue.get(), wait) if wait is not None else await watcher.queue.get()
                )
            except asyncio.TimeoutError:
                first = None
            items = [] if first is None else [first]
            while not watcher.queue.empty():
                items.append(watcher.queue.get_nowait())
            out: list[bytes] = []
            closing = False
            for it in items:
                if it is CLOSE:
                    closing = True
                    break
                if it is DROP:
                    if out:
                        await resp.write(b"".join(out))
                    _abort(request)
                    return resp
                out.append(encode(*it))
            if next_bookmark is not None and loop.time() >= next_bookmark:
                if hub.store.rv > watcher.after_rv:
                    out.append(bookmark_line(rt, api_version, hub.store.rv))
                next_bookmark = loop.time() + interval
            if out:
                await resp.write(b"".join(out))
            if closing:
                break
    except (ConnectionResetError, ConnectionError):
        return resp
    finally:
        hub.unsubscribe(watcher)
    await resp.write_eof()
    return resp


def _abort(request: web.Request) -> None:
    """Cut the connection without ending the chunked body: the client sees a dropped stream."""
    transport = request.transport
    if transport is not None:
        transport.abort()
