"""What the three registry sources share (no Textual): the Registries overview and helpers.

The overview is a store ``registries`` (section "Registries" in the sidebar) with one row per
configured registry: its name, kind (Yatai, Model Registry, OCI), state and endpoint, without
secrets.  It is filled by :func:`report`, which each registry source calls when its state
changes; the first call registers the store (its owner is :class:`RegistryIndex`, a source
that does no I/O of its own).  Enter on a row opens the registry's main listing.

Also here: :class:`RegistryError` (a :class:`SourceError` with an HTTP-like code and the
store state it means), :func:`load_progressively` (first rows on screen before the rest have
arrived) and :func:`kube_records` (read a cluster store of the workspace for cross-links).
"""

from __future__ import annotations

import asyncio
import time
from typing import TYPE_CHECKING, Any, AsyncIterator, Callable, Iterable, Mapping

from inference_console.catalog.base import column
from inference_console.catalog.view import OK, Health, HealthResult, KindView
from inference_console.sources.base import Scope, SourceError, SourceInfo
from inference_console.state.store import KindState, RecordStore

if TYPE_CHECKING:
    from inference_console.state.workspace import Workspace

KEY = "registries"
SECTION = "Registries"

# Stores of the cluster source the registries join with (catalog keys).
BENTODEPLOYMENTS = "bentodeployments.serving.yatai.ai"
BENTOS_CR = "bentoes.resources.yatai.ai"
INFERENCESERVICES = "inferenceservices.serving.kserve.io"
PODS = "pods"
DEPLOYMENTS = "deployments"
MODELREGISTRIES = "modelregistries.modelregistry.opendatahub.io"


class RegistryError(SourceError):
    """A registry failure in words; ``code`` is the HTTP status (0: no answer), ``state`` the store state."""

    def __init__(self, message: str, code: int = 0, state: KindState = KindState.ERROR) -> None:
        super().__init__(message)
        self.code = code
        self.state = state


def _health(record: Mapping[str, Any]) -> HealthResult:
    state = record.get("state", "")
    if state == "ready":
        return OK
    if state in ("failed", "error"):
        return HealthResult(Health.FAILED, str(record.get("detail", "")))
    return HealthResult(Health.PROGRESSING, str(record.get("detail", "") or state))


def _summary(record: Mapping[str, Any]) -> list[tuple[str, str]]:
    pairs = [
        ("Registry", str(record.get("name", ""))),
        ("Kind", str(record.get("kind", ""))),
        ("State", str(record.get("state", ""))),
        ("Endpoint", str(record.get("endpoint", ""))),
        ("Detail", str(record.get("detail", ""))),
    ]
    pairs += [(k, str(v)) for k, v in (record.get("facts") or {}).items()]
    return pairs


VIEW = KindView(
    key=KEY,
    kind="Registry",
    namespaced=False,
    section=SECTION,
    order=0,
    source="registries",
    aliases=("reg", "registry", "registries"),
    tabs=("summary", "yaml"),
    columns=(
        column("NAME", lambda r: r.get("name", ""), min_width=10),
        column("KIND", lambda r: r.get("kind", ""), min_width=10),
        column("STATE", lambda r: r.get("state", ""), min_width=8),
        column("ENDPOINT", lambda r: r.get("endpoint", ""), priority=2, max_width=50),
        column("DETAIL", lambda r: r.get("detail", ""), priority=1, max_width=80),
    ),
    health=_health,
    summary=_summary,
    name_of=lambda r: str(r.get("name", "")),
    namespace_of=lambda r: "",
    labels_of=lambda r: {},
    enter=lambda r: str(r.get("main", "")) or "reg",
)


class RegistryIndex:
    """Owner of the overview store; the registry sources write its rows through :func:`report`."""

    name = "registries"

    def __init__(self) -> None:
        self.store = RecordStore(KEY, key_of=lambda r: r["name"], classify=self._classify)

    @staticmethod
    def _classify(record: dict[str, Any]) -> tuple[Any, bool]:
        verdict = _health(record)
        return verdict, verdict.state is Health.FAILED

    def attach(self, workspace: "Workspace") -> None:
        self.store.on_change = workspace.on_change
        workspace.register(self, VIEW, self.store)
        self.store.set_status(KindState.LIVE)
        self.store.loaded = True

    async def start(self, workspace: "Workspace") -> None:
        self.attach(workspace)

    async def stop(self) -> None:
        return None

    async def set_scope(self, scope: Scope) -> None:
        return None

    def ensure(self, key: str, pinned: bool = False) -> None:
        return None

    def serves(self, key: str) -> bool:
        return key == KEY

    def describe(self) -> SourceInfo:
        return SourceInfo(self.name, "ready", "", {"registries": str(len(self.store))})

    async def fetch(self, key: str, record: dict[str, Any]) -> dict[str, Any]:
        return record


