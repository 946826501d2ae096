"""Watch semantics of the API emulator, seen through kubernetes-asyncio and raw HTTP."""

from __future__ import annotations

import asyncio
import json

import aiohttp
import pytest
from kubernetes_asyncio import client, watch
from kubernetes_asyncio.client.exceptions import ApiException

from inference_console.sandbox.apiserver import KubeEmulator


def pod(name: str, ns: str = "default", labels: dict | None = None, **extra) -> dict:
    obj = {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": name, "namespace": ns, "labels": labels or {}},
        "spec": {"containers": [{"name": "c", "image": "busybox"}]},
    }
    obj.update(extra)
    return obj


async def read_events(resp: aiohttp.ClientResponse, count: int, timeout: float = 5.0) -> list[dict]:
    out: list[dict] = []

    async def go() -> None:
        while len(out) < count:
            line = await resp.content.readline()
            if not line:
                return
            out.append(json.loads(line))

    await asyncio.wait_for(go(), timeout)
    return out


async def collect(stream, n: int, timeout: float = 5.0, skip_bookmarks: bool = True) -> list[dict]:
    got: list[dict] = []

    async def go() -> None:
        async for ev in stream:
            if skip_bookmarks and ev["type"] == "BOOKMARK":
                continue
            got.append(ev)
            if len(got) >= n:
                return

    await asyncio.wait_for(go(), timeout)
    return got


async def test_list_then_watch_from_list_rv_sees_every_change_in_order(emulator, kube_api):
    v1 = client.CoreV1Api(kube_api)
    emulator.create(pod("a"))
    listed = await v1.list_namespaced_pod("default")
    assert [p.metadata.name for p in listed.items] == ["a"]
    assert listed.metadata.resource_version == str(emulator.resource_version)

    # changes made before the watch opens are replayed from history
    emulator.create(pod("b"))
    w = watch.Watch()
    stream = w.stream(
        v1.list_namespaced_pod, "default", resource_version=listed.metadata.resource_version, timeout_seconds=10
    )
    first = await collect(stream, 1)
    emulator.patch("v1", "Pod", "default", "a", {"metadata": {"labels": {"x": "1"}}})
    emulator.delete("v1", "Pod", "default", "b")
    emulator.create(pod("c", ns="other"))  # another namespace: not seen
    rest = await collect(stream, 2)
    w.stop()
    await w.close()

    events = [(e["type"], e["raw_object"]["metadata"]["name"]) for e in first + rest]
    assert events == [("ADDED", "b"), ("MODIFIED", "a"), ("DELETED", "b")]
    rvs = [int(e["raw_object"]["metadata"]["resourceVersion"]) for e in first + rest]
    assert rvs == sorted(rvs) and len(set(rvs)) == 3
    assert rest[0]["object"].metadata.labels == {"x": "1"}  # deserialised into V1Pod


async def test_all_namespaces_watch_and_synthetic_initial_state(emulator, kube_api):
    v1 = client.CoreV1Api(kube_api)
    emulator.create(pod("a", ns="n1"))
    emulator.create(pod("b", ns="n2"))
    w = watch.Watch()
    stream = w.stream(v1.list_pod_for_all_namespaces, timeout_seconds=10)  # no RV: current state first
    initial = await collect(stream, 2)
    assert sorted((e["type"], e["raw_object"]["metadata"]["namespace"]) for e in initial) == [
        ("ADDED", "n1"),
        ("ADDED", "n2"),
    ]
    emulator.create(pod("c", ns="n3"))
    live = await collect(stream, 1)
    assert live[0]["type"] == "ADDED" and live[0]["raw_object"]["metadata"]["name"] == "c"
    await w.close()


@pytest.mark.parametrize("spelling", ["true", "True", "1", "t"])
async def test_watch_param_spellings_all_mean_watch(emulator, http, spelling):
    emulator.create(pod("a"))
    async with http.get(f"/api/v1/namespaces/default/pods?watch={spelling}&timeoutSeconds=1") as resp:
        assert resp.status == 200
        assert resp.headers["Content-Type"].startswith("application/json")
        events = await read_events(resp, 1)
    assert events[0]["type"] == "ADDED" and events[0]["object"]["metadata"]["name"] == "a"


