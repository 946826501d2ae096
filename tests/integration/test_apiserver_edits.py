"""The writes live editing sends: strategic merge patches of built-in kinds (kubernetes-asyncio
and kubectl), resourceVersion preconditions, DELETE with preconditions and propagation policies
(the garbage collector), the request log and the change listener."""

from __future__ import annotations

import asyncio
import json

import pytest
from kubernetes_asyncio import client
from kubernetes_asyncio.client.exceptions import ApiException

from inference_console.sandbox.apiserver import RequestRecord
from inference_console.sandbox.apiserver.emulator import REQUEST_LOG_LIMIT

SMP = "application/strategic-merge-patch+json"
MERGE = "application/merge-patch+json"
DEPLOY = "/apis/apps/v1/namespaces/ml/deployments"


def deployment(name: str = "web", ns: str = "ml") -> dict:
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
                            "env": [{"name": "A", "value": "1"}, {"name": "B", "value": "2"}],
                            "ports": [{"containerPort": 8000, "name": "http"}],
                            "resources": {"limits": {"cpu": "2", "memory": "4Gi"}, "requests": {"cpu": "1"}},
                            "volumeMounts": [{"name": "cache", "mountPath": "/cache"}],
                        },
                        {"name": "side", "image": "envoy:1"},
                    ],
                    "volumes": [{"name": "cache", "emptyDir": {}}, {"name": "cfg", "configMap": {"name": "cfg"}}],
                },
            },
        },
    }


def owned(kind: str, name: str, owner: dict, api_version: str = "v1", **extra) -> dict:
    md = owner["metadata"]
    obj = {
        "apiVersion": api_version,
        "kind": kind,
        "metadata": {
            "name": name,
            "namespace": md["namespace"],
            "ownerReferences": [
                {
                    "apiVersion": owner["apiVersion"],
                    "kind": owner["kind"],
                    "name": md["name"],
                    "uid": md["uid"],
                    "controller": True,
                    "blockOwnerDeletion": True,
                }
            ],
        },
    }
    obj.update(extra)
    return obj


def pod(name: str, owner: dict | None = None) -> dict:
    body = {"spec": {"containers": [{"name": "c", "image": "busybox"}]}}
    if owner is None:
        return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name, "namespace": "ml"}, **body}
    return owned("Pod", name, owner, **body)


async def smp(http, path: str, body, query: str = "") -> tuple[int, dict]:
    async with http.patch(path + query, data=json.dumps(body), headers={"Content-Type": SMP}) as resp:
        return resp.status, await resp.json()


# ---- strategic merge patch ----------------------------------------------------------------


async def test_strategic_merge_directives_on_a_deployment(emulator, http):
    emulator.create(deployment())
    code, out = await smp(
        http,
        f"{DEPLOY}/web",
        {
            "spec": {
                "template": {
                    "spec": {
                        "$setElementOrder/containers": [{"name": "main"}, {"name": "side"}],
                        "containers": [
                            {
                                "name": "main",
                                "env": [
                                    {"name": "A", "$patch": "delete"},
                                    {"name": "C", "value": "3"},
                                    {"name": "B", "value": "20"},
                                ],
                                "resources": {"$patch": "replace", "limits": {"nvidia.com/gpu": "1"}},
                                "volumeMounts": [{"mountPath": "/models", "name": "models"}],
                                "ports": [{"containerPort": 8000, "name": "api"}],
                            }
                        ],
                        "volumes": [
                            {"name": "cfg", "$patch": "delete"},
                            {"name": "models", "emptyDir": {"medium": "Memory"}},
                        ],
                    }
                }
            }
        },
    )
    assert code == 200, out
    main, side = out["spec"]["template"]["spec"]["containers"]
    assert side == {"name": "side", "image": "envoy:1"}
    assert main["env"] == [{"name": "B", "value": "20"}, {"name": "C", "value": "3"}]
    assert main["resources"] == {"limits": {"nvidia.com/gpu": "1"}}
    assert main["volumeMounts"] == [
        {"name": "cache", "mountPath": "/cache"},
        {"mountPath": "/models", "name": "models"},
    ]
    assert main["ports"] == [{"containerPort": 8000, "name": "api"}]
    assert [v["name"] for v in out["spec"]["template"]["spec"]["volumes"]] == ["cache", "models"]
    assert out["metadata"]["generation"] == 2
    # a whole list replaced, a container removed, a primitive merge list pruned
    code, out = await smp(
        http,
        f"{DEPLOY}/web",
        {
            "metadata": {"finalizers": ["example.com/keep", "example.com/other"]},
            "spec": {
                "template": {
                    "spec": {
                        "containers": [{"name": "side", "$patch": "delete"}],
                        "volumes": [{"$patch": "replace"}, {"name": "only", "emptyDir": {}}],
                    }
                }
            },
        },
    )
    assert code == 200, out
    assert [c["name"] for c in out["spec"]["template"]["spec"]["containers"]] == ["main"]
    assert out["spec"]["template"]["spec"]["volumes"] == [{"name": "only", "emptyDir": {}}]
    code, out = await smp(
        http, f"{DEPLOY}/web", {"metadata": {"$deleteFromPrimitiveList/finalizers": ["example.com/keep"]}}
    )
    assert out["metadata"]["finalizers"] == ["example.com/other"]


