"""SVG snapshots of the main screens at 80x24 and 120x40 (pytest-textual-snapshot).

The app runs against the demo sandbox (the emulator in its background thread, no
simulated controller) on a fixed loopback port, so the header is stable.  Update
after a deliberate change with ``pytest tests/ui/test_snapshots.py --snapshot-update``
and look at the report.
"""

import pytest

from inference_console.sandbox.runner import Sandbox
from inference_console.settings.config_file import ConfigFile
from inference_console.settings.launch import LaunchOptions
from inference_console.ui.app import ConsoleApp

SNAPSHOT_PORT = 47621  # fixed so that the server URL in the header is the same every run


@pytest.fixture(scope="module")
def sandbox():
    sb = Sandbox(controller=False, host="127.0.0.1", port=SNAPSHOT_PORT)
    sb.start()
    yield sb
    sb.stop()


def make_app(sandbox, tmp_path, **options):
    kubeconfig = sandbox.write_kubeconfig(tmp_path / "kubeconfig")
    return ConsoleApp(
        LaunchOptions(kubeconfig=str(kubeconfig), **options),
        ConfigFile(tmp_path / "c.toml", False),
        hub_interval=1 / 60,
    )


def loaded(kind: str | None = None, rows: int = 1):
    async def wait(pilot) -> None:
        app = pilot.app
        for _ in range(400):
            screen = app.screen
            ready = (
                app.kube is not None
                and hasattr(screen, "table")
                and screen.table.row_count >= rows
                and (kind is None or screen.kind_key == kind)
                and all(
                    s.loaded or s.status.state.value in ("not installed", "idle") for s in app.workspace.stores.values()
                )
            )
            if ready:
                break
            await pilot.pause(0.025)
        else:
            raise AssertionError("the table did not load")
        await pilot.pause(0.2)

    return wait


def select(name: str):
    async def run(pilot) -> None:
        await loaded()(pilot)
        table = pilot.app.screen.table
        key = next(r.key for r in table.visible_rows if r.cells[0] == name)
        table.move_cursor_to_key(key)
        await pilot.pause()

    return run


def test_main_isvc_80x24(snap_compare, sandbox, tmp_path):
    assert snap_compare(make_app(sandbox, tmp_path), terminal_size=(80, 24), run_before=loaded())


def test_main_isvc_all_namespaces_120x40(snap_compare, sandbox, tmp_path):
    app = make_app(sandbox, tmp_path, all_namespaces=True)
    assert snap_compare(app, terminal_size=(120, 40), run_before=loaded(rows=13))


def test_main_deployments_120x40(snap_compare, sandbox, tmp_path):
    app = make_app(sandbox, tmp_path, command="deploy", all_namespaces=True)
    assert snap_compare(app, terminal_size=(120, 40), run_before=loaded("deployments", rows=10))


def test_filter_80x24(snap_compare, sandbox, tmp_path):
    app = make_app(sandbox, tmp_path, all_namespaces=True)
    assert snap_compare(app, terminal_size=(80, 24), run_before=loaded(rows=13), press=["slash", *"llama", "enter"])


def test_detail_summary_120x40(snap_compare, sandbox, tmp_path):
    assert snap_compare(
        make_app(sandbox, tmp_path), terminal_size=(120, 40), run_before=select("gemma-9b"), press=["enter", "_"]
    )


def test_detail_related_120x40(snap_compare, sandbox, tmp_path):
    assert snap_compare(
        make_app(sandbox, tmp_path), terminal_size=(120, 40), run_before=select("qwen-chat"), press=["enter", "4", "_"]
    )


def test_help_80x24(snap_compare, sandbox, tmp_path):
    assert snap_compare(
        make_app(sandbox, tmp_path), terminal_size=(80, 24), run_before=loaded(), press=["question_mark"]
    )
