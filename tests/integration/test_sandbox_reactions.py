"""The demo's simulated controllers react to edits, driven tick by tick (``controller.step()``)
against the emulator serving the real fixture CRDs (so every write the controllers make is
schema-validated), with edits sent the way the app and kubectl send them."""

from __future__ import annotations

import json

import pytest
from kubernetes_asyncio import client

from inference_console.catalog.kinds.inferencestack import readers as stack_readers
from inference_console.sandbox import scenario
from inference_console.sandbox.controller import SimulatedController
from inference_console.sandbox.runner import Sandbox, load_objects
from inference_console.sandbox.shapes.core import GPU
from inference_console.sandbox.shapes.kserve import ISVC_API, L_ISVC, RUNTIMES, STORAGE_URI_ANNOTATION
from inference_console.sandbox.shapes.takeoff import L_APP_COMPONENT, L_INSTANCE, STACK_API
from inference_console.sandbox.shapes.yatai import L_BD, L_BD_COMPONENT_TYPE

ISVC = ("serving.kserve.io", "v1beta1", "inferenceservices")
BD = ("serving.yatai.ai", "v2alpha1", "bentodeployments")
STACK = ("doublewordai.co", "v1alpha1", "inferencestacks")
MERGE = "application/merge-patch+json"


@pytest.fixture
async def world(emulator):
    result = scenario.build(0, 7)
    load_objects(emulator, result.objects)
    ctl = SimulatedController(emulator, roles=result.roles)
    yield emulator, ctl
    ctl.stop()


@pytest.fixture
def custom(kube_api):
    return client.CustomObjectsApi(kube_api)


def step(ctl: SimulatedController, n: int = 1) -> list[str]:
    out: list[str] = []
    for _ in range(n):
        changes = ctl.step()
        assert not [c for c in changes if c.startswith("error")], changes
        out += changes
    return out


def pods(emu, ns: str, selector: str) -> list[dict]:
    return emu.list("v1", "Pod", ns, label_selector=selector)


def ready(pod: dict) -> bool:
    return any(c["type"] == "Ready" and c["status"] == "True" for c in pod["status"].get("conditions") or [])


def cond(obj: dict, ctype: str) -> dict:
    return next((c for c in obj.get("status", {}).get("conditions") or [] if c["type"] == ctype), {})


def events_for(emu, ns: str, name: str) -> list[dict]:
    return [e for e in emu.list("v1", "Event", ns) if e["involvedObject"]["name"] == name]


def reasons(emu, ns: str, name: str) -> set[str]:
    return {e["reason"] for e in events_for(emu, ns, name)}


def owner_of(emu, obj: dict) -> dict:
    ref = obj["metadata"]["ownerReferences"][0]
    api = ref["apiVersion"]
    found = emu.get(api, ref["kind"], obj["metadata"]["namespace"], ref["name"])
    assert found is not None and found["metadata"]["uid"] == ref["uid"], ref
    return found


async def test_without_edits_nothing_reacts(world):
    """The stories' own writes mark objects dirty too; reconciling them finds nothing to do."""
    emu, ctl = world
    count = len(emu.list("v1", "Pod", label_selector="!serving.knative.dev/revision"))  # the canary story's
    for _ in range(16):
        rv = emu.resource_version
        step(ctl)
        assert ctl.reconciler.changes == []
        assert emu.resource_version - rv <= 30
    assert ctl.reconciler.pods == {} and ctl.reconciler.rollouts == {} and ctl.reconciler.again == set()
    assert len(emu.list("v1", "Pod", label_selector="!serving.knative.dev/revision")) == count


