"""report.xlsx: the report's tables as one workbook, for people who work in spreadsheets.

A first "Summary" sheet holds the period and the KPIs; then one sheet per table of
tables/*.csv (:func:`salescope.render.tables.report_tables`, the same rows and numbers).
Numbers are number cells: amounts carry the report's currency as a number format, shares
and rates a percent format, changes in percent (``change_pct``, 12.5 is +12.5%, as in
report.json) a ``%`` sign, dates are date cells. Text cells are always text: one that
would read as a formula is neutralised as in the CSV tables (a leading ``'``), and none is
ever stored as a formula. The workbook is streamed (openpyxl's write-only mode).
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Sequence
from datetime import UTC, date, datetime
from pathlib import Path

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet._write_only import WriteOnlyWorksheet

from salescope.model import Report
from salescope.narrative.format import clean, symbol
from salescope.render.tables import (
    UNIT_KINDS,
    Cell,
    Kind,
    SheetTable,
    neutralise,
    report_tables,
)

TEXT_MAX = 32_767  # characters in a cell (Excel's limit); a longer name is cut, "…" last
SHEET_NAME_MAX = 31
SUMMARY = "Summary"
DATE_FORMAT = "yyyy-mm-dd"
FRACTION_FORMAT = "0.0%"
PERCENT_FORMAT = '+0.0"%";-0.0"%";0.0"%"'  # change_pct holds percent: 12.5 shows +12.5%
COUNT_FORMAT = "#,##0"
NUMBER_FORMAT = "General"
WIDTH_MIN, WIDTH_MAX = 8, 60
_SHEET_BAD = re.compile(r"[\[\]:*?/\\]")
_BOLD = Font(bold=True)


def money_format(currency: str | None) -> str:
    """The number format of an amount: the currency's sign (or code) before it, two
    decimals; without a currency a plain ``#,##0.00``.

    >>> money_format("USD"), money_format("CHF"), money_format(None)
    ('"$"#,##0.00;-"$"#,##0.00', '"CHF "#,##0.00;-"CHF "#,##0.00', '#,##0.00')
    """
    sign = symbol(currency).replace('"', "")
    if not sign:
        return "#,##0.00"
    return f'"{sign}"#,##0.00;-"{sign}"#,##0.00'


def sheet_names(names: Iterable[str]) -> list[str]:
    """Sheet names Excel accepts: no ``[]:*?/\\``, at most 31 characters, not starting or
    ending with ``'``, unique ignoring case (a repeat gets `` (2)``); "History" is Excel's.

    >>> sheet_names(["a/b", "A:B", "x" * 40])
    ['a_b', 'A_B (2)', 'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx']
    """
    taken = {"history"}
    out = []
    for name in names:
        base = _SHEET_BAD.sub("_", clean(name)).strip("'") or "table"
        shown, k = base[:SHEET_NAME_MAX], 2
        while shown.lower() in taken:
            tag = f" ({k})"
            shown, k = base[: SHEET_NAME_MAX - len(tag)] + tag, k + 1
        taken.add(shown.lower())
        out.append(shown)
    return out


class _Sheet:
    """Writes one sheet: bold frozen header, autofilter, widths from the contents."""

    def __init__(self, report: Report) -> None:
        self.formats: dict[Kind, str] = {
            "money": money_format(report.currency),
            "fraction": FRACTION_FORMAT,
            "percent": PERCENT_FORMAT,
            "count": COUNT_FORMAT,
            "number": NUMBER_FORMAT,
        }

    def cell(self, ws: WriteOnlyWorksheet, value: Cell, kind: Kind) -> WriteOnlyCell | None:
        if value is None or value == "" or (isinstance(value, float) and not math.isfinite(value)):
            return None
        if isinstance(value, str):
            c = WriteOnlyCell(ws, _text(value))
            c.data_type = "s"  # never a formula, an error code or anything but text
            return c
        c = WriteOnlyCell(ws, value)
        if isinstance(value, date):
            c.number_format = DATE_FORMAT
        elif isinstance(value, bool):
            pass
        elif kind in self.formats:
            c.number_format = self.formats[kind]
        elif isinstance(value, int):
            c.number_format = COUNT_FORMAT
        return c

    def header(self, ws: WriteOnlyWorksheet, names: Sequence[str]) -> list[WriteOnlyCell]:
        cells = []
        for name in names:
            c = WriteOnlyCell(ws, _text(name))
            c.data_type = "s"
            c.font = _BOLD
            cells.append(c)
        return cells

    def table(self, ws: WriteOnlyWorksheet, table: SheetTable) -> None:
        _widths(ws, [table.header, *table.rows])
        ws.freeze_panes = "A2"
        last = f"{get_column_letter(max(len(table.header), 1))}{len(table.rows) + 1}"
        ws.auto_filter.ref = f"A1:{last}"
        ws.append(self.header(ws, table.header))
        for i, row in enumerate(table.rows):
            ws.append([self.cell(ws, v, table.kind(i, j)) for j, v in enumerate(row)])

    def summary(self, ws: WriteOnlyWorksheet, report: Report) -> None:
        """The period, the comparisons and the currency above the KPI table (frozen)."""
        p = report.period
        top: list[list[Cell]] = [["period", p.label, p.start, p.end]]
        if p.previous is not None:
            top.append(["previous period", p.previous[0], p.previous[1], p.previous[2]])
        if p.yoy is not None:
            top.append(["year earlier", p.yoy[0], p.yoy[1], p.yoy[2]])
        top += [["currency", report.currency or "not known"], []]
        header = ["kpi", "label", "value", "previous", "change_pct", "yoy_value"]
        header += ["yoy_change_pct"]
        kpis = [
            [k.name, k.label, k.value, k.previous, k.change_pct, k.yoy_value, k.yoy_change_pct]
            for k in report.kpis
        ]
        _widths(ws, [*top, header, *kpis])
        first = len(top) + 1  # the KPI header's row
        ws.freeze_panes = f"A{first + 1}"
        ws.auto_filter.ref = f"A{first}:{get_column_letter(len(header))}{first + len(kpis)}"
        for row in top:
            head = self.header(ws, [str(v) for v in row[:1]])
            ws.append([*head, *(self.cell(ws, v, "auto") for v in row[1:])])
        ws.append(self.header(ws, header))
        for k, values in zip(report.kpis, kpis, strict=True):
            unit = UNIT_KINDS.get(k.unit, "number")
            kinds: list[Kind] = ["auto", "auto", unit, unit, "percent", unit, "percent"]
            ws.append([self.cell(ws, v, kind) for v, kind in zip(values, kinds, strict=True)])


def _widths(ws: WriteOnlyWorksheet, rows: Sequence[Sequence[Cell]]) -> None:
    """Column widths from the longest value shown (dates 10, numbers as printed), within
    ``WIDTH_MIN`` and ``WIDTH_MAX``; set before the rows, as streaming needs."""
    widest: dict[int, int] = {}
    for row in rows:
        for j, v in enumerate(row):
            size = len(_shown(v))
            widest[j] = max(widest.get(j, 0), min(size, WIDTH_MAX))
    for j, size in widest.items():
        ws.column_dimensions[get_column_letter(j + 1)].width = max(WIDTH_MIN, size + 2)


def _text(value: str) -> str:
    """A text cell: neutralised as in the CSV tables, at most ``TEXT_MAX`` characters."""
    out = str(neutralise(clean(value, TEXT_MAX)))
    return out if len(out) <= TEXT_MAX else str(neutralise(clean(value, TEXT_MAX - 1)))


def _shown(value: Cell) -> str:
    """About what a cell shows, for its column's width."""
    if value is None:
        return ""
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float):
        return f"{value:,.2f}"
    return str(value)


def write_xlsx(report: Report, path: Path, tables: Sequence[SheetTable] | None = None) -> Path:
    """Write report.xlsx: the Summary sheet, then a sheet per table of
    :func:`~salescope.render.tables.report_tables` (or of ``tables``, built already)."""
    chosen = report_tables(report) if tables is None else tables
    book = Workbook(write_only=True)
    book.properties.creator = "salescope"
    created = datetime.fromisoformat(report.run.created_at)
    book.properties.created = created.astimezone(UTC).replace(tzinfo=None)  # the run's time
    sheet = _Sheet(report)
    names = sheet_names([SUMMARY, *(t.name for t in chosen)])
    sheet.summary(book.create_sheet(names[0]), report)
    for name, table in zip(names[1:], chosen, strict=True):
        sheet.table(book.create_sheet(name), table)
    book.save(path)
    return path
