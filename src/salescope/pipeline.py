"""One run, end to end: read -> map roles -> validate -> metrics/analysis -> Report."""

from __future__ import annotations

import dataclasses
import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from pathlib import Path

from salescope._version import __version__
from salescope.analysis.breakdowns import MISSING_KEY
from salescope.analysis.models import helping
from salescope.analysis.periods import resolve_periods
from salescope.config import Config
from salescope.engine import Engine, connect
from salescope.errors import ConfigError, EmptyDataError
from salescope.facts import quality_facts
from salescope.insights.actions import build_recommendations
from salescope.insights.rules import build_insights
from salescope.lines import Lines
from salescope.metrics.kpis import Windows
from salescope.metrics.semantic import Dimension
from salescope.model import Fact, InputInfo, PeriodInfo, Report, RunInfo, SideTable, run_id
from salescope.passes import PASSES, Context, Pass, check_order
from salescope.progress import Listener, Progress, Work, notify_stage, notify_work, watch
from salescope.quality.plausibility import plausibility_checks
from salescope.quality.validate import Validation, validate
from salescope.sources.dataset import dataset_view
from salescope.sources.files import Source, read_inputs
from salescope.sources.meter import ReadMeter
from salescope.sources.side import SideTables, side_tables

log = logging.getLogger("salescope")

# stated in quality.assumptions when neither the config nor the data names the currency
NO_CURRENCY = (
    "currency not given: amounts are shown without a symbol (set it in salescope.yml, "
    "e.g. `currency: GBP`)"
)


def _noop(_: str) -> None:
    return None


class StageTimer:
    """Times the stages of a run (``run.stages``, seconds each) and tells ``progress``
    of each as it finishes: call it with a stage's name when the stage is done."""

    def __init__(self, progress: Progress = _noop) -> None:
        self.stages: dict[str, float] = {}
        self._progress = progress
        self._mark = time.perf_counter()

    def __call__(self, name: str) -> None:
        now = time.perf_counter()
        self.stages[name] = round(now - self._mark, 3)
        self._mark = now
        notify_stage(self._progress, name, self.stages[name])


@dataclass(frozen=True)
class Loaded:
    """What reading and validation give the analyses."""

    validation: Validation
    inputs: tuple[InputInfo, ...]
    side: SideTables


def load(
    inputs: Sequence[str | Path],
    config: Config,
    engine: Engine,
    today: date,
    stage: Callable[[str], None] = _noop,
    progress: Progress = _noop,
) -> Loaded:
    """Read the inputs, validate the sales lines and normalise the side tables.

    What the readers decided (encoding, delimiter, joins, side tables ...) opens the
    assumptions. A ``progress`` :class:`~salescope.progress.Listener` hears how far
    reading (bytes of the input files) and validation (the running query) have got.
    """
    named = [(spec, kind) for kind, specs in config.side_tables.items() for spec in specs]
    specs = [str(p) for p in inputs]
    if not isinstance(progress, Listener):  # nobody to tell how far it got: nothing measured
        source = read_inputs(engine, specs, named, config.declared_joins(), config.ignore)
        stage("read")
        return _validated(source, config, engine, today)
    meter = ReadMeter(engine, progress, [*specs, *(spec for spec, _ in named)])
    with engine.tracking_progress(), watch(meter.poll):
        source = read_inputs(
            engine, specs, named, config.declared_joins(), config.ignore, meter.started
        )
    stage("read")
    with engine.tracking_progress(), watch(lambda: _validating(engine, progress)):
        return _validated(source, config, engine, today)


def _validating(engine: Engine, progress: Progress) -> None:
    """Report the share of the validation query running now (total 0: none measured)."""
    share = engine.query_progress()
    done, total = (0.0, 0.0) if share is None else (100 * share, 100.0)
    notify_work(progress, Work("validate", "validating", done, total, "%"))


def _validated(source: Source, config: Config, engine: Engine, today: date) -> Loaded:
    """The sales lines of ``source`` validated, with the checks and notes of reading, and
    the side tables normalised."""
    dataset = source.dataset
    rows = sum(i.rows for i in source.inputs)
    engine.fit_memory(rows)
    validation = validate(
        source.table,
        engine,
        config.mapping,
        today=today,
        rejects=source.rejects,
        date_format=config.date_format,
        decimal=config.decimal,
        columns=dataset.columns if dataset else None,
        person=dataset.person if dataset else None,
        line_types=dict(config.line_types),
        duplicates=config.quality.duplicates,
        dimensions={name: d.column for name, d in config.dimensions.items()},
        rows=rows,
    )
    q = validation.quality
    warnings = plausibility_checks(validation.lines, q, dataset)
    validation = replace(
        validation,
        quality=replace(
            q,
            checks=(*q.checks, *source.checks, *warnings),
            dataset=(dataset_view(dataset, validation.mapping, q.line_types) if dataset else None),
        ),
    )
    side = side_tables(engine, source.side, config.fiscal_year_start)
    infos = tuple(InputInfo(i.path, i.sha256, i.rows) for i in source.inputs)
    q = validation.quality
    side_notes = [_side_note(t) for t in side.infos]
    notes = [*source.notes, *side_notes, *(n for t in side.infos for n in t.notes)]
    if notes or side.infos:
        validation = replace(
            validation,
            quality=replace(q, assumptions=(*notes, *q.assumptions), side_tables=side.infos),
        )
    return Loaded(validation, infos, side)


