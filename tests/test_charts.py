"""Order-value distribution and monthly member series against plain SQL on the demo file;
every chart's inline numbers against the report's; the PNGs written for the demo report."""

from __future__ import annotations

import dataclasses
import itertools
from datetime import date
from pathlib import Path
from typing import Any

import pytest

import salescope
from salescope.analysis.distribution import member_series, order_values
from salescope.analysis.periods import resolve_periods
from salescope.config import Config
from salescope.demo_data import DemoFiles
from salescope.engine import connect
from salescope.lines import Lines
from salescope.metrics.kpis import Windows
from salescope.model import ValueBin
from salescope.pipeline import validate_inputs
from salescope.render.charts import PALETTE, chart_specs, write_pngs
from tests.sqlref import SqlRef

TODAY = date(2026, 11, 1)
NICE = {1, 2, 5, 10, 20, 25, 50}  # cents; larger widths are these x 10^k


@pytest.fixture(scope="module")
def lines(demo_files: DemoFiles) -> Lines:
    validation, _ = validate_inputs([demo_files.sales], Config(), connect("duckdb"), TODAY)
    return validation.lines


@pytest.fixture(scope="module")
def windows(lines: Lines, demo_report: salescope.Report) -> Windows:
    periods = resolve_periods(demo_report.period.label, lines.data_start, lines.data_end, 1)
    return Windows.of(periods, lines.data_start, 1)


@pytest.fixture(scope="module")
def ref(demo_files: DemoFiles) -> SqlRef:
    return SqlRef(demo_files.sales)


@pytest.fixture(scope="module")
def report(demo_report: salescope.Report, lines: Lines, windows: Windows) -> salescope.Report:
    return dataclasses.replace(
        demo_report,
        order_values=order_values(lines, windows),
        member_series=member_series(lines),
    )


@pytest.fixture(scope="module")
def specs(report: salescope.Report) -> dict[str, dict[str, Any]]:
    return chart_specs(report)


# --- order values -----------------------------------------------------------------------------


def _is_nice(width_cents: int) -> bool:
    while width_cents >= 100 and width_cents % 10 == 0:
        width_cents //= 10
    return width_cents in NICE


def test_order_values_equal_sql_bins(
    lines: Lines, windows: Windows, ref: SqlRef, demo_report: salescope.Report
) -> None:
    bins = order_values(lines, windows)
    start, end = demo_report.period.start, demo_report.period.end
    ref.con.execute(
        "CREATE OR REPLACE TEMP TABLE ov AS SELECT round(sum(revenue), 2) AS v FROM t "
        "WHERE order_date BETWEEN ? AND ? GROUP BY order_id HAVING round(sum(revenue), 2) > 0",
        [start, end],
    )
    n, p99, biggest = ref.con.execute(
        "SELECT count(*), quantile_cont(v, 0.99), max(v) FROM ov"
    ).fetchone()  # type: ignore[misc]
    assert sum(b.orders for b in bins) == n
    regular, last = bins[:-1], bins[-1]
    widths = {round(100 * (b.high - b.low)) for b in regular}
    assert len(widths) == 1 and _is_nice(widths.pop())
    assert 2 <= len(regular) <= 20
    assert all(a.high == b.low for a, b in itertools.pairwise(bins))
    assert regular[0].low <= ref.one("SELECT min(v) FROM ov") < regular[0].high
    assert regular[-1].low <= p99 < regular[-1].high  # the regular bins reach the 99th pct
    assert last.high == pytest.approx(biggest)  # the open bin ends at the largest order
    for b in regular:
        orders, revenue = ref.con.execute(
            "SELECT count(*), coalesce(sum(v), 0) FROM ov WHERE v >= ? AND v < ?", [b.low, b.high]
        ).fetchone()  # type: ignore[misc]
        assert (b.orders, b.revenue) == (orders, pytest.approx(revenue, abs=0.01))
    orders, revenue = ref.con.execute(
        "SELECT count(*), sum(v) FROM ov WHERE v >= ?", [last.low]
    ).fetchone()  # type: ignore[misc]
    assert (last.orders, last.revenue) == (orders, pytest.approx(revenue, abs=0.01))
    assert orders > 0


def test_order_values_without_order_ids_count_lines(
    lines: Lines, windows: Windows, ref: SqlRef, demo_report: salescope.Report
) -> None:
    no_ids = dataclasses.replace(lines, roles=lines.roles - {"order_id"})
    bins = order_values(no_ids, windows, bins=8)
    positive = ref.one(
        "SELECT count(*) FROM t WHERE order_date BETWEEN ? AND ? AND round(revenue, 2) > 0",
        demo_report.period.start,
        demo_report.period.end,
    )
    assert sum(b.orders for b in bins) == positive
    assert len(bins) <= 9  # 8 regular bins and the open one


