"""Lazy rows and big batches in the VirtualTable (issue 10): work only for what is visible."""

from __future__ import annotations

import random

from textual.app import App, ComposeResult

from inference_console.widgets.virtual_table import BULK_MERGE, TableColumn, TableRow, VirtualTable

COLUMNS = [TableColumn("name", "NAME"), TableColumn("n", "N", justify="right"), TableColumn("node", "NODE")]


class Counting:
    """A RowRenderer that counts what it is asked for."""

    def __init__(self) -> None:
        self.cells_made: list[str] = []
        self.keys_made: list[tuple[str, int]] = []
        self.search_made: list[str] = []

    def cells(self, row: TableRow) -> tuple[str, ...]:
        self.cells_made.append(row.key)
        i = row.data
        return (f"pod-{i:05d}", str(i), f"node-{i % 7}")

    def search(self, row: TableRow) -> str:
        self.search_made.append(row.key)
        i = row.data
        return f"pod-{i:05d} {i} node-{i % 7}"

    def sort_key(self, row: TableRow, index: int):
        self.keys_made.append((row.key, index))
        i = row.data
        return (f"pod-{i:05d}", i, f"node-{i % 7}")[index]


def lazy(renderer: Counting, i: int) -> TableRow:
    return TableRow(f"k{i}", style="ok", data=i, renderer=renderer)


class TableApp(App):
    def compose(self) -> ComposeResult:
        yield VirtualTable(COLUMNS, id="t")


async def test_only_the_rows_on_screen_get_cells() -> None:
    renderer = Counting()
    app = TableApp()
    async with app.run_test(size=(60, 20)) as pilot:
        table = app.query_one(VirtualTable)
        table.sort_by("n", reverse=True)
        table.set_rows([lazy(renderer, i) for i in range(20_000)])
        await pilot.pause()
        assert table.row_count == 20_000
        assert len(set(renderer.cells_made)) <= 40  # a screenful (20 lines), not 20,000
        assert {index for _, index in renderer.keys_made} == {1}  # only the sort column's key
        assert table.visible_rows[0].key == "k19999"
        # G: the last screenful is drawn, and only it
        before = len(set(renderer.cells_made))
        await pilot.press("G")
        await pilot.pause()
        assert table.cursor_key == "k0"
        assert len(set(renderer.cells_made)) - before <= 40
        # a filter reads the search text of every row (once), never their cells
        cells_before = len(renderer.cells_made)
        table.set_filter(lambda row: "node-3" in row.search)
        assert table.row_count == sum(1 for i in range(20_000) if i % 7 == 3)
        assert len(set(renderer.search_made)) == 20_000
        table.set_filter(lambda row: "node-4" in row.search)
        assert len(renderer.search_made) == 20_000  # kept
        await pilot.pause()
        assert len(renderer.cells_made) - cells_before <= 40


async def test_widths_follow_the_rows_drawn() -> None:
    class Wide(Counting):
        def cells(self, row: TableRow) -> tuple[str, ...]:
            cells = super().cells(row)
            return (cells[0] + ("-very-long-name" if row.data == 5 else ""), *cells[1:])

    renderer = Wide()
    app = TableApp()
    async with app.run_test(size=(80, 10)) as pilot:
        table = app.query_one(VirtualTable)
        table.set_rows([lazy(renderer, i) for i in range(1000)])
        await pilot.pause()
        assert table._content_widths[0] == len("pod-00005-very-long-name")  # noqa: SLF001 - on screen
        await pilot.press("G")
        await pilot.pause()
        assert table.visible_rows[-1].key == "k999"


def test_a_big_batch_is_merged_into_the_same_order_as_a_full_sort() -> None:
    rng = random.Random(10)
    for sort_column, reverse in (("n", False), ("n", True), ("name", False), ("node", True), (None, True)):
        renderer = Counting()
        table = VirtualTable(COLUMNS)
        table.sort_by(sort_column, reverse)
        present: dict[str, TableRow] = {}
        numbers = list(range(5000))
        rng.shuffle(numbers)
        filtered = False
        for start in range(0, 5000, 700):  # pages, several above the merge threshold
            batch = [lazy(renderer, i) for i in numbers[start : start + 700]]
            if start:
                batch += [lazy(renderer, i) for i in rng.sample(numbers[:start], 5)]  # a few replacements
            table.upsert_rows(batch)
            present.update((row.key, row) for row in batch)
            if start >= 2800 and not filtered:
                table.set_filter(lambda row: row.data % 3 == 0)
                filtered = True
        assert 700 > BULK_MERGE
        rows = list(present.values())
        if sort_column is None:
            expect = [r.key for r in reversed(sorted(rows, key=lambda r: table._seq[r.key]))]  # noqa: SLF001
        else:
            index = [c.key for c in COLUMNS].index(sort_column)
            expect = [r.key for r in sorted(rows, key=lambda r: (r.sort_key(index), r.key), reverse=reverse)]
        expect = [k for k in expect if present[k].data % 3 == 0]
        assert [r.key for r in table.visible_rows] == expect, (sort_column, reverse)
        assert table.total_count == len(present)
        assert renderer.cells_made == []  # not mounted: nothing drawn, no cells
