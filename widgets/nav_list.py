"""A sectioned navigation list (the sidebar): titles, items with a count and a badge.

Generic: items are keys and strings.  Updating counts replaces only the prompts that
changed and repaints only their rows, so a busy data source does not rebuild the list.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

from rich.text import Text
from textual.widgets import OptionList
from textual.widgets.option_list import Option


@dataclass(frozen=True)
class NavItem:
    key: str
    label: str
    count: str = ""
    badge: str = ""  # e.g. "3!" failing; rendered in the error style
    dim: bool = False  # greyed: not installed / unavailable
    note: str = ""  # short state such as "forbidden"


@dataclass(frozen=True)
class NavSection:
    title: str
    items: Sequence[NavItem]


class NavList(OptionList):
    DEFAULT_CSS = """
    NavList { width: 24; }
    """

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self._items: dict[str, NavItem] = {}
        self._layout: list[tuple[str, tuple[str, ...]]] = []

    def _prompt(self, item: NavItem) -> Text:
        width = max(12, (self.size.width or 24) - 4)
        text = Text(no_wrap=True, overflow="ellipsis")
        right = Text()
        if item.note:
            right.append(item.note, style="italic")
        else:
            if item.badge:
                right.append(item.badge + " ", style="bold red")
            right.append(item.count)
        label_width = max(4, width - right.cell_len - 1)
        label = item.label if len(item.label) <= label_width else item.label[: label_width - 1] + "…"
        text.append(label.ljust(label_width), style="dim" if item.dim else "")
        text.append(" ")
        text.append_text(right)
        if item.dim:
            text.stylize("dim")
        return text

    def set_sections(self, sections: Sequence[NavSection]) -> None:
        layout = [(s.title, tuple(i.key for i in s.items)) for s in sections]
        items = {i.key: i for s in sections for i in s.items}
        if layout == self._layout:
            for key, item in items.items():
                if self._items.get(key) != item:
                    self._replace_prompt(key, item)
            self._items = items
            return
        highlighted = self.highlighted_key
        options: list[Option] = []
        for section in sections:
            if not section.items:
                continue
            options.append(Option(Text(section.title.upper(), style="bold"), disabled=True, id=f"§{section.title}"))
            options.extend(Option(self._prompt(item), id=item.key) for item in section.items)
        self._layout = layout
        self._items = items
        self.set_options(options)
        if highlighted and highlighted in items:
            self.highlight_key(highlighted)

    def _replace_prompt(self, key: str, item: NavItem) -> None:
        """A row's new prompt, repainting that row only.

        ``OptionList.replace_option_prompt`` drops every row's rendering and repaints the
        whole list; a count that changes with each page of a list would redraw the sidebar up
        to 30 times a second.  A prompt is one line (no wrap), so no row moves."""
        try:
            index = self.get_option_index(key)
        except Exception:  # noqa: BLE001 - not in the list: nothing shows it
            return
        option = self.get_option_at_index(index)
        option._set_prompt(self._prompt(item))  # noqa: SLF001
        cache = self._option_render_cache
        for cached in [k for k in cache.keys() if k[0] is option]:
            cache.discard(cached)
        line = self._index_to_line.get(index)
        if line is not None:
            self.refresh_line(line)

    @property
    def highlighted_key(self) -> str | None:
        if self.highlighted is None:
            return None
        option = self.get_option_at_index(self.highlighted)
        return None if option.id is None or option.id.startswith("§") else option.id

    def highlight_key(self, key: str) -> None:
        try:
            self.highlighted = self.get_option_index(key)
        except Exception:  # noqa: BLE001 - unknown key: leave the highlight alone
            pass

    def on_resize(self) -> None:
        for key, item in self._items.items():
            self.replace_option_prompt(key, self._prompt(item))  # the width changed: every row anew
