"""Currency honestly: money carries a currency sign only when the config or the data names
one. Without either, amounts are plain figures everywhere (text, tables, charts, grounding)
and the report states the assumption once; every figure checked here is summed by hand
from the fixture's CSV text."""

from __future__ import annotations

import csv
import json
import random
import re
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

import salescope
from salescope.config import Config, load_config
from salescope.demo_data import write_demo_data
from salescope.errors import ConfigError
from salescope.narrative import format as fmt
from salescope.narrative.grounding import ungrounded
from salescope.pipeline import NO_CURRENCY
from salescope.quality.formats import currency_of_codes, is_currency_header
from salescope.render.charts import chart_specs
from tests.conftest import fixed_clock
from tests.test_grounding import describe, ungrounded_in_outputs

HEADER = ("order_id", "order_date", "customer_id", "product", "quantity", "unit_price", "revenue")
PRODUCTS = {"Kettle": "24.99", "Teapot": "38.50", "Mug": "7.25", "Tray": "112.00"}
# a currency sign or code before a figure, as a reader would see it
SIGNED = re.compile(r"[$€£¥₹]\s?[0-9]|\b(?:USD|EUR|GBP|JPY|INR|CHF) [0-9]")
FORMATS = ("json", "md", "html", "csv")


@dataclass(frozen=True)
class Fixture:
    path: Path
    revenue: Decimal  # the hand sum of the revenue column
    orders: int

    @property
    def aov(self) -> Decimal:
        return self.revenue / self.orders


def write_sales(path: Path, sign: str = "", seed: int = 3) -> Fixture:
    """Three months of order lines (2026-01..03), 2 lines in some orders; amounts plain
    (``12.50``) or written with ``sign`` before them (``£12.50``)."""
    rng = random.Random(seed)
    rows, revenue, orders = [], Decimal(0), 0
    start = date(2026, 1, 1)
    for n in range(1, 61):
        orders += 1
        day = start + timedelta(days=rng.randrange(90))
        customer = f"C{rng.randrange(1, 13):02d}"
        for product in rng.sample(sorted(PRODUCTS), rng.choice((1, 1, 2))):
            qty = rng.randrange(1, 5)
            price = Decimal(PRODUCTS[product])
            line = price * qty
            revenue += line
            cells = (f"SO-{n:03d}", day.isoformat(), customer, product, str(qty))
            rows.append((*cells, f"{sign}{price}", f"{sign}{line}"))
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADER)
        writer.writerows(rows)
    return Fixture(path, revenue, orders)


def hand_sum(path: Path, sign: str = "") -> Decimal:
    """The revenue column of the CSV summed again from its text, as a check on the fixture."""
    with path.open(newline="", encoding="utf-8") as handle:
        return sum(
            (Decimal(r["revenue"].removeprefix(sign)) for r in csv.DictReader(handle)), Decimal(0)
        )


def readable_html(path: Path) -> str:
    """The HTML page without its scripts (the inline Vega library and chart specs, whose
    code is not text a reader sees; the specs are checked on their own)."""
    html = path.read_text(encoding="utf-8")
    return re.sub(r"<script\b.*?</script>", " ", html, flags=re.S)


def chart_formats(spec: Any) -> list[str]:
    """Every d3 ``format`` string in a chart spec."""
    if isinstance(spec, dict):
        own = [spec["format"]] if isinstance(spec.get("format"), str) else []
        return own + [f for v in spec.values() for f in chart_formats(v)]
    if isinstance(spec, list):
        return [f for v in spec for f in chart_formats(v)]
    return []


def texts_in(out: Path) -> dict[str, str]:
    pages = {"report.md": (out / "report.md").read_text(encoding="utf-8")}
    pages["report.html"] = readable_html(out / "report.html")
    for page in sorted((out / "departments").glob("*.*")):
        name = f"departments/{page.name}"
        text = page.read_text(encoding="utf-8")
        pages[name] = readable_html(page) if page.suffix == ".html" else text
    for table in sorted((out / "tables").glob("*.csv")):
        pages[f"tables/{table.name}"] = table.read_text(encoding="utf-8")
    return pages


@pytest.fixture(scope="module")
def plain(tmp_path_factory: pytest.TempPathFactory) -> Fixture:
    return write_sales(tmp_path_factory.mktemp("plain") / "sales.csv")


@pytest.fixture(scope="module")
def unknown(
    plain: Fixture, tmp_path_factory: pytest.TempPathFactory
) -> tuple[salescope.Report, Path]:
    report = salescope.run([plain.path], Config(period="all"), clock=fixed_clock)
    out = tmp_path_factory.mktemp("unknown_out")
    salescope.write_outputs(report, out, formats=FORMATS)
    return report, out


@pytest.fixture(scope="module")
def pounds(
    plain: Fixture, tmp_path_factory: pytest.TempPathFactory
) -> tuple[salescope.Report, Path]:
    report = salescope.run([plain.path], Config(period="all", currency="GBP"), clock=fixed_clock)
    out = tmp_path_factory.mktemp("gbp_out")
    salescope.write_outputs(report, out, formats=FORMATS)
    return report, out


