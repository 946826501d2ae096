"""The main screen driven with Textual's pilot against the emulator over real HTTP."""

from inference_console.state.store import KindState
from tests.ui.harness import demo_app, screen_text, screen_words, wait_for

ISVC = "inferenceservices.serving.kserve.io"


def row_names(app):
    table = app.screen.table
    return [row.cells[0] for row in table.visible_rows]


async def test_first_screen_shows_header_sidebar_and_isvcs(tmp_path):
    async with demo_app(tmp_path) as (app, pilot, emu):
        await wait_for(pilot, lambda: "live" in screen_text(app), what="live state")
        text = screen_text(app)
        assert "sandbox" in text and "ns:llm-prod" in text and emu.url in text
        assert "InferenceServices(llm-prod)" in text
        for section in ("SERVING", "WORKLOADS", "CLUSTER"):
            assert section in text
        names = row_names(app)
        assert "gemma-9b" in names and "qwen-chat" in names
        assert all(n not in names for n in ("resnet50", "sklearn-iris"))  # other namespaces
        # gemma-9b is OOMKilled: its row is coloured as failing and the sidebar counts it.
        gemma = next(r for r in app.screen.table.visible_rows if r.cells[0] == "gemma-9b")
        assert gemma.style == "failed"
        # llama-70b's pod has waited 50 minutes for a GPU: past the grace period, it counts as failing too.
        await wait_for(pilot, lambda: "2!" in screen_text(app).split("\n")[2], what="failing count in sidebar")
        llama = next(r for r in app.screen.table.visible_rows if r.cells[0] == "llama-70b")
        assert llama.style == "failed" and "no node with a free nvidia.com/gpu" in llama.cells


async def test_command_line_jumps_between_kinds_with_completion(tmp_path):
    async with demo_app(tmp_path) as (app, pilot, emu):
        await pilot.press("colon", "p", "o", "d", "s", "enter")
        await wait_for(pilot, lambda: app.screen.kind_key == "pods" and app.screen.table.row_count > 0)
        assert "Pods(llm-prod)" in screen_text(app)
        await pilot.press("colon", "b", "d", "enter")
        await wait_for(pilot, lambda: app.screen.kind_key == "bentodeployments.serving.yatai.ai")
        await pilot.press("colon", "s", "t", "a", "c", "k", "enter")
        await wait_for(pilot, lambda: app.screen.kind_key == "inferencestacks.doublewordai.co")
        # Tab completes ":isv" to ":isvc".
        await pilot.press("colon", "i", "s", "v", "tab")
        assert app.screen.query_one("#prompt").value == "isvc"
        await pilot.press("enter")
        await wait_for(pilot, lambda: app.screen.kind_key == ISVC)
        # An unknown command explains itself and changes nothing.
        await pilot.press("colon", "f", "o", "o", "enter")
        assert "unknown command" in screen_text(app)
        assert app.screen.kind_key == ISVC


async def test_namespace_commands_and_all_namespaces(tmp_path):
    async with demo_app(tmp_path) as (app, pilot, emu):
        await pilot.press("colon", *"ns vision", "enter")
        await wait_for(pilot, lambda: sorted(row_names(app)) == ["resnet50", "yolo-detector"], what="vision isvcs")
        assert "ns:vision" in screen_text(app)
        await pilot.press("0")  # all namespaces
        await wait_for(pilot, lambda: app.screen.table.row_count == 13, what="all 13 isvcs")
        assert "NAMESPACE" in screen_text(app)
        assert "ns:all" in screen_text(app)


