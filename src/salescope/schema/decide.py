"""Roles from headers, then corrected by relationships the values show.

Header scoring (``roles``) proposes; the values settle what names cannot:

- where quantity x unit price equals a money column on nearly all lines, that column is
  the line total, and the other two are quantity and price (``amount`` is a line total,
  not a price);
- a money column that is empty on many lines that have a quantity and a price is an
  order-level figure (Shopify's ``Total`` on the first line of an order only), not the
  line revenue: revenue is then quantity x price;
- a per-order customer id with a person id beside it in the customer table yields the
  person, so repeat buyers are seen;
- an order id must be written on every line: one empty on many lines (Shopify's ``Id``
  on an order's first line only, Stripe's ``Invoice ID`` on invoiced payments only)
  gives way to the next candidate that is, or to a column of order numbers (``#1001``);
- a column written on an order's first line only (Shopify's ``Financial Status``,
  ``Billing Country``) is filled from its order, so every line carries its order's status;
- a discount, cost or refund column empty on many lines is an order-level figure too,
  and is not read as the line's.

``salescope.yml`` mappings are never second-guessed.
"""

from __future__ import annotations

from collections.abc import Mapping as MappingT
from collections.abc import Sequence
from dataclasses import replace
from itertools import permutations

import ibis
import ibis.expr.types as ir

from salescope.engine import sample_distinct
from salescope.schema.roles import (
    FROM_HEADER,
    MIN_CONFIDENCE,
    ROLES,
    TAX_WORDS,
    ColumnInfo,
    Mapping,
    RoleMatch,
    detect_roles,
    normalise,
)

SAMPLE_ROWS = 20_000
# share of lines on which quantity x price must equal the amount
LINE_TOTAL_SHARE = 0.95
# an amount empty on more than this share of priced lines is order-level
ORDER_LEVEL_SHARE = 0.1
MONEY_ROLES = ("quantity", "unit_price", "revenue")
# amounts that may be written once per order instead of once per line
PER_LINE_ROLES = ("discount", "cost", "refund")
# an order id empty on more than this share of sampled lines is not every line's order
ORDER_ID_EMPTY_SHARE = 0.1
# order numbers as shop platforms write them: "#1001"
ORDER_NUMBER = r"^\s*#\s*[0-9]+\s*$"
ORDER_NUMBER_SHARE = 0.95


def decide_roles(
    raw: ir.Table,
    columns: Sequence[ColumnInfo],
    overrides: MappingT[str, str | None] | None = None,
    person: MappingT[str, str] | None = None,
) -> Mapping:
    """The role of every column: header scores, then the relationships in the values."""
    overrides = dict(overrides or {})
    mapping = detect_roles(columns, overrides)
    if person and "customer_id" not in overrides:
        chosen = mapping.column("customer_id")
        if chosen is not None and chosen in person:
            mapping = _assign(
                mapping,
                "customer_id",
                person[chosen],
                0.95,
                f"{chosen!r} is one id per order; {person[chosen]!r} beside it in the customer "
                "table is the person, so repeat buyers are seen",
            )
    if "order_id" not in overrides:
        mapping = _order_id(raw, columns, mapping)
    if not any(r in overrides for r in MONEY_ROLES):
        mapping = _line_total(raw, columns, mapping)
        mapping = _before_tax(raw, columns, mapping)
        mapping = _price_is_line_total(raw, columns, mapping)
    mapping = _per_line_amounts(raw, columns, mapping, overrides)
    return _fill_from_order(raw, columns, mapping)


def _assign(mapping: Mapping, role: str, column: str, confidence: float, evidence: str) -> Mapping:
    """``mapping`` with ``column`` given ``role`` (and taken from any role it had)."""
    kept = [m for m in mapping.matches if m.role != role and m.column != column]
    freed = [m.column for m in mapping.matches if m.role == role and m.column != column]
    matches = sorted([*kept, RoleMatch(role, column, confidence, evidence)], key=_order)
    unmapped = tuple(c for c in (*mapping.unmapped, *freed) if c != column)
    return replace(mapping, matches=tuple(matches), unmapped=unmapped)


def _unassign(mapping: Mapping, role: str) -> Mapping:
    freed = [m.column for m in mapping.matches if m.role == role]
    return replace(
        mapping,
        matches=tuple(m for m in mapping.matches if m.role != role),
        unmapped=(*mapping.unmapped, *freed),
    )


def _order(m: RoleMatch) -> int:
    return ROLES.index(m.role)


