"""Object validation as kube-apiserver does it on writes.

Custom resources are checked against the ``openAPIV3Schema`` of the CRD version they are
written at, the way k8s.io/apiextensions-apiserver does it for structural schemas:

* **pruning** (on decode): fields the schema does not declare are dropped, unless a node
  says ``x-kubernetes-preserve-unknown-fields: true`` (or is an embedded resource's
  apiVersion/kind/metadata); ``null`` in a non-nullable property is dropped. With
  ``fieldValidation=Strict`` an unknown field is an error instead, with ``Warn`` (the
  server default) a ``Warning`` header, with ``Ignore`` nothing;
* **schema validation**: type (``x-kubernetes-int-or-string`` = integer or string,
  ``nullable``), format (date-time, date, byte), enum, pattern, minimum/maximum (and
  exclusive), multipleOf, minLength/maxLength, minItems/maxItems/uniqueItems,
  ``x-kubernetes-list-type`` set/map duplicates, required, min/maxProperties, allOf / anyOf /
  oneOf / not, reported as ``field.ErrorList`` entries in the apiserver's own words;
* **ratcheting** (CRDValidationRatcheting, on by default since 1.30): on update, an invalid
  value that is unchanged from the stored object is not an error.

Every kind also gets ObjectMeta checks (unknown metadata fields, label keys and values,
annotation keys and total size) and a few built-in checks (replicas, container name/image).

Schemas are compiled lazily node by node (the KServe InferenceService schema is ~2 MB: a
write only pays for the nodes it visits) and cached per CRD version until the CRD changes.
Not done: defaulting from ``default:``, CEL ``x-kubernetes-validations``, string formats
other than date-time/date/byte.
"""

from __future__ import annotations

import base64
import json
import math
import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Iterable

from .status import EmulatorError

# ---- the apiserver's field errors -------------------------------------------------------

_OMIT = object()

# ErrorType -> (cause reason, text)
REQUIRED = ("FieldValueRequired", "Required value")
INVALID = ("FieldValueInvalid", "Invalid value")
TYPE_INVALID = ("FieldValueTypeInvalid", "Invalid value")
NOT_SUPPORTED = ("FieldValueNotSupported", "Unsupported value")
TOO_LONG = ("FieldValueTooLong", "Too long")
TOO_MANY = ("FieldValueTooMany", "Too many")
DUPLICATE = ("FieldValueDuplicate", "Duplicate value")
FORBIDDEN = ("FieldValueForbidden", "Forbidden")

_NO_VALUE_TYPES = {REQUIRED, FORBIDDEN, TOO_LONG}


def go_quote(s: str) -> str:
    """Go's strconv.Quote (close enough: control characters as Go escapes them)."""
    out = ['"']
    for ch in s:
        o = ord(ch)
        if ch == '"':
            out.append('\\"')
        elif ch == "\\":
            out.append("\\\\")
        elif ch in "\a\b\f\n\r\t\v":
            out.append({"\a": "\\a", "\b": "\\b", "\f": "\\f", "\n": "\\n", "\r": "\\r", "\t": "\\t", "\v": "\\v"}[ch])
        elif o < 0x20 or o == 0x7F:
            out.append(f"\\x{o:02x}")
        else:
            out.append(ch)
    out.append('"')
    return "".join(out)


def go_number(v: float | int) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    if math.isfinite(v) and v.is_integer() and abs(v) < 1e21:
        return str(int(v))
    return repr(v)


def go_sharp(v: Any) -> str:
    """Go's %#v of a decoded JSON value (interface{})."""
    if v is None:
        return "interface {}(nil)"
    if isinstance(v, str):
        return go_quote(v)
    if isinstance(v, (bool, int, float)):
        return go_number(v)
    if isinstance(v, list):
        return "[]interface {}{" + ", ".join(go_sharp(x) for x in v) + "}"
    if isinstance(v, dict):
        return "map[string]interface {}{" + ", ".join(f"{go_quote(str(k))}:{go_sharp(v[k])}" for k in sorted(v)) + "}"
    return repr(v)


def _value_text(v: Any) -> str:
    if v is None:
        return "null"
    if isinstance(v, str):
        return go_quote(v)
    if isinstance(v, (bool, int, float)):
        return go_number(v)
    return go_sharp(v)


