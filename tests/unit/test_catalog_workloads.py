"""Pods, Deployments, ReplicaSets and Services.

Every object is checked field by field against the Kubernetes API models
(kubernetes_asyncio) before the rule under test sees it.
"""

from __future__ import annotations

import copy
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest

from inference_console.catalog import find_kind
from inference_console.catalog.base import Health, related_match
from inference_console.catalog.kinds import deployment as deploy_mod
from inference_console.catalog.kinds import pod as pod_mod
from inference_console.catalog.kinds import replicaset as rs_mod
from inference_console.catalog.kinds import service as svc_mod

try:
    from test_catalog_support import validate_core_object
except ImportError:
    from tests.unit.test_catalog_support import validate_core_object

T0 = "2026-01-01T00:00:00Z"


def iso(delta: timedelta) -> str:
    return (datetime.now(timezone.utc) - delta).strftime("%Y-%m-%dT%H:%M:%SZ")


def pod(
    phase: str,
    statuses: list[dict[str, Any]] | None = None,
    conditions: list[dict[str, Any]] | None = None,
    gpus: str = "1",
    **extra_status: Any,
) -> dict[str, Any]:
    obj = {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": "llama-predictor-7d9f", "namespace": "models", "creationTimestamp": T0, "uid": "pod-uid"},
        "spec": {
            "nodeName": "gpu-node-1",
            "containers": [
                {
                    "name": "kserve-container",
                    "image": "kserve/huggingfaceserver:v0.15",
                    "resources": {"limits": {"nvidia.com/gpu": gpus, "memory": "24Gi"}},
                },
                {"name": "queue-proxy", "image": "knative/queue:1.15"},
            ],
        },
        "status": {"phase": phase, "podIP": "10.0.0.7", **extra_status},
    }
    if statuses is not None:
        obj["status"]["containerStatuses"] = statuses
    if conditions is not None:
        obj["status"]["conditions"] = conditions
    return validate_core_object(obj)


def cstatus(
    name: str, ready: bool, state: dict[str, Any], restarts: int = 0, last: dict[str, Any] | None = None
) -> dict[str, Any]:
    out = {"name": name, "ready": ready, "restartCount": restarts, "image": "img", "imageID": "", "state": state}
    if last is not None:
        out["lastState"] = last
    return out


RUNNING = {"running": {"startedAt": T0}}


def cells(spec, obj) -> dict[str, str]:
    return {c.name: c.get(obj) for c in spec.columns}


# ---------------------------------------------------------------- Pods


def test_running_ready_pod():
    obj = pod(
        "Running",
        [cstatus("kserve-container", True, RUNNING), cstatus("queue-proxy", True, RUNNING)],
        [{"type": "Ready", "status": "True"}],
    )
    row = cells(pod_mod.SPEC, obj)
    assert (row["READY"], row["STATUS"], row["RESTARTS"], row["NODE"], row["GPU"], row["IP"]) == (
        "2/2",
        "Running",
        "0",
        "gpu-node-1",
        "1",
        "10.0.0.7",
    )
    assert pod_mod.SPEC.health(obj).state == Health.OK


def test_oomkilled_crashloop_pod():
    finished = iso(timedelta(minutes=3))
    last = {"terminated": {"exitCode": 137, "reason": "OOMKilled", "startedAt": T0, "finishedAt": finished}}
    waiting = {"waiting": {"reason": "CrashLoopBackOff", "message": "back-off 5m0s restarting failed container"}}
    obj = pod(
        "Running",
        [cstatus("kserve-container", False, waiting, restarts=5, last=last), cstatus("queue-proxy", True, RUNNING)],
    )
    row = cells(pod_mod.SPEC, obj)
    assert row["STATUS"] == "CrashLoopBackOff"
    assert row["LAST TERMINATION"] == "OOMKilled (137)"
    assert row["RESTARTS"] == "5 (3m ago)"
    result = pod_mod.SPEC.health(obj)
    assert result == pod_mod.HealthResult(
        Health.FAILED, "kserve-container: CrashLoopBackOff (last termination: OOMKilled)"
    )