def _numeric(columns: Sequence[ColumnInfo], mapping: Mapping) -> list[str]:
    """Fact-table number columns that name any money role."""
    # a "cost" that is quantity x it = the line total is the unit price (WooCommerce's
    # "Item Cost"), so cost columns are tried as factors too
    roles = (*MONEY_ROLES, "cost")
    wanted = {m.column for r in roles for m in mapping.candidates.get(r, ())}
    wanted |= {c for r in roles if (c := mapping.column(r))}
    return [
        c.name
        for c in columns
        if c.origin == "fact" and c.kind in ("integer", "float") and c.name in wanted
    ]


def _line_total(raw: ir.Table, columns: Sequence[ColumnInfo], mapping: Mapping) -> Mapping:
    names = _numeric(columns, mapping)
    qty, price, total = (mapping.column(r) for r in MONEY_ROLES)
    if len(names) < 2:
        return mapping
    sample = raw.limit(SAMPLE_ROWS)
    aggs: dict[str, ir.Scalar] = {"n": sample.count()}
    triples = [t for t in permutations(names, 3) if t[0] < t[1]] if len(names) >= 3 else []
    for i, (a, b, c) in enumerate(triples):
        x, y, z = (sample[n].cast("float64") for n in (a, b, c))
        gap = (x * y - z).abs()
        ok = (gap <= ibis.greatest(z.abs() * 0.01, 0.011)) & (z != 0)
        aggs[f"t{i}"] = ok.cast("int64").sum()
        aggs[f"v{i}"] = (x.notnull() & y.notnull() & z.notnull()).cast("int64").sum()
    if qty and price and total and total in names and qty in names and price in names:
        priced = sample[qty].notnull() & sample[price].notnull()
        aggs["priced"] = priced.cast("int64").sum()
        aggs["empty_total"] = (priced & sample[total].isnull()).cast("int64").sum()
    row = sample.aggregate(**aggs).to_pyarrow().to_pylist()[0]
    if int(row.get("priced") or 0) and (
        int(row.get("empty_total") or 0) > ORDER_LEVEL_SHARE * int(row["priced"])
    ):
        share = int(row["empty_total"]) / int(row["priced"])
        mapping = _unassign(mapping, "revenue")
        note = (
            f"{total!r} is empty on {share:.0%} of lines that have a quantity and a price: "
            "it is an order-level figure, not the line revenue"
        )
        assert total is not None
        return replace(
            mapping, notes=(*mapping.notes, note), order_level=(*mapping.order_level, total)
        )
    best: tuple[float, tuple[str, str, str]] | None = None
    for i, triple in enumerate(triples):
        valid = int(row[f"v{i}"] or 0)
        if valid < 5:
            continue
        share = int(row[f"t{i}"] or 0) / valid
        if share >= LINE_TOTAL_SHARE and (best is None or share > best[0]):
            best = (share, triple)
    if best is None:
        return mapping
    share, (a, b, c) = best
    if {a, b, c} == {qty, price, total} and total == c:
        return mapping  # names and values agree
    if total is not None and total != c and total in names and _after_discount(sample, total, c):
        # "Line Total" after coupons beside "Line Subtotal" = qty x price: the named figure
        # is the sale, the other its amount before discounts
        note = (
            f"{total!r} is {c!r} (quantity x price) less discounts on some lines: "
            f"{total!r} is the revenue"
        )
        mapping = replace(mapping, notes=(*mapping.notes, note))
        c = total
    info = {col.name: col for col in columns}
    # the quantity is the factor that is whole numbers (and named so, when both are)
    a_whole, b_whole = bool(info[a].integral), bool(info[b].integral)
    if a_whole == b_whole:
        q, p = (a, b) if qty == a or price == b else (b, a)
    else:
        q, p = (a, b) if a_whole else (b, a)
    why = f"{q!r} x {p!r} = {c!r} on {share:.0%} of sampled lines"
    mapping = _assign(mapping, "revenue", c, 0.97, f"{why}: {c!r} is the line total")
    mapping = _assign(mapping, "quantity", q, 0.97, f"{why}: {q!r} is the quantity")
    return _assign(mapping, "unit_price", p, 0.97, f"{why}: {p!r} is the unit price")


