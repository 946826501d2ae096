"""`l` opens an object's logs: Loki when configured (history then tail), the pod log API otherwise;
filter as you type, follow/pause, hostile lines neutralised, `:loki`."""

from __future__ import annotations

import time

from inference_console.sandbox.apiserver.podlog import pod_logs
from inference_console.sandbox.demo_logs import DemoLogs
from inference_console.sandbox.loki_server import LokiServer
from inference_console.settings.config_file import ConfigFile, ContextSettings
from inference_console.settings.endpoints import LokiSettings
from tests.ui.harness import demo_app, notices, screen_text, wait_for


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


async def choose_stack_part(app, pilot, key: str) -> None:
    await wait_for(pilot, lambda: app.screen.__class__.__name__ == "ChoiceScreen", what="the part chooser")
    await pilot.press(key)
    await wait_for(pilot, lambda: log_screen(app) is not None, what="the log screen")


async def test_stack_logs_of_one_reader_then_the_gateway_through_loki(tmp_path):
    loki = LokiServer()
    await loki.start()
    config = ConfigFile(
        path=tmp_path / "config.toml", exists=True, defaults=ContextSettings(loki=LokiSettings(url=loki.url))
    )
    try:

        def seed_logs(emu):
            DemoLogs(emu, loki).tick()  # start-up lines of every running pod, the stack's included

        async with demo_app(tmp_path, config=config, before=seed_logs) as (app, pilot, emu):
            await wait_for(
                pilot,
                lambda: "loki" in app.workspace.sources and app.workspace.sources["loki"].healthy,
                what="the Loki source",
            )
            await pilot.press("0")  # all namespaces: the stacks are in takeoff
            await pilot.press("colon", *"stack", "enter")
            await wait_for(
                pilot,
                lambda: any("chat-stack" in " ".join(r.cells) for r in app.screen.table.visible_rows),
                what="chat-stack",
            )
            key = next(r.key for r in app.screen.table.visible_rows if "chat-stack" in " ".join(r.cells))
            app.screen.table.move_cursor_to_key(key)
            await pilot.press("l")
            await wait_for(pilot, lambda: app.screen.__class__.__name__ == "ChoiceScreen", what="the chooser")
            text = screen_text(app)
            assert "a  all pods (the gateway and every reader)" in text and "g  the gateway" in text
            assert "1  reader embedder (BAAI/bge-small-en-v1.5, group embed)" in text
            assert "2  reader llama-reader (meta-llama/Llama-3.1-8B-Instruct, group primary)" in text
            await choose_stack_part(app, pilot, "2")
            screen = log_screen(app)
            await wait_for(
                pilot, lambda: screen.session is not None and len(screen.session.buffer) > 3, what="reader lines"
            )
            facts = screen.session.buffer.facts
            assert 'app_kubernetes_io_component="application-llama-reader"' in facts["query"]
            assert 'app_kubernetes_io_instance="chat-stack"' in facts["query"]
            pods = {o.pod for o in screen.session.buffer.origins}
            assert pods and all("-llama-reader-" in p for p in pods)
            assert "InferenceStack takeoff/chat-stack reader llama-reader" in screen_text(app)
            assert "chat-stack reader llama-reader  (R: another part)  from Loki" in screen_text(app)
            # R: another part, in the same pane.
            await pilot.press("R")
            await wait_for(pilot, lambda: app.screen.__class__.__name__ == "ChoiceScreen", what="the chooser again")
            await pilot.press("g")
            await wait_for(
                pilot,
                lambda: (
                    screen.session is not None
                    and 'app_kubernetes_io_component="gateway"' in screen.session.buffer.facts.get("query", "")
                    and len(screen.session.buffer) > 0
                ),
                what="the gateway's lines",
            )
            assert all("-gateway-" in o.pod for o in screen.session.buffer.origins)
            assert "chat-stack gateway" in screen_text(app)
    finally:
        await loki.stop()