async def test_filter_substring_regex_and_labels(tmp_path):
    async with demo_app(tmp_path, options={"all_namespaces": True}) as (app, pilot, emu):
        await wait_for(pilot, lambda: app.screen.table.row_count == 13)
        await pilot.press("slash", *"llama")
        await wait_for(pilot, lambda: sorted(row_names(app)) == ["llama-70b", "llama-8b-registry", "llama3-8b"])
        await pilot.press("enter")
        assert "/llama" in screen_text(app)
        await pilot.press("escape")  # clears the filter
        await wait_for(pilot, lambda: app.screen.table.row_count == 13)
        await pilot.press("slash", *"^llama-[0-9]+b\\s", "enter")
        await wait_for(pilot, lambda: row_names(app) == ["llama-70b"])
        await pilot.press("escape")
        await pilot.press("colon", *"pods", "enter")
        await wait_for(pilot, lambda: app.screen.kind_key == "pods" and app.screen.table.row_count > 20)
        await pilot.press("slash", *"-l serving.kserve.io/inferenceservice=mistral-7b", "enter")
        await wait_for(pilot, lambda: 0 < app.screen.table.row_count < 5, what="mistral pods by label")
        assert all(name.startswith("mistral-7b") for name in row_names(app))
        # A bad regex is reported, the table keeps its rows.
        await pilot.press("slash", "ctrl+u", *"gemma[", "enter")
        assert "bad regular expression" in screen_text(app)


async def test_live_updates_keep_the_cursor_on_its_row(tmp_path):
    async with demo_app(tmp_path) as (app, pilot, emu):
        table = app.screen.table
        table.move_cursor_to_key(next(r.key for r in table.visible_rows if r.cells[0] == "qwen-chat"))
        key = table.cursor_key
        # New objects sorted before it, and a change to it, arrive through the watch.
        emu.create(
            {
                "apiVersion": "serving.kserve.io/v1beta1",
                "kind": "InferenceService",
                "metadata": {"name": "aaa-new", "namespace": "llm-prod"},
                "spec": {"predictor": {"model": {"modelFormat": {"name": "sklearn"}, "storageUri": "gs://b/m"}}},
            }
        )
        emu.patch(
            "serving.kserve.io/v1beta1",
            "InferenceService",
            "llm-prod",
            "qwen-chat",
            {"spec": {"predictor": {"model": {"modelFormat": {"name": "onnx"}}}}},
        )
        await wait_for(pilot, lambda: "aaa-new" in row_names(app), what="new row")
        await wait_for(pilot, lambda: "onnx" in table.get_row(key).cells, what="changed cell")
        assert table.cursor_key == key
        emu.delete("serving.kserve.io/v1beta1", "InferenceService", "llm-prod", "aaa-new")
        await wait_for(pilot, lambda: "aaa-new" not in row_names(app), what="deleted row")
        assert table.cursor_key == key


async def test_sort_keys(tmp_path):
    async with demo_app(tmp_path) as (app, pilot, emu):
        await pilot.press("o")  # sort by NAME
        assert row_names(app) == sorted(row_names(app))
        await pilot.press("O")
        assert row_names(app) == sorted(row_names(app), reverse=True)
        assert "sort: NAME▼" in screen_text(app)


async def test_detail_view_tabs(tmp_path):
    async with demo_app(tmp_path) as (app, pilot, emu):
        table = app.screen.table
        table.move_cursor_to_key(next(r.key for r in table.visible_rows if r.cells[0] == "gemma-9b"))
        await pilot.press("enter")
        await wait_for(pilot, lambda: app.screen.__class__.__name__ == "DetailScreen")
        text = screen_text(app)
        assert "InferenceService" in text and "llm-prod/gemma-9b" in text
        lines = text.splitlines()
        health_line = next(i for i, l in enumerate(lines) if "Health" in l)
        assert "failed" in lines[health_line] and "OOMKilled" in "\n".join(lines[health_line : health_line + 3])
        await pilot.press("2")
        await wait_for(pilot, lambda: "storageUri: hf://google/gemma-2-9b-it" in screen_text(app), what="YAML")
        await pilot.press("4")
        await wait_for(pilot, lambda: "Deployment gemma-9b-predictor" in screen_text(app), what="related tree")
        text = screen_text(app)
        assert "Pod gemma-9b-predictor" in text and "CrashLoopBackOff" in text
        await pilot.press("escape")
        await wait_for(pilot, lambda: app.screen.__class__.__name__ == "MainScreen")


