"""The header line: context, user, namespace, connection state, readonly badge (pure text).

It is one line (the stylesheet ends what does not fit with "…"), the server last, so that
the state and badges stay in view.  The whole reconnect reason is in
the ``?`` screen (``ui/help.py``) and the notice box."""

from __future__ import annotations

from rich.text import Text

from inference_console.safe_text import safe

STATE_STYLE = {
    "live": "bold green",
    "connecting": "bold yellow",
    "reconnecting": "bold yellow",
    "failed": "bold red",
}
DETAIL_LIMIT = 40  # characters of the reconnect reason in the header ("… ? for all" after it)


def shorten(text: str, limit: int) -> str:
    """``text`` cut to ``limit`` characters with an ellipsis."""
    return text if len(text) <= limit else text[: max(0, limit - 1)].rstrip() + "…"


def header_text(
    *,
    context: str,
    server: str,
    namespace: str | None,
    state: str,
    readonly: bool,
    detail: str = "",
    tls_verified: bool = True,
    user: str = "",
) -> Text:
    text = Text(no_wrap=True, overflow="ellipsis", end="")
    text.append(" ctx:", style="dim")
    text.append(shorten(safe(context or "-", None), 40), style="bold")
    if user:
        text.append("  user:", style="dim")
        text.append(shorten(safe(user, None), 40), style="bold")
    text.append("  ns:", style="dim")
    text.append(shorten(safe(namespace, None), 40) if namespace else "all", style="bold")
    # The badges before the state and its reason: a long reason must not push them out of view.
    if readonly:
        text.append("  ")
        text.append(" READONLY ", style="bold reverse")
    if not tls_verified:
        text.append("  TLS-UNVERIFIED", style="bold red")
    text.append("  ● ", style=STATE_STYLE.get(state, ""))
    text.append(state, style=STATE_STYLE.get(state, ""))
    if detail:
        shown = safe(detail, None)
        if len(shown) > DETAIL_LIMIT:
            shown = shorten(shown, DETAIL_LIMIT) + " ? for all"
        text.append(f" ({shown})", style="yellow")
    text.append("  ")
    text.append(shorten(safe(server, None), 80), style="dim")
    return text
