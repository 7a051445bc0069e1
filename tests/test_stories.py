"""Year-long stories, config-free: the headline figures against their truth, and each
planted effect read the way the data supports.

The stories and what they plant are in tests/corpus/stories.py; each is generated once,
run with no config (as a first run is) and written as report.json and report.md, which the
tests read. `python -m tests.corpus.summaries OUTDIR` prints their summaries.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

import salescope
from salescope.model import Report
from salescope.narrative import format as fmt
from tests.conftest import fixed_clock
from tests.corpus.scoreboard import check
from tests.corpus.stories import STORIES, Story


@dataclass(frozen=True)
class Run:
    story: Story
    report: Report
    doc: dict[str, Any]  # report.json
    markdown: str  # report.md
    out: Path

    def section(self, title: str) -> str:
        return self.markdown.split(f"## {title}\n", 1)[1].split("\n## ", 1)[0]


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> Callable[[str], Run]:
    cache: dict[str, Run] = {}

    def get(name: str) -> Run:
        if name not in cache:
            root = tmp_path_factory.mktemp(name)
            story = STORIES[name](root / "data")
            report = salescope.run(list(story.inputs), clock=fixed_clock)
            salescope.write_outputs(report, root / "out", formats=("json", "md"))
            cache[name] = Run(
                story,
                report,
                json.loads((root / "out" / "report.json").read_text(encoding="utf-8")),
                (root / "out" / "report.md").read_text(encoding="utf-8"),
                root / "out",
            )
        return cache[name]

    return get


def subjects(run: Run, *types: str) -> list[str]:
    return [i["subject"] or "" for i in run.doc["insights"] if i["type"] in types]


def products(run: Run, product_id: str) -> list[dict[str, Any]]:
    """The product contributors of report.json for one product id (keys read 'name (id)')."""
    return [
        c
        for c in run.doc["drivers"]["contributors"]
        if c["dimension"] == "product" and product_id in c["key"]
    ]


# --- the headline figures ---------------------------------------------------------------------


@pytest.mark.parametrize("name", list(STORIES))
def test_headline_figures_are_the_truth(name: str, runs: Callable[[str], Run]) -> None:
    run = runs(name)
    truth = run.story.truth
    problems = [c.line() for c in check(run.report, truth) if not c.ok]
    assert not problems, f"{run.story.notes}\n" + "\n".join(problems)
    kpis = run.doc["kpis"]
    assert run.doc["period"]["label"] == truth.period
    assert kpis["revenue"]["value"] == pytest.approx(truth.revenue, abs=0.01)
    assert kpis["orders"]["value"] == truth.orders
    assert kpis["customers"]["value"] == truth.customers
    if truth.gross_margin is not None:
        assert kpis["gross_margin"]["value"] == pytest.approx(truth.gross_margin, abs=5e-4)
    summary = run.section("Executive summary")
    assert f"{truth.orders:,} orders" in summary
    assert f"{truth.customers:,} customers bought" in summary


# --- uk_wholesaler ------------------------------------------------------------------------


def test_uk_bank_holidays_and_christmas_closures_are_no_unusual_days(
    runs: Callable[[str], Run],
) -> None:
    run = runs("uk_wholesaler")
    planted = run.story.planted
    assert planted.country_share is not None and planted.country_share >= 0.9
    seen = run.doc["unusual_days"]
    assert (seen["calendar"], seen["calendar_source"]) == ("GB-ENG", "data")
    assert not seen["too_few_orders"]
    listed = {date.fromisoformat(h["date"]): h for h in seen["holidays"]}
    for day in planted.holidays:  # every bank holiday the wholesaler was shut on
        assert listed[day]["kind"] == "holiday" and listed[day]["trade"] == "closed", day
    # the Christmas shutdown runs into the holidays on both sides of them: closures, also
    # Christmas Eve, before a Christmas Day that fell on the Saturday the shop is shut anyway
    shutdown = [d for d in planted.closures if date(2010, 12, 24) <= d <= date(2011, 1, 3)]
    assert date(2010, 12, 24) in shutdown
    for day in shutdown:
        assert day in listed and listed[day]["trade"] == "closed", day
    flagged = {date.fromisoformat(a["date"]) for a in run.doc["anomalies"]}
    assert not flagged & set(planted.holidays)
    assert not flagged & set(shutdown)
    text = run.section("Unusual days")
    assert "Public holidays (GB-ENG calendar, from the data's country)" in text
    assert "Closed or quiet on public holidays" in text


def test_uk_spike_day_is_the_one_unusual_day_and_is_explained_by_its_customer(
    runs: Callable[[str], Run],
) -> None:
    run = runs("uk_wholesaler")
    planted = run.story.planted
    assert planted.spike is not None and planted.spike_share is not None
    assert 0.6 <= planted.spike_share <= 0.75  # about two thirds of the day, as planted
    in_period = [a for a in run.doc["anomalies"] if a["in_period"]]
    assert [(a["date"], a["direction"]) for a in in_period] == [
        (planted.spike.isoformat(), "spike")
    ]
    (spike,) = in_period
    lead = spike["explained_by"][0]
    assert (lead["dimension"], lead["key"]) == ("customer", planted.spike_customer)
    assert lead["share"] >= 0.5
    assert lead["usual_share"] == pytest.approx(0.0, abs=0.01)  # a one-off, not a regular
    assert f"led by customer {planted.spike_customer}" in run.section("Unusual days")


def test_uk_one_year_of_data_is_not_called_seasonal(runs: Callable[[str], Run]) -> None:
    run = runs("uk_wholesaler")
    seasonality = run.doc["seasonality"]
    assert seasonality["yearly"] is None  # one year cannot separate a season from a trend
    assert run.doc["trend"]["seasonal_adjusted"] is False
    months = [p for p in run.doc["timeseries"]["points"] if not p["partial"]]
    peak = max(months, key=lambda p: p["revenue"])
    assert peak["date"] == "2011-11-01"  # the Christmas peak, as planted
    assert run.doc["timeseries"]["points"][-1]["partial"] is True  # December 2011


# --- marketplace_two_years -----------------------------------------------------------------


def test_marketplace_last_month_is_partial_and_outside_the_period(
    runs: Callable[[str], Run],
) -> None:
    run = runs("marketplace_two_years")
    planted = run.story.planted
    assert planted.partial_month is not None
    last = run.doc["timeseries"]["points"][-1]
    assert (last["date"], last["partial"]) == (planted.partial_month.isoformat(), True)
    assert run.doc["period"]["label"] == "2018-Q2"
    assert f"{planted.partial_month:%Y-%m} (partial)" in run.section("Monthly trend")
    assert run.doc["trend"]["end"] < planted.partial_month.isoformat()  # full months only


def test_marketplace_person_is_the_unique_id_and_few_come_back(
    runs: Callable[[str], Run],
) -> None:
    run = runs("marketplace_two_years")
    truth = run.story.truth
    assert truth.customers is not None and truth.returning_customers is not None
    assert truth.returning_customers < 0.1 * truth.customers
    kpis = run.doc["kpis"]
    assert kpis["returning_customers"]["value"] == truth.returning_customers
    assert any(
        "'customer_unique_id' taken as customer id" in a for a in run.report.quality.assumptions
    )
    # one purchase each: segments move with time, not behaviour, so no "slipping" finding
    assert kpis["retention_rate"]["value"] < 0.05
    assert "rfm_movement" not in {i["type"] for i in run.doc["insights"]}


def test_marketplace_ad_spend_is_not_tied_to_sales_it_cannot_be_joined_to(
    runs: Callable[[str], Run],
) -> None:
    run = runs("marketplace_two_years")
    marketing = run.doc["marketing"]
    assert marketing is not None and marketing["source"] == "spend table"
    channels = {c["channel"]: c for c in marketing["channels"]}
    assert set(channels) == set(run.story.planted.side_channels)
    for channel in channels.values():  # no sales carry these names: no revenue, no ROAS
        assert channel["spend"]["value"] > 0
        assert channel["revenue"]["value"] is None and channel["roas"] is None
    (items,) = [Path(p) for p in run.story.inputs if "order_items" in p]
    lines = len(items.read_text(encoding="utf-8").splitlines()) - 1
    # neither the spend table's rows nor the payments' are sales lines
    assert run.report.quality.rows_read == lines


def test_marketplace_payments_are_set_aside_not_joined(runs: Callable[[str], Run]) -> None:
    # a voucher and a card pay one order in two rows: no lookup, and joining it would count
    # the order's items once per payment; the headline figures are the truth's (above)
    run = runs("marketplace_two_years")
    (payments,) = [Path(p) for p in run.story.inputs if "payments" in p]
    with payments.open(encoding="utf-8") as handle:
        ids = [row["order_id"] for row in csv.DictReader(handle)]
    repeated = len(ids) - len(set(ids))
    assert repeated > 0
    assert (
        f"{payments.name}: not joined: it holds several rows for some order_id ({repeated} "
        "repeated), the key of olist_orders_dataset.csv"
    ) in " | ".join(run.report.quality.assumptions)


# --- b2b_distributor -----------------------------------------------------------------------


def test_b2b_margin_squeeze_is_a_key_finding_naming_the_category(
    runs: Callable[[str], Run],
) -> None:
    run = runs("b2b_distributor")
    planted = run.story.planted
    assert planted.revenue_growth is not None and planted.profit_growth is not None
    assert planted.margins is not None
    assert 0.35 <= planted.revenue_growth <= 0.45 and abs(planted.profit_growth) <= 0.03
    (squeeze,) = [i for i in run.doc["insights"] if i["type"] == "margin_squeeze"]
    assert squeeze["subject"] == planted.squeeze_category
    assert {"executive", "finance"} <= set(squeeze["departments"])
    growth = f"Revenue rose {100 * planted.revenue_growth:.1f}% but gross profit "
    findings = run.section("Key findings")
    assert growth in findings and f"in {planted.squeeze_category}, whose own margin" in findings
    margin = run.doc["kpis"]["gross_margin"]
    assert margin["previous"] == pytest.approx(planted.margins[0], abs=5e-4)
    assert margin["value"] == pytest.approx(planted.margins[1], abs=5e-4)
    assert "gross profit did not keep pace" in run.section("Conclusion")
    finance = (run.out / "departments" / "finance.md").read_text(encoding="utf-8")
    assert growth in finance
    # the growth that squeezed the margin is not to be built on as it is
    tops = {i["id"] for i in run.doc["insights"] if i["type"] == "top_contributor"}
    assert tops and not [r for r in run.doc["recommendations"] if r["based_on"] in tops]


def test_b2b_order_cancelled_across_the_quarter_end_is_paired_and_no_mover(
    runs: Callable[[str], Run],
) -> None:
    run = runs("b2b_distributor")
    planted = run.story.planted
    assert planted.cancelled_orders is not None and planted.cancelled_product is not None
    assert run.doc["drivers"]["cancelled_pairs"] == 1
    assert products(run, planted.cancelled_product) == []
    movers = subjects(run, "top_contributor", "bottom_contributor")
    assert not [s for s in movers if planted.cancelled_product in s]
    # the cancellation is booked in the period: returns hold exactly its amount, all of it
    # a cancellation, so no "returns need a look" and no return-reasons action
    assert run.doc["kpis"]["returns"]["value"] == pytest.approx(planted.cancelled_amount)
    assert run.doc["drivers"]["cancelled_returns"] == pytest.approx(planted.cancelled_amount)
    assert not subjects(run, "returns") and "returns" not in {
        i["type"] for i in run.doc["insights"]
    }
    amount = fmt.money(planted.cancelled_amount, run.report.currency)
    assert f"; {amount} of it cancelled orders within a day of entry." in run.section(
        "Executive summary"
    )


def test_b2b_product_of_one_order_is_thin_and_gets_no_action(runs: Callable[[str], Run]) -> None:
    run = runs("b2b_distributor")
    thin = run.story.planted.thin_product
    assert thin is not None
    (copier,) = products(run, thin)
    assert copier["thin"] is True and (copier["previous_orders"], copier["orders"]) == (1, 0)
    assert not [s for s in subjects(run, "top_contributor", "bottom_contributor") if thin in s]
    assert not [r for r in run.doc["recommendations"] if thin in r["text"]]
    table = run.section("What drove the change")
    assert [row for row in table.splitlines() if thin in row and "few orders" in row]


def test_b2b_seasonal_product_is_no_possible_stockout(runs: Callable[[str], Run]) -> None:
    run = runs("b2b_distributor")
    planted = run.story.planted
    assert planted.seasonal_product is not None
    # it sells steadily on both sides of its gap (the first 28 days of the 2023 season and
    # the last 28 of 2022's): only its season keeps it from the possible-stockout rule
    with open(run.story.inputs[0], newline="", encoding="utf-8") as handle:
        days = {
            datetime.strptime(row["Order Date"], "%Y-%m-%d %H:%M").date()
            for row in csv.DictReader(handle)
            if row["Product ID"] == planted.seasonal_product
        }
    last_2022 = max(d for d in days if d.year == 2022)
    first_2023 = min(d for d in days if d.year == 2023)
    before = {d for d in days if last_2022 - timedelta(28) < d <= last_2022}
    after = {d for d in days if first_2023 <= d < first_2023 + timedelta(28)}
    assert len(before) >= 8 and len(after) >= 8 and (first_2023 - last_2022).days > 200
    inventory = run.doc["inventory"]
    stockouts = inventory["stockouts"] if inventory else []
    assert not [s for s in stockouts if s["product"] == planted.seasonal_product]
    assert planted.seasonal_product not in run.section("Operations")


def test_b2b_two_orders_a_day_flag_no_unusual_day(runs: Callable[[str], Run]) -> None:
    run = runs("b2b_distributor")
    seen = run.doc["unusual_days"]
    assert seen["too_few_orders"] is True and seen["orders_per_day"] == 2
    assert run.doc["anomalies"] == []
    assert "too few orders a day to call a day unusual" in run.section("Unusual days")
