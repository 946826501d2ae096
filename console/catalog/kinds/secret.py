"""v1 Secrets.  Values are never read: only the type and the key names/count."""

from __future__ import annotations

from inference_console.catalog.base import (
    OK,
    HealthResult,
    KindSpec,
    Obj,
    age_column,
    as_map,
    as_str,
    column,
    guard_health,
    guard_list,
    name_column,
    namespace_column,
)


def secret_type(obj: Obj) -> str:
    return as_str(obj.get("type")) or "Opaque"


def keys(obj: Obj) -> list[str]:
    names = [str(k) for k in as_map(obj.get("data"))]
    names += [str(k) for k in as_map(obj.get("stringData")) if str(k) not in names]
    return names


def data_count(obj: Obj) -> int:
    return len(keys(obj))


@guard_health
def health(obj: Obj) -> HealthResult:
    return OK


@guard_list
def summary(obj: Obj) -> list[tuple[str, str]]:
    return [("Type", secret_type(obj)), ("Keys", ", ".join(keys(obj)[:50]))]


SPEC = KindSpec(
    key="secrets",
    kind="Secret",
    group="",
    version="v1",
    plural="secrets",
    namespaced=True,
    section="Cluster",
    aliases=("secret", "secrets"),
    columns=(
        name_column(),
        namespace_column(),
        column("TYPE", secret_type, priority=2),
        column("DATA", data_count, justify="right", sort=data_count),
        age_column(),
    ),
    health=health,
    summary=summary,
    order=50,
)
