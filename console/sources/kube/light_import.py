"""Import kubernetes-asyncio's kubeconfig loader and ApiClient without its 800 typed models.

``import kubernetes_asyncio.config`` runs the package's ``__init__``, which imports every
API class and every model (measured: 0.7-1.2 s and 59 MB of RSS on the start-up path),
although the console only uses the kubeconfig loader, ``Configuration`` and ``ApiClient``
as a transport (it reads JSON itself).  urllib3, which the client's configuration imports
for basic-auth headers only, is made lazy the same way (its ``__init__`` runs on first use).  :func:`import_light` puts the two packages in
``sys.modules`` without running their ``__init__`` (their submodules import as usual), binds
``ApiClient`` and ``Configuration`` from their own modules, and makes the models package
lazy too.  The first access to any other name (``kubernetes_asyncio.client.CoreV1Api``,
``kubernetes_asyncio.watch``) runs the real ``__init__`` into the same module: code that
wants the whole client still gets it.
"""

from __future__ import annotations

import importlib
import importlib.util
import sys
import threading
import types
from typing import Any

_lock = threading.Lock()


def _placeholder(name: str, done: dict[str, Any]) -> types.ModuleType:
    spec = importlib.util.find_spec(name)
    if spec is None or spec.loader is None or not spec.submodule_search_locations:
        raise ImportError(name)
    module = importlib.util.module_from_spec(spec)
    state = {"loaded": False}

    def __getattr__(attr: str) -> Any:  # noqa: N807 - the module's own hook (PEP 562)
        if attr.startswith("__") or state["loaded"]:
            raise AttributeError(attr)
        if importlib.util.find_spec(f"{name}.{attr}") is not None:
            return importlib.import_module(f"{name}.{attr}")  # a submodule: just it
        with _lock:
            if not state["loaded"]:
                state["loaded"] = True
                del module.__dict__["__getattr__"]
                spec.loader.exec_module(module)  # type: ignore[union-attr] - the real __init__, now
                module.__dict__.update({k: v for k, v in done.items() if k not in module.__dict__})
        return getattr(module, attr)

    module.__getattr__ = __getattr__  # type: ignore[attr-defined]
    sys.modules[name] = module
    return module


def _lazy_package(name: str) -> None:
    """Put ``name`` in ``sys.modules`` without running its ``__init__`` until a name of it is
    read (any name: ``__version__`` too); its submodules import as usual meanwhile."""
    spec = importlib.util.find_spec(name)
    if spec is None or spec.loader is None or not spec.submodule_search_locations:
        return
    module = importlib.util.module_from_spec(spec)

    def __getattr__(attr: str) -> Any:  # noqa: N807 - the module's own hook (PEP 562)
        with _lock:
            if module.__dict__.get("__getattr__") is __getattr__:
                del module.__dict__["__getattr__"]
                try:
                    spec.loader.exec_module(module)  # type: ignore[union-attr] - the real __init__, now
                except BaseException:
                    module.__dict__["__getattr__"] = __getattr__
                    raise
        return getattr(module, attr)

    module.__getattr__ = __getattr__  # type: ignore[attr-defined]
    sys.modules[name] = module


def import_light() -> None:
    """Make ``kubernetes_asyncio.config`` and ``kubernetes_asyncio.client.ApiClient`` importable
    cheaply (idempotent; a no-op when the package is already imported)."""
    with _lock:
        if "kubernetes_asyncio" in sys.modules:
            return
        try:
            top = _placeholder("kubernetes_asyncio", {})
            client = _placeholder("kubernetes_asyncio.client", {})
            top.__dict__["client"] = client
            client.__dict__["models"] = _placeholder("kubernetes_asyncio.client.models", {})
        except Exception:  # noqa: BLE001 - an unexpected layout: import it the usual way
            for name in ("kubernetes_asyncio.client.models", "kubernetes_asyncio.client", "kubernetes_asyncio"):
                sys.modules.pop(name, None)
            return
    if "urllib3" not in sys.modules:
        # The client's configuration module imports urllib3 (~50 ms) for basic auth headers only.
        try:
            _lazy_package("urllib3")
        except Exception:  # noqa: BLE001 - imported the usual way then
            sys.modules.pop("urllib3", None)
    from kubernetes_asyncio.client import exceptions, rest
    from kubernetes_asyncio.client.api_client import ApiClient
    from kubernetes_asyncio.client.configuration import Configuration

    client.__dict__.update(Configuration=Configuration, ApiClient=ApiClient, exceptions=exceptions, rest=rest)
    import kubernetes_asyncio.config as config

    top.__dict__["config"] = config
