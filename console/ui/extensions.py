"""Where features plug into the screens without editing them: detail tabs, `:` commands, object keys.

Each registry maps a name to ``"module:attribute"``, imported on first use (so nothing here
slows the first frame).  A feature adds one line:

* :data:`DETAIL_TABS` — a :class:`DetailTab` shown in the detail view of the kinds it
  applies to (the Metrics tab, say); its widget is told of every workspace delivery.
* :data:`SCREEN_COMMANDS` — a `:` command word that opens a screen: ``fn(app, arg)``
  (``:gpu``, ``:prom``, ``:loki``).
* :data:`OBJECT_ACTIONS` — a key on the selected object that opens a screen:
  an :class:`ObjectAction` (``l`` for logs).
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import Any, Callable

from inference_console.catalog.view import KindView

DETAIL_TABS: list[str] = ["inference_console.ui.metrics_tab:METRICS_TAB"]
SCREEN_COMMANDS: dict[str, str] = {
    "prom": "inference_console.ui.screens.prom:open_prom",
    "gpuchart": "inference_console.ui.metrics_tab:open_gpu_chart",
    "gpuowner": "inference_console.ui.metrics_tab:open_owner",
}
SCREEN_COMMANDS["loki"] = "inference_console.ui.screens.logs:open_loki_info"  # Loki: endpoint, health
OBJECT_ACTIONS: dict[str, str] = {"logs": "inference_console.ui.logtarget:LOGS"}
OBJECT_ACTIONS["copy"] = "inference_console.ui.clipboard:COPY"  # C: presigned URL, image ref (OSC 52)


@dataclass(frozen=True)
class DetailTab:
    id: str
    title: str
    applies: Callable[[KindView], bool]
    # make(screen) -> a Textual widget; the detail screen calls widget.workspace_changed(changes)
    # after each delivery when the widget has that method.
    make: Callable[[Any], Any]


@dataclass(frozen=True)
class ObjectAction:
    key: str  # the key on the main and detail screens ("l")
    description: str  # what the footer and `?` say ("Logs")
    applies: Callable[[KindView], bool]
    # open(screen, view, key, record): push the screen for the selected record.
    open: Callable[[Any, KindView, str, dict[str, Any]], None]


def load(target: str) -> Any:
    module, _, name = target.partition(":")
    return getattr(importlib.import_module(module), name)


def detail_tabs(view: KindView) -> list[DetailTab]:
    return [tab for tab in (load(t) for t in DETAIL_TABS) if tab.applies(view)]


def screen_command(word: str) -> Callable[[Any, str], None] | None:
    target = SCREEN_COMMANDS.get(word)
    return load(target) if target else None


def object_action(name: str) -> ObjectAction | None:
    target = OBJECT_ACTIONS.get(name)
    return load(target) if target else None
