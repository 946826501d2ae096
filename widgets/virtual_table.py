"""A virtual table: renders only the visible rows, via Textual's Line API.

`VirtualTable` is a `ScrollView` that paints each line on demand in
`render_line`, so its cost per frame depends on the height of the widget, not
on the number of rows.  Data operations (replace, upsert, remove, filter, sort)
work on plain Python lists and are designed for tables of ~10,000 rows:

* rows are held in display order in one list (`_order`) that is always sorted
  by a total key: ``(sort value, row key)`` for a sorted column, or the row's
  insertion sequence number when unsorted.  A row is therefore located with a
  binary search, and upserts/removals of a few rows are ``O(k log n)`` plus a
  memmove, never a full re-sort;
* the filtered view (`_visible`) is a sub-sequence of `_order` and is searched
  the same way; re-filtering is one pass of the predicate over the rows;
* column widths come from per-column histograms of cell widths, updated
  incrementally as rows come and go;
* rendered lines are kept only in a small LRU cache.

The widget knows nothing of what the rows mean: cells are plain strings,
`TableRow.style` is a semantic class name mapped to a component class
(``virtual-table--row-<style>``) that stylesheets can theme.
"""

from __future__ import annotations

from bisect import bisect_left, insort
from collections import Counter, deque
from dataclasses import dataclass
from itertools import zip_longest
from time import monotonic
from typing import Any, Callable, ClassVar, Iterable, Iterator, Protocol, Sequence

from rich.cells import cell_len, set_cell_size
from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.binding import Binding, BindingType
from textual.cache import LRUCache
from textual.geometry import Region, Size
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip

__all__ = ["RowRenderer", "TableColumn", "TableRow", "VirtualTable"]

ROW_STYLES = ("ok", "progressing", "failed", "unknown")
"""Row style names with a predefined component class."""

_ELLIPSIS = "…"
_ARROW_UP = "▲"
_ARROW_DOWN = "▼"
_CELL_PADDING = 1  # spaces on each side of every cell


@dataclass(frozen=True, slots=True)
class TableColumn:
    """A column of a `VirtualTable`.

    Args:
        key: Identifier of the column (used by `VirtualTable.sort_by`).
        label: Header text.
        min_width: Minimum width of the column's content.
        max_width: Maximum width given to cell content (longer cells are
            truncated with an ellipsis); the label is never truncated.
        priority: 0 = always shown.  When the widget is too narrow, columns
            with the highest priority number are dropped first.
        justify: "left", "right" or "center".
        flex: the column takes the width that is left: it is squeezed (down to its
            ``min_width``) before any column is dropped, as a message column should be.
        cut: where a long cell is shortened: "end" or "middle" (generated names such as
            pod names differ in their tails, which must stay visible).
    """

    key: str
    label: str
    min_width: int = 4
    max_width: int | None = None
    priority: int = 0
    justify: str = "left"
    flex: bool = False
    cut: str = "end"


class RowRenderer(Protocol):
    """Computes a lazy row's parts from its ``data`` when they are first needed."""

    def cells(self, row: "TableRow") -> tuple[str, ...]: ...
    def search(self, row: "TableRow") -> str: ...
    def sort_key(self, row: "TableRow", index: int) -> Any: ...


class TableRow:
    """A row of a `VirtualTable`.

    Args:
        key: Unique identifier of the row.
        cells: One string per column, already sanitised (no control codes).
        style: Semantic class: "ok", "progressing", "failed", "unknown" or "".
        search: Pre-computed, lower-cased text that filters match against.
        sort_keys: Optional sort key per column; the cell text is used for
            columns without one.
        data, renderer: a *lazy* row: ``cells``, ``search`` and each column's sort
            key are computed by ``renderer`` from ``data`` when first read (and kept).
            The table reads only the current sort column's key of every row, and the
            cells of the rows it draws: a table of 100,000 lazy rows renders a screenful.
    """

    __slots__ = ("key", "style", "_cells", "_search", "_sort_keys", "data", "_renderer", "counted")

    def __init__(
        self,
        key: str,
        cells: Sequence[str] = (),
        style: str = "",
        search: str = "",
        sort_keys: Sequence[Any] = (),
        *,
        data: Any = None,
        renderer: RowRenderer | None = None,
    ) -> None:
        self.key = key
        self.style = style
        self.data = data
        self._renderer = renderer
        self.counted = False  # its cells are in the table's width histogram
        if renderer is None:
            self._cells: tuple[str, ...] | None = tuple(cells)
            self._search: str | None = search
            self._sort_keys: Any = tuple(sort_keys)
        else:
            self._cells = None
            self._search = None
            self._sort_keys = None

    @property
    def lazy(self) -> bool:
        """True while the cells are not computed yet."""
        return self._cells is None

    @property
    def cells(self) -> tuple[str, ...]:
        cells = self._cells
        if cells is None:
            cells = self._cells = self._renderer.cells(self)  # type: ignore[union-attr]
        return cells

    @property
    def search(self) -> str:
        search = self._search
        if search is None:
            search = self._search = self._renderer.search(self)  # type: ignore[union-attr]
        return search

    @property
    def has_search(self) -> bool:
        return self._search is not None

    def sort_key(self, index: int) -> Any:
        """The sort key of column ``index`` (the cell text for a column without one)."""
        renderer = self._renderer
        if renderer is None:
            keys = self._sort_keys
            if len(keys) > index:
                return keys[index]
            cells = self._cells
            return cells[index] if len(cells) > index else ""  # type: ignore[arg-type]
        # Kept as (index, key) for the one column a table sorts by (a dict per row costs
        # ~200 bytes), a dict once a second column's key is asked for.
        keys = self._sort_keys
        if keys is None:
            value = renderer.sort_key(self, index)
            self._sort_keys = (index, value)
            return value
        if type(keys) is tuple:
            if keys[0] == index:
                return keys[1]
            keys = self._sort_keys = {keys[0]: keys[1]}
        try:
            return keys[index]
        except KeyError:
            value = keys[index] = renderer.sort_key(self, index)
            return value

    @property
    def sort_keys(self) -> tuple:
        if self._renderer is None:
            return self._sort_keys
        return tuple(self.sort_key(i) for i in range(len(self.cells)))

    def _fields(self) -> tuple:
        return (self.key, self.cells, self.style, self.search, self.sort_keys)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, TableRow):
            return NotImplemented
        return self is other or self._fields() == other._fields()

    def __hash__(self) -> int:
        return hash((self.key, self.cells, self.style))

    def __repr__(self) -> str:
        if self._cells is None:
            return f"TableRow(key={self.key!r}, lazy, style={self.style!r})"
        return (
            f"TableRow(key={self.key!r}, cells={self._cells!r}, style={self.style!r}, "
            f"search={self._search!r}, sort_keys={self._sort_keys!r})"
        )