async def test_scaled_bentodeployment_gets_more_pods(world, custom):
    emu, ctl = world
    ns, name = "bentoml", "iris-classifier"
    await custom.patch_namespaced_custom_object(
        *BD[:2], ns, BD[2], name, {"spec": {"autoscaling": {"minReplicas": 3, "maxReplicas": 5}}}, _content_type=MERGE
    )
    step(ctl)
    dep = emu.get("apps/v1", "Deployment", ns, name)
    assert dep["spec"]["replicas"] == 3
    sel = f"{L_BD}={name},{L_BD_COMPONENT_TYPE}=api-server"
    api_pods = pods(emu, ns, sel)
    assert len(api_pods) == 3 and sum(ready(p) for p in api_pods) == 1
    new = [p for p in api_pods if p["status"]["phase"] == "Pending"]
    assert len(new) == 2
    for p in new:
        rs = owner_of(emu, p)
        assert rs["kind"] == "ReplicaSet" and rs["spec"]["replicas"] == 3
        assert owner_of(emu, owner_of(emu, rs))["kind"] == "BentoDeployment"
        assert "Scheduled" in reasons(emu, ns, p["metadata"]["name"])
    scaling = [e["message"] for e in events_for(emu, ns, name) if e["reason"] == "ScalingReplicaSet"]
    assert scaling == [f"Scaled up replica set {owner_of(emu, new[0])['metadata']['name']} from 1 to 3"]
    assert "UpdateYataiDeployment" in reasons(emu, ns, name)
    step(ctl)
    assert all("Started" in reasons(emu, ns, p["metadata"]["name"]) for p in new)
    step(ctl)
    assert all(ready(p) for p in pods(emu, ns, sel))
    dep = emu.get("apps/v1", "Deployment", ns, name)
    assert dep["status"]["readyReplicas"] == 3 and dep["status"]["observedGeneration"] == dep["metadata"]["generation"]
    # the runner follows its own autoscaling; max below the current count scales down
    await custom.patch_namespaced_custom_object(
        *BD[:2], ns, BD[2], name, {"spec": {"autoscaling": {"minReplicas": 1, "maxReplicas": 1}}}, _content_type=MERGE
    )
    step(ctl)
    left = pods(emu, ns, sel)
    assert len(left) == 1
    assert any(e["reason"] == "Killing" for p in new for e in events_for(emu, ns, p["metadata"]["name"]))


async def test_stopped_inferenceservice_goes_not_ready_and_comes_back(world, custom):
    emu, ctl = world
    ns, name = "llm-prod", "llama3-8b"
    sel = f"{L_ISVC}={name}"
    assert len(pods(emu, ns, sel)) == 2
    await custom.patch_namespaced_custom_object(
        *ISVC[:2],
        ns,
        ISVC[2],
        name,
        {"metadata": {"annotations": {"serving.kserve.io/stop": "true"}}},
        _content_type=MERGE,
    )
    step(ctl)
    isvc = emu.get(ISVC_API, "InferenceService", ns, name)
    assert cond(isvc, "Ready")["status"] == "False" and cond(isvc, "Ready")["reason"] == "Stopped"
    assert cond(isvc, "PredictorReady")["reason"] == "Stopped"
    assert cond(isvc, "Stopped")["status"] == "True"
    assert emu.get("apps/v1", "Deployment", ns, f"{name}-predictor") is None
    assert emu.get("v1", "Service", ns, f"{name}-predictor") is None
    assert pods(emu, ns, sel) == [] and emu.list("apps/v1", "ReplicaSet", ns, label_selector=sel) == []
    assert "InferenceServiceStopped" in reasons(emu, ns, name)
    step(ctl, 2)
    assert emu.get("apps/v1", "Deployment", ns, f"{name}-predictor") is None, "it stays stopped"

    await custom.patch_namespaced_custom_object(
        *ISVC[:2],
        ns,
        ISVC[2],
        name,
        {"metadata": {"annotations": {"serving.kserve.io/stop": None}}},
        _content_type=MERGE,
    )
    step(ctl)
    isvc = emu.get(ISVC_API, "InferenceService", ns, name)
    assert cond(isvc, "Ready")["status"] == "False" and not cond(isvc, "Stopped")
    dep = emu.get("apps/v1", "Deployment", ns, f"{name}-predictor")
    assert dep["spec"]["replicas"] == 2 and owner_of(emu, dep)["metadata"]["name"] == name
    assert emu.get("v1", "Service", ns, f"{name}-predictor") is not None
    assert len(pods(emu, ns, sel)) == 2
    step(ctl, 2)
    isvc = emu.get(ISVC_API, "InferenceService", ns, name)
    assert cond(isvc, "Ready")["status"] == "True"
    assert isvc["status"]["modelStatus"]["states"]["activeModelState"] == "Loaded"
    assert isvc["status"]["observedGeneration"] == isvc["metadata"]["generation"]
    assert all(ready(p) for p in pods(emu, ns, sel))