async def test_events_tab_lists_the_objects_events(tmp_path):
    async with demo_app(tmp_path, options={"command": "pods"}) as (app, pilot, emu):
        await wait_for(pilot, lambda: app.screen.kind_key == "pods" and app.screen.table.row_count > 0)
        table = app.screen.table
        table.move_cursor_to_key(next(r.key for r in table.visible_rows if r.cells[0].startswith("gemma-9b")))
        await pilot.press("d", "3")
        await wait_for(pilot, lambda: "BackOff" in screen_text(app), what="pod events")
        assert "Warning" in screen_text(app)


async def test_secret_values_are_masked_in_yaml(tmp_path):
    async with demo_app(tmp_path, options={"command": "secrets", "all_namespaces": True}) as (app, pilot, emu):
        await wait_for(pilot, lambda: app.screen.kind_key == "secrets" and app.screen.table.row_count > 0)
        secret = emu.list("v1", "Secret")[0]
        raw_values = [v for v in (secret.get("data") or {}).values()]
        assert raw_values
        table = app.screen.table
        table.move_cursor_to_key(secret["metadata"]["uid"])
        await pilot.press("y")
        await wait_for(pilot, lambda: "********" in screen_text(app), what="masked data")
        assert not any(v in screen_text(app) for v in raw_values)
        await pilot.press("x")  # reveal on request
        await wait_for(pilot, lambda: raw_values[0][:20] in screen_text(app), what="revealed data")


async def test_escape_sequences_are_neutralised_on_screen(tmp_path):
    async with demo_app(tmp_path, options={"namespace": "tabular"}) as (app, pilot, emu):
        iris = emu.get("serving.kserve.io/v1beta1", "InferenceService", "tabular", "sklearn-iris")
        assert "\x1b" in iris["metadata"]["annotations"]["note"]
        table = app.screen.table
        table.move_cursor_to_key(iris["metadata"]["uid"])
        await pilot.press("enter")
        await wait_for(pilot, lambda: "\\x1b" in screen_text(app), what="visible escape")
        for page in ("1", "2"):
            await pilot.press(page)
            await pilot.pause(0.2)
            assert "\x1b" not in screen_text(app) and "\x07" not in screen_text(app)


async def test_help_lists_every_key_of_the_screen(tmp_path):
    async with demo_app(tmp_path) as (app, pilot, emu):
        await pilot.press("question_mark")
        await wait_for(pilot, lambda: app.screen.__class__.__name__ == "KeyHelpScreen")
        text = screen_text(app)
        for description in ("Command", "Filter", "Describe", "YAML", "All ns", "Sort", "Quit", "Command palette"):
            assert description in text
        await pilot.press("escape")
        await pilot.press("enter", "question_mark")
        await wait_for(pilot, lambda: app.screen.__class__.__name__ == "KeyHelpScreen")
        text = screen_text(app)
        for description in ("Back", "Summary", "Events", "Related"):
            assert description in text


async def test_command_palette_offers_the_same_commands(tmp_path):
    async with demo_app(tmp_path) as (app, pilot, emu):
        await pilot.press("ctrl+p")
        await pilot.pause(0.2)
        await pilot.press(*"Go to Pod")
        await pilot.pause(0.5)
        await pilot.press("enter")
        await wait_for(
            pilot,
            lambda: app.screen.__class__.__name__ == "MainScreen" and app.screen.kind_key == "pods",
            what="palette switched to pods",
        )


async def test_forbidden_kind_is_shown_and_the_rest_works(tmp_path):
    async with demo_app(tmp_path, before=lambda emu: emu.deny("pods")) as (app, pilot, emu):
        await wait_for(pilot, lambda: app.workspace.stores["pods"].status.state is KindState.FORBIDDEN)
        await wait_for(pilot, lambda: "403" in screen_text(app), what="403 in the sidebar")
        await pilot.press("colon", *"pods", "enter")
        await wait_for(pilot, lambda: "Forbidden" in screen_text(app), what="forbidden message")
        await pilot.press("colon", *"deploy", "enter")
        await wait_for(pilot, lambda: app.screen.table.row_count > 0, what="deployments still listed")


