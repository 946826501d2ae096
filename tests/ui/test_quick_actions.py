"""Quick actions driven with Textual's pilot: form → review (dry run) → y → the emulator → back through the watch."""

import json

import pytest

from inference_console.actions.types import PatchType, Verb
from inference_console.ui.screens.review import ReviewScreen
from inference_console.widgets.dialogs import ChoiceScreen, FormScreen
from tests.ui.harness import demo_app, screen_text, wait_for

ISVC_API = "serving.kserve.io/v1beta1"
MUTATING = ("POST", "PUT", "PATCH", "DELETE")


@pytest.fixture(autouse=True)
def state_dir(tmp_path, monkeypatch):
    """The audit log of these tests goes under tmp_path, not the real ~/.local/state."""
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    return tmp_path / "state" / "inference-console"


def audited(state_dir):
    path = state_dir / "audit.jsonl"
    return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []


def writes(emu):
    """Requests that can change something (the RBAC self reviews, POSTs that store nothing, are not)."""
    return [r for r in emu.requests if r.method in MUTATING and "/selfsubject" not in r.path]


def mutating_count(emu) -> int:
    return len(writes(emu))


async def show(app, pilot, command, kind_key, rows=1):
    await pilot.press("colon", *command, "enter")
    await wait_for(
        pilot, lambda: app.screen.kind_key == kind_key and app.screen.table.row_count >= rows, what=f"{command} rows"
    )


async def select(app, pilot, name):
    table = app.screen.table
    await wait_for(pilot, lambda: any(r.cells[0] == name for r in table.visible_rows), what=f"row {name}")
    table.move_cursor_to_key(next(r.key for r in table.visible_rows if r.cells[0] == name))
    await pilot.pause()


async def form(app, pilot, *values):
    """Fill the open form field by field (None keeps the prefilled value); Enter on the last submits."""
    await wait_for(pilot, lambda: isinstance(app.screen, FormScreen), what="the form")
    for value in values:
        if value is not None:
            await pilot.press("ctrl+u", *value)
        await pilot.press("enter")


async def review(app, pilot, accepted=True) -> ReviewScreen:
    await wait_for(pilot, lambda: isinstance(app.screen, ReviewScreen), what="the review screen")
    screen = app.screen
    await wait_for(pilot, lambda: screen.dry_result is not None, what="the dry run")
    assert screen.dry_result.ok is accepted, screen.dry_result.message()
    return screen


async def apply(app, pilot, screen: ReviewScreen) -> None:
    await pilot.press("y")
    await wait_for(pilot, lambda: app.screen is not screen, what="the review to close")


async def seen(app, pilot, words="seen in the table after"):
    await wait_for(pilot, lambda: words in app.screen.message, what=f"{words!r} (message: {app.screen.message!r})")
    assert " ms" in app.screen.message
    return app.screen.message


# ----------------------------------------------------------------------------- scale
async def test_scale_a_deployment(tmp_path):
    async with demo_app(tmp_path) as (app, pilot, emu):
        await show(app, pilot, "deploy", "deployments")
        await select(app, pilot, "llama3-8b-predictor")
        await pilot.press("s")
        await form(app, pilot, "4")
        screen = await review(app, pilot)
        assert screen.mutation.body == {"spec": {"replicas": 4}}
        assert screen.mutation.patch_type is PatchType.STRATEGIC
        assert "managed by InferenceService llama3-8b" in screen_text(app)
        await apply(app, pilot, screen)
        message = await seen(app, pilot)
        assert message.startswith("done: scale Deployment llm-prod/llama3-8b-predictor to 4 replicas")
        row = next(r for r in app.screen.table.visible_rows if r.cells[0] == "llama3-8b-predictor")
        assert row.cells[1] == "2/4"  # "seen in the table" means the row already shows it
        assert emu.get("apps/v1", "Deployment", "llm-prod", "llama3-8b-predictor")["spec"]["replicas"] == 4
        patches = [(r.query.get("dryRun"), r.content_type) for r in writes(emu)]
        assert patches == [
            ("All", "application/strategic-merge-patch+json"),
            (None, "application/strategic-merge-patch+json"),
        ]


