"""Takeoff InferenceStack (``doublewordai.co/v1alpha1``, TitanML's Takeoff under the
Doubleword name).

The CRD's spec and status are open (``x-kubernetes-preserve-unknown-fields``); the spec
is the values of the ``inference-stack`` Helm chart, which a Helm operator
(operator-sdk) installs with the CR's name as the release name:

* ``spec.gateway`` — the gateway Deployment (``<fullname>-gateway``);
* ``spec.applicationTemplate`` — defaults for every application;
* ``spec.applications`` — a map *name → overrides*.  Each application is one reader
  Deployment ``<fullname>-<name>``; its values are the template deep-merged with the
  overrides (the chart's ``mustMergeOverwrite``: maps merge, other values replace;
  ``null`` leaves the template value).  The reader settings are
  ``readerConfig.{modelName, device, consumerGroup}``, ``replicaCount`` (ignored by the
  chart when ``scaling.enabled``: KEDA scales it), ``resources`` (GPUs).

``fullname`` is ``fullnameOverride``, else the release name when it contains the chart
name (``nameOverride`` or ``inference-stack``), else ``<release>-inference-stack``.
Every object of the chart carries ``app.kubernetes.io/instance=<release>`` and
``app.kubernetes.io/name=<chart name>``; readers add
``app.kubernetes.io/component=application-<name>``, the gateway ``...=gateway``.

Status written by the Helm operator: ``status.conditions`` of type ``Initialized``,
``Deployed``, ``ReleaseFailed``, ``Irreconcilable`` and ``status.deployedRelease``
``{name, manifest}``.  Reader readiness is not part of it; this console (and its demo
emulator) reads two optional integer fields when present:

* ``status.readyReaders`` — reader pods ready, summed over applications;
* ``status.readers`` — reader pods wanted (defaults to the sum of ``replicaCount``).

Health: ``Irreconcilable`` or ``ReleaseFailed`` True → FAILED; ``Deployed`` True → OK
(PROGRESSING while ``readyReaders`` < readers); otherwise PROGRESSING.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Callable, Mapping

from inference_console.catalog.base import (
    Health,
    HealthResult,
    KindSpec,
    Obj,
    RelatedRule,
    age_column,
    as_int,
    as_map,
    as_str,
    column,
    cond_text,
    condition,
    conditions,
    dig,
    gpu_count,
    guard_health,
    guard_list,
    is_terminating,
    name_column,
    name_of,
    namespace_column,
)
from inference_console.catalog.kinds.deployment import quick_restart_owned
from inference_console.catalog.serving_metrics import SERVING_METRICS, serving_columns, serving_key

if TYPE_CHECKING:
    from inference_console.actions.quick import QuickContext, Step

GROUP = "doublewordai.co"
CHART_NAME = "inference-stack"
MAX_APPLICATIONS = 500  # a larger map is malformed; read only the first ones


@dataclass(frozen=True, slots=True)
class Reader:
    """One application of the stack: a reader Deployment serving one model."""

    name: str
    model: str
    device: str
    consumer_group: str
    replicas: int
    gpus: int = 0  # per replica
    autoscaled: bool = False
    deployment: str = ""


def merge_values(template: Any, overrides: Any, depth: int = 0) -> Any:
    """The chart's deep merge: maps merge recursively, anything else replaces; ``None`` keeps."""
    if overrides is None:
        return copy.deepcopy(template) if depth < 30 else template
    if isinstance(template, dict) and isinstance(overrides, dict) and depth < 30:
        merged = {k: v for k, v in template.items()}
        for key, value in overrides.items():
            merged[key] = merge_values(template.get(key), value, depth + 1)
        return merged
    return overrides


def chart_name(obj: Obj) -> str:
    return as_str(dig(obj, "spec", "nameOverride")) or CHART_NAME


def fullname(obj: Obj) -> str:
    override = as_str(dig(obj, "spec", "fullnameOverride"))
    if override:
        return override[:63].rstrip("-")
    release = name_of(obj)
    name = chart_name(obj)
    if name in release:
        return release[:63].rstrip("-")
    return f"{release}-{name}"[:63].rstrip("-")


def applications(obj: Obj) -> Mapping[str, Any]:
    return as_map(dig(obj, "spec", "applications"))


def readers(obj: Obj) -> list[Reader]:
    """The readers of the stack, one per application, sorted by name.  Never raises."""
    if not isinstance(obj, dict):
        return []
    template = as_map(dig(obj, "spec", "applicationTemplate"))
    base = fullname(obj)
    out: list[Reader] = []
    for index, (app_name, overrides) in enumerate(applications(obj).items()):
        if index >= MAX_APPLICATIONS:
            break
        if not isinstance(app_name, str):
            continue
        values = merge_values(template, overrides if isinstance(overrides, dict) else None)
        values = as_map(values)
        reader_config = as_map(values.get("readerConfig"))
        scaling = as_map(values.get("scaling"))
        autoscaled = scaling.get("enabled") is True
        replicas = as_int(values.get("replicaCount"), 1)
        if autoscaled:
            replicas = as_int(as_map(scaling.get("spec")).get("minReplicaCount"), 1)
        out.append(
            Reader(
                name=app_name,
                model=as_str(reader_config.get("modelName")),
                device=as_str(reader_config.get("device")),
                consumer_group=as_str(reader_config.get("consumerGroup")),
                replicas=max(replicas or 0, 0),
                gpus=gpu_count(values.get("resources")),
                autoscaled=autoscaled,
                deployment=f"{base}-{app_name}",
            )
        )
    return sorted(out, key=lambda r: r.name)


