"""The command line: a thin Typer layer over ``salescope.run``.

Exit codes: 0 success, 2 user error (one ``error:`` line with a hint on
stderr), 1 a bug, 130 interrupted (Ctrl-C); ended by SIGTERM, the process dies of it as by
default, after removing its scratch folder. ``--debug`` shows tracebacks.
"""

from __future__ import annotations

import functools
import logging
import sys
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from datetime import UTC, date
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, NoReturn, ParamSpec

import typer

from salescope._version import __version__
from salescope.errors import ConfigError, SalescopeError, is_interrupt, watch_interrupts
from salescope.narrative.format import clean
from salescope.redact import redact_url
from salescope.settings import ALL_FORMATS

if TYPE_CHECKING:
    from rich.console import Console

    from salescope.config import Config
    from salescope.deliver.outcome import Delivery
    from salescope.engine import Engine
    from salescope.model import Report
    from salescope.project import Outcome, Project
    from salescope.schema.roles import Mapping
    from salescope.sources.files import Source

app = typer.Typer(
    name="salescope",
    help="Turn raw sales data into a validated, explained sales report.\n\n"
    "Start with 'salescope demo', then 'salescope report sales.csv'.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    # Click's plain help: Typer's rich help imports rich's Markdown, pygments and its
    # traceback module (about 0.1 s of a 0.3 s start-up budget) to draw boxes around it.
    rich_markup_mode=None,
)
_state = {"debug": False, "quiet": False}
P = ParamSpec("P")


@functools.cache
def _err() -> Console:
    """The console for progress, warnings and errors (stderr); rich is imported only
    when something is written to it, so ``--help`` and ``--version`` stay light."""
    from rich.console import Console

    return Console(stderr=True, highlight=False)


@functools.cache
def _out() -> Console:
    """The console for a command's own output (stdout)."""
    from rich.console import Console

    return Console(highlight=False, soft_wrap=True)


class _ConsoleWarnings(logging.Filter):
    """The library's warnings (a language model's text not used ...) as one ``warning:``
    line each on the console, instead of a log line: the library only logs, the command
    line writes to the terminal."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno != logging.WARNING:
            return True
        line = clean(redact_url(f"warning: {record.getMessage()}"))
        _err().print(line, markup=False, highlight=False, soft_wrap=True)
        return False


_WARNINGS = _ConsoleWarnings()

Inputs = Annotated[
    list[str],
    typer.Argument(
        metavar="INPUT",
        help="Sales data: CSV/TSV, Excel, JSON lines or Parquet files, globs, directories, or "
        "database URLs such as sqlite:///shop.db.",
    ),
]
OutDir = Annotated[
    Path, typer.Option("--out", "-o", metavar="FOLDER", help="Folder for the report files.")
]
ConfigOpt = Annotated[
    Path | None,
    typer.Option("--config", "-c", metavar="FILE", help="salescope.yml with mapping and options."),
]
EngineOpt = Annotated[
    str,
    typer.Option(
        "--engine",
        metavar="ENGINE",
        help="duckdb (default); pyspark (a local Spark session); spark://HOST:PORT (a Spark "
        "standalone cluster whose workers see these files); sc://HOST:PORT (a Spark Connect "
        "server); or an Ibis connection URL such as postgres://user@host/db.",
    ),
]
ForceOpt = Annotated[
    bool,
    typer.Option(
        "--force",
        help="Write into a non-empty --out folder that holds no salescope report (files with "
        "the report's names are replaced, nothing else is removed).",
    ),
]


def _version(value: bool) -> None:
    if value:
        typer.echo(f"salescope {__version__}")
        raise typer.Exit()


@app.callback()
def _main(
    debug: Annotated[bool, typer.Option("--debug", help="Show tracebacks on errors.")] = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress output.")] = False,
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Show the version.")
    ] = False,
) -> None:
    _state["debug"] = debug
    _state["quiet"] = quiet
    logging.basicConfig(
        level=logging.DEBUG if debug else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    logging.getLogger("salescope").addFilter(_WARNINGS)  # added once, however often called


@contextmanager
def _progress(first: str) -> Iterator[Callable[[str], None]]:
    """Progress on stderr when it is a terminal: what runs now, a measured bar for long
    reads and validations, a line per finished stage with its time and a total line
    (:mod:`salescope.terminal`). Silent otherwise or with --quiet."""
    if _state["quiet"] or not _err().is_terminal:
        yield lambda _msg: None
        return
    from salescope.terminal import TerminalProgress

    with TerminalProgress(_err(), first) as display:
        yield display
        display.finish()


@contextmanager
def _stage(progress: Callable[[str], None], name: str, doing: str) -> Iterator[None]:
    """A step of the command's own (writing outputs ...), shown and timed like the run's
    stages."""
    from salescope.pipeline import StageTimer

    progress(doing)
    timer = StageTimer(progress)
    yield
    timer(name)


def _formats(value: str | None) -> tuple[str, ...]:
    if not value:
        return ALL_FORMATS
    chosen = tuple(v.strip().lower() for v in value.split(",") if v.strip())
    unknown = [v for v in chosen if v not in ALL_FORMATS]
    if unknown:
        raise ConfigError(
            f"unknown format {unknown[0]!r}", hint="valid formats: " + ",".join(ALL_FORMATS)
        )
    return chosen


def _fits_beside(command: Callable[P, None]) -> Callable[P, None]:
    """``command`` with the report's statistical libraries (statsmodels, SciPy, pandas:
    about 2.5 s) imported by a process of their own from its first line, beside this
    process's own imports and reading (:func:`salescope.analysis.models.helping`)."""

    @functools.wraps(command)
    def beside(*args: P.args, **kwargs: P.kwargs) -> None:
        from salescope.analysis.models import helping

        with helping():
            command(*args, **kwargs)

    return beside


