"""Markdown output: the period report through a Jinja2 template."""

from __future__ import annotations

import re

import jinja2

from salescope.model import Report
from salescope.narrative.format import TEXT_MAX, clean
from salescope.narrative.view import Table, View, build_view

_MD_SPECIAL = re.compile(r"([\\`*_\[\]#|<>])")


def md_escape(text: object) -> str:
    """Make untrusted text inert in Markdown (and in HTML made from it): one line, no
    invisible control or format characters, at most ``TEXT_MAX`` characters.

    >>> md_escape("a|b <script>")
    'a\\\\|b \\\\<script\\\\>'
    """
    flat = " ".join(clean(text, TEXT_MAX).split())
    return _MD_SPECIAL.sub(r"\\\1", flat)


def md_table(table: Table) -> str:
    if not table.rows:
        return "_No data._"
    aligns = [("---:" if n else "---") for n in (table.numeric or (False,) * len(table.columns))]
    lines = [
        "| " + " | ".join(md_escape(c) for c in table.columns) + " |",
        "|" + "|".join(aligns) + "|",
    ]
    lines += ["| " + " | ".join(md_escape(c) for c in row) + " |" for row in table.rows]
    return "\n".join(lines)


def _env() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("salescope", "narrative/templates"),
        autoescape=False,  # Markdown: data is escaped by the md filter and md_table
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        undefined=jinja2.StrictUndefined,
    )
    env.filters["md"] = md_escape
    env.globals["table"] = md_table
    return env


def render_markdown(report: Report, view: View | None = None) -> str:
    view = view or build_view(report)
    text = _env().get_template("report.md.j2").render(v=view)
    return re.sub(r"\n{3,}", "\n\n", text)
