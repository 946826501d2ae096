"""The /scale subresource (autoscaling/v1 Scale) for apps workloads and CRDs that declare it."""

from __future__ import annotations

from typing import Any

from . import jsonpath
from .meta import clone
from .resources import ResourceType


def _paths(rt: ResourceType, crd: dict[str, Any] | None) -> tuple[str, str, str | None]:
    if crd:
        for v in (crd.get("spec") or {}).get("versions") or []:
            if v.get("name") == rt.version:
                sc = (v.get("subresources") or {}).get("scale") or {}
                return (
                    sc.get("specReplicasPath", ".spec.replicas"),
                    sc.get("statusReplicasPath", ".status.replicas"),
                    sc.get("labelSelectorPath"),
                )
    return ".spec.replicas", ".status.replicas", None


def _selector_string(obj: dict[str, Any]) -> str:
    ml = ((obj.get("spec") or {}).get("selector") or {}).get("matchLabels") or {}
    return ",".join(f"{k}={v}" for k, v in sorted(ml.items()))


def to_scale(rt: ResourceType, obj: dict[str, Any], crd: dict[str, Any] | None = None) -> dict[str, Any]:
    spec_p, status_p, sel_p = _paths(rt, crd)
    spec = jsonpath.find(obj, spec_p)
    status = jsonpath.find(obj, status_p)
    md = obj.get("metadata") or {}
    keep = {k: md[k] for k in ("name", "namespace", "uid", "resourceVersion", "creationTimestamp") if k in md}
    sel = jsonpath.find(obj, sel_p) if sel_p else []
    out_status: dict[str, Any] = {"replicas": int(status[0]) if status else 0}
    selector = sel[0] if sel else (_selector_string(obj) if rt.builtin else "")
    if selector:
        out_status["selector"] = selector
    return {
        "kind": "Scale",
        "apiVersion": "autoscaling/v1",
        "metadata": keep,
        "spec": {"replicas": int(spec[0]) if spec else (1 if rt.builtin else 0)},
        "status": out_status,
    }


def apply_scale(
    rt: ResourceType, obj: dict[str, Any], scale: dict[str, Any], crd: dict[str, Any] | None = None
) -> dict[str, Any]:
    """A copy of ``obj`` with the replicas of ``scale`` written to its spec replicas path."""
    spec_p, _, _ = _paths(rt, crd)
    new = clone(obj)
    replicas = (scale.get("spec") or {}).get("replicas", 0)
    parts = [p for p in spec_p.strip().lstrip("$").split(".") if p]
    cur = new
    for p in parts[:-1]:
        cur = cur.setdefault(p, {})
    cur[parts[-1]] = replicas
    rv = (scale.get("metadata") or {}).get("resourceVersion")
    if rv:
        new["metadata"]["resourceVersion"] = rv
    return new
