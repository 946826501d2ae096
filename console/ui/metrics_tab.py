"""The Metrics tab of a detail view, and the `:gpuchart` / `:gpuowner` jumps of the GPU fleet.

The pane asks the Prometheus source (``workspace.sources["prometheus"]``) to fill store
``prom:<pane>`` while it is visible (``open_pane`` on show, ``close_pane`` on hide or
unmount, which cancels the queries in flight) and draws what each delivery changed: a
list of panels (title, latest value in its unit, sparkline) and the selected panel as a
plotext chart.  Keys: ``w`` window (5m/1h/6h/24h), ``space`` pause, ``j``/``k`` panel,
``p`` pod and ``o`` serving object (from a GPU).
"""

from __future__ import annotations

import time
from typing import Any

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from inference_console.catalog.units import fmt, sparkline
from inference_console.catalog.view import KindView
from inference_console.safe_text import safe
from inference_console.ui.extensions import DetailTab
from inference_console.widgets.chart import Chart, prewarm

GPU_KEYS = ("gpus", "gpus-idle", "gpus-hot")
METRICS_TAB_ID = "metrics"
KINDS = (
    "inferenceservices.serving.kserve.io",
    "bentodeployments.serving.yatai.ai",
    "inferencestacks.doublewordai.co",
    "deployments",
    "pods",
    *GPU_KEYS,
)
WINDOWS = ("5m", "1h", "6h", "24h")


def target_of(workspace: Any, kind_key: str, record: dict[str, Any] | None) -> dict[str, Any]:
    """What to chart: a GPU, or an object's namespace and pod names (pure over the workspace)."""
    if record is None:
        return {"kind": kind_key, "namespace": "", "pods": []}
    if kind_key in GPU_KEYS:
        return {
            "kind": kind_key,
            "gpu": {"node": record.get("node", ""), "gpu": record.get("gpu", "")},
            "namespace": record.get("namespace", ""),
            "pods": [record["pod"]] if record.get("pod") else [],
        }
    md = record.get("metadata") or {}
    ns = md.get("namespace", "")
    if kind_key == "pods":
        return {"kind": kind_key, "namespace": ns, "pods": [md.get("name", "")]}
    from inference_console.catalog.related import related_tree

    view = workspace.views.get(kind_key)
    try:
        rules = list(view.related(record)) if view is not None else []
    except Exception:  # noqa: BLE001
        rules = []
    stores = {r.kind: list(workspace.stores[r.kind].values()) for r in rules if r.kind in workspace.stores}
    pods: list[str] = []

    def walk(nodes: list[Any]) -> None:
        for node in nodes:
            if node.key == "pods":
                pods.append((node.obj.get("metadata") or {}).get("name", ""))
            walk(node.children)

    walk(related_tree(record, rules, stores))
    return {"kind": kind_key, "namespace": ns, "pods": sorted(set(pods))}


class _All:
    """A delivery that says everything changed (the pane draws what its store holds)."""

    reset = True
    upserted: dict[str, Any] = {}
    status_changed = True


_ALL = _All()


def _update(widget: Static, content: Text | str) -> None:
    """Static.update re-lays out and repaints the screen even for the same text: skip that."""
    if getattr(widget, "_ic_shown", None) != content:
        widget._ic_shown = content  # type: ignore[attr-defined]
        widget.update(content)


def _time_label(ts: float, window: str) -> str:
    fmt_ = "%H:%M" if window in ("5m", "1h", "6h") else "%d %H:%M"
    return time.strftime(fmt_, time.localtime(ts))


