"""The declarative shape of a kind in the resource catalog.

A kind module builds one :class:`KindSpec` from pure functions of the object dict
(as the API server returns it, camelCase keys).  Nothing here does I/O or imports
Textual: columns, the health rule, the summary and the related-object rules are
plain functions and carry most of the unit tests.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, Callable, Iterable, Mapping

from inference_console.catalog.view import (  # noqa: F401 - re-exported for kind modules
    OK,
    Column,
    Health,
    HealthResult,
    KindView,
    Obj,
    RelatedRule,
)
from inference_console.safe_text import safe


@dataclass(frozen=True, slots=True, kw_only=True)
class KindSpec(KindView):
    """A Kubernetes resource: how it is shown (:class:`KindView`) plus how it is fetched."""

    group: str
    version: str
    plural: str
    # Other (group, version) pairs serving the same kind; the first one installed wins.
    alternatives: tuple[tuple[str, str], ...] = ()
    source: str = "kube"

    @property
    def api_version(self) -> str:
        return f"{self.group}/{self.version}" if self.group else self.version

    def with_version(self, group: str, version: str) -> "KindSpec":
        from dataclasses import replace

        return replace(self, group=group, version=version)


# ----------------------------------------------------------------------------
# Small pure helpers shared by kind modules
# ----------------------------------------------------------------------------


def dig(obj: Any, *path: str | int, default: Any = None) -> Any:
    """``dig(o, "spec", "predictor", "model")`` without KeyErrors or TypeErrors."""
    cur = obj
    for key in path:
        if isinstance(key, int):
            if isinstance(cur, list) and -len(cur) <= key < len(cur):
                cur = cur[key]
            else:
                return default
        elif isinstance(cur, dict):
            cur = cur.get(key)
            if cur is None:
                return default
        else:
            return default
    return cur


def meta(obj: Obj, key: str, default: Any = "") -> Any:
    md = obj.get("metadata") if isinstance(obj, dict) else None
    if not isinstance(md, dict):
        return default
    return md.get(key, default)


def uid_of(obj: Obj) -> str:
    """A Kubernetes object's store key: its uid (namespace/name for the rare object without)."""
    md = obj.get("metadata") or {}
    uid = md.get("uid")
    if uid:
        return uid
    return f"{md.get('namespace', '')}/{md.get('name', '')}"


def name_of(obj: Obj) -> str:
    return as_str(meta(obj, "name"))


def namespace_of(obj: Obj) -> str:
    return as_str(meta(obj, "namespace"))


def conditions(obj: Obj) -> list[Mapping[str, Any]]:
    conds = dig(obj, "status", "conditions", default=[])
    return [c for c in conds if isinstance(c, dict)] if isinstance(conds, list) else []


def condition(obj: Obj, ctype: str) -> Mapping[str, Any] | None:
    for cond in conditions(obj):
        if cond.get("type") == ctype:
            return cond
    return None


def condition_reason(cond: Mapping[str, Any] | None) -> str:
    if not cond:
        return ""
    reason = cond.get("reason") or ""
    message = cond.get("message") or ""
    if reason and message:
        return f"{reason}: {message}"
    return reason or message


def parse_time(value: Any) -> datetime | None:
    if not isinstance(value, str) or not value:
        return None
    if len(value) > 64:
        return None
    try:
        when = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    # A timestamp without an offset is taken as UTC (comparing naive and aware raises).
    return when if when.tzinfo else when.replace(tzinfo=timezone.utc)


def humanize_age(ts: Any, now: datetime | None = None) -> str:
    """kubectl-style age: 45s, 3m, 5h, 12d, 2y."""
    when = parse_time(ts)
    if when is None:
        return "<unknown>"
    now = now or datetime.now(timezone.utc)
    secs = int((now - when).total_seconds())
    if secs < 0:
        secs = 0
    if secs < 120:
        return f"{secs}s"
    mins = secs // 60
    if mins < 120:
        return f"{mins}m"
    hours = mins // 60
    if hours < 48:
        return f"{hours}h"
    days = hours // 24
    if days < 730:
        return f"{days}d"
    return f"{days // 365}y"


