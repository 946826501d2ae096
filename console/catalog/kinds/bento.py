"""Yatai Bento (``resources.yatai.ai/v1alpha1``, plural ``bentoes``).

Schema: ``spec.{tag, image, serviceName, runners[].name, models[].tag}`` and
``status.ready`` (a bool, the only status field).  A Bento built by yatai-image-builder
has the name of its BentoRequest; a BentoDeployment points at it by name.
"""

from __future__ import annotations

from inference_console.catalog.base import (
    OK,
    Health,
    HealthResult,
    KindSpec,
    Obj,
    RelatedRule,
    age_column,
    as_list,
    as_str,
    column,
    dig,
    guard_health,
    guard_list,
    is_terminating,
    name_column,
    name_of,
    namespace_column,
)

GROUP = "resources.yatai.ai"


def tag(obj: Obj) -> str:
    return as_str(dig(obj, "spec", "tag"))


def image(obj: Obj) -> str:
    return as_str(dig(obj, "spec", "image"))


def ready(obj: Obj) -> str:
    value = dig(obj, "status", "ready")
    return as_str(value) if isinstance(value, bool) else ""


def runner_names(obj: Obj) -> list[str]:
    return [
        as_str(r.get("name"))
        for r in as_list(dig(obj, "spec", "runners"))
        if isinstance(r, dict) and as_str(r.get("name"))
    ]


def model_tags(obj: Obj) -> list[str]:
    return [
        as_str(m.get("tag"))
        for m in as_list(dig(obj, "spec", "models"))
        if isinstance(m, dict) and as_str(m.get("tag"))
    ]


@guard_health
def health(obj: Obj) -> HealthResult:
    if is_terminating(obj):
        return HealthResult(Health.PROGRESSING, "Terminating")
    value = dig(obj, "status", "ready")
    if value is True:
        return OK
    if value is False:
        return HealthResult(Health.PROGRESSING, "not ready")
    return HealthResult(Health.UNKNOWN, "no status")


@guard_list
def summary(obj: Obj) -> list[tuple[str, str]]:
    rows = [
        ("Tag", tag(obj)),
        ("Image", image(obj)),
        ("Service", as_str(dig(obj, "spec", "serviceName"))),
        ("Runners", ", ".join(runner_names(obj))),
        ("Models", ", ".join(model_tags(obj))),
        ("BentoML", as_str(dig(obj, "spec", "context", "bentomlVersion"))),
        ("Ready", ready(obj)),
    ]
    return [(k, v) for k, v in rows if v]


@guard_list
def related(obj: Obj) -> list[RelatedRule]:
    name = name_of(obj)
    if not name:
        return []
    # The BentoRequest that produced it has the same name.
    return [RelatedRule("bentorequests.resources.yatai.ai", by_owner=False, name=name)]


SPEC = KindSpec(
    key="bentoes.resources.yatai.ai",
    kind="Bento",
    group=GROUP,
    version="v1alpha1",
    plural="bentoes",
    namespaced=True,
    section="Serving",
    aliases=("bento", "bentos", "bentoes"),
    columns=(
        name_column(),
        namespace_column(),
        column("TAG", tag, max_width=60),
        column("IMAGE", image, priority=2, max_width=80),
        column("READY", lambda o: ready(o) or "-", min_width=5),
        column("RUNNERS", lambda o: ", ".join(runner_names(o)), priority=3),
        column("MODELS", lambda o: ", ".join(model_tags(o)), priority=3),
        age_column(),
    ),
    health=health,
    summary=summary,
    related=related,
    order=21,
)
