"""Registries: 10,000 bento versions from PostgreSQL and 10,000 Model Registry versions through paging.

Figures, each beside a floor measured in the same run:

* Yatai: source start -> first rows delivered to the workspace's listeners (what a screen is
  pushed), and -> all 10,000 rows live; floor: the same query fetched raw with asyncpg.
* Model Registry: the same for 10,000 versions in pages of 500 from the project's server;
  floor: raw httpx paging with json decoding.
* Model Registry on the screen: the console (``tests/ui/harness.demo_app``: the
  app, its demo cluster on the same loop) configured with the registry, on ``:mv``; the server
  holds its answers until the screen is open, then the pages come while down/up keys are sent
  every 25 ms; each key is timed from sent to the first composite of the screen after the table's
  cursor action ran.  Keys are sent as the terminal driver sends them, from a thread
  (``_util.KeyClock``, as bench_logs), not with Pilot.press (which waits for the process to go
  idle and calls every widget per key).  Floor: the same keys on the same screen once all
  10,000 rows are in.  Also: pages let through -> first version row painted on the screen
  (beside the source's own first rows above).

The Model Registry server runs in a process of its own (``python -m
inference_console.sandbox.model_registry_server``, held and released by a line on its stdin),
as a real registry is another process: its handlers (20-60 ms a page of 500) would otherwise
take the GIL from the console being measured.

``--quick`` does one run of each (one app); the default does 3 (6 apps on the screen).
"""

from __future__ import annotations

import argparse
import asyncio
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from tests.bench._util import PYTHON, ROOT, KeyClock, child_env, median, ms, pct, stop_process, verdict  # noqa: E402

TARGET_FIRST = 0.300
TARGET_KEY = 0.050
KEY_GAP = 0.025  # seconds between key presses


async def _first_and_all(make_source, key: str, count: int) -> tuple[float, float]:
    from inference_console.state.workspace import Workspace

    ws = Workspace(interval=1 / 30)
    first: list[float] = []
    t0 = time.perf_counter()
    ws.listen(
        lambda changes: (
            first.append(time.perf_counter() - t0) if key in changes and len(ws.stores[key]) and not first else None
        )
    )
    source = make_source()
    await ws.start_source(source)
    store = ws.stores[key]
    while not (store.status.state.value == "live" and len(store) >= count):
        if store.status.state.value == "error":
            raise RuntimeError(store.status.reason)
        await asyncio.sleep(0.002)
    total = time.perf_counter() - t0
    await ws.close()
    return (first[0] if first else total), total


async def bench_yatai(runs: int) -> None:
    import asyncpg

    from inference_console.settings.endpoints import YataiSettings
    from inference_console.sources.yatai.db import BENTOS
    from inference_console.sources.yatai.source import YataiSource
    from inference_console.sources.yatai.view import BENTOS as KEY
    from tests import registry_servers as servers

    dsn = await asyncio.to_thread(servers.database, "bench_yatai", bulk=10_000)
    floors, firsts, totals = [], [], []
    for _ in range(runs):
        t0 = time.perf_counter()
        conn = await asyncpg.connect(dsn, password=servers.PG_PASSWORD)
        rows = await conn.fetch(BENTOS)
        await conn.close()
        floors.append(time.perf_counter() - t0)
        assert len(rows) == 10_000
        first, total = await _first_and_all(
            lambda: YataiSource(YataiSettings(dsn=dsn, password=servers.PG_PASSWORD), poll=600), KEY, 10_000
        )
        firsts.append(first)
        totals.append(total)
    print(f"yatai floor: raw asyncpg fetch of 10,000 bento rows: {ms(median(floors))}")
    print(
        f"yatai first rows (10,000 versions): {ms(median(firsts))}  target {ms(TARGET_FIRST)}: "
        f"{verdict(median(firsts), TARGET_FIRST)}"
    )
    print(f"yatai all rows: {ms(median(totals))}  ratio to floor {median(totals) / median(floors):.1f}x")


