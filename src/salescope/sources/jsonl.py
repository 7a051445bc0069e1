"""JSON lines (.jsonl, .ndjson, .json) and JSON arrays of records.

The engine parses the file. When a line is not valid JSON, the engine would either stop
or (DuckDB's ``ignore_errors``) turn it into an empty row; instead one streamed Python
pass copies the valid lines to a scratch file and keeps the others as rejects with
their line numbers, and the engine reads the copy.
"""

from __future__ import annotations

import io
import json
import logging
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import ibis
import ibis.expr.types as ir

from salescope.engine import Engine
from salescope.errors import InputError, first_line, stop_on_interrupt
from salescope.narrative import format as fmt
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
    UTF8,
    Encoding,
    examine_encoding,
    invalid_utf8,
    open_bytes,
    read_sample,
    transcode,
)

log = logging.getLogger("salescope")

CORRUPT = "_salescope_corrupt"
# DuckDB types that are not plain values: written out as JSON text.
NESTED = ("STRUCT", "MAP", "UNION")


def read_json(engine: Engine, path: Path) -> Read:
    """Read one file of JSON lines (or a JSON array of objects) into the engine."""
    label = str(path)
    encoding, damage = examine_encoding(path)
    sample = read_sample(path, encoding).lstrip("\ufeff \t\r\n")
    if not sample:
        raise InputError(f"{label!r} is empty", hint="export the data again")
    array = sample.startswith("[")
    notes = [f"{path.name}: " + ("a JSON array of records" if array else "JSON lines")]
    checks = invalid_utf8(path.name, damage, 0, notes) if damage else ()
    rejects = RejectWriter(engine, label, path.name)
    with ExitStack() as stack:
        source = path
        if encoding.engine_name != "utf-8":
            source = stack.enter_context(temporary(engine, ".json"))
            transcode(path, encoding, source)
            if damage is None:
                notes.append(f"{path.name}: encoding {encoding.label}, converted to UTF-8")
            encoding = UTF8
        table = _read(engine, source, array)
        if table is None:
            clean = stack.enter_context(temporary(engine, ".jsonl"))
            _split_lines(source, encoding, clean, rejects)
            table = _read(engine, clean, array=False, strict=True)
            assert table is not None
        reject_table = rejects.finish()
    if rejects.count:
        notes.append(
            f"{path.name}: {fmt.plural(rejects.count, 'line')} "
            + ("is not a valid JSON record" if rejects.count == 1 else "are not valid JSON records")
            + f" (lines {', '.join(map(str, rejects.first))}"
            + (", ..." if rejects.count > len(rejects.first) else "")
            + "); they are kept as rejects for the quarantine"
        )
    if not table.columns:
        raise InputError(f"{label!r} holds no records", hint="export the data again")
    rows = count(table) + rejects.count
    return Read(label, sha256_of(path), table, rows, reject_table, tuple(notes), checks)


def _read(engine: Engine, path: Path, array: bool, strict: bool = False) -> ir.Table | None:
    """The file as a table; None when a line may not be valid JSON (unless ``strict``)."""
    try:
        if engine.is_duckdb:
            return _duckdb(engine, path, array)
        return _spark(engine, path, array)
    except InputError:
        raise
    except Exception as exc:
        stop_on_interrupt(exc)
        if strict or array:
            raise unreadable(str(path), "JSON", exc) from exc
        log.info("reading %s as JSON lines failed (%s); splitting it", path, first_line(exc))
        return None


def _duckdb(engine: Engine, path: Path, array: bool) -> ir.Table:
    con: Any = engine.con
    name = ibis.util.gen_name("salescope_json")
    fmt = "array" if array else "newline_delimited"
    literal = "'" + str(path).replace("'", "''") + "'"
    con.raw_sql(
        f"CREATE TEMP TABLE {name} AS "
        f"SELECT * FROM read_json({literal}, format='{fmt}', sample_size=-1)"
    )
    name = duckdb_tidy(engine, name)
    types = con.raw_sql(f'DESCRIBE "{name}"').fetchall()
    plain: list[str] = []
    for column, dtype, *_ in types:
        quoted = '"' + str(column).replace('"', '""') + '"'
        if dtype == "JSON":  # mixed kinds in one key: its text, strings unquoted
            plain.append(f"json_extract_string({quoted}, '$') AS {quoted}")
        elif str(dtype).startswith(NESTED) or str(dtype).endswith("]"):
            plain.append(f"CAST(to_json({quoted}) AS VARCHAR) AS {quoted}")
        else:
            plain.append(quoted)
    if any(" AS " in p for p in plain):
        flat = ibis.util.gen_name("salescope_json")
        con.raw_sql(f"CREATE TEMP TABLE {flat} AS SELECT {', '.join(plain)} FROM {name}")
        con.raw_sql(f"DROP TABLE {name}")
        name = flat
    return con.table(name)  # type: ignore[no-any-return]


def _spark(engine: Engine, path: Path, array: bool) -> ir.Table:
    from pyspark.sql import types as T  # shared by local sessions and Spark Connect

    session = engine.spark_session
    F = engine.spark_functions()
    frame = (
        session.read.options(
            mode="PERMISSIVE",
            columnNameOfCorruptRecord=CORRUPT,
            multiLine="true" if array else "false",
        )
        .json(str(path))
        .cache()
    )
    if CORRUPT in frame.columns:
        if frame.filter(F.col(CORRUPT).isNotNull()).limit(1).count():
            raise ValueError(f"{path} holds lines that are not JSON records")
        frame = frame.drop(CORRUPT)
    frame = frame.toDF(*clean_names(frame.columns))
    nested = (T.StructType, T.ArrayType, T.MapType)
    frame = frame.select(
        *(
            F.to_json(F.col(f.name)).alias(f.name)
            if isinstance(f.dataType, nested)
            else F.col(f.name)
            for f in frame.schema.fields
        )
    )
    return engine.materialize(spark_table(engine, frame))


def _split_lines(path: Path, encoding: Encoding, target: Path, rejects: RejectWriter) -> None:
    """Copy the lines that are JSON objects to ``target``; the others become rejects."""
    with open_bytes(path) as data, target.open("w", encoding="utf-8") as out:
        text = io.TextIOWrapper(data, encoding=encoding.name, errors="replace")
        for number, line in enumerate(text, start=1):
            raw = line.rstrip("\r\n")
            record = raw.strip().lstrip("\ufeff") if number == 1 else raw.strip()
            if not record:
                continue
            try:
                value = json.loads(record)
            except ValueError:
                rejects.add(number, raw, "malformed_json")
                continue
            if not isinstance(value, dict):
                rejects.add(number, raw, "malformed_json")  # valid JSON, but not a record
                continue
            out.write(record + "\n")
