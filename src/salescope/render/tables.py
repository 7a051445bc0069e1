"""tables/*.csv: the report's tables for spreadsheets, with formula-like cells neutralised."""

from __future__ import annotations

import csv
import re
from pathlib import Path

from salescope.model import Report

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


def _write(path: Path, header: list[str], rows: list[list[object]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows([[neutralise(v) for v in row] for row in rows])
    return path


def write_tables(report: Report, folder: Path) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
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
        written.append(
            _write(
                folder / f"breakdown_{b.role}.csv",
                [
                    b.role,
                    "revenue",
                    "share",
                    "previous",
                    "change_pct",
                    "orders",
                    "units",
                    "customers",
                ],
                [
                    [
                        m.key,
                        m.revenue,
                        m.share,
                        m.previous,
                        m.change_pct,
                        m.orders,
                        m.units,
                        m.customers,
                    ]
                    for m in b.rows
                ],
            )
        )
    written.append(
        _write(
            folder / "timeseries_month.csv",
            ["month", "revenue", "orders", "units", "customers", "partial"],
            [
                [p.date.isoformat(), p.revenue, p.orders, p.units, p.customers, p.partial]
                for p in report.timeseries.points
            ],
        )
    )
    return written
