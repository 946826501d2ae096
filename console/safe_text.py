"""Neutralise terminal control sequences and invisible characters before anything reaches the screen.

Object names, labels, annotations and log lines come from the cluster and may hold
escape sequences (ESC [ ... m, OSC 52 clipboard writes, BEL, ...), direction-changing
characters (U+202E RIGHT-TO-LEFT OVERRIDE, ...) and invisible ones (U+200B ZERO WIDTH
SPACE, U+FEFF, soft hyphen, variation selectors, tag characters, ...) that make two
different values look the same.  Every string the UI renders from a source passes
through :func:`safe` (or :func:`safe_multiline`), which replaces them by visible escapes
such as ``\\x1b``, ``\\u200b`` or ``\\U000e0041`` and clips huge values.

What is escaped (tab is kept; newline too in :func:`safe_multiline`):

* the Unicode categories Cc (C0/C1 controls), Cf (format: bidi controls, zero-width
  characters, BOM, soft hyphen, tag characters, ...), Zl/Zp (line and paragraph
  separators) and Cs (lone surrogates, which a terminal cannot even encode);
* every Default_Ignorable_Code_Point (``unicodedata`` has no such property, so the ranges
  of Unicode's DerivedCoreProperties.txt are listed below): this adds the invisible
  characters of other categories (variation selectors, combining grapheme joiner, Hangul
  fillers, ...) and the reserved ignorable ranges a newer terminal may treat as invisible.

The rule has no exceptions: a zero width joiner inside an emoji sequence and an emoji
variation selector are escaped too (``👨\\u200d👩``, ``❤\\ufe0f``), since a terminal that
does not join the sequence shows exactly what the unjoined value shows.  Letters with
accents, CJK, emoji themselves and other visible text are left alone.

The escapes are those of YAML's (and Python's) double-quoted strings, so a double-quoted
YAML scalar stays valid and keeps its value once its raw characters are escaped (see
:func:`inference_console.yaml_io.dump` with ``visible=True``).
"""

from __future__ import annotations

import re
import unicodedata

DEFAULT_LIMIT = 4096

# Default_Ignorable_Code_Point, from Unicode 14.0's DerivedCoreProperties.txt (the version of
# Python 3.11's unicodedata), ranges merged.
_DEFAULT_IGNORABLE_RANGES = (
    (0x00AD, 0x00AD),
    (0x034F, 0x034F),
    (0x061C, 0x061C),
    (0x115F, 0x1160),
    (0x17B4, 0x17B5),
    (0x180B, 0x180F),
    (0x200B, 0x200F),
    (0x202A, 0x202E),
    (0x2060, 0x206F),
    (0x3164, 0x3164),
    (0xFE00, 0xFE0F),
    (0xFEFF, 0xFEFF),
    (0xFFA0, 0xFFA0),
    (0xFFF0, 0xFFF8),
    (0x1BCA0, 0x1BCA3),
    (0x1D173, 0x1D17A),
    (0xE0000, 0xE0FFF),
)
_HIDDEN_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Zl", "Zp"})


def _char_class(ranges: list[list[int]] | tuple[tuple[int, int], ...]) -> str:
    """A pattern matching one character of ``ranges``.  The BMP part and the astral part are two
    classes: a class of BMP characters only compiles to a bitmap, about twice as fast to search."""

    def part(chosen: list[tuple[int, int]]) -> str:
        return "[" + "".join(f"\\U{lo:08x}" if lo == hi else f"\\U{lo:08x}-\\U{hi:08x}" for lo, hi in chosen) + "]"

    bmp = [(lo, min(hi, 0xFFFF)) for lo, hi in ranges if lo <= 0xFFFF]
    astral = [(max(lo, 0x10000), hi) for lo, hi in ranges if hi > 0xFFFF]
    return "|".join(part(chosen) for chosen in (bmp, astral) if chosen)


# ASCII: only C0 controls and DEL can be hidden (tab is kept).
_ASCII_HIDDEN = re.compile(r"[\x00-\x08\x0a-\x1f\x7f]")
_IGNORABLE = re.compile(_char_class(_DEFAULT_IGNORABLE_RANGES))


