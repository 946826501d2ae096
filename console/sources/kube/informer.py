"""A list-then-watch informer, built like client-go's reflector.

* list in pages, each shown as it lands; after the last page reconcile the store (objects
  that vanished become deletions), then watch from the list's resourceVersion with bookmarks;
* a watch that ends normally is resumed from the last seen resourceVersion;
* a dropped connection is retried with jittered exponential backoff, resuming the
  watch (no relist) when possible;
* relist (after a backoff delay) when resuming cannot be trusted, as client-go's
  reflector does:
  - 410 Gone / Expired (as an HTTP status or an ERROR event);
  - "Too large resource version" (a 504 Timeout, as a status or an ERROR event): the
    server is behind the resourceVersion we hold (a restored etcd, another cluster behind
    the same endpoint, a lagging watch cache);
  - any other error status the server gives a watch (500, 503, 504...), except 429;
  - a watch that keeps failing: ``max_watch_failures`` attempts in a row that reached the
    server but ended at once or were cut without a single event;
  - the server was unreachable (a connection could not be made): whatever answers on that
    address afterwards may be another server, so the store is rebuilt from a list;
* after a dropped stream, before resuming, one ``limit=1`` list checks that the server has
  not gone back in time (a server restarted with a lower resourceVersion accepts a watch
  from the future and stays silent until it catches up, as kube-apiserver's watch cache
  does): if it has, relist;
* a relist whose resourceVersion is lower than the one held resets the store (every row
  is redrawn), so after any relist the store equals the server, deletions included;
* 403 marks the kind forbidden, 404 marks it not installed; both retry slowly.

No Textual import: state goes into the :class:`ObjectStore`.
"""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Any

from inference_console.sources.heap import BULK, trim_heap
from inference_console.sources.kube.backoff import Backoff
from inference_console.sources.kube.errors import KubeError
from inference_console.sources.kube.store import ObjectStore
from inference_console.sources.kube.transport import CONNECTED, ResourceRef, Transport
from inference_console.state.store import KindState

log = logging.getLogger(__name__)


TOO_LARGE_CAUSE = "ResourceVersionTooLarge"
MERGE_CHUNK = 500  # objects merged into the store between two turns of the event loop


def is_too_large_rv(err: KubeError) -> bool:
    """storage.IsTooLargeResourceVersion: a Timeout with a ResourceVersionTooLarge cause (or,
    from servers and proxies that lose the details, the message)."""
    if err.code != 504 and err.reason != "Timeout":
        return False
    causes = (err.status.get("details") or {}).get("causes") if isinstance(err.status, dict) else None
    if isinstance(causes, list) and any(isinstance(c, dict) and c.get("reason") == TOO_LARGE_CAUSE for c in causes):
        return True
    return "too large resource version" in (err.message or "").lower()


def _rv_number(rv: Any) -> int | None:
    try:
        return int(rv)
    except (TypeError, ValueError):
        return None


