"""Finding Loki in the cluster when the config names no URL (a pure choice + one listing).

Candidates, best first: a Service named ``loki-gateway`` (the Helm chart's gateway, or one
labelled ``app.kubernetes.io/component=gateway`` under ``app.kubernetes.io/name=loki``), then
``loki`` (single binary), ``loki-read``, ``loki-query-frontend``, then any other Service
labelled ``app.kubernetes.io/name=loki`` (its headless/memberlist Services last).  The port
is the one named ``http``, else ``http-metrics``, else the first TCP port.  The console goes
through the API server's service proxy with the kubeconfig's credentials (the shape follows
``prometheus/discovery.py``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterable, Mapping

from inference_console.catalog.base import meta

NAMES = ("loki-gateway", "loki", "loki-read", "loki-query-frontend")


@dataclass(frozen=True)
class Found:
    namespace: str
    name: str
    port: str
    why: str


def _rank(svc: Mapping[str, Any]) -> int | None:
    name = meta(svc, "name")
    labels = meta(svc, "labels", {}) or {}
    is_loki = labels.get("app.kubernetes.io/name") == "loki"
    if name == "loki-gateway" or (is_loki and labels.get("app.kubernetes.io/component") == "gateway"):
        return 0
    if name in NAMES:
        return 1 + NAMES.index(name)
    if is_loki:
        if "headless" in name or "memberlist" in name:
            return 9
        return 5
    return None


def _port(svc: Mapping[str, Any]) -> str | None:
    ports = [
        p
        for p in ((svc.get("spec") or {}).get("ports") or [])
        if isinstance(p, dict) and (p.get("protocol") or "TCP") == "TCP"
    ]
    for wanted in ("http", "http-metrics"):
        if any(p.get("name") == wanted for p in ports):
            return wanted
    if ports:
        return str(ports[0].get("name") or ports[0].get("port"))
    return None


def choose(services: Iterable[Mapping[str, Any]]) -> Found | None:
    best: tuple[tuple[int, str, str], Mapping[str, Any], str] | None = None
    for svc in services:
        rank, port = _rank(svc), _port(svc)
        if rank is None or port is None:
            continue
        key = (rank, meta(svc, "namespace"), meta(svc, "name"))
        if best is None or key < best[0]:
            best = (key, svc, port)
    if best is None:
        return None
    _, svc, port = best
    return Found(
        meta(svc, "namespace"), meta(svc, "name"), port, f"Service {meta(svc, 'namespace')}/{meta(svc, 'name')}"
    )


async def discover(kube_transport: Any, namespace: str | None = None) -> Found | None:
    """List Services cluster-wide, else (forbidden) in ``namespace`` (the context's), and choose one."""
    from inference_console.sources.base import SourceError

    try:
        listing = await kube_transport.get("/api/v1/services")
        return choose(listing.get("items") or [])
    except SourceError as exc:
        if getattr(exc, "code", None) not in (401, 403) or not namespace:
            raise
    listing = await kube_transport.get(f"/api/v1/namespaces/{namespace}/services")
    return choose(listing.get("items") or [])
