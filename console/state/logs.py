"""Log streams in the workspace: a bounded ring buffer of lines, and what a log pane asks for.

A log stream is not a keyed table.  A log source (Loki, the pod log API) writes lines
into a :class:`LogBuffer` it attached to the workspace; the buffer tells the hub once per
burst and the hub hands the pane a :class:`LogChanges` (how many lines arrived, how many
the buffer dropped) once per frame, never one message per line.  The pane reads the lines
it draws by sequence number.  No I/O and no Textual here.

Lines are tuples ``(timestamp_ns, origin, text)``: ``origin`` indexes
:attr:`LogBuffer.origins` (pod, container, labels), so a million lines share a few dozen
origin records.  ``text`` is the line as received (already decoded, possibly long): the
view neutralises and shortens it when it draws it.
"""

from __future__ import annotations

from bisect import bisect_left
from dataclasses import dataclass
from itertools import compress, islice, repeat
from operator import itemgetter
from operator import le as _le
from typing import Any, Callable, Iterable, Iterator, Mapping, Protocol, Sequence

from inference_console.state.store import Changes, KindState, KindStatus

LogLine = tuple[int, int, str]  # (timestamp ns, origin index, text)
_ts = itemgetter(0)
_text = itemgetter(2)
_REGEX_META = frozenset(".^$*+?{}[]\\|()")
DEFAULT_BUFFER_LINES = 100_000


@dataclass(frozen=True)
class Origin:
    """Where lines come from: a pod's container, or a Loki stream (its labels)."""

    pod: str = ""
    container: str = ""
    labels: tuple[tuple[str, str], ...] = ()

    @property
    def name(self) -> str:
        if self.pod and self.container:
            return f"{self.pod}/{self.container}"
        return self.pod or self.container or ",".join(f"{k}={v}" for k, v in self.labels) or "-"


@dataclass
class LogChanges(Changes):
    """What a log buffer changed since the last delivery."""

    appended: int = 0
    prepended: int = 0
    dropped: int = 0

    def __bool__(self) -> bool:
        return bool(self.appended or self.prepended or self.dropped or self.reset or self.status_changed)


@dataclass(frozen=True)
class LogTarget:
    """The object whose logs are wanted: its namespace, its pods (by selector and by name)."""

    kind: str
    name: str
    namespace: str
    selector: Mapping[str, str] | None = None  # the pods' labels (None: the named pods only)
    pods: tuple[str, ...] = ()
    containers: tuple[str, ...] = ()

    @property
    def title(self) -> str:
        return f"{self.kind} {self.namespace}/{self.name}"


@dataclass(frozen=True)
class LogRequest:
    """What a pane asks a log source for."""

    target: LogTarget
    query: str | None = None  # LogQL (Loki); None: built from the target
    since_seconds: int = 3600  # history window
    history_lines: int = 1000  # history fetched before the tail
    previous: bool = False  # the last terminated container instance (pod log API)
    container: str | None = None
    level: str | None = None  # "error" | "warn" | "info" | "debug": that level and worse


class LogSession(Protocol):
    """A running stream: its buffer, and what the pane may ask of it."""

    buffer: "LogBuffer"

    def describe(self) -> dict[str, str]: ...
    async def older(self, lines: int) -> int: ...
    async def close(self) -> None: ...


class LogProvider(Protocol):
    """A source that can stream logs (duck-typed: ``provides_logs = True``)."""

    name: str
    provides_logs: bool

    def log_state(self) -> tuple[bool, str]: ...
    def default_query(self, target: LogTarget) -> str | None: ...
    async def open_logs(self, workspace: Any, request: LogRequest) -> LogSession: ...