async def test_missing_crd_is_greyed_not_an_error(tmp_path):
    from inference_console.sandbox.apiserver import KubeEmulator  # noqa: F401

    async with demo_app(tmp_path, seed=False, wait=False) as (app, pilot, emu):
        await wait_for(pilot, lambda: app.kube is not None)
        # The demo CRDs are installed; remove InferenceStack's by using a kind that is absent: kubeflow's group.
        await pilot.press("colon", *"mr", "enter")
        await wait_for(pilot, lambda: app.screen.kind_key.startswith("modelregistries"))
        assert "Forbidden" not in screen_text(app) and "Traceback" not in screen_text(app)


async def test_unreachable_cluster_is_explained_in_place(tmp_path):
    import socket

    from inference_console.sandbox.apiserver import write_kubeconfig
    from inference_console.settings.config_file import ConfigFile
    from inference_console.settings.launch import LaunchOptions
    from inference_console.ui.app import ConsoleApp

    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    kc = write_kubeconfig(tmp_path / "kc", f"http://127.0.0.1:{port}", context="gone")
    app = ConsoleApp(LaunchOptions(kubeconfig=str(kc)), ConfigFile(tmp_path / "c.toml", False), retry_delay=5)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: "connection failed" in screen_text(app), what="connection error")
        assert "retrying" in screen_text(app)
        await pilot.press("question_mark")  # the rest of the app still works
        await wait_for(pilot, lambda: app.screen.__class__.__name__ == "KeyHelpScreen")


async def test_malformed_kubeconfig_is_explained_in_place(tmp_path):
    from inference_console.settings.config_file import ConfigFile
    from inference_console.settings.launch import LaunchOptions
    from inference_console.ui.app import ConsoleApp

    kc = tmp_path / "kc"
    kc.write_text("clusters: [ {name: x\n")
    app = ConsoleApp(LaunchOptions(kubeconfig=str(kc)), ConfigFile(tmp_path / "c.toml", False))
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: "not valid YAML" in screen_words(app), what="kubeconfig error")
        assert "kc:2:1" in screen_words(app)
        assert "Traceback" not in screen_text(app)


async def test_readonly_badge(tmp_path):
    async with demo_app(tmp_path, options={"readonly": True}) as (app, pilot, emu):
        assert "READONLY" in screen_text(app)
    from inference_console.settings.config_file import ConfigFile, ContextSettings

    cfg = ConfigFile(tmp_path / "c.toml", True, contexts={"sandbox": ContextSettings(readonly=True)})
    async with demo_app(tmp_path, config=cfg) as (app, pilot, emu):
        await wait_for(pilot, lambda: "READONLY" in screen_text(app), what="readonly from the config file")


async def test_huge_objects_do_not_break_the_table(tmp_path):
    async with demo_app(tmp_path, options={"namespace": "tabular"}) as (app, pilot, emu):
        fraud = emu.get("serving.kserve.io/v1beta1", "InferenceService", "tabular", "xgboost-fraud")
        assert len(str(fraud["metadata"]["annotations"])) > 90_000
        app.screen.table.move_cursor_to_key(fraud["metadata"]["uid"])
        await pilot.press("enter", "2")
        await wait_for(pilot, lambda: "xgboost-fraud" in screen_text(app))
        await pilot.pause(0.3)
        assert app.screen.__class__.__name__ == "DetailScreen"


async def test_context_switch_reconnects(tmp_path):
    from inference_console.sandbox.apiserver import write_kubeconfig

    def second_context(emu):
        write_kubeconfig(
            tmp_path / "second", emu.url, context="vision-team", cluster="c2", user="u2", namespace="vision"
        )

    async with demo_app(tmp_path, before=second_context) as (app, pilot, emu):
        app.options = app.options.__class__(
            **{**app.options.__dict__, "kubeconfig": f"{app.options.kubeconfig}:{tmp_path / 'second'}"}
        )
        await pilot.press("colon", *"ctx nope", "enter")
        assert "no context 'nope'" in screen_text(app)
        # The session was opened from one file; reconnecting reads both.
        app.connect("vision-team")
        await wait_for(
            pilot, lambda: app.kube is not None and app.kube.info.context == "vision-team", what="the new context"
        )
        await wait_for(pilot, lambda: sorted(row_names(app)) == ["resnet50", "yolo-detector"], what="vision isvcs")
        assert "ctx:vision-team" in screen_text(app) and "ns:vision" in screen_text(app)
        await pilot.press("colon", *"ctx sandbox", "enter")
        await wait_for(pilot, lambda: app.kube is not None and app.kube.info.context == "sandbox")
        await wait_for(pilot, lambda: "qwen-chat" in row_names(app), what="back to llm-prod")


