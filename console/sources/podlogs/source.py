"""Logs through the Kubernetes pod log API, merged across an object's pods as stern does.

``GET /api/v1/namespaces/NS/pods/NAME/log?follow=true&timestamps=true&container=C``
per pod and container, over the cluster's own connection (the kube source's transport).
The pods are those of the target's label selector, listed again every few seconds, so
pods that come (a rollout, a restart) are followed and pods that go end their stream.
A follower that ends while its pod is still there resumes with ``sinceTime`` from its
newest line (the :class:`SeamGuard` drops what it sends twice).  The pod log API cannot
filter, so a query's line filters (``|= "x"``, ``|~ "re"``, ...) and the level filter run
here on each line.  ``previous`` reads the last terminated instance once.
"""

from __future__ import annotations

import asyncio
import itertools
import time
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any

from inference_console.sources.base import Scope, SourceError, SourceInfo
from inference_console.sources.loki import logql
from inference_console.state.logs import LogBuffer, LogRequest, LogTarget, Origin, SeamGuard
from inference_console.state.store import KindState

if TYPE_CHECKING:
    from inference_console.state.workspace import Workspace

_ids = itertools.count(1)
NS = 1_000_000_000


def parse_stamp(text: str) -> int:
    """RFC3339Nano (as ``timestamps=true`` writes it) to nanoseconds; 0 when it is not one."""
    try:
        head, _, rest = text.partition(".")
        digits = "".join(ch for ch in rest if ch.isdigit())
        zone = rest[len(digits) :] or ("" if rest else "")
        stamp = datetime.fromisoformat((head + zone).replace("Z", "+00:00"))
        if stamp.tzinfo is None:
            stamp = stamp.replace(tzinfo=timezone.utc)
        return int(stamp.timestamp()) * NS + (int((digits + "000000000")[:9]) if digits else 0)
    except ValueError:
        return 0


