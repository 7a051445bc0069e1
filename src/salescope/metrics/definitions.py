"""The KPI catalogue: name, label, unit, good direction and what data it needs.

The formulas are the DESIGN contract; ``metrics.kpis`` computes them and
``docs/metrics.md`` explains them. Units: ``currency``, ``count``,
``number`` (a plain quantity), ``fraction`` (0.3411 means 34.11%).
"""

from __future__ import annotations

from dataclasses import dataclass

from salescope.metrics.semantic import MEASURES, METRICS, Metric, measure_needs
from salescope.model import GoodDirection, Unit


@dataclass(frozen=True)
class KpiDefinition:
    name: str
    label: str
    unit: Unit
    good_direction: GoodDirection
    needs: tuple[str, ...]  # canonical columns/roles the KPI cannot do without
    formula: str


def _from_measure(name: str, good_direction: GoodDirection = "up") -> KpiDefinition:
    m = MEASURES[name]
    return KpiDefinition(
        m.name, m.label, m.unit, good_direction, m.needs, m.description or f"sum of {name}"
    )


def _from_metric(name: str) -> KpiDefinition:
    return definition_of(METRICS[name])


def definition_of(m: Metric) -> KpiDefinition:
    """The KPI of a metric (a built-in one or one of ``salescope.yml``'s)."""
    needs = measure_needs(m.measures)
    return KpiDefinition(
        m.name, m.label, m.unit, m.good_direction, needs, m.description or m.formula
    )


# The headline KPIs, in report order. Measures and metrics are declared once in
# ``metrics.semantic``; the customer-history KPIs need each customer's first purchase
# and activity per window, which ``metrics.kpis`` computes from one customer table.
KPI_DEFINITIONS: tuple[KpiDefinition, ...] = (
    _from_measure("revenue"),
    _from_measure("orders"),
    _from_measure("units"),
    _from_measure("customers"),
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
    _from_metric("aov"),
    _from_metric("revenue_per_customer"),
    _from_metric("units_per_order"),
    _from_metric("avg_unit_price"),
    KpiDefinition(
        "products_sold",
        "Products sold",
        "count",
        "up",
        ("product",),
        "distinct products with units > 0",
    ),
    _from_measure("returns", "down"),
    _from_metric("discount_rate"),
    _from_metric("gross_margin"),
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