@dataclass
class FieldError:
    kind: tuple[str, str]
    field: str
    value: Any = _OMIT
    detail: str = ""
    tokens: tuple[Any, ...] = ()

    def body(self) -> str:
        s = self.kind[1]
        if self.kind not in _NO_VALUE_TYPES and self.value is not _OMIT:
            s = f"{s}: {_value_text(self.value)}"
        if self.detail:
            s += f": {self.detail}"
        return s

    def __str__(self) -> str:
        return f"{self.field}: {self.body()}"


def invalid_error(kind: str, group: str, name: str, errors: list[FieldError]) -> EmulatorError:
    """422 Invalid, as apierrors.NewInvalid formats it."""
    qual = f"{kind}.{group}" if group else kind
    seen: list[str] = []
    for e in errors:
        msg = str(e)
        if msg not in seen:
            seen.append(msg)
    agg = seen[0] if len(seen) == 1 else "[" + ", ".join(seen) + "]"
    return EmulatorError(
        422,
        "Invalid",
        f'{qual} "{name}" is invalid: {agg}',
        {
            "name": name,
            "group": group,
            "kind": kind,
            "causes": [{"reason": e.kind[0], "message": e.body(), "field": e.field} for e in errors],
        },
    )


# ---- paths ---------------------------------------------------------------------------------


