"""Quick actions as pure functions: input → a :class:`~inference_console.actions.types.Mutation`.

No Textual and no I/O here.  Every builder takes the object as it was read (from the
store) and what a person typed (strings from a form, or numbers), validates it and
returns a Mutation, or raises :class:`ActionInputError` naming the form field that is
wrong.  The screens show the Mutation's exact request in the review screen (with a
server-side dry run) before anything is sent, and send it through the action layer.

Which patch type, and why
-------------------------

* **JSON merge patch** (RFC 7386, ``application/merge-patch+json``) for custom resources
  (InferenceService, BentoDeployment).  Strategic merge patch is not implemented for
  CRDs (a real API server answers 415 Unsupported Media Type), and a merge patch of a
  few map keys is the smallest, most readable request.  Merge patch replaces lists
  whole, so it is only used where the path is made of maps.
* **Strategic merge patch** (``application/strategic-merge-patch+json``) for built-in
  kinds (Deployments): ``containers`` is merged by its ``name`` key, so changing one
  container's resources cannot drop or reorder the other containers, and nothing needs
  an index.
* **JSON patch** (RFC 6902, ``application/json-patch+json``) where a write must be
  guarded more precisely than a merge patch can:

  - a BentoDeployment runner (``spec.runners[i]``, a list inside a CRD): ``test`` ops
    check that index *i* still holds that runner with the resources read, then its
    resources are replaced; else the server refuses (422) instead of changing another
    runner;
  - an InferenceStack reader (an entry of the map ``spec.applications``): the first op
    ``test``s that the reader's entry is exactly the one read (for a new reader: that
    the whole ``applications`` map is), then only the changed keys are added, replaced
    or removed.  A merge patch on ``applications.<name>`` for a reader removed meanwhile
    would silently re-create a partial reader from the template, and adding a reader
    someone else just added would merge into (or, with JSON ``add``, replace) theirs.
    A ``resourceVersion`` precondition would catch those too, but it also fails on
    every status write: the Helm operator (and the demo's controller) update the
    stack's status as readers come up, so the edit after an add failed with 409 in the
    demo although no reader had changed.  The ``test`` op guards exactly the reader.
* **resourceVersion precondition** for delete: the object you confirmed by typing its
  name is the object that is deleted, not one changed or re-created meanwhile.

  Scale, change of a storage URI or bento, stop/start and restart carry no
  precondition, like ``kubectl scale`` / ``patch`` / ``rollout restart``: they set
  absolute values that are right whatever else changed meanwhile.

Field names are those of the real CRDs (``../shared/fixtures/crds``): KServe
``v1beta1`` ``spec.predictor.{minReplicas,maxReplicas,model.{storageUri,resources}}``
(or a legacy framework key such as ``spec.predictor.sklearn``); Yatai BentoDeployment
``v2alpha1`` ``spec.{bento,autoscaling.{minReplicas,maxReplicas},resources,runners[]}``
whose resources use Yatai's own keys ``cpu``/``memory``/``gpu`` (not
``nvidia.com/gpu``); Takeoff InferenceStack ``spec.applications.<name>.{replicaCount,
readerConfig.{modelName,device,consumerGroup},resources}`` (an open schema, so the
checks below are the only ones before the server).
"""

from __future__ import annotations

import copy
import re
from datetime import datetime, timezone
from decimal import Decimal, InvalidOperation
from typing import Any, Iterable, Mapping

from inference_console.actions.types import Mutation, ObjectRef, PatchType, Verb
from inference_console.catalog.base import (
    as_list,
    as_map,
    as_str,
    dig,
    labels_match,
    meta,
    name_of,
    namespace_of,
    owner_uids,
)
from inference_console.catalog.kinds.inferenceservice import LEGACY_FRAMEWORKS, STOP_ANNOTATION
from inference_console.catalog.kinds.inferencestack import fullname

GPU = "nvidia.com/gpu"
YATAI_GPU = "gpu"
RESTARTED_AT = "kubectl.kubernetes.io/restartedAt"
ISVC_API = ("serving.kserve.io", "v1beta1", "inferenceservices", "InferenceService")
BENTO_VERSION = "v2alpha1"
STORAGE_SCHEMES = ("hf://", "s3://", "gs://", "pvc://", "model-registry://", "oci://", "https://")
DEVICES = ("cpu", "cuda")
INT32_MAX = 2**31 - 1

_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
_ISVC_NAME = re.compile(r"^[a-z]([-a-z0-9]*[a-z0-9])?$")
_SUBDOMAIN = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")
_LABEL_VALUE = re.compile(r"^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$")
_QUANTITY = re.compile(
    r"^(?P<sign>[+-])?(?P<number>[0-9]+(\.[0-9]*)?|\.[0-9]+)"
    r"(?P<suffix>[KMGTPE]i|[numkMGTPE]|[eE][+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+))?$"
)
_BINARY = {"Ki": 2**10, "Mi": 2**20, "Gi": 2**30, "Ti": 2**40, "Pi": 2**50, "Ei": 2**60}
_DECIMAL = {
    "n": Decimal("1e-9"),
    "u": Decimal("1e-6"),
    "m": Decimal("1e-3"),
    "": Decimal(1),
    "k": Decimal("1e3"),
    "M": Decimal("1e6"),
    "G": Decimal("1e9"),
    "T": Decimal("1e12"),
    "P": Decimal("1e15"),
    "E": Decimal("1e18"),
}


