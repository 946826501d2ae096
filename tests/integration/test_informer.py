"""The informer, session and connection against the emulator over real HTTP."""

import asyncio
import os

import pytest
import yaml

from inference_console.sources.kube.backoff import Backoff
from inference_console.sources.kube.connect import connect
from inference_console.sources.kube.errors import ConnectError, KubeError
from inference_console.sources.kube.informer import Informer
from inference_console.sources.kube.source import KubeSource
from inference_console.sources.kube.store import ObjectStore
from inference_console.sources.kube.transport import ResourceRef
from inference_console.state.store import KindState

PODS = ResourceRef("", "v1", "pods", True)
FAST = dict(backoff=Backoff(base=0.05, cap=0.2), slow_retry=0.2, read_timeout=5.0)


def pod(name, ns="default", labels=None):
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": name, "namespace": ns, "labels": labels or {}},
        "spec": {"containers": [{"name": "c", "image": "busybox"}]},
        "status": {"phase": "Running"},
    }


async def eventually(predicate, timeout=5.0, message="condition not met"):
    deadline = asyncio.get_running_loop().time() + timeout
    while asyncio.get_running_loop().time() < deadline:
        if predicate():
            return
        await asyncio.sleep(0.02)
    raise AssertionError(message)


def names(store):
    return sorted(o["metadata"]["name"] for o in store.values())


@pytest.fixture
async def transport(emulator, kubeconfig_path):
    tr, _info = await connect(str(kubeconfig_path))
    yield tr
    await tr.close()


async def test_list_then_watch_follows_changes(emulator, transport):
    emulator.create(pod("a"))
    emulator.create(pod("b"))
    store = ObjectStore("pods", kind="Pod", api_version="v1")
    informer = Informer(transport, PODS, store, namespace="default", **FAST)
    informer.start()
    try:
        await eventually(lambda: names(store) == ["a", "b"])
        assert store.status.state is KindState.LIVE
        emulator.create(pod("c"))
        emulator.patch("v1", "Pod", "default", "a", {"metadata": {"labels": {"x": "1"}}})
        emulator.delete("v1", "Pod", "default", "b")
        await eventually(lambda: names(store) == ["a", "c"])
        await eventually(
            lambda: next(o for o in store.values() if o["metadata"]["name"] == "a")["metadata"]["labels"] == {"x": "1"}
        )
        assert informer.lists == 1
        assert (
            store.resource_version == str(emulator.resource_version)
            or int(store.resource_version) <= emulator.resource_version
        )
    finally:
        await informer.stop()


async def test_dropped_connection_resumes_watch_without_relist(emulator, transport):
    emulator.create(pod("a"))
    store = ObjectStore("pods")
    informer = Informer(transport, PODS, store, namespace="default", **FAST)
    informer.start()
    try:
        await eventually(lambda: names(store) == ["a"])
        for round_ in range(3):
            before = informer.watches
            await eventually(lambda: emulator.watch_count > 0, message="the informer is watching")
            emulator.drop_watches()
            await eventually(lambda: informer.watches > before, message="the informer watches again")
            emulator.create(pod(f"after-drop-{round_}"))
        await eventually(lambda: len(store) == 4, message=f"have {names(store)}")
        assert informer.lists == 1, "a dropped watch must resume from its resourceVersion, not relist"
        assert informer.watches >= 4
        assert store.status.state is KindState.LIVE
    finally:
        await informer.stop()


async def test_410_gone_relists_and_reconciles_deletions(emulator, transport, kubeconfig_path):
    emulator.create(pod("keep"))
    emulator.create(pod("vanish"))
    store = ObjectStore("pods")
    informer = Informer(transport, PODS, store, namespace="default", **FAST)
    informer.start()
    try:
        await eventually(lambda: names(store) == ["keep", "vanish"])
        # Make changes the informer cannot see, then forget history: its resume gets 410.
        port = int(emulator.url.rsplit(":", 1)[1])
        await emulator.stop()
        emulator.delete("v1", "Pod", "default", "vanish")
        emulator.create(pod("new"))
        emulator.compact()
        await emulator.start(host="127.0.0.1", port=port)
        await eventually(lambda: names(store) == ["keep", "new"], timeout=10, message=f"have {names(store)}")
        assert informer.lists >= 2, "410 must trigger a relist"
        changes = store.take_changes()
        assert any(o["metadata"]["name"] == "new" for o in changes.upserted.values())
        assert len(changes.deleted) == 1
        assert store.status.state is KindState.LIVE
    finally:
        await informer.stop()


async def test_410_error_event_during_watch_relists(emulator, transport):
    emulator.create(pod("a"))
    store = ObjectStore("pods")
    informer = Informer(transport, PODS, store, namespace="default", **FAST)
    informer.start()
    try:
        await eventually(lambda: names(store) == ["a"])
        emulator.compact()
        emulator.drop_watches()
        emulator.create(pod("b"))
        await eventually(lambda: names(store) == ["a", "b"])
        await eventually(lambda: informer.lists >= 2 or informer.watches >= 2)
    finally:
        await informer.stop()


