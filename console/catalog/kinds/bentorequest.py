"""Yatai BentoRequest (``resources.yatai.ai/v1alpha1``).

Schema: ``spec.{bentoTag, downloadUrl, image}``, ``status.conditions`` and
``status.imageBuilderPodStatus`` (a PodStatus).  yatai-image-builder's condition types
are ``ModelsSeeding``, ``ImageBuilding``, ``ImageExists``, ``ImageExistsChecked``,
``ModelsExists`` and ``BentoAvailable`` (reason is always ``Reconciling``; the message
says what happened).  A failed build sets ``ImageBuilding=False`` and
``BentoAvailable=False``; a build timeout sets ``ImageBuilding=False`` reason ``Timeout``.
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
    as_str,
    column,
    cond_status,
    cond_text,
    condition,
    conditions,
    dig,
    guard_health,
    guard_list,
    is_terminating,
    name_column,
    name_of,
    namespace_column,
)

GROUP = "resources.yatai.ai"


def bento_tag(obj: Obj) -> str:
    return as_str(dig(obj, "spec", "bentoTag"))


def builder_phase(obj: Obj) -> str:
    return as_str(dig(obj, "status", "imageBuilderPodStatus", "phase"))


def _message(obj: Obj, ctype: str) -> str:
    cond = condition(obj, ctype)
    return as_str((cond or {}).get("message")) or cond_text(cond)


@guard_health
def health(obj: Obj) -> HealthResult:
    if is_terminating(obj):
        return HealthResult(Health.PROGRESSING, "Terminating")
    available = cond_status(obj, "BentoAvailable")
    if available == "True":
        return OK
    if available == "False":
        return HealthResult(Health.FAILED, _message(obj, "BentoAvailable") or "Bento not available")
    building = condition(obj, "ImageBuilding")
    if building is not None and as_str(building.get("reason")) == "Timeout":
        return HealthResult(Health.FAILED, _message(obj, "ImageBuilding") or "image build timed out")
    if builder_phase(obj) == "Failed":
        return HealthResult(Health.FAILED, "image builder pod failed")
    if cond_status(obj, "ImageBuilding") == "True":
        return HealthResult(Health.PROGRESSING, _message(obj, "ImageBuilding") or "building image")
    if cond_status(obj, "ModelsSeeding") == "True":
        return HealthResult(Health.PROGRESSING, _message(obj, "ModelsSeeding") or "seeding models")
    if cond_status(obj, "ImageExists") == "True":
        return HealthResult(Health.PROGRESSING, "image exists, creating Bento")
    if not conditions(obj):
        return HealthResult(Health.PROGRESSING, "waiting for the controller")
    return HealthResult(Health.PROGRESSING, "reconciling")


@guard_list
def summary(obj: Obj) -> list[tuple[str, str]]:
    rows = [
        ("Bento tag", bento_tag(obj)),
        ("Download URL", as_str(dig(obj, "spec", "downloadUrl"))),
        ("Image", as_str(dig(obj, "spec", "image"))),
        ("Image builder pod", builder_phase(obj)),
    ]
    for ctype in ("ModelsSeeding", "ModelsExists", "ImageBuilding", "ImageExists", "BentoAvailable"):
        cond = condition(obj, ctype)
        if cond is not None:
            rows.append((ctype, f"{as_str(cond.get('status'))} {as_str(cond.get('message'))}".strip()))
    return [(k, v) for k, v in rows if v]


@guard_list
def related(obj: Obj) -> list[RelatedRule]:
    name = name_of(obj)
    if not name:
        return []
    return [
        RelatedRule("bentoes.resources.yatai.ai", by_owner=True, name=name),
        RelatedRule("pods", labels={"yatai.ai/bento-request": name}),
    ]


SPEC = KindSpec(
    key="bentorequests.resources.yatai.ai",
    kind="BentoRequest",
    group=GROUP,
    version="v1alpha1",
    plural="bentorequests",
    namespaced=True,
    section="Serving",
    aliases=("br", "bentorequest", "bentorequests"),
    columns=(
        name_column(),
        namespace_column(),
        column("BENTO TAG", bento_tag, max_width=60),
        column("IMAGE", lambda o: as_str(dig(o, "spec", "image")), priority=3, max_width=80),
        column("IMAGE EXISTS", lambda o: cond_status(o, "ImageExists") or "-", priority=2),
        column("BENTO AVAILABLE", lambda o: cond_status(o, "BentoAvailable") or "-"),
        column("BUILDER", builder_phase, priority=2),
        column("DOWNLOAD URL", lambda o: as_str(dig(o, "spec", "downloadUrl")), priority=4, max_width=80),
        age_column(),
    ),
    health=health,
    summary=summary,
    related=related,
    order=22,
)
