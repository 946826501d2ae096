"""Finding the Model Registry in the cluster when the config names no URL.

A ``ModelRegistry`` object (catalog kind ``modelregistries.modelregistry.opendatahub.io``,
or ``modelregistry.kubeflow.org/v1alpha1`` on older installs) gets a Service of its own name
in its namespace from the model-registry operator, whose REST port is ``spec.rest.port``
(named ``http-api``; 8080 by default).  The console reaches it through the API server's
service proxy with the kubeconfig's credentials
(:class:`~inference_console.sources.kube.svcproxy.ServiceProxy`, shared with Prometheus).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterable, Mapping

# (group, version) of the ModelRegistry kind, best first (as catalog/kinds/modelregistry.py).
GROUPS = (
    ("modelregistry.opendatahub.io", "v1beta1"),
    ("modelregistry.opendatahub.io", "v1alpha1"),
    ("modelregistry.kubeflow.org", "v1alpha1"),
)
REST_PORT_NAME = "http-api"


@dataclass(frozen=True)
class RegistryService:
    namespace: str
    name: str
    port: str  # the Service port (name or number) the proxy path uses
    url: str  # how it is reached inside the cluster (the InferenceService controller's annotation)
    why: str = ""


def _available(obj: Mapping[str, Any]) -> bool:
    for cond in (obj.get("status") or {}).get("conditions") or []:
        if isinstance(cond, dict) and cond.get("type") == "Available":
            return cond.get("status") == "True"
    return True  # no conditions yet: still a candidate


def registry_service(obj: Mapping[str, Any]) -> RegistryService:
    """The Service the operator makes for a ModelRegistry object."""
    md = obj.get("metadata") or {}
    rest = ((obj.get("spec") or {}).get("rest") or {}) if isinstance(obj.get("spec"), dict) else {}
    port = rest.get("port") or 8080
    name, ns = str(md.get("name", "")), str(md.get("namespace", ""))
    return RegistryService(
        ns, name, str(port), f"http://{name}.{ns}.svc.cluster.local:{port}", f"ModelRegistry {ns}/{name}"
    )


def choose(registries: Iterable[Mapping[str, Any]]) -> RegistryService | None:
    """The Available one first, then by namespace and name (stable)."""
    ranked = sorted(
        registries,
        key=lambda o: (
            not _available(o),
            (o.get("metadata") or {}).get("namespace", ""),
            (o.get("metadata") or {}).get("name", ""),
        ),
    )
    return registry_service(ranked[0]) if ranked else None


def proxy_port(service: Mapping[str, Any] | None, found: RegistryService) -> str:
    """The port of the registry's Service to go through: the one named http-api, else the REST port."""
    ports = [p for p in (((service or {}).get("spec") or {}).get("ports") or []) if isinstance(p, dict)]
    for p in ports:
        if p.get("name") == REST_PORT_NAME:
            return REST_PORT_NAME
    for p in ports:
        if str(p.get("port")) == found.port:
            return str(p.get("name") or p.get("port"))
    return found.port


def bare_url(url: str) -> str:
    """``scheme://host[:port]/path`` without credentials, query or fragment (safe in an annotation)."""
    scheme, sep, rest = url.partition("://")
    if not sep:
        return ""
    rest = rest.split("#", 1)[0].split("?", 1)[0]
    authority, slash, path = rest.partition("/")
    authority = authority.rpartition("@")[2]
    return f"{scheme}://{authority}{slash}{path}".rstrip("/")


async def discover(kube_transport: Any) -> RegistryService | None:
    """List ModelRegistry objects (cluster-wide) of each known group; the chosen one's Service port."""
    from inference_console.sources.base import SourceError

    for group, version in GROUPS:
        try:
            listing = await kube_transport.get(f"/apis/{group}/{version}/modelregistries")
        except SourceError:
            continue  # not installed in this version, or not allowed
        found = choose(item for item in (listing or {}).get("items") or [] if isinstance(item, dict))
        if found is None:
            continue
        try:
            service = await kube_transport.get(f"/api/v1/namespaces/{found.namespace}/services/{found.name}")
        except SourceError:
            service = None
        return RegistryService(
            found.namespace,
            found.name,
            proxy_port(service, found),
            found.url,
            f"{found.why}, via the API server's service proxy",
        )
    return None
