"""One record per serving object for the GPU% and REQ/S columns of the main table (pure).

* GPU%: the utilisation of the GPUs the object's pods hold, averaged (the fleet's GPU records,
  joined to pods by DCGM's pod labels; no query of its own).
* REQ/S: one aggregated query per refresh for all families, ``sum by (namespace, pod)`` of each
  model server's request counter rate, tagged with its family (vLLM, KServe, BentoML, Takeoff);
  per pod the family its owner's operator runs is read (vLLM before KServe: the Hugging Face
  runtime exports both; Takeoff's ``http_requests_total`` only for InferenceStacks, as vLLM's
  FastAPI instrumentator exports it too), then summed per object.

Records are keyed as ``catalog/serving_metrics.serving_key`` keys them and rounded to what the
cells show, so a record changes (and its row is re-rendered) only when its cell would.
"""

from __future__ import annotations

from typing import Any, Iterable, Mapping

from inference_console.catalog.base import meta
from inference_console.catalog.serving_metrics import round_rate
from inference_console.sources.prometheus import bentoml, kserve, takeoff, vllm
from inference_console.sources.prometheus.client import Result
from inference_console.sources.prometheus.fleet import BENTO, ISVC, STACK, PodIndex, owner_of
from inference_console.sources.prometheus.promql import either, matchers, selector, tag

KINDS = (ISVC, BENTO, STACK)
RATE_FAMILIES = (vllm, kserve, bentoml, takeoff)  # the order a pod's family is chosen in
ALLOWED = {ISVC: ("vllm", "kserve"), BENTO: ("bentoml",), STACK: ("takeoff",)}


def rates_query(namespace: str | None, rate: str = "1m") -> str:
    """Request rate per pod of every family, in one query (series tagged ``family``)."""
    inner = matchers({"namespace": namespace}) if namespace else ""
    parts = [
        tag(f"sum by (namespace, pod) (rate({selector(m.REQUESTS, inner)}[{rate}]))", "family", m.FAMILY)
        for m in RATE_FAMILIES
    ]
    return either(*parts)


def pod_rates(result: Result | None) -> dict[str, dict[str, float]]:
    """``namespace/pod`` -> {family: req/s} (NaN samples dropped)."""
    out: dict[str, dict[str, float]] = {}
    for s in result.series if result else []:
        value = s.last
        if value is None or value != value:
            continue
        key = f"{s.labels.get('namespace', '')}/{s.labels.get('pod', '')}"
        out.setdefault(key, {})[s.labels.get("family", "")] = value
    return out


def records(
    gpus: Iterable[Mapping[str, Any]],
    rates: Mapping[str, Mapping[str, float]] | None,
    index: PodIndex,
) -> list[dict[str, Any]]:
    """One record per serving object that has GPUs or a request rate."""
    acc: dict[tuple[str, str, str], dict[str, Any]] = {}

    def entry(owner: Mapping[str, str], ns: str) -> dict[str, Any] | None:
        if owner.get("key") not in KINDS:
            return None
        k = (owner["key"], ns, owner.get("name", ""))
        rec = acc.get(k)
        if rec is None:
            rec = acc[k] = {"utils": [], "gpus": 0, "req": None, "family": set()}
        return rec

    for gpu in gpus:
        owner = gpu.get("owner")
        if not owner:
            continue
        rec = entry(owner, str(gpu.get("namespace", "")))
        if rec is None:
            continue
        rec["gpus"] += 1
        if gpu.get("util") is not None:
            rec["utils"].append(float(gpu["util"]))
    for pod_key, by_family in (rates or {}).items():
        pod = index.pods.get(pod_key)
        owner = owner_of(pod, index) if pod is not None else None
        if not owner:
            continue
        rec = entry(owner, meta(pod, "namespace"))
        if rec is None:
            continue
        family = next((f for f in ALLOWED[owner["key"]] if f in by_family), None)
        if family is None:
            continue
        rec["req"] = (rec["req"] or 0.0) + by_family[family]
        rec["family"].add(family)
    out = []
    for (kind_key, ns, name), rec in acc.items():
        utils = rec["utils"]
        out.append(
            {
                "key": f"{kind_key}/{ns}/{name}",
                "kind": kind_key,
                "namespace": ns,
                "name": name,
                "gpus": rec["gpus"],
                "gpu_util": round(sum(utils) / len(utils)) if utils else None,
                "req_s": round_rate(rec["req"]),
                "family": ",".join(sorted(rec["family"])),
            }
        )
    return sorted(out, key=lambda r: r["key"])
