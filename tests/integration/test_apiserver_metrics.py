"""metrics.k8s.io/v1beta1 on the emulator, read by the real kubectl (kubectl top) and over HTTP."""

from __future__ import annotations

import pytest

from inference_console.sandbox.apiserver.metrics import container_usage


def _pod(
    ns: str, name: str, node: str, phase: str, cpu: str = "500m", mem: str = "1Gi", waiting: str | None = None
) -> dict:
    state = {"waiting": {"reason": waiting}} if waiting else ({"running": {}} if phase == "Running" else {})
    status: dict = {"phase": phase}
    if phase == "Running":
        status["containerStatuses"] = [
            {"name": "main", "ready": not waiting, "restartCount": 0, "image": "x", "imageID": "", "state": state}
        ]
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": name, "namespace": ns, "labels": {"app": name}},
        "spec": {
            "nodeName": node,
            "containers": [
                {
                    "name": "main",
                    "image": "x",
                    "resources": {"requests": {"cpu": cpu, "memory": mem}, "limits": {"cpu": "2", "memory": "2Gi"}},
                }
            ],
        },
        "status": status,
    }


@pytest.fixture
def cluster(emulator):
    emulator.create({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "llm-prod"}})
    emulator.create(
        {
            "apiVersion": "v1",
            "kind": "Node",
            "metadata": {"name": "gpu-node-1"},
            "status": {"allocatable": {"cpu": "8", "memory": "32Gi"}, "capacity": {"cpu": "8", "memory": "32Gi"}},
        }
    )
    pods = [
        _pod("llm-prod", "llama-0", "gpu-node-1", "Running"),
        _pod("llm-prod", "llama-1", "gpu-node-1", "Running", cpu="2", mem="8Gi"),
        _pod("llm-prod", "crashy", "gpu-node-1", "Running", waiting="CrashLoopBackOff"),
        _pod("llm-prod", "waiting", "", "Pending"),
        _pod("default", "web", "gpu-node-1", "Running", cpu="100m", mem="128Mi"),
    ]
    for p in pods:
        emulator.create(p)
    return {p["metadata"]["name"]: p for p in pods}


def _expected(pod: dict) -> tuple[str, str]:
    ((_, cpu, mem),) = container_usage(pod)
    return f"{round(cpu)}m", f"{int(mem // 2**20)}Mi"


def _table(out: str) -> list[list[str]]:
    return [line.split() for line in out.strip().splitlines()]


async def test_kubectl_top_pods_in_a_namespace(cluster, kubectl):
    res = await kubectl("top", "pods", "-n", "llm-prod")
    assert res.returncode == 0, res.stderr
    rows = _table(res.stdout)
    assert rows[0] == ["NAME", "CPU(cores)", "MEMORY(bytes)"]
    got = {r[0]: (r[1], r[2]) for r in rows[1:]}
    assert set(got) == {"llama-0", "llama-1"}  # crash looping and pending pods have no metrics
    for name in got:
        assert got[name] == _expected(cluster[name])
    cpu, _ = got["llama-1"]
    assert 700 <= int(cpu[:-1]) <= 1800  # 35-90 % of its 2-core request


async def test_kubectl_top_pods_all_namespaces_and_selector(cluster, kubectl):
    res = await kubectl("top", "pods", "-A")
    assert res.returncode == 0, res.stderr
    rows = _table(res.stdout)
    assert rows[0] == ["NAMESPACE", "NAME", "CPU(cores)", "MEMORY(bytes)"]
    assert {(r[0], r[1]) for r in rows[1:]} == {("llm-prod", "llama-0"), ("llm-prod", "llama-1"), ("default", "web")}
    res = await kubectl("top", "pods", "-A", "-l", "app=web")
    assert [r[1] for r in _table(res.stdout)[1:]] == ["web"]


async def test_kubectl_top_nodes(cluster, kubectl):
    res = await kubectl("top", "nodes")
    assert res.returncode == 0, res.stderr
    rows = _table(res.stdout)
    assert rows[0][0] == "NAME" and "CPU(cores)" in rows[0] and "MEMORY(bytes)" in rows[0]
    node = dict(zip(rows[0], rows[1]))
    assert node["NAME"] == "gpu-node-1"
    pods_cpu = sum(int(_expected(cluster[n])[0][:-1]) for n in ("llama-0", "llama-1", "web"))
    cpu = int(node["CPU(cores)"][:-1])
    assert pods_cpu < cpu < pods_cpu + 8000 * 0.04 + 3
    assert node["CPU(%)"] == f"{cpu * 100 // 8000}%"


async def test_metrics_discovery_and_404_when_not_served(emulator, http):
    async with http.get("/apis") as r:
        assert "metrics.k8s.io" in [g["name"] for g in (await r.json())["groups"]]
    async with http.get("/apis/metrics.k8s.io/v1beta1") as r:
        doc = await r.json()
        assert {x["name"]: x["verbs"] for x in doc["resources"]} == {"pods": ["get", "list"], "nodes": ["get", "list"]}
    emulator.serve_metrics = False
    async with http.get("/apis") as r:
        assert "metrics.k8s.io" not in [g["name"] for g in (await r.json())["groups"]]
    async with http.get("/apis/metrics.k8s.io/v1beta1/pods") as r:
        assert r.status == 404
