"""What the metrics-server source keeps of each PodMetrics/NodeMetrics (pure)."""

from __future__ import annotations

from inference_console.catalog.usage import node_usage, pod_usage
from inference_console.sources.metricsserver.source import compact


def _pod_metrics(name: str) -> dict:
    return {
        "kind": "PodMetrics",
        "apiVersion": "metrics.k8s.io/v1beta1",
        "metadata": {
            "name": name,
            "namespace": "llm-prod",
            "creationTimestamp": "2026-12-02T01:00:00Z",
            "labels": {"app": "llama", "pod-template-hash": "abc", "serving.kserve.io/inferenceservice": "llama"},
        },
        "timestamp": "2026-12-02T01:00:00Z",
        "window": "30s",
        "containers": [
            {"name": "kserve-container", "usage": {"cpu": "250m", "memory": "1Gi", "extra": "x"}},
            {"name": "queue-proxy", "usage": {"cpu": "5m", "memory": "20Mi"}},
            "not a container",
        ],
    }


def test_usage_and_identity_kept_labels_dropped():
    shared: dict[str, str] = {}
    raw = _pod_metrics("llama-0")
    kept = compact(raw, shared)
    assert pod_usage(kept) == pod_usage(raw) == (255.0, 2**30 + 20 * 2**20)
    assert kept["metadata"] == {"name": "llama-0", "namespace": "llm-prod", "creationTimestamp": "2026-12-02T01:00:00Z"}
    assert kept["kind"] == "PodMetrics" and kept["window"] == "30s"
    assert [c["name"] for c in kept["containers"]] == ["kserve-container", "queue-proxy"]


def test_repeated_strings_are_one_copy():
    shared: dict[str, str] = {}
    a = compact(_pod_metrics("a"), shared)
    b = compact(_pod_metrics("b"), shared)
    assert a["timestamp"] is b["timestamp"] and a["metadata"]["namespace"] is b["metadata"]["namespace"]
    assert a["containers"][0]["name"] is b["containers"][0]["name"]


def test_node_metrics_and_odd_shapes():
    node = {
        "metadata": {"name": "gpu-0", "labels": {"x": "y"}},
        "usage": {"cpu": "2", "memory": "4Gi"},
        "window": "20s",
    }
    kept = compact(node, {})
    assert node_usage(kept) == node_usage(node) and "labels" not in kept["metadata"]
    assert compact({"metadata": "bad", "containers": [{"usage": "bad"}]}, {}) == {
        "metadata": {},
        "containers": [{"name": None, "usage": {}}],
    }
