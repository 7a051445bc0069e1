"""Writing a Report to disk in any of the output formats."""

from __future__ import annotations

import logging
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from dataclasses import replace
from pathlib import Path

from salescope.errors import ConfigError
from salescope.model import DEPARTMENTS, Report
from salescope.narrative.polish import polish_view
from salescope.render import pdf
from salescope.render.folder import report_folder
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

    The report is written whole into a staging folder beside ``out``, which then replaces
    ``out`` in one step (:func:`salescope.render.folder.report_folder`): an earlier report
    there becomes ``out/previous/``, files salescope did not write stay, and a failure
    leaves ``out`` as it was. ``out`` must not be a file, the root or the home folder; the
    command line also refuses folders that are not salescope's.

    >>> write_outputs(report, "out/", formats=("json", "html"))  # doctest: +SKIP
    """
    chosen, names = _choices(formats, departments)
    out = Path(out)
    with report_folder(out, force=True) as stage:
        written = write_report_files(report, stage, chosen, names, llm)
    return [out / p.relative_to(stage) for p in written]


def _choices(
    formats: tuple[str, ...] | None, departments: tuple[str, ...] | None
) -> tuple[tuple[str, ...], tuple[str, ...]]:
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
    return chosen, tuple(names)


def write_report_files(
    report: Report,
    folder: Path,
    formats: tuple[str, ...] | None = None,
    departments: tuple[str, ...] | None = None,
    llm: LlmSettings | None = None,
) -> list[Path]:
    """What :func:`write_outputs` writes, written straight into ``folder`` (created when
    missing): a new folder inside the staging folder of
    :func:`~salescope.render.folder.report_folder`, where nothing of an earlier run is. The
    command line writes the report and its ``--by`` folders into one staging folder with it.
    Returns the files written, the report itself first.
    """
    # Each format's libraries are imported only when it is chosen (Altair alone takes
    # about 0.3 s, openpyxl 0.1 s).
    from salescope.narrative.view import build_view
    from salescope.render.departments import (
        department_views,
        render_department_html,
        render_department_md,
    )
    from salescope.render.json import render_json
    from salescope.render.md import render_markdown
    from salescope.render.tables import report_tables, write_tables

    chosen, names = _choices(formats, departments)
    drawn = bool({"html", "pdf", "png"} & set(chosen))
    if drawn:
        from markupsafe import Markup

        from salescope.render.charts import chart_specs, write_pngs
        from salescope.render.html import chart_svgs, render_html
    folder.mkdir(parents=True, exist_ok=True)
    view = build_view(report)
    if llm is not None:
        view, outcome = polish_view(view, report, llm)
        report = replace(report, llm=outcome)
    files: list[Path] = []

    with ExitStack() as running:
        drawing = running.enter_context(ThreadPoolExecutor(max_workers=1))
        paged = bool({"html", "pdf"} & set(chosen))
        # The PDF, the longest part, is laid out by a process of its own (a Helper, which
        # imports WeasyPrint meanwhile) while the PNGs are drawn on a worker thread and this
        # one writes the other formats: vl-convert holds the interpreter lock while it
        # draws, so only a process runs truly beside it. A process started early
        # (pdf.helping(), the command line) draws the charts' SVGs too, while this one
        # writes the formats that show no chart.
        early = paged and pdf.started_early()
        helper = running.enter_context(pdf.helper()) if "pdf" in chosen or early else None

        def save(name: str, text: str) -> None:
            (folder / name).write_text(text, encoding="utf-8")
            files.append(folder / name)

        def write_chartless() -> None:
            if report.write_quarantine is not None:
                n = report.write_quarantine(folder / "quarantine.csv")
                files.append(folder / "quarantine.csv")
                log.info("quarantine.csv: %d rows", n)
            if "json" in chosen:
                save("report.json", render_json(report))
            if "md" in chosen:
                save("report.md", render_markdown(report, view))
            tables = report_tables(report) if {"csv", "xlsx"} & set(chosen) else []
            if "csv" in chosen:
                files.extend(write_tables(report, folder / "tables", tables))
            if "xlsx" in chosen:
                from salescope.render.xlsx import write_xlsx

                files.append(write_xlsx(report, folder / "report.xlsx", tables))

        specs = chart_specs(report) if drawn else {}
        linked = names if "html" in chosen else ()  # department pages the report links
        html, svgs = "", {}
        if early and helper is not None:
            helper.submit("chart_svgs", specs)
            write_chartless()
            svgs = {name: Markup(svg) for name, svg in helper.result().items()}
        elif paged:
            svgs = chart_svgs(specs)
        if paged:
            live = "html" in chosen  # the PDF alone runs no script: no Vega, no specs
            html = render_html(report, view, departments=linked, svgs=svgs, specs=specs, live=live)
            if "pdf" in chosen and helper is not None:
                # resolved: the process keeps the working folder it started in
                helper.submit("write_pdf", html, (folder / "report.pdf").resolve())
        png_job = (
            drawing.submit(write_pngs, report, folder / "charts", specs, svgs or None)
            if "png" in chosen
            else None
        )
        if not early:
            write_chartless()
        pngs = tuple(specs) if png_job is not None else ()  # write_pngs writes every spec
        departments_written = department_views(report, view, names) if names else {}
        if {"md", "html"} & set(chosen) and departments_written:
            (folder / "departments").mkdir()
        if "md" in chosen:
            for name, d in departments_written.items():
                save(f"departments/{name}.md", render_department_md(d, pngs))
        if "html" in chosen:
            save("report.html", html)
            for name, d in departments_written.items():
                save(f"departments/{name}.html", render_department_html(d, svgs))
        if png_job is not None:
            files.extend(png_job.result())
        if "pdf" in chosen and helper is not None:
            helper.result()
            files.append(folder / "report.pdf")
    return sorted(files, key=lambda p: _listed(p.relative_to(folder).as_posix()))


# The order write_outputs lists what it wrote: the report itself first.
_ORDER = (
    "report.json", "report.md", "report.html", "report.pdf", "report.xlsx", "charts/", "tables/",
    "departments/",
)  # fmt: skip


def _listed(name: str) -> int:
    return next((i for i, p in enumerate(_ORDER) if name.startswith(p)), len(_ORDER))
