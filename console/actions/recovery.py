"""Edits that could not be applied are kept here and offered again next time.

One file per object: ``$XDG_STATE_HOME/inference-console/recovery/<context>/<namespace>/<resource>/<name>.yaml``
with a comment header saying when and why it was kept.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from inference_console.actions.types import ObjectRef

HEADER = "# inference-console recovery: "


@dataclass(frozen=True)
class Recovered:
    path: Path
    text: str
    reason: str
    saved_at: str


def _part(value: str) -> str:
    part = re.sub(r"[^A-Za-z0-9._-]", "_", value) or "_"
    return "_" + part if part in (".", "..") else part


class RecoveryStore:
    def __init__(self, root: Path, context: str) -> None:
        self.root = root / "recovery" / _part(context)

    def path_for(self, ref: ObjectRef) -> Path:
        ns = ref.namespace if ref.namespaced and ref.namespace else "_cluster"
        return self.root / _part(ns) / _part(ref.resource) / f"{_part(ref.name)}.yaml"

    def save(self, ref: ObjectRef, text: str, reason: str) -> Path:
        path = self.path_for(ref)
        path.parent.mkdir(parents=True, exist_ok=True)
        when = datetime.now(timezone.utc).isoformat(timespec="seconds").replace("+00:00", "Z")
        one_line = " ".join(reason.split())[:500]
        body = text if text.endswith("\n") else text + "\n"
        tmp = path.with_suffix(".tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)  # owner-only from the start
        with os.fdopen(fd, "w") as fh:
            fh.write(f"{HEADER}{when} {one_line}\n{body}")
        tmp.replace(path)
        return path

    def load(self, ref: ObjectRef) -> Recovered | None:
        path = self.path_for(ref)
        try:
            raw = path.read_text()
        except OSError:
            return None
        first, _, rest = raw.partition("\n")
        if first.startswith(HEADER):
            when, _, reason = first[len(HEADER) :].partition(" ")
            return Recovered(path, rest, reason, when)
        return Recovered(path, raw, "", "")

    def discard(self, ref: ObjectRef) -> None:
        try:
            self.path_for(ref).unlink()
        except FileNotFoundError:
            pass
