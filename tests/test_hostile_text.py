"""Untrusted text in every output: safe to read, and no stall.

- a product named with 200,000 characters and a region ``West`` + RIGHT-TO-LEFT OVERRIDE
  go through the whole pipeline into every format: report.json keeps both as read, the
  pages, charts and department reports show the name cut to ``LABEL_MAX`` characters,
  no bidirectional control character reaches Markdown, HTML, the PDF's text, the CSV
  tables or the charts, and revenue equals DuckDB's own sum over the file;
- credentials in an input URL (``?password=``, ``&token=``) and in an engine URL
  (``user:password@``) appear in no file and on no console line;
- a period holding only returns: the average order value is stated, negative, without a
  rise or a fall, and with the fact's figure;
- a breakdown CSV that lists only the largest members says how many are left out, against
  DuckDB's count of members.
"""

from __future__ import annotations

import csv
import json
import re
import subprocess
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import duckdb
import pytest

import salescope
from salescope.config import Config
from salescope.errors import ConfigError
from salescope.model import Breakdown, Member
from salescope.narrative import format as fmt
from salescope.narrative.display import display_names, displayed
from salescope.narrative.grounding import ungrounded
from salescope.narrative.polish import period_labels
from salescope.redact import redact_url
from salescope.render.md import md_escape, render_markdown
from salescope.sources.database import parse_url
from tests.conftest import fixed_clock
from tests.test_cli import salescope as run_cli

LONG = "Widget " + "x" * 200_000
REGION = "West\u202e"
BIDI = re.compile("[\u202a-\u202e\u2066-\u2069\u200e\u200f\u061c]")
# the name as every page shows it, computed here from the documented rule
SHOWN = LONG[: fmt.LABEL_MAX - 1] + "…"
TOO_LONG = "x" * fmt.LABEL_MAX  # a run of the name longer than any label holds
HEADER = ["order_id", "order_date", "customer_id", "product", "region", "quantity", "unit_price"]


def hostile_rows() -> list[list[object]]:
    """Q1 and Q2 2024; the long-named product grows in Q2 so insights name it."""
    rows: list[list[object]] = []
    day = date(2024, 1, 2)
    for i in range(120):
        d = day + timedelta(days=i * 3 // 2)
        second = d >= date(2024, 4, 1)
        product = LONG if i % (3 if second else 9) == 0 else f"Mug {i % 4}"
        region = REGION if i % 3 else "East"
        quantity = 6 if second and product == LONG else 1 + i % 3
        rows.append([f"O{i}", d.isoformat(), f"C{i % 23}", product, region, quantity, 9.5])
    return rows


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, salescope.Report]:
    folder = tmp_path_factory.mktemp("hostile")
    path = folder / "sales.csv"
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADER)
        writer.writerows(hostile_rows())
    report = salescope.run([path], Config(currency="USD"), period="2024-Q2", clock=fixed_clock)
    out = folder / "out"
    salescope.write_outputs(report, out)  # every format
    return path, out, report


def csv_rows(path: Path) -> list[dict[str, str]]:
    csv.field_size_limit(max(csv.field_size_limit(), 2 * len(LONG)))
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def pages(out: Path) -> dict[str, str]:
    """Every text file a person reads: the report and department pages, the CSV tables."""
    names = [
        "report.md",
        "report.html",
        *(f"departments/{p.name}" for p in (out / "departments").iterdir()),
    ]
    names += [f"tables/{p.name}" for p in (out / "tables").glob("*.csv")]
    return {name: (out / name).read_text(encoding="utf-8") for name in names}


def chart_specs_in(html: str) -> dict[str, Any]:
    """The Vega-Lite specs the page embeds (its one application/json block)."""
    found = re.search(r'<script type="application/json"[^>]*>(.*?)</script>', html, re.DOTALL)
    assert found is not None
    specs: dict[str, Any] = json.loads(found.group(1))
    return specs


def strings(obj: object) -> list[str]:
    if isinstance(obj, str):
        return [obj]
    if isinstance(obj, dict):
        return [s for v in obj.values() for s in strings(v)]
    if isinstance(obj, list):
        return [s for v in obj for s in strings(v)]
    return []


# --- a megabyte-class name and a right-to-left override ----------------------------------


def test_report_json_keeps_the_names_as_read(hostile: tuple[Path, Path, salescope.Report]) -> None:
    _, out, _ = hostile
    data = json.loads((out / "report.json").read_text(encoding="utf-8"))
    products = [m["key"] for m in data["breakdowns"]["product"]]
    assert LONG in products
    assert len(next(p for p in products if p.startswith("Widget"))) == len(LONG)
    assert REGION in [m["key"] for m in data["breakdowns"]["region"]]


