"""Helper for bench_watch_storm.py: the demo sandbox in its own process, driven over stdin.

    python tests/bench/_storm_server.py [--scale 2000]

Prints ``kubeconfig <path>`` once the sandbox (no controller) is seeded, then reads
line commands from stdin and answers each with one line on stdout:

* ``storm RATE SECONDS`` — change pods at RATE changes/s for SECONDS on the sandbox loop
  (70 % bump an annotation, 10 % flip restartCount of the first container, 10 % create a
  pod, 10 % delete a pod this storm created), then ``done <resourceVersion> <changes>
  <seconds> <creates> <deletes> <max lag s> <resourceVersion increase>`` (a patch that
  changes nothing makes no event, so the last figure is the number of watch events);
* ``dump`` — ``dump {uid: resourceVersion}`` of every pod, as JSON;
* ``quit``.
"""

from __future__ import annotations

import argparse
import asyncio
import copy
import json
import os
import random
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from inference_console.sandbox.runner import Sandbox  # noqa: E402


class Storm:
    def __init__(self, sandbox: Sandbox, seed: int = 11) -> None:
        self.sandbox = sandbox
        self.rng = random.Random(seed)
        self.serial = 0
        self.created: list[tuple[str, str]] = []
        self.pool: list[tuple[str, str]] = []
        self.template: dict | None = None

    def _prepare(self) -> None:
        emu = self.sandbox.emulator
        pods = emu.list("v1", "Pod", label_selector="app=load-generator")
        self.pool = [(p["metadata"]["namespace"], p["metadata"]["name"]) for p in pods]
        tpl = copy.deepcopy(pods[0])
        md = tpl["metadata"]
        tpl["metadata"] = {
            "namespace": md["namespace"],
            "labels": md.get("labels") or {},
            "ownerReferences": md.get("ownerReferences") or [],
        }
        self.template = tpl

    def _one(self, i: int) -> str:
        emu, rng = self.sandbox.emulator, self.rng
        roll = rng.random()
        if roll < 0.10:
            self.serial += 1
            obj = copy.deepcopy(self.template)
            ns = obj["metadata"]["namespace"]
            name = f"storm-{os.getpid()}-{self.serial:06d}"
            obj["metadata"]["name"] = name
            emu.create(obj)
            self.created.append((ns, name))
            return "create"
        if roll < 0.20 and self.created:
            ns, name = self.created.pop(rng.randrange(len(self.created)))
            emu.delete("v1", "Pod", ns, name)
            return "delete"
        ns, name = rng.choice(self.pool)
        if roll < 0.30:
            emu.patch(
                "v1",
                "Pod",
                ns,
                name,
                [{"op": "replace", "path": "/status/containerStatuses/0/restartCount", "value": rng.randrange(0, 50)}],
                patch_type="json",
            )
            return "restart"
        emu.patch("v1", "Pod", ns, name, {"metadata": {"annotations": {"bench/storm": str(i)}}})
        return "annotate"

    async def run(self, rate: float, seconds: float) -> str:
        if self.template is None:
            self._prepare()
        loop = asyncio.get_running_loop()
        rv_before = self.sandbox.emulator.resource_version
        total = int(rate * seconds)
        counts: dict[str, int] = {}
        start = loop.time()
        max_lag = 0.0
        i = 0
        while i < total:
            now = loop.time()
            due = min(total, int((now - start) * rate) + 1)
            max_lag = max(max_lag, (now - start) - i / rate)
            while i < due:
                kind = self._one(i)
                counts[kind] = counts.get(kind, 0) + 1
                i += 1
            # Yield so the server can stream the events; come back at the next 5 ms tick.
            await asyncio.sleep(max(0.0, start + i / rate - loop.time(), 0.005))
        elapsed = loop.time() - start
        rv = self.sandbox.emulator.resource_version
        return (
            f"done {rv} {total} {elapsed:.3f} {counts.get('create', 0)} {counts.get('delete', 0)}"
            f" {max_lag:.3f} {rv - rv_before}"
        )


def dump(sandbox: Sandbox) -> str:
    pods = sandbox.emulator.list("v1", "Pod")
    return "dump " + json.dumps({p["metadata"]["uid"]: p["metadata"]["resourceVersion"] for p in pods})


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--scale", type=int, default=2000)
    args = parser.parse_args()
    sandbox = Sandbox(scale=args.scale, controller=False)
    sandbox.start(timeout=60)
    path = sandbox.write_kubeconfig(os.path.join(tempfile.mkdtemp(prefix="ic-storm-"), "kubeconfig"))
    storm = Storm(sandbox)
    print(f"kubeconfig {path}", flush=True)
    try:
        for line in sys.stdin:
            words = line.split()
            if not words:
                continue
            if words[0] == "storm":
                rate, seconds = float(words[1]), float(words[2])
                t0 = time.perf_counter()
                reply = sandbox.call(storm.run, rate, seconds, timeout=seconds * 10 + 60)
                print(reply + f" wall={time.perf_counter() - t0:.3f}", flush=True)
            elif words[0] == "dump":
                print(sandbox.call(dump, sandbox), flush=True)
            elif words[0] == "quit":
                break
            else:
                print(f"error unknown command {words[0]!r}", flush=True)
    finally:
        sandbox.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
