"""`?`: every key of the current screen, generated from its bindings; the keys your RBAC rules
forbid for the selected kind and namespace are marked, and what is wrong with the connection
is said in full (the header has room for a few words of it)."""

from __future__ import annotations

from rich.markup import escape
from textual.actions import parse as parse_action
from textual.screen import Screen

from inference_console.safe_text import safe
from inference_console.widgets.key_help import KeyHelpScreen

FORBIDDEN_MARK = "✗ forbidden"


def connection_rows(screen: Screen) -> list[tuple[str, str]]:
    """What the header cuts short: every kind that is reconnecting, with its whole reason."""
    workspace = getattr(screen.app, "workspace", None)
    problems = workspace.problems() if workspace is not None and hasattr(workspace, "problems") else []
    rows = []
    for key, reason in problems:
        view = workspace.views.get(key)
        rows.append(
            (
                escape(safe(view.kind if view is not None else key, 60)),
                "reconnecting: " + escape(safe(reason or "(no reason given)", 2000)),
            )
        )
    message = getattr(screen.app, "connection_message", "")
    if getattr(screen.app, "connection_state", "") == "failed" and message:
        rows.insert(0, ("cluster", "failed: " + escape(safe(message, 2000))))
    return rows


def binding_rows(screen: Screen) -> list[tuple[str, list[tuple[str, str]]]]:
    app = screen.app
    groups: list[tuple[str, list[tuple[str, str]]]] = []
    seen: set[str] = set()
    # A screen may say which of its keys apply to what it shows (a kind's quick actions).
    offers = getattr(screen, "offers", None)
    forbidden = screen.forbidden_keys() if hasattr(screen, "forbidden_keys") else {}
    for title, node in ((screen.__class__.__name__.replace("Screen", ""), screen), ("Application", app)):
        rows: list[tuple[str, str]] = []
        for binding in getattr(node, "BINDINGS", []):
            key, description = (
                (binding.key, binding.description)
                if hasattr(binding, "key")
                else (binding[0], binding[2] if len(binding) > 2 else "")
            )
            if node is screen and offers is not None and hasattr(binding, "action"):
                _, action, parameters = parse_action(binding.action)
                if not offers(action, parameters):
                    continue
            display = (
                getattr(binding, "key_display", None) or app.get_key_display(binding)
                if hasattr(binding, "key")
                else key
            )
            if not description or description in seen:
                continue
            seen.add(description)
            why = forbidden.get(binding.key) if node is screen and hasattr(binding, "key") else None
            if why:
                description = (
                    f"[dim]{escape(description)}[/dim]  [red]{FORBIDDEN_MARK}[/red] [dim]({escape(why)})[/dim]"
                )
            rows.append((display, description))
        if node is screen and hasattr(screen, "table"):
            rows.insert(0, ("enter", "Open the row (a namespace or context: switch)"))
            rows.insert(1, ("j/k g/G", "Down/up, top/bottom (arrows, PgUp/PgDn)"))
        groups.append((title, rows))
    groups[-1][1].append(("ctrl+p", "Command palette (the same commands as :, and actions on the selection)"))
    connection = connection_rows(screen)
    if connection:
        groups.insert(0, ("Connection", connection))
    return groups


def show_help(screen: Screen) -> None:
    screen.app.push_screen(KeyHelpScreen("Keys", binding_rows(screen)))