async def test_the_seeded_stopped_inferenceservice_starts(world, custom):
    emu, ctl = world
    ns, name = "llm-staging", "qwen-small"
    await custom.patch_namespaced_custom_object(
        *ISVC[:2],
        ns,
        ISVC[2],
        name,
        {"metadata": {"annotations": {"serving.kserve.io/stop": "false"}}},
        _content_type=MERGE,
    )
    step(ctl, 3)
    isvc = emu.get(ISVC_API, "InferenceService", ns, name)
    assert cond(isvc, "Ready")["status"] == "True" and isvc["status"]["url"].startswith("http://qwen-small")
    assert [p["status"]["phase"] for p in pods(emu, ns, f"{L_ISVC}={name}")] == ["Running"]


async def test_changed_storage_uri_rolls_out(world, custom):
    emu, ctl = world
    ns, name = "llm-prod", "qwen-chat"
    sel = f"{L_ISVC}={name}"
    [old_pod] = pods(emu, ns, sel)
    old_rs = owner_of(emu, old_pod)
    uri = "hf://Qwen/Qwen2.5-7B-Instruct-1M"
    await custom.patch_namespaced_custom_object(
        *ISVC[:2], ns, ISVC[2], name, {"spec": {"predictor": {"model": {"storageUri": uri}}}}, _content_type=MERGE
    )
    states, readiness = [], []

    def observe() -> dict:
        isvc = emu.get(ISVC_API, "InferenceService", ns, name)
        states.append(isvc["status"]["modelStatus"]["states"]["activeModelState"])
        readiness.append(cond(isvc, "Ready")["status"])
        return isvc

    step(ctl)
    isvc = observe()
    assert isvc["status"]["observedGeneration"] == isvc["metadata"]["generation"] == 2
    dep = emu.get("apps/v1", "Deployment", ns, f"{name}-predictor")
    tmpl = dep["spec"]["template"]
    assert tmpl["metadata"]["annotations"][STORAGE_URI_ANNOTATION] == uri
    assert tmpl["spec"]["initContainers"][0]["args"][0] == uri
    assert dep["metadata"]["annotations"]["deployment.kubernetes.io/revision"] == "2"
    both = pods(emu, ns, sel)
    assert len(both) == 2 and old_pod["metadata"]["name"] in {p["metadata"]["name"] for p in both}
    new_pod = next(p for p in both if p["metadata"]["name"] != old_pod["metadata"]["name"])
    new_rs = owner_of(emu, new_pod)
    assert new_rs["metadata"]["name"] != old_rs["metadata"]["name"]
    assert new_rs["metadata"]["annotations"]["deployment.kubernetes.io/revision"] == "2"
    step(ctl)
    observe()
    step(ctl)
    isvc = observe()
    assert states == ["Pending", "Loading", "Loaded"]
    assert readiness == ["False", "False", "True"]
    [now] = pods(emu, ns, sel)
    assert now["metadata"]["name"] == new_pod["metadata"]["name"] and ready(now)
    assert emu.get("apps/v1", "ReplicaSet", ns, old_rs["metadata"]["name"])["spec"]["replicas"] == 0
    assert "Killing" in reasons(emu, ns, old_pod["metadata"]["name"])
    assert {"Scheduled", "Pulled", "Created", "Started"} <= reasons(emu, ns, new_pod["metadata"]["name"])
    assert "InferenceServiceReady" in reasons(emu, ns, name)
    scaled = [e["message"] for e in events_for(emu, ns, f"{name}-predictor") if e["reason"] == "ScalingReplicaSet"]
    assert scaled == [
        f"Scaled up replica set {new_rs['metadata']['name']} from 0 to 1",
        f"Scaled down replica set {old_rs['metadata']['name']} from 1 to 0",
    ]
    dep = emu.get("apps/v1", "Deployment", ns, f"{name}-predictor")
    assert dep["status"]["observedGeneration"] == dep["metadata"]["generation"]
    assert dep["status"]["updatedReplicas"] == dep["status"]["readyReplicas"] == 1