async def test_watch_false_is_a_list_and_bad_bool_is_400(emulator, http):
    emulator.create(pod("a"))
    async with http.get("/api/v1/namespaces/default/pods?watch=false") as resp:
        body = await resp.json()
        assert resp.status == 200 and body["kind"] == "PodList"
    async with http.get("/api/v1/namespaces/default/pods?watch=yes") as resp:
        body = await resp.json()
        assert resp.status == 400 and body["kind"] == "Status" and body["reason"] == "BadRequest"


async def test_bookmarks_carry_only_the_resource_version(emulator, kube_api):
    emulator.bookmark_interval = 0.1
    emulator.create(pod("a"))
    v1 = client.CoreV1Api(kube_api)
    w = watch.Watch()
    stream = w.stream(
        v1.list_namespaced_pod,
        "default",
        resource_version=str(emulator.resource_version),
        allow_watch_bookmarks=True,
        timeout_seconds=10,
    )
    events = await collect(stream, 2, skip_bookmarks=False)
    await w.close()
    assert [e["type"] for e in events] == ["BOOKMARK", "BOOKMARK"]
    obj = events[0]["raw_object"]
    assert obj == {"kind": "Pod", "apiVersion": "v1", "metadata": {"resourceVersion": str(emulator.resource_version)}}
    assert w.resource_version == str(emulator.resource_version)


async def test_no_bookmarks_unless_asked(emulator, http):
    emulator.bookmark_interval = 0.05
    async with http.get(f"/api/v1/pods?watch=1&timeoutSeconds=0.5&resourceVersion={emulator.resource_version}") as resp:
        body = await resp.read()
    assert body == b""


async def test_compact_makes_old_rv_watch_get_410_expired_error_event(emulator, http, kube_api):
    emulator.create(pod("a"))
    old = emulator.resource_version
    emulator.create(pod("b"))
    emulator.compact()
    async with http.get(f"/api/v1/namespaces/default/pods?watch=1&resourceVersion={old}") as resp:
        assert resp.status == 200
        events = await read_events(resp, 2)
    assert len(events) == 1, "the stream must end after the ERROR event"
    assert events[0]["type"] == "ERROR"
    status = events[0]["object"]
    assert status == {
        "kind": "Status",
        "apiVersion": "v1",
        "metadata": {},
        "status": "Failure",
        "message": f"too old resource version: {old} ({emulator.resource_version})",
        "reason": "Expired",
        "code": 410,
    }

    # kubernetes-asyncio surfaces it as ApiException(410) when it does not retry by itself
    v1 = client.CoreV1Api(kube_api)
    w = watch.Watch()
    with pytest.raises(ApiException) as exc:
        await collect(w.stream(v1.list_namespaced_pod, "default", resource_version=str(old), timeout_seconds=5), 1)
    assert exc.value.status == 410
    # watching from the current RV (what a relist returns) works again
    async with http.get(
        f"/api/v1/namespaces/default/pods?watch=1&timeoutSeconds=2&resourceVersion={emulator.resource_version}"
    ) as resp:
        emulator.create(pod("c"))
        events = await read_events(resp, 1)
    assert events[0]["type"] == "ADDED" and events[0]["object"]["metadata"]["name"] == "c"


async def test_history_limit_overflow_expires_old_resource_versions():
    emu = KubeEmulator(history_limit=3)
    await emu.start()
    try:
        for i in range(6):
            emu.create(pod(f"p{i}"))
        async with aiohttp.ClientSession(base_url=emu.url) as http:
            async with http.get("/api/v1/pods?watch=true&resourceVersion=1") as resp:
                events = await read_events(resp, 2)
            assert [e["type"] for e in events] == ["ERROR"]
            assert events[0]["object"]["code"] == 410
            assert events[0]["object"]["message"] == "too old resource version: 1 (3)"
            # the last three events are still replayable
            async with http.get("/api/v1/pods?watch=true&resourceVersion=3&timeoutSeconds=0.3") as resp:
                events = await read_events(resp, 5)
            assert [e["object"]["metadata"]["name"] for e in events] == ["p3", "p4", "p5"]
    finally:
        await emu.stop()


