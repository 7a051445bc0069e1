"""CSV/TSV: any common delimiter and encoding, ragged lines kept as rejects.

Python looks at the bytes first (:mod:`salescope.sources.text`) and decides encoding,
delimiter and header line; the engine then parses the file with those options fixed.
Numbers keep the engine's sniffed types, but dates are left as text: the validation
stage decides each date column's format itself (``01/02/2024`` is not for a CSV
reader to guess). A UTF-8 file with a few bytes that are not valid UTF-8 is read as
UTF-8 with each such byte as U+FFFD, and the rows holding one are flagged
(``invalid_utf8``, docs/quality.md).
"""

from __future__ import annotations

import logging
import shutil
from collections import deque
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import replace
from pathlib import Path
from typing import Any

import ibis
import ibis.expr.types as ir

from salescope.engine import Engine
from salescope.errors import InputError, first_line, stop_on_interrupt
from salescope.sources.common import (
    Read,
    RejectWriter,
    clean_names,
    count,
    duckdb_tidy,
    sha256_of,
    spark_table,
    temporary,
    unreadable,
)
from salescope.sources.text import (
    DELIMITER_NAMES,
    UTF8,
    Encoding,
    TextLayout,
    examine_encoding,
    grouping_of,
    invalid_utf8,
    open_bytes,
    physical_lines,
    read_sample,
    record_lines,
    records,
    sniff_layout,
    text_lines,
    transcode,
    ungroup,
)

log = logging.getLogger("salescope")

# Types DuckDB may give a column; DATE, TIME and TIMESTAMP are left out on purpose.
TYPE_CANDIDATES = "['BOOLEAN', 'BIGINT', 'DOUBLE', 'VARCHAR']"
# Reject reasons (documented in docs/quality.md): a line that cannot be split into the
# header's fields (too few, too many, broken quoting) is a ragged row; anything else the
# parser refused (invalid characters, an over-long line, a value of the wrong type) is
# an unreadable row.
DUCKDB_REASONS = {
    "MISSING COLUMNS": "ragged_row",
    "TOO MANY COLUMNS": "ragged_row",
    "UNQUOTED VALUE": "ragged_row",
}
UNREADABLE = "unreadable_row"
CORRUPT = "_salescope_corrupt"
INDEX = "_salescope_index"


def read_delimited(engine: Engine, path: Path) -> Read:
    """Read one CSV/TSV file (optionally ``.gz``) into the engine."""
    label = str(path)
    encoding, damage = examine_encoding(path)
    sample = read_sample(path, encoding)
    preferred = "\t" if ".tsv" in (s.lower() for s in path.suffixes) else ","
    layout = sniff_layout(sample, preferred)
    if layout is None:
        raise InputError(
            f"{label!r} is empty", hint="export the data again with a header row and data rows"
        )
    notes = [
        f"{path.name}: encoding {encoding.label}, delimiter {DELIMITER_NAMES[layout.delimiter]}"
        + (f", header on line {layout.header_line}" if layout.header_line > 1 else "")
    ]
    checks = invalid_utf8(path.name, damage, layout.header_line, notes) if damage else ()
    rejects = RejectWriter(engine, label, path.name)
    grouping = grouping_of(sample, layout)
    with ExitStack() as stack:
        source = path
        if grouping is not None:  # a grouped report: read a plain copy of its table
            source = stack.enter_context(temporary(engine, ".csv"))
            ungroup(path, encoding, layout, grouping, source)
            encoding, layout = UTF8, replace(layout, header_line=1)
            notes.append(grouping.note(path.name))
        elif encoding.engine_name is None:
            source = stack.enter_context(temporary(engine, ".csv"))
            transcode(path, encoding, source)
            encoding = UTF8
            if damage is None:
                notes.append(f"{path.name}: converted to UTF-8 for reading")
        if engine.is_duckdb:
            table = _duckdb_attempts(engine, path, source, encoding, layout, rejects, notes, stack)
        else:
            offset = layout.header_line - 1
            if offset:  # Spark cannot skip lines above the header: read a copy without them
                trimmed = stack.enter_context(temporary(engine, ".csv"))
                _drop_lines(source, trimmed, offset)
                source, layout = trimmed, replace(layout, header_line=1)
            table = _spark(engine, source, encoding, layout, rejects, offset)
        reject_table = rejects.finish()
    note = rejects.note()
    if note:
        notes.append(note)
    rows = count(table) + rejects.count
    return Read(label, sha256_of(path), table, rows, reject_table, tuple(notes), checks)


