"""Numbers read the way a director reads them.

Small exports with known content, run through the whole report: counts agree with their
nouns (no "(s)", "1 customer moved"), ``--period all`` reads "over the whole period", a
finding does not say its subject twice, a marketplace's hundreds of sellers do not fill
the report, spend that cannot be tied to sales has an unknown ROAS ("n/a", not 0.00), and
quarantined returns keep the minus sign of what they carry.
"""

from __future__ import annotations

import csv
import json
import re
from datetime import date, timedelta
from pathlib import Path

import pytest

import salescope
from salescope.config import Config, load_config
from salescope.model import REPS_LISTED_BOTTOM, REPS_LISTED_TOP, Report
from salescope.narrative import format as fmt
from salescope.narrative.findings import finding_line
from salescope.narrative.sections import UNUSUAL_DAYS_NAMED
from tests.conftest import fixed_clock

GOLDEN = Path(__file__).parent / "golden"
Q1 = date(2024, 1, 1)
DAYS = 182  # 2024-Q1 and 2024-Q2
HEADER = ("order_id", "order_date", "customer_id", "product_id", "channel", "seller_id")


def seller(n: int) -> str:
    """A marketplace seller id: 32 hex digits, like the exports that carry them."""
    return f"{n * 2654435761 % 16**32:032x}"


def write_sales(path: Path, sellers: int, returns_with_bad_dates: int = 0) -> Path:
    """Two quarters of orders: every day one order per seller (every seller sells more in
    the second quarter, seller 0 most), through two channels; and optionally returns whose
    date cannot be read, which are quarantined with their negative amounts."""
    with path.open("w", newline="") as handle:
        out = csv.writer(handle)
        out.writerow((*HEADER, "quantity", "unit_price"))
        for day_n in range(DAYS):
            day = Q1 + timedelta(days=day_n)
            for s in range(sellers):
                quantity = 2 + (s + day_n) % 3 + (1 if day >= date(2024, 4, 1) else 0)
                channel = "Email" if (s + day_n) % 2 else "Web"
                row = (f"O{day_n:03d}-{s:02d}", day.isoformat(), f"C{(s * 7 + day_n) % 40:02d}")
                out.writerow((*row, f"P{s % 4}", channel, seller(s), quantity, f"{10 + s:.2f}"))
        for n in range(returns_with_bad_dates):
            out.writerow((f"R{n:03d}", "31/02/2024?", "C01", "P1", "Web", seller(0), -3, "90.00"))
    return path


def write_spend(path: Path) -> Path:
    """Spend for Email (a sales channel) and for Google Ads, which no sale names."""
    with path.open("w", newline="") as handle:
        out = csv.writer(handle)
        out.writerow(("date", "channel", "spend", "clicks"))
        for day_n in range(DAYS):
            day = (Q1 + timedelta(days=day_n)).isoformat()
            out.writerow((day, "Email", "20.00", 40))
            out.writerow((day, "Google Ads", "35.00", 70))
    return path


def visible(page: Path) -> str:
    """The text a reader sees: an HTML page without its scripts, styles and tags."""
    text = page.read_text(encoding="utf-8")
    if page.suffix != ".html":
        return text
    text = re.sub(r"<(script|style)\b.*?</\1>", " ", text, flags=re.DOTALL)
    return re.sub(r"<[^>]+>", " ", text)


def report_texts(out: Path) -> dict[str, str]:
    """Every text page of the report: report.md and .html, the department pages."""
    pages = [out / "report.md", out / "report.html", *sorted((out / "departments").glob("*"))]
    return {str(p.relative_to(out)): visible(p) for p in pages}


Run = tuple[Report, dict[str, str], Path]  # the report, its pages' text, its folder


def run(inputs: list[Path], out: Path, period: str = "2024-Q2") -> Run:
    config = Config(mapping={"sales_rep": "seller_id"})
    report = salescope.run(inputs, config, period=period, clock=fixed_clock)
    salescope.write_outputs(report, out, ("json", "md", "html", "csv"))
    return report, report_texts(out), out


