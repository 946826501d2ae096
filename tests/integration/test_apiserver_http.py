"""Object reads and writes over HTTP: kubernetes-asyncio and raw requests against the emulator."""

from __future__ import annotations

import asyncio
import json

import pytest
from kubernetes_asyncio import client
from kubernetes_asyncio.client.exceptions import ApiException

from inference_console.sandbox.apiserver import write_kubeconfig

MERGE = "application/merge-patch+json"
JSONP = "application/json-patch+json"
SMP = "application/strategic-merge-patch+json"
APPLY = "application/apply-patch+yaml"


def pod(name: str, ns: str = "default", labels: dict | None = None, **extra) -> dict:
    obj = {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": name, "namespace": ns, "labels": labels or {}},
        "spec": {"containers": [{"name": "c", "image": "busybox"}]},
    }
    obj.update(extra)
    return obj


def deployment(name: str, ns: str = "default") -> dict:
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": name, "namespace": ns},
        "spec": {
            "replicas": 1,
            "selector": {"matchLabels": {"app": name}},
            "template": {
                "metadata": {"labels": {"app": name}},
                "spec": {
                    "containers": [
                        {
                            "name": "main",
                            "image": "vllm:1",
                            "env": [{"name": "A", "value": "1"}],
                            "ports": [{"containerPort": 8000, "name": "http"}],
                        },
                        {"name": "side", "image": "envoy:1"},
                    ]
                },
            },
        },
    }


def isvc(name: str, ns: str = "default") -> dict:
    return {
        "apiVersion": "serving.kserve.io/v1beta1",
        "kind": "InferenceService",
        "metadata": {"name": name, "namespace": ns},
        "spec": {"predictor": {"model": {"modelFormat": {"name": "sklearn"}, "storageUri": "gs://m"}}},
    }


def status_of(exc: pytest.ExceptionInfo) -> dict:
    body = json.loads(exc.value.body)
    assert body["kind"] == "Status" and body["apiVersion"] == "v1" and body["status"] == "Failure"
    assert body["code"] == exc.value.status
    return body


async def test_create_read_and_already_exists(emulator, kube_api):
    v1 = client.CoreV1Api(kube_api)
    created = await v1.create_namespaced_pod("default", pod("a", status={"phase": "Running"}))
    assert created.metadata.uid and created.metadata.resource_version == str(emulator.resource_version)
    assert created.status.phase == "Pending", "the status subresource is reset on create"
    got = await v1.read_namespaced_pod("a", "default")
    assert got.metadata.uid == created.metadata.uid
    with pytest.raises(ApiException) as exc:
        await v1.create_namespaced_pod("default", pod("a"))
    body = status_of(exc)
    assert exc.value.status == 409 and body["reason"] == "AlreadyExists"
    assert body["message"] == 'pods "a" already exists'
    assert body["details"] == {"name": "a", "group": "", "kind": "pods"}


async def test_generate_name(emulator, kube_api):
    v1 = client.CoreV1Api(kube_api)
    made = await v1.create_namespaced_config_map(
        "default", {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"generateName": "cfg-"}}
    )
    assert made.metadata.name.startswith("cfg-") and len(made.metadata.name) == 9
    assert emulator.get("v1", "ConfigMap", "default", made.metadata.name) is not None


async def test_not_found_and_bad_requests_are_status_objects(emulator, kube_api, http):
    v1 = client.CoreV1Api(kube_api)
    with pytest.raises(ApiException) as exc:
        await v1.read_namespaced_pod("nope", "default")
    body = status_of(exc)
    assert exc.value.status == 404 and body["reason"] == "NotFound" and body["message"] == 'pods "nope" not found'
    for path in (
        "/apis/example.com/v1/namespaces/default/widgets",
        "/api/v1/namespaces/default/nodes",
        "/api/v1/namespaces/default/pods/x/exec",
    ):
        async with http.get(path) as resp:
            body = await resp.json()
            assert resp.status == 404 and body["reason"] == "NotFound" and body["kind"] == "Status"
    async with http.post(
        "/api/v1/namespaces/default/pods", data=b"{not json", headers={"Content-Type": "application/json"}
    ) as resp:
        body = await resp.json()
        assert resp.status == 400 and body["reason"] == "BadRequest" and body["code"] == 400
    async with http.post("/api/v1/namespaces/default/pods", json={**pod("x"), "kind": "Service"}) as resp:
        assert resp.status == 400
    async with http.post("/api/v1/namespaces/other/pods", json=pod("x", ns="default")) as resp:
        assert resp.status == 400 and "namespace" in (await resp.json())["message"]