async def test_strategic_patch_with_a_resource_version_is_a_precondition(emulator, http, kube_api):
    made = emulator.create(deployment())
    rv = made["metadata"]["resourceVersion"]
    restart = {
        "spec": {
            "template": {"metadata": {"annotations": {"kubectl.kubernetes.io/restartedAt": "2026-08-21T10:00:00Z"}}}
        }
    }
    code, out = await smp(http, f"{DEPLOY}/web", {**restart, "metadata": {"resourceVersion": rv}})
    assert code == 200 and out["spec"]["template"]["metadata"]["annotations"] == {
        "kubectl.kubernetes.io/restartedAt": "2026-08-21T10:00:00Z"
    }
    code, out = await smp(http, f"{DEPLOY}/web", {"spec": {"replicas": 3}, "metadata": {"resourceVersion": rv}})
    assert code == 409 and out["reason"] == "Conflict"
    assert out["message"] == (
        'Operation cannot be fulfilled on deployments.apps "web": the object has been modified; '
        "please apply your changes to the latest version and try again"
    )
    assert emulator.get("apps/v1", "Deployment", "ml", "web")["spec"]["replicas"] == 1
    # the same through kubernetes-asyncio (a dict body is sent as a strategic merge patch)
    apps = client.AppsV1Api(kube_api)
    with pytest.raises(ApiException) as exc:
        await apps.patch_namespaced_deployment(
            "web", "ml", {"metadata": {"resourceVersion": rv}, "spec": {"replicas": 2}}
        )
    assert exc.value.status == 409
    # dry run: validated, not stored
    code, out = await smp(
        http, f"{DEPLOY}/web", {"spec": {"replicas": 5}}, "?dryRun=All&fieldManager=inference-console"
    )
    assert code == 200 and out["spec"]["replicas"] == 5
    assert emulator.get("apps/v1", "Deployment", "ml", "web")["spec"]["replicas"] == 1
    code, out = await smp(http, f"{DEPLOY}/web", {"spec": {"replicas": -1}}, "?dryRun=All")
    assert code == 422


