"""Coalesce store changes into one delivery per frame.

Stores call :meth:`ChangeHub.mark` on their first change after a drain; the hub
schedules one flush ``interval`` seconds later on the running loop and delivers the
set of changed store keys.  A watch storm of thousands of events per second becomes
at most ``1/interval`` UI messages per second.
"""

from __future__ import annotations

import asyncio
from typing import Callable

from inference_console.state.store import ObjectStore


class ChangeHub:
    def __init__(self, deliver: Callable[[set[str]], None], interval: float = 1 / 30) -> None:
        self._deliver = deliver
        self.interval = interval
        self._dirty: set[str] = set()
        self._handle: asyncio.TimerHandle | None = None

    def mark(self, store: ObjectStore) -> None:
        self._dirty.add(store.key)
        if self._handle is None:
            loop = asyncio.get_running_loop()
            self._handle = loop.call_later(self.interval, self._flush)

    def _flush(self) -> None:
        self._handle = None
        dirty, self._dirty = self._dirty, set()
        if dirty:
            self._deliver(dirty)

    def close(self) -> None:
        if self._handle is not None:
            self._handle.cancel()
            self._handle = None
