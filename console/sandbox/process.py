"""The demo sandbox in its own process: ``inference-console demo`` starts it before the UI.

The emulator, its seed, the controller and the demo's other servers run in a child process
(``python -m inference_console demo --serve``), started by the CLI before Textual is even
imported: its start-up (imports, seed, services) runs on the other core while the UI
paints its first frame, and nothing it does can stall the UI's event loop.  This module
imports nothing heavy.  It offers what the app uses of :class:`~.runner.Sandbox`:
``start(timeout, progress)``, ``write_kubeconfig(path)``, ``endpoints``, ``stop()``.

The child prints its progress, URL, endpoint settings (pickled: our own child) and
kubeconfig path on stdout, and exits when its parent does.
"""

from __future__ import annotations

import base64
import json
import os
import pickle
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any, Callable

SERVICES_READY = "demo services ready"  # the line after the endpoints: everything is up
ENDPOINTS_ENV = "IC_SANDBOX_ENDPOINTS"  # set: demo --serve prints "endpoints: <pickle>" and watches its parent
PARENT_ENV = "IC_SANDBOX_PARENT"


class SandboxProcess:
    """``demo --serve`` as a child process, spawned at once, waited for by :meth:`start`."""

    def __init__(self, scale: int = 0, controller: bool = True) -> None:
        self.scale = int(scale)
        self.run_controller = bool(controller)
        self.proc: subprocess.Popen[str] | None = None
        self.url: str | None = None
        self.kubeconfig: str | None = None
        self.endpoints: dict[str, Any] = {}
        self.progress: tuple[str, int, int] = ("starting", 0, 0)
        self.output: list[str] = []  # the child's lines (the last ones, for errors)
        # When each start-up step ended, time.monotonic() (the child's too: one clock): spawned,
        # main (the child's interpreter and CLI imported), imported, listening, seeded, services, ready.
        self.timeline: dict[str, float] = {}
        self._drain: threading.Thread | None = None
        self._services = threading.Event()  # the endpoints line was read (or the child ended)

    def spawn(self) -> "SandboxProcess":
        if self.proc is None:
            argv = [sys.executable, "-m", "inference_console", "demo", "--serve", "--scale", str(self.scale)]
            if not self.run_controller:
                argv.append("--no-controller")
            env = {**os.environ, ENDPOINTS_ENV: "1", PARENT_ENV: str(os.getpid()), "PYTHONUNBUFFERED": "1"}
            self.timeline["spawned"] = time.monotonic()
            self.proc = subprocess.Popen(
                argv,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                text=True,
                env=env,
                start_new_session=True,
            )
        return self

    def start(self, timeout: float | None = None, progress: Callable[[str, int, int], None] | None = None) -> str:
        """Wait until the child serves a seeded cluster (no time limit unless ``timeout``)."""
        self.spawn()
        proc = self.proc
        assert proc is not None and proc.stdout is not None
        if self.kubeconfig is not None:
            return self.url or ""
        deadline = None if timeout is None else time.monotonic() + timeout
        for line in proc.stdout:
            self._handle(line.rstrip("\n"))
            if self.kubeconfig is not None:
                self.timeline["ready"] = time.monotonic()
                break
            if progress is not None and line.startswith("sandbox: "):
                progress(*self.progress)
            if deadline is not None and time.monotonic() > deadline:
                self.stop()
                self._services.set()  # nothing more will come: whoever waits for them stops waiting
                raise TimeoutError(f"sandbox did not start within {timeout}s (at {self.progress})")
        if self.kubeconfig is None:
            self._services.set()
            proc.wait(5)
            tail = "\n".join(self.output[-20:])
            raise RuntimeError(f"sandbox failed to start (exit {proc.returncode}): {tail}")
        # Keep reading: a child whose output nobody reads blocks once the pipe is full.
        self._drain = threading.Thread(target=self._read_rest, name="ic-sandbox-output", daemon=True)
        self._drain.start()
        return self.url or ""

    def wait_services(self, timeout: float | None = None) -> bool:
        """Block until the child said its other servers are up and :attr:`endpoints` is filled
        (True), or it ended or ``timeout`` passed (False).  The cluster is there before them:
        :meth:`start` returns as soon as it is seeded."""
        return self._services.wait(timeout) and bool(self.timeline.get("services_read"))

    def _handle(self, line: str) -> None:
        self._keep(line)
        if line.startswith("sandbox API server:"):
            self.url = line.split(":", 1)[1].strip()
        elif line.startswith("endpoints:"):
            self.endpoints = pickle.loads(base64.b64decode(line.split(":", 1)[1].strip()))  # our own child
        elif line.startswith("timeline:"):
            try:
                self.timeline.update(json.loads(line.split(":", 1)[1]))
            except ValueError:
                pass
        elif line.startswith("kubeconfig:"):
            self.kubeconfig = line.split(":", 1)[1].strip()
        elif line.startswith("sandbox: "):
            self.progress = _progress(line[len("sandbox: ") :])
        elif line.startswith(SERVICES_READY):
            self.timeline["services_read"] = time.monotonic()
            self._services.set()

    def write_kubeconfig(self, path: str | os.PathLike[str]) -> Path:
        if self.kubeconfig is None:
            raise RuntimeError("sandbox is not started")
        shutil.copyfile(self.kubeconfig, path)
        return Path(path)

    @property
    def running(self) -> bool:
        return self.proc is not None and self.proc.poll() is None and self.kubeconfig is not None

    def stop(self, timeout: float = 10.0) -> None:
        """Ask the child to stop as on ctrl-c (it stops its servers, PostgreSQL included)."""
        proc = self.proc
        if proc is None or proc.poll() is not None:
            return
        try:
            proc.send_signal(signal.SIGINT)
            proc.wait(timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)
        except ProcessLookupError:
            pass

    def _keep(self, line: str) -> None:
        self.output.append(line)
        if len(self.output) > 200:
            del self.output[:100]

    def _read_rest(self) -> None:
        proc = self.proc
        if proc is None or proc.stdout is None:
            return
        try:
            for line in proc.stdout:
                self._handle(line.rstrip("\n"))
        except (OSError, ValueError):
            pass
        finally:
            self._services.set()  # the child ended: nothing more will come