def _child(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def _index(path: str, i: int) -> str:
    return f"{path}[{i}]"


# ---- compiled schema nodes -----------------------------------------------------------------

_NOTHING = object()


class Node:
    """One schema node, compiled on first use; children are compiled when first visited."""

    __slots__ = (
        "s",
        "types",
        "nullable",
        "preserve",
        "embedded",
        "props",
        "list_type",
        "map_keys",
        "_kids",
        "_items",
        "_addl",
        "_pattern",
        "_composed",
    )

    def __init__(self, s: dict[str, Any]) -> None:
        if not isinstance(s, dict):
            s = {}
        self.s = s
        t = s.get("type")
        if s.get("x-kubernetes-int-or-string"):
            self.types: tuple[str, ...] = ("integer", "string")
        elif isinstance(t, str) and t:
            self.types = (t,)
        elif isinstance(t, list):
            self.types = tuple(x for x in t if isinstance(x, str))
        else:
            self.types = ()
        self.nullable = bool(s.get("nullable"))
        self.preserve = bool(s.get("x-kubernetes-preserve-unknown-fields"))
        self.embedded = bool(s.get("x-kubernetes-embedded-resource"))
        props = s.get("properties")
        self.props: dict[str, Any] | None = props if isinstance(props, dict) else None
        self.list_type = s.get("x-kubernetes-list-type")
        mk = s.get("x-kubernetes-list-map-keys")
        self.map_keys: tuple[str, ...] = tuple(mk) if isinstance(mk, list) else ()
        self._kids: dict[str, Node] = {}
        self._items: Any = _NOTHING
        self._addl: Any = _NOTHING
        self._pattern: Any = _NOTHING
        self._composed: Any = _NOTHING

    def prop(self, key: str) -> Node | None:
        kid = self._kids.get(key)
        if kid is None:
            if self.props is None or key not in self.props:
                return None
            kid = self._kids[key] = Node(self.props[key])
        return kid

    def items(self) -> Node | None:
        if self._items is _NOTHING:
            it = self.s.get("items")
            self._items = Node(it) if isinstance(it, dict) else None
        return self._items

    def addl(self) -> Node | bool | None:
        """additionalProperties: a Node, True (anything is kept) or None (not set)."""
        if self._addl is _NOTHING:
            ap = self.s.get("additionalProperties")
            self._addl = Node(ap) if isinstance(ap, dict) else (True if ap is True else None)
        return self._addl

    def pattern(self) -> re.Pattern[str] | None:
        if self._pattern is _NOTHING:
            p = self.s.get("pattern")
            try:
                self._pattern = re.compile(p) if isinstance(p, str) else None
            except re.error:
                self._pattern = None
        return self._pattern

    def composed(self) -> tuple[list[Node], list[Node], list[Node], Node | None]:
        if self._composed is _NOTHING:

            def nodes(k: str) -> list[Node]:
                v = self.s.get(k)
                return [Node(x) for x in v if isinstance(x, dict)] if isinstance(v, list) else []

            nt = self.s.get("not")
            self._composed = (
                nodes("allOf"),
                nodes("anyOf"),
                nodes("oneOf"),
                Node(nt) if isinstance(nt, dict) else None,
            )
        return self._composed


# ---- pruning -------------------------------------------------------------------------------

OBJECT_META_FIELDS = frozenset(
    {
        "name",
        "generateName",
        "namespace",
        "selfLink",
        "uid",
        "resourceVersion",
        "generation",
        "creationTimestamp",
        "deletionTimestamp",
        "deletionGracePeriodSeconds",
        "labels",
        "annotations",
        "ownerReferences",
        "finalizers",
        "managedFields",
    }
)


def prune_metadata(md: Any, path: str, unknown: list[str]) -> None:
    if not isinstance(md, dict):
        return
    for k in [k for k in md if k not in OBJECT_META_FIELDS]:
        del md[k]
        unknown.append(_child(path, k))


def prune(node: Node, value: Any, path: str, unknown: list[str], root: bool = False) -> None:
    """Drop (in place) what the schema does not declare; record the paths dropped."""
    if isinstance(value, dict):
        if node.types and "object" not in node.types:
            return  # a type error, reported by validate()
        addl = node.addl()
        if node.props is None and addl is None and (node.preserve or not node.types):
            if root or node.embedded:
                prune_metadata(value.get("metadata"), _child(path, "metadata"), unknown)
            return
        for k in list(value):
            v = value[k]
            if (root or node.embedded) and k in ("apiVersion", "kind", "metadata"):
                if k == "metadata":
                    prune_metadata(v, _child(path, k), unknown)
                continue
            kid = node.prop(k)
            if kid is None:
                if isinstance(addl, Node):
                    kid = addl
                elif addl is True or node.preserve:
                    continue
                else:
                    del value[k]
                    unknown.append(_child(path, k))
                    continue
            elif v is None and not kid.nullable:
                del value[k]  # PruneNonNullableNullsWithoutDefaults
                continue
            if isinstance(v, (dict, list)):
                prune(kid, v, _child(path, k), unknown)
    elif isinstance(value, list):
        it = node.items()
        if it is not None:
            for i, v in enumerate(value):
                if isinstance(v, (dict, list)):
                    prune(it, v, _index(path, i), unknown)


def undeclared(node: Node, value: Any, path: str, out: list[str], root: bool = False) -> None:
    """Fields of a server-side apply intent that the schema does not declare, as
    structured-merge-diff names them (``.spec.foo``, ``.spec.containers[name="x"].foo``)."""
    if isinstance(value, dict):
        if node.types and "object" not in node.types:
            return
        addl = node.addl()
        if node.props is None and addl is None and (node.preserve or not node.types):
            return
        for k, v in value.items():
            if (root or node.embedded) and k in ("apiVersion", "kind", "metadata"):
                continue
            kid = node.prop(k)
            if kid is None:
                if isinstance(addl, Node):
                    kid = addl
                elif addl is True or node.preserve:
                    continue
                else:
                    out.append(f"{path}.{k}")
                    continue
            undeclared(kid, v, f"{path}.{k}", out)
    elif isinstance(value, list):
        it = node.items()
        if it is None:
            return
        for i, v in enumerate(value):
            if node.list_type == "map" and node.map_keys and isinstance(v, dict):
                keys = ",".join(f"{k}={json.dumps(v.get(k))}" for k in node.map_keys)
                sub = f"{path}[{keys}]"
            elif node.list_type == "set":
                sub = f"{path}[={json.dumps(v)}]"
            else:
                sub = f"{path}[{i}]"
            undeclared(it, v, sub, out)


# ---- validation ----------------------------------------------------------------------------


def json_type(v: Any) -> str:
    if v is None:
        return "null"
    if isinstance(v, bool):
        return "boolean"
    if isinstance(v, int):
        return "integer"
    if isinstance(v, float):
        return "number"
    if isinstance(v, str):
        return "string"
    if isinstance(v, list):
        return "array"
    if isinstance(v, dict):
        return "object"
    return type(v).__name__


def _type_ok(jt: str, v: Any, types: tuple[str, ...]) -> bool:
    if jt in types:
        return True
    if jt == "integer" and "number" in types:
        return True
    return jt == "number" and "integer" in types and float(v).is_integer()


def _same(a: Any, b: Any) -> bool:
    """JSON equality (True is not 1)."""
    if isinstance(a, bool) or isinstance(b, bool):
        return isinstance(a, bool) and isinstance(b, bool) and a == b
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b))
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        return a == b
    return type(a) is type(b) and a == b


