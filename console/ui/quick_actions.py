"""Quick actions on the selected object: scale, change model, GPU/memory, stop/start,
rollout restart, delete, new InferenceService from a preset, add/remove a reader.

Each action: a form prefilled with the current values (validated by the pure builders
of :mod:`inference_console.actions.patches`, whose error shows under its field) → the review
screen (exact request, server-side dry run, ``y`` to send through ``app.actions``) →
a message, then another once the change has come back through the watch ("seen in
the table after N ms").  Nothing here talks to the cluster except through
``app.actions`` (writes) and the source's ``get`` (one read of the presets ConfigMap).

``QuickActionsMixin`` gives a screen ``action_quick(name)``; the screen adds
``QUICK_ACTION_BINDINGS`` to its BINDINGS and has ``kind_key`` plus either ``uid``
(the detail view) or a ``table`` whose cursor is the selection (the main screen).
"""

from __future__ import annotations

import asyncio
import difflib
import time
from typing import Any, Callable, Mapping

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.widgets import Input, Label, Static




class _LazyPatches:
    """The pure builders, imported on first use: keeps them off the first frame's path."""

    def __getattr__(self, name: str) -> Any:
        from inference_console.actions import patches

        return getattr(patches, name)


P: Any = _LazyPatches()
from inference_console.actions.types import ActionResult, ErrorKind, Mutation, ObjectRef, PatchType, Verb
from inference_console.safe_text import safe
from inference_console.sources.base import SourceError
from inference_console.state.watch import ChangeWatch
from inference_console.ui.sidebar import plural_title
from inference_console.widgets.dialogs import Choice, ChoiceScreen, Field, FormScreen

ISVC = "inferenceservices.serving.kserve.io"
BD = "bentodeployments.serving.yatai.ai"
STACK = "inferencestacks.doublewordai.co"
DEPLOY = "deployments"
BENTOS = "bentoes.resources.yatai.ai"
CONFIGMAPS = "configmaps"
SEEN_TIMEOUT = 10.0

# `g` is the table's "go to top" (vim), so GPU/memory is `u`; `x` reveals secrets in the
# detail view, so removing a reader is `X`; `e` is edit YAML (another flow).
QUICK_ACTION_BINDINGS = [
    Binding("s", "quick('scale')", "Scale", show=False),
    Binding("m", "quick('model')", "Change model", show=False),
    Binding("u", "quick('resources')", "GPU/memory", show=False),
    Binding("t", "quick('stop')", "Stop/start InferenceService", show=False),
    Binding("r", "quick('restart')", "Rollout restart", show=False),
    Binding("ctrl+d", "quick('delete')", "Delete", show=False),
    Binding("a", "quick('add_reader')", "Add reader (InferenceStack)", show=False),
    Binding("X", "quick('remove_reader')", "Remove reader (InferenceStack)", show=False),
]
CREATE_BINDING = Binding("c", "quick('create')", "New InferenceService from a preset", show=False)

LABELS = {
    "scale": "scale", "model": "change model", "resources": "GPU/memory", "stop": "stop/start",
    "restart": "restart", "delete": "delete", "add_reader": "add reader", "remove_reader": "remove reader",
    "create": "new InferenceService",
}
APPLIES: dict[str, tuple[str, ...] | None] = {
    "scale": (DEPLOY, ISVC, BD, STACK),
    "model": (ISVC, BD, STACK),
    "resources": (ISVC, DEPLOY, BD, STACK),
    "stop": (ISVC,),
    "restart": (DEPLOY, ISVC, BD, STACK),
    "delete": None,  # any kind
    "add_reader": (STACK,),
    "remove_reader": (STACK,),
    "create": (ISVC,),
}
KIND_NAMES = {DEPLOY: "Deployments", ISVC: "InferenceServices", BD: "BentoDeployments", STACK: "InferenceStacks"}


QuickForm = FormScreen  # the fields scroll, so five fit at 80x24


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


class QuickActionsMixin:
    """``action_quick(name)`` for a screen that shows one kind and a selected object."""

    def action_quick(self, name: str) -> None:
        start_quick_action(self, name)


def selection(screen: Any) -> tuple[str, str | None]:
    uid = getattr(screen, "uid", None)
    if uid is None and hasattr(screen, "table"):
        uid = screen.table.cursor_key
    return screen.kind_key, uid