async def test_secret_last_applied_annotation_is_masked_in_summary(tmp_path):
    import json

    leaked = "c3VwZXItc2VjcmV0LXRva2Vu"  # what kubectl apply copies into the annotation

    def add_secret(emu):
        body = {
            "apiVersion": "v1",
            "kind": "Secret",
            "metadata": {"name": "applied-token", "namespace": "llm-prod"},
            "type": "Opaque",
            "data": {"token": leaked},
        }
        emu.create(
            {
                **body,
                "metadata": {
                    **body["metadata"],
                    "annotations": {"kubectl.kubernetes.io/last-applied-configuration": json.dumps(body), "team": "ml"},
                },
            }
        )

    async with demo_app(tmp_path, options={"command": "secrets"}, before=add_secret) as (app, pilot, emu):
        await wait_for(pilot, lambda: app.screen.kind_key == "secrets" and app.screen.table.row_count > 0)
        secret = emu.get("v1", "Secret", "llm-prod", "applied-token")
        app.screen.table.move_cursor_to_key(secret["metadata"]["uid"])
        await pilot.press("d")
        await wait_for(pilot, lambda: "team=ml" in screen_text(app), what="the summary annotations")
        assert leaked not in screen_text(app)
        assert "last-applied-configuration=********" in screen_text(app)


async def test_two_quick_namespace_switches_end_in_the_last_one(tmp_path):
    async with demo_app(tmp_path) as (app, pilot, emu):
        app.screen.run_command("ns vision")
        await pilot.pause(0)  # the first switch is under way (stopping informers)...
        app.screen.run_command("ns llm-staging")  # ...when the second one starts
        await wait_for(
            pilot,
            lambda: app.kube.namespace == "llm-staging" and not app.screen.workers._workers,
            what="the switches to finish",
        )
        await pilot.pause(0.3)
        assert app.is_running and app.return_code is None
        session = app.kube
        for key, informer in session._informers.items():  # noqa: SLF001
            if session.specs[key].namespaced:
                assert informer.namespace == "llm-staging", key
                assert informer.running, key
        assert all(session.informer(k) is not None for k in session._pinned if session.installed(k))  # noqa: SLF001
        expected = sorted(
            o["metadata"]["name"] for o in emu.list("serving.kserve.io/v1beta1", "InferenceService", "llm-staging")
        )
        assert len(expected) == 4
        await wait_for(pilot, lambda: sorted(row_names(app)) == expected, what="llm-staging isvcs")


async def test_reconnecting_twice_quickly_closes_every_transport(tmp_path, monkeypatch):
    from inference_console.sources.kube.transport import Transport

    opened, closed = [], []
    real_init, real_close = Transport.__init__, Transport.close

    def init(self, *args, **kwargs):
        real_init(self, *args, **kwargs)
        opened.append(self)

    async def close(self):
        closed.append(self)
        await real_close(self)

    monkeypatch.setattr(Transport, "__init__", init)
    monkeypatch.setattr(Transport, "close", close)
    async with demo_app(tmp_path) as (app, pilot, emu):
        emu.set_latency(0.3)  # discovery takes a while...
        app.connect("sandbox")
        await wait_for(pilot, lambda: len(opened) == 2, what="the first reconnect under way")
        await pilot.pause(0.1)
        app.connect("sandbox")  # ...and is replaced before it finishes
        await wait_for(
            pilot, lambda: app.connection_state == "ready" and len(opened) == 3, timeout=15, what="the second reconnect"
        )
        emu.set_latency(0)
        await pilot.pause(0.2)
        assert app.kube.transport is opened[-1]
        leaked = [t for t in opened[:-1] if t not in closed]
        assert not leaked, f"{len(leaked)} transport(s) left open"
