"""The demo's Prometheus: series that follow the demo cluster, behind Prometheus's HTTP API.

:func:`demo_series` builds the series from the cluster's nodes and pods (pure): every GPU
of every node reports DCGM metrics (labelled with the pod holding it, as dcgm-exporter does
in Kubernetes mode); running model servers export their family's metrics (vLLM for the
Hugging Face runtime, KServe's ``request_predict_seconds`` for sklearn/xgboost, BentoML,
Takeoff); every running pod has cAdvisor CPU/memory and kube-state-metrics restarts.
The stories:

* busy GPUs under the healthy deployments (60–95 %, warm, drawing power);
* an idle GPU under a deployment that requests one (``granite-3b``: model loaded, 0–2 %);
* a GPU with XID 48 (double-bit ECC) on ``gpu-a100-1`` GPU 3, the cordoned node, held by
  one of ``llama3-8b``'s replicas;
* a latency spike after the canary: ``mistral-7b``'s p95 jumps when revision 00002 starts
  and settles 20 minutes later;
* nothing for crashed or pending pods (their GPUs show unallocated).

:func:`start` (a ``DEMO_SERVICES`` entry) serves them on a loopback port with the
evaluator of :mod:`inference_console.sandbox.promql`.
"""

from __future__ import annotations

import hashlib
import json
import math
import time
from typing import Any, Iterable

from inference_console.sandbox.promql import Engine, PromQLError, SynthSeries

GPU_MEMORY = {"A100": 81920.0, "H100": 81559.0, "L4": 23034.0}
POWER_MAX = {"A100": 400.0, "H100": 700.0, "L4": 72.0}
IDLE_ISVC = "granite-3b"
XID_NODE, XID_GPU, XID_CODE = "gpu-a100-1", "3", 48.0
CANARY_ISVC = "mistral-7b"
LAT_BUCKETS = (0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 20.0, 40.0, math.inf)
KSERVE_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, math.inf)


def _seed(*parts: str) -> float:
    return int(hashlib.sha256("/".join(parts).encode()).hexdigest()[:8], 16) / 0xFFFFFFFF


def _wave(seed: float, t: float, period: float = 900.0) -> float:
    """A smooth deterministic wobble in [-1, 1]."""
    return 0.6 * math.sin(2 * math.pi * (t / period + seed)) + 0.4 * math.sin(
        2 * math.pi * (t / (period / 3.7) + 2 * seed)
    )


def _gauge(base: float, amp: float, seed: float, lo: float = 0.0, hi: float = math.inf):
    return lambda t: max(lo, min(hi, base + amp * _wave(seed, t)))


def _counter(rate: float, seed: float, wobble: float = 0.3):
    """A counter whose rate is ``rate`` ± ``wobble`` (never negative): the integral of rate*(1+w·sin)."""
    period = 900.0 * (0.7 + seed)
    w = 2 * math.pi / period
    return lambda t: (
        max(0.0, rate * t + rate * wobble * (1 - math.cos(w * t + seed)) / w) - rate * wobble * (1 - math.cos(seed)) / w
    )


def _lognormal_cdf(x: float, median: float, sigma: float = 0.5) -> float:
    if math.isinf(x):
        return 1.0
    if x <= 0:
        return 0.0
    return 0.5 * (1 + math.erf((math.log(x) - math.log(median)) / (sigma * math.sqrt(2))))


def _histogram(
    labels: dict[str, str],
    name: str,
    buckets: Iterable[float],
    total,
    segments: list[tuple[float, float]],
    start: float,
) -> list[SynthSeries]:
    """``_bucket``/``_sum``/``_count`` series whose latency median follows ``segments`` [(from time, median)]."""
    out = []
    segs = sorted(segments)

    def cumulative(le: float, t: float) -> float:
        acc = 0.0
        for i, (t0, median) in enumerate(segs):
            t1 = segs[i + 1][0] if i + 1 < len(segs) else math.inf
            if t <= t0:
                break
            acc += (total(min(t, t1)) - total(t0)) * _lognormal_cdf(le, median)
        return acc

    for le in buckets:
        le_text = "+Inf" if math.isinf(le) else f"{le:g}"
        out.append(
            SynthSeries(
                {**labels, "__name__": f"{name}_bucket", "le": le_text}, lambda t, le=le: cumulative(le, t), start
            )
        )
    out.append(SynthSeries({**labels, "__name__": f"{name}_count"}, lambda t: cumulative(math.inf, t), start))
    mean = segs[0][1] * 1.1
    out.append(SynthSeries({**labels, "__name__": f"{name}_sum"}, lambda t: cumulative(math.inf, t) * mean, start))
    return out


