"""A Kubeflow Model Registry REST server (aiohttp) for the demo and the tests.

Serves the part of ``/api/model_registry/v1alpha3`` the console reads and writes, with the
shapes of the real OpenAPI spec (``api/openapi/model-registry.yaml``): registered models,
model versions and their artifacts, model artifacts, serving environments and inference
services; list paging with ``pageSize``, ``orderBy`` (ID, CREATE_TIME, LAST_UPDATE_TIME),
``sortOrder`` and an opaque ``nextPageToken`` (empty on the last page; a listing keeps the order
its first page was sorted in); PATCH of ``state``
and other fields; errors as the spec's ``Error`` (``{"code", "message"}``).

Tests plug in ``validator(request, body, response)`` (openapi-core against the real spec):
whatever it raises is kept in :attr:`violations` and the test fails on it.  ``fault`` makes
the server misbehave: ``{"status": 401|404|500|429, "times": n, "outside_spec": bool}`` or ``{"loop_token": True}``
(every page says there is a next one, with the same token).  ``hold`` (a ``threading.Event``)
keeps every request waiting until it is set: a benchmark opens its screen first, then lets the
pages come.

``python -m inference_console.sandbox.model_registry_server [--bulk NAME:COUNT] [--port N]``
serves in a process of its own (a benchmark's registry then takes no time from the console
it measures): it prints ``model registry: URL`` and reads commands on stdin, one a line,
each acknowledged on stdout: ``hold`` (requests wait from now on) -> ``held``, ``release``
-> ``released``; it stops at the end of its input.  Nothing of this is reachable over HTTP:
the served paths are the spec's only.
"""

from __future__ import annotations

import asyncio
import base64
import itertools
import json
import threading
import time
from typing import Any, Awaitable, Callable

from aiohttp import web

BASE = "/api/model_registry/v1alpha3"
Validator = Callable[[web.Request, bytes, web.Response], Awaitable[None]]

COLLECTIONS = {
    "registered_models": "RegisteredModel",
    "model_versions": "ModelVersion",
    "model_artifacts": "ModelArtifact",
    "serving_environments": "ServingEnvironment",
    "inference_services": "InferenceService",
}


def _now_ms() -> str:
    return str(int(time.time() * 1000))


