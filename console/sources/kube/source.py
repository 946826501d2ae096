"""The Kubernetes source: one connected cluster, discovery, a bounded set of informers.

It registers a :class:`~inference_console.catalog.base.KindSpec` (a view) and an
:class:`~inference_console.sources.kube.store.ObjectStore` per served kind in the
workspace; the UI asks for kinds (``workspace.ensure``) and reads stores, and never sees
the transport.  Informers run only for kinds that are on screen or counted in the sidebar,
at most ``max_informers`` at once (least recently used unpinned ones are stopped first).
Reads the UI needs beyond the stores (a fresh object, a CRD) are methods here.
"""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from typing import TYPE_CHECKING, Any, Callable

from inference_console.catalog import builtin_kinds
from inference_console.catalog.base import Health, HealthResult, KindSpec
from inference_console.sources.base import Scope, SourceInfo
from inference_console.sources.kube.causes import CauseJoin, is_serving
from inference_console.sources.kube.connect import ClusterInfo
from inference_console.sources.kube.discovery import Discovery, ResolvedCatalog, discover, resolve_catalog
from inference_console.sources.kube.errors import KubeError
from inference_console.sources.kube.informer import Informer
from inference_console.sources.kube.store import ObjectStore
from inference_console.sources.kube.transport import ResourceRef, Transport
from inference_console.state.store import KindState

if TYPE_CHECKING:
    from inference_console.state.workspace import Workspace

BUILTIN_GROUPS = (
    "",
    "apps",
    "batch",
    "autoscaling",
    "policy",
    "networking.k8s.io",
    "rbac.authorization.k8s.io",
    "storage.k8s.io",
    "apiextensions.k8s.io",
    "events.k8s.io",
    "coordination.k8s.io",
    "discovery.k8s.io",
    "admissionregistration.k8s.io",
    "scheduling.k8s.io",
    "node.k8s.io",
    "certificates.k8s.io",
)


def classifier(spec: KindSpec) -> Callable[[dict[str, Any]], tuple[HealthResult, bool]]:
    """Health once per object version: kept by the store, shown by the table and sidebar."""

    def classify(obj: dict[str, Any]) -> tuple[HealthResult, bool]:
        try:
            health = spec.health(obj)
        except Exception as exc:  # noqa: BLE001 - a rule must never break ingestion
            health = HealthResult(Health.UNKNOWN, f"health rule failed: {type(exc).__name__}")
        return health, health.state is Health.FAILED

    return classify


