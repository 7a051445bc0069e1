"""report.pdf: WeasyPrint from the same HTML, charts as vector SVG.

WeasyPrint lays the page out with its print styles: a title page, the static SVG of each
chart (the interactive views need JavaScript, which a PDF does not run), no navigation.
"""

from __future__ import annotations

import logging
import re
from pathlib import Path

from salescope.errors import MissingDependencyError

# The page's scripts are of no use on paper; dropping them spares WeasyPrint parsing the
# inlined Vega bundle. Safe as a regex: data strings never hold a literal "</script" (the
# text is HTML-escaped and the chart specs escape "<" as \u003c).
_SCRIPT = re.compile(r"<script\b[^>]*>.*?</script\s*>", re.IGNORECASE | re.DOTALL)

PAGE_CSS = """
@page {
  size: A4; margin: 14mm 12mm 16mm;
  @bottom-right { content: "page " counter(page) " of " counter(pages); font-size: 8pt;
                  color: #6b7280; }
  @bottom-left { content: string(report-title); font-size: 8pt; color: #6b7280; }
}
@page :first { @bottom-right { content: none; } @bottom-left { content: none; } }
.title-page h1 { string-set: report-title content(); }
"""


def printable(html: str) -> str:
    """``html`` without its scripts: what WeasyPrint is given."""
    return _SCRIPT.sub("", html)


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
