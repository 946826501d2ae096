"""Object semantics shared by the HTTP API and the synchronous KubeEmulator methods:
create / update / patch / delete with resourceVersion, generation, status subresource,
finalizers, dry-run and server-side apply rules, schema pruning and validation (see
validation.py), delete preconditions and propagation policies, and a garbage collector for
ownerReferences."""

from __future__ import annotations

import base64
import json
from collections import deque
from typing import Any, Callable

from . import apply as ssa
from . import builtin_schema
from . import patch as patching
from . import status as st
from .meta import clone, generated_name, new_uid, now_rfc3339, same_object, spec_part, validate_name
from .resources import Registry, ResourceType
from .status import EmulatorError
from .storage import Entry, Store
from .validation import (
    FieldError,
    Node,
    SchemaCache,
    builtin_decode_error,
    builtin_errors,
    invalid_error,
    metadata_errors,
    prune,
    prune_metadata,
    ratchet,
    undeclared,
    validate,
)

PATCH_TYPES = {
    "application/json-patch+json": "json",
    "application/merge-patch+json": "merge",
    "application/strategic-merge-patch+json": "strategic",
    "application/apply-patch+yaml": "apply",
    "application/apply-patch+cbor": "apply",
}
CRD_KEY = ("apiextensions.k8s.io", "customresourcedefinitions")
NS_KEY = ("", "namespaces")
FIELD_VALIDATION = ("Ignore", "Warn", "Strict")
PROPAGATION = ("Orphan", "Background", "Foreground")
FOREGROUND_FINALIZER = "foregroundDeletion"


def _md(obj: dict[str, Any]) -> dict[str, Any]:
    md = obj.get("metadata")
    if md is None:
        md = obj["metadata"] = {}
    if not isinstance(md, dict):
        raise st.bad_request("metadata must be an object")
    return md