async def test_scale_a_bentodeployment_with_validation(tmp_path):
    async with demo_app(tmp_path, options={"namespace": "bentoml"}, wait=False) as (app, pilot, emu):
        await show(app, pilot, "bd", "bentodeployments.serving.yatai.ai", rows=4)
        await select(app, pilot, "summarizer")
        await pilot.press("s")
        await form(app, pilot, "5", "2")  # min > max: refused under the field, nothing sent
        await wait_for(pilot, lambda: "must not be more than maxReplicas (2)" in screen_text(app), what="the error")
        assert isinstance(app.screen, FormScreen) and not writes(emu)
        await pilot.press("shift+tab")
        await form(app, pilot, "2", "6")
        screen = await review(app, pilot)
        assert screen.mutation.body == {"spec": {"autoscaling": {"minReplicas": 2, "maxReplicas": 6}}}
        assert "application/merge-patch+json" in screen_text(app)
        await apply(app, pilot, screen)
        await seen(app, pilot)
        bd = emu.get("serving.yatai.ai/v2alpha1", "BentoDeployment", "bentoml", "summarizer")
        assert bd["spec"]["autoscaling"]["minReplicas"] == 2 and bd["spec"]["autoscaling"]["maxReplicas"] == 6
        assert bd["spec"]["autoscaling"]["metrics"], "the merge patch keeps the rest of autoscaling"


# ----------------------------------------------------------------------------- change model
async def test_change_storage_uri(tmp_path, state_dir):
    async with demo_app(tmp_path) as (app, pilot, emu):
        await select(app, pilot, "qwen-chat")
        await pilot.press("m")
        await wait_for(pilot, lambda: isinstance(app.screen, FormScreen))
        assert app.screen.values() == {"storage_uri": "hf://Qwen/Qwen2.5-7B-Instruct"}
        await form(app, pilot, "ftp://models/qwen")
        await wait_for(pilot, lambda: "unsupported scheme" in screen_text(app), what="the scheme error")
        assert isinstance(app.screen, FormScreen) and not writes(emu)
        await form(app, pilot, "s3://models/qwen2.5-7b/v2")
        screen = await review(app, pilot)
        assert screen.mutation.body == {"spec": {"predictor": {"model": {"storageUri": "s3://models/qwen2.5-7b/v2"}}}}
        assert screen.mutation.patch_type is PatchType.MERGE
        assert "+      storageUri: s3://models/qwen2.5-7b/v2" in screen.diff
        await apply(app, pilot, screen)
        await seen(app, pilot)
        model = emu.get(ISVC_API, "InferenceService", "llm-prod", "qwen-chat")["spec"]["predictor"]["model"]
        assert model["storageUri"] == "s3://models/qwen2.5-7b/v2"
        assert model["modelFormat"] == {"name": "huggingface"} and model["resources"]["limits"]["memory"] == "48Gi"
        assert [r.content_type for r in writes(emu)] == ["application/merge-patch+json"] * 2
        sent = [e for e in audited(state_dir) if not e["dryRun"]]
        assert len(sent) == 1 and sent[0]["result"] == "ok"
        assert (sent[0]["verb"], sent[0]["contentType"], sent[0]["patch"]) == (
            "patch",
            "application/merge-patch+json",
            {"spec": {"predictor": {"model": {"storageUri": "s3://models/qwen2.5-7b/v2"}}}},
        )


