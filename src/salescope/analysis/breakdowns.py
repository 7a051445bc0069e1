"""Revenue by dimension (category, product, region ...), this period against the previous."""

from __future__ import annotations

import ibis
import ibis.expr.types as ir

from salescope.lines import Lines
from salescope.metrics.definitions import change_pct
from salescope.metrics.kpis import Windows
from salescope.metrics.query import SEP, Group, Part, available, measures_of, top_groups
from salescope.metrics.semantic import DIMENSIONS, Dimension
from salescope.model import Breakdown, Member

MISSING_KEY = "(missing)"
MAX_LISTED = 50
# dimensions of goods: postage, fees and gift cards are never their members
GOODS_DIMENSIONS = frozenset(
    {"product_id", "product_name", *(d.column for d in DIMENSIONS.values() if d.goods)}
)
MEMBER_MEASURES = ("revenue", "orders", "units", "customers")


def goods_lines(lines: Lines, t: ir.Table, column: str) -> ir.Table:
    """``t`` without its non-merchandise lines when ``column`` is a dimension of goods
    (they carry no product or category, and must not show as a "(missing)" one)."""
    if column in GOODS_DIMENSIONS and lines.has("line_type"):
        return t.filter(t.line_type != "non_merchandise")
    return t


def compute_breakdowns(
    lines: Lines,
    windows: Windows,
    top_n: int,
    total_revenue: float | None,
    custom: tuple[Dimension, ...] = (),
) -> tuple[Breakdown, ...]:
    """Every dimension the data has, then ``custom`` ones (``salescope.yml``'s
    ``dimensions:``), in one query: each dimension's top members by revenue (products cut
    to the top ``top_n``, the others to ``MAX_LISTED``) and its number of members."""
    dimensions = [d for d in (*DIMENSIONS.values(), *custom) if lines.has(d.column)]
    measures = {"cur": available(lines, MEMBER_MEASURES), "prev": measures_of(("revenue",))}
    named = lines.has("product_name") and lines.has("product_id")
    parts = {}
    for d in dimensions:
        t = goods_lines(lines, lines.table, d.column)
        t = t.filter(windows.any_flag(t, ("cur", "prev")))
        name = t.product_name.max() if d.name == "product" and named else ibis.null("string")
        parts[d.name] = Part(
            table=t,
            slices={k: windows.flag(t, k) for k in ("cur", "prev") if k in windows},
            key=t[d.column].fill_null(MISSING_KEY),
            limit=top_n if d.name == "product" else MAX_LISTED,
            extra={"name": name},
        )
    tops = top_groups(parts, measures, f"cur{SEP}revenue")
    return tuple(_breakdown(d, *tops[d.name], total_revenue) for d in dimensions)


def _breakdown(
    dimension: Dimension, top: list[Group], members: int, total_revenue: float | None
) -> Breakdown:
    rows = []
    for g in top:
        cur, name = g.slices["cur"], g.keys.get("name")
        revenue = round(cur["revenue"] or 0.0, 2)
        previous = g.slices["prev"]["revenue"] if "prev" in g.slices else None
        previous = None if previous is None else round(previous, 2)
        rows.append(
            Member(
                key=str(g.keys["key"]) if name is None else f"{name} ({g.keys['key']})",
                revenue=revenue,
                share=round(revenue / total_revenue, 6) if total_revenue else None,
                previous=previous,
                change=None if previous is None else round(revenue - previous, 2),
                change_pct=change_pct(revenue, previous),
                orders=int(cur["orders"] or 0),
                units=round(cur.get("units") or 0.0, 4),
                customers=int(cur["customers"] or 0) if "customers" in cur else None,
            )
        )
    return Breakdown(role=dimension.name, label=dimension.label, rows=tuple(rows), members=members)
