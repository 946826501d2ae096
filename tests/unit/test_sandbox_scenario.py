"""The demo cluster (sandbox.scenario) as seeded: pure, deterministic, consistent, and true to the
real CRD schemas."""

from __future__ import annotations

import builtins
import os
import socket
from collections import Counter
from datetime import datetime, timezone

import jsonschema
import pytest
import yaml

from inference_console.sandbox import scenario
from inference_console.sandbox.shapes.core import GPU, fmt_ts
from inference_console.sandbox.shapes.kserve import L_COMPONENT, L_ISVC
from inference_console.sandbox.shapes.takeoff import L_APP_COMPONENT, L_INSTANCE
from inference_console.sandbox.shapes.yatai import L_BD
from tests.shared import shared_dir

NOW = datetime(2025, 3, 1, 12, 0, 0, tzinfo=timezone.utc)


FIXTURES = shared_dir() / "fixtures"  # fails loudly when ../shared is missing
_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@pytest.fixture(scope="module")
def result() -> scenario.SeedResult:
    return scenario.build(now=NOW)


@pytest.fixture(scope="module")
def objs(result) -> list[dict]:
    return result.objects


def of_kind(objs, kind, ns=None):
    return [o for o in objs if o["kind"] == kind and (ns is None or o["metadata"].get("namespace") == ns)]


def by_name(objs, kind, name, ns=None):
    found = [o for o in of_kind(objs, kind, ns) if o["metadata"]["name"] == name]
    assert len(found) == 1, (kind, name, ns, len(found))
    return found[0]


def pods_of(objs, ns, **labels):
    return [
        p
        for p in of_kind(objs, "Pod", ns)
        if all(p["metadata"].get("labels", {}).get(k) == v for k, v in labels.items())
    ]


def cond(obj, ctype):
    for c in obj.get("status", {}).get("conditions", []):
        if c["type"] == ctype:
            return c
    return None


# ---------------------------------------------------------------------------
# shape, determinism, purity
# ---------------------------------------------------------------------------


def test_counts(objs):
    kinds = Counter(o["kind"] for o in objs)
    assert kinds["Node"] == 4
    assert 12 <= kinds["InferenceService"] <= 14
    assert 3 <= kinds["BentoDeployment"] <= 4
    assert kinds["InferenceStack"] == 2
    assert kinds["ModelRegistry"] == 1
    assert kinds["Bento"] >= 3 and kinds["BentoRequest"] >= 3
    assert kinds["Secret"] >= 1
    assert kinds["Pod"] >= 25 and kinds["Event"] >= 20
    namespaces = {o["metadata"]["name"] for o in of_kind(objs, "Namespace")}
    assert {"llm-prod", "llm-staging", "vision", "bentoml", "takeoff"} <= namespaces
    for o in objs:
        ns = o["metadata"].get("namespace")
        if ns:
            assert ns in namespaces, (o["kind"], o["metadata"]["name"], ns)


def test_deterministic():
    a = scenario.seed_objects(now=NOW)
    b = scenario.seed_objects(now=NOW)
    assert a == b
    c = scenario.seed_objects(rng_seed=8, now=NOW)
    assert [o["metadata"]["uid"] for o in a] != [o["metadata"]["uid"] for o in c]


def test_scale_does_not_change_core(objs):
    scaled = scenario.seed_objects(50, now=NOW)
    core = [o for o in scaled if not o["metadata"]["name"].startswith("load-generator")]
    assert core == objs


def test_pure_no_io(monkeypatch):
    def boom(*a, **k):
        raise AssertionError("seed must not do I/O")

    monkeypatch.setattr(builtins, "open", boom)
    monkeypatch.setattr(socket, "socket", boom)
    monkeypatch.setattr(os, "listdir", boom)
    assert scenario.seed_objects(3, now=NOW)


def test_default_now_is_real_now():
    objs = scenario.seed_objects()
    ts = max(o["metadata"]["creationTimestamp"] for o in objs)
    newest = datetime.strptime(ts, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=timezone.utc)
    assert abs((datetime.now(timezone.utc) - newest).total_seconds()) < 3 * 3600


def test_timestamps_relative_to_now(objs):
    stamp = fmt_ts(NOW)
    ages = set()
    for o in objs:
        ts = o["metadata"]["creationTimestamp"]
        assert ts <= stamp, (o["kind"], o["metadata"]["name"])
        ages.add(ts[:10])
    assert len(ages) > 5  # ages spread over days, not one instant


