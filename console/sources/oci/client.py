"""OCI Distribution (Docker Registry HTTP API v2) over httpx: catalog and tag paging, manifests,
anonymous, basic and bearer-token auth (the ``WWW-Authenticate: Bearer realm=…`` challenge)."""

from __future__ import annotations

import asyncio
import re
import ssl
from typing import Any
from urllib.parse import urljoin

import httpx

from inference_console.settings.endpoints import ImageRegistrySettings, mask_url
from inference_console.sources.registries import RegistryError
from inference_console.state.store import KindState

INDEX_TYPES = ("application/vnd.oci.image.index.v1+json", "application/vnd.docker.distribution.manifest.list.v2+json")
MANIFEST_TYPES = ("application/vnd.oci.image.manifest.v1+json", "application/vnd.docker.distribution.manifest.v2+json")
ACCEPT = ", ".join((*INDEX_TYPES, *MANIFEST_TYPES))
_LINK = re.compile(r'<([^>]+)>\s*;\s*rel="?next"?')
_PARAM = re.compile(r'(\w+)="([^"]*)"')


def next_link(response: httpx.Response) -> str | None:
    match = _LINK.search(response.headers.get("Link", ""))
    return match.group(1) if match else None


class OciClient:
    def __init__(self, settings: ImageRegistrySettings, *, retries_429: int = 3) -> None:
        self.settings = settings
        self.retries_429 = retries_429
        self.where = mask_url(settings.url or "") or ""
        self.http: httpx.AsyncClient | None = None
        self._tokens: dict[str, str] = {}  # scope -> bearer token from the challenge

    def _client(self) -> httpx.AsyncClient:
        if self.http is None:
            s = self.settings
            verify: Any = True
            if s.insecure:
                verify = False
            elif s.ca_file:  # the CA that signed the server's certificate (httpx wants an SSL context)
                verify = ssl.create_default_context(cafile=s.ca_file)
            self.http = httpx.AsyncClient(
                base_url=(s.url or "").rstrip("/"),
                headers=dict(s.headers),
                verify=verify,
                timeout=s.timeout,
                follow_redirects=True,
            )
        return self.http

    async def close(self) -> None:
        http, self.http = self.http, None
        if http is not None:
            await http.aclose()

    def _basic(self) -> httpx.BasicAuth | None:
        s = self.settings
        if s.username is None:
            return None
        return httpx.BasicAuth(s.username, s.resolve_password() or "")

    async def _token(self, challenge: str) -> str:
        params = dict(_PARAM.findall(challenge))
        realm = params.pop("realm", "")
        if not realm:
            raise RegistryError(
                f"the registry at {self.where} asked for a bearer token without a realm", 401, KindState.FORBIDDEN
            )
        scope = params.get("scope", "")
        if scope in self._tokens:
            return self._tokens[scope]
        try:
            response = await self._client().get(realm, params=params, auth=self._basic() or httpx.USE_CLIENT_DEFAULT)
        except httpx.HTTPError as exc:
            raise RegistryError(f"cannot reach the token service of {self.where}: {type(exc).__name__}", 0) from None
        if response.status_code != 200:
            raise RegistryError(
                f"unauthorized: the token service of {self.where} refused ({response.status_code})",
                401,
                KindState.FORBIDDEN,
            )
        body = response.json()
        token = str(body.get("token") or body.get("access_token") or "")
        if not token:
            raise RegistryError(f"the token service of {self.where} returned no token", 401, KindState.FORBIDDEN)
        self._tokens[scope] = token
        return token

    async def get(self, path: str, *, accept: str | None = None, method: str = "GET") -> httpx.Response:
        headers = {"Accept": accept} if accept else {}
        static = self.settings.resolve_token()
        if static:
            headers["Authorization"] = f"Bearer {static}"
        auth = self._basic()
        attempt, challenged = 0, False
        while True:
            try:
                response = await self._client().request(
                    method, path, headers=headers, auth=auth if "Authorization" not in headers else None
                )
            except httpx.HTTPError as exc:
                raise self.unreachable(exc) from None
            if response.status_code == 401 and not challenged:
                challenge = response.headers.get("WWW-Authenticate", "")
                if challenge.lower().startswith("bearer"):
                    headers["Authorization"] = f"Bearer {await self._token(challenge)}"
                    challenged = True
                    continue
            if response.status_code == 429 and attempt < self.retries_429:
                attempt += 1
                try:
                    wait = float(response.headers.get("Retry-After", "1"))
                except ValueError:
                    wait = 1.0
                await asyncio.sleep(min(max(wait, 0.05), 30.0))
                continue
            return response

    def unreachable(self, exc: BaseException) -> RegistryError:
        """No answer: the transport's reason; an untrusted TLS certificate says what to set."""
        text = str(exc)
        if "CERTIFICATE_VERIFY_FAILED" in text:
            why = text.split("certificate verify failed:", 1)[-1].split("(_ssl", 1)[0].strip(" )")
            return RegistryError(
                f"cannot reach the image registry at {self.where}: its TLS certificate is not trusted "
                f"({why or 'verify failed'}); set image_registry.ca_file to the CA that signed it",
                0,
            )
        return RegistryError(f"cannot reach the image registry at {self.where}: {type(exc).__name__}", 0)

    def error(self, what: str, response: httpx.Response) -> RegistryError:
        code = response.status_code
        if code == 401:
            return RegistryError(
                f"unauthorized: the image registry at {self.where} refused {what} (401); check "
                "image_registry.username/password or token",
                401,
                KindState.FORBIDDEN,
            )
        if code == 403:
            return RegistryError(f"forbidden: {what} (403)", 403, KindState.FORBIDDEN)
        if code == 429:
            return RegistryError(f"rate limited: the image registry kept answering 429 to {what}", 429)
        return RegistryError(f"the image registry at {self.where} answered {what} with {code}", code)

    async def paged(self, path: str, field: str, page: int = 100) -> list[str]:
        """Every entry of ``_catalog`` (repositories) or ``tags/list`` (tags), following ``Link: rel=next``."""
        out: list[str] = []
        url: str | None = f"{path}?n={page}"
        seen: set[str] = set()
        while url:
            if url in seen:
                raise RegistryError(f"the image registry's paging loops at {url}")
            seen.add(url)
            response = await self.get(url)
            if response.status_code == 404 and field == "tags":
                return out
            if response.status_code != 200:
                raise self.error(f"GET {path}", response)
            body = response.json()
            out.extend(str(x) for x in (body.get(field) or []))
            link = next_link(response)
            url = urljoin("/", link) if link else None
        return out

    async def manifest(self, repo: str, reference: str) -> dict[str, Any] | None:
        """The tag's manifest: digest, media type, platforms (an index), size, created; None when missing."""
        response = await self.get(f"/v2/{repo}/manifests/{reference}", accept=ACCEPT)
        if response.status_code == 404:
            return None
        if response.status_code != 200:
            raise self.error(f"GET manifest {repo}:{reference}", response)
        body = response.json()
        media = response.headers.get("Content-Type", "").split(";")[0] or str(body.get("mediaType", ""))
        info: dict[str, Any] = {
            "digest": response.headers.get("Docker-Content-Digest", ""),
            "mediaType": media,
            "platforms": [],
            "size": 0,
            "created": "",
        }
        manifest = body
        if media in INDEX_TYPES or "manifests" in body:
            entries = [m for m in body.get("manifests") or [] if isinstance(m, dict)]
            info["platforms"] = [
                "/".join(
                    x
                    for x in (
                        (m.get("platform") or {}).get("os", ""),
                        (m.get("platform") or {}).get("architecture", ""),
                        (m.get("platform") or {}).get("variant", ""),
                    )
                    if x
                )
                for m in entries
            ]
            if not entries:
                return info
            sub = await self.get(f"/v2/{repo}/manifests/{entries[0].get('digest')}", accept=ACCEPT)
            if sub.status_code != 200:
                return info
            manifest = sub.json()
        layers = manifest.get("layers") or []
        config = manifest.get("config") or {}
        info["size"] = sum(int(layer.get("size") or 0) for layer in layers) + int(config.get("size") or 0)
        if config.get("digest"):
            blob = await self.get(f"/v2/{repo}/blobs/{config['digest']}")
            if blob.status_code == 200:
                try:
                    info["created"] = str(blob.json().get("created", ""))
                except ValueError:
                    pass
        return info
