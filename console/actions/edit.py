"""The edit pipeline for a whole object (pure functions, no I/O).

text for the editor → parse (line/column errors) → identity checks → unknown top-level
fields → schema validation (see :mod:`inference_console.actions.schema`) → diff → a JSON
patch of exactly what the person changed, each change guarded by a ``test`` of the value
it replaces (:func:`edit_patch`; a status write meanwhile is no conflict, a change of the
same field is) → on conflict, a three-way rebase of your changes onto the server's new
version.
"""

from __future__ import annotations

import copy
import difflib
import re
from dataclasses import dataclass, field
from typing import Any, Iterable

from inference_console import yaml_io
from inference_console.actions.types import Cause

HIDDEN_METADATA = ("managedFields", "resourceVersion", "generation", "creationTimestamp", "uid", "selfLink")
EDIT_HEADER = (  # lines short enough for an 80-column editor
    "# {what}\n"
    "# Edit, then save (built-in editor: ctrl+s) to review the change.\n"
    "# An unchanged or empty file cancels. Status, managedFields,\n"
    "# resourceVersion, uid... are hidden here and kept as they are.\n"
    "# Nothing is sent before you see the diff and a server-side dry run.\n"
)


class ParseError(ValueError):
    def __init__(self, message: str, line: int | None = None, column: int | None = None) -> None:
        where = f"line {line}, column {column}: " if line is not None else ""
        super().__init__(f"{where}{message}")
        self.line = line
        self.column = column
        self.problem = message


def to_plain(node: Any) -> Any:
    """Plain dict/list/str/int/float/bool (keys as strings, as JSON needs)."""
    if isinstance(node, dict):
        return {str(k): to_plain(v) for k, v in node.items()}
    if isinstance(node, list):
        return [to_plain(v) for v in node]
    if isinstance(node, bool) or node is None:
        return node
    if isinstance(node, int):
        return int(node)
    if isinstance(node, float):
        return float(node)
    if isinstance(node, str):
        return str(node)
    return node


def editable(obj: dict[str, Any]) -> dict[str, Any]:
    """The object as a person edits it: server-managed fields removed.

    A shallow copy (top level and metadata): callers must not mutate nested values."""
    shown = {k: v for k, v in obj.items() if k != "status"}
    md = shown.get("metadata")
    if isinstance(md, dict):
        shown["metadata"] = {k: v for k, v in md.items() if k not in HIDDEN_METADATA}
    return shown


def dump_yaml(obj: Any) -> str:
    return yaml_io.dump(obj)


def editable_text(obj: dict[str, Any]) -> str:
    md = obj.get("metadata") or {}
    what = f"{obj.get('kind', 'object')} {md.get('namespace', '') + '/' if md.get('namespace') else ''}{md.get('name', '')}"
    return EDIT_HEADER.format(what=what) + dump_yaml(editable(obj))


def parse_edit(text: str) -> dict[str, Any] | None:
    """Parse the edited text; None means "cancel" (empty or only comments)."""
    from yaml import MarkedYAMLError, YAMLError

    if not any(line.strip() and not line.lstrip().startswith("#") for line in text.splitlines()):
        return None
    try:
        docs = [d for d in yaml_io.load_all(text) if d is not None]
    except MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else None
        column = mark.column + 1 if mark is not None else None
        raise ParseError(str(exc.problem or exc.context or "invalid YAML"), line, column) from exc
    except YAMLError as exc:
        raise ParseError(str(exc)) from exc
    if not docs:
        return None
    if len(docs) > 1:
        raise ParseError(f"expected one object, found {len(docs)} YAML documents")
    obj = to_plain(docs[0])
    if not isinstance(obj, dict):
        raise ParseError(f"expected a mapping (an object), found {type(obj).__name__}")
    return obj


