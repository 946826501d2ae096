"""Patch algorithms: JSON merge patch (RFC 7386), JSON patch (RFC 6902) and strategic merge patch
(by the merge keys of the built-in kinds). Server-side apply lives in apply.py.

Every function returns a new document and leaves its inputs untouched.
"""

from __future__ import annotations

import json
from typing import Any

from .meta import clone
from .status import EmulatorError, bad_request

_DELETE = object()


def _cp(v: Any) -> Any:
    return clone(v) if isinstance(v, (dict, list)) else v


# ---- RFC 7386 ---------------------------------------------------------------------------


def merge_patch(target: Any, patch: Any) -> Any:
    if not isinstance(patch, dict):
        return _cp(patch)
    result = dict(target) if isinstance(target, dict) else {}
    for k, v in patch.items():
        if v is None:
            result.pop(k, None)
        else:
            result[k] = merge_patch(result.get(k), v)
    return result


# ---- RFC 6902 ---------------------------------------------------------------------------


def _invalid(msg: str) -> EmulatorError:
    return EmulatorError(422, "Invalid", msg)


def _pointer(path: str) -> list[str]:
    if path == "":
        return []
    if not path.startswith("/"):
        raise _invalid(f"JSON pointer must start with '/': {path!r}")
    return [p.replace("~1", "/").replace("~0", "~") for p in path[1:].split("/")]


def _index(container: list, token: str, path: str, allow_end: bool) -> int:
    if token == "-" and allow_end:
        return len(container)
    if not token.isdigit() or (token != "0" and token.startswith("0")):
        raise _invalid(f"invalid array index {token!r} in {path!r}")
    i = int(token)
    if i > len(container) or (i == len(container) and not allow_end):
        raise _invalid(f"array index {i} out of bounds in {path!r}")
    return i


def _parent(doc: Any, tokens: list[str], path: str) -> Any:
    cur = doc
    for t in tokens[:-1]:
        if isinstance(cur, dict):
            if t not in cur:
                raise _invalid(f"doc is missing path: {path!r}")
            cur = cur[t]
        elif isinstance(cur, list):
            cur = cur[_index(cur, t, path, False)]
        else:
            raise _invalid(f"doc is missing path: {path!r}")
    return cur


def _get(doc: Any, path: str) -> Any:
    tokens = _pointer(path)
    if not tokens:
        return doc
    parent = _parent(doc, tokens, path)
    last = tokens[-1]
    if isinstance(parent, dict):
        if last not in parent:
            raise _invalid(f"doc is missing key: {path!r}")
        return parent[last]
    if isinstance(parent, list):
        return parent[_index(parent, last, path, False)]
    raise _invalid(f"doc is missing path: {path!r}")


def _remove(doc: Any, path: str) -> Any:
    tokens = _pointer(path)
    if not tokens:
        raise _invalid("cannot remove the whole document")
    parent = _parent(doc, tokens, path)
    last = tokens[-1]
    if isinstance(parent, dict):
        if last not in parent:
            raise _invalid(f"unable to remove nonexistent key: {last}: missing value")
        return parent.pop(last)
    if isinstance(parent, list):
        return parent.pop(_index(parent, last, path, False))
    raise _invalid(f"doc is missing path: {path!r}")


def _add(doc: Any, path: str, value: Any, replace: bool = False) -> Any:
    tokens = _pointer(path)
    if not tokens:
        return value
    parent = _parent(doc, tokens, path)
    last = tokens[-1]
    if isinstance(parent, dict):
        if replace and last not in parent:
            raise _invalid(f"replace operation does not apply: doc is missing key: {path}: missing value")
        parent[last] = value
    elif isinstance(parent, list):
        if replace:
            parent[_index(parent, last, path, False)] = value
        else:
            parent.insert(_index(parent, last, path, True), value)
    else:
        raise _invalid(f"doc is missing path: {path!r}")
    return doc


def json_patch(doc: Any, ops: Any) -> Any:
    if not isinstance(ops, list):
        raise bad_request("json patch must be a JSON array of operations")
    doc = clone(doc)
    for op in ops:
        if not isinstance(op, dict) or "op" not in op or "path" not in op:
            raise bad_request(f"invalid json patch operation: {json.dumps(op)}")
        kind, path = op["op"], op["path"]
        if kind in ("add", "replace", "test") and "value" not in op:
            raise bad_request(f"missing value for {kind} operation at {path!r}")
        if kind == "add":
            doc = _add(doc, path, _cp(op["value"]))
        elif kind == "replace":
            if _pointer(path):
                doc = _add(doc, path, _cp(op["value"]), replace=True)
            else:
                doc = _cp(op["value"])
        elif kind == "remove":
            _remove(doc, path)
        elif kind in ("move", "copy"):
            if "from" not in op:
                raise bad_request(f"missing from for {kind} operation")
            if kind == "move":
                if path.startswith(op["from"] + "/"):
                    raise _invalid("cannot move a value into one of its children")
                value = _remove(doc, op["from"])
            else:
                value = clone(_get(doc, op["from"]))
            doc = _add(doc, path, value)
        elif kind == "test":
            if _get(doc, path) != op["value"]:
                raise _invalid(f"testing value {path} failed: test failed")
        else:
            raise bad_request(f"unexpected json patch operation {kind!r}")
    return doc


