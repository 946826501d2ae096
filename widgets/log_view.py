"""A log view on Textual's Line API: draws only the rows on screen, whatever the number of lines.

Like Textualize/toolong's log lines, nothing is built per line of the log: the view is
given ``rows`` (anything with ``len()`` and ``rows[i] -> (timestamp_ns, origin, text)``)
and builds a :class:`Strip` for each screen row when Textual asks (``render_line``).
Long lines are cut with a marker (the whole line is for the selection's detail), wrap
is optional, levels are coloured (logfmt ``level=``, JSON ``"level":``, plain ``ERROR``),
each origin (pod) gets a colour, and the filter's matches are highlighted.

No I/O and no knowledge of the app: the caller gives ``escape`` (the app's neutraliser of
control and invisible characters), the origins' names and the rows; it calls
:meth:`refresh_rows` when rows arrive.
"""

from __future__ import annotations

import re
from datetime import datetime, timezone
from typing import Callable, Sequence

from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.geometry import Region, Size
from textual.message import Message
from textual.strip import Strip
from textual.widget import Widget

ORIGIN_COLOURS = (
    "cyan",
    "magenta",
    "green",
    "yellow",
    "blue",
    "bright_cyan",
    "bright_magenta",
    "bright_green",
    "bright_blue",
    "bright_yellow",
)
LEVEL_STYLES = {
    "error": Style(color="red", bold=True),
    "warn": Style(color="yellow"),
    "info": Style(),
    "debug": Style(dim=True),
}
_LEVEL_FIELD = re.compile(r'(?i)\blevel"?\s*[=:]\s*"?([a-z]+)')
_LEVEL_WORD = re.compile(r"\b(ERROR|FATAL|CRITICAL|PANIC|Traceback|WARN|WARNING|INFO|DEBUG|TRACE)\b")
_ERROR_HINT = re.compile(r"^(\s+File \"|\w*(Error|Exception)\b:?)|CUDA out of memory|OutOfMemory")
_LEVELS = {
    "error": "error",
    "err": "error",
    "fatal": "error",
    "critical": "error",
    "crit": "error",
    "panic": "error",
    "traceback": "error",
    "warn": "warn",
    "warning": "warn",
    "info": "info",
    "notice": "info",
    "debug": "debug",
    "trace": "debug",
}


def level_of(text: str) -> str:
    """The level a line says it is (logfmt, JSON or plain text); "" when it says none."""
    head = text[:400]
    match = _LEVEL_FIELD.search(head)
    if match and match.group(1).lower() in _LEVELS:
        return _LEVELS[match.group(1).lower()]
    match = _LEVEL_WORD.search(head)
    if match:
        return _LEVELS.get(match.group(1).lower(), "")
    if _ERROR_HINT.search(head):
        return "error"
    return ""


_CLOCK_HEADS: dict[int, str] = {}


def clock(ts_ns: int) -> str:
    """``HH:MM:SS.mmm`` (UTC); the part up to the second is formatted once per second seen."""
    second = ts_ns // 1_000_000_000
    head = _CLOCK_HEADS.get(second)
    if head is None:
        if len(_CLOCK_HEADS) > 4096:
            _CLOCK_HEADS.clear()
        head = _CLOCK_HEADS[second] = datetime.fromtimestamp(second, timezone.utc).strftime("%H:%M:%S.")
    return f"{head}{(ts_ns // 1_000_000) % 1000:03d}"


_PLAIN = Style()
_SELECTED = Style(reverse=True)
_DIM = Style(dim=True)
_DIM_SELECTED = _DIM + _SELECTED
_MARK = Style(bgcolor="yellow", color="black", bold=True)
_LEVEL_SELECTED = {level: style + _SELECTED for level, style in LEVEL_STYLES.items()}


