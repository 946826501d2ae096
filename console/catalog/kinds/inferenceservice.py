"""KServe InferenceService (``serving.kserve.io/v1beta1``).

Field names follow ``config/crd/full/serving.kserve.io_inferenceservices.yaml``:
``spec.predictor.model.{modelFormat.name, storageUri, storage.path, runtime, resources}``
or a legacy framework key (``spec.predictor.sklearn`` ...), ``status.conditions``
(``Ready``, ``PredictorReady``, ``IngressReady``, ``Stopped`` ...),
``status.components.predictor.{latestCreatedRevision, latestReadyRevision,
latestRolledoutRevision, traffic[]}`` and ``status.modelStatus.{transitionStatus,
states.{activeModelState,targetModelState}, lastFailureInfo.{reason,message,exitCode}}``.

Health, in order:

* ``serving.kserve.io/stop: "true"`` (case-insensitive) or condition ``Stopped=True``
  → UNKNOWN "Stopped" (the controller deleted the serving resources on purpose);
* a failure signal → FAILED with one line: ``transitionStatus`` BlockedByFailedLoad /
  InvalidSpec, a ``FailedToLoad`` model state, ``lastFailureInfo`` while not ready, or
  any condition False with a failure reason (ImagePullBackOff, OOMKilled,
  ProgressDeadlineExceeded, RevisionFailed ...), or ``Ready=False`` with a reason that
  is not a known "still starting" one;
* ``Ready`` Unknown/absent (no status yet), a rollout in progress (latest created
  revision not ready / not rolled out, a canary traffic split, a model still loading)
  → PROGRESSING;
* ``Ready=True`` → OK.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Mapping

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
    conditions,
    containers_gpu,
    dig,
    gpu_count,
    guard_health,
    guard_list,
    is_terminating,
    meta,
    name_column,
    name_of,
    namespace_column,
    one_line,
)
from inference_console.catalog.kinds.deployment import quick_restart_owned
from inference_console.catalog.related import REGISTRY_MODEL_VERSIONS, REGISTRY_TAGS, registry_rules
from inference_console.catalog.serving_metrics import SERVING_METRICS, serving_columns, serving_key

if TYPE_CHECKING:
    from inference_console.actions.quick import QuickContext, QuickForm, Record, Step

GROUP = "serving.kserve.io"
STOP_ANNOTATION = "serving.kserve.io/stop"
ISVC_LABEL = "serving.kserve.io/inferenceservice"

# spec.predictor keys that name a framework (the pre-``model`` way of writing a predictor).
LEGACY_FRAMEWORKS = (
    "sklearn",
    "xgboost",
    "tensorflow",
    "pytorch",
    "triton",
    "onnx",
    "pmml",
    "lightgbm",
    "paddle",
    "huggingface",
)

# Reasons that mean "broken", wherever they show up in a False condition.
FAILURE_REASONS = frozenset(
    {
        "ImagePullBackOff",
        "ErrImagePull",
        "InvalidImageName",
        "ErrImageNeverPull",
        "CrashLoopBackOff",
        "OOMKilled",
        "Error",
        "CreateContainerConfigError",
        "CreateContainerError",
        "RunContainerError",
        "ContainerCannotRun",
        "ProgressDeadlineExceeded",
        "ReplicaFailure",
        "FailedCreate",
        "RevisionFailed",
        "ContainerMissing",
        "ExitCode",
        "ModelLoadFailed",
        "RuntimeUnhealthy",
        "RuntimeDisabled",
        "NoSupportingRuntime",
        "RuntimeNotRecognized",
        "InvalidPredictorSpec",
        "InvalidWorkerSpecNotSet",
        "InvalidGPUAllocation",
        "InternalError",
    }
)

# Reasons seen while an InferenceService is still coming up (Ready False but not broken).
STARTING_REASONS = frozenset(
    {
        "",
        "MinimumReplicasUnavailable",
        "ReplicaSetUpdated",
        "NewReplicaSetCreated",
        "FoundNewReplicaSet",
        "Deploying",
        "Reconciling",
        "Pending",
        "ContainerCreating",
        "PodInitializing",
        "RevisionMissing",
        "Uninitialized",
        "IngressNotConfigured",
        "PredictorNotReady",
        "Unschedulable",
    }
)

FAILED_TRANSITIONS = ("BlockedByFailedLoad", "InvalidSpec")


# ----------------------------------------------------------------------------
# Field readers
# ----------------------------------------------------------------------------


def predictor(obj: Obj) -> Mapping[str, Any]:
    return as_map(dig(obj, "spec", "predictor"))


def _model_block(obj: Obj) -> tuple[str, Mapping[str, Any]]:
    """(format name, the block holding storageUri/resources) for new or legacy specs."""
    pred = predictor(obj)
    model = pred.get("model")
    if isinstance(model, dict):
        fmt = model.get("modelFormat")
        name = as_str(fmt.get("name")) if isinstance(fmt, dict) else as_str(fmt)
        return name, model
    for key in LEGACY_FRAMEWORKS:
        block = pred.get(key)
        if isinstance(block, dict):
            return key, block
    return "", {}


def model_format(obj: Obj) -> str:
    name, block = _model_block(obj)
    if not name and as_list(predictor(obj).get("containers")):
        return "custom"
    version = dig(block, "modelFormat", "version")
    if name and isinstance(version, str) and version:
        return f"{name}:{version}"
    return name


def storage_uri(obj: Obj) -> str:
    _, block = _model_block(obj)
    uri = as_str(block.get("storageUri"))
    if uri:
        return uri
    storage = as_map(block.get("storage"))
    path = as_str(storage.get("path"))
    key = as_str(storage.get("key"))
    if path or key:
        return f"{key}:{path}" if key and path else (path or key)
    uris = [as_str(u.get("uri")) for u in as_list(predictor(obj).get("storageUris")) if isinstance(u, dict)]
    return ",".join(u for u in uris if u)


def runtime(obj: Obj) -> str:
    _, block = _model_block(obj)
    return (
        as_str(block.get("runtime"))
        or as_str(dig(obj, "status", "servingRuntimeName"))
        or as_str(dig(obj, "status", "clusterServingRuntimeName"))
    )


def gpus(obj: Obj) -> int:
    """GPUs one predictor replica asks for (model/framework container + extra containers)."""
    _, block = _model_block(obj)
    pred = predictor(obj)
    per_pod = gpu_count(block.get("resources")) + containers_gpu(pred.get("containers"))
    # Pod-level resources on the predictor, if any, bound the whole pod.
    return max(per_pod, gpu_count(pred.get("resources")))


def url(obj: Obj) -> str:
    return as_str(dig(obj, "status", "url")) or as_str(dig(obj, "status", "address", "url"))


def ready_status(obj: Obj) -> str:
    return as_str((condition(obj, "Ready") or {}).get("status"))


def is_stopped(obj: Obj) -> bool:
    annotations = meta(obj, "annotations", None)
    if isinstance(annotations, dict) and as_str(annotations.get(STOP_ANNOTATION)).lower() == "true":
        return True
    return as_str((condition(obj, "Stopped") or {}).get("status")) == "True"


def predictor_component(obj: Obj) -> Mapping[str, Any]:
    return as_map(dig(obj, "status", "components", "predictor"))


def traffic_split(obj: Obj) -> tuple[int | None, int | None]:
    """(percent to the latest revision, percent to the previous rolled-out revision)."""
    latest = prev = None
    for target in as_list(predictor_component(obj).get("traffic")):
        if not isinstance(target, dict):
            continue
        percent = as_int(target.get("percent"))
        if target.get("latestRevision") is True:
            latest = percent
        elif as_str(target.get("tag")) == "prev":
            prev = percent
    return latest, prev


def canary_percent(obj: Obj) -> int | None:
    return as_int(predictor(obj).get("canaryTrafficPercent"))


def canary(obj: Obj) -> str:
    latest, prev = traffic_split(obj)
    if prev is not None and prev > 0:
        return f"{latest if latest is not None else 0}% ({prev}% prev)"
    percent = canary_percent(obj)
    if percent is not None and percent < 100:
        return f"{percent}%"
    return ""


def rollout_in_progress(obj: Obj) -> str:
    """Why a rollout is under way, or ``""``."""
    comp = predictor_component(obj)
    created = as_str(comp.get("latestCreatedRevision"))
    ready = as_str(comp.get("latestReadyRevision"))
    rolled = as_str(comp.get("latestRolledoutRevision"))
    latest, prev = traffic_split(obj)
    if prev is not None and prev > 0:
        return f"canary: {latest if latest is not None else 0}% to {ready or 'latest'}, {prev}% to previous"
    if created and ready and created != ready:
        return f"revision {created} not ready yet"
    percent = canary_percent(obj)
    if percent is not None and percent < 100 and rolled and ready and rolled != ready:
        return f"canary: {percent}% to {ready}"
    transition = as_str(dig(obj, "status", "modelStatus", "transitionStatus"))
    if transition == "InProgress":
        target = as_str(dig(obj, "status", "modelStatus", "states", "targetModelState"))
        return f"model transition in progress{f' ({target})' if target else ''}"
    return ""


def _failure_info(obj: Obj) -> str:
    info = as_map(dig(obj, "status", "modelStatus", "lastFailureInfo"))
    reason = as_str(info.get("reason"))
    message = as_str(info.get("message"))
    exit_code = as_int(info.get("exitCode"))
    text = ": ".join(x for x in (reason, message) if x)
    if exit_code:
        text = f"{text} (exit code {exit_code})" if text else f"exit code {exit_code}"
    return text


def _condition_failure(obj: Obj) -> str:
    """First False condition whose reason (or message) names a failure."""
    for cond in conditions(obj):
        if as_str(cond.get("status")) != "False":
            continue
        reason = as_str(cond.get("reason"))
        message = as_str(cond.get("message"))
        if reason in FAILURE_REASONS or any(
            r in message for r in ("OOMKilled", "CrashLoopBackOff", "ImagePullBackOff", "ErrImagePull")
        ):
            ctype = as_str(cond.get("type"))
            return f"{ctype}: {cond_text(cond)}" if ctype and ctype != "Ready" else cond_text(cond)
    return ""


@guard_health
def health(obj: Obj) -> HealthResult:
    if is_stopped(obj):
        return HealthResult(Health.UNKNOWN, "Stopped")
    if is_terminating(obj):
        return HealthResult(Health.PROGRESSING, "Terminating")

    model_status = as_map(dig(obj, "status", "modelStatus"))
    transition = as_str(model_status.get("transitionStatus"))
    failure = _failure_info(obj)
    if transition in FAILED_TRANSITIONS:
        return HealthResult(Health.FAILED, f"{transition}: {failure}" if failure else transition)
    states = as_map(model_status.get("states"))
    for key in ("activeModelState", "targetModelState"):
        if as_str(states.get(key)) == "FailedToLoad":
            return HealthResult(Health.FAILED, f"model FailedToLoad: {failure}" if failure else "model FailedToLoad")

    bad = _condition_failure(obj)
    if bad:
        return HealthResult(Health.FAILED, bad)

    ready = condition(obj, "Ready")
    status = as_str((ready or {}).get("status"))
    if status != "True" and failure:
        return HealthResult(Health.FAILED, failure)
    if status == "False":
        reason = as_str(ready.get("reason")) if ready else ""
        if reason not in STARTING_REASONS:
            return HealthResult(Health.FAILED, cond_text(ready) or "not ready")
        return HealthResult(Health.PROGRESSING, cond_text(ready) or "not ready")
    if status == "True":
        rollout = rollout_in_progress(obj)
        if rollout:
            return HealthResult(Health.PROGRESSING, rollout)
        return OK
    # Unknown, or no Ready condition yet.
    if not conditions(obj):
        return HealthResult(Health.PROGRESSING, "waiting for the controller")
    pending = cond_text(ready) if ready else ""
    if not pending:
        for cond in conditions(obj):
            if as_str(cond.get("status")) != "True" and cond_text(cond):
                pending = f"{as_str(cond.get('type'))}: {cond_text(cond)}"
                break
    return HealthResult(Health.PROGRESSING, pending or "not ready yet")


def reason_text(obj: Obj) -> str:
    result = health(obj)
    return "" if result.state == Health.OK else result.reason


def replicas_text(obj: Obj) -> str:
    pred = predictor(obj)
    low, high = as_int(pred.get("minReplicas")), as_int(pred.get("maxReplicas"))
    if low is None and high is None:
        return ""
    return f"{low if low is not None else 1}-{high if high is not None else '?'}"


@guard_list
def summary(obj: Obj) -> list[tuple[str, str]]:
    latest, prev = traffic_split(obj)
    comp = predictor_component(obj)
    states = as_map(dig(obj, "status", "modelStatus", "states"))
    rows = [
        ("Model format", model_format(obj)),
        ("Storage URI", storage_uri(obj)),
        ("Runtime", runtime(obj)),
        ("Deployment mode", as_str(dig(obj, "status", "deploymentMode"))),
        ("URL", url(obj)),
        ("GPUs per replica", str(gpus(obj))),
        ("Replicas (min-max)", replicas_text(obj)),
        ("Canary", canary(obj)),
        ("Latest ready revision", as_str(comp.get("latestReadyRevision"))),
        ("Latest created revision", as_str(comp.get("latestCreatedRevision"))),
        ("Traffic latest/prev", f"{latest}/{prev}" if latest is not None or prev is not None else ""),
        ("Model state", as_str(states.get("activeModelState"))),
        ("Target model state", as_str(states.get("targetModelState"))),
        ("Transition", as_str(dig(obj, "status", "modelStatus", "transitionStatus"))),
        ("Last failure", one_line(_failure_info(obj))),
        ("Stopped", "yes" if is_stopped(obj) else ""),
    ]
    return [(k, v) for k, v in rows if v]


@guard_list
def related(obj: Obj) -> list[RelatedRule]:
    name = name_of(obj)
    if not name:
        return []
    labels = {ISVC_LABEL: name}
    return [
        RelatedRule("deployments", labels=labels),
        RelatedRule("pods", labels=labels),
        *registry_rules("inferenceservices.serving.kserve.io", obj, REGISTRY_MODEL_VERSIONS, REGISTRY_TAGS),
    ]


# ----------------------------------------------------------------------------- quick actions
def quick_scale(ctx: QuickContext) -> Step:
    from inference_console.actions import patches as P
    from inference_console.actions.quick import FormField, QuickForm

    ref, obj = ctx.selected()
    pred = as_map(dig(obj, "spec", "predictor"))
    low = pred.get("minReplicas", 1)
    return QuickForm(
        f"Scale {ref.describe()}",
        (
            FormField("min_replicas", "Min replicas", str(low), help="spec.predictor.minReplicas"),
            FormField(
                "max_replicas", "Max replicas", str(pred.get("maxReplicas", low)), help="spec.predictor.maxReplicas"
            ),
        ),
        lambda v: P.scale_inferenceservice(ref, obj, v["min_replicas"], v["max_replicas"]),
    )


def quick_model(ctx: QuickContext) -> Step:
    from inference_console.actions import patches as P
    from inference_console.actions.quick import FormField, QuickForm

    ref, obj = ctx.selected()
    key = P.isvc_model_key(obj)
    return QuickForm(
        f"Change the model of {ref.describe()}",
        (
            FormField(
                "storage_uri",
                f"storageUri (spec.predictor.{key})",
                as_str(dig(obj, "spec", "predictor", key, "storageUri")),
                placeholder="hf://org/model",
                help=", ".join(P.STORAGE_SCHEMES),
            ),
        ),
        lambda v: P.change_storage_uri(ref, obj, v["storage_uri"]),
    )


def quick_resources(ctx: QuickContext) -> Step:
    from inference_console.actions import patches as P
    from inference_console.actions.quick import QuickForm, resource_fields

    ref, obj = ctx.selected()
    key = P.isvc_model_key(obj)
    current = P.current_resources(dig(obj, "spec", "predictor", key, "resources"))
    return QuickForm(
        f"GPUs and memory of {ref.describe()}",
        resource_fields(current, f"{P.GPU}, requests = limits"),
        lambda v: P.set_isvc_resources(ref, obj, v["gpus"], v["memory_request"], v["memory_limit"]),
    )


def quick_stop(ctx: QuickContext) -> Step:
    from inference_console.actions import patches as P

    ref, obj = ctx.selected()
    return P.toggle_stop(ref, obj)


def quick_create(ctx: QuickContext) -> Step:
    """A new InferenceService from a preset of the namespace's model-config ConfigMap."""
    from inference_console.actions.quick import Fetch
    from inference_console.catalog.presets import PRESETS_CONFIGMAP

    namespace = ctx.namespace
    start = {"name": "", "namespace": namespace, "preset": "", "gpus": ""}
    return Fetch(
        "configmaps",
        namespace,
        PRESETS_CONFIGMAP,
        lambda cm: _create_form(ctx, namespace, _presets(cm), start, ""),
        what=f"the {PRESETS_CONFIGMAP} ConfigMap of {namespace}",
    )


