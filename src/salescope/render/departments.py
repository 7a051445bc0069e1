"""departments/<name>.md|html: one report per department, from the same insights."""

from __future__ import annotations

import re
from collections.abc import Mapping

from markupsafe import Markup

from salescope.model import Report
from salescope.narrative.display import display_names, displayed
from salescope.narrative.findings import DepartmentView, department_view
from salescope.narrative.view import View


def department_views(
    report: Report, view: View, names: tuple[str, ...]
) -> dict[str, DepartmentView]:
    """Each department's page as text; names from the data as the period report shows them."""
    shown = display_names(report)
    return {
        name: displayed(department_view(report, name, view.period_line, view.run_line), shown)
        for name in names
    }


def render_department_md(d: DepartmentView, pngs: tuple[str, ...] = ()) -> str:
    """Markdown; ``pngs`` are the charts written to ``charts/``, linked from the page."""
    from salescope.render.md import _env

    charts = [name for name in d.charts if name in pngs]
    text = _env().get_template("department.md.j2").render(d=d, charts=charts)
    return re.sub(r"\n{3,}", "\n\n", text)


def render_department_html(d: DepartmentView, svgs: Mapping[str, Markup] | None = None) -> str:
    """HTML; the department's charts as static SVG (``svgs`` by chart name)."""
    from salescope.render.html import _env

    charts = [(name, svgs[name]) for name in d.charts if svgs and name in svgs]
    return _env().get_template("department.html.j2").render(d=d, charts=charts)
