"""Loki's HTTP API over httpx and its tail WebSocket over httpx-ws (no Textual).

Every failure becomes a :class:`LokiError` (a :class:`SourceError`) whose summary is one
line for the pane: Loki's own plain-text message on a 400 (a LogQL parse error, a limit),
``no org id`` on a 401, the 429, or the connection failure.
"""

from __future__ import annotations

import asyncio
import gc
import json
import re
import ssl
from dataclasses import dataclass
from operator import itemgetter
from typing import Any, AsyncIterator

import httpx
import msgspec

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
        if self.code in (401, 403):
            return f"Loki refused the tenant ({self.code}): {self.message or 'no org id'}"
        if self.code == 429:
            return f"Loki rate limit (429): {self.message}"
        if self.code == 400:
            return self.message
        return f"Loki error ({self.code}): {self.message}"

    @property
    def kind(self) -> str:
        """What failed, for the pane: unreachable, tenant, limit, query, server."""
        if self.code == 0:
            return "unreachable"
        if self.code in (401, 403):
            return "tenant"
        if self.code == 429:
            return "limit"
        if self.code == 400:
            return "query"
        return "server"


class WebSocketRefused(LokiError):
    """The tail's WebSocket upgrade was refused (a proxy that blocks WebSockets, a limit)."""

    def summary(self) -> str:
        if self.code == 429:
            return f"Loki refused the tail (429): {self.message}"
        return super().summary()


_RPC_PREFIX = re.compile(r"^rpc error: code = (?:Code\((\d+)\)|\w+) desc = ")


