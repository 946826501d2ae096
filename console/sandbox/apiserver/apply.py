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
        if path == ("metadata",) and k in (
            "name",
            "namespace",
            "resourceVersion",
            "uid",
            "creationTimestamp",
            "managedFields",
            "generation",
        ):
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
            cur = next(
                (i for i in cur if isinstance(i, dict) and all(i.get(k) == v for k, v in want.items())), _MISSING
            )
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


def check_conflicts(
    rt: ResourceType,
    name: str,
    live: dict[str, Any],
    patched: dict[str, Any],
    intent: dict[str, Any],
    manager: str,
    force: bool,
) -> None:
    """Server-side apply ownership: another manager (an applier or an ordinary writer: kubectl
    patch, edit, replace, a controller) owning a field that this apply sets to a different value
    is a 409 conflict, unless ``force`` takes the field over (the others lose it)."""
    mine = set(leaf_paths(field_set(intent, rt.kind)))
    conflicts: list[tuple[str, str, tuple[str, ...]]] = []
    entries = patched["metadata"].get("managedFields") or []
    for e in entries:
        if not isinstance(e, dict) or e.get("manager") == manager or e.get("subresource"):
            continue
        # maps and keyed lists are granular: only the same leaf (a scalar, an atomic list, a map
        # set as {}) can conflict
        for path in sorted(set(leaf_paths(e.get("fieldsV1") or {})) & mine):
            if value_at(intent, path) != value_at(live, path):
                conflicts.append((e.get("manager", ""), e.get("apiVersion", rt.api_version), path))
    if not conflicts:
        return
    if force:
        kept = []
        for e in entries:
            drop = {p for m, _, p in conflicts if m == e.get("manager")}
            if drop and not e.get("subresource") and e.get("manager") != manager:
                left = set(leaf_paths(e.get("fieldsV1") or {})) - drop
                if not left:
                    continue  # an entry that owns nothing goes
                e["fieldsV1"] = fields_from_leaves(left)
            kept.append(e)
        patched["metadata"]["managedFields"] = kept
        return
    causes = [
        {"type": "FieldManagerConflict", "message": f'conflict with "{m}" using {av}', "field": render_path(p)}
        for m, av, p in conflicts
    ]
    n = len(causes)
    if n == 1:
        msg = f"Apply failed with 1 conflict: {causes[0]['message']}: {causes[0]['field']}"
    else:
        msg = f"Apply failed with {n} conflicts: " + "; ".join(f"{c['message']}: {c['field']}" for c in causes)
    raise EmulatorError(409, "Conflict", msg, {"name": name, "group": rt.group, "kind": rt.plural, "causes": causes})


def _prefix(short: tuple[str, ...], long: tuple[str, ...]) -> bool:
    return long[: len(short)] == short


def remove_dropped(
    obj: dict[str, Any], intent: dict[str, Any], manager: str, kind: str, subresource: str | None = None
) -> list[tuple[str, ...]]:
    """Fields this manager applied before and leaves out now are removed from ``obj``, unless
    another manager owns them (or something under them) too; a list item goes as a whole when
    nothing in it stays owned. Returns the paths removed."""
    entries = [e for e in obj["metadata"].get("managedFields") or [] if isinstance(e, dict)]
    prev = next(
        (
            e
            for e in entries
            if e.get("manager") == manager and e.get("operation") == "Apply" and e.get("subresource") == subresource
        ),
        None,
    )
    if prev is None:
        return []
    now = set(leaf_paths(field_set(intent, kind)))
    dropped = set(leaf_paths(prev.get("fieldsV1") or {})) - now
    if not dropped:
        return []
    held = set(now)
    for e in entries:
        if e is not prev:
            held |= set(leaf_paths(e.get("fieldsV1") or {}))
    # a held leaf above a dropped one protects it only when it holds a whole value (a map held
    # as a leaf was set as {} and is granular)
    atomic = {q for q in held if not isinstance(value_at(obj, q), dict)}
    removed: list[tuple[str, ...]] = []
    for p in sorted(dropped, key=len):
        if any(_prefix(p, q) for q in held) or any(_prefix(q, p) for q in atomic):
            continue
        target = p
        for i, step in enumerate(p):
            if step.startswith("k:") and not any(_prefix(p[: i + 1], q) for q in held):
                target = p[: i + 1]  # nothing in that list item stays owned: the item goes
                break
        else:
            if len(p) >= 2 and p[-2].startswith("k:") and p[-1][2:] in json.loads(p[-2][2:]):
                continue  # the key of an item that stays
        if any(_prefix(r, target) for r in removed):
            continue
        if _delete_at(obj, target):
            removed.append(target)
    return removed


