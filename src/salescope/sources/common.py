"""What every reader shares: its result type, rejected lines, scratch files, engine hand-over.

Readers turn one input into a :class:`Read`. Lines a reader could not split go to a
small Parquet file of rejects (written in batches, so memory stays bounded even when a
whole file is ragged) that the engine then reads like any other table.
"""

from __future__ import annotations

import hashlib
import logging
import shutil
import tempfile
import weakref
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import ibis
import ibis.expr.types as ir
import pyarrow as pa
import pyarrow.parquet as pq

from salescope.engine import Engine, scratch_root
from salescope.errors import InputError, first_line
from salescope.model import Check
from salescope.narrative import format as fmt

log = logging.getLogger("salescope")

REJECT_SCHEMA = pa.schema(
    [("_file", pa.string()), ("_line", pa.int64()), ("_raw", pa.string()), ("_reason", pa.string())]
)
_BATCH = 10_000
_SCRATCH: dict[int, Path] = {}


@dataclass(frozen=True)
class Read:
    """One input as its reader left it.

    ``rows`` counts every data row of the input, the rejected ones included, so
    ``rows == count(table) + count(rejects)``. ``checks`` are what the reader found wrong
    with rows it kept (e.g. bytes that are not valid UTF-8), for ``quality.checks``.
    """

    label: str
    sha256: str
    table: ir.Table
    rows: int
    rejects: ir.Table | None = None
    notes: tuple[str, ...] = ()
    checks: tuple[Check, ...] = ()


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def unreadable(label: str, kind: str, exc: BaseException, hint: str | None = None) -> InputError:
    """The one-line error for a file its reader choked on."""
    return InputError(
        f"cannot read {label!r} as {kind}: {first_line(exc)}",
        hint=hint or f"check that the file is a valid, uncompressed {kind} file",
    )


def scratch_dir(engine: Engine) -> Path:
    """A folder for temporary files that lives as long as the engine's connection.

    DuckDB copies what it reads into its own tables, so files there are removed right
    after; PySpark reads lazily, so its files must stay until the session goes.
    """
    key = id(engine.con)
    folder = _SCRATCH.get(key)
    if folder is None or not folder.exists():
        folder = Path(tempfile.mkdtemp(prefix="src-", dir=scratch_root()))
        _SCRATCH[key] = folder
        weakref.finalize(engine.con, _drop_scratch, key, folder)
    return folder


def _drop_scratch(key: int, folder: Path) -> None:
    _SCRATCH.pop(key, None)
    shutil.rmtree(folder, ignore_errors=True)


def scratch_file(engine: Engine, suffix: str) -> Path:
    handle = tempfile.NamedTemporaryFile(  # noqa: SIM115 - only the name is kept
        dir=scratch_dir(engine), suffix=suffix, delete=False
    )
    handle.close()
    return Path(handle.name)


@contextmanager
def temporary(engine: Engine, suffix: str) -> Iterator[Path]:
    """A scratch file that DuckDB may delete once read; PySpark keeps it for the session."""
    path = scratch_file(engine, suffix)
    try:
        yield path
    finally:
        if engine.is_duckdb:
            path.unlink(missing_ok=True)


def load_parquet(engine: Engine, path: Path, casts: dict[str, str] | None = None) -> ir.Table:
    """A Parquet file written by a reader, as a table kept in the engine."""
    table = engine.con.read_parquet(str(path))  # type: ignore[attr-defined]
    if casts:
        table = table.mutate(**{name: table[name].cast(to) for name, to in casts.items()})
    return engine.materialize(table)


class RejectWriter:
    """Collects rejected lines and writes them to Parquet in batches."""

    def __init__(self, engine: Engine, label: str, name: str | None = None) -> None:
        self.engine = engine
        self.label = label
        self.name = name or label
        self.count = 0
        self.first: list[int] = []
        self._rows: list[tuple[int | None, str, str]] = []
        self._path: Path | None = None
        self._writer: pq.ParquetWriter | None = None

    def add(self, line: int | None, raw: str, reason: str) -> None:
        self.count += 1
        if line is not None and len(self.first) < 5:
            self.first.append(line)
        self._rows.append((line, raw, reason))
        if len(self._rows) >= _BATCH:
            self._flush()

    def _flush(self) -> None:
        if not self._rows:
            return
        if self._writer is None:
            self._path = scratch_file(self.engine, ".parquet")
            self._writer = pq.ParquetWriter(str(self._path), REJECT_SCHEMA)
        lines, raws, reasons = zip(*self._rows, strict=True)
        batch = pa.record_batch(
            [
                pa.array([self.label] * len(lines)),
                pa.array(lines),
                pa.array(raws),
                pa.array(reasons),
            ],
            schema=REJECT_SCHEMA,
        )
        self._writer.write_batch(batch)
        self._rows = []

    def finish(self) -> ir.Table | None:
        """The rejects as an engine table, or None when every line was read."""
        self._flush()
        if self._writer is None or self._path is None:
            return None
        self._writer.close()
        try:
            return load_parquet(self.engine, self._path)
        finally:
            if self.engine.is_duckdb:
                self._path.unlink(missing_ok=True)

    def note(self) -> str | None:
        if not self.count:
            return None
        where = ", ".join(map(str, self.first))
        more = ", ..." if self.count > len(self.first) else ""
        return (
            f"{self.name}: {fmt.plural(self.count, 'line')} could not be split into the header's "
            "columns "
            f"(lines {where}{more}); they are kept as rejects for the quarantine"
        )


def clean_names(names: list[str]) -> list[str]:
    """Headers without control characters (a NUL in a name breaks SQL), none blank, unique."""
    out: list[str] = []
    for i, name in enumerate(names):
        clean = "".join(ch for ch in name if ch.isprintable() or ch == " ").strip()
        clean = clean or f"column_{i + 1}"
        unique, n = clean, 1
        while unique in out:
            n += 1
            unique = f"{clean}_{n}"
        out.append(unique)
    return out


def duckdb_tidy(engine: Engine, name: str) -> str:
    """Give a DuckDB table clean column names; returns the (maybe new) table's name.

    Columns are picked by position (``#1``): a name holding a NUL cannot be written in SQL.
    """
    con: Any = engine.con
    names = [str(r[0]) for r in con.raw_sql(f'DESCRIBE "{name}"').fetchall()]
    clean = clean_names(names)
    if clean == names:
        return name
    tidy = str(ibis.util.gen_name("salescope_tidy"))
    picks = ", ".join(
        f"#{i} AS " + '"' + c.replace('"', '""') + '"' for i, c in enumerate(clean, start=1)
    )
    con.raw_sql(f'CREATE TEMP TABLE "{tidy}" AS SELECT {picks} FROM "{name}"')
    con.raw_sql(f'DROP TABLE "{name}"')
    return tidy


def spark_table(engine: Engine, frame: Any) -> ir.Table:
    """A PySpark DataFrame as an Ibis table (a temporary view on the engine's session)."""
    name = ibis.util.gen_name("salescope_src")
    frame.createOrReplaceTempView(name)
    return engine.con.table(name)


def count(table: ir.Table) -> int:
    return int(table.count().to_pyarrow().as_py())
