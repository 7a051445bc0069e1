"""Line types and placeholder customers when the text tests are answered once per distinct
value (quality.line_types.value_sets) instead of on every line: the types and customers
of the validated lines must equal what the rules say line by line, worked out here in
Python with the module's own patterns, whether a test holds for a few values, for none,
or for more than MAX_VALUES (then it stays a test on every line)."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import ibis
import pytest

from salescope.config import Config
from salescope.engine import connect
from salescope.pipeline import load
from salescope.quality.line_types import (
    CREDIT_NOTE_ID,
    MAX_VALUES,
    NON_MERCH_CODE,
    NON_MERCH_NAME,
    holds,
    value_sets,
)
from salescope.quality.validate import NO_CUSTOMER
from tests.test_operations import write_rows


def _expected_type(row: dict[str, object]) -> str:
    code, name = str(row["product_id"]), str(row["product_name"])
    if re.search(NON_MERCH_CODE, code) or re.search(NON_MERCH_NAME, name):
        return "non_merchandise"
    if float(row["quantity"]) < 0:  # type: ignore[arg-type]
        return "credit_note" if re.search(CREDIT_NOTE_ID, str(row["order_id"])) else "return"
    return "sale"


def _rows(gift_cards: int) -> list[dict[str, object]]:
    """Goods, returns, credit notes, postage lines, guest customers, and ``gift_cards``
    distinct gift-card names (each a non-merchandise line)."""
    rows: list[dict[str, object]] = []
    customers = ["C1", "C2", "Guest", "N/A", "C3", "walk-in"]
    for i in range(60):
        credit = i % 10 == 3
        returned = i % 10 in (3, 7)
        rows.append(
            {
                "order_id": f"C{1000 + i}" if credit else f"{1000 + i}",
                "order_date": f"2026-0{1 + i % 9}-1{i % 10}",
                "customer_id": customers[i % len(customers)],
                "product_id": ["P1", "P2", "POST", "P3", "DOT"][i % 5],
                "product_name": ["Mug", "Plate", "Postage", "Bowl", "Dotcom postage"][i % 5],
                "quantity": -1 if returned else 2,
                "unit_price": 5.0 + i,
            }
        )
    for i in range(gift_cards):
        rows.append(
            {
                "order_id": f"G{i}",
                "order_date": "2026-05-05",
                "customer_id": "C9",
                "product_id": f"GC{i}",
                "product_name": f"Gift card {i}",
                "quantity": 1,
                "unit_price": 25.0,
            }
        )
    return rows


@pytest.mark.parametrize("gift_cards", [0, 3, MAX_VALUES + 1])
def test_line_types_and_customers_equal_the_rules_line_by_line(
    tmp_path: Path, gift_cards: int
) -> None:
    rows = _rows(gift_cards)
    path = write_rows(tmp_path / "sales.csv", rows)
    t = load([path], Config(), connect("duckdb"), date(2026, 11, 1)).validation.lines.table
    got = t.select("order_id", "line_type", "customer_id", "revenue").to_pyarrow().to_pylist()
    # order ids are null on returns: count line types and customers instead of matching rows
    want_types: dict[str, int] = {}
    for r in rows:
        want_types[_expected_type(r)] = want_types.get(_expected_type(r), 0) + 1
    got_types: dict[str, int] = {}
    for g in got:
        got_types[g["line_type"]] = got_types.get(g["line_type"], 0) + 1
    assert got_types == want_types
    unknown = sum(1 for r in rows if r["customer_id"] in NO_CUSTOMER)
    assert unknown > 0
    assert sum(1 for g in got if g["customer_id"] is None) == unknown
    assert {g["customer_id"] for g in got} - {None} == {
        str(r["customer_id"]) for r in rows if r["customer_id"] not in NO_CUSTOMER
    }


def test_value_sets_collect_the_values_a_test_holds_for_and_give_up_past_the_limit() -> None:
    many = [f"gift card {i}" for i in range(MAX_VALUES + 1)]
    table = ibis.memtable({"name": [*many, "Mug", None, "Postage"], "n": range(len(many) + 3)})
    name = table["name"]
    tests = {
        "few": lambda v: v.re_search("(?i)^postage$"),
        "lots": lambda v: v.re_search(NON_MERCH_NAME),
        "none": lambda v: v.re_search("^never$"),
    }
    found = value_sets(table, {key: (name, test) for key, test in tests.items()})
    assert found == {"few": frozenset({"Postage"}), "none": frozenset()}
    con = connect("duckdb").con
    for key, test in tests.items():
        per_line = con.to_pyarrow(table.select(v=test(name).fill_null(False)))["v"].to_pylist()
        by_set = con.to_pyarrow(table.select(v=holds(found, key, name, test)))["v"].to_pylist()
        assert by_set == per_line
