"""Object store: objects per resource, the global resourceVersion, and the event history
that watches replay from. Objects are kept with their JSON pre-serialised."""

from __future__ import annotations

import json
from bisect import bisect_left, bisect_right, insort
from collections import deque
from dataclasses import dataclass, field
from typing import Any, Callable, Iterator

from .selectors import selector_view

Key = tuple[str, str]  # (group, plural)
ObjKey = tuple[str, str]  # (namespace or "", name)

_dumps = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False).encode


def to_json(obj: Any) -> bytes:
    return _dumps(obj).encode()


@dataclass
class Entry:
    obj: dict[str, Any]
    raw: bytes
    view: dict[str, Any] | None = None  # selector_view(obj), kept for the next event's old_view
    # same object served at another apiVersion (multi-version CRDs): apiVersion -> bytes
    _alt: dict[str, bytes] = field(default_factory=dict)

    def raw_as(self, api_version: str) -> bytes:
        return raw_as(self.obj, self.raw, api_version, self._alt)


def raw_as(obj: dict[str, Any], raw: bytes, api_version: str, cache: dict[str, bytes]) -> bytes:
    if obj.get("apiVersion") == api_version:
        return raw
    b = cache.get(api_version)
    if b is None:
        b = cache[api_version] = to_json({**obj, "apiVersion": api_version})
    return b


def obj_as(obj: dict[str, Any], api_version: str) -> dict[str, Any]:
    return obj if obj.get("apiVersion") == api_version else {**obj, "apiVersion": api_version}


@dataclass
class Event:
    """One change. Kept in the history as JSON plus selector views (not whole objects) to stay small."""

    rv: int
    type: str  # ADDED | MODIFIED | DELETED
    key: Key
    namespace: str
    raw: bytes
    view: dict[str, Any]  # selector_view of the object
    old_view: dict[str, Any] | None  # selector_view of the object before a MODIFIED
    _alt: dict[str, bytes] = field(default_factory=dict)

    @property
    def obj(self) -> dict[str, Any]:
        """The object (decoded afresh on every access)."""
        return json.loads(self.raw)

    def raw_as(self, api_version: str) -> bytes:
        b = self._alt.get(api_version)
        if b is None:
            obj = self.obj
            b = self.raw if obj.get("apiVersion") == api_version else to_json({**obj, "apiVersion": api_version})
            self._alt[api_version] = b
        return b


