"""The footer of keys, rebuilt only when the keys it shows changed.

Textual's ``Footer`` recomposes (removes and mounts a widget per key, then lays the screen out
again) whenever the screen says its bindings may have changed: a focus change, an RBAC answer,
a kind shown.  Most of those leave the same keys, enabled the same way; this footer compares
what it would show with what it shows and leaves itself alone when they are the same.
"""

from __future__ import annotations

from typing import Any

from textual.app import ComposeResult
from textual.screen import Screen
from textual.widgets import Footer


class KeyFooter(Footer):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._shown: tuple[Any, ...] | None = None

    def _keys(self, screen: Screen) -> tuple[Any, ...]:
        """What the footer shows of ``screen``'s bindings: key, its display, action, text, enabled."""
        app = self.app
        return tuple(
            (key, app.get_key_display(binding), binding.action, binding.description, enabled, tooltip)
            for key, (_, binding, enabled, tooltip) in screen.active_bindings.items()
            if binding.show
        )

    def compose(self) -> ComposeResult:
        if self._bindings_ready:
            self._shown = self._keys(self.screen)
        yield from super().compose()

    def bindings_changed(self, screen: Screen) -> None:
        if (
            self._bindings_ready
            and self._shown is not None
            and self.is_attached
            and screen is self.screen
            and self._keys(screen) == self._shown
        ):
            return
        super().bindings_changed(screen)