def _valid_format(fmt: str, v: str) -> bool:
    if fmt in ("date-time", "datetime"):
        try:
            datetime.fromisoformat(v.replace("Z", "+00:00").replace("z", "+00:00"))
        except ValueError:
            return False
        return "T" in v or "t" in v or " " in v
    if fmt == "date":
        try:
            datetime.strptime(v, "%Y-%m-%d")
        except ValueError:
            return False
        return True
    if fmt == "byte":
        try:
            base64.b64decode(v, validate=True)
        except (ValueError, TypeError):
            return False
        return True
    return True


def validate(node: Node, v: Any, path: str, errs: list[FieldError], tokens: tuple[Any, ...] = ()) -> None:
    s = node.s
    name = path
    if v is None:
        if node.types and not node.nullable and "null" not in node.types:
            errs.append(
                FieldError(
                    TYPE_INVALID, path, "null", f'{name} in body must be of type {",".join(node.types)}: "null"', tokens
                )
            )
        return
    jt = json_type(v)
    if node.types and not _type_ok(jt, v, node.types):
        errs.append(
            FieldError(TYPE_INVALID, path, jt, f'{name} in body must be of type {",".join(node.types)}: "{jt}"', tokens)
        )
        return
    fmt = s.get("format")
    if jt == "string" and isinstance(fmt, str) and not _valid_format(fmt, v):
        errs.append(FieldError(TYPE_INVALID, path, v, f"{name} in body must be of type {fmt}: {go_quote(v)}", tokens))
    enum = s.get("enum")
    if isinstance(enum, list) and enum and not any(_same(v, e) for e in enum):
        allowed = ", ".join(go_quote(e if isinstance(e, str) else json.dumps(e)) for e in enum)
        errs.append(FieldError(NOT_SUPPORTED, path, v, f"supported values: {allowed}", tokens))
    if jt == "string":
        _validate_string(node, v, path, errs, tokens)
    elif jt in ("integer", "number"):
        _validate_number(s, v, path, errs, tokens)
    elif jt == "array":
        _validate_array(node, v, path, errs, tokens)
    elif jt == "object":
        _validate_object(node, v, path, errs, tokens)
    all_of, any_of, one_of, not_ = node.composed()
    if all_of or any_of or one_of or not_ is not None:
        _validate_composed(node, v, path, errs, tokens, all_of, any_of, one_of, not_)


def _validate_string(node: Node, v: str, path: str, errs: list[FieldError], tokens: tuple[Any, ...]) -> None:
    s = node.s
    n = len(v)
    mx = s.get("maxLength")
    if isinstance(mx, int) and n > mx:
        errs.append(FieldError(TOO_LONG, path, v, f"may not be more than {mx} byte{'' if mx == 1 else 's'}", tokens))
    mn = s.get("minLength")
    if isinstance(mn, int) and n < mn:
        errs.append(FieldError(INVALID, path, v, f"{path} in body should be at least {mn} chars long", tokens))
    pat = node.pattern()
    if pat is not None and pat.search(v) is None:
        errs.append(FieldError(INVALID, path, v, f"{path} in body should match '{s['pattern']}'", tokens))