def identity_problems(base: dict[str, Any], edited: dict[str, Any]) -> list[Cause]:
    """Fields an edit may not change: it would be another object."""
    problems = []
    for path, before, after in (
        ("apiVersion", base.get("apiVersion"), edited.get("apiVersion")),
        ("kind", base.get("kind"), edited.get("kind")),
        ("metadata.name", (base.get("metadata") or {}).get("name"), (edited.get("metadata") or {}).get("name")),
        (
            "metadata.namespace",
            (base.get("metadata") or {}).get("namespace"),
            (edited.get("metadata") or {}).get("namespace", (base.get("metadata") or {}).get("namespace")),
        ),
    ):
        if before != after:
            problems.append(
                Cause(
                    path, f"cannot be changed by an edit (was {before!r}, now {after!r}); create a new object instead"
                )
            )
    if not isinstance(edited.get("metadata"), dict):
        problems.append(Cause("metadata", "must be a mapping"))
    return problems


# Top-level fields of the built-in kinds (the Kubernetes API types) besides apiVersion, kind
# and metadata; a kind not named here has spec and status.  A custom resource's come from its
# CRD schema when it declares them; with an open root schema, spec and status.
TOP_LEVEL_FIELDS: dict[str, frozenset[str]] = {
    "ConfigMap": frozenset({"data", "binaryData", "immutable"}),
    "Secret": frozenset({"data", "stringData", "type", "immutable"}),
    "ServiceAccount": frozenset({"secrets", "imagePullSecrets", "automountServiceAccountToken"}),
    "Role": frozenset({"rules"}),
    "ClusterRole": frozenset({"rules", "aggregationRule"}),
    "RoleBinding": frozenset({"subjects", "roleRef"}),
    "ClusterRoleBinding": frozenset({"subjects", "roleRef"}),
    "Endpoints": frozenset({"subsets"}),
    "EndpointSlice": frozenset({"addressType", "endpoints", "ports"}),
    "ControllerRevision": frozenset({"data", "revision"}),
    "PriorityClass": frozenset({"value", "globalDefault", "description", "preemptionPolicy"}),
    "RuntimeClass": frozenset({"handler", "overhead", "scheduling"}),
    "StorageClass": frozenset(
        {
            "provisioner",
            "parameters",
            "reclaimPolicy",
            "mountOptions",
            "allowVolumeExpansion",
            "volumeBindingMode",
            "allowedTopologies",
        }
    ),
    "Event": frozenset(
        {
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
            "regarding",
            "note",
            "reportingController",
            "deprecatedSource",
            "deprecatedFirstTimestamp",
            "deprecatedLastTimestamp",
            "deprecatedCount",
        }
    ),
    "MutatingWebhookConfiguration": frozenset({"webhooks"}),
    "ValidatingWebhookConfiguration": frozenset({"webhooks"}),
}
ALWAYS_TOP_LEVEL = frozenset({"apiVersion", "kind", "metadata"})


def top_level_fields(kind: str, schema_fields: Iterable[str] | None = None) -> frozenset[str]:
    """The top-level fields an object of ``kind`` may have (``schema_fields``: those its CRD declares)."""
    declared = frozenset(schema_fields or ()) or TOP_LEVEL_FIELDS.get(kind, frozenset({"spec", "status"}))
    return ALWAYS_TOP_LEVEL | declared


def unknown_top_level(base: dict[str, Any], edited: dict[str, Any], known: Iterable[str]) -> list[Cause]:
    """Top-level fields of the edit that the kind does not have (and the object did not have).

    An open CRD schema (``x-kubernetes-preserve-unknown-fields`` at the root) would store
    them as typed, and a built-in kind would drop them with only a warning: both hide a typo
    (``sepc:``) or a stray line.  The README promises unknown fields are errors."""
    allowed = set(known) | set(base)
    return [
        Cause(
            key,
            "unknown field: not a top-level field of "
            f"{edited.get('kind') or base.get('kind') or 'this kind'} (expected one of "
            f"{', '.join(sorted(allowed - {'status'}))})",
            "FieldValueInvalid",
        )
        for key in edited
        if key not in allowed
    ]


