"""The friction a new on-call user hit (issue 9), each checked on the real app against the emulator."""

from __future__ import annotations

from tests.ui.harness import demo_app, screen_text, screen_words, wait_for

ISVC = "inferenceservices.serving.kserve.io"


def names(app) -> list[str]:
    return [r.cells[0] for r in app.screen.table.visible_rows]


async def test_zero_returns_to_the_namespace_chosen_with_ns(tmp_path):
    async with demo_app(tmp_path) as (app, pilot, emu):
        await pilot.press("colon", *"ns llm-staging", "enter")
        await wait_for(pilot, lambda: app.workspace.scope.namespace == "llm-staging", what=":ns")
        await pilot.press("0")
        await wait_for(pilot, lambda: app.workspace.scope.namespace is None, what="all namespaces")
        await pilot.press("0")
        await wait_for(pilot, lambda: app.workspace.scope.namespace == "llm-staging", what="back to llm-staging")


async def test_enter_on_a_namespace_switches_to_it_and_back_to_the_view(tmp_path):
    async with demo_app(tmp_path) as (app, pilot, emu):
        await pilot.press("colon", *"bd", "enter")
        await pilot.press("colon", *"ns", "enter")
        await wait_for(
            pilot, lambda: app.screen.kind_key == "namespaces" and app.screen.table.row_count > 3, what=":ns"
        )
        store = app.workspace.stores["namespaces"]
        uid = next(k for k, o in store.items() if o["metadata"]["name"] == "bentoml")
        app.screen.table.move_cursor_to_key(uid)
        await pilot.press("enter")
        await wait_for(pilot, lambda: app.workspace.scope.namespace == "bentoml", what="the switch")
        await wait_for(
            pilot, lambda: app.screen.kind_key == "bentodeployments.serving.yatai.ai", what="back to the view"
        )
        await wait_for(pilot, lambda: "iris-classifier" in names(app), what="bentoml's BentoDeployments")
        # d still describes a namespace.
        await pilot.press("colon", *"ns", "enter")
        await wait_for(pilot, lambda: app.screen.kind_key == "namespaces", what=":ns again")
        await pilot.press("d")
        await wait_for(pilot, lambda: app.screen.__class__.__name__ == "DetailScreen", what="the describe")


async def test_an_empty_view_says_where_there_are_some(tmp_path):
    async with demo_app(tmp_path) as (app, pilot, emu):
        await pilot.press("colon", *"bd", "enter")
        await wait_for(pilot, lambda: "4 in bentoml" in screen_words(app), what="the hint")
        assert "0: all namespaces" in screen_words(app)


async def test_nodes_are_not_said_to_be_in_a_namespace(tmp_path):
    async with demo_app(tmp_path) as (app, pilot, emu):
        await pilot.press("colon", *"nodes", "enter")
        await wait_for(pilot, lambda: "Nodes(cluster)" in screen_text(app), what="the title")
        assert "Nodes(llm-prod)" not in screen_text(app)


async def test_at_80x24_the_table_gets_the_width_and_b_brings_the_sidebar_back(tmp_path):
    async with demo_app(tmp_path, size=(80, 24)) as (app, pilot, emu):
        sidebar = app.screen.query_one("#sidebar")
        assert not sidebar.display and "REASON" in screen_text(app)
        await pilot.press("b")
        assert sidebar.display
        await pilot.press("b")
        assert not sidebar.display


async def test_the_review_dialog_shows_its_keys_at_80x24(tmp_path):
    async with demo_app(tmp_path, size=(80, 24)) as (app, pilot, emu):
        store = app.workspace.stores[ISVC]
        uid = next(k for k, o in store.items() if o["metadata"]["name"] == "qwen-chat")
        app.screen.table.move_cursor_to_key(uid)
        await pilot.press("t")  # stop: a form-less action straight to the review
        await wait_for(pilot, lambda: app.screen.__class__.__name__ == "ReviewScreen", what="the review")
        await wait_for(pilot, lambda: "y apply" in screen_words(app) or "Esc" in screen_words(app), what="its keys")
        await pilot.press("escape")


async def test_palette_offers_the_actions_on_the_selection(tmp_path):
    async with demo_app(tmp_path) as (app, pilot, emu):
        await pilot.press("ctrl+p")
        await pilot.pause(0.3)
        await pilot.press(*"scale")
        await wait_for(pilot, lambda: "Scale: InferenceService" in screen_text(app), what="the action in the palette")
        await pilot.press("escape")


async def test_a_burst_of_keys_after_colon_reaches_the_prompt(tmp_path):
    """A paste, a fast typist over SSH, tmux send-keys: ':ns llm-staging⏎' arrives in one read."""
    from textual import events

    async with demo_app(tmp_path) as (app, pilot, emu):
        for ch in ":ns llm-staging\r":
            key = {":": "colon", " ": "space", "-": "minus", "\r": "enter"}.get(ch, ch)
            app.post_message(events.Key(key, None if ch == "\r" else ch))
        await wait_for(pilot, lambda: app.workspace.scope.namespace == "llm-staging", what="the burst as a command")
        assert app.screen.__class__.__name__ == "MainScreen" and not app.screen.prompt_mode
        for ch in "/gemma":
            key = {"/": "slash"}.get(ch, ch)
            app.post_message(events.Key(key, ch))
        await wait_for(pilot, lambda: app.screen.query_one("#prompt").value == "gemma", what="the burst as a filter")
