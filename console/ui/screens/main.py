"""The main screen: header, sidebar of kinds, the live table, the `:` and `/` prompt."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.suggester import Suggester
from textual.widgets import Footer, Input, Static

from inference_console.safe_text import safe, safe_multiline
from inference_console.state.store import Changes, KindState
from inference_console.ui.header import header_text
from inference_console.ui.help import show_help
from inference_console.ui.messages import SessionChanged, StoresChanged
from inference_console.ui.quick_actions import CREATE_BINDING, QUICK_ACTION_BINDINGS, QuickActionsMixin
from inference_console.ui.sidebar import plural_title, sidebar_sections
from inference_console.widgets.nav_list import NavList
from inference_console.widgets.virtual_table import VirtualTable

if TYPE_CHECKING:
    from inference_console.ui.filtering import RowFilter

# Rows, commands and filters are imported where they are first used (after the
# connection), so that the first frame does not wait for the catalog.

DEFAULT_KIND = "inferenceservices.serving.kserve.io"
FULL_REDRAW = 3000  # above this many changed rows, re-render the whole table


class CommandSuggester(Suggester):
    def __init__(self, screen: "MainScreen") -> None:
        super().__init__(use_cache=False, case_sensitive=True)
        self.screen = screen

    async def get_suggestion(self, value: str) -> str | None:
        if self.screen.prompt_mode != "command":
            return None
        return self.screen.completion(value)


class MainScreen(QuickActionsMixin, Screen):
    BINDINGS = [
        Binding("colon", "command", "Command", key_display=":"),
        Binding("slash", "filter", "Filter", key_display="/"),
        Binding("d", "describe", "Describe"),
        Binding("y", "yaml", "YAML"),
        Binding("e", "edit", "Edit"),
        Binding("0", "toggle_all_namespaces", "All ns"),
        Binding("o", "sort_next", "Sort"),
        Binding("O", "sort_reverse", "Reverse sort", show=False),
        Binding("tab", "switch_focus", "Sidebar/table", show=False),
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
        self._labels: dict[str, dict[str, str]] = {}
        self._columns: list = []
        self._pinned_started = False
        self._initial_done = False
        self.message = ""

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
        yield Footer()

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
    @property
    def session(self):
        return getattr(self.app, "session", None)

    @on(SessionChanged)
    def _session_changed(self, event: SessionChanged) -> None:
        if event.state == "ready":
            self._pinned_started = False
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
        session = self.session
        if session is None:
            return
        # Count every installed catalog kind in the sidebar (bounded by the session).
        for key in list(session.specs):
            if session.installed(key) and not session.is_extra(key):
                session.ensure(key, pinned=True)
        self._pinned_started = True
        initial = getattr(self.app.options, "command", None)
        if initial and not self._initial_done:
            self._initial_done = True
            cmd = parse_command(initial, session.specs.values())
            if cmd.action == "kind":
                self.kind_key = cmd.arg
            else:
                self.flash(cmd.message or f"cannot start on {initial!r}", error=True)
        if self.kind_key not in session.specs:
            self.kind_key = next(iter(session.specs))
        self.show_kind(self.kind_key)
        self._render_sidebar()

    def show_kind(self, key: str) -> None:
        from inference_console.ui.rows import table_columns
        session = self.session
        if session is None or key not in session.specs:
            return
        self.kind_key = key
        spec = session.specs[key]
        store = session.ensure(key)
        self._columns = table_columns(spec, session.namespace is None)
        self.table.set_columns(self._columns)
        self._full_refresh(store)
        self.query_one("#sidebar", NavList).highlight_key(key)
        self._render_title()

    def _full_refresh(self, store) -> None:
        from inference_console.ui.rows import render_row
        spec = self.session.specs[self.kind_key]
        rows = []
        labels = {}
        verdict = store.verdict
        for uid, obj in store.objects.items():
            row = render_row(spec, obj, self._columns, verdict(uid))
            rows.append(row)
            labels[row.key] = (obj.get("metadata") or {}).get("labels") or {}
        self._labels = labels
        self.table.set_rows(rows)
        self._show_status(store)

    def _show_status(self, store) -> None:
        text = self._empty_text(store)
        self.table.empty_text = text.split(". ")[0] if len(text) > 60 else text
        problem = store.status.state in (KindState.FORBIDDEN, KindState.ERROR) or (
            store.status.state is KindState.RECONNECTING and not store.loaded)
        if self.app.connection_state == "ready":
            self.notice(text.lstrip("⚠ ") if problem else "")

    def _empty_text(self, store) -> str:
        spec = self.session.specs[self.kind_key]
        status = store.status
        name = plural_title(spec.kind)
        if status.state is KindState.FORBIDDEN:
            return f"⚠ Forbidden: you may not list {name} here. {safe(status.reason, 300)}"
        if status.state is KindState.NOT_INSTALLED or not self.session.installed(self.kind_key):
            return f"{name} are not installed in this cluster ({spec.api_version} {spec.plural} is not served)"
        if status.state is KindState.ERROR:
            return f"⚠ {safe(status.reason, 300)}"
        if status.state is KindState.RECONNECTING and not store.loaded:
            return f"Reconnecting… {safe(status.reason, 300)}"
        if not store.loaded:
            return f"Loading {name}…"
        if self.filter is not None and len(store):
            return f"No {name} match {self.filter.describe!r}"
        return f"No {name}"

    @on(StoresChanged)
    def _stores_changed(self, event: StoresChanged) -> None:
        session = self.session
        if session is None:
            return
        changes = event.changes.get(self.kind_key)
        if changes is not None:
            self._apply_changes(changes)
        self._render_sidebar()
        if any(c.status_changed for c in event.changes.values()):
            self._render_header()
        self._render_title()

    def _refresh_visible_ages(self) -> None:
        """Ages and "(41s ago)" texts change with time: re-render the rows in view."""
        from inference_console.ui.rows import render_row
        session = self.session
        if session is None or not self.is_current or self.kind_key not in session.stores:
            return
        store = session.stores[self.kind_key]
        spec = session.specs[self.kind_key]
        top = max(0, int(self.table.scroll_offset.y) - 5)
        window = self.table.visible_rows[top: top + self.table.size.height + 10]
        rows = []
        for row in window:
            obj = store.get(row.key)
            if obj is not None:
                fresh = render_row(spec, obj, self._columns, store.verdict(row.key))
                if fresh.cells != row.cells:
                    rows.append(fresh)
        if rows:
            self.table.upsert_rows(rows)

    def _apply_changes(self, changes: Changes) -> None:
        from inference_console.ui.rows import render_row
        store = self.session.stores[self.kind_key]
        if changes.reset or len(changes.upserted) + len(changes.deleted) > FULL_REDRAW:
            self._full_refresh(store)
            return
        if changes.upserted:
            spec = self.session.specs[self.kind_key]
            rows = []
            for uid, obj in changes.upserted.items():
                current = store.get(uid)
                if current is None:
                    continue
                row = render_row(spec, current, self._columns, store.verdict(uid))
                self._labels[row.key] = (current.get("metadata") or {}).get("labels") or {}
                rows.append(row)
            self.table.upsert_rows(rows)
        if changes.deleted:
            for uid in changes.deleted:
                self._labels.pop(uid, None)
            self.table.remove_rows(changes.deleted)
        if changes.status_changed or not self.table.row_count:
            self._show_status(store)

    # ------------------------------------------------------------------ rendering
    def _render_header(self) -> None:
        app: Any = self.app
        session = self.session
        state = app.connection_state
        detail = ""
        if state == "ready" and session is not None:
            bad = [s for s in session.stores.values() if s.status.state is KindState.RECONNECTING]
            state = "reconnecting" if bad else "live"
            detail = bad[0].status.reason if bad else ""
        elif state != "ready":
            detail = app.connection_message if state == "connecting" else ""
        info = session.info if session is not None else None
        self.query_one("#header", Static).update(header_text(
            context=info.context if info else (app.options.context or ("sandbox" if app.options.demo else "")),
            server=info.server if info else "",
            namespace=session.namespace if session else (None if app.options.all_namespaces else app.options.namespace or "…"),
            state=state, readonly=app.readonly, detail=detail,
            tls_verified=info.tls_verified if info else True,
        ))

    def _render_title(self) -> None:
        session = self.session
        title = self.query_one("#title", Static)
        if session is None or self.kind_key not in session.specs:
            title.update("")
            return
        spec = session.specs[self.kind_key]
        store = session.stores.get(self.kind_key)
        scope = session.namespace or "all"
        count = self.table.row_count
        total = len(store) if store else 0
        parts = [f"[b]{plural_title(spec.kind)}[/b]([i]{safe(scope)}[/i])[{count}" + (f"/{total}" if count != total else "") + "]"]
        if self.filter is not None:
            parts.append(f"[reverse] /{safe(self.filter.text)} [/reverse]")
        if self.table.sort_column is not None and self._columns:
            label = next((c.label for c in self._columns if c.key == self.table.sort_column), "")
            parts.append(f"sort: {label}{'▼' if self.table.sort_reverse else '▲'}")
        if store is not None and store.status.state in (KindState.RECONNECTING, KindState.ERROR, KindState.FORBIDDEN):
            parts.append(f"[yellow]{store.status.state.value}: {safe(store.status.reason, 120)}[/yellow]")
        title.update("  ".join(parts))

    def _render_sidebar(self) -> None:
        if self.session is not None:
            self.query_one("#sidebar", NavList).set_sections(sidebar_sections(self.session))

    def notice(self, message: str) -> None:
        """A wrapped, boxed explanation above the table (errors that need more than a line)."""
        widget = self.query_one("#notice", Static)
        widget.display = bool(message)
        widget.update(f"⚠ {safe_multiline(message, 1000)}" if message else "")

    def flash(self, message: str, error: bool = False) -> None:
        widget = self.query_one("#message", Static)
        widget.set_class(error, "error")
        widget.update(safe(message, 300))
        self.message = message

    # ------------------------------------------------------------------ navigation
    @on(NavList.OptionSelected, "#sidebar")
    def _sidebar_selected(self, event: NavList.OptionSelected) -> None:
        if event.option.id and not event.option.id.startswith("§"):
            self.show_kind(event.option.id)
            self.table.focus()

    @on(VirtualTable.RowSelected, "#table")
    def _row_selected(self, event: VirtualTable.RowSelected) -> None:
        self.open_detail(event.key)

    def open_detail(self, uid: str | None, tab: str = "summary") -> None:
        session = self.session
        if session is None or uid is None:
            return
        store = session.stores.get(self.kind_key)
        if store is None or store.get(uid) is None:
            return
        from inference_console.ui.screens.detail import DetailScreen

        self.app.push_screen(DetailScreen(self.kind_key, uid, tab=tab))

    def action_describe(self) -> None:
        self.open_detail(self.table.cursor_key)

    def action_yaml(self) -> None:
        self.open_detail(self.table.cursor_key, tab="yaml")

    def action_edit(self) -> None:
        uid = self.table.cursor_key
        store = self.session.stores.get(self.kind_key) if self.session else None
        obj = store.get(uid) if store and uid else None
        if obj is None:
            self.flash("nothing selected to edit", error=True)
            return
        from inference_console.ui.flows.edit import EditFlow

        md = obj.get("metadata") or {}
        flow = EditFlow(self.app, self.kind_key, md.get("namespace"), md.get("name", ""))
        self.app.run_worker(flow.run(), group="edit", exclusive=True, exit_on_error=False)

    def action_switch_focus(self) -> None:
        sidebar = self.query_one("#sidebar", NavList)
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
        session = self.session
        if session is None:
            return
        await self._set_namespace(None if session.namespace else session.info.namespace)

    async def _set_namespace(self, namespace: str | None) -> None:
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
        prompt = self.query_one("#prompt", Input)
        self.prompt_mode = mode
        self._prompt_previous = self.filter.text if self.filter else ""
        prompt.placeholder = ":isvc  :pods  :ns NAME  :ctx NAME  :q" if mode == "command" else "text, regex, or -l key=value"
        prompt.border_title = "command" if mode == "command" else "filter"
        prompt.value = "" if mode == "command" else value
        prompt.display = True
        prompt.focus()

    def _close_prompt(self) -> None:
        prompt = self.query_one("#prompt", Input)
        prompt.display = False
        self.prompt_mode = ""
        self.table.focus()

    def completion(self, value: str) -> str | None:
        from inference_console.ui.commands import complete
        session = self.session
        if session is None:
            return None
        done = complete(value, session.specs.values(), self.app.known_namespaces, session.info.contexts)
        return done

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
        self.filter = compiled
        if compiled is None:
            self.table.set_filter(None)
        else:
            labels = self._labels
            match = compiled.match
            self.table.set_filter(lambda row: match(row.search, labels.get(row.key, {})))
        if not quiet:
            self.flash(f"filter: {compiled.describe}" if compiled else "filter cleared")
        store = self.session.stores.get(self.kind_key) if self.session else None
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
        return True

    def run_command(self, text: str) -> None:
        from inference_console.ui.commands import parse_command
        session = self.session
        if text.strip().lstrip(":").strip().lower() in ("q", "quit", "q!", "exit"):
            self.app.exit()
            return
        if text.strip() in ("help", ":help", "?"):
            self.action_help()
            return
        if session is None:
            self.flash("not connected yet", error=True)
            return
        cmd = parse_command(text, session.specs.values())
        if cmd.action == "kind":
            self.show_kind(cmd.arg)
        elif cmd.action == "namespace":
            self.run_worker(self._set_namespace(cmd.arg or None), exclusive=True, group="ns")
        elif cmd.action == "context":
            if cmd.arg not in session.info.contexts:
                self.flash(f"no context {cmd.arg!r} in the kubeconfig (have: {', '.join(session.info.contexts)})", error=True)
                return
            self.flash(f"switching to context {cmd.arg}…")
            self.app.connect(cmd.arg)
        elif cmd.action == "help":
            self.action_help()
        elif cmd.action == "quit":
            self.app.exit()
        else:
            self.flash(cmd.message, error=True)
