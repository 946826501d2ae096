"""How Yatai's registry is shown (pure): bento and model repositories and versions."""

from __future__ import annotations

from typing import Any, Mapping

from inference_console.catalog.base import age_column, column
from inference_console.catalog.view import OK, Health, HealthResult, KindView
from inference_console.sources.registries import SECTION, human_size

BENTOS = "yatai.bentos"
MODELS = "yatai.models"
BENTO_REPOS = "yatai.bentorepositories"
MODEL_REPOS = "yatai.modelrepositories"
BD_KEY = "bentodeployments.serving.yatai.ai"


def _name(record: Mapping[str, Any]) -> str:
    return str((record.get("metadata") or {}).get("name", ""))


def deployed_by(record: Mapping[str, Any]) -> list[str]:
    """``namespace/name`` of the BentoDeployments that run this version."""
    prefix = BD_KEY + "/"
    return [link[len(prefix) :] for link in record.get("links") or () if link.startswith(prefix)]


def version_health(record: Mapping[str, Any]) -> HealthResult:
    upload, build = record.get("uploadStatus", ""), record.get("imageBuildStatus", "")
    if upload == "failed":
        reason = record.get("uploadFinishedReason") or "upload failed"
        return HealthResult(Health.FAILED, f"upload failed: {reason}")
    if build == "failed":
        return HealthResult(Health.FAILED, "image build failed")
    if upload in ("pending", "uploading"):
        return HealthResult(Health.PROGRESSING, f"upload {upload}")
    if build in ("pending", "building") and record.get("kind") == "YataiBento":
        return HealthResult(Health.PROGRESSING, f"image build {build}")
    obj = record.get("object") or {}
    if obj.get("error"):
        return HealthResult(Health.FAILED, f"archive {obj['error']}")
    return OK


def version_summary(record: Mapping[str, Any]) -> list[tuple[str, str]]:
    obj = record.get("object") or {}
    pairs = [
        ("Tag", _name(record)),
        ("Organization", str(record.get("organization", ""))),
        ("Description", str(record.get("description", ""))),
        ("Creator", str(record.get("creator", ""))),
        ("Upload", str(record.get("uploadStatus", ""))),
        ("Image build", str(record.get("imageBuildStatus", ""))),
        ("Size", human_size(record.get("sizeBytes"))),
        ("Built", str(record.get("buildAt", ""))),
    ]
    if record.get("kind") == "YataiBento":
        pairs.append(("Models", ", ".join(record.get("models") or ())))
        pairs.append(("Deployed by", ", ".join(deployed_by(record)) or "no BentoDeployment in view runs it"))
    else:
        pairs.append(("Used by bentos", ", ".join(record.get("usedBy") or ())))
    if obj:
        pairs.append(("Archive", f"s3://{obj.get('bucket')}/{obj.get('key')}"))
        if obj.get("error"):
            pairs.append(("Archive error", str(obj["error"])))
        else:
            pairs.append(("Archive size", human_size(obj.get("size"))))
            pairs.append(("Presigned URL", str(obj.get("presignedUrl", ""))))
    else:
        pairs.append(("Archive", "press 2 (YAML) to read its size and a download URL from S3"))
    return [(k, v) for k, v in pairs if v]


def repo_summary(record: Mapping[str, Any]) -> list[tuple[str, str]]:
    return [
        ("Repository", _name(record)),
        ("Organization", str(record.get("organization", ""))),
        ("Description", str(record.get("description", ""))),
        ("Creator", str(record.get("creator", ""))),
        ("Versions", str(record.get("versions", 0))),
        ("Latest", str(record.get("latest", ""))),
        ("Versions deployed", str(record.get("deployed", 0))),
    ]


# ----------------------------------------------------------------------------- quick actions
BENTOS_CR = "bentoes.resources.yatai.ai"
BENTOREQUESTS = "bentorequests.resources.yatai.ai"


