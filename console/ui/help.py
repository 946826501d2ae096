"""`?`: every key of the current screen, generated from its bindings."""

from __future__ import annotations

from textual.actions import parse as parse_action
from textual.screen import Screen

from inference_console.widgets.key_help import KeyHelpScreen


def binding_rows(screen: Screen) -> list[tuple[str, list[tuple[str, str]]]]:
    app = screen.app
    groups: list[tuple[str, list[tuple[str, str]]]] = []
    seen: set[str] = set()
    # A screen may say which of its keys apply to what it shows (a kind's quick actions).
    offers = getattr(screen, "offers", None)
    for title, node in ((screen.__class__.__name__.replace("Screen", ""), screen), ("Application", app)):
        rows: list[tuple[str, str]] = []
        for binding in getattr(node, "BINDINGS", []):
            key, description = (binding.key, binding.description) if hasattr(binding, "key") else (binding[0], binding[2] if len(binding) > 2 else "")
            if node is screen and offers is not None and hasattr(binding, "action"):
                _, action, parameters = parse_action(binding.action)
                if not offers(action, parameters):
                    continue
            display = getattr(binding, "key_display", None) or app.get_key_display(binding) if hasattr(binding, "key") else key
            if not description or description in seen:
                continue
            seen.add(description)
            rows.append((display, description))
        if node is screen and hasattr(screen, "table"):
            rows.insert(0, ("enter", "Open the row (a namespace or context: switch)"))
            rows.insert(1, ("j/k g/G", "Down/up, top/bottom (arrows, PgUp/PgDn)"))
        groups.append((title, rows))
    groups[-1][1].append(("ctrl+p", "Command palette (the same commands as :, and actions on the selection)"))
    return groups


def show_help(screen: Screen) -> None:
    screen.app.push_screen(KeyHelpScreen("Keys", binding_rows(screen)))