async def test_stack_reader_through_the_pod_log_api(tmp_path):
    async with demo_app(tmp_path) as (app, pilot, emu):
        await pilot.press("0")
        await pilot.press("colon", *"stack", "enter")
        await wait_for(
            pilot,
            lambda: any("chat-stack" in " ".join(r.cells) for r in app.screen.table.visible_rows),
            what="chat-stack",
        )
        key = next(r.key for r in app.screen.table.visible_rows if "chat-stack" in " ".join(r.cells))
        app.screen.table.move_cursor_to_key(key)
        await pilot.press("l")
        await choose_stack_part(app, pilot, "1")
        screen = log_screen(app)
        await wait_for(
            pilot,
            lambda: screen.session is not None and screen.session.buffer.facts.get("pods", "none") != "none",
            what="the reader's pods",
        )
        followed = screen.session.buffer.facts["pods"].split(", ")
        embedder = [p["metadata"]["name"] for p in emu.list("v1", "Pod") if "-embedder-" in p["metadata"]["name"]]
        assert followed == sorted(embedder) and "Kubernetes pod log API" in screen_text(app)
        assert screen.target.containers == ("chat-stack-inference-stack-embedder",)


async def test_loki_outage_under_the_pane_retry_key_and_the_pod_log_api(tmp_path):
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    loki = LokiServer()
    await loki.start(port=port)
    config = ConfigFile(
        path=tmp_path / "config.toml", exists=True, defaults=ContextSettings(loki=LokiSettings(url=loki.url))
    )
    writer: list[DemoLogs] = []
    try:

        def seed_logs(emu):
            writer.append(DemoLogs(emu, loki))
            writer[0].tick()

        async with demo_app(tmp_path, config=config, before=seed_logs) as (app, pilot, emu):
            await wait_for(
                pilot,
                lambda: "loki" in app.workspace.sources and app.workspace.sources["loki"].healthy,
                what="the Loki source",
            )
            await open_logs_of(app, pilot, "isvc", "qwen-chat")
            screen = log_screen(app)
            await wait_for(pilot, lambda: loki.tenants["fake"].tails, what="the tail")
            await loki.stop()
            await wait_for(pilot, lambda: "Loki unreachable" in screen_text(app), what="the outage on screen")
            assert "r retry now · o read the pod log API" in screen_text(app)
            loki = LokiServer()
            await loki.start(port=port)
            writer[0].loki = loki
            await pilot.press("r")
            await wait_for(pilot, lambda: loki.tenants["fake"].tails, what="the tail on the restarted Loki")
            pod = next(p for p in emu.list("v1", "Pod") if p["metadata"]["name"].startswith("qwen-chat"))
            writer[0].emit(pod, "kserve-container", [(time.time_ns(), "back after the outage")])
            await wait_for(pilot, lambda: "back after the outage" in screen_text(app), what="a line after retry")
            await wait_for(
                pilot,
                lambda: "Loki unreachable" not in screen_text(app) and "retry now" not in screen_text(app),
                what="the outage gone from the status line",
            )
            # Loki refusing the tenant: a stopped state; o reads the pod log API instead.
            loki.allowed_tenants = {"someone-else"}
            await loki.drop_tails()
            await wait_for(pilot, lambda: "Loki refused the tenant (401)" in screen_text(app), what="the refusal")
            assert "r retry now · o read the pod log API" in screen_text(app)
            await pilot.press("o")
            await wait_for(
                pilot,
                lambda: (
                    screen.session is not None and screen.session.buffer.facts.get("source") == "Kubernetes pod log API"
                ),
                what="the pod log API",
            )
            await wait_for(pilot, lambda: "from Kubernetes pod log API" in screen_text(app), what="the header")
    finally:
        await loki.stop()


def drawn_selected(view) -> set[str]:
    """The lines the log view draws in reverse video (the cursor's and the selection's), from its strips."""
    from textual.geometry import Region

    strips = view.render_lines(Region(0, 0, view.size.width, view.size.height))
    found = set()
    for strip in strips:
        text = "".join(segment.text for segment in strip)
        if any(segment.style is not None and segment.style.reverse for segment in strip) and "numbered" in text:
            found.add(text[text.index("numbered") :].rstrip())
    return found


