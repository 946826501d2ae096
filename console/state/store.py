"""In-memory stores of Kubernetes objects, one per kind and scope, keyed by uid.

Sources write; the UI reads.  A store never calls the UI directly: it records which
uids changed and tells a :class:`ChangeHub` once, and the hub delivers one batch per
frame.  No Textual import here.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable, Mapping

Obj = dict[str, Any]


class KindState(enum.Enum):
    IDLE = "idle"
    LOADING = "loading"
    LIVE = "live"
    RECONNECTING = "reconnecting"
    FORBIDDEN = "forbidden"
    NOT_INSTALLED = "not installed"
    ERROR = "error"


@dataclass(frozen=True)
class KindStatus:
    state: KindState = KindState.IDLE
    reason: str = ""

    @property
    def usable(self) -> bool:
        return self.state in (KindState.LIVE, KindState.RECONNECTING)


@dataclass
class Changes:
    upserted: dict[str, Obj] = field(default_factory=dict)
    deleted: set[str] = field(default_factory=set)
    reset: bool = False  # the whole store was replaced (relist, namespace switch)
    status_changed: bool = False

    def __bool__(self) -> bool:
        return bool(self.upserted or self.deleted or self.reset or self.status_changed)


def uid_of(obj: Mapping[str, Any]) -> str:
    md = obj.get("metadata") or {}
    uid = md.get("uid")
    if uid:
        return uid
    # Objects without a uid (rare: some test servers) are keyed by namespace/name.
    return f"{md.get('namespace', '')}/{md.get('name', '')}"


def strip_noise(obj: Obj) -> Obj:
    """Drop managedFields on ingest: they are large and the YAML view re-reads the object."""
    md = obj.get("metadata")
    if isinstance(md, dict) and "managedFields" in md:
        md.pop("managedFields", None)
    return obj


class ObjectStore:
    def __init__(self, key: str, *, kind: str = "", api_version: str = "",
                 is_failing: Callable[[Obj], bool] | None = None,
                 classify: Callable[[Obj], tuple[Any, bool]] | None = None,
                 on_change: Callable[["ObjectStore"], None] | None = None) -> None:
        """``classify(obj) -> (verdict, failing)`` is computed once per object version and
        kept (:meth:`verdict`), so the UI does not compute health rules twice."""
        self.key = key
        self.kind = kind
        self.api_version = api_version
        self.objects: dict[str, Obj] = {}
        self.resource_version = ""
        self.status = KindStatus()
        self.loaded = False
        if classify is None and is_failing is not None:
            classify = lambda obj: (None, is_failing(obj))  # noqa: E731
        self._classify = classify
        self._verdicts: dict[str, Any] = {}
        self._failing: set[str] = set()
        self._on_change = on_change
        self._pending = Changes()
        self._notified = False

    # ------------------------------------------------------------------ reading
    def __len__(self) -> int:
        return len(self.objects)

    @property
    def failing_count(self) -> int:
        return len(self._failing)

    def get(self, uid: str) -> Obj | None:
        return self.objects.get(uid)

    def verdict(self, uid: str) -> Any:
        return self._verdicts.get(uid)

    def values(self) -> Iterable[Obj]:
        return self.objects.values()

    def take_changes(self) -> Changes:
        changes, self._pending = self._pending, Changes()
        self._notified = False
        return changes

    # ------------------------------------------------------------------ writing
    def set_status(self, state: KindState, reason: str = "") -> None:
        status = KindStatus(state, reason)
        if status != self.status:
            self.status = status
            self._pending.status_changed = True
            self._notify()

    def replace(self, items: Iterable[Obj], resource_version: str) -> tuple[int, int, int]:
        """Reconcile with a fresh list: returns (added, modified, deleted)."""
        fresh: dict[str, Obj] = {}
        for item in items:
            self._fill_type(item)
            fresh[uid_of(item)] = strip_noise(item)
        added = modified = 0
        old = self.objects
        for uid, obj in fresh.items():
            prev = old.get(uid)
            if prev is None:
                added += 1
                self._pending.upserted[uid] = obj
            elif _rv(prev) != _rv(obj):
                modified += 1
                self._pending.upserted[uid] = obj
            self._pending.deleted.discard(uid)
        gone = [uid for uid in old if uid not in fresh]
        for uid in gone:
            self._pending.deleted.add(uid)
            self._pending.upserted.pop(uid, None)
        self.objects = fresh
        if self._classify is not None:
            self._verdicts = {}
            self._failing = set()
            for uid, obj in fresh.items():
                self._judge(uid, obj)
        self.resource_version = resource_version
        if not self.loaded:
            self._pending.reset = True
        self.loaded = True
        self._notify()
        return added, modified, len(gone)

    def apply_event(self, event_type: str, obj: Obj) -> None:
        rv = (obj.get("metadata") or {}).get("resourceVersion")
        if rv:
            self.resource_version = rv
        if event_type == "BOOKMARK":
            return
        uid = uid_of(obj)
        if event_type == "DELETED":
            if self.objects.pop(uid, None) is not None:
                self._failing.discard(uid)
                self._verdicts.pop(uid, None)
                self._pending.upserted.pop(uid, None)
                self._pending.deleted.add(uid)
                self._notify()
            return
        self._fill_type(obj)
        self.objects[uid] = strip_noise(obj)
        if self._classify is not None:
            self._judge(uid, obj)
        self._pending.deleted.discard(uid)
        self._pending.upserted[uid] = obj
        self._notify()

    def clear(self) -> None:
        self.objects = {}
        self._failing = set()
        self._verdicts = {}
        self.resource_version = ""
        self.loaded = False
        self._pending = Changes(reset=True)
        self._notify()

    # ------------------------------------------------------------------ internals
    def _fill_type(self, obj: Obj) -> None:
        # List items of built-in kinds come without kind/apiVersion.
        if self.kind and "kind" not in obj:
            obj["kind"] = self.kind
        if self.api_version and "apiVersion" not in obj:
            obj["apiVersion"] = self.api_version

    def _judge(self, uid: str, obj: Obj) -> None:
        try:
            verdict, failing = self._classify(obj)  # type: ignore[misc]
        except Exception:  # a health rule must never break ingestion
            verdict, failing = None, False
        self._verdicts[uid] = verdict
        if failing:
            self._failing.add(uid)
        else:
            self._failing.discard(uid)

    def _notify(self) -> None:
        if not self._notified and self._on_change is not None:
            self._notified = True
            self._on_change(self)


def _rv(obj: Mapping[str, Any]) -> str:
    return (obj.get("metadata") or {}).get("resourceVersion", "")
