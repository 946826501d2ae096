"""Log pane benchmarks (issue 12), each printed beside a floor measured in the same run.

1. Ingest: the Loki-compatible server (its own process) floods the tail; the real log screen
   (LogScreen, LokiSource, workspace hub) ingests while keys are pressed.  Figures: lines/s
   into the pane and key p95 (key sent -> its action ran -> the next composite).  Floors: a
   bare WebSocket client reading the same flood (decode only); the same keys on the same pane
   over a full buffer with no stream, and on a minimal Textual app (one Static, the same
   keys).  Keys are sent as the terminal driver sends them, from a thread every 50 ms, not
   with Pilot.press (which polls the process's CPU clock until it is idle and posts a
   callback to every widget per key: load the app would not have).
   Targets: ≥50,000 lines/s, key p95 ≤50 ms.
2. Memory: RSS after 100,000 and 1,000,000 lines through a 100,000-line buffer (flat).
   Floor: RSS before the first line.
3. Tail to screen on loopback: a line pushed every 50 ms; the clock stops when the pane has
   drawn it.  Floor: the bare WebSocket client's receive latency.  Target p95 ≤100 ms.
4. Filter as you type over a full 100,000-line buffer: per keystroke, key → rows filtered and
   refreshed.  Floor: one regex scan of the 100,000 lines.  Target p95 ≤30 ms.

    python tests/bench/bench_logs.py [--quick]
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import os
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from tests.bench._util import KeyClock, median, ms, pct, send_key, verdict  # noqa: E402

FEEDER = r"""
import asyncio, sys, time
from inference_console.sandbox.loki_server import LokiServer
mode, a, b = sys.argv[1], float(sys.argv[2]), float(sys.argv[3])
LABELS = {"namespace": "bench", "pod": "flood-1", "container": "main"}
async def main():
    s = LokiServer(tail_max_pending=1_000_000, max_entries_per_stream=200_000)
    url = await s.start()
    print(url, flush=True)
    tails = s.tenants["fake"].tails
    floor_tail = None
    for first in (True, False):  # the floor's bare client, then the pane: one server start for both
        while not [t for t in tails if t is not floor_tail]:
            await asyncio.sleep(0.01)
        if first:
            floor_tail = tails[0]
        await asyncio.sleep(0.3)
        await run(s)
        while first and floor_tail in tails:  # the floor's client has gone (the pane may be there already)
            await asyncio.sleep(0.01)
    await asyncio.sleep(0.2)
    await s.stop()
async def run(s):
    if mode == "flood":  # a lines/s for b seconds: every ~10 ms, as many lines as the clock says are due
        t0 = time.monotonic()
        end = t0 + b
        n = 0
        while (now_m := time.monotonic()) < end:
            batch = int(a * (now_m - t0)) - n
            now = time.time_ns()
            if batch > 0:
                s.push(LABELS, [(now + i, f'level=info msg="request done" path=/v1/chat/completions status=200 latency_ms={(n + i) % 300} n={n + i}') for i in range(batch)])
                n += batch
            await asyncio.sleep(0.01)
        print(f"pushed {n} {time.monotonic() - t0:.3f}", flush=True)
    else:  # ticks: a lines, one every b seconds, each carrying its send time
        for i in range(int(a)):
            s.push_line(LABELS, f"SENT={time.time_ns()} tick {i}")
            await asyncio.sleep(b)
    await asyncio.sleep(0.5)
    print("done", flush=True)
