"""Decoding the few protobuf request bodies kubectl sends (``application/vnd.kubernetes.protobuf``).

kubectl's typed clients send built-in objects as protobuf: ``kubectl auth can-i`` and
``kubectl auth whoami`` (the self reviews) and ``kubectl create namespace|configmap|secret``.
This decodes those kinds into the JSON form the emulator works on. Any other kind, or a field
of a decoded kind that is not listed here, is refused with 415 rather than guessed at: the
answer then says to send JSON (``kubectl create -f`` does).

The body is the Kubernetes envelope: the magic ``k8s\\0`` then a ``runtime.Unknown`` message
(typeMeta, raw, contentEncoding, contentType) whose ``raw`` is the object's own message.
"""

from __future__ import annotations

import base64
from typing import Any, Callable, Union

from .status import EmulatorError

MAGIC = b"k8s\x00"
SUPPORTED = "Namespace, ConfigMap, Secret, ServiceAccount and the self reviews (kubectl auth can-i / whoami)"

# A message schema: field number -> (JSON name, type, repeated). Types: "string", "bytes",
# "int64", "bool", "time" (metav1.Time), ("map", value type), IGNORED or a nested schema.
Schema = dict[int, tuple[str, Any, bool]]

TYPE_META: Schema = {1: ("apiVersion", "string", False), 2: ("kind", "string", False)}
UNKNOWN: Schema = {
    1: ("typeMeta", TYPE_META, False),
    2: ("raw", "bytes", False),
    3: ("contentEncoding", "string", False),
    4: ("contentType", "string", False),
}
OBJECT_META: Schema = {
    1: ("name", "string", False),
    2: ("generateName", "string", False),
    3: ("namespace", "string", False),
    4: ("selfLink", "string", False),
    5: ("uid", "string", False),
    6: ("resourceVersion", "string", False),
    7: ("generation", "int64", False),
    8: ("creationTimestamp", "time", False),
    9: ("deletionTimestamp", "time", False),
    10: ("deletionGracePeriodSeconds", "int64", False),
    11: ("labels", ("map", "string"), False),
    12: ("annotations", ("map", "string"), False),
    14: ("finalizers", "string", True),
}
RESOURCE_ATTRIBUTES: Schema = {
    1: ("namespace", "string", False),
    2: ("verb", "string", False),
    3: ("group", "string", False),
    4: ("version", "string", False),
    5: ("resource", "string", False),
    6: ("subresource", "string", False),
    7: ("name", "string", False),
}
NON_RESOURCE_ATTRIBUTES: Schema = {1: ("path", "string", False), 2: ("verb", "string", False)}
IGNORED = "ignored"  # a server-set part (a review's status): read past, not decoded

KINDS: dict[str, Schema] = {
    "Namespace": {
        1: ("metadata", OBJECT_META, False),
        2: ("spec", {1: ("finalizers", "string", True)}, False),
        3: ("status", {1: ("phase", "string", False)}, False),
    },
    "ConfigMap": {
        1: ("metadata", OBJECT_META, False),
        2: ("data", ("map", "string"), False),
        3: ("binaryData", ("map", "bytes"), False),
        4: ("immutable", "bool", False),
    },
    "Secret": {
        1: ("metadata", OBJECT_META, False),
        2: ("data", ("map", "bytes"), False),
        3: ("type", "string", False),
        4: ("stringData", ("map", "string"), False),
        5: ("immutable", "bool", False),
    },
    "ServiceAccount": {1: ("metadata", OBJECT_META, False), 4: ("automountServiceAccountToken", "bool", False)},
    "SelfSubjectAccessReview": {
        1: ("metadata", OBJECT_META, False),
        2: (
            "spec",
            {
                1: ("resourceAttributes", RESOURCE_ATTRIBUTES, False),
                2: ("nonResourceAttributes", NON_RESOURCE_ATTRIBUTES, False),
            },
            False,
        ),
        3: ("status", IGNORED, False),
    },
    "SelfSubjectRulesReview": {
        1: ("metadata", OBJECT_META, False),
        2: ("spec", {1: ("namespace", "string", False)}, False),
        3: ("status", IGNORED, False),
    },
    "SelfSubjectReview": {1: ("metadata", OBJECT_META, False), 2: ("status", IGNORED, False)},
}


def unsupported(detail: str) -> EmulatorError:
    return EmulatorError(
        415,
        "UnsupportedMediaType",
        f"the emulator decodes protobuf bodies for {SUPPORTED} only ({detail}); "
        "send the object as JSON (kubectl create -f FILE)",
        {},
    )


