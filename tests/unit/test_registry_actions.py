"""Registry quick actions as pure builders: archive/restore, deploy a Model Registry version, deploy a bento."""

from __future__ import annotations

import pytest

from inference_console.actions import registry as R
from inference_console.actions.patches import ActionInputError
from inference_console.actions.quick import Fetch, NothingSelected, QuickContext, QuickForm, Review
from inference_console.actions.types import PatchType, Verb
from inference_console.sources.model_registry import view as mrview
from inference_console.sources.model_registry.discovery import bare_url, choose, proxy_port, registry_service
from inference_console.sources.yatai import view as yview
from inference_console.ui.quick_actions import CREATE_BINDING, QUICK_ACTION_BINDINGS

EXECUTOR = object()
REGISTRY = {
    "name": "modelregistry-public",
    "namespace": "model-registry",
    "url": "http://modelregistry-public.model-registry.svc.cluster.local:8080",
}
VERSION = {
    "kind": "ModelVersion",
    "id": "7",
    "registeredModelId": "3",
    "name": "v3",
    "state": "LIVE",
    "modelName": "llama-3.1-8b-instruct",
    "artifactUri": "s3://models/llama/v3",
    "modelFormat": "vLLM",
    "modelFormatVersion": "0.6",
    "metadata": {"name": "llama-3.1-8b-instruct/v3", "uid": "7"},
    "links": [],
}


def test_registry_actions_have_keys():
    keys = {b.action.split("'")[1] for b in (*QUICK_ACTION_BINDINGS, CREATE_BINDING)}
    offered = {name for actions in mrview.actions_for(None, None).values() for name in actions}
    offered |= set(yview.BENTO_VIEW.actions)
    assert offered == {"archive", "deploy"} and offered <= keys


# ----------------------------------------------------------------------------- archive / restore
def test_archive_then_restore_exact_requests():
    archive = R.toggle_archive("ModelVersion", "model_versions", "llama/v3", "LIVE", EXECUTOR)
    assert archive.verb is Verb.PATCH and archive.patch_type is PatchType.MERGE and archive.executor is EXECUTOR
    assert archive.body == {"state": "ARCHIVED"}
    assert archive.ref.kind == "ModelVersion" and archive.ref.plural == "model_versions" and not archive.ref.namespaced
    assert archive.summary == "archive ModelVersion llama/v3 (state LIVE → ARCHIVED)"
    restore = R.toggle_archive("RegisteredModel", "registered_models", "llama", "ARCHIVED", EXECUTOR)
    assert restore.body == {"state": "LIVE"} and restore.summary.startswith("restore RegisteredModel llama")
    with pytest.raises(ActionInputError, match="already ARCHIVED"):
        R.set_state("ModelVersion", "model_versions", "x", "ARCHIVED", "ARCHIVED", EXECUTOR)
    with pytest.raises(ActionInputError):
        R.set_state("ModelVersion", "model_versions", "x", "LIVE", "DELETED", EXECUTOR)


def test_archive_builder_warns_when_still_served():
    writers = []

    def writer(collection, object_id):
        writers.append((collection, object_id))
        return EXECUTOR

    served = {**VERSION, "links": ["inferenceservices.serving.kserve.io/llm-prod/llama3-8b"]}
    step = mrview.quick_archive(QuickContext(obj=served), writer)
    assert isinstance(step, Review) and step.mutation.body == {"state": "ARCHIVED"}
    assert writers == [("model_versions", "7")] and "still served by llm-prod/llama3-8b" in step.note
    with pytest.raises(NothingSelected):
        mrview.quick_archive(QuickContext(), writer)
    with pytest.raises(ActionInputError):
        mrview.quick_archive(QuickContext(obj={**VERSION, "kind": "ModelArtifact"}), writer)


# ----------------------------------------------------------------------------- deploy a Model Registry version
def test_inferenceservice_for_a_version_exact_body():
    body = R.inferenceservice_for_version(
        "llama-v3",
        "llm-staging",
        "model-registry://llama-3.1-8b-instruct/v3",
        "vLLM",
        model_id="3",
        version_id="7",
        registry=REGISTRY,
        format_version="0.6",
        runtime="vllm-runtime",
    )
    assert body == {
        "apiVersion": "serving.kserve.io/v1beta1",
        "kind": "InferenceService",
        "metadata": {
            "name": "llama-v3",
            "namespace": "llm-staging",
            "labels": {
                "modelregistry.kubeflow.org/registered-model-id": "3",
                "modelregistry.kubeflow.org/model-version-id": "7",
                "modelregistry.kubeflow.org/name": "modelregistry-public",
                "modelregistry.kubeflow.org/namespace": "model-registry",
            },
            "annotations": {
                "modelregistry.kubeflow.org/url": "http://modelregistry-public.model-registry.svc.cluster.local:8080"
            },
        },
        "spec": {
            "predictor": {
                "model": {
                    "modelFormat": {"name": "vLLM", "version": "0.6"},
                    "runtime": "vllm-runtime",
                    "storageUri": "model-registry://llama-3.1-8b-instruct/v3",
                }
            }
        },
    }
    # Only a URL known (no Service found): no name/namespace labels, the URL as the annotation.
    bare = R.inferenceservice_for_version(
        "iris",
        "tabular",
        "gs://b/iris",
        "sklearn",
        model_id=1,
        version_id=2,
        registry={"url": "https://mr.example.com"},
    )
    assert bare["metadata"]["labels"] == {
        "modelregistry.kubeflow.org/registered-model-id": "1",
        "modelregistry.kubeflow.org/model-version-id": "2",
    }
    assert bare["metadata"]["annotations"] == {"modelregistry.kubeflow.org/url": "https://mr.example.com"}
    assert bare["spec"]["predictor"]["model"] == {"modelFormat": {"name": "sklearn"}, "storageUri": "gs://b/iris"}


