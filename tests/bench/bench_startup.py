"""Start-up benchmark: time to the first frame of `inference-console demo` (prints figures).

Every run is a fresh Python process (interpreter start + imports + first paint) on a
pseudo-terminal (120x40, TERM=xterm-256color), so Textual's real LinuxDriver runs.  The
child subclasses the app; when the first screen update is written to the terminal
(``App._display``; for the row figures, the first one once the table holds the rows) it
writes a JSON line with CLOCK_MONOTONIC stamps to a pipe whose fd is given by IC_BENCH_FD
and exits the app.  The parent measures from just before spawning.  The demo's first data
row is followed step by step, in the app process and in the sandbox process (its
``timeline:`` line, same clock).

Floor: the same measurement for a minimal Textual ``App`` with one ``Static``.
Also: time until a 1,000-pod table is populated (``demo --scale 1000 -A -c pods``), and
an ``python -X importtime`` breakdown of the imports before the first frame.

Run:  python tests/bench/bench_startup.py [--runs 7] [--quick]
Not a timed test: it never fails on a slow machine.
"""

from __future__ import annotations

import argparse
import fcntl
import json
import os
import pty
import re
import select
import struct
import subprocess
import sys
import termios
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _util import PYTHON, ROOT, child_env, median, ms, pct, stop_process, summary, verdict  # noqa: E402

TARGET_ABS = 0.35
TARGET_RATIO = 1.2
TARGET_FIRST_ROW = 1.0
COLS, ROWS = 120, 40

