"""Quantity parsing/formatting and the k9s-like usage columns (pure)."""

from __future__ import annotations

import pytest

from inference_console.catalog.kinds import node, pod
from inference_console.catalog.quantity import cpu_millis, format_cpu, format_memory, memory_bytes, percent


@pytest.mark.parametrize(
    "text,millis",
    [
        ("250m", 250),
        ("1.5", 1500),
        ("2", 2000),
        ("1234567n", 1.234567),
        ("500u", 0.5),
        (1, 1000),
        ("bad", None),
        ("", None),
        (None, None),
    ],
)
def test_cpu(text, millis):
    assert cpu_millis(text) == (pytest.approx(millis) if millis is not None else None)


@pytest.mark.parametrize(
    "text,n",
    [
        ("1Gi", 2**30),
        ("512Mi", 512 * 2**20),
        ("123456Ki", 123456 * 1024),
        ("1G", 1e9),
        ("1e3", 1000),
        ("128974848", 128974848),
        ("1.5Gi", 1.5 * 2**30),
    ],
)
def test_memory(text, n):
    assert memory_bytes(text) == n


def test_formatting_and_percent():
    assert format_cpu(250) == "250m" and format_cpu(0.2) == "1m" and format_cpu(None) == ""
    assert format_memory(2**30) == "1024Mi" and format_memory(None) == ""
    assert percent(50, 200) == "25" and percent(5, None) == "n/a" and percent(None, 3) == ""


def _cells(spec, obj, metrics):
    return {c.name: (c.get(obj, metrics) if c.join else c.get(obj)) for c in spec.columns}


def test_pod_columns_share_of_requests_and_limits():
    obj = {
        "metadata": {"name": "p", "namespace": "ns"},
        "spec": {
            "containers": [
                {"name": "a", "resources": {"requests": {"cpu": "500m", "memory": "1Gi"}, "limits": {"memory": "4Gi"}}},
                {"name": "b", "resources": {"requests": {"cpu": "500m", "memory": "1Gi"}}},
            ]
        },
    }
    metrics = {
        "containers": [
            {"name": "a", "usage": {"cpu": "250m", "memory": "1Gi"}},
            {"name": "b", "usage": {"cpu": "250m", "memory": "512Mi"}},
        ]
    }
    c = _cells(pod.SPEC, obj, metrics)
    assert (c["CPU"], c["MEM"], c["%CPU/R"], c["%CPU/L"], c["%MEM/R"], c["%MEM/L"]) == (
        "500m",
        "1536Mi",
        "50",
        "n/a",
        "75",
        "38",
    )
    blank = _cells(pod.SPEC, obj, None)  # no PodMetrics (pending): blanks
    assert blank["CPU"] == blank["%CPU/R"] == blank["%MEM/L"] == ""
    assert pod.SPEC.joins["podmetrics"](obj) == "ns/p"


def test_node_columns_share_of_allocatable():
    obj = {"metadata": {"name": "n1"}, "status": {"allocatable": {"cpu": "8", "memory": "32Gi"}}}
    c = _cells(node.SPEC, obj, {"usage": {"cpu": "2", "memory": "8Gi"}})
    assert (c["CPU"], c["MEM"], c["%CPU"], c["%MEM"]) == ("2000m", "8192Mi", "25", "25")
