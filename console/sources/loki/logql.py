"""A small, exact subset of LogQL (pure): build selectors for objects, parse and run log queries.

Used three ways: the Loki source builds the query of an object (:func:`selector_for`) and
the level filter (:func:`level_filter`); the pod log source runs a query's line filters on
lines the pod log API cannot filter (:func:`parse`, :meth:`LogQuery.keep`); the project's
Loki-compatible test server (``sandbox/loki_server.py``) parses and runs queries with it.

Grammar (what Loki accepts, the subset handled)::

    query     = selector { stage }
    selector  = "{" [ matcher { "," matcher } ] "}"
    matcher   = label ( "=" | "!=" | "=~" | "!~" ) string
    stage     = ( "|=" | "!=" | "|~" | "!~" ) string       line filter
              | "|" ( "json" | "logfmt" )                   parser
              | "|" label ( "=" | "!=" | "=~" | "!~" ) string   label filter
    metric    = ( "count_over_time" | "rate" ) "(" query "[" duration "]" ")"
              | "sum" [ "by" "(" label { "," label } ")" ] "(" metric ")"

Errors read like Loki's: ``parse error at line 1, col 12: syntax error: unexpected ...``.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any, Iterable, Mapping

LABEL_RE = re.compile(r"[a-zA-Z_][a-zA-Z0-9_]*")
DURATION_RE = re.compile(r"(\d+(?:ns|us|µs|ms|s|m|h|d|w|y))+")
_UNITS = {
    "ns": 1e-9,
    "us": 1e-6,
    "µs": 1e-6,
    "ms": 1e-3,
    "s": 1,
    "m": 60,
    "h": 3600,
    "d": 86400,
    "w": 604800,
    "y": 31536000,
}

EMPTY_MATCHER_ERROR = (
    "parse error : queries require at least one regexp or equality matcher that does not have an "
    'empty-compatible value. For instance, app=~".*" does not meet this requirement, but '
    'app=~".+" will'
)

# The level filter: a line is of a level or worse when it says so in logfmt, JSON or plain text.
LEVELS = ("error", "warn", "info", "debug")
_LEVEL_WORDS = {
    "error": "error|err|fatal|critical|crit|panic|emerg|alert",
    "warn": "warn|warning",
    "info": "info|notice",
    "debug": "debug|trace",
}


class LogQLError(ValueError):
    """A query Loki would refuse with 400 and this message."""


def sanitize_label(name: str) -> str:
    """A Kubernetes label name as Promtail's / Alloy's ``labelmap`` makes it a Loki label."""
    out = re.sub(r"[^a-zA-Z0-9_]", "_", name)
    return out if out and not out[0].isdigit() else f"_{out}"


def quote(value: str) -> str:
    """A LogQL double-quoted string (Go's escapes, which JSON's are a subset of)."""
    return json.dumps(value, ensure_ascii=False)


def selector(matchers: Iterable[tuple[str, str, str]]) -> str:
    return "{" + ", ".join(f"{name}{op}{quote(value)}" for name, op, value in matchers) + "}"


# The Promtail Helm chart's kubernetes-pods job copies these pod labels to short Loki labels
# (``app`` coalesces app.kubernetes.io/name, app, the controller's and the pod's name; the
# others coalesce the recommended label with the plain one): used when Loki lacks the long form.
PROMTAIL_ALIASES = {
    "app.kubernetes.io/name": "app",
    "app.kubernetes.io/instance": "instance",
    "app.kubernetes.io/component": "component",
}


def selector_for(
    namespace: str,
    pod_labels: Mapping[str, str] | None,
    pods: Iterable[str] = (),
    known_labels: Iterable[str] | None = None,
) -> str:
    """The stream selector of an object's pods.

    ``namespace`` always; then the pods' labels as Loki has them (sanitised, kept only when
    Loki knows the label name, if ``known_labels`` is given, else under Promtail's short name
    when Loki knows that, :data:`PROMTAIL_ALIASES`); without usable labels, or when
    one was left out (the rest would match other objects' pods too: an InferenceStack reader
    without its component label is the whole stack), the pods by name (``pod=~"a|b"``).
    """
    matchers: list[tuple[str, str, str]] = [("namespace", "=", namespace)]
    known = set(known_labels) if known_labels is not None else None
    used = False
    dropped = False
    labels = sorted((k, v) for k, v in (pod_labels or {}).items() if k != "pod-template-hash")
    direct = {sanitize_label(k) for k, _ in labels}
    for key, value in labels:
        name = sanitize_label(key)
        if known is not None and name not in known:
            alias = PROMTAIL_ALIASES.get(key)
            if alias is None or alias not in known or alias in direct:
                dropped = True
                continue
            name = alias
        matchers.append((name, "=", value))
        used = True
    if not used or (dropped and pods):
        names = sorted(set(pods))
        if len(names) == 1:
            matchers.append(("pod", "=", names[0]))
        elif names:
            matchers.append(("pod", "=~", "|".join(re.escape(n) for n in names)))
    return selector(matchers)


def level_filter(level: str | None) -> str:
    """A line filter keeping ``level`` and worse (``error`` keeps errors only), server-side."""
    if not level or level not in LEVELS:
        return ""
    words = "|".join(_LEVEL_WORDS[name] for name in LEVELS[: LEVELS.index(level) + 1])
    # logfmt (level=error), JSON ("level":"error") and plain text (ERROR, [error], E: ...).
    pattern = '(?i)(level"?\\s*[=:]\\s*"?(' + words + ")\\b|\\b(" + words + ")\\b)"
    return f"|~ {quote(pattern)}"


def with_filters(base: str, *stages: str) -> str:
    return " ".join([base, *[s for s in stages if s]])


# ----------------------------------------------------------------------------- parsed queries
@dataclass(frozen=True)
class Matcher:
    name: str
    op: str
    value: str
    regex: re.Pattern[str] | None = None

    def matches(self, labels: Mapping[str, str]) -> bool:
        got = labels.get(self.name, "")
        if self.op == "=":
            return got == self.value
        if self.op == "!=":
            return got != self.value
        hit = self.regex.fullmatch(got) is not None  # type: ignore[union-attr]
        return hit if self.op == "=~" else not hit


@dataclass(frozen=True)
class Stage:
    kind: str  # "line" | "parser" | "label"
    op: str = ""
    value: str = ""
    name: str = ""
    regex: re.Pattern[str] | None = None


@dataclass(frozen=True)
class LogQuery:
    matchers: tuple[Matcher, ...]
    stages: tuple[Stage, ...] = ()

    @property
    def selector_text(self) -> str:
        return selector((m.name, m.op, m.value) for m in self.matchers)

    def selects(self, labels: Mapping[str, str]) -> bool:
        return all(m.matches(labels) for m in self.matchers)

    @property
    def line_filters_only(self) -> bool:
        return all(s.kind == "line" for s in self.stages)

    def keep(self, line: str, labels: Mapping[str, str] | None = None) -> bool:
        """Whether the pipeline keeps ``line`` (line filters, parsers, label filters)."""
        extracted: dict[str, str] | None = None
        for stage in self.stages:
            if stage.kind == "line":
                if stage.op == "|=":
                    ok = stage.value in line
                elif stage.op == "!=":
                    ok = stage.value not in line
                else:
                    ok = stage.regex.search(line) is not None  # type: ignore[union-attr]
                    ok = ok if stage.op == "|~" else not ok
                if not ok:
                    return False
            elif stage.kind == "parser":
                extracted = dict(labels or {})
                extracted.update(parse_json(line) if stage.value == "json" else parse_logfmt(line))
            else:
                source = extracted if extracted is not None else (labels or {})
                if not Matcher(stage.name, stage.op, stage.value, stage.regex).matches(source):
                    return False
        return True


@dataclass(frozen=True)
class MetricQuery:
    function: str  # count_over_time | rate
    inner: LogQuery
    range_seconds: float
    sum_by: tuple[str, ...] | None = None  # None: no sum; (): sum of everything


def parse_logfmt(line: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for match in re.finditer(r'([a-zA-Z_][\w.\-]*)=("(?:[^"\\]|\\.)*"|\S*)', line):
        value = match.group(2)
        if value.startswith('"'):
            try:
                value = json.loads(value)
            except ValueError:
                value = value[1:-1]
        out[sanitize_label(match.group(1))] = value
    return out


def parse_json(line: str) -> dict[str, str]:
    try:
        doc = json.loads(line)
    except ValueError:
        return {"__error__": "JSONParserErr"}
    out: dict[str, str] = {}

    def walk(prefix: str, value: Any) -> None:
        if isinstance(value, dict):
            for k, v in value.items():
                walk(f"{prefix}_{k}" if prefix else str(k), v)
        elif not isinstance(value, list):
            out[sanitize_label(prefix)] = (
                "" if value is None else (json.dumps(value) if isinstance(value, bool) else str(value))
            )

    if isinstance(doc, dict):
        walk("", doc)
    return out


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.pos = 0

    # -- errors and whitespace
    def error(self, what: str | None = None) -> LogQLError:
        self.skip()
        line = self.text.count("\n", 0, self.pos) + 1
        col = self.pos - (self.text.rfind("\n", 0, self.pos) + 1) + 1
        if what is None:
            rest = self.text[self.pos :]
            token = rest.split()[0] if rest.strip() else ""
            what = f"syntax error: unexpected {token}" if token else "syntax error: unexpected $end"
        return LogQLError(f"parse error at line {line}, col {col}: {what}")

    def skip(self) -> None:
        text = self.text
        while self.pos < len(text):
            if text[self.pos].isspace():
                self.pos += 1
            elif text[self.pos] == "#":  # a comment runs to the end of the line
                end = text.find("\n", self.pos)
                self.pos = len(text) if end < 0 else end
            else:
                break

    def peek(self, *options: str) -> str | None:
        self.skip()
        for option in options:
            if self.text.startswith(option, self.pos):
                return option
        return None

    def take(self, *options: str) -> str:
        found = self.peek(*options)
        if found is None:
            raise self.error()
        self.pos += len(found)
        return found

    def label(self) -> str:
        self.skip()
        match = LABEL_RE.match(self.text, self.pos)
        if not match:
            raise self.error()
        self.pos = match.end()
        return match.group(0)

    def string(self) -> str:
        self.skip()
        text, start = self.text, self.pos
        if start < len(text) and text[start] == "`":
            end = text.find("`", start + 1)
            if end < 0:
                raise self.error("literal not terminated")
            self.pos = end + 1
            return text[start + 1 : end]
        if start >= len(text) or text[start] != '"':
            raise self.error()
        i = start + 1
        while i < len(text):
            if text[i] == "\\":
                i += 2
                continue
            if text[i] == '"':
                break
            i += 1
        else:
            raise self.error("literal not terminated")
        raw = text[start : i + 1]
        self.pos = i + 1
        try:
            return json.loads(raw)
        except ValueError:
            try:
                return raw[1:-1].encode("latin-1", "backslashreplace").decode("unicode_escape")
            except UnicodeDecodeError:
                raise self.error(f"invalid string {raw}") from None

    def regex(self, value: str) -> re.Pattern[str]:
        try:
            return re.compile(value)
        except re.error as exc:
            raise LogQLError(f"parse error : error parsing regexp: {exc}: `{value}`") from None

    # -- grammar
    def log_query(self) -> LogQuery:
        self.take("{")
        matchers: list[Matcher] = []
        if not self.peek("}"):
            while True:
                name = self.label()
                op = self.take("=~", "!~", "!=", "=")
                value = self.string()
                matchers.append(Matcher(name, op, value, self.regex(value) if "~" in op else None))
                if self.peek("}"):
                    break
                self.take(",")
        self.take("}")
        if not any(m.op in ("=", "=~") and not (m.regex.fullmatch("") if m.regex else m.value == "") for m in matchers):
            raise LogQLError(EMPTY_MATCHER_ERROR)
        stages: list[Stage] = []
        while True:
            op = self.peek("|=", "!=", "|~", "!~", "|")
            if op is None:
                break
            self.pos += len(op)
            if op != "|":
                value = self.string()
                stages.append(Stage("line", op, value, regex=self.regex(value) if "~" in op else None))
                continue
            name = self.label()
            if name in ("json", "logfmt"):
                stages.append(Stage("parser", value=name))
                continue
            cmp = self.take("=~", "!~", "!=", "==", "=")
            cmp = "=" if cmp == "==" else cmp
            value = self.string()
            stages.append(Stage("label", cmp, value, name=name, regex=self.regex(value) if "~" in cmp else None))
        return LogQuery(tuple(matchers), tuple(stages))

    def metric(self) -> MetricQuery:
        self.skip()
        if self.peek("sum"):
            self.take("sum")
            by: tuple[str, ...] = ()
            if self.peek("by"):
                self.take("by")
                self.take("(")
                names = [self.label()]
                while self.peek(","):
                    self.take(",")
                    names.append(self.label())
                self.take(")")
                by = tuple(names)
            self.take("(")
            inner = self.metric()
            self.take(")")
            return MetricQuery(inner.function, inner.inner, inner.range_seconds, by)
        function = self.take("count_over_time", "rate")
        self.take("(")
        inner = self.log_query()
        self.take("[")
        self.skip()
        match = DURATION_RE.match(self.text, self.pos)
        if not match:
            raise self.error()
        self.pos = match.end()
        self.take("]")
        self.take(")")
        return MetricQuery(function, inner, parse_duration(match.group(0)))

    def end(self) -> None:
        self.skip()
        if self.pos != len(self.text):
            raise self.error()


def parse_duration(text: str) -> float:
    total = 0.0
    for number, unit in re.findall(r"(\d+)(ns|us|µs|ms|s|m|h|d|w|y)", text):
        total += int(number) * _UNITS[unit]
    return total


def parse(text: str) -> LogQuery:
    """Parse a log query; :class:`LogQLError` with Loki's message when it is not one."""
    parser = _Parser(text)
    parser.skip()
    if parser.pos == len(text):
        raise LogQLError("parse error : syntax error: unexpected $end")
    query = parser.log_query()
    parser.end()
    return query


def parse_any(text: str) -> LogQuery | MetricQuery:
    """A log query or a metric query."""
    parser = _Parser(text)
    parser.skip()
    if parser.peek("{"):
        query: LogQuery | MetricQuery = parser.log_query()
    elif parser.peek("sum", "count_over_time", "rate"):
        query = parser.metric()
    elif parser.pos == len(text):
        raise LogQLError("parse error : syntax error: unexpected $end")
    else:
        raise parser.error()
    parser.end()
    return query