def start_quick_action(screen: Any, name: str) -> None:
    flow = QuickAction(screen, name)
    problem = flow.check()
    if problem:
        flow.say(problem, error=True)
        return
    screen.app.run_worker(flow.run(), group="quick-action", exclusive=True, exit_on_error=False)


def owner_note(obj: Mapping[str, Any]) -> str:
    for owner in (obj.get("metadata") or {}).get("ownerReferences") or []:
        if isinstance(owner, Mapping) and owner.get("controller"):
            return f" — managed by {owner.get('kind')} {owner.get('name')}: its controller may set this back"
    return ""


def merge_diff(obj: Mapping[str, Any], mutation: Mutation) -> str:
    """The YAML diff a merge patch makes (other patch types show the request only)."""
    if mutation.patch_type is not PatchType.MERGE or not isinstance(mutation.body, dict):
        return ""
    from inference_console.actions.edit import apply_merge_patch, unified_diff

    return unified_diff(dict(obj), apply_merge_patch(dict(obj), mutation.body), "now", "after")


def new_object_diff(body: Mapping[str, Any], what: str) -> str:
    from inference_console.actions.edit import dump_yaml

    return "".join(difflib.unified_diff([], dump_yaml(dict(body)).splitlines(keepends=True), "(nothing)", what, n=0))


