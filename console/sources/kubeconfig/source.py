"""Reads the kubeconfig file(s) in a worker thread and lists their contexts (no cluster I/O).

Several files joined by ``:`` are merged as kubectl merges them: the first definition of a
context, cluster or user wins.  A file that cannot be read sets the store's status to
error with the reason; the rest of the app is unaffected.
"""

from __future__ import annotations

import asyncio
import os
from typing import TYPE_CHECKING, Any

import yaml

from inference_console.sources.base import Scope, SourceError, SourceInfo
from inference_console.sources.kubeconfig.view import KEY, VIEW
from inference_console.state.store import KindState, RecordStore

if TYPE_CHECKING:
    from inference_console.state.workspace import Workspace


def read_contexts(paths: str, current: str | None = None) -> list[dict[str, Any]]:
    """The contexts of the kubeconfig files in ``paths`` (``:``-separated), first wins (pure I/O)."""
    contexts: dict[str, dict[str, Any]] = {}
    clusters: dict[str, dict[str, Any]] = {}
    users: set[str] = set()
    first_current = None
    for path in (os.path.expanduser(p) for p in paths.split(os.pathsep) if p):
        if not os.path.exists(path):
            continue
        try:
            with open(path, encoding="utf-8") as fh:
                doc = yaml.safe_load(fh) or {}
        except (OSError, yaml.YAMLError) as exc:
            raise SourceError(f"{path}: {exc}") from exc
        if not isinstance(doc, dict):
            raise SourceError(f"{path}: not a kubeconfig (a {type(doc).__name__} at the top level)")
        first_current = first_current or doc.get("current-context")
        for item in doc.get("clusters") or []:
            if isinstance(item, dict) and item.get("name") not in clusters:
                clusters[str(item.get("name"))] = item.get("cluster") or {}
        for item in doc.get("users") or []:
            if isinstance(item, dict):
                users.add(str(item.get("name")))
        for item in doc.get("contexts") or []:
            if not isinstance(item, dict) or str(item.get("name")) in contexts:
                continue
            ctx = item.get("context") or {}
            contexts[str(item.get("name"))] = {
                "name": str(item.get("name")),
                "cluster": str(ctx.get("cluster", "")),
                "user": str(ctx.get("user", "")),
                "namespace": str(ctx.get("namespace", "") or ""),
                "file": path,
            }
    active = current or first_current
    for name, record in contexts.items():
        cluster = clusters.get(record["cluster"])
        record["server"] = str((cluster or {}).get("server", ""))
        record["cluster_found"] = cluster is not None
        record["current"] = name == active
    return list(contexts.values())


class ContextsSource:
    name = "kubeconfig"

    def __init__(self, paths: str, current: str | None = None) -> None:
        self.paths = paths
        self.current = current
        self.store = RecordStore(KEY, key_of=lambda r: r["name"], classify=self._classify)
        self._state = "starting"

    @staticmethod
    def _classify(record: dict[str, Any]) -> tuple[Any, bool]:
        verdict = VIEW.health(record)
        return verdict, verdict.state.name == "FAILED"

    async def start(self, workspace: "Workspace") -> None:
        self.store.on_change = workspace.on_change
        workspace.register(self, VIEW, self.store)
        await self.reload()

    async def reload(self) -> None:
        self.store.set_status(KindState.LOADING)
        try:
            records = await asyncio.to_thread(read_contexts, self.paths, self.current)
        except SourceError as exc:
            self._state = "failed"
            self.store.set_status(KindState.ERROR, exc.summary())
            return
        self.store.replace(records)
        self.store.set_status(KindState.LIVE)
        self._state = "ready"

    async def stop(self) -> None:
        self._state = "stopped"

    async def set_scope(self, scope: Scope) -> None:
        return None  # contexts are not namespaced

    def ensure(self, key: str, pinned: bool = False) -> None:
        return None  # read once at start

    def serves(self, key: str) -> bool:
        return key == KEY

    def describe(self) -> SourceInfo:
        return SourceInfo(self.name, self._state, self.paths, {"contexts": str(len(self.store))})

    async def fetch(self, key: str, record: dict[str, Any]) -> dict[str, Any]:
        return record
