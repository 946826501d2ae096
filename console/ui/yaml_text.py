"""Objects as YAML for display: managedFields folded, Secret data masked (pure)."""

from __future__ import annotations

import copy
from typing import Any

from inference_console.safe_text import safe_multiline

MASK = "********"
MAX_VALUE = 20_000  # characters of one string shown before clipping


def display_object(obj: dict[str, Any], reveal_secrets: bool = False) -> tuple[dict[str, Any], int]:
    """Return (object for display, number of folded managedFields entries)."""
    shown = copy.deepcopy(obj)
    md = shown.get("metadata") or {}
    folded = len(md.pop("managedFields", None) or [])
    if shown.get("kind") == "Secret" and not reveal_secrets:
        for key in ("data", "stringData"):
            if isinstance(shown.get(key), dict):
                shown[key] = {k: MASK for k in shown[key]}
        annotations = md.get("annotations") or {}
        if "kubectl.kubernetes.io/last-applied-configuration" in annotations:
            annotations["kubectl.kubernetes.io/last-applied-configuration"] = MASK
    _clip(shown)
    return shown, folded


def _clip(node: Any) -> None:
    if isinstance(node, dict):
        for key, value in node.items():
            if isinstance(value, str) and len(value) > MAX_VALUE:
                node[key] = value[:MAX_VALUE] + f"… (+{len(value) - MAX_VALUE} characters)"
            else:
                _clip(value)
    elif isinstance(node, list):
        for index, value in enumerate(node):
            if isinstance(value, str) and len(value) > MAX_VALUE:
                node[index] = value[:MAX_VALUE] + f"… (+{len(value) - MAX_VALUE} characters)"
            else:
                _clip(value)


def to_yaml(obj: Any) -> str:
    """YAML for the screen: strings with invisible or control characters double-quoted with
    escapes, so the text is still valid YAML for the same value (issue 8 §3)."""
    from inference_console.yaml_io import dump

    return dump(obj, visible=True)


def object_yaml(obj: dict[str, Any], reveal_secrets: bool = False) -> str:
    shown, folded = display_object(obj, reveal_secrets)
    text = to_yaml(shown)
    if folded:
        text = text.replace(
            "metadata:\n", f"metadata:\n  # managedFields: {folded} {'entry' if folded == 1 else 'entries'} folded\n", 1
        )
    return safe_multiline(text)
