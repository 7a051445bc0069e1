"""Tests for the demo data generator.

Every planted effect is checked from the written files with SQL (DuckDB) or plain Python,
not by re-reading the generator's internals: the point is that a report reading these files
can actually find what ``_planted_effects.json`` promises.
"""

from __future__ import annotations

import csv
import json
import statistics
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import duckdb
import pyarrow.parquet as pq
import pytest

from salescope.demo_data import SALES_COLUMNS, DemoFiles, generate_sales, write_demo_data

ROWS = 20_000
SEED = 7
SPAN_START = date(2024, 10, 1)
SPAN_END = date(2026, 9, 30)


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> DemoFiles:
    return write_demo_data(tmp_path_factory.mktemp("demo"), rows=ROWS, seed=SEED)


@pytest.fixture(scope="module")
def planted(demo: DemoFiles) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(demo.planted.read_text(encoding="utf-8"))
    return data


def _order_views(db: duckdb.DuckDBPyConnection) -> None:
    """One row per real (non-return) order, and real orders per day."""
    db.execute(
        "CREATE VIEW orders AS SELECT order_id, any_value(order_date) AS d, "
        "any_value(channel) AS channel FROM sales WHERE quantity > 0 GROUP BY order_id"
    )
    db.execute("CREATE VIEW daily AS SELECT d, count(*) AS n FROM orders GROUP BY d")


@pytest.fixture(scope="module")
def con(demo: DemoFiles) -> Iterator[duckdb.DuckDBPyConnection]:
    """The written 20k-line files, read back with DuckDB."""
    db = duckdb.connect()
    for name, path in (
        ("sales", demo.sales),
        ("spend", demo.marketing_spend),
        ("campaigns", demo.campaigns),
        ("quotas", demo.quotas),
        ("inventory", demo.inventory),
    ):
        db.execute(f"CREATE VIEW {name} AS SELECT * FROM read_csv('{path}')")
    _order_views(db)
    yield db
    db.close()


@pytest.fixture(scope="module")
def big() -> Iterator[duckdb.DuckDBPyConnection]:
    """Default-size sales (200k lines) for effects that 20k lines are too few to show reliably.

    E.g. Email makes ~2 orders a day at 20k lines, so +40% over two weeks drowns in noise.
    The planted dates and products depend on the seed only, so ``planted`` applies here too
    (checked in test_planted_effects_do_not_depend_on_rows). Generating takes well under 1 s.
    """
    db = duckdb.connect()
    db.register("sales_table", generate_sales(rows=200_000, seed=SEED))
    db.execute("CREATE VIEW sales AS SELECT * FROM sales_table")
    _order_views(db)
    yield db
    db.close()


def one(db: duckdb.DuckDBPyConnection, sql: str, params: list[Any] | None = None) -> Any:
    row = db.execute(sql, params or []).fetchone()
    assert row is not None
    return row[0]


def _day(value: str) -> date:
    return date.fromisoformat(value)


# --- determinism and shape --------------------------------------------------------------------


def test_same_seed_gives_identical_files(demo: DemoFiles, tmp_path: Path) -> None:
    again = write_demo_data(tmp_path / "again", rows=ROWS, seed=SEED)
    for field in ("sales", "marketing_spend", "campaigns", "quotas", "inventory", "planted"):
        first, second = getattr(demo, field), getattr(again, field)
        assert first.name == second.name
        assert first.read_bytes() == second.read_bytes(), field


def test_different_seed_gives_different_data(demo: DemoFiles, tmp_path: Path) -> None:
    other = write_demo_data(tmp_path, rows=ROWS, seed=SEED + 1)
    assert other.sales.read_bytes() != demo.sales.read_bytes()
    assert other.planted.read_bytes() != demo.planted.read_bytes()


def test_writes_all_files_and_creates_the_directory(tmp_path: Path) -> None:
    out = tmp_path / "nested" / "dir"
    files = write_demo_data(out, rows=1000)
    assert files.sales == out / "sales.csv"
    for path in (files.marketing_spend, files.campaigns, files.quotas, files.inventory):
        assert path.parent == out and path.suffix == ".csv" and path.stat().st_size > 0
    assert files.planted == out / "_planted_effects.json"


