"""A three-way view of a conflicting edit: the base you edited, your edit, the server's new version."""

from __future__ import annotations

from rich.syntax import Syntax
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import Static

from inference_console.safe_text import safe, safe_multiline
from inference_console.widgets.key_footer import KeyFooter
from inference_console.widgets.yaml_view import YamlView


class ConflictScreen(Screen[str | None]):
    """Dismisses with "rebase" (re-apply your changes on the new version), "keep" or None."""

    BINDINGS = [
        Binding("r", "choose('rebase')", "Re-apply my changes on the new version"),
        Binding("k", "choose('keep')", "Keep my edit for later"),
        Binding("escape", "choose('keep')", "Back (edit kept)"),
    ]

    def __init__(
        self, title: str, base: str, yours: str, theirs: str, conflicts: list[str], your_diff: str, their_diff: str
    ) -> None:
        super().__init__()
        self._title = title
        self._texts = (base, yours, theirs)
        self._conflicts = conflicts
        self._diffs = (your_diff, their_diff)

    def compose(self) -> ComposeResult:
        head = Text(
            f" conflict: {safe(self._title, 200)} changed on the server while you edited ", style="bold reverse"
        )
        yield Static(head, id="conflict-title")
        summary = Text()
        if self._conflicts:
            summary.append("Both you and the server changed: ", style="bold red")
            summary.append(", ".join(safe(c, 120) for c in self._conflicts[:20]))
            summary.append("\nRe-applying keeps your values for those fields; review the result before it is sent.")
        else:
            summary.append("No field was changed on both sides: your changes can be re-applied cleanly.", style="green")
        yield Static(summary, id="conflict-summary")
        with Horizontal(id="conflict-panes"):
            for label, text in zip(("base (what you edited)", "your edit", "server now"), self._texts):
                with Vertical(classes="conflict-pane"):
                    yield Static(Text(label, style="bold"))
                    view = YamlView()
                    view.set_text(safe_multiline(text))
                    yield view
        with Horizontal(id="conflict-diffs"):
            for label, diff in zip(("your changes", "server's changes"), self._diffs):
                with Vertical(classes="conflict-pane"):
                    yield Static(Text(label, style="bold"))
                    yield Static(Syntax(safe_multiline(diff) or "(none)", "diff", theme="ansi_dark"))
        yield KeyFooter()

    def action_choose(self, choice: str) -> None:
        self.dismiss(choice)
