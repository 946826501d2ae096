"""What RBAC lets you do, from a SelfSubjectRulesReview (pure functions, no I/O).

``kubectl auth can-i --list`` asks the API server for the rules that hold for you in one
namespace (``authorization.k8s.io/v1 SelfSubjectRulesReview``); the Kubernetes source asks
once per namespace and keeps the answer briefly, and the screens mark the keys whose verb
the rules do not grant.  The answer is only ever used to say *forbidden* when the rules
are sure: a review the server calls ``incomplete`` (another authorizer, a webhook, may
still allow it) or a rule restricted to some ``resourceNames`` leaves the answer unknown,
and the request's own 403 stays the final word.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Rules:
    """The resource rules of one SelfSubjectRulesReview."""

    resource_rules: tuple[dict[str, Any], ...] = ()
    incomplete: bool = False
    error: str = ""
    fetched_at: float = 0.0
    scope: Any = field(default=None, compare=False)  # the source's namespace when it was fetched

    @classmethod
    def from_review(cls, body: Any, fetched_at: float = 0.0, scope: Any = None) -> "Rules":
        status = (body or {}).get("status") or {} if isinstance(body, dict) else {}
        rules = tuple(r for r in status.get("resourceRules") or [] if isinstance(r, dict))
        return cls(rules, bool(status.get("incomplete")), str(status.get("evaluationError") or ""), fetched_at, scope)

    def allows(self, group: str, resource: str, verb: str, subresource: str = "") -> bool | None:
        """True if a rule grants ``verb`` on ``resource`` (``group``), False if none can, None if unsure."""
        name = f"{resource}/{subresource}" if subresource else resource
        narrowed = False
        for rule in self.resource_rules:
            verbs = rule.get("verbs") or []
            groups = rule.get("apiGroups") or []
            resources = rule.get("resources") or []
            if not (_has(verbs, verb) and _has(groups, group) and _resource_matches(resources, name, subresource)):
                continue
            if rule.get("resourceNames"):
                narrowed = True  # granted for some objects only: which one is not known here
                continue
            return True
        if narrowed or self.incomplete:
            return None
        return False


def _has(values: list[Any], wanted: str) -> bool:
    return "*" in values or wanted in values


def _resource_matches(resources: list[Any], name: str, subresource: str) -> bool:
    if "*" in resources or name in resources:
        return True
    if subresource:
        return f"*/{subresource}" in resources
    return False


def review_body(namespace: str | None) -> dict[str, Any]:
    return {
        "apiVersion": "authorization.k8s.io/v1",
        "kind": "SelfSubjectRulesReview",
        "spec": {"namespace": namespace or ""},
    }


WHOAMI_BODY = {"apiVersion": "authentication.k8s.io/v1", "kind": "SelfSubjectReview"}


def username(body: Any) -> str | None:
    """The user a SelfSubjectReview names (``kubectl auth whoami``)."""
    info = (((body or {}).get("status") or {}).get("userInfo") or {}) if isinstance(body, dict) else {}
    name = info.get("username")
    return str(name) if name else None
