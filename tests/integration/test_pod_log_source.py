"""The pod log source against the emulator: a Deployment's pods merged, pods that come and go,
client-side line filters, previous logs, and control characters kept as data (the view escapes)."""

from __future__ import annotations

import asyncio
import time

from inference_console.sandbox.apiserver.podlog import pod_logs
from inference_console.sources.kube.connect import connect
from inference_console.sources.podlogs.source import PodLogSession, PodLogSource
from inference_console.state.logs import LogRequest, LogTarget
from inference_console.state.workspace import Workspace
from tests.integration.test_pod_logs_api import NS, make_pod


async def until(predicate, timeout: float = 8.0, what: str = "condition") -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        await asyncio.sleep(0.02)
    raise AssertionError(f"timed out waiting for {what}")


class FakeKube:
    name = "kube"

    def __init__(self, transport) -> None:
        self.transport = transport


async def test_merges_pods_follows_new_ones_filters_and_reads_previous(emulator, kubeconfig_path):
    transport, _ = await connect(str(kubeconfig_path))
    workspace = Workspace()
    workspace.sources["kube"] = FakeKube(transport)
    source = PodLogSource()
    await source.start(workspace)
    PodLogSession.relist_interval = 0.2
    PodLogSession.retry_delay = 0.2
    logs = pod_logs(emulator)
    make_pod(emulator, "web-a", labels={"app": "web"})
    make_pod(emulator, "other", labels={"app": "other"})
    logs.write(NS, "web-a", "main", "a: GET /v1/models 200 12ms")
    logs.write(NS, "web-a", "main", 'a: level=error msg="boom"')
    logs.write(NS, "other", "main", "not mine")
    target = LogTarget("Deployment", "web", NS, selector={"app": "web"})
    try:
        session = await source.open_logs(workspace, LogRequest(target))
        buffer = session.buffer
        await until(lambda: len(buffer) == 2, what="the first pod's lines")
        make_pod(emulator, "web-b", labels={"app": "web"})
        logs.write(NS, "web-b", "main", "b: started \x1b]52;c;aGVsbG8=\x07")
        await until(lambda: len(buffer) == 3, what="the new pod's line")
        assert {buffer.origin(o).pod for _, o, _ in buffer} == {"web-a", "web-b"}
        assert list(buffer)[-1][2] == "b: started \x1b]52;c;aGVsbG8=\x07"  # data as sent; the view escapes
        emulator.delete("v1", "Pod", NS, "web-a")
        await until(lambda: "web-a" in buffer.facts.get("gone", ""), what="the deleted pod noted")
        await session.close()

        errors = await source.open_logs(workspace, LogRequest(target, level="error"))
        await until(lambda: len(errors.buffer) >= 0 and errors.buffer.facts.get("pods") == "web-b", what="pods")
        logs.write(NS, "web-b", "main", "level=info fine")
        logs.write(NS, "web-b", "main", "level=error CUDA out of memory")
        await until(lambda: [t for _, _, t in errors.buffer] == ["level=error CUDA out of memory"], what="filter")
        await errors.close()

        logs.restart(NS, "web-b", "main")
        prev = await source.open_logs(workspace, LogRequest(target, previous=True))
        await until(lambda: len(prev.buffer) == 3, what="the previous instance")
        assert prev.buffer.facts["mode"] == "previous instance"
        await prev.close()
    finally:
        await source.stop()
        await transport.close()