class _Desc:
    """Wraps a key to invert its order (for binary search in descending lists)."""

    __slots__ = ("value",)

    def __init__(self, value: Any) -> None:
        self.value = value

    def __lt__(self, other: _Desc) -> bool:
        return other.value < self.value


def _merge_sorted(
    rows: list[TableRow],
    fresh: list[TableRow],
    key_func: Callable[[TableRow], Any],
    reverse: bool,
    bisect_key: Callable[[TableRow], Any],
) -> None:
    """Merge ``fresh`` (sorted) into ``rows`` (sorted), in place.

    A few rows into many (a page of a listing into 100,000 rows): a binary search per fresh
    row and slices between them, so the keys of the rows in place are not computed again;
    otherwise the two sorted runs are merged by one sort (Timsort), a key per row."""
    if not fresh:
        return
    if len(fresh) * (len(rows).bit_length() + 1) < len(rows):
        merged: list[TableRow] = []
        lo = 0
        for row in fresh:
            pos = bisect_left(rows, bisect_key(row), lo, key=bisect_key)
            merged.extend(rows[lo:pos])
            merged.append(row)
            lo = pos
        merged.extend(rows[lo:])
        rows[:] = merged
    else:
        rows.extend(fresh)
        rows.sort(key=key_func, reverse=reverse)


class _RowsView(Sequence[TableRow]):
    """Read-only view of a list of rows."""

    __slots__ = ("_rows",)

    def __init__(self, rows: list[TableRow]) -> None:
        self._rows = rows

    def __len__(self) -> int:
        return len(self._rows)

    def __getitem__(self, index):  # type: ignore[override]
        return self._rows[index]

    def __iter__(self) -> Iterator[TableRow]:
        return iter(self._rows)

    def __repr__(self) -> str:
        return f"<rows {len(self._rows)}>"


@dataclass(frozen=True)
class _Layout:
    """Which columns are shown, and how wide they are."""

    columns: tuple[tuple[int, TableColumn, int], ...]  # (cell index, column, width)
    total_width: int


def _text_width(text: str) -> int:
    return len(text) if text.isascii() else cell_len(text)


def _fit(text: str, width: int, justify: str, middle: bool = False) -> str:
    """Pad or truncate `text` to exactly `width` cells (``middle``: keep the head and the tail)."""
    if text.isascii():
        length = len(text)
        if length > width:
            if middle and width >= 7:
                head = (width - 1) // 2
                return text[:head] + _ELLIPSIS + text[length - (width - 1 - head) :]
            return text[: width - 1] + _ELLIPSIS if width > 0 else ""
    else:
        length = cell_len(text)
        if length > width:
            return set_cell_size(text, width - 1) + _ELLIPSIS if width > 0 else ""
    pad = width - length
    if not pad:
        return text
    if justify == "right":
        return " " * pad + text
    if justify == "center":
        left = pad // 2
        return " " * left + text + " " * (pad - left)
    return text + " " * pad


WARM_QUIET = 0.5  # seconds without row changes before search texts are prepared in the background
WARM_BUDGET = 0.008  # seconds of preparing at a time (a key waits at most this long) ...
WARM_PAUSE = 0.002  # ... then a pause for everything else
BULK_MERGE = 256  # more new rows than this in one upsert are merged, not inserted one by one
SQUEEZE_FLOOR = 16  # a wide column may be squeezed (with an ellipsis) down to this
DEFAULT_MAX_WIDTH = 64  # a column without a max_width never grows past this


def _squeeze(
    shown: list[tuple[int, "TableColumn", int]], available: int, pad: int, only_droppable: bool
) -> tuple[list[tuple[int, "TableColumn", int]], int]:
    """Narrow the widest columns (never below their floor) until the row fits, if it can.

    With ``only_droppable`` the always-shown (priority 0) columns keep their width.
    """
    widths = [width for _, _, width in shown]
    excess = sum(w + pad for w in widths) - available
    floors = [
        max(column.min_width, _text_width(column.label))
        if column.flex
        else width
        if only_droppable and column.priority == 0
        else max(column.min_width, _text_width(column.label), min(width, SQUEEZE_FLOOR))
        for _, column, width in shown
    ]
    while excess > 0:
        candidates = [i for i, w in enumerate(widths) if w > floors[i]]
        if not candidates:
            break
        widest = max(candidates, key=lambda i: widths[i])
        widths[widest] -= 1
        excess -= 1
    squeezed = [(index, column, widths[i]) for i, (index, column, _) in enumerate(shown)]
    return squeezed, sum(w + pad for w in widths)


def _plan_width(column: "TableColumn") -> int:
    floor = SQUEEZE_FLOOR if column.max_width is None else min(SQUEEZE_FLOOR, column.max_width)
    return max(column.min_width, _text_width(column.label), 0 if column.flex else floor)


