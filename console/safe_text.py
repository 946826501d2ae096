"""Neutralise terminal control sequences before anything reaches the screen.

Object names, labels, annotations and log lines come from the cluster and may hold
escape sequences (ESC [ ... m, OSC 52 clipboard writes, BEL, ...).  Every string the
UI renders from a source passes through :func:`safe`, which replaces C0/C1 control
characters (except tab) by visible escapes such as ``\\x1b`` so that nothing is
interpreted by the terminal, and clips huge values.
"""

from __future__ import annotations

import re

_CONTROL = re.compile(r"[\x00-\x08\x0a-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")
DEFAULT_LIMIT = 4096


def _escape(match: re.Match[str]) -> str:
    ch = match.group(0)
    code = ord(ch)
    if code <= 0xFF:
        return f"\\x{code:02x}"
    return f"\\u{code:04x}"


def safe(value: object, limit: int | None = DEFAULT_LIMIT) -> str:
    """Return ``value`` as a single-line string with control characters made visible."""
    text = value if isinstance(value, str) else ("" if value is None else str(value))
    if limit is not None and len(text) > limit:
        text = text[:limit] + f"… (+{len(text) - limit} chars)"
    return _CONTROL.sub(_escape, text)


def safe_multiline(value: object, limit: int | None = None) -> str:
    """Like :func:`safe` but keeps newlines (for YAML and log panes)."""
    text = value if isinstance(value, str) else ("" if value is None else str(value))
    if limit is not None and len(text) > limit:
        text = text[:limit] + f"\n… (+{len(text) - limit} chars)"
    return "\n".join(_CONTROL.sub(_escape, line) for line in text.split("\n"))
