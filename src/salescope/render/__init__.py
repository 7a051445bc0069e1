"""Writing a Report to disk in any of the output formats."""

from __future__ import annotations

import logging
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from pathlib import Path

from salescope.errors import ConfigError
from salescope.model import DEPARTMENTS, Report
from salescope.narrative.polish import polish_view
from salescope.render.folder import check_target, publish, staging
from salescope.settings import ALL_FORMATS, LlmSettings

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

    Files are written to a staging folder inside ``out`` and moved onto their names
    without following links (render/folder.py); the files an earlier report in ``out``
    wrote that this one does not are removed. ``out`` must not be a file, the root or the
    home folder; the command line also refuses folders that are not salescope's.

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
    from salescope.render.tables import report_tables, write_tables
    from salescope.render.xlsx import write_xlsx

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
    check_target(out)
    view = build_view(report)
    if llm is not None:
        view, outcome = polish_view(view, report, llm)
        report = replace(report, llm=outcome)
    files: list[str] = []  # relative to the staging folder, then to ``out``

    with staging(out) as stage, ThreadPoolExecutor(max_workers=1) as drawing:

        def save(name: str, text: str) -> None:
            (stage / name).write_text(text, encoding="utf-8")
            files.append(name)

        def wrote(paths: list[Path]) -> list[Path]:
            files.extend(p.relative_to(stage).as_posix() for p in paths)
            return paths

        # vl-convert draws the charts (SVG, then PNG) in Rust without holding the GIL: they
        # are drawn on a worker thread while this one writes the text formats and the PDF.
        specs = chart_specs(report) if {"html", "pdf", "png"} & set(chosen) else {}
        svg_job = drawing.submit(chart_svgs, specs if {"html", "pdf"} & set(chosen) else {})
        png_job = (
            drawing.submit(lambda: write_pngs(report, stage / "charts", specs, svg_job.result()))
            if "png" in chosen
            else None
        )
        if report.write_quarantine is not None:
            n = report.write_quarantine(stage / "quarantine.csv")
            files.append("quarantine.csv")
            log.info("quarantine.csv: %d rows", n)
        if "json" in chosen:
            save("report.json", render_json(report))
        if "md" in chosen:
            save("report.md", render_markdown(report, view))
        tables = report_tables(report) if {"csv", "xlsx"} & set(chosen) else []
        if "csv" in chosen:
            wrote(write_tables(report, stage / "tables", tables))
        if "xlsx" in chosen:
            wrote([write_xlsx(report, stage / "report.xlsx", tables)])
        pngs = tuple(specs) if png_job is not None else ()  # write_pngs writes every spec
        departments_written = department_views(report, view, tuple(names)) if names else {}
        if {"md", "html"} & set(chosen) and departments_written:
            (stage / "departments").mkdir()
        if "md" in chosen:
            for name, d in departments_written.items():
                save(f"departments/{name}.md", render_department_md(d, pngs))
        linked = tuple(names) if "html" in chosen else ()  # department pages the report links
        svgs = svg_job.result()
        if {"html", "pdf"} & set(chosen):
            html = render_html(report, view, departments=linked, svgs=svgs, specs=specs)
            if "html" in chosen:
                save("report.html", html)
                for name, d in departments_written.items():
                    save(f"departments/{name}.html", render_department_html(d, svgs))
            if "pdf" in chosen:
                wrote([write_pdf(html, stage / "report.pdf")])
        if png_job is not None:
            wrote(png_job.result())
        return publish(out, stage, sorted(files, key=_listed))


# The order write_outputs lists what it wrote: the report itself first.
_ORDER = (
    "report.json", "report.md", "report.html", "report.pdf", "report.xlsx", "charts/", "tables/",
    "departments/",
)  # fmt: skip


def _listed(name: str) -> int:
    return next((i for i, p in enumerate(_ORDER) if name.startswith(p)), len(_ORDER))
