"""The log pane: `l` on a pod, a Deployment, an InferenceService, a BentoDeployment or an
InferenceStack; `:loki` shows where Loki is and whether it is ready.

On an InferenceStack, `l` first asks which part: every pod, the gateway or one reader (`R` in
the pane asks again).  When Loki fails under the pane (unreachable, the tenant refused, 5xx,
its limits) the status line says what and how it retries; `r` retries now and `o` reads the pod
log API instead.  `V` (or shift+↑/↓) selects a range of lines: `s` saves and `c` copies the
selection, else `s` saves every line shown and `c` copies the cursor's line.

The pane asks a log source of the workspace (Loki when it is ready, else the Kubernetes
pod log API) for the object's lines; the source fills a bounded buffer in the workspace,
and the pane is pushed what arrived once per frame (``StoresChanged``).  It reads lines
by sequence number; the :class:`~inference_console.widgets.log_view.LogView` draws only
the visible rows.  Every line's text passes through ``safe_text`` before display.
"""

from __future__ import annotations

import bisect
import gc
import os
import re
import time
from pathlib import Path
from typing import Any

from textual.app import ComposeResult
from textual.binding import Binding
from textual.geometry import Size
from textual.screen import ModalScreen
from textual.widgets import Input, Static

from inference_console.catalog.view import KindView
from inference_console.safe_text import safe, safe_multiline
from inference_console.sources.base import SourceError
from inference_console.state.logs import LogBuffer, LogChanges, LogFilter, LogRequest, LogTarget
from inference_console.state.store import KindState
from inference_console.ui.logtarget import STACK, Part, log_target, stack_parts
from inference_console.ui.screens.base import WorkspaceScreen
from inference_console.widgets.dialogs import Choice, ChoiceScreen
from inference_console.widgets.key_footer import KeyFooter
from inference_console.widgets.log_view import LogView, format_line, pretty

LEVEL_CYCLE = (None, "error", "warn", "info", "debug")


def _escape(text: str) -> str:
    return safe(text, limit=None)


def _m(value: object) -> str:
    """Text from the cluster, Loki or the user inside a markup string: neutralised, and its
    brackets escaped (a filter like ``[3-9]`` or a Loki message must not be read as markup)."""
    return safe(value).replace("[", "\\[")  # Textual's markup: \[ is a bracket, whatever follows it


class _TypingBox(Input):
    """An Input whose keystrokes do not reflow the whole screen.

    Textual's Input sets its virtual size (a layout reactive) to the text's width on every
    change: a layout pass of every widget on the screen per keystroke.  The box's size never
    depends on its text, so the virtual size is set without one (scrolling the text still uses it).
    """

    def _watch_value(self, value: str) -> None:
        self.set_reactive(Input.virtual_size, Size(self.content_width, 1))
        super()._watch_value(value)


class _Rows:
    """The pane's rows over the buffer: every line, or only the filter's matches (by sequence number)."""

    def __init__(self, buffer: LogBuffer) -> None:
        self.buffer = buffer
        self.matches: list[int] | None = None

    def _trim(self) -> None:
        if self.matches and self.matches[0] < self.buffer.first_seq:
            del self.matches[: bisect.bisect_left(self.matches, self.buffer.first_seq)]

    def __len__(self) -> int:
        if self.matches is None:
            return len(self.buffer)
        self._trim()
        return len(self.matches)

    def seq(self, index: int) -> int:
        if self.matches is None:
            return self.buffer.first_seq + index
        return self.matches[index]

    def index_of(self, seq: int) -> int:
        if self.matches is None:
            return seq - self.buffer.first_seq
        return bisect.bisect_left(self.matches, seq)

    def __getitem__(self, index: int) -> tuple[int, int, str]:
        line = self.buffer.line(self.seq(index))
        return line if line is not None else (0, 0, "")


