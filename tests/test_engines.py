"""The same pipeline on PySpark gives the same figures as on DuckDB: on a local session
(local[2]), on a standalone cluster (a master and two workers on 127.0.0.1) and through
a Spark Connect server."""

from __future__ import annotations

import pytest

import salescope
from salescope.config import load_config
from salescope.demo_data import DemoFiles
from salescope.engine import connect
from tests.conftest import fixed_clock

pytestmark = pytest.mark.spark


def spark_report(demo_files: DemoFiles, spec: str) -> salescope.Report:
    config = load_config(demo_files.config)  # the demo's salescope.yml, as demo_report reads it
    engine = connect(spec)
    # a small fixture: interpreted queries in a few partitions finish sooner (as local[2] runs)
    engine.spark_session.conf.set("spark.sql.codegen.wholeStage", "false")
    engine.spark_session.conf.set("spark.sql.shuffle.partitions", "4")
    return salescope.run(demo_files.inputs, config, engine=engine, clock=fixed_clock)


def assert_same_figures(spark: salescope.Report, duck: salescope.Report) -> None:
    """Every figure of the two reports is equal: KPIs to the last float bits, the rest exactly."""
    assert spark.period == duck.period
    assert [k.name for k in spark.kpis] == [k.name for k in duck.kpis]
    for a, b in zip(spark.kpis, duck.kpis, strict=True):
        # money is rounded to the cent in both; rates may differ in the last float bits
        assert a.value == pytest.approx(b.value, abs=1e-9), a.name
        assert a.previous == pytest.approx(b.previous, abs=1e-9), a.name
        assert a.yoy_value == pytest.approx(b.yoy_value, abs=1e-9), a.name
    assert spark.breakdowns == duck.breakdowns
    assert spark.timeseries == duck.timeseries
    assert spark.drivers == duck.drivers
    assert spark.customers == duck.customers
    # the series analyses run on the same daily and monthly aggregates
    assert spark.trend == duck.trend
    assert spark.seasonality == duck.seasonality
    assert spark.forecast == duck.forecast
    assert spark.pace == duck.pace
    assert spark.anomalies == duck.anomalies
    # marketing, the sales team and operations, from the same side tables
    assert duck.marketing is not None and duck.team is not None
    assert spark.marketing == duck.marketing
    assert spark.team == duck.team
    assert spark.inventory == duck.inventory
    assert spark.operations == duck.operations
    assert spark.order_values == duck.order_values
    assert spark.member_series == duck.member_series
    assert spark.insights == duck.insights
    assert spark.recommendations == duck.recommendations
    assert spark.quality.side_tables == duck.quality.side_tables
    assert spark.quality.checks == duck.quality.checks
    q1, q2 = spark.quality, duck.quality
    assert (q1.rows_read, q1.rows_accepted, q1.rows_quarantined) == (
        q2.rows_read,
        q2.rows_accepted,
        q2.rows_quarantined,
    )


def test_pyspark_kpis_and_breakdowns_equal_duckdb(
    demo_files: DemoFiles, demo_report: salescope.Report
) -> None:
    spark = spark_report(demo_files, "pyspark")
    assert spark.run.engine == "pyspark"
    assert_same_figures(spark, demo_report)


def test_standalone_cluster_report_equals_duckdb(
    spark_cluster: str, demo_files: DemoFiles, demo_report: salescope.Report
) -> None:
    from pyspark import SparkContext

    spark = spark_report(demo_files, spark_cluster)
    assert spark.run.engine == "pyspark"  # the master's address stays out of report.json
    assert_same_figures(spark, demo_report)
    context = SparkContext._active_spark_context
    assert context is not None and context.master == spark_cluster  # it ran on the cluster
    # both workers ran executors for it
    executors = context._jsc.sc().getExecutorMemoryStatus().size()
    assert executors == 3  # the driver and one executor per worker


def test_spark_connect_report_equals_duckdb(
    spark_connect: str, demo_files: DemoFiles, demo_report: salescope.Report
) -> None:
    spark = spark_report(demo_files, spark_connect)
    assert spark.run.engine == "pyspark"
    assert_same_figures(spark, demo_report)
