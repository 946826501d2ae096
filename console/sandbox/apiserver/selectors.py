"""Label and field selector parsing and matching, with the apiserver's rules."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Callable

from .status import bad_request

_KEY_RE = re.compile(r"^([a-z0-9]([-a-z0-9.]*[a-z0-9])?/)?[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$")
_VALUE_RE = re.compile(r"^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$")
_TOKEN_RE = re.compile(r"\s*(!=|==|=|!|\(|\)|,|>|<|[^\s!=(),<>]+)")


@dataclass(frozen=True)
class Requirement:
    key: str
    op: str  # "=", "!=", "in", "notin", "exists", "!", "gt", "lt"
    values: tuple[str, ...] = ()

    def matches(self, labels: dict[str, str]) -> bool:
        op = self.op
        if op == "exists":
            return self.key in labels
        if op == "!":
            return self.key not in labels
        has = self.key in labels
        val = labels.get(self.key)
        if op in ("=", "in"):
            return has and val in self.values
        if op in ("!=", "notin"):
            return not has or val not in self.values
        if op in ("gt", "lt"):
            if not has:
                return False
            try:
                lv, rv = int(val), int(self.values[0])  # type: ignore[arg-type]
            except ValueError:
                return False
            return lv > rv if op == "gt" else lv < rv
        return False


def _tokens(text: str) -> list[str]:
    out, pos = [], 0
    text = text.strip()
    while pos < len(text):
        m = _TOKEN_RE.match(text, pos)
        if not m or m.end() == pos:
            raise bad_request(f"unable to parse requirement: unexpected character at {pos} in {text!r}")
        out.append(m.group(1))
        pos = m.end()
        while pos < len(text) and text[pos].isspace():
            pos += 1
    return out


def _check_key(key: str) -> None:
    if not _KEY_RE.match(key) or len(key.split("/")[-1]) > 63:
        raise bad_request(f'unable to parse requirement: invalid label key "{key}"')


def _check_value(value: str) -> None:
    if len(value) > 63 or not _VALUE_RE.match(value):
        raise bad_request(f'unable to parse requirement: invalid label value: "{value}"')


def parse_label_selector(text: str | None) -> list[Requirement]:
    """Parse e.g. ``app=web,tier!=db,env in (a,b),!legacy,release``. Empty -> match everything."""
    if not text or not text.strip():
        return []
    toks = _tokens(text)
    reqs: list[Requirement] = []
    i = 0

    def need(i: int) -> str:
        if i >= len(toks):
            raise bad_request(f"unable to parse requirement: unexpected end of selector {text!r}")
        return toks[i]

    while i < len(toks):
        t = toks[i]
        if t == "!":
            key = need(i + 1)
            _check_key(key)
            reqs.append(Requirement(key, "!"))
            i += 2
        else:
            key = t
            _check_key(key)
            nxt = toks[i + 1] if i + 1 < len(toks) else ","
            if nxt == ",":
                reqs.append(Requirement(key, "exists"))
                i += 1
            elif nxt in ("=", "==", "!="):
                val = toks[i + 2] if i + 2 < len(toks) and toks[i + 2] != "," else ""
                _check_value(val)
                reqs.append(Requirement(key, "!=" if nxt == "!=" else "=", (val,)))
                i += 3 if val else 2
            elif nxt in (">", "<"):
                val = need(i + 2)
                try:
                    int(val)
                except ValueError:
                    raise bad_request(
                        "unable to parse requirement: for 'gt', 'lt' operators, the value must be an integer"
                    ) from None
                reqs.append(Requirement(key, "gt" if nxt == ">" else "lt", (val,)))
                i += 3
            elif nxt in ("in", "notin"):
                if need(i + 2) != "(":
                    raise bad_request(f"unable to parse requirement: found '{toks[i + 2]}', expected: '('")
                j = i + 3
                vals: list[str] = []
                while need(j) != ")":
                    tok = toks[j]
                    if tok == ",":
                        j += 1
                        continue
                    _check_value(tok)
                    vals.append(tok)
                    j += 1
                if not vals:
                    raise bad_request(
                        "unable to parse requirement: for 'in', 'notin' operators, values set can't be empty"
                    )
                reqs.append(Requirement(key, nxt, tuple(vals)))
                i = j + 1
            else:
                raise bad_request(f"unable to parse requirement: found '{nxt}', expected: in, notin, =, ==, !=, gt, lt")
        if i < len(toks):
            if toks[i] != ",":
                raise bad_request(f"unable to parse requirement: found '{toks[i]}', expected: ','")
            i += 1
            if i >= len(toks):
                raise bad_request(f"unable to parse requirement: unexpected end of selector {text!r}")
    return reqs


def labels_match(reqs: list[Requirement], obj: dict[str, Any]) -> bool:
    if not reqs:
        return True
    labels = (obj.get("metadata") or {}).get("labels") or {}
    return all(r.matches(labels) for r in reqs)


# ---- field selectors --------------------------------------------------------------------

COMMON_FIELDS = ("metadata.name", "metadata.namespace")
KIND_FIELDS: dict[str, tuple[str, ...]] = {
    "Pod": (
        "spec.nodeName",
        "spec.restartPolicy",
        "spec.schedulerName",
        "spec.serviceAccountName",
        "spec.hostNetwork",
        "status.phase",
        "status.podIP",
        "status.nominatedNodeName",
    ),
    "Event": (
        "involvedObject.kind",
        "involvedObject.namespace",
        "involvedObject.name",
        "involvedObject.uid",
        "involvedObject.apiVersion",
        "involvedObject.resourceVersion",
        "involvedObject.fieldPath",
        "reason",
        "reportingComponent",
        "source",
        "type",
    ),
    "Namespace": ("status.phase",),
    "Secret": ("type",),
    "Node": ("spec.unschedulable",),
    "ReplicaSet": ("status.replicas",),
    "CustomResourceDefinition": (),
}


@dataclass(frozen=True)
class FieldRequirement:
    field: str
    op: str  # "=" or "!="
    value: str


def _split_unescaped(text: str, sep: str) -> list[str]:
    parts, cur, i = [], [], 0
    while i < len(text):
        c = text[i]
        if c == "\\" and i + 1 < len(text):
            cur.append(text[i : i + 2])
            i += 2
            continue
        if c == sep:
            parts.append("".join(cur))
            cur = []
        else:
            cur.append(c)
        i += 1
    parts.append("".join(cur))
    return parts


def _unescape(v: str) -> str:
    return re.sub(r"\\(.)", r"\1", v)


def parse_field_selector(text: str | None, kind: str) -> list[FieldRequirement]:
    if not text or not text.strip():
        return []
    allowed = COMMON_FIELDS + KIND_FIELDS.get(kind, ())
    out = []
    for part in _split_unescaped(text, ","):
        part = part.strip()
        if not part:
            continue
        m = re.match(r"^([^=!]+?)\s*(!=|==|=)\s*(.*)$", part)
        if not m:
            raise bad_request(f"invalid selector: '{text}'; can't understand '{part}'")
        fld, op, val = m.group(1).strip(), m.group(2), _unescape(m.group(3).strip())
        if fld not in allowed:
            raise bad_request(f"field label not supported: {fld}")
        out.append(FieldRequirement(fld, "!=" if op == "!=" else "=", val))
    return out


def field_value(obj: dict[str, Any], path: str) -> str:
    cur: Any = obj
    for part in path.split("."):
        if not isinstance(cur, dict):
            return ""
        cur = cur.get(part)
        if cur is None:
            return ""
    if isinstance(cur, bool):
        return "true" if cur else "false"
    return str(cur)


def fields_match(reqs: list[FieldRequirement], obj: dict[str, Any]) -> bool:
    for r in reqs:
        v = field_value(obj, r.field)
        if (v == r.value) != (r.op == "="):
            return False
    return True


def make_filter(
    label_selector: str | None, field_selector: str | None, kind: str
) -> Callable[[dict[str, Any]], bool] | None:
    """A predicate for objects, or None when both selectors are empty."""
    lreqs = parse_label_selector(label_selector)
    freqs = parse_field_selector(field_selector, kind)
    if not lreqs and not freqs:
        return None
    return lambda obj: labels_match(lreqs, obj) and fields_match(freqs, obj)


_VIEW_PATHS = [p.split(".") for p in sorted({p for paths in KIND_FIELDS.values() for p in paths})]


def selector_view(obj: dict[str, Any]) -> dict[str, Any]:
    """The small part of an object that label and field selectors can look at.

    The watch history keeps this instead of whole objects, which keeps it small."""
    md = obj.get("metadata") or {}
    view: dict[str, Any] = {"metadata": {k: md[k] for k in ("name", "namespace", "labels") if k in md}}
    for parts in _VIEW_PATHS:
        cur: Any = obj
        for part in parts:
            cur = cur.get(part) if isinstance(cur, dict) else None
            if cur is None:
                break
        if cur is None:
            continue
        target = view
        for part in parts[:-1]:
            target = target.setdefault(part, {})
        target[parts[-1]] = cur
    return view