@pytest.fixture(scope="module")
def one_seller(tmp_path_factory: pytest.TempPathFactory) -> Run:
    tmp = tmp_path_factory.mktemp("one")
    sales = write_sales(tmp / "sales.csv", sellers=1, returns_with_bad_dates=1)
    return run([sales], tmp / "out")


@pytest.fixture(scope="module")
def thirty_sellers(tmp_path_factory: pytest.TempPathFactory) -> Run:
    tmp = tmp_path_factory.mktemp("thirty")
    sales = write_sales(tmp / "sales.csv", sellers=30, returns_with_bad_dates=4)
    return run([sales, write_spend(tmp / "spend.csv")], tmp / "out")


@pytest.fixture(scope="module")
def whole_period(tmp_path_factory: pytest.TempPathFactory) -> Run:
    tmp = tmp_path_factory.mktemp("all")
    sales = write_sales(tmp / "sales.csv", sellers=3)
    return run([sales, write_spend(tmp / "spend.csv")], tmp / "out", period="all")


# --- plurals ----------------------------------------------------------------------------------


def test_plural_agrees_with_its_count() -> None:
    assert fmt.plural(1, "day") == "1 day"
    assert fmt.plural(0, "day") == "0 days"
    assert fmt.plural(1234, "rep") == "1,234 reps"
    assert fmt.plural(1, "category", "categories") == "1 category"
    assert fmt.plural(2, "category", "categories") == "2 categories"
    assert fmt.plural(3, "person", "people") == "3 people"


@pytest.mark.parametrize("case", ["one_seller", "thirty_sellers", "whole_period"])
def test_no_page_leaves_a_plural_to_the_reader(case: str, request: pytest.FixtureRequest) -> None:
    _, texts, _ = request.getfixturevalue(case)
    for name, text in texts.items():
        left = [line for line in text.splitlines() if "(s)" in line]
        assert not left, f"{name}: {[line[:200] for line in left[:3]]}"


def test_one_of_a_thing_is_singular(one_seller: Run) -> None:
    report, texts, _ = one_seller
    md = texts["report.md"]
    assert len(report.run.inputs) == 1 and "1 input file." in md
    assert report.quality.rows_quarantined == 1
    assert "1 of " in md and "input rows was set aside" in md


def test_one_customer_moved_is_singular(tmp_path: Path) -> None:
    """The golden shop export: one customer moves from Champions to Hibernating."""
    folder = GOLDEN / "returns_shipping"
    config = load_config(folder / "salescope.yml")
    report = salescope.run([folder / "returns_shipping.csv"], config, clock=fixed_clock)
    moved = next(i for i in report.insights if i.type == "rfm_movement")
    assert moved.text.startswith("1 customer moved from Champions to Hibernating")


# --- periods ----------------------------------------------------------------------------------


def test_the_whole_period_reads_in_a_sentence(
    whole_period: Run,
) -> None:
    report, texts, _ = whole_period
    assert report.period.label == "all"
    for name, text in texts.items():
        assert not re.search(r"\b(in|for|of) all\b", text), name
        assert not re.search(r"report all\b", text), name
    md = texts["report.md"]
    assert "over the whole period" in md
    span = f"{report.period.start:%d %b %Y} to {report.period.end:%d %b %Y}"
    assert md.startswith(f"# Sales report {span}")
    assert texts["departments/executive.md"].startswith(f"# Executive report {span}")


def test_period_wording_by_grain() -> None:
    from salescope.analysis.periods import parse_period

    first, last = date(2023, 1, 1), date(2024, 12, 31)
    assert fmt.in_period(parse_period("2024-Q3", first, last)) == "in 2024-Q3"
    assert fmt.in_period(parse_period("all", first, last)) == "over the whole period"
    custom = parse_period("2024-07-01..2024-09-30", first, last)
    assert fmt.in_period(custom) == "from 01 Jul 2024 to 30 Sep 2024"
    assert fmt.period_name(parse_period("2024", first, last)) == "2024"
    assert fmt.period_name(parse_period("all", first, last)) == "01 Jan 2023 to 31 Dec 2024"


