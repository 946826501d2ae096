"""KindSpecs for kinds the catalog has no module for.

:func:`spec_from_crd` reads a CustomResourceDefinition: the columns are NAME,
NAMESPACE (namespaced kinds), then the CRD's ``additionalPrinterColumns`` as kubectl
shows them (header upper-cased, ``type: date`` as an age, several results joined with
``,``), and AGE when the CRD has no column for ``.metadata.creationTimestamp``.
:func:`spec_from_api_resource` does the same for a discovery entry without a CRD
(NAME, NAMESPACE, AGE).  Health comes from a ``Ready`` condition, else ``Available``,
else UNKNOWN.

The JSONPath subset is what printer columns use: ``.a.b``, ``.a[0].b``, ``.a[*].b``,
``['key.with.dots']``, ``a\\.b`` (escaped dot), and filters
``[?(@.type=="Ready")]`` / ``[?(@.latestRevision==true)]`` / ``[?(@.n>=2)]``.  A path
it cannot parse gives an empty cell, never an error.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any, Callable, Mapping

from inference_console.catalog.base import (
    OK,
    Column,
    Health,
    HealthResult,
    KindSpec,
    Obj,
    age_column,
    as_list,
    as_map,
    as_str,
    column,
    cond_text,
    condition,
    conditions,
    guard_health,
    humanize_age,
    name_column,
    namespace_column,
    parse_time,
)

SECTION = "Other CRDs"
MAX_RESULTS = 50


# ----------------------------------------------------------------------------
# JSONPath
# ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Step:
    op: str  # "field", "index", "all", "filter"
    arg: Any = None


class JSONPathError(ValueError):
    pass


_FILTER = re.compile(r"^\?\(\s*@((?:\.[^=!<>\s()]+)*)\s*(?:(==|!=|<=|>=|<|>)\s*(.+?))?\s*\)$", re.S)


def _literal(text: str) -> Any:
    text = text.strip()
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "'\"":
        return text[1:-1]
    if text in ("true", "false"):
        return text == "true"
    if text == "null":
        return None
    try:
        return int(text)
    except ValueError:
        pass
    try:
        return float(text)
    except ValueError:
        raise JSONPathError(f"bad literal {text!r}") from None


def _split_dotted(text: str) -> list[str]:
    """``a.b\\.c`` → ``["a", "b.c"]``."""
    parts, cur, i = [], "", 0
    while i < len(text):
        ch = text[i]
        if ch == "\\" and i + 1 < len(text):
            cur += text[i + 1]
            i += 2
            continue
        if ch == ".":
            parts.append(cur)
            cur = ""
        else:
            cur += ch
        i += 1
    parts.append(cur)
    return parts


def compile_path(path: str) -> list[_Step]:
    """Parse a printer-column JSONPath into steps; raises :class:`JSONPathError`."""
    if not isinstance(path, str) or len(path) > 1000:
        raise JSONPathError("not a path")
    text = path.strip()
    if text.startswith("{") and text.endswith("}"):
        text = text[1:-1].strip()
    if text.startswith("$"):
        text = text[1:]
    steps: list[_Step] = []
    i = 0
    while i < len(text):
        ch = text[i]
        if ch == ".":
            if text.startswith("..", i):
                raise JSONPathError("recursive descent is not supported")
            j = i + 1
            while j < len(text) and text[j] not in ".[":
                j += 2 if text[j] == "\\" else 1
            name = text[i + 1 : j]
            if not name:
                raise JSONPathError("empty field name")
            if name == "*":
                steps.append(_Step("all"))
            else:
                steps.append(_Step("field", "".join(_split_dotted(name))))
            i = j
        elif ch == "[":
            depth, j = 0, i
            quote = ""
            while j < len(text):
                c = text[j]
                if quote:
                    if c == quote:
                        quote = ""
                elif c in "'\"":
                    quote = c
                elif c == "[":
                    depth += 1
                elif c == "]":
                    depth -= 1
                    if depth == 0:
                        break
                j += 1
            if j >= len(text):
                raise JSONPathError("unclosed [")
            inner = text[i + 1 : j].strip()
            i = j + 1
            if inner == "*":
                steps.append(_Step("all"))
            elif inner.startswith("?"):
                match = _FILTER.match(inner)
                if not match:
                    raise JSONPathError(f"bad filter {inner!r}")
                sub = [p for p in _split_dotted(match.group(1)[1:])] if match.group(1) else []
                op = match.group(2)
                value = _literal(match.group(3)) if op else None
                steps.append(_Step("filter", (tuple(sub), op, value)))
            elif len(inner) >= 2 and inner[0] == inner[-1] and inner[0] in "'\"":
                steps.append(_Step("field", inner[1:-1]))
            else:
                try:
                    steps.append(_Step("index", int(inner)))
                except ValueError:
                    raise JSONPathError(f"unsupported subscript {inner!r}") from None
        else:
            # A leading bare name ("status.url") is accepted like ".status.url".
            j = i
            while j < len(text) and text[j] not in ".[":
                j += 1
            steps.append(_Step("field", text[i:j]))
            i = j
    return steps


def _get_field(node: Any, path: tuple[str, ...]) -> tuple[bool, Any]:
    for key in path:
        if isinstance(node, dict) and key in node:
            node = node[key]
        else:
            return False, None
    return True, node


def _compare(value: Any, op: str, literal: Any) -> bool:
    if isinstance(literal, bool) or isinstance(value, bool):
        if op == "==":
            return value is literal or (isinstance(value, str) and value == as_str(literal))
        if op == "!=":
            return not _compare(value, "==", literal)
        return False
    if isinstance(literal, (int, float)) and isinstance(value, (int, float)):
        a, b = value, literal
    elif isinstance(literal, str) and isinstance(value, str):
        a, b = value, literal
    elif isinstance(literal, (int, float)) and isinstance(value, str):
        try:
            a, b = float(value), literal
        except ValueError:
            return op == "!="
    else:
        return op == "!=" if value is not None or literal is not None else op == "=="
    return {"==": a == b, "!=": a != b, "<": a < b, ">": a > b, "<=": a <= b, ">=": a >= b}[op]


def evaluate(steps: list[_Step], obj: Any) -> list[Any]:
    """All values the path selects in ``obj`` (at most :data:`MAX_RESULTS`)."""
    nodes = [obj]
    for step in steps:
        out: list[Any] = []
        for node in nodes:
            if step.op == "field":
                if isinstance(node, dict) and step.arg in node:
                    out.append(node[step.arg])
            elif step.op == "index":
                if isinstance(node, list) and -len(node) <= step.arg < len(node):
                    out.append(node[step.arg])
            elif step.op == "all":
                if isinstance(node, list):
                    out.extend(node)
                elif isinstance(node, dict):
                    out.extend(node.values())
            elif step.op == "filter":
                sub, op, literal = step.arg
                for item in node if isinstance(node, list) else []:
                    found, value = _get_field(item, sub)
                    if not found:
                        continue
                    if op is None:
                        if value not in (None, False, "", [], {}):
                            out.append(item)
                    elif _compare(value, op, literal):
                        out.append(item)
            if len(out) > MAX_RESULTS:
                out = out[:MAX_RESULTS]
                break
        nodes = out
        if not nodes:
            break
    return [n for n in nodes if n is not None]


def _format(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, (int, float)):
        return str(value)
    try:
        return json.dumps(value, sort_keys=True, separators=(",", ":"), default=str)[:1000]
    except (TypeError, ValueError, RecursionError):
        return ""


def jsonpath_text(path: str, obj: Any) -> str:
    """kubectl-like text for a printer column path; ``""`` when nothing matches or the path is bad."""
    try:
        return ",".join(_format(v) for v in evaluate(compile_path(path), obj))
    except JSONPathError:
        return ""


def _getter(path: str, ctype: str) -> tuple[Callable[[Obj], Any], Callable[[Obj], Any] | None]:
    try:
        steps = compile_path(path)
    except JSONPathError:
        return (lambda o: ""), None

    def values(o: Obj) -> list[Any]:
        return evaluate(steps, o)

    if ctype == "date":

        def age(o: Obj) -> str:
            found = values(o)
            return humanize_age(found[0]) if found and parse_time(found[0]) else ""

        def when(o: Obj) -> Any:
            found = values(o)
            ts = parse_time(found[0]) if found else None
            return -ts.timestamp() if ts else None

        return age, when
    if ctype in ("integer", "number"):

        def num(o: Obj) -> Any:
            found = values(o)
            return found[0] if found and isinstance(found[0], (int, float)) and not isinstance(found[0], bool) else None

        return (lambda o: ",".join(_format(v) for v in values(o))), num
    return (lambda o: ",".join(_format(v) for v in values(o))), None


def printer_columns(printer: Any, start_priority: int = 1) -> tuple[list[Column], bool]:
    """Columns for ``additionalPrinterColumns``; also whether one of them was the age."""
    cols: list[Column] = []
    has_age = False
    for raw in as_list(printer)[:30]:
        if not isinstance(raw, dict):
            continue
        path = as_str(raw.get("jsonPath")) or as_str(raw.get("JSONPath"))
        name = as_str(raw.get("name")).upper() or path
        if not path:
            continue
        ctype = as_str(raw.get("type"))
        prio = raw.get("priority")
        priority = (
            start_priority
            + (prio if isinstance(prio, int) and not isinstance(prio, bool) and 0 <= prio < 10 else 0) * 2
        )
        if path.strip().strip("{}").lstrip("$") == ".metadata.creationTimestamp":
            age = age_column(priority=0)
            cols.append(
                Column(name or "AGE", age.get, priority=0, min_width=age.min_width, justify="right", sort=age.sort)
            )
            has_age = True
            continue
        get, sort = _getter(path, ctype)
        justify = "right" if ctype in ("integer", "number", "date") else "left"
        cols.append(column(name, get, sort=sort, priority=priority, justify=justify, max_width=60))
    return cols, has_age


@guard_health
def condition_health(obj: Obj) -> HealthResult:
    for ctype in ("Ready", "Available"):
        cond = condition(obj, ctype)
        if cond is None:
            continue
        status = as_str(cond.get("status"))
        if status == "True":
            return OK
        if status == "False":
            return HealthResult(Health.FAILED, cond_text(cond) or f"{ctype}=False")
        return HealthResult(Health.PROGRESSING, cond_text(cond) or f"{ctype}={status or 'Unknown'}")
    if conditions(obj):
        return HealthResult(Health.UNKNOWN, "no Ready or Available condition")
    return HealthResult(Health.UNKNOWN, "")


def _pick_version(spec: Mapping[str, Any], wanted: str | None) -> tuple[str, Mapping[str, Any]]:
    versions = [v for v in as_list(spec.get("versions")) if isinstance(v, dict) and as_str(v.get("name"))]
    if wanted:
        for v in versions:
            if v.get("name") == wanted:
                return wanted, v
    served = [v for v in versions if v.get("served") is not False]
    for v in served:
        if v.get("storage") is True:
            return as_str(v.get("name")), v
    if served:
        return as_str(served[0].get("name")), served[0]
    if versions:
        return as_str(versions[0].get("name")), versions[0]
    return wanted or as_str(spec.get("version")) or "v1", {}


def _aliases(names: Mapping[str, Any]) -> tuple[str, ...]:
    found: list[str] = []
    for value in [*as_list(names.get("shortNames")), names.get("singular")]:
        text = as_str(value).lower()
        if text and text not in found:
            found.append(text)
    return tuple(found)


def spec_from_crd(crd: Mapping[str, Any], version: str | None = None) -> KindSpec:
    """A KindSpec for a CRD (see the module docstring).  Tolerates a malformed CRD."""
    spec = as_map(as_map(crd).get("spec"))
    names = as_map(spec.get("names"))
    group = as_str(spec.get("group"))
    plural = as_str(names.get("plural")).lower()
    if not plural:
        crd_name = as_str(as_map(as_map(crd).get("metadata")).get("name"))
        plural = crd_name.split(".", 1)[0] if crd_name else "unknown"
        group = group or (crd_name.split(".", 1)[1] if "." in crd_name else "")
    kind = as_str(names.get("kind")) or plural.capitalize()
    namespaced = as_str(spec.get("scope")) != "Cluster"
    ver, vdef = _pick_version(spec, version)
    printer = (
        vdef.get("additionalPrinterColumns")
        if "additionalPrinterColumns" in vdef
        else spec.get("additionalPrinterColumns")
    )
    extra, has_age = printer_columns(printer, start_priority=2 if namespaced else 1)
    cols: list[Column] = [name_column()]
    if namespaced:
        cols.append(namespace_column())
    cols.extend(extra)
    if not has_age:
        cols.append(age_column())
    return KindSpec(
        key=f"{plural}.{group}" if group else plural,
        kind=kind,
        group=group,
        version=ver,
        plural=plural,
        namespaced=namespaced,
        section=SECTION,
        aliases=_aliases(names),
        columns=tuple(cols),
        health=condition_health,
    )


def spec_from_api_resource(group: str, version: str, resource: Mapping[str, Any]) -> KindSpec:
    """A KindSpec for an API discovery entry (``APIResource``) without a CRD."""
    res = as_map(resource)
    plural = as_str(res.get("name")).lower() or "unknown"
    group = as_str(group)
    namespaced = res.get("namespaced") is not False
    kind = as_str(res.get("kind")) or plural.capitalize()
    names = {"shortNames": res.get("shortNames"), "singular": res.get("singularName")}
    cols: list[Column] = [name_column()]
    if namespaced:
        cols.append(namespace_column())
    cols.append(age_column())
    return KindSpec(
        key=f"{plural}.{group}" if group else plural,
        kind=kind,
        group=group,
        version=as_str(version) or "v1",
        plural=plural,
        namespaced=namespaced,
        section=SECTION,
        aliases=_aliases(names),
        columns=tuple(cols),
        health=condition_health,
    )
