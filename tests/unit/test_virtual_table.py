"""Unit tests for widgets.virtual_table.VirtualTable (driven through Textual's pilot)."""

from __future__ import annotations

import random

import pytest
from textual import events
from textual.app import App, ComposeResult
from textual.color import Color
from textual.filter import Monochrome, NoColor

from inference_console.widgets.virtual_table import TableColumn, TableRow, VirtualTable

COLUMNS = [
    TableColumn("name", "NAME"),
    TableColumn("status", "STATUS"),
    TableColumn("restarts", "RESTARTS", justify="right", priority=2),
    TableColumn("age", "AGE", justify="right", priority=1),
    TableColumn("node", "NODE", priority=3),
]

STYLES = ["ok", "progressing", "failed", "unknown", ""]


def make_row(i: int, *, restarts: int | None = None, status: str = "Running", style: str | None = None) -> TableRow:
    restarts = i % 5 if restarts is None else restarts
    name = f"pod-{i:03d}"
    cells = (name, status, str(restarts), f"{i}m", f"node-{i % 3}")
    return TableRow(
        key=name,
        cells=cells,
        style=STYLES[i % 5] if style is None else style,
        search=" ".join(cells).lower(),
        sort_keys=(name, status, restarts, i, f"node-{i % 3}"),
    )


def make_rows(n: int) -> list[TableRow]:
    return [make_row(i) for i in range(n)]


class TableApp(App):
    """Hosts one VirtualTable and records the messages it posts."""

    def __init__(self, columns=COLUMNS, rows=(), empty_text: str = "") -> None:
        super().__init__()
        self._columns = columns
        self._rows = list(rows)
        self._empty_text = empty_text
        self.highlighted: list[str | None] = []
        self.selected: list[str] = []
        self.headers: list[str] = []

    def compose(self) -> ComposeResult:
        yield VirtualTable(self._columns, empty_text=self._empty_text)

    def on_mount(self) -> None:
        if self._rows:
            self.query_one(VirtualTable).set_rows(self._rows)

    def on_virtual_table_row_highlighted(self, event: VirtualTable.RowHighlighted) -> None:
        self.highlighted.append(event.key)

    def on_virtual_table_row_selected(self, event: VirtualTable.RowSelected) -> None:
        self.selected.append(event.key)

    def on_virtual_table_header_selected(self, event: VirtualTable.HeaderSelected) -> None:
        self.headers.append(event.column_key)


def lines(table: VirtualTable) -> list[str]:
    return [table.render_line(y).text for y in range(table.size.height)]


def screen_line_of(table: VirtualTable, key: str) -> int | None:
    """Viewport line on which a row key is painted (the header is line 0)."""
    for y, text in enumerate(lines(table)):
        if y and text.split() and text.split()[0] == key:
            return y
    return None


def cursor_lines(table: VirtualTable) -> list[int]:
    """Viewport lines painted with the cursor (reverse video)."""
    return [y for y in range(table.size.height) if any(seg.style and seg.style.reverse for seg in table.render_line(y))]


# --------------------------------------------------------------- rendering


async def test_renders_header_and_rows() -> None:
    app = TableApp(rows=make_rows(30))
    async with app.run_test(size=(80, 24)) as pilot:
        table = app.query_one(VirtualTable)
        await pilot.pause()
        text = lines(table)
        assert text[0].split() == ["NAME", "STATUS", "RESTARTS", "AGE", "NODE"]
        assert text[1].split() == ["pod-000", "Running", "0", "0m", "node-0"]
        assert text[23].split()[0] == "pod-022"  # 23 body lines, rows 0..22
        assert all(len(line) == 80 for line in text)
        # Header is bold; right-justified columns line up under the label's end.
        assert all(seg.style.bold for seg in table.render_line(0) if seg.text.strip())
        header, row = text[0], text[3]
        assert header.index("RESTARTS") + len("RESTARTS") == row.index(" 2 ") + 2
        assert table.virtual_size.height == 31  # header + 30 rows
        assert table.row_count == table.total_count == 30


