"""CPU and memory usage from the resource metrics API (metrics.k8s.io, metrics-server): the
PodMetrics and NodeMetrics the Pods and Nodes views join for their CPU/MEM columns (source.py)."""

from __future__ import annotations

from typing import Any


def create(context: Any) -> Any:
    """Always there once a cluster is connected (it reads through the cluster's own connection)."""
    from inference_console.sources.metricsserver.source import MetricsServerSource

    return MetricsServerSource(refresh_interval=getattr(context.settings, "refresh_interval", 2.0) or 2.0)