def age_column(priority: int = 0) -> Column:
    return Column(
        "AGE",
        lambda o: humanize_age(meta(o, "creationTimestamp")),
        priority=priority,
        min_width=5,
        justify="right",
        # Sort newest first on ascending: negate the timestamp.
        sort=lambda o: (
            -(parse_time(meta(o, "creationTimestamp")) or datetime.min.replace(tzinfo=timezone.utc)).timestamp()
        ),
    )


def name_column() -> Column:
    return Column("NAME", lambda o: safe(name_of(o)), priority=0, min_width=12, cut_middle=True)


def namespace_column(priority: int = 1) -> Column:
    return Column("NAMESPACE", lambda o: safe(namespace_of(o)), priority=priority, min_width=9)


GPU_RESOURCE_KEYS = ("nvidia.com/gpu", "amd.com/gpu", "gpu.intel.com/i915")


def gpu_count(resources: Any) -> int:
    """GPUs requested by a ``resources`` block (limits win over requests, as for extended resources)."""
    if not isinstance(resources, dict):
        return 0
    total = 0
    for section in ("limits", "requests"):
        block = resources.get(section)
        if isinstance(block, dict):
            for key in GPU_RESOURCE_KEYS:
                if key in block:
                    count = as_int(block[key])
                    if count is not None and count > 0:
                        total = max(total, count)
    return total


def containers_gpu(containers: Iterable[Any]) -> int:
    if not isinstance(containers, (list, tuple)):
        return 0
    return sum(gpu_count(c.get("resources")) for c in containers if isinstance(c, dict))


def owner_uids(obj: Obj) -> list[str]:
    refs = meta(obj, "ownerReferences", None)
    if not isinstance(refs, list):
        return []
    return [as_str(o.get("uid")) for o in refs if isinstance(o, dict)]


def labels_match(labels: Mapping[str, str] | None, selector: Mapping[str, str]) -> bool:
    labels = labels if isinstance(labels, dict) else {}
    if not isinstance(selector, dict):
        return False
    return all(labels.get(k) == v for k, v in selector.items())


# ----------------------------------------------------------------------------
# Defensive helpers: objects come from the cluster and may be malformed.  Columns,
# health rules and summaries are built from these so that no input can raise.
# ----------------------------------------------------------------------------

MAX_CELL = 1024  # a table cell never needs more; safe() marks what was clipped


def as_str(value: Any) -> str:
    """Scalars as text (``True`` → ``"true"``); ``None``, maps and lists → ``""``."""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return str(value)
    return ""


def as_int(value: Any, default: int | None = None) -> int | None:
    """An int from an int or a decimal string (``"2"``); bools, floats with a fraction and junk → default."""
    if isinstance(value, bool):
        return default
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return int(value) if value.is_integer() else default
    if isinstance(value, str):
        text = value.strip()
        if 0 < len(text) <= 19 and (text.isdigit() or (text[0] in "+-" and text[1:].isdigit())):
            return int(text)
    return default


def as_map(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, dict) else {}


def as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def one_line(value: Any, limit: int = 300) -> str:
    """Any text squeezed onto one line (whitespace runs → one space), clipped, made safe."""
    text = as_str(value)
    if len(text) > limit * 4:
        text = text[: limit * 4]
    text = " ".join(text.split())
    if len(text) > limit:
        text = text[: limit - 1] + "…"
    return safe(text, limit=None)


def cond_status(obj: Obj, ctype: str) -> str:
    """``"True"``/``"False"``/``"Unknown"`` of a condition, or ``""`` when absent."""
    return as_str((condition(obj, ctype) or {}).get("status"))


def cond_is(obj: Obj, ctype: str, status: str) -> bool:
    return cond_status(obj, ctype) == status


def cond_text(cond: Mapping[str, Any] | None, limit: int = 300) -> str:
    """``condition_reason`` made one-line and safe (tolerates non-string fields)."""
    if not isinstance(cond, dict):
        return ""
    return one_line(
        condition_reason({"reason": as_str(cond.get("reason")), "message": as_str(cond.get("message"))}), limit
    )