async def test_only_visible_lines_are_rendered() -> None:
    app = TableApp(rows=make_rows(5000))
    async with app.run_test(size=(80, 24)) as pilot:
        table = app.query_one(VirtualTable)
        await pilot.pause()
        calls: list[str] = []
        original = table._row_text

        def counting(row, layout):
            calls.append(row.key)
            return original(row, layout)

        table._row_text = counting  # type: ignore[method-assign]
        table._line_cache.clear()
        table.refresh()
        await pilot.pause()
        assert 0 < len(calls) <= 23
        assert set(calls) <= {f"pod-{i:03d}" for i in range(23)}


async def test_row_styles_use_component_classes() -> None:
    app = TableApp(rows=make_rows(6))
    async with app.run_test(size=(80, 24)) as pilot:
        table = app.query_one(VirtualTable)
        await pilot.pause()

        def color(key_index: int) -> object:
            return list(table.render_line(1 + key_index))[0].style.color

        failed = table.get_component_rich_style("virtual-table--row-failed")
        progressing = table.get_component_rich_style("virtual-table--row-progressing")
        assert color(2) == failed.color  # pod-002 style "failed"
        assert color(1) == progressing.color  # pod-001 style "progressing"
        assert color(2) != color(4)  # "" keeps the widget colour


async def test_cursor_visible_without_colour() -> None:
    """The cursor row uses reverse video, which survives NO_COLOR / monochrome."""
    app = TableApp(rows=make_rows(10))
    async with app.run_test(size=(80, 24)) as pilot:
        table = app.query_one(VirtualTable)
        await pilot.pause()
        assert table.has_focus
        assert cursor_lines(table) == [1]
        focused = list(table.render_line(1))[0].style
        assert focused.reverse and focused.bold
        background = Color.parse("black")
        for line_filter in (NoColor(), Monochrome()):
            cursor = line_filter.apply(list(table.render_line(1)), background)
            plain = line_filter.apply(list(table.render_line(2)), background)
            assert all(seg.style.reverse for seg in cursor)
            assert not any(seg.style.reverse for seg in plain)
        table.blur()
        await pilot.pause()
        assert not table.has_focus
        assert cursor_lines(table) == [1]  # still visible when blurred


# --------------------------------------------------------------- keyboard


async def test_cursor_keys_move_and_scroll() -> None:
    app = TableApp(rows=make_rows(100))
    async with app.run_test(size=(80, 24)) as pilot:
        table = app.query_one(VirtualTable)
        await pilot.pause()
        assert (table.cursor_row, table.cursor_key) == (0, "pod-000")
        await pilot.press("down", "j", "j")
        assert (table.cursor_row, table.cursor_key) == (3, "pod-003")
        await pilot.press("up", "k")
        assert table.cursor_row == 1
        await pilot.press("k", "k", "up")  # clamps at the top
        assert table.cursor_row == 0

        await pilot.press("pagedown")
        assert table.cursor_row == 22
        assert table.scroll_offset.y == 22
        await pilot.press("pagedown")
        assert table.cursor_row == 44
        await pilot.pause()
        assert screen_line_of(table, "pod-044") in cursor_lines(table)
        await pilot.press("pageup")
        assert table.cursor_row == 22

        await pilot.press("end")
        await pilot.pause()
        assert (table.cursor_row, table.cursor_key) == (99, "pod-099")
        assert table.scroll_offset.y == table.max_scroll_y == 100 + 1 - 24
        assert lines(table)[23].split()[0] == "pod-099"
        assert cursor_lines(table) == [23]
        await pilot.press("down")  # clamps at the bottom
        assert table.cursor_row == 99

        await pilot.press("home")
        await pilot.pause()
        assert table.cursor_row == 0 and table.scroll_offset.y == 0
        await pilot.press("G")
        assert table.cursor_row == 99
        await pilot.press("g")
        assert table.cursor_row == 0


