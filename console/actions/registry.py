"""Registry quick actions as pure functions: archive/restore a Model Registry object, deploy a version.

No Textual and no I/O.  Like :mod:`inference_console.actions.patches`, every builder takes
what was read and what a person typed, checks it and returns a
:class:`~inference_console.actions.types.Mutation` (or raises ``ActionInputError`` naming
the form field).

* **Archive / restore** (Model Registry REST ``PATCH /model_versions/{id}`` or
  ``/registered_models/{id}`` with ``{"state": "ARCHIVED" | "LIVE"}``): the write goes to the
  registry, so the Mutation carries the source's ``executor``; the action layer still refuses
  it in read-only mode and audits it.
* **Deploy a Model Registry version**: a ``serving.kserve.io/v1beta1`` InferenceService whose
  ``spec.predictor.model.storageUri`` is ``model-registry://<model>/<version>`` (resolved by the
  registry's storage initializer) or the artifact's URI, with ``modelFormat`` from the artifact,
  labelled as the Model Registry's InferenceService controller reads them
  (``modelregistry.kubeflow.org/registered-model-id``, ``/model-version-id``, ``/name`` and
  ``/namespace`` of the registry's Service; annotation ``modelregistry.kubeflow.org/url``).  The
  controller writes ``/inference-service-id`` back; nothing here sets it.  An existing
  InferenceService of that name is updated with a merge patch (labels, storageUri, format).
* **Deploy a Yatai bento version**: a ``serving.yatai.ai/v2alpha1`` BentoDeployment whose
  ``spec.bento`` names the Bento (or BentoRequest) object carrying the tag in that namespace
  (v2alpha1's ``spec.bento`` is an object name, not a tag: yatai-deployment reads the Bento by
  name), or, for an existing BentoDeployment, a merge patch of ``spec.bento``.
"""

from __future__ import annotations

import re
from typing import Any, Mapping

from inference_console.actions.patches import (
    ActionInputError,
    _summary,
    change_bento,
    check_label,
    check_storage_uri,
    isvc_model_key,
    isvc_ref,
    parse_count,
)
from inference_console.actions.types import Mutation, ObjectRef, PatchType, Verb
from inference_console.catalog.base import as_map, dig

MR_GROUP, MR_VERSION = "modelregistry.kubeflow.org", "v1alpha3"  # the REST API's version, for the audit log
L_MODEL_ID = "modelregistry.kubeflow.org/registered-model-id"
L_VERSION_ID = "modelregistry.kubeflow.org/model-version-id"
L_REGISTRY_NAME = "modelregistry.kubeflow.org/name"
L_REGISTRY_NAMESPACE = "modelregistry.kubeflow.org/namespace"
L_SERVICE_ID = "modelregistry.kubeflow.org/inference-service-id"  # written back by the controller
A_REGISTRY_URL = "modelregistry.kubeflow.org/url"
SCHEME = "model-registry://"
LIVE, ARCHIVED = "LIVE", "ARCHIVED"
BD_API = ("serving.yatai.ai", "v2alpha1", "bentodeployments", "BentoDeployment")

_ISVC_NAME = re.compile(r"^[a-z]([-a-z0-9]*[a-z0-9])?$")
_SUBDOMAIN = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")


def _text(value: Any) -> str:
    return value.strip() if isinstance(value, str) else ("" if value is None else str(value))


# ----------------------------------------------------------------------------- archive / restore
def registry_ref(kind: str, collection: str, name: str) -> ObjectRef:
    """How the audit log and messages name a Model Registry object (``ModelVersion llama/v3``)."""
    return ObjectRef(MR_GROUP, MR_VERSION, collection, kind, False, None, name)


def set_state(kind: str, collection: str, name: str, current: Any, wanted: str, executor: Any) -> Mutation:
    """PATCH ``{"state": wanted}`` of a registered model or model version, sent by ``executor``."""
    if wanted not in (LIVE, ARCHIVED):
        raise ActionInputError(f"state must be {LIVE} or {ARCHIVED}, not {wanted!r}")
    if _text(current) == wanted:
        raise ActionInputError(f"{kind} {name} is already {wanted}")
    ref = registry_ref(kind, collection, name)
    verb = "archive" if wanted == ARCHIVED else "restore"
    return Mutation(
        Verb.PATCH,
        ref,
        {"state": wanted},
        PatchType.MERGE,
        executor=executor,
        summary=_summary(verb, ref, f"(state {_text(current) or LIVE} → {wanted})"),
    )


