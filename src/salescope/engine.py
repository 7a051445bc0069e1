"""Connecting to the compute engine. The only module that knows which backend runs.

Everything else works on Ibis expressions, so the same pipeline runs on the
embedded DuckDB (default), PySpark (a local session, a standalone cluster or a Spark
Connect server: :mod:`salescope.spark`), or any Ibis URL.
"""

from __future__ import annotations

import atexit
import datetime
import functools
import logging
import os
import re
import shutil
import tempfile
import threading
import time
import weakref
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import ibis
import ibis.expr.datatypes as dt
import ibis.expr.types as ir
from ibis.backends import BaseBackend

from salescope import spark
from salescope.errors import ConfigError, first_line, on_stop, stop_on_interrupt

log = logging.getLogger("salescope")

# DuckDB stores the validated lines up to this many (Engine.reused).
STORE_LINES = 1_000_000
ENGINE_HELP = (
    "use duckdb (default), pyspark (local), spark://HOST:PORT (a Spark cluster), "
    "sc://HOST:PORT (Spark Connect), or an Ibis URL such as postgres://user@host/db"
)


@dataclass(frozen=True)
class Engine:
    """A connected backend and the name it is reported under."""

    name: str
    con: BaseBackend
    default_memory: bool = False  # DuckDB's memory_limit is the default (none was set)
    store_lines: int = STORE_LINES  # DuckDB stores the validated lines up to this many

    @property
    def is_duckdb(self) -> bool:
        return bool(self.con.name == "duckdb")

    @property
    def is_spark(self) -> bool:
        return bool(self.con.name == "pyspark")

    @property
    def spark_session(self) -> Any:
        """The Spark session of a pyspark engine: local, a cluster's or Spark Connect's."""
        return self.con._session  # type: ignore[attr-defined]

    def spark_functions(self) -> ModuleType:
        """``pyspark.sql.functions`` that build columns for :attr:`spark_session`."""
        return spark.functions(self.spark_session)

    def parse_date(self, text: ir.StringValue, fmt: str) -> ir.DateValue:
        """``text`` read with a strftime-style format; null where it does not fit.

        DuckDB's ``try_strptime`` and Spark's ``to_date`` (ANSI mode off) both return
        null for text that does not match or names an impossible day (Feb 30).
        """
        if self.is_duckdb:
            return _duckdb_try_strptime(text, fmt).cast("date")  # type: ignore[no-any-return]
        if self.is_spark:
            # Spark's to_date raises and catches a Java exception for each text that does
            # not fit: texts without the format's shape skip it (4x faster on the demo's
            # format detection, which tries 17 formats)
            parsed = _spark_to_date(text, java_pattern(fmt))
            return ibis.ifelse(text.re_search(date_shape(fmt)), parsed, ibis.null("date"))
        if fmt == "%Y-%m-%d":
            return text.try_cast("date")  # type: ignore[return-value]
        return text.as_timestamp(fmt).date()  # other backends: strict parsing

    def query_progress(self) -> float | None:
        """The share (0-1) of the query running now that the engine has done, or None when
        it cannot say (no query running, no estimate yet, or not DuckDB).

        DuckDB answers this from another thread while the query runs, once
        :meth:`tracking_progress` has turned its progress tracking on.
        """
        if not self.is_duckdb:
            return None
        try:
            percent = float(self.con.con.query_progress())  # type: ignore[attr-defined]
        except Exception:  # noqa: BLE001 - a progress reading must never break a run
            return None
        return None if percent < 0 else min(percent, 100.0) / 100

    @contextmanager
    def tracking_progress(self) -> Iterator[None]:
        """DuckDB's progress tracking on for the block (without its own bar on stderr), so
        that :meth:`query_progress` has an answer; nothing on other engines."""
        if not self.is_duckdb:
            yield
            return
        self.con.raw_sql(  # type: ignore[attr-defined]
            "SET enable_progress_bar_print = false; SET progress_bar_time = 0; "
            "SET enable_progress_bar = true"
        )
        try:
            yield
        finally:
            with suppress(Exception):  # a connection an error broke must not hide that error
                self.con.raw_sql("SET enable_progress_bar = false")  # type: ignore[attr-defined]

    def fit_memory(self, lines: int) -> None:
        """Size DuckDB's default ``memory_limit``, once the input of ``lines`` lines is read,
        to what its loaded tables hold and the work ahead (:func:`fitted_memory`); a limit
        set in salescope.yml or the engine URL stays."""
        if self.is_duckdb and self.default_memory:
            limit = fitted_memory(lines, self.held_bytes())
            self.con.raw_sql(f"SET memory_limit = '{limit}'")  # type: ignore[attr-defined]

    def held_bytes(self) -> int:
        """Bytes of memory DuckDB's tables hold now: the inputs loaded into it (text, Excel,
        JSON); a Parquet file or an attached database is read where it is and holds none."""
        (held,) = self.con.raw_sql(  # type: ignore[attr-defined]
            "SELECT coalesce(sum(memory_usage_bytes), 0) FROM duckdb_memory() "
            "WHERE tag = 'IN_MEMORY_TABLE'"
        ).fetchone()
        return int(held)

    def materialize(self, table: ir.Table) -> ir.Table:
        """Keep a table in the engine so later queries do not read the source again.

        DuckDB keeps it as a temporary table: held in memory and paged out to the spill
        folder past ``memory_limit``, never compressed into the scratch file (which took
        twice as long: 2.5M lines with their cancellations 3.4 s against 6.4-8.1 s).
        """
        if self.is_duckdb:
            name = ibis.util.gen_name("salescope")
            return self.con.create_table(name, table, temp=True)  # type: ignore[attr-defined,no-any-return]
        return table.cache()

    @contextmanager
    def stored(self, table: ir.Table) -> Iterator[ir.Table]:
        """``table`` kept (:meth:`materialize`) for the queries of one block, and dropped when
        the block ends: a stage's working table must not hold the engine's memory through
        the stages after it (at 10M lines the drivers' lines of the two periods took about
        470 MB until the end of the run)."""
        kept = self.materialize(table)
        try:
            yield kept
        except BaseException:
            with suppress(Exception):  # a connection the error broke must not hide it
                self._drop(kept)
            raise
        self._drop(kept)

    def _drop(self, kept: ir.Table) -> None:
        # written out: Ibis's drop_table fails on DuckDB's temporary tables ("syntax error
        # at end of input" with Ibis 12 and DuckDB 1.5)
        if not self.is_duckdb:
            kept.release()  # type: ignore[attr-defined]
            return
        op = kept.op()
        path = (op.namespace.catalog, op.namespace.database, op.name)  # type: ignore[attr-defined]
        self.con.raw_sql(  # type: ignore[attr-defined]
            "DROP TABLE " + ".".join('"' + p.replace('"', '""') + '"' for p in path if p)
        )

    def reused(self, table: ir.Table, rows: int | None = None) -> ir.Table:
        """``table`` (of ``rows`` rows) ready for the many queries that read it next (the
        validated lines).

        Spark plans and runs a table's whole lineage again for every query (reading the
        source, parsing dates and amounts, the validation rules): it is cached once.
        DuckDB stores it when it has at most ``store_lines`` rows: otherwise Ibis
        compiles the parsing into each of the ~90 later queries and the engine runs it
        again, the larger cost on small files. Above that, each query reads only the
        columns it needs from the stored source (at 10M lines storing every column took
        longer than it saved; benchmarks/RESULTS.md).
        """
        return self.materialize(table) if self.stores(rows) else table

    def stores(self, rows: int | None) -> bool:
        """Whether :meth:`reused` keeps the validated lines of an input of ``rows`` lines
        (unknown: not kept); otherwise each query computes them from the source."""
        return self.is_spark or (self.is_duckdb and rows is not None and rows <= self.store_lines)