# ---- strategic merge patch ----------------------------------------------------------------

MERGE_KEYS: dict[str, str] = {
    "containers": "name",
    "initContainers": "name",
    "ephemeralContainers": "name",
    "env": "name",
    "volumes": "name",
    "volumeMounts": "mountPath",
    "volumeDevices": "devicePath",
    "ports": "containerPort",
    "conditions": "type",
    "imagePullSecrets": "name",
    "ownerReferences": "uid",
    "hostAliases": "ip",
    "topologySpreadConstraints": "topologyKey",
    "addresses": "type",
    "resourceClaims": "name",
    "podIPs": "ip",
    "hostIPs": "ip",
    "secrets": "name",
}
# lists of scalars merged as sets
PRIMITIVE_MERGE = {"finalizers"}


def merge_key(kind: str, path: tuple[str, ...]) -> str | None:
    if kind == "Service" and path == ("spec", "ports"):
        return "port"
    if path and path[-1] == "secrets" and kind != "ServiceAccount":
        return None
    return MERGE_KEYS.get(path[-1]) if path else None


def strategic_merge(target: Any, patch: Any, kind: str, path: tuple[str, ...] = ()) -> Any:
    res = _smp(target, patch, kind, path)
    return {} if res is _DELETE else res


def _smp(target: Any, patch: Any, kind: str, path: tuple[str, ...]) -> Any:
    if not isinstance(patch, dict):
        return _cp(patch)
    directive = patch.get("$patch")
    if directive == "delete":
        return _DELETE
    if directive == "replace":
        return {k: _cp(v) for k, v in patch.items() if k != "$patch"}
    if directive is not None and directive != "merge":
        raise bad_request(f"Unknown patch type: {directive}")
    result = dict(target) if isinstance(target, dict) else {}
    retain = None
    for k, v in patch.items():
        if k == "$patch" or k.startswith("$setElementOrder/"):
            continue
        if k == "$retainKeys":
            retain = v
            continue
        if k.startswith("$deleteFromPrimitiveList/"):
            fld = k.split("/", 1)[1]
            if isinstance(result.get(fld), list) and isinstance(v, list):
                result[fld] = [x for x in result[fld] if x not in v]
            continue
        sub = path + (k,)
        if v is None:
            result.pop(k, None)
        elif isinstance(v, list):
            mk = merge_key(kind, sub)
            old = result.get(k)
            if mk:
                result[k] = _merge_list(old if isinstance(old, list) else [], v, mk, kind, sub)
            elif k in PRIMITIVE_MERGE and isinstance(old, list):
                result[k] = old + [x for x in v if x not in old]
            else:
                result[k] = [
                    x
                    for x in (_cp(i) for i in v)
                    if not (isinstance(x, dict) and x.get("$patch") == "replace" and len(x) == 1)
                ]
        elif isinstance(v, dict):
            merged = _smp(result.get(k), v, kind, sub)
            if merged is _DELETE:
                result.pop(k, None)
            else:
                result[k] = merged
        else:
            result[k] = v
    if isinstance(retain, list):
        result = {k: v for k, v in result.items() if k in retain}
    return result


def _merge_list(old: list, patch: list, key: str, kind: str, path: tuple[str, ...]) -> list:
    if any(isinstance(i, dict) and i.get("$patch") == "replace" for i in patch):
        return [_cp(i) for i in patch if not (isinstance(i, dict) and i.get("$patch") == "replace")]
    out = list(old)
    for item in patch:
        if not isinstance(item, dict):
            out.append(_cp(item))
            continue
        kv = item.get(key)
        idx = next((n for n, o in enumerate(out) if isinstance(o, dict) and kv is not None and o.get(key) == kv), None)
        if item.get("$patch") == "delete":
            if idx is not None:
                out.pop(idx)
            continue
        if idx is None:
            out.append({k: _cp(v) for k, v in item.items() if not k.startswith("$")})
        else:
            out[idx] = _smp(out[idx], item, kind, path)
    return out