asyncio.run(main())
"""


def rss() -> int:
    import psutil

    return psutil.Process().memory_info().rss


def start_feeder(*args: str) -> tuple[subprocess.Popen[str], str]:
    proc = subprocess.Popen(
        [sys.executable, "-c", FEEDER, *args],
        stdout=subprocess.PIPE,
        text=True,
        cwd=str(Path(__file__).resolve().parents[2]),
    )
    url = proc.stdout.readline().strip()  # type: ignore[union-attr]
    return proc, url


async def bounded(work, seconds: float, proc: subprocess.Popen[str], what: str) -> None:
    """``work`` within ``seconds``, else the feeder is stopped and the run ends saying so (the feeder
    waits for the pane's tail: a pane that never tails would leave the benchmark waiting for ever)."""
    try:
        await asyncio.wait_for(work, seconds)
    except TimeoutError:
        proc.kill()
        raise SystemExit(f"bench_logs: {what} did not finish in {seconds:.0f} s (feeder stopped)") from None


def run_end(proc: subprocess.Popen[str]) -> "asyncio.Future[float]":
    """Done when the feeder's run has ended: lines/s it really pushed (``pushed N SECONDS``; 0 for ticks)."""

    def read() -> float:
        pushed = 0.0
        for line in proc.stdout:  # type: ignore[union-attr]
            if line.startswith("pushed "):
                _, n, secs = line.split()
                pushed = int(n) / float(secs)
            if line.startswith("done"):
                break
        return pushed

    return asyncio.ensure_future(asyncio.to_thread(read))


async def bare_client(url: str, mode: str) -> tuple[int, float, list[float]]:
    """Floor: read the tail with httpx-ws and decode frames, nothing else."""
    import httpx
    from httpx_ws import WebSocketDisconnect, aconnect_ws

    lines, lat = 0, []
    start = time.perf_counter()
    first = last = None
    async with httpx.AsyncClient() as http:
        async with aconnect_ws(
            f"{url}/loki/api/v1/tail?query=%7Bnamespace%3D%22bench%22%7D&start={time.time_ns()}",
            http,
            max_message_size_bytes=64 * 1024 * 1024,
        ) as ws:
            try:
                while True:
                    frame = json.loads(await ws.receive_text(timeout=0.6))
                    now = time.time_ns()
                    for stream in frame["streams"]:
                        for _, line in stream["values"]:
                            lines += 1
                            first = first or time.perf_counter()
                            last = time.perf_counter()
                            if line.startswith("SENT="):
                                lat.append((now - int(line[5:].split()[0])) / 1e9)
            except (WebSocketDisconnect, TimeoutError, asyncio.TimeoutError, Exception):  # noqa: BLE001 - the end
                pass
    return lines, (last or start) - (first or start), lat


def make_app():
    from textual.app import App

    from inference_console.state.workspace import Workspace
    from inference_console.ui.messages import StoresChanged

    class BenchApp(App[None]):
        def __init__(self) -> None:
            super().__init__()
            self.workspace = Workspace(1 / 30)
            self.workspace.listen(lambda changes: [s.post_message(StoresChanged(changes)) for s in self.screen_stack])

        def get_default_screen(self):  # as in the app: a workspace screen under the pane, told every delivery
            from inference_console.ui.screens.base import WorkspaceScreen

            return WorkspaceScreen()

    return BenchApp()


async def settle(pilot) -> None:
    """Past the screen's start (the footer composed again on focus and stack changes, the first
    frames): on a loaded machine that takes more than a fixed half second."""
    for _ in range(3):
        await pilot.pause()
    await asyncio.sleep(0.3)


async def minimal_app_keys(seconds: float) -> list[float]:
    """Floor: the same keys on a minimal Textual app (one Static the action updates)."""
    from textual.app import App, ComposeResult
    from textual.widgets import Static

    class Minimal(App[None]):
        BINDINGS = [("j", "move(1)"), ("k", "move(-1)")]

        def compose(self) -> ComposeResult:
            yield Static("0")

        def action_move(self, delta: int) -> None:
            self.n = getattr(self, "n", 0) + delta
            self.query_one(Static).update(str(self.n))

    app = Minimal()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        clock = KeyClock(app, app.screen, app, "action_move")
        clock.start()
        await asyncio.sleep(seconds)
        keys, _ = await clock.finish()
    return keys


def full_buffer(app, screen, lines: int, texts=None):
    """The pane over a buffer of ``lines`` lines and no stream (a session that reads nothing)."""
    from inference_console.state.logs import LogBuffer, Origin
    from inference_console.ui.screens.logs import _Rows

    buffer = LogBuffer("logs:fixed", 100_000, app.workspace.on_change)
    o = buffer.intern(Origin("pod", "main"))
    now = time.time_ns()
    if texts is None:
        texts = [
            f'level=info msg="request done" path=/v1/chat/completions status=200 latency_ms={i % 300} n={i}'
            for i in range(lines)
        ]
    buffer.extend([(now + i, o, x) for i, x in enumerate(texts)])

    class Fixed:
        def __init__(self, b):
            self.buffer = b

        async def close(self):
            pass

        async def older(self, n):
            return 0

    screen.session = Fixed(buffer)
    gc.freeze()  # as LogScreen.open() does when a stream opens
    screen.rows = _Rows(buffer)
    screen.view.set_rows(screen.rows, ["main"])
    return buffer


async def pane_keys_without_stream(seconds: float) -> list[float]:
    """Floor: the same keys on the same pane over a full 100,000-line buffer, nothing streaming."""
    result: list[float] = []

    async def body(app, pilot, screen) -> None:
        full_buffer(app, screen, 100_000)
        screen.view.move(-20)  # off the newest line, as the streaming keys are
        await settle(pilot)
        clock = KeyClock(app, screen, screen, "action_move")
        clock.start()
        await asyncio.sleep(seconds)
        keys, _ = await clock.finish()
        result.extend(keys)

    await with_pane(None, body)
    return result


async def with_pane(url: str | None, body) -> None:
    from inference_console.settings.endpoints import LokiSettings
    from inference_console.sources.loki.source import LokiSource
    from inference_console.state.logs import LogTarget
    from inference_console.ui.screens.logs import LogScreen

    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        if url:
            source = LokiSource(LokiSettings(url=url, buffer_lines=100_000))
            await app.workspace.start_source(source)
            await source.check()
        screen = LogScreen(LogTarget("Deployment", "flood", "bench", selector={"app": "flood"}))
        await app.push_screen(screen)
        await body(app, pilot, screen)


async def ingest(seconds: float, rate: int) -> None:
    proc, url = start_feeder("flood", str(rate), str(seconds))
    end = run_end(proc)
    floor_lines, floor_t, _ = await bare_client(url, "flood")
    floor_offered = await end
    floor = floor_lines / floor_t if floor_t else 0.0
    end = run_end(proc)
    keys: list[float] = []
    phases: list[tuple[float, float]] = []
    cpu_share: list[float] = []

    async def body(app, pilot, screen) -> None:
        while screen.session is None:
            await pilot.pause(0.01)
        buffer = screen.session.buffer
        while not buffer.received and not end.done():
            await asyncio.sleep(0.01)
        await asyncio.sleep(min(0.5, seconds / 8))  # sustained streaming: the pane's first frames are not counted
        clock = KeyClock(app, screen, screen, "action_move")
        cpu0, wall0 = time.thread_time(), time.perf_counter()  # the event loop's thread: the app
        clock.start()
        first = last = None
        count = first_count = 0
        while not end.done():
            await asyncio.sleep(0.05)
            now = time.perf_counter()
            if buffer.received and first is None:
                first, first_count = now, buffer.received
            if buffer.received != count:
                count, last = buffer.received, now
        cpu_share.append((time.thread_time() - cpu0) / max(1e-9, time.perf_counter() - wall0))
        got_keys, got_phases = await clock.finish()
        keys.extend(got_keys)
        phases.extend(got_phases)
        got = count - first_count
        span = (last - first) if first is not None and last is not None and last > first else 0.0
        body.result = (got / span if span else 0.0, count)  # type: ignore[attr-defined]

    await bounded(with_pane(url, body), seconds + 90, proc, "the pane's ingest")
    pane_offered = await end
    proc.wait()
    rate_got, total = body.result  # type: ignore[attr-defined]
    print(
        f"ingest floor (bare WebSocket client, decode only): {floor:,.0f} lines/s ({floor_lines:,} lines; "
        f"the feeder pushed {floor_offered:,.0f}/s)"
    )
    print(
        f"ingest into the pane: {rate_got:,.0f} lines/s ({total:,} lines; the feeder pushed {pane_offered:,.0f}/s) — "
        f"target ≥50,000/s: {'meets target' if rate_got >= 50_000 else 'MISSES target'}"
    )
    p95 = pct(keys, 95)
    if os.environ.get("BENCH_PHASES"):
        print("key phases (to action, action to composite):", [(round(a * 1000), round(b * 1000)) for a, b in phases])
    key_seconds = min(seconds, 3.0)
    gc.collect()
    minimal = await minimal_app_keys(key_seconds)
    gc.collect()
    still = await pane_keys_without_stream(key_seconds)
    print(
        f"key floor (key -> composited, same keys every 50 ms): minimal Textual app p95 {ms(pct(minimal, 95))} "
        f"(n={len(minimal)}); the same pane over 100,000 lines, no stream: p95 {ms(pct(still, 95))} (n={len(still)})"
    )
    print(
        f"key p95 while streaming (key -> composited): {ms(p95)} over {len(keys)} keys, median {ms(median(keys))} — "
        f"target ≤50 ms: {verdict(p95, 0.050)}"
    )
    if cpu_share:
        print(f"app thread CPU while streaming and keys pressed: {cpu_share[0] * 100:.0f}% of a core")


def memory(total: int) -> None:
    from inference_console.state.logs import LogBuffer, Origin

    base = rss()
    buf = LogBuffer("logs:bench", 100_000)
    o = buf.intern(Origin("pod", "main"))
    t = time.time_ns()
    marks = {}
    batch = 1000
    for start in range(0, total, batch):
        buf.extend(
            [
                (
                    t + i,
                    o,
                    f'level=info msg="request done" path=/v1/chat/completions status=200 n={i:09d} '
                    f"latency_ms={i % 300}",
                )
                for i in range(start, start + batch)
            ]
        )
        if start + batch in (100_000, total):
            marks[start + batch] = rss()
    print(f"RSS floor (before the first line): {base / 2**20:.1f} MiB")
    print(
        f"RSS at 100,000 lines: {marks[100_000] / 2**20:.1f} MiB;  at {total:,} lines: {marks[total] / 2**20:.1f} MiB "
        f"(buffer 100,000, dropped {buf.dropped:,}) — growth after the buffer filled: "
        f"{(marks[total] - marks[100_000]) / 2**20:+.1f} MiB"
    )


async def tail_latency(count: int) -> None:
    proc, url = start_feeder("ticks", str(count), "0.05")
    end = run_end(proc)
    _, _, floor = await bare_client(url, "ticks")
    await end
    end = run_end(proc)
    lat: list[float] = []
    since = time.time_ns()  # the pane reads the floor's ticks as history first: not counted

    async def body(app, pilot, screen) -> None:
        def check() -> None:  # after the refresh that drew the delivery
            now = time.time_ns()
            session = screen.session
            if session is None:
                return
            buffer = session.buffer
            for _, _, text in buffer.slice(getattr(check, "seen", buffer.first_seq), buffer.end_seq):
                if text.startswith("SENT=") and int(text[5:].split()[0]) > since:
                    lat.append((now - int(text[5:].split()[0])) / 1e9)
            check.seen = buffer.end_seq  # type: ignore[attr-defined]

        # After the delivery's message is handled and the screen refreshed.
        app.workspace.listen(lambda changes: screen.call_after_refresh(check))
        while not end.done():
            await pilot.pause(0.05)

    await bounded(with_pane(url, body), count * 0.05 + 90, proc, "the pane's tail")
    proc.wait()
    print(f"tail-to-screen floor (bare WebSocket receive) p95: {ms(pct(floor, 95))} (n={len(floor)})")
    p95 = pct(lat, 95)
    print(
        f"tail-to-screen p95 (line drawn in the pane): {ms(p95)} (n={len(lat)}) — target ≤100 ms: {verdict(p95, 0.100)}"
    )


async def filter_typing(lines: int, typed: str, rounds: int = 1) -> None:
    empty: list[float] = []
    await _filter_typing(0, typed, empty, [], [], [], rounds)  # floor: the same keys over an empty buffer
    keys: list[float] = []
    complete: list[float] = []
    matches: list[int] = []
    floors: list[float] = []
    await _filter_typing(lines, typed, keys, complete, matches, floors, rounds)
    floor, floor_c = floors
    print(
        f"filter floor (one scan of {lines:,} lines): {ms(floor)} with a case-blind regex per line in Python, "
        f"{ms(floor_c)} lowered and searched in C; the same keys over an empty buffer: p95 {ms(pct(empty, 95))}"
    )
    p95 = pct(keys, 95)
    print(
        f"filter keystroke p95 over {lines:,} lines (key → newest matches filtered and drawn): {ms(p95)} "
        f"(n={len(keys)}) — target ≤30 ms: {verdict(p95, 0.030)}"
    )
    print(
        f"filter keystroke to every line scanned (older ones over later frames): p95 {ms(pct(complete, 95))}, "
        f"median {ms(median(complete))}; {matches[0] if matches else 0:,} matches"
    )


async def _filter_typing(
    lines: int,
    typed: str,
    keys: list[float],
    complete: list[float],
    matches: list[int],
    floors: list[float],
    rounds: int = 1,
) -> None:
    import re

    state: dict = {}

    texts = [
        f'level={"error" if i % 50 == 0 else "info"} msg="request done" path=/v1/chat/completions '
        f"status={500 if i % 97 == 0 else 200} latency_ms={i % 300} trace={i * 7919 % 1000003:07d}"
        for i in range(lines)
    ]
    t = time.perf_counter()
    pattern = re.compile("status=500", re.IGNORECASE)
    sum(1 for x in texts if pattern.search(x))
    floor = time.perf_counter() - t
    from itertools import compress, repeat

    t = time.perf_counter()
    len(list(compress(texts, map(str.__contains__, map(str.lower, texts), repeat("status=500")))))
    floor_c = time.perf_counter() - t
    floors += [floor, floor_c]

    async def body(app, pilot, screen) -> None:
        full_buffer(app, screen, lines, texts)
        # Key latency as for ingest: key sent -> the filter applied -> the next composite.
        applied: list[float] = []
        paints: list[float] = []
        apply, refresh = screen._apply_filter, screen._compositor_refresh  # noqa: SLF001

        def timed_apply(*args, **kwargs) -> None:
            apply(*args, **kwargs)
            applied.append(time.perf_counter())

        def timed_refresh() -> None:
            refresh()
            paints.append(time.perf_counter())

        screen._apply_filter, screen._compositor_refresh = timed_apply, timed_refresh  # noqa: SLF001
        state.update(screen=screen, app=app, paints=paints, applied=applied)
        for round_ in range(rounds):  # more keystrokes for a steadier p95: the text typed again
            if round_:
                await pilot.press("escape")  # the filter box closed and the filter cleared
                while screen.filter is not None:
                    await asyncio.sleep(0.002)
            await pilot.press("slash")
            await pilot.pause(0.1)
            await _type(typed)

    async def _type(typed: str) -> None:
        screen, app, paints, applied = state["screen"], state["app"], state["paints"], state["applied"]
        for ch in typed:
            del applied[:]
            start = time.perf_counter()
            send_key(app, ch)  # as the terminal driver sends it (see KeyClock)
            drawn: list[float] = []
            for _ in range(2000):
                drawn = [p for p in paints if applied and p >= applied[0]]
                if drawn:
                    break
                await asyncio.sleep(0.001)
            if drawn:
                keys.append(drawn[0] - start)
            while screen.filter is not None and not screen.filter.done:  # the older lines, over later frames
                await asyncio.sleep(0.002)
            complete.append(time.perf_counter() - start)
        if not matches:
            matches.append(len(screen.rows))

    await with_pane(None, body)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    os.environ.setdefault("TEXTUAL", "")
    quick = args.quick
    t0 = time.perf_counter()
    # Each part starts without the garbage of the one before (apps, buffers), which the app would not have.
    asyncio.run(ingest(0.5 if quick else 10.0, 60_000))  # 10 s: ~200 keys, a steadier p95
    gc.collect()
    memory(200_000 if quick else 1_000_000)
    gc.collect()
    asyncio.run(tail_latency(6 if quick else 100))
    gc.collect()
    asyncio.run(filter_typing(100_000, "st" if quick else "status=500", 1 if quick else 3))
    print(f"(bench wall time {time.perf_counter() - t0:.1f} s)")


if __name__ == "__main__":
    main()
