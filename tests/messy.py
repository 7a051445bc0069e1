"""Messy sales lines for property tests: good lines with what they are worth, bad lines
with the quarantine reason they must get, and small helpers to write and read files.

Every generated line knows its fate, so a test can compute the expected report in plain
Python from what it wrote, without asking salescope.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path

from hypothesis import strategies as st

HEADER = ("date", "customer_id", "region", "quantity", "unit_price", "status")
REGIONS = ("North", "South", "East")
CUSTOMERS = ("C1", "C2", "C3", "C4", "C5")
GOOD_STATUSES = ("Shipped", "", "Complete", "Returned")
RETURN_STATUS = "Returned"
CANCEL_STATUSES = ("Cancelled", "CANCELLED", "Canceled")
GARBAGE_DATES = ("not a date", "2024-13-45", "yesterday", "#N/A", "?")
GARBAGE_NUMBERS = ("n/a", "free", "--", "?", "TBD")  # no digits: nothing to read
TOTAL_LABELS = ("Total", "TOTAL", "Grand Total", "Subtotal")
FIRST_DAY, LAST_DAY = date(2023, 1, 1), date(2024, 12, 31)
DOCS = Path(__file__).resolve().parent.parent / "docs" / "quality.md"


@dataclass(frozen=True)
class Line:
    """One data line as written, and what salescope must make of it.

    ``reason`` is None for a line that must be accepted; ``revenue`` is its line
    revenue (quantity x price, negative for a return) and is None for a bad line.
    """

    cells: tuple[str, ...]
    reason: str | None
    revenue: Decimal | None = None

    @property
    def customer(self) -> str:
        return self.cells[1].strip()

    @property
    def region(self) -> str:
        return self.cells[2].strip()


def pad(text: str) -> st.SearchStrategy[str]:
    """``text`` with white space on either side now and then (ids exported from forms)."""
    return st.tuples(st.sampled_from(("", "", " ", "  ")), st.sampled_from(("", "", " "))).map(
        lambda p: p[0] + text + p[1]
    )


def money_text(value: Decimal) -> st.SearchStrategy[str]:
    """A positive price written the ways exports write it (always two decimals, point)."""
    plain = f"{value:.2f}"
    grouped = f"{value:,.2f}"
    return st.sampled_from(
        (plain, plain, plain, f"${grouped}", f"USD {plain}", f"{plain} USD", f"$ {plain}")
    )


@st.composite
def good_line(draw: st.DrawFn, currency: bool = True) -> Line:
    day = draw(st.dates(FIRST_DAY, LAST_DAY))
    date_text = draw(pad(day.isoformat()))
    customer = draw(st.one_of(st.sampled_from(CUSTOMERS).flatmap(pad), st.just("")))
    region = draw(st.sampled_from(REGIONS).flatmap(pad))
    qty = draw(st.integers(-5, 20))
    price = draw(st.decimals("0.01", "2500", places=2))
    price_text = draw(money_text(price)) if currency else f"{price:.2f}"
    status = draw(st.sampled_from(GOOD_STATUSES))
    revenue = qty * price
    if status == RETURN_STATUS and revenue > 0:
        revenue = -revenue  # a return status makes the line a return
    cells = (date_text, customer, region, str(qty), price_text, status)
    return Line(cells, None, revenue)


def _with(line: Line, index: int, value: str, reason: str) -> Line:
    cells = list(line.cells)
    cells[index] = value
    return Line(tuple(cells), reason)


@st.composite
def bad_line(draw: st.DrawFn, currency: bool = True) -> Line:
    """A line that must be quarantined, with the reason it must get."""
    base = draw(good_line(currency))
    kind = draw(
        st.sampled_from(
            (
                "missing_date",
                "unparseable_date",
                "date_out_of_range",
                "missing_quantity",
                "unparseable_quantity",
                "missing_unit_price",
                "unparseable_unit_price",
                "nonpositive_price",
                "cancelled",
                "total_row",
                "repeated_header",
            )
        )
    )
    if kind == "missing_date":
        return _with(base, 0, draw(st.sampled_from(("", " "))), kind)
    if kind == "unparseable_date":
        return _with(base, 0, draw(st.sampled_from(GARBAGE_DATES)), kind)
    if kind == "date_out_of_range":
        early = st.dates(date(1950, 1, 1), date(1989, 12, 31))
        late = st.dates(date(2026, 11, 2), date(2035, 12, 31))  # after the fixed clock
        return _with(base, 0, draw(st.one_of(early, late)).isoformat(), kind)
    if kind == "missing_quantity":
        return _with(base, 3, "", kind)
    if kind == "unparseable_quantity":
        return _with(base, 3, draw(st.sampled_from(GARBAGE_NUMBERS)), kind)
    if kind == "missing_unit_price":
        return _with(base, 4, "", kind)
    if kind == "unparseable_unit_price":
        return _with(base, 4, draw(st.sampled_from(GARBAGE_NUMBERS)), kind)
    if kind == "nonpositive_price":
        return _with(base, 4, draw(st.sampled_from(("0", "0.00", "-5.00", "-0.01"))), kind)
    if kind == "cancelled":
        return _with(base, 5, draw(st.sampled_from(CANCEL_STATUSES)), kind)
    if kind == "total_row":
        label = draw(st.sampled_from(TOTAL_LABELS))
        amount = f"{draw(st.decimals('100', '99999', places=2)):.2f}"
        if draw(st.booleans()):  # label in the id column, no date
            return Line(("", label, "", "", amount, ""), kind)
        return Line((label, "", "", "", amount, ""), kind)  # label in the date column
    return Line(HEADER, "repeated_header")


@st.composite
def messy_lines(draw: st.DrawFn, duplicates: bool = False) -> list[Line]:
    """Good and bad lines in any order, at least one good line.

    Without ``duplicates`` no two good lines are equal (every accepted line distinct);
    with it, some good lines are written again in the same file, and the copies are real
    lines (the same product twice in an order): accepted and counted.
    """
    currency = draw(st.booleans())
    goods = draw(
        st.lists(good_line(currency), min_size=1, max_size=15, unique_by=lambda g: g.cells)
    )
    bads = draw(st.lists(bad_line(currency), max_size=8))
    lines = goods + bads
    if duplicates:
        copies = draw(st.lists(st.sampled_from(goods), min_size=1, max_size=5))
        lines += copies
    order = draw(st.permutations(range(len(lines))))
    return [lines[i] for i in order]


def write_lines(path: Path, lines: list[Line], header: tuple[str, ...] = HEADER) -> None:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(line.cells for line in lines)


def read_quarantine(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def documented_codes() -> set[str]:
    """The check codes docs/quality.md lists in its table (``missing_<role>`` excluded)."""
    codes: set[str] = set()
    for line in DOCS.read_text(encoding="utf-8").splitlines():
        if line.startswith("| `"):
            first_cell = line.split("|")[1]
            codes.update(re.findall(r"`([a-z_]+)`", first_cell))
    return codes


def same_value(written: str, stored: str) -> bool:
    """A quarantined cell holds the written value: the same text (with the ``'`` that
    neutralises a formula-like cell, see docs/quality.md), or the same number."""
    if stored.startswith("'") and written.startswith(("=", "+", "-", "@", "\t", "\r")):
        stored = stored[1:]
    if written == stored:
        return True
    try:
        return float(written) == float(stored)
    except ValueError:
        return False
