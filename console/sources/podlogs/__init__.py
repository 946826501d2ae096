"""Pod logs through the Kubernetes API: the log panes' source where there is no Loki (see source.py)."""

from __future__ import annotations

from typing import Any


def create(context: Any) -> Any:
    """Always there once a cluster is connected (it uses the cluster's own connection)."""
    from inference_console.sources.podlogs.source import PodLogSource

    loki = getattr(context.settings, "loki", None)
    return PodLogSource(buffer_lines=getattr(loki, "buffer_lines", 100_000) if loki is not None else 100_000)
