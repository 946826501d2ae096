"""Typed mutation requests and their results (no I/O)."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class ObjectRef:
    """Which object a mutation is about, with what is needed to build its API path."""

    group: str
    version: str
    plural: str
    kind: str
    namespaced: bool
    namespace: str | None
    name: str

    @property
    def api_version(self) -> str:
        return f"{self.group}/{self.version}" if self.group else self.version

    @property
    def resource(self) -> str:
        return f"{self.plural}.{self.group}" if self.group else self.plural

    def describe(self) -> str:
        where = f"{self.namespace}/" if self.namespaced and self.namespace else ""
        return f"{self.kind} {where}{self.name}"

    @classmethod
    def from_spec(cls, spec: Any, namespace: str | None, name: str) -> "ObjectRef":
        return cls(
            spec.group,
            spec.version,
            spec.plural,
            spec.kind,
            spec.namespaced,
            namespace if spec.namespaced else None,
            name,
        )


class Verb(str, enum.Enum):
    CREATE = "create"
    REPLACE = "update"  # PUT, as RBAC names it
    PATCH = "patch"
    DELETE = "delete"


class PatchType(str, enum.Enum):
    MERGE = "application/merge-patch+json"  # RFC 7386: custom resources
    STRATEGIC = "application/strategic-merge-patch+json"  # built-in kinds: lists merged by key
    JSON = "application/json-patch+json"  # RFC 6902: list edits by index, with test ops
    APPLY = "application/apply-patch+yaml"  # server-side apply, field manager inference-console


@dataclass(frozen=True)
class Mutation:
    verb: Verb
    ref: ObjectRef
    body: Any = None  # the object (create/update) or the patch (patch)
    patch_type: PatchType | None = None
    resource_version: str | None = None  # a stale write must fail (409) when set
    dry_run: bool = False
    force: bool = False  # server-side apply only
    summary: str = ""  # what a person asked for: "scale BentoDeployment x to 3"
    # A write to something other than the cluster (a Model Registry object): the source gives
    # an executor with ``preview(mutation) -> str`` and ``async run(mutation) -> dict`` (a dry
    # run when ``mutation.dry_run``; raises SourceError).  Read-only refusal and audit as any write.
    executor: Any = field(default=None, compare=False)

    def preview(self) -> str:
        """The exact request, as shown before it is sent."""
        import json

        if self.executor is not None:
            return self.executor.preview(self)
        head = {Verb.CREATE: "POST", Verb.REPLACE: "PUT", Verb.PATCH: "PATCH", Verb.DELETE: "DELETE"}[self.verb]
        lines = [f"{head} {self.ref.describe()}"]
        if self.patch_type is not None:
            lines.append(f"Content-Type: {self.patch_type.value}")
        if self.resource_version:
            lines.append(f"precondition: resourceVersion {self.resource_version}")
        if self.body is not None:
            lines.append(json.dumps(self.body, indent=2, sort_keys=False))
        return "\n".join(lines)


class ErrorKind(str, enum.Enum):
    READONLY = "readonly"
    INVALID = "invalid"  # 422 (or our own checks before sending)
    FORBIDDEN = "forbidden"  # 403
    UNAUTHORIZED = "unauthorized"  # 401
    CONFLICT = "conflict"  # 409
    NOT_FOUND = "not found"  # 404
    UNSUPPORTED = "unsupported"  # 415 and the like
    CONNECTION = "connection"  # no answer: the request may or may not have landed
    SERVER = "server"  # anything else


@dataclass(frozen=True)
class Cause:
    field: str
    message: str
    reason: str = ""


@dataclass(frozen=True)
class ActionError:
    kind: ErrorKind
    message: str
    causes: tuple[Cause, ...] = ()
    code: int = 0

    def render(self) -> str:
        lines = [self.message]
        lines.extend(f"  • {c.field or '(object)'}: {c.message}" for c in self.causes)
        return "\n".join(lines)

    @property
    def retryable(self) -> bool:
        return self.kind in (ErrorKind.CONNECTION, ErrorKind.SERVER)


@dataclass(frozen=True)
class ActionResult:
    mutation: Mutation
    object: dict[str, Any] | None = None
    error: ActionError | None = None
    warnings: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        return self.error is None

    def message(self) -> str:
        if self.error is not None:
            return self.error.render()
        what = self.mutation.summary or f"{self.mutation.verb.value} {self.mutation.ref.describe()}"
        return f"{'dry run ok' if self.mutation.dry_run else 'done'}: {what}"