class ModelRegistryServer:
    def __init__(self, *, token: str | None = None, validator: Validator | None = None) -> None:
        self.token = token
        self.validator = validator
        self.violations: list[str] = []
        self.fault: dict[str, Any] | None = None
        self.hold: threading.Event | None = None  # requests wait until it is set (any thread may set it)
        self.requests: list[tuple[str, str]] = []  # (method, path?query)
        self.data: dict[str, dict[str, dict[str, Any]]] = {name: {} for name in COLLECTIONS}
        self.version_artifacts: dict[str, list[str]] = {}  # model version id -> artifact ids
        self._ids = itertools.count(1)
        self._runner: web.AppRunner | None = None
        self._outside: set[int] = set()
        self._listings: dict[tuple[Any, str], list[dict[str, Any]]] = {}  # (listing, next token) -> its order
        self.url = ""

    # ------------------------------------------------------------------ data
    def add(self, collection: str, item: dict[str, Any], *, created_ms: int | None = None) -> dict[str, Any]:
        """Store an item as the server would return it (id, timestamps, defaults)."""
        item = dict(item)
        item.setdefault("id", str(next(self._ids)))
        stamp = str(created_ms) if created_ms is not None else _now_ms()
        item.setdefault("createTimeSinceEpoch", stamp)
        item.setdefault("lastUpdateTimeSinceEpoch", stamp)
        item.setdefault("customProperties", {})
        if collection in ("registered_models", "model_versions"):
            item.setdefault("state", "LIVE")
        if collection == "model_artifacts":
            item.setdefault("artifactType", "model-artifact")
            item.setdefault("state", "LIVE")
        if collection == "inference_services":
            item.setdefault("desiredState", "DEPLOYED")
        self.data[collection][item["id"]] = item
        return item

    def add_model(
        self,
        name: str,
        versions: list[dict[str, Any]],
        *,
        owner: str = "",
        description: str = "",
        created_ms: int | None = None,
    ) -> dict[str, Any]:
        """A registered model with versions; each version dict may carry an ``artifact`` dict."""
        model = self.add(
            "registered_models", {"name": name, "owner": owner, "description": description}, created_ms=created_ms
        )
        for i, version in enumerate(versions):
            version = dict(version)
            artifact = version.pop("artifact", None)
            stamp = (created_ms or int(time.time() * 1000)) + i * 1000
            mv = self.add("model_versions", {**version, "registeredModelId": model["id"]}, created_ms=stamp)
            if artifact is not None:
                art = self.add("model_artifacts", {"name": f"{name}-{mv['name']}", **artifact}, created_ms=stamp)
                self.version_artifacts.setdefault(mv["id"], []).append(art["id"])
        return model

    def bulk_versions(self, model_name: str, count: int) -> dict[str, Any]:
        model = self.add("registered_models", {"name": model_name, "owner": "ci"})
        base = int(time.time() * 1000) - count * 1000
        store = self.data["model_versions"]
        for i in range(count):
            vid = str(next(self._ids))
            stamp = str(base + i * 1000)
            store[vid] = {
                "id": vid,
                "name": f"v{i + 1}",
                "registeredModelId": model["id"],
                "state": "LIVE",
                "author": "ci",
                "createTimeSinceEpoch": stamp,
                "lastUpdateTimeSinceEpoch": stamp,
                "customProperties": {"build": {"metadataType": "MetadataIntValue", "int_value": str(i)}},
            }
        return model

    # ------------------------------------------------------------------ server
    async def start(self, host: str = "127.0.0.1", port: int = 0) -> str:
        app = web.Application(middlewares=[self._middleware])
        r = app.router
        for collection in COLLECTIONS:
            r.add_get(f"{BASE}/{collection}", self._list_handler(collection))
            r.add_get(f"{BASE}/{collection}/{{id}}", self._get_handler(collection))
            r.add_patch(f"{BASE}/{collection}/{{id}}", self._patch_handler(collection))
        r.add_post(f"{BASE}/model_versions", self._create_version)
        r.add_get(f"{BASE}/registered_models/{{id}}/versions", self._model_versions)
        r.add_get(f"{BASE}/model_versions/{{id}}/artifacts", self._version_artifacts)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, host, port)
        await site.start()
        sock = site._server.sockets[0]  # noqa: SLF001
        self.url = f"http://{host}:{sock.getsockname()[1]}"
        return self.url

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    @web.middleware
    async def _middleware(self, request: web.Request, handler: Any) -> web.StreamResponse:
        body = await request.read()
        while self.hold is not None and not self.hold.is_set():
            await asyncio.sleep(0.005)
        self.requests.append((request.method, request.path_qs))
        try:
            response = await self._respond(request, handler)
        finally:
            outside = id(request) in self._outside
            self._outside.discard(id(request))
        if self.validator is not None and isinstance(response, web.Response) and not outside:
            try:
                await self.validator(request, body, response)
            except Exception as exc:  # noqa: BLE001 - every violation is kept for the test
                self.violations.append(f"{request.method} {request.path_qs} -> {response.status}: {exc!r}"[:2000])
        return response

    async def _respond(self, request: web.Request, handler: Any) -> web.StreamResponse:
        fault = self.fault
        if fault and fault.get("status") and fault.get("times", 1) > 0:
            fault["times"] = fault.get("times", 1) - 1
            status = fault["status"]
            # A 404 on a list or a 429 comes from whatever answers at a wrong URL or a gateway in
            # front: outside the registry's spec, so not checked against it.
            if fault.get("outside_spec") or status == 429:
                self._outside.add(id(request))
            headers = {"Retry-After": str(fault.get("retry_after", 1))} if status == 429 else {}
            if status == 429:  # not in the spec's declared responses: a gateway's plain answer
                return web.Response(status=429, text="rate limited", headers=headers)
            return self._error(
                status,
                fault.get(
                    "message", {401: "unauthorized", 404: "not found", 500: "internal error"}.get(status, "error")
                ),
            )
        if self.token is not None and request.headers.get("Authorization") != f"Bearer {self.token}":
            return self._error(401, "missing or invalid bearer token")
        try:
            return await handler(request)
        except web.HTTPNotFound:
            return self._error(404, f"no route {request.path}")

    @staticmethod
    def _error(status: int, message: str) -> web.Response:
        return web.json_response({"code": str(status), "message": message}, status=status)

    # ------------------------------------------------------------------ handlers
    def _page(self, request: web.Request, items: list[dict[str, Any]]) -> web.Response:
        q = request.query
        try:
            size = int(q.get("pageSize", "100"))
        except ValueError:
            return self._error(400, "pageSize must be a number")
        order = q.get("orderBy", "ID")
        field = {"ID": "id", "CREATE_TIME": "createTimeSinceEpoch", "LAST_UPDATE_TIME": "lastUpdateTimeSinceEpoch"}
        if order not in field:
            return self._error(400, f"invalid orderBy {order!r}")
        reverse = q.get("sortOrder", "ASC") == "DESC"
        offset = 0
        token = q.get("nextPageToken", "")
        if token:
            try:
                offset = int(base64.urlsafe_b64decode(token.encode()).decode())
            except ValueError:
                return self._error(400, "invalid nextPageToken")
        listing = (request.path, order, reverse)
        # A token this server gave continues the listing it was given for, in the order sorted
        # for its first page (sorting 10,000 items for every page took 10 ms of each 16).
        snapshot = self._listings.pop((listing, token), None) if token else None
        if snapshot is not None:
            items = snapshot
        else:
            items = sorted(items, key=lambda it: (int(it.get(field[order], "0") or 0), int(it["id"])), reverse=reverse)
        page = items[offset : offset + size]
        following = offset + size
        if self.fault and self.fault.get("loop_token"):
            next_token = base64.urlsafe_b64encode(b"0").decode()
        else:
            next_token = base64.urlsafe_b64encode(str(following).encode()).decode() if following < len(items) else ""
            if next_token:
                self._listings[(listing, next_token)] = items
                while len(self._listings) > 16:  # listings never finished
                    del self._listings[next(iter(self._listings))]
        return web.json_response({"items": page, "size": len(page), "pageSize": size, "nextPageToken": next_token})

    def _list_handler(self, collection: str):
        async def handler(request: web.Request) -> web.Response:
            return self._page(request, list(self.data[collection].values()))

        return handler

    def _get_handler(self, collection: str):
        async def handler(request: web.Request) -> web.Response:
            item = self.data[collection].get(request.match_info["id"])
            if item is None:
                return self._error(404, f"{COLLECTIONS[collection]} {request.match_info['id']} not found")
            return web.json_response(item)

        return handler

    def _patch_handler(self, collection: str):
        async def handler(request: web.Request) -> web.Response:
            item = self.data[collection].get(request.match_info["id"])
            if item is None:
                return self._error(404, f"{COLLECTIONS[collection]} {request.match_info['id']} not found")
            try:
                patch = json.loads(await request.read() or b"{}")
            except ValueError:
                return self._error(400, "body is not JSON")
            if not isinstance(patch, dict):
                return self._error(400, "body must be an object")
            if "state" in patch and patch["state"] not in ("LIVE", "ARCHIVED") and collection != "model_artifacts":
                return self._error(400, f"invalid state {patch['state']!r}")
            for key in ("id", "createTimeSinceEpoch", "lastUpdateTimeSinceEpoch", "name", "registeredModelId"):
                patch.pop(key, None)
            item.update(patch)
            item["lastUpdateTimeSinceEpoch"] = _now_ms()
            return web.json_response(item)

        return handler

    async def _create_version(self, request: web.Request) -> web.Response:
        body = json.loads(await request.read() or b"{}")
        if body.get("registeredModelId") not in self.data["registered_models"]:
            return self._error(400, "registeredModelId does not exist")
        return web.json_response(self.add("model_versions", body), status=201)

    async def _model_versions(self, request: web.Request) -> web.Response:
        mid = request.match_info["id"]
        if mid not in self.data["registered_models"]:
            return self._error(404, f"RegisteredModel {mid} not found")
        return self._page(request, [v for v in self.data["model_versions"].values() if v["registeredModelId"] == mid])

    async def _version_artifacts(self, request: web.Request) -> web.Response:
        vid = request.match_info["id"]
        if vid not in self.data["model_versions"]:
            return self._error(404, f"ModelVersion {vid} not found")
        arts = [
            self.data["model_artifacts"][a]
            for a in self.version_artifacts.get(vid, [])
            if a in self.data["model_artifacts"]
        ]
        return self._page(request, arts)


