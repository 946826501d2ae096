"""What each kind offers as quick actions: pure steps from the selected object to a Mutation (no Textual)."""

import pytest

from inference_console.actions import patches as P
from inference_console.actions.quick import (
    COMMON,
    Fetch,
    NothingSelected,
    Pick,
    QuickContext,
    QuickForm,
    Review,
    builder_for,
    owner_note,
)
from inference_console.actions.types import Mutation, ObjectRef, PatchType, Verb
from inference_console.catalog import builtin_kinds
from inference_console.catalog.kinds import bentodeployment, deployment, inferenceservice, inferencestack
from inference_console.catalog.presets import PRESETS_CONFIGMAP
from inference_console.ui.quick_actions import CREATE_BINDING, QUICK_ACTION_BINDINGS
from tests.unit.test_patches import bento_deployment, isvc, ref
from tests.unit.test_patches import deployment as a_deployment


def ctx(kind, obj, **kw):
    return QuickContext(obj=obj, ref=ref(kind), **kw)


def values(form: QuickForm) -> dict[str, str]:
    return {f.name: f.value for f in form.fields}


def test_every_action_a_kind_offers_has_a_key():
    keys = {b.action.split("'")[1] for b in (*QUICK_ACTION_BINDINGS, CREATE_BINDING)}
    offered = {name for spec in builtin_kinds() for name in spec.actions} | set(COMMON)
    assert offered <= keys, f"actions without a key: {offered - keys}"
    assert {spec.kind for spec in builtin_kinds() if "scale" in spec.actions} == {
        "Deployment",
        "InferenceService",
        "BentoDeployment",
        "InferenceStack",
    }
    assert [spec.kind for spec in builtin_kinds() if "stop" in spec.actions] == ["InferenceService"]


def test_delete_is_common_and_a_kind_can_override_nothing_else():
    assert builder_for({}, "delete") is COMMON["delete"]
    assert builder_for({}, "scale") is None
    assert builder_for(inferenceservice.ACTIONS, "scale") is inferenceservice.quick_scale


def test_an_action_on_an_object_needs_one():
    with pytest.raises(NothingSelected):
        inferenceservice.quick_scale(QuickContext())


def test_scale_an_inferenceservice_form_then_mutation():
    obj = isvc()
    form = inferenceservice.quick_scale(ctx("InferenceService", obj))
    assert isinstance(form, QuickForm) and values(form) == {"min_replicas": "1", "max_replicas": "3"}
    mutation = form.build({"min_replicas": "2", "max_replicas": "4"})
    assert isinstance(mutation, Mutation) and mutation.patch_type is PatchType.MERGE
    assert mutation.body == {"spec": {"predictor": {"minReplicas": 2, "maxReplicas": 4}}}
    with pytest.raises(P.ActionInputError) as err:
        form.build({"min_replicas": "5", "max_replicas": "2"})
    assert err.value.field == "min_replicas"


def test_a_deployment_scale_review_names_its_owner():
    obj = a_deployment(replicas=2)
    obj["metadata"]["ownerReferences"] = [{"kind": "InferenceService", "name": "llama", "controller": True}]
    form = deployment.quick_scale(ctx("Deployment", obj))
    step = form.build({"replicas": "4"})
    assert isinstance(step, Review) and step.mutation.body == {"spec": {"replicas": 4}}
    assert step.note == owner_note(obj) == " — managed by InferenceService llama: its controller may set this back"


def test_deployment_resources_picks_a_container_first():
    obj = a_deployment()
    pick = deployment.quick_resources(ctx("Deployment", obj))
    assert isinstance(pick, Pick) and pick.options == ("main", "sidecar")
    form = pick.then("main")
    assert values(form) == {"gpus": "1", "memory_request": "8Gi", "memory_limit": "8Gi"}
    assert (
        form.build({"gpus": "2", "memory_request": "8Gi", "memory_limit": "8Gi"}).mutation.patch_type
        is PatchType.STRATEGIC
    )


def test_restart_of_an_owner_restarts_one_of_its_deployments():
    owner = isvc(annotations={"serving.kserve.io/deploymentMode": "RawDeployment"})
    dep = a_deployment()
    dep["metadata"].update(name="x-predictor", uid="dep-uid", ownerReferences=[{"uid": "uid-x", "controller": True}])

    def ref_of(store_key, record):
        assert store_key == "deployments"
        return ref("Deployment", record["metadata"]["name"])

    context = ctx("InferenceService", owner, records=lambda key: [dep] if key == "deployments" else [], ref_of=ref_of)
    pick = inferenceservice.ACTIONS["restart"](context)
    assert isinstance(pick, Pick) and pick.options == ("x-predictor",)
    step = pick.then("x-predictor")
    assert isinstance(step, Review) and step.store_key == "deployments" and step.before is dep
    assert step.mutation.ref.name == "x-predictor" and step.mutation.summary.endswith("(of InferenceService ns/x)")