def _progress(text: str) -> tuple[str, int, int]:
    """ "seeding 2,000 of 100,040" -> ("seeding", 2000, 100040)."""
    words = text.rsplit(" ", 3)
    if len(words) == 4 and words[2] == "of":
        try:
            return words[0], int(words[1].replace(",", "")), int(words[3].replace(",", ""))
        except ValueError:
            pass
    return text, 0, 0


def watch_parent() -> None:
    """In the child: exit (as on ctrl-c) once the parent that asked for it is gone."""
    parent = os.environ.get(PARENT_ENV)
    if not parent:
        return

    def run() -> None:
        while True:
            time.sleep(1.0)
            if str(os.getppid()) != parent:
                os.kill(os.getpid(), signal.SIGINT)
                return

    threading.Thread(target=run, name="ic-sandbox-parent", daemon=True).start()


def timeline_line(stamps: dict[str, float]) -> str | None:
    """What ``demo --serve`` prints for :class:`SandboxProcess`: when its start-up steps ended."""
    if not os.environ.get(ENDPOINTS_ENV):
        return None
    return "timeline: " + json.dumps(stamps)


def endpoints_line(endpoints: dict[str, Any]) -> str | None:
    """What ``demo --serve`` prints for :class:`SandboxProcess` (None unless it asked)."""
    if not os.environ.get(ENDPOINTS_ENV):
        return None
    try:
        return "endpoints: " + base64.b64encode(pickle.dumps(endpoints)).decode()
    except Exception:  # noqa: BLE001 - the demo runs without them
        return None
