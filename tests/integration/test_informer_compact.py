"""Pods are stored compacted (unread fields dropped, repeated parts shared) and read the same.

The demo cluster plus pods carrying the bulk real pods have (env, probes, volumes, init
containers, a restartable sidecar, managedFields) are loaded into the emulator and listed
over real HTTP into an ObjectStore; every column, sort key, health verdict, summary, related
rule and cause computed from each stored pod equals the one computed from the whole object
as the server returns it.  The stored pods take less memory (counted by object, shared
parts once) and pods of one template share their container specs.
"""

from __future__ import annotations

import asyncio
import copy
import sys

from inference_console.catalog import builtin_kinds
from inference_console.catalog.causes import pod_cause
from inference_console.catalog.related import link_of
from inference_console.sandbox.runner import load_objects
from inference_console.sandbox.scenario import seed_objects
from inference_console.sources.kube.backoff import Backoff
from inference_console.sources.kube.connect import connect
from inference_console.sources.kube.informer import Informer
from inference_console.sources.kube.source import classifier
from inference_console.sources.kube.store import ObjectStore
from inference_console.sources.kube.transport import ResourceRef

PODS = ResourceRef("", "v1", "pods", True)
FAST = dict(backoff=Backoff(base=0.05, cap=0.2), slow_retry=0.2, read_timeout=5.0)


def bulky_pod(name: str, *, waiting: str = "") -> dict:
    """A pod shaped as a real cluster serves it: env, probes, volumes, a sidecar, managedFields."""
    probe = {"httpGet": {"path": "/healthz", "port": 8080}, "periodSeconds": 10}
    container = {
        "name": "server",
        "image": "registry.internal/llm/server:1.4",
        "args": ["--model", "/mnt/models", "--port", "8080"],
        "command": ["python", "-m", "server"],
        "env": [{"name": f"VAR_{i}", "value": "x" * 40} for i in range(20)],
        "ports": [{"containerPort": 8080, "name": "http", "protocol": "TCP"}],
        "resources": {"limits": {"nvidia.com/gpu": "1", "memory": "24Gi"}, "requests": {"cpu": "2", "memory": "16Gi"}},
        "livenessProbe": probe,
        "readinessProbe": probe,
        "volumeMounts": [{"name": "models", "mountPath": "/mnt/models"}],
        "terminationMessagePath": "/dev/termination-log",
        "terminationMessagePolicy": "File",
    }
    state = (
        {"waiting": {"reason": waiting, "message": "Back-off pulling image"}}
        if waiting
        else {"running": {"startedAt": "2026-01-01T00:01:00Z"}}
    )
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {
            "name": name,
            "namespace": "bulk",
            "labels": {"app": "bulk-server", "pod-template-hash": "abc123"},
            "annotations": {"prometheus.io/scrape": "true"},
            "ownerReferences": [
                {"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": "bulk-server-abc123", "uid": "rs-uid-1"}
            ],
        },
        "spec": {
            "initContainers": [
                {"name": "fetch", "image": "busybox:1.36", "command": ["sh", "-c", "true"]},
                {"name": "proxy", "image": "envoy:1.30", "restartPolicy": "Always", "env": container["env"]},
            ],
            "containers": [container],
            "volumes": [{"name": "models", "emptyDir": {}}, {"name": f"cfg-{name}", "configMap": {"name": "cfg"}}],
            "tolerations": [{"key": "nvidia.com/gpu", "operator": "Exists", "effect": "NoSchedule"}],
            "nodeName": "gpu-node-1",
            "restartPolicy": "Always",
        },
        "status": {
            "phase": "Running",
            "podIP": "10.1.2.3",
            "podIPs": [{"ip": "10.1.2.3"}],
            "hostIP": "10.0.0.1",
            "hostIPs": [{"ip": "10.0.0.1"}],
            "conditions": [
                {
                    "type": "Ready",
                    "status": "False" if waiting else "True",
                    "lastTransitionTime": "2026-01-01T00:01:00Z",
                }
            ],
            "initContainerStatuses": [
                {
                    "name": "fetch",
                    "ready": False,
                    "restartCount": 0,
                    "image": "busybox:1.36",
                    "imageID": "docker.io/library/busybox@sha256:" + "a" * 64,
                    "state": {"terminated": {"exitCode": 0, "reason": "Completed"}},
                },
                {
                    "name": "proxy",
                    "ready": True,
                    "started": True,
                    "restartCount": 1,
                    "image": "envoy:1.30",
                    "imageID": "docker.io/envoy@sha256:" + "b" * 64,
                    "containerID": f"containerd://{name}-proxy",
                    "state": {"running": {"startedAt": "2026-01-01T00:00:30Z"}},
                    "lastState": {
                        "terminated": {"exitCode": 137, "reason": "OOMKilled", "finishedAt": "2026-01-01T00:00:20Z"}
                    },
                },
            ],
            "containerStatuses": [
                {
                    "name": "server",
                    "ready": not waiting,
                    "restartCount": 2,
                    "image": container["image"],
                    "imageID": "registry.internal/llm/server@sha256:" + "c" * 64,
                    "containerID": f"containerd://{name}-server",
                    "state": state,
                    "lastState": {},
                }
            ],
        },
    }