def _before_tax(raw: ir.Table, columns: Sequence[ColumnInfo], mapping: Mapping) -> Mapping:
    """The revenue before tax: when the chosen revenue ("Total") is another amount
    ("Subtotal") plus a tax column ("Tax") on the lines, that other amount is the sale.

    A sale is counted before sales tax or VAT, which is collected for the state."""
    revenue = mapping.column("revenue")
    info = {col.name: col for col in columns}
    if revenue is None or revenue not in info:
        return mapping
    numeric = [
        c.name
        for c in columns
        if c.origin == "fact" and c.kind in ("integer", "float") and c.name != revenue
    ]
    if info[revenue].kind not in ("integer", "float") or info[revenue].origin != "fact":
        return mapping
    taxes = [n for n in numeric if set(normalise(n).split("_")) & TAX_WORDS]
    nets = [m.column for m in mapping.candidates.get("revenue", ()) if m.column in numeric]
    pairs = [(net, tax) for net in nets for tax in taxes if net != tax]
    if not pairs:
        return mapping
    sample = raw.limit(SAMPLE_ROWS)
    total = sample[revenue].cast("float64")
    aggs: dict[str, ir.Scalar] = {}
    for i, (net, tax) in enumerate(pairs):
        x, t = sample[net].cast("float64"), sample[tax].cast("float64")
        known = total.notnull() & x.notnull() & t.notnull()
        adds = known & ((x + t - total).abs() <= ibis.greatest(total.abs() * 0.001, 0.011))
        aggs[f"n{i}"] = known.cast("int64").sum()
        aggs[f"ok{i}"] = adds.cast("int64").sum()
        aggs[f"taxed{i}"] = (known & (t != 0)).cast("int64").sum()
    row = sample.aggregate(**aggs).to_pyarrow().to_pylist()[0]
    for i, (net, tax) in enumerate(pairs):
        n, ok, taxed = (int(row[f"{k}{i}"] or 0) for k in ("n", "ok", "taxed"))
        if n >= 3 and ok >= LINE_TOTAL_SHARE * n and taxed:
            why = f"{revenue!r} is {net!r} plus the tax {tax!r}: {net!r} is the revenue"
            mapping = _assign(mapping, "revenue", net, 0.95, why)
            return replace(mapping, notes=(*mapping.notes, why))
    return mapping


def _price_is_line_total(raw: ir.Table, columns: Sequence[ColumnInfo], mapping: Mapping) -> Mapping:
    """A "price" that grows with the quantity is the line's total: Amazon's ``item-price``
    is 25.98 on a line of two 12.99 items. Seen on multi-unit lines of products that also
    sell one at a time: the price is quantity x the one-unit price, not the one-unit price.
    It stays the price role, marked ``line_priced``: line revenue is then the price less any
    discount, never quantity x price.
    """
    qty, price = mapping.column("quantity"), mapping.column("unit_price")
    product = mapping.column("product_id") or mapping.column("product_name")
    if mapping.has("revenue") or not (qty and price and product):
        return mapping
    info = {col.name: col for col in columns}
    if any(
        info[n].origin != "fact" or info[n].kind not in ("integer", "float") for n in (qty, price)
    ):
        return mapping
    sample = raw.limit(SAMPLE_ROWS)
    q, p = sample[qty].cast("float64"), sample[price].cast("float64")
    t = sample.select(product=sample[product], q=q, p=p).filter(lambda r: r.p > 0)
    one = t.filter(t.q == 1).group_by("product").aggregate(p1=lambda r: r.p.approx_median())
    many = t.filter(t.q >= 2).join(one, "product")
    tolerance = ibis.greatest(many.p.abs() * 0.01, 0.011)
    row = (
        many.aggregate(
            n=many.count(),
            total=((many.p - many.q * many.p1).abs() <= tolerance).cast("int64").sum(),
            unit=((many.p - many.p1).abs() <= tolerance).cast("int64").sum(),
        )
        .to_pyarrow()
        .to_pylist()[0]
    )
    n = int(row["n"] or 0)
    total, unit = int(row["total"] or 0), int(row["unit"] or 0)
    if n < 10 or total < 0.8 * n or unit > 0.2 * n:
        return mapping
    why = (
        f"{price!r} is quantity x the product's one-unit price on {total / n:.0%} of "
        f"multi-unit lines: it is the line total, not a unit price"
    )
    mapping = _assign(mapping, "unit_price", price, 0.95, why)
    return replace(mapping, notes=(*mapping.notes, why), line_priced=(price,))


