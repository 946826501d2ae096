"""Command line: ``inference-console`` (alias ``ic``), ``python -m inference_console``.

Kept import-light: Textual is imported only when the app runs, the Kubernetes client
only after the first frame has painted.
"""

from __future__ import annotations

import argparse
import json
import os
import sys

from inference_console import __version__
from inference_console.settings.launch import LaunchOptions


def _add_cluster_options(parser: argparse.ArgumentParser, suppress: bool, kubeconfig: bool = True) -> None:
    default = argparse.SUPPRESS if suppress else None
    if kubeconfig:  # the demo writes its own kubeconfig: these would be ignored there
        parser.add_argument(
            "--kubeconfig",
            metavar="PATH",
            default=default,
            help="kubeconfig file(s), ':'-separated (default: $KUBECONFIG or ~/.kube/config)",
        )
        parser.add_argument("--context", metavar="NAME", default=default, help="kubeconfig context to use")
    scope = parser.add_mutually_exclusive_group()
    scope.add_argument("-n", "--namespace", metavar="NS", default=default, help="namespace to show")
    scope.add_argument(
        "-A",
        "--all-namespaces",
        action="store_true",
        default=argparse.SUPPRESS if suppress else False,
        help="show every namespace",
    )
    parser.add_argument(
        "--readonly",
        action="store_true",
        default=argparse.SUPPRESS if suppress else False,
        help="never send a mutating request (also settable per context in the config file)",
    )
    parser.add_argument(
        "-c", "--command", metavar="KIND", default=default, help="start on this kind, e.g. pods, isvc, bd, stack"
    )


def _port(text: str) -> int:
    try:
        port = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a port number: {text!r}") from None
    if not 0 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"port out of range (0-65535): {port}")
    return port


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="inference-console",
        description="A keyboard-driven console for ML model serving on Kubernetes "
        "(KServe, BentoML/Yatai, TitanML Takeoff, Kubeflow Model Registry).",
        epilog="Try it without a cluster: inference-console demo",
    )
    parser.add_argument("--version", action="version", version=f"inference-console {__version__}")
    _add_cluster_options(parser, suppress=False)
    sub = parser.add_subparsers(dest="subcommand", metavar="COMMAND")
    demo = sub.add_parser(
        "demo",
        help="run on the embedded demo sandbox (no cluster needed)",
        description="Start a Kubernetes API emulator on loopback, seeded with a model-serving "
        "cluster, and open the console on it.",
    )
    _add_cluster_options(demo, suppress=True, kubeconfig=False)
    demo.add_argument("--scale", type=int, default=0, metavar="N", help="seed N extra pods (for benchmarks)")
    demo.add_argument("--no-controller", action="store_true", help="do not simulate cluster activity")
    demo.add_argument(
        "--no-services",
        action="store_true",
        help="with --serve: only the Kubernetes API (no demo metrics, logs or registries; for benchmarks)",
    )
    demo.add_argument(
        "--serve", action="store_true", help="only run the sandbox API server and print a kubeconfig path (for kubectl)"
    )
    demo.add_argument(
        "--port",
        type=_port,
        default=0,
        metavar="PORT",
        help="with --serve: listen on this loopback port (default: a free one); a server "
        "restarted on the same port is what a failover or an etcd restore looks like",
    )
    cfg = sub.add_parser("config", help="print the effective settings (secrets masked)")
    _add_cluster_options(cfg, suppress=True)
    return parser


def _print_config(args: argparse.Namespace) -> int:
    from inference_console.settings.config_file import ConfigFileError, load_config
    from inference_console.sources.kube.connect import kubeconfig_paths

    try:
        cfg = load_config()
    except ConfigFileError as exc:
        print(f"inference-console: config error: {exc}", file=sys.stderr)
        return 2
    effective = {
        "config_file": str(cfg.path) + ("" if cfg.exists else " (not present; defaults apply)"),
        "kubeconfig": ":".join(
            p if os.path.exists(os.path.expanduser(p)) else f"{p} (not found)"
            for p in kubeconfig_paths(args.kubeconfig).split(os.pathsep)
            if p
        ),
        "context": args.context or "(current-context)",
        "namespace": "(all)" if args.all_namespaces else (args.namespace or "(from context)"),
        "readonly_flag": bool(args.readonly),
        # Every secret is masked by the typed settings themselves (tokens, passwords, credentials in
        # URLs and DSNs, credential headers); names of variables and files are shown.
        "defaults": cfg.defaults.masked(),
        "contexts": {name: s.masked() for name, s in cfg.contexts.items()},
    }
    print(json.dumps(effective, indent=2))
    return 0