async def test_enter_posts_row_selected_and_moves_post_highlighted() -> None:
    app = TableApp(rows=make_rows(10))
    async with app.run_test(size=(80, 24)) as pilot:
        app.query_one(VirtualTable)
        await pilot.pause()
        assert app.highlighted == ["pod-000"]  # initial population highlights row 0
        await pilot.press("down", "down")
        await pilot.press("enter")
        await pilot.pause()
        assert app.highlighted == ["pod-000", "pod-001", "pod-002"]
        assert app.selected == ["pod-002"]
        await pilot.press("up", "down")  # moving back and forth posts each move
        await pilot.pause()
        assert app.highlighted[-2:] == ["pod-001", "pod-002"]
        highlighted = len(app.highlighted)
        await pilot.press("home", "home", "k")  # only the first actually moves
        await pilot.pause()
        assert app.highlighted[highlighted:] == ["pod-000"]


async def test_enter_on_empty_table_posts_nothing() -> None:
    app = TableApp(empty_text="No pods")
    async with app.run_test(size=(80, 24)) as pilot:
        table = app.query_one(VirtualTable)
        await pilot.press("enter", "down", "end")
        await pilot.pause()
        assert app.selected == [] and app.highlighted == []
        assert table.cursor_key is None and table.cursor_row == 0


# ------------------------------------------------------------------- mouse


async def test_click_moves_cursor_then_selects() -> None:
    app = TableApp(rows=make_rows(50))
    async with app.run_test(size=(80, 24)) as pilot:
        table = app.query_one(VirtualTable)
        await pilot.pause()
        await pilot.click(VirtualTable, offset=(3, 4))  # line 4 -> row 3
        await pilot.pause()
        assert table.cursor_key == "pod-003"
        assert app.selected == []
        await pilot.click(VirtualTable, offset=(3, 4))
        await pilot.pause()
        assert app.selected == ["pod-003"]
        await pilot.click(VirtualTable, offset=(3, 0))  # header: NAME column
        await pilot.click(VirtualTable, offset=(12, 0))  # header: STATUS column
        await pilot.pause()
        assert app.headers == ["name", "status"]
        assert table.cursor_key == "pod-003"


async def test_mouse_wheel_scrolls() -> None:
    app = TableApp(rows=make_rows(100))
    async with app.run_test(size=(80, 24)) as pilot:
        table = app.query_one(VirtualTable)
        await pilot.pause()
        for _ in range(2):
            table.post_message(events.MouseScrollDown(table, 5, 5, 0, 1, 0, False, False, False))
        await pilot.pause()
        assert table.scroll_offset.y > 0
        top = table.scroll_offset.y
        assert lines(table)[0].split()[0] == "NAME"  # header stays fixed
        assert lines(table)[1].split()[0] == f"pod-{top:03d}"


# ------------------------------------------------------ data changes/cursor


async def test_upsert_in_place_and_new_rows() -> None:
    app = TableApp(rows=make_rows(10))
    async with app.run_test(size=(80, 24)) as pilot:
        table = app.query_one(VirtualTable)
        await pilot.pause()
        table.upsert_rows([make_row(3, status="CrashLoopBackOff", style="failed"), make_row(42)])
        await pilot.pause()
        assert table.total_count == 11
        assert [row.key for row in table.visible_rows][-1] == "pod-042"  # new rows go last
        assert lines(table)[4].split()[:2] == ["pod-003", "CrashLoopBackOff"]
        # The STATUS column grew to fit the new content.
        assert lines(table)[0].index("RESTARTS") > lines(table)[4].index("CrashLoopBackOff") + 16


async def test_cursor_stays_on_key_when_upsert_reorders() -> None:
    app = TableApp(rows=make_rows(100))
    async with app.run_test(size=(80, 24)) as pilot:
        table = app.query_one(VirtualTable)
        table.sort_by("restarts")
        await pilot.pause()
        assert table.move_cursor_to_key("pod-052")  # restarts 2
        await pilot.pause()
        line_before = screen_line_of(table, "pod-052")
        index_before = table.cursor_row
        assert line_before is not None and cursor_lines(table) == [line_before]
        highlighted = len(app.highlighted)

        # Its restarts go up to 4: it moves far down in the sorted order.
        table.upsert_rows([make_row(52, restarts=4)])
        await pilot.pause()
        assert table.cursor_key == "pod-052"
        assert table.cursor_row > index_before
        assert table.visible_rows[table.cursor_row].key == "pod-052"
        assert screen_line_of(table, "pod-052") == line_before  # scroll followed it
        assert cursor_lines(table) == [line_before]

        # Other rows jumping in front of it shift its index, not the cursor key.
        index_before = table.cursor_row
        table.upsert_rows([make_row(i, restarts=0) for i in range(60, 80)])
        await pilot.pause()
        assert table.cursor_key == "pod-052"
        assert table.visible_rows[table.cursor_row].key == "pod-052"
        assert screen_line_of(table, "pod-052") == line_before
        assert app.highlighted[highlighted:] == []  # the cursor never changed key

        keys = [row.key for row in table.visible_rows]
        restarts = [row.sort_keys[2] for row in table.visible_rows]
        assert restarts == sorted(restarts)
        assert len(keys) == len(set(keys)) == 100