async def test_label_selector_scopes_the_informer(emulator, transport):
    emulator.create(pod("a", labels={"app": "qwen"}))
    emulator.create(pod("b", labels={"app": "llama"}))
    store = ObjectStore("pods")
    informer = Informer(transport, PODS, store, namespace="default", label_selector="app=qwen", **FAST)
    informer.start()
    try:
        await eventually(lambda: names(store) == ["a"])
        emulator.create(pod("c", labels={"app": "qwen"}))
        emulator.create(pod("d", labels={"app": "other"}))
        await eventually(lambda: names(store) == ["a", "c"])
        await asyncio.sleep(0.2)
        assert names(store) == ["a", "c"]
    finally:
        await informer.stop()


async def test_forbidden_kind_is_marked_and_others_keep_working(emulator, kubeconfig_path):
    emulator.deny("pods")
    emulator.create(
        {
            "apiVersion": "apps/v1",
            "kind": "Deployment",
            "metadata": {"name": "d", "namespace": "default"},
            "spec": {
                "replicas": 1,
                "selector": {"matchLabels": {"a": "b"}},
                "template": {"metadata": {"labels": {"a": "b"}}, "spec": {"containers": [{"name": "c", "image": "x"}]}},
            },
        }
    )
    transport, info = await connect(str(kubeconfig_path))
    session = KubeSource(transport, info, on_store_change=lambda s: None, informer_options=FAST)
    try:
        await session.discover()
        pods = session.ensure("pods")
        deployments = session.ensure("deployments")
        await eventually(lambda: pods.status.state is KindState.FORBIDDEN)
        assert "forbidden" in pods.status.reason.lower()
        await eventually(lambda: deployments.status.state is KindState.LIVE and len(deployments) == 1)
    finally:
        await session.close()


async def test_discovery_resolves_catalog_and_lists_other_crds(emulator, kubeconfig_path, shared_dir):
    from inference_console.sandbox.apiserver import KubeEmulator  # noqa: F401  (the fixture's server)

    for doc in yaml.safe_load_all(
        (shared_dir / "fixtures/crds/kserve/serving.kserve.io_servingruntimes.yaml").read_text()
    ):
        if doc:
            emulator.install_crd(doc)
    transport, info = await connect(str(kubeconfig_path))
    session = KubeSource(transport, info, on_store_change=lambda s: None, informer_options=FAST)
    try:
        catalog = await session.discover()
        assert "inferenceservices.serving.kserve.io" in catalog.installed
        assert "pods" in catalog.installed
        mr = next(s for s in catalog.kinds if s.kind == "ModelRegistry")
        assert mr.group == "modelregistry.opendatahub.io"
        extra = {s.key: s for s in catalog.extra}
        assert "servingruntimes.serving.kserve.io" in extra
        sr = extra["servingruntimes.serving.kserve.io"]
        crd_cols = [
            c["name"].upper()
            for c in next(
                d
                for d in yaml.safe_load_all(
                    (shared_dir / "fixtures/crds/kserve/serving.kserve.io_servingruntimes.yaml").read_text()
                )
                if d
            )["spec"]["versions"][0].get("additionalPrinterColumns", [])
        ]
        for col in crd_cols:
            assert col in [c.name.upper() for c in sr.columns]
        # A generic kind can be listed live too.
        emulator.create(
            {
                "apiVersion": "serving.kserve.io/v1alpha1",
                "kind": "ServingRuntime",
                "metadata": {"name": "vllm", "namespace": info.namespace},
                "spec": {"containers": []},
            }
        )
        store = session.ensure("servingruntimes.serving.kserve.io")
        await eventually(lambda: len(store) == 1)
    finally:
        await session.close()


async def test_not_installed_kind_is_greyed_not_an_error(tmp_path):
    from inference_console.sandbox.apiserver import KubeEmulator, write_kubeconfig

    bare = KubeEmulator()  # no CRDs installed at all
    await bare.start(host="127.0.0.1", port=0)
    transport, info = await connect(str(write_kubeconfig(tmp_path / "kc", bare.url)))
    session = KubeSource(transport, info, on_store_change=lambda s: None, informer_options=FAST)
    try:
        catalog = await session.discover()
        missing = [k for k in session.specs if k not in catalog.installed and not session.is_extra(k)]
        assert missing, "some catalog kind (e.g. the kubeflow.org ModelRegistry group or a Yatai kind) should be absent"
        assert "inferenceservices.serving.kserve.io" in missing
        store = session.ensure("inferenceservices.serving.kserve.io")
        assert store.status.state is KindState.NOT_INSTALLED
        assert session.informer("inferenceservices.serving.kserve.io") is None
        pods = session.ensure("pods")
        await eventually(lambda: pods.status.state is KindState.LIVE)
    finally:
        await session.close()
        await bare.stop()