def deep_size(objs: list, seen: set[int]) -> int:
    """Bytes of the objects (dicts, lists, strings, numbers), each shared object counted once."""
    total = 0
    stack = list(objs)
    while stack:
        obj = stack.pop()
        if id(obj) in seen:
            continue
        seen.add(id(obj))
        total += sys.getsizeof(obj)
        if isinstance(obj, dict):
            stack.extend(obj.keys())
            stack.extend(obj.values())
        elif isinstance(obj, list):
            stack.extend(obj)
    return total


def rule_reading(rule, obj: dict) -> tuple:
    """A related rule as data: its ``match`` by what it says of a record linking to ``obj`` and of one not."""
    probes = ({"links": [link_of("pods", obj)]}, {"links": []})
    matches = tuple(rule.match(p) for p in probes) if rule.match is not None else None
    return (rule.kind, rule.labels, rule.by_owner, rule.name, matches)


def readings(spec, obj: dict, events: list) -> dict:
    return {
        "cells": [col.get(obj) for col in spec.columns if not col.join],
        "sorts": [col.sort(obj) for col in spec.columns if col.sort is not None and not col.join],
        "health": spec.health(obj),
        "summary": spec.summary(obj),
        "related": [rule_reading(rule, obj) for rule in spec.related(obj)],
        "cause": pod_cause(obj, events),
        # what the OCI source reads of a pod (the images it runs, by digest)
        "images": sorted(
            (cs.get("image"), cs.get("imageID"), c.get("image"))
            for cs in obj["status"].get("containerStatuses") or []
            for c in obj["spec"].get("containers") or []
        ),
    }


async def test_compacted_pods_read_the_same_and_take_less_memory(emulator, kubeconfig_path):
    load_objects(emulator, seed_objects())
    for i in range(40):
        emulator.create(bulky_pod(f"bulk-server-abc123-{i:02d}", waiting="ImagePullBackOff" if i % 10 == 3 else ""))
    transport, _info = await connect(str(kubeconfig_path))
    store = ObjectStore("pods", kind="Pod", api_version="v1")
    informer = Informer(transport, PODS, store, first_page=16, page_size=64, **FAST)
    informer.start()
    try:
        deadline = asyncio.get_running_loop().time() + 10
        while not (store.loaded and len(store) >= 40):
            assert asyncio.get_running_loop().time() < deadline, "the pods were not listed"
            await asyncio.sleep(0.05)
        spec = {s.key: s for s in builtin_kinds()}["pods"]
        judge = classifier(spec)
        stored = list(store.values())
        full = []
        for obj in stored:
            md = obj["metadata"]
            whole = await transport.get(PODS.object_path(md["namespace"], md["name"]))
            assert whole["metadata"]["resourceVersion"] == md["resourceVersion"]
            full.append(whole)
            events = [{"reason": "BackOff", "message": "Back-off pulling image", "type": "Warning"}]
            assert readings(spec, obj, events) == readings(spec, whole, events), md["name"]
            assert judge(obj) == judge(whole)
        assert len(stored) > 60  # the demo's pods and the 40 bulky ones
        assert any(r["cells"][3] == "ImagePullBackOff" for r in (readings(spec, o, []) for o in stored))

        # What was dropped is what nothing reads; what the YAML tab needs is fetched whole.
        bulk = [o for o in stored if o["metadata"]["namespace"] == "bulk"]
        assert all("env" not in c and "livenessProbe" not in c for o in bulk for c in o["spec"]["containers"])
        assert all("volumes" not in o["spec"] and "podIPs" not in o["status"] for o in bulk)
        assert all(o["metadata"]["annotations"] == {"prometheus.io/scrape": "true"} for o in bulk)
        # Pods of one template share one copy of their container specs and labels.
        assert len({id(o["spec"]["containers"]) for o in bulk}) == 1
        assert len({id(o["metadata"]["labels"]) for o in bulk}) == 1

        # Memory per object: the stored pods against the same pods as decoded from the server.
        whole_bulk = [w for w in full if w["metadata"]["namespace"] == "bulk"]
        for w in whole_bulk:
            w.setdefault("kind", "Pod")
        kept, decoded = deep_size(bulk, set()), deep_size(copy.deepcopy(whole_bulk), set())
        print(f"bulky pods: {kept / len(bulk):.0f} B per pod stored, {decoded / len(bulk):.0f} B decoded")
        assert kept < decoded / 3
    finally:
        await informer.stop()
        await transport.close()
