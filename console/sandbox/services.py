"""The demo's other servers (metrics, logs, registries), started beside the emulator.

Each entry of :data:`DEMO_SERVICES` is ``"module:start"`` where ``start(sandbox)`` is an
async function run on the sandbox's loop once the cluster is seeded.  It must return at
once with the endpoint settings the app should use, as ``{table name: settings}`` (for
example ``{"prometheus": PrometheusSettings(url=...)}``; table names as in
``console/settings/endpoints.py``), and start anything slow as a task on the loop (the
app's source retries until the server answers, as it would against a real one).  It may
return a second value, an async ``stop()`` the sandbox awaits on shutdown.
"""

from __future__ import annotations

import importlib
import logging
from typing import Any, Awaitable, Callable

log = logging.getLogger(__name__)

DEMO_SERVICES: list[str] = [
    "inference_console.sandbox.demo_logs:start",  # Loki; logs through Loki and the pod log API
    "inference_console.sandbox.prometheus_server:start",
    "inference_console.sandbox.registries:start",  # Yatai (pgserver + moto), Model Registry, OCI
]

Stop = Callable[[], Awaitable[None]]


async def start_services(sandbox: Any) -> tuple[dict[str, Any], list[Stop]]:
    endpoints: dict[str, Any] = {}
    stops: list[Stop] = []
    for entry in DEMO_SERVICES:
        module, _, name = entry.partition(":")
        try:
            result = await getattr(importlib.import_module(module), name)(sandbox)
        except Exception:  # noqa: BLE001 - one broken demo service must not sink the demo
            log.exception("demo service %s failed to start", entry)
            continue
        if isinstance(result, tuple):
            settings, stop = result
            stops.append(stop)
        else:
            settings = result
        endpoints.update(settings or {})
    return endpoints, stops
