"""Text that does not fit (issue 8 §7): the Events tab keeps LAST SEEN and COUNT beside a long message,
one-line bars end in "…", and the whole reconnect reason is in the ? screen."""

from datetime import datetime, timezone

from inference_console.ui.help import binding_rows
from inference_console.widgets.key_help import KeyHelpScreen
from tests.ui.harness import demo_app, screen_text, wait_for

LONG = (
    "Back-off restarting failed container kserve-container in pod: the model server ran out of GPU memory "
    "while loading shards; " * 8
).strip()
REASON = (
    "Timeout (504): Timeout: Too large resource version: 2398, current: 254; relisting after the watch "
    "failed 7 times in a row, next attempt in 30 s (the server may have been restored from a backup)"
)


async def test_events_tab_keeps_last_seen_and_count_beside_a_long_message_at_120_columns(tmp_path):
    async with demo_app(tmp_path, size=(120, 40), options={"command": "pods"}) as (app, pilot, emu):
        await wait_for(pilot, lambda: app.screen.kind_key == "pods" and app.screen.table.row_count > 0)
        pod = next(p for p in emu.list("v1", "Pod", "llm-prod") if p["metadata"]["name"].startswith("gemma-9b"))
        now = datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
        emu.create(
            {
                "apiVersion": "v1",
                "kind": "Event",
                "metadata": {"name": "gemma-long.1", "namespace": "llm-prod"},
                "involvedObject": {
                    "kind": "Pod",
                    "name": pod["metadata"]["name"],
                    "namespace": "llm-prod",
                    "uid": pod["metadata"]["uid"],
                },
                "reason": "OOMKilling",
                "message": LONG,
                "type": "Warning",
                "count": 42,
                "firstTimestamp": now,
                "lastTimestamp": now,
            }
        )
        table = app.screen.table
        table.move_cursor_to_key(next(r.key for r in table.visible_rows if r.cells[0] == pod["metadata"]["name"]))
        await pilot.press("d", "3")
        await wait_for(pilot, lambda: "OOMKilling" in screen_text(app), what="the long event")
        lines = screen_text(app).splitlines()
        head = next(line for line in lines if "REASON" in line and "MESSAGE" in line)
        assert "LAST SEEN" in head and "COUNT" in head
        row = next(line for line in lines if "OOMKilling" in line)
        assert len(row.rstrip()) <= 120
        assert " 42 " in row  # the count is still shown
        assert "Back-off restarting" in row  # the message gets the rest of the line


async def test_a_long_reconnect_reason_ends_in_an_ellipsis_and_is_whole_in_help(tmp_path):
    async with demo_app(tmp_path, size=(120, 40)) as (app, pilot, emu):
        # A kind reconnecting with a long reason (an informer would set a real store's status
        # back at once): what the workspace reports, and a redraw as a status change triggers.
        kind = app.screen.kind_key
        app.workspace.problems = lambda: [(kind, REASON)]
        app.screen._render_header()  # noqa: SLF001
        await wait_for(pilot, lambda: "reconnecting" in screen_text(app).splitlines()[0], what="the header")
        header = screen_text(app).splitlines()[0]
        assert "… ? for all" in header  # the reason is cut with a sign and where to read it
        assert "Too large" in header
        connection = dict(binding_rows(app.screen))["Connection"]
        assert connection == [("InferenceService", f"reconnecting: {REASON}")]  # the whole reason
        await pilot.press("question_mark")
        await wait_for(pilot, lambda: isinstance(app.screen, KeyHelpScreen), what="the keys")
        text = screen_text(app)
        assert "Connection" in text and "reconnecting:" in text
        assert "from a backup)" in text and "next" in text  # wrapped in the box, to its last word
        await pilot.press("escape")
