"""Grounding: every number a reader sees is a fact, by format.py's rounding.

Hand-made texts check each kind of number, signs, absolute values, period labels and
protected names; then every Markdown file of real reports (several data sets) is checked
against its own run's facts, so a template that writes a number no fact holds fails here.
"""

from __future__ import annotations

import csv
import json
import random
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import jinja2
import pytest

import salescope
from salescope.demo_data import DemoFiles
from salescope.model import Fact
from salescope.narrative.findings import HORIZONS
from salescope.narrative.grounding import Found, extract_numbers, fact_strings, ungrounded
from salescope.render.md import md_escape
from tests.conftest import fixed_clock
from tests.messy import (
    CANCEL_STATUSES,
    CUSTOMERS,
    GARBAGE_DATES,
    HEADER,
    REGIONS,
    TOTAL_LABELS,
    Line,
    write_lines,
)


def _facts(*items: tuple[str, float | int | str, str, str]) -> dict[str, Fact]:
    return {fid: Fact(fid, value, unit, label) for fid, value, unit, label in items}


FACTS = _facts(
    ("kpi.revenue", 481777.12, "currency", "Revenue"),
    ("drivers.mix", -15606.6, "currency", "mix effect"),
    ("kpi.aov", 12.3, "currency", "Average order value"),
    ("kpi.orders", 2311, "count", "Orders"),
    ("inventory.products_out", 0, "count", "products out of stock"),
    ("kpi.retention_rate", 0.69912, "fraction", "Retention rate"),
    ("breakdown.category.3.share_of_change", -0.2456, "fraction", "share of the change"),
    ("operations.margin.change", 0.0112, "fraction", "gross margin change (points)"),
    ("operations.margin.from_cost", -0.0034, "fraction", "margin change: cost"),
    ("kpi.revenue.change_pct", -5.2049, "percent", "Revenue, change"),
    ("kpi.orders.change_pct", 5.14, "percent", "Orders, change"),
    ("kpi.units_per_order", 3.85807, "number", "Units per order"),
    ("kpi.units", 8916.0, "number", "Units"),
    ("anomaly.2025-03-12.score", -3.2, "number", "robust z on 2025-03-12"),
    ("seasonality.weekly.Tue", 1.1418, "index", "Tue against an average"),
    ("marketing.campaign.spring_sale_2026.start", "2026-04-06", "date", "first day"),
    ("trend.best_month.month", "2025-12", "month", "best month"),
)


def texts(found: list[Found]) -> list[str]:
    return [f.text for f in found]


# --- extraction -------------------------------------------------------------------------


def test_extract_numbers_finds_every_kind_with_its_span() -> None:
    text = (
        "Revenue -$5,971 and $12.30 (CHF 1,234, €9.90); +12.3% on 2026-Q2, 34.1% of it; "
        "+1.1 points, 0.0 points; 1,234 orders, 7.50 units, 1.19x; 2026-04-06, "
        "December 2025, Dec 2025, 30 Sep 2026; 2026-07, 2026, 2026-W37, FY2026."
    )
    found = extract_numbers(text)
    assert [(f.kind, f.text) for f in found] == [
        ("money", "-$5,971"),
        ("money", "$12.30"),
        ("money", "CHF 1,234"),
        ("money", "€9.90"),
        ("percent", "+12.3%"),
        ("period", "2026-Q2"),
        ("fraction", "34.1%"),
        ("points", "+1.1 points"),
        ("points", "0.0 points"),
        ("number", "1,234"),
        ("number", "7.50"),
        ("number", "1.19x"),
        ("date", "2026-04-06"),
        ("date", "December 2025"),
        ("date", "Dec 2025"),
        ("date", "30 Sep 2026"),
        ("period", "2026-07"),
        ("period", "2026"),
        ("period", "2026-W37"),
        ("period", "FY2026"),
    ]
    for f in found:
        assert text[f.span[0] : f.span[1]] == f.text


def test_extract_numbers_reads_signs_suffixes_and_leaves_identifiers() -> None:
    found = extract_numbers("score -3.20 in weeks 1-2; 9.9M; P0034, Q3, v1.2.3; run 0.1.0")
    assert [(f.kind, f.text) for f in found] == [
        ("number", "-3.20"),  # a minus after a space is a sign
        ("number", "1"),
        ("number", "2"),  # a hyphen between numbers is a range, not a sign
        ("number", "9.9M"),  # a figure with a suffix is still a figure (and matches no fact)
        ("version", "0.1.0"),  # digits glued to letters (P0034, Q3, v1.2.3) are names
    ]