def _charts_beside(formats: tuple[str, ...] | None) -> AbstractContextManager[None]:
    """The process that draws the charts' SVGs and lays out report.pdf, started now when
    ``formats`` (None: all) show charts on a page: it loads vl-convert and WeasyPrint while
    the report is computed (:func:`salescope.render.pdf.helping`)."""
    from salescope.render import pdf

    return pdf.helping() if {"html", "pdf"} & set(formats or ALL_FORMATS) else nullcontext()


@app.command(short_help="Compute the full report of sales files and write it to --out.")
@_fits_beside
def report(
    inputs: Inputs,
    out_dir: OutDir = Path("salescope-report"),
    period: Annotated[
        str | None,
        typer.Option(
            "--period",
            "-p",
            metavar="PERIOD",
            help="2024-Q3, 2024-09, 2024, 2024-W37, 2024-07-01..2024-09-30, all, "
            "latest-quarter (default: latest complete quarter).",
        ),
    ] = None,
    compare: Annotated[
        str | None,
        typer.Option(
            "--compare",
            metavar="PERIOD",
            help="Period to compare with instead of the previous one, e.g. 2023-Q3 (same forms "
            "as --period; it must end before the period starts).",
        ),
    ] = None,
    where: Annotated[
        str | None,
        typer.Option(
            "--where",
            "-w",
            metavar="FILTER",
            help="Report only matching lines, e.g. \"region = 'West' and channel != 'Email'\": "
            "comparisons, in (...), between, like, is null, joined by and/or/not; columns by "
            "role or source header.",
        ),
    ] = None,
    by: Annotated[
        str | None,
        typer.Option(
            "--by",
            metavar="DIMENSION",
            help="Also write one report per member of this dimension (region, channel, "
            "category, a dimensions: entry ...) into OUT/by-<dimension>/, with an index page "
            "comparing them.",
        ),
    ] = None,
    config: ConfigOpt = None,
    engine: EngineOpt = "duckdb",
    fmt: Annotated[
        str | None,
        typer.Option(
            "--format",
            "-f",
            metavar="FORMATS",
            help="Comma-separated: json,md,html,pdf,png,csv,xlsx (default all).",
        ),
    ] = None,
    fiscal_year_start: Annotated[
        int | None,
        typer.Option(
            "--fiscal-year-start",
            metavar="MONTH",
            min=1,
            max=12,
            help="First month of the fiscal year.",
        ),
    ] = None,
    llm: Annotated[
        str | None,
        typer.Option(
            "--llm",
            metavar="URL",
            help="OpenAI-compatible endpoint (e.g. http://127.0.0.1:8080/v1) that may reword "
            "the prose; a rewrite is used only when every number in it is a fact "
            "(docs/llm.md).",
        ),
    ] = None,
    department: Annotated[
        str | None,
        typer.Option(
            "--department",
            "-d",
            metavar="NAME",
            help="Write only this department's report into OUT/departments: executive, "
            "sales, marketing, finance, operations, customer_success (default: all six).",
        ),
    ] = None,
    force: ForceOpt = False,
) -> None:
    """Compute the full report for INPUT files and write it to --out.

    Side tables (marketing spend, campaigns, quotas, inventory) given alongside the sales
    are recognised by their columns. Besides report.*, OUT/departments holds one report
    per department with its insights, actions by horizon and success metrics.

    \b
    Examples:
      salescope report sales.csv spend.csv --period 2024-Q3 --out q3/
      salescope report sales.csv --period 2024-Q3 --compare 2023-Q3 --where "region = 'West'"
    """
    from salescope.config import find_config
    from salescope.model import DEPARTMENTS
    from salescope.pipeline import run
    from salescope.render import write_report_files
    from salescope.render.folder import check_out, report_folder
    from salescope.settings import LlmSettings

    # checked and locked before any input is read; written whole, then swapped in
    with report_folder(out_dir, keep=1, force=force, inputs=inputs) as stage:
        if by is not None:
            by_folder = out_dir / f"by-{_by_name(by)}"
            if not by_folder.is_symlink():  # a link there is replaced by a folder
                check_out(by_folder, force=force)
        departments = None
        if department is not None:
            name = department.strip().lower().replace("-", "_").replace(" ", "_")
            if name not in DEPARTMENTS:
                raise ConfigError(
                    f"unknown department {department!r}", hint="valid: " + ", ".join(DEPARTMENTS)
                )
            departments = (name,)
        cfg = find_config(
            config,
            period=period,
            fiscal_year_start=fiscal_year_start,
            llm=llm,
            compare=compare,
            where=where,
        )
        formats = _formats(fmt) if fmt else cfg.formats  # salescope.yml's unless --format
        settings = (
            LlmSettings(cfg.llm, cfg.llm_model, cfg.llm_timeout) if cfg.llm is not None else None
        )
        with _progress("reading inputs...") as progress, _charts_beside(formats):
            result = run(inputs, cfg, engine=_engine(engine, cfg), progress=progress)
            doing = "asking the language model" if settings is not None else "writing outputs"
            with _stage(progress, "outputs", doing):
                written = write_report_files(result, stage, formats, departments, settings)
            if by is not None:
                folder = stage / f"by-{_by_name(by)}"
                with _stage(progress, f"by-{_by_name(by)}", f"reports by {_by_name(by)}"):
                    written += _by_member(
                        result, by, inputs, cfg, engine, folder, formats, progress
                    )
    _said(result, [out_dir / p.relative_to(stage) for p in written], out_dir)


