"""What the metrics-server source keeps of each PodMetrics/NodeMetrics (pure)."""

from __future__ import annotations

import json

import pytest

from inference_console.catalog.usage import node_usage, pod_usage
from inference_console.sources.metricsserver.decode import SPLIT, compact, decode_metrics_list


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


def _body(items: list) -> bytes:
    return json.dumps(
        {"kind": "PodMetricsList", "apiVersion": "metrics.k8s.io/v1beta1", "metadata": {}, "items": items}
    ).encode()


def test_decoded_list_equals_the_compacted_records_without_building_the_labels():
    items = [_pod_metrics(f"llama-{i}") for i in range(3)]
    items[0]["containers"] = items[0]["containers"][:2]  # the schema's shape: objects only
    items[1]["containers"] = [{"usage": {"cpu": "1m"}}, {"name": "x"}]  # missing name, missing usage
    items[2]["containers"] = items[0]["containers"]
    records = decode_metrics_list(_body(items))
    shared: dict[str, str] = {}
    assert records == [compact(item, shared) for item in items]
    assert all("labels" not in r["metadata"] for r in records)
    assert records[0]["timestamp"] is records[2]["timestamp"]  # one copy of what repeats
    assert records[0]["containers"][1]["name"] is records[2]["containers"][1]["name"]
    assert pod_usage(records[0]) == (255.0, 2**30 + 20 * 2**20)


def test_node_metrics_list_and_an_odd_answer_are_kept_as_well_as_they_can_be():
    nodes = decode_metrics_list(
        _body([{"metadata": {"name": "gpu-0", "labels": {"a": "b"}}, "usage": {"cpu": "2", "memory": "4Gi", "x": 1}}])
    )
    assert nodes == [{"metadata": {"name": "gpu-0"}, "usage": {"cpu": "2", "memory": "4Gi"}}]
    # A container that is not an object, an item that is not one: the plain path, no error.
    odd = decode_metrics_list(_body([_pod_metrics("a"), "junk", {"metadata": "bad"}]))
    assert [r["metadata"].get("name") for r in odd] == ["a", None]
    assert [c["name"] for c in odd[0]["containers"]] == ["kserve-container", "queue-proxy"]
    assert decode_metrics_list(b'{"items": "nope"}') == [] and decode_metrics_list(b"{}") == []
    with pytest.raises(ValueError):
        decode_metrics_list(b"<html>proxy error</html>")


def test_a_large_answer_is_decoded_item_by_item_to_the_same_records():
    items = [_pod_metrics(f"pod-{i}") for i in range(3000)]
    for item in items:
        item["containers"] = item["containers"][:2]
    items[7]["containers"].append("not a container")  # this item alone takes the plain path
    items.insert(11, "junk")
    body = _body(items)
    assert len(body) > SPLIT
    records = decode_metrics_list(body)
    shared: dict[str, str] = {}
    assert records == [compact(item, shared) for item in items if isinstance(item, dict)]
    assert records[0]["timestamp"] is records[-1]["timestamp"]
    assert records[7]["containers"][0]["name"] is records[8]["containers"][0]["name"]


def test_a_poll_changes_only_the_records_whose_figures_changed():
    from inference_console.sources.metricsserver.source import _usage_version, pod_key
    from inference_console.state.store import RecordStore

    store = RecordStore("podmetrics", key_of=pod_key, version_of=_usage_version)
    items = [_pod_metrics(f"p{i}") for i in range(4)]
    store.replace(decode_metrics_list(_body(items)))
    store.take_changes()
    for item in items:
        item["timestamp"] = "2026-12-02T01:00:15Z"  # a new scrape, the same figures
    items[2]["containers"][0]["usage"]["cpu"] = "300m"
    assert store.replace(decode_metrics_list(_body(items))) == (0, 1, 0)
    assert set(store.take_changes().upserted) == {"llm-prod/p2"}
