"""GPU fleet, Metrics tab and :prom in the real app, against the emulator and the demo's Prometheus."""

from __future__ import annotations

from contextlib import asynccontextmanager

from inference_console.sandbox.prometheus_server import DemoPrometheus, demo_series
from inference_console.sandbox.scenario import seed_objects
from inference_console.settings.config_file import ConfigFile, ContextSettings
from inference_console.settings.endpoints import PrometheusSettings
from inference_console.ui.screens.detail import DetailScreen
from inference_console.widgets.chart import Chart
from tests.ui.harness import demo_app, screen_text, wait_for


@asynccontextmanager
async def metrics_app(tmp_path, size=(120, 40)):
    prom = DemoPrometheus(demo_series(seed_objects()))
    url = await prom.start()
    config = ConfigFile(
        path=tmp_path / "config.toml",
        exists=True,
        defaults=ContextSettings(prometheus=PrometheusSettings(url=url, interval=0.5)),
    )
    try:
        async with demo_app(tmp_path, size=size, config=config) as (app, pilot, emu):
            await wait_for(pilot, lambda: "prometheus" in app.workspace.sources, what="the prometheus source")
            yield app, pilot, emu
    finally:
        await prom.stop()


def rows(app):
    return [r.cells for r in app.screen.table.visible_rows]


async def test_gpu_fleet_is_a_table_with_findings_and_charts(tmp_path):
    async with metrics_app(tmp_path) as (app, pilot, emu):
        await pilot.press("colon", *"gpu", "enter")
        await wait_for(pilot, lambda: len(rows(app)) == 28, what="28 GPUs of the demo's four nodes")
        text = screen_text(app)
        assert "GPUS" in text and "Idle GPUs" in text and "GPU findings" in text
        xid_row = app.screen.table.get_row("gpu-a100-1/3")
        assert xid_row.style == "failed" and "48" in xid_row.cells and "llama3-8b" in " ".join(xid_row.cells)
        await pilot.press("slash", *"granite", "enter")
        await wait_for(pilot, lambda: len(rows(app)) == 1, what="the filter")
        findings = app.workspace.stores["gpufindings"]
        await wait_for(pilot, lambda: len(findings) == 2, what="the idle and XID findings")
        assert {r["rule"] for r in findings.values()} == {"idle-gpu", "xid"}
        assert any(r["owner_name"] == "granite-3b" for r in findings.values())
        await pilot.press("enter")  # Enter: the GPU's charts
        await wait_for(pilot, lambda: isinstance(app.screen, DetailScreen), what="the GPU detail")
        chart = app.screen.query_one(Chart)
        await wait_for(pilot, lambda: chart.paints > 0, what="a painted chart")
        assert "GPU utilisation" in screen_text(app)


async def test_metrics_tab_of_an_inferenceservice_opens_and_closes_its_pane(tmp_path):
    async with metrics_app(tmp_path) as (app, pilot, emu):
        source = app.workspace.sources["prometheus"]
        keys = [r.key for r in app.screen.table.visible_rows]
        store = app.workspace.stores["inferenceservices.serving.kserve.io"]
        uid = next(k for k in keys if store.get(k)["metadata"]["name"] == "mistral-7b")
        app.screen.open_detail(uid)
        await wait_for(pilot, lambda: isinstance(app.screen, DetailScreen), what="the detail")
        assert not source.panes  # nothing queried for a tab that is not shown
        await pilot.pause(0.2)
        app.screen.action_tab("metrics")
        await wait_for(pilot, lambda: len(source.panes) == 1, what="the pane opened")
        chart = app.screen.query_one(Chart)
        await wait_for(pilot, lambda: chart.paints > 0 and "Latency" in screen_text(app), what="charts")
        text = screen_text(app)
        assert "Requests" in text and "KV cache" in text and "GPU utilisation" in text
        pane = next(iter(source.panes.values()))
        assert len(pane.target["pods"]) == 3  # both revisions of the canary
        paints = chart.paints
        await pilot.press("space")  # pause: no more queries, no repaint
        await pilot.pause(1.2)
        assert pane.paused and chart.paints <= paints + 1
        await pilot.press("w")
        assert pane.window == "6h"
        await pilot.press("escape")
        await wait_for(pilot, lambda: not source.panes, what="the pane closed")
        assert pane.task.done() and not any(k.startswith("prom:") for k in app.workspace.stores)


