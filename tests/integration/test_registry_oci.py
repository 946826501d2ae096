"""The OCI source against Debian's docker-registry (images pushed through the v2 API) and, for
basic/bearer auth and 429, the project's OCI server."""

from __future__ import annotations

import asyncio
import hashlib
import json
from typing import Any

import httpx

from inference_console.catalog.view import KindView
from inference_console.sandbox.oci_server import OciServer
from inference_console.settings.endpoints import ImageRegistrySettings
from inference_console.sources.base import SourceInfo
from inference_console.sources.oci.source import REPOS, TAGS, OciSource, split_image
from inference_console.state.store import KindState, RecordStore
from inference_console.state.workspace import Workspace
from tests import registry_servers as servers


async def until(predicate, timeout: float = 8.0, what: str = "condition") -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not predicate():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.02)


def sha(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


async def push(
    http: httpx.AsyncClient, repo: str, tag: str, *, created: str, layer: bytes, arches: tuple[str, ...] = ()
) -> str:
    """Push an image (or an index over ``arches``) through the Distribution v2 API; returns its digest."""

    async def blob(data: bytes) -> str:
        start = await http.post(f"/v2/{repo}/blobs/uploads/")
        assert start.status_code == 202, start.text
        location = start.headers["Location"]
        sep = "&" if "?" in location else "?"
        done = await http.put(
            f"{location}{sep}digest={sha(data)}", content=data, headers={"Content-Type": "application/octet-stream"}
        )
        assert done.status_code == 201, done.text
        return sha(data)

    async def manifest(arch: str, ref: str) -> tuple[str, int]:
        config = json.dumps(
            {
                "created": created,
                "architecture": arch,
                "os": "linux",
                "rootfs": {"type": "layers", "diff_ids": [sha(layer)]},
                "config": {},
            }
        ).encode()
        body = json.dumps(
            {
                "schemaVersion": 2,
                "mediaType": "application/vnd.oci.image.manifest.v1+json",
                "config": {
                    "mediaType": "application/vnd.oci.image.config.v1+json",
                    "digest": await blob(config),
                    "size": len(config),
                },
                "layers": [
                    {
                        "mediaType": "application/vnd.oci.image.layer.v1.tar+gzip",
                        "digest": await blob(layer),
                        "size": len(layer),
                    }
                ],
            }
        ).encode()
        put = await http.put(
            f"/v2/{repo}/manifests/{ref}",
            content=body,
            headers={"Content-Type": "application/vnd.oci.image.manifest.v1+json"},
        )
        assert put.status_code == 201, put.text
        return put.headers["Docker-Content-Digest"], len(body)

    if not arches:
        return (await manifest("amd64", tag))[0]
    entries = []
    for arch in arches:
        digest, size = await manifest(arch, f"{tag}-{arch}")
        entries.append(
            {
                "mediaType": "application/vnd.oci.image.manifest.v1+json",
                "digest": digest,
                "size": size,
                "platform": {"os": "linux", "architecture": arch},
            }
        )
    body = json.dumps(
        {"schemaVersion": 2, "mediaType": "application/vnd.oci.image.index.v1+json", "manifests": entries}
    ).encode()
    put = await http.put(
        f"/v2/{repo}/manifests/{tag}", content=body, headers={"Content-Type": "application/vnd.oci.image.index.v1+json"}
    )
    assert put.status_code == 201, put.text
    return put.headers["Docker-Content-Digest"]


class FakePods:
    name = "kube"

    def __init__(self, pods: list[dict[str, Any]]) -> None:
        self.store = RecordStore("pods", key_of=lambda o: o["metadata"]["uid"])
        self.pods = pods

    async def start(self, ws: Workspace) -> None:
        self.store.on_change = ws.on_change
        ws.register(self, KindView(key="pods", kind="Pod"), self.store)
        self.store.replace(self.pods)
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


def pod(name: str, image: str, digest: str) -> dict[str, Any]:
    return {
        "kind": "Pod",
        "metadata": {"name": name, "namespace": "bentoml", "uid": f"uid-{name}"},
        "spec": {"containers": [{"name": "main", "image": image}]},
        "status": {
            "containerStatuses": [{"name": "main", "image": image, "imageID": f"{image.split(':')[0]}@{digest}"}]
        },
    }


def test_image_references_split_like_a_container_runtime():
    assert split_image("registry.internal/yatai-bentos/iris:v1") == ("registry.internal", "yatai-bentos/iris", "v1", "")
    assert split_image("localhost:5000/a/b@sha256:abc") == ("localhost:5000", "a/b", "", "sha256:abc")
    assert split_image("oci://registry.internal/models/granite:1.0")[1:3] == ("models/granite", "1.0")
    assert split_image("grafana/k6") == ("", "grafana/k6", "latest", "")


async def test_real_registry_tags_index_and_what_runs():
    url = servers.docker_registry()
    async with httpx.AsyncClient(base_url=url) as http:
        old = await push(http, "yatai-bentos/iris_classifier", "v1", created="2026-01-02T03:04:05Z", layer=b"a" * 2000)
        await push(
            http,
            "yatai-bentos/iris_classifier",
            "v2",
            created="2026-02-02T03:04:05Z",
            layer=b"b" * 3000,
            arches=("amd64", "arm64"),
        )
        moved_from = await push(
            http, "yatai-bentos/sentiment", "stable", created="2026-01-05T00:00:00Z", layer=b"c" * 10
        )
        await push(
            http, "yatai-bentos/sentiment", "stable", created="2026-03-05T00:00:00Z", layer=b"d" * 10
        )  # retagged
    host = url.split("://")[1]
    pods = [
        pod("iris-0", f"{host}/yatai-bentos/iris_classifier:v1", old),
        pod("sent-0", f"{host}/yatai-bentos/sentiment:stable", moved_from),
        pod("gone-0", f"{host}/yatai-bentos/iris_classifier:v0-deleted", "sha256:" + "0" * 64),
    ]
    ws = Workspace(interval=0.01)
    await ws.start_source(FakePods(pods))
    source = OciSource(ImageRegistrySettings(url=url), poll=60)
    await ws.start_source(source)
    try:
        await until(lambda: source.loads >= 1, what="the listing")
        tags = ws.stores[TAGS]
        v1 = tags.get("yatai-bentos/iris_classifier:v1")
        assert v1["digest"] == old and v1["size"] > 2000 and v1["created"] == "2026-01-02T03:04:05Z"
        assert v1["links"] == ["pods/bentoml/iris-0"] and tags.verdict(v1["metadata"]["uid"]).state.name == "OK"
        v2 = tags.get("yatai-bentos/iris_classifier:v2")
        assert v2["mediaType"] == "application/vnd.oci.image.index.v1+json" and v2["platforms"] == [
            "linux/amd64",
            "linux/arm64",
        ]
        assert "tag moved" in tags.verdict("yatai-bentos/sentiment:stable").reason
        gone = tags.get("yatai-bentos/iris_classifier:v0-deleted")
        assert gone["missing"] and "tag no longer exists" in tags.verdict(gone["metadata"]["uid"]).reason
        assert ws.stores[REPOS].get("yatai-bentos/iris_classifier")["tags"] >= 4
        assert ws.stores["registries"].get("images")["kind"] == "OCI registry"
    finally:
        await ws.close()


async def test_bearer_challenge_with_basic_credentials_and_429():
    server = OciServer(basic=("robot", "pull-secret-9"), bearer=True)
    server.add_image("models/granite", "1.0", platforms=("amd64",))
    for i in range(7):
        server.add_image(f"team/app{i}", "latest")
    await server.start()
    server.fault = {"status": 429, "times": 2}
    ws = Workspace(interval=0.01)
    source = OciSource(
        ImageRegistrySettings(url=server.url, username="robot", password="pull-secret-9"), poll=60, page=3
    )
    await ws.start_source(source)
    try:
        await until(lambda: source.loads >= 1, what="the listing through the token service")
        assert len(ws.stores[REPOS]) == 8 and ws.stores[TAGS].get("models/granite:1.0")["platforms"] == ["linux/amd64"]
        assert any(r.startswith("/token") for r in server.requests)
        assert any("last=" in r for r in server.requests if r.startswith("/v2/_catalog"))  # Link paging followed
    finally:
        await ws.close()
        await server.stop()


async def test_wrong_credentials_are_a_clear_state():
    server = OciServer(basic=("robot", "right"))
    server.add_image("a/b", "1")
    await server.start()
    ws = Workspace(interval=0.01)
    source = OciSource(ImageRegistrySettings(url=server.url, username="robot", password="wrong-pw-3"), retry=(0.2, 0.5))
    await ws.start_source(source)
    try:
        store = ws.stores[TAGS]
        await until(lambda: store.status.state is KindState.FORBIDDEN, what="the 401 state")
        assert "unauthorized" in store.status.reason and "wrong-pw-3" not in store.status.reason
    finally:
        await ws.close()
        await server.stop()
