"""Registries: 10,000 bento versions from PostgreSQL and 10,000 Model Registry versions through paging.

Figures, each beside a floor measured in the same run:

* Yatai: source start -> first rows delivered to the workspace's listeners (what a screen is
  pushed), and -> all 10,000 rows live; floor: the same query fetched raw with asyncpg.
* Model Registry: the same for 10,000 versions in pages of 500 from the project's server;
  floor: raw httpx paging with json decoding.  Plus the event loop's lag while pages arrive,
  sampled every 5 ms: a key press waits at least that long on the same loop (key latency floor).

``--quick`` does one run of each (under 15 s with PostgreSQL's start); the default does 3.
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


async def _loop_lag(stop: asyncio.Event, samples: list[float], period: float = 0.005) -> None:
    loop = asyncio.get_running_loop()
    while not stop.is_set():
        before = loop.time()
        await asyncio.sleep(period)
        samples.append(max(0.0, loop.time() - before - period))


async def _first_and_all(make_source, key: str, count: int) -> tuple[float, float, list[float]]:
    from inference_console.state.workspace import Workspace

    ws = Workspace(interval=1 / 30)
    first: list[float] = []
    t0 = time.perf_counter()
    ws.listen(
        lambda changes: (
            first.append(time.perf_counter() - t0) if key in changes and len(ws.stores[key]) and not first else None
        )
    )
    lags: list[float] = []
    stop = asyncio.Event()
    sampler = asyncio.ensure_future(_loop_lag(stop, lags))
    source = make_source()
    await ws.start_source(source)
    store = ws.stores[key]
    while not (store.status.state.value == "live" and len(store) >= count):
        if store.status.state.value == "error":
            raise RuntimeError(store.status.reason)
        await asyncio.sleep(0.002)
    total = time.perf_counter() - t0
    stop.set()
    await sampler
    await ws.close()
    return (first[0] if first else total), total, lags


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
        first, total, _ = await _first_and_all(
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
    # The server gets its own thread and loop, as a real registry is another process: the loop
    # lag measured below is then the console's own.
    server_loop = asyncio.new_event_loop()
    threading.Thread(target=server_loop.run_forever, daemon=True).start()
    asyncio.run_coroutine_threadsafe(server.start(), server_loop).result()
    floors, firsts, totals, lags = [], [], [], []
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
            first, total, lag = await _first_and_all(
                lambda: ModelRegistrySource(ModelRegistrySettings(url=server.url), poll=600, artifacts_eager=0),
                VERSIONS,
                10_000,
            )
            firsts.append(first)
            totals.append(total)
            lags.extend(lag)
    finally:
        asyncio.run_coroutine_threadsafe(server.stop(), server_loop).result()
        server_loop.call_soon_threadsafe(server_loop.stop)
    print(f"model registry floor: raw httpx paging of 10,000 versions (pages of 500): {ms(median(floors))}")
    print(
        f"model registry first rows (10,000 versions): {ms(median(firsts))}  target {ms(TARGET_FIRST)}: "
        f"{verdict(median(firsts), TARGET_FIRST)}"
    )
    print(f"model registry all rows: {ms(median(totals))}  ratio to floor {median(totals) / median(floors):.1f}x")
    p95 = pct(lags, 95)
    print(
        f"model registry event-loop lag p95 while pages arrive (a key press waits at least this): {ms(p95)}  "
        f"max {ms(max(lags) if lags else 0.0)}  target {ms(TARGET_KEY)}: {verdict(p95, TARGET_KEY)}"
    )


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
