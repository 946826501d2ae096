"""The real Prometheus server (Debian's ``prometheus`` package) for tests: backfilled and scraping.

:func:`run_prometheus` writes a config scraping the given targets every second, backfills
OpenMetrics text with ``promtool tsdb create-blocks-from openmetrics``, starts the server
on a free loopback port and waits for ``/-/ready``.  A missing binary is a loud failure:
``.ci/run`` installs the package.
"""

from __future__ import annotations

import contextlib
import math
import os
import shutil
import socket
import subprocess
import time
from pathlib import Path
from typing import Iterable, Iterator

import httpx
import pytest


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def binaries() -> tuple[str, str]:
    prom, tool = shutil.which("prometheus"), shutil.which("promtool")
    if not prom or not tool:
        pytest.fail(
            "the real Prometheus is needed: apt-get install -y --no-install-recommends prometheus "
            "(brings promtool); .ci/run installs it",
            pytrace=False,
        )
    return prom, tool


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


def openmetrics(series: Iterable[tuple[dict[str, str], list[tuple[float, float]]]]) -> str:
    """OpenMetrics text (untyped families, grouped by name) for ``promtool`` backfill."""
    by_name: dict[str, list[str]] = {}
    for labels, points in series:
        name = labels["__name__"]
        inner = ",".join(f'{k}="{_escape(v)}"' for k, v in sorted(labels.items()) if k != "__name__")
        lines = by_name.setdefault(name, [])
        for t, v in points:
            text = (
                "NaN" if math.isnan(v) else ("+Inf" if v == math.inf else "-Inf" if v == -math.inf else repr(float(v)))
            )
            lines.append(f"{name}{{{inner}}} {text} {t:.3f}")
    out = []
    for name, lines in by_name.items():
        out.extend(lines)
    out.append("# EOF")
    return "\n".join(out) + "\n"


@contextlib.contextmanager
def run_prometheus(
    tmp_path: Path, backfill: str | None = None, targets: Iterable[str] = (), scrape_interval: str = "1s"
) -> Iterator[str]:
    prom, tool = binaries()
    data = tmp_path / "tsdb"
    data.mkdir(parents=True, exist_ok=True)
    if backfill:
        src = tmp_path / "backfill.om"
        src.write_text(backfill)
        done = subprocess.run(
            [tool, "tsdb", "create-blocks-from", "openmetrics", str(src), str(data)],
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert done.returncode == 0, f"promtool backfill failed: {done.stderr[-2000:]}"
    scrape = "".join(
        f"  - job_name: test-exporter-{i}\n    static_configs:\n      - targets: ['{t}']\n"
        for i, t in enumerate(targets)
    )
    config = tmp_path / "prometheus.yml"
    config.write_text(
        f"global:\n  scrape_interval: {scrape_interval}\n"
        + (f"scrape_configs:\n{scrape}" if scrape else "scrape_configs: []\n")
    )
    port = free_port()
    log = open(tmp_path / "prometheus.log", "w")
    proc = subprocess.Popen(
        [
            prom,
            f"--config.file={config}",
            f"--storage.tsdb.path={data}",
            f"--web.listen-address=127.0.0.1:{port}",
            "--storage.tsdb.retention.time=30d",
            "--web.enable-lifecycle",
            "--log.level=warn",
        ],
        stdout=log,
        stderr=subprocess.STDOUT,
        cwd=tmp_path,
        env={**os.environ},
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            if proc.poll() is not None:
                raise AssertionError(f"prometheus exited: {(tmp_path / 'prometheus.log').read_text()[-2000:]}")
            try:
                if httpx.get(f"{url}/-/ready", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise AssertionError("prometheus did not become ready in 30 s")
            time.sleep(0.1)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()