class RegistryProcess:
    """The project's Model Registry server in a child process (see the module's ``serve``)."""

    def __init__(self, bulk: str) -> None:
        self.bulk = bulk
        self.proc: subprocess.Popen[str] | None = None
        self.url = ""

    def __enter__(self) -> "RegistryProcess":
        self.proc = subprocess.Popen(
            [PYTHON, "-m", "inference_console.sandbox.model_registry_server", "--bulk", self.bulk],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            cwd=ROOT,
            env=child_env(),
        )
        line = self._read()
        if not line.startswith("model registry:"):
            raise RuntimeError(f"the Model Registry server did not start: {line!r}")
        self.url = line.split(":", 1)[1].strip()
        return self

    def _read(self) -> str:
        assert self.proc is not None and self.proc.stdout is not None
        return self.proc.stdout.readline().strip()

    def command(self, command: str, answer: str) -> None:
        assert self.proc is not None and self.proc.stdin is not None
        self.proc.stdin.write(command + "\n")
        self.proc.stdin.flush()
        got = self._read()
        if got != answer:
            raise RuntimeError(f"the Model Registry server answered {command!r} with {got!r}")

    def hold(self) -> None:
        """Requests wait from now on (acknowledged: the next request is held)."""
        self.command("hold", "held")

    async def release(self) -> None:
        await asyncio.to_thread(self.command, "release", "released")

    def __exit__(self, *exc: object) -> None:
        if self.proc is not None:
            if self.proc.stdin is not None:
                self.proc.stdin.close()  # end of input: the server stops
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                stop_process(self.proc)
            if self.proc.stdout is not None:
                self.proc.stdout.close()


async def bench_model_registry(runs: int) -> None:
    import httpx

    from inference_console.settings.endpoints import ModelRegistrySettings
    from inference_console.sources.model_registry.source import ModelRegistrySource
    from inference_console.sources.model_registry.view import VERSIONS

    floors, firsts, totals = [], [], []
    with RegistryProcess("nightly-classifier:10000") as server:
        for _ in range(runs):
            t0 = time.perf_counter()
            async with httpx.AsyncClient(base_url=server.url) as http:
                token, n = "", 0
                while True:
                    params = {"pageSize": "500", "orderBy": "CREATE_TIME", "sortOrder": "DESC"}
                    if token:
                        params["nextPageToken"] = token
                    body = (await http.get("/api/model_registry/v1alpha3/model_versions", params=params)).json()
                    n += len(body["items"])
                    token = body["nextPageToken"]
                    if not token:
                        break
            floors.append(time.perf_counter() - t0)
            assert n == 10_000
            first, total = await _first_and_all(
                lambda: ModelRegistrySource(ModelRegistrySettings(url=server.url), poll=600, artifacts_eager=0),
                VERSIONS,
                10_000,
            )
            firsts.append(first)
            totals.append(total)
        live, quiet, on_screen, phases = [], [], [], []
        # The pages of 10,000 versions take about 0.3 s to arrive: a dozen keys an app; more apps
        # than the other runs for a p95 over some sixty keys.
        for _ in range(1 if runs == 1 else 2 * runs):
            keys_live, keys_quiet, first_row, keys_phases = await _keys_on_screen(server)
            live.extend(keys_live)
            phases.extend(keys_phases)
            quiet.extend(keys_quiet)
            on_screen.append(first_row)
    print(f"model registry floor: raw httpx paging of 10,000 versions (pages of 500): {ms(median(floors))}")
    print(
        f"model registry first rows (10,000 versions): {ms(median(firsts))}  target {ms(TARGET_FIRST)}: "
        f"{verdict(median(firsts), TARGET_FIRST)}"
    )
    print(f"model registry all rows: {ms(median(totals))}  ratio to floor {median(totals) / median(floors):.1f}x")
    print(
        f"model registry UI: pages let through -> first version row on screen: {ms(median(on_screen))}  "
        f"floor (source start -> first rows to the workspace, above) {ms(median(firsts))}"
    )
    p95, floor = pct(live, 95), pct(quiet, 95)
    print(
        f"model registry key -> composited p95 while the 10,000 versions' pages arrive ({len(live)} keys): "
        f"{ms(p95)} (p50 {ms(pct(live, 50))})  floor (same keys, all rows in, {len(quiet)} keys) {ms(floor)} "
        f"(p50 {ms(pct(quiet, 50))})  target {ms(TARGET_KEY)}: {verdict(p95, TARGET_KEY)}"
    )
    print(
        "model registry keys while the pages arrive, where the time goes (p95 of each part): "
        f"key -> its action ran {ms(pct([a for a, _ in phases], 95))} (the loop busy: a page, a delivery, a paint), "
        f"action -> composited {ms(pct([b for _, b in phases], 95))}"
    )


