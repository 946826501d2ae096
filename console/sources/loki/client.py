"""Loki's HTTP API over httpx and its tail WebSocket over httpx-ws (no Textual).

Every failure becomes a :class:`LokiError` (a :class:`SourceError`) whose summary is one
line for the pane: Loki's own plain-text message on a 400 (a LogQL parse error, a limit),
``no org id`` on a 401, the 429, or the connection failure.
"""

from __future__ import annotations

import gc
import json
import ssl
from dataclasses import dataclass
from operator import itemgetter
from typing import Any, AsyncIterator

import httpx

from inference_console.sources.base import SourceError

Entry = tuple[int, str]
_text = itemgetter(1)


@dataclass
class LokiError(SourceError):
    code: int  # HTTP status; 0: no answer
    message: str

    def __str__(self) -> str:
        return self.summary()

    def summary(self) -> str:
        if self.code == 0:
            return f"Loki unreachable: {self.message}"
        if self.code == 401:
            return f"Loki refused the tenant (401): {self.message or 'no org id'}"
        if self.code == 429:
            return f"Loki rate limit (429): {self.message}"
        if self.code == 400:
            return self.message
        return f"Loki error ({self.code}): {self.message}"


class WebSocketRefused(LokiError):
    """The tail's WebSocket upgrade was refused (a proxy that blocks WebSockets, a limit)."""


