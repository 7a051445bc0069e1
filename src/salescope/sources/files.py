"""Readers for CSV/TSV and Parquet files, globs and directories.

Files are read in place by the engine; only non-columnar formats (CSV) are
loaded once into the engine so later queries do not parse the text again.
Several files with the same columns become one table.
"""

from __future__ import annotations

import glob
import hashlib
import logging
from dataclasses import dataclass
from pathlib import Path

import ibis
import ibis.expr.types as ir

from salescope.engine import Engine
from salescope.errors import InputError

log = logging.getLogger("salescope")

CSV_SUFFIXES = {".csv", ".tsv", ".txt"}
PARQUET_SUFFIXES = {".parquet", ".pq"}
SUPPORTED = "CSV/TSV (.csv, .tsv, .txt) and Parquet (.parquet)"


@dataclass(frozen=True)
class InputFile:
    """One input as reported in ``run.inputs``: where, its content hash and row count."""

    path: str
    sha256: str
    rows: int


@dataclass(frozen=True)
class Source:
    """The raw table (original column names) and where it came from.

    ``rejects`` holds the lines a reader could not split into the table's columns
    (ragged rows, broken quoting), so they are counted and quarantined rather than
    lost: columns ``_file`` (string), ``_line`` (int64, 1-based line in the file),
    ``_raw`` (string, the line as read) and ``_reason`` (string, e.g. ``ragged_row``).
    ``notes`` says what the readers decided (encoding, delimiter, sheet, joins ...).
    """

    table: ir.Table
    inputs: tuple[InputFile, ...]
    rejects: ir.Table | None = None
    notes: tuple[str, ...] = ()


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def expand(spec: str) -> list[Path]:
    """A path, a glob or a directory -> the files it names, sorted."""
    path = Path(spec)
    if any(ch in spec for ch in "*?["):
        files = sorted(Path(p) for p in glob.glob(spec, recursive=True))
        if not files:
            raise InputError(f"no file matches {spec!r}", hint="check the pattern and quote it")
        return files
    if path.is_dir():
        files = sorted(p for p in path.rglob("*") if p.suffix.lower() in PARQUET_SUFFIXES)
        if not files:
            raise InputError(
                f"directory {spec!r} holds no Parquet files",
                hint="pass the data files themselves, e.g. data/*.csv",
            )
        return files
    if not path.exists():
        raise InputError(f"input file {spec!r} not found", hint="check the path")
    return [path]


def _kind(path: Path) -> str:
    suffix = path.suffix.lower()
    if suffix in CSV_SUFFIXES:
        return "csv"
    if suffix in PARQUET_SUFFIXES:
        return "parquet"
    raise InputError(
        f"unsupported file type {path.suffix or '(none)'!r} for {str(path)!r}",
        hint=f"salescope reads {SUPPORTED}",
    )


def _read_one(engine: Engine, path: Path, kind: str) -> ir.Table:
    con = engine.con
    try:
        if kind == "parquet":
            return con.read_parquet(str(path))  # type: ignore[attr-defined,no-any-return]
        if engine.is_duckdb:
            table = con.read_csv(  # type: ignore[attr-defined]
                str(path), sample_size=-1, strict_mode=False
            )
        else:
            table = con.read_csv(str(path))  # type: ignore[attr-defined]
        return engine.materialize(table)
    except InputError:
        raise
    except Exception as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise InputError(
            f"cannot read {str(path)!r} as {kind.upper()}: {first}",
            hint="check that the file is a valid, uncompressed " + kind.upper(),
        ) from exc


def read_inputs(engine: Engine, specs: list[str]) -> Source:
    """Read every input and stack them into one table with the first file's columns."""
    if not specs:
        raise InputError(
            "no input given", hint="pass one or more files: salescope report sales.csv"
        )
    files = [p for spec in specs for p in expand(spec)]
    tables: list[ir.Table] = []
    inputs: list[InputFile] = []
    for path in files:
        table = _read_one(engine, path, _kind(path))
        if len(table.columns) == 0:
            raise InputError(f"{str(path)!r} has no columns", hint="is the file empty?")
        rows = int(table.count().to_pyarrow().as_py())
        inputs.append(InputFile(str(path), sha256_of(path), rows))
        tables.append(table)
    table = tables[0]
    if len(tables) > 1:
        first = list(tables[0].columns)
        for path, other in zip(files[1:], tables[1:], strict=True):
            if sorted(other.columns) != sorted(first):
                raise InputError(
                    f"{str(path)!r} has other columns than {str(files[0])!r}",
                    hint="several files are read as one table and need the same header",
                )
        schema = tables[0].schema()
        aligned = [t.select(first).cast(schema) for t in tables]
        table = ibis.union(*aligned, distinct=False)
    log.info("read %d input file(s), %d rows", len(files), sum(i.rows for i in inputs))
    return Source(table, tuple(inputs))