class ActionInputError(ValueError):
    """Bad input for a quick action; ``field`` is the form field it is about ("" = the whole form)."""

    def __init__(self, message: str, field: str = "") -> None:
        super().__init__(message)
        self.field = field


# ----------------------------------------------------------------------------- small readers
# Reading objects: dig, meta, as_map, as_list, name_of, ... from catalog.base.
def _rv(obj: Mapping[str, Any]) -> str | None:
    rv = meta(obj, "resourceVersion", None)
    return str(rv) if rv else None


def _text(value: Any) -> str:
    if value is None:
        return ""
    return value.strip() if isinstance(value, str) else str(value)


# ----------------------------------------------------------------------------- input checks
def parse_count(value: Any, field: str, what: str, minimum: int = 0) -> int:
    """A whole number ≥ ``minimum`` from an int or a form string."""
    if isinstance(value, bool):
        raise ActionInputError(f"{what} must be a whole number, not {value!r}", field)
    if isinstance(value, int):
        number = value
    else:
        text = _text(value)
        if not re.fullmatch(r"[+]?[0-9]+", text):
            shown = f"{text!r}" if text else "empty"
            raise ActionInputError(f"{what} must be a whole number ≥ {minimum} (got {shown})", field)
        number = int(text)
    if number < minimum:
        raise ActionInputError(f"{what} must be ≥ {minimum} (got {number})", field)
    if number > INT32_MAX:
        raise ActionInputError(f"{what} is too large (at most {INT32_MAX})", field)
    return number


def parse_quantity(value: Any, field: str = "", what: str = "quantity") -> Decimal:
    """A Kubernetes resource quantity (``16Gi``, ``500Mi``, ``1``, ``0``, ``250m``, ``1e3``) as a number.

    Negative quantities are refused: no resource request or limit may be negative.
    """
    text = _text(value)
    match = _QUANTITY.match(text)
    if not match:
        shown = f"{text!r}" if text else "empty"
        raise ActionInputError(f"{what} must be a Kubernetes quantity such as 16Gi, 500Mi, 1 or 0 (got {shown})", field)
    if match.group("sign") == "-":
        raise ActionInputError(f"{what} must not be negative (got {text!r})", field)
    number = Decimal(match.group("number"))
    suffix = match.group("suffix") or ""
    try:
        if suffix in _BINARY:
            return number * _BINARY[suffix]
        if suffix in _DECIMAL:
            return number * _DECIMAL[suffix]
        return number * (Decimal(10) ** Decimal(suffix[1:]))
    except InvalidOperation as exc:  # pragma: no cover - absurd exponents
        raise ActionInputError(f"{what} {text!r} is out of range", field) from exc


def check_label(name: Any, field: str, what: str) -> str:
    """An RFC 1123 label: lowercase letters, digits and '-', at most 63 characters."""
    text = _text(name)
    if not text:
        raise ActionInputError(f"{what} is required", field)
    if len(text) > 63 or not _LABEL.match(text):
        raise ActionInputError(
            f"{what} {text!r} is not a valid name: lowercase letters, digits and '-', "
            "starting and ending with a letter or digit, at most 63 characters (RFC 1123 label)",
            field,
        )
    return text


def check_label_value(value: Any, field: str, what: str) -> str:
    """A non-empty label-safe string: letters, digits, '-', '_', '.', alphanumeric at both ends, ≤ 63."""
    text = _text(value)
    if not text:
        raise ActionInputError(f"{what} is required", field)
    if len(text) > 63 or not _LABEL_VALUE.match(text):
        raise ActionInputError(
            f"{what} {text!r} must be label-safe: letters, digits, '-', '_' and '.', "
            "starting and ending with a letter or digit, at most 63 characters",
            field,
        )
    return text


def check_storage_uri(uri: Any, field: str = "storage_uri") -> str:
    text = _text(uri)
    if not text:
        raise ActionInputError("storageUri is required", field)
    scheme = next((s for s in STORAGE_SCHEMES if text.startswith(s)), None)
    if scheme is None:
        raise ActionInputError(
            f"storageUri {text!r} has an unsupported scheme; use one of {', '.join(STORAGE_SCHEMES)}", field
        )
    rest = text[len(scheme) :]
    if not rest.strip("/"):
        raise ActionInputError(f"storageUri {text!r} names no model after {scheme}", field)
    if any(c.isspace() or ord(c) < 32 for c in text):
        raise ActionInputError("storageUri must not contain spaces or control characters", field)
    if scheme == "pvc://":
        claim = rest.split("/", 1)[0]
        if not _SUBDOMAIN.match(claim):
            raise ActionInputError(
                f"pvc:// must start with a PersistentVolumeClaim name (got {claim!r}): pvc://<claim>/<path>", field
            )
    return text


def _model_name(value: Any, field: str) -> str:
    text = _text(value)
    if not text:
        raise ActionInputError("modelName is required", field)
    if any(c.isspace() or ord(c) < 32 for c in text):
        raise ActionInputError(f"modelName {text!r} must not contain spaces or control characters", field)
    return text


def _replicas(n: int) -> str:
    return f"{n} replica{'' if n == 1 else 's'}"


def _summary(verb: str, ref: ObjectRef, rest: str = "") -> str:
    return f"{verb} {ref.describe()}{' ' + rest if rest else ''}"


def _require_kind(ref: ObjectRef, kind: str, action: str) -> None:
    if ref.kind != kind:
        raise ActionInputError(f"{action} is for {kind}s, not {ref.kind}s")


