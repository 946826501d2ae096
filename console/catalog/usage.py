"""CPU and memory usage columns (from the resource metrics API, metrics.k8s.io), as k9s shows
them: the Pods view's CPU, MEM, %CPU/R, %CPU/L, %MEM/R, %MEM/L (usage as a share of the pod's
requests and limits, ``n/a`` without one) and the Nodes view's CPU, MEM, %CPU, %MEM (of the
node's allocatable).  The columns are joined (``Column.join``): they read the object and its
PodMetrics / NodeMetrics record, found in the stores below by the keys below (pure).
"""

from __future__ import annotations

from typing import Any, Callable

from inference_console.catalog.base import as_list, as_map, column, dig
from inference_console.catalog.quantity import cpu_millis, format_cpu, format_memory, memory_bytes, percent
from inference_console.catalog.view import Column, Obj

POD_METRICS = "podmetrics"  # store keys, filled by sources/metricsserver
NODE_METRICS = "nodemetrics"


def pod_metrics_key(obj: Obj) -> str:
    md = as_map(obj.get("metadata"))
    return f"{md.get('namespace', '')}/{md.get('name', '')}"


def node_metrics_key(obj: Obj) -> str:
    return str(as_map(obj.get("metadata")).get("name", ""))


def _sum(values: list[float | None]) -> float | None:
    known = [v for v in values if v is not None]
    return sum(known) if known else None


def pod_usage(metrics: Obj | None) -> tuple[float | None, float | None]:
    """(millicores, bytes) a PodMetrics record says the pod uses; (None, None) without one."""
    if not metrics:
        return None, None
    usages = [as_map(c.get("usage")) for c in as_list(metrics.get("containers")) if isinstance(c, dict)]
    return _sum([cpu_millis(u.get("cpu")) for u in usages]), _sum([memory_bytes(u.get("memory")) for u in usages])


def node_usage(metrics: Obj | None) -> tuple[float | None, float | None]:
    if not metrics:
        return None, None
    usage = as_map(metrics.get("usage"))
    return cpu_millis(usage.get("cpu")), memory_bytes(usage.get("memory"))


def pod_resources(obj: Obj, which: str) -> tuple[float | None, float | None]:
    """The pod's summed ``requests`` or ``limits`` (millicores, bytes) over its containers."""
    amounts = [
        as_map(as_map(c.get("resources")).get(which))
        for c in as_list(dig(obj, "spec", "containers"))
        if isinstance(c, dict)
    ]
    return _sum([cpu_millis(a.get("cpu")) for a in amounts]), _sum([memory_bytes(a.get("memory")) for a in amounts])


def _joined(
    name: str,
    store: str,
    fn: Callable[[Obj, Any], Any],
    sort: Callable[[Obj, Any], Any],
    priority: int,
    min_width: int = 4,
) -> Column:
    base = column(name, fn, sort=sort, justify="right", priority=priority, min_width=min_width)
    return Column(
        base.name, base.get, priority=priority, min_width=min_width, justify="right", sort=base.sort, join=store
    )


def _pod_pct(resource: int, which: str) -> Callable[[Obj, Any], Any]:
    def value(obj: Obj, metrics: Any) -> float | None:
        used = pod_usage(metrics)[resource]
        total = pod_resources(obj, which)[resource]
        return None if used is None or not total else 100 * used / total

    return value


def _pct_text(fn: Callable[[Obj, Any], Any], resource: int, usage: Callable[[Any], tuple]) -> Callable[[Obj, Any], str]:
    def text(obj: Obj, metrics: Any) -> str:
        used = usage(metrics)[resource]
        pct = fn(obj, metrics)
        return "" if used is None else ("n/a" if pct is None else percent(pct, 100))

    return text


def pod_columns(priority: int = 3) -> tuple[Column, ...]:
    cpu = lambda o, m: pod_usage(m)[0]  # noqa: E731
    mem = lambda o, m: pod_usage(m)[1]  # noqa: E731
    cols = [
        _joined("CPU", POD_METRICS, lambda o, m: format_cpu(cpu(o, m)), cpu, priority),
        _joined("MEM", POD_METRICS, lambda o, m: format_memory(mem(o, m)), mem, priority),
    ]
    for name, res, which in (
        ("%CPU/R", 0, "requests"),
        ("%CPU/L", 0, "limits"),
        ("%MEM/R", 1, "requests"),
        ("%MEM/L", 1, "limits"),
    ):
        pct = _pod_pct(res, which)
        cols.append(_joined(name, POD_METRICS, _pct_text(pct, res, pod_usage), pct, priority + 2, min_width=6))
    return tuple(cols)


def _node_pct(resource: int) -> Callable[[Obj, Any], Any]:
    def value(obj: Obj, metrics: Any) -> float | None:
        used = node_usage(metrics)[resource]
        alloc = as_map(dig(obj, "status", "allocatable"))
        total = (cpu_millis if resource == 0 else memory_bytes)(alloc.get("cpu" if resource == 0 else "memory"))
        return None if used is None or not total else 100 * used / total

    return value


def node_columns(priority: int = 3) -> tuple[Column, ...]:
    cpu = lambda o, m: node_usage(m)[0]  # noqa: E731
    mem = lambda o, m: node_usage(m)[1]  # noqa: E731
    return (
        _joined("CPU", NODE_METRICS, lambda o, m: format_cpu(cpu(o, m)), cpu, priority),
        _joined("MEM", NODE_METRICS, lambda o, m: format_memory(mem(o, m)), mem, priority),
        _joined("%CPU", NODE_METRICS, _pct_text(_node_pct(0), 0, node_usage), _node_pct(0), priority + 1),
        _joined("%MEM", NODE_METRICS, _pct_text(_node_pct(1), 1, node_usage), _node_pct(1), priority + 1),
    )
