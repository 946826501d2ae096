"""The small JSONPath subset CRD additionalPrinterColumns use:
``.a.b``, ``.a[0]``, ``.a[*].b``, ``.a[?(@.type=="Ready")].status``, optionally wrapped in ``{}``."""

from __future__ import annotations

import re
from typing import Any

_FILTER = re.compile(r"""^\?\(@\.([\w.\-/]+)\s*(==|!=)\s*(?:'([^']*)'|"([^"]*)"|([\w.\-]+))\)$""")


def _steps(path: str) -> list[str]:
    path = path.strip()
    if path.startswith("{") and path.endswith("}"):
        path = path[1:-1].strip()
    if path.startswith("$"):
        path = path[1:]
    steps: list[str] = []
    i = 0
    while i < len(path):
        c = path[i]
        if c == ".":
            i += 1
            j = i
            while j < len(path) and path[j] not in ".[":
                j += 1
            if j > i:
                steps.append(path[i:j])
            i = j
        elif c == "[":
            depth, j = 0, i
            while j < len(path):
                if path[j] == "[":
                    depth += 1
                elif path[j] == "]":
                    depth -= 1
                    if depth == 0:
                        break
                j += 1
            steps.append("[" + path[i + 1 : j].strip())
            i = j + 1
        else:
            j = i
            while j < len(path) and path[j] not in ".[":
                j += 1
            steps.append(path[i:j])
            i = j
    return steps


def _field(v: Any, dotted: str) -> Any:
    for part in dotted.split("."):
        if not isinstance(v, dict):
            return None
        v = v.get(part)
    return v


def find(obj: Any, path: str) -> list[Any]:
    """All values the path selects (empty when nothing matches)."""
    current = [obj]
    for step in _steps(path):
        nxt: list[Any] = []
        if step.startswith("["):
            inner = step[1:]
            for v in current:
                if not isinstance(v, list):
                    continue
                if inner == "*":
                    nxt.extend(v)
                elif inner.lstrip("-").isdigit():
                    i = int(inner)
                    if -len(v) <= i < len(v):
                        nxt.append(v[i])
                else:
                    m = _FILTER.match(inner)
                    if not m:
                        continue
                    fld, op = m.group(1), m.group(2)
                    want = next(g for g in (m.group(3), m.group(4), m.group(5)) if g is not None)
                    for item in v:
                        got = _field(item, fld)
                        got_s = str(got).lower() if isinstance(got, bool) else (None if got is None else str(got))
                        if (got_s == want) == (op == "=="):
                            nxt.append(item)
        else:
            for v in current:
                if step == "*" and isinstance(v, dict):
                    nxt.extend(v.values())
                elif isinstance(v, dict) and step in v:
                    nxt.append(v[step])
        current = nxt
    return current
