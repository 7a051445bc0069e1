"""Marketing, sales-team and operations sections: planted effects named in the text, the
fallbacks without side tables said out loud, and data from side tables kept inert."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

import salescope
from salescope.demo_data import DemoFiles
from salescope.narrative import format as fmt
from salescope.narrative.view import build_view
from tests.conftest import fixed_clock


def _section(report: salescope.Report, sid: str) -> str:
    view = build_view(report)
    found = [s for s in view.sections if s.id == sid]
    assert found, f"no {sid} section"
    return " ".join(found[0].lines)


def test_planted_rep_leads_the_sales_team_section(
    demo_files: DemoFiles, demo_report: salescope.Report
) -> None:
    planted = json.loads(demo_files.planted.read_text())["quota_overachiever"]
    assert demo_report.period.label == planted["period"]
    text = _section(demo_report, "team")
    # attainment as the planted revenue / quota, formatted the way the text formats fractions
    expected = fmt.fraction(planted["actual_revenue"] / planted["quota"])
    assert f"{planted['sales_rep']} led at {expected} of quota" in text
    md = (
        salescope.write_outputs(
            demo_report, Path(demo_files.sales.parent.parent / "out_team"), ("md",)
        )
    )[0]
    assert f"| 1 | {planted['sales_rep']} |" in md.read_text()


def test_marketing_section_reports_spend_and_roas_from_the_spend_table(
    demo_files: DemoFiles, demo_report: salescope.Report
) -> None:
    m = demo_report.marketing
    assert m is not None and m.source == "spend table" and m.spend is not None
    text = _section(demo_report, "marketing")
    assert f"Marketing spend was {fmt.money(m.spend.value, demo_report.currency)}" in text
    paid = [c for c in m.channels if c.roas is not None and c.roas.value is not None]
    best = max(paid, key=lambda c: c.roas.value or 0.0)  # type: ignore[union-attr]
    assert text.count(best.channel) >= 1
    assert f"{best.channel} returned the most per unit of spend" in text


def test_without_side_tables_the_fallbacks_are_stated(demo_files: DemoFiles) -> None:
    report = salescope.run([demo_files.sales], clock=fixed_clock)
    assert report.marketing is not None and report.marketing.source == "sales only"
    assert all(c.spend is None and c.roas is None for c in report.marketing.channels)
    assert "No marketing spend table was given" in _section(report, "marketing")
    assert report.team is not None and report.team.quota_source is None
    assert "No quota table was given" in _section(report, "team")
    assert report.quality.side_tables == ()


def test_names_from_side_tables_are_neutralised_in_csv_and_escaped_in_html(
    tmp_path: Path,
) -> None:
    sales = tmp_path / "sales.csv"
    rep = "=HYPERLINK(1)"
    script = "<script>alert(1)</script>"
    with sales.open("w", newline="") as handle:
        w = csv.writer(handle)
        w.writerow(["order_id", "order_date", "customer_id", "channel", "sales_rep", "revenue"])
        for i in range(60):
            w.writerow(
                [f"O{i}", f"2026-0{7 + i % 3}-{1 + i % 28:02d}", f"C{i % 9}", script, rep, 10]
            )
    quotas = tmp_path / "quotas.csv"
    quotas.write_text(f'sales_rep,period,quota\n"{rep}",2026-Q3,500\n', encoding="utf-8")
    report = salescope.run([sales, quotas], period="2026-Q3", clock=fixed_clock)
    assert report.team is not None and report.team.reps[0].attainment == pytest.approx(600 / 500)
    written = salescope.write_outputs(report, tmp_path / "out", ("csv", "html"))
    reps = next(p for p in written if p.name == "reps.csv")
    first = next(csv.DictReader(reps.open()))
    assert first["rep"] == "'" + rep
    channels = next(p for p in written if p.name == "channels.csv")
    assert next(csv.DictReader(channels.open()))["channel"] == script  # inert in a CSV
    html = next(p for p in written if p.name == "report.html").read_text()
    assert script not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_planted_stockouts_are_in_the_operations_section(
    demo_files: DemoFiles, demo_report: salescope.Report
) -> None:
    planted = json.loads(demo_files.planted.read_text())["stockouts"]
    section = next(s for s in build_view(demo_report).sections if s.id == "operations")
    table = next(t for t in section.tables if t.id == "stockouts")
    listed = {row[1]: row for row in table.rows}  # by product id
    for p in planted:
        assert p["product_id"] in listed, p
        assert listed[p["product_id"]][0] == p["product_name"]
    inv = demo_report.inventory
    assert inv is not None and inv.source == "inventory table"
    assert len(inv.stockouts) == len(planted)


def test_department_reports_show_their_charts(
    demo_report: salescope.Report, tmp_path: Path
) -> None:
    from salescope.narrative.findings import DEPARTMENT_CHARTS
    from salescope.render.charts import chart_specs

    drawn = set(chart_specs(demo_report))
    out = tmp_path / "out"
    salescope.write_outputs(demo_report, out, ("md", "html", "png"), ("marketing", "sales"))
    for name in ("marketing", "sales"):
        expected = [c for c in DEPARTMENT_CHARTS[name] if c in drawn]
        assert expected, name  # the demo data has what these charts need
        html = (out / "departments" / f"{name}.html").read_text()
        assert [c for c in expected if f'data-chart="{c}"' in html] == expected
        md = (out / "departments" / f"{name}.md").read_text()
        for chart in expected:  # every linked picture was written
            assert f"](../charts/{chart}.png)" in md
            assert (out / "charts" / f"{chart}.png").stat().st_size > 0
    md_only = tmp_path / "md_only"
    salescope.write_outputs(demo_report, md_only, ("md",), ("marketing",))
    assert "../charts/" not in (md_only / "departments" / "marketing.md").read_text()
