"""GPU fleet records from the fleet queries, joined to pods and serving objects (pure).

The join: DCGM's pod labels name the pod holding a GPU; the workspace's pods store gives
its age, and its labels or owner chain (ReplicaSet -> Deployment) give the serving object:
an InferenceService, a BentoDeployment, an InferenceStack or a plain Deployment.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, Iterable, Mapping

from inference_console.catalog.base import meta, owner_uids, parse_time
from inference_console.sources.prometheus.client import Result
from inference_console.sources.prometheus.dcgm import NAMES, Dialect

ISVC = "inferenceservices.serving.kserve.io"
BENTO = "bentodeployments.serving.yatai.ai"
STACK = "inferencestacks.doublewordai.co"
HOT_C = 80.0
IDLE_PERCENT = 5.0
HISTORY = 30  # sparkline points kept per GPU
ROUNDED = ("util", "temp", "power", "fb_used", "fb_free", "fb_total", "mem_pct", "util_max_1h")


@dataclass
class PodIndex:
    """Pods by ``namespace/name`` and the objects that own them, from the workspace stores."""

    pods: dict[str, Mapping[str, Any]]
    by_uid: dict[str, tuple[str, Mapping[str, Any]]]  # uid -> (store key, object) of owners
    serving: dict[tuple[str, str, str], tuple[str, Mapping[str, Any]]]  # (key, ns, name) -> obj


def build_index(stores: Mapping[str, Iterable[Mapping[str, Any]]]) -> PodIndex:
    pods = {f"{meta(p, 'namespace')}/{meta(p, 'name')}": p for p in stores.get("pods", ())}
    by_uid: dict[str, tuple[str, Mapping[str, Any]]] = {}
    serving: dict[tuple[str, str, str], tuple[str, Mapping[str, Any]]] = {}
    for key in ("replicasets", "deployments", "statefulsets", ISVC, BENTO, STACK):
        for obj in stores.get(key, ()):
            uid = meta(obj, "uid")
            if uid:
                by_uid[uid] = (key, obj)
            if key in (ISVC, BENTO, STACK):
                serving[(key, meta(obj, "namespace"), meta(obj, "name"))] = (key, obj)
    return PodIndex(pods, by_uid, serving)


def _owner(key: str, kind: str, ns: str, name: str, index: PodIndex) -> dict[str, str]:
    found = index.serving.get((key, ns, name))
    return {"key": key, "kind": kind, "name": name, "uid": meta(found[1], "uid") if found else ""}


def owner_of(pod: Mapping[str, Any], index: PodIndex) -> dict[str, str] | None:
    """The serving object behind a pod: its operator's label first, else the owner chain's top."""
    labels = meta(pod, "labels", {}) or {}
    ns = meta(pod, "namespace")
    if labels.get("serving.kserve.io/inferenceservice"):
        return _owner(ISVC, "InferenceService", ns, labels["serving.kserve.io/inferenceservice"], index)
    if labels.get("yatai.ai/bento-deployment"):
        return _owner(BENTO, "BentoDeployment", ns, labels["yatai.ai/bento-deployment"], index)
    if labels.get("app.kubernetes.io/name") == "inference-stack" and labels.get("app.kubernetes.io/instance"):
        return _owner(STACK, "InferenceStack", ns, labels["app.kubernetes.io/instance"], index)
    top: tuple[str, Mapping[str, Any]] | None = None
    uids, seen = owner_uids(pod), set()
    while uids:
        uid = uids[0]
        if uid in seen or uid not in index.by_uid:
            break
        seen.add(uid)
        top = index.by_uid[uid]
        uids = owner_uids(top[1])
    if top is None:
        return None
    key, obj = top
    return {"key": key, "kind": obj.get("kind") or key, "name": meta(obj, "name"), "uid": meta(obj, "uid")}


def _gpu_key(labels: Mapping[str, str], d: Dialect) -> str:
    host = labels.get(d.host) or labels.get("instance") or labels.get(d.uuid, "?")
    return f"{host}/{labels.get('gpu', '?')}"


def _num(v: float | None) -> float | None:
    return None if v is None or math.isnan(v) else v


def gpu_records(
    d: Dialect,
    current: Result,
    history: Result | None,
    util_1h: Result | None,
    xid_1h: Result | None,
    index: PodIndex,
    now: float | None = None,
    sparks: Mapping[str, list[float | None]] | None = None,
    identity: Result | None = None,
    fb_total: Result | None = None,
) -> list[dict[str, Any]]:
    """One record per GPU (key ``node/index``).

    ``identity`` (:func:`dcgm.fleet_identity`) says who holds each GPU; without it the
    labels of ``current`` are read for that too.  ``fb_total`` (:func:`dcgm.fleet_fb_total`)
    gives the memory total when ``current`` has no free memory.  ``sparks`` (GPU key -> sparkline points),
    when the caller keeps them between refreshes, replaces ``history``.
    """
    now = now if now is not None else datetime.now(timezone.utc).timestamp()
    fields = {NAMES[f][1 if d.legacy else 0]: f for f in NAMES}
    gpus: dict[str, dict[str, Any]] = {}
    host_l, pod_l, ns_l, uuid_l, model_l = d.host, d.pod, d.namespace, d.uuid, d.model

    def record(labels: Mapping[str, str]) -> dict[str, Any]:
        host = labels.get(host_l) or labels.get("instance")
        key = f"{host or labels.get(uuid_l, '?')}/{labels.get('gpu', '?')}"
        rec = gpus.get(key)
        if rec is None:
            rec = gpus[key] = {
                "key": key,
                "node": host or "",
                "gpu": labels.get("gpu", ""),
                "uuid": labels.get(uuid_l, ""),
                "model": labels.get(model_l, ""),
                "pod": "",
                "namespace": "",
            }
        pod = labels.get(pod_l)
        if pod:
            rec["pod"], rec["namespace"] = pod, labels.get(ns_l, "")
        return rec

    # Oldest first: when a GPU changed hands within the lookback, the newest holder wins.
    for s in sorted(identity.series, key=lambda s: s.last or 0.0) if identity else []:
        record(s.labels)
    for s in current.series:
        labels = s.labels
        field = fields.get(labels.get("__name__", ""))
        if field is None:
            continue
        rec = record(labels)
        value = s.points[-1][1] if s.points else None
        rec[field] = None if value is None or value != value else value  # NaN: no value
    for result, name in ((util_1h, "util_max_1h"), (xid_1h, "xid_max_1h"), (fb_total, "fb_total")):
        for s in result.series if result else []:
            rec = gpus.get(_gpu_key(s.labels, d))
            if rec is not None:
                rec[name] = _num(s.last)
    if sparks is not None:
        for key, points in sparks.items():
            rec = gpus.get(key)
            if rec is not None:
                rec["history"] = points
    else:
        for key, points in history_points(d, history).items():
            rec = gpus.get(key)
            if rec is not None:
                rec["history"] = points
    for rec in gpus.values():
        used, free = rec.get("fb_used"), rec.get("fb_free")
        if free is not None or "fb_total" not in rec:
            rec["fb_total"] = used + free if used is not None and free is not None else None
        rec["mem_pct"] = 100.0 * used / rec["fb_total"] if rec["fb_total"] else None
        pod = index.pods.get(f"{rec['namespace']}/{rec['pod']}") if rec["pod"] else None
        rec["owner"] = owner_of(pod, index) if pod is not None else None
        rec["pod_uid"] = meta(pod, "uid") if pod is not None else ""
        started = parse_time(meta(pod, "creationTimestamp")) if pod is not None else None
        rec["pod_started"] = started.timestamp() if started else None  # not an age: that changes every refresh
        rec.setdefault("history", [])
        rec["idle"] = (rec.get("util") if rec.get("util") is not None else 100.0) < IDLE_PERCENT
        rec["hot"] = (rec.get("temp") or 0.0) >= HOT_C
        rec["xid_recent"] = max(rec.get("xid") or 0.0, rec.get("xid_max_1h") or 0.0)
        # To what the table and summary show (whole %, °C, W, MiB): a GPU whose cells would not change
        # keeps an equal record, so a refresh re-renders (and re-sorts) only the rows that changed.
        for name in ROUNDED:
            value = rec.get(name)
            if value is not None and math.isfinite(value):
                rec[name] = float(round(value))
    return sorted(gpus.values(), key=lambda r: (r["node"], _index(r["gpu"])))


def history_points(d: Dialect, history: Result | None) -> dict[str, list[float | None]]:
    """GPU key -> its last HISTORY utilisation points, rounded (the sparkline of a row)."""
    out: dict[str, list[float | None]] = {}
    for s in history.series if history else []:
        out[_gpu_key(s.labels, d)] = [round(v, 1) if not math.isnan(v) else None for _, v in s.points[-HISTORY:]]
    return out


def _index(text: str) -> tuple[int, str]:
    return (int(text), "") if text.isdigit() else (1 << 30, text)
