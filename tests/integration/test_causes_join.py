"""The Kubernetes source joins pods and events into each serving object's health (real HTTP).

The demo cluster is loaded into the emulator; the source lists it; an InferenceService whose
predictor pod cannot pull its image is failed with that cause; when kubectl fixes the pod, the
verdict follows without the InferenceService itself changing.
"""

from __future__ import annotations

import asyncio
import json

from inference_console.catalog.view import Health
from inference_console.sandbox.crds import all_crds
from inference_console.sandbox.runner import load_objects
from inference_console.sandbox.scenario import seed_objects
from inference_console.sources.kube.backoff import Backoff
from inference_console.sources.kube.connect import connect
from inference_console.sources.kube.source import KubeSource
from inference_console.state.workspace import Workspace

FAST = dict(backoff=Backoff(base=0.05, cap=0.2), slow_retry=0.2, read_timeout=5.0)
ISVC = "inferenceservices.serving.kserve.io"


async def wait(predicate, timeout=10.0):
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not predicate():
        assert loop.time() < deadline, "timed out"
        await asyncio.sleep(0.05)


async def test_serving_health_names_the_cause_behind_it_and_follows_the_pods(emulator, kubeconfig_path, kubectl):
    installed = {c["metadata"]["name"] for c in emulator.list("apiextensions.k8s.io/v1", "CustomResourceDefinition")}
    for crd in all_crds():
        if crd["metadata"]["name"] not in installed:
            emulator.install_crd(crd)
    load_objects(emulator, seed_objects())
    transport, info = await connect(str(kubeconfig_path))
    source = KubeSource(transport, info, all_namespaces=True, informer_options=FAST)
    ws = Workspace(interval=0.01)
    try:
        await source.discover()
        await ws.start_source(source)
        store = ws.store(ISVC)

        def verdict(name):
            uid = next((k for k, o in store.items() if o["metadata"]["name"] == name), None)
            return store.verdict(uid) if uid else None

        # Judged again once the pull failure's event is in (the events list may land after the pods').
        await wait(
            lambda: verdict("phi3-mini") is not None and verdict("phi3-mini").reason.startswith("image not found")
        )
        phi3 = verdict("phi3-mini")
        assert phi3.reason.startswith("image not found: ghcr.io/acme-ml/vllm-openai-custom")
        assert "MinimumReplicasUnavailable" in phi3.evidence and "NotFound" in phi3.evidence
        await wait(lambda: verdict("llama-70b").reason == "no node with a free nvidia.com/gpu")
        assert verdict("gemma-9b").reason.startswith("OOMKilled loading the model")
        assert verdict("qwen-chat").state is Health.OK

        # kubectl, a second client, fixes the pod: the InferenceService is judged again.
        pods = json.loads((await kubectl("get", "pods", "-n", "llm-staging", "-o", "json")).stdout)["items"]
        pod = next(p for p in pods if p["metadata"]["name"].startswith("phi3-mini"))
        pod["status"]["containerStatuses"] = [
            {
                "name": "kserve-container",
                "ready": True,
                "restartCount": 0,
                "image": "x",
                "imageID": "",
                "state": {"running": {"startedAt": "2026-12-01T00:00:00Z"}},
            }
        ]
        pod["status"]["conditions"] = [{"type": "Ready", "status": "True"}]
        pod["status"]["phase"] = "Running"
        await kubectl("replace", "--subresource=status", "-f", "-", input=json.dumps(pod))
        await wait(lambda: verdict("phi3-mini").state is not Health.FAILED)
        assert "image" not in verdict("phi3-mini").reason
    finally:
        await ws.close()
