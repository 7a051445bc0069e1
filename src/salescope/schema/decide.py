"""Roles from headers, then corrected by relationships the values show.

Header scoring (``roles``) proposes; the values settle what names cannot:

- where quantity x unit price equals a money column on nearly all lines, that column is
  the line total, and the other two are quantity and price (``amount`` is a line total,
  not a price);
- a money column that is empty on many lines that have a quantity and a price is an
  order-level figure (Shopify's ``Total`` on the first line of an order only), not the
  line revenue: revenue is then quantity x price;
- a per-order customer id with a person id beside it in the customer table yields the
  person, so repeat buyers are seen.

``salescope.yml`` mappings are never second-guessed.
"""

from __future__ import annotations

from collections.abc import Mapping as MappingT
from collections.abc import Sequence
from dataclasses import replace
from itertools import permutations

import ibis
import ibis.expr.types as ir

from salescope.schema.roles import ROLES, ColumnInfo, Mapping, RoleMatch, detect_roles

SAMPLE_ROWS = 20_000
# share of lines on which quantity x price must equal the amount
LINE_TOTAL_SHARE = 0.95
# an amount empty on more than this share of priced lines is order-level
ORDER_LEVEL_SHARE = 0.1
MONEY_ROLES = ("quantity", "unit_price", "revenue")


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
    if not any(r in overrides for r in MONEY_ROLES):
        mapping = _line_total(raw, columns, mapping)
    return mapping


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
    wanted = {m.column for r in MONEY_ROLES for m in mapping.candidates.get(r, ())}
    wanted |= {c for r in MONEY_ROLES if (c := mapping.column(r))}
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
        return replace(mapping, notes=(*mapping.notes, note))
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