async def test_replace_with_stale_resource_version_is_409_conflict(emulator, kube_api):
    v1 = client.CoreV1Api(kube_api)
    emulator.create(pod("a"))
    current = await v1.read_namespaced_pod("a", "default")
    current.metadata.labels = {"v": "1"}
    await v1.replace_namespaced_pod("a", "default", current)  # current RV: fine
    current.metadata.labels = {"v": "2"}  # still carries the old RV
    with pytest.raises(ApiException) as exc:
        await v1.replace_namespaced_pod("a", "default", current)
    body = status_of(exc)
    assert exc.value.status == 409 and body["reason"] == "Conflict"
    assert body["message"] == (
        'Operation cannot be fulfilled on pods "a": the object has been modified; please '
        "apply your changes to the latest version and try again"
    )
    assert body["details"] == {"name": "a", "group": "", "kind": "pods"}

    custom = client.CustomObjectsApi(kube_api)
    obj = emulator.create(isvc("m"))
    emulator.patch(
        "serving.kserve.io/v1beta1", "InferenceService", "default", "m", {"metadata": {"labels": {"x": "y"}}}
    )
    with pytest.raises(ApiException) as exc:
        await custom.replace_namespaced_custom_object(
            "serving.kserve.io", "v1beta1", "default", "inferenceservices", "m", obj
        )
    body = status_of(exc)
    assert body["message"].startswith('Operation cannot be fulfilled on inferenceservices.serving.kserve.io "m": ')
    assert body["details"] == {"name": "m", "group": "serving.kserve.io", "kind": "inferenceservices"}


async def test_status_subresource_only_touches_status(emulator, kube_api):
    apps = client.AppsV1Api(kube_api)
    emulator.create(deployment("web"))
    d = await apps.read_namespaced_deployment("web", "default")
    gen = d.metadata.generation
    d.status = client.V1DeploymentStatus(ready_replicas=1, replicas=1)
    d.spec.replicas = 5  # ignored by the status endpoint
    after = await apps.replace_namespaced_deployment_status("web", "default", d)
    assert after.status.ready_replicas == 1 and after.spec.replicas == 1 and after.metadata.generation == gen
    # and the main endpoint ignores status changes while bumping generation for spec ones
    after.status.ready_replicas = 0
    after.spec.replicas = 3
    again = await apps.replace_namespaced_deployment("web", "default", after)
    assert again.status.ready_replicas == 1 and again.spec.replicas == 3 and again.metadata.generation == gen + 1

    custom = client.CustomObjectsApi(kube_api)
    emulator.create(isvc("m"))
    patched = await custom.patch_namespaced_custom_object_status(
        "serving.kserve.io",
        "v1beta1",
        "default",
        "inferenceservices",
        "m",
        {"status": {"url": "http://m.default.example.com"}, "spec": {"predictor": {}}},
        _content_type=MERGE,
    )
    assert patched["status"]["url"] == "http://m.default.example.com"
    assert patched["spec"]["predictor"]["model"]["storageUri"] == "gs://m"
    assert patched["metadata"]["generation"] == 1
    got = await custom.get_namespaced_custom_object_status(
        "serving.kserve.io", "v1beta1", "default", "inferenceservices", "m"
    )
    assert got["status"]["url"] == "http://m.default.example.com"


