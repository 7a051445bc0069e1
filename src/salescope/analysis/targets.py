"""Targets and budgets: a side table of target figures per period (and, optionally, per
member of one dimension) against what the period did.

A targets row names a metric (``revenue`` when the table has no metric column; any KPI,
measure or metric of docs/metrics.md), a period (a label such as ``2024-Q2`` or a start
and an end) and the target; a row that also fills one other column (``region``,
``category``, ``channel`` ...) is that member's target. Targets are aligned to the
reported period day by day, as quotas are (``salescope.analysis.team.align_quota``): a
yearly budget gives a quarter its days' share, and rows that leave a day of the period
uncovered give no attainment.

attainment = actual / target; gap = actual - target. The whole-business actual is the
KPI itself (one figure, wherever it is printed); a member's actual is the same metric over
the member's lines, through the one query builder.
"""

from __future__ import annotations

from collections.abc import Sequence

import ibis.expr.types as ir

from salescope import fact_ids as ids
from salescope.analysis.periods import Window
from salescope.analysis.team import QuotaRow, align_quota
from salescope.lines import Lines
from salescope.metrics import query
from salescope.metrics.kpis import Windows
from salescope.metrics.semantic import DIMENSIONS, MEASURES, METRICS, Dimension
from salescope.model import Fact, Kpi, TargetRow, Targets
from salescope.narrative import format as fmt

# a targets table's column (as column_key gives it) -> the dimension it names
ALIASES = {
    "rep": "sales_rep",
    "salesperson": "sales_rep",
    "product_category": "category",
    "customer_segment": "segment",
    "territory": "region",
    "sales_channel": "channel",
}


def _key(text: str) -> str:
    return " ".join(text.split()).lower()


def compute_targets(
    lines: Lines,
    windows: Windows,
    table: ir.Table | None,
    source: str | None,
    kpis: tuple[Kpi, ...],
    dimensions: Sequence[Dimension] = (),
) -> Targets | None:
    """Each target of the period against its actual; None without a targets table."""
    if table is None:
        return None
    cur: Window = windows.by_key["cur"]
    touching = table.filter((table.end >= cur.start) & (table.start <= cur.end))
    grouped_rows: dict[tuple[str, str | None, str | None], list[QuotaRow]] = {}
    spelled: dict[tuple[str, str | None, str | None], str | None] = {}
    for r in touching.to_pyarrow().to_pylist():
        member = r["member"]
        key = (str(r["metric"]), r["dimension"], _key(member) if member else None)
        grouped_rows.setdefault(key, []).append(QuotaRow(r["start"], r["end"], r["target"]))
        spelled.setdefault(key, member)
    by_name = {d.name: d for d in (*DIMENSIONS.values(), *dimensions)}
    known = {k.name: k for k in kpis}
    notes: list[str] = []
    uncovered = 0
    wanted: dict[str, list[tuple[str, str | None, str | None]]] = {}  # dimension -> keys
    for key in sorted(grouped_rows, key=lambda k: (k[1] or "", k[0], k[2] or "")):
        metric, dimension, _ = key
        if metric not in known and metric not in METRICS and metric not in MEASURES:
            notes.append(f"targets for {metric!r}: no such metric (see docs/metrics.md)")
            continue
        if dimension is not None:
            dim = by_name.get(ALIASES.get(dimension, dimension))
            if dim is None or not lines.has(dim.column):
                notes.append(f"targets by {dimension}: the sales lines have no {dimension}")
                continue
            if metric not in METRICS and metric not in MEASURES:
                notes.append(f"targets for {metric!r} by {dimension}: only for the whole business")
                continue
        wanted.setdefault(dimension or "", []).append(key)
    actuals = {d: _actuals(lines, windows, by_name, d, keys) for d, keys in wanted.items() if d}
    rows = []
    for dimension, keys in wanted.items():
        for key in keys:
            aligned = align_quota(grouped_rows[key], cur).quota
            if aligned is None:
                uncovered += 1
                continue
            metric, _, member = key
            kpi = known.get(metric)
            if dimension:
                actual = actuals[dimension].get((metric, member))
            else:
                actual = kpi.value if kpi else None
            unit = kpi.unit if kpi else _unit(metric)
            label = kpi.label if kpi else metric.replace("_", " ")
            rows.append(
                TargetRow(
                    metric=metric,
                    label=label,
                    unit=unit,
                    dimension=ALIASES.get(dimension, dimension) if dimension else None,
                    member=spelled[key],
                    target=round(aligned, 6),
                    actual=actual,
                    attainment=round(actual / aligned, 6)
                    if actual is not None and aligned
                    else None,
                    gap=round(actual - aligned, 6) if actual is not None else None,
                )
            )
    if uncovered:
        notes.append(
            f"{uncovered} {fmt.noun_for(uncovered, 'target does', 'targets do')} not cover every "
            f"day of {fmt.of_period(cur)}: no attainment for "
            f"{fmt.noun_for(uncovered, 'it', 'them')}"
        )
    rows.sort(key=lambda r: (r.dimension is not None, r.dimension or "", r.attainment or 0.0))
    return Targets(source, tuple(rows), tuple(notes))


def _unit(metric: str) -> str:
    if metric in METRICS:
        return METRICS[metric].unit
    return MEASURES[metric].unit


def _actuals(
    lines: Lines,
    windows: Windows,
    by_name: dict[str, Dimension],
    dimension: str,
    keys: list[tuple[str, str | None, str | None]],
) -> dict[tuple[str, str | None], float | None]:
    """(metric, member key) -> the metric over the member's lines in the period: one query.
    A member without a line in the period did zero of an additive measure."""
    column = by_name[ALIASES.get(dimension, dimension)].column
    metrics = sorted({k[0] for k in keys})
    t = lines.table
    groups = query.grouped(
        t,
        query.available(lines, metrics),
        {"cur": windows.flag(t, "cur")},
        {"member": t[column].cast("string").re_replace(r"\s+", " ").strip().lower()},
    )
    values = {g.keys["member"]: g.slices["cur"] for g in groups}
    out: dict[tuple[str, str | None], float | None] = {}
    for metric, _, member in keys:
        found = values.get(member)
        if found is None:
            out[(metric, member)] = 0.0 if metric in MEASURES else None
        else:
            out[(metric, member)] = query.metric_value(metric, found)
    return out


def publish(facts: dict[str, Fact], t: Targets) -> None:
    """``targets.<metric>.<dimension>.<member>.{target,actual,attainment,gap}``."""
    for r in t.rows:
        who = f"{r.member} ({r.dimension.replace('_', ' ')})" if r.dimension else "the business"
        parts: tuple[tuple[ids.TargetPart, float | None, str], ...] = (
            ("target", r.target, r.unit),
            ("actual", r.actual, r.unit),
            ("attainment", r.attainment, "fraction"),
            ("gap", r.gap, r.unit),
        )
        for part, value, unit in parts:
            if value is not None:
                fid = ids.target(r.metric, r.dimension, r.member, part)
                facts[fid] = Fact(fid, value, unit, f"{r.label} of {who}: {part}")
