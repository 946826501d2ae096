"""Kubernetes resource quantities (pure): parse CPU and memory, format them as ``kubectl top``
does, and the usage-of-request/limit percentages k9s shows (``n/a`` without a request/limit).

CPU is counted in millicores (``"250m"`` → 250, ``"1.5"`` → 1500, ``"1234567n"`` → 1.234567),
memory in bytes (``"1Gi"``, ``"512Mi"``, ``"123456Ki"``, ``"1G"``, ``"1e9"``).
"""

from __future__ import annotations

import re
from typing import Any

_BINARY = {"Ki": 2**10, "Mi": 2**20, "Gi": 2**30, "Ti": 2**40, "Pi": 2**50, "Ei": 2**60}
_DECIMAL = {"n": 1e-9, "u": 1e-6, "m": 1e-3, "": 1.0, "k": 1e3, "M": 1e6, "G": 1e9, "T": 1e12, "P": 1e15, "E": 1e18}
_QUANTITY = re.compile(r"^([+-]?(?:\d+\.?\d*|\.\d+))(?:([eE][+-]?\d+)|(Ki|Mi|Gi|Ti|Pi|Ei|[numkMGTPE])?)$")


def parse_quantity(value: Any) -> float | None:
    """The quantity's value in base units (cores, bytes); ``None`` when it is not one."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, (int, float)):
        return float(value)
    m = _QUANTITY.match(str(value).strip())
    if not m:
        return None
    number, exponent, suffix = m.groups()
    base = float(number)
    if exponent:
        return base * 10 ** int(exponent[1:])
    suffix = suffix or ""
    return base * (_BINARY.get(suffix) or _DECIMAL[suffix])


def cpu_millis(value: Any) -> float | None:
    """A CPU quantity in millicores."""
    cores = parse_quantity(value)
    return None if cores is None else cores * 1000


def memory_bytes(value: Any) -> float | None:
    """A memory quantity in bytes."""
    return parse_quantity(value)


def format_cpu(millis: float | None) -> str:
    """Millicores as ``kubectl top`` prints them: ``250m`` (rounded up, as kubectl)."""
    if millis is None:
        return ""
    whole = int(millis) if millis == int(millis) else int(millis) + 1
    return f"{whole}m"


def format_memory(n_bytes: float | None) -> str:
    """Bytes as ``kubectl top`` prints them: ``1024Mi``."""
    if n_bytes is None:
        return ""
    return f"{int(n_bytes // 2**20)}Mi"


def percent(used: float | None, total: float | None) -> str:
    """``used`` as a whole percentage of ``total``; ``n/a`` when there is no total (no request
    or limit), blank when there is no usage."""
    if used is None:
        return ""
    if not total:
        return "n/a"
    return str(int(round(100 * used / total)))


def to_cpu_quantity(millis: float) -> str:
    """Millicores as a quantity the metrics API would write (``"250m"``)."""
    return f"{int(round(millis))}m"


def to_memory_quantity(n_bytes: float) -> str:
    """Bytes as a quantity the metrics API would write (``"123456Ki"``)."""
    return f"{int(n_bytes // 1024)}Ki"
