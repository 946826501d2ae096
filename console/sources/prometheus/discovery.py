"""Finding Prometheus in the cluster when the config names no URL (pure choice + one listing).

Candidates, best first: the ``prometheus-operated`` Service of the Prometheus operator,
kube-prometheus-stack's ``*-kube-prometheus-prometheus`` / kube-prometheus's
``prometheus-k8s``, then any Service labelled as Prometheus
(``app.kubernetes.io/name=prometheus`` or ``app=prometheus``).  The port is the one named
``web``/``http-web``/``http``, else 9090, else the first.  The app reaches it through the
API server's service proxy with the kubeconfig's credentials.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterable, Mapping

from inference_console.catalog.base import meta


@dataclass(frozen=True)
class Found:
    namespace: str
    name: str
    port: str
    why: str


def _rank(svc: Mapping[str, Any]) -> tuple[int, str] | None:
    name = meta(svc, "name")
    labels = meta(svc, "labels", {}) or {}
    if name == "prometheus-operated":
        return (0, "the Prometheus operator's prometheus-operated Service")
    if name.endswith("kube-prometheus-prometheus") or name.endswith("kube-prometheus-stack-prometheus"):
        return (1, f"kube-prometheus-stack's Service {name}")
    if name == "prometheus-k8s":
        return (1, "kube-prometheus's prometheus-k8s Service")
    if labels.get("app.kubernetes.io/name") == "prometheus" or labels.get("app") == "prometheus":
        return (2, f"a Service labelled as Prometheus ({name})")
    if name in ("prometheus", "prometheus-server"):
        return (3, f"a Service named {name}")
    return None


def _port(svc: Mapping[str, Any]) -> str:
    ports = [p for p in ((svc.get("spec") or {}).get("ports") or []) if isinstance(p, dict)]
    for wanted in ("web", "http-web", "http"):
        for p in ports:
            if p.get("name") == wanted:
                return wanted
    for p in ports:
        if p.get("port") == 9090:
            return p.get("name") or "9090"
    if ports:
        return str(ports[0].get("name") or ports[0].get("port") or "9090")
    return "9090"


def choose(services: Iterable[Mapping[str, Any]]) -> Found | None:
    best: tuple[tuple[int, str], Mapping[str, Any]] | None = None
    for svc in services:
        rank = _rank(svc)
        if rank is not None and (
            best is None or (rank[0], meta(svc, "namespace")) < (best[0][0], meta(best[1], "namespace"))
        ):
            best = (rank, svc)
    if best is None:
        return None
    (_, why), svc = best
    return Found(meta(svc, "namespace"), meta(svc, "name"), _port(svc), why)


async def discover(kube_transport: Any) -> Found | None:
    """List Services (cluster-wide, else the usual monitoring namespaces) and choose one."""
    from inference_console.sources.base import SourceError

    try:
        listing = await kube_transport.get("/api/v1/services")
        return choose(listing.get("items") or [])
    except SourceError:
        pass
    for ns in ("monitoring", "prometheus", "kube-prometheus-stack", "observability", "kube-system"):
        try:
            listing = await kube_transport.get(f"/api/v1/namespaces/{ns}/services")
        except SourceError:
            continue
        found = choose(listing.get("items") or [])
        if found is not None:
            return found
    return None