def test_protected_names_are_blanked_before_the_search() -> None:
    text = "Spring Sale 2026 sold 12 of Nova 10-inch Tablet (P0012) and P0034 on 2026-04-06."
    names = ["Spring Sale 2026", "Nova 10-inch Tablet (P0012)", "P0034"]
    assert texts(extract_numbers(text, protected=names)) == ["12", "2026-04-06"]
    assert texts(extract_numbers(text)) == ["2026", "12", "10", "2026-04-06"]
    # a name is protected only as a whole: "Sale 2026" inside a longer name is not enough
    assert texts(extract_numbers("Sale 20261 won", protected=["Sale 2026"])) == ["20261"]
    # a name without letters cannot be told from a figure: it is never protected
    assert texts(extract_numbers("sold $3 of 3", protected=["3", "$3"])) == ["$3", "3"]


# --- grounding of hand-made texts -------------------------------------------------------


@pytest.mark.parametrize(
    "token",
    [
        "$481,777",  # money: whole units from 1,000 up
        "+$481,777",  # a positive value may carry its plus
        "-$15,607",  # a negative one its minus ...
        "$15,607",  # ... or lose it ("mix took $15,607")
        "$12.30",  # money under 1,000: 2 decimals
        "2,311",  # counts with separators
        "0",
        "69.9%",  # fractions as percent, one decimal
        "-24.6%",
        "24.6%",
        "+1.1 points",  # a difference of fractions in points
        "1.1 points",
        "-0.3 points",
        "0.3 points",
        "-5.2%",  # a change in percent: signed ...
        "5.2%",  # ... or by its size ("down 5.2%")
        "+5.1%",
        "5.1%",
        "3.86",  # numbers: 2 decimals
        "8,916",  # ... unless whole
        "-3.20",
        "3.20",  # the size of a negative number, like "down 5.2%"
        "1.14",  # an index ...
        "1.14x",  # ... also as a multiple
        "2026-04-06",  # a date fact in its four forms (and without the day's zero)
        "April 2026",
        "Apr 2026",
        "06 Apr 2026",
        "6 Apr 2026",
        "2025-12",  # a month fact
        "December 2025",
        "Dec 2025",
    ],
)
def test_a_fact_written_by_the_rules_is_grounded(token: str) -> None:
    text = f"The figure was {token} here."
    assert texts(extract_numbers(text)) == [token]
    assert ungrounded(text, FACTS, currency="USD") == []


@pytest.mark.parametrize(
    "token",
    [
        "$481,778",  # off by one unit
        "$481,777.12",  # more precision than format.py writes
        "$481.8K",
        "+$15,607",  # a negative value must not turn positive
        "-$12.30",
        "$12.3",
        "USD 12.30",  # USD is written with its symbol
        "2,312",
        "69.8%",
        "69.91%",
        "+24.6%",  # share -24.6% written as a gain
        "-1.1 points",  # the margin rose
        "+0.3 points",
        "69.9 points",  # retention is a level, not a difference: never in points
        "+5.2%",  # revenue fell 5.2%
        "-5.1%",
        "5.20%",
        "3.85",
        "-1.14x",
        "2026-04-07",
        "May 2026",
        "November 2025",
        "2026-Q3",  # a period label, unless the caller allows it
        "17",
    ],
)
def test_a_figure_no_fact_holds_is_ungrounded(token: str) -> None:
    text = f"The figure was {token} here."
    assert texts(ungrounded(text, FACTS, currency="USD")) == [token]


def test_allowed_period_labels_and_their_dates() -> None:
    text = "In 2026-Q3 (01 Jul 2026 to 30 Sep 2026) against 2026-Q2 and FY2026."
    assert texts(ungrounded(text, FACTS, currency="USD")) == [
        "2026-Q3",
        "01 Jul 2026",
        "30 Sep 2026",
        "2026-Q2",
        "FY2026",
    ]
    allowed = ["2026-Q3", "2026-Q2", "2026-07-01..2026-09-30"]
    assert texts(ungrounded(text, FACTS, currency="USD", allowed=allowed)) == ["FY2026"]


def test_money_in_other_currencies() -> None:
    facts = _facts(("a", 1234.4, "currency", "a"), ("b", 9.9, "currency", "b"))
    assert ungrounded("CHF 1,234 and CHF 9.90", facts, currency="CHF") == []
    assert ungrounded("€1,234 and €9.90", facts, currency="EUR") == []
    assert ungrounded("XAU 1,234", facts, currency="XAU") == []  # any code format.py writes
    assert texts(ungrounded("$1,234, € 9.90 and CHF 1,234", facts, currency="EUR")) == [
        "$1,234",
        "€ 9.90",
        "CHF 1,234",
    ]


