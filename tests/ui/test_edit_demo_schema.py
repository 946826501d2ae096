"""`e` in the demo (its own compact CRDs, not the real ones): the app's schema check reads the
demo CRD from the cluster and refuses a bad edit before sending anything, as it does on a real
cluster (issue 8 §6: the demo used to store ``minReplicas: "notanumber"`` and ``bogusField: 1``)."""

import pytest

from tests.ui.harness import demo_app, screen_text, wait_for
from tests.ui.test_edit import isvc, mutating, open_editor, replace_in_editor, screen_name


@pytest.fixture(autouse=True)
def isolated_state(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    monkeypatch.delenv("VISUAL", raising=False)
    monkeypatch.delenv("EDITOR", raising=False)


async def test_a_bad_type_and_an_unknown_field_are_refused_before_sending_in_the_demo(tmp_path):
    async with demo_app(tmp_path) as (app, pilot, emu):
        before = mutating(emu)
        area = await open_editor(app, pilot, "qwen-chat")
        replace_in_editor(area, "minReplicas: 1", 'minReplicas: "notanumber"\n    bogusField: 1')
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: screen_name(app) == "ChoiceScreen", what="schema problems")
        text = screen_text(app)
        assert "spec.predictor.minReplicas" in text and "expected integer" in text
        assert "spec.predictor.bogusField" in text and "unknown field" in text
        assert mutating(emu) == before  # nothing was sent
        await pilot.press("k")
        await wait_for(pilot, lambda: screen_name(app) == "MainScreen")
        stored = isvc(emu, "qwen-chat")["spec"]["predictor"]
        assert stored["minReplicas"] == 1 and "bogusField" not in stored
