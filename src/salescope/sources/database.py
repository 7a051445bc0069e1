"""Database tables named by an Ibis connection URL plus a table.

``duckdb:///data/shop.duckdb?table=sales``, ``sqlite:///data/shop.db#sales``, or any
other Ibis URL (``postgres://user@host/db?table=sales``). On the DuckDB engine a DuckDB
file is attached read-only and read in place; a SQLite file is attached through
DuckDB's sqlite extension when it is installed. Anything else is streamed into the
engine in Arrow batches, never loaded whole.
"""

from __future__ import annotations

import hashlib
import logging
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import ibis
import ibis.expr.types as ir
import pyarrow.parquet as pq

from salescope.engine import Engine
from salescope.errors import InputError, first_line, stop_on_interrupt
from salescope.redact import redact_url
from salescope.sources.common import Read, count, load_parquet, sha256_of, temporary

log = logging.getLogger("salescope")

URL = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*://")
FILE_SCHEMES = ("duckdb", "sqlite")
URL_HINT = "use e.g. duckdb:///path/shop.duckdb?table=sales or sqlite:///path/shop.db#sales"


def is_url(spec: str) -> bool:
    return bool(URL.match(spec))


@dataclass(frozen=True)
class DatabaseSpec:
    """A parsed input URL: how to connect, which table, and how to show it."""

    scheme: str
    url: str  # for ibis.connect: without the table
    table: str | None
    file: Path | None  # the database file of duckdb:// and sqlite:// URLs
    label: str  # the URL with its password and secret parameters masked


def parse_url(spec: str) -> DatabaseSpec:
    """Split ``scheme://...?table=NAME`` (or ``...#NAME``) into its parts.

    >>> parse_url("sqlite:///tmp/shop.db#sales").table
    'sales'
    """
    parts = urlsplit(spec)
    scheme = parts.scheme.lower()
    query = parse_qsl(parts.query, keep_blank_values=True)
    table = next((v for k, v in query if k == "table"), None) or parts.fragment or None
    rest = urlencode([(k, v) for k, v in query if k != "table"])
    url = urlunsplit((parts.scheme, parts.netloc, parts.path, rest, ""))
    label = redact_url(spec)
    file = Path(parts.netloc + parts.path) if scheme in FILE_SCHEMES else None
    return DatabaseSpec(scheme, url, table, file, label)


def read_database(engine: Engine, spec: str) -> list[Read]:
    """The table a URL names, in the engine, rows counted there; without a table name,
    every table of the database (the dataset model then finds how they join)."""
    db = parse_url(spec)
    if db.file is not None and not db.file.is_file():
        raise InputError(
            f"database file {str(db.file)!r} not found",
            hint=f"check the path: {db.scheme}://relative/file or {db.scheme}:///absolute/file",
        )
    notes: list[str] = []
    attach = engine.is_duckdb and (
        db.scheme == "duckdb" or (db.scheme == "sqlite" and _has_sqlite_extension(engine))
    )
    names = _attach_tables(engine, db) if attach else _list_tables(db)
    picked = _pick(db, names, notes)
    digest = sha256_of(db.file) if db.file else hashlib.sha256(db.label.encode()).hexdigest()
    reads = []
    for name in picked:
        table = _attach(engine, db, name, notes) if attach else _stream(engine, db, name, notes)
        label = db.label if len(picked) == 1 else f"{db.label}#{name}"
        reads.append(Read(label, digest, table, count(table), None, tuple(notes)))
        notes = []
    return reads


def _pick(db: DatabaseSpec, tables: list[str], notes: list[str]) -> list[str]:
    shown = ", ".join(map(repr, tables[:20])) or "none"
    if db.table is None:
        if not tables:
            raise InputError(f"{db.label!r} holds no tables", hint="check the database")
        if len(tables) == 1:
            notes.append(f"{db.label}: the only table, {tables[0]!r}, is read")
        else:
            notes.append(
                f"{db.label}: every table is read ({len(tables)}: {shown}); ?table=NAME reads one"
            )
        return tables
    if db.table not in tables:
        raise InputError(
            f"no table {db.table!r} in {db.label!r}; tables: {shown}",
            hint="name one of them with ?table=NAME",
        )
    return [db.table]


def _has_sqlite_extension(engine: Engine) -> bool:
    """DuckDB reads SQLite files through an extension; only use it if already installed."""
    con: Any = engine.con
    try:
        row = con.raw_sql(
            "SELECT installed FROM duckdb_extensions() WHERE extension_name = 'sqlite_scanner'"
        ).fetchone()
        if not row or not row[0]:
            return False
        con.raw_sql("LOAD sqlite")
    except Exception as exc:  # noqa: BLE001 - the streamed path below works without it
        stop_on_interrupt(exc)
        log.info("DuckDB's sqlite extension is unavailable: %s", first_line(exc))
        return False
    return True