# ----------------------------------------------------------------------------- stop / start
async def test_stop_then_start_an_inferenceservice(tmp_path):
    async with demo_app(tmp_path) as (app, pilot, emu):
        await select(app, pilot, "llama3-8b")
        await pilot.press("t")
        screen = await review(app, pilot)
        assert screen.mutation.body == {"metadata": {"annotations": {"serving.kserve.io/stop": "true"}}}
        await apply(app, pilot, screen)
        await seen(app, pilot)
        annotations = emu.get(ISVC_API, "InferenceService", "llm-prod", "llama3-8b")["metadata"]["annotations"]
        assert annotations["serving.kserve.io/stop"] == "true"
        await pilot.press("t")
        screen = await review(app, pilot)
        assert screen.mutation.body == {"metadata": {"annotations": {"serving.kserve.io/stop": None}}}
        await apply(app, pilot, screen)
        await seen(app, pilot)
        annotations = emu.get(ISVC_API, "InferenceService", "llm-prod", "llama3-8b")["metadata"]["annotations"]
        assert "serving.kserve.io/stop" not in annotations
        assert annotations["serving.kserve.io/deploymentMode"] == "RawDeployment"


# ----------------------------------------------------------------------------- restart
async def test_rollout_restart_of_a_deployment_and_of_an_inferenceservice(tmp_path):
    async with demo_app(tmp_path) as (app, pilot, emu):
        await select(app, pilot, "qwen-chat")
        await pilot.press("r")  # an InferenceService: its one Deployment is restarted
        screen = await review(app, pilot)
        assert screen.mutation.ref.kind == "Deployment" and screen.mutation.ref.name == "qwen-chat-predictor"
        assert screen.mutation.patch_type is PatchType.STRATEGIC
        await apply(app, pilot, screen)
        await seen(app, pilot, "seen in Deployments after")
        template = emu.get("apps/v1", "Deployment", "llm-prod", "qwen-chat-predictor")["spec"]["template"]
        stamp = template["metadata"]["annotations"]["kubectl.kubernetes.io/restartedAt"]
        assert stamp.endswith("Z") and len(stamp) == 20
        # A Serverless (Knative) InferenceService is refused with the reason.
        await select(app, pilot, "mistral-7b")
        await pilot.press("r")
        await wait_for(pilot, lambda: "Knative" in app.screen.message, what="the Knative refusal")
        # A Deployment directly.
        await show(app, pilot, "deploy", "deployments")
        await select(app, pilot, "gemma-9b-predictor")
        await pilot.press("r")
        screen = await review(app, pilot)
        await apply(app, pilot, screen)
        await seen(app, pilot)
        template = emu.get("apps/v1", "Deployment", "llm-prod", "gemma-9b-predictor")["spec"]["template"]
        assert "kubectl.kubernetes.io/restartedAt" in template["metadata"]["annotations"]


# ----------------------------------------------------------------------------- delete
async def test_delete_requires_typing_the_name(tmp_path):
    async with demo_app(tmp_path) as (app, pilot, emu):
        await select(app, pilot, "llama-70b")
        await pilot.press("ctrl+d")
        await form(app, pilot, "llama3-8b")  # the wrong name
        await wait_for(pilot, lambda: "type the name 'llama-70b' exactly" in screen_text(app), what="the refusal")
        assert isinstance(app.screen, FormScreen) and not writes(emu)
        await form(app, pilot, "llama-70b")
        screen = await review(app, pilot)
        assert screen.mutation.verb is Verb.DELETE and screen.mutation.resource_version
        assert "precondition: resourceVersion" in screen_text(app)
        await apply(app, pilot, screen)
        await seen(app, pilot, "gone from the table after")
        assert emu.get(ISVC_API, "InferenceService", "llm-prod", "llama-70b") is None
        assert all(r.cells[0] != "llama-70b" for r in app.screen.table.visible_rows)
        assert emu.get(ISVC_API, "InferenceService", "llm-prod", "llama3-8b") is not None


async def test_delete_cancelled_sends_nothing(tmp_path):
    async with demo_app(tmp_path) as (app, pilot, emu):
        await select(app, pilot, "gemma-9b")
        await pilot.press("ctrl+d")
        await wait_for(pilot, lambda: isinstance(app.screen, FormScreen))
        await pilot.press("escape")
        await wait_for(pilot, lambda: "cancelled, nothing was sent" in app.screen.message)
        assert not writes(emu) and emu.get(ISVC_API, "InferenceService", "llm-prod", "gemma-9b") is not None


