"""What a metrics panel is (pure): a title, a unit, one PromQL query and how to name its series."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Iterable

# build(namespace, pods, rate_window) -> PromQL
Build = Callable[[str, Iterable[str], str], str]


@dataclass(frozen=True)
class PanelSpec:
    id: str
    title: str
    unit: str  # "%", "MiB", "bytes", "W", "°C", "req/s", "tok/s", "s", "cores", "count", "code"
    family: str  # "gpu" | "vllm" | "kserve" | "bentoml" | "takeoff" | "kube"
    build: Build
    legend: tuple[str, ...] = ()  # labels that name a series ("q", "series", "pod"...)


def app_inner(namespace: str, pods: Iterable[str], extra: Iterable[str] = ()) -> str:
    """Model-server and Kubernetes metrics carry the scraped pod as ``namespace``/``pod``."""
    from inference_console.sources.prometheus.promql import any_of, matchers

    return matchers({"namespace": namespace}, {"pod": any_of(pods)}, extra)