async def test_kubectl_strategic_patch_rollout_restart_and_scale(emulator, kubectl):
    emulator.create({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "ml"}})
    emulator.create(deployment())
    patch = {
        "spec": {
            "template": {
                "spec": {"containers": [{"name": "main", "image": "vllm:2", "env": [{"name": "B", "value": "9"}]}]}
            }
        }
    }
    out = await kubectl("patch", "deployment", "web", "-n", "ml", "--type=strategic", "-p", json.dumps(patch))
    assert out.returncode == 0, out.stderr
    got = emulator.get("apps/v1", "Deployment", "ml", "web")
    main = got["spec"]["template"]["spec"]["containers"][0]
    assert main["image"] == "vllm:2" and main["env"] == [{"name": "A", "value": "1"}, {"name": "B", "value": "9"}]
    assert [c["name"] for c in got["spec"]["template"]["spec"]["containers"]] == ["main", "side"]
    out = await kubectl("rollout", "restart", "deployment/web", "-n", "ml")
    assert out.returncode == 0, out.stderr
    out = await kubectl("scale", "deployment/web", "-n", "ml", "--replicas=4")
    assert out.returncode == 0, out.stderr
    got = emulator.get("apps/v1", "Deployment", "ml", "web")
    assert got["spec"]["replicas"] == 4
    assert "kubectl.kubernetes.io/restartedAt" in got["spec"]["template"]["metadata"]["annotations"]
    assert got["metadata"]["generation"] == 4
    stale = json.dumps({"metadata": {"resourceVersion": "1"}, "spec": {"replicas": 2}})
    out = await kubectl("patch", "deployment", "web", "-n", "ml", "--type=strategic", "-p", stale)
    assert out.returncode != 0 and "the object has been modified" in out.stderr
    out = await kubectl("patch", "deployment", "web", "-n", "ml", "--type=strategic", "-p", '{"spec":{"replicas":-3}}')
    assert out.returncode != 0
    assert (
        'The Deployment "web" is invalid: spec.replicas: Invalid value: -3: must be greater than or equal to 0'
        in out.stderr
    )


# ---- delete -------------------------------------------------------------------------------


async def test_delete_preconditions(emulator, http):
    made = emulator.create(pod("p"))
    rv = made["metadata"]["resourceVersion"]
    emulator.patch("v1", "Pod", "ml", "p", {"metadata": {"labels": {"x": "1"}}})
    opts = {
        "kind": "DeleteOptions",
        "apiVersion": "v1",
        "propagationPolicy": "Background",
        "preconditions": {"resourceVersion": rv},
    }
    async with http.delete("/api/v1/namespaces/ml/pods/p", json=opts) as resp:
        body = await resp.json()
        assert resp.status == 409, body
    assert body["reason"] == "Conflict" and body["details"] == {"name": "p", "group": "", "kind": "pods"}
    current = emulator.get("v1", "Pod", "ml", "p")["metadata"]["resourceVersion"]
    assert body["message"] == (
        f'Operation cannot be fulfilled on pods "p": Precondition failed: ResourceVersion in '
        f"precondition: {rv}, ResourceVersion in object meta: {current}"
    )
    opts["preconditions"] = {"uid": "not-it"}
    async with http.delete("/api/v1/namespaces/ml/pods/p", json=opts) as resp:
        assert resp.status == 409 and "UID in precondition: not-it" in (await resp.json())["message"]
    opts["preconditions"] = {"resourceVersion": current}
    async with http.delete("/api/v1/namespaces/ml/pods/p?dryRun=All", json=opts) as resp:
        assert resp.status == 200
    assert emulator.get("v1", "Pod", "ml", "p") is not None
    async with http.delete("/api/v1/namespaces/ml/pods/p", json=opts) as resp:
        assert resp.status == 200 and (await resp.json())["metadata"]["name"] == "p"
    assert emulator.get("v1", "Pod", "ml", "p") is None
    async with http.delete("/api/v1/namespaces/ml/pods/q", json={"propagationPolicy": "Sideways"}) as resp:
        body = await resp.json()
        assert resp.status == 422 and 'propagationPolicy: Unsupported value: "Sideways"' in body["message"]


def owner_chain(emulator) -> tuple[dict, dict, list[dict]]:
    dep = emulator.create(deployment())
    rs = emulator.create(
        owned(
            "ReplicaSet",
            "web-abc",
            dep,
            "apps/v1",
            spec={
                "replicas": 2,
                "selector": {"matchLabels": {"app": "web"}},
                "template": {
                    "metadata": {"labels": {"app": "web"}},
                    "spec": {"containers": [{"name": "c", "image": "busybox"}]},
                },
            },
        )
    )
    pods = [emulator.create(pod(f"web-abc-{i}", rs)) for i in range(2)]
    return dep, rs, pods