async def test_cursor_stays_on_key_after_removing_rows_above() -> None:
    app = TableApp(rows=make_rows(50))
    async with app.run_test(size=(80, 24)) as pilot:
        table = app.query_one(VirtualTable)
        await pilot.pause()
        table.move_cursor_to_key("pod-010")
        table.remove_rows(["pod-001", "pod-002", "pod-003", "nope"])
        await pilot.pause()
        assert table.cursor_key == "pod-010"
        assert table.cursor_row == 7
        assert table.total_count == 47
        assert cursor_lines(table) == [screen_line_of(table, "pod-010")]
        # Many rows at once (the bulk path).
        table.remove_rows([f"pod-{i:03d}" for i in range(11, 50)] + ["pod-000"])
        await pilot.pause()
        assert table.cursor_key == "pod-010"
        assert [row.key for row in table.visible_rows] == [f"pod-{i:03d}" for i in range(4, 11)]


async def test_removing_cursor_row_moves_to_next_row() -> None:
    app = TableApp(rows=make_rows(20))
    async with app.run_test(size=(80, 24)) as pilot:
        table = app.query_one(VirtualTable)
        await pilot.pause()
        table.move_cursor_to_key("pod-005")
        table.remove_rows(["pod-005", "pod-006"])
        await pilot.pause()
        assert table.cursor_key == "pod-007"
        assert app.highlighted[-1] == "pod-007"
        table.move_cursor_to_key("pod-019")
        table.remove_rows(["pod-019"])  # last row: the one above takes over
        await pilot.pause()
        assert table.cursor_key == "pod-018"
        table.remove_rows([row.key for row in list(table.visible_rows)])
        await pilot.pause()
        assert table.cursor_key is None and table.row_count == 0
        assert app.highlighted[-1] is None


async def test_set_rows_keeps_cursor_key() -> None:
    app = TableApp(rows=make_rows(30))
    async with app.run_test(size=(80, 24)) as pilot:
        table = app.query_one(VirtualTable)
        await pilot.pause()
        table.move_cursor_to_key("pod-020")
        table.set_rows(make_rows(30)[::-1])  # same keys, new order
        await pilot.pause()
        assert table.cursor_key == "pod-020"
        assert table.cursor_row == 9
        table.set_rows(make_rows(5))  # cursor key gone: clamp to the last row
        await pilot.pause()
        assert table.cursor_key == "pod-004"
        # Duplicate keys: the last one wins.
        table.set_rows([make_row(1), make_row(1, status="Failed")])
        assert table.total_count == 1 and table.visible_rows[0].cells[1] == "Failed"


# ------------------------------------------------------------------ filter


async def test_filter_keeps_cursor_on_key_or_nearest() -> None:
    app = TableApp(rows=make_rows(100))
    async with app.run_test(size=(80, 24)) as pilot:
        table = app.query_one(VirtualTable)
        await pilot.pause()
        table.move_cursor_to_key("pod-050")
        table.set_filter(lambda row: "node-2" in row.search)  # 50 % 3 == 2
        await pilot.pause()
        assert table.cursor_key == "pod-050"
        assert table.row_count == 33 and table.total_count == 100
        assert all(row.cells[4] == "node-2" for row in table.visible_rows)
        assert cursor_lines(table) == [screen_line_of(table, "pod-050")]

        table.set_filter(lambda row: "node-0" in row.search)  # hides pod-050
        await pilot.pause()
        assert table.cursor_key == "pod-051"  # nearest visible row after it
        table.set_filter(lambda row: "pod-00" in row.search)  # all before it
        await pilot.pause()
        assert table.cursor_key == "pod-009"

        table.set_filter(lambda row: "zzz" in row.search)
        await pilot.pause()
        assert table.cursor_key is None and table.row_count == 0
        table.set_filter(None)
        await pilot.pause()
        assert table.row_count == 100
        assert table.cursor_key is not None


