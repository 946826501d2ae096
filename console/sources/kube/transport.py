"""Raw JSON access to the Kubernetes API over kubernetes-asyncio's ApiClient.

kubernetes-asyncio handles the kubeconfig (token, client certificates, exec plugins,
TLS verification as the kubeconfig says).  We use its ApiClient as the transport and
read JSON ourselves: typed model deserialisation costs seconds for 10,000 pods and the
catalog works on plain dicts anyway.
"""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass
from typing import Any, AsyncIterator, Callable

from inference_console.sources.kube.errors import KubeError

JSON = "application/json"
CONNECTED = "_CONNECTED"  # synthetic first event of a watch: the server accepted it
LARGE_BODY = 1 << 20  # parse bodies over 1 MiB in a worker thread


@dataclass(frozen=True)
class ResourceRef:
    group: str
    version: str
    plural: str
    namespaced: bool = True

    def collection_path(self, namespace: str | None = None) -> str:
        base = f"/apis/{self.group}/{self.version}" if self.group else f"/api/{self.version}"
        if self.namespaced and namespace:
            return f"{base}/namespaces/{namespace}/{self.plural}"
        return f"{base}/{self.plural}"

    def object_path(self, namespace: str | None, name: str) -> str:
        return f"{self.collection_path(namespace)}/{name}"


try:  # measured on a 10,000-pod list: msgspec 0.62x the time of json.loads (orjson 1.02x)
    from msgspec.json import Decoder as _Decoder

    decode_json: Any = _Decoder().decode  # same dicts and lists; its DecodeError is a ValueError
except ImportError:  # pragma: no cover - a dependency, but JSON still decodes without it
    decode_json = json.loads


async def _loads(raw: bytes, decode: Callable[[bytes], Any] | None = None) -> Any:
    decode = decode or decode_json
    if len(raw) > LARGE_BODY:
        return await asyncio.to_thread(_decode_quiet, raw, decode)
    return decode(raw)


try:  # the metadata of a list, its items skipped unbuilt (2 ms for a 2.8 MB page of 2,000 pods)
    import msgspec as _msgspec

    class _ListHead(_msgspec.Struct):
        metadata: dict[str, Any] = {}

    _peek_head: Callable[[bytes], Any] | None = _msgspec.json.Decoder(_ListHead).decode
except ImportError:  # pragma: no cover - without msgspec the whole body is decoded
    _peek_head = None


@dataclass
class ListPage:
    """One page of a list: its ``metadata`` read at once (the continue token: the next page
    can be asked for before this one is decoded), its items decoded when :meth:`items` is
    awaited (in a worker thread when the body is large)."""

    metadata: dict[str, Any]
    raw: bytes = b""
    body: Any = None
    prepared: bool = False  # what items() returned came from a decode that prepared them

    @classmethod
    def of(cls, raw: bytes) -> ListPage:
        if _peek_head is not None and raw:
            try:
                return cls(_peek_head(raw).metadata, raw)
            except ValueError:  # not a list's shape (or not JSON): decoded whole below, as before
                pass
        body = decode_json(raw) if raw else None
        md = body.get("metadata") if isinstance(body, dict) else None
        return cls(md if isinstance(md, dict) else {}, body=body)

    async def items(self, decode: Callable[[bytes], tuple[list[Any], bool]] | None = None) -> list[Any]:
        """The page's items; ``decode(body) -> (items, prepared)`` decodes them instead of the
        plain decode (a kind's own decoder; :attr:`prepared` tells what it returned)."""
        body, raw = self.body, self.raw
        self.body, self.raw = None, b""
        if raw and decode is not None:
            items, self.prepared = await _loads(raw, decode)
            return items
        if raw:
            body = await _loads(raw)
        items = body.get("items") if isinstance(body, dict) else None
        return items if isinstance(items, list) else []


def _decode_quiet(raw: bytes, decode: Callable[[bytes], Any]) -> Any:
    """Decode with the cyclic GC paused: a big list allocates millions of objects, none in a
    cycle, and each collection it triggers would walk everything the process holds."""
    import gc

    enabled = gc.isenabled()
    gc.disable()
    try:
        return decode(raw)
    finally:
        if enabled:
            gc.enable()


