"""Review a mutation before it is sent: the exact request, diff, checks, server dry run."""

from __future__ import annotations

import dataclasses

from rich.syntax import Syntax
from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from inference_console.actions.types import ActionResult, Cause, ErrorKind, Mutation
from inference_console.safe_text import safe, safe_multiline


class ReviewScreen(ModalScreen[ActionResult | None]):
    """Dismisses with the ActionResult of the real request, or None when cancelled."""

    BINDINGS = [
        Binding("y", "confirm", "Apply"),
        Binding("escape,n", "cancel", "Cancel"),
    ]

    def __init__(self, mutation: Mutation, *, title: str = "", diff: str = "", problems: list[Cause] | tuple = (),
                 dry_run: bool = True) -> None:
        super().__init__()
        self.mutation = mutation
        self.title_text = title or mutation.summary or mutation.ref.describe()
        self.diff = diff
        self.problems = list(problems)
        self.dry_run_first = dry_run
        self.can_apply = not self.problems
        self.dry_result: ActionResult | None = None
        self.sending = False

    def compose(self) -> ComposeResult:
        with Vertical(id="review"):
            yield Static(Text(safe(self.title_text, 200), style="bold"), id="review-title")
            yield Static("", id="review-dryrun")
            with VerticalScroll(id="review-body"):
                if self.problems:
                    yield Static(self._problems_text(), id="review-problems")
                if self.diff:
                    yield Static(Syntax(safe_multiline(self.diff), "diff", theme="ansi_dark", word_wrap=True), id="review-diff")
                yield Static(Syntax(safe_multiline(self.mutation.preview()), "json", theme="ansi_dark", word_wrap=True),
                             id="review-request")
            yield Static("", id="review-help")

    def on_mount(self) -> None:
        self._update_help()
        if self.problems:
            self.query_one("#review-dryrun", Static).update(Text("Not sent: fix the problems above first.", style="bold red"))
        elif self.dry_run_first:
            self.query_one("#review-dryrun", Static).update("server-side dry run…")
            self.can_apply = False
            self._dry_run()

    def _problems_text(self) -> Text:
        text = Text("Problems found before sending:\n", style="bold red")
        for cause in self.problems:
            text.append(f"  • {safe(cause.field or '(object)', 200)}: ", style="bold")
            text.append(safe(cause.message, 400) + "\n")
        return text

    def _update_help(self) -> None:
        keys = "[b]y[/b] apply   [b]Esc[/b]/[b]n[/b] cancel" if self.can_apply else "[b]Esc[/b] back"
        self.query_one("#review-help", Static).update(keys)

    @work(exclusive=True, group="review", exit_on_error=False)
    async def _dry_run(self) -> None:
        result = await self.app.actions.run(dataclasses.replace(self.mutation, dry_run=True))
        self.dry_result = result
        if not result.ok and result.error.kind is ErrorKind.CONFLICT:
            # The object changed since it was read: the caller shows the three-way view.
            self.dismiss(result)
            return
        widget = self.query_one("#review-dryrun", Static)
        if result.ok:
            text = Text("✓ server-side dry run accepted the change", style="bold green")
            self.can_apply = True
        else:
            text = Text("✗ server-side dry run refused it:\n", style="bold red")
            text.append(safe_multiline(result.error.render(), 4000))
            self.can_apply = False
        for warning in result.warnings:
            text.append(f"\n⚠ warning: {safe(warning, 400)}", style="yellow")
        widget.update(text)
        self._update_help()

    @work(exclusive=True, group="review", exit_on_error=False)
    async def action_confirm(self) -> None:
        if not self.can_apply or self.sending:
            return
        self.sending = True
        self.query_one("#review-dryrun", Static).update("sending…")
        result = await self.app.actions.run(dataclasses.replace(self.mutation, dry_run=False))
        self.dismiss(result)

    def action_cancel(self) -> None:
        if not self.sending:
            self.dismiss(None)
