"""Yatai's model and bento registry: PostgreSQL (asyncpg) and S3 (boto3), linked to the cluster."""

from __future__ import annotations

from typing import Any


def create(context: Any) -> Any:
    settings = getattr(context.settings, "yatai", None)
    if settings is None:
        return None  # not configured for this context
    from inference_console.sources.yatai.source import YataiSource

    return YataiSource(settings, getattr(context.settings, "s3", None))