async def test_merge_and_json_patch(emulator, kube_api):
    custom = client.CustomObjectsApi(kube_api)
    emulator.create(isvc("m"))
    args = ("serving.kserve.io", "v1beta1", "default", "inferenceservices", "m")
    out = await custom.patch_namespaced_custom_object(
        *args,
        {
            "metadata": {"annotations": {"serving.kserve.io/stop": "true"}},
            "spec": {"predictor": {"model": {"storageUri": None, "runtime": "rt"}}},
        },
        _content_type=MERGE,
    )
    assert out["metadata"]["annotations"] == {"serving.kserve.io/stop": "true"}
    assert out["spec"]["predictor"]["model"] == {"modelFormat": {"name": "sklearn"}, "runtime": "rt"}
    assert out["metadata"]["generation"] == 2
    out = await custom.patch_namespaced_custom_object(
        *args,
        [
            {"op": "test", "path": "/spec/predictor/model/runtime", "value": "rt"},
            {"op": "add", "path": "/metadata/labels", "value": {"a": "b"}},
            {"op": "add", "path": "/spec/predictor/tolerations", "value": []},
            {"op": "add", "path": "/spec/predictor/tolerations/-", "value": {"key": "gpu"}},
            {"op": "copy", "from": "/metadata/labels", "path": "/metadata/annotations"},
            {"op": "move", "from": "/spec/predictor/model/runtime", "path": "/spec/predictor/serviceAccountName"},
        ],
        _content_type=JSONP,
    )
    assert out["metadata"]["labels"] == {"a": "b"} == out["metadata"]["annotations"]
    assert out["spec"]["predictor"]["tolerations"] == [{"key": "gpu"}]
    assert out["spec"]["predictor"]["serviceAccountName"] == "rt" and "runtime" not in out["spec"]["predictor"]["model"]
    rv = emulator.resource_version
    with pytest.raises(ApiException) as exc:
        await custom.patch_namespaced_custom_object(
            *args, [{"op": "test", "path": "/metadata/labels/a", "value": "zzz"}], _content_type=JSONP
        )
    assert exc.value.status == 422 and status_of(exc)["reason"] == "Invalid"
    assert emulator.resource_version == rv
    with pytest.raises(ApiException) as exc:
        await custom.patch_namespaced_custom_object(*args, {"spec": {}}, _content_type=SMP)
    assert exc.value.status == 415 and status_of(exc)["reason"] == "UnsupportedMediaType"
    with pytest.raises(ApiException) as exc:
        await custom.patch_namespaced_custom_object(
            *args, {"metadata": {"resourceVersion": "2"}, "spec": {"x": 1}}, _content_type=MERGE
        )
    assert exc.value.status == 409 and status_of(exc)["reason"] == "Conflict"


async def test_strategic_merge_patch_merges_lists_by_key(emulator, kube_api):
    apps = client.AppsV1Api(kube_api)
    emulator.create(deployment("web"))
    patch = {
        "spec": {
            "template": {
                "metadata": {"annotations": {"kubectl.kubernetes.io/restartedAt": "2026-08-21T10:00:00Z"}},
                "spec": {
                    "containers": [
                        {
                            "name": "main",
                            "image": "vllm:2",
                            "env": [{"name": "B", "value": "2"}],
                            "ports": [{"containerPort": 9000, "name": "metrics"}],
                        },
                        {"name": "side", "$patch": "delete"},
                        {"name": "new", "image": "busybox"},
                    ]
                },
            }
        }
    }
    out = await apps.patch_namespaced_deployment("web", "default", patch)  # dict body: strategic by default
    assert emulator.requests[-1].content_type == SMP
    spec = out.spec.template.spec
    assert [c.name for c in spec.containers] == ["main", "new"]
    main = spec.containers[0]
    assert main.image == "vllm:2"
    assert [(e.name, e.value) for e in main.env] == [("A", "1"), ("B", "2")]
    assert [p.container_port for p in main.ports] == [8000, 9000]
    assert out.spec.template.metadata.annotations == {"kubectl.kubernetes.io/restartedAt": "2026-08-21T10:00:00Z"}
    # conditions merge by type on the status subresource
    await apps.patch_namespaced_deployment_status(
        "web",
        "default",
        {
            "status": {
                "conditions": [{"type": "Available", "status": "False"}, {"type": "Progressing", "status": "True"}]
            }
        },
    )
    out = await apps.patch_namespaced_deployment_status(
        "web", "default", {"status": {"conditions": [{"type": "Available", "status": "True"}]}}
    )
    assert [(c.type, c.status) for c in out.status.conditions] == [("Available", "True"), ("Progressing", "True")]