async def test_expired_token_gives_clear_401(emulator, tmp_path):
    from inference_console.sandbox.apiserver import write_kubeconfig

    emulator.require_token("good-token")
    path = write_kubeconfig(tmp_path / "kc", emulator.url, token="expired-token")
    transport, info = await connect(str(path))
    session = KubeSource(transport, info, on_store_change=lambda s: None)
    try:
        with pytest.raises(KubeError) as err:
            await session.discover()
        assert err.value.code == 401 and "unauthorized" in err.value.summary().lower()
    finally:
        await session.close()
    good = write_kubeconfig(tmp_path / "kc2", emulator.url, token="good-token")
    transport, info = await connect(str(good))
    session = KubeSource(transport, info, on_store_change=lambda s: None)
    try:
        await session.discover()
    finally:
        await session.close()


async def test_unreachable_cluster_is_a_connection_error(tmp_path):
    import socket

    from inference_console.sandbox.apiserver import write_kubeconfig

    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()  # nothing listens there now
    path = write_kubeconfig(tmp_path / "kc", f"http://127.0.0.1:{port}")
    transport, info = await connect(str(path))
    try:
        with pytest.raises(KubeError) as err:
            await transport.get("/api/v1")
        assert err.value.code == 0 and "connection failed" in err.value.summary()
    finally:
        await transport.close()


@pytest.mark.parametrize(
    "content,needle",
    [
        ("clusters: [\n  - {name: a\n", "kubeconfig"),
        ("apiVersion: v1\nkind: Config\nclusters: []\ncontexts: []\nusers: []\ncurrent-context: nope\n", "kubeconfig"),
    ],
)
async def test_malformed_kubeconfig_is_a_clear_error(tmp_path, content, needle):
    path = tmp_path / "kc"
    path.write_text(content)
    with pytest.raises(ConnectError) as err:
        await connect(str(path))
    assert str(path) in str(err.value)


async def test_missing_kubeconfig_mentions_demo(tmp_path, monkeypatch):
    monkeypatch.delenv("KUBERNETES_SERVICE_HOST", raising=False)
    monkeypatch.setenv("KUBECONFIG", str(tmp_path / "absent"))
    with pytest.raises(ConnectError, match="demo"):
        await connect(None)


async def test_kubeconfig_env_merges_several_files(emulator, tmp_path, monkeypatch):
    from inference_console.sandbox.apiserver import write_kubeconfig

    first = write_kubeconfig(tmp_path / "one", "http://127.0.0.1:1", context="broken", cluster="c1", user="u1")
    second = write_kubeconfig(
        tmp_path / "two", emulator.url, context="sandbox-2", cluster="c2", user="u2", namespace="team-b"
    )
    monkeypatch.setenv("KUBECONFIG", os.pathsep.join([str(first), str(second)]))
    transport, info = await connect(None, context="sandbox-2")
    try:
        assert set(info.contexts) >= {"broken", "sandbox-2"}
        assert info.namespace == "team-b" and info.server == emulator.url
        body = await transport.get("/api/v1")
        assert body["kind"] == "APIResourceList"
    finally:
        await transport.close()
    # The first file's current-context wins, as with kubectl.
    transport, info = await connect(None)
    try:
        assert info.context == "broken"
    finally:
        await transport.close()


async def test_stop_does_not_swallow_the_callers_cancellation(emulator, transport):
    store = ObjectStore("pods")
    informer = Informer(transport, PODS, store, namespace="default", **FAST)
    informer.start()
    await eventually(lambda: store.loaded)
    stopping = asyncio.ensure_future(informer.stop())
    await asyncio.sleep(0)  # stop() is waiting for the informer task...
    stopping.cancel()  # ...when its caller is cancelled
    with pytest.raises(asyncio.CancelledError):
        await stopping
    assert not informer.running


async def test_watches_closed_at_once_are_retried_with_backoff_not_in_a_loop(tmp_path):
    """A proxy that ends every watch immediately must not turn the informer into a request loop."""
    from aiohttp import web

    from inference_console.sandbox.apiserver import write_kubeconfig

    watches = 0

    async def pods(request):
        nonlocal watches
        if request.query.get("watch") == "true":
            watches += 1
            return web.Response(body=b"", content_type="application/json")  # 200, then EOF at once
        return web.json_response(
            {"kind": "PodList", "apiVersion": "v1", "metadata": {"resourceVersion": "7"}, "items": [pod("a")]}
        )

    app = web.Application()
    app.router.add_get("/api/v1/namespaces/default/pods", pods)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # noqa: SLF001
    transport, _info = await connect(str(write_kubeconfig(tmp_path / "kc", f"http://127.0.0.1:{port}")))
    store = ObjectStore("pods")
    informer = Informer(
        transport,
        PODS,
        store,
        namespace="default",
        backoff=Backoff(base=0.1, cap=0.4),
        slow_retry=0.2,
        read_timeout=5.0,
    )
    informer.start()
    try:
        await eventually(lambda: names(store) == ["a"])
        await asyncio.sleep(1.0)
        assert watches <= 12, f"{watches} watch requests in about a second"
        assert names(store) == ["a"]
    finally:
        await informer.stop()
        await transport.close()
        await runner.cleanup()
