"""Small pure helpers to write PromQL safely: quoting, selectors, label sets (no I/O)."""

from __future__ import annotations

import re
from typing import Iterable, Mapping

_RE_SPECIAL = re.compile(r"([\\.^$*+?()\[\]{}|])")


def quote(value: str) -> str:
    """A PromQL double-quoted string literal."""
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def regex_escape(value: str) -> str:
    return _RE_SPECIAL.sub(r"\\\1", value)


def any_of(values: Iterable[str]) -> str:
    """A regex matching exactly one of ``values`` (RE2 is fully anchored in matchers)."""
    items = sorted({regex_escape(v) for v in values if v})
    return "|".join(items) if items else "^$"


def matchers(
    equal: Mapping[str, str] | None = None, regex: Mapping[str, str] | None = None, extra: Iterable[str] = ()
) -> str:
    parts = [f"{k}={quote(v)}" for k, v in (equal or {}).items()]
    parts += [f"{k}=~{quote(v)}" for k, v in (regex or {}).items()]
    parts += list(extra)
    return ", ".join(parts)


def selector(metric: str, inner: str = "") -> str:
    """``metric{inner}``; a name that is not a plain identifier (``vllm:x`` is fine) goes in __name__."""
    if re.fullmatch(r"[a-zA-Z_:][a-zA-Z0-9_:]*", metric):
        return f"{metric}{{{inner}}}" if inner else metric
    name = f"__name__={quote(metric)}"
    return "{" + (f"{name}, {inner}" if inner else name) + "}"


def by(labels: Iterable[str]) -> str:
    return ", ".join(label for label in labels if label)


def tag(expr: str, label: str, value: str) -> str:
    """``expr`` with a constant label added (to tell series of one panel apart after ``or``)."""
    return f'label_replace({expr}, {quote(label)}, {quote(value)}, "", "")'


def either(*exprs: str) -> str:
    return " or ".join(f"({e})" for e in exprs if e)


def quantiles(
    bucket_metric: str, inner: str, rate_window: str, qs: Iterable[float] = (0.5, 0.95, 0.99), scale: float = 1.0
) -> str:
    """p50/p95/p99 of a classic histogram, one query, series tagged ``q="p95"``…"""
    parts = []
    for q in qs:
        expr = f"histogram_quantile({q:g}, sum by (le) (rate({selector(bucket_metric, inner)}[{rate_window}])))"
        if scale != 1.0:
            expr = f"{expr} * {scale:g}"
        parts.append(tag(expr, "q", f"p{round(q * 100):d}"))
    return either(*parts)
