"""v1 Nodes (cluster-scoped).

GPU columns sum the extended resources in ``GPU_RESOURCE_KEYS`` of
``status.capacity``/``status.allocatable``; GPU PRODUCT is the NVIDIA GPU feature
discovery label ``nvidia.com/gpu.product``.  Health: ``Ready`` False/Unknown → FAILED,
cordoned (``spec.unschedulable``) → PROGRESSING "cordoned", ``Ready=True`` → OK.
"""

from __future__ import annotations

from typing import Mapping

from inference_console.catalog.base import (
    GPU_RESOURCE_KEYS,
    Health,
    HealthResult,
    KindSpec,
    Obj,
    age_column,
    as_int,
    as_list,
    as_map,
    as_str,
    column,
    cond_text,
    condition,
    dig,
    guard_health,
    guard_list,
    meta,
    name_column,
)
from inference_console.catalog.usage import NODE_METRICS, node_columns, node_metrics_key

PRESSURES = ("MemoryPressure", "DiskPressure", "PIDPressure", "NetworkUnavailable")


def labels(obj: Obj) -> Mapping:
    return as_map(meta(obj, "labels", None))


def roles(obj: Obj) -> str:
    found = []
    for key, value in labels(obj).items():
        if not isinstance(key, str):
            continue
        if key.startswith("node-role.kubernetes.io/"):
            role = key.split("/", 1)[1]
            if role:
                found.append(role)
        elif key == "kubernetes.io/role" and isinstance(value, str) and value:
            found.append(value)
    return ",".join(sorted(set(found))) or "<none>"


def _gpus(block: object) -> int:
    block = as_map(block)
    return sum(max(as_int(block.get(k), 0) or 0, 0) for k in GPU_RESOURCE_KEYS if k in block)


def gpu_capacity(obj: Obj) -> int:
    return _gpus(dig(obj, "status", "capacity"))


def gpu_allocatable(obj: Obj) -> int:
    return _gpus(dig(obj, "status", "allocatable"))


def gpu_product(obj: Obj) -> str:
    return as_str(labels(obj).get("nvidia.com/gpu.product"))


def cordoned(obj: Obj) -> bool:
    return dig(obj, "spec", "unschedulable") is True


def status_text(obj: Obj) -> str:
    ready = as_str(as_map(condition(obj, "Ready")).get("status"))
    text = {"True": "Ready", "False": "NotReady"}.get(ready, "Unknown")
    if cordoned(obj):
        text += ",SchedulingDisabled"
    return text


def internal_ip(obj: Obj) -> str:
    for addr in as_list(dig(obj, "status", "addresses")):
        if isinstance(addr, dict) and as_str(addr.get("type")) == "InternalIP":
            return as_str(addr.get("address"))
    return ""


@guard_health
def health(obj: Obj) -> HealthResult:
    ready = condition(obj, "Ready")
    status = as_str(as_map(ready).get("status"))
    if status in ("False", "Unknown"):
        return HealthResult(Health.FAILED, cond_text(ready) or f"Ready={status}")
    if cordoned(obj):
        return HealthResult(Health.PROGRESSING, "cordoned")
    if status == "True":
        pressures = [p for p in PRESSURES if as_str(as_map(condition(obj, p)).get("status")) == "True"]
        return HealthResult(Health.OK, ",".join(pressures))
    return HealthResult(Health.UNKNOWN, "no Ready condition")


@guard_list
def summary(obj: Obj) -> list[tuple[str, str]]:
    info = as_map(dig(obj, "status", "nodeInfo"))
    rows = [
        ("Status", status_text(obj)),
        ("Roles", roles(obj)),
        ("Internal IP", internal_ip(obj)),
        ("GPUs (capacity/allocatable)", f"{gpu_capacity(obj)}/{gpu_allocatable(obj)}"),
        ("GPU product", gpu_product(obj)),
        ("Kubelet", as_str(info.get("kubeletVersion"))),
        ("OS image", as_str(info.get("osImage"))),
        ("Container runtime", as_str(info.get("containerRuntimeVersion"))),
    ]
    for taint in as_list(dig(obj, "spec", "taints")):
        if isinstance(taint, dict):
            value = as_str(taint.get("value"))
            rows.append(
                ("Taint", f"{as_str(taint.get('key'))}{'=' + value if value else ''}:{as_str(taint.get('effect'))}")
            )
    return [(k, v) for k, v in rows if v]


SPEC = KindSpec(
    key="nodes",
    kind="Node",
    group="",
    version="v1",
    plural="nodes",
    namespaced=False,
    section="Cluster",
    aliases=("no", "node", "nodes"),
    columns=(
        name_column(),
        column("STATUS", status_text, min_width=6),
        column("ROLES", roles, priority=3),
        column("GPU CAPACITY", gpu_capacity, justify="right", sort=gpu_capacity),
        column("GPU ALLOCATABLE", gpu_allocatable, justify="right", priority=2, sort=gpu_allocatable),
        column("GPU PRODUCT", gpu_product, priority=2, max_width=40),
        column("VERSION", lambda o: as_str(dig(o, "status", "nodeInfo", "kubeletVersion")), priority=4),
        *node_columns(),
        age_column(),
    ),
    joins={NODE_METRICS: node_metrics_key},
    health=health,
    summary=summary,
    order=10,
)