async def test_filter_then_upsert_respects_filter() -> None:
    app = TableApp(rows=make_rows(30))
    async with app.run_test(size=(80, 24)) as pilot:
        table = app.query_one(VirtualTable)
        await pilot.pause()
        table.set_filter(lambda row: "crash" in row.search)
        assert table.row_count == 0
        table.upsert_rows([make_row(7, status="CrashLoopBackOff"), make_row(99, status="CrashLoopBackOff")])
        assert [row.key for row in table.visible_rows] == ["pod-007", "pod-099"]
        table.upsert_rows([make_row(7)])  # no longer matches
        assert [row.key for row in table.visible_rows] == ["pod-099"]
        assert table.total_count == 31


# -------------------------------------------------------------------- sort


async def test_sort_by_column_asc_desc_uses_sort_keys() -> None:
    rows = [make_row(i, restarts=r) for i, r in enumerate([9, 10, 2, 100, 2])]
    app = TableApp(rows=rows)
    async with app.run_test(size=(80, 24)) as pilot:
        table = app.query_one(VirtualTable)
        await pilot.pause()
        table.sort_by("restarts")
        await pilot.pause()
        assert (table.sort_column, table.sort_reverse) == ("restarts", False)
        # Numeric sort keys, not text ("10" < "9"); ties broken by row key.
        assert [row.key for row in table.visible_rows] == ["pod-002", "pod-004", "pod-000", "pod-001", "pod-003"]
        assert "RESTARTS ▲" in lines(table)[0]
        table.sort_by("restarts", reverse=True)
        await pilot.pause()
        assert [row.sort_keys[2] for row in table.visible_rows] == [100, 10, 9, 2, 2]
        assert "RESTARTS ▼" in lines(table)[0]
        assert lines(table)[1].split()[0] == "pod-003"
        table.sort_by(None)
        await pilot.pause()
        assert [row.key for row in table.visible_rows] == [f"pod-{i:03d}" for i in range(5)]
        assert "▲" not in lines(table)[0] and "▼" not in lines(table)[0]


async def test_sort_falls_back_to_cell_text_and_survives_mixed_types() -> None:
    rows = [
        TableRow("a", ("zeta", "3")),
        TableRow("b", ("alpha", "1")),
        TableRow("c", ("mu", "2")),
    ]
    app = TableApp(columns=[TableColumn("n", "N"), TableColumn("v", "V")], rows=rows)
    async with app.run_test(size=(80, 24)) as pilot:
        table = app.query_one(VirtualTable)
        table.sort_by("n")
        assert [row.cells[0] for row in table.visible_rows] == ["alpha", "mu", "zeta"]
        # Incomparable sort keys (None vs int) do not raise.
        table.set_rows(
            [TableRow("x", ("x", "?"), sort_keys=("x", None)), TableRow("y", ("y", "1"), sort_keys=("y", 1))]
        )
        table.sort_by("v")
        table.upsert_rows([TableRow("z", ("z", "0"), sort_keys=("z", 0))])
        assert sorted(row.key for row in table.visible_rows) == ["x", "y", "z"]
        await pilot.pause()


