"""What drove the change: the split adds up, planted effects are found, figures match SQL."""

from __future__ import annotations

import csv
import tempfile
from datetime import date
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import salescope
from salescope.demo_data import DemoFiles, write_demo_data
from salescope.model import Drivers
from tests.conftest import fixed_clock
from tests.sqlref import SqlRef

Q1, Q2 = date(2024, 1, 3), date(2024, 5, 10)  # days in the previous and the current quarter


def write(path: Path, rows: list[tuple[date, str, str, int, float]]) -> Path:
    with path.open("w", newline="") as handle:
        out = csv.writer(handle)
        out.writerow(["order_id", "order_date", "product_id", "category", "quantity", "unit_price"])
        # an order id per line: no two lines are exact copies (those would be quarantined)
        for i, (d, product, category, q, p) in enumerate(rows):
            out.writerow([f"O{i}", d.isoformat(), product, category, q, f"{p:.2f}"])
    return path


def drivers_of(path: Path) -> salescope.Report:
    return salescope.run([path], period="2024-Q2", clock=fixed_clock)


def test_a_price_rise_with_flat_volume_is_all_price(tmp_path: Path) -> None:
    before = [(Q1, "A", "X", 10, 5.0), (Q1, "B", "Y", 4, 20.0)]
    after = [(Q2, "A", "X", 10, 5.5), (Q2, "B", "Y", 4, 22.0)]
    report = drivers_of(write(tmp_path / "s.csv", before + after))
    d = report.drivers
    assert d is not None
    change = (10 * 5.5 + 4 * 22.0) - (10 * 5.0 + 4 * 20.0)  # 13.00
    assert d.revenue_change == round(change, 2)
    assert (d.volume, d.price, d.mix) == (0.0, round(change, 2), 0.0)


def test_more_units_at_the_same_prices_and_mix_is_all_volume(tmp_path: Path) -> None:
    before = [(Q1, "A", "X", 10, 5.0), (Q1, "B", "Y", 5, 20.0)]
    after = [(Q2, "A", "X", 20, 5.0), (Q2, "B", "Y", 10, 20.0)]
    d = drivers_of(write(tmp_path / "s.csv", before + after)).drivers
    assert d is not None
    assert (d.revenue_change, d.volume, d.price, d.mix) == (150.0, 150.0, 0.0, 0.0)


def test_a_shift_to_the_dearer_product_is_mix(tmp_path: Path) -> None:
    # same 20 units in all, same prices; 5 units move from the 5.00 to the 20.00 product
    before = [(Q1, "A", "X", 15, 5.0), (Q1, "B", "Y", 5, 20.0)]
    after = [(Q2, "A", "X", 10, 5.0), (Q2, "B", "Y", 10, 20.0)]
    d = drivers_of(write(tmp_path / "s.csv", before + after)).drivers
    assert d is not None
    assert (d.volume, d.price) == (0.0, 0.0)
    assert d.mix == d.revenue_change == 5 * (20.0 - 5.0)
    categories = {c.key: c for c in d.contributors if c.dimension == "category"}
    assert categories["Y"].direction == "driver" and categories["Y"].change == 100.0
    assert categories["X"].direction == "detractor" and categories["X"].change == -25.0
    assert categories["Y"].share_shift == round(200 / 250 - 100 / 175, 6)


line = st.tuples(
    st.sampled_from([Q1, Q2]),
    st.sampled_from(["A", "B", "C", "D"]),
    st.integers(-2, 9),
    st.integers(1, 5000).map(lambda cents: cents / 100),
)


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(line, min_size=2, max_size=30))
def test_volume_price_and_mix_add_up_to_the_change(lines: list) -> None:  # type: ignore[type-arg]
    rows = [(d, p, "cat" + p, q, price) for d, p, q, price in lines]
    rows += [(Q1, "A", "catA", 1, 1.0), (Q2, "A", "catA", 1, 1.0)]  # both periods have data
    with tempfile.TemporaryDirectory() as tmp:
        d = drivers_of(write(Path(tmp) / "s.csv", rows)).drivers
    assert d is not None and None not in (d.volume, d.price, d.mix)
    want = sum(q * round(p, 2) for day, _, _, q, p in rows if day == Q2) - sum(
        q * round(p, 2) for day, _, _, q, p in rows if day == Q1
    )
    assert abs(d.revenue_change - want) < 0.006
    assert round(d.volume + d.price + d.mix, 2) == d.revenue_change  # type: ignore[operator]


