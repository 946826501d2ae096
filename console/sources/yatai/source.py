"""The Yatai registry source: PostgreSQL for what exists, S3 for the archives, the cluster for where it runs.

Lists bento and model repositories and versions into four stores (section "Registries"),
first rows before the rest, then polls.  An unreachable database, a wrong password or a
schema of another Yatai version is a state of the stores with the reason (and a retry),
never an exception in the app.  Each bento version carries ``links``: the BentoDeployments
of the cluster (in the workspace's scope) that run it, joined from the cluster's stores.
"""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING, Any

from inference_console.settings.endpoints import S3Settings, SecretUnavailable, YataiSettings
from inference_console.sources.base import SourceError, SourceInfo
from inference_console.sources.registries import (
    BENTODEPLOYMENTS,
    BENTOS_CR,
    DEPLOYMENTS,
    RegistryError,
    kube_records,
    load_progressively,
    report,
    set_error,
)
from inference_console.sources.registries.base import RegistrySource, classifier
from inference_console.sources.yatai.db import BENTOS as BENTOS_SQL
from inference_console.sources.yatai.db import MODELS as MODELS_SQL
from inference_console.sources.yatai.db import YataiDB, repository_record, version_record, where
from inference_console.sources.yatai.s3 import ObjectStore, object_key
from inference_console.sources.yatai.view import (
    BENTO_REPOS,
    BENTO_VIEW,
    BENTOS,
    MODEL_REPOS,
    MODELS,
    VIEWS,
)
from inference_console.state.store import KindState, RecordStore

if TYPE_CHECKING:
    from inference_console.state.workspace import Workspace

log = logging.getLogger(__name__)
BENTOREQUESTS = "bentorequests.resources.yatai.ai"
LINK_KEYS = (BENTODEPLOYMENTS, DEPLOYMENTS, BENTOS_CR, BENTOREQUESTS)
L_BD = "yatai.ai/bento-deployment"
L_REPO = "yatai.ai/bento-repository"
L_VERSIONS = ("yatai.ai/bento-version", "yatai.ai/bento")


def running_tags(workspace: "Workspace") -> dict[str, set[str]]:
    """``repo:version`` -> links of the BentoDeployments that run it (their workloads' labels first,
    else the Bento their spec names)."""
    by_bd: dict[tuple[str, str], set[str]] = {}
    for dep in kube_records(workspace, DEPLOYMENTS):
        md = dep.get("metadata") or {}
        labels = md.get("labels") or {}
        bd, repo = labels.get(L_BD), labels.get(L_REPO)
        version = next((labels[k] for k in L_VERSIONS if labels.get(k)), None)
        if bd and repo and version:
            by_bd.setdefault((md.get("namespace", ""), bd), set()).add(f"{repo}:{version}")
    # spec.bento names a Bento (spec.tag); a BentoRequest of that name (spec.bentoTag) stands in
    # while its image is built (a BentoDeployment just deployed from here).
    bento_tags = {
        ((b.get("metadata") or {}).get("namespace", ""), (b.get("metadata") or {}).get("name", "")): str(
            (b.get("spec") or {}).get("bentoTag", "")
        )
        for b in kube_records(workspace, BENTOREQUESTS)
    }
    bento_tags.update(
        {
            ((b.get("metadata") or {}).get("namespace", ""), (b.get("metadata") or {}).get("name", "")): str(
                (b.get("spec") or {}).get("tag", "")
            )
            for b in kube_records(workspace, BENTOS_CR)
        }
    )
    out: dict[str, set[str]] = {}
    for bd in kube_records(workspace, BENTODEPLOYMENTS):
        md, spec = bd.get("metadata") or {}, bd.get("spec") or {}
        ns, name = md.get("namespace", ""), md.get("name", "")
        tags = by_bd.get((ns, name))
        if not tags:
            target = bento_tags.get((ns, str(spec.get("bento", "")))) or str(spec.get("bento_tag", ""))
            tags = {target} if ":" in target else set()
        for tag in tags:
            out.setdefault(tag, set()).add(f"{BENTODEPLOYMENTS}/{ns}/{name}")
    return out


