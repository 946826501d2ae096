"""A small OCI Distribution (Docker Registry v2) server (aiohttp) for the demo and auth tests.

Read side of the API: ``/v2/``, ``_catalog`` and ``tags/list`` with ``n``/``last`` paging and
``Link: <…>; rel="next"``, manifests (image manifests and indexes, ``Docker-Content-Digest``)
and blobs.  Auth: anonymous, basic (``basic=(user, password)``) or the bearer-token
challenge (``bearer=True``: 401 with ``WWW-Authenticate: Bearer realm=…/token,service=…,
scope=…``; ``/token`` hands out a token, with basic auth when ``basic`` is set).
``fault = {"status": 429, "times": n}`` rate-limits.  Images are added in-process with
:meth:`add_image` (no push API: tests push to Debian's real registry instead).
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
from typing import Any

from aiohttp import web

OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
OCI_INDEX = "application/vnd.oci.image.index.v1+json"
OCI_CONFIG = "application/vnd.oci.image.config.v1+json"
OCI_LAYER = "application/vnd.oci.image.layer.v1.tar+gzip"


def digest_of(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


class OciServer:
    def __init__(self, *, basic: tuple[str, str] | None = None, bearer: bool = False) -> None:
        self.basic = basic
        self.bearer = bearer
        self.tokens: set[str] = set()
        self.fault: dict[str, Any] | None = None
        self.repos: dict[str, dict[str, str]] = {}  # repo -> tag -> digest
        self.manifests: dict[str, tuple[str, bytes]] = {}  # digest -> (media type, body)
        self.blobs: dict[str, bytes] = {}
        self.requests: list[str] = []
        self._runner: web.AppRunner | None = None
        self.url = ""

    # ------------------------------------------------------------------ content
    def _manifest(self, created: str, layer_sizes: list[int], arch: str = "amd64") -> tuple[str, bytes]:
        config = json.dumps(
            {
                "created": created,
                "architecture": arch,
                "os": "linux",
                "config": {},
                "rootfs": {"type": "layers", "diff_ids": []},
            }
        ).encode()
        self.blobs[digest_of(config)] = config
        body = json.dumps(
            {
                "schemaVersion": 2,
                "mediaType": OCI_MANIFEST,
                "config": {"mediaType": OCI_CONFIG, "digest": digest_of(config), "size": len(config)},
                "layers": [
                    {
                        "mediaType": OCI_LAYER,
                        "size": size,
                        "digest": "sha256:" + hashlib.sha256(f"{arch}{i}{size}{created}".encode()).hexdigest(),
                    }
                    for i, size in enumerate(layer_sizes)
                ],
            }
        ).encode()
        self.manifests[digest_of(body)] = (OCI_MANIFEST, body)
        return digest_of(body), body

    def add_image(
        self,
        repo: str,
        tag: str,
        *,
        created: str = "2026-01-01T00:00:00Z",
        layer_sizes: tuple[int, ...] = (30_000_000, 2_000_000),
        platforms: tuple[str, ...] = (),
        digest: str | None = None,
    ) -> str:
        """Tag an image (an index over ``platforms`` like ``("amd64", "arm64")`` when given); returns its digest.

        ``digest`` files the manifest under a given digest (the demo: the digest its pods report)."""
        if platforms:
            entries = []
            for arch in platforms:
                sub, body = self._manifest(created, list(layer_sizes), arch)
                entries.append(
                    {
                        "mediaType": OCI_MANIFEST,
                        "digest": sub,
                        "size": len(body),
                        "platform": {"os": "linux", "architecture": arch},
                    }
                )
            body = json.dumps({"schemaVersion": 2, "mediaType": OCI_INDEX, "manifests": entries}).encode()
            self.manifests[digest_of(body)] = (OCI_INDEX, body)
            digest = digest or digest_of(body)
            self.manifests[digest] = (OCI_INDEX, body)
        elif digest:
            real, _ = self._manifest(created, list(layer_sizes))
            self.manifests[digest] = self.manifests[real]
        else:
            digest, _ = self._manifest(created, list(layer_sizes))
        self.repos.setdefault(repo, {})[tag] = digest
        return digest

    # ------------------------------------------------------------------ server
    async def start(self, host: str = "127.0.0.1", port: int = 0) -> str:
        app = web.Application(middlewares=[self._auth])
        app.router.add_get("/token", self._token)
        app.router.add_get("/v2/", self._root)
        app.router.add_get("/v2/_catalog", self._catalog)
        app.router.add_route("*", "/v2/{repo:.+}/tags/list", self._tags)
        app.router.add_route("*", "/v2/{repo:.+}/manifests/{ref}", self._manifest_handler)
        app.router.add_get("/v2/{repo:.+}/blobs/{digest}", self._blob)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, host, port)
        await site.start()
        self.url = f"http://{host}:{site._server.sockets[0].getsockname()[1]}"  # noqa: SLF001
        return self.url

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    def _basic_ok(self, request: web.Request) -> bool:
        header = request.headers.get("Authorization", "")
        if not header.startswith("Basic "):
            return False
        try:
            user, _, password = base64.b64decode(header[6:]).decode().partition(":")
        except ValueError:
            return False
        return (user, password) == self.basic

    @web.middleware
    async def _auth(self, request: web.Request, handler: Any) -> web.StreamResponse:
        self.requests.append(request.path_qs)
        fault = self.fault
        if fault and fault.get("times", 0) > 0:
            fault["times"] -= 1
            return web.Response(
                status=fault.get("status", 429), headers={"Retry-After": str(fault.get("retry_after", 0.05))}
            )
        if request.path == "/token":
            return await handler(request)
        if self.bearer:
            header = request.headers.get("Authorization", "")
            if not (header.startswith("Bearer ") and header[7:] in self.tokens):
                scope = ""
                if "repo" in request.match_info:
                    scope = f',scope="repository:{request.match_info["repo"]}:pull"'
                elif request.path == "/v2/_catalog":
                    scope = ',scope="registry:catalog:*"'
                return web.json_response(
                    {"errors": [{"code": "UNAUTHORIZED", "message": "authentication required"}]},
                    status=401,
                    headers={"WWW-Authenticate": f'Bearer realm="{self.url}/token",service="ic-test"{scope}'},
                )
        elif self.basic is not None and not self._basic_ok(request):
            return web.json_response(
                {"errors": [{"code": "UNAUTHORIZED", "message": "authentication required"}]},
                status=401,
                headers={"WWW-Authenticate": 'Basic realm="ic-test"'},
            )
        return await handler(request)

    async def _token(self, request: web.Request) -> web.Response:
        if self.basic is not None and not self._basic_ok(request):
            return web.json_response({"errors": [{"code": "UNAUTHORIZED"}]}, status=401)
        token = secrets.token_hex(8)
        self.tokens.add(token)
        return web.json_response({"token": token, "expires_in": 300})

    async def _root(self, request: web.Request) -> web.Response:
        return web.json_response({})

    @staticmethod
    def _paged(request: web.Request, names: list[str], field: str, path: str, extra: dict[str, Any]) -> web.Response:
        names = sorted(names)
        n = int(request.query.get("n", "100"))
        last = request.query.get("last", "")
        page = [x for x in names if x > last][:n]
        headers = {}
        if page and page[-1] != names[-1]:
            headers["Link"] = f'<{path}?last={page[-1]}&n={n}>; rel="next"'
        return web.json_response({**extra, field: page}, headers=headers)

    async def _catalog(self, request: web.Request) -> web.Response:
        return self._paged(request, list(self.repos), "repositories", "/v2/_catalog", {})

    async def _tags(self, request: web.Request) -> web.Response:
        repo = request.match_info["repo"]
        if repo not in self.repos:
            return web.json_response({"errors": [{"code": "NAME_UNKNOWN"}]}, status=404)
        return self._paged(request, list(self.repos[repo]), "tags", f"/v2/{repo}/tags/list", {"name": repo})

    async def _manifest_handler(self, request: web.Request) -> web.Response:
        repo, ref = request.match_info["repo"], request.match_info["ref"]
        digest = ref if ref.startswith("sha256:") else self.repos.get(repo, {}).get(ref)
        if digest is None or digest not in self.manifests:
            return web.json_response({"errors": [{"code": "MANIFEST_UNKNOWN"}]}, status=404)
        media, body = self.manifests[digest]
        headers = {"Docker-Content-Digest": digest, "Content-Type": media}
        if request.method == "HEAD":
            return web.Response(headers={**headers, "Content-Length": str(len(body))})
        return web.Response(body=body, headers=headers)

    async def _blob(self, request: web.Request) -> web.Response:
        blob = self.blobs.get(request.match_info["digest"])
        if blob is None:
            return web.json_response({"errors": [{"code": "BLOB_UNKNOWN"}]}, status=404)
        return web.Response(body=blob, content_type="application/octet-stream")
