"""report.pdf: WeasyPrint from the same HTML, charts as vector SVG.

WeasyPrint lays the page out with its print styles: a title page, the static SVG of each
chart (the interactive views need JavaScript, which a PDF does not run), no navigation.
:func:`salescope.render.write_report_files` has it done by a process of its own
(:class:`salescope.helper.Helper`), beside the other formats.
"""

from __future__ import annotations

import base64
import logging
import re
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager, suppress
from pathlib import Path
from typing import Any

from salescope.errors import MissingDependencyError
from salescope.helper import Helper, shared, shared_helper

# The page's scripts are of no use on paper; dropping them spares WeasyPrint parsing the
# inlined Vega bundle. Safe as a regex: data strings never hold a literal "</script" (the
# text is HTML-escaped and the chart specs escape "<" as \u003c).
_SCRIPT = re.compile(r"<script\b[^>]*>.*?</script\s*>", re.IGNORECASE | re.DOTALL)
# Each chart's SVG (vl-convert's, never nested) is given as an image of itself: WeasyPrint
# draws it with the same SVG renderer, still as vector paths and text, but its thousands of
# nodes no longer go through the HTML parser and the style cascade (about 1.5 s less for
# the 18 charts of a full report).
_SVG = re.compile(r"<svg\b.*?</svg\s*>", re.IGNORECASE | re.DOTALL)

PAGE_CSS = """
@page {
  size: A4; margin: 14mm 12mm 16mm;
  @bottom-right { content: "page " counter(page) " of " counter(pages); font-size: 8pt;
                  color: #6b7280; }
  @bottom-left { content: string(report-title); font-size: 8pt; color: #6b7280; }
}
@page :first { @bottom-right { content: none; } @bottom-left { content: none; } }
.title-page h1 { string-set: report-title content(); }
img.chart-svg { max-width: 100%; height: auto; display: block; }
"""


def printable(html: str) -> str:
    """``html`` without its scripts, its charts as SVG images: what WeasyPrint is given."""
    return _SVG.sub(_svg_image, _SCRIPT.sub("", html))


def _svg_image(match: re.Match[str]) -> str:
    data = base64.b64encode(match.group(0).encode("utf-8")).decode("ascii")
    return f'<img class="chart-svg" alt="" src="data:image/svg+xml;base64,{data}">'


def write_pdf(html: str, path: Path) -> Path:
    # WeasyPrint warns about screen-only CSS (media queries, grid auto-fill) it skips in print
    for name in ("weasyprint", "fontTools"):
        logging.getLogger(name).setLevel(logging.ERROR)
    try:
        import weasyprint
    except OSError as exc:  # the Python package is there but Pango is not
        raise MissingDependencyError(
            "PDF output needs the Pango library",
            hint="apt-get install libpango-1.0-0 libpangoft2-1.0-0, or drop pdf from --format",
        ) from exc
    css = weasyprint.CSS(string=PAGE_CSS)
    weasyprint.HTML(string=printable(html)).write_pdf(str(path), stylesheets=[css])
    return path


def helping() -> AbstractContextManager[None]:
    """Start the process that draws the charts' SVGs and lays out report.pdf now, for the
    reports this block writes: it starts vl-convert and imports WeasyPrint (about 3 s in
    all) while this process computes the report (:func:`salescope.helper.shared_helper`).
    It runs at a lower priority: while the report is computed, it takes only the CPU time
    the report leaves (on two cores, it slowed reading and validating by half otherwise)."""
    return shared_helper(__name__, nice=EARLY_NICE)


EARLY_NICE = 10


def started_early() -> bool:
    """Whether a :func:`helping` block runs: its process has loaded vl-convert by now, so
    it draws the charts' SVGs too. A process started only when writing begins would still
    be loading vl-convert and WeasyPrint when the first chart is wanted: then this process
    draws them."""
    return shared(__name__) is not None


@contextmanager
def helper() -> Iterator[Helper]:
    """The process of the enclosing :func:`helping` block, or one started for this block
    alone. A block that ends with a call unanswered (it failed) stops the process: the
    answer is not wanted any more, and a later report's calls then run in this process."""
    early = shared(__name__)
    if early is None:
        with Helper(__name__) as own:
            yield own
        return
    try:
        yield early
    finally:
        if early.pending:
            early.close()


def warm() -> None:
    """What the helper process loads before its first call: vl-convert's JavaScript engine
    (started by a first chart, about 1 s), then WeasyPrint (1-2 s)."""
    to_svg(_FIRST_CHART)
    with suppress(OSError):  # no Pango: write_pdf says so
        import weasyprint  # noqa: F401


_FIRST_CHART = {"data": {"values": [{"x": 1}]}, "mark": "point", "encoding": {"x": {"field": "x"}}}


def to_svg(spec: dict[str, Any]) -> str:
    """A chart's static SVG, drawn by vl-convert from its Vega-Lite ``spec``."""
    import vl_convert as vlc

    return vlc.vegalite_to_svg(spec)  # type: ignore[no-any-return]


def chart_svgs(specs: dict[str, dict[str, Any]]) -> dict[str, str]:
    """The static SVG of every chart: the page's fallback under each live chart, and the
    PDF's charts."""
    return {name: to_svg(spec) for name, spec in specs.items()}
