"""Pure parts of the Prometheus source: PromQL builders, dialects, rules, parsing, discovery, units."""

from __future__ import annotations

import math

import pytest

from inference_console.catalog.units import bar, fmt, sparkline
from inference_console.sandbox.promql import Engine, PromQLError, SynthSeries
from inference_console.sources.prometheus import bentoml, dcgm, families, kserve, kube, rules, takeoff, vllm
from inference_console.sources.prometheus.client import PromError, fit_step, parse_result, step_for_width
from inference_console.sources.prometheus.discovery import choose
from inference_console.sources.prometheus.promql import any_of, quote, selector
from inference_console.sources.prometheus.source import MAX_SERIES, panel_record


def test_dialects_from_label_names():
    assert dcgm.detect([]) == dcgm.ABSENT and dcgm.ABSENT.describe() == "no DCGM exporter found"
    old = dcgm.detect(["__name__", "gpu", "UUID", "Hostname", "modelName", "pod", "namespace"])
    assert (old.host, old.pod, old.namespace) == ("Hostname", "pod", "namespace")
    new = dcgm.detect(["gpu", "UUID", "hostname", "exported_pod", "exported_namespace", "pod", "namespace"])
    assert (new.host, new.pod, new.namespace) == ("hostname", "exported_pod", "exported_namespace")
    legacy = dcgm.detect(["gpu", "uuid", "pod_name", "pod_namespace", "instance"], legacy=True)
    assert legacy.legacy and legacy.pod == "pod_name" and legacy.host == "instance" and legacy.uuid == "uuid"
    assert legacy.name("util") == "dcgm_gpu_utilization" and old.name("util") == "DCGM_FI_DEV_GPU_UTIL"


def test_fleet_queries_are_aggregated_and_use_the_dialect():
    d = dcgm.detect(["hostname", "gpu", "UUID", "exported_pod", "exported_namespace"])
    cur = dcgm.fleet_current(d)
    assert cur.startswith("max by (__name__, hostname, gpu) (")  # who holds the GPU: once per GPU, below
    assert dcgm.fleet_identity(d) == (
        "max by (hostname, gpu, UUID, modelName, exported_pod, exported_namespace) (timestamp(DCGM_FI_DEV_GPU_UTIL))"
    )
    assert "DCGM_FI_DEV_XID_ERRORS" in cur and "FB_TOTAL" not in cur  # no such metric: total = used + free
    assert dcgm.fleet_max_1h(d, "xid") == "max by (hostname, gpu, UUID) (max_over_time(DCGM_FI_DEV_XID_ERRORS[1h]))"
    mem = dcgm.gpu_memory(d, "ml", ["a", "b"])
    assert 'exported_namespace="ml"' in mem and 'exported_pod=~"a|b"' in mem and "DCGM_FI_DEV_FB_FREE" in mem


def test_quoting_and_regex_escape():
    assert quote('a"b\\') == '"a\\"b\\\\"'
    assert any_of(["x.y", "x.y", "z"]) == "x\\.y|z"
    assert any_of([]) == "^$"
    assert selector("vllm:num_requests_running", 'pod="p"') == 'vllm:num_requests_running{pod="p"}'


@pytest.mark.parametrize("module", [vllm, kserve, bentoml, takeoff, kube])
def test_each_family_builds_one_query_per_panel(module):
    for spec in module.PANELS:
        q = spec.build("ns", ["p-1", "p-2"], "60s")
        assert 'namespace="ns"' in q and 'pod=~"p\\\\-1|p\\\\-2"' not in q  # names are not over-escaped
        assert "pod=~" in q and q.count("[60s]") == q.count("rate(") + q.count("increase(")
        Engine([]).instant(q, 1000.0)  # parses in the demo's evaluator


def test_vllm_names_follow_the_reference():
    assert "vllm:request_success_total" in vllm.requests("n", ["p"], "1m")
    kv = vllm.kv_cache("n", ["p"], "1m")
    assert "vllm:kv_cache_usage_perc" in kv and "vllm:gpu_cache_usage_perc" in kv and kv.startswith("100 *")
    lat = vllm.latency("n", ["p"], "5m")
    assert lat.count("histogram_quantile") == 3 and '"p95"' in lat and "sum by (le)" in lat


def test_family_detection_and_missing_notes():
    d = dcgm.Dialect()
    q = families.detect_query(d, "ns", ["p"])
    assert '"src", "app"' in q and '"src", "dcgm"' in q
    found = families.families_from(["vllm:num_requests_running", "DCGM_FI_DEV_GPU_UTIL", "other"], d)
    assert found == {"vllm", "gpu"}
    notes = families.missing_notes("bentodeployments.serving.yatai.ai", set(), dcgm.ABSENT, ["p"])
    assert "no DCGM exporter found in this Prometheus" in notes
    assert "no BentoML metrics for this pod" in notes
    assert families.missing_notes("pods", found, d, []) == ["no running pods: nothing to chart"]
    notes = families.missing_notes("inferenceservices.serving.kserve.io", {"gpu"}, d, ["a", "b"])
    assert "no vLLM or KServe metrics for these pods" in notes


def gpu(key, pod="", owner=None, util_max=50.0, xid=0.0, age=7200.0):
    return {
        "key": key,
        "pod": pod,
        "namespace": "ml",
        "owner": owner,
        "util_max_1h": util_max,
        "xid": xid,
        "xid_max_1h": xid,
        "pod_age": age,
    }


OWNER = {"kind": "InferenceService", "key": "inferenceservices.serving.kserve.io", "name": "granite", "uid": "u1"}