def test_fixture_revenue_is_the_hand_sum(plain: Fixture) -> None:
    assert hand_sum(plain.path) == plain.revenue
    assert plain.revenue > 1000 > plain.aov  # both money roundings are exercised


# --- no currency anywhere ----------------------------------------------------------------


def test_no_currency_in_data_or_config_is_unknown_and_said_once(
    plain: Fixture, unknown: tuple[salescope.Report, Path]
) -> None:
    report, out = unknown
    assert report.currency is None
    assert report.quality.assumptions.count(NO_CURRENCY) == 1
    assert "currency not given" in NO_CURRENCY and "currency: GBP" in NO_CURRENCY
    data = json.loads((out / "report.json").read_text(encoding="utf-8"))
    assert data["currency"] is None
    assert data["quality"]["assumptions"].count(NO_CURRENCY) == 1
    revenue = report.kpi("revenue")
    assert revenue is not None and revenue.value == pytest.approx(float(plain.revenue), abs=0.005)
    orders = report.kpi("orders")
    assert orders is not None and orders.value == plain.orders


def test_without_a_currency_amounts_are_plain_figures_in_every_text(
    plain: Fixture, unknown: tuple[salescope.Report, Path]
) -> None:
    _, out = unknown
    total, aov = f"{plain.revenue:,.0f}", f"{plain.aov:,.2f}"  # '3,353,912' and '217.76' style
    pages = texts_in(out)
    assert {"report.md", "report.html", "departments/executive.md"} <= set(pages)
    for name, text in pages.items():
        assert not SIGNED.findall(text), f"{name}: {SIGNED.findall(text)[:5]}"
    for name in ("report.md", "report.html"):
        assert f"Revenue was {total}" in pages[name], name
        assert aov in pages[name], name
    # the assumption is stated in the data-quality part of both pages
    assert "currency not given: amounts are shown without a symbol" in pages["report.md"]
    assert "currency not given: amounts are shown without a symbol" in pages["report.html"]


def test_without_a_currency_charts_name_none(unknown: tuple[salescope.Report, Path]) -> None:
    report, _ = unknown
    specs = chart_specs(report)
    assert specs
    for name, spec in specs.items():
        assert not any("$" in f for f in chart_formats(spec)), name
        text = json.dumps(spec, ensure_ascii=False)
        assert not SIGNED.findall(text), f"{name}: {SIGNED.findall(text)[:5]}"
        assert "Revenue (" not in text, name  # no currency code in axis titles


def test_without_a_currency_the_markdown_is_grounded(
    unknown: tuple[salescope.Report, Path],
) -> None:
    """Every number in report.md and the department pages is a fact formatted without a
    symbol; and a figure given a currency sign the report does not have is caught."""
    report, out = unknown
    misses = ungrounded_in_outputs(out, None)
    assert not misses, describe(misses)
    revenue = report.kpi("revenue")
    assert revenue is not None and revenue.value is not None
    plain_text = f"Revenue was {fmt.money(revenue.value)}."
    assert ungrounded(plain_text, report.facts, currency=None) == []
    signed = f"Revenue was ${revenue.value:,.0f}."
    assert [f.text for f in ungrounded(signed, report.facts, currency=None)] == [
        f"${revenue.value:,.0f}"
    ]


# --- currency from the config ------------------------------------------------------------


def test_config_currency_gbp_prints_pounds_matching_the_hand_sum(
    plain: Fixture, pounds: tuple[salescope.Report, Path]
) -> None:
    report, out = pounds
    assert report.currency == "GBP"
    assert NO_CURRENCY not in report.quality.assumptions
    assert json.loads((out / "report.json").read_text(encoding="utf-8"))["currency"] == "GBP"
    total, aov = f"£{plain.revenue:,.0f}", f"£{plain.aov:,.2f}"
    pages = texts_in(out)
    for name in ("report.md", "report.html"):
        assert f"Revenue was {total}" in pages[name], name
        assert aov in pages[name], name
        assert "currency not given" not in pages[name]
    for name, text in pages.items():  # no other currency's sign slips in
        assert not re.search(r"[$€¥₹]\s?[0-9]|\b(?:USD|EUR) [0-9]", text), name
    specs = chart_specs(report)
    titles = json.dumps(specs["monthly_revenue"])
    assert "Revenue (GBP)" in titles
    assert not any("$" in f for s in specs.values() for f in chart_formats(s))
    assert ungrounded_in_outputs(out, "GBP") == []


