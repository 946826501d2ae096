"""CPU/MEM columns of Pods and Nodes, joined from metrics.k8s.io (the demo's emulator serves it)."""

from __future__ import annotations

from tests.ui.harness import demo_app, wait_for


def cells_by_name(app) -> dict[str, dict[str, str]]:
    labels = [c.label for c in app.screen._columns]
    return {row.cells[0]: dict(zip(labels, row.cells)) for row in app.screen.table.visible_rows}


def _phase(emu, name: str) -> str:
    pod = emu.get("v1", "Pod", "llm-prod", name)
    return (pod.get("status") or {}).get("phase", "")


async def test_pods_and_nodes_show_cpu_and_memory(tmp_path):
    async with demo_app(tmp_path, size=(260, 50)) as (app, pilot, emu):
        await pilot.press("colon", "p", "o", "d", "s", "enter")
        await wait_for(
            pilot,
            lambda: app.screen.kind_key == "pods" and any(r.get("CPU") for r in cells_by_name(app).values()),
            what="a pod's CPU",
        )
        rows = cells_by_name(app)
        running = [n for n, r in rows.items() if r["STATUS"] == "Running"]
        pending = [n for n, r in rows.items() if _phase(emu, n) == "Pending"]
        assert running, rows
        for name in running:
            r = rows[name]
            assert r["CPU"].endswith("m") and r["MEM"].endswith("Mi"), r
            assert r["%CPU/R"] and r["%MEM/R"], r
        for name in pending:
            assert rows[name]["CPU"] == rows[name]["MEM"] == "" == rows[name]["%CPU/R"], rows[name]
        await pilot.press("colon", "n", "o", "d", "e", "s", "enter")
        await wait_for(
            pilot,
            lambda: app.screen.kind_key == "nodes" and any(r.get("CPU") for r in cells_by_name(app).values()),
            what="a node's CPU",
        )
        for r in cells_by_name(app).values():
            assert r["CPU"].endswith("m") and r["MEM"].endswith("Mi") and r["%CPU"].isdigit(), r


async def test_pod_metrics_wait_for_the_pods_first_list(tmp_path):
    """While the Pods' first list is still arriving the PodMetrics are not polled (their
    decoding would delay the table); they are once it has landed."""
    async with demo_app(tmp_path, size=(200, 40)) as (app, pilot, emu):
        await wait_for(pilot, lambda: app.workspace.sources.get("metrics") is not None, what="the metrics source")
        source = app.workspace.sources["metrics"]
        await source.stop()  # its polls are made by the test from here
        source.stores["podmetrics"].replace([])
        pods = app.workspace.stores["pods"]
        pods.loaded = False  # as while a first list arrives
        source.ensure("podmetrics")
        await source.poll_once()
        assert source._waiting and not len(source.stores["podmetrics"])  # noqa: SLF001
        pods.loaded = True
        await source.poll_once()
        assert not source._waiting and len(source.stores["podmetrics"]) > 0  # noqa: SLF001