def _serve_sandbox(args: argparse.Namespace) -> int:
    import tempfile
    import time

    started = time.monotonic()
    from inference_console.sandbox.runner import Sandbox

    imported = time.monotonic()

    sandbox = Sandbox(
        scale=args.scale,
        controller=not args.no_controller,
        port=args.port,
        services=not getattr(args, "no_services", False),
    )

    def progress(what: str, done: int, total: int) -> None:
        print(f"sandbox: {what} {done:,} of {total:,}" if total else f"sandbox: {what}", file=sys.stderr, flush=True)

    try:
        url = sandbox.start(progress=progress, services=False)  # the demo's other servers: below
    except (OSError, RuntimeError) as exc:  # e.g. the port is taken
        print(f"inference-console: could not start the sandbox API server: {exc}", file=sys.stderr)
        return 1
    import signal

    from inference_console.sandbox.process import SERVICES_READY, endpoints_line, timeline_line, watch_parent

    def terminated(signum: int, frame: object) -> None:
        raise KeyboardInterrupt  # stop the demo's servers (PostgreSQL included) as on ctrl-c

    # From here on a ctrl-c or SIGTERM, however early (the console that started us may stop us
    # as soon as it has read the lines below), stops the servers and exits 0.
    try:
        signal.signal(signal.SIGTERM, terminated)
        path = sandbox.write_kubeconfig(os.path.join(tempfile.mkdtemp(prefix="ic-sandbox-"), "kubeconfig"))
        # The cluster first: the console connects while the demo's other servers start.
        early = timeline_line({"main": started, "imported": imported, **sandbox.timeline})
        print(f"sandbox API server: {url}\n" + (f"{early}\n" if early else "") + f"kubeconfig: {path}", flush=True)
        watch_parent()
        if not sandbox.wait_services():  # the sandbox ended while its other servers started
            print(f"inference-console: the sandbox stopped: {sandbox.error or 'unknown error'}", file=sys.stderr)
            return 1
        # Only for the console that started us (SandboxProcess): its demo servers, and when each
        # start-up step ended (for the start-up benchmark's timeline).
        extra = [
            endpoints_line(sandbox.endpoints),
            timeline_line({"main": started, "imported": imported, **sandbox.timeline}),
        ]
        print("".join(f"{line}\n" for line in extra if line) + f"{SERVICES_READY} (ctrl-c to stop)", flush=True)
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        pass
    finally:
        sandbox.stop()
    return 0


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.subcommand == "config":
        return _print_config(args)
    if args.subcommand == "demo" and getattr(args, "serve", False):
        return _serve_sandbox(args)
    if args.subcommand == "demo" and getattr(args, "port", 0):
        print("inference-console: --port applies to demo --serve only", file=sys.stderr)
        return 2

    sandbox = None
    if args.subcommand == "demo":
        # The demo cluster starts now, in its own process, on the other core: it is seeded while
        # this one imports Textual and paints the first frame.
        from inference_console.sandbox.process import SandboxProcess

        sandbox = SandboxProcess(
            scale=getattr(args, "scale", 0) or 0, controller=not getattr(args, "no_controller", False)
        ).spawn()
    try:
        return _run_app(args, sandbox)
    finally:
        if sandbox is not None:
            sandbox.stop()


def _run_app(args: argparse.Namespace, sandbox: object | None) -> int:
    from inference_console.settings.config_file import ConfigFileError, load_config

    try:
        config = load_config()
    except ConfigFileError as exc:
        print(f"inference-console: config error: {exc}", file=sys.stderr)
        return 2
    options = LaunchOptions(
        kubeconfig=args.kubeconfig,
        context=args.context,
        namespace=args.namespace,
        all_namespaces=bool(args.all_namespaces),
        readonly=bool(args.readonly),
        demo=args.subcommand == "demo",
        scale=getattr(args, "scale", 0) or 0,
        demo_controller=not getattr(args, "no_controller", False),
        command=args.command,
    )
    from inference_console.settings.log_file import log_to_file
    from inference_console.ui.app import ConsoleApp

    log_to_file()  # never onto the screen the UI draws
    app = ConsoleApp(options, config, sandbox=sandbox)
    app.run()
    return app.return_code or 0
