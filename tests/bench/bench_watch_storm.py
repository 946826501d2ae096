"""Watch-storm benchmark: 1,000 pod changes/s for 10 s while navigating (prints figures).

The sandbox API server runs in its own process (tests/bench/_storm_server.py, 2,000
load pods + the demo cluster, no controller).  The app runs here, headless
(``app.run_test``), on the pods of all namespaces, with its production settings.
During the storm a navigation key (down/up) is pressed every 50 ms; for each key we
measure the ``await pilot.press`` wall time and, from instrumentation, the time until
the table's cursor moved (the cursor action ran) and until the screen was next
composited.  The same key sequence without a storm is the floor.  Afterwards the app's
pods store and table are compared with the server's state, and the number of UI batches
(``StoresChanged`` messages) is compared with the number of watch events received.

Run:  python tests/bench/bench_watch_storm.py [--rate 1000] [--seconds 10] [--scale 2000] [--quick]
Not a timed test: it never fails on a slow machine.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _util import PYTHON, ROOT, child_env, median, ms, pct, stop_process, verdict  # noqa: E402

if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from inference_console.settings.config_file import ConfigFile  # noqa: E402
from inference_console.settings.launch import LaunchOptions  # noqa: E402
from inference_console.sources.kube.store import ObjectStore  # noqa: E402
from inference_console.ui.app import ConsoleApp  # noqa: E402
from inference_console.ui.rows import render_row  # noqa: E402
from inference_console.widgets.virtual_table import VirtualTable  # noqa: E402

TARGET_P95 = 0.050
KEY_INTERVAL = 0.050
now = time.perf_counter


# ---------------------------------------------------------------------------------- server
class StormServer:
    def __init__(self, scale: int) -> None:
        self.scale = scale
        self.proc: subprocess.Popen | None = None
        self.kubeconfig = ""

    def __enter__(self) -> "StormServer":
        self.proc = subprocess.Popen(
            [PYTHON, str(Path(__file__).with_name("_storm_server.py")), "--scale", str(self.scale)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            cwd=ROOT,
            env=child_env(),
        )
        line = self.proc.stdout.readline()
        if not line.startswith("kubeconfig "):
            raise RuntimeError(f"storm server did not start: {line!r}")
        self.kubeconfig = line.split(" ", 1)[1].strip()
        return self

    def command(self, text: str) -> str:
        assert self.proc is not None and self.proc.stdin is not None
        self.proc.stdin.write(text + "\n")
        self.proc.stdin.flush()
        reply = self.proc.stdout.readline()
        if not reply:
            raise RuntimeError(f"storm server died on {text!r}")
        return reply.rstrip("\n")

    def dump(self) -> dict[str, str]:
        reply = self.command("dump")
        assert reply.startswith("dump ")
        return json.loads(reply[5:])

    def __exit__(self, *exc: object) -> None:
        if self.proc is not None:
            try:
                self.proc.stdin.write("quit\n")
                self.proc.stdin.flush()
                self.proc.wait(5)
            except (OSError, subprocess.TimeoutExpired):
                pass
            stop_process(self.proc)
            for f in (self.proc.stdin, self.proc.stdout):
                try:
                    f.close()
                except OSError:
                    pass


# ---------------------------------------------------------------------------------- instrumentation
class Counters:
    def __init__(self) -> None:
        self.counting = False
        self.events: dict[str, int] = {}
        self.bookmarks = 0
        self.deliveries = 0  # hub flushes that reached _deliver
        self.batches = 0  # StoresChanged messages posted (per screen)
        self.pod_batches = 0  # ... that carried pod changes
        self.pod_rows_in_batches = 0
        self.rv_applied: dict[int, float] = {}  # pods event resourceVersion -> when applied
        self.delivered: list[float] = []


COUNTERS = Counters()
_apply_event = ObjectStore.apply_event


def _counting_apply_event(self: ObjectStore, event_type: str, obj: dict) -> None:
    if COUNTERS.counting:
        if event_type == "BOOKMARK":
            COUNTERS.bookmarks += 1
        elif self.key == "pods":
            COUNTERS.events[event_type] = COUNTERS.events.get(event_type, 0) + 1
            try:
                COUNTERS.rv_applied[int(obj["metadata"]["resourceVersion"])] = now()
            except (KeyError, TypeError, ValueError):
                pass
    _apply_event(self, event_type, obj)


ObjectStore.apply_event = _counting_apply_event  # this benchmark process only


class BenchApp(ConsoleApp):
    def _deliver(self, changes) -> None:
        if not COUNTERS.counting or self.kube is None:
            return super()._deliver(changes)
        COUNTERS.deliveries += 1
        pending = changes.get("pods")
        if pending:
            COUNTERS.delivered.append(now())
            COUNTERS.pod_batches += 1
            COUNTERS.pod_rows_in_batches += len(pending.upserted) + len(pending.deleted)
        if any(changes.values()):
            COUNTERS.batches += len(self.screen_stack)
        return super()._deliver(changes)


class KeyProbe:
    """Stamps the cursor actions and the compositor refreshes of the main screen."""

    def __init__(self, app: BenchApp, table: VirtualTable) -> None:
        self.actions: list[tuple[float, bool]] = []  # (time, cursor key changed)
        self.paints: list[float] = []
        for name in ("action_cursor_down", "action_cursor_up"):
            original = getattr(table, name)

            def wrapped(original=original) -> None:
                before = table.cursor_key
                original()
                self.actions.append((now(), table.cursor_key != before))

            setattr(table, name, wrapped)  # Textual looks actions up with getattr
        screen = app.screen
        refresh = screen._compositor_refresh

        def timed_refresh() -> None:
            refresh()
            self.paints.append(now())

        screen._compositor_refresh = timed_refresh


async def press_keys(pilot, probe: KeyProbe, count: int) -> list[dict]:
    """Press down x10 / up x10 ... every KEY_INTERVAL; each press in its own task."""
    results: list[dict] = []
    tasks = []
    first_action = len(probe.actions)
    starts: list[float] = []

    async def one(key: str) -> None:
        t0 = now()
        starts.append(t0)
        await pilot.press(key)
        results.append({"t0": t0, "press": now() - t0})

    t_begin = now()
    for i in range(count):
        key = "down" if (i // 10) % 2 == 0 else "up"
        tasks.append(asyncio.get_running_loop().create_task(one(key)))
        await asyncio.sleep(max(0.0, t_begin + (i + 1) * KEY_INTERVAL - now()))
    await asyncio.gather(*tasks)
    # Keys are handled in order: the i-th cursor action belongs to the i-th key.
    actions = probe.actions[first_action:]
    results.sort(key=lambda r: r["t0"])
    for i, r in enumerate(results):
        if i < len(actions):
            t_action, moved = actions[i]
            r["action"] = t_action - r["t0"]
            r["moved"] = moved
            paints = [p for p in probe.paints if p >= t_action]
            r["paint"] = paints[0] - r["t0"] if paints else None
    return results


_RELATIVE = re.compile(r"\b\d+(?:y|d|h|m|s)(?:\d+(?:d|h|m|s))?\b")


def _timeless(cells: tuple[str, ...]) -> list[str]:
    """Cells with relative times ("3h", "2d4h", "41s ago") blanked: they move with the clock."""
    return [_RELATIVE.sub("<t>", c) for c in cells]


class GcProbe:
    """Durations of the garbage collector's passes (gen 2 can stall the loop)."""

    def __init__(self) -> None:
        self.pauses: dict[int, list[float]] = {0: [], 1: [], 2: []}
        self._t = 0.0

    def __call__(self, phase: str, info: dict) -> None:
        if phase == "start":
            self._t = now()
        else:
            self.pauses[info["generation"]].append(now() - self._t)

    def __enter__(self) -> "GcProbe":
        gc.callbacks.append(self)
        return self

    def __exit__(self, *exc: object) -> None:
        gc.callbacks.remove(self)

    def describe(self) -> str:
        return "; ".join(
            f"gen{g} {len(v)} passes, max {ms(max(v)) if v else 'n/a'}, total {ms(sum(v))}"
            for g, v in self.pauses.items()
        )


