"""Computing the KPIs for the reported window and its comparisons.

Three engine queries, whatever the number of windows: window totals (sums
and distinct orders, filtered to the windows first), customer facts (first
purchase and activity per window, aggregated once per customer), and
products sold. Only these aggregates leave the engine.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date as date_t

import ibis.expr.types as ir

from salescope.analysis.periods import Periods, Window, covers, previous_of
from salescope.lines import Lines
from salescope.metrics.definitions import KPI_DEFINITIONS, change_pct, definition_of, ratio
from salescope.metrics.query import Values, available, metric_value, totals
from salescope.metrics.semantic import Metric, evaluate
from salescope.model import Kpi


@dataclass(frozen=True)
class Windows:
    """The windows a report needs, keyed ``cur``, ``prev``, ``prev2``, ``yoy``, ``yoy_prev``.

    Only windows fully covered by the data are present (``cur`` always is).
    """

    by_key: dict[str, Window]

    @classmethod
    def of(cls, periods: Periods, data_start: date_t, fiscal_year_start: int) -> Windows:
        found: dict[str, Window] = {"cur": periods.current}
        if periods.previous is not None and periods.previous.covered:
            found["prev"] = periods.previous
            prev2 = previous_of(periods.previous, fiscal_year_start)
            if covers(data_start, prev2):
                found["prev2"] = prev2
        if periods.yoy is not None:
            found["yoy"] = periods.yoy
            yoy_prev = previous_of(periods.yoy, fiscal_year_start)
            if covers(data_start, yoy_prev):
                found["yoy_prev"] = yoy_prev
        return cls(found)

    def flag(self, table: ir.Table, key: str) -> ir.BooleanValue:
        w = self.by_key[key]
        return table.order_date.between(w.start, w.end)  # type: ignore[no-any-return]

    def any_flag(self, table: ir.Table, keys: tuple[str, ...] | None = None) -> ir.BooleanValue:
        chosen = keys or tuple(self.by_key)
        flags = [self.flag(table, k) for k in chosen if k in self.by_key]
        out = flags[0]
        for f in flags[1:]:
            out = out | f
        return out

    def __contains__(self, key: object) -> bool:
        return key in self.by_key


NEEDS_COLUMN = {
    "discount_amount": "discount (with quantity and unit price)",
    "cost_amount": "cost",
    "customer_id": "customer id",
}
PREVIOUS_OF = {"cur": "prev", "prev": "prev2", "yoy": "yoy_prev"}
SUM_WINDOWS = ("cur", "prev", "yoy")


def _row(expr: ir.Table) -> dict[str, object]:
    rows = expr.to_pyarrow().to_pylist()
    return rows[0] if rows else {}


# the measures the KPIs read from the window totals (customers come from the customer
# table, with each customer's first purchase)
TOTAL_MEASURES = (
    "revenue",
    "orders",
    "units",
    "returns",
    "list_amount",
    "discount_amount",
    "cost",
    "revenue_with_cost",
)

# the KPIs that are a measure of the totals or a metric over them
KPI_VALUES = (
    *TOTAL_MEASURES,
    "aov",
    "units_per_order",
    "avg_unit_price",
    "discount_rate",
    "gross_margin",
    "revenue_per_customer",
)


def _totals(lines: Lines, windows: Windows, custom: tuple[Metric, ...] = ()) -> dict[str, Values]:
    t = lines.table
    keys = tuple(k for k in SUM_WINDOWS if k in windows)
    t = t.filter(windows.any_flag(t, keys))
    names = (*TOTAL_MEASURES, *(n for m in custom for n in m.measures if n != "customers"))
    return totals(t, available(lines, names), {k: windows.flag(t, k) for k in keys})


def _customers(lines: Lines, windows: Windows) -> dict[str, dict[str, float]]:
    """Customers, new customers and retained customers per window, from one customer table."""
    t = lines.table.filter(lines.table.customer_id.notnull())
    keys = tuple(windows.by_key)
    per_customer = t.group_by("customer_id").aggregate(
        first=t.order_date.min(),
        **{f"in_{k}": windows.flag(t, k).cast("int64").max() for k in keys},
    )
    c = per_customer
    aggs: dict[str, ir.Scalar] = {}
    for k in keys:
        w = windows.by_key[k]
        active = c[f"in_{k}"] == 1
        aggs[f"{k}__customers"] = active.cast("int64").sum()
        aggs[f"{k}__new"] = c.first.between(w.start, w.end).cast("int64").sum()
        prev = PREVIOUS_OF.get(k)
        if prev in windows:
            before = c[f"in_{prev}"] == 1
            aggs[f"{k}__retained"] = (active & before).cast("int64").sum()
    row = _row(c.aggregate(**aggs))
    out: dict[str, dict[str, float]] = {k: {} for k in keys}
    for name, value in row.items():
        key, metric = name.split("__", 1)
        out[key][metric] = float(value or 0)  # type: ignore[arg-type]
    return out


def _products_sold(lines: Lines, windows: Windows) -> dict[str, float]:
    t = lines.table
    keys = tuple(k for k in SUM_WINDOWS if k in windows)
    t = t.filter(windows.any_flag(t, keys) & t["product"].notnull())
    measure = t.quantity if lines.has("quantity") else t.revenue
    per_product = t.group_by("product").aggregate(
        **{f"u_{k}": measure.sum(where=windows.flag(t, k)) for k in keys}
    )
    row = _row(
        per_product.aggregate(**{k: (per_product[f"u_{k}"] > 0).cast("int64").sum() for k in keys})
    )
    return {k: float(v or 0) for k, v in row.items()}  # type: ignore[arg-type]


def _values(
    key: str,
    totals: dict[str, Values],
    customers: dict[str, dict[str, float]],
    products: dict[str, float],
    windows: Windows,
    data_start: date_t,
    custom: tuple[Metric, ...] = (),
) -> dict[str, float | None]:
    """Every KPI for one window, from the aggregates (None where not computable)."""
    t: Values = dict(totals.get(key, {}))
    c = customers.get(key)
    if c is not None:
        t["customers"] = c["customers"]
    v: dict[str, float | None] = {name: metric_value(name, t) for name in KPI_VALUES}
    v.update({m.name: evaluate(m.formula, t) for m in custom})
    v["products_sold"] = products.get(key)
    if c is not None:
        has_history = data_start < windows.by_key[key].start
        new = c["new"] if has_history else None  # with no data before it, all look new
        v["customers"] = c["customers"]
        v["new_customers"] = new
        v["returning_customers"] = None if new is None else c["customers"] - new
        prev = PREVIOUS_OF.get(key)
        if "retained" in c and prev is not None:
            v["retention_rate"] = ratio(c["retained"], customers[prev]["customers"])
    return v


def compute_kpis(
    lines: Lines,
    periods: Periods,
    fiscal_year_start: int = 1,
    custom: tuple[Metric, ...] = (),
) -> tuple[tuple[Kpi, ...], list[str]]:
    """The KPIs of DESIGN for the period, with previous and year-ago values, then the
    ``custom`` metrics (``salescope.yml``'s ``metrics:``) computed the same way.

    Returns the KPIs that the data supports and notes on those it does not.
    """
    windows = Windows.of(periods, lines.data_start, fiscal_year_start)
    totals = _totals(lines, windows, custom)
    has_customers = lines.has("customer_id")
    customers = _customers(lines, windows) if has_customers else {}
    products = _products_sold(lines, windows) if lines.has("product") else {}
    values = {
        k: _values(k, totals, customers, products, windows, lines.data_start, custom)
        for k in ("cur", "prev", "yoy")
        if k in windows
    }
    notes: list[str] = []
    if has_customers and lines.data_start >= periods.current.start:
        notes.append(
            "the data starts inside the period, so customers who bought before it count as new"
        )
    kpis: list[Kpi] = []
    unavailable: dict[str, list[str]] = {}
    for d in (*KPI_DEFINITIONS, *(definition_of(m) for m in custom)):
        missing = [n for n in d.needs if not lines.has(n)]
        if missing:
            need = NEEDS_COLUMN.get(missing[0], missing[0].replace("_", " "))
            unavailable.setdefault(need, []).append(d.label.lower())
            continue
        value = values["cur"].get(d.name)
        previous = values.get("prev", {}).get(d.name)
        yoy = values.get("yoy", {}).get(d.name)
        kpis.append(
            Kpi(
                name=d.name,
                label=d.label,
                unit=d.unit,
                good_direction=d.good_direction,
                value=_round(value, d.unit),
                previous=_round(previous, d.unit),
                change_pct=change_pct(value, previous),
                yoy_value=_round(yoy, d.unit),
                yoy_change_pct=change_pct(value, yoy),
            )
        )
    for need, labels in unavailable.items():
        notes.append(f"{', '.join(labels)}: not available without a {need} column")
    return tuple(kpis), notes


def _round(value: float | None, unit: str) -> float | None:
    """Money to the cent, rates to 6 places: what report.json carries."""
    if value is None:
        return None
    if unit == "currency":
        return round(value, 2)
    if unit == "count":
        return float(round(value))
    return round(value, 6)
