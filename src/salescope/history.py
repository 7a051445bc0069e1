"""The run history of a report project: one DuckDB file that records every ``salescope run``.

Each run is a row of ``runs`` (its id, times, period rule and period, the hashes of its
inputs and settings, its status and, when a report was written, that report's report.json);
``inputs`` lists each run's files with their hashes and ``deliveries`` what each delivery
did. The file is opened for each read or write and closed at once, so ``salescope history``
can read it while another run computes.

Statuses: ``running`` (started; a run killed with SIGKILL stays so until the next run marks
it ``killed``), ``ok``, ``skipped`` (inputs and settings unchanged since the last ``ok``
run of the same period), ``delivery_failed`` (the report was written, a delivery was not
made), ``failed`` (an error; no report), ``interrupted`` (Ctrl-C; no report).
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any, Literal

import duckdb

from salescope.deliver.outcome import Delivery
from salescope.errors import ConfigError, first_line
from salescope.render.folder import alive

Status = Literal["running", "ok", "skipped", "delivery_failed", "failed", "interrupted", "killed"]
WRITTEN: tuple[Status, ...] = ("ok", "delivery_failed")  # runs that wrote a report
LOCK_WAIT = 30.0  # seconds to wait for another run's brief hold on the catalog file
# A file another run is creating: shorter than DuckDB's three 4 KiB headers and written in
# the last few seconds (DuckDB refuses it as "not a valid DuckDB database file" meanwhile).
DUCKDB_HEADERS = 3 * 4096
CREATING_S = 5.0

_SCHEMA = """
create table if not exists runs (
    run_id varchar primary key,
    started_at timestamptz not null,
    finished_at timestamptz,
    status varchar not null,
    rule varchar not null,
    as_of date,
    period_label varchar,
    period_start date,
    period_end date,
    config_sha256 varchar not null,
    fingerprint varchar not null,
    out_dir varchar not null,
    pid integer,
    reason varchar,
    report_json varchar
);
create table if not exists inputs (
    run_id varchar not null,
    path varchar not null,
    bytes bigint,
    sha256 varchar
);
create table if not exists deliveries (
    run_id varchar not null,
    channel varchar not null,
    target varchar not null,
    ok boolean not null,
    reason varchar,
    seconds double
);
"""


@dataclass(frozen=True)
class InputFile:
    """One file a run read, as found before the run (a database URL has no hash)."""

    path: str
    bytes: int | None
    sha256: str | None


@dataclass(frozen=True)
class RunRecord:
    """One run as the catalog holds it."""

    run_id: str
    started_at: datetime
    finished_at: datetime | None
    status: Status
    rule: str
    as_of: date | None
    period_label: str | None
    period_start: date | None
    period_end: date | None
    config_sha256: str
    fingerprint: str
    out_dir: str
    reason: str | None = None
    report_json: str | None = None

    def report(self) -> dict[str, Any]:
        """The run's report.json as a dict (ConfigError when the run wrote none)."""
        if self.report_json is None:
            raise ConfigError(
                f"run {self.run_id} wrote no report (status {self.status})",
                hint="pick a run whose status is ok or delivery_failed: salescope history",
            )
        data: dict[str, Any] = json.loads(self.report_json)
        return data


_COLUMNS = (
    "run_id, started_at, finished_at, status, rule, as_of, period_label, period_start, "
    "period_end, config_sha256, fingerprint, out_dir, reason, report_json"
)