# ----------------------------------------------------------------------------- create from preset
async def test_create_an_inferenceservice_from_a_preset(tmp_path):
    async with demo_app(tmp_path) as (app, pilot, emu):
        await pilot.press("c")
        await wait_for(pilot, lambda: isinstance(app.screen, FormScreen))
        assert "qwen-small" in screen_text(app) and app.screen.values()["namespace"] == "llm-prod"
        await form(app, pilot, "qwen-tiny", None, "no-such-preset", "")
        await wait_for(pilot, lambda: "no preset 'no-such-preset'" in screen_text(app), what="the preset error")
        await pilot.press("shift+tab")  # back to the preset field
        await form(app, pilot, "qwen-small", "2")
        screen = await review(app, pilot)
        assert screen.mutation.verb is Verb.CREATE
        assert "+apiVersion: serving.kserve.io/v1beta1" in screen.diff  # shown as YAML before it is created
        assert "+      storageUri: hf://Qwen/Qwen2.5-0.5B-Instruct" in screen.diff
        await apply(app, pilot, screen)
        await seen(app, pilot)
        assert "qwen-tiny" in [r.cells[0] for r in app.screen.table.visible_rows]
        created = emu.get(ISVC_API, "InferenceService", "llm-prod", "qwen-tiny")
        assert created["spec"]["predictor"]["model"] == {
            "modelFormat": {"name": "huggingface"},
            "storageUri": "hf://Qwen/Qwen2.5-0.5B-Instruct",
            "resources": {
                "requests": {"memory": "16Gi", "nvidia.com/gpu": "2"},
                "limits": {"memory": "16Gi", "nvidia.com/gpu": "2"},
            },
        }
        await wait_for(pilot, lambda: app.screen.table.cursor_key == created["metadata"]["uid"], what="cursor on it")


# ----------------------------------------------------------------------------- readers
async def test_add_and_remove_a_reader(tmp_path):
    async with demo_app(tmp_path, options={"namespace": "takeoff"}, wait=False) as (app, pilot, emu):
        await show(app, pilot, "stack", "inferencestacks.doublewordai.co", rows=2)
        await select(app, pilot, "chat-stack")
        await pilot.press("a")
        await form(app, pilot, "llama-reader", "Qwen/Qwen2.5-7B-Instruct", "tpu", "chat", "1")
        await wait_for(pilot, lambda: "already exists" in screen_text(app), what="the duplicate-name error")
        for _ in range(4):
            await pilot.press("shift+tab")
        await form(app, pilot, "qwen-reader", None, "cuda", None, "2")
        screen = await review(app, pilot)
        assert screen.mutation.patch_type is PatchType.JSON
        assert screen.mutation.body[0]["op"] == "test" and screen.mutation.body[0]["path"] == "/spec/applications"
        assert screen.mutation.body[1] == {
            "op": "add",
            "path": "/spec/applications/qwen-reader",
            "value": {
                "readerConfig": {"modelName": "Qwen/Qwen2.5-7B-Instruct", "device": "cuda", "consumerGroup": "chat"},
                "replicaCount": 2,
            },
        }
        await apply(app, pilot, screen)
        await seen(app, pilot)
        apps = emu.get("doublewordai.co/v1alpha1", "InferenceStack", "takeoff", "chat-stack")["spec"]["applications"]
        assert sorted(apps) == ["embedder", "llama-reader", "qwen-reader"]
        await pilot.press("X")
        await wait_for(pilot, lambda: isinstance(app.screen, ChoiceScreen), what="the reader choice")
        assert "3 qwen-reader" in screen_text(app)
        await pilot.press("1")  # embedder
        screen = await review(app, pilot)
        assert screen.mutation.body[1] == {"op": "remove", "path": "/spec/applications/embedder"}
        await apply(app, pilot, screen)
        await seen(app, pilot)
        apps = emu.get("doublewordai.co/v1alpha1", "InferenceStack", "takeoff", "chat-stack")["spec"]["applications"]
        assert sorted(apps) == ["llama-reader", "qwen-reader"]


