"""Review a mutation before it is sent: the exact request, diff, checks, server dry run.

The screen sends nothing: it shows the dry run the flow passes in (a callable) and
dismisses with the person's :class:`Decision`; the flow sends the request.
"""

from __future__ import annotations

import enum
from typing import Awaitable, Callable

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

DryRun = Callable[[], Awaitable[ActionResult]]


class Decision(enum.Enum):
    APPLY = "apply"  # y: send it
    CANCEL = "cancel"  # Esc / n
    STALE = "stale"  # the dry run met a newer version of the object (409): the flow shows what changed


class ReviewScreen(ModalScreen[Decision]):
    """Dismisses with the person's decision; ``dry_run`` (from the flow) is run and shown first."""

    BINDINGS = [
        Binding("y", "confirm", "Apply"),
        Binding("escape,n", "cancel", "Cancel"),
    ]

    def __init__(
        self,
        mutation: Mutation,
        *,
        title: str = "",
        diff: str = "",
        problems: list[Cause] | tuple = (),
        dry_run: DryRun | None = None,
    ) -> None:
        super().__init__()
        self.mutation = mutation
        self.title_text = title or mutation.summary or mutation.ref.describe()
        self.diff = diff
        self.problems = list(problems)
        self.run_dry = dry_run
        self.can_apply = not self.problems
        self.dry_result: ActionResult | None = None
        self.decision: Decision | None = None

    def compose(self) -> ComposeResult:
        with Vertical(id="review"):
            yield Static(Text(safe(self.title_text, 200), style="bold"), id="review-title")
            yield Static("", id="review-dryrun")
            with VerticalScroll(id="review-body"):
                if self.problems:
                    yield Static(self._problems_text(), id="review-problems")
                if self.diff:
                    yield Static(
                        Syntax(safe_multiline(self.diff), "diff", theme="ansi_dark", word_wrap=True), id="review-diff"
                    )
                yield Static(
                    Syntax(safe_multiline(self.mutation.preview()), "json", theme="ansi_dark", word_wrap=True),
                    id="review-request",
                )
            yield Static("", id="review-help")

    def on_mount(self) -> None:
        self._update_help()
        if self.problems:
            self.query_one("#review-dryrun", Static).update(
                Text("Not sent: fix the problems above first.", style="bold red")
            )
        elif self.run_dry is not None:
            self.query_one("#review-dryrun", Static).update("server-side dry run…")
            self.can_apply = False
            self._dry_run(self.run_dry)

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
    async def _dry_run(self, run_dry: DryRun) -> None:
        widget = self.query_one("#review-dryrun", Static)
        try:
            result = await run_dry()
        except Exception as exc:  # noqa: BLE001 - say it here rather than lose it in a worker
            widget.update(Text(f"✗ the dry run failed: {safe(f'{type(exc).__name__}: {exc}', 400)}", style="bold red"))
            return
        self.dry_result = result
        if not result.ok and result.error.kind is ErrorKind.CONFLICT:
            # The object changed since it was read: the flow shows what changed.
            self._decide(Decision.STALE)
            return
        if result.ok:
            text = Text("✓ server-side dry run accepted the change", style="bold green")
            self.can_apply = True
        else:
            if result.error.kind is ErrorKind.READONLY:
                text = Text("✗ read-only mode: nothing was sent\n", style="bold red")
            else:
                text = Text("✗ server-side dry run refused it:\n", style="bold red")
            text.append(safe_multiline(result.error.render(), 4000))
            self.can_apply = False
        for warning in result.warnings:
            text.append(f"\n⚠ warning: {safe(warning, 400)}", style="yellow")
        widget.update(text)
        self._update_help()

    def _decide(self, decision: Decision) -> None:
        if self.decision is None:  # a second key press while the screen closes does nothing
            self.decision = decision
            self.dismiss(decision)

    def action_confirm(self) -> None:
        if self.can_apply:
            self._decide(Decision.APPLY)

    def action_cancel(self) -> None:
        self._decide(Decision.CANCEL)