def test_currently_oomkilled_container_is_failed():
    term = {"terminated": {"exitCode": 137, "reason": "OOMKilled", "startedAt": T0, "finishedAt": T0}}
    obj = pod("Running", [cstatus("kserve-container", False, term, restarts=1), cstatus("queue-proxy", True, RUNNING)])
    assert cells(pod_mod.SPEC, obj)["STATUS"] == "OOMKilled"
    assert pod_mod.SPEC.health(obj).state == Health.FAILED


@pytest.mark.parametrize(
    "reason", ["ImagePullBackOff", "ErrImagePull", "CreateContainerConfigError", "InvalidImageName"]
)
def test_waiting_failures(reason):
    waiting = {"waiting": {"reason": reason, "message": 'Back-off pulling image "kserve/huggingfaceserver:nope"'}}
    obj = pod(
        "Pending",
        [
            cstatus("kserve-container", False, waiting),
            cstatus("queue-proxy", False, {"waiting": {"reason": "ContainerCreating"}}),
        ],
    )
    assert cells(pod_mod.SPEC, obj)["STATUS"] == reason
    result = pod_mod.SPEC.health(obj)
    assert result.state == Health.FAILED
    assert result.reason.startswith(f"kserve-container: {reason}")


def test_pending_unschedulable_names_the_scheduler_message():
    message = "0/3 nodes are available: 3 Insufficient nvidia.com/gpu. preemption: 0/3 nodes are available: 3 No preemption victims found for incoming pod."
    obj = pod(
        "Pending",
        None,
        [
            {
                "type": "PodScheduled",
                "status": "False",
                "reason": "Unschedulable",
                "message": message,
                "lastTransitionTime": T0,
            }
        ],
        gpus="8",
    )
    assert cells(pod_mod.SPEC, obj)["STATUS"] == "Pending"
    assert cells(pod_mod.SPEC, obj)["GPU"] == "8"
    result = pod_mod.SPEC.health(obj)
    assert result.state == Health.PROGRESSING
    assert result.reason.startswith("Unschedulable: 0/3 nodes are available: 3 Insufficient nvidia.com/gpu.")


def test_container_creating_is_progressing():
    obj = pod(
        "Pending",
        [
            cstatus("kserve-container", False, {"waiting": {"reason": "ContainerCreating"}}),
            cstatus("queue-proxy", False, {"waiting": {"reason": "ContainerCreating"}}),
        ],
    )
    assert cells(pod_mod.SPEC, obj)["STATUS"] == "ContainerCreating"
    assert pod_mod.SPEC.health(obj) == pod_mod.HealthResult(Health.PROGRESSING, "ContainerCreating")


def test_completed_pod():
    done = {"terminated": {"exitCode": 0, "reason": "Completed", "startedAt": T0, "finishedAt": T0}}
    obj = pod("Succeeded", [cstatus("kserve-container", False, done), cstatus("queue-proxy", False, done)])
    assert cells(pod_mod.SPEC, obj)["STATUS"] == "Completed"
    assert pod_mod.SPEC.health(obj).state == Health.OK


def test_terminating_pod():
    obj = pod("Running", [cstatus("kserve-container", True, RUNNING), cstatus("queue-proxy", True, RUNNING)])
    obj["metadata"]["deletionTimestamp"] = T0
    validate_core_object(obj)
    assert cells(pod_mod.SPEC, obj)["STATUS"] == "Terminating"
    assert pod_mod.SPEC.health(obj).state == Health.PROGRESSING


def test_failed_evicted_pod():
    obj = pod("Failed", [], reason="Evicted", message="The node was low on resource: memory.")
    assert cells(pod_mod.SPEC, obj)["STATUS"] == "Evicted"
    assert pod_mod.SPEC.health(obj) == pod_mod.HealthResult(
        Health.FAILED, "Evicted: The node was low on resource: memory."
    )


