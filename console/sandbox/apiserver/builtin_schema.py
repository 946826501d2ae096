"""What decoding a built-in kind knows: the field names of the Go types, as small structural
schemas (:func:`prune_builtin` walks them), so an unknown field of a Deployment or a Pod is
dropped (fieldValidation Ignore), warned about (Warn) or refused (Strict) as kube-apiserver's
JSON decoder does. Only the parts the console and the demo use are spelled out (the top level
of every built-in kind, workload specs, pod templates, PodSpec and Container); anything deeper
is left open (``{}``: every field kept).

And the one built-in update rule that matters to an editor: a Pod's spec is immutable but for
container images and a few scheduling fields (``pod_update_errors``)."""

from __future__ import annotations

from typing import Any

from .validation import FORBIDDEN, OBJECT_META_FIELDS, FieldError


def _obj(*names: str, **nested: dict[str, Any]) -> dict[str, Any]:
    props: dict[str, Any] = {n: {} for n in names}
    props.update(nested)
    return {"type": "object", "properties": props}


def _array(items: dict[str, Any]) -> dict[str, Any]:
    return {"type": "array", "items": items}


OBJECT_META = _obj(*sorted(OBJECT_META_FIELDS))
CONTAINER = _obj(
    "name",
    "image",
    "command",
    "args",
    "workingDir",
    "ports",
    "envFrom",
    "env",
    "resources",
    "resizePolicy",
    "restartPolicy",
    "restartPolicyRules",
    "volumeMounts",
    "volumeDevices",
    "livenessProbe",
    "readinessProbe",
    "startupProbe",
    "lifecycle",
    "terminationMessagePath",
    "terminationMessagePolicy",
    "imagePullPolicy",
    "securityContext",
    "stdin",
    "stdinOnce",
    "tty",
)
POD_SPEC = _obj(
    "volumes",
    "ephemeralContainers",
    "restartPolicy",
    "terminationGracePeriodSeconds",
    "activeDeadlineSeconds",
    "dnsPolicy",
    "nodeSelector",
    "serviceAccountName",
    "serviceAccount",
    "automountServiceAccountToken",
    "nodeName",
    "hostNetwork",
    "hostPID",
    "hostIPC",
    "shareProcessNamespace",
    "securityContext",
    "imagePullSecrets",
    "hostname",
    "subdomain",
    "affinity",
    "schedulerName",
    "tolerations",
    "hostAliases",
    "priorityClassName",
    "priority",
    "dnsConfig",
    "readinessGates",
    "runtimeClassName",
    "enableServiceLinks",
    "preemptionPolicy",
    "overhead",
    "topologySpreadConstraints",
    "setHostnameAsFQDN",
    "os",
    "hostUsers",
    "schedulingGates",
    "resourceClaims",
    "resources",
    "hostnameOverride",
    containers=_array(CONTAINER),
    initContainers=_array(CONTAINER),
)
POD_TEMPLATE = _obj(metadata=OBJECT_META, spec=POD_SPEC)

_SCHEMAS: dict[str, dict[str, Any]] = {
    "Pod": _obj("status", spec=POD_SPEC),
    "Deployment": _obj(
        "status",
        spec=_obj(
            "replicas",
            "selector",
            "strategy",
            "minReadySeconds",
            "revisionHistoryLimit",
            "paused",
            "progressDeadlineSeconds",
            template=POD_TEMPLATE,
        ),
    ),
    "ReplicaSet": _obj("status", spec=_obj("replicas", "minReadySeconds", "selector", template=POD_TEMPLATE)),
    "StatefulSet": _obj(
        "status",
        spec=_obj(
            "replicas",
            "selector",
            "volumeClaimTemplates",
            "serviceName",
            "podManagementPolicy",
            "updateStrategy",
            "revisionHistoryLimit",
            "minReadySeconds",
            "persistentVolumeClaimRetentionPolicy",
            "ordinals",
            template=POD_TEMPLATE,
        ),
    ),
    "DaemonSet": _obj(
        "status",
        spec=_obj("selector", "updateStrategy", "minReadySeconds", "revisionHistoryLimit", template=POD_TEMPLATE),
    ),
    "Namespace": _obj("spec", "status"),
    "Service": _obj("spec", "status"),
    "Node": _obj("spec", "status"),
    "ConfigMap": _obj("data", "binaryData", "immutable"),
    "Secret": _obj("data", "stringData", "type", "immutable"),
    "ServiceAccount": _obj("secrets", "imagePullSecrets", "automountServiceAccountToken"),
    "Event": _obj(
        "involvedObject",
        "reason",
        "message",
        "source",
        "firstTimestamp",
        "lastTimestamp",
        "count",
        "type",
        "eventTime",
        "series",
        "action",
        "related",
        "reportingComponent",
        "reportingInstance",
    ),
    "CustomResourceDefinition": _obj("spec", "status"),
}
# The schemas as (known keys, {key: child}) trees, walked fast: restoring the demo's 10,000
# pods goes through here.
Tree = tuple[frozenset[str], dict[str, Any]]
_TREES: dict[str, Tree] = {}


