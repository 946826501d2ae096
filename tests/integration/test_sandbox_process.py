"""The demo sandbox in its own process (issue 10): progress while it seeds, the kubeconfig and
the demo's endpoints once it serves, a clean stop; it also ends when its parent is gone."""

import os
import subprocess
import sys
import time

from inference_console.sandbox.process import SandboxProcess, _progress


def test_progress_lines_parse():
    assert _progress("seeding 2,000 of 100,040") == ("seeding", 2000, 100040)
    assert _progress("starting the demo's services 5 of 5") == ("starting the demo's services", 5, 5)
    assert _progress("starting") == ("starting", 0, 0)


def test_spawn_start_serve_stop(tmp_path):
    seen = []
    sandbox = SandboxProcess(scale=2500, controller=False).spawn()
    try:
        url = sandbox.start(progress=lambda *p: seen.append(p))
        # The cluster is served, seeded, before the demo's other servers are up.
        assert url.startswith("http://127.0.0.1:")
        assert any(what == "seeding" and total > 2500 for what, _, total in seen), seen
        path = sandbox.write_kubeconfig(tmp_path / "kubeconfig")
        assert url in path.read_text()
        assert sandbox.running
        assert sandbox.wait_services(60)
        assert {"prometheus", "loki"} <= set(sandbox.endpoints)
        # when each step ended, on one clock with ours, in order (the start-up benchmark's timeline)
        steps = ["spawned", "main", "imported", "listening", "seeded", "ready", "services_read"]
        assert set(sandbox.timeline) == {*steps, "services"}, sandbox.timeline
        stamps = [sandbox.timeline[step] for step in steps]
        assert stamps == sorted(stamps) and stamps[-1] <= time.monotonic(), sandbox.timeline
        assert sandbox.timeline["seeded"] <= sandbox.timeline["services"] <= sandbox.timeline["services_read"]
    finally:
        sandbox.stop()
    assert sandbox.proc is not None and sandbox.proc.returncode == 0  # stopped as on ctrl-c


CHILD = r"""
import sys, time
from inference_console.sandbox.process import SandboxProcess
sb = SandboxProcess(controller=False).spawn()
sb.start()
print(sb.proc.pid, flush=True)
time.sleep(60)  # killed by the test: never stops its sandbox itself
"""


def test_the_sandbox_ends_with_its_parent():
    parent = subprocess.Popen([sys.executable, "-c", CHILD], stdout=subprocess.PIPE, text=True)
    try:
        child = int(parent.stdout.readline())
    finally:
        parent.kill()
        parent.wait(10)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            os.kill(child, 0)
        except ProcessLookupError:
            return
        try:  # reaped by init; a zombie of ours would stay "alive" for kill(0)
            with open(f"/proc/{child}/stat") as f:
                if f.read().split()[2] == "Z":
                    return
        except FileNotFoundError:
            return
        time.sleep(0.2)
    raise AssertionError("the sandbox process outlived its parent by 30 s")


SCRIPTED = r"""
import sys
print("sandbox API server: http://127.0.0.1:1", flush=True)
print("kubeconfig: /nonexistent/kubeconfig", flush=True)
if sys.argv[1] == "ready":
    from inference_console.sandbox.process import endpoints_line
    import os
    os.environ["IC_SANDBOX_ENDPOINTS"] = "1"
    print(endpoints_line({"loki": "a setting"}), flush=True)
    print("demo services ready (ctrl-c to stop)", flush=True)
    sys.stdin.read()
else:
    print("inference-console: the sandbox stopped: boom", flush=True)
    sys.exit(1)
"""


def _scripted(how: str) -> SandboxProcess:
    sandbox = SandboxProcess()
    sandbox.proc = subprocess.Popen(
        [sys.executable, "-c", SCRIPTED, how], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    return sandbox


def test_the_cluster_first_then_the_services_or_a_clear_end():
    ready = _scripted("ready")
    try:
        assert ready.start(timeout=30) == "http://127.0.0.1:1"
        assert ready.wait_services(30) and ready.endpoints == {"loki": "a setting"}
    finally:
        ready.proc.kill()
        ready.proc.wait(10)
    died = _scripted("die")  # ends after its kubeconfig, before its services: waiting ends, False
    assert died.start(timeout=30) == "http://127.0.0.1:1"
    assert died.wait_services(30) is False and died.endpoints == {}
    assert "the sandbox stopped: boom" in died.output[-1]
