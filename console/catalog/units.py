"""Format metric values with their unit (pure): %, MiB/GiB, bytes, W, °C, req/s, tok/s, s/ms, cores."""

from __future__ import annotations

import math

SPARK = "▁▂▃▄▅▆▇█"


def fmt(value: float | None, unit: str) -> str:
    if value is None:
        return "–"
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "+Inf" if value > 0 else "-Inf"
    if unit == "%":
        return f"{value:.0f}%"
    if unit == "MiB":
        return f"{value / 1024:.1f}GiB" if abs(value) >= 1024 else f"{value:.0f}MiB"
    if unit == "bytes":
        for size, name in ((1 << 30, "GiB"), (1 << 20, "MiB"), (1 << 10, "KiB")):
            if abs(value) >= size:
                return f"{value / size:.1f}{name}"
        return f"{value:.0f}B"
    if unit == "W":
        return f"{value:.0f}W"
    if unit == "°C":
        return f"{value:.0f}°C"
    if unit == "s":
        return f"{value:.2f}s" if abs(value) >= 1 else f"{value * 1000:.0f}ms"
    if unit == "cores":
        return f"{value:.2f}" if abs(value) >= 1 else f"{value * 1000:.0f}m"
    if unit in ("count", "code"):
        return f"{value:.0f}"
    if abs(value) >= 1000:
        return f"{value / 1000:.1f}k {unit}"
    if abs(value) >= 10:
        return f"{value:.0f} {unit}"
    return f"{value:.2f} {unit}".rstrip()


def bar(value: float | None, width: int = 8, top: float = 100.0) -> str:
    """A horizontal bar of ``width`` cells for value/top (eighths of a cell)."""
    if value is None or math.isnan(value):
        return " " * width
    frac = max(0.0, min(1.0, value / top if top else 0.0))
    eighths = round(frac * width * 8)
    full, part = divmod(eighths, 8)
    text = "█" * full + (" ▏▎▍▌▋▊▉"[part] if part else "")
    return text.ljust(width)


def sparkline(values: list[float | None], width: int = 12, top: float | None = None) -> str:
    """The last ``width`` values as block characters (gaps for missing samples)."""
    vals = values[-width:]
    nums = [v for v in vals if v is not None and not math.isnan(v) and not math.isinf(v)]
    if not nums:
        return ""
    hi = top if top is not None else max(nums)
    lo = 0.0 if top is not None else min(nums)
    span = (hi - lo) or 1.0
    out = []
    for v in vals:
        if v is None or math.isnan(v) or math.isinf(v):
            out.append(" ")
        else:
            out.append(SPARK[max(0, min(7, int((v - lo) / span * 7.999)))])
    return "".join(out)