def is_hidden(ch: str) -> bool:
    """Whether one character is escaped (a control, format, invisible or ignorable one; not tab)."""
    if ch == "\t":
        return False
    return unicodedata.category(ch) in _HIDDEN_CATEGORIES or _IGNORABLE.match(ch) is not None


# Planes where the categories above occur (Cc, Cs, Zl, Zp: plane 0 only; Cf: planes 0, 1, 14);
# a test holds this against every code point.
_SCANNED_PLANES = (range(0x20000), range(0xE0000, 0xE1000))
_all_hidden: re.Pattern[str] | None = None


def _hidden_pattern() -> re.Pattern[str]:
    """A pattern of every hidden character, built from ``unicodedata`` when the first non-ASCII
    string turns up (~40 ms, once)."""
    global _all_hidden
    if _all_hidden is None:
        category, hidden = unicodedata.category, _HIDDEN_CATEGORIES
        codes = {code for plane in _SCANNED_PLANES for code in plane if category(chr(code)) in hidden}
        codes.discard(ord("\t"))
        for lo, hi in _DEFAULT_IGNORABLE_RANGES:
            codes.update(range(lo, hi + 1))
        ranges: list[list[int]] = []
        for code in sorted(codes):
            if ranges and ranges[-1][1] == code - 1:
                ranges[-1][1] = code
            else:
                ranges.append([code, code])
        _all_hidden = re.compile(_char_class(ranges))
    return _all_hidden


def _escape_char(ch: str) -> str:
    code = ord(ch)
    if code <= 0xFF:
        return f"\\x{code:02x}"
    if code <= 0xFFFF:
        return f"\\u{code:04x}"
    return f"\\U{code:08x}"


def _escape_match(match: re.Match[str]) -> str:
    return _escape_char(match.group(0))


def _visible(text: str) -> str:
    """``text`` with every hidden character (newline included) replaced by its escape."""
    if text.isascii():
        if text.isprintable():
            return text
        return _ASCII_HIDDEN.sub(_escape_match, text)
    # Printable text (str.isprintable: no Cc, Cf, Cs, Zl, Zp, ...) can only hide a default
    # ignorable: the small pattern answers without building the whole one (~0.1 s, on the
    # first frame's path: "connecting…" in the header).
    hidden = _IGNORABLE if text.isprintable() else (_all_hidden or _hidden_pattern())
    if hidden.search(text) is None:  # faster than sub when there is nothing to replace
        return text
    return hidden.sub(_escape_match, text)


def has_hidden(text: str, *, newlines: bool = False) -> bool:
    """Whether ``text`` holds a character :func:`safe` escapes; with ``newlines=True``, one that
    :func:`safe_multiline` escapes (a newline does not count)."""
    if text.isascii() and text.isprintable():
        return False
    if newlines:
        text = text.replace("\n", "")
    if text.isascii():
        return _ASCII_HIDDEN.search(text) is not None
    return (_IGNORABLE if text.isprintable() else _hidden_pattern()).search(text) is not None


def safe(value: object, limit: int | None = DEFAULT_LIMIT) -> str:
    """Return ``value`` as a single-line string with control and invisible characters made visible."""
    text = value if isinstance(value, str) else ("" if value is None else str(value))
    if limit is not None and len(text) > limit:
        text = text[:limit] + f"… (+{len(text) - limit} chars)"
    if text.isascii() and text.isprintable():  # the usual table cell: nothing to look up
        return text
    return _visible(text)


def safe_multiline(value: object, limit: int | None = None) -> str:
    """Like :func:`safe` but keeps newlines (for YAML and log panes)."""
    text = value if isinstance(value, str) else ("" if value is None else str(value))
    if limit is not None and len(text) > limit:
        text = text[:limit] + f"\n… (+{len(text) - limit} chars)"
    if "\n" not in text:
        return _visible(text)
    return "\n".join(_visible(line) for line in text.split("\n"))
