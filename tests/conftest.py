import importlib.util

import pytest

from tests.shared import shared_dir as _shared_dir

# The Kubernetes emulator fixtures (emulator, kubeconfig_path, kubectl).
if importlib.util.find_spec("tests.fixtures_kube") is not None:
    pytest_plugins = ["tests.fixtures_kube"]


@pytest.fixture(scope="session")
def shared_dir():
    return _shared_dir()