def full_object(base: dict[str, Any], edited: dict[str, Any]) -> dict[str, Any]:
    """The PUT body: the edit plus the server-managed fields of the base it was made from."""
    body = copy.deepcopy(edited)
    md = body.setdefault("metadata", {})
    base_md = base.get("metadata") or {}
    for key in ("uid", "resourceVersion", "creationTimestamp", "generation"):
        if key in base_md:
            md[key] = base_md[key]
    if "status" in base:
        body["status"] = copy.deepcopy(base["status"])
    return body


def unified_diff(
    before: dict[str, Any],
    after: dict[str, Any],
    before_name: str = "server",
    after_name: str = "your edit",
    before_text: str | None = None,
) -> str:
    """Semantic diff: both sides rendered the same way (formatting-only edits do not show).

    ``before_text`` is ``dump_yaml(editable(before))`` when the caller already has it."""
    a = (before_text if before_text is not None else dump_yaml(editable(before))).splitlines(keepends=True)
    b = dump_yaml(editable(after)).splitlines(keepends=True)
    return "".join(difflib.unified_diff(a, b, before_name, after_name, n=3))


def text_diff(before_text: str, edited_text: str, before_name: str = "server", after_name: str = "your edit") -> str:
    """Diff of the text the editor opened with against what was saved (comment lines dropped).

    What the person changed, line for line, without re-rendering the edit (a 5,000-line
    object renders in ~25 ms); callers check ``editable(base) == edited`` for "no change"."""

    def body(text: str) -> list[str]:
        return [line for line in text.splitlines(keepends=True) if not line.lstrip().startswith("#")]

    after = body(edited_text)
    if after and not after[-1].endswith("\n"):
        after[-1] += "\n"
    return "".join(difflib.unified_diff(body(before_text), after, before_name, after_name, n=3))


# ----------------------------------------------------------------------------- the JSON patch
def pointer(*parts: Any) -> str:
    """An RFC 6901 JSON pointer ("nvidia.com/gpu" → "nvidia.com~1gpu", "a~b" → "a~0b")."""
    return "".join("/" + str(p).replace("~", "~0").replace("/", "~1") for p in parts)


# New keys directly under these parents cannot be guarded: a ``test`` of the whole parent
# would fail on every status or resourceVersion write, and JSON patch has no "is absent" test.
_UNGUARDED_PARENTS = ((), ("metadata",))


def same(a: Any, b: Any) -> bool:
    """Equal as JSON values: ``1``, ``1.0`` and ``true`` differ (Python's ``==`` says they are equal)."""
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    if isinstance(a, list):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b, strict=True))
    return a == b


def edit_patch(base: dict[str, Any], edited: dict[str, Any]) -> list[dict[str, Any]]:
    """The RFC 6902 JSON patch that makes the server's object what the person saved.

    Only what changed between ``editable(base)`` and ``editable(edited)`` is sent (status and
    the hidden metadata are never touched), and every change is guarded on the value it was
    made against: a ``test`` of the old value of each changed or removed path, then the
    ``replace``/``remove``.  A key added to a map is guarded by a ``test`` of that map as it
    was (JSON patch cannot test that a key is absent), except directly under the object or
    its ``metadata``, whose other fields move on every write.  Lists of the same length are
    compared element by element (an element with a ``name`` also tests that the index still
    holds that name); a list that grew or shrank is tested and replaced whole.  All ``test``
    ops come first, so each checks the object as the server has it, and a ``test`` inside a
    path already tested is left out.  A status write meanwhile changes none of these paths;
    a change of the same field makes the server refuse the patch (422), never overwrite it.
    """
    tests: list[dict[str, Any]] = []
    changes: list[dict[str, Any]] = []

    def test(path: tuple[Any, ...], value: Any) -> None:
        tests.append({"op": "test", "path": pointer(*path), "value": copy.deepcopy(value)})

    def walk(path: tuple[Any, ...], old: Any, new: Any) -> None:
        if same(old, new):
            return
        if isinstance(old, dict) and isinstance(new, dict):
            for key in old:
                if key not in new:
                    test((*path, key), old[key])
                    changes.append({"op": "remove", "path": pointer(*path, key)})
            added = [key for key in new if key not in old]
            if added and path not in _UNGUARDED_PARENTS:
                test(path, old)
            for key in added:
                changes.append({"op": "add", "path": pointer(*path, key), "value": copy.deepcopy(new[key])})
            for key in new:
                if key in old:
                    walk((*path, key), old[key], new[key])
            return
        if isinstance(old, list) and isinstance(new, list) and len(old) == len(new):
            for index, (a, b) in enumerate(zip(old, new, strict=True)):
                if same(a, b):
                    continue
                if isinstance(a, dict) and isinstance(b, dict) and "name" in a and a.get("name") == b.get("name"):
                    test((*path, index, "name"), a["name"])
                walk((*path, index), a, b)
            return
        test(path, old)
        changes.append({"op": "replace", "path": pointer(*path), "value": copy.deepcopy(new)})

    walk((), editable(base), editable(edited))
    kept: list[dict[str, Any]] = []
    for op in tests:
        if any(op["path"] == t["path"] or op["path"].startswith(t["path"] + "/") for t in kept):
            continue
        kept = [t for t in kept if not t["path"].startswith(op["path"] + "/")]
        kept.append(op)
    return kept + changes