def _unique(values: list[str]) -> list[str]:
    seen: list[str] = []
    for value in values:
        if value and value not in seen:
            seen.append(value)
    return seen


def models(obj: Obj) -> str:
    return ", ".join(_unique([r.model for r in readers(obj)]))


def groups(obj: Obj) -> str:
    return ", ".join(_unique([r.consumer_group for r in readers(obj)]))


def devices(obj: Obj) -> str:
    return ", ".join(_unique([r.device for r in readers(obj)]))


def gpus(obj: Obj) -> int:
    """GPUs the readers ask for: per-replica GPUs × replicas, summed (plus the gateway)."""
    total = sum(r.gpus * r.replicas for r in readers(obj))
    gateway = as_map(dig(obj, "spec", "gateway"))
    replicas = as_int(gateway.get("replicaCount"), 1) or 0
    return total + gpu_count(gateway.get("resources")) * max(replicas, 0)


def reader_counts(obj: Obj) -> tuple[int | None, int]:
    """(ready reader pods from status, or None; wanted reader pods)."""
    status = as_map(obj.get("status"))
    wanted = as_int(status.get("readers"))
    if wanted is None:
        wanted = sum(r.replicas for r in readers(obj))
    return as_int(status.get("readyReaders")), wanted


def readers_text(obj: Obj) -> str:
    ready, wanted = reader_counts(obj)
    return f"{'-' if ready is None else ready}/{wanted}"


@guard_health
def health(obj: Obj) -> HealthResult:
    if is_terminating(obj):
        return HealthResult(Health.PROGRESSING, "Terminating")
    for ctype in ("Irreconcilable", "ReleaseFailed"):
        cond = condition(obj, ctype)
        if cond is not None and as_str(cond.get("status")) == "True":
            return HealthResult(Health.FAILED, f"{ctype}: {cond_text(cond)}" if cond_text(cond) else ctype)
    deployed = condition(obj, "Deployed")
    if deployed is not None and as_str(deployed.get("status")) == "True":
        ready, wanted = reader_counts(obj)
        if ready is not None and ready < wanted:
            return HealthResult(Health.PROGRESSING, f"{ready}/{wanted} readers ready")
        return HealthResult(Health.OK, as_str(deployed.get("reason")))
    if deployed is not None:
        return HealthResult(Health.PROGRESSING, cond_text(deployed) or "not deployed")
    if not conditions(obj):
        return HealthResult(Health.PROGRESSING, "waiting for the operator")
    return HealthResult(Health.PROGRESSING, "installing")


@guard_list
def summary(obj: Obj) -> list[tuple[str, str]]:
    gateway = as_map(dig(obj, "spec", "gateway"))
    image = as_map(gateway.get("image"))
    rows: list[tuple[str, str]] = [
        ("Release", as_str(dig(obj, "status", "deployedRelease", "name"))),
        ("Gateway", f"{fullname(obj)}-gateway"),
        ("Gateway image", ":".join(x for x in (as_str(image.get("repository")), as_str(image.get("tag"))) if x)),
        ("Readers ready", readers_text(obj)),
        ("GPUs", str(gpus(obj))),
    ]
    for reader in readers(obj):
        replicas = f"{reader.replicas}{'+ (autoscaled)' if reader.autoscaled else ''}"
        detail = f"{reader.model} on {reader.device or '?'}, group {reader.consumer_group or '?'}, replicas {replicas}"
        if reader.gpus:
            detail += f", {reader.gpus} GPU each"
        rows.append((f"Reader {reader.name}", detail))
    return [(k, v) for k, v in rows if v]


@guard_list
def related(obj: Obj) -> list[RelatedRule]:
    name = name_of(obj)
    if not name:
        return []
    labels = {"app.kubernetes.io/instance": name, "app.kubernetes.io/name": chart_name(obj)}
    return [
        RelatedRule("deployments", labels=labels),
        RelatedRule("pods", labels=labels),
        RelatedRule("services", labels=labels),
    ]


# ----------------------------------------------------------------------------- quick actions
def _pick_reader(ctx: QuickContext, title: str, then: Callable[[str], Step]) -> Step:
    from inference_console.actions import patches as P
    from inference_console.actions.quick import Pick

    _, obj = ctx.selected()
    names = P.reader_names(obj)
    if not names:
        raise P.ActionInputError("this InferenceStack has no readers (spec.applications is empty)")
    return Pick(title, "reader", tuple(names), then)