def test_init_container_statuses():
    obj = pod("Pending", [cstatus("kserve-container", False, {"waiting": {"reason": "PodInitializing"}})])
    obj["spec"]["initContainers"] = [{"name": "storage-initializer", "image": "kserve/storage-initializer"}]
    obj["status"]["initContainerStatuses"] = [cstatus("storage-initializer", False, RUNNING)]
    validate_core_object(obj)
    assert pod_mod.status_text(obj) == "Init:0/1"
    obj["status"]["initContainerStatuses"] = [
        cstatus(
            "storage-initializer",
            False,
            {"terminated": {"exitCode": 1, "reason": "Error", "startedAt": T0, "finishedAt": T0}},
        )
    ]
    assert pod_mod.status_text(obj) == "Init:Error"
    obj["status"]["initContainerStatuses"] = [
        cstatus("storage-initializer", False, {"waiting": {"reason": "CrashLoopBackOff"}}, restarts=3)
    ]
    assert pod_mod.status_text(obj) == "Init:CrashLoopBackOff"
    assert pod_mod.SPEC.health(obj).state == Health.FAILED


def test_running_not_ready_is_progressing():
    obj = pod(
        "Running",
        [cstatus("kserve-container", False, RUNNING), cstatus("queue-proxy", True, RUNNING)],
        [
            {
                "type": "Ready",
                "status": "False",
                "reason": "ContainersNotReady",
                "message": "containers with unready status: [kserve-container]",
            }
        ],
    )
    assert cells(pod_mod.SPEC, obj)["READY"] == "1/2"
    result = pod_mod.SPEC.health(obj)
    assert result.state == Health.PROGRESSING and result.reason.startswith("1/2 ready")


def test_pod_aliases():
    for name in ("po", "pod", "pods", "Pod"):
        assert find_kind(name) is pod_mod.SPEC


# ---------------------------------------------------------------- Deployments


def deployment(
    replicas: int, status: dict[str, Any], conditions: list[dict[str, Any]] | None = None, generation: int = 2
) -> dict[str, Any]:
    obj = {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {
            "name": "llama-predictor",
            "namespace": "models",
            "generation": generation,
            "uid": "dep-uid",
            "creationTimestamp": T0,
        },
        "spec": {
            "replicas": replicas,
            "selector": {"matchLabels": {"app": "llama-predictor"}},
            "template": {
                "metadata": {"labels": {"app": "llama-predictor"}},
                "spec": {
                    "containers": [
                        {
                            "name": "kserve-container",
                            "image": "kserve/huggingfaceserver:v0.15",
                            "resources": {"limits": {"nvidia.com/gpu": "2"}},
                        },
                        {"name": "agent", "image": "kserve/agent:v0.15"},
                    ]
                },
            },
        },
        "status": {"observedGeneration": generation, **status},
    }
    if conditions is not None:
        obj["status"]["conditions"] = conditions
    return validate_core_object(obj)


def dcond(ctype: str, status: str, reason: str, message: str = "") -> dict[str, Any]:
    return {
        "type": ctype,
        "status": status,
        "reason": reason,
        "message": message,
        "lastUpdateTime": T0,
        "lastTransitionTime": T0,
    }


def test_available_deployment():
    obj = deployment(
        3,
        {"replicas": 3, "readyReplicas": 3, "updatedReplicas": 3, "availableReplicas": 3},
        [
            dcond("Available", "True", "MinimumReplicasAvailable"),
            dcond("Progressing", "True", "NewReplicaSetAvailable"),
        ],
    )
    row = cells(deploy_mod.SPEC, obj)
    assert (row["READY"], row["UP-TO-DATE"], row["AVAILABLE"], row["GPU"]) == ("3/3", "3", "3", "6")
    assert row["IMAGES"] == "kserve/huggingfaceserver:v0.15,kserve/agent:v0.15"
    assert deploy_mod.SPEC.health(obj).state == Health.OK


def test_progress_deadline_exceeded_is_failed():
    obj = deployment(
        2,
        {"replicas": 2, "readyReplicas": 1, "updatedReplicas": 2, "availableReplicas": 1},
        [
            dcond(
                "Progressing",
                "False",
                "ProgressDeadlineExceeded",
                'ReplicaSet "llama-predictor-7d9f" has timed out progressing.',
            )
        ],
    )
    result = deploy_mod.SPEC.health(obj)
    assert result.state == Health.FAILED
    assert "ProgressDeadlineExceeded" in result.reason


