"""Benchmark of the Prometheus panes (prints figures beside a floor measured in the same run).

* GPU fleet, 256 GPUs on 32 nodes (a Prometheus-compatible server in a child process):
  queries per refresh (target <= 8), wall time and the app's CPU time per refresh (target
  <= 20 ms) beside the floor (the same queries sent and decoded, nothing else).
* Key-press latency p95 on the GPU table while the fleet refreshes every second (target
  <= 50 ms), beside the same keys with the refresh stopped.
* Metrics tab opened -> first chart painted (target <= 300 ms), beside the floor (the
  pane's queries alone, over loopback).
* Bytes written to the terminal per second (a real pty, 120x40) on the Metrics tab with
  unchanged data (paused) and with live data, beside the floor (the app idle on a table).

Run:  python tests/bench/bench_metrics.py [--quick]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import pty
import select
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from tests.bench._util import ms, pct, verdict  # noqa: E402

NODES, PER_NODE = 32, 8
QUICK_NODES = 4  # --quick: a smaller fleet, so that the run stays under 15 s (the figures say which)


def nodes() -> int:
    return int(os.environ.get("IC_BENCH_NODES", NODES))


def fleet_series(count: int | None = None, per_node: int = PER_NODE, amp: float = 1.0):
    from inference_console.sandbox.prometheus_server import _gauge, _seed
    from inference_console.sandbox.promql import SynthSeries

    series = []
    start = time.time() - 3 * 3600
    for n in range(count or nodes()):
        for g in range(per_node):
            base = {
                "Hostname": f"node-{n:02d}",
                "gpu": str(g),
                "UUID": f"GPU-{n:02d}{g}",
                "modelName": "NVIDIA H100",
                "job": "dcgm-exporter",
            }
            if g % 4:
                base |= {"pod": f"llm-{n}-{g}", "namespace": f"team-{n % 6}", "container": "c"}
            seed = _seed(str(n), str(g))
            util = _gauge(60, 30 * amp, seed, 0, 100)
            for name, fn in (
                ("DCGM_FI_DEV_GPU_UTIL", util),
                ("DCGM_FI_DEV_FB_USED", _gauge(50000, 2000 * amp, seed)),
                ("DCGM_FI_DEV_FB_FREE", _gauge(30000, 2000 * amp, seed)),
                ("DCGM_FI_DEV_GPU_TEMP", _gauge(60, 8 * amp, seed)),
                ("DCGM_FI_DEV_POWER_USAGE", _gauge(400, 100 * amp, seed)),
                ("DCGM_FI_DEV_XID_ERRORS", (lambda t: 79.0) if (n, g) == (3, 1) else (lambda t: 0.0)),
            ):
                series.append(SynthSeries({**base, "__name__": name}, fn, start))
            if g % 4:
                pod = {"namespace": base["namespace"], "pod": base["pod"], "job": "vllm"}
                series.append(
                    SynthSeries(
                        {**pod, "__name__": "vllm:num_requests_running", "model_name": "m"},
                        _gauge(5, 3, seed, 0),
                        start,
                    )
                )
    return series


def serve(static: bool = False) -> None:
    """Child process: the fleet's server (``static``: values never change); prints its URL, runs until stdin closes."""
    from inference_console.sandbox.prometheus_server import DemoPrometheus

    async def main() -> None:
        server = DemoPrometheus(fleet_series(amp=0.0 if static else 1.0))
        print(await server.start(), flush=True)
        await asyncio.get_running_loop().run_in_executor(None, sys.stdin.read)
        await server.stop()

    asyncio.run(main())


