"""The quick-action keys of the screens that show a kind, and the mixin that starts the flow.

The flow itself is :mod:`inference_console.ui.flows.quick` (imported on the first key
press, so the first frame does not wait for it); what each kind offers is declared by the
kind (``ACTIONS`` in its catalog module).  A screen adds ``QUICK_ACTION_BINDINGS`` to its
BINDINGS, mixes in :class:`QuickActionsMixin` and has ``kind_key`` plus either ``uid``
(the detail view) or a ``table`` whose cursor is the selection (the main screen).
"""

from __future__ import annotations

from textual.binding import Binding

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
    Binding("A", "quick('archive')", "Archive/restore (Model Registry)", show=False),
    Binding("D", "quick('deploy')", "Deploy this version", show=False),
]
CREATE_BINDING = Binding("c", "quick('create')", "New InferenceService from a preset", show=False)


class QuickActionsMixin:
    """``action_quick(name)`` for a screen that shows one kind and a selected object."""

    def action_quick(self, name: str) -> None:
        from inference_console.ui.flows.quick import start

        start(self, name)