def _meta(obj: dict[str, Any], key: str, default: Any = "") -> Any:
    return (obj.get("metadata") or {}).get(key, default)


def _created(obj: dict[str, Any], now: float) -> float:
    from datetime import datetime

    ts = _meta(obj, "creationTimestamp")
    try:
        return datetime.fromisoformat(str(ts).replace("Z", "+00:00")).timestamp()
    except ValueError:
        return now - 86400


def _gpus_requested(pod: dict[str, Any]) -> int:
    total = 0
    for c in (pod.get("spec") or {}).get("containers") or []:
        limits = (c.get("resources") or {}).get("limits") or {}
        try:
            total += int(limits.get("nvidia.com/gpu", 0))
        except (TypeError, ValueError):
            pass
    return total


def _running(pod: dict[str, Any]) -> bool:
    status = pod.get("status") or {}
    if status.get("phase") != "Running":
        return False
    states = [cs.get("state") or {} for cs in status.get("containerStatuses") or []]
    return bool(states) and all("running" in s for s in states)


def _family(pod: dict[str, Any]) -> str:
    labels = _meta(pod, "labels", {}) or {}
    images = " ".join(c.get("image", "") for c in (pod.get("spec") or {}).get("containers") or [])
    if labels.get("serving.kserve.io/inferenceservice"):
        if "huggingfaceserver" in images or "vllm" in images:
            return "vllm"
        if "sklearnserver" in images or "xgbserver" in images or "lgbserver" in images:
            return "kserve"
        return ""
    if labels.get("yatai.ai/bento-deployment"):
        return "bentoml"
    if labels.get("app.kubernetes.io/name") == "inference-stack":
        return "takeoff-gateway" if labels.get("app.kubernetes.io/component") == "gateway" else "takeoff-reader"
    return ""


