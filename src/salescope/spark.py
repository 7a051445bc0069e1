"""Spark sessions for the pyspark engine: a local one (``pyspark``), a standalone
cluster's (``spark://host:7077``) or a Spark Connect server's (``sc://host:15002``).

All three run the same pipeline: it only uses Spark SQL and DataFrame reads, no Python
UDFs, so nothing runs Python on the executors. Input and scratch files are read by path,
so a cluster's workers must see this machine's files (a shared file system).

The driver's JVM is quiet unless salescope logs at DEBUG (``--debug``): its log goes
through a shipped log4j2 file at ERROR and its console output to /dev/null; no progress
bars. Only :mod:`salescope.engine` imports this module.
"""

from __future__ import annotations

import logging
import os
import socket
import subprocess
import sys
from importlib.resources import files
from types import ModuleType
from typing import Any
from urllib.parse import urlsplit

from salescope.errors import ConfigError, MissingDependencyError, first_line, stop_on_interrupt

log = logging.getLogger("salescope")

LOCAL_MASTER = "local[2]"
SCHEMES = ("spark://", "sc://")
CONNECT_TIMEOUT_S = 5.0
DEFAULT_PORTS = {"spark": 7077, "sc": 15002}
LOG4J_FILE = "log4j2-spark.properties"
INSTALL_HINT = "pip install 'salescope[spark]'"

# per-session SQL settings: the same figures as DuckDB (UTC days, lenient casts and dates)
SQL_SETTINGS = {
    "spark.sql.session.timeZone": "UTC",
    "spark.sql.ansi.enabled": "false",
    "spark.sql.legacy.timeParserPolicy": "CORRECTED",
    "spark.sql.adaptive.enabled": "true",  # joins and shuffles sized by what they hold
    "spark.sql.adaptive.coalescePartitions.enabled": "true",
}

_remote: dict[str, Any] = {}  # Spark Connect sessions by URL, one per process


def is_spark(spec: str) -> bool:
    """Whether ``--engine spec`` names a Spark session.

    >>> [is_spark(s) for s in ("pyspark", "spark://h:7077", "sc://h:15002", "duckdb")]
    [True, True, True, False]
    """
    return spec == "pyspark" or spec.lower().startswith(SCHEMES)


def session(spec: str) -> Any:
    """The Spark session of ``--engine spec``: ``pyspark``, ``spark://...`` or ``sc://...``."""
    if spec.lower().startswith("sc://"):
        check_reachable(spec, "Spark Connect server")
        return _connect_session(spec)
    if spec == "pyspark":
        return _classic_session(LOCAL_MASTER)
    check_reachable(spec, "Spark master")
    return _classic_session(spec)


def is_connect(session: Any) -> bool:
    """Whether ``session`` is a Spark Connect client session."""
    return type(session).__module__.startswith("pyspark.sql.connect")


def functions(session: Any) -> ModuleType:
    """``pyspark.sql.functions`` for ``session``: a Spark Connect DataFrame takes only the
    columns of ``pyspark.sql.connect.functions`` (the generic module picks its kind by
    environment variables, not by session, and a process may hold both kinds)."""
    if is_connect(session):
        from pyspark.sql.connect import functions as connect_functions

        return connect_functions
    from pyspark.sql import functions as classic_functions

    return classic_functions


def endpoints(spec: str) -> list[tuple[str, int]]:
    """The (host, port) pairs of a ``spark://`` or ``sc://`` URL (a standalone master in
    high-availability mode lists several).

    >>> endpoints("spark://a:7077,b")
    [('a', 7077), ('b', 7077)]
    >>> endpoints("sc://127.0.0.1/;token=x")
    [('127.0.0.1', 15002)]
    """
    scheme, rest = spec.split("://", 1)
    default = DEFAULT_PORTS[scheme.lower()]
    netloc = rest.split("/", 1)[0].split(";", 1)[0]
    if "@" in netloc:
        raise ConfigError(
            f"a Spark URL takes no user name or password: {spec!r}",
            hint="write spark://HOST:PORT; a Spark Connect token goes in sc://HOST:PORT/;token=...",
        )
    pairs = []
    for part in netloc.split(","):
        parts = urlsplit(f"//{part}")
        try:
            port = parts.port or default
        except ValueError:
            port = 0
        if not parts.hostname or not port:
            raise ConfigError(
                f"invalid Spark URL {spec!r}", hint="write spark://HOST:PORT or sc://HOST:PORT"
            )
        pairs.append((parts.hostname, port))
    return pairs


def check_reachable(spec: str, what: str) -> None:
    """Fail fast, in one line, when no endpoint of ``spec`` accepts a connection.

    Spark itself would retry for minutes (a standalone master) or print long traces.
    """
    reasons = []
    for host, port in endpoints(spec):
        try:
            with socket.create_connection((host, port), timeout=CONNECT_TIMEOUT_S):
                return
        except OSError as exc:
            reason = "timed out" if isinstance(exc, TimeoutError) else exc.strerror or str(exc)
            reasons.append(f"{host}:{port} ({reason})")
    start = "sbin/start-master.sh" if what == "Spark master" else "sbin/start-connect-server.sh"
    raise ConfigError(
        f"cannot reach the {what} at {', '.join(reasons)}",
        hint=f"check the host and port, start it ({start}), or use --engine pyspark "
        "for a local session",
    )


