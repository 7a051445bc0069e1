"""Reading every input into one Ibis table: the entry point of the sources stage.

An input is a file, a glob, a directory, an Excel sheet (``book.xlsx#Sheet``) or a
database URL (``sqlite:///shop.db?table=sales``). Each is read by the reader for its
format (CSV/TSV, Excel, JSON lines, Parquet, database); inputs with the same columns
are stacked, inputs with different columns are joined as a star schema.
"""

from __future__ import annotations

import csv
import glob
import logging
import zlib
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import ibis
import ibis.expr.types as ir

from salescope.engine import Engine
from salescope.errors import InputError
from salescope.sources.combine import Group, group_reads, stack
from salescope.sources.common import Read, clean_names, count, sha256_of, unreadable
from salescope.sources.database import is_url, read_database
from salescope.sources.dataset import Assembled, DeclaredJoin, build_dataset, looks_like_facts
from salescope.sources.delimited import read_delimited
from salescope.sources.excel import read_excel
from salescope.sources.jsonl import read_json
from salescope.sources.side import KIND_LABELS, detect_kind

log = logging.getLogger("salescope")

KINDS = {
    ".csv": "csv",
    ".tsv": "csv",
    ".tab": "csv",
    ".txt": "csv",
    ".xlsx": "excel",
    ".xlsm": "excel",
    ".jsonl": "json",
    ".ndjson": "json",
    ".json": "json",
    ".parquet": "parquet",
    ".pq": "parquet",
}
KIND_NAMES = {"csv": "CSV", "excel": "Excel", "json": "JSON", "parquet": "Parquet"}
COMPRESSIBLE = {"csv", "json"}  # may end in .gz
SUPPORTED = (
    "CSV/TSV (.csv, .tsv, .txt, also .gz), Excel (.xlsx), JSON lines (.jsonl, .ndjson, .json), "
    "Parquet (.parquet) and database URLs (duckdb:///file.duckdb?table=NAME, "
    "sqlite:///file.db?table=NAME)"
)