def _after_discount(sample: ir.Table, net: str, gross: str) -> bool:
    """``net`` equals ``gross`` on most lines and is never above it: an amount after
    discounts (a line's tax or shipping would make it larger, not smaller)."""
    x, y = sample[net].cast("float64"), sample[gross].cast("float64")
    both = x.notnull() & y.notnull()
    row = (
        sample.aggregate(
            n=both.cast("int64").sum(),
            equal=(both & ((x - y).abs() <= 0.011)).cast("int64").sum(),
            below=(both & (x <= y + 0.011)).cast("int64").sum(),
        )
        .to_pyarrow()
        .to_pylist()[0]
    )
    n = int(row["n"] or 0)
    return n > 0 and int(row["below"] or 0) >= 0.99 * n and int(row["equal"] or 0) >= 0.5 * n


def _empty(col: ir.Value) -> ir.BooleanValue:
    """An empty cell: null, or text of white space only."""
    if col.type().is_string():
        return col.isnull() | (col.strip() == "")  # type: ignore[attr-defined, no-any-return]
    return col.isnull()  # type: ignore[no-any-return]


def _used(mapping: Mapping) -> set[str]:
    return {m.column for m in mapping.matches}


def _order_id(raw: ir.Table, columns: Sequence[ColumnInfo], mapping: Mapping) -> Mapping:
    """An order id must be written on every line; else the next candidate that is, or a
    column of order numbers (``#1001``)."""
    info = {c.name: c for c in columns}
    chosen = mapping.column("order_id")
    named = [
        m
        for m in mapping.candidates.get("order_id", ())
        if info[m.column].origin == "fact" and m.confidence >= MIN_CONFIDENCE
    ]
    used = _used(mapping) - {chosen}
    free = [c.name for c in columns if c.origin == "fact" and c.kind == "string"]
    free = [n for n in free if n not in used and n != chosen]
    if chosen is not None and info[chosen].origin != "fact":
        return mapping
    filled = info[chosen].filled_share if chosen is not None else None
    if filled is not None and filled >= 1 - ORDER_ID_EMPTY_SHARE:
        return mapping  # the profile saw it on (nearly) every line: no query needed
    sample = raw.limit(SAMPLE_ROWS)
    aggs: dict[str, ir.Scalar] = {"n": sample.count()}
    for i, m in enumerate(named):
        aggs[f"e{i}"] = _empty(sample[m.column]).cast("int64").sum()
    for i, name in enumerate(free):
        col = sample[name]
        aggs[f"p{i}"] = col.re_search(ORDER_NUMBER).fill_null(False).cast("int64").sum()  # type: ignore[attr-defined]
        aggs[f"f{i}"] = (~_empty(col)).cast("int64").sum()
    row = sample.aggregate(**aggs).to_pyarrow().to_pylist()[0]
    n = int(row["n"] or 0)
    if not n:
        return mapping
    empty = {m.column: int(row[f"e{i}"] or 0) / n for i, m in enumerate(named)}
    if chosen is not None:
        if empty.get(chosen, 0.0) <= ORDER_ID_EMPTY_SHARE:
            return mapping
        note = (
            f"{chosen!r} is empty on {empty[chosen]:.0%} of sampled lines: it is not the "
            "order of every line, so it is not the order id"
        )
        mapping = _unassign(mapping, "order_id")
        mapping = replace(mapping, notes=(*mapping.notes, note))
        for m in named:
            every_line = empty[m.column] <= ORDER_ID_EMPTY_SHARE
            if m.column != chosen and m.column not in used and every_line:
                why = f"{m.evidence}; written on every line"
                return _assign(mapping, "order_id", m.column, m.confidence, why)
    best: tuple[float, str] | None = None
    for i, name in enumerate(free):
        filled = int(row[f"f{i}"] or 0)
        if filled < (1 - ORDER_ID_EMPTY_SHARE) * n:
            continue
        share = int(row[f"p{i}"] or 0) / filled
        if share >= ORDER_NUMBER_SHARE and (best is None or share > best[0]):
            best = (share, name)
    if best is None:
        return mapping
    share, name = best
    why = f"{share:.0%} of sampled values of {name!r} are order numbers (#1001)"
    return _assign(mapping, "order_id", name, 0.9, why)


