"""API discovery: which catalog kinds this cluster serves, and which other CRDs it has.

Pure resolution (:func:`resolve_catalog`) is separate from the requests
(:func:`discover`) so it can be tested on recorded discovery documents.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field
from typing import Any, Iterable

from inference_console.catalog.base import KindSpec
from inference_console.sources.kube.errors import KubeError
from inference_console.sources.kube.transport import Transport

log = logging.getLogger(__name__)


@dataclass
class Discovery:
    # (group, version) -> {plural: api resource dict}
    resources: dict[tuple[str, str], dict[str, dict[str, Any]]] = field(default_factory=dict)
    groups: dict[str, list[str]] = field(default_factory=dict)  # group -> versions, preferred first
    crds: list[dict[str, Any]] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def serves(self, group: str, version: str, plural: str) -> bool:
        return plural in self.resources.get((group, version), {})


@dataclass
class ResolvedCatalog:
    kinds: list[KindSpec]  # catalog kinds, at the version the cluster serves (or the default)
    installed: set[str]  # catalog keys the cluster serves
    extra: list[KindSpec]  # other CRDs, listed generically


def resolve_catalog(builtin: Iterable[KindSpec], disc: Discovery) -> ResolvedCatalog:
    from inference_console.catalog.generic import spec_from_crd

    kinds: list[KindSpec] = []
    installed: set[str] = set()
    claimed: set[tuple[str, str]] = set()  # (group, plural) handled by the catalog
    for spec in builtin:
        chosen = spec
        for group, version in ((spec.group, spec.version), *spec.alternatives):
            claimed.add((group, spec.plural))
        for group, version in ((spec.group, spec.version), *spec.alternatives):
            if disc.serves(group, version, spec.plural):
                chosen = spec.with_version(group, version)
                installed.add(spec.key)
                break
        kinds.append(chosen)
    extra: list[KindSpec] = []
    for crd in disc.crds:
        crd_spec = crd.get("spec") or {}
        group = crd_spec.get("group", "")
        plural = (crd_spec.get("names") or {}).get("plural", "")
        if (group, plural) in claimed:
            continue
        try:
            extra.append(spec_from_crd(crd))
        except Exception as exc:  # a strange CRD must not break the app
            log.warning("cannot list CRD %s.%s generically: %s", plural, group, exc)
    extra.sort(key=lambda s: s.kind.lower())
    return ResolvedCatalog(kinds=kinds, installed=installed, extra=extra)


async def discover(transport: Transport, interesting_groups: set[str]) -> Discovery:
    """Read /api/v1, /apis, the group-versions of ``interesting_groups`` and the CRD list."""
    disc = Discovery()
    core, groups = await asyncio.gather(transport.get("/api/v1"), transport.get("/apis"))
    disc.resources[("", "v1")] = {r["name"]: r for r in core.get("resources", []) if "name" in r}
    for group in groups.get("groups", []):
        name = group.get("name", "")
        versions = [v.get("version", "") for v in group.get("versions", [])]
        preferred = (group.get("preferredVersion") or {}).get("version")
        if preferred in versions:
            versions.remove(preferred)
            versions.insert(0, preferred)
        disc.groups[name] = versions

    wanted = [(g, v) for g in interesting_groups if g in disc.groups for v in disc.groups[g]]

    async def fetch(group: str, version: str) -> None:
        try:
            body = await transport.get(f"/apis/{group}/{version}")
        except KubeError as exc:
            disc.errors.append(f"{group}/{version}: {exc.summary()}")
            return
        disc.resources[(group, version)] = {r["name"]: r for r in body.get("resources", []) if "name" in r}

    await asyncio.gather(*(fetch(g, v) for g, v in wanted))
    if "apiextensions.k8s.io" in disc.groups:
        try:
            body = await transport.get("/apis/apiextensions.k8s.io/v1/customresourcedefinitions")
            disc.crds = list(body.get("items") or [])
        except KubeError as exc:
            disc.errors.append(f"customresourcedefinitions: {exc.summary()}")
    return disc