class LogScreen(WorkspaceScreen):
    BINDINGS = [
        Binding("escape", "back", "Back"),
        Binding("slash", "filter", "Filter", key_display="/"),
        Binding("n", "match(1)", "Next match"),
        Binding("N", "match(-1)", "Prev match", show=False),
        Binding("f", "follow", "Follow/pause"),
        Binding("e", "edit_query", "Query"),
        Binding("v", "level", "Level"),
        Binding("p", "previous", "Previous"),
        Binding("o", "other_source", "Loki/pod API"),
        Binding("r", "retry", "Retry", show=False),
        Binding("R", "choose_part", "Reader", show=False),
        Binding("V", "select", "Select"),
        Binding("shift+up", "extend(-1)", "Select up", show=False),
        Binding("shift+down", "extend(1)", "Select down", show=False),
        Binding("t", "toggle('show_time')", "Time"),
        Binding("w", "toggle('wrap')", "Wrap"),
        Binding("m", "only_matches", "Only matches", show=False),
        Binding("M", "metrics", "Metrics"),
        Binding("enter", "detail", "Line"),
        Binding("c", "copy", "Copy"),
        Binding("s", "save", "Save"),
        Binding("up,k", "move(-1)", "Up", show=False),
        Binding("down,j", "move(1)", "Down", show=False),
        Binding("pageup,ctrl+b", "page(-1)", "Page up", show=False),
        Binding("pagedown,ctrl+f,space", "page(1)", "Page down", show=False),
        Binding("home,g", "home", "Oldest", show=False),
        Binding("end,G", "end", "Newest", show=False),
    ]

    DEFAULT_CSS = """
    LogScreen #log-head { height: 2; background: $panel; }
    LogScreen #log-status { height: 1; background: $panel; }
    LogScreen Input { height: 1; border: none; padding: 0 1; display: none; }
    LogScreen Input.open { display: block; }
    LogScreen #log-detail { height: auto; max-height: 50%; display: none; border-top: solid $primary; overflow-y: auto; }
    LogScreen #log-detail.open { display: block; }
    LogScreen #metrics-pane { height: 45%; border-top: solid $primary; }
    """
    initial_tab = "metrics"  # what a MetricsPane asks of its screen: start at once when split in

    def __init__(
        self,
        target: LogTarget,
        kind_key: str = "",
        source: str | None = None,
        previous: bool = False,
        stack: tuple[KindView, dict[str, Any]] | None = None,
        uid: str = "",
    ) -> None:
        super().__init__()
        self.target = target
        self.uid = uid  # the object's key in its store: M charts its metrics beside its logs
        self.stack = stack  # an InferenceStack's view and record: R picks another part
        self.kind_key = kind_key
        self.want_source = source
        self.previous = previous
        self.session: Any = None
        self.provider: Any = None
        self.logql: str | None = None
        self.level: str | None = None
        self.filter_text = ""
        self.filter_re: re.Pattern[str] | None = None
        self.filter: LogFilter | None = None
        self.rows: _Rows | None = None
        self.new_while_paused = 0
        self.note = ""
        self.loading_older = False
        self.anchor: int | None = None  # the selection's first line (sequence number); None: no selection
        self._cursor_seq: int | None = None  # its other end (the cursor's line), as last seen
        self._shown = ["", ""]  # head and status as last drawn
        self._head_at = 0.0  # when head and status were last drawn (monotonic)
        self._head_due = False  # a draw is scheduled (deliveries draw them at most every HEAD_EVERY)

    # ------------------------------------------------------------------ layout
    def compose(self) -> ComposeResult:
        yield Static("", id="log-head")
        yield Input(placeholder="LogQL query (Enter applies, Esc cancels)", id="log-query")
        yield _TypingBox(placeholder="filter as you type (regex; Enter keeps it, Esc clears)", id="log-filter")
        yield LogView(escape=_escape, id="log-view")
        yield Static("", id="log-detail")
        yield Static("", id="log-status")
        yield KeyFooter()  # rebuilt only when its keys change (the pane's mount changed focus and stack: five rebuilds)

    @property
    def view(self) -> LogView:
        return self.query_one(LogView)

    def on_mount(self) -> None:
        self.view.focus()
        self.run_worker(self.open, group="logs-open", exclusive=True, exit_on_error=False)
        self.set_interval(1.0, self._tick)

    def _tick(self) -> None:
        self._draw_head()

    async def on_unmount(self) -> None:
        await self._close_session()

    async def _close_session(self) -> None:
        session, self.session = self.session, None
        if session is not None:
            try:
                await session.close()
            except Exception:  # noqa: BLE001 - closing must not break leaving the screen
                pass

    # ------------------------------------------------------------------ which source
    def providers(self) -> list[Any]:
        found = [s for s in self.workspace.sources.values() if getattr(s, "provides_logs", False)]
        return sorted(found, key=lambda s: -getattr(s, "log_priority", 0))

    def choose(self) -> tuple[Any, str]:
        providers = self.providers()
        if self.previous:  # previous instances are the pod log API's
            providers = [p for p in providers if p.name == "podlogs"] or providers
        if self.want_source:
            chosen = [p for p in providers if p.name == self.want_source]
            if chosen:
                return chosen[0], ""
        notes = []
        for provider in providers:
            ready, why = provider.log_state()
            if ready:
                return provider, "; ".join(notes)
            notes.append(why)
        return (providers[-1] if providers else None), "; ".join(notes)

    async def open(self) -> None:
        await self._close_session()
        provider, note = self.choose()
        self.provider = provider
        self.note = (
            f"{note} — reading the pod log API instead (o switches)"
            if note and provider is not None and provider.name == "podlogs"
            else note
        )
        if provider is None:
            self.note = "no log source: not connected to a cluster"
            self._draw_head()
            return
        if self.logql is None:
            self.logql = provider.default_query(self.target) or ""
        request = LogRequest(self.target, query=self.logql or None, level=self.level, previous=self.previous)
        try:
            self.session = await provider.open_logs(self.workspace, request)
        except SourceError as exc:
            self.note = exc.summary()
            self._draw_head()
            return
        # A stream allocates tens of thousands of objects a second: move what is alive now (the
        # app, its modules and stores) out of the cyclic GC's way, as the app does when a big list
        # lands, so full collections during a flood do not stall keys (measured: 30+ ms CPU each).
        gc.freeze()
        self.rows = _Rows(self.session.buffer)
        self.anchor = None  # a selection was of the previous stream's lines
        self._apply_filter(self.filter_text, keep_position=False)
        self.view.set_rows(self.rows, self._origin_names())
        self._draw_head()

    def _origin_names(self) -> list[str]:
        if self.session is None:
            return []
        origins = self.session.buffer.origins
        pods = sorted({o.pod for o in origins if o.pod})
        containers = {o.container for o in origins}
        if len(pods) <= 1:  # one pod: the container tells the streams apart
            return [o.container or o.name for o in origins]
        # Several pods (as stern): the part of the name that differs, with the container if several.
        prefix = os.path.commonprefix(pods)
        prefix = prefix[: prefix.rfind("-") + 1] if "-" in prefix else ""
        return [
            (o.pod[len(prefix) :] or o.pod) + (f"/{o.container}" if len(containers) > 1 else "") if o.pod else o.name
            for o in origins
        ]

    # ------------------------------------------------------------------ deliveries
    def on_stores_changed(self, event: Any) -> None:
        for pane in self.query("#metrics-pane"):  # the split's charts (M)
            pane.workspace_changed(event.changes)  # type: ignore[attr-defined]
        session = self.session
        if session is None:
            return
        change = event.changes.get(session.buffer.key)
        if not isinstance(change, LogChanges):
            return
        view, rows = self.view, self.rows
        assert rows is not None
        if change.appended and rows.matches is not None and self.filter is not None:
            buffer = session.buffer  # new lines are matched as they arrive
            self.filter.appended(buffer.end_seq - change.appended, buffer.end_seq)
        if change.prepended:
            if rows.matches is None:
                view.shifted(change.prepended)
            else:
                self._apply_filter(self.filter_text, keep_position=True)
        if change.appended and not view.follow:
            self.new_while_paused += change.appended
        if change.dropped and not view.follow:
            view.cursor = max(0, view.cursor - change.dropped) if rows.matches is None else view.cursor
            view.top = max(0, view.top - change.dropped) if rows.matches is None else view.top
        view.set_origin_names(self._origin_names())
        self._sync_selection()
        view.refresh_rows()
        self._draw_head_soon()

    # ------------------------------------------------------------------ header and status
    HEAD_EVERY = 0.2  # seconds between status draws for deliveries (keys draw at once)

    def _draw_head_soon(self) -> None:
        """The status after a delivery: at once, or at most every ``HEAD_EVERY`` during a flood
        (its counts change every frame, and a status line's markup costs a millisecond or more)."""
        wait = self._head_at + self.HEAD_EVERY - time.monotonic()
        if wait <= 0:
            self._draw_head()
        elif not self._head_due:
            self._head_due = True
            self.set_timer(wait, self._draw_head, name="log-status")

    def _draw_head(self) -> None:
        self._head_at, self._head_due = time.monotonic(), False
        try:
            head = self.query_one("#log-head", Static)
            status = self.query_one("#log-status", Static)
        except Exception:  # noqa: BLE001 - not composed yet
            return
        session = self.session
        facts = session.buffer.facts if session is not None else {}
        where = facts.get("source", "—")
        if facts.get("endpoint"):
            where += f" {facts['endpoint']}"
        part = "  [dim](R: another part)[/dim]" if self.stack is not None else ""
        line1 = f"[b]Logs[/b] {_m(self.target.title)}{part}  [dim]from[/dim] {_m(where)}"
        if self.previous:
            line1 += "  [b yellow]previous instance[/b yellow]"
        query = facts.get("query", self.logql or "")
        line2 = f"[dim]query[/dim] {_m(query)}" + (f"  [dim]level ≥[/dim] {self.level}" if self.level else "")
        text = line1 + "\n" + line2
        if text != self._shown[0]:  # fixed heights: no layout pass (it costs a whole-screen reflow)
            self._shown[0] = text
            head.update(text, layout=False)
        parts: list[str] = []
        if session is not None:
            buffer = session.buffer
            state = buffer.status
            mode = facts.get("mode", "")
            if state.state in (KindState.ERROR, KindState.RECONNECTING) and hasattr(session, "retry"):
                parts.append("[b]r[/b] retry now · [b]o[/b] read the pod log API")  # first: a long reason is cut
            if state.state is KindState.ERROR:
                parts.append(f"[b red]{_m(state.reason)}[/b red]")
            elif state.state is KindState.RECONNECTING:
                parts.append(f"[yellow]{_m(state.reason)}[/yellow]")
            elif state.state is KindState.LOADING:
                parts.append(_m(state.reason) or "loading…")
            else:
                parts.append(f"[green]{_m(mode)}[/green]" if mode else "live")
            parts.append(f"{len(buffer):,} lines")
            if buffer.dropped:
                parts.append(f"[yellow]{buffer.dropped:,} oldest dropped (buffer {buffer.capacity:,})[/yellow]")
            if buffer.server_dropped:
                parts.append(f"[red]Loki dropped {buffer.server_dropped:,}[/red]")
            if facts.get("pods"):
                parts.append(f"pods: {_m(facts['pods'])}")
            if facts.get("gone"):
                parts.append(f"[yellow]gone: {_m(facts['gone'])}[/yellow]")
            if facts.get("tail refused"):
                parts.append(f"[dim]{_m(facts['tail refused'])}[/dim]")
            if facts.get("note") and not len(buffer):
                parts.append(_m(facts["note"]))
            other = [_m(v) for k, v in facts.items() if "/" in k]
            parts.extend(f"[yellow]{v}[/yellow]" for v in other[:2])
        if self.note:
            parts.append(f"[yellow]{_m(self.note)}[/yellow]")
            if self.session is None and self.provider is not None:
                parts.append("[b]r[/b] retry")
        view = self.view
        selected = self._selection()
        if selected is not None:
            count = selected[1] - selected[0] + 1
            text = f"[b]{count:,} line{'s' if count != 1 else ''} selected[/b] (s saves · c copies · Esc clears)"
            parts.insert(0, text)  # first: the status line is cut at the screen's width
        if self.rows is not None and len(self.rows):
            parts.append(f"line {view.cursor + 1:,}/{len(self.rows):,}")
        if self.filter_re is not None and self.rows is not None:
            scanning = self.filter is not None and not self.filter.done and self.rows.matches is not None
            parts.append(
                f"/{_m(self.filter_text)}: {len(self.rows) if self.rows.matches is not None else '…'} matches"
                + (" (scanning older lines…)" if scanning else "")
            )
        if not view.follow:
            parts.append(f"[b]PAUSED[/b] +{self.new_while_paused:,} new (f follows)")
        text = "  ·  ".join(parts)
        if text != self._shown[1]:
            self._shown[1] = text
            status.update(text, layout=False)

    # ------------------------------------------------------------------ filter
    def _apply_filter(self, text: str, keep_position: bool = True) -> None:
        """Show the lines matching ``text``: the newest at once, older ones over the next frames
        (:class:`LogFilter`); a text that extends the last literal filter narrows its matches."""
        rows = self.rows
        if rows is None:
            self.filter_text = text
            return
        view = self.view
        current_seq = rows.seq(view.cursor) if keep_position and len(rows) else None
        if current_seq is None and keep_position and self.anchor is not None:
            current_seq = self._cursor_seq  # a selection's end, kept through a filter matching nothing
        previous = self.filter if rows.matches is not None else None
        if text:
            self.filter = LogFilter(rows.buffer, text, previous)
            rows.matches = self.filter.matches
            self._scan(budget=0.004, enough=max(1, view.size.height))
        else:
            self.filter = None
            rows.matches = None
        self.filter_text = text
        self.filter_re = self.filter.pattern if self.filter is not None else None
        view.highlight = self.filter_re
        if current_seq is not None and not view.follow:
            view.cursor = min(rows.index_of(current_seq), max(0, len(rows) - 1))
        self._sync_selection()  # the selected lines where the rows shown now have them
        view.refresh_rows()
        self._draw_head()

    def _scan(self, budget: float, enough: int | None = None) -> int:
        """Scan older lines for the filter for about ``budget`` seconds (or until it has ``enough``
        matches: a keystroke needs a screenful of the newest); the rest on later frames."""
        filt = self.filter
        if filt is None:
            return 0
        deadline = time.perf_counter() + budget
        lines = 4_000 if enough is None else 1_000  # a keystroke: small steps, stopped by a screenful
        added = filt.step(lines)
        while not filt.done and time.perf_counter() < deadline and (enough is None or len(filt.matches) < enough):
            added += filt.step(lines)
        if not filt.done:  # a short pause lets keys and the screen in between steps
            self.set_timer(0.005, lambda: self._scan_more(filt), name="log-filter-scan")
        return added

    def _scan_more(self, filt: LogFilter) -> None:
        if filt is not self.filter or self.rows is None or self.rows.matches is not filt.matches:
            return  # the filter changed meanwhile
        added = self._scan(budget=0.008)
        view = self.view
        if added and not view.follow:
            view.shifted(added)  # older matches went in before the ones on screen
        view.refresh_rows()
        self._draw_head()

    def action_filter(self) -> None:
        box = self.query_one("#log-filter", Input)
        box.add_class("open")
        box.value = self.filter_text
        box.focus()

    def on_input_changed(self, event: Input.Changed) -> None:
        if event.input.id == "log-filter":
            self._apply_filter(event.value)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.input.remove_class("open")
        if event.input.id == "log-query":
            self.logql = event.value.strip()
            self.run_worker(self.open, group="logs-open", exclusive=True, exit_on_error=False)
        self.view.focus()

    def action_match(self, step: int) -> None:
        """n/N: the next/previous line matching the filter (all lines shown: `m`)."""
        rows, view = self.rows, self.view
        if rows is None or self.filter_re is None:
            self.notify("no filter: / to type one")
            return
        if rows.matches is not None:
            view.move(step)
            return
        search = self.filter.search if self.filter is not None else self.filter_re.search
        index = view.cursor + step
        while 0 <= index < len(rows):
            if search(rows[index][2]):
                view.go(index)
                return
            index += step
        self.notify("no more matches")

    def action_only_matches(self) -> None:
        """m: with a filter, show every line (matches highlighted, n/N jump) or only the matches."""
        rows = self.rows
        if rows is None or self.filter_re is None:
            return
        if rows.matches is None:
            self._apply_filter(self.filter_text, keep_position=True)
        else:
            seq = rows.seq(self.view.cursor) if len(rows) else None
            rows.matches = None
            if seq is not None:
                self.view.cursor = rows.index_of(seq)
            self._sync_selection()
            self.view.refresh_rows()
        self._draw_head()

    # ------------------------------------------------------------------ moving
    def action_move(self, delta: int) -> None:
        self.view.move(delta)
        self._after_move()

    def action_page(self, direction: int) -> None:
        self.view.move(direction * self.view.page)
        self._after_move()

    def action_home(self) -> None:
        self.view.go(0)
        self._after_move()

    def action_end(self) -> None:
        self.new_while_paused = 0
        self.view.set_follow(True)
        self._draw_head()

    def action_follow(self) -> None:
        view = self.view
        if view.follow:
            view.follow = False
            self.new_while_paused = 0
        else:
            self.new_while_paused = 0
            view.set_follow(True)
        self._draw_head()

    def on_log_view_moved(self, event: LogView.Moved) -> None:
        self._after_move(event.at_top)

    def _after_move(self, at_top: bool | None = None) -> None:
        view = self.view
        self._sync_selection()
        if view.follow:
            self.new_while_paused = 0
        if (at_top if at_top is not None else view.cursor == 0) and self.session is not None and not self.loading_older:
            self.loading_older = True
            self.run_worker(self._older(), group="logs-older", exit_on_error=False)
        self._draw_head()

    async def _older(self) -> None:
        try:
            added = await self.session.older(0)
            if not added:
                self.notify(
                    "no older lines"
                    + (" (the buffer is full)" if len(self.session.buffer) >= self.session.buffer.capacity else ""),
                    timeout=2,
                )
        finally:
            self.loading_older = False

    # ------------------------------------------------------------------ selection
    def _selection(self) -> tuple[int, int] | None:
        """The selected rows (first, last; indices into the rows shown), or None."""
        rows = self.rows
        if self.anchor is None or rows is None or not len(rows):
            return None
        anchor = min(max(0, rows.index_of(max(self.anchor, rows.buffer.first_seq))), len(rows) - 1)
        cursor = self.view.cursor
        return (anchor, cursor) if anchor <= cursor else (cursor, anchor)

    def _sync_selection(self) -> None:
        view = self.view
        if self.anchor is not None and self.rows is not None and len(self.rows):
            self._cursor_seq = self.rows.seq(view.cursor)
        selection = self._selection()
        if selection != view.selection:
            view.selection = selection
            view.refresh()

    def action_select(self) -> None:
        """V: start a selection at the cursor's line (move to extend it); V again or Esc ends it."""
        rows = self.rows
        if self.anchor is not None:
            self.anchor = None
        elif rows is not None and len(rows):
            self.anchor = rows.seq(self.view.cursor)
            self.view.follow = False
        self._sync_selection()
        self._draw_head()

    def action_extend(self, delta: int) -> None:
        """shift+↑/↓: select from the cursor's line (starting a selection if there is none)."""
        rows = self.rows
        if rows is None or not len(rows):
            return
        if self.anchor is None:
            self.anchor = rows.seq(self.view.cursor)
        self.view.move(delta)
        self.view.follow = False
        self._after_move()

    def _chosen_rows(self) -> tuple[range, str]:
        """The rows `s` and `c` take: the selection, else every row shown; and what to call them."""
        rows = self.rows
        assert rows is not None
        selection = self._selection()
        if selection is not None:
            return range(selection[0], selection[1] + 1), "selected"
        return range(len(rows)), "matching" if rows.matches is not None else "shown"

    # ------------------------------------------------------------------ toggles and actions
    def action_toggle(self, name: str) -> None:
        view = self.view
        setattr(view, name, not getattr(view, name))
        view.refresh_rows()

    def action_level(self) -> None:
        self.level = LEVEL_CYCLE[(LEVEL_CYCLE.index(self.level) + 1) % len(LEVEL_CYCLE)]
        self.notify(f"level: {self.level or 'all'} (filtered {'by Loki' if self._is_loki() else 'here'})", timeout=2)
        self.run_worker(self.open, group="logs-open", exclusive=True, exit_on_error=False)

    def _is_loki(self) -> bool:
        return self.provider is not None and self.provider.name == "loki"

    def action_edit_query(self) -> None:
        box = self.query_one("#log-query", Input)
        box.placeholder = (
            "LogQL query (Enter applies, Esc cancels)"
            if self._is_loki()
            else 'line filters: |= "text"  != "text"  |~ "regex"  (Enter applies)'
        )
        box.add_class("open")
        box.value = self.logql or ""
        box.focus()

    def action_previous(self) -> None:
        self.app.push_screen(LogScreen(self.target, self.kind_key, "podlogs", previous=not self.previous, uid=self.uid))

    def action_other_source(self) -> None:
        others = [p for p in self.providers() if self.provider is None or p.name != self.provider.name]
        if not others:
            self.notify("no other log source (Loki is not configured for this context)", severity="warning")
            return
        self.want_source = others[0].name
        self.logql = None
        self.run_worker(self.open, group="logs-open", exclusive=True, exit_on_error=False)

    def action_retry(self) -> None:
        """r: when Loki fails, try again now (no wait for the back-off); reopen a pane that could not open."""
        retry = getattr(self.session, "retry", None)
        if retry is not None:
            self.notify(retry(), timeout=2)
            self._draw_head()
        elif self.session is None:
            self.run_worker(self.open, group="logs-open", exclusive=True, exit_on_error=False)
        else:
            self.notify("nothing to retry: the pod log API reconnects by itself", timeout=2)

    def action_metrics(self) -> None:
        """M: the object's metrics (the detail view's Metrics tab) under its logs; M again closes them."""
        from inference_console.ui.metrics_tab import KINDS, MetricsPane

        panes = self.query("#metrics-pane")
        if panes:
            panes.remove()
            self.view.focus()
            return
        if not self.uid or self.kind_key not in KINDS:
            self.notify("no metrics for this object's kind", timeout=2)
            return
        self.mount(MetricsPane(self), after=self.view)
        self.call_after_refresh(self.view.focus)  # the keys stay the log pane's (Tab reaches the charts)

    def action_choose_part(self) -> None:
        """R (an InferenceStack): the logs of another part: every pod, the gateway or one reader."""
        if self.stack is None:
            self.notify("R chooses a reader of an InferenceStack", timeout=2)
            return
        view, record = self.stack

        def chosen(part: Part | None) -> None:
            if part is None:
                return
            self.target = _target(self, view, record, part)
            self.logql = None
            self.anchor = None
            self.run_worker(self.open, group="logs-open", exclusive=True, exit_on_error=False)

        choose_part(self.app, record, chosen)

    def _selected(self) -> tuple[int, int, str] | None:
        rows = self.rows
        if rows is None or not len(rows):
            return None
        return rows[self.view.cursor]

    def action_detail(self) -> None:
        detail = self.query_one("#log-detail", Static)
        if detail.has_class("open"):
            detail.remove_class("open")
            return
        line = self._selected()
        if line is None:
            return
        text = line[2]
        shown = pretty(text)
        body = safe_multiline(shown) if shown is not None else _escape(text)
        from rich.text import Text

        detail.update(Text(f"{len(text):,} characters{' — JSON' if shown else ''}\n{body}"))
        detail.add_class("open")

    def _origin(self, index: int) -> str:
        buffer = self.session.buffer
        return buffer.origin(index).name if 0 <= index < len(buffer.origins) else "-"

    def action_copy(self) -> None:
        """c: the selected lines (else the cursor's line) to the terminal's clipboard with OSC 52
        (works over SSH); the lines' text as it came, one per line."""
        from inference_console.ui.clipboard import copy_text

        rows = self.rows
        if self._selection() is not None and rows is not None:
            chosen, _ = self._chosen_rows()
            copy_text(self, "\n".join(rows[i][2] for i in chosen), f"{len(chosen):,} selected lines")
            return
        line = self._selected()
        if line is None:
            return
        copy_text(self, line[2])

    def action_save(self) -> None:
        """s: the selected lines, else every line shown (the filter's matches, or all), to a file
        in the current folder."""
        rows = self.rows
        if rows is None or not len(rows):
            return
        chosen, what = self._chosen_rows()
        name = re.sub(r"[^A-Za-z0-9_.-]+", "_", f"{self.target.namespace}_{self.target.name}")
        path = Path(os.getcwd()) / f"logs-{name}-{time.strftime('%Y%m%d-%H%M%S')}.log"
        try:
            with open(path, "w", encoding="utf-8", errors="replace") as fh:
                for index in chosen:
                    ts, origin, text = rows[index]
                    fh.write(format_line(ts, self._origin(origin), text) + "\n")
        except OSError as exc:
            self.notify(f"cannot save: {exc}", severity="error")
            return
        self.notify(f"saved {len(chosen):,} {what} lines to {path}", timeout=4)

    def action_back(self) -> None:
        for box_id in ("#log-filter", "#log-query"):
            box = self.query_one(box_id, Input)
            if box.has_class("open"):
                box.remove_class("open")
                if box_id == "#log-filter" and box.has_focus:
                    self._apply_filter("")
                self.view.focus()
                return
        detail = self.query_one("#log-detail", Static)
        if detail.has_class("open"):
            detail.remove_class("open")
            return
        if self.anchor is not None:
            self.anchor = None
            self._sync_selection()
            self._draw_head()
            return
        if self.filter_text:
            self._apply_filter("", keep_position=True)
            return
        self.app.pop_screen()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        focused = self.focused
        if isinstance(focused, Input) and action not in ("back",):
            return False
        return True


