"""The emulator's pod log subresource, read by the real kubectl and by raw HTTP (chunked follow)."""

from __future__ import annotations

import asyncio
import time

import pytest

from inference_console.sandbox.apiserver.podlog import pod_logs

NS = "default"


def make_pod(emu, name: str, containers=("main",), waiting: str | None = None, labels=None) -> None:
    if emu.get("v1", "Namespace", None, NS) is None:
        emu.create({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": NS}})
    state = {"waiting": {"reason": waiting}} if waiting else {"running": {"startedAt": "2024-01-01T00:00:00Z"}}
    emu.create(
        {
            "apiVersion": "v1",
            "kind": "Pod",
            "metadata": {"name": name, "namespace": NS, "labels": labels or {"app": "web"}},
            "spec": {"containers": [{"name": c, "image": "busybox"} for c in containers]},
            "status": {
                "phase": "Running",
                "containerStatuses": [
                    {"name": c, "ready": True, "restartCount": 0, "image": "busybox", "imageID": "", "state": state}
                    for c in containers
                ],
            },
        }
    )


async def test_kubectl_logs_reads_tail_since_timestamps_container_previous(emulator, kubectl):
    make_pod(emulator, "web-1", containers=("main", "sidecar"))
    logs = pod_logs(emulator)
    now = time.time_ns()
    for i in range(10):
        logs.write(NS, "web-1", "main", f"line {i}", now - (10 - i) * 60 * 1_000_000_000)
    logs.write(NS, "web-1", "sidecar", "sidecar says hi")

    out = await kubectl("logs", "web-1", "-c", "main", "-n", NS)
    assert out.returncode == 0, out.stderr
    assert out.stdout.splitlines() == [f"line {i}" for i in range(10)]
    out = await kubectl("logs", "web-1", "-c", "main", "-n", NS, "--tail", "3")
    assert out.stdout.splitlines() == ["line 7", "line 8", "line 9"]
    out = await kubectl("logs", "web-1", "-c", "main", "-n", NS, "--since", "150s")
    assert out.stdout.splitlines() == ["line 8", "line 9"]
    out = await kubectl("logs", "web-1", "-c", "main", "-n", NS, "--tail", "1", "--timestamps")
    stamp, _, text = out.stdout.strip().partition(" ")
    assert text == "line 9" and stamp.endswith("Z") and len(stamp.split(".")[1]) == 10  # 9 digits + Z
    out = await kubectl("logs", "web-1", "-c", "sidecar", "-n", NS)
    assert out.stdout.strip() == "sidecar says hi"

    # Two containers and none named: kubectl picks the first and says so.
    out = await kubectl("logs", "web-1", "-n", NS, "--tail", "1")
    assert out.stdout.strip() == "line 9" and 'Defaulted container "main"' in out.stderr
    # --previous: none yet, then after a restart the old instance.
    out = await kubectl("logs", "web-1", "-c", "main", "-n", NS, "--previous")
    assert out.returncode != 0 and 'previous terminated container "main" in pod "web-1" not found' in out.stderr
    logs.restart(NS, "web-1", "main")
    logs.write(NS, "web-1", "main", "after restart")
    out = await kubectl("logs", "web-1", "-c", "main", "-n", NS, "--previous", "--tail", "1")
    assert out.stdout.strip() == "line 9"
    out = await kubectl("logs", "web-1", "-c", "main", "-n", NS)
    assert out.stdout.strip() == "after restart"


async def test_waiting_container_and_missing_pod_are_400_and_404(emulator, http):
    make_pod(emulator, "two", containers=("a", "b"))
    resp = await http.get(f"/api/v1/namespaces/{NS}/pods/two/log")
    assert resp.status == 400
    assert (await resp.json())["message"] == "a container name must be specified for pod two, choose one of: [a b]"
    make_pod(emulator, "pulling", waiting="ImagePullBackOff")
    resp = await http.get(f"/api/v1/namespaces/{NS}/pods/pulling/log")
    body = await resp.json()
    assert resp.status == 400 and body["kind"] == "Status"
    assert body["message"] == 'container "main" in pod "pulling" is waiting to start: trying and failing to pull image'
    resp = await http.get(f"/api/v1/namespaces/{NS}/pods/nope/log")
    assert resp.status == 404 and (await resp.json())["message"] == 'pods "nope" not found'


async def test_kubectl_logs_follow_streams_until_the_pod_is_deleted(emulator, kubectl):
    make_pod(emulator, "web-2")
    logs = pod_logs(emulator)
    logs.write(NS, "web-2", "main", "first")
    proc = await asyncio.create_subprocess_exec(
        *kubectl.argv("logs", "-f", "web-2", "-n", NS), stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE
    )
    try:
        assert (await asyncio.wait_for(proc.stdout.readline(), 10)).decode().strip() == "first"
        logs.write(NS, "web-2", "main", "second")
        assert (await asyncio.wait_for(proc.stdout.readline(), 10)).decode().strip() == "second"
        emulator.delete("v1", "Pod", NS, "web-2")
        await asyncio.wait_for(proc.wait(), 10)  # the stream ends with the pod
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()


async def test_follow_is_chunked_over_raw_http(emulator, http):
    make_pod(emulator, "web-3")
    logs = pod_logs(emulator)
    async with http.get(
        f"/api/v1/namespaces/{NS}/pods/web-3/log", params={"follow": "true", "timestamps": "true"}
    ) as resp:
        assert resp.status == 200 and resp.headers.get("Transfer-Encoding") == "chunked"
        logs.write(NS, "web-3", "main", "hello \x1b[31mred\x1b[0m")
        line = await asyncio.wait_for(resp.content.readline(), 5)
        assert line.decode().split(" ", 1)[1] == "hello \x1b[31mred\x1b[0m\n"


@pytest.mark.parametrize(
    "query,message",
    [
        ({"sinceSeconds": "5", "sinceTime": "2024-01-01T00:00:00Z"}, "at most one of `sinceTime` or `sinceSeconds`"),
        ({"tailLines": "x"}, "tailLines"),
    ],
)
async def test_bad_parameters_are_400(emulator, http, query, message):
    make_pod(emulator, "web-4")
    resp = await http.get(f"/api/v1/namespaces/{NS}/pods/web-4/log", params=query)
    assert resp.status == 400 and message in (await resp.json())["message"]