def test_pages_show_the_name_cut_to_the_documented_maximum(
    hostile: tuple[Path, Path, salescope.Report],
) -> None:
    _, out, _ = hostile
    assert len(SHOWN) == fmt.LABEL_MAX
    texts = pages(out)
    for name, text in texts.items():
        if name.startswith("tables/"):
            continue  # CSV is data: the name in full (below)
        assert TOO_LONG not in text, name
    for name in ("report.md", "report.html"):
        assert (md_escape(SHOWN) if name.endswith(".md") else SHOWN) in texts[name], name
    assert any(SHOWN in t for n, t in texts.items() if n.startswith("departments/"))
    # the insights name it too, in the same form
    md = texts["report.md"]
    assert f"{SHOWN} (product) drove growth: it added" in md


def test_charts_show_the_name_cut_and_every_chart_is_drawn(
    hostile: tuple[Path, Path, salescope.Report],
) -> None:
    _, out, _ = hostile
    specs = chart_specs_in((out / "report.html").read_text(encoding="utf-8"))
    values = [s for spec in specs.values() for s in strings(spec)]
    assert SHOWN in values
    assert max(len(s) for s in values if s.startswith("Widget")) == fmt.LABEL_MAX
    assert not any(BIDI.search(s) for s in values)
    assert "West" in values
    pngs = {p.stem for p in (out / "charts").glob("*.png")}
    assert pngs == set(specs)  # each chart rendered, none given up on


def test_csv_tables_keep_the_full_name_without_control_characters(
    hostile: tuple[Path, Path, salescope.Report],
) -> None:
    _, out, _ = hostile
    products = [row["product"] for row in csv_rows(out / "tables" / "breakdown_product.csv")]
    assert LONG in products
    regions = [row["region"] for row in csv_rows(out / "tables" / "breakdown_region.csv")]
    assert sorted(regions) == ["East", "West"]


def test_no_bidi_control_character_reaches_a_page(
    hostile: tuple[Path, Path, salescope.Report],
) -> None:
    _, out, _ = hostile
    for name, text in pages(out).items():
        assert not BIDI.search(text), name


def test_the_pdf_text_holds_no_bidi_control_and_no_long_name(
    hostile: tuple[Path, Path, salescope.Report],
) -> None:
    _, out, _ = hostile
    done = subprocess.run(
        ["pdftotext", str(out / "report.pdf"), "-"], capture_output=True, text=True, check=True
    )
    text = done.stdout
    assert "West" in text and "Widget" in text
    assert not BIDI.search(text)
    assert TOO_LONG not in text.replace("\n", "")


def test_revenue_is_unchanged_by_the_names(hostile: tuple[Path, Path, salescope.Report]) -> None:
    path, out, _ = hostile
    data = json.loads((out / "report.json").read_text(encoding="utf-8"))
    where = "order_date between '2024-04-01' and '2024-06-30'"
    source = f"read_csv('{path}', header=true, all_varchar=true)"
    line = "cast(quantity as double) * cast(unit_price as double)"
    total = duckdb.sql(f"select round(sum({line}), 2) from {source} where {where}").fetchone()
    assert total is not None
    assert data["kpis"]["revenue"]["value"] == pytest.approx(total[0], abs=0.005)
    long_revenue = duckdb.sql(
        f"select round(sum({line}), 2) from {source} where {where} and length(product) = ?",
        params=[len(LONG)],
    ).fetchone()
    assert long_revenue is not None
    member = next(m for m in data["breakdowns"]["product"] if m["key"] == LONG)
    assert member["revenue"] == pytest.approx(long_revenue[0], abs=0.005)
    row = next(
        r for r in csv_rows(out / "tables" / "breakdown_product.csv") if r["product"] == LONG
    )
    assert float(row["revenue"]) == pytest.approx(long_revenue[0], abs=0.005)


def test_label_cleans_squeezes_and_cuts() -> None:
    assert fmt.label("  North\u202e \u2066West\u2069\n") == "North West"
    assert fmt.label("a\u0000b\u200bc\u00add") == "abcd"
    assert fmt.label("x" * 1_000_000) == "x" * (fmt.LABEL_MAX - 1) + "…"
    assert fmt.label("x" * fmt.LABEL_MAX) == "x" * fmt.LABEL_MAX  # at the maximum: as is
    # the joiners Persian and emoji need stay
    assert fmt.label("می\u200cخواهم") == "می\u200cخواهم"
    # invisible characters before the text do not eat the label
    assert fmt.label("\u202e" * 10_000 + "Widget") == "Widget"