class TailClosed(LokiError):
    """Loki closed the tail with an error after the upgrade: its querier refuses a tail over
    ``max_concurrent_tail_requests`` this way (close 1011, the error as the reason), and ends
    one whose ingesters failed likewise.  ``code`` is the close code; ``status`` the HTTP
    status inside a gRPC-wrapped reason (``rpc error: code = Code(400) desc = ...``)."""

    def __init__(self, code: int, message: str) -> None:
        match = _RPC_PREFIX.match(message)
        self.status = int(match.group(1)) if match and match.group(1) else 0
        super().__init__(code, message[match.end() :] if match else message)

    @property
    def limited(self) -> bool:
        return "limit exceeded" in self.message or self.status == 429

    @property
    def kind(self) -> str:
        return "limit" if self.limited else "tail"

    def summary(self) -> str:
        return f"Loki closed the tail ({self.code}): {self.message or 'no reason given'}"


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
            base_url=self.base_url,
            headers=self.headers,
            auth=auth,
            verify=verify,
            timeout=timeout,
            cert=cert,
            event_hooks={"response": [_keep_refusal]},
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
        closes it (normal end: returns; a close with an error: :class:`TailClosed`).  The
        first item, ``([], 0)``, says the WebSocket is open."""
        from httpx_ws import WebSocketDisconnect, WebSocketNetworkError, WebSocketUpgradeError, aconnect_ws

        params = {"query": query, "start": str(start), "limit": str(limit), "delay_for": str(delay_for)}
        url = str(httpx.URL(f"{self.base_url}/loki/api/v1/tail", params=params))
        failure: LokiError | None = None  # raised after the ``async with``: inside, it would reach
        # the caller wrapped in an ExceptionGroup by httpx-ws's task group
        try:
            async with aconnect_ws(
                url, self.http, max_message_size_bytes=64 * 1024 * 1024, keepalive_ping_interval_seconds=None
            ) as ws:
                yield [], 0  # open: the caller knows the tail is up before the first line
                while True:
                    # One frame per turn of the event loop: frames that queued up while the loop was
                    # busy would else be decoded in one go, keys and screen updates waiting behind them.
                    await asyncio.sleep(0)
                    try:
                        text = await ws.receive_text()
                    except WebSocketDisconnect as exc:
                        if exc.code not in (1000, 1001, 1005):  # else Loki ended the tail (its maximum duration)
                            failure = TailClosed(exc.code, (exc.reason or "").strip())
                        break
                    except (WebSocketNetworkError, OSError) as exc:
                        failure = LokiError(0, _describe(exc))
                        break
                    frame = decode_frame(text)
                    if frame is not None:
                        yield frame
        except WebSocketUpgradeError as exc:
            resp = exc.response
            try:
                text = resp.text.strip()[:300]  # read by _keep_refusal
            except httpx.ResponseNotRead:
                text = ""
            raise WebSocketRefused(resp.status_code, text or "WebSocket upgrade refused") from exc
        except WebSocketDisconnect as exc:  # closed while the session was being torn down
            if exc.code not in (1000, 1001, 1005):
                raise TailClosed(exc.code, (exc.reason or "").strip()) from None
        except (httpx.HTTPError, WebSocketNetworkError, OSError) as exc:
            raise LokiError(0, _describe(exc)) from exc
        except BaseExceptionGroup as group:  # httpx-ws's task group: one of ours inside
            inner = group.exceptions[0] if len(group.exceptions) == 1 else None
            if isinstance(inner, (httpx.HTTPError, WebSocketNetworkError, OSError)):
                raise LokiError(0, _describe(inner)) from group
            raise
        if failure is not None:
            raise failure


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
        try:  # the tenant header goes through: the API server's proxy forwards it to Loki
            return await self.proxy.request("GET", path, params, timeout=self.timeout, headers=self.headers)
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
            # aiohttp keeps the status, not the body: the refusal's text does not come through here.
            raise WebSocketRefused(exc.status, _phrase(exc.status) + " (WebSocket upgrade refused)") from exc
        except SourceError as exc:
            raise LokiError(0, exc.summary()) from exc
        try:
            yield [], 0  # open: the caller knows the tail is up before the first line
            while True:  # receive(), not ``async for``: that ends on a close without showing its code
                await asyncio.sleep(0)  # one frame per turn of the event loop (see LokiClient.tail)
                msg = await ws.receive()
                if msg.type == aiohttp.WSMsgType.TEXT:
                    frame = decode_frame(msg.data)
                    if frame is not None:
                        yield frame
                elif msg.type == aiohttp.WSMsgType.ERROR:
                    raise LokiError(0, _describe(ws.exception() or OSError("WebSocket error")))
                else:
                    if msg.type == aiohttp.WSMsgType.CLOSE and msg.data not in (1000, 1001, 1005, None):
                        raise TailClosed(int(msg.data), str(msg.extra or "").strip())
                    break
        except (aiohttp.ClientError, OSError) as exc:
            raise LokiError(0, _describe(exc)) from exc
        finally:
            await ws.close()


async def _keep_refusal(response: httpx.Response) -> None:
    """A refused tail upgrade: read its body now (httpx-ws closes the response before it raises,
    and Loki's message, a 429's for one, is in the body)."""
    if response.status_code != 101 and response.request.url.path.endswith("/loki/api/v1/tail"):
        await response.aread()


def _phrase(status: int) -> str:
    from http import HTTPStatus

    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return f"HTTP {status}"


def _raw_error_text(raw: bytes, content_type: str) -> str:
    text = raw.decode("utf-8", "replace").strip()
    if content_type.startswith("application/json"):
        try:
            body = json.loads(raw)
            text = str(body.get("message") or body.get("error") or text)
        except (ValueError, AttributeError):
            pass
    return text[:500]


class _TailStream(msgspec.Struct):
    stream: dict[str, str] = {}
    values: list[tuple[int, str]] = []


class _TailFrame(msgspec.Struct):
    streams: list[_TailStream] | None = None
    dropped_entries: list[Any] | None = None


# A tail frame straight to (int, str) entries in C (lax: Loki's nanosecond strings become ints),
# about three times faster than json.loads and a pass per line; anything else (a third value of
# structured metadata, a label that is not a string) takes the general path.
_FRAME = msgspec.json.Decoder(_TailFrame, strict=False)


def decode_frame(text: str | bytes) -> tuple[list[tuple[dict[str, str], list[Entry]]], int] | None:
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
        try:
            typed = _FRAME.decode(text)
        except msgspec.DecodeError:
            pass
        else:
            return [(s.stream, s.values) for s in typed.streams or ()], len(typed.dropped_entries or ())
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