@pytest.mark.parametrize("sort_column", [None, "restarts", "name"])
@pytest.mark.parametrize("reverse", [False, True])
def test_incremental_updates_match_a_full_rebuild(sort_column: str | None, reverse: bool) -> None:
    """Random upserts/removals/filters give exactly the order a from-scratch sort would."""
    rng = random.Random(f"{sort_column}-{reverse}")
    table = VirtualTable(COLUMNS)
    model: dict[str, TableRow] = {}  # dict order == insertion order, like the table's natural order

    def expected() -> list[str]:
        rows = list(model.values())
        if sort_column is None:
            ordered = rows[::-1] if reverse else rows
        else:
            index = [column.key for column in COLUMNS].index(sort_column)
            ordered = sorted(rows, key=lambda row: (row.sort_keys[index], row.key), reverse=reverse)
        if predicate is not None:
            ordered = [row for row in ordered if predicate(row)]
        return [row.key for row in ordered]

    predicate = None
    initial = [make_row(i, restarts=rng.randrange(6)) for i in range(80)]
    table.set_rows(initial)
    model.update((row.key, row) for row in initial)
    table.sort_by(sort_column, reverse)
    rebuilds: list[int] = []
    original_rebuild = table._rebuild_order

    def counting_rebuild() -> None:
        rebuilds.append(1)
        original_rebuild()

    table._rebuild_order = counting_rebuild  # type: ignore[method-assign]
    for step in range(60):
        action = rng.random()
        if action < 0.5:
            batch = [make_row(rng.randrange(120), restarts=rng.randrange(6)) for _ in range(rng.randint(1, 40))]
            table.upsert_rows(batch)
            model.update((row.key, row) for row in batch)
        elif action < 0.8:
            keys = [f"pod-{rng.randrange(120):03d}" for _ in range(rng.choice([1, 5, 50]))]
            table.remove_rows(keys)
            for key in keys:
                model.pop(key, None)
        else:
            needle = rng.choice(["node-1", "node-2", "pod-0", None])
            predicate = None if needle is None else (lambda row, needle=needle: needle in row.search)
            table.set_filter(predicate)
        assert [row.key for row in table.visible_rows] == expected(), f"step {step}"
        assert table.total_count == len(model)
        if table.row_count:
            assert table.visible_rows[table.cursor_row].key == table.cursor_key
        else:
            assert table.cursor_key is None
    assert rebuilds == []  # every change was applied incrementally, without a re-sort


@pytest.mark.parametrize("sort_column", [None, "restarts", "name"])
@pytest.mark.parametrize("reverse", [False, True])
@pytest.mark.parametrize("filtered", [False, True])
def test_pages_merged_into_many_rows_keep_the_order(sort_column: str | None, reverse: bool, filtered: bool) -> None:
    """A page of a listing (hundreds of new rows) lands in a table of thousands: merged by
    binary search instead of a sort, the order is exactly the full sort's."""
    rng = random.Random(f"pages-{sort_column}-{reverse}-{filtered}")
    table = VirtualTable(COLUMNS)
    if filtered:
        table.set_filter(lambda row: "node-1" not in row.search)
    table.sort_by(sort_column, reverse)
    numbers = rng.sample(range(100_000), 12_000)
    model: dict[str, TableRow] = {}
    pages = [numbers[:8000], *(numbers[8000 + k : 8000 + k + 300] for k in range(0, 4000, 300))]
    for page in pages:
        rows = [make_row(i, restarts=rng.randrange(6)) for i in page]
        table.upsert_rows(rows)
        model.update((row.key, row) for row in rows)
    ordered = list(model.values())
    if sort_column is None:
        ordered = ordered[::-1] if reverse else ordered
    else:
        index = [column.key for column in COLUMNS].index(sort_column)
        ordered = sorted(ordered, key=lambda row: (row.sort_keys[index], row.key), reverse=reverse)
    if filtered:
        ordered = [row for row in ordered if "node-1" not in row.search]
    assert [row.key for row in table.visible_rows] == [row.key for row in ordered]
    assert table.total_count == 12_000


async def test_sort_by_unknown_column_raises() -> None:
    table = VirtualTable(COLUMNS)
    try:
        table.sort_by("nope")
    except KeyError:
        pass
    else:  # pragma: no cover
        raise AssertionError("sort_by accepted an unknown column")


# ----------------------------------------------------------- width/columns