def test_replica_failure_is_failed():
    obj = deployment(
        2,
        {"replicas": 0},
        [dcond("ReplicaFailure", "True", "FailedCreate", 'pods "x" is forbidden: exceeded quota: gpu-quota')],
    )
    assert deploy_mod.SPEC.health(obj).state == Health.FAILED


@pytest.mark.parametrize(
    "status, generation, observed, fragment",
    [
        ({"replicas": 3, "readyReplicas": 1, "updatedReplicas": 3, "availableReplicas": 1}, 2, 2, "1/3 ready"),
        (
            {"replicas": 4, "readyReplicas": 3, "updatedReplicas": 1, "availableReplicas": 3},
            2,
            2,
            "1/3 replicas updated",
        ),
        ({"replicas": 4, "readyReplicas": 3, "updatedReplicas": 3, "availableReplicas": 3}, 2, 2, "old replicas"),
        ({"replicas": 3, "readyReplicas": 3, "updatedReplicas": 3, "availableReplicas": 3}, 3, 2, "rollout"),
    ],
)
def test_rolling_deployment_is_progressing(status, generation, observed, fragment):
    obj = deployment(3, status, generation=generation)
    obj["status"]["observedGeneration"] = observed
    result = deploy_mod.SPEC.health(obj)
    assert result.state == Health.PROGRESSING
    assert fragment in result.reason


def test_scaled_to_zero_is_ok():
    assert deploy_mod.SPEC.health(deployment(0, {})).state == Health.OK


def test_deployment_related_pods_by_selector_and_replicasets_by_owner():
    obj = deployment(1, {})
    rules = {r.kind: r for r in deploy_mod.SPEC.related(obj)}
    assert rules["pods"].labels == {"app": "llama-predictor"}
    rs = {"metadata": {"name": "rs", "namespace": "models", "ownerReferences": [{"uid": "dep-uid"}]}}
    assert related_match(rules["replicasets"], obj, rs)
    assert find_kind("deploy") is deploy_mod.SPEC


def test_replicaset_columns_and_health():
    obj = {
        "apiVersion": "apps/v1",
        "kind": "ReplicaSet",
        "metadata": {"name": "llama-predictor-7d9f", "namespace": "models"},
        "spec": {
            "replicas": 2,
            "selector": {"matchLabels": {"app": "x"}},
            "template": {"spec": {"containers": [{"name": "c", "image": "img:1"}]}},
        },
        "status": {"replicas": 2, "readyReplicas": 1},
    }
    validate_core_object(obj)
    row = cells(rs_mod.SPEC, obj)
    assert (row["DESIRED"], row["CURRENT"], row["READY"]) == ("2", "2", "1")
    assert rs_mod.SPEC.health(obj).state == Health.PROGRESSING
    obj2 = copy.deepcopy(obj)
    obj2["status"]["readyReplicas"] = 2
    assert rs_mod.SPEC.health(obj2).state == Health.OK


# ---------------------------------------------------------------- Services


def test_service_columns_and_related_pods():
    obj = {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {"name": "inference-stack-sample-gateway", "namespace": "takeoff"},
        "spec": {
            "type": "NodePort",
            "clusterIP": "10.96.0.12",
            "selector": {"app.kubernetes.io/component": "gateway"},
            "ports": [
                {"name": "http", "port": 80, "targetPort": "openai", "protocol": "TCP", "nodePort": 30080},
                {"name": "management", "port": 3001, "protocol": "TCP"},
            ],
        },
    }
    validate_core_object(obj)
    row = cells(svc_mod.SPEC, obj)
    assert (row["TYPE"], row["CLUSTER-IP"], row["PORTS"]) == ("NodePort", "10.96.0.12", "80:30080/TCP,3001/TCP")
    assert svc_mod.SPEC.health(obj).state == Health.OK
    rule = svc_mod.SPEC.related(obj)[0]
    assert rule.kind == "pods" and rule.labels == {"app.kubernetes.io/component": "gateway"}
    lb = copy.deepcopy(obj)
    lb["spec"]["type"] = "LoadBalancer"
    assert svc_mod.external_ip(lb) == "<pending>"
    assert svc_mod.SPEC.health(lb).state == Health.PROGRESSING
    assert find_kind("svc") is svc_mod.SPEC