# ----------------------------------------------------------------------------- scale
def scale_deployment(ref: ObjectRef, obj: Mapping[str, Any], replicas: Any) -> Mutation:
    """``spec.replicas`` of a Deployment (strategic merge patch, like ``kubectl scale``)."""
    _require_kind(ref, "Deployment", "scale")
    n = parse_count(replicas, "replicas", "replicas")
    if dig(obj, "spec", "replicas") == n:
        raise ActionInputError(f"the Deployment already has {_replicas(n)}", "replicas")
    return Mutation(
        Verb.PATCH,
        ref,
        {"spec": {"replicas": n}},
        PatchType.STRATEGIC,
        summary=_summary("scale", ref, f"to {_replicas(n)}"),
    )


def _min_max(min_replicas: Any, max_replicas: Any, min_floor: int = 0) -> tuple[int, int]:
    low = parse_count(min_replicas, "min_replicas", "minReplicas", min_floor)
    high = parse_count(max_replicas, "max_replicas", "maxReplicas", max(min_floor, 0))
    if low > high:
        raise ActionInputError(f"minReplicas ({low}) must not be more than maxReplicas ({high})", "min_replicas")
    return low, high


def scale_inferenceservice(ref: ObjectRef, obj: Mapping[str, Any], min_replicas: Any, max_replicas: Any) -> Mutation:
    """``spec.predictor.minReplicas/maxReplicas`` (merge patch: a CRD)."""
    _require_kind(ref, "InferenceService", "scale")
    low, high = _min_max(min_replicas, max_replicas)
    pred = as_map(dig(obj, "spec", "predictor"))
    if pred.get("minReplicas") == low and pred.get("maxReplicas") == high:
        raise ActionInputError(f"the predictor already has minReplicas {low} and maxReplicas {high}", "min_replicas")
    return Mutation(
        Verb.PATCH,
        ref,
        {"spec": {"predictor": {"minReplicas": low, "maxReplicas": high}}},
        PatchType.MERGE,
        summary=_summary("scale", ref, f"to {low}–{high} replicas"),
    )


def _bento_version(ref: ObjectRef) -> None:
    if ref.version != BENTO_VERSION:
        raise ActionInputError(
            f"this cluster serves BentoDeployment as {ref.api_version}; quick actions know "
            f"{ref.group}/{BENTO_VERSION} only — edit the object (e) instead"
        )


def scale_bentodeployment(ref: ObjectRef, obj: Mapping[str, Any], min_replicas: Any, max_replicas: Any) -> Mutation:
    """``spec.autoscaling.{minReplicas,maxReplicas}`` of a v2alpha1 BentoDeployment (merge patch).

    Yatai turns ``autoscaling`` into a HorizontalPodAutoscaler, and an HPA needs
    ``minReplicas`` ≥ 1 (scale to zero is an alpha feature gate), so 0 is refused.
    The CRD requires both keys, so both are always sent.
    """
    _require_kind(ref, "BentoDeployment", "scale")
    _bento_version(ref)
    low, high = _min_max(min_replicas, max_replicas, min_floor=1)
    auto = as_map(dig(obj, "spec", "autoscaling"))
    if auto.get("minReplicas") == low and auto.get("maxReplicas") == high:
        raise ActionInputError(f"autoscaling is already {low}–{high} replicas", "min_replicas")
    return Mutation(
        Verb.PATCH,
        ref,
        {"spec": {"autoscaling": {"minReplicas": low, "maxReplicas": high}}},
        PatchType.MERGE,
        summary=_summary("scale", ref, f"to {low}–{high} replicas"),
    )


# ----------------------------------------------------------------------------- InferenceStack readers
def stack_applications(obj: Mapping[str, Any]) -> Mapping[str, Any]:
    return as_map(dig(obj, "spec", "applications"))


def reader_names(obj: Mapping[str, Any]) -> list[str]:
    return sorted(k for k in stack_applications(obj) if isinstance(k, str))


def _merge_values(template: Any, overrides: Any) -> Any:
    """The chart's deep merge (maps merge, other values replace, None keeps the template)."""
    if overrides is None:
        return copy.deepcopy(template)
    if isinstance(template, dict) and isinstance(overrides, dict):
        merged = dict(copy.deepcopy(dict(template)))
        for key, value in overrides.items():
            merged[key] = _merge_values(template.get(key), value)
        return merged
    return copy.deepcopy(overrides)


def reader_values(obj: Mapping[str, Any], reader: str) -> dict[str, Any]:
    """A reader's effective values: ``applicationTemplate`` deep-merged with its overrides."""
    template = as_map(dig(obj, "spec", "applicationTemplate"))
    overrides = stack_applications(obj).get(reader)
    merged = _merge_values(template, overrides if isinstance(overrides, dict) else None)
    return dict(merged) if isinstance(merged, dict) else {}


def _reader(obj: Mapping[str, Any], reader: Any) -> str:
    name = _text(reader)
    if not name:
        raise ActionInputError("choose a reader", "reader")
    if name not in stack_applications(obj):
        have = ", ".join(reader_names(obj)) or "none"
        raise ActionInputError(f"no reader {name!r} in this InferenceStack (readers: {have})", "reader")
    return name


def pointer(*parts: str) -> str:
    """An RFC 6901 JSON pointer ("nvidia.com/gpu" → "nvidia.com~1gpu")."""
    return "".join("/" + str(p).replace("~", "~0").replace("/", "~1") for p in parts)