class LogBuffer:
    """A bounded ring of log lines with sequence numbers that survive dropping.

    Sequence numbers grow with each appended line; the oldest kept line is
    :attr:`first_seq` and the next to come is :attr:`end_seq`.  Appending beyond
    ``capacity`` drops the oldest (counted in :attr:`dropped`); :meth:`prepend` (older
    history) fills free room only, so a pane scrolled to the live end never moves.

    It is a store of the workspace (``workspace.attach``): ``take_changes`` hands the
    hub a :class:`LogChanges`.  The record-table methods answer for an empty table.
    """

    def __init__(
        self, key: str, capacity: int = DEFAULT_BUFFER_LINES, on_change: Callable[[Any], None] | None = None
    ) -> None:
        if capacity < 1:
            raise ValueError("capacity must be at least 1")
        self.key = key
        self.capacity = capacity
        self.status = KindStatus()
        self.loaded = False
        self.on_change = on_change
        self.origins: list[Origin] = []
        self._origin_index: dict[Origin, int] = {}
        self._lines: list[LogLine] = []
        self._offset = 0  # index in _lines of the first kept line
        self.first_seq = 0
        self.dropped = 0  # lines this buffer dropped (oldest first)
        self.received = 0  # lines ever appended or prepended
        self.server_dropped = 0  # entries the server said it could not deliver (Loki dropped_entries)
        self.facts: dict[str, str] = {}  # what the pane shows of the stream (source, endpoint, mode…)
        self._pending = LogChanges()
        self._notified = False

    # ------------------------------------------------------------------ reading
    def __len__(self) -> int:
        return len(self._lines) - self._offset

    @property
    def end_seq(self) -> int:
        return self.first_seq + len(self)

    def line(self, seq: int) -> LogLine | None:
        index = seq - self.first_seq
        if 0 <= index < len(self):
            return self._lines[self._offset + index]
        return None

    def slice(self, start: int, end: int) -> list[LogLine]:
        """Lines with sequence numbers in [start, end)."""
        lo = max(start, self.first_seq) - self.first_seq + self._offset
        hi = min(end, self.end_seq) - self.first_seq + self._offset
        return self._lines[lo:hi] if hi > lo else []

    def __iter__(self) -> Iterator[LogLine]:
        lines, offset = self._lines, self._offset
        return (lines[i] for i in range(offset, len(lines)))

    def select(self, search: Callable[[str], Any], seqs: Iterable[int] | None = None) -> list[int]:
        """Sequence numbers of the lines whose text ``search`` finds something in (of ``seqs``, else all)."""
        lines, shift = self._lines, self._offset - self.first_seq
        if seqs is None:
            first = self.first_seq - self._offset
            return [first + i for i in range(self._offset, len(lines)) if search(lines[i][2])]
        low = self.first_seq
        return [seq for seq in seqs if seq >= low and search(lines[seq + shift][2])]

    def origin(self, index: int) -> Origin:
        return self.origins[index]

    @property
    def last_timestamp(self) -> int:
        return self._lines[-1][0] if len(self) else 0

    @property
    def first_timestamp(self) -> int:
        return self._lines[self._offset][0] if len(self) else 0

    # Store protocol (a log buffer is not a table of records)
    def get(self, key: str) -> None:
        return None

    def values(self) -> Iterable[Any]:
        return ()

    def items(self) -> Iterable[tuple[str, Any]]:
        return ()

    def verdict(self, key: str) -> None:
        return None

    @property
    def failing_count(self) -> int:
        return 0

    def take_changes(self) -> LogChanges:
        changes, self._pending = self._pending, LogChanges()
        self._notified = False
        return changes

    # ------------------------------------------------------------------ writing (sources)
    def intern(self, origin: Origin) -> int:
        index = self._origin_index.get(origin)
        if index is None:
            index = self._origin_index[origin] = len(self.origins)
            self.origins.append(origin)
        return index

    def extend(self, lines: Sequence[LogLine]) -> None:
        """Append lines (oldest first); drop the oldest beyond capacity."""
        if not lines:
            return
        self._lines.extend(lines)
        count = len(lines)
        self.received += count
        self._pending.appended += count
        over = len(self) - self.capacity
        if over > 0:
            self._offset += over
            self.first_seq += over
            self.dropped += over
            self._pending.dropped += over
            if self._offset > max(4096, self.capacity // 4):  # compact now and then: amortised O(1)
                del self._lines[: self._offset]
                self._offset = 0
        self.loaded = True
        self._notify()

    def prepend(self, lines: Sequence[LogLine]) -> int:
        """Insert older lines (oldest first) before the first kept line; returns how many fit."""
        room = self.capacity - len(self)
        if room <= 0 or not lines:
            return 0
        lines = list(lines[-room:])
        self._lines[self._offset : self._offset] = lines
        self.first_seq -= len(lines)
        self.received += len(lines)
        self._pending.prepended += len(lines)
        self._notify()
        return len(lines)

    def note_server_dropped(self, count: int) -> None:
        if count > 0:
            self.server_dropped += count
            self._pending.status_changed = True
            self._notify()

    def set_status(self, state: KindState, reason: str = "") -> None:
        status = KindStatus(state, reason)
        if status != self.status:
            self.status = status
            self._pending.status_changed = True
            self._notify()

    def set_fact(self, name: str, value: str) -> None:
        if self.facts.get(name) != value:
            self.facts[name] = value
            self._pending.status_changed = True
            self._notify()

    def clear(self) -> None:
        self._lines = []
        self._offset = 0
        self.first_seq = self.end_seq
        self.loaded = False
        self._pending = LogChanges(reset=True, status_changed=True)
        self._notify()

    def _notify(self) -> None:
        if not self._notified and self.on_change is not None:
            self._notified = True
            self.on_change(self)


class SeamGuard:
    """No duplicates where two reads meet (history then tail, a tail and its reconnection).

    Per origin (stream), remembers the newest timestamp seen and the lines at exactly that
    timestamp: a line older than it, or equal to it and already seen, is a duplicate.
    :attr:`newest` (over all origins) is where a reconnection resumes, inclusive.
    """

    def __init__(self) -> None:
        self.newest = 0
        self._per_origin: dict[int, list[Any]] = {}

    def admit_run(self, origin: int, entries: Sequence[tuple[int, str]]) -> Sequence[tuple[int, str]]:
        """The entries of one stream (oldest first) that are not duplicates.

        The usual case costs no Python call per line: a run whose timestamps do not go
        back and whose first is newer than anything seen of its origin is admitted whole
        (only the texts at its newest timestamp are remembered).  Else line by line.
        """
        if not entries:
            return entries
        state = self._per_origin.get(origin)
        first, last = entries[0][0], entries[-1][0]
        if (
            (state is None or first > state[0])
            and first <= last
            and (len(entries) < 3 or all(map(_le, map(_ts, entries), map(_ts, islice(entries, 1, None)))))
        ):
            at_last: set[str] = set()
            for ts, text in reversed(entries):  # the texts at the newest timestamp (usually one)
                if ts != last:
                    break
                at_last.add(text)
            self._per_origin[origin] = [last, at_last]
            if last > self.newest:
                self.newest = last
            return entries
        return [entry for entry in entries if self.admit(entry[0], origin, entry[1])]

    def admit(self, ts: int, origin: int, text: str) -> bool:
        state = self._per_origin.get(origin)
        if state is None:
            self._per_origin[origin] = [ts, {text}]
        elif ts < state[0]:
            return False
        elif ts == state[0]:
            if text in state[1]:
                return False
            state[1].add(text)
        else:
            state[0] = ts
            state[1] = {text}
        if ts > self.newest:
            self.newest = ts
        return True


class LogFilter:
    """Filter-as-you-type over a :class:`LogBuffer`, in bounded steps, newest lines first.

    A keystroke must not wait for a scan of the whole buffer (100,000 lines: 20 ms on a
    quiet machine, several times that on a busy one).  The filter scans its candidates
    (every line, or, when the text only extends a literal filter whose scan finished, that
    filter's matches) from the newest backwards, :meth:`step` by :meth:`step`: the pane
    draws the newest matches after the first step and takes the rest in later frames.
    Lines that arrive meanwhile are matched as they come (:meth:`appended`).

    Matching ignores case.  A literal text (no regex metacharacters) is found with
    ``str.__contains__`` on lowered text, a regex with ``re.IGNORECASE``; both run in C
    over a chunk (``itertools.compress``), not a Python call per line.
    """

    def __init__(self, buffer: LogBuffer, text: str, previous: "LogFilter | None" = None) -> None:
        import re

        self.buffer = buffer
        self.text = text
        self.literal = not _REGEX_META.intersection(text)
        try:
            self.pattern = re.compile(text, re.IGNORECASE)
        except re.error:
            self.pattern = re.compile(re.escape(text), re.IGNORECASE)
            self.literal = True
        self._needle = text.lower()
        self.matches: list[int] = []
        self.narrowed = (
            previous is not None
            and previous.done
            and previous.literal
            and self.literal
            and text.startswith(previous.text)
            and previous.buffer is buffer
        )
        self._candidates: Sequence[int] = (
            previous.matches
            if self.narrowed  # type: ignore[union-attr]
            else range(buffer.first_seq, buffer.end_seq)
        )
        self._pos = len(self._candidates)  # candidates[:_pos] are still to scan
        self._end = buffer.end_seq  # lines from here on are matched as they arrive

    @property
    def done(self) -> bool:
        return self._pos <= 0

    def _test(self, seqs: Sequence[int]) -> list[int]:
        buffer = self.buffer
        lines, shift = buffer._lines, buffer._offset - buffer.first_seq  # noqa: SLF001 - same module
        low = buffer.first_seq
        if seqs and seqs[0] < low:
            seqs = seqs[bisect_left(seqs, low) :]
        if isinstance(seqs, range):  # every line of a stretch: a slice, no lookup per line
            texts = map(_text, lines[seqs.start + shift : seqs.stop + shift])
        else:
            texts = map(_text, map(lines.__getitem__, map(shift.__add__, seqs)))
        if self.literal:
            return list(compress(seqs, map(str.__contains__, map(str.lower, texts), repeat(self._needle))))
        return list(compress(seqs, map(self.pattern.search, texts)))

    def step(self, lines: int = 20_000) -> int:
        """Scan up to ``lines`` more candidates (older than those scanned); returns how many
        matches were added at the front of :attr:`matches`."""
        if self._pos <= 0:
            return 0
        start = max(0, self._pos - lines)
        chunk = self._candidates[start : self._pos]
        self._pos = start
        if chunk and chunk[-1] < self.buffer.first_seq:  # all dropped meanwhile
            self._pos = 0
            return 0
        found = self._test(chunk)
        if found:
            self.matches[0:0] = found
        return len(found)

    def appended(self, start: int, end: int) -> int:
        """Match lines ``[start, end)`` that arrived; returns how many matched (added at the end)."""
        start = max(start, self._end, self.buffer.first_seq)
        if end <= start:
            return 0
        self._end = end
        found = self._test(range(start, end))
        self.matches.extend(found)
        return len(found)

    def search(self, text: str) -> bool:
        """Whether one line matches (n/N over all lines)."""
        return (self._needle in text.lower()) if self.literal else self.pattern.search(text) is not None
