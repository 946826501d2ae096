"""The workspace: every store, how each is shown, which source fills it, and the change hub.

Owned by the app and read by screens.  Sources register a view and a store per kind
(:meth:`Workspace.register`) and write into the stores; the hub pushes what changed to
the listeners (the app, which posts it to screens) once per frame.  The workspace knows
nothing of Kubernetes or HTTP: a store of GPUs or registry versions is as first-class as
a store of pods.  No Textual here.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Callable, Iterable

from inference_console.sources.base import Scope, Source, SourceError, SourceInfo
from inference_console.state.hub import ChangeHub
from inference_console.state.store import Changes, KindState, Store
from inference_console.state.watch import Watches

if TYPE_CHECKING:  # (the catalog is imported after the first frame)
    from inference_console.catalog.view import KindView

Listener = Callable[[dict[str, Changes]], None]


class Workspace:
    def __init__(self, interval: float = 1 / 30) -> None:
        self.hub = ChangeHub(self._deliver, interval)
        self.views: dict[str, KindView] = {}
        self.stores: dict[str, Store] = {}
        self.sources: dict[str, Source] = {}
        self._owner: dict[str, str] = {}  # store key -> source name
        self._listeners: list[Listener] = []
        self.watches = Watches()
        self.scope = Scope()

    # ------------------------------------------------------------------ sources
    def add_source(self, source: Source) -> None:
        if source.name in self.sources:
            raise ValueError(f"a source named {source.name!r} is already in the workspace")
        self.sources[source.name] = source

    async def start_source(self, source: Source) -> None:
        self.add_source(source)
        await source.start(self)

    async def remove_source(self, name: str) -> None:
        """Stop a source and drop its stores (their screens show them gone)."""
        source = self.sources.pop(name, None)
        if source is None:
            return
        try:
            await source.stop()
        finally:
            for key in [k for k, owner in self._owner.items() if owner == name]:
                self.unregister(key)

    def source_of(self, key: str) -> Source | None:
        name = self._owner.get(key)
        return self.sources.get(name) if name else None

    def infos(self) -> list[SourceInfo]:
        return [source.describe() for source in self.sources.values()]

    # ------------------------------------------------------------------ stores (sources call these)
    def register(self, source: Source | str, view: KindView, store: Store | None = None) -> None:
        """Declare a kind (its view); ``store`` may come later (:meth:`attach`)."""
        name = source if isinstance(source, str) else source.name
        self.views[view.key] = view
        self._owner[view.key] = name
        if store is not None:
            self.attach(store)

    def attach(self, store: Store) -> Store:
        """Hold ``store``; a store that tells no one of its changes is wired to the hub, so a
        source cannot forget to (its writes would reach screens only when they redraw)."""
        if getattr(store, "on_change", False) is None:
            store.on_change = self.on_change  # type: ignore[attr-defined]
        self.stores[store.key] = store
        return store

    def unregister(self, key: str) -> None:
        self.views.pop(key, None)
        self._owner.pop(key, None)
        store = self.stores.pop(key, None)
        if store is not None:
            self._deliver({key: Changes(reset=True, status_changed=True)})

    def on_change(self, store: Store) -> None:
        """The callback a source gives its stores: the hub coalesces it per frame."""
        self.hub.mark(store)

    # ------------------------------------------------------------------ what screens use
    def view(self, key: str) -> KindView | None:
        return self.views.get(key)

    def store(self, key: str) -> Store | None:
        return self.stores.get(key)

    def kinds(self) -> Iterable[KindView]:
        return self.views.values()

    def serves(self, key: str) -> bool:
        source = self.source_of(key)
        return source is not None and source.serves(key)

    def ensure(self, key: str, pinned: bool = False) -> Store | None:
        """Ask the owning source to keep ``key`` filled; the store (once it exists)."""
        source = self.source_of(key)
        if source is not None:
            source.ensure(key, pinned)
        return self.stores.get(key)

    def editable(self, key: str) -> bool:
        """Whether records of ``key`` can be edited and acted on (their source writes objects)."""
        return bool(getattr(self.source_of(key), "editable", False))

    async def elsewhere(self, key: str) -> dict[str, int]:
        """Counts of ``key``'s records by namespace, outside the current scope (empty if unknown)."""
        count = getattr(self.source_of(key), "count_elsewhere", None)
        return await count(key) if count is not None else {}

    async def fetch(self, key: str, record: dict[str, Any]) -> dict[str, Any]:
        """A fresh complete copy of a record from its source (raises SourceError)."""
        source = self.source_of(key)
        if source is None:
            raise SourceError(f"no source serves {key!r}")
        return await source.fetch(key, record)

    async def set_scope(self, scope: Scope) -> None:
        self.scope = scope
        for source in list(self.sources.values()):
            await source.set_scope(scope)

    def problems(self) -> list[tuple[str, str]]:
        """(store key, reason) of stores that are reconnecting, for the header."""
        return [
            (key, store.status.reason)
            for key, store in self.stores.items()
            if store.status.state is KindState.RECONNECTING
        ]

    # ------------------------------------------------------------------ delivery
    def listen(self, listener: Listener) -> Callable[[], None]:
        self._listeners.append(listener)
        return lambda: self._listeners.remove(listener)

    def _deliver(self, changes: dict[str, Changes]) -> None:
        for listener in list(self._listeners):
            listener(changes)

    def feed_watches(self, changes: dict[str, Changes]) -> None:
        """Screens call this after drawing a delivery (see :mod:`~inference_console.state.watch`)."""
        if len(self.watches):
            self.watches.feed(changes, self.stores)

    async def close(self) -> None:
        self.hub.close()
        for name in list(self.sources):
            try:
                await self.remove_source(name)
            except Exception:  # noqa: BLE001 - closing must reach every source
                pass