class Transport:
    """A thin async JSON client; one per connection."""

    def __init__(self, api_client: Any, request_timeout: float = 30.0) -> None:
        self.api = api_client
        self.request_timeout = request_timeout
        pin_proxy(api_client)

    @property
    def host(self) -> str:
        return self.api.configuration.host

    async def _call(
        self,
        method: str,
        path: str,
        query: list[tuple[str, str]] | None = None,
        body: Any = None,
        content_type: str = JSON,
        timeout: Any = None,
        headers: Any = None,
    ) -> Any:
        import aiohttp
        from kubernetes_asyncio.client.exceptions import ApiException  # noqa: F401 (lazy)

        headers = {"Accept": JSON, "Content-Type": content_type, **dict(headers or {})}
        try:
            return await self.api.call_api(
                path,
                method,
                query_params=query or [],
                header_params=headers,
                body=body,
                auth_settings=["BearerToken"],
                _preload_content=False,
                _request_timeout=timeout if timeout is not None else self.request_timeout,
            )
        except (aiohttp.ClientError, OSError, asyncio.TimeoutError) as exc:
            raise KubeError(0, "ConnectionError", _describe(exc)) from exc

    async def request(
        self,
        method: str,
        path: str,
        query: list[tuple[str, str]] | None = None,
        body: Any = None,
        content_type: str = JSON,
        decode: Callable[[bytes], Any] | None = None,
    ) -> Any:
        return (await self.send(method, path, query, body, content_type, decode))[0]

    async def send(
        self,
        method: str,
        path: str,
        query: list[tuple[str, str]] | None = None,
        body: Any = None,
        content_type: str = JSON,
        decode: Callable[[bytes], Any] | None = None,
    ) -> tuple[Any, list[str]]:
        """Like :meth:`request`, also returning the server's ``Warning`` headers (RFC 7234 style);
        ``decode`` turns a successful body into what is returned (JSON decoding by default: in
        a worker thread when the body is large, either way)."""
        raw, warnings = await self.fetch(method, path, query, body, content_type)
        return (await _loads(raw, decode) if raw else None), warnings

    async def fetch(
        self,
        method: str,
        path: str,
        query: list[tuple[str, str]] | None = None,
        body: Any = None,
        content_type: str = JSON,
    ) -> tuple[bytes, list[str]]:
        """The undecoded body of a successful answer and its ``Warning`` headers; an error
        status raises :class:`KubeError`."""
        import aiohttp

        resp = await self._call(method, path, query, body, content_type)
        try:
            raw = await resp.read()
        except (aiohttp.ClientError, OSError, asyncio.TimeoutError) as exc:
            raise KubeError(0, "ConnectionError", _describe(exc)) from exc
        finally:
            resp.release()
        warnings = [_warning_text(w) for w in resp.headers.getall("Warning", [])]
        if not 200 <= resp.status < 300:
            err = KubeError.from_status(resp.status, raw)
            err.warnings = warnings
            raise err
        return raw, warnings

    async def list_page(self, path: str, query: list[tuple[str, str]] | None = None) -> ListPage:
        """GET one page of a list: its metadata now, its items when awaited."""
        return ListPage.of((await self.fetch("GET", path, query))[0])

    async def get(
        self, path: str, query: list[tuple[str, str]] | None = None, decode: Callable[[bytes], Any] | None = None
    ) -> Any:
        return await self.request("GET", path, query, decode=decode)

    async def watch(
        self, path: str, query: list[tuple[str, str]], read_timeout: float
    ) -> AsyncIterator[dict[str, Any]]:
        """Yield decoded watch events until the server ends the stream."""
        import aiohttp

        timeout = aiohttp.ClientTimeout(total=None, sock_connect=self.request_timeout, sock_read=read_timeout)
        resp = await self._call("GET", path, [*query, ("watch", "true")], timeout=timeout)
        try:
            if not 200 <= resp.status < 300:
                raise KubeError.from_status(resp.status, await resp.read())
            yield {"type": CONNECTED}
            while True:
                try:
                    line = await resp.content.readline()
                except (aiohttp.ClientError, OSError, asyncio.TimeoutError) as exc:
                    raise KubeError(0, "ConnectionError", _describe(exc)) from exc
                if not line:
                    return
                line = line.strip()
                if not line:
                    continue
                try:
                    event = decode_json(line)
                except ValueError as exc:
                    raise KubeError(0, "BadWatchEvent", f"undecodable watch event: {line[:120]!r}") from exc
                if isinstance(event, dict):
                    yield event
        finally:
            resp.release()
            resp.close()

    async def close(self) -> None:
        await self.api.close()


def pin_proxy(api_client: Any) -> None:
    """Read the proxy settings of the environment once, as kubectl does (Go reads
    HTTPS_PROXY/NO_PROXY once per process), not on every request.

    kubernetes-asyncio's aiohttp session trusts the environment, so aiohttp looked up
    ``~/.netrc`` and the proxy variables in a worker thread before *each* request: two
    thread round trips per request, each waiting for the interpreter lock while the event
    loop merges a list page.  The proxy the environment gives for the API server (unless
    the kubeconfig sets ``proxy-url``), with its credentials, is pinned on the client
    instead; ``.netrc``, which kubectl never reads, is no longer consulted per request
    (aiohttp reads it once here, for the proxy's credentials)."""
    rest = getattr(api_client, "rest_client", None)
    session = getattr(rest, "pool_manager", None)
    if session is None or not getattr(session, "_trust_env", False):
        return
    if not getattr(rest, "proxy", None):
        from aiohttp.helpers import get_env_proxy_for_url
        from yarl import URL

        try:
            proxy, auth = get_env_proxy_for_url(URL(api_client.configuration.host))
        except (LookupError, ValueError):
            proxy, auth = None, None
        if proxy is not None:
            if auth is not None:  # back into the address: aiohttp sends them for http and https alike
                proxy = proxy.with_user(auth.login).with_password(auth.password)
            rest.proxy = str(proxy)
    session._trust_env = False  # noqa: SLF001 - aiohttp has no public setter; ClientSession reads it per request


def _warning_text(header: str) -> str:
    # "299 - \"message\"" -> message
    parts = header.split(" ", 2)
    if len(parts) == 3 and parts[0].isdigit():
        text = parts[2].strip()
        if text.startswith('"') and text.endswith('"'):
            text = text[1:-1].replace('\\"', '"')
        return text
    return header


def _describe(exc: BaseException) -> str:
    text = str(exc) or exc.__class__.__name__
    if isinstance(exc, asyncio.TimeoutError):
        text = "timed out"
    return text
