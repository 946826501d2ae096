"""Turn catalog objects into table rows (pure functions, no I/O)."""

from __future__ import annotations

from typing import Any

from inference_console.catalog.view import Health, HealthResult, KindView
from inference_console.safe_text import safe
from inference_console.widgets.virtual_table import TableColumn, TableRow

# The one word per health state: the table's row style (see styles/app.tcss) and the
# word the detail view prints.
HEALTH_WORD = {
    Health.OK: "ok",
    Health.PROGRESSING: "progressing",
    Health.FAILED: "failed",
    Health.UNKNOWN: "unknown",
}
HEALTH_COLOR = {Health.OK: "green", Health.PROGRESSING: "yellow", Health.FAILED: "bold red", Health.UNKNOWN: "dim"}


def table_columns(spec: KindView, all_namespaces: bool) -> list[TableColumn]:
    cols = []
    for index, col in enumerate(spec.columns):
        if col.name == "NAMESPACE" and spec.namespaced and not all_namespaces:
            continue
        priority = 0 if col.name == "NAMESPACE" and all_namespaces else col.priority  # as kubectl -A
        cols.append(TableColumn(key=f"{index}:{col.name}", label=col.name, min_width=col.min_width,
                                max_width=col.max_width or (2000 if col.flex else None), priority=priority,
                                justify=col.justify, flex=col.flex, cut="middle" if col.cut_middle else "end"))
    return cols


def health_of(spec: KindView, obj: dict[str, Any]) -> HealthResult:
    try:
        return spec.health(obj)
    except Exception as exc:  # noqa: BLE001 - a rule must never break the table
        return HealthResult(Health.UNKNOWN, f"health rule failed: {type(exc).__name__}")


def render_row(spec: KindView, key: str, obj: dict[str, Any], columns: list[TableColumn],
               health: HealthResult | None = None) -> TableRow:
    cells: list[str] = []
    sort_keys: list[Any] = []
    if health is None:
        health = health_of(spec, obj)
    for col in columns:
        column = spec.columns[int(col.key.partition(":")[0])]
        try:
            if column.health_reason and health is not None:
                text = safe(health.reason if health.state is not Health.OK else "", limit=256)
            else:
                text = safe(column.get(obj), limit=256)
        except Exception:  # noqa: BLE001
            text = "?"
        cells.append(text)
        if column.sort is not None:
            try:
                sort_keys.append(column.sort(obj))
            except Exception:  # noqa: BLE001
                sort_keys.append(text)
        else:
            sort_keys.append(_natural(text))
    search = " ".join(cells).lower()
    if health.reason:
        search += " " + health.reason.lower()
    return TableRow(key=key, cells=tuple(cells), style=HEALTH_WORD[health.state],
                    search=search, sort_keys=tuple(sort_keys))


def _natural(text: str) -> Any:
    # Numbers sort numerically ("10" after "9"); "3/4" by its first number.
    head = text.split("/", 1)[0].strip()
    try:
        return (0, float(head), text)
    except ValueError:
        return (1, 0.0, text.lower())
