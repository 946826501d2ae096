"""The benchmarks in tests/bench must keep running: each one's --quick mode, in a subprocess.

Only checks that a benchmark exits 0 and prints its figure lines; the figures themselves
are never asserted (they depend on the machine).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
BENCH = ROOT / "tests" / "bench"

CASES = {
    "bench_seed.py": ["seed 2,000 pods: build"],
    "bench_metrics.py": [
        "queries per refresh:",
        "fleet refresh app CPU:",
        "key -> composited p95 while the fleet refreshes",
        "Metrics tab open -> first chart painted:",
        "terminal bytes/s",
    ],
    "bench_logs.py": [
        "ingest floor (bare WebSocket client",
        "ingest into the pane:",
        "key p95 while streaming",
        "RSS at 100,000 lines:",
        "tail-to-screen p95",
        "filter keystroke p95 over 100,000 lines",
    ],
    "bench_registries.py": [
        "yatai floor: raw asyncpg fetch of 10,000 bento rows:",
        "yatai first rows (10,000 versions):",
        "yatai all rows:",
        "model registry floor: raw httpx paging",
        "model registry first rows (10,000 versions):",
        "model registry UI: pages let through -> first version row on screen:",
        "model registry key -> composited p95 while the 10,000 versions' pages arrive",
    ],
    "bench_startup.py": [
        "first frame, minimal App+Static (floor):",
        "first frame, inference-console demo:",
        "first frame ratio demo/minimal:",
        "populated and painted",
        "first data row of inference-console demo (launch -> row painted):",
        "timeline, app process (median, from launch): on_mount",
        "timeline, sandbox process (median, from launch): spawned",
        "python -X importtime",
    ],
    "bench_listing.py": [
        "floor (b) raw list + json.loads",
        "floor (a) typed CoreV1Api list",
        "app (i) app start -> full table:",
        "app (ii) connecting -> full table:",
        "app first rows: connecting -> first row on screen:",
        "floor (c) `kubectl get pods -A`",
        "navigation over",
        "ratio (ii) / floor (b) raw:",
        "RSS of the app with the table full:",
        "table.set_filter alone:",
        "keystroke p95 key -> composited (typing):",
    ],
    "bench_watch_storm.py": [
        "storm: ",
        "storm   : key -> cursor moved (action ran):",
        "storm   : await pilot.press:",
        "key p95 during the storm, key -> composited:",
        "UI batches:",
        "final table equals server:",
    ],
}


@pytest.mark.timeout(90)
@pytest.mark.parametrize("script", sorted(CASES))
def test_benchmark_quick_run(script: str) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TEXTUAL")}
    proc = subprocess.run(
        [sys.executable, str(BENCH / script), "--quick"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=80
    )
    output = proc.stdout + proc.stderr
    assert proc.returncode == 0, f"{script} --quick exited {proc.returncode}:\n{output[-4000:]}"
    missing = [line for line in CASES[script] if line not in proc.stdout]
    assert not missing, f"{script} --quick did not print {missing}:\n{output[-4000:]}"
    assert "nan" not in proc.stdout.split(), f"{script} printed nan:\n{proc.stdout}"
