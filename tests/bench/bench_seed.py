"""Demo seeding at scale: how long the sandbox takes to build and load N extra pods.

Floor, measured in the same run: ``json.loads`` of the same objects serialised (the least a
store of N parsed objects costs to build).  Figures only; nothing is asserted.

    .venv/bin/python tests/bench/bench_seed.py [--quick]
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from inference_console.sandbox import scenario  # noqa: E402
from inference_console.sandbox.runner import Sandbox  # noqa: E402


def main() -> None:
    sizes = [2_000] if "--quick" in sys.argv else [10_000, 50_000, 100_000]
    for n in sizes:
        t = time.perf_counter()
        objs = scenario.seed_objects(n)
        built = time.perf_counter() - t
        text = json.dumps(objs)
        t = time.perf_counter()
        json.loads(text)
        floor = time.perf_counter() - t
        sb = Sandbox(scale=n, controller=False)
        t = time.perf_counter()
        sb.start(timeout=600)
        started = time.perf_counter() - t
        sb.stop()
        print(
            f"seed {n:,} pods: build {built * 1000:.0f} ms, sandbox start (build + load) {started * 1000:.0f} ms, "
            f"load alone {sb.seed_seconds * 1000:.0f} ms; floor json.loads of the same objects {floor * 1000:.0f} ms "
            f"(start/floor {started / floor:.1f}x)"
        )


if __name__ == "__main__":
    main()
