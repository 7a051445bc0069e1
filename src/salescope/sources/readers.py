"""Reading one input spec with the reader for its format.

A spec is a file, a glob, a directory, an Excel sheet (``book.xlsx#Sheet``) or a
database URL (``sqlite:///shop.db?table=sales``); it gives one :class:`Read` per table.
Both the sales inputs (:mod:`salescope.sources.files`) and the side tables
(:mod:`salescope.sources.side`) are read through :func:`read_spec`.
"""

from __future__ import annotations

import csv
import glob
import zlib
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

from salescope.engine import Engine
from salescope.errors import InputError, stop_on_interrupt
from salescope.narrative import format as fmt
from salescope.sources.common import Read, clean_names, count, sha256_of, unreadable
from salescope.sources.database import is_url, read_database
from salescope.sources.delimited import read_delimited
from salescope.sources.excel import read_excel
from salescope.sources.jsonl import read_json

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
            if p.is_file()
            and not p.name.startswith((".", "_"))
            and not _in_report(p, path)
            and _known(p)
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


# the marker of a salescope output folder (salescope.render.folder.MARKER)
_REPORT_MARKER = ".salescope.json"


def _in_report(path: Path, top: Path) -> bool:
    """Whether ``path`` is a salescope report's file: inside a report folder below ``top``
    (its CSV tables, its ``previous/`` ...), or in ``top``'s own ``previous/`` or
    ``earlier/`` when ``top`` is one. A report's tables are never read as data."""
    parents = path.relative_to(top).parents
    folders = [top / p for p in list(parents)[:-1]]  # below top, innermost first
    if any((f / _REPORT_MARKER).is_file() for f in folders):
        return True
    first = path.relative_to(top).parts[0]
    return first in ("previous", "earlier") and (top / _REPORT_MARKER).is_file()


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
        stop_on_interrupt(exc)
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
    note = (
        f"{read.label}: {fmt.plural(len(renames), 'column name')} cleaned of control "
        "characters or blanks"
    )
    return replace(read, table=read.table.rename(renames), notes=(*read.notes, note))


def read_spec(
    engine: Engine, spec: str, started: Callable[[Path], None] | None = None
) -> list[Read]:
    """Every table ``spec`` names; ``started`` is told of each file before it is read."""
    if is_url(spec):
        return read_database(engine, spec)
    path, sheet = split_sheet(spec)
    reads = []
    for file in expand(path):
        if started is not None:
            started(file)
        reads.append(read_file(engine, file, sheet))
    return reads


def spec_files(spec: str) -> list[Path]:
    """The files ``spec`` names (none for a database URL), without reading them; empty
    when it names none, which reading it then reports."""
    if is_url(spec):
        return []
    try:
        return expand(split_sheet(spec)[0])
    except InputError:
        return []
