"""Which pods an object's logs come from (pure): the target a log pane asks a log source for.

A Pod is itself; an InferenceService, BentoDeployment, InferenceStack or Deployment names
its pods by the labels of its ``pods`` related rule (the same rule as its Related tab),
and the pods now in the store that match are named too (Loki's selector falls back to
them when it does not know the labels).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterable, Mapping

from inference_console.catalog.base import labels_match
from inference_console.catalog.view import KindView
from inference_console.state.logs import LogTarget
from inference_console.ui.extensions import ObjectAction

STACK = "inferencestacks.doublewordai.co"
COMPONENT = "app.kubernetes.io/component"
LOGGABLE = frozenset(
    {
        "pods",
        "deployments",
        "inferenceservices.serving.kserve.io",
        "bentodeployments.serving.yatai.ai",
        "inferencestacks.doublewordai.co",
    }
)


def _md(obj: Mapping[str, Any]) -> Mapping[str, Any]:
    md = obj.get("metadata") if isinstance(obj, Mapping) else None
    return md if isinstance(md, Mapping) else {}


@dataclass(frozen=True)
class Part:
    """A part of an InferenceStack whose logs can be read alone."""

    key: str  # the key that picks it in the chooser
    label: str
    component: str | None  # the pods' app.kubernetes.io/component; None: every pod of the stack
    container: str = ""
    title: str = ""  # added to the pane's title


_PART_KEYS = "123456789bcdefhijkmnopqrstuvwxyz"  # after a (all) and g (gateway)


def stack_parts(record: Mapping[str, Any]) -> list[Part]:
    """All pods, the gateway, then each reader (its model and consumer group in the label)."""
    from inference_console.catalog.kinds.inferencestack import fullname, readers

    obj = dict(record)
    base = fullname(obj)
    parts = [
        Part("a", "all pods (the gateway and every reader)", None),
        Part("g", "the gateway", "gateway", f"{base}-gateway", "gateway"),
    ]
    for key, reader in zip(_PART_KEYS, readers(obj)):
        detail = ", ".join(
            x for x in (reader.model, f"group {reader.consumer_group}" if reader.consumer_group else "") if x
        )
        parts.append(
            Part(
                key,
                f"reader {reader.name}" + (f" ({detail})" if detail else ""),
                f"application-{reader.name}",
                f"{base}-{reader.name}",
                f"reader {reader.name}",
            )
        )
    return parts


def log_target(
    view: KindView, record: Mapping[str, Any], pods: Iterable[Mapping[str, Any]] = (), part: Part | None = None
) -> LogTarget:
    name = view.name_of(record)
    namespace = view.namespace_of(record)
    if view.key == "pods":
        containers = tuple(
            c.get("name", "") for c in (record.get("spec") or {}).get("containers") or [] if isinstance(c, Mapping)
        )
        return LogTarget("Pod", name, namespace, None, (name,), containers)
    selector: dict[str, str] | None = None
    for rule in view.related(dict(record)):
        if rule.kind == "pods" and rule.labels:
            selector = dict(rule.labels)
            break
    containers: tuple[str, ...] = ()
    if part is not None and part.component is not None and selector:
        selector[COMPONENT] = part.component
        name = f"{name} {part.title}"
        containers = (part.container,) if part.container else ()
    names: tuple[str, ...] = ()
    if selector:
        names = tuple(
            sorted(
                str(_md(p).get("name", ""))
                for p in pods
                if _md(p).get("namespace") == namespace and labels_match(_md(p).get("labels"), selector)
            )
        )
    return LogTarget(view.kind, name, namespace, selector, names, containers)


def _open_logs(screen: Any, view: KindView, key: str, record: dict[str, Any]) -> None:
    from inference_console.ui.screens.logs import open_logs  # the pane's module: only when `l` is pressed

    open_logs(screen, view, key, record)


# `l` on the kinds that have logs. Declared here, not in the log screen's module, so that the
# footer asking whether `l` applies does not import the whole pane on the first screen.
LOGS = ObjectAction("l", "Logs", lambda view: view.key in LOGGABLE, _open_logs)
