"""Small helpers shared by the benchmarks in tests/bench (not a benchmark itself)."""

from __future__ import annotations

import asyncio
import math
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Sequence

ROOT = Path(__file__).resolve().parents[2]
PYTHON = sys.executable


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f} ms"


def pct(values: Sequence[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..100); with few samples p90/p95 is the max."""
    data = sorted(values)
    if not data:
        return float("nan")
    rank = max(1, math.ceil(q / 100 * len(data)))
    return data[min(rank, len(data)) - 1]


def median(values: Sequence[float]) -> float:
    return statistics.median(values) if values else float("nan")


def summary(values: Sequence[float], p: float = 90) -> str:
    """'median X  pP Y  (min A, max B, n=N)' with values in seconds, printed as ms."""
    if not values:
        return "no samples"
    return (
        f"median {ms(median(values))}  p{p:g} {ms(pct(values, p))}"
        f"  (min {ms(min(values))}, max {ms(max(values))}, n={len(values)})"
    )


def verdict(value: float, target: float) -> str:
    return "meets target" if value <= target else "MISSES target"


_CONFIG_HOME: list[str] = []


def _empty_config_home() -> str:
    """One empty XDG_CONFIG_HOME per benchmark process (no user config file applies)."""
    if not _CONFIG_HOME:
        _CONFIG_HOME.append(tempfile.mkdtemp(prefix="ic-bench-config-"))
    return _CONFIG_HOME[0]


def child_env(**extra: str) -> dict[str, str]:
    """Environment for benchmark children: no user config, no Textual dev/driver overrides, and
    bytecode caching on as on a user's machine (with PYTHONDONTWRITEBYTECODE set, as CI and
    this sandbox do, every child compiled each project module changed since the last cache
    from source: the app paid it, the floors, whose libraries ship their caches, did not)."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("TEXTUAL")
        and k not in ("NO_COLOR", "COLUMNS", "LINES", "KUBECONFIG", "PYTHONDONTWRITEBYTECODE")
    }
    env["XDG_CONFIG_HOME"] = _empty_config_home()
    env["PYTHONPATH"] = str(ROOT) + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    env.update(extra)
    return env


def stop_process(proc: subprocess.Popen, timeout: float = 5.0) -> None:
    """Terminate a child we started (by its own pid), then kill it if it lingers."""
    if proc.poll() is not None:
        return
    proc.terminate()
    try:
        proc.wait(timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout)


class SandboxServer:
    """`python -m inference_console demo --serve --scale N --no-controller` in its own process."""

    def __init__(self, scale: int, services: bool = False) -> None:
        # Without the demo's metrics/log/registry servers by default: they share the API
        # server's process and event loop, and the console's queries to them (it discovers
        # Prometheus through the service proxy) would stall the lists being measured.
        self.scale = scale
        self.services = services
        self.proc: subprocess.Popen | None = None
        self.kubeconfig = ""
        self.url = ""
        self.start_seconds = 0.0

    def __enter__(self) -> "SandboxServer":
        start = time.perf_counter()
        self.proc = subprocess.Popen(
            [
                PYTHON,
                "-m",
                "inference_console",
                "demo",
                "--serve",
                "--scale",
                str(self.scale),
                "--no-controller",
                *([] if self.services else ["--no-services"]),
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            text=True,
            cwd=ROOT,
            env=child_env(),
        )
        assert self.proc.stdout is not None
        lines = []
        for line in self.proc.stdout:
            lines.append(line)
            if line.startswith("sandbox API server:"):
                self.url = line.split(":", 1)[1].strip()
            if line.startswith("kubeconfig:"):
                self.kubeconfig = line.split(":", 1)[1].strip()
                if not self.services:
                    break
            if line.startswith("demo services ready"):  # the cluster comes first, then these
                break
        if not self.kubeconfig:
            self.proc.wait(5)
            raise RuntimeError("sandbox server did not start:\n" + "".join(lines))
        self.start_seconds = time.perf_counter() - start
        return self

    def __exit__(self, *exc: object) -> None:
        if self.proc is not None:
            stop_process(self.proc, timeout=15.0)  # SIGTERM: the server stops its services first
            if self.proc.stdout is not None:
                self.proc.stdout.close()


def send_key(app, key: str) -> None:
    """A key as the terminal driver delivers it: its input thread posts the event to the app's loop."""
    from textual import events

    event = events.Key(key, key if len(key) == 1 else None)
    event.set_sender(app)
    app._driver.send_message(event)  # noqa: SLF001


class KeyClock:
    """Key latency as a person sees it: key sent -> the action ran -> the next composite of the screen.

    Keys come from a thread every ``every`` seconds, as a terminal's input thread sends them,
    whatever the event loop is doing (a sender on the loop would only send when it is free),
    not with Pilot.press (which waits for the whole process to go idle and posts a callback to
    every widget per key: load the app would not have).  ``action`` is the name (or names) of
    the action(s) the keys run on ``owner``; each key is timed from sent to the first composite
    of ``screen`` after its action ran."""

    def __init__(self, app, screen, owner, action: str | Sequence[str]) -> None:
        import threading

        self.app, self.starts, self.actions, self.paints = app, [], [], []
        self.stop = threading.Event()
        self.thread: threading.Thread | None = None
        for name in (action,) if isinstance(action, str) else action:
            run_action = getattr(owner, name)

            def timed_action(*args, run_action=run_action) -> None:
                run_action(*args)
                self.actions.append(time.perf_counter())

            setattr(owner, name, timed_action)  # Textual looks actions up with getattr
        refresh = screen._compositor_refresh  # noqa: SLF001

        def timed_refresh() -> None:
            refresh()
            self.paints.append(time.perf_counter())

        screen._compositor_refresh = timed_refresh  # noqa: SLF001

    def start(self, keys: Sequence[str] = "kj", every: float = 0.05) -> None:
        """Send ``keys`` (key names, in turn, round and round) every ``every`` seconds until :meth:`finish`."""
        import threading

        def run() -> None:
            i = 0
            while not self.stop.is_set():
                self.starts.append(time.perf_counter())
                send_key(self.app, keys[i % len(keys)])
                i += 1
                self.stop.wait(every)

        self.thread = threading.Thread(target=run, daemon=True)
        self.thread.start()

    async def finish(self) -> tuple[list[float], list[tuple[float, float]]]:
        self.stop.set()
        if self.thread is not None:
            await asyncio.to_thread(self.thread.join)
        for _ in range(200):  # the last keys' actions and paints
            if len(self.actions) >= len(self.starts) and self.paints and self.paints[-1] >= self.actions[-1]:
                break
            await asyncio.sleep(0.01)
        keys, phases = [], []
        for t0, t_action in zip(self.starts, self.actions, strict=False):
            later = [p for p in self.paints if p >= t_action]
            if later:
                keys.append(later[0] - t0)
                phases.append((t_action - t0, later[0] - t_action))
        return keys, phases
