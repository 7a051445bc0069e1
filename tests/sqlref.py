"""Reference figures by plain SQL on the raw file, written independently of salescope.

Used by tests to check salescope's numbers; it knows the demo column names and
DESIGN's metric definitions, nothing of salescope's code.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import duckdb


class SqlRef:
    """KPIs for one date window of a sales-lines file with the demo's column names."""

    def __init__(self, path: Path) -> None:
        self.con = duckdb.connect()
        reader = "read_parquet" if path.suffix == ".parquet" else "read_csv_auto"
        self.con.execute(f"CREATE TABLE t AS SELECT * FROM {reader}('{path}')")

    def one(self, sql: str, *params: Any) -> Any:
        row = self.con.execute(sql, list(params)).fetchone()
        assert row is not None
        return row[0]

    def kpis(self, start: date, end: date) -> dict[str, float]:
        w = "order_date BETWEEN ? AND ?"
        row = self.con.execute(
            f"""
            SELECT sum(revenue),
                   count(DISTINCT order_id) FILTER (WHERE quantity >= 0 AND revenue >= 0),
                   sum(quantity),
                   count(DISTINCT customer_id),
                   -coalesce(sum(revenue) FILTER (WHERE quantity < 0 OR revenue < 0), 0),
                   sum(quantity * unit_price * discount) FILTER (WHERE quantity >= 0)
                     / sum(quantity * unit_price) FILTER (WHERE quantity >= 0),
                   (sum(revenue) - sum(unit_cost * quantity)) / sum(revenue)
            FROM t WHERE {w}
            """,
            [start, end],
        ).fetchone()
        assert row is not None
        revenue, orders, units, customers, returns, discount_rate, margin = row
        new = self.one(
            "SELECT count(*) FROM (SELECT customer_id, min(order_date) AS f FROM t GROUP BY 1) "
            "WHERE f BETWEEN ? AND ?",
            start,
            end,
        )
        products = self.one(
            f"SELECT count(*) FROM (SELECT product_id, sum(quantity) AS u FROM t WHERE {w} "
            "GROUP BY 1) WHERE u > 0",
            start,
            end,
        )
        return {
            "revenue": revenue,
            "orders": orders,
            "units": units,
            "customers": customers,
            "new_customers": new,
            "returning_customers": customers - new,
            "aov": revenue / orders,
            "revenue_per_customer": revenue / customers,
            "units_per_order": units / orders,
            "avg_unit_price": revenue / units,
            "products_sold": products,
            "returns": returns,
            "discount_rate": discount_rate,
            "gross_margin": margin,
        }

    def retention(self, prev: tuple[date, date], cur: tuple[date, date]) -> float:
        both = self.one(
            "SELECT count(*) FROM (SELECT DISTINCT customer_id FROM t WHERE order_date "
            "BETWEEN ? AND ?) p JOIN (SELECT DISTINCT customer_id FROM t WHERE order_date "
            "BETWEEN ? AND ?) c USING (customer_id)",
            *prev,
            *cur,
        )
        before = self.one(
            "SELECT count(DISTINCT customer_id) FROM t WHERE order_date BETWEEN ? AND ?", *prev
        )
        return float(both / before)

    def by(self, column: str, start: date, end: date) -> dict[str, float]:
        rows = self.con.execute(
            f"SELECT {column}, sum(revenue) FROM t WHERE order_date BETWEEN ? AND ? GROUP BY 1",
            [start, end],
        ).fetchall()
        return {str(k): float(v) for k, v in rows}
