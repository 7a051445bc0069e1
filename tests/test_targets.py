"""Targets and budgets from a side table (targets.csv): the period's share of each target,
the actual against it, attainment, the section, the insight and its action, checked against
SQL over the same files and by hand."""

from __future__ import annotations

from pathlib import Path

import duckdb
import ibis
import pytest

import salescope
from salescope import fact_ids as ids
from salescope.config import Config
from salescope.model import Targets
from salescope.narrative.view import build_view
from salescope.render.md import render_markdown
from salescope.sources.side import detect_kind
from tests.conftest import fixed_clock

SHOP = Path(__file__).parent / "golden" / "shop_export" / "shop_export.csv"
LINE = "quantity * unit_price - discount"
Q2 = "order_date between '2024-04-01' and '2024-06-30'"


def _sql(query: str) -> float:
    value = duckdb.sql(query.replace("SHOP", f"read_csv_auto('{SHOP}')")).fetchone()
    assert value is not None
    return float(value[0] or 0.0)


def _targets(report: salescope.Report) -> Targets:
    found = report.targets
    assert found is not None
    return found


def test_targets_per_period_and_dimension(tmp_path: Path) -> None:
    regions = [
        str(r[0])
        for r in duckdb.sql(f"select distinct region from read_csv_auto('{SHOP}')").fetchall()
    ]
    east, other = sorted(regions)[0], sorted(regions)[-1]
    targets = tmp_path / "targets.csv"
    # a yearly revenue budget (Q2 gets 91 of 366 days), a quarterly orders target, one
    # region's quarterly revenue target written as months, and a target for a region the
    # lines do not have
    targets.write_text(
        "metric,period,region,target\n"
        "revenue,2024,,10000\n"
        "orders,2024-Q2,,30\n"
        f"revenue,2024-04,{east},300\n"
        f"revenue,2024-05,{east},300\n"
        f"revenue,2024-06,{east},300\n"
        f"revenue,2024-Q2,{other.upper()},500\n"
        "revenue,2024-Q2,Atlantis,100\n"
    )
    report = salescope.run(
        [SHOP, targets], Config(currency="EUR", period="2024-Q2"), clock=fixed_clock
    )
    rows = {(r.metric, r.member): r for r in _targets(report).rows}
    revenue = _sql(f"select sum({LINE}) from SHOP where {Q2}")
    budget = 10000 * 91 / 366
    total = rows[("revenue", None)]
    assert total.target == pytest.approx(budget)
    assert total.actual == pytest.approx(revenue)
    assert total.attainment == pytest.approx(revenue / budget, abs=1e-6)
    kpi = report.kpi("revenue")
    assert kpi is not None and total.actual == kpi.value  # the KPI's figure, not another
    orders = rows[("orders", None)]
    expected_orders = _sql(f"select count(distinct order_id) from SHOP where {Q2} and quantity > 0")
    assert orders.actual == expected_orders and orders.target == 30
    east_revenue = _sql(f"select sum({LINE}) from SHOP where {Q2} and region = '{east}'")
    assert rows[("revenue", east)].target == pytest.approx(900)
    assert rows[("revenue", east)].actual == pytest.approx(east_revenue)
    other_revenue = _sql(f"select sum({LINE}) from SHOP where {Q2} and region = '{other}'")
    # names match ignoring case; the target's spelling is kept
    assert rows[("revenue", other.upper())].actual == pytest.approx(other_revenue)
    # a member without lines did zero
    assert rows[("revenue", "Atlantis")].actual == 0.0
    # facts, the insight with its action, and the section
    fid = ids.target("revenue", None, None, "attainment")
    assert report.facts[fid].value == total.attainment
    insight = next(i for i in report.insights if i.id == "target.revenue")
    assert insight.refs["attainment"] == fid
    assert (insight.polarity == "positive") == (total.attainment >= 1)
    if total.attainment < 1:
        action = next(r for r in report.recommendations if r.based_on == insight.id)
        assert action.target == 1.0 and action.metric == fid
    markdown = render_markdown(report, build_view(report))
    assert "## Targets" in markdown
    assert "Atlantis (region)" in markdown


def test_a_target_that_leaves_days_uncovered_gives_no_attainment(tmp_path: Path) -> None:
    targets = tmp_path / "budget.csv"
    targets.write_text("start,end,budget\n2024-04-01,2024-05-31,5000\n")
    report = salescope.run(
        [SHOP, targets], Config(currency="EUR", period="2024-Q2"), clock=fixed_clock
    )
    found = _targets(report)
    assert found.rows == ()
    assert any("1 target does not cover every day of 2024-Q2" in n for n in found.notes)


def test_an_unknown_metric_is_said_not_guessed(tmp_path: Path) -> None:
    targets = tmp_path / "targets.csv"
    targets.write_text("metric,quarter,target\nprofit_margin,2024-Q2,0.3\nrevenue,2024-Q2,900\n")
    report = salescope.run(
        [SHOP, targets], Config(currency="EUR", period="2024-Q2"), clock=fixed_clock
    )
    found = _targets(report)
    assert [r.metric for r in found.rows] == ["revenue"]
    assert any("'profit_margin': no such metric" in n for n in found.notes)


@pytest.mark.parametrize(
    ("columns", "kind"),
    [
        (["rep", "start", "end", "target"], "quotas"),  # a rep's target is a quota
        (["region", "period", "target"], "quotas"),  # so is a region's, without a metric
        (["metric", "period", "region", "target"], "targets"),
        (["period", "budget"], "targets"),
        (["category", "quarter", "target"], "targets"),
    ],
)
def test_targets_are_told_from_quotas_by_their_columns(columns: list[str], kind: str) -> None:
    table = ibis.table({c: "string" for c in columns})
    assert detect_kind(table) == kind
