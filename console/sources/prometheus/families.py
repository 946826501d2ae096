"""Which exporter families an object's pods have, and the panels to show for them (pure)."""

from __future__ import annotations

from typing import Iterable

from inference_console.sources.prometheus import bentoml, dcgm, kserve, kube, takeoff, vllm
from inference_console.sources.prometheus.panels import PanelSpec, app_inner
from inference_console.sources.prometheus.promql import any_of, either, quote, tag

APP_FAMILIES = (vllm, kserve, bentoml, takeoff)
LABELS = {m.FAMILY: m.LABEL for m in (*APP_FAMILIES, kube)} | {"gpu": "DCGM"}
# The model servers an operator's pods are expected to export.
EXPECTED = {
    "inferenceservices.serving.kserve.io": ("vllm", "kserve"),
    "bentodeployments.serving.yatai.ai": ("bentoml",),
    "inferencestacks.doublewordai.co": ("takeoff",),
}
_BY_NAME = {name: m.FAMILY for m in (*APP_FAMILIES, kube) for name in m.DETECT}


def detect_query(d: dcgm.Dialect, namespace: str, pods: Iterable[str]) -> str:
    """One query: which known metric names exist for these pods (``count by (__name__)``)."""
    pods = list(pods)
    names = any_of(_BY_NAME)
    app = f"count by (__name__) ({{__name__=~{quote(names)}, {app_inner(namespace, pods)}}})"
    if not d.present:
        return app
    gpu = f"count by (__name__) ({d.name('util')}{{{dcgm.pods_inner(d, namespace, pods)}}})"
    # `or` matches label sets without the name: tag each side so neither hides the other.
    return either(tag(app, "src", "app"), tag(gpu, "src", "dcgm"))


def families_from(names: Iterable[str], d: dcgm.Dialect) -> set[str]:
    found = set()
    for name in names:
        if name == d.name("util"):
            found.add("gpu")
        elif name in _BY_NAME:
            found.add(_BY_NAME[name])
    return found


def panels_for(found: set[str], d: dcgm.Dialect) -> list[PanelSpec]:
    out: list[PanelSpec] = []
    if "gpu" in found:
        out += dcgm.panels(d)
    for module in APP_FAMILIES:
        if module.FAMILY in found:
            out += module.PANELS
    if "kube" in found:
        out += kube.PANELS
    return out


def missing_notes(kind_key: str, found: set[str], d: dcgm.Dialect, pods: list[str]) -> list[str]:
    """Say what is absent instead of showing empty charts."""
    what = "this pod" if len(pods) == 1 else "these pods"
    notes = []
    if not pods:
        return ["no running pods: nothing to chart"]
    if not d.present:
        notes.append("no DCGM exporter found in this Prometheus")
    elif "gpu" not in found:
        notes.append(f"no GPU metrics for {what} (no GPU allocated, or DCGM does not label pods)")
    expected = EXPECTED.get(kind_key, ())
    if expected and not found & set(expected):
        notes.append(f"no {' or '.join(LABELS[f] for f in expected)} metrics for {what}")
    elif not expected and not found & {m.FAMILY for m in APP_FAMILIES}:
        notes.append(f"no model-server metrics (vLLM, KServe, BentoML, Takeoff) for {what}")
    if "kube" not in found:
        notes.append(f"no kube-state-metrics or cAdvisor series for {what}")
    return notes
