"""Hypothesis properties: rows reconcile, totals equal a plain-Python reference."""

from __future__ import annotations

import csv
import tempfile
from datetime import date, timedelta
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import salescope
from tests.conftest import fixed_clock

row = st.tuples(
    st.one_of(st.none(), st.dates(date(2023, 1, 1), date(2024, 12, 31))),  # None: empty date
    st.sampled_from(["C1", "C2", "C3", "C4", ""]),
    st.sampled_from(["North", "South", "East"]),
    st.one_of(st.none(), st.integers(-3, 9)),  # None: empty quantity
    st.decimals("0.01", "500", places=2),
)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(row, min_size=1, max_size=40))
def test_rows_reconcile_and_revenue_equals_python(rows: list[tuple]) -> None:  # type: ignore[type-arg]
    # at least one usable row, in a known period, so a report can be made
    anchor = (date(2024, 1, 15), "C1", "North", 1, 1)
    all_rows = [*rows, anchor]
    usable = [r for r in all_rows if r[0] is not None and r[3] is not None]
    # exact copies of a usable line inside one file are real lines: all are kept
    good = [(d, c, reg, q, str(p)) for d, c, reg, q, p in usable]
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "lines.csv"
        with path.open("w", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(["order_date", "customer_id", "region", "quantity", "unit_price"])
            for d, c, reg, q, p in all_rows:
                writer.writerow(
                    ["" if d is None else d.isoformat(), c, reg, "" if q is None else q, p]
                )
        report = salescope.run([path], period="all", clock=fixed_clock)
        q = report.quality
        assert q.rows_read == len(all_rows)
        assert q.rows_read == q.rows_accepted + q.rows_quarantined
        assert q.rows_accepted == len(good)
        revenue = report.kpi("revenue")
        assert revenue is not None
        want = sum(float(qty) * float(price) for _, _, _, qty, price in good)
        assert abs((revenue.value or 0) - round(want, 2)) < 0.006
        region = report.breakdown("region")
        assert region is not None
        assert abs(sum(m.revenue for m in region.rows) - round(want, 2)) < 0.01 * 4
        customers = report.kpi("customers")
        assert customers is not None
        assert customers.value == len({c for _, c, *_ in good if c})
        months = {(d.year, d.month) for d, *_ in good}
        first, last = min(months), max(months)
        span = (last[0] - first[0]) * 12 + last[1] - first[1] + 1
        assert len(report.timeseries.points) == span
        assert date(2024, 1, 15) - timedelta(days=0) >= report.period.start