def demo_series(
    objects: Iterable[dict[str, Any]], now: float | None = None, *, host_label: str = "Hostname"
) -> list[SynthSeries]:
    """The demo's series from the cluster's objects (pure; ``now`` anchors the stories)."""
    now = now if now is not None else time.time()
    objs = list(objects)
    nodes = [o for o in objs if o.get("kind") == "Node"]
    pods = [o for o in objs if o.get("kind") == "Pod"]
    series: list[SynthSeries] = []
    # --------------------------------------------------------------- GPUs (DCGM)
    holders: dict[tuple[str, str], dict[str, Any]] = {}
    by_node: dict[str, list[dict[str, Any]]] = {}
    for pod in sorted(pods, key=lambda p: _meta(p, "name")):
        node = (pod.get("spec") or {}).get("nodeName")
        if node and _running(pod) and _gpus_requested(pod):
            by_node.setdefault(node, []).append(pod)
    for node in nodes:
        name = _meta(node, "name")
        labels = _meta(node, "labels", {}) or {}
        count = int((node.get("status") or {}).get("capacity", {}).get("nvidia.com/gpu", 0) or 0)
        product = str(labels.get("nvidia.com/gpu.product", "NVIDIA-GPU")).replace("-", " ", 1)
        free = [str(i) for i in range(count)]
        for pod in by_node.get(name, []):
            want = _gpus_requested(pod)
            if name == XID_NODE and XID_GPU in free and "llama3-8b" in _meta(pod, "name"):
                picks = [XID_GPU] + [g for g in free if g != XID_GPU][: want - 1]
            else:
                picks = [g for g in free if not (name == XID_NODE and g == XID_GPU)][:want] or free[:want]
            for g in picks:
                free.remove(g)
                holders[(name, g)] = pod
        short = next((k for k in GPU_MEMORY if k in product), "A100")
        for i in range(count):
            g = str(i)
            pod = holders.get((name, g))
            seed = _seed(name, g)
            base = {
                host_label: name,
                "gpu": g,
                "UUID": f"GPU-{hashlib.md5(f'{name}/{g}'.encode()).hexdigest()[:8]}-"
                f"{hashlib.md5(f'{g}/{name}'.encode()).hexdigest()[:4]}-4c2a-9d1e-{i:012d}",
                "device": f"nvidia{i}",
                "modelName": product,
                "pci_bus_id": f"00000000:{16 + i:02X}:00.0",
                "DCGM_FI_DRIVER_VERSION": "550.90.07",
                "job": "dcgm-exporter",
                "instance": f"{name}:9400",
            }
            start = now - 30 * 86400
            if pod is not None:
                base |= {
                    "pod": _meta(pod, "name"),
                    "namespace": _meta(pod, "namespace"),
                    "container": (pod["spec"]["containers"][0]).get("name", ""),
                }
                start = _created(pod, now)
                idle = (_meta(pod, "labels", {}) or {}).get("serving.kserve.io/inferenceservice") == IDLE_ISVC
            total = GPU_MEMORY[short]
            if pod is None:
                util, used = _gauge(0.0, 0.0, seed), _gauge(0.0, 0.0, seed)
            elif idle:
                util, used = _gauge(0.6, 0.6, seed, 0, 100), _gauge(total * 0.62, 5.0, seed)
            else:
                util, used = (
                    _gauge(70 + 20 * seed, 18, seed, 0, 100),
                    _gauge(total * (0.7 + 0.2 * seed), total * 0.02, seed),
                )
            pmax = POWER_MAX[short]
            values = {
                "DCGM_FI_DEV_GPU_UTIL": util,
                "DCGM_FI_DEV_FB_USED": used,
                "DCGM_FI_DEV_FB_FREE": lambda t, used=used, total=total: total - used(t),
                "DCGM_FI_DEV_GPU_TEMP": lambda t, util=util, seed=seed: 33 + 6 * seed + util(t) * 0.45,
                "DCGM_FI_DEV_POWER_USAGE": lambda t, util=util, pmax=pmax: pmax * (0.15 + 0.8 * util(t) / 100),
                "DCGM_FI_DEV_XID_ERRORS": (lambda t: XID_CODE if t >= now - 2400 else 0.0)
                if (name, g) == (XID_NODE, XID_GPU)
                else (lambda t: 0.0),
            }
            for metric, fn in values.items():
                series.append(SynthSeries({**base, "__name__": metric}, fn, start))
            if pod is not None:  # the same GPU before the pod held it: unlabelled
                for metric in values:
                    series.append(
                        SynthSeries(
                            {k: v for k, v in base.items() if k not in ("pod", "namespace", "container")}
                            | {"__name__": metric},
                            lambda t: 0.0,
                            now - 30 * 86400,
                            start - 15,
                        )
                    )
    # --------------------------------------------------------------- model servers and Kubernetes
    canary_start = None
    for pod in pods:
        labels = _meta(pod, "labels", {}) or {}
        if labels.get("serving.kserve.io/inferenceservice") == CANARY_ISVC and labels.get(
            "serving.knative.dev/revision", ""
        ).endswith("00002"):
            canary_start = _created(pod, now)
    for pod in pods:
        if not _running(pod):
            continue
        ns, name = _meta(pod, "namespace"), _meta(pod, "name")
        seed = _seed(ns, name)
        start = _created(pod, now)
        plabels = {"namespace": ns, "pod": name, "instance": f"10.0.{int(seed * 250)}.{int(seed * 9999) % 250}:8080"}
        family = _family(pod)
        rps = 2 + 20 * seed
        total = _counter(rps, seed)
        isvc = (_meta(pod, "labels", {}) or {}).get("serving.kserve.io/inferenceservice", "")
        if family == "vllm":
            app = {**plabels, "job": "kserve-vllm", "model_name": isvc or name, "engine": "0"}
            series.append(
                SynthSeries({**app, "__name__": "vllm:request_success_total", "finished_reason": "stop"}, total, start)
            )
            series.append(
                SynthSeries({**app, "__name__": "vllm:generation_tokens_total"}, _counter(rps * 180, seed), start)
            )
            series.append(
                SynthSeries({**app, "__name__": "vllm:prompt_tokens_total"}, _counter(rps * 420, seed), start)
            )
            series.append(
                SynthSeries({**app, "__name__": "vllm:num_requests_running"}, _gauge(rps * 0.8, 2, seed, 0), start)
            )
            series.append(
                SynthSeries({**app, "__name__": "vllm:num_requests_waiting"}, _gauge(rps * 0.1, 1.5, seed, 0), start)
            )
            series.append(
                SynthSeries({**app, "__name__": "vllm:kv_cache_usage_perc"}, _gauge(0.55, 0.2, seed, 0, 1), start)
            )
            http = {**plabels, "job": "kserve-vllm", "handler": "/v1/chat/completions", "method": "POST"}
            series.append(SynthSeries({**http, "__name__": "http_requests_total", "status": "2xx"}, total, start))
            series.append(
                SynthSeries(
                    {**http, "__name__": "http_requests_total", "status": "5xx"}, _counter(rps * 0.004, seed), start
                )
            )
            segments = [(start, 1.2 + seed)]
            if isvc == CANARY_ISVC and canary_start is not None:
                segments += [(canary_start, 6.5), (canary_start + 1200, 1.4 + seed)]
            series += _histogram(app, "vllm:e2e_request_latency_seconds", LAT_BUCKETS, total, segments, start)
        elif family == "kserve":
            app = {**plabels, "job": "kserve", "model_name": isvc or name}
            series += _histogram(
                app, "request_predict_seconds", KSERVE_BUCKETS, total, [(start, 0.02 + 0.03 * seed)], start
            )
        elif family == "bentoml":
            dep = (_meta(pod, "labels", {}) or {}).get("yatai.ai/bento-deployment", name)
            app = {
                **plabels,
                "job": "bentoml",
                "endpoint": "/predict",
                "service_name": dep,
                "service_version": "1",
                "runner_name": dep,
            }
            series.append(
                SynthSeries(
                    {**app, "__name__": "bentoml_service_request_total", "http_response_code": "200"}, total, start
                )
            )
            series.append(
                SynthSeries(
                    {**app, "__name__": "bentoml_service_request_total", "http_response_code": "500"},
                    _counter(rps * 0.01, seed),
                    start,
                )
            )
            series.append(
                SynthSeries(
                    {**app, "__name__": "bentoml_service_request_in_progress"}, _gauge(rps * 0.2, 1, seed, 0), start
                )
            )
            series += _histogram(
                {**app, "http_response_code": "200"},
                "bentoml_service_request_duration_seconds",
                KSERVE_BUCKETS,
                total,
                [(start, 0.05 + 0.1 * seed)],
                start,
            )
        elif family == "takeoff-gateway":
            app = {**plabels, "job": "takeoff-gateway"}
            series.append(SynthSeries({**app, "__name__": "http_requests_total", "status": "200"}, total, start))
            series.append(
                SynthSeries(
                    {**app, "__name__": "http_requests_total", "status": "503"}, _counter(rps * 0.002, seed), start
                )
            )
            series += _histogram(
                app, "http_requests_duration_seconds", LAT_BUCKETS, total, [(start, 0.8 + seed)], start
            )
        elif family == "takeoff-reader":
            app = {**plabels, "job": "takeoff-reader", "method": "generate"}
            series.append(
                SynthSeries({**app, "__name__": "generate_sequence_lengths_sum"}, _counter(rps * 150, seed), start)
            )
            series.append(SynthSeries({**app, "__name__": "generate_sequence_lengths_count"}, total, start))
        for c in (pod.get("spec") or {}).get("containers") or []:
            cl = {**plabels, "container": c.get("name", ""), "job": "kubelet", "image": c.get("image", "")}
            cpu = 0.3 + 3 * seed if _gpus_requested(pod) else 0.05 + 0.4 * seed
            series.append(
                SynthSeries({**cl, "__name__": "container_cpu_usage_seconds_total"}, _counter(cpu, seed, 0.5), start)
            )
            mem = (6 + 20 * seed) * 2**30 if _gpus_requested(pod) else (0.2 + seed) * 2**30
            series.append(
                SynthSeries(
                    {**cl, "__name__": "container_memory_working_set_bytes"}, _gauge(mem, mem * 0.05, seed, 0), start
                )
            )
    for pod in pods:  # kube-state-metrics knows every pod, crashed or not
        ns, name = _meta(pod, "namespace"), _meta(pod, "name")
        for cs in (pod.get("status") or {}).get("containerStatuses") or []:
            restarts = float(cs.get("restartCount") or 0)
            series.append(
                SynthSeries(
                    {
                        "__name__": "kube_pod_container_status_restarts_total",
                        "namespace": ns,
                        "pod": name,
                        "container": cs.get("name", ""),
                        "job": "kube-state-metrics",
                        "uid": _meta(pod, "uid"),
                    },
                    lambda t, r=restarts: r,
                    _created(pod, now),
                )
            )
    # --------------------------------------------------------------- targets
    for job, count in (
        ("dcgm-exporter", len(nodes)),
        ("kube-state-metrics", 1),
        ("kubelet", len(nodes)),
        ("kserve-vllm", 0),
        ("prometheus", 1),
    ):
        for i in range(max(count, 1)):
            series.append(SynthSeries({"__name__": "up", "job": job, "instance": f"{job}-{i}"}, lambda t: 1.0))
    return series


