"""Errors from the Kubernetes API, turned into one clear line for the UI."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from inference_console.sources.base import SourceError


@dataclass
class KubeError(SourceError):
    """An API error (a Kubernetes ``Status``) or a transport failure (``code`` 0)."""

    code: int
    reason: str
    message: str
    status: dict[str, Any] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)

    def __str__(self) -> str:
        return self.summary()

    def summary(self) -> str:
        if self.code == 0:
            return f"connection failed: {self.message}"
        if self.code == 401:
            return f"unauthorized (401): {self.message or 'credentials rejected or expired'}"
        if self.code == 403:
            return f"forbidden (403): {self.message}"
        if self.code == 404:
            return f"not found (404): {self.message}"
        return f"{self.reason or 'error'} ({self.code}): {self.message}"

    @property
    def is_gone(self) -> bool:
        return self.code == 410

    @classmethod
    def from_status(cls, code: int, body: bytes | str | dict[str, Any] | None) -> "KubeError":
        status: dict[str, Any] = {}
        if isinstance(body, dict):
            status = body
        elif body:
            try:
                parsed = json.loads(body)
                if isinstance(parsed, dict):
                    status = parsed
            except (ValueError, UnicodeDecodeError):
                text = body.decode("utf-8", "replace") if isinstance(body, bytes) else body
                status = {"message": text.strip()[:500]}
        try:
            status_code = int(status.get("code") or code)
        except (TypeError, ValueError):  # a proxy's own JSON, not a Kubernetes Status
            status_code = code
        return cls(
            code=status_code,
            reason=str(status.get("reason") or ""),
            message=str(status.get("message") or ""),
            status=status,
        )


class ConnectError(Exception):
    """The cluster cannot be reached or the kubeconfig cannot be used."""
