"""How the Model Registry is shown (pure): models, versions, artifacts, serving environments, inference services."""

from __future__ import annotations

from typing import Any, Mapping

from inference_console.catalog.base import age_column, column
from inference_console.catalog.view import OK, Health, HealthResult, KindView
from inference_console.sources.registries import SECTION

MODELS = "mr.models"
VERSIONS = "mr.versions"
ARTIFACTS = "mr.artifacts"
ENVIRONMENTS = "mr.environments"
SERVICES = "mr.inferenceservices"
ISVC_KEY = "inferenceservices.serving.kserve.io"


def _name(record: Mapping[str, Any]) -> str:
    return str((record.get("metadata") or {}).get("name", ""))


def served_by(record: Mapping[str, Any]) -> list[str]:
    prefix = ISVC_KEY + "/"
    return [link[len(prefix) :] for link in record.get("links") or () if link.startswith(prefix)]


def custom_properties(record: Mapping[str, Any]) -> dict[str, str]:
    """``customProperties`` as text: the value of each tagged MetadataValue."""
    out = {}
    for key, value in (record.get("customProperties") or {}).items():
        if isinstance(value, dict):
            kind = str(value.get("metadataType", ""))
            field = next((k for k in value if k.endswith("_value")), None)
            out[str(key)] = str(value.get(field, "")) if field else kind
    return out


def version_health(record: Mapping[str, Any]) -> HealthResult:
    if record.get("state") == "ARCHIVED":
        serving = served_by(record)
        if serving:
            return HealthResult(Health.FAILED, f"ARCHIVED but still served by {', '.join(serving)}")
        return HealthResult(Health.UNKNOWN, "archived")
    return OK


def service_health(record: Mapping[str, Any]) -> HealthResult:
    if record.get("versionState") == "ARCHIVED" and record.get("desiredState", "DEPLOYED") == "DEPLOYED":
        return HealthResult(Health.FAILED, f"serves ARCHIVED version {record.get('versionName', '')}")
    if record.get("desiredState") == "UNDEPLOYED":
        return HealthResult(Health.UNKNOWN, "undeployed")
    return OK


def _props(record: Mapping[str, Any]) -> str:
    return ", ".join(f"{k}={v}" for k, v in custom_properties(record).items())


def version_summary(record: Mapping[str, Any]) -> list[tuple[str, str]]:
    pairs = [
        ("Model", str(record.get("modelName", ""))),
        ("Version", str(record.get("name", ""))),
        ("Id", str(record.get("id", ""))),
        ("State", str(record.get("state", ""))),
        ("Author", str(record.get("author", ""))),
        ("Description", str(record.get("description", ""))),
        ("Artifact URI", str(record.get("artifactUri", "") or "press 2 (YAML) to read the artifacts")),
        ("Format", " ".join(x for x in (record.get("modelFormat", ""), record.get("modelFormatVersion", "")) if x)),
        ("Served by", ", ".join(served_by(record)) or "no InferenceService in view serves it"),
        ("Registry inference services", ", ".join(record.get("registryServices") or ())),
        ("Custom properties", _props(record)),
    ]
    return [(k, v) for k, v in pairs if v]


def _view(key: str, kind: str, aliases: tuple[str, ...], order: int, columns: tuple, health, summary) -> KindView:
    return KindView(
        key=key,
        kind=kind,
        namespaced=False,
        section=SECTION,
        order=order,
        source="model_registry",
        aliases=aliases,
        tabs=("summary", "yaml"),
        columns=columns,
        health=health,
        summary=summary,
        namespace_of=lambda r: "",
    )


def _generic_summary(record: Mapping[str, Any]) -> list[tuple[str, str]]:
    skip = {"metadata", "customProperties", "kind", "links"}
    pairs = [(k, str(v)) for k, v in record.items() if k not in skip and v not in (None, "", [], {})]
    if record.get("customProperties"):
        pairs.append(("customProperties", _props(record)))
    return pairs


