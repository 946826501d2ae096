"""``kubectl get`` output from the emulator's server-side printing, column for column as
kube-apiserver prints (issue 8 §6): a custom resource without printer columns shows an age,
events default to LAST SEEN TYPE REASON OBJECT MESSAGE, pod RESTARTS say how long ago, nodes
have ROLES and the -o wide columns."""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone


def ago(**delta: float) -> str:
    return (datetime.now(timezone.utc) - timedelta(**delta)).strftime("%Y-%m-%dT%H:%M:%SZ")


def ok(result) -> str:
    assert result.returncode == 0, f"kubectl failed ({result.returncode}): {result.stderr}"
    return result.stdout


def header(text: str) -> list[str]:
    return re.split(r"\s{2,}", text.splitlines()[0].strip())


def row(text: str, index: int = 1) -> list[str]:
    return re.split(r"\s{2,}", text.splitlines()[index].strip())


async def test_custom_resource_without_printer_columns_prints_an_age(emulator, kubectl):
    emulator.restore(
        {
            "apiVersion": "doublewordai.co/v1alpha1",
            "kind": "InferenceStack",
            "metadata": {"name": "llama", "namespace": "default", "creationTimestamp": ago(days=3, hours=2)},
            "spec": {"model": "llama-3-8b"},
        }
    )
    out = ok(await kubectl("get", "inferencestacks"))
    assert header(out) == ["NAME", "AGE"]
    assert row(out) == ["llama", "3d2h"]


async def test_events_print_like_a_real_server(emulator, kubectl):
    emulator.restore(
        {
            "apiVersion": "v1",
            "kind": "Event",
            "metadata": {"name": "gemma.17f", "namespace": "default", "creationTimestamp": ago(minutes=30)},
            "involvedObject": {
                "kind": "Pod",
                "name": "gemma-9b-0",
                "namespace": "default",
                "fieldPath": "spec.containers{model}",
            },
            "reason": "BackOff",
            "message": "Back-off restarting failed container  ",
            "type": "Warning",
            "source": {"component": "kubelet", "host": "gpu-node-1"},
            "firstTimestamp": ago(minutes=30),
            "lastTimestamp": ago(seconds=40),
            "count": 12,
        }
    )
    out = ok(await kubectl("get", "events"))
    assert header(out) == ["LAST SEEN", "TYPE", "REASON", "OBJECT", "MESSAGE"]
    assert row(out)[0] in ("40s", "41s", "42s")  # the age moves while kubectl runs on a busy machine
    assert row(out)[1:] == ["Warning", "BackOff", "pod/gemma-9b-0", "Back-off restarting failed container"]
    wide = ok(await kubectl("get", "events", "-o", "wide"))
    assert header(wide) == [
        "LAST SEEN",
        "TYPE",
        "REASON",
        "OBJECT",
        "SUBOBJECT",
        "SOURCE",
        "MESSAGE",
        "FIRST SEEN",
        "COUNT",
        "NAME",
    ]
    assert row(wide)[0] in ("40s", "41s", "42s")
    assert row(wide)[1:] == [
        "Warning",
        "BackOff",
        "pod/gemma-9b-0",
        "spec.containers{model}",
        "kubelet, gpu-node-1",
        "Back-off restarting failed container",
        "30m",
        "12",
        "gemma.17f",
    ]


async def test_pod_restarts_say_how_long_ago(emulator, kubectl):
    def pod(name: str, statuses: list[dict]) -> dict:
        return {
            "apiVersion": "v1",
            "kind": "Pod",
            "metadata": {"name": name, "namespace": "default"},
            "spec": {"containers": [{"name": s["name"], "image": "x"} for s in statuses], "nodeName": "gpu-1"},
            "status": {"phase": "Running", "podIP": "10.0.0.7", "containerStatuses": statuses},
        }

    emulator.create(
        pod(
            "crashy",
            [
                {
                    "name": "model",
                    "ready": False,
                    "restartCount": 7,
                    "state": {"waiting": {"reason": "CrashLoopBackOff"}},
                    "lastState": {"terminated": {"exitCode": 1, "finishedAt": ago(seconds=50)}},
                },
                {
                    "name": "proxy",
                    "ready": True,
                    "restartCount": 1,
                    "state": {"running": {}},
                    "lastState": {"terminated": {"exitCode": 0, "finishedAt": ago(hours=3)}},
                },
            ],
        )
    )
    emulator.create(pod("steady", [{"name": "model", "ready": True, "restartCount": 0, "state": {"running": {}}}]))
    out = ok(await kubectl("get", "pods"))
    assert header(out) == ["NAME", "READY", "STATUS", "RESTARTS", "AGE"]
    assert row(out, 1)[:4] == ["crashy", "1/2", "CrashLoopBackOff", "8 (50s ago)"]
    assert row(out, 2)[:4] == ["steady", "1/1", "Running", "0"]
    wide = ok(await kubectl("get", "pods", "-o", "wide"))
    assert header(wide) == [
        "NAME",
        "READY",
        "STATUS",
        "RESTARTS",
        "AGE",
        "IP",
        "NODE",
        "NOMINATED NODE",
        "READINESS GATES",
    ]
    assert row(wide, 2)[5:] == ["10.0.0.7", "gpu-1", "<none>", "<none>"]


async def test_nodes_have_roles_and_wide_columns(emulator, kubectl):
    def node(name: str, labels: dict, unschedulable: bool = False) -> dict:
        return {
            "apiVersion": "v1",
            "kind": "Node",
            "metadata": {"name": name, "labels": labels, "creationTimestamp": ago(days=12)},
            "spec": {"unschedulable": True} if unschedulable else {},
            "status": {
                "conditions": [{"type": "Ready", "status": "True"}],
                "addresses": [{"type": "InternalIP", "address": "10.1.0.4"}, {"type": "Hostname", "address": name}],
                "nodeInfo": {
                    "kubeletVersion": "v1.34.0",
                    "osImage": "Ubuntu 24.04.1 LTS",
                    "kernelVersion": "6.8.0-1015-gcp",
                    "containerRuntimeVersion": "containerd://1.7.22",
                },
            },
        }

    emulator.restore(node("cp-1", {"node-role.kubernetes.io/control-plane": ""}))
    emulator.restore(
        node("gpu-1", {"node-role.kubernetes.io/gpu": "", "node-role.kubernetes.io/worker": ""}, unschedulable=True)
    )
    emulator.restore(node("plain", {"kubernetes.io/hostname": "plain"}))
    out = ok(await kubectl("get", "nodes"))
    assert header(out) == ["NAME", "STATUS", "ROLES", "AGE", "VERSION"]
    assert [row(out, i) for i in (1, 2, 3)] == [
        ["cp-1", "Ready", "control-plane", "12d", "v1.34.0"],
        ["gpu-1", "Ready,SchedulingDisabled", "gpu,worker", "12d", "v1.34.0"],
        ["plain", "Ready", "<none>", "12d", "v1.34.0"],
    ]
    wide = ok(await kubectl("get", "nodes", "-o", "wide"))
    assert header(wide) == [
        "NAME",
        "STATUS",
        "ROLES",
        "AGE",
        "VERSION",
        "INTERNAL-IP",
        "EXTERNAL-IP",
        "OS-IMAGE",
        "KERNEL-VERSION",
        "CONTAINER-RUNTIME",
    ]
    assert row(wide, 1)[5:] == ["10.1.0.4", "<none>", "Ubuntu 24.04.1 LTS", "6.8.0-1015-gcp", "containerd://1.7.22"]
