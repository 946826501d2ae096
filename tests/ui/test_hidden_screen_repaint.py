"""A workspace screen under an opaque one (a log pane over the table) is still told every delivery,
but nothing of it shows: it must not repaint the screen on top (Textual repainted the whole top
screen after each message the hidden one handled, once it had changed), and it shows its changes
when it is on top again."""

from __future__ import annotations

from textual.app import App, ComposeResult
from textual.screen import ModalScreen, Screen
from textual.widgets import Static

from inference_console.state.workspace import Workspace
from inference_console.ui.screens.base import WorkspaceScreen


class Table(WorkspaceScreen):
    def compose(self) -> ComposeResult:
        yield Static("rows: 0", id="rows")

    def on_stores_changed(self, event) -> None:
        self.count = getattr(self, "count", 0) + 1
        self.query_one("#rows", Static).update(f"rows: {self.count}")
        super().on_stores_changed(event)


class Pane(Screen):
    def compose(self) -> ComposeResult:
        yield Static("the log pane")


class Dialog(ModalScreen):  # see-through: the screen under it shows
    def compose(self) -> ComposeResult:
        yield Static("a dialog", id="dialog")


class Stack(App[None]):
    def __init__(self) -> None:
        super().__init__()
        self.workspace = Workspace(1 / 30)

    def get_default_screen(self) -> Screen:
        return Table()


def _text_of(update) -> str:
    """The text of a compositor update (a whole screen, or changed pieces of lines)."""
    if update is None:
        return ""
    if hasattr(update, "strips"):
        return "\n".join(
            "".join(strip.text for strip in line) if not hasattr(line, "text") else line.text for line in update.strips
        )
    return "\n".join("".join(strip.text for strip in chop.values() if strip is not None) for chop in update.chops)


async def test_hidden_workspace_screen_does_not_repaint_the_opaque_screen_on_top():
    from inference_console.ui.messages import StoresChanged

    app = Stack()
    async with app.run_test(size=(60, 10)) as pilot:
        table = app.screen
        await app.push_screen(Pane())
        pane = app.screen
        await pilot.pause()
        repaints: list[bool] = []
        refresh = pane.refresh

        def watched(*regions, **kwargs):
            repaints.append(bool(regions))
            return refresh(*regions, **kwargs)

        pane.refresh = watched  # type: ignore[method-assign]
        for _ in range(10):
            table.post_message(StoresChanged({}))
            await pilot.pause(0.03)
        assert table.count == 10
        assert repaints == []  # before: the whole pane, after every delivery once the table had changed
        sent: list[str] = []  # what goes to the terminal once the table is on top again
        display = app._display  # noqa: SLF001

        def watched_display(screen, update):
            sent.append(_text_of(update))
            return display(screen, update)

        app._display = watched_display  # type: ignore[method-assign]  # noqa: SLF001
        app.pop_screen()
        await pilot.pause()
        assert any("rows: 10" in text for text in sent)
        # Under a see-through dialog the table's changes still show through.
        await app.push_screen(Dialog())
        await pilot.pause()
        dialog = app.screen
        seen: list[bool] = []
        refresh_dialog = dialog.refresh

        def watched_dialog(*regions, **kwargs):
            seen.append(bool(regions))
            return refresh_dialog(*regions, **kwargs)

        dialog.refresh = watched_dialog  # type: ignore[method-assign]
        table.post_message(StoresChanged({}))
        await pilot.pause(0.1)
        assert table.count == 11 and True in seen