@ibis.udf.scalar.builtin(name="try_strptime")  # type: ignore[untyped-decorator]
def _duckdb_try_strptime(text: str, fmt: str) -> datetime.datetime:  # type: ignore[empty-body]
    """DuckDB's try_strptime."""


@ibis.udf.scalar.builtin(name="to_date")  # type: ignore[untyped-decorator]
def _spark_to_date(text: str, fmt: str) -> datetime.date:  # type: ignore[empty-body]
    """Spark SQL's to_date(text, pattern)."""


def backend_name(expr: ir.Expr) -> str | None:
    """The name of the backend ``expr`` is bound to (``duckdb``, ``pyspark`` ...), or None
    for an unbound expression."""
    try:
        return str(expr._find_backend(use_default=True).name)
    except ibis.common.exceptions.IbisError:
        return None


def sample_distinct(col: ir.Column, where: ir.BooleanValue | None = None) -> ir.IntegerScalar:
    """How many distinct non-null values ``col`` has (where ``where`` holds), in a query
    over a bounded sample of rows.

    Spark answers the several COUNT(DISTINCT ...) of one aggregate by copying every row
    once per distinct column (its Expand step): the profile's 17 columns made 17 copies
    of its 100,000-line sample. ``size(collect_set(...))`` keeps one set of values per
    column instead (the demo's profile query: 7.4-10.2 s against 2.7-4.1 s). The sets are
    held in memory, which is why this is for bounded samples only, never a whole table.
    Other engines count distinct values as usual.
    """
    if backend_name(col) != "pyspark":
        return col.nunique(where=where)
    return _collect_set(col.type())(col, where=where).length()  # type: ignore[no-any-return]