def _presets(configmap: Record | None) -> dict[str, dict[str, Any]]:
    from inference_console.catalog.presets import model_presets

    return model_presets(configmap) if configmap is not None else {}


def _create_form(
    ctx: QuickContext, namespace: str, presets: dict[str, dict[str, Any]], values: Mapping[str, str], problem: str
) -> QuickForm:
    """The form, listing ``namespace``'s presets; another namespace's are read after submit."""
    from inference_console.actions import patches as P
    from inference_console.actions.quick import Fetch, FormField, QuickForm
    from inference_console.catalog.presets import PRESETS_CONFIGMAP

    listing = ", ".join(sorted(presets)) or "none (no model-config ConfigMap with presets)"
    intro = (f"⚠ {problem}\n" if problem else "") + f"Presets in {namespace} (model-config): {listing}"

    def build(v: Mapping[str, str]) -> Step:
        ns = v["namespace"].strip()
        if ns == namespace:
            return P.create_inferenceservice(v["name"], v["namespace"], v["preset"], presets, v["gpus"])
        known, configmap = ctx.cached("configmaps", ns, PRESETS_CONFIGMAP)
        if known:
            return P.create_inferenceservice(v["name"], v["namespace"], v["preset"], _presets(configmap), v["gpus"])
        # The presets of that namespace are read after submit; check the rest now.
        P.create_inferenceservice(
            v["name"], v["namespace"], "any", {"any": {"storageUri": "hf://any", "modelFormat": "any"}}, v["gpus"]
        )

        def made(configmap: Record | None) -> Step:
            try:
                return P.create_inferenceservice(v["name"], v["namespace"], v["preset"], _presets(configmap), v["gpus"])
            except P.ActionInputError as exc:
                return _create_form(ctx, namespace, presets, dict(v), str(exc))

        return Fetch("configmaps", ns, PRESETS_CONFIGMAP, made, what=f"the {PRESETS_CONFIGMAP} ConfigMap of {ns}")

    return QuickForm(
        "New InferenceService from a preset",
        (
            FormField(
                "name", "Name", values["name"], placeholder="e.g. qwen-small-2", help="RFC 1123, starts with a letter"
            ),
            FormField("namespace", "Namespace", values["namespace"]),
            FormField(
                "preset",
                "Preset",
                values["preset"],
                placeholder=next(iter(sorted(presets)), ""),
                help="from the model-config ConfigMap",
            ),
            FormField("gpus", "GPUs", values["gpus"], placeholder="the preset's", help="empty = the preset's count"),
        ),
        build,
        intro=intro,
    )