def test_names_that_would_read_the_same_are_told_apart() -> None:
    from dataclasses import replace

    a, b = "Widget " + "x" * 100 + "A", "Widget " + "x" * 100 + "B"
    members = tuple(
        Member(k, 10.0, 0.25, None, None, None, 1, 1.0, 1) for k in (a, b, "West", REGION)
    )
    report = replace(_empty_report(), breakdowns=(Breakdown("product", "Product", members, 4),))
    names = display_names(report)
    assert names[REGION] == "West (2)"  # "West" itself is taken
    assert len({names[a], names[b]}) == 2
    assert all(len(names[n]) <= fmt.LABEL_MAX for n in (a, b))
    assert displayed((f"{a} rose", [b]), names) == (f"{names[a]} rose", [names[b]])


def _empty_report() -> salescope.Report:
    from salescope.model import PeriodInfo, Quality, Report, RunInfo, TimeSeries

    run = RunInfo("r", "2026-01-01T00:00:00+00:00", "0", "duckdb", 0.0, "", ())
    period = PeriodInfo("2024-Q2", date(2024, 4, 1), date(2024, 6, 30), "quarter", None, None)
    quality = Quality(0, 0, 0, 100.0, {}, {}, (), ())
    return Report(run, period, quality, (), (), TimeSeries("month", ()), {})


# --- secrets ------------------------------------------------------------------------------


SECRETS = ("hunter2-pw", "tok-777", "key-555", "s3cret-engine", "pw2-secret")


def test_input_url_credentials_appear_nowhere(tmp_path: Path) -> None:
    db = tmp_path / "shop.duckdb"
    con = duckdb.connect(str(db))
    con.execute(
        "create table sales as select 'O' || i as order_id, date '2024-04-01' + i::int"
        " as order_date, 'C' || (i % 7) as customer_id, 'Mug' as product, 2 as quantity,"
        " 5.5 as unit_price"
        " from range(40) t(i)"
    )
    con.close()
    url = f"duckdb:///{db}?table=sales&password=hunter2-pw&token=tok-777&api_key=key-555"
    done = run_cli(
        "report", url, "--period", "2024-Q2", "-f", "json,md,csv", "-o", "out", cwd=tmp_path
    )
    assert done.code == 0, done.stderr
    out = tmp_path / "out"
    files = [out / "report.json", out / "report.md", *(out / "tables").glob("*.csv")]
    for where, text in [("stdout", done.stdout), ("stderr", done.stderr)] + [
        (p.name, p.read_text(encoding="utf-8")) for p in files
    ]:
        for secret in SECRETS:
            assert secret not in text, (secret, where)
    data = json.loads((out / "report.json").read_text(encoding="utf-8"))
    [source] = data["run"]["inputs"]
    assert source["path"].endswith("?table=sales&password=***&token=***&api_key=***")
    assert data["kpis"]["revenue"]["value"] == pytest.approx(40 * 2 * 5.5)  # all in Q2


def test_an_engine_url_password_is_not_printed(tmp_path: Path) -> None:
    sales = tmp_path / "sales.csv"
    sales.write_text("order_date,quantity,unit_price\n2024-04-02,1,9.5\n", encoding="utf-8")
    engine = "postgres://ann:s3cret-engine@127.0.0.1:1/shop?password=pw2-secret"
    done = run_cli("report", sales, "--engine", engine, "-f", "json", "-o", "out", cwd=tmp_path)
    assert done.code == 2
    assert done.stderr.startswith("error: ") and "***" in done.stderr
    for secret in SECRETS:
        assert secret not in done.stdout + done.stderr
    assert not (tmp_path / "out" / "report.json").exists()


