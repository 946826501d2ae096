"""The Prometheus source: the GPU fleet stores and the live metric panes of detail views.

* Finds Prometheus (the context's ``prometheus`` settings, else a Service in the cluster
  through the API server's service proxy), detects DCGM's label dialect, then refreshes
  the GPU fleet every ``interval`` seconds with at most five aggregated queries, joining
  GPUs to pods and serving objects, and evaluates the GPU rules into the findings store.
* Panes (the Metrics tab): :meth:`open_pane` creates a store ``prom:<pane>`` and a task
  that runs one range query per panel per refresh and writes one record per panel;
  :meth:`set_pane` changes window, width, pods or pause; :meth:`close_pane` cancels
  the task and any query in flight and drops the store.  Records that did not change
  are not re-delivered, so an unchanged chart is not repainted.

Failures become store status (reconnecting with the reason, retried with backoff) and
per-panel errors (a bad query keeps its text and shows the server's errorType and error).
"""

from __future__ import annotations

import asyncio
import logging
import math
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from inference_console.sources.base import Scope, SourceError, SourceInfo
from inference_console.sources.prometheus import dcgm, families, fleet, kube, rules, serving
from inference_console.sources.prometheus.client import (
    HttpxTransport,
    KubeProxyTransport,
    PromClient,
    PromError,
    Result,
    step_for_width,
)
from inference_console.sources.prometheus.view import (
    FINDINGS,
    FINDINGS_VIEW,
    GPU_VIEW,
    GPUS,
    HOT,
    HOT_VIEW,
    IDLE,
    IDLE_VIEW,
    SERVING_METRICS,
    SERVING_VIEW,
)
from inference_console.state.store import KindState, RecordStore

if TYPE_CHECKING:
    from inference_console.state.workspace import Workspace

log = logging.getLogger(__name__)

WINDOWS = {"5m": 300.0, "1h": 3600.0, "6h": 6 * 3600.0, "24h": 24 * 3600.0}
MAX_SERIES = 6  # per panel; the rest is summarised as "+N more"
SCRAPE = 15.0  # assumed scrape interval for steps and staleness when the server does not say
HISTORY_WINDOW = 30 * 60.0
HISTORY_STEP = 60.0  # sparkline points, and how often the 1h maxima are re-read
SERVING_KEYS = (fleet.ISVC, fleet.BENTO, fleet.STACK)
JOIN_KEYS = ("pods", "replicasets", "deployments", *SERVING_KEYS)


class Backoff:
    def __init__(self, base: float = 1.0, cap: float = 60.0) -> None:
        self.base, self.cap, self.attempt = base, cap, 0

    def next(self) -> float:
        delay = min(self.cap, self.base * 2**self.attempt)
        self.attempt = min(self.attempt + 1, 16)
        return delay

    def reset(self) -> None:
        self.attempt = 0


@dataclass
class Pane:
    id: str
    target: dict[str, Any]
    window: str = "1h"
    width: int = 60
    paused: bool = False
    store: RecordStore | None = None
    task: asyncio.Task | None = None
    wake: asyncio.Event = field(default_factory=asyncio.Event)
    found: set[str] | None = None
    detected_at: float = 0.0
    refreshes: int = 0


def _classify_gpu(record: dict[str, Any]) -> tuple[Any, bool]:
    verdict = GPU_VIEW.health(record)
    return verdict, verdict.state.name == "FAILED"


def _classify_finding(record: dict[str, Any]) -> tuple[Any, bool]:
    verdict = FINDINGS_VIEW.health(record)
    return verdict, verdict.state.name == "FAILED"


def series_name(labels: dict[str, str], legend: tuple[str, ...]) -> str:
    parts = [labels.get(k, "") for k in legend if labels.get(k)]
    if not parts:
        parts = [f"{k}={v}" for k, v in sorted(labels.items()) if k != "__name__"][:3]
    return "/".join(parts) if parts else "value"


