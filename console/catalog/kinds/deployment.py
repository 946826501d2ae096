"""apps/v1 Deployments.

Health: ``Progressing=False`` reason ``ProgressDeadlineExceeded`` or
``ReplicaFailure=True`` → FAILED; scaled to 0 → OK; a rollout not observed yet, fewer
updated/ready/available replicas than wanted, or old replicas still terminating →
PROGRESSING; ``Available=True`` with everything up → OK.  The GPU column is GPUs per
pod × wanted replicas.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

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
    meta,
    name_column,
    namespace_column,
)

if TYPE_CHECKING:
    from inference_console.actions.quick import QuickContext, Step

KEY = "deployments"


def desired(obj: Obj) -> int:
    value = dig(obj, "spec", "replicas")
    return 1 if value is None else max(as_int(value, 0) or 0, 0)


def counts(obj: Obj) -> dict[str, int]:
    status = as_map(obj.get("status"))
    return {
        k: max(as_int(status.get(k), 0) or 0, 0)
        for k in ("replicas", "readyReplicas", "updatedReplicas", "availableReplicas", "unavailableReplicas")
    }


def template_containers(obj: Obj) -> list[Any]:
    return as_list(dig(obj, "spec", "template", "spec", "containers"))


def images(obj: Obj) -> str:
    return ",".join(
        as_str(c.get("image")) for c in template_containers(obj) if isinstance(c, dict) and as_str(c.get("image"))
    )


def gpus_per_pod(obj: Obj) -> int:
    return containers_gpu(template_containers(obj))


def gpus(obj: Obj) -> int:
    return gpus_per_pod(obj) * desired(obj)


def ready_text(obj: Obj) -> str:
    return f"{counts(obj)['readyReplicas']}/{desired(obj)}"


def selector_labels(obj: Obj) -> dict[str, str]:
    labels = as_map(dig(obj, "spec", "selector", "matchLabels"))
    return {k: v for k, v in labels.items() if isinstance(k, str) and isinstance(v, str)}


@guard_health
def health(obj: Obj) -> HealthResult:
    if is_terminating(obj):
        return HealthResult(Health.PROGRESSING, "Terminating")
    progressing = condition(obj, "Progressing")
    if (
        progressing is not None
        and as_str(progressing.get("status")) == "False"
        and as_str(progressing.get("reason")) == "ProgressDeadlineExceeded"
    ):
        return HealthResult(Health.FAILED, cond_text(progressing))
    failure = condition(obj, "ReplicaFailure")
    if failure is not None and as_str(failure.get("status")) == "True":
        return HealthResult(Health.FAILED, cond_text(failure) or "ReplicaFailure")
    want = desired(obj)
    c = counts(obj)
    if dig(obj, "spec", "paused") is True:
        return HealthResult(Health.UNKNOWN, f"paused, {c['readyReplicas']}/{want} ready")
    generation = as_int(meta(obj, "generation", None))
    observed = as_int(dig(obj, "status", "observedGeneration"))
    if generation is not None and observed is not None and observed < generation:
        return HealthResult(Health.PROGRESSING, "waiting for the rollout to start")
    if want == 0:
        if c["replicas"] > 0:
            return HealthResult(Health.PROGRESSING, f"scaling down, {c['replicas']} left")
        return HealthResult(Health.OK, "scaled to 0")
    if c["updatedReplicas"] < want:
        return HealthResult(Health.PROGRESSING, f"{c['updatedReplicas']}/{want} replicas updated")
    if c["replicas"] > c["updatedReplicas"]:
        return HealthResult(
            Health.PROGRESSING, f"{c['replicas'] - c['updatedReplicas']} old replicas pending termination"
        )
    if c["availableReplicas"] < want or c["readyReplicas"] < want:
        available = condition(obj, "Available")
        why = cond_text(available) if available is not None and as_str(available.get("status")) != "True" else ""
        text = f"{c['readyReplicas']}/{want} ready"
        return HealthResult(Health.PROGRESSING, f"{text}: {why}" if why else text)
    return OK


@guard_list
def summary(obj: Obj) -> list[tuple[str, str]]:
    c = counts(obj)
    strategy = as_str(dig(obj, "spec", "strategy", "type"))
    rows = [
        (
            "Replicas",
            f"{desired(obj)} wanted, {c['updatedReplicas']} updated, {c['readyReplicas']} ready, {c['availableReplicas']} available",
        ),
        ("Strategy", strategy),
        ("Images", images(obj)),
        ("GPUs per pod", str(gpus_per_pod(obj))),
        ("Selector", ",".join(f"{k}={v}" for k, v in selector_labels(obj).items())),
    ]
    for ctype in ("Available", "Progressing", "ReplicaFailure"):
        cond = condition(obj, ctype)
        if cond is not None:
            rows.append((ctype, f"{as_str(cond.get('status'))} {cond_text(cond)}".strip()))
    return [(k, v) for k, v in rows if v]


@guard_list
def related(obj: Obj) -> list[RelatedRule]:
    rules = [RelatedRule("replicasets")]
    selector = selector_labels(obj)
    rules.append(RelatedRule("pods", labels=selector or None))
    return rules


# ----------------------------------------------------------------------------- quick actions
def quick_scale(ctx: QuickContext) -> Step:
    from inference_console.actions import patches as P
    from inference_console.actions.quick import FormField, QuickForm, Review, owner_note

    ref, obj = ctx.selected()
    current = dig(obj, "spec", "replicas")
    return QuickForm(
        f"Scale {ref.describe()}",
        (FormField("replicas", "Replicas", str(1 if current is None else current), help="whole number ≥ 0"),),
        lambda v: Review(P.scale_deployment(ref, obj, v["replicas"]), note=owner_note(obj)),
    )


def quick_resources(ctx: QuickContext) -> Step:
    from inference_console.actions import patches as P
    from inference_console.actions.quick import Pick, QuickForm, Review, owner_note, resource_fields

    ref, obj = ctx.selected()
    containers = P.deployment_containers(obj)
    if not containers:
        raise P.ActionInputError("this Deployment has no containers")

    def form(container: str) -> Step:
        spec = next(
            c
            for c in as_list(dig(obj, "spec", "template", "spec", "containers"))
            if isinstance(c, dict) and c.get("name") == container
        )
        current = P.current_resources(spec.get("resources"))
        return QuickForm(
            f"GPUs and memory of container {container} ({ref.describe()})",
            resource_fields(current, f"{P.GPU}, requests = limits"),
            lambda v: Review(
                P.set_deployment_resources(ref, obj, container, v["gpus"], v["memory_request"], v["memory_limit"]),
                note=owner_note(obj),
            ),
        )

    return Pick("GPUs and memory of a container", "container", tuple(containers), form)


def quick_restart(ctx: QuickContext) -> Step:
    from inference_console.actions import patches as P

    ref, obj = ctx.selected()
    return P.restart_deployment(ref, obj)


def quick_restart_owned(ctx: QuickContext) -> Step:
    """Rollout restart of the selected InferenceService, BentoDeployment or InferenceStack.

    Those kinds have no pod template: one of the Deployments their controller made is restarted.
    """
    from inference_console.actions import patches as P
    from inference_console.actions.quick import Pick, Review

    ref, obj = ctx.selected()
    by_name = {as_str(meta(d, "name")): d for d in P.deployments_to_restart(ref.kind, obj, ctx.records(KEY))}

    def restart_one(name: str) -> Step:
        deployment = by_name[name]
        mutation = P.restart_deployment(ctx.ref_of(KEY, deployment), deployment, why=f"(of {ref.describe()})")
        return Review(mutation, store_key=KEY, before=deployment)

    return Pick(f"Restart a Deployment of {ref.describe()}", "Deployment", tuple(sorted(by_name)), restart_one)


ACTIONS = {"scale": quick_scale, "resources": quick_resources, "restart": quick_restart}


SPEC = KindSpec(
    key=KEY,
    kind="Deployment",
    group="apps",
    version="v1",
    plural="deployments",
    namespaced=True,
    section="Workloads",
    aliases=("deploy", "deployment", "deployments", "dp"),
    columns=(
        name_column(),
        namespace_column(),
        column("READY", ready_text, justify="right", min_width=5, sort=lambda o: counts(o)["readyReplicas"]),
        column(
            "UP-TO-DATE",
            lambda o: counts(o)["updatedReplicas"],
            justify="right",
            priority=2,
            sort=lambda o: counts(o)["updatedReplicas"],
        ),
        column(
            "AVAILABLE",
            lambda o: counts(o)["availableReplicas"],
            justify="right",
            priority=2,
            sort=lambda o: counts(o)["availableReplicas"],
        ),
        column("IMAGES", images, priority=4, max_width=80),
        column("GPU", gpus, justify="right", min_width=3, sort=gpus),
        age_column(),
    ),
    health=health,
    summary=summary,
    related=related,
    order=10,
    actions=ACTIONS,
)