@pytest.fixture(scope="module")
def full_demo(tmp_path_factory: pytest.TempPathFactory) -> tuple[DemoFiles, salescope.Report]:
    # the default demo size: at a few thousand lines a month the planted decline of
    # Toys & Games stands out from the noise of the other categories
    files = write_demo_data(tmp_path_factory.mktemp("full_demo"), rows=200_000, seed=7)
    return files, salescope.run([files.sales], clock=fixed_clock)


def demo_drivers(
    full_demo: tuple[DemoFiles, salescope.Report],
) -> tuple[Drivers, SqlRef, list[date], list[date]]:
    """The demo's drivers, SQL over its lines, and the first and last days of its period
    and of the previous one."""
    demo_files, demo_report = full_demo
    p = demo_report.period
    assert demo_report.drivers is not None and p.previous is not None
    return demo_report.drivers, SqlRef(demo_files.sales), [p.start, p.end], list(p.previous[1:3])


def test_demo_declining_category_is_the_largest_detractor(
    full_demo: tuple[DemoFiles, salescope.Report],
) -> None:
    demo_report = full_demo[1]
    d, ref, now_days, before_days = demo_drivers(full_demo)
    now = ref.by("category", *now_days)
    before = ref.by("category", *before_days)
    categories = [c for c in d.contributors if c.dimension == "category"]
    for c in categories:
        assert c.change == round(now[c.key] - before[c.key], 2)
    detractors = [c for c in categories if c.direction == "detractor"]
    # planted: Toys & Games falls to about half over the last four months of the data
    assert detractors and min(detractors, key=lambda c: c.change).key == "Toys & Games"
    total = demo_report.kpi("revenue")
    assert total is not None and total.value is not None and total.previous is not None
    assert d.revenue_change == round(total.value - total.previous, 2)


def test_each_dimensions_concentration_is_its_own(
    full_demo: tuple[DemoFiles, salescope.Report],
) -> None:
    """The movers of every dimension are ranked in one stacked query: each dimension's
    concentration (members, top shares, HHI) equals SQL over that dimension alone."""
    d, ref, now, before = demo_drivers(full_demo)
    windows = [*now, *before]
    total = ref.one("SELECT sum(revenue) FROM t WHERE order_date BETWEEN ? AND ?", *now)
    columns = {"category": "category", "product": "product_id", "region": "region"}
    columns |= {"channel": "channel", "sales_rep": "sales_rep", "segment": "segment"}
    assert [c.dimension for c in d.concentration] == list(columns)
    for c in d.concentration:
        shares = [
            float(r) / total
            for (r,) in ref.con.execute(
                "SELECT coalesce(sum(revenue) FILTER (order_date BETWEEN ? AND ?), 0) AS r"
                " FROM t WHERE order_date BETWEEN ? AND ? OR order_date BETWEEN ? AND ?"
                f" GROUP BY {columns[c.dimension]} ORDER BY r DESC",
                [*now, *windows],
            ).fetchall()
        ]
        assert c.members == len(shares), c.dimension
        assert c.top1_share == pytest.approx(shares[0], abs=1e-6)
        assert c.top3_share == pytest.approx(sum(shares[:3]), abs=1e-6)
        assert c.hhi == pytest.approx(sum(s * s for s in shares), abs=1e-6)
        assert c.dominated == (shares[0] >= 0.5 and len(shares) > 1)


def test_contributor_threshold_is_configurable(tmp_path: Path) -> None:
    before = [(Q1, "A", "X", 15, 5.0), (Q1, "B", "Y", 5, 20.0)]
    after = [(Q2, "A", "X", 10, 5.0), (Q2, "B", "Y", 10, 20.0)]
    path = write(tmp_path / "s.csv", before + after)
    # change 75.00: X moved -25.00 (33% of it), Y +100.00 (133%)
    config = salescope.Config(min_contribution=0.5)
    d = salescope.run([path], config, period="2024-Q2", clock=fixed_clock).drivers
    assert d is not None and d.threshold == 0.5
    assert {c.key for c in d.contributors if c.dimension == "category"} == {"Y"}
