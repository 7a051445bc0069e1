"""The dataset model: what each input table is and how the tables join, before any role.

Exports come as one flat file, as a sales file plus lookups (customers, products), or
as a whole database of header and line tables. This stage profiles every table (one
sampled query each), finds its candidate keys (unique, never empty), and finds joins
from names *and* values: a column joins another table's key when their names agree
(after prefixes such as ``sls_`` and abbreviations such as ``cust`` are undone) and
nearly all of its values are found in that key. Joins are followed to any depth
(lines -> orders -> customers; lines -> products -> categories -> translations).

The fact table is the finest-grained table holding amounts, one that no other table
points at. A table the fact table reaches through its order id is an order header: it
lends its lines the date, customer, status and rep. Every other joined table is a
lookup. Amounts (quantity, price, revenue) come from the fact table only; role
detection is told each column's origin.

Joins are LEFT joins onto many-to-one keys, so every sales line is kept once and
``rows_read`` stays the fact table's rows.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass, field, replace

import ibis
import ibis.expr.types as ir

from salescope.errors import InputError
from salescope.model import (
    DatasetJoin,
    DatasetTable,
    DatasetView,
    LineTypeCount,
    RoleChoice,
    RunnerUp,
    TableGrain,
    TablePlace,
)
from salescope.schema.profile import (
    ColumnProfile,
    TableProfile,
    info_of,
    literal_key_match,
    profile_table,
    shared_prefix,
)
from salescope.schema.roles import (
    ABBREVIATIONS,
    MIN_CONFIDENCE,
    ColumnInfo,
    detect_roles,
    normalise,
)
from salescope.schema.roles import Mapping as RoleMapping
from salescope.settings import DeclaredJoin
from salescope.sources.combine import Group, column_key

log = logging.getLogger("salescope")

# A join whose referencing values are found in the key less often than this is dropped.
JOIN_THRESHOLD = 0.8
AMOUNT_ROLES = ("revenue", "quantity", "unit_price")
KEY_WORDS = frozenset({"id", "key", "code", "no", "nr", "num", "number", "sk", "pk", "fk"})
FILLER_WORDS = frozenset({"info", "data", "details", "detail", "master", "table", "list", "dim"})
# Dimension columns too vague to keep their name after a join: `name` in customers.csv
# becomes `customer_name`.
GENERIC = frozenset({"name", "description", "type", "title", "label", "code", "status"})
GRAIN_WORDS: tuple[tuple[TableGrain, tuple[str, ...]], ...] = (
    ("order headers", ("order", "invoice", "transaction", "receipt", "sale", "bestellung")),
    ("customers", ("customer", "client", "account", "buyer", "kunde", "cliente", "person")),
    ("products", ("product", "item", "sku", "article", "artikel", "material", "producto")),
    ("categories", ("category", "categorie", "categoria", "kategorie", "group", "family")),
    ("employees", ("employee", "rep", "seller", "staff", "salesperson", "agent", "owner")),
)
STAR_HINT = (
    "several inputs are read as one table when they share a header, or as sales lines plus "
    "tables they join to (orders, customers, products ...) through a shared key; declare a "
    "join the detection missed under `joins:` in salescope.yml"
)


@dataclass(frozen=True)
class DatasetModel:
    """Tables, joins and the fact table, as report.json ``quality.dataset`` shows them."""

    tables: tuple[DatasetTable, ...]
    joins: tuple[DatasetJoin, ...]
    fact: str


@dataclass(frozen=True)
class Assembled:
    """The sales lines with everything joined onto them, and how each column came."""

    fact: Group
    table: ir.Table
    columns: tuple[ColumnInfo, ...]
    model: DatasetModel
    notes: tuple[str, ...] = ()
    # per-order customer column -> the person id beside it in the customer table
    person: dict[str, str] = field(default_factory=dict)


def table_name(label: str) -> str:
    """``data/customers.csv`` -> ``customers.csv``; ``shop.db#Orders`` -> ``Orders``."""
    return label.replace("\\", "/").rsplit("/", 1)[-1].rsplit("#", 1)[-1]