def _said(result: Report, written: list[Path], out_dir: Path) -> None:
    """The two lines a report ends with: the headline and where it was written."""
    from salescope.narrative.format import money, period_name

    q = result.quality
    revenue = result.kpi("revenue")
    _out().print(
        f"[bold]salescope[/] {period_name(result.period)}: revenue "
        f"{money(revenue.value if revenue else None, result.currency)}, "
        f"{q.rows_accepted:,} of {q.rows_read:,} rows used, {q.rows_quarantined:,} quarantined."
    )
    main_file = next((p for p in written if p.name == "report.html"), written[0])
    _out().print(f"Report written to [bold]{main_file}[/] ({len(written)} files in {out_dir}/)")


def _by_member(
    whole: Report,
    by: str,
    inputs: list[str],
    cfg: Config,
    engine: str,
    folder: Path,
    formats: tuple[str, ...] | None,
    progress: Callable[[str], None],
) -> list[Path]:
    """One report per member of ``by`` (each a run over its own lines) in a subfolder of
    ``folder`` (new, inside the staging folder), and the index."""
    from salescope.fact_ids import slug
    from salescope.pipeline import member_filters, run
    from salescope.render import write_report_files
    from salescope.render.folder import write_marker
    from salescope.render.index import MemberReport, render_index_html, render_index_md

    by = _by_name(by)
    filters, left_out = member_filters(whole, by, cfg.where)
    folder.mkdir()
    written: list[Path] = []
    members: list[MemberReport] = []
    used: set[str] = set()
    for i, (key, where) in enumerate(filters, start=1):
        progress(f"{by} {i} of {len(filters)}: {key}")
        name = slug(key) or "member"
        while name in used:
            name += "_"
        used.add(name)
        report = run(inputs, cfg.model_copy(update={"where": where}), engine=_engine(engine, cfg))
        written += write_report_files(report, folder / name, formats, ())
        members.append(MemberReport(key, name, report))
    label = by.replace("_", " ")
    pages = [folder / "index.md"]
    pages[0].write_text(render_index_md(label, whole, members, left_out), encoding="utf-8")
    if "html" in set(formats or ALL_FORMATS):
        pages.append(folder / "index.html")
        text = render_index_html(label, whole, members, left_out)
        pages[-1].write_text(text, encoding="utf-8")
    written += pages
    # a salescope folder of its own: the next --by run recognises it
    write_marker(folder, [p.relative_to(folder).as_posix() for p in written])
    return written


def _moved(path: str | Path, stage: Path, out_dir: Path) -> Path:
    """Where ``path``, written in the staging folder, is once it has replaced ``out_dir``."""
    return out_dir / Path(path).relative_to(stage)


def _by_name(by: str) -> str:
    return by.strip().lower().replace(" ", "_")


def _engine(spec: str, cfg: Config) -> Engine:
    """The engine of ``--engine``, with salescope.yml's memory limit."""
    from salescope.engine import connect

    return connect(spec, cfg.memory_limit)


