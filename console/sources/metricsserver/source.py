"""Polls ``metrics.k8s.io/v1beta1`` (PodMetrics, NodeMetrics) through the Kubernetes source's
transport into two stores, ``podmetrics`` (keyed ``namespace/name``) and ``nodemetrics``
(keyed ``name``), which the Pods and Nodes views join (``KindView.joins``, catalog/usage.py).

Cheap by design: a kind is polled only once a screen ensured it (a Pods or Nodes view shows
it), with one list call per kind per refresh interval, for the current namespace scope.
Without the API (discovery lacks metrics.k8s.io, or a 404) the stores say "metrics API not
available" and polling stops until the scope changes; it never fails the app.
"""

from __future__ import annotations

import asyncio
import logging
import time
from typing import TYPE_CHECKING, Any

from inference_console.catalog.base import column, name_column, namespace_column
from inference_console.catalog.quantity import format_cpu, format_memory
from inference_console.catalog.usage import NODE_METRICS, POD_METRICS, node_usage, pod_usage
from inference_console.catalog.view import OK, KindView
from inference_console.sources.base import Scope, SourceError, SourceInfo
from inference_console.sources.heap import BULK, trim_heap
from inference_console.sources.metricsserver.decode import decode_metrics_list
from inference_console.state.store import KindState, RecordStore

if TYPE_CHECKING:
    from inference_console.state.workspace import Workspace

log = logging.getLogger(__name__)

BASE = "/apis/metrics.k8s.io/v1beta1"
GROUP = "metrics.k8s.io"
POLL_SHARE = 10.0  # wait at least 10x what a poll took: polling uses at most ~10% of the app's time
MAX_INTERVAL = 30.0
WAIT_FOR_LIST = 0.25  # seconds between looks at a list still arriving
MERGE_CHUNK = 1_000  # records of a poll merged between two turns of the event loop
NOT_AVAILABLE = "metrics API not available (metrics.k8s.io is not served: no metrics-server?)"


def pod_key(record: dict[str, Any]) -> str:
    md = record.get("metadata") or {}
    return f"{md.get('namespace', '')}/{md.get('name', '')}"


def node_key(record: dict[str, Any]) -> str:
    return str((record.get("metadata") or {}).get("name", ""))


def _usage_version(record: dict[str, Any]) -> Any:
    """What tells a polled record changed: its figures, compared as they are (``==`` in C: at
    10,000 PodMetrics a ``repr`` of each, twice per poll, held the event loop ~65 ms)."""
    return record.get("containers") or record.get("usage")


VIEWS = {
    POD_METRICS: KindView(
        key=POD_METRICS,
        kind="PodMetrics",
        section="",
        source="metrics",
        order=10,
        aliases=("podmetrics", "top-pods"),
        tabs=("summary", "yaml"),
        health=lambda o: OK,
        columns=(
            name_column(),
            namespace_column(),
            column("CPU", lambda o: format_cpu(pod_usage(o)[0]), justify="right", sort=lambda o: pod_usage(o)[0]),
            column("MEM", lambda o: format_memory(pod_usage(o)[1]), justify="right", sort=lambda o: pod_usage(o)[1]),
            column("WINDOW", lambda o: o.get("window", ""), priority=3),
        ),
    ),
    NODE_METRICS: KindView(
        key=NODE_METRICS,
        kind="NodeMetrics",
        namespaced=False,
        section="",
        source="metrics",
        order=20,
        aliases=("nodemetrics", "top-nodes"),
        tabs=("summary", "yaml"),
        health=lambda o: OK,
        columns=(
            name_column(),
            column("CPU", lambda o: format_cpu(node_usage(o)[0]), justify="right", sort=lambda o: node_usage(o)[0]),
            column("MEM", lambda o: format_memory(node_usage(o)[1]), justify="right", sort=lambda o: node_usage(o)[1]),
            column("WINDOW", lambda o: o.get("window", ""), priority=3),
        ),
    ),
}