def openapi_validator(spec_path: str) -> Validator:
    """A validator for :class:`ModelRegistryServer` from the real spec (openapi-core; tests only).

    The spec's ``servers`` (``localhost:8080``) are replaced by ``/`` so that requests to the
    loopback port match; paths and schemas are the spec's.
    """
    import yaml
    from openapi_core import OpenAPI
    from openapi_core.contrib.aiohttp import AIOHTTPOpenAPIWebRequest, AIOHTTPOpenAPIWebResponse

    with open(spec_path, encoding="utf-8") as fh:
        spec = yaml.safe_load(fh)
    spec["servers"] = [{"url": "/"}]
    api = OpenAPI.from_dict(spec)

    async def validate(request: web.Request, body: bytes, response: web.Response) -> None:
        req = AIOHTTPOpenAPIWebRequest(request, body=body or None)
        api.validate_request(req)
        api.validate_response(req, AIOHTTPOpenAPIWebResponse(response))

    return validate


def serve(argv: list[str] | None = None) -> None:
    """The server in its own process, held and released by lines on stdin (see the module's doc)."""
    import argparse
    import sys

    parser = argparse.ArgumentParser(prog="python -m inference_console.sandbox.model_registry_server")
    parser.add_argument("--bulk", action="append", default=[], metavar="NAME:COUNT", help="a model with COUNT versions")
    parser.add_argument("--port", type=int, default=0)
    args = parser.parse_args(argv)
    server = ModelRegistryServer()
    for spec in args.bulk:
        name, _, count = spec.rpartition(":")
        server.bulk_versions(name, int(count))

    def say(line: str) -> None:
        sys.stdout.write(line + "\n")
        sys.stdout.flush()

    async def run() -> None:
        loop = asyncio.get_running_loop()
        say(f"model registry: {await server.start(port=args.port)}")
        try:
            while True:
                line = await loop.run_in_executor(None, sys.stdin.readline)
                if not line:
                    return
                command = line.strip()
                if command == "hold":
                    server.hold = threading.Event()
                    say("held")
                elif command == "release":
                    if server.hold is not None:
                        server.hold.set()
                    server.hold = None
                    say("released")
                elif command:
                    say(f"unknown command {command!r}")
        finally:
            await server.stop()

    asyncio.run(run())


if __name__ == "__main__":
    serve()
