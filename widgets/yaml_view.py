"""A read-only, highlighted YAML view that scrolls (no I/O; takes text)."""

from __future__ import annotations

from rich.syntax import Syntax
from textual.containers import VerticalScroll
from textual.widgets import Static


class YamlView(VerticalScroll, can_focus=True):
    DEFAULT_CSS = """
    YamlView { height: 1fr; }
    YamlView > Static { width: auto; }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._static = Static("", markup=False)
        self.text = ""

    def compose(self):
        yield self._static

    def set_text(self, text: str, *, highlight: bool = True) -> None:
        if text == self.text:
            return
        self.text = text
        if highlight and len(text) < 400_000:
            self._static.update(Syntax(text, "yaml", theme="ansi_dark", word_wrap=False, line_numbers=False))
        else:
            self._static.update(text)