def test_rule_idle_gpus_requested_for_an_hour():
    gpus = [
        gpu("n/0", "granite-p", OWNER, util_max=1.2),
        gpu("n/1", "granite-p", OWNER, util_max=80),
        gpu("n/2"),  # not allocated: idle but nobody pays for it through a serving object
        gpu("n/3", "young-p", {**OWNER, "name": "young"}, util_max=0.0, age=600),  # too young to judge
        gpu("n/4", "nan-p", {**OWNER, "name": "nan"}, util_max=math.nan),
    ]
    found = rules.idle_requested(gpus)
    assert [(f.owner_name, f.gpus) for f in found] == [("granite", ("n/0",))]
    assert "idle for the last hour" in found[0].detail and found[0].rule == "idle-gpu"


def test_rule_serving_objects_on_xid_gpus():
    gpus = [
        gpu("n/3", "llama-p", {**OWNER, "name": "llama"}, xid=48.0),
        gpu("n/4", "ok-p", {**OWNER, "name": "ok"}),
        gpu("n/5", "", None, xid=79.0),
    ]  # an XID on a GPU nobody uses: not a serving finding
    found = rules.xid_serving(gpus)
    assert [(f.owner_name, f.gpus) for f in found] == [("llama", ("n/3",))]
    assert "XID 48" in found[0].detail


def test_parse_result_keeps_nan_and_inf():
    res = parse_result(
        {
            "resultType": "vector",
            "result": [
                {"metric": {"a": "1"}, "value": [1.5, "NaN"]},
                {"metric": {"a": "2"}, "value": [1.5, "+Inf"]},
                {"metric": {"a": "3"}, "value": [1.5, "-Inf"]},
            ],
        }
    )
    assert math.isnan(res.series[0].last) and res.series[1].last == math.inf and res.series[2].last == -math.inf
    with pytest.raises(PromError):
        parse_result({"resultType": "weird", "result": []})


def test_steps_fit_width_and_the_point_limit():
    assert step_for_width(3600, 60) == 60 and step_for_width(300, 200) == 15
    assert fit_step(0, 86400 * 30, 1) >= 86400 * 30 / 11000


def test_panel_record_caps_series_and_marks_stale_and_odd():
    from inference_console.sources.prometheus.client import Result, Series
    from inference_console.sources.prometheus.panels import PanelSpec

    spec = PanelSpec("x", "X", "%", "gpu", lambda *a: "", ("pod",))
    series = [Series({"pod": f"p{i}"}, [(100.0, float(i)), (160.0, float(i))]) for i in range(MAX_SERIES + 3)]
    series.append(Series({"pod": "gone"}, [(0.0, 5.0)]))
    series.append(Series({"pod": "odd"}, [(160.0, math.nan), (160.0, math.inf)]))
    rec = panel_record(spec, "q", Result("matrix", series), None, 160.0, 15.0)
    assert len(rec["series"]) == MAX_SERIES and rec["more"] == 5
    assert rec["series"][0]["name"] == f"p{MAX_SERIES + 2}"  # the busiest first
    bad = panel_record(spec, "sum(", None, PromError("bad_data", "parse error"), 160.0, 15.0)
    assert bad["error"] == "bad_data: parse error" and bad["query"] == "sum("


def test_discovery_prefers_the_operator_service():
    svcs = [
        {"metadata": {"name": "prometheus", "namespace": "a"}, "spec": {"ports": [{"port": 80}]}},
        {
            "metadata": {"name": "kps-kube-prometheus-stack-prometheus", "namespace": "monitoring"},
            "spec": {"ports": [{"name": "http-web", "port": 9090}]},
        },
        {
            "metadata": {"name": "prometheus-operated", "namespace": "monitoring"},
            "spec": {"ports": [{"name": "web", "port": 9090}]},
        },
    ]
    found = choose(svcs)
    assert (found.namespace, found.name, found.port) == ("monitoring", "prometheus-operated", "web")
    assert choose(svcs[:2]).port == "http-web"
    assert choose([{"metadata": {"name": "grafana", "namespace": "m"}}]) is None


def test_units_bars_and_sparklines():
    assert fmt(512, "MiB") == "512MiB" and fmt(40960, "MiB") == "40.0GiB" and fmt(0.0123, "s") == "12ms"
    assert fmt(math.nan, "%") == "NaN" and fmt(math.inf, "W") == "+Inf" and fmt(None, "%") == "–"
    assert fmt(3 * 2**30, "bytes") == "3.0GiB" and fmt(71.4, "°C") == "71°C" and fmt(0.25, "cores") == "250m"
    assert bar(100, 5) == "█████" and bar(0, 5) == "     " and len(bar(37, 5)) == 5
    assert sparkline([0, 50, 100, None], 4, 100.0) == "▁▄█ "


def test_demo_evaluator_counter_reset_and_errors():
    values = {0: 0, 15: 10, 30: 20, 45: 2, 60: 12}  # a reset at 45
    eng = Engine([SynthSeries({"__name__": "c_total", "job": "x"}, lambda t: values.get(int(t)), 0, 60)])
    _, vec = eng.instant("increase(c_total[60s])", 60)
    assert vec[0][1] == pytest.approx(22 * 60 / 45)  # samples 15..60 s: 10, 20, 2 (reset), 12 -> 22 over 45 s
    with pytest.raises(PromQLError, match="parse error"):
        eng.instant("sum(rate(c_total[1m])", 60)
    with pytest.raises(PromQLError, match="unknown function"):
        eng.instant("nope(c_total)", 60)
