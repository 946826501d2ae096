"""`e`: editing whole objects through the Kubernetes API, driven with the pilot."""

import asyncio
import contextlib
import json
import stat
import sys
import textwrap

import pytest

from inference_console.actions.types import ObjectRef
from tests.ui.harness import demo_app, notices, screen_text, wait_for

ISVC_API = "serving.kserve.io/v1beta1"


@pytest.fixture(autouse=True)
def isolated_state(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    monkeypatch.delenv("VISUAL", raising=False)
    monkeypatch.delenv("EDITOR", raising=False)


def select(app, name):
    table = app.screen.table
    table.move_cursor_to_key(next(r.key for r in table.visible_rows if r.cells[0] == name))


def screen_name(app):
    return app.screen.__class__.__name__


async def open_editor(app, pilot, name):
    select(app, name)
    await pilot.press("e")
    await wait_for(pilot, lambda: screen_name(app) == "EditorScreen", what="the editor")
    return app.screen.query_one("#editor-text")


def replace_in_editor(area, old, new):
    assert old in area.text, f"{old!r} not in the editor text"
    area.load_text(area.text.replace(old, new, 1))


def mutating(emu):
    """Requests that can change something (the RBAC self reviews, POSTs that store nothing, are not)."""
    return sum(
        1 for r in emu.requests if r.method in ("POST", "PUT", "PATCH", "DELETE") and "/selfsubject" not in r.path
    )


def isvc(emu, name, ns="llm-prod"):
    return emu.get(ISVC_API, "InferenceService", ns, name)


async def test_edit_review_apply_and_see_it_in_the_table(tmp_path):
    async with demo_app(tmp_path, real_crds=True) as (app, pilot, emu):
        area = await open_editor(app, pilot, "qwen-chat")
        body = "\n".join(l for l in area.text.splitlines() if not l.startswith("#"))
        assert "managedFields" not in body and "resourceVersion" not in body
        assert "status:" not in body and "uid:" not in body
        replace_in_editor(area, "huggingface", "onnx")
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: screen_name(app) == "ReviewScreen", what="review")
        await wait_for(pilot, lambda: "dry run accepted" in screen_text(app), what="dry run")
        text = screen_text(app)
        assert "-      name: huggingface" in text.replace("  ", " ").replace(" -", "-") or "+" in text
        assert "PATCH InferenceService llm-prod/qwen-chat" in text and "json-patch+json" in text
        before = mutating(emu)
        await pilot.press("y")
        await wait_for(
            pilot,
            lambda: isvc(emu, "qwen-chat")["spec"]["predictor"]["model"]["modelFormat"]["name"] == "onnx",
            what="the change on the server",
        )
        assert mutating(emu) == before + 1
        row = next(r for r in app.screen.table.visible_rows if r.cells[0] == "qwen-chat")
        await wait_for(pilot, lambda: "onnx" in app.screen.table.get_row(row.key).cells, what="the change in the table")
        # The status the controller wrote is untouched; the audit log has the entry.
        assert isvc(emu, "qwen-chat")["status"]["url"]
        entries = [json.loads(l) for l in (tmp_path / "state/inference-console/audit.jsonl").read_text().splitlines()]
        assert entries[-1]["verb"] == "patch" and entries[-1]["result"] == "ok"
        assert entries[-1]["object"]["name"] == "qwen-chat" and entries[-1]["user"] == "sandbox"


