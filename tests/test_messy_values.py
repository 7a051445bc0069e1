"""Messy values from real exports, each against figures computed by hand in the test.

Every test writes a small file, runs the whole pipeline (``period="all"``, fixed clock:
2026-11-01) and checks revenue, dates, quarantine.csv and ``quality`` against numbers
worked out here, not by salescope.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path
from typing import Any

import duckdb
import pytest

import salescope
from salescope.config import Config
from salescope.engine import Engine, connect
from salescope.pipeline import load
from tests.conftest import fixed_clock
from tests.messy import read_quarantine, same_value


@dataclass
class Run:
    report: salescope.Report
    data: dict[str, Any]  # report.json
    quarantine: list[dict[str, str]]

    @property
    def revenue(self) -> float | None:
        kpi = self.report.kpi("revenue")
        return kpi.value if kpi else None

    def kpi(self, name: str) -> float | None:
        kpi = self.report.kpi(name)
        return kpi.value if kpi else None

    def months(self) -> list[tuple[date, float]]:
        return [(p.date, p.revenue) for p in self.report.timeseries.points]

    def checks(self) -> dict[str, dict[str, Any]]:
        return {c["code"]: c for c in self.data["quality"]["checks"]}


def run_file(tmp_path: Path, content: str | bytes, name: str = "sales.csv", **config: Any) -> Run:
    path = tmp_path / name
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8", newline="")
    cfg = salescope.Config(**config) if config else None
    report = salescope.run([path], cfg, period="all", clock=fixed_clock)
    out = tmp_path / "out"
    salescope.write_outputs(report, out, formats=("json",))
    data = json.loads((out / "report.json").read_text(encoding="utf-8"))
    return Run(report, data, read_quarantine(out / "quarantine.csv"))


def lines(*rows: str) -> str:
    return "\n".join(rows) + "\n"


def monthly(*points: tuple[date, float]) -> list[tuple[date, float]]:
    """Month starts from the first to the last point's month, zero where nothing sold."""
    by_month: dict[date, float] = {}
    for day, revenue in points:
        key = day.replace(day=1)
        by_month[key] = round(by_month.get(key, 0.0) + revenue, 2)
    first, last = min(by_month), max(by_month)
    out = []
    month = first
    while month <= last:
        out.append((month, by_month.get(month, 0.0)))
        month = date(month.year + month.month // 12, month.month % 12 + 1, 1)
    return out


# --- amounts ---------------------------------------------------------------------------


def test_currency_strings_sum_to_the_hand_total(tmp_path: Path) -> None:
    run = run_file(
        tmp_path,
        lines(
            "date,customer_id,revenue",
            '2024-03-01,C1,"$1,234.50"',
            "2024-03-02,C2,USD 12",
            "2024-03-03,C3,(123.00)",
            "2024-03-04,C1,€7.25",
            "2024-03-05,C2,12.50 USD",
        ),
    )
    # 1234.50 + 12 - 123.00 + 7.25 + 12.50
    assert run.revenue == 1143.25
    assert run.kpi("returns") == 123.0  # (123.00) is a return, kept
    assert run.report.quality.rows_accepted == 5
    assert run.quarantine == []


def test_decimal_comma_column_in_a_semicolon_file(tmp_path: Path) -> None:
    run = run_file(
        tmp_path,
        lines(
            "date;customer_id;revenue",
            '2024-03-01;C1;"1.234,50"',
            '2024-03-02;C2;"99,90"',
            "2024-03-03;C3;€ 99,90",
            "2024-03-04;C4;1 234,50",
            "2024-03-05;C5;(10,00)",
        ),
    )
    # 1234.50 + 99.90 + 99.90 + 1234.50 - 10.00
    assert run.revenue == 2658.8
    assert run.kpi("returns") == 10.0
    notes = [a for a in run.report.quality.assumptions if "revenue" in a]
    assert any("decimal comma" in a for a in notes), run.report.quality.assumptions
    assert run.months() == [(date(2024, 3, 1), 2658.8)]


def test_percent_discounts_are_rates(tmp_path: Path) -> None:
    run = run_file(
        tmp_path,
        lines(
            "date,quantity,unit_price,discount",
            "2024-03-01,2,10.00,15%",
            "2024-03-02,4,2.50,0%",
            "2024-03-03,1,100.00,50%",
        ),
    )
    # 2 x 10 x 0.85 + 4 x 2.50 + 1 x 100 x 0.5 = 17 + 10 + 50
    assert run.revenue == 77.0
    # discount 3 + 0 + 50 on a list amount of 20 + 10 + 100
    discount_rate = run.kpi("discount_rate")
    assert discount_rate is not None
    assert abs(discount_rate - 53 / 130) < 1e-6


def test_revenue_inconsistent_with_quantity_times_price_is_warned_and_kept(
    tmp_path: Path,
) -> None:
    run = run_file(
        tmp_path,
        lines(
            "date,quantity,unit_price,revenue",
            "2024-03-01,2,10.00,20.00",  # consistent
            "2024-03-02,1,5.00,7.00",  # 40% off
            "2024-03-03,3,1.00,30.00",  # 10x
            "2024-03-04,4,2.50,10.05",  # 0.5% off: within 1%
        ),
    )
    assert run.revenue == 67.05  # the revenue column as it is
    assert run.report.quality.rows_accepted == 4
    assert run.quarantine == []
    check = run.checks()["revenue_inconsistent"]
    assert (check["severity"], check["column"], check["rows"]) == ("warning", "revenue", 2)


def test_cp1252_file_with_euro_amounts_and_accented_names(tmp_path: Path) -> None:
    text = lines(
        "date;product;revenue",
        "2024-03-01;Crème brûlée;€ 1.234,50",
        "2024-03-02;Café;99,90",
    )
    run = run_file(tmp_path, text.encode("cp1252"))
    assert run.revenue == 1334.4
    product = run.report.breakdown("product")
    assert product is not None
    assert {m.key: m.revenue for m in product.rows} == {"Crème brûlée": 1234.5, "Café": 99.9}


def test_mac_line_endings_read_like_any_csv(tmp_path: Path) -> None:
    """Excel for Mac's "CSV (Macintosh)" ends lines with a bare carriage return."""
    run = run_file(tmp_path, b"date,revenue\r2024-03-01,10.00\r2024-04-02,5.50\r")
    assert run.report.quality.rows_read == 2
    assert run.revenue == 15.5
    assert run.months() == [(date(2024, 3, 1), 10.0), (date(2024, 4, 1), 5.5)]


def test_white_space_padded_ids_and_labels_are_trimmed(tmp_path: Path) -> None:
    run = run_file(
        tmp_path,
        lines(
            "date,customer_id,region,revenue",
            "2024-03-01, C1 ,North ,10",
            "2024-03-02,C1,North,5",
            "2024-03-03,  C2,  South,1",
        ),
    )
    assert run.kpi("customers") == 2
    region = run.report.breakdown("region")
    assert region is not None
    assert {m.key: m.revenue for m in region.rows} == {"North": 15.0, "South": 1.0}


# --- dates -----------------------------------------------------------------------------

DATE_CASES = {
    "iso": (
        ["2024-01-05", "2024-02-10", "2024-02-29"],
        [(2024, 1, 5), (2024, 2, 10), (2024, 2, 29)],
    ),
    "us_timestamps": (
        ["12/1/2010 8:26", "12/9/2010 17:05", "1/3/2011 9:00"],
        [(2010, 12, 1), (2010, 12, 9), (2011, 1, 3)],
    ),
    "day_first": (
        ["25/12/2024", "03/01/2024", "13/02/2024"],
        [(2024, 12, 25), (2024, 1, 3), (2024, 2, 13)],
    ),
    "dotted": (["01.03.2024", "15.04.2024"], [(2024, 3, 1), (2024, 4, 15)]),
    "yyyymmdd_integers": (["20240105", "20240302"], [(2024, 1, 5), (2024, 3, 2)]),
    "excel_serials": (["45000", "45001", "45031"], [(2023, 3, 15), (2023, 3, 16), (2023, 4, 15)]),
    # 2024-01-01 00:00:00 and 2024-03-01 23:59:59 UTC
    "unix_seconds": (["1704067200", "1709337599"], [(2024, 1, 1), (2024, 3, 1)]),
    # the date as written, not moved to UTC (which would give 2024-01-06 and 2024-02-29)
    "iso_with_zone": (
        ["2024-01-05T23:30:00-05:00", "2024-03-01T00:15:00+09:00"],
        [(2024, 1, 5), (2024, 3, 1)],
    ),
}


@pytest.mark.parametrize("case", DATE_CASES, ids=list(DATE_CASES))
def test_dates_are_read_as_written(tmp_path: Path, case: str) -> None:
    values, expected = DATE_CASES[case]
    revenues = [10.0 * (i + 1) for i in range(len(values))]
    body = [f"{v},{r:.2f}" for v, r in zip(values, revenues, strict=True)]
    run = run_file(tmp_path, lines("date,revenue", *body))
    days = [date(*ymd) for ymd in expected]
    q = run.report.quality
    assert (q.rows_read, q.rows_accepted) == (len(values), len(values))
    assert (run.report.period.start, run.report.period.end) == (min(days), max(days))
    assert run.months() == monthly(*zip(days, revenues, strict=True))
    assert q.mapping["order_date"] == "date"


@pytest.mark.parametrize("case", ["yyyymmdd_integers", "excel_serials", "unix_seconds"])
def test_numeric_dates_are_read_when_the_column_is_mapped(tmp_path: Path, case: str) -> None:
    """The same numeric dates with the role set in salescope.yml: the reading itself."""
    values, expected = DATE_CASES[case]
    body = [f"{v},1.00" for v in values]
    run = run_file(tmp_path, lines("date,revenue", *body), mapping={"order_date": "date"})
    days = [date(*ymd) for ymd in expected]
    assert (run.report.period.start, run.report.period.end) == (min(days), max(days))
    assert run.months() == monthly(*((d, 1.0) for d in days))


def test_order_date_header_with_text_dates(tmp_path: Path) -> None:
    """``order_date`` names the date, not the order id, whatever the column's type."""
    run = run_file(tmp_path, lines("order_date,revenue", "2024-01-05,10", "2024-02-06,5"))
    assert run.report.quality.mapping.get("order_date") == "order_date"
    assert run.months() == [(date(2024, 1, 1), 10.0), (date(2024, 2, 1), 5.0)]


def date_helpers(engine: Engine, path: Path) -> tuple[list[dict[Any, Any]], int]:
    """The stored tables with the parsed order date, each as {text: date}; lines accepted."""
    validation = load([path], Config(), engine, date(2026, 11, 1)).validation
    con = engine.con.con  # type: ignore[attr-defined]
    found = []
    for (name,) in con.sql("SELECT table_name FROM duckdb_tables()").fetchall():
        if "_salescope_date" in {c for c, *_ in con.sql(f'DESCRIBE "{name}"').fetchall()}:
            found.append(dict(con.sql(f'SELECT date, _salescope_date FROM "{name}"').fetchall()))
    return found, validation.quality.rows_accepted


def test_a_date_written_as_text_is_parsed_once_when_the_lines_are_not_stored(
    tmp_path: Path,
) -> None:
    """Above ``store_lines`` each later query reads the stored date instead of parsing the
    text again (a text date filtered in each of the analyses' queries took most of a large
    CSV's run). The stored dates are the text read day-first by DuckDB itself, an
    unreadable one empty. Stored lines hold the parsed date already: no copy is made."""
    written = ["31/01/2024", "01/02/2024", "29/02/2024", "not a date", "15/03/2024"]
    path = tmp_path / "sales.csv"
    path.write_text(lines("date,revenue", *(f"{d},1.00" for d in written)), encoding="utf-8")
    large = connect("duckdb")
    found, accepted = date_helpers(replace(large, store_lines=len(written) - 1), path)
    expected = dict(
        duckdb.sql(
            "SELECT d, try_strptime(d, '%d/%m/%Y')::DATE FROM unnest($written) AS t(d)",
            params={"written": written},
        ).fetchall()
    )
    assert found == [expected] and expected["not a date"] is None
    assert accepted == 4
    assert date_helpers(connect("duckdb"), path) == ([], 4)


def test_online_retail_export(tmp_path: Path) -> None:
    """The shape of the UCI Online Retail export: US timestamps, C-invoices as returns."""
    run = run_file(
        tmp_path,
        lines(
            "InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice,CustomerID,Country",
            "536365,85123A,WHITE HANGING HEART T-LIGHT HOLDER,6,12/1/2010 8:26,2.55,17850,"
            "United Kingdom",
            "536365,71053,WHITE METAL LANTERN,6,12/1/2010 8:26,3.39,17850,United Kingdom",
            "536366,22633,HAND WARMER UNION JACK,6,12/1/2010 8:28,1.85,17850,United Kingdom",
            "C536379,D,Discount,-1,12/1/2010 9:41,27.50,14527,United Kingdom",
            "536370,22728,ALARM CLOCK BAKELIKE PINK,24,1/12/2011 8:45,3.75,12583,France",
        ),
    )
    # 6 x 2.55 + 6 x 3.39 + 6 x 1.85 - 27.50 = 19.24 in December; 24 x 3.75 = 90 in January
    assert run.months() == [(date(2010, 12, 1), 19.24), (date(2011, 1, 1), 90.0)]
    assert run.revenue == 109.24
    assert run.kpi("returns") == 27.5
    assert run.kpi("orders") == 3  # the credit note C536379 is a return, never an order
    assert run.kpi("customers") == 3
    assert (run.report.period.start, run.report.period.end) == (
        date(2010, 12, 1),
        date(2011, 1, 12),
    )


def test_all_ambiguous_dates_are_read_month_first_and_say_so(tmp_path: Path) -> None:
    run = run_file(tmp_path, lines("date,revenue", "03/04/2024,10", "05/06/2024,5"))
    assert run.months() == monthly((date(2024, 3, 4), 10.0), (date(2024, 5, 6), 5.0))
    assert (run.report.period.start, run.report.period.end) == (date(2024, 3, 4), date(2024, 5, 6))
    notes = [a for a in run.report.quality.assumptions if "'date'" in a]
    assert notes, run.report.quality.assumptions
    note = notes[0]
    assert "%m/%d/%Y" in note  # month first
    assert "date_format" in note  # and how to say otherwise


def test_mixed_date_orders_quarantine_only_the_ambiguous_row(tmp_path: Path) -> None:
    run = run_file(
        tmp_path,
        lines("date,revenue", "25/12/2024,10", "12/25/2024,5", "05/06/2024,7"),
    )
    q = run.report.quality
    assert (q.rows_read, q.rows_accepted, q.rows_quarantined) == (3, 2, 1)
    assert run.revenue == 15.0
    assert run.months() == [(date(2024, 12, 1), 15.0)]
    assert run.quarantine == [{"date": "05/06/2024", "revenue": "7", "_reason": "ambiguous_date"}]
    check = run.checks()["ambiguous_date"]
    assert (check["severity"], check["column"], check["rows"]) == ("error", "date", 1)
    assert check["examples"] == ["05/06/2024"]


def test_a_checks_examples_are_its_first_distinct_values_on_every_run(tmp_path: Path) -> None:
    # file order is neither sorted nor distinct: the examples are not the first rows
    old = ("1985-03-01", "1970-01-01", "1985-03-01", "1989-12-31", "1971-06-01")
    good = ("2024-01-05", "2024-02-05", "2024-03-05")
    run = run_file(tmp_path, lines("date,revenue", *(f"{d},10" for d in (*old, *good))))
    check = run.checks()["date_out_of_range"]
    assert check["rows"] == len(old)
    assert check["examples"] == sorted(set(old))[:3]


# --- quarantine ------------------------------------------------------------------------

HEADER = "order_id,date,customer_id,region,quantity,unit_price,status"
GOOD = ("A1,2024-01-05,C1,North,2,10.00,Shipped", "A2,2024-01-06,C2,South,1,5.00,Shipped")
GOOD_REVENUE = 25.0  # 2 x 10.00 + 1 x 5.00

# case -> (bad line, reason, severity, column of the check, example values or None)
QUARANTINE_CASES: dict[str, tuple[str, str, str, str | None, list[str] | None]] = {
    "totals_row": ("Total,,,,,1234.00,", "total_row", "info", "order_id", ["Total"]),
    "repeated_header": (HEADER, "repeated_header", "info", "date", ["date"]),
    "zero_price": (
        "A3,2024-01-07,C1,North,3,0.00,Shipped",
        "nonpositive_price",
        "error",
        "unit_price",
        ["0.00"],
    ),
    "cancelled": (
        "A4,2024-01-08,C3,East,1,50.00,Cancelled",
        "cancelled",
        "info",
        "status",
        ["Cancelled"],
    ),
    "future_date": (
        "A6,2026-11-02,C1,North,1,9.00,Shipped",  # the day after the clock's day
        "date_out_of_range",
        "error",
        "date",
        ["2026-11-02"],
    ),
    "before_1990": (
        "A7,1989-12-31,C1,North,1,9.00,Shipped",
        "date_out_of_range",
        "error",
        "date",
        ["1989-12-31"],
    ),
    "missing_date": ("A8,,C1,North,1,9.00,Shipped", "missing_date", "error", "date", ["(empty)"]),
    "unparseable_date": (
        "A9,soon,C1,North,1,9.00,Shipped",
        "unparseable_date",
        "error",
        "date",
        ["soon"],
    ),
    "missing_quantity": (
        "A10,2024-01-07,C1,North,,9.00,Shipped",
        "missing_quantity",
        "error",
        "quantity",
        ["(empty)"],
    ),
    "unparseable_price": (
        "A11,2024-01-07,C1,North,1,call us,Shipped",
        "unparseable_unit_price",
        "error",
        "unit_price",
        ["call us"],
    ),
}


def assert_original(row: dict[str, str], written: str) -> None:
    """The quarantined row holds every value of the written line, plus its reason."""
    names = HEADER.split(",")
    cells = written.split(",")
    assert list(row)[: len(names)] == names
    for name, cell in zip(names, cells, strict=True):
        assert same_value(cell, row[name]), (name, cell, row[name])


@pytest.mark.parametrize("case", QUARANTINE_CASES, ids=list(QUARANTINE_CASES))
def test_bad_line_is_quarantined_with_its_reason(tmp_path: Path, case: str) -> None:
    bad, reason, severity, column, examples = QUARANTINE_CASES[case]
    run = run_file(tmp_path, lines(HEADER, GOOD[0], bad, GOOD[1]))
    q = run.report.quality
    assert (q.rows_read, q.rows_accepted, q.rows_quarantined) == (3, 2, 1)
    assert run.revenue == GOOD_REVENUE
    assert len(run.quarantine) == 1
    row = run.quarantine[0]
    assert row["_reason"] == reason
    assert_original(row, bad)
    quarantine_checks = [c for c in run.data["quality"]["checks"] if c["severity"] != "warning"]
    assert [c["code"] for c in quarantine_checks] == [reason]
    check = quarantine_checks[0]
    assert (check["severity"], check["column"], check["rows"]) == (severity, column, 1)
    if examples is not None:
        assert len(check["examples"]) == len(examples)
        for want, got in zip(examples, check["examples"], strict=True):
            assert want == got or same_value(want, got), (want, got)


def test_totals_and_header_lines_are_no_fault_of_the_data(tmp_path: Path) -> None:
    """A reporting tool's totals row and a repeated header are set aside without lowering
    validity; a totals row carries no revenue share (its 1234.00 repeats other lines)."""
    total, header = QUARANTINE_CASES["totals_row"][0], QUARANTINE_CASES["repeated_header"][0]
    for sub in ("clean", "framed", "bad"):
        (tmp_path / sub).mkdir()
    clean = run_file(tmp_path / "clean", lines(HEADER, *GOOD))
    run = run_file(tmp_path / "framed", lines(HEADER, GOOD[0], header, GOOD[1], total))
    q = run.report.quality
    assert (q.rows_read, q.rows_accepted, q.rows_quarantined) == (4, 2, 2)
    assert q.score_parts["validity"] == 1.0
    assert q.score == clean.report.quality.score
    assert {c["code"]: c["revenue_share"] for c in run.data["quality"]["checks"]} == {
        "total_row": None,
        "repeated_header": None,
    }
    assert "data_quality" not in {i["id"] for i in run.data["insights"]}
    # a fault of the data does lower it: one line of 3 unreadable
    unreadable = QUARANTINE_CASES["unparseable_date"][0]
    bad = run_file(tmp_path / "bad", lines(HEADER, *GOOD, unreadable))
    assert bad.report.quality.score_parts["validity"] == pytest.approx(1 - 1 / 3, abs=1e-4)


def test_every_bad_line_in_one_file(tmp_path: Path) -> None:
    """All the cases together: one reason each, counted, and the good lines untouched."""
    bad = [case[0] for case in QUARANTINE_CASES.values()]
    run = run_file(tmp_path, lines(HEADER, GOOD[0], *bad, GOOD[1]))
    q = run.report.quality
    assert (q.rows_read, q.rows_accepted, q.rows_quarantined) == (2 + len(bad), 2, len(bad))
    assert run.revenue == GOOD_REVENUE
    want: dict[str, int] = {}
    for case in QUARANTINE_CASES.values():
        want[case[1]] = want.get(case[1], 0) + 1
    got: dict[str, int] = {}
    for row in run.quarantine:
        got[row["_reason"]] = got.get(row["_reason"], 0) + 1
    assert got == want
    counted = {c["code"]: c["rows"] for c in run.data["quality"]["checks"]}
    assert {code: counted.get(code) for code in want} == want
    for row in run.quarantine:
        written = next(
            line
            for line, reason, *_ in QUARANTINE_CASES.values()
            if reason == row["_reason"]
            and all(
                same_value(c, row[n])
                for n, c in zip(HEADER.split(","), line.split(","), strict=True)
            )
        )
        assert_original(row, written)


def test_near_duplicate_is_kept(tmp_path: Path) -> None:
    """Equal in every column but one (the region): two sales, both counted."""
    near = "A1,2024-01-05,C1,South,2,10.00,Shipped"
    run = run_file(tmp_path, lines(HEADER, GOOD[0], near, GOOD[1]))
    q = run.report.quality
    assert (q.rows_read, q.rows_accepted, q.rows_quarantined) == (3, 3, 0)
    assert run.revenue == GOOD_REVENUE + 20.0
    assert run.quarantine == []


def test_returns_are_kept_and_counted(tmp_path: Path) -> None:
    run = run_file(
        tmp_path,
        lines(
            HEADER,
            *GOOD,
            "A5,2024-01-09,C1,North,-1,10.00,Shipped",  # negative quantity
            "A6,2024-01-10,C2,South,2,3.00,Returned",  # return status, positive quantity
        ),
    )
    q = run.report.quality
    assert (q.rows_read, q.rows_accepted, q.rows_quarantined) == (4, 4, 0)
    assert run.quarantine == []
    assert run.revenue == GOOD_REVENUE - 10.0 - 6.0
    assert run.kpi("returns") == 16.0


def test_first_and_last_allowed_days_are_kept(tmp_path: Path) -> None:
    """1990-01-01 and the day of the run (the injected clock's date) are in range."""
    run = run_file(
        tmp_path,
        lines(
            HEADER,
            "A1,1990-01-01,C1,North,1,1.00,Shipped",
            "A2,2026-11-01,C2,South,1,2.00,Shipped",
        ),
    )
    assert run.report.quality.rows_quarantined == 0
    assert (run.report.period.start, run.report.period.end) == (
        date(1990, 1, 1),
        date(2026, 11, 1),
    )
