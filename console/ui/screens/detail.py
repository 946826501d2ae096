"""The detail view of one object: Summary, YAML, Events and Related tabs, live."""

from __future__ import annotations

from typing import Any

from rich.table import Table
from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.widgets import Static, TabbedContent, TabPane, Tree

from inference_console.catalog import find_kind
from inference_console.catalog.base import RelatedRule, humanize_age, meta
from inference_console.catalog.related import events_for, events_for_all, flatten, related_tree
from inference_console.safe_text import safe, safe_multiline
from inference_console.sources.base import SourceError
from inference_console.ui.help import show_help
from inference_console.ui.messages import StoresChanged
from inference_console.ui.quick_actions import QUICK_ACTION_BINDINGS, QuickActionsMixin
from inference_console.ui.rows import HEALTH_COLOR, HEALTH_WORD, health_of
from inference_console.ui.screens.base import WorkspaceScreen
from inference_console.ui.yaml_text import MASK, object_yaml
from inference_console.widgets.key_footer import KeyFooter
from inference_console.widgets.virtual_table import TableColumn, TableRow, VirtualTable
from inference_console.widgets.yaml_view import YamlView

EVENT_COLUMNS = [
    TableColumn("age", "LAST SEEN", min_width=9, justify="right", priority=1),
    TableColumn("type", "TYPE", min_width=7),
    TableColumn("reason", "REASON", min_width=10, max_width=24),
    TableColumn("object", "OBJECT", min_width=12, max_width=48, priority=2),
    TableColumn("count", "COUNT", min_width=5, justify="right", priority=3),
    TableColumn("message", "MESSAGE", min_width=20, max_width=2000, flex=True),
]
LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration"


def event_row(ev: dict[str, Any]) -> TableRow:
    etype = safe(ev.get("type", ""))
    when = ev.get("lastTimestamp") or ev.get("eventTime") or meta(ev, "creationTimestamp")
    inv = ev.get("involvedObject") or ev.get("regarding") or {}
    about = f"{inv.get('kind', '')}/{inv.get('name', '')}" if isinstance(inv, dict) else ""
    cells = (
        humanize_age(when),
        etype,
        safe(ev.get("reason", "")),
        safe(about, 120),
        str(ev.get("count") or 1),
        safe(ev.get("message", ""), 2000),
    )
    return TableRow(
        key=meta(ev, "uid") or meta(ev, "name"),
        cells=cells,
        style="failed" if etype == "Warning" else "",
        search=" ".join(cells).lower(),
    )