def _merged(old: Any, change: Any) -> Any:
    """``old`` with a merge-style ``change`` applied (None removes a key)."""
    if not isinstance(change, Mapping):
        return copy.deepcopy(change)
    out = copy.deepcopy(dict(old)) if isinstance(old, Mapping) else {}
    for key, value in change.items():
        if value is None:
            out.pop(key, None)
            continue
        out[key] = _merged(out.get(key), value)
        if out[key] == {} and isinstance(value, Mapping) and all(v is None for v in value.values()):
            out.pop(key)  # removing every key of a map removes the map
    return out


def _diff_ops(path: tuple[str, ...], old: Any, new: Any) -> list[dict[str, Any]]:
    """JSON patch ops turning ``old`` into ``new`` (maps edited key by key, anything else replaced)."""
    if isinstance(old, Mapping) and isinstance(new, Mapping):
        ops: list[dict[str, Any]] = [{"op": "remove", "path": pointer(*path, k)} for k in old if k not in new]
        for key, value in new.items():
            if key not in old:
                ops.append({"op": "add", "path": pointer(*path, key), "value": copy.deepcopy(value)})
            elif old[key] != value:
                ops.extend(_diff_ops((*path, key), old[key], value))
        return ops
    return [{"op": "replace", "path": pointer(*path), "value": copy.deepcopy(new)}]


def _reader_patch(
    ref: ObjectRef, obj: Mapping[str, Any], reader: str, change: Mapping[str, Any], summary: str
) -> Mutation:
    """A JSON patch: ``test`` that the reader's entry is still what was read, then edit only what changed."""
    path = ("spec", "applications", reader)
    entry = stack_applications(obj).get(reader)
    ops: list[dict[str, Any]] = [{"op": "test", "path": pointer(*path), "value": copy.deepcopy(entry)}]
    ops.extend(
        _diff_ops(path, entry if isinstance(entry, Mapping) else {}, _merged(entry, change))
        if isinstance(entry, Mapping)
        else [{"op": "replace", "path": pointer(*path), "value": _merged({}, change)}]
    )
    return Mutation(Verb.PATCH, ref, ops, PatchType.JSON, summary=summary)


def scale_reader(ref: ObjectRef, obj: Mapping[str, Any], reader: Any, replicas: Any) -> Mutation:
    """``spec.applications.<reader>.replicaCount`` (JSON patch guarded by a ``test`` of the reader's entry)."""
    _require_kind(ref, "InferenceStack", "scale")
    name = _reader(obj, reader)
    n = parse_count(replicas, "replicas", "replicas")
    values = reader_values(obj, name)
    if as_map(values.get("scaling")).get("enabled") is True:
        raise ActionInputError(
            f"reader {name!r} is autoscaled (scaling.enabled: KEDA sets its replicas and the "
            "chart ignores replicaCount); change scaling.spec with edit (e)",
            "replicas",
        )
    if as_map(stack_applications(obj).get(name)).get("replicaCount") == n:
        raise ActionInputError(f"reader {name!r} already has replicaCount {n}", "replicas")
    return _reader_patch(
        ref, obj, name, {"replicaCount": n}, _summary("scale", ref, f"reader {name} to {_replicas(n)}")
    )


def change_reader_model(
    ref: ObjectRef, obj: Mapping[str, Any], reader: Any, model_name: Any, consumer_group: Any
) -> Mutation:
    """``readerConfig.modelName`` / ``readerConfig.consumerGroup`` of a reader (JSON patch guarded by ``test``)."""
    _require_kind(ref, "InferenceStack", "change model")
    name = _reader(obj, reader)
    model = _model_name(model_name, "model_name")
    group = check_label_value(consumer_group, "consumer_group", "consumerGroup")
    current = as_map(reader_values(obj, name).get("readerConfig"))
    change: dict[str, Any] = {}
    if current.get("modelName") != model:
        change["modelName"] = model
    if current.get("consumerGroup") != group:
        change["consumerGroup"] = group
    if not change:
        raise ActionInputError(f"reader {name!r} already serves {model} in consumer group {group}", "model_name")
    what = ", ".join(f"{k} {v}" for k, v in change.items())
    return _reader_patch(ref, obj, name, {"readerConfig": change}, _summary("set", ref, f"reader {name}: {what}"))


def add_reader(
    ref: ObjectRef, obj: Mapping[str, Any], name: Any, model_name: Any, device: Any, consumer_group: Any, replicas: Any
) -> Mutation:
    """A new entry of ``spec.applications`` (JSON patch: ``test`` the readers are those read, then ``add``)."""
    _require_kind(ref, "InferenceStack", "add reader")
    reader = check_label(name, "name", "reader name")
    if reader in stack_applications(obj):
        raise ActionInputError(f"reader {reader!r} already exists in this InferenceStack", "name")
    model = _model_name(model_name, "model_name")
    dev = _text(device)
    if dev not in DEVICES:
        raise ActionInputError(f"device must be one of {', '.join(DEVICES)} (got {dev!r})", "device")
    group = check_label_value(consumer_group, "consumer_group", "consumerGroup")
    n = parse_count(replicas, "replicas", "replicas")
    # The reader's Deployment and Service are named <fullname>-<reader>; a Service name is a 63-char label.
    object_name = f"{fullname(obj)}-{reader}"
    if len(object_name) > 63:
        raise ActionInputError(
            f"the reader's Service would be named {object_name!r} ({len(object_name)} characters, "
            "more than 63): choose a shorter name",
            "name",
        )
    entry = {"readerConfig": {"modelName": model, "device": dev, "consumerGroup": group}, "replicaCount": n}
    summary = _summary("add reader", ref, f"{reader} ({model} on {dev}, group {group}, {_replicas(n)})")
    apps = dig(obj, "spec", "applications")
    if isinstance(apps, Mapping):
        # The readers must be the ones read: "add" on an existing member would replace a reader added meanwhile.
        ops = [
            {"op": "test", "path": pointer("spec", "applications"), "value": copy.deepcopy(dict(apps))},
            {"op": "add", "path": pointer("spec", "applications", reader), "value": entry},
        ]
    else:
        ops = [
            {"op": "test", "path": pointer("spec"), "value": copy.deepcopy(obj.get("spec"))},
            {"op": "add", "path": pointer("spec", "applications"), "value": {reader: entry}},
        ]
    return Mutation(Verb.PATCH, ref, ops, PatchType.JSON, summary=summary)


