"""The Model Registry source against the project's server, every request and response checked
against the real OpenAPI spec (openapi-core): a response that does not match fails the test."""

from __future__ import annotations

import asyncio
import functools
from typing import Any

import pytest

from inference_console.catalog.view import KindView
from inference_console.sandbox.model_registry_server import ModelRegistryServer, openapi_validator
from inference_console.settings.endpoints import ModelRegistrySettings
from inference_console.sources.base import SourceInfo
from inference_console.sources.model_registry.source import ModelRegistrySource
from inference_console.sources.model_registry.view import ARTIFACTS, MODELS, SERVICES, VERSIONS
from inference_console.state.store import KindState, RecordStore
from inference_console.state.workspace import Workspace
from tests.shared import shared_dir

TOKEN = "mr-token-5f2a9c"
ISVC = "inferenceservices.serving.kserve.io"


async def until(predicate, timeout: float = 8.0, what: str = "condition") -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not predicate():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.02)


@functools.lru_cache(maxsize=1)
def spec_validator():
    return openapi_validator(str(shared_dir() / "fixtures/openapi/model-registry.yaml"))


@pytest.fixture
async def server():
    srv = ModelRegistryServer(token=TOKEN, validator=spec_validator())
    await srv.start()
    yield srv
    await srv.stop()
    assert srv.violations == [], "responses or requests outside the spec:\n" + "\n".join(srv.violations)


def seed(srv: ModelRegistryServer) -> None:
    srv.add("serving_environments", {"name": "llm-staging", "description": "the llm-staging namespace"})
    llama = srv.add_model(
        "llama-3.1-8b-instruct",
        [
            {
                "name": "v1",
                "author": "ana",
                "state": "ARCHIVED",
                "artifact": {
                    "uri": "s3://models/llama-3.1-8b/v1",
                    "modelFormatName": "vLLM",
                    "modelFormatVersion": "0.6",
                },
            },
            {
                "name": "v2",
                "author": "ana",
                "artifact": {
                    "uri": "s3://models/llama-3.1-8b/v2",
                    "modelFormatName": "vLLM",
                    "modelFormatVersion": "0.6",
                },
            },
            {
                "name": "v3",
                "author": "ana",
                "customProperties": {"accuracy": {"metadataType": "MetadataDoubleValue", "double_value": 0.91}},
                "artifact": {
                    "uri": "s3://models/llama-3.1-8b/v3",
                    "modelFormatName": "vLLM",
                    "modelFormatVersion": "0.6",
                },
            },
        ],
        owner="ana",
    )
    srv.add_model(
        "iris",
        [
            {
                "name": "1",
                "artifact": {"uri": "gs://kfserving-examples/models/sklearn/1.0/model", "modelFormatName": "sklearn"},
            }
        ],
    )
    v1 = next(v for v in srv.data["model_versions"].values() if v["name"] == "v1")
    srv.add(
        "inference_services",
        {
            "name": "llama-8b-old",
            "registeredModelId": llama["id"],
            "servingEnvironmentId": "1",
            "modelVersionId": v1["id"],
            "runtime": "vllm",
        },
    )


class FakeCluster:
    name = "kube"

    def __init__(self, isvcs: list[dict[str, Any]]) -> None:
        self.store = RecordStore(ISVC, key_of=lambda o: o["metadata"]["uid"])
        self.isvcs = isvcs

    async def start(self, ws: Workspace) -> None:
        self.store.on_change = ws.on_change
        ws.register(self, KindView(key=ISVC, kind="InferenceService"), self.store)
        self.store.replace(self.isvcs)
        self.store.set_status(KindState.LIVE)

    async def stop(self) -> None: ...
    async def set_scope(self, scope) -> None: ...
    def ensure(self, key: str, pinned: bool = False) -> None: ...
    def serves(self, key: str) -> bool:
        return True

    def describe(self) -> SourceInfo:
        return SourceInfo("kube", "ready")

    async def fetch(self, key: str, record: dict[str, Any]) -> dict[str, Any]:
        return record


def isvc(name: str, ns: str, uri: str, labels: dict[str, str] | None = None) -> dict[str, Any]:
    return {
        "apiVersion": "serving.kserve.io/v1beta1",
        "kind": "InferenceService",
        "metadata": {"name": name, "namespace": ns, "uid": f"uid-{name}", "labels": labels or {}},
        "spec": {"predictor": {"model": {"modelFormat": {"name": "huggingface"}, "storageUri": uri}}},
    }


