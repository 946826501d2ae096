"""An OCI image registry: repositories and tags, and whether what runs still matches them.

Lists repositories (``_catalog``) and their tags with digest, media type (index and
platforms), size and creation time.  Each tag carries ``links`` to the Pods,
BentoDeployments and InferenceServices (in the workspace's scope) whose image is that tag,
so their Related tab jumps to it.  A running image whose tag no longer exists gets a row of
its own (failing: "tag no longer exists"), and one whose tag now points at another digest
than the pods run is failing too ("tag moved").
"""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING, Any

from inference_console.catalog.base import age_column, column
from inference_console.catalog.view import OK, Health, HealthResult, KindView
from inference_console.settings.endpoints import ImageRegistrySettings, SecretUnavailable
from inference_console.sources.base import SourceError, SourceInfo
from inference_console.sources.oci.client import INDEX_TYPES, OciClient
from inference_console.sources.registries import (
    BENTODEPLOYMENTS,
    BENTOS_CR,
    INFERENCESERVICES,
    PODS,
    SECTION,
    RegistryError,
    human_size,
    kube_records,
    report,
    set_error,
)
from inference_console.sources.registries.base import RegistrySource
from inference_console.state.store import KindState, RecordStore

if TYPE_CHECKING:
    from inference_console.state.workspace import Workspace

log = logging.getLogger(__name__)
REPOS = "oci.repositories"
TAGS = "oci.tags"
LINK_KEYS = (PODS, BENTODEPLOYMENTS, BENTOS_CR, INFERENCESERVICES)


def split_image(image: str) -> tuple[str, str, str, str]:
    """``host/path:tag@digest`` -> (host, repository path, tag, digest); host "" for Docker Hub style."""
    ref = image.removeprefix("oci://")
    digest = ""
    if "@" in ref:
        ref, digest = ref.split("@", 1)
    first, _, rest = ref.partition("/")
    host = ""
    if rest and ("." in first or ":" in first or first == "localhost"):
        host, ref = first, rest
    repo, tag = ref, ""
    if ":" in ref.rsplit("/", 1)[-1]:
        repo, tag = ref.rsplit(":", 1)
    return host, repo, tag or ("" if digest else "latest"), digest


def tag_health(record: dict[str, Any]) -> HealthResult:
    if record.get("missing"):
        return HealthResult(Health.FAILED, f"tag no longer exists; still used by {', '.join(users(record))}")
    running = [d for d in record.get("runningDigests") or [] if d]
    other = [d for d in running if d != record.get("digest")]
    if running and record.get("digest") not in running:  # what runs is not what the tag points at now
        return HealthResult(
            Health.FAILED,
            f"tag moved: it points at {record.get('digest', '')[:19]}…, "
            f"running {', '.join(d[:19] + '…' for d in other)}",
        )
    return OK


def users(record: dict[str, Any]) -> list[str]:
    out = []
    for link in record.get("links") or ():
        kind, _, rest = link.partition("/")
        out.append(f"{kind.split('.')[0].rstrip('s')} {rest}")
    return out


def _summary(record: dict[str, Any]) -> list[tuple[str, str]]:
    pairs = [
        ("Image", str(record.get("image", ""))),
        ("Digest", str(record.get("digest", ""))),
        ("Media type", str(record.get("mediaType", ""))),
        ("Platforms", ", ".join(record.get("platforms") or ())),
        ("Size", human_size(record.get("size"))),
        ("Created", str(record.get("created", ""))),
        ("Used by", ", ".join(users(record)) or "nothing in view"),
        ("Running digests", ", ".join(record.get("runningDigests") or ())),
    ]
    return [(k, v) for k, v in pairs if v]


TAG_VIEW = KindView(
    key=TAGS,
    kind="Image Tag",
    namespaced=False,
    section=SECTION,
    order=30,
    source="oci",
    aliases=("tags", "imagetags", "ot"),
    tabs=("summary", "yaml"),
    columns=(
        column("REPOSITORY", lambda r: r.get("repository", ""), min_width=12, max_width=50),
        column("TAG", lambda r: r.get("tag", ""), min_width=6),
        column(
            "STATE",
            lambda r: "missing" if r.get("missing") else ("moved" if tag_health(r).state is Health.FAILED else "ok"),
            min_width=7,
        ),
        column("DIGEST", lambda r: str(r.get("digest", ""))[:19], priority=1),
        column(
            "TYPE",
            lambda r: "index" if r.get("mediaType") in INDEX_TYPES else ("manifest" if r.get("mediaType") else ""),
            priority=3,
        ),
        column("PLATFORMS", lambda r: ", ".join(r.get("platforms") or ()), priority=3, max_width=30),
        column(
            "SIZE", lambda r: human_size(r.get("size")), justify="right", priority=2, sort=lambda r: r.get("size") or 0
        ),
        column(
            "USED BY", lambda r: len(r.get("links") or ()), justify="right", sort=lambda r: len(r.get("links") or ())
        ),
        age_column(),
    ),
    health=tag_health,
    summary=_summary,
    namespace_of=lambda r: "",
)