async def test_drop_watches_cuts_the_connection(emulator, kube_api):
    v1 = client.CoreV1Api(kube_api)
    emulator.create(pod("a"))
    w = watch.Watch()
    stream = w.stream(v1.list_namespaced_pod, "default", timeout_seconds=30)
    assert (await collect(stream, 1))[0]["type"] == "ADDED"
    assert emulator.watch_count == 1
    loop = asyncio.get_running_loop()
    started = loop.time()
    assert emulator.drop_watches() == 1
    with pytest.raises(aiohttp.ClientPayloadError):
        await collect(stream, 1)
    assert loop.time() - started < 2
    await w.close()
    await asyncio.sleep(0.05)
    assert emulator.watch_count == 0


async def test_label_selector_watch_turns_edges_into_added_and_deleted(emulator, kube_api):
    v1 = client.CoreV1Api(kube_api)
    w = watch.Watch()
    stream = w.stream(
        v1.list_namespaced_pod,
        "default",
        label_selector="app in (web),tier!=db",
        resource_version=str(emulator.resource_version),
        timeout_seconds=10,
    )
    emulator.create(pod("p1", labels={"app": "web"}))
    emulator.create(pod("p2", labels={"app": "batch"}))
    emulator.create(pod("p3", labels={"app": "web", "tier": "db"}))
    emulator.patch("v1", "Pod", "default", "p1", {"metadata": {"labels": {"app": "batch"}}})
    emulator.patch("v1", "Pod", "default", "p2", {"metadata": {"labels": {"app": "web"}}})
    emulator.patch("v1", "Pod", "default", "p2", {"metadata": {"annotations": {"a": "b"}}})
    events = await collect(stream, 4)
    await w.close()
    assert [(e["type"], e["raw_object"]["metadata"]["name"]) for e in events] == [
        ("ADDED", "p1"),
        ("DELETED", "p1"),
        ("ADDED", "p2"),
        ("MODIFIED", "p2"),
    ]


async def test_field_selector_watch(emulator, kube_api):
    v1 = client.CoreV1Api(kube_api)
    w = watch.Watch()
    stream = w.stream(
        v1.list_pod_for_all_namespaces,
        field_selector="metadata.name=want,status.phase=Running",
        resource_version=str(emulator.resource_version),
        timeout_seconds=10,
    )
    emulator.create(pod("other", status={"phase": "Running"}))
    emulator.create(pod("want", ns="x", status={"phase": "Pending"}))
    emulator.patch("v1", "Pod", "x", "want", {"status": {"phase": "Running"}})
    events = await collect(stream, 1)
    await w.close()
    assert [(e["type"], e["raw_object"]["metadata"]["name"]) for e in events] == [("ADDED", "want")]


async def test_send_initial_events_ends_with_marked_bookmark(emulator, http):
    emulator.create(pod("a"))
    emulator.create(pod("b"))
    url = (
        "/api/v1/namespaces/default/pods?watch=1&sendInitialEvents=true&allowWatchBookmarks=true"
        "&resourceVersionMatch=NotOlderThan&timeoutSeconds=3"
    )
    async with http.get(url) as resp:
        head = await read_events(resp, 3)
        emulator.create(pod("c"))
        live = await read_events(resp, 1)
    assert [(e["type"], e["object"]["metadata"].get("name")) for e in head] == [
        ("ADDED", "a"),
        ("ADDED", "b"),
        ("BOOKMARK", None),
    ]
    assert head[2]["object"]["metadata"]["annotations"] == {"k8s.io/initial-events-end": "true"}
    assert live[0]["type"] == "ADDED" and live[0]["object"]["metadata"]["name"] == "c"
    async with http.get("/api/v1/pods?watch=1&sendInitialEvents=true") as resp:
        assert resp.status == 422 and (await resp.json())["reason"] == "Invalid"