async def test_a_stale_reader_removal_is_refused(tmp_path):
    async with demo_app(tmp_path, options={"namespace": "takeoff"}, wait=False) as (app, pilot, emu):
        await show(app, pilot, "stack", "inferencestacks.doublewordai.co", rows=2)
        await select(app, pilot, "batch-stack")
        await pilot.press("X")
        await wait_for(pilot, lambda: isinstance(app.screen, ChoiceScreen))
        # Someone changes that reader between reading the stack and removing the reader.
        emu.patch(
            "doublewordai.co/v1alpha1",
            "InferenceStack",
            "takeoff",
            "batch-stack",
            {"spec": {"applications": {"qwen-coder": {"replicaCount": 3}}}},
        )
        await pilot.press("2")  # qwen-coder
        screen = await review(app, pilot, accepted=False)
        assert "testing value /spec/applications/qwen-coder failed" in screen.dry_result.error.message
        assert screen.title_text.endswith("— refused if what it tests changed since it was read")
        assert "testing value" in screen_text(app)
        await pilot.press("y", "escape")
        await wait_for(pilot, lambda: not isinstance(app.screen, ReviewScreen))
        apps = emu.get("doublewordai.co/v1alpha1", "InferenceStack", "takeoff", "batch-stack")["spec"]["applications"]
        assert apps["qwen-coder"]["replicaCount"] == 3
        assert all(r.query.get("dryRun") == "All" for r in writes(emu))


async def test_a_status_write_does_not_break_a_reader_edit(tmp_path):
    async with demo_app(tmp_path, options={"namespace": "takeoff"}, wait=False) as (app, pilot, emu):
        await show(app, pilot, "stack", "inferencestacks.doublewordai.co", rows=2)
        await select(app, pilot, "chat-stack")
        await pilot.press("s")
        await wait_for(pilot, lambda: isinstance(app.screen, ChoiceScreen))
        await pilot.press("2")  # llama-reader
        await wait_for(pilot, lambda: isinstance(app.screen, FormScreen))
        # The operator writes the stack (its resourceVersion changes) while the form is open.
        stack = emu.get("doublewordai.co/v1alpha1", "InferenceStack", "takeoff", "chat-stack")
        emu.patch(
            "doublewordai.co/v1alpha1",
            "InferenceStack",
            "takeoff",
            "chat-stack",
            {"metadata": {"annotations": {"operator/last-reconcile": "now"}}},
        )
        assert (
            emu.get("doublewordai.co/v1alpha1", "InferenceStack", "takeoff", "chat-stack")["metadata"][
                "resourceVersion"
            ]
            != stack["metadata"]["resourceVersion"]
        )
        await form(app, pilot, "2")
        screen = await review(app, pilot)
        assert screen.mutation.body[1] == {
            "op": "add",
            "path": "/spec/applications/llama-reader/replicaCount",
            "value": 2,
        }
        await apply(app, pilot, screen)
        await seen(app, pilot)
        apps = emu.get("doublewordai.co/v1alpha1", "InferenceStack", "takeoff", "chat-stack")["spec"]["applications"]
        assert apps["llama-reader"]["replicaCount"] == 2


# ----------------------------------------------------------------------------- GPU / memory
async def test_gpu_and_memory_of_a_bentodeployment_runner(tmp_path):
    async with demo_app(tmp_path, options={"namespace": "bentoml"}, wait=False) as (app, pilot, emu):
        await show(app, pilot, "bd", "bentodeployments.serving.yatai.ai", rows=4)
        await select(app, pilot, "summarizer")
        await pilot.press("u")
        await wait_for(pilot, lambda: isinstance(app.screen, ChoiceScreen))
        await pilot.press("1")  # the runner bart_large_cnn
        await wait_for(pilot, lambda: isinstance(app.screen, FormScreen))
        assert app.screen.values() == {"gpus": "1", "memory_request": "4Gi", "memory_limit": "8Gi"}
        await form(app, pilot, "2", None, "16Gi")
        screen = await review(app, pilot)
        assert screen.mutation.patch_type is PatchType.JSON
        assert screen.mutation.body[0] == {"op": "test", "path": "/spec/runners/0/name", "value": "bart_large_cnn"}
        await apply(app, pilot, screen)
        await seen(app, pilot)
        runner = emu.get("serving.yatai.ai/v2alpha1", "BentoDeployment", "bentoml", "summarizer")["spec"]["runners"][0]
        assert runner["resources"]["limits"] == {"cpu": "4", "memory": "16Gi", "gpu": "2"}
        assert runner["resources"]["requests"] == {"cpu": "1", "memory": "4Gi", "gpu": "2"}


