"""report.xlsx read back with openpyxl against report.json and the CSV tables of the same run."""

from __future__ import annotations

import csv
import json
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook
from openpyxl.cell.cell import Cell
from openpyxl.workbook.workbook import Workbook

import salescope
from salescope.config import Config
from salescope.render.xlsx import TEXT_MAX, money_format, sheet_names
from tests.conftest import fixed_clock

PERIOD_ROWS = {"period": "period", "previous period": "previous", "year earlier": "yoy"}


@pytest.fixture(scope="module")
def demo_out(tmp_path_factory: pytest.TempPathFactory, demo_report: salescope.Report) -> Path:
    out = tmp_path_factory.mktemp("xlsx") / "out"
    salescope.write_outputs(demo_report, out, formats=("json", "csv", "xlsx"), departments=())
    return out


@pytest.fixture(scope="module")
def book(demo_out: Path) -> Workbook:
    return load_workbook(demo_out / "report.xlsx")


@pytest.fixture(scope="module")
def report_json(demo_out: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((demo_out / "report.json").read_text(encoding="utf-8"))
    return data


def rows_of(ws: Any, first: int = 1) -> list[tuple[Cell, ...]]:
    return [tuple(row) for row in ws.iter_rows(min_row=first)]


def day(cell: Cell) -> str:
    assert cell.is_date and isinstance(cell.value, datetime), cell
    return cell.value.date().isoformat()


def test_summary_holds_the_period_and_every_kpi_of_report_json(
    book: Workbook, report_json: dict[str, Any]
) -> None:
    ws = book["Summary"]
    assert book.sheetnames[0] == "Summary"
    rows = rows_of(ws)
    head = next(i for i, r in enumerate(rows) if r[0].value == "kpi")
    period = {r[0].value: r for r in rows[:head] if r[0].value in PERIOD_ROWS}
    for name, key in PERIOD_ROWS.items():
        want = report_json["period"] if key == "period" else report_json["period"][key]
        got = period[name]
        assert (got[1].value, day(got[2]), day(got[3])) == (
            want["label"],
            want["start"],
            want["end"],
        )
    assert ws.freeze_panes == f"A{head + 2}"  # the KPI header stays in view
    header = [c.value for c in rows[head]]
    assert header == ["kpi", "label", "value", "previous", "change_pct", "yoy_value",
                      "yoy_change_pct"]  # fmt: skip
    assert all(c.font.b for c in rows[head])
    kpis = report_json["kpis"]
    shown = [r for r in rows[head + 1 :] if r[0].value is not None]
    assert [r[0].value for r in shown] == list(kpis)
    money = money_format("USD")
    for r in shown:
        k = kpis[r[0].value]
        assert r[1].value == k["label"]
        for cell, field in zip(r[2:], header[2:], strict=True):
            assert cell.value == k[field], (r[0].value, field)
            if k[field] is not None:
                assert cell.data_type == "n" and isinstance(cell.value, int | float)
            if field.endswith("change_pct"):
                assert cell.number_format.endswith('"%"')
            elif k["unit"] == "currency":
                assert cell.number_format == money and '"$"' in money
            elif k["unit"] == "fraction":
                assert cell.number_format == "0.0%"


def _csv_tables(out: Path) -> dict[str, list[list[str]]]:
    tables = {}
    for path in sorted((out / "tables").glob("*.csv")):
        with path.open(encoding="utf-8", newline="") as handle:
            tables[path.stem] = list(csv.reader(handle))
    return tables


def _same(cell: Cell, text: str) -> None:
    """A sheet cell against the CSV cell written in the same run."""
    if text == "":
        assert cell.value is None, cell
    elif text in ("True", "False"):
        assert cell.data_type == "b" and cell.value is (text == "True")
    elif cell.is_date:
        assert day(cell) == text
    elif isinstance(cell.value, str):
        assert cell.data_type == "s" and cell.value == text
    else:  # a number: the same float to the last digit, a number cell
        assert cell.data_type == "n" and isinstance(cell.value, int | float), cell
        assert cell.value == float(text), (cell.coordinate, cell.value, text)


def test_every_table_sheet_equals_its_csv_table(demo_out: Path, book: Workbook) -> None:
    tables = _csv_tables(demo_out)
    assert len(tables) > 15
    assert sorted(book.sheetnames[1:]) == sorted(tables)
    for name, rows in tables.items():
        ws = book[name]
        sheet = [[c for c in r] for r in ws.iter_rows()]
        assert len(sheet) == len(rows), name
        assert [c.value for c in sheet[0]] == rows[0], name
        assert all(c.font.b for c in sheet[0])
        assert ws.freeze_panes == "A2"
        assert ws.auto_filter.ref == f"A1:{sheet[0][len(rows[0]) - 1].column_letter}{len(rows)}"
        for got, want in zip(sheet[1:], rows[1:], strict=True):
            assert len(got) >= len(want)
            for cell, text in zip(got, want, strict=False):
                _same(cell, text)
        widths = [ws.column_dimensions[c.column_letter].width for c in sheet[0]]
        assert all(8 <= w <= 62 for w in widths), (name, widths)


def test_sheets_match_report_json_in_money_share_and_dates(
    book: Workbook, report_json: dict[str, Any]
) -> None:
    money = money_format(report_json["currency"])
    for role, members in report_json["breakdowns"].items():
        ws = book[f"breakdown_{role}"]
        head = [c.value for c in next(ws.iter_rows(max_row=1))]
        got = {r[0].value: r for r in ws.iter_rows(min_row=2) if r[0].value in
               {m["key"] for m in members}}  # fmt: skip
        assert len(got) == len(members)
        for m in members:
            row = dict(zip(head, got[m["key"]], strict=True))
            assert row["revenue"].value == m["revenue"] and row["revenue"].number_format == money
            assert row["previous"].value == m["previous"]
            assert row["share"].value == m["share"] and row["share"].number_format == "0.0%"
            assert row["orders"].value == m["orders"] and row["orders"].number_format == "#,##0"
    months = list(book["timeseries_month"].iter_rows(min_row=2))
    points = report_json["timeseries"]["points"]
    assert [(day(r[0]), r[1].value, r[2].value) for r in months] == [
        (p["date"], p["revenue"], p["orders"]) for p in points
    ]
    assert {r[1].number_format for r in months} == {money}


# --- text that would be a formula, and text too long for a cell ----------------------

EVIL = '=HYPERLINK("http://x","y")'
LONG = "Widget " + "y" * 40_000


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, salescope.Report]:
    folder = tmp_path_factory.mktemp("xlsx_hostile")
    path = folder / "orders.csv"
    rows = [
        ("A1", "2024-07-03", "C1", EVIL, "@SUM(A1)", 2, 19.99),
        ("A2", "2024-08-14", "C2", "#N/A", "+cmd|' /C calc'!A0", 3, 7.50),
        ("A3", "2024-09-30", "C1", LONG, "-2+3", 1, 7.50),
        ("A4", "2024-04-02", "C3", "Plain Mug", "Kitchen", 4, 7.50),
    ]
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["Order", "Order Date", "Customer", "Product", "Category", "Qty", "Price"])
        writer.writerows(rows)
    report = salescope.run([path], Config(), period="2024-Q3", clock=fixed_clock)
    out = folder / "out"
    salescope.write_outputs(report, out, formats=("csv", "xlsx"), departments=())
    return out, report


