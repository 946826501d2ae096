"""What one delivery of store changes costs the screen: only what changed is drawn again.

Key presses wait behind deliveries (up to 30 a second while a list arrives), so a delivery
must not relayout the whole screen, rebuild the sidebar or repaint lines whose text is the
same; batches a screen could not keep up with are handled as one."""

from __future__ import annotations

from textual.app import App, ComposeResult
from textual.screen import Screen
from textual.widgets import Static

from inference_console.state.store import Changes
from inference_console.state.workspace import Workspace
from inference_console.ui.messages import StoresChanged, merge_changes
from inference_console.ui.screens.base import WorkspaceScreen
from inference_console.widgets.key_footer import KeyFooter
from inference_console.widgets.nav_list import NavItem, NavList, NavSection
from inference_console.widgets.virtual_table import TableColumn, TableRow, VirtualTable
from tests.ui.harness import demo_app, screen_text, wait_for

ISVC = "inferenceservices.serving.kserve.io"


def _sections(pods: str, failing: str = "") -> list[NavSection]:
    return [
        NavSection("Serving", [NavItem("isvc", "InferenceServices", count="7", badge=failing)]),
        NavSection("Workloads", [NavItem("pods", "Pods", count=pods), NavItem("deploy", "Deployments", count="3")]),
    ]


class Nav(App[None]):
    def compose(self) -> ComposeResult:
        yield NavList(id="sidebar")


async def test_a_count_that_changes_repaints_its_row_only():
    app = Nav()
    async with app.run_test(size=(40, 10)) as pilot:
        nav = app.query_one(NavList)
        nav.set_sections(_sections("100"))
        await pilot.pause()
        options = list(nav.options)
        drawn: list[int] = []
        render_line = nav.render_line

        def counted(y: int):
            drawn.append(y)
            return render_line(y)

        nav.render_line = counted  # type: ignore[method-assign]
        nav.set_sections(_sections("2,500"))
        await pilot.pause()
        assert "Pods" in screen_text(app) and "2,500" in screen_text(app)
        assert list(nav.options) == options  # the same options: not rebuilt
        assert drawn == [nav.get_option_index("pods")]  # the Pods row (rows: title, isvc, title, pods)
        # A badge appears on another row: that row, and nothing else, is drawn again.
        drawn.clear()
        nav.set_sections(_sections("2,500", failing="2!"))
        await pilot.pause()
        assert drawn == [nav.get_option_index("isvc")]
        assert "2!" in str(nav.get_option("isvc").prompt)
        # Nothing changed: nothing is drawn.
        drawn.clear()
        nav.set_sections(_sections("2,500", failing="2!"))
        await pilot.pause()
        assert drawn == []