# ----------------------------------------------------------------------------- refusals
async def test_forbidden_names_the_verb_resource_and_namespace(tmp_path):
    async with demo_app(tmp_path) as (app, pilot, emu):
        # The rules change after the app read them (denied before, `s` is marked forbidden: test_rbac.py).
        await wait_for(
            pilot,
            lambda: app.kube.allowed("inferenceservices.serving.kserve.io", "patch", "llm-prod"),
            what="the RBAC rules",
        )
        emu.deny("inferenceservices", group="serving.kserve.io", verb="patch")
        await select(app, pilot, "qwen-chat")
        await pilot.press("s")
        await form(app, pilot, "2", "4")
        screen = await review(app, pilot, accepted=False)
        message = screen.dry_result.error.message
        assert message.startswith(
            "forbidden: you may not patch inferenceservices.serving.kserve.io 'qwen-chat' in namespace llm-prod"
        )
        assert "forbidden: you may not patch" in screen_text(app)
        await pilot.press("y")  # nothing to apply
        await pilot.press("escape")
        await wait_for(pilot, lambda: not isinstance(app.screen, ReviewScreen))
        assert [r.query.get("dryRun") for r in writes(emu)] == ["All"]
        assert emu.get(ISVC_API, "InferenceService", "llm-prod", "qwen-chat")["spec"]["predictor"]["minReplicas"] == 1


async def test_readonly_sends_no_mutating_request(tmp_path, state_dir):
    async with demo_app(tmp_path, options={"readonly": True}) as (app, pilot, emu):
        await select(app, pilot, "qwen-chat")
        before = mutating_count(emu)
        await pilot.press("t")
        await review(app, pilot, accepted=False)
        assert "read-only mode: refusing to patch" in screen_text(app)
        assert "✗ read-only mode: nothing was sent" in screen_text(app)
        assert "dry run refused" not in screen_text(app)  # read-only mode refused it before any dry run
        await pilot.press("y")
        await pilot.pause(0.1)
        assert isinstance(app.screen, ReviewScreen)  # y does nothing
        await pilot.press("escape")
        await pilot.press("ctrl+d")
        await form(app, pilot, "qwen-chat")
        await review(app, pilot, accepted=False)
        await pilot.press("y", "escape")
        await pilot.press("c")
        await form(app, pilot, "new-one", None, "qwen-small", "")
        await review(app, pilot, accepted=False)
        await pilot.press("y", "escape")
        await pilot.pause(0.1)
        assert mutating_count(emu) == before == 0
        assert not writes(emu)
        assert not [e for e in audited(state_dir) if not e["dryRun"]]  # nothing was even attempted for real
        assert emu.get(ISVC_API, "InferenceService", "llm-prod", "qwen-chat") is not None


async def test_actions_that_do_not_apply_say_so(tmp_path):
    async with demo_app(tmp_path) as (app, pilot, emu):
        await show(app, pilot, "nodes", "nodes")
        await pilot.press("s")
        assert app.screen.message.startswith("scale: not available for Nodes")
        await pilot.press("t")
        assert app.screen.message.startswith("stop/start: not available for Nodes (works on InferenceServices)")
        await pilot.press("a")
        assert "add reader: not available for Nodes" in app.screen.message
        await pilot.press("c")
        assert "new InferenceService: not available for Nodes" in app.screen.message
        assert not isinstance(app.screen, (FormScreen, ReviewScreen)) and not writes(emu)