def entity(label: str) -> str:
    """``customers.csv`` -> ``customer``: the prefix for a dimension's vague columns."""
    stem = column_key(table_name(label).split(".", 1)[0].split(" (+", 1)[0]) or "dim"
    words = [ABBREVIATIONS.get(w, w) for w in stem.split("_") if w not in FILLER_WORDS]
    stem = "_".join(words) or stem
    if stem.endswith("ies"):
        return stem[:-3] + "y"
    if stem.endswith("s") and not stem.endswith("ss"):
        return stem[:-1]
    return stem


def _stem(column: str, label: str, prefix: str | None) -> frozenset[str]:
    """What a key column is about: ``sls_cust_id`` -> {customer}; ``id`` in customers.csv
    -> {customer}."""
    name = normalise(re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", column))
    words = name.split("_")
    if prefix and words and words[0] == prefix and len(words) > 1:
        words = words[1:]
    words = [ABBREVIATIONS.get(w, w) for w in words]
    core = [w for w in words if w not in KEY_WORDS and w not in FILLER_WORDS]
    if not core:
        core = entity(label).split("_")
    return frozenset(w[:-1] if w.endswith("s") and len(w) > 3 else w for w in core)


def looks_like_facts(table: ir.Table) -> bool:
    """A date column and an amount-like column, by the name matching the report uses
    (side-table detection leaves such a table to the dataset model).

    Candidates count, not the final assignment: dates arrive as text, and a text column
    ``order_date`` may lose its role to a weaker guess in that assignment.
    """
    from salescope.schema.roles import kind_of

    columns = [ColumnInfo(n, kind_of(t)) for n, t in table.schema().items()]
    candidates = detect_roles(columns).candidates

    def found(role: str) -> bool:
        return any(m.confidence >= MIN_CONFIDENCE for m in candidates.get(role, ()))

    return found("order_date") and any(found(r) for r in AMOUNT_ROLES)


def _affine(a: frozenset[str], b: frozenset[str]) -> bool:
    return bool(a) and bool(b) and (a == b or a <= b or b <= a)


@dataclass
class _Table:
    group: Group
    profile: TableProfile
    prefix: str | None
    has_amounts: bool

    @property
    def label(self) -> str:
        return self.group.label


def _id_like(c: ColumnProfile) -> bool:
    if c.int_date is not None:
        return False
    if c.kind == "string":
        return (c.date_share or 0.0) < 0.5
    return c.kind == "integer" or (c.kind == "float" and bool(c.integral))


def _has_amounts(profile: TableProfile, prefix: str | None) -> bool:
    infos = [info_of(c, prefix=prefix) for c in profile.columns]
    candidates = detect_roles(infos).candidates
    return any(m.confidence >= MIN_CONFIDENCE for r in AMOUNT_ROLES for m in candidates.get(r, ()))


def _match_rate(left: _Table, column: str, right: _Table, key: str) -> float:
    """The share of ``left``'s non-empty ``column`` values (sampled) found in ``right.key``."""
    from salescope.schema.profile import SAMPLE_ROWS

    a_col, b_col = literal_key_match(left.group.table[column], right.group.table[key])
    a = left.group.table.select(_v=a_col).limit(SAMPLE_ROWS)
    a = a.filter(a._v.notnull())
    b = right.group.table.select(_k=b_col).distinct().mutate(_hit=ibis.literal(1))
    joined = a.left_join(b, a._v == b._k)
    row = joined.aggregate(n=joined.count(), hit=joined._hit.sum()).to_pyarrow().to_pylist()[0]
    n = int(row["n"] or 0)
    return int(row["hit"] or 0) / n if n else 0.0


def _candidates(tables: list[_Table]) -> list[DatasetJoin]:
    """Every name-affine (column -> key) pair across tables, with its match rate."""
    found: list[DatasetJoin] = []
    for left in tables:
        for c in left.profile.columns:
            if not _id_like(c) or c.non_null == 0:
                continue
            stem = _stem(c.name, left.label, left.prefix)
            for right in tables:
                if right is left:
                    continue
                for key in right.profile.keys():  # noqa: SIM118 - candidate keys, not a dict
                    k = right.profile.column(key)
                    if not _id_like(k):
                        continue
                    if not _affine(stem, _stem(key, right.label, right.prefix)):
                        continue
                    if left.profile.is_key(c.name) and left.profile.rows > right.profile.rows:
                        continue  # one-to-one the other way round: the smaller table points
                    rate = _match_rate(left, c.name, right, key)
                    found.append(DatasetJoin(left.label, c.name, right.label, key, rate, False))
    return found


def _grain(join: DatasetJoin | None, table: _Table, fact: _Table) -> TableGrain:
    if table is fact:
        return "order lines" if _repeats_order(fact) else "sales lines"
    words = set(_stem(join.right_column, table.label, table.prefix)) if join else set()
    words |= set(entity(table.label).split("_"))
    names = {normalise(c) for c in table.group.table.columns}
    if any("english" in n or "translation" in n for n in names) or "translation" in words:
        return "translations"
    for grain, hints in GRAIN_WORDS:
        if words & set(hints):
            return grain
    return "lookup"


def _repeats_order(fact: _Table) -> bool:
    infos = [info_of(c, prefix=fact.prefix) for c in fact.profile.columns]
    column = detect_roles(infos).column("order_id")
    if column is None:
        return False
    c = fact.profile.column(column)
    return c.distinct < c.non_null


def _declared(tables: list[_Table], declared: Sequence[DeclaredJoin]) -> list[DatasetJoin]:
    by_name = {table_name(t.label): t for t in tables} | {t.label: t for t in tables}
    out = []
    for d in declared:
        left, right = by_name.get(d.table), by_name.get(d.to)
        if left is None or right is None:
            missing = d.table if left is None else d.to
            raise InputError(
                f"salescope.yml joins {missing!r}, which is not among the inputs",
                hint="inputs: " + ", ".join(sorted(table_name(t.label) for t in tables)),
            )
        for table, column in ((left, d.column), (right, d.to_column)):
            if column not in table.group.table.columns:
                raise InputError(
                    f"salescope.yml joins on {column!r}, which {table.label} lacks",
                    hint="columns: " + ", ".join(map(repr, table.group.table.columns[:12])),
                )
        rate = _match_rate(left, d.column, right, d.to_column)
        out.append(
            DatasetJoin(left.label, d.column, right.label, d.to_column, rate, True, "salescope.yml")
        )
    return out


def build_dataset(
    groups: Sequence[Group],
    declared: Sequence[DeclaredJoin] = (),
    ignore: Sequence[str] = (),
    optional: frozenset[str] = frozenset(),
) -> Assembled:
    """Profile the tables, find the fact table and join everything it reaches onto it.

    A table the sales lines do not reach is an error (it was passed for a reason),
    unless it is ``optional``: one of the tables of a database read whole, or it repeats
    the key of a table already joined (:func:`_other_grain`: payments or shipments of the
    orders), which is set aside with a note.
    """
    tables = []
    for g in groups:
        if ignore:
            keep = [c for c in g.table.columns if c not in ignore]
            g = Group(g.reads, g.table.select(keep))
        profile = profile_table(g.table, g.rows)
        prefix = shared_prefix(list(g.table.columns))
        tables.append(_Table(g, profile, prefix, _has_amounts(profile, prefix)))
    if len(tables) == 1:
        only = tables[0]
        infos = tuple(
            info_of(c, prefix=only.prefix, table=only.label) for c in only.profile.columns
        )
        grain = _grain(None, only, only)
        model = DatasetModel(
            (DatasetTable(only.label, only.profile.rows, grain, only.profile.keys(), "fact"),),
            (),
            only.label,
        )
        return Assembled(only.group, only.group.table, infos, model)

    declared_joins = _declared(tables, declared)
    candidates = declared_joins + _candidates(tables)
    referenced = {
        j.right for j in candidates if j.match_rate >= JOIN_THRESHOLD and j.left != j.right
    }
    amount_tables = [t for t in tables if t.has_amounts]
    if not amount_tables:
        raise InputError(
            "the inputs have different columns and none looks like a sales table "
            "(a date column and an amount, quantity or price column): "
            + ", ".join(t.label for t in tables),
            hint=STAR_HINT,
        )
    facts = [t for t in amount_tables if t.label not in referenced] or amount_tables
    fact = max(facts, key=lambda t: t.profile.rows)
    by_label = {t.label: t for t in tables}

    # Breadth first from the fact table: each table joined once, by its best join.
    order: list[tuple[DatasetJoin, _Table]] = []
    reached = {fact.label}
    frontier = [fact.label]
    notes: list[str] = []
    dropped: list[DatasetJoin] = []
    while frontier:
        nxt = []
        for label in frontier:
            outgoing = [j for j in candidates if j.left == label and j.right not in reached]
            for right in sorted({j.right for j in outgoing}, key=list(by_label).index):
                options = [j for j in outgoing if j.right == right]
                best = max(
                    options,
                    key=lambda j: (
                        j.found_by == "salescope.yml",
                        j.match_rate,
                        normalise(j.left_column) == normalise(j.right_column),
                    ),
                )
                if best.match_rate < JOIN_THRESHOLD and best.found_by != "salescope.yml":
                    dropped.append(best)
                    continue
                kept = DatasetJoin(**{**best.__dict__, "kept": True})
                order.append((kept, by_label[right]))
                reached.add(right)
                nxt.append(right)
        frontier = nxt
    unreached = [t for t in tables if t.label not in reached]
    really_dropped = [j for j in dropped if j.right not in reached]
    for t in unreached:
        if t.label in optional and not any(j.right == t.label for j in really_dropped):
            notes.append(f"{t.label}: not joined to the sales lines (no key leads to it)")
            continue
        if not any(j.right == t.label for j in really_dropped):
            joined = [by_label[label] for label in reached]
            note = _other_grain(t, joined)
            if note is None:
                raise _unjoinable(t, joined, fact)
            notes.append(note)
    for j in really_dropped:
        notes.append(
            f"{j.left}.{j.left_column} matches only {j.match_rate:.1%} of {j.right}."
            f"{j.right_column}, under the {JOIN_THRESHOLD:.0%} a join needs: {j.right} is "
            "not joined (declare it under `joins:` in salescope.yml to join it anyway)"
        )

    table, columns, person, renames = _assemble(fact, order)
    notes += renames
    joins = tuple(j for j, _ in order) + tuple(
        j for j in really_dropped if not any(o.right == j.right for o, _ in order)
    )
    grains: dict[str, TableGrain] = {fact.label: _grain(None, fact, fact)}
    places: dict[str, TablePlace] = {fact.label: "fact"}
    for j, t in order:
        grains[t.label] = _grain(j, t, fact)
        places[t.label] = (
            "header" if grains[t.label] == "order headers" and j.left == fact.label else "lookup"
        )
    model = DatasetModel(
        tuple(
            DatasetTable(
                t.label,
                t.profile.rows,
                grains.get(t.label, "unused"),
                t.profile.keys(),
                places.get(t.label, "unused"),
            )
            for t in tables
        ),
        joins,
        fact.label,
    )
    for j, _ in order:
        notes.append(f"joined {j.describe()}")
    log.info("dataset: fact %s, %d join(s)", fact.label, len(order))
    return Assembled(fact.group, table, tuple(columns), model, tuple(notes), person)


def _other_grain(table: _Table, reached: list[_Table]) -> str | None:
    """A note when ``table`` holds several rows for the key of a table already joined (the
    orders' id, unique in the orders header): it records those rows at another grain, as
    payments, shipments or reviews of the orders do, so it is no lookup and is not joined
    (joining it would count an order's lines once per payment); None otherwise."""
    for other in reached:
        unique = other.profile.keys()
        for key in unique:
            stem = _stem(key, other.label, other.prefix)
            for k in table.profile.columns:
                if table.profile.is_key(k.name) or not _id_like(k):
                    continue
                if _affine(stem, _stem(k.name, table.label, table.prefix)):
                    return (
                        f"{table.label}: not joined: it holds several rows for some "
                        f"{k.name} ({k.non_null - k.distinct} repeated), the key of "
                        f"{other.label}, so it records them at another grain (as payments or "
                        "shipments do); its rows are no sales lines"
                    )
    return None


def _unjoinable(table: _Table, reached: list[_Table], fact: _Table) -> InputError:
    """Why ``table`` cannot join: a shared column that is not unique there, or none."""
    for other in reached:
        for c in other.profile.columns:
            stem = _stem(c.name, other.label, other.prefix)
            for k in table.profile.columns:
                if table.profile.is_key(k.name) or not _id_like(k):
                    continue
                if _affine(stem, _stem(k.name, table.label, table.prefix)):
                    repeated = k.non_null - k.distinct
                    return InputError(
                        f"cannot join {table.label} on {k.name!r}: the key is not unique "
                        f"there ({repeated} repeated value(s))",
                        hint=f"a lookup table needs one row per {k.name}; remove the "
                        "duplicate rows, or declare the join under `joins:` in salescope.yml",
                    )
    return InputError(
        f"cannot join {table.label} to the sales lines {fact.label}: no column in common "
        f"with them or the tables joined to them ({table.label} has "
        f"{', '.join(map(repr, table.group.table.columns[:6]))})",
        hint=STAR_HINT,
    )


def _assemble(
    fact: _Table, order: list[tuple[DatasetJoin, _Table]]
) -> tuple[ir.Table, list[ColumnInfo], dict[str, str], list[str]]:
    """LEFT JOIN each reached table onto the lines, in breadth-first order."""
    table = fact.group.table
    wide: dict[tuple[str, str], str] = {(fact.label, c): c for c in table.columns}
    taken = {column_key(c) for c in table.columns}
    infos = [info_of(c, prefix=fact.prefix, table=fact.label) for c in fact.profile.columns]
    notes: list[str] = []
    person: dict[str, str] = {}
    for n, (join, right) in enumerate(order):
        left_name = wide[(join.left, join.left_column)]
        origin = "header" if join.left == fact.label and _is_header(join, right) else "lookup"
        prefix = entity(right.label)
        renames: dict[str, str] = {}
        for column in right.group.table.columns:
            if column.startswith("_salescope_"):
                continue  # a helper column of a stacked lookup
            if column == join.right_column:
                wide[(right.label, column)] = left_name
                continue
            key = column_key(column)
            name = column
            if key in GENERIC or key in taken:
                name = f"{prefix}_{key}"
                i = 1
                while column_key(name) in taken:
                    i += 1
                    name = f"{prefix}_{key}_{i}"
                notes.append(f"{right.label}: column {column!r} is named {name!r} after the join")
            taken.add(column_key(name))
            renames[name] = column
            wide[(right.label, column)] = name
            infos.append(
                info_of(
                    right.profile.column(column),
                    name=name,
                    origin=origin,
                    table=right.label,
                    prefix=right.prefix,
                )
            )
        join_key = f"_salescope_key_{n}"
        left_key, right_key = literal_key_match(
            table[left_name], right.group.table[join.right_column]
        )
        side = right.group.table.select(
            **{join_key: right_key}, **{new: right.group.table[old] for new, old in renames.items()}
        )
        current = list(table.columns)
        joined = table.mutate(**{join_key: left_key}).left_join(side, join_key)
        table = joined.select(*current, *renames)
        person |= _person_id(join, right, left_name, renames)
    return table, infos, person, notes


def _is_header(join: DatasetJoin, right: _Table) -> bool:
    return bool(_stem(join.right_column, right.label, right.prefix) & set(GRAIN_WORDS[0][1]))


def _person_id(
    join: DatasetJoin, right: _Table, left_name: str, renames: dict[str, str]
) -> dict[str, str]:
    """A customer table whose key is per order (``customer_id``) and that holds the person
    beside it (``customer_unique_id``, repeating): the person is the customer."""
    if not _stem(join.right_column, right.label, right.prefix) & set(GRAIN_WORDS[1][1]):
        return {}
    for new, old in renames.items():
        c = right.profile.column(old)
        if not _id_like(c) or c.distinct >= c.non_null or c.non_null == 0:
            continue
        words = set(normalise(old).split("_"))
        if words & set(GRAIN_WORDS[1][1]) and words & {"unique", "person", "id", "key"}:
            return {left_name: new}
    return {}


def dataset_view(
    assembled: Assembled, mapping: RoleMapping, line_types: Sequence[LineTypeCount] = ()
) -> DatasetView:
    """report.json ``quality.dataset``: tables, joins, roles with evidence and runner-up."""
    origin = {c.name: c for c in assembled.columns}
    roles = []
    for m in mapping.matches:
        info = origin.get(m.column)
        runner = mapping.runner_up(m.role)
        roles.append(
            RoleChoice(
                role=m.role,
                column=m.column,
                table=info.table if info and info.table else assembled.model.fact,
                confidence=m.confidence,
                evidence=m.evidence,
                runner_up=(
                    RunnerUp(runner.column, runner.confidence) if runner is not None else None
                ),
            )
        )
    model = assembled.model
    return DatasetView(
        fact_table=model.fact,
        tables=model.tables,
        joins=tuple(replace(j, match_rate=round(j.match_rate, 4)) for j in model.joins),
        roles=tuple(roles),
        line_types=tuple(line_types),
    )
