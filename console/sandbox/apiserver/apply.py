"""Server-side apply (application/apply-patch+yaml): merging an intent into the live object,
the FieldsV1 sets recorded in managedFields, and conflicts between Apply managers."""

from __future__ import annotations

import json
from typing import Any

from .patch import merge_key, merge_patch, strategic_merge
from .resources import ResourceType
from .status import EmulatorError


def apply_merge(live: Any, intent: dict[str, Any], kind: str, strategic: bool) -> Any:
    """Merge an apply intent into the live object (nulls in the intent are ignored)."""
    cleaned = _drop_nulls(intent)
    if strategic:
        return strategic_merge(live, cleaned, kind)
    return merge_patch(live, cleaned)


def _drop_nulls(v: Any) -> Any:
    if isinstance(v, dict):
        return {k: _drop_nulls(x) for k, x in v.items() if x is not None}
    if isinstance(v, list):
        return [_drop_nulls(x) for x in v]
    return v


def field_set(intent: Any, kind: str, path: tuple[str, ...] = ()) -> dict[str, Any]:
    """A FieldsV1 set ("f:"/"k:" keys) naming the fields an apply intent sets."""
    if not isinstance(intent, dict):
        return {}
    out: dict[str, Any] = {}
    for k, v in intent.items():
        if not path and k in ("apiVersion", "kind"):
            continue
        if path == ("metadata",) and k in ("name", "namespace", "resourceVersion", "uid",
                                           "creationTimestamp", "managedFields", "generation"):
            continue
        sub = path + (k,)
        if isinstance(v, dict):
            inner = field_set(v, kind, sub)
            if inner or not v:  # metadata holding only name/namespace owns nothing
                out[f"f:{k}"] = inner
        elif isinstance(v, list):
            mk = merge_key(kind, sub)
            if mk and all(isinstance(i, dict) and mk in i for i in v):
                items: dict[str, Any] = {}
                for i in v:
                    inner = field_set(i, kind, sub)
                    inner["."] = {}
                    items["k:" + json.dumps({mk: i[mk]}, separators=(",", ":"))] = inner
                out[f"f:{k}"] = items
            else:
                out[f"f:{k}"] = {}
        else:
            out[f"f:{k}"] = {}
    return out


def leaf_paths(fields: dict[str, Any], prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    """The leaf field paths of a FieldsV1 set, e.g. ("f:spec", "f:replicas")."""
    out: list[tuple[str, ...]] = []
    for k, v in fields.items():
        if k == ".":
            continue
        sub = prefix + (k,)
        children = {ck: cv for ck, cv in v.items() if ck != "."} if isinstance(v, dict) else {}
        if children:
            out.extend(leaf_paths(children, sub))
        else:
            out.append(sub)
    return out


_MISSING = object()


def value_at(obj: Any, path: tuple[str, ...]) -> Any:
    cur = obj
    for step in path:
        if step.startswith("f:"):
            if not isinstance(cur, dict) or step[2:] not in cur:
                return _MISSING
            cur = cur[step[2:]]
        elif step.startswith("k:"):
            want = json.loads(step[2:])
            if not isinstance(cur, list):
                return _MISSING
            cur = next((i for i in cur if isinstance(i, dict) and all(i.get(k) == v for k, v in want.items())),
                       _MISSING)
            if cur is _MISSING:
                return _MISSING
        else:
            return _MISSING
    return cur


def render_path(path: tuple[str, ...]) -> str:
    out = ""
    for step in path:
        if step.startswith("f:"):
            out += "." + step[2:]
        elif step.startswith("k:"):
            keys = json.loads(step[2:])
            out += "[" + ",".join(f"{k}={json.dumps(v)}" for k, v in keys.items()) + "]"
    return out


def without_paths(fields: dict[str, Any], drop: set[tuple[str, ...]], prefix: tuple[str, ...] = ()) -> dict[str, Any]:
    """A copy of a FieldsV1 set without the given leaf paths (emptied branches removed)."""
    out: dict[str, Any] = {}
    for k, v in fields.items():
        sub = prefix + (k,)
        if sub in drop:
            continue
        if isinstance(v, dict) and any(ck != "." for ck in v):
            pruned = without_paths(v, drop, sub)
            if any(ck != "." for ck in pruned):
                out[k] = pruned
        else:
            out[k] = v
    return out


def check_conflicts(rt: ResourceType, name: str, live: dict[str, Any], patched: dict[str, Any],
                    intent: dict[str, Any], manager: str, force: bool) -> None:
    """Server-side apply ownership: another Apply manager owning a field that this apply sets to a
    different value is a 409 conflict, unless ``force`` takes the field over."""
    mine = set(leaf_paths(field_set(intent, rt.kind)))
    conflicts: list[tuple[str, str, tuple[str, ...]]] = []
    entries = patched["metadata"].get("managedFields") or []
    for e in entries:
        if e.get("manager") == manager or e.get("operation") != "Apply":
            continue
        for path in sorted(set(leaf_paths(e.get("fieldsV1") or {})) & mine):
            if value_at(intent, path) != value_at(live, path):
                conflicts.append((e["manager"], e.get("apiVersion", rt.api_version), path))
    if not conflicts:
        return
    if force:
        for e in entries:
            drop = {p for m, _, p in conflicts if m == e.get("manager")}
            if drop:
                e["fieldsV1"] = without_paths(e.get("fieldsV1") or {}, drop)
        return
    causes = [{"type": "FieldManagerConflict", "message": f'conflict with "{m}" using {av}',
               "field": render_path(p)} for m, av, p in conflicts]
    n = len(causes)
    if n == 1:
        msg = f"Apply failed with 1 conflict: {causes[0]['message']}: {causes[0]['field']}"
    else:
        msg = f"Apply failed with {n} conflicts: " + "; ".join(f"{c['message']}: {c['field']}" for c in causes)
    raise EmulatorError(409, "Conflict", msg, {"name": name, "group": rt.group, "kind": rt.plural,
                                              "causes": causes})