def test_order_values_bin_edges_are_round_on_a_hand_fixture(tmp_path: Path) -> None:
    # 100 orders of 1..100 dollars: p99 = 99.01, 20 bins -> width 5, edges 0, 5, ... 100
    path = tmp_path / "sales.csv"
    rows = ["order_id,order_date,customer_id,revenue"]
    rows += [f"O{i},2024-03-{1 + i % 28:02d},C{i % 7},{i}.00" for i in range(1, 101)]
    path.write_text("\n".join(rows) + "\n")
    validation, _ = validate_inputs([path], Config(), connect("duckdb"), TODAY)
    small = validation.lines
    periods = resolve_periods("2024-03", small.data_start, small.data_end, 1)
    bins = order_values(small, Windows.of(periods, small.data_start, 1))
    assert [b.low for b in bins] == [5.0 * i for i in range(21)]
    assert [b.orders for b in bins] == [4] + [5] * 19 + [1]  # 1..4, 5..9, ..., 95..99, 100
    assert bins[-1] == ValueBin(100.0, 100.0, 1, 100.0)
    assert sum(b.revenue for b in bins) == pytest.approx(sum(range(1, 101)))


# --- member series ----------------------------------------------------------------------------


def test_member_series_equals_sql(lines: Lines, ref: SqlRef) -> None:
    points = member_series(lines, months=12)
    last = ref.one("SELECT date_trunc('month', max(order_date)) FROM t")
    first = ref.one("SELECT date_trunc('month', max(order_date)) - INTERVAL 11 MONTH FROM t")
    rows = ref.con.execute(
        "SELECT segment, date_trunc('month', order_date)::DATE, sum(revenue), "
        "count(DISTINCT customer_id) FROM t WHERE order_date >= ? GROUP BY ALL",
        [first],
    ).fetchall()
    expected = {(r[0], r[1]): (r[2], r[3]) for r in rows}
    assert {p.dimension for p in points} == {"segment"}
    segments = {r[0] for r in rows}
    assert len(segments) <= 6  # the demo's few segments are all named: no "Other"
    assert {p.key for p in points} == segments
    months = sorted({p.month for p in points})
    assert len(months) == 12 and months[0] == first.date() and months[-1] == last.date()
    for p in points:
        revenue, customers = expected.get((p.key, p.month), (0.0, 0))
        assert p.revenue == pytest.approx(revenue, abs=0.01)
        assert p.customers == customers
    totals = {k: sum(p.revenue for p in points if p.key == k) for k in segments}
    keys = list(dict.fromkeys(p.key for p in points))
    assert keys == sorted(totals, key=lambda k: -totals[k])  # largest first


def test_member_series_sums_the_rest_as_other(lines: Lines, ref: SqlRef) -> None:
    # without a segment role the series is by region; the demo has 5 regions, so cut the
    # product column in as "region" to get more members than are drawn on their own
    t = lines.table
    by_product = dataclasses.replace(
        lines,
        table=t.mutate(region=t["product"]),
        roles=lines.roles - {"segment"},
    )
    points = member_series(by_product, months=6)
    first = ref.one("SELECT date_trunc('month', max(order_date)) - INTERVAL 5 MONTH FROM t")
    top = [
        r[0]
        for r in ref.con.execute(
            "SELECT product_id, sum(revenue) AS r FROM t WHERE order_date >= ? "
            "GROUP BY 1 ORDER BY r DESC, product_id LIMIT 6",
            [first],
        ).fetchall()
    ]
    keys = list(dict.fromkeys(p.key for p in points))
    assert keys == [*top, "Other"]
    others = ref.con.execute(
        "SELECT date_trunc('month', order_date)::DATE, sum(revenue), count(DISTINCT customer_id) "
        f"FROM t WHERE order_date >= ? AND product_id NOT IN ({','.join('?' * len(top))}) "
        "GROUP BY 1",
        [first, *top],
    ).fetchall()
    got = {p.month: p for p in points if p.key == "Other"}
    assert len(got) == 6
    for month, revenue, customers in others:
        assert got[month].revenue == pytest.approx(revenue, abs=0.01)
        assert got[month].customers == customers
    total = ref.one("SELECT sum(revenue) FROM t WHERE order_date >= ?", first)
    assert sum(p.revenue for p in points) == pytest.approx(total, abs=0.5)


def test_member_series_is_empty_without_segment_or_region(lines: Lines) -> None:
    bare = dataclasses.replace(lines, roles=lines.roles - {"segment", "region"})
    assert member_series(bare) == ()