class Informer:
    def __init__(
        self,
        transport: Transport,
        ref: ResourceRef,
        store: ObjectStore,
        *,
        namespace: str | None = None,
        label_selector: str | None = None,
        page_size: int = 2_000,
        first_page: int = 500,
        watch_timeout: int = 290,
        read_timeout: float = 90.0,
        backoff: Backoff | None = None,
        slow_retry: float = 30.0,
        max_watch_failures: int = 3,
        reconnect_cap: float = 5.0,
    ) -> None:
        self.transport = transport
        self.ref = ref
        self.store = store
        self.namespace = namespace if ref.namespaced else None
        self.label_selector = label_selector
        # The first page is small (first rows at once), each next one twice as large up to
        # page_size (fewer round trips for big lists); 0 lists in one request.  Pages of
        # 2,000, merged 500 at a time, keep keys answered while a big list arrives: with pages
        # of 8,000 merged whole, cursor keys waited 0.7 s (p95) during a 100,000-pod list, and
        # the list itself took longer while keys were pressed (bench_listing).
        self.page_size = page_size
        self.first_page = max(1, first_page)
        self.watch_timeout = watch_timeout
        self.read_timeout = read_timeout
        self.backoff = backoff or Backoff()
        self.slow_retry = slow_retry
        # relist after this many watch attempts in a row that reached the server and failed
        # without delivering a single event
        self.max_watch_failures = max(1, int(max_watch_failures))
        # while the server cannot be reached, retry at least this often (seconds): the time to
        # notice it is back
        self.reconnect_cap = reconnect_cap
        self.lists = 0  # how many full lists were made (tests and diagnostics)
        self.pages = 0  # list requests answered (pages), over all lists
        self.watches = 0
        self.probes = 0  # limit=1 lists made to check the server did not go back in time
        self.resets = 0  # relists that found the server behind the store (the store was rebuilt)
        self.last_relist_reason = ""
        self._failures = 0  # consecutive failed watch attempts without an event
        self._connected = False  # the current watch attempt was answered by the server
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
        probe = False  # check the server did not go back in time before resuming
        if not self.store.loaded:
            self.store.set_status(KindState.LOADING)
        while True:
            self._connected = False
            try:
                if need_list:
                    await self._list()
                    need_list = probe = False
                    self._failures = 0
                    self.backoff.reset()
                elif probe:
                    probe = False
                    if await self._went_back():
                        self._relisting("the server's resourceVersion went back")
                        need_list = True
                        continue
                started = time.monotonic()
                events = await self._watch()
                # The server closed the stream (timeoutSeconds): resume at once.
                elapsed = time.monotonic() - started
                if elapsed > 5:
                    self.backoff.reset()
                elif elapsed < 1 and not events:
                    # A "very short watch" (as client-go calls it): something ends every watch at
                    # once; back off instead of sending watch requests in a tight loop, and relist
                    # if it keeps happening.
                    if self._failed_again("watches end at once without an event"):
                        need_list = True
                    await asyncio.sleep(self.backoff.next_delay())
            except asyncio.CancelledError:
                raise
            except KubeError as err:
                relist, probe_next = await self._handle(err)
                need_list = need_list or relist
                probe = probe or probe_next
            except Exception as err:  # noqa: BLE001 - never let an informer die silently
                log.exception("informer %s failed", self.store.key)
                self.store.set_status(KindState.ERROR, f"{type(err).__name__}: {err}")
                await asyncio.sleep(self.backoff.next_delay())
                need_list = True

    def _relisting(self, reason: str) -> None:
        self.last_relist_reason = reason
        log.info("informer %s: %s; relisting", self.store.key, reason)

    def _failed_again(self, reason: str) -> bool:
        """Count a failed watch attempt; True when it is time to relist."""
        self._failures += 1
        if self._failures >= self.max_watch_failures:
            self._failures = 0
            self._relisting(f"{reason} ({self.max_watch_failures} times in a row)")
            return True
        return False

    def _waiting_status(self, err: KubeError) -> None:
        if err.code == 401:
            self.store.set_status(KindState.ERROR, err.summary())
        elif self.store.loaded:
            self.store.set_status(KindState.RECONNECTING, err.summary())
        else:
            self.store.set_status(KindState.ERROR if err.code else KindState.RECONNECTING, err.summary())

    async def _handle(self, err: KubeError) -> tuple[bool, bool]:
        """React to an error; return (relist needed, check for a server reset before resuming)."""
        if err.code == 410:
            self._relisting(err.message or "410 Gone")
            return True, False
        if err.code == 403:
            self.store.set_status(KindState.FORBIDDEN, err.message or "forbidden")
            await asyncio.sleep(self.slow_retry)
            return True, False
        if err.code == 404:
            self.store.set_status(KindState.NOT_INSTALLED, err.message or "not served by this cluster")
            await asyncio.sleep(self.slow_retry)
            return True, False
        self._waiting_status(err)
        never_listed = not self.store.loaded or not self.store.resource_version
        if err.code == 0 and not self._connected:
            # No connection (or a list cut off): when the server answers again it may be another
            # one (restarted from a backup, failed over): rebuild the store from a list.
            await asyncio.sleep(self.backoff.next_delay(self.reconnect_cap))
            if self.store.loaded:
                self._relisting(f"the server was unreachable ({err.message})")
            return True, False
        if err.code == 0:
            # An established watch was cut: resume from the last resourceVersion (after checking
            # the server did not go back in time), unless it keeps happening.
            relist = self._failed_again("the watch keeps being cut")
            await asyncio.sleep(self.backoff.next_delay(self.reconnect_cap))
            return relist or never_listed, not relist
        if err.code == 429:
            retry = (err.status.get("details") or {}).get("retryAfterSeconds") if isinstance(err.status, dict) else None
            delay = self.backoff.next_delay()
            if isinstance(retry, (int, float)) and retry > 0:
                delay = max(delay, min(float(retry), self.backoff.cap))
            await asyncio.sleep(delay)
            return never_listed, False
        if err.code == 401:
            await asyncio.sleep(self.backoff.next_delay())
            return never_listed, False
        # The server refused the watch or ended it with an error: "Too large resource version"
        # (it is behind us), a 500/503/504... client-go's reflector relists; so do we, after a
        # backoff delay.
        if is_too_large_rv(err):
            self._relisting(f"the server is behind the resourceVersion held ({err.message})")
        else:
            self._relisting(err.summary())
        await asyncio.sleep(self.backoff.next_delay())
        return True, False

    async def _went_back(self) -> bool:
        """One ``limit=1`` list: is the server's resourceVersion now lower than the one held?"""
        held = _rv_number(self.store.resource_version)
        if held is None:
            return False
        body = await self.transport.get(self.ref.collection_path(self.namespace), self._query() + [("limit", "1")])
        self.probes += 1
        now = _rv_number(((body or {}).get("metadata") or {}).get("resourceVersion"))
        return now is not None and now < held

    def _query(self) -> list[tuple[str, str]]:
        query: list[tuple[str, str]] = []
        if self.label_selector:
            query.append(("labelSelector", self.label_selector))
        return query

    async def _list(self) -> None:
        """List in pages (``limit``/``continue``, as kubectl and client-go's pager), each page
        merged into the store as it lands (the table shows it at once, with the count so far
        and the server's ``remainingItemCount``); the next page is requested before this one
        is merged, so the server prepares it meanwhile.  After the last page the store equals
        the list (what it did not bring is deleted) and the watch starts from the list's
        resourceVersion.  A continue token that expired (410) restarts the list whole, in one
        request, as client-go's pager does."""
        path = self.ref.collection_path(self.namespace)
        store = self.store
        limit = min(self.first_page, self.page_size) if self.page_size else 0
        page = await self.transport.list_page(path, self._page_query(limit, ""))
        rv = page.metadata.get("resourceVersion", "")
        held, now = _rv_number(store.resource_version), _rv_number(rv)
        if store.loaded and held is not None and now is not None and now < held:
            # Another server, or this one restored from a backup: uids and resourceVersions
            # may repeat with other contents, so nothing held can be trusted: rebuild.
            self.resets += 1
            store.clear()
        received = 0
        store.begin_list()
        nxt: asyncio.Task[Any] | None = None
        try:
            while True:
                md = page.metadata
                cont = md.get("continue") or ""
                if cont:
                    # The next page is asked for before this one is decoded and merged: the
                    # server prepares it meanwhile.
                    limit = min(limit * 2, self.page_size)
                    nxt = asyncio.ensure_future(self.transport.list_page(path, self._page_query(limit, cont)))
                    await asyncio.sleep(0)  # the request leaves now
                items = await page.items(getattr(store, "page_decoder", None))
                prepared = page.prepared
                received += len(items)
                left = md.get("remainingItemCount")
                expected = received + left if isinstance(left, int) and cont else (None if cont else received)
                for start in range(0, len(items), MERGE_CHUNK):
                    if start:  # keys pressed meanwhile are handled between chunks
                        await asyncio.sleep(0)
                    store.add_page(items[start : start + MERGE_CHUNK], expected, prepared=prepared)
                del items
                if nxt is None:
                    break
                self.pages += 1
                try:
                    page = await nxt
                except KubeError as err:
                    if err.code != 410:
                        raise
                    # The continue token expired (the server compacted past the list's
                    # resourceVersion): list again, whole, in one request.
                    self._relisting(f"the list's continue token expired ({err.message})")
                    nxt = None
                    page = await self.transport.list_page(path, self._query())
                    rv = page.metadata.get("resourceVersion", "")
                    store.begin_list()
                    received = 0
                    continue
                finally:
                    nxt = None
        except BaseException:
            if nxt is not None:
                nxt.cancel()
            store.abort_list()
            raise
        self.lists += 1
        self.pages += 1
        store.end_list(rv)
        store.set_status(KindState.LIVE)
        if received >= BULK:  # the decoded pages' freed heap goes back to the system
            trim_heap()

    def _page_query(self, limit: int, cont: str) -> list[tuple[str, str]]:
        query = self._query()
        if limit:
            query.append(("limit", str(limit)))
        if cont:
            query.append(("continue", cont))
        return query

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
                self._connected = True
                if self.store.status.state is not KindState.LIVE:
                    self.store.set_status(KindState.LIVE)
                continue
            obj = event.get("object") or {}
            if etype == "ERROR":
                raise KubeError.from_status(int(obj.get("code") or 500), obj)
            if etype in ("ADDED", "MODIFIED", "DELETED", "BOOKMARK") and isinstance(obj, dict):
                received += 1
                self._failures = 0
                self.store.apply_event(etype, obj)
        return received