async def loop_lag_probe(samples: list[float], stop: asyncio.Event, interval: float = 0.01) -> None:
    while not stop.is_set():
        t = now()
        await asyncio.sleep(interval)
        samples.append(now() - t - interval)


def report_keys(label: str, keys: list[dict]) -> dict:
    action = [k["action"] for k in keys if "action" in k]
    paint = [k["paint"] for k in keys if k.get("paint") is not None]
    press = [k["press"] for k in keys]
    moved = sum(1 for k in keys if k.get("moved"))
    print(
        f"  {label}: key -> cursor moved (action ran):  p50 {ms(median(action))}  p95 {ms(pct(action, 95))}"
        f"  max {ms(max(action)) if action else 'n/a'}  (n={len(action)}, cursor row changed on {moved})"
    )
    print(
        f"  {label}: key -> screen composited:          p50 {ms(median(paint))}  p95 {ms(pct(paint, 95))}"
        f"  max {ms(max(paint)) if paint else 'n/a'}"
    )
    print(
        f"  {label}: await pilot.press:                 p50 {ms(median(press))}  p95 {ms(pct(press, 95))}"
        f"  max {ms(max(press))}"
    )
    return {"action_p95": pct(action, 95), "paint_p95": pct(paint, 95), "press_p95": pct(press, 95)}