ACTIONS = {
    "scale": quick_scale,
    "model": quick_model,
    "resources": quick_resources,
    "stop": quick_stop,
    "restart": quick_restart_owned,
    "create": quick_create,
}


SPEC = KindSpec(
    key="inferenceservices.serving.kserve.io",
    kind="InferenceService",
    group=GROUP,
    version="v1beta1",
    plural="inferenceservices",
    namespaced=True,
    section="Serving",
    aliases=("isvc", "inferenceservice", "inferenceservices"),
    columns=(
        name_column(),
        namespace_column(),
        column("READY", lambda o: ready_status(o) or "-", min_width=5),
        column("URL", url, priority=3, max_width=60),
        column("MODEL FORMAT", model_format, priority=2),
        column("STORAGE URI", storage_uri, priority=3, max_width=60),
        column("RUNTIME", runtime, priority=4),
        column("GPU", gpus, justify="right", min_width=3, sort=gpus),
        column(
            "CANARY",
            canary,
            priority=2,
            max_width=24,
            sort=lambda o: traffic_split(o)[0] if traffic_split(o)[0] is not None else canary_percent(o),
        ),
        *serving_columns(),
        column("REASON", reason_text, priority=0, min_width=16, max_width=100, health_reason=True),
        age_column(),
    ),
    health=health,
    summary=summary,
    related=related,
    order=10,
    joins={SERVING_METRICS: serving_key("inferenceservices.serving.kserve.io")},
    actions=ACTIONS,
)
