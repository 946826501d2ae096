"""Object semantics shared by the HTTP API and the synchronous KubeEmulator methods:
create / update / patch / delete with resourceVersion, generation, status subresource,
finalizers, dry-run and server-side apply rules."""

from __future__ import annotations

import base64
import json
from typing import Any, Callable

from . import apply as ssa
from . import patch as patching
from . import status as st
from .meta import clone, generated_name, new_uid, now_rfc3339, same_object, spec_part, validate_name
from .resources import Registry, ResourceType
from .status import EmulatorError
from .storage import Entry, Store

PATCH_TYPES = {
    "application/json-patch+json": "json",
    "application/merge-patch+json": "merge",
    "application/strategic-merge-patch+json": "strategic",
    "application/apply-patch+yaml": "apply",
    "application/apply-patch+cbor": "apply",
}
CRD_KEY = ("apiextensions.k8s.io", "customresourcedefinitions")
NS_KEY = ("", "namespaces")


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

    def list(self, rt: ResourceType, namespace: str | None, pred: Callable[[dict], bool] | None = None,
             limit: int = 0, cont: str | None = None) -> tuple[list[Entry], int, str | None, int | None]:
        """(entries, list RV, continue token or None, remainingItemCount or None)."""
        rv = self.store.rv
        start: tuple[str, str] | None = None
        if cont:
            rv, start = self._decode_continue(cont)
        items = self.store.entries(rt.key, namespace if rt.namespaced else None)
        out: list[Entry] = []
        remaining = 0
        token = None
        for okey, e in items:
            if start is not None and okey <= start:
                continue
            if pred is not None and not pred(e.obj):
                continue
            if limit and len(out) >= limit:
                remaining += 1
                continue
            out.append(e)
        if limit and remaining:
            last = out[-1].obj["metadata"]
            token = self._encode_continue(rv, (last.get("namespace") or "", last["name"]))
        return out, rv, token, (remaining if token else None)

    @staticmethod
    def _encode_continue(rv: int, start: tuple[str, str]) -> str:
        raw = json.dumps({"v": "meta.k8s.io/v1", "rv": rv, "start": list(start)}, separators=(",", ":"))
        return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")

    def _decode_continue(self, token: str) -> tuple[int, tuple[str, str]]:
        try:
            data = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
            rv, start = int(data["rv"]), (str(data["start"][0]), str(data["start"][1]))
        except Exception:
            raise st.bad_request("continue key is not valid: incorrect encoded start resourceVersion "
                                 "(version meta.k8s.io/v1)") from None
        if rv < self.store.compacted_rv:
            raise st.expired(
                "The provided continue parameter is too old to display a consistent list result. You can start "
                "a new list without the continue parameter, or use the continue token in this response to "
                "retrieve the remainder of the results. Continuing with the provided token results in an "
                "inconsistent list - objects that were created, modified, or deleted between the time the first "
                "chunk was returned and now may show up in the list.")
        return rv, start

    # ---- shared checks ---------------------------------------------------------------
    def _check_body(self, rt: ResourceType, obj: Any, namespace: str | None, name: str | None) -> dict[str, Any]:
        if not isinstance(obj, dict):
            raise st.bad_request("the object provided is unrecognized (must be a JSON object)")
        av, kind = obj.get("apiVersion"), obj.get("kind")
        if av and av != rt.api_version:
            raise st.bad_request(
                f"the API version in the data ({av}) does not match the expected API version ({rt.api_version})")
        if kind and kind != rt.kind:
            raise st.bad_request(f"the kind in the data ({kind}) does not match the expected kind ({rt.kind})")
        obj["apiVersion"], obj["kind"] = rt.api_version, rt.kind
        md = _md(obj)
        if rt.namespaced:
            body_ns = md.get("namespace")
            if namespace and body_ns and body_ns != namespace:
                raise st.bad_request("the namespace of the provided object does not match the namespace sent on "
                                     "the request")
            md["namespace"] = namespace or body_ns or "default"
        else:
            md.pop("namespace", None)
        if name is not None and md.get("name") and md["name"] != name:
            raise st.bad_request(f"the name of the object ({md['name']}) does not match the name on the URL ({name})")
        if name is not None and not md.get("name"):
            md["name"] = name
        return obj

    # ---- create ----------------------------------------------------------------------
    def create(self, rt: ResourceType, obj: dict[str, Any], namespace: str | None = None, *,
               dry_run: bool = False, http: bool = False, field_manager: str | None = None,
               keep_identity: bool = False) -> Entry:
        obj = self._check_body(rt, clone(obj), namespace, None)
        md = obj["metadata"]
        if not md.get("name"):
            if md.get("generateName"):
                md["name"] = generated_name(md["generateName"])
            else:
                raise EmulatorError(422, "Invalid",
                                    f"{rt.kind}.{rt.group} \"\" is invalid: metadata.name: Required value: name or "
                                    "generateName is required" if rt.group else
                                    f"{rt.kind} \"\" is invalid: metadata.name: Required value: name or generateName "
                                    "is required", {"group": rt.group, "kind": rt.kind})
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
        if field_manager and http:
            self._record_manager(obj, field_manager, "Update", rt, obj)
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
        if rt.key == NS_KEY:
            obj.setdefault("spec", {"finalizers": ["kubernetes"]})
            obj.setdefault("status", {"phase": "Active"})
        if rt.key == CRD_KEY:
            names = (obj.get("spec") or {}).get("names") or {}
            status = obj.setdefault("status", {})
            status.setdefault("acceptedNames", {k: v for k, v in names.items()})
            status.setdefault("conditions", [
                {"type": "NamesAccepted", "status": "True", "reason": "NoConflicts",
                 "message": "no conflicts found", "lastTransitionTime": now_rfc3339()},
                {"type": "Established", "status": "True", "reason": "InitialNamesAccepted",
                 "message": "the initial names have been accepted", "lastTransitionTime": now_rfc3339()},
            ])
            status.setdefault("storedVersions", [v["name"] for v in (obj.get("spec") or {}).get("versions") or []
                                                 if v.get("storage")])

    # ---- update ----------------------------------------------------------------------
    def update(self, rt: ResourceType, obj: dict[str, Any], namespace: str | None, name: str | None, *,
               dry_run: bool = False, subresource: str | None = None, http: bool = False,
               field_manager: str | None = None, _patched_from: Entry | None = None) -> Entry:
        obj = self._check_body(rt, clone(obj) if _patched_from is None else obj, namespace, name)
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
            raise st.conflict(rt.plural, rt.group, md["name"],
                              f"Precondition failed: UID in precondition: {md['uid']}, UID in object meta: {omd['uid']}")
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
            nmd["generation"] = omd.get("generation", 1)
            if spec_part(new) != spec_part(old):
                nmd["generation"] = nmd["generation"] + 1
            if "generateName" in omd:
                nmd["generateName"] = omd["generateName"]
        new["metadata"]["resourceVersion"] = omd["resourceVersion"]
        if field_manager and http:
            self._record_manager(new, field_manager, "Update", rt, obj, subresource)
        if rt.key in (CRD_KEY, NS_KEY):
            self._defaults(rt, new, False)
        if rt.key == CRD_KEY:
            from .resources import crd_types
            crd_types(new)
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

    def _record_manager(self, obj: dict[str, Any], manager: str, operation: str, rt: ResourceType,
                        intent: dict[str, Any], subresource: str | None = None) -> None:
        md = obj["metadata"]
        entries = [e for e in (md.get("managedFields") or [])
                   if not (e.get("manager") == manager and e.get("operation") == operation
                           and e.get("subresource") == subresource)]
        entry: dict[str, Any] = {"manager": manager, "operation": operation, "apiVersion": rt.api_version,
                                 "time": now_rfc3339(), "fieldsType": "FieldsV1",
                                 "fieldsV1": ssa.field_set(intent, rt.kind)}
        if subresource:
            entry["subresource"] = subresource
        entries.append(entry)
        md["managedFields"] = entries

    # ---- patch -----------------------------------------------------------------------
    def patch(self, rt: ResourceType, namespace: str | None, name: str, body: Any, patch_type: str, *,
              dry_run: bool = False, subresource: str | None = None, http: bool = False,
              field_manager: str | None = None, force: bool = False) -> Entry:
        ns = (namespace or "default") if rt.namespaced else ""
        if patch_type == "strategic" and not rt.builtin:
            raise st.unsupported_media_type(["application/json-patch+json", "application/merge-patch+json",
                                             "application/apply-patch+yaml"])
        if patch_type == "apply":
            if not field_manager:
                raise EmulatorError(422, "Invalid",
                                    'PatchOptions.meta.k8s.io "" is invalid: fieldManager: Required value: is '
                                    "required for apply patch",
                                    {"group": "meta.k8s.io", "kind": "PatchOptions",
                                     "causes": [{"reason": "FieldValueRequired",
                                                 "message": "Required value: is required for apply patch",
                                                 "field": "fieldManager"}]})
            if not isinstance(body, dict):
                raise st.bad_request("apply patch must be an object")
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
                return self.create(rt, obj, ns, dry_run=dry_run, http=http)
            patched = ssa.apply_merge({**clone(cur.obj), "apiVersion": rt.api_version}, body,
                                           rt.kind, rt.builtin)
            ssa.check_conflicts(rt, name, cur.obj, patched, body, field_manager, force)
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
            raise st.bad_request(f"the name of the object ({pmd.get('name')}) does not match the name on the URL "
                                 f"({name})")
        if not pmd.get("resourceVersion"):
            pmd["resourceVersion"] = cur.obj["metadata"]["resourceVersion"]
        return self.update(rt, patched, ns or None, name, dry_run=dry_run, subresource=subresource, http=http,
                           field_manager=field_manager if patch_type != "apply" else None, _patched_from=cur)

    # ---- delete ----------------------------------------------------------------------
    def delete(self, rt: ResourceType, namespace: str | None, name: str, *, dry_run: bool = False,
               preconditions: dict[str, Any] | None = None) -> tuple[Entry, bool]:
        """Returns (entry, gone): gone is False when finalizers keep the object (deletionTimestamp set)."""
        cur = self.get(rt, namespace, name)
        md = cur.obj["metadata"]
        pre = preconditions or {}
        if pre.get("uid") and pre["uid"] != md["uid"]:
            raise st.conflict(rt.plural, rt.group, name,
                              f"Precondition failed: UID in precondition: {pre['uid']}, UID in object meta: "
                              f"{md['uid']}")
        if pre.get("resourceVersion") and str(pre["resourceVersion"]) != md["resourceVersion"]:
            raise st.conflict(rt.plural, rt.group, name,
                              f"Precondition failed: ResourceVersion in precondition: {pre['resourceVersion']}, "
                              f"ResourceVersion in object meta: {md['resourceVersion']}")
        if dry_run:
            return cur, True
        if md.get("finalizers"):
            if md.get("deletionTimestamp"):
                return cur, False
            new = clone(cur.obj)
            new["metadata"]["deletionTimestamp"] = now_rfc3339()
            new["metadata"]["deletionGracePeriodSeconds"] = 0
            new["metadata"]["generation"] = md.get("generation", 1) + 1
            new["metadata"]["resourceVersion"] = str(self.store.next_rv())
            return self.store.put(rt.key, new, "MODIFIED", cur.obj), False
        if rt.key == NS_KEY:
            self._empty_namespace(name)
        if rt.key == CRD_KEY:
            self._drop_crd_objects(cur.obj)
        return self._remove(rt, clone(cur.obj)), True

    def _remove(self, rt: ResourceType, final: dict[str, Any]) -> Entry:
        md = final["metadata"]
        md["resourceVersion"] = str(self.store.next_rv())
        self.store.remove(rt.key, md.get("namespace") or "", md["name"], final)
        if rt.key == CRD_KEY and self.on_crd_change:
            self.on_crd_change(final, False)
        return Entry(final, b"")

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
