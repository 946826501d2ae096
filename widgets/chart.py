"""A line chart drawn with plotext: it draws what it is given and does no I/O.

``set_data`` takes the series ([(name, [(x, y or None), ...])]), a y formatter (units are
the caller's business) and x tick labels; the same data again is a no-op, so an unchanged
chart is never repainted.  Gaps (None) split a line.  Without colour (NO_COLOR, or
``color=False``) each series gets its own marker so lines stay apart.
"""

from __future__ import annotations

import os
from typing import Callable, Sequence

from rich.text import Text
from textual.widget import Widget

Point = tuple[float, "float | None"]
MARKERS_MONO = ("braille", "dot", "+", "x", "*", "o", "#", "@")
COLORS = ("cyan", "orange", "green", "magenta", "blue", "red", "yellow", "white")


def prewarm() -> None:
    """Import plotext in a thread (~35 ms, more on a loaded machine) so the first drawing does not."""
    import sys
    import threading

    if "plotext" not in sys.modules:
        threading.Thread(target=__import__, args=("plotext",), name="prewarm-plotext", daemon=True).start()


def nice_ticks(lo: float, hi: float, count: int = 4) -> list[float]:
    if hi <= lo:
        return [lo]
    step = (hi - lo) / max(1, count - 1)
    return [lo + i * step for i in range(count)]


class Chart(Widget):
    DEFAULT_CSS = """
    Chart { height: 1fr; min-height: 6; }
    """

    def __init__(self, *, id: str | None = None, color: bool | None = None) -> None:
        super().__init__(id=id)
        self._data: tuple | None = None
        self._cache: tuple[tuple, Text] | None = None
        self.color = color if color is not None else "NO_COLOR" not in os.environ
        self.paints = 0  # how many times the chart was drawn (tests and benchmarks read it)
        self.painted_series = 0  # series in the last drawing (0: an empty or "no data" chart)

    def set_data(
        self,
        series: Sequence[tuple[str, Sequence[Point]]],
        *,
        y_format: Callable[[float], str] = str,
        x_range: tuple[float, float] | None = None,
        x_labels: Sequence[tuple[float, str]] = (),
        y_floor: float | None = 0.0,
        empty: str = "no data",
    ) -> bool:
        """Give the chart its data; returns whether anything changed (and so will repaint)."""
        key = (tuple((n, tuple(p)) for n, p in series), x_range, tuple(x_labels), y_floor, empty)
        if key == self._data:
            return False
        self._data = key
        self._y_format = y_format
        self.refresh()
        return True

    def render(self) -> Text:
        if self._data is None:
            return Text("")
        width, height = self.size.width, self.size.height
        cache_key = (self._data, width, height, self.color)
        if self._cache is not None and self._cache[0] == cache_key:
            return self._cache[1]
        self.paints += 1
        text = self._draw(width, height)
        self.painted_series = sum(1 for _, pts in self._data[0] if any(y is not None for _, y in pts))
        self._cache = (cache_key, text)
        return text

    def _draw(self, width: int, height: int) -> Text:
        import plotext as plt

        series, x_range, x_labels, y_floor, empty = self._data  # type: ignore[misc]
        values = [y for _, pts in series for _, y in pts if y is not None]
        if not values or width < 12 or height < 4:
            return Text(empty, style="dim")
        plt.clf()
        plt.plotsize(width, height)
        plt.theme("clear" if not self.color else "dark")
        if self.color:
            plt.canvas_color("default")
            plt.axes_color("default")
            plt.ticks_color("default")
        for i, (name, pts) in enumerate(series):
            marker = "braille" if self.color else MARKERS_MONO[i % len(MARKERS_MONO)]
            color = COLORS[i % len(COLORS)] if self.color else None
            segment_x: list[float] = []
            segment_y: list[float] = []
            labelled = False

            def flush() -> None:
                nonlocal labelled
                if segment_x:
                    kwargs = {"marker": marker}
                    if color:
                        kwargs["color"] = color
                    if not labelled and (len(series) > 1 or name != "value"):
                        kwargs["label"] = name
                        labelled = True
                    plt.plot(list(segment_x), list(segment_y), **kwargs)
                    segment_x.clear()
                    segment_y.clear()

            for x, y in pts:
                if y is None:
                    flush()
                else:
                    segment_x.append(x)
                    segment_y.append(y)
            flush()
        lo, hi = min(values), max(values)
        if y_floor is not None:
            lo = min(lo, y_floor)
        if hi == lo:
            hi = lo + (abs(lo) or 1.0)
        plt.ylim(lo, hi)
        ticks = nice_ticks(lo, hi, 3 if height < 10 else 4)
        plt.yticks(ticks, [self._y_format(t) for t in ticks])
        if x_range is not None:
            plt.xlim(*x_range)
        if x_labels:
            plt.xticks([x for x, _ in x_labels], [label for _, label in x_labels])
        return Text.from_ansi(plt.build(), no_wrap=True)