def test_unique_names_and_uids(objs):
    keys = Counter(
        (o["apiVersion"], o["kind"], o["metadata"].get("namespace", ""), o["metadata"]["name"]) for o in objs
    )
    assert [k for k, n in keys.items() if n > 1] == []
    uids = Counter(o["metadata"]["uid"] for o in objs)
    assert [u for u, n in uids.items() if n > 1] == []


def test_owner_references_resolve(objs):
    by_uid = {o["metadata"]["uid"]: o for o in objs}
    checked = 0
    for o in objs:
        for ref in o["metadata"].get("ownerReferences", []):
            owner = by_uid.get(ref["uid"])
            assert owner is not None, (o["kind"], o["metadata"]["name"], ref)
            assert owner["kind"] == ref["kind"] and owner["metadata"]["name"] == ref["name"]
            assert owner["apiVersion"] == ref["apiVersion"]
            assert owner["metadata"].get("namespace") == o["metadata"].get("namespace")
            checked += 1
    assert checked > 50


def test_ownership_chain_deployment_replicaset_pod(objs):
    by_uid = {o["metadata"]["uid"]: o for o in objs}
    for pod in of_kind(objs, "Pod"):
        refs = pod["metadata"].get("ownerReferences", [])
        assert len(refs) == 1, pod["metadata"]["name"]
        owner = by_uid[refs[0]["uid"]]
        if owner["kind"] == "BentoRequest":  # the image builder pod
            continue
        assert owner["kind"] == "ReplicaSet"
        dep = by_uid[owner["metadata"]["ownerReferences"][0]["uid"]]
        assert dep["kind"] == "Deployment"
        assert pod["metadata"]["name"].startswith(owner["metadata"]["name"] + "-")
        h = owner["metadata"]["labels"]["pod-template-hash"]
        assert pod["metadata"]["labels"]["pod-template-hash"] == h
        # The Deployment selector selects the pod.
        sel = dep["spec"]["selector"]["matchLabels"]
        assert all(pod["metadata"]["labels"].get(k) == v for k, v in sel.items()), pod["metadata"]


def test_every_serving_object_has_deployments(objs):
    by_uid = {o["metadata"]["uid"]: o for o in objs}
    owned = Counter()
    for d in of_kind(objs, "Deployment"):
        for ref in d["metadata"].get("ownerReferences", []):
            owned[ref["uid"]] += 1
    for kind in ("InferenceService", "BentoDeployment", "InferenceStack", "ModelRegistry"):
        for o in of_kind(objs, kind):
            stopped = o["metadata"].get("annotations", {}).get("serving.kserve.io/stop") == "true"
            assert (owned[o["metadata"]["uid"]] == 0) == stopped, (kind, o["metadata"]["name"])
    assert by_uid


def test_events_reference_existing_objects(objs):
    index = {(o["kind"], o["metadata"].get("namespace", ""), o["metadata"]["name"]): o for o in objs}
    events = of_kind(objs, "Event")
    for e in events:
        io = e["involvedObject"]
        target = index.get((io["kind"], io.get("namespace", ""), io["name"]))
        assert target is not None, io
        assert target["metadata"]["uid"] == io["uid"]
        assert e["type"] in ("Normal", "Warning")
        assert e["count"] >= 1
        assert e["firstTimestamp"] <= e["lastTimestamp"]
    reasons = Counter((e["type"], e["reason"]) for e in events)
    for expected in [
        ("Warning", "Failed"),
        ("Warning", "FailedScheduling"),
        ("Warning", "BackOff"),
        ("Warning", "OOMKilling"),
        ("Normal", "Scheduled"),
        ("Normal", "Pulled"),
        ("Normal", "Started"),
        ("Normal", "InferenceServiceReady"),
    ]:
        assert reasons[expected] >= 1, expected
    pull = [e for e in events if e["reason"] == "BackOff" and "Back-off pulling image" in e["message"]]
    assert pull


