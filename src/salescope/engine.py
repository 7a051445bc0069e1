"""Connecting to the compute engine. The only module that knows which backend runs.

Everything else works on Ibis expressions, so the same pipeline runs on the
embedded DuckDB (default), a local PySpark session, or any Ibis URL.
"""

from __future__ import annotations

import datetime
import logging
import os
import shutil
import tempfile
import weakref
from dataclasses import dataclass
from typing import Any

import ibis
import ibis.expr.types as ir
from ibis.backends import BaseBackend

from salescope.errors import ConfigError, MissingDependencyError

log = logging.getLogger("salescope")

ENGINE_HELP = "use duckdb (default), pyspark, or an Ibis URL such as postgres://user@host/db"


@dataclass(frozen=True)
class Engine:
    """A connected backend and the name it is reported under."""

    name: str
    con: BaseBackend

    @property
    def is_duckdb(self) -> bool:
        return bool(self.con.name == "duckdb")

    @property
    def is_spark(self) -> bool:
        return bool(self.con.name == "pyspark")

    def parse_date(self, text: ir.StringValue, fmt: str) -> ir.DateValue:
        """``text`` read with a strftime-style format; null where it does not fit.

        DuckDB's ``try_strptime`` and Spark's ``to_date`` (ANSI mode off) both return
        null for text that does not match or names an impossible day (Feb 30).
        """
        if self.is_duckdb:
            return _duckdb_try_strptime(text, fmt).cast("date")  # type: ignore[no-any-return]
        if self.is_spark:
            return _spark_to_date(text, java_pattern(fmt))  # type: ignore[no-any-return]
        if fmt == "%Y-%m-%d":
            return text.try_cast("date")  # type: ignore[return-value]
        return text.as_timestamp(fmt).date()  # other backends: strict parsing

    def materialize(self, table: ir.Table) -> ir.Table:
        """Keep a table in the engine so later queries do not read the source again."""
        if self.is_duckdb:
            name = ibis.util.gen_name("salescope")
            return self.con.create_table(name, table)  # type: ignore[attr-defined,no-any-return]
        return table.cache()


@ibis.udf.scalar.builtin(name="try_strptime")  # type: ignore[untyped-decorator]
def _duckdb_try_strptime(text: str, fmt: str) -> datetime.datetime:  # type: ignore[empty-body]
    """DuckDB's try_strptime."""


@ibis.udf.scalar.builtin(name="to_date")  # type: ignore[untyped-decorator]
def _spark_to_date(text: str, fmt: str) -> datetime.date:  # type: ignore[empty-body]
    """Spark SQL's to_date(text, pattern)."""


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


def _spark_session() -> Any:
    try:
        from pyspark.sql import SparkSession
    except ImportError as exc:
        raise MissingDependencyError(
            "the pyspark engine needs PySpark", hint="pip install 'salescope[spark]'"
        ) from exc
    # A local session talks to itself only: keep the driver on the loopback interface.
    os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
    return (
        SparkSession.builder.master("local[2]")
        .config("spark.driver.host", "127.0.0.1")
        .config("spark.driver.bindAddress", "127.0.0.1")
        .appName("salescope")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.sql.shuffle.partitions", "4")
        .config("spark.sql.ansi.enabled", "false")
        .config("spark.driver.memory", "4g")
        .config("spark.sql.legacy.timeParserPolicy", "CORRECTED")
        .getOrCreate()
    )


def _duckdb_scratch() -> BaseBackend:
    """An embedded DuckDB whose working tables live in a scratch file, not in RAM.

    Tables written there are compressed and paged by DuckDB's buffer manager, so
    memory stays bounded as the data grows. The file is removed with the connection.
    """
    folder = tempfile.mkdtemp(prefix="salescope-")
    con = ibis.duckdb.connect(os.path.join(folder, "scratch.duckdb"))
    # DuckDB draws its own bar on stderr for queries over 2 s; salescope reports progress
    # per stage, and --quiet must mean quiet
    con.raw_sql("SET enable_progress_bar = false")
    weakref.finalize(con, shutil.rmtree, folder, ignore_errors=True)
    return con


def connect(spec: str = "duckdb") -> Engine:
    """Open the engine named by ``--engine``.

    >>> connect("duckdb").name
    'duckdb'
    """
    if spec == "duckdb":
        return Engine("duckdb", _duckdb_scratch())
    if spec == "pyspark":
        session = _spark_session()
        session.sparkContext.setLogLevel("FATAL")  # codegen fallbacks log Java traces at ERROR
        return Engine("pyspark", ibis.pyspark.connect(session))
    if "://" in spec:
        try:
            return Engine(spec.split("://", 1)[0], ibis.connect(spec))
        except Exception as exc:
            raise ConfigError(f"cannot connect to engine {spec!r}: {exc}", ENGINE_HELP) from exc
    raise ConfigError(f"unknown engine {spec!r}", hint=ENGINE_HELP)
