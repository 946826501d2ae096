"""Turn catalog objects into table rows (pure functions, no I/O)."""

from __future__ import annotations

from typing import Any, Callable

from inference_console.catalog.view import Health, HealthResult, KindView
from inference_console.safe_text import safe
from inference_console.widgets.virtual_table import TableColumn, TableRow

# Looks up the record ``key`` of store ``store_key`` (None when there is none).
Lookup = Callable[[str, str], Any]

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
        cols.append(
            TableColumn(
                key=f"{index}:{col.name}",
                label=col.name,
                min_width=col.min_width,
                max_width=col.max_width or (2000 if col.flex else None),
                priority=priority,
                justify=col.justify,
                flex=col.flex,
                cut="middle" if col.cut_middle else "end",
            )
        )
    return cols


def health_of(spec: KindView, obj: dict[str, Any]) -> HealthResult:
    try:
        return spec.health(obj)
    except Exception as exc:  # noqa: BLE001 - a rule must never break the table
        return HealthResult(Health.UNKNOWN, f"health rule failed: {type(exc).__name__}")


class KindRows:
    """Renders a kind's rows lazily (a :class:`RowRenderer`): each row is made with its key,
    its style (the health kept by the store) and ``data = (object, health, lookup of the
    joined records or None)``; its cells,
    search text and sort keys are computed when the table first reads them: the cells of
    the rows on screen, the key of the sort column of every row, the search text of every
    row once a filter needs it (the table prepares those in the background)."""

    __slots__ = ("spec", "table_columns", "columns")

    def __init__(self, spec: KindView, columns: list[TableColumn]) -> None:
        self.spec = spec
        self.table_columns = columns
        self.columns = [spec.columns[int(col.key.partition(":")[0])] for col in columns]

    def row(
        self, key: str, obj: dict[str, Any], health: HealthResult | None = None, lookup: Lookup | None = None
    ) -> TableRow:
        if health is None:
            health = health_of(self.spec, obj)
        # The joined records are looked up when a cell needs them, not kept by the row: a row
        # holding a metrics record would keep it alive after its store replaced it (a copy of
        # every PodMetrics per poll), and the cells drawn later show the current values.
        joins = lookup if lookup is not None and self.spec.joins else None
        return TableRow(key, style=HEALTH_WORD[health.state], data=(obj, health, joins), renderer=self)

    def cell(self, index: int, obj: dict[str, Any], health: HealthResult, joined: dict[str, Any] | None = None) -> str:
        column = self.columns[index]
        try:
            if column.health_reason:
                return safe(health.reason if health.state is not Health.OK else "", limit=256)
            if column.join:
                return safe(column.get(obj, (joined or {}).get(column.join)), limit=256)  # type: ignore[call-arg]
            return safe(column.get(obj), limit=256)
        except Exception:  # noqa: BLE001
            return "?"

    def cells(self, row: TableRow) -> tuple[str, ...]:
        obj, health, lookup = row.data
        joined = joined_records(self.spec, obj, lookup) if lookup is not None else None
        cell = self.cell
        return tuple(cell(i, obj, health, joined) for i in range(len(self.columns)))

    def search(self, row: TableRow) -> str:
        """The text a filter matches: the row's own cells, not the joined ones (CPU, MEM, GPU%…:
        they change with every poll while the search text is made once per row version, and
        they cost the most to compute)."""
        obj, health, _ = row.data
        if row._cells is not None:  # not kept: only drawn rows keep cells
            cells = [text for text, column in zip(row._cells, self.columns) if not column.join]
        else:
            cell = self.cell
            cells = [cell(i, obj, health) for i, column in enumerate(self.columns) if not column.join]
        search = " ".join(cells).lower()
        if health.reason:
            search += " " + health.reason.lower()
        return search

    def sort_key(self, row: TableRow, index: int) -> Any:
        obj, health, lookup = row.data
        column = self.columns[index]
        text = row._cells[index] if row._cells is not None else None
        joined = joined_records(self.spec, obj, lookup) if lookup is not None and column.join else None
        if column.sort is not None:
            try:
                if column.join:
                    return column.sort(obj, (joined or {}).get(column.join))  # type: ignore[call-arg]
                return column.sort(obj)
            except Exception:  # noqa: BLE001
                return text if text is not None else self.cell(index, obj, health, joined)
        return _natural(text if text is not None else self.cell(index, obj, health, joined))


_renderers: dict[tuple[int, int], KindRows] = {}


def kind_rows(spec: KindView, columns: list[TableColumn]) -> KindRows:
    """The renderer of a view's rows in these columns (kept while both are the same objects)."""
    key = (id(spec), id(columns))
    renderer = _renderers.get(key)
    if renderer is None or renderer.spec is not spec or renderer.table_columns is not columns:
        if len(_renderers) > 64:
            _renderers.clear()
        renderer = _renderers[key] = KindRows(spec, columns)
    return renderer


def joined_records(spec: KindView, obj: dict[str, Any], lookup: Lookup) -> dict[str, Any]:
    """The records of other stores ``obj``'s row shows (``KindView.joins``), by store key."""
    out = {}
    for store_key, key_of in spec.joins.items():
        try:
            record = lookup(store_key, key_of(obj))
        except Exception:  # noqa: BLE001 - a join must never break the table
            record = None
        if record is not None:
            out[store_key] = record
    return out


def render_row(
    spec: KindView,
    key: str,
    obj: dict[str, Any],
    columns: list[TableColumn],
    health: HealthResult | None = None,
    lookup: Lookup | None = None,
) -> TableRow:
    """A lazy row of ``obj`` (see :class:`KindRows`): nothing but its style and the joined
    records (``lookup(store key, record key)``, see ``KindView.joins``) is computed here."""
    return kind_rows(spec, columns).row(key, obj, health, lookup)


def render_row_now(
    spec: KindView,
    key: str,
    obj: dict[str, Any],
    columns: list[TableColumn],
    health: HealthResult | None = None,
    lookup: Lookup | None = None,
) -> TableRow:
    """The same row with everything computed (cells, search text, sort keys)."""
    lazy = render_row(spec, key, obj, columns, health, lookup)
    cells = lazy.cells
    return TableRow(key, cells, lazy.style, lazy.search, tuple(lazy.sort_key(i) for i in range(len(cells))))


def _natural(text: str) -> Any:
    # Numbers sort numerically ("10" after "9"); "3/4" by its first number.
    head = text.split("/", 1)[0].strip()
    try:
        return (0, float(head), text)
    except ValueError:
        return (1, 0.0, text.lower())