@functools.cache
def _collect_set(dtype: dt.DataType) -> Any:
    """Spark SQL's collect_set over values of ``dtype`` (an Ibis builtin checks its types)."""

    def collect_set(values: Any) -> Any:
        """Spark SQL's collect_set: the distinct non-null values of a group."""

    return ibis.udf.agg.builtin(collect_set, signature=((dtype,), dt.Array(dtype)))


def row_hash(values: ir.StructValue) -> ir.IntegerValue:
    """A 64-bit hash of a row's values (a struct), for counting distinct rows.

    Ibis's ``hash`` is DuckDB's 64-bit hash but Spark's 32-bit Murmur3, under which n
    distinct rows share a hash about n²/2³³ times (the demo's 200,000 lines: twice), each a
    suspected copy that validation must count again exactly. On Spark this is its
    xxhash64, 64 bits as on DuckDB.
    """
    if backend_name(values) != "pyspark":
        return values.hash()
    return _xxhash64(values.type())(values)  # type: ignore[no-any-return]


@functools.cache
def _xxhash64(dtype: dt.DataType) -> Any:
    """Spark SQL's xxhash64 of one value of ``dtype``."""

    def xxhash64(value: Any) -> Any:
        """Spark SQL's xxhash64: a 64-bit hash of its arguments."""

    return ibis.udf.scalar.builtin(xxhash64, signature=((dtype,), dt.int64))


_SHAPES = {"%Y": r"[+-]?\d+", "%y": r"\d+", "%m": r"\d+", "%d": r"\d+", "%b": r"\S+", "%B": r"\S+"}


def date_shape(fmt: str) -> str:
    r"""A regular expression that every text a strftime-style format reads matches (and
    more: it only rules out texts that cannot fit).

    >>> print(date_shape("%d.%m.%Y"))
    ^\s*\d+\.\d+\.[+-]?\d+\s*$
    """
    parts = re.split(r"(%[a-zA-Z])", fmt)
    return r"^\s*" + "".join(_SHAPES.get(p, re.escape(p)) for p in parts) + r"\s*$"


_JAVA = {"%Y": "yyyy", "%y": "yy", "%m": "M", "%d": "d", "%b": "MMM", "%B": "MMMM"}


def java_pattern(fmt: str) -> str:
    """strftime-style format -> Java DateTimeFormatter pattern (for Spark).

    >>> java_pattern("%d.%m.%Y")
    'd.M.yyyy'
    """
    if fmt == "%Y%m%d":
        return "yyyyMMdd"  # fixed width: no separators to tell the fields apart
    out = fmt
    for code, pattern in _JAVA.items():
        out = out.replace(code, pattern)
    return out


# --- scratch folders and memory ----------------------------------------------------------

SCRATCH_PREFIX = "salescope-"
# $TMPDIR/salescope-<pid>-<random>: the pid tells a later run whether the owner is gone
_SCRATCH_NAME = re.compile(r"^salescope-(\d+)-[a-z0-9_]+$")
_lock = threading.Lock()
_root: Path | None = None
_root_pid = 0
_cleanup_registered = False
_started = time.time()


def scratch_root() -> Path:
    """This process's scratch folder, ``$TMPDIR/salescope-<pid>-<random>``, made on first use.

    Every scratch file of a run lives under it: DuckDB's working database and the files
    it spills to, converted inputs. It is removed at exit (after an error or Ctrl-C too)
    and on SIGTERM or SIGHUP, which then end the process as they would have. Folders a
    killed run left behind are swept when the next run makes its own.
    """
    global _root, _root_pid
    with _lock:
        if _root is None or _root_pid != os.getpid() or not _root.is_dir():
            sweep_scratch()
            _root = Path(tempfile.mkdtemp(prefix=f"{SCRATCH_PREFIX}{os.getpid()}-"))
            _root_pid = os.getpid()
            _register_cleanup()
        return _root