def test_the_strings_are_built_once_per_facts_dict() -> None:
    facts = dict(FACTS)
    first = fact_strings(facts, "USD")
    assert fact_strings(facts, "USD") is first
    assert fact_strings(dict(FACTS), "USD") is not first  # another dict: built again
    assert fact_strings(facts, "EUR") != first
    facts["kpi.new"] = Fact("kpi.new", 777, "count", "new")
    assert "777" in fact_strings(facts, "USD")  # a grown dict is seen


def test_a_hard_coded_number_in_a_template_is_caught() -> None:
    from salescope.narrative import format as fmt

    template = jinja2.Template(
        "Revenue was {{ money(revenue, currency) }} in {{ label }}, down {{ change }} "
        "over the last 12,345 sessions."
    )
    for currency, revenue in (("USD", "$481,777"), (None, "481,777")):
        text = template.render(
            money=fmt.money,
            revenue=FACTS["kpi.revenue"].value,
            currency=currency,
            label="2026-Q3",
            change=fmt.pct_change(-5.2049).lstrip("-"),
        )
        assert text == (
            f"Revenue was {revenue} in 2026-Q3, down 5.2% over the last 12,345 sessions."
        )
        found = ungrounded(text, FACTS, currency=currency, allowed=["2026-Q3"])
        assert [(f.kind, f.text) for f in found] == [("number", "12,345")], currency


# --- the grounding test over real reports -----------------------------------------------

DATA_KEYS = {
    "key",
    "channel",
    "name",
    "rep",
    "team",
    "product",
    "product_name",
    "region",
    "category",
    "path",
    "column",
    "examples",
    "quota_source",
    "campaign",
    "subject",
}


def data_strings(report: dict[str, object]) -> set[str]:
    """Every data string report.json holds: member keys and names, column names, file
    names, quality check examples."""
    found: set[str] = set()

    def walk(node: object, key: str) -> None:
        if isinstance(node, dict):
            for k, v in node.items():
                if k == "facts":
                    continue
                if k == "mapping" and isinstance(v, dict):
                    found.update(str(x) for pair in v.items() for x in pair)
                walk(v, k)
        elif isinstance(node, list):
            for v in node:
                walk(v, key)
        elif isinstance(node, str) and key in DATA_KEYS:
            found.add(node)

    walk(report, "")
    run = report["run"]
    assert isinstance(run, dict)
    for item in run["inputs"]:
        found.update({item["path"], Path(item["path"]).name})
    return found | {md_escape(s) for s in found}


def period_labels(report: dict[str, object]) -> list[str]:
    """The run's periods (the report's, the previous, a year earlier, and the
    period-to-date ones of the Outlook) with their first and last days."""
    period = report["period"]
    assert isinstance(period, dict)
    labels = [period["label"], period["start"], period["end"]]
    for part in ("previous", "yoy"):
        if period.get(part):
            labels += [period[part]["label"], period[part]["start"], period[part]["end"]]
    pace = report["pace"]
    assert isinstance(pace, list)
    labels += [p["label"] for p in pace]
    return labels


def structure(report: dict[str, object]) -> set[str]:
    """Identifiers and headings that carry digits but no figure: the run id and version,
    the horizons of the actions, and the cohort table's months-after-first-purchase
    headers."""
    run = report["run"]
    assert isinstance(run, dict)
    names = {run["id"], md_escape(run["id"]), f"salescope {run['salescope_version']}"}
    names |= {label for _, label in HORIZONS}
    names |= {f"Month {k}" for k in range(1, 25)}
    return names


@dataclass(frozen=True)
class Miss:
    token: str
    file: str
    line: str


def ungrounded_in_outputs(out: Path, currency: str | None) -> list[Miss]:
    """Every number in every Markdown file of ``out`` that is not one of the run's facts
    (read back from its report.json)."""
    data = json.loads((out / "report.json").read_text(encoding="utf-8"))
    facts = {k: Fact(k, v["value"], v["unit"], v["label"]) for k, v in data["facts"].items()}
    protected = data_strings(data) | structure(data)
    allowed = period_labels(data)
    examples = [md_escape(e) for c in data["quality"]["checks"] for e in c["examples"] if e.strip()]
    files = [out / "report.md", *sorted((out / "departments").glob("*.md"))]
    misses = []
    for path in files:
        for line in path.read_text(encoding="utf-8").splitlines():
            for example in examples:  # raw values quoted from quarantined rows: data
                line = line.replace(example, " ")
            for f in ungrounded(
                line, facts, currency=currency, allowed=allowed, protected=protected
            ):
                misses.append(Miss(f.text, str(path.relative_to(out)), line.strip()))
    return misses


