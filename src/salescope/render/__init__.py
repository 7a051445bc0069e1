"""Writing a Report to disk in any of the output formats."""

from __future__ import annotations

import logging
from dataclasses import replace
from pathlib import Path

from salescope.config import ALL_FORMATS
from salescope.errors import ConfigError
from salescope.model import DEPARTMENTS, Report
from salescope.narrative.polish import polish_view
from salescope.settings import LlmSettings

log = logging.getLogger("salescope")


def write_outputs(
    report: Report,
    out: Path | str,
    formats: tuple[str, ...] | None = None,
    departments: tuple[str, ...] | None = None,
    llm: LlmSettings | None = None,
) -> list[Path]:
    """Write ``formats`` (default all) plus quarantine.csv into ``out``; the department
    reports (``departments``, default all) go to ``out/departments`` as Markdown and HTML
    when those formats are chosen. With ``llm``, the prose goes through the language model
    first (docs/llm.md) and report.json records what it did. Returns the files written.

    >>> write_outputs(report, "out/", formats=("json", "html"))  # doctest: +SKIP
    """
    from salescope.narrative.view import build_view
    from salescope.render.charts import chart_specs, write_pngs
    from salescope.render.departments import (
        department_views,
        render_department_html,
        render_department_md,
    )
    from salescope.render.html import chart_svgs, render_html
    from salescope.render.json import render_json
    from salescope.render.md import render_markdown
    from salescope.render.pdf import write_pdf
    from salescope.render.tables import write_tables

    chosen = tuple(formats or ALL_FORMATS)
    unknown = sorted(set(chosen) - set(ALL_FORMATS))
    if unknown:
        raise ConfigError(
            f"unknown format(s) {', '.join(unknown)}", hint="valid: " + ",".join(ALL_FORMATS)
        )
    names = DEPARTMENTS if departments is None else departments
    unknown_departments = sorted(set(names) - set(DEPARTMENTS))
    if unknown_departments:
        raise ConfigError(
            f"unknown department {unknown_departments[0]!r}",
            hint="valid: " + ", ".join(DEPARTMENTS),
        )
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    view = build_view(report)
    if llm is not None:
        view, outcome = polish_view(view, report, llm)
        report = replace(report, llm=outcome)
    written: list[Path] = []

    def save(name: str, text: str) -> None:
        path = out / name
        path.write_text(text, encoding="utf-8")
        written.append(path)

    if "json" in chosen:
        save("report.json", render_json(report))
    if "md" in chosen:
        save("report.md", render_markdown(report, view))
    linked = tuple(names) if "html" in chosen else ()  # department pages the report links
    specs = chart_specs(report) if {"html", "pdf", "png"} & set(chosen) else {}
    svgs = chart_svgs(specs) if {"html", "pdf"} & set(chosen) else {}
    html = (
        render_html(report, view, departments=linked, svgs=svgs, specs=specs)
        if {"html", "pdf"} & set(chosen)
        else ""
    )
    if "html" in chosen:
        save("report.html", html)
    if "pdf" in chosen:
        written.append(write_pdf(html, out / "report.pdf"))
    pngs: tuple[str, ...] = ()
    if "png" in chosen:
        written += write_pngs(report, out / "charts", specs)
        pngs = tuple(p.stem for p in written if p.parent.name == "charts")
    if "csv" in chosen:
        written += write_tables(report, out / "tables")
    if {"md", "html"} & set(chosen) and names:
        folder = out / "departments"
        folder.mkdir(exist_ok=True)
        for name, d in department_views(report, view, tuple(names)).items():
            if "md" in chosen:
                save(f"departments/{name}.md", render_department_md(d, pngs))
            if "html" in chosen:
                save(f"departments/{name}.html", render_department_html(d, svgs))
    if report.write_quarantine is not None:
        n = report.write_quarantine(out / "quarantine.csv")
        written.append(out / "quarantine.csv")
        log.info("quarantine.csv: %d rows", n)
    return written