def _per_line_amounts(
    raw: ir.Table,
    columns: Sequence[ColumnInfo],
    mapping: Mapping,
    overrides: MappingT[str, str | None],
) -> Mapping:
    """A discount, cost or refund empty on many lines that have a line amount is written
    once per order (Shopify's ``Discount Amount``, ``Refunded Amount``): not the line's.
    The next candidate written on every line takes the role, if there is one."""
    info = {c.name: c for c in columns}
    roles = [r for r in PER_LINE_ROLES if r not in overrides and mapping.has(r)]
    cands = {
        r: [
            m.column
            for m in mapping.candidates.get(r, ())
            if info[m.column].origin == "fact" and m.confidence >= MIN_CONFIDENCE
        ]
        for r in roles
    }
    chosen_cols = {c for r in roles if (c := mapping.column(r)) is not None}
    names = sorted({n for r in roles for n in cands[r]} | chosen_cols)
    qty, price, revenue = (mapping.column(r) for r in MONEY_ROLES)
    if not names or not (revenue or (qty and price)):
        return mapping
    if all(info[n].filled_share == 1.0 for n in names):
        return mapping  # never empty in the profile: nothing is written once per order
    sample = raw.limit(SAMPLE_ROWS)
    basis = ~_empty(sample[revenue or qty])
    if not revenue:
        basis = basis & ~_empty(sample[price])
    aggs: dict[str, ir.Scalar] = {"based": basis.cast("int64").sum()}
    for i, name in enumerate(names):
        aggs[f"e{i}"] = (basis & _empty(sample[name])).cast("int64").sum()
    row = sample.aggregate(**aggs).to_pyarrow().to_pylist()[0]
    based = int(row["based"] or 0)
    if not based:
        return mapping
    share = {name: int(row[f"e{i}"] or 0) / based for i, name in enumerate(names)}
    for role in roles:
        chosen = mapping.column(role)
        assert chosen is not None
        if share[chosen] <= ORDER_LEVEL_SHARE:
            continue
        note = (
            f"{chosen!r} is empty on {share[chosen]:.0%} of lines that have an amount: it "
            f"is an order-level figure, not the line's {role}"
        )
        mapping = _unassign(mapping, role)
        mapping = replace(
            mapping, notes=(*mapping.notes, note), order_level=(*mapping.order_level, chosen)
        )
        used = _used(mapping)
        for name in cands[role]:
            if name != chosen and name not in used and share[name] <= ORDER_LEVEL_SHARE:
                match = next(m for m in mapping.candidates[role] if m.column == name)
                why = f"{match.evidence}; written on every line"
                mapping = _assign(mapping, role, name, match.confidence, why)
                break
    return mapping


# share of an order's lines on which a column must be missing, in this many orders
FILL_MIN_ORDERS = 3
FILL_ORDER_SHARE = 0.2


def _fill_from_order(raw: ir.Table, columns: Sequence[ColumnInfo], mapping: Mapping) -> Mapping:
    """Order-level columns written on an order's first line only (Shopify writes
    ``Financial Status`` so): the other lines of the order take them from it. A column is
    filled when, in the sample, many orders of several lines have it on some lines and
    not on others, and no order has two different values in it."""
    order = mapping.column("order_id")
    info = {c.name: c for c in columns}
    if order is None or info[order].origin != "fact":
        return mapping
    targets = [
        col
        for r in ROLES
        if r in FROM_HEADER
        and (col := mapping.column(r)) is not None
        and info[col].origin == "fact"
        and col != order
        and info[col].filled_share != 1.0  # a column on every line needs no filling
    ]
    if not targets:
        return mapping
    sample = raw.limit(SAMPLE_ROWS)
    per_order = sample.group_by(order).aggregate(
        n=sample.count(),
        **{f"k{i}": (~_empty(sample[c])).cast("int64").sum() for i, c in enumerate(targets)},
        **{
            f"d{i}": sample_distinct(sample[c], where=~_empty(sample[c]))
            for i, c in enumerate(targets)
        },
    )
    aggs: dict[str, ir.Scalar] = {"multi": (per_order.n > 1).cast("int64").sum()}
    for i in range(len(targets)):
        k, n = per_order[f"k{i}"], per_order.n
        aggs[f"p{i}"] = ((k > 0) & (k < n)).cast("int64").sum()
        aggs[f"x{i}"] = (per_order[f"d{i}"] > 1).cast("int64").sum()
    row = per_order.aggregate(**aggs).to_pyarrow().to_pylist()[0]
    multi = int(row["multi"] or 0)
    filled = tuple(
        col
        for i, col in enumerate(targets)
        if int(row[f"p{i}"] or 0) >= max(FILL_MIN_ORDERS, FILL_ORDER_SHARE * multi)
        and int(row[f"x{i}"] or 0) == 0
    )
    if not filled:
        return mapping
    note = (
        f"{', '.join(map(repr, filled))} {'is' if len(filled) == 1 else 'are'} written on "
        f"an order's first line only: the order's other lines ({order!r}) take "
        f"{'it' if len(filled) == 1 else 'them'} from it"
    )
    return replace(mapping, notes=(*mapping.notes, note), fill=filled)
