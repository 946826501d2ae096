"""v1 Events (``events.k8s.io/v1`` field names are read too: note, regarding, series).

Health marks Warning events (FAILED colour, reason ``warning: <Reason>``) and Normal
ones OK; anything else UNKNOWN.
"""

from __future__ import annotations

from dataclasses import replace

from inference_console.catalog.base import (
    OK,
    Health,
    HealthResult,
    KindSpec,
    Obj,
    as_int,
    as_map,
    as_str,
    column,
    dig,
    guard_health,
    guard_list,
    humanize_age,
    meta,
    name_column,
    namespace_column,
    one_line,
    parse_time,
)


def event_type(obj: Obj) -> str:
    return as_str(obj.get("type"))


def involved(obj: Obj) -> dict:
    ref = obj.get("involvedObject")
    if not isinstance(ref, dict):
        ref = obj.get("regarding")
    return ref if isinstance(ref, dict) else {}


def object_text(obj: Obj) -> str:
    ref = involved(obj)
    kind = as_str(ref.get("kind")).lower()
    name = as_str(ref.get("name"))
    if kind and name:
        return f"{kind}/{name}"
    return name or kind


def message(obj: Obj) -> str:
    return one_line(as_str(obj.get("message")) or as_str(obj.get("note")), 1000)


def count(obj: Obj) -> int:
    series = as_int(dig(obj, "series", "count"))
    if series is not None:
        return series
    return as_int(obj.get("count"), as_int(obj.get("deprecatedCount"), 1)) or 1


def last_seen_raw(obj: Obj) -> str:
    for value in (
        dig(obj, "series", "lastObservedTime"),
        obj.get("lastTimestamp"),
        obj.get("deprecatedLastTimestamp"),
        obj.get("eventTime"),
        obj.get("firstTimestamp"),
        meta(obj, "creationTimestamp", None),
    ):
        if parse_time(value) is not None:
            return as_str(value)
    return ""


def last_seen(obj: Obj) -> str:
    raw = last_seen_raw(obj)
    return humanize_age(raw) if raw else "<unknown>"


def _last_seen_sort(obj: Obj) -> float:
    when = parse_time(last_seen_raw(obj))
    return -when.timestamp() if when else 0.0


@guard_health
def health(obj: Obj) -> HealthResult:
    kind = event_type(obj)
    if kind == "Warning":
        return HealthResult(Health.FAILED, f"warning: {as_str(obj.get('reason'))}".rstrip(": "))
    if kind == "Normal":
        return OK
    return HealthResult(Health.UNKNOWN, kind or "no type")


@guard_list
def summary(obj: Obj) -> list[tuple[str, str]]:
    ref = involved(obj)
    source = as_map(obj.get("source"))
    rows = [
        ("Type", event_type(obj)),
        ("Reason", as_str(obj.get("reason"))),
        ("Object", object_text(obj)),
        ("Object namespace", as_str(ref.get("namespace"))),
        ("Field", as_str(ref.get("fieldPath"))),
        ("Message", message(obj)),
        ("Count", str(count(obj))),
        ("Last seen", last_seen(obj)),
        (
            "Source",
            as_str(source.get("component"))
            or as_str(obj.get("reportingComponent"))
            or as_str(obj.get("reportingController")),
        ),
        ("Host", as_str(source.get("host"))),
    ]
    return [(k, v) for k, v in rows if v]


SPEC = KindSpec(
    key="events",
    kind="Event",
    group="",
    version="v1",
    plural="events",
    namespaced=True,
    section="Cluster",
    aliases=("ev", "event", "events"),
    columns=(
        column("TYPE", event_type, min_width=6),
        column("REASON", lambda o: as_str(o.get("reason"))),
        column("OBJECT", object_text, max_width=50),
        column("MESSAGE", message, max_width=2000, min_width=20, flex=True),
        column("COUNT", count, justify="right", priority=2, sort=count),
        column("LAST SEEN", last_seen, justify="right", min_width=5, sort=_last_seen_sort),
        namespace_column(priority=3),
        replace(name_column(), priority=5),  # generated names: least useful column
    ),
    health=health,
    summary=summary,
    order=30,
    default_sort=("LAST SEEN", False),  # newest first, as `kubectl get events --sort-by` users expect
)
