"""What no dashboard shows without manual work (pure rules over GPU records).

* :func:`idle_requested` — GPUs held by a serving object's pod that stayed idle for the last
  hour (cost): highest utilisation over 1h under a threshold, for a pod at least an hour old.
* :func:`xid_serving` — serving objects whose pods sit on a GPU that reported an XID error
  in the last hour.

A GPU record is a dict as :mod:`~inference_console.sources.prometheus.fleet` builds it:
``key``, ``node``, ``gpu``, ``pod``, ``namespace``, ``owner`` ({kind, key, uid, name} or
None), ``pod_started`` (unix seconds or None; or ``pod_age``), ``util_max_1h``, ``xid``, ``xid_max_1h``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Iterable

IDLE_PERCENT = 5.0
HOUR = 3600.0


@dataclass(frozen=True)
class Finding:
    rule: str  # "idle-gpu" | "xid"
    namespace: str
    owner_kind: str
    owner_name: str
    owner_key: str  # the workspace view key of the owner ("inferenceservices.serving.kserve.io"…)
    owner_uid: str
    gpus: tuple[str, ...]
    detail: str

    @property
    def key(self) -> str:
        return f"{self.rule}:{self.namespace}/{self.owner_kind}/{self.owner_name}"


def _num(value: Any) -> float | None:
    if isinstance(value, (int, float)) and not math.isnan(value):
        return float(value)
    return None


def _group(gpus: Iterable[dict[str, Any]]) -> dict[tuple, list[dict[str, Any]]]:
    groups: dict[tuple, list[dict[str, Any]]] = {}
    for g in gpus:
        owner = g.get("owner")
        if not owner or not g.get("pod"):
            continue
        groups.setdefault(
            (
                g.get("namespace", ""),
                owner.get("kind", ""),
                owner.get("name", ""),
                owner.get("key", ""),
                owner.get("uid", ""),
            ),
            [],
        ).append(g)
    return groups


def idle_requested(
    gpus: Iterable[dict[str, Any]], threshold: float = IDLE_PERCENT, min_age: float = HOUR, now: float | None = None
) -> list[Finding]:
    import time

    now = time.time() if now is None else now
    gpus = [
        {
            **g,
            "pod_age": g.get("pod_age")
            if "pod_age" in g
            else (now - g["pod_started"] if _num(g.get("pod_started")) is not None else None),
        }
        for g in gpus
    ]
    out = []
    for (ns, kind, name, key, uid), items in sorted(_group(gpus).items()):
        idle = [
            g
            for g in items
            if (m := _num(g.get("util_max_1h"))) is not None
            and m < threshold
            and (_num(g.get("pod_age")) or 0) >= min_age
        ]
        if not idle:
            continue
        peak = max(_num(g.get("util_max_1h")) or 0 for g in idle)
        gpus_txt = ", ".join(g["key"] for g in idle)
        out.append(
            Finding(
                "idle-gpu",
                ns,
                kind,
                name,
                key,
                uid,
                tuple(g["key"] for g in idle),
                f"{len(idle)} GPU{'s' if len(idle) > 1 else ''} requested but idle for the last hour "
                f"(peak {peak:.0f}%): {gpus_txt}",
            )
        )
    return out


def xid_serving(gpus: Iterable[dict[str, Any]]) -> list[Finding]:
    out = []
    for (ns, kind, name, key, uid), items in sorted(_group(gpus).items()):
        bad = [g for g in items if (_num(g.get("xid_max_1h")) or 0) > 0 or (_num(g.get("xid")) or 0) > 0]
        if not bad:
            continue
        codes = sorted({int(_num(g.get("xid")) or _num(g.get("xid_max_1h")) or 0) for g in bad})
        out.append(
            Finding(
                "xid",
                ns,
                kind,
                name,
                key,
                uid,
                tuple(g["key"] for g in bad),
                f"pods on GPU{'s' if len(bad) > 1 else ''} with XID {', '.join(map(str, codes))}: "
                + ", ".join(f"{g['key']} ({g.get('pod')})" for g in bad),
            )
        )
    return out
