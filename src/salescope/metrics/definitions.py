"""The KPI catalogue: name, label, unit, good direction and what data it needs.

The formulas are the DESIGN contract; ``metrics.kpis`` computes them and
``docs/metrics.md`` explains them. Units: ``currency``, ``count``,
``number`` (a plain quantity), ``fraction`` (0.3411 means 34.11%).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class KpiDefinition:
    name: str
    label: str
    unit: str
    good_direction: str  # "up", "down" or "none"
    needs: tuple[str, ...]  # canonical columns/roles the KPI cannot do without
    formula: str


KPI_DEFINITIONS: tuple[KpiDefinition, ...] = (
    KpiDefinition("revenue", "Revenue", "currency", "up", (), "sum of line revenue"),
    KpiDefinition("orders", "Orders", "count", "up", (), "distinct order ids"),
    KpiDefinition("units", "Units", "number", "up", ("quantity",), "sum of quantity"),
    KpiDefinition(
        "customers", "Customers", "count", "up", ("customer_id",), "distinct customer ids"
    ),
    KpiDefinition(
        "new_customers",
        "New customers",
        "count",
        "up",
        ("customer_id",),
        "customers whose first purchase in the data falls in the period",
    ),
    KpiDefinition(
        "returning_customers",
        "Returning customers",
        "count",
        "up",
        ("customer_id",),
        "customers - new customers",
    ),
    KpiDefinition(
        "retention_rate",
        "Retention rate",
        "fraction",
        "up",
        ("customer_id",),
        "customers of the previous period also active in this one / "
        "customers of the previous period",
    ),
    KpiDefinition("aov", "Average order value", "currency", "up", (), "revenue / orders"),
    KpiDefinition(
        "revenue_per_customer",
        "Revenue per customer",
        "currency",
        "up",
        ("customer_id",),
        "revenue / customers",
    ),
    KpiDefinition(
        "units_per_order", "Units per order", "number", "up", ("quantity",), "units / orders"
    ),
    KpiDefinition(
        "avg_unit_price", "Average unit price", "currency", "none", ("quantity",), "revenue / units"
    ),
    KpiDefinition(
        "products_sold",
        "Products sold",
        "count",
        "up",
        ("product",),
        "distinct products with units > 0",
    ),
    KpiDefinition(
        "returns",
        "Returns",
        "currency",
        "down",
        (),
        "revenue of return lines, as a positive amount (already netted from revenue)",
    ),
    KpiDefinition(
        "discount_rate",
        "Discount rate",
        "fraction",
        "none",
        ("discount_amount",),
        "discount amount / list amount (quantity x unit price) of sales lines",
    ),
    KpiDefinition(
        "gross_margin",
        "Gross margin",
        "fraction",
        "up",
        ("cost_amount",),
        "(revenue - cost) / revenue over lines with a cost",
    ),
)

BY_NAME = {d.name: d for d in KPI_DEFINITIONS}


def change_pct(value: float | None, previous: float | None) -> float | None:
    """100 x (value / previous - 1); None when either is missing or previous is 0.

    >>> change_pct(110.0, 100.0)
    10.0
    """
    if value is None or previous is None or previous == 0:
        return None
    return round(100.0 * (value / previous - 1.0), 4)


def ratio(numerator: float | None, denominator: float | None) -> float | None:
    if numerator is None or denominator is None or denominator == 0:
        return None
    return numerator / denominator
