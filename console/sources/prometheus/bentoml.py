"""BentoML services (``bentoml_service_*``, 1.2+; metrics.md §4) as panel queries (pure)."""

from __future__ import annotations

from inference_console.sources.prometheus.panels import PanelSpec, app_inner
from inference_console.sources.prometheus.promql import quantiles, selector

FAMILY = "bentoml"
REQUESTS = "bentoml_service_request_total"  # the request counter (REQ/S column: serving.py)
LABEL = "BentoML"
DETECT = ("bentoml_service_request_total",)
ERRORS = 'http_response_code=~"5.."'


def requests(ns, pods, r):
    return f"sum(rate({selector('bentoml_service_request_total', app_inner(ns, pods))}[{r}]))"


def errors(ns, pods, r):
    return f"sum(rate({selector('bentoml_service_request_total', app_inner(ns, pods, [ERRORS]))}[{r}]))"


def latency(ns, pods, r):
    return quantiles("bentoml_service_request_duration_seconds_bucket", app_inner(ns, pods), r)


def in_progress(ns, pods, r):
    return f"sum({selector('bentoml_service_request_in_progress', app_inner(ns, pods))})"


PANELS = (
    PanelSpec("bentoml_requests", "Requests", "req/s", FAMILY, requests),
    PanelSpec("bentoml_errors", "Errors (5xx)", "req/s", FAMILY, errors),
    PanelSpec("bentoml_latency", "Latency", "s", FAMILY, latency, ("q",)),
    PanelSpec("bentoml_inflight", "In progress", "count", FAMILY, in_progress),
)