async def test_yaml_error_shows_line_and_column_and_the_edit_is_kept(tmp_path):
    async with demo_app(tmp_path) as (app, pilot, emu):
        area = await open_editor(app, pilot, "qwen-chat")
        replace_in_editor(area, "spec:", "spec: [unclosed")
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: screen_name(app) == "ChoiceScreen", what="the error")
        assert "YAML error at line" in screen_text(app) and "column" in screen_text(app)
        await pilot.press("e")  # edit again: the editor comes back with the text and the error
        await wait_for(pilot, lambda: screen_name(app) == "EditorScreen")
        assert "[unclosed" in app.screen.query_one("#editor-text").text
        assert "line" in screen_text(app)
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: screen_name(app) == "ChoiceScreen")
        await pilot.press("k")  # keep it for later
        await wait_for(pilot, lambda: screen_name(app) == "MainScreen")
        ref = ObjectRef(
            "serving.kserve.io", "v1beta1", "inferenceservices", "InferenceService", True, "llm-prod", "qwen-chat"
        )
        kept = app.recovery.load(ref)
        assert kept is not None and "[unclosed" in kept.text
        assert str(kept.path).startswith(str(tmp_path / "state"))
        # Next time the kept edit is offered.
        await pilot.press("e")
        await wait_for(pilot, lambda: screen_name(app) == "ChoiceScreen")
        assert "kept" in screen_text(app)
        await pilot.press("u")
        await wait_for(pilot, lambda: screen_name(app) == "EditorScreen")
        assert "[unclosed" in app.screen.query_one("#editor-text").text


async def test_schema_errors_are_listed_by_field_before_sending(tmp_path):
    async with demo_app(tmp_path, real_crds=True) as (app, pilot, emu):
        before = mutating(emu)
        area = await open_editor(app, pilot, "qwen-chat")
        replace_in_editor(area, "maxReplicas: 3", "maxReplicas: three\n    bogusField: 1")
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: screen_name(app) == "ChoiceScreen", what="schema problems")
        text = screen_text(app)
        assert "spec.predictor.maxReplicas" in text and "expected integer" in text
        assert "spec.predictor.bogusField" in text and "unknown field" in text
        assert mutating(emu) == before  # nothing was sent


async def test_changing_the_name_is_refused(tmp_path):
    async with demo_app(tmp_path) as (app, pilot, emu):
        area = await open_editor(app, pilot, "qwen-chat")
        replace_in_editor(area, "name: qwen-chat", "name: qwen-other")
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: screen_name(app) == "ChoiceScreen")
        assert "metadata.name" in screen_text(app) and "cannot be changed" in screen_text(app)


def write_status(emu, name, n, ns="llm-prod"):
    """What a controller does: a status write (the status subresource), which moves the resourceVersion."""
    rt = emu._type(ISVC_API, "InferenceService")  # noqa: SLF001
    emu.crud.patch(
        rt,
        ns,
        name,
        {
            "status": {
                "observedGeneration": n,
                "conditions": [{"type": "Ready", "status": "False", "reason": "Probe", "message": f"probe {n}"}],
            }
        },
        "merge",
        subresource="status",
    )


@contextlib.asynccontextmanager
async def status_writer(emu, name, every=0.1):
    """A controller writing ``name``'s status several times a second while the test runs."""
    count = [0]

    async def loop():
        while True:
            count[0] += 1
            write_status(emu, name, count[0])
            await asyncio.sleep(every)

    task = asyncio.create_task(loop())
    try:
        yield count
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