@app.command(short_help="Generate demo data and write its full report.")
@_fits_beside
def demo(
    out_dir: OutDir = Path("salescope-demo"),
    rows: Annotated[
        int, typer.Option("--rows", metavar="N", min=1000, help="Sales lines to generate.")
    ] = 200_000,
    seed: Annotated[
        int, typer.Option("--seed", metavar="N", help="Random seed: same seed, same data.")
    ] = 7,
    engine: EngineOpt = "duckdb",
    force: ForceOpt = False,
) -> None:
    """Generate realistic demo data into OUT/data and write a full report into OUT.

    OUT/data/salescope.yml holds the demo's settings (amounts in USD), so
    'salescope report OUT/data --config OUT/data/salescope.yml' gives the same report.

    \b
    Example:
      salescope demo --rows 50000
    """
    from dataclasses import fields, replace

    from salescope.config import load_config
    from salescope.demo_data import write_demo_data
    from salescope.pipeline import run
    from salescope.render import write_report_files
    from salescope.render.folder import report_folder

    # the data and the report are written into a staging folder, then swapped in whole
    with (
        report_folder(out_dir, force=force) as stage,
        _progress("generating demo data...") as progress,
        _charts_beside(None),
    ):
        with _stage(progress, "demo_data", "generating demo data"):
            made = write_demo_data(stage / "data", rows=rows, seed=seed)
        progress("computing the report")
        cfg = load_config(made.config)  # the demo's currency: its data names none
        result = run(
            [str(p) for p in made.inputs], cfg, engine=_engine(engine, cfg), progress=progress
        )
        # the inputs as the report names them: where they are once the folder is in place
        moved = tuple(
            replace(i, path=str(_moved(i.path, stage, out_dir))) for i in result.run.inputs
        )
        result = replace(result, run=replace(result.run, inputs=moved))
        with _stage(progress, "outputs", "writing outputs"):
            write_report_files(result, stage)
    files = replace(made, **{f.name: _moved(getattr(made, f.name), stage, out_dir)
                             for f in fields(made)})  # fmt: skip
    _out().print(
        f"Demo data: [bold]{files.sales.parent}/[/] ({rows:,} sales lines plus side tables)"
    )
    _out().print(f"Report ({result.period.label}): open [bold]{out_dir / 'report.html'}[/]")
    also = ", ".join(str(out_dir / f"report.{ext}") for ext in ("md", "pdf", "xlsx", "json"))
    _out().print(f"Also: {also}")


@app.command(short_help="Check data quality only: quality.json and quarantine.csv.")
def validate(
    inputs: Inputs,
    out_dir: OutDir = Path("salescope-report"),
    config: ConfigOpt = None,
    engine: EngineOpt = "duckdb",
    force: ForceOpt = False,
) -> None:
    """Check data quality only: write quality.json and quarantine.csv to --out.

    \b
    Example:
      salescope validate sales.csv --out checks/
    """
    import json
    from dataclasses import asdict
    from datetime import date

    from rich.table import Table

    from salescope.config import find_config
    from salescope.pipeline import StageTimer, validate_inputs
    from salescope.render.folder import report_folder

    with report_folder(out_dir, force=force, inputs=inputs) as stage:
        cfg = find_config(config)
        with _progress("validating...") as progress:
            progress("reading and validating inputs")
            validation, _ = validate_inputs(
                inputs, cfg, _engine(engine, cfg), date.today(), StageTimer(progress), progress
            )
            q = validation.quality
            validation.write_quarantine(stage / "quarantine.csv")
            text = json.dumps(asdict(q), indent=2, default=str) + "\n"
            (stage / "quality.json").write_text(text, encoding="utf-8")
    _out().print(
        f"{q.rows_read:,} rows read, {q.rows_accepted:,} accepted, "
        f"{q.rows_quarantined:,} quarantined; quality score {q.score:.1f}/100"
    )
    if q.checks:
        table = Table("check", "severity", "column", "rows", "message")
        for c in q.checks:
            table.add_row(c.code, c.severity, c.column or "", f"{c.rows:,}", c.message)
        _out().print(table)
    _out().print(f"Written: {out_dir / 'quality.json'}, {out_dir / 'quarantine.csv'}")


def _detect(inputs: list[str], config: Path | None, engine: str) -> tuple[Source, Mapping, Engine]:
    """The dataset model and the roles, exactly as a report would decide them, and the
    engine that holds the tables read."""
    from salescope.config import find_config
    from salescope.schema.decide import decide_roles
    from salescope.sources.files import read_inputs

    cfg = find_config(config)
    named = [(spec, kind) for kind, specs in cfg.side_tables.items() for spec in specs]
    eng = _engine(engine, cfg)
    source = read_inputs(eng, inputs, named, cfg.declared_joins(), cfg.ignore)
    assert source.dataset is not None
    mapping = decide_roles(source.table, source.dataset.columns, cfg.mapping, source.dataset.person)
    return source, mapping, eng