async def test_server_side_apply(emulator, kube_api, http):
    path = "/apis/serving.kserve.io/v1beta1/namespaces/default/inferenceservices/m"
    body = json.dumps(isvc("m"))
    async with http.patch(path, data=body, headers={"Content-Type": APPLY}) as resp:
        assert resp.status == 422 and "fieldManager" in (await resp.json())["message"]
    async with http.patch(
        path + "?fieldManager=console&force=true", data=body, headers={"Content-Type": APPLY}
    ) as resp:
        created = await resp.json()
        assert resp.status == 201, created
    [entry] = created["metadata"]["managedFields"]
    assert entry["manager"] == "console" and entry["operation"] == "Apply" and entry["fieldsType"] == "FieldsV1"
    assert "f:storageUri" in entry["fieldsV1"]["f:spec"]["f:predictor"]["f:model"]
    yaml_body = (
        "apiVersion: serving.kserve.io/v1beta1\nkind: InferenceService\nmetadata:\n  name: m\n"
        "  labels: {team: ml}\nspec:\n  predictor:\n    minReplicas: 2\n"
    )
    async with http.patch(path + "?fieldManager=console", data=yaml_body, headers={"Content-Type": APPLY}) as resp:
        updated = await resp.json()
        assert resp.status == 200, updated
    assert updated["metadata"]["labels"] == {"team": "ml"}
    assert updated["spec"]["predictor"]["minReplicas"] == 2
    assert updated["metadata"]["uid"] == created["metadata"]["uid"]
    async with http.patch(path + "?force=true", data=json.dumps({"spec": {}}), headers={"Content-Type": MERGE}) as resp:
        assert resp.status == 422 and "force" in (await resp.json())["message"]


async def test_dry_run_persists_nothing_and_emits_nothing(emulator, kube_api):
    v1 = client.CoreV1Api(kube_api)
    emulator.create(pod("a"))
    rv = emulator.resource_version
    made = await v1.create_namespaced_pod("default", pod("b"), dry_run="All")
    assert made.metadata.name == "b" and made.metadata.uid
    current = await v1.read_namespaced_pod("a", "default")
    current.metadata.labels = {"x": "1"}
    replaced = await v1.replace_namespaced_pod("a", "default", current, dry_run="All")
    assert replaced.metadata.labels == {"x": "1"}
    patched = await v1.patch_namespaced_pod("a", "default", {"metadata": {"labels": {"y": "2"}}}, dry_run="All")
    assert patched.metadata.labels == {"y": "2"}
    deleted = await v1.delete_namespaced_pod("a", "default", dry_run="All")
    assert deleted.metadata.name == "a"
    assert emulator.resource_version == rv
    assert emulator.get("v1", "Pod", "default", "b") is None
    assert emulator.get("v1", "Pod", "default", "a")["metadata"]["labels"] == {}
    with pytest.raises(ApiException) as exc:
        await v1.create_namespaced_pod("default", pod("c"), dry_run="Some")
    assert exc.value.status == 422
    assert status_of(exc)["message"] == (
        'CreateOptions.meta.k8s.io "" is invalid: dryRun: Unsupported value: "Some": supported values: "All"'
    )


