"""report.pdf read back with poppler: title page, headline figures, vector charts, pages."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
from pathlib import Path

import pytest
from PIL import Image

import salescope
from salescope.helper import Helper
from salescope.narrative import format as fmt
from tests.test_helper import children, helper_process


def poppler(*args: str) -> str:
    return subprocess.run(list(args), capture_output=True, text=True, check=True).stdout


@pytest.fixture(scope="module")
def pdf_out(demo_report: salescope.Report, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("pdf") / "report"
    salescope.write_outputs(demo_report, out, formats=("json", "md", "pdf"), departments=())
    return out


def test_title_page_names_the_report_period_and_run(pdf_out: Path) -> None:
    data = json.loads((pdf_out / "report.json").read_text())
    first = poppler("pdftotext", "-f", "1", "-l", "1", str(pdf_out / "report.pdf"), "-")
    assert data["run"]["id"] in first
    assert data["period"]["label"] in first
    created = data["run"]["created_at"]  # 2026-11-01T12:00:00+00:00 with the fixed clock
    assert f"{created[8:10]} Nov {created[:4]} {created[11:16]}" in first
    assert "page 1 of" not in first  # no page number on the title page


def test_headline_figures_read_as_in_report_md(pdf_out: Path) -> None:
    data = json.loads((pdf_out / "report.json").read_text())
    revenue = fmt.money(data["kpis"]["revenue"]["value"], data["currency"])  # the demo: USD
    orders = fmt.count(data["kpis"]["orders"]["value"])
    md = (pdf_out / "report.md").read_text()
    assert f"Revenue was {revenue}" in md and f"{orders} orders" in md
    text = poppler("pdftotext", str(pdf_out / "report.pdf"), "-")
    assert f"Revenue was {revenue}" in text
    assert f"{orders} orders" in text
    # the KPI tiles and the key figures table both print the figures
    assert text.count(revenue) >= 3


def test_only_printable_parts_are_printed(pdf_out: Path) -> None:
    text = poppler("pdftotext", str(pdf_out / "report.pdf"), "-")
    for screen_only in ("Department reports", "Contents", "Skip to the report", "↕"):
        assert screen_only not in text
    # charts are vector: their titles and axis labels are text, and no raster image is embedded
    assert "What moved revenue" in text
    images = poppler("pdfimages", "-list", str(pdf_out / "report.pdf")).splitlines()
    assert len(images) == 2  # the header lines of an empty list


def test_pages_render_and_are_numbered(pdf_out: Path, tmp_path: Path) -> None:
    info = poppler("pdfinfo", str(pdf_out / "report.pdf"))
    match = re.search(r"^Pages:\s+(\d+)", info, re.M)
    assert match is not None
    pages = int(match.group(1))
    assert 5 <= pages <= 60
    text = poppler("pdftotext", "-f", "2", "-l", "2", str(pdf_out / "report.pdf"), "-")
    assert f"page 2 of {pages}" in text
    pdf, prefix = str(pdf_out / "report.pdf"), str(tmp_path / "page")
    poppler("pdftoppm", "-r", "50", "-png", "-f", "1", "-l", "3", pdf, prefix)
    rendered = sorted(tmp_path.glob("page-*.png"))
    assert len(rendered) == 3
    for path in rendered:
        with Image.open(path) as im:
            assert abs(im.size[0] - 413) <= 1 and abs(im.size[1] - 585) <= 1  # A4 at 50 dpi
            dark = sum(im.convert("L").histogram()[:128])
            assert dark > 200, path.name  # the page has something on it


def test_weasyprint_is_given_each_chart_as_an_image_of_its_own_svg(
    demo_report: salescope.Report,
) -> None:
    """The page's scripts are dropped and each chart's SVG, drawn once by vl-convert, is
    passed as an SVG image holding exactly that SVG (WeasyPrint draws it with the same
    renderer as inline markup, without its HTML parser and style cascade)."""
    import base64

    from salescope.render.charts import chart_specs
    from salescope.render.html import chart_svgs, render_html
    from salescope.render.pdf import printable

    specs = chart_specs(demo_report)
    svgs = chart_svgs(specs)
    page = printable(render_html(demo_report, svgs=svgs, specs=specs))
    assert "<script" not in page and "<svg" not in page
    images = re.findall(
        r'<img class="chart-svg" alt="" src="data:image/svg\+xml;base64,([^"]+)"', page
    )
    drawn = sorted(base64.b64decode(i).decode("utf-8") for i in images)
    assert drawn == sorted(str(svg) for svg in svgs.values())
    assert len(drawn) == len(specs) >= 10


PDF = "salescope.render.pdf"
PAGE = (
    "<html><body><h1>Sales report 2026-Q3</h1><p>Revenue was $1,234.50 from 17 orders.</p>"
    + "".join(f"<p>Line {i} of the appendix</p>" for i in range(120))
    + "</body></html>"
)


def test_the_pdf_process_writes_what_this_process_would(tmp_path: Path) -> None:
    """report.pdf is laid out by a process of its own (beside the PNG charts, which hold
    the interpreter lock), and that process writes the same document as this one."""
    from salescope.render.pdf import write_pdf

    before = children()
    with Helper(PDF) as pdf:
        helper_process(before, PDF)
        pdf.submit("write_pdf", PAGE, tmp_path / "worker.pdf")
        assert pdf.result() == tmp_path / "worker.pdf"
    assert children().keys() <= before.keys()  # and it is gone
    write_pdf(PAGE, tmp_path / "here.pdf")
    text = poppler("pdftotext", str(tmp_path / "worker.pdf"), "-")
    assert "Revenue was $1,234.50 from 17 orders." in text and "Line 119 of the appendix" in text
    assert text == poppler("pdftotext", str(tmp_path / "here.pdf"), "-")
    pages = [re.findall(r"^Pages:.*", poppler("pdfinfo", str(tmp_path / n)), re.M)
             for n in ("worker.pdf", "here.pdf")]  # fmt: skip
    assert pages[0] == pages[1] != []


@pytest.mark.parametrize("when", ["before", "after"])
def test_when_the_pdf_process_dies_this_process_writes_the_pdf(tmp_path: Path, when: str) -> None:
    before = children()
    with Helper(PDF) as pdf:
        pid = helper_process(before, PDF)
        if when == "before":  # killed before it is given the page
            os.kill(pid, signal.SIGKILL)
            os.waitid(os.P_PID, pid, os.WEXITED | os.WNOWAIT)
        pdf.submit("write_pdf", PAGE, tmp_path / "report.pdf")
        if when == "after":  # killed while it writes
            os.kill(pid, signal.SIGKILL)
        assert pdf.result() == tmp_path / "report.pdf"
    text = poppler("pdftotext", str(tmp_path / "report.pdf"), "-")
    assert "Revenue was $1,234.50 from 17 orders." in text and "Line 119 of the appendix" in text


def test_an_error_in_the_pdf_process_is_raised_here(tmp_path: Path) -> None:
    missing = tmp_path / "no such folder" / "report.pdf"
    with Helper(PDF) as pdf:
        pdf.submit("write_pdf", PAGE, missing)
        with pytest.raises(FileNotFoundError, match="no such folder"):
            pdf.result()
