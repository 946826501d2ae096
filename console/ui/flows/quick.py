"""Quick actions on the selected object: scale, change model, GPU/memory, stop/start,
rollout restart, delete, new InferenceService from a preset, add/remove a reader.

What a kind offers, and how, lives with the kind: its catalog module names its actions
(``ACTIONS``, given to its ``KindSpec``) and each one returns pure steps
(:mod:`inference_console.actions.quick`: forms, choices, reads, a Mutation).  This flow runs
those steps: a form prefilled with the current values (validated by the builders, whose
error shows under its field) → the review screen (exact request, server-side dry run,
``y``) → the request, sent here through ``app.actions`` → a message, then another once the
change has come back through the watch ("seen in the table after N ms").  Nothing here
talks to the cluster except through ``app.actions`` (writes) and the source's ``get``
(a read a step asks for, such as the presets ConfigMap).
"""

from __future__ import annotations

import asyncio
import difflib
from typing import Any, Mapping

from inference_console.actions.patches import ActionInputError
from inference_console.actions.quick import (
    Fetch,
    NothingSelected,
    Pick,
    QuickContext,
    QuickForm,
    Record,
    Review,
    Step,
    builder_for,
)
from inference_console.actions.types import ActionResult, ErrorKind, Mutation, ObjectRef, PatchType, Verb
from inference_console.safe_text import safe
from inference_console.sources.base import SourceError
from inference_console.state.watch import ChangeWatch
from inference_console.ui.flows.send import review, send
from inference_console.ui.screens.review import Decision
from inference_console.ui.sidebar import plural_title
from inference_console.widgets.dialogs import Choice, ChoiceScreen, Field, FormScreen

SEEN_TIMEOUT = 10.0

# How messages name each action.
LABELS = {
    "scale": "scale",
    "model": "change model",
    "resources": "GPU/memory",
    "stop": "stop/start",
    "restart": "restart",
    "delete": "delete",
    "add_reader": "add reader",
    "remove_reader": "remove reader",
    "create": "new InferenceService",
    "archive": "archive/restore",
    "deploy": "deploy",
}


class Target:
    """Which object a flow waits for: by uid once known (a create learns it from the answer)."""

    def __init__(self, namespace: str | None, name: str, uid: str | None) -> None:
        self.namespace = namespace
        self.name = name
        self.uid = uid

    def __call__(self, key: str, obj: Mapping[str, Any] | None) -> bool:
        if self.uid:
            return key == self.uid
        md = (obj or {}).get("metadata") or {}
        return md.get("name") == self.name and md.get("namespace") == self.namespace


def start(screen: Any, name: str) -> None:
    """Run quick action ``name`` on the screen's selection (a worker of the app), or say why not."""
    flow = QuickAction(screen, name)
    problem = flow.check()
    if problem:
        flow.say(problem, error=True)
        return
    screen.app.run_worker(flow.run, group="quick-action", exclusive=True, exit_on_error=False)


def selection(screen: Any) -> tuple[str, str | None]:
    """(kind key, uid of the selected record): the detail view's object or the table's cursor row."""
    uid = getattr(screen, "uid", None)
    if uid is None and hasattr(screen, "table"):
        uid = screen.table.cursor_key
    return screen.kind_key, uid


def merge_diff(obj: Mapping[str, Any], mutation: Mutation) -> str:
    """The YAML diff a merge patch makes (other patch types show the request only)."""
    if mutation.patch_type is not PatchType.MERGE or not isinstance(mutation.body, dict):
        return ""
    from inference_console.actions.edit import apply_merge_patch, unified_diff

    return unified_diff(dict(obj), apply_merge_patch(dict(obj), mutation.body), "now", "after")


def new_object_diff(body: Mapping[str, Any], what: str) -> str:
    from inference_console.actions.edit import dump_yaml

    return "".join(difflib.unified_diff([], dump_yaml(dict(body)).splitlines(keepends=True), "(nothing)", what, n=0))


def guarded_by_tests(mutation: Mutation) -> bool:
    """A JSON patch with ``test`` ops: refused if what it tests changed since it was read."""
    return mutation.patch_type is PatchType.JSON and any(
        isinstance(op, dict) and op.get("op") == "test" for op in mutation.body or ()
    )