def _quiet() -> bool:
    return not log.isEnabledFor(logging.DEBUG)


def _classic_settings(master: str) -> dict[str, str]:
    """The driver's settings for a local session or a standalone cluster."""
    settings = {
        "spark.app.name": "salescope",
        "spark.master": master,
        "spark.ui.enabled": "false",
        "spark.ui.showConsoleProgress": "false",
        "spark.driver.memory": "4g",
        # pandas -> Spark through Arrow in the JVM: no Python worker on the executors
        "spark.sql.execution.arrow.pyspark.enabled": "true",
        "spark.pyspark.python": os.environ.get("PYSPARK_PYTHON", sys.executable),
        **SQL_SETTINGS,
    }
    if master.startswith("local"):
        # a report runs a few hundred small queries: compiling each to Java (whole-stage
        # code generation) took longer than running it interpreted (the demo: 112 s -> 82 s)
        settings["spark.sql.codegen.wholeStage"] = "false"
        # two cores: 200 shuffle files per query cost more than they spread; a cluster keeps
        # its own number (adaptive execution merges small partitions there)
        settings["spark.sql.shuffle.partitions"] = "4"
    if _loopback(master):  # a session that talks to itself only: keep off the network
        settings["spark.driver.host"] = settings["spark.driver.bindAddress"] = "127.0.0.1"
    if _quiet():
        log4j = files("salescope.resources").joinpath(LOG4J_FILE)
        settings["spark.driver.extraJavaOptions"] = f"-Dlog4j2.configurationFile=file:{log4j}"
    return settings


def _loopback(master: str) -> bool:
    if master.startswith("local"):
        return True
    return all(host in ("127.0.0.1", "localhost", "::1") for host, _ in endpoints(master))


def _classic_session(master: str) -> Any:
    """A session whose driver runs in this process's JVM, launched quietly on first use."""
    try:
        from pyspark import SparkConf, SparkContext
        from pyspark.java_gateway import launch_gateway
        from pyspark.sql import SparkSession
    except ImportError as exc:
        raise MissingDependencyError("the pyspark engine needs PySpark", INSTALL_HINT) from exc
    context: Any = SparkContext
    active = context._active_spark_context
    if active is not None and active.master != master:
        log.info("stopping the Spark session on %s to start one on %s", active.master, master)
        active.stop()  # one SparkContext per process
    settings = _classic_settings(master)
    if settings.get("spark.driver.host") == "127.0.0.1":
        os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
    conf = SparkConf().setAll(list(settings.items()))
    if context._gateway is None:
        output = None if not _quiet() else subprocess.DEVNULL
        try:
            gateway = launch_gateway(conf, {"stdout": output, "stderr": output})
        except Exception as exc:
            stop_on_interrupt(exc)
            raise ConfigError(
                f"cannot start Spark's Java driver: {exc}",
                hint="PySpark needs Java 17 or later on PATH or in JAVA_HOME; "
                "rerun with --debug to see its output",
            ) from exc
        context._ensure_initialized(gateway=gateway)
    try:
        spark = SparkSession.builder.config(conf=conf).getOrCreate()
    except Exception as exc:
        stop_on_interrupt(exc)
        first = _first_line(exc)
        raise ConfigError(
            f"cannot start a Spark session on {master}: {first}",
            hint="check the master URL and that the cluster runs the same Spark version; "
            "rerun with --debug to see Spark's output",
        ) from exc
    # codegen fallbacks log Java traces at ERROR
    spark.sparkContext.setLogLevel("FATAL" if _quiet() else "WARN")
    return spark


def _first_line(exc: Exception) -> str:
    """The first line of an error; of a Java error's own message, not py4j's wrapper."""
    java = getattr(exc, "java_exception", None)
    if java is None:
        return first_line(exc)
    try:
        text = str(java.toString()).strip()
    except Exception:  # noqa: BLE001 - the JVM may be gone: py4j's text is the fallback
        return first_line(exc)
    return text.splitlines()[0] if text else type(exc).__name__


def _connect_session(url: str) -> Any:
    """A Spark Connect session on ``url`` (kept for the process), with salescope's settings."""
    if url in _remote:
        return _remote[url]
    try:
        from pyspark.sql.connect.session import SparkSession as RemoteSession
    except ImportError as exc:
        raise MissingDependencyError(
            f"the Spark Connect engine needs PySpark's Connect client ({exc})", INSTALL_HINT
        ) from exc
    try:
        spark = RemoteSession.builder.remote(url).create()
        for key, value in SQL_SETTINGS.items():
            spark.conf.set(key, value)
    except Exception as exc:
        stop_on_interrupt(exc)
        raise ConfigError(
            f"cannot open a Spark Connect session: {first_line(exc)}",
            hint="check that the server on that port is Spark Connect of the same major version",
        ) from exc
    _remote[url] = spark
    return spark
