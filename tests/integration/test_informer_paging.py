"""The informer's paged list against the emulator over real HTTP (issue 10).

Pages arrive in order and each is in the store (and counted in its progress) before the
next one is merged; after the last page the store equals the server, deletions made while
the pages arrived included; a continue token that expires mid-list lists again, whole.
"""

import asyncio
import json

import pytest

from inference_console.sources.kube.backoff import Backoff
from inference_console.sources.kube.connect import connect
from inference_console.sources.kube.informer import MERGE_CHUNK, Informer
from inference_console.sources.kube.store import ObjectStore
from inference_console.sources.kube.transport import ResourceRef
from inference_console.state.store import KindState

PODS = ResourceRef("", "v1", "pods", True)
FAST = dict(backoff=Backoff(base=0.05, cap=0.2), slow_retry=0.2, read_timeout=5.0)


def pod(name, ns="default"):
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": name, "namespace": ns},
        "spec": {"containers": [{"name": "c", "image": "busybox"}]},
        "status": {"phase": "Running"},
    }


async def until(predicate, timeout=10.0, what="condition"):
    deadline = asyncio.get_running_loop().time() + timeout
    while asyncio.get_running_loop().time() < deadline:
        if predicate():
            return
        await asyncio.sleep(0.02)
    raise AssertionError(f"timed out waiting for {what}")


def names(store):
    return sorted(o["metadata"]["name"] for o in store.values())


def server_names(emulator, ns="default"):
    return sorted(o["metadata"]["name"] for o in emulator.list("v1", "Pod", ns))


@pytest.fixture
async def transport(emulator, kubeconfig_path):
    tr, _info = await connect(str(kubeconfig_path))
    yield tr
    await tr.close()


class Recorder:
    """Wraps transport.list_page: records each list page the informer asks for (and what the store
    held when the answer came), and can run a hook after a given page."""

    def __init__(self, transport, store, after_page=None):
        self.transport, self.store = transport, store
        self.pages: list[dict] = []
        self.after_page = after_page or {}
        self._list_page = transport.list_page
        transport.list_page = self.list_page

    async def list_page(self, path, query=None):
        query = list(query or [])
        page = await self._list_page(path, query)
        body = json.loads(page.raw) if page.raw else page.body  # what the informer will decode
        q = dict(query)
        if "limit" in q and q["limit"] != "1":  # a page, not the limit=1 probe
            md = body.get("metadata") or {}
            self.pages.append(
                {
                    "limit": int(q["limit"]),
                    "continue": "continue" in q,
                    "items": len(body["items"]),
                    "names": [i["metadata"]["name"] for i in body["items"]],
                    "remaining": md.get("remainingItemCount"),
                    "store_before": len(self.store),
                    "progress_before": self.store.progress,
                }
            )
            hook = self.after_page.get(len(self.pages))
            if hook is not None:
                hook()
        elif "watch" not in q and "limit" not in q and path.endswith("/pods"):
            self.pages.append(
                {
                    "limit": 0,
                    "continue": False,
                    "items": len(body["items"]),
                    "names": [],
                    "remaining": None,
                    "store_before": len(self.store),
                    "progress_before": None,
                }
            )
        return page


