"""A second source goes through the same workspace, sidebar, table and detail as the cluster.

Two of them: the kubeconfig's contexts (shipped, ``:ctx``; Enter switches as in k9s) and a
tiny source defined here and registered at run time, whose records are not Kubernetes
objects and whose store is keyed by ``node/index``.
"""

from __future__ import annotations

from typing import Any

from inference_console.catalog.base import column
from inference_console.catalog.view import OK, Health, HealthResult, KindView
from inference_console.sources import register_source
from inference_console.sources.base import Scope, SourceError, SourceInfo
from inference_console.state.store import KindState, RecordStore
from tests.ui.harness import demo_app, screen_text, wait_for

GPU_VIEW = KindView(
    key="testgpus",
    kind="TestGPU",
    namespaced=False,
    section="Test source",
    source="testgpu",
    aliases=("tgpu",),
    tabs=("summary", "yaml"),
    columns=(column("GPU", lambda r: r["id"], min_width=8), column("UTIL", lambda r: f"{r['util']}%")),
    health=lambda r: HealthResult(Health.FAILED, f"XID {r['xid']}") if r.get("xid") else OK,
    summary=lambda r: [("Node", r["id"].split("/")[0]), ("Utilisation", f"{r['util']}%")],
    name_of=lambda r: r["id"],
    namespace_of=lambda r: "",
    labels_of=lambda r: {},
)


class GpuSource:
    name = "testgpu"

    def __init__(self) -> None:
        self.store = RecordStore(
            "testgpus",
            key_of=lambda r: r["id"],
            classify=lambda r: ((v := GPU_VIEW.health(r)), v.state is Health.FAILED),
        )

    async def start(self, workspace) -> None:
        self.store.on_change = workspace.on_change
        workspace.register(self, GPU_VIEW, self.store)
        self.store.replace(
            [
                {"id": "gpu-node-1/0", "util": 97},
                {"id": "gpu-node-1/1", "util": 3, "xid": 79},
                {"id": "gpu-node-2/0", "util": 55},
            ]
        )
        self.store.set_status(KindState.LIVE)

    async def stop(self) -> None:
        pass

    async def set_scope(self, scope: Scope) -> None:
        pass

    def ensure(self, key: str, pinned: bool = False) -> None:
        pass

    def serves(self, key: str) -> bool:
        return key == "testgpus"

    def describe(self) -> SourceInfo:
        return SourceInfo(self.name, "ready")

    async def fetch(self, key: str, record: dict[str, Any]) -> dict[str, Any]:
        raise SourceError("no fresher copy")


def rows(app) -> list[tuple[str, ...]]:
    return [r.cells for r in app.screen.table.visible_rows]


async def test_a_tiny_source_shows_in_sidebar_table_and_detail(tmp_path):
    source = GpuSource()
    undo = register_source(lambda context: source)
    try:
        async with demo_app(tmp_path) as (app, pilot, emu):
            await wait_for(pilot, lambda: "testgpus" in app.workspace.views, what="the test source")
            await wait_for(pilot, lambda: "TEST SOURCE" in screen_text(app), what="its sidebar section")
            text = screen_text(app)
            assert "TestGPUs" in text and "1!" in text  # count and failing badge, as for any kind
            await pilot.press("colon", *"tgpu", "enter")
            await wait_for(pilot, lambda: len(rows(app)) == 3, what="the GPU rows")
            assert ("gpu-node-1/1", "3%") in rows(app)
            assert app.screen.table.get_row("gpu-node-1/1").style == "failed"
            await pilot.press("slash", *"node-2", "enter")  # the filter works unchanged
            await wait_for(pilot, lambda: rows(app) == [("gpu-node-2/0", "55%")], what="the filter")
            await pilot.press("escape")
            # A live change arrives through the same hub.
            source.store.upsert({"id": "gpu-node-2/0", "util": 12})
            await wait_for(pilot, lambda: ("gpu-node-2/0", "12%") in rows(app), what="the live change")
            app.screen.table.move_cursor_to_key("gpu-node-1/1")
            await pilot.press("enter")
            await wait_for(pilot, lambda: app.screen.__class__.__name__ == "DetailScreen", what="the detail")
            await wait_for(pilot, lambda: "XID 79" in screen_text(app), what="its health reason")
            text = screen_text(app)
            assert "Utilisation" in text and "Events" not in text and "Related" not in text
            await pilot.press("2")  # YAML of the cached record: the source cannot re-read, nothing breaks
            await wait_for(pilot, lambda: "util: 3" in screen_text(app), what="the YAML tab")
            await pilot.press("e")  # not a Kubernetes object: edit refuses in words
            await pilot.pause(0.2)
            assert app.screen.__class__.__name__ == "DetailScreen"
    finally:
        undo()


