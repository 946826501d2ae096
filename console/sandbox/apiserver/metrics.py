"""The resource metrics API (``metrics.k8s.io/v1beta1``, what metrics-server serves): PodMetrics
and NodeMetrics, read-only (get, list), so ``kubectl top pods`` / ``kubectl top nodes`` work.

Usage is derived from the stored objects, deterministically: a running container uses a share
(35–90 %, fixed by its name) of its request (or limit, or a small default); containers that do
not run (crash looping, waiting, pending pods) use nothing and, as with metrics-server, a pod
with no running container has no PodMetrics. A node uses what its pods use plus some system
overhead.  ``emu.serve_metrics = False`` takes the API away (discovery included).
"""

from __future__ import annotations

import asyncio
import zlib
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any

from aiohttp import web

from inference_console.catalog.quantity import cpu_millis, memory_bytes, to_cpu_quantity, to_memory_quantity

from . import discovery
from . import status as st
from .resources import ResourceType
from .respond import error_response, json_response
from .selectors import make_filter
from .status import EmulatorError

if TYPE_CHECKING:
    from .server import Api

GROUP, VERSION = "metrics.k8s.io", "v1beta1"
GV = f"{GROUP}/{VERSION}"
POD_METRICS = ResourceType(GROUP, VERSION, "PodMetrics", "pods", "", True, verbs=["get", "list"])
NODE_METRICS = ResourceType(GROUP, VERSION, "NodeMetrics", "nodes", "", False, verbs=["get", "list"])
PODS, NODES = ("", "pods"), ("", "nodes")
DEFAULT_CPU_M, DEFAULT_MEM = 10.0, 32 * 2**20


def _share(*parts: str) -> float:
    """A fixed fraction in [0.35, 0.90) for these names."""
    return 0.35 + (zlib.crc32("/".join(parts).encode()) % 1000) / 1000 * 0.55


def _now() -> str:
    return datetime.now(timezone.utc).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def _running(pod: dict[str, Any]) -> set[str]:
    status = pod.get("status") or {}
    if status.get("phase") != "Running" or (pod.get("metadata") or {}).get("deletionTimestamp"):
        return set()
    return {
        s.get("name")
        for s in status.get("containerStatuses") or []
        if isinstance(s, dict) and "running" in (s.get("state") or {})
    }


def container_usage(pod: dict[str, Any]) -> list[tuple[str, float, float]]:
    """(container, millicores, bytes) of each running container of ``pod``."""
    running = _running(pod)
    md = pod.get("metadata") or {}
    out = []
    for c in (pod.get("spec") or {}).get("containers") or []:
        name = c.get("name", "")
        if name not in running:
            continue
        res = c.get("resources") or {}
        req, lim = res.get("requests") or {}, res.get("limits") or {}
        cpu = cpu_millis(req.get("cpu")) or cpu_millis(lim.get("cpu")) or DEFAULT_CPU_M
        mem = memory_bytes(req.get("memory")) or memory_bytes(lim.get("memory")) or DEFAULT_MEM
        key = (md.get("namespace", ""), md.get("name", ""), name)
        out.append((name, cpu * _share(*key, "cpu"), mem * _share(*key, "memory")))
    return out


def pod_metrics(pod: dict[str, Any], now: str) -> dict[str, Any] | None:
    usage = container_usage(pod)
    if not usage:
        return None
    md = pod.get("metadata") or {}
    meta: dict[str, Any] = {"name": md.get("name"), "namespace": md.get("namespace"), "creationTimestamp": now}
    if md.get("labels"):
        meta["labels"] = md["labels"]
    return {
        "kind": "PodMetrics",
        "apiVersion": GV,
        "metadata": meta,
        "timestamp": now,
        "window": "30s",
        "containers": [
            {"name": n, "usage": {"cpu": to_cpu_quantity(cpu), "memory": to_memory_quantity(mem)}}
            for n, cpu, mem in usage
        ],
    }


def node_metrics(node: dict[str, Any], pods: list[dict[str, Any]], now: str) -> dict[str, Any]:
    md = node.get("metadata") or {}
    name = md.get("name", "")
    alloc = (node.get("status") or {}).get("allocatable") or {}
    cap_cpu = cpu_millis(alloc.get("cpu")) or 4000.0
    cap_mem = memory_bytes(alloc.get("memory")) or 16 * 2**30
    cpu = cap_cpu * 0.02 * (1 + _share(name, "cpu"))  # kubelet, runtime, daemons
    mem = cap_mem * 0.05 * (1 + _share(name, "memory"))
    for pod in pods:
        if (pod.get("spec") or {}).get("nodeName") == name:
            for _, c, m in container_usage(pod):
                cpu, mem = cpu + c, mem + m
    meta: dict[str, Any] = {"name": name, "creationTimestamp": now}
    if md.get("labels"):
        meta["labels"] = md["labels"]
    return {
        "kind": "NodeMetrics",
        "apiVersion": GV,
        "metadata": meta,
        "timestamp": now,
        "window": "20s",
        "usage": {"cpu": to_cpu_quantity(min(cpu, cap_cpu)), "memory": to_memory_quantity(min(mem, cap_mem))},
    }