def test_roles_point_at_real_objects(result, objs):
    roles = result.roles
    for role in ("crashloop", "imagepull", "pending"):
        by_name(objs, "Pod", roles[role]["pod"], roles[role]["namespace"])
    for hp in roles["healthy_pods"]:
        pod = by_name(objs, "Pod", hp["pod"], hp["namespace"])
        assert pod["status"]["phase"] == "Running"
        assert any(c["name"] == hp["container"] for c in pod["status"]["containerStatuses"])
    names = {(e["metadata"]["namespace"], e["metadata"]["name"]) for e in of_kind(objs, "Event")}
    # every seeded event has its own key (the controller finds them again by key)
    assert len(roles["events"]) == len(names)
    for key, name in roles["events"].items():
        assert (key.split("/")[0], name) in names


# ---------------------------------------------------------------------------
# the realistic content
# ---------------------------------------------------------------------------


def test_gpu_nodes(objs):
    nodes = of_kind(objs, "Node")
    products = {n["metadata"]["labels"]["nvidia.com/gpu.product"] for n in nodes}
    assert "NVIDIA-A100-SXM4-80GB" in products and "NVIDIA-L4" in products
    assert any("H100" in p for p in products)
    for n in nodes:
        assert int(n["status"]["capacity"][GPU]) > 0
        assert n["status"]["allocatable"][GPU] == n["status"]["capacity"][GPU]
    cordoned = [n for n in nodes if n["spec"].get("unschedulable")]
    assert len(cordoned) == 1
    assert cordoned[0]["spec"]["taints"][0]["key"] == "node.kubernetes.io/unschedulable"
    # Pods never ask a node for more GPUs than it has.
    used = Counter()
    for p in of_kind(objs, "Pod"):
        if p["status"].get("phase") in ("Running", "Pending") and p["spec"].get("nodeName"):
            for c in p["spec"]["containers"]:
                used[p["spec"]["nodeName"]] += int(c.get("resources", {}).get("limits", {}).get(GPU, 0))
    for n in nodes:
        assert used[n["metadata"]["name"]] <= int(n["status"]["allocatable"][GPU])


def test_isvc_variety(objs):
    isvcs = of_kind(objs, "InferenceService")
    schemes = {i["spec"]["predictor"]["model"]["storageUri"].split("://")[0] for i in isvcs}
    assert {"hf", "s3", "gs", "pvc", "model-registry", "oci"} <= schemes
    formats = {i["spec"]["predictor"]["model"]["modelFormat"]["name"] for i in isvcs}
    assert {"huggingface", "sklearn", "xgboost", "onnx", "pytorch"} <= formats
    assert any(i["spec"]["predictor"]["model"]["resources"]["limits"].get(GPU) for i in isvcs)
    healthy = [i for i in isvcs if cond(i, "Ready") and cond(i, "Ready")["status"] == "True"]
    assert len(healthy) >= 6
    for i in healthy:
        assert i["status"]["url"].startswith("http")
        assert "predictor" in i["status"]["components"]
        assert i["status"]["modelStatus"]["states"]["activeModelState"] == "Loaded"


def test_isvc_pods_carry_kserve_labels(objs):
    for i in of_kind(objs, "InferenceService"):
        md = i["metadata"]
        if md.get("annotations", {}).get("serving.kserve.io/stop") == "true":
            continue
        pods = pods_of(objs, md["namespace"], **{L_ISVC: md["name"], L_COMPONENT: "predictor"})
        assert pods, md["name"]
        deps = [
            d for d in of_kind(objs, "Deployment", md["namespace"]) if d["metadata"]["labels"].get(L_ISVC) == md["name"]
        ]
        assert deps and all(d["metadata"]["labels"][L_COMPONENT] == "predictor" for d in deps)


def test_image_pull_failure(result, objs):
    role = result.roles["imagepull"]
    pod = by_name(objs, "Pod", role["pod"], role["namespace"])
    cs = pod["status"]["containerStatuses"][0]
    assert cs["state"]["waiting"]["reason"] == "ImagePullBackOff"
    assert pod["status"]["phase"] == "Pending"
    isvc = by_name(objs, "InferenceService", role["isvc"], role["namespace"])
    assert cond(isvc, "PredictorReady")["status"] == "False"
    assert cond(isvc, "Ready")["status"] == "False"


