"""A star schema: one fact table (sales lines) plus dimension tables joined onto it.

When the inputs do not share one header, the fact table is the input with a date and
an amount-like column (revenue, quantity or price) and the most rows; every other input
is a dimension (customers, products ...) and must share a key column with it, unique in
the dimension. Dimensions are LEFT JOINed, so every sales line is kept once and
``rows_read`` stays the fact table's rows.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence

import ibis
import ibis.expr.types as ir

from salescope.errors import InputError
from salescope.schema.roles import MIN_CONFIDENCE, ColumnInfo, detect_roles, kind_of
from salescope.sources.combine import Group, column_key

log = logging.getLogger("salescope")

AMOUNT_ROLES = ("revenue", "quantity", "unit_price")
KEY_LIKE = re.compile(r"(^|_)(id|key|code|sku|no|nr|number|num)$|id$")
# Dimension columns too vague to keep their name after a join: `name` in customers.csv
# becomes `customer_name`.
GENERIC = frozenset({"name", "description", "type", "title", "label", "code", "status"})
STAR_HINT = (
    "several inputs are read as one table when they share a header, or as a sales table "
    "plus lookup tables (customers, products) that share a key column such as customer_id"
)


def looks_like_facts(table: ir.Table) -> bool:
    """A date column and an amount-like column, by the name matching the report uses.

    Candidates count, not the final assignment: dates arrive as text, and a text column
    ``order_date`` may lose its role to a weaker guess (``order_id``) in that assignment.
    """
    columns = [ColumnInfo(n, kind_of(t)) for n, t in table.schema().items()]
    candidates = detect_roles(columns).candidates

    def found(role: str) -> bool:
        return any(m.confidence >= MIN_CONFIDENCE for m in candidates.get(role, ()))

    return found("order_date") and any(found(r) for r in AMOUNT_ROLES)


def entity(label: str) -> str:
    """``customers.csv`` -> ``customer``: the prefix for a dimension's vague columns."""
    stem = column_key(label.split(".", 1)[0].split(" (+", 1)[0]) or "dim"
    if stem.endswith("ies"):
        return stem[:-3] + "y"
    if stem.endswith("s") and not stem.endswith("ss"):
        return stem[:-1]
    return stem


def join_star(groups: Sequence[Group]) -> tuple[Group, ir.Table, list[str]]:
    """(fact group, joined table, notes) for inputs of different columns."""
    facts = [g for g in groups if looks_like_facts(g.table)]
    if not facts:
        raise InputError(
            "the inputs have different columns and none looks like a sales table "
            "(a date column and an amount, quantity or price column): "
            + ", ".join(g.label for g in groups),
            hint=STAR_HINT,
        )
    fact = max(facts, key=lambda g: g.rows)
    for other in facts:
        if other is not fact:
            extra = set(other.table.columns) ^ set(fact.table.columns)
            raise InputError(
                f"{other.label} and {fact.label} both look like sales tables but their "
                f"columns differ ({', '.join(sorted(extra)[:6])})",
                hint="give them the same header to read them as one table",
            )
    dims = [g for g in groups if g is not fact]
    table = fact.table
    taken = {column_key(c) for c in table.columns}
    keep = list(table.columns)
    hits: dict[str, tuple[str, str]] = {}  # hit column -> (dimension label, key)
    notes: list[str] = []
    for n, dim in enumerate(dims):
        fact_key, dim_key = _key(fact, dim)
        renames: dict[str, str] = {}
        prefix = entity(dim.label)
        for column in dim.table.columns:
            if column == dim_key:
                continue
            key = column_key(column)
            name = column
            if key in GENERIC or key in taken:
                name = f"{prefix}_{key}"
                i = 1
                while column_key(name) in taken:
                    i += 1
                    name = f"{prefix}_{key}_{i}"
                notes.append(f"{dim.label}: column {column!r} is named {name!r} after the join")
            taken.add(column_key(name))
            renames[name] = column
        hit = f"_salescope_hit_{n}"
        join_key = f"_salescope_key_{n}"
        left, right = _aligned(table[fact_key], dim.table[dim_key])
        side = dim.table.select(
            **{join_key: right, hit: ibis.literal(True)},
            **{new: dim.table[old] for new, old in renames.items()},
        )
        current = list(table.columns)
        joined = table.mutate(**{join_key: left}).left_join(side, join_key)
        table = joined.select(*current, hit, *renames)
        keep += list(renames)
        on = repr(fact_key) if fact_key == dim_key else f"{fact_key!r} (= {dim_key!r})"
        hits[hit] = (dim.label, on)
    counts = (
        table.aggregate(_rows=table.count(), **{h: table[h].notnull().sum() for h in hits})
        .to_pyarrow()
        .to_pylist()[0]
    )
    total = int(counts["_rows"])
    for hit, (label, key) in hits.items():
        share = int(counts[hit] or 0) / total if total else 0.0
        notes.append(f"joined {label} on {key}: {share:.1%} of lines matched")
    log.info("star schema: fact %s, %d dimension(s)", fact.label, len(dims))
    return fact, table.select(keep), notes


def _aligned(left: ir.Column, right: ir.Column) -> tuple[ir.Value, ir.Value]:
    """Join keys of one type: integers stay, numbers become floats, the rest text."""
    a, b = left.type(), right.type()
    if a == b:
        return left, right
    if a.is_integer() and b.is_integer():
        return left.cast("int64"), right.cast("int64")
    if a.is_numeric() and b.is_numeric():
        return left.cast("float64"), right.cast("float64")
    return left.cast("string"), right.cast("string")


def _key(fact: Group, dim: Group) -> tuple[str, str]:
    """The shared column to join on: key-like names first, unique in the dimension."""
    fact_cols = {column_key(c): c for c in fact.table.columns}
    shared = [
        (fact_cols[column_key(c)], c) for c in dim.table.columns if column_key(c) in fact_cols
    ]
    if not shared:
        raise InputError(
            f"cannot join {dim.label} to the sales table {fact.label}: no column in common "
            f"({dim.label} has {', '.join(map(repr, dim.table.columns[:6]))})",
            hint=STAR_HINT,
        )
    shared.sort(key=lambda pair: not KEY_LIKE.search(column_key(pair[1])))
    aggs = {f"d{i}": dim.table[c].nunique() for i, (_, c) in enumerate(shared)}
    aggs |= {f"n{i}": dim.table[c].count() for i, (_, c) in enumerate(shared)}
    stats = dim.table.aggregate(**aggs).to_pyarrow().to_pylist()[0]
    for i, pair in enumerate(shared):
        if stats[f"d{i}"] == stats[f"n{i}"] and stats[f"n{i}"]:
            return pair
    _, column = shared[0]
    duplicates = int(stats["n0"]) - int(stats["d0"])
    raise InputError(
        f"cannot join {dim.label} on {column!r}: the key is not unique there "
        f"({duplicates} repeated value(s))",
        hint=f"a lookup table needs one row per {column}; remove the duplicate rows",
    )