def _side_note(t: SideTable) -> str:
    left = t.rows - t.rows_used
    if not left:
        return f"{t.path}: {t.rows:,} rows used"
    return (
        f"{t.path}: {t.rows_used:,} of {t.rows:,} rows used; {left:,} without a readable "
        "date, period or required value were left out"
    )


def filter_lines(validation: Validation, text: str) -> tuple[Lines, str]:
    """The accepted lines that match ``--where`` (checked against the lines' columns and
    the source headers mapped to them), with the note the report states."""
    from salescope.filters import check_values, parse_where

    lines, mapping = validation.lines, validation.mapping
    t = lines.table
    known = {c.lower(): c for c in t.columns if not c.startswith("_")}
    for role in list(known.values()):
        source = mapping.column(role)
        if source is not None:
            known.setdefault(source.strip().lower(), role)
    where = parse_where(text, known)
    kept = where.apply(t, known)
    row = kept.aggregate(n=kept.count()).to_pyarrow().to_pylist()[0]
    warnings = check_values(where, t, known)
    if not row["n"]:
        raise EmptyDataError(
            f"--where {where} matches none of the {validation.quality.rows_accepted:,} "
            "accepted lines" + (f" ({warnings[0].removeprefix('--where: ')})" if warnings else ""),
            hint="check the values with `salescope inspect`; text comparisons are exact",
        )
    note = (
        f"only the lines where {where}: {row['n']:,} of {validation.quality.rows_accepted:,} "
        "accepted lines; new customers are those whose first purchase among these lines "
        "falls in the period"
    )
    if warnings:
        note += "; " + "; ".join(w.removeprefix("--where: ") for w in warnings)
    # the export's span stays the data's span: a member without sales in its first weeks
    # is still compared with the previous period, at what it sold then
    return Lines(kept, lines.roles, lines.data_start, lines.data_end), note


def member_filters(
    report: Report, by: str, base: str | None = None
) -> tuple[list[tuple[str, str]], int]:
    """``(member, --where text)`` for each listed member of ``report``'s ``by`` breakdown,
    largest first, combined with the run's own filter ``base``; and how many members are left
    without a report (beyond the listed ones, or without a value)."""
    breakdown = report.breakdown(by)
    if breakdown is None or by == "product":
        found = [b.role for b in report.breakdowns if b.role != "product"]
        raise ConfigError(
            f"--by {by}: the report has no {by} breakdown to split by",
            hint="split by one of: "
            + (", ".join(found) or "none in this data")
            + "; a column of your own goes under dimensions: in salescope.yml",
        )
    listed = [m.key for m in breakdown.rows if m.key != MISSING_KEY]
    out = []
    for key in listed:
        clause = f"{by} = '{key.replace(chr(39), chr(39) * 2)}'"
        out.append((key, clause if not base else f"({base}) and {clause}"))
    return out, breakdown.members - len(listed)


def validate_inputs(
    inputs: Sequence[str | Path],
    config: Config,
    engine: Engine,
    today: date,
    stage: Callable[[str], None] = _noop,
    progress: Progress = _noop,
) -> tuple[Validation, tuple[InputInfo, ...]]:
    """Read and validate only (``salescope validate``); ``stage`` is told when reading and
    validation finish (a :class:`StageTimer` times them), ``progress`` as in :func:`run`."""
    loaded = load(inputs, config, engine, today, stage, progress)
    stage("validate")
    return loaded.validation, loaded.inputs


def run(
    inputs: Sequence[str | Path],
    config: Config | None = None,
    *,
    period: str | None = None,
    engine: str | Engine = "duckdb",
    clock: Callable[[], datetime] | None = None,
    progress: Progress = _noop,
    passes: tuple[Pass, ...] = PASSES,
) -> Report:
    """Compute a full report for ``inputs``: read and validate, then run ``passes`` (the
    analyses, :data:`salescope.passes.PASSES`) in order, then the insights.

    ``progress`` is called with a message as each step starts. When it is also a
    :class:`salescope.progress.Listener`, it is told each stage's seconds as the stage
    finishes (the names and times of ``run.stages``) and how far reading and validation
    have got.

    >>> report = run(["sales.csv"], period="2024-Q3")  # doctest: +SKIP
    >>> report.kpi("revenue").value  # doctest: +SKIP
    """
    with helping():  # statsmodels loads in a process of its own while the input is read
        return _run(inputs, config, period, engine, clock, progress, passes)


