"""Insights, recommendations and department reports.

Planted effects on data no other test uses (seed 77) must reach the right department
report; targets are recomputed here from their documented rules; thresholds are checked on
hand-made data on both sides of the line.
"""

from __future__ import annotations

import csv
import json
import math
from pathlib import Path

import pytest

import salescope
from salescope.config import Config, load_config
from salescope.demo_data import _CHANNEL_ECONOMICS, PLANTED_CAMPAIGN, DemoFiles, write_demo_data
from salescope.errors import ConfigError
from salescope.facts import slug
from salescope.insights.actions import IMPROVE
from salescope.model import DEPARTMENTS
from salescope.narrative import format as fmt
from salescope.settings import Thresholds
from tests.conftest import fixed_clock
from tests.test_cli import salescope as salescope_cli

ROWS, SEED = 120_000, 77


@pytest.fixture(scope="module")
def unseen(tmp_path_factory: pytest.TempPathFactory) -> DemoFiles:
    return write_demo_data(tmp_path_factory.mktemp("unseen") / "data", rows=ROWS, seed=SEED)


def _quarter(
    unseen: DemoFiles, period: str, tmp_path_factory: pytest.TempPathFactory
) -> tuple[salescope.Report, Path]:
    report = salescope.run(unseen.inputs, period=period, clock=fixed_clock)
    out = tmp_path_factory.mktemp(period)
    salescope.write_outputs(report, out, ("json", "md"))
    return report, out


@pytest.fixture(scope="module")
def q2(
    unseen: DemoFiles, tmp_path_factory: pytest.TempPathFactory
) -> tuple[salescope.Report, Path]:
    return _quarter(unseen, "2026-Q2", tmp_path_factory)


@pytest.fixture(scope="module")
def q3(
    unseen: DemoFiles, tmp_path_factory: pytest.TempPathFactory
) -> tuple[salescope.Report, Path]:
    return _quarter(unseen, "2026-Q3", tmp_path_factory)


def _dept(out: Path, name: str) -> str:
    return (out / "departments" / f"{name}.md").read_text()


def test_planted_campaign_is_in_the_marketing_report(q2: tuple[salescope.Report, Path]) -> None:
    report, out = q2
    insight = next(i for i in report.insights if i.type == "campaign_uplift")
    assert insight.subject == PLANTED_CAMPAIGN.name and insight.polarity == "positive"
    assert "marketing" in insight.departments
    k = next(c for c in report.marketing.campaigns if c.name == PLANTED_CAMPAIGN.name)  # type: ignore[union-attr]
    assert k.orders_interval is not None and k.baseline_orders
    low, high = (100 * x / k.baseline_orders for x in k.orders_interval)
    assert low <= 100 * PLANTED_CAMPAIGN.order_uplift <= high  # the right size
    text = (out / "report.md").read_text()
    assert f"{PLANTED_CAMPAIGN.name} " in text
    # a campaign that worked needs no correction: no action without a target to reach
    assert not [r for r in report.recommendations if r.based_on == insight.id]


def test_better_converting_channel_is_named_in_the_marketing_report(
    q3: tuple[salescope.Report, Path],
) -> None:
    report, out = q3
    # Email converts clicks to orders best and is paid per thousand sends: the generator's
    # economics make it the most efficient channel
    best = max(_CHANNEL_ECONOMICS, key=lambda c: _CHANNEL_ECONOMICS[c][1])
    m = report.marketing
    assert m is not None
    rates = {c.channel: c.conversion_rate.value for c in m.channels if c.conversion_rate}
    assert max(rates, key=lambda c: rates[c] or 0.0) == best
    insight = next(i for i in report.insights if i.type == "channel_efficiency")
    assert insight.title.startswith(f"{best} returns far more")
    assert insight.text in _dept(out, "marketing")


def test_planted_rep_is_in_the_sales_report(
    unseen: DemoFiles, q3: tuple[salescope.Report, Path]
) -> None:
    report, out = q3
    planted = json.loads(unseen.planted.read_text())["quota_overachiever"]
    attainment = fmt.fraction(planted["actual_revenue"] / planted["quota"])
    insight = next(i for i in report.insights if i.type == "rep_performance")
    assert f"{planted['sales_rep']} reached {attainment} of quota" in insight.text
    assert insight.text in _dept(out, "sales")
    assert "Pair the reps below target with the top performer" in _dept(out, "sales")


