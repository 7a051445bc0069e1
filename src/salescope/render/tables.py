"""The report's tables for spreadsheets: built once here, written as tables/*.csv here and
as report.xlsx by :mod:`salescope.render.xlsx`, with formula-like cells neutralised.

Names from the data are written in full, without the invisible control and format
characters the pages drop too (:mod:`salescope.narrative.display`); a breakdown that lists
only its largest members ends with a row saying how many are left out.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, fields, is_dataclass
from datetime import date
from pathlib import Path
from typing import Literal

from salescope.model import Breakdown, Measure, Report
from salescope.narrative.display import display_names, shown

_FORMULA = re.compile(r"^[=+\-@\t\r]")
_NUMBER = re.compile(r"^[-+]?[0-9][0-9.,eE+-]*$")

# What a column holds, for a spreadsheet's number formats (the CSV files need none):
# "money" in the report's currency; "fraction" a share or rate (0.3411); "percent" a
# change in percent (12.5 is +12.5%); "row" takes the row's own kind (the KPI table, where
# each row has its unit); "auto" from the value (a date, a flag, a count, a number, text).
Kind = Literal["money", "fraction", "percent", "count", "number", "row", "auto"]
Cell = str | int | float | bool | date | None

# columns by name, in every table (a measure ``x`` of the side tables gives ``x``,
# ``x_previous`` and ``x_change_pct``: the first two take ``x``'s kind)
MONEY_COLUMNS = frozenset(
    {
        "revenue", "previous", "expected", "forecast", "lower", "upper", "spend", "aov", "cpa",
        "cost_per_new_customer", "quota", "returns", "gross", "daily_revenue", "lost_revenue",
        "baseline", "incremental_revenue", "interval_low", "interval_high",
    }
)  # fmt: skip
FRACTION_COLUMNS = frozenset(
    {
        "share", "revenue_share", "rate", "previous_rate", "attainment", "ctr",
        "conversion_rate", "new_customer_share", "level", "discount_rate", "gross_margin",
    }
)  # fmt: skip
UNIT_KINDS: dict[str, Kind] = {"currency": "money", "fraction": "fraction", "count": "count"}


def column_kind(name: str) -> Kind:
    """What a column holds, by its name.

    >>> column_kind("revenue_previous"), column_kind("revenue_change_pct"), column_kind("share")
    ('money', 'percent', 'fraction')
    """
    if name.endswith(("change_pct", "uplift_pct")):
        return "percent"
    base = name.removesuffix("_previous")
    if base in MONEY_COLUMNS:
        return "money"
    if base in FRACTION_COLUMNS or re.fullmatch(r"month_[0-9]+", name):
        return "fraction"
    return "auto"


@dataclass(frozen=True)
class SheetTable:
    """One table of the report: ``name`` is its CSV file's stem and its sheet's name.

    Text cells are as the tables show them (clean, in full) but not yet neutralised;
    dates are dates. ``kinds`` has one entry per column; ``row_kinds`` one per row, for
    the columns of kind "row".
    """

    name: str
    header: tuple[str, ...]
    rows: tuple[tuple[Cell, ...], ...]
    kinds: tuple[Kind, ...]
    row_kinds: tuple[Kind, ...] = ()

    def kind(self, row: int, column: int) -> Kind:
        k = self.kinds[column]
        return self.row_kinds[row] if k == "row" else k


def neutralise(value: object) -> object:
    """``=HYPERLINK(...)`` -> ``'=HYPERLINK(...)``; numbers stay numbers.

    >>> neutralise("=1+1"), neutralise(-3.5)
    ("'=1+1", -3.5)
    """
    if isinstance(value, str) and _FORMULA.match(value) and not _NUMBER.match(value):
        return "'" + value
    return value


class _Builder:
    """Makes the tables: text cells clean (names in full), columns given their kinds."""

    def __init__(self, report: Report) -> None:
        self.names = display_names(report, limit=None)

    def text(self, value: Cell) -> Cell:
        return shown(value, self.names, limit=None) if isinstance(value, str) else value

    def __call__(
        self,
        name: str,
        header: Sequence[str],
        rows: Sequence[Sequence[Cell]],
        kinds: Sequence[Kind] | None = None,
        row_kinds: Sequence[Kind] = (),
    ) -> SheetTable:
        return SheetTable(
            name,
            tuple(str(self.text(h)) for h in header),
            tuple(tuple(self.text(v) for v in row) for row in rows),
            tuple(kinds) if kinds is not None else tuple(column_kind(h) for h in header),
            tuple(row_kinds),
        )


def _flat(row: object) -> dict[str, Cell]:
    """A dataclass row as columns: a measure ``x`` gives ``x``, ``x_previous``,
    ``x_change_pct``; pairs become ``x_low`` and ``x_high``."""
    out: dict[str, Cell] = {}
    for f in fields(row):  # type: ignore[arg-type]
        value = getattr(row, f.name)
        if isinstance(value, Measure) or (value is None and "Measure" in str(f.type)):
            m = value or Measure(None)
            out.update(
                {f.name: m.value, f"{f.name}_previous": m.previous,
                 f"{f.name}_change_pct": m.change_pct}
            )  # fmt: skip
        elif isinstance(value, tuple) and len(value) == 2 and f.name == "interval":
            out[f"{f.name}_low"], out[f"{f.name}_high"] = value
        elif not is_dataclass(value) and not isinstance(value, tuple | dict):
            out[f.name] = value
    return out


def _rows_table(table: _Builder, name: str, rows: Sequence[object]) -> SheetTable:
    flat = [_flat(r) for r in rows]
    header = list(flat[0])
    return table(name, header, [[r[h] for h in header] for r in flat])


def left_out_row(b: Breakdown, width: int) -> list[Cell]:
    """The last row of a breakdown table that lists only its largest members.

    >>> from salescope.model import Breakdown
    >>> left_out_row(Breakdown("product", "Product", (), 300), 3)
    ['(top 0 of 300 members by revenue; 300 more not listed)', '', '']
    """
    more = b.members - len(b.rows)
    text = f"(top {len(b.rows):,} of {b.members:,} members by revenue; {more:,} more not listed)"
    return [text, *[""] * (width - 1)]


def report_tables(report: Report) -> list[SheetTable]:
    """Every table of the report, in the order the CSV files and the sheets come."""
    table = _Builder(report)
    out = [
        table(
            "kpis",
            ["kpi", "value", "previous", "change_pct", "yoy_value", "yoy_change_pct", "unit"],
            [
                [k.name, k.value, k.previous, k.change_pct, k.yoy_value, k.yoy_change_pct, k.unit]
                for k in report.kpis
            ],
            ["auto", "row", "row", "percent", "row", "percent", "auto"],
            [UNIT_KINDS.get(k.unit, "number") for k in report.kpis],
        )
    ]
    for b in report.breakdowns:
        header = [b.role, "revenue", "share", "previous", "change_pct", "orders", "units"]
        header += ["customers"]
        rows: list[list[Cell]] = [
            [m.key, m.revenue, m.share, m.previous, m.change_pct, m.orders, m.units, m.customers]
            for m in b.rows
        ]
        if b.truncated:
            rows.append(left_out_row(b, len(header)))
        kinds: list[Kind] = ["auto", *(column_kind(h) for h in header[1:])]  # a role: text
        out.append(table(f"breakdown_{b.role}", header, rows, kinds))
    units = report.kpi("units") is not None  # without a quantity units are unknown: blank
    out.append(
        table(
            "timeseries_month",
            ["month", "revenue", "orders", "units", "customers", "partial"],
            [
                [p.date, p.revenue, p.orders, p.units if units else None, p.customers, p.partial]
                for p in report.timeseries.points
            ],
        )
    )
    out.append(
        table(
            "timeseries_day",
            ["day", "revenue", "orders", "units"],
            [[p.date, p.revenue, p.orders, p.units] for p in report.timeseries.daily],
        )
    )
    return out + _analysis_tables(table, report)


def _analysis_tables(table: _Builder, report: Report) -> list[SheetTable]:
    """RFM segments, cohorts, unusual days and the forecast, where the data allowed them."""
    out = []
    c = report.customers
    if c is not None:
        out.append(
            table(
                "rfm_segments",
                ["segment", "customers", "share", "revenue", "revenue_share", "previous_customers"],
                [
                    [
                        s.segment,
                        s.customers,
                        s.share,
                        s.revenue,
                        s.revenue_share,
                        s.previous_customers,
                    ]
                    for s in c.rfm
                ],
            )
        )
        width = max((len(h.retention) for h in c.cohorts), default=0)
        out.append(
            table(
                "cohorts",
                ["cohort", "customers", *(f"month_{k}" for k in range(width))],
                [[h.month, h.customers, *h.retention] for h in c.cohorts],
            )
        )
    if report.anomalies:
        out.append(
            table(
                "unusual_days",
                ["day", "direction", "revenue", "expected", "score", "in_period", "explained_by"],
                [
                    [
                        a.date,
                        a.direction,
                        a.revenue,
                        a.expected,
                        a.score,
                        a.in_period,
                        "; ".join(f"{e.dimension}={e.key} ({e.share})" for e in a.explained_by),
                    ]
                    for a in report.anomalies
                ],
            )
        )
    if report.forecast is not None:
        out.append(
            table(
                "forecast",
                ["month", "forecast", "lower", "upper"],
                [[p.date, p.value, p.lower, p.upper] for p in report.forecast.points],
            )
        )
    return out + _side_tables(table, report)


def _side_tables(table: _Builder, report: Report) -> list[SheetTable]:
    """Marketing, sales team and operations tables, where the data allowed them."""
    tables: list[tuple[str, list[object]]] = []
    if report.marketing is not None:
        tables += [("channels", list(report.marketing.channels))]
        tables += [("campaigns", list(report.marketing.campaigns))]
    if report.team is not None:
        tables += [("reps", list(report.team.reps)), ("teams", list(report.team.teams))]
    if report.inventory is not None:
        tables += [("stockouts", list(report.inventory.stockouts))]
    if report.operations is not None:
        tables += [("returns", list(report.operations.returns))]
        if report.operations.margin is not None:
            tables += [("margin_monthly", list(report.operations.margin.monthly))]
    return [_rows_table(table, name, rows) for name, rows in tables if rows]


def csv_cell(value: Cell) -> object:
    """A cell as tables/*.csv writes it: dates in ISO form, formula-like text neutralised."""
    return value.isoformat() if isinstance(value, date) else neutralise(value)


def write_csv(path: Path, table: SheetTable, cell: Callable[[Cell], object] = csv_cell) -> Path:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow([cell(h) for h in table.header])
        writer.writerows([[cell(v) for v in row] for row in table.rows])
    return path


def write_tables(
    report: Report, folder: Path, tables: Sequence[SheetTable] | None = None
) -> list[Path]:
    """tables/<name>.csv for every table of :func:`report_tables` (or of ``tables``, built
    from ``report`` already)."""
    folder.mkdir(parents=True, exist_ok=True)
    chosen = report_tables(report) if tables is None else tables
    return [write_csv(folder / f"{t.name}.csv", t) for t in chosen]
