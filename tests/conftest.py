import importlib.util

import pytest

from tests.shared import shared_dir as _shared_dir

# The Kubernetes emulator fixtures (emulator, kubeconfig_path, kubectl).
if importlib.util.find_spec("tests.fixtures_kube") is not None:
    pytest_plugins = ["tests.fixtures_kube"]


@pytest.fixture(scope="session")
def shared_dir():
    return _shared_dir()


@pytest.fixture(autouse=True)
def _private_xdg_dirs(tmp_path_factory, monkeypatch):
    """No test reads the user's config or writes the user's audit log and recovery files."""
    root = tmp_path_factory.mktemp("xdg")
    monkeypatch.setenv("XDG_CONFIG_HOME", str(root / "config"))
    monkeypatch.setenv("XDG_STATE_HOME", str(root / "state"))