class Store:
    def __init__(self, history_limit: int = 100_000) -> None:
        self.rv = 0
        self.history_limit = max(1, int(history_limit))
        self.history: deque[Event] = deque()
        self.compacted_rv = 0  # events with rv <= this are forgotten
        self._objects: dict[Key, dict[ObjKey, Entry]] = {}
        # Per resource, its object keys sorted by (namespace, name), kept up to date on every
        # create and delete once built: a page of a list costs the page, not the whole list.
        self._sorted: dict[Key, list[ObjKey]] = {}
        self.listeners: list[Callable[[Event], None]] = []
        # ownerReferences index: owner uid -> dependents, and each dependent's owner uids
        self._dependents: dict[str, set[tuple[Key, str, str]]] = {}
        self._owners: dict[tuple[Key, str, str], tuple[str, ...]] = {}

    # -- reads --
    def get(self, key: Key, namespace: str, name: str) -> Entry | None:
        return self._objects.get(key, {}).get((namespace, name))

    def entries(self, key: Key, namespace: str | None = None) -> Iterator[tuple[ObjKey, Entry]]:
        """Entries sorted by (namespace, name), optionally one namespace only."""
        objs = self._objects.get(key)
        if not objs:
            return iter(())
        keys, lo, hi = self.key_range(key, namespace)
        return iter([(k, objs[k]) for k in keys[lo:hi]])

    def sorted_keys(self, key: Key) -> list[ObjKey]:
        """The resource's object keys in (namespace, name) order (the store's own list: read only)."""
        keys = self._sorted.get(key)
        if keys is None:
            keys = self._sorted[key] = sorted(self._objects.get(key, ()))
        return keys

    def key_range(
        self, key: Key, namespace: str | None = None, after: ObjKey | None = None
    ) -> tuple[list[ObjKey], int, int]:
        """``(sorted keys, lo, hi)``: ``keys[lo:hi]`` are the keys of ``namespace`` (every one for
        None) that sort after ``after`` (exclusive), found by binary search."""
        keys = self.sorted_keys(key)
        if namespace:
            lo, hi = bisect_left(keys, (namespace,)), bisect_left(keys, (namespace + "\0",))
        else:
            lo, hi = 0, len(keys)
        if after is not None:
            lo = max(lo, bisect_right(keys, after))
        return keys, lo, max(lo, hi)

    def count(self, key: Key) -> int:
        return len(self._objects.get(key, {}))

    def namespaces_in_use(self, key: Key) -> set[str]:
        return {ns for ns, _ in self._objects.get(key, {})}

    def dependents(self, owner_uid: str) -> list[tuple[Key, str, str]]:
        """(resource key, namespace, name) of the objects whose ownerReferences name ``owner_uid``."""
        deps = self._dependents.get(owner_uid)
        return sorted(deps) if deps else []

    def _index_owners(self, key: Key, namespace: str, name: str, obj: dict[str, Any] | None) -> None:
        ident = (key, namespace, name)
        refs = (obj.get("metadata") or {}).get("ownerReferences") if obj is not None else None
        new = (
            tuple(r["uid"] for r in refs if isinstance(r, dict) and isinstance(r.get("uid"), str))
            if isinstance(refs, list) and refs
            else ()
        )
        old = self._owners.get(ident, ())
        if new == old:
            return
        for uid in old:
            deps = self._dependents.get(uid)
            if deps is not None:
                deps.discard(ident)
                if not deps:
                    del self._dependents[uid]
        for uid in new:
            self._dependents.setdefault(uid, set()).add(ident)
        if new:
            self._owners[ident] = new
        else:
            self._owners.pop(ident, None)

    # -- writes (no validation here: see crud.py) --
    def next_rv(self) -> int:
        self.rv += 1
        return self.rv

    def put(self, key: Key, obj: dict[str, Any], type_: str, old: dict[str, Any] | None = None) -> Entry:
        """Store ``obj`` (its metadata.resourceVersion already set by the caller)."""
        md = obj["metadata"]
        ns = md.get("namespace") or ""
        raw = to_json(obj)
        entry = Entry(obj, raw, selector_view(obj))
        objs = self._objects.setdefault(key, {})
        okey = (ns, md["name"])
        prev = objs.get(okey)
        objs[okey] = entry
        if prev is None and key in self._sorted:
            insort(self._sorted[key], okey)
        if md.get("ownerReferences") or (key, ns, md["name"]) in self._owners:
            self._index_owners(key, ns, md["name"], obj)
        old_view = None
        if old is not None:
            old_view = (
                prev.view if prev is not None and prev.obj is old and prev.view is not None else selector_view(old)
            )
        self._record(Event(int(md["resourceVersion"]), type_, key, ns, raw, entry.view or {}, old_view))
        return entry

    def remove(self, key: Key, namespace: str, name: str, final_obj: dict[str, Any]) -> None:
        if self._objects.get(key, {}).pop((namespace, name), None) is not None:
            self._unsort(key, (namespace, name))
        if (key, namespace, name) in self._owners:
            self._index_owners(key, namespace, name, None)
        self._record(
            Event(
                int(final_obj["metadata"]["resourceVersion"]),
                "DELETED",
                key,
                namespace,
                to_json(final_obj),
                selector_view(final_obj),
                None,
            )
        )

    def drop_resource(self, key: Key) -> None:
        """Forget every object of a resource without events (its CRD went away)."""
        self._sorted.pop(key, None)
        for ns, name in self._objects.pop(key, {}):
            if (key, ns, name) in self._owners:
                self._index_owners(key, ns, name, None)

    def _unsort(self, key: Key, okey: ObjKey) -> None:
        keys = self._sorted.get(key)
        if keys is not None:
            i = bisect_left(keys, okey)
            if i < len(keys) and keys[i] == okey:
                del keys[i]

    def _record(self, ev: Event) -> None:
        if len(self.history) >= self.history_limit:
            self.compacted_rv = self.history.popleft().rv
        self.history.append(ev)
        for listener in list(self.listeners):
            listener(ev)

    # -- history --
    def compact(self) -> None:
        self.history.clear()
        self.compacted_rv = self.rv

    def events_since(self, rv: int, key: Key) -> list[Event] | None:
        """Events after ``rv`` for one resource, or None if ``rv`` is older than the history kept."""
        if rv < self.compacted_rv:
            return None
        if not self.history or self.history[-1].rv <= rv:
            return []
        out = []
        for ev in reversed(self.history):
            if ev.rv <= rv:
                break
            if ev.key == key:
                out.append(ev)
        out.reverse()
        return out
