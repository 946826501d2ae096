"""Write a kubeconfig file that points kubectl / kubernetes-asyncio at the emulator."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import yaml


def kubeconfig_dict(
    url: str,
    *,
    context: str = "sandbox",
    namespace: str = "default",
    token: str | None = None,
    cluster: str = "sandbox",
    user: str = "sandbox",
) -> dict[str, Any]:
    user_entry: dict[str, Any] = {"token": token} if token else {}
    return {
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [{"name": cluster, "cluster": {"server": url}}],
        "contexts": [{"name": context, "context": {"cluster": cluster, "user": user, "namespace": namespace}}],
        "current-context": context,
        "users": [{"name": user, "user": user_entry}],
        "preferences": {},
    }


def write_kubeconfig(
    path: str | os.PathLike[str],
    url: str,
    *,
    context: str = "sandbox",
    namespace: str = "default",
    token: str | None = None,
    cluster: str = "sandbox",
    user: str = "sandbox",
) -> Path:
    """Write a kubeconfig for ``url`` to ``path`` (mode 0600, parents created) and return the path."""
    p = Path(path)
    p.parent.mkdir(parents=True, exist_ok=True)
    doc = kubeconfig_dict(url, context=context, namespace=namespace, token=token, cluster=cluster, user=user)
    p.write_text(yaml.safe_dump(doc, sort_keys=False, default_flow_style=False))
    try:
        p.chmod(0o600)
    except OSError:  # pragma: no cover - e.g. exotic filesystems
        pass
    return p