def _duckdb_tables(con: Any, catalog: str | None = None) -> list[str]:
    """Table names of a DuckDB database (ibis' list_tables uses a deprecated DuckDB call)."""
    where = "table_schema = 'main'"
    if catalog is not None:
        where += " AND table_catalog = '" + catalog.replace("'", "''") + "'"
    rows = con.raw_sql(f"SELECT table_name FROM information_schema.tables WHERE {where}")
    return sorted(str(r[0]) for r in rows.fetchall())


def _alias(engine: Engine, db: DatabaseSpec) -> str:
    """Attach the file read-only to the engine's DuckDB (once per file); its alias."""
    assert db.file is not None
    con: Any = engine.con
    path = str(db.file.resolve())
    listed = con.raw_sql("SELECT database_name, path FROM duckdb_databases()").fetchall()
    attached = {p: name for name, p in listed if p}
    alias = attached.get(path)
    try:
        if alias is None:
            alias = ibis.util.gen_name("salescope_db")
            kind = ", TYPE sqlite" if db.scheme == "sqlite" else ""
            literal = "'" + path.replace("'", "''") + "'"
            con.raw_sql(f"ATTACH {literal} AS {alias} (READ_ONLY{kind})")
    except Exception as exc:
        stop_on_interrupt(exc)
        raise InputError(
            f"cannot open {db.label!r}: {first_line(exc)}",
            hint=f"check that it is a {db.scheme} database file",
        ) from exc
    return str(alias)


def _attach_tables(engine: Engine, db: DatabaseSpec) -> list[str]:
    try:
        return _duckdb_tables(engine.con, _alias(engine, db))
    except InputError:
        raise
    except Exception as exc:
        stop_on_interrupt(exc)
        raise InputError(
            f"cannot open {db.label!r}: {first_line(exc)}",
            hint=f"check that it is a {db.scheme} database file",
        ) from exc


def _attach(engine: Engine, db: DatabaseSpec, name: str, notes: list[str]) -> ir.Table:
    con: Any = engine.con
    notes.append(f"{db.label}: table {name!r} read in place (attached read-only)")
    return con.table(name, database=(_alias(engine, db), "main"))  # type: ignore[no-any-return]


def _connect(db: DatabaseSpec) -> Any:
    try:
        if db.scheme == "duckdb":
            assert db.file is not None
            return ibis.duckdb.connect(str(db.file), read_only=True)
        if db.scheme == "sqlite":
            assert db.file is not None
            return ibis.sqlite.connect(str(db.file))
        return ibis.connect(db.url)
    except Exception as exc:
        stop_on_interrupt(exc)
        raise InputError(
            f"cannot connect to {db.label!r}: {first_line(exc)}", hint=URL_HINT
        ) from exc


def _list_tables(db: DatabaseSpec) -> list[str]:
    source = _connect(db)
    try:
        return _duckdb_tables(source) if db.scheme == "duckdb" else sorted(source.list_tables())
    except Exception as exc:
        stop_on_interrupt(exc)
        raise InputError(
            f"cannot list the tables of {db.label!r}: {first_line(exc)}",
            hint=f"check that it is a {db.scheme} database",
        ) from exc
    finally:
        disconnect = getattr(source, "disconnect", None)
        if disconnect is not None:
            disconnect()


def _stream(engine: Engine, db: DatabaseSpec, name: str, notes: list[str]) -> ir.Table:
    """Copy the table into the engine batch by batch (another backend, or no extension)."""
    source = _connect(db)
    try:
        batches = source.table(name).to_pyarrow_batches(chunk_size=100_000)
        if engine.is_duckdb:
            con: Any = engine.con
            target = ibis.util.gen_name("salescope_db")
            view = f"{target}_stream"
            con.con.register(view, batches)
            try:
                con.raw_sql(f"CREATE TEMP TABLE {target} AS SELECT * FROM {view}")
            finally:
                con.con.unregister(view)
            table: ir.Table = con.table(target)
        else:
            with temporary(engine, ".parquet") as path:
                writer = pq.ParquetWriter(str(path), batches.schema)
                try:
                    for batch in batches:
                        writer.write_batch(batch)
                finally:
                    writer.close()
                table = load_parquet(engine, path)
    except InputError:
        raise
    except Exception as exc:
        stop_on_interrupt(exc)
        raise InputError(
            f"cannot read table {name!r} of {db.label!r}: {first_line(exc)}",
            hint="check that the table is readable",
        ) from exc
    finally:
        disconnect = getattr(source, "disconnect", None)
        if disconnect is not None:
            disconnect()
    notes.append(f"{db.label}: table {name!r} copied into the {engine.name} engine")
    return table
