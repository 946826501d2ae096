"""aiohttp routes: discovery, collections, objects, subresources and watches over HTTP."""

from __future__ import annotations

import asyncio
import json
import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import yaml
from aiohttp import web

from . import authz, discovery, metrics, openapi, podlog, protobuf, scale, svcproxy, table
from . import patch as patching
from . import status as st
from .crud import CRD_KEY, PATCH_TYPES
from .resources import ResourceType
from .respond import error_response, json_response, negotiate, options_invalid, parse_bool, raw_response
from .selectors import make_filter
from .status import EmulatorError
from .storage import to_json
from .watch import Watcher, error_line, event_line, start_stream, stream, too_large

if TYPE_CHECKING:
    from .emulator import KubeEmulator

try:  # pragma: no cover - depends on how PyYAML was built
    from yaml import CSafeLoader as _YamlLoader
except ImportError:  # pragma: no cover
    from yaml import SafeLoader as _YamlLoader  # type: ignore[assignment]


@dataclass(frozen=True)
class RequestRecord:
    method: str
    path: str
    query: dict[str, str]
    content_type: str | None


log = logging.getLogger(__name__)


class Api:
    def __init__(self, emu: KubeEmulator) -> None:
        self.emu = emu

    # ---- entry ----------------------------------------------------------------------
    async def handle(self, request: web.Request) -> web.StreamResponse:
        emu = self.emu
        ct = request.headers.get("Content-Type")
        emu.record_request(
            RequestRecord(request.method, request.path, dict(request.query), ct.split(";")[0].strip() if ct else None)
        )
        if emu.latency > 0:
            await asyncio.sleep(emu.latency)
        try:
            if emu.token is not None and request.headers.get("Authorization", "") != f"Bearer {emu.token}":
                raise st.unauthorized()
            return await self.route(request)
        except EmulatorError as err:
            return error_response(err)
        except (asyncio.CancelledError, ConnectionError):
            raise
        except Exception as exc:  # a bug in the emulator: still answer with a Status
            log.exception("emulator failed on %s %s", request.method, request.path_qs)
            return error_response(EmulatorError(500, "InternalError", f"Internal error occurred: {exc!r}", {}))

    async def route(self, request: web.Request) -> web.StreamResponse:
        parts = [p for p in request.path.split("/") if p]
        emu = self.emu
        reg = emu.registry
        if request.method == "GET":
            if parts in (["version"], ["version", ""]):
                return json_response(discovery.SERVER_VERSION)
            if parts and parts[0] in ("healthz", "livez", "readyz"):
                return web.Response(text="ok")
            if parts == ["openapi", "v3"]:
                return json_response(openapi.index(reg))
            if len(parts) >= 4 and parts[:2] == ["openapi", "v3"]:
                rest = parts[2:]
                group, version = (
                    ("", rest[1])
                    if rest[0] == "api" and len(rest) == 2
                    else (rest[1], rest[2])
                    if rest[0] == "apis" and len(rest) == 3
                    else ("-", "-")
                )
                doc = openapi.gv_document(reg, group, version)
                if doc is None:
                    raise st.no_such_resource()
                return json_response(doc)
            if parts == ["api"]:
                return json_response(discovery.api_versions(f"{request.host}"))
            if parts == ["apis"]:
                return json_response(discovery.api_group_list(reg))
            if len(parts) == 2 and parts[0] == "api":
                doc = discovery.api_resource_list(reg, "", parts[1])
                if doc is None:
                    raise st.no_such_resource()
                return json_response(doc)
            if len(parts) == 2 and parts[0] == "apis":
                doc = discovery.api_group(reg, parts[1])
                if doc is None:
                    raise st.no_such_resource()
                return json_response(doc)
            if len(parts) == 3 and parts[0] == "apis":
                doc = discovery.api_resource_list(reg, parts[1], parts[2])
                if doc is None:
                    raise st.no_such_resource()
                return json_response(doc)
        if len(parts) >= 3 and parts[0] == "api":
            return await self.resource(request, "", parts[1], parts[2:])
        if len(parts) >= 4 and parts[0] == "apis":
            return await self.resource(request, parts[1], parts[2], parts[3:])
        raise st.no_such_resource()

    # ---- resources ------------------------------------------------------------------
    async def resource(self, request: web.Request, group: str, version: str, rest: list[str]) -> web.StreamResponse:
        watch_path = False
        if rest and rest[0] == "watch":
            watch_path, rest = True, rest[1:]
        namespace: str | None = None
        if len(rest) >= 3 and rest[0] == "namespaces" and not (len(rest) == 3 and rest[2] in ("status", "finalize")):
            namespace, rest = rest[1], rest[2:]
        if not rest or len(rest) > 3:
            raise st.no_such_resource()
        rt = self.emu.registry.by_url(group, version, rest[0])
        if rt is None or (namespace is not None and not rt.namespaced):
            raise st.no_such_resource()
        name = rest[1] if len(rest) > 1 else None
        sub = rest[2] if len(rest) > 2 else None
        if sub is not None and sub not in rt.subresources:
            raise st.no_such_resource()
        q = request.query
        method = request.method
        watch = watch_path or (method == "GET" and parse_bool(q, "watch"))
        verb = {
            "GET": "watch" if watch else ("get" if name else "list"),
            "POST": "create",
            "PUT": "update",
            "PATCH": "patch",
            "DELETE": "delete" if name else "deletecollection",
        }.get(method)
        if verb is None or (name is None and method in ("PUT", "PATCH")) or (name is not None and method == "POST"):
            raise st.method_not_allowed()
        if rt.virtual:
            return await self.review(request, rt, name, sub, watch)
        self._authorize(request, rt, verb, namespace, name, sub)
        if watch:
            return await self.watch(request, rt, namespace, name)
        if method == "GET":
            return self.get(request, rt, namespace, name, sub)
        options_kind = {
            "POST": "CreateOptions",
            "PUT": "UpdateOptions",
            "PATCH": "PatchOptions",
            "DELETE": "DeleteOptions",
        }[method]
        dry_run = self._dry_run(q, options_kind)
        fm = q.get("fieldManager")
        if fm is not None and len(fm) > 128:
            raise options_invalid(
                options_kind, "fieldManager", "Too long: may not be more than 128 bytes", "FieldValueTooLong"
            )
        crud = self.emu.crud
        fv = self._field_validation(q, options_kind) if method != "DELETE" else "Warn"
        warnings: list[str] = []
        if method == "POST":
            body = await self._body(request)
            entry = crud.create(
                rt,
                body,
                namespace,
                dry_run=dry_run,
                http=True,
                field_manager=fm,
                field_validation=fv,
                warnings=warnings,
            )
            return self._object_response(request, rt, entry.obj, 201, warnings)
        if method == "PUT":
            body = await self._body(request)
            assert name is not None
            if sub == "scale":
                return self._scale_write(request, rt, namespace, name, body, dry_run)
            entry = crud.update(
                rt,
                body,
                namespace,
                name,
                dry_run=dry_run,
                subresource=sub,
                http=True,
                field_manager=fm,
                field_validation=fv,
                warnings=warnings,
            )
            return self._object_response(request, rt, entry.obj, 200, warnings)
        if method == "PATCH":
            assert name is not None
            return await self.patch(request, rt, namespace, name, sub, dry_run, fm, fv)
        # DELETE
        opts = await self._delete_options(request)
        dry_run = dry_run or "All" in (opts.get("dryRun") or [])
        policy = self._propagation(q, opts)
        if name is None:
            return self.delete_collection(request, rt, namespace, dry_run, policy)
        entry, gone = crud.delete(
            rt, namespace, name, dry_run=dry_run, preconditions=opts.get("preconditions"), propagation=policy
        )
        # like kube-apiserver: 202 only for a pending deletion asked with orphanDependents=false
        return self._object_response(
            request, rt, entry.obj, 202 if not gone and opts.get("orphanDependents") is False else 200
        )

    @staticmethod
    def _user(request: web.Request) -> str:
        return "sandbox" if request.headers.get("Authorization") else authz.ANONYMOUS

    def _authorize(
        self,
        request: web.Request,
        rt: ResourceType,
        verb: str,
        namespace: str | None,
        name: str | None,
        sub: str | None,
    ) -> None:
        for rule in self.emu.denies:
            if rule.matches(rt, verb, namespace, sub):
                raise st.forbidden(
                    rt.plural, rt.group, name, verb, namespace, user=self._user(request), subresource=sub or ""
                )

    async def review(
        self, request: web.Request, rt: ResourceType, name: str | None, sub: str | None, watch: bool
    ) -> web.Response:
        """SelfSubjectAccessReview, SelfSubjectRulesReview, SelfSubjectReview: create only."""
        if request.method != "POST" or name is not None or sub is not None or watch:
            raise st.method_not_allowed()
        # every user may review itself (system:basic-user) unless a rule names the review
        for rule in self.emu.denies:
            if rule.resource == rt.plural and rule.matches(rt, "create", None, None):
                raise st.forbidden(rt.plural, rt.group, None, "create", None, user=self._user(request))
        self._dry_run(request.query, "CreateOptions")
        body = await self._body(request)
        out = authz.review(rt, body, self.emu.registry, list(self.emu.denies), self._user(request))
        return json_response(out, 201)

    @staticmethod
    def _field_validation(q: Any, options_kind: str) -> str:
        """fieldValidation: Strict | Warn (the default) | Ignore."""
        v = q.get("fieldValidation", "")
        if v == "":
            return "Warn"
        if v not in ("Ignore", "Strict", "Warn"):
            raise options_invalid(
                options_kind,
                "fieldValidation",
                f'Unsupported value: "{v}": supported values: "", "Ignore", "Strict", "Warn"',
                "FieldValueNotSupported",
            )
        return v

    @staticmethod
    def _propagation(q: Any, opts: dict[str, Any]) -> str | None:
        """DeleteOptions.propagationPolicy (body or query), or the deprecated orphanDependents."""
        policy = opts.get("propagationPolicy") or q.get("propagationPolicy")
        if policy:
            return str(policy)
        orphan = opts.get("orphanDependents")
        if orphan is None and q.get("orphanDependents") is not None:
            orphan = parse_bool(q, "orphanDependents")
        if orphan is True:
            return "Orphan"
        return None

    @staticmethod
    def _dry_run(q: Any, options_kind: str) -> bool:
        vals = q.getall("dryRun", [])
        for v in vals:
            if v != "All":
                raise options_invalid(
                    options_kind,
                    "dryRun",
                    f'Unsupported value: "{v}": supported values: "All"',
                    "FieldValueNotSupported",
                )
        return bool(vals)

    async def _body(self, request: web.Request, yaml_ok: bool = True) -> Any:
        ct = (request.headers.get("Content-Type") or "application/json").split(";")[0].strip().lower()
        raw = await request.read()
        if "protobuf" in ct:
            return protobuf.decode(raw)
        if "cbor" in ct:
            raise st.unsupported_media_type(
                ["application/json", "application/yaml", "application/vnd.kubernetes.protobuf"]
            )
        if not raw.strip():
            raise st.bad_request("the body of the request was empty")
        try:
            return json.loads(raw)
        except ValueError as exc:
            if yaml_ok and "yaml" in ct:
                try:
                    return yaml.load(raw, Loader=_YamlLoader)
                except yaml.YAMLError as yexc:
                    raise st.bad_request(f"error decoding YAML: {yexc}") from None
            raise st.bad_request(f"couldn't get version/kind; json parse error: {exc}") from None

    async def _delete_options(self, request: web.Request) -> dict[str, Any]:
        raw = await request.read()
        if not raw.strip():
            return {}
        try:
            opts = json.loads(raw)
        except ValueError as exc:
            raise st.bad_request(f"couldn't get version/kind; json parse error: {exc}") from None
        return opts if isinstance(opts, dict) else {}

    # ---- reads ----------------------------------------------------------------------
    def _object_response(
        self, request: web.Request, rt: ResourceType, obj: dict[str, Any], code: int, warnings: list[str] | None = None
    ) -> web.Response:
        if obj.get("apiVersion") != rt.api_version:
            obj = {**obj, "apiVersion": rt.api_version}
        mode, av = negotiate(request.headers.get("Accept", ""))
        if mode == "table":
            resp = json_response(
                table.table(
                    rt,
                    [obj],
                    av,
                    request.query.get("includeObject", "Metadata"),
                    {"resourceVersion": obj["metadata"].get("resourceVersion", "")},
                ),
                code,
            )
        elif mode == "meta":
            resp = json_response(self._partial(obj, av), code)
        else:
            resp = json_response(obj, code)
        for text in warnings or ():
            resp.headers.add("Warning", warning_header(text))
        return resp

    @staticmethod
    def _partial(obj: dict[str, Any], av: str) -> dict[str, Any]:
        return {"kind": "PartialObjectMetadata", "apiVersion": av, "metadata": obj.get("metadata") or {}}

    @staticmethod
    def _min_rv(rv_param: str) -> int:
        """A read's resourceVersion as a number (0 for "" and "0": any version will do)."""
        if rv_param in ("", "0"):
            return 0
        try:
            return int(rv_param)
        except ValueError:
            raise st.bad_request(f'Invalid value: "{rv_param}": invalid resource version') from None

    def get(
        self, request: web.Request, rt: ResourceType, namespace: str | None, name: str | None, sub: str | None
    ) -> web.StreamResponse:
        crud = self.emu.crud
        # A read at least as fresh as a resourceVersion the store has not reached (a client
        # that talked to another server): kube-apiserver waits 3 s for its cache, then 504.
        wanted = self._min_rv(request.query.get("resourceVersion", ""))
        if wanted > self.emu.store.rv:
            raise too_large(wanted, self.emu.store.rv)
        if name is not None:
            entry = crud.get(rt, namespace, name)
            if sub == "scale":
                return json_response(scale.to_scale(rt, entry.obj, self._crd_of(rt)))
            mode, _ = negotiate(request.headers.get("Accept", ""))
            if mode == "json":
                return raw_response(entry.raw_as(rt.api_version))
            return self._object_response(request, rt, entry.obj, 200)
        q = request.query
        pred = make_filter(q.get("labelSelector"), q.get("fieldSelector"), rt.kind)
        try:
            limit = int(q.get("limit") or 0)
        except ValueError:
            raise st.bad_request(f"invalid limit: {q.get('limit')!r}") from None
        entries, rv, token, remaining = crud.list(rt, namespace, pred, max(limit, 0), q.get("continue") or None)
        list_meta: dict[str, Any] = {"resourceVersion": str(rv)}
        if token:
            list_meta["continue"] = token
            if remaining is not None:
                list_meta["remainingItemCount"] = remaining
        mode, av = negotiate(request.headers.get("Accept", ""))
        if mode == "table":
            objs = [
                {**e.obj, "apiVersion": rt.api_version} if e.obj.get("apiVersion") != rt.api_version else e.obj
                for e in entries
            ]
            return json_response(table.table(rt, objs, av, q.get("includeObject", "Metadata"), list_meta))
        if mode == "meta":
            return json_response(
                {
                    "kind": "PartialObjectMetadataList",
                    "apiVersion": av,
                    "metadata": list_meta,
                    "items": [self._partial(e.obj, av) for e in entries],
                }
            )
        head = to_json({"kind": rt.list_kind, "apiVersion": rt.api_version, "metadata": list_meta})
        av_ = rt.api_version
        body = head[:-1] + b',"items":[' + b",".join(e.raw_as(av_) for e in entries) + b"]}"
        return raw_response(body)

    def _crd_of(self, rt: ResourceType) -> dict[str, Any] | None:
        if not rt.crd_name:
            return None
        e = self.emu.store.get(CRD_KEY, "", rt.crd_name)
        return e.obj if e else None

    # ---- watch ----------------------------------------------------------------------
    async def watch(
        self, request: web.Request, rt: ResourceType, namespace: str | None, name: str | None
    ) -> web.StreamResponse:
        emu = self.emu
        q = request.query
        fsel = q.get("fieldSelector") or ""
        if name:
            fsel = ",".join(x for x in (fsel, f"metadata.name={name}") if x)
        pred = make_filter(q.get("labelSelector"), fsel, rt.kind)
        bookmarks = parse_bool(q, "allowWatchBookmarks")
        send_initial = parse_bool(q, "sendInitialEvents")
        rv_param = q.get("resourceVersion", "")
        timeout: float | None = None
        if q.get("timeoutSeconds"):
            try:
                timeout = float(q["timeoutSeconds"])
            except ValueError:
                raise st.bad_request(f"invalid timeoutSeconds {q['timeoutSeconds']!r}") from None
            timeout = timeout if timeout > 0 else None
        initial_end: int | None = None
        if send_initial:
            if q.get("resourceVersionMatch") != "NotOlderThan":
                raise EmulatorError(
                    422,
                    "Invalid",
                    'ListOptions.meta.k8s.io "" is invalid: resourceVersionMatch: '
                    "Forbidden: sendInitialEvents requires setting resourceVersionMatch to "
                    "NotOlderThan",
                    {"group": "meta.k8s.io", "kind": "ListOptions"},
                )
            since = None
            wanted = self._min_rv(rv_param)
            if wanted > emu.store.rv:  # the watch cache waits (3 s) to be that fresh, then gives up
                resp = await start_stream(request)
                await resp.write(error_line(too_large(wanted, emu.store.rv)))
                await resp.write_eof()
                return resp
        elif rv_param in ("", "0"):
            since = None
        else:
            try:
                since = int(rv_param)
            except ValueError:
                raise st.bad_request(f'Invalid value: "{rv_param}": invalid resource version') from None
        mode, tav = negotiate(request.headers.get("Accept", ""))
        av = rt.api_version
        watcher = Watcher(rt, namespace, pred)
        try:
            initial = emu.hub.subscribe(watcher, since)
        except EmulatorError as err:
            resp = await start_stream(request)
            await resp.write(error_line(err))
            await resp.write_eof()
            return resp
        if send_initial and bookmarks:
            initial_end = emu.store.rv
        if mode == "table":
            cols = table.columns_for(rt)
            include = q.get("includeObject", "Metadata")
            defs = table.column_definitions(cols)

            def encode(t: str, item: Any) -> bytes:
                obj = item.obj if item.obj.get("apiVersion") == av else {**item.obj, "apiVersion": av}
                tbl = {
                    "kind": "Table",
                    "apiVersion": tav,
                    "metadata": {"resourceVersion": obj["metadata"].get("resourceVersion")},
                    "columnDefinitions": defs,
                    "rows": [table.row(cols, obj, include)],
                }
                return event_line(t, to_json(tbl))
        elif mode == "meta":

            def encode(t: str, item: Any) -> bytes:
                return event_line(t, to_json(self._partial(item.obj, tav)))
        else:

            def encode(t: str, item: Any) -> bytes:
                return event_line(t, item.raw_as(av))

        return await stream(
            request,
            emu.hub,
            watcher,
            initial,
            encode,
            bookmarks=bookmarks,
            interval=emu.bookmark_interval,
            timeout=timeout,
            initial_end_rv=initial_end,
            api_version=av,
        )

    # ---- writes ---------------------------------------------------------------------
    async def patch(
        self,
        request: web.Request,
        rt: ResourceType,
        namespace: str | None,
        name: str,
        sub: str | None,
        dry_run: bool,
        fm: str | None,
        fv: str = "Warn",
    ) -> web.StreamResponse:
        ct = (request.headers.get("Content-Type") or "").split(";")[0].strip().lower()
        ptype = PATCH_TYPES.get(ct)
        if ptype is None:
            raise st.unsupported_media_type(list(PATCH_TYPES)[:4])
        if ptype == "apply" and "cbor" in ct:
            raise st.unsupported_media_type(list(PATCH_TYPES)[:4])
        force = parse_bool(request.query, "force")
        if force and ptype != "apply":
            raise options_invalid(
                "PatchOptions", "force", "Forbidden: may not be specified for non-apply patch", "FieldValueForbidden"
            )
        body = await self._body(request, yaml_ok=(ptype == "apply"))
        crud = self.emu.crud
        if sub == "scale":
            entry = crud.get(rt, namespace, name)
            crd = self._crd_of(rt)
            cur_scale = scale.to_scale(rt, entry.obj, crd)
            if ptype == "json":
                new_scale = patching.json_patch(cur_scale, body)
            else:
                new_scale = patching.merge_patch(cur_scale, body)
            return self._scale_write(request, rt, namespace, name, new_scale, dry_run)
        existed = (
            ptype != "apply"
            or self.emu.store.get(rt.key, (namespace or "default") if rt.namespaced else "", name) is not None
        )
        warnings: list[str] = []
        entry = crud.patch(
            rt,
            namespace,
            name,
            body,
            ptype,
            dry_run=dry_run,
            subresource=sub,
            http=True,
            field_manager=fm,
            force=force,
            field_validation=fv,
            warnings=warnings,
        )
        return self._object_response(request, rt, entry.obj, 200 if existed else 201, warnings)

    def _scale_write(
        self, request: web.Request, rt: ResourceType, namespace: str | None, name: str, body: Any, dry_run: bool
    ) -> web.Response:
        if not isinstance(body, dict):
            raise st.bad_request("the object provided is unrecognized (must be a Scale)")
        crud = self.emu.crud
        entry = crud.get(rt, namespace, name)
        crd = self._crd_of(rt)
        new = scale.apply_scale(rt, entry.obj, body, crd)
        result = crud.update(rt, new, namespace, name, dry_run=dry_run, http=True)
        return json_response(scale.to_scale(rt, result.obj, crd))

    def delete_collection(
        self, request: web.Request, rt: ResourceType, namespace: str | None, dry_run: bool, policy: str | None = None
    ) -> web.Response:
        q = request.query
        pred = make_filter(q.get("labelSelector"), q.get("fieldSelector"), rt.kind)
        entries, rv, _, _ = self.emu.crud.list(rt, namespace, pred)
        deleted = []
        for e in entries:
            md = e.obj["metadata"]
            try:
                d, _ = self.emu.crud.delete(rt, md.get("namespace"), md["name"], dry_run=dry_run, propagation=policy)
            except EmulatorError:
                continue
            deleted.append(d.obj)
        return json_response(
            {
                "kind": rt.list_kind,
                "apiVersion": rt.api_version,
                "metadata": {"resourceVersion": str(self.emu.store.rv)},
                "items": deleted,
            }
        )


def warning_header(text: str) -> str:
    """A ``Warning`` header value as kube-apiserver writes it: code 299, agent "-", quoted text."""
    quoted = json.dumps(text, ensure_ascii=False)
    return f"299 - {quoted}"


def build_app(emu: KubeEmulator) -> web.Application:
    app = web.Application(client_max_size=64 * 1024 * 1024)
    api = Api(emu)
    podlog.register(app, api)  # pods/NAME/log, ahead of the catch-all
    svcproxy.register(app, api)  # services/NAME/proxy, likewise
    metrics.register(app, api)  # metrics.k8s.io (kubectl top), and /apis with it
    app.router.add_route("*", "/{tail:.*}", api.handle)
    return app
