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
  cursor action ran (as bench_metrics and bench_watch_storm measure it).  Floor: the same keys on
  the same screen once all 10,000 rows are in.  Also: pages let through -> first version row
  painted on the screen (beside the source's own first rows above).

``--quick`` does one run of each (one app); the default does 3.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from tests.bench._util import median, ms, pct, verdict  # noqa: E402

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


async def bench_model_registry(runs: int) -> None:
    import threading

    import httpx

    from inference_console.sandbox.model_registry_server import ModelRegistryServer
    from inference_console.settings.endpoints import ModelRegistrySettings
    from inference_console.sources.model_registry.source import ModelRegistrySource
    from inference_console.sources.model_registry.view import VERSIONS

    server = ModelRegistryServer()
    server.bulk_versions("nightly-classifier", 10_000)
    # The server gets its own thread and loop, as a real registry is another process: the
    # figures below are then the console's own.
    server_loop = asyncio.new_event_loop()
    threading.Thread(target=server_loop.run_forever, daemon=True).start()
    asyncio.run_coroutine_threadsafe(server.start(), server_loop).result()
    floors, firsts, totals = [], [], []
    try:
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
        live, quiet, on_screen = [], [], []
        for _ in range(runs):
            keys_live, keys_quiet, first_row = await _keys_on_screen(server)
            live.extend(keys_live)
            quiet.extend(keys_quiet)
            on_screen.append(first_row)
    finally:
        asyncio.run_coroutine_threadsafe(server.stop(), server_loop).result()
        server_loop.call_soon_threadsafe(server_loop.stop)
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


async def _keys_on_screen(server) -> tuple[list[float], list[float], float]:
    """One app on ``:mv``: keys while the pages arrive, keys after; (live, floor, first row on screen)."""
    import tempfile
    import threading

    from inference_console.settings.config_file import ConfigFile, ContextSettings
    from inference_console.settings.endpoints import ModelRegistrySettings
    from inference_console.sources.model_registry.view import VERSIONS
    from tests.ui.harness import demo_app, wait_for

    tmp = Path(tempfile.mkdtemp(prefix="ic-bench-registries-"))
    settings = ModelRegistrySettings(url=server.url, timeout=30.0)
    config = ConfigFile(path=tmp / "c.toml", exists=True, defaults=ContextSettings(model_registry=settings))
    server.hold = threading.Event()  # the console's first request waits: the screen opens first
    try:
        async with demo_app(tmp, config=config) as (app, pilot, _emu):
            await wait_for(pilot, lambda: VERSIONS in app.workspace.views, timeout=20, what="the registry's views")
            await pilot.press("colon", *"mv", "enter")
            await wait_for(pilot, lambda: app.screen.kind_key == VERSIONS, timeout=20, what="the :mv screen")
            screen = app.screen
            table = screen.table
            store = app.workspace.stores[VERSIONS]
            assert len(store) == 0 and table.row_count == 0
            actions: list[float] = []
            paints: list[float] = []
            for name in ("action_cursor_down", "action_cursor_up"):
                original = getattr(table, name)

                def wrapped(original=original) -> None:
                    original()
                    actions.append(time.perf_counter())

                setattr(table, name, wrapped)  # Textual looks actions up with getattr
            composite = screen._compositor_refresh  # noqa: SLF001

            def timed_composite() -> None:
                composite()
                paints.append(time.perf_counter())

            screen._compositor_refresh = timed_composite  # noqa: SLF001

            async def keys(more) -> list[float]:
                """Down/up every KEY_GAP while ``more()``; each: sent -> the first composite after its action.

                The presses run in tasks: ``await pilot.press`` also waits for the whole process
                to go idle (Textual's wait_for_idle), which is not what a user waits for."""
                starts: list[float] = []
                first = len(actions)
                tasks = []
                i = 0
                while more(i):
                    starts.append(time.perf_counter())
                    tasks.append(asyncio.ensure_future(pilot.press("down" if i % 20 < 10 else "up")))
                    i += 1
                    await asyncio.sleep(KEY_GAP)
                await asyncio.gather(*tasks)
                await pilot.pause(0.1)
                out = []
                for t0, t_action in zip(starts, actions[first:]):
                    later = [p for p in paints if p >= t_action]
                    if later:
                        out.append(later[0] - t0)
                return out

            released = time.perf_counter()
            server.hold.set()
            while table.row_count == 0:  # the first page is in the table; then its paint
                if time.perf_counter() - released > 30:
                    raise RuntimeError("no version row reached the table in 30 s")
                await asyncio.sleep(0.001)
            rows_in = time.perf_counter()
            while not any(p >= rows_in for p in paints):
                await asyncio.sleep(0.001)
            first_row = next(p for p in paints if p >= rows_in) - released
            live = await keys(lambda i: len(store) < 10_000)
            await wait_for(pilot, lambda: table.row_count == 10_000, timeout=60, what="10,000 rows on screen")
            await pilot.pause(0.3)
            quiet = await keys(lambda i: i < max(len(live), 20))
            return live, quiet, first_row
    finally:
        server.hold = None


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