def _varint(buf: bytes, i: int) -> tuple[int, int]:
    shift = result = 0
    while True:
        if i >= len(buf) or shift > 63:
            raise unsupported("truncated varint")
        b = buf[i]
        i += 1
        result |= (b & 0x7F) << shift
        if not b & 0x80:
            return result, i
        shift += 7


def _fields(buf: bytes) -> list[tuple[int, int, Union[int, bytes]]]:
    out: list[tuple[int, int, Union[int, bytes]]] = []
    i = 0
    while i < len(buf):
        tag, i = _varint(buf, i)
        num, wt = tag >> 3, tag & 7
        if wt == 0:
            v, i = _varint(buf, i)
            out.append((num, wt, v))
        elif wt == 2:
            n, i = _varint(buf, i)
            if i + n > len(buf):
                raise unsupported("truncated field")
            out.append((num, wt, buf[i : i + n]))
            i += n
        elif wt == 1:
            out.append((num, wt, buf[i : i + 8]))
            i += 8
        elif wt == 5:
            out.append((num, wt, buf[i : i + 4]))
            i += 4
        else:
            raise unsupported(f"wire type {wt}")
    return out


def _scalar(typ: str, wt: int, v: Union[int, bytes], where: str) -> Any:
    if typ in ("int64", "bool"):
        if wt != 0 or not isinstance(v, int):
            raise unsupported(f"{where}: not a varint")
        if typ == "bool":
            return bool(v)
        return v - (1 << 64) if v >= 1 << 63 else v
    if wt != 2 or not isinstance(v, bytes):
        raise unsupported(f"{where}: not length-delimited")
    if typ == "bytes":
        return base64.b64encode(v).decode()
    if typ == "string":
        try:
            return v.decode("utf-8")
        except UnicodeDecodeError:
            raise unsupported(f"{where}: not UTF-8") from None
    if typ == "time":
        secs = next((x for n, w, x in _fields(v) if n == 1 and w == 0), None)
        if not secs:
            return None
        import datetime

        return datetime.datetime.fromtimestamp(int(secs), datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    raise unsupported(f"{where}: type {typ}")


def decode_message(buf: bytes, schema: Schema, where: str) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for num, wt, v in _fields(buf):
        spec = schema.get(num)
        if spec is None:
            raise unsupported(f"field {num} of {where or 'the object'}")
        name, typ, repeated = spec
        path = f"{where}.{name}" if where else name
        if typ == IGNORED:
            continue
        if isinstance(typ, dict):
            if wt != 2 or not isinstance(v, bytes):
                raise unsupported(f"{path}: not a message")
            value: Any = decode_message(v, typ, path)
        elif isinstance(typ, tuple) and typ[0] == "map":
            if wt != 2 or not isinstance(v, bytes):
                raise unsupported(f"{path}: not a map entry")
            entry = decode_message(v, {1: ("key", "string", False), 2: ("value", typ[1], False)}, path)
            out.setdefault(name, {})[entry.get("key", "")] = entry.get("value", "" if typ[1] == "string" else "")
            continue
        else:
            value = _scalar(typ, wt, v, path)
        if repeated:
            out.setdefault(name, []).append(value)
        else:
            out[name] = value
    # what JSON's omitempty leaves out (protobuf carries empty strings and zero numbers)
    return {k: v for k, v in out.items() if not (v is None or v == "" or v == {} or (type(v) is int and v == 0))}


def decode(raw: bytes, expect_kind: Callable[[str], bool] | None = None) -> dict[str, Any]:
    """The JSON form of a protobuf-encoded built-in object (415 when it cannot be decoded)."""
    if not raw.startswith(MAGIC):
        raise unsupported("no k8s protobuf envelope")
    env = decode_message(raw[len(MAGIC) :], UNKNOWN, "")
    tm = env.get("typeMeta") or {}
    kind, api_version = tm.get("kind", ""), tm.get("apiVersion", "")
    if env.get("contentEncoding"):
        raise unsupported(f"content encoding {env['contentEncoding']}")
    schema = KINDS.get(kind)
    if schema is None:
        raise unsupported(f"kind {kind or '(none)'}")
    body = base64.b64decode(env.get("raw") or "")
    obj = decode_message(body, schema, "")
    return {"apiVersion": api_version, "kind": kind, **obj}
