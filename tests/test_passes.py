"""The analyses as registered passes: the registry's order, the needs a pass must declare,
an analysis added as one more pass (revenue by weekday), checked against SQL, and the
working tables a pass stores only for itself."""

from __future__ import annotations

import json
from dataclasses import dataclass, fields
from pathlib import Path

import duckdb
import ibis
import pytest

import salescope
from salescope.config import Config
from salescope.engine import connect
from salescope.metrics import query
from salescope.model import Fact, Report
from salescope.passes import PASSES, Context, Pass, check_order
from salescope.render import write_outputs
from tests.conftest import fixed_clock

SHOP = Path(__file__).parent / "golden" / "shop_export" / "shop_export.csv"
LINE = "quantity * unit_price - discount"
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


@dataclass(frozen=True)
class WeekdayShare:
    weekday: str
    revenue: float


def weekday_revenue(c: Context) -> tuple[WeekdayShare, ...]:
    """The period's revenue per weekday, through the one query builder."""
    t = c.lines.table
    t = t.filter(c.windows.flag(t, "cur"))
    groups = query.grouped(
        t,
        query.measures_of(["revenue"]),
        {"cur": ibis.literal(True)},
        {"weekday": t.order_date.day_of_week.index()},
        order_by=["weekday"],
    )
    return tuple(
        WeekdayShare(WEEKDAYS[int(g.keys["weekday"])], g.slices["cur"]["revenue"] or 0.0)  # type: ignore[call-overload]
        for g in groups
    )


def weekday_facts(facts: dict[str, Fact], rows: tuple[WeekdayShare, ...]) -> None:
    for r in rows:
        fid = f"weekday.{r.weekday.lower()}.revenue"
        facts[fid] = Fact(fid, r.revenue, "currency", f"revenue on {r.weekday}s")


WEEKDAY = Pass("weekday", "revenue by weekday", weekday_revenue, weekday_facts)


def test_the_registry_runs_in_a_valid_order_and_fills_the_report() -> None:
    check_order(PASSES)
    names = [p.name for p in PASSES]
    report_fields = {f.name for f in fields(Report)}
    # every built-in pass fills a Report field of its name
    assert set(names) <= report_fields
    with pytest.raises(ValueError, match="needs"):
        check_order((Pass("trend", "x", lambda c: None, needs=("timeseries",)), *PASSES))


def test_a_pass_cannot_read_what_it_did_not_declare() -> None:
    sneaky = Pass("sneaky", "reads kpis without saying so", lambda c: c.kpis)
    with pytest.raises(KeyError, match="needs"):
        salescope.run([SHOP], Config(currency="EUR", period="2024-Q2"), passes=(*PASSES, sneaky))


def test_an_added_pass_is_computed_published_and_written(tmp_path: Path) -> None:
    config = Config(currency="EUR", period="2024-Q2")
    report = salescope.run([SHOP], config, clock=fixed_clock, passes=(*PASSES, WEEKDAY))
    rows = report.analyses["weekday"]
    expected = dict(
        duckdb.sql(
            f"select dayname(order_date), sum({LINE}) from read_csv_auto('{SHOP}') "
            "where order_date between '2024-04-01' and '2024-06-30' group by 1"
        ).fetchall()
    )
    assert {r.weekday: r.revenue for r in rows} == pytest.approx(expected)  # type: ignore[attr-defined]
    # the weekdays add up to the KPI: the same measure through the same builder
    revenue = report.kpi("revenue")
    assert revenue is not None
    assert sum(expected.values()) == pytest.approx(revenue.value)
    assert report.facts["weekday.monday.revenue"].value == pytest.approx(expected["Monday"])
    assert "weekday" in report.run.stages
    write_outputs(report, tmp_path, formats=("json",))
    written = json.loads((tmp_path / "report.json").read_text())
    assert {r["weekday"]: r["revenue"] for r in written["analyses"]["weekday"]} == pytest.approx(
        expected
    )
    assert written["facts"]["weekday.friday.revenue"]["value"] == pytest.approx(expected["Friday"])


def test_without_the_pass_nothing_of_it_appears() -> None:
    report = salescope.run([SHOP], Config(currency="EUR", period="2024-Q2"), clock=fixed_clock)
    assert report.analyses == {}
    assert not any(f.startswith("weekday.") for f in report.facts)


def test_a_passs_working_tables_are_dropped_when_it_ends() -> None:
    """The drivers' lines of the two periods with their cancellations and the customers'
    table per customer are stored for their stage only: kept, they held the engine's memory
    through every later stage."""
    engine = connect("duckdb")
    report = salescope.run(
        [SHOP], Config(currency="EUR", period="2024-Q2"), engine=engine, clock=fixed_clock
    )
    assert report.drivers is not None and report.drivers.contributors
    assert report.customers is not None and report.customers.rfm
    con = engine.con.con  # type: ignore[attr-defined]
    tables = [name for (name,) in con.sql("SELECT table_name FROM duckdb_tables()").fetchall()]
    columns = [{c for c, *_ in con.sql(f'DESCRIBE "{name}"').fetchall()} for name in tables]
    assert tables, "the stored input and lines stay for the report's later steps"
    assert not [c for c in columns if "cancelled" in c]  # drivers.NETTED_COLUMNS
    assert not [c for c in columns if {"rev_cur", "orders_cur"} <= c]  # customers' table


def test_a_stored_table_is_dropped_after_its_block_even_on_an_error() -> None:
    engine = connect("duckdb")
    source = ibis.memtable({"x": [1, 2, 3]})
    with engine.stored(source) as kept:
        name = kept.op().name  # type: ignore[attr-defined]
        assert sorted(kept.x.to_pyarrow().to_pylist()) == [1, 2, 3]
    with pytest.raises(RuntimeError), engine.stored(source) as failed:
        failed_name = failed.op().name  # type: ignore[attr-defined]
        raise RuntimeError("a query failed")
    con = engine.con.con  # type: ignore[attr-defined]
    left = {n for (n,) in con.sql("SELECT table_name FROM duckdb_tables()").fetchall()}
    assert name not in left and failed_name not in left
