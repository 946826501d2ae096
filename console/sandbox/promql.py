"""A small PromQL evaluator over synthetic series, for the demo's Prometheus-compatible endpoint.

It covers what the console sends (and what a person types at ``:prom``): selectors with
``= != =~ !~`` matchers and ``[range]``; ``sum/max/min/avg/count`` with ``by``/``without``
(``__name__`` may be a grouping label); ``rate``, ``increase``, ``max_over_time``,
``min_over_time``, ``avg_over_time``, ``timestamp``, ``histogram_quantile``,
``label_replace``, ``clamp_min``, ``abs``; arithmetic and comparisons between vectors
(one-to-one on all labels but the name) and scalars; ``or``/``and``/``unless``.  Anything
else is a ``bad_data`` error worded as Prometheus words its parse errors.  Samples sit on
a 15 s scrape grid; lookback is 5 minutes.  The contract test runs the console's queries
here and on a real Prometheus and compares the shapes of the answers.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Any, Callable

SCRAPE = 15.0
LOOKBACK = 300.0
Labels = dict[str, str]


class PromQLError(Exception):
    def __init__(self, message: str, kind: str = "bad_data") -> None:
        super().__init__(message)
        self.kind = kind


@dataclass
class SynthSeries:
    labels: Labels
    value: Callable[[float], float | None]  # value at a scrape time (None: no sample)
    start: float = -math.inf  # first scrape
    end: float = math.inf  # last scrape (staleness after)

    def sample(self, t: float) -> tuple[float, float] | None:
        """The latest sample at or before ``t`` within the lookback."""
        last = min(math.floor(t / SCRAPE) * SCRAPE, self.end)
        if last < self.start or t - last > LOOKBACK or last > t:
            return None
        v = self.value(last)
        return None if v is None else (last, v)

    def samples(self, t: float, rng: float) -> list[tuple[float, float]]:
        first = max(math.floor((t - rng) / SCRAPE + 1) * SCRAPE, self.start)
        out = []
        ts = first
        while ts <= t and ts <= self.end:
            v = self.value(ts)
            if v is not None:
                out.append((ts, v))
            ts += SCRAPE
        return out


# ----------------------------------------------------------------------------- parsing
_TOKEN = re.compile(
    r"""
    (?P<ws>\s+)
  | (?P<dur>(?:\d+(?:ms|s|m|h|d|w|y))+(?![a-zA-Z_0-9]))
  | (?P<num>(?:\d+\.\d*|\.\d+|\d+)(?:[eE][+-]?\d+)?|[+-]?Inf\b|NaN\b)
  | (?P<str>"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*')
  | (?P<ident>[a-zA-Z_:][a-zA-Z0-9_:]*)
  | (?P<op>=~|!~|!=|==|>=|<=|[-+*/(){}\[\],=<>^%])
""",
    re.VERBOSE,
)

AGGS = {"sum", "max", "min", "avg", "count", "group"}
FUNCS = {
    "rate",
    "increase",
    "max_over_time",
    "min_over_time",
    "avg_over_time",
    "timestamp",
    "histogram_quantile",
    "label_replace",
    "clamp_min",
    "abs",
    "vector",
    "scalar",
    "time",
}
PREC = {
    "or": 1,
    "and": 2,
    "unless": 2,
    "==": 3,
    "!=": 3,
    ">": 3,
    "<": 3,
    ">=": 3,
    "<=": 3,
    "+": 4,
    "-": 4,
    "*": 5,
    "/": 5,
}


def tokenize(text: str) -> list[tuple[str, str]]:
    out, pos = [], 0
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if not m:
            raise PromQLError(f"1:{pos + 1}: parse error: unexpected character: {text[pos]!r}")
        pos = m.end()
        kind = m.lastgroup
        if kind != "ws":
            out.append((kind, m.group()))
    out.append(("eof", ""))
    return out


def duration(text: str) -> float:
    units = {"ms": 0.001, "s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800, "y": 31536000}
    return sum(float(n) * units[u] for n, u in re.findall(r"(\d+)(ms|s|m|h|d|w|y)", text))


def _unquote(s: str) -> str:
    return bytes(s[1:-1], "utf-8").decode("unicode_escape")


class Parser:
    def __init__(self, text: str) -> None:
        self.toks = tokenize(text)
        self.i = 0

    def peek(self, k: int = 0) -> tuple[str, str]:
        return self.toks[min(self.i + k, len(self.toks) - 1)]

    def next(self) -> tuple[str, str]:
        tok = self.toks[self.i]
        self.i += 1
        return tok

    def expect(self, value: str) -> None:
        kind, got = self.next()
        if got != value:
            raise PromQLError(f"1:{self.i}: parse error: unexpected {got or 'end of input'!r}, expected {value!r}")

    def parse(self) -> Any:
        node = self.expr(0)
        if self.peek()[0] != "eof":
            raise PromQLError(f"1:{self.i}: parse error: unexpected {self.peek()[1]!r}")
        return node

    def expr(self, min_prec: int) -> Any:
        left = self.unary()
        while True:
            kind, op = self.peek()
            prec = PREC.get(op) if kind in ("op", "ident") else None
            if prec is None or prec < min_prec:
                return left
            self.next()
            bool_mod = False
            if self.peek() == ("ident", "bool"):
                self.next()
                bool_mod = True
            right = self.expr(prec + 1)
            left = ("bin", op, left, right, bool_mod)

    def unary(self) -> Any:
        if self.peek() == ("op", "-"):
            self.next()
            return ("bin", "*", ("num", -1.0), self.unary(), False)
        return self.postfix(self.primary())

    def postfix(self, node: Any) -> Any:
        if self.peek() == ("op", "["):
            self.next()
            kind, text = self.next()
            if kind not in ("dur", "num"):
                raise PromQLError(f"1:{self.i}: parse error: bad duration {text!r}")
            self.expect("]")
            if node[0] != "sel":
                raise PromQLError("ranges only allowed for vector selectors")
            return ("range", node, duration(text) if kind == "dur" else float(text))
        return node

    def labels_list(self) -> list[str]:
        self.expect("(")
        names = []
        while self.peek()[1] != ")":
            names.append(self.next()[1])
            if self.peek()[1] == ",":
                self.next()
        self.expect(")")
        return names

    def primary(self) -> Any:
        kind, text = self.next()
        if kind == "num":
            return ("num", float(text.replace("Inf", "inf").replace("NaN", "nan")))
        if kind == "str":
            return ("str", _unquote(text))
        if text == "(":
            node = self.expr(0)
            self.expect(")")
            return ("paren", node)
        if text == "{":
            return ("sel", None, self.matchers())
        if kind == "ident":
            if text in AGGS:
                grouping = None
                if self.peek()[1] in ("by", "without"):
                    mode = self.next()[1]
                    grouping = (mode, self.labels_list())
                self.expect("(")
                args = [self.expr(0)]
                while self.peek()[1] == ",":
                    self.next()
                    args.append(self.expr(0))
                self.expect(")")
                if grouping is None and self.peek()[1] in ("by", "without"):
                    mode = self.next()[1]
                    grouping = (mode, self.labels_list())
                return ("agg", text, grouping, args)
            if self.peek()[1] == "(":
                if text not in FUNCS:
                    raise PromQLError(f'1:{self.i}: parse error: unknown function with name "{text}"')
                self.next()
                args = []
                while self.peek()[1] != ")":
                    args.append(self.expr(0))
                    if self.peek()[1] == ",":
                        self.next()
                self.expect(")")
                return ("call", text, args)
            matchers = self.matchers() if self.peek()[1] == "{" and self.next() else []
            return ("sel", text, matchers)
        raise PromQLError(f"1:{self.i}: parse error: unexpected {text or 'end of input'!r}")

    def matchers(self) -> list[tuple[str, str, str]]:
        out = []
        while self.peek()[1] != "}":
            name = self.next()[1]
            op = self.next()[1]
            if op not in ("=", "!=", "=~", "!~"):
                raise PromQLError(f"1:{self.i}: parse error: unexpected {op!r} in label matching")
            kind, value = self.next()
            if kind != "str":
                raise PromQLError(f"1:{self.i}: parse error: unexpected {value!r} in label matching, expected string")
            out.append((name, op, _unquote(value)))
            if self.peek()[1] == ",":
                self.next()
        self.next()
        return out


# ----------------------------------------------------------------------------- evaluation
Vector = list[tuple[Labels, float, float]]  # labels, value, sample time (for timestamp())


def _match(labels: Labels, matchers: list[tuple[str, str, str]]) -> bool:
    for name, op, value in matchers:
        got = labels.get(name, "")
        if op == "=" and got != value or op == "!=" and got == value:
            return False
        if op in ("=~", "!~"):
            hit = re.fullmatch(value, got) is not None
            if hit != (op == "=~"):
                return False
    return True


def _drop_name(labels: Labels) -> Labels:
    return {k: v for k, v in labels.items() if k != "__name__"}


def _sig(labels: Labels) -> tuple:
    return tuple(sorted(_drop_name(labels).items()))


class Engine:
    def __init__(self, series: list[SynthSeries]) -> None:
        self.series = series
        # The series are fixed: a selector's answer is too (a range query selects once per step).
        self._selected: dict[tuple, list[SynthSeries]] = {}

    def select(self, name: str | None, matchers: list[tuple[str, str, str]]) -> list[SynthSeries]:
        key = (name, tuple(matchers), len(self.series))
        found = self._selected.get(key)
        if found is not None:
            return found
        ms = list(matchers) + ([("__name__", "=", name)] if name else [])
        if not ms or all(
            re.fullmatch(v, "") is not None if op == "=~" else (op == "=" and v == "") or op in ("!=", "!~")
            for _, op, v in ms
        ):
            raise PromQLError("vector selector must contain at least one non-empty matcher")
        found = [s for s in self.series if _match(s.labels, ms)]
        if len(self._selected) > 4096:
            self._selected.clear()
        self._selected[key] = found
        return found

    def instant(self, text: str, t: float) -> tuple[str, Any]:
        node = Parser(text).parse()
        value = self.eval(node, t)
        if isinstance(value, float):
            return "scalar", value
        if isinstance(value, str):
            return "string", value
        if isinstance(value, tuple) and value[0] == "matrix":
            return "matrix", value[1]
        return "vector", value

    def range(self, text: str, start: float, end: float, step: float) -> list[tuple[Labels, list[tuple[float, float]]]]:
        node = Parser(text).parse()
        out: dict[tuple, tuple[Labels, list[tuple[float, float]]]] = {}
        t = start
        while t <= end + 1e-9:
            value = self.eval(node, t)
            if isinstance(value, float):
                value = [({}, value, t)]
            elif isinstance(value, tuple):
                raise PromQLError(
                    'invalid expression type "range vector" for range query, must be Scalar or instant Vector'
                )
            for labels, v, _ in value:
                key = tuple(sorted(labels.items()))
                out.setdefault(key, (labels, []))[1].append((t, v))
            t += step
        return list(out.values())

    # each eval returns float (scalar), str, Vector, or ("matrix", [(labels, samples)])
    def eval(self, node: Any, t: float) -> Any:
        kind = node[0]
        if kind == "num":
            return node[1]
        if kind == "str":
            return node[1]
        if kind == "paren":
            return self.eval(node[1], t)
        if kind == "sel":
            out: Vector = []
            for s in self.select(node[1], node[2]):
                got = s.sample(t)
                if got is not None:
                    out.append((dict(s.labels), got[1], got[0]))
            return out
        if kind == "range":
            sel = node[1]
            return ("matrix", [(dict(s.labels), s.samples(t, node[2])) for s in self.select(sel[1], sel[2])])
        if kind == "call":
            return self.call(node[1], node[2], t)
        if kind == "agg":
            return self.aggregate(node[1], node[2], node[3], t)
        if kind == "bin":
            return self.binary(node[1], self.eval(node[2], t), self.eval(node[3], t), node[4], t)
        raise PromQLError(f"unsupported expression {kind}")

    def call(self, name: str, args: list[Any], t: float) -> Any:
        if name == "time":
            return t
        vals = [self.eval(a, t) for a in args]
        if name in ("rate", "increase", "max_over_time", "min_over_time", "avg_over_time"):
            if not vals or not (isinstance(vals[0], tuple) and vals[0][0] == "matrix"):
                raise PromQLError(f'expected type range vector in call to function "{name}", got instant vector')
            rng = args[0][2]
            out: Vector = []
            for labels, samples in vals[0][1]:
                if not samples or (name in ("rate", "increase") and len(samples) < 2):
                    continue
                values = [v for _, v in samples]
                if name in ("rate", "increase"):
                    inc = 0.0
                    for a, b in zip(values, values[1:]):
                        inc += b - a if b >= a else b  # a counter reset
                    span = samples[-1][0] - samples[0][0]
                    # extrapolate to the window, as Prometheus does (roughly)
                    inc = inc * (rng / span) if span > 0 else 0.0
                    v = inc / rng if name == "rate" else inc
                elif name == "max_over_time":
                    v = max(values)
                elif name == "min_over_time":
                    v = min(values)
                else:
                    v = sum(values) / len(values)
                out.append((_drop_name(labels), v, t))
            return out
        if name == "timestamp":
            return [(_drop_name(l), ts, t) for l, _, ts in vals[0]]
        if name == "abs":
            return [(_drop_name(l), abs(v), ts) for l, v, ts in vals[0]]
        if name == "clamp_min":
            return [(_drop_name(l), max(v, vals[1]), ts) for l, v, ts in vals[0]]
        if name == "vector":
            return [({}, float(vals[0]), t)]
        if name == "scalar":
            return vals[0][0][1] if len(vals[0]) == 1 else math.nan
        if name == "label_replace":
            vec, dst, repl, src, regex = vals
            out = []
            for labels, v, ts in vec:
                m = re.fullmatch(regex, labels.get(src, ""))
                labels = dict(labels)
                if m:
                    value = re.sub(r"\$(\d+)|\$\{(\d+)\}", lambda g: m.group(int(g.group(1) or g.group(2))) or "", repl)
                    if value:
                        labels[dst] = value
                    else:
                        labels.pop(dst, None)
                out.append((labels, v, ts))
            return out
        if name == "histogram_quantile":
            q, vec = vals
            groups: dict[tuple, tuple[Labels, list[tuple[float, float]]]] = {}
            for labels, v, ts in vec:
                if "le" not in labels:
                    continue
                rest = {k: x for k, x in _drop_name(labels).items() if k != "le"}
                groups.setdefault(tuple(sorted(rest.items())), (rest, []))[1].append((float(labels["le"]), v))
            out = []
            for rest, buckets in groups.values():
                out.append((rest, _quantile(q, sorted(buckets)), t))
            return out
        raise PromQLError(f"function {name} is not supported here")

    def aggregate(self, op: str, grouping: Any, args: list[Any], t: float) -> Vector:
        vec = self.eval(args[-1], t)
        if not isinstance(vec, list):
            raise PromQLError(f"expected type instant vector in aggregation expression, got {type(vec).__name__}")
        groups: dict[tuple, tuple[Labels, list[float]]] = {}
        for labels, v, _ in vec:
            if grouping is None:
                key_labels: Labels = {}
            elif grouping[0] == "by":
                key_labels = {k: labels[k] for k in grouping[1] if labels.get(k)}
            else:
                key_labels = {k: x for k, x in _drop_name(labels).items() if k not in grouping[1]}
            groups.setdefault(tuple(sorted(key_labels.items())), (key_labels, []))[1].append(v)
        out = []
        for labels, values in groups.values():
            if op == "sum":
                v = math.fsum(values)
            elif op == "max":
                v = max(values, key=lambda x: -math.inf if math.isnan(x) else x)
            elif op == "min":
                v = min(values, key=lambda x: math.inf if math.isnan(x) else x)
            elif op == "avg":
                v = math.fsum(values) / len(values)
            elif op == "group":
                v = 1.0
            else:
                v = float(len(values))
            out.append((labels, v, t))
        return out

    def binary(self, op: str, left: Any, right: Any, bool_mod: bool, t: float) -> Any:
        if op in ("or", "and", "unless"):
            if not isinstance(left, list) or not isinstance(right, list):
                raise PromQLError(f'set operator "{op}" not allowed in binary scalar expression')
            rsigs = {_sig(l) for l, _, _ in right}
            if op == "or":
                lsigs = {_sig(l) for l, _, _ in left}
                return left + [e for e in right if _sig(e[0]) not in lsigs]
            if op == "and":
                return [e for e in left if _sig(e[0]) in rsigs]
            return [e for e in left if _sig(e[0]) not in rsigs]
        compare = op in ("==", "!=", ">", "<", ">=", "<=")
        if isinstance(left, float) and isinstance(right, float):
            return _apply(op, left, right) if not compare else float(_cmp(op, left, right))
        if isinstance(left, list) and isinstance(right, float):
            return self._vs(op, left, right, compare, bool_mod, False)
        if isinstance(left, float) and isinstance(right, list):
            return self._vs(op, right, left, compare, bool_mod, True)
        if isinstance(left, list) and isinstance(right, list):
            index: dict[tuple, tuple[Labels, float, float]] = {}
            for e in right:
                sig = _sig(e[0])
                if sig in index:
                    raise PromQLError(
                        "found duplicate series for the match group on the right hand-side of the operation"
                    )
                index[sig] = e
            out = []
            for labels, v, ts in left:
                other = index.get(_sig(labels))
                if other is None:
                    continue
                if compare:
                    if bool_mod:
                        out.append((_drop_name(labels), float(_cmp(op, v, other[1])), ts))
                    elif _cmp(op, v, other[1]):
                        out.append((labels, v, ts))
                else:
                    out.append((_drop_name(labels), _apply(op, v, other[1]), ts))
            return out
        raise PromQLError("binary expression must contain only scalar and instant vector types")

    @staticmethod
    def _vs(op: str, vec: Vector, s: float, compare: bool, bool_mod: bool, swapped: bool) -> Vector:
        out = []
        for labels, v, ts in vec:
            a, b = (s, v) if swapped else (v, s)
            if compare:
                if bool_mod:
                    out.append((_drop_name(labels), float(_cmp(op, a, b)), ts))
                elif _cmp(op, a, b):
                    out.append((labels, v, ts))
            else:
                out.append((_drop_name(labels), _apply(op, a, b), ts))
        return out


def _apply(op: str, a: float, b: float) -> float:
    if op == "+":
        return a + b
    if op == "-":
        return a - b
    if op == "*":
        return a * b
    if op == "/":
        if b == 0:
            return math.nan if a == 0 or math.isnan(a) else math.copysign(math.inf, a)
        return a / b
    raise PromQLError(f"operator {op} is not supported here")


def _cmp(op: str, a: float, b: float) -> bool:
    return {"==": a == b, "!=": a != b, ">": a > b, "<": a < b, ">=": a >= b, "<=": a <= b}[op]


def _quantile(q: float, buckets: list[tuple[float, float]]) -> float:
    """Prometheus's bucketQuantile: linear interpolation inside the bucket."""
    if math.isnan(q):
        return math.nan
    if q < 0:
        return -math.inf
    if q > 1:
        return math.inf
    if len(buckets) < 2 or not math.isinf(buckets[-1][0]):
        return math.nan
    total = buckets[-1][1]
    if total == 0:
        return math.nan
    rank = q * total
    prev_le, prev_count = 0.0, 0.0
    for le, count in buckets:
        if count >= rank:
            if math.isinf(le):
                return prev_le
            if count == prev_count:
                return le
            return prev_le + (le - prev_le) * (rank - prev_count) / (count - prev_count)
        prev_le, prev_count = le, count
    return buckets[-2][0]