# ----------------------------------------------------------------------------- HTTP
def _fmt(v: float) -> str:
    if math.isnan(v):
        return "NaN"
    if math.isinf(v):
        return "+Inf" if v > 0 else "-Inf"
    return repr(float(v)) if v != int(v) or abs(v) >= 1e15 else str(int(v))


def _ts(t: float) -> float | int:
    return int(t) if t == int(t) else round(t, 3)


def build_app(engine: Engine, version: str = "2.42.0-demo"):
    from aiohttp import web

    def ok(data: Any) -> web.Response:
        return web.json_response({"status": "success", "data": data}, dumps=lambda o: json.dumps(o, allow_nan=False))

    def err(kind: str, message: str, code: int = 400) -> web.Response:
        return web.json_response({"status": "error", "errorType": kind, "error": message}, status=code)

    async def params(request: web.Request) -> dict[str, str]:
        out = dict(request.query)
        if request.method == "POST":
            out.update({k: str(v) for k, v in (await request.post()).items()})
        return out

    def parse_time(text: str | None, default: float) -> float:
        if not text:
            return default
        try:
            return float(text)
        except ValueError:
            from datetime import datetime

            return datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()

    async def query(request: web.Request) -> web.Response:
        p = await params(request)
        if "query" not in p:
            return err("bad_data", 'invalid parameter "query": unknown query')
        t = parse_time(p.get("time"), time.time())
        try:
            rtype, value = engine.instant(p["query"], t)
        except PromQLError as exc:
            return err(
                exc.kind,
                f'invalid parameter "query": {exc}' if exc.kind == "bad_data" else str(exc),
                400 if exc.kind == "bad_data" else 422,
            )
        if rtype in ("scalar", "string"):
            return ok({"resultType": rtype, "result": [_ts(t), _fmt(value) if rtype == "scalar" else value]})
        if rtype == "matrix":
            return ok(
                {
                    "resultType": "matrix",
                    "result": [
                        {"metric": labels, "values": [[_ts(ts), _fmt(v)] for ts, v in samples]}
                        for labels, samples in value
                        if samples
                    ],
                }
            )
        return ok(
            {
                "resultType": "vector",
                "result": [{"metric": labels, "value": [_ts(t), _fmt(v)]} for labels, v, _ in value],
            }
        )

    async def query_range(request: web.Request) -> web.Response:
        p = await params(request)
        try:
            start, end = float(p.get("start", "")), float(p.get("end", ""))
            step = (
                float(p.get("step", "").rstrip("s"))
                if p.get("step", "").rstrip("s").replace(".", "").isdigit()
                else _dur(p.get("step", ""))
            )
        except ValueError:
            return err("bad_data", 'invalid parameter "start": cannot parse to a valid timestamp')
        if end < start:
            return err("bad_data", 'invalid parameter "end": end timestamp must not be before start time')
        if step <= 0:
            return err(
                "bad_data",
                'invalid parameter "step": zero or negative query resolution step widths are '
                "not accepted. Try a positive integer",
            )
        if (end - start) / step > 11000:
            return err(
                "bad_data",
                "exceeded maximum resolution of 11,000 points per timeseries. Try decreasing the "
                "query resolution (?step=XX)",
            )
        try:
            result = engine.range(p.get("query", ""), start, end, step)
        except PromQLError as exc:
            return err(exc.kind, f'invalid parameter "query": {exc}' if exc.kind == "bad_data" else str(exc))
        return ok(
            {
                "resultType": "matrix",
                "result": [
                    {"metric": labels, "values": [[_ts(t), _fmt(v)] for t, v in points]} for labels, points in result
                ],
            }
        )

    async def labels(request: web.Request) -> web.Response:
        matches = request.query.getall("match[]", [])
        names: set[str] = set()
        try:
            for m in matches or ['{__name__=~".+"}']:
                node = __import__("inference_console.sandbox.promql", fromlist=["Parser"]).Parser(m).parse()
                if node[0] != "sel":
                    return err("bad_data", 'invalid parameter "match[]": not a selector')
                for s in engine.select(node[1], node[2]):
                    names |= set(s.labels)
        except PromQLError as exc:
            return err("bad_data", f'invalid parameter "match[]": {exc}')
        return ok(sorted(names))

    async def ready(request: web.Request) -> web.Response:
        return web.Response(text="Prometheus Server is Ready.\n")

    async def healthy(request: web.Request) -> web.Response:
        return web.Response(text="Prometheus Server is Healthy.\n")

    async def buildinfo(request: web.Request) -> web.Response:
        return ok(
            {
                "version": version,
                "revision": "demo",
                "branch": "demo",
                "buildUser": "inference-console",
                "buildDate": "",
                "goVersion": "",
            }
        )

    app = web.Application()
    for path, handler in (("/api/v1/query", query), ("/api/v1/query_range", query_range), ("/api/v1/labels", labels)):
        app.router.add_route("GET", path, handler)
        app.router.add_route("POST", path, handler)
    app.router.add_get("/-/ready", ready)
    app.router.add_get("/-/healthy", healthy)
    app.router.add_get("/api/v1/status/buildinfo", buildinfo)
    return app


def _dur(text: str) -> float:
    from inference_console.sandbox.promql import duration

    value = duration(text)
    if not value:
        raise ValueError(text)
    return value


class DemoPrometheus:
    """The endpoint on a loopback port (the sandbox's loop, or a test's)."""

    def __init__(self, series: list[SynthSeries]) -> None:
        self.engine = Engine(series)
        self.url = ""
        self._runner: Any = None

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> str:
        from aiohttp import web

        self._runner = web.AppRunner(build_app(self.engine), access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, host, port)
        await site.start()
        sock = site._server.sockets[0]  # noqa: SLF001
        self.url = f"http://{host}:{sock.getsockname()[1]}"
        return self.url

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()


async def start(sandbox: Any) -> Any:
    """``DEMO_SERVICES`` entry: serve the demo's series; the app gets the URL as its prometheus settings."""
    from inference_console.settings.endpoints import PrometheusSettings

    objects = getattr(getattr(sandbox, "seed_result", None), "objects", None) or []
    server = DemoPrometheus(demo_series(objects))
    url = await server.start(getattr(sandbox, "host", "127.0.0.1"))
    return {"prometheus": PrometheusSettings(url=url, interval=5.0)}, server.stop