def _validate_number(s: dict[str, Any], v: float, path: str, errs: list[FieldError], tokens: tuple[Any, ...]) -> None:
    mx, mn = s.get("maximum"), s.get("minimum")
    if isinstance(mx, (int, float)) and not isinstance(mx, bool):
        if s.get("exclusiveMaximum") and v >= mx:
            errs.append(FieldError(INVALID, path, v, f"{path} in body should be less than {go_number(mx)}", tokens))
        elif v > mx:
            errs.append(
                FieldError(INVALID, path, v, f"{path} in body should be less than or equal to {go_number(mx)}", tokens)
            )
    if isinstance(mn, (int, float)) and not isinstance(mn, bool):
        if s.get("exclusiveMinimum") and v <= mn:
            errs.append(FieldError(INVALID, path, v, f"{path} in body should be greater than {go_number(mn)}", tokens))
        elif v < mn:
            errs.append(
                FieldError(
                    INVALID, path, v, f"{path} in body should be greater than or equal to {go_number(mn)}", tokens
                )
            )
    mo = s.get("multipleOf")
    if isinstance(mo, (int, float)) and not isinstance(mo, bool) and mo > 0:
        q = v / mo
        if not math.isclose(q, round(q), rel_tol=0, abs_tol=1e-9):
            errs.append(FieldError(INVALID, path, v, f"{path} in body should be a multiple of {go_number(mo)}", tokens))


def _validate_array(node: Node, v: list[Any], path: str, errs: list[FieldError], tokens: tuple[Any, ...]) -> None:
    s = node.s
    mx, mn = s.get("maxItems"), s.get("minItems")
    if isinstance(mx, int) and len(v) > mx:
        errs.append(FieldError(TOO_MANY, path, len(v), f"must have at most {mx} item{'' if mx == 1 else 's'}", tokens))
    if isinstance(mn, int) and len(v) < mn:
        errs.append(FieldError(INVALID, path, v, f"{path} in body should have at least {mn} items", tokens))
    if s.get("uniqueItems") and node.list_type not in ("set", "map"):
        for i, x in enumerate(v):
            if any(_same(x, y) for y in v[:i]):
                errs.append(FieldError(INVALID, path, v, f"{path} in body shouldn't contain duplicates", tokens))
                break
    it = node.items()
    if it is not None:
        for i, x in enumerate(v):
            validate(it, x, _index(path, i), errs, tokens + (i,))
    if node.list_type == "set":
        for i, x in enumerate(v):
            if any(_same(x, y) for y in v[:i]):
                errs.append(FieldError(DUPLICATE, _index(path, i), x, "", tokens + (i,)))
    elif node.list_type == "map" and node.map_keys:
        seen: list[dict[str, Any]] = []
        for i, x in enumerate(v):
            if not isinstance(x, dict):
                continue
            key = {k: x[k] for k in node.map_keys if k in x}
            if any(_same(key, y) for y in seen):
                errs.append(FieldError(DUPLICATE, _index(path, i), key, "", tokens + (i,)))
            seen.append(key)


def _validate_object(node: Node, v: dict[str, Any], path: str, errs: list[FieldError], tokens: tuple[Any, ...]) -> None:
    s = node.s
    req = s.get("required")
    if isinstance(req, list):
        for k in req:
            if isinstance(k, str) and k not in v:
                errs.append(FieldError(REQUIRED, _child(path, k), _OMIT, "", tokens + (k,)))
    mx, mn = s.get("maxProperties"), s.get("minProperties")
    if isinstance(mx, int) and len(v) > mx:
        errs.append(FieldError(TOO_MANY, path, len(v), f"must have at most {mx} item{'' if mx == 1 else 's'}", tokens))
    if isinstance(mn, int) and len(v) < mn:
        errs.append(FieldError(INVALID, path, v, f"{path} in body should have at least {mn} properties", tokens))
    addl = node.addl()
    for k in sorted(v):
        kid = node.prop(k)
        if kid is None:
            if isinstance(addl, Node):
                kid = addl
            else:
                continue
        validate(kid, v[k], _child(path, k), errs, tokens + (k,))