def start_server(static: bool = False) -> tuple[subprocess.Popen, str]:
    proc = subprocess.Popen(
        [sys.executable, __file__, "--static" if static else "--serve"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        cwd=ROOT,
    )
    url = proc.stdout.readline().strip()
    return proc, url


# ----------------------------------------------------------------------------- 1. fleet refresh
async def bench_fleet(url: str, refreshes: int) -> None:
    """Refreshes back to back; the floor replays the very requests they sent (plain httpx, json.loads).

    The source re-reads what changes once a minute (the 1h maxima, memory totals, the next
    sparkline step) once a minute: a steady refresh is one query, a minute's first a few more.
    Both are shown, the median and the worst, each beside the replay of its own requests.
    """
    import httpx

    from inference_console.settings.endpoints import PrometheusSettings
    from inference_console.sources.prometheus.source import PrometheusSource
    from inference_console.state.workspace import Workspace

    ws = Workspace()
    source = PrometheusSource(PrometheusSettings(url=url, interval=3600))
    await ws.start_source(source)
    while source.fleet_refreshes == 0:
        await asyncio.sleep(0.01)
    assert len(source.gpus) == nodes() * PER_NODE, len(source.gpus)
    transport = source.client.transport
    sent: list[tuple[str, list]] = []
    real_get = transport.get

    async def recording_get(path, params, timeout):
        sent.append((path, list(params)))
        return await real_get(path, params, timeout)

    transport.get = recording_get
    runs = []  # (wall, cpu, requests)
    q0 = source.client.queries
    source._hourly = (0.0, None, None)  # noqa: SLF001 - the first timed refresh is a minute's first
    for _ in range(refreshes):
        del sent[:]
        c0, w0 = time.process_time(), time.perf_counter()
        await source.refresh_fleet()
        runs.append((time.perf_counter() - w0, time.process_time() - c0, list(sent)))
    per_refresh = (source.client.queries - q0) / refreshes
    await ws.close()
    floors = []
    async with httpx.AsyncClient(base_url=url) as client:
        await client.get("/-/ready")  # the connection, as the source's was
        for _, _, requests in runs:
            c0, w0 = time.process_time(), time.perf_counter()
            responses = await asyncio.gather(*[client.get(p, params=q) for p, q in requests])
            for r in responses:
                json.loads(r.content)
            floors.append((time.perf_counter() - w0, time.process_time() - c0))
    by_cpu = sorted(range(len(runs)), key=lambda i: runs[i][1])
    mid, worst = by_cpu[len(by_cpu) // 2], by_cpu[-1]
    print(
        f"fleet {nodes() * PER_NODE} GPUs on {nodes()} nodes: queries per refresh: {per_refresh:.1f} on average, "
        f"{len(runs[mid][2])} in the median refresh, {max(len(r[2]) for r in runs)} at most "
        f"(target <= 8: {verdict(max(len(r[2]) for r in runs), 8)})"
    )
    print(
        f"fleet refresh wall: median {ms(sorted(r[0] for r in runs)[len(runs) // 2])}  "
        f"floor (its requests replayed, decoded only) {ms(sorted(f[0] for f in floors)[len(floors) // 2])}"
    )
    app_cpu = runs[mid][1]
    same = sorted(f[1] for f, r in zip(floors, runs) if len(r[2]) == len(runs[mid][2]))
    floor_cpu = same[len(same) // 2]  # the median replay of refreshes sending as many requests
    print(
        f"fleet refresh app CPU: median {ms(app_cpu)}  floor {ms(floor_cpu)} (ratio {app_cpu / floor_cpu:.1f}x); "
        f"worst {ms(runs[worst][1])} ({len(runs[worst][2])} requests) floor {ms(floors[worst][1])}  "
        f"(target <= 20 ms: {verdict(app_cpu, 0.020)})"
    )


# ----------------------------------------------------------------------------- 2+3. keys and first chart
async def bench_ui(url: str, presses: int) -> None:
    from inference_console.settings.config_file import ConfigFile, ContextSettings
    from inference_console.settings.endpoints import PrometheusSettings
    from inference_console.ui.screens.detail import DetailScreen
    from inference_console.widgets.chart import Chart
    from tests.ui.harness import demo_app, wait_for

    tmp = Path(tempfile.mkdtemp(prefix="ic-bench-metrics-"))
    config = ConfigFile(
        path=tmp / "c.toml", exists=True, defaults=ContextSettings(prometheus=PrometheusSettings(url=url, interval=1.0))
    )
    async with demo_app(tmp, config=config) as (app, pilot, emu):
        await wait_for(pilot, lambda: "prometheus" in app.workspace.sources)
        source = app.workspace.sources["prometheus"]
        await pilot.press("colon", *"gpu", "enter")
        await wait_for(pilot, lambda: app.screen.table.row_count == nodes() * PER_NODE, timeout=20)

        table = app.screen.table
        actions: list[float] = []
        paints: list[float] = []
        for name in ("action_cursor_down", "action_cursor_up"):
            original = getattr(table, name)

            def wrapped(original=original) -> None:
                original()
                actions.append(time.perf_counter())

            setattr(table, name, wrapped)  # Textual looks actions up with getattr
        screen = app.screen
        composite = screen._compositor_refresh  # noqa: SLF001

        def timed_composite() -> None:
            composite()
            paints.append(time.perf_counter())

        screen._compositor_refresh = timed_composite  # noqa: SLF001

        async def keys() -> list[float]:
            """Key sent -> the cursor moved -> the next composite (as bench_watch_storm measures it).

            ``await pilot.press`` itself also waits for the whole process to go idle (Textual's
            wait_for_idle): with the demo cluster running beside, that alone is ~100 ms.
            """
            starts: list[float] = []
            first = len(actions)
            tasks = []
            for i in range(presses):
                starts.append(time.perf_counter())
                tasks.append(asyncio.ensure_future(pilot.press("down" if i % 20 < 10 else "up")))
                await asyncio.sleep(0.05)
            await asyncio.gather(*tasks)
            out = []
            for t0, t_action in zip(starts, actions[first:]):
                later = [p for p in paints if p >= t_action]
                if later:
                    out.append(later[0] - t0)
            return out

        r0 = source.fleet_refreshes
        live = await keys()
        refreshed = source.fleet_refreshes - r0
        source.interval = 3600.0
        source.refresh_now()
        await asyncio.sleep(0.5)
        quiet = await keys()
        print(
            f"key -> composited p95 while the fleet refreshes every 1 s ({refreshed} refreshes during "
            f"{len(live)} keys): {ms(pct(live, 95))} (p50 {ms(pct(live, 50))})  floor (no refresh) "
            f"{ms(pct(quiet, 95))} (p50 {ms(pct(quiet, 50))})  (target <= 50 ms: {verdict(pct(live, 95), 0.050)})"
        )
        source.interval = 1.0
        # 3. Metrics tab -> first chart painted with data (Enter on a GPU row opens its Metrics tab).
        # The press runs in a task: `await pilot.press` waits for the whole process to go idle.
        t0 = time.perf_counter()
        press = asyncio.ensure_future(pilot.press("enter"))

        def drawn() -> bool:
            screen = app.screen
            if not isinstance(screen, DetailScreen):
                return False
            charts = screen.query(Chart)
            return bool(charts) and charts.first().painted_series > 0

        while not drawn() and time.perf_counter() - t0 < 10:
            await asyncio.sleep(0.005)
        first = time.perf_counter() - t0
        await press
        # floor: the pane's five queries alone
        client = source.client
        now = time.time()
        t1 = time.perf_counter()
        await asyncio.gather(
            *[
                client.query_range(f'max(DCGM_FI_DEV_{m}{{Hostname="node-00", gpu="1"}})', now - 3600, now, 60)
                for m in ("GPU_UTIL", "FB_USED", "POWER_USAGE", "GPU_TEMP", "XID_ERRORS")
            ]
        )
        floor = time.perf_counter() - t1
        print(
            f"Metrics tab open -> first chart painted: {ms(first)}  floor (its queries alone) {ms(floor)}  "
            f"(target <= 300 ms: {verdict(first, 0.300)})"
        )


# ----------------------------------------------------------------------------- 4. bytes to the terminal
def pty_bytes(url: str, seconds: float, what: str) -> None:
    config = Path(tempfile.mkdtemp(prefix="ic-bench-cfg-")) / "inference-console"
    config.mkdir(parents=True)
    (config / "config.toml").write_text(f'[defaults.prometheus]\nurl = "{url}"\ninterval = 1\n')

    pid, fd = pty.fork()
    if pid == 0:
        os.environ.update(
            {"XDG_CONFIG_HOME": str(config.parent), "TERM": "xterm-256color", "COLUMNS": "120", "LINES": "40"}
        )
        os.execv(sys.executable, [sys.executable, "-m", "inference_console", "demo"])
    import fcntl
    import struct
    import termios

    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 120, 0, 0))

    seen = bytearray()  # everything since the last wait_for: where the app is, from what it drew

    def drain(duration: float) -> int:
        total, end = 0, time.monotonic() + duration
        while time.monotonic() < end:
            ready, _, _ = select.select([fd], [], [], 0.05)
            if ready:
                try:
                    chunk = os.read(fd, 65536)
                except OSError:
                    break
                total += len(chunk)
                seen.extend(chunk)
        return total

    def wait_for(marker: bytes, keys: str = "", timeout: float = 20.0) -> None:
        """Send ``keys`` (again every 5 s) until ``marker`` is drawn: the script must reach the screen it measures."""
        deadline = time.monotonic() + timeout
        del seen[:]
        while marker not in seen:
            if time.monotonic() > deadline:
                raise RuntimeError(f"the app never drew {marker!r} after {keys!r}")
            for ch in keys:
                os.write(fd, ch.encode())
                drain(0.03)
            until = time.monotonic() + 5.0
            while marker not in seen and time.monotonic() < until:
                drain(0.1)

    try:
        wait_for(b"llm-prod", timeout=30.0)  # the demo cluster listed
        wait_for(b"node-00", ":gpu\r", timeout=40.0)  # the GPU table (the fleet's first refresh)
        drain(2.0)
        idle_table = drain(seconds) / seconds
        wait_for(b"window", "\r")  # Enter: the GPU's detail on its Metrics tab (the head reads "window 5m 1h ...")
        drain(3.0)
        live = drain(seconds) / seconds
        wait_for(b"PAUSED", " ")  # space: paused, unchanged data from now on
        drain(2.0)
        paused = drain(seconds) / seconds
        if os.environ.get("IC_BENCH_PTY_DUMP"):  # what was drawn while paused, to find who redraws
            Path(os.environ["IC_BENCH_PTY_DUMP"]).write_bytes(bytes(seen))
        print(
            f"terminal bytes/s, 120x40, {what}: GPU Metrics tab refreshing every 1 s {live:.0f} B/s, "
            f"paused {paused:.0f} B/s; floor: the GPU table {idle_table:.0f} B/s"
        )
    finally:
        os.kill(pid, 15)
        try:
            os.waitpid(pid, 0)
        except ChildProcessError:
            pass
        os.close(fd)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--serve", action="store_true")
    parser.add_argument("--static", action="store_true")
    args = parser.parse_args()
    if args.quick:
        os.environ["IC_BENCH_NODES"] = str(QUICK_NODES)
    if args.serve or args.static:
        serve(static=args.static)
        return
    proc, url = start_server()
    try:
        asyncio.run(bench_fleet(url, 3 if args.quick else 10))
        asyncio.run(bench_ui(url, 20 if args.quick else 200))
        if args.quick:
            print("terminal bytes/s: skipped in --quick (a real pty and two demo start-ups take about 30 s)")
        else:
            pty_bytes(url, 5.0, "live data (values change every scrape)")
            static, static_url = start_server(static=True)
            try:
                pty_bytes(static_url, 5.0, "unchanged data (constant values)")
            finally:
                static.stdin.close()
                static.wait(10)
    finally:
        proc.stdin.close()
        proc.wait(10)


if __name__ == "__main__":
    main()