async def test_pages_arrive_in_order_each_merged_with_progress(emulator, transport):
    for i in range(23):
        emulator.create(pod(f"p{i:02d}"))
    store = ObjectStore("pods", kind="Pod", api_version="v1")
    rec = Recorder(transport, store)
    progress = []
    store.on_change = lambda s: (progress.append(s.progress), s.take_changes())  # every burst seen
    informer = Informer(transport, PODS, store, namespace="default", first_page=2, page_size=8, **FAST)
    informer.start()
    try:
        await until(lambda: store.status.state is KindState.LIVE and store.loaded, what="the list")
        # 2, then doubling to the page size: 2 + 4 + 8 + 8 (+1 left) = 23
        assert [p["limit"] for p in rec.pages] == [2, 4, 8, 8, 8]
        assert [p["items"] for p in rec.pages] == [2, 4, 8, 8, 1]
        assert [p["continue"] for p in rec.pages] == [False, True, True, True, True]
        listed = [n for p in rec.pages for n in p["names"]]
        assert listed == sorted(listed) == [f"p{i:02d}" for i in range(23)]  # in order, nothing twice
        assert [p["remaining"] for p in rec.pages] == [21, 17, 9, 1, None]
        seen = [p for p in progress if p is not None]
        assert (
            seen == sorted(seen)
            and (2, 23) in seen
            and (6, 23) in seen
            and (14, 23) in seen
            and (22, 23) in seen
            and (23, 23) in seen
        )
        assert store.progress is None  # done
        assert names(store) == server_names(emulator)
        assert informer.lists == 1 and informer.pages == 5
    finally:
        await informer.stop()


async def test_first_page_is_in_the_store_before_the_list_ends(emulator, transport):
    for i in range(12):
        emulator.create(pod(f"p{i:02d}"))
    store = ObjectStore("pods")
    gate = asyncio.Event()
    informer = Informer(transport, PODS, store, namespace="default", first_page=4, page_size=4, **FAST)
    list_page = transport.list_page

    async def slow_list_page(path, query=None):
        if "continue" in dict(query or []):
            await gate.wait()  # hold every later page
        return await list_page(path, query)

    transport.list_page = slow_list_page
    informer.start()
    try:
        await until(lambda: len(store) == 4, what="the first page")
        assert not store.loaded and store.progress == (4, 12)
        assert store.take_changes().reset  # the first rows of a store never listed
        gate.set()
        await until(lambda: store.loaded and len(store) == 12, what="the rest")
        assert store.progress is None
    finally:
        await informer.stop()


async def test_deletions_and_additions_while_paging_end_equal_to_the_server(emulator, transport):
    for i in range(20):
        emulator.create(pod(f"p{i:02d}"))
    store = ObjectStore("pods")

    def meanwhile():
        emulator.delete("v1", "Pod", "default", "p00")  # already listed: deleted by the watch
        emulator.delete("v1", "Pod", "default", "p19")  # not listed yet: never arrives
        emulator.create(pod("p02x"))  # behind the continue key: only the watch brings it
        emulator.create(pod("zz"))  # ahead of it: the next page (or the watch) brings it
        emulator.patch("v1", "Pod", "default", "p01", {"metadata": {"labels": {"changed": "yes"}}})

    rec = Recorder(transport, store, after_page={1: meanwhile})
    informer = Informer(transport, PODS, store, namespace="default", first_page=6, page_size=6, **FAST)
    informer.start()
    try:
        await until(lambda: store.loaded, what="the list")
        await until(lambda: names(store) == server_names(emulator), what=f"store == server (have {names(store)})")
        assert "p00" not in names(store) and "p19" not in names(store)
        assert {"p02x", "zz"} <= set(names(store))
        p01 = next(o for o in store.values() if o["metadata"]["name"] == "p01")
        await until(
            lambda: (
                (
                    next(o for o in store.values() if o["metadata"]["name"] == "p01").get("metadata", {}).get("labels")
                    or {}
                ).get("changed")
                == "yes"
            ),
            what="p01 changed",
        )
        assert p01 is not None and len(rec.pages) >= 3
        assert informer.lists == 1  # no relist: the watch from the list's resourceVersion caught up
    finally:
        await informer.stop()