def test_oom_crashloop(result, objs):
    role = result.roles["crashloop"]
    pod = by_name(objs, "Pod", role["pod"], role["namespace"])
    cs = pod["status"]["containerStatuses"][0]
    assert cs["lastState"]["terminated"]["reason"] == "OOMKilled"
    assert cs["lastState"]["terminated"]["exitCode"] == 137
    assert cs["state"]["waiting"]["reason"] == "CrashLoopBackOff"
    assert cs["restartCount"] > 5
    isvc = by_name(objs, "InferenceService", role["isvc"], role["namespace"])
    ms = isvc["status"]["modelStatus"]
    assert ms["transitionStatus"] == "BlockedByFailedLoad"
    assert ms["lastFailureInfo"]["reason"] == "ModelLoadFailed"
    assert ms["lastFailureInfo"]["location"] == pod["metadata"]["name"]
    assert cond(isvc, "Ready")["status"] == "False"


def test_pending_for_gpus(result, objs):
    role = result.roles["pending"]
    pod = by_name(objs, "Pod", role["pod"], role["namespace"])
    assert pod["status"]["phase"] == "Pending"
    assert "nodeName" not in pod["spec"]
    sched = pod["status"]["conditions"][0]
    assert sched["type"] == "PodScheduled" and sched["status"] == "False"
    assert sched["reason"] == "Unschedulable"
    assert sched["message"] == "0/4 nodes are available: 4 Insufficient nvidia.com/gpu."
    fs = [
        e
        for e in of_kind(objs, "Event")
        if e["reason"] == "FailedScheduling" and e["involvedObject"]["uid"] == pod["metadata"]["uid"]
    ]
    assert fs and fs[0]["type"] == "Warning" and fs[0]["count"] > 1


def test_canary(result, objs):
    role = result.roles["canary"]
    isvc = by_name(objs, "InferenceService", role["isvc"], role["namespace"])
    assert isvc["spec"]["predictor"]["canaryTrafficPercent"] == 10
    traffic = isvc["status"]["components"]["predictor"]["traffic"]
    assert len(traffic) == 2
    assert sorted(t["percent"] for t in traffic) == [10, 90]
    assert {t["revisionName"] for t in traffic} == {
        f"{role['isvc']}-predictor-00001",
        f"{role['isvc']}-predictor-00002",
    }
    latest = [t for t in traffic if t["latestRevision"]]
    assert latest[0]["percent"] == 10
    for rev in role["revisions"].values():
        for p in rev["pods"]:
            by_name(objs, "Pod", p, role["namespace"])


def test_stopped(objs):
    stopped = [
        i
        for i in of_kind(objs, "InferenceService")
        if i["metadata"].get("annotations", {}).get("serving.kserve.io/stop") == "true"
    ]
    assert len(stopped) == 1
    assert cond(stopped[0], "Ready")["status"] == "False"
    assert cond(stopped[0], "Stopped")["status"] == "True"


def test_bentoml(result, objs):
    bds = of_kind(objs, "BentoDeployment")
    failing = [b for b in bds if cond(b, "Available")["status"] == "False"]
    assert len(failing) == 1
    assert failing[0]["metadata"]["name"] == result.roles["bento_failing"]["bentodeployment"]
    bento_names = {b["metadata"]["name"] for b in of_kind(objs, "Bento")}
    for bd in bds:
        ok = cond(bd, "Available")["status"] == "True"
        assert (bd["spec"]["bento"] in bento_names) == ok
        pods = pods_of(objs, bd["metadata"]["namespace"], **{L_BD: bd["metadata"]["name"]})
        assert {p["metadata"]["labels"]["yatai.ai/bento-deployment-component-type"] for p in pods} == {
            "api-server",
            "runner",
        }
    br = by_name(objs, "BentoRequest", result.roles["bento_failing"]["bentorequest"], "bentoml")
    assert br["status"]["imageBuilderPodStatus"]["phase"] == "Failed"


def test_inference_stacks(objs):
    stacks = of_kind(objs, "InferenceStack")
    devices = set()
    for st in stacks:
        apps = st["spec"]["applications"]
        assert len(apps) >= 2
        for app, values in apps.items():
            rc = values["readerConfig"]
            assert rc["modelName"] and rc["consumerGroup"]
            devices.add(rc["device"])
            pods = pods_of(
                objs,
                st["metadata"]["namespace"],
                **{L_INSTANCE: st["metadata"]["name"], L_APP_COMPONENT: f"application-{app}"},
            )
            assert len(pods) == 1, (st["metadata"]["name"], app)
    assert devices == {"cuda", "cpu"}