async def test_a_delivery_relayouts_nothing_and_leaves_unchanged_lines_alone(tmp_path):
    async with demo_app(tmp_path) as (app, pilot, emu):
        await wait_for(pilot, lambda: "live" in screen_text(app), what="live state")
        # The sources that start after the cluster have added their kinds to the sidebar.
        await wait_for(pilot, lambda: {"gpus", "contexts"} <= app.workspace.views.keys(), what="every source")
        screen = app.screen
        table = screen.table
        await pilot.pause(0.3)
        layouts: list[int] = []
        refresh_layout = screen._refresh_layout  # noqa: SLF001

        def counted_layout(*args, **kwargs):
            layouts.append(1)
            return refresh_layout(*args, **kwargs)

        screen._refresh_layout = counted_layout  # noqa: SLF001
        updates: dict[str, list[str]] = {"header": [], "title": []}
        for name, shown in updates.items():
            widget = screen.query_one(f"#{name}", Static)
            update = widget.update

            def counted_update(content="", *, layout=True, update=update, shown=shown):
                shown.append(str(content))
                return update(content, layout=layout)

            widget.update = counted_update  # type: ignore[method-assign]

        footer = screen.query_one(KeyFooter)
        footer_builds: list[int] = []
        recompose = footer.recompose

        async def counted_recompose():
            footer_builds.append(1)
            await recompose()

        footer.recompose = counted_recompose  # type: ignore[method-assign]

        # A cell of a row changes: the row is drawn again; header and title say the same as before.
        key = next(r.key for r in table.visible_rows if r.cells[0] == "qwen-chat")
        emu.patch(
            "serving.kserve.io/v1beta1",
            "InferenceService",
            "llm-prod",
            "qwen-chat",
            {"spec": {"predictor": {"model": {"modelFormat": {"name": "onnx"}}}}},
        )
        await wait_for(pilot, lambda: "onnx" in table.get_row(key).cells, what="changed cell")
        await pilot.pause(0.2)
        assert "onnx" in screen_text(app)
        assert updates == {"header": [], "title": []}
        assert layouts == []
        assert footer_builds == []

        # A new row: the title's count changes (and only the title is written), still no layout.
        count = table.row_count
        emu.create(
            {
                "apiVersion": "serving.kserve.io/v1beta1",
                "kind": "InferenceService",
                "metadata": {"name": "aaa-new", "namespace": "llm-prod"},
                "spec": {"predictor": {"model": {"modelFormat": {"name": "sklearn"}, "storageUri": "gs://b/m"}}},
            }
        )
        await wait_for(pilot, lambda: table.row_count == count + 1, what="new row")
        await pilot.pause(0.2)
        assert f"InferenceServices(llm-prod)[{count + 1}]" in screen_text(app)
        assert updates["header"] == []
        assert updates["title"] and f"[{count + 1}]" in updates["title"][-1]
        assert layouts == []


class Counting(WorkspaceScreen):
    def compose(self) -> ComposeResult:
        yield Static("")

    def on_mount(self) -> None:
        self.batches: list[dict[str, Changes]] = []

    def on_stores_changed(self, event) -> None:
        self.batches.append(event.changes)
        super().on_stores_changed(event)


class One(App[None]):
    def __init__(self) -> None:
        super().__init__()
        self.workspace = Workspace(1 / 30)

    def get_default_screen(self) -> Screen:
        return Counting()


async def test_batches_queued_behind_each_other_are_handled_as_one():
    app = One()
    async with app.run_test(size=(40, 5)) as pilot:
        screen = app.screen
        await pilot.pause()
        shared = {"pods": Changes(upserted={"a": {"v": 1}, "b": {"v": 1}})}
        # Three frames' batches reach the screen before it runs (it was busy): one handling.
        screen.post_message(StoresChanged(shared))
        screen.post_message(StoresChanged({"pods": Changes(upserted={"c": {"v": 1}}, deleted={"a"})}))
        screen.post_message(
            StoresChanged({"pods": Changes(upserted={"a": {"v": 2}}), "nodes": Changes(status_changed=True)})
        )
        await pilot.pause()
        assert len(screen.batches) == 1
        batch = screen.batches[0]
        assert batch["pods"].upserted == {"a": {"v": 2}, "b": {"v": 1}, "c": {"v": 1}}
        assert batch["pods"].deleted == set()
        assert batch["nodes"].status_changed
        # The batch other screens were posted is not changed by the merge.
        assert shared["pods"].upserted == {"a": {"v": 1}, "b": {"v": 1}} and not shared["pods"].deleted
        # One at a time, each is handled as it comes.
        screen.post_message(StoresChanged({"pods": Changes(deleted={"b"})}))
        await pilot.pause()
        screen.post_message(StoresChanged({"pods": Changes(reset=True)}))
        await pilot.pause()
        assert [b["pods"] for b in screen.batches[1:]] == [Changes(deleted={"b"}), Changes(reset=True)]


def test_merged_changes_say_what_the_two_did_in_order():
    earlier = Changes(upserted={"a": 1, "b": 1}, deleted={"c", "d"})
    later = Changes(upserted={"c": 2, "b": 2}, deleted={"a"}, status_changed=True)
    merged = merge_changes(earlier, later)
    assert merged == Changes(upserted={"b": 2, "c": 2}, deleted={"a", "d"}, reset=False, status_changed=True)
    assert merge_changes(Changes(reset=True), Changes(upserted={"x": 1})).reset
    assert earlier == Changes(upserted={"a": 1, "b": 1}, deleted={"c", "d"})  # not modified


