"""Loki: log panes read history with query_range and follow with the tail WebSocket (see source.py)."""

from __future__ import annotations

from typing import Any


def create(context: Any) -> Any:
    """The Loki source: at the URL of the context's ``loki`` table (or the demo's), else one that
    looks for a Loki Service in the cluster and reads it through the API server's service proxy
    (until found, and when there is none, the pod log API is the log source)."""
    from inference_console.settings.endpoints import LokiSettings
    from inference_console.sources.loki.source import LokiSource

    settings = getattr(context.settings, "loki", None)
    if settings is None or not settings.url:
        return LokiSource(settings or LokiSettings(), "")

    found_by = "the demo's Loki" if getattr(context.options, "demo", False) else "config file (loki table)"
    return LokiSource(settings, found_by)
