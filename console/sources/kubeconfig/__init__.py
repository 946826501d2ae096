"""The kubeconfig's contexts as a table (``:contexts``); Enter switches to one, as in k9s."""

from __future__ import annotations

from typing import Any

from inference_console.sources.kubeconfig.source import ContextsSource


def create(context: Any) -> ContextsSource | None:
    options = context.options
    if getattr(options, "demo", False):
        return None  # the demo's kubeconfig is generated and has one context
    from inference_console.sources.kube.connect import kubeconfig_paths

    return ContextsSource(kubeconfig_paths(getattr(options, "kubeconfig", None)), current=context.cluster.context)