async def started(source, isvcs=()) -> Workspace:
    ws = Workspace(interval=0.01)
    await ws.start_source(FakeCluster(list(isvcs)))
    await ws.start_source(source)
    return ws


def settings(srv, **kw) -> ModelRegistrySettings:
    return ModelRegistrySettings(url=srv.url, token_env="IC_TEST_MR_TOKEN", timeout=5.0, **kw)


@pytest.fixture(autouse=True)
def token_env(monkeypatch):
    monkeypatch.setenv("IC_TEST_MR_TOKEN", TOKEN)


async def test_lists_everything_and_links_versions_to_inference_services_both_ways(server):
    seed(server)
    clusters = [
        isvc("llama-8b-registry", "llm-staging", "model-registry://llama-3.1-8b-instruct/v3"),
        isvc(
            "llama-old",
            "llm-prod",
            "s3://models/llama-3.1-8b/v1",
            {
                "modelregistry.kubeflow.org/model-version-id": next(
                    v["id"] for v in server.data["model_versions"].values() if v["name"] == "v1"
                )
            },
        ),
    ]
    source = ModelRegistrySource(settings(server), poll=60, page_size=2)  # several pages per list
    ws = await started(source, clusters)
    try:
        versions = ws.stores[VERSIONS]
        await until(lambda: source.loads >= 1, what="the first load")
        by_name = {v["metadata"]["name"]: v for v in versions.values()}
        v3 = by_name["llama-3.1-8b-instruct/v3"]
        assert v3["links"] == [f"{ISVC}/llm-staging/llama-8b-registry"]
        assert v3["artifactUri"] == "s3://models/llama-3.1-8b/v3" and v3["modelFormat"] == "vLLM"
        v1 = by_name["llama-3.1-8b-instruct/v1"]
        assert v1["state"] == "ARCHIVED" and v1["links"] == [f"{ISVC}/llm-prod/llama-old"]
        assert versions.verdict(v1["id"]).reason == "ARCHIVED but still served by llm-prod/llama-old"
        assert v1["registryServices"] == ["llama-8b-old"]
        svc = next(iter(ws.stores[SERVICES].values()))
        assert svc["versionState"] == "ARCHIVED" and ws.stores[SERVICES].failing_count == 1
        assert ws.stores[MODELS].get(v3["registeredModelId"])["versions"] == 3
        assert len(ws.stores[ARTIFACTS]) == 4
        # The paging parameters went out as the spec names them.
        assert any("pageSize=2" in q and "nextPageToken=" in q for _, q in server.requests)
        # Reverse link: the InferenceService's Related tab finds the version (the catalog's rule).
        from inference_console.catalog import find_kind
        from inference_console.catalog.related import related_tree

        spec = find_kind("isvc")
        rules = spec.related(clusters[0])
        nodes = related_tree(
            clusters[0], rules, {r.kind: list(ws.stores[r.kind].values()) for r in rules if r.kind in ws.stores}
        )
        assert [n.obj["metadata"]["name"] for n in nodes] == ["llama-3.1-8b-instruct/v3"]
    finally:
        await ws.close()


async def test_archive_and_restore_through_the_action_layer(server, tmp_path):
    from inference_console.actions.audit import AuditLog
    from inference_console.actions.layer import ActionLayer
    from inference_console.actions.types import Mutation, ObjectRef, Verb

    seed(server)
    source = ModelRegistrySource(settings(server), poll=60)
    ws = await started(source)
    try:
        await until(lambda: source.loads >= 1, what="the first load")
        v2 = next(v for v in ws.stores[VERSIONS].values() if v["name"] == "v2")
        ref = ObjectRef(
            "modelregistry.kubeflow.org",
            "v1alpha3",
            "model_versions",
            "ModelVersion",
            False,
            None,
            v2["metadata"]["name"],
        )
        mutation = Mutation(
            Verb.PATCH,
            ref,
            body={"state": "ARCHIVED"},
            summary="archive llama v2",
            executor=source.writer("model_versions", v2["id"]),
        )
        assert "PATCH" in mutation.preview() and f"/model_versions/{v2['id']}" in mutation.preview()
        audit = AuditLog(tmp_path / "audit.jsonl", context="sandbox")
        readonly = ActionLayer(None, readonly=True, audit=audit)
        refused = await readonly.run(mutation)
        assert refused.error.kind.value == "readonly" and server.data["model_versions"][v2["id"]]["state"] == "LIVE"
        layer = ActionLayer(None, readonly=False, audit=audit)
        dry = await layer.run(Mutation(**{**mutation.__dict__, "dry_run": True}))
        assert dry.ok and server.data["model_versions"][v2["id"]]["state"] == "LIVE"
        done = await layer.run(mutation)
        assert done.ok and server.data["model_versions"][v2["id"]]["state"] == "ARCHIVED"
        assert ws.stores[VERSIONS].get(v2["id"])["state"] == "ARCHIVED"  # the store follows at once
        restore = Mutation(
            Verb.PATCH,
            ref,
            body={"state": "LIVE"},
            summary="restore llama v2",
            executor=source.writer("model_versions", v2["id"]),
        )
        assert (await layer.run(restore)).ok and server.data["model_versions"][v2["id"]]["state"] == "LIVE"
        entries = audit.entries()
        assert [e["result"] for e in entries] == ["refused: read-only", "ok", "ok"]
        assert entries[1]["object"]["kind"] == "ModelVersion" and entries[1]["patch"] == {"state": "ARCHIVED"}
        # A write the server refuses is an error result, audited.
        missing = Mutation(Verb.PATCH, ref, body={"state": "LIVE"}, executor=source.writer("model_versions", "999"))
        failed = await layer.run(missing)
        assert failed.error.kind.value == "not found" and "404" in failed.error.message
        assert TOKEN not in open(tmp_path / "audit.jsonl").read()
    finally:
        await ws.close()


