"""report.html in headless Chromium: offline, every chart drawn, figures as report.json says.

Debian's Chromium (/usr/bin/chromium, installed by .ci/run) is driven through Playwright;
every request that is not a file:// read is aborted and recorded, so a page that reached
for a network host fails. A missing browser is a failure, not a skip.
"""

from __future__ import annotations

import csv
import json
import os
import shutil
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, ConsoleMessage, Page, Request, Route, sync_playwright

import salescope
from salescope.narrative import format as fmt
from salescope.render.charts import chart_specs
from tests.conftest import fixed_clock

pytestmark = pytest.mark.browser

CHROMIUM = "/usr/bin/chromium"
EVIL_PRODUCT = "</script><script>alert(1)</script>"
EVIL_REP = '"><img src=x onerror=alert(1)>'
EVIL_CAMPAIGN = "<script>alert(1)</script>"
EVIL_HEADER = (
    "order_id",
    "order_date",
    "customer_id",
    "product_name",
    "category",
    "channel",
    "sales_rep",
    "quantity",
    "unit_price",
)


class Visit:
    """One page load with everything the page tried and said recorded."""

    def __init__(self, browser: Browser, path: Path, width: int = 1280) -> None:
        self.requests: list[str] = []
        self.errors: list[str] = []
        self.dialogs: list[str] = []
        self.page: Page = browser.new_page(viewport={"width": width, "height": 900})
        self.page.on("console", self._console)
        self.page.on("pageerror", lambda exc: self.errors.append(f"pageerror: {exc}"))
        self.page.on("dialog", self._dialog)
        self.page.route("**/*", self._route)
        self.page.goto(path.as_uri())
        # every chart either turns live or logs an error (which the tests then report)
        self.page.wait_for_function(
            "() => Array.from(document.querySelectorAll('figure.chart'))"
            ".every(f => f.classList.contains('live'))",
            timeout=30_000,
        )

    def _console(self, message: ConsoleMessage) -> None:
        if message.type == "error":
            self.errors.append(message.text)

    def _dialog(self, dialog: Any) -> None:
        self.dialogs.append(dialog.message)
        dialog.dismiss()

    def _route(self, route: Route, request: Request) -> None:
        if request.url.startswith("file://"):
            route.continue_()
        else:
            self.requests.append(request.url)
            route.abort()

    def close(self) -> None:
        self.page.close()


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM)
        yield chromium
        chromium.close()


