"""Coalesce store changes into one delivery per frame, carrying the changes themselves.

Stores call :meth:`ChangeHub.mark` on their first change after a drain; the hub
schedules one flush ``interval`` seconds later on the running loop, takes each marked
store's :class:`~inference_console.state.store.Changes` and delivers them together.
A watch storm of thousands of events per second becomes at most ``1/interval``
deliveries per second, and a screen is pushed what changed: it never pulls it again.
"""

from __future__ import annotations

import asyncio
from typing import Callable

from inference_console.state.store import Changes, Store


class ChangeHub:
    def __init__(self, deliver: Callable[[dict[str, Changes]], None], interval: float = 1 / 30) -> None:
        self._deliver = deliver
        self.interval = interval
        self._dirty: dict[str, Store] = {}
        self._handle: asyncio.TimerHandle | None = None

    def mark(self, store: Store) -> None:
        self._dirty[store.key] = store
        if self._handle is None:
            loop = asyncio.get_running_loop()
            self._handle = loop.call_later(self.interval, self.flush)

    def flush(self) -> None:
        """Deliver now what is pending (the timer calls this; tests may too)."""
        if self._handle is not None:
            self._handle.cancel()
            self._handle = None
        dirty, self._dirty = self._dirty, {}
        changes = {key: store.take_changes() for key, store in dirty.items()}
        changes = {key: change for key, change in changes.items() if change}
        if changes:
            self._deliver(changes)

    def close(self) -> None:
        if self._handle is not None:
            self._handle.cancel()
            self._handle = None