async def test_status_writes_while_editing_are_not_a_conflict(tmp_path):
    async with demo_app(tmp_path, real_crds=True) as (app, pilot, emu):
        async with status_writer(emu, "gemma-9b") as writes:
            rv_before = isvc(emu, "gemma-9b")["metadata"]["resourceVersion"]
            area = await open_editor(app, pilot, "gemma-9b")
            replace_in_editor(area, "minReplicas: 1", "minReplicas: 2")
            await pilot.pause(0.6)  # the controller writes the status meanwhile
            await pilot.press("ctrl+s")
            await wait_for(pilot, lambda: screen_name(app) == "ReviewScreen", what="review")
            await wait_for(pilot, lambda: "dry run accepted" in screen_text(app), what="dry run")
            text = screen_text(app)
            assert "PATCH InferenceService llm-prod/gemma-9b" in text and "precondition" not in text
            mutation = app.screen.mutation
            assert mutation.body == [
                {"op": "test", "path": "/spec/predictor/minReplicas", "value": 1},
                {"op": "replace", "path": "/spec/predictor/minReplicas", "value": 2},
            ]
            await pilot.pause(0.4)  # more status writes between the dry run and y
            await pilot.press("y")
            await wait_for(
                pilot,
                lambda: isvc(emu, "gemma-9b")["spec"]["predictor"]["minReplicas"] == 2,
                what="the edit on the server",
            )
            assert writes[0] >= 6, writes[0]
            assert isvc(emu, "gemma-9b")["metadata"]["resourceVersion"] != rv_before
            await wait_for(
                pilot, lambda: "applied InferenceService llm-prod/gemma-9b" in notices(app), what="the applied notice"
            )
            assert "conflict" not in notices(app)
            # The status the controller keeps writing was neither overwritten nor reverted.
            assert isvc(emu, "gemma-9b")["status"]["conditions"][0]["message"].startswith("probe ")

            # A change of the same spec field meanwhile is a conflict, status writes or not.
            area = await open_editor(app, pilot, "gemma-9b")
            replace_in_editor(area, "maxReplicas: 3", "maxReplicas: 5")
            emu.patch(ISVC_API, "InferenceService", "llm-prod", "gemma-9b", {"spec": {"predictor": {"maxReplicas": 4}}})
            before = mutating(emu)
            await pilot.press("ctrl+s")
            await wait_for(pilot, lambda: screen_name(app) == "ConflictScreen", what="the three-way view")
            assert "spec.predictor.maxReplicas" in screen_text(app)
            assert isvc(emu, "gemma-9b")["spec"]["predictor"]["maxReplicas"] == 4  # nothing overwritten
            assert mutating(emu) == before + 1  # the dry run only (the status writes are not HTTP)
            await pilot.press("k")
            await wait_for(pilot, lambda: screen_name(app) == "MainScreen")


async def test_conflict_three_way_and_reapply_on_a_fresh_copy(tmp_path):
    async with demo_app(tmp_path) as (app, pilot, emu):
        area = await open_editor(app, pilot, "llama3-8b")
        replace_in_editor(area, "huggingface", "onnx")
        # Meanwhile someone else changes the same field, and a label.
        emu.patch(
            ISVC_API,
            "InferenceService",
            "llm-prod",
            "llama3-8b",
            {
                "metadata": {"labels": {"owner": "someone-else"}},
                "spec": {"predictor": {"model": {"modelFormat": {"name": "pytorch"}}}},
            },
        )
        await pilot.press("ctrl+s")
        # The dry run's test of the old value fails: straight to the three-way view, nothing written.
        await wait_for(pilot, lambda: screen_name(app) == "ConflictScreen", what="the three-way view")
        text = screen_text(app)
        assert "base" in text and "your edit" in text and "server now" in text and "someone-else" in text
        assert "pytorch" in text
        # The object keeps changing while the view is open: r re-applies on the server's copy as it is now.
        emu.patch(ISVC_API, "InferenceService", "llm-prod", "llama3-8b", {"metadata": {"labels": {"later": "yes"}}})
        write_status(emu, "llama3-8b", 7)
        await pilot.press("r")  # re-apply my changes on the new version
        await wait_for(pilot, lambda: screen_name(app) == "EditorScreen")
        merged = app.screen.query_one("#editor-text").text
        assert "onnx" in merged and "someone-else" in merged and "later: 'yes'" in merged.replace('"', "'")
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: "dry run accepted" in screen_text(app))
        body = app.screen.mutation.body
        assert {"op": "test", "path": "/spec/predictor/model/modelFormat/name", "value": "pytorch"} in body
        await pilot.press("y")
        await wait_for(
            pilot, lambda: isvc(emu, "llama3-8b")["spec"]["predictor"]["model"]["modelFormat"]["name"] == "onnx"
        )
        labels = isvc(emu, "llama3-8b")["metadata"]["labels"]
        assert labels["owner"] == "someone-else" and labels["later"] == "yes"


