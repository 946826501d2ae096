"""What every screen that shows the workspace shares: the workspace, the change feed, edit,
and which of its keys RBAC forbids for the selected kind and namespace."""

from __future__ import annotations

import time
from typing import Any

from textual import events
from textual.actions import parse as parse_action
from textual.screen import Screen

from inference_console.state.workspace import Workspace

DEPLOYMENTS = "deployments"
ASK_AGAIN = 5.0  # seconds before the rules of a namespace that stayed unknown are asked for again


def required_access(action: str, parameters: tuple[object, ...], kind_key: str) -> tuple[str, str] | None:
    """(RBAC verb, store key of the kind written) a key needs, or None for keys that write nothing.

    ``e`` sends a JSON patch; a quick action patches the selected object, except ``delete``
    and ``create`` and a rollout restart of what an object owns (its Deployments)."""
    if action == "edit":
        return ("patch", kind_key)
    if action != "quick" or not parameters:
        return None
    name = str(parameters[0])
    if name == "delete":
        return ("delete", kind_key)
    if name == "create":
        return ("create", kind_key)
    if name == "restart" and kind_key != DEPLOYMENTS:
        return ("patch", DEPLOYMENTS)
    return ("patch", kind_key)


class WorkspaceScreen(Screen):
    """A screen pushed the workspace's changes (``StoresChanged``) once per frame."""

    kind_key: str

    @property
    def workspace(self) -> Workspace:
        return self.app.workspace  # type: ignore[attr-defined]

    def _compositor_refresh(self) -> None:
        # Under an opaque screen (a log pane, a detail view) nothing of this one shows, but Textual
        # repaints the top screen wherever this one changed and then marks this one for a repaint
        # again: every message it handled after that (a delivery per frame) repainted the whole top
        # screen.  It repaints itself when it is shown again (ScreenResume).
        top = self.app.screen
        if top is not self and top.styles.background.a == 1:
            self._compositor._dirty_regions.clear()  # noqa: SLF001
            self._dirty_widgets.clear()
            return
        super()._compositor_refresh()

    def on_stores_changed(self, event: Any) -> None:
        # Textual runs this after the subclass's own StoresChanged handler, so a flow waiting
        # on a ChangeWatch learns of a change once this screen has drawn it.
        if self.is_current:
            self.workspace.feed_watches(event.changes)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Keys that cannot apply to this kind are hidden from the footer and do nothing."""
        key = getattr(self, "kind_key", None)
        view = self.workspace.views.get(key) if key else None
        if view is None:
            return True
        if action == "edit" and not self.workspace.editable(view.key):
            return False
        if action == "quick" and not view.actions and not self.workspace.editable(view.key):
            return False  # a kind of another source offers only the actions it declares
        if action in ("edit", "quick") and self.forbidden(action, parameters):
            return None  # RBAC forbids it here: shown dimmed; pressed, it says why (on_key)
        if action == "tab" and parameters and parameters[0] not in view.tabs:
            return False
        if action == "object" and parameters:
            from inference_console.ui.extensions import object_action

            found = object_action(str(parameters[0]))
            return found is not None and found.applies(view)
        return True

    def offers(self, action: str, parameters: tuple[object, ...] = ()) -> bool:
        """Whether a key applies to what the screen shows: ``?`` lists only those.

        Stricter than :meth:`check_action`, which lets a quick action the kind lacks run,
        so that the key says which kinds have it rather than doing nothing.
        """
        if WorkspaceScreen.check_action(self, action, parameters) is False:
            return False
        key = getattr(self, "kind_key", None)
        view = self.workspace.views.get(key) if key else None
        if action == "quick" and parameters and view is not None:
            from inference_console.actions.quick import builder_for

            return builder_for(view.actions, str(parameters[0]), self.workspace.editable(view.key)) is not None
        return True

    # ------------------------------------------------------------------ RBAC
    def access_namespace(self) -> str | None:
        """The namespace a write would go to: the selected object's, else the one shown."""
        chosen = self.selected()
        if chosen is not None:
            md = chosen[1].get("metadata") if isinstance(chosen[1], dict) else None
            if isinstance(md, dict) and md.get("namespace"):
                return str(md["namespace"])
        return self.workspace.scope.namespace

    def forbidden(self, action: str, parameters: tuple[object, ...] = ()) -> str | None:
        """Why RBAC will refuse what this key does, for the selected kind and namespace; None when it
        may be allowed (allowed, or not known yet: the rules are asked for, and the keys redrawn)."""
        if getattr(self.app, "readonly", False):
            return None  # read-only mode refuses every write itself, and asks the server nothing (no POST)
        key = getattr(self, "kind_key", None)
        need = required_access(action, parameters, key) if key else None
        if need is None:
            return None
        verb, target = need
        source = self.workspace.source_of(target)
        allowed = getattr(source, "allowed", None)
        if allowed is None:
            return None
        namespace = self.access_namespace()
        view = self.workspace.views.get(target)
        if view is not None and not view.namespaced:
            namespace = None
        answer = allowed(target, verb, namespace)
        if answer is None:
            self._ask_access(source, target, namespace)
            return None
        if answer:
            return None
        where = f" in namespace {namespace}" if namespace else ""
        return f"forbidden: your RBAC rules do not let you {verb} {target}{where}"

    def _ask_access(self, source: Any, key: str, namespace: str | None) -> None:
        asking: set[tuple[str, str | None]] = self.__dict__.setdefault("_asking_access", set())
        asked: dict[tuple[Any, ...], float] = self.__dict__.setdefault("_asked_access", {})
        if (key, namespace) in asking or not self.is_attached or getattr(source, "access", None) is None:
            return
        # What the source knows changes when it forgets (after a 403): ask again at once then.
        when = (key, namespace, getattr(source, "access_generation", 0))
        now = time.monotonic()
        if now - asked.get(when, -ASK_AGAIN) < ASK_AGAIN:
            return  # asked a moment ago and still not known (the review failed, or the server is unsure)
        asked[when] = now
        asking.add((key, namespace))

        async def learn() -> None:
            try:
                known = await source.access(key, namespace)
            finally:
                asking.discard((key, namespace))
            if known:  # the server answered: redraw the keys (not when it could not say: no loop)
                self.refresh_bindings()

        self.run_worker(learn, group="rbac", exit_on_error=False)

    def forbidden_keys(self) -> dict[str, str]:
        """{key: why} for this screen's bindings that RBAC forbids (what ``?`` notes)."""
        out: dict[str, str] = {}
        for binding in getattr(self, "BINDINGS", []):
            if not hasattr(binding, "action"):
                continue
            _, action, parameters = parse_action(binding.action)
            why = self.forbidden(action, parameters)
            if why:
                out[binding.key] = why
        return out

    def on_key(self, event: events.Key) -> None:
        """A forbidden key does nothing (its binding is disabled): say why instead of staying silent."""
        if not self.is_current:
            return
        for binding in getattr(self, "BINDINGS", []):
            if getattr(binding, "key", None) != event.key or not hasattr(binding, "action"):
                continue
            _, action, parameters = parse_action(binding.action)
            if action not in ("edit", "quick") or not self.workspace.editable(getattr(self, "kind_key", "") or ""):
                continue
            why = self.forbidden(action, parameters)
            if why:
                event.stop()
                self.notify(
                    f"{why}: nothing was sent (press it again once access is granted; "
                    "a 403 from the server refreshes what the app knows)",
                    severity="warning",
                    timeout=8,
                )
                return

    def learn_user(self, then: Any) -> None:
        """Ask the cluster who you are (SelfSubjectReview, ``kubectl auth whoami``) once per
        connection, for the header; ``then()`` redraws it.  Not in read-only mode: the review is a
        POST, and read-only mode sends only GETs."""
        if getattr(self.app, "readonly", False):
            return
        for source in list(self.workspace.sources.values()):
            whoami = getattr(source, "whoami", None)
            if whoami is None or getattr(source, "user", None):
                continue

            async def ask(whoami: Any = whoami) -> None:
                if await whoami():
                    then()

            self.run_worker(ask, group="whoami", exit_on_error=False)

    def selected(self) -> tuple[str, dict[str, Any]] | None:
        """The selected record's (key, record): the table's cursor, or the detail's object."""
        key = getattr(self, "uid", None)
        if key is None and hasattr(self, "table"):
            key = self.table.cursor_key
        store = self.workspace.store(self.kind_key)
        record = store.get(key) if store is not None and key else None
        return (key, record) if record is not None else None

    def action_object(self, name: str) -> None:
        """A key registered in ui/extensions.OBJECT_ACTIONS on the selected record (`l`: logs)."""
        from inference_console.ui.extensions import object_action

        found = object_action(name)
        view = self.workspace.views.get(self.kind_key)
        chosen = self.selected()
        if found is None or view is None or not found.applies(view):
            return
        if chosen is None:
            self.notify("nothing selected", severity="warning")
            return
        found.open(self, view, chosen[0], chosen[1])

    def start_edit(self, obj: dict[str, Any]) -> None:
        """`e`: edit the object's YAML (the edit flow runs as a worker of the app)."""
        from inference_console.ui.flows.edit import EditFlow

        view = self.workspace.views.get(self.kind_key)
        if view is None or not self.workspace.editable(self.kind_key):
            self.notify(f"{view.kind if view else 'this'} records cannot be edited here", severity="warning")
            return
        md = obj.get("metadata") or {}
        flow = EditFlow(self.app, self.kind_key, md.get("namespace") or None, md.get("name", ""))
        self.app.run_worker(flow.run, group="edit", exclusive=True, exit_on_error=False)
