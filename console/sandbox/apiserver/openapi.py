"""A minimal OpenAPI v3 index and per-group-version documents.

kubectl (apply, create, replace, ...) reads them only to learn that PATCH endpoints take the
``fieldValidation`` and ``dryRun`` query parameters, so that it validates on the server instead
of downloading schemas. No schemas are served (components are empty); /openapi/v2 stays 404.
"""

from __future__ import annotations

import hashlib
from typing import Any

from .discovery import SERVER_VERSION
from .resources import Registry, ResourceType

_PARAMS = [
    {"name": "dryRun", "in": "query", "schema": {"type": "string", "uniqueItems": True}},
    {"name": "fieldManager", "in": "query", "schema": {"type": "string", "uniqueItems": True}},
    {"name": "fieldValidation", "in": "query", "schema": {"type": "string", "uniqueItems": True}},
    {"name": "force", "in": "query", "schema": {"type": "boolean", "uniqueItems": True}},
]


def gv_path(group: str, version: str) -> str:
    return f"api/{version}" if not group else f"apis/{group}/{version}"


def _object_path(rt: ResourceType) -> str:
    base = "/" + gv_path(rt.group, rt.version)
    if rt.namespaced:
        return f"{base}/namespaces/{{namespace}}/{rt.plural}/{{name}}"
    return f"{base}/{rt.plural}/{{name}}"


def gv_document(registry: Registry, group: str, version: str) -> dict[str, Any] | None:
    rts = [rt for rt in registry.all() if rt.group == group and rt.version == version]
    if not rts:
        return None
    paths: dict[str, Any] = {}
    for rt in rts:
        if rt.virtual:  # create-only reviews: kubectl never patches them
            continue
        gvk = {"group": rt.group, "version": rt.version, "kind": rt.kind}
        op = {
            "operationId": f"patch{rt.kind}",
            "x-kubernetes-action": "patch",
            "x-kubernetes-group-version-kind": gvk,
            "parameters": _PARAMS,
            "responses": {"200": {"description": "OK"}, "201": {"description": "Created"}},
        }
        paths[_object_path(rt)] = {"patch": op}
    return {
        "openapi": "3.0.0",
        "info": {"title": "Kubernetes", "version": SERVER_VERSION["gitVersion"]},
        "paths": paths,
        "components": {"schemas": {}},
    }


def index(registry: Registry) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for group, versions in registry.groups().items():
        for version in versions:
            rel = gv_path(group, version)
            h = hashlib.sha256(f"{registry.generation}:{rel}".encode()).hexdigest()[:32].upper()
            out[rel] = {"serverRelativeURL": f"/openapi/v3/{rel}?hash={h}"}
    return {"paths": out}