def _delete_at(obj: Any, path: tuple[str, ...]) -> bool:
    """Delete the field or list item at ``path``; then drop the maps this leaves empty (never
    metadata). False when nothing was there."""
    chain: list[tuple[Any, Any]] = []  # (container, key or index)
    cur = obj
    for step in path:
        if step.startswith("f:"):
            if not isinstance(cur, dict) or step[2:] not in cur:
                return False
            chain.append((cur, step[2:]))
            cur = cur[step[2:]]
        elif step.startswith("k:"):
            want = json.loads(step[2:])
            if not isinstance(cur, list):
                return False
            idx = next(
                (
                    i
                    for i, it in enumerate(cur)
                    if isinstance(it, dict) and all(it.get(k) == v for k, v in want.items())
                ),
                None,
            )
            if idx is None:
                return False
            chain.append((cur, idx))
            cur = cur[idx]
        else:
            return False
    container, key = chain.pop()
    del container[key]
    while chain:
        container, key = chain.pop()
        child = container[key]
        if not (isinstance(child, dict) and not child) or (container is obj and key == "metadata"):
            break
        del container[key]
    return True


# ---- ownership of ordinary writes (operation Update) --------------------------------------
_META_SKIP = (
    "name",
    "namespace",
    "resourceVersion",
    "uid",
    "creationTimestamp",
    "managedFields",
    "generation",
    "deletionTimestamp",
    "deletionGracePeriodSeconds",
    "selfLink",
    "generateName",
)
Path = tuple[str, ...]


def _key_step(item: dict[str, Any], mk: str) -> str:
    return "k:" + json.dumps({mk: item[mk]}, separators=(",", ":"))


def _assoc(kind: str, names: tuple[str, ...], *lists: Any) -> str | None:
    mk = merge_key(kind, names)
    if not mk:
        return None
    for lst in lists:
        if not isinstance(lst, list) or not all(isinstance(i, dict) and mk in i for i in lst):
            return None
    return mk


def changed_leaves(
    old: Any, new: Any, kind: str, names: tuple[str, ...] = (), prefix: Path = ()
) -> tuple[set[Path], set[Path]]:
    """(leaf paths ``new`` sets to another value than ``old``, leaf paths ``old`` had that
    ``new`` dropped), as FieldsV1 steps ("f:spec", "f:replicas"). Atomic lists are leaves;
    lists with a merge key (containers by name...) are compared item by item."""
    set_: set[Path] = set()
    removed: set[Path] = set()
    if isinstance(old, dict) and isinstance(new, dict):
        for k, v in new.items():
            if not names and k in ("apiVersion", "kind"):
                continue
            if names == ("metadata",) and k in _META_SKIP:
                continue
            sub_names, step = names + (k,), prefix + (f"f:{k}",)
            if k not in old:
                set_ |= _sub_leaves(v, kind, sub_names, step)
            elif old[k] != v:
                a, r = changed_leaves(old[k], v, kind, sub_names, step)
                set_ |= a
                removed |= r
        for k, v in old.items():
            if k in new or (not names and k in ("apiVersion", "kind")) or (names == ("metadata",) and k in _META_SKIP):
                continue
            removed |= _sub_leaves(v, kind, names + (k,), prefix + (f"f:{k}",))
        return set_, removed
    mk = _assoc(kind, names, old, new) if isinstance(old, list) and isinstance(new, list) else None
    if mk:
        olds = {_key_step(i, mk): i for i in old}
        news = {_key_step(i, mk): i for i in new}
        for ks, item in news.items():
            if ks not in olds:
                set_ |= _sub_leaves(item, kind, names, prefix + (ks,), item_of_list=True)
            elif olds[ks] != item:
                a, r = changed_leaves(olds[ks], item, kind, names, prefix + (ks,))
                set_ |= a
                removed |= r
        for ks, item in olds.items():
            if ks not in news:
                removed |= _sub_leaves(item, kind, names, prefix + (ks,), item_of_list=True)
        return set_, removed
    if old != new:
        set_.add(prefix)
    return set_, removed


