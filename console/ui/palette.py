"""Command palette provider: the same commands as the `:` line."""

from __future__ import annotations

from functools import partial

from textual.command import Hit, Hits, Provider


class ConsoleCommands(Provider):
    def _commands(self) -> list[tuple[str, str, str]]:
        app = self.app
        workspace = getattr(app, "workspace", None)
        out: list[tuple[str, str, str]] = []
        if workspace is None or not workspace.views:
            return out
        for key, view in workspace.views.items():
            out.append((f"Go to {view.kind} (:{view.aliases[0] if view.aliases else key})", key,
                        f"{view.source} {key}"))
        for ns in getattr(app, "known_namespaces", []):
            out.append((f"Namespace {ns} (:ns {ns})", f"ns {ns}", "switch namespace"))
        out.append(("All namespaces (:ns all)", "ns all", "show every namespace"))
        for ctx in app.context_names():
            out.append((f"Context {ctx} (:ctx {ctx})", f"ctx {ctx}", "switch kubeconfig context"))
        out.append(("Keys of this screen (?)", "help", "list every key"))
        return out

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for title, command, help_text in self._commands():
            score = matcher.match(title)
            if score > 0:
                yield Hit(score, matcher.highlight(title), partial(self.app.run_console_command, command), help=help_text)

    async def discover(self) -> Hits:
        for title, command, help_text in self._commands()[:30]:
            yield Hit(1, title, partial(self.app.run_console_command, command), help=help_text)
