"""report.html: one self-contained page (styles, charts and script inline, no network)."""

from __future__ import annotations

import jinja2
from markupsafe import Markup, escape

from salescope.model import Report
from salescope.narrative.view import Table, View, build_view


def html_table(table: Table) -> Markup:
    if not table.rows:
        return Markup('<p class="note">No data.</p>')
    numeric = table.numeric or (False,) * len(table.columns)

    def cls(i: int) -> str:
        return ' class="num"' if numeric[i] else ""

    head = "".join(f"<th{cls(i)}>{escape(c)}</th>" for i, c in enumerate(table.columns))
    body = "".join(
        "<tr>" + "".join(f"<td{cls(i)}>{escape(c)}</td>" for i, c in enumerate(row)) + "</tr>"
        for row in table.rows
    )
    return Markup(
        f'<div class="scroll"><table class="sortable" id="table-{escape(table.id)}">'
        f"<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table></div>"
    )


def _env() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("salescope", "narrative/templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
    )
    env.globals["table"] = html_table
    return env


def render_html(report: Report, view: View | None = None, charts: bool = True) -> str:
    """The page; every string from the data is escaped by Jinja2's autoescape."""
    from salescope.render.charts import chart_specs, to_svg

    view = view or build_view(report)
    svgs = {name: to_svg(spec) for name, spec in chart_specs(report).items()} if charts else {}
    return _env().get_template("report.html.j2").render(v=view, charts=svgs)
