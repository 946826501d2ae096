"""Self reviews answered from the emulator's deny rules, as kube-apiserver answers them from RBAC:
SelfSubjectAccessReview and SelfSubjectRulesReview (authorization.k8s.io/v1, what
``kubectl auth can-i [--list]`` creates) and SelfSubjectReview (authentication.k8s.io/v1,
``kubectl auth whoami``).

The emulator allows everything a ``deny()`` rule does not refuse, so an access review says
yes exactly when the request itself would pass, and a rules review lists, per served resource,
the verbs no deny rule takes away. Like ``system:basic-user``, every user may create the
self reviews unless a rule names that review explicitly (a ``*`` rule does not).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Iterable

from .discovery import SUB_VERBS
from .resources import Registry, ResourceType
from .status import EmulatorError

if TYPE_CHECKING:
    from .emulator import DenyRule

ANONYMOUS = "system:anonymous"
# the non-resource URLs every user may read (system:discovery, system:public-info-viewer)
NON_RESOURCE_RULES = [
    {
        "verbs": ["get"],
        "nonResourceURLs": [
            "/api",
            "/api/*",
            "/apis",
            "/apis/*",
            "/healthz",
            "/livez",
            "/openapi",
            "/openapi/*",
            "/readyz",
            "/version",
            "/version/",
        ],
    }
]


def user_info(user: str) -> dict[str, Any]:
    if user == ANONYMOUS:
        return {"username": user, "groups": ["system:unauthenticated"]}
    return {"username": user, "groups": ["system:masters", "system:authenticated"]}


def denied(
    rules: Iterable[DenyRule], resource: str, group: str, verb: str, namespace: str | None, sub: str | None
) -> bool:
    return any(r.matches_request(resource, group, verb, namespace, sub) for r in rules)


def _invalid(kind: str, group: str, field: str, detail: str, reason: str = "FieldValueRequired") -> EmulatorError:
    return EmulatorError(
        422,
        "Invalid",
        f'{kind}.{group} "" is invalid: {field}: {detail}',
        {"group": group, "kind": kind, "causes": [{"reason": reason, "message": detail, "field": field}]},
    )


def review(rt: ResourceType, body: Any, registry: Registry, rules: list[DenyRule], user: str) -> dict[str, Any]:
    """The answer to a POST of a review ``body`` (the object with its status filled in)."""
    if not isinstance(body, dict):
        raise EmulatorError(400, "BadRequest", "the object provided is unrecognized (must be a JSON object)")
    kind = body.get("kind")
    if kind and kind != rt.kind:
        raise EmulatorError(
            400, "BadRequest", f"the kind in the data ({kind}) does not match the expected kind ({rt.kind})"
        )
    spec = body.get("spec") if isinstance(body.get("spec"), dict) else {}
    out: dict[str, Any] = {"kind": rt.kind, "apiVersion": rt.api_version, "metadata": {"creationTimestamp": None}}
    if rt.kind == "SelfSubjectReview":
        out["status"] = {"userInfo": user_info(user)}
        return out
    out["spec"] = spec
    if rt.kind == "SelfSubjectAccessReview":
        out["status"] = access(spec, rules, registry)
    else:
        out["status"] = rules_review(str(spec.get("namespace") or ""), registry, rules)
    return out


def access(spec: dict[str, Any], rules: list[DenyRule], registry: Registry) -> dict[str, Any]:
    ra, nra = spec.get("resourceAttributes"), spec.get("nonResourceAttributes")
    if bool(ra) == bool(nra):
        raise _invalid(
            "SelfSubjectAccessReview",
            "authorization.k8s.io",
            "spec.resourceAttributes",
            'Invalid value: "null": exactly one of nonResourceAttributes or resourceAttributes must be specified',
            "FieldValueInvalid",
        )
    if nra:
        # no deny rule covers non-resource URLs: everything readable is readable
        return {"allowed": True}
    if not isinstance(ra, dict):
        raise _invalid(
            "SelfSubjectAccessReview",
            "authorization.k8s.io",
            "spec.resourceAttributes",
            "Invalid value: must be an object",
            "FieldValueInvalid",
        )
    resource = str(ra.get("resource") or "")
    group = str(ra.get("group") or "")
    verb = str(ra.get("verb") or "")
    sub = str(ra.get("subresource") or "") or None
    ns = str(ra.get("namespace") or "") or None
    if resource and resource != "*" and group != "*":
        # a cluster-scoped resource is never denied by a namespaced rule
        rts = [rt for rt in registry.all() if rt.group == group and rt.plural == resource]
        if rts and not rts[0].namespaced:
            ns = None
        if rts and rts[0].virtual:
            rules = [r for r in rules if r.resource == resource]
    if denied(rules, resource, group, verb, ns, sub):
        return {"allowed": False}
    return {"allowed": True}


def _served(registry: Registry) -> list[ResourceType]:
    seen: dict[tuple[str, str], ResourceType] = {}
    for rt in sorted(registry.all(), key=lambda r: (r.group, r.plural)):
        seen.setdefault(rt.key, rt)
    return list(seen.values())


def rules_review(namespace: str, registry: Registry, rules: list[DenyRule]) -> dict[str, Any]:
    """The resource rules that hold in ``namespace`` (cluster-scoped ones included)."""
    ns = namespace or None
    if not rules:
        resource_rules = [{"verbs": ["*"], "apiGroups": ["*"], "resources": ["*"]}]
    else:
        grouped: dict[tuple[str, tuple[str, ...]], list[str]] = {}
        for rt in _served(registry):
            scope = ns if rt.namespaced else None
            entries = [(rt.plural, None, list(rt.verbs))] + [
                (f"{rt.plural}/{s}", s, list(SUB_VERBS)) for s in rt.subresources
            ]
            for name, sub, verbs in entries:
                rs = [r for r in rules if r.resource == rt.plural] if rt.virtual else rules
                allowed = tuple(v for v in verbs if not denied(rs, rt.plural, rt.group, v, scope, sub))
                if allowed:
                    grouped.setdefault((rt.group, allowed), []).append(name)
        resource_rules = [
            {"verbs": list(verbs), "apiGroups": [group], "resources": sorted(names)}
            for (group, verbs), names in sorted(grouped.items())
        ]
    return {
        "resourceRules": resource_rules,
        "nonResourceRules": [dict(r) for r in NON_RESOURCE_RULES],
        "incomplete": False,
    }
