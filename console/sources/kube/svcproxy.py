"""HTTP to a Service through the API server's service proxy, with the cluster connection's credentials.

``/api/v1/namespaces/NS/services/NAME:PORT/proxy/PATH``: works from a bastion with nothing but
the kubeconfig (no port-forward, no route).  The sources that reach an in-cluster server this
way (Prometheus, the Model Registry) share this one helper over the kube source's
:class:`~inference_console.sources.kube.transport.Transport`; the API server relays the
backend's status and body, and answers itself (401/403 for ``services/proxy`` RBAC, 404 for a
missing Service, 503 without endpoints).  :meth:`ServiceProxy.websocket` opens a WebSocket
through the same path (kube-apiserver's proxy relays the upgrade) on the kube client's own
aiohttp session, with the same credentials.
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

    async def request(
        self,
        method: str,
        path: str,
        params: Any = None,
        body: Any = None,
        timeout: float | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> tuple[int, bytes, Mapping[str, str]]:
        """(status, body, headers) of ``method path`` at the Service; KubeError(0) when there is no answer.

        ``headers`` go to the backend (kube-apiserver's proxy forwards all but its own auth
        headers): Loki's tenant header ``X-Scope-OrgID``, for one."""
        import aiohttp

        query = list(params.items()) if isinstance(params, Mapping) else list(params or [])
        resp = await self.kube._call(  # noqa: SLF001
            method, self.base + path, query, body, JSON, timeout=timeout, headers=headers
        )
        try:
            raw = await resp.read()
        except (aiohttp.ClientError, OSError, asyncio.TimeoutError) as exc:
            raise KubeError(0, "ConnectionError", _describe(exc)) from exc
        finally:
            resp.release()
        return resp.status, raw, resp.headers

    async def websocket(
        self,
        path: str,
        params: Any = None,
        headers: Mapping[str, str] | None = None,
        max_msg_size: int = 64 * 1024 * 1024,
    ) -> Any:
        """An ``aiohttp`` WebSocket to ``path`` at the Service (the caller closes it).

        The kube client's session (its TLS context, client certificate, CA) and its bearer
        token (refreshed by its auth settings) are reused.  A refused upgrade raises
        ``aiohttp.WSServerHandshakeError`` (its ``status`` is the proxy's or backend's answer);
        no answer at all is KubeError(0).
        """
        from urllib.parse import urlencode

        import aiohttp

        api = self.kube.api
        query = list(params.items()) if isinstance(params, Mapping) else list(params or [])
        sent = dict(headers or {})
        await api.update_params_for_auth(sent, query, ["BearerToken"])
        host = str(api.configuration.host).rstrip("/")
        url = host + self.base + path + ("?" + urlencode(query) if query else "")
        try:
            return await api.rest_client.pool_manager.ws_connect(
                url,
                headers=sent,
                max_msg_size=max_msg_size,
                autoping=True,
                timeout=aiohttp.ClientWSTimeout(ws_receive=None, ws_close=10.0),
            )
        except aiohttp.WSServerHandshakeError:
            raise
        except (aiohttp.ClientError, OSError, asyncio.TimeoutError) as exc:
            raise KubeError(0, "ConnectionError", _describe(exc)) from exc
