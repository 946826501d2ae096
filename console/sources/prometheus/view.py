"""How GPUs and GPU findings are shown (pure): KindViews listed by the main table like any kind."""

from __future__ import annotations

from typing import Any, Mapping

from inference_console.catalog.base import column
from inference_console.catalog.serving_metrics import SERVING_METRICS, format_rate
from inference_console.catalog.units import bar, fmt, sparkline
from inference_console.catalog.view import OK, Health, HealthResult, KindView

GPUS = "gpus"
IDLE = "gpus-idle"
HOT = "gpus-hot"
FINDINGS = "gpufindings"
SECTION = "GPUs"


def health(r: Mapping[str, Any]) -> HealthResult:
    if r.get("xid_recent"):
        return HealthResult(
            Health.FAILED,
            f"XID {int(r['xid_recent'])} in the last hour"
            + (f" (pod {r.get('namespace')}/{r.get('pod')})" if r.get("pod") else ""),
        )
    if r.get("finding"):
        return HealthResult(Health.PROGRESSING, str(r["finding"]))
    if r.get("hot"):
        return HealthResult(Health.PROGRESSING, f"hot: {fmt(r.get('temp'), '°C')}")
    if r.get("stale"):
        return HealthResult(Health.UNKNOWN, "no recent sample (stale)")
    return OK


def summary(r: Mapping[str, Any]) -> list[tuple[str, str]]:
    owner = r.get("owner") or {}
    return [
        ("GPU", str(r.get("key", ""))),
        ("Model", str(r.get("model", ""))),
        ("UUID", str(r.get("uuid", ""))),
        ("Utilisation", fmt(r.get("util"), "%")),
        ("Peak over 1h", fmt(r.get("util_max_1h"), "%")),
        ("Memory", f"{fmt(r.get('fb_used'), 'MiB')} of {fmt(r.get('fb_total'), 'MiB')}"),
        ("Temperature", fmt(r.get("temp"), "°C")),
        ("Power", fmt(r.get("power"), "W")),
        ("Last XID", str(int(r["xid_recent"])) if r.get("xid_recent") else "none in the last hour"),
        ("Pod", f"{r.get('namespace')}/{r.get('pod')}" if r.get("pod") else "none (not allocated)"),
        ("Serving object", f"{owner.get('kind')} {owner.get('name')}" if owner else ""),
        ("History (util)", sparkline(r.get("history") or [], 30, 100.0)),
    ]


def _owner(r: Mapping[str, Any]) -> str:
    owner = r.get("owner") or {}
    return f"{owner.get('kind', '')}/{owner.get('name', '')}" if owner else ""


def _pct(r: Mapping[str, Any], field: str) -> str:
    value = r.get(field)
    return f"{bar(value, 5)} {fmt(value, '%'):>4}"


GPU_COLUMNS = (
    column("NODE", lambda r: r.get("node", ""), min_width=10, max_width=24),
    column("GPU", lambda r: r.get("gpu", ""), min_width=3, sort=lambda r: int(r.get("gpu") or 0)),
    column("UTIL", lambda r: _pct(r, "util"), min_width=10, sort=lambda r: r.get("util")),
    column("MEM", lambda r: _pct(r, "mem_pct"), min_width=10, sort=lambda r: r.get("mem_pct")),
    column("TEMP", lambda r: fmt(r.get("temp"), "°C"), min_width=4, justify="right", sort=lambda r: r.get("temp")),
    column(
        "POWER",
        lambda r: fmt(r.get("power"), "W"),
        min_width=5,
        justify="right",
        priority=1,
        sort=lambda r: r.get("power"),
    ),
    column(
        "XID",
        lambda r: str(int(r["xid_recent"])) if r.get("xid_recent") else "",
        min_width=3,
        sort=lambda r: r.get("xid_recent") or 0,
    ),
    column("POD", lambda r: r.get("pod", ""), min_width=10, max_width=44, priority=1),
    column("SERVING", _owner, min_width=10, max_width=40, priority=1),
    column("HISTORY", lambda r: sparkline(r.get("history") or [], 12, 100.0), min_width=12, priority=2),
    column("MODEL", lambda r: r.get("model", ""), priority=3, max_width=28),
    column("NAMESPACE", lambda r: r.get("namespace", ""), priority=3),
)


