"""The Model Registry's REST API (httpx): paging, auth, errors in words (no token in any message)."""

from __future__ import annotations

import asyncio
import ssl
from typing import Any, AsyncIterator

import httpx

from inference_console.settings.endpoints import ModelRegistrySettings, mask_url
from inference_console.sources.registries import RegistryError
from inference_console.state.store import KindState

BASE = "/api/model_registry/v1alpha3"
MAX_PAGES = 100_000


def _message(response: httpx.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        return response.text[:200].strip()
    if isinstance(body, dict):
        return str(body.get("message") or body.get("code") or "")[:300]
    return ""


class ProxyAuthError(RegistryError):
    """The registry answered 401 through the API server's service proxy, which cannot carry its token."""


_TOKEN_KEYS = ("token", "token_env", "token_file", "username")


class _Answer:
    """A service-proxy answer with the bits of ``httpx.Response`` this client reads."""

    def __init__(self, status: int, raw: bytes, headers: Any) -> None:
        self.status_code, self.content, self.headers = status, raw, headers

    @property
    def text(self) -> str:
        return self.content.decode("utf-8", "replace")

    def json(self) -> Any:
        import json

        return json.loads(self.content)


class ModelRegistryClient:
    """The REST API at a URL (httpx), or through the API server's service proxy (``proxy``:
    a :class:`~inference_console.sources.kube.svcproxy.ServiceProxy`, the kubeconfig's credentials)."""

    def __init__(
        self, settings: ModelRegistrySettings, *, retries_429: int = 3, max_wait: float = 30.0, proxy: Any = None
    ) -> None:
        self.settings = settings
        self.retries_429 = retries_429
        self.max_wait = max_wait
        self.http: httpx.AsyncClient | None = None
        self.proxy = proxy
        self.where = proxy.description.rstrip("/") if proxy is not None else (mask_url(settings.url or "") or "")

    async def _send(self, method: str, path: str, params: dict[str, str] | None, json: Any) -> Any:
        if self.proxy is None:
            return await self._client().request(method, BASE + path, params=params, json=json)
        from inference_console.sources.base import SourceError

        try:
            status, raw, headers = await self.proxy.request(
                method, BASE + path, params, json, timeout=self.settings.timeout
            )
        except SourceError as exc:
            raise httpx.TransportError(exc.summary()) from None
        return _Answer(status, raw, headers)

    def _client(self) -> httpx.AsyncClient:
        if self.http is None:
            s = self.settings
            headers = dict(s.headers)
            token = s.resolve_token()
            if token:
                headers["Authorization"] = f"Bearer {token}"
            auth = None
            if s.username is not None:
                auth = httpx.BasicAuth(s.username, s.resolve_password() or "")
            verify: Any = True
            if s.insecure:
                verify = False
            elif s.ca_file:  # the CA that signed the server's certificate (httpx wants an SSL context)
                verify = ssl.create_default_context(cafile=s.ca_file)
            self.http = httpx.AsyncClient(
                base_url=(s.url or "").rstrip("/"), headers=headers, auth=auth, verify=verify, timeout=s.timeout
            )
        return self.http

    async def close(self) -> None:
        http, self.http = self.http, None
        if http is not None:
            await http.aclose()

    async def request(self, method: str, path: str, *, params: dict[str, str] | None = None, json: Any = None) -> Any:
        attempt = 0
        while True:
            try:
                response = await self._send(method, path, params, json)
            except httpx.HTTPError as exc:
                raise RegistryError(
                    f"cannot reach the Model Registry at {self.where}: {type(exc).__name__}"
                    f"{': ' + str(exc) if str(exc) else ''}",
                    0,
                ) from None
            if response.status_code == 429 and attempt < self.retries_429:
                attempt += 1
                try:
                    wait = float(response.headers.get("Retry-After", "1"))
                except ValueError:
                    wait = 1.0
                await asyncio.sleep(min(max(wait, 0.05), self.max_wait))
                continue
            if response.status_code >= 400:
                raise self._error(method, path, response)
            try:
                return response.json()
            except ValueError:
                raise RegistryError(
                    f"the Model Registry at {self.where} answered {method} {path} with "
                    f"something that is not JSON (a proxy's page?)",
                    response.status_code,
                ) from None

    def _error(self, method: str, path: str, response: httpx.Response) -> RegistryError:
        code, said = response.status_code, _message(response)
        what = f"{method} {BASE}{path}"
        if code == 401 and self.proxy is not None:
            return self._proxy_401(what, response, said)
        if code == 401:
            return RegistryError(
                f"unauthorized: the Model Registry rejected the credentials ({what} → 401"
                f"{': ' + said if said else ''}); check model_registry.token, token_env or token_file",
                401,
                KindState.FORBIDDEN,
            )
        if code == 403:
            return RegistryError(f"forbidden: {what} → 403{': ' + said if said else ''}", 403, KindState.FORBIDDEN)
        if code == 404:
            return RegistryError(
                f"not found: {what} → 404{': ' + said if said else ''} "
                f"(is {self.where} the Model Registry's REST service, API v1alpha3?)",
                404,
            )
        if code == 429:
            return RegistryError(f"rate limited: the Model Registry kept answering 429 to {what}; retrying later", 429)
        return RegistryError(f"the Model Registry failed: {what} → {code}{': ' + said if said else ''}", code)

    def _proxy_401(self, what: str, response: Any, said: str) -> RegistryError:
        """A 401 through the service proxy: the API server's own (the cluster credentials), or the
        registry's, which no configuration can fix this way: kube-apiserver removes the
        ``Authorization`` header once it has authenticated the caller (k8s.io/apiserver
        ``WithAuthentication``), so a registry token never reaches the Service behind the proxy."""
        try:
            body = response.json()
        except ValueError:
            body = None
        if isinstance(body, dict) and body.get("kind") == "Status":
            return RegistryError(
                f"unauthorized: the API server refused the cluster credentials for its service proxy "
                f"({what} → 401{': ' + said if said else ''}); check the kubeconfig",
                401,
                KindState.FORBIDDEN,
            )
        configured = any(getattr(self.settings, k, None) is not None for k in _TOKEN_KEYS)
        problem = (
            "the token configured for it (model_registry token, token_env or token_file) cannot reach it that way"
            if configured
            else "it wants a token, and none can be sent that way"
        )
        return ProxyAuthError(
            f"unauthorized: the Model Registry answered 401 through the API server's service proxy "
            f"({what}{': ' + said if said else ''}); the API server removes the Authorization header after "
            f"authenticating you, so {problem}. Fix: set url in the model_registry table of the config file "
            f"(an ingress, route or port-forward to the registry){'' if configured else ' with token_env or token_file'}"
            ", so the console calls it directly with the token",
            401,
            KindState.FORBIDDEN,
        )

    async def pages(
        self, path: str, *, page_size: int = 500, order_by: str = "CREATE_TIME", sort_order: str = "DESC"
    ) -> AsyncIterator[list[dict[str, Any]]]:
        """Every item of a list, page by page; a token seen twice (a loop) is an error, not a hang."""
        token = ""
        seen: set[str] = set()
        count = 0
        for _ in range(MAX_PAGES):
            params = {"pageSize": str(page_size), "orderBy": order_by, "sortOrder": sort_order}
            if token:
                params["nextPageToken"] = token
            body = await self.request("GET", path, params=params)
            items = body.get("items") if isinstance(body, dict) else None
            if not isinstance(items, list):
                raise RegistryError(f"the Model Registry answered GET {BASE}{path} without items")
            count += len(items)
            yield [item for item in items if isinstance(item, dict)]
            token = str(body.get("nextPageToken") or "")
            if not token or not items:
                return
            if token in seen:
                raise RegistryError(
                    f"the Model Registry's paging loops: GET {BASE}{path} returned a nextPageToken "
                    f"it had already returned (after {count} items); stopped reading"
                )
            seen.add(token)
        raise RegistryError(f"GET {BASE}{path}: more than {MAX_PAGES} pages; stopped reading")
