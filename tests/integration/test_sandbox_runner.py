"""The demo Sandbox end to end: a real emulator in a background thread, seeded, reached
through a written kubeconfig with kubernetes-asyncio (the app's own code path)."""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from urllib.parse import urlparse

import pytest
import yaml
from kubernetes_asyncio import client, config, watch

from inference_console.sandbox.controller import SimulatedController
from inference_console.sandbox.runner import Sandbox

ISVC = ("serving.kserve.io", "v1beta1", "inferenceservices")


@pytest.fixture
def sandbox():
    sb = Sandbox(controller=False)
    sb.start(timeout=20)
    try:
        yield sb
    finally:
        sb.stop()


@pytest.fixture
async def api(sandbox, tmp_path):
    path = sandbox.write_kubeconfig(tmp_path / "kubeconfig")
    cfg = client.Configuration()
    await config.load_kube_config(config_file=str(path), client_configuration=cfg)
    async with client.ApiClient(cfg) as api:
        yield api


def seeded(sb: Sandbox, kind: str, ns: str, name: str) -> dict:
    for o in sb.seed_result.objects:
        md = o["metadata"]
        if o["kind"] == kind and md.get("namespace") == ns and md["name"] == name:
            return o
    raise AssertionError((kind, ns, name))


async def call(sb: Sandbox, fn, *args):
    """sb.call from a worker thread, so this test's loop keeps reading watch streams."""
    return await asyncio.to_thread(sb.call, fn, *args)


async def collect(stream, pred, want: int, timeout: float = 10.0) -> list[dict]:
    got: list[dict] = []

    async def go() -> None:
        async for ev in stream:
            if pred(ev):
                got.append(ev)
                if len(got) >= want:
                    return

    await asyncio.wait_for(go(), timeout)
    return got


def test_start_returns_a_listening_loopback_url(sandbox):
    u = urlparse(sandbox.url)
    assert u.scheme == "http" and u.hostname == "127.0.0.1" and u.port
    with socket.create_connection((u.hostname, u.port), timeout=2):
        pass
    assert sandbox.running
    assert sandbox.thread is not threading.current_thread()
    assert isinstance(sandbox.controller, SimulatedController)


def test_kubeconfig(sandbox, tmp_path):
    path = sandbox.write_kubeconfig(tmp_path / "kc" / "config")
    doc = yaml.safe_load(path.read_text())
    assert doc["current-context"] == "sandbox"
    ctx = next(c for c in doc["contexts"] if c["name"] == "sandbox")["context"]
    assert ctx["namespace"] == "llm-prod"
    cluster = next(c for c in doc["clusters"] if c["name"] == ctx["cluster"])["cluster"]
    assert cluster["server"] == sandbox.url


async def test_lists_inferenceservices_through_kubeconfig(sandbox, api):
    objs = client.CustomObjectsApi(api)
    listed = await objs.list_namespaced_custom_object(*ISVC[:2], "llm-prod", ISVC[2])
    names = {i["metadata"]["name"] for i in listed["items"]}
    assert {"qwen-chat", "llama3-8b", "gemma-9b", "llama-70b", "mistral-7b"} <= names
    everywhere = await objs.list_cluster_custom_object(*ISVC)
    assert len(everywhere["items"]) == sum(1 for o in sandbox.seed_result.objects if o["kind"] == "InferenceService")
    # BentoDeployments are served at their storage version (v2alpha1) and the older ones.
    bds = await objs.list_namespaced_custom_object("serving.yatai.ai", "v2alpha1", "bentoml", "bentodeployments")
    assert len(bds["items"]) == 4
    stacks = await objs.list_namespaced_custom_object("doublewordai.co", "v1alpha1", "takeoff", "inferencestacks")
    assert {s["metadata"]["name"] for s in stacks["items"]} == {"chat-stack", "batch-stack"}


