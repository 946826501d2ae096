"""A Kubernetes API server emulator (aiohttp) for tests and the offline demo.

Serves built-in kinds and installed CRDs over plain HTTP with discovery, list/watch with
resourceVersion history, bookmarks and 410 expiry, selectors, pagination, patches, server-side
apply, dry-run, Status errors, server-side Table output and fault injection.
"""

from .emulator import DenyRule, KubeEmulator
from .kubeconfig import write_kubeconfig
from .server import RequestRecord
from .status import EmulatorError

__all__ = ["KubeEmulator", "EmulatorError", "write_kubeconfig", "RequestRecord", "DenyRule"]
