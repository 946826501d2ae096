"""An async Prometheus HTTP API client (no Textual): query, query_range, labels, health.

Two ways to reach the server, one interface (:class:`Transport`):

* :class:`HttpxTransport` — a URL from the config file, with bearer token or basic auth,
  a CA file or ``insecure``, and extra headers (a Mimir/Cortex/Thanos tenant);
* :class:`KubeProxyTransport` — the API server's service proxy
  (``/api/v1/namespaces/NS/services/NAME:PORT/proxy/``) over the cluster connection, so
  it works from a bastion with nothing but the kubeconfig.

Answers follow ``docs/querying/api.md``: sample values are strings (``"NaN"``, ``"+Inf"``
survive), errors carry ``errorType`` and ``error``.  Every failure becomes a
:class:`PromError` whose ``summary()`` is one line for the pane; ``query_range`` raises
its step instead of failing when a window would exceed the server's 11,000-point limit.
"""

from __future__ import annotations

import asyncio
import json
import math
import sys
import time
from dataclasses import dataclass, field
from typing import Any, Protocol

from inference_console.sources.base import SourceError

MAX_POINTS = 11_000  # Prometheus rejects (end - start) / step above this


class PromError(SourceError):
    """A failed call: ``kind`` is Prometheus's errorType, or unreachable/unauthorized/forbidden/bad_response."""

    def __init__(self, kind: str, message: str, code: int = 0, query: str = "") -> None:
        super().__init__(message)
        self.kind = kind
        self.message = message
        self.code = code
        self.query = query

    def summary(self) -> str:
        if self.kind == "unreachable":
            return f"unreachable: {self.message}"
        if self.code in (401, 403):
            return f"{'unauthorized' if self.code == 401 else 'forbidden'} ({self.code}): {self.message}"
        return f"{self.kind}: {self.message}"

    @property
    def retriable(self) -> bool:
        """Worth retrying with backoff (the server or the path to it), not a bad query."""
        return self.kind in ("unreachable", "timeout", "unavailable", "internal", "bad_response") or self.code >= 500


@dataclass
class Series:
    labels: dict[str, str]
    points: list[tuple[float, float]] = field(default_factory=list)  # (unix s, value); NaN/±Inf kept

    @property
    def last(self) -> float | None:
        return self.points[-1][1] if self.points else None


@dataclass
class Result:
    result_type: str
    series: list[Series]
    warnings: list[str] = field(default_factory=list)
    step: float = 0.0  # the step actually used by query_range


def parse_value(text: Any) -> float:
    """A sample value as Prometheus writes it ("1.5", "NaN", "+Inf", "-Inf")."""
    try:
        return float(text)
    except (TypeError, ValueError):
        return math.nan


def _labels(metric: Any) -> dict[str, str]:
    # Prometheus writes label values as strings: a decoded object is taken as it is (checking
    # every value of thousands of series was a fifth of the parse); anything else is made one.
    if type(metric) is dict:  # noqa: E721
        return metric
    return {str(k): str(v) for k, v in metric.items()} if isinstance(metric, dict) else {}


def _points(values: Any) -> list[tuple[float, float]]:
    try:
        return [(float(t), float(v)) for t, v in values]
    except (TypeError, ValueError):  # a value Python's float() refuses, or a malformed pair: slow path
        return [(float(p[0]), parse_value(p[1])) for p in values if isinstance(p, list) and len(p) == 2]


