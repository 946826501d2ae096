"""How a kubeconfig context is shown (pure): one row per context, the current one marked."""

from __future__ import annotations

from typing import Any, Mapping

from inference_console.catalog.base import column
from inference_console.catalog.view import OK, Health, HealthResult, KindView

KEY = "contexts"


def record_name(record: Mapping[str, Any]) -> str:
    return str(record.get("name", ""))


def health(record: Mapping[str, Any]) -> HealthResult:
    if not record.get("cluster_found", True):
        return HealthResult(Health.FAILED, f"cluster {record.get('cluster')!r} is not in the kubeconfig")
    return OK


def summary(record: Mapping[str, Any]) -> list[tuple[str, str]]:
    return [
        ("Context", record_name(record)),
        ("Cluster", str(record.get("cluster", ""))),
        ("Server", str(record.get("server", ""))),
        ("User", str(record.get("user", ""))),
        ("Namespace", str(record.get("namespace", "") or "default")),
        ("Current", "yes" if record.get("current") else "no"),
        ("File", str(record.get("file", ""))),
    ]


VIEW = KindView(
    key=KEY,
    kind="Context",
    namespaced=False,
    section="Cluster",
    aliases=("ctx", "context", "contexts"),
    order=90,
    source="kubeconfig",
    tabs=("summary", "yaml"),
    columns=(
        column("CURRENT", lambda r: "*" if r.get("current") else "", min_width=7),
        column("NAME", record_name, min_width=12),
        column("CLUSTER", lambda r: r.get("cluster", ""), priority=1),
        column("SERVER", lambda r: r.get("server", ""), priority=2, max_width=60),
        column("USER", lambda r: r.get("user", ""), priority=2),
        column("NAMESPACE", lambda r: r.get("namespace", ""), priority=1),
    ),
    health=health,
    summary=summary,
    name_of=record_name,
    namespace_of=lambda r: "",
    labels_of=lambda r: {},
    enter=lambda r: f"ctx {record_name(r)}",
)