def toggle_archive(kind: str, collection: str, name: str, current: Any, executor: Any) -> Mutation:
    """Archive a LIVE object, restore an ARCHIVED one."""
    return set_state(kind, collection, name, current, LIVE if _text(current) == ARCHIVED else ARCHIVED, executor)


# ----------------------------------------------------------------------------- deploy a Model Registry version
def k8s_name(*parts: str, limit: int = 63) -> str:
    """A default object name from free text: lowercase, ``-`` for anything else, starting with a letter."""
    text = re.sub(r"[^a-z0-9]+", "-", "-".join(p for p in parts if p).lower()).strip("-")
    if not text or not text[0].isalpha():
        text = f"m-{text}".rstrip("-")
    return text[:limit].rstrip("-")


def registry_uri(model: str, version: str) -> str:
    return f"{SCHEME}{model}/{version}"


def _isvc_name(value: Any) -> str:
    name = _text(value)
    if not name:
        raise ActionInputError("name is required", "name")
    if len(name) > 63 or not _ISVC_NAME.match(name):
        raise ActionInputError(
            f"name {name!r} is not valid: an RFC 1123 label (lowercase letters, digits, '-', "
            "at most 63) that starts with a letter, as KServe requires",
            "name",
        )
    return name


def _format(value: Any) -> str:
    fmt = _text(value)
    if not fmt:
        raise ActionInputError(
            "the model format is required (the artifact names none): sklearn, onnx, huggingface, xgboost…",
            "model_format",
        )
    if any(c.isspace() or ord(c) < 32 for c in fmt):
        raise ActionInputError(f"model format {fmt!r} must not contain spaces", "model_format")
    return fmt


def registry_labels(
    model_id: Any, version_id: Any, registry: Mapping[str, str]
) -> tuple[dict[str, str], dict[str, str]]:
    """(labels, annotations) the Model Registry's InferenceService controller reads.

    ``registry``: ``name`` and ``namespace`` of the registry's Service (labels, when known) and
    ``url`` (annotation, when known).
    """
    labels = {L_MODEL_ID: _text(model_id), L_VERSION_ID: _text(version_id)}
    if not labels[L_MODEL_ID] or not labels[L_VERSION_ID]:
        raise ActionInputError(
            "the version has no registered model id or no id: reload the registry (it may be half-written)"
        )
    if registry.get("name"):
        labels[L_REGISTRY_NAME] = registry["name"]
    if registry.get("namespace"):
        labels[L_REGISTRY_NAMESPACE] = registry["namespace"]
    annotations = {A_REGISTRY_URL: registry["url"]} if registry.get("url") else {}
    return labels, annotations


def inferenceservice_for_version(
    name: Any,
    namespace: Any,
    storage_uri: Any,
    model_format: Any,
    *,
    model_id: Any,
    version_id: Any,
    registry: Mapping[str, str],
    format_version: Any = "",
    runtime: Any = "",
) -> dict[str, Any]:
    """A full InferenceService serving a Model Registry version."""
    isvc = _isvc_name(name)
    ns = check_label(namespace, "namespace", "namespace")
    uri = check_storage_uri(storage_uri)
    labels, annotations = registry_labels(model_id, version_id, registry)
    fmt: dict[str, str] = {"name": _format(model_format)}
    if _text(format_version):
        fmt["version"] = _text(format_version)
    model: dict[str, Any] = {"modelFormat": fmt}
    if _text(runtime):
        model["runtime"] = check_label(runtime, "runtime", "runtime")
    model["storageUri"] = uri
    md: dict[str, Any] = {"name": isvc, "namespace": ns, "labels": labels}
    if annotations:
        md["annotations"] = annotations
    return {
        "apiVersion": "serving.kserve.io/v1beta1",
        "kind": "InferenceService",
        "metadata": md,
        "spec": {"predictor": {"model": model}},
    }