def quick_scale(ctx: QuickContext) -> Step:
    from inference_console.actions import patches as P
    from inference_console.actions.quick import FormField, QuickForm

    ref, obj = ctx.selected()

    def form(reader: str) -> Step:
        values = P.reader_values(obj, reader)
        return QuickForm(
            f"Scale reader {reader} of {ref.describe()}",
            (
                FormField(
                    "replicas", "Replicas", str(values.get("replicaCount", 1)), help="replicaCount, whole number ≥ 0"
                ),
            ),
            lambda v: P.scale_reader(ref, obj, reader, v["replicas"]),
        )

    return _pick_reader(ctx, "Scale a reader", form)


def quick_model(ctx: QuickContext) -> Step:
    from inference_console.actions import patches as P
    from inference_console.actions.quick import FormField, QuickForm

    ref, obj = ctx.selected()

    def form(reader: str) -> Step:
        config = as_map(P.reader_values(obj, reader).get("readerConfig"))
        return QuickForm(
            f"Change the model of reader {reader} ({ref.describe()})",
            (
                FormField("model_name", "Model (readerConfig.modelName)", str(config.get("modelName", ""))),
                FormField(
                    "consumer_group",
                    "Consumer group (readerConfig.consumerGroup)",
                    str(config.get("consumerGroup", "")),
                ),
            ),
            lambda v: P.change_reader_model(ref, obj, reader, v["model_name"], v["consumer_group"]),
        )

    return _pick_reader(ctx, "Change the model of a reader", form)


def quick_resources(ctx: QuickContext) -> Step:
    from inference_console.actions import patches as P
    from inference_console.actions.quick import QuickForm, resource_fields

    ref, obj = ctx.selected()

    def form(reader: str) -> Step:
        template = dig(obj, "spec", "applicationTemplate", "resources")
        override = as_map(P.stack_applications(obj).get(reader)).get("resources")
        current = P.current_resources(override, floor=template)
        return QuickForm(
            f"GPUs and memory of reader {reader} ({ref.describe()})",
            resource_fields(current, f"{P.GPU}, requests = limits"),
            lambda v: P.set_reader_resources(ref, obj, reader, v["gpus"], v["memory_request"], v["memory_limit"]),
        )

    return _pick_reader(ctx, "GPUs and memory of a reader", form)


def quick_add_reader(ctx: QuickContext) -> Step:
    from inference_console.actions import patches as P
    from inference_console.actions.quick import FormField, QuickForm

    ref, obj = ctx.selected()
    template = as_map(dig(obj, "spec", "applicationTemplate", "readerConfig"))
    return QuickForm(
        f"Add a reader to {ref.describe()}",
        (
            FormField("name", "Reader name", "", placeholder="e.g. llama-reader", help="RFC 1123 label, new"),
            FormField(
                "model_name", "Model (readerConfig.modelName)", "", placeholder="e.g. meta-llama/Llama-3.1-8B-Instruct"
            ),
            FormField("device", "Device", "cuda", help="cpu or cuda"),
            FormField(
                "consumer_group", "Consumer group", str(template.get("consumerGroup") or "primary"), help="label-safe"
            ),
            FormField("replicas", "Replicas", "1", help="whole number ≥ 0"),
        ),
        lambda v: P.add_reader(ref, obj, v["name"], v["model_name"], v["device"], v["consumer_group"], v["replicas"]),
    )


def quick_remove_reader(ctx: QuickContext) -> Step:
    from inference_console.actions import patches as P
    from inference_console.actions.quick import Review

    ref, obj = ctx.selected()
    return _pick_reader(
        ctx,
        "Remove a reader",
        lambda reader: Review(P.remove_reader(ref, obj, reader), note=" (its Deployment and pods go away)"),
    )


ACTIONS = {
    "scale": quick_scale,
    "model": quick_model,
    "resources": quick_resources,
    "restart": quick_restart_owned,
    "add_reader": quick_add_reader,
    "remove_reader": quick_remove_reader,
}


SPEC = KindSpec(
    key="inferencestacks.doublewordai.co",
    kind="InferenceStack",
    group=GROUP,
    version="v1alpha1",
    plural="inferencestacks",
    namespaced=True,
    section="Serving",
    aliases=("stack", "stacks", "inferencestack", "inferencestacks", "takeoff"),
    columns=(
        name_column(),
        namespace_column(),
        column("READERS", readers_text, justify="right", sort=lambda o: reader_counts(o)[1]),
        column("MODELS", models, max_width=60),
        column("GROUPS", groups, priority=2),
        column("DEVICES", devices, priority=2),
        column("GPU", gpus, justify="right", min_width=3, sort=gpus),
        *serving_columns(),
        column(
            "REASON",
            lambda o: "" if health(o).state is Health.OK else health(o).reason,
            priority=0,
            min_width=16,
            max_width=100,
            health_reason=True,
        ),
        age_column(),
    ),
    health=health,
    summary=summary,
    related=related,
    order=30,
    joins={SERVING_METRICS: serving_key("inferencestacks.doublewordai.co")},
    actions=ACTIONS,
)