@dataclass(frozen=True)
class InputFile:
    """One input as reported in ``run.inputs``: where, its content hash and row count.

    ``rows`` counts every data row read from the input, rejected lines included.
    """

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
    It is None when every line was read. ``rows in table + rows in rejects`` is the
    number of data rows read (for a star schema: the fact table's).
    ``notes`` says what the readers decided (encoding, delimiter, sheet, joins ...).
    """

    table: ir.Table
    inputs: tuple[InputFile, ...]
    rejects: ir.Table | None = None
    notes: tuple[str, ...] = ()
    side: tuple[tuple[Group, str], ...] = ()  # side tables and their kind (see sources.side)
    dataset: Assembled | None = None  # tables, joins and each column's origin


def kind_of_path(path: Path) -> str:
    """The reader for a file, from its extension (``.csv.gz`` is a CSV)."""
    suffixes = [s.lower() for s in path.suffixes]
    suffix = suffixes[-1] if suffixes else ""
    compressed = suffix == ".gz" and len(suffixes) > 1
    kind = KINDS.get(suffixes[-2] if compressed else suffix)
    if kind is not None and (not compressed or kind in COMPRESSIBLE):
        return kind
    hint = f"salescope reads {SUPPORTED}"
    if suffix == ".xls":
        hint = "save the workbook as .xlsx (or export the sheet as CSV)"
    raise InputError(
        f"unsupported file type {path.suffix or '(none)'!r} for {str(path)!r}", hint=hint
    )


def expand(spec: str) -> list[Path]:
    """A path, a glob or a directory -> the files it names, sorted."""
    path = Path(spec)
    if any(ch in spec for ch in "*?[") and not path.exists():
        files = sorted(Path(p) for p in glob.glob(spec, recursive=True) if Path(p).is_file())
        if not files:
            raise InputError(f"no file matches {spec!r}", hint="check the pattern and quote it")
        return files
    if path.is_dir():
        files = sorted(
            p
            for p in path.rglob("*")
            if p.is_file() and not p.name.startswith((".", "_")) and _known(p)
        )
        if not files:
            raise InputError(
                f"directory {spec!r} holds no data files",
                hint=f"salescope reads {SUPPORTED}",
            )
        return files
    if not path.exists():
        raise InputError(f"input file {spec!r} not found", hint="check the path")
    return [path]


def _known(path: Path) -> bool:
    try:
        kind_of_path(path)
    except InputError:
        return False
    return True


def split_sheet(spec: str) -> tuple[str, str | None]:
    """``book.xlsx#Q3 sales`` -> (``book.xlsx``, ``Q3 sales``); a path holding '#' stays."""
    if "#" not in spec or Path(spec).exists():
        return spec, None
    path, sheet = spec.rsplit("#", 1)
    if kind_of_path(Path(path)) != "excel":
        raise InputError(
            f"{spec!r}: only Excel files take a sheet name after '#'",
            hint="use book.xlsx#Sheet, or drop the '#...' part",
        )
    return path, sheet


def read_parquet(engine: Engine, path: Path) -> Read:
    """Parquet is read in place by the engine (no copy)."""
    try:
        table = engine.con.read_parquet(str(path))  # type: ignore[attr-defined]
        rows = count(table)
    except Exception as exc:
        raise unreadable(str(path), "Parquet", exc) from exc
    return Read(str(path), sha256_of(path), table, rows)


def read_file(engine: Engine, path: Path, sheet: str | None = None) -> Read:
    """One file, by the reader its extension names."""
    kind = kind_of_path(path)
    if path.is_file() and path.stat().st_size == 0:
        raise InputError(f"{str(path)!r} is empty", hint="export the data again")
    try:
        if kind == "csv":
            read = read_delimited(engine, path)
        elif kind == "excel":
            read = read_excel(engine, path, sheet)
        elif kind == "json":
            read = read_json(engine, path)
        else:
            read = read_parquet(engine, path)
    except InputError:
        raise
    except (OSError, EOFError, ValueError, csv.Error, zlib.error) as exc:
        # The Python-side passes (gzip, decoding, sniffing) on a broken file.
        raise unreadable(str(path), KIND_NAMES[kind], exc) from exc
    if not read.table.columns:
        raise InputError(f"{read.label!r} has no columns", hint="is the file empty?")
    return tidy_names(read)


def tidy_names(read: Read) -> Read:
    """Column names without control characters or blanks, unique (readers that go through
    SQL clean them already; this catches Parquet files and database tables)."""
    names = list(read.table.columns)
    clean = clean_names(names)
    renames = {new: old for new, old in zip(clean, names, strict=True) if new != old}
    if not renames:
        return read
    note = f"{read.label}: {len(renames)} column name(s) cleaned of control characters or blanks"
    return replace(read, table=read.table.rename(renames), notes=(*read.notes, note))


def read_spec(engine: Engine, spec: str) -> list[Read]:
    if is_url(spec):
        return read_database(engine, spec)
    path, sheet = split_sheet(spec)
    return [read_file(engine, p, sheet) for p in expand(path)]


def read_inputs(
    engine: Engine,
    specs: list[str],
    side_specs: Sequence[tuple[str, str]] = (),
    joins: Sequence[DeclaredJoin] = (),
    ignore: Sequence[str] = (),
) -> Source:
    """Read every input; stack inputs with the same columns, join a star schema otherwise.

    Inputs whose columns name a side table (marketing spend, campaigns, quotas,
    inventory) are set aside for the analyses; ``side_specs`` names more of them, with
    their kind, as ``salescope.yml`` does.

    >>> source = read_inputs(connect("duckdb"), ["sales.csv"])  # doctest: +SKIP
    >>> source.inputs[0].rows  # doctest: +SKIP
    """
    if not specs:
        raise InputError(
            "no input given", hint="pass one or more files: salescope report sales.csv"
        )
    reads = [read for spec in specs for read in read_spec(engine, spec)]
    notes = [note for read in reads for note in read.notes]
    groups = []
    side: list[tuple[Group, str]] = []
    for members in group_reads(reads):
        group, stacked = stack(members)
        notes += stacked
        kind = None if looks_like_facts(group.table) else detect_kind(group.table)
        if kind is None:
            groups.append(group)
        else:
            side.append((group, kind))
            notes.append(f"{group.label} holds {KIND_LABELS[kind]} (a side table)")
    for spec, kind in side_specs:
        for read in read_spec(engine, spec):
            side.append((Group((read,), read.table), kind))
            reads.append(read)
            notes.append(f"{read.label} holds {KIND_LABELS[kind]} (named in salescope.yml)")
    if not groups:
        raise InputError(
            "no input looks like sales lines (a date column and an amount, quantity or "
            "price column); only side tables were given: " + ", ".join(g.label for g, _ in side),
            hint="pass the sales export too: salescope report sales.csv marketing_spend.csv",
        )
    whole_db = {r.label for r in reads if is_url(r.label) and "#" in r.label}
    optional = frozenset(g.label for g in groups if all(r.label in whole_db for r in g.reads))
    assembled = build_dataset(groups, joins, ignore, optional)
    fact, table = assembled.fact, assembled.table
    notes += assembled.notes
    for group in groups:
        if group is not fact and group.rejects:
            notes.append(
                f"{group.label}: its rejected lines are left out (a lookup table's lines "
                "are not sales lines)"
            )
    rejects = fact.rejects
    reject_table = ibis.union(*rejects, distinct=False) if len(rejects) > 1 else None
    if len(rejects) == 1:
        reject_table = rejects[0]
    inputs = tuple(InputFile(r.label, r.sha256, r.rows) for r in reads)
    log.info("read %d input(s), %d rows", len(reads), fact.rows)
    for note in notes:
        log.info("%s", note)
    return Source(table, inputs, reject_table, tuple(notes), tuple(side), assembled)