def remove_reader(ref: ObjectRef, obj: Mapping[str, Any], reader: Any) -> Mutation:
    """``test`` that the reader's entry is the one read, then ``remove`` it (JSON patch): a stale removal fails."""
    _require_kind(ref, "InferenceStack", "remove reader")
    name = _reader(obj, reader)
    path = pointer("spec", "applications", name)
    ops = [
        {"op": "test", "path": path, "value": copy.deepcopy(stack_applications(obj).get(name))},
        {"op": "remove", "path": path},
    ]
    return Mutation(Verb.PATCH, ref, ops, PatchType.JSON, summary=_summary("remove reader", ref, name))


# ----------------------------------------------------------------------------- change model
def isvc_model_key(obj: Mapping[str, Any]) -> str:
    """The predictor key that holds storageUri/resources: ``model`` or a legacy framework key."""
    pred = as_map(dig(obj, "spec", "predictor"))
    if isinstance(pred.get("model"), Mapping):
        return "model"
    for key in LEGACY_FRAMEWORKS:
        if isinstance(pred.get(key), Mapping):
            return key
    if pred.get("containers"):
        raise ActionInputError(
            "this InferenceService runs custom containers (spec.predictor.containers), "
            "not a model block; edit the object (e) instead"
        )
    raise ActionInputError("this InferenceService has no spec.predictor.model (nor a framework key such as sklearn)")


def change_storage_uri(ref: ObjectRef, obj: Mapping[str, Any], storage_uri: Any) -> Mutation:
    """``spec.predictor.model.storageUri`` (or ``spec.predictor.<framework>.storageUri``), merge patch."""
    _require_kind(ref, "InferenceService", "change model")
    uri = check_storage_uri(storage_uri)
    key = isvc_model_key(obj)
    block = as_map(dig(obj, "spec", "predictor", key))
    if block.get("storage") and not block.get("storageUri"):
        raise ActionInputError(
            f"the predictor reads its model from spec.predictor.{key}.storage (a storage key and "
            "path); edit the object (e) to change it",
            "storage_uri",
        )
    if block.get("storageUri") == uri:
        raise ActionInputError(f"the predictor already loads {uri}", "storage_uri")
    return Mutation(
        Verb.PATCH,
        ref,
        {"spec": {"predictor": {key: {"storageUri": uri}}}},
        PatchType.MERGE,
        summary=_summary("change model of", ref, f"to {uri}"),
    )


def change_bento(ref: ObjectRef, obj: Mapping[str, Any], bento: Any) -> Mutation:
    """``spec.bento`` of a v2alpha1 BentoDeployment: the name of a Bento (or its BentoRequest) in the namespace."""
    _require_kind(ref, "BentoDeployment", "change model")
    _bento_version(ref)
    name = _text(bento)
    if not name:
        raise ActionInputError("bento is required", "bento")
    if ":" in name:
        raise ActionInputError(
            f"{name!r} looks like a bento tag (repository:version); spec.bento names a Bento "
            "object in this namespace, e.g. summarizer-b4zq5h",
            "bento",
        )
    if len(name) > 253 or not _SUBDOMAIN.match(name):
        raise ActionInputError(
            f"bento {name!r} is not a valid object name (lowercase letters, digits, '-' and '.')", "bento"
        )
    if dig(obj, "spec", "bento") == name:
        raise ActionInputError(f"the BentoDeployment already runs {name}", "bento")
    return Mutation(
        Verb.PATCH,
        ref,
        {"spec": {"bento": name}},
        PatchType.MERGE,
        summary=_summary("change bento of", ref, f"to {name}"),
    )


# ----------------------------------------------------------------------------- resources
def _same_quantity(a: Any, b: Any) -> bool:
    if a is None or b is None:
        return a is None and b is None
    try:
        return parse_quantity(a) == parse_quantity(b)
    except ActionInputError:
        return _text(a) == _text(b)


def _wanted_resources(gpu_key: str, gpus: Any, memory_request: Any, memory_limit: Any) -> dict[str, dict[str, Any]]:
    """{"requests": {key: value or None}, "limits": {...}}; None = no such key."""
    n = parse_count(gpus, "gpus", "GPUs")
    req = _text(memory_request)
    lim = _text(memory_limit)
    req_q = parse_quantity(req, "memory_request", "memory request") if req else None
    lim_q = parse_quantity(lim, "memory_limit", "memory limit") if lim else None
    if req_q is not None and lim_q is not None and req_q > lim_q:
        raise ActionInputError(f"memory request {req} is more than the limit {lim}", "memory_request")
    gpu = str(n) if n else None  # extended resources: requests and limits must be equal
    return {"requests": {gpu_key: gpu, "memory": req or None}, "limits": {gpu_key: gpu, "memory": lim or None}}


