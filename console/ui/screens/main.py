"""The main screen: header, sidebar of kinds, the live table, the `:` and `/` prompt."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.suggester import Suggester
from textual.widgets import Input, Static

from inference_console.safe_text import safe, safe_multiline
from inference_console.state.store import Changes, KindState
from inference_console.ui.header import header_text
from inference_console.ui.help import show_help
from inference_console.ui.messages import SessionChanged, StoresChanged
from inference_console.ui.quick_actions import CREATE_BINDING, QUICK_ACTION_BINDINGS, QuickActionsMixin
from inference_console.ui.screens.base import WorkspaceScreen
from inference_console.ui.sidebar import plural_title, sidebar_sections
from inference_console.widgets.key_footer import KeyFooter
from inference_console.widgets.nav_list import NavList
from inference_console.widgets.virtual_table import VirtualTable

if TYPE_CHECKING:
    from inference_console.ui.filtering import RowFilter

# Rows, commands and filters are imported where they are first used (after the
# connection), so that the first frame does not wait for the catalog.

DEFAULT_KIND = "inferenceservices.serving.kserve.io"
NARROW = 100  # below this many columns the sidebar hides itself (b toggles it)
WAIT_FOR_SOURCES = 20.0  # seconds a kind asked for at start may take to appear (its source starting)


def _plain(text: str) -> str | None:
    """The lower-cased needle of a plain text filter (not a regex, negation or label selector)."""
    from inference_console.ui.filtering import REGEX_CHARS

    text = text.strip()
    if not text or text.startswith(("!", "-l ", "-l=")) or any(ch in REGEX_CHARS for ch in text):
        return None
    return text.lower()


class CommandSuggester(Suggester):
    def __init__(self, screen: "MainScreen") -> None:
        super().__init__(use_cache=False, case_sensitive=True)
        self.screen = screen

    async def get_suggestion(self, value: str) -> str | None:
        if self.screen.prompt_mode != "command":
            return None
        return self.screen.completion(value)


class MainScreen(QuickActionsMixin, WorkspaceScreen):
    BINDINGS = [
        Binding("colon", "command", "Command", key_display=":"),
        Binding("slash", "filter", "Filter", key_display="/"),
        Binding("d", "describe", "Describe"),
        Binding("y", "yaml", "YAML"),
        Binding("e", "edit", "Edit"),
        Binding("l", "object('logs')", "Logs"),
        Binding("C", "object('copy')", "Copy URL/ref", show=False),
        Binding("0", "toggle_all_namespaces", "All ns"),
        Binding("o", "sort_next", "Sort"),
        Binding("O", "sort_reverse", "Reverse sort", show=False),
        Binding("tab", "switch_focus", "Sidebar/table", show=False),
        Binding("b", "toggle_sidebar", "Sidebar", show=False),
        Binding("escape", "back", "Clear/back", show=False),
        Binding("question_mark", "help", "Keys", key_display="?"),
        Binding("q", "quit", "Quit"),
        *QUICK_ACTION_BINDINGS,
        CREATE_BINDING,
    ]

    def __init__(self) -> None:
        super().__init__()
        self.kind_key = DEFAULT_KIND
        self.filter: RowFilter | None = None
        self.prompt_mode = ""
        self._prompt_previous = ""
        self._labels: dict[str, Any] = {}  # row key -> its labels, read when a filter asks (_labels_of)
        self._join_index: dict[str, dict[str, set[str]]] | None = None  # see _joins_of
        self._row_joins: dict[str, tuple[str, ...]] = {}  # row key -> its records' keys in the joined stores
        self._columns: list = []
        self._initial_done = False
        self._last_namespace: str | None = None  # where `0` returns to
        self._sorts: dict[str, tuple[str, bool] | None] = {}  # per view: (column name, reversed)
        self._flash_timer = None
        self._wanted: tuple[str, float] | None = None  # a kind asked for before its source registered it
        self._previous_kind = DEFAULT_KIND
        self._joined: dict[str, Any] = {}  # joined store (KindView.joins) -> the source asked to fill it
        self._elsewhere: dict[str, dict[str, int]] = {}  # per view, reset by a namespace switch
        self._sidebar_choice: bool | None = None  # None: shown when the terminal is wide enough
        self.message = ""
        self._shown: dict[str, Any] = {}  # selector -> what its Static shows (see _show)

    # ------------------------------------------------------------------ layout
    def compose(self) -> ComposeResult:
        yield Static(id="header")
        with Horizontal(id="body"):
            yield NavList(id="sidebar")
            with Vertical(id="main"):
                yield Static(id="title")
                yield Static(id="notice")
                yield VirtualTable(id="table")
        yield Input(id="prompt", suggester=CommandSuggester(self))
        yield Static(id="message")
        yield KeyFooter()  # rebuilt only when its keys change

    @property
    def table(self) -> VirtualTable:
        return self.query_one("#table", VirtualTable)

    def on_mount(self) -> None:
        self.table.empty_text = "Connecting…"
        self.query_one("#prompt", Input).display = False
        self.query_one("#notice", Static).display = False
        self.table.focus()
        self._render_header()
        self._render_title()
        interval = getattr(getattr(self.app, "context_settings", None), "refresh_interval", 2.0) or 2.0
        self.set_interval(max(1.0, interval), self._refresh_visible_ages)

    # ------------------------------------------------------------------ data
    @on(SessionChanged)
    def _session_changed(self, event: SessionChanged) -> None:
        if event.state == "ready":
            self._start_session()
        elif event.state == "failed":
            self.table.set_rows([])
            self.table.empty_text = "Not connected"
            self.notice(event.message)
        else:
            self.notice("")
            self.table.empty_text = event.message or "Connecting…"
        self._render_header()
        self._render_title()

    def _start_session(self) -> None:
        from inference_console.ui.commands import parse_command

        ws = self.workspace
        if not ws.views:
            return
        self._last_namespace = ws.scope.namespace or self._last_namespace
        initial = getattr(self.app.options, "command", None)
        if initial and not self._initial_done:
            self._initial_done = True
            cmd = parse_command(initial, ws.kinds())
            if cmd.action == "kind":
                self.kind_key = cmd.arg
            else:  # perhaps a kind of a source still starting (:gpu): shown when it registers
                self._wanted = (initial, asyncio.get_running_loop().time() + WAIT_FOR_SOURCES)
        if self.kind_key not in ws.views:
            # A kind of a source that starts after the cluster (contexts, GPUs…): back to it when it registers.
            if not self._wanted:
                self._wanted = (self.kind_key, asyncio.get_running_loop().time() + WAIT_FOR_SOURCES)
            self.kind_key = next(iter(ws.views))
        self.show_kind(self.kind_key)
        self._render_sidebar()
        self.learn_user(self._render_header)

    def show_kind(self, key: str) -> None:
        from inference_console.ui.rows import table_columns

        ws = self.workspace
        view = ws.view(key)
        if view is None:
            return
        self._remember_sort()
        if key != self.kind_key:
            self._previous_kind = self.kind_key
        self.kind_key = key
        store = ws.ensure(key)
        self._want_joins(view)  # records its rows show (CPU/MEM of pods, GPU%/REQ/S of serving objects)
        self._columns = table_columns(view, ws.scope.namespace is None)
        self.table.set_columns(self._columns)
        self._restore_sort(view)
        self._full_refresh(store)
        self.query_one("#sidebar", NavList).highlight_key(key)
        self._render_title()
        self.refresh_bindings()

    def _want_joins(self, view, shown: bool = True) -> None:
        """Ask the sources of the records the rows join to fill them while the table shows them,
        and release those no longer shown (a source that starts after the table is asked then)."""
        ws = self.workspace
        keys = view.joins if view is not None and shown else ()
        wanted = {k: s for k in keys if (s := ws.source_of(k)) is not None}
        for key, source in self._joined.items():
            release = getattr(source, "release", None)
            if wanted.get(key) is not source and release is not None:
                release(key)
        for key, source in wanted.items():
            if self._joined.get(key) is not source:
                ws.ensure(key)
        self._joined = wanted

    def on_screen_suspend(self) -> None:
        self._want_joins(None, shown=False)

    def on_screen_resume(self) -> None:
        self._want_joins(self.workspace.view(self.kind_key))

    def _remember_sort(self) -> None:
        """The sort belongs to the view, by column name (it must not leak by position)."""
        column = next((c for c in self._columns if c.key == self.table.sort_column), None)
        self._sorts[self.kind_key] = (column.label, self.table.sort_reverse) if column else None

    def _restore_sort(self, view) -> None:
        wanted = self._sorts[view.key] if view.key in self._sorts else view.default_sort
        key = next((c.key for c in self._columns if wanted and c.label == wanted[0]), None)
        self.table.sort_by(key, bool(wanted and wanted[1]) if key else False)

    def _full_refresh(self, store) -> None:
        from inference_console.ui.rows import render_row

        view = self.workspace.views[self.kind_key]
        rows = []
        if store is not None:
            verdict = store.verdict
            for key, obj in store.items():
                rows.append(render_row(view, key, obj, self._columns, verdict(key), self._lookup))
        self._labels.clear()
        self._join_index = None
        self.table.set_rows(rows)
        self._show_status(store)

    def _show_status(self, store) -> None:
        text = self._empty_text(store)
        self.table.empty_text = text.split(". ")[0] if len(text) > 60 else text
        problem = store is not None and (
            store.status.state in (KindState.FORBIDDEN, KindState.ERROR)
            or (store.status.state is KindState.RECONNECTING and not store.loaded)
        )
        if self.app.connection_state == "ready":
            self.notice(text.lstrip("⚠ ") if problem else "")

    def _empty_text(self, store) -> str:
        view = self.workspace.views[self.kind_key]
        name = plural_title(view.kind)
        if store is None or not self.workspace.serves(self.kind_key) or store.status.state is KindState.NOT_INSTALLED:
            reason = store.status.reason if store is not None and store.status.reason else "not served here"
            return f"{name} are not available: {safe(reason, 300)}"
        status = store.status
        if status.state is KindState.FORBIDDEN:
            return f"⚠ Forbidden: you may not list {name} here. {safe(status.reason, 300)}"
        if status.state is KindState.ERROR:
            return f"⚠ {safe(status.reason, 300)}"
        if status.state is KindState.RECONNECTING and not store.loaded:
            return f"Reconnecting… {safe(status.reason, 300)}"
        if not store.loaded:
            return f"Loading {name}…"
        if self.filter is not None and len(store):
            return f"No {name} match {self.filter.describe!r}"
        elsewhere = self._elsewhere.get(self.kind_key)
        if elsewhere is None and view.namespaced and self.workspace.scope.namespace:
            self._elsewhere[self.kind_key] = {}
            self._look_elsewhere(self.kind_key)
        if elsewhere:
            top = sorted(elsewhere.items(), key=lambda kv: -kv[1])[:2]
            where = ", ".join(f"{n} in {safe(ns)}" for ns, n in top)
            return f"No {name} in {safe(self.workspace.scope.namespace or '')} · {where} · 0: all namespaces"
        return f"No {name}"

    @work(group="elsewhere", exit_on_error=False)
    async def _look_elsewhere(self, key: str) -> None:
        counts = await self.workspace.elsewhere(key)
        counts.pop(self.workspace.scope.namespace or "", None)
        self._elsewhere[key] = counts
        store = self.workspace.store(key)
        if key == self.kind_key and store is not None and not len(store):
            self._show_status(store)

    def _catch_up(self) -> None:
        """Show the kind asked for at start once its source has registered it (or say it never did)."""
        from inference_console.ui.commands import parse_command

        wanted, deadline = self._wanted or ("", 0.0)
        if not wanted:
            return
        ws = self.workspace
        target = wanted if wanted in ws.views else None
        if target is None:
            cmd = parse_command(wanted, ws.kinds())
            target = cmd.arg if cmd.action == "kind" else None
        if target is not None:
            self._wanted = None
            self.show_kind(target)
        elif asyncio.get_running_loop().time() > deadline:
            self._wanted = None
            self.flash(f"cannot start on {wanted!r}: no such kind here", error=True)

    @on(StoresChanged)
    def _stores_changed(self, event: StoresChanged) -> None:
        if self._wanted:
            self._catch_up()
        changes = event.changes.get(self.kind_key)
        if changes is not None and self.kind_key not in self.workspace.views:
            # Its source went away (a context switch replaces every source): wait for it.
            self.table.set_rows([])
            self.table.empty_text = "Reconnecting…"
        elif changes is not None:
            self._apply_changes(changes)
        view = self.workspace.view(self.kind_key)
        if view is not None and view.joins and any(k in event.changes for k in view.joins):
            self._rejoin(event.changes)
        if view is not None and view.joins and self.is_current:
            ws = self.workspace
            if any(ws.source_of(k) is not self._joined.get(k) for k in view.joins):
                self._want_joins(view)  # a joined store's source registered (or was replaced) after
        self._render_sidebar()
        if any(c.status_changed for c in event.changes.values()):
            self._render_header()
        self._render_title()

    def _refresh_visible_ages(self) -> None:
        """Ages and "(41s ago)" texts change with time: re-render the rows in view."""
        from inference_console.ui.rows import render_row

        store = self.workspace.store(self.kind_key)
        spec = self.workspace.view(self.kind_key)
        if store is None or spec is None or not self.is_current:
            return
        top = max(0, int(self.table.scroll_offset.y) - 5)
        window = self.table.visible_rows[top : top + self.table.size.height + 10]
        rows = []
        for row in window:
            obj = store.get(row.key)
            if obj is not None:
                fresh = render_row(spec, row.key, obj, self._columns, store.verdict(row.key), self._lookup)
                if fresh.cells != row.cells:
                    rows.append(fresh)
        if rows:
            self.table.upsert_rows(rows)

    def _labels_of(self, key: str) -> Any:
        """A row's labels for a label selector: read from its record when first asked, kept until
        the record changes (most deliveries never pay for them: only a ``-l`` filter reads them)."""
        labels = self._labels.get(key)
        if labels is None:
            view, store = self.workspace.view(self.kind_key), self.workspace.store(self.kind_key)
            record = store.get(key) if store is not None else None
            labels = view.labels_of(record) if view is not None and record is not None else {}
            self._labels[key] = labels
        return labels

    def _lookup(self, store_key: str, key: str) -> Any:
        """A record of another store a row shows (``KindView.joins``)."""
        store = self.workspace.store(store_key)
        return store.get(key) if store is not None else None

    def _rejoin(self, changes: dict[str, Changes]) -> None:
        """Render again the rows whose joined record (``KindView.joins``) changed."""
        from inference_console.ui.rows import render_row

        view, store = self.workspace.view(self.kind_key), self.workspace.store(self.kind_key)
        if view is None or store is None:
            return
        changed = {k: c for k, c in changes.items() if k in view.joins and (c.upserted or c.deleted or c.reset)}
        if any(c.reset for c in changed.values()):
            self._full_refresh(store)
            return
        index = self._joins_of(view, store)
        keys: set[str] = set()
        for k, c in changed.items():
            rows_of = index.get(k, {})
            for joined in (*c.upserted, *c.deleted):
                keys.update(rows_of.get(joined, ()))
        rows = [
            render_row(view, key, obj, self._columns, store.verdict(key), self._lookup)
            for key in keys
            if (obj := store.get(key)) is not None
        ]
        if rows:
            self.table.upsert_rows(rows)

    def _joins_of(self, view, store) -> dict[str, dict[str, set[str]]]:
        """Per joined store, its record's key -> the rows that show it: built once per kind shown (a
        pass over the rows), then kept up to date with each delivery, so that a metrics refresh
        re-renders the rows it touched without a pass over 100,000 pods."""
        if self._join_index is None:
            self._join_index = {k: {} for k in view.joins}
            self._row_joins = {}
            for key, obj in store.items():
                self._index_joins(view, key, obj)
        return self._join_index

    def _index_joins(self, view, key: str, obj: Any) -> None:
        index = self._join_index
        assert index is not None
        old = self._row_joins.get(key)
        new = tuple(key_of(obj) for key_of in view.joins.values()) if obj is not None else None
        if old == new:
            return
        for store_key, joined in zip(view.joins, old or ()):
            rows = index[store_key].get(joined)
            if rows is not None:
                rows.discard(key)
                if not rows:
                    del index[store_key][joined]
        if new is None:
            self._row_joins.pop(key, None)
            return
        self._row_joins[key] = new
        for store_key, joined in zip(view.joins, new):
            index[store_key].setdefault(joined, set()).add(key)

    def _apply_changes(self, changes: Changes) -> None:
        from inference_console.ui.rows import render_row

        store = self.workspace.store(self.kind_key)
        if store is None or changes.reset:  # big batches (a page of a list) are merged by the table
            self._full_refresh(store)
            return
        if changes.upserted:
            spec = self.workspace.views[self.kind_key]
            rows = []
            for key in changes.upserted:
                current = store.get(key)
                if current is None:
                    continue
                rows.append(render_row(spec, key, current, self._columns, store.verdict(key), self._lookup))
                self._labels.pop(key, None)
                if self._join_index is not None:
                    self._index_joins(spec, key, current)
            self.table.upsert_rows(rows)
        if changes.deleted:
            spec = self.workspace.views[self.kind_key]
            for uid in changes.deleted:
                self._labels.pop(uid, None)
                if self._join_index is not None:
                    self._index_joins(spec, uid, None)
            self.table.remove_rows(changes.deleted)
        if changes.status_changed or not self.table.row_count:
            self._show_status(store)

    # ------------------------------------------------------------------ rendering
    def _show(self, selector: str, content: Any, layout: bool = False) -> None:
        """Put ``content`` in a Static line unless it already shows exactly that.

        Deliveries come up to 30 times a second and mostly leave these lines as they are: an
        unchanged text costs nothing, and the one-line ones (header, title, message: fixed
        height in the stylesheet) repaint themselves only, not the whole screen's layout."""
        shown = self._shown.get(selector)
        if shown is not None and shown == content:
            return
        self._shown[selector] = content
        self.query_one(selector, Static).update(content, layout=layout)

    def _render_header(self) -> None:
        app: Any = self.app
        ws = self.workspace
        state = app.connection_state
        detail = ""
        cluster = ws.sources.get("kube")
        if state == "ready" and cluster is not None:
            bad = ws.problems()
            state = "reconnecting" if bad else "live"
            detail = bad[0][1] if bad else ""
        elif state != "ready":
            detail = app.connection_message if state == "connecting" else ""
        facts = cluster.describe().facts if cluster is not None else {}
        pending = getattr(app, "cluster_info", None)
        if not facts and pending is not None:  # read from the kubeconfig, the server not reached yet
            facts = {
                "context": pending.context,
                "server": pending.server,
                "tls": "verified" if pending.tls_verified else "UNVERIFIED",
            }
        self._show(
            "#header",
            header_text(
                context=facts.get("context") or app.options.context or ("sandbox" if app.options.demo else ""),
                server=facts.get("server", ""),
                namespace=ws.scope.namespace
                if cluster
                else (None if app.options.all_namespaces else app.options.namespace or "…"),
                state=state,
                readonly=app.readonly,
                detail=detail,
                tls_verified=facts.get("tls", "verified") == "verified",
                user=getattr(cluster, "user", None) or "",  # who the server says you are (SelfSubjectReview)
            ),
        )

    def _render_title(self) -> None:
        ws = self.workspace
        spec = ws.view(self.kind_key)
        if spec is None:
            self._show("#title", "")
            return
        store = ws.store(self.kind_key)
        scope = (ws.scope.namespace or "all") if spec.namespaced else "cluster"
        count = self.table.row_count
        total = len(store) if store else 0
        parts = [
            f"[b]{plural_title(spec.kind)}[/b]([i]{safe(scope)}[/i])[{count}"
            + (f"/{total}" if count != total else "")
            + "]"
        ]
        progress = getattr(store, "progress", None)  # a list arriving in pages: "12,500 of ≈50,000"
        if progress is not None:
            parts.append(f"[dim]listing {progress[0]:,}" + (f" of ≈{progress[1]:,}" if progress[1] else "") + "…[/dim]")
        if self.filter is not None:
            parts.append(f"[reverse] /{safe(self.filter.text)} [/reverse]")
        if self.table.sort_column is not None and self._columns:
            label = next((c.label for c in self._columns if c.key == self.table.sort_column), "")
            parts.append(f"sort: {label}{'▼' if self.table.sort_reverse else '▲'}")
        if store is not None and store.status.state in (KindState.RECONNECTING, KindState.ERROR, KindState.FORBIDDEN):
            parts.append(f"[yellow]{store.status.state.value}: {safe(store.status.reason, 120)}[/yellow]")
        self._show("#title", "  ".join(parts))

    def _render_sidebar(self) -> None:
        if self.workspace.views:
            self.query_one("#sidebar", NavList).set_sections(sidebar_sections(self.workspace))

    def notice(self, message: str) -> None:
        """A wrapped, boxed explanation above the table (errors that need more than a line)."""
        widget = self.query_one("#notice", Static)
        widget.display = bool(message)
        # Its height follows the text (wrapped): a new text relayouts the screen, the same one nothing.
        self._show("#notice", f"⚠ {safe_multiline(message, 1000)}" if message else "", layout=True)

    def flash(self, message: str, error: bool = False) -> None:
        """A one-line message under the table; it goes away after a while (errors stay longer)."""
        widget = self.query_one("#message", Static)
        widget.set_class(error, "error")
        self._show("#message", safe(message, 300))
        self.message = message
        if self._flash_timer is not None:
            self._flash_timer.stop()
        if message and not message.endswith("…"):  # "waiting for the watch…" is replaced, not timed out
            self._flash_timer = self.set_timer(20.0 if error else 8.0, lambda: self.flash(""))

    def action_toggle_sidebar(self) -> None:
        sidebar = self.query_one("#sidebar", NavList)
        self._sidebar_choice = not sidebar.display
        sidebar.display = self._sidebar_choice
        if not sidebar.display:
            self.table.focus()

    def on_resize(self, event) -> None:
        # Narrow terminals give the table the whole width (b brings the sidebar back).
        if self._sidebar_choice is None:
            self.query_one("#sidebar", NavList).display = event.size.width >= NARROW

    # ------------------------------------------------------------------ navigation
    @on(NavList.OptionSelected, "#sidebar")
    def _sidebar_selected(self, event: NavList.OptionSelected) -> None:
        if event.option.id and not event.option.id.startswith("§"):
            self.show_kind(event.option.id)
            self.table.focus()

    @on(VirtualTable.RowSelected, "#table")
    def _row_selected(self, event: VirtualTable.RowSelected) -> None:
        if self.prompt_mode:  # an Enter that reached the table right behind ":" and its text
            prompt = self.query_one("#prompt", Input)
            self._prompt_submitted(Input.Submitted(prompt, prompt.value))
            return
        self._row_entered(event.key)

    def on_key(self, event) -> None:
        """Keys that reached the table in the same burst as ":" (a paste, a fast typist over SSH,
        tmux send-keys) were queued to it before the prompt took the focus: they belong to the
        prompt. Keys typed into the prompt itself never get here (the Input consumes them)."""
        if not self.prompt_mode and event.key in ("colon", "slash") and not isinstance(self.focused, Input):
            # Open the prompt now, not when the binding runs after the rest of the burst.
            event.stop()
            event.prevent_default()
            self.action_command() if event.key == "colon" else self.action_filter()
            return
        if self.prompt_mode and event.is_printable and event.character:
            prompt = self.query_one("#prompt", Input)
            prompt.insert_text_at_cursor(event.character)
            event.stop()
            event.prevent_default()

    def _row_entered(self, key: str | None) -> None:
        view = self.workspace.view(self.kind_key)
        store = self.workspace.store(self.kind_key)
        record = store.get(key) if store is not None and key is not None else None
        if view is not None and view.enter is not None and record is not None:
            command = view.enter(record)
            if command.startswith("ns ") and self._previous_kind in self.workspace.views:
                # As in k9s: pick a namespace, land back on what was being looked at, there.
                self._remember_sort()
                self.kind_key = self._previous_kind
            self.run_command(command)
        else:
            self.open_detail(key)

    def open_detail(self, uid: str | None, tab: str = "summary") -> None:
        store = self.workspace.store(self.kind_key)
        if uid is None or store is None or store.get(uid) is None:
            return
        from inference_console.ui.screens.detail import DetailScreen

        self.app.push_screen(DetailScreen(self.kind_key, uid, tab=tab))

    def action_describe(self) -> None:
        self.open_detail(self.table.cursor_key)

    def action_yaml(self) -> None:
        self.open_detail(self.table.cursor_key, tab="yaml")

    def action_edit(self) -> None:
        uid = self.table.cursor_key
        store = self.workspace.store(self.kind_key)
        obj = store.get(uid) if store is not None and uid else None
        if obj is None:
            self.flash("nothing selected to edit", error=True)
            return
        self.start_edit(obj)

    def action_switch_focus(self) -> None:
        sidebar = self.query_one("#sidebar", NavList)
        if not sidebar.display:
            sidebar.display = True
            self._sidebar_choice = True
        (self.table if sidebar.has_focus else sidebar).focus()

    def action_sort_next(self) -> None:
        if not self._columns:
            return
        keys = [c.key for c in self._columns]
        current = self.table.sort_column
        nxt = keys[(keys.index(current) + 1) % len(keys)] if current in keys else keys[0]
        self.table.sort_by(nxt, False)
        self._render_title()

    def action_sort_reverse(self) -> None:
        if self._columns:
            self.table.sort_by(self.table.sort_column or self._columns[0].key, not self.table.sort_reverse)
            self._render_title()

    async def action_toggle_all_namespaces(self) -> None:
        if "kube" not in self.workspace.sources:
            return
        current = self.workspace.scope.namespace
        await self._set_namespace(None if current else self._last_namespace)

    async def _set_namespace(self, namespace: str | None) -> None:
        self._elsewhere.clear()
        if namespace:
            self._last_namespace = namespace
        await self.app.switch_namespace(namespace)
        self.show_kind(self.kind_key)
        self._render_header()
        self.flash(f"namespace: {namespace or 'all'}")

    def action_back(self) -> None:
        if self.filter is not None:
            self.filter = None
            self.table.set_filter(None)
            self._render_title()
            self.flash("filter cleared")

    def action_help(self) -> None:
        show_help(self)

    async def action_quit(self) -> None:
        self.app.exit()

    # ------------------------------------------------------------------ prompt
    def action_command(self) -> None:
        self._open_prompt("command", ":")

    def action_filter(self) -> None:
        self._open_prompt("filter", self.filter.text if self.filter else "")

    def _open_prompt(self, mode: str, value: str) -> None:
        if self.prompt_mode == mode:
            return  # already open (the key and its binding both asked): keep what was typed
        prompt = self.query_one("#prompt", Input)
        self.prompt_mode = mode
        self._prompt_previous = self.filter.text if self.filter else ""
        prompt.placeholder = (
            ":isvc  :pods  :ns NAME  :ctx NAME  :q" if mode == "command" else "text, regex, or -l key=value"
        )
        prompt.border_title = "command" if mode == "command" else "filter"
        prompt.value = "" if mode == "command" else value
        prompt.display = True
        # Synchronously: keys typed right after ":" (a fast typist, a paste, tmux send-keys)
        # must reach the prompt, not the table.
        self.set_focus(prompt)

    def _close_prompt(self) -> None:
        prompt = self.query_one("#prompt", Input)
        prompt.display = False
        self.prompt_mode = ""
        self.table.focus()

    def completion(self, value: str) -> str | None:
        from inference_console.ui.commands import complete

        ws = self.workspace
        if not ws.views:
            return None
        return complete(value, ws.kinds(), self.app.known_namespaces, self.app.context_names())

    @on(Input.Changed, "#prompt")
    def _prompt_changed(self, event: Input.Changed) -> None:
        if self.prompt_mode == "filter":
            self._apply_filter(event.value, quiet=True)

    @on(Input.Submitted, "#prompt")
    def _prompt_submitted(self, event: Input.Submitted) -> None:
        mode = self.prompt_mode
        self._close_prompt()
        if mode == "command":
            self.run_command(event.value)
        elif mode == "filter":
            self._apply_filter(event.value, quiet=False)

    def _apply_filter(self, text: str, quiet: bool) -> None:
        from inference_console.ui.filtering import FilterError, compile_filter

        try:
            compiled = compile_filter(text)
        except FilterError as exc:
            self.flash(str(exc), error=True)
            return
        previous, self.filter = self.filter, compiled
        if compiled is None:
            self.table.set_filter(None)
        else:
            labels_of = self._labels_of
            match = compiled.match
            # A plain text filter typed one more character only narrows (test the rows shown);
            # plain text is a substring test on the row's search text (no call per row).
            plain = _plain(compiled.text)
            narrows = (
                previous is not None
                and plain is not None
                and _plain(previous.text) is not None
                and _plain(previous.text) in plain
            )
            self.table.set_filter(lambda row: match(row.search, labels_of(row.key)), narrows=narrows, contains=plain)
        if not quiet:
            self.flash(f"filter: {compiled.describe}" if compiled else "filter cleared")
        store = self.workspace.store(self.kind_key)
        if store is not None and not self.table.row_count:
            self._show_status(store)
        self._render_title()

    def key_escape(self) -> None:
        if self.prompt_mode:
            if self.prompt_mode == "filter":
                self._apply_filter(self._prompt_previous, quiet=True)
            self._close_prompt()

    def key_tab(self) -> None:
        if self.prompt_mode == "command":
            prompt = self.query_one("#prompt", Input)
            done = self.completion(prompt.value)
            if done:
                prompt.value = done
                prompt.cursor_position = len(done)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # While the prompt is open, Esc and Tab belong to it.
        if self.prompt_mode and action in ("back", "switch_focus"):
            return False
        return super().check_action(action, parameters)

    def run_command(self, text: str) -> None:
        from inference_console.ui.commands import parse_command

        ws = self.workspace
        if text.strip().lstrip(":").strip().lower() in ("q", "quit", "q!", "exit"):
            self.app.exit()
            return
        if text.strip() in ("help", ":help", "?"):
            self.action_help()
            return
        if not ws.views:
            self.flash("not connected yet", error=True)
            return
        cmd = parse_command(text, ws.kinds())
        if cmd.action == "kind":
            self.show_kind(cmd.arg)
        elif cmd.action == "namespace":
            self.run_worker(self._set_namespace(cmd.arg or None), exclusive=True, group="ns")
        elif cmd.action == "context":
            contexts = self.app.context_names()
            if cmd.arg not in contexts:
                self.flash(f"no context {cmd.arg!r} in the kubeconfig (have: {', '.join(contexts)})", error=True)
                return
            self.flash(f"switching to context {cmd.arg}…")
            self.app.connect(cmd.arg)
        elif cmd.action == "screen":
            from inference_console.ui.extensions import screen_command

            opener = screen_command(cmd.arg)
            if opener is not None:
                opener(self.app, cmd.message)
        elif cmd.action == "help":
            self.action_help()
        elif cmd.action == "quit":
            self.app.exit()
        else:
            self.flash(cmd.message, error=True)