@app.command(short_help="Show the dataset model and which column plays which role.")
def inspect(inputs: Inputs, config: ConfigOpt = None, engine: EngineOpt = "duckdb") -> None:
    """Show the dataset model (tables, grain, keys, joins) and which column plays which
    role, with the evidence, the runner-up and how to override it.

    \b
    Example:
      salescope inspect order_items.csv orders.csv customers.csv products.csv
    """
    from rich.table import Table

    source, mapping, _ = _detect(inputs, config, engine)
    assert source.dataset is not None
    model = source.dataset.model
    tables = Table("table", "rows", "grain", "keys", "used as", title="Tables")
    for t in model.tables:
        tables.add_row(t.name, f"{t.rows:,}", t.grain, ", ".join(t.keys[:4]), t.role)
    _out().print(tables)
    if model.joins:
        joins = Table("from", "to", "matched", "kept", "found by", title="Joins")
        for j in model.joins:
            joins.add_row(
                f"{j.left}.{j.left_column}",
                f"{j.right}.{j.right_column}",
                f"{j.match_rate:.1%}",
                "yes" if j.kept else "no",
                j.found_by,
            )
        _out().print(joins)
    origin = {c.name: c.table or model.fact for c in source.dataset.columns}
    table = Table(
        "role", "column", "table", "confidence", "evidence", "runner-up", title="Column roles"
    )
    for m in mapping.matches:
        runner = mapping.runner_up(m.role)
        table.add_row(
            m.role,
            m.column,
            origin.get(m.column, ""),
            f"{m.confidence:.0%}",
            m.evidence,
            f"{runner.column} ({runner.confidence:.0%})" if runner else "",
        )
    _out().print(table)
    for note in (*mapping.notes, *source.dataset.notes):
        _out().print(f"- {note}", markup=False, highlight=False)
    if mapping.unmapped:
        _out().print("Columns without a role: " + ", ".join(mapping.unmapped), markup=False)
    _out().print(
        "Correct anything in salescope.yml (`salescope init` writes the whole model), e.g.\n"
        '  mapping:\n    order_date: "Invoice Date"\n    quantity: null',
        markup=False,
    )


@app.command(short_help="Write salescope.yml with the detected model, ready to edit.")
def init(
    inputs: Inputs,
    path: Annotated[
        Path, typer.Option("--path", metavar="FILE", help="Where to write the config.")
    ] = Path("salescope.yml"),
    force: Annotated[bool, typer.Option("--force", help="Overwrite an existing file.")] = False,
    engine: EngineOpt = "duckdb",
) -> None:
    """Write salescope.yml with the whole detected dataset model, ready to edit: the
    tables, the joins and every role, each with a comment on its evidence and runner-up.

    \b
    Example:
      salescope init sqlite:///shop.db      # then edit salescope.yml
      salescope report sqlite:///shop.db
    """
    if path.exists() and not force:
        raise ConfigError(f"{path} already exists", hint="use --force to overwrite it")
    source, mapping, eng = _detect(inputs, None, engine)
    path.write_text(config_text(source, mapping, _currency(source, eng)), encoding="utf-8")
    _out().print(f"Wrote {path} with {len(mapping.matches)} mapped roles.")


def _currency(source: Source, engine: Engine) -> str | None:
    """The currency the data names (headers, values or a currency column), as a report
    would find it; None when it names none or cannot be validated. ``engine`` holds the
    source's tables: the tables validation stores must sit beside them."""
    from salescope.quality.validate import validate

    assert source.dataset is not None
    try:
        checked = validate(
            source.table,
            engine,
            columns=source.dataset.columns,
            person=source.dataset.person,
        )
    except SalescopeError:
        return None
    return checked.currency


def config_text(source: Source, mapping: Mapping, currency: str | None = None) -> str:
    """salescope.yml for the detected model: settings as YAML, evidence as comments."""
    import yaml

    def scalar(value: str) -> str:
        return yaml.safe_dump(value, allow_unicode=True, default_style=None).splitlines()[0]

    assert source.dataset is not None
    model = source.dataset.model
    lines = ["# salescope configuration, written by `salescope init`; see docs/config.md", ""]
    lines.append("# Tables found (grain, rows, keys):")
    for t in model.tables:
        keys = ", ".join(t.keys[:3]) or "none"
        lines.append(f"#   {t.name}: {t.grain}, {t.rows:,} rows, keys: {keys} ({t.role})")
    lines += ["", "# Joins found from names and values (declare a missing one here):"]
    kept = [j for j in model.joins if j.kept and j.found_by != "salescope.yml"]
    for j in model.joins:
        state = "joined" if j.kept else "NOT joined"
        lines.append(f"#   {j.describe()}: {state}")
    declared = [j for j in model.joins if j.found_by == "salescope.yml"]
    if declared:
        lines.append("joins:")
        for j in declared:
            lines.append(
                f"  - {{table: {scalar(j.left)}, column: {scalar(j.left_column)}, "
                f"to: {scalar(j.right)}, to_column: {scalar(j.right_column)}}}"
            )
    elif kept:
        lines.append("joins: []")
    lines += ["", "# Column roles; set a role to null to leave it without a column.", "mapping:"]
    for m in mapping.matches:
        runner = mapping.runner_up(m.role)
        lines.append(f"  # {m.evidence} ({m.confidence:.0%})")
        if runner is not None:
            lines.append(f"  # runner-up: {runner.column} ({runner.confidence:.0%})")
        lines.append(f"  {m.role}: {scalar(m.column)}")
    for note in mapping.notes:
        lines.append(f"# {note}")
    lines.append("")
    if currency:
        lines.append(f"currency: {currency}  # named by the data (headers, values or a column)")
    else:
        lines.append("# currency: EUR  # the data names none: set it, or amounts show no symbol")
    lines += ["period: latest-quarter", "top_n: 10", ""]
    return "\n".join(lines)


