"""Resource types (what a URL or an apiVersion/kind names) and the registry of served ones."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from .status import EmulatorError, bad_request


@dataclass
class ResourceType:
    group: str
    version: str
    kind: str
    plural: str
    singular: str
    namespaced: bool
    short_names: list[str] = field(default_factory=list)
    subresources: list[str] = field(default_factory=list)
    categories: list[str] = field(default_factory=list)
    verbs: list[str] = field(default_factory=list)
    builtin: bool = False
    printer_columns: list[dict[str, Any]] | None = None  # CRD additionalPrinterColumns
    crd_name: str | None = None
    # answered, never stored: create-only reviews (SelfSubjectAccessReview...), see authz.py
    virtual: bool = False

    @property
    def api_version(self) -> str:
        return f"{self.group}/{self.version}" if self.group else self.version

    @property
    def key(self) -> tuple[str, str]:
        """Storage key: every served version of a resource shares one set of objects."""
        return (self.group, self.plural)

    @property
    def list_kind(self) -> str:
        return self.kind + "List"

    @property
    def has_status(self) -> bool:
        return "status" in self.subresources


_VERSION_RE = re.compile(r"^v(\d+)(?:(alpha|beta)(\d+))?$")


def version_priority(v: str) -> tuple:
    """Sort key in Kubernetes version priority order (v1 > v1beta2 > v1beta1 > v1alpha1 > other)."""
    m = _VERSION_RE.match(v)
    if not m:
        return (3, 0, 0, v)
    major, stage, minor = int(m.group(1)), m.group(2), int(m.group(3) or 0)
    rank = {None: 0, "beta": 1, "alpha": 2}[stage]
    return (rank, -major, -minor, v)


def split_api_version(api_version: str) -> tuple[str, str]:
    if not api_version:
        raise bad_request("apiVersion not set")
    if "/" in api_version:
        g, v = api_version.split("/", 1)
        return g, v
    return "", api_version


def crd_types(crd: dict[str, Any]) -> list[ResourceType]:
    """ResourceType objects for every served version of an apiextensions.k8s.io/v1 CRD."""
    spec = crd.get("spec") or {}
    names = spec.get("names") or {}
    group = spec.get("group")
    plural = names.get("plural")
    kind = names.get("kind")
    if not (group and plural and kind):
        raise bad_request("CustomResourceDefinition needs spec.group, spec.names.plural and spec.names.kind")
    expected = f"{plural}.{group}"
    name = (crd.get("metadata") or {}).get("name")
    if name and name != expected:
        raise EmulatorError(
            422,
            "Invalid",
            f'CustomResourceDefinition.apiextensions.k8s.io "{name}" is invalid: '
            f'metadata.name: Invalid value: "{name}": must be spec.names.plural+"."+spec.group',
            {"name": name, "group": "apiextensions.k8s.io", "kind": "CustomResourceDefinition"},
        )
    namespaced = spec.get("scope", "Namespaced") == "Namespaced"
    out = []
    for ver in spec.get("versions") or []:
        if not ver.get("served", True):
            continue
        subs = []
        sr = ver.get("subresources") or {}
        if "status" in sr:
            subs.append("status")
        if "scale" in sr:
            subs.append("scale")
        out.append(
            ResourceType(
                group=group,
                version=ver["name"],
                kind=kind,
                plural=plural,
                singular=names.get("singular") or kind.lower(),
                namespaced=namespaced,
                short_names=list(names.get("shortNames") or []),
                subresources=subs,
                categories=list(names.get("categories") or []),
                verbs=["delete", "deletecollection", "get", "list", "patch", "create", "update", "watch"],
                printer_columns=list(ver.get("additionalPrinterColumns") or []),
                crd_name=expected,
            )
        )
    if not out:
        raise bad_request(f"CustomResourceDefinition {expected} serves no version")
    return out


class Registry:
    """Which resource types are served, looked up by URL parts or by apiVersion + kind."""

    def __init__(self) -> None:
        self._by_gvr: dict[tuple[str, str, str], ResourceType] = {}
        self._by_gvk: dict[tuple[str, str, str], ResourceType] = {}
        self._crds: dict[str, list[ResourceType]] = {}
        self.generation = 0  # bumped on every change (discovery caches key on it)

    def add(self, rt: ResourceType) -> None:
        self._by_gvr[(rt.group, rt.version, rt.plural)] = rt
        self._by_gvk[(rt.group, rt.version, rt.kind)] = rt
        self.generation += 1

    def install_crd(self, crd: dict[str, Any]) -> list[ResourceType]:
        types = crd_types(crd)
        name = types[0].crd_name or ""
        self.remove_crd(name)
        for rt in types:
            self.add(rt)
        self._crds[name] = types
        return types

    def remove_crd(self, name: str) -> list[ResourceType]:
        old = self._crds.pop(name, [])
        for rt in old:
            self._by_gvr.pop((rt.group, rt.version, rt.plural), None)
            self._by_gvk.pop((rt.group, rt.version, rt.kind), None)
        if old:
            self.generation += 1
        return old

    def by_url(self, group: str, version: str, plural: str) -> ResourceType | None:
        return self._by_gvr.get((group, version, plural))

    def by_kind(self, api_version: str, kind: str) -> ResourceType | None:
        g, v = split_api_version(api_version)
        return self._by_gvk.get((g, v, kind))

    def all(self) -> list[ResourceType]:
        return list(self._by_gvr.values())

    def groups(self) -> dict[str, list[str]]:
        """group -> served versions, preferred (highest priority) first."""
        out: dict[str, set[str]] = {}
        for g, v, _ in self._by_gvr:
            out.setdefault(g, set()).add(v)
        return {g: sorted(vs, key=version_priority) for g, vs in out.items()}

    def versions_of(self, group: str, plural: str) -> list[ResourceType]:
        return [rt for (g, _, p), rt in self._by_gvr.items() if g == group and p == plural]
