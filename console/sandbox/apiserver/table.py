"""Server-side printing: meta.k8s.io Table answers (what ``kubectl get`` asks for)."""

from __future__ import annotations

import json
from typing import Any, Callable, Iterable

from . import jsonpath
from .meta import human_age
from .resources import ResourceType

Cell = Any
Col = tuple[str, str, str, int, Callable[[dict[str, Any]], Cell]]  # name, type, format, priority, getter


def _md(o: dict[str, Any]) -> dict[str, Any]:
    return o.get("metadata") or {}


def _name(o: dict[str, Any]) -> str:
    return _md(o).get("name", "")


def _age(o: dict[str, Any]) -> str:
    return human_age(_md(o).get("creationTimestamp"))


def _get(o: Any, *path: str, default: Any = None) -> Any:
    for p in path:
        if not isinstance(o, dict):
            return default
        o = o.get(p)
    return default if o is None else o


def _pod_ready(o: dict[str, Any]) -> str:
    cs = _get(o, "status", "containerStatuses", default=[])
    total = len(_get(o, "spec", "containers", default=[]))
    return f"{sum(1 for c in cs if c.get('ready'))}/{total}"


def _pod_status(o: dict[str, Any]) -> str:
    if _md(o).get("deletionTimestamp"):
        return "Terminating"
    reason = _get(o, "status", "reason") or _get(o, "status", "phase", default="Unknown")
    for c in _get(o, "status", "containerStatuses", default=[]):
        st = c.get("state") or {}
        if (st.get("waiting") or {}).get("reason"):
            return st["waiting"]["reason"]
        if (st.get("terminated") or {}).get("reason"):
            return st["terminated"]["reason"]
    return reason


def _pod_restarts(o: dict[str, Any]) -> str:
    """printPod's RESTARTS: the count, and how long ago the last container terminated ("3 (7s ago)")."""
    restarts = 0
    last = ""
    for c in _get(o, "status", "containerStatuses", default=[]):
        restarts += int(c.get("restartCount") or 0)
        finished = _get(c, "lastState", "terminated", "finishedAt", default="")
        if isinstance(finished, str) and finished > last:
            last = finished  # RFC 3339 in UTC: the string order is the time order
    if restarts and last:
        return f"{restarts} ({human_age(last)} ago)"
    return str(restarts)


def _readiness_gates(o: dict[str, Any]) -> str:
    gates = _get(o, "spec", "readinessGates", default=[])
    if not gates:
        return "<none>"
    conds = {c.get("type"): c.get("status") for c in _get(o, "status", "conditions", default=[])}
    ready = sum(1 for g in gates if conds.get(g.get("conditionType")) == "True")
    return f"{ready}/{len(gates)}"


def _ready_of(o: dict[str, Any]) -> str:
    return f"{_get(o, 'status', 'readyReplicas', default=0)}/{_get(o, 'spec', 'replicas', default=1)}"


def _svc_ports(o: dict[str, Any]) -> str:
    ports = _get(o, "spec", "ports", default=[])
    return ",".join(f"{p.get('port')}/{p.get('protocol', 'TCP')}" for p in ports) or "<none>"


def _node_status(o: dict[str, Any]) -> str:
    status = "Unknown"
    for c in _get(o, "status", "conditions", default=[]):
        if c.get("type") == "Ready":
            status = "Ready" if c.get("status") == "True" else "NotReady"
    if _get(o, "spec", "unschedulable"):
        status += ",SchedulingDisabled"
    return status


NODE_ROLE_PREFIX = "node-role.kubernetes.io/"


def _node_roles(o: dict[str, Any]) -> str:
    """findNodeRoles: node-role.kubernetes.io/<role> label keys and the kubernetes.io/role value."""
    roles: set[str] = set()
    for k, v in (_md(o).get("labels") or {}).items():
        if k.startswith(NODE_ROLE_PREFIX) and k[len(NODE_ROLE_PREFIX) :]:
            roles.add(k[len(NODE_ROLE_PREFIX) :])
        elif k == "kubernetes.io/role" and v:
            roles.add(str(v))
    return ",".join(sorted(roles)) if roles else "<none>"


def _node_address(kind: str) -> Callable[[dict[str, Any]], str]:
    def get(o: dict[str, Any]) -> str:
        for a in _get(o, "status", "addresses", default=[]):
            if a.get("type") == kind and a.get("address"):
                return str(a["address"])
        return "<none>"

    return get