class KubeSource:
    name = "kube"
    editable = True  # its objects go through the action layer (edit, quick actions)

    def __init__(
        self,
        transport: Transport,
        info: ClusterInfo,
        *,
        on_store_change: Callable[[ObjectStore], None] | None = None,
        all_namespaces: bool = False,
        max_informers: int = 24,
        informer_options: dict[str, Any] | None = None,
    ) -> None:
        self.transport = transport
        self.info = info
        self.namespace: str | None = None if all_namespaces else info.namespace
        self.max_informers = max_informers
        self._on_change = on_store_change
        self.workspace: Workspace | None = None
        self._crds: dict[str, dict[str, Any] | None] = {}
        self._informer_options = informer_options or {}
        self.catalog: ResolvedCatalog | None = None
        self.discovery: Discovery | None = None
        self.specs: dict[str, KindSpec] = {spec.key: spec for spec in builtin_kinds()}
        self.stores: dict[str, ObjectStore] = {}
        # Serving objects' health joins the pods, events and Deployments behind them.
        self.causes = CauseJoin(self.stores.get, lambda: self.specs)
        self._informers: OrderedDict[str, Informer] = OrderedDict()
        self._pinned: set[str] = set()

    # ------------------------------------------------------------------ the Source protocol
    async def start(self, workspace: "Workspace") -> None:
        """Register every kind (after :meth:`discover`) and pin those the sidebar counts."""
        self.workspace = workspace
        if self._on_change is None:
            self._on_change = workspace.on_change
        for store in self.stores.values():  # made during discovery (status "not installed")
            if store.status.state is not KindState.IDLE:
                self._changed(store)
        for key, spec in self.specs.items():
            workspace.register(self, spec, self.store(key))
        self.causes.attach(*(self.store(k) if k in self.specs else None for k in ("pods", "events", "deployments")))
        for key in list(self.specs):
            if self.installed(key) and not self.is_extra(key):
                self.ensure(key, pinned=True)
        self.causes.start_rechecks()

    async def stop(self) -> None:
        await self.close()

    async def set_scope(self, scope: Scope) -> None:
        await self.set_namespace(scope.namespace)

    def serves(self, key: str) -> bool:
        return self.installed(key)

    def describe(self) -> SourceInfo:
        info = self.info
        return SourceInfo(
            self.name,
            "ready" if self.catalog is not None else "starting",
            info.server,
            {
                "context": info.context,
                "server": info.server,
                "user": info.user,
                "namespace": self.namespace or "all",
                "tls": "verified" if info.tls_verified else "UNVERIFIED",
            },
        )

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
            judge = self.causes.classify(spec) if is_serving(spec) else classifier(spec)
            store = ObjectStore(
                key, kind=spec.kind, api_version=spec.api_version, classify=judge, on_change=self._changed
            )
            self.stores[key] = store
        return store

    def _changed(self, store: ObjectStore) -> None:
        if self._on_change is not None:
            self._on_change(store)

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
    async def fetch(self, key: str, record: dict[str, Any]) -> dict[str, Any]:
        """The whole object as the server has it now (managedFields included)."""
        md = record.get("metadata") or {}
        fresh = await self.get(key, md.get("namespace") or None, md.get("name", ""))
        fresh.setdefault("kind", record.get("kind"))
        fresh.setdefault("apiVersion", record.get("apiVersion"))
        return fresh

    async def get(self, key: str, namespace: str | None, name: str) -> dict[str, Any]:
        spec = self.specs[key]
        ref = ResourceRef(spec.group, spec.version, spec.plural, spec.namespaced)
        return await self.transport.get(ref.object_path(namespace if spec.namespaced else None, name))

    async def count_elsewhere(self, key: str, limit: int = 500) -> dict[str, int]:
        """How many objects of a kind each namespace has (one page of a cluster-wide list):
        what an empty namespaced view points to ("12 in bentoml — 0 for all namespaces")."""
        spec = self.specs[key]
        ref = ResourceRef(spec.group, spec.version, spec.plural, spec.namespaced)
        try:
            body = await self.transport.get(ref.collection_path(None), [("limit", str(limit))])
        except KubeError:
            return {}
        counts: dict[str, int] = {}
        for item in body.get("items") or []:
            ns = (item.get("metadata") or {}).get("namespace") or ""
            counts[ns] = counts.get(ns, 0) + 1
        return counts

    def is_custom(self, key: str) -> bool:
        """Served by a CustomResourceDefinition (not a built-in API group)."""
        return self.specs[key].group not in BUILTIN_GROUPS

    async def crd(self, key: str) -> dict[str, Any] | None:
        """The CustomResourceDefinition of a kind (None for built-in kinds or when unreadable); cached."""
        spec = self.specs[key]
        if spec.group in BUILTIN_GROUPS:
            return None
        name = f"{spec.plural}.{spec.group}"
        if name not in self._crds:
            try:
                self._crds[name] = await self.transport.get(
                    f"/apis/apiextensions.k8s.io/v1/customresourcedefinitions/{name}"
                )
            except KubeError:
                return None  # not cached: forbidden now may be allowed later
        return self._crds[name]

    # ------------------------------------------------------------------ access (RBAC), issue 8 §5
    ACCESS_TTL = 30.0  # seconds a SelfSubjectRulesReview is trusted; a 403 or a namespace switch drops it

    def allowed(self, key: str, verb: str, namespace: str | None) -> bool | None:
        """Whether RBAC lets you ``verb`` objects of ``key`` in ``namespace``, as far as the rules
        review (one per namespace, kept ``ACCESS_TTL`` seconds) says: None when not known (not
        asked yet: :meth:`access` asks; the review failed; the server is not sure)."""
        spec = self.specs.get(key)
        rules = self._access_cache().get(self._access_ns(spec, namespace)) if spec is not None else None
        if (
            rules is None
            or rules.scope != self.namespace
            or asyncio.get_running_loop().time() - rules.fetched_at > self.ACCESS_TTL
        ):
            return None
        return rules.allows(spec.group, spec.plural, verb)

    async def access(self, key: str, namespace: str | None) -> bool:
        """Ask for the rules that hold in ``namespace`` unless fresh ones are known (one request
        at a time per namespace); True when the server answered (False: it could not say)."""
        from inference_console.sources.kube.access import Rules, review_body

        spec = self.specs.get(key)
        if spec is None:
            return False
        ns = self._access_ns(spec, namespace)
        loop = asyncio.get_running_loop()
        cached = self._access_cache().get(ns)
        if cached is not None and cached.scope == self.namespace and loop.time() - cached.fetched_at <= self.ACCESS_TTL:
            return True
        pending = self._access_pending.get(ns)
        if pending is None:

            async def ask() -> None:
                scope = self.namespace
                try:
                    body = await self.transport.request(
                        "POST", "/apis/authorization.k8s.io/v1/selfsubjectrulesreviews", None, review_body(ns)
                    )
                except KubeError as err:
                    # Unknown (a server without the review, or forbidden to ask): nothing is marked,
                    # the 403 path holds; not asked again before the TTL.
                    self._access_cache()[ns] = Rules(
                        incomplete=True, error=err.summary(), fetched_at=loop.time(), scope=scope
                    )
                    return
                self._access_cache()[ns] = Rules.from_review(body, loop.time(), scope)

            pending = self._access_pending[ns] = asyncio.ensure_future(ask())
            pending.add_done_callback(lambda _: self._access_pending.pop(ns, None))
        await asyncio.shield(pending)
        known = self._access_cache().get(ns)
        return known is not None and not known.error

    def forget_access(self, namespace: str | None = None) -> None:
        """Drop what is known of ``namespace``'s rules (and of cluster-scoped kinds'): after a 403
        the rules changed meanwhile.  ``None`` forgets every namespace."""
        cache = self._access_cache()
        self.access_generation = getattr(self, "access_generation", 0) + 1
        if namespace is None:
            cache.clear()
        else:
            cache.pop(namespace, None)
            cache.pop("", None)

    async def whoami(self) -> str | None:
        """The user the server says you are (SelfSubjectReview, ``kubectl auth whoami``); None if it cannot say."""
        from inference_console.sources.kube.access import WHOAMI_BODY, username

        try:
            body = await self.transport.request(
                "POST", "/apis/authentication.k8s.io/v1/selfsubjectreviews", None, dict(WHOAMI_BODY)
            )
        except KubeError:
            return None
        self.user = username(body)
        return self.user

    def _access_ns(self, spec: KindSpec | None, namespace: str | None) -> str:
        # Cluster-scoped kinds: the rules of any namespace hold them; "" (cluster-wide rules) when none is named.
        return (namespace or "") if spec is not None and spec.namespaced else (namespace or self.namespace or "")

    def _access_cache(self) -> dict[str, Any]:
        if "_access_rules" not in self.__dict__:
            self._access_rules: dict[str, Any] = {}
            self._access_pending: dict[str, asyncio.Future[None]] = {}
        return self._access_rules

    async def list_namespaces(self) -> list[str]:
        try:
            body = await self.transport.get("/api/v1/namespaces")
        except KubeError:
            return []
        return sorted((i.get("metadata") or {}).get("name", "") for i in body.get("items") or [])

    async def close(self) -> None:
        self.causes.close()
        tasks = [t for t in (inf.cancel() for inf in self._informers.values()) if t is not None]
        self._informers.clear()
        try:
            if tasks:
                await asyncio.wait(tasks)
        finally:  # even when the caller is cancelled meanwhile
            await self.transport.close()
