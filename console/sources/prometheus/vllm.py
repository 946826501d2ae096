"""vLLM's OpenAI server metrics (``vllm:*``, metrics.md §2) as panel queries (pure).

Counters are queried with ``_total``; ``vllm:kv_cache_usage_perc`` is a fraction (shown as
percent) with the deprecated ``vllm:gpu_cache_usage_perc`` as fallback; errors are the
HTTP 5xx of ``http_requests_total`` from the FastAPI instrumentator.
"""

from __future__ import annotations

from inference_console.sources.prometheus.panels import PanelSpec, app_inner
from inference_console.sources.prometheus.promql import either, quantiles, selector, tag

FAMILY = "vllm"
REQUESTS = "vllm:request_success_total"  # the request counter (REQ/S column: serving.py)
STATUS_5XX = 'status=~"5.."'
LABEL = "vLLM"
DETECT = ("vllm:num_requests_running", "vllm:request_success_total", "vllm:generation_tokens_total")


def requests(ns, pods, r):
    return f"sum(rate({selector('vllm:request_success_total', app_inner(ns, pods))}[{r}]))"


def errors(ns, pods, r):
    return f"sum(rate({selector('http_requests_total', app_inner(ns, pods, [STATUS_5XX]))}[{r}]))"


def latency(ns, pods, r):
    return quantiles("vllm:e2e_request_latency_seconds_bucket", app_inner(ns, pods), r)


def tokens(ns, pods, r):
    inner = app_inner(ns, pods)
    return either(
        tag(f"sum(rate({selector('vllm:generation_tokens_total', inner)}[{r}]))", "series", "generated"),
        tag(f"sum(rate({selector('vllm:prompt_tokens_total', inner)}[{r}]))", "series", "prompt"),
    )


def queue(ns, pods, r):
    inner = app_inner(ns, pods)
    return either(
        tag(f"sum({selector('vllm:num_requests_waiting', inner)})", "series", "waiting"),
        tag(f"sum({selector('vllm:num_requests_running', inner)})", "series", "running"),
    )


def kv_cache(ns, pods, r):
    inner = app_inner(ns, pods)
    return f"100 * max({selector('vllm:kv_cache_usage_perc', inner)} or {selector('vllm:gpu_cache_usage_perc', inner)})"


PANELS = (
    PanelSpec("vllm_requests", "Requests", "req/s", FAMILY, requests),
    PanelSpec("vllm_errors", "Errors (5xx)", "req/s", FAMILY, errors),
    PanelSpec("vllm_latency", "Latency e2e", "s", FAMILY, latency, ("q",)),
    PanelSpec("vllm_tokens", "Tokens", "tok/s", FAMILY, tokens, ("series",)),
    PanelSpec("vllm_queue", "Queue", "count", FAMILY, queue, ("series",)),
    PanelSpec("vllm_kv", "KV cache", "%", FAMILY, kv_cache),
)