@pytest.mark.parametrize(
    "status,words,state",
    [
        (401, "unauthorized: the Model Registry rejected the credentials", KindState.FORBIDDEN),
        (404, "not found", KindState.ERROR),
        (500, "the Model Registry failed", KindState.ERROR),
    ],
)
async def test_errors_are_a_clear_state(server, status, words, state):
    seed(server)
    server.fault = {"status": status, "times": 1000, "outside_spec": status == 404}  # 404: a wrong URL
    source = ModelRegistrySource(settings(server), retry=(0.2, 0.5))
    ws = await started(source)
    try:
        store = ws.stores[VERSIONS]
        await until(lambda: store.status.state is state, what=f"the {status} state")
        assert words in store.status.reason and TOKEN not in store.status.reason
        assert ws.stores["registries"].get("model-registry")["state"] == "failed"
    finally:
        await ws.close()


async def test_a_wrong_token_is_401(server, monkeypatch):
    seed(server)
    monkeypatch.setenv("IC_TEST_MR_TOKEN", "wrong-token-123")
    source = ModelRegistrySource(settings(server), retry=(0.2, 0.5))
    ws = await started(source)
    try:
        store = ws.stores[MODELS]
        await until(lambda: store.status.state is KindState.FORBIDDEN, what="the 401 state")
        assert "wrong-token-123" not in store.status.reason and "401" in store.status.reason
    finally:
        await ws.close()


async def test_a_looping_token_stops_with_a_reason(server):
    seed(server)
    server.fault = {"loop_token": True}
    source = ModelRegistrySource(settings(server), page_size=1, retry=(5, 5))
    ws = await started(source)
    try:
        store = ws.stores[MODELS]
        await until(lambda: store.status.state is KindState.ERROR, what="the loop error")
        assert "paging loops" in store.status.reason
    finally:
        await ws.close()


async def test_429_is_retried_after_retry_after(server):
    seed(server)
    server.fault = {"status": 429, "times": 2, "retry_after": 0.05}
    source = ModelRegistrySource(settings(server), poll=60)
    ws = await started(source)
    try:
        await until(lambda: source.loads >= 1, what="the load after two 429s")
        assert ws.stores[VERSIONS].status.state is KindState.LIVE and len(ws.stores[VERSIONS]) == 4
    finally:
        await ws.close()


async def test_ten_thousand_versions_page_in(server):
    server.bulk_versions("nightly-classifier", 10_000)
    check = server.validator

    async def first_pages_only(request, body, response):  # validating 10,000 items takes ~10 s
        if len(server.requests) <= 3:
            await check(request, body, response)

    server.validator = first_pages_only
    source = ModelRegistrySource(settings(server), poll=60, artifacts_eager=4)
    ws = await started(source)
    seen: list[int] = []
    ws.listen(lambda changes: seen.append(len(ws.stores[VERSIONS])) if VERSIONS in changes else None)
    try:
        await until(lambda: source.loads >= 1, timeout=9, what="10,000 versions")
        assert len(ws.stores[VERSIONS]) == 10_000 and seen[0] < 10_000
        assert ws.stores[VERSIONS].get(next(iter(ws.stores[VERSIONS].objects)))["customProperties"]["build"]
    finally:
        await ws.close()