def remove_scratch() -> None:
    """Remove this process's scratch folder (a forked child leaves its parent's alone)."""
    global _root
    root, _root = _root, None
    if root is not None and _root_pid == os.getpid():
        shutil.rmtree(root, ignore_errors=True)


def sweep_scratch(folder: Path | None = None) -> list[Path]:
    """Remove scratch folders of salescope runs that ended without cleaning up (killed).

    Only folders named by :func:`scratch_root`, owned by this user, last changed before
    this process started, whose process is gone, are removed; returns them.
    """
    parent = Path(tempfile.gettempdir()) if folder is None else folder
    removed: list[Path] = []
    try:
        entries = list(os.scandir(parent))
    except OSError:
        return removed
    for entry in entries:
        match = _SCRATCH_NAME.match(entry.name)
        if match is None or not entry.is_dir(follow_symlinks=False):
            continue
        try:
            info = entry.stat(follow_symlinks=False)
        except OSError:
            continue
        pid = int(match[1])
        mine = hasattr(os, "getuid") and info.st_uid == os.getuid()
        if not mine or info.st_mtime >= _started or not _process_gone(pid):
            continue
        shutil.rmtree(entry.path, ignore_errors=True)
        log.info("removed the scratch folder of an earlier run: %s", entry.path)
        removed.append(Path(entry.path))
    return removed


def _process_gone(pid: int) -> bool:
    if pid == os.getpid():
        return True  # an earlier run's (pid reused, e.g. in a new container): older than us
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except OSError:
        return False  # alive, another user's
    return False


def _register_cleanup() -> None:
    global _cleanup_registered
    if _cleanup_registered:
        return
    _cleanup_registered = True
    atexit.register(remove_scratch)
    on_stop(remove_scratch)  # SIGTERM, SIGHUP: removed, then the process ends by the signal


# The default while the input is read: 2 GiB, or half of this machine's memory when that
# is less (a CSV, Excel or JSON input is loaded into DuckDB). Once it is read, the limit is
# what the loaded tables hold plus WORKING_MIB for every WORKING_LINES lines started (still
# at most half of the memory). Measured (benchmarks/RESULTS.md): 10M Parquet lines peaked
# at 1.3 GB under 2 GiB and at 954 MiB under 640 MiB in about the same time, DuckDB having
# kept pages it did not need; a 4M-line CSV (1 GB loaded) took 23% longer under a flat
# 700 MB, its loaded table spilling; at 100M lines 2 GiB made DuckDB spill its per-customer
# and windowed work (771 s against 619 s with 8 GB).
DEFAULT_MEMORY_MIB = 2048
WORKING_MIB = 640
WORKING_LINES = 10_000_000
_SIZE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(%|b|kb|mb|gb|tb|kib|mib|gib|tib)\s*$", re.IGNORECASE)
_UNITS = {u.lower(): u for u in ("B", "KB", "MB", "GB", "TB", "KiB", "MiB", "GiB", "TiB")}
MEMORY_HINT = (
    "write a size such as 4GB or 512MB, or a share of this machine's memory such as 50%; "
    "see docs/config.md"
)


def memory_limit(value: str | None = None) -> str:
    """DuckDB's ``memory_limit`` for a size (``4GB``, ``512MiB``) or a share of this
    machine's memory (``50%``); by default (while the input is read) 2 GiB, or half of the
    machine's memory when that is less. DuckDB spills what does not fit to disk.

    >>> memory_limit("4 gb")
    '4GB'
    """
    if value is None:
        return f"{min(DEFAULT_MEMORY_MIB, _half_mib())}MiB"
    text = value
    match = _SIZE.match(text)
    number = float(match[1]) if match else 0.0
    if match is None or number <= 0 or (match[2] == "%" and number > 100):
        raise ConfigError(f"invalid setting memory_limit: {text!r}", hint=MEMORY_HINT)
    if match[2] == "%":
        return f"{max(64, int(total_memory() * number / 100 / 2**20))}MiB"
    return f"{number:g}{_UNITS[match[2].lower()]}"


