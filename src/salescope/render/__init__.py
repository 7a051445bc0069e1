"""Writing a Report to disk in any of the output formats."""

from __future__ import annotations

import logging
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
    check_target(out)
    view = build_view(report)
    if llm is not None:
        view, outcome = polish_view(view, report, llm)
        report = replace(report, llm=outcome)
    files: list[str] = []  # relative to the staging folder, then to ``out``

    with staging(out) as stage:

        def save(name: str, text: str) -> None:
            (stage / name).write_text(text, encoding="utf-8")
            files.append(name)

        def wrote(paths: list[Path]) -> list[Path]:
            files.extend(p.relative_to(stage).as_posix() for p in paths)
            return paths

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
            wrote([write_pdf(html, stage / "report.pdf")])
        pngs: tuple[str, ...] = ()
        if "png" in chosen:
            pngs = tuple(p.stem for p in wrote(write_pngs(report, stage / "charts", specs)))
        if "csv" in chosen:
            wrote(write_tables(report, stage / "tables"))
        if {"md", "html"} & set(chosen) and names:
            (stage / "departments").mkdir()
            for name, d in department_views(report, view, tuple(names)).items():
                if "md" in chosen:
                    save(f"departments/{name}.md", render_department_md(d, pngs))
                if "html" in chosen:
                    save(f"departments/{name}.html", render_department_html(d, svgs))
        if report.write_quarantine is not None:
            n = report.write_quarantine(stage / "quarantine.csv")
            files.append("quarantine.csv")
            log.info("quarantine.csv: %d rows", n)
        return publish(out, stage, files)
