"""The console's queries against the real Prometheus server, and the demo endpoint held to its shapes.

The real server is backfilled (``promtool tsdb create-blocks-from openmetrics``) with the
demo's own series, so both answer the same data; the contract test runs every query the
app sends (fleet, dialect probe, family detection, every panel) on both and compares the
shape of the answers: result type, the label names of each series, the series count.
"""

from __future__ import annotations

import math
import time

import pytest

from inference_console.sandbox import scenario
from inference_console.sandbox.prometheus_server import DemoPrometheus, demo_series
from inference_console.sources.prometheus import dcgm, families, fleet, serving
from inference_console.sources.prometheus.client import HttpxTransport, PromClient, PromError
from tests.prometheus_fixture import openmetrics, run_prometheus

NOW = math.floor(time.time() / 60) * 60
SPAN = 3600.0
STEP = 30.0


@pytest.fixture(scope="module")
def demo_objects():
    return scenario.build(0, 7).objects


@pytest.fixture(scope="module")
def backfilled(tmp_path_factory, demo_objects):
    series = demo_series(demo_objects, now=NOW)
    data = []
    for s in series:
        points = []
        t = NOW - SPAN
        while t <= NOW - STEP:
            got = s.sample(t)
            if got is not None and got[0] == t:
                points.append((t, got[1]))
            t += STEP
        if points:
            data.append((s.labels, points))
    with run_prometheus(tmp_path_factory.mktemp("prom"), openmetrics(data), scrape_interval="30s") as url:
        yield url, series


def _shape(result) -> tuple:
    return (result.result_type, len(result.series), sorted(tuple(sorted(s.labels)) for s in result.series))


def app_queries(demo_objects) -> list[tuple[str, str]]:
    d = dcgm.Dialect()
    pods = [
        p["metadata"]["name"]
        for p in demo_objects
        if p.get("kind") == "Pod" and p["metadata"]["namespace"] == "llm-prod" and "mistral" in p["metadata"]["name"]
    ]
    out = [
        ("instant", dcgm.fleet_current(d)),
        ("instant", dcgm.fleet_identity(d)),
        ("instant", dcgm.fleet_now(d)),
        ("instant", dcgm.fleet_fb_total(d)),
        ("instant", dcgm.fleet_max_1h(d, "util", "30m")),
        ("instant", dcgm.fleet_max_1h(d, "xid", "30m")),
        ("range", dcgm.fleet_history(d)),
        ("instant", families.detect_query(d, "llm-prod", pods)),
        ("instant", "count by (job) (up)"),
        ("instant", serving.rates_query(None, "120s")),
        ("instant", serving.rates_query("llm-prod", "120s")),
    ]
    found = {"gpu", "vllm", "kserve", "bentoml", "takeoff", "kube"}
    for spec in families.panels_for(found, d):
        out.append(("range", spec.build("llm-prod", pods, "120s")))
    return out


async def test_app_queries_have_the_same_shape_on_prometheus_and_the_demo(backfilled, demo_objects):
    url, series = backfilled
    demo = DemoPrometheus(series)
    demo_url = await demo.start()
    real = PromClient(HttpxTransport(url))
    fake = PromClient(HttpxTransport(demo_url))
    at = NOW - 120
    try:
        checked = nonempty = 0
        for kind, query in app_queries(demo_objects):
            if kind == "instant":
                a, b = await real.query(query, at), await fake.query(query, at)
            else:
                a, b = (
                    await real.query_range(query, at - 1200, at, 60),
                    await fake.query_range(query, at - 1200, at, 60),
                )
            nonempty += bool(a.series)
            assert _shape(a) == _shape(b), f"shapes differ for {query}:\nreal {_shape(a)}\ndemo {_shape(b)}"
            checked += 1
        assert checked >= 15 and nonempty >= 12, (checked, nonempty)
        # and the values agree where they are plain gauges
        q = dcgm.fleet_current(dcgm.Dialect())
        a, b = await real.query(q, at), await fake.query(q, at)
        key = lambda s: tuple(sorted(s.labels.items()))  # noqa: E731
        reals = {key(s): s.last for s in a.series}
        for s in b.series:
            assert reals[key(s)] == pytest.approx(s.last, rel=1e-6, abs=1e-6)
    finally:
        await real.close()
        await fake.close()
        await demo.stop()