# --- chart specs read back --------------------------------------------------------------------


def _values(spec: dict[str, Any]) -> list[dict[str, Any]]:
    """Every inline data row of a spec, whatever its layers and panels."""
    out: list[dict[str, Any]] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            data = node.get("data")
            if isinstance(data, dict) and "values" in data:
                out.extend(data["values"])
            for v in node.values():
                walk(v)
        elif isinstance(node, list):
            for v in node:
                walk(v)

    walk(spec)
    for rows in spec.get("datasets", {}).values():
        out.extend(rows)
    return out


def test_every_new_chart_is_there(specs: dict[str, dict[str, Any]]) -> None:
    for name in (
        "revenue_trend",
        "contributors_waterfall",
        "cohort_heatmap",
        "executive_kpis_trend",
        "business_performance_dashboard",
        "monthly_revenue",
        "forecast",
        "daily_revenue",
        "revenue_by_category",
    ):
        assert name in specs
    for spec in specs.values():
        assert spec["config"]["range"]["category"] == PALETTE


def test_waterfall_steps_go_from_previous_to_current_revenue(
    specs: dict[str, dict[str, Any]], report: salescope.Report
) -> None:
    rows = _values(specs["contributors_waterfall"])
    steps = sorted({r["order"]: r for r in rows}.values(), key=lambda r: r["order"])
    revenue = report.kpi("revenue")
    assert revenue is not None and report.drivers is not None
    assert steps[0]["end"] == revenue.previous and steps[-1]["end"] == revenue.value
    assert [s["step"] for s in steps[1:-1]] == ["Volume", "Price", "Mix"]
    d = report.drivers
    assert [s["amount"] for s in steps[1:-1]] == [d.volume, d.price, d.mix]
    level = steps[0]["end"]
    for s in steps[1:-1]:
        assert s["start"] == pytest.approx(level, abs=0.01)
        level += s["amount"]
        assert s["end"] == pytest.approx(level, abs=0.01)
    assert level == pytest.approx(revenue.value, abs=0.05)


def test_waterfall_without_units_uses_the_largest_contributors(report: salescope.Report) -> None:
    assert report.drivers is not None
    plain = dataclasses.replace(
        report, drivers=dataclasses.replace(report.drivers, volume=None, price=None, mix=None)
    )
    rows = _values(chart_specs(plain)["contributors_waterfall"])
    steps = sorted({r["order"]: r for r in rows}.values(), key=lambda r: r["order"])
    moves = steps[1:-1]
    categories = {c.key: c.change for c in report.drivers.contributors if c.dimension == "category"}
    named = [s for s in moves if s["step"] != "Other"]
    assert {s["step"]: s["amount"] for s in named} == {k: categories[k] for k in categories}
    revenue = report.kpi("revenue")
    assert revenue is not None and revenue.value is not None and revenue.previous is not None
    assert sum(s["amount"] for s in moves) == pytest.approx(
        revenue.value - revenue.previous, abs=0.05
    )


def test_heatmap_cells_equal_cohort_retention(
    specs: dict[str, dict[str, Any]], report: salescope.Report
) -> None:
    assert report.customers is not None
    cells = {(r["month"], r["k"]): r for r in _values(specs["cohort_heatmap"]) if "k" in r}
    expected = {
        (h.month.isoformat(), k): (r, h.active[k])
        for h in report.customers.cohorts
        for k, r in enumerate(h.retention)
        if k >= 1
    }
    assert {key: (c["retention"], c["active"]) for key, c in cells.items()} == expected
    for c in cells.values():
        assert c["label"] == f"{100 * c['retention']:.0f}%"


def test_dashboard_totals_equal_the_kpis(
    specs: dict[str, dict[str, Any]], report: salescope.Report
) -> None:
    rows = _values(specs["business_performance_dashboard"])
    tiles = {r["name"]: r for r in rows if "name" in r and "text" in r}
    assert set(tiles) == {"revenue", "orders", "customers", "aov"}
    for name, tile in tiles.items():
        k = report.kpi(name)
        assert k is not None
        assert (tile["value"], tile["previous"], tile["change_pct"]) == (
            k.value,
            k.previous,
            k.change_pct,
        )
    assert tiles["revenue"]["text"] == f"${tiles['revenue']['value']:,.0f}"
    assert tiles["orders"]["text"] == f"{tiles['orders']['value']:,.0f}"
    sign = "+" if tiles["aov"]["change_pct"] >= 0 else "-"
    assert tiles["aov"]["change"].startswith(f"{sign}{abs(tiles['aov']['change_pct']):.1f}%")
    bins = [r for r in rows if "draw_high" in r]
    assert [(b["low"], b["high"], b["orders"]) for b in bins] == [
        (b.low, b.high, b.orders) for b in report.order_values
    ]
    region = report.breakdown("region")
    category = report.breakdown("category")
    assert region is not None and category is not None
    markets = {r["key"]: r["revenue"] for r in rows if "revenue" in r and "key" in r}
    assert {m.key: m.revenue for m in region.rows} == {
        k: v for k, v in markets.items() if k in {m.key for m in region.rows}
    }
    shares = {r["key"]: r["share"] for r in rows if "share" in r and r.get("key") in
              {m.key for m in category.rows}}  # fmt: skip
    assert shares == {m.key: m.share for m in category.rows}


