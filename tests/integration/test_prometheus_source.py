"""The Prometheus source on the real server: the fleet follows a live exporter; panes fill and stop."""

from __future__ import annotations

import asyncio

from aiohttp import web

from inference_console.settings.endpoints import PrometheusSettings
from inference_console.sources.prometheus.source import PrometheusSource
from inference_console.state.store import KindState
from inference_console.state.workspace import Workspace
from tests.prometheus_fixture import free_port, run_prometheus


class Exporter:
    """A dcgm-exporter stand-in: two GPUs on node-a, the first held by a pod; values settable."""

    def __init__(self) -> None:
        self.util = 42.0
        self.xid = 0.0
        self.runner: web.AppRunner | None = None

    def text(self) -> str:
        base0 = 'gpu="0",UUID="GPU-0",modelName="NVIDIA L4",Hostname="node-a",pod="llm-0",namespace="ml",container="c"'
        base1 = 'gpu="1",UUID="GPU-1",modelName="NVIDIA L4",Hostname="node-a"'
        lines = []
        for name, v0, v1 in (
            ("DCGM_FI_DEV_GPU_UTIL", self.util, 0),
            ("DCGM_FI_DEV_FB_USED", 1000, 0),
            ("DCGM_FI_DEV_FB_FREE", 22034, 23034),
            ("DCGM_FI_DEV_GPU_TEMP", 61, 35),
            ("DCGM_FI_DEV_POWER_USAGE", 50, 12),
            ("DCGM_FI_DEV_XID_ERRORS", self.xid, 0),
        ):
            lines += [f"# TYPE {name} gauge", f"{name}{{{base0}}} {v0}", f"{name}{{{base1}}} {v1}"]
        lines += [
            "# TYPE vllm:num_requests_running gauge",
            'vllm:num_requests_running{model_name="m",namespace="ml",pod="llm-0"} 3',
        ]
        return "\n".join(lines) + "\n"

    async def start(self) -> str:
        app = web.Application()

        async def metrics(request: web.Request) -> web.Response:
            return web.Response(text=self.text())

        app.router.add_get("/metrics", metrics)
        self.runner = web.AppRunner(app)
        await self.runner.setup()
        port = free_port()
        await web.TCPSite(self.runner, "127.0.0.1", port).start()
        return f"127.0.0.1:{port}"

    async def stop(self) -> None:
        if self.runner is not None:
            await self.runner.cleanup()


async def wait(predicate, timeout=15.0, what="condition"):
    deadline = asyncio.get_running_loop().time() + timeout
    while asyncio.get_running_loop().time() < deadline:
        if predicate():
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


async def test_fleet_follows_the_exporter_and_panes_fill_and_stop(tmp_path):
    exporter = Exporter()
    target = await exporter.start()
    ws = Workspace(interval=0.01)
    try:
        with run_prometheus(tmp_path, targets=[target], scrape_interval="1s") as url:
            source = PrometheusSource(PrometheusSettings(url=url, interval=0.5))
            await ws.start_source(source)
            await wait(lambda: len(source.gpus) == 2, what="two GPUs")
            rec = source.gpus.get("node-a/0")
            assert rec["pod"] == "llm-0" and rec["namespace"] == "ml" and rec["model"] == "NVIDIA L4"
            assert rec["util"] == 42.0 and rec["fb_total"] == 23034 and source.gpus.status.state is KindState.LIVE
            assert source.dialect.host == "Hostname"
            exporter.util, exporter.xid = 97.0, 79.0
            await wait(lambda: source.gpus.get("node-a/0")["util"] == 97.0, what="the new utilisation")
            await wait(lambda: source.gpus.failing_count == 1, what="the XID GPU failing")
            assert "XID 79" in source.gpus.verdict("node-a/0").reason
            assert len(source.idle) == 1 and source.idle.get("node-a/1")
            queries_before = source.client.queries
            await asyncio.sleep(1.2)
            per_refresh = (source.client.queries - queries_before) / max(1, source.fleet_refreshes)
            assert source.fleet_refreshes and per_refresh <= 8
            # a pane for the pod: GPU and vLLM panels, notes for what is missing
            key = source.open_pane("t", {"kind": "pods", "namespace": "ml", "pods": ["llm-0"]}, window="5m", width=60)
            store = ws.store(key)
            await wait(lambda: store.loaded and (store.get("gpu_util") or {}).get("series"), what="the pane's panels")
            header = store.get("_pane")
            assert "gpu" in header["families"] and "vllm" in header["families"]
            assert any("kube-state-metrics" in n for n in header["notes"])
            util = store.get("gpu_util")
            assert util["series"] and util["series"][0]["name"] == "node-a/0" and not util["error"]
            task = source.panes["t"].task
            source.close_pane("t")
            await asyncio.sleep(0.05)
            assert task.done() and key not in ws.stores
            await ws.close()
    finally:
        await exporter.stop()


async def test_unreachable_prometheus_is_a_reconnecting_status(tmp_path):
    ws = Workspace(interval=0.01)
    source = PrometheusSource(PrometheusSettings(url=f"http://127.0.0.1:{free_port()}", interval=0.2, timeout=1.0))
    await ws.start_source(source)
    await wait(lambda: source.gpus.status.state is KindState.RECONNECTING, what="reconnecting")
    assert "unreachable" in source.gpus.status.reason and "retrying in" in source.gpus.status.reason
    await ws.close()