async def test_timeout_seconds_ends_the_stream_cleanly(emulator, http):
    loop = asyncio.get_running_loop()
    started = loop.time()
    async with http.get("/api/v1/pods?watch=1&timeoutSeconds=0.3") as resp:
        assert resp.status == 200
        assert await resp.read() == b""
    assert 0.25 <= loop.time() - started < 2


async def test_multi_version_crd_watch_serves_the_requested_version(emulator, http):
    emulator.create(
        {
            "apiVersion": "serving.yatai.ai/v2alpha1",
            "kind": "BentoDeployment",
            "metadata": {"name": "bd", "namespace": "default"},
            "spec": {"bento": "b"},
        }
    )
    async with http.get(
        "/apis/serving.yatai.ai/v1alpha1/namespaces/default/bentodeployments?watch=1&timeoutSeconds=1"
    ) as resp:
        events = await read_events(resp, 1)
    assert events[0]["object"]["apiVersion"] == "serving.yatai.ai/v1alpha1"
    got = emulator.get("serving.yatai.ai/v1alpha1", "BentoDeployment", "default", "bd")
    assert got is not None and got["apiVersion"] == "serving.yatai.ai/v1alpha1"


async def test_watch_from_a_future_resource_version_waits_for_it_like_the_watch_cache(emulator, http):
    """kube-apiserver's watch cache accepts a plain watch from a resourceVersion it has not
    reached (HTTP 200) and sends only events after it: no error, no bookmark below it."""
    emulator.create(pod("seen-before"))
    future = emulator.resource_version + 3
    async with http.get(
        f"/api/v1/namespaces/default/pods?watch=1&resourceVersion={future}&allowWatchBookmarks=true&timeoutSeconds=4"
    ) as resp:
        assert resp.status == 200
        for i in range(4):  # rv future-2 .. future+1: only the last one is after `future`
            emulator.create(pod(f"p{i}"))
        await asyncio.sleep(1.3)  # a bookmark interval passes: the store is past `future` now
        events = await read_events(resp, 2)
    assert events[0]["type"] == "ADDED" and events[0]["object"]["metadata"]["name"] == "p3"
    assert int(events[0]["object"]["metadata"]["resourceVersion"]) == future + 1
    assert events[1]["type"] == "BOOKMARK" and int(events[1]["object"]["metadata"]["resourceVersion"]) > future


async def test_watch_from_a_future_resource_version_sends_no_bookmark_below_it(emulator, http):
    future = emulator.resource_version + 100
    async with http.get(
        f"/api/v1/pods?watch=1&resourceVersion={future}&allowWatchBookmarks=true&timeoutSeconds=1.5"
    ) as resp:
        assert resp.status == 200
        assert await resp.read() == b""


async def test_watch_list_and_list_from_a_future_resource_version_are_too_large(emulator, http):
    """A watch-list (sendInitialEvents) gets an ERROR event, a list or get a 504 Status, each
    "Timeout: Too large resource version" with a ResourceVersionTooLarge cause."""
    emulator.create(pod("a"))
    current = emulator.resource_version
    future = current + 100
    async with http.get(
        f"/api/v1/pods?watch=1&sendInitialEvents=true&resourceVersionMatch=NotOlderThan"
        f"&allowWatchBookmarks=true&resourceVersion={future}"
    ) as resp:
        assert resp.status == 200
        events = await read_events(resp, 2)
    assert [e["type"] for e in events] == ["ERROR"]
    status = events[0]["object"]
    assert (status["code"], status["reason"]) == (504, "Timeout")
    assert status["message"] == f"Timeout: Too large resource version: {future}, current: {current}"
    assert status["details"]["causes"][0]["reason"] == "ResourceVersionTooLarge"
    for path in (
        f"/api/v1/pods?resourceVersion={future}",
        f"/api/v1/namespaces/default/pods/a?resourceVersion={future}",
    ):
        async with http.get(path) as resp:
            assert resp.status == 504
            body = await resp.json()
        assert body["reason"] == "Timeout" and body["message"].startswith(
            f"Timeout: Too large resource version: {future}"
        )
    async with http.get(f"/api/v1/pods?resourceVersion={current}") as resp:
        assert resp.status == 200
