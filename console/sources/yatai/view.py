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
    return [link[len(prefix):] for link in record.get("links") or () if link.startswith(prefix)]


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
        ("Tag", _name(record)), ("Organization", str(record.get("organization", ""))),
        ("Description", str(record.get("description", ""))), ("Creator", str(record.get("creator", ""))),
        ("Upload", str(record.get("uploadStatus", ""))), ("Image build", str(record.get("imageBuildStatus", ""))),
        ("Size", human_size(record.get("sizeBytes"))), ("Built", str(record.get("buildAt", ""))),
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
    return [("Repository", _name(record)), ("Organization", str(record.get("organization", ""))),
            ("Description", str(record.get("description", ""))), ("Creator", str(record.get("creator", ""))),
            ("Versions", str(record.get("versions", 0))), ("Latest", str(record.get("latest", ""))),
            ("Versions deployed", str(record.get("deployed", 0)))]


def _version_view(key: str, kind: str, aliases: tuple[str, ...], order: int, bento: bool) -> KindView:
    columns = [
        column("REPOSITORY", lambda r: r.get("repository", ""), min_width=10, max_width=40),
        column("VERSION", lambda r: r.get("version", ""), min_width=10),
        column("UPLOAD", lambda r: r.get("uploadStatus", ""), priority=2),
        column("IMAGE", lambda r: r.get("imageBuildStatus", ""), priority=1 if bento else 3),
        column("SIZE", lambda r: human_size(r.get("sizeBytes")), priority=2, justify="right",
               sort=lambda r: r.get("sizeBytes") or 0),
    ]
    if bento:
        columns.append(column("MODELS", lambda r: ", ".join(r.get("models") or ()), priority=3, max_width=40))
        columns.append(column("DEPLOYED BY", lambda r: ", ".join(deployed_by(r)), priority=0, max_width=40))
    else:
        columns.append(column("USED BY", lambda r: ", ".join(r.get("usedBy") or ()), priority=2, max_width=40))
    columns += [column("CREATOR", lambda r: r.get("creator", ""), priority=3), age_column()]
    return KindView(key=key, kind=kind, namespaced=False, section=SECTION, order=order, source="yatai",
                    aliases=aliases, tabs=("summary", "yaml"), columns=tuple(columns),
                    health=version_health, summary=version_summary, namespace_of=lambda r: "")


def _repo_view(key: str, kind: str, aliases: tuple[str, ...], order: int, versions: str) -> KindView:
    return KindView(
        key=key, kind=kind, namespaced=False, section=SECTION, order=order, source="yatai", aliases=aliases,
        tabs=("summary", "yaml"),
        columns=(column("NAME", _name, min_width=10), column("VERSIONS", lambda r: r.get("versions", 0), justify="right",
                                                              sort=lambda r: r.get("versions", 0)),
                 column("LATEST", lambda r: r.get("latest", ""), priority=1),
                 column("DEPLOYED", lambda r: r.get("deployed", 0), justify="right", priority=1),
                 column("DESCRIPTION", lambda r: r.get("description", ""), priority=2, max_width=60), age_column()),
        health=lambda r: OK, summary=repo_summary, namespace_of=lambda r: "", enter=None,
    )


BENTO_VIEW = _version_view(BENTOS, "Yatai Bento", ("ybento", "ybentos", "yb", "bentoversions"), 10, True)
MODEL_VIEW = _version_view(MODELS, "Yatai Model", ("ymodel", "ymodels", "ym"), 12, False)
BENTO_REPO_VIEW = _repo_view(BENTO_REPOS, "Yatai Bento Repo", ("ybrepo", "bentorepos"), 9, BENTOS)
MODEL_REPO_VIEW = _repo_view(MODEL_REPOS, "Yatai Model Repo", ("ymrepo", "modelrepos"), 11, MODELS)
VIEWS = (BENTO_REPO_VIEW, BENTO_VIEW, MODEL_REPO_VIEW, MODEL_VIEW)