def _resources_change(
    current: Any, wanted: Mapping[str, Mapping[str, Any]], floor: Any = None
) -> tuple[dict[str, Any], dict[str, Any]]:
    """(merge-style change of the resources map, the new resources map).

    ``floor`` is what applies when a key is absent (an InferenceStack's template): a
    removal that would fall back to a template value is written as "0" for GPUs and
    refused for memory.
    """
    cur = as_map(current)
    base = as_map(floor)
    change: dict[str, Any] = {}
    new: dict[str, Any] = copy.deepcopy(dict(cur))
    for section in ("requests", "limits"):
        have = as_map(cur.get(section))
        under = as_map(base.get(section))
        part: dict[str, Any] = {}
        for key, value in wanted[section].items():
            effective = have.get(key, under.get(key))
            if value is None and key in under and key not in ("memory",):
                value = "0"  # cannot unset a template GPU from an override: ask for none
            if value is None and key in under:
                raise ActionInputError(
                    f"the applicationTemplate sets {section}.{key} {under[key]} for every reader; "
                    "give this reader a value",
                    "memory_request" if section == "requests" else "memory_limit",
                )
            if _same_quantity(effective, value):
                continue
            if value is None and key not in have:
                continue
            part[key] = value
            if value is None:
                new.get(section, {}).pop(key, None)
            else:
                new.setdefault(section, {})[key] = value
        if part:
            change[section] = part
        if section in new and not new[section]:
            new.pop(section)
    if not change:
        raise ActionInputError("nothing to change: these are the current GPUs and memory", "gpus")
    return change, new


def _resources_text(wanted: Mapping[str, Mapping[str, Any]], gpu_key: str) -> str:
    gpus = wanted["limits"].get(gpu_key) or "0"
    req = wanted["requests"].get("memory") or "-"
    lim = wanted["limits"].get("memory") or "-"
    return f"{gpus} GPU, memory {req} request / {lim} limit"


def set_isvc_resources(
    ref: ObjectRef, obj: Mapping[str, Any], gpus: Any, memory_request: Any, memory_limit: Any
) -> Mutation:
    """GPUs (nvidia.com/gpu) and memory of ``spec.predictor.model.resources`` (or the framework key), merge patch."""
    _require_kind(ref, "InferenceService", "resources")
    key = isvc_model_key(obj)
    wanted = _wanted_resources(GPU, gpus, memory_request, memory_limit)
    change, _ = _resources_change(dig(obj, "spec", "predictor", key, "resources"), wanted)
    return Mutation(
        Verb.PATCH,
        ref,
        {"spec": {"predictor": {key: {"resources": change}}}},
        PatchType.MERGE,
        summary=_summary("set resources of", ref, _resources_text(wanted, GPU)),
    )


def deployment_containers(obj: Mapping[str, Any]) -> list[str]:
    containers = dig(obj, "spec", "template", "spec", "containers")
    return [c["name"] for c in as_list(containers) if isinstance(c, dict) and isinstance(c.get("name"), str)]


def _container(obj: Mapping[str, Any], name: str) -> Mapping[str, Any]:
    for c in as_list(dig(obj, "spec", "template", "spec", "containers")):
        if isinstance(c, dict) and c.get("name") == name:
            return c
    return {}


def set_deployment_resources(
    ref: ObjectRef, obj: Mapping[str, Any], container: Any, gpus: Any, memory_request: Any, memory_limit: Any
) -> Mutation:
    """One container's GPUs and memory (strategic merge patch: ``containers`` merge by name)."""
    _require_kind(ref, "Deployment", "resources")
    name = _text(container)
    if name not in deployment_containers(obj):
        have = ", ".join(deployment_containers(obj)) or "none"
        raise ActionInputError(f"no container {name!r} in this Deployment (containers: {have})", "container")
    wanted = _wanted_resources(GPU, gpus, memory_request, memory_limit)
    change, _ = _resources_change(_container(obj, name).get("resources"), wanted)
    body = {"spec": {"template": {"spec": {"containers": [{"name": name, "resources": change}]}}}}
    return Mutation(
        Verb.PATCH,
        ref,
        body,
        PatchType.STRATEGIC,
        summary=_summary("set resources of", ref, f"container {name}: {_resources_text(wanted, GPU)}"),
    )


def bento_runners(obj: Mapping[str, Any]) -> list[str]:
    runners = dig(obj, "spec", "runners")
    return [r.get("name") for r in as_list(runners) if isinstance(r, dict) and isinstance(r.get("name"), str)]


def set_bentodeployment_resources(
    ref: ObjectRef, obj: Mapping[str, Any], target: Any, gpus: Any, memory_request: Any, memory_limit: Any
) -> Mutation:
    """GPUs and memory of a v2alpha1 BentoDeployment, with Yatai's resource keys (``gpu``, ``memory``).

    ``target`` "" is the API server (``spec.resources``: merge patch); a runner name is
    ``spec.runners[i].resources``, a list element: a JSON patch whose ``test`` ops check
    that index *i* still holds that runner with the resources read, then replaces them.
    """
    _require_kind(ref, "BentoDeployment", "resources")
    _bento_version(ref)
    runner = _text(target)
    wanted = _wanted_resources(YATAI_GPU, gpus, memory_request, memory_limit)
    text = _resources_text(wanted, YATAI_GPU)
    if not runner:
        change, _ = _resources_change(dig(obj, "spec", "resources"), wanted)
        return Mutation(
            Verb.PATCH,
            ref,
            {"spec": {"resources": change}},
            PatchType.MERGE,
            summary=_summary("set resources of", ref, f"API server: {text}"),
        )
    runners = as_list(dig(obj, "spec", "runners"))
    index = next((i for i, r in enumerate(runners) if isinstance(r, dict) and r.get("name") == runner), None)
    if index is None:
        have = ", ".join(bento_runners(obj)) or "none"
        raise ActionInputError(f"no runner {runner!r} in this BentoDeployment (runners: {have})", "target")
    current = runners[index].get("resources")
    _, new = _resources_change(current, wanted)
    base = f"/spec/runners/{index}"
    ops: list[dict[str, Any]] = [{"op": "test", "path": f"{base}/name", "value": runner}]
    if current is not None:
        ops.append({"op": "test", "path": f"{base}/resources", "value": copy.deepcopy(current)})
    ops.append({"op": "add", "path": f"{base}/resources", "value": new})
    return Mutation(
        Verb.PATCH, ref, ops, PatchType.JSON, summary=_summary("set resources of", ref, f"runner {runner}: {text}")
    )


