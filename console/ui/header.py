"""The header line: context, server, namespace, connection state, readonly badge (pure text)."""

from __future__ import annotations

from rich.text import Text

from inference_console.safe_text import safe

STATE_STYLE = {
    "live": "bold green",
    "connecting": "bold yellow",
    "reconnecting": "bold yellow",
    "failed": "bold red",
}


def header_text(*, context: str, server: str, namespace: str | None, state: str, readonly: bool,
                detail: str = "", tls_verified: bool = True) -> Text:
    text = Text(no_wrap=True, overflow="ellipsis")
    text.append(" ctx:", style="dim")
    text.append(safe(context or "-", 60), style="bold")
    text.append("  ns:", style="dim")
    text.append(safe(namespace, 60) if namespace else "all", style="bold")
    text.append("  ● ", style=STATE_STYLE.get(state, ""))
    text.append(state, style=STATE_STYLE.get(state, ""))
    if detail:
        text.append(f" ({safe(detail, 80)})", style="yellow")
    if readonly:
        text.append("  ")
        text.append(" READONLY ", style="bold reverse")
    if not tls_verified:
        text.append("  TLS-UNVERIFIED", style="bold red")
    text.append("  ")
    text.append(safe(server, 80), style="dim")
    return text