class LokiClient:
    def __init__(
        self,
        base_url: str,
        *,
        headers: dict[str, str] | None = None,
        auth: Any = None,
        verify: ssl.SSLContext | bool | str = True,
        timeout: float = 10.0,
        cert: Any = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.headers = dict(headers or {})
        self.timeout = timeout
        self.http = httpx.AsyncClient(
            base_url=self.base_url, headers=self.headers, auth=auth, verify=verify, timeout=timeout, cert=cert
        )

    async def close(self) -> None:
        await self.http.aclose()

    async def _get(self, path: str, params: dict[str, Any] | list[tuple[str, Any]]) -> Any:
        try:
            resp = await self.http.get(path, params=params)
        except httpx.HTTPError as exc:
            raise LokiError(0, _describe(exc)) from exc
        if resp.status_code != 200:
            raise LokiError(resp.status_code, _error_text(resp))
        try:
            body = resp.json()
        except ValueError as exc:
            raise LokiError(resp.status_code, f"not JSON: {resp.text[:120]!r}") from exc
        if not isinstance(body, dict) or body.get("status") != "success":
            raise LokiError(resp.status_code, f"unexpected answer: {str(body)[:160]}")
        return body.get("data")

    async def ready(self) -> tuple[bool, str]:
        """``GET /ready``: (ready, what it said)."""
        try:
            resp = await self.http.get("/ready")
        except httpx.HTTPError as exc:
            return False, f"unreachable: {_describe(exc)}"
        text = resp.text.strip()[:200]
        return resp.status_code == 200, f"{resp.status_code} {text}".strip()

    async def labels(self, since: str = "6h") -> list[str]:
        data = await self._get("/loki/api/v1/labels", {"since": since})
        return [str(x) for x in data or []]

    async def query_range(
        self, query: str, *, start: int, end: int, limit: int, direction: str = "backward"
    ) -> list[tuple[dict[str, str], list[Entry]]]:
        data = await self._get(
            "/loki/api/v1/query_range",
            {"query": query, "start": str(start), "end": str(end), "limit": str(limit), "direction": direction},
        )
        if not isinstance(data, dict) or data.get("resultType") != "streams":
            raise LokiError(200, "not a log query (the result is not streams)")
        return [_stream(s) for s in data.get("result") or []]

    async def tail(
        self, query: str, *, start: int, limit: int = 100, delay_for: int = 0
    ) -> AsyncIterator[tuple[list[tuple[dict[str, str], list[Entry]]], int]]:
        """Frames of ``/loki/api/v1/tail``, decoded (:func:`decode_frame`), until the server
        closes it (normal end: returns)."""
        from httpx_ws import WebSocketDisconnect, WebSocketNetworkError, WebSocketUpgradeError, aconnect_ws

        params = {"query": query, "start": str(start), "limit": str(limit), "delay_for": str(delay_for)}
        url = str(httpx.URL(f"{self.base_url}/loki/api/v1/tail", params=params))
        try:
            async with aconnect_ws(
                url, self.http, max_message_size_bytes=64 * 1024 * 1024, keepalive_ping_interval_seconds=None
            ) as ws:
                while True:
                    try:
                        text = await ws.receive_text()
                    except WebSocketDisconnect:
                        return
                    frame = decode_frame(text)
                    if frame is not None:
                        yield frame
        except WebSocketUpgradeError as exc:
            resp = exc.response
            try:
                await resp.aread()
                text = resp.text.strip()[:300]
            except Exception:  # noqa: BLE001 - the body is only for the message
                text = ""
            raise WebSocketRefused(resp.status_code, text or "WebSocket upgrade refused") from exc
        except (httpx.HTTPError, WebSocketNetworkError, OSError) as exc:
            raise LokiError(0, _describe(exc)) from exc


class ProxyLokiClient(LokiClient):
    """The same API through the Kubernetes API server's service proxy
    (:class:`~inference_console.sources.kube.svcproxy.ServiceProxy`, shared with Prometheus and
    the Model Registry): HTTP over the kube connection, the tail over a WebSocket the proxy
    relays.  The API server's own answers (403 for ``services/proxy``, 503 without endpoints)
    come back as LokiErrors with its message; a refused upgrade is :class:`WebSocketRefused`,
    so the session polls ``query_range`` instead.
    """

    def __init__(self, proxy: Any, *, headers: dict[str, str] | None = None, timeout: float = 10.0) -> None:
        self.proxy = proxy
        self.base_url = proxy.description.rstrip("/")
        self.headers = dict(headers or {})
        self.timeout = timeout

    async def close(self) -> None:
        return None

    async def _request(self, path: str, params: Any) -> tuple[int, bytes, Any]:
        try:
            return await self.proxy.request("GET", path, params, timeout=self.timeout)
        except SourceError as exc:
            raise LokiError(0, exc.summary()) from exc

    async def _get(self, path: str, params: dict[str, Any] | list[tuple[str, Any]]) -> Any:
        status, raw, headers = await self._request(path, params)
        if status != 200:
            raise LokiError(status, _raw_error_text(raw, headers.get("Content-Type", "")))
        try:
            body = json.loads(raw)
        except ValueError as exc:
            raise LokiError(status, f"not JSON: {raw[:120]!r}") from exc
        if not isinstance(body, dict) or body.get("status") != "success":
            raise LokiError(status, f"unexpected answer: {str(body)[:160]}")
        return body.get("data")

    async def ready(self) -> tuple[bool, str]:
        try:
            status, raw, headers = await self._request("/ready", None)
        except LokiError as exc:
            return False, f"unreachable: {exc.message}"
        text = (
            raw.decode("utf-8", "replace").strip()[:200]
            if status == 200
            else _raw_error_text(raw, headers.get("Content-Type", ""))[:200]
        )
        return status == 200, f"{status} {text}".strip()

    async def tail(
        self, query: str, *, start: int, limit: int = 100, delay_for: int = 0
    ) -> AsyncIterator[tuple[list[tuple[dict[str, str], list[Entry]]], int]]:
        import aiohttp

        params = {"query": query, "start": str(start), "limit": str(limit), "delay_for": str(delay_for)}
        try:
            ws = await self.proxy.websocket("/loki/api/v1/tail", params, self.headers)
        except aiohttp.WSServerHandshakeError as exc:
            raise WebSocketRefused(exc.status, exc.message or "WebSocket upgrade refused") from exc
        except SourceError as exc:
            raise LokiError(0, exc.summary()) from exc
        try:
            async for msg in ws:
                if msg.type == aiohttp.WSMsgType.TEXT:
                    frame = decode_frame(msg.data)
                    if frame is not None:
                        yield frame
                elif msg.type == aiohttp.WSMsgType.ERROR:
                    raise LokiError(0, _describe(ws.exception() or OSError("WebSocket error")))
                else:
                    break
        except (aiohttp.ClientError, OSError) as exc:
            raise LokiError(0, _describe(exc)) from exc
        finally:
            await ws.close()


def _raw_error_text(raw: bytes, content_type: str) -> str:
    text = raw.decode("utf-8", "replace").strip()
    if content_type.startswith("application/json"):
        try:
            body = json.loads(raw)
            text = str(body.get("message") or body.get("error") or text)
        except (ValueError, AttributeError):
            pass
    return text[:500]


def decode_frame(text: str) -> tuple[list[tuple[dict[str, str], list[Entry]]], int] | None:
    """A tail frame's text to its streams and dropped count (None: not a frame).

    The cyclic GC is paused while the frame is decoded: JSON gives one list per entry,
    and a collection that catches a big frame alive promotes tens of thousands of lists
    to the old generation, where every full collection walks them again (measured: full
    collections of 30 to 70 ms while streaming).  The lists are freed here, by reference
    counting, before the GC runs again.  (Not decoded in a thread: ``json.loads`` holds
    the GIL, so that would not free the event loop.)
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        frame = json.loads(text)
        if not isinstance(frame, dict):
            return None
        parsed = parse_frame(frame)
        del frame
        return parsed
    except ValueError:
        return None
    finally:
        if enabled:
            gc.enable()


def parse_frame(frame: dict[str, Any]) -> tuple[list[tuple[dict[str, str], list[Entry]]], int]:
    """A tail frame's streams and how many entries Loki dropped."""
    streams = [_stream(s) for s in frame.get("streams") or []]
    dropped = frame.get("dropped_entries") or []
    return streams, len(dropped) if isinstance(dropped, list) else 0


def _stream(raw: dict[str, Any]) -> tuple[dict[str, str], list[Entry]]:
    labels = raw.get("stream") or {}
    values = raw.get("values") or []
    try:  # the usual frame: ["<ns>", "<line>"] pairs, decoded without a Python call per line
        entries = [(int(ts), line) for ts, line in values]
        if set(map(type, map(_text, entries))) <= {str}:
            return {str(k): str(v) for k, v in labels.items()}, entries
    except (ValueError, TypeError):
        pass
    entries = []
    for value in raw.get("values") or []:
        try:
            entries.append((int(value[0]), str(value[1])))
        except (ValueError, TypeError, IndexError):
            continue
    return {str(k): str(v) for k, v in labels.items()}, entries


def _error_text(resp: httpx.Response) -> str:
    text = resp.text.strip()
    if resp.headers.get("content-type", "").startswith("application/json"):
        try:
            body = resp.json()
            text = str(body.get("message") or body.get("error") or text)
        except ValueError:
            pass
    return text[:500] or resp.reason_phrase


def _describe(exc: BaseException) -> str:
    text = str(exc) or type(exc).__name__
    return text.splitlines()[0][:200] if text else type(exc).__name__