async def test_narrow_width_drops_columns_by_priority() -> None:
    app = TableApp(rows=make_rows(30))
    async with app.run_test(size=(40, 24)) as pilot:
        table = app.query_one(VirtualTable)
        await pilot.pause()
        # Full width: 9 + 9 + 10 + 6 + 8 = 42 > 38 (40 minus the scrollbar):
        # NODE (highest priority number, 3) is dropped; the rest fit.
        assert lines(table)[0].split() == ["NAME", "STATUS", "RESTARTS", "AGE"]
        assert lines(table)[1].split() == ["pod-000", "Running", "0", "0m"]
        assert table.virtual_size.width <= table.scrollable_content_region.width
        assert not table.show_horizontal_scrollbar

    app = TableApp(rows=make_rows(30))
    async with app.run_test(size=(34, 24)) as pilot:
        table = app.query_one(VirtualTable)
        await pilot.pause()
        # Then RESTARTS (2) goes; AGE (1) still fits.
        assert lines(table)[0].split() == ["NAME", "STATUS", "AGE"]
        assert lines(table)[1].split() == ["pod-000", "Running", "0m"]

    app = TableApp(rows=make_rows(30))
    async with app.run_test(size=(24, 24)) as pilot:
        table = app.query_one(VirtualTable)
        await pilot.pause()
        assert lines(table)[0].split() == ["NAME", "STATUS"]  # priority 0 always stays
        await pilot.resize_terminal(60, 24)
        await pilot.pause()
        assert lines(table)[0].split() == ["NAME", "STATUS", "RESTARTS", "AGE", "NODE"]

    app = TableApp(rows=make_rows(30))
    async with app.run_test(size=(120, 24)) as pilot:
        table = app.query_one(VirtualTable)
        await pilot.pause()
        assert lines(table)[0].split() == ["NAME", "STATUS", "RESTARTS", "AGE", "NODE"]


async def test_column_widths_follow_content() -> None:
    columns = [TableColumn("a", "A", min_width=3), TableColumn("b", "B", max_width=8), TableColumn("c", "C")]
    rows = [TableRow("1", ("x", "short", "end")), TableRow("2", ("yy", "a-very-long-value", "end"))]
    app = TableApp(columns=columns, rows=rows)
    async with app.run_test(size=(80, 24)) as pilot:
        table = app.query_one(VirtualTable)
        await pilot.pause()
        text = lines(table)
        assert text[0].startswith(" A    B         C    ")  # 3 + 8 + 4 (min_width)
        assert text[2].startswith(" yy   a-very-…  end")
        table.upsert_rows([TableRow("3", ("wide-value", "s", "end"))])
        await pilot.pause()
        assert lines(table)[3].startswith(" wide-value  s         end")
        table.remove_rows(["3"])  # the widest cell left: the column shrinks again
        await pilot.pause()
        assert lines(table)[0].startswith(" A    B ")
        # Wide (CJK) characters are measured in cells.
        table.upsert_rows([TableRow("4", ("日本語", "s", "end"))])
        await pilot.pause()
        assert lines(table)[0].startswith(" A       B ")


async def test_horizontal_scrolling_moves_header_and_body_together() -> None:
    columns = [TableColumn(f"c{i}", f"COL{i}", min_width=8) for i in range(6)]  # all priority 0
    rows = [TableRow(f"r{i}", tuple(f"v{i}-{j}" for j in range(6))) for i in range(40)]
    app = TableApp(columns=columns, rows=rows)
    async with app.run_test(size=(30, 12)) as pilot:
        table = app.query_one(VirtualTable)
        await pilot.pause()
        assert table.virtual_size.width == 6 * 10
        assert table.show_horizontal_scrollbar
        before = lines(table)
        await pilot.press("right", "right", "right", "right", "right")
        await pilot.pause()
        assert table.scroll_offset.x == 5
        after = lines(table)
        body_width = table.scrollable_content_region.width
        for y in (0, 1, 5):
            assert after[y][: body_width - 5] == before[y][5:body_width]
        await pilot.press("end")
        await pilot.pause()
        assert table.scroll_offset.x == 5  # vertical keys keep the horizontal position
        assert table.cursor_key == "r39"
        assert cursor_lines(table)
        text = lines(table)
        assert text[0][:body_width].split()[0] == "COL1"
        scroll_y = table.scroll_offset.y
        assert text[table.cursor_row - scroll_y + 1].split()[:2] == ["0", "v39-1"]
        table.scroll_to(x=table.max_scroll_x, animate=False)
        await pilot.pause()
        assert lines(table)[0][:body_width].rstrip().endswith("COL5")
        assert lines(table)[1 + 39 - scroll_y][:body_width].rstrip().endswith("v39-5")