@pytest.mark.parametrize(
    "kw,field",
    [
        ({"name": "Llama"}, "name"),
        ({"name": "9lives"}, "name"),
        ({"namespace": ""}, "namespace"),
        ({"storage_uri": "ftp://x"}, "storage_uri"),
        ({"model_format": ""}, "model_format"),
    ],
)
def test_deploy_version_input_errors_name_their_field(kw, field):
    args = {"name": "ok", "namespace": "ns", "storage_uri": "s3://b/m", "model_format": "onnx", **kw}
    with pytest.raises(ActionInputError) as err:
        R.deploy_version(
            args["name"],
            args["namespace"],
            args["storage_uri"],
            args["model_format"],
            model_id="1",
            version_id="2",
            what="m/1",
            registry={},
        )
    assert err.value.field == field


def test_deploy_version_creates_or_updates():
    create = R.deploy_version(
        "llama-v3",
        "llm-staging",
        "s3://models/llama/v3",
        "vLLM",
        model_id="3",
        version_id="7",
        what="llama/v3",
        registry=REGISTRY,
    )
    assert create.verb is Verb.CREATE and create.ref.describe() == "InferenceService llm-staging/llama-v3"
    assert create.summary == "create InferenceService llm-staging/llama-v3 serving llama/v3"
    existing = {
        "metadata": {
            "name": "llama-v3",
            "namespace": "llm-staging",
            "labels": {"modelregistry.kubeflow.org/model-version-id": "6"},
        },
        "spec": {"predictor": {"model": {"modelFormat": {"name": "vLLM"}, "storageUri": "s3://models/llama/v2"}}},
    }
    update = R.deploy_version(
        "llama-v3",
        "llm-staging",
        "s3://models/llama/v3",
        "vLLM",
        model_id="3",
        version_id="7",
        what="llama/v3",
        registry={"url": "http://mr:8080"},
        existing=existing,
    )
    assert update.verb is Verb.PATCH and update.patch_type is PatchType.MERGE
    assert update.body == {
        "metadata": {
            "labels": {
                "modelregistry.kubeflow.org/registered-model-id": "3",
                "modelregistry.kubeflow.org/model-version-id": "7",
            },
            "annotations": {"modelregistry.kubeflow.org/url": "http://mr:8080"},
        },
        "spec": {"predictor": {"model": {"modelFormat": {"name": "vLLM"}, "storageUri": "s3://models/llama/v3"}}},
    }
    legacy = {"metadata": {"name": "iris"}, "spec": {"predictor": {"sklearn": {"storageUri": "gs://old"}}}}
    patch = R.deploy_version(
        "iris",
        "tabular",
        "gs://new",
        "sklearn",
        model_id="1",
        version_id="2",
        what="iris/2",
        registry={},
        existing=legacy,
    )
    assert patch.body["spec"] == {"predictor": {"sklearn": {"storageUri": "gs://new"}}}
    same = {"metadata": {"labels": create.body["metadata"]["labels"]}, "spec": create.body["spec"]}
    with pytest.raises(ActionInputError, match="already serves"):
        R.deploy_version(
            "llama-v3",
            "llm-staging",
            "s3://models/llama/v3",
            "vLLM",
            model_id="3",
            version_id="7",
            what="llama/v3",
            registry=REGISTRY,
            existing=same,
        )


def test_deploy_form_from_a_version_then_a_fetch_then_a_review():
    form = mrview.quick_deploy(QuickContext(obj=VERSION, namespace="llm-staging"), lambda: REGISTRY)
    assert isinstance(form, QuickForm)
    values = {f.name: f.value for f in form.fields}
    assert values == {
        "name": "llama-3-1-8b-instruct-v3",
        "namespace": "llm-staging",
        "storage_uri": "s3://models/llama/v3",
        "model_format": "vLLM",
        "runtime": "",
    }
    assert (
        "model-registry://llama-3.1-8b-instruct/v3" in form.intro
        and "model-registry/modelregistry-public" in form.intro
    )
    fetch = form.build(values)
    assert isinstance(fetch, Fetch) and (fetch.store_key, fetch.namespace, fetch.name) == (
        "inferenceservices.serving.kserve.io",
        "llm-staging",
        "llama-3-1-8b-instruct-v3",
    )
    review = fetch.then(None)
    assert isinstance(review, Review) and review.store_key == "inferenceservices.serving.kserve.io"
    model = review.mutation.body["spec"]["predictor"]["model"]
    assert model == {"modelFormat": {"name": "vLLM", "version": "0.6"}, "storageUri": "s3://models/llama/v3"}
    with pytest.raises(ActionInputError) as err:
        form.build({**values, "name": "Bad_Name"})
    assert err.value.field == "name"


