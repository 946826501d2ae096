"""HTTP to a Service through the API server's service proxy, with the cluster connection's credentials.

``/api/v1/namespaces/NS/services/NAME:PORT/proxy/PATH``: works from a bastion with nothing but
the kubeconfig (no port-forward, no route).  The sources that reach an in-cluster server this
way (Prometheus, the Model Registry) share this one helper over the kube source's
:class:`~inference_console.sources.kube.transport.Transport`; the API server relays the
backend's status and body, and answers itself (401/403 for ``services/proxy`` RBAC, 404 for a
missing Service, 503 without endpoints).
"""

from __future__ import annotations

import asyncio
from typing import Any, Mapping

from inference_console.sources.kube.errors import KubeError
from inference_console.sources.kube.transport import JSON, _describe


class ServiceProxy:
    def __init__(self, kube_transport: Any, namespace: str, service: str, port: str | int) -> None:
        self.kube = kube_transport
        self.namespace, self.service, self.port = namespace, service, str(port)
        self.base = f"/api/v1/namespaces/{namespace}/services/{service}:{port}/proxy"
        self.description = f"{getattr(kube_transport, 'host', '')}{self.base}/"

    async def request(self, method: str, path: str, params: Any = None, body: Any = None,
                      timeout: float | None = None) -> tuple[int, bytes, Mapping[str, str]]:
        """(status, body, headers) of ``method path`` at the Service; KubeError(0) when there is no answer."""
        import aiohttp

        query = list(params.items()) if isinstance(params, Mapping) else list(params or [])
        resp = await self.kube._call(method, self.base + path, query, body, JSON, timeout=timeout)  # noqa: SLF001
        try:
            raw = await resp.read()
        except (aiohttp.ClientError, OSError, asyncio.TimeoutError) as exc:
            raise KubeError(0, "ConnectionError", _describe(exc)) from exc
        finally:
            resp.release()
        return resp.status, raw, resp.headers
