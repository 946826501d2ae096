"""Kubernetes ``Status`` error objects (the body of every non-2xx answer)."""

from __future__ import annotations

from typing import Any

OPTIMISTIC_LOCK_MSG = "the object has been modified; please apply your changes to the latest version and try again"


def qualified(resource: str, group: str) -> str:
    """``pods`` or ``inferenceservices.serving.kserve.io``, as apiserver messages spell it."""
    return f"{resource}.{group}" if group else resource


class EmulatorError(Exception):
    """An API error; ``.status`` is the Kubernetes Status dict the HTTP API answers with."""

    def __init__(self, code: int, reason: str, message: str, details: dict[str, Any] | None = None):
        super().__init__(message)
        self.code = int(code)
        self.reason = reason
        self.message = message
        self.details = details

    @property
    def status(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "kind": "Status",
            "apiVersion": "v1",
            "metadata": {},
            "status": "Failure",
            "message": self.message,
        }
        if self.reason:  # an error that is not a StatusError (a 500) has no reason
            out["reason"] = self.reason
        if self.details is not None:
            out["details"] = self.details
        out["code"] = self.code
        return out

    def __repr__(self) -> str:
        return f"EmulatorError({self.code}, {self.reason!r}, {self.message!r})"


def _details(name: str | None, group: str, resource: str) -> dict[str, Any]:
    d: dict[str, Any] = {}
    if name:
        d["name"] = name
    d["group"] = group
    d["kind"] = resource
    return d


def not_found(resource: str, group: str, name: str) -> EmulatorError:
    return EmulatorError(
        404, "NotFound", f'{qualified(resource, group)} "{name}" not found', _details(name, group, resource)
    )


def no_such_resource(message: str = "the server could not find the requested resource") -> EmulatorError:
    return EmulatorError(404, "NotFound", message, {})


def already_exists(resource: str, group: str, name: str) -> EmulatorError:
    return EmulatorError(
        409,
        "AlreadyExists",
        f'{qualified(resource, group)} "{name}" already exists',
        _details(name, group, resource),
    )


def conflict(resource: str, group: str, name: str, why: str = OPTIMISTIC_LOCK_MSG) -> EmulatorError:
    return EmulatorError(
        409,
        "Conflict",
        f'Operation cannot be fulfilled on {qualified(resource, group)} "{name}": {why}',
        _details(name, group, resource),
    )


def bad_request(message: str) -> EmulatorError:
    return EmulatorError(400, "BadRequest", message)


def invalid(kind: str, group: str, name: str, message: str, causes: list[dict] | None = None) -> EmulatorError:
    details: dict[str, Any] = {"name": name, "group": group, "kind": kind}
    if causes:
        details["causes"] = causes
    return EmulatorError(
        422,
        "Invalid",
        f'{kind}.{group} "{name}" is invalid: {message}' if group else f'{kind} "{name}" is invalid: {message}',
        details,
    )


def expired(message: str) -> EmulatorError:
    return EmulatorError(410, "Expired", message)


def forbidden(
    resource: str,
    group: str,
    name: str | None,
    verb: str,
    namespace: str | None,
    user: str = "system:anonymous",
    subresource: str = "",
) -> EmulatorError:
    res = f"{resource}/{subresource}" if subresource else resource
    who = f'{qualified(resource, group)} "{name}"' if name else qualified(resource, group)
    msg = f'{who} is forbidden: User "{user}" cannot {verb} resource "{res}" in API group "{group}"'
    msg += f' in the namespace "{namespace}"' if namespace else " at the cluster scope"
    return EmulatorError(403, "Forbidden", msg, _details(name, group, resource))


def unauthorized() -> EmulatorError:
    return EmulatorError(401, "Unauthorized", "Unauthorized")


def method_not_allowed(
    message: str = "the server does not allow this method on the requested resource",
) -> EmulatorError:
    return EmulatorError(405, "MethodNotAllowed", message, {})


def unsupported_media_type(accepted: list[str]) -> EmulatorError:
    return EmulatorError(
        415,
        "UnsupportedMediaType",
        f"the body of the request was in an unknown format - accepted media types include: {', '.join(accepted)}",
    )


def not_acceptable(message: str) -> EmulatorError:
    return EmulatorError(406, "NotAcceptable", message, {})


def success_status(name: str, group: str, resource: str, uid: str | None = None) -> dict[str, Any]:
    details = _details(name, group, resource)
    if uid:
        details["uid"] = uid
    return {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Success", "details": details}
