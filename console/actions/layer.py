"""Send mutations: read-only refusal, request building, error mapping, audit."""

from __future__ import annotations

from typing import Any

from inference_console.actions.audit import AuditLog
from inference_console.actions.types import ActionError, ActionResult, Cause, ErrorKind, Mutation, PatchType, Verb
from inference_console.sources.base import SourceError
from inference_console.sources.kube.errors import KubeError
from inference_console.sources.kube.transport import JSON, ResourceRef

FIELD_MANAGER = "inference-console"


def error_from_kube(err: KubeError, mutation: Mutation) -> ActionError:
    ref = mutation.ref
    where = f" in namespace {ref.namespace}" if ref.namespaced and ref.namespace else ""
    if err.code == 0:
        return ActionError(
            ErrorKind.CONNECTION,
            f"no answer from the cluster ({err.message}); the change may not have been applied — "
            "your edit is kept, retry when the connection is back",
        )
    if err.code == 401:
        return ActionError(
            ErrorKind.UNAUTHORIZED, f"unauthorized: the cluster rejected the credentials ({err.message})", code=401
        )
    if err.code == 403:
        return ActionError(
            ErrorKind.FORBIDDEN,
            f"forbidden: you may not {mutation.verb.value} {ref.resource} {ref.name!r}{where}. "
            f"Server said: {err.message}",
            code=403,
        )
    if err.code == 404:
        return ActionError(
            ErrorKind.NOT_FOUND, f"{ref.describe()} no longer exists (deleted meanwhile?): {err.message}", code=404
        )
    if err.code == 409:
        return ActionError(ErrorKind.CONFLICT, f"conflict: {err.message}", _causes(err), code=409)
    if err.code == 422 or err.code == 400:
        return ActionError(
            ErrorKind.INVALID, f"the server rejected {ref.describe()}: {err.message}", _causes(err), code=err.code
        )
    if err.code == 415:
        return ActionError(ErrorKind.UNSUPPORTED, f"unsupported request: {err.message}", code=415)
    return ActionError(ErrorKind.SERVER, err.summary(), _causes(err), code=err.code)


def error_from_source(err: SourceError, mutation: Mutation) -> ActionError:
    """A source's failure (``code``: HTTP status, 0 = no answer) as an action error."""
    code = int(getattr(err, "code", 0) or 0)
    kinds = {
        401: ErrorKind.UNAUTHORIZED,
        403: ErrorKind.FORBIDDEN,
        404: ErrorKind.NOT_FOUND,
        409: ErrorKind.CONFLICT,
        400: ErrorKind.INVALID,
        422: ErrorKind.INVALID,
        0: ErrorKind.CONNECTION,
    }
    kind = kinds.get(code, ErrorKind.SERVER)
    message = err.summary()
    if kind is ErrorKind.CONNECTION:
        message += "; the change may not have been applied"
    return ActionError(kind, f"{mutation.ref.describe()}: {message}", code=code)


def readonly_error(mutation: Mutation) -> ActionError:
    """The refusal of read-only mode: it happens before anything is sent, dry runs included."""
    not_even = ", not even a server-side dry run" if mutation.dry_run else ""
    return ActionError(
        ErrorKind.READONLY,
        f"read-only mode: refusing to {mutation.verb.value} {mutation.ref.describe()}. Read-only mode refused it "
        f"before sending: nothing was sent{'' if mutation.executor is not None else ' to the cluster'}{not_even} "
        "(started with --readonly or readonly = true for this context)",
    )


def _causes(err: KubeError) -> tuple[Cause, ...]:
    causes = ((err.status.get("details") or {}).get("causes")) or []
    out = []
    for cause in causes:
        if isinstance(cause, dict):
            out.append(Cause(str(cause.get("field", "")), str(cause.get("message", "")), str(cause.get("reason", ""))))
    return tuple(out)