def test_config_currency_is_upper_cased_and_validated(tmp_path: Path) -> None:
    assert Config(currency=" gbp ").currency == "GBP"
    assert Config().currency is None
    path = tmp_path / "salescope.yml"
    path.write_text("currency: eur\n", encoding="utf-8")
    assert load_config(path).currency == "EUR"
    for bad in ("pounds", "GB", "12", "", "€"):
        path.write_text(f"currency: '{bad}'\n", encoding="utf-8")
        with pytest.raises(ConfigError) as caught:
            load_config(path)
        assert "currency" in caught.value.message and caught.value.hint
        assert "ISO 4217" in caught.value.message
    with pytest.raises(ConfigError) as caught:
        Config(currency="€")
    assert caught.value.hint is not None and "currency: EUR" in caught.value.hint


# --- currency from the data --------------------------------------------------------------


def test_amounts_written_in_pounds_are_read_as_gbp(tmp_path: Path) -> None:
    fixture = write_sales(tmp_path / "sales_gbp.csv", sign="£")
    assert "£" in fixture.path.read_text(encoding="utf-8")
    assert hand_sum(fixture.path, "£") == fixture.revenue
    report = salescope.run([fixture.path], Config(period="all"), clock=fixed_clock)
    assert report.currency == "GBP"
    assert NO_CURRENCY not in report.quality.assumptions
    revenue = report.kpi("revenue")
    assert revenue is not None and revenue.value == pytest.approx(float(fixture.revenue), abs=0.005)
    out = tmp_path / "out"
    salescope.write_outputs(report, out, formats=("json", "md"))
    markdown = (out / "report.md").read_text(encoding="utf-8")
    assert f"Revenue was £{fixture.revenue:,.0f}" in markdown
    assert f"£{fixture.aov:,.2f}" in markdown


@pytest.mark.parametrize(
    ("header", "code"),
    [("revenue_gbp", "GBP"), ("Amount (eur)", "EUR"), ("Sales USD", "USD"), ("Cadence", None)],
)
def test_a_currency_code_in_the_amount_header_names_the_currency(
    tmp_path: Path, header: str, code: str | None
) -> None:
    path = tmp_path / "sales.csv"
    path.write_text(f"order_id,order_date,{header}\n1,2024-01-02,10.00\n2,2024-02-03,20.00\n")
    overrides = {"mapping": {"revenue": header}}
    report = salescope.run([path], Config.model_validate(overrides), period="all")
    assert report.currency == code
    assert report.kpi("revenue").value == 30.0  # type: ignore[union-attr]


def test_config_currency_wins_over_the_data(tmp_path: Path) -> None:
    fixture = write_sales(tmp_path / "sales_gbp.csv", sign="£")
    report = salescope.run([fixture.path], Config(period="all", currency="EUR"), clock=fixed_clock)
    assert report.currency == "EUR"


# --- the demo ----------------------------------------------------------------------------


def test_the_demo_states_its_currency_in_its_config(tmp_path: Path) -> None:
    """The demo's amounts are plain numbers; its salescope.yml says they are US dollars,
    and `salescope demo` reads it (tests/test_commands.py checks the "$" in its report)."""
    files = write_demo_data(tmp_path / "data", rows=1000, seed=5)
    assert files.config.name == "salescope.yml"
    assert load_config(files.config).currency == "USD"
    with files.sales.open(newline="", encoding="utf-8") as handle:
        first = next(csv.DictReader(handle))
    assert not SIGNED.search(first["revenue"])  # the data itself names no currency


def test_the_demo_report_fixture_is_in_dollars(demo_report: salescope.Report) -> None:
    assert demo_report.currency == "USD"
    revenue = demo_report.kpi("revenue")
    assert revenue is not None and revenue.value is not None
    assert fmt.money(revenue.value, demo_report.currency) == f"${revenue.value:,.0f}"


# --- the formatter -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "currency", "shown"),
    [
        (3353912.4, None, "3,353,912"),
        (217.764, None, "217.76"),
        (-15606.6, None, "-15,607"),
        (3353912.4, "USD", "$3,353,912"),
        (217.764, "GBP", "£217.76"),
        (1234.4, "CHF", "CHF 1,234"),
        (None, None, "n/a"),
    ],
)
def test_money_is_signed_only_with_a_currency(
    value: float | None, currency: str | None, shown: str
) -> None:
    assert fmt.money(value, currency) == shown
    assert fmt.by_unit(value, "currency", currency) == shown


# --- a per-line currency column (for validate.py to call) ----------------------------------


@pytest.mark.parametrize(
    ("values", "code"),
    [
        (["GBP", "gbp", " GBP", None, ""], "GBP"),
        (["£", "GBP"], "GBP"),
        (["CHF"], "CHF"),
        (["EUR", "USD"], None),  # two currencies: no one symbol fits the sums
        (["UK pounds"], None),
        ([None, ""], None),
    ],
)
def test_a_currency_column_names_one_currency_or_none(
    values: list[str | None], code: str | None
) -> None:
    assert currency_of_codes(values) == code


def test_currency_column_headers() -> None:
    assert all(is_currency_header(h) for h in ("Currency", "currency_code", "Währung", "CCY"))
    assert not any(is_currency_header(h) for h in ("Amount", "Currency rate", "Price (EUR)"))