def _node_info(field: str) -> Callable[[dict[str, Any]], str]:
    return lambda o: str(_get(o, "status", "nodeInfo", field, default="") or "<unknown>")


def _event_object(o: dict[str, Any]) -> str:
    io = o.get("involvedObject") or {}
    kind = str(io.get("kind", "")).lower()
    return f"{kind}/{io['name']}" if io.get("name") else kind


def _event_first_seen(o: dict[str, Any]) -> str:
    return human_age(o.get("firstTimestamp") or o.get("eventTime") or _md(o).get("creationTimestamp"))


def _event_last_seen(o: dict[str, Any]) -> str:
    series = o.get("series") or {}
    if series.get("lastObservedTime"):
        return human_age(series["lastObservedTime"])
    return human_age(o["lastTimestamp"]) if o.get("lastTimestamp") else _event_first_seen(o)


def _event_count(o: dict[str, Any]) -> int:
    series = o.get("series") or {}
    if series:
        return int(series.get("count") or 0)
    return int(o.get("count") or 0) or 1


def _event_source(o: dict[str, Any]) -> str:
    src = o.get("source") or {}
    component = src.get("component") or o.get("reportingComponent") or ""
    host = src.get("host") or o.get("reportingInstance") or ""
    return f"{component}, {host}" if host else component


NAME: Col = ("Name", "string", "name", 0, _name)
AGE: Col = ("Age", "string", "", 0, _age)

BUILTIN_COLUMNS: dict[str, list[Col]] = {
    "Pod": [
        NAME,
        ("Ready", "string", "", 0, _pod_ready),
        ("Status", "string", "", 0, _pod_status),
        ("Restarts", "string", "", 0, _pod_restarts),
        AGE,
        ("IP", "string", "", 1, lambda o: _get(o, "status", "podIP", default="<none>")),
        ("Node", "string", "", 1, lambda o: _get(o, "spec", "nodeName", default="<none>")),
        ("Nominated Node", "string", "", 1, lambda o: _get(o, "status", "nominatedNodeName", default="<none>")),
        ("Readiness Gates", "string", "", 1, _readiness_gates),
    ],
    "Deployment": [
        NAME,
        ("Ready", "string", "", 0, _ready_of),
        ("Up-to-date", "integer", "", 0, lambda o: _get(o, "status", "updatedReplicas", default=0)),
        ("Available", "integer", "", 0, lambda o: _get(o, "status", "availableReplicas", default=0)),
        AGE,
    ],
    "ReplicaSet": [
        NAME,
        ("Desired", "integer", "", 0, lambda o: _get(o, "spec", "replicas", default=1)),
        ("Current", "integer", "", 0, lambda o: _get(o, "status", "replicas", default=0)),
        ("Ready", "integer", "", 0, lambda o: _get(o, "status", "readyReplicas", default=0)),
        AGE,
    ],
    "StatefulSet": [NAME, ("Ready", "string", "", 0, _ready_of), AGE],
    "DaemonSet": [
        NAME,
        ("Desired", "integer", "", 0, lambda o: _get(o, "status", "desiredNumberScheduled", default=0)),
        ("Ready", "integer", "", 0, lambda o: _get(o, "status", "numberReady", default=0)),
        AGE,
    ],
    "Namespace": [NAME, ("Status", "string", "", 0, lambda o: _get(o, "status", "phase", default="Active")), AGE],
    "Service": [
        NAME,
        ("Type", "string", "", 0, lambda o: _get(o, "spec", "type", default="ClusterIP")),
        ("Cluster-IP", "string", "", 0, lambda o: _get(o, "spec", "clusterIP", default="<none>")),
        ("Port(s)", "string", "", 0, _svc_ports),
        AGE,
    ],
    "ConfigMap": [
        NAME,
        ("Data", "integer", "", 0, lambda o: len(o.get("data") or {}) + len(o.get("binaryData") or {})),
        AGE,
    ],
    "Secret": [
        NAME,
        ("Type", "string", "", 0, lambda o: o.get("type", "Opaque")),
        ("Data", "integer", "", 0, lambda o: len(o.get("data") or {})),
        AGE,
    ],
    "Node": [
        NAME,
        ("Status", "string", "", 0, _node_status),
        ("Roles", "string", "", 0, _node_roles),
        AGE,
        ("Version", "string", "", 0, lambda o: _get(o, "status", "nodeInfo", "kubeletVersion", default="")),
        ("Internal-IP", "string", "", 1, _node_address("InternalIP")),
        ("External-IP", "string", "", 1, _node_address("ExternalIP")),
        ("OS-Image", "string", "", 1, _node_info("osImage")),
        ("Kernel-Version", "string", "", 1, _node_info("kernelVersion")),
        ("Container-Runtime", "string", "", 1, _node_info("containerRuntimeVersion")),
    ],
    # printEvent (server-side printing generates the wide row; kubectl hides priority 1)
    "Event": [
        ("Last Seen", "string", "", 0, _event_last_seen),
        ("Type", "string", "", 0, lambda o: o.get("type", "")),
        ("Reason", "string", "", 0, lambda o: o.get("reason", "")),
        ("Object", "string", "", 0, _event_object),
        ("Subobject", "string", "", 1, lambda o: _get(o, "involvedObject", "fieldPath", default="")),
        ("Source", "string", "", 1, _event_source),
        ("Message", "string", "", 0, lambda o: str(o.get("message", "")).strip()),
        ("First Seen", "string", "", 1, _event_first_seen),
        ("Count", "string", "", 1, _event_count),
        ("Name", "string", "name", 1, _name),
    ],
    "CustomResourceDefinition": [NAME, ("Created At", "date", "", 0, lambda o: _md(o).get("creationTimestamp", ""))],
}