def parse_result(data: Any) -> Result:
    """The ``data`` member of a successful query answer (vector, matrix, scalar, string).

    Hot path of every refresh (thousands of series): labels are taken as decoded and values
    converted in one comprehension; anything malformed falls back to the careful path.
    """
    if not isinstance(data, dict):
        raise PromError("bad_response", "the answer has no data object")
    rtype = str(data.get("resultType", ""))
    raw = data.get("result")
    series: list[Series] = []
    if rtype == "vector":
        append = series.append
        for item in raw if isinstance(raw, list) else []:
            try:
                value = item["value"]
                points = [(float(value[0]), float(value[1]))]
            except (KeyError, TypeError, ValueError, IndexError):  # the careful path for odd items
                if not isinstance(item, dict):
                    continue
                value = item.get("value")
                points = (
                    [(float(value[0]), parse_value(value[1]))] if isinstance(value, list) and len(value) == 2 else []
                )
            append(Series(_labels(item.get("metric")), points))
    elif rtype == "matrix":
        for item in raw if isinstance(raw, list) else []:
            if isinstance(item, dict):
                series.append(Series(_labels(item.get("metric")), _points(item.get("values") or [])))
    elif rtype in ("scalar", "string") and isinstance(raw, list) and len(raw) == 2:
        series.append(Series({}, [(float(raw[0]), parse_value(raw[1]))]))
    else:
        raise PromError("bad_response", f"unknown resultType {rtype!r}")
    return Result(rtype, series)


def fit_step(start: float, end: float, want: float) -> float:
    """A step of at least ``want`` seconds that keeps the range under the server's point limit."""
    span = max(0.0, end - start)
    floor = math.ceil(span / MAX_POINTS) if span else 1
    return float(max(want, floor, 1))


def step_for_width(window: float, width: int, scrape: float = 15.0) -> float:
    """The step that gives about one point per chart column, never below the scrape interval."""
    columns = max(10, width)
    raw = window / columns
    return float(max(scrape, math.ceil(raw / 5) * 5 if raw > 5 else math.ceil(raw)))


class Transport(Protocol):
    description: str

    async def get(self, path: str, params: list[tuple[str, str]], timeout: float) -> tuple[int, bytes]: ...
    async def close(self) -> None: ...


def _settle_sniffio() -> None:
    """httpcore runs ``import sniffio`` several times per request; when sniffio is not installed
    (anyio 4 no longer needs it) each failed import searches sys.path again, about 1 ms of CPU
    per request.  Recording its absence once makes those imports fail at once, as they would."""
    try:
        import sniffio  # noqa: F401
    except ImportError:
        sys.modules.setdefault("sniffio", None)  # type: ignore[arg-type]


class HttpxTransport:
    """A direct URL (httpx, HTTP/1.1 keep-alive); secrets resolved by the caller and never printed."""

    def __init__(
        self,
        url: str,
        *,
        headers: dict[str, str] | None = None,
        token: str | None = None,
        basic: tuple[str, str] | None = None,
        verify: Any = True,
        timeout: float = 10.0,
    ) -> None:
        import httpx

        _settle_sniffio()
        self.url = url.rstrip("/")
        self.description = url
        hdrs = dict(headers or {})
        if token:
            hdrs["Authorization"] = f"Bearer {token}"
        self._client = httpx.AsyncClient(
            base_url=self.url,
            headers=hdrs,
            auth=basic,
            verify=verify,
            timeout=timeout,
            follow_redirects=True,
            limits=httpx.Limits(max_connections=8, max_keepalive_connections=8),
        )

    async def get(self, path: str, params: list[tuple[str, str]], timeout: float) -> tuple[int, bytes]:
        import httpx

        try:
            if len(str(params)) > 4000:  # long queries go as a form body (the API allows POST)
                resp = await self._client.post(path, data=dict(params), timeout=timeout)
            else:
                resp = await self._client.get(path, params=params, timeout=timeout)
        except httpx.TimeoutException as exc:
            raise PromError("timeout", f"no answer within {timeout:.0f}s ({type(exc).__name__})") from exc
        except (httpx.HTTPError, OSError) as exc:
            raise PromError("unreachable", f"{self.url}: {exc or type(exc).__name__}") from exc
        return resp.status_code, resp.content

    async def close(self) -> None:
        await self._client.aclose()


class KubeProxyTransport:
    """The API server's service proxy over the cluster connection (kubeconfig credentials)."""

    def __init__(self, kube_transport: Any, namespace: str, service: str, port: str | int) -> None:
        from inference_console.sources.kube.svcproxy import ServiceProxy

        self.kube = kube_transport
        self.proxy = ServiceProxy(kube_transport, namespace, service, port)  # shared with the Model Registry
        self.base = self.proxy.base
        self.description = self.proxy.description

    async def get(self, path: str, params: list[tuple[str, str]], timeout: float) -> tuple[int, bytes]:
        try:
            status, raw, _ = await self.proxy.request("GET", path, params, timeout=timeout)
        except SourceError as exc:
            raise PromError("unreachable", exc.summary()) from exc
        return status, raw

    async def close(self) -> None:
        return None  # the cluster connection belongs to the kube source