# ---------------------------------------------------------------------------- `l` and `:loki`
def _target(screen: Any, view: KindView, record: dict[str, Any], part: Part | None = None) -> LogTarget:
    store = screen.workspace.store("pods")
    pods = list(store.values()) if store is not None else []
    return log_target(view, record, pods, part)


def choose_part(app: Any, record: dict[str, Any], then: Any) -> None:
    """Ask which part of an InferenceStack: all pods, the gateway, or one reader."""
    parts = stack_parts(record)
    body = "\n".join(f"  {p.key}  {p.label}" for p in parts)
    by_key = {p.key: p for p in parts}
    title = f"Logs of InferenceStack {record.get('metadata', {}).get('name', '')}: which pods?"
    app.push_screen(
        ChoiceScreen(title, body, [Choice(p.key, p.label.split(" (")[0]) for p in parts]),
        lambda key: then(by_key.get(key) if key else None),
    )


def open_logs(screen: Any, view: KindView, key: str, record: dict[str, Any]) -> None:
    if view.key == STACK:  # which part first: the gateway, one reader, or all of them

        def chosen(part: Part | None) -> None:
            if part is not None:
                target = _target(screen, view, record, part)
                screen.app.push_screen(LogScreen(target, view.key, stack=(view, record), uid=_uid(record)))

        choose_part(screen.app, record, chosen)
        return
    screen.app.push_screen(LogScreen(_target(screen, view, record), view.key, uid=_uid(record)))