MODEL_VIEW = _view(
    MODELS,
    "Registered Model",
    ("rm", "registeredmodels", "mrmodels"),
    20,
    (
        column("NAME", _name, min_width=12),
        column("ID", lambda r: r.get("id", ""), justify="right", sort=lambda r: int(r.get("id") or 0)),
        column("STATE", lambda r: r.get("state", "")),
        column("OWNER", lambda r: r.get("owner", ""), priority=2),
        column("VERSIONS", lambda r: r.get("versions", 0), justify="right", priority=1),
        column("DESCRIPTION", lambda r: r.get("description", ""), priority=3, max_width=60),
        age_column(),
    ),
    lambda r: HealthResult(Health.UNKNOWN, "archived") if r.get("state") == "ARCHIVED" else OK,
    _generic_summary,
)

VERSION_VIEW = _view(
    VERSIONS,
    "Model Version",
    ("mv", "modelversions", "mrversions"),
    21,
    (
        column("MODEL", lambda r: r.get("modelName", ""), min_width=12, max_width=40),
        column("VERSION", lambda r: r.get("name", ""), min_width=6),
        column("ID", lambda r: r.get("id", ""), justify="right", priority=2, sort=lambda r: int(r.get("id") or 0)),
        column("STATE", lambda r: r.get("state", ""), min_width=8),
        column("FORMAT", lambda r: r.get("modelFormat", ""), priority=2),
        column("URI", lambda r: r.get("artifactUri", ""), priority=3, max_width=50),
        column("SERVED BY", lambda r: ", ".join(served_by(r)), max_width=40),
        column("AUTHOR", lambda r: r.get("author", ""), priority=3),
        age_column(),
    ),
    version_health,
    version_summary,
)

ARTIFACT_VIEW = _view(
    ARTIFACTS,
    "Model Artifact",
    ("ma", "modelartifacts"),
    22,
    (
        column("NAME", _name, min_width=12),
        column("URI", lambda r: r.get("uri", ""), max_width=60),
        column(
            "FORMAT",
            lambda r: " ".join(x for x in (r.get("modelFormatName", ""), r.get("modelFormatVersion", "")) if x),
            priority=1,
        ),
        column("STATE", lambda r: r.get("state", ""), priority=2),
        age_column(),
    ),
    lambda r: OK,
    _generic_summary,
)

ENV_VIEW = _view(
    ENVIRONMENTS,
    "Serving Environment",
    ("se", "servingenvironments"),
    23,
    (
        column("NAME", _name, min_width=12),
        column("ID", lambda r: r.get("id", ""), justify="right"),
        column("DESCRIPTION", lambda r: r.get("description", ""), priority=2, max_width=60),
        age_column(),
    ),
    lambda r: OK,
    _generic_summary,
)

SERVICE_VIEW = _view(
    SERVICES,
    "Registry Inference Service",
    ("ris", "mrisvc"),
    24,
    (
        column("NAME", _name, min_width=12),
        column("ENVIRONMENT", lambda r: r.get("environmentName", ""), priority=1),
        column("MODEL", lambda r: r.get("modelName", "")),
        column("VERSION", lambda r: r.get("versionName", "")),
        column("VERSION STATE", lambda r: r.get("versionState", ""), priority=1),
        column("DESIRED", lambda r: r.get("desiredState", ""), priority=2),
        column("RUNTIME", lambda r: r.get("runtime", ""), priority=3),
        age_column(),
    ),
    service_health,
    _generic_summary,
)

VIEWS = (MODEL_VIEW, VERSION_VIEW, ARTIFACT_VIEW, ENV_VIEW, SERVICE_VIEW)


# ----------------------------------------------------------------------------- quick actions
# Bound to a source by :func:`actions_for` (the registry's writes go through its executor); the
# flow (ui/flows/quick.py) runs them: form → review with a dry run → send → seen in the table.
COLLECTIONS = {"ModelVersion": "model_versions", "RegisteredModel": "registered_models"}
KIND_NAMES = {"ModelVersion": "Model Version", "RegisteredModel": "Registered Model"}


def _selected(ctx: Any) -> Mapping[str, Any]:
    from inference_console.actions.quick import NothingSelected

    if ctx.obj is None:
        raise NothingSelected()
    return ctx.obj


