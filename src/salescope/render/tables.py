"""tables/*.csv: the report's tables for spreadsheets, with formula-like cells neutralised.

Names from the data are written in full, without the invisible control and format
characters the pages drop too (:mod:`salescope.narrative.display`); a breakdown that lists
only its largest members ends with a row saying how many are left out.
"""

from __future__ import annotations

import csv
import re
from dataclasses import fields, is_dataclass
from datetime import date
from pathlib import Path

from salescope.model import Breakdown, Measure, Report
from salescope.narrative.display import display_names, shown

_FORMULA = re.compile(r"^[=+\-@\t\r]")
_NUMBER = re.compile(r"^[-+]?[0-9][0-9.,eE+-]*$")


def neutralise(value: object) -> object:
    """``=HYPERLINK(...)`` -> ``'=HYPERLINK(...)``; numbers stay numbers.

    >>> neutralise("=1+1"), neutralise(-3.5)
    ("'=1+1", -3.5)
    """
    if isinstance(value, str) and _FORMULA.match(value) and not _NUMBER.match(value):
        return "'" + value
    return value


class _Writer:
    """Writes one CSV table: text cells clean (names in full), formula-like cells
    neutralised."""

    def __init__(self, report: Report) -> None:
        self.names = display_names(report, limit=None)

    def cell(self, value: object) -> object:
        if isinstance(value, str):
            value = shown(value, self.names, limit=None)
        return neutralise(value)

    def __call__(self, path: Path, header: list[str], rows: list[list[object]]) -> Path:
        with path.open("w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle)
            writer.writerow([self.cell(h) for h in header])
            writer.writerows([[self.cell(v) for v in row] for row in rows])
        return path


def _flat(row: object) -> dict[str, object]:
    """A dataclass row as columns: a measure ``x`` gives ``x``, ``x_previous``,
    ``x_change_pct``; dates are ISO strings; pairs become ``x_low`` and ``x_high``."""
    out: dict[str, object] = {}
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
        elif isinstance(value, date):
            out[f.name] = value.isoformat()
        elif not is_dataclass(value) and not isinstance(value, tuple | dict):
            out[f.name] = value
    return out


def _write_rows(_write: _Writer, path: Path, rows: list[object]) -> Path:
    flat = [_flat(r) for r in rows]
    header = list(flat[0])
    return _write(path, header, [[r[h] for h in header] for r in flat])


def left_out_row(b: Breakdown, width: int) -> list[object]:
    """The last row of a breakdown table that lists only its largest members.

    >>> from salescope.model import Breakdown
    >>> left_out_row(Breakdown("product", "Product", (), 300), 3)
    ['(top 0 of 300 members by revenue; 300 more not listed)', '', '']
    """
    more = b.members - len(b.rows)
    text = f"(top {len(b.rows):,} of {b.members:,} members by revenue; {more:,} more not listed)"
    return [text, *[""] * (width - 1)]


def _side_tables(_write: _Writer, report: Report, folder: Path) -> list[Path]:
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
    return [_write_rows(_write, folder / f"{name}.csv", rows) for name, rows in tables if rows]


def write_tables(report: Report, folder: Path) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    _write = _Writer(report)
    written = [
        _write(
            folder / "kpis.csv",
            ["kpi", "value", "previous", "change_pct", "yoy_value", "yoy_change_pct", "unit"],
            [
                [k.name, k.value, k.previous, k.change_pct, k.yoy_value, k.yoy_change_pct, k.unit]
                for k in report.kpis
            ],
        )
    ]
    for b in report.breakdowns:
        header = [b.role, "revenue", "share", "previous", "change_pct", "orders", "units"]
        header += ["customers"]
        rows: list[list[object]] = [
            [m.key, m.revenue, m.share, m.previous, m.change_pct, m.orders, m.units, m.customers]
            for m in b.rows
        ]
        if b.truncated:
            rows.append(left_out_row(b, len(header)))
        written.append(_write(folder / f"breakdown_{b.role}.csv", header, rows))
    units = report.kpi("units") is not None  # without a quantity units are unknown: blank
    written.append(
        _write(
            folder / "timeseries_month.csv",
            ["month", "revenue", "orders", "units", "customers", "partial"],
            [
                [
                    p.date.isoformat(),
                    p.revenue,
                    p.orders,
                    p.units if units else None,
                    p.customers,
                    p.partial,
                ]
                for p in report.timeseries.points
            ],
        )
    )
    written.append(
        _write(
            folder / "timeseries_day.csv",
            ["day", "revenue", "orders", "units"],
            [[p.date.isoformat(), p.revenue, p.orders, p.units] for p in report.timeseries.daily],
        )
    )
    written += _analysis_tables(_write, report, folder)
    return written


def _analysis_tables(_write: _Writer, report: Report, folder: Path) -> list[Path]:
    """RFM segments, cohorts, unusual days and the forecast, where the data allowed them."""
    written = []
    c = report.customers
    if c is not None:
        written.append(
            _write(
                folder / "rfm_segments.csv",
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
        written.append(
            _write(
                folder / "cohorts.csv",
                ["cohort", "customers", *(f"month_{k}" for k in range(width))],
                [[h.month.isoformat(), h.customers, *h.retention] for h in c.cohorts],
            )
        )
    if report.anomalies:
        written.append(
            _write(
                folder / "unusual_days.csv",
                ["day", "direction", "revenue", "expected", "score", "in_period", "explained_by"],
                [
                    [
                        a.date.isoformat(),
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
        written.append(
            _write(
                folder / "forecast.csv",
                ["month", "forecast", "lower", "upper"],
                [[p.date.isoformat(), p.value, p.lower, p.upper] for p in report.forecast.points],
            )
        )
    written += _side_tables(_write, report, folder)
    return written
