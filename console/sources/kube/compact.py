"""Compact storage of listed objects: drop what nothing reads, share what repeats (no Textual).

A store of 100,000 pods holds 100,000 copies of a handful of pod templates: the same
container specs, labels, owner references and conditions, decoded afresh for each pod.
:class:`Compactor` makes the objects of one store share one copy of each repeated part
(found by its JSON encoding, kept in a bounded table) and intern repeated short strings
(namespaces, node names, phases, images), and drops, per kind, the fields no column,
health rule, cause, related rule or summary reads (a pod's env, args, probes, volumes, …).
The YAML tab and every edit fetch the whole object from the server, so nothing shown
there is lost.

Shared parts must not be changed in place: records in stores are read-only (the edit
flow, the YAML view and the action layer copy or re-fetch before changing anything).
Only objects from a server (with a ``resourceVersion``) are compacted.
"""

from __future__ import annotations

from typing import Any, Callable

try:
    from msgspec.json import Encoder as _Encoder

    _encode: Callable[[Any], bytes] | None = _Encoder().encode
except ImportError:  # pragma: no cover - a dependency; without it objects are only pruned
    _encode = None

Obj = dict[str, Any]

# Fields of a pod no view, health rule, cause, related rule or summary reads (the YAML tab
# fetches the whole object).  Checked with grep over console/ for each name.
POD_SPEC_DROP = frozenset(
    {
        "volumes",
        "tolerations",
        "affinity",
        "securityContext",
        "topologySpreadConstraints",
        "dnsConfig",
        "hostAliases",
        "readinessGates",
        "overhead",
        "schedulerName",
        "serviceAccountName",
        "serviceAccount",
        "terminationGracePeriodSeconds",
        "dnsPolicy",
        "enableServiceLinks",
        "preemptionPolicy",
        "priority",
        "restartPolicy",
    }
)
CONTAINER_DROP = frozenset(
    {
        "env",
        "envFrom",
        "args",
        "command",
        "volumeMounts",
        "volumeDevices",
        "livenessProbe",
        "readinessProbe",
        "startupProbe",
        "lifecycle",
        "securityContext",
        "terminationMessagePath",
        "terminationMessagePolicy",
        "workingDir",
        "ports",
    }
)
POD_STATUS_DROP = frozenset({"podIPs", "hostIPs", "startTime"})
CONTAINER_STATUS_DROP = frozenset({"containerID", "volumeMounts", "allocatedResources", "resources", "user"})
_STRINGS_CSTATUS = ("name", "image", "imageID")
# Compactor.pod and sources/kube/pod_list.py apply the same rules, named here once.
META_TEXTS = ("namespace", "creationTimestamp")  # short repeated strings: one copy each
META_SHARED = ("labels", "ownerReferences")  # parts shared between the pods of a template
SPEC_TEXTS = ("nodeName",)
STATUS_TEXTS = ("phase", "hostIP")
CONTAINER_LISTS = ("containers", "initContainers", "ephemeralContainers")
STATUS_LISTS = ("containerStatuses", "initContainerStatuses", "ephemeralContainerStatuses")
_EMPTY: dict[str, Any] = {}


def _prune_containers(containers: list[Any]) -> list[Any]:
    for c in containers:
        if isinstance(c, dict):
            for key in c.keys() & CONTAINER_DROP:
                del c[key]
    return containers


class Compactor:
    """Shares repeated parts between the objects of one store (see the module doc)."""

    def __init__(self, limit: int = 8192) -> None:
        # encoding -> the one copy; cleared when full (a part seen again is shared again)
        self.limit = limit
        self._shared: dict[Any, Any] = {}
        self._strings: dict[str, str] = {}
        self.hits = 0
        self.misses = 0

    def share(self, value: Any, prune: Callable[[Any], Any] | None = None) -> Any:
        """The shared copy of ``value`` (``prune``d once, when first seen)."""
        if _encode is None:
            return prune(value) if prune is not None else value
        try:
            key = _encode(value)
        except (TypeError, ValueError, OverflowError):
            return value
        shared = self._shared.get(key)
        if shared is not None:
            self.hits += 1
            return shared
        self.misses += 1
        if prune is not None:
            value = prune(value)
        if len(self._shared) >= self.limit:
            self._shared.clear()
        self._shared[key] = value
        return value

    def text(self, value: Any) -> Any:
        """One copy of a short repeated string."""
        if type(value) is str and len(value) <= 128:
            strings = self._strings
            found = strings.get(value)
            if found is not None:
                return found
            if len(strings) >= self.limit:
                strings.clear()
            strings[value] = value
        return value

    def _texts(self, d: dict[str, Any], keys: tuple[str, ...]) -> None:
        one = self._strings.setdefault
        for key in keys:
            value = d.get(key)
            if value.__class__ is str:
                d[key] = one(value, value)

    def _share_states(self, statuses: list[Any]) -> list[Any]:
        for st in statuses:
            if isinstance(st, dict):
                self._texts(st, _STRINGS_CSTATUS)
                state = st.get("state")
                if state:
                    st["state"] = self.share(state)
                last = st.get("lastState")
                if last == _EMPTY:
                    st["lastState"] = _EMPTY
                elif last:
                    st["lastState"] = self.share(last)
        return statuses

    def share_statuses(self, statuses: list[Any]) -> list[Any]:
        """Container statuses without their per-container noise, shared: pods of one template
        that started together have equal statuses; when they are not, their states often are."""
        for st in statuses:
            if isinstance(st, dict):
                for drop in CONTAINER_STATUS_DROP:
                    st.pop(drop, None)
        return self.share(statuses, self._share_states)

    def pod(self, obj: Obj) -> Obj:
        md = obj.get("metadata")
        if not isinstance(md, dict) or not md.get("resourceVersion"):
            return obj
        strings = self._strings
        if len(strings) >= self.limit:
            strings.clear()
        one, share = strings.setdefault, self.share
        # (set intersections and helper calls cost a quarter of this function at 10,000 pods:
        # the drops are pops, the interning is inline)
        for key in META_TEXTS:
            value = md.get(key)
            if value.__class__ is str:
                md[key] = one(value, value)
        md.pop("generation", None)
        for key in META_SHARED:
            part = md.get(key)
            if part:
                md[key] = share(part)
        spec = obj.get("spec")
        if isinstance(spec, dict):
            for key in [key for key in spec if key in POD_SPEC_DROP]:
                del spec[key]
            for key in CONTAINER_LISTS:
                containers = spec.get(key)
                if containers.__class__ is list and containers:
                    spec[key] = share(containers, _prune_containers)
            for key in SPEC_TEXTS:
                value = spec.get(key)
                if value.__class__ is str:
                    spec[key] = one(value, value)
        status = obj.get("status")
        if isinstance(status, dict):
            for key in POD_STATUS_DROP:
                status.pop(key, None)
            for key in STATUS_TEXTS:
                value = status.get(key)
                if value.__class__ is str:
                    status[key] = one(value, value)
            conditions = status.get("conditions")
            if conditions:
                status["conditions"] = share(conditions)
            for key in STATUS_LISTS:
                statuses = status.get(key)
                if statuses.__class__ is list and statuses:
                    status[key] = self.share_statuses(statuses)
        return obj


def compactor_for(kind: str, api_version: str) -> Compactor | None:
    """The compactor of a kind's objects (None: only managedFields are dropped)."""
    if kind == "Pod" and api_version == "v1":
        return Compactor()
    return None