async def test_select_a_range_then_save_and_copy_only_it(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)

    def seed_logs(emu):
        logs = pod_logs(emu)
        pod = next(p for p in emu.list("v1", "Pod") if p["metadata"]["name"].startswith("qwen-chat"))
        ns, name = pod["metadata"]["namespace"], pod["metadata"]["name"]
        base = time.time_ns() - 60_000_000_000
        for i in range(10):
            logs.write(ns, name, "kserve-container", f"numbered line {i}", base + i * 1_000_000)

    async with demo_app(tmp_path, before=seed_logs) as (app, pilot, emu):
        await open_logs_of(app, pilot, "isvc", "qwen-chat")
        screen = log_screen(app)
        await wait_for(pilot, lambda: "numbered line 9" in screen_text(app), what="the lines")
        await pilot.press("k", "k")  # the cursor on line 7
        await pilot.press("V", "k", "k")  # select 5..7
        await wait_for(pilot, lambda: "3 lines selected (s saves · c copies · Esc clears)" in screen_text(app))
        assert drawn_selected(screen.view) == {f"numbered line {i}" for i in (5, 6, 7)}
        await pilot.press("s")
        saved = list(tmp_path.glob("logs-*.log"))
        assert len(saved) == 1
        assert [line.split(" ", 2)[-1] for line in saved[0].read_text().splitlines()] == [
            f"numbered line {i}" for i in (5, 6, 7)
        ]
        assert saved[0].read_text().splitlines()[0].split()[-3:] == ["numbered", "line", "5"]
        await pilot.press("c")
        assert app.clipboard == "numbered line 5\nnumbered line 6\nnumbered line 7"
        # A filter keeps the same lines selected, where the rows it shows have them.
        await pilot.press("slash", *"line", "space", *"[3-9]", "enter")
        await wait_for(
            pilot, lambda: screen.rows.matches is not None and len(screen.rows) == 7, what="the filter's matches"
        )
        selected = screen.view.selection
        assert selected == (2, 4) and [screen.rows[i][2] for i in range(selected[0], selected[1] + 1)] == [
            f"numbered line {i}" for i in (5, 6, 7)
        ]
        assert "3 lines selected" in screen_text(app)
        # shift+down narrows it from the cursor's end; Esc ends the selection, then s saves every line.
        await pilot.press("shift+down")
        await wait_for(pilot, lambda: "2 lines selected" in screen_text(app))
        assert drawn_selected(screen.view) == {f"numbered line {i}" for i in (6, 7)}
        await pilot.press("escape")
        await wait_for(pilot, lambda: "selected" not in screen_text(app), what="no selection")
        assert log_screen(app) is screen  # the first Esc only ended the selection
        for old in saved:
            old.unlink()
        await pilot.press("s")
        saved = list(tmp_path.glob("logs-*.log"))
        assert len(saved) == 1 and len(saved[0].read_text().splitlines()) == len(screen.rows) == 7  # the matches
        assert "saved 7 matching lines" in notices(app)
        await pilot.press("c")
        assert app.clipboard == screen.rows[screen.view.cursor][2]


async def test_metrics_split_under_the_logs_of_an_inferenceservice(tmp_path):
    """M in the log pane charts the object's metrics under its logs (the detail's Metrics tab),
    the log pane keeps the keys; M again closes the charts and their queries stop."""
    from inference_console.sandbox.prometheus_server import DemoPrometheus, demo_series
    from inference_console.sandbox.scenario import seed_objects
    from inference_console.settings.endpoints import PrometheusSettings
    from inference_console.widgets.chart import Chart

    prom = DemoPrometheus(demo_series(seed_objects()))
    url = await prom.start()
    config = ConfigFile(
        path=tmp_path / "config.toml",
        exists=True,
        defaults=ContextSettings(prometheus=PrometheusSettings(url=url, interval=0.5)),
    )
    try:
        async with demo_app(tmp_path, size=(120, 40), config=config) as (app, pilot, emu):
            await wait_for(pilot, lambda: "prometheus" in app.workspace.sources, what="the prometheus source")
            source = app.workspace.sources["prometheus"]
            await open_logs_of(app, pilot, "isvc", "mistral-7b")
            screen = log_screen(app)
            assert not source.panes
            await pilot.press("M")
            await wait_for(pilot, lambda: len(source.panes) == 1, what="the metrics pane's queries")
            chart = screen.query_one(Chart)
            await wait_for(pilot, lambda: chart.paints > 0 and "Latency" in screen_text(app), what="charts")
            pane = next(iter(source.panes.values()))
            assert len(pane.target["pods"]) == 3  # the canary's both revisions, as in the detail's tab
            assert screen.focused is screen.view  # the log pane keeps the keys
            await pilot.press("f")  # a log key still works with the charts open
            assert not screen.view.follow
            await pilot.press("M")
            await wait_for(pilot, lambda: not source.panes, what="the pane closed")
            assert not screen.query("#metrics-pane")
    finally:
        await prom.stop()
