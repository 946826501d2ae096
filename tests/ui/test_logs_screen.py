"""`l` opens an object's logs: Loki when configured (history then tail), the pod log API otherwise;
filter as you type, follow/pause, hostile lines neutralised, `:loki`."""

from __future__ import annotations

import time

from inference_console.sandbox.apiserver.podlog import pod_logs
from inference_console.sandbox.demo_logs import DemoLogs
from inference_console.sandbox.loki_server import LokiServer
from inference_console.settings.config_file import ConfigFile, ContextSettings
from inference_console.settings.endpoints import LokiSettings
from tests.ui.harness import demo_app, screen_text, wait_for


def log_screen(app):
    return app.screen if app.screen.__class__.__name__ == "LogScreen" else None


async def open_logs_of(app, pilot, kind: str, name: str) -> None:
    await pilot.press("colon", *kind, "enter")
    await wait_for(
        pilot,
        lambda: any(name in " ".join(r.cells) for r in app.screen.table.visible_rows),
        what=f"{name} in the table",
    )
    key = next(r.key for r in app.screen.table.visible_rows if name in " ".join(r.cells))
    app.screen.table.move_cursor_to_key(key)
    await pilot.press("l")
    await wait_for(pilot, lambda: log_screen(app) is not None, what="the log screen")


async def test_isvc_logs_through_loki_filter_follow_and_hostile_lines(tmp_path):
    loki = LokiServer()
    await loki.start()
    config = ConfigFile(
        path=tmp_path / "config.toml", exists=True, defaults=ContextSettings(loki=LokiSettings(url=loki.url))
    )
    try:
        writer: list[DemoLogs] = []

        def seed_logs(emu):
            writer.append(DemoLogs(emu, loki))
            writer[0].tick()  # model download/load lines for every running pod, back-dated

        async with demo_app(tmp_path, config=config, before=seed_logs) as (app, pilot, emu):
            await wait_for(
                pilot,
                lambda: "loki" in app.workspace.sources and app.workspace.sources["loki"].healthy,
                what="the Loki source",
            )
            await open_logs_of(app, pilot, "isvc", "qwen-chat")
            screen = log_screen(app)
            await wait_for(
                pilot, lambda: screen.session is not None and len(screen.session.buffer) > 5, what="history lines"
            )
            text = screen_text(app)
            assert "from Loki" in text and 'serving_kserve_io_inferenceservice="qwen-chat"' in text
            assert "Downloading model-00001-of-00004.safetensors" in text
            await wait_for(pilot, lambda: screen.session.buffer.facts.get("mode") == "tail (WebSocket)", what="tail")
            await wait_for(pilot, lambda: loki.tenants["fake"].tails, what="the server's tail")
            pod = next(p for p in emu.list("v1", "Pod") if p["metadata"]["name"].startswith("qwen-chat"))
            writer[0].emit(pod, "kserve-container", [(time.time_ns(), "evil \x1b]52;c;cm0gLXJm\x07 \u202eexe.txt")])
            await wait_for(pilot, lambda: "evil" in screen_text(app), what="the live line")
            text = screen_text(app)
            assert "\\x1b]52;c;cm0gLXJm\\x07" in text and "\\u202e" in text and "\x1b" not in text
            # Pause: new lines are counted, not scrolled in.
            await pilot.press("f")
            writer[0].emit(pod, "kserve-container", [(time.time_ns(), "while paused")])
            await wait_for(pilot, lambda: "+1 new" in screen_text(app), what="the paused count")
            cursor = screen.view.cursor
            assert screen.view.follow is False and screen.view.rows[cursor][2] != "while paused"
            await pilot.press("f")
            await wait_for(
                pilot, lambda: screen.view.rows[screen.view.cursor][2] == "while paused", what="follow again"
            )
            # Filter as you type.
            await pilot.press("slash", *"graph")
            await wait_for(
                pilot,
                lambda: "Graph capturing finished" in screen_text(app) and "Uvicorn running" not in screen_text(app),
                what="the filter",
            )
            assert "2 matches" in screen_text(app)
            await pilot.press("enter", "escape")
            await wait_for(pilot, lambda: "Uvicorn running" in screen_text(app), what="the filter cleared")
            await pilot.press("escape")
            await wait_for(pilot, lambda: log_screen(app) is None, what="back")
            assert not [k for k in app.workspace.stores if k.startswith("logs:")]  # the buffer went with the pane
            await pilot.press("colon", *"loki", "enter")
            await wait_for(
                pilot, lambda: "health (/ready)" in screen_text(app) and "200 ready" in screen_text(app), what=":loki"
            )
    finally:
        await loki.stop()


async def test_without_loki_the_pod_log_api_and_previous(tmp_path):
    def seed_logs(emu):
        emu_logs = pod_logs(emu)
        pod = next(p for p in emu.list("v1", "Pod") if p["metadata"]["name"].startswith("gemma-9b"))
        ns, name = pod["metadata"]["namespace"], pod["metadata"]["name"]
        emu_logs.write(ns, name, "kserve-container", "torch.OutOfMemoryError: CUDA out of memory.")
        emu_logs.restart(ns, name, "kserve-container")
        emu_logs.write(ns, name, "kserve-container", "INFO loading again")

    async with demo_app(tmp_path, before=seed_logs) as (app, pilot, emu):
        await open_logs_of(app, pilot, "isvc", "gemma-9b")
        screen = log_screen(app)
        await wait_for(pilot, lambda: "loading again" in screen_text(app), what="the current instance")
        assert "Kubernetes pod log API" in screen_text(app)
        await pilot.press("p")
        await wait_for(pilot, lambda: "CUDA out of memory" in screen_text(app), what="the previous instance")
        assert "previous instance" in screen_text(app)
        assert screen is not app.screen