def test_formula_like_names_read_back_as_text_never_as_formulas(
    hostile: tuple[Path, salescope.Report],
) -> None:
    out, _ = hostile
    wb = load_workbook(out / "report.xlsx")
    cells = [c for ws in wb.worksheets for row in ws.iter_rows() for c in row]
    assert not [c.coordinate for c in cells if c.data_type in ("f", "e")]
    products = {c.value: c for c in (r[0] for r in wb["breakdown_product"].iter_rows(min_row=2))}
    assert products["'" + EVIL].data_type == "s"
    assert EVIL not in products
    assert products["#N/A"].data_type == "s"  # text, not Excel's error value
    categories = [r[0].value for r in wb["breakdown_category"].iter_rows(min_row=2)]
    evil = ["@SUM(A1)", "+cmd|' /C calc'!A0"]
    assert {"'" + e for e in evil} <= set(categories)
    assert not set(evil) & set(categories)
    # arithmetic that reads as a number is kept as the CSV keeps it, but as a text cell
    assert "-2+3" in categories
    with (out / "tables" / "breakdown_category.csv").open(encoding="utf-8") as handle:
        assert sorted(r["category"] for r in csv.DictReader(handle)) == sorted(categories)


def test_a_name_longer_than_a_cell_is_cut_with_an_ellipsis(
    hostile: tuple[Path, salescope.Report],
) -> None:
    out, _ = hostile
    wb = load_workbook(out / "report.xlsx")
    long = [r[0].value for r in wb["breakdown_product"].iter_rows(min_row=2)
            if str(r[0].value).startswith("Widget")]  # fmt: skip
    assert len(long) == 1 and len(long[0]) == TEXT_MAX
    assert long[0] == LONG[: TEXT_MAX - 1] + "…"


