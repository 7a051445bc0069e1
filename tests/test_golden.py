"""Golden files: small fixed inputs, and the facts and Markdown report made from them.

Each fixture is a folder ``tests/golden/<name>/`` holding ``<name>.csv`` (the input), an
optional ``salescope.yml`` (read as ``--config``), ``<name>.facts.json`` (report.json's
``facts`` as id -> value) and ``<name>.md`` (report.md, as ``salescope report`` writes it).
The run uses the fixed clock, so the run id and times are stable too.

Any change to a figure or a sentence fails here with a diff. When the change is meant,
rewrite the files on purpose and review them before committing::

    SALESCOPE_UPDATE_GOLDEN=1 .venv/bin/pytest tests/test_golden.py
    git diff tests/golden

In that mode the tests still fail ("golden files rewritten, review and commit them"), so a
CI run can never regenerate them silently.
"""

from __future__ import annotations

import csv
import difflib
import json
import math
import os
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import pytest

import salescope
from salescope.config import Config, load_config
from salescope.model import Report
from salescope.narrative.view import build_view
from salescope.render.json import render_json
from salescope.render.md import render_markdown
from tests.conftest import fixed_clock

GOLDEN = Path(__file__).parent / "golden"
NAMES = ("shop_export", "returns_shipping", "no_customer_no_cost", "four_lines")
UPDATE_ENV = "SALESCOPE_UPDATE_GOLDEN"
REL_TOL = 1e-9  # the only slack a float fact gets against its golden value
REWRITTEN = "golden files rewritten, review and commit them"


@dataclass(frozen=True)
class Outcome:
    """One run of a fixture: the report, its report.json text, facts and Markdown."""

    report: Report
    json_text: str
    facts: dict[str, object]
    markdown: str


def input_path(name: str) -> Path:
    return GOLDEN / name / f"{name}.csv"


def fixture_config(name: str) -> Config:
    """The fixture's salescope.yml, read as ``--config`` reads it; defaults without one."""
    path = GOLDEN / name / "salescope.yml"
    return load_config(path if path.is_file() else None)


def run_fixture(name: str, path: Path | None = None) -> Outcome:
    """Run the pipeline on fixture ``name`` (or on ``path`` with that fixture's config)
    and render report.json and report.md the way ``write_outputs`` does."""
    report = salescope.run([path or input_path(name)], fixture_config(name), clock=fixed_clock)
    json_text = render_json(report)
    facts = {fid: fact["value"] for fid, fact in json.loads(json_text)["facts"].items()}
    return Outcome(report, json_text, facts, render_markdown(report, build_view(report)))


