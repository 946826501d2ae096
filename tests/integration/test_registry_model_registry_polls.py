"""The Model Registry source's later loads (polls) against the project's server, spec-checked:
a poll of an unchanged registry changes nothing, and what changed on the server (a version
gone, a new one) reaches the stores, the models' counts and the cross-links, which are kept
from the versions store as it is written (no pass over every version per load)."""

from __future__ import annotations

from inference_console.sources.model_registry.source import L_VERSION_ID, ModelRegistrySource
from inference_console.sources.model_registry.view import MODELS, VERSIONS
from tests.integration.test_registry_model_registry import (  # noqa: F401 - fixtures
    ISVC,
    isvc,
    seed,
    server,
    settings,
    started,
    token_env,
    until,
)

MODEL = "llama-3.1-8b-instruct"


def version_id(srv, name: str) -> str:
    return next(v["id"] for v in srv.data["model_versions"].values() if v["name"] == name)


async def test_a_poll_of_an_unchanged_registry_changes_no_version(server):  # noqa: F811
    seed(server)
    clusters = [isvc("llama-8b-registry", "llm-staging", f"model-registry://{MODEL}/v3")]
    source = ModelRegistrySource(settings(server), poll=60, page_size=2)
    ws = await started(source, clusters)
    try:
        await until(lambda: source.loads >= 1, what="the first load")
        versions = ws.stores[VERSIONS]
        before = {key: dict(record) for key, record in versions.items()}
        v1 = before[version_id(server, "v1")]
        assert v1["registryServices"] == ["llama-8b-old"] and v1["artifactUri"] == "s3://models/llama-3.1-8b/v1"
        changed: list[str] = []
        ws.listen(lambda changes: changed.extend(changes[VERSIONS].upserted) if VERSIONS in changes else None)
        ws.stores[VERSIONS].take_changes()
        await source.load()
        await until(lambda: not versions.progress, what="the listing to end")
        assert changed == []
        assert {key: dict(record) for key, record in versions.items()} == before
    finally:
        await ws.close()


async def test_a_poll_brings_deleted_and_new_versions_to_counts_and_links(server):  # noqa: F811
    seed(server)
    clusters = [
        isvc("llama-latest", "llm-staging", f"model-registry://{MODEL}"),  # the latest version (highest id)
    ]
    clusters.append(  # by the Model Registry controller's label
        isvc("llama-v2", "llm-prod", "s3://models/llama-3.1-8b/v2", {L_VERSION_ID: version_id(server, "v2")})
    )
    source = ModelRegistrySource(settings(server), poll=60, page_size=2)
    ws = await started(source, clusters)
    try:
        await until(lambda: source.loads >= 1, what="the first load")
        versions, models = ws.stores[VERSIONS], ws.stores[MODELS]
        v2, v3 = version_id(server, "v2"), version_id(server, "v3")
        model_id = versions.get(v3)["registeredModelId"]
        assert versions.get(v3)["links"] == [f"{ISVC}/llm-staging/llama-latest"]
        assert versions.get(v2)["links"] == [f"{ISVC}/llm-prod/llama-v2"]
        assert models.get(model_id)["versions"] == 3

        del server.data["model_versions"][v2]  # gone from the registry
        v4 = server.add("model_versions", {"name": "v4", "registeredModelId": model_id, "author": "ana"})["id"]
        await source.load()

        assert versions.get(v2) is None and versions.get(v4) is not None
        assert versions.get(v4)["links"] == [f"{ISVC}/llm-staging/llama-latest"]  # the latest moved on
        assert versions.get(v3)["links"] == []
        assert models.get(model_id)["versions"] == 3
        assert len(versions) == len(server.data["model_versions"])
    finally:
        await ws.close()
