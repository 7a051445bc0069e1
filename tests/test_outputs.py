"""What the files say: escaped text, neutralised CSV cells, figures equal to hand sums."""

from __future__ import annotations

import csv
import json
import subprocess
from pathlib import Path

import pytest

import salescope
from salescope.config import Config
from salescope.narrative.format import money
from tests.conftest import fixed_clock

EVIL_PRODUCT = "<script>alert(1)</script>"
EVIL_CATEGORY = '=HYPERLINK("http://example.invalid","x")'
ROWS = [
    # order, date, customer, product, category, qty, price
    ("A1", "2024-07-03", "C1", EVIL_PRODUCT, EVIL_CATEGORY, 2, 19.99),
    ("A2", "2024-08-14", "C2", "Plain Mug", "Kitchen", 3, 7.50),
    ("A3", "2024-09-30", "C1", "Plain Mug", "Kitchen", 1, 7.50),
    ("A4", "2024-04-02", "C3", "Plain Mug", "Kitchen", 4, 7.50),
]


@pytest.fixture(scope="module")
def written(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, salescope.Report]:
    folder = tmp_path_factory.mktemp("outputs")
    path = folder / "orders.csv"
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["Order", "Order Date", "Customer", "Product", "Category", "Qty", "Price"])
        writer.writerows(ROWS)
        writer.writerow(["A5", "", "@evil", "Plain Mug", "Kitchen", 1, 7.5])  # no date
    # the prices are plain numbers: the config says they are US dollars
    report = salescope.run([path], Config(currency="USD"), period="2024-Q3", clock=fixed_clock)
    out = folder / "out"
    salescope.write_outputs(report, out)
    return out, report


def q3_revenue() -> float:
    return round(sum(q * p for _, d, *_, q, p in ROWS if "2024-07-01" <= d <= "2024-09-30"), 2)


def test_revenue_everywhere_equals_the_hand_sum(written: tuple[Path, salescope.Report]) -> None:
    out, _ = written
    want = q3_revenue()  # 2 x 19.99 + 3 x 7.50 + 1 x 7.50 = 69.98
    assert want == 69.98
    data = json.loads((out / "report.json").read_text())
    assert data["kpis"]["revenue"]["value"] == want
    assert data["facts"]["kpi.revenue"]["value"] == want
    shown = money(want, data["currency"])
    assert data["currency"] == "USD"
    assert shown == "$69.98"
    assert f"Revenue was {shown} in 2024-Q3" in (out / "report.md").read_text()
    html = (out / "report.html").read_text()
    assert f'data-kpi="revenue"><div class="label">Revenue</div><div class="value">{shown}' in html
    with (out / "tables" / "kpis.csv").open() as handle:
        kpis = {row["kpi"]: row for row in csv.DictReader(handle)}
    assert float(kpis["revenue"]["value"]) == want
    # previous quarter: only A4 (4 x 7.50)
    assert data["kpis"]["revenue"]["previous"] == 30.0


def test_summary_names_the_largest_mover_with_its_hand_computed_change(
    written: tuple[Path, salescope.Report],
) -> None:
    out, report = written
    # category: the evil one went from 0 (Q2) to 2 x 19.99 (Q3); Kitchen stayed at 30.00
    category = report.breakdown("category")
    assert category is not None
    assert {m.key: m.change for m in category.rows} == {EVIL_CATEGORY: 39.98, "Kitchen": 0.0}
    md = (out / "report.md").read_text()
    assert "the largest gain came from" in md and "up $39.98" in md
    assert "largest drop" not in md  # nothing fell


def test_pdf_text_holds_the_headline_figures(written: tuple[Path, salescope.Report]) -> None:
    out, report = written
    text = subprocess.run(
        ["pdftotext", str(out / "report.pdf"), "-"], capture_output=True, text=True, check=True
    ).stdout
    assert money(q3_revenue(), report.currency) in text  # "$69.98": the config says USD
    assert report.period.label in text


def test_untrusted_text_is_escaped_in_html_and_markdown(
    written: tuple[Path, salescope.Report],
) -> None:
    out, _ = written
    html = (out / "report.html").read_text()
    assert EVIL_PRODUCT not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert html.count("<script>") == 1  # the page's own sorting script only
    md = (out / "report.md").read_text()
    assert EVIL_PRODUCT not in md
    assert r"\<script\>alert(1)\</script\>" in md


def test_csv_cells_that_look_like_formulas_are_neutralised(
    written: tuple[Path, salescope.Report],
) -> None:
    out, _ = written
    with (out / "tables" / "breakdown_category.csv").open() as handle:
        keys = [row["category"] for row in csv.DictReader(handle)]
    assert "'" + EVIL_CATEGORY in keys
    assert EVIL_CATEGORY not in keys
    with (out / "quarantine.csv").open() as handle:
        rows = list(csv.DictReader(handle))
    assert [(r["Order"], r["Customer"], r["_reason"]) for r in rows] == [
        ("A5", "'@evil", "missing_date")
    ]


def test_rows_reconcile_with_the_quarantine_file(written: tuple[Path, salescope.Report]) -> None:
    out, report = written
    with (out / "quarantine.csv").open() as handle:
        quarantined = sum(1 for _ in csv.DictReader(handle))
    q = report.quality
    assert q.rows_read == len(ROWS) + 1
    assert q.rows_quarantined == quarantined == 1
    assert q.rows_accepted == len(ROWS)


def test_format_selection_writes_only_what_was_asked(tmp_path: Path) -> None:
    path = tmp_path / "s.csv"
    path.write_text("date,amount\n2024-01-02,10\n")
    report = salescope.run([path], period="all", clock=fixed_clock)
    written = salescope.write_outputs(report, tmp_path / "o", formats=("json",))
    assert sorted(p.name for p in written) == ["quarantine.csv", "report.json"]
    assert (
        json.loads((tmp_path / "o" / "report.json").read_text())["kpis"]["revenue"]["value"] == 10.0
    )


def test_the_vega_bundle_is_cached_checked_and_made_again_when_damaged(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The page's Vega bundle is kept under $XDG_CACHE_HOME/salescope: a copy is used only
    when the SHA-256 on its first line is that of the rest; a damaged copy is made again
    from vl-convert, and a cache that cannot be written is no error."""
    import hashlib

    import vl_convert as vlc

    from salescope.render.html import cache_folder, javascript_bundle

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    made = vlc.javascript_bundle("window.vegaEmbed = vegaEmbed;")  # the bundler itself
    assert javascript_bundle() == made
    [cached] = cache_folder().iterdir()
    assert cached.parent == tmp_path / "salescope"
    digest, text = cached.read_text(encoding="utf-8").split("\n", 1)
    assert (digest, text) == ("// sha256 " + hashlib.sha256(made.encode()).hexdigest(), made)

    planted = "window.vegaEmbed = function () {};"  # a copy that checks out is used as it is
    cached.write_text("// sha256 " + hashlib.sha256(planted.encode()).hexdigest() + "\n" + planted)
    assert javascript_bundle() == planted

    cached.write_text(f"{digest}\n{made[:-40]}")  # cut short: made again and rewritten
    assert javascript_bundle() == made
    assert cached.read_text(encoding="utf-8") == f"{digest}\n{made}"

    (tmp_path / "a-file").write_text("x")  # where the cache folder would have to be made
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "a-file"))
    assert javascript_bundle() == made

    monkeypatch.setenv("XDG_CACHE_HOME", "relative")  # ignored: the home folder's .cache
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert cache_folder() == tmp_path / "home" / ".cache" / "salescope"