def test_planted_stockouts_are_in_the_operations_report(
    unseen: DemoFiles, q2: tuple[salescope.Report, Path]
) -> None:
    report, out = q2
    planted = json.loads(unseen.planted.read_text())["stockouts"]
    inv = report.inventory
    assert inv is not None
    in_q2 = [
        p for p in planted if p["start_date"] <= "2026-06-30" and p["end_date"] >= "2026-04-01"
    ]
    insight = next(i for i in report.insights if i.type == "stockout_risk")
    assert "operations" in insight.departments
    assert insight.text in _dept(out, "operations")
    if in_q2:
        assert inv.products_out == len(in_q2)
        assert "Set reorder points" in _dept(out, "operations")


def test_every_department_report_has_its_sections(q3: tuple[salescope.Report, Path]) -> None:
    _, out = q3
    for name in DEPARTMENTS:
        text = _dept(out, name)
        for heading in (
            "## Scope and objectives",
            "## Key insights",
            "## Implementation actions",
            "### Immediate (weeks 1-2)",
            "### Short term (weeks 3-4)",
            "### Medium term (month 2 onwards)",
            "## Success metrics",
            "## Risks and dependencies",
        ):
            assert heading in text, (name, heading)


def _by_rule(rule: str, value: float, previous: object) -> object:
    """docs/insights.md's target rules, written again."""
    if rule == "back to the previous period's level":
        return previous
    if rule == "halve it":
        return math.floor(value / 2)
    if rule == "bring it to zero":
        return 0.0
    if rule == "down to the concentration threshold":
        return Thresholds().concentration_share
    if rule == "improve by a tenth":
        return value * (1 + IMPROVE)
    if rule == "cut by a tenth":
        return value * (1 - IMPROVE)
    if rule == "reach the target (100%)":
        return 1.0
    assert rule == "the forecast for the months after the report", rule
    return None  # checked in test_forecast_target


def test_targets_follow_their_rules(q3: tuple[salescope.Report, Path]) -> None:
    report, _ = q3
    facts = report.facts
    assert report.recommendations
    for r in report.recommendations:
        value = facts[r.metric].value
        assert isinstance(value, int | float)
        assert r.baseline == pytest.approx(value)
        previous = facts.get(f"{r.metric}.previous")
        expected = _by_rule(r.target_rule, float(value), previous and previous.value)
        assert r.target == pytest.approx(expected, rel=1e-4), r.id
        assert facts[f"recommendation.{r.id}.target"].value == r.target
        assert r.based_on in {i.id for i in report.insights}
        assert r.department in DEPARTMENTS


def test_insights_cite_only_facts_and_are_ranked(q3: tuple[salescope.Report, Path]) -> None:
    report, out = q3
    scores = [i.score for i in report.insights]
    assert scores == sorted(scores, reverse=True)
    data = json.loads((out / "report.json").read_text())
    assert [i["id"] for i in data["insights"]] == [i.id for i in report.insights]
    for i in report.insights:
        assert 0 <= i.score <= 1 and set(i.departments) <= set(DEPARTMENTS)
        for fid in i.facts:
            assert fid in data["facts"], (i.id, fid)


def _write(path: Path, shares: dict[str, float], months: int = 6) -> Path:
    """Sales of categories in fixed revenue shares, the same every month."""
    with path.open("w", newline="") as handle:
        w = csv.writer(handle)
        w.writerow(["order_id", "order_date", "customer_id", "category", "revenue"])
        n = 0
        for month in range(1, months + 1):
            for day in (3, 10, 17, 24):
                for cat, share in shares.items():
                    n += 1
                    w.writerow(
                        [f"O{n}", f"2025-{month:02d}-{day:02d}", f"C{n % 40}", cat, 1000 * share]
                    )
    return path


@pytest.mark.parametrize(("top", "expected"), [(0.6, True), (0.4, False)])
def test_concentration_insight_at_the_threshold(tmp_path: Path, top: float, expected: bool) -> None:
    rest = (1 - top) / 3
    sales = _write(tmp_path / "sales.csv", {"A": top, "B": rest, "C": rest, "D": rest})
    report = salescope.run([sales], period="2025-Q2", clock=fixed_clock)
    found = [i for i in report.insights if i.type == "concentration"]
    assert bool(found) == expected
    if found:
        assert found[0].text.startswith(f"A holds {fmt.fraction(top)} of revenue")
        rec = next(r for r in report.recommendations if r.based_on == found[0].id)
        assert rec.department == "executive" and rec.target == Thresholds().concentration_share


