"""Sources: each folder here fills stores in the workspace (see ``sources/base.py``).

``kube/`` is the cluster itself and is started by the app's connection; every other source
is listed in :data:`SOURCES` as ``"module:factory"`` and started once the cluster is
connected.  A factory takes :class:`SourceContext` and returns a source, or None when it
has nothing to do here (not configured).  Adding a source is a folder plus one line here.
"""

from __future__ import annotations

import importlib
import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Callable

if TYPE_CHECKING:
    from inference_console.sources.base import Source
    from inference_console.state.workspace import Workspace

log = logging.getLogger(__name__)

SOURCES: list[str] = [
    "inference_console.sources.kubeconfig:create",
    "inference_console.sources.yatai:create",
    "inference_console.sources.model_registry:create",
    "inference_console.sources.oci:create",
    "inference_console.sources.loki:create",
    "inference_console.sources.podlogs:create",
    "inference_console.sources.prometheus:create",
    "inference_console.sources.metricsserver:create",
]


@dataclass(frozen=True)
class SourceContext:
    """What a factory may read: launch options, the context's settings, the cluster's identity."""

    options: Any
    settings: Any
    cluster: Any  # sources.kube.connect.ClusterInfo


Factory = Callable[[SourceContext], "Source | None"]
_registered: list[Factory] = []


def register_source(factory: Factory) -> Callable[[], None]:
    """Add a source factory at run time (tests, plugins); returns a function that removes it."""
    _registered.append(factory)
    return lambda: _registered.remove(factory)


def factories() -> list[Factory]:
    found: list[Factory] = []
    for entry in SOURCES:
        module, _, name = entry.partition(":")
        found.append(getattr(importlib.import_module(module), name))
    return [*found, *_registered]


async def start_extra_sources(workspace: "Workspace", options: Any, settings: Any, cluster: Any) -> None:
    """Start every configured source beside the cluster; one that fails does not stop the others."""
    context = SourceContext(options, settings, cluster)
    for factory in factories():
        try:
            source = factory(context)
            if source is not None:
                await workspace.start_source(source)
        except Exception:  # noqa: BLE001 - a broken source must not take the app down
            log.exception("source %r failed to start", factory)