def _validate_composed(
    node: Node,
    v: Any,
    path: str,
    errs: list[FieldError],
    tokens: tuple[Any, ...],
    all_of: list[Node],
    any_of: list[Node],
    one_of: list[Node],
    not_: Node | None,
) -> None:
    def check(n: Node) -> list[FieldError]:
        sub: list[FieldError] = []
        validate(n, v, path, sub, tokens)
        return sub

    for n in all_of:
        errs.extend(check(n))
    if any_of and not node.s.get("x-kubernetes-int-or-string"):
        results = [check(n) for n in any_of]
        if all(results):
            errs.append(FieldError(INVALID, path, v, f'"{path}" must validate at least one schema (anyOf)', tokens))
            errs.extend(results[0])
    if one_of:
        ok = sum(1 for n in one_of if not check(n))
        if ok != 1:
            errs.append(
                FieldError(
                    INVALID,
                    path,
                    v,
                    f'"{path}" must validate one and only one schema (oneOf)'
                    + ("" if ok == 0 else f". Found {ok} valid alternatives"),
                    tokens,
                )
            )
    if not_ is not None and not check(not_):
        errs.append(FieldError(INVALID, path, v, f'"{path}" must not validate the schema (not)', tokens))


# ---- ratcheting ----------------------------------------------------------------------------

_MISSING = object()


def _at(obj: Any, tokens: Iterable[Any]) -> Any:
    cur = obj
    for t in tokens:
        if isinstance(t, int) and isinstance(cur, list) and 0 <= t < len(cur):
            cur = cur[t]
        elif isinstance(t, str) and isinstance(cur, dict) and t in cur:
            cur = cur[t]
        else:
            return _MISSING
    return cur


def ratchet(errors: list[FieldError], new: Any, old: Any) -> list[FieldError]:
    """Drop the errors about values that the update leaves as they were."""
    out = []
    for e in errors:
        if not e.tokens:
            out.append(e)
            continue
        was, now = _at(old, e.tokens), _at(new, e.tokens)
        if was is _MISSING and now is _MISSING:
            continue
        if was is not _MISSING and now is not _MISSING and _same(was, now):
            continue
        out.append(e)
    return out


# ---- ObjectMeta and built-in checks ----------------------------------------------------------

_QNAME = re.compile(r"^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$")
_LABEL_VALUE = re.compile(r"^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$")
_SUBDOMAIN = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")
_QNAME_MSG = (
    "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end "
    "with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for "
    "validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')"
)
_LABEL_VALUE_MSG = (
    "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or "
    "'.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or "
    "'my_value',  or '12345', regex used for validation is "
    "'(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')"
)
_PREFIX_MSG = (
    "prefix part a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, "
    "'-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex "
    "used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')"
)
ANNOTATIONS_MAX = 256 * 1024


def _qualified_name_errors(key: str, path: str, errs: list[FieldError], tokens: tuple[Any, ...]) -> None:
    prefix, slash, name = key.rpartition("/")
    if slash and not prefix:
        errs.append(FieldError(INVALID, path, key, "prefix part must be non-empty", tokens))
    elif prefix and (len(prefix) > 253 or not _SUBDOMAIN.match(prefix)):
        errs.append(FieldError(INVALID, path, key, _PREFIX_MSG, tokens))
    if not name:
        errs.append(FieldError(INVALID, path, key, "name part must be non-empty", tokens))
    elif len(name) > 63:
        errs.append(FieldError(INVALID, path, key, "name part must be no more than 63 characters", tokens))
    elif not _QNAME.match(name):
        errs.append(FieldError(INVALID, path, key, _QNAME_MSG, tokens))


def metadata_errors(md: dict[str, Any]) -> list[FieldError]:
    errs: list[FieldError] = []
    labels = md.get("labels")
    if isinstance(labels, dict):
        for k, v in labels.items():
            tok = ("metadata", "labels", k)
            _qualified_name_errors(str(k), "metadata.labels", errs, tok)
            if not isinstance(v, str):
                continue
            if len(v) > 63:
                errs.append(FieldError(INVALID, "metadata.labels", v, "must be no more than 63 characters", tok))
            elif not _LABEL_VALUE.match(v):
                errs.append(FieldError(INVALID, "metadata.labels", v, _LABEL_VALUE_MSG, tok))
    ann = md.get("annotations")
    if isinstance(ann, dict):
        total = 0
        for k, v in ann.items():
            _qualified_name_errors(str(k).lower(), "metadata.annotations", errs, ("metadata", "annotations", k))
            total += len(str(k)) + (len(v) if isinstance(v, str) else 0)
        if total > ANNOTATIONS_MAX:
            errs.append(
                FieldError(
                    TOO_LONG,
                    "metadata.annotations",
                    "",
                    f"may not be more than {ANNOTATIONS_MAX} bytes",
                    ("metadata", "annotations"),
                )
            )
    return errs


