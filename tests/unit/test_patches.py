"""The quick-action builders: exact request bodies, content types, preconditions and refusals."""

from datetime import datetime, timedelta, timezone
from decimal import Decimal

import pytest

from inference_console.actions import patches as P
from inference_console.actions.layer import request_for
from inference_console.actions.types import ObjectRef, PatchType, Verb

MERGE, STRATEGIC, JSON = PatchType.MERGE, PatchType.STRATEGIC, PatchType.JSON


def ref(kind, name="x", namespace="ns"):
    table = {
        "Deployment": ("apps", "v1", "deployments"),
        "InferenceService": ("serving.kserve.io", "v1beta1", "inferenceservices"),
        "BentoDeployment": ("serving.yatai.ai", "v2alpha1", "bentodeployments"),
        "InferenceStack": ("doublewordai.co", "v1alpha1", "inferencestacks"),
        "Node": ("", "v1", "nodes"),
    }
    group, version, plural = table[kind]
    return ObjectRef(group, version, plural, kind, kind != "Node", namespace if kind != "Node" else None, name)


def md(name="x", rv="41", **extra):
    return {"name": name, "namespace": "ns", "uid": f"uid-{name}", "resourceVersion": rv, **extra}


def deployment(replicas=1, paused=False, containers=None):
    containers = (
        containers
        if containers is not None
        else [
            {
                "name": "main",
                "image": "i",
                "resources": {
                    "requests": {"cpu": "1", "memory": "8Gi", P.GPU: "1"},
                    "limits": {"memory": "8Gi", P.GPU: "1"},
                },
            },
            {"name": "sidecar", "image": "s"},
        ]
    )
    spec = {"replicas": replicas, "template": {"spec": {"containers": containers}}}
    if paused:
        spec["paused"] = True
    return {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": md(), "spec": spec}


def isvc(predictor=None, annotations=None, **meta_extra):
    predictor = (
        predictor
        if predictor is not None
        else {
            "minReplicas": 1,
            "maxReplicas": 3,
            "model": {
                "modelFormat": {"name": "huggingface"},
                "storageUri": "hf://org/model",
                "resources": {
                    "requests": {"cpu": "4", "memory": "16Gi", P.GPU: "1"},
                    "limits": {"memory": "16Gi", P.GPU: "1"},
                },
            },
        }
    )
    m = md(**meta_extra)
    if annotations is not None:
        m["annotations"] = annotations
    return {
        "apiVersion": "serving.kserve.io/v1beta1",
        "kind": "InferenceService",
        "metadata": m,
        "spec": {"predictor": predictor},
    }


def bento_deployment():
    return {
        "apiVersion": "serving.yatai.ai/v2alpha1",
        "kind": "BentoDeployment",
        "metadata": md(),
        "spec": {
            "bento": "summarizer-b4zq5h",
            "autoscaling": {"minReplicas": 1, "maxReplicas": 3},
            "resources": {"requests": {"cpu": "500m", "memory": "1Gi"}, "limits": {"cpu": "2", "memory": "2Gi"}},
            "runners": [
                {"name": "tokenizer"},
                {
                    "name": "bart",
                    "resources": {"requests": {"memory": "4Gi", "gpu": "1"}, "limits": {"memory": "8Gi", "gpu": "1"}},
                },
            ],
        },
    }


def stack():
    return {
        "apiVersion": "doublewordai.co/v1alpha1",
        "kind": "InferenceStack",
        "metadata": md("chat"),
        "spec": {
            "applicationTemplate": {
                "readerConfig": {"modelName": "TitanML/dummy", "device": "cpu", "consumerGroup": "primary"},
                "replicaCount": 1,
                "resources": {"limits": {"memory": "2Gi"}},
            },
            "applications": {
                "llama": {
                    "readerConfig": {
                        "modelName": "meta-llama/Llama-3.1-8B-Instruct",
                        "device": "cuda",
                        "consumerGroup": "primary",
                    },
                    "resources": {"limits": {P.GPU: 1, "memory": "48Gi"}, "requests": {P.GPU: 1, "memory": "48Gi"}},
                },
                "embedder": {
                    "readerConfig": {"modelName": "BAAI/bge-small-en-v1.5", "consumerGroup": "embed"},
                    "replicaCount": 2,
                },
                "auto": {"scaling": {"enabled": True, "spec": {"minReplicaCount": 1}}},
            },
        },
    }


def error_of(fn, *args, **kwargs):
    with pytest.raises(P.ActionInputError) as info:
        fn(*args, **kwargs)
    return info.value


# ----------------------------------------------------------------------------- input checks
@pytest.mark.parametrize(
    "text,value",
    [
        ("16Gi", 16 * 2**30),
        ("500Mi", 500 * 2**20),
        ("1", 1),
        ("0", 0),
        ("250m", Decimal("0.25")),
        ("1.5G", Decimal("1.5e9")),
        ("1e3", 1000),
        ("2E", Decimal("2e18")),
        ("+2Ki", 2048),
        (".5", Decimal("0.5")),
        (" 8Gi ", 8 * 2**30),
        (3, 3),
    ],
)
def test_quantities(text, value):
    assert P.parse_quantity(text) == value


@pytest.mark.parametrize("text", ["", "16GB", "Gi", "1.2.3", "16 Gi", "abc", "1ki", "0x10", "-1", "-5Gi"])
def test_bad_quantities(text):
    err = error_of(P.parse_quantity, text, "memory_limit", "memory limit")
    assert err.field == "memory_limit" and "memory limit" in str(err)


def test_counts():
    assert P.parse_count("3", "f", "replicas") == 3 and P.parse_count(0, "f", "replicas") == 0
    for bad in ("-1", "1.5", "", "x", True, 2**31):
        assert error_of(P.parse_count, bad, "f", "replicas").field == "f"
    assert "≥ 1" in str(error_of(P.parse_count, "0", "f", "minReplicas", 1))


@pytest.mark.parametrize(
    "uri",
    [
        "hf://Qwen/Qwen2.5-7B",
        "s3://b/m/1",
        "gs://b/m",
        "pvc://cache/phi-3",
        "model-registry://llama/v3",
        "oci://registry.internal/m:1.0",
        "https://acct.blob.core.windows.net/c/m",
    ],
)
def test_storage_uris_accepted(uri):
    assert P.check_storage_uri(uri) == uri


@pytest.mark.parametrize(
    "uri,words",
    [
        ("ftp://host/model", "unsupported scheme"),
        ("/mnt/models", "unsupported scheme"),
        ("hf://", "names no model"),
        ("s3:///", "names no model"),
        ("", "required"),
        ("hf://org/my model", "spaces"),
        ("pvc://Bad_Claim/x", "PersistentVolumeClaim"),
    ],
)
def test_storage_uris_refused(uri, words):
    err = error_of(P.check_storage_uri, uri)
    assert words in str(err) and err.field == "storage_uri"


def test_names_and_label_values():
    assert P.check_label("llama-2", "name", "reader name") == "llama-2"
    for bad in ("Llama", "-a", "a-", "a_b", "a" * 64, ""):
        assert error_of(P.check_label, bad, "name", "reader name").field == "name"
    assert P.check_label_value("Batch_1.v2", "g", "consumerGroup") == "Batch_1.v2"
    for bad in ("", "-x", "x y", "a/b", "a" * 64):
        assert error_of(P.check_label_value, bad, "g", "consumerGroup").field == "g"


# ----------------------------------------------------------------------------- scale
def test_scale_deployment_is_a_strategic_merge_patch():
    m = P.scale_deployment(ref("Deployment"), deployment(), "3")
    assert (m.verb, m.patch_type, m.body, m.resource_version) == (
        Verb.PATCH,
        STRATEGIC,
        {"spec": {"replicas": 3}},
        None,
    )
    assert m.summary == "scale Deployment ns/x to 3 replicas"
    method, path, query, body, ctype = request_for(m)
    assert (method, path, body, ctype) == (
        "PATCH",
        "/apis/apps/v1/namespaces/ns/deployments/x",
        {"spec": {"replicas": 3}},
        "application/strategic-merge-patch+json",
    )


def test_scale_deployment_refusals():
    assert error_of(P.scale_deployment, ref("Deployment"), deployment(), "-1").field == "replicas"
    assert "already has 1 replica" in str(error_of(P.scale_deployment, ref("Deployment"), deployment(), "1"))
    assert P.scale_deployment(ref("Deployment"), deployment(), "0").summary == "scale Deployment ns/x to 0 replicas"
    assert P.scale_deployment(ref("Deployment"), deployment(2), "1").summary == "scale Deployment ns/x to 1 replica"
    assert "not Nodes" in str(error_of(P.scale_deployment, ref("Node"), {}, "1"))


def test_scale_inferenceservice():
    m = P.scale_inferenceservice(ref("InferenceService"), isvc(), "2", "4")
    assert (m.patch_type, m.body) == (MERGE, {"spec": {"predictor": {"minReplicas": 2, "maxReplicas": 4}}})
    assert P.scale_inferenceservice(ref("InferenceService"), isvc(), 0, 0).body["spec"]["predictor"] == {
        "minReplicas": 0,
        "maxReplicas": 0,
    }
    err = error_of(P.scale_inferenceservice, ref("InferenceService"), isvc(), "5", "4")
    assert err.field == "min_replicas" and "must not be more than maxReplicas (4)" in str(err)
    assert error_of(P.scale_inferenceservice, ref("InferenceService"), isvc(), "1", "-2").field == "max_replicas"
    assert "already" in str(error_of(P.scale_inferenceservice, ref("InferenceService"), isvc(), "1", "3"))


def test_scale_bentodeployment_uses_the_v2alpha1_autoscaling_keys():
    m = P.scale_bentodeployment(ref("BentoDeployment"), bento_deployment(), "2", "5")
    assert (m.patch_type, m.body) == (MERGE, {"spec": {"autoscaling": {"minReplicas": 2, "maxReplicas": 5}}})
    assert "≥ 1" in str(error_of(P.scale_bentodeployment, ref("BentoDeployment"), bento_deployment(), "0", "2"))
    assert (
        error_of(P.scale_bentodeployment, ref("BentoDeployment"), bento_deployment(), "4", "2").field == "min_replicas"
    )
    old = ObjectRef("serving.yatai.ai", "v1alpha3", "bentodeployments", "BentoDeployment", True, "ns", "x")
    assert "v2alpha1 only" in str(error_of(P.scale_bentodeployment, old, bento_deployment(), "1", "2"))


def test_scale_reader_json_patch_tests_the_reader_entry():
    m = P.scale_reader(ref("InferenceStack", "chat"), stack(), "llama", "3")
    entry = stack()["spec"]["applications"]["llama"]
    assert (m.patch_type, m.resource_version) == (JSON, None)
    assert m.body == [
        {"op": "test", "path": "/spec/applications/llama", "value": entry},
        {"op": "add", "path": "/spec/applications/llama/replicaCount", "value": 3},
    ]
    assert request_for(m)[3:] == (m.body, "application/json-patch+json")
    m = P.scale_reader(ref("InferenceStack", "chat"), stack(), "embedder", "0")
    assert m.body[1] == {"op": "replace", "path": "/spec/applications/embedder/replicaCount", "value": 0}
    assert "no reader 'nope'" in str(error_of(P.scale_reader, ref("InferenceStack"), stack(), "nope", "1"))
    assert "autoscaled" in str(error_of(P.scale_reader, ref("InferenceStack"), stack(), "auto", "2"))
    assert "already has replicaCount 2" in str(
        error_of(P.scale_reader, ref("InferenceStack"), stack(), "embedder", "2")
    )
    assert error_of(P.scale_reader, ref("InferenceStack"), stack(), "llama", "x").field == "replicas"


def test_change_storage_uri_model_block():
    m = P.change_storage_uri(ref("InferenceService"), isvc(), " s3://models/llama/v2 ")
    assert (m.verb, m.patch_type, m.body) == (
        Verb.PATCH,
        MERGE,
        {"spec": {"predictor": {"model": {"storageUri": "s3://models/llama/v2"}}}},
    )
    assert request_for(m)[4] == "application/merge-patch+json"


def test_change_storage_uri_legacy_framework_key():
    legacy = isvc({"sklearn": {"storageUri": "gs://old/model"}})
    m = P.change_storage_uri(ref("InferenceService"), legacy, "gs://new/model")
    assert m.body == {"spec": {"predictor": {"sklearn": {"storageUri": "gs://new/model"}}}}


def test_change_storage_uri_refusals():
    r = ref("InferenceService")
    assert "unsupported scheme" in str(error_of(P.change_storage_uri, r, isvc(), "ftp://x/y"))
    assert "already loads" in str(error_of(P.change_storage_uri, r, isvc(), "hf://org/model"))
    assert "custom containers" in str(
        error_of(P.change_storage_uri, r, isvc({"containers": [{"name": "c"}]}), "hf://a/b")
    )
    storage = isvc({"model": {"modelFormat": {"name": "onnx"}, "storage": {"key": "s3", "path": "m"}}})
    assert "storage" in str(error_of(P.change_storage_uri, r, storage, "s3://a/b"))


def test_change_bento():
    m = P.change_bento(ref("BentoDeployment"), bento_deployment(), "summarizer-c5ab12")
    assert (m.patch_type, m.body) == (MERGE, {"spec": {"bento": "summarizer-c5ab12"}})
    r = ref("BentoDeployment")
    assert "bento tag" in str(error_of(P.change_bento, r, bento_deployment(), "text_summarizer:b4zq5h"))
    assert error_of(P.change_bento, r, bento_deployment(), "Bad_Name").field == "bento"
    assert "already runs" in str(error_of(P.change_bento, r, bento_deployment(), "summarizer-b4zq5h"))
    assert "required" in str(error_of(P.change_bento, r, bento_deployment(), " "))


def test_change_reader_model_sends_only_what_changed():
    r = ref("InferenceStack", "chat")
    m = P.change_reader_model(r, stack(), "llama", "Qwen/Qwen2.5-7B-Instruct", "primary")
    assert (m.patch_type, m.resource_version) == (JSON, None)
    assert m.body[1:] == [
        {
            "op": "replace",
            "path": "/spec/applications/llama/readerConfig/modelName",
            "value": "Qwen/Qwen2.5-7B-Instruct",
        }
    ]
    m = P.change_reader_model(r, stack(), "embedder", "BAAI/bge-small-en-v1.5", "batch")
    assert m.body[1:] == [
        {"op": "replace", "path": "/spec/applications/embedder/readerConfig/consumerGroup", "value": "batch"}
    ]
    # "auto" has no readerConfig of its own (the template's applies): the map is added.
    m = P.change_reader_model(r, stack(), "auto", "m/x", "primary")
    assert m.body[1:] == [{"op": "add", "path": "/spec/applications/auto/readerConfig", "value": {"modelName": "m/x"}}]
    assert error_of(P.change_reader_model, r, stack(), "llama", "", "primary").field == "model_name"
    assert error_of(P.change_reader_model, r, stack(), "llama", "a b", "primary").field == "model_name"
    assert error_of(P.change_reader_model, r, stack(), "llama", "m", "not ok!").field == "consumer_group"
    assert "already serves" in str(
        error_of(P.change_reader_model, r, stack(), "llama", "meta-llama/Llama-3.1-8B-Instruct", "primary")
    )


def test_isvc_resources_merge_patch_of_changed_keys():
    m = P.set_isvc_resources(ref("InferenceService"), isvc(), "2", "16Gi", "32Gi")
    assert m.patch_type is MERGE
    assert m.body == {
        "spec": {
            "predictor": {"model": {"resources": {"requests": {P.GPU: "2"}, "limits": {P.GPU: "2", "memory": "32Gi"}}}}
        }
    }
    # 0 GPUs and an empty memory request remove the keys (null in a merge patch).
    m = P.set_isvc_resources(ref("InferenceService"), isvc(), "0", "", "16Gi")
    assert m.body == {
        "spec": {
            "predictor": {"model": {"resources": {"requests": {P.GPU: None, "memory": None}, "limits": {P.GPU: None}}}}
        }
    }
    # Equal quantities written differently are no change.
    m = P.set_isvc_resources(ref("InferenceService"), isvc(), "1", "16384Mi", "20Gi")
    assert m.body["spec"]["predictor"]["model"]["resources"] == {"limits": {"memory": "20Gi"}}


def test_isvc_resources_legacy_key_and_refusals():
    legacy = isvc({"xgboost": {"storageUri": "s3://x/y"}})
    m = P.set_isvc_resources(ref("InferenceService"), legacy, "1", "2Gi", "4Gi")
    assert m.body == {
        "spec": {
            "predictor": {
                "xgboost": {
                    "resources": {"requests": {P.GPU: "1", "memory": "2Gi"}, "limits": {P.GPU: "1", "memory": "4Gi"}}
                }
            }
        }
    }
    r = ref("InferenceService")
    err = error_of(P.set_isvc_resources, r, isvc(), "1", "32Gi", "16Gi")
    assert err.field == "memory_request" and "more than the limit" in str(err)
    assert error_of(P.set_isvc_resources, r, isvc(), "1.5", "1Gi", "1Gi").field == "gpus"
    assert error_of(P.set_isvc_resources, r, isvc(), "1", "16GB", "").field == "memory_request"
    assert error_of(P.set_isvc_resources, r, isvc(), "1", "", "lots").field == "memory_limit"
    assert "nothing to change" in str(error_of(P.set_isvc_resources, r, isvc(), "1", "16Gi", "16Gi"))


def test_deployment_resources_strategic_merge_by_container_name():
    m = P.set_deployment_resources(ref("Deployment"), deployment(), "sidecar", "0", "256Mi", "512Mi")
    assert m.patch_type is STRATEGIC
    assert m.body == {
        "spec": {
            "template": {
                "spec": {
                    "containers": [
                        {
                            "name": "sidecar",
                            "resources": {"requests": {"memory": "256Mi"}, "limits": {"memory": "512Mi"}},
                        }
                    ]
                }
            }
        }
    }
    m = P.set_deployment_resources(ref("Deployment"), deployment(), "main", "4", "8Gi", "8Gi")
    assert m.body["spec"]["template"]["spec"]["containers"] == [
        {"name": "main", "resources": {"requests": {P.GPU: "4"}, "limits": {P.GPU: "4"}}}
    ]
    err = error_of(P.set_deployment_resources, ref("Deployment"), deployment(), "nope", "1", "", "")
    assert err.field == "container" and "main, sidecar" in str(err)


def test_bentodeployment_api_server_resources_use_yatai_gpu_key():
    m = P.set_bentodeployment_resources(ref("BentoDeployment"), bento_deployment(), "", "1", "1Gi", "4Gi")
    assert (m.patch_type, m.body) == (
        MERGE,
        {"spec": {"resources": {"requests": {"gpu": "1"}, "limits": {"gpu": "1", "memory": "4Gi"}}}},
    )
    assert P.GPU not in str(m.body)


def test_bentodeployment_runner_resources_json_patch_with_tests():
    m = P.set_bentodeployment_resources(ref("BentoDeployment"), bento_deployment(), "bart", "2", "4Gi", "16Gi")
    assert m.patch_type is JSON
    assert m.body == [
        {"op": "test", "path": "/spec/runners/1/name", "value": "bart"},
        {
            "op": "test",
            "path": "/spec/runners/1/resources",
            "value": {"requests": {"memory": "4Gi", "gpu": "1"}, "limits": {"memory": "8Gi", "gpu": "1"}},
        },
        {
            "op": "add",
            "path": "/spec/runners/1/resources",
            "value": {"requests": {"memory": "4Gi", "gpu": "2"}, "limits": {"memory": "16Gi", "gpu": "2"}},
        },
    ]
    method, _, _, body, ctype = request_for(m)
    assert (method, ctype, body) == (
        "PATCH",
        "application/json-patch+json",
        m.body,
    )  # no metadata added to a JSON patch
    # A runner without resources: no test of a value that is not there.
    m = P.set_bentodeployment_resources(ref("BentoDeployment"), bento_deployment(), "tokenizer", "0", "1Gi", "")
    assert m.body == [
        {"op": "test", "path": "/spec/runners/0/name", "value": "tokenizer"},
        {"op": "add", "path": "/spec/runners/0/resources", "value": {"requests": {"memory": "1Gi"}}},
    ]
    err = error_of(P.set_bentodeployment_resources, ref("BentoDeployment"), bento_deployment(), "ghost", "1", "", "")
    assert err.field == "target" and "tokenizer, bart" in str(err)


def test_reader_resources_respect_the_template():
    r = ref("InferenceStack", "chat")
    m = P.set_reader_resources(r, stack(), "llama", "2", "48Gi", "64Gi")
    assert (m.patch_type, m.resource_version) == (JSON, None)
    assert m.body[0] == {
        "op": "test",
        "path": "/spec/applications/llama",
        "value": stack()["spec"]["applications"]["llama"],
    }
    assert m.body[1:] == [  # "/" in a key is escaped as ~1 (RFC 6901)
        {"op": "replace", "path": "/spec/applications/llama/resources/limits/nvidia.com~1gpu", "value": "2"},
        {"op": "replace", "path": "/spec/applications/llama/resources/limits/memory", "value": "64Gi"},
        {"op": "replace", "path": "/spec/applications/llama/resources/requests/nvidia.com~1gpu", "value": "2"},
    ]
    # Removing every request removes the requests map itself.
    m = P.set_reader_resources(r, stack(), "llama", "0", "", "48Gi")
    assert m.body[1:] == [
        {"op": "remove", "path": "/spec/applications/llama/resources/requests"},
        {"op": "remove", "path": "/spec/applications/llama/resources/limits/nvidia.com~1gpu"},
    ]
    # embedder has no resources of its own: the template's 2Gi limit is what it runs with.
    assert P.current_resources(None, floor=stack()["spec"]["applicationTemplate"]["resources"]) == {
        "gpus": "0",
        "memory_request": "",
        "memory_limit": "2Gi",
    }
    m = P.set_reader_resources(r, stack(), "embedder", "0", "1Gi", "2Gi")
    assert m.body[1:] == [
        {"op": "add", "path": "/spec/applications/embedder/resources", "value": {"requests": {"memory": "1Gi"}}}
    ]
    err = error_of(P.set_reader_resources, r, stack(), "embedder", "0", "", "")
    assert err.field == "memory_limit" and "applicationTemplate" in str(err)


def test_current_resources_for_forms():
    assert P.current_resources({"requests": {"memory": "1Gi", "gpu": "2"}, "limits": {"gpu": "2"}}, P.YATAI_GPU) == {
        "gpus": "2",
        "memory_request": "1Gi",
        "memory_limit": "",
    }
    assert P.current_resources(None) == {"gpus": "0", "memory_request": "", "memory_limit": ""}


# ----------------------------------------------------------------------------- stop / start
def test_stop_and_start_inferenceservice():
    r = ref("InferenceService")
    running = isvc(annotations={"serving.kserve.io/deploymentMode": "RawDeployment"})
    m = P.toggle_stop(r, running)
    assert (m.patch_type, m.body) == (MERGE, {"metadata": {"annotations": {P.STOP_ANNOTATION: "true"}}})
    assert m.summary.startswith("stop InferenceService ns/x")
    stopped = isvc(annotations={P.STOP_ANNOTATION: "True"})  # KServe compares case-insensitively
    m = P.toggle_stop(r, stopped)
    assert (m.patch_type, m.body) == (MERGE, {"metadata": {"annotations": {P.STOP_ANNOTATION: None}}})
    assert m.summary.startswith("start")
    assert "already stopped" in str(error_of(P.stop_inferenceservice, r, stopped))
    assert "not stopped" in str(error_of(P.start_inferenceservice, r, running))
    assert "not Deployments" in str(error_of(P.toggle_stop, ref("Deployment"), deployment()))


# ----------------------------------------------------------------------------- restart
def test_restart_deployment_sets_restarted_at_in_rfc3339():
    now = datetime(2026, 8, 21, 12, 0, 5, tzinfo=timezone(timedelta(hours=2)))
    m = P.restart_deployment(ref("Deployment"), deployment(), now)
    assert (m.patch_type, m.resource_version) == (STRATEGIC, None)
    assert m.body == {
        "spec": {
            "template": {"metadata": {"annotations": {"kubectl.kubernetes.io/restartedAt": "2026-08-21T10:00:05Z"}}}
        }
    }
    assert "paused" in str(error_of(P.restart_deployment, ref("Deployment"), deployment(paused=True)))
    assert P.rfc3339().endswith("Z")


def test_deployments_to_restart():
    owner = isvc(annotations={"serving.kserve.io/deploymentMode": "RawDeployment"}, name="qwen")
    owned = {"metadata": {"name": "qwen-predictor", "namespace": "ns", "ownerReferences": [{"uid": "uid-qwen"}]}}
    labelled = {
        "metadata": {"name": "qwen-extra", "namespace": "ns", "labels": {"serving.kserve.io/inferenceservice": "qwen"}}
    }
    elsewhere = {"metadata": {"name": "qwen-predictor", "namespace": "other", "ownerReferences": [{"uid": "uid-qwen"}]}}
    other = {"metadata": {"name": "llama-predictor", "namespace": "ns"}}
    found = P.deployments_to_restart("InferenceService", owner, [other, labelled, elsewhere, owned])
    assert [d["metadata"]["name"] for d in found] == ["qwen-extra", "qwen-predictor"]
    serverless = isvc(name="qwen")
    assert "Knative" in str(error_of(P.deployments_to_restart, "InferenceService", serverless, [owned]))
    stopped = isvc(annotations={"serving.kserve.io/deploymentMode": "RawDeployment", P.STOP_ANNOTATION: "true"})
    assert "it is stopped" in str(error_of(P.deployments_to_restart, "InferenceService", stopped, [other]))
    bd = {"metadata": {"name": "summ", "namespace": "ns", "uid": "u"}}
    runner = {"metadata": {"name": "summ-runner-0", "namespace": "ns", "labels": {"yatai.ai/bento-deployment": "summ"}}}
    assert P.deployments_to_restart("BentoDeployment", bd, [runner, other]) == [runner]
    st = {"metadata": {"name": "chat", "namespace": "ns", "uid": "u"}}
    reader = {
        "metadata": {
            "name": "chat-inference-stack-llama",
            "namespace": "ns",
            "labels": {"app.kubernetes.io/instance": "chat"},
        }
    }
    assert P.deployments_to_restart("InferenceStack", st, [reader]) == [reader]
    assert "not available for Pods" in str(error_of(P.deployments_to_restart, "Pod", st, [reader]))


# ----------------------------------------------------------------------------- delete
def test_delete_needs_the_typed_name_and_carries_the_resource_version():
    m = P.delete_object(ref("InferenceService", "qwen"), isvc(name="qwen", rv="77"), " qwen ")
    assert (m.verb, m.resource_version, m.body, m.patch_type) == (Verb.DELETE, "77", None, None)
    method, path, _, body, _ = request_for(m)
    assert (method, path) == ("DELETE", "/apis/serving.kserve.io/v1beta1/namespaces/ns/inferenceservices/qwen")
    assert body["preconditions"] == {"resourceVersion": "77"}
    err = error_of(P.delete_object, ref("InferenceService", "qwen"), isvc(name="qwen"), "qwen-chat")
    assert err.field == "confirm" and "you typed 'qwen-chat'" in str(err)
    assert error_of(P.delete_object, ref("InferenceService", "qwen"), isvc(name="qwen"), "").field == "confirm"
    node = P.delete_object(ref("Node", "gpu-0"), {"metadata": {"name": "gpu-0", "resourceVersion": "5"}}, "gpu-0")
    assert request_for(node)[1] == "/api/v1/nodes/gpu-0"


# ----------------------------------------------------------------------------- create from preset
PRESETS = {
    "qwen-small": {
        "storageUri": "hf://Qwen/Qwen2.5-0.5B-Instruct",
        "modelFormat": "huggingface",
        "runtime": None,
        "gpus": 1,
        "memory": "16Gi",
    },
    "sklearn-iris": {
        "storageUri": "gs://kfserving-examples/models/sklearn/1.0/model",
        "modelFormat": "sklearn",
        "runtime": "kserve-sklearnserver",
        "gpus": 0,
        "memory": None,
    },
    "broken": {"storageUri": "ftp://x/y", "modelFormat": "onnx", "runtime": None, "gpus": 0, "memory": "lots"},
}


def test_create_inferenceservice_from_preset():
    m = P.create_inferenceservice("qwen-small-2", "llm-prod", "qwen-small", PRESETS)
    assert (m.verb, m.patch_type, m.resource_version) == (Verb.CREATE, None, None)
    assert m.body == {
        "apiVersion": "serving.kserve.io/v1beta1",
        "kind": "InferenceService",
        "metadata": {"name": "qwen-small-2", "namespace": "llm-prod"},
        "spec": {
            "predictor": {
                "model": {
                    "modelFormat": {"name": "huggingface"},
                    "storageUri": "hf://Qwen/Qwen2.5-0.5B-Instruct",
                    "resources": {"requests": {"memory": "16Gi", P.GPU: "1"}, "limits": {"memory": "16Gi", P.GPU: "1"}},
                }
            }
        },
    }
    method, path, query, body, ctype = request_for(m)
    assert (method, path, ctype) == (
        "POST",
        "/apis/serving.kserve.io/v1beta1/namespaces/llm-prod/inferenceservices",
        "application/json",
    )
    assert m.summary == "create InferenceService llm-prod/qwen-small-2 from preset qwen-small (1 GPU)"


def test_create_inferenceservice_gpu_override_and_runtime():
    m = P.create_inferenceservice("iris", "tabular", "sklearn-iris", PRESETS, "2")
    assert m.body["spec"]["predictor"]["model"] == {
        "modelFormat": {"name": "sklearn"},
        "runtime": "kserve-sklearnserver",
        "storageUri": "gs://kfserving-examples/models/sklearn/1.0/model",
        "resources": {"requests": {P.GPU: "2"}, "limits": {P.GPU: "2"}},
    }
    m = P.create_inferenceservice("iris", "tabular", "sklearn-iris", PRESETS, "0")
    assert "resources" not in m.body["spec"]["predictor"]["model"]
    m = P.create_inferenceservice("qwen", "llm-prod", "qwen-small", PRESETS, "0")
    assert m.body["spec"]["predictor"]["model"]["resources"] == {
        "requests": {"memory": "16Gi"},
        "limits": {"memory": "16Gi"},
    }


@pytest.mark.parametrize(
    "args,field,words",
    [
        (("Qwen", "llm-prod", "qwen-small", ""), "name", "starts with a letter"),
        (("1qwen", "llm-prod", "qwen-small", ""), "name", "not valid"),
        (("q" * 64, "llm-prod", "qwen-small", ""), "name", "not valid"),
        (("", "llm-prod", "qwen-small", ""), "name", "required"),
        (("qwen", "LLM", "qwen-small", ""), "namespace", "not a valid name"),
        (("qwen", "llm-prod", "", ""), "preset", "choose a preset"),
        (("qwen", "llm-prod", "nope", ""), "preset", "no preset 'nope'"),
        (("qwen", "llm-prod", "qwen-small", "-1"), "gpus", "≥ 0"),
        (("qwen", "llm-prod", "qwen-small", "two"), "gpus", "whole number"),
        (("qwen", "llm-prod", "broken", ""), "preset", "unsupported scheme"),
    ],
)
def test_create_inferenceservice_refusals(args, field, words):
    name, ns, preset, gpus = args
    err = error_of(P.create_inferenceservice, name, ns, preset, PRESETS, gpus)
    assert err.field == field and words in str(err)


def test_create_with_no_presets_says_so():
    assert "none" in str(error_of(P.create_inferenceservice, "a", "ns", "x", {}))


# ----------------------------------------------------------------------------- readers
def test_add_reader():
    m = P.add_reader(
        ref("InferenceStack", "chat"), stack(), "qwen-coder", "Qwen/Qwen2.5-Coder-7B-Instruct", "cuda", "code", "2"
    )
    assert (m.verb, m.patch_type, m.resource_version) == (Verb.PATCH, JSON, None)
    assert m.body == [
        {"op": "test", "path": "/spec/applications", "value": stack()["spec"]["applications"]},
        {
            "op": "add",
            "path": "/spec/applications/qwen-coder",
            "value": {
                "readerConfig": {
                    "modelName": "Qwen/Qwen2.5-Coder-7B-Instruct",
                    "device": "cuda",
                    "consumerGroup": "code",
                },
                "replicaCount": 2,
            },
        },
    ]
    empty = {"metadata": md("bare"), "spec": {"gateway": {}}}
    m = P.add_reader(ref("InferenceStack", "bare"), empty, "one", "m", "cpu", "g", "1")
    assert m.body == [
        {"op": "test", "path": "/spec", "value": {"gateway": {}}},
        {
            "op": "add",
            "path": "/spec/applications",
            "value": {
                "one": {"readerConfig": {"modelName": "m", "device": "cpu", "consumerGroup": "g"}, "replicaCount": 1}
            },
        },
    ]


@pytest.mark.parametrize(
    "args,field,words",
    [
        (("llama", "m", "cuda", "g", "1"), "name", "already exists"),
        (("Bad_Name", "m", "cuda", "g", "1"), "name", "not a valid name"),
        (("r" * 50, "m", "cuda", "g", "1"), "name", "more than 63"),
        (("new", "", "cuda", "g", "1"), "model_name", "required"),
        (("new", "m", "gpu", "g", "1"), "device", "cpu, cuda"),
        (("new", "m", "cpu", "", "1"), "consumer_group", "required"),
        (("new", "m", "cpu", "a b", "1"), "consumer_group", "label-safe"),
        (("new", "m", "cpu", "g", "-1"), "replicas", "≥ 0"),
    ],
)
def test_add_reader_refusals(args, field, words):
    err = error_of(P.add_reader, ref("InferenceStack", "chat"), stack(), *args)
    assert err.field == field and words in str(err)


def test_remove_reader_tests_the_entry_then_removes_it():
    m = P.remove_reader(ref("InferenceStack", "chat"), stack(), "embedder")
    assert (m.patch_type, m.resource_version) == (JSON, None)
    assert m.body == [
        {"op": "test", "path": "/spec/applications/embedder", "value": stack()["spec"]["applications"]["embedder"]},
        {"op": "remove", "path": "/spec/applications/embedder"},
    ]
    assert "no reader 'ghost'" in str(error_of(P.remove_reader, ref("InferenceStack", "chat"), stack(), "ghost"))
    assert P.reader_names(stack()) == ["auto", "embedder", "llama"]
    assert P.reader_values(stack(), "embedder")["readerConfig"] == {
        "modelName": "BAAI/bge-small-en-v1.5",
        "device": "cpu",
        "consumerGroup": "embed",
    }


def test_reader_json_patches_apply_cleanly_and_fail_when_the_reader_changed():
    from inference_console.sandbox.apiserver.patch import json_patch
    from inference_console.sandbox.apiserver.status import EmulatorError

    r = ref("InferenceStack", "chat")
    for m in (
        P.scale_reader(r, stack(), "llama", "3"),
        P.set_reader_resources(r, stack(), "llama", "0", "", "64Gi"),
        P.set_reader_resources(r, stack(), "embedder", "1", "1Gi", "4Gi"),
        P.change_reader_model(r, stack(), "auto", "m/x", "batch"),
        P.add_reader(r, stack(), "new", "m", "cpu", "g", "1"),
        P.remove_reader(r, stack(), "llama"),
    ):
        json_patch(stack(), m.body)  # every op applies to the object it was built from
    done = json_patch(stack(), P.set_reader_resources(r, stack(), "llama", "0", "", "64Gi").body)
    assert done["spec"]["applications"]["llama"]["resources"] == {"limits": {"memory": "64Gi"}}
    changed = stack()
    changed["spec"]["applications"]["llama"]["replicaCount"] = 5
    changed["status"] = {"readyReaders": 3}
    with pytest.raises(EmulatorError):
        json_patch(changed, P.remove_reader(r, stack(), "llama").body)
    # A status write (the operator's) does not disturb a reader edit.
    status_only = stack()
    status_only["status"] = {"readyReaders": 3}
    status_only["metadata"]["resourceVersion"] = "99"
    assert (
        json_patch(status_only, P.scale_reader(r, stack(), "llama", "3").body)["spec"]["applications"]["llama"][
            "replicaCount"
        ]
        == 3
    )


def test_pointer_escaping():
    assert P.pointer("spec", "a/b", "c~d") == "/spec/a~1b/c~0d"


def test_builders_check_the_kind():
    for fn, args in (
        (P.scale_inferenceservice, ("1", "2")),
        (P.scale_bentodeployment, ("1", "2")),
        (P.scale_reader, ("a", "1")),
        (P.change_storage_uri, ("hf://a/b",)),
        (P.change_bento, ("b",)),
        (P.add_reader, ("a", "m", "cpu", "g", "1")),
        (P.remove_reader, ("a",)),
        (P.set_isvc_resources, ("1", "", "")),
        (P.set_deployment_resources, ("c", "1", "", "")),
    ):
        assert "not Nodes" in str(error_of(fn, ref("Node"), {}, *args))


def test_builders_never_mutate_their_input():
    import copy

    objs = [deployment(), isvc(), bento_deployment(), stack()]
    before = copy.deepcopy(objs)
    P.set_bentodeployment_resources(ref("BentoDeployment"), objs[2], "bart", "3", "4Gi", "8Gi")
    P.set_reader_resources(ref("InferenceStack"), objs[3], "llama", "0", "", "64Gi")
    P.set_deployment_resources(ref("Deployment"), objs[0], "main", "0", "", "")
    P.set_isvc_resources(ref("InferenceService"), objs[1], "3", "1Gi", "1Gi")
    assert objs == before