def index_of(workspace: "Workspace") -> RegistryIndex:
    index = workspace.sources.get(RegistryIndex.name)
    if not isinstance(index, RegistryIndex):
        index = RegistryIndex()
        workspace.add_source(index)
        index.attach(workspace)
    return index


def report(
    workspace: "Workspace",
    name: str,
    kind: str,
    state: str,
    *,
    endpoint: str = "",
    detail: str = "",
    main: str = "",
    facts: Mapping[str, str] | None = None,
) -> None:
    """Set the overview row of registry ``name`` (no secrets in any argument)."""
    index_of(workspace).store.upsert(
        {
            "name": name,
            "kind": kind,
            "state": state,
            "endpoint": endpoint,
            "detail": detail,
            "main": main,
            "facts": dict(facts or {}),
        }
    )


def set_error(store: RecordStore, exc: BaseException) -> None:
    """Show a failure in a store's pane: its state and one clear line."""
    if isinstance(exc, RegistryError):
        store.set_status(exc.state, exc.summary())
    elif isinstance(exc, SourceError):
        store.set_status(KindState.ERROR, exc.summary())
    else:
        store.set_status(KindState.ERROR, f"{type(exc).__name__}: {exc}"[:300])


CHUNK = 100  # records merged into a store between two yields to the event loop


async def load_progressively(
    store: RecordStore,
    pages: AsyncIterator[list[dict[str, Any]]],
    on_page: Callable[[int], None] | None = None,
    shape: Callable[[dict[str, Any]], dict[str, Any]] | None = None,
) -> int:
    """Fill ``store`` page by page (rows show as the first page lands), then drop what is gone.

    A listing in pages (:meth:`RecordStore.begin_list` .. ``end_list``): each page is merged
    as it lands, in chunks of :data:`CHUNK` records (shaped by ``shape`` if given) with a
    yield to the event loop between them, so keys are not held behind a page; at the end
    only what the listing did not bring is deleted (no second pass over the records).
    A listing that fails is aborted (the store keeps what it had).  Returns the number of
    records.
    """
    total = 0
    first = not store.loaded
    store.begin_list()
    try:
        async for page in pages:
            for start in range(0, len(page), CHUNK):
                if start:
                    await asyncio.sleep(0)
                chunk = page[start : start + CHUNK]
                store.add_page([shape(record) for record in chunk] if shape is not None else chunk)
                total += len(chunk)
            if first:
                store.loaded = True  # counts in the sidebar; the rest keeps arriving
                if store.status.state is not KindState.LIVE:
                    store.set_status(KindState.LOADING, f"{total} loaded…")
            if on_page is not None:
                on_page(total)
    except BaseException:
        store.abort_list()
        raise
    store.end_list()
    store.set_status(KindState.LIVE)
    return total


def kube_records(workspace: "Workspace", key: str) -> Iterable[dict[str, Any]]:
    store = workspace.stores.get(key)
    return list(store.values()) if store is not None else []


_HOURS: dict[int, str] = {}  # hours since the epoch -> "YYYY-MM-DDTHH:"
_MINUTES_SECONDS = tuple(f"{m:02d}:{s:02d}Z" for m in range(60) for s in range(60))


def ms_to_iso(value: Any) -> str:
    """Milliseconds since the epoch (Model Registry) as RFC 3339 (whole seconds, UTC).

    The date and hour are formatted once per hour (10,000 versions are shaped per listing:
    strftime was two thirds of the cost of shaping one)."""
    try:
        seconds = int(str(value)) // 1000
    except (TypeError, ValueError):
        return ""
    hours, rest = divmod(seconds, 3600)
    prefix = _HOURS.get(hours)
    if prefix is None:
        try:
            prefix = time.strftime("%Y-%m-%dT%H:", time.gmtime(hours * 3600))
        except (OverflowError, OSError, ValueError):
            return ""
        if len(_HOURS) > 4096:
            _HOURS.clear()
        _HOURS[hours] = prefix
    return prefix + _MINUTES_SECONDS[rest]


def human_size(value: Any) -> str:
    try:
        size = float(value)
    except (TypeError, ValueError):
        return ""
    for unit in ("B", "KiB", "MiB", "GiB", "TiB"):
        if size < 1024 or unit == "TiB":
            return f"{size:.0f}{unit}" if unit == "B" else f"{size:.1f}{unit}"
        size /= 1024
    return ""
