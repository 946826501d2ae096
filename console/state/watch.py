"""Waiting until a change has come back through a source's watch and been shown.

One mechanism for every flow that writes (``e`` and the quick actions): a flow opens a
:class:`ChangeWatch` on a store before it sends, screens feed it each delivery after they
have drawn it (so "seen in the table" means the row already shows it), and the flow awaits
:meth:`ChangeWatch.until`.  No Textual here.
"""

from __future__ import annotations

import asyncio
from contextlib import contextmanager
from typing import Any, Callable, Iterator, Mapping

from inference_console.state.store import Changes, Record, Store

Select = Callable[[str, Mapping[str, Any] | None], bool]


class ChangeWatch:
    """What was shown of the selected records of one store: (time, record or None when deleted)."""

    def __init__(self, store_key: str, select: Select) -> None:
        self.store_key = store_key
        self.select = select
        self.records: list[tuple[float, Record | None]] = []
        self.event = asyncio.Event()

    def feed(self, changes: Mapping[str, Changes], store: Store | None) -> None:
        change = changes.get(self.store_key)
        if change is None or store is None:
            return
        now = asyncio.get_running_loop().time()
        if change.reset:
            self.records.append((now, self.current(store)))
        for key in change.deleted:
            if self.select(key, None):
                self.records.append((now, None))
        for key, record in change.upserted.items():
            if self.select(key, record):
                self.records.append((now, store.get(key) or record))
        self.event.set()

    def current(self, store: Store) -> Record | None:
        return next((r for k, r in store.items() if self.select(k, r)), None)

    async def until(
        self,
        arrived: Callable[[Record | None], bool],
        timeout: float,
        *,
        store: Callable[[], Store | None] | None = None,
        shown: Callable[[], bool] = lambda: True,
    ) -> float | None:
        """The loop time at which a record satisfying ``arrived`` was shown, or None on timeout.

        While ``shown()`` is false (no screen draws this store any more), the store itself
        is checked instead, so a flow whose screen went away still learns the outcome.
        """
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            hit = next((t for t, record in self.records if arrived(record)), None)
            if hit is not None:
                return hit
            current = store() if store is not None else None
            if not shown() and current is not None and arrived(self.current(current)):
                return loop.time()
            if loop.time() > deadline:
                return None
            self.event.clear()
            try:
                await asyncio.wait_for(self.event.wait(), 0.05)
            except asyncio.TimeoutError:
                pass


class Watches:
    """The open watches of a workspace; screens feed them after drawing a delivery."""

    def __init__(self) -> None:
        self._open: list[ChangeWatch] = []

    @contextmanager
    def open(self, store_key: str, select: Select) -> Iterator[ChangeWatch]:
        watch = ChangeWatch(store_key, select)
        self._open.append(watch)
        try:
            yield watch
        finally:
            self._open.remove(watch)

    def feed(self, changes: Mapping[str, Changes], stores: Mapping[str, Store]) -> None:
        for watch in list(self._open):
            watch.feed(changes, stores.get(watch.store_key))

    def __len__(self) -> int:
        return len(self._open)