# The child: argv[1] is "minimal" or the CLI arguments for console.cli (e.g. "demo").
# "frame" is when the first screen update is written to the terminal (App._display), or
# with IC_BENCH_ROWS=N the first one written once the table holds N rows: what the person
# sees, not when a callback got to run (the event loop may be busy right after a paint).
CHILD = r"""
import os, sys, time
T_SCRIPT = time.monotonic()
FD = int(os.environ["IC_BENCH_FD"])
ROWS_TARGET = int(os.environ.get("IC_BENCH_ROWS", "0"))
stamps = {"script": T_SCRIPT}
sandbox = None

def table_rows(app):
    try:  # the start screen has no table; the main screen's is there once composed
        table = getattr(app.screen, "table", None)
        return -1 if table is None else table.row_count
    except Exception:
        return -1

def emit(app):
    import json
    mods = sys.modules
    info = {"stamps": stamps, "modules": len(mods),
            "kubernetes_asyncio": "kubernetes_asyncio" in mods, "aiohttp": "aiohttp" in mods,
            "sandbox": "inference_console.sandbox.runner" in mods,
            "main_screen": "inference_console.ui.screens.main" in mods,
            "virtual_table": "inference_console.widgets.virtual_table" in mods}
    if sandbox is not None:
        info["sandbox_timeline"] = dict(sandbox.timeline)
    if ROWS_TARGET:
        info["rows"] = table_rows(app)
        info["total"] = getattr(getattr(app.screen, "table", None), "total_count", None)
    os.write(FD, (json.dumps(info) + "\n").encode())
    app.exit()

class Painted:
    def _display(self, screen, renderable):
        super()._display(screen, renderable)
        if renderable is None or self._batch_count or "frame" in stamps:
            return
        stamps.setdefault("first_paint", time.monotonic())
        if ROWS_TARGET and table_rows(self) < ROWS_TARGET:
            return
        stamps["frame"] = time.monotonic()
        # The 10 ms poll may not have seen the rows before this frame painted them: then
        # they were there by this frame at the latest (an upper bound, never a missing figure).
        if ROWS_TARGET:
            stamps.setdefault("rows", stamps["frame"])
        self.call_later(emit, self)

if sys.argv[1] == "minimal":
    from textual.app import App
    from textual.widgets import Static
    stamps["imports"] = time.monotonic()

    class Bench(Painted, App):
        def compose(self):
            yield Static("Hello from a minimal Textual app")

        def on_mount(self):
            stamps["mount"] = time.monotonic()

    app = Bench()
else:
    # What console.cli.main() does, with the app subclassed.
    from inference_console.cli import build_parser
    args = build_parser().parse_args(sys.argv[1:])
    sandbox = None
    if args.subcommand == "demo":  # as console.cli.main: the sandbox process first
        from inference_console.sandbox.process import SandboxProcess
        sandbox = SandboxProcess(scale=getattr(args, "scale", 0) or 0,
                                 controller=not getattr(args, "no_controller", False)).spawn()
        stamps["sandbox_spawned"] = time.monotonic()
    from inference_console.settings.config_file import load_config
    from inference_console.settings.launch import LaunchOptions
    config = load_config()
    options = LaunchOptions(
        kubeconfig=args.kubeconfig, context=args.context, namespace=args.namespace,
        all_namespaces=bool(args.all_namespaces), readonly=bool(args.readonly),
        demo=args.subcommand == "demo", scale=getattr(args, "scale", 0) or 0,
        demo_controller=not getattr(args, "no_controller", False), command=args.command)
    import inference_console.ui.app as ui_app
    from inference_console.ui.app import ConsoleApp
    stamps["imports"] = time.monotonic()

    if ROWS_TARGET:  # stamps around the steps to the first rows (wrapped, not changed)
        def stamped(name, fn):
            def run(*a, **k):
                stamps.setdefault(name + "_start", time.monotonic())
                try:
                    return fn(*a, **k)
                finally:
                    stamps.setdefault(name + "_done", time.monotonic())
            return run
        ui_app._import_kube_client = stamped("kube_import", ui_app._import_kube_client)

    class Bench(Painted, ConsoleApp):
        # Textual calls on_mount of every class in the MRO: ConsoleApp.on_mount still runs.
        def on_mount(self):
            stamps["mount"] = time.monotonic()
            if ROWS_TARGET:
                self._poll_timer = self.set_interval(0.01, self._poll)

        def _deliver(self, changes):
            stamps.setdefault("first_delivery", time.monotonic())
            return super()._deliver(changes)

        async def _kubeconfig(self):
            stamps["sandbox_start"] = time.monotonic()
            try:
                return await super()._kubeconfig()
            finally:
                stamps["sandbox_ready"] = time.monotonic()

        async def _connect(self, context):
            stamps["connect"] = time.monotonic()
            if ROWS_TARGET:  # the same imports ConsoleApp._connect makes here; wrap for stamps
                from inference_console.sources.kube.informer import Informer
                from inference_console.sources.kube.source import KubeSource as KubeSession
                discover, list_ = KubeSession.discover, Informer._list

                async def timed_discover(session):
                    stamps.setdefault("discover_start", time.monotonic())
                    try:
                        return await discover(session)
                    finally:
                        stamps.setdefault("discover_done", time.monotonic())

                async def timed_list(informer):
                    pods = informer.store.key == "pods"
                    if pods:
                        stamps.setdefault("pods_list_start", time.monotonic())
                    await list_(informer)
                    if pods:
                        stamps.setdefault("pods_list_done", time.monotonic())

                KubeSession.discover, Informer._list = timed_discover, timed_list
            return await super()._connect(context)

        def _poll(self):
            if table_rows(self) >= ROWS_TARGET:
                self._poll_timer.stop()
                stamps.setdefault("rows", time.monotonic())

    app = Bench(options, config, sandbox=sandbox)
try:
    app.run()
finally:
    if sandbox is not None:
        sandbox.stop()
"""


def _drain(master: int, sink: dict) -> None:
    """Read the pty so the child never blocks on a full terminal buffer."""
    chunks = []
    while True:
        try:
            data = os.read(master, 65536)
        except OSError:
            break
        if not data:
            break
        if "first_output" not in sink:
            sink["first_output"] = time.monotonic()
        chunks.append(data)
    sink["output"] = b"".join(chunks)