def set_reader_resources(
    ref: ObjectRef, obj: Mapping[str, Any], reader: Any, gpus: Any, memory_request: Any, memory_limit: Any
) -> Mutation:
    """A reader's GPUs and memory (``spec.applications.<reader>.resources``; JSON patch guarded by ``test``)."""
    _require_kind(ref, "InferenceStack", "resources")
    name = _reader(obj, reader)
    wanted = _wanted_resources(GPU, gpus, memory_request, memory_limit)
    template = dig(obj, "spec", "applicationTemplate", "resources")
    override = as_map(stack_applications(obj).get(name)).get("resources")
    change, _ = _resources_change(override, wanted, floor=template)
    return _reader_patch(
        ref,
        obj,
        name,
        {"resources": change},
        _summary("set resources of", ref, f"reader {name}: {_resources_text(wanted, GPU)}"),
    )


def current_resources(resources: Any, gpu_key: str = GPU, floor: Any = None) -> dict[str, str]:
    """Form values for a resources map: gpus, memory_request, memory_limit (the template under it)."""
    eff = _merge_values(as_map(floor), as_map(resources)) if floor else as_map(resources)
    req, lim = as_map(as_map(eff).get("requests")), as_map(as_map(eff).get("limits"))
    gpu = lim.get(gpu_key, req.get(gpu_key))
    return {
        "gpus": _text(gpu) or "0",
        "memory_request": _text(req.get("memory")),
        "memory_limit": _text(lim.get("memory")),
    }


# ----------------------------------------------------------------------------- stop / start
def isvc_stopped(obj: Mapping[str, Any]) -> bool:
    """Stopped by the annotation (what this action writes; KServe compares it case-insensitively)."""
    value = as_map(meta(obj, "annotations", None)).get(STOP_ANNOTATION)
    return isinstance(value, str) and value.strip().lower() == "true"


def stop_inferenceservice(ref: ObjectRef, obj: Mapping[str, Any]) -> Mutation:
    _require_kind(ref, "InferenceService", "stop")
    if isvc_stopped(obj):
        raise ActionInputError("the InferenceService is already stopped")
    return Mutation(
        Verb.PATCH,
        ref,
        {"metadata": {"annotations": {STOP_ANNOTATION: "true"}}},
        PatchType.MERGE,
        summary=_summary("stop", ref, "(KServe deletes its serving resources)"),
    )


def start_inferenceservice(ref: ObjectRef, obj: Mapping[str, Any]) -> Mutation:
    _require_kind(ref, "InferenceService", "start")
    if not isvc_stopped(obj):
        raise ActionInputError("the InferenceService is not stopped")
    return Mutation(
        Verb.PATCH,
        ref,
        {"metadata": {"annotations": {STOP_ANNOTATION: None}}},
        PatchType.MERGE,
        summary=_summary("start", ref, "(removes the stop annotation)"),
    )


def toggle_stop(ref: ObjectRef, obj: Mapping[str, Any]) -> Mutation:
    return start_inferenceservice(ref, obj) if isvc_stopped(obj) else stop_inferenceservice(ref, obj)


# ----------------------------------------------------------------------------- rollout restart
def rfc3339(now: datetime | None = None) -> str:
    now = now or datetime.now(timezone.utc)
    if now.tzinfo is None:
        now = now.replace(tzinfo=timezone.utc)
    return now.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def restart_deployment(ref: ObjectRef, obj: Mapping[str, Any], now: datetime | None = None, why: str = "") -> Mutation:
    """``kubectl rollout restart``: the pod template's restartedAt annotation (strategic merge patch)."""
    _require_kind(ref, "Deployment", "restart")
    if dig(obj, "spec", "paused") is True:
        raise ActionInputError("the Deployment is paused: resume the rollout first (kubectl refuses too)")
    body = {"spec": {"template": {"metadata": {"annotations": {RESTARTED_AT: rfc3339(now)}}}}}
    return Mutation(Verb.PATCH, ref, body, PatchType.STRATEGIC, summary=_summary("restart", ref, why))