async def test_a_model_format_change_swaps_the_runtime_image_and_min_replicas_only_scales(world, custom):
    emu, ctl = world
    ns, name = "tabular", "xgboost-fraud"
    before = emu.get("apps/v1", "Deployment", ns, f"{name}-predictor")
    await custom.patch_namespaced_custom_object(
        *ISVC[:2], ns, ISVC[2], name, {"spec": {"predictor": {"minReplicas": 3}}}, _content_type=MERGE
    )
    step(ctl)
    dep = emu.get("apps/v1", "Deployment", ns, f"{name}-predictor")
    assert dep["spec"]["replicas"] == 3 and dep["spec"]["template"] == before["spec"]["template"]
    assert len(emu.list("apps/v1", "ReplicaSet", ns, label_selector=f"{L_ISVC}={name}")) == 1
    isvc = emu.get(ISVC_API, "InferenceService", ns, name)
    assert cond(isvc, "Ready")["status"] == "True" and isvc["status"]["observedGeneration"] == 2
    await custom.patch_namespaced_custom_object(
        *ISVC[:2],
        ns,
        ISVC[2],
        name,
        {"spec": {"predictor": {"model": {"modelFormat": {"name": "sklearn"}, "storageUri": "gs://fraud/sklearn/v1"}}}},
        _content_type=MERGE,
    )
    step(ctl)
    dep = emu.get("apps/v1", "Deployment", ns, f"{name}-predictor")
    assert dep["spec"]["template"]["spec"]["containers"][0]["image"] == RUNTIMES["sklearn"][1]
    step(ctl, 2)
    isvc = emu.get(ISVC_API, "InferenceService", ns, name)
    assert cond(isvc, "Ready")["status"] == "True"
    assert isvc["status"]["clusterServingRuntimeName"] == "kserve-sklearnserver"
    assert len(pods(emu, ns, f"{L_ISVC}={name}")) == 3


async def test_deployment_restart_scale_and_deleted_pod_by_kubectl(world, kubectl):
    emu, ctl = world
    ns, name = "model-registry", "modelregistry-public"
    [old] = pods(emu, ns, f"app={name}")
    out = await kubectl("rollout", "restart", f"deployment/{name}", "-n", ns)
    assert out.returncode == 0, out.stderr
    step(ctl, 3)
    [now] = pods(emu, ns, f"app={name}")
    assert now["metadata"]["name"] != old["metadata"]["name"] and ready(now)
    assert "kubectl.kubernetes.io/restartedAt" in now["metadata"]["annotations"]
    out = await kubectl("scale", f"deployment/{name}", "-n", ns, "--replicas=3")
    assert out.returncode == 0, out.stderr
    step(ctl)
    assert len(pods(emu, ns, f"app={name}")) == 3
    out = await kubectl(
        "patch",
        "deployment",
        name,
        "-n",
        ns,
        "--type=strategic",
        "-p",
        json.dumps(
            {
                "spec": {
                    "template": {
                        "spec": {
                            "containers": [
                                {"name": "rest-container", "resources": {"limits": {"cpu": "200m", "memory": "512Mi"}}}
                            ]
                        }
                    }
                }
            }
        ),
    )
    assert out.returncode == 0, out.stderr
    step(ctl, 3)
    now = pods(emu, ns, f"app={name}")
    assert len(now) == 3 and all(ready(p) for p in now)
    assert {p["spec"]["containers"][0]["resources"]["limits"]["cpu"] for p in now} == {"200m"}
    dep = emu.get("apps/v1", "Deployment", ns, name)
    assert dep["metadata"]["annotations"]["deployment.kubernetes.io/revision"] == "3"
    assert dep["status"]["replicas"] == dep["status"]["readyReplicas"] == 3
    victim = now[0]["metadata"]["name"]
    out = await kubectl("delete", "pod", victim, "-n", ns, "--wait=false")
    assert out.returncode == 0, out.stderr
    step(ctl)
    names = {p["metadata"]["name"] for p in pods(emu, ns, f"app={name}")}
    assert victim not in names and len(names) == 3


