"""Small modal dialogs: a choice among keys, and a form of text fields.

Generic: they take strings and return strings; callers decide what they mean.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Sequence

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Input, Label, Static


@dataclass(frozen=True)
class Choice:
    key: str  # a single key, e.g. "r"
    label: str


class ChoiceScreen(ModalScreen[str | None]):
    """Show a message and a few choices; dismiss with the chosen key (None on Esc)."""

    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, title: str, body: Text | str, choices: Sequence[Choice]) -> None:
        super().__init__()
        self._title = title
        self._body = body
        self._choices = list(choices)

    def compose(self) -> ComposeResult:
        with Vertical(id="choice"):
            yield Static(Text(self._title, style="bold"), id="choice-title")
            with VerticalScroll(id="choice-body"):
                yield Static(self._body, markup=False) if isinstance(self._body, str) else Static(self._body)
            yield Static(
                "   ".join(f"[b]{c.key}[/b] {c.label}" for c in self._choices) + "   [b]Esc[/b] cancel",
                id="choice-help",
            )

    def on_key(self, event) -> None:
        for choice in self._choices:
            if event.key == choice.key or event.character == choice.key:
                event.stop()
                self.dismiss(choice.key)
                return

    def action_cancel(self) -> None:
        self.dismiss(None)


@dataclass(frozen=True)
class Field:
    name: str
    label: str
    value: str = ""
    placeholder: str = ""
    help: str = ""


class FormScreen(ModalScreen[dict[str, str] | None]):
    """Text fields; Enter on the last field (or ctrl+s) submits if ``validate`` finds no problem.

    ``validate(values) -> {field name: message}``; problems are shown under their field.
    """

    BINDINGS = [
        Binding("escape", "cancel", "Cancel"),
        Binding("ctrl+s", "submit", "Submit"),
    ]

    def __init__(
        self,
        title: str,
        fields: Sequence[Field],
        validate: Callable[[dict[str, str]], dict[str, str]] | None = None,
        intro: str = "",
    ) -> None:
        super().__init__()
        self._title = title
        self._fields = list(fields)
        self._validate = validate
        self._intro = intro

    DEFAULT_CSS = """
    FormScreen #form-fields { height: auto; max-height: 70vh; }
    """

    def compose(self) -> ComposeResult:
        with Vertical(id="form"):
            yield Static(Text(self._title, style="bold"), id="form-title")
            # The fields scroll (the focused one stays in view): five fit at 80x24.
            with VerticalScroll(id="form-fields"):
                if self._intro:
                    yield Static(self._intro, markup=False, id="form-intro")
                for f in self._fields:
                    yield Label(f.label + (f"  ({f.help})" if f.help else ""), markup=False)
                    yield Input(value=f.value, placeholder=f.placeholder, id=f"field-{f.name}")
                    yield Static("", id=f"error-{f.name}", classes="form-error")
            yield Static("[b]Enter[/b] next/submit   [b]ctrl+s[/b] submit   [b]Esc[/b] cancel", id="form-help")

    def on_mount(self) -> None:
        if self._fields:
            self.query_one(f"#field-{self._fields[0].name}", Input).focus()

    def values(self) -> dict[str, str]:
        return {f.name: self.query_one(f"#field-{f.name}", Input).value for f in self._fields}

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        names = [f"field-{f.name}" for f in self._fields]
        index = names.index(event.input.id) if event.input.id in names else len(names) - 1
        if index < len(names) - 1:
            self.query_one(f"#{names[index + 1]}", Input).focus()
        else:
            self.action_submit()

    def action_submit(self) -> None:
        values = self.values()
        problems = self._validate(values) if self._validate else {}
        for f in self._fields:
            self.query_one(f"#error-{f.name}", Static).update(Text(problems.get(f.name, ""), style="bold red"))
        if not problems:
            self.dismiss(values)

    def action_cancel(self) -> None:
        self.dismiss(None)