async def test_empty_text_shown_when_no_visible_rows() -> None:
    app = TableApp(empty_text="Loading…")
    async with app.run_test(size=(80, 24)) as pilot:
        table = app.query_one(VirtualTable)
        await pilot.pause()
        text = lines(table)
        assert text[0].split() == ["NAME", "STATUS", "RESTARTS", "AGE", "NODE"]
        shown = [y for y, line in enumerate(text) if "Loading…" in line]
        assert len(shown) == 1 and shown[0] > 1
        line = text[shown[0]]
        assert abs(line.index("L") - (80 - len(line.strip()) - line.index("L"))) <= 1  # centred
        assert all(seg.style.dim for seg in table.render_line(shown[0]) if seg.text.strip())

        table.empty_text = "No pods"
        await pilot.pause()
        assert any("No pods" in line for line in lines(table))
        table.set_rows(make_rows(3))
        await pilot.pause()
        assert not any("No pods" in line for line in lines(table))
        table.set_filter(lambda row: False)
        await pilot.pause()
        assert any("No pods" in line for line in lines(table))
        assert table.row_count == 0 and table.total_count == 3


async def test_set_columns_changes_layout_and_resets_stale_sort() -> None:
    app = TableApp(rows=make_rows(5))
    async with app.run_test(size=(80, 24)) as pilot:
        table = app.query_one(VirtualTable)
        table.sort_by("age", reverse=True)
        await pilot.pause()
        table.set_columns([TableColumn("name", "NAME"), TableColumn("status", "STATE")])
        await pilot.pause()
        assert table.sort_column is None
        assert lines(table)[0].split() == ["NAME", "STATE"]
        assert lines(table)[1].split() == ["pod-000", "Running"]


async def test_works_before_mount() -> None:
    table = VirtualTable(COLUMNS)
    table.set_rows(make_rows(100))
    table.sort_by("restarts")
    table.set_filter(lambda row: "node-1" in row.search)
    table.upsert_rows([make_row(500)])
    table.remove_rows(["pod-001"])
    assert table.total_count == 100
    assert table.row_count == 32  # 33 on node-1, minus pod-001; pod-500 is on node-2
    assert table.cursor_key == table.visible_rows[table.cursor_row].key


def test_middle_cut_keeps_the_distinct_tails_of_generated_names():
    from inference_console.widgets.virtual_table import _fit

    a = _fit("llama3-8b-predictor-6d5f7c9b8-abcde", 16, "left", middle=True)
    b = _fit("llama3-8b-predictor-6d5f7c9b8-xyzzy", 16, "left", middle=True)
    assert len(a) == 16 and a != b and a.endswith("-abcde") and a.startswith("llama3") and "…" in a
    assert _fit("short", 16, "left", middle=True) == "short" + " " * 11
    assert _fit("llama3-8b-predictor", 10, "left") == "llama3-8b…"  # the default stays an end cut


async def test_which_columns_show_does_not_change_with_the_data() -> None:
    columns = [
        TableColumn("name", "NAME"),
        TableColumn("reason", "REASON", max_width=80, priority=1),
        TableColumn("url", "URL", max_width=60, priority=3),
        TableColumn("age", "AGE", justify="right"),
    ]
    short = [TableRow(key="a", cells=("a", "", "", "1d"))]
    long = [TableRow(key="a", cells=("a", "x" * 70, "http://" + "y" * 50, "1d"))]
    app = TableApp(rows=short, columns=columns)
    async with app.run_test(size=(60, 10)) as pilot:
        table = app.query_one(VirtualTable)
        await pilot.pause()
        before = lines(table)[0].split()
        table.set_rows(long)
        await pilot.pause()
        assert lines(table)[0].split() == before  # squeezed, not dropped or added
        table.set_rows(short)
        await pilot.pause()
        assert lines(table)[0].split() == before