def refusal(result: ActionResult) -> str:
    """Why nothing changed, for the message line: the error plus what to do about it."""
    error = result.error
    assert error is not None
    text = error.render()
    if error.kind is ErrorKind.READONLY:
        pass  # the message says read-only mode refused before sending: no dry run was even tried
    elif result.mutation.dry_run:
        text += " — nothing was sent (the server-side dry run refused it)"
    if error.kind is ErrorKind.CONFLICT or (guarded_by_tests(result.mutation) and "test" in error.message.lower()):
        text += "; the object changed meanwhile: press the key again to start from its current version"
    return text


class QuickAction:
    def __init__(self, screen: Any, name: str) -> None:
        self.screen = screen
        self.app = screen.app
        self.name = name
        self.label = LABELS.get(name, name)
        self.workspace = self.app.workspace
        self.kind_key, self.uid = selection(screen)
        self.source = self.workspace.source_of(self.kind_key)
        self.view: Any = None
        self.obj: dict[str, Any] | None = None
        self.first: Step | None = None

    # ------------------------------------------------------------------ start
    def check(self) -> str:
        """ "" when the action can start (its first step is ready), else why not."""
        if getattr(self.app, "actions", None) is None:
            return f"{self.label}: not connected yet"
        self.view = self.workspace.views.get(self.kind_key)
        editable = self.workspace.editable(self.kind_key)
        builder = builder_for(self.view.actions, self.name, editable) if self.view is not None else None
        if self.view is None or builder is None:
            if self.view is not None and not editable and builder_for({}, self.name) is not None:
                return f"{self.label}: {plural_title(self.view.kind)} cannot be changed here"
            kind = plural_title(self.view.kind) if self.view is not None else "this view"
            return f"{self.label}: not available for {kind} (works on {self.where()})"
        store = self.workspace.stores.get(self.kind_key)
        self.obj = store.get(self.uid) if store is not None and self.uid else None
        try:
            self.first = builder(self.context())
        except NothingSelected:
            return f"{self.label}: nothing selected"
        except ActionInputError as exc:
            return f"{self.label}: {exc}"
        except Exception as exc:  # noqa: BLE001 - a bug in a builder must not take the screen down
            return f"{self.label} failed: {type(exc).__name__}: {exc}"
        return ""

    def where(self) -> str:
        """The kinds of the workspace offering this action ("Deployments, InferenceServices")."""
        names: list[str] = []
        for view in self.workspace.views.values():
            title = plural_title(view.kind)
            if self.name in view.actions and title not in names:
                names.append(title)
        return ", ".join(names) or "no kind shown here"

    def context(self) -> QuickContext:
        ws = self.workspace
        obj = self.obj
        ref = None
        if obj is not None and hasattr(self.view, "group"):  # a Kubernetes kind (a KindSpec)
            md = obj.get("metadata") or {}
            ref = ObjectRef.from_spec(self.view, md.get("namespace"), md.get("name", ""))
        default_ns = next(
            (
                ns
                for ns in (
                    getattr(getattr(src, "info", None), "namespace", None)
                    for src in (self.source, ws.sources.get("kube"))
                )
                if ns
            ),
            None,
        )
        return QuickContext(
            obj=obj,
            ref=ref,
            namespace=ws.scope.namespace or default_ns or "default",
            records=self._records,
            ref_of=self._ref_of,
            cached=self._cached,
        )

    def _records(self, store_key: str) -> list[Record]:
        store = self.workspace.stores.get(store_key)
        return list(store.values()) if store is not None else []

    def _ref_of(self, store_key: str, record: Record) -> ObjectRef:
        md = record.get("metadata") or {}
        return ObjectRef.from_spec(self.workspace.views[store_key], md.get("namespace"), md.get("name", ""))

    def _cached(self, store_key: str, namespace: str | None, name: str) -> tuple[bool, Record | None]:
        store = self.workspace.stores.get(store_key)
        if store is None or not store.loaded:
            return False, None
        for record in store.values():
            md = record.get("metadata") or {}
            if md.get("name") == name and md.get("namespace") == namespace:
                return True, record
        # Not there: certain only when the store watches that namespace.
        return (True, None) if self.workspace.scope.namespace in (None, namespace) else (False, None)

    def say(self, message: str, error: bool = False) -> None:
        screen = self.screen
        if hasattr(screen, "flash") and screen.is_attached:
            screen.flash(message, error=error)
        else:
            self.app.notify(safe(message, 1000), severity="error" if error else "information", timeout=8, markup=False)

    # ------------------------------------------------------------------ the steps
    async def run(self) -> None:
        step = self.first
        try:
            while step is not None:
                step = await self.take(step)
        except ActionInputError as exc:
            self.say(f"{self.label}: {exc}", error=True)
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # noqa: BLE001 - show it rather than lose it in a worker
            self.say(f"{self.label} failed: {type(exc).__name__}: {exc}", error=True)

    async def take(self, step: Step) -> Step | None:
        """Run one step; the next one, or None when the flow is over."""
        if isinstance(step, Mutation):
            step = Review(step)
        if isinstance(step, Review):
            await self.review(step)
            return None
        if isinstance(step, QuickForm):
            return await self.form(step)
        if isinstance(step, Pick):
            choice = await self.pick(step)
            return step.then(choice) if choice is not None else None
        if isinstance(step, Fetch):
            return step.then(await self.fetch(step))
        raise TypeError(f"not a quick-action step: {step!r}")

    def cancelled(self) -> None:
        self.say(f"{self.label}: cancelled, nothing was sent")

    async def form(self, step: QuickForm) -> Step | None:
        """The form, validated by ``step.build``; the step it builds, or None when cancelled."""
        fields = [Field(f.name, f.label, f.value, placeholder=f.placeholder, help=f.help) for f in step.fields]
        names = [f.name for f in fields]

        def validate(values: dict[str, str]) -> dict[str, str]:
            try:
                step.build(values)
            except ActionInputError as exc:
                return {exc.field if exc.field in names else names[0]: str(exc)}
            return {}

        values = await self.app.push_screen_wait(FormScreen(step.title, fields, validate, intro=step.intro))
        if values is None:
            self.cancelled()
            return None
        return step.build(values)

    async def pick(self, step: Pick) -> str | None:
        """One of the options (digits 1-9; a form beyond nine), or an extra choice's key."""
        options, extra = list(step.options), [Choice(key, label) for key, label in step.extra]
        if len(options) == 1 and not extra:
            return options[0]
        if len(options) <= 9:
            choices = extra + [Choice(str(i + 1), o) for i, o in enumerate(options)]
            key = await self.app.push_screen_wait(ChoiceScreen(step.title, f"Which {step.what}?", choices))
            if key is None:
                self.cancelled()
                return None
            return options[int(key) - 1] if key.isdigit() else key
        values = await self.app.push_screen_wait(
            FormScreen(
                step.title,
                [Field("choice", step.what.capitalize(), options[0], help=", ".join(options))],
                lambda v: {} if v["choice"].strip() in options else {"choice": f"one of: {', '.join(options)}"},
            )
        )
        if values is None:
            self.cancelled()
            return None
        return values["choice"].strip()

    async def fetch(self, step: Fetch) -> Record | None:
        """The record (its store first, else one read from its source), or None if there is none."""
        known, record = self._cached(step.store_key, step.namespace, step.name)
        if known:
            return record
        what = step.what or f"{step.store_key} {step.namespace or ''}/{step.name}"
        source = self.workspace.source_of(step.store_key)
        if source is None:
            raise ActionInputError(f"cannot read {what}: no source serves {step.store_key}")
        try:
            return await source.get(step.store_key, step.namespace, step.name)
        except SourceError as err:
            if err.not_found:
                return None
            raise ActionInputError(f"cannot read {what}: {err.summary()}") from err

    # ------------------------------------------------------------------ review, send, watch
    async def review(self, step: Review) -> None:
        mutation = step.mutation
        if mutation.verb is Verb.CREATE:  # a new object: nothing before it, its uid comes with the answer
            before, uid = None, None
            diff = new_object_diff(mutation.body, f"new {mutation.ref.describe()}")
        else:
            before = step.before if step.before is not None else self.obj
            uid = ((before or {}).get("metadata") or {}).get("uid") if step.before is not None else self.uid
            diff = merge_diff(before, mutation) if before is not None else ""
        store_key = step.store_key or self.kind_key
        title = mutation.summary + step.note
        if guarded_by_tests(mutation):
            title += " — refused if what it tests changed since it was read"
        # Watch the screen's deliveries from before the request: a fast watch can beat the answer.
        target = Target(mutation.ref.namespace, mutation.ref.name, uid or None)
        with self.workspace.watches.open(store_key, target) as watch:
            decision, dry = await review(self.app, mutation, title=title, diff=diff)
            if decision is Decision.APPLY:
                result = await send(self.app, mutation, self.say)
            elif decision is Decision.STALE and dry is not None:
                result = dry  # the dry run met a newer version: nothing was sent
            else:
                self.cancelled()
                return
            if not result.ok:
                self.say(f"{self.label}: {refusal(result)}", error=True)
                return
            await self.seen(result, watch, target, before)

    async def seen(
        self, result: ActionResult, watch: ChangeWatch, target: Target, before: Mapping[str, Any] | None
    ) -> None:
        """Wait until the screen has shown the change that came back through the watch; say how long it took."""
        done = result.message()
        ws = self.workspace
        loop = asyncio.get_running_loop()
        answered = loop.time()
        verb = result.mutation.verb
        new_md = (result.object or {}).get("metadata") or {}
        old_rv = ((before or {}).get("metadata") or {}).get("resourceVersion")
        if verb is Verb.CREATE:
            target.uid = new_md.get("uid") or None
            ns = result.mutation.ref.namespace
            if ws.scope.namespace not in (None, ns):
                self.say(f"{done}; it is in namespace {ns}, the table shows {ws.scope.namespace} (0 for all)")
                return
        if verb is Verb.PATCH and new_md.get("resourceVersion") and new_md.get("resourceVersion") == old_rv:
            self.say(f"{done} — no change: the object already had these values")
            return
        store = ws.stores.get(watch.store_key)
        if store is None:
            self.say(done)
            return

        def arrived(obj: Mapping[str, Any] | None) -> bool:
            md = (obj or {}).get("metadata") or {}
            if verb is Verb.DELETE:
                return obj is None or bool(md.get("deletionTimestamp"))
            if obj is None or (target.uid and md.get("uid") != target.uid):
                return False
            return verb is Verb.CREATE or md.get("resourceVersion") != old_rv

        self.say(f"{done} — waiting for the watch…")
        view = ws.views.get(watch.store_key)
        kind = view.kind if view is not None else watch.store_key
        if watch.store_key != self.kind_key:
            where = f"in {plural_title(kind)}"
        else:
            where = "in the table" if hasattr(self.screen, "table") else "in this view"
        shown = self.screen.is_attached
        hit = await watch.until(
            arrived, SEEN_TIMEOUT, store=lambda: ws.stores.get(watch.store_key), shown=lambda: self.screen.is_attached
        )
        if hit is None:
            self.say(f"{done}; not seen through the watch after {SEEN_TIMEOUT:.0f} s (reconnecting?)", error=True)
            return
        if shown and not self.screen.is_attached:
            where = "through the watch"  # the screen went away: the store is all we have
        ms = max(0, round((hit - answered) * 1000))
        if verb is Verb.DELETE:
            obj = watch.current(store)
            if obj is not None:
                self.say(f"{done} — marked for deletion (finalizers still run), seen {where} after {ms} ms")
            elif where == "in the table":
                self.say(f"{done} — gone from the table after {ms} ms")
            else:
                self.say(f"{done} — deletion seen {where} after {ms} ms")
            return
        if verb is Verb.CREATE and where == "in the table" and target.uid:
            self.screen.table.move_cursor_to_key(target.uid)
        self.say(f"{done} — seen {where} after {ms} ms")