def test_amounts_without_a_currency_get_a_plain_number_format(
    hostile: tuple[Path, salescope.Report],
) -> None:
    out, report = hostile
    assert report.currency is None
    wb = load_workbook(out / "report.xlsx")
    revenue = [r[1] for r in wb["breakdown_product"].iter_rows(min_row=2)]
    assert {c.number_format for c in revenue} == {"#,##0.00"}
    assert sum(c.value for c in revenue) == pytest.approx(2 * 19.99 + 3 * 7.50 + 7.50, abs=0.005)
    currency = next(r for r in wb["Summary"].iter_rows() if r[0].value == "currency")
    assert currency[1].value == "not known"


def test_sheet_names_are_valid_and_unique() -> None:
    names = sheet_names(["Summary", "breakdown_a/b", "breakdown_a:b", "x" * 40, "history", "'q'"])
    assert names == ["Summary", "breakdown_a_b", "breakdown_a_b (2)", "x" * 31, "history (2)", "q"]
    assert all(len(n) <= 31 for n in names)


def test_money_format_carries_the_currency() -> None:
    assert money_format("EUR") == '"€"#,##0.00;-"€"#,##0.00'
    assert money_format("CHF").startswith('"CHF "')
    assert money_format(None) == "#,##0.00"


def test_a_date_cell_is_a_date(book: Workbook) -> None:
    first = next(book["timeseries_day"].iter_rows(min_row=2, max_row=2))[0]
    assert first.is_date and first.number_format == "yyyy-mm-dd"
    assert isinstance(first.value, datetime) and first.value.date() >= date(2020, 1, 1)


def test_the_command_line_writes_the_workbook_alone(tmp_path: Path) -> None:
    from tests.test_cli import ROWS, write_sales
    from tests.test_cli import salescope as run_cli

    sales = write_sales(tmp_path)
    out = tmp_path / "out"
    done = run_cli("report", sales, "--period", "2024-Q2", "-f", "xlsx", "-o", out, cwd=tmp_path)
    assert done.code == 0, done.stderr
    assert sorted(p.name for p in out.iterdir() if not p.name.startswith(".")) == [
        "quarantine.csv",
        "report.xlsx",
    ]
    q2 = [r for r in ROWS if "2024-04-01" <= r[1] <= "2024-06-30"]
    want = round(sum(q * float(p) for *_, q, p in q2), 2)
    summary = load_workbook(out / "report.xlsx")["Summary"]
    revenue = next(r for r in summary.iter_rows() if r[0].value == "revenue")
    assert revenue[2].value == want and revenue[2].data_type == "n"