class YataiSource(RegistrySource):
    name = "yatai"
    link_keys = LINK_KEYS

    def __init__(
        self,
        settings: YataiSettings,
        s3: S3Settings | None = None,
        *,
        poll: float = 30.0,
        retry: tuple[float, float] = (1.0, 30.0),
        page: int = 500,
    ) -> None:
        super().__init__()
        self.settings = settings
        self.db = YataiDB(settings)
        self.objects = ObjectStore(s3) if s3 is not None else None
        self.poll = poll
        self.retry = retry
        self.page = page
        self.stores = {
            view.key: RecordStore(view.key, key_of=lambda r: r["metadata"]["uid"], classify=classifier(view))
            for view in VIEWS
        }

    # ------------------------------------------------------------------ Source protocol
    async def start(self, workspace: "Workspace") -> None:
        self.workspace = workspace
        self.register_stores(((view, self.stores[view.key]) for view in VIEWS), where(self.settings))
        self._task = asyncio.get_running_loop().create_task(self._run(), name="yatai-source")

    async def close(self) -> None:
        await self.db.close()

    def serves(self, key: str) -> bool:
        return key in self.stores

    def describe(self) -> SourceInfo:
        return SourceInfo(
            self.name,
            self._state,
            self._detail,
            {
                "database": where(self.settings),
                "bentos": str(len(self.stores[BENTOS])),
                "models": str(len(self.stores[MODELS])),
            },
        )

    async def fetch(self, key: str, record: dict[str, Any]) -> dict[str, Any]:
        """The record with its S3 archive described (size, presigned URL); kept in the store."""
        if key not in (BENTOS, MODELS) or self.objects is None:
            return record
        path = object_key(
            record.get("kind", ""),
            record.get("organization", ""),
            record.get("repository", ""),
            record.get("version", ""),
        )
        described = await self.objects.describe(path)
        store = self.stores[key]
        current = store.get(record["metadata"]["uid"]) or record
        enriched = {**current, "object": described}
        store.upsert(enriched)
        return enriched

    # ------------------------------------------------------------------ loading
    def _report(self) -> None:
        if self.workspace is not None:
            report(
                self.workspace,
                "yatai",
                "Yatai",
                self._state,
                endpoint=where(self.settings),
                detail=self._detail,
                main=f"{BENTO_VIEW.aliases[0]}",
                facts={
                    "bento versions": str(len(self.stores[BENTOS])),
                    "model versions": str(len(self.stores[MODELS])),
                    "s3 bucket": (self.objects.settings.bucket or "") if self.objects else "not configured",
                },
            )

    async def _run(self) -> None:
        delay = self.retry[0]
        while True:
            try:
                if self.db.pool is None:
                    await self.db.connect()
                problems = await self.db.schema_problems()
                if problems:
                    raise RegistryError(
                        "Yatai's schema differs from the one this console reads "
                        f"(another Yatai version?): {'; '.join(problems)}"
                    )
                await self.load()
                self._state, self._detail = "ready", ""
                self._report()
                delay = self.retry[0]
                await asyncio.sleep(self.poll)
                continue
            except asyncio.CancelledError:
                raise
            except (RegistryError, SecretUnavailable, SourceError) as exc:
                error = exc if isinstance(exc, SourceError) else RegistryError(str(exc))
            except Exception as exc:  # noqa: BLE001 - never take the app down
                log.exception("yatai source")
                error = RegistryError(f"Yatai: {type(exc).__name__}: {exc}")
            if getattr(error, "code", None) == 0:
                await self.db.close()  # reconnect from scratch
            message = f"{error.summary()} — retrying in {delay:.0f}s"
            for store in self.stores.values():
                set_error(
                    store, RegistryError(message, getattr(error, "code", 0), getattr(error, "state", KindState.ERROR))
                )
            self._state, self._detail = "failed", message
            self._report()
            await asyncio.sleep(delay)
            delay = min(delay * 2, self.retry[1])

    async def load(self) -> None:
        """One full read: bentos (progressively), models, repositories, then the links."""
        links = running_tags(self.workspace) if self.workspace is not None else {}

        async def pages(query: str, kind: str):
            async for rows in self.db.stream(query, self.page):
                page = []
                for row in rows:
                    record = version_record(kind, row)
                    if kind == "YataiBento":
                        record["links"] = sorted(links.get(record["metadata"]["name"], ()))
                        old = self.stores[BENTOS].get(record["metadata"]["uid"])
                        if old is not None and "object" in old:
                            record["object"] = old["object"]
                    page.append(record)
                yield page

        await load_progressively(self.stores[BENTOS], pages(BENTOS_SQL, "YataiBento"))
        used_by: dict[str, list[str]] = {}
        for bento in self.stores[BENTOS].values():
            for model in bento.get("models") or ():
                used_by.setdefault(model, []).append(bento["metadata"]["name"])

        async def model_pages():
            async for page in pages(MODELS_SQL, "YataiModel"):
                for record in page:
                    record["usedBy"] = used_by.get(record["metadata"]["name"], [])
                yield page

        await load_progressively(self.stores[MODELS], model_pages())
        for table, key, versions in (
            ("bento_repository", BENTO_REPOS, BENTOS),
            ("model_repository", MODEL_REPOS, MODELS),
        ):
            kind = "YataiBentoRepository" if key == BENTO_REPOS else "YataiModelRepository"
            repos = {row["name"]: repository_record(kind, row) for row in await self.db.repositories(table)}
            for record in self.stores[versions].values():  # newest first
                repo = repos.get(record.get("repository"))
                if repo is None:
                    continue
                repo["versions"] += 1
                repo["latest"] = repo["latest"] or record.get("version", "")
                if record.get("links"):
                    repo["deployed"] += 1
            self.stores[key].replace(repos.values())
            self.stores[key].set_status(KindState.LIVE)
        self.loads += 1

    # ------------------------------------------------------------------ cross-links
    def relink(self) -> None:
        """Recompute which BentoDeployments run each bento version; touch only records that changed."""
        self._links_handle = None
        if self.workspace is None:
            return
        links = running_tags(self.workspace)
        store = self.stores[BENTOS]
        for key, record in list(store.items()):
            fresh = sorted(links.get(record["metadata"]["name"], ()))
            if fresh != (record.get("links") or []):
                store.upsert({**record, "links": fresh})
