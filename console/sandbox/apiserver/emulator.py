"""KubeEmulator: a Kubernetes API server emulator on aiohttp, with synchronous object
operations (for tests and the demo's simulated controller) and fault injection."""

from __future__ import annotations

import asyncio
import json
import os
from collections import deque
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterable

import yaml
from aiohttp import web

try:  # pragma: no cover - depends on how PyYAML was built
    from yaml import CSafeLoader as _YamlLoader
except ImportError:  # pragma: no cover
    from yaml import SafeLoader as _YamlLoader  # type: ignore[assignment]

from .builtin import builtin_types
from .crud import CRD_KEY, Crud
from .meta import clone
from .resources import Registry, ResourceType
from .server import RequestRecord, build_app
from .status import EmulatorError
from .storage import Entry, Event, Store
from .watch import WatchHub

REQUEST_LOG_LIMIT = 10_000
MUTATING = ("POST", "PUT", "PATCH", "DELETE")


@dataclass(frozen=True)
class DenyRule:
    resource: str
    group: str = ""
    verb: str = "*"
    namespace: str | None = None

    def matches(self, rt: ResourceType, verb: str, namespace: str | None, sub: str | None) -> bool:
        return self.matches_request(rt.plural, rt.group, verb, namespace, sub)

    def matches_request(self, resource: str, group: str, verb: str, namespace: str | None, sub: str | None) -> bool:
        res = f"{resource}/{sub}" if sub else resource
        if self.resource not in ("*", res):
            return False
        if self.group not in ("*", group):
            return False
        if self.verb not in ("*", verb):
            return False
        return self.namespace is None or self.namespace == namespace


def _out(entry: Entry) -> dict[str, Any]:
    return json.loads(entry.raw) if entry.raw else clone(entry.obj)