async def test_the_footer_is_rebuilt_when_its_keys_change_only(tmp_path):
    async with demo_app(tmp_path) as (app, pilot, emu):
        await wait_for(pilot, lambda: "live" in screen_text(app), what="live state")
        await wait_for(pilot, lambda: {"gpus", "contexts"} <= app.workspace.views.keys(), what="every source")
        await pilot.pause(0.3)
        screen = app.screen
        footer = screen.query_one(KeyFooter)
        builds: list[int] = []
        recompose = footer.recompose

        async def counted_recompose():
            builds.append(1)
            await recompose()

        footer.recompose = counted_recompose  # type: ignore[method-assign]
        assert "Describe" in screen_text(app).splitlines()[-1]
        # Asked again with the same keys (what a focus change or an RBAC answer does): nothing.
        screen.refresh_bindings()
        screen.query_one("#sidebar").focus()
        await pilot.pause(0.2)
        screen.table.focus()
        await pilot.pause(0.2)
        assert builds == []
        # Other keys (a kind without edit, describe…: Contexts): rebuilt, and shows them.
        await pilot.press("colon", *"ctx", "enter")
        await wait_for(pilot, lambda: screen.kind_key == "contexts", what="contexts")
        await wait_for(pilot, lambda: builds, what="the footer rebuilt")
        await pilot.pause(0.2)
        last = screen_text(app).splitlines()[-1]
        assert "Edit" not in last and "Command" in last
        await pilot.press("colon", *"isvc", "enter")
        await wait_for(pilot, lambda: "Edit" in screen_text(app).splitlines()[-1], what="the edit key back")


def _row(i: int, status: str = "Running") -> TableRow:
    name = f"version-{i:05d}"
    return TableRow(key=name, cells=(name, status), search=name, sort_keys=(name, status))


class Rows(App[None]):
    def compose(self) -> ComposeResult:
        yield VirtualTable(id="table")

    def on_mount(self) -> None:
        table = self.query_one(VirtualTable)
        table.set_columns([TableColumn("name", "NAME"), TableColumn("status", "STATUS")])
        table.sort_by("name")
        table.set_rows([_row(i) for i in range(100)])


async def test_a_page_landing_below_the_rows_in_view_repaints_nothing():
    app = Rows()
    async with app.run_test(size=(60, 12)) as pilot:
        table = app.query_one(VirtualTable)
        await pilot.pause()
        drawn: list[int] = []
        render_line = table.render_line

        def counted(y: int):
            drawn.append(y)
            return render_line(y)

        table.render_line = counted  # type: ignore[method-assign]
        # A page of 500 rows sorted after those in view (and one replaced off screen): nothing to draw.
        table.upsert_rows([_row(i) for i in range(1000, 1500)] + [_row(90, "Failed")])
        await pilot.pause()
        assert table.row_count == 600 and drawn == []
        # A row that sorts into view, or a change of a row in view: the table is drawn again.
        table.upsert_rows([_row(5, "Failed")])
        await pilot.pause()
        assert drawn and "Failed" in screen_text(app)
        drawn.clear()
        table.upsert_rows([TableRow(key="version-00000a", cells=("version-00000a", "New"), search="")])
        await pilot.pause()
        assert drawn and "version-00000a" in screen_text(app)
        # A key moves the cursor: the two rows it left and reached are drawn (lines 1 and 2 under
        # the header), not the whole table; scrolling draws the rows that came into view.
        drawn.clear()
        await pilot.press("down")
        await pilot.pause()
        assert table.cursor_row == 1 and sorted(set(drawn)) == [1, 2]
        drawn.clear()
        await pilot.press("pagedown")
        await pilot.pause()
        assert table.scroll_offset.y > 0 and len(set(drawn)) == table.size.height
        assert table.visible_rows[table.cursor_row].key in screen_text(app)


