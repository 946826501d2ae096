"""v1 ConfigMaps.

The ``model-config`` ConfigMap holds the console's model presets; its format is in
:mod:`inference_console.catalog.presets` (re-exported here: :func:`model_presets`).  Its health is
FAILED when a preset cannot be read.
"""

from __future__ import annotations

from inference_console.catalog.base import (
    OK,
    Health,
    HealthResult,
    KindSpec,
    Obj,
    age_column,
    as_map,
    column,
    guard_health,
    guard_list,
    name_column,
    namespace_column,
)
from inference_console.catalog.presets import PRESETS_CONFIGMAP, is_presets_configmap, model_presets, parse_presets

__all__ = ["SPEC", "model_presets", "parse_presets", "PRESETS_CONFIGMAP"]


def data_count(obj: Obj) -> int:
    return len(as_map(obj.get("data"))) + len(as_map(obj.get("binaryData")))


@guard_health
def health(obj: Obj) -> HealthResult:
    if is_presets_configmap(obj):
        presets, problems = parse_presets(obj)
        if problems:
            return HealthResult(Health.FAILED, f"{len(problems)} bad preset(s): {problems[0]}")
        return HealthResult(Health.OK, f"{len(presets)} preset(s)")
    return OK


@guard_list
def summary(obj: Obj) -> list[tuple[str, str]]:
    rows = [("Keys", ", ".join(str(k) for k in list(as_map(obj.get("data")))[:50]))]
    binary = list(as_map(obj.get("binaryData")))
    if binary:
        rows.append(("Binary keys", ", ".join(str(k) for k in binary[:50])))
    if is_presets_configmap(obj):
        presets, problems = parse_presets(obj)
        for name, preset in presets.items():
            rows.append((f"Preset {name}", f"{preset['storageUri']} ({preset['modelFormat']}, {preset['gpus']} GPU)"))
        for problem in problems:
            rows.append(("Problem", problem))
    return [(k, v) for k, v in rows if v]


SPEC = KindSpec(
    key="configmaps",
    kind="ConfigMap",
    group="",
    version="v1",
    plural="configmaps",
    namespaced=True,
    section="Cluster",
    aliases=("cm", "configmap", "configmaps"),
    columns=(
        name_column(),
        namespace_column(),
        column("DATA", data_count, justify="right", sort=data_count),
        age_column(),
    ),
    health=health,
    summary=summary,
    order=40,
)