def deploy_version(
    name: Any,
    namespace: Any,
    storage_uri: Any,
    model_format: Any,
    *,
    model_id: Any,
    version_id: Any,
    what: str,
    registry: Mapping[str, str],
    format_version: Any = "",
    runtime: Any = "",
    existing: Mapping[str, Any] | None = None,
) -> Mutation:
    """Create the InferenceService, or update ``existing`` (the one of that name) to serve the version.

    The update is a merge patch of the labels, the annotation and the predictor's model block
    (``storageUri``; ``modelFormat`` and ``runtime`` too when the block is ``model``).
    """
    body = inferenceservice_for_version(
        name,
        namespace,
        storage_uri,
        model_format,
        model_id=model_id,
        version_id=version_id,
        registry=registry,
        format_version=format_version,
        runtime=runtime,
    )
    md = body["metadata"]
    ref = isvc_ref(md["namespace"], md["name"])
    model = body["spec"]["predictor"]["model"]
    if existing is None:
        return Mutation(Verb.CREATE, ref, body, summary=_summary("create", ref, f"serving {what}"))
    key = isvc_model_key(existing)
    block: dict[str, Any] = {"storageUri": model["storageUri"]}
    if key == "model":
        block = {**{k: v for k, v in model.items() if k != "runtime"}, **block}
        if "runtime" in model:
            block["runtime"] = model["runtime"]
    current = as_map(dig(existing, "spec", "predictor", key))
    old_labels = as_map(dig(existing, "metadata", "labels"))
    if current.get("storageUri") == model["storageUri"] and all(
        old_labels.get(k) == v for k, v in md["labels"].items()
    ):
        raise ActionInputError(f"{ref.describe()} already serves {what} from {model['storageUri']}", "storage_uri")
    patch_md: dict[str, Any] = {"labels": md["labels"]}
    if "annotations" in md:
        patch_md["annotations"] = md["annotations"]
    return Mutation(
        Verb.PATCH,
        ref,
        {"metadata": patch_md, "spec": {"predictor": {key: block}}},
        PatchType.MERGE,
        summary=_summary("update", ref, f"to serve {what}"),
    )


# ----------------------------------------------------------------------------- deploy a Yatai bento version
def bd_ref(namespace: str, name: str) -> ObjectRef:
    group, version, plural, kind = BD_API
    return ObjectRef(group, version, plural, kind, True, namespace, name)


def bentos_with_tag(records: Any, tag: str, namespace: str) -> list[str]:
    """Names of the Bentos (``spec.tag``) or BentoRequests (``spec.bentoTag``) in ``namespace`` carrying ``tag``."""
    found = []
    for record in records:
        md = as_map(record.get("metadata"))
        spec = as_map(record.get("spec"))
        if md.get("namespace") == namespace and tag in (spec.get("tag"), spec.get("bentoTag")) and md.get("name"):
            if md["name"] not in found:
                found.append(str(md["name"]))
    return found


def bentodeployment_for(
    name: Any, namespace: Any, bento: Any, min_replicas: Any = 1, max_replicas: Any = 1
) -> dict[str, Any]:
    """A minimal v2alpha1 BentoDeployment running the Bento object ``bento`` (autoscaling min..max)."""
    bd = check_label(name, "name", "name")
    ns = check_label(namespace, "namespace", "namespace")
    target = _bento_name(bento)
    low = parse_count(min_replicas, "min_replicas", "min replicas", 1)
    high = parse_count(max_replicas, "max_replicas", "max replicas", 1)
    if low > high:
        raise ActionInputError(f"min replicas ({low}) must not be more than max replicas ({high})", "min_replicas")
    group, version, _, kind = BD_API
    return {
        "apiVersion": f"{group}/{version}",
        "kind": kind,
        "metadata": {"name": bd, "namespace": ns},
        "spec": {"bento": target, "autoscaling": {"minReplicas": low, "maxReplicas": high}},
    }


def _bento_name(value: Any) -> str:
    name = _text(value)
    if not name:
        raise ActionInputError("bento is required: the name of a Bento (or BentoRequest) object with this tag", "bento")
    if ":" in name:
        raise ActionInputError(
            f"{name!r} is a tag; spec.bento names a Bento object in the namespace (yatai-image-"
            "builder makes one per BentoRequest)",
            "bento",
        )
    if len(name) > 253 or not _SUBDOMAIN.match(name):
        raise ActionInputError(
            f"bento {name!r} is not a valid object name (lowercase letters, digits, '-' and '.')", "bento"
        )
    return name


def deploy_bento(
    name: Any,
    namespace: Any,
    bento: Any,
    tag: str,
    *,
    min_replicas: Any = 1,
    max_replicas: Any = 1,
    existing: Mapping[str, Any] | None = None,
) -> Mutation:
    """Create a BentoDeployment of ``tag`` (through the Bento object ``bento``), or point ``existing`` at it."""
    body = bentodeployment_for(name, namespace, bento, min_replicas, max_replicas)
    md = body["metadata"]
    ref = bd_ref(md["namespace"], md["name"])
    if existing is None:
        return Mutation(Verb.CREATE, ref, body, summary=_summary("create", ref, f"running {tag}"))
    mutation = change_bento(ref, existing, body["spec"]["bento"])
    return Mutation(
        mutation.verb,
        ref,
        mutation.body,
        mutation.patch_type,
        summary=_summary("update", ref, f"to run {tag} (spec.bento {body['spec']['bento']})"),
    )