class PromClient:
    """Prometheus's HTTP API over a :class:`Transport`; counts the queries it sends."""

    def __init__(self, transport: Transport, timeout: float = 10.0) -> None:
        self.transport = transport
        self.timeout = timeout
        self.queries = 0  # query + query_range calls sent (the benchmarks read it)
        self.last_latency = 0.0

    @property
    def description(self) -> str:
        return self.transport.description

    async def _api(self, path: str, params: list[tuple[str, str]], query: str = "") -> Any:
        started = time.perf_counter()
        status, raw = await self.transport.get(path, params, self.timeout)
        self.last_latency = time.perf_counter() - started
        body: Any = None
        try:
            body = json.loads(raw) if raw else None
        except ValueError:
            body = None
        if isinstance(body, dict) and body.get("status") == "error":
            raise PromError(str(body.get("errorType") or "error"), str(body.get("error") or "error"), status, query)
        if status in (401, 403):
            text = raw[:200].decode("utf-8", "replace").strip() if raw else ""
            raise PromError(
                "unauthorized" if status == 401 else "forbidden", text or "credentials rejected", status, query
            )
        if not 200 <= status < 300 or not isinstance(body, dict):
            text = raw[:200].decode("utf-8", "replace").strip() if raw else ""
            raise PromError("bad_response", f"HTTP {status}: {text or 'not a Prometheus API answer'}", status, query)
        return body

    async def query(self, expr: str, at: float | None = None) -> Result:
        params = [("query", expr)]
        if at is not None:
            params.append(("time", f"{at:.3f}"))
        self.queries += 1
        body = await self._api("/api/v1/query", params, expr)
        await asyncio.sleep(0)  # a big answer: let keys in between decoding it and reading it
        result = parse_result(body.get("data"))
        result.warnings = [str(w) for w in body.get("warnings") or []]
        return result

    async def query_range(self, expr: str, start: float, end: float, step: float) -> Result:
        step = fit_step(start, end, step)
        params = [("query", expr), ("start", f"{start:.3f}"), ("end", f"{end:.3f}"), ("step", f"{step:g}")]
        self.queries += 1
        try:
            body = await self._api("/api/v1/query_range", params, expr)
        except PromError as exc:
            if exc.kind == "bad_data" and "resolution" in exc.message and "points" in exc.message:
                # A server with a lower limit than ours: raise the step, never fail for it.
                return await self.query_range(expr, start, end, step * 4)
            raise
        await asyncio.sleep(0)  # a big answer: let keys in between decoding it and reading it
        result = parse_result(body.get("data"))
        result.warnings = [str(w) for w in body.get("warnings") or []]
        result.step = step
        return result

    async def label_names(self, match: str, start: float | None = None) -> list[str]:
        params = [("match[]", match)]
        if start is not None:
            params.append(("start", f"{start:.3f}"))
        body = await self._api("/api/v1/labels", params, match)
        data = body.get("data")
        return [str(x) for x in data] if isinstance(data, list) else []

    async def ready(self) -> tuple[bool, str]:
        """``/-/ready``: (ready, the server's words)."""
        status, raw = await self.transport.get("/-/ready", [], self.timeout)
        text = raw[:200].decode("utf-8", "replace").strip() if raw else ""
        if status in (401, 403):
            raise PromError("unauthorized" if status == 401 else "forbidden", text or "credentials rejected", status)
        return status == 200, text or f"HTTP {status}"

    async def buildinfo(self) -> dict[str, Any]:
        body = await self._api("/api/v1/status/buildinfo", [])
        data = body.get("data")
        return data if isinstance(data, dict) else {}

    async def close(self) -> None:
        await self.transport.close()
