"""OCI Distribution (Docker Registry v2) image registries (httpx): tags, and what runs them."""

from __future__ import annotations

from typing import Any


def create(context: Any) -> Any:
    settings = getattr(context.settings, "image_registry", None)
    if settings is None or not settings.url:
        return None  # not configured for this context
    from inference_console.sources.oci.source import OciSource

    return OciSource(settings)