class KubeEmulator:
    """An in-process Kubernetes API server.

    The synchronous object methods must be called on the event loop the server runs on:
    they change the store and notify open watches at once. They validate like HTTP writes
    do, with ``field_validation="Strict"`` by default (an unknown field is an error, not a
    silent prune).

    ``requests`` keeps the last 10,000 requests received; ``request_counts`` counts every
    request by method and ``mutating_requests`` the POST/PUT/PATCH/DELETE ones (dry runs too).
    """

    def __init__(self, bookmark_interval: float = 1.0, history_limit: int = 100_000, gc_delay: float = 0.05) -> None:
        self.bookmark_interval = float(bookmark_interval)
        self.registry = Registry()
        for rt in builtin_types():
            self.registry.add(rt)
        self.store = Store(history_limit)
        self.crud = Crud(self.registry, self.store)
        self.crud.on_crd_change = self._crd_changed
        self.hub = WatchHub(self.store)
        self.requests: deque[RequestRecord] = deque(maxlen=REQUEST_LOG_LIMIT)
        self.request_counts: dict[str, int] = {}
        self.gc_delay = float(gc_delay)
        self._gc_handle: asyncio.TimerHandle | None = None
        self.crud.on_gc_needed = self._schedule_gc
        self.denies: list[DenyRule] = []
        self.token: str | None = None
        self.latency = 0.0
        self.url: str | None = None
        self._runner: web.AppRunner | None = None

    # ---- server lifecycle -------------------------------------------------------------
    async def start(self, host: str = "127.0.0.1", port: int = 0) -> str:
        if self._runner is not None:
            raise RuntimeError("KubeEmulator already started")
        runner = web.AppRunner(
            build_app(self), handle_signals=False, access_log=None, handler_cancellation=True, shutdown_timeout=0.5
        )
        await runner.setup()
        site = web.TCPSite(runner, host, port)
        await site.start()
        server = site._server  # the asyncio.Server behind the site
        sockets = getattr(server, "sockets", None) or []
        bound = sockets[0].getsockname()[1] if sockets else port
        self._runner = runner
        shown = f"[{host}]" if ":" in host else host
        self.url = f"http://{shown}:{bound}"
        return self.url

    async def stop(self) -> None:
        runner, self._runner = self._runner, None
        if self._gc_handle is not None:
            self._gc_handle.cancel()
            self._gc_handle = None
        if runner is None:
            return
        self.hub.drop_all()
        await asyncio.sleep(0)
        await runner.cleanup()

    async def __aenter__(self) -> KubeEmulator:
        if self._runner is None:
            await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    # ---- CRDs -------------------------------------------------------------------------
    def _crd_changed(self, crd: dict[str, Any], present: bool) -> None:
        if present:
            self.registry.install_crd(crd)
        else:
            name = (crd.get("metadata") or {}).get("name", "")
            for rt in self.registry.remove_crd(name):
                self.store.drop_resource(rt.key)
                self.hub.close_resource(rt.key)

    def install_crd(self, crd: dict[str, Any]) -> None:
        """Store an apiextensions.k8s.io/v1 CustomResourceDefinition and serve all its versions."""
        if not isinstance(crd, dict) or crd.get("kind") != "CustomResourceDefinition":
            raise EmulatorError(400, "BadRequest", "install_crd needs a CustomResourceDefinition dict")
        self.apply({**crd, "apiVersion": "apiextensions.k8s.io/v1"})

    def install_crd_files(self, paths: str | os.PathLike[str] | Iterable[str | os.PathLike[str]]) -> None:
        """Install every CustomResourceDefinition found in the given YAML files (several docs allowed)."""
        if isinstance(paths, (str, os.PathLike)):
            paths = [paths]
        for path in paths:
            with open(Path(path), encoding="utf-8") as fh:
                docs = list(yaml.load_all(fh, Loader=_YamlLoader))
            found = False
            for doc in docs:
                if isinstance(doc, dict) and doc.get("kind") == "CustomResourceDefinition":
                    self.install_crd(doc)
                    found = True
            if not found:
                raise EmulatorError(400, "BadRequest", f"no CustomResourceDefinition in {path}")

    # ---- synchronous object operations ------------------------------------------------
    def _type(self, api_version: str, kind: str) -> ResourceType:
        return self.crud.type_for(api_version, kind)

    def _type_of(self, obj: dict[str, Any]) -> ResourceType:
        if not isinstance(obj, dict):
            raise EmulatorError(400, "BadRequest", "object must be a dict")
        return self._type(obj.get("apiVersion") or "", obj.get("kind") or "")

    def create(self, obj: dict[str, Any], *, field_validation: str = "Strict") -> dict[str, Any]:
        rt = self._type_of(obj)
        ns = (obj.get("metadata") or {}).get("namespace")
        return _out(self.crud.create(rt, obj, ns, field_validation=field_validation))

    def restore(
        self, obj: dict[str, Any], *, field_validation: str = "Strict", take: bool = False
    ) -> dict[str, Any] | None:
        """Create keeping the object's own metadata.uid, creationTimestamp and generation (filled in
        when missing), like restoring a snapshot of a cluster; a new resourceVersion, ADDED event.
        The object is validated like any write (schema of its CRD version included).

        ``take=True`` lets the emulator keep ``obj`` itself instead of a copy (the caller must not
        use it afterwards) and returns None instead of a copy of the stored object: the fast path
        for loading thousands of objects."""
        rt = self._type_of(obj)
        ns = (obj.get("metadata") or {}).get("namespace")
        entry = self.crud.create(rt, obj, ns, keep_identity=True, field_validation=field_validation, take=take)
        return None if take else _out(entry)

    def apply(self, obj: dict[str, Any], *, field_validation: str = "Strict") -> dict[str, Any]:
        """Create, or replace the whole object (keeping uid and creationTimestamp)."""
        rt = self._type_of(obj)
        md = obj.get("metadata") or {}
        ns = (md.get("namespace") or "default") if rt.namespaced else ""
        cur = self.store.get(rt.key, ns, md.get("name", ""))
        if cur is None:
            return _out(self.crud.create(rt, obj, ns or None, field_validation=field_validation))
        new = clone(obj)
        new.setdefault("metadata", {})["resourceVersion"] = cur.obj["metadata"]["resourceVersion"]
        return _out(self.crud.update(rt, new, ns or None, md.get("name"), field_validation=field_validation))

    def update(self, obj: dict[str, Any], *, field_validation: str = "Strict") -> dict[str, Any]:
        rt = self._type_of(obj)
        md = obj.get("metadata") or {}
        return _out(self.crud.update(rt, obj, md.get("namespace"), md.get("name"), field_validation=field_validation))

    def patch(
        self,
        api_version: str,
        kind: str,
        namespace: str | None,
        name: str,
        patch: Any,
        patch_type: str = "merge",
        *,
        field_validation: str = "Strict",
    ) -> dict[str, Any]:
        """Patch with "merge" (RFC 7386), "json" (RFC 6902) or "strategic" (built-in kinds only)."""
        if patch_type not in ("merge", "json", "strategic"):
            raise EmulatorError(400, "BadRequest", f"unknown patch type {patch_type!r}")
        rt = self._type(api_version, kind)
        return _out(self.crud.patch(rt, namespace, name, patch, patch_type, field_validation=field_validation))

    def delete(
        self,
        api_version: str,
        kind: str,
        namespace: str | None,
        name: str,
        *,
        propagation_policy: str = "Background",
        preconditions: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        """Delete like DELETE with DeleteOptions: ``propagation_policy`` Background (dependents are
        garbage-collected shortly after), Foreground or Orphan; ``preconditions`` {uid,
        resourceVersion} (stale: 409 Conflict)."""
        rt = self._type(api_version, kind)
        entry, _ = self.crud.delete(
            rt,
            (namespace or "default") if rt.namespaced else None,
            name,
            propagation=propagation_policy,
            preconditions=preconditions,
        )
        return _out(entry)

    def get(self, api_version: str, kind: str, namespace: str | None, name: str) -> dict[str, Any] | None:
        rt = self._type(api_version, kind)
        e = self.store.get(rt.key, (namespace or "default") if rt.namespaced else "", name)
        return json.loads(e.raw_as(rt.api_version)) if e else None

    def list(
        self, api_version: str, kind: str, namespace: str | None = None, label_selector: str | None = None
    ) -> list[dict[str, Any]]:
        from .selectors import make_filter

        rt = self._type(api_version, kind)
        entries, _, _, _ = self.crud.list(rt, namespace, make_filter(label_selector, None, rt.kind))
        return [json.loads(e.raw_as(rt.api_version)) for e in entries]

    def peek(self, api_version: str, kind: str, namespace: str | None = None) -> list[dict[str, Any]]:
        """The stored objects themselves, not copies: for the sandbox's own readers that look at
        every object often (the demo's log writer, twice a second).  Read-only: never change them.
        :meth:`list` decodes a copy of each, which at 10,000 pods kept the API server busy."""
        rt = self._type(api_version, kind)
        entries, _, _, _ = self.crud.list(rt, namespace)
        return [e.obj for e in entries]

    def owned_by(self, owner_uid: str, kind: str | None = None) -> list[dict[str, Any]]:
        """The objects whose ownerReferences name ``owner_uid`` (optionally of one kind), from an
        index: O(dependents), not a scan of the cluster."""
        out = []
        for key, ns, name in self.store.dependents(owner_uid):
            e = self.store.get(key, ns, name)
            if e is None or (kind is not None and e.obj.get("kind") != kind):
                continue
            out.append(json.loads(e.raw) if e.raw else clone(e.obj))
        return out

    def add_listener(self, fn: Callable[[Event], None]) -> Callable[[], None]:
        """Call ``fn(event)`` after every change the store records, synchronously on the
        emulator's loop (from HTTP writes, the synchronous methods and the garbage collector).
        ``event.type`` is ADDED/MODIFIED/DELETED, ``event.key`` (group, plural), ``event.namespace``,
        ``event.rv``; ``event.obj`` decodes the object. ``fn`` must not write to the emulator.
        Returns a function that removes the listener."""
        self.store.listeners.append(fn)

        def remove() -> None:
            if fn in self.store.listeners:
                self.store.listeners.remove(fn)

        return remove

    # ---- garbage collection ---------------------------------------------------------------
    def _schedule_gc(self) -> None:
        if self._gc_handle is not None:
            return
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:  # no loop (plain synchronous use): collect at once
            self.crud.collect_garbage()
            return
        self._gc_handle = loop.call_later(self.gc_delay, self._gc_due)

    def _gc_due(self) -> None:
        self._gc_handle = None
        self.crud.collect_garbage()

    def collect_garbage(self) -> int:
        """Run the garbage collector now (it also runs by itself ``gc_delay`` seconds after an
        owner is deleted); returns how many dependents it deleted."""
        if self._gc_handle is not None:
            self._gc_handle.cancel()
            self._gc_handle = None
        return self.crud.collect_garbage()

    # ---- request log ----------------------------------------------------------------------
    def record_request(self, record: RequestRecord) -> None:
        self.requests.append(record)
        self.request_counts[record.method] = self.request_counts.get(record.method, 0) + 1

    @property
    def mutating_requests(self) -> int:
        """POST/PUT/PATCH/DELETE requests received so far (dry runs and refused ones included)."""
        return sum(self.request_counts.get(m, 0) for m in MUTATING)

    def reset_requests(self) -> None:
        """Forget the request log and the counters."""
        self.requests.clear()
        self.request_counts.clear()

    @property
    def resource_version(self) -> int:
        return self.store.rv

    # ---- fault injection --------------------------------------------------------------
    def compact(self) -> None:
        """Forget all watch history: watches (and continue tokens) from older RVs get 410 Expired."""
        self.store.compact()

    def drop_watches(self) -> int:
        """Abort every open watch connection; returns how many were open."""
        return self.hub.drop_all()

    def deny(self, resource: str, group: str = "", verb: str = "*", namespace: str | None = None) -> None:
        """Answer matching HTTP requests with 403 Forbidden (like missing RBAC)."""
        self.denies.append(DenyRule(resource, group, verb, namespace))

    def allow_all(self) -> None:
        """Remove every deny() rule."""
        self.denies.clear()

    def require_token(self, token: str | None) -> None:
        """Requests without ``Authorization: Bearer <token>`` get 401 (None turns the check off)."""
        self.token = token

    def set_latency(self, seconds: float) -> None:
        self.latency = max(0.0, float(seconds))

    @property
    def watch_count(self) -> int:
        return self.hub.count()


__all__ = ["KubeEmulator", "EmulatorError", "DenyRule", "CRD_KEY"]
