"""A Report as a notebook shows it (``Report._repr_html_``): the period, the KPI tiles of
the report page and the first insights' headlines, in one block with its own styles.

Every string is cleaned and escaped as on the report page (the same Jinja2 environment)
and names from the data are shown as the pages show them (at most ``LABEL_MAX``
characters). The styles sit under ``.salescope-nb``, so the notebook keeps its own look.
"""

from __future__ import annotations

from salescope.model import Report
from salescope.narrative.display import display_names, displayed
from salescope.narrative.view import kpi_rows, period_line, report_title
from salescope.render.html import _env

TOP_INSIGHTS = 3  # headlines shown: the first of report.insights


def render_notebook_html(report: Report) -> str:
    """The HTML a notebook shows for ``report``.

    >>> render_notebook_html(report)  # doctest: +SKIP
    '<div class="salescope-nb">...'
    """
    names = display_names(report)
    return (
        _env()
        .get_template("notebook.html.j2")
        .render(
            title=displayed(report_title(report), names),
            period_line=displayed(period_line(report), names),
            kpis=displayed(kpi_rows(report), names),
            insights=displayed(tuple(i.title for i in report.insights[:TOP_INSIGHTS]), names),
        )
    )