def _fit_columns(
    shown: list[tuple[int, "TableColumn", int]], available: int, pad: int
) -> tuple[list[tuple[int, "TableColumn", int]], int]:
    """Fit the columns into ``available`` cells.

    First squeeze wide optional columns (with an ellipsis), then drop optional columns
    by priority (highest number first), and only then squeeze the always-shown ones.
    """
    if available <= 0:
        return shown, sum(width + pad for _, _, width in shown)
    shown = list(shown)
    droppable = sorted(
        (entry for entry in shown if entry[1].priority > 0),
        key=lambda entry: (entry[1].priority, entry[0]),
        reverse=True,
    )
    while True:
        fitted, total = _squeeze(shown, available, pad, only_droppable=True)
        if total <= available:
            return fitted, total
        if not droppable:
            return _squeeze(shown, available, pad, only_droppable=False)
        shown.remove(droppable.pop(0))


def _same_window(before: tuple, after: tuple) -> bool:
    """The same scroll, cursor and layout, and the very same row objects in view."""
    rows, now = before[-1], after[-1]
    return before[:-1] == after[:-1] and len(rows) == len(now) and all(a is b for a, b in zip(rows, now))


class VirtualTable(ScrollView, can_focus=True):
    """A fast, keyboard-driven table that only renders the rows on screen."""

    ALLOW_SELECT = False

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("up,k", "cursor_up", "Up", show=False),
        Binding("down,j", "cursor_down", "Down", show=False),
        Binding("pageup", "page_up", "Page up", show=False),
        Binding("pagedown", "page_down", "Page down", show=False),
        Binding("home,g", "cursor_top", "Top", show=False),
        Binding("end,G,shift+g", "cursor_bottom", "Bottom", show=False),
        Binding("enter", "select_cursor", "Select", show=False),
    ]
    """
    | Key(s) | Description |
    | :- | :- |
    | up, k | Move the cursor up. |
    | down, j | Move the cursor down. |
    | pageup | Move one page up. |
    | pagedown | Move one page down. |
    | home, g | Move to the first row. |
    | end, G | Move to the last row. |
    | enter | Select the row under the cursor. |
    | left, right | Scroll horizontally (inherited). |
    """

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "virtual-table--header",
        "virtual-table--cursor",
        "virtual-table--empty",
        *(f"virtual-table--row-{name}" for name in ROW_STYLES),
    }
    """
    | Class | Description |
    | :- | :- |
    | `virtual-table--header` | The header line. |
    | `virtual-table--cursor` | The cursor row (added on top of the row's style). |
    | `virtual-table--empty` | The `empty_text` message. |
    | `virtual-table--row-ok` | Rows with `style="ok"`. |
    | `virtual-table--row-progressing` | Rows with `style="progressing"`. |
    | `virtual-table--row-failed` | Rows with `style="failed"`. |
    | `virtual-table--row-unknown` | Rows with `style="unknown"`. |
    """

    # Only widget-internal defaults: the cursor uses reverse video so that it
    # stays visible on 16-colour terminals and under NO_COLOR.
    DEFAULT_CSS = """
    VirtualTable {
        height: 1fr;
        background: $surface;
        color: $foreground;
        & > .virtual-table--header { text-style: bold; }
        & > .virtual-table--cursor { text-style: reverse; }
        &:focus > .virtual-table--cursor { text-style: bold reverse; }
        & > .virtual-table--empty { text-style: dim italic; }
        & > .virtual-table--row-progressing { color: $text-warning; }
        & > .virtual-table--row-failed { color: $text-error; }
        & > .virtual-table--row-unknown { color: $text-muted; }
    }
    """

    empty_text: reactive[str] = reactive("")
    """Text shown (centred, dim) when there are no visible rows."""

    class RowHighlighted(Message):
        """Posted when the cursor moves to another row key (None when empty)."""

        def __init__(self, virtual_table: VirtualTable, key: str | None, cursor_row: int) -> None:
            self.virtual_table = virtual_table
            self.key = key
            self.cursor_row = cursor_row
            super().__init__()

        @property
        def control(self) -> VirtualTable:
            return self.virtual_table

    class RowSelected(Message):
        """Posted when a row is selected (Enter, or a click on the cursor row)."""

        def __init__(self, virtual_table: VirtualTable, key: str, cursor_row: int) -> None:
            self.virtual_table = virtual_table
            self.key = key
            self.cursor_row = cursor_row
            super().__init__()

        @property
        def control(self) -> VirtualTable:
            return self.virtual_table

    class HeaderSelected(Message):
        """Posted when a column header is clicked (the table does not sort by itself)."""

        def __init__(self, virtual_table: VirtualTable, column_key: str) -> None:
            self.virtual_table = virtual_table
            self.column_key = column_key
            super().__init__()

        @property
        def control(self) -> VirtualTable:
            return self.virtual_table

    def __init__(
        self,
        columns: Sequence[TableColumn] = (),
        *,
        empty_text: str = "",
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
        disabled: bool = False,
    ) -> None:
        super().__init__(name=name, id=id, classes=classes, disabled=disabled)
        self._columns: tuple[TableColumn, ...] = ()
        # All rows by key; dict order is the natural (insertion) order.
        self._rows: dict[str, TableRow] = {}
        self._seq: dict[str, int] = {}
        self._next_seq = 0
        # All rows in display order, sorted by `_key_func` (see module doc).
        self._order: list[TableRow] = []
        # Rows passing the filter, in display order (alias of _order when unfiltered).
        self._visible: list[TableRow] = self._order
        self._predicate: Callable[[TableRow], bool] | None = None
        self._sort_column: str | None = None
        self._sort_reverse = False
        self._sort_index: int | None = None
        self._sort_mode = 0  # 0 raw values, 1 (type name, value), 2 str(value)
        self._key_func: Callable[[TableRow], Any] = self._make_key_func()
        self._cursor_key: str | None = None
        self._cursor_index = 0
        # Per cell index: histogram {cell width: count} over all rows.
        self._width_counts: list[Counter[int]] = []
        self._content_widths: tuple[int, ...] = ()
        self._layout: _Layout | None = None
        self._layout_key: tuple | None = None
        self._line_cache: LRUCache[tuple, Strip] = LRUCache(256)
        self._style_cache: dict[str, Style] = {}
        self._sync_pending = False
        # Lazy rows whose search text is still to be computed, in the background (see _warm).
        self._warm_queue: deque[TableRow] = deque()
        self._warm_timer: Any = None
        self._last_change = 0.0
        self.set_reactive(VirtualTable.empty_text, empty_text)
        if columns:
            self.set_columns(columns)

    # ------------------------------------------------------------------ API

    @property
    def columns(self) -> tuple[TableColumn, ...]:
        """The table's columns."""
        return self._columns

    @property
    def row_count(self) -> int:
        """Number of visible (filtered) rows."""
        return len(self._visible)

    @property
    def total_count(self) -> int:
        """Number of rows, filtered or not."""
        return len(self._rows)

    @property
    def search_pending(self) -> int:
        """Lazy rows whose search text the background has not prepared yet."""
        return len(self._warm_queue)

    @property
    def visible_rows(self) -> Sequence[TableRow]:
        """The visible rows in display order (a read-only view; take a copy to keep
        it across data changes)."""
        return _RowsView(self._visible)

    @property
    def cursor_key(self) -> str | None:
        """Key of the row under the cursor, or None if there are no visible rows."""
        return self._cursor_key

    @property
    def cursor_row(self) -> int:
        """Index of the cursor among the visible rows (0 when there are none)."""
        return self._cursor_index

    @property
    def sort_column(self) -> str | None:
        """Key of the column the rows are sorted by, or None for insertion order."""
        return self._sort_column

    @sort_column.setter
    def sort_column(self, column_key: str | None) -> None:
        self.sort_by(column_key, self._sort_reverse)

    @property
    def sort_reverse(self) -> bool:
        """True if the sort is descending."""
        return self._sort_reverse

    @sort_reverse.setter
    def sort_reverse(self, reverse: bool) -> None:
        self.sort_by(self._sort_column, reverse)

    @property
    def filter_predicate(self) -> Callable[[TableRow], bool] | None:
        """The current filter, if any."""
        return self._predicate

    def get_row(self, key: str) -> TableRow | None:
        """Get a row by key (visible or not)."""
        return self._rows.get(key)

    def set_columns(self, columns: Sequence[TableColumn]) -> None:
        """Set the columns; `TableRow.cells[i]` is shown in `columns[i]`."""
        anchor = self._capture_anchor()
        self._columns = tuple(columns)
        keys = [column.key for column in self._columns]
        if self._sort_column is not None and self._sort_column not in keys:
            self._sort_column = None
            self._sort_reverse = False
        new_index = keys.index(self._sort_column) if self._sort_column is not None else None
        if new_index != self._sort_index:
            self._sort_index = new_index
            self._sort_mode = 0
            self._rebuild_order()
        self._invalidate_layout()
        self._after_change(anchor)

    def set_rows(self, rows: Iterable[TableRow]) -> None:
        """Replace all rows.  The cursor stays on the same key if it still exists."""
        anchor = self._capture_anchor()
        new_rows = {row.key: row for row in rows}
        self._rows = new_rows
        self._warm_queue = deque(row for row in new_rows.values() if not row.has_search)
        self._seq = dict(zip(new_rows, range(len(new_rows))))
        self._next_seq = len(new_rows)
        self._recount_widths()
        self._sort_mode = 0
        self._rebuild_order()
        self._after_change(anchor)

    def upsert_rows(self, rows: Iterable[TableRow]) -> None:
        """Add rows, or replace rows with the same key in place.

        The cursor and the scroll position stay on the same key.  Many new rows at once
        (a page of a listing) are merged in one pass (sorted, then merged with the rows in
        place) instead of one binary insertion each.
        """
        anchor = self._capture_anchor()
        shown = self._shown_window()
        all_rows = self._rows
        seq = self._seq
        order = self._order
        filtered = self._predicate is not None
        visible = self._visible
        predicate = self._predicate
        append_new = self._sort_index is None and not self._sort_reverse
        counts_changed = False
        rebuild = False
        incomparable = False
        key_func = self._key_func
        reverse = self._sort_reverse
        bisect_key = self._bisect_key_func()
        rows = rows if isinstance(rows, list) else list(rows)
        bulk: list[TableRow] = []
        if len(rows) > BULK_MERGE and not append_new:
            fresh = list({row.key: row for row in rows if row.key not in all_rows}.values())
            if len(fresh) > BULK_MERGE:
                bulk = fresh
                for row in bulk:
                    all_rows[row.key] = row
                    seq[row.key] = self._next_seq
                    self._next_seq += 1
                    if row._cells is not None:
                        counts_changed = self._count_row(row, 1) or counts_changed
                chosen = set(map(id, bulk))
                rows = [row for row in rows if id(row) not in chosen]

        for row in rows:
            key = row.key
            old = all_rows.get(key)
            if old is row:
                continue
            all_rows[key] = row
            if old is None:
                seq[key] = self._next_seq
                self._next_seq += 1
                if row._cells is not None:
                    counts_changed = self._count_row(row, 1) or counts_changed
                if rebuild:
                    continue
                try:
                    if append_new:
                        order.append(row)
                        if filtered and predicate(row):  # type: ignore[misc]
                            visible.append(row)
                    else:
                        insort(order, row, key=bisect_key)
                        if filtered and predicate(row):  # type: ignore[misc]
                            insort(visible, row, key=bisect_key)
                except TypeError:
                    rebuild = incomparable = True
                continue

            if old.counted and row._cells is not None and old._cells == row._cells:
                old.counted, row.counted = False, True  # same widths: nothing to recount
            else:
                changed_old = self._count_row(old, -1)
                changed_new = row._cells is not None and self._count_row(row, 1)
                counts_changed = counts_changed or changed_old or changed_new
            if rebuild:
                continue
            try:
                old_key = key_func(old)
                new_key = key_func(row)
                target = _Desc(old_key) if reverse else old_key
                same_place = old_key == new_key
                index = bisect_left(order, target, key=bisect_key)
                if index >= len(order) or order[index] is not old:
                    rebuild = True  # inconsistent ordering: recover with a full sort
                    continue
                if same_place:
                    order[index] = row
                else:
                    del order[index]
                    insort(order, row, key=bisect_key)
                if filtered:
                    vindex = bisect_left(visible, target, key=bisect_key)
                    was_visible = vindex < len(visible) and visible[vindex] is old
                    now_visible = predicate(row)  # type: ignore[misc]
                    if was_visible and now_visible and same_place:
                        visible[vindex] = row
                    else:
                        if was_visible:
                            del visible[vindex]
                        if now_visible:
                            insort(visible, row, key=bisect_key)
            except TypeError:
                rebuild = incomparable = True

        self._warm_queue.extend(row for row in (*bulk, *rows) if not row.has_search)
        if bulk and not rebuild:
            try:
                bulk.sort(key=key_func, reverse=reverse)
                _merge_sorted(order, bulk, key_func, reverse, bisect_key)
                if filtered:
                    _merge_sorted(visible, list(filter(predicate, bulk)), key_func, reverse, bisect_key)  # type: ignore[arg-type]
            except TypeError:
                rebuild = incomparable = True
        if rebuild:
            if incomparable and self._sort_mode < 2:
                self._sort_mode += 1
                self._key_func = self._make_key_func()
            self._rebuild_order()
        if counts_changed:
            self._update_content_widths()
        self._after_change(anchor, shown)

    def remove_rows(self, keys: Iterable[str]) -> None:
        """Remove rows by key (unknown keys are ignored)."""
        all_rows = self._rows
        doomed = {key for key in keys if key in all_rows}
        if not doomed:
            return
        anchor = self._capture_anchor()
        if anchor[0] in doomed:
            # Move the cursor to the nearest surviving row (below, else above).
            visible = self._visible
            start = self._cursor_index
            replacement = None
            for index in range(start + 1, len(visible)):
                if visible[index].key not in doomed:
                    replacement = visible[index].key
                    break
            else:
                for index in range(start - 1, -1, -1):
                    if visible[index].key not in doomed:
                        replacement = visible[index].key
                        break
            anchor = (replacement, *anchor[1:])

        if len(doomed) > 32:
            self._order[:] = [row for row in self._order if row.key not in doomed]
            if self._visible is not self._order:
                self._visible[:] = [row for row in self._visible if row.key not in doomed]
        else:
            bisect_key = self._bisect_key_func()
            key_func = self._key_func
            reverse = self._sort_reverse
            rebuild = False
            for key in doomed:
                row = all_rows[key]
                try:
                    target = _Desc(key_func(row)) if reverse else key_func(row)
                    lists = (self._order,) if self._visible is self._order else (self._order, self._visible)
                    for rows in lists:
                        index = bisect_left(rows, target, key=bisect_key)
                        if index < len(rows) and rows[index] is row:
                            del rows[index]
                        elif rows is self._order:
                            rebuild = True
                except TypeError:
                    rebuild = True
                if rebuild:
                    break
            if rebuild:
                self._order[:] = [row for row in self._order if row.key not in doomed]
                if self._visible is not self._order:
                    self._visible[:] = [row for row in self._visible if row.key not in doomed]

        for key in doomed:
            self._count_row(all_rows.pop(key), -1)
            del self._seq[key]
        self._update_content_widths()
        self._after_change(anchor)

    def clear(self) -> None:
        """Remove all rows."""
        self.set_rows(())

    def set_filter(
        self, predicate: Callable[[TableRow], bool] | None, *, narrows: bool = False, contains: str | None = None
    ) -> None:
        """Show only rows for which `predicate(row)` is true (None shows all).

        The cursor stays on the same key if it is still visible, else it moves
        to the nearest visible row.  ``narrows``: the caller knows every row the new
        predicate accepts was accepted by the current one (a filter text typed one more
        character), so only the rows shown now are tested.  ``contains``: the predicate is
        ``contains in row.search`` (tested without calling it).
        """
        anchor = self._capture_anchor()
        base = self._visible if narrows and self._predicate is not None and predicate is not None else None
        self._predicate = predicate
        self._apply_filter(base, contains)
        self._after_change(anchor)

    def sort_by(self, column_key: str | None, reverse: bool = False) -> None:
        """Sort by a column (None: insertion order); ties are ordered by row key."""
        if column_key is None:
            index = None
        else:
            keys = [column.key for column in self._columns]
            if column_key not in keys:
                raise KeyError(f"No column with key {column_key!r}")
            index = keys.index(column_key)
        anchor = self._capture_anchor()
        self._sort_column = column_key
        self._sort_index = index
        self._sort_reverse = bool(reverse)
        self._sort_mode = 0
        self._rebuild_order()
        self._invalidate_layout()  # the sort arrow may widen the column
        self._after_change(anchor)

    def move_cursor_to_key(self, key: str) -> bool:
        """Move the cursor to a visible row; returns False if it is not visible."""
        index = self._visible_index(key)
        if index is None:
            return False
        self._set_cursor(index)
        return True

    def move_cursor(self, row: int) -> None:
        """Move the cursor to a visible row index (clamped)."""
        self._set_cursor(row)

    # ------------------------------------------------------------ actions

    def action_cursor_up(self) -> None:
        self._set_cursor(self._cursor_index - 1)

    def action_cursor_down(self) -> None:
        self._set_cursor(self._cursor_index + 1)

    def action_page_up(self) -> None:
        page = max(1, self._body_height() - 1)
        if self._can_scroll():
            self.scroll_to(y=self.scroll_offset.y - page, animate=False, force=True)
        self._set_cursor(self._cursor_index - page)

    def action_page_down(self) -> None:
        page = max(1, self._body_height() - 1)
        if self._can_scroll():
            self.scroll_to(y=self.scroll_offset.y + page, animate=False, force=True)
        self._set_cursor(self._cursor_index + page)

    def action_cursor_top(self) -> None:
        self._set_cursor(0)

    def action_cursor_bottom(self) -> None:
        self._set_cursor(len(self._visible) - 1)

    def action_select_cursor(self) -> None:
        if self._cursor_key is not None:
            self.post_message(self.RowSelected(self, self._cursor_key, self._cursor_index))

    async def _on_click(self, event: events.Click) -> None:
        await super()._on_click(event)
        offset = event.get_content_offset(self)
        if offset is None:
            return
        scroll_x, scroll_y = self.scroll_offset
        if offset.y == 0:
            column = self._column_at(offset.x + scroll_x)
            if column is not None:
                self.post_message(self.HeaderSelected(self, column.key))
            return
        index = scroll_y + offset.y - 1
        if 0 <= index < len(self._visible):
            event.stop()
            if index == self._cursor_index:
                self.action_select_cursor()
            else:
                self._set_cursor(index)

    # ----------------------------------------------------------- ordering

    def _make_key_func(self) -> Callable[[TableRow], Any]:
        """Total-order key for the current sort (ascending)."""
        index = self._sort_index
        if index is None:
            seq = self._seq

            def natural_key(row: TableRow) -> Any:
                return seq[row.key]

            return natural_key

        mode = self._sort_mode

        def column_key(row: TableRow) -> Any:
            value = row.sort_key(index)
            if mode == 1:
                return (type(value).__name__, value, row.key)
            if mode == 2:
                return (str(value), row.key)
            return (value, row.key)

        return column_key

    def _bisect_key_func(self) -> Callable[[TableRow], Any]:
        key_func = self._key_func
        if self._sort_reverse:
            return lambda row: _Desc(key_func(row))
        return key_func

    def _rebuild_order(self) -> None:
        """Re-sort all rows from scratch, then re-apply the filter."""
        rows = self._rows.values()
        reverse = self._sort_reverse
        if self._sort_index is None:
            self._sort_mode = 0
            self._key_func = self._make_key_func()
            order = list(rows)
            if reverse:
                order.reverse()
        else:
            while True:
                self._key_func = self._make_key_func()
                try:
                    order = sorted(rows, key=self._key_func, reverse=reverse)
                    break
                except TypeError:
                    if self._sort_mode >= 2:
                        raise
                    self._sort_mode += 1
        self._order = order
        self._apply_filter()

    def _apply_filter(self, base: list[TableRow] | None = None, contains: str | None = None) -> None:
        predicate = self._predicate
        rows = self._order if base is None else base
        if predicate is None:
            self._visible = self._order
        elif contains is not None:
            self._visible = [row for row in rows if contains in row.search]
        else:
            self._visible = list(filter(predicate, rows))

    def _visible_index(self, key: str | None) -> int | None:
        """Index of `key` among the visible rows (binary search), or None."""
        if key is None:
            return None
        row = self._rows.get(key)
        if row is None:
            return None
        visible = self._visible
        try:
            target = self._key_func(row)
            if self._sort_reverse:
                target = _Desc(target)
            index = bisect_left(visible, target, key=self._bisect_key_func())
        except TypeError:  # pragma: no cover - defensive
            index = next((i for i, r in enumerate(visible) if r is row), len(visible))
        if index < len(visible) and visible[index] is row:
            return index
        return None

    def _nearest_visible_index(self, key: str) -> int | None:
        """Index of the first visible row at or after where `key` would be."""
        row = self._rows.get(key)
        if row is None or not self._visible:
            return None
        target = self._key_func(row)
        if self._sort_reverse:
            target = _Desc(target)
        try:
            index = bisect_left(self._visible, target, key=self._bisect_key_func())
        except TypeError:  # pragma: no cover - defensive
            return None
        return min(index, len(self._visible) - 1)

    # ------------------------------------------------------------- widths

    def _recount_widths(self) -> None:
        """Width histograms over the rows whose cells are computed (lazy rows count once drawn)."""
        counts: list[Counter[int]] = []
        realized = []
        for row in self._rows.values():
            row.counted = row._cells is not None
            if row.counted:
                realized.append(row._cells)
        for column in zip_longest(*realized, fillvalue=""):
            if "".join(column).isascii():
                counts.append(Counter(map(len, column)))
            else:
                counts.append(Counter(map(_text_width, column)))
        self._width_counts = counts
        self._update_content_widths()

    def _count_row(self, row: TableRow, delta: int) -> bool:
        """Add (1) or take (-1) a row's cells to the width histograms; False if nothing changed."""
        if delta > 0:
            if row.counted or row._cells is None:
                return False
            row.counted = True
        else:
            if not row.counted:
                return False
            row.counted = False
        self._count_cells(row._cells, delta)  # type: ignore[arg-type]
        return True

    def _schedule_warm(self, delay: float = WARM_QUIET) -> None:
        if self._warm_timer is None and self.is_mounted:
            self._warm_timer = self.set_timer(delay, self._warm, name="virtual-table-warm")

    def _warm(self) -> None:
        """Compute search texts of lazy rows a few milliseconds at a time, once the rows stop
        changing, so that the first filter keystroke does not compute them all."""
        self._warm_timer = None
        queue = self._warm_queue
        if not queue:
            return
        if monotonic() - self._last_change < WARM_QUIET:
            self._schedule_warm()
            return
        deadline = monotonic() + WARM_BUDGET
        rows = self._rows
        popleft = queue.popleft
        while queue:
            for _ in range(64):
                if not queue:
                    break
                row = popleft()
                if not row.has_search and rows.get(row.key) is row:
                    row.search  # noqa: B018 - computes it
            if monotonic() > deadline:
                break
        if queue:
            self._schedule_warm(WARM_PAUSE)

    def _realize_window(self) -> None:
        """Compute the cells of the rows on screen (lazy rows) and count their widths."""
        scroll_y = self.scroll_offset.y
        window = self._visible[scroll_y : scroll_y + self.size.height]
        changed = False
        for row in window:
            if not row.counted:
                row.cells  # noqa: B018 - computes them
                changed = self._count_row(row, 1) or changed
        if changed:
            self._update_content_widths()

    def _count_cells(self, cells: tuple[str, ...], delta: int) -> None:
        counts = self._width_counts
        while len(counts) < len(cells):
            counts.append(Counter())
        for index, text in enumerate(cells):
            width = len(text) if text.isascii() else cell_len(text)
            counter = counts[index]
            count = counter[width] + delta
            if count > 0:
                counter[width] = count
            else:
                del counter[width]

    def _update_content_widths(self) -> None:
        widths = tuple(max(counter) if counter else 0 for counter in self._width_counts)
        if widths != self._content_widths:
            self._content_widths = widths
            self._invalidate_layout()

    def _invalidate_layout(self) -> None:
        self._layout_key = None
        self._line_cache.clear()

    def _available_width(self) -> int:
        return self.scrollable_content_region.width

    def _get_layout(self) -> _Layout:
        available = self._available_width()
        layout_key = (available, self._content_widths, self._columns, self._sort_column, self._sort_reverse)
        if self._layout is not None and layout_key == self._layout_key:
            return self._layout
        content_widths = self._content_widths
        sort_column = self._sort_column
        shown: list[tuple[int, TableColumn, int]] = []
        for index, column in enumerate(self._columns):
            content = content_widths[index] if index < len(content_widths) else 0
            content = min(content, column.max_width if column.max_width is not None else DEFAULT_MAX_WIDTH)
            label_width = _text_width(column.label) + (2 if column.key == sort_column else 0)
            shown.append((index, column, max(content, column.min_width, label_width)))
        pad = 2 * _CELL_PADDING
        # Whether a wide text column (one with a max_width: URL, REASON, MESSAGE…) shows must not
        # depend on what it holds today: plan it at its squeeze floor, then squeeze real widths.
        plan = [
            (index, column, _plan_width(column) if column.max_width is not None or column.flex else width)
            for index, column, width in shown
        ]
        kept = {index for index, _, _ in _fit_columns(plan, available, pad)[0]}
        shown = [entry for entry in shown if entry[0] in kept]
        if available > 0:
            shown, total = _squeeze(shown, available, pad, only_droppable=False)
        else:
            total = sum(width + pad for _, _, width in shown)
        layout = _Layout(tuple(shown), total)
        if layout != self._layout:
            self._line_cache.clear()
        self._layout = layout
        self._layout_key = layout_key
        return layout

    def _column_at(self, x: int) -> TableColumn | None:
        """The column at virtual x coordinate."""
        position = 0
        for _, column, width in self._get_layout().columns:
            position += width + 2 * _CELL_PADDING
            if x < position:
                return column
        return None

    # ------------------------------------------------------ cursor/scroll

    def _body_height(self) -> int:
        """Number of lines available for rows (excludes the header)."""
        return max(0, self.scrollable_content_region.height - 1)

    def _can_scroll(self) -> bool:
        return self.is_mounted and self._body_height() > 0

    def _capture_anchor(self) -> tuple[str | None, int, int | None, str | None]:
        """(cursor key, cursor index, cursor line on screen, key of top row)."""
        scroll_y = self.scroll_offset.y
        height = self._body_height()
        screen_line = self._cursor_index - scroll_y
        if self._cursor_key is None or not 0 <= screen_line < height:
            screen_line = None
        visible = self._visible
        top_key = visible[scroll_y].key if 0 <= scroll_y < len(visible) else None
        return self._cursor_key, self._cursor_index, screen_line, top_key

    def _shown_window(self) -> tuple:
        """What the table shows: scroll, cursor, column layout and the very rows in view."""
        top = self.scroll_offset.y
        rows = tuple(self._visible[top : top + self._body_height()])
        return (top, self._cursor_index, self._cursor_key, self._layout_key, bool(self._visible), rows)

    def _after_change(self, anchor: tuple[str | None, int, int | None, str | None], shown: tuple = ()) -> None:
        """Restore cursor and scroll after the rows changed, and refresh.

        `anchor` comes from `_capture_anchor`; its key may have been replaced
        by a preferred successor (see `remove_rows`).  `shown` (from `_shown_window`
        before the change): when the same rows are in view, with the same cursor and
        columns (a page of a list landing below the fold), nothing is repainted.
        """
        previous_key = self._cursor_key
        old_key, old_index, screen_line, top_key = anchor
        self._last_change = monotonic()
        if self._warm_queue:
            self._schedule_warm()
        self._sync_virtual_size()
        index = self._visible_index(old_key)
        if index is None and old_key is not None and old_key in self._rows:
            index = self._nearest_visible_index(old_key)  # filtered out
        if index is None:
            index = old_index
        count = len(self._visible)
        index = max(0, min(index, count - 1)) if count else 0
        new_key = self._visible[index].key if count else None
        self._cursor_index = index
        self._cursor_key = new_key

        if self._can_scroll():
            if screen_line is not None:
                self._scroll_to_y(index - screen_line)
            elif top_key is not None and (top := self._visible_index(top_key)) is not None:
                self._scroll_to_y(top)
            if new_key != old_key:
                self._scroll_to_cursor()
        if not shown or not _same_window(shown, self._shown_window()):
            self.refresh()
        if new_key != previous_key:
            self.post_message(self.RowHighlighted(self, new_key, index))

    def _set_cursor(self, index: int) -> None:
        count = len(self._visible)
        index = max(0, min(index, count - 1)) if count else 0
        key = self._visible[index].key if count else None
        changed = key != self._cursor_key
        moved = index != self._cursor_index or changed
        old, top = self._cursor_index, self.scroll_offset.y
        self._cursor_index = index
        self._cursor_key = key
        self._scroll_to_cursor()
        if moved:
            if self.scroll_offset.y != top:
                self.refresh()
            else:  # a key press: the two rows the cursor left and reached, not the whole table
                for line in {old, index}:
                    self.refresh(Region(0, line + 1 - top, self.size.width, 1))
        if changed:
            self.post_message(self.RowHighlighted(self, key, index))

    def _scroll_to_y(self, y: int) -> None:
        max_y = max(0, len(self._visible) + 1 - self.scrollable_content_region.height)
        y = max(0, min(y, max_y))
        if y != self.scroll_offset.y:
            self.scroll_to(y=y, animate=False, force=True)

    def _scroll_to_cursor(self) -> None:
        if not self._can_scroll():
            return
        height = self._body_height()
        scroll_y = self.scroll_offset.y
        index = self._cursor_index
        if index < scroll_y:
            self._scroll_to_y(index)
        elif index >= scroll_y + height:
            self._scroll_to_y(index - height + 1)

    def _sync_virtual_size(self) -> None:
        self._sync_pending = False
        layout = self._get_layout()
        size = Size(layout.total_width, len(self._visible) + 1)
        if size != self.virtual_size:
            # The table's own region does not change with its row count: set it without the
            # whole-screen layout Textual's `virtual_size` asks for (one per page of a list
            # arriving); a scrollbar that appears or goes still relayouts (its own reactive).
            width_changed = size.width != self.virtual_size.width
            self.set_reactive(VirtualTable.virtual_size, size)
            self._scroll_update(size)
            if width_changed:  # more rows only lengthen the scrollbar (it repaints itself)
                self.refresh()

    def on_resize(self, event: events.Resize) -> None:
        self._sync_virtual_size()
        self._scroll_to_cursor()

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._style_cache.clear()
        self._line_cache.clear()

    # ------------------------------------------------------------ render

    def _component_style(self, name: str) -> Style:
        style = self._style_cache.get(name)
        if style is None:
            base = self.rich_style
            if name == "cursor":
                style = self.get_component_rich_style("virtual-table--cursor", partial=True)
            elif name in ("header", "empty"):
                style = base + self.get_component_rich_style(f"virtual-table--{name}")
            elif name:
                style = base + self.get_component_rich_style(f"virtual-table--row-{name}", default=Style.null())
            else:
                style = base
            self._style_cache[name] = style
        return style

    def _header_text(self, layout: _Layout) -> str:
        parts = []
        sort_column = self._sort_column
        arrow = _ARROW_DOWN if self._sort_reverse else _ARROW_UP
        for _, column, width in layout.columns:
            label = column.label
            if column.key == sort_column:
                label = f"{label} {arrow}"
            parts.append(_fit(label, width, column.justify))
        return self._join(parts)

    @staticmethod
    def _join(parts: list[str]) -> str:
        pad = " " * _CELL_PADDING
        return pad + (pad + pad).join(parts) + pad if parts else ""

    def _row_text(self, row: TableRow, layout: _Layout) -> str:
        cells = row.cells
        count = len(cells)
        return self._join(
            [
                _fit(cells[index] if index < count else "", width, column.justify, column.cut == "middle")
                for index, column, width in layout.columns
            ]
        )

    def render_line(self, y: int) -> Strip:
        self._realize_window()
        scroll_x, scroll_y = self.scroll_offset
        width = self.size.width
        base_style = self._component_style("")
        layout = self._get_layout()
        if layout.total_width != self.virtual_size.width and not self._sync_pending:
            # The available width changed without a resize (e.g. a scrollbar
            # appeared): fix the virtual size after this paint.
            self._sync_pending = True
            self.call_later(self._sync_virtual_size)
        line_width = max(layout.total_width, width)

        if y == 0:
            cache_key = ("header", line_width)
            strip = self._line_cache.get(cache_key)
            if strip is None:
                text = self._header_text(layout)
                text += " " * (line_width - layout.total_width)
                strip = Strip([Segment(text, self._component_style("header"))], line_width)
                self._line_cache[cache_key] = strip
            return strip.crop_extend(scroll_x, scroll_x + width, base_style)

        visible = self._visible
        index = scroll_y + y - 1
        if index >= len(visible):
            if not visible and self.empty_text and y == max(1, self.size.height // 2):
                text = _fit(self.empty_text, width, "center")
                return Strip([Segment(text, self._component_style("empty"))], width)
            return Strip.blank(width, base_style)

        row = visible[index]
        is_cursor = index == self._cursor_index
        cache_key = (row.key, row.cells, row.style, is_cursor, is_cursor and self.has_focus, line_width)
        strip = self._line_cache.get(cache_key)
        if strip is None:
            text = self._row_text(row, layout)
            text += " " * (line_width - layout.total_width)
            style = self._component_style(row.style)
            if is_cursor:
                style = style + self._component_style("cursor")
            strip = Strip([Segment(text, style)], line_width)
            self._line_cache[cache_key] = strip
        return strip.crop_extend(scroll_x, scroll_x + width, base_style)

    def refresh_row(self, key: str) -> None:
        """Repaint one row (e.g. after an external style change)."""
        index = self._visible_index(key)
        if index is not None:
            self.refresh(Region(0, index + 1 - self.scroll_offset.y, self.size.width, 1))
