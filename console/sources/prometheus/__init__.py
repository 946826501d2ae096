"""Prometheus: GPU fleet and per-object metric panes (see ``source.py``)."""

from __future__ import annotations

from typing import Any


def create(context: Any) -> Any:
    """Always started: with a URL from the settings, else it looks for Prometheus in the cluster."""
    from inference_console.sources.prometheus.source import PrometheusSource

    settings = getattr(context.settings, "prometheus", None)
    return PrometheusSource(settings, demo=bool(getattr(context.options, "demo", False)))