# ----------------------------------------------------------------------------- deploy a bento version
BENTO = {
    "kind": "YataiBento",
    "repository": "iris_classifier",
    "version": "nxapohu4codzplg6",
    "metadata": {"name": "iris_classifier:nxapohu4codzplg6", "uid": "b1"},
    "links": [],
}
BENTO_CR = {
    "metadata": {"name": "iris-classifier-nxapoh", "namespace": "bentoml"},
    "spec": {"tag": "iris_classifier:nxapohu4codzplg6"},
}


def test_bentodeployment_exact_body_and_update():
    create = R.deploy_bento(
        "iris-canary",
        "bentoml",
        "iris-classifier-nxapoh",
        "iris_classifier:nxapohu4codzplg6",
        min_replicas="1",
        max_replicas="2",
    )
    assert create.verb is Verb.CREATE and create.body == {
        "apiVersion": "serving.yatai.ai/v2alpha1",
        "kind": "BentoDeployment",
        "metadata": {"name": "iris-canary", "namespace": "bentoml"},
        "spec": {"bento": "iris-classifier-nxapoh", "autoscaling": {"minReplicas": 1, "maxReplicas": 2}},
    }
    existing = {"metadata": {"name": "iris-classifier", "namespace": "bentoml"}, "spec": {"bento": "iris-old"}}
    update = R.deploy_bento(
        "iris-classifier", "bentoml", "iris-classifier-nxapoh", "iris_classifier:nxapohu4codzplg6", existing=existing
    )
    assert update.verb is Verb.PATCH and update.patch_type is PatchType.MERGE
    assert update.body == {"spec": {"bento": "iris-classifier-nxapoh"}}
    assert update.summary == (
        "update BentoDeployment bentoml/iris-classifier to run iris_classifier:nxapohu4codzplg6 "
        "(spec.bento iris-classifier-nxapoh)"
    )
    with pytest.raises(ActionInputError) as err:
        R.deploy_bento("x", "bentoml", "iris_classifier:nxapohu4codzplg6", "t")
    assert err.value.field == "bento"
    with pytest.raises(ActionInputError) as err:
        R.deploy_bento("x", "bentoml", "b", "t", min_replicas="3", max_replicas="2")
    assert err.value.field == "min_replicas"


def test_bento_deploy_form_finds_the_bento_and_the_deployment_to_update():
    older = {
        **BENTO,
        "version": "old",
        "metadata": {"name": "iris_classifier:old", "uid": "b0"},
        "links": ["bentodeployments.serving.yatai.ai/bentoml/iris-classifier"],
    }
    records = {"bentoes.resources.yatai.ai": [BENTO_CR], "yatai.bentos": [BENTO, older]}
    ctx = QuickContext(obj=BENTO, namespace="default", records=lambda key: records.get(key, []))
    form = yview.quick_deploy(ctx)
    values = {f.name: f.value for f in form.fields}
    assert values == {
        "name": "iris-classifier",
        "namespace": "bentoml",
        "bento": "iris-classifier-nxapoh",
        "min_replicas": "1",
        "max_replicas": "1",
    }
    assert "bentoml/iris-classifier runs another version" in form.intro
    fetch = form.build(values)
    assert (fetch.store_key, fetch.namespace, fetch.name) == (
        "bentodeployments.serving.yatai.ai",
        "bentoml",
        "iris-classifier",
    )
    review = fetch.then({"metadata": {"name": "iris-classifier", "namespace": "bentoml"}, "spec": {"bento": "x"}})
    assert review.mutation.body == {"spec": {"bento": "iris-classifier-nxapoh"}}
    with pytest.raises(ActionInputError, match="no Bento or BentoRequest in vision") as err:
        form.build({**values, "namespace": "vision"})
    assert err.value.field == "bento"


# ----------------------------------------------------------------------------- discovery (pure parts)
def test_the_registry_service_of_a_modelregistry():
    mr = {
        "metadata": {"name": "modelregistry-public", "namespace": "model-registry"},
        "spec": {"rest": {"port": 8080}},
        "status": {"conditions": [{"type": "Available", "status": "True"}]},
    }
    broken = {
        "metadata": {"name": "a-first", "namespace": "a"},
        "status": {"conditions": [{"type": "Available", "status": "False"}]},
    }
    found = choose([broken, mr])
    assert found == registry_service(mr) and found.url == REGISTRY["url"] and found.port == "8080"
    svc = {"spec": {"ports": [{"name": "grpc-api", "port": 9090}, {"name": "http-api", "port": 8080}]}}
    assert proxy_port(svc, found) == "http-api" and proxy_port(None, found) == "8080"
    assert bare_url("https://user:pw@mr.example.com:8443/base/?token=x#f") == "https://mr.example.com:8443/base"
    assert choose([]) is None