# --- findings ---------------------------------------------------------------------------------


def _first_word(text: str) -> str:
    return re.findall(r"[^\W_]+", text.casefold())[0]


def test_a_finding_does_not_say_its_subject_twice(
    thirty_sellers: Run,
) -> None:
    report, texts, _ = thirty_sellers
    repeating = [i for i in report.insights if _first_word(i.title) == _first_word(i.text)]
    assert any(i.id == "kpi_change.revenue" for i in repeating)  # "Revenue up: Revenue rose"
    for name, text in texts.items():
        if not name.endswith(".md"):
            continue
        for i in repeating:
            assert f"{i.title}: {i.text}" not in text, name
        for i in report.insights:  # any line opening with a title goes on in other words
            for line in text.splitlines():
                if line.startswith(f"- {i.title}: "):
                    rest = line.removeprefix(f"- {i.title}: ")
                    assert _first_word(rest) != _first_word(i.title), line
    revenue = next(i for i in report.insights if i.id == "kpi_change.revenue")
    assert f"- {revenue.text}" in texts["report.md"]  # the facts stay: the text in full


def test_a_title_with_a_colon_is_closed_by_a_full_stop() -> None:
    from salescope.model import Insight

    squeeze = Insight(
        id="x",
        type="margin_squeeze",
        title="Margin squeeze: revenue grew faster than gross profit",
        text="Revenue rose 55.0% but gross profit only 48.3%.",
        facts=(),
        score=1.0,
        polarity="negative",
        departments=("finance",),
    )
    assert finding_line(squeeze) == (
        "Margin squeeze: revenue grew faster than gross profit. Revenue rose 55.0% but "
        "gross profit only 48.3%."
    )


# --- long lists -------------------------------------------------------------------------------


def test_thirty_sellers_are_capped_in_the_pages_not_in_the_json(
    thirty_sellers: Run,
) -> None:
    report, texts, out = thirty_sellers
    assert report.team is not None and len(report.team.reps) == 30
    shown = REPS_LISTED_TOP + REPS_LISTED_BOTTOM
    md = texts["report.md"]
    table = md.split("### Sellers", 1)[1].split("\n\n")[1]
    rows = [line for line in table.splitlines() if line.startswith("| ") and "---" not in line]
    assert rows[0].startswith("| Rank | Seller |")
    listed = [seller(s) for s in range(30) if seller(s) in table]
    assert len(rows) == 1 + shown and len(listed) == shown  # the header and 15 sellers
    assert f"{shown} of 30 sellers" in md and f"the other {30 - shown} are in report.json" in md
    doc = json.loads((out / "report.json").read_text(encoding="utf-8"))
    assert len(doc["team"]["reps"]) == 30
    with (out / "tables" / "reps.csv").open(encoding="utf-8") as handle:
        assert len(list(csv.DictReader(handle))) == 30


# --- unknown values ---------------------------------------------------------------------------


def test_spend_tied_to_no_sales_channel_has_an_unknown_roas(
    thirty_sellers: Run,
) -> None:
    report, texts, _ = thirty_sellers
    assert report.marketing is not None
    ads = next(c for c in report.marketing.channels if c.channel == "Google Ads")
    email = next(c for c in report.marketing.channels if c.channel == "Email")
    assert ads.spend is not None and ads.spend.value == 35.0 * 91
    assert ads.roas is not None and ads.roas.value is None
    assert email.roas is not None and email.roas.value is not None and email.roas.value > 0
    # the total counts the spend that matches a sales channel only
    assert report.marketing.roas is not None
    assert report.marketing.roas.value == pytest.approx(email.roas.value, rel=1e-6)
    md = texts["report.md"]
    table = md.split("### Channels", 1)[1].split("\n\n")[1].splitlines()
    header = [c.strip() for c in table[0].strip("|").split("|")]
    row = next(line for line in table if line.startswith("| Google Ads"))
    cells = dict(zip(header, (c.strip() for c in row.strip("|").split("|")), strict=True))
    assert cells["ROAS"] == "n/a" and cells["Spend"] == fmt.money(35.0 * 91)
    assert "matches no sales channel" in md and "not zero" in md