async def test_background_deletion_collects_dependents_shortly_after(emulator, http):
    dep, rs, pods = owner_chain(emulator)
    other = emulator.create({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "other", "namespace": "ml"}})
    shared = owned("ConfigMap", "shared", dep)
    shared["metadata"]["ownerReferences"].append(
        {"apiVersion": "v1", "kind": "ConfigMap", "name": "other", "uid": other["metadata"]["uid"]}
    )
    emulator.create(shared)
    seen: list[tuple[str, str, str]] = []
    remove = emulator.add_listener(lambda ev: seen.append((ev.type, ev.obj["kind"], ev.obj["metadata"]["name"])))
    async with http.delete(f"{DEPLOY}/web", json={"propagationPolicy": "Background"}) as resp:
        assert resp.status == 200
    assert emulator.get("apps/v1", "Deployment", "ml", "web") is None
    assert emulator.get("apps/v1", "ReplicaSet", "ml", "web-abc") is not None, "dependents go after the owner"
    for _ in range(100):
        if emulator.get("v1", "Pod", "ml", "web-abc-1") is None:
            break
        await asyncio.sleep(0.01)
    assert emulator.get("apps/v1", "ReplicaSet", "ml", "web-abc") is None
    assert [p for p in emulator.list("v1", "Pod", "ml")] == []
    kept = emulator.get("v1", "ConfigMap", "ml", "shared")
    assert [r["name"] for r in kept["metadata"]["ownerReferences"]] == ["other"], "another owner still exists"
    remove()
    assert seen[0] == ("DELETED", "Deployment", "web")
    assert ("DELETED", "ReplicaSet", "web-abc") in seen and ("DELETED", "Pod", "web-abc-0") in seen
    assert ("MODIFIED", "ConfigMap", "shared") in seen


async def test_orphan_and_foreground_deletion(emulator, http, kubectl):
    dep, rs, pods = owner_chain(emulator)
    async with http.delete(f"{DEPLOY}/web", json={"propagationPolicy": "Orphan"}) as resp:
        assert resp.status == 200
    await asyncio.sleep(0.1)
    assert emulator.collect_garbage() == 0
    left = emulator.get("apps/v1", "ReplicaSet", "ml", "web-abc")
    assert left is not None and "ownerReferences" not in left["metadata"]
    assert len(emulator.list("v1", "Pod", "ml")) == 2

    dep = emulator.create(deployment("api"))
    emulator.create(owned("ConfigMap", "api-cfg", dep))
    async with http.delete(f"{DEPLOY}/api", json={"propagationPolicy": "Foreground"}) as resp:
        body = await resp.json()
        assert resp.status == 200
    assert body["metadata"]["deletionTimestamp"] and body["metadata"]["finalizers"] == ["foregroundDeletion"]
    assert emulator.get("apps/v1", "Deployment", "ml", "api") is not None, "waits for its dependents"
    assert emulator.collect_garbage() == 1
    assert emulator.get("v1", "ConfigMap", "ml", "api-cfg") is None
    assert emulator.get("apps/v1", "Deployment", "ml", "api") is None

    # kubectl: --cascade=orphan leaves the pods of the ReplicaSet
    emulator.create({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "ml"}})
    out = await kubectl("delete", "replicaset", "web-abc", "-n", "ml", "--cascade=orphan")
    assert out.returncode == 0, out.stderr
    await asyncio.sleep(0.1)
    assert all("ownerReferences" not in p["metadata"] for p in emulator.list("v1", "Pod", "ml"))
    assert len(emulator.list("v1", "Pod", "ml")) == 2


async def test_sync_delete_takes_options(emulator):
    dep, rs, pods = owner_chain(emulator)
    with pytest.raises(Exception) as exc:
        emulator.delete("apps/v1", "Deployment", "ml", "web", preconditions={"resourceVersion": "1"})
    assert getattr(exc.value, "code", None) == 409
    emulator.delete("apps/v1", "Deployment", "ml", "web")
    assert emulator.collect_garbage() == 3  # the ReplicaSet, then its two pods
    assert emulator.owned_by(rs["metadata"]["uid"]) == []


