"""The resource catalog: one small module per kind under ``console/catalog/kinds``.

Adding a kind means adding one file there that defines ``SPEC`` (a :class:`KindSpec`)
or ``SPECS`` (a tuple of them).  The registry discovers the modules itself.
"""

from __future__ import annotations

import importlib
import pkgutil
from functools import lru_cache

from inference_console.catalog.base import KindSpec

SECTIONS = ("Serving", "Workloads", "Cluster", "Other CRDs")


@lru_cache(maxsize=1)
def builtin_kinds() -> tuple[KindSpec, ...]:
    from inference_console.catalog import kinds as kinds_pkg

    specs: list[KindSpec] = []
    for info in sorted(pkgutil.iter_modules(kinds_pkg.__path__), key=lambda m: m.name):
        module = importlib.import_module(f"{kinds_pkg.__name__}.{info.name}")
        if hasattr(module, "SPEC"):
            specs.append(module.SPEC)
        specs.extend(getattr(module, "SPECS", ()))
    seen: set[str] = set()
    for spec in specs:
        if spec.key in seen:
            raise ValueError(f"duplicate catalog key {spec.key!r}")
        seen.add(spec.key)
    return tuple(
        sorted(specs, key=lambda s: (SECTIONS.index(s.section) if s.section in SECTIONS else 99, s.order, s.kind))
    )


def find_kind(name: str, extra: tuple[KindSpec, ...] = ()) -> KindSpec | None:
    """Resolve ``isvc``, ``inferenceservice``, ``InferenceService``, ``pods``, ``pod`` or a full key."""
    wanted = name.strip().lower()
    for spec in (*builtin_kinds(), *extra):
        names = {spec.key.lower(), spec.kind.lower(), spec.plural.lower(), *(a.lower() for a in spec.aliases)}
        if wanted in names:
            return spec
    return None
