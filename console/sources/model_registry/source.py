"""The Kubeflow Model Registry source: what is registered, and which InferenceServices serve it.

Lists registered models, model versions (progressively, page by page), model artifacts,
serving environments and the registry's inference services into five stores, then polls.
Each version carries ``links``: the cluster's InferenceServices (in the workspace's scope)
that serve it, by the labels the Model Registry's controller reads
(``modelregistry.kubeflow.org/model-version-id``) or a ``model-registry://model/version`` or
artifact ``storageUri``.  A version ARCHIVED while served is failing.

Writes (archive, restore) are not done here: :meth:`writer` gives the action layer an
executor, so they pass its read-only refusal and audit log like any change to the cluster.
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
import logging
from typing import TYPE_CHECKING, Any

from inference_console.settings.endpoints import ModelRegistrySettings, SecretUnavailable
from inference_console.sources.base import SourceError, SourceInfo
from inference_console.sources.model_registry.client import BASE, ModelRegistryClient, ProxyAuthError
from inference_console.sources.model_registry.discovery import RegistryService, bare_url
from inference_console.sources.model_registry.view import (
    ARTIFACTS,
    ENVIRONMENTS,
    ISVC_KEY,
    MODELS,
    SERVICES,
    VERSION_VIEW,
    VERSIONS,
    VIEWS,
    actions_for,
)
from inference_console.sources.registries import (
    INFERENCESERVICES,
    RegistryError,
    kube_records,
    load_progressively,
    ms_to_iso,
    report,
    set_error,
)
from inference_console.sources.registries.base import RegistrySource, classifier
from inference_console.state.store import KindState, RecordStore

if TYPE_CHECKING:
    from inference_console.state.workspace import Workspace

log = logging.getLogger(__name__)
L_VERSION_ID = "modelregistry.kubeflow.org/model-version-id"
L_MODEL_ID = "modelregistry.kubeflow.org/registered-model-id"
L_SERVICE_ID = "modelregistry.kubeflow.org/inference-service-id"
SCHEME = "model-registry://"
# Fields of a version the source adds (its artifacts, the registry's services): kept when a
# poll brings the version again unchanged.
CARRIED = ("artifacts", "artifactUri", "modelFormat", "modelFormatVersion", "registryServices")


def storage_uri(isvc: dict[str, Any]) -> str:
    predictor = (isvc.get("spec") or {}).get("predictor") or {}
    for holder in (predictor.get("model") or {}, predictor):
        if isinstance(holder, dict) and holder.get("storageUri"):
            return str(holder["storageUri"])
    return ""


def _record(kind: str, item: dict[str, Any], name: str | None = None) -> dict[str, Any]:
    rid = str(item.get("id", ""))
    return {
        **item,
        "kind": kind,
        "metadata": {
            "name": name or str(item.get("name", "")),
            "uid": rid,
            "labels": {},
            "creationTimestamp": ms_to_iso(item.get("createTimeSinceEpoch")),
            # Changes with every write: a flow waiting for its write sees it come back.
            "resourceVersion": str(item.get("lastUpdateTimeSinceEpoch", "")),
        },
    }


class VersionIndex:
    """What the cross-links, the models' version counts and the eager artifacts read of the
    versions store, kept by its observer as records are written (one pass over 10,000
    versions per relink held the event loop for tens of milliseconds)."""

    def __init__(self) -> None:
        self.store: RecordStore | None = None
        self._reset()

    def _reset(self) -> None:
        self.of: dict[str, tuple[str, str, str, str]] = {}  # key -> (model id, model name, name, artifact URI)
        self.by_name: dict[tuple[str, str], str] = {}  # (model name, version name) -> key
        self.by_uri: dict[str, str] = {}  # artifact URI -> key
        self.counts: dict[str, int] = {}  # model id -> versions
        self.linked: set[str] = set()  # keys with cluster links
        self.served: set[str] = set()  # keys with registry inference services
        self._latest: dict[str, str] | None = {}  # model name -> key of the highest id (None: recompute)
        self._newest: dict[str, tuple[int, str]] | None = {}  # model id -> (create time, key)

    def attach(self, store: RecordStore) -> None:
        self.store = store
        store.observers.append(self.observe)
        for key, record in store.items():
            self.observe(key, record)

    def observe(self, key: str, record: dict[str, Any] | None) -> None:
        if not key:  # the store was cleared
            self._reset()
            return
        self._forget(key)
        if record is None:
            return
        mid = str(record.get("registeredModelId", ""))
        model, name, uri = record.get("modelName"), record.get("name"), record.get("artifactUri") or ""
        self.of[key] = (mid, model, name, uri)
        self.by_name[(model, name)] = key
        if uri:
            self.by_uri[uri] = key
        self.counts[mid] = self.counts.get(mid, 0) + 1
        if record.get("links"):
            self.linked.add(key)
        if record.get("registryServices"):
            self.served.add(key)
        if self._latest is not None:
            current = self._latest.get(model)
            if current is None or _int(key) > _int(current):
                self._latest[model] = key
        if self._newest is not None:
            stamp = _int(record.get("createTimeSinceEpoch"))
            current_newest = self._newest.get(mid)
            if current_newest is None or stamp > current_newest[0]:
                self._newest[mid] = (stamp, key)

    def _forget(self, key: str) -> None:
        was = self.of.pop(key, None)
        if was is None:
            return
        mid, model, name, uri = was
        if self.by_name.get((model, name)) == key:
            del self.by_name[(model, name)]
        if uri and self.by_uri.get(uri) == key:
            del self.by_uri[uri]
        self.counts[mid] -= 1
        self.linked.discard(key)
        self.served.discard(key)
        if self._latest is not None and self._latest.get(model) == key:
            self._latest = None  # recomputed when next asked
        if self._newest is not None and (self._newest.get(mid) or (0, ""))[1] == key:
            self._newest = None

    def latest(self) -> dict[str, str]:
        """Model name -> key of its version with the highest id."""
        if self._latest is None:
            self._latest = {}
            for key, (_mid, model, _name, _uri) in self.of.items():
                current = self._latest.get(model)
                if current is None or _int(key) > _int(current):
                    self._latest[model] = key
        return self._latest

    def newest(self) -> dict[str, str]:
        """Model id -> key of its most recently created version."""
        if self._newest is None:
            self._newest = {}
            store = self.store
            for key, (mid, *_rest) in self.of.items():
                record = store.get(key) if store is not None else None
                stamp = _int((record or {}).get("createTimeSinceEpoch"))
                current = self._newest.get(mid)
                if current is None or stamp > current[0]:
                    self._newest[mid] = (stamp, key)
        return {mid: key for mid, (_stamp, key) in self._newest.items()}


def _int(value: Any) -> int:
    try:
        return int(value or 0)
    except (TypeError, ValueError):
        return 0


class RegistryWrite:
    """An executor for the action layer: PATCH one Model Registry object (a dry run reads it and checks)."""

    def __init__(self, source: "ModelRegistrySource", collection: str, object_id: str, store_key: str) -> None:
        self.source, self.collection, self.object_id, self.store_key = source, collection, object_id, store_key

    @property
    def path(self) -> str:
        return f"/{self.collection}/{self.object_id}"

    def preview(self, mutation: Any) -> str:
        return (
            f"PATCH {self.source.client.where}{BASE}{self.path}\nContent-Type: application/json\n"
            f"{json.dumps(mutation.body, indent=2)}"
        )

    async def run(self, mutation: Any) -> dict[str, Any]:
        client = self.source.client
        if mutation.dry_run:  # the REST API has no dry run: read the object, check the change applies
            current = await client.request("GET", self.path)
            if not isinstance(current, dict):
                raise RegistryError(f"GET {BASE}{self.path} did not return an object")
            return {**current, **(mutation.body or {})}
        updated = await client.request("PATCH", self.path, json=mutation.body)
        if isinstance(updated, dict):
            self.source.updated(self.store_key, updated)
        return updated


class ModelRegistrySource(RegistrySource):
    name = "model_registry"
    link_keys = (INFERENCESERVICES,)

    def __init__(
        self,
        settings: ModelRegistrySettings,
        *,
        poll: float = 30.0,
        retry: tuple[float, float] = (1.0, 30.0),
        page_size: int = 500,
        artifacts_eager: int = 64,
        discover: bool = False,
        rediscover: float = 60.0,
    ) -> None:
        super().__init__()
        self.settings = settings
        self.client = ModelRegistryClient(settings)
        # No URL configured: find a ModelRegistry in the cluster and go through the service proxy.
        self.discover = discover
        self.rediscover = rediscover
        self.service: RegistryService | None = None
        self.found_by = "config file (model_registry.url)" if not discover else ""
        self.cluster_registry: RegistryService | None = None  # a configured URL's likely ModelRegistry
        self._hint_task: asyncio.Task | None = None
        self.poll = poll
        self.retry = retry
        self.page_size = page_size
        self.artifacts_eager = artifacts_eager
        self.stores = {
            view.key: RecordStore(view.key, key_of=lambda r: r["metadata"]["uid"], classify=classifier(view))
            for view in VIEWS
        }
        self.index = VersionIndex()
        self.index.attach(self.stores[VERSIONS])

    # ------------------------------------------------------------------ Source protocol
    async def start(self, workspace: "Workspace") -> None:
        self.workspace = workspace
        if self.discover:
            self._task = asyncio.get_running_loop().create_task(self._find(), name="model-registry-discovery")
            return
        self._register()
        self._task = asyncio.get_running_loop().create_task(self._run(), name="model-registry-source")
        self._hint_task = asyncio.get_running_loop().create_task(self._hint(), name="model-registry-hint")

    async def _hint(self) -> None:
        """With a configured URL: the cluster's ModelRegistry (cluster-wide, whatever the scope), for
        the labels a deploy writes (the controller finds the registry by its Service's name)."""
        from inference_console.sources.model_registry.discovery import discover

        transport = getattr(self.workspace.sources.get("kube"), "transport", None) if self.workspace else None
        if transport is not None:
            try:
                self.cluster_registry = await discover(transport)
            except SourceError:
                self.cluster_registry = None

    async def _find(self) -> None:
        """Until a ModelRegistry's Service answers through the proxy; only then do the views appear
        (a cluster without a registry, or one not reachable yet, adds nothing to the sidebar).
        One that answers 401 appears too, failing with what to do: the proxy cannot carry a token."""
        from inference_console.sources.kube.svcproxy import ServiceProxy
        from inference_console.sources.model_registry.discovery import discover

        while True:
            kube = self.workspace.sources.get("kube") if self.workspace is not None else None
            transport = getattr(kube, "transport", None)
            found = None
            if transport is not None:
                try:
                    found = await discover(transport)
                except SourceError:
                    found = None
            if found is not None:
                client = ModelRegistryClient(
                    self.settings, proxy=ServiceProxy(transport, found.namespace, found.name, found.port)
                )
                try:
                    await client.request("GET", "/registered_models", params={"pageSize": "1"})
                except ProxyAuthError:
                    # There, but it wants a token the proxy cannot carry: the registry shows with
                    # that state and its fix (a URL in the config file) instead of not at all.
                    answered = True
                except SourceError as exc:
                    log.info("Model Registry %s not reachable through the proxy: %s", found.why, exc.summary())
                    answered = False
                else:
                    answered = True
                if answered:
                    await self.client.close()
                    self.client, self.service = client, found
                    self.found_by = f"discovered: {found.why}"
                    self._register()
                    await self._run()
                    return
            await asyncio.sleep(self.rediscover)

    def _register(self) -> None:
        workspace = self.workspace
        assert workspace is not None
        actions = actions_for(self.writer, self.registry)
        self.register_stores(
            ((dataclasses.replace(view, actions=actions.get(view.key, {})), self.stores[view.key]) for view in VIEWS),
            self.client.where,
        )

    def tasks(self) -> list[asyncio.Task | None]:
        return [self._task, self._hint_task]

    async def close(self) -> None:
        self._hint_task = None
        await self.client.close()

    def serves(self, key: str) -> bool:
        return key in self.stores

    def describe(self) -> SourceInfo:
        return SourceInfo(
            self.name,
            self._state,
            self._detail,
            {
                "url": self.client.where,
                "found by": self.found_by or "looking for a ModelRegistry…",
                "versions": str(len(self.stores[VERSIONS])),
            },
        )

    async def fetch(self, key: str, record: dict[str, Any]) -> dict[str, Any]:
        """A fresh copy from the registry (a version with its artifacts), kept in the store."""
        collection = {
            MODELS: "registered_models",
            VERSIONS: "model_versions",
            ARTIFACTS: "model_artifacts",
            ENVIRONMENTS: "serving_environments",
            SERVICES: "inference_services",
        }[key]
        item = await self.client.request("GET", f"/{collection}/{record['metadata']['uid']}")
        if not isinstance(item, dict):
            raise RegistryError("the Model Registry did not return an object")
        fresh = self._shape(key, item)
        if key == VERSIONS:
            fresh = await self._with_artifacts(fresh)
        self.stores[key].upsert(fresh)
        return fresh

    def writer(self, collection: str, object_id: str) -> RegistryWrite:
        """The executor of a write to ``/<collection>/<id>`` (``registered_models``, ``model_versions``)."""
        key = {"registered_models": MODELS, "model_versions": VERSIONS, "inference_services": SERVICES}[collection]
        return RegistryWrite(self, collection, object_id, key)

    def registry(self) -> dict[str, str]:
        """Which registry an InferenceService deployed from here names (labels and annotation).

        The Service of the ModelRegistry found in the cluster (one object, or the one this
        source reaches through the service proxy), else only the configured URL.
        """
        found = self.service or self.cluster_registry
        if found is not None:
            return {"name": found.name, "namespace": found.namespace, "url": found.url}
        return {"url": bare_url(self.settings.url or "")}

    def updated(self, key: str, item: dict[str, Any]) -> None:
        """An object the registry returned after a write: into its store at once."""
        old = self.stores[key].get(str(item.get("id", ""))) or {}
        fresh = self._shape(key, item)
        for keep in ("artifactUri", "modelFormat", "modelFormatVersion", "artifacts", "registryServices"):
            if keep in old and keep not in fresh:
                fresh[keep] = old[keep]
        self.stores[key].upsert(fresh)
        if key == VERSIONS:
            self.relink()

    # ------------------------------------------------------------------ loading
    def _report(self) -> None:
        if self.workspace is not None:
            report(
                self.workspace,
                "model-registry",
                "Model Registry",
                self._state,
                endpoint=self.client.where,
                detail=self._detail,
                main=VERSION_VIEW.aliases[0],
                facts={
                    "registered models": str(len(self.stores[MODELS])),
                    "model versions": str(len(self.stores[VERSIONS])),
                },
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
                log.exception("model registry source")
                error = RegistryError(f"Model Registry: {type(exc).__name__}: {exc}")
            message = f"{error.summary()} — retrying in {delay:.0f}s"
            for store in self.stores.values():
                set_error(
                    store, RegistryError(message, getattr(error, "code", 0), getattr(error, "state", KindState.ERROR))
                )
            self._state, self._detail = "failed", message
            self._report()
            await asyncio.sleep(delay)
            delay = min(delay * 2, self.retry[1])

    def _shape(self, key: str, item: dict[str, Any]) -> dict[str, Any]:
        if key == MODELS:
            return _record("RegisteredModel", item)
        if key == VERSIONS:
            model = self.stores[MODELS].get(str(item.get("registeredModelId", ""))) or {}
            model_name = str(model.get("name", item.get("registeredModelId", "")))
            record = _record("ModelVersion", item, f"{model_name}/{item.get('name', '')}")
            record["modelName"] = model_name
            old = self.stores[VERSIONS].get(str(item.get("id", "")))
            record["links"] = list(old.get("links", [])) if old else []
            if old:  # what the source added to it stays until it is recomputed (a poll is then quiet)
                for keep in CARRIED:
                    if keep in old:
                        record[keep] = old[keep]
            return record
        if key == ARTIFACTS:
            return _record("ModelArtifact", item)
        if key == ENVIRONMENTS:
            return _record("ServingEnvironment", item)
        record = _record("RegistryInferenceService", item)
        env = self.stores[ENVIRONMENTS].get(str(item.get("servingEnvironmentId", ""))) or {}
        model = self.stores[MODELS].get(str(item.get("registeredModelId", ""))) or {}
        version = self.stores[VERSIONS].get(str(item.get("modelVersionId", ""))) or {}
        record.update(
            environmentName=env.get("name", ""),
            modelName=model.get("name", ""),
            versionName=version.get("name", "(latest)" if not item.get("modelVersionId") else ""),
            versionState=version.get("state", ""),
        )
        return record

    async def load(self) -> None:
        def pages(path: str):
            return self.client.pages(path, page_size=self.page_size)

        def shape(key: str):
            return lambda item: self._shape(key, item)

        await load_progressively(self.stores[MODELS], pages("/registered_models"), shape=shape(MODELS))
        await load_progressively(self.stores[VERSIONS], pages("/model_versions"), shape=shape(VERSIONS))
        counts = self.index.counts  # kept as the versions were written
        for model in list(self.stores[MODELS].values()):
            if model.get("versions") != counts.get(model["id"], 0):
                self.stores[MODELS].upsert({**model, "versions": counts.get(model["id"], 0)})
        await load_progressively(self.stores[ARTIFACTS], pages("/model_artifacts"), shape=shape(ARTIFACTS))
        await load_progressively(self.stores[ENVIRONMENTS], pages("/serving_environments"), shape=shape(ENVIRONMENTS))
        await load_progressively(self.stores[SERVICES], pages("/inference_services"), shape=shape(SERVICES))
        by_version: dict[str, list[str]] = {}
        for svc in self.stores[SERVICES].values():
            if svc.get("modelVersionId"):
                by_version.setdefault(str(svc["modelVersionId"]), []).append(svc["metadata"]["name"])
        versions = self.stores[VERSIONS]
        for key in sorted(self.index.served | by_version.keys()):  # only versions served before or now
            version = versions.get(key)
            if version is None:
                continue
            names = sorted(by_version.get(key, []))
            if names != (version.get("registryServices") or []):
                versions.upsert({**version, "registryServices": names})
        self.relink()
        await self._eager_artifacts()
        self.loads += 1

    async def _with_artifacts(self, version: dict[str, Any]) -> dict[str, Any]:
        artifacts: list[dict[str, Any]] = []
        async for items in self.client.pages(f"/model_versions/{version['id']}/artifacts", page_size=100):
            artifacts.extend(items)
        model_art = next(
            (a for a in artifacts if a.get("artifactType") == "model-artifact"), artifacts[0] if artifacts else {}
        )
        return {
            **version,
            "artifacts": [
                {
                    k: a.get(k)
                    for k in ("id", "name", "uri", "artifactType", "modelFormatName", "modelFormatVersion", "state")
                }
                for a in artifacts
            ],
            "artifactUri": model_art.get("uri", ""),
            "modelFormat": model_art.get("modelFormatName", ""),
            "modelFormatVersion": model_art.get("modelFormatVersion", ""),
        }

    async def _eager_artifacts(self) -> None:
        """Artifacts (URI, format) of the versions that matter first: served ones and each model's latest."""
        store = self.stores[VERSIONS]
        index = self.index
        wanted: dict[str, dict[str, Any]] = {}
        for key in sorted(index.linked | index.served, key=_int, reverse=True):  # newest first
            if (version := store.get(key)) is not None:
                wanted[key] = version
        for key in index.newest().values():
            if key not in wanted and (version := store.get(key)) is not None:
                wanted[key] = version
        semaphore = asyncio.Semaphore(8)

        async def one(version: dict[str, Any]) -> None:
            async with semaphore:
                try:
                    fresh = await self._with_artifacts(version)
                except SourceError:
                    return
                current = store.get(version["id"])
                if current is not None:
                    merged = {
                        **current,
                        **{k: fresh[k] for k in ("artifacts", "artifactUri", "modelFormat", "modelFormatVersion")},
                    }
                    if merged != current:  # the same artifacts again (a poll) are no change
                        store.upsert(merged)

        await asyncio.gather(*(one(v) for v in list(wanted.values())[: self.artifacts_eager]))
        self.relink()

    # ------------------------------------------------------------------ cross-links
    def relink(self) -> None:
        """Which cluster InferenceServices serve each version (labels first, then storageUri)."""
        self._links_handle = None
        if self.workspace is None:
            return
        store = self.stores[VERSIONS]
        index = self.index
        by_name, by_uri = index.by_name, index.by_uri
        latest: dict[str, str] | None = None  # computed only if a bare model URI needs it
        links: dict[str, set[str]] = {}
        for isvc in kube_records(self.workspace, INFERENCESERVICES):
            md = isvc.get("metadata") or {}
            labels = md.get("labels") or {}
            vid = labels.get(L_VERSION_ID)
            uri = storage_uri(isvc)
            if not vid and uri.startswith(SCHEME):
                model, _, version = uri[len(SCHEME) :].partition("/")
                if version:
                    vid = by_name.get((model, version))
                else:
                    if latest is None:
                        latest = index.latest()
                    vid = latest.get(model)
            if not vid and uri:
                vid = by_uri.get(uri)
            if vid:
                links.setdefault(str(vid), set()).add(f"{ISVC_KEY}/{md.get('namespace', '')}/{md.get('name', '')}")
        for key in sorted(index.linked | links.keys()):  # only versions linked before or now
            record = store.get(key)
            if record is None:
                continue
            fresh = sorted(links.get(key, ()))
            if fresh != (record.get("links") or []):
                store.upsert({**record, "links": fresh})
        services = self.stores[SERVICES]
        for key, svc in list(services.items()):
            version = store.get(str(svc.get("modelVersionId", ""))) or {}
            if version.get("state", "") != svc.get("versionState", ""):
                services.upsert({**svc, "versionState": version.get("state", "")})