def _tree(s: dict[str, Any]) -> Tree | None:
    props = s.get("properties")
    if not isinstance(props, dict):
        return None
    kids: dict[str, Any] = {}
    for k, v in props.items():
        if v.get("type") == "array":
            sub = _tree(v.get("items") or {})
            if sub is not None:
                kids[k] = [sub]
        else:
            sub = _tree(v)
            if sub is not None:
                kids[k] = sub
    return frozenset(props), kids


def prune_builtin(kind: str, obj: dict[str, Any], unknown: list[str]) -> bool:
    """Drop (in place) the fields a built-in kind's Go type does not have, recording their
    paths; False when the kind is not described here (only metadata is checked then)."""
    tree = _TREES.get(kind)
    if tree is None:
        if kind not in _SCHEMAS:
            return False
        tree = _TREES[kind] = _tree(_SCHEMAS[kind])  # type: ignore[assignment]
    known, kids = tree
    for k in list(obj):
        if k in ("apiVersion", "kind", "metadata"):
            continue
        _walk(k, obj, known, kids, k, unknown)
    return True


def _walk(
    k: str, parent: dict[str, Any], known: frozenset[str], kids: dict[str, Any], path: str, unknown: list[str]
) -> None:
    if k not in known:
        del parent[k]
        unknown.append(path)
        return
    v = parent[k]
    if v is None:
        del parent[k]  # a null decodes to the zero value: the field is absent
        return
    sub = kids.get(k)
    if sub is None:
        return
    if isinstance(sub, list):
        if isinstance(v, list):
            sknown, skids = sub[0]
            for i, item in enumerate(v):
                if isinstance(item, dict):
                    for ik in list(item):
                        _walk(ik, item, sknown, skids, f"{path}[{i}].{ik}", unknown)
        return
    if isinstance(v, dict):
        sknown, skids = sub
        for ck in list(v):
            _walk(ck, v, sknown, skids, f"{path}.{ck}", unknown)


POD_UPDATE_FORBIDDEN = (
    "pod updates may not change fields other than `spec.containers[*].image`,`spec.initContainers[*].image`,"
    "`spec.activeDeadlineSeconds`,`spec.tolerations` (only additions to existing tolerations),"
    "`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)"
)


def _mutable_parts_masked(new: dict[str, Any], old: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """Copies of the two specs with what an update may change made equal (ValidatePodUpdate)."""
    n, o = dict(new), dict(old)
    for field in ("containers", "initContainers"):
        nc, oc = n.get(field), o.get(field)
        if isinstance(nc, list) and isinstance(oc, list) and len(nc) == len(oc):
            n[field] = [
                {**c, "image": oc[i].get("image")} if isinstance(c, dict) and isinstance(oc[i], dict) else c
                for i, c in enumerate(nc)
            ]
    n.pop("activeDeadlineSeconds", None)
    o.pop("activeDeadlineSeconds", None)
    nt, ot = n.get("tolerations") or [], o.get("tolerations") or []
    if isinstance(nt, list) and isinstance(ot, list) and all(t in nt for t in ot):
        n.pop("tolerations", None)
        o.pop("tolerations", None)
    og = o.get("terminationGracePeriodSeconds")
    if isinstance(og, int) and og < 0 and n.get("terminationGracePeriodSeconds") == 1:
        n["terminationGracePeriodSeconds"] = og
    ng, ogates = n.get("schedulingGates") or [], o.get("schedulingGates") or []
    if isinstance(ng, list) and isinstance(ogates, list) and all(g in ogates for g in ng):
        n.pop("schedulingGates", None)  # gates may only be removed
        o.pop("schedulingGates", None)
    return n, o


def pod_update_errors(new: dict[str, Any], old: dict[str, Any]) -> list[FieldError]:
    """``spec: Forbidden: pod updates may not change fields other than ...`` when the spec
    changed beyond container images, activeDeadlineSeconds, added tolerations, a negative grace
    period set to 1 and removed scheduling gates."""
    ns, os_ = new.get("spec"), old.get("spec")
    if not isinstance(ns, dict) or not isinstance(os_, dict) or ns == os_:
        return []
    n, o = _mutable_parts_masked(ns, os_)
    if n == o:
        return []
    changed = sorted(k for k in set(n) | set(o) if n.get(k) != o.get(k))
    detail = POD_UPDATE_FORBIDDEN + "\n  spec fields changed: " + ", ".join(f"spec.{k}" for k in changed)
    return [FieldError(FORBIDDEN, "spec", detail=detail, tokens=("spec",))]
