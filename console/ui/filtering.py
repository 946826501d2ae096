"""The `/` filter: substring, regular expression, or `-l` label selector (pure)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Callable, Mapping

REGEX_CHARS = set(".*+?[](){}|^$\\")


class FilterError(ValueError):
    pass


@dataclass(frozen=True)
class Requirement:
    key: str
    op: str  # "=", "!=", "in", "notin", "exists", "!"
    values: tuple[str, ...] = ()

    def matches(self, labels: Mapping[str, str]) -> bool:
        if self.op == "exists":
            return self.key in labels
        if self.op == "!":
            return self.key not in labels
        if self.op in ("=", "in"):
            return labels.get(self.key) in self.values
        if self.op in ("!=", "notin"):
            return labels.get(self.key) not in self.values
        return False


_SET = re.compile(r"^\s*([\w./-]+)\s+(in|notin)\s+\(([^)]*)\)\s*$")


def parse_label_selector(text: str) -> list[Requirement]:
    """Kubernetes label selector syntax: ``a=b,c!=d,e in (x,y),f notin (z),g,!h``."""
    reqs: list[Requirement] = []
    for part in _split_selector(text):
        part = part.strip()
        if not part:
            continue
        if m := _SET.match(part):
            values = tuple(v.strip() for v in m.group(3).split(",") if v.strip())
            reqs.append(Requirement(m.group(1), m.group(2), values))
        elif "!=" in part:
            key, value = part.split("!=", 1)
            reqs.append(Requirement(key.strip(), "!=", (value.strip(),)))
        elif "==" in part or "=" in part:
            key, value = re.split(r"==?", part, maxsplit=1)
            reqs.append(Requirement(key.strip(), "=", (value.strip(),)))
        elif part.startswith("!"):
            reqs.append(Requirement(part[1:].strip(), "!"))
        elif re.fullmatch(r"[\w./-]+", part):
            reqs.append(Requirement(part, "exists"))
        else:
            raise FilterError(f"bad label selector term: {part!r}")
    if not reqs:
        raise FilterError("empty label selector (try -l app=my-model)")
    return reqs


def _split_selector(text: str) -> list[str]:
    parts, depth, cur = [], 0, []
    for ch in text:
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        if ch == "," and depth == 0:
            parts.append("".join(cur))
            cur = []
        else:
            cur.append(ch)
    parts.append("".join(cur))
    return parts


@dataclass(frozen=True)
class RowFilter:
    """A compiled filter. ``match(search_text, labels)``; ``describe`` for the title bar."""

    text: str
    match: Callable[[str, Mapping[str, str]], bool]
    describe: str


def compile_filter(text: str) -> RowFilter | None:
    text = text.strip()
    if not text:
        return None
    if text.startswith("-l ") or text.startswith("-l="):
        reqs = parse_label_selector(text[3:])
        return RowFilter(text, lambda _s, labels: all(r.matches(labels) for r in reqs), f"labels {text[3:].strip()}")
    negate = text.startswith("!") and len(text) > 1
    body = text[1:] if negate else text
    if any(ch in REGEX_CHARS for ch in body):
        try:
            pattern = re.compile(body, re.IGNORECASE)
        except re.error as exc:
            raise FilterError(f"bad regular expression {body!r}: {exc}") from exc
        base = lambda s, _l: pattern.search(s) is not None  # noqa: E731
        kind = "regex"
    else:
        needle = body.lower()
        base = lambda s, _l: needle in s  # noqa: E731
        kind = "text"
    if negate:
        return RowFilter(text, lambda s, l: not base(s, l), f"not {kind} {body}")
    return RowFilter(text, base, f"{kind} {body}")
