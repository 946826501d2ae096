"""The declarative shape of a kind in the resource catalog.

A kind module builds one :class:`KindSpec` from pure functions of the object dict
(as the API server returns it, camelCase keys).  Nothing here does I/O or imports
Textual: columns, the health rule, the summary and the related-object rules are
plain functions and carry most of the unit tests.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, Callable, Iterable, Mapping

Obj = Mapping[str, Any]


class Health(enum.IntEnum):
    """Ordered worst-first so sorting by health puts failures on top."""

    FAILED = 0
    PROGRESSING = 1
    UNKNOWN = 2
    OK = 3


@dataclass(frozen=True, slots=True)
class HealthResult:
    state: Health
    reason: str = ""


OK = HealthResult(Health.OK)


@dataclass(frozen=True, slots=True)
class Column:
    """A table column.

    ``priority`` 0 columns are always shown; larger numbers are dropped first when the
    terminal is narrow.  ``sort`` returns a sortable key (defaults to the text).
    """

    name: str
    get: Callable[[Obj], str]
    priority: int = 0
    min_width: int = 4
    max_width: int | None = None
    justify: str = "left"
    sort: Callable[[Obj], Any] | None = None


@dataclass(frozen=True, slots=True)
class RelatedRule:
    """How to find objects related to one object.

    ``kind`` is a catalog key (``"pods"``, ``"deployments"``...).  An object of that
    kind is related when it is owned (transitively, through ownerReferences) by the
    object, or when its labels match ``labels`` (in the object's namespace).
    """

    kind: str
    labels: Mapping[str, str] | None = None
    by_owner: bool = True


@dataclass(frozen=True, slots=True)
class KindSpec:
    key: str  # catalog key: the plural for core/apps kinds, "plural.group" for CRDs
    kind: str
    group: str
    version: str
    plural: str
    namespaced: bool = True
    section: str = "Other CRDs"
    aliases: tuple[str, ...] = ()
    columns: tuple[Column, ...] = ()
    health: Callable[[Obj], HealthResult] = lambda obj: HealthResult(Health.UNKNOWN)
    summary: Callable[[Obj], list[tuple[str, str]]] = lambda obj: []
    related: Callable[[Obj], list[RelatedRule]] = lambda obj: []
    # Other (group, version) pairs serving the same kind; the first one installed wins.
    alternatives: tuple[tuple[str, str], ...] = ()
    # Sidebar order inside a section.
    order: int = 100

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
        elif isinstance(cur, Mapping):
            cur = cur.get(key)
            if cur is None:
                return default
        else:
            return default
    return cur


def meta(obj: Obj, key: str, default: Any = "") -> Any:
    return (obj.get("metadata") or {}).get(key, default)


def name_of(obj: Obj) -> str:
    return meta(obj, "name")


def namespace_of(obj: Obj) -> str:
    return meta(obj, "namespace")


def conditions(obj: Obj) -> list[Mapping[str, Any]]:
    conds = dig(obj, "status", "conditions", default=[])
    return [c for c in conds if isinstance(c, Mapping)] if isinstance(conds, list) else []


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
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None


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
        sort=lambda o: -(parse_time(meta(o, "creationTimestamp")) or datetime.min.replace(tzinfo=timezone.utc)).timestamp(),
    )


def name_column() -> Column:
    return Column("NAME", name_of, priority=0, min_width=12)


def namespace_column(priority: int = 1) -> Column:
    return Column("NAMESPACE", namespace_of, priority=priority, min_width=9)


GPU_RESOURCE_KEYS = ("nvidia.com/gpu", "amd.com/gpu", "gpu.intel.com/i915")


def gpu_count(resources: Any) -> int:
    """GPUs requested by a ``resources`` block (limits win over requests, as for extended resources)."""
    if not isinstance(resources, Mapping):
        return 0
    total = 0
    for section in ("limits", "requests"):
        block = resources.get(section)
        if isinstance(block, Mapping):
            for key in GPU_RESOURCE_KEYS:
                if key in block:
                    try:
                        total = max(total, int(str(block[key])))
                    except ValueError:
                        pass
    return total


def containers_gpu(containers: Iterable[Any]) -> int:
    return sum(gpu_count(c.get("resources")) for c in containers or [] if isinstance(c, Mapping))


def owner_uids(obj: Obj) -> list[str]:
    return [o.get("uid", "") for o in meta(obj, "ownerReferences", None) or [] if isinstance(o, Mapping)]


def labels_match(labels: Mapping[str, str] | None, selector: Mapping[str, str]) -> bool:
    labels = labels or {}
    return all(labels.get(k) == v for k, v in selector.items())
