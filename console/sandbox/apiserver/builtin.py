"""The built-in kinds the emulator serves, as a plain table."""

from __future__ import annotations

from .resources import ResourceType

CRUD = ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"]

# (group, version, kind, plural, singular, namespaced, shortNames, subresources, categories)
_TABLE: list[tuple[str, str, str, str, str, bool, list[str], list[str], list[str]]] = [
    ("", "v1", "Namespace", "namespaces", "namespace", False, ["ns"], ["status"], []),
    ("", "v1", "Pod", "pods", "pod", True, ["po"], ["status"], ["all"]),
    ("", "v1", "Event", "events", "event", True, ["ev"], [], []),
    ("", "v1", "ConfigMap", "configmaps", "configmap", True, ["cm"], [], []),
    ("", "v1", "Secret", "secrets", "secret", True, [], [], []),
    ("", "v1", "Service", "services", "service", True, ["svc"], ["status"], ["all"]),
    ("", "v1", "ServiceAccount", "serviceaccounts", "serviceaccount", True, ["sa"], [], []),
    ("", "v1", "Node", "nodes", "node", False, ["no"], ["status"], []),
    ("apps", "v1", "Deployment", "deployments", "deployment", True, ["deploy"], ["status", "scale"], ["all"]),
    ("apps", "v1", "ReplicaSet", "replicasets", "replicaset", True, ["rs"], ["status", "scale"], ["all"]),
    ("apps", "v1", "StatefulSet", "statefulsets", "statefulset", True, ["sts"], ["status", "scale"], ["all"]),
    ("apps", "v1", "DaemonSet", "daemonsets", "daemonset", True, ["ds"], ["status"], ["all"]),
    (
        "apiextensions.k8s.io",
        "v1",
        "CustomResourceDefinition",
        "customresourcedefinitions",
        "customresourcedefinition",
        False,
        ["crd", "crds"],
        ["status"],
        ["api-extensions"],
    ),
]


# Create-only kinds that are answered, never stored (authz.py): what ``kubectl auth can-i``
# and ``kubectl auth whoami`` use. (group, kind, plural)
REVIEWS = [
    ("authorization.k8s.io", "SelfSubjectAccessReview", "selfsubjectaccessreviews"),
    ("authorization.k8s.io", "SelfSubjectRulesReview", "selfsubjectrulesreviews"),
    ("authentication.k8s.io", "SelfSubjectReview", "selfsubjectreviews"),
]


def builtin_types() -> list[ResourceType]:
    """Fresh ResourceType objects for every built-in kind."""
    out = [
        ResourceType(
            group=group,
            version="v1",
            kind=kind,
            plural=plural,
            singular=kind.lower(),
            namespaced=False,
            verbs=["create"],
            builtin=True,
            virtual=True,
        )
        for group, kind, plural in REVIEWS
    ]
    for group, version, kind, plural, singular, namespaced, short, subs, cats in _TABLE:
        out.append(
            ResourceType(
                group=group,
                version=version,
                kind=kind,
                plural=plural,
                singular=singular,
                namespaced=namespaced,
                short_names=list(short),
                subresources=list(subs),
                categories=list(cats),
                verbs=list(CRUD)
                if kind != "Namespace"
                else ["create", "delete", "get", "list", "patch", "update", "watch"],
                builtin=True,
            )
        )
    return out