async def test_small_terminal_without_colour_and_prom_screen(tmp_path, monkeypatch):
    monkeypatch.setenv("NO_COLOR", "1")
    async with metrics_app(tmp_path, size=(80, 24)) as (app, pilot, emu):
        await pilot.press("colon", *"gpu", "enter")
        await wait_for(pilot, lambda: len(rows(app)) == 28, what="GPUs")
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, DetailScreen), what="the GPU detail")
        chart = app.screen.query_one(Chart)
        await wait_for(pilot, lambda: chart.paints > 0, what="a chart at 80x24")
        assert not chart.color
        await pilot.press("escape")
        await pilot.press("colon", *"prom", "enter")
        await wait_for(pilot, lambda: "dcgm-exporter" in screen_text(app), what=":prom's exporters")
        text = screen_text(app)
        assert "127.0.0.1" in text and "config file" in text and "Ready" in text


def cells_by_name(app) -> dict[str, dict[str, str]]:
    labels = [c.label for c in app.screen._columns]
    return {row.cells[0]: dict(zip(labels, row.cells)) for row in app.screen.table.visible_rows}


async def test_inferenceservice_table_shows_gpu_and_request_rate_columns(tmp_path):
    """GPU% (mean utilisation of the pods' GPUs) and REQ/S (vLLM/KServe request rate) joined per row."""
    async with metrics_app(tmp_path, size=(220, 40)) as (app, pilot, emu):
        source = app.workspace.sources["prometheus"]
        assert app.screen.kind_key == "inferenceservices.serving.kserve.io"
        await wait_for(pilot, lambda: source.serving_wanted, what="the table asked for the serving metrics")
        await wait_for(
            pilot,
            lambda: (
                any(r.get("REQ/S") for r in cells_by_name(app).values())
                and any(r.get("GPU%") for r in cells_by_name(app).values())
            ),
            what="GPU% and REQ/S cells",
        )
        rows_ = cells_by_name(app)
        store = app.workspace.stores["servingmetrics"]
        for name, row in rows_.items():
            rec = store.get(f"inferenceservices.serving.kserve.io/llm-prod/{name}")
            if rec is None:
                assert row["GPU%"] == row["REQ/S"] == "", (name, row)
                continue
            assert row["GPU%"] == ("" if rec["gpu_util"] is None else f"{rec['gpu_util']:.0f}%"), (name, row, rec)
            if rec["req_s"] is not None:
                assert float(row["REQ/S"]) == rec["req_s"], (name, row, rec)
        # GPU%: the mean utilisation of the fleet's GPUs held by the object's pods (DCGM pod labels).
        gpus = list(source.gpus.values())
        checked = 0
        for rec in store.values():
            held = [
                g
                for g in gpus
                if (g.get("owner") or {}).get("name") == rec["name"] and g["namespace"] == rec["namespace"]
            ]
            utils = [g["util"] for g in held if g.get("util") is not None]
            assert rec["gpus"] == len(held), (rec, held)
            if utils and rec["gpu_util"] is not None:
                assert abs(rec["gpu_util"] - sum(utils) / len(utils)) <= 10, (rec, utils)  # a refresh apart at most
                checked += 1
        assert checked >= 2, list(store.values())
        busy = [r for r in store.values() if r["req_s"]]
        assert busy and all(r["family"] in ("vllm", "kserve", "bentoml", "takeoff") for r in busy)
        # A detail view covers the table: no longer wanted; back to the table: asked again.
        app.screen.open_detail(app.screen.table.visible_rows[0].key)
        await wait_for(
            pilot, lambda: isinstance(app.screen, DetailScreen) and not source.serving_wanted, what="covered"
        )
        await pilot.press("escape")
        await wait_for(pilot, lambda: not isinstance(app.screen, DetailScreen) and source.serving_wanted, what="shown")
        # Another table: the rates are no longer wanted; back: asked again.
        await pilot.press("colon", *"pods", "enter")
        await wait_for(pilot, lambda: app.screen.kind_key == "pods" and not source.serving_wanted, what="released")
        await pilot.press("colon", *"bd", "enter")
        await wait_for(pilot, lambda: source.serving_wanted, what="BentoDeployments ask again")
        await pilot.press("0")  # all namespaces: the demo's BentoDeployments run in "bentoml"
        await wait_for(pilot, lambda: any(r.get("REQ/S") for r in cells_by_name(app).values()), what="bento req/s")


async def test_serving_columns_are_dropped_at_80_columns_and_blank_without_prometheus(tmp_path):
    async with demo_app(tmp_path, size=(80, 24)) as (app, pilot, emu):
        text = screen_text(app)
        assert "GPU%" not in text and "REQ/S" not in text, text  # dropped first: the 80-column table is unchanged
        assert "REASON" in text and "AGE" in text
    async with demo_app(tmp_path, size=(220, 30)) as (app, pilot, emu):
        text = screen_text(app)
        assert "GPU%" in text and "REQ/S" in text  # shown, and blank: no Prometheus here
        assert all(r["GPU%"] == r["REQ/S"] == "" for r in cells_by_name(app).values())