def test_quarantined_returns_keep_their_minus_sign(
    thirty_sellers: Run,
) -> None:
    report, texts, _ = thirty_sellers
    bad = next(c for c in report.quality.checks if c.code == "unparseable_date")
    assert bad.rows == 4
    assert bad.revenue_share is not None and bad.revenue_share < 0
    shown = fmt.fraction(bad.revenue_share)
    assert shown.startswith("-")
    assert f"4 lines ({shown} of revenue) quarantined" in texts["report.md"]


# --- movers -----------------------------------------------------------------------------------


def test_a_member_that_lost_share_did_not_drive_growth(tmp_path: Path) -> None:
    """SP adds the most revenue (800 to 900 a day) but RJ grows faster (200 to 290), so
    SP's share falls from 80.0% to 75.6%: it grew with the business, it did not drive it."""
    path = tmp_path / "sales.csv"
    with path.open("w", newline="") as handle:
        out = csv.writer(handle)
        out.writerow(("order_id", "order_date", "customer_id", "region", "revenue"))
        for day_n in range(DAYS):
            day = Q1 + timedelta(days=day_n)
            second = day >= date(2024, 4, 1)
            for state, first, then in (("SP", 800, 900), ("RJ", 200, 290)):
                amount = f"{then if second else first:.2f}"
                out.writerow((f"{state}{day_n}", day.isoformat(), f"C{day_n % 9}", state, amount))
    report = salescope.run([path], period="2024-Q2", clock=fixed_clock)
    top = next(i for i in report.insights if i.type == "top_contributor")
    assert top.subject == "SP"
    assert top.title == "SP grew with the business but lost share"
    assert "drove growth" not in top.text
    assert top.text.endswith("its share of revenue went from 80.0% to 75.6%.")


def test_the_unusual_days_told_in_sentences_are_capped(tmp_path: Path) -> None:
    """Seven spikes in 2024-Q2 (eight times the usual quantity on most of the day's
    orders): the section tells the five largest and leaves the rest to its table."""
    spikes = {date(2024, 4, 10) + timedelta(days=9 * k) for k in range(7)}
    path = tmp_path / "sales.csv"
    with path.open("w", newline="") as handle:
        out = csv.writer(handle)
        out.writerow(
            ("order_id", "order_date", "customer_id", "product_id", "quantity", "unit_price")
        )
        for day_n in range(DAYS):
            day = Q1 + timedelta(days=day_n)
            for k in range(20):
                quantity = (2 + (day_n * 7 + k) % 3) * (8 if day in spikes and k < 15 else 1)
                row = (f"O{day_n}-{k}", day.isoformat(), f"C{(day_n + k) % 50}", f"P{k % 3}")
                out.writerow((*row, quantity, "10.00"))
    report = salescope.run([path], period="2024-Q2", clock=fixed_clock)
    assert sorted(a.date for a in report.anomalies if a.in_period) == sorted(spikes)
    salescope.write_outputs(report, tmp_path / "out", ("json", "md"))
    md = (tmp_path / "out" / "report.md").read_text(encoding="utf-8")
    section = md.split("## Unusual days", 1)[1].split("\n## ", 1)[0]
    told = [d for d in spikes if f"{d:%a %d %b %Y} was a spike" in section]
    assert len(told) == UNUSUAL_DAYS_NAMED < len(spikes)
    assert "the other unusual days of the period are in the table below" in section
    assert all(f"{d:%Y-%m-%d} (in period)" in section for d in spikes)  # the table has all
