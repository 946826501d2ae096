"""The audit log: one JSON line per mutation attempt, under $XDG_STATE_HOME/inference-console.

Secret values never reach it: patches and objects of Secrets (and any ``data`` /
``stringData`` maps inside a body addressed to a Secret) are masked before writing.
Attempts refused by read-only mode get a line too, with the result ``refused: read-only``
(nothing was sent; ``dryRun`` says whether the refused request was the review's dry run).
"""

from __future__ import annotations

import copy
import json
import os
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from inference_console.actions.types import ActionResult, ErrorKind

MASK = "********"


def mask_body(kind: str, body: Any) -> Any:
    if body is None:
        return None
    if kind != "Secret":
        return body
    masked = copy.deepcopy(body)

    def walk(node: Any) -> Any:
        if isinstance(node, dict):
            for key, value in node.items():
                if key in ("data", "stringData") and isinstance(value, dict):
                    node[key] = {k: MASK for k in value}
                elif key == "value" and isinstance(value, (str, dict)):
                    node[key] = MASK  # JSON patch op values
                else:
                    walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)
        return node

    annotations = (masked.get("metadata") or {}).get("annotations") if isinstance(masked, dict) else None
    if isinstance(annotations, dict) and "kubectl.kubernetes.io/last-applied-configuration" in annotations:
        annotations["kubectl.kubernetes.io/last-applied-configuration"] = MASK
    return walk(masked)


READONLY_REFUSED = "refused: read-only"


def _result(result: ActionResult) -> str:
    if result.error is None:
        return "ok"
    if result.error.kind is ErrorKind.READONLY:
        return READONLY_REFUSED  # refused in the app: no request left it
    return result.error.kind.value


class AuditLog:
    def __init__(self, path: Path, context: str = "", user: str = "") -> None:
        self.path = path
        self.context = context
        self.user = user

    def record(self, result: ActionResult) -> None:
        m = result.mutation
        entry = {
            "time": datetime.now(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z"),
            "context": self.context,
            "user": self.user,
            "verb": m.verb.value,
            "dryRun": m.dry_run,
            "object": {
                "apiVersion": m.ref.api_version,
                "kind": m.ref.kind,
                "namespace": m.ref.namespace,
                "name": m.ref.name,
            },
            "summary": m.summary,
            "contentType": m.patch_type.value if m.patch_type else None,
            "resourceVersion": m.resource_version,
            "patch": mask_body(m.ref.kind, m.body),
            "result": _result(result),
            "message": None if result.ok else result.error.message,
        }
        self.path.parent.mkdir(parents=True, exist_ok=True)
        line = json.dumps(entry, ensure_ascii=False, default=str)
        fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        try:
            os.write(fd, (line + "\n").encode())
        finally:
            os.close(fd)

    def entries(self) -> list[dict[str, Any]]:
        if not self.path.exists():
            return []
        return [json.loads(line) for line in self.path.read_text().splitlines() if line.strip()]
