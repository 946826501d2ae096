"""The kubeconfig loader and ApiClient come without the client's typed models (issue 10), and
code that wants the whole client still gets it."""

import subprocess
import sys

CHILD = r"""
import sys
from inference_console.sources.kube.light_import import import_light
import_light()
from kubernetes_asyncio import config
from kubernetes_asyncio.client import ApiClient, Configuration
from kubernetes_asyncio.client.exceptions import ApiException
from kubernetes_asyncio.config.config_exception import ConfigException
light = [m for m in sys.modules if m.startswith("kubernetes_asyncio")]
assert len(light) < 60, len(light)
assert "kubernetes_asyncio.client.models.v1_pod" not in sys.modules
assert callable(config.kube_config.KubeConfigLoader)
from kubernetes_asyncio import client
assert client.ApiClient is ApiClient
assert client.CoreV1Api.__name__ == "CoreV1Api"  # the rest, on first use
assert client.models.V1Pod.__name__ == "V1Pod"
import kubernetes_asyncio
assert kubernetes_asyncio.watch.Watch
print("ok", len(light))
"""


def test_light_import_then_the_whole_client_on_demand():
    proc = subprocess.run([sys.executable, "-c", CHILD], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert proc.stdout.startswith("ok")