def _json_cell(type_: str, value: Any) -> Cell:
    if value is None:
        return None
    if type_ == "date":
        return human_age(value) if isinstance(value, str) else None
    if type_ == "integer":
        return value if isinstance(value, int) and not isinstance(value, bool) else None
    if type_ == "number":
        return value if isinstance(value, (int, float)) and not isinstance(value, bool) else None
    if type_ == "boolean":
        return value if isinstance(value, bool) else None
    if isinstance(value, (dict, list)):
        return json.dumps(value, separators=(",", ":"))
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _crd_columns(rt: ResourceType) -> list[Col]:
    if not rt.printer_columns:
        # a CRD version without additionalPrinterColumns: Name and Age, the age already printed
        # by the server (the apiextensions table convertor turns dates into "5d")
        return [NAME, ("Age", "date", "", 0, _age)]
    cols: list[Col] = [NAME]
    for c in rt.printer_columns:
        path, type_ = c.get("jsonPath", ""), c.get("type", "string")

        def getter(o: dict[str, Any], path: str = path, type_: str = type_) -> Cell:
            found = jsonpath.find(o, path)
            return _json_cell(type_, found[0]) if found else None

        cols.append((c.get("name", ""), type_, c.get("format", ""), int(c.get("priority", 0)), getter))
    return cols


def columns_for(rt: ResourceType) -> list[Col]:
    if rt.builtin:
        return BUILTIN_COLUMNS.get(rt.kind, [NAME, AGE])
    return _crd_columns(rt)


def column_definitions(cols: list[Col]) -> list[dict[str, Any]]:
    out = []
    for name, type_, fmt, prio, _ in cols:
        out.append(
            {
                "name": name,
                "type": "string" if type_ == "date" else type_,
                "format": fmt,
                "description": name if name != "Name" else "Name must be unique within a namespace. Cannot be updated.",
                "priority": prio,
            }
        )
    return out


def row(cols: list[Col], obj: dict[str, Any], include: str) -> dict[str, Any]:
    r: dict[str, Any] = {"cells": [get(obj) for *_, get in cols]}
    if include == "Object":
        r["object"] = obj
    elif include != "None":
        r["object"] = {"kind": "PartialObjectMetadata", "apiVersion": "meta.k8s.io/v1", "metadata": _md(obj)}
    return r


def table(
    rt: ResourceType,
    objs: Iterable[dict[str, Any]],
    api_version: str,
    include: str,
    list_meta: dict[str, Any] | None,
    with_columns: bool = True,
) -> dict[str, Any]:
    cols = columns_for(rt)
    out: dict[str, Any] = {"kind": "Table", "apiVersion": api_version, "metadata": list_meta or {}}
    out["columnDefinitions"] = column_definitions(cols) if with_columns else None
    out["rows"] = [row(cols, o, include) for o in objs]
    return out