def rfc3339(ts_ns: int) -> str:
    return datetime.fromtimestamp(ts_ns // NS, timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def label_selector(labels: dict[str, str]) -> str:
    return ",".join(f"{k}={v}" for k, v in sorted(labels.items()))


class PodLogSource:
    name = "podlogs"
    provides_logs = True
    log_priority = 0

    def __init__(self, buffer_lines: int = 100_000) -> None:
        self.buffer_lines = buffer_lines
        self.workspace: Workspace | None = None
        self.sessions: list[PodLogSession] = []

    @property
    def transport(self) -> Any:
        kube = self.workspace.sources.get("kube") if self.workspace is not None else None
        return getattr(kube, "transport", None)

    async def start(self, workspace: "Workspace") -> None:
        self.workspace = workspace

    async def stop(self) -> None:
        for session in list(self.sessions):
            await session.close()

    async def set_scope(self, scope: Scope) -> None:
        return None

    def ensure(self, key: str, pinned: bool = False) -> None:
        return None

    def serves(self, key: str) -> bool:
        return False

    def describe(self) -> SourceInfo:
        return SourceInfo(
            self.name,
            "ready" if self.transport is not None else "starting",
            "Kubernetes pod log API",
            {"open panes": str(len(self.sessions))},
        )

    async def fetch(self, key: str, record: dict[str, Any]) -> dict[str, Any]:
        raise SourceError("pod logs have no records")

    def log_state(self) -> tuple[bool, str]:
        return self.transport is not None, "Kubernetes pod log API"

    def default_query(self, target: LogTarget) -> str:
        return ""  # line filters only: the pod log API selects by pod, not by query

    async def open_logs(self, workspace: "Workspace", request: LogRequest) -> "PodLogSession":
        if self.transport is None:
            raise SourceError("not connected to a cluster")
        session = PodLogSession(self, workspace, request)
        self.sessions.append(session)
        session.start()
        return session


class PodLogSession:
    relist_interval = 3.0
    retry_delay = 2.0

    def __init__(self, source: PodLogSource, workspace: "Workspace", request: LogRequest) -> None:
        self.source = source
        self.workspace = workspace
        self.request = request
        self.transport = source.transport
        filters = " ".join(x for x in (request.query or "", logql.level_filter(request.level)) if x)
        self.filter = logql.parse('{namespace="x"} ' + filters) if filters.strip() else None
        self.buffer = LogBuffer(f"logs:pods:{next(_ids)}", source.buffer_lines, workspace.on_change)
        workspace.attach(self.buffer)
        self.guard = SeamGuard()
        self.followers: dict[tuple[str, str], asyncio.Task[None]] = {}
        self.gone: set[str] = set()
        self._task: asyncio.Task[None] | None = None
        mode = "previous instance" if request.previous else "follow"
        self.buffer.facts.update({"source": "Kubernetes pod log API", "mode": mode, "query": filters or "(no filter)"})

    def start(self) -> None:
        self._task = asyncio.ensure_future(self.run())

    def describe(self) -> dict[str, str]:
        return dict(self.buffer.facts)

    async def older(self, lines: int = 0) -> int:
        return 0  # the pod log API has no paging: history is what sinceSeconds/tailLines gave

    async def close(self) -> None:
        tasks = [t for t in [self._task, *self.followers.values()] if t is not None]
        for task in tasks:
            task.cancel()
        if tasks:
            await asyncio.gather(*tasks, return_exceptions=True)
        if self in self.source.sessions:
            self.source.sessions.remove(self)
        self.workspace.unregister(self.buffer.key)

    # ------------------------------------------------------------------ pods
    async def pods(self) -> list[dict[str, Any]]:
        target = self.request.target
        base = f"/api/v1/namespaces/{target.namespace}/pods"
        if target.selector:
            body = await self.transport.get(base, [("labelSelector", label_selector(dict(target.selector)))])
            return list(body.get("items") or [])
        found = []
        for name in target.pods:
            try:
                found.append(await self.transport.get(f"{base}/{name}"))
            except SourceError as exc:
                if not exc.not_found:
                    raise
        return found

    def _containers(self, pod: dict[str, Any]) -> list[str]:
        names = [c.get("name", "") for c in (pod.get("spec") or {}).get("containers") or []]
        wanted = self.request.container or (
            self.request.target.containers[0] if len(self.request.target.containers) == 1 else None
        )
        return [wanted] if wanted and wanted in names else names

    async def run(self) -> None:
        buffer = self.buffer
        buffer.set_status(KindState.LOADING, "finding the pods…")
        while True:
            try:
                pods = await self.pods()
            except SourceError as exc:
                buffer.set_status(KindState.RECONNECTING, f"{exc.summary()} — retrying")
                await asyncio.sleep(self.relist_interval)
                continue
            live = set()
            for pod in pods:
                name = (pod.get("metadata") or {}).get("name", "")
                live.add(name)
                for container in self._containers(pod):
                    key = (name, container)
                    if key not in self.followers:
                        self.followers[key] = asyncio.ensure_future(self.follow(name, container))
            for (name, _), task in list(self.followers.items()):
                if name not in live and name not in self.gone:
                    self.gone.add(name)
            followed = sorted({name for name, _ in self.followers if name in live})
            buffer.set_fact("pods", ", ".join(followed) or "none")
            if self.gone:
                buffer.set_fact("gone", ", ".join(sorted(self.gone)))
            if not pods:
                buffer.set_status(KindState.LIVE, "no pods match (yet)")
            elif buffer.status.state is not KindState.LIVE:
                buffer.set_status(KindState.LIVE)
            if self.request.previous:
                return
            await asyncio.sleep(self.relist_interval)

    async def follow(self, pod: str, container: str) -> None:
        """One container's stream; resumes while the pod exists, ends when it is gone."""
        buffer, request = self.buffer, self.request
        origin = buffer.intern(Origin(pod, container, (("container", container), ("pod", pod))))
        path = f"/api/v1/namespaces/{request.target.namespace}/pods/{pod}/log"
        newest = 0
        per_pod = max(10, request.history_lines // max(1, len(self.followers) or 1))
        while True:
            query = [("container", container), ("timestamps", "true")]
            if request.previous:
                query.append(("previous", "true"))
            else:
                query.append(("follow", "true"))
            if newest:
                query.append(("sinceTime", rfc3339(newest)))
            else:
                query += [("sinceSeconds", str(request.since_seconds)), ("tailLines", str(per_pod))]
            try:
                newest = await self._stream(path, query, origin) or newest
                if request.previous:
                    return
            except SourceError as exc:
                if exc.not_found:
                    self.gone.add(pod)
                    buffer.set_fact("gone", ", ".join(sorted(self.gone)))
                    return
                buffer.set_fact(f"{pod}/{container}", exc.summary())
                if request.previous:
                    return
            if pod in self.gone:
                return
            await asyncio.sleep(self.retry_delay)

    async def _stream(self, path: str, query: list[tuple[str, str]], origin: int) -> int:
        import aiohttp

        from inference_console.sources.kube.errors import KubeError

        timeout = aiohttp.ClientTimeout(total=None, sock_connect=10, sock_read=None)
        resp = await self.transport._call("GET", path, query, timeout=timeout)  # noqa: SLF001 - a streamed read
        newest = 0
        try:
            if not 200 <= resp.status < 300:
                raise KubeError.from_status(resp.status, await resp.read())
            key = f"{origin}"
            self.buffer.facts.pop(key, None)
            pending = b""
            keep = self.filter.keep if self.filter is not None else None
            guard, buffer = self.guard, self.buffer
            async for chunk in resp.content.iter_any():
                pending += chunk
                if b"\n" not in pending:
                    if len(pending) > 4 * 1024 * 1024:  # a line without end: cut it
                        pending += b"\n"
                    else:
                        continue
                *complete, pending = pending.split(b"\n")
                lines = []
                for raw in complete:
                    text = raw.decode("utf-8", "replace")
                    stamp, _, body = text.partition(" ")
                    ts = parse_stamp(stamp)
                    if not ts:
                        ts, body = time.time_ns(), text
                    if keep is not None and not keep(body):
                        continue
                    if guard.admit(ts, origin, body):
                        lines.append((ts, origin, body))
                        newest = ts
                buffer.extend(lines)
        except (aiohttp.ClientError, OSError, asyncio.TimeoutError) as exc:
            raise KubeError(0, "ConnectionError", str(exc) or type(exc).__name__) from exc
        finally:
            resp.release()
        return newest
