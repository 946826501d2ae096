"""Discovery documents: /version, /api, /api/v1, /apis, /apis/{group}, /apis/{group}/{version}.

Only the legacy (unaggregated) JSON forms are served; clients that ask for aggregated
discovery (apidiscovery.k8s.io/v2) fall back to these when the answer is a plain APIGroupList.
"""

from __future__ import annotations

from typing import Any

from .resources import Registry, ResourceType

SERVER_VERSION = {
    "major": "1",
    "minor": "34",
    "emulationMajor": "1",
    "emulationMinor": "34",
    "minCompatibilityMajor": "1",
    "minCompatibilityMinor": "33",
    "gitVersion": "v1.34.0",
    "gitCommit": "0000000000000000000000000000000000000000",
    "gitTreeState": "clean",
    "buildDate": "2025-08-27T00:00:00Z",
    "goVersion": "go1.24.6",
    "compiler": "gc",
    "platform": "linux/amd64",
}
SUB_VERBS = ["get", "patch", "update"]


def api_versions(server_address: str) -> dict[str, Any]:
    return {
        "kind": "APIVersions",
        "versions": ["v1"],
        "serverAddressByClientCIDRs": [{"clientCIDR": "0.0.0.0/0", "serverAddress": server_address}],
    }


def _gv(group: str, version: str) -> dict[str, str]:
    return {"groupVersion": f"{group}/{version}", "version": version}


def api_group(registry: Registry, group: str) -> dict[str, Any] | None:
    versions = registry.groups().get(group)
    if not versions or not group:
        return None
    return {
        "kind": "APIGroup",
        "apiVersion": "v1",
        "name": group,
        "versions": [_gv(group, v) for v in versions],
        "preferredVersion": _gv(group, versions[0]),
    }


def api_group_list(registry: Registry) -> dict[str, Any]:
    groups = registry.groups()
    builtin_order = ["apps", "events.k8s.io", "authentication.k8s.io", "authorization.k8s.io", "apiextensions.k8s.io"]
    names = [g for g in builtin_order if g in groups] + sorted(g for g in groups if g and g not in builtin_order)
    return {
        "kind": "APIGroupList",
        "apiVersion": "v1",
        "groups": [
            {"name": g, "versions": [_gv(g, v) for v in groups[g]], "preferredVersion": _gv(g, groups[g][0])}
            for g in names
        ],
    }


def _resource_entries(rt: ResourceType) -> list[dict[str, Any]]:
    main: dict[str, Any] = {
        "name": rt.plural,
        "singularName": rt.singular,
        "namespaced": rt.namespaced,
        "kind": rt.kind,
        "verbs": list(rt.verbs),
    }
    if rt.short_names:
        main["shortNames"] = list(rt.short_names)
    if rt.categories:
        main["categories"] = list(rt.categories)
    out = [main]
    for sub in rt.subresources:
        e: dict[str, Any] = {
            "name": f"{rt.plural}/{sub}",
            "singularName": "",
            "namespaced": rt.namespaced,
            "kind": rt.kind,
            "verbs": list(SUB_VERBS),
        }
        if sub == "scale":
            e.update(group="autoscaling", version="v1", kind="Scale")
        out.append(e)
    return out


def api_resource_list(registry: Registry, group: str, version: str) -> dict[str, Any] | None:
    rts = [rt for rt in registry.all() if rt.group == group and rt.version == version]
    if not rts:
        return None
    resources: list[dict[str, Any]] = []
    for rt in rts:
        resources.extend(_resource_entries(rt))
    return {
        "kind": "APIResourceList",
        "apiVersion": "v1",
        "groupVersion": f"{group}/{version}" if group else version,
        "resources": resources,
    }
