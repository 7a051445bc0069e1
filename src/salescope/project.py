"""A report project: a salescope.yml that names the inputs, the period rule, the formats,
the output folder and the deliveries, so that ``salescope run`` does the whole job.

A run is recorded in the project's run history (:mod:`salescope.history`). A run whose
inputs, settings and period are those of the last report written into the same folder
says so and writes nothing (unless forced); otherwise the report gets a "Since the last
report" section against the last report of its rule (:mod:`salescope.since`), is written,
then delivered.

Exit codes of ``salescope run`` (docs/projects.md): 0 written or skipped, 2 a user error,
3 written but a delivery failed, 130 interrupted, 1 a bug.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from salescope._version import __version__
from salescope.analysis.periods import is_rule, rule_periods
from salescope.config import Config, load_config
from salescope.deliver.outcome import Delivery
from salescope.errors import ConfigError, SalescopeError, is_interrupt
from salescope.history import History, InputFile, RunRecord, Status

if TYPE_CHECKING:
    from salescope.engine import Engine
    from salescope.model import Report

CONFIG_NAME = "salescope.yml"
HISTORY_NAME = ".salescope-history.duckdb"  # hidden: a folder input never reads it
DEFAULT_OUT = "salescope-report"
DELIVERY_FAILED = 3
_CTRL_C = "stopped by Ctrl-C (SIGINT)"


@dataclass(frozen=True)
class Project:
    """A salescope.yml with its paths made absolute (relative ones are taken from the
    file's folder, so a project runs the same from any working directory)."""

    path: Path
    config: Config
    inputs: tuple[str, ...]
    out: Path
    history: Path

    @property
    def rule(self) -> str:
        return self.config.period


def find_project(where: Path | None) -> Path:
    """The salescope.yml of ``where`` (the file, or a folder holding one; default: the
    working directory)."""
    path = Path.cwd() if where is None else where
    if path.is_dir():
        path = path / CONFIG_NAME
    if not path.is_file():
        raise ConfigError(
            f"no report project at {str(path)!r}",
            hint="write salescope.yml with `salescope init DATA` and add `inputs:`, or pass "
            "its path: salescope run path/to/salescope.yml",
        )
    return path


def load_project(where: Path | None, **overrides: object) -> Project:
    """The project of ``where`` with command-line ``overrides`` (period, as_of ...)."""
    path = find_project(where).resolve()
    config = load_config(path, **overrides).model_copy(update={"config_file": str(path)})
    if not config.inputs:
        raise ConfigError(
            f"{path} names no inputs",
            hint="add the data to it, e.g. `inputs: [exports/sales.csv]` (paths relative to "
            "the file; globs, folders and database URLs work as on the command line)",
        )
    base = path.parent
    return Project(
        path=path,
        config=config,
        inputs=tuple(_from(base, spec) for spec in config.inputs),
        out=Path(_from(base, config.out or DEFAULT_OUT)),
        history=Path(_from(base, config.history or HISTORY_NAME)),
    )


def _from(base: Path, spec: str) -> str:
    """``spec`` relative to ``base`` unless it is absolute or a URL; ``~`` expanded."""
    if "://" in spec:
        return spec
    path = Path(spec).expanduser()
    return str(path if path.is_absolute() else base / path)


def input_files(specs: Sequence[str]) -> list[InputFile]:
    """Each file the inputs name, with its size and SHA-256, as found before the run; a
    database server's URL has no hash (its run is never taken as unchanged)."""
    from salescope.render.folder import input_paths
    from salescope.sources.common import sha256_of
    from salescope.sources.readers import expand, split_sheet

    found: list[InputFile] = []
    for spec in specs:
        if "://" in spec:
            paths = [p for p, _ in input_paths([spec]) if p.is_file()]
            found += [InputFile(spec, p.stat().st_size, sha256_of(p)) for p in paths]
            if not paths:
                found.append(InputFile(spec, None, None))
            continue
        for path in expand(split_sheet(spec)[0]):
            found.append(InputFile(str(path), path.stat().st_size, sha256_of(path)))
    return found


def fingerprint(project: Project, files: Sequence[InputFile]) -> str:
    """What makes a report the same: salescope's version, the settings, the period rule
    and the day it counts from, every input's content. ``?`` when an input has no hash."""
    if any(f.sha256 is None for f in files):
        return "?"
    cfg = project.config
    anchor = "data"
    if cfg.as_of is not None and is_rule(cfg.period):
        window = rule_periods(cfg.period, date.min, cfg.as_of, cfg.fiscal_year_start, cfg.as_of)
        anchor = f"{window[0].start}..{window[0].end}"  # one period, whatever the day
    parts = [__version__, cfg.sha256(), cfg.period, anchor]
    parts += sorted(f"{f.path}\0{f.sha256}" for f in files)
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()


@dataclass(frozen=True)
class Outcome:
    """How a run ended; ``summary()`` is the ``--json`` line."""

    status: Status
    run_id: str
    out: Path
    report: Report | None = None
    written: tuple[Path, ...] = ()
    deliveries: tuple[Delivery, ...] = ()
    reason: str | None = None
    same_as: RunRecord | None = None  # the run a skipped one matched

    @property
    def exit_code(self) -> int:
        return DELIVERY_FAILED if self.status == "delivery_failed" else 0

    def summary(self) -> dict[str, Any]:
        report = self.report
        revenue = report.kpi("revenue") if report is not None else None
        period = report.period.label if report is not None else None
        if period is None and self.same_as is not None:
            period = self.same_as.period_label
        return {
            "status": self.status,
            "exit_code": self.exit_code,
            "run_id": self.run_id,
            "period": period,
            "out": str(self.out),
            "revenue": revenue.value if revenue is not None else None,
            "currency": report.currency if report is not None else None,
            "rows_read": report.quality.rows_read if report is not None else None,
            "rows_quarantined": report.quality.rows_quarantined if report is not None else None,
            "files": len(self.written),
            "deliveries": [
                {"channel": d.channel, "target": d.target, "ok": d.ok, "reason": d.reason}
                for d in self.deliveries
            ],
            "reason": self.reason,
        }


def failure_summary(status: str, exit_code: int, reason: str) -> dict[str, Any]:
    """The ``--json`` line of a run that ended before it had an outcome."""
    return {"status": status, "exit_code": exit_code, "reason": reason}


Write = Callable[["Report", Path], tuple[Path, ...]]
Deliver = Callable[["Report", Path], Sequence[Delivery]]


def run_project(
    project: Project,
    *,
    engine: Callable[[], Engine],
    write: Write,
    deliver: Deliver | None = None,
    force: bool = False,
    progress: Callable[[str], None] = lambda _msg: None,
    clock: Callable[[], datetime] | None = None,
) -> Outcome:
    """Run ``project`` once: skip it when unchanged (unless ``force``), else compute the
    report on the engine ``engine()`` connects (only then: a skipped run starts none),
    add "Since the last report", ``write`` it into ``project.out`` (returns the files),
    ``deliver`` it, and record every step in the run history. An error or Ctrl-C is
    recorded (``failed``, ``interrupted``) and raised again."""
    from salescope.model import run_id

    history = History(project.history)
    now = (clock or (lambda: datetime.now(UTC)))()
    config = project.config
    try:
        files = input_files(project.inputs)
    except SalescopeError as exc:  # a missing input: recorded, then said
        this_run = run_id(now, list(project.inputs), config.sha256())
        history.start(this_run, **_start(project, "?", ()))
        history.finish(this_run, "failed", reason=exc.one_line())
        raise
    this_run = run_id(now, [f.sha256 or f.path for f in files], config.sha256())
    mark = fingerprint(project, files)
    last = history.last_written(project.rule, project.out)
    unchanged = last is not None and mark != "?" and last.fingerprint == mark
    if (
        not force
        and last is not None
        and unchanged
        and _still_there(project.out, last, config.formats)
    ):
        skipped = f"inputs and settings unchanged since run {last.run_id}"
        history.start(this_run, **_start(project, mark, files))
        history.finish(this_run, "skipped", reason=skipped, period=_period_of(last))
        return Outcome("skipped", this_run, project.out, reason=skipped, same_as=last)
    history.start(this_run, **_start(project, mark, files))
    try:
        from salescope.pipeline import run  # the stages' libraries: only for a run that runs
        from salescope.since import since_last, with_since_last

        report = run(
            list(project.inputs), config, engine=engine(), clock=lambda: now, progress=progress
        )
        p = report.period
        before = history.previous_report(project.rule, p.end, exclude=this_run)
        if before is not None:
            since = since_last(
                report, before.run_id, before.started_at.isoformat(), before.report()
            )
            report = with_since_last(report, since)
        progress("writing outputs")
        written = write(report, project.out)
        deliveries: tuple[Delivery, ...] = ()
        if deliver is not None:
            progress("delivering the report")
            deliveries = tuple(deliver(report, project.out))
    except KeyboardInterrupt:
        history.finish(this_run, "interrupted", reason=_CTRL_C)
        raise
    except Exception as exc:
        if is_interrupt(exc):  # the engine stopped its query for Ctrl-C and raised its own error
            history.finish(this_run, "interrupted", reason=_CTRL_C)
            raise KeyboardInterrupt from exc
        if isinstance(exc, SalescopeError):
            history.finish(this_run, "failed", reason=exc.one_line())
        else:
            history.finish(
                this_run, "failed", reason=f"internal error: {type(exc).__name__}: {exc}"
            )
        raise
    failed = [d for d in deliveries if not d.ok]
    status: Status = "delivery_failed" if failed else "ok"
    reason = "; ".join(f"{d.channel} to {d.target}: {d.reason}" for d in failed) or None
    history.finish(
        this_run,
        status,
        reason=reason,
        period=(p.label, p.start, p.end),
        report_json=_as_written(report, written, project.out),
        deliveries=deliveries,
    )
    return Outcome(status, this_run, project.out, report, written, deliveries, reason)


def _as_written(report: Report, written: Sequence[Path], out: Path) -> str:
    """The report.json the run wrote (with what a language model did to the prose), or
    the same document made from ``report`` when json is not among the formats."""
    from salescope.render.json import render_json

    if out / "report.json" in written:
        return (out / "report.json").read_text(encoding="utf-8")
    return render_json(report)


def _start(project: Project, mark: str, files: Sequence[InputFile]) -> dict[str, Any]:
    return {
        "rule": project.rule,
        "as_of": project.config.as_of,
        "config_sha256": project.config.sha256(),
        "fingerprint": mark,
        "out_dir": project.out,
        "inputs": files,
    }


def _period_of(record: RunRecord) -> tuple[str, date, date] | None:
    if record.period_label is None or record.period_start is None or record.period_end is None:
        return None
    return record.period_label, record.period_start, record.period_end


def _still_there(out: Path, record: RunRecord, formats: Sequence[str]) -> bool:
    """Whether ``out`` still holds the report ``record`` wrote (its report.json's run id;
    without report.json among the formats, whether the folder is there), so that skipping
    leaves the reader a report."""
    if "json" not in formats:
        return out.is_dir()
    try:
        current = json.loads((out / "report.json").read_text(encoding="utf-8"))
        return bool(current["run"]["id"] == record.report()["run"]["id"])
    except (OSError, ValueError, KeyError, TypeError, SalescopeError):
        return False