def quick_archive(ctx: Any, writer: Any) -> Any:
    """Archive a LIVE model or version, restore an ARCHIVED one (a review screen confirms it)."""
    from inference_console.actions import registry as R
    from inference_console.actions.quick import Review

    record = _selected(ctx)
    kind = str(record.get("kind", ""))
    collection = COLLECTIONS.get(kind)
    if collection is None:
        raise R.ActionInputError(f"archive/restore is for registered models and model versions, not {kind}")
    name = _name(record)
    mutation = R.toggle_archive(
        kind, collection, name, record.get("state"), writer(collection, str(record.get("id", "")))
    )
    note = ""
    if mutation.body["state"] == R.ARCHIVED:
        serving = served_by(record) if kind == "ModelVersion" else []
        if serving:
            note = f" — still served by {', '.join(serving)}: they keep running, the version shows as failing"
        elif kind == "RegisteredModel":
            note = " — its versions keep their own state"
    return Review(mutation, note=note)


def registry_where(registry: Mapping[str, str]) -> str:
    if registry.get("name"):
        return f"Service {registry.get('namespace', '')}/{registry['name']}"
    return registry.get("url", "") or "unknown (no URL, no ModelRegistry found)"


def quick_deploy(ctx: Any, registry: Any) -> Any:
    """Deploy a version: an InferenceService (new, or the one of that name updated) labelled for the registry."""
    from inference_console.actions import registry as R
    from inference_console.actions.quick import Fetch, FormField, QuickForm, Review

    record = _selected(ctx)
    model, version = str(record.get("modelName", "")), str(record.get("name", ""))
    what = f"{model}/{version}"
    info = dict(registry())
    artifact = str(record.get("artifactUri", ""))
    default_uri = artifact or R.registry_uri(model, version)

    def build(v: Mapping[str, str]) -> Any:
        kwargs = dict(
            model_id=record.get("registeredModelId"),
            version_id=record.get("id"),
            registry=info,
            format_version=record.get("modelFormatVersion", "")
            if v["model_format"].strip() == record.get("modelFormat")
            else "",
            runtime=v["runtime"],
        )
        R.inferenceservice_for_version(v["name"], v["namespace"], v["storage_uri"], v["model_format"], **kwargs)
        ns, name = v["namespace"].strip(), v["name"].strip()

        def made(existing: Any) -> Any:
            mutation = R.deploy_version(
                name, ns, v["storage_uri"], v["model_format"], what=what, existing=existing, **kwargs
            )
            return Review(
                mutation, store_key=ISVC_KEY, before=existing, note=" (updates it)" if existing is not None else ""
            )

        return Fetch(ISVC_KEY, ns, name, made, what=f"InferenceService {ns}/{name}")

    state = " ⚠ this version is ARCHIVED." if record.get("state") == "ARCHIVED" else ""
    intro = (
        f"Serve {what} with KServe.{state} Labels name the registry: {registry_where(info)}. "
        f"storageUri: the artifact URI{' (' + artifact + ')' if artifact else ' (not read yet)'} or "
        f"{R.registry_uri(model, version)} (needs the registry's storage initializer). "
        "An InferenceService of that name is updated."
    )
    return QuickForm(
        f"Deploy {what}",
        (
            FormField(
                "name", "InferenceService name", R.k8s_name(model, version), help="RFC 1123, starts with a letter"
            ),
            FormField("namespace", "Namespace", ctx.namespace),
            FormField("storage_uri", "storageUri", default_uri, help=f"or {R.registry_uri(model, version)}"),
            FormField(
                "model_format",
                "Model format",
                str(record.get("modelFormat", "")),
                placeholder="sklearn, onnx, huggingface…",
                help="from the artifact",
            ),
            FormField("runtime", "Runtime", "", placeholder="auto", help="empty = KServe chooses"),
        ),
        build,
        intro=intro,
    )


def actions_for(writer: Any, registry: Any) -> dict[str, dict[str, Any]]:
    """Quick actions per store key, bound to a source's ``writer(collection, id)`` and ``registry()`` info."""
    archive = {"archive": lambda ctx: quick_archive(ctx, writer)}
    return {MODELS: archive, VERSIONS: {**archive, "deploy": lambda ctx: quick_deploy(ctx, registry)}}