@pytest.mark.parametrize("rows", [1000, 1001, 12_345])
def test_exact_row_count(rows: int) -> None:
    assert generate_sales(rows=rows, seed=3).num_rows == rows


def test_written_row_count_and_columns(con: duckdb.DuckDBPyConnection) -> None:
    assert one(con, "SELECT count(*) FROM sales") == ROWS
    described = con.execute("DESCRIBE sales").fetchall()
    assert tuple(r[0] for r in described) == SALES_COLUMNS
    types = {r[0]: r[1] for r in described}
    assert types["order_date"] == "DATE"
    assert types["quantity"] == "BIGINT"
    for col in ("unit_price", "discount", "revenue", "unit_cost"):
        assert types[col] == "DOUBLE"


def test_parquet_output_matches_generate_sales(tmp_path: Path) -> None:
    files = write_demo_data(tmp_path, rows=3000, seed=11, fmt="parquet")
    assert files.sales == tmp_path / "sales.parquet"
    assert files.inventory.suffix == ".csv"
    db = duckdb.connect()
    assert one(db, f"SELECT count(*) FROM read_parquet('{files.sales}')") == 3000
    db.close()
    table = pq.read_table(files.sales)
    assert table.equals(generate_sales(rows=3000, seed=11))
    assert tuple(table.column_names) == SALES_COLUMNS


def test_rejects_bad_arguments(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="rows"):
        generate_sales(rows=999)
    with pytest.raises(ValueError, match="fmt"):
        write_demo_data(tmp_path, rows=1000, fmt="xlsx")


def test_planted_effects_keys(planted: dict[str, Any]) -> None:
    assert set(planted) >= {
        "generator",
        "date_span",
        "seasonality",
        "anomalous_days",
        "campaign",
        "other_campaigns",
        "declining_category",
        "price_increase",
        "stockouts",
        "quota_overachiever",
        "returns",
    }
    assert planted["date_span"] == {"start": "2024-10-01", "end": "2026-09-30"}
    assert planted["generator"]["rows"] == ROWS and planted["generator"]["seed"] == SEED


def test_planted_effects_do_not_depend_on_rows(tmp_path: Path, planted: dict[str, Any]) -> None:
    small = json.loads(write_demo_data(tmp_path, rows=1000, seed=SEED).planted.read_text())
    for key in ("anomalous_days", "campaign", "declining_category", "price_increase", "stockouts"):
        assert small[key] == planted[key], key
    for key in ("sales_rep", "region", "period"):
        assert small["quota_overachiever"][key] == planted["quota_overachiever"][key]


# --- line values ------------------------------------------------------------------------------


def test_identifier_formats(con: duckdb.DuckDBPyConnection) -> None:
    bad = one(
        con,
        r"""SELECT count(*) FROM sales WHERE NOT (
            regexp_full_match(order_id, 'SO-\d{6,}')
            AND regexp_full_match(customer_id, 'C\d{5,}')
            AND regexp_full_match(product_id, 'P\d{4}')
            AND regexp_full_match(customer_name, '[A-Z][a-z]+ [A-Z][a-z]+')
            AND regexp_full_match(sales_rep, '[A-Z][a-z]+ [A-Z][a-z]+'))""",
    )
    assert bad == 0


def test_revenue_is_rounded_formula_in_sql(con: duckdb.DuckDBPyConnection) -> None:
    sql = "SELECT count(*) FROM sales WHERE revenue <> round(quantity*unit_price*(1-discount), 2)"
    assert one(con, sql) == 0
    # The check is not vacuous: plenty of discounted lines.
    assert one(con, "SELECT avg((discount > 0)::INT) FROM sales") > 0.15