ProjectArg = Annotated[
    Path | None,
    typer.Argument(
        metavar="PROJECT",
        help="The project's salescope.yml, or the folder that holds it (default: the "
        "working directory's).",
    ),
]
RUN_WAIT = 600.0  # seconds `salescope run` waits for another run writing its folder
JsonOpt = Annotated[
    bool, typer.Option("--json", help="Print one JSON line on stdout instead of text.")
]


@app.command("run", short_help="Run a report project and record the run in its history.")
@_fits_beside
def run_command(
    project: ProjectArg = None,
    as_of: Annotated[
        str | None,
        typer.Option(
            "--as-of",
            metavar="DATE",
            help="The day period rules count from, YYYY-MM-DD (default: the data's last day).",
        ),
    ] = None,
    period: Annotated[
        str | None,
        typer.Option(
            "--period", "-p", metavar="PERIOD", help="Override the project's period rule or period."
        ),
    ] = None,
    force: Annotated[
        bool,
        typer.Option(
            "--force", help="Run even when the inputs and settings are those of the last report."
        ),
    ] = False,
    as_json: JsonOpt = False,
    engine: EngineOpt = "duckdb",
) -> None:
    """Run a report project: salescope.yml names the inputs, the period rule, the formats,
    the output folder and the deliveries; the run is recorded in the project's history.

    Exit codes: 0 written, or skipped because nothing changed since the last report; 2 a
    user error; 3 written but a delivery failed; 130 interrupted (docs/projects.md).

    \b
    Examples:
      salescope run                   # ./salescope.yml
      salescope run shop/salescope.yml --as-of 2026-12-06 --json
    """
    import json

    from salescope.project import failure_summary, load_project

    try:
        day = _as_of(as_of)
        proj = load_project(project, period=period, as_of=day)
        outcome = _run_project(proj, engine, force)
    except (KeyboardInterrupt, Exception) as exc:
        if is_interrupt(exc):  # Ctrl-C, or an engine's own error for it
            if as_json:
                line = json.dumps(failure_summary("interrupted", _INTERRUPTED, "stopped by Ctrl-C"))
                _out().print(line, markup=False, highlight=False)
            if isinstance(exc, KeyboardInterrupt):
                raise
            raise KeyboardInterrupt from exc
        if as_json and isinstance(exc, SalescopeError):
            line = json.dumps(failure_summary("error", exc.exit_code, exc.one_line()))
            _out().print(line, markup=False, highlight=False)
        raise
    if as_json:
        _out().print(json.dumps(outcome.summary(), default=str), markup=False, highlight=False)
    elif outcome.status == "skipped":
        _out().print(
            f"Nothing to do: {outcome.reason}; its report in {outcome.out} stands (--force "
            "runs again).",
            markup=False,
            highlight=False,
        )
    else:
        assert outcome.report is not None
        _said(outcome.report, list(outcome.written), outcome.out)
        for d in outcome.deliveries:
            state = "delivered" if d.ok else f"NOT delivered: {d.reason}"
            _out().print(f"{d.channel} to {d.target}: {state}", markup=False, highlight=False)
    if outcome.exit_code:
        raise typer.Exit(outcome.exit_code)


def _as_of(text: str | None) -> date | None:
    if text is None:
        return None
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise ConfigError(
            f"--as-of {text!r} is not a date",
            hint="write it as YYYY-MM-DD, e.g. --as-of 2026-12-06",
        ) from None


def _run_project(proj: Project, engine: str, force: bool) -> Outcome:
    from salescope.project import run_project
    from salescope.render import write_report_files
    from salescope.render.folder import check_out, report_folder
    from salescope.settings import LlmSettings

    cfg = proj.config
    check_out(proj.out, inputs=proj.inputs)
    targets = cfg.deliver if cfg.deliver is not None and not cfg.deliver.empty else None
    if targets is not None:
        from salescope.deliver.send import check_deliveries

        check_deliveries(targets, cfg.formats)  # before any work: a variable not set ...
    settings = LlmSettings(cfg.llm, cfg.llm_model, cfg.llm_timeout) if cfg.llm is not None else None

    def write(report: Report, folder: Path) -> tuple[Path, ...]:
        # another run writing this folder: wait for it (a scheduler may start two at once)
        with report_folder(folder, keep=cfg.keep, inputs=proj.inputs, wait=RUN_WAIT) as stage:
            written = write_report_files(report, stage, cfg.formats, None, settings)
        return tuple(folder / p.relative_to(stage) for p in written)

    def send(report: Report, folder: Path) -> list[Delivery]:
        from salescope.deliver.send import deliver

        assert targets is not None
        return deliver(report, folder, targets)

    with _progress("reading inputs...") as progress, _charts_beside(cfg.formats):
        return run_project(
            proj,
            engine=lambda: _engine(engine, cfg),
            write=write,
            deliver=send if targets is not None else None,
            force=force,
            progress=progress,
        )


