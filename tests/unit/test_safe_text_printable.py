"""safe() on printable non-ASCII text answers from the small default-ignorable pattern.

The whole hidden-character pattern is built from ``unicodedata`` on first use (~0.1 s); the
header's "connecting…" used to build it on the first frame's path.  Printable text can only
hide a default ignorable, so the answer must be the same as the whole pattern's.
"""

from __future__ import annotations

import subprocess
import sys

from inference_console import safe_text
from inference_console.safe_text import has_hidden, safe


def _full(text: str) -> str:
    return safe_text._hidden_pattern().sub(safe_text._escape_match, text)


def test_printable_text_is_escaped_as_the_whole_pattern_escapes_it():
    printable = [chr(code) for code in range(0x80, sys.maxunicode + 1) if chr(code).isprintable()]
    assert len(printable) > 100_000
    wrong = []
    for start in range(0, len(printable), 500):
        chunk = "é" + "".join(printable[start : start + 500])
        if safe(chunk, None) != _full(chunk) or has_hidden(chunk) != (_full(chunk) != chunk):
            wrong.append(hex(ord(printable[start])))
    assert not wrong, wrong[:10]
    # the printable default ignorables are among them, and are escaped
    for ch in ("\u115f", "\u034f", "\ufe0f", "\u3164", "\U000e0100"):
        assert ch.isprintable() and safe("x" + ch + "é", None) == "x" + safe_text._escape_char(ch) + "é"
        assert has_hidden("é" + ch)


def test_non_printable_text_still_goes_through_the_whole_pattern():
    assert safe("a\u200bé\u00a0\u2028", None) == "a\\u200bé\u00a0\\u2028"  # NBSP is not hidden
    assert not has_hidden("é\u00a0")
    assert has_hidden("é\u202e")
    assert has_hidden("é\ntext") and not has_hidden("é\ntext", newlines=True)


def test_the_header_text_does_not_build_the_whole_pattern():
    code = (
        "from inference_console import safe_text\n"
        "assert safe_text.safe('connecting… ✓ 推 ❤') == 'connecting… ✓ 推 ❤'\n"
        "assert safe_text._all_hidden is None\n"
        "print('ok')\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0 and proc.stdout.strip() == "ok", proc.stderr