def test_revenue_is_rounded_formula_in_python(demo: DemoFiles) -> None:
    with demo.sales.open(newline="", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            q, p, d = int(row["quantity"]), float(row["unit_price"]), float(row["discount"])
            assert float(row["revenue"]) == round(q * p * (1 - d), 2), row


def test_quantity_discount_cost_ranges(con: duckdb.DuckDBPyConnection) -> None:
    row = con.execute(
        """SELECT min(quantity) FILTER (WHERE quantity > 0), max(quantity),
                  avg((quantity BETWEEN 1 AND 3)::INT) FILTER (WHERE quantity > 0),
                  min(discount), max(discount), avg((discount = 0)::INT),
                  count(*) FILTER (WHERE round(discount, 2) <> discount
                                   OR round(unit_price, 2) <> unit_price),
                  min(unit_cost / unit_price), max(unit_cost / unit_price)
           FROM sales"""
    ).fetchone()
    assert row is not None
    q_min, q_max, small, d_min, d_max, no_disc, not_cents, c_min, c_max = row
    assert q_min == 1 and q_max <= 12
    assert small > 0.75
    assert d_min == 0 and d_max <= 0.3 and no_disc > 0.5
    assert not_cents == 0
    assert c_min >= 0.39 and c_max <= 0.7


def test_catalog(con: duckdb.DuckDBPyConnection) -> None:
    assert one(con, "SELECT count(DISTINCT product_id) FROM sales") >= 120
    rows = con.execute(
        """SELECT category, count(DISTINCT product_id), min(unit_price), max(unit_price)
           FROM sales WHERE order_date < DATE '2026-07-01' GROUP BY category"""
    ).fetchall()
    cats = {r[0]: r[1:] for r in rows}
    assert set(cats) == {
        "Electronics",
        "Home & Kitchen",
        "Sports & Outdoors",
        "Beauty",
        "Office Supplies",
        "Toys & Games",
    }
    assert cats["Electronics"][1] >= 20 and cats["Electronics"][2] <= 900
    assert cats["Office Supplies"][1] >= 2 and cats["Office Supplies"][2] <= 60
    # Each product id has one name and one category.
    sql = """SELECT count(*) FROM (SELECT product_id FROM sales GROUP BY product_id
             HAVING count(DISTINCT product_name) > 1 OR count(DISTINCT category) > 1)"""
    assert one(con, sql) == 0


def test_dates_cover_the_fixed_span(con: duckdb.DuckDBPyConnection) -> None:
    lo, hi, n_days = con.execute(
        "SELECT min(order_date), max(order_date), count(DISTINCT order_date) FROM sales"
    ).fetchone() or (None, None, None)
    assert lo == SPAN_START and hi == SPAN_END
    # ~25 lines a day: at most a drop day or two can be empty.
    assert n_days >= (SPAN_END - SPAN_START).days + 1 - 3


# --- orders, customers, reps ------------------------------------------------------------------


def test_lines_of_an_order_agree(con: duckdb.DuckDBPyConnection) -> None:
    sql = """SELECT count(*) FROM (SELECT order_id FROM sales GROUP BY order_id HAVING
             count(DISTINCT order_date) > 1 OR count(DISTINCT customer_id) > 1
             OR count(DISTINCT region) > 1 OR count(DISTINCT channel) > 1
             OR count(DISTINCT sales_rep) > 1 OR count(*) > 5
             OR count(DISTINCT product_id) <> count(*))"""
    assert one(con, sql) == 0
    lines = con.execute(
        "SELECT n, count(*) FROM (SELECT count(*) AS n FROM sales WHERE quantity > 0 "
        "GROUP BY order_id) GROUP BY n ORDER BY n"
    ).fetchall()
    by_n = dict(lines)
    assert by_n[1] > by_n[2] > by_n[3] and sum(by_n.values()) > ROWS / 2.5
    # Order numbers follow the date.
    sql = """SELECT count(*) FROM (SELECT order_date,
             lag(order_date) OVER (ORDER BY order_id) AS prev FROM sales) WHERE order_date < prev"""
    assert one(con, sql) == 0


def test_customers(con: duckdb.DuckDBPyConnection) -> None:
    n_customers = one(con, "SELECT count(DISTINCT customer_id) FROM sales")
    assert 0.5 * ROWS / 25 <= n_customers <= max(200, ROWS // 25)
    # Fixed attributes per customer.
    sql = """SELECT count(*) FROM (SELECT customer_id FROM sales GROUP BY customer_id HAVING
             count(DISTINCT segment) > 1 OR count(DISTINCT region) > 1
             OR count(DISTINCT sales_rep) > 1 OR count(DISTINCT customer_name) > 1)"""
    assert one(con, sql) == 0
    assert {r[0] for r in con.execute("SELECT DISTINCT segment FROM sales").fetchall()} == {
        "Consumer",
        "Corporate",
        "Small Business",
    }
    # Concentrated spend and repeat buyers.
    top_share = one(
        con,
        """WITH c AS (SELECT customer_id, sum(revenue) AS r FROM sales GROUP BY 1),
           k AS (SELECT r, row_number() OVER (ORDER BY r DESC) AS rk, count(*) OVER () AS n
                 FROM c)
           SELECT sum(r) FILTER (WHERE rk <= n / 10) / sum(r) FROM k""",
    )
    assert top_share > 0.3
    repeat = one(
        con,
        """SELECT avg((n >= 2)::INT) FROM (SELECT customer_id, count(DISTINCT order_id) AS n
           FROM sales WHERE quantity > 0 GROUP BY 1)""",
    )
    assert repeat > 0.5
    # Customers mostly use their preferred channel.
    loyal = one(
        con,
        """WITH cc AS (SELECT customer_id, channel, count(DISTINCT order_id) AS n FROM sales
                       GROUP BY ALL)
           SELECT sum(m) / sum(t) FROM (SELECT max(n) AS m, sum(n) AS t FROM cc
                                         GROUP BY customer_id)""",
    )
    assert loyal > 0.7
    # Customers are acquired over time: a later first order date for many.
    late = one(
        con,
        """SELECT avg((f >= DATE '2025-04-01')::INT) FROM (SELECT min(order_date) AS f FROM sales
           GROUP BY customer_id)""",
    )
    assert 0.2 < late < 0.8


def test_reps_cover_one_region_each(con: duckdb.DuckDBPyConnection) -> None:
    rows = con.execute("SELECT sales_rep, count(DISTINCT region) FROM sales GROUP BY 1").fetchall()
    assert len(rows) == 12
    assert all(n == 1 for _, n in rows)
    regions = {r[0] for r in con.execute("SELECT DISTINCT region FROM sales").fetchall()}
    assert regions == {"North", "South", "East", "West", "Central"}
    channels = {r[0] for r in con.execute("SELECT DISTINCT channel FROM sales").fetchall()}
    assert channels == {"Direct", "Organic Search", "Paid Search", "Social", "Email", "Affiliate"}


# --- returns ----------------------------------------------------------------------------------


def test_returns(con: duckdb.DuckDBPyConnection, planted: dict[str, Any]) -> None:
    frac = one(con, "SELECT avg((quantity < 0)::INT) FROM sales")
    assert 0.01 <= frac <= 0.03
    assert one(con, "SELECT count(*) FROM sales WHERE quantity < 0") == planted["returns"]["lines"]
    assert one(con, "SELECT count(*) FROM sales WHERE (quantity < 0) <> (revenue < 0)") == 0
    # Every return undoes (part of) an earlier purchase of that product by that customer.
    unmatched = one(
        con,
        """SELECT count(*) FROM sales r WHERE r.quantity < 0 AND NOT EXISTS (
             SELECT 1 FROM sales b WHERE b.customer_id = r.customer_id
             AND b.product_id = r.product_id AND b.order_date < r.order_date
             AND b.quantity >= -r.quantity AND b.unit_price = r.unit_price)""",
    )
    assert unmatched == 0


# --- calendar patterns ------------------------------------------------------------------------


def test_weekend_has_fewer_orders(con: duckdb.DuckDBPyConnection) -> None:
    ratio = one(
        con,
        """SELECT avg(n) FILTER (WHERE isodow(d) >= 6) / avg(n) FILTER (WHERE isodow(d) < 6)
           FROM daily""",
    )
    assert 0.6 <= ratio <= 0.8


def test_trend_and_holiday_peak(big: duckdb.DuckDBPyConnection) -> None:
    growth = one(
        big,
        """SELECT count(*) FILTER (WHERE d >= DATE '2025-10-01')
                  / count(*) FILTER (WHERE d < DATE '2025-10-01') FROM orders""",
    )
    assert 1.08 <= growth <= 1.25
    peak = one(
        big,
        """SELECT avg(n) FILTER (WHERE month(d) IN (11, 12))
                  / avg(n) FILTER (WHERE month(d) IN (9, 10)) FROM daily""",
    )
    assert peak > 1.2
    summer = one(
        big,
        """SELECT avg(n) FILTER (WHERE month(d) IN (7)) / avg(n) FILTER (WHERE month(d) IN (4))
           FROM daily WHERE year(d) = 2025""",
    )
    assert summer < 0.95


def test_anomalous_days(big: duckdb.DuckDBPyConnection, planted: dict[str, Any]) -> None:
    anomalies = planted["anomalous_days"]
    assert sorted(a["kind"] for a in anomalies) == ["drop", "drop", "spike", "spike"]
    counts = dict(big.execute("SELECT d, n FROM daily").fetchall())
    anomaly_days = {_day(a["date"]) for a in anomalies}
    camp = planted["campaign"]
    for a in anomalies:
        day = _day(a["date"])
        assert day.weekday() < 5
        assert not _day(camp["start_date"]) <= day <= _day(camp["end_date"])
        # Same weekday, eight weeks either side.
        around = [day + timedelta(weeks=w) for w in range(-8, 9) if w]
        baseline = statistics.median(
            counts.get(d, 0) for d in around if d not in anomaly_days and d in counts
        )
        if a["kind"] == "spike":
            assert a["order_multiplier"] == 3.0
            assert counts[day] > 2 * baseline, (day, counts[day], baseline)
        else:
            assert a["order_multiplier"] == 0.25
            assert counts.get(day, 0) < 0.5 * baseline, (day, counts.get(day), baseline)


# --- planted business effects -----------------------------------------------------------------


def test_campaign_uplift(
    big: duckdb.DuckDBPyConnection, planted: dict[str, Any], demo: DemoFiles
) -> None:
    camp = planted["campaign"]
    assert camp["name"] == "Spring Sale 2026" and camp["channel"] == "Email"
    assert (camp["start_date"], camp["end_date"]) == ("2026-04-06", "2026-04-19")
    start, end = _day(camp["start_date"]), _day(camp["end_date"])
    sql = f"""SELECT (count(*) FILTER (WHERE d BETWEEN DATE '{start}' AND DATE '{end}') / 14.0)
                     / (count(*) FILTER (WHERE d NOT BETWEEN DATE '{start}' AND DATE '{end}')
                        / 56.0)
              FROM orders WHERE channel {{}} 'Email'
              AND d BETWEEN DATE '{start}' - INTERVAL 28 DAY AND DATE '{end}' + INTERVAL 28 DAY"""
    assert one(big, sql.format("=")) > 1.25
    assert 0.9 < one(big, sql.format("<>")) < 1.1
    with demo.campaigns.open(newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) >= 2
    assert {
        "campaign": "Spring Sale 2026",
        "channel": "Email",
        "start_date": "2026-04-06",
        "end_date": "2026-04-19",
    } in rows
    others = {o["name"] for o in planted["other_campaigns"]}
    assert others == {r["campaign"] for r in rows} - {"Spring Sale 2026"}


def test_declining_category(big: duckdb.DuckDBPyConnection, planted: dict[str, Any]) -> None:
    assert planted["declining_category"]["category"] == "Toys & Games"
    # Each category's Sep 2026 lines over its Mar-May 2026 monthly average, relative to all.
    shares = dict(
        big.execute(
            """SELECT category,
                 (count(*) FILTER (WHERE order_date >= DATE '2026-09-01')
                  / count(*) FILTER (WHERE order_date >= DATE '2026-03-01'
                                     AND order_date < DATE '2026-06-01'))
                 / (SELECT count(*) FILTER (WHERE order_date >= DATE '2026-09-01')
                    / count(*) FILTER (WHERE order_date >= DATE '2026-03-01'
                                       AND order_date < DATE '2026-06-01')
                    FROM sales WHERE quantity > 0)
               FROM sales WHERE quantity > 0 GROUP BY category"""
        ).fetchall()
    )
    assert shares["Toys & Games"] < 0.7
    assert all(v > 0.9 for k, v in shares.items() if k != "Toys & Games")


def test_beauty_price_increase(
    con: duckdb.DuckDBPyConnection, big: duckdb.DuckDBPyConnection, planted: dict[str, Any]
) -> None:
    inc = planted["price_increase"]
    assert inc == {**inc, "category": "Beauty", "effective_date": "2026-07-01", "factor": 1.12}
    ratios = dict(
        con.execute(
            """SELECT product_id,
                 median(unit_price) FILTER (WHERE order_date >= DATE '2026-07-01')
                 / median(unit_price) FILTER (WHERE order_date < DATE '2026-07-01')
               FROM sales WHERE quantity > 0 AND category = 'Beauty' GROUP BY 1"""
        ).fetchall()
    )
    sold_both = [r for r in ratios.values() if r is not None]
    assert len(sold_both) >= 15
    assert statistics.median(sold_both) == pytest.approx(1.12, abs=0.003)
    # Other products never change price.
    sql = """SELECT count(*) FROM (SELECT product_id FROM sales WHERE category <> 'Beauty'
             GROUP BY 1 HAVING count(DISTINCT unit_price) > 1)"""
    assert one(con, sql) == 0
    # Volume unchanged: Beauty's share of lines in Q3 2026 is close to Q2 2026.
    share = one(
        big,
        """SELECT avg((category = 'Beauty')::INT) FILTER (WHERE order_date >= DATE '2026-07-01')
                  / avg((category = 'Beauty')::INT) FILTER (WHERE order_date >= DATE '2026-04-01'
                                                           AND order_date < DATE '2026-07-01')
           FROM sales WHERE quantity > 0""",
    )
    assert 0.9 < share < 1.1


def test_stockouts(
    con: duckdb.DuckDBPyConnection, big: duckdb.DuckDBPyConnection, planted: dict[str, Any]
) -> None:
    stockouts = planted["stockouts"]
    assert len(stockouts) == 3
    inside_total = 0
    for s in stockouts:
        start, end = _day(s["start_date"]), _day(s["end_date"])
        assert start.year == 2026 and 10 <= (end - start).days + 1 == s["days"] <= 20
        args = [s["product_id"], start, end]
        during = "product_id = ? AND order_date BETWEEN ? AND ?"
        assert one(con, f"SELECT count(*) FROM sales WHERE {during}", args) == 0
        assert one(big, f"SELECT count(*) FROM sales WHERE {during}", args) == 0
        # The product sells every day or two around the stretch, so the gap is visible.
        per_day = one(
            big,
            """SELECT count(DISTINCT order_date) / 120.0 FROM sales WHERE product_id = ?
               AND quantity > 0 AND order_date BETWEEN ? - INTERVAL 60 DAY AND ? + INTERVAL 60 DAY
               AND order_date NOT BETWEEN ? AND ?""",
            [*args, start, end],
        )
        assert per_day > 0.5
        snaps = con.execute(
            "SELECT on_hand, stockout FROM inventory WHERE product_id = ? AND date BETWEEN ? AND ?",
            args,
        ).fetchall()
        assert snaps and all(on_hand == 0 and out for on_hand, out in snaps)
        inside_total += len(snaps)
    # Nowhere else is anything out of stock.
    assert one(con, "SELECT count(*) FROM inventory WHERE stockout") == inside_total
    assert one(con, "SELECT count(*) FROM inventory WHERE NOT stockout AND on_hand <= 0") == 0


def test_inventory_snapshots(con: duckdb.DuckDBPyConnection) -> None:
    n_products = one(con, "SELECT count(DISTINCT product_id) FROM inventory")
    assert n_products >= 120
    bad = one(con, "SELECT count(*) FROM inventory WHERE isodow(date) <> 1")
    assert bad == 0
    weeks = one(con, "SELECT count(DISTINCT date) FROM inventory")
    assert one(con, "SELECT count(*) FROM inventory") == weeks * n_products
    assert weeks == 104


def test_quotas_and_overachiever(
    con: duckdb.DuckDBPyConnection, big: duckdb.DuckDBPyConnection, planted: dict[str, Any]
) -> None:
    assert one(con, "SELECT count(*) FROM quotas") == 12 * 8
    assert one(con, "SELECT count(DISTINCT period) FROM quotas") == 8
    rows = con.execute(
        """SELECT q.sales_rep, q.period, sum(s.revenue) / any_value(q.quota)
           FROM quotas q JOIN sales s ON s.sales_rep = q.sales_rep
             AND s.order_date BETWEEN q.period_start AND q.period_end
           GROUP BY ALL"""
    ).fetchall()
    assert len(rows) == 96
    star = planted["quota_overachiever"]
    assert star["period"] == "2026-Q3"
    attainment = {(rep, period): value for rep, period, value in rows}
    got = attainment.pop((star["sales_rep"], star["period"]))
    assert got == pytest.approx(star["attainment"], abs=1e-3)
    assert got >= 1.4
    assert all(0.8 <= v <= 1.2 for v in attainment.values())
    # The over-achiever really sold more, not just got a low quota.
    jump = one(
        big,
        """SELECT sum(revenue) FILTER (WHERE order_date >= DATE '2026-07-01')
                  / sum(revenue) FILTER (WHERE order_date >= DATE '2026-04-01'
                                         AND order_date < DATE '2026-07-01')
           FROM sales WHERE sales_rep = ?""",
        [star["sales_rep"]],
    )
    assert jump > 1.2


# --- marketing spend --------------------------------------------------------------------------


def test_marketing_spend(con: duckdb.DuckDBPyConnection, planted: dict[str, Any]) -> None:
    n_days = (SPAN_END - SPAN_START).days + 1
    assert one(con, "SELECT count(*) FROM spend") == 4 * n_days
    channels = {r[0] for r in con.execute("SELECT DISTINCT channel FROM spend").fetchall()}
    assert channels == {"Paid Search", "Social", "Email", "Affiliate"}
    bad = one(
        con,
        """SELECT count(*) FROM spend WHERE spend <= 0 OR clicks < conversions
           OR impressions < clicks OR conversions < 0""",
    )
    assert bad == 0
    # Conversions come from that channel's real orders (attributed, so never more).
    row = con.execute(
        """WITH o AS (SELECT d, channel, count(*) AS n FROM orders GROUP BY ALL)
           SELECT sum(s.conversions) / sum(coalesce(o.n, 0)),
                  count(*) FILTER (WHERE s.conversions > coalesce(o.n, 0))
           FROM spend s LEFT JOIN o ON o.d = s.date AND o.channel = s.channel"""
    ).fetchone()
    assert row is not None
    assert 0.8 <= row[0] <= 1.0 and row[1] == 0
    # The campaign is labelled on exactly its Email days, and Email spend rises there.
    camp = planted["campaign"]
    labelled = con.execute(
        "SELECT min(date), max(date), count(*) FROM spend WHERE campaign = ? AND channel = ?",
        [camp["name"], camp["channel"]],
    ).fetchone()
    assert labelled == (_day(camp["start_date"]), _day(camp["end_date"]), 14)
    lift = one(
        con,
        """SELECT avg(spend) FILTER (WHERE campaign IS NOT NULL)
                  / avg(spend) FILTER (WHERE campaign IS NULL)
           FROM spend WHERE channel = 'Email'
           AND date BETWEEN DATE '2026-03-09' AND DATE '2026-05-17'""",
    )
    assert lift > 1.5
    ctr = one(con, "SELECT sum(clicks) / sum(impressions) FROM spend WHERE channel = 'Paid Search'")
    assert 0.01 < ctr < 0.1
