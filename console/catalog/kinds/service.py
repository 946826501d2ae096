"""v1 Services."""

from __future__ import annotations

from inference_console.catalog.base import (
    OK,
    Health,
    HealthResult,
    KindSpec,
    Obj,
    RelatedRule,
    age_column,
    as_int,
    as_list,
    as_map,
    as_str,
    column,
    dig,
    guard_health,
    guard_list,
    is_terminating,
    name_column,
    namespace_column,
)


def svc_type(obj: Obj) -> str:
    return as_str(dig(obj, "spec", "type")) or "ClusterIP"


def ports(obj: Obj) -> str:
    parts = []
    for port in as_list(dig(obj, "spec", "ports")):
        if not isinstance(port, dict):
            continue
        number = as_int(port.get("port"))
        node = as_int(port.get("nodePort"))
        proto = as_str(port.get("protocol")) or "TCP"
        text = f"{number}" if node is None else f"{number}:{node}"
        parts.append(f"{text}/{proto}")
    return ",".join(parts)


def external_ip(obj: Obj) -> str:
    ips = [
        as_str(i.get("ip")) or as_str(i.get("hostname"))
        for i in as_list(dig(obj, "status", "loadBalancer", "ingress"))
        if isinstance(i, dict)
    ]
    ips += [as_str(i) for i in as_list(dig(obj, "spec", "externalIPs"))]
    ips = [i for i in ips if i]
    if ips:
        return ",".join(ips)
    if svc_type(obj) == "ExternalName":
        return as_str(dig(obj, "spec", "externalName"))
    if svc_type(obj) == "LoadBalancer":
        return "<pending>"
    return ""


def selector(obj: Obj) -> dict[str, str]:
    sel = as_map(dig(obj, "spec", "selector"))
    return {k: v for k, v in sel.items() if isinstance(k, str) and isinstance(v, str)}


@guard_health
def health(obj: Obj) -> HealthResult:
    if is_terminating(obj):
        return HealthResult(Health.PROGRESSING, "Terminating")
    if svc_type(obj) == "LoadBalancer" and external_ip(obj) == "<pending>":
        return HealthResult(Health.PROGRESSING, "waiting for an external IP")
    return OK


@guard_list
def summary(obj: Obj) -> list[tuple[str, str]]:
    rows = [
        ("Type", svc_type(obj)),
        ("Cluster IP", as_str(dig(obj, "spec", "clusterIP"))),
        ("External", external_ip(obj)),
        ("Ports", ports(obj)),
        ("Selector", ",".join(f"{k}={v}" for k, v in selector(obj).items())),
    ]
    return [(k, v) for k, v in rows if v]


@guard_list
def related(obj: Obj) -> list[RelatedRule]:
    sel = selector(obj)
    return [RelatedRule("pods", labels=sel, by_owner=False)] if sel else []


SPEC = KindSpec(
    key="services",
    kind="Service",
    group="",
    version="v1",
    plural="services",
    namespaced=True,
    section="Workloads",
    aliases=("svc", "service", "services"),
    columns=(
        name_column(),
        namespace_column(),
        column("TYPE", svc_type),
        column("CLUSTER-IP", lambda o: as_str(dig(o, "spec", "clusterIP")), priority=2),
        column("EXTERNAL-IP", external_ip, priority=3),
        column("PORTS", ports, max_width=40),
        age_column(),
    ),
    health=health,
    summary=summary,
    related=related,
    order=30,
)
