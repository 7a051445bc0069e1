"""The metric layer's declarations: measures, metrics and dimensions, each defined once.

A **measure** is an aggregate over the sales lines (the finest grain the dataset model
found): its expression, the lines it runs over, its unit and the roles it needs. A
**metric** is arithmetic over measures (``aov = revenue / orders``), written as a formula
that :func:`evaluate` reads, with a unit and a good direction. A **dimension** is a column
lines can be grouped by. :mod:`salescope.metrics.query` turns these into engine queries,
so a figure shown in two places is one computation.

>>> METRICS["aov"].measures
('orders', 'revenue')
>>> evaluate("(revenue - cost) / revenue", {"revenue": 200.0, "cost": 150.0})
0.25
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from salescope.model import Department, GoodDirection, Unit

if TYPE_CHECKING:
    import ibis.expr.types as ir

# which lines a measure adds up: all of them, sales only, returns only, lines with a cost
Over = Literal["all", "sales", "returns", "costed"]

Expression = Callable[["ir.Table", "ir.BooleanValue"], "ir.Scalar"]


@dataclass(frozen=True)
class Measure:
    """An aggregate over the lines that fall in a slice (a window, a month ...)."""

    name: str
    label: str
    unit: Unit
    expr: Expression  # (table, where) -> scalar; ``where`` already includes ``over``
    over: Over = "all"
    needs: tuple[str, ...] = ()  # roles without which the measure does not exist
    zero_when_empty: bool = False  # a sum over no lines is 0, not "unknown"
    description: str = ""


@dataclass(frozen=True)
class Metric:
    """A figure derived from measures by ``formula``; division by zero is no value."""

    name: str
    label: str
    unit: Unit
    good_direction: GoodDirection
    formula: str
    description: str = ""

    @property
    def measures(self) -> tuple[str, ...]:
        """The measures the formula reads, sorted."""
        return names_in(self.formula)


@dataclass(frozen=True)
class Dimension:
    """A column lines are grouped by, and what the report does with it.

    ``goods``: a dimension of merchandise, so non-merchandise lines (postage, fees) are
    never one of its members. ``explains``: the revenue change and unusual days are broken
    down by it (drivers, anomalies). ``mover``: the summary names its largest gain and
    drop. ``departments``: who acts on a finding about one of its members.
    """

    name: str
    column: str
    label: str  # as a heading: "Customer segment"
    goods: bool = False
    explains: bool = False
    mover: bool = False
    departments: tuple[Department, ...] = ("sales",)

    @property
    def noun(self) -> str:
        """As a sentence names it: "customer segment", "sales rep"."""
        return self.label[:1].lower() + self.label[1:]


def _sum(column: str) -> Expression:
    return lambda t, where: t[column].sum(where=where)


def _orders(t: ir.Table, where: ir.BooleanValue) -> ir.Scalar:
    # validation blanks the order id of return and credit-note lines: never orders
    if "order_id" in t.columns:
        return t.order_id.nunique(where=where)
    return t.count(where=where)  # no order id: each line is one order


def _customers(t: ir.Table, where: ir.BooleanValue) -> ir.Scalar:
    return t.customer_id.nunique(where=where)


def _lines(t: ir.Table, where: ir.BooleanValue) -> ir.Scalar:
    return t.count(where=where)


def _returns(t: ir.Table, where: ir.BooleanValue) -> ir.Scalar:
    return (-t.revenue).sum(where=where)


MEASURES: dict[str, Measure] = {
    m.name: m
    for m in (
        Measure(
            "revenue",
            "Revenue",
            "currency",
            _sum("revenue"),
            zero_when_empty=True,
            description="sum of line revenue",
        ),
        Measure("lines", "Lines", "count", _lines, zero_when_empty=True),
        Measure(
            "orders",
            "Orders",
            "count",
            _orders,
            zero_when_empty=True,
            description="distinct order ids of sale lines (no order id: lines)",
        ),
        Measure(
            "units",
            "Units",
            "number",
            _sum("quantity"),
            needs=("quantity",),
            zero_when_empty=True,
            description="sum of quantity",
        ),
        Measure(
            "customers",
            "Customers",
            "count",
            _customers,
            needs=("customer_id",),
            zero_when_empty=True,
            description="distinct customer ids",
        ),
        Measure(
            "returns",
            "Returns",
            "currency",
            _returns,
            over="returns",
            zero_when_empty=True,
            description="revenue of return lines, as a positive amount",
        ),
        Measure(
            "gross_sales",
            "Gross sales",
            "currency",
            _sum("revenue"),
            over="sales",
            zero_when_empty=True,
            description="revenue of the lines that are not returns",
        ),
        Measure(
            "list_amount",
            "List amount",
            "currency",
            _sum("list_amount"),
            over="sales",
            needs=("discount_amount",),
            description="quantity x unit price of sale lines",
        ),
        Measure(
            "discount_amount",
            "Discounts",
            "currency",
            _sum("discount_amount"),
            over="sales",
            needs=("discount_amount",),
        ),
        Measure(
            "cost",
            "Cost",
            "currency",
            _sum("cost_amount"),
            over="costed",
            needs=("cost_amount",),
            description="cost of the lines that carry one (signed: returns give it back)",
        ),
        Measure(
            "revenue_with_cost",
            "Revenue of lines with a cost",
            "currency",
            _sum("revenue"),
            over="costed",
            needs=("cost_amount",),
        ),
    )
}


METRICS: dict[str, Metric] = {
    m.name: m
    for m in (
        Metric("aov", "Average order value", "currency", "up", "revenue / orders"),
        Metric(
            "revenue_per_customer", "Revenue per customer", "currency", "up", "revenue / customers"
        ),
        Metric("units_per_order", "Units per order", "number", "up", "units / orders"),
        Metric("avg_unit_price", "Average unit price", "currency", "none", "revenue / units"),
        Metric(
            "discount_rate",
            "Discount rate",
            "fraction",
            "none",
            "discount_amount / list_amount",
            "discount amount / list amount (quantity x unit price) of sales lines",
        ),
        Metric(
            "gross_margin",
            "Gross margin",
            "fraction",
            "up",
            "(revenue_with_cost - cost) / revenue_with_cost",
            "(revenue - cost) / revenue over lines with a cost",
        ),
        Metric(
            "returns_rate",
            "Returns rate",
            "fraction",
            "down",
            "returns / gross_sales",
            "returns / revenue of the lines that are not returns",
        ),
    )
}


DIMENSIONS: dict[str, Dimension] = {
    d.name: d
    for d in (
        Dimension(
            "category",
            "category",
            "Category",
            goods=True,
            explains=True,
            mover=True,
            departments=("sales", "marketing", "operations"),
        ),
        Dimension(
            "product",
            "product",
            "Product",
            goods=True,
            explains=True,
            departments=("sales", "operations"),
        ),
        Dimension("region", "region", "Region", explains=True, mover=True),
        Dimension("country", "country", "Country"),
        Dimension(
            "channel", "channel", "Channel", explains=True, mover=True, departments=("marketing",)
        ),
        Dimension("sales_rep", "sales_rep", "Sales rep", explains=True),
        Dimension(
            "segment",
            "segment",
            "Customer segment",
            explains=True,
            mover=True,
            departments=("sales", "customer_success"),
        ),
    )
}
# the dimensions the revenue change and unusual days are explained by, in this order
EXPLAINING: tuple[str, ...] = tuple(d.name for d in DIMENSIONS.values() if d.explains)


def dimension_noun(name: str) -> str:
    """How a sentence names a dimension: a built-in one by its declaration, one of the
    user's or found in the data by its name (``marital_status`` -> "marital status")."""
    found = DIMENSIONS.get(name)
    return found.noun if found else name.replace("_", " ")