_WORKLOADS = {"Deployment", "ReplicaSet", "StatefulSet"}
_POD_SPEC_PATHS = {
    "Pod": ("spec",),
    "Deployment": ("spec", "template", "spec"),
    "ReplicaSet": ("spec", "template", "spec"),
    "StatefulSet": ("spec", "template", "spec"),
    "DaemonSet": ("spec", "template", "spec"),
}


def builtin_decode_error(kind: str, version: str, obj: dict[str, Any]) -> str | None:
    """The json decoding error a typed built-in would give for a wrong replicas type."""
    if kind in _WORKLOADS:
        r = (obj.get("spec") or {}).get("replicas") if isinstance(obj.get("spec"), dict) else None
        if r is not None and (
            isinstance(r, bool) or not isinstance(r, (int, float)) or (isinstance(r, float) and not r.is_integer())
        ):
            what = {str: "string", bool: "bool", list: "array", dict: "object", float: "number"}.get(type(r), "value")
            return (
                f'{kind} in version "{version}" cannot be handled as a {kind}: json: cannot unmarshal {what} '
                f"into Go struct field {kind}Spec.spec.replicas of type int32"
            )
    return None


def builtin_errors(kind: str, obj: dict[str, Any]) -> list[FieldError]:
    errs: list[FieldError] = []
    spec = obj.get("spec")
    if not isinstance(spec, dict):
        return errs
    if kind in _WORKLOADS:
        r = spec.get("replicas")
        if isinstance(r, (int, float)) and not isinstance(r, bool) and r < 0:
            errs.append(
                FieldError(INVALID, "spec.replicas", int(r), "must be greater than or equal to 0", ("spec", "replicas"))
            )
    steps = _POD_SPEC_PATHS.get(kind)
    pod_spec: Any = obj
    for s in steps or ():
        pod_spec = pod_spec.get(s) if isinstance(pod_spec, dict) else None
    if steps and isinstance(pod_spec, dict):
        base = ".".join(steps)
        for field in ("initContainers", "containers"):
            cs = pod_spec.get(field)
            if not isinstance(cs, list):
                continue
            names: list[str] = []
            for i, c in enumerate(cs):
                if not isinstance(c, dict):
                    continue
                p = f"{base}.{field}[{i}]"
                tok = tuple(steps) + (field, i)
                if not c.get("name"):
                    errs.append(FieldError(REQUIRED, f"{p}.name", _OMIT, "", tok + ("name",)))
                elif c["name"] in names:
                    errs.append(FieldError(DUPLICATE, f"{p}.name", c["name"], "", tok + ("name",)))
                else:
                    names.append(c["name"])
                if not c.get("image"):
                    errs.append(FieldError(REQUIRED, f"{p}.image", _OMIT, "", tok + ("image",)))
    return errs


# ---- the per-CRD-version cache -------------------------------------------------------------


class SchemaCache:
    """Compiled root nodes per (CRD name, version), kept until the CRD object changes."""

    def __init__(self) -> None:
        self._cache: dict[tuple[str, str], tuple[str, Node | None]] = {}

    def root(self, crd: dict[str, Any] | None, version: str) -> Node | None:
        if crd is None:
            return None
        md = crd.get("metadata") or {}
        key = (md.get("name", ""), version)
        stamp = str(md.get("resourceVersion", "")) + "/" + str(md.get("uid", ""))
        hit = self._cache.get(key)
        if hit is not None and hit[0] == stamp:
            return hit[1]
        node = None
        for v in (crd.get("spec") or {}).get("versions") or []:
            if v.get("name") == version:
                schema = (v.get("schema") or {}).get("openAPIV3Schema")
                node = Node(schema) if isinstance(schema, dict) else None
        self._cache[key] = (stamp, node)
        return node

    def forget(self, crd_name: str) -> None:
        for key in [k for k in self._cache if k[0] == crd_name]:
            del self._cache[key]

    def __len__(self) -> int:
        return len(self._cache)