async def test_deny_gives_rbac_style_403(emulator, kube_api):
    v1 = client.CoreV1Api(kube_api)
    emulator.create(pod("a", ns="prod"))
    emulator.create(pod("a", ns="dev"))
    emulator.deny("pods", verb="list", namespace="prod")
    emulator.deny("secrets")
    with pytest.raises(ApiException) as exc:
        await v1.list_namespaced_pod("prod")
    body = status_of(exc)
    assert exc.value.status == 403 and body["reason"] == "Forbidden"
    assert body["message"] == (
        'pods is forbidden: User "system:anonymous" cannot list resource "pods" in API group "" in the namespace "prod"'
    )
    assert (await v1.read_namespaced_pod("a", "prod")).metadata.name == "a"  # get is still allowed
    assert len((await v1.list_namespaced_pod("dev")).items) == 1
    with pytest.raises(ApiException) as exc:
        await v1.list_secret_for_all_namespaces()
    assert exc.value.status == 403 and "at the cluster scope" in status_of(exc)["message"]
    apps = client.AppsV1Api(kube_api)
    emulator.deny("deployments", group="apps", verb="create")
    with pytest.raises(ApiException) as exc:
        await apps.create_namespaced_deployment("default", deployment("d"))
    assert exc.value.status == 403
    assert (await apps.list_namespaced_deployment("default")).items == []


async def test_require_token_gives_401_without_bearer(emulator, tmp_path):
    emulator.require_token("s3cret")
    for token, expect in ((None, 401), ("wrong", 401), ("s3cret", 200)):
        path = write_kubeconfig(tmp_path / f"kc-{token}", emulator.url, token=token)
        from kubernetes_asyncio import config

        cfg = client.Configuration()
        await config.load_kube_config(config_file=str(path), client_configuration=cfg)
        async with client.ApiClient(cfg) as api:
            v1 = client.CoreV1Api(api)
            if expect == 200:
                assert (await v1.list_namespaced_pod("default")).items == []
            else:
                with pytest.raises(ApiException) as exc:
                    await v1.list_namespaced_pod("default")
                body = status_of(exc)
                assert (
                    exc.value.status == 401 and body["reason"] == "Unauthorized" and body["message"] == "Unauthorized"
                )


async def test_label_and_field_selectors_on_list(emulator, kube_api):
    v1 = client.CoreV1Api(kube_api)
    emulator.create(
        pod(
            "a",
            labels={"app": "web", "tier": "fe"},
            spec={"nodeName": "n1", "containers": []},
            status={"phase": "Running"},
        )
    )
    emulator.create(
        pod("b", labels={"app": "api"}, spec={"nodeName": "n2", "containers": []}, status={"phase": "Pending"})
    )
    emulator.create(pod("c", ns="x", labels={"app": "web"}, spec={"nodeName": "n1", "containers": []}))

    async def names(**kw) -> list[str]:
        return [p.metadata.name for p in (await v1.list_pod_for_all_namespaces(**kw)).items]

    assert await names(label_selector="app=web") == ["a", "c"]
    assert await names(label_selector="app==web,tier") == ["a"]
    assert await names(label_selector="app!=web") == ["b"]
    assert await names(label_selector="app in (api, web),!tier") == ["b", "c"]
    assert await names(label_selector="app notin (web)") == ["b"]
    assert await names(field_selector="spec.nodeName=n1") == ["a", "c"]
    assert await names(field_selector="status.phase!=Running,metadata.namespace=default") == ["b"]
    assert await names(field_selector="metadata.name=c") == ["c"]
    with pytest.raises(ApiException) as exc:
        await names(field_selector="spec.bogus=1")
    assert exc.value.status == 400 and "field label not supported" in status_of(exc)["message"]
    with pytest.raises(ApiException) as exc:
        await names(label_selector="app in (")
    assert exc.value.status == 400

    target = emulator.list("v1", "Pod", "default")[0]
    for i, uid in enumerate([target["metadata"]["uid"], "other-uid"]):
        emulator.create(
            {
                "apiVersion": "v1",
                "kind": "Event",
                "metadata": {"name": f"e{i}", "namespace": "default"},
                "involvedObject": {"kind": "Pod", "name": "a", "uid": uid},
                "reason": "Pulled",
            }
        )
    evs = await v1.list_namespaced_event("default", field_selector=f"involvedObject.uid={target['metadata']['uid']}")
    assert [e.metadata.name for e in evs.items] == ["e0"]
    evs = await v1.list_namespaced_event("default", field_selector="involvedObject.kind=Pod,involvedObject.name=a")
    assert len(evs.items) == 2


