"""Loki: log panes read history with query_range and follow with the tail WebSocket (see source.py)."""

from __future__ import annotations

from typing import Any


def create(context: Any) -> Any:
    """The Loki source when the context's ``loki`` table (or the demo) gives a URL; else None."""
    settings = getattr(context.settings, "loki", None)
    if settings is None or not settings.url:
        return None
    from inference_console.sources.loki.source import LokiSource

    found_by = "the demo's Loki" if getattr(context.options, "demo", False) else "config file (loki table)"
    return LokiSource(settings, found_by)