class Crud:
    def __init__(self, registry: Registry, store: Store) -> None:
        self.registry = registry
        self.store = store
        # called after a CRD object is stored or removed, to (re)serve its types
        self.on_crd_change: Callable[[dict[str, Any], bool], None] | None = None
        self.schemas = SchemaCache()
        # garbage collection: (owner uid, owner namespace, foreground owner key or None)
        self.gc_queue: deque[tuple[str, str, tuple[ResourceType, str, str] | None]] = deque()
        # called when gc_queue gets work, so that the emulator schedules collect_garbage()
        self.on_gc_needed: Callable[[], None] | None = None

    # ---- lookups ---------------------------------------------------------------------
    def type_for(self, api_version: str, kind: str) -> ResourceType:
        rt = self.registry.by_kind(api_version, kind)
        if rt is None:
            raise EmulatorError(404, "NotFound", f'no matches for kind "{kind}" in version "{api_version}"', {})
        return rt

    def get(self, rt: ResourceType, namespace: str | None, name: str) -> Entry:
        e = self.store.get(rt.key, (namespace or "") if rt.namespaced else "", name)
        if e is None:
            raise st.not_found(rt.plural, rt.group, name)
        return e

    def list(
        self,
        rt: ResourceType,
        namespace: str | None,
        pred: Callable[[dict], bool] | None = None,
        limit: int = 0,
        cont: str | None = None,
    ) -> tuple[list[Entry], int, str | None, int | None]:
        """(entries, list RV, continue token or None, remainingItemCount or None).

        A page costs the page, as kube-apiserver's cache makes it (binary search for where the
        continue token left off, then ``limit`` entries), not the whole list.  As there,
        remainingItemCount is given only without a selector (with one it would need the rest
        of the list filtered)."""
        rv = self.store.rv
        start: tuple[str, str] | None = None
        if cont:
            rv, start = self._decode_continue(cont)
        objs = self.store._objects.get(rt.key) or {}
        keys, lo, hi = self.store.key_range(rt.key, namespace if rt.namespaced else None, start)
        out: list[Entry] = []
        token = None
        remaining: int | None = None
        if pred is None:
            end = min(hi, lo + limit) if limit else hi
            out = [objs[k] for k in keys[lo:end]]
            if end < hi:
                remaining = hi - end
        else:
            i = lo
            while i < hi:
                e = objs[keys[i]]
                if pred(e.obj):
                    if limit and len(out) >= limit:
                        break
                    out.append(e)
                i += 1
            if limit and i < hi:
                remaining = 0  # more may follow: a token, no count
        if remaining is not None and out:
            last = out[-1].obj["metadata"]
            token = self._encode_continue(rv, (last.get("namespace") or "", last["name"]))
        return out, rv, token, (remaining or None) if token and pred is None else None

    @staticmethod
    def _encode_continue(rv: int, start: tuple[str, str]) -> str:
        raw = json.dumps({"v": "meta.k8s.io/v1", "rv": rv, "start": list(start)}, separators=(",", ":"))
        return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")

    def _decode_continue(self, token: str) -> tuple[int, tuple[str, str]]:
        try:
            data = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
            rv, start = int(data["rv"]), (str(data["start"][0]), str(data["start"][1]))
        except Exception:
            raise st.bad_request(
                "continue key is not valid: incorrect encoded start resourceVersion (version meta.k8s.io/v1)"
            ) from None
        if rv < self.store.compacted_rv:
            raise st.expired(
                "The provided continue parameter is too old to display a consistent list result. You can start "
                "a new list without the continue parameter, or use the continue token in this response to "
                "retrieve the remainder of the results. Continuing with the provided token results in an "
                "inconsistent list - objects that were created, modified, or deleted between the time the first "
                "chunk was returned and now may show up in the list."
            )
        return rv, start

    # ---- shared checks ---------------------------------------------------------------
    def _check_body(self, rt: ResourceType, obj: Any, namespace: str | None, name: str | None) -> dict[str, Any]:
        if not isinstance(obj, dict):
            raise st.bad_request("the object provided is unrecognized (must be a JSON object)")
        av, kind = obj.get("apiVersion"), obj.get("kind")
        if av and av != rt.api_version:
            raise st.bad_request(
                f"the API version in the data ({av}) does not match the expected API version ({rt.api_version})"
            )
        if kind and kind != rt.kind:
            raise st.bad_request(f"the kind in the data ({kind}) does not match the expected kind ({rt.kind})")
        obj["apiVersion"], obj["kind"] = rt.api_version, rt.kind
        md = _md(obj)
        if rt.namespaced:
            body_ns = md.get("namespace")
            if namespace and body_ns and body_ns != namespace:
                raise st.bad_request(
                    "the namespace of the provided object does not match the namespace sent on the request"
                )
            md["namespace"] = namespace or body_ns or "default"
        else:
            md.pop("namespace", None)
        if name is not None and md.get("name") and md["name"] != name:
            raise st.bad_request(f"the name of the object ({md['name']}) does not match the name on the URL ({name})")
        if name is not None and not md.get("name"):
            md["name"] = name
        return obj

    # ---- decoding (pruning) and validation -------------------------------------------
    def schema(self, rt: ResourceType) -> Node | None:
        """The compiled openAPIV3Schema of a custom resource version (None for built-ins)."""
        if rt.builtin or not rt.crd_name:
            return None
        e = self.store.get(CRD_KEY, "", rt.crd_name)
        return self.schemas.root(e.obj if e else None, rt.version)

    def _decode(
        self, rt: ResourceType, obj: dict[str, Any], field_validation: str, warnings: list[str] | None, style: str
    ) -> None:
        """What decoding a request body does: drop unknown fields (an error with Strict, a
        warning with Warn) and refuse values a typed built-in cannot hold."""
        if rt.builtin:
            msg = builtin_decode_error(rt.kind, rt.version, obj)
            if msg:
                raise st.bad_request(msg)
        unknown: list[str] = []
        node = None if rt.builtin else self.schema(rt)
        if node is not None:
            prune(node, obj, "", unknown, root=True)
        else:
            if rt.builtin:
                builtin_schema.prune_builtin(rt.kind, obj, unknown)
            prune_metadata(obj.get("metadata"), "metadata", unknown)
        if not unknown:
            return
        unknown.sort()
        if field_validation == "Strict":
            detail = "strict decoding error: " + ", ".join(f'unknown field "{p}"' for p in unknown)
            raise st.bad_request(
                detail
                if style == "patch"
                else f'{rt.kind} in version "{rt.version}" cannot be handled as a {rt.kind}: {detail}'
            )
        if field_validation == "Warn" and warnings is not None:
            warnings.extend(f'unknown field "{p}"' for p in unknown)

    def _validate(
        self,
        rt: ResourceType,
        new: dict[str, Any],
        old: dict[str, Any] | None,
        *,
        http: bool,
        subresource: str | None = None,
    ) -> None:
        """422 Invalid when the object breaks its schema (custom resources), its ObjectMeta rules
        or the few built-in rules checked here. Unchanged invalid values ratchet on update."""
        errs: list[FieldError] = []
        status_write = http and subresource == "status"
        if not status_write:
            errs.extend(metadata_errors(new.get("metadata") or {}))
        if rt.builtin:
            if not status_write:
                errs.extend(builtin_errors(rt.kind, new))
                if http and old is not None and rt.kind == "Pod":
                    # HTTP clients only: the demo's controller stands in for the scheduler and
                    # kubelet, which write pods through subresources a real server has
                    errs.extend(builtin_schema.pod_update_errors(new, old))
        else:
            node = self.schema(rt)
            if node is not None:
                if status_write:
                    st_node = node.prop("status")
                    if st_node is not None and "status" in new:
                        validate(st_node, new["status"], "status", errs, ("status",))
                else:
                    skip = {"metadata"}
                    if http and rt.has_status:
                        skip.add("status")
                    body = {k: v for k, v in new.items() if k not in skip}
                    found: list[FieldError] = []
                    validate(node, body, "", found)
                    errs.extend(e for e in found if e.field not in skip)
        if errs and old is not None:
            errs = ratchet(errs, new, old)
        if errs:
            raise invalid_error(rt.kind, rt.group, (new.get("metadata") or {}).get("name", ""), errs)

    # ---- create ----------------------------------------------------------------------
    def create(
        self,
        rt: ResourceType,
        obj: dict[str, Any],
        namespace: str | None = None,
        *,
        dry_run: bool = False,
        http: bool = False,
        field_manager: str | None = None,
        keep_identity: bool = False,
        field_validation: str = "Warn",
        warnings: list[str] | None = None,
        take: bool = False,
    ) -> Entry:
        obj = self._check_body(rt, obj if take else clone(obj), namespace, None)
        self._decode(rt, obj, field_validation, warnings, "create")
        md = obj["metadata"]
        if not md.get("name"):
            if md.get("generateName"):
                md["name"] = generated_name(md["generateName"])
            else:
                raise EmulatorError(
                    422,
                    "Invalid",
                    f'{rt.kind}.{rt.group} "" is invalid: metadata.name: Required value: name or '
                    "generateName is required"
                    if rt.group
                    else f'{rt.kind} "" is invalid: metadata.name: Required value: name or generateName is required',
                    {"group": rt.group, "kind": rt.kind},
                )
        validate_name(rt.kind, rt.group, md["name"], dns_label=rt.kind in ("Namespace", "Service"))
        if self.store.get(rt.key, md.get("namespace") or "", md["name"]) is not None:
            raise st.already_exists(rt.plural, rt.group, md["name"])
        if rt.key == CRD_KEY:
            from .resources import crd_types

            crd_types(obj)  # validate before storing
        for k in ("resourceVersion", "deletionTimestamp", "deletionGracePeriodSeconds", "selfLink"):
            md.pop(k, None)
        if not (keep_identity and md.get("uid")):
            md["uid"] = new_uid()
        if not (keep_identity and md.get("creationTimestamp")):
            md["creationTimestamp"] = now_rfc3339()
        if not (keep_identity and isinstance(md.get("generation"), int)):
            md["generation"] = 1
        self._defaults(rt, obj, http)
        self._validate(rt, obj, None, http=http)
        if field_manager and http:
            owned = {k: v for k, v in obj.items() if not (k == "status" and rt.has_status)}
            ssa.record_update(
                md, field_manager, rt.api_version, now_rfc3339(), ssa.changed_leaves({}, owned, rt.kind)[0], set()
            )
        if dry_run:
            return Entry(obj, b"")
        md["resourceVersion"] = str(self.store.next_rv())
        entry = self.store.put(rt.key, obj, "ADDED")
        if rt.key == CRD_KEY and self.on_crd_change:
            self.on_crd_change(obj, True)
        return entry

    def _defaults(self, rt: ResourceType, obj: dict[str, Any], http: bool) -> None:
        if http and rt.has_status and rt.key not in (NS_KEY, CRD_KEY):
            obj.pop("status", None)
            if rt.kind == "Pod":
                obj["status"] = {"phase": "Pending", "qosClass": "BestEffort"}
        if rt.builtin and rt.kind == "Secret" and not obj.get("type"):
            obj["type"] = "Opaque"  # SetDefaults_Secret
        if rt.key == NS_KEY:
            obj.setdefault("spec", {"finalizers": ["kubernetes"]})
            obj.setdefault("status", {"phase": "Active"})
        if rt.key == CRD_KEY:
            names = (obj.get("spec") or {}).get("names") or {}
            status = obj.setdefault("status", {})
            status.setdefault("acceptedNames", {k: v for k, v in names.items()})
            status.setdefault(
                "conditions",
                [
                    {
                        "type": "NamesAccepted",
                        "status": "True",
                        "reason": "NoConflicts",
                        "message": "no conflicts found",
                        "lastTransitionTime": now_rfc3339(),
                    },
                    {
                        "type": "Established",
                        "status": "True",
                        "reason": "InitialNamesAccepted",
                        "message": "the initial names have been accepted",
                        "lastTransitionTime": now_rfc3339(),
                    },
                ],
            )
            status.setdefault(
                "storedVersions", [v["name"] for v in (obj.get("spec") or {}).get("versions") or [] if v.get("storage")]
            )

    # ---- update ----------------------------------------------------------------------
    def update(
        self,
        rt: ResourceType,
        obj: dict[str, Any],
        namespace: str | None,
        name: str | None,
        *,
        dry_run: bool = False,
        subresource: str | None = None,
        http: bool = False,
        field_manager: str | None = None,
        field_validation: str = "Warn",
        warnings: list[str] | None = None,
        _patched_from: Entry | None = None,
    ) -> Entry:
        obj = self._check_body(rt, clone(obj) if _patched_from is None else obj, namespace, name)
        self._decode(rt, obj, field_validation, warnings, "update" if _patched_from is None else "patch")
        md = obj["metadata"]
        if not md.get("name"):
            raise st.bad_request("name is required")
        cur = _patched_from or self.get(rt, md.get("namespace"), md["name"])
        old = cur.obj
        omd = old["metadata"]
        want_rv = md.get("resourceVersion")
        if want_rv and str(want_rv) != omd["resourceVersion"]:
            raise st.conflict(rt.plural, rt.group, md["name"])
        if md.get("uid") and md["uid"] != omd["uid"]:
            raise st.conflict(
                rt.plural,
                rt.group,
                md["name"],
                f"Precondition failed: UID in precondition: {md['uid']}, UID in object meta: {omd['uid']}",
            )
        if http and subresource == "status":
            new = clone(old)
            if "status" in obj:
                new["status"] = obj["status"]
            else:
                new.pop("status", None)
            new["metadata"]["resourceVersion"] = omd["resourceVersion"]
        else:
            new = obj
            if http and rt.has_status and rt.key != CRD_KEY:
                if "status" in old:
                    new["status"] = clone(old["status"])
                else:
                    new.pop("status", None)
            nmd = new["metadata"]
            for k in ("uid", "creationTimestamp", "deletionTimestamp", "deletionGracePeriodSeconds"):
                if k in omd:
                    nmd[k] = omd[k]
                else:
                    nmd.pop(k, None)
            if "managedFields" not in nmd and "managedFields" in omd:  # omitted: kept as they are
                nmd["managedFields"] = clone(omd["managedFields"])
            nmd["generation"] = omd.get("generation", 1)
            if spec_part(new) != spec_part(old):
                nmd["generation"] = nmd["generation"] + 1
            if "generateName" in omd:
                nmd["generateName"] = omd["generateName"]
        new["metadata"]["resourceVersion"] = omd["resourceVersion"]
        if field_manager and http:
            changed, removed = ssa.changed_leaves(old, new, rt.kind)
            ssa.record_update(
                new["metadata"], field_manager, rt.api_version, now_rfc3339(), changed, removed, subresource
            )
        if rt.key in (CRD_KEY, NS_KEY):
            self._defaults(rt, new, False)
        if rt.key == CRD_KEY:
            from .resources import crd_types

            crd_types(new)
        self._validate(rt, new, old, http=http, subresource=subresource)
        if same_object(new, old):
            return cur
        if dry_run:
            return Entry(new, b"")
        if new["metadata"].get("deletionTimestamp") and not new["metadata"].get("finalizers"):
            return self._remove(rt, new)
        new["metadata"]["resourceVersion"] = str(self.store.next_rv())
        entry = self.store.put(rt.key, new, "MODIFIED", old)
        if rt.key == CRD_KEY and self.on_crd_change:
            self.on_crd_change(new, True)
        return entry

    def _record_manager(
        self,
        obj: dict[str, Any],
        manager: str,
        operation: str,
        rt: ResourceType,
        intent: dict[str, Any],
        subresource: str | None = None,
    ) -> None:
        md = obj["metadata"]
        entries = [
            e
            for e in (md.get("managedFields") or [])
            if not (
                e.get("manager") == manager and e.get("operation") == operation and e.get("subresource") == subresource
            )
        ]
        entry: dict[str, Any] = {
            "manager": manager,
            "operation": operation,
            "apiVersion": rt.api_version,
            "time": now_rfc3339(),
            "fieldsType": "FieldsV1",
            "fieldsV1": ssa.field_set(intent, rt.kind),
        }
        if subresource:
            entry["subresource"] = subresource
        entries.append(entry)
        md["managedFields"] = entries

    # ---- patch -----------------------------------------------------------------------
    def patch(
        self,
        rt: ResourceType,
        namespace: str | None,
        name: str,
        body: Any,
        patch_type: str,
        *,
        dry_run: bool = False,
        subresource: str | None = None,
        http: bool = False,
        field_manager: str | None = None,
        force: bool = False,
        field_validation: str = "Warn",
        warnings: list[str] | None = None,
    ) -> Entry:
        ns = (namespace or "default") if rt.namespaced else ""
        if patch_type == "strategic" and not rt.builtin:
            raise st.unsupported_media_type(
                ["application/json-patch+json", "application/merge-patch+json", "application/apply-patch+yaml"]
            )
        if patch_type == "apply":
            if not field_manager:
                raise EmulatorError(
                    422,
                    "Invalid",
                    'PatchOptions.meta.k8s.io "" is invalid: fieldManager: Required value: is required for apply patch',
                    {
                        "group": "meta.k8s.io",
                        "kind": "PatchOptions",
                        "causes": [
                            {
                                "reason": "FieldValueRequired",
                                "message": "Required value: is required for apply patch",
                                "field": "fieldManager",
                            }
                        ],
                    },
                )
            if not isinstance(body, dict):
                raise st.bad_request("apply patch must be an object")
            self._check_apply_fields(rt, ns, name, body)
            cur = self.store.get(rt.key, ns, name)
            if cur is None:
                intent = clone(body)
                intent.setdefault("metadata", {})
                if isinstance(intent["metadata"], dict):
                    intent["metadata"].setdefault("name", name)
                    if rt.namespaced:
                        intent["metadata"].setdefault("namespace", ns)
                obj = self._check_body(rt, intent, ns, name)
                self._record_manager(obj, field_manager, "Apply", rt, body, subresource)
                return self.create(
                    rt, obj, ns, dry_run=dry_run, http=http, field_validation=field_validation, warnings=warnings
                )
            patched = ssa.apply_merge({**clone(cur.obj), "apiVersion": rt.api_version}, body, rt.kind, rt.builtin)
            ssa.check_conflicts(rt, name, cur.obj, patched, body, field_manager, force)
            ssa.remove_dropped(patched, body, field_manager, rt.kind, subresource)
            self._record_manager(patched, field_manager, "Apply", rt, body, subresource)
        else:
            cur = self.store.get(rt.key, ns, name)
            if cur is None:
                raise st.not_found(rt.plural, rt.group, name)
            base = json.loads(cur.raw) if cur.raw else clone(cur.obj)
            base["apiVersion"] = rt.api_version
            if patch_type == "merge":
                if not isinstance(body, dict):
                    raise st.bad_request("merge patch must be a JSON object")
                patched = patching.merge_patch(base, body)
            elif patch_type == "json":
                patched = patching.json_patch(base, body)
            elif patch_type == "strategic":
                if not isinstance(body, dict):
                    raise st.bad_request("strategic merge patch must be a JSON object")
                patched = patching.strategic_merge(base, body, rt.kind)
            else:
                raise st.unsupported_media_type(list(PATCH_TYPES))
            if not isinstance(patched, dict):
                raise st.bad_request("patch produced something that is not an object")
        pmd = patched.get("metadata") if isinstance(patched.get("metadata"), dict) else None
        if pmd is None:
            raise st.bad_request("patched object has no metadata")
        if pmd.get("name") != name:
            raise st.bad_request(
                f"the name of the object ({pmd.get('name')}) does not match the name on the URL ({name})"
            )
        if not pmd.get("resourceVersion"):
            pmd["resourceVersion"] = cur.obj["metadata"]["resourceVersion"]
        return self.update(
            rt,
            patched,
            ns or None,
            name,
            dry_run=dry_run,
            subresource=subresource,
            http=http,
            field_manager=field_manager if patch_type != "apply" else None,
            field_validation=field_validation,
            warnings=warnings,
            _patched_from=cur,
        )

    def _check_apply_fields(self, rt: ResourceType, ns: str, name: str, body: dict[str, Any]) -> None:
        """Server-side apply converts the intent to a typed object first: a field the schema does
        not declare fails there, whatever fieldValidation says (kube-apiserver answers 500)."""
        bad: list[str] = []
        if rt.builtin:
            found: list[str] = []
            builtin_schema.prune_builtin(rt.kind, clone(body), found)
            bad = ["." + p for p in found]  # list items as [i], where structured-merge-diff names their key
        else:
            node = self.schema(rt)
            if node is None:
                return
            undeclared(node, body, "", bad, root=True)
        if not bad:
            return
        errs = [f"{p}: field not declared in schema" for p in bad]
        msg = errs[0] if len(errs) == 1 else "errors:\n  " + "\n  ".join(errs)
        gvk = f"{rt.group}/{rt.version}, Kind={rt.kind}"
        raise EmulatorError(500, "", f"failed to create typed patch object ({ns}/{name}; {gvk}): {msg}")

    # ---- delete ----------------------------------------------------------------------
    def delete(
        self,
        rt: ResourceType,
        namespace: str | None,
        name: str,
        *,
        dry_run: bool = False,
        preconditions: dict[str, Any] | None = None,
        propagation: str | None = None,
    ) -> tuple[Entry, bool]:
        """Returns (entry, gone): gone is False when finalizers keep the object (deletionTimestamp set).

        ``propagation`` (DeleteOptions.propagationPolicy, default Background): Background removes
        the object now and its dependents (ownerReferences) in the garbage collector's next pass;
        Foreground keeps the object (finalizer ``foregroundDeletion``) until its dependents are
        deleted; Orphan removes the object and the dependents' references to it."""
        policy = propagation or "Background"
        if policy not in PROPAGATION:
            raise EmulatorError(
                422,
                "Invalid",
                'DeleteOptions.meta.k8s.io "" is invalid: propagationPolicy: '
                f'Unsupported value: "{policy}": supported values: "Foreground", "Background", '
                '"Orphan", "nil"',
                {
                    "group": "meta.k8s.io",
                    "kind": "DeleteOptions",
                    "causes": [
                        {
                            "reason": "FieldValueNotSupported",
                            "field": "propagationPolicy",
                            "message": f'Unsupported value: "{policy}": supported values: "Foreground", '
                            '"Background", "Orphan", "nil"',
                        }
                    ],
                },
            )
        cur = self.get(rt, namespace, name)
        md = cur.obj["metadata"]
        pre = preconditions or {}
        if pre.get("uid") and pre["uid"] != md["uid"]:
            raise st.conflict(
                rt.plural,
                rt.group,
                name,
                f"Precondition failed: UID in precondition: {pre['uid']}, UID in object meta: {md['uid']}",
            )
        if pre.get("resourceVersion") and str(pre["resourceVersion"]) != md["resourceVersion"]:
            raise st.conflict(
                rt.plural,
                rt.group,
                name,
                f"Precondition failed: ResourceVersion in precondition: {pre['resourceVersion']}, "
                f"ResourceVersion in object meta: {md['resourceVersion']}",
            )
        if dry_run:
            return cur, True
        uid = md.get("uid", "")
        foreground = policy == "Foreground" and bool(self.store.dependents(uid))
        if md.get("finalizers") or foreground:
            if md.get("deletionTimestamp"):
                return cur, False
            new = clone(cur.obj)
            nmd = new["metadata"]
            nmd["deletionTimestamp"] = now_rfc3339()
            nmd["deletionGracePeriodSeconds"] = 0
            nmd["generation"] = md.get("generation", 1) + 1
            if foreground:
                nmd["finalizers"] = [*(nmd.get("finalizers") or []), FOREGROUND_FINALIZER]
            elif policy == "Orphan":
                self._orphan(uid)
            nmd["resourceVersion"] = str(self.store.next_rv())
            entry = self.store.put(rt.key, new, "MODIFIED", cur.obj)
            if foreground:
                self._enqueue_gc(uid, nmd.get("namespace") or "", (rt, nmd.get("namespace") or "", name))
            return entry, False
        if policy == "Orphan":
            self._orphan(uid)
        if rt.key == NS_KEY:
            self._empty_namespace(name)
        if rt.key == CRD_KEY:
            self._drop_crd_objects(cur.obj)
        return self._remove(rt, clone(cur.obj)), True

    def _remove(self, rt: ResourceType, final: dict[str, Any]) -> Entry:
        md = final["metadata"]
        md["resourceVersion"] = str(self.store.next_rv())
        self.store.remove(rt.key, md.get("namespace") or "", md["name"], final)
        if rt.key == CRD_KEY:
            self.schemas.forget(md["name"])
            if self.on_crd_change:
                self.on_crd_change(final, False)
        uid = md.get("uid")
        if uid and self.store.dependents(uid):
            self._enqueue_gc(uid, md.get("namespace") or "", None)
        return Entry(final, b"")

    # ---- garbage collection ----------------------------------------------------------
    def _enqueue_gc(self, uid: str, namespace: str, foreground: tuple[ResourceType, str, str] | None) -> None:
        self.gc_queue.append((uid, namespace, foreground))
        if self.on_gc_needed is not None:
            self.on_gc_needed()
        elif not self._collecting:
            self.collect_garbage()

    _collecting = False

    def collect_garbage(self) -> int:
        """One pass of the garbage collector over the queued owners; returns how many dependents
        it deleted. A dependent with another owner that still exists only loses the reference."""
        if self._collecting:
            return 0
        self._collecting = True
        deleted = 0
        try:
            while self.gc_queue:
                uid, _, fg = self.gc_queue.popleft()
                for key, dns, dname in self.store.dependents(uid):
                    e = self.store.get(key, dns, dname)
                    if e is None:
                        continue
                    drt = self._type_for_key(key)
                    if drt is None:
                        continue
                    refs = e.obj["metadata"].get("ownerReferences") or []
                    if any(r.get("uid") != uid and self._owner_exists(r, dns) for r in refs):
                        self._drop_refs(drt, e, uid)
                        continue
                    if e.obj["metadata"].get("deletionTimestamp"):
                        continue
                    try:
                        self.delete(drt, dns or None, dname, propagation="Background")
                    except EmulatorError:
                        continue
                    deleted += 1
                if fg is not None:
                    ort, ons, oname = fg
                    owner = self.store.get(ort.key, ons, oname)
                    fins = (owner.obj["metadata"].get("finalizers") or []) if owner else []
                    if owner is not None and FOREGROUND_FINALIZER in fins:
                        new = clone(owner.obj)
                        rest = [f for f in fins if f != FOREGROUND_FINALIZER]
                        if rest:
                            new["metadata"]["finalizers"] = rest
                        else:
                            new["metadata"].pop("finalizers", None)
                        self.update(ort, new, ons or None, oname, field_validation="Ignore")
        finally:
            self._collecting = False
        return deleted

    def _type_for_key(self, key: tuple[str, str]) -> ResourceType | None:
        for rt in self._one_type_per_resource():
            if rt.key == key:
                return rt
        return None

    def _owner_exists(self, ref: dict[str, Any], namespace: str) -> bool:
        ort = self.registry.by_kind(str(ref.get("apiVersion") or ""), str(ref.get("kind") or ""))
        if ort is None:
            return False
        e = self.store.get(ort.key, namespace if ort.namespaced else "", str(ref.get("name") or ""))
        return e is not None and e.obj["metadata"].get("uid") == ref.get("uid")

    def _drop_refs(self, rt: ResourceType, e: Entry, uid: str) -> None:
        new = clone(e.obj)
        md = new["metadata"]
        refs = [r for r in md.get("ownerReferences") or [] if r.get("uid") != uid]
        if refs:
            md["ownerReferences"] = refs
        else:
            md.pop("ownerReferences", None)
        md["resourceVersion"] = str(self.store.next_rv())
        self.store.put(rt.key, new, "MODIFIED", e.obj)

    def _orphan(self, uid: str) -> None:
        for key, dns, dname in self.store.dependents(uid):
            e = self.store.get(key, dns, dname)
            drt = self._type_for_key(key)
            if e is not None and drt is not None:
                self._drop_refs(drt, e, uid)

    def _empty_namespace(self, ns: str) -> None:
        for rt in self._one_type_per_resource():
            if rt.namespaced:
                for _, e in list(self.store.entries(rt.key, ns)):
                    self._remove(rt, clone(e.obj))

    def _drop_crd_objects(self, crd: dict[str, Any]) -> None:
        spec = crd.get("spec") or {}
        key = (spec.get("group"), (spec.get("names") or {}).get("plural"))
        rts = [rt for rt in self.registry.all() if rt.key == key]
        if rts:
            for _, e in list(self.store.entries(rts[0].key)):
                self._remove(rts[0], clone(e.obj))

    def _one_type_per_resource(self) -> list[ResourceType]:
        seen: dict[tuple[str, str], ResourceType] = {}
        for rt in self.registry.all():
            seen.setdefault(rt.key, rt)
        return list(seen.values())
