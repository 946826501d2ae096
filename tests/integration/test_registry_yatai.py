"""The Yatai source against a real PostgreSQL (pgserver, Yatai's migrations) and a real S3 (moto)."""

from __future__ import annotations

import asyncio
import http.server
import threading
from typing import Any

import pytest

from inference_console.catalog.view import KindView
from inference_console.sandbox.scenario import seed_objects
from inference_console.settings.endpoints import S3Settings, YataiSettings
from inference_console.sources.base import SourceInfo
from inference_console.sources.registries import BENTODEPLOYMENTS, BENTOS_CR, DEPLOYMENTS
from inference_console.sources.yatai.source import YataiSource
from inference_console.sources.yatai.view import BENTO_REPOS, BENTOS, MODELS
from inference_console.state.store import KindState, RecordStore
from inference_console.state.workspace import Workspace
from tests import registry_servers as servers

PASSWORD_ENV = "IC_TEST_YATAI_PASSWORD"


class FakeCluster:
    """The cluster's stores the links join with, filled from the demo scenario."""

    name = "kube"

    def __init__(self) -> None:
        self.stores = {
            key: RecordStore(key, key_of=lambda o: o["metadata"]["uid"])
            for key in (BENTODEPLOYMENTS, DEPLOYMENTS, BENTOS_CR)
        }

    async def start(self, ws: Workspace) -> None:
        kinds = {BENTODEPLOYMENTS: "BentoDeployment", DEPLOYMENTS: "Deployment", BENTOS_CR: "Bento"}
        objects = seed_objects()
        for key, store in self.stores.items():
            store.on_change = ws.on_change
            ws.register(self, KindView(key=key, kind=kinds[key]), store)
            store.replace([o for o in objects if o["kind"] == kinds[key]])
            store.set_status(KindState.LIVE)

    async def stop(self) -> None: ...
    async def set_scope(self, scope) -> None: ...
    def ensure(self, key: str, pinned: bool = False) -> None: ...
    def serves(self, key: str) -> bool:
        return True

    def describe(self) -> SourceInfo:
        return SourceInfo("kube", "ready")

    async def fetch(self, key: str, record: dict[str, Any]) -> dict[str, Any]:
        return record


async def until(predicate, timeout: float = 8.0, what: str = "condition") -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not predicate():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.02)


def settings(dsn: str, **kw: Any) -> YataiSettings:
    return YataiSettings(dsn=dsn, password_env=PASSWORD_ENV, statement_timeout=5.0, **kw)


@pytest.fixture
def password(monkeypatch):
    monkeypatch.setenv(PASSWORD_ENV, servers.PG_PASSWORD)
    return servers.PG_PASSWORD


async def started(yatai: YataiSource, cluster: bool = True) -> Workspace:
    ws = Workspace(interval=0.01)
    if cluster:
        await ws.start_source(FakeCluster())
    await ws.start_source(yatai)
    return ws


async def test_lists_bentos_models_repositories_and_links_to_what_runs(password):
    dsn = servers.database("yatai_demo")
    source = YataiSource(settings(dsn, sslmode="disable", pool_size=2), poll=60)
    ws = await started(source)
    try:
        bentos = ws.stores[BENTOS]
        await until(lambda: bentos.status.state is KindState.LIVE and ws.stores[BENTO_REPOS].loaded, what="Yatai rows")
        iris = bentos.get("iris_classifier:nxapohu4codzplg6")
        assert (
            iris["creator"] == "alice" and iris["uploadStatus"] == "success" and iris["imageBuildStatus"] == "success"
        )
        assert iris["metadata"]["labels"] == {"team": "ml-platform", "stage": "prod"}
        assert iris["models"] == ["iris_clf:nxapohu4"] and iris["sizeBytes"] > 0
        assert iris["links"] == [f"{BENTODEPLOYMENTS}/bentoml/iris-classifier"]
        # fraud-detector's workloads still run the previous version while the new one failed to build.
        assert bentos.get("fraud_detector:hz4ad2lqy2vcrlg6")["links"] == [f"{BENTODEPLOYMENTS}/bentoml/fraud-detector"]
        failed = bentos.get("fraud_detector:q2tmz5fkwkp4mlg7")
        assert (
            failed["links"] == [] and bentos.verdict("fraud_detector:q2tmz5fkwkp4mlg7").reason == "image build failed"
        )
        assert "upload failed" in bentos.verdict("iris_classifier:zz9upl0adfailed1").reason
        assert ws.stores[MODELS].get("iris_clf:nxapohu4")["usedBy"][0].startswith("iris_classifier:")
        repo = ws.stores[BENTO_REPOS].get("iris_classifier")
        assert repo["versions"] == 4 and repo["deployed"] == 1
        # The overview is told once the whole read (links included) is done: a moment after the rows.
        await until(lambda: ws.stores["registries"].get("yatai")["state"] == "ready", what="the overview")
        overview = ws.stores["registries"].get("yatai")
        assert overview["kind"] == "Yatai" and overview["state"] == "ready"
        assert servers.PG_PASSWORD not in str(overview)
    finally:
        await ws.close()


async def test_wrong_password_is_a_clear_state_without_the_secret(monkeypatch):
    monkeypatch.setenv(PASSWORD_ENV, "not-the-password-77")
    source = YataiSource(settings(servers.database("yatai_demo")), retry=(0.2, 0.5))
    ws = await started(source, cluster=False)
    try:
        store = ws.stores[BENTOS]
        await until(lambda: store.status.state is KindState.ERROR, what="the error state")
        assert "password authentication failed" in store.status.reason
        assert "not-the-password-77" not in store.status.reason and "retrying" in store.status.reason
        assert "not-the-password-77" not in str(source.describe())
    finally:
        await ws.close()