def test_bentodeployment_resources_offers_the_api_server_and_its_runners():
    obj = bento_deployment()
    pick = bentodeployment.quick_resources(ctx("BentoDeployment", obj))
    assert pick.options == ("tokenizer", "bart") and pick.extra == (("s", "API server (spec.resources)"),)
    assert pick.then("s").title.startswith("GPUs and memory of the API server")
    assert values(pick.then("bart"))["gpus"] == "1"


def test_bentodeployment_model_lists_the_bentos_of_its_namespace():
    bentos = [{"metadata": {"name": "b1", "namespace": "ns"}}, {"metadata": {"name": "b2", "namespace": "other"}}]
    form = bentodeployment.quick_bento(ctx("BentoDeployment", bento_deployment(), records=lambda key: bentos))
    assert form.intro == "Bentos in ns: b1" and values(form) == {"bento": "summarizer-b4zq5h"}


def test_a_stack_without_readers_says_so():
    stack = {"metadata": {"name": "x", "namespace": "ns"}, "spec": {}}
    with pytest.raises(P.ActionInputError, match="no readers"):
        inferencestack.quick_scale(ctx("InferenceStack", stack))


def test_removing_a_reader_says_what_goes_with_it():
    stack = {
        "metadata": {"name": "x", "namespace": "ns"},
        "spec": {"applications": {"a": {"replicaCount": 1}, "b": {"replicaCount": 2}}},
    }
    pick = inferencestack.quick_remove_reader(ctx("InferenceStack", stack))
    step = pick.then("b")
    assert isinstance(step, Review) and step.note == " (its Deployment and pods go away)"
    assert step.mutation.body[1] == {"op": "remove", "path": "/spec/applications/b"}


PRESETS = {"data": {"presets.yaml": "small:\n  storageUri: hf://org/small\n  modelFormat: huggingface\n"}}


def configmap(namespace):
    return {"metadata": {"name": PRESETS_CONFIGMAP, "namespace": namespace}, **PRESETS}


def test_create_reads_the_presets_then_builds_from_the_form():
    fetch = inferenceservice.quick_create(QuickContext(namespace="llm"))
    assert isinstance(fetch, Fetch) and (fetch.store_key, fetch.namespace, fetch.name) == (
        "configmaps",
        "llm",
        PRESETS_CONFIGMAP,
    )
    form = fetch.then(configmap("llm"))
    assert "Presets in llm (model-config): small" in form.intro and values(form)["namespace"] == "llm"
    mutation = form.build({"name": "new-one", "namespace": "llm", "preset": "small", "gpus": ""})
    assert mutation.verb is Verb.CREATE and mutation.ref == ObjectRef(
        "serving.kserve.io", "v1beta1", "inferenceservices", "InferenceService", True, "llm", "new-one"
    )
    with pytest.raises(P.ActionInputError) as err:
        form.build({"name": "new-one", "namespace": "llm", "preset": "large", "gpus": ""})
    assert err.value.field == "preset"


def test_create_in_another_namespace_reads_its_presets_after_submit():
    form = inferenceservice.quick_create(QuickContext(namespace="llm")).then(None)
    assert "none (no model-config ConfigMap with presets)" in form.intro
    typed = {"name": "new-one", "namespace": "other", "preset": "small", "gpus": ""}
    fetch = form.build(typed)  # that namespace's presets are not known yet: read them
    assert isinstance(fetch, Fetch) and fetch.namespace == "other"
    assert fetch.then(configmap("other")).verb is Verb.CREATE
    again = fetch.then(None)  # no presets there: the form again, with the problem and what was typed
    assert isinstance(again, QuickForm) and again.intro.startswith("⚠ no preset 'small'")
    assert values(again) == typed
    with pytest.raises(P.ActionInputError) as err:  # the rest is still checked before the read
        form.build({**typed, "name": "Bad Name"})
    assert err.value.field == "name"


def test_create_uses_presets_a_store_already_holds():
    cached = lambda key, ns, name: (True, configmap(ns))  # noqa: E731
    form = inferenceservice.quick_create(QuickContext(namespace="llm", cached=cached)).then(None)
    step = form.build({"name": "new-one", "namespace": "other", "preset": "small", "gpus": ""})
    assert isinstance(step, Mutation) and step.ref.namespace == "other"