async def test_inference_stack_readers_follow_the_applications(world, custom):
    emu, ctl = world
    ns, name = "takeoff", "chat-stack"
    full = "chat-stack-inference-stack"
    patch = {
        "spec": {
            "applications": {
                "embedder": None,
                "llama-reader": {"readerConfig": {"consumerGroup": "chat"}, "replicaCount": 2},
                "qwen-tiny": {
                    "readerConfig": {
                        "modelName": "Qwen/Qwen2.5-0.5B-Instruct",
                        "device": "cuda",
                        "consumerGroup": "tiny",
                    },
                    "resources": {"limits": {"nvidia.com/gpu": 1}},
                },
            }
        }
    }
    old_llama = pods(emu, ns, f"{L_APP_COMPONENT}=application-llama-reader")
    await custom.patch_namespaced_custom_object(*STACK[:2], ns, STACK[2], name, patch, _content_type=MERGE)
    step(ctl)
    stack = emu.get(STACK_API, "InferenceStack", ns, name)
    assert emu.get("apps/v1", "Deployment", ns, f"{full}-embedder") is None
    assert emu.get("v1", "ConfigMap", ns, f"{full}-embedder") is None
    assert pods(emu, ns, f"{L_APP_COMPONENT}=application-embedder") == []
    tiny = emu.get("apps/v1", "Deployment", ns, f"{full}-qwen-tiny")
    labels = tiny["metadata"]["labels"]
    assert labels[L_APP_COMPONENT] == "application-qwen-tiny" and labels[L_INSTANCE] == name
    assert labels["app.kubernetes.io/name"] == "inference-stack" and owner_of(emu, tiny)["kind"] == "InferenceStack"
    assert tiny["spec"]["template"]["spec"]["tolerations"][0]["key"] == GPU
    cm = emu.get("v1", "ConfigMap", ns, f"{full}-qwen-tiny")
    assert "model_name: Qwen/Qwen2.5-0.5B-Instruct" in cm["data"]["config.yaml"]
    assert "consumer_group: chat" in emu.get("v1", "ConfigMap", ns, f"{full}-llama-reader")["data"]["config.yaml"]
    llama = emu.get("apps/v1", "Deployment", ns, f"{full}-llama-reader")
    assert llama["spec"]["replicas"] == 2 and "checksum/config" in llama["spec"]["template"]["metadata"]["annotations"]
    assert sorted(r.deployment for r in stack_readers(stack)) == sorted([f"{full}-llama-reader", f"{full}-qwen-tiny"])
    assert stack["status"]["readers"] == 3 and stack["status"]["readyReaders"] == 1
    assert cond(stack, "Deployed")["reason"] == "UpgradeSuccessful"
    step(ctl, 3)
    stack = emu.get(STACK_API, "InferenceStack", ns, name)
    assert stack["status"]["readers"] == stack["status"]["readyReaders"] == 3
    now_llama = pods(emu, ns, f"{L_APP_COMPONENT}=application-llama-reader")
    assert len(now_llama) == 2 and all(ready(p) for p in now_llama)
    assert not {p["metadata"]["name"] for p in old_llama} & {p["metadata"]["name"] for p in now_llama}
    assert len(pods(emu, ns, f"{L_APP_COMPONENT}=application-qwen-tiny")) == 1