async def test_seed_keeps_uids_and_ages(sandbox, api):
    """Restored, not re-created: ownerReferences line up and ages look natural."""
    v1 = client.CoreV1Api(api)
    apps = client.AppsV1Api(api)
    objs = client.CustomObjectsApi(api)
    isvc = await objs.get_namespaced_custom_object(*ISVC[:2], "llm-prod", ISVC[2], "llama3-8b")
    seed_isvc = seeded(sandbox, "InferenceService", "llm-prod", "llama3-8b")
    assert isvc["metadata"]["uid"] == seed_isvc["metadata"]["uid"]
    assert isvc["metadata"]["creationTimestamp"] == seed_isvc["metadata"]["creationTimestamp"]
    pods = await v1.list_namespaced_pod(
        "llm-prod", label_selector="serving.kserve.io/inferenceservice=llama3-8b,component=predictor"
    )
    assert len(pods.items) == 2
    rs_name = pods.items[0].metadata.owner_references[0].name
    rs = await apps.read_namespaced_replica_set(rs_name, "llm-prod")
    assert rs.metadata.uid == pods.items[0].metadata.owner_references[0].uid
    dep = await apps.read_namespaced_deployment(rs.metadata.owner_references[0].name, "llm-prod")
    assert dep.metadata.owner_references[0].uid == isvc["metadata"]["uid"]
    ages = {p.metadata.creation_timestamp.date() for p in (await v1.list_pod_for_all_namespaces()).items}
    assert len(ages) > 3


async def test_controller_step_produces_modified_events_seen_by_watch(sandbox, api):
    v1 = client.CoreV1Api(api)
    role = sandbox.controller.roles["crashloop"]
    listed = await v1.list_namespaced_pod(role["namespace"])
    before = next(p for p in listed.items if p.metadata.name == role["pod"])
    restarts = before.status.container_statuses[0].restart_count
    w = watch.Watch()
    stream = w.stream(
        v1.list_namespaced_pod, role["namespace"], resource_version=listed.metadata.resource_version, timeout_seconds=30
    )
    try:
        for _ in range(4):  # one full crash cycle: backoff, backoff, running, OOMKilled
            await call(sandbox, sandbox.controller.step)
        evs = await collect(stream, lambda e: e["type"] == "MODIFIED" and e["object"].metadata.name == role["pod"], 2)
    finally:
        w.stop()
    states = [e["object"].status.container_statuses[0] for e in evs]
    assert states[0].restart_count == restarts + 1 and states[0].state.running is not None
    assert states[1].state.terminated.reason == "OOMKilled"
    # The events' counts grew too (MODIFIED Events, not only new ones).
    events = await v1.list_namespaced_event(role["namespace"], field_selector=f"involvedObject.name={role['pod']}")
    backoff = [e for e in events.items if e.reason == "BackOff"]
    assert backoff and backoff[0].count > 512


async def test_event_watch_sees_counts_bump(sandbox, api):
    v1 = client.CoreV1Api(api)
    listed = await v1.list_event_for_all_namespaces()
    w = watch.Watch()
    stream = w.stream(
        v1.list_event_for_all_namespaces, resource_version=listed.metadata.resource_version, timeout_seconds=30
    )
    try:
        for _ in range(2):
            await call(sandbox, sandbox.controller.step)
        evs = await collect(stream, lambda e: e["type"] == "MODIFIED" and e["object"].reason == "FailedScheduling", 1)
    finally:
        w.stop()
    assert evs[0]["object"].count >= 62
    assert evs[0]["object"].type == "Warning"