def _stores(objects) -> dict[str, list[dict]]:
    by_kind = {
        "Pod": "pods",
        "ReplicaSet": "replicasets",
        "Deployment": "deployments",
        "InferenceService": fleet.ISVC,
        "BentoDeployment": fleet.BENTO,
        "InferenceStack": fleet.STACK,
    }
    out: dict[str, list[dict]] = {}
    for obj in objects:
        key = by_kind.get(obj.get("kind", ""))
        if key:
            out.setdefault(key, []).append(obj)
    return out


async def test_serving_request_rates_on_the_real_server(backfilled, demo_objects):
    """The REQ/S column's one query: per pod and family on the real server as on the demo, joined to
    InferenceServices, BentoDeployments and InferenceStacks."""
    url, series = backfilled
    demo = DemoPrometheus(series)
    demo_url = await demo.start()
    real = PromClient(HttpxTransport(url))
    fake = PromClient(HttpxTransport(demo_url))
    at = NOW - 120
    try:
        query = serving.rates_query(None, "120s")
        a, b = await real.query(query, at), await fake.query(query, at)
        assert a.series and _shape(a) == _shape(b)
        ra, rb = serving.pod_rates(a), serving.pod_rates(b)
        assert ra.keys() == rb.keys()
        for pod, families_ in ra.items():
            assert families_.keys() == rb[pod].keys(), pod
            for family, value in families_.items():
                assert value == pytest.approx(rb[pod][family], rel=0.25, abs=0.05), (pod, family)
        records = serving.records([], ra, fleet.build_index(_stores(demo_objects)))
        busy = {r["kind"] for r in records if r["req_s"]}
        assert busy == {fleet.ISVC, fleet.BENTO, fleet.STACK}, records
        by_family = {r["family"] for r in records if r["req_s"]}
        assert {"vllm", "bentoml", "takeoff"} <= by_family, by_family
        # vLLM pods also export http_requests_total: an InferenceService never counts it as Takeoff's
        assert all(r["family"] in ("vllm", "kserve", "") for r in records if r["kind"] == fleet.ISVC)
        # one namespace: only its pods
        scoped = serving.pod_rates(await real.query(serving.rates_query("llm-prod", "120s"), at))
        assert scoped and all(k.startswith("llm-prod/") for k in scoped)
    finally:
        await real.close()
        await fake.close()
        await demo.stop()


async def test_bad_input_errors_and_points(backfilled):
    url, _ = backfilled
    client = PromClient(HttpxTransport(url))
    try:
        with pytest.raises(PromError) as err:
            await client.query("sum(rate(DCGM_FI_DEV_GPU_UTIL[5m])")  # unbalanced
        assert err.value.kind == "bad_data" and "parse error" in err.value.message
        assert err.value.query.startswith("sum(rate(")
        # too many points: the step is raised, never a failure
        res = await client.query_range("vector(1)", NOW - 86400 * 2, NOW, 1)
        assert res.step >= (86400 * 2) / 11000 and res.series
        # NaN and ±Inf come back as floats
        res = await client.query('vector(0) / vector(0) or label_replace(vector(1) / vector(0), "x", "y", "", "")')
        values = sorted(str(s.last) for s in res.series)
        assert values == ["inf", "nan"]
        # a Prometheus with no DCGM at all
        assert await client.label_names("dcgm_gpu_utilization") == []
    finally:
        await client.close()
    unreachable = PromClient(HttpxTransport("http://127.0.0.1:9"), timeout=2)
    with pytest.raises(PromError) as err:
        await unreachable.query("up")
    assert err.value.kind == "unreachable" and err.value.retriable
    await unreachable.close()


async def test_dialect_detection_on_the_real_server(backfilled):
    url, _ = backfilled
    client = PromClient(HttpxTransport(url))
    try:
        names = await client.label_names(dcgm.probe_match(), NOW - 3600)
        d = dcgm.detect(names)
        assert d.present and d.host == "Hostname" and d.pod == "pod" and not d.legacy
    finally:
        await client.close()