class DetailScreen(QuickActionsMixin, WorkspaceScreen):
    BINDINGS = [
        Binding("escape", "back", "Back"),
        Binding("1", "tab('summary')", "Summary"),
        Binding("2,y", "tab('yaml')", "YAML"),
        Binding("3", "tab('events')", "Events"),
        Binding("4", "tab('related')", "Related"),
        Binding("5", "tab_index(4)", "Next tabs", show=False),
        Binding("6", "tab_index(5)", "Next tabs", show=False),
        Binding("l", "object('logs')", "Logs"),
        Binding("C", "object('copy')", "Copy URL/ref", show=False),
        Binding("x", "toggle_secrets", "Reveal secrets", show=False),
        Binding("e", "edit", "Edit"),
        Binding("question_mark", "help", "Keys", key_display="?"),
        Binding("q", "back", "Back", show=False),
        *QUICK_ACTION_BINDINGS,
    ]

    def __init__(self, kind_key: str, uid: str, tab: str = "summary") -> None:
        super().__init__()
        self.kind_key = kind_key
        self.uid = uid
        self.initial_tab = tab
        self.reveal_secrets = False
        self._yaml_rv = ""
        self._obj: dict[str, Any] | None = None
        self._extra_tabs: list = []
        self._summary_shown: tuple[Any, Any] | None = None  # what the Summary tab draws now

    @property
    def view(self):
        return self.workspace.views[self.kind_key]

    def compose(self) -> ComposeResult:
        from inference_console.ui.extensions import detail_tabs

        self._extra_tabs = detail_tabs(self.view)
        tabs = (*self.view.tabs, *(t.id for t in self._extra_tabs))
        yield Static(id="detail-title")
        initial = self.initial_tab if self.initial_tab in tabs else "summary"
        with TabbedContent(initial=initial, id="tabs"):
            with TabPane("Summary", id="summary"):
                with VerticalScroll():
                    yield Static(id="summary-body")
            with TabPane("YAML", id="yaml"):
                yield YamlView(id="yaml-view")
            if "events" in tabs:
                with TabPane("Events", id="events"):
                    yield VirtualTable(id="events-table")
            if "related" in tabs:
                with TabPane("Related", id="related"):
                    yield Tree("related", id="related-tree")
            for extra in self._extra_tabs:
                with TabPane(extra.title, id=extra.id):
                    yield extra.make(self)
        yield KeyFooter()

    def on_mount(self) -> None:
        ws = self.workspace
        if "events" in self.view.tabs:
            table = self.query_one("#events-table", VirtualTable)
            table.set_columns(EVENT_COLUMNS)
            table.empty_text = "No events for this object"
            if "events" in ws.views:
                ws.ensure("events", pinned=True)
        for rule_kind in {r.kind for r in self._rules()}:
            if rule_kind in ws.views:
                ws.ensure(rule_kind)
        self._refresh_all()

    def _rules(self):
        obj = self._current()
        if obj is None or "related" not in self.view.tabs:
            return []
        try:
            rules = list(self.view.related(obj))
        except Exception:  # noqa: BLE001
            return []
        kinds = {r.kind for r in rules}
        if "deployments" in kinds and "replicasets" not in kinds and "replicasets" in self.workspace.views:
            rules.append(RelatedRule("replicasets"))  # owned by those Deployments: their events matter too
        return rules

    def _related_objects(self) -> list[dict[str, Any]]:
        obj = self._current()
        rules = self._rules()
        if obj is None or not rules:
            return []
        ws = self.workspace
        stores = {r.kind: list(ws.stores[r.kind].values()) for r in rules if r.kind in ws.stores}
        return flatten(related_tree(obj, rules, stores))

    def _current(self) -> dict[str, Any] | None:
        store = self.workspace.store(self.kind_key)
        obj = store.get(self.uid) if store else None
        if obj is not None:
            self._obj = obj
        return self._obj

    # ------------------------------------------------------------------ refresh
    @on(StoresChanged)
    def _changed(self, event: StoresChanged) -> None:
        if self.kind_key not in self.workspace.views:
            return  # its source is being replaced (a context switch): keep what is shown
        own = event.changes.get(self.kind_key)
        if own is not None and (self.uid in own.upserted or self.uid in own.deleted or own.reset):
            self._refresh_summary()
            self._refresh_yaml()
        if "events" in event.changes and "events" in self.view.tabs:
            self._refresh_events()
        related = {r.kind for r in self._rules()}
        if related & set(event.changes):
            self._refresh_related()
            if "events" in self.view.tabs and "events" not in event.changes:
                self._refresh_events()
        for extra in self._extra_tabs:
            for widget in self.query(f"#{extra.id} > *"):
                if hasattr(widget, "workspace_changed"):
                    widget.workspace_changed(event.changes)

    def _refresh_all(self) -> None:
        self._refresh_summary()
        self._refresh_yaml()
        if "events" in self.view.tabs:
            self._refresh_events()
        if "related" in self.view.tabs:
            self._refresh_related()

    def _refresh_summary(self) -> None:
        obj = self._current()
        spec = self.view
        title = self.query_one("#detail-title", Static)
        body = self.query_one("#summary-body", Static)
        if obj is None:
            title.update("object not found")
            return
        store = self.workspace.store(self.kind_key)
        gone = store is not None and store.get(self.uid) is None
        ns = spec.namespace_of(obj)
        verdict = store.verdict(self.uid) if store is not None and not gone else None
        health = verdict if verdict is not None else health_of(spec, obj)  # causes behind it included
        rows: list[tuple[str, str, str]] = [("Health", HEALTH_WORD[health.state], HEALTH_COLOR[health.state])]
        if health.reason:
            rows.append(("Reason", safe(health.reason, 2000), HEALTH_COLOR[health.state]))
        if health.evidence:
            rows.append(("Evidence", safe_multiline(health.evidence, 4000), ""))
        try:
            pairs = list(spec.summary(obj))
        except Exception as exc:  # noqa: BLE001
            pairs = [("summary", f"unavailable: {type(exc).__name__}")]
        rows += [(safe(label, 80), safe(value, 2000), "") for label, value in pairs]
        if meta(obj, "creationTimestamp"):
            rows.append(("Age", humanize_age(meta(obj, "creationTimestamp")), ""))
        for label, mapping in (("Labels", meta(obj, "labels", None)), ("Annotations", meta(obj, "annotations", None))):
            if isinstance(mapping, dict) and mapping:
                if label == "Annotations" and obj.get("kind") == "Secret" and not self.reveal_secrets:
                    # kubectl apply copies the whole Secret, data included, into this annotation.
                    mapping = {k: (MASK if k == LAST_APPLIED else v) for k, v in mapping.items()}
                rows.append(
                    (label, "\n".join(f"{safe(k, 120)}={safe(v, 300)}" for k, v in sorted(mapping.items())), "")
                )
        heading = (spec.kind, safe(f"{ns}/" if ns else "") + safe(spec.name_of(obj)), gone)
        if (heading, rows) == self._summary_shown:
            return  # unchanged: no update, no layout pass, nothing written to the terminal
        self._summary_shown = (heading, rows)
        title.update(
            Text.assemble(
                (f" {spec.kind} ", "bold reverse"),
                " ",
                (heading[1], "bold"),
                ("  (deleted)" if gone else "", "bold red"),
            )
        )
        table = Table(show_header=False, box=None, pad_edge=False, expand=False)
        table.add_column(style="bold", no_wrap=True)
        table.add_column(overflow="fold")
        for label, text, style in rows:
            table.add_row(label, Text(text, style=style) if style or label == "Evidence" else text)
        body.update(table)

    def _refresh_yaml(self) -> None:
        obj = self._current()
        if obj is None:
            return
        rv = f"{meta(obj, 'resourceVersion')}:{self.reveal_secrets}"
        if rv == self._yaml_rv:
            return
        self._yaml_rv = rv
        self._load_yaml(obj)

    @work(group="yaml", exclusive=True, exit_on_error=False)
    async def _load_yaml(self, obj: dict[str, Any]) -> None:
        view = self.query_one("#yaml-view", YamlView)
        fresh = obj
        try:
            # Re-read the object: the store drops managedFields, the YAML shows them folded.
            fresh = await self.workspace.fetch(self.kind_key, obj)
        except SourceError:  # fall back to the cached copy
            fresh = obj
        view.set_text(object_yaml(fresh, reveal_secrets=self.reveal_secrets))

    def _refresh_events(self) -> None:
        obj = self._current()
        store = self.workspace.store("events")
        if obj is None or store is None:
            return
        # The object's own events and those of the pods, ReplicaSets and Deployments behind it.
        rows = [event_row(ev) for ev in events_for_all([obj, *self._related_objects()], store.values())]
        table = self.query_one("#events-table", VirtualTable)
        table.set_rows(rows)
        if not store.loaded:
            table.empty_text = "Loading events…"
        elif store.status.reason:
            table.empty_text = f"Events unavailable: {safe(store.status.reason, 200)}"
        else:
            table.empty_text = "No events for this object"
        self.query_one(TabbedContent).get_tab("events").label = f"Events ({len(rows)})"

    def _refresh_related(self) -> None:
        obj = self._current()
        if obj is None:
            return
        rules = self._rules()
        ws = self.workspace
        stores = {r.kind: list(ws.stores[r.kind].values()) for r in rules if r.kind in ws.stores}
        nodes = related_tree(obj, rules, stores)
        tree = self.query_one("#related-tree", Tree)
        tree.clear()
        tree.root.set_label(self._node_label(self.view.kind, obj))
        tree.root.expand()

        def add(parent, items):
            for node in items:
                node_spec = ws.views.get(node.key) or find_kind(node.key)
                kind = node_spec.kind if node_spec else node.key
                label = self._node_label(kind, node.obj, node_spec)
                branch = parent.add(label, data=(node.key, node.obj), expand=True)
                add(branch, node.children)

        add(tree.root, nodes)
        events = ws.stores.get("events")
        if events is not None:
            count = len(events_for(obj, events.values()))
            tree.root.add_leaf(Text(f"Events: {count}", style="dim"))

    def _node_label(self, kind: str, obj: dict[str, Any], spec: Any = None) -> Text:
        spec = spec or (self.view if kind == self.view.kind else None)
        spec = spec or next((s for s in self.workspace.views.values() if s.kind == kind), None)
        label = Text(no_wrap=True)
        label.append(f"{kind} ", style="bold")
        label.append(safe(spec.name_of(obj) if spec is not None else meta(obj, "name")))
        if spec is not None:
            health = health_of(spec, obj)
            style = HEALTH_COLOR[health.state]
            label.append(f"  {HEALTH_WORD[health.state]}", style=style)
            if health.reason:
                label.append(f" — {safe(health.reason, 120)}", style=style)
        return label

    @on(Tree.NodeSelected, "#related-tree")
    def _related_selected(self, event: Tree.NodeSelected) -> None:
        """Related is a way to move: Enter on a node opens that object (Esc comes back)."""
        if not event.node.data:
            return
        kind_key, obj = event.node.data
        store = self.workspace.store(kind_key)
        if store is None or kind_key not in self.workspace.views:
            self.notify(f"{kind_key} is not listed here", severity="warning")
            return
        key = next((k for k, record in store.items() if record is obj), None)
        if key is None:  # replaced by a newer version meanwhile: find it by identity of name
            view = self.workspace.views[kind_key]
            name, ns = view.name_of(obj), view.namespace_of(obj)
            key = next((k for k, r in store.items() if view.name_of(r) == name and view.namespace_of(r) == ns), None)
        if key is None:
            self.notify("that object is gone", severity="warning")
            return
        self.app.push_screen(DetailScreen(kind_key, key))

    # ------------------------------------------------------------------ actions
    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "tab_index":
            return bool(parameters) and int(parameters[0]) < len(self.tab_ids())  # type: ignore[call-overload]
        return super().check_action(action, parameters)

    def tab_ids(self) -> list[str]:
        return [*self.view.tabs, *(t.id for t in self._extra_tabs)]

    def action_tab(self, tab: str) -> None:
        if tab in self.tab_ids():
            self.query_one(TabbedContent).active = tab

    def action_tab_index(self, index: int) -> None:
        ids = self.tab_ids()
        if index < len(ids):
            self.query_one(TabbedContent).active = ids[index]

    def action_back(self) -> None:
        self.app.pop_screen()

    def action_edit(self) -> None:
        obj = self._current()
        if obj is not None:
            self.start_edit(obj)

    def action_toggle_secrets(self) -> None:
        self.reveal_secrets = not self.reveal_secrets
        self._summary_shown = None
        self._refresh_summary()
        self._refresh_yaml()
        self.notify("secret values revealed" if self.reveal_secrets else "secret values masked")

    def action_help(self) -> None:
        show_help(self)