_TEST_FAILED = re.compile(
    r"testing value (\S+) failed|test operation does not apply[^/]*(/\S*)?"
    r"|doc is missing (?:path|key)[^/]*(/[^'\"\s]*)?|unable to remove nonexistent key"
    r"|replace operation does not apply|the server rejected our request due to an error in our request"
)


def patch_test_failed(message: str) -> str | None:
    """The path whose ``test`` failed (or "" if not named), when a 422 to a guarded JSON patch
    says the object is no longer what the edit was made against; None for other 422s."""
    match = _TEST_FAILED.search(message or "")
    if match is None:
        return None
    return next((g for g in match.groups() if g), "")


# ----------------------------------------------------------------------------- three-way
_MISSING = object()


def merge_patch(before: Any, after: Any) -> Any:
    """The RFC 7386 merge patch that turns ``before`` into ``after``."""
    if not isinstance(before, dict) or not isinstance(after, dict):
        return copy.deepcopy(after)
    patch: dict[str, Any] = {}
    for key in before:
        if key not in after:
            patch[key] = None
    for key, value in after.items():
        if key not in before:
            patch[key] = copy.deepcopy(value)
        elif before[key] != value:
            patch[key] = (
                merge_patch(before[key], value)
                if isinstance(value, dict) and isinstance(before[key], dict)
                else copy.deepcopy(value)
            )
    return patch


def apply_merge_patch(target: Any, patch: Any) -> Any:
    if not isinstance(patch, dict):
        return copy.deepcopy(patch)
    result = copy.deepcopy(target) if isinstance(target, dict) else {}
    for key, value in patch.items():
        if value is None:
            result.pop(key, None)
        else:
            result[key] = apply_merge_patch(result.get(key), value)
    return result


@dataclass
class Rebase:
    merged: dict[str, Any]
    conflicts: list[str] = field(default_factory=list)  # dotted paths both sides changed differently


def rebase(base: dict[str, Any], yours: dict[str, Any], theirs: dict[str, Any]) -> Rebase:
    """Re-apply your changes (base → yours) on top of the server's new version (theirs)."""
    base_e, yours_e, theirs_e = editable(base), editable(yours), editable(theirs)
    mine = merge_patch(base_e, yours_e)
    server = merge_patch(base_e, theirs_e)
    conflicts: list[str] = []

    def walk(p_mine: Any, p_server: Any, path: str) -> None:
        if not isinstance(p_mine, dict) or not isinstance(p_server, dict):
            if p_mine != p_server:
                conflicts.append(path or "(object)")
            return
        for key in p_mine:
            if key in p_server:
                walk(p_mine[key], p_server[key], f"{path}.{key}" if path else key)

    walk(mine, server, "")
    merged = apply_merge_patch(theirs_e, mine)
    return Rebase(merged=merged, conflicts=conflicts)