def dimension_departments(name: str) -> tuple[Department, ...]:
    found = DIMENSIONS.get(name)
    return found.departments if found else ("sales",)


FORMATS: dict[str, Unit] = {
    "money": "currency",
    "percent": "fraction",
    "count": "count",
    "number": "number",
}


def custom_metric(
    name: str, expr: str, fmt: str, label: str | None, good_direction: GoodDirection
) -> Metric:
    """A metric from ``salescope.yml``'s ``metrics:``, checked: a formula over the
    measures, a name of its own.

    >>> custom_metric("gross_profit", "revenue - cost", "money", None, "up").label
    'Gross profit'
    >>> try:
    ...     custom_metric("x", "revenue - profit", "money", None, "up")
    ... except FormulaError as exc:
    ...     print(str(exc)[:34])
    metrics.x: 'profit' is no measure;
    """
    if not name.isidentifier() or name in MEASURES or name in METRICS or name in BUILT_IN:
        raise FormulaError(
            f"metrics.{name}: the name must be a new word of letters, digits and _ "
            "(not a measure or a built-in KPI)"
        )
    try:
        used = names_in(expr)
    except FormulaError as exc:
        raise FormulaError(f"metrics.{name}: {exc}") from None
    unknown = [n for n in used if n not in MEASURES]
    if unknown:
        raise FormulaError(
            f"metrics.{name}: {unknown[0]!r} is no measure; measures: {', '.join(MEASURES)}"
        )
    if not used:
        raise FormulaError(f"metrics.{name}: {expr!r} reads no measure")
    title = label or name.replace("_", " ").capitalize()
    return Metric(name, title, FORMATS[fmt], good_direction, expr, f"custom: {expr}")


