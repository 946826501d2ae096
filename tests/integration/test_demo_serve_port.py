"""``inference-console demo --serve --port N``: the sandbox API server on a chosen port, so a
server can be stopped and started again on the same address (issue 8 §1), checked with kubectl."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time

import pytest

from inference_console.cli import build_parser, main
from tests.fixtures_kube import kubectl_binary


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_port_option_parses_and_checks_its_range(capsys):
    args = build_parser().parse_args(["demo", "--serve", "--port", "18443"])
    assert (args.serve, args.port) == (True, 18443)
    assert build_parser().parse_args(["demo", "--serve"]).port == 0
    for bad in ("70000", "http", "-1"):
        with pytest.raises(SystemExit):
            build_parser().parse_args(["demo", "--serve", "--port", bad])
    assert "port" in capsys.readouterr().err
    assert main(["demo", "--port", "18443"]) == 2
    assert "--serve" in capsys.readouterr().err


def start_serving(port: int) -> tuple[subprocess.Popen[str], str, str]:
    proc = subprocess.Popen(
        [sys.executable, "-m", "inference_console", "demo", "--serve", "--no-controller", "--port", str(port)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    assert proc.stdout is not None
    url = proc.stdout.readline().strip()
    kubeconfig = proc.stdout.readline().strip()
    if not url.startswith("sandbox API server:"):
        proc.kill()
        raise AssertionError(f"demo --serve did not start: {url!r} {proc.stderr.read() if proc.stderr else ''}")
    return proc, url.split(": ", 1)[1], kubeconfig.split(": ", 1)[1]


def stop(proc: subprocess.Popen[str]) -> None:
    proc.terminate()
    try:
        proc.wait(10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(5)


def test_serve_listens_on_the_port_and_a_second_server_can_take_it_after_the_first(tmp_path):
    port = free_port()
    kubectl = kubectl_binary()
    first, url, kubeconfig = start_serving(port)
    try:
        assert url == f"http://127.0.0.1:{port}"
        out = subprocess.run(
            [
                kubectl,
                "--kubeconfig",
                kubeconfig,
                "--cache-dir",
                str(tmp_path / "c1"),
                "get",
                "namespaces",
                "-o",
                "name",
            ],
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert out.returncode == 0, out.stderr
        assert "namespace/llm-prod" in out.stdout.split()
        busy = subprocess.run(
            [sys.executable, "-m", "inference_console", "demo", "--serve", "--no-controller", "--port", str(port)],
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert busy.returncode == 1 and "could not start" in busy.stderr
    finally:
        stop(first)
    deadline = time.monotonic() + 10
    while True:  # the old socket may linger a moment
        second, url2, kubeconfig2 = None, "", ""
        try:
            second, url2, kubeconfig2 = start_serving(port)
            break
        except AssertionError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)
    try:
        assert url2 == url
        out = subprocess.run(
            [
                kubectl,
                "--kubeconfig",
                kubeconfig2,
                "--cache-dir",
                str(tmp_path / "c2"),
                "get",
                "--raw",
                "/api/v1/namespaces/llm-prod/pods?limit=1",
            ],
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert out.returncode == 0, out.stderr
    finally:
        stop(second)
