"""A list-then-watch informer, built like client-go's reflector.

* list (paginated), reconcile the store (objects that vanished become deletions),
  then watch from the list's resourceVersion with bookmarks;
* a watch that ends normally is resumed from the last seen resourceVersion;
* a dropped connection is retried with jittered exponential backoff, resuming the
  watch (no relist) when possible;
* 410 Gone / Expired (as an HTTP status or an ERROR event) triggers a relist;
* 403 marks the kind forbidden, 404 marks it not installed; both retry slowly.

No Textual import: state goes into the :class:`ObjectStore`.
"""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Any

from inference_console.sources.kube.backoff import Backoff
from inference_console.sources.kube.errors import KubeError
from inference_console.sources.kube.transport import CONNECTED, ResourceRef, Transport
from inference_console.state.store import KindState, ObjectStore

log = logging.getLogger(__name__)


class Informer:
    def __init__(self, transport: Transport, ref: ResourceRef, store: ObjectStore, *,
                 namespace: str | None = None, label_selector: str | None = None,
                 page_size: int = 50_000, watch_timeout: int = 290, read_timeout: float = 90.0,
                 backoff: Backoff | None = None, slow_retry: float = 30.0) -> None:
        self.transport = transport
        self.ref = ref
        self.store = store
        self.namespace = namespace if ref.namespaced else None
        self.label_selector = label_selector
        self.page_size = page_size
        self.watch_timeout = watch_timeout
        self.read_timeout = read_timeout
        self.backoff = backoff or Backoff()
        self.slow_retry = slow_retry
        self.lists = 0  # how many full lists were made (tests and diagnostics)
        self.watches = 0
        self._task: asyncio.Task[None] | None = None

    # ------------------------------------------------------------------ lifecycle
    def start(self) -> asyncio.Task[None]:
        if self._task is None or self._task.done():
            self._task = asyncio.get_running_loop().create_task(self.run(), name=f"informer:{self.store.key}")
        return self._task

    def cancel(self) -> asyncio.Task[None] | None:
        """Stop at once: from here on the task makes no more progress (no event reaches the store)."""
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
        return task

    async def stop(self) -> None:
        task = self.cancel()
        if task is not None:
            # asyncio.wait, not `await task`: a cancellation of the caller must propagate, not be swallowed.
            await asyncio.wait([task])
            if not task.cancelled():
                task.exception()  # retrieved: nothing to report once stopped

    @property
    def running(self) -> bool:
        return self._task is not None and not self._task.done()

    # ------------------------------------------------------------------ the loop
    async def run(self) -> None:
        need_list = True
        if not self.store.loaded:
            self.store.set_status(KindState.LOADING)
        while True:
            try:
                if need_list:
                    await self._list()
                    need_list = False
                    self.backoff.reset()
                started = time.monotonic()
                events = await self._watch()
                # The server closed the stream (timeoutSeconds): resume at once.
                elapsed = time.monotonic() - started
                if elapsed > 5:
                    self.backoff.reset()
                elif elapsed < 1 and not events:
                    # A "very short watch" (as client-go calls it): something ends every watch at
                    # once; back off instead of sending watch requests in a tight loop.
                    await asyncio.sleep(self.backoff.next_delay())
            except asyncio.CancelledError:
                raise
            except KubeError as err:
                relist = await self._handle(err)
                need_list = need_list or relist
            except Exception as err:  # noqa: BLE001 - never let an informer die silently
                log.exception("informer %s failed", self.store.key)
                self.store.set_status(KindState.ERROR, f"{type(err).__name__}: {err}")
                await asyncio.sleep(self.backoff.next_delay())
                need_list = True

    async def _handle(self, err: KubeError) -> bool:
        """React to an error; return True when a relist is needed."""
        if err.code == 410:
            log.info("informer %s: %s; relisting", self.store.key, err.message)
            return True
        if err.code == 403:
            self.store.set_status(KindState.FORBIDDEN, err.message or "forbidden")
            await asyncio.sleep(self.slow_retry)
            return True
        if err.code == 404:
            self.store.set_status(KindState.NOT_INSTALLED, err.message or "not served by this cluster")
            await asyncio.sleep(self.slow_retry)
            return True
        if err.code == 401:
            self.store.set_status(KindState.ERROR, err.summary())
        elif self.store.loaded:
            self.store.set_status(KindState.RECONNECTING, err.summary())
        else:
            self.store.set_status(KindState.ERROR if err.code else KindState.RECONNECTING, err.summary())
        await asyncio.sleep(self.backoff.next_delay())
        # Resume the watch from the last resourceVersion; relist if we never listed.
        return not self.store.loaded or not self.store.resource_version

    def _query(self) -> list[tuple[str, str]]:
        query: list[tuple[str, str]] = []
        if self.label_selector:
            query.append(("labelSelector", self.label_selector))
        return query

    async def _list(self) -> None:
        path = self.ref.collection_path(self.namespace)
        items: list[dict[str, Any]] = []
        cont = ""
        while True:
            query = self._query()
            if self.page_size:
                query.append(("limit", str(self.page_size)))
            if cont:
                query.append(("continue", cont))
            body = await self.transport.get(path, query)
            items.extend(body.get("items") or [])
            md = body.get("metadata") or {}
            cont = md.get("continue") or ""
            if not cont:
                break
        self.lists += 1
        self.store.replace(items, md.get("resourceVersion", ""))
        self.store.set_status(KindState.LIVE)

    async def _watch(self) -> int:
        """Watch until the stream ends; return how many events (bookmarks included) arrived."""
        query = self._query() + [
            ("resourceVersion", self.store.resource_version),
            ("allowWatchBookmarks", "true"),
            ("timeoutSeconds", str(self.watch_timeout)),
        ]
        self.watches += 1
        received = 0
        path = self.ref.collection_path(self.namespace)
        async for event in self.transport.watch(path, query, self.read_timeout):
            etype = event.get("type")
            if etype == CONNECTED:
                if self.store.status.state is not KindState.LIVE:
                    self.store.set_status(KindState.LIVE)
                continue
            obj = event.get("object") or {}
            if etype == "ERROR":
                raise KubeError.from_status(int(obj.get("code") or 500), obj)
            if etype in ("ADDED", "MODIFIED", "DELETED", "BOOKMARK") and isinstance(obj, dict):
                received += 1
                self.store.apply_event(etype, obj)
        return received
