"""v1 Namespaces (cluster-scoped)."""

from __future__ import annotations

from inference_console.catalog.base import (
    OK,
    Health,
    HealthResult,
    KindSpec,
    Obj,
    age_column,
    as_str,
    column,
    dig,
    guard_health,
    guard_list,
    is_terminating,
    name_column,
    name_of,
)


def phase(obj: Obj) -> str:
    return as_str(dig(obj, "status", "phase"))


@guard_health
def health(obj: Obj) -> HealthResult:
    value = phase(obj)
    if value == "Terminating" or is_terminating(obj):
        return HealthResult(Health.PROGRESSING, "Terminating")
    if value == "Active":
        return OK
    return HealthResult(Health.UNKNOWN, value or "no status")


@guard_list
def summary(obj: Obj) -> list[tuple[str, str]]:
    return [("Status", phase(obj))] if phase(obj) else []


SPEC = KindSpec(
    key="namespaces",
    kind="Namespace",
    group="",
    version="v1",
    plural="namespaces",
    namespaced=False,
    section="Cluster",
    aliases=("ns", "namespace", "namespaces"),
    columns=(name_column(), column("STATUS", phase), age_column()),
    health=health,
    summary=summary,
    order=20,
    enter=lambda obj: f"ns {name_of(obj)}",  # Enter switches to it, as in k9s; `d` describes
)