async def test_a_new_inferenceservice_gets_a_predictor_and_goes_ready(world, custom):
    emu, ctl = world
    preset = scenario.PRESETS["sklearn-iris"]
    body = {
        "apiVersion": ISVC_API,
        "kind": "InferenceService",
        "metadata": {"name": "iris", "namespace": "tabular"},
        "spec": {
            "predictor": {
                "model": {
                    "modelFormat": {"name": preset["modelFormat"]},
                    "storageUri": preset["storageUri"],
                    "resources": {
                        "limits": {"cpu": "1", "memory": preset["memory"]},
                        "requests": {"cpu": "1", "memory": preset["memory"]},
                    },
                }
            }
        },
    }
    await custom.create_namespaced_custom_object(*ISVC[:2], "tabular", ISVC[2], body, field_manager="inference-console")
    step(ctl)
    isvc = emu.get(ISVC_API, "InferenceService", "tabular", "iris")
    assert cond(isvc, "Ready")["status"] == "False" and isvc["status"]["observedGeneration"] == 1
    assert isvc["status"]["modelStatus"]["states"]["activeModelState"] == "Pending"
    dep = emu.get("apps/v1", "Deployment", "tabular", "iris-predictor")
    assert dep["spec"]["template"]["spec"]["containers"][0]["image"] == RUNTIMES["sklearn"][1]
    assert dep["spec"]["template"]["spec"]["containers"][0]["resources"]["limits"]["memory"] == "1Gi"
    step(ctl, 2)
    isvc = emu.get(ISVC_API, "InferenceService", "tabular", "iris")
    assert cond(isvc, "Ready")["status"] == "True"
    assert isvc["status"]["url"] == "http://iris-tabular.example.com"
    [pod] = pods(emu, "tabular", f"{L_ISVC}=iris")
    assert ready(pod) and owner_of(emu, owner_of(emu, owner_of(emu, pod)))["metadata"]["name"] == "iris"
    # deleting it garbage-collects the predictor
    emu.delete(ISVC_API, "InferenceService", "tabular", "iris")
    emu.collect_garbage()
    assert emu.get("apps/v1", "Deployment", "tabular", "iris-predictor") is None
    assert pods(emu, "tabular", f"{L_ISVC}=iris") == []
    step(ctl)


async def test_the_demo_sandbox_reacts_too():
    """The demo's compact CRDs are open: the same reactions, through the sandbox thread."""
    sb = Sandbox(controller=False)
    sb.start(timeout=20)
    try:
        emu, ctl = sb.emulator, sb.controller
        sb.call(
            emu.patch,
            ISVC_API,
            "InferenceService",
            "vision",
            "resnet50",
            {"metadata": {"annotations": {"serving.kserve.io/stop": "TRUE"}}},
        )
        sb.call(ctl.step)
        isvc = sb.call(emu.get, ISVC_API, "InferenceService", "vision", "resnet50")
        assert cond(isvc, "Stopped")["status"] == "True"
        assert sb.call(emu.get, "apps/v1", "Deployment", "vision", "resnet50-predictor") is None
    finally:
        sb.stop()


