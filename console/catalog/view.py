"""How a kind of record is shown: columns, health, summary, related rules (pure, no I/O).

A :class:`KindView` is all a screen needs to list, filter, sort and describe the records
of one store, whatever source fills it: a Kubernetes resource (:class:`KindSpec` in
:mod:`inference_console.catalog.base` adds how it is fetched), a registry listing, a GPU.
Records are plain dicts; the accessors (``name_of``, ``namespace_of``, ``labels_of``)
default to Kubernetes ``metadata`` and a view of other records sets its own.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable, Mapping

if TYPE_CHECKING:
    from inference_console.actions.quick import Builder

Obj = Mapping[str, Any]


class Health(enum.IntEnum):
    """Ordered worst-first so sorting by health puts failures on top."""

    FAILED = 0
    PROGRESSING = 1
    UNKNOWN = 2
    OK = 3


@dataclass(frozen=True, slots=True)
class HealthResult:
    state: Health
    reason: str = ""
    # The evidence behind the reason, in full (the detail view shows it; rows show the reason).
    evidence: str = ""


OK = HealthResult(Health.OK)


@dataclass(frozen=True, slots=True)
class Column:
    """A table column.

    ``priority`` 0 columns are always shown; larger numbers are dropped first when the
    terminal is narrow.  ``sort`` returns a sortable key (defaults to the text).
    """

    name: str
    get: Callable[[Obj], str]
    priority: int = 0
    min_width: int = 4
    max_width: int | None = None
    justify: str = "left"
    sort: Callable[[Obj], Any] | None = None
    # The cell shows the row's health reason (the verdict, causes behind the object included)
    # instead of ``get(obj)`` whenever the row is not healthy.
    health_reason: bool = False
    # The column takes the width that is left (a message): squeezed before others are dropped.
    flex: bool = False
    # Shorten long cells in the middle (generated names differ in their tails).
    cut_middle: bool = False
    # A joined column: the key of another store (one of the view's ``joins``); ``get`` and
    # ``sort`` are then called as ``get(obj, record)`` with the object's record of that store
    # (``None`` when it has none), e.g. a Pod's PodMetrics for its CPU column.
    join: str = ""


@dataclass(frozen=True, slots=True)
class RelatedRule:
    """How to find objects related to one object.

    ``kind`` is a catalog key (``"pods"``, ``"deployments"``...).  An object of that
    kind is related when it is owned (transitively, through ownerReferences) by the
    object, or when its labels match ``labels`` (in the object's namespace), or when
    ``name`` is set and the candidate has exactly that ``metadata.name`` (in the
    object's namespace; e.g. the Bento a BentoDeployment names in ``spec.bento``).
    :func:`related_match` is the reference implementation of the non-transitive part.
    """

    kind: str
    labels: Mapping[str, str] | None = None
    by_owner: bool = True
    name: str | None = None
    # Any record of ``kind`` for which ``match(record)`` is true, in any namespace (records of
    # other sources: the registry version a BentoDeployment runs, the tag of a Pod's image).
    match: Callable[[Obj], bool] | None = None


def _metadata(obj: Obj, key: str, default: Any) -> Any:
    md = obj.get("metadata") if isinstance(obj, Mapping) else None
    value = md.get(key) if isinstance(md, Mapping) else None
    return default if value is None else value


def metadata_name(obj: Obj) -> str:
    return str(_metadata(obj, "name", ""))


def metadata_namespace(obj: Obj) -> str:
    return str(_metadata(obj, "namespace", ""))


def metadata_labels(obj: Obj) -> Mapping[str, str]:
    labels = _metadata(obj, "labels", {})
    return labels if isinstance(labels, Mapping) else {}


DETAIL_TABS = ("summary", "yaml", "events", "related")


@dataclass(frozen=True, slots=True, kw_only=True)
class KindView:
    key: str  # the store key: "pods", "inferenceservices.serving.kserve.io", "contexts"…
    kind: str  # singular display name ("InferenceService", "Context")
    namespaced: bool = True
    section: str = "Other CRDs"  # "" : not in the sidebar, reached by `:` only
    aliases: tuple[str, ...] = ()
    columns: tuple[Column, ...] = ()
    health: Callable[[Obj], HealthResult] = lambda obj: HealthResult(Health.UNKNOWN)
    summary: Callable[[Obj], list[tuple[str, str]]] = lambda obj: []
    related: Callable[[Obj], list[RelatedRule]] = lambda obj: []
    # Sidebar order inside a section.
    order: int = 100
    # Which source fills the store ("kube", "kubeconfig", "prometheus"…).
    source: str = ""
    # Detail tabs this kind has (Events and Related need Kubernetes objects around).
    tabs: tuple[str, ...] = DETAIL_TABS
    # Quick actions the kind offers: action name ("scale") → the builder of its first step
    # (inference_console.actions.quick; ui/flows/quick.py runs it).  Delete is offered for
    # every editable kind without being listed.
    actions: Mapping[str, Builder] = field(default_factory=dict, compare=False)
    # The sort a view opens with: (column name, reversed), e.g. events by LAST SEEN.
    default_sort: tuple[str, bool] | None = None
    # Enter on a row runs this `:` command instead of opening the detail (a context or a
    # namespace switches to it, as in k9s); `d` still opens the detail.
    enter: Callable[[Obj], str] | None = None
    # Records of other stores the rows show (see ``Column.join``): store key → the key of an
    # object's record in that store (``"podmetrics"`` → ``"namespace/name"``).  The screen
    # looks them up when it renders a row and re-renders the rows whose record changed.
    joins: Mapping[str, Callable[[Obj], str]] = field(default_factory=dict, compare=False)
    name_of: Callable[[Obj], str] = metadata_name
    namespace_of: Callable[[Obj], str] = metadata_namespace
    labels_of: Callable[[Obj], Mapping[str, str]] = metadata_labels
