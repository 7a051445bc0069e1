"""Columns no role takes that hold a few values (a marital status in the customer table, a
payment method on the lines) become breakdowns on the first run; names, codes, free text
and near-misses of other roles do not. Checked against SQL over the same files."""

from __future__ import annotations

import random
from datetime import date, timedelta
from pathlib import Path

import duckdb
import pytest

import salescope
from salescope.config import Config
from tests.conftest import fixed_clock


def _write(tmp: Path) -> tuple[Path, Path]:
    rng = random.Random(7)
    customers = tmp / "customers.csv"
    sales = tmp / "sales.csv"
    with customers.open("w") as f:
        f.write("customer_id,first_name,marital_status,email\n")
        for i in range(1, 61):
            status = rng.choice(["Married", "Single", "Divorced"])
            f.write(f"C{i:03d},Name{i},{status},c{i}@example.com\n")
    with sales.open("w") as f:
        f.write("order_id,order_date,customer_id,product,quantity,unit_price,payment_method,note\n")
        start = date(2024, 1, 1)
        for n in range(1, 401):
            day = start + timedelta(days=rng.randrange(182))
            payment = rng.choice(["Card", "Cash", "Voucher"])
            note = f"call back {n}" if n % 3 else ""
            f.write(
                f"O{n:04d},{day},C{rng.randrange(1, 61):03d},P{rng.randrange(1, 9)},"
                f"{rng.randrange(1, 5)},{rng.randrange(5, 50)}.50,{payment},{note}\n"
            )
    return sales, customers


def test_low_cardinality_columns_become_breakdowns(tmp_path: Path) -> None:
    sales, customers = _write(tmp_path)
    report = salescope.run(
        [sales, customers], Config(currency="EUR", period="2024-Q2"), clock=fixed_clock
    )
    roles = [b.role for b in report.breakdowns]
    assert "marital_status" in roles and "payment_method" in roles
    # names, e-mails and free text are no breakdowns
    assert not {"first_name", "email", "note"} & set(roles)
    q2 = "order_date between '2024-04-01' and '2024-06-30'"
    for role, sql in (
        (
            "marital_status",
            f"select c.marital_status, sum(quantity * unit_price) from '{sales}' s "
            f"join '{customers}' c using (customer_id) where {q2} group by 1",
        ),
        (
            "payment_method",
            f"select payment_method, sum(quantity * unit_price) from '{sales}' where {q2} "
            "group by 1",
        ),
    ):
        expected = dict(duckdb.sql(sql).fetchall())
        breakdown = report.breakdown(role)
        assert breakdown is not None
        assert {m.key: m.revenue for m in breakdown.rows} == pytest.approx(expected)
    note = next(a for a in report.quality.assumptions if a.startswith("columns read as"))
    assert "Marital status" in note and "Payment method" in note


def test_a_found_dimension_can_filter_and_be_ignored(tmp_path: Path) -> None:
    sales, customers = _write(tmp_path)
    inputs = [sales, customers]
    config = Config(currency="EUR", period="2024-Q2", where="marital_status = 'Single'")
    report = salescope.run(inputs, config, clock=fixed_clock)
    expected = duckdb.sql(
        f"select sum(quantity * unit_price) from '{sales}' s join '{customers}' c "
        "using (customer_id) where order_date between '2024-04-01' and '2024-06-30' "
        "and marital_status = 'Single'"
    ).fetchone()
    revenue = report.kpi("revenue")
    assert expected is not None and revenue is not None
    assert revenue.value == pytest.approx(expected[0])
    ignored = salescope.run(
        inputs,
        Config(currency="EUR", period="2024-Q2", ignore=["payment_method"]),
        clock=fixed_clock,
    )
    assert ignored.breakdown("payment_method") is None