# ---------------------------------------------------------------------------------- benchmark
async def _run(server: StormServer, rate: float, seconds: float, gc_mode: str = "") -> dict:
    figures: dict = {}
    initial = server.dump()
    config = ConfigFile(path=Path(tempfile.mkdtemp(prefix="ic-bench-")) / "config.toml", exists=False)
    app = BenchApp(LaunchOptions(kubeconfig=server.kubeconfig, all_namespaces=True, command="pods"), config)
    t0 = now()
    async with app.run_test(size=(160, 50)) as pilot:
        while now() - t0 < 120:
            table = getattr(app.screen, "table", None)
            if table is not None and table.row_count >= len(initial):
                break
            await asyncio.sleep(0.01)
        table = app.screen.table
        print(f"app listed {table.row_count:,} pods in {now() - t0:.2f} s")
        if gc_mode == "freeze":  # experiment: what the app could do after a large list
            gc.collect()
            gc.freeze()
            print(f"experiment: gc.freeze() after the list ({gc.get_freeze_count():,} objects frozen)")
        elif gc_mode == "threshold":
            gc.set_threshold(10_000, 50, 1000)
            print(f"experiment: gc.set_threshold{gc.get_threshold()}")
        await pilot.pause()
        probe = KeyProbe(app, table)
        n_keys = int(seconds / KEY_INTERVAL)

        # --- floor: the same keys without a storm ---------------------------------
        quiet = await press_keys(pilot, probe, min(n_keys, 40))

        # --- the storm ---------------------------------------------------------------
        COUNTERS.counting = True
        lag: list[float] = []
        stop = asyncio.Event()
        lag_task = asyncio.get_running_loop().create_task(loop_lag_probe(lag, stop))

        def storm() -> tuple[str, float]:
            reply = server.command(f"storm {rate:g} {seconds:g}")
            return reply, now()

        with GcProbe() as gc_probe:
            storm_reply = asyncio.get_running_loop().run_in_executor(None, storm)
            stormy = await press_keys(pilot, probe, n_keys)
            reply, t_reply = await storm_reply
            stop.set()
            await lag_task
        t_done = now()
        parts = reply.split()
        final_rv, total = int(parts[1]), int(parts[2])
        storm_elapsed, creates, deletes = float(parts[3]), int(parts[4]), int(parts[5])
        server_events = int(parts[7])

        # --- quiescence ---------------------------------------------------------------
        store = app.workspace.stores["pods"]
        while now() - t_done < 60:
            rv = int(store.resource_version or 0)
            if rv >= final_rv and not store._pending:
                break
            await asyncio.sleep(0.01)
        await asyncio.sleep(0.2)
        await pilot.pause()
        COUNTERS.counting = False

        # --- compare with the server ----------------------------------------------------
        server_state = server.dump()
        app_state = {uid: (obj.get("metadata") or {}).get("resourceVersion") for uid, obj in store.objects.items()}
        screen = app.screen
        spec = app.workspace.views["pods"]
        columns = screen._columns
        stale = stale_times = 0
        for uid, obj in store.objects.items():
            row = table.get_row(uid)
            fresh = render_row(spec, uid, obj, columns)
            if row is None or _timeless(row.cells) != _timeless(fresh.cells):
                stale += 1
                if stale <= 3:
                    print(f"  stale row {uid}: table {row.cells if row else None}\n            fresh {fresh.cells}")
            elif row.cells != fresh.cells:
                stale_times += 1
        table_keys = {row.key for row in table.visible_rows} if table.filter_predicate is None else set()
        same_store = app_state == server_state
        same_table = table.total_count == len(server_state) and table_keys == set(server_state) and stale == 0

    events = sum(COUNTERS.events.values())
    print(
        f"storm: {total:,} changes in {storm_elapsed:.2f} s = {total / storm_elapsed:,.0f}/s"
        f" ({creates} creates, {deletes} deletes; final resourceVersion {final_rv})"
    )
    t_last = COUNTERS.rv_applied.get(final_rv)
    shown = [t for t in COUNTERS.delivered if t_last is not None and t >= t_last]
    print(
        f"  last event (rv {final_rv}) applied to the app's store {ms(t_last - t_reply) if t_last else 'never'}"
        f" after the server's 'done' line was read; delivered to the screen"
        f" {ms(shown[0] - t_reply) if shown else 'n/a'} after it"
    )
    print(f"navigation keys every {ms(KEY_INTERVAL)}: {len(quiet)} without a storm, {len(stormy)} during it")
    floor = report_keys("no storm", quiet)
    during = report_keys("storm   ", stormy)
    figures.update({f"storm_{k}": v for k, v in during.items()})
    figures.update({f"quiet_{k}": v for k, v in floor.items()})
    print(
        f"key p95 during the storm, key -> composited: {ms(during['paint_p95'])}"
        f"   (target <= {ms(TARGET_P95)}: {verdict(during['paint_p95'], TARGET_P95)});"
        f" ratio to no storm {during['paint_p95'] / floor['paint_p95']:.1f}x"
    )
    print(
        f"  (await pilot.press includes Textual's wait_for_idle: >= 2 x 20 ms, up to 2 x 1 s while the"
        f" process is busy; p95 {ms(during['press_p95'])} -> {verdict(during['press_p95'], TARGET_P95)})"
    )
    print(
        f"event-loop lag during the storm (10 ms ticker): p50 {ms(median(lag))}  p95 {ms(pct(lag, 95))}"
        f"  max {ms(max(lag)) if lag else 'n/a'}; ticks late by > 50 ms: {sum(1 for x in lag if x > 0.05)}"
    )
    print(f"garbage collector during the storm: {gc_probe.describe()}")
    print(
        f"watch events received for pods: {events:,} ({', '.join(f'{k} {v:,}' for k, v in sorted(COUNTERS.events.items()))};"
        f" the server made {server_events:,} changes that produce events); bookmarks {COUNTERS.bookmarks}"
    )
    print(
        f"UI batches: {COUNTERS.deliveries} hub deliveries, {COUNTERS.batches} StoresChanged messages,"
        f" {COUNTERS.pod_batches} with pod changes carrying {COUNTERS.pod_rows_in_batches:,} row changes"
        f" -> {events / max(1, COUNTERS.pod_batches):.0f} events per batch"
        f" ({COUNTERS.pod_batches / max(1e-9, storm_elapsed):.0f} batches/s)"
    )
    print(
        f"app pods store equals server (uid -> resourceVersion, {len(server_state):,} pods):"
        f" {'yes' if same_store else 'no'}"
        + (
            ""
            if same_store
            else f" (missing {len(set(server_state) - set(app_state))},"
            f" extra {len(set(app_state) - set(server_state))},"
            f" different rv {sum(1 for u in server_state if u in app_state and app_state[u] != server_state[u])})"
        )
    )
    print(
        f"table: total_count {table.total_count:,}, row keys equal server uids {table_keys == set(server_state)},"
        f" rows differing from a fresh render of the store {stale} (ignoring relative times;"
        f" {stale_times} rows differ only in a relative time such as AGE or '(41s ago)')"
    )
    ok = same_store and same_table
    figures["final_equal"] = ok
    print(f"final table equals server: {'yes' if ok else 'no'}")
    return figures


def run_benchmark(rate: float = 1000, seconds: float = 10, scale: int = 2000, gc_mode: str = "") -> dict:
    print(
        f"Watch-storm benchmark: {rate:,.0f} changes/s for {seconds:g} s over --scale {scale:,} pods,"
        f" Python {sys.version.split()[0]}, {os.cpu_count()} CPUs; server in its own process"
    )
    with StormServer(scale) as server:
        return asyncio.run(_run(server, rate, seconds, gc_mode))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rate", type=float, default=1000)
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--scale", type=int, default=2000)
    parser.add_argument("--quick", action="store_true", help="smoke run: 300 pods, 200 changes/s for 2 s")
    parser.add_argument(
        "--gc",
        choices=("freeze", "threshold"),
        default="",
        help="experiment: gc.freeze() after the list, or raise the GC thresholds",
    )
    opts = parser.parse_args()
    if opts.quick:
        run_benchmark(rate=200, seconds=2, scale=300)
    else:
        run_benchmark(opts.rate, opts.seconds, opts.scale, opts.gc)