def test_no_previous_period_means_no_change_insights(tmp_path: Path) -> None:
    sales = _write(tmp_path / "sales.csv", {"A": 0.5, "B": 0.5}, months=3)
    report = salescope.run([sales], period="2025-Q1", clock=fixed_clock)
    assert not [i for i in report.insights if i.type in ("kpi_change", "top_contributor")]
    written = salescope.write_outputs(report, tmp_path / "out", ("md",))
    finance = next(p for p in written if p.name == "finance.md").read_text()
    assert "No finding calls for a change of course" in finance


def test_department_option_writes_one_report(demo_files: DemoFiles, tmp_path: Path) -> None:
    done = salescope_cli(
        "report", demo_files.sales, "--format", "md", "--department", "Customer Success",
        "--out", tmp_path / "out", cwd=tmp_path,
    )  # fmt: skip
    assert done.code == 0, done.stderr
    assert [p.name for p in (tmp_path / "out" / "departments").iterdir()] == ["customer_success.md"]
    bad = salescope_cli("report", demo_files.sales, "--department", "legal", cwd=tmp_path)
    assert bad.code == 2 and bad.stderr.startswith("error: unknown department 'legal'")


def test_slugs_of_planted_names_are_fact_ids(q2: tuple[salescope.Report, Path]) -> None:
    report, _ = q2
    base = f"marketing.campaign.{slug(PLANTED_CAMPAIGN.name)}"
    assert report.facts[f"{base}.incremental_orders"].unit == "count"


def test_thresholds_come_from_the_config(tmp_path: Path) -> None:
    sales = _write(tmp_path / "sales.csv", {"A": 0.6, "B": 0.2, "C": 0.2})
    config = Config(period="2025-Q2", insights={"concentration_share": 0.7})
    report = salescope.run([sales], config, clock=fixed_clock)
    assert not [i for i in report.insights if i.type == "concentration"]
    with pytest.raises(ConfigError, match="unknown insight threshold"):
        load_config(None, insights={"concentration": 0.7})


def _trend_sales(path: Path, q2_factor: float) -> Path:
    """Two quarters of the same customers and categories; Q2 revenue is Q1's x factor."""
    with path.open("w", newline="") as handle:
        w = csv.writer(handle)
        w.writerow(["order_id", "order_date", "customer_id", "category", "revenue"])
        n = 0
        for month in range(1, 7):
            factor = q2_factor if month > 3 else 1.0
            for day in range(1, 29, 3):
                for cat in ("A", "B", "C"):
                    n += 1
                    w.writerow(
                        [f"O{n}", f"2025-{month:02d}-{day:02d}", f"C{n % 30}", cat, 100 * factor]
                    )
    return path


@pytest.mark.parametrize(
    ("factor", "verb", "mood"),
    [
        (1.25, "rose to", "grew"),
        (0.8, "fell to", "shrank"),
        (1.002, "held about level at", "held level"),
    ],
)
def test_wording_follows_the_data(tmp_path: Path, factor: float, verb: str, mood: str) -> None:
    sales = _trend_sales(tmp_path / "sales.csv", factor)
    report = salescope.run([sales], period="2025-Q2", clock=fixed_clock)
    revenue = report.kpi("revenue")
    assert revenue is not None and revenue.change_pct == pytest.approx(100 * (factor - 1), abs=0.01)
    insight = next(i for i in report.insights if i.id == "kpi_change.revenue")
    assert insight.text.startswith(f"Revenue {verb} ")
    md = next(
        p
        for p in salescope.write_outputs(report, tmp_path / "out", ("md",))
        if p.name == "report.md"
    )
    text = md.read_text()
    assert f"The business {mood} in 2025-Q2" in text
    recs = [r for r in report.recommendations if r.based_on == "kpi_change.revenue"]
    if factor < 1:  # a fall gets a recovery plan back to last period's revenue
        assert {r.department for r in recs} == {"sales", "executive"}
        assert all(r.target == pytest.approx(revenue.previous) for r in recs)
    elif factor < 1.02:  # a flat quarter calls for no revenue action
        assert recs == []