def run_child(argv: list[str], rows_target: int = 0, timeout: float = 60.0) -> dict:
    """Spawn one child on a fresh pty; return its stamps relative to the spawn."""
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", ROWS, COLS, 0, 0))
    rfd, wfd = os.pipe()
    env = child_env(TERM="xterm-256color", IC_BENCH_FD=str(wfd), IC_BENCH_ROWS=str(rows_target))
    sink: dict = {}
    t_spawn = time.monotonic()
    proc = subprocess.Popen(
        [PYTHON, "-c", CHILD, *argv],
        stdin=slave,
        stdout=slave,
        stderr=slave,
        pass_fds=(wfd,),
        env=env,
        cwd=ROOT,
        start_new_session=True,
    )
    os.close(slave)
    os.close(wfd)
    drainer = threading.Thread(target=_drain, args=(master, sink), daemon=True)
    drainer.start()
    buf = b""
    deadline = t_spawn + timeout
    try:
        while b"\n" not in buf:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError(f"no first-frame marker from {argv} within {timeout:.0f}s")
            ready, _, _ = select.select([rfd], [], [], left)
            if ready:
                chunk = os.read(rfd, 65536)
                if not chunk:
                    break
                buf += chunk
        t_parent = time.monotonic()
        if b"\n" not in buf:
            proc.wait(5)
            drainer.join(2)
            tail = sink.get("output", b"")[-3000:].decode("utf-8", "replace")
            raise RuntimeError(f"child {argv} exited ({proc.returncode}) without a marker; output tail:\n{tail}")
        info = json.loads(buf.split(b"\n", 1)[0])
        # Let the app quit on its own (it was asked to); measure how long that takes.
        try:
            proc.wait(15)
            info["exit_after_marker"] = time.monotonic() - t_parent
        except subprocess.TimeoutExpired:
            info["exit_after_marker"] = None
    finally:
        stop_process(proc)
        os.close(rfd)
        drainer.join(2)
        try:
            os.close(master)
        except OSError:
            pass
    st = info["stamps"]
    info["rel"] = {k: v - t_spawn for k, v in st.items()}
    for k, v in info.get("sandbox_timeline", {}).items():  # the sandbox process's steps (same clock)
        info["rel"]["sb_" + k] = v - t_spawn
    info["rel"]["parent_marker"] = t_parent - t_spawn
    if "first_output" in sink:
        info["rel"]["first_output"] = sink["first_output"] - t_spawn
    return info


# ---------------------------------------------------------------------------------- importtime
IMPORTTIME_RE = re.compile(r"import time:\s+(\d+)\s+\|\s+(\d+)\s+\|(\s+)(\S+)")

IMPORTS_MINIMAL = "import textual.app, textual.widgets"
IMPORTS_CONSOLE = (  # what the demo imports before its first frame
    "import inference_console.cli, inference_console.settings.config_file; import textual.app; "
    "import inference_console.ui.app; import inference_console.ui.screens.start"
)


def importtime(code: str) -> dict[str, float]:
    """Cumulative import seconds of top-level imports, grouped by root package."""
    proc = subprocess.run(
        [PYTHON, "-X", "importtime", "-c", code], capture_output=True, text=True, cwd=ROOT, env=child_env(), timeout=60
    )
    groups: dict[str, float] = {}
    for line in proc.stderr.splitlines():
        m = IMPORTTIME_RE.match(line)
        if not m:
            continue
        indent, name = len(m.group(3)), m.group(4)
        if indent != 1:  # only modules imported directly by the -c code (or by site)
            continue
        root = name.split(".")[0]
        groups[root] = groups.get(root, 0.0) + int(m.group(2)) / 1e6
    return groups


def importtime_heaviest(code: str, prefixes: tuple[str, ...], n: int = 6) -> list[tuple[str, float]]:
    proc = subprocess.run(
        [PYTHON, "-X", "importtime", "-c", code], capture_output=True, text=True, cwd=ROOT, env=child_env(), timeout=60
    )
    rows = []
    for line in proc.stderr.splitlines():
        m = IMPORTTIME_RE.match(line)
        if m and m.group(4).startswith(prefixes):
            rows.append((m.group(4), int(m.group(1)) / 1e6))
    rows.sort(key=lambda r: -r[1])
    return rows[:n]


