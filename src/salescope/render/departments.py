"""departments/<name>.md|html: one report per department, from the same insights."""

from __future__ import annotations

import re

from salescope.model import Report
from salescope.narrative.findings import DepartmentView, department_view
from salescope.narrative.view import View


def department_views(
    report: Report, view: View, names: tuple[str, ...]
) -> dict[str, DepartmentView]:
    return {name: department_view(report, name, view.period_line, view.run_line) for name in names}


def render_department_md(d: DepartmentView) -> str:
    from salescope.render.md import _env

    text = _env().get_template("department.md.j2").render(d=d)
    return re.sub(r"\n{3,}", "\n\n", text)


def render_department_html(d: DepartmentView) -> str:
    from salescope.render.html import _env

    return _env().get_template("department.html.j2").render(d=d)
