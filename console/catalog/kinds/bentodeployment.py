"""Yatai BentoDeployment (``serving.yatai.ai``).

The CRD (``config/crd/bases/serving.yatai.ai_bentodeployments.yaml``) serves v1alpha1,
v1alpha2, v1alpha3 and v2alpha1; v2alpha1 is the storage version and the primary here,
the others are ``alternatives``.  Shapes differ, and every reader below accepts both:

* v2alpha1: ``spec.bento`` (the name of a ``Bento`` in the same namespace, which is also
  the name of the ``BentoRequest`` that builds it), ``spec.autoscaling.{minReplicas,
  maxReplicas}``, ``spec.runners[]``, ``status.conditions`` (``Available``,
  ``BentoFound``, ``BentoRequestFound``; yatai-deployment always writes reason
  ``Reconciling`` and puts the detail in the message).
* v1alpha*: ``spec.bento_tag``, ``spec.autoscaling.{min_replicas,max_replicas}``,
  ``status.{printerReady, replicas, readyReplicas, availableReplicas}``.

The controller (``controllers/bentodeployment_controller.go``) owns the Deployments and
Services it makes and labels them and their pods ``yatai.ai/bento-deployment=<name>``
(checked in yatai-deployment's e2e test and ``common/consts``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

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
from inference_console.catalog.kinds.deployment import quick_restart_owned
from inference_console.catalog.related import REGISTRY_BENTOS, REGISTRY_TAGS, registry_rules
from inference_console.catalog.serving_metrics import SERVING_METRICS, serving_columns, serving_key

if TYPE_CHECKING:
    from inference_console.actions.quick import QuickContext, Step

GROUP = "serving.yatai.ai"
LABEL = "yatai.ai/bento-deployment"


def bento(obj: Obj) -> str:
    return as_str(dig(obj, "spec", "bento")) or as_str(dig(obj, "spec", "bento_tag"))


def autoscaling(obj: Obj) -> tuple[int | None, int | None]:
    scale = as_map(dig(obj, "spec", "autoscaling"))
    low = as_int(scale.get("minReplicas"), as_int(scale.get("min_replicas")))
    high = as_int(scale.get("maxReplicas"), as_int(scale.get("max_replicas")))
    return low, high


def replicas_text(obj: Obj) -> str:
    """``ready/replicas`` when the (v1alpha*) status has counts, then ``(min-max)``."""
    low, high = autoscaling(obj)
    bounds = (
        f"{low if low is not None else '?'}-{high if high is not None else '?'}" if (low, high) != (None, None) else ""
    )
    status = as_map(obj.get("status"))
    total = as_int(status.get("replicas"))
    ready = as_int(status.get("readyReplicas"), 0)
    counts = f"{ready}/{total}" if total is not None else ""
    if counts and bounds:
        return f"{counts} ({bounds})"
    return counts or bounds


def available(obj: Obj) -> str:
    status = cond_status(obj, "Available")
    if status:
        return status
    printer = as_str(dig(obj, "status", "printerReady"))
    return printer


def runners(obj: Obj) -> list[str]:
    return [
        as_str(r.get("name")) for r in as_list(dig(obj, "spec", "runners")) if isinstance(r, dict) and r.get("name")
    ]


@guard_health
def health(obj: Obj) -> HealthResult:
    if is_terminating(obj):
        return HealthResult(Health.PROGRESSING, "Terminating")
    avail = condition(obj, "Available")
    if avail is not None:
        status = as_str(avail.get("status"))
        if status == "False":
            return HealthResult(Health.FAILED, as_str(avail.get("message")) or cond_text(avail) or "not available")
        found = condition(obj, "BentoFound")
        if found is not None and as_str(found.get("status")) == "False":
            request = cond_status(obj, "BentoRequestFound")
            if request == "False":
                return HealthResult(Health.FAILED, f"Bento {bento(obj)} not found: {as_str(found.get('message'))}")
            if request == "True":
                return HealthResult(Health.PROGRESSING, f"waiting for BentoRequest {bento(obj)} to build the Bento")
            return HealthResult(Health.PROGRESSING, f"looking for Bento {bento(obj)}")
        if status == "True":
            return OK
        return HealthResult(Health.PROGRESSING, as_str(avail.get("message")) or "reconciling")
    # v1alpha* status: printerReady and replica counts.
    status = as_map(obj.get("status"))
    printer = as_str(status.get("printerReady")).lower()
    total = as_int(status.get("replicas"))
    ready = as_int(status.get("readyReplicas"), 0)
    if printer == "true" or (total and ready is not None and ready >= total):
        return OK
    if total is not None:
        return HealthResult(Health.PROGRESSING, f"{ready}/{total} replicas ready")
    if conditions(obj):
        return HealthResult(Health.PROGRESSING, "reconciling")
    return HealthResult(Health.PROGRESSING, "waiting for the controller")


def reason_text(obj: Obj) -> str:
    result = health(obj)
    return "" if result.state == Health.OK else result.reason


@guard_list
def summary(obj: Obj) -> list[tuple[str, str]]:
    low, high = autoscaling(obj)
    rows = [
        ("Bento", bento(obj)),
        ("Min replicas", "" if low is None else str(low)),
        ("Max replicas", "" if high is None else str(high)),
        ("Runners", ", ".join(runners(obj))),
        ("Ingress", "enabled" if dig(obj, "spec", "ingress", "enabled") is True else ""),
    ]
    for ctype in ("Available", "BentoFound", "BentoRequestFound"):
        cond = condition(obj, ctype)
        if cond is not None:
            rows.append((ctype, f"{as_str(cond.get('status'))} {cond_text(cond)}".strip()))
    return [(k, v) for k, v in rows if v]


@guard_list
def related(obj: Obj) -> list[RelatedRule]:
    name = name_of(obj)
    if not name:
        return []
    labels = {LABEL: name}
    rules = [
        RelatedRule("deployments", labels=labels),
        RelatedRule("pods", labels=labels),
        RelatedRule("services"),  # owned by the BentoDeployment
    ]
    target = as_str(dig(obj, "spec", "bento"))
    if target:
        rules.append(RelatedRule("bentoes.resources.yatai.ai", by_owner=False, name=target))
        rules.append(RelatedRule("bentorequests.resources.yatai.ai", by_owner=False, name=target))
    return rules + registry_rules("bentodeployments.serving.yatai.ai", obj, REGISTRY_BENTOS, REGISTRY_TAGS)


# ----------------------------------------------------------------------------- quick actions
BENTOS = "bentoes.resources.yatai.ai"


def quick_scale(ctx: QuickContext) -> Step:
    from inference_console.actions import patches as P
    from inference_console.actions.quick import FormField, QuickForm

    ref, obj = ctx.selected()
    auto = as_map(dig(obj, "spec", "autoscaling"))
    return QuickForm(
        f"Scale {ref.describe()}",
        (
            FormField(
                "min_replicas",
                "Min replicas",
                str(auto.get("minReplicas", 1)),
                help="spec.autoscaling.minReplicas, ≥ 1",
            ),
            FormField(
                "max_replicas", "Max replicas", str(auto.get("maxReplicas", 1)), help="spec.autoscaling.maxReplicas"
            ),
        ),
        lambda v: P.scale_bentodeployment(ref, obj, v["min_replicas"], v["max_replicas"]),
    )


def quick_bento(ctx: QuickContext) -> Step:
    """Change the model: the Bento it serves (the form lists the Bentos of its namespace)."""
    from inference_console.actions import patches as P
    from inference_console.actions.quick import FormField, QuickForm

    ref, obj = ctx.selected()
    bentos = sorted(name_of(b) for b in ctx.records(BENTOS) if as_str(dig(b, "metadata", "namespace")) == ref.namespace)
    return QuickForm(
        f"Change the bento of {ref.describe()}",
        (
            FormField(
                "bento",
                "Bento (spec.bento)",
                as_str(dig(obj, "spec", "bento")),
                help="the name of a Bento in this namespace",
            ),
        ),
        lambda v: P.change_bento(ref, obj, v["bento"]),
        intro=f"Bentos in {ref.namespace}: {', '.join(bentos)}" if bentos else "",
    )


def quick_resources(ctx: QuickContext) -> Step:
    """GPUs and memory of a runner or of the API server (``s``)."""
    from inference_console.actions import patches as P
    from inference_console.actions.quick import Pick, QuickForm, resource_fields

    ref, obj = ctx.selected()

    def form(target: str) -> Step:
        runner = "" if target == "s" else target
        if runner:
            resources = next(
                r.get("resources")
                for r in as_list(dig(obj, "spec", "runners"))
                if isinstance(r, dict) and r.get("name") == runner
            )
        else:
            resources = dig(obj, "spec", "resources")
        current = P.current_resources(resources, P.YATAI_GPU)
        what = f"runner {runner}" if runner else "the API server"
        return QuickForm(
            f"GPUs and memory of {what} ({ref.describe()})",
            resource_fields(current, "Yatai's 'gpu' key"),
            lambda v: P.set_bentodeployment_resources(
                ref, obj, runner, v["gpus"], v["memory_request"], v["memory_limit"]
            ),
        )

    names = P.bento_runners(obj)
    if not names:
        return form("s")
    return Pick(
        "GPUs and memory of a BentoDeployment",
        "runner",
        tuple(names),
        form,
        extra=(("s", "API server (spec.resources)"),),
    )


ACTIONS = {"scale": quick_scale, "model": quick_bento, "resources": quick_resources, "restart": quick_restart_owned}


SPEC = KindSpec(
    key="bentodeployments.serving.yatai.ai",
    kind="BentoDeployment",
    group=GROUP,
    version="v2alpha1",
    plural="bentodeployments",
    namespaced=True,
    section="Serving",
    aliases=("bd", "bentodeployment", "bentodeployments"),
    columns=(
        name_column(),
        namespace_column(),
        column("BENTO", bento, max_width=50),
        column("AVAILABLE", lambda o: available(o) or "-", min_width=5),
        column("REPLICAS", replicas_text, justify="right", sort=lambda o: autoscaling(o)[1]),
        *serving_columns(),
        column("RUNNERS", lambda o: len(runners(o)), priority=3, justify="right", sort=lambda o: len(runners(o))),
        column("REASON", reason_text, priority=0, min_width=16, max_width=100, health_reason=True),
        age_column(),
    ),
    health=health,
    summary=summary,
    related=related,
    alternatives=((GROUP, "v1alpha3"), (GROUP, "v1alpha2"), (GROUP, "v1alpha1")),
    joins={SERVING_METRICS: serving_key("bentodeployments.serving.yatai.ai")},
    order=20,
    actions=ACTIONS,
)