@app.command(short_help="List a report project's runs, newest first.")
def history(
    project: ProjectArg = None,
    limit: Annotated[
        int, typer.Option("--limit", "-n", metavar="N", min=1, help="Runs to list.")
    ] = 20,
    as_json: JsonOpt = False,
) -> None:
    """List a report project's runs, newest first: when, status, period, revenue and why a
    run was skipped or failed.

    \b
    Example:
      salescope history shop/
    """
    import json

    from rich.table import Table

    from salescope.history import History
    from salescope.narrative.format import money
    from salescope.project import load_project

    proj = load_project(project)
    runs = History(proj.history).runs(limit)
    if as_json:
        for r in runs:
            line = {
                "run_id": r.run_id,
                "started_at": r.started_at.isoformat(),
                "status": r.status,
                "rule": r.rule,
                "period": r.period_label,
                "reason": r.reason,
            }
            _out().print(json.dumps(line), markup=False, highlight=False)
        return
    table = Table(
        "run",
        "started (UTC)",
        "status",
        "rule",
        "period",
        "revenue",
        "note",
        title=f"Runs of {proj.path}",
    )
    for r in runs:
        revenue = ""
        if r.report_json is not None:
            data = r.report()
            value = data["kpis"].get("revenue", {}).get("value")
            revenue = money(value, data.get("currency"))
        started = r.started_at.astimezone(UTC).strftime("%Y-%m-%d %H:%M")
        table.add_row(
            r.run_id, started, r.status, r.rule, r.period_label or "", revenue, r.reason or ""
        )
    _out().print(table)


