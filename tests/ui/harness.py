"""Run the real app against the emulator on loopback, seeded with the demo cluster."""

from __future__ import annotations

import asyncio
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any, Callable

from inference_console.sandbox.apiserver import KubeEmulator, write_kubeconfig
from inference_console.sandbox.crds import all_crds
from inference_console.sandbox.runner import load_objects
from inference_console.sandbox.scenario import seed_objects
from inference_console.settings.config_file import ConfigFile
from inference_console.settings.launch import LaunchOptions
from inference_console.sources.kube.backoff import Backoff
from inference_console.ui.app import ConsoleApp

FAST = dict(backoff=Backoff(base=0.05, cap=0.3), slow_retry=0.3, read_timeout=5.0)


async def wait_for(pilot, predicate: Callable[[], Any], timeout: float = 10.0, what: str = "condition") -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while loop.time() < deadline:
        if predicate():
            return
        await pilot.pause(0.03)
    raise AssertionError(f"timed out waiting for {what}")


def screen_text(app) -> str:
    """What the terminal shows, as plain text (the way a person reads it)."""
    return app.export_screenshot_text() if hasattr(app, "export_screenshot_text") else _plain(app)


def screen_words(app) -> str:
    """The screen as one line of words: box borders and line wraps removed (for wrapped messages)."""
    import re

    return " ".join(re.sub(r"[│╭╮╰╯─┃━]", " ", screen_text(app)).split())


def _plain(app) -> str:
    from rich.console import Console

    console = Console(
        record=True, width=app.size.width, height=app.size.height, color_system=None, file=open("/dev/null", "w")
    )
    lines = app.screen._compositor.render_update(full=True)  # noqa: SLF001
    console.print(lines)
    return console.export_text()


@asynccontextmanager
async def demo_app(
    tmp_path: Path,
    *,
    size=(120, 40),
    options: dict[str, Any] | None = None,
    seed: bool = True,
    before: Callable[[KubeEmulator], None] | None = None,
    config: ConfigFile | None = None,
    wait: bool = True,
    real_crds: bool = False,
):
    emu = KubeEmulator(bookmark_interval=0.5)
    await emu.start(host="127.0.0.1", port=0)
    try:
        if real_crds:
            from tests.fixtures_kube import fixture_crds

            installed = set()
            for crd in fixture_crds():
                emu.install_crd(crd)
                installed.add(crd["metadata"]["name"])
            for crd in all_crds():  # the demo kinds the fixtures do not define
                if crd["metadata"]["name"] not in installed:
                    emu.install_crd(crd)
        else:
            for crd in all_crds():
                emu.install_crd(crd)
        if seed:
            load_objects(emu, seed_objects())
        if before is not None:
            before(emu)
        kubeconfig = write_kubeconfig(tmp_path / "kubeconfig", emu.url, context="sandbox", namespace="llm-prod")
        opts = {"kubeconfig": str(kubeconfig), **(options or {})}
        app = ConsoleApp(
            LaunchOptions(**opts),
            config or ConfigFile(path=tmp_path / "config.toml", exists=False),
            hub_interval=1 / 60,
            informer_options=FAST,
            retry_delay=0.2,
        )
        async with app.run_test(size=size) as pilot:
            if wait:
                await wait_for(
                    pilot,
                    lambda: app.kube is not None and app.screen.query("#table") and app.screen.table.row_count > 0,
                    what="the first table rows",
                )
            yield app, pilot, emu
    finally:
        await emu.stop()


def notices(app) -> str:
    """Every notification (toast) the app raised, newest last."""
    return "\n".join(n.message for n in app._notifications)  # noqa: SLF001