@pytest.mark.parametrize(
    ("text", "want"),
    [
        ("postgres://ann:s3cret@db/shop", "postgres://ann:***@db/shop"),
        ("mysql://ann:p@ss/w0rd@db:3306/shop", "mysql://ann:***@db:3306/shop"),
        ("duckdb:///x.duckdb?table=t&token=abc", "duckdb:///x.duckdb?table=t&token=***"),
        ("s3://b/k?X-Amz-Signature=abc&x=1", "s3://b/k?X-Amz-Signature=***&x=1"),
        ("https://h/p?apiKey=abc&sig=def", "https://h/p?apiKey=***&sig=***"),
        ("host=db user=ann password=s3cret", "host=db user=ann password=***"),
        ("client_secret=abc, table=sales", "client_secret=***, table=sales"),
        ("postgres://ann@db/shop?table=sales", "postgres://ann@db/shop?table=sales"),
        ("design=5 keyspace=k monkey=3", "design=5 keyspace=k monkey=3"),
    ],
)
def test_redact_url(text: str, want: str) -> None:
    assert redact_url(text) == want


def test_errors_and_database_labels_are_redacted() -> None:
    spec = "postgres://ann:s3cret@db.example/shop?table=sales&sslpassword=x9&token=t9"
    label = parse_url(spec).label
    assert "s3cret" not in label and "x9" not in label and "t9" not in label
    assert label == "postgres://ann:***@db.example/shop?table=sales&sslpassword=***&token=***"
    err = ConfigError(f"cannot connect to engine {spec!r}", hint=f"retry {spec}")
    assert "s3cret" not in err.one_line() and "t9" not in str(err)


# --- a period of returns only ---------------------------------------------------------------


def test_a_period_of_returns_only_states_the_negative_average(tmp_path: Path) -> None:
    path = tmp_path / "returns.csv"
    lines = ["order_date,customer_id,product,quantity,unit_price"]
    lines += [f"2023-{10 + i % 3}-{1 + i % 27:02d},C{i % 9},P{i % 4},2,12.50" for i in range(30)]
    lines += [f"2024-0{1 + i % 3}-{1 + i % 27:02d},C{i % 9},P{i % 4},-1,20.00" for i in range(10)]
    lines += [f"2024-0{4 + i % 3}-{1 + i % 27:02d},C{i % 9},P{i % 4},-2,17.31" for i in range(12)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    report = salescope.run([path], Config(currency="USD"), period="2024-Q2", clock=fixed_clock)
    aov = report.kpi("aov")
    assert aov is not None and aov.value is not None and aov.previous is not None
    assert aov.value < 0 and aov.previous < 0
    # -20.00 to -34.62: the percent says +73.1%, the average in fact went down
    assert aov.change_pct is not None and aov.change_pct > 0
    shown = fmt.money(aov.value, "USD")
    md = render_markdown(report)
    about = [line for line in md.splitlines() if shown in line and "verage" in line]
    about += [i.text for i in report.insights if i.id == "kpi_change.aov"]
    assert len(about) >= 2
    for sentence in about:
        assert not re.search(r"\b(rose|fell|up|down|grew|shrank)\b", sentence), sentence
        found = ungrounded(sentence, report.facts, currency="USD", allowed=period_labels(report))
        assert not found, sentence
    insight = next(i for i in report.insights if i.id == "kpi_change.aov")
    assert insight.text == (
        f"Average order value was {shown} in 2024-Q2, against "
        f"{fmt.money(aov.previous, 'USD')} in 2024-Q1: returns exceeded sales."
    )
    assert report.facts[aov.fact].value == aov.value
    assert insight.polarity == "negative"  # it went down, whatever the percent's sign


# --- a breakdown cut to its largest members -------------------------------------------------


def test_a_cut_breakdown_csv_says_how_many_are_left_out(tmp_path: Path) -> None:
    path = tmp_path / "many.csv"
    lines = ["order_id,order_date,product,quantity,unit_price"]
    lines += [f"O{i},2024-05-{1 + i % 28:02d},Item {i:03d},1,{1 + i % 50}.25" for i in range(300)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    report = salescope.run([path], Config(currency="USD"), period="2024-Q2", clock=fixed_clock)
    out = tmp_path / "out"
    salescope.write_outputs(report, out, formats=("json", "csv"))
    members = duckdb.sql(f"select count(distinct product) from read_csv('{path}')").fetchone()
    assert members is not None and members[0] == 300
    data = json.loads((out / "report.json").read_text(encoding="utf-8"))
    listed = len(data["breakdowns"]["product"])
    assert data["breakdown_members"]["product"] == members[0] > listed
    with (out / "tables" / "breakdown_product.csv").open(encoding="utf-8", newline="") as h:
        rows = list(csv.reader(h))
    body, last = rows[1:-1], rows[-1]
    assert len(body) == listed
    more = members[0] - listed
    assert last[0] == f"(top {listed} of {members[0]} members by revenue; {more} more not listed)"
    assert all(cell == "" for cell in last[1:])