@pytest.fixture(scope="module")
def demo_out(demo_report: salescope.Report, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("browser") / "report"
    salescope.write_outputs(demo_report, out, formats=("json", "html"))
    return out


@pytest.fixture(scope="module")
def demo_page(browser: Browser, demo_out: Path) -> Iterator[Visit]:
    visit = Visit(browser, demo_out / "report.html")
    yield visit
    visit.close()


def save_artifact(page: Page, tmp_path: Path, name: str) -> Path:
    """A full-page screenshot in ``tmp_path``, copied to $SALESCOPE_ARTIFACTS when set."""
    path = tmp_path / name
    page.screenshot(path=str(path), full_page=True)
    target = os.environ.get("SALESCOPE_ARTIFACTS")
    if target:
        Path(target).mkdir(parents=True, exist_ok=True)
        shutil.copy(path, Path(target) / name)
    return path


def test_page_is_offline_and_draws_every_chart(
    demo_page: Visit, demo_report: salescope.Report, tmp_path: Path
) -> None:
    page = demo_page.page
    assert demo_page.requests == []
    assert demo_page.errors == []
    assert demo_page.dialogs == []
    drawn = page.eval_on_selector_all(
        "figure.chart",
        """figs => figs.map(f => {
            const el = f.querySelector('.vega svg, .vega canvas');
            const box = el ? el.getBoundingClientRect() : {width: 0, height: 0};
            return [f.dataset.chart, box.width, box.height];
        })""",
    )
    names = [name for name, _, _ in drawn]
    assert sorted(names) == sorted(chart_specs(demo_report))  # each chart once, none lost
    assert [name for name, w, h in drawn if not (w > 50 and h > 50)] == []
    # the static SVG is there for print and no-script readers, hidden once Vega has drawn
    assert page.locator("figure.chart .static svg").count() == len(names)
    assert page.locator("figure.chart .static:visible").count() == 0
    save_artifact(page, tmp_path, "report-desktop-1280.png")


def test_charts_show_a_tooltip_on_hover(demo_page: Visit, demo_report: salescope.Report) -> None:
    page = demo_page.page
    bars = page.locator("#chart-revenue_by_category .vega svg .mark-rect path")
    category = demo_report.breakdown("category")
    assert category is not None
    assert bars.count() == len(category.rows)
    bars.first.scroll_into_view_if_needed()
    bars.first.hover()
    tooltip = page.locator("#vg-tooltip-element")
    tooltip.wait_for(state="visible")
    # the largest category is drawn first and its tooltip names it
    assert category.rows[0].key in tooltip.inner_text()


def test_kpi_tiles_show_report_json_as_the_report_formats_it(
    demo_page: Visit, demo_out: Path
) -> None:
    data = json.loads((demo_out / "report.json").read_text())
    tiles = demo_page.page.eval_on_selector_all(
        "#kpi-tiles .tile",
        "ts => ts.map(t => [t.dataset.kpi, t.querySelector('.value').textContent,"
        " t.querySelector('.change').textContent.trim()])",
    )
    assert [name for name, _, _ in tiles] == list(data["kpis"])
    for name, value, change in tiles:
        k = data["kpis"][name]
        assert value == fmt.by_unit(k["value"], k["unit"], data["currency"]), name
        if k["change_pct"] is None:
            assert change == "no comparison"
            continue
        arrow = "▲" if k["change_pct"] > 0 else "▼" if k["change_pct"] < 0 else "▶"
        if fmt.direction(k["change_pct"]) == "flat":
            arrow = "▶"
        # a rate moves in points, any other KPI in percent (docs/metrics.md)
        shown = fmt.kpi_change(k["change_pct"], k["change_points"], k["unit"])
        assert change == f"{arrow} {shown} vs previous", name
        if k["unit"] == "fraction":
            assert shown == fmt.points(k["value"] - k["previous"]), name
    d = fmt.direction(data["kpis"]["revenue"]["change_pct"])
    tone = {"up": "good", "down": "bad"}.get(d, "neutral")  # revenue: up is good
    assert demo_page.page.locator(f'.tile[data-kpi="revenue"] .change.{tone}').count() == 1


def test_contents_links_lead_to_their_sections(demo_page: Visit) -> None:
    page = demo_page.page
    links = page.eval_on_selector_all(
        "nav.toc a",
        """as => as.map(a => {
            const target = document.getElementById(a.getAttribute('href').slice(1));
            const h2 = target && target.querySelector('h2');
            return [a.getAttribute('href'), a.textContent, target ? (h2 ? h2.textContent
                : target.getAttribute('aria-label')) : null];
        })""",
    )
    assert len(links) >= 10
    assert [(href, text) for href, text, heading in links if heading != text] == []
    page.click('nav.toc a[href="#quality"]')
    top = page.eval_on_selector("#quality", "el => el.getBoundingClientRect().top")
    assert 0 <= top < 200  # scrolled to the section


def test_a_table_sorts_on_click(demo_page: Visit, demo_out: Path) -> None:
    page = demo_page.page
    data = json.loads((demo_out / "report.json").read_text())
    products = data["breakdowns"]["product"]
    cur = data["currency"]  # USD: the demo's salescope.yml says so
    header = page.locator("#table-product th", has_text="Revenue")
    column = "#table-product tbody tr td:nth-child(2)"

    header.click()
    shown = page.eval_on_selector_all(column, "tds => tds.map(td => td.textContent)")
    ascending = sorted(products, key=lambda m: m["revenue"])
    assert shown == [fmt.money(m["revenue"], cur) for m in ascending]
    assert header.get_attribute("aria-sort") == "ascending"
    header.click()
    shown = page.eval_on_selector_all(column, "tds => tds.map(td => td.textContent)")
    assert shown == [fmt.money(m["revenue"], cur) for m in ascending[::-1]]
    assert header.get_attribute("aria-sort") == "descending"


def test_department_pages_are_linked_both_ways(
    browser: Browser, demo_page: Visit, demo_out: Path
) -> None:
    hrefs = demo_page.page.eval_on_selector_all(
        "nav.depts a", "as => as.map(a => a.getAttribute('href'))"
    )
    assert sorted(hrefs) == sorted(
        f"departments/{p.name}" for p in (demo_out / "departments").glob("*.html")
    )
    visit = Visit(browser, demo_out / hrefs[1], width=375)
    try:
        page = visit.page
        assert page.get_attribute('nav.depts a[aria-current="page"]', "href") == Path(hrefs[1]).name
        assert page.evaluate("document.documentElement.scrollWidth") <= 375
        page.click("#back-to-report")
        page.wait_for_url("**/report.html")
        assert page.locator("#kpi-tiles").count() == 1
        assert visit.errors == [] and visit.requests == []
    finally:
        visit.close()


def test_phone_width_has_no_sideways_page_scroll(
    browser: Browser, demo_out: Path, tmp_path: Path
) -> None:
    visit = Visit(browser, demo_out / "report.html", width=375)
    try:
        page = visit.page
        assert visit.errors == []
        assert visit.requests == []
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 375
        # charts are fitted (or scaled) into the column, not cut off
        widest = page.eval_on_selector_all(
            "figure.chart .vega svg",
            "ss => Math.max(...ss.map(s => s.getBoundingClientRect().right))",
        )
        assert widest <= 375
        save_artifact(page, tmp_path, "report-phone-375.png")
    finally:
        visit.close()


def write_evil_data(folder: Path) -> list[Path]:
    """Nine months of three products on two channels with two reps, and one campaign;
    one product, one rep and the campaign carry markup in their names."""
    sales = folder / "sales.csv"
    start = date(2024, 1, 1)
    with sales.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(EVIL_HEADER)
        n = 0
        for day in range(270):
            for j, (product, price) in enumerate(
                ((EVIL_PRODUCT, 19.99), ("Plain Mug", 7.5), ("Teapot", 31.0))
            ):
                n += 1
                writer.writerow(
                    [
                        f"O{n}",
                        (start + timedelta(days=day)).isoformat(),
                        f"C{(n * 7) % 41}",
                        product,
                        ("Kitchen", "Garden")[j % 2],
                        ("Email", "Social")[(n + day) % 2],
                        (EVIL_REP, "Ann Lee")[(n // 2) % 2],
                        1 + (n * 13) % 4,
                        price,
                    ]
                )
    campaigns = folder / "campaigns.csv"
    campaigns.write_text(
        f'campaign,channel,start_date,end_date\n"{EVIL_CAMPAIGN}",Email,2024-06-03,2024-06-16\n'
    )
    return [sales, campaigns]


def test_markup_in_names_shows_as_text_and_runs_nothing(browser: Browser, tmp_path: Path) -> None:
    report = salescope.run(write_evil_data(tmp_path), period="2024-Q3", clock=fixed_clock)
    assert report.marketing is not None
    assert [c.name for c in report.marketing.campaigns] == [EVIL_CAMPAIGN]
    out = tmp_path / "out"
    salescope.write_outputs(report, out, formats=("json", "html"))
    visit = Visit(browser, out / "report.html")
    try:
        page = visit.page
        assert visit.dialogs == []
        assert visit.errors == []
        assert visit.requests == []
        text = page.inner_text("main")
        for name in (EVIL_PRODUCT, EVIL_REP, EVIL_CAMPAIGN):
            assert name in text
        # nothing the names hold became an element; the page has its own two scripts only
        assert page.locator("img").count() == 0
        assert page.locator("script").count() == 2
        # the chart specs carried the names through JSON.parse unchanged
        specs = page.evaluate("JSON.parse(document.getElementById('chart-specs').textContent)")
        dumped = json.dumps(specs)
        assert json.dumps(EVIL_PRODUCT) in dumped and json.dumps(EVIL_CAMPAIGN) in dumped
        labels = page.eval_on_selector_all(
            "figure.chart .vega svg text", "ts => ts.map(t => t.textContent)"
        )
        assert EVIL_PRODUCT in labels
        page.hover("#table-product th >> nth=0")  # interaction does not wake anything up
        assert visit.dialogs == []
    finally:
        visit.close()
