"""The built-in YAML editor: Enter keeps the indentation; its header fits 80 columns."""

from __future__ import annotations

from textual.app import App

from inference_console.actions.edit import editable_text
from inference_console.ui.screens.editor import EditorScreen


class EditorApp(App):
    def __init__(self, text: str) -> None:
        super().__init__()
        self.text = text

    def on_mount(self) -> None:
        self.push_screen(EditorScreen("ConfigMap ml/c", self.text))


async def test_enter_keeps_the_indentation_of_yaml():
    app = EditorApp("spec:\n  predictor:\n    minReplicas: 1")
    async with app.run_test(size=(80, 24)) as pilot:
        area = app.screen.query_one("#editor-text")
        area.move_cursor((2, len("    minReplicas: 1")))
        await pilot.press("enter", *"maxReplicas: 2")
        area.move_cursor((1, len("  predictor:")))
        await pilot.press("enter", *"model: x")
        assert area.text == "spec:\n  predictor:\n    model: x\n    minReplicas: 1\n    maxReplicas: 2"


def test_the_edit_header_fits_an_80_column_editor():
    text = editable_text({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c", "namespace": "ml"}})
    header = [line for line in text.splitlines() if line.startswith("#")]
    assert len(header) >= 4 and all(len(line) <= 80 for line in header)
    assert any("ctrl+s" in line for line in header)
