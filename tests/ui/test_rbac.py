"""RBAC-aware keys (issue 8 §5): the app asks SelfSubjectRulesReview per namespace and marks the keys
the rules forbid for the selected kind and namespace; `auth whoami` names the header's user."""

import pytest

from inference_console.ui.help import binding_rows
from inference_console.ui.screens.review import ReviewScreen
from inference_console.widgets.dialogs import FormScreen
from inference_console.widgets.key_help import KeyHelpScreen
from tests.ui.harness import demo_app, notices, screen_text, wait_for

ISVC = "inferenceservices.serving.kserve.io"
RULES_PATH = "/apis/authorization.k8s.io/v1/selfsubjectrulesreviews"


@pytest.fixture(autouse=True)
def state_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    monkeypatch.delenv("VISUAL", raising=False)
    monkeypatch.delenv("EDITOR", raising=False)


def reviews(emu):
    return [r for r in emu.requests if r.method == "POST" and r.path == RULES_PATH]


def writes(emu):
    return [
        r
        for r in emu.requests
        if r.method in ("PUT", "PATCH", "DELETE") or (r.method == "POST" and "selfsubject" not in r.path)
    ]


def footer_state(app, key):
    """'enabled' / 'disabled' / None (not shown) for a key of the screen's footer."""
    active = app.screen.active_bindings.get(key)
    if active is None:
        return None
    return "enabled" if active.enabled else "disabled"


async def select(app, pilot, name):
    table = app.screen.table
    await wait_for(pilot, lambda: any(r.cells[0] == name for r in table.visible_rows), what=f"row {name}")
    table.move_cursor_to_key(next(r.key for r in table.visible_rows if r.cells[0] == name))
    await pilot.pause()


async def test_forbidden_edit_and_scale_are_marked_and_say_why(tmp_path):
    def deny(emu):
        emu.deny("inferenceservices", group="serving.kserve.io", verb="patch", namespace="llm-prod")

    async with demo_app(tmp_path, before=deny) as (app, pilot, emu):
        await select(app, pilot, "qwen-chat")
        await wait_for(pilot, lambda: footer_state(app, "e") == "disabled", what="e dimmed in the footer")
        assert len(reviews(emu)) >= 1
        assert app.kube.allowed(ISVC, "patch", "llm-prod") is False
        assert app.kube.allowed(ISVC, "delete", "llm-prod") is True
        before = len(writes(emu))
        await pilot.press("e")  # nothing opens: it says why
        await wait_for(pilot, lambda: "forbidden" in notices(app), what="the refusal notice")
        assert "patch" in notices(app) and "llm-prod" in notices(app)
        assert app.screen.__class__.__name__ == "MainScreen"
        await pilot.press("s")  # scale is a patch too: no form to fill
        await pilot.pause(0.2)
        assert not isinstance(app.screen, FormScreen)
        assert len(writes(emu)) == before
        # ? lists the keys that are forbidden, and why
        rows = dict(row for _, group in binding_rows(app.screen) for row in group)
        assert "forbidden" in rows["e"] and "forbidden" in rows["s"]
        assert "forbidden" not in next(v for k, v in rows.items() if "Delete" in v)  # delete is allowed
        await pilot.press("question_mark")
        await wait_for(pilot, lambda: isinstance(app.screen, KeyHelpScreen), what="the keys")
        text = screen_text(app)
        assert "✗ forbidden" in text and "patch" in text
        edit_line = next(line for line in text.splitlines() if "Edit" in line)
        assert "forbidden" in edit_line
        await pilot.press("escape")


async def test_another_namespace_has_its_own_rules_and_a_switch_asks_again(tmp_path):
    def deny(emu):
        emu.deny("inferenceservices", group="serving.kserve.io", verb="patch", namespace="llm-prod")

    async with demo_app(tmp_path, before=deny) as (app, pilot, emu):
        await select(app, pilot, "qwen-chat")
        await wait_for(pilot, lambda: footer_state(app, "e") == "disabled", what="e dimmed")
        asked = len(reviews(emu))
        await pilot.press("colon", *"ns llm-staging", "enter")
        await wait_for(
            pilot,
            lambda: app.workspace.scope.namespace == "llm-staging" and app.screen.table.row_count > 0,
            what="llm-staging rows",
        )
        await select(app, pilot, "phi3-mini")
        await wait_for(pilot, lambda: footer_state(app, "e") == "enabled", what="e enabled in llm-staging")
        assert len(reviews(emu)) > asked
        assert app.kube.allowed(ISVC, "patch", "llm-staging") is True


async def test_rules_that_change_meanwhile_still_meet_the_403_and_the_keys_follow(tmp_path):
    async with demo_app(tmp_path) as (app, pilot, emu):
        await select(app, pilot, "qwen-chat")
        await wait_for(pilot, lambda: app.kube.allowed(ISVC, "patch", "llm-prod") is True, what="the rules")
        assert footer_state(app, "e") == "enabled"
        emu.deny("inferenceservices", group="serving.kserve.io", verb="patch")  # after the app asked
        await pilot.press("s")
        await wait_for(pilot, lambda: isinstance(app.screen, FormScreen), what="the scale form")
        await pilot.press("ctrl+u", "2", "enter", "enter")
        await wait_for(pilot, lambda: isinstance(app.screen, ReviewScreen), what="the review")
        screen = app.screen
        await wait_for(pilot, lambda: screen.dry_result is not None, what="the dry run")
        assert not screen.dry_result.ok and "forbidden" in screen.dry_result.error.message  # the 403 path
        await pilot.press("escape")
        await wait_for(pilot, lambda: not isinstance(app.screen, ReviewScreen))
        # The 403 dropped what the app knew: the next look asks again and the key is dimmed.
        await wait_for(pilot, lambda: footer_state(app, "e") == "disabled", what="e dimmed after the 403")


async def test_header_names_the_user_the_server_says_you_are(tmp_path):
    async with demo_app(tmp_path) as (app, pilot, emu):
        await wait_for(pilot, lambda: "user:" in screen_text(app).splitlines()[0], what="the user in the header")
        header = screen_text(app).splitlines()[0]
        assert f"user:{app.kube.user}" in header
        assert any(r.path == "/apis/authentication.k8s.io/v1/selfsubjectreviews" for r in emu.requests)
