"""The workspace with a source that is not Kubernetes: registration, delivery, scope, removal, watches."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from inference_console.catalog.base import column
from inference_console.catalog.view import OK, Health, HealthResult, KindView
from inference_console.sources.base import Scope, Source, SourceError, SourceInfo
from inference_console.state.store import KindState, RecordStore
from inference_console.state.workspace import Workspace
from inference_console.ui.sidebar import sidebar_sections

VIEW = KindView(
    key="gpus",
    kind="GPU",
    namespaced=False,
    section="Metrics",
    source="toy",
    tabs=("summary", "yaml"),
    columns=(column("GPU", lambda r: r["id"]), column("UTIL", lambda r: f"{r['util']}%")),
    health=lambda r: HealthResult(Health.FAILED, "XID 79") if r.get("xid") else OK,
    name_of=lambda r: r["id"],
    namespace_of=lambda r: "",
    labels_of=lambda r: {},
)


class ToySource:
    name = "toy"

    def __init__(self) -> None:
        self.store = RecordStore("gpus", key_of=lambda r: r["id"], classify=self.classify)
        self.ensured: list[tuple[str, bool]] = []
        self.scopes: list[Scope] = []
        self.stopped = False

    @staticmethod
    def classify(record: dict[str, Any]):
        verdict = VIEW.health(record)
        return verdict, verdict.state is Health.FAILED

    async def start(self, workspace: Workspace) -> None:
        self.store.on_change = workspace.on_change
        workspace.register(self, VIEW, self.store)

    async def stop(self) -> None:
        self.stopped = True

    async def set_scope(self, scope: Scope) -> None:
        self.scopes.append(scope)

    def ensure(self, key: str, pinned: bool = False) -> None:
        self.ensured.append((key, pinned))

    def serves(self, key: str) -> bool:
        return key == "gpus"

    def describe(self) -> SourceInfo:
        return SourceInfo(self.name, "ready", "toy", {"gpus": str(len(self.store))})

    async def fetch(self, key: str, record: dict[str, Any]) -> dict[str, Any]:
        raise SourceError("the toy source cannot re-read")


async def test_a_non_kubernetes_source_goes_through_the_workspace():
    ws = Workspace(interval=0.01)
    deliveries: list[dict[str, Any]] = []
    ws.listen(deliveries.append)
    toy = ToySource()
    assert isinstance(toy, Source)  # the protocol, checked structurally
    await ws.start_source(toy)
    assert ws.view("gpus") is VIEW and ws.store("gpus") is toy.store and ws.source_of("gpus") is toy

    toy.store.replace([{"id": "node-a/0", "util": 97}, {"id": "node-a/1", "util": 0, "xid": 79}])
    toy.store.set_status(KindState.LIVE)
    toy.store.upsert({"id": "node-a/0", "util": 98})
    await asyncio.sleep(0.05)
    assert len(deliveries) == 1  # one delivery per frame, carrying the changes themselves
    change = deliveries[0]["gpus"]
    assert change.reset and change.status_changed and set(change.upserted) == {"node-a/0", "node-a/1"}
    assert change.upserted["node-a/0"]["util"] == 98
    assert toy.store.failing_count == 1 and toy.store.verdict("node-a/1").reason == "XID 79"

    assert ws.ensure("gpus", pinned=True) is toy.store and toy.ensured == [("gpus", True)]
    assert ws.serves("gpus") and not ws.serves("pods")
    await ws.set_scope(Scope("ctx", "ns-a"))
    assert toy.scopes == [Scope("ctx", "ns-a")] and ws.scope.namespace == "ns-a"
    assert [i.facts for i in ws.infos()] == [{"gpus": "2"}]
    with pytest.raises(SourceError, match="cannot re-read"):
        await ws.fetch("gpus", {"id": "node-a/0"})
    with pytest.raises(SourceError, match="no source serves"):
        await ws.fetch("pods", {})

    toy.store.delete("node-a/1")
    await asyncio.sleep(0.05)
    assert deliveries[-1]["gpus"].deleted == {"node-a/1"} and not deliveries[-1]["gpus"].upserted

    deliveries.clear()
    await ws.remove_source("toy")
    assert toy.stopped and "gpus" not in ws.views and "gpus" not in ws.stores
    assert deliveries and deliveries[-1]["gpus"].reset  # screens learn the store went away
    await ws.close()


async def test_sidebar_lists_every_source_in_its_section():
    ws = Workspace()
    toy = ToySource()
    await ws.start_source(toy)
    toy.store.replace([{"id": "n/0", "util": 1, "xid": 1}, {"id": "n/1", "util": 2}])
    toy.store.set_status(KindState.LIVE)
    sections = {s.title: s for s in sidebar_sections(ws)}
    item = sections["Metrics"].items[0]
    assert (item.key, item.label, item.count, item.badge) == ("gpus", "GPUs", "2", "1!")
    await ws.close()


async def test_a_watch_sees_what_screens_were_shown():
    ws = Workspace(interval=0.01)
    toy = ToySource()
    await ws.start_source(toy)
    ws.listen(ws.feed_watches)  # a screen that draws every delivery
    with ws.watches.open("gpus", lambda key, rec: key == "n/0") as watch:
        task = asyncio.ensure_future(watch.until(lambda rec: rec is not None and rec["util"] == 5, 2.0))
        toy.store.upsert({"id": "n/1", "util": 5})  # not the one watched
        toy.store.upsert({"id": "n/0", "util": 4})
        await asyncio.sleep(0.05)
        assert not task.done()
        toy.store.upsert({"id": "n/0", "util": 5})
        assert await task is not None
    assert len(ws.watches) == 0
    with ws.watches.open("gpus", lambda key, rec: key == "n/9") as watch:
        assert await watch.until(lambda rec: rec is not None, 0.1) is None  # timed out
    await ws.close()


async def test_a_source_that_fails_to_start_does_not_stop_the_others(monkeypatch):
    from inference_console import sources

    def broken(context):
        raise RuntimeError("boom")

    toy = ToySource()
    remove = [sources.register_source(broken), sources.register_source(lambda context: toy)]
    monkeypatch.setattr(sources, "SOURCES", [])
    try:
        ws = Workspace()
        await sources.start_extra_sources(ws, options=None, settings=None, cluster=None)
        assert list(ws.sources) == ["toy"]
        await ws.close()
    finally:
        for undo in remove:
            undo()


async def test_a_store_registered_without_a_callback_still_reaches_screens():
    """A source that forgets ``on_change`` (the metrics-server source did) still delivers."""
    ws = Workspace(interval=0.01)
    deliveries: list[dict[str, Any]] = []
    ws.listen(deliveries.append)
    store = RecordStore("gpus", key_of=lambda r: r["id"])
    ws.register("toy", VIEW, store)
    store.replace([{"id": "node-a/0", "util": 5}])
    await asyncio.sleep(0.05)
    assert deliveries and set(deliveries[-1]["gpus"].upserted) == {"node-a/0"}

    mine: list[str] = []  # a callback the source gave stays its own
    own = RecordStore("own", key_of=lambda r: r["id"], on_change=lambda s: mine.append(s.key))
    ws.register("toy", VIEW, own)
    assert own.on_change is not ws.on_change
    own.upsert({"id": "x"})
    assert mine == ["own"]
    await ws.close()
