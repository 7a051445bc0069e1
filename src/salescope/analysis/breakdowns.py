"""Revenue by dimension (category, product, region ...), this period against the previous."""

from __future__ import annotations

import ibis
import ibis.expr.types as ir

from salescope.metrics.definitions import change_pct
from salescope.metrics.kpis import Windows
from salescope.model import Breakdown, Member
from salescope.quality.validate import Lines

# role -> (canonical column, label)
DIMENSIONS: tuple[tuple[str, str, str], ...] = (
    ("category", "category", "Category"),
    ("product", "product", "Product"),
    ("region", "region", "Region"),
    ("country", "country", "Country"),
    ("channel", "channel", "Channel"),
    ("sales_rep", "sales_rep", "Sales rep"),
    ("segment", "segment", "Customer segment"),
)
MISSING_KEY = "(missing)"
MAX_LISTED = 50
# dimensions of goods: postage, fees and gift cards are never their members
GOODS_DIMENSIONS = frozenset({"product", "product_id", "product_name", "category"})


def goods_lines(lines: Lines, t: ir.Table, column: str) -> ir.Table:
    """``t`` without its non-merchandise lines when ``column`` is a dimension of goods
    (they carry no product or category, and must not show as a "(missing)" one)."""
    if column in GOODS_DIMENSIONS and lines.has("line_type"):
        return t.filter(t.line_type != "non_merchandise")
    return t


def compute_breakdown(
    lines: Lines,
    windows: Windows,
    role: str,
    column: str,
    label: str,
    limit: int,
    total_revenue: float | None,
) -> Breakdown:
    """One dimension: a single grouped query, top ``limit`` members by revenue."""
    t = goods_lines(lines, lines.table, column)
    t = t.filter(windows.any_flag(t, ("cur", "prev")))
    cur = windows.flag(t, "cur")
    key = t[column].fill_null(MISSING_KEY)
    aggs: dict[str, ir.Scalar] = {
        "revenue": t.revenue.sum(where=cur).fill_null(0.0),
        "orders": (t.order_id.nunique(where=cur) if lines.has("order_id") else t.count(where=cur)),
        "units": (t.quantity.sum(where=cur) if lines.has("quantity") else ibis.literal(0.0)),
    }
    if "prev" in windows:
        aggs["previous"] = t.revenue.sum(where=windows.flag(t, "prev")).fill_null(0.0)
    if lines.has("customer_id"):
        aggs["customers"] = t.customer_id.nunique(where=cur)
    if role == "product" and lines.has("product_name") and lines.has("product_id"):
        aggs["name"] = t.product_name.max()
    grouped = t.group_by(key=key).aggregate(**aggs)
    top = grouped.order_by([ibis.desc("revenue"), "key"]).limit(limit).to_pyarrow().to_pylist()
    # a full page may hide more members: only then count them
    members = len(top) if len(top) < limit else int(grouped.count().to_pyarrow().as_py())
    rows = []
    for r in top:
        revenue = round(float(r["revenue"]), 2)
        previous = round(float(r["previous"]), 2) if "previous" in r else None
        rows.append(
            Member(
                key=str(r["key"])
                if "name" not in r or r["name"] is None
                else f"{r['name']} ({r['key']})",
                revenue=revenue,
                share=round(revenue / total_revenue, 6) if total_revenue else None,
                previous=previous,
                change=None if previous is None else round(revenue - previous, 2),
                change_pct=change_pct(revenue, previous),
                orders=int(r["orders"] or 0),
                units=round(float(r["units"] or 0), 4),
                customers=int(r["customers"] or 0) if "customers" in r else None,
            )
        )
    return Breakdown(role=role, label=label, rows=tuple(rows), members=members)


def compute_breakdowns(
    lines: Lines, windows: Windows, top_n: int, total_revenue: float | None
) -> tuple[Breakdown, ...]:
    """Every dimension the data has; products are cut to the top ``top_n``."""
    return tuple(
        compute_breakdown(
            lines,
            windows,
            role,
            column,
            label,
            top_n if role == "product" else MAX_LISTED,
            total_revenue,
        )
        for role, column, label in DIMENSIONS
        if lines.has(column)
    )