async def test_the_serverless_canary_stops_and_comes_back_promoted(world, custom):
    emu, ctl = world
    role = ctl.roles["canary"]
    ns, name = role["namespace"], role["isvc"]
    await custom.patch_namespaced_custom_object(
        *ISVC[:2],
        ns,
        ISVC[2],
        name,
        {"metadata": {"annotations": {"serving.kserve.io/stop": "true"}}},
        _content_type=MERGE,
    )
    step(ctl)
    isvc = emu.get(ISVC_API, "InferenceService", ns, name)
    assert cond(isvc, "Stopped")["status"] == "True" and cond(isvc, "Ready")["reason"] == "Stopped"
    assert pods(emu, ns, f"{L_ISVC}={name}") == []
    assert emu.list("apps/v1", "Deployment", ns, label_selector=f"{L_ISVC}={name}") == []
    stage = ctl.canary_state()
    step(ctl, 8)
    assert ctl.canary_state()["stage"] == stage["stage"], "the rollout story waits while stopped"
    await custom.patch_namespaced_custom_object(
        *ISVC[:2],
        ns,
        ISVC[2],
        name,
        {"metadata": {"annotations": {"serving.kserve.io/stop": None}}},
        _content_type=MERGE,
    )
    step(ctl)
    isvc = emu.get(ISVC_API, "InferenceService", ns, name)
    assert cond(isvc, "Ready")["status"] == "False" and "canaryTrafficPercent" not in isvc["spec"]["predictor"]
    assert len(pods(emu, ns, f"{L_ISVC}={name}")) == 1
    step(ctl, 2)
    isvc = emu.get(ISVC_API, "InferenceService", ns, name)
    assert cond(isvc, "Ready")["status"] == "True"
    assert isvc["status"]["components"]["predictor"]["traffic"][0]["percent"] == 100
    assert ctl.canary_state()["stage"] == "promoted"
    dep = emu.list("apps/v1", "Deployment", ns, label_selector=f"{L_ISVC}={name}")[0]
    assert dep["status"]["readyReplicas"] == 1
    for _ in range(10):  # and the story goes on with the next revision
        step(ctl)
        if emu.get(ISVC_API, "InferenceService", ns, name)["spec"]["predictor"].get("canaryTrafficPercent"):
            break
    assert emu.get(ISVC_API, "InferenceService", ns, name)["spec"]["predictor"]["canaryTrafficPercent"] == 10


async def test_a_new_deployment_gets_pods_and_a_paused_one_only_scales(world, http):
    emu, ctl = world
    dep = {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "echo", "namespace": "default"},
        "spec": {
            "replicas": 2,
            "selector": {"matchLabels": {"app": "echo"}},
            "template": {
                "metadata": {"labels": {"app": "echo"}},
                "spec": {"containers": [{"name": "echo", "image": "hashicorp/http-echo:1.0"}]},
            },
        },
    }
    async with http.post(
        "/apis/apps/v1/namespaces/default/deployments?fieldManager=inference-console", json=dep
    ) as resp:
        assert resp.status == 201
    step(ctl, 3)
    made = pods(emu, "default", "app=echo")
    assert len(made) == 2 and all(ready(p) for p in made)
    [rs] = emu.list("apps/v1", "ReplicaSet", "default", label_selector="app=echo")
    assert rs["metadata"]["annotations"]["deployment.kubernetes.io/revision"] == "1"
    assert rs["status"]["readyReplicas"] == 2 and rs["status"]["observedGeneration"] == rs["metadata"]["generation"]
    patch = {
        "spec": {
            "paused": True,
            "replicas": 3,
            "template": {"spec": {"containers": [{"name": "echo", "image": "hashicorp/http-echo:1.1"}]}},
        }
    }
    async with http.patch(
        "/apis/apps/v1/namespaces/default/deployments/echo",
        data=json.dumps(patch),
        headers={"Content-Type": "application/strategic-merge-patch+json"},
    ) as resp:
        assert resp.status == 200
    step(ctl, 3)
    now = pods(emu, "default", "app=echo")
    assert len(now) == 3 and {p["spec"]["containers"][0]["image"] for p in now} == {"hashicorp/http-echo:1.0"}
    assert len(emu.list("apps/v1", "ReplicaSet", "default", label_selector="app=echo")) == 1
    async with http.patch(
        "/apis/apps/v1/namespaces/default/deployments/echo",
        data=json.dumps({"spec": {"paused": None}}),
        headers={"Content-Type": MERGE},
    ) as resp:
        assert resp.status == 200
    step(ctl, 3)
    now = pods(emu, "default", "app=echo")
    assert len(now) == 3 and {p["spec"]["containers"][0]["image"] for p in now} == {"hashicorp/http-echo:1.1"}
