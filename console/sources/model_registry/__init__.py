"""The Kubeflow Model Registry (REST, httpx): models, versions, artifacts, serving; linked to InferenceServices."""

from __future__ import annotations

from typing import Any


def create(context: Any) -> Any:
    """The configured registry (``model_registry.url``), else one found in the cluster: the Service
    of a ``ModelRegistry`` object, through the API server's service proxy (nothing shows until it answers)."""
    from inference_console.settings.endpoints import ModelRegistrySettings
    from inference_console.sources.model_registry.source import ModelRegistrySource

    settings = getattr(context.settings, "model_registry", None)
    if settings is not None and settings.url:
        return ModelRegistrySource(settings)
    return ModelRegistrySource(settings or ModelRegistrySettings(), discover=True)