def panel_record(
    spec: Any, query: str, result: Result | None, error: PromError | None, end: float, step: float
) -> dict[str, Any]:
    """One panel as a store record: series capped at MAX_SERIES, stale and NaN/Inf noted."""
    rec: dict[str, Any] = {
        "id": spec.id,
        "title": spec.title,
        "unit": spec.unit,
        "family": spec.family,
        "query": query,
        "error": "",
        "series": [],
        "more": 0,
        "stale": [],
        "step": step,
        "odd": 0,
        "warnings": [],
    }
    if error is not None:
        rec["error"] = f"{error.kind}: {error.message}"
        return rec
    assert result is not None
    rec["warnings"] = result.warnings[:3]
    items = []
    for s in result.series:
        pts, odd = [], 0
        for t, v in s.points:
            if math.isnan(v) or math.isinf(v):
                odd += 1
                pts.append((t, None))
            else:
                pts.append((t, round(v, 6)))
        peak = max((v for _, v in pts if v is not None), default=-math.inf)
        items.append((peak, series_name(s.labels, spec.legend), pts, odd))
    items.sort(key=lambda i: (-i[0], i[1]))
    rec["more"] = max(0, len(items) - MAX_SERIES)
    for peak, name, pts, odd in items[:MAX_SERIES]:
        rec["series"].append({"name": name, "points": pts})
        rec["odd"] += odd
        last_t = pts[-1][0] if pts else 0.0
        if last_t < end - 2 * max(step, SCRAPE):
            rec["stale"].append(name)
    return rec