# KPI names that are neither a measure nor a metric here (customer history, products)
BUILT_IN = frozenset({"new_customers", "returning_customers", "retention_rate", "products_sold"})


def measure_needs(names: tuple[str, ...]) -> tuple[str, ...]:
    """The roles the measures ``names`` need, in order, without repeats."""
    out: list[str] = []
    for name in names:
        for role in MEASURES[name].needs:
            if role not in out:
                out.append(role)
    return tuple(out)


# --- formulas -------------------------------------------------------------------------

_ALLOWED = (ast.Expression, ast.BinOp, ast.UnaryOp, ast.Name, ast.Constant, ast.Load)
_OPS = (ast.Add, ast.Sub, ast.Mult, ast.Div, ast.USub, ast.UAdd)


class FormulaError(ValueError):
    """A formula that is not arithmetic over measure names."""


def _parse(formula: str) -> ast.Expression:
    try:
        tree = ast.parse(formula, mode="eval")
    except SyntaxError as exc:
        raise FormulaError(f"cannot read {formula!r}: {exc.msg}") from None
    for node in ast.walk(tree):
        if isinstance(node, _OPS):
            continue
        if not isinstance(node, _ALLOWED) or (
            isinstance(node, ast.Constant) and not isinstance(node.value, int | float)
        ):
            raise FormulaError(
                f"{formula!r}: only + - * / between measure names and numbers are allowed"
            )
    return tree


def names_in(formula: str) -> tuple[str, ...]:
    """The names a formula reads, sorted.

    >>> names_in("(revenue - cost) / revenue")
    ('cost', 'revenue')
    """
    tree = _parse(formula)
    return tuple(sorted({n.id for n in ast.walk(tree) if isinstance(n, ast.Name)}))


def evaluate(formula: str, values: Mapping[str, float | None]) -> float | None:
    """The formula's value; None when a name has no value or a division is by zero.

    >>> evaluate("revenue / orders", {"revenue": 10.0, "orders": 0.0}) is None
    True
    """
    tree = _parse(formula)

    def walk(node: ast.AST) -> float | None:
        if isinstance(node, ast.Expression):
            return walk(node.body)
        if isinstance(node, ast.Constant):
            return float(node.value)  # type: ignore[arg-type]  # _parse: numbers only
        if isinstance(node, ast.Name):
            value = values.get(node.id)
            return None if value is None else float(value)
        if isinstance(node, ast.UnaryOp):
            operand = walk(node.operand)
            if operand is None:
                return None
            return -operand if isinstance(node.op, ast.USub) else operand
        assert isinstance(node, ast.BinOp)
        left, right = walk(node.left), walk(node.right)
        if left is None or right is None:
            return None
        if isinstance(node.op, ast.Add):
            return left + right
        if isinstance(node.op, ast.Sub):
            return left - right
        if isinstance(node.op, ast.Mult):
            return left * right
        return None if right == 0 else left / right

    return walk(tree)
