"""Shared fixtures: demo data written once per session, and the reports made from it."""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

import salescope
from salescope.analysis.periods import resolve_periods
from salescope.config import Config, load_config
from salescope.demo_data import DemoFiles, write_demo_data
from salescope.engine import Engine
from salescope.lines import Lines
from salescope.metrics.kpis import Windows
from salescope.pipeline import validate_inputs

DEMO_ROWS = 30_000
FIXED_CLOCK = datetime(2026, 11, 1, 12, 0, 0, tzinfo=UTC)


def fixed_clock() -> datetime:
    return FIXED_CLOCK


def lines_and_windows(engine: Engine, path: Path, period: str) -> tuple[Lines, Windows]:
    """Validated lines of ``path`` and the report windows of ``period``, for calling one
    analysis directly."""
    validation, _ = validate_inputs([path], Config(), engine, FIXED_CLOCK.date())
    lines = validation.lines
    periods = resolve_periods(period, lines.data_start, lines.data_end, 1)
    return lines, Windows.of(periods, lines.data_start, 1)


@pytest.fixture(scope="session", autouse=True)
def _cache_folder(tmp_path_factory: pytest.TempPathFactory) -> None:
    """What salescope keeps between runs (the page's Vega bundle) goes to this session's own
    folder, for the commands the tests start too."""
    os.environ["XDG_CACHE_HOME"] = str(tmp_path_factory.mktemp("cache"))


@pytest.fixture(scope="session")
def demo_files(tmp_path_factory: pytest.TempPathFactory) -> DemoFiles:
    return write_demo_data(tmp_path_factory.mktemp("demo") / "data", rows=DEMO_ROWS, seed=11)


@pytest.fixture(scope="session")
def demo_parquet(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("demo_parquet")
    return write_demo_data(folder, rows=DEMO_ROWS, seed=11, fmt="parquet").sales


@pytest.fixture(scope="session")
def demo_report(demo_files: DemoFiles) -> salescope.Report:
    # the demo's own salescope.yml, as `salescope demo` reads it: it says the amounts are USD
    return salescope.run(demo_files.inputs, load_config(demo_files.config), clock=fixed_clock)


@pytest.fixture(scope="session")
def spark_cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A standalone Spark master with two workers on 127.0.0.1: its ``spark://`` URL."""
    from tests.spark_servers import standalone_cluster

    with standalone_cluster(tmp_path_factory.mktemp("spark_cluster")) as url:
        yield url


@pytest.fixture(scope="session")
def spark_connect(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A Spark Connect server (on local[2]) on 127.0.0.1: its ``sc://`` URL."""
    from tests.spark_servers import connect_server

    with connect_server(tmp_path_factory.mktemp("spark_connect")) as url:
        yield url


@pytest.fixture()
def chdir_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    monkeypatch.chdir(tmp_path)
    yield tmp_path