def test_kpis_trend_equals_member_series(
    specs: dict[str, dict[str, Any]], report: salescope.Report
) -> None:
    rows = _values(specs["executive_kpis_trend"])
    got = {(r["key"], r["month"]): (r["revenue"], r["customers"]) for r in rows}
    assert got == {
        (p.key, p.month.isoformat()): (p.revenue, p.customers) for p in report.member_series
    }


def test_revenue_trend_overlays_a_year_earlier_and_the_forecast(
    specs: dict[str, dict[str, Any]], report: salescope.Report
) -> None:
    rows = _values(specs["revenue_trend"])
    full = {p.date: p.revenue for p in report.timeseries.points if not p.partial}
    actual = {r["month"]: r["revenue"] for r in rows if r.get("series") == "Revenue"}
    assert actual == {d.isoformat(): v for d, v in full.items()}
    earlier = {r["month"]: r["revenue"] for r in rows if r.get("series", "").startswith("Same")}
    assert earlier and all(
        v == full[date(int(m[:4]) - 1, int(m[5:7]), 1)] for m, v in earlier.items()
    )
    assert report.forecast is not None
    ahead = {r["month"]: r["revenue"] for r in rows if r.get("series") == "Forecast"}
    assert ahead == {f.date.isoformat(): f.value for f in report.forecast.points}
    band = {r["month"]: (r["lower"], r["upper"]) for r in rows if "lower" in r}
    assert band == {f.date.isoformat(): (f.lower, f.upper) for f in report.forecast.points}
    marked = {r["month"] for r in rows if "days" in r}
    months_with_anomalies = {
        a.date.replace(day=1).isoformat() for a in report.anomalies if a.date.replace(day=1) in full
    }
    assert marked == months_with_anomalies and marked


def test_charts_without_their_data_are_left_out(report: salescope.Report) -> None:
    bare = dataclasses.replace(
        report, order_values=(), member_series=(), drivers=None, customers=None, forecast=None
    )
    specs = chart_specs(bare)
    for name in ("executive_kpis_trend", "contributors_waterfall", "cohort_heatmap", "forecast"):
        assert name not in specs
    rows = _values(specs["business_performance_dashboard"])
    assert not [r for r in rows if "draw_high" in r]  # no order-value panel
    assert "revenue_trend" in specs


# --- files ------------------------------------------------------------------------------------


def test_pngs_are_written_for_every_chart(report: salescope.Report, tmp_path: Path) -> None:
    written = write_pngs(report, tmp_path / "charts")
    names = {p.name for p in written}
    assert names == {f"{n}.png" for n in chart_specs(report)}
    assert {"executive_kpis_trend.png", "business_performance_dashboard.png"} <= names
    for path in written:
        head = path.read_bytes()[:8]
        assert head == b"\x89PNG\r\n\x1a\n"
        assert path.stat().st_size > 20_000, path.name


def test_every_spec_is_valid_vega_lite(specs: dict[str, dict[str, Any]]) -> None:
    """The report builds its specs without Altair's schema check (most of the charts'
    time); the same check runs here, on every chart the demo report draws."""
    from altair.utils.schemapi import validate_jsonschema
    from altair.vegalite.v6.schema.core import load_schema

    schema = load_schema()
    errors = {name: validate_jsonschema(s, schema, raise_error=False) for name, s in specs.items()}
    assert {name: str(e)[:300] for name, e in errors.items() if e is not None} == {}


def test_the_schema_check_finds_a_wrong_spec(specs: dict[str, dict[str, Any]]) -> None:
    from altair.utils.schemapi import validate_jsonschema
    from altair.vegalite.v6.schema.core import load_schema

    wrong = {**specs["monthly_revenue"], "mark": {"type": "sparkle"}}
    assert validate_jsonschema(wrong, load_schema(), raise_error=False) is not None
