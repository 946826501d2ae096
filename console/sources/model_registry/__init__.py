"""The Kubeflow Model Registry (REST, httpx): models, versions, artifacts, serving; linked to InferenceServices."""

from __future__ import annotations

from typing import Any


def create(context: Any) -> Any:
    settings = getattr(context.settings, "model_registry", None)
    if settings is None or not settings.url:
        return None  # not configured for this context
    from inference_console.sources.model_registry.source import ModelRegistrySource

    return ModelRegistrySource(settings)