def api_group() -> dict[str, Any]:
    gv = {"groupVersion": GV, "version": VERSION}
    return {"name": GROUP, "versions": [gv], "preferredVersion": gv}


def resource_list() -> dict[str, Any]:
    return {
        "kind": "APIResourceList",
        "apiVersion": "v1",
        "groupVersion": GV,
        "resources": [
            {
                "name": rt.plural,
                "singularName": "",
                "namespaced": rt.namespaced,
                "kind": rt.kind,
                "verbs": list(rt.verbs),
            }
            for rt in (NODE_METRICS, POD_METRICS)
        ],
    }


def register(app: web.Application, api: Api) -> None:
    """Serve metrics.k8s.io on ``app`` ahead of the catch-all route (and add it to ``/apis``)."""

    async def handle(request: web.Request) -> web.StreamResponse:
        from .server import RequestRecord

        emu = api.emu
        emu.record_request(RequestRecord(request.method, request.path, dict(request.query), None))
        if emu.latency > 0:
            await asyncio.sleep(emu.latency)
        try:
            if emu.token is not None and request.headers.get("Authorization", "") != f"Bearer {emu.token}":
                raise st.unauthorized()
            return _serve(api, request)
        except EmulatorError as err:
            return error_response(err)

    app.router.add_route("GET", "/apis", handle)
    app.router.add_route("GET", "/apis/", handle)
    app.router.add_route("GET", "/apis/metrics.k8s.io{tail:.*}", handle)


def _serve(api: Api, request: web.Request) -> web.Response:
    emu = api.emu
    served = getattr(emu, "serve_metrics", True)
    parts = [p for p in request.path.split("/") if p]
    if parts == ["apis"]:
        doc = discovery.api_group_list(emu.registry)
        if served:
            doc["groups"].append(api_group())
        return json_response(doc)
    if not served:
        raise st.no_such_resource()
    if parts == ["apis", GROUP]:
        return json_response({"kind": "APIGroup", "apiVersion": "v1", **api_group()})
    if parts == ["apis", GROUP, VERSION]:
        return json_response(resource_list())
    rest = parts[3:] if parts[:3] == ["apis", GROUP, VERSION] else []
    namespace = None
    if len(rest) >= 3 and rest[0] == "namespaces":
        namespace, rest = rest[1], rest[2:]
    if not rest or len(rest) > 2 or rest[0] not in ("pods", "nodes") or (namespace and rest[0] == "nodes"):
        raise st.no_such_resource()
    rt = POD_METRICS if rest[0] == "pods" else NODE_METRICS
    name = rest[1] if len(rest) == 2 else None
    api._authorize(request, rt, "get" if name else "list", namespace, name, None)
    store, now = emu.store, _now()
    pods = [e.obj for _, e in store.entries(PODS)]
    if rt is POD_METRICS:
        if name is not None:
            entry = store.get(PODS, namespace or "default", name)
            item = pod_metrics(entry.obj, now) if entry else None
            if item is None:
                raise st.not_found("pods", GROUP, name)
            return json_response(item)
        pred = make_filter(request.query.get("labelSelector"), request.query.get("fieldSelector"), "Pod")
        items = [
            m
            for p in pods
            if (namespace is None or p["metadata"].get("namespace") == namespace)
            and (pred is None or pred(p))
            and (m := pod_metrics(p, now)) is not None
        ]
        return json_response({"kind": "PodMetricsList", "apiVersion": GV, "metadata": {}, "items": items})
    if name is not None:
        entry = store.get(NODES, "", name)
        if entry is None:
            raise st.not_found("nodes", GROUP, name)
        return json_response(node_metrics(entry.obj, pods, now))
    pred = make_filter(request.query.get("labelSelector"), request.query.get("fieldSelector"), "Node")
    items = [node_metrics(e.obj, pods, now) for _, e in store.entries(NODES) if pred is None or pred(e.obj)]
    return json_response({"kind": "NodeMetricsList", "apiVersion": GV, "metadata": {}, "items": items})