def is_terminating(obj: Obj) -> bool:
    return bool(meta(obj, "deletionTimestamp", None))


def cell(fn: Callable[[Obj], Any]) -> Callable[[Obj], str]:
    """Wrap a value getter into a column getter: never raises, always safe one-line text."""

    @functools.wraps(fn)
    def get(obj: Obj, *joined: Any) -> str:  # ``joined``: the record of a joined column (Column.join)
        try:
            value = fn(obj, *joined)
        except Exception:  # noqa: BLE001 - a malformed object must not break the table
            return ""
        return safe(as_str(value), limit=MAX_CELL)

    return get


def sort_key(fn: Callable[[Obj], Any]) -> Callable[[Obj], tuple]:
    """Wrap a sort-key getter: numbers sort numerically, then text; junk sorts last."""

    def key(obj: Obj, *joined: Any) -> tuple:
        try:
            value = fn(obj, *joined)
        except Exception:  # noqa: BLE001
            value = None
        if isinstance(value, bool):
            value = int(value)
        if isinstance(value, (int, float)):
            return (0, float(value), "")
        if isinstance(value, str) and value:
            return (1, 0.0, value)
        return (2, 0.0, "")

    return key


def column(name: str, fn: Callable[[Obj], Any], *, sort: Callable[[Obj], Any] | None = None, **kw: Any) -> Column:
    """A :class:`Column` whose text is always safe and whose getter never raises."""
    return Column(name, cell(fn), sort=sort_key(sort) if sort else None, **kw)


def guard_health(fn: Callable[[Obj], HealthResult]) -> Callable[[Obj], HealthResult]:
    """Health rules return ``UNKNOWN`` instead of raising, and their reason is one safe line."""

    @functools.wraps(fn)
    def rule(obj: Obj) -> HealthResult:
        if not isinstance(obj, dict):
            return HealthResult(Health.UNKNOWN, "not an object")
        try:
            result = fn(obj)
        except Exception as exc:  # noqa: BLE001
            return HealthResult(Health.UNKNOWN, f"cannot evaluate health ({type(exc).__name__})")
        if not isinstance(result, HealthResult):
            return HealthResult(Health.UNKNOWN, "cannot evaluate health")
        reason = result.reason
        if reason == "" and not result.evidence:  # the usual verdict of a healthy object: as it is
            return result
        return HealthResult(result.state, one_line(reason))

    return rule


def guard_list(fn: Callable[[Obj], list[Any]]) -> Callable[[Obj], list[Any]]:
    """Summaries and related rules: ``[]`` instead of raising; summary texts made safe."""

    @functools.wraps(fn)
    def wrapped(obj: Obj) -> list[Any]:
        if not isinstance(obj, dict):
            return []
        try:
            items = list(fn(obj) or [])
        except Exception:  # noqa: BLE001
            return []
        out: list[Any] = []
        for item in items:
            if isinstance(item, tuple) and len(item) == 2 and all(isinstance(x, str) for x in item):
                out.append((safe(item[0], limit=200), safe(item[1], limit=MAX_CELL)))
            else:
                out.append(item)
        return out

    return wrapped


def related_match(rule: RelatedRule, parent: Obj, candidate: Obj, ancestor_uids: Iterable[str] = ()) -> bool:
    """Whether ``candidate`` is related to ``parent`` by ``rule`` (ignoring its kind).

    ``ancestor_uids`` are the uids of the candidate's owners, transitively, as the
    caller resolved them from its cache; without them only direct ownership counts.
    """
    if not isinstance(parent, dict) or not isinstance(candidate, dict):
        return False
    uid = as_str(meta(parent, "uid", ""))
    if rule.by_owner and uid and (uid in owner_uids(candidate) or uid in set(ancestor_uids)):
        return True
    if namespace_of(candidate) != namespace_of(parent):
        return False
    if rule.name is not None and name_of(candidate) == rule.name:
        return True
    if rule.labels:
        return labels_match(meta(candidate, "labels", None), rule.labels)
    return False
