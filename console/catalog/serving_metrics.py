"""GPU% and REQ/S columns of the serving kinds (InferenceService, BentoDeployment, InferenceStack,
Deployment), joined (``Column.join``) from the Prometheus source's ``servingmetrics`` store.

The source writes one record per serving object, keyed ``<kind key>/<namespace>/<name>``:
``gpu_util`` (utilisation averaged over the GPUs its pods hold, from DCGM's pod labels),
``gpus`` (how many), ``req_s`` (request rate summed over its pods, from the model-server
family that exports it) and ``family``.  Without Prometheus there is no record and the cells
are blank (pure).
"""

from __future__ import annotations

from typing import Any, Callable

from inference_console.catalog.base import column
from inference_console.catalog.view import Column, Obj

SERVING_METRICS = "servingmetrics"  # store key, filled by sources/prometheus


def serving_key(kind_key: str) -> Callable[[Obj], str]:
    """The key of an object's record in the ``servingmetrics`` store."""

    def key(obj: Obj) -> str:
        md = obj.get("metadata") if isinstance(obj, dict) else None
        md = md if isinstance(md, dict) else {}
        return f"{kind_key}/{md.get('namespace', '')}/{md.get('name', '')}"

    return key


def format_rate(value: float | None) -> str:
    """A request rate in the width of a column: 1234, 12.3, 0.42 (blank when unknown)."""
    if value is None or value != value:
        return ""
    if value >= 100:
        return f"{value:.0f}"
    if value >= 10:
        return f"{value:.1f}"
    return f"{value:.2f}"


def round_rate(value: float | None) -> float | None:
    """What :func:`format_rate` shows, as a number: a record changes only when its cell does."""
    text = format_rate(value)
    return float(text) if text else None


def _gpu_text(obj: Obj, rec: Any) -> str:
    value = (rec or {}).get("gpu_util")
    return "" if value is None else f"{value:.0f}%"


def _rate_text(obj: Obj, rec: Any) -> str:
    return format_rate((rec or {}).get("req_s"))


def _joined(
    name: str, fn: Callable[[Obj, Any], str], sort: Callable[[Obj, Any], Any], priority: int, width: int
) -> Column:
    base = column(name, fn, sort=sort, justify="right", priority=priority, min_width=width)
    return Column(
        name, base.get, priority=priority, min_width=width, justify="right", sort=base.sort, join=SERVING_METRICS
    )


def serving_columns(priority: int = 2) -> tuple[Column, Column]:
    """GPU% and REQ/S.  Priority 2 and listed after the kind's own priority-2 columns: when the
    terminal is narrow they are dropped first (at 80 columns the table is as it was without them)."""
    return (
        _joined("GPU%", _gpu_text, lambda o, r: (r or {}).get("gpu_util"), priority, 4),
        _joined("REQ/S", _rate_text, lambda o, r: (r or {}).get("req_s"), priority, 5),
    )
