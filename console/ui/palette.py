"""Command palette provider: the same commands as the `:` line."""

from __future__ import annotations

from functools import partial
from typing import Any, Callable

from textual.command import Hit, Hits, Provider


class ConsoleCommands(Provider):
    def _commands(self) -> list[tuple[str, str, str]]:
        app = self.app
        workspace = getattr(app, "workspace", None)
        out: list[tuple[str, str, str]] = []
        if workspace is None or not workspace.views:
            return out
        for key, view in workspace.views.items():
            out.append(
                (f"Go to {view.kind} (:{view.aliases[0] if view.aliases else key})", key, f"{view.source} {key}")
            )
        for ns in getattr(app, "known_namespaces", []):
            out.append((f"Namespace {ns} (:ns {ns})", f"ns {ns}", "switch namespace"))
        out.append(("All namespaces (:ns all)", "ns all", "show every namespace"))
        for ctx in app.context_names():
            out.append((f"Context {ctx} (:ctx {ctx})", f"ctx {ctx}", "switch kubeconfig context"))
        out.append(("Keys of this screen (?)", "help", "list every key"))
        return out

    def _actions(self) -> list[tuple[str, Callable[[], Any], str]]:
        """The keys that act on the selected object of the screen the palette was opened on."""
        screen = self.screen
        chosen = screen.selected() if hasattr(screen, "selected") else None
        if chosen is None:
            return []
        view = screen.workspace.views.get(screen.kind_key)
        what = f"{view.kind if view else ''} {view.name_of(chosen[1]) if view else ''}".strip()
        out = []
        for binding in screen.BINDINGS:
            action = getattr(binding, "action", "")
            if not (action.startswith(("quick(", "object(")) or action in ("edit", "describe", "yaml")):
                continue
            name, _, params = action.partition("(")
            args = tuple(p.strip("'\"") for p in params.rstrip(")").split(",")) if params else ()
            if screen.check_action(name, args) is False:
                continue
            out.append(
                (
                    f"{binding.description}: {what} ({binding.key})",
                    partial(screen.run_action, action),
                    f"on the selected {view.kind if view else 'row'}",
                )
            )
        return out

    def _hits(self) -> list[tuple[str, Callable[[], Any], str]]:
        hits = [(t, partial(self.app.run_console_command, c), h) for t, c, h in self._commands()]
        return self._actions() + hits

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for title, run, help_text in self._hits():
            score = matcher.match(title)
            if score > 0:
                yield Hit(score, matcher.highlight(title), run, help=help_text)

    async def discover(self) -> Hits:
        for title, run, help_text in self._hits()[:40]:
            yield Hit(1, title, run, help=help_text)