class LogView(Widget, can_focus=True):
    """Rows of a log; a cursor (the selected line); follow mode keeps the newest line in view."""

    DEFAULT_CSS = """
    LogView { height: 1fr; }
    """

    class Moved(Message):
        """The cursor or the view moved (the screen updates its status line, loads older lines at the top)."""

        def __init__(self, at_top: bool) -> None:
            super().__init__()
            self.at_top = at_top

    def __init__(self, *, escape: Callable[[str], str], max_chars: int = 2000, id: str | None = None) -> None:
        super().__init__(id=id)
        self.escape = escape
        self.max_chars = max_chars
        self.rows: Sequence[tuple[int, int, str]] = ()
        self.origin_names: Sequence[str] = ()
        self.top = 0  # index of the first row on screen
        self.cursor = 0
        self.follow = True
        self.show_time = True
        self.show_origin = True
        self.wrap = False
        self.highlight: re.Pattern[str] | None = None
        self.selection: tuple[int, int] | None = None  # rows first..last (inclusive) drawn as selected
        self._layout: list[tuple[int, int]] | None = None  # screen row -> (row index, part)
        self._geometry = (0, 0, 0, 10)  # width, time width, origin width, text width (of the layout)
        self._origin_styles: dict[tuple[int, bool], Style] = {}
        self._labels: dict[int, str] = {}  # origin -> its name, escaped, cut and padded to the origin width
        self._drawn: tuple[tuple[object, ...], tuple[object, ...]] | None = None  # what the screen showed
        # A row's finished strip while the same line is on screen with the same settings (render_lines).
        self._strips: dict[object, Strip] = {}
        self._strips_key: tuple[object, ...] = ()

    # ------------------------------------------------------------------ model
    def set_rows(self, rows: Sequence[tuple[int, int, str]], origin_names: Sequence[str]) -> None:
        self.rows = rows
        self.set_origin_names(origin_names)
        self._drawn = None
        self.refresh_rows()

    def set_origin_names(self, names: Sequence[str]) -> None:
        if list(names) != list(self.origin_names):
            self.origin_names = list(names)
            self._labels.clear()
            self._strips.clear()
            self._drawn = None

    def refresh_rows(self) -> None:
        """Rows were added or removed: keep the newest in view when following, clamp otherwise.

        Nothing is repainted when the screen would show the same lines (paused, lines
        arriving below the screen, or the oldest dropped above it).
        """
        count = len(self.rows)
        if self.follow:
            self.cursor = max(0, count - 1)
        self.cursor = min(max(0, self.cursor), max(0, count - 1))
        self.top = min(self.top, max(0, count - 1))
        self._layout = None
        if self._drawn is not None:
            # Paused, lines arriving below the screen or dropped above it change nothing shown.
            self._layout = self._compute_layout()
            if self._same_as_drawn(self._signature(self._layout)):
                return
        self.refresh()

    def refresh(self, *args: object, **kwargs: object) -> "LogView":  # type: ignore[override]
        self._drawn = None
        return super().refresh(*args, **kwargs)  # type: ignore[arg-type]

    def _signature(self, layout: list[tuple[int, int]]) -> tuple[tuple[object, ...], tuple[object, ...]]:
        """What the screen shows: settings compared by value, the lines on it by identity
        (the rows between the first and the last on screen are contiguous, so the ends tell)."""
        rows = self.rows
        settings = (
            self.size,
            self.show_time,
            self.show_origin,
            self.wrap,
            self.highlight,
            self.selection,
            len(layout),
            self.cursor - (layout[0][0] if layout else 0),
            layout[-1][1] if layout else 0,
        )
        lines = (rows[layout[0][0]], rows[layout[-1][0]], rows[self.cursor]) if layout else ()
        return settings, lines

    def _same_as_drawn(self, signature: tuple[tuple[object, ...], tuple[object, ...]]) -> bool:
        drawn = self._drawn
        return (
            drawn is not None
            and drawn[0] == signature[0]
            and len(drawn[1]) == len(signature[1])
            and all(a is b for a, b in zip(drawn[1], signature[1], strict=True))
        )

    def set_follow(self, follow: bool) -> None:
        self.follow = follow
        self.refresh_rows()

    # ------------------------------------------------------------------ moving
    @property
    def page(self) -> int:
        return max(1, self.size.height - 1)

    def move(self, delta: int) -> None:
        count = len(self.rows)
        if not count:
            return
        old_cursor, old_top = self.cursor, self.top
        self.cursor = min(max(0, self.cursor + delta), count - 1)
        self.follow = self.cursor == count - 1 and delta > 0
        self._repaint_moved(old_cursor, old_top)
        self.post_message(self.Moved(self.cursor == 0))

    def go(self, index: int) -> None:
        count = len(self.rows)
        if not count:
            return
        old_cursor, old_top = self.cursor, self.top
        self.cursor = min(max(0, index), count - 1)
        self.follow = False
        self._repaint_moved(old_cursor, old_top)
        self.post_message(self.Moved(self.cursor == 0))

    def _repaint_moved(self, old_cursor: int, old_top: int) -> None:
        """The cursor moved: when the view did not scroll, only the rows it left and reached are
        repainted (the screen composes two lines, not every line of the view)."""
        drawn = self._drawn is not None and self._layout is not None
        self._layout = None
        if not drawn or self.wrap:
            self.refresh()
            return
        layout = self._layout = self._compute_layout()
        if not layout or self.top != old_top:
            self.refresh()
            return
        start, width = layout[0][0], self.size.width
        ys = {old_cursor - start, self.cursor - start}
        self.refresh(*[Region(0, y, width, 1) for y in sorted(ys) if 0 <= y < len(layout)])

    def shifted(self, count: int) -> None:
        """``count`` rows were inserted before the current ones (older history): keep the same lines."""
        self.cursor += count
        self.top += count
        self._layout = None
        self.refresh()

    def on_mouse_scroll_up(self, event: events.MouseScrollUp) -> None:
        self.move(-3)
        event.stop()

    def on_mouse_scroll_down(self, event: events.MouseScrollDown) -> None:
        self.move(3)
        event.stop()

    def on_resize(self, event: events.Resize) -> None:
        self._layout = None

    # ------------------------------------------------------------------ layout
    def _prefix_width(self) -> int:
        return 13 if self.show_time else 0

    def _parts(self, index: int, width: int) -> int:
        if not self.wrap:
            return 1
        text_len = min(len(self.rows[index][2]), self.max_chars + 40)
        return max(1, -(-text_len // self._usable(width)))

    def _usable(self, width: int) -> int:
        return max(10, width - self._prefix_width() - (self._origin_width() if self.show_origin else 0))

    def _origin_width(self) -> int:
        if not self.origin_names:
            return 0
        return min(32, max(len(n) for n in self.origin_names)) + 1

    def _compute_layout(self) -> list[tuple[int, int]]:
        height, width = self.size.height, self.size.width
        count = len(self.rows)
        origin_width = self._origin_width() if self.show_origin else 0
        self._geometry = (width, self._prefix_width(), origin_width, self._usable(width))
        if not count or height <= 0:
            return []
        # The cursor must be on screen: scroll the fewest rows that show it.
        if self.cursor < self.top:
            self.top = self.cursor
        if not self.wrap:  # one screen row per line: no walk over the lines between
            self.top = start = max(self.top, self.cursor - height + 1)
            return [(i, 0) for i in range(start, min(count, start + height))]
        rows_needed = 0
        start = self.top
        for i in range(self.top, min(self.cursor + 1, self.top + height + 1)):
            rows_needed += self._parts(i, width)
        if rows_needed > height:
            # Walk back from the cursor until the screen is full.
            start, used = self.cursor, 0
            while start >= 0:
                used += self._parts(start, width)
                if used > height:
                    break
                start -= 1
            start += 1
        self.top = start
        layout: list[tuple[int, int]] = []
        i = start
        while i < count and len(layout) < height:
            for part in range(self._parts(i, width)):
                layout.append((i, part))
                if len(layout) >= height:
                    break
            i += 1
        return layout

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        return container.height

    # ------------------------------------------------------------------ drawing
    def _origin_style(self, origin: int, selected: bool = False) -> Style:
        style = self._origin_styles.get((origin, selected))
        if style is None:
            style = Style(color=ORIGIN_COLOURS[origin % len(ORIGIN_COLOURS)]) + (_SELECTED if selected else _PLAIN)
            self._origin_styles[(origin, selected)] = style
        return style

    def _label(self, origin: int, width: int) -> str:
        label = self._labels.get(origin)
        if label is None or len(label) != width:
            name = self.origin_names[origin] if origin < len(self.origin_names) else "?"
            name = self.escape(name)
            if len(name) >= width:  # cut in the middle: pods of one object differ at the end
                keep = width - 2
                head = keep // 3
                name = name[:head] + "…" + name[len(name) - (keep - head) :]
            label = self._labels[origin] = name.ljust(width)
        return label

    def display_text(self, text: str) -> str:
        """The line as shown: escaped, cut at ``max_chars`` with a marker (a huge line is not escaped whole)."""
        limit = self.max_chars
        head = text if len(text) <= 8 * limit else text[: 8 * limit]  # the count beyond it is of raw characters
        shown = self.escape(head)
        if len(shown) > limit or head is not text:
            more = len(shown) - limit + (len(text) - len(head))
            shown = shown[:limit] + f" … [+{more:,} chars: Enter shows the line]"
        return shown

    def render_line(self, y: int) -> Strip:
        layout = self._layout
        if layout is None:
            layout = self._layout = self._compute_layout()
        if self._drawn is None:
            self._drawn = self._signature(layout)
        width, time_width, origin_width, usable = self._geometry
        if y >= len(layout):
            return Strip.blank(width)
        index, part = layout[y]
        ts, origin, raw = self.rows[index]
        selection = self.selection
        selected = index == self.cursor or (selection is not None and selection[0] <= index <= selection[1])
        base = _SELECTED if selected else _PLAIN
        segments: list[Segment] = []
        used = 0
        if part == 0:
            if time_width:
                segments.append(Segment(clock(ts) + " ", _DIM_SELECTED if selected else _DIM))
                used += time_width
            if origin_width:
                segments.append(Segment(self._label(origin, origin_width), self._origin_style(origin, selected)))
                used += origin_width
        else:
            used = time_width + origin_width
            segments.append(Segment(" " * used, base))
        text = self.display_text(raw)
        style = (_LEVEL_SELECTED if selected else LEVEL_STYLES).get(level_of(raw), base)
        if self.wrap:
            text = text[part * usable : (part + 1) * usable]
        room = max(0, width - used)
        if text.isascii():  # one cell per character: cut and pad here, no measuring
            text = text[:room]
            segments.extend(self._highlighted(text, style))
            if len(text) < room:
                segments.append(Segment(" " * (room - len(text)), base))
            return Strip(segments, width)
        segments.extend(self._highlighted(text[: room * 2 + 2], style))
        return Strip(segments).crop_extend(0, width, base)

    def _plain_box(self) -> bool:
        """No border, padding, outline, tint, hatch or opacity: a row's strip is the line as drawn."""
        styles = self.styles
        return (
            not any(styles.gutter)
            and not any(edge for edge, _ in styles.outline)
            and not styles.tint.a
            and self.opacity == 1.0
            and styles.text_opacity == 1.0
            and not (styles.has_rule("hatch") and styles.hatch != "none")
            and self._border_title is None
            and self._border_subtitle is None
        )

    def render_lines(self, crop: Region) -> list[Strip]:
        """The rows of ``crop``, each built once while the same line stays on screen.

        Textual's own path (the styles cache) builds every row of a repainted widget again,
        through three new strips a row (the line, the box, the app's line filters).  A pane
        that follows a stream repaints every frame and the lines only move up: here a row's
        finished strip (the line with the app's filters applied) is kept by what it shows (the
        line, its part when wrapped, whether it is selected), so a frame builds only the rows
        that are new on screen and a key press the two rows the cursor left and reached.
        """
        if not self._plain_box():
            return super().render_lines(crop)
        layout = self._layout
        if layout is None:
            layout = self._layout = self._compute_layout()
        if self._drawn is None:
            self._drawn = self._signature(layout)
        filters = tuple(self.get_line_filters())
        background = self.background_colors[1]
        key = (self._geometry, self.show_time, self.show_origin, self.wrap, self.highlight, filters, background)
        cache = self._strips
        if key != self._strips_key:
            cache.clear()
            self._strips_key = key
        rows, cursor, width = self.rows, self.cursor, self._geometry[0]
        first, last = self.selection or (cursor, cursor)  # selected rows are drawn like the cursor's
        strips: list[Strip] = []
        for y in crop.line_range:
            if y < len(layout):
                index, part = layout[y]
                row_key: object = (rows[index], part, index == cursor or first <= index <= last)
            else:
                row_key = None
            strip = cache.get(row_key)
            if strip is None:
                strip = self.render_line(y)
                for line_filter in filters:
                    strip = strip.apply_filter(line_filter, background)
                cache[row_key] = strip
            strips.append(strip)
        if len(cache) > 4 * max(1, self.size.height) + 8:  # bounded: rows long gone are rebuilt if they return
            keep = {
                (rows[index], part, index == cursor or first <= index <= last)
                for index, part in layout  # every row on screen, not only the crop's
                if index < len(rows)
            }
            for stale in [k for k in cache if k not in keep and k is not None]:
                del cache[stale]
        if crop.column_span != (0, width):
            x1, x2 = crop.column_span
            strips = [strip.crop(x1, x2) for strip in strips]
        return strips

    def _highlighted(self, text: str, style: Style) -> list[Segment]:
        if self.highlight is None:
            return [Segment(text, style)]
        out: list[Segment] = []
        pos = 0
        mark = style + _MARK
        for match in self.highlight.finditer(text):
            if match.end() == match.start():
                continue
            if match.start() > pos:
                out.append(Segment(text[pos : match.start()], style))
            out.append(Segment(text[match.start() : match.end()], mark))
            pos = match.end()
        if pos < len(text):
            out.append(Segment(text[pos:], style))
        return out

    def visible_rows(self) -> list[int]:
        """Indices of the rows on screen (saving "what I see")."""
        if self._layout is None:
            self._layout = self._compute_layout()
        return sorted({index for index, _ in self._layout})

    def rendered_text(self) -> list[str]:
        return [self.render_line(y).text for y in range(self.size.height)]


def format_line(ts_ns: int, origin: str, text: str) -> str:
    """One line as saved to a file (plain text, not neutralised: the file is the log)."""
    stamp = datetime.fromtimestamp(ts_ns / 1e9, timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    return f"{stamp} {origin} {text}"


def pretty(text: str) -> str | None:
    """The line as indented JSON when it is a JSON object (the selection's detail)."""
    import json

    stripped = text.strip()
    if not stripped.startswith("{"):
        return None
    try:
        return json.dumps(json.loads(stripped), indent=2, ensure_ascii=False)
    except ValueError:
        return None