async def test_pagination_with_limit_and_continue(emulator, kube_api, http):
    v1 = client.CoreV1Api(kube_api)
    for i in range(5):
        emulator.create(pod(f"p{i}"))
    first = await v1.list_namespaced_pod("default", limit=2)
    assert [p.metadata.name for p in first.items] == ["p0", "p1"]
    assert first.metadata._continue and first.metadata.remaining_item_count == 3
    emulator.create(pod("p9"))
    second = await v1.list_namespaced_pod("default", limit=2, _continue=first.metadata._continue)
    assert [p.metadata.name for p in second.items] == ["p2", "p3"]
    assert second.metadata.resource_version == first.metadata.resource_version
    emulator.compact()
    with pytest.raises(ApiException) as exc:
        await v1.list_namespaced_pod("default", limit=2, _continue=second.metadata._continue)
    assert exc.value.status == 410 and status_of(exc)["reason"] == "Expired"
    fresh = await v1.list_namespaced_pod("default", limit=10)
    assert len(fresh.items) == 6 and not fresh.metadata._continue
    async with http.get("/api/v1/pods?limit=1&continue=garbage") as resp:
        assert resp.status == 400


async def test_delete_with_preconditions_and_collection(emulator, kube_api):
    v1 = client.CoreV1Api(kube_api)
    emulator.create(pod("a", labels={"g": "1"}))
    emulator.create(pod("b", labels={"g": "1"}))
    emulator.create(pod("c"))
    with pytest.raises(ApiException) as exc:
        await v1.delete_namespaced_pod(
            "a", "default", body=client.V1DeleteOptions(preconditions=client.V1Preconditions(resource_version="1"))
        )
    assert exc.value.status == 409
    gone = await v1.delete_namespaced_pod("a", "default")
    assert gone.metadata.name == "a"
    await v1.delete_collection_namespaced_pod("default", label_selector="g=1")
    assert [p["metadata"]["name"] for p in emulator.list("v1", "Pod")] == ["c"]


async def test_scale_subresource(emulator, kube_api):
    apps = client.AppsV1Api(kube_api)
    emulator.create(deployment("web"))
    scale = await apps.read_namespaced_deployment_scale("web", "default")
    assert scale.spec.replicas == 1 and scale.status.selector == "app=web"
    out = await apps.patch_namespaced_deployment_scale("web", "default", {"spec": {"replicas": 4}})
    assert out.spec.replicas == 4
    assert emulator.get("apps/v1", "Deployment", "default", "web")["spec"]["replicas"] == 4