def _uid(record: dict[str, Any]) -> str:
    md = record.get("metadata") if isinstance(record, dict) else None
    return str(md.get("uid") or "") if isinstance(md, dict) else ""


class LokiInfoScreen(ModalScreen[None]):
    """`:loki`: the endpoint in use, how it was found, /ready, the labels; `r` checks again."""

    BINDINGS = [Binding("escape,q", "app.pop_screen", "Close"), Binding("r", "recheck", "Check again")]
    DEFAULT_CSS = """
    LokiInfoScreen { align: center middle; }
    LokiInfoScreen > Static { width: 90%; max-width: 110; height: auto; border: round $primary; padding: 1 2; background: $surface; }
    """

    def compose(self) -> ComposeResult:
        yield Static("", id="loki-info")

    def on_mount(self) -> None:
        self.draw()
        self.action_recheck()

    def _source(self) -> Any:
        return self.app.workspace.sources.get("loki")  # type: ignore[attr-defined]

    def draw(self, checking: bool = False) -> None:
        source = self._source()
        if source is None:
            text = (
                "[b]Loki[/b]\n\nNo Loki for this context: the config file's [b]loki[/b] table has no url.\n"
                "Log panes (l) read the Kubernetes pod log API.\n\n"
                "Set one per context, for example:\n"
                '  [contexts.prod]\n  loki = { url = "https://loki.example", tenant = "team-a", token_env = "LOKI_TOKEN" }'
            )
        else:
            facts = source.facts()
            lines = [f"[b]Loki[/b]{'  (checking…)' if checking else ''}", ""]
            lines += [f"{k:>16}  {_m(v)}" for k, v in facts.items()]
            text = "\n".join(lines)
        self.query_one("#loki-info", Static).update(text + "\n\n[dim]r check again · Esc close[/dim]")

    def action_recheck(self) -> None:
        source = self._source()
        if source is None:
            return
        self.draw(checking=True)

        async def check() -> None:
            await source.check()
            self.draw()

        self.run_worker(check(), exclusive=True, exit_on_error=False)


def open_loki_info(app: Any, arg: str) -> None:
    app.push_screen(LokiInfoScreen())