REPO_VIEW = KindView(
    key=REPOS,
    kind="Image Repository",
    namespaced=False,
    section=SECTION,
    order=29,
    source="oci",
    aliases=("imagerepos", "or"),
    tabs=("summary", "yaml"),
    columns=(
        column("NAME", lambda r: r["metadata"]["name"], min_width=12),
        column("TAGS", lambda r: r.get("tags", 0), justify="right", sort=lambda r: r.get("tags", 0)),
    ),
    health=lambda r: OK,
    summary=lambda r: [("Repository", r["metadata"]["name"]), ("Tags", str(r.get("tags", 0)))],
    namespace_of=lambda r: "",
)


def _classify(record: dict[str, Any]) -> tuple[Any, bool]:
    verdict = tag_health(record)
    return verdict, verdict.state is Health.FAILED


class OciSource(RegistrySource):
    name = "oci"
    link_keys = LINK_KEYS

    def __init__(
        self,
        settings: ImageRegistrySettings,
        *,
        poll: float = 60.0,
        retry: tuple[float, float] = (1.0, 30.0),
        registry_name: str = "images",
        page: int = 100,
    ) -> None:
        super().__init__()
        self.settings = settings
        self.client = OciClient(settings)
        self.poll, self.retry = poll, retry
        self.registry_name = registry_name
        self.page = page
        self.repos = RecordStore(REPOS, key_of=lambda r: r["metadata"]["uid"])
        self.tags = RecordStore(TAGS, key_of=lambda r: r["metadata"]["uid"], classify=_classify)
        self._known: dict[str, dict[str, Any]] = {}  # repo:tag -> manifest info (None: missing)
        self.host = ""
        if settings.url:
            self.host = settings.url.split("://", 1)[-1].split("/", 1)[0]

    async def start(self, workspace: "Workspace") -> None:
        self.workspace = workspace
        self.register_stores(((REPO_VIEW, self.repos), (TAG_VIEW, self.tags)), self.client.where)
        self._task = asyncio.get_running_loop().create_task(self._run(), name="oci-source")

    async def close(self) -> None:
        await self.client.close()

    def serves(self, key: str) -> bool:
        return key in (REPOS, TAGS)

    def describe(self) -> SourceInfo:
        return SourceInfo(self.name, self._state, self._detail, {"url": self.client.where, "tags": str(len(self.tags))})

    async def fetch(self, key: str, record: dict[str, Any]) -> dict[str, Any]:
        if key != TAGS or record.get("missing"):
            return record
        info = await self.client.manifest(record["repository"], record["tag"])
        self._known[record["metadata"]["uid"]] = info or {}
        fresh = self._tag_record(record["repository"], record["tag"], info)
        self.tags.upsert(fresh)
        return fresh

    def _report(self) -> None:
        if self.workspace is not None:
            failing = self.tags.failing_count
            report(
                self.workspace,
                self.registry_name,
                "OCI registry",
                self._state,
                endpoint=self.client.where,
                detail=self._detail or (f"{failing} running image(s) whose tag is gone or moved" if failing else ""),
                main=TAG_VIEW.aliases[0],
                facts={"repositories": str(len(self.repos)), "tags": str(len(self.tags))},
            )

    async def _run(self) -> None:
        delay = self.retry[0]
        while True:
            try:
                await self.load()
                self._state, self._detail = "ready", ""
                self._report()
                delay = self.retry[0]
                await asyncio.sleep(self.poll)
                continue
            except asyncio.CancelledError:
                raise
            except (SourceError, SecretUnavailable) as exc:
                error = exc if isinstance(exc, SourceError) else RegistryError(str(exc))
            except Exception as exc:  # noqa: BLE001
                log.exception("oci source")
                error = RegistryError(f"image registry: {type(exc).__name__}: {exc}")
            message = f"{error.summary()} — retrying in {delay:.0f}s"
            for store in (self.repos, self.tags):
                set_error(
                    store, RegistryError(message, getattr(error, "code", 0), getattr(error, "state", KindState.ERROR))
                )
            self._state, self._detail = "failed", message
            self._report()
            await asyncio.sleep(delay)
            delay = min(delay * 2, self.retry[1])

    # ------------------------------------------------------------------ loading
    def _tag_record(self, repo: str, tag: str, info: dict[str, Any] | None) -> dict[str, Any]:
        uid = f"{repo}:{tag}"
        old = self.tags.get(uid) or {}
        record = {
            "kind": "ImageTag",
            "metadata": {"name": uid, "uid": uid, "labels": {}, "creationTimestamp": (info or {}).get("created", "")},
            "repository": repo,
            "tag": tag,
            "image": f"{self.host}/{uid}" if self.host else uid,
            "links": old.get("links", []),
            "runningDigests": old.get("runningDigests", []),
        }
        if info is None:
            record["missing"] = True
        else:
            record.update({k: info.get(k) for k in ("digest", "mediaType", "platforms", "size", "created")})
        return record

    async def load(self) -> None:
        repos = await self.client.paged("/v2/_catalog", "repositories", self.page)
        semaphore = asyncio.Semaphore(8)
        tag_lists: dict[str, list[str]] = {}

        async def list_tags(repo: str) -> None:
            async with semaphore:
                tag_lists[repo] = await self.client.paged(f"/v2/{repo}/tags/list", "tags", self.page)

        await asyncio.gather(*(list_tags(r) for r in repos))
        self.repos.replace(
            {"kind": "ImageRepository", "metadata": {"name": r, "uid": r}, "tags": len(tag_lists.get(r, []))}
            for r in repos
        )
        self.repos.set_status(KindState.LIVE)
        records: dict[str, dict[str, Any]] = {}

        async def describe(repo: str, tag: str) -> None:
            async with semaphore:
                info = await self.client.manifest(repo, tag)
            self._known[f"{repo}:{tag}"] = info or {}
            records[f"{repo}:{tag}"] = self._tag_record(repo, tag, info)

        await asyncio.gather(*(describe(r, t) for r, tags in tag_lists.items() for t in tags))
        self._repos = set(repos)
        self.tags.replace(records.values())
        self.tags.set_status(KindState.LIVE)
        self.relink()
        self.loads += 1

    # ------------------------------------------------------------------ what runs
    def _references(self) -> dict[str, tuple[set[str], set[str]]]:
        """repo:tag of this registry -> (links of what uses it, digests the pods run)."""
        ws = self.workspace
        out: dict[str, tuple[set[str], set[str]]] = {}
        repos = getattr(self, "_repos", set())

        def mine(image: str) -> str | None:
            host, repo, tag, _ = split_image(image)
            if not tag:
                return None
            if (host and host == self.host) or repo in repos:
                return f"{repo}:{tag}"
            return None

        def add(image: str, link: str, digest: str = "") -> None:
            key = mine(image)
            if key is not None:
                links, digests = out.setdefault(key, (set(), set()))
                links.add(link)
                if digest:
                    digests.add(digest)

        for pod in kube_records(ws, PODS):
            md = pod.get("metadata") or {}
            link = f"{PODS}/{md.get('namespace', '')}/{md.get('name', '')}"
            running = {
                str(cs.get("image", "")): str(cs.get("imageID", "")).rpartition("@")[2]
                for cs in (pod.get("status") or {}).get("containerStatuses") or []
                if isinstance(cs, dict)
            }
            for container in (pod.get("spec") or {}).get("containers") or []:
                image = str(container.get("image", ""))
                digest = running.get(image, "")
                add(image, link, digest if digest.startswith("sha256:") else "")
        bento_images = {
            ((b.get("metadata") or {}).get("namespace"), (b.get("metadata") or {}).get("name")): str(
                (b.get("spec") or {}).get("image", "")
            )
            for b in kube_records(ws, BENTOS_CR)
        }
        for bd in kube_records(ws, BENTODEPLOYMENTS):
            md = bd.get("metadata") or {}
            image = bento_images.get((md.get("namespace"), str((bd.get("spec") or {}).get("bento", ""))))
            if image:
                add(image, f"{BENTODEPLOYMENTS}/{md.get('namespace', '')}/{md.get('name', '')}")
        for isvc in kube_records(ws, INFERENCESERVICES):
            md = isvc.get("metadata") or {}
            predictor = (isvc.get("spec") or {}).get("predictor") or {}
            uris = [str((predictor.get("model") or {}).get("storageUri", ""))]
            uris += [str(c.get("image", "")) for c in predictor.get("containers") or [] if isinstance(c, dict)]
            for uri in uris:
                if uri and (uri.startswith("oci://") or "://" not in uri):
                    add(uri, f"{INFERENCESERVICES}/{md.get('namespace', '')}/{md.get('name', '')}")
        return out

    def relink(self) -> None:
        self._links_handle = None
        if self.workspace is None or not self.tags.loaded:
            return
        refs = self._references()
        for key, record in list(self.tags.items()):
            links, digests = refs.pop(key, (set(), set()))
            fresh_links, fresh_digests = sorted(links), sorted(digests)
            if record.get("missing") and not links:
                self.tags.delete(key)
            elif fresh_links != record.get("links", []) or fresh_digests != record.get("runningDigests", []):
                self.tags.upsert({**record, "links": fresh_links, "runningDigests": fresh_digests})
        for key, (links, digests) in refs.items():  # used, but not listed: the tag is gone
            repo, _, tag = key.rpartition(":")
            record = self._tag_record(repo, tag, None)
            record.update(links=sorted(links), runningDigests=sorted(digests))
            self.tags.upsert(record)
        self._report()
