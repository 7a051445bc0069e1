"""A Report shown in a notebook (``Report._repr_html_``): tiles, insights, escaping."""

from __future__ import annotations

import re
import subprocess
import sys
from dataclasses import replace
from html import escape, unescape

import markupsafe

import salescope
from salescope.narrative import format as fmt
from salescope.render.md import render_markdown

HOSTILE = '<img src=x onerror="alert(1)"> & </div><script>alert(2)</script>'


def tiles(html: str) -> dict[str, tuple[str, str]]:
    """kpi name -> (label, value) of each tile, unescaped."""
    found = re.findall(
        r'data-kpi="([^"]+)"><div class="label">(.*?)</div><div class="value">(.*?)</div>', html
    )
    return {name: (unescape(label), unescape(value)) for name, label, value in found}


def markdown_kpi_cells(md: str) -> dict[str, str]:
    """KPI label -> this period's cell of report.md's Key figures table."""
    rows = re.findall(r"^\| ([^|]+?) \| ([^|]+?) \|", md, re.MULTILINE)
    return {label: value for label, value in rows}


def test_tiles_show_the_figures_as_the_markdown_report_does(
    demo_report: salescope.Report,
) -> None:
    html = demo_report._repr_html_()
    shown = tiles(html)
    assert list(shown) == [k.name for k in demo_report.kpis]
    md = markdown_kpi_cells(render_markdown(demo_report))
    for name in ("revenue", "orders", "aov"):
        k = demo_report.kpi(name)
        assert k is not None
        label, value = shown[name]
        assert md[label] == value, name
    revenue, orders = demo_report.kpi("revenue"), demo_report.kpi("orders")
    assert revenue is not None and orders is not None
    assert shown["revenue"][1] == fmt.money(revenue.value, demo_report.currency)
    assert shown["orders"][1] == fmt.count(orders.value)
    change = fmt.kpi_change(revenue.change_pct, revenue.change_points, revenue.unit)
    assert f'{escape(change)} <span class="vs">vs previous</span>' in html
    p = demo_report.period
    assert f"{p.start:%d %b %Y} to {p.end:%d %b %Y}" in html


def test_the_insights_shown_are_the_first_three(demo_report: salescope.Report) -> None:
    assert len(demo_report.insights) > 3
    html = demo_report._repr_html_()
    listed = re.search(r'<ol class="insights">(.*?)</ol>', html, re.DOTALL)
    assert listed is not None
    items = [unescape(i) for i in re.findall(r"<li>(.*?)</li>", listed.group(1))]
    assert items == [i.title for i in demo_report.insights[:3]]


def test_text_is_escaped_and_styles_stay_inside_the_block(demo_report: salescope.Report) -> None:
    first = replace(demo_report.insights[0], title=HOSTILE + "\u202e")
    kpi = replace(demo_report.kpis[0], label=HOSTILE)
    report = replace(
        demo_report, insights=(first, *demo_report.insights[1:]), kpis=(kpi, *demo_report.kpis[1:])
    )
    html = report._repr_html_()
    assert HOSTILE not in html and "<script" not in html and "<img" not in html
    assert html.count(str(markupsafe.escape(HOSTILE))) == 2  # the tile's label and the insight
    assert "\u202e" not in html
    assert tiles(html)[kpi.name][0] == HOSTILE
    assert html.startswith('<div class="salescope-nb">') and html.rstrip().endswith("</div>")
    style = re.search(r"<style>(.*?)</style>", html, re.DOTALL)
    assert style is not None
    selectors = [s.strip() for rule in re.findall(r"([^{}]+)\{", style.group(1))
                 for s in rule.split(",")]  # fmt: skip
    assert selectors and all(s.startswith(".salescope-nb") for s in selectors), selectors


def test_importing_the_model_loads_no_renderer() -> None:
    code = "import sys, salescope.model; print(sorted(m for m in sys.modules if '.render' in m))"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"
