"""Informer recovery when the API server behind the address changes (issue 8 §1).

A fresh emulator on the same port, with a lower resourceVersion and other objects, is what
an etcd restore, a failover to another cluster behind the same endpoint, or a restarted demo
looks like. After any relist the store must equal the server, deletions included.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any, AsyncIterator

import pytest

from inference_console.sandbox.apiserver import KubeEmulator, write_kubeconfig
from inference_console.sources.kube.backoff import Backoff
from inference_console.sources.kube.connect import connect
from inference_console.sources.kube.errors import KubeError
from inference_console.sources.kube.informer import Informer, is_too_large_rv
from inference_console.sources.kube.transport import CONNECTED, ListPage, ResourceRef
from inference_console.state.store import KindState

try:  # the store moved to the Kubernetes source
    from inference_console.sources.kube.store import ObjectStore
except ImportError:  # pragma: no cover - older layout
    from inference_console.state.store import ObjectStore  # type: ignore[attr-defined,no-redef]

PODS = ResourceRef("", "v1", "pods", True)
NODES = ResourceRef("", "v1", "nodes", False)


def pod(name: str, ns: str = "default", labels: dict | None = None) -> dict:
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": name, "namespace": ns, "labels": labels or {}},
        "spec": {"containers": [{"name": "c", "image": "busybox"}]},
        "status": {"phase": "Running"},
    }


def node(name: str) -> dict:
    return {"apiVersion": "v1", "kind": "Node", "metadata": {"name": name}}


def view(store: ObjectStore) -> list[tuple[str, dict]]:
    return sorted((o["metadata"]["name"], o["metadata"].get("labels") or {}) for o in store.values())


def server_view(emu: KubeEmulator, api_version: str, kind: str, ns: str | None = None) -> list[tuple[str, dict]]:
    return sorted((o["metadata"]["name"], o["metadata"].get("labels") or {}) for o in emu.list(api_version, kind, ns))


async def until(predicate, timeout: float, message: str) -> float:
    """Poll ``predicate``; return the seconds it took (fails after ``timeout``)."""
    loop = asyncio.get_running_loop()
    start = loop.time()
    while loop.time() - start < timeout:
        if predicate():
            return loop.time() - start
        await asyncio.sleep(0.02)
    raise AssertionError(message)


async def start_on(emu: KubeEmulator, port: int, attempts: int = 100) -> None:
    """Bind ``port`` again (the old socket may take a moment to go)."""
    for _ in range(attempts):
        try:
            await emu.start(host="127.0.0.1", port=port)
            return
        except OSError:
            await asyncio.sleep(0.05)
    raise AssertionError(f"port {port} did not become free")


def port_of(emu: KubeEmulator) -> int:
    assert emu.url is not None
    return int(emu.url.rsplit(":", 1)[1])


@pytest.mark.parametrize("outage", [1.5, 0.0], ids=["server-down-1.5s", "immediate-restart"])
async def test_informer_converges_to_a_fresh_server_with_a_lower_resource_version(tmp_path, outage):
    old = KubeEmulator()
    await old.start(host="127.0.0.1", port=0)
    port = port_of(old)
    for name in ("keep", "gone-1", "gone-2"):
        old.create(pod(name, labels={"server": "old"}))
    for i in range(300):  # move the old server's resourceVersion well past the new one's
        old.patch("v1", "Pod", "default", "keep", {"metadata": {"annotations": {"n": str(i)}}})
    old.create(node("gpu-old"))
    old_rv = old.resource_version
    transport, _ = await connect(str(write_kubeconfig(tmp_path / "kubeconfig", old.url)))
    pods = ObjectStore("pods", kind="Pod", api_version="v1")
    nodes = ObjectStore("nodes", kind="Node", api_version="v1")
    # the production defaults (backoff 0.5 s .. 30 s, at most 5 s between reconnects)
    informers = [
        Informer(transport, PODS, pods, namespace="default", read_timeout=10.0),
        Informer(transport, NODES, nodes, read_timeout=10.0),
    ]
    for inf in informers:
        inf.start()
    new = KubeEmulator()
    try:
        await until(
            lambda: [n for n, _ in view(pods)] == ["gone-1", "gone-2", "keep"] and len(nodes) == 1,
            10,
            "the informers never listed the first server",
        )
        await asyncio.sleep(0.3)  # the watches are open
        await old.stop()
        await asyncio.sleep(outage)
        new.create(pod("keep", labels={"server": "new"}))  # same name, other uid and contents
        new.create(pod("fresh", labels={"server": "new"}))
        new.create(node("gpu-new"))
        assert new.resource_version < old_rv
        await start_on(new, port)
        back = time.monotonic()
        want_pods = server_view(new, "v1", "Pod", "default")
        took = await until(
            lambda: view(pods) == want_pods and view(nodes) == server_view(new, "v1", "Node"),
            40,
            f"the stores never matched the new server: pods {view(pods)}, nodes {view(nodes)}",
        )
        print(
            f"\n[{outage}s outage] stores equal the new server {took:.2f}s after it listened "
            f"(lists: pods {informers[0].lists}, nodes {informers[1].lists}; "
            f"resets: {informers[0].resets}+{informers[1].resets}; "
            f"reason: {informers[0].last_relist_reason!r})"
        )
        assert pods.status.state is KindState.LIVE and nodes.status.state is KindState.LIVE
        assert all(inf.lists >= 2 for inf in informers)
        # ... and the informers follow the new server from there on
        new.create(pod("after"))
        new.delete("v1", "Pod", "default", "fresh")
        await until(lambda: [n for n, _ in view(pods)] == ["after", "keep"], 10, "no live events from the new server")
        assert time.monotonic() - back < 60
    finally:
        for inf in informers:
            await inf.stop()
        await transport.close()
        await new.stop()
        await old.stop()


async def test_a_dropped_watch_on_the_same_server_resumes_after_one_cheap_check(emulator, kubeconfig_path):
    emulator.create(pod("a"))
    transport, _ = await connect(str(kubeconfig_path))
    store = ObjectStore("pods", kind="Pod", api_version="v1")
    inf = Informer(transport, PODS, store, namespace="default", backoff=Backoff(base=0.05, cap=0.2), read_timeout=5.0)
    inf.start()
    try:
        await until(lambda: len(store) == 1 and inf.watches >= 1, 5, "no first list")
        await asyncio.sleep(0.2)
        emulator.drop_watches()
        await until(lambda: inf.probes >= 1 and inf.watches >= 2, 5, "the watch was not resumed")
        emulator.create(pod("b"))
        await until(lambda: len(store) == 2, 5, "events after the resume are missing")
        assert inf.lists == 1 and inf.resets == 0
    finally:
        await inf.stop()
        await transport.close()


async def test_kubectl_sees_too_large_resource_version_on_a_list_from_the_future(emulator, kubectl):
    emulator.create(pod("a"))
    future = emulator.resource_version + 1000
    result = await kubectl("get", "--raw", f"/api/v1/namespaces/default/pods?resourceVersion={future}")
    assert result.returncode != 0
    assert f"Too large resource version: {future}, current: {emulator.resource_version}" in result.stderr


# ---------------------------------------------------------------------------------------------
# a scripted server: exact answers a real server or proxy may give


class ScriptedTransport:
    """Answers lists from ``self.items``/``self.rv``; each watch plays the next script entry: a
    list of events (a KubeError in it is raised there), a KubeError (raised before connecting)
    or an asyncio.Event (the watch ends when it is set); past the script, watches hang."""

    def __init__(self, watches: list[Any]) -> None:
        self.items: list[dict] = []
        self.rv = "1"
        self.watches = list(watches)
        self.gets: list[list[tuple[str, str]]] = []

    async def get(self, path: str, query: list[tuple[str, str]] | None = None) -> dict:
        self.gets.append(list(query or []))
        return {"metadata": {"resourceVersion": self.rv}, "items": [dict(i) for i in self.items]}

    async def list_page(self, path: str, query: list[tuple[str, str]] | None = None) -> ListPage:
        body = await self.get(path, query)
        return ListPage(body["metadata"], body=body)

    async def watch(self, path: str, query: list[tuple[str, str]], read_timeout: float) -> AsyncIterator[dict]:
        step = self.watches.pop(0) if self.watches else None
        if isinstance(step, KubeError):
            raise step
        yield {"type": CONNECTED}
        if step is None:
            await asyncio.sleep(3600)
            return
        if isinstance(step, asyncio.Event):
            await step.wait()
            return
        for ev in step:
            if isinstance(ev, KubeError):
                raise ev
            yield ev


def obj(name: str, uid: str, rv: str) -> dict:
    return {"metadata": {"name": name, "namespace": "default", "uid": uid, "resourceVersion": rv}}


def too_large(requested: int, current: int) -> dict:
    return {
        "kind": "Status",
        "apiVersion": "v1",
        "status": "Failure",
        "code": 504,
        "reason": "Timeout",
        "message": f"Timeout: Too large resource version: {requested}, current: {current}",
        "details": {
            "causes": [{"reason": "ResourceVersionTooLarge", "message": "Too large resource version"}],
            "retryAfterSeconds": 1,
        },
    }


QUICK = dict(backoff=Backoff(base=0.01, cap=0.05), slow_retry=0.05, read_timeout=5.0)


@pytest.mark.parametrize("as_event", [True, False], ids=["ERROR-event", "504-status"])
async def test_too_large_resource_version_relists_and_drops_what_the_server_no_longer_has(as_event):
    status = too_large(500, 12)
    err = KubeError.from_status(504, status)
    assert is_too_large_rv(err)
    second_watch = [{"type": "ERROR", "object": status}] if as_event else err
    reset = asyncio.Event()
    tr = ScriptedTransport([reset, second_watch])  # watch 1 ends at the reset, watch 2 is refused
    tr.items, tr.rv = [obj("a", "u-a", "400"), obj("b", "u-b", "450")], "500"
    store = ObjectStore("pods", kind="Pod", api_version="v1")
    inf = Informer(tr, PODS, store, namespace="default", **QUICK)  # type: ignore[arg-type]
    task = inf.start()
    try:
        await until(lambda: len(store) == 2 and inf.watches == 1, 5, "no first list")
        tr.items, tr.rv = [obj("b", "u-b2", "7")], "12"  # the server was reset
        reset.set()
        await until(
            lambda: [o["metadata"]["uid"] for o in store.values()] == ["u-b2"],
            5,
            f"the store kept objects the server does not have: {list(store.values())}",
        )
        assert inf.lists == 2 and inf.resets == 1 and store.resource_version == "12"
        assert "behind" in inf.last_relist_reason
        assert not task.done()
    finally:
        await inf.stop()


async def test_a_watch_that_keeps_failing_after_reconnecting_relists():
    cut = KubeError(0, "ConnectionError", "Connection reset by peer")
    tr = ScriptedTransport([[cut], [cut], [cut]])  # each watch connects, then is cut at once
    tr.items = [obj("a", "u-a", "1")]
    store = ObjectStore("pods", kind="Pod", api_version="v1")
    inf = Informer(tr, PODS, store, namespace="default", **QUICK)  # type: ignore[arg-type]
    inf.start()
    try:
        await until(lambda: inf.lists == 2 and inf.watches == 4, 5, "three failed watches in a row did not relist")
        assert inf.watches == 4 and inf.probes == 2  # resumed twice (after a check), then relisted
        assert "in a row" in inf.last_relist_reason
    finally:
        await inf.stop()


@pytest.mark.parametrize("code,reason", [(500, "InternalError"), (503, "ServiceUnavailable")])
async def test_other_watch_errors_relist_like_the_reflector(code, reason):
    status = {"kind": "Status", "code": code, "reason": reason, "message": "boom"}
    tr = ScriptedTransport([[{"type": "ERROR", "object": status}]])
    tr.items = [obj("a", "u-a", "1")]
    store = ObjectStore("pods", kind="Pod", api_version="v1")
    inf = Informer(tr, PODS, store, namespace="default", **QUICK)  # type: ignore[arg-type]
    inf.start()
    try:
        await until(lambda: inf.lists == 2, 5, f"a {code} on the watch did not relist")
    finally:
        await inf.stop()


async def test_429_resumes_the_watch_without_relisting():
    status = {
        "kind": "Status",
        "code": 429,
        "reason": "TooManyRequests",
        "message": "slow down",
        "details": {"retryAfterSeconds": 0},
    }
    tr = ScriptedTransport([KubeError.from_status(429, status)])
    tr.items = [obj("a", "u-a", "1")]
    store = ObjectStore("pods", kind="Pod", api_version="v1")
    inf = Informer(tr, PODS, store, namespace="default", **QUICK)  # type: ignore[arg-type]
    inf.start()
    try:
        await until(lambda: inf.watches >= 2, 5, "the watch was not retried")
        assert inf.lists == 1
    finally:
        await inf.stop()
