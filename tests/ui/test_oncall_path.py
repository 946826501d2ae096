"""The on-call path: every failing serving object names its root cause in its row, and the
whole evidence is one key away (Enter).  Walks every failing object of the demo cluster."""

from __future__ import annotations

from inference_console.catalog.view import Health
from tests.ui.harness import demo_app, screen_text, wait_for

SERVING = (
    "inferenceservices.serving.kserve.io",
    "bentodeployments.serving.yatai.ai",
    "inferencestacks.doublewordai.co",
)
GENERIC = ("MinimumReplicasUnavailable", "not ready", "Deployment does not have minimum availability")


async def test_every_failing_serving_object_names_its_cause_and_shows_the_evidence_in_one_key(tmp_path):
    async with demo_app(tmp_path, size=(160, 50), options={"all_namespaces": True}) as (app, pilot, emu):
        await wait_for(pilot, lambda: app.screen.table.row_count >= 10, what="all namespaces")
        walked = []
        for key in SERVING:
            app.screen.show_kind(key)
            store = app.workspace.stores[key]
            await wait_for(pilot, lambda: store.loaded and app.screen.table.row_count == len(store), what=key)
            await pilot.pause(0.3)  # the join re-judges once the pods and events are in
            failing = [uid for uid in store.objects if store.verdict(uid).state is Health.FAILED]
            for uid in failing:
                verdict = store.verdict(uid)
                row = app.screen.table.get_row(uid)
                assert row.style == "failed"
                assert verdict.reason in row.cells, f"the row does not name the cause: {row.cells}"
                assert not any(g in verdict.reason for g in GENERIC), f"a generic reason: {verdict.reason}"
                app.screen.table.move_cursor_to_key(uid)
                keys = ["enter"]
                await pilot.press(*keys)
                await wait_for(pilot, lambda: app.screen.__class__.__name__ == "DetailScreen", what="the detail")
                text = screen_text(app)
                assert verdict.reason[:60] in text.replace("\n", " ") or verdict.reason[:40] in text
                if verdict.evidence:
                    first = verdict.evidence.splitlines()[-1][:40]
                    assert first in text.replace("\n", " "), f"evidence not shown: {first!r}"
                walked.append((store.objects[uid]["metadata"]["name"], verdict.reason, len(keys)))
                await pilot.press("escape")
                await wait_for(pilot, lambda: app.screen.__class__.__name__ == "MainScreen", what="back")
        names = {name for name, _, _ in walked}
        # The demo's failures: OOM, image pull, GPUs, a failing BentoDeployment.
        assert {"gemma-9b", "phi3-mini", "llama-70b", "fraud-detector"} <= names, walked
        assert all(keys == 1 for _, _, keys in walked)
        phi3 = next(reason for name, reason, _ in walked if name == "phi3-mini")
        assert phi3 == "image not found: ghcr.io/acme-ml/vllm-openai-custom:v0.6.3-cu124"


async def test_related_is_a_way_to_move(tmp_path):
    async with demo_app(tmp_path, size=(120, 40)) as (app, pilot, emu):
        store = app.workspace.stores["inferenceservices.serving.kserve.io"]
        uid = next(k for k, o in store.items() if o["metadata"]["name"] == "gemma-9b")
        app.screen.table.move_cursor_to_key(uid)
        await pilot.press("enter", "4")
        await wait_for(pilot, lambda: "Pod gemma-9b-predictor" in screen_text(app), what="the related tree")
        tree = app.screen.query_one("#related-tree")
        tree.focus()
        pod_line = next(
            i
            for i in range(tree.last_line + 1)
            if tree.get_node_at_line(i) is not None and str(tree.get_node_at_line(i).label).startswith("Pod ")
        )
        tree.cursor_line = pod_line
        await pilot.press("enter")
        await wait_for(
            pilot,
            lambda: app.screen.__class__.__name__ == "DetailScreen" and app.screen.kind_key == "pods",
            what="the pod's detail",
        )
        assert "OOMKilled" in screen_text(app)
        await pilot.press("escape")
        await wait_for(pilot, lambda: app.screen.kind_key == "inferenceservices.serving.kserve.io", what="back")
