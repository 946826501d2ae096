"""The first frame in a terminal is the light start screen (issue 10): the header and
"Connecting…"; the main screen takes over right after it painted, and keys pressed before
then reach the main screen, in the order they were pressed.  Against the emulator on
loopback, seeded with the demo cluster."""

from __future__ import annotations

from inference_console.sandbox.apiserver import KubeEmulator, write_kubeconfig
from inference_console.sandbox.crds import all_crds
from inference_console.sandbox.runner import load_objects
from inference_console.sandbox.scenario import seed_objects
from inference_console.settings.config_file import ConfigFile
from inference_console.settings.launch import LaunchOptions
from inference_console.ui.app import ConsoleApp
from inference_console.ui.screens.start import StartScreen
from tests.ui.harness import screen_text, wait_for


class HeldApp(ConsoleApp):
    """The step after the first frame waits until the test lets it run."""

    held = False

    async def _after_first_frame(self) -> None:
        self.held = True

    def release(self) -> None:
        self.call_later(ConsoleApp._after_first_frame, self)


async def _emulator(tmp_path):
    emu = KubeEmulator(bookmark_interval=0.5)
    await emu.start(host="127.0.0.1", port=0)
    for crd in all_crds():
        emu.install_crd(crd)
    load_objects(emu, seed_objects())
    kubeconfig = write_kubeconfig(tmp_path / "kubeconfig", emu.url, context="sandbox", namespace="llm-prod")
    return emu, str(kubeconfig)


def _app(cls, kubeconfig, tmp_path, **kwargs):
    return cls(LaunchOptions(kubeconfig=kubeconfig), ConfigFile(tmp_path / "c.toml", False), **kwargs)


async def test_keys_pressed_on_the_start_screen_reach_the_main_screen_in_order(tmp_path):
    emu, kubeconfig = await _emulator(tmp_path)
    app = _app(HeldApp, kubeconfig, tmp_path, start_screen=True)
    try:
        async with app.run_test(size=(100, 30)) as pilot:
            await wait_for(pilot, lambda: app.held, what="the first frame")
            assert isinstance(app.screen, StartScreen)
            text = screen_text(app)
            assert "ctx:" in text and "connecting" in text and "Connecting…" in text, text
            # A filter typed at once: in another order its letters would be keys of the table
            # (g: top, e: edit, m: model, a: add a reader).
            await pilot.press("slash", *"gemma", "enter")
            assert [k.key for k in app._early_keys] == ["slash", "g", "e", "m", "m", "a", "enter"]  # noqa: SLF001
            assert isinstance(app.screen, StartScreen) and app.kube is None  # nothing ran yet
            app.release()
            await wait_for(
                pilot,
                lambda: app.screen.__class__.__name__ == "MainScreen" and app.screen.table.row_count > 0,
                timeout=20,
                what="the first rows",
            )
            names = [r.cells[0] for r in app.screen.table.visible_rows]
            assert names and all("gemma" in name for name in names), names
            assert app.screen.__class__.__name__ == "MainScreen" and not app.screen.prompt_mode  # no editor, no form
            assert app._early_keys is None  # noqa: SLF001 - keys go straight to the screens now
            await pilot.press("question_mark")
            await wait_for(pilot, lambda: app.screen.__class__.__name__ == "KeyHelpScreen", what="the keys")
    finally:
        await emu.stop()


async def test_headless_the_main_screen_is_the_first(tmp_path):
    emu, kubeconfig = await _emulator(tmp_path)
    app = _app(ConsoleApp, kubeconfig, tmp_path)
    try:
        async with app.run_test(size=(100, 30)) as pilot:
            assert app.screen.__class__.__name__ == "MainScreen"  # nobody sees a first frame here
            await wait_for(pilot, lambda: app.screen.table.row_count > 0, timeout=20, what="the first rows")
    finally:
        await emu.stop()


async def test_the_other_sources_start_after_the_first_rows(tmp_path):
    """The action layer and the other sources (contexts, metrics, logs, registries) wait for the
    shown kind's first rows; a mutation asked for before then still finds the action layer."""
    emu, kubeconfig = await _emulator(tmp_path)
    app = _app(ConsoleApp, kubeconfig, tmp_path, hub_interval=1 / 60)
    started: dict[str, int] = {}  # source name -> table rows when it was started
    start_source = app.workspace.start_source

    async def recorded(source) -> None:
        started[source.name] = app.screen.table.row_count
        await start_source(source)

    app.workspace.start_source = recorded
    try:
        async with app.run_test(size=(100, 30)) as pilot:
            await wait_for(pilot, lambda: app.kube is not None, timeout=20, what="the cluster")
            assert app.actions is not None and app.recovery is not None  # wired on first use, if not yet
            await wait_for(pilot, lambda: "contexts" in app.workspace.views, timeout=20, what="the contexts source")
            assert started.pop("kube") == 0 and started, started
            assert all(rows > 0 for rows in started.values()), started  # the rows came first
    finally:
        await emu.stop()