def test_model_config_presets(objs):
    cms = [c for c in of_kind(objs, "ConfigMap") if c["metadata"]["name"] == "model-config"]
    assert {c["metadata"]["namespace"] for c in cms} >= {"llm-prod", "llm-staging", "vision"}
    presets = yaml.safe_load(cms[0]["data"]["presets.yaml"])
    assert presets["qwen-small"] == {
        "storageUri": "hf://Qwen/Qwen2.5-0.5B-Instruct",
        "modelFormat": "huggingface",
        "gpus": 1,
        "memory": "16Gi",
    }
    assert presets["sklearn-iris"]["storageUri"] == "gs://kfserving-examples/models/sklearn/1.0/model"
    assert len(presets) >= 5


def test_hostile_and_huge_values(objs):
    notes = [o for o in objs if "\x1b" in o["metadata"].get("annotations", {}).get("note", "")]
    assert len(notes) == 1
    assert notes[0]["metadata"]["annotations"]["note"] == "\x1b]52;c;ZXZpbA==\x07 \x1b[31mred\x1b[0m"
    big = [o for o in objs if any(len(v) >= 100_000 for v in o["metadata"].get("annotations", {}).values())]
    assert len(big) == 1
    assert sum(len(v) for v in big[0]["metadata"]["annotations"].values()) < 256 * 1024


def test_secret_with_data(objs):
    secrets = [s for s in of_kind(objs, "Secret") if s.get("data")]
    assert secrets
    import base64

    for s in secrets:
        for v in s["data"].values():
            base64.b64decode(v, validate=True)


def test_gpu_requests_on_pods(objs):
    gpu_pods = [
        p
        for p in of_kind(objs, "Pod")
        if any(c.get("resources", {}).get("requests", {}).get(GPU) for c in p["spec"]["containers"])
    ]
    assert len(gpu_pods) >= 8


def test_restart_counts_present(objs):
    for p in of_kind(objs, "Pod"):
        for cs in p["status"].get("containerStatuses", []):
            assert isinstance(cs["restartCount"], int)


# ---------------------------------------------------------------------------
# scale
# ---------------------------------------------------------------------------


def test_scale_adds_exactly_n_pods(objs):
    base = Counter(o["kind"] for o in objs)["Pod"]
    for n in (1, 7, 600):
        scaled = scenario.seed_objects(n, now=NOW)
        pods = of_kind(scaled, "Pod")
        assert len(pods) == base + n
        load = [p for p in pods if p["metadata"]["labels"].get("app") == "load-generator"]
        assert len(load) == n
    namespaces = {p["metadata"]["namespace"] for p in load}
    assert len(namespaces) >= 5
    by_uid = {o["metadata"]["uid"]: o for o in scaled}
    for p in load:
        rs = by_uid[p["metadata"]["ownerReferences"][0]["uid"]]
        assert rs["kind"] == "ReplicaSet"
        dep = by_uid[rs["metadata"]["ownerReferences"][0]["uid"]]
        assert dep["metadata"]["name"] == "load-generator"


def test_scale_10k_unique():
    """Names and uids stay unique at 10,000 pods (the time it takes: tests/bench/bench_seed.py)."""
    objs = scenario.seed_objects(10_000)
    keys = {(o["kind"], o["metadata"].get("namespace", ""), o["metadata"]["name"]) for o in objs}
    assert len(keys) == len(objs)
    assert len({o["metadata"]["uid"] for o in objs}) == len(objs)


# ---------------------------------------------------------------------------
# the seeded custom resources against the real CRD schemas
# ---------------------------------------------------------------------------

CRD_FILES = {
    "InferenceService": "crds/kserve/serving.kserve.io_inferenceservices.yaml",
    "BentoDeployment": "crds/yatai/serving.yatai.ai_bentodeployments.yaml",
    "Bento": "crds/yatai/resources.yatai.ai_bentoes.yaml",
    "BentoRequest": "crds/yatai/resources.yatai.ai_bentorequests.yaml",
    "InferenceStack": "crds/takeoff/doublewordai.co_inferencestacks.yaml",
    "ModelRegistry": "crds/model-registry/modelregistry.opendatahub.io_modelregistries.yaml",
}


