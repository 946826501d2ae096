"""urllib3 waits until it is used: the Kubernetes client's configuration imports it for
basic-auth headers only (~50 ms on the path to the first rows); whoever uses it gets all of it."""

import subprocess
import sys

CHILD = r"""
import sys
from inference_console.sources.kube.light_import import import_light
import_light()
from kubernetes_asyncio.client import Configuration
assert "urllib3" in sys.modules and "urllib3.response" not in sys.modules, "urllib3 ran its __init__"
cfg = Configuration()
cfg.username, cfg.password = "alice", "s3cret"
assert cfg.get_basic_auth_token() == "Basic YWxpY2U6czNjcmV0"  # urllib3.util.make_headers, on first use
import urllib3
from urllib3.exceptions import HTTPError
assert urllib3.__version__ and urllib3.PoolManager and issubclass(urllib3.exceptions.MaxRetryError, HTTPError)
import requests  # reads urllib3.__version__
import botocore.httpsession  # from urllib3 import ...
print("ok")
"""


def test_urllib3_runs_its_init_on_first_use_and_is_whole_then():
    proc = subprocess.run([sys.executable, "-c", CHILD], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert proc.stdout.strip() == "ok"
