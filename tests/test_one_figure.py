"""A figure the reports print in two places is one computation: the Operations section's
discount rate and gross margin are the KPIs', the revenue bridge starts from the KPI's
change, and the Markdown prints the same text for both places. Checked on the golden
fixtures and on the first-run corpus (each a config-free run)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import salescope
from salescope import fact_ids as ids
from salescope.model import Report
from tests.conftest import fixed_clock
from tests.corpus.registry import ALL_SHAPES
from tests.test_golden import NAMES, run_fixture

# (KPI, the same figure elsewhere): value, previous value and change must be identical
SAME = (
    (ids.kpi("discount_rate"), "operations.margin.discount_rate"),
    (ids.kpi("gross_margin"), ids.margin("gross_margin")),
)
CORPUS = ("superstore", "erp_crm", "pos_receipts", "sage_factures", "northwind_sqlite")


def _same_figures(report: Report) -> list[str]:
    problems = []
    facts = report.facts
    for kpi, other in SAME:
        for suffix in ("", ".previous", ".change_pct"):
            a, b = facts.get(kpi + suffix), facts.get(other + suffix)
            if a is not None and b is not None and a.value != b.value:
                problems.append(f"{kpi}{suffix}={a.value} but {other}{suffix}={b.value}")
    revenue, previous = facts.get(ids.kpi("revenue")), facts.get(ids.kpi("revenue", "previous"))
    change = facts.get("drivers.revenue_change")
    if revenue and previous and change:
        assert isinstance(revenue.value, float) and isinstance(previous.value, float)
        if change.value != pytest.approx(revenue.value - previous.value, abs=0.01):
            problems.append(f"revenue change {change.value} is not the KPI's")
    return problems


@pytest.mark.parametrize("name", NAMES)
def test_golden_reports_print_one_figure_in_both_places(name: str) -> None:
    outcome = run_fixture(name)
    assert _same_figures(outcome.report) == []
    text = outcome.markdown
    for kpi_label, sentence in (
        ("Discount rate", r"Discounts averaged ([\d.,]+%)"),
        ("Gross margin", r"Gross margin was ([\d.,]+%)"),
    ):
        row = re.search(rf"^\| {kpi_label} \| ([^|]+) \|", text, re.MULTILINE)
        said = re.search(sentence, text)
        if row and said:
            assert row.group(1).strip() == said.group(1)


@pytest.mark.parametrize("name", CORPUS)
def test_first_runs_publish_one_figure_under_both_ids(name: str, tmp_path: Path) -> None:
    shape = ALL_SHAPES[name](tmp_path / "data")
    report = salescope.run(list(shape.inputs), clock=fixed_clock)
    assert _same_figures(report) == []
    # the check compares something: these shapes have a margin or a previous period
    assert any(kpi in report.facts for kpi, _ in SAME) or "drivers.revenue_change" in report.facts
