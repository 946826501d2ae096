"""Model Registry instances (``ModelRegistry``).

The model-registry operator defines the kind in ``modelregistry.opendatahub.io``
(v1beta1 is the storage version, v1alpha1 is served and deprecated); some installs use
``modelregistry.kubeflow.org/v1alpha1``.  All are listed, the first one installed wins.

Schema (``config/crd/bases/modelregistry.opendatahub.io_modelregistries.yaml``):
``spec.{rest.port, grpc.port, postgres.{host,database}, mysql.{host,database}}``,
``status.{conditions[], hosts[], hostsStr}``.  Conditions of interest: ``Available``,
``Progressing``, ``Degraded`` (plus ``KubeRBACProxyAvailable``/``OAuthProxyAvailable``...).
The operator's Deployment is named after the registry and labelled
``app=<name>, component=model-registry`` (also on its pods).
"""

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
    cond_status,
    cond_text,
    condition,
    conditions,
    dig,
    guard_health,
    guard_list,
    is_terminating,
    name_column,
    name_of,
    namespace_column,
)

GROUP = "modelregistry.opendatahub.io"


def database(obj: Obj) -> str:
    for kind in ("postgres", "mysql"):
        block = dig(obj, "spec", kind)
        if isinstance(block, dict):
            host = as_str(block.get("host")) or as_str(block.get("hostAddress"))
            db = as_str(block.get("database"))
            where = "/".join(x for x in (host, db) if x)
            return f"{kind}:{where}" if where else kind
    return ""


def hosts(obj: Obj) -> str:
    text = as_str(dig(obj, "status", "hostsStr"))
    if text:
        return text
    return ",".join(as_str(h) for h in as_list(dig(obj, "status", "hosts")) if as_str(h))


def ports(obj: Obj) -> str:
    rest = as_int(dig(obj, "spec", "rest", "port"))
    grpc = as_int(dig(obj, "spec", "grpc", "port"))
    parts = []
    if rest is not None:
        parts.append(f"rest:{rest}")
    if grpc is not None:
        parts.append(f"grpc:{grpc}")
    return ",".join(parts)


@guard_health
def health(obj: Obj) -> HealthResult:
    if is_terminating(obj):
        return HealthResult(Health.PROGRESSING, "Terminating")
    degraded = condition(obj, "Degraded")
    if degraded is not None and as_str(degraded.get("status")) == "True":
        return HealthResult(Health.FAILED, cond_text(degraded) or "Degraded")
    available = condition(obj, "Available")
    progressing = cond_status(obj, "Progressing") == "True"
    if available is not None:
        status = as_str(available.get("status"))
        if status == "True":
            return OK
        if status == "False" and not progressing:
            return HealthResult(Health.FAILED, cond_text(available) or "not available")
        return HealthResult(Health.PROGRESSING, cond_text(available) or "becoming available")
    if progressing:
        return HealthResult(Health.PROGRESSING, cond_text(condition(obj, "Progressing")) or "progressing")
    if not conditions(obj):
        return HealthResult(Health.PROGRESSING, "waiting for the operator")
    return HealthResult(Health.UNKNOWN, "no Available condition")


@guard_list
def summary(obj: Obj) -> list[tuple[str, str]]:
    rows = [
        ("Ports", ports(obj)),
        ("Database", database(obj)),
        ("Hosts", hosts(obj)),
        ("REST image", as_str(dig(obj, "spec", "rest", "image"))),
    ]
    for cond in conditions(obj):
        ctype = as_str(cond.get("type"))
        if ctype:
            rows.append((ctype, f"{as_str(cond.get('status'))} {cond_text(cond)}".strip()))
    return [(k, v) for k, v in rows if v]


@guard_list
def related(obj: Obj) -> list[RelatedRule]:
    name = name_of(obj)
    if not name:
        return []
    labels = {"app": name, "component": "model-registry"}
    return [RelatedRule("deployments", labels=labels), RelatedRule("pods", labels=labels), RelatedRule("services")]


SPEC = KindSpec(
    key="modelregistries.modelregistry.opendatahub.io",
    kind="ModelRegistry",
    group=GROUP,
    version="v1beta1",
    plural="modelregistries",
    namespaced=True,
    section="Serving",
    aliases=("mr", "modelregistry", "modelregistries", "registry"),
    columns=(
        name_column(),
        namespace_column(),
        column("AVAILABLE", lambda o: cond_status(o, "Available") or "-", min_width=5),
        column("PORTS", ports, priority=3),
        column("DATABASE", database, priority=2, max_width=50),
        column("HOSTS", hosts, priority=4, max_width=60),
        column("STATUS", lambda o: as_str(as_map(condition(o, "Available")).get("message")), priority=3, max_width=60),
        age_column(),
    ),
    health=health,
    summary=summary,
    related=related,
    alternatives=((GROUP, "v1alpha1"), ("modelregistry.kubeflow.org", "v1alpha1")),
    order=40,
)