def _duckdb_attempts(
    engine: Engine,
    original: Path,
    path: Path,
    encoding: Encoding,
    layout: TextLayout,
    rejects: RejectWriter,
    notes: list[str],
    stack: ExitStack,
) -> ir.Table:
    """Typed read; else with line endings made uniform; else every column as text.

    DuckDB's strict parser (needed so surplus fields are rejected, not cut off) stops
    at mixed line endings or a quote left open; each retry fixes one of those.
    """
    try:
        return _duckdb(engine, path, encoding, layout, rejects, typed=True)
    except _ReadFailed as exc:
        log.info("reading %s failed (%s); retrying with uniform line endings", path, exc)
    uniform = stack.enter_context(temporary(engine, ".csv"))
    transcode(path, encoding, uniform, uniform_newlines=True)
    name = original.name
    try:
        table = _duckdb(engine, uniform, UTF8, layout, rejects, typed=True)
        notes.append(f"{name}: line endings (CR, LF, CRLF) were made uniform to read it")
        return table
    except _ReadFailed as exc:
        log.info("reading %s failed (%s); reading every column as text", path, exc)
    try:
        table = _duckdb(engine, uniform, UTF8, layout, rejects, typed=False)
    except _ReadFailed as exc:
        raise unreadable(str(original), "CSV", exc.__cause__ or exc) from exc
    notes.append(f"{name}: broken quoting defeated type detection, so every column is read as text")
    return table


class _ReadFailed(Exception):
    """DuckDB refused the file with these options."""


