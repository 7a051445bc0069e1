"""The same pipeline on PySpark (local[2]) gives the same figures as on DuckDB."""

from __future__ import annotations

import pytest

import salescope
from salescope.config import load_config
from salescope.demo_data import DemoFiles
from tests.conftest import fixed_clock

pytestmark = pytest.mark.spark


def test_pyspark_kpis_and_breakdowns_equal_duckdb(
    demo_files: DemoFiles, demo_report: salescope.Report
) -> None:
    config = load_config(demo_files.config)  # the demo's salescope.yml, as demo_report reads it
    spark = salescope.run(demo_files.inputs, config, engine="pyspark", clock=fixed_clock)
    assert spark.run.engine == "pyspark"
    assert spark.period == demo_report.period
    assert [k.name for k in spark.kpis] == [k.name for k in demo_report.kpis]
    for a, b in zip(spark.kpis, demo_report.kpis, strict=True):
        # money is rounded to the cent in both; rates may differ in the last float bits
        assert a.value == pytest.approx(b.value, abs=1e-9), a.name
        assert a.previous == pytest.approx(b.previous, abs=1e-9), a.name
        assert a.yoy_value == pytest.approx(b.yoy_value, abs=1e-9), a.name
    assert spark.breakdowns == demo_report.breakdowns
    assert spark.timeseries == demo_report.timeseries
    assert spark.drivers == demo_report.drivers
    assert spark.customers == demo_report.customers
    # the series analyses run on the same daily and monthly aggregates
    assert spark.trend == demo_report.trend
    assert spark.seasonality == demo_report.seasonality
    assert spark.forecast == demo_report.forecast
    assert spark.pace == demo_report.pace
    assert spark.anomalies == demo_report.anomalies
    # marketing, the sales team and operations, from the same side tables
    assert demo_report.marketing is not None and demo_report.team is not None
    assert spark.marketing == demo_report.marketing
    assert spark.team == demo_report.team
    assert spark.inventory == demo_report.inventory
    assert spark.operations == demo_report.operations
    assert spark.order_values == demo_report.order_values
    assert spark.member_series == demo_report.member_series
    assert spark.insights == demo_report.insights
    assert spark.recommendations == demo_report.recommendations
    assert spark.quality.side_tables == demo_report.quality.side_tables
    q1, q2 = spark.quality, demo_report.quality
    assert (q1.rows_read, q1.rows_accepted, q1.rows_quarantined) == (
        q2.rows_read,
        q2.rows_accepted,
        q2.rows_quarantined,
    )
