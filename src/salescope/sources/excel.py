"""Excel (.xlsx): one sheet, header found below any title rows, streamed to Parquet.

Neither engine reads Excel, so this is the one reader that passes rows through
Python: openpyxl streams the sheet (read-only mode) and batches of rows go to a
Parquet file the engine then reads. Cells are written as text; columns whose every
value was a real number are cast back to numbers in the engine. Date cells become
ISO text (``2024-01-05`` or ``2024-01-05 13:30:00``), like dates in a CSV.
"""

from __future__ import annotations

import logging
import math
import warnings
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time
from itertools import chain, islice
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from salescope.engine import Engine
from salescope.errors import InputError, MissingDependencyError, stop_on_interrupt
from salescope.narrative import format as fmt
from salescope.sources.common import (
    Read,
    clean_names,
    load_parquet,
    sha256_of,
    temporary,
    unreadable,
)
from salescope.sources.grouped import carry_down, find_grouping

log = logging.getLogger("salescope")

HEADER_SCAN = 30  # rows looked at to find the header
GROUPING_SCAN = 1000  # rows below it looked at to find group headings
BATCH = 10_000
RESAVE = "save it again as .xlsx (Excel 2007 or later), or export it as CSV"


@dataclass
class _Column:
    name: str
    numbers: int = 0
    integers: int = 0
    others: int = 0

    @property
    def cast(self) -> str | None:
        if not self.numbers or self.others:
            return None
        return "int64" if self.integers == self.numbers else "float64"


@dataclass
class _Layout:
    header_row: int  # 1-based row number of the header in the sheet
    columns: list[_Column] = field(default_factory=list)


def read_excel(engine: Engine, path: Path, sheet: str | None = None) -> Read:
    """Read one sheet (the first unless ``sheet`` names one) of an .xlsx workbook."""
    try:
        import openpyxl
    except ImportError as exc:
        raise MissingDependencyError(
            "reading Excel files needs openpyxl", hint="pip install openpyxl"
        ) from exc
    label = str(path) + (f"#{sheet}" if sheet else "")
    with warnings.catch_warnings():
        # openpyxl warns about styles and extensions it skips; they do not touch values
        warnings.simplefilter("ignore", UserWarning)
        try:
            book = openpyxl.load_workbook(path, read_only=True, data_only=True)
        except Exception as exc:
            stop_on_interrupt(exc)
            raise unreadable(label, "Excel", exc, RESAVE) from exc
        try:
            return _sheet(engine, book, path, label, sheet)
        finally:
            book.close()


def _sheet(engine: Engine, book: Any, path: Path, label: str, sheet: str | None) -> Read:
    names = list(book.sheetnames)
    if sheet is None:
        if not names:
            raise InputError(f"{label!r} has no sheets", hint="save a sheet with data")
        sheet = names[0]
    elif sheet not in names:
        raise InputError(
            f"{str(path)!r} has no sheet {sheet!r}; sheets: " + ", ".join(map(repr, names)),
            hint=f"name one of them after '#', e.g. '{path.name}#{names[0]}'",
        )
    return _stream(engine, path, label, sheet, book[sheet].iter_rows(values_only=True))


def _text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        if value.time() == time(0, 0):
            return value.date().isoformat()
        return value.isoformat(sep=" ")
    if isinstance(value, (date, time)):
        return value.isoformat()
    if isinstance(value, float):
        return repr(value) if math.isfinite(value) else None
    text = str(value)
    return text if text.strip() else None


def _is_text(value: Any) -> bool:
    if not isinstance(value, str) or not value.strip():
        return False
    try:
        float(value.replace(",", "."))
    except ValueError:
        return True
    return False


def find_header(rows: list[tuple[Any, ...]]) -> int | None:
    """Index of the header among the first rows: mostly text cells, as wide as the data.

    Title rows above a table ("Sales 2024", "exported on ...") hold one or two cells, so
    they are narrower than the table and are skipped.
    """
    filled = [sum(_text(v) is not None for v in row) for row in rows]
    if not any(filled):
        return None
    width = max(filled)
    for i, row in enumerate(rows):
        if filled[i] < max(2, math.ceil(width * 0.6)) and filled[i] < width:
            continue
        texts = sum(_is_text(v) for v in row)
        if texts >= 0.8 * filled[i]:
            return i
    return next(i for i, n in enumerate(filled) if n)


def _names(header: tuple[Any, ...]) -> list[str]:
    last = max((i for i, v in enumerate(header) if _text(v) is not None), default=-1)
    return clean_names([_text(v) or "" for v in header[: last + 1]])


def _stream(
    engine: Engine, path: Path, label: str, sheet: str, rows: Iterator[tuple[Any, ...]]
) -> Read:
    head: list[tuple[Any, ...]] = []
    for row in rows:
        head.append(row)
        if len(head) >= HEADER_SCAN:
            break
    at = find_header(head)
    if at is None:
        raise InputError(
            f"{label!r}: sheet {sheet!r} is empty",
            hint="pick the sheet with the data: file.xlsx#Sheet",
        )
    head.extend(islice(rows, GROUPING_SCAN))  # enough rows to see a grouped report
    header = list(head[at])
    grouping = find_grouping(
        [_text(v) for v in header],
        [[_text(v) for v in row] for row in head[at + 1 :]],
        [t for row in head[:at] for v in row if (t := _text(v))],
    )
    if grouping is not None and header:
        header[0] = grouping.name
    columns = [_Column(n) for n in _names(tuple(header))]
    width = len(columns)
    schema = pa.schema([(c.name, pa.string()) for c in columns])
    written = 0
    dropped = 0  # non-empty cells right of the last header cell
    notes = [f"{path.name}: sheet {sheet!r}, header on row {at + 1}"]
    if at:
        notes[0] += f" ({fmt.plural(at, 'row')} above it skipped)"

    def body() -> Iterator[Sequence[Any]]:
        below = chain(head[at + 1 :], rows)
        yield from below if grouping is None else carry_down(below, grouping)

    with temporary(engine, ".parquet") as target:
        writer = pq.ParquetWriter(str(target), schema)
        try:
            batch: list[list[str | None]] = [[] for _ in columns]
            for line in body():
                cells = [_text(v) for v in line]
                if not any(c is not None for c in cells):
                    continue
                dropped += sum(c is not None for c in cells[width:])
                for j, column in enumerate(columns):
                    value = line[j] if j < len(line) else None
                    cell = cells[j] if j < len(cells) else None
                    batch[j].append(cell)
                    if cell is None:
                        continue
                    if isinstance(value, (int, float)) and not isinstance(value, bool):
                        column.numbers += 1
                        column.integers += isinstance(value, int)
                    else:
                        column.others += 1
                written += 1
                if len(batch[0]) >= BATCH:
                    writer.write_batch(pa.record_batch(batch, schema=schema))
                    batch = [[] for _ in columns]
            if batch[0]:
                writer.write_batch(pa.record_batch(batch, schema=schema))
        except InputError:
            raise
        except Exception as exc:
            stop_on_interrupt(exc)
            raise unreadable(label, "Excel", exc) from exc
        finally:
            writer.close()
        casts = {c.name: cast for c in columns if (cast := c.cast)}
        table = load_parquet(engine, target, casts)
    if grouping is not None:
        notes.append(grouping.note(path.name))
    if dropped:
        notes.append(
            f"{path.name}: {fmt.plural(dropped, 'cell')} right of the last header column "
            f"{'was' if dropped == 1 else 'were'} ignored"
        )
    log.info("read %s: %d rows", label, written)
    return Read(label, sha256_of(path), table, written, None, tuple(notes))