def describe(misses: list[Miss]) -> str:
    seen: dict[str, Miss] = {}
    for m in misses:
        seen.setdefault(m.token, m)
    return "\n".join(f"{m.token!r} in {m.file}: {m.line[:160]}" for m in seen.values())


def slice_months(source: Path, target: Path, first: date, last: date) -> Path:
    with source.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    kept = [r for r in rows if first.isoformat() <= r["order_date"][:10] <= last.isoformat()]
    with target.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(kept)
    return target


def messy_file(path: Path, seed: int = 5) -> Path:
    """Two years of lines written the ways exports write them, with bad lines among them."""
    rng = random.Random(seed)
    lines = []
    start = date(2023, 1, 1)
    for _ in range(900):
        day = start + timedelta(days=rng.randrange(730))
        price = Decimal(rng.randrange(100, 250_000)) / 100
        style = rng.choice((f"{price:.2f}", f"${price:,.2f}", f"USD {price:.2f}", f"$ {price}"))
        qty = rng.choice((1, 1, 2, 3, 5, 12, -1))
        status = rng.choice(("Shipped", "", "Complete", "Returned"))
        customer = rng.choice((*CUSTOMERS, ""))
        cells = (day.isoformat(), customer, rng.choice(REGIONS), str(qty), style, status)
        lines.append(Line(cells, None))
    for i in range(60):
        base = list(lines[i].cells)
        kind = i % 5
        if kind == 0:
            base[0] = GARBAGE_DATES[i % len(GARBAGE_DATES)]
        elif kind == 1:
            base[4] = "-5.00"
        elif kind == 2:
            base[5] = CANCEL_STATUSES[i % len(CANCEL_STATUSES)]
        elif kind == 3:
            base = ["", TOTAL_LABELS[i % len(TOTAL_LABELS)], "", "", "99999.00", ""]
        else:
            base = list(HEADER)
        lines.insert(rng.randrange(len(lines)), Line(tuple(base), "bad"))
    write_lines(path, lines)
    return path


CASES = ("demo_with_side_tables", "demo_sales_only", "annual", "all", "three_months", "messy")


@pytest.mark.parametrize("case", CASES)
def test_every_number_in_the_markdown_reports_is_a_fact(
    case: str, demo_files: DemoFiles, demo_report: salescope.Report, tmp_path: Path
) -> None:
    if case == "demo_with_side_tables":
        report = demo_report
    elif case == "demo_sales_only":
        report = salescope.run([demo_files.sales], clock=fixed_clock)
    elif case == "annual":
        report = salescope.run(demo_files.inputs, period="2026", clock=fixed_clock)
    elif case == "all":
        report = salescope.run(demo_files.inputs, period="all", clock=fixed_clock)
    elif case == "three_months":
        sliced = slice_months(
            demo_files.sales, tmp_path / "sales.csv", date(2026, 7, 1), date(2026, 9, 30)
        )
        report = salescope.run([sliced], clock=fixed_clock)
        assert report.period.previous is None or not report.period.previous[3]
    else:
        report = salescope.run([messy_file(tmp_path / "messy.csv")], clock=fixed_clock)
        assert report.quality.rows_quarantined > 0
    out = tmp_path / "out"
    salescope.write_outputs(report, out, formats=("json", "md"))
    assert (out / "report.md").exists()
    misses = ungrounded_in_outputs(out, report.currency)
    assert not misses, f"{len(misses)} ungrounded number(s):\n{describe(misses)}"


def test_the_report_check_catches_a_number_written_into_a_report(
    demo_report: salescope.Report, tmp_path: Path
) -> None:
    """The check above fails on a hard-coded number: add one sentence with a literal no fact
    holds to a real report.md and to a department report; exactly it is found, twice."""
    out = tmp_path / "out"
    salescope.write_outputs(demo_report, out, formats=("json", "md"), departments=("sales",))
    before = ungrounded_in_outputs(out, demo_report.currency)
    strings = fact_strings(demo_report.facts, demo_report.currency)
    literal = next(f"{n:,}" for n in range(1000, 100_000, 7) if f"{n:,}" not in strings)
    for name in ("report.md", "departments/sales.md"):
        path = out / name
        path.write_text(
            path.read_text(encoding="utf-8") + f"\n- Visits reached {literal} this quarter.\n",
            encoding="utf-8",
        )
    after = ungrounded_in_outputs(out, demo_report.currency)
    added = [m for m in after if m not in before]
    assert [(m.token, m.file) for m in added] == [
        (literal, "report.md"),
        (literal, "departments/sales.md"),
    ]
