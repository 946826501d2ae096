"""HTTP answer helpers: JSON bodies, Status errors, Accept negotiation, query parameters."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from . import status as st
from .status import EmulatorError
from .storage import to_json

_TRUE = {"1", "t", "T", "TRUE", "true", "True"}
_FALSE = {"", "0", "f", "F", "FALSE", "false", "False"}
META_V1 = "meta.k8s.io/v1"


def parse_bool(q: Any, name: str) -> bool:
    v = q.get(name)
    if v is None:
        return False
    if v in _TRUE:
        return True
    if v in _FALSE:
        return False
    raise st.bad_request(f'strconv.ParseBool: parsing "{v}": invalid syntax (query parameter {name})')


def json_response(obj: Any, status: int = 200) -> web.Response:
    return web.Response(body=to_json(obj), status=status, content_type="application/json")


def raw_response(body: bytes, status: int = 200) -> web.Response:
    return web.Response(body=body, status=status, content_type="application/json")


def error_response(err: EmulatorError) -> web.Response:
    return json_response(err.status, err.code)


def negotiate(accept: str) -> tuple[str, str]:
    """("json"|"table"|"meta", apiVersion for table/meta) from an Accept header."""
    if not accept:
        return "json", ""
    for part in accept.split(","):
        fields = [f.strip() for f in part.split(";")]
        mtype = fields[0].lower()
        params = dict(f.split("=", 1) for f in fields[1:] if "=" in f)
        if mtype not in ("application/json", "*/*", "application/*", "application/yaml"):
            continue
        as_ = params.get("as")
        if as_ is None:
            return "json", ""
        if params.get("g") != "meta.k8s.io" or params.get("v") not in ("v1", "v1beta1"):
            continue
        if as_ == "Table":
            return "table", f"meta.k8s.io/{params['v']}"
        if as_ in ("PartialObjectMetadata", "PartialObjectMetadataList"):
            return "meta", f"meta.k8s.io/{params['v']}"
    if "application/json" in accept or "*/*" in accept:
        return "json", ""
    raise st.not_acceptable("only the following media types are accepted: application/json")


def options_invalid(kind: str, field: str, detail: str, reason: str) -> EmulatorError:
    """422 for a bad query option, as ValidateCreateOptions/ValidatePatchOptions report it."""
    return EmulatorError(
        422,
        "Invalid",
        f'{kind}.meta.k8s.io "" is invalid: {field}: {detail}',
        {"group": "meta.k8s.io", "kind": kind, "causes": [{"reason": reason, "message": detail, "field": field}]},
    )
