"""The first frame: the header and "Connecting…", drawn before the main screen is even imported.

The main screen (its sidebar, virtual table, prompt, footer and their imports) costs about
as much again as the minimal Textual app's first frame; this screen costs next to nothing.
The app replaces it with the main screen right after it painted (``ConsoleApp``), while
the Kubernetes client is imported and the demo sandbox starts.  Keys pressed meanwhile
are kept by the app and handed to the main screen, in order.
"""

from __future__ import annotations

from typing import Any

from textual.app import ComposeResult
from textual.screen import Screen
from textual.widgets import Static

from inference_console.ui.header import header_text
from inference_console.ui.messages import SessionChanged


class StartScreen(Screen):
    DEFAULT_CSS = """
    StartScreen #start-body {
        height: 1fr;
        content-align: center middle;
        color: $text-muted;
    }
    """

    def compose(self) -> ComposeResult:
        yield Static(id="header")
        yield Static("Connecting…", id="start-body")

    def on_mount(self) -> None:
        self._show_state()

    def on_session_changed(self, event: SessionChanged) -> None:
        self._show_state()

    def _show_state(self) -> None:
        app: Any = self.app
        options = app.options
        state = app.connection_state
        self.query_one("#header", Static).update(
            header_text(
                context=options.context or ("sandbox" if options.demo else ""),
                server="",
                namespace=None if options.all_namespaces else options.namespace or "…",
                state=state,
                readonly=app.readonly,
                detail=app.connection_message if state == "connecting" else "",
            )
        )
        self.query_one("#start-body", Static).update(
            app.connection_message if state == "connecting" and app.connection_message else "Connecting…"
        )
