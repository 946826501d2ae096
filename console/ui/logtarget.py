"""Which pods an object's logs come from (pure): the target a log pane asks a log source for.

A Pod is itself; an InferenceService, BentoDeployment, InferenceStack or Deployment names
its pods by the labels of its ``pods`` related rule (the same rule as its Related tab),
and the pods now in the store that match are named too (Loki's selector falls back to
them when it does not know the labels).
"""

from __future__ import annotations

from typing import Any, Iterable, Mapping

from inference_console.catalog.base import labels_match
from inference_console.catalog.view import KindView
from inference_console.state.logs import LogTarget

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


def log_target(view: KindView, record: Mapping[str, Any], pods: Iterable[Mapping[str, Any]] = ()) -> LogTarget:
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
    names: tuple[str, ...] = ()
    if selector:
        names = tuple(
            sorted(
                str(_md(p).get("name", ""))
                for p in pods
                if _md(p).get("namespace") == namespace and labels_match(_md(p).get("labels"), selector)
            )
        )
    return LogTarget(view.kind, name, namespace, selector, names)
