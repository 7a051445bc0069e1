"""The one query builder: measures over slices of the lines, optionally grouped.

A *slice* is a named boolean over the lines (a window such as ``cur``, or every line);
each measure is aggregated over each slice in a single engine query, so the KPIs, a
breakdown and a monthly series differ only in their slices and grouping, never in how a
measure is computed. Only the aggregates leave the engine.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import ibis
import ibis.expr.types as ir

from salescope.lines import Lines
from salescope.metrics.semantic import MEASURES, METRICS, Measure, Over, evaluate

SEP = "__"

# measure name -> value (None: no value, e.g. no line with a cost)
Values = dict[str, float | None]


@dataclass(frozen=True)
class Group:
    """One group of a grouped query: its keys and each slice's measure values."""

    keys: dict[str, object]
    slices: dict[str, Values]


def over(t: ir.Table, which: Over) -> ir.BooleanValue:
    """The lines a measure adds up."""
    if which == "sales":
        return ~t.is_return
    if which == "returns":
        return t.is_return  # type: ignore[no-any-return]
    if which == "costed":
        return t.cost_amount.notnull()
    return ibis.literal(True)


def available(lines: Lines, names: Sequence[str]) -> tuple[Measure, ...]:
    """The measures behind ``names`` whose roles the lines have."""
    return tuple(m for m in measures_of(names) if all(lines.has(r) for r in m.needs))


def measures_of(names: Sequence[str]) -> tuple[Measure, ...]:
    """The measures behind ``names`` (measure or metric names), each once, in order."""
    out: list[Measure] = []
    for name in names:
        wanted = METRICS[name].measures if name in METRICS else (name,)
        for m in wanted:
            if MEASURES[m] not in out:
                out.append(MEASURES[m])
    return tuple(out)


# the same measures for every slice, or per slice (a previous window that needs revenue only)
Wanted = Sequence[Measure] | Mapping[str, Sequence[Measure]]


def _for(measures: Wanted, key: str) -> Sequence[Measure]:
    return measures.get(key, ()) if isinstance(measures, Mapping) else measures


def _all(measures: Wanted) -> list[Measure]:
    if not isinstance(measures, Mapping):
        return list(measures)
    return [m for ms in measures.values() for m in ms]


def _aggs(
    t: ir.Table, measures: Wanted, slices: Mapping[str, ir.BooleanValue]
) -> dict[str, ir.Scalar]:
    aggs: dict[str, ir.Scalar] = {}
    for key, where in slices.items():
        for m in _for(measures, key):
            aggs[f"{key}{SEP}{m.name}"] = m.expr(t, where & over(t, m.over))
    return aggs


def expressions(
    t: ir.Table, lines: Lines, names: Sequence[str], where: ir.BooleanValue | None = None
) -> dict[str, ir.Scalar]:
    """``{measure: aggregate}`` for one slice (every line when ``where`` is None), for a
    query that groups in its own way; measures the lines lack are left out."""
    chosen = ibis.literal(True) if where is None else where
    return {m.name: m.expr(t, chosen & over(t, m.over)) for m in available(lines, names)}


def _split(row: Mapping[str, object], measures: Wanted) -> dict[str, Values]:
    zero = {m.name for m in _all(measures) if m.zero_when_empty}
    out: dict[str, Values] = {}
    for name, value in row.items():
        if SEP not in name:
            continue
        key, measure = name.split(SEP, 1)
        number = None if value is None else float(value)  # type: ignore[arg-type]
        if number is None and measure in zero:
            number = 0.0  # SQL sums over no rows are NULL; no lines means zero revenue
        out.setdefault(key, {})[measure] = number
    return out


def totals(
    table: ir.Table,
    measures: Wanted,
    slices: Mapping[str, ir.BooleanValue],
    extra: Mapping[str, ir.Scalar] | None = None,
) -> dict[str, Values]:
    """Each measure over each slice: ``{slice: {measure: value}}``, one query. ``extra``
    adds aggregates that are no measure, named ``<slice>__<name>``, in the same query."""
    aggs = {**_aggs(table, measures, slices), **(extra or {})}
    rows = table.aggregate(**aggs).to_pyarrow().to_pylist()
    return _split(rows[0] if rows else {}, measures)


def grouped(
    table: ir.Table,
    measures: Wanted,
    slices: Mapping[str, ir.BooleanValue],
    by: Mapping[str, ir.Value],
    order_by: Sequence[ir.Value | str] = (),
    limit: int | None = None,
    extra: Mapping[str, ir.Scalar] | None = None,
) -> list[Group]:
    """Each measure over each slice per group of ``by``, one query. ``extra`` adds
    aggregates that are not measures (a product's name); they come back in ``keys``.
    ``order_by`` may name a column ``<slice>__<measure>``."""
    expr = table.group_by(**by).aggregate(**_aggs(table, measures, slices), **(extra or {}))
    if order_by:
        expr = expr.order_by(list(order_by))
    if limit is not None:
        expr = expr.limit(limit)
    out = []
    for row in expr.to_pyarrow().to_pylist():
        keys = {k: v for k, v in row.items() if SEP not in k}
        out.append(Group(keys, _split(row, measures)))
    return out


def stacked(parts: Mapping[str, ir.Table], name: str) -> ir.Table:
    """The tables of ``parts`` (of one schema) as one, each row with its part's name in
    the column ``name``: a family of figures (one per dimension, say) in one query, its
    windows partitioned by ``name``."""
    named = (t.mutate(**{name: ibis.literal(part)}) for part, t in parts.items())
    return ibis.union(*named, distinct=False)


@dataclass(frozen=True)
class Part:
    """One of the groupings :func:`top_groups` stacks: ``table``'s lines grouped by
    ``key``, each measure over each of ``slices``, ``extra`` aggregates beside them (the
    same names, of the same types, in every part), the first ``limit`` groups kept."""

    table: ir.Table
    slices: Mapping[str, ir.BooleanValue]
    key: ir.Value
    limit: int
    extra: Mapping[str, ir.Scalar]


def top_groups(
    parts: Mapping[str, Part], measures: Wanted, rank_by: str
) -> dict[str, tuple[list[Group], int]]:
    """For each part, its first ``limit`` groups by the column ``rank_by`` (a
    ``<slice>__<measure>``, largest first, ties by key) and how many groups it has, in
    one query: the parts' groups are stacked under their name and ranked in windows
    partitioned by it. One round trip instead of one (or two) per part."""
    if not parts:
        return {}
    groups = {
        name: p.table.group_by(key=p.key)
        .aggregate(**_aggs(p.table, measures, p.slices), **p.extra)
        .mutate(limit=ibis.literal(p.limit))
        for name, p in parts.items()
    }
    t = stacked(groups, "part")
    order = ibis.row_number().over(group_by=t.part, order_by=[ibis.desc(t[rank_by]), t.key])
    t = t.mutate(rank=order, groups=t.count().over(ibis.window(group_by=t.part)))
    rows = t.filter(t["rank"] < t["limit"]).order_by(["part", "rank"]).to_pyarrow().to_pylist()
    out: dict[str, tuple[list[Group], int]] = {name: ([], 0) for name in parts}
    for row in rows:
        listed, _ = out[row["part"]]
        keys = {k: row[k] for k in ("key", *parts[row["part"]].extra)}
        listed.append(Group(keys, _split(row, measures)))
        out[row["part"]] = listed, int(row["groups"])
    return out


def metric_value(name: str, values: Mapping[str, float | None]) -> float | None:
    """A measure's value or a metric's, from one slice's measure values."""
    if name in METRICS:
        return evaluate(METRICS[name].formula, values)
    return values.get(name)
