"""Stores: what every source writes and every screen reads, keyed by a string.

A store holds records (plain dicts) of one kind under a key of the source's choosing: a
Kubernetes uid, a registry's ``repo:version``, a GPU's ``node/index``.  It never calls the
UI: it records what changed and tells the :class:`~inference_console.state.hub.ChangeHub`
once, and the hub delivers one batch of :class:`Changes` per frame.  Nothing here knows
Kubernetes (its store, :class:`~inference_console.sources.kube.store.ObjectStore`, builds
on :class:`RecordStore`) and nothing imports Textual.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable, Protocol

Record = dict[str, Any]


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
    upserted: dict[str, Record] = field(default_factory=dict)
    deleted: set[str] = field(default_factory=set)
    reset: bool = False  # the whole store was replaced (relist, namespace switch)
    status_changed: bool = False

    def __bool__(self) -> bool:
        return bool(self.upserted or self.deleted or self.reset or self.status_changed)


class Store(Protocol):
    """What screens and the hub may rely on, whatever the source."""

    key: str
    status: KindStatus
    loaded: bool

    def __len__(self) -> int: ...
    def get(self, key: str) -> Record | None: ...
    def values(self) -> Iterable[Record]: ...
    def items(self) -> Iterable[tuple[str, Record]]: ...
    def verdict(self, key: str) -> Any: ...
    @property
    def failing_count(self) -> int: ...
    def take_changes(self) -> Changes: ...


Classify = Callable[[Record], tuple[Any, bool]]


class RecordStore:
    """A store of records keyed by ``key_of(record)``.

    ``version_of(record)`` (optional) tells whether a relisted record changed;
    ``classify(record) -> (verdict, failing)`` is computed once per record version and kept
    (:meth:`verdict`), so the UI does not compute health rules twice.
    """

    def __init__(
        self,
        key: str,
        *,
        key_of: Callable[[Record], str],
        version_of: Callable[[Record], Any] | None = None,
        classify: Classify | None = None,
        on_change: Callable[["RecordStore"], None] | None = None,
    ) -> None:
        self.key = key
        self.objects: dict[str, Record] = {}
        self.status = KindStatus()
        self.loaded = False
        self._key_of = key_of
        self._version_of = version_of
        self._classify = classify
        self._verdicts: dict[str, Any] = {}
        self._failing: set[str] = set()
        self.on_change = on_change
        self._pending = Changes()
        self._notified = False
        # Called with (key, record) for each record written and (key, None) for each removed
        # ("", None) when the store is cleared): a source's joins between its stores use this.
        self.observers: list[Callable[[str, Record | None], None]] = []
        # While a listing arrives in pages (begin_list .. end_list): (records received so far,
        # the total the source expects or None); None otherwise.  Screens show it as progress.
        self.progress: tuple[int, int | None] | None = None
        self._seen: set[str] | None = None  # keys received by the listing in progress

    # ------------------------------------------------------------------ reading
    def __len__(self) -> int:
        return len(self.objects)

    @property
    def failing_count(self) -> int:
        return len(self._failing)

    def get(self, key: str) -> Record | None:
        return self.objects.get(key)

    def verdict(self, key: str) -> Any:
        return self._verdicts.get(key)

    def values(self) -> Iterable[Record]:
        return self.objects.values()

    def items(self) -> Iterable[tuple[str, Record]]:
        return self.objects.items()

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

    def prepare(self, record: Record) -> Record:
        """Hook for subclasses: normalise a record on its way in."""
        return record

    def replace(self, records: Iterable[Record]) -> tuple[int, int, int]:
        """Reconcile with a fresh full listing: returns (added, modified, deleted)."""
        fresh: dict[str, Record] = {}
        key_of, prepare = self._key_of, self.prepare
        for record in records:
            record = prepare(record)
            fresh[key_of(record)] = record
        added = modified = 0
        old = self.objects
        pending = self._pending
        version_of = self._version_of
        observers = self.observers
        for key, record in fresh.items():
            prev = old.get(key)
            if prev is None:
                added += 1
                pending.upserted[key] = record
            elif (version_of(prev) != version_of(record)) if version_of else (prev != record):
                modified += 1
                pending.upserted[key] = record
            else:
                pending.deleted.discard(key)
                continue
            pending.deleted.discard(key)
            for observer in observers:
                observer(key, record)
        gone = [key for key in old if key not in fresh]
        for key in gone:
            pending.deleted.add(key)
            pending.upserted.pop(key, None)
        self.objects = fresh
        for key in gone:
            for observer in observers:
                observer(key, None)
        if self._classify is not None:
            self._verdicts = {}
            self._failing = set()
            for key, record in fresh.items():
                self._judge(key, record)
        if not self.loaded:
            pending.reset = True
        self.loaded = True
        self._notify()
        return added, modified, len(gone)

    # ------------------------------------------------------------------ a listing in pages
    def begin_list(self, expected: int | None = None, *, quiet: bool = False) -> None:
        """A fresh listing starts arriving in pages (:meth:`add_page`), ended by :meth:`end_list`.

        Each page is shown as it lands (new and changed records are changes at once); what
        the listing did not bring is deleted only at :meth:`end_list`, so after it the store
        equals the listing, as after :meth:`replace`.  A ``quiet`` listing shows no progress
        (a poll that refreshes what is shown, merged in steps to keep the loop free)."""
        self._seen = set()
        if quiet:
            return
        self.progress = (0, expected)
        self._pending.status_changed = True
        self._notify()

    def add_page(self, records: Iterable[Record], expected: int | None = None, *, prepared: bool = False) -> int:
        """Merge one page of the listing in progress; returns how many records it changed
        (``prepared``: the records are already what :meth:`prepare` makes of them)."""
        seen = self._seen
        if seen is None:
            self.begin_list(expected)
            seen = self._seen
            assert seen is not None
        key_of, prepare = self._key_of, (None if prepared else self.prepare)
        objects, pending = self.objects, self._pending
        version_of = self._version_of
        observers = self.observers
        judge = self._judge if self._classify is not None else None
        upserted, deleted = pending.upserted, pending.deleted
        if not self.loaded and not objects:
            pending.reset = True  # the first rows of a store never listed: draw it whole
        changed = 0
        count = 0
        for record in records:
            count += 1
            if prepare is not None:
                record = prepare(record)
            key = key_of(record)
            seen.add(key)
            prev = objects.get(key)
            if prev is not None and ((version_of(prev) == version_of(record)) if version_of else (prev == record)):
                continue
            objects[key] = record
            changed += 1
            if judge is not None:
                judge(key, record)
            upserted[key] = record
            deleted.discard(key)
            for observer in observers:
                observer(key, record)
        if self.progress is not None:
            self.progress = (self.progress[0] + count, expected)
            if not changed:
                pending.status_changed = True  # nothing else to deliver, but the progress count changed
        if changed or self.progress is not None:
            self._notify()
        return changed

    def end_list(self) -> tuple[int, int]:
        """The listing is complete: delete what it did not bring; returns (records, deleted)."""
        seen = self._seen or set()
        self._seen = None
        shown = self.progress is not None or not self.loaded  # not a quiet refresh of a loaded store
        self.progress = None
        gone = [key for key in self.objects if key not in seen]
        for key in gone:
            self.delete(key)
        if not self.loaded:
            self.loaded = True
        if shown:
            self._pending.status_changed = True
            self._notify()
        return len(self.objects), len(gone)

    def abort_list(self) -> None:
        """The listing in progress will not complete (the next one starts afresh)."""
        if self._seen is not None or self.progress is not None:
            self._seen = None
            self.progress = None
            self._pending.status_changed = True
            self._notify()

    def upsert(self, record: Record) -> str:
        record = self.prepare(record)
        key = self._key_of(record)
        self.objects[key] = record
        if self._classify is not None:
            self._judge(key, record)
        self._pending.deleted.discard(key)
        self._pending.upserted[key] = record
        for observer in self.observers:
            observer(key, record)
        self._notify()
        return key

    def delete(self, key: str) -> bool:
        if self.objects.pop(key, None) is None:
            return False
        self._failing.discard(key)
        self._verdicts.pop(key, None)
        self._pending.upserted.pop(key, None)
        self._pending.deleted.add(key)
        for observer in self.observers:
            observer(key, None)
        self._notify()
        return True

    def rejudge(self, key: str) -> bool:
        """Classify one record again (what it depends on changed); a new verdict is a change."""
        record = self.objects.get(key)
        if record is None or self._classify is None:
            return False
        before = self._verdicts.get(key)
        self._judge(key, record)
        if self._verdicts.get(key) == before:
            return False
        self._pending.upserted[key] = record
        self._notify()
        return True

    def clear(self) -> None:
        self.objects = {}
        self._seen = None
        self.progress = None
        self._failing = set()
        self._verdicts = {}
        self.loaded = False
        self._pending = Changes(reset=True)
        for observer in self.observers:
            observer("", None)
        self._notify()

    # ------------------------------------------------------------------ internals
    def _judge(self, key: str, record: Record) -> None:
        try:
            verdict, failing = self._classify(record)  # type: ignore[misc]
        except Exception:  # a health rule must never break ingestion
            verdict, failing = None, False
        self._verdicts[key] = verdict
        if failing:
            self._failing.add(key)
        else:
            self._failing.discard(key)

    def _notify(self) -> None:
        if not self._notified and self.on_change is not None:
            self._notified = True
            self.on_change(self)