async def _keys_on_screen(
    server: RegistryProcess,
) -> tuple[list[float], list[float], float, list[tuple[float, float]]]:
    """One app on ``:mv``: keys while the pages arrive, keys after; (live, floor, first row on screen,
    the live keys' (key -> action ran, action -> composited))."""
    import tempfile

    from inference_console.settings.config_file import ConfigFile, ContextSettings
    from inference_console.settings.endpoints import ModelRegistrySettings
    from inference_console.sources.model_registry.view import VERSIONS
    from tests.ui.harness import demo_app, wait_for

    tmp = Path(tempfile.mkdtemp(prefix="ic-bench-registries-"))
    settings = ModelRegistrySettings(url=server.url, timeout=30.0)
    config = ConfigFile(path=tmp / "c.toml", exists=True, defaults=ContextSettings(model_registry=settings))
    server.hold()  # the console's first request waits: the screen opens first
    released_yet = False
    try:
        async with demo_app(tmp, config=config) as (app, pilot, _emu):
            await wait_for(pilot, lambda: VERSIONS in app.workspace.views, timeout=20, what="the registry's views")
            await pilot.press("colon", *"mv", "enter")
            await wait_for(pilot, lambda: app.screen.kind_key == VERSIONS, timeout=20, what="the :mv screen")
            screen = app.screen
            table = screen.table
            store = app.workspace.stores[VERSIONS]
            assert len(store) == 0 and table.row_count == 0
            for _ in range(3):  # past the screen's first frames
                await pilot.pause()
            await asyncio.sleep(0.3)
            clock = KeyClock(app, screen, table, ("action_cursor_down", "action_cursor_up"))
            keys = ["down"] * 10 + ["up"] * 10

            released = time.perf_counter()
            await server.release()
            released_yet = True
            while table.row_count == 0:  # the first page is in the table; then its paint
                if time.perf_counter() - released > 30:
                    raise RuntimeError("no version row reached the table in 30 s")
                await asyncio.sleep(0.001)
            rows_in = time.perf_counter()
            while not any(p >= rows_in for p in clock.paints):
                await asyncio.sleep(0.001)
            first_row = next(p for p in clock.paints if p >= rows_in) - released
            clock.start(keys, KEY_GAP)
            while len(store) < 10_000:
                await asyncio.sleep(0.005)
            live, phases = await clock.finish()
            await wait_for(pilot, lambda: table.row_count == 10_000, timeout=60, what="10,000 rows on screen")
            await asyncio.sleep(0.3)
            quiet_clock = KeyClock(app, screen, table, ("action_cursor_down", "action_cursor_up"))
            quiet_clock.start(keys, KEY_GAP)
            await asyncio.sleep(KEY_GAP * max(len(live), 20))
            quiet, _ = await quiet_clock.finish()
            return live, quiet, first_row, phases
    finally:
        if not released_yet:
            await server.release()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    runs = 1 if args.quick else 3

    async def run() -> None:
        await bench_yatai(runs)
        await bench_model_registry(runs)

    asyncio.run(run())


if __name__ == "__main__":
    main()
