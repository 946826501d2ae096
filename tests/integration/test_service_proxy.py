"""The emulator's service proxy (kubectl get --raw) and the console finding Prometheus through it."""

from __future__ import annotations

import json

from inference_console.sandbox.apiserver.svcproxy import service_backends
from inference_console.sandbox.prometheus_server import DemoPrometheus, demo_series
from inference_console.sandbox.runner import load_objects
from inference_console.sandbox.scenario import seed_objects
from tests.ui.harness import demo_app, wait_for

SERVICE = {
    "apiVersion": "v1",
    "kind": "Service",
    "metadata": {
        "name": "prometheus-operated",
        "namespace": "monitoring",
        "labels": {"app.kubernetes.io/name": "prometheus"},
    },
    "spec": {"ports": [{"name": "web", "port": 9090, "targetPort": 9090}]},
}
NAMESPACE = {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "monitoring"}}
PROXY = "/api/v1/namespaces/monitoring/services/prometheus-operated:web/proxy"


async def test_kubectl_get_raw_through_the_service_proxy(emulator, kubectl):
    prom = DemoPrometheus(demo_series(seed_objects()))
    url = await prom.start()
    try:
        load_objects(emulator, [NAMESPACE, SERVICE])
        result = await kubectl("get", "--raw", f"{PROXY}/api/v1/query?query=count%20by%20(job)%20(up)")
        assert result.returncode != 0 and "no endpoints available" in result.stderr  # no backend yet
        service_backends(emulator)[("monitoring", "prometheus-operated")] = url
        result = await kubectl("get", "--raw", f"{PROXY}/api/v1/query?query=count%20by%20(job)%20(up)")
        assert result.returncode == 0, result.stderr
        body = json.loads(result.stdout)
        assert body["status"] == "success" and {"job": "dcgm-exporter"} in [r["metric"] for r in body["data"]["result"]]
        ready = await kubectl("get", "--raw", f"{PROXY}/-/ready")
        assert ready.returncode == 0 and "Ready" in ready.stdout
        missing = await kubectl("get", "--raw", "/api/v1/namespaces/monitoring/services/nope:web/proxy/-/ready")
        assert missing.returncode != 0 and "not found" in missing.stderr
    finally:
        await prom.stop()


async def test_console_discovers_prometheus_and_uses_the_proxy(tmp_path):
    prom = DemoPrometheus(demo_series(seed_objects()))
    url = await prom.start()

    def before(emu) -> None:
        load_objects(emu, [NAMESPACE, SERVICE])
        service_backends(emu)[("monitoring", "prometheus-operated")] = url

    try:
        async with demo_app(tmp_path, before=before) as (app, pilot, emu):
            await wait_for(pilot, lambda: "prometheus" in app.workspace.sources, what="the source")
            source = app.workspace.sources["prometheus"]
            await wait_for(pilot, lambda: len(source.gpus) == 28, what="GPUs through the proxy")
            assert "prometheus-operated" in source.found_by and "service proxy" in source.found_by
            assert "/services/prometheus-operated:web/proxy" in source.client.description
            assert any("/services/prometheus-operated:web/proxy/api/v1/query" in r.path for r in emu.requests)
    finally:
        await prom.stop()