def _run(
    inputs: Sequence[str | Path],
    config: Config | None,
    period: str | None,
    engine: str | Engine,
    clock: Callable[[], datetime] | None,
    progress: Progress,
    passes: tuple[Pass, ...],
) -> Report:
    check_order(passes)
    config = config or Config()
    if period is not None:
        config = config.model_copy(update={"period": period})
    now = (clock or (lambda: datetime.now(UTC)))()
    started = time.perf_counter()
    eng = engine if isinstance(engine, Engine) else connect(engine, config.memory_limit)

    stage = StageTimer(progress)
    progress("reading and validating inputs")
    loaded = load(inputs, config, eng, now.date(), stage, progress)
    validation, infos, side = loaded.validation, loaded.inputs, loaded.side
    stage("validate")
    lines = validation.lines
    filter_note = None
    if config.where:
        lines, filter_note = filter_lines(validation, config.where)
        stage("filter")
    periods = resolve_periods(
        config.period,
        lines.data_start,
        lines.data_end,
        config.fiscal_year_start,
        config.compare,
        config.as_of,
    )
    if periods.current.end < lines.data_start or periods.current.start > lines.data_end:
        raise EmptyDataError(
            f"period {periods.current.label} ({periods.current.start}..{periods.current.end}) "
            f"holds no data; the data covers {lines.data_start}..{lines.data_end}",
            hint="pick a period inside the data, or use --period all",
        )

    context = Context(
        lines=lines,
        periods=periods,
        windows=Windows.of(periods, lines.data_start, config.fiscal_year_start),
        config=config,
        engine=eng,
        side=side,
        dimensions=(
            *config.custom_dimensions(),
            *(Dimension(name, name, label) for name, label in validation.dimensions),
        ),
    )
    facts: dict[str, Fact] = {}
    for p in passes:
        progress(p.doing)
        context.needs = p.needs
        result = context.results[p.name] = p.compute(context)
        if p.publish is not None and result is not None:
            p.publish(facts, result)
        stage(p.name)

    q = validation.quality
    assumptions = list(q.assumptions) + context.notes
    if validation.dimensions:
        assumptions.append(
            "columns read as breakdowns of their own (few distinct values, no other role): "
            + ", ".join(label for _, label in validation.dimensions)
            + "; list one under `ignore:` in salescope.yml to leave it out, or under "
            "`dimensions:` to name it"
        )
    if filter_note is not None:
        assumptions.insert(0, filter_note)
    if config.config_file is not None:
        assumptions.insert(
            0,
            "settings read from salescope.yml in the working directory (pass --config to "
            "choose another file)",
        )
    currency = config.currency or validation.currency  # None: neither says, no symbol shown
    if currency is None:
        assumptions.append(NO_CURRENCY)
    if periods.previous is not None and not periods.previous.covered:
        assumptions.append(
            f"the data starts {lines.data_start}, after the previous period "
            f"{periods.previous.label} begins: no comparison with it"
        )
    quality = replace(q, assumptions=tuple(assumptions))
    prev, yoy = periods.previous, periods.yoy
    grain = periods.current.grain
    assert grain != "days", "a report period is a calendar period"
    period_info = PeriodInfo(
        label=periods.current.label,
        start=periods.current.start,
        end=periods.current.end,
        grain=grain,
        previous=(prev.label, prev.start, prev.end, prev.covered) if prev else None,
        yoy=(yoy.label, yoy.start, yoy.end) if yoy else None,
    )
    quality_facts(facts, quality)
    config_sha = config.sha256()
    info = RunInfo(
        id=run_id(now, [i.sha256 for i in infos], config_sha),
        created_at=now.isoformat(timespec="seconds"),
        salescope_version=__version__,
        engine=eng.name,
        duration_s=round(time.perf_counter() - started, 3),
        config_sha256=config_sha,
        inputs=infos,
        stages=stage.stages,
    )
    log.info("report %s computed in %.2fs", info.id, info.duration_s)
    fields = {f.name for f in dataclasses.fields(Report)}
    results = context.results
    report = Report(
        run=info,
        period=period_info,
        quality=quality,
        facts=facts,
        currency=currency,
        write_quarantine=validation.write_quarantine,
        analyses={n: r for n, r in results.items() if n not in fields},
        **{n: r for n, r in results.items() if n in fields},
    )
    thresholds = config.thresholds()
    insights = build_insights(report, thresholds)
    recommendations, target_facts = build_recommendations(report, insights, thresholds)
    return replace(
        report,
        insights=insights,
        recommendations=recommendations,
        facts={**report.facts, **target_facts},
    )