@app.command(short_help="Say which figures changed between two runs of a project.")
def diff(
    run_a: Annotated[
        str | None,
        typer.Argument(
            metavar="RUN_A", help="The earlier run (id, start of one, last or previous)."
        ),
    ] = None,
    run_b: Annotated[
        str | None, typer.Argument(metavar="RUN_B", help="The later run (default: last).")
    ] = None,
    since_last: Annotated[
        bool, typer.Option("--since-last", help="The last report against the one before it.")
    ] = False,
    project: Annotated[
        Path | None,
        typer.Option(
            "--project",
            metavar="PATH",
            help="The project's salescope.yml or folder (default: here).",
        ),
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """Say which figures changed between two runs of a project, by how much, and which
    insights appeared or went away.

    \b
    Examples:
      salescope diff --since-last
      salescope diff 20261130 20261207
    """
    import json
    from dataclasses import asdict

    from rich.table import Table

    from salescope.history import History
    from salescope.narrative.format import by_unit, pct_change
    from salescope.project import load_project
    from salescope.since import diff_reports

    if since_last or run_a is None:
        run_a, run_b = "previous", "last"
    proj = load_project(project)
    catalog = History(proj.history)
    a, b = catalog.get(run_a), catalog.get(run_b or "last")
    later = b.report()
    result = diff_reports(a.run_id, a.report(), b.run_id, later)
    if as_json:
        data = asdict(result)
        data["changed"] = [
            {**asdict(c), "change": c.change, "change_pct": c.change_pct} for c in result.changed
        ]
        _out().print(json.dumps(data, default=str), markup=False, highlight=False)
        return
    currency = later.get("currency")
    _out().print(
        f"{b.run_id} ({result.b_period}) against {a.run_id} ({result.a_period}): "
        f"{len(result.changed)} figures changed, {result.same} the same.",
        markup=False,
        highlight=False,
    )
    if result.changed:
        table = Table("figure", a.run_id, b.run_id, "change", "change %")
        for c in result.changed:
            table.add_row(
                c.label,
                by_unit(c.a, c.unit, currency),
                by_unit(c.b, c.unit, currency),
                by_unit(c.change, c.unit, currency) if c.change is not None else "n/a",
                pct_change(c.change_pct),
            )
        _out().print(table)
    for word, items in (("New insight", result.appeared), ("Gone", result.gone)):
        for insight_id, title in items:
            _out().print(f"{word}: {title} ({insight_id})", markup=False, highlight=False)


@app.command(short_help="Print or install a crontab line or systemd timer for a project.")
def schedule(
    config: Annotated[
        Path | None,
        typer.Argument(
            metavar="CONFIG",
            help="The project's salescope.yml (default ./salescope.yml).",
            show_default=False,
        ),
    ] = None,
    cron: Annotated[
        str | None,
        typer.Option(
            "--cron",
            metavar="FIELDS",
            help='When to run, as five cron fields, e.g. "0 7 * * MON" (Mondays 07:00).',
        ),
    ] = None,
    systemd: Annotated[
        bool,
        typer.Option("--systemd", help="A systemd user service and timer, not a crontab line."),
    ] = False,
    calendar: Annotated[
        str | None,
        typer.Option(
            "--on-calendar",
            metavar="CALENDAR",
            help="systemd's OnCalendar= given directly (implies --systemd), e.g. "
            '"Mon..Fri *-*-* 07:00:00"; for what a cron expression cannot say.',
        ),
    ] = None,
    name: Annotated[
        str | None,
        typer.Option(
            "--name",
            metavar="NAME",
            help="Name of the schedule: the crontab marker and the systemd unit "
            "(default 'salescope-' and the project folder's name).",
        ),
    ] = None,
    log: Annotated[
        Path | None,
        typer.Option(
            "--log", metavar="FILE", help="File the runs append to (default PROJECT/salescope.log)."
        ),
    ] = None,
    install: Annotated[
        bool,
        typer.Option(
            "--install",
            help="Install it: into your crontab (replacing this schedule's line), or the unit "
            "files into ~/.config/systemd/user, then enable the timer.",
        ),
    ] = False,
) -> None:
    """Print (or --install) a crontab line or a systemd timer that runs
    'salescope run CONFIG --json' on schedule, with the next three run times.

    Each run appends its one-line JSON summary to --log; its exit code says how it went
    (0 written or skipped, 2 user error, 3 a delivery failed): see docs/scheduling.md,
    also for Airflow and Dagster.

    \b
    Examples:
      salescope schedule sales/salescope.yml --cron "0 7 * * MON"
      salescope schedule --cron "30 6 1 * *" --install
      salescope schedule --cron "0 7 * * MON-FRI" --systemd --install
      salescope schedule --on-calendar "Mon *-*-1..7 07:00:00" --install
    """
    from datetime import datetime

    from salescope import schedule as sched

    if cron is not None and calendar is not None:
        raise ConfigError(
            "give --cron or --on-calendar, not both",
            hint="--on-calendar is systemd's own form, for what --cron cannot say",
        )
    if cron is None and calendar is None:
        raise ConfigError("say when to run", hint='e.g. --cron "0 7 * * MON" (Mondays 07:00)')
    project = sched.Project.find(config, name, log)
    expr = sched.check_cron(cron) if cron is not None else None
    systemd = systemd or calendar is not None
    spec = sched.check_on_calendar(calendar) if calendar is not None else None
    if systemd and spec is None:
        assert expr is not None
        spec = sched.on_calendar(expr)
    runs = ""
    if expr is not None:
        times = sched.next_times(expr, datetime.now())
        runs = "# next runs (local time): " + ", ".join(
            t.strftime("%a %Y-%m-%d %H:%M") for t in times
        )

    def show(text: str) -> None:
        _out().print(text, markup=False, highlight=False, emoji=False)

    if not systemd:
        assert expr is not None
        line = sched.cron_line(project, expr)
        replaced = sched.install_cron(line, project.name) if install else None
        show(runs)  # a comment: the output is crontab text as it stands
        show(line)
        if replaced is None:
            return
        done = "replaced in" if replaced else "added to"
        show(f"# {project.name} {done} your crontab (`crontab -l` shows it); log: {project.log}")
        return
    assert spec is not None
    service, timer = sched.systemd_units(project, spec)
    if not install:
        folder = sched.unit_folder()
        show(f"# {folder / (project.name + '.service')}\n{service}")
        show(f"# {folder / (project.name + '.timer')}\n{timer}")
        if runs:
            show(runs)
        return
    written = sched.write_units(project.name, service, timer)
    show("# wrote " + ", ".join(str(p) for p in written))
    if runs:
        show(runs)
    why = sched.enable_timer(project.name)
    if why is None:
        show(f"# enabled {project.name}.timer (`systemctl --user list-timers` shows it)")
        return
    show(f"# the timer is not enabled yet ({why}); run:")
    for command in sched.enable_commands(project.name):
        show(" ".join(command))


def main() -> None:
    """Entry point: run the app and turn errors into the exit codes of the CLI contract.

    Usage errors (unknown option, bad value) are Typer's own: a short message, exit 2.
    Ctrl-C: one ``interrupted`` line, exit 130 (Typer turns KeyboardInterrupt into that
    exit code; an engine's own "query interrupted" error counts as Ctrl-C too).
    """
    watch_interrupts()
    try:
        app()
    except SystemExit as exc:
        if exc.code == _INTERRUPTED:
            _interrupted()
        raise
    except KeyboardInterrupt:
        _interrupted()
    except SalescopeError as exc:
        if is_interrupt(exc):
            _interrupted()
        if _state["debug"]:
            raise
        _err().print(
            clean(redact_url(exc.one_line())), markup=False, highlight=False, soft_wrap=True
        )
        sys.exit(exc.exit_code)
    except Exception as exc:
        if is_interrupt(exc):
            _interrupted()
        if _state["debug"]:
            raise
        _err().print(
            clean(
                redact_url(
                    f"error: internal error: {type(exc).__name__}: {exc} (hint: rerun with "
                    "--debug and report it)"
                )
            ),
            markup=False,
            soft_wrap=True,
        )
        sys.exit(1)


_INTERRUPTED = 130


def _interrupted() -> NoReturn:
    """``interrupted`` on stderr and exit 130 at once: the exit handlers run (the scratch
    folder goes), the interpreter's teardown is skipped (after a large read its final
    garbage collection alone took seconds; Ctrl-C must stop the run within one or two)."""
    import atexit
    import os
    from contextlib import suppress

    with suppress(OSError):  # a closed pipe must not turn Ctrl-C into a traceback
        _err().print("interrupted", markup=False, highlight=False)
        sys.stdout.flush()
        sys.stderr.flush()
    atexit._run_exitfuncs()
    os._exit(_INTERRUPTED)


if __name__ == "__main__":
    main()