async def test_canary_rollout_progresses_to_promotion(sandbox, api):
    objs = client.CustomObjectsApi(api)
    apps = client.AppsV1Api(api)
    role = sandbox.controller.roles["canary"]

    async def isvc():
        return await objs.get_namespaced_custom_object(*ISVC[:2], role["namespace"], ISVC[2], role["isvc"])

    seen = []
    for _ in range(12):
        await call(sandbox, sandbox.controller.step)
        cur = await isvc()
        pct = cur["spec"]["predictor"].get("canaryTrafficPercent")
        if not seen or seen[-1] != pct:
            seen.append(pct)
        if pct is None:
            break
    assert seen == [10, 50, 100, None]
    traffic = cur["status"]["components"]["predictor"]["traffic"]
    assert len(traffic) == 1 and traffic[0]["percent"] == 100
    assert traffic[0]["revisionName"] == "mistral-7b-predictor-00002"
    ready = next(c for c in cur["status"]["conditions"] if c["type"] == "Ready")
    assert ready["status"] == "True"
    assert cur["status"]["observedGeneration"] == cur["metadata"]["generation"]
    old = await apps.read_namespaced_deployment("mistral-7b-predictor-00001-deployment", role["namespace"])
    assert old.spec.replicas == 0
    # After a pause, the next revision starts rolling out.
    for _ in range(12):
        await call(sandbox, sandbox.controller.step)
        if (await isvc())["spec"]["predictor"].get("canaryTrafficPercent") == 10:
            break
    cur = await isvc()
    assert cur["status"]["components"]["predictor"]["latestCreatedRevision"] == "mistral-7b-predictor-00003"
    pods = await client.CoreV1Api(api).list_namespaced_pod(
        role["namespace"], label_selector="serving.knative.dev/revision=mistral-7b-predictor-00003"
    )
    assert len(pods.items) == 1


async def test_controller_writes_are_cheap(sandbox):
    """A tick touches a handful of objects, not the cluster."""
    emu = sandbox.emulator
    for _ in range(30):
        rv = await call(sandbox, lambda: emu.resource_version)
        await call(sandbox, sandbox.controller.step)
        after = await call(sandbox, lambda: emu.resource_version)
        assert after - rv <= 30


def test_call_runs_on_the_sandbox_thread_and_propagates_errors(sandbox):
    assert sandbox.call(threading.current_thread) is sandbox.thread
    assert sandbox.call(lambda a, b=0: a + b, 2, b=3) == 5
    with pytest.raises(ZeroDivisionError):
        sandbox.call(lambda: 1 / 0)

    async def coro():
        await asyncio.sleep(0)
        return "awaited"

    assert sandbox.call(coro) == "awaited"
    # Mutations through call() are seen by the server.
    emu = sandbox.emulator
    sandbox.call(emu.delete, "v1", "Secret", "llm-prod", "hf-token")
    assert sandbox.call(emu.get, "v1", "Secret", "llm-prod", "hf-token") is None


def test_stop_ends_the_thread():
    sb = Sandbox(controller=True, tick=0.05)
    url = sb.start()
    thread = sb.thread
    assert thread.is_alive()
    sb.stop()
    assert not thread.is_alive()
    u = urlparse(url)
    with pytest.raises(OSError):
        socket.create_connection((u.hostname, u.port), timeout=1).close()
    sb.stop()  # idempotent
    with pytest.raises(RuntimeError):
        sb.call(lambda: None)


def test_running_controller_ticks_on_its_own():
    with Sandbox(controller=True, tick=0.05) as sb:
        role = sb.controller.roles["crashloop"]
        emu = sb.emulator

        def restarts():
            pod = emu.get("v1", "Pod", role["namespace"], role["pod"])
            return pod["status"]["containerStatuses"][0]["restartCount"]

        first = sb.call(restarts)
        deadline = time.monotonic() + 10
        while sb.call(restarts) <= first and time.monotonic() < deadline:
            time.sleep(0.05)
        assert sb.call(restarts) > first
        assert sb.controller.ticks > 2


def test_scale_10k_seeds_all_pods():
    """10,000 extra pods are served (how fast: tests/bench/bench_seed.py, beside its floor)."""
    sb = Sandbox(scale=10_000, controller=False)
    sb.start(timeout=120)
    try:
        n = sb.call(lambda: len(sb.emulator.list("v1", "Pod", label_selector="app=load-generator")))
        assert n == 10_000
    finally:
        sb.stop()


def test_start_failure_is_reported():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        port = s.getsockname()[1]
        sb = Sandbox(controller=False, port=port)
        with pytest.raises(RuntimeError):
            sb.start(timeout=10)
        assert not sb.thread.is_alive()


def test_same_seed_same_story():
    def run() -> list[list[str]]:
        with Sandbox(controller=False) as sb:
            fixed = sb.controller
            return [[c.split(" x")[0] for c in sb.call(fixed.step)] for _ in range(16)]

    assert run() == run()