class QuickAction:
    def __init__(self, screen: Any, name: str) -> None:
        self.screen = screen
        self.app = screen.app
        self.name = name
        self.label = LABELS.get(name, name)
        self.workspace = self.app.workspace
        self.kind_key, self.uid = selection(screen)
        self.source = self.workspace.source_of(self.kind_key)  # reads: get()
        self.obj: dict[str, Any] | None = None
        self.spec: Any = None

    # ------------------------------------------------------------------ plumbing
    def check(self) -> str:
        if getattr(self.app, "actions", None) is None:
            return f"{self.label}: not connected yet"
        self.spec = self.workspace.views.get(self.kind_key)
        applies = APPLIES.get(self.name, ())
        if self.spec is None or (applies is not None and self.kind_key not in applies):
            kind = plural_title(self.spec.kind) if self.spec is not None else "this view"
            where = ", ".join(KIND_NAMES[k] for k in applies or ())
            return f"{self.label}: not available for {kind} (works on {where})"
        if self.name == "create":
            return ""
        store = self.workspace.stores.get(self.kind_key)
        self.obj = store.get(self.uid) if store is not None and self.uid else None
        if self.obj is None:
            return f"{self.label}: nothing selected"
        return ""

    def say(self, message: str, error: bool = False) -> None:
        screen = self.screen
        if hasattr(screen, "flash") and screen.is_attached:
            screen.flash(message, error=error)
        else:
            self.app.notify(safe(message, 1000), severity="error" if error else "information", timeout=8, markup=False)

    @property
    def ref(self) -> ObjectRef:
        md = self.obj.get("metadata") or {}
        return ObjectRef.from_spec(self.spec, md.get("namespace"), md.get("name", ""))

    async def run(self) -> None:
        try:
            await getattr(self, f"do_{self.name}")()
        except P.ActionInputError as exc:
            self.say(f"{self.label}: {exc}", error=True)
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # noqa: BLE001 - show it rather than lose it in a worker
            self.say(f"{self.label} failed: {type(exc).__name__}: {exc}", error=True)

    async def form(self, title: str, fields: list[Field], build: Callable[[dict[str, str]], Mutation],
                   intro: str = "") -> Mutation | None:
        """A form validated by ``build``; the Mutation it makes, or None when cancelled."""
        names = [f.name for f in fields]

        def validate(values: dict[str, str]) -> dict[str, str]:
            try:
                build(values)
            except P.ActionInputError as exc:
                return {exc.field if exc.field in names else names[0]: str(exc)}
            return {}

        values = await self.app.push_screen_wait(QuickForm(title, fields, validate, intro=intro))
        if values is None:
            self.say(f"{self.label}: cancelled, nothing was sent")
            return None
        return build(values)

    async def choose(self, title: str, options: list[str], what: str, extra: list[Choice] | None = None) -> str | None:
        """One of ``options`` (digits 1-9; a form beyond nine), or an ``extra`` choice's key."""
        extra = extra or []
        if len(options) == 1 and not extra:
            return options[0]
        if len(options) <= 9:
            choices = extra + [Choice(str(i + 1), o) for i, o in enumerate(options)]
            key = await self.app.push_screen_wait(ChoiceScreen(title, f"Which {what}?", choices))
            if key is None:
                self.say(f"{self.label}: cancelled, nothing was sent")
                return None
            return options[int(key) - 1] if key.isdigit() else key
        values = await self.app.push_screen_wait(QuickForm(
            title, [Field("choice", what.capitalize(), options[0], help=", ".join(options))],
            lambda v: {} if v["choice"].strip() in options else {"choice": f"one of: {', '.join(options)}"}))
        if values is None:
            self.say(f"{self.label}: cancelled, nothing was sent")
            return None
        return values["choice"].strip()

    async def review(self, mutation: Mutation, *, title: str = "", diff: str = "",
                     store_key: str | None = None, uid: str | None = None, before: Mapping[str, Any] | None = None) -> None:
        from inference_console.ui.screens.review import ReviewScreen

        before = before if before is not None else self.obj
        if not diff and before is not None:
            diff = merge_diff(before, mutation)
        store_key = store_key or self.kind_key
        uid = uid if uid is not None else self.uid
        # Watch the screen's deliveries from before the request: a fast watch can beat the answer.
        target = Target(mutation.ref.namespace, mutation.ref.name, uid or None)
        title = title or mutation.summary
        if mutation.patch_type is PatchType.JSON and any(op.get("op") == "test" for op in mutation.body or ()):
            title += " — refused if what it tests changed since it was read"
        with self.workspace.watches.open(store_key, target) as watch:
            result: ActionResult | None = await self.app.push_screen_wait(
                ReviewScreen(mutation, title=title, diff=diff))
            if result is None:
                self.say(f"{self.label}: cancelled, nothing was sent")
                return
            if not result.ok:
                hint = " — nothing was sent (the dry run was refused)" if result.mutation.dry_run else ""
                if result.error.kind is ErrorKind.CONFLICT or (
                        result.mutation.patch_type is PatchType.JSON and "test" in result.error.message.lower()):
                    hint += "; the object changed meanwhile: press the key again to start from its current version"
                self.say(f"{self.label}: {result.error.render()}{hint}", error=True)
                return
            await self.seen(result, watch, target, before)

    async def seen(self, result: ActionResult, watch: ChangeWatch, target: Target,
                   before: Mapping[str, Any] | None) -> None:
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
        hit = await watch.until(arrived, SEEN_TIMEOUT, store=lambda: ws.stores.get(watch.store_key),
                                shown=lambda: self.screen.is_attached)
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

    def _values(self, *path: str) -> Any:
        node: Any = self.obj
        for key in path:
            node = node.get(key) if isinstance(node, Mapping) else None
        return node

    # ------------------------------------------------------------------ scale
    async def do_scale(self) -> None:
        ref, obj = self.ref, self.obj
        if self.kind_key == DEPLOY:
            current = self._values("spec", "replicas")
            mutation = await self.form(f"Scale {ref.describe()}", [
                Field("replicas", "Replicas", str(1 if current is None else current), help="whole number ≥ 0")],
                lambda v: P.scale_deployment(ref, obj, v["replicas"]))
            if mutation:
                await self.review(mutation, title=mutation.summary + owner_note(obj), before=obj)
        elif self.kind_key == ISVC:
            pred = self._values("spec", "predictor") or {}
            low = pred.get("minReplicas", 1)
            mutation = await self.form(f"Scale {ref.describe()}", [
                Field("min_replicas", "Min replicas", str(low), help="spec.predictor.minReplicas"),
                Field("max_replicas", "Max replicas", str(pred.get("maxReplicas", low)), help="spec.predictor.maxReplicas")],
                lambda v: P.scale_inferenceservice(ref, obj, v["min_replicas"], v["max_replicas"]))
            if mutation:
                await self.review(mutation, before=obj)
        elif self.kind_key == BD:
            auto = self._values("spec", "autoscaling") or {}
            mutation = await self.form(f"Scale {ref.describe()}", [
                Field("min_replicas", "Min replicas", str(auto.get("minReplicas", 1)), help="spec.autoscaling.minReplicas, ≥ 1"),
                Field("max_replicas", "Max replicas", str(auto.get("maxReplicas", 1)), help="spec.autoscaling.maxReplicas")],
                lambda v: P.scale_bentodeployment(ref, obj, v["min_replicas"], v["max_replicas"]))
            if mutation:
                await self.review(mutation, before=obj)
        else:
            reader = await self.reader("Scale a reader")
            if reader is None:
                return
            values = P.reader_values(obj, reader)
            mutation = await self.form(f"Scale reader {reader} of {ref.describe()}", [
                Field("replicas", "Replicas", str(values.get("replicaCount", 1)), help="replicaCount, whole number ≥ 0")],
                lambda v: P.scale_reader(ref, obj, reader, v["replicas"]))
            if mutation:
                await self.review(mutation, before=obj)

    async def reader(self, title: str) -> str | None:
        names = P.reader_names(self.obj)
        if not names:
            raise P.ActionInputError("this InferenceStack has no readers (spec.applications is empty)")
        return await self.choose(title, names, "reader")

    # ------------------------------------------------------------------ change model
    async def do_model(self) -> None:
        ref, obj = self.ref, self.obj
        if self.kind_key == ISVC:
            key = P.isvc_model_key(obj)
            current = self._values("spec", "predictor", key, "storageUri") or ""
            mutation = await self.form(f"Change the model of {ref.describe()}", [
                Field("storage_uri", f"storageUri (spec.predictor.{key})", current,
                      placeholder="hf://org/model", help=", ".join(P.STORAGE_SCHEMES))],
                lambda v: P.change_storage_uri(ref, obj, v["storage_uri"]))
        elif self.kind_key == BD:
            ns = ref.namespace
            store = self.workspace.stores.get(BENTOS)
            bentos = sorted((b.get("metadata") or {}).get("name", "") for b in (store.values() if store else ())
                            if (b.get("metadata") or {}).get("namespace") == ns)
            intro = f"Bentos in {ns}: {', '.join(bentos)}" if bentos else ""
            mutation = await self.form(f"Change the bento of {ref.describe()}", [
                Field("bento", "Bento (spec.bento)", self._values("spec", "bento") or "",
                      help="the name of a Bento in this namespace")],
                lambda v: P.change_bento(ref, obj, v["bento"]), intro=intro)
        else:
            reader = await self.reader("Change the model of a reader")
            if reader is None:
                return
            config = P.reader_values(obj, reader).get("readerConfig") or {}
            mutation = await self.form(f"Change the model of reader {reader} ({ref.describe()})", [
                Field("model_name", "Model (readerConfig.modelName)", str(config.get("modelName", ""))),
                Field("consumer_group", "Consumer group (readerConfig.consumerGroup)", str(config.get("consumerGroup", "")))],
                lambda v: P.change_reader_model(ref, obj, reader, v["model_name"], v["consumer_group"]))
        if mutation:
            await self.review(mutation, before=obj)

    # ------------------------------------------------------------------ resources
    def _resource_fields(self, current: dict[str, str], gpu_help: str) -> list[Field]:
        return [Field("gpus", "GPUs", current["gpus"], help=gpu_help),
                Field("memory_request", "Memory request", current["memory_request"], placeholder="e.g. 16Gi",
                      help="empty = none"),
                Field("memory_limit", "Memory limit", current["memory_limit"], placeholder="e.g. 16Gi",
                      help="empty = none")]

    async def do_resources(self) -> None:
        ref, obj = self.ref, self.obj
        if self.kind_key == ISVC:
            key = P.isvc_model_key(obj)
            current = P.current_resources(self._values("spec", "predictor", key, "resources"))
            mutation = await self.form(f"GPUs and memory of {ref.describe()}",
                                       self._resource_fields(current, f"{P.GPU}, requests = limits"),
                                       lambda v: P.set_isvc_resources(ref, obj, v["gpus"], v["memory_request"], v["memory_limit"]))
            title = ""
        elif self.kind_key == DEPLOY:
            containers = P.deployment_containers(obj)
            if not containers:
                raise P.ActionInputError("this Deployment has no containers")
            container = await self.choose("GPUs and memory of a container", containers, "container")
            if container is None:
                return
            spec = next(c for c in self._values("spec", "template", "spec", "containers") if c.get("name") == container)
            current = P.current_resources(spec.get("resources"))
            mutation = await self.form(f"GPUs and memory of container {container} ({ref.describe()})",
                                       self._resource_fields(current, f"{P.GPU}, requests = limits"),
                                       lambda v: P.set_deployment_resources(ref, obj, container, v["gpus"],
                                                                            v["memory_request"], v["memory_limit"]))
            title = mutation.summary + owner_note(obj) if mutation else ""
        elif self.kind_key == BD:
            runners = P.bento_runners(obj)
            target = await self.choose("GPUs and memory of a BentoDeployment", runners, "runner",
                                       extra=[Choice("s", "API server (spec.resources)")]) if runners else "s"
            if target is None:
                return
            runner = "" if target == "s" else target
            if runner:
                resources = next(r.get("resources") for r in self._values("spec", "runners") if r.get("name") == runner)
            else:
                resources = self._values("spec", "resources")
            current = P.current_resources(resources, P.YATAI_GPU)
            what = f"runner {runner}" if runner else "the API server"
            mutation = await self.form(f"GPUs and memory of {what} ({ref.describe()})",
                                       self._resource_fields(current, "Yatai's 'gpu' key"),
                                       lambda v: P.set_bentodeployment_resources(ref, obj, runner, v["gpus"],
                                                                                 v["memory_request"], v["memory_limit"]))
            title = ""
        else:
            reader = await self.reader("GPUs and memory of a reader")
            if reader is None:
                return
            template = self._values("spec", "applicationTemplate", "resources")
            override = (P.stack_applications(obj).get(reader) or {}).get("resources")
            current = P.current_resources(override, floor=template)
            mutation = await self.form(f"GPUs and memory of reader {reader} ({ref.describe()})",
                                       self._resource_fields(current, f"{P.GPU}, requests = limits"),
                                       lambda v: P.set_reader_resources(ref, obj, reader, v["gpus"],
                                                                        v["memory_request"], v["memory_limit"]))
            title = ""
        if mutation:
            await self.review(mutation, title=title, before=obj)

    # ------------------------------------------------------------------ stop / start
    async def do_stop(self) -> None:
        mutation = P.toggle_stop(self.ref, self.obj)
        await self.review(mutation, before=self.obj)

    # ------------------------------------------------------------------ restart
    async def do_restart(self) -> None:
        if self.kind_key == DEPLOY:
            await self.review(P.restart_deployment(self.ref, self.obj), before=self.obj)
            return
        store = self.workspace.stores.get(DEPLOY)
        found = P.deployments_to_restart(self.spec.kind, self.obj, store.values() if store else ())
        by_name = {(d.get("metadata") or {}).get("name"): d for d in found}
        name = await self.choose(f"Restart a Deployment of {self.ref.describe()}", sorted(by_name), "Deployment")
        if name is None:
            return
        dep = by_name[name]
        md = dep.get("metadata") or {}
        ref = ObjectRef.from_spec(self.workspace.views[DEPLOY], md.get("namespace"), md.get("name", ""))
        mutation = P.restart_deployment(ref, dep, why=f"(of {self.ref.describe()})")
        await self.review(mutation, store_key=DEPLOY, uid=md.get("uid"), before=dep)

    # ------------------------------------------------------------------ delete
    async def do_delete(self) -> None:
        ref, obj = self.ref, self.obj
        mutation = await self.form(f"Delete {ref.describe()}?", [
            Field("confirm", f"Type {ref.name} to confirm", "", placeholder=ref.name,
                  help="the object is deleted only if it is unchanged since you opened this")],
            lambda v: P.delete_object(ref, obj, v["confirm"]),
            intro=f"This deletes {ref.describe()}. Its controller's objects (Deployments, Pods…) go with it.")
        if mutation:
            await self.review(mutation, before=obj)

    # ------------------------------------------------------------------ new InferenceService
    def _cached_presets(self, namespace: str) -> dict[str, dict[str, Any]] | None:
        from inference_console.catalog.presets import PRESETS_CONFIGMAP, model_presets

        store = self.workspace.stores.get(CONFIGMAPS)
        if store is None or not store.loaded:
            return None
        for cm in store.values():
            md = cm.get("metadata") or {}
            if md.get("name") == PRESETS_CONFIGMAP and md.get("namespace") == namespace:
                return model_presets(cm)
        return {} if self.workspace.scope.namespace in (None, namespace) else None

    async def _presets(self, namespace: str) -> dict[str, dict[str, Any]]:
        from inference_console.catalog.presets import PRESETS_CONFIGMAP, model_presets
        cached = self._cached_presets(namespace)
        if cached is not None:
            return cached
        try:
            return model_presets(await self.source.get(CONFIGMAPS, namespace, PRESETS_CONFIGMAP))
        except SourceError as err:
            if err.not_found:
                return {}
            raise P.ActionInputError(f"cannot read the {PRESETS_CONFIGMAP} ConfigMap of {namespace}: {err.summary()}",
                                     "namespace") from err

    async def do_create(self) -> None:
        namespace = self.workspace.scope.namespace or self.source.info.namespace or "default"
        presets = await self._presets(namespace)
        values = {"name": "", "namespace": namespace, "preset": "", "gpus": ""}
        problem = ""
        while True:
            listing = ", ".join(sorted(presets)) or "none (no model-config ConfigMap with presets)"
            intro = (f"⚠ {problem}\n" if problem else "") + f"Presets in {namespace} (model-config): {listing}"

            def validate(v: dict[str, str]) -> dict[str, str]:
                ns = v["namespace"].strip()
                known = presets if ns == namespace else self._cached_presets(ns)
                try:
                    if known is not None:
                        P.create_inferenceservice(v["name"], v["namespace"], v["preset"], known, v["gpus"])
                    else:  # the presets of that namespace are read after submit
                        P.create_inferenceservice(v["name"], v["namespace"], "any", {"any": {
                            "storageUri": "hf://any", "modelFormat": "any"}}, v["gpus"])
                except P.ActionInputError as exc:
                    return {exc.field if exc.field in v else "name": str(exc)}
                return {}

            got = await self.app.push_screen_wait(QuickForm("New InferenceService from a preset", [
                Field("name", "Name", values["name"], placeholder="e.g. qwen-small-2", help="RFC 1123, starts with a letter"),
                Field("namespace", "Namespace", values["namespace"]),
                Field("preset", "Preset", values["preset"], placeholder=next(iter(sorted(presets)), ""),
                      help="from the model-config ConfigMap"),
                Field("gpus", "GPUs", values["gpus"], placeholder="the preset's", help="empty = the preset's count")],
                validate, intro=intro))
            if got is None:
                self.say(f"{self.label}: cancelled, nothing was created")
                return
            values = got
            try:
                ns_presets = await self._presets(values["namespace"].strip())
                mutation = P.create_inferenceservice(values["name"], values["namespace"], values["preset"],
                                                     ns_presets, values["gpus"])
            except P.ActionInputError as exc:
                problem = str(exc)
                continue
            break
        await self.review(mutation, diff=new_object_diff(mutation.body, f"new {mutation.ref.describe()}"),
                          store_key=ISVC, uid="")

    # ------------------------------------------------------------------ readers
    async def do_add_reader(self) -> None:
        ref, obj = self.ref, self.obj
        template = (self._values("spec", "applicationTemplate", "readerConfig") or {})
        mutation = await self.form(f"Add a reader to {ref.describe()}", [
            Field("name", "Reader name", "", placeholder="e.g. llama-reader", help="RFC 1123 label, new"),
            Field("model_name", "Model (readerConfig.modelName)", "", placeholder="e.g. meta-llama/Llama-3.1-8B-Instruct"),
            Field("device", "Device", "cuda", help="cpu or cuda"),
            Field("consumer_group", "Consumer group", str(template.get("consumerGroup") or "primary"), help="label-safe"),
            Field("replicas", "Replicas", "1", help="whole number ≥ 0")],
            lambda v: P.add_reader(ref, obj, v["name"], v["model_name"], v["device"], v["consumer_group"], v["replicas"]))
        if mutation:
            await self.review(mutation, before=obj)

    async def do_remove_reader(self) -> None:
        reader = await self.reader("Remove a reader")
        if reader is None:
            return
        mutation = P.remove_reader(self.ref, self.obj, reader)
        await self.review(mutation, title=mutation.summary + " (its Deployment and pods go away)", before=self.obj)