def quick_deploy(ctx: Any) -> Any:
    """Deploy a bento version: a new BentoDeployment, or the one of that name pointed at it.

    The form starts from the BentoDeployment that runs another version of the same repository
    (deploying an older version is a rollback of it), else a new one named after the repository.
    ``spec.bento`` is the Bento (or BentoRequest) object carrying the tag in the namespace.
    """
    from inference_console.actions import registry as R
    from inference_console.actions.quick import Fetch, FormField, NothingSelected, QuickForm, Review

    record = ctx.obj
    if record is None:
        raise NothingSelected()
    if record.get("kind") != "YataiBento":
        raise R.ActionInputError("deploy is for bento versions")
    tag, repo = _name(record), str(record.get("repository", ""))
    objects = [*ctx.records(BENTOS_CR), *ctx.records(BENTOREQUESTS)]
    running = [
        link
        for other in ctx.records(BENTOS)
        if other.get("repository") == repo and _name(other) != tag
        for link in deployed_by(other)
    ]
    namespace, name = running[0].split("/", 1) if running else (ctx.namespace, R.k8s_name(repo))
    matches = R.bentos_with_tag(objects, tag, namespace)

    def build(v: Mapping[str, str]) -> Any:
        ns, bd = v["namespace"].strip(), v["name"].strip()
        bento = v["bento"].strip()
        if not bento or (ns != namespace and bento == (matches[0] if matches else "")):
            found = R.bentos_with_tag(objects, tag, ns)
            if not found:
                raise R.ActionInputError(
                    f"no Bento or BentoRequest in {ns or '?'} carries {tag}: type the name of "
                    "one (yatai-image-builder makes a Bento from a BentoRequest)",
                    "bento",
                )
            bento = found[0]
        R.bentodeployment_for(bd, ns, bento, v["min_replicas"], v["max_replicas"])  # errors under their fields

        def made(existing: Any) -> Any:
            mutation = R.deploy_bento(
                bd, ns, bento, tag, min_replicas=v["min_replicas"], max_replicas=v["max_replicas"], existing=existing
            )
            return Review(mutation, store_key=BD_KEY, before=existing)

        return Fetch(BD_KEY, ns, bd, made, what=f"BentoDeployment {ns}/{bd}")

    where = f"{running[0]} runs another version of {repo}: deploying updates it (spec.bento). " if running else ""
    listing = ", ".join(matches) or "none — type one, or change the namespace"
    return QuickForm(
        f"Deploy {tag}",
        (
            FormField("name", "BentoDeployment", name, help="an existing one is updated (spec.bento only)"),
            FormField("namespace", "Namespace", namespace),
            FormField(
                "bento",
                "Bento (spec.bento)",
                matches[0] if matches else "",
                help="the Bento object with this tag; empty = find it in the namespace",
            ),
            FormField("min_replicas", "Min replicas", "1", help="new BentoDeployments only"),
            FormField("max_replicas", "Max replicas", "1", help="new BentoDeployments only"),
        ),
        build,
        intro=f"{where}Bentos with tag {tag} in {namespace}: {listing}",
    )


def _version_view(key: str, kind: str, aliases: tuple[str, ...], order: int, bento: bool) -> KindView:
    columns = [
        column("REPOSITORY", lambda r: r.get("repository", ""), min_width=10, max_width=40),
        column("VERSION", lambda r: r.get("version", ""), min_width=10),
        column("UPLOAD", lambda r: r.get("uploadStatus", ""), priority=2),
        column("IMAGE", lambda r: r.get("imageBuildStatus", ""), priority=1 if bento else 3),
        column(
            "SIZE",
            lambda r: human_size(r.get("sizeBytes")),
            priority=2,
            justify="right",
            sort=lambda r: r.get("sizeBytes") or 0,
        ),
    ]
    if bento:
        columns.append(column("MODELS", lambda r: ", ".join(r.get("models") or ()), priority=3, max_width=40))
        columns.append(column("DEPLOYED BY", lambda r: ", ".join(deployed_by(r)), priority=0, max_width=40))
    else:
        columns.append(column("USED BY", lambda r: ", ".join(r.get("usedBy") or ()), priority=2, max_width=40))
    columns += [column("CREATOR", lambda r: r.get("creator", ""), priority=3), age_column()]
    return KindView(
        key=key,
        kind=kind,
        namespaced=False,
        section=SECTION,
        order=order,
        source="yatai",
        aliases=aliases,
        tabs=("summary", "yaml"),
        columns=tuple(columns),
        health=version_health,
        summary=version_summary,
        namespace_of=lambda r: "",
        actions={"deploy": quick_deploy} if bento else {},
    )


def _repo_view(key: str, kind: str, aliases: tuple[str, ...], order: int, versions: str) -> KindView:
    return KindView(
        key=key,
        kind=kind,
        namespaced=False,
        section=SECTION,
        order=order,
        source="yatai",
        aliases=aliases,
        tabs=("summary", "yaml"),
        columns=(
            column("NAME", _name, min_width=10),
            column("VERSIONS", lambda r: r.get("versions", 0), justify="right", sort=lambda r: r.get("versions", 0)),
            column("LATEST", lambda r: r.get("latest", ""), priority=1),
            column("DEPLOYED", lambda r: r.get("deployed", 0), justify="right", priority=1),
            column("DESCRIPTION", lambda r: r.get("description", ""), priority=2, max_width=60),
            age_column(),
        ),
        health=lambda r: OK,
        summary=repo_summary,
        namespace_of=lambda r: "",
        enter=None,
    )


BENTO_VIEW = _version_view(BENTOS, "Yatai Bento", ("ybento", "ybentos", "yb", "bentoversions"), 10, True)
MODEL_VIEW = _version_view(MODELS, "Yatai Model", ("ymodel", "ymodels", "ym"), 12, False)
BENTO_REPO_VIEW = _repo_view(BENTO_REPOS, "Yatai Bento Repo", ("ybrepo", "bentorepos"), 9, BENTOS)
MODEL_REPO_VIEW = _repo_view(MODEL_REPOS, "Yatai Model Repo", ("ymrepo", "modelrepos"), 11, MODELS)
VIEWS = (BENTO_REPO_VIEW, BENTO_VIEW, MODEL_REPO_VIEW, MODEL_VIEW)