def request_for(m: Mutation) -> tuple[str, str, list[tuple[str, str]], Any, str]:
    """(method, path, query, body, content type) for a mutation (pure)."""
    ref = m.ref
    rr = ResourceRef(ref.group, ref.version, ref.plural, ref.namespaced)
    query: list[tuple[str, str]] = []
    if m.dry_run:
        query.append(("dryRun", "All"))
    body = m.body
    if m.verb is Verb.CREATE:
        query.append(("fieldManager", FIELD_MANAGER))
        return "POST", rr.collection_path(ref.namespace), query, body, JSON
    if m.verb is Verb.REPLACE:
        query.append(("fieldManager", FIELD_MANAGER))
        if m.resource_version and isinstance(body, dict):
            body = {**body, "metadata": {**(body.get("metadata") or {}), "resourceVersion": m.resource_version}}
        return "PUT", rr.object_path(ref.namespace, ref.name), query, body, JSON
    if m.verb is Verb.PATCH:
        patch_type = m.patch_type or PatchType.MERGE
        query.append(("fieldManager", FIELD_MANAGER))
        if patch_type is PatchType.APPLY and m.force:
            query.append(("force", "true"))
        if m.resource_version and isinstance(body, dict) and patch_type is not PatchType.JSON:
            body = {**body, "metadata": {**(body.get("metadata") or {}), "resourceVersion": m.resource_version}}
        return "PATCH", rr.object_path(ref.namespace, ref.name), query, body, patch_type.value
    if m.verb is Verb.DELETE:
        body = {"kind": "DeleteOptions", "apiVersion": "v1", "propagationPolicy": "Background"}
        if m.resource_version:
            body["preconditions"] = {"resourceVersion": m.resource_version}
        return "DELETE", rr.object_path(ref.namespace, ref.name), query, body, JSON
    raise ValueError(f"unknown verb {m.verb}")


class ActionLayer:
    def __init__(self, transport: Any, *, readonly: bool, audit: AuditLog | None = None) -> None:
        self.transport = transport
        self.readonly = readonly
        self.audit = audit

    async def run(self, mutation: Mutation) -> ActionResult:
        if self.readonly:
            result = ActionResult(mutation, error=readonly_error(mutation))
            self._audit(result)
            return result
        if mutation.executor is not None:
            result = await self._execute(mutation)
            self._audit(result)
            return result
        method, path, query, body, content_type = request_for(mutation)
        try:
            obj, warnings = await self.transport.send(method, path, query, body, content_type)
        except KubeError as err:
            result = ActionResult(mutation, error=error_from_kube(err, mutation), warnings=tuple(err.warnings))
        except Exception as exc:  # noqa: BLE001 - an odd answer (e.g. undecodable JSON) is an error, not a hang
            result = ActionResult(
                mutation,
                error=ActionError(
                    ErrorKind.SERVER,
                    f"unexpected answer to {mutation.verb.value} {mutation.ref.describe()}: "
                    f"{type(exc).__name__}: {exc}",
                ),
            )
        else:
            result = ActionResult(mutation, object=obj if isinstance(obj, dict) else None, warnings=tuple(warnings))
        self._audit(result)
        return result

    async def _execute(self, mutation: Mutation) -> ActionResult:
        """A write the source carries out itself (see ``Mutation.executor``)."""
        try:
            obj = await mutation.executor.run(mutation)
        except SourceError as err:
            return ActionResult(mutation, error=error_from_source(err, mutation))
        except Exception as exc:  # noqa: BLE001 - an odd answer is an error, not a hang
            return ActionResult(
                mutation,
                error=ActionError(
                    ErrorKind.SERVER,
                    f"unexpected failure of {mutation.verb.value} {mutation.ref.describe()}: "
                    f"{type(exc).__name__}: {exc}",
                ),
            )
        return ActionResult(mutation, object=obj if isinstance(obj, dict) else None)

    def _audit(self, result: ActionResult) -> None:
        # Dry runs are not attempts, except in read-only mode: there the review's dry run is as far
        # as an attempt gets, and the README promises a line for each one.
        refused = result.error is not None and result.error.kind is ErrorKind.READONLY
        if self.audit is not None and (refused or not result.mutation.dry_run):
            try:
                self.audit.record(result)
            except OSError:
                pass  # an unwritable audit log must not block an on-call fix; the UI shows the result
