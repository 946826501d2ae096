"""Related objects: owner chains and label rules across stores (pure)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Iterable, Mapping

from inference_console.catalog.base import RelatedRule, labels_match, meta, owner_uids, uid_of


@dataclass
class RelatedNode:
    key: str  # catalog key of the object's kind
    obj: Mapping[str, Any]
    children: list["RelatedNode"] = field(default_factory=list)


def related_tree(
    root: Mapping[str, Any], rules: Iterable[RelatedRule], stores: Mapping[str, Iterable[Mapping[str, Any]]]
) -> list[RelatedNode]:
    """Objects related to ``root``, nested by ownership where one owns another.

    An object of a rule's kind is related when it is owned (transitively) by the root
    or by another related object, or when it is in the root's namespace and its
    labels match the rule's ``labels``.
    """
    rules = list(rules)
    ns = meta(root, "namespace")
    root_uid = uid_of(root)
    candidates: dict[str, tuple[str, Mapping[str, Any]]] = {}
    for rule in rules:
        for obj in stores.get(rule.kind, ()):
            candidates[uid_of(obj)] = (rule.kind, obj)
    related: dict[str, tuple[str, Mapping[str, Any]]] = {}
    for rule in rules:
        if rule.match is not None:
            for obj in stores.get(rule.kind, ()):
                try:
                    if rule.match(obj):
                        related[uid_of(obj)] = (rule.kind, obj)
                except Exception:  # noqa: BLE001 - a broken rule must not break the Related tab
                    pass
        if rule.labels or rule.name is not None:
            for obj in stores.get(rule.kind, ()):
                if meta(obj, "namespace") != ns:
                    continue
                if (rule.name is not None and meta(obj, "name") == rule.name) or (
                    rule.labels and labels_match(meta(obj, "labels", None), rule.labels)
                ):
                    related[uid_of(obj)] = (rule.kind, obj)
    # Owner closure: repeat until no new object is owned by the root or a related object.
    owners = {root_uid} | set(related)
    changed = True
    while changed:
        changed = False
        for uid, (key, obj) in candidates.items():
            if uid in related:
                continue
            if any(o in owners for o in owner_uids(obj)):
                related[uid] = (key, obj)
                owners.add(uid)
                changed = True
    nodes = {uid: RelatedNode(key, obj) for uid, (key, obj) in related.items()}
    top: list[RelatedNode] = []
    for uid, node in nodes.items():
        parent = next((nodes[o] for o in owner_uids(node.obj) if o in nodes), None)
        (parent.children if parent else top).append(node)
    order = {rule.kind: i for i, rule in enumerate(rules)}

    def sort(items: list[RelatedNode]) -> None:
        items.sort(key=lambda n: (order.get(n.key, 99), meta(n.obj, "name")))
        for n in items:
            sort(n.children)

    sort(top)
    return top


# Stores of registry records that link back to cluster objects (see ``linked``).
REGISTRY_BENTOS = "yatai.bentos"
REGISTRY_MODEL_VERSIONS = "mr.versions"
REGISTRY_TAGS = "oci.tags"


def link_of(kind_key: str, obj: Mapping[str, Any]) -> str:
    """How a record of another source names a cluster object: ``<kind key>/<namespace>/<name>``."""
    return f"{kind_key}/{meta(obj, 'namespace')}/{meta(obj, 'name')}"


def linked(kind_key: str, obj: Mapping[str, Any]) -> Any:
    """A ``RelatedRule.match``: records whose ``links`` name ``obj`` (a registry version it runs)."""
    wanted = link_of(kind_key, obj)
    return lambda record: wanted in (record.get("links") or ())


def registry_rules(kind_key: str, obj: Mapping[str, Any], *stores: str) -> list[RelatedRule]:
    """Related rules to the registry records that link to ``obj`` (shown when those stores exist)."""
    return [RelatedRule(store, by_owner=False, match=linked(kind_key, obj)) for store in stores]


def events_for(obj: Mapping[str, Any], events: Iterable[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    """Events whose involvedObject is ``obj`` (by uid, else by kind/namespace/name), newest first."""
    uid = meta(obj, "uid")
    name, ns, kind = meta(obj, "name"), meta(obj, "namespace"), obj.get("kind")
    out = []
    for ev in events:
        inv = ev.get("involvedObject") or ev.get("regarding") or {}
        if uid and inv.get("uid") == uid:
            out.append(ev)
        elif (
            not inv.get("uid")
            and inv.get("name") == name
            and inv.get("kind") == kind
            and inv.get("namespace", "") == ns
        ):
            out.append(ev)
    out.sort(
        key=lambda e: e.get("lastTimestamp") or e.get("eventTime") or meta(e, "creationTimestamp") or "", reverse=True
    )
    return out


def flatten(nodes: Iterable[RelatedNode]) -> list[Mapping[str, Any]]:
    out: list[Mapping[str, Any]] = []
    for node in nodes:
        out.append(node.obj)
        out.extend(flatten(node.children))
    return out


def events_for_all(objs: Iterable[Mapping[str, Any]], events: Iterable[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    """Events about any of ``objs`` (an object and the pods, ReplicaSets, Deployments behind it), newest first."""
    uids: set[str] = set()
    names: set[tuple[str, str, str]] = set()
    for obj in objs:
        if meta(obj, "uid"):
            uids.add(meta(obj, "uid"))
        names.add((str(obj.get("kind", "")), meta(obj, "namespace"), meta(obj, "name")))
    out = []
    for ev in events:
        inv = ev.get("involvedObject") or ev.get("regarding") or {}
        if not isinstance(inv, Mapping):
            continue
        if inv.get("uid") in uids or (
            not inv.get("uid") and (inv.get("kind", ""), inv.get("namespace", ""), inv.get("name", "")) in names
        ):
            out.append(ev)
    out.sort(
        key=lambda e: e.get("lastTimestamp") or e.get("eventTime") or meta(e, "creationTimestamp") or "", reverse=True
    )
    return out