async def test_table_output_for_builtin_and_crd_columns(emulator, http):
    emulator.create(
        pod("a", status={"phase": "Running", "containerStatuses": [{"name": "c", "ready": True, "restartCount": 2}]})
    )
    accept = "application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json"
    async with http.get("/api/v1/namespaces/default/pods", headers={"Accept": accept}) as resp:
        tbl = await resp.json()
    assert tbl["kind"] == "Table" and tbl["apiVersion"] == "meta.k8s.io/v1"
    assert [c["name"] for c in tbl["columnDefinitions"] if c["priority"] == 0] == [
        "Name",
        "Ready",
        "Status",
        "Restarts",
        "Age",
    ]
    [row] = tbl["rows"]
    assert row["cells"][:4] == ["a", "1/1", "Running", "2"]  # printPod sends RESTARTS as a string
    assert row["object"]["kind"] == "PartialObjectMetadata" and row["object"]["metadata"]["name"] == "a"

    obj = isvc("m")
    obj["status"] = {
        "url": "http://m.example.com",
        "conditions": [{"type": "PredictorReady", "status": "False"}, {"type": "Ready", "status": "True"}],
    }
    emulator.create(obj)
    async with http.get(
        "/apis/serving.kserve.io/v1beta1/namespaces/default/inferenceservices?includeObject=Object",
        headers={"Accept": accept},
    ) as resp:
        tbl = await resp.json()
    cols = [c["name"] for c in tbl["columnDefinitions"]]
    assert cols[:3] == ["Name", "URL", "Ready"] and cols[-1] == "Age"
    cells = dict(zip(cols, tbl["rows"][0]["cells"]))
    assert cells["Name"] == "m" and cells["URL"] == "http://m.example.com" and cells["Ready"] == "True"
    assert cells["Age"].endswith("s")
    assert tbl["rows"][0]["object"]["spec"]["predictor"]["model"]["storageUri"] == "gs://m"


async def test_requests_are_recorded_and_latency_applies(emulator, kube_api):
    v1 = client.CoreV1Api(kube_api)
    emulator.requests.clear()
    await v1.create_namespaced_pod("default", pod("a"))
    await v1.patch_namespaced_pod("a", "default", [{"op": "add", "path": "/metadata/labels/x", "value": "1"}])
    await v1.list_namespaced_pod("default", label_selector="x=1")
    assert [(r.method, r.path) for r in emulator.requests] == [
        ("POST", "/api/v1/namespaces/default/pods"),
        ("PATCH", "/api/v1/namespaces/default/pods/a"),
        ("GET", "/api/v1/namespaces/default/pods"),
    ]
    mutating = [r for r in emulator.requests if r.method in ("POST", "PUT", "PATCH", "DELETE")]
    assert [r.content_type for r in mutating] == ["application/json", JSONP]
    assert emulator.requests[-1].query == {"labelSelector": "x=1"}
    emulator.set_latency(0.2)
    loop = asyncio.get_running_loop()
    started = loop.time()
    await v1.read_namespaced_pod("a", "default")
    assert loop.time() - started >= 0.2


async def test_server_side_apply_conflicts_between_managers(emulator, http):
    path = "/apis/apps/v1/namespaces/default/deployments/web"
    intent = deployment("web")
    async with http.patch(path + "?fieldManager=gitops", json=intent, headers={"Content-Type": APPLY}) as resp:
        assert resp.status == 201
    scaled = {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web"}, "spec": {"replicas": 5}}
    async with http.patch(path + "?fieldManager=console", json=scaled, headers={"Content-Type": APPLY}) as resp:
        body = await resp.json()
        assert resp.status == 409, body
    assert body["reason"] == "Conflict"
    assert body["message"] == 'Apply failed with 1 conflict: conflict with "gitops" using apps/v1: .spec.replicas'
    assert body["details"]["causes"] == [
        {"type": "FieldManagerConflict", "message": 'conflict with "gitops" using apps/v1', "field": ".spec.replicas"}
    ]
    # the same value is no conflict; force takes the field over
    async with http.patch(
        path + "?fieldManager=console", json={**scaled, "spec": {"replicas": 1}}, headers={"Content-Type": APPLY}
    ) as resp:
        assert resp.status == 200
    async with http.patch(
        path + "?fieldManager=console&force=true", json=scaled, headers={"Content-Type": APPLY}
    ) as resp:
        forced = await resp.json()
        assert resp.status == 200 and forced["spec"]["replicas"] == 5
    owners = {e["manager"]: e["fieldsV1"] for e in forced["metadata"]["managedFields"]}
    assert "f:replicas" in owners["console"]["f:spec"] and "f:replicas" not in owners["gitops"]["f:spec"]
    assert "f:template" in owners["gitops"]["f:spec"]
