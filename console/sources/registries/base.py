"""What the three registry sources (Yatai, Model Registry, OCI) share as sources (no Textual).

Their stores are registered with their views and start "loading"; the cluster stores they
join with are kept filled; their cross-links are recomputed a quarter of a second after those
stores change (one pass per burst); they are not namespaced; stopping cancels their tasks and
closes their client.  A registry source subclasses :class:`RegistrySource` and supplies
``relink()``, ``close()`` and its own loading loop.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any, Callable, Iterable

from inference_console.catalog.view import Health, KindView
from inference_console.sources.base import Scope
from inference_console.state.store import KindState, RecordStore

if TYPE_CHECKING:
    from inference_console.state.workspace import Workspace

RELINK_AFTER = 0.25  # seconds: cluster changes within this are joined once


def classifier(view: KindView) -> Callable[[dict[str, Any]], tuple[Any, bool]]:
    def classify(record: dict[str, Any]) -> tuple[Any, bool]:
        verdict = view.health(record)
        return verdict, verdict.state is Health.FAILED

    return classify


class RegistrySource:
    name = "registry"
    link_keys: tuple[str, ...] = ()  # cluster stores whose changes move the cross-links

    def __init__(self) -> None:
        self.workspace: Workspace | None = None
        self._task: asyncio.Task | None = None
        self._unlisten: Any = None
        self._links_handle: asyncio.TimerHandle | None = None
        self._state, self._detail = "starting", ""
        self.loads = 0

    # ------------------------------------------------------------------ for subclasses
    def register_stores(self, pairs: Iterable[tuple[KindView, RecordStore]], where: str) -> None:
        """Register each view with its store (loading from ``where``) and follow the joined stores."""
        workspace = self.workspace
        assert workspace is not None
        for view, store in pairs:
            store.on_change = workspace.on_change
            workspace.register(self, view, store)
            store.set_status(KindState.LOADING, f"connecting to {where}…")
        for key in self.link_keys:  # the cross-links need them filled, whatever is on screen
            if key in workspace.views:
                workspace.ensure(key, pinned=True)
        self._unlisten = workspace.listen(self._delivered)
        self._report()

    def tasks(self) -> list[asyncio.Task | None]:
        return [self._task]

    async def close(self) -> None:
        """Close the client or pool (subclasses)."""

    def relink(self) -> None:
        """Recompute the cross-links with the cluster's stores (subclasses)."""
        self._links_handle = None

    def _report(self) -> None:
        """Tell the Registries overview this registry's state (subclasses)."""

    # ------------------------------------------------------------------ Source protocol
    async def stop(self) -> None:
        self._state = "stopped"
        if self._unlisten is not None:
            self._unlisten()
            self._unlisten = None
        if self._links_handle is not None:
            self._links_handle.cancel()
            self._links_handle = None
        tasks = [task for task in self.tasks() if task is not None]
        for task in tasks:
            task.cancel()
        if tasks:
            await asyncio.gather(*tasks, return_exceptions=True)
        self._task = None
        await self.close()

    async def set_scope(self, scope: Scope) -> None:
        return None  # a registry is not namespaced; its links follow the cluster stores

    def ensure(self, key: str, pinned: bool = False) -> None:
        return None  # every store of a registry is kept filled while it runs

    def _delivered(self, changes: dict[str, Any]) -> None:
        if self._links_handle is None and any(key in changes for key in self.link_keys):
            self._links_handle = asyncio.get_running_loop().call_later(RELINK_AFTER, self.relink)