def facts_text(facts: dict[str, object]) -> str:
    return json.dumps(facts, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def same_value(expected: object, actual: object, rel_tol: float = REL_TOL) -> bool:
    """Equal, except that floats may differ by ``rel_tol`` relative (an int and a float
    of the same value are equal; a bool is never a number)."""
    if isinstance(expected, bool) or isinstance(actual, bool):
        return type(expected) is type(actual) and expected == actual
    if isinstance(expected, int | float) and isinstance(actual, int | float):
        if isinstance(expected, int) and isinstance(actual, int):
            return expected == actual
        if math.isnan(expected) or math.isnan(actual):
            return math.isnan(expected) and math.isnan(actual)
        return math.isclose(expected, actual, rel_tol=rel_tol, abs_tol=0.0)
    if isinstance(expected, list) and isinstance(actual, list):
        return len(expected) == len(actual) and all(
            same_value(e, a, rel_tol) for e, a in zip(expected, actual, strict=True)
        )
    if isinstance(expected, dict) and isinstance(actual, dict):
        return expected.keys() == actual.keys() and all(
            same_value(expected[k], actual[k], rel_tol) for k in expected
        )
    return type(expected) is type(actual) and expected == actual


def fact_differences(
    expected: dict[str, object], actual: dict[str, object], rel_tol: float = REL_TOL
) -> list[str]:
    """One line per fact id that is missing, new or of another value."""
    out = [f"missing: {fid}" for fid in sorted(expected.keys() - actual.keys())]
    out += [f"new: {fid}" for fid in sorted(actual.keys() - expected.keys())]
    out += [
        f"changed: {fid}: {expected[fid]!r} -> {actual[fid]!r}"
        for fid in sorted(expected.keys() & actual.keys())
        if not same_value(expected[fid], actual[fid], rel_tol)
    ]
    return out


def unified_diff(expected: str, actual: str, path: Path) -> str:
    return "".join(
        difflib.unified_diff(
            expected.splitlines(keepends=True),
            actual.splitlines(keepends=True),
            fromfile=f"{path.relative_to(GOLDEN.parents[1])} (golden)",
            tofile="this run",
        )
    )


def updating() -> bool:
    return os.environ.get(UPDATE_ENV, "") not in ("", "0")


def rewrite(path: Path, text: str) -> None:
    """Update mode: write ``text`` to ``path`` and fail, so it never passes silently."""
    old = path.read_bytes() if path.is_file() else None
    new = text.encode("utf-8")
    if old != new:
        path.write_bytes(new)
    state = "unchanged" if old == new else ("created" if old is None else "changed")
    pytest.fail(f"{REWRITTEN} ({path.relative_to(GOLDEN.parents[1])}: {state})", pytrace=False)


def read_golden(path: Path) -> str:
    if not path.is_file():
        pytest.fail(
            f"golden file {path} is missing: create it with "
            f"{UPDATE_ENV}=1 .venv/bin/pytest tests/test_golden.py, then review and commit it",
            pytrace=False,
        )
    return path.read_bytes().decode("utf-8")  # bytes: a changed line ending is a change


@pytest.fixture(scope="module", params=NAMES)
def golden(request: pytest.FixtureRequest) -> tuple[str, Outcome]:
    name: str = request.param
    return name, run_fixture(name)


def test_facts_match_golden(golden: tuple[str, Outcome]) -> None:
    name, outcome = golden
    path = GOLDEN / name / f"{name}.facts.json"
    text = facts_text(outcome.facts)
    if updating():
        rewrite(path, text)
    stored = read_golden(path)
    differences = fact_differences(json.loads(stored), outcome.facts)
    if differences:
        pytest.fail(
            f"{len(differences)} fact(s) of {name} differ from {path.name} "
            f"(floats may differ by {REL_TOL:g} relative only):\n"
            + "\n".join(differences)
            + "\n\n"
            + unified_diff(stored, text, path)
            + f"\nIf the change is meant: {UPDATE_ENV}=1 .venv/bin/pytest tests/test_golden.py",
            pytrace=False,
        )


def test_markdown_matches_golden(golden: tuple[str, Outcome]) -> None:
    name, outcome = golden
    path = GOLDEN / name / f"{name}.md"
    if updating():
        rewrite(path, outcome.markdown)
    stored = read_golden(path)
    if stored != outcome.markdown:
        pytest.fail(
            f"report.md of {name} differs from {path.name}:\n"
            + unified_diff(stored, outcome.markdown, path)
            + f"\nIf the change is meant: {UPDATE_ENV}=1 .venv/bin/pytest tests/test_golden.py",
            pytrace=False,
        )


# --- the golden values themselves, checked once by hand --------------------------------


def _lines(name: str) -> list[dict[str, str]]:
    with input_path(name).open(newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def _in(rows: list[dict[str, str]], start: str, end: str) -> list[dict[str, str]]:
    return [r for r in rows if start <= r["order_date"] <= end]  # ISO dates sort as text


def _revenue(rows: list[dict[str, str]]) -> Decimal:
    """quantity x unit price - discount: the discount column holds amounts (values > 1)."""
    return sum(
        (int(r["quantity"]) * Decimal(r["unit_price"]) - Decimal(r["discount"]) for r in rows),
        Decimal(0),
    )


def test_shop_export_golden_headline_facts_by_hand() -> None:
    """The stored golden facts of shop_export (period 2024-Q2 against 2024-Q1) agree with
    figures computed here with the csv module, independently of the engine."""
    rows = _lines("shop_export")
    assert all(int(r["quantity"]) > 0 for r in rows)  # sale lines only: no returns to net
    q2 = _in(rows, "2024-04-01", "2024-06-30")
    q1 = _in(rows, "2024-01-01", "2024-03-31")
    assert len(q1) + len(q2) == len(rows)
    facts = json.loads(read_golden(GOLDEN / "shop_export" / "shop_export.facts.json"))

    revenue, previous = _revenue(q2), _revenue(q1)
    orders = len({r["order_id"] for r in q2})
    units = sum(int(r["quantity"]) for r in q2)
    customers = len({r["customer_id"] for r in q2})
    list_amount = sum((int(r["quantity"]) * Decimal(r["unit_price"]) for r in q2), Decimal(0))
    discount = sum((Decimal(r["discount"]) for r in q2), Decimal(0))
    cost = sum((int(r["quantity"]) * Decimal(r["unit_cost"]) for r in q2), Decimal(0))
    first_day: dict[str, str] = {}  # customer -> first purchase in all the data
    for r in sorted(rows, key=lambda r: r["order_date"]):
        first_day.setdefault(r["customer_id"], r["order_date"])
    new = len({r["customer_id"] for r in q2 if first_day[r["customer_id"]] >= "2024-04-01"})
    q1_customers = {r["customer_id"] for r in q1}
    retained = len(q1_customers & {r["customer_id"] for r in q2}) / len(q1_customers)

    assert facts["quality.rows_read"] == len(rows)
    assert facts["kpi.revenue"] == pytest.approx(float(revenue), abs=0.005)
    assert facts["kpi.revenue.previous"] == pytest.approx(float(previous), abs=0.005)
    assert facts["kpi.revenue.change_pct"] == pytest.approx(
        float(100 * (revenue / previous - 1)), abs=5e-5
    )
    assert facts["kpi.orders"] == orders
    assert facts["kpi.orders.previous"] == len({r["order_id"] for r in q1})
    assert facts["kpi.units"] == units
    assert facts["kpi.customers"] == customers
    assert facts["kpi.new_customers"] == new
    assert facts["kpi.returning_customers"] == customers - new
    assert facts["kpi.retention_rate"] == pytest.approx(retained, abs=5e-7)
    assert facts["kpi.aov"] == pytest.approx(float(revenue / orders), abs=0.005)
    assert facts["kpi.units_per_order"] == pytest.approx(units / orders, abs=5e-7)
    assert facts["kpi.discount_rate"] == pytest.approx(float(discount / list_amount), abs=5e-7)
    assert facts["kpi.gross_margin"] == pytest.approx(float((revenue - cost) / revenue), abs=5e-7)
    by_category: dict[str, Decimal] = {}
    for r in q2:
        by_category[r["category"]] = by_category.get(r["category"], Decimal(0)) + _revenue([r])
    top = max(by_category, key=lambda c: by_category[c])
    assert facts["breakdown.category.1.revenue"] == pytest.approx(
        float(by_category[top]), abs=0.005
    )
    assert facts["breakdown.category.1.share"] == pytest.approx(
        float(by_category[top] / revenue), abs=5e-7
    )


def test_four_lines_discount_rate_agrees_between_sections() -> None:
    """four_lines: cost on two of four lines and a discount. The discount rate of the Key
    figures table and the one the Operations section averages are one figure, discount /
    list amount of all sale lines (10 / 240), not of the lines with a cost (10 / 150):
    in this run and in the stored golden files."""
    rows = _lines("four_lines")
    assert sum(1 for r in rows if r["cost"]) == 2
    list_amount = sum((int(r["quantity"]) * Decimal(r["unit_price"]) for r in rows), Decimal(0))
    discount = sum(  # the discount column holds rates (no value above 1)
        (int(r["quantity"]) * Decimal(r["unit_price"]) * Decimal(r["discount"]) for r in rows),
        Decimal(0),
    )
    expected = float(discount / list_amount)
    stored = json.loads(read_golden(GOLDEN / "four_lines" / "four_lines.facts.json"))
    for facts in (run_fixture("four_lines").facts, stored):
        assert facts["kpi.discount_rate"] == pytest.approx(expected, abs=5e-7)
        assert facts["operations.margin.discount_rate"] == facts["kpi.discount_rate"]
    markdown = read_golden(GOLDEN / "four_lines" / "four_lines.md")
    assert "| Discount rate | 4.2% |" in markdown
    assert "- Discounts averaged 4.2% of list price." in markdown