def _sub_leaves(v: Any, kind: str, names: tuple[str, ...], prefix: Path, item_of_list: bool = False) -> set[Path]:
    if isinstance(v, dict):
        inner = field_set(v, kind, names)
        leaves = {prefix + p for p in leaf_paths(inner)}
        return leaves or ({prefix} if not v else set())  # {} is a value; metadata with a name only is not
    if isinstance(v, list) and not item_of_list:
        mk = _assoc(kind, names, v)
        if mk and v:
            out: set[Path] = set()
            for item in v:
                out |= _sub_leaves(item, kind, names, prefix + (_key_step(item, mk),), item_of_list=True)
            return out
    return {prefix}


def fields_from_leaves(paths: set[Path]) -> dict[str, Any]:
    """A FieldsV1 set holding the given leaf paths (list items carry their "." marker)."""
    out: dict[str, Any] = {}
    for path in sorted(paths):
        node = out
        for step in path:
            node = node.setdefault(step, {})
            if step.startswith("k:"):
                node.setdefault(".", {})
    return out


def _overlaps(p: Path, drop: set[Path]) -> bool:
    return any(p[: len(d)] == d or d[: len(p)] == p for d in drop)


def record_update(
    md: dict[str, Any],
    manager: str,
    api_version: str,
    now: str,
    changed: set[Path],
    removed: set[Path],
    subresource: str | None = None,
) -> None:
    """What kube-apiserver's field manager does for an ordinary write (create, update, patch):
    ``manager`` comes to own the fields it changed (on top of what it owned), other managers
    lose them, and fields the write removed are owned by nobody. An entry left empty goes. A
    write that changes nothing leaves managedFields as they were (so the write is a no-op)."""
    if not changed and not removed:
        return
    drop = changed | removed
    entries: list[dict[str, Any]] = []
    mine: dict[str, Any] | None = None
    for e in md.get("managedFields") or []:
        if not isinstance(e, dict):
            continue
        if e.get("manager") == manager and e.get("operation") == "Update" and e.get("subresource") == subresource:
            mine = e
            continue
        owned = set(leaf_paths(e.get("fieldsV1") or {}))
        keep = {p for p in owned if not _overlaps(p, drop)}
        if keep != owned:
            if not keep:
                continue
            e = {**e, "fieldsV1": fields_from_leaves(keep)}
        entries.append(e)
    own = set(leaf_paths((mine or {}).get("fieldsV1") or {}))
    own = {p for p in own if not _overlaps(p, removed)} | changed
    if own:
        entry: dict[str, Any] = {
            "manager": manager,
            "operation": "Update",
            "apiVersion": api_version,
            "time": now,
            "fieldsType": "FieldsV1",
            "fieldsV1": fields_from_leaves(own),
        }
        if subresource:
            entry["subresource"] = subresource
        entries.append(entry)
    if entries:
        md["managedFields"] = entries
    else:
        md.pop("managedFields", None)