def _lit(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def header_names(sample: str, layout: TextLayout) -> list[str]:
    """The header's names, cleaned: blanks named, duplicates numbered."""
    lines = text_lines(sample)[layout.header_line - 1 :]
    return clean_names((records(lines[:50], layout.delimiter) or [[]])[0])


def _duckdb(
    engine: Engine,
    path: Path,
    encoding: Encoding,
    layout: TextLayout,
    rejects: RejectWriter,
    typed: bool,
) -> ir.Table:
    """``read_csv`` into a new table with rejected lines stored, then moved to ``rejects``."""
    con: Any = engine.con
    name = ibis.util.gen_name("salescope_csv")
    errors, scans = f"{name}_errors", f"{name}_scans"
    options = [
        f"delim={_lit(layout.delimiter)}",
        "quote='\"'",
        "escape='\"'",
        "header=true",
        f"skip={layout.header_line - 1}",
        f"encoding={_lit(encoding.engine_name or 'utf-8')}",
        "strict_mode=true",
        "store_rejects=true",
        "ignore_errors=true",
        f"rejects_table={_lit(errors)}",
        f"rejects_scan={_lit(scans)}",
    ]
    if typed:
        options += ["sample_size=-1", f"auto_type_candidates={TYPE_CANDIDATES}"]
    else:
        sample = read_sample(path, encoding)
        columns = ", ".join(f"{_lit(n)}: 'VARCHAR'" for n in header_names(sample, layout))
        options += ["auto_detect=false", f"columns={{{columns}}}"]
    try:
        con.raw_sql(
            f"CREATE TEMP TABLE {name} AS SELECT * FROM read_csv({_lit(str(path))}, "
            + ", ".join(options)
            + ")"
        )
    except Exception as exc:
        stop_on_interrupt(exc)
        con.raw_sql(f"DROP TABLE IF EXISTS {errors}; DROP TABLE IF EXISTS {scans}")
        raise _ReadFailed(first_line(exc)) from exc
    # One reject per record (a short line is reported once per missing column), in file
    # order; NULLS FIRST keeps rows without a position (none seen so far) out of the way.
    cursor = con.raw_sql(
        "SELECT line_byte_position, min(line), list(DISTINCT error_type), any_value(csv_line) "
        f"FROM {errors} GROUP BY line_byte_position ORDER BY line_byte_position NULLS FIRST"
    )
    _store(path, encoding, cursor, rejects)
    con.raw_sql(f"DROP TABLE IF EXISTS {errors}; DROP TABLE IF EXISTS {scans}")
    return con.table(duckdb_tidy(engine, name))  # type: ignore[no-any-return]


def _store(path: Path, encoding: Encoding, cursor: Any, rejects: RejectWriter) -> None:
    """DuckDB's reject rows -> rejects with the line each record starts on in the file.

    The rows are streamed from the cursor and the file is scanned once alongside them.
    """
    pending: deque[tuple[int, list[str], str]] = deque()

    def positions() -> Iterator[int]:
        while batch := cursor.fetchmany(10_000):
            for position, line, types, raw in batch:
                if position is None:
                    _add(rejects, line, types, raw)
                else:
                    pending.append((line, types, raw))
                    yield int(position)

    for exact in physical_lines(path, encoding, positions()):
        _, types, raw = pending.popleft()
        _add(rejects, exact, types, raw)


def _add(rejects: RejectWriter, line: int | None, types: list[str], raw: str | None) -> None:
    reason = next((DUCKDB_REASONS[t] for t in types if t in DUCKDB_REASONS), UNREADABLE)
    rejects.add(line, (raw or "").strip("\r\n"), reason)


def _drop_lines(source: Path, target: Path, lines: int) -> None:
    """Copy ``source`` to ``target`` without its first ``lines`` lines, streaming."""
    with open_bytes(source) as read, target.open("wb") as write:
        for _ in range(lines):
            read.readline()
        shutil.copyfileobj(read, write)


def _spark(
    engine: Engine,
    path: Path,
    encoding: Encoding,
    layout: TextLayout,
    rejects: RejectWriter,
    line_offset: int = 0,
) -> ir.Table:
    """PERMISSIVE read with a corrupt-record column; dates and timestamps kept as text."""
    from pyspark.sql import types as T  # shared by local sessions and Spark Connect

    session = engine.spark_session
    F = engine.spark_functions()
    options = {
        "sep": layout.delimiter,
        "header": "true",
        "quote": '"',
        "escape": '"',
        "multiLine": "true",  # quoted fields may hold line breaks
        "mode": "PERMISSIVE",
        "encoding": "ISO-8859-1" if encoding.engine_name == "latin-1" else "UTF-8",
    }
    try:
        inferred = session.read.options(**options, inferSchema="true").csv(str(path)).schema
        textual = (T.DateType, T.TimestampType, T.TimestampNTZType)
        fields = [
            T.StructField(f.name, T.StringType() if isinstance(f.dataType, textual) else f.dataType)
            for f in inferred.fields
        ]
        schema = T.StructType([*fields, T.StructField(CORRUPT, T.StringType())])
        frame = (
            session.read.options(**options, columnNameOfCorruptRecord=CORRUPT)
            .schema(schema)
            .csv(str(path))
            .withColumn(INDEX, F.monotonically_increasing_id())
            .cache()
        )
        bad = frame.filter(F.col(CORRUPT).isNotNull()).select(INDEX, CORRUPT).orderBy(INDEX)
        has_bad = bool(bad.limit(1).count())
    except Exception as exc:
        stop_on_interrupt(exc)
        raise unreadable(str(path), "CSV", exc) from exc
    if has_bad:
        # Spark does not say where a record starts: find its line with the same split in
        # Python (one streamed pass, only when there is something to place).
        raws: deque[str] = deque()

        def indexes() -> Iterator[int]:
            for row in bad.toLocalIterator():
                raws.append(row[CORRUPT])
                yield int(row[INDEX])

        located = record_lines(path, encoding, layout.delimiter, indexes())
        for _, line, width in located:
            raw = raws.popleft()
            reason = "ragged_row" if width != layout.fields else UNREADABLE
            rejects.add(None if line is None else line + line_offset, raw.strip("\r\n"), reason)
    good = frame.filter(F.col(CORRUPT).isNull()).drop(CORRUPT, INDEX)
    good = good.toDF(*clean_names(good.columns))
    return engine.materialize(spark_table(engine, good))
