"""Kubernetes: kube-state-metrics restarts, cAdvisor CPU and memory per pod (metrics.md §6)."""

from __future__ import annotations

from inference_console.sources.prometheus.panels import PanelSpec, app_inner
from inference_console.sources.prometheus.promql import selector

FAMILY = "kube"
LABEL = "Kubernetes"
DETECT = ("kube_pod_container_status_restarts_total", "container_cpu_usage_seconds_total")
CONTAINERS = ('container!=""', 'container!="POD"')


def restarts(ns, pods, r):
    return f"sum by (pod) ({selector('kube_pod_container_status_restarts_total', app_inner(ns, pods))})"


def cpu(ns, pods, r):
    return f"sum by (pod) (rate({selector('container_cpu_usage_seconds_total', app_inner(ns, pods, CONTAINERS))}[{r}]))"


def memory(ns, pods, r):
    return f"sum by (pod) ({selector('container_memory_working_set_bytes', app_inner(ns, pods, CONTAINERS))})"


def exporters() -> str:
    """What ``:prom`` lists: targets up per job."""
    return "count by (job) (up)"


def exporters_up() -> str:
    return "sum by (job) (up)"


PANELS = (
    PanelSpec("kube_restarts", "Restarts", "count", FAMILY, restarts, ("pod",)),
    PanelSpec("kube_cpu", "CPU", "cores", FAMILY, cpu, ("pod",)),
    PanelSpec("kube_memory", "Memory", "bytes", FAMILY, memory, ("pod",)),
)
