"""One connected cluster: discovery, a bounded set of informers, their stores.

The UI asks for kinds (``ensure``) and reads stores; it never sees the transport.
Informers run only for kinds that are on screen or counted in the sidebar, at most
``max_informers`` at once (least recently used unpinned ones are stopped first).
"""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from typing import Any, Callable

from inference_console.catalog import builtin_kinds
from inference_console.catalog.base import Health, HealthResult, KindSpec
from inference_console.sources.kube.connect import ClusterInfo
from inference_console.sources.kube.discovery import Discovery, ResolvedCatalog, discover, resolve_catalog
from inference_console.sources.kube.errors import KubeError
from inference_console.sources.kube.informer import Informer
from inference_console.sources.kube.transport import ResourceRef, Transport
from inference_console.state.store import KindState, ObjectStore


def classifier(spec: KindSpec) -> Callable[[dict[str, Any]], tuple[HealthResult, bool]]:
    """Health once per object version: kept by the store, shown by the table and sidebar."""

    def classify(obj: dict[str, Any]) -> tuple[HealthResult, bool]:
        try:
            health = spec.health(obj)
        except Exception as exc:  # noqa: BLE001 - a rule must never break ingestion
            health = HealthResult(Health.UNKNOWN, f"health rule failed: {type(exc).__name__}")
        return health, health.state is Health.FAILED

    return classify


class KubeSession:
    def __init__(self, transport: Transport, info: ClusterInfo, *, on_store_change: Callable[[ObjectStore], None],
                 all_namespaces: bool = False, max_informers: int = 24, informer_options: dict[str, Any] | None = None) -> None:
        self.transport = transport
        self.info = info
        self.namespace: str | None = None if all_namespaces else info.namespace
        self.max_informers = max_informers
        self._on_change = on_store_change
        self._informer_options = informer_options or {}
        self.catalog: ResolvedCatalog | None = None
        self.discovery: Discovery | None = None
        self.specs: dict[str, KindSpec] = {spec.key: spec for spec in builtin_kinds()}
        self.stores: dict[str, ObjectStore] = {}
        self._informers: OrderedDict[str, Informer] = OrderedDict()
        self._pinned: set[str] = set()

    # ------------------------------------------------------------------ discovery
    async def discover(self) -> ResolvedCatalog:
        builtin = builtin_kinds()
        groups = {g for spec in builtin for g, _ in ((spec.group, spec.version), *spec.alternatives) if g}
        self.discovery = await discover(self.transport, groups)
        self.catalog = resolve_catalog(builtin, self.discovery)
        self.specs = {spec.key: spec for spec in (*self.catalog.kinds, *self.catalog.extra)}
        for key in self.specs:
            if key not in self.catalog.installed and not self.is_extra(key):
                self.store(key).set_status(KindState.NOT_INSTALLED, "not served by this cluster")
        return self.catalog

    def is_extra(self, key: str) -> bool:
        return self.catalog is not None and any(s.key == key for s in self.catalog.extra)

    def installed(self, key: str) -> bool:
        if self.catalog is None:
            return False
        return key in self.catalog.installed or self.is_extra(key)

    # ------------------------------------------------------------------ stores and informers
    def store(self, key: str) -> ObjectStore:
        store = self.stores.get(key)
        if store is None:
            spec = self.specs[key]
            store = ObjectStore(key, kind=spec.kind, api_version=spec.api_version,
                                classify=classifier(spec), on_change=self._on_change)
            self.stores[key] = store
        return store

    def ensure(self, key: str, pinned: bool = False) -> ObjectStore:
        """Make sure ``key`` is being watched in the current scope; return its store."""
        store = self.store(key)
        if pinned:
            self._pinned.add(key)
        if not self.installed(key):
            return store
        informer = self._informers.get(key)
        if informer is not None:
            self._informers.move_to_end(key)
            return store
        spec = self.specs[key]
        ref = ResourceRef(spec.group, spec.version, spec.plural, spec.namespaced)
        informer = Informer(self.transport, ref, store, namespace=self.namespace, **self._informer_options)
        self._informers[key] = informer
        informer.start()
        self._evict()
        return store

    def _evict(self) -> None:
        while len(self._informers) > self.max_informers:
            victim = next((k for k in self._informers if k not in self._pinned), None)
            if victim is None:
                return
            self._informers.pop(victim).cancel()  # synchronously: nothing more reaches the cleared store
            self.stores[victim].clear()
            self.stores[victim].set_status(KindState.IDLE)

    @property
    def informer_count(self) -> int:
        return len(self._informers)

    def informer(self, key: str) -> Informer | None:
        return self._informers.get(key)

    async def set_namespace(self, namespace: str | None) -> None:
        """Switch scope (None = all namespaces): namespaced informers restart, stores reset."""
        if namespace == self.namespace:
            return
        # No await until the new informers run: a second switch (or an ensure) meanwhile must
        # find a consistent set of informers, and no old-scope event may reach a cleared store.
        self.namespace = namespace
        restart = [k for k, inf in self._informers.items() if self.specs[k].namespaced]
        old = [self._informers.pop(key).cancel() for key in restart]
        for key in restart:
            self.stores[key].clear()
        for key in restart:
            self.ensure(key)
        stopping = [task for task in old if task is not None]
        if stopping:
            await asyncio.wait(stopping)

    # ------------------------------------------------------------------ reads
    async def fetch(self, key: str, namespace: str | None, name: str) -> dict[str, Any]:
        spec = self.specs[key]
        ref = ResourceRef(spec.group, spec.version, spec.plural, spec.namespaced)
        return await self.transport.get(ref.object_path(namespace if spec.namespaced else None, name))

    async def list_namespaces(self) -> list[str]:
        try:
            body = await self.transport.get("/api/v1/namespaces")
        except KubeError:
            return []
        return sorted((i.get("metadata") or {}).get("name", "") for i in body.get("items") or [])

    async def close(self) -> None:
        tasks = [t for t in (inf.cancel() for inf in self._informers.values()) if t is not None]
        self._informers.clear()
        try:
            if tasks:
                await asyncio.wait(tasks)
        finally:  # even when the caller is cancelled meanwhile
            await self.transport.close()