@pytest.fixture(scope="module")
def real_schemas() -> dict[tuple[str, str], dict]:
    out = {}
    for kind, rel in CRD_FILES.items():
        with open(FIXTURES / rel, encoding="utf-8") as fh:
            crd = yaml.load(fh, Loader=_Loader)
        for v in crd["spec"]["versions"]:
            out[(f"{crd['spec']['group']}/{v['name']}", kind)] = v["schema"]["openAPIV3Schema"]
    return out


def unknown_fields(value, schema, path="") -> list[str]:
    """Fields a real API server would prune (structural schemas don't reject them)."""
    if not isinstance(schema, dict) or schema.get("x-kubernetes-preserve-unknown-fields"):
        return []
    out: list[str] = []
    if isinstance(value, dict):
        props = schema.get("properties")
        addl = schema.get("additionalProperties")
        if props is not None:
            for k, v in value.items():
                if k in props:
                    out += unknown_fields(v, props[k], f"{path}.{k}")
                elif isinstance(addl, dict):
                    out += unknown_fields(v, addl, f"{path}.{k}")
                else:
                    out.append(f"{path}.{k}")
        elif isinstance(addl, dict):
            for k, v in value.items():
                out += unknown_fields(v, addl, f"{path}.{k}")
    elif isinstance(value, list) and isinstance(schema.get("items"), dict):
        for i, v in enumerate(value):
            out += unknown_fields(v, schema["items"], f"{path}[{i}]")
    return out


def test_seeded_custom_resources_match_real_schemas(objs, real_schemas):
    checked = Counter()
    for o in objs:
        if o["kind"] not in CRD_FILES:
            continue
        schema = real_schemas.get((o["apiVersion"], o["kind"]))
        assert schema is not None, f"{o['kind']} {o['apiVersion']} is not served by the real CRD"
        errors = sorted(jsonschema.Draft7Validator(schema).iter_errors(o), key=str)
        assert not errors, (
            o["kind"],
            o["metadata"]["name"],
            [f"{list(e.absolute_path)}: {e.message[:200]}" for e in errors[:5]],
        )
        pruned = unknown_fields(o, schema)
        assert not pruned, (o["kind"], o["metadata"]["name"], pruned)
        checked[o["kind"]] += 1
    assert set(checked) == set(CRD_FILES)


def test_schema_check_catches_drift(real_schemas):
    """The schema check is not vacuous: a misspelt field or a wrong type is caught."""
    schema = real_schemas[("serving.kserve.io/v1beta1", "InferenceService")]
    bad = {
        "apiVersion": "serving.kserve.io/v1beta1",
        "kind": "InferenceService",
        "metadata": {"name": "x"},
        "spec": {"predictor": {"model": {"modelFormat": {"name": "sklearn"}, "storageURI": "gs://x"}}},
    }
    assert unknown_fields(bad, schema) == [".spec.predictor.model.storageURI"]
    bad["spec"]["predictor"]["canaryTrafficPercent"] = "ten"
    assert list(jsonschema.Draft7Validator(schema).iter_errors(bad))


# ---------------------------------------------------------------------------
# names and labels a real API server would accept (the sandbox restores the seed into the
# emulator's store without going through its create validation)
# ---------------------------------------------------------------------------

_SUBDOMAIN = r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$"
_DNS_LABEL = r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$"
_LABEL_VALUE = r"^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$"
_LABEL_NAME = r"^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$"


def test_names_and_labels_are_valid():
    import re

    for o in scenario.seed_objects(20, now=NOW):
        md = o["metadata"]
        name = md["name"]
        if o["kind"] in ("Namespace", "Service"):
            assert re.match(_DNS_LABEL, name) and len(name) <= 63, name
        else:
            assert re.match(_SUBDOMAIN, name) and len(name) <= 253, name
        for key, value in (md.get("labels") or {}).items():
            prefix, _, lname = key.rpartition("/")
            assert re.match(_LABEL_NAME, lname) and len(lname) <= 63, key
            assert not prefix or re.match(_SUBDOMAIN, prefix), key
            assert re.match(_LABEL_VALUE, value) and len(value) <= 63, (key, value)
        total = sum(len(k) + len(v) for k, v in (md.get("annotations") or {}).items())
        assert total <= 256 * 1024, name
