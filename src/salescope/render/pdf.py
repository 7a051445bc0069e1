"""report.pdf: WeasyPrint from the same HTML, charts as vector SVG."""

from __future__ import annotations

import logging
from pathlib import Path

from salescope.errors import MissingDependencyError


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
    css = weasyprint.CSS(
        string="@page { size: A4; margin: 14mm 12mm; "
        "@bottom-right { content: 'page ' counter(page) ' of ' counter(pages); "
        "font-size: 9pt; color: #6b7280; } }"
    )
    weasyprint.HTML(string=html).write_pdf(str(path), stylesheets=[css])
    return path