class MetricsPane(Vertical):
    DEFAULT_CSS = """
    MetricsPane { height: 1fr; }
    MetricsPane #metrics-head { height: auto; max-height: 4; }
    MetricsPane #metrics-body { height: 1fr; }
    MetricsPane #metrics-panels { width: 36; height: 1fr; }
    MetricsPane #metrics-right { width: 1fr; height: 1fr; }
    MetricsPane #metrics-title { height: 1; }
    MetricsPane #metrics-foot { height: 2; }
    """
    BINDINGS = [
        Binding("w", "window", "Window"),
        Binding("space", "pause", "Pause"),
        Binding("p", "jump('pod')", "Pod", show=False),
        Binding("o", "jump('owner')", "Serving object", show=False),
        Binding("j", "move(1)", "Next panel", show=False),
        Binding("k", "move(-1)", "Previous panel", show=False),
    ]

    def __init__(self, screen: Any) -> None:
        super().__init__(id="metrics-pane")
        self.detail = screen
        self.pane_id = f"m{id(self):x}"
        self.window = "1h"
        self.paused = False
        self.store_key = ""
        self.target: dict[str, Any] = {}
        self.selected = ""
        self._order: list[str] = []
        self._header: dict[str, Any] = {}
        self._open = False
        self._started = False  # the source's pane runs (may be before the widgets are mounted)
        prewarm()  # the chart's plotting library, while the detail screen composes
        if getattr(screen, "initial_tab", "") == METRICS_TAB_ID:
            self._start()  # opened on this tab: its queries run while the screen composes and lays out

    def compose(self) -> ComposeResult:
        yield Static(id="metrics-head")
        with Horizontal(id="metrics-body"):
            yield OptionList(id="metrics-panels")
            with Vertical(id="metrics-right"):
                yield Static(id="metrics-title")
                yield Chart(id="metrics-chart")
                yield Static(id="metrics-foot")

    # ------------------------------------------------------------------ lifecycle
    @property
    def workspace(self) -> Any:
        return self.app.workspace  # type: ignore[attr-defined]

    @property
    def source(self) -> Any:
        return self.workspace.sources.get("prometheus")

    def _record(self) -> dict[str, Any] | None:
        store = self.workspace.store(self.detail.kind_key)
        return store.get(self.detail.uid) if store is not None else None

    def _chart_width(self) -> int:
        width = self.size.width or self.app.size.width  # before the first layout: the terminal's
        return max(20, width - (38 if width >= 100 else 32))

    def on_mount(self) -> None:
        self._render_head()
        narrow = self.app.size.width < 100
        self.query_one("#metrics-panels").styles.width = 30 if narrow else 36
        if getattr(self.detail, "initial_tab", "") == METRICS_TAB_ID:
            self.open()

    def on_show(self) -> None:
        self.open()

    def on_hide(self) -> None:
        self.close()

    def on_unmount(self) -> None:
        self.close()

    def _start(self) -> bool:
        """Open the source's pane (its queries start); needs no mounted widget."""
        source = self.source
        if source is None or not hasattr(source, "open_pane"):
            return False
        if not self._started:
            self.target = target_of(self.workspace, self.detail.kind_key, self._record())
            self.store_key = source.open_pane(
                self.pane_id, self.target, window=self.window, width=self._chart_width(), paused=self.paused
            )
            self._started = True
        return True

    def open(self) -> None:
        if not self._start():
            self._render_head("Prometheus is not connected: no metrics here")
            return
        if self._open:
            return
        self._open = True
        self.query_one("#metrics-panels", OptionList).focus()
        self._render_head()
        store = self.workspace.store(self.store_key)
        if store is not None and store.loaded:  # answered before the widgets were mounted
            self.workspace_changed({self.store_key: _ALL})

    def close(self) -> None:
        source = self.source
        if self._started and source is not None:
            source.close_pane(self.pane_id)
        self._open = self._started = False

    def on_resize(self) -> None:
        if self._open and self.source is not None:
            self.source.set_pane(self.pane_id, width=self._chart_width())

    # ------------------------------------------------------------------ data
    def workspace_changed(self, changes: dict[str, Any]) -> None:
        if not self._open:
            return
        if "pods" in changes and self.detail.kind_key not in GPU_KEYS:
            target = target_of(self.workspace, self.detail.kind_key, self._record())
            if target != self.target:
                self.target = target
                self.source.set_pane(self.pane_id, target=target)
        mine = changes.get(self.store_key)
        if mine is None:
            return
        store = self.workspace.store(self.store_key)
        if store is None:
            return
        header = store.get("_pane") or {}
        if header:
            self._header = header
            self._order = list(header.get("order") or [])
        self._render_head()
        self._render_list(store)
        if mine.reset or self.selected in mine.upserted or "_pane" in mine.upserted or mine.status_changed:
            self._render_chart(store)

    def _render_head(self, message: str = "") -> None:
        head = self.query_one("#metrics-head", Static)
        text = Text()
        text.append(" window ", style="bold")
        for w in WINDOWS:
            text.append(f" {w} ", style="reverse" if w == self.window else "dim")
        interval = getattr(self.source, "interval", 0) or 0
        text.append("  ")
        text.append(
            "PAUSED (space)" if self.paused else f"live every {interval:.0f}s",
            style="bold yellow" if self.paused else "green",
        )
        store = self.workspace.store(self.store_key) if self.store_key else None
        if self._header.get("end"):
            text.append(
                f"  step {self._header.get('step', 0):.0f}s  at {_time_label(self._header['end'], '1h')}", style="dim"
            )
        if store is not None and store.status.reason and store.status.state.value != "live":
            # On the first line while loading: a line that comes and goes would resize the chart (a redraw).
            state = store.status.state.value
            sep = "  " if state == "loading" else "\n "
            text.append(f"{sep}{state}: {safe(store.status.reason, 200)}", style="yellow")
        for note in self._header.get("notes") or []:
            text.append(f"\n ⓘ {safe(note, 200)}", style="yellow")
        if message:
            text.append(f"\n {message}", style="yellow")
        if self.target.get("gpu"):
            rec = self._record() or {}
            owner = rec.get("owner") or {}
            text.append(f"\n GPU {safe(rec.get('key', ''))}", style="bold")
            if rec.get("pod"):
                text.append(f"  pod {safe(rec.get('namespace', ''))}/{safe(rec['pod'])} (p)")
            if owner:
                text.append(f"  {safe(owner.get('kind', ''))} {safe(owner.get('name', ''))} (o)")
        _update(head, text)

    def _render_list(self, store: Any) -> None:
        options = self.query_one("#metrics-panels", OptionList)
        highlighted = options.highlighted
        width = int(options.styles.width.value) if options.styles.width else 36
        items = []
        for pid in self._order:
            rec = store.get(pid)
            if rec is None:
                continue
            label = Text(no_wrap=True, overflow="ellipsis")
            label.append(f"{rec['title'][:14]:<14} ", style="bold")
            if rec.get("error"):
                label.append("⚠ " + rec["error"].split(":")[0], style="red")
            elif not rec.get("series"):
                label.append("no data", style="dim")
            else:
                first = rec["series"][0]
                values = [v for _, v in first["points"]]
                last = next((v for v in reversed(values) if v is not None), None)
                label.append(f"{fmt(last, rec['unit']):>9} ")
                label.append(sparkline(values, max(3, width - 30)), style="cyan")
                if rec.get("stale"):
                    label.append(" stale", style="yellow")
            items.append(Option(label, id=pid))
        signature = tuple((o.id, str(o.prompt)) for o in items)
        if signature == getattr(self, "_list_sig", None):
            return
        self._list_sig = signature
        options.clear_options()
        options.add_options(items)
        if items:
            ids = [o.id for o in items]
            if self.selected not in ids:
                self.selected = ids[0]
            options.highlighted = ids.index(self.selected) if highlighted is None else min(highlighted, len(ids) - 1)
            self.selected = ids[options.highlighted or 0]

    def on_option_list_option_highlighted(self, event: OptionList.OptionHighlighted) -> None:
        if event.option.id and event.option.id != self.selected:
            self.selected = event.option.id
            store = self.workspace.store(self.store_key)
            if store is not None:
                self._render_chart(store)

    def _render_chart(self, store: Any) -> None:
        chart = self.query_one("#metrics-chart", Chart)
        title = self.query_one("#metrics-title", Static)
        foot = self.query_one("#metrics-foot", Static)
        rec = store.get(self.selected) if self.selected else None
        if rec is None:
            if not store.loaded:
                _update(title, Text(" loading…", style="dim"))
            else:
                _update(title, Text(" no panels: nothing exported for this object", style="dim"))
            chart.set_data([], empty="")
            _update(foot, "")
            return
        unit = rec["unit"]
        _update(title, Text.assemble((f" {rec['title']}", "bold"), (f"  ({unit})", "dim")))
        end = self._header.get("end") or time.time()
        span = {"5m": 300, "1h": 3600, "6h": 21600, "24h": 86400}[self._header.get("window", self.window)]
        start = end - span
        labels = [(start + span * i / 3, _time_label(start + span * i / 3, self.window)) for i in range(4)]
        series = [(s["name"], [(t, v) for t, v in s["points"]]) for s in rec.get("series") or []]
        empty = f"error — {rec['error']}" if rec.get("error") else "no samples in this window"
        chart.set_data(
            series,
            y_format=lambda v: fmt(v, unit),
            x_range=(start, end),
            x_labels=labels,
            y_floor=0.0 if unit not in ("°C",) else None,
            empty=empty,
        )
        lines = Text()
        if rec.get("error"):
            lines.append(f" {safe(rec['error'], 300)}\n", style="red")
            lines.append(f" query kept: {safe(rec['query'], 300)}", style="dim")
        else:
            for s in series:
                last = next((v for _, v in reversed(s[1]) if v is not None), None)
                stale = " (stale)" if s[0] in (rec.get("stale") or []) else ""
                lines.append(f" {safe(s[0], 40)} {fmt(last, unit)}{stale} ", style="yellow" if stale else "")
            if rec.get("more"):
                lines.append(f" +{rec['more']} more", style="bold")
            if rec.get("odd"):
                lines.append(f" ({rec['odd']} NaN/Inf samples not drawn)", style="dim")
        _update(foot, lines)

    # ------------------------------------------------------------------ keys
    def action_window(self) -> None:
        self.window = WINDOWS[(WINDOWS.index(self.window) + 1) % len(WINDOWS)]
        if self.source is not None and self._open:
            self.source.set_pane(self.pane_id, window=self.window)
        self._render_head()

    def action_pause(self) -> None:
        self.paused = not self.paused
        if self.source is not None and self._open:
            self.source.set_pane(self.pane_id, paused=self.paused)
        self._render_head()

    def action_move(self, delta: int) -> None:
        options = self.query_one("#metrics-panels", OptionList)
        if options.option_count:
            options.highlighted = max(0, min(options.option_count - 1, (options.highlighted or 0) + delta))

    def action_jump(self, what: str) -> None:
        rec = self._record() or {}
        if self.detail.kind_key not in GPU_KEYS:
            return
        if what == "pod" and rec.get("pod_uid"):
            _push_detail(self.app, "pods", rec["pod_uid"])
        elif what == "owner" and rec.get("owner"):
            owner = rec["owner"]
            _open_object(self.app, owner.get("key", ""), rec.get("namespace", ""), owner.get("name", ""))
        else:
            self.app.notify("no pod or serving object known for this GPU", severity="warning")


