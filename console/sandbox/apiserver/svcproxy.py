"""``/api/v1/namespaces/NS/services/[SCHEME:]NAME[:PORT]/proxy/PATH``: the API server's service proxy.

The emulator runs no pods, so a Service's backend is registered here
(:func:`service_backends` ``[(namespace, name)] = "http://127.0.0.1:PORT"``) by tests and
demo servers; the request's method, path after ``/proxy``, query and body are forwarded
and the backend's status, content type and body come back, as kube-apiserver relays them.
A WebSocket upgrade is relayed too (kube-apiserver's proxy is upgrade-aware): the backend's
WebSocket is opened first (its refusal comes back as its status), then messages and the
close (the backend's code and reason, as a raw relay passes them) are pumped both ways.
Authentication and RBAC are the emulator's own (``services/proxy``, verb ``get`` for GET).
A Service that does not exist is a 404 ``Status``; one with no backend is the API server's
503 ``no endpoints available for service``.  ``kubectl get --raw`` is a client in the tests.
"""

from __future__ import annotations

import asyncio
import weakref
from typing import TYPE_CHECKING, Any

from aiohttp import web

from . import status as st
from .respond import error_response
from .status import EmulatorError

if TYPE_CHECKING:
    from .server import Api

_BACKENDS: "weakref.WeakKeyDictionary[Any, dict[tuple[str, str], str]]" = weakref.WeakKeyDictionary()
HOP_HEADERS = {
    "connection",
    "keep-alive",
    "transfer-encoding",
    "content-length",
    "content-encoding",
    "host",
    "authorization",
}


def service_backends(emu: Any) -> dict[tuple[str, str], str]:
    """Where each Service of an emulator forwards: (namespace, name) -> base URL."""
    found = _BACKENDS.get(emu)
    if found is None:
        found = _BACKENDS[emu] = {}
    return found


def register(app: web.Application, api: "Api") -> None:
    async def handle(request: web.Request) -> web.StreamResponse:
        return await _handle(api, request)

    app.router.add_route("*", "/api/v1/namespaces/{namespace}/services/{service}/proxy{tail:.*}", handle)


def _service_name(raw: str) -> str:
    parts = raw.split(":")
    if len(parts) == 3:  # scheme:name:port
        return parts[1]
    if len(parts) == 2 and parts[0] in ("http", "https"):
        return parts[1]
    return parts[0]


async def _handle(api: "Api", request: web.Request) -> web.StreamResponse:
    from .server import RequestRecord

    emu = api.emu
    emu.record_request(RequestRecord(request.method, request.path, dict(request.query), None))
    try:
        if emu.token is not None and request.headers.get("Authorization", "") != f"Bearer {emu.token}":
            raise st.unauthorized()
        namespace, name = request.match_info["namespace"], _service_name(request.match_info["service"])
        rt = emu.registry.by_url("", "v1", "services")
        verb = {
            "GET": "get",
            "HEAD": "get",
            "POST": "create",
            "PUT": "update",
            "PATCH": "patch",
            "DELETE": "delete",
        }.get(request.method, "get")
        api._authorize(request, rt, verb, namespace, name, "proxy")  # noqa: SLF001 - the emulator's own rules
        if emu.get("v1", "Service", namespace, name) is None:
            raise st.not_found("services", "", name)
        backend = service_backends(emu).get((namespace, name))
        if backend is None:
            raise EmulatorError(503, "ServiceUnavailable", f'no endpoints available for service "{name}"', {})
        return await _forward(request, backend)
    except EmulatorError as err:
        return error_response(err)


async def _forward(request: web.Request, backend: str) -> web.StreamResponse:
    import aiohttp

    tail = request.match_info.get("tail") or "/"
    url = backend.rstrip("/") + (tail if tail.startswith("/") else "/" + tail)
    headers = {k: v for k, v in request.headers.items() if k.lower() not in HOP_HEADERS}
    if request.headers.get("Upgrade", "").lower() == "websocket":
        return await _forward_websocket(request, url, headers)
    body = await request.read()
    try:
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=60)) as session:
            async with session.request(
                request.method, url, params=request.query, data=body or None, headers=headers, allow_redirects=False
            ) as resp:
                data = await resp.read()
                return web.Response(
                    status=resp.status, body=data, content_type=resp.content_type or "application/octet-stream"
                )
    except (aiohttp.ClientError, OSError, asyncio.TimeoutError) as exc:
        # kube-apiserver answers 503 with the dial error as the Status message.
        return error_response(EmulatorError(503, "ServiceUnavailable", f"error trying to reach service: {exc}", {}))


WS_HEADERS = {
    "upgrade",
    "sec-websocket-key",
    "sec-websocket-version",
    "sec-websocket-extensions",
    "sec-websocket-accept",
}


async def _forward_websocket(request: web.Request, url: str, headers: dict[str, str]) -> web.StreamResponse:
    import aiohttp

    headers = {k: v for k, v in headers.items() if k.lower() not in WS_HEADERS}
    session = aiohttp.ClientSession()
    try:
        try:
            upstream = await session.ws_connect(
                url.replace("http://", "ws://", 1).replace("https://", "wss://", 1),
                params=request.query,
                headers=headers,
                max_msg_size=0,
                autoping=True,
            )
        except aiohttp.WSServerHandshakeError as exc:
            return web.Response(status=exc.status, text=exc.message or "WebSocket upgrade refused by the backend")
        except (aiohttp.ClientError, OSError, asyncio.TimeoutError) as exc:
            return error_response(EmulatorError(503, "ServiceUnavailable", f"error trying to reach service: {exc}", {}))
        client = web.WebSocketResponse(max_msg_size=0, autoping=True)
        await client.prepare(request)

        closed: list[tuple[int, bytes]] = []  # the backend's close frame (code, reason), relayed as it came

        async def pump(src: Any, dst: Any) -> None:
            while True:
                msg = await src.receive()
                if msg.type == aiohttp.WSMsgType.TEXT:
                    await dst.send_str(msg.data)
                elif msg.type == aiohttp.WSMsgType.BINARY:
                    await dst.send_bytes(msg.data)
                else:
                    if msg.type == aiohttp.WSMsgType.CLOSE and src is upstream:
                        closed.append((int(msg.data or aiohttp.WSCloseCode.OK), str(msg.extra or "").encode()))
                    break

        tasks = [asyncio.ensure_future(pump(upstream, client)), asyncio.ensure_future(pump(client, upstream))]
        try:
            await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            code, reason = closed[0] if closed else (upstream.close_code or aiohttp.WSCloseCode.OK, b"")
            await upstream.close()
            await client.close(code=code, message=reason)
        return client
    finally:
        await session.close()