def _gpu_view(key: str, kind: str, order: int, aliases: tuple[str, ...]) -> KindView:
    return KindView(
        key=key,
        kind=kind,
        namespaced=False,
        section=SECTION,
        aliases=aliases,
        order=order,
        source="prometheus",
        tabs=("summary", "yaml"),
        columns=GPU_COLUMNS,
        health=health,
        summary=summary,
        name_of=lambda r: str(r.get("key", "")),
        namespace_of=lambda r: str(r.get("namespace", "")),
        labels_of=lambda r: {},
        enter=lambda r, key=key: f"gpuchart {key} {r.get('key', '')}",
    )


GPU_VIEW = _gpu_view(GPUS, "GPU", 10, ("gpu", "gpus", "fleet"))
IDLE_VIEW = _gpu_view(IDLE, "Idle GPU", 20, ("idle", "idlegpus"))
HOT_VIEW = _gpu_view(HOT, "Hot GPU", 30, ("hot", "hotgpus"))


def finding_health(r: Mapping[str, Any]) -> HealthResult:
    return HealthResult(Health.FAILED if r.get("rule") == "xid" else Health.PROGRESSING, str(r.get("detail", "")))


FINDINGS_VIEW = KindView(
    key=FINDINGS,
    kind="GPU finding",
    namespaced=True,
    section=SECTION,
    aliases=("findings", "gpufindings"),
    order=40,
    source="prometheus",
    tabs=("summary", "yaml"),
    columns=(
        column("NAMESPACE", lambda r: r.get("namespace", ""), min_width=9),
        column("RULE", lambda r: "XID on GPU" if r.get("rule") == "xid" else "idle GPU (1h)", min_width=10),
        column("OBJECT", lambda r: f"{r.get('owner_kind')}/{r.get('owner_name')}", min_width=16, max_width=50),
        column("GPUS", lambda r: ", ".join(r.get("gpus") or ()), min_width=10, max_width=40, priority=1),
        column("DETAIL", lambda r: r.get("detail", ""), min_width=20, max_width=200, priority=2),
    ),
    health=finding_health,
    summary=lambda r: [
        ("Rule", str(r.get("rule"))),
        ("Object", f"{r.get('owner_kind')} {r.get('namespace')}/{r.get('owner_name')}"),
        ("GPUs", ", ".join(r.get("gpus") or ())),
        ("Detail", str(r.get("detail", ""))),
    ],
    name_of=lambda r: f"{r.get('owner_kind')}/{r.get('owner_name')}",
    namespace_of=lambda r: str(r.get("namespace", "")),
    labels_of=lambda r: {},
    enter=lambda r: f"gpuowner {r.get('owner_key')} {r.get('namespace')}/{r.get('owner_name')}",
)


# The records behind the GPU% and REQ/S columns of the serving kinds (catalog/serving_metrics.py):
# reached by `:servingmetrics` only (no sidebar section), as the metrics-server stores are.
SERVING_VIEW = KindView(
    key=SERVING_METRICS,
    kind="Serving metric",
    namespaced=True,
    section="",
    aliases=("servingmetrics",),
    order=50,
    source="prometheus",
    tabs=("summary", "yaml"),
    columns=(
        column("NAMESPACE", lambda r: r.get("namespace", ""), min_width=9),
        column("KIND", lambda r: str(r.get("kind", "")).split(".")[0], min_width=8),
        column("NAME", lambda r: r.get("name", ""), min_width=16, max_width=60),
        column("GPUS", lambda r: r.get("gpus", 0), justify="right", sort=lambda r: r.get("gpus", 0)),
        column("GPU%", lambda r: fmt(r.get("gpu_util"), "%"), justify="right", sort=lambda r: r.get("gpu_util")),
        column("REQ/S", lambda r: format_rate(r.get("req_s")), justify="right", sort=lambda r: r.get("req_s")),
        column("FAMILY", lambda r: r.get("family", ""), priority=1),
    ),
    health=lambda r: OK,
    summary=lambda r: [
        ("Object", f"{r.get('kind')} {r.get('namespace')}/{r.get('name')}"),
        ("GPUs", str(r.get("gpus", 0))),
        ("GPU utilisation (mean)", fmt(r.get("gpu_util"), "%")),
        ("Requests", f"{format_rate(r.get('req_s')) or '–'} req/s ({r.get('family') or 'no model-server metrics'})"),
    ],
    name_of=lambda r: str(r.get("name", "")),
    namespace_of=lambda r: str(r.get("namespace", "")),
    labels_of=lambda r: {},
)