def deployments_to_restart(
    kind: str, owner: Mapping[str, Any], deployments: Iterable[Mapping[str, Any]]
) -> list[Mapping[str, Any]]:
    """The Deployments a rollout restart of an InferenceService, BentoDeployment or InferenceStack restarts.

    These kinds have no pod template of their own, so the console restarts the
    Deployments their controller made (the same annotation on each pod template).  A
    Serverless (Knative) InferenceService is refused: Knative owns those Deployments and
    writes its own template back.
    """
    ns, name, uid = namespace_of(owner), name_of(owner), as_str(meta(owner, "uid"))
    if kind == "InferenceService":
        mode = (
            as_map(meta(owner, "annotations", None)).get("serving.kserve.io/deploymentMode")
            or dig(owner, "status", "deploymentMode")
            or ""
        )
        if mode != "RawDeployment":
            raise ActionInputError(
                "restart is only available for RawDeployment InferenceServices: in Serverless "
                "mode Knative owns the Deployments and reverts template changes (change the "
                "spec to roll a new revision)"
            )
        labels = {"serving.kserve.io/inferenceservice": name}
    elif kind == "BentoDeployment":
        labels = {"yatai.ai/bento-deployment": name}
    elif kind == "InferenceStack":
        labels = {"app.kubernetes.io/instance": name}
    else:
        raise ActionInputError(f"restart is not available for {kind}s")
    # Owned by the object (an object without a uid owns nothing), or carrying its controller's labels.
    found = [
        d
        for d in deployments
        if namespace_of(d) == ns and ((uid and uid in owner_uids(d)) or labels_match(meta(d, "labels", None), labels))
    ]
    if not found:
        reason = " (it is stopped)" if kind == "InferenceService" and isvc_stopped(owner) else ""
        raise ActionInputError(f"no Deployments of {kind} {ns}/{name} to restart{reason}")
    return sorted(found, key=name_of)


# ----------------------------------------------------------------------------- delete
def delete_object(ref: ObjectRef, obj: Mapping[str, Any], confirm: Any) -> Mutation:
    """DELETE with a resourceVersion precondition; ``confirm`` must be the object's name, typed."""
    typed = confirm if isinstance(confirm, str) else ""
    if typed.strip() != ref.name:
        raise ActionInputError(
            f"type the name {ref.name!r} exactly to delete it"
            + (f" (you typed {typed.strip()!r})" if typed.strip() else ""),
            "confirm",
        )
    return Mutation(Verb.DELETE, ref, resource_version=_rv(obj), summary=_summary("delete", ref))


# ----------------------------------------------------------------------------- create from preset
def isvc_ref(namespace: str, name: str) -> ObjectRef:
    group, version, plural, kind = ISVC_API
    return ObjectRef(group, version, plural, kind, True, namespace, name)


def inferenceservice_from_preset(
    name: Any, namespace: Any, preset: Any, presets: Mapping[str, Mapping[str, Any]], gpus: Any = ""
) -> dict[str, Any]:
    """A full ``serving.kserve.io/v1beta1`` InferenceService from a ``model-config`` preset.

    ``presets`` is :func:`console.catalog.presets.model_presets` of the namespace's
    ConfigMap; ``gpus`` "" keeps the preset's GPU count.
    """
    isvc = _text(name)
    if not isvc:
        raise ActionInputError("name is required", "name")
    if len(isvc) > 63 or not _ISVC_NAME.match(isvc):
        raise ActionInputError(
            f"name {isvc!r} is not valid: an RFC 1123 label (lowercase letters, digits, '-', "
            "at most 63) that starts with a letter, as KServe requires",
            "name",
        )
    ns = check_label(namespace, "namespace", "namespace")
    key = _text(preset)
    if not key:
        raise ActionInputError(f"choose a preset ({', '.join(sorted(presets)) or 'none defined'})", "preset")
    if key not in presets:
        have = ", ".join(sorted(presets)) or "none: the model-config ConfigMap defines no valid preset"
        raise ActionInputError(f"no preset {key!r} in the model-config ConfigMap of {ns} (presets: {have})", "preset")
    chosen = presets[key]
    uri = check_storage_uri(chosen.get("storageUri"), "preset")
    fmt = _text(chosen.get("modelFormat"))
    if not fmt:
        raise ActionInputError(f"preset {key!r} has no modelFormat", "preset")
    count = (
        parse_count(chosen.get("gpus") or 0, "preset", f"preset {key!r} gpus")
        if _text(gpus) == ""
        else parse_count(gpus, "gpus", "GPUs")
    )
    memory = _text(chosen.get("memory"))
    if memory:
        parse_quantity(memory, "preset", f"preset {key!r} memory")
    model: dict[str, Any] = {"modelFormat": {"name": fmt}}
    runtime = _text(chosen.get("runtime"))
    if runtime:
        model["runtime"] = runtime
    model["storageUri"] = uri
    resources: dict[str, dict[str, str]] = {}
    for section in ("requests", "limits"):
        part: dict[str, str] = {}
        if memory:
            part["memory"] = memory
        if count:
            part[GPU] = str(count)
        if part:
            resources[section] = part
    if resources:
        model["resources"] = resources
    group, version, _, kind = ISVC_API
    return {
        "apiVersion": f"{group}/{version}",
        "kind": kind,
        "metadata": {"name": isvc, "namespace": ns},
        "spec": {"predictor": {"model": model}},
    }


def create_inferenceservice(
    name: Any, namespace: Any, preset: Any, presets: Mapping[str, Mapping[str, Any]], gpus: Any = ""
) -> Mutation:
    body = inferenceservice_from_preset(name, namespace, preset, presets, gpus)
    md = body["metadata"]
    ref = isvc_ref(md["namespace"], md["name"])
    count = dig(body, "spec", "predictor", "model", "resources", "limits", GPU) or "0"
    return Mutation(
        Verb.CREATE, ref, body, summary=_summary("create", ref, f"from preset {_text(preset)} ({count} GPU)")
    )