async def test_owned_by_uses_the_owner_index(emulator):
    dep, rs, pods = owner_chain(emulator)
    assert [o["metadata"]["name"] for o in emulator.owned_by(rs["metadata"]["uid"])] == ["web-abc-0", "web-abc-1"]
    assert [o["kind"] for o in emulator.owned_by(dep["metadata"]["uid"], kind="ReplicaSet")] == ["ReplicaSet"]
    emulator.patch("v1", "Pod", "ml", "web-abc-0", {"metadata": {"ownerReferences": None}})
    assert [o["metadata"]["name"] for o in emulator.owned_by(rs["metadata"]["uid"])] == ["web-abc-1"]


# ---- the request log ----------------------------------------------------------------------


async def test_request_log_is_bounded_and_counts_mutations(emulator, http, kube_api):
    v1 = client.CoreV1Api(kube_api)
    emulator.reset_requests()
    await v1.create_namespaced_pod("ml", pod("a"))
    await v1.create_namespaced_pod("ml", pod("b"), dry_run="All")
    with pytest.raises(ApiException):
        await v1.create_namespaced_pod("ml", pod("a"))  # refused requests count too
    await v1.patch_namespaced_pod("a", "ml", {"metadata": {"labels": {"x": "1"}}})
    await v1.list_namespaced_pod("ml")
    await v1.delete_namespaced_pod("a", "ml")
    assert emulator.mutating_requests == 5
    assert emulator.request_counts == {"POST": 3, "PATCH": 1, "GET": 1, "DELETE": 1}
    for i in range(REQUEST_LOG_LIMIT + 50):
        emulator.record_request(RequestRecord("GET", f"/api/v1/x{i}", {}, None))
    assert len(emulator.requests) == REQUEST_LOG_LIMIT
    assert emulator.requests[-1].path == f"/api/v1/x{REQUEST_LOG_LIMIT + 49}"
    assert emulator.request_counts["GET"] == REQUEST_LOG_LIMIT + 51
    assert emulator.mutating_requests == 5


async def test_rbac_denial_of_edits(emulator, http):
    emulator.create(
        {
            "apiVersion": "serving.kserve.io/v1beta1",
            "kind": "InferenceService",
            "metadata": {"name": "m", "namespace": "ml"},
            "spec": {"predictor": {"model": {"modelFormat": {"name": "sklearn"}, "storageUri": "gs://m"}}},
        }
    )
    emulator.create(deployment())
    emulator.deny("inferenceservices", group="serving.kserve.io", verb="patch", namespace="ml")
    emulator.deny("deployments/scale", group="apps", verb="patch")
    emulator.deny("deployments", group="apps", verb="delete")
    rv = emulator.resource_version
    before = emulator.mutating_requests
    path = "/apis/serving.kserve.io/v1beta1/namespaces/ml/inferenceservices/m"
    async with http.patch(
        path + "?dryRun=All",
        data=json.dumps({"metadata": {"annotations": {"a": "b"}}}),
        headers={"Content-Type": MERGE},
    ) as resp:
        body = await resp.json()
        assert resp.status == 403
    assert body["reason"] == "Forbidden" and body["details"] == {
        "name": "m",
        "group": "serving.kserve.io",
        "kind": "inferenceservices",
    }
    assert body["message"] == (
        'inferenceservices.serving.kserve.io "m" is forbidden: User "system:anonymous" cannot '
        'patch resource "inferenceservices" in API group "serving.kserve.io" in the namespace '
        '"ml"'
    )
    async with http.get(path) as resp:
        assert resp.status == 200  # reading is still allowed
    async with http.patch(
        f"{DEPLOY}/web/scale", data=json.dumps({"spec": {"replicas": 3}}), headers={"Content-Type": MERGE}
    ) as resp:
        body = await resp.json()
        assert resp.status == 403 and 'cannot patch resource "deployments/scale"' in body["message"]
    async with http.delete(f"{DEPLOY}/web", json={"propagationPolicy": "Background"}) as resp:
        assert resp.status == 403
    code, out = await smp(http, f"{DEPLOY}/web", {"spec": {"replicas": 2}})
    assert code == 200, "only the denied verbs are refused"
    assert emulator.mutating_requests - before == 4
    assert emulator.resource_version == rv + 1
