"""The built-in YAML editor (used when neither $VISUAL nor $EDITOR is set)."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import Static, TextArea

from inference_console.safe_text import safe, safe_multiline
from inference_console.widgets.key_footer import KeyFooter


class YamlArea(TextArea):
    """A TextArea whose Enter keeps the line's indentation (one level more after a `key:`)."""

    async def _on_key(self, event) -> None:
        if event.key == "enter" and not self.read_only:
            row, column = self.cursor_location
            line = self.document.get_line(row)[:column]
            indent = line[: len(line) - len(line.lstrip(" "))]
            stripped = line.rstrip()
            if stripped.endswith(":") or stripped.endswith("|") or stripped.endswith(">"):
                indent += "  "
            elif stripped.lstrip().startswith("- ") and stripped.lstrip() != "-":
                indent += "  "  # the next key of the same list item
            event.stop()
            event.prevent_default()
            self.insert("\n" + indent)
            return
        await super()._on_key(event)


class EditorScreen(Screen[str | None]):
    """Dismisses with the edited text (ctrl+s) or None (Esc: cancel; the caller keeps the text)."""

    BINDINGS = [
        Binding("ctrl+s", "save", "Save & review", priority=True),
        Binding("escape", "cancel", "Cancel", priority=True),
    ]

    def __init__(
        self, title: str, text: str, error: str = "", error_line: int | None = None, error_column: int | None = None
    ) -> None:
        super().__init__()
        self._title = title
        self._text = text
        self._error = error
        self._error_at = (error_line, error_column)
        self.latest = text  # kept up to date so an interrupted edit can be saved

    def on_text_area_changed(self, event: TextArea.Changed) -> None:
        self.latest = event.text_area.text

    def compose(self) -> ComposeResult:
        yield Static(Text(f" edit {safe(self._title, 200)} ", style="bold reverse"), id="editor-title")
        yield Static(
            Text(safe_multiline(self._error, 2000), style="bold red") if self._error else "", id="editor-error"
        )
        yield YamlArea.code_editor(
            self._text, language="yaml", id="editor-text", soft_wrap=False, tab_behavior="indent"
        )
        yield KeyFooter()

    def on_mount(self) -> None:
        area = self.query_one("#editor-text", TextArea)
        area.focus()
        self.query_one("#editor-error").display = bool(self._error)
        line, column = self._error_at
        if line:
            area.move_cursor((max(0, line - 1), max(0, (column or 1) - 1)))

    def action_save(self) -> None:
        self.dismiss(self.query_one("#editor-text", TextArea).text)

    def action_cancel(self) -> None:
        self.dismiss(None)

    @property
    def text(self) -> str:
        return self.latest
