"""`:prom`: which Prometheus the console uses, how it was found, its health and its exporters."""

from __future__ import annotations

from typing import Any

from rich.table import Table
from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import Static

from inference_console.safe_text import safe
from inference_console.widgets.key_footer import KeyFooter


def status_table(info: dict[str, Any]) -> Table:
    """The probe's answer as a two-column table (pure)."""
    table = Table(show_header=False, box=None, pad_edge=False)
    table.add_column(style="bold", no_wrap=True)
    table.add_column(overflow="fold")
    rows = [
        ("Endpoint", info.get("endpoint", "")),
        ("Found by", info.get("found_by", "")),
        ("State", f"{info.get('state', '')}{' — ' + info['reason'] if info.get('reason') else ''}"),
        ("Ready (/-/ready)", info.get("ready", "…")),
        ("Build", info.get("build", "…")),
        ("DCGM", info.get("dialect", "")),
        ("GPUs", str(info.get("gpus", 0))),
        ("Refresh", f"every {info.get('interval', 0):.0f}s"),
        ("Queries sent", str(info.get("queries", 0))),
    ]
    for label, value in rows:
        table.add_row(label, safe(str(value), 400))
    exporters = info.get("exporters")
    if exporters is not None:
        lines = Text()
        for job, up, total in exporters:
            lines.append(f"{safe(job, 60):<28} {up}/{total} up\n", style="" if up == total else "yellow")
        table.add_row("Exporters (up by job)", lines if exporters else Text("none", style="yellow"))
    elif info.get("exporters_error"):
        table.add_row("Exporters", Text(safe(info["exporters_error"], 300), style="red"))
    return table


class PromScreen(Screen):
    BINDINGS = [Binding("escape,q", "app.pop_screen", "Back"), Binding("r", "refresh", "Refresh")]

    def compose(self) -> ComposeResult:
        yield Static(Text(" Prometheus ", style="bold reverse"), id="prom-title")
        with VerticalScroll():
            yield Static("asking Prometheus…", id="prom-body")
        yield KeyFooter()

    def on_mount(self) -> None:
        self.action_refresh()

    @work(group="prom", exclusive=True, exit_on_error=False)
    async def action_refresh(self) -> None:
        body = self.query_one("#prom-body", Static)
        source = self.app.workspace.sources.get("prometheus")  # type: ignore[attr-defined]
        if source is None or not hasattr(source, "probe"):
            body.update("The Prometheus source is not running (not connected to a cluster yet?).")
            return
        info = await source.probe()
        body.update(status_table(info))


def open_prom(app: Any, arg: str) -> None:
    app.push_screen(PromScreen())