def fitted_memory(lines: int, held: int) -> str:
    """The default ``memory_limit`` once an input of ``lines`` lines is read: the ``held``
    bytes of its loaded tables plus 640 MiB for every 10M lines started, or half of the
    machine's memory when that is less.

    >>> fitted_memory(10_000_000, 0), fitted_memory(10_000_001, 300 * 2**20)
    ('640MiB', '1580MiB')
    """
    steps = max(1, -(-lines // WORKING_LINES))
    wanted = WORKING_MIB * steps + -(-held // 2**20)
    return f"{min(wanted, _half_mib())}MiB"


def _half_mib() -> int:
    return max(64, total_memory() // 2 // 2**20)


def total_memory() -> int:
    """Bytes of memory this process may use: the machine's, or its container's limit."""
    total = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    for limit in ("/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory/memory.limit_in_bytes"):
        try:
            text = Path(limit).read_text().strip()
        except OSError:
            continue
        if text.isdigit():
            total = min(total, int(text))
    return int(total)


def _duckdb_scratch(
    memory: str | None = None, settings: dict[str, str] | None = None
) -> BaseBackend:
    """An embedded DuckDB working in a scratch folder, within ``memory_limit``.

    Its working tables (inputs read from text, the stored lines) are temporary tables,
    paged by DuckDB's buffer manager: what does not fit within ``memory_limit`` goes to
    ``spill/`` in the folder, as do sorts and joins larger than that, so memory stays
    bounded as the data grows. The folder is removed with the connection (and with the
    scratch root at exit).
    """
    folder = Path(tempfile.mkdtemp(prefix="duckdb-", dir=scratch_root()))
    config = {"memory_limit": memory_limit(memory), "temp_directory": str(folder / "spill")}
    config.update(settings or {})
    try:
        con = ibis.duckdb.connect(folder / "scratch.duckdb", **config)
    except Exception as exc:
        stop_on_interrupt(exc)
        shutil.rmtree(folder, ignore_errors=True)
        raise ConfigError(f"cannot start DuckDB: {first_line(exc)}", hint=ENGINE_HELP) from exc
    # DuckDB draws its own bar on stderr for queries over 2 s; salescope reports progress
    # per stage, and --quiet must mean quiet (Engine.tracking_progress measures without it)
    con.raw_sql("SET enable_progress_bar = false")
    # the scratch database goes with its folder: closing it (at exit, after Ctrl-C too) need
    # not write its tables out first, which took seconds after a large read
    con.raw_sql("PRAGMA disable_checkpoint_on_shutdown")
    weakref.finalize(con, shutil.rmtree, folder, ignore_errors=True)
    return con


def _duckdb_url_settings(spec: str) -> dict[str, str] | None:
    """The DuckDB settings of a ``duckdb://`` engine URL (its query), or None for a URL that
    is no local database (MotherDuck). The database file it names is left alone: working
    tables go to the scratch database, never into the user's file."""
    parts = urlsplit(spec)
    if (parts.netloc + parts.path).lstrip("/").startswith(("md:", "motherduck:")):
        return None
    return dict(parse_qsl(parts.query))


def connect(spec: str = "duckdb", memory: str | None = None) -> Engine:
    """Open the engine named by ``--engine``; ``memory`` is DuckDB's memory limit
    (``memory_limit`` in salescope.yml; default 2 GiB, or half of the memory if less).

    ``duckdb`` and ``duckdb:///file.duckdb`` (its query may hold DuckDB settings, e.g.
    ``?threads=2``) both compute in a scratch database: nothing is written into a user's
    database file. Its tables are read with an input URL, e.g. ``duckdb:///file.duckdb?table=sales``.

    >>> connect("duckdb").name
    'duckdb'
    """
    if spec == "duckdb":
        return Engine("duckdb", _duckdb_scratch(memory), default_memory=memory is None)
    if spec.lower().startswith("duckdb://"):
        settings = _duckdb_url_settings(spec)
        if settings is not None:
            default = memory is None and "memory_limit" not in settings
            return Engine("duckdb", _duckdb_scratch(memory, settings), default_memory=default)
    if spark.is_spark(spec):  # local, a standalone cluster or Spark Connect: one name
        return Engine("pyspark", ibis.pyspark.connect(spark.session(spec)))
    if "://" in spec:
        try:
            return Engine(spec.split("://", 1)[0], ibis.connect(spec))
        except Exception as exc:
            stop_on_interrupt(exc)
            raise ConfigError(f"cannot connect to engine {spec!r}: {exc}", ENGINE_HELP) from exc
    raise ConfigError(f"unknown engine {spec!r}", hint=ENGINE_HELP)
