"""ms_to_iso (Model Registry timestamps) formats per hour from a cache: it must say what
time.strftime says for every value, including before 1970 and across hour and day edges."""

from __future__ import annotations

import random
import time

from inference_console.sources.registries import ms_to_iso


def strftime_iso(value) -> str:
    try:
        seconds = int(str(value)) / 1000
    except (TypeError, ValueError):
        return ""
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(seconds))


def test_ms_to_iso_equals_strftime() -> None:
    rng = random.Random(13)
    values = [rng.randint(-(10**12), 4 * 10**12) for _ in range(20_000)]
    values += [0, 999, 1000, -1, -999, -1000, -1001, 3_599_999, 3_600_000, 86_399_999, 86_400_000]
    values += ["1764638000123", 1764638000123 + 1000 * 3600 * 24 * 365]
    assert [ms_to_iso(v) for v in values] == [strftime_iso(v) for v in values]
    assert ms_to_iso("1764638000123") == "2025-12-02T01:13:20Z"


def test_ms_to_iso_of_what_is_not_a_number_is_empty() -> None:
    assert [ms_to_iso(v) for v in ("", None, "x", "1.5e3", 10**30)] == ["", "", "", "", ""]
