"""Benchmark for widgets.virtual_table.VirtualTable (prints figures; not a timed test).

Run:  python tests/bench/bench_table.py [--rows 10000]
or:   pytest tests/bench/bench_table.py -s    (tests/bench is ignored by default addopts)
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from textual.app import App, ComposeResult  # noqa: E402
from textual.widgets import DataTable  # noqa: E402

from inference_console.widgets.virtual_table import TableColumn, TableRow, VirtualTable  # noqa: E402

STATUSES = [
    ("Running", "ok"),
    ("Pending", "progressing"),
    ("ContainerCreating", "progressing"),
    ("CrashLoopBackOff", "failed"),
    ("Unknown", "unknown"),
    ("Completed", ""),
]

COLUMNS = [
    TableColumn("namespace", "NAMESPACE", priority=2),
    TableColumn("name", "NAME", max_width=48),
    TableColumn("ready", "READY", justify="right"),
    TableColumn("status", "STATUS"),
    TableColumn("restarts", "RESTARTS", justify="right", priority=1),
    TableColumn("age", "AGE", justify="right"),
    TableColumn("ip", "IP", priority=3),
    TableColumn("node", "NODE", priority=4),
]


def make_row(i: int, generation: int = 0) -> TableRow:
    status, style = STATUSES[(i + generation) % len(STATUSES)]
    namespace = f"team-{i % 23}"
    name = f"llm-serving-{i % 97}-predictor-{i:05d}-{(i * 7919) % 99991:05x}"
    restarts = (i * 31 + generation) % 17
    age = (i * 13) % 5000
    cells = (
        namespace,
        name,
        f"{1 + i % 2}/2",
        status,
        str(restarts),
        f"{age // 60}h{age % 60}m",
        f"10.{i % 256}.{(i // 256) % 256}.{i % 7}",
        f"gpu-node-{i % 41}",
    )
    return TableRow(
        key=f"{namespace}/{name}",
        cells=cells,
        style=style,
        search=" ".join(cells).lower(),
        sort_keys=(namespace, name, i % 2, status, restarts, age, cells[6], cells[7]),
    )


def ms(seconds: float) -> str:
    return f"{seconds * 1000:8.2f} ms"


def time_call(fn, repeat: int = 5) -> float:
    """Best-of-`repeat` wall time of fn()."""
    best = float("inf")
    for _ in range(repeat):
        gc.collect()
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return best


class _VTApp(App):
    def __init__(self, rows: list[TableRow]) -> None:
        super().__init__()
        self.rows = rows
        self.first_paint: float | None = None

    def compose(self) -> ComposeResult:
        yield VirtualTable(COLUMNS, empty_text="Loading…")

    def on_mount(self) -> None:
        self.query_one(VirtualTable).set_rows(self.rows)


class _DTApp(App):
    def __init__(self, rows: list[TableRow]) -> None:
        super().__init__()
        self.rows = rows

    def compose(self) -> ComposeResult:
        yield DataTable(cursor_type="row")

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        table.add_columns(*(column.label for column in COLUMNS))
        table.add_rows([row.cells for row in self.rows])


async def _time_app(app: App) -> float:
    """Seconds from app start until the first screen update with the data is done."""
    start = time.perf_counter()
    async with app.run_test(size=(160, 50)) as pilot:
        await _paint(app, pilot)
        elapsed = time.perf_counter() - start
    return elapsed


async def _paint(app: App, pilot) -> None:
    """Let pending messages run, then render the whole screen."""
    await pilot.pause()
    compositor = getattr(app.screen, "_compositor", None)
    if compositor is not None:
        compositor.render_update(full=True)
    else:  # pragma: no cover - private API moved: fall back to a public render
        app.export_screenshot()


def _time_in_app(rows: list[TableRow], needle: str, kind: str) -> dict[str, float]:
    """Inside a running app: load rows, then re-filter, each timed up to a full paint.

    `kind` is "vt" (VirtualTable) or "dt" (DataTable).  DataTable has no filter,
    so its re-filter is clear() + add_rows(matching rows), the approach this
    widget replaces.  Each widget runs in its own app.
    """
    result: dict[str, float] = {}
    matching = [row for row in rows if needle in row.search]

    class _App(App):
        def compose(self) -> ComposeResult:
            if kind == "dt":
                yield DataTable(cursor_type="row")
            else:
                yield VirtualTable(COLUMNS)

    async def run() -> None:
        app = _App()
        async with app.run_test(size=(160, 50)) as pilot:
            await _paint(app, pilot)
            baseline = []
            for _ in range(5):
                start = time.perf_counter()
                await _paint(app, pilot)
                baseline.append(time.perf_counter() - start)
            result["paint_baseline"] = min(baseline)
            if kind == "dt":
                data_table = app.query_one(DataTable)
                data_table.add_columns(*(column.label for column in COLUMNS))
                start = time.perf_counter()
                data_table.add_rows([row.cells for row in rows])
                result["add_call"] = time.perf_counter() - start
                await _paint(app, pilot)
                result["add_paint"] = time.perf_counter() - start
                start = time.perf_counter()
                data_table.clear()
                data_table.add_rows([row.cells for row in matching])
                await _paint(app, pilot)
                result["refilter_paint"] = time.perf_counter() - start
            else:
                virtual_table = app.query_one(VirtualTable)
                start = time.perf_counter()
                virtual_table.set_rows(rows)
                result["add_call"] = time.perf_counter() - start
                await _paint(app, pilot)
                result["add_paint"] = time.perf_counter() - start
                start = time.perf_counter()
                virtual_table.set_filter(lambda row: needle in row.search)
                await _paint(app, pilot)
                result["refilter_paint"] = time.perf_counter() - start
                assert virtual_table.row_count == len(matching)
                # Without the pilot's frame-timer waits: filter, re-layout the
                # screen and repaint it all, synchronously (private Textual API).
                screen = app.screen
                if hasattr(screen, "_refresh_layout") and hasattr(screen, "_compositor"):
                    times = []
                    for text in ("team-1", "pending", "gpu-node-3", "", needle):
                        virtual_table.set_filter(None)
                        await _paint(app, pilot)
                        start = time.perf_counter()
                        virtual_table.set_filter(lambda row, text=text: text in row.search)
                        screen._refresh_layout()
                        screen._compositor.render_update(full=True)
                        times.append(time.perf_counter() - start)
                    result["refilter_sync_paint"] = statistics.median(times)

    asyncio.run(run())
    return result


def run_benchmark(n: int = 10_000) -> dict[str, float]:
    rows = [make_row(i) for i in range(n)]
    figures: dict[str, float] = {}
    print(f"VirtualTable benchmark, {n:,} rows, Python {sys.version.split()[0]}")

    # --- set_rows (widget not mounted: pure data path) ---------------------
    table = VirtualTable(COLUMNS)
    figures["set_rows"] = time_call(lambda: table.set_rows(rows))
    print(f"set_rows({n:,})                      {ms(figures['set_rows'])}")

    table.sort_by("name")
    figures["set_rows_sorted"] = time_call(lambda: table.set_rows(rows))
    print(f"set_rows({n:,}) sorted by name       {ms(figures['set_rows_sorted'])}")
    figures["sort_by"] = time_call(lambda: table.sort_by("restarts", reverse=True))
    print(f"sort_by(restarts, reverse)            {ms(figures['sort_by'])}")
    table.sort_by(None)

    # --- filter keystrokes ---------------------------------------------------
    rng = random.Random(42)
    words = [w for row in rows[:500] for w in row.search.split()]
    needles = []
    while len(needles) < 50:
        word = rng.choice(words)
        start = rng.randrange(0, max(1, len(word) - 2))
        needles.append(word[start : start + rng.randint(1, 6)])
    filter_times = []
    for needle in needles:
        predicate = lambda row, needle=needle: needle in row.search  # noqa: E731
        start = time.perf_counter()
        table.set_filter(predicate)
        filter_times.append(time.perf_counter() - start)
    filter_times.sort()
    figures["filter_median"] = statistics.median(filter_times)
    figures["filter_p95"] = filter_times[int(len(filter_times) * 0.95) - 1]
    print(
        f"set_filter over {n:,} (50 filters)    median {ms(figures['filter_median'])}   p95 {ms(figures['filter_p95'])}"
    )
    table.set_filter(None)

    # --- upserts ---------------------------------------------------------------
    def upsert_times(label: str, sort: str | None, with_filter: bool) -> None:
        table.set_rows(rows)
        table.sort_by(sort)
        table.set_filter((lambda row: "team-1" in row.search) if with_filter else None)
        times = []
        for generation in range(1, 21):
            picks = rng.sample(range(n), 90)
            batch = [make_row(i, generation) for i in picks]
            batch += [make_row(n + generation * 100 + j, generation) for j in range(10)]
            start = time.perf_counter()
            table.upsert_rows(batch)
            times.append(time.perf_counter() - start)
        figures[f"upsert_{label}"] = statistics.median(times)
        print(f"upsert 100 (90 changed+10 new) {label:<9} median {ms(statistics.median(times))}   max {ms(max(times))}")

    upsert_times("unsorted", None, False)
    upsert_times("sorted", "restarts", False)
    upsert_times("filtered", "restarts", True)

    table.set_rows(rows)
    figures["remove_100"] = time_call(
        lambda: (table.remove_rows([r.key for r in rows[:100]]), table.upsert_rows(rows[:100])), 5
    )
    print(f"remove 100 + re-add 100               {ms(figures['remove_100'])}")

    # --- first paint in a headless app, vs DataTable -------------------------
    vt_times = [asyncio.run(_time_app(_VTApp(rows))) for _ in range(3)]
    dt_times = [asyncio.run(_time_app(_DTApp(rows))) for _ in range(2)]
    empty_times = [asyncio.run(_time_app(_VTApp([]))) for _ in range(3)]
    figures["first_paint_vt"] = min(vt_times)
    figures["first_paint_dt"] = min(dt_times)
    figures["first_paint_empty"] = min(empty_times)
    print(
        f"run_test → first paint, VirtualTable  {ms(figures['first_paint_vt'])}"
        f"   (empty app baseline {ms(figures['first_paint_empty'])})"
    )
    print(f"run_test → first paint, DataTable     {ms(figures['first_paint_dt'])}")
    vt_net = max(1e-6, figures["first_paint_vt"] - figures["first_paint_empty"])
    dt_net = max(1e-6, figures["first_paint_dt"] - figures["first_paint_empty"])
    print(
        f"first paint ratio DataTable/VirtualTable: {figures['first_paint_dt'] / figures['first_paint_vt']:.1f}x"
        f" (net of app startup: {dt_net / vt_net:.0f}x)"
    )

    vt = _time_in_app(rows, "crash", "vt")
    dt = _time_in_app(rows, "crash", "dt")
    for name, result in (("vt", vt), ("dt", dt)):
        for key, value in result.items():
            figures[f"in_app_{name}_{key}"] = value

    def net(result: dict[str, float], key: str) -> float:
        return max(1e-6, result[key] - result["paint_baseline"])

    print(
        "inside a running app, timed up to a full screen paint, net of a no-op"
        f" pilot.pause()+paint ({ms(vt['paint_baseline']).strip()} / {ms(dt['paint_baseline']).strip()}):"
    )
    print(
        f"  load {n:,} rows  VirtualTable.set_rows  {ms(net(vt, 'add_paint'))}"
        f"   DataTable.add_rows       {ms(net(dt, 'add_paint'))}"
        f" (call alone {ms(dt['add_call']).strip()})"
        f"   ratio {net(dt, 'add_paint') / net(vt, 'add_paint'):.0f}x"
    )
    print(
        f"  re-filter         VirtualTable.set_filter {ms(net(vt, 'refilter_paint'))}"
        f"   DataTable clear+add_rows {ms(net(dt, 'refilter_paint'))}"
        f"   ratio {net(dt, 'refilter_paint') / net(vt, 'refilter_paint'):.0f}x"
    )
    print("  (pilot.pause() waits for screen-refresh ticks, so these figures move in steps of ~17 ms)")
    if "refilter_sync_paint" in vt:
        print(
            f"  VirtualTable set_filter + screen re-layout + full repaint, synchronous: "
            f"{ms(vt['refilter_sync_paint']).strip()} (median of 5)"
        )
    return figures


def test_bench_virtual_table() -> None:
    """Collected only when pointed at explicitly (tests/bench is --ignore'd)."""
    figures = run_benchmark()
    assert figures["set_rows"] > 0


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=10_000)
    run_benchmark(parser.parse_args().rows)
