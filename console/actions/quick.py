"""Quick actions as plain data: the steps from a selected object to a Mutation (no Textual, no I/O).

A kind offers quick actions by naming them in its catalog module::

    ACTIONS = {"scale": scale, "model": model}      # console/catalog/kinds/<kind>.py
    SPEC = KindSpec(..., actions=ACTIONS)

Each value is a :data:`Builder`: given a :class:`QuickContext` (the selected object, its
ref, read-only access to other records) it returns the first :data:`Step`:

* :class:`QuickForm`: fields prefilled with current values; ``build(values)`` returns the
  next step (usually a :class:`~inference_console.actions.types.Mutation`, built with
  :mod:`inference_console.actions.patches`) or raises ``ActionInputError`` naming a field;
* :class:`Pick`: one of a few names (a reader, a container…), then ``then(name)``;
* :class:`Fetch`: one record read (from its store if it holds it, else from the source),
  then ``then(record)``;
* :class:`Review`, or a bare Mutation: the request, to review (with a server-side dry run)
  and send.

The quick-action flow (``ui/flows/quick.py``) shows forms and choices, reads, reviews and
sends through the action layer; nothing here knows how.  :data:`COMMON` holds the actions
every editable kind has (delete).  Kind modules import this module and ``patches``
inside their builders (``patches`` imports the kinds), so loading the catalog loads
nothing of the action layer (``tests/unit/test_import_rules.py``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Iterable, Mapping, Union

from inference_console.actions.types import Mutation, ObjectRef

Record = Mapping[str, Any]


@dataclass(frozen=True)
class FormField:
    """One text field of a form, prefilled with ``value``."""

    name: str
    label: str
    value: str = ""
    help: str = ""
    placeholder: str = ""


@dataclass(frozen=True)
class Review:
    """A request ready for the review screen (a bare Mutation is a Review with the defaults)."""

    mutation: Mutation
    note: str = ""  # added to the review's title, after the mutation's summary
    # Where the change comes back, when it is not the selected object (a restart of an
    # InferenceService's Deployment): that object's store and the object as read.
    store_key: str | None = None
    before: Record | None = None


@dataclass(frozen=True)
class QuickForm:
    title: str
    fields: tuple[FormField, ...]
    # The next step from what was typed (the flow also calls it to validate each submit);
    # raises ActionInputError(message, field name) for bad input.
    build: Callable[[Mapping[str, str]], Step]
    intro: str = ""


@dataclass(frozen=True)
class Pick:
    """Choose one of ``options`` (``what`` names one: "reader"); ``then`` gets the choice."""

    title: str
    what: str
    options: tuple[str, ...]
    then: Callable[[str], Step]
    # (key, label) choices offered before the numbered options; ``then`` gets the key.
    extra: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class Fetch:
    """Read one record; ``then`` gets it, or None when there is no such record."""

    store_key: str
    namespace: str | None
    name: str
    then: Callable[[Record | None], Step]
    what: str = ""  # for the message when it cannot be read: "the model-config ConfigMap of llm-prod"


Step = Union[QuickForm, Pick, Fetch, Review, Mutation]


class NothingSelected(LookupError):
    """The action is about a selected object and there is none."""


def _no_records(store_key: str) -> Iterable[Record]:
    return ()


def _no_ref(store_key: str, record: Record) -> ObjectRef:
    raise LookupError(f"no view of {store_key}")


def _not_cached(store_key: str, namespace: str | None, name: str) -> tuple[bool, Record | None]:
    return False, None


@dataclass(frozen=True)
class QuickContext:
    """What a builder may know: the selection and, read-only, the workspace's records."""

    obj: Record | None = None  # the selected object as it was read, if any
    ref: ObjectRef | None = None
    namespace: str = "default"  # where a new object goes unless the form says otherwise
    # A store's records (none when the store is not there).
    records: Callable[[str], Iterable[Record]] = _no_records
    # The ObjectRef of a record of another store ("deployments").
    ref_of: Callable[[str, Record], ObjectRef] = _no_ref
    # (True, record or None) when a store can tell whether it holds (namespace, name) without
    # a read; (False, None) when it cannot (not loaded, or that namespace is not watched).
    cached: Callable[[str, str | None, str], tuple[bool, Record | None]] = _not_cached

    def selected(self) -> tuple[ObjectRef, Record]:
        """The selected object's ref and the object; NothingSelected when there is none."""
        if self.obj is None or self.ref is None:
            raise NothingSelected()
        return self.ref, self.obj


Builder = Callable[[QuickContext], Step]


# ----------------------------------------------------------------------------- shared pieces
def owner_note(obj: Record) -> str:
    """ " — managed by …" when a controller owns the object and may set a change back."""
    md = obj.get("metadata")
    for owner in (md.get("ownerReferences") if isinstance(md, Mapping) else None) or []:
        if isinstance(owner, Mapping) and owner.get("controller"):
            return f" — managed by {owner.get('kind')} {owner.get('name')}: its controller may set this back"
    return ""


def resource_fields(current: Mapping[str, str], gpu_help: str) -> tuple[FormField, ...]:
    """GPUs, memory request and limit (``current`` from ``patches.current_resources``)."""
    return (
        FormField("gpus", "GPUs", current["gpus"], help=gpu_help),
        FormField(
            "memory_request", "Memory request", current["memory_request"], placeholder="e.g. 16Gi", help="empty = none"
        ),
        FormField(
            "memory_limit", "Memory limit", current["memory_limit"], placeholder="e.g. 16Gi", help="empty = none"
        ),
    )


# ----------------------------------------------------------------------------- every kind
def delete(ctx: QuickContext) -> Step:
    from inference_console.actions import patches as P

    ref, obj = ctx.selected()
    return QuickForm(
        f"Delete {ref.describe()}?",
        (
            FormField(
                "confirm",
                f"Type {ref.name} to confirm",
                "",
                placeholder=ref.name,
                help="the object is deleted only if it is unchanged since you opened this",
            ),
        ),
        lambda v: P.delete_object(ref, obj, v["confirm"]),
        intro=f"This deletes {ref.describe()}. Its controller's objects (Deployments, Pods…) go with it.",
    )


COMMON: Mapping[str, Builder] = {"delete": delete}


def builder_for(actions: Mapping[str, Builder], name: str, editable: bool = True) -> Builder | None:
    """The builder of action ``name`` for a kind offering ``actions`` (its own, then the common ones).

    The common ones (delete) need a kind whose source writes objects (``editable``); a kind's
    own actions carry their writes themselves (a Model Registry version's archive goes to the
    registry through ``Mutation.executor``), so they are offered whatever the source.
    """
    return actions.get(name) or (COMMON.get(name) if editable else None)