def test_a_store_growing_in_small_pages_is_moved_out_of_the_gcs_way(tmp_path):
    """Full collections of a growing heap stall key presses (80-150 ms each): every 1,000 records a
    store gains, the app freezes what exists, whatever the size of the pages that brought them."""
    import gc

    from inference_console.settings.config_file import ConfigFile
    from inference_console.state.store import RecordStore
    from inference_console.ui.app import ConsoleApp

    app = ConsoleApp(config=ConfigFile(path=tmp_path / "c.toml", exists=False))
    store = RecordStore("versions", key_of=lambda r: r["id"])
    app.workspace.stores["versions"] = store
    freezes: list[int] = []
    for page in range(8):  # pages of 500, as the Model Registry source lists them
        before = gc.get_freeze_count()
        batch = {}
        for i in range(page * 500, page * 500 + 500):
            record = {"id": str(i), "labels": {"n": [i]}}
            batch[store.upsert(record)] = record
        app._deliver({"versions": Changes(upserted=batch)})  # noqa: SLF001
        if gc.get_freeze_count() > before:
            freezes.append(len(store))
    # The first delivery freezes what start-up built; then every 1,000 records the store gained.
    assert freezes == [500, 1500, 2500, 3500]
    gc.unfreeze()  # the rest of the test session as it was


async def test_a_metrics_refresh_rerenders_the_rows_it_touched_through_the_join_index(tmp_path):
    """CPU/MEM of pods come from another store (PodMetrics): a refresh re-renders the rows whose
    record changed, found by an index kept with each delivery (not a pass over every pod)."""
    import copy

    async with demo_app(tmp_path, size=(260, 14), options={"all_namespaces": True}) as (app, pilot, emu):
        await pilot.press("colon", *"pods", "enter")
        screen = app.screen
        table = screen.table
        labels = lambda: [c.label for c in screen._columns]  # noqa: E731, SLF001
        metrics = app.workspace.stores["podmetrics"]
        await wait_for(
            pilot,
            lambda: screen.kind_key == "pods" and len(metrics) and table.row_count > table.size.height + 10,
            what="pods, metrics",
        )
        # A pod far below the rows in view (the periodic refresh of the rows in view does not reach it).
        row = table.visible_rows[-1]
        pod = app.workspace.stores["pods"].get(row.key)
        name, namespace = pod["metadata"]["name"], pod["metadata"]["namespace"]
        record = metrics.get(f"{namespace}/{name}")
        # The test writes what the metrics source's polls would (it stops polling); the store
        # reaches the screen through the workspace's change callback like every store.
        await app.workspace.sources["metrics"].stop()
        assert metrics.on_change == app.workspace.on_change
        assert record is not None and table.cursor_row < table.size.height
        rendered: list[str] = []  # the rows a delivery of PodMetrics rendered again
        upsert_rows, rejoin = table.upsert_rows, screen._rejoin  # noqa: SLF001

        cpus: list[str] = []  # the CPU cell of each, as rendered

        def counted(rows):
            rows = list(rows)
            rendered.extend(r.key for r in rows)
            cpus.extend(dict(zip(labels(), r.cells))["CPU"] for r in rows)
            return upsert_rows(rows)

        def rejoin_counted(changes):
            table.upsert_rows = counted  # type: ignore[method-assign]
            try:
                rejoin(changes)
            finally:
                table.upsert_rows = upsert_rows  # type: ignore[method-assign]

        screen._rejoin = rejoin_counted  # noqa: SLF001
        for usage in ("777m", "888m"):  # two refreshes: the index is built by the first, kept for the next
            rendered.clear()
            cpus.clear()
            fresh = copy.deepcopy(record)
            for container in fresh["containers"]:
                container["usage"]["cpu"] = usage
            metrics.upsert(fresh)
            n = len(fresh["containers"])
            await wait_for(pilot, lambda: rendered, what="the row rendered again")
            await pilot.pause(0.1)
            assert rendered == [row.key] and cpus == [f"{int(usage[:-1]) * n}m"]  # that row, not every pod
        # The pod goes: its row and its place in the index go with it.
        emu.delete("v1", "Pod", namespace, name)
        await wait_for(pilot, lambda: table.get_row(row.key) is None, what="the pod gone")
        assert row.key not in screen._row_joins  # noqa: SLF001
        assert all(row.key not in keys for index in screen._join_index.values() for keys in index.values())  # noqa: SLF001
