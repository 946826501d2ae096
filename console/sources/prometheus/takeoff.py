"""Takeoff (Doubleword) gateway and readers, as its own Grafana dashboards query them (metrics.md §5).

Names are not published upstream; these are the ones the shipped dashboards use:
``http_requests_total``, ``http_requests_duration_seconds_bucket`` and
``generate_sequence_lengths_sum`` (tokens generated).
"""

from __future__ import annotations

from inference_console.sources.prometheus.panels import PanelSpec, app_inner
from inference_console.sources.prometheus.promql import quantiles, selector

FAMILY = "takeoff"
REQUESTS = "http_requests_total"  # the request counter (REQ/S column: serving.py)
LABEL = "Takeoff"
DETECT = ("http_requests_duration_seconds_count", "generate_sequence_lengths_sum")
ERRORS = 'status=~"5.."'


def requests(ns, pods, r):
    return f"sum(rate({selector('http_requests_total', app_inner(ns, pods))}[{r}]))"


def errors(ns, pods, r):
    return f"sum(rate({selector('http_requests_total', app_inner(ns, pods, [ERRORS]))}[{r}]))"


def latency(ns, pods, r):
    return quantiles("http_requests_duration_seconds_bucket", app_inner(ns, pods), r)


def tokens(ns, pods, r):
    return f"sum(rate({selector('generate_sequence_lengths_sum', app_inner(ns, pods))}[{r}]))"


PANELS = (
    PanelSpec("takeoff_requests", "Requests", "req/s", FAMILY, requests),
    PanelSpec("takeoff_errors", "Errors (5xx)", "req/s", FAMILY, errors),
    PanelSpec("takeoff_latency", "Latency", "s", FAMILY, latency, ("q",)),
    PanelSpec("takeoff_tokens", "Tokens generated", "tok/s", FAMILY, tokens),
)