async def test_contexts_are_a_table_and_enter_switches(tmp_path):
    from inference_console.sandbox.apiserver import write_kubeconfig

    def second_context(emu):
        write_kubeconfig(
            tmp_path / "second", emu.url, context="vision-team", cluster="c2", user="u2", namespace="vision"
        )

    async with demo_app(tmp_path, before=second_context, wait=False) as (app, pilot, emu):
        app.options = app.options.__class__(
            **{**app.options.__dict__, "kubeconfig": f"{tmp_path / 'kubeconfig'}:{tmp_path / 'second'}"}
        )
        app.connect(None)
        await wait_for(
            pilot,
            lambda: "contexts" in app.workspace.views and len(app.workspace.stores["contexts"]) == 2,
            what="the contexts source",
        )
        await pilot.press("colon", *"ctx", "enter")
        await wait_for(pilot, lambda: len(rows(app)) == 2, what="the context rows")
        by_name = {r[1]: r for r in rows(app)}
        assert by_name["sandbox"][0] == "*" and by_name["vision-team"][0] == ""
        assert by_name["vision-team"][5] == "vision"
        app.screen.table.move_cursor_to_key("vision-team")
        await pilot.press("enter")
        await wait_for(
            pilot, lambda: app.kube is not None and app.kube.info.context == "vision-team", what="the switch"
        )
        await wait_for(pilot, lambda: "ctx:vision-team" in screen_text(app), what="the header")


# ---------------------------------------------------------------------------- extension points
from textual.widgets import Static  # noqa: E402

from inference_console.ui import extensions  # noqa: E402

SEEN: dict[str, Any] = {}


class CountingTab(Static):
    def workspace_changed(self, changes) -> None:
        SEEN["deliveries"] = SEEN.get("deliveries", 0) + 1


TEST_TAB = extensions.DetailTab(
    "testtab",
    "TestTab",
    lambda view: view.key == "pods",
    lambda screen: CountingTab(f"tab of {screen.uid}", id="testtab-body"),
)
TEST_ACTION = extensions.ObjectAction(
    "l",
    "Logs",
    lambda view: view.key == "pods",
    lambda screen, view, key, record: SEEN.setdefault("opened", (view.key, key)),
)


def open_test_screen(app, arg: str) -> None:
    SEEN["command"] = arg


async def test_features_plug_in_through_the_extension_registries(tmp_path, monkeypatch):
    monkeypatch.setattr(extensions, "DETAIL_TABS", [f"{__name__}:TEST_TAB"])
    monkeypatch.setattr(extensions, "SCREEN_COMMANDS", {"testscreen": f"{__name__}:open_test_screen"})
    monkeypatch.setattr(extensions, "OBJECT_ACTIONS", {"logs": f"{__name__}:TEST_ACTION"})
    SEEN.clear()
    async with demo_app(tmp_path, options={"command": "pods"}) as (app, pilot, emu):
        await pilot.press("colon", *"testscreen now", "enter")
        await wait_for(pilot, lambda: SEEN.get("command") == "now", what="the :command")
        uid = app.screen.table.cursor_key
        await pilot.press("l")
        assert SEEN["opened"] == ("pods", uid)
        await pilot.press("enter")
        await wait_for(pilot, lambda: app.screen.__class__.__name__ == "DetailScreen", what="the detail")
        await pilot.press("5")
        await wait_for(pilot, lambda: f"tab of {uid}" in screen_text(app), what="the extra tab")
        emu.patch("v1", "Pod", *_pod_key(app, uid), {"metadata": {"labels": {"touched": "yes"}}})
        await wait_for(pilot, lambda: SEEN.get("deliveries", 0) > 0, what="a delivery to the tab")
        await pilot.press("escape", "colon", *"isvc", "enter")
        await pilot.pause(0.2)
        assert "Logs" not in screen_text(app)  # the key is hidden where the action does not apply


def _pod_key(app, uid: str) -> tuple[str, str]:
    pod = app.workspace.stores["pods"].get(uid)
    return pod["metadata"]["namespace"], pod["metadata"]["name"]
