"""KServe's Python model server (``request_*_seconds`` histograms, metrics.md §3.1) as panel queries.

The Hugging Face runtime with the vLLM backend also exports ``vllm:*`` (see :mod:`vllm`).
Knative queue-proxy metrics (``revision_*``, labelled ``pod_name``) are not queried here.
"""

from __future__ import annotations

from inference_console.sources.prometheus.panels import PanelSpec, app_inner
from inference_console.sources.prometheus.promql import quantiles, selector

FAMILY = "kserve"
REQUESTS = "request_predict_seconds_count"  # the request counter (REQ/S column: serving.py)
LABEL = "KServe"
DETECT = ("request_predict_seconds_count",)


def requests(ns, pods, r):
    return f"sum(rate({selector('request_predict_seconds_count', app_inner(ns, pods))}[{r}]))"


def latency(ns, pods, r):
    return quantiles("request_predict_seconds_bucket", app_inner(ns, pods), r)


PANELS = (
    PanelSpec("kserve_requests", "Predict requests", "req/s", FAMILY, requests),
    PanelSpec("kserve_latency", "Predict latency", "s", FAMILY, latency, ("q",)),
)
