"""Possible stockouts from sales gaps, one small generated file per rule: a seasonal and a
discontinued product are not flagged, a steady product's planted gap is flagged and named
with its dates and its estimated loss computed by hand, a new product is not flagged, long
lists name a few products "and N more", and an inventory table still confirms stockouts,
now with the product named."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path
from typing import Any

import salescope
from salescope.analysis.operations import STEADY_DAYS
from salescope.model import STOCKOUTS_NAMED, Insight, Report
from salescope.narrative.sections_ops import operations_section
from tests.conftest import fixed_clock
from tests.test_operations import write_rows

EASTER = {2024: date(2024, 3, 31), 2025: date(2025, 4, 20), 2026: date(2026, 4, 5)}


def days(first: date, last: date) -> list[date]:
    return [first + timedelta(days=k) for k in range((last - first).days + 1)]


def line(day: date, product: str, name: str, price: float, qty: int = 1) -> dict[str, Any]:
    return {
        "order_id": f"O-{day:%Y%m%d}-{product}",
        "order_date": day.isoformat(),
        "product_id": product,
        "product_name": name,
        "quantity": qty,
        "unit_price": price,
    }


def report_of(inputs: list[Path], period: str) -> Report:
    return salescope.run(inputs, period=period, clock=fixed_clock)


def section_text(report: Report) -> str:
    section = operations_section(report)
    assert section is not None
    return "\n".join(section.lines)


def stockout_insight(report: Report) -> Insight | None:
    return next((i for i in report.insights if i.type == "stockout_risk"), None)


def steady_price(day: date) -> float:
    """A daily revenue that varies, so the normal daily revenue is a real average."""
    return 10.0 + day.day % 3


# --- seasonal and discontinued ------------------------------------------------------------


def test_seasonal_and_discontinued_products_are_not_possible_stockouts(tmp_path: Path) -> None:
    """An Easter basket sold only in the 6 weeks before Easter each year, and a product whose
    sales stop for good in the middle of the period, next to a steady seller."""
    rows = []
    for day in days(date(2024, 1, 1), date(2026, 6, 30)):
        rows.append(line(day, "BASE", "Daily Bread", steady_price(day)))
        easter = EASTER[day.year]
        if easter - timedelta(days=42) <= day < easter:
            rows.append(line(day, "EGG", "Easter Basket", 25.0, 3))
        if day <= date(2025, 10, 15):
            rows.append(line(day, "OLD", "Retired Lamp", 30.0))
    report = report_of([write_rows(tmp_path / "sales.csv", rows)], "2025-07-01..2026-06-30")
    inv = report.inventory
    assert inv is not None and inv.source == "sales gaps"
    assert [s.product for s in inv.stockouts] == []
    assert stockout_insight(report) is None
    assert report.insights[0].type != "stockout_risk"
    text = section_text(report)
    assert "Easter Basket" not in text and "Retired Lamp" not in text
    assert (
        "No product's sales stopped from 01 Jul 2025 to 30 Jun 2026 in a way the rule counts"
        in text
    )
    assert "A gap counts when the product sold on at least 8 of the 28 days before it" in text


# --- a steady product with a planted gap -----------------------------------------------------


GAP = (date(2026, 3, 3), date(2026, 3, 16))  # 14 days without a sale


def test_a_steady_products_gap_is_flagged_named_and_valued_by_hand(tmp_path: Path) -> None:
    rows = [
        line(day, "W1", "Steady Widget", steady_price(day))
        for day in days(date(2025, 12, 1), date(2026, 5, 31))
        if not GAP[0] <= day <= GAP[1]
    ]
    report = report_of([write_rows(tmp_path / "sales.csv", rows)], "2026-03")
    inv = report.inventory
    assert inv is not None
    assert len(inv.stockouts) == 1
    s = inv.stockouts[0]
    assert (s.product, s.product_name, s.start, s.end, s.days) == ("W1", "Steady Widget", *GAP, 14)
    assert not s.confirmed and not s.ongoing and s.region is None and s.channel is None
    # normal daily revenue: the 28 days before the gap, per day
    before = days(GAP[0] - timedelta(days=STEADY_DAYS), GAP[0] - timedelta(days=1))
    daily = sum(steady_price(d) for d in before) / STEADY_DAYS
    assert s.daily_revenue == round(daily, 2)
    assert s.lost_revenue == round(daily * 14, 2)
    assert inv.lost_revenue == round(daily * 14, 2)
    assert (s.sale_days_before, s.sale_days_after, s.usual_interval) == (28, 28, 1.0)
    said = "Steady Widget had no sales for 14 days from 2026-03-03 while it usually sells every day"
    assert said in section_text(report)
    insight = stockout_insight(report)
    assert insight is not None and insight.title == "Possible stockouts"
    assert said in insight.text
    assert insight.subject == "Steady Widget"
    actions = [r.text for r in report.recommendations if r.based_on == insight.id]
    assert actions and all("Steady Widget" in a for a in actions)
    assert actions[0].startswith("Check the stock records of Steady Widget")
    # strong evidence (it sold every day on both sides) and a large loss: it may lead
    assert insight.polarity == "negative"


def test_a_new_product_is_not_flagged(tmp_path: Path) -> None:
    """First sale 5 days before a 14-day gap, then daily sales: too little history."""
    rows = [
        line(day, "BASE", "Daily Bread", steady_price(day))
        for day in days(date(2026, 1, 1), date(2026, 5, 31))
    ]
    first = GAP[0] - timedelta(days=5)
    rows += [
        line(day, "NEW", "New Gadget", 40.0)
        for day in days(first, date(2026, 5, 31))
        if not GAP[0] <= day <= GAP[1]
    ]
    report = report_of([write_rows(tmp_path / "sales.csv", rows)], "2026-03")
    assert report.inventory is not None
    assert report.inventory.stockouts == ()
    assert stockout_insight(report) is None
    assert "New Gadget" not in section_text(report)


# --- many products ---------------------------------------------------------------------------


def test_many_gaps_name_a_few_and_count_the_rest(tmp_path: Path) -> None:
    """Twelve small steady products, each with a 9-day gap in March, next to a large steady
    seller: all are flagged; the text names the cap and says how many more."""
    rows = [
        line(day, "BIG", "Big Seller", 2000.0) for day in days(date(2026, 1, 1), date(2026, 5, 31))
    ]
    small = [f"S{k:02d}" for k in range(12)]
    for k, product in enumerate(small):
        gap = days(date(2026, 3, 2 + k), date(2026, 3, 10 + k))
        rows += [
            line(day, product, f"Small Item {product}", 5.0 + k)
            for day in days(date(2026, 1, 1), date(2026, 5, 31))
            if day not in gap
        ]
    report = report_of([write_rows(tmp_path / "sales.csv", rows)], "2026-03")
    inv = report.inventory
    assert inv is not None
    assert sorted(s.product for s in inv.stockouts) == small
    assert all(s.days == 9 for s in inv.stockouts)
    more = len(small) - STOCKOUTS_NAMED
    text = section_text(report)
    assert f"and {more} more." in text
    named = [p for p in small if f"Small Item {p} had no sales" in text]
    assert len(named) == STOCKOUTS_NAMED
    # the costliest first: the highest prices
    assert set(named) == set(small[-STOCKOUTS_NAMED:])
    insight = stockout_insight(report)
    assert insight is not None
    assert f"and {more} more products" in insight.text
    assert sum(f"Small Item {p}" in insight.text for p in small) == STOCKOUTS_NAMED
    # a small estimated loss next to the big seller: a possible stockout never leads
    assert report.insights[0].type != "stockout_risk"
    assert insight.score <= 0.05 and insight.polarity == "neutral"
    # report.json keeps all: the model holds every stockout
    assert len(inv.stockouts) == len(small)


# --- with an inventory table ---------------------------------------------------------------


def test_an_inventory_table_confirms_and_names_the_product(tmp_path: Path) -> None:
    """P1 (10.00 a day) is out 10-14 March by its daily snapshots; P2 sells every day."""
    span = days(date(2026, 1, 1), date(2026, 3, 31))
    out = set(days(date(2026, 3, 10), date(2026, 3, 14)))
    rows = []
    for day in span:
        if day not in out:
            rows.append(line(day, "P1", "Blue Kettle", 10.0))
        rows.append(line(day, "P2", "Red Mug", 20.0))
    sales = write_rows(tmp_path / "sales.csv", rows)
    snapshots = [
        {
            "date": day.isoformat(),
            "product_id": product,
            "on_hand": 0 if product == "P1" and day in out else 5,
            "stockout": "true" if product == "P1" and day in out else "false",
        }
        for day in span
        for product in ("P1", "P2")
    ]
    inventory = write_rows(tmp_path / "inventory.csv", snapshots)
    report = report_of([sales, inventory], "2026-03")
    inv = report.inventory
    assert inv is not None and inv.source == "inventory table" and inv.rule is None
    got = [(s.product, s.start, s.end, s.days, s.confirmed) for s in inv.stockouts]
    assert got == [("P1", date(2026, 3, 10), date(2026, 3, 14), 5, True)]
    assert inv.stockouts[0].lost_revenue == 50.0 and inv.lost_revenue == 50.0
    text = section_text(report)
    assert "1 product ran out of stock in 2026-03" in text
    assert "Blue Kettle, 5 days from 2026-03-10" in text
    insight = stockout_insight(report)
    assert insight is not None and insight.title == "Stockouts cost sales"
    assert "Blue Kettle for 5 days from 2026-03-10" in insight.text
    actions = [r.text for r in report.recommendations if r.based_on == insight.id]
    assert "Set reorder points for Blue Kettle, from their normal daily sales" in actions[0]
