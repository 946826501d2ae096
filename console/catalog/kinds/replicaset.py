"""apps/v1 ReplicaSets (mostly reached from a Deployment)."""

from __future__ import annotations

from inference_console.catalog.base import (
    OK,
    Health,
    HealthResult,
    KindSpec,
    Obj,
    RelatedRule,
    age_column,
    as_int,
    as_list,
    as_map,
    as_str,
    column,
    cond_text,
    condition,
    containers_gpu,
    dig,
    guard_health,
    guard_list,
    is_terminating,
    name_column,
    namespace_column,
)


def desired(obj: Obj) -> int:
    value = dig(obj, "spec", "replicas")
    return 1 if value is None else max(as_int(value, 0) or 0, 0)


def status_count(obj: Obj, key: str) -> int:
    return max(as_int(as_map(obj.get("status")).get(key), 0) or 0, 0)


def images(obj: Obj) -> str:
    containers = as_list(dig(obj, "spec", "template", "spec", "containers"))
    return ",".join(as_str(c.get("image")) for c in containers if isinstance(c, dict) and as_str(c.get("image")))


@guard_health
def health(obj: Obj) -> HealthResult:
    if is_terminating(obj):
        return HealthResult(Health.PROGRESSING, "Terminating")
    failure = condition(obj, "ReplicaFailure")
    if failure is not None and as_str(failure.get("status")) == "True":
        return HealthResult(Health.FAILED, cond_text(failure) or "ReplicaFailure")
    want = desired(obj)
    ready = status_count(obj, "readyReplicas")
    if ready >= want and status_count(obj, "replicas") <= want:
        return OK
    return HealthResult(Health.PROGRESSING, f"{ready}/{want} ready")


@guard_list
def summary(obj: Obj) -> list[tuple[str, str]]:
    rows = [
        (
            "Replicas",
            f"{desired(obj)} wanted, {status_count(obj, 'replicas')} current, {status_count(obj, 'readyReplicas')} ready",
        ),
        ("Images", images(obj)),
        ("GPUs per pod", str(containers_gpu(dig(obj, "spec", "template", "spec", "containers")))),
    ]
    return [(k, v) for k, v in rows if v]


@guard_list
def related(obj: Obj) -> list[RelatedRule]:
    return [RelatedRule("pods")]


SPEC = KindSpec(
    key="replicasets",
    kind="ReplicaSet",
    group="apps",
    version="v1",
    plural="replicasets",
    namespaced=True,
    section="Workloads",
    aliases=("rs", "replicaset", "replicasets"),
    columns=(
        name_column(),
        namespace_column(),
        column("DESIRED", desired, justify="right", sort=desired),
        column(
            "CURRENT",
            lambda o: status_count(o, "replicas"),
            justify="right",
            priority=2,
            sort=lambda o: status_count(o, "replicas"),
        ),
        column(
            "READY",
            lambda o: status_count(o, "readyReplicas"),
            justify="right",
            sort=lambda o: status_count(o, "readyReplicas"),
        ),
        column("IMAGES", images, priority=4, max_width=80),
        age_column(),
    ),
    health=health,
    summary=summary,
    related=related,
    order=15,
)