def _push_detail(app: Any, kind_key: str, uid: str, tab: str = "summary") -> None:
    from inference_console.ui.screens.detail import DetailScreen

    app.workspace.ensure(kind_key)
    store = app.workspace.store(kind_key)
    if store is None or store.get(uid) is None:
        app.notify(f"{kind_key}: {uid} is not loaded here (another namespace?)", severity="warning")
        return
    app.push_screen(DetailScreen(kind_key, uid, tab=tab))


def _open_object(app: Any, kind_key: str, namespace: str, name: str) -> None:
    store = app.workspace.ensure(kind_key)
    if store is None:
        app.notify(f"{kind_key} is not served here", severity="warning")
        return
    for uid, obj in store.items():
        md = obj.get("metadata") or {}
        if md.get("name") == name and md.get("namespace") == namespace:
            _push_detail(app, kind_key, uid)
            return
    app.notify(f"{name} in {namespace} is not loaded (switch namespace with :ns {namespace})", severity="warning")


def open_gpu_chart(app: Any, arg: str) -> None:
    """`:gpuchart VIEW NODE/GPU` (Enter on a GPU row): the GPU's detail on its Metrics tab."""
    view_key, _, key = arg.strip().partition(" ")
    if not key:
        view_key, key = "gpus", view_key
    _push_detail(app, view_key, key.strip(), tab="metrics")


def open_owner(app: Any, arg: str) -> None:
    """`:gpuowner KIND NS/NAME` (Enter on a GPU finding): the serving object's detail."""
    kind_key, _, ref = arg.strip().partition(" ")
    namespace, _, name = ref.strip().partition("/")
    _open_object(app, kind_key, namespace, name)


def _applies(view: KindView) -> bool:
    return view.key in KINDS


METRICS_TAB = DetailTab(id=METRICS_TAB_ID, title="Metrics", applies=_applies, make=lambda screen: MetricsPane(screen))
