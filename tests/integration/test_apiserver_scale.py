"""The emulator at demo scale: 10,000 pods listed, paged, selected and watched quickly."""

from __future__ import annotations

import asyncio
import json
import time

from kubernetes_asyncio import client

N = 10_000
TABLE = "application/json;as=Table;v=v1;g=meta.k8s.io,application/json"


def pod(i: int) -> dict:
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {
            "name": f"pod-{i:05d}",
            "namespace": f"ns{i % 20:02d}",
            "labels": {"app": f"model-{i % 50}", "tier": "serving"},
        },
        "spec": {
            "nodeName": f"gpu-node-{i % 30}",
            "containers": [
                {
                    "name": "main",
                    "image": "vllm/vllm-openai:v0.6.3",
                    "ports": [{"containerPort": 8000}],
                    "resources": {"limits": {"nvidia.com/gpu": "1"}},
                    "env": [{"name": "MODEL", "value": "qwen"}],
                }
            ],
        },
        "status": {
            "phase": "Running",
            "podIP": f"10.0.{i // 250}.{i % 250}",
            "containerStatuses": [
                {
                    "name": "main",
                    "ready": True,
                    "restartCount": 0,
                    "state": {"running": {"startedAt": "2026-01-01T00:00:00Z"}},
                }
            ],
        },
    }


async def test_ten_thousand_pods(emulator, http, kube_api):
    for i in range(N):
        emulator.create(pod(i))

    started = time.perf_counter()
    async with http.get("/api/v1/pods") as resp:
        body = await resp.read()
    elapsed = time.perf_counter() - started
    doc = json.loads(body)
    assert len(doc["items"]) == N and doc["metadata"]["resourceVersion"] == str(emulator.resource_version)
    # Against a floor measured here (serialising the same list once), with a generous margin:
    # a list must cost a small multiple of writing it, never time proportional to N pages.
    started = time.perf_counter()
    json.dumps(doc)
    floor = time.perf_counter() - started
    assert elapsed < 25 * floor, f"listing {N} pods took {elapsed:.2f}s, {elapsed / floor:.0f}x serialising them"

    started = time.perf_counter()
    async with http.get("/api/v1/pods", headers={"Accept": TABLE}) as resp:
        table = await resp.json()
    table_elapsed = time.perf_counter() - started
    assert len(table["rows"]) == N
    assert table_elapsed < 50 * floor, f"the Table of {N} pods took {table_elapsed:.2f}s"

    # kubectl-style paging (limit=500) walks everything exactly once
    v1 = client.CoreV1Api(kube_api)
    seen, token = 0, None
    while True:
        page = await v1.list_pod_for_all_namespaces(limit=500, _continue=token, _preload_content=False)
        data = json.loads(await page.read())
        seen += len(data["items"])
        token = data["metadata"].get("continue")
        if not token:
            break
    assert seen == N

    async with http.get(
        "/api/v1/namespaces/ns07/pods?labelSelector=app%3Dmodel-7&fieldSelector=spec.nodeName%3Dgpu-node-7"
    ) as resp:
        expected = sum(1 for i in range(N) if i % 20 == 7 and i % 50 == 7 and i % 30 == 7)
        assert len((await resp.json())["items"]) == expected == 34

    # a watch from "0" streams the whole current state, then live changes
    async with http.get("/api/v1/pods?watch=1&timeoutSeconds=5") as resp:
        for _ in range(N):
            assert b'"ADDED"' in await resp.content.readline()
        emulator.patch("v1", "Pod", "ns00", "pod-00000", {"status": {"phase": "Succeeded"}})
        live = json.loads(await asyncio.wait_for(resp.content.readline(), 30))
    assert live["type"] == "MODIFIED" and live["object"]["status"]["phase"] == "Succeeded"