async def test_a_relist_in_pages_deletes_what_is_gone(emulator, transport):
    for i in range(10):
        emulator.create(pod(f"p{i:02d}"))
    store = ObjectStore("pods")
    informer = Informer(transport, PODS, store, namespace="default", first_page=3, page_size=3, **FAST)
    informer.start()
    try:
        await until(lambda: store.loaded and len(store) == 10, what="the list")
        port = int(emulator.url.rsplit(":", 1)[1])
        await emulator.stop()
        for i in range(0, 10, 2):
            emulator.delete("v1", "Pod", "default", f"p{i:02d}")
        emulator.create(pod("new"))
        emulator.compact()  # the resumed watch gets 410: a relist, in pages
        await emulator.start(host="127.0.0.1", port=port)
        await until(lambda: informer.lists >= 2 and names(store) == server_names(emulator), what="the relist")
        assert names(store) == ["new", "p01", "p03", "p05", "p07", "p09"]
    finally:
        await informer.stop()


async def test_an_expired_continue_token_lists_again_whole(emulator, transport):
    for i in range(15):
        emulator.create(pod(f"p{i:02d}"))
    store = ObjectStore("pods")

    def expire():
        emulator.delete("v1", "Pod", "default", "p14")
        emulator.create(pod("late"))
        emulator.compact()  # the token of page 1 now names a forgotten resourceVersion: 410

    rec = Recorder(transport, store, after_page={1: expire})
    informer = Informer(transport, PODS, store, namespace="default", first_page=5, page_size=5, **FAST)
    informer.start()
    try:
        await until(lambda: store.loaded, what="the list")
        assert "continue token expired" in informer.last_relist_reason
        whole = [p for p in rec.pages if p["limit"] == 0]
        assert len(whole) == 1 and whole[0]["items"] == 15  # the second request was the whole list
        assert names(store) == server_names(emulator)
        assert "late" in names(store) and "p14" not in names(store)
        assert store.status.state is KindState.LIVE and store.progress is None
    finally:
        await informer.stop()


async def test_a_big_page_is_merged_in_chunks_with_the_loop_free_between(emulator, transport):
    """Keys are answered while a big list arrives: a page is merged MERGE_CHUNK objects at a
    time, and other tasks (the UI's keys) run between two chunks, seeing the progress so far."""
    count = 2 * MERGE_CHUNK + 200
    for i in range(count):
        emulator.create(pod(f"p{i:04d}"))
    store = ObjectStore("pods")
    informer = Informer(transport, PODS, store, namespace="default", first_page=count, page_size=count, **FAST)
    seen: list[tuple[int, object]] = []

    async def meanwhile() -> None:  # what a key handler would see, each turn of the loop
        while not store.loaded:
            seen.append((len(store), store.progress))
            await asyncio.sleep(0)

    watcher = asyncio.create_task(meanwhile())
    informer.start()
    try:
        await until(lambda: store.loaded, what="the list")
        await watcher
        assert (MERGE_CHUNK, (MERGE_CHUNK, count)) in seen and (2 * MERGE_CHUNK, (2 * MERGE_CHUNK, count)) in seen
        assert informer.pages == 1 and names(store) == server_names(emulator)
    finally:
        watcher.cancel()
        await informer.stop()


async def test_the_next_page_is_asked_for_before_this_one_is_decoded(emulator, transport):
    """The continue token is read from a page's metadata alone: the server prepares the next
    page while this one is decoded and merged."""
    for i in range(10):
        emulator.create(pod(f"p{i:02d}"))
    store = ObjectStore("pods")
    order: list[str] = []
    list_page = transport.list_page

    async def logged(path, query=None):
        n = sum(1 for e in order if e.startswith("asked"))
        order.append(f"asked {n}")  # the request is on its way
        page = await list_page(path, query)
        items = page.items

        async def decoded(decode=None):
            found = await items(decode)
            order.append(f"decoded {n}")
            return found

        page.items = decoded
        return page

    transport.list_page = logged
    informer = Informer(transport, PODS, store, namespace="default", first_page=4, page_size=4, **FAST)
    informer.start()
    try:
        await until(lambda: store.loaded and len(store) == 10, what="the list")
        assert order == ["asked 0", "asked 1", "decoded 0", "asked 2", "decoded 1", "decoded 2"]
    finally:
        await informer.stop()
