"""What every screen that shows the workspace shares: the workspace, the change feed, edit."""

from __future__ import annotations

from typing import Any

from textual.screen import Screen

from inference_console.state.workspace import Workspace


class WorkspaceScreen(Screen):
    """A screen pushed the workspace's changes (``StoresChanged``) once per frame."""

    kind_key: str

    @property
    def workspace(self) -> Workspace:
        return self.app.workspace  # type: ignore[attr-defined]

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
        if not WorkspaceScreen.check_action(self, action, parameters):
            return False
        key = getattr(self, "kind_key", None)
        view = self.workspace.views.get(key) if key else None
        if action == "quick" and parameters and view is not None:
            from inference_console.actions.quick import builder_for

            return builder_for(view.actions, str(parameters[0]), self.workspace.editable(view.key)) is not None
        return True

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
        self.app.run_worker(flow.run(), group="edit", exclusive=True, exit_on_error=False)