class PrometheusSource:
    name = "prometheus"

    def __init__(self, settings: Any = None, *, interval: float | None = None, demo: bool = False) -> None:
        self.settings = settings
        self.interval = float(interval or getattr(settings, "interval", 15.0) or 15.0)
        self.demo = demo
        self.workspace: Workspace | None = None
        self.client: PromClient | None = None
        self.found_by = ""
        self.state = "starting"
        self.reason = ""
        self.dialect: dcgm.Dialect | None = None
        self.panes: dict[str, Pane] = {}
        self.fleet_refreshes = 0
        self.last_fleet_seconds = 0.0
        self._task: asyncio.Task | None = None
        self._extra_pods: dict[str, tuple[float, dict[str, list[dict[str, Any]]]]] = {}
        self.gpus = RecordStore(GPUS, key_of=lambda r: r["key"], classify=_classify_gpu)
        self.idle = RecordStore(IDLE, key_of=lambda r: r["key"], classify=_classify_gpu)
        self.hot = RecordStore(HOT, key_of=lambda r: r["key"], classify=_classify_gpu)
        self.findings = RecordStore(FINDINGS, key_of=lambda r: r["key"], classify=_classify_finding)
        # GPU% and REQ/S of serving objects (the main table's joined columns), refreshed with the
        # fleet while a table showing them is on screen (ensure / release).
        self.serving = RecordStore(SERVING_METRICS, key_of=lambda r: r["key"])
        self.serving_wanted = False
        self._fleet_wake = asyncio.Event()
        # What changes once a minute is fetched once a minute: the sparkline history grows by
        # the steps that passed (one point per GPU), the 1h maxima are re-read (see _fleet_hourly).
        self._history: dict[str, Any] = {}  # gpu key -> Series (points on the HISTORY_STEP grid)
        self._history_end = 0.0
        self._sparks: dict[str, list[float | None]] = {}  # gpu key -> rounded points (fleet.history_points)
        self._history_dialect: dcgm.Dialect | None = None
        self._hourly: tuple[float, dcgm.Dialect | None, Any] = (0.0, None, None)

    # ------------------------------------------------------------------ Source protocol
    @property
    def _stores(self) -> tuple[RecordStore, ...]:
        return (self.gpus, self.idle, self.hot, self.findings)

    async def start(self, workspace: "Workspace") -> None:
        self.workspace = workspace
        for view, store in (
            (GPU_VIEW, self.gpus),
            (IDLE_VIEW, self.idle),
            (HOT_VIEW, self.hot),
            (FINDINGS_VIEW, self.findings),
            (SERVING_VIEW, self.serving),
        ):
            store.on_change = workspace.on_change
            workspace.register(self, view, store)
            store.set_status(KindState.LOADING, "finding Prometheus…")
        self._task = asyncio.get_running_loop().create_task(self._run(), name="prometheus-fleet")

    async def stop(self) -> None:
        self.state = "stopped"
        for pane_id in list(self.panes):
            self.close_pane(pane_id)
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
        if self.client is not None:
            await self.client.close()

    async def set_scope(self, scope: Scope) -> None:
        self._fleet_wake.set()  # the join may now see other pods

    def ensure(self, key: str, pinned: bool = False) -> None:
        # The fleet is refreshed all the time (the sidebar counts it); the serving objects' rates
        # only while a table joins them (the main screen releases them when it shows another).
        if key == SERVING_METRICS and not self.serving_wanted:
            self.serving_wanted = True
            self._fleet_wake.set()

    def release(self, key: str) -> None:
        if key == SERVING_METRICS:
            self.serving_wanted = False

    def serves(self, key: str) -> bool:
        return key in (GPUS, IDLE, HOT, FINDINGS, SERVING_METRICS) or key.startswith("prom:")

    def describe(self) -> SourceInfo:
        facts = {
            "endpoint": self.client.description if self.client else "",
            "found by": self.found_by,
            "dcgm": self.dialect.describe() if self.dialect else "not checked yet",
            "gpus": str(len(self.gpus)),
            "panes": str(len(self.panes)),
        }
        return SourceInfo(self.name, self.state, self.reason, facts)

    async def fetch(self, key: str, record: dict[str, Any]) -> dict[str, Any]:
        return record

    # ------------------------------------------------------------------ connecting
    def _connect(self) -> PromClient | None:
        s = self.settings
        if s is not None and s.url:
            verify: Any = True
            if s.insecure:
                verify = False
            elif s.ca_file:
                import ssl

                verify = ssl.create_default_context(cafile=s.ca_file)
            token = s.resolve_token()
            password = s.resolve_password()
            basic = (s.username, password) if s.username and password is not None else None
            transport = HttpxTransport(
                s.url, headers=dict(s.headers), token=token, basic=basic, verify=verify, timeout=s.timeout
            )
            self.found_by = "demo sandbox" if self.demo else "config file (prometheus.url)"
            return PromClient(transport, timeout=s.timeout)
        return None

    async def _discover(self) -> PromClient | None:
        from inference_console.sources.prometheus.discovery import discover

        kube_source = self.workspace.sources.get("kube") if self.workspace else None
        transport = getattr(kube_source, "transport", None)
        if transport is None:
            return None
        found = await discover(transport)
        if found is None:
            return None
        self.found_by = f"discovered: {found.why}, via the API server's service proxy"
        timeout = getattr(self.settings, "timeout", 10.0) if self.settings else 10.0
        return PromClient(KubeProxyTransport(transport, found.namespace, found.name, found.port), timeout=timeout)

    def _set_status(self, state: KindState, reason: str = "") -> None:
        for store in (*self._stores, self.serving):
            store.set_status(state, reason)

    async def _run(self) -> None:
        backoff = Backoff(base=min(2.0, self.interval), cap=60.0)
        while self.client is None:
            try:
                self.client = self._connect() or await self._discover()
            except Exception as exc:  # noqa: BLE001 - secrets unavailable, bad CA file...
                self.state, self.reason = "failed", str(exc)
                self._set_status(KindState.ERROR, f"Prometheus: {exc}")
                return
            if self.client is None:
                self.state, self.reason = "failed", "no Prometheus configured or found in the cluster"
                self._set_status(
                    KindState.NOT_INSTALLED,
                    "no Prometheus: set [prometheus] url in the config file, or run one the console can discover",
                )
                await asyncio.sleep(backoff.next() * 10)
        self.state = "ready"
        while True:
            try:
                if (
                    self.dialect is None
                    or (not self.dialect.present and self.fleet_refreshes % 10 == 0)
                    or self.fleet_refreshes % 40 == 39
                ):
                    self.dialect = await self.detect_dialect()
                await self.refresh_fleet()
                backoff.reset()
                self.state, self.reason = "ready", ""
                delay = self.interval
            except PromError as exc:
                delay = backoff.next()
                self.reason = exc.summary()
                self.state = "failed" if not exc.retriable else "ready"
                state = KindState.RECONNECTING if exc.retriable else KindState.ERROR
                for store in (*self._stores, self.serving):
                    store.set_status(state, f"Prometheus {exc.summary()} — retrying in {delay:.0f}s")
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # noqa: BLE001 - a bug must not end the refresh loop
                log.exception("GPU fleet refresh failed")
                delay = backoff.next()
                self._set_status(KindState.ERROR, f"GPU fleet: {type(exc).__name__}: {exc}")
            self._fleet_wake.clear()
            try:
                await asyncio.wait_for(self._fleet_wake.wait(), delay)
            except asyncio.TimeoutError:
                pass

    async def detect_dialect(self) -> dcgm.Dialect:
        assert self.client is not None
        start = time.time() - 3600
        for legacy in (False, True):
            names = await self.client.label_names(dcgm.probe_match(legacy), start)
            if names:
                return dcgm.detect(names, legacy)
        return dcgm.ABSENT

    # ------------------------------------------------------------------ the fleet
    def _join_stores(self) -> dict[str, list[dict[str, Any]]]:
        ws = self.workspace
        out: dict[str, list[dict[str, Any]]] = {}
        for key in JOIN_KEYS:
            store = ws.stores.get(key) if ws else None
            out[key] = list(store.values()) if store is not None else []
        return out

    async def _other_namespaces(self, namespaces: set[str]) -> dict[str, list[dict[str, Any]]]:
        """Pods and owners of GPU pods outside the workspace's scope (listed, cached a minute)."""
        ws = self.workspace
        kube_source = ws.sources.get("kube") if ws else None
        transport = getattr(kube_source, "transport", None)
        scope = ws.scope.namespace if ws else None
        out: dict[str, list[dict[str, Any]]] = {k: [] for k in JOIN_KEYS}
        if transport is None or scope is None:
            return out
        now = time.monotonic()
        for ns in sorted(namespaces - {scope, ""}):
            cached = self._extra_pods.get(ns)
            if cached is None or now - cached[0] > 60:
                lists: dict[str, list[dict[str, Any]]] = {}
                for key, path in (
                    ("pods", f"/api/v1/namespaces/{ns}/pods"),
                    ("replicasets", f"/apis/apps/v1/namespaces/{ns}/replicasets"),
                    ("deployments", f"/apis/apps/v1/namespaces/{ns}/deployments"),
                ):
                    try:
                        lists[key] = (await transport.get(path)).get("items") or []
                    except SourceError:
                        lists[key] = []
                cached = (now, lists)
                self._extra_pods[ns] = cached
            for key, items in cached[1].items():
                out[key] += items
        return out

    async def refresh_fleet(self) -> None:
        client, d = self.client, self.dialect
        assert client is not None and d is not None
        if not d.present:
            for store in self._stores:
                store.replace([])
            reason = (
                "no DCGM exporter found in this Prometheus (no DCGM_FI_DEV_GPU_UTIL or dcgm_gpu_utilization series)"
            )
            for store in self._stores:
                store.set_status(KindState.NOT_INSTALLED, reason)
            rates = await self._serving_rates(client, time.time())
            if rates is not None:
                self._write_serving([], rates, fleet.build_index(self._join_stores()))
            return
        started = time.perf_counter()
        now = time.time()
        both, history, (util_1h, xid_1h, fb_total), rates = await asyncio.gather(
            client.query(dcgm.fleet_now(d), now),
            self._fleet_history(client, d, now),
            self._fleet_hourly(client, d, now),
            self._serving_rates(client, now),
        )
        current, identity = Result(both.result_type, []), Result(both.result_type, [])
        for s in both.series:
            (identity if s.labels.get("series") == dcgm.IDENTITY else current).series.append(s)
        stores = self._join_stores()
        gpu_namespaces = {s.labels.get(d.namespace, "") for s in identity.series}
        for key, items in (await self._other_namespaces(gpu_namespaces)).items():
            stores[key] = stores.get(key, []) + items
        await asyncio.sleep(0)  # the answer is read: let keys in before joining it
        index = fleet.build_index(stores)
        records = fleet.gpu_records(
            d, current, history, util_1h, xid_1h, index, now, sparks=self._sparks, identity=identity, fb_total=fb_total
        )
        last_seen: dict[str, float | None] = {}
        for s in identity.series:  # the newest sample of any of the GPU's series (a pod change makes two)
            key, seen = fleet._gpu_key(s.labels, d), s.last  # noqa: SLF001
            if seen is not None and (last_seen.get(key) is None or seen > last_seen[key]):  # type: ignore[operator]
                last_seen[key] = seen
        stale_after = 2 * max(self.interval, 30.0)
        for rec in records:
            seen = last_seen.get(rec["key"])  # not kept in the record: it would change it every scrape
            rec["stale"] = seen is not None and not math.isnan(seen) and now - seen > stale_after
        found = rules.idle_requested(records, now=now) + rules.xid_serving(records)
        for f in found:
            if f.rule == "idle-gpu":
                for rec in records:
                    if rec["key"] in f.gpus:
                        rec["finding"] = f"{f.owner_kind} {f.namespace}/{f.owner_name}: requested but idle for 1h"
        await asyncio.sleep(0)  # records built: let keys in before the stores compare them
        self.gpus.replace(records)
        self.idle.replace([r for r in records if r["idle"]])
        self.hot.replace([r for r in records if r["hot"]])
        self.findings.replace([{**f.__dict__, "key": f.key} for f in found])
        for store in self._stores:
            store.set_status(KindState.LIVE)
        if rates is not None:
            self._write_serving(records, rates, index)
        self.fleet_refreshes += 1
        self.last_fleet_seconds = time.perf_counter() - started

    async def _serving_rates(self, client: PromClient, now: float) -> dict[str, dict[str, float]] | None:
        """Request rate per pod and family (one query), while a table shows the serving columns."""
        if not self.serving_wanted:
            return None
        scope = self.workspace.scope.namespace if self.workspace else None
        try:
            result = await client.query(serving.rates_query(scope, "2m"), now)
        except PromError as exc:
            if exc.retriable:
                raise
            self.serving.set_status(KindState.ERROR, f"request rates: {exc.summary()}")
            return None
        return serving.pod_rates(result)

    def _write_serving(self, gpus: list[dict[str, Any]], rates: dict[str, dict[str, float]], index: Any) -> None:
        self.serving.replace(serving.records(gpus, rates, index))
        self.serving.set_status(KindState.LIVE)

    async def _fleet_history(self, client: PromClient, d: dcgm.Dialect, now: float) -> Result:
        """Utilisation per GPU on a minute grid over the last 30 minutes, fetched incrementally.

        The grid is aligned (``end`` a multiple of HISTORY_STEP), so a refresh within the same
        minute sends nothing and a later one asks only for the steps that passed: the answer is
        the same as the full range query on that grid, at a fraction of the bytes to decode.
        """
        end = math.floor(now / HISTORY_STEP) * HISTORY_STEP
        start = end - HISTORY_WINDOW
        if d != self._history_dialect or self._history_end <= start:
            self._history, self._history_end, since = {}, 0.0, start
        elif end <= self._history_end:
            return Result("matrix", list(self._history.values()))  # self._sparks still holds
        else:
            since = self._history_end + HISTORY_STEP
        fresh = await client.query_range(dcgm.fleet_history(d), since, end, HISTORY_STEP)
        seen = set()
        for s in fresh.series:
            key = fleet._gpu_key(s.labels, d)  # noqa: SLF001
            seen.add(key)
            old = self._history.get(key)
            if old is None:
                self._history[key] = s
            else:
                old.points = [p for p in old.points if p[0] > start] + s.points
        for key in [k for k, s in self._history.items() if k not in seen]:
            s = self._history[key]
            s.points = [p for p in s.points if p[0] > start]
            if not s.points:
                del self._history[key]
        self._history_end, self._history_dialect = end, d
        result = Result("matrix", list(self._history.values()))
        self._sparks = fleet.history_points(d, result)
        return result

    async def _fleet_hourly(self, client: PromClient, d: dcgm.Dialect, now: float) -> tuple[Result, Result, Result]:
        """The 1h maxima per GPU (idle rule; XIDs of the last hour) and the memory totals,
        re-read once per HISTORY_STEP.

        A new XID shows at once all the same: the record takes the larger of the current XID
        and the hour's maximum.
        """
        minute = math.floor(now / HISTORY_STEP)
        at, dialect, cached = self._hourly
        if at != minute or dialect != d or cached is None:
            cached = await asyncio.gather(
                client.query(dcgm.fleet_max_1h(d, "util"), now),
                client.query(dcgm.fleet_max_1h(d, "xid"), now),
                client.query(dcgm.fleet_fb_total(d), now),
            )
            self._hourly = (minute, d, cached)
        return cached

    def refresh_now(self) -> None:
        self._fleet_wake.set()

    # ------------------------------------------------------------------ panes (the Metrics tab)
    def open_pane(
        self, pane_id: str, target: dict[str, Any], window: str = "1h", width: int = 60, paused: bool = False
    ) -> str:
        """Start filling store ``prom:<pane_id>`` for ``target`` ({kind, namespace, pods} or {gpu})."""
        self.close_pane(pane_id)
        pane = Pane(pane_id, dict(target), window if window in WINDOWS else "1h", max(20, width), paused)
        key = f"prom:{pane_id}"
        pane.store = RecordStore(key, key_of=lambda r: r["id"])
        if self.workspace is not None:
            pane.store.on_change = self.workspace.on_change
            self.workspace.attach(pane.store)
        pane.store.set_status(KindState.LOADING, "querying Prometheus…")
        pane.task = asyncio.get_running_loop().create_task(self._pane_loop(pane), name=f"prometheus-pane-{pane_id}")
        self.panes[pane_id] = pane
        return key

    def set_pane(self, pane_id: str, **changes: Any) -> None:
        pane = self.panes.get(pane_id)
        if pane is None:
            return
        before = (pane.target, pane.window, pane.width, pane.paused)
        if "target" in changes and changes["target"] != pane.target:
            pane.target = dict(changes["target"])
            pane.found = None
        if changes.get("window") in WINDOWS:
            pane.window = changes["window"]
        if changes.get("width"):
            pane.width = max(20, int(changes["width"]))
        if "paused" in changes:
            pane.paused = bool(changes["paused"])
        if (pane.target, pane.window, pane.width, pane.paused) != before:
            pane.wake.set()  # the same settings again (a resize to the same width) ask nothing new

    def close_pane(self, pane_id: str) -> None:
        pane = self.panes.pop(pane_id, None)
        if pane is None:
            return
        if pane.task is not None:
            pane.task.cancel()  # cancels the query in flight too
        if self.workspace is not None and pane.store is not None:
            self.workspace.stores.pop(pane.store.key, None)

    def _pane_panels(self, pane: Pane) -> list[Any]:
        d = self.dialect or dcgm.ABSENT
        gpu = pane.target.get("gpu")
        if gpu:
            return list(dcgm.panels(d)) if d.present else []
        return families.panels_for(pane.found or set(), d)

    def _panel_query(self, pane: Pane, spec: Any, rate: str) -> str:
        gpu = pane.target.get("gpu")
        if gpu:
            d = self.dialect or dcgm.ABSENT
            from inference_console.sources.prometheus.promql import matchers, selector

            inner = matchers({d.host: gpu.get("node", ""), "gpu": str(gpu.get("gpu", ""))})
            if spec.id == "gpu_memory":
                used, free = selector(d.name("fb_used"), inner), selector(d.name("fb_free"), inner)
                from inference_console.sources.prometheus.promql import either, tag

                return either(tag(f"max({used})", "series", "used"), tag(f"max({used} + {free})", "series", "total"))
            field = {"gpu_util": "util", "gpu_power": "power", "gpu_temp": "temp", "gpu_xid": "xid"}[spec.id]
            return f"max({selector(d.name(field), inner)})"
        return spec.build(pane.target.get("namespace", ""), pane.target.get("pods") or [], rate)

    async def _pane_loop(self, pane: Pane) -> None:
        backoff = Backoff(base=1.0, cap=60.0)
        store = pane.store
        assert store is not None
        while True:
            delay = self.interval
            try:
                if self.client is None or self.dialect is None:
                    store.set_status(KindState.LOADING, self.reason or "finding Prometheus…")
                    delay = 0.5
                elif not pane.paused or not store.loaded:
                    await self._refresh_pane(pane)
                    backoff.reset()
            except PromError as exc:
                delay = backoff.next()
                store.set_status(
                    KindState.RECONNECTING if exc.retriable else KindState.ERROR,
                    f"{exc.summary()} — retrying in {delay:.0f}s",
                )
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # noqa: BLE001
                log.exception("metrics pane failed")
                delay = backoff.next()
                store.set_status(KindState.ERROR, f"{type(exc).__name__}: {exc}")
            pane.wake.clear()
            try:
                if pane.paused and store.loaded:
                    await pane.wake.wait()
                else:
                    await asyncio.wait_for(pane.wake.wait(), delay)
            except asyncio.TimeoutError:
                pass

    async def _refresh_pane(self, pane: Pane) -> None:
        client, d = self.client, self.dialect or dcgm.ABSENT
        assert client is not None and pane.store is not None
        target = pane.target
        pods = list(target.get("pods") or [])
        now = time.time()
        notes: list[str] = []
        if not target.get("gpu"):
            if pane.found is None or now - pane.detected_at > 10 * self.interval:
                if pods:
                    res = await client.query(families.detect_query(d, target.get("namespace", ""), pods), now)
                    pane.found = families.families_from((s.labels.get("__name__", "") for s in res.series), d)
                else:
                    pane.found = set()
                pane.detected_at = now
            notes = families.missing_notes(target.get("kind", ""), pane.found, d, pods)
        elif not d.present:
            notes = ["no DCGM exporter found in this Prometheus"]
        window = WINDOWS[pane.window]
        step = step_for_width(window, pane.width, SCRAPE)
        # The window's end on the step grid (as Grafana aligns): refreshes within one step ask
        # the same question, get the same answer, and an unchanged chart is not repainted.
        align = step
        end = math.floor(now / align) * align
        start = end - window
        rate = f"{int(max(4 * SCRAPE, 4 * step))}s"
        specs = self._pane_panels(pane)

        async def one(spec: Any) -> dict[str, Any]:
            query = self._panel_query(pane, spec, rate)
            try:
                result = await client.query_range(query, start, end, step)
                return panel_record(spec, query, result, None, end, result.step or step)
            except PromError as exc:
                if exc.retriable:
                    raise
                return panel_record(spec, query, None, exc, end, step)

        records = await asyncio.gather(*(one(s) for s in specs))
        pane.refreshes += 1
        header = {
            "id": "_pane",
            "window": pane.window,
            "step": step,
            "end": end,
            "notes": notes,
            "families": sorted(pane.found or ()),
            "order": [s.id for s in specs],
            "dialect": d.describe(),
            "paused": pane.paused,
        }
        pane.store.replace([header, *records])
        pane.store.set_status(KindState.LIVE)

    # ------------------------------------------------------------------ :prom
    async def probe(self) -> dict[str, Any]:
        """What ``:prom`` shows: endpoint, how found, health, build, exporters, DCGM dialect."""
        out: dict[str, Any] = {
            "endpoint": self.client.description if self.client else "(none)",
            "found_by": self.found_by or "-",
            "state": self.state,
            "reason": self.reason,
            "dialect": self.dialect.describe() if self.dialect else "not checked yet",
            "gpus": len(self.gpus),
            "queries": self.client.queries if self.client else 0,
            "interval": self.interval,
        }
        client = self.client
        if client is None:
            return out
        try:
            ready, words = await client.ready()
            out["ready"] = f"{'ready' if ready else 'NOT ready'} ({words})"
        except PromError as exc:
            out["ready"] = exc.summary()
        try:
            info = await client.buildinfo()
            out["build"] = f"Prometheus {info.get('version', '?')} (revision {str(info.get('revision', ''))[:8]})"
        except PromError as exc:
            out["build"] = exc.summary()
        try:
            total = await client.query(kube.exporters())
            up = await client.query(kube.exporters_up())
            ups = {s.labels.get("job", ""): s.last for s in up.series}
            out["exporters"] = sorted(
                (s.labels.get("job", ""), int(ups.get(s.labels.get("job", ""), 0) or 0), int(s.last or 0))
                for s in total.series
            )
        except PromError as exc:
            out["exporters_error"] = exc.summary()
        return out