# ---------------------------------------------------------------------------------- main
def run_benchmark(runs: int = 7, populated_runs: int = 5, scale: int = 1000, import_runs: int = 3) -> dict:
    print(
        f"Start-up benchmark: fresh process per run on a {COLS}x{ROWS} pty, TERM=xterm-256color, "
        f"Python {sys.version.split()[0]}, {os.cpu_count()} CPUs"
    )
    figures: dict = {}

    # Warm the OS page cache / .pyc files once for both (not counted).
    run_child(["minimal"])
    run_child(["demo"])

    minimal, demo = [], []
    for _ in range(runs):  # alternate so drift hits both equally
        minimal.append(run_child(["minimal"]))
        demo.append(run_child(["demo"]))

    def col(results, key):
        return [r["rel"][key] for r in results if key in r["rel"]]

    m_frame, d_frame = col(minimal, "frame"), col(demo, "frame")
    figures["minimal_median"], figures["demo_median"] = median(m_frame), median(d_frame)
    figures["minimal_p90"], figures["demo_p90"] = pct(m_frame, 90), pct(d_frame, 90)
    ratio = figures["demo_median"] / figures["minimal_median"]
    ratio_p90 = figures["demo_p90"] / figures["minimal_p90"]
    figures["ratio"] = ratio
    print(f"first frame, minimal App+Static (floor):  {summary(m_frame)}")
    print(f"first frame, inference-console demo:      {summary(d_frame)}")
    print(
        f"first frame ratio demo/minimal:           median {ratio:.2f}x   p90 {ratio_p90:.2f}x"
        f"   (target <= {TARGET_RATIO}x: {verdict(ratio, TARGET_RATIO)})"
    )
    print(
        f"first frame demo absolute:                median {ms(figures['demo_median'])}"
        f"   (target <= {ms(TARGET_ABS)}: {verdict(figures['demo_median'], TARGET_ABS)})"
    )

    print("breakdown (median, from spawn):        interpreter+site -> imports done -> on_mount -> first frame")
    for label, results in (("minimal", minimal), ("demo", demo)):
        script, imports, mount, frame = (median(col(results, k)) for k in ("script", "imports", "mount", "frame"))
        print(
            f"  {label:<8} script start {ms(script):>9}   imports {ms(imports - script):>9}"
            f"   app init+mount {ms(mount - imports):>9}   mount->frame {ms(frame - mount):>9}"
            f"   = {ms(frame)}"
        )
    for label, results in (("minimal", minimal), ("demo", demo)):
        marker_lag = median([r["rel"]["parent_marker"] - r["rel"]["frame"] for r in results])
        outs = col(results, "first_output")  # read by a thread: may be missed when the child quits at once
        first_out = ms(median(outs)) if outs else "n/a"
        exits = [r["exit_after_marker"] for r in results if r.get("exit_after_marker") is not None]
        hung = sum(1 for r in results if r.get("exit_after_marker") is None)
        print(
            f"  {label:<8} first byte on the pty {first_out}; marker pipe lag {ms(marker_lag)};"
            f" modules loaded at first frame {demo[0]['modules'] if label == 'demo' else minimal[0]['modules']};"
            f" quit after marker median {ms(median(exits)) if exits else 'n/a'}"
            + (f" ({hung} runs did not exit within 15 s)" if hung else "")
        )
    d0 = demo[0]
    print(
        f"  demo at first frame: kubernetes_asyncio imported={d0['kubernetes_asyncio']},"
        f" aiohttp imported={d0['aiohttp']}, sandbox imported={d0['sandbox']},"
        f" screens.main imported={d0['main_screen']}, widgets.virtual_table imported={d0['virtual_table']}"
    )

    # --- the demo's first data row ------------------------------------------------
    first = [run_child(["demo"], rows_target=1) for _ in range(populated_runs)]
    f_rows = col(first, "frame")
    figures["first_row_median"] = median(f_rows)
    print(
        f"first data row of inference-console demo (launch -> row painted): {summary(f_rows)}"
        f"   (target <= {ms(TARGET_FIRST_ROW)}: {verdict(figures['first_row_median'], TARGET_FIRST_ROW)};"
        f" {figures['first_row_median'] / figures['minimal_median']:.2f}x the minimal app's first frame)"
    )
    fsteps = [
        ("on_mount", "mount"),
        ("first frame", "first_paint"),
        ("kube client import start", "kube_import_start"),
        ("connect() called", "connect"),
        ("kube client imported", "kube_import_done"),
        ("sandbox ready seen", "sandbox_ready"),
        ("discovery start", "discover_start"),
        ("discovery done", "discover_done"),
        ("first list delivered", "first_delivery"),
        ("first row in the table", "rows"),
        ("painted", "frame"),
    ]
    print(
        "  timeline, app process (median, from launch): "
        + " -> ".join(f"{label} {ms(median(col(first, key)))}" for label, key in fsteps if col(first, key))
    )
    ssteps = [
        ("spawned", "sb_spawned"),
        ("interpreter+CLI", "sb_main"),
        ("sandbox imported", "sb_imported"),
        ("emulator listening", "sb_listening"),
        ("seeded", "sb_seeded"),
        ("demo services up", "sb_services"),
        ("ready line read by the app", "sb_ready"),
    ]
    print(
        "  timeline, sandbox process (median, from launch): "
        + " -> ".join(f"{label} {ms(median(col(first, key)))}" for label, key in ssteps if col(first, key))
    )

    # --- 1,000-object table ------------------------------------------------------
    argv = ["demo", "--scale", str(scale), "-A", "-c", "pods"]
    run_child(argv, rows_target=scale)  # warm
    populated = [run_child(argv, rows_target=scale) for _ in range(populated_runs)]
    p_frame, p_rows = col(populated, "frame"), col(populated, "rows")
    figures["populated_median"] = median(p_frame)
    print(f"table with >= {scale:,} pods populated and painted (demo --scale {scale} -A -c pods): {summary(p_frame)}")
    print(
        f"  rows seen at the marker: {populated[0].get('rows')} (total {populated[0].get('total')});"
        f" row_count reached {ms(median(p_rows))} (painted {ms(figures['populated_median'])});"
        f" populated / minimal first frame {figures['populated_median'] / figures['minimal_median']:.2f}x,"
        f" populated - demo first frame {ms(figures['populated_median'] - figures['demo_median'])}"
    )

    steps = [
        ("first frame", "first_paint"),
        ("connect() called", "connect"),
        ("sandbox started+seeded", "sandbox_ready"),
        ("discovery start", "discover_start"),
        ("discovery done", "discover_done"),
        ("pods list start", "pods_list_start"),
        ("pods list done", "pods_list_done"),
        ("table row_count reached", "rows"),
        ("painted", "frame"),
    ]
    marks = [(label, median(col(populated, key))) for label, key in steps if col(populated, key)]
    print("  breakdown (median, from spawn): " + " -> ".join(f"{label} {ms(t)}" for label, t in marks))

    # --- import breakdown --------------------------------------------------------
    if import_runs:
        print(f"python -X importtime, cumulative top-level imports (median of {import_runs}):")
        for label, code in (("minimal", IMPORTS_MINIMAL), ("demo", IMPORTS_CONSOLE)):
            samples = [importtime(code) for _ in range(import_runs)]
            keys = sorted({k for s in samples for k in s}, key=lambda k: -median([s.get(k, 0) for s in samples]))
            parts = [
                f"{k} {ms(median([s.get(k, 0.0) for s in samples]))}"
                for k in keys
                if median([s.get(k, 0.0) for s in samples]) >= 0.002
            ]
            total = median([sum(s.values()) for s in samples])
            print(f"  {label:<8} total {ms(total):>9}: " + ", ".join(parts))
        heavy = importtime_heaviest(IMPORTS_CONSOLE, ("inference_console",))
        print("  heaviest project modules (self time): " + ", ".join(f"{n} {ms(t)}" for n, t in heavy))
    return figures


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--quick", action="store_true", help="smoke run: 2 runs each, small table")
    opts = parser.parse_args()
    if opts.quick:
        run_benchmark(runs=2, populated_runs=1, scale=200, import_runs=1)
    else:
        run_benchmark(runs=opts.runs)
