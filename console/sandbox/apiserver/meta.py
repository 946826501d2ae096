"""Small object-metadata helpers: timestamps, uids, names, validation."""

from __future__ import annotations

import random
import re
import time
import uuid
from datetime import datetime, timezone
from typing import Any

from .status import EmulatorError

_SUBDOMAIN = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")
_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
_GEN_CHARS = "bcdfghjklmnpqrstvwxz2456789"


def now_rfc3339() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())


def parse_rfc3339(s: str) -> datetime | None:
    try:
        return datetime.strptime(s.replace("Z", "+0000")[:19] + "+0000", "%Y-%m-%dT%H:%M:%S%z")
    except (ValueError, TypeError, AttributeError):
        return None


def human_age(ts: str | None) -> str:
    """Kubernetes' HumanDuration of the time since ``ts`` ("45s", "3m2s", "5h", "2d")."""
    t = parse_rfc3339(ts or "")
    if t is None:
        return "<unknown>"
    secs = int((datetime.now(timezone.utc) - t).total_seconds())
    if secs < 0:
        secs = 0
    if secs < 120:
        return f"{secs}s"
    mins = secs // 60
    if mins < 10:
        return f"{mins}m{secs % 60}s" if secs % 60 else f"{mins}m"
    if mins < 180:
        return f"{mins}m"
    hours = secs // 3600
    if hours < 8:
        return f"{hours}h{mins % 60}m" if mins % 60 else f"{hours}h"
    if hours < 48:
        return f"{hours}h"
    days = hours // 24
    if days < 8:
        return f"{days}d{hours % 24}h" if hours % 24 else f"{days}d"
    if days < 365 * 2:
        return f"{days}d"
    return f"{days // 365}y{days % 365}d" if days < 365 * 8 else f"{days // 365}y"


def new_uid() -> str:
    return str(uuid.uuid4())


def generated_name(prefix: str) -> str:
    return prefix + "".join(random.choice(_GEN_CHARS) for _ in range(5))


def validate_name(kind: str, group: str, name: str, dns_label: bool = False) -> None:
    if dns_label:
        ok, limit = _LABEL.match(name), 63
        detail = (
            "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', "
            "and must start and end with an alphanumeric character"
        )
    else:
        ok, limit = _SUBDOMAIN.match(name), 253
        detail = (
            "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', "
            "and must start and end with an alphanumeric character"
        )
    if ok and len(name) <= limit:
        return
    if not ok:
        msg = f'metadata.name: Invalid value: "{name}": {detail}'
    else:
        msg = f'metadata.name: Invalid value: "{name}": must be no more than {limit} characters'
    qual = f"{kind}.{group}" if group else kind
    raise EmulatorError(
        422,
        "Invalid",
        f'{qual} "{name}" is invalid: {msg}',
        {
            "name": name,
            "group": group,
            "kind": kind,
            "causes": [{"reason": "FieldValueInvalid", "message": msg.split(": ", 1)[1], "field": "metadata.name"}],
        },
    )


def spec_part(obj: dict[str, Any]) -> dict[str, Any]:
    """Everything that counts towards metadata.generation (all but metadata/status/apiVersion/kind)."""
    return {k: v for k, v in obj.items() if k not in ("metadata", "status", "apiVersion", "kind")}


def same_object(a: dict[str, Any], b: dict[str, Any]) -> bool:
    """Equal apart from metadata.resourceVersion and managedFields timestamps."""
    ma, mb = dict(a.get("metadata") or {}), dict(b.get("metadata") or {})
    for m in (ma, mb):
        m.pop("resourceVersion", None)
        mf = m.get("managedFields")
        if mf:
            m["managedFields"] = [{k: v for k, v in e.items() if k != "time"} for e in mf]
    return ma == mb and {k: v for k, v in a.items() if k != "metadata"} == {
        k: v for k, v in b.items() if k != "metadata"
    }


def clone(v: Any) -> Any:
    """A deep copy of JSON-shaped data (dicts, lists, scalars): much faster than copy.deepcopy."""
    if isinstance(v, dict):
        return {k: clone(x) if isinstance(x, (dict, list)) else x for k, x in v.items()}
    if isinstance(v, list):
        return [clone(x) if isinstance(x, (dict, list)) else x for x in v]
    return v