class MetricsServerSource:
    name = "metrics"

    def __init__(self, refresh_interval: float = 2.0) -> None:
        self.interval = max(0.2, float(refresh_interval))
        self.workspace: Workspace | None = None
        self.stores: dict[str, RecordStore] = {}
        self.wanted: set[str] = set()
        self.namespace: str | None = None
        self.available: bool | None = None  # None: not known yet
        self.polls = 0
        self._task: asyncio.Task[None] | None = None
        self._wake = asyncio.Event()
        self._waiting = False  # a wanted kind waits for its objects' first list

    # ---- the protocol -----------------------------------------------------------------
    @property
    def transport(self) -> Any:
        kube = self.workspace.source_of("pods") if self.workspace is not None else None
        return getattr(kube, "transport", None)

    async def start(self, workspace: "Workspace") -> None:
        self.workspace = workspace
        self.namespace = workspace.scope.namespace
        for key, view in VIEWS.items():
            store = RecordStore(key, key_of=pod_key if key == POD_METRICS else node_key, version_of=_usage_version)
            self.stores[key] = store
            workspace.register(self, view, store)
        self._task = asyncio.create_task(self._run(), name="metrics-server poll")

    async def stop(self) -> None:
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            try:
                await task
            except (asyncio.CancelledError, Exception):  # noqa: BLE001
                pass

    async def set_scope(self, scope: Scope) -> None:
        self.namespace = scope.namespace
        self.available = None if self.available is False else self.available
        self._wake.set()

    def ensure(self, key: str, pinned: bool = False) -> None:
        if key in self.stores and key not in self.wanted:
            self.wanted.add(key)
            self._wake.set()

    def serves(self, key: str) -> bool:
        return key in self.stores and self.available is not False

    def describe(self) -> SourceInfo:
        state = {None: "starting", True: "ready", False: "failed"}[self.available]
        detail = NOT_AVAILABLE if self.available is False else f"{GROUP}/v1beta1 every {self.interval:g}s"
        return SourceInfo(self.name, state, detail, {"polled": ", ".join(sorted(self.wanted)) or "nothing yet"})

    async def fetch(self, key: str, record: dict[str, Any]) -> dict[str, Any]:
        md = record.get("metadata") or {}
        ns = f"/namespaces/{md.get('namespace')}" if key == POD_METRICS else ""
        kind = "pods" if key == POD_METRICS else "nodes"
        return await self.transport.get(f"{BASE}{ns}/{kind}/{md.get('name')}")

    # ---- polling ----------------------------------------------------------------------
    def _served_by_discovery(self) -> bool | None:
        kube = self.workspace.source_of("pods") if self.workspace is not None else None
        groups = getattr(getattr(kube, "discovery", None), "groups", None)
        return None if groups is None else GROUP in groups

    def _mark_unavailable(self, reason: str = NOT_AVAILABLE) -> None:
        self.available = False
        for store in self.stores.values():
            store.replace([])
            store.set_status(KindState.NOT_INSTALLED, reason)

    async def poll_once(self) -> None:
        """One list call per wanted kind (pods in the current namespace scope)."""
        if self.transport is None:
            return
        if self._served_by_discovery() is False:
            self._mark_unavailable()
            return
        self._waiting = False
        for key in sorted(self.wanted):
            store = self.stores[key]
            listed = self.workspace.stores.get("pods" if key == POD_METRICS else "nodes") if self.workspace else None
            if listed is not None and not getattr(listed, "loaded", True):
                # Their first list is still arriving: it goes first (the CPU/MEM cells join
                # afterwards; decoding 10,000 PodMetrics meanwhile delayed the full table).
                self._waiting = True
                continue
            if key == POD_METRICS:
                path = f"{BASE}/namespaces/{self.namespace}/pods" if self.namespace else f"{BASE}/pods"
            else:
                path = f"{BASE}/nodes"
            if not store.loaded:
                store.set_status(KindState.LOADING)
            try:
                # Only the fields the views read are decoded (in a worker thread when large).
                items = await self.transport.get(path, decode=decode_metrics_list) or []
            except SourceError as err:
                code = getattr(err, "code", 0)
                if code == 404:
                    self._mark_unavailable()
                    return
                store.set_status(KindState.FORBIDDEN if code == 403 else KindState.RECONNECTING, err.summary())
                continue
            except (ValueError, RecursionError) as err:  # not JSON at all, or nested absurdly deep
                store.set_status(KindState.RECONNECTING, f"metrics API answered something that is not JSON: {err}")
                continue
            self.available = True
            await self._merge(store, items)
            store.set_status(KindState.LIVE)
            if len(items) >= BULK:  # a poll of 10,000 PodMetrics decodes megabytes every few seconds
                del items
                trim_heap()
        self.polls += 1

    @staticmethod
    async def _merge(store: RecordStore, items: list[dict[str, Any]]) -> None:
        """Make ``store`` equal ``items``, MERGE_CHUNK records at a time with the event loop free
        between (keys are handled meanwhile): the replace of 10,000 PodMetrics in one step held
        the loop 24-52 ms every poll.  Records whose figures did not change are not touched."""
        if len(items) <= MERGE_CHUNK:
            store.replace(items)
            return
        store.begin_list(quiet=True)
        try:
            for start in range(0, len(items), MERGE_CHUNK):
                if start:
                    await asyncio.sleep(0)
                store.add_page(items[start : start + MERGE_CHUNK])
        except BaseException:
            store.abort_list()
            raise
        store.end_list()

    async def _run(self) -> None:
        while True:
            wait = self.interval
            if self.wanted and self.available is not False:
                started = time.perf_counter()
                try:
                    await self.poll_once()
                except asyncio.CancelledError:
                    raise
                except Exception:  # noqa: BLE001 - a bad answer must not end polling
                    log.exception("metrics poll failed")
                # A poll costs the app time proportional to the pods (a 100,000-pod list is seconds
                # of decoding): poll at most a tenth of the time, never faster than the interval.
                # metrics-server itself refreshes every 15 s by default (--metric-resolution).
                wait = max(self.interval, min(POLL_SHARE * (time.perf_counter() - started), MAX_INTERVAL))
                if self._waiting:
                    wait = WAIT_FOR_LIST
            self._wake.clear()
            try:
                await asyncio.wait_for(self._wake.wait(), wait)
            except asyncio.TimeoutError:
                pass