async def test_a_delete_of_an_object_changed_meanwhile_sends_nothing(tmp_path):
    async with demo_app(tmp_path) as (app, pilot, emu):
        await select(app, pilot, "llama-70b")
        await pilot.press("ctrl+d")
        await wait_for(pilot, lambda: isinstance(app.screen, FormScreen))
        emu.patch(ISVC_API, "InferenceService", "llm-prod", "llama-70b", {"metadata": {"labels": {"owner": "someone"}}})
        await form(app, pilot, "llama-70b")
        # The dry run meets the newer version (409): the review closes by itself and says why.
        await wait_for(pilot, lambda: "the object changed meanwhile" in app.screen.message, what="the conflict")
        assert "nothing was sent (the server-side dry run refused it)" in app.screen.message
        assert not isinstance(app.screen, ReviewScreen)
        assert [r.query.get("dryRun") for r in writes(emu)] == ["All"]
        assert emu.get(ISVC_API, "InferenceService", "llm-prod", "llama-70b") is not None


async def test_help_lists_the_quick_actions_of_the_kind_shown(tmp_path):
    async with demo_app(tmp_path) as (app, pilot, emu):
        await pilot.press("question_mark")
        await wait_for(pilot, lambda: app.screen.__class__.__name__ == "KeyHelpScreen")
        text = screen_text(app)
        for offered in (
            "Scale",
            "Change model",
            "Stop/start InferenceService",
            "Rollout restart",
            "Delete",
            "New InferenceService from a preset",
        ):
            assert offered in text
        assert "Add reader (InferenceStack)" not in text
        await pilot.press("escape")
        await show(app, pilot, "nodes", "nodes")
        await pilot.press("question_mark")
        await wait_for(pilot, lambda: app.screen.__class__.__name__ == "KeyHelpScreen")
        text = screen_text(app)
        assert "Delete" in text and "Scale" not in text and "GPU/memory" not in text


async def test_quick_actions_from_the_detail_view(tmp_path):
    async with demo_app(tmp_path) as (app, pilot, emu):
        await select(app, pilot, "gemma-9b")
        await pilot.press("enter")
        await wait_for(pilot, lambda: app.screen.__class__.__name__ == "DetailScreen")
        detail = app.screen
        await pilot.press("u")  # the OOMKilled model gets more memory
        await wait_for(pilot, lambda: isinstance(app.screen, FormScreen))
        assert app.screen.values() == {"gpus": "1", "memory_request": "12Gi", "memory_limit": "12Gi"}
        await form(app, pilot, None, "24Gi", "32Gi")
        screen = await review(app, pilot)
        assert screen.mutation.body == {
            "spec": {
                "predictor": {"model": {"resources": {"requests": {"memory": "24Gi"}, "limits": {"memory": "32Gi"}}}}
            }
        }
        await apply(app, pilot, screen)
        assert app.screen is detail
        await wait_for(
            pilot,
            lambda: any("seen in this view after" in n.message for n in app._notifications),
            what="the notification",
        )
        limits = emu.get(ISVC_API, "InferenceService", "llm-prod", "gemma-9b")["spec"]["predictor"]["model"][
            "resources"
        ]
        assert limits["limits"] == {"cpu": "4", "memory": "32Gi", "nvidia.com/gpu": "1"}


async def test_long_forms_scroll_to_the_focused_field_at_80x24(tmp_path):
    async with demo_app(tmp_path, size=(80, 24), options={"namespace": "takeoff"}, wait=False) as (app, pilot, emu):
        await show(app, pilot, "stack", "inferencestacks.doublewordai.co", rows=2)
        await pilot.press("a")
        await wait_for(pilot, lambda: isinstance(app.screen, FormScreen))
        assert "Replicas" not in screen_text(app)  # five fields do not fit in 24 rows
        await pilot.press("enter", "enter", "enter", "enter")  # to the last field
        await pilot.pause(0.1)
        text = screen_text(app)
        assert "Replicas  (whole number ≥ 0)" in text and "Enter next/submit" in text