async def test_unknown_top_level_field_is_refused_before_sending(tmp_path):
    async with demo_app(tmp_path) as (app, pilot, emu):
        before = mutating(emu)
        area = await open_editor(app, pilot, "qwen-chat")
        area.load_text(area.text + "probe/builtin: 'yes'\n")
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: screen_name(app) == "ChoiceScreen", what="the problems")
        text = screen_text(app)
        assert "probe/builtin" in text and "unknown field" in text
        assert mutating(emu) == before  # not even a dry run
        await pilot.press("k")
        await wait_for(pilot, lambda: screen_name(app) == "MainScreen")
        assert "probe/builtin" not in isvc(emu, "qwen-chat")


async def test_forbidden_names_verb_resource_namespace_and_keeps_the_edit(tmp_path):
    async with demo_app(tmp_path) as (app, pilot, emu):
        area = await open_editor(app, pilot, "qwen-chat")
        # The rules change while the editor is open (denied before, `e` is marked forbidden: test_rbac.py).
        emu.deny("inferenceservices", group="serving.kserve.io", verb="patch")
        replace_in_editor(area, "huggingface", "onnx")
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: "refused" in screen_text(app), what="the refusal")
        text = screen_text(app)
        assert "forbidden" in text and "patch" in text and "inferenceservices.serving.kserve.io" in text
        assert "llm-prod" in text
        await pilot.press("escape")
        await wait_for(pilot, lambda: screen_name(app) == "MainScreen")
        kept = app.recovery.load(
            ObjectRef(
                "serving.kserve.io", "v1beta1", "inferenceservices", "InferenceService", True, "llm-prod", "qwen-chat"
            )
        )
        assert kept is not None and "onnx" in kept.text


async def test_readonly_sends_nothing_and_keeps_the_edit(tmp_path):
    async with demo_app(tmp_path, options={"readonly": True}) as (app, pilot, emu):
        before = mutating(emu)
        area = await open_editor(app, pilot, "qwen-chat")
        replace_in_editor(area, "huggingface", "onnx")
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: "read-only mode" in screen_text(app), what="the refusal")
        await pilot.press("y")  # cannot apply
        await pilot.pause(0.2)
        await pilot.press("escape")
        await wait_for(pilot, lambda: screen_name(app) == "MainScreen")
        assert mutating(emu) == before == 0
        assert isvc(emu, "qwen-chat")["spec"]["predictor"]["model"]["modelFormat"]["name"] == "huggingface"


async def test_deleted_meanwhile_is_a_clear_404_and_the_edit_is_kept(tmp_path):
    async with demo_app(tmp_path) as (app, pilot, emu):
        area = await open_editor(app, pilot, "qwen-chat")
        replace_in_editor(area, "huggingface", "onnx")
        emu.delete(ISVC_API, "InferenceService", "llm-prod", "qwen-chat")
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: "no longer exists" in screen_text(app), what="404")
        await pilot.press("escape")
        await wait_for(pilot, lambda: screen_name(app) == "MainScreen")
        assert list((tmp_path / "state/inference-console/recovery").rglob("qwen-chat.yaml"))


def write_editor(tmp_path, body):
    script = tmp_path / "fake-editor"
    script.write_text(f"#!{sys.executable}\n" + textwrap.dedent(body))
    script.chmod(script.stat().st_mode | stat.S_IEXEC)
    return str(script)


async def test_external_editor_from_visual(tmp_path, monkeypatch):
    editor = write_editor(
        tmp_path,
        """
        import sys
        path = sys.argv[1]
        text = open(path).read().replace("huggingface", "pytorch", 1)
        open(path, "w").write(text)
    """,
    )
    monkeypatch.setenv("VISUAL", editor)
    async with demo_app(tmp_path) as (app, pilot, emu):
        select(app, "qwen-chat")
        await pilot.press("e")
        await wait_for(pilot, lambda: screen_name(app) == "ReviewScreen", what="review after the external editor")
        await wait_for(pilot, lambda: "dry run accepted" in screen_text(app))
        await pilot.press("y")
        await wait_for(
            pilot, lambda: isvc(emu, "qwen-chat")["spec"]["predictor"]["model"]["modelFormat"]["name"] == "pytorch"
        )