async def test_unreachable_database_and_unset_variable(monkeypatch, password):
    port = servers.free_port()
    source = YataiSource(
        YataiSettings(host="127.0.0.1", port=port, user="postgres", password_env=PASSWORD_ENV), retry=(0.2, 0.5)
    )
    ws = await started(source, cluster=False)
    try:
        store = ws.stores[BENTOS]
        await until(lambda: store.status.state is KindState.ERROR, what="the error state")
        assert "cannot reach the Yatai database" in store.status.reason and f":{port}/" in store.status.reason
    finally:
        await ws.close()
    monkeypatch.delenv(PASSWORD_ENV)
    source = YataiSource(settings(servers.database("yatai_demo")), retry=(0.2, 0.5))
    ws = await started(source, cluster=False)
    try:
        store = ws.stores[BENTOS]
        await until(lambda: store.status.state is KindState.ERROR, what="the error state")
        assert f"the environment variable {PASSWORD_ENV} is not set" in store.status.reason
    finally:
        await ws.close()


async def test_a_schema_that_differs_names_what_is_missing(password):
    dsn = servers.database(
        "yatai_old", drop="ALTER TABLE bento DROP COLUMN image_build_status; DROP TABLE bento_model_rel"
    )
    source = YataiSource(settings(dsn), retry=(0.2, 0.5))
    ws = await started(source, cluster=False)
    try:
        store = ws.stores[BENTOS]
        await until(lambda: store.status.state is KindState.ERROR, what="the error state")
        assert "table bento has no column image_build_status" in store.status.reason
        assert "table bento_model_rel is missing" in store.status.reason
    finally:
        await ws.close()


async def test_ten_thousand_versions_arrive_progressively(password):
    dsn = servers.database("yatai_bulk", bulk=10_000)
    source = YataiSource(settings(dsn), poll=60)
    ws = await started(source, cluster=False)
    seen: list[int] = []
    ws.listen(lambda changes: seen.append(len(ws.stores[BENTOS])) if BENTOS in changes else None)
    try:
        store = ws.stores[BENTOS]
        await until(lambda: store.status.state is KindState.LIVE, timeout=9, what="10,000 rows")
        assert len(store) == 10_000 and store.failing_count == 10_000 // 97
        assert seen and seen[0] < 10_000  # rows were on screen before the last page arrived
    finally:
        await ws.close()


# ---------------------------------------------------------------------------- S3
def _s3_client(endpoint: str):
    import boto3

    return boto3.client(
        "s3", endpoint_url=endpoint, region_name="us-east-1", aws_access_key_id="test", aws_secret_access_key="test"
    )


async def test_s3_size_presigned_url_and_a_missing_object(password, monkeypatch):
    endpoint = servers.moto_s3()
    client = _s3_client(endpoint)
    client.create_bucket(Bucket="yatai-demo")
    client.put_object(
        Bucket="yatai-demo", Key="bentos/default/iris_classifier/nxapohu4codzplg6.tar.gz", Body=b"x" * 4096
    )
    monkeypatch.setenv("IC_TEST_S3_SECRET", "test")
    s3 = S3Settings(
        endpoint_url=endpoint,
        region="us-east-1",
        bucket="yatai-demo",
        path_style=True,
        access_key_id="test",
        secret_access_key_env="IC_TEST_S3_SECRET",
    )
    source = YataiSource(settings(servers.database("yatai_demo")), s3, poll=60)
    ws = await started(source, cluster=False)
    try:
        store = ws.stores[BENTOS]
        await until(lambda: store.status.state is KindState.LIVE, what="rows")
        got = await ws.fetch(BENTOS, store.get("iris_classifier:nxapohu4codzplg6"))
        assert got["object"]["size"] == 4096 and got["object"]["presignedUrl"].startswith(endpoint)
        import httpx

        async with httpx.AsyncClient() as http:
            assert (await http.get(got["object"]["presignedUrl"])).content == b"x" * 4096
        assert store.get("iris_classifier:nxapohu4codzplg6")["object"]["size"] == 4096  # kept for the Summary
        missing = await ws.fetch(BENTOS, store.get("sentiment_analysis:k3x7r2vqagmhwlg5"))
        assert "does not exist (404)" in missing["object"]["error"]
        assert store.verdict("sentiment_analysis:k3x7r2vqagmhwlg5").state.name == "FAILED"
    finally:
        await ws.close()


class _Forbidden(http.server.BaseHTTPRequestHandler):
    def do_HEAD(self):  # noqa: N802
        self.send_response(403)
        self.send_header("Content-Type", "application/xml")
        self.end_headers()

    def log_message(self, *args):  # quiet
        pass


async def test_s3_403_is_said_in_words(password):
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Forbidden)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        s3 = S3Settings(
            endpoint_url=f"http://127.0.0.1:{server.server_address[1]}",
            bucket="b",
            path_style=True,
            access_key_id="AKIDEXAMPLE",
            secret_access_key="very-secret-key",
        )
        source = YataiSource(settings(servers.database("yatai_demo")), s3, poll=60)
        ws = await started(source, cluster=False)
        try:
            store = ws.stores[BENTOS]
            await until(lambda: store.status.state is KindState.LIVE, what="rows")
            got = await ws.fetch(BENTOS, store.get("iris_classifier:nxapohu4codzplg6"))
            assert "forbidden" in got["object"]["error"] and "(403)" in got["object"]["error"]
            assert "very-secret-key" not in str(got)
        finally:
            await ws.close()
    finally:
        server.shutdown()