class History:
    """The catalog file at ``path`` (created with its tables on first use).

    >>> history = History(Path("salescope-history.duckdb"))  # doctest: +SKIP
    >>> [r.status for r in history.runs()]  # doctest: +SKIP
    ['ok', 'skipped']
    """

    def __init__(self, path: Path) -> None:
        self.path = path

    @contextmanager
    def _connect(self, read_only: bool = False) -> Iterator[duckdb.DuckDBPyConnection]:
        if read_only and not self.path.exists():
            raise ConfigError(
                f"no run history at {str(self.path)!r}",
                hint="`salescope run` records one; name another with `history:` in "
                "salescope.yml or --history",
            )
        con = self._open(read_only)
        try:
            if not read_only:
                con.execute(_SCHEMA)
            yield con
        finally:
            con.close()

    def _open(self, read_only: bool) -> duckdb.DuckDBPyConnection:
        """A connection to the file; while another run holds it (DuckDB allows one writing
        process), tried again for up to ``LOCK_WAIT`` seconds."""
        deadline = time.monotonic() + LOCK_WAIT
        while True:
            try:
                self.path.parent.mkdir(parents=True, exist_ok=True)
                return duckdb.connect(str(self.path), read_only=read_only)
            except (OSError, duckdb.Error) as exc:
                busy = "lock" in str(exc).lower() or self._being_created(exc)
                if busy and time.monotonic() < deadline:
                    time.sleep(0.05)
                    continue
                raise ConfigError(
                    f"cannot open the run history {str(self.path)!r}: {first_line(exc)}",
                    hint="check the file's permissions, or that no other program holds it open",
                ) from exc

    def _being_created(self, exc: Exception) -> bool:
        """Whether the file DuckDB calls invalid is one another run is creating right now:
        shorter than DuckDB's headers and just written (an invalid file of the user's is
        reported at once)."""
        if "not a valid duckdb database" not in str(exc).lower():
            return False
        try:
            stat = self.path.stat()
        except OSError:
            return True  # gone since: the other run's attempt failed, or it was replaced
        fresh = time.time() - stat.st_mtime < CREATING_S
        return stat.st_size < DUCKDB_HEADERS and fresh

    def start(
        self,
        run_id: str,
        *,
        rule: str,
        as_of: date | None,
        config_sha256: str,
        fingerprint: str,
        out_dir: Path,
        inputs: Sequence[InputFile],
    ) -> None:
        """Record a run as ``running``; runs left ``running`` by a process that is gone
        become ``killed``."""
        with self._connect() as con:
            for stale, pid in con.execute(
                "select run_id, pid from runs where status = 'running'"
            ).fetchall():
                if pid is None or not alive(int(pid)):
                    con.execute(
                        "update runs set status = 'killed', reason = ? where run_id = ?",
                        ["the process ended without finishing the run", stale],
                    )
            con.execute(
                "insert into runs (run_id, started_at, status, rule, as_of, config_sha256, "
                "fingerprint, out_dir, pid) values (?, ?, 'running', ?, ?, ?, ?, ?, ?)",
                [
                    run_id,
                    _now(),
                    rule,
                    as_of,
                    config_sha256,
                    fingerprint,
                    str(out_dir),
                    os.getpid(),
                ],
            )
            if inputs:
                con.executemany(
                    "insert into inputs values (?, ?, ?, ?)",
                    [[run_id, i.path, i.bytes, i.sha256] for i in inputs],
                )

    def finish(
        self,
        run_id: str,
        status: Status,
        *,
        reason: str | None = None,
        period: tuple[str, date, date] | None = None,
        report_json: str | None = None,
        deliveries: Sequence[Delivery] = (),
    ) -> None:
        """Record how a run ended."""
        label, start, end = period if period is not None else (None, None, None)
        with self._connect() as con:
            con.execute(
                "update runs set finished_at = ?, status = ?, reason = ?, period_label = ?, "
                "period_start = ?, period_end = ?, report_json = ? where run_id = ?",
                [_now(), status, reason, label, start, end, report_json, run_id],
            )
            if deliveries:
                con.executemany(
                    "insert into deliveries values (?, ?, ?, ?, ?, ?)",
                    [[run_id, d.channel, d.target, d.ok, d.reason, d.seconds] for d in deliveries],
                )

    def runs(self, limit: int | None = None) -> list[RunRecord]:
        """The runs, newest first."""
        sql = f"select {_COLUMNS} from runs order by started_at desc, run_id desc"
        if limit is not None:
            sql += f" limit {int(limit)}"
        with self._connect(read_only=True) as con:
            return [_record(row) for row in con.execute(sql).fetchall()]

    def deliveries(self, run_id: str) -> list[Delivery]:
        with self._connect(read_only=True) as con:
            rows = con.execute(
                "select channel, target, ok, reason, seconds from deliveries where run_id = ?",
                [run_id],
            ).fetchall()
        return [Delivery(*row) for row in rows]

    def inputs(self, run_id: str) -> list[InputFile]:
        with self._connect(read_only=True) as con:
            rows = con.execute(
                "select path, bytes, sha256 from inputs where run_id = ? order by path",
                [run_id],
            ).fetchall()
        return [InputFile(*row) for row in rows]

    def get(self, ref: str) -> RunRecord:
        """A run by its id, a unique prefix of it, or ``last`` (the newest run that wrote a
        report) or ``previous`` (the one before it)."""
        runs = self.runs()
        written = [r for r in runs if r.status in WRITTEN]
        if ref in ("last", "previous"):
            index = 0 if ref == "last" else 1
            if len(written) <= index:
                raise ConfigError(
                    f"the run history holds {len(written)} run(s) with a report: no {ref!r}",
                    hint="list the runs with `salescope history`",
                )
            return written[index]
        found = [r for r in runs if r.run_id.startswith(ref)]
        if len(found) != 1:
            what = "no run" if not found else f"{len(found)} runs"
            raise ConfigError(
                f"{what} in the history matches {ref!r}",
                hint="give a run id (or a unique start of one) from `salescope history`",
            )
        return found[0]

    def last_written(self, rule: str, out_dir: Path) -> RunRecord | None:
        """The newest run of ``rule`` into ``out_dir`` that wrote a report."""
        if not self.path.exists():
            return None
        with self._connect(read_only=True) as con:
            row = con.execute(
                f"select {_COLUMNS} from runs where status in ('ok', 'delivery_failed') "
                "and rule = ? and out_dir = ? order by started_at desc limit 1",
                [rule, str(out_dir)],
            ).fetchone()
        return None if row is None else _record(row)

    def previous_report(self, rule: str, end: date, exclude: str) -> RunRecord | None:
        """The newest report of ``rule`` on a period ending by ``end`` (this run's period
        end), other than run ``exclude``: the last report a reader of this one got, or an
        earlier report on the same period when the data changed since."""
        if not self.path.exists():
            return None
        with self._connect(read_only=True) as con:
            row = con.execute(
                f"select {_COLUMNS} from runs where status in ('ok', 'delivery_failed') "
                "and rule = ? and period_end <= ? and run_id <> ? "
                "order by period_end desc, started_at desc limit 1",
                [rule, end, exclude],
            ).fetchone()
        return None if row is None else _record(row)


def _record(row: tuple[Any, ...]) -> RunRecord:
    return RunRecord(*row)


def _now() -> datetime:
    return datetime.now(UTC)