async def test_external_editor_failing_or_missing_keeps_the_edit(tmp_path, monkeypatch):
    editor = write_editor(
        tmp_path,
        """
        import sys
        path = sys.argv[1]
        text = open(path).read().replace("huggingface", "xgboost", 1)
        open(path, "w").write(text)
        sys.exit(3)
    """,
    )
    monkeypatch.setenv("EDITOR", editor)
    async with demo_app(tmp_path) as (app, pilot, emu):
        select(app, "qwen-chat")
        await pilot.press("e")
        await wait_for(pilot, lambda: "exited with status 3" in notices(app), what="the editor failure")
        kept = list((tmp_path / "state/inference-console/recovery").rglob("qwen-chat.yaml"))
        assert kept and "xgboost" in kept[0].read_text()
        monkeypatch.setenv("EDITOR", str(tmp_path / "no-such-editor"))
        await pilot.press("e")
        await wait_for(pilot, lambda: screen_name(app) == "ChoiceScreen")  # the kept edit is offered
        await pilot.press("u")
        await wait_for(pilot, lambda: "not found" in notices(app), what="missing editor message")
        assert isvc(emu, "qwen-chat")["spec"]["predictor"]["model"]["modelFormat"]["name"] == "huggingface"


async def test_quitting_during_an_edit_keeps_it(tmp_path):
    async with demo_app(tmp_path) as (app, pilot, emu):
        area = await open_editor(app, pilot, "qwen-chat")
        replace_in_editor(area, "huggingface", "sklearn")
        await pilot.press("ctrl+c")
        await pilot.pause(0.3)
    kept = list((tmp_path / "state/inference-console/recovery").rglob("qwen-chat.yaml"))
    assert kept and "sklearn" in kept[0].read_text()


async def test_cancelling_the_builtin_editor_keeps_what_was_typed(tmp_path):
    async with demo_app(tmp_path) as (app, pilot, emu):
        area = await open_editor(app, pilot, "qwen-chat")
        replace_in_editor(area, "huggingface", "tensorrt")
        await pilot.press("escape")
        await wait_for(pilot, lambda: screen_name(app) == "MainScreen", what="back to the table")
        await wait_for(pilot, lambda: "edit cancelled" in notices(app), what="the cancel notice")
        ref = ObjectRef(
            "serving.kserve.io", "v1beta1", "inferenceservices", "InferenceService", True, "llm-prod", "qwen-chat"
        )
        kept = app.recovery.load(ref)
        assert kept is not None and "tensorrt" in kept.text
        assert "kept at" in notices(app)
        # Cancelling an unchanged edit keeps nothing.
        app.recovery.discard(ref)
        await pilot.press("e")
        await wait_for(pilot, lambda: screen_name(app) == "EditorScreen")
        await pilot.press("escape")
        await wait_for(pilot, lambda: screen_name(app) == "MainScreen")
        await pilot.pause(0.1)
        assert app.recovery.load(ref) is None
        assert isvc(emu, "qwen-chat")["spec"]["predictor"]["model"]["modelFormat"]["name"] == "huggingface"


async def test_external_editor_file_is_removed_afterwards(tmp_path, monkeypatch):
    import tempfile

    editor = write_editor(
        tmp_path,
        """
        import sys
        path = sys.argv[1]
        text = open(path).read().replace("huggingface", "pytorch", 1)
        open(path, "w").write(text)
    """,
    )
    monkeypatch.setenv("VISUAL", editor)
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))
    async with demo_app(tmp_path) as (app, pilot, emu):
        select(app, "qwen-chat")
        await pilot.press("e")
        await wait_for(pilot, lambda: screen_name(app) == "ReviewScreen", what="review after the external editor")
        # The object's text (a Secret's values, for a Secret) does not stay behind in the temp dir.
        assert list(scratch.rglob("*.yaml")) == []
        await pilot.press("escape")
        await wait_for(pilot, lambda: screen_name(app) == "MainScreen")
    assert list(scratch.iterdir()) == []
