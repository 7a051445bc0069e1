"""Sales team: reps ranked against each other and, with a quota table, against their quotas.

Per rep, for the period and the previous one: net revenue (returns included), orders,
average order value, customers and new customers. A rep's new customers are customers
whose first purchase in all the data falls in the period and whose first order was with
that rep (earliest date, then lowest order id, then rep name: ties are deterministic).

Quotas are aligned to the period day by day: a quota row (rep or region, start, end
inclusive, amount) wholly inside the period counts fully, a row reaching past an edge
counts for its share of days inside (overlapping days / row days). When a rep's rows do
not cover every day of the period, the rep gets no quota and no attainment: a partial
quota would make the rep look better than they are. attainment = revenue / quota.

Names are matched between the sales lines and the quota table ignoring case and runs of
whitespace. Reps in the quota table with no sales in the period are listed with zero
revenue. Limits: revenue is credited to the rep on each line (a rep column that changes
within an order splits it); quota rows that overlap each other for the same rep are
summed as they are.

Three engine queries over the lines (per rep and window; each customer's first order;
per region when quotas are set by region) and one over the quota table's rows that
touch the period; only aggregates leave the engine.
"""

from __future__ import annotations

import statistics
from collections import Counter
from dataclasses import dataclass
from datetime import date, timedelta

import ibis
import ibis.expr.types as ir

from salescope.analysis.periods import Window
from salescope.lines import Lines
from salescope.metrics.definitions import ratio
from salescope.metrics.kpis import Windows
from salescope.metrics.query import expressions
from salescope.model import Measure, RepStats, Team, TeamStats
from salescope.narrative import format as fmt

WINDOW_KEYS = ("cur", "prev")
NO_QUOTA_NOTE = (
    "quota attainment needs a quota table (sales rep or region, start, end, quota): "
    "reps are compared with each other only"
)
MAX_NAMED = 5  # names listed in a note before "and N more"


@dataclass(frozen=True)
class QuotaRow:
    """One quota row: an amount for the days ``start`` to ``end`` (inclusive)."""

    start: date
    end: date
    quota: float


@dataclass(frozen=True)
class AlignedQuota:
    """A quota summed over the rows that touch a window, prorated by days inside it.

    ``quota`` is None when the rows leave some day of the window uncovered.
    """

    quota: float | None
    covered_days: int
    prorated_rows: int


def align_quota(rows: list[QuotaRow], window: Window) -> AlignedQuota:
    """The quota for ``window``: each row x (its days inside the window / its days).

    >>> w = Window("2026-Q1", date(2026, 1, 1), date(2026, 3, 31), "quarter")
    >>> align_quota([QuotaRow(date(2026, 1, 1), date(2026, 12, 31), 365.0)], w).quota
    90.0
    """
    total = 0.0
    prorated = 0
    spans: list[tuple[date, date]] = []
    for r in rows:
        first, last = max(r.start, window.start), min(r.end, window.end)
        if first > last or r.end < r.start:
            continue
        inside = (last - first).days + 1
        days = (r.end - r.start).days + 1
        total += r.quota * inside / days
        prorated += inside < days
        spans.append((first, last))
    covered = _covered_days(spans)
    return AlignedQuota(total if covered == window.days else None, covered, prorated)


def _covered_days(spans: list[tuple[date, date]]) -> int:
    """Days in the union of closed date ranges."""
    days = 0
    reach: date | None = None  # last day counted so far
    for first, last in sorted(spans):
        if reach is not None and first <= reach:
            first = reach + timedelta(days=1)
        if first <= last:
            days += (last - first).days + 1
        reach = last if reach is None else max(reach, last)
    return days


def name_key(column: ir.StringValue) -> ir.StringValue:
    """A name for matching: lower case, trimmed, inner whitespace collapsed; '' is null."""
    return column.re_replace(r"\s+", " ").strip().lower().nullif("")  # type: ignore[no-any-return]


@dataclass(frozen=True)
class _Quotas:
    """The quota table's rows that touch the period, and each name's team."""

    by: str  # "sales_rep" or "region"
    names: dict[str, str]  # key -> spelling in the quota table
    rows: dict[str, list[QuotaRow]]  # key -> rows touching the period
    teams: dict[str, str]  # rep key -> team (or region), by the most rows
    ignored_rows: int  # rows of the other kind (region rows in a table of reps)


def compute_team(
    lines: Lines,
    windows: Windows,
    quotas: ir.Table | None,
    quota_label: str | None = None,
) -> Team | None:
    """Reps (and teams) for the period, ranked; quota attainment when quotas are given.

    None when the lines have no sales rep and no region quotas can be matched to the
    lines' regions. ``quota_by`` is "sales_rep" when the quota table names reps, else
    "region": then ``teams`` are the regions (region revenue against region quota) and
    reps are compared by revenue only.

    >>> side = load_side_tables(engine, ["quotas.csv"])  # doctest: +SKIP
    >>> compute_team(lines, windows, side.quotas, "quotas.csv").reps[0].attainment  # doctest: +SKIP
    1.494954
    """
    has_reps = lines.has("sales_rep")
    by = _quota_kind(lines, quotas)
    if not has_reps and by != "region":
        return None
    cur = windows.by_key["cur"]
    notes: list[str] = []
    q = _read_quotas(quotas, by, cur) if quotas is not None and by is not None else None
    if quotas is None:
        notes.append(NO_QUOTA_NOTE)
    elif q is None:
        notes.append(
            "the quota table names no sales rep, and no region quotas match the sales "
            "lines' regions: reps are compared with each other only"
        )
    reps = _rep_stats(lines, windows, q, notes) if has_reps else []
    if q is not None and q.by == "region":
        teams = _region_teams(lines, windows, q, reps, notes)
    else:
        teams = _rep_teams(reps)
    if q is not None:
        _quota_notes(q, cur, notes)
    measured = teams if q is not None and q.by == "region" else reps
    attained = [m.attainment for m in measured if m.attainment is not None]
    median = statistics.median([r.revenue.value or 0.0 for r in reps]) if reps else None
    return Team(
        reps=tuple(reps),
        teams=tuple(teams),
        quota_source=None if q is None else (quota_label or "quota table"),
        quota_by=None if q is None else q.by,
        above_target=sum(a >= 1 for a in attained) if attained else None,
        below_target=sum(a < 1 for a in attained) if attained else None,
        median_revenue=None if median is None else round(median, 2),
        notes=tuple(notes),
    )


def _quota_kind(lines: Lines, quotas: ir.Table | None) -> str | None:
    """What the quotas can be matched on: reps if both sides have them, else regions."""
    if quotas is None:
        return None
    row = (
        quotas.aggregate(
            reps=quotas.sales_rep.notnull().cast("int64").sum(),
            regions=(quotas.sales_rep.isnull() & quotas.region.notnull()).cast("int64").sum(),
        )
        .to_pyarrow()
        .to_pylist()[0]
    )
    if (row["reps"] or 0) > 0 and lines.has("sales_rep"):
        return "sales_rep"
    if (row["regions"] or 0) > 0 and lines.has("region"):
        return "region"
    return None


def _read_quotas(quotas: ir.Table, by: str, cur: Window) -> _Quotas:
    """Rows of the quota table for ``by`` touching the period (a small side table).

    A rep's team is the quota table's ``team`` most of their rows give, else the
    ``region`` most of them give (ties by name).
    """
    key = name_key(quotas[by])
    usable = quotas.sales_rep.notnull() if by == "sales_rep" else quotas.sales_rep.isnull()
    q = quotas.filter(usable & key.notnull()).mutate(key=key)
    ignored = quotas.count(where=~usable).to_pyarrow().as_py()
    touching = q.filter(
        q.quota.notnull()
        & q.start.notnull()
        & q.end.notnull()
        & (q.start <= cur.end)
        & (q.end >= cur.start)
    )
    names: dict[str, str] = {}
    rows: dict[str, list[QuotaRow]] = {}
    picked = touching.select(
        "key", name=touching[by].strip(), s=touching.start, e=touching.end, quota=touching.quota
    )
    for r in picked.order_by(["key", "s", "e", "quota"]).to_pyarrow().to_pylist():
        names.setdefault(r["key"], r["name"])
        rows.setdefault(r["key"], []).append(QuotaRow(r["s"], r["e"], float(r["quota"])))
    teams: dict[str, str] = {}
    if by == "sales_rep":
        team, region = q.team.strip().nullif(""), q.region.strip().nullif("")
        named = q.filter(team.notnull() | region.notnull()).mutate(
            value=team.fill_null(region), from_team=team.notnull()
        )
        counts = named.group_by(["key", "value", "from_team"]).aggregate(n=named.count())
        best: dict[str, tuple[bool, int, str]] = {}
        for r in counts.to_pyarrow().to_pylist():
            rank = (not r["from_team"], -int(r["n"]), r["value"])
            if r["key"] not in best or rank < best[r["key"]]:
                best[r["key"]] = rank
        teams = {k: v[2] for k, v in best.items()}
    return _Quotas(by, names, rows, teams, int(ignored or 0))


# --- reps -----------------------------------------------------------------------------------


def _rep_stats(
    lines: Lines, windows: Windows, q: _Quotas | None, notes: list[str]
) -> list[RepStats]:
    cur = windows.by_key["cur"]
    per_rep = _per_rep(lines, windows)
    new = _new_customers(lines, windows) if lines.has("customer_id") else {}
    rep_quotas = q if q is not None and q.by == "sales_rep" else None
    keys = {k for k, v in per_rep.items() if v["lines_cur"]}
    if rep_quotas is not None:
        keys |= set(rep_quotas.rows)
    if rep_quotas is not None:
        idle = [
            rep_quotas.names[k] for k in rep_quotas.rows if not per_rep.get(k, {}).get("lines_cur")
        ]
        if idle:
            notes.append(
                _named(
                    "rep with a quota has no sales in the period (zero revenue)",
                    "reps with a quota have no sales in the period (zero revenue)",
                    idle,
                )
            )
        unquoted = [str(per_rep[k]["name"]) for k in keys if k not in rep_quotas.rows]
        if unquoted:
            notes.append(
                _named(
                    "rep with sales has no quota rows for the period",
                    "reps with sales have no quota rows for the period",
                    unquoted,
                )
            )
    gone = sum(1 for k, v in per_rep.items() if k not in keys and v.get("lines_prev"))
    if gone:
        notes.append(
            f"{gone} {fmt.noun_for(gone, 'rep')} who sold in the previous period sold "
            "nothing in this one and have no quota for it: not listed"
        )
    main_region = _main_region(lines, cur) if q is not None and q.by == "region" else {}
    has_prev = "prev" in windows
    has_history = has_prev and lines.data_start < windows.by_key["prev"].start
    stats = []
    for key in keys:
        a = per_rep.get(key, {})
        quota = None
        if rep_quotas is not None and key in rep_quotas.rows:
            quota = align_quota(rep_quotas.rows[key], cur).quota
        counts = new.get(key, {}) if lines.has("customer_id") else None
        stats.append(
            RepStats(
                rep=str(a.get("name") or (rep_quotas.names[key] if rep_quotas else key)),
                team=rep_quotas.teams.get(key) if rep_quotas is not None else main_region.get(key),
                quota=_round(quota, 2),
                attainment=_round(ratio(_num(a, "revenue_cur"), quota), 6),
                rank=0,
                vs_median=None,
                **_measures(a, counts, has_prev, has_history),
            )
        )
    return _ranked(stats)


def _num(a: dict[str, float | str | None], name: str) -> float:
    return float(a.get(name) or 0.0)


def _measures(
    a: dict[str, float | str | None],
    new: dict[str, int] | None,
    has_prev: bool,
    has_history: bool,
) -> dict[str, Measure]:
    """A rep's Measures from the per-rep aggregates (zero where the rep sold nothing).

    ``new`` is None without a customer column; the previous new-customer count needs
    data before the previous period (else everyone there would look new).
    """

    def both(metric: str) -> tuple[float, float | None]:
        return _num(a, f"{metric}_cur"), _num(a, f"{metric}_prev") if has_prev else None

    revenue, orders = both("revenue"), both("orders")
    aov = [_round(ratio(r, o), 2) for r, o in zip(revenue, orders, strict=True)]
    out = {
        "revenue": _money(Measure.of(*revenue)),
        "orders": Measure.of(*orders),
        "aov": Measure.of(*aov),
        "customers": Measure(None),
        "new_customers": Measure(None),
    }
    if new is not None:
        out["customers"] = Measure.of(*both("customers"))
        out["new_customers"] = Measure.of(
            float(new.get("cur", 0)), float(new.get("prev", 0)) if has_history else None
        )
    return out


def _money(m: Measure) -> Measure:
    return Measure.of(_round(m.value, 2), _round(m.previous, 2))


def _round(value: float | None, digits: int) -> float | None:
    return None if value is None else round(value, digits)


def _ranked(stats: list[RepStats]) -> list[RepStats]:
    """Rank by attainment (reps without one after), then revenue, then name; add vs_median."""

    def order(r: RepStats) -> tuple[bool, float, float, str, str]:
        a = r.attainment
        return (a is None, -(a or 0.0), -(r.revenue.value or 0.0), r.rep.lower(), r.rep)

    ranked = sorted(stats, key=order)
    revenues = [r.revenue.value or 0.0 for r in ranked]
    median = statistics.median(revenues) if revenues else 0.0
    out = []
    for i, r in enumerate(ranked, start=1):
        vs = _round(ratio(r.revenue.value, median), 6) if median > 0 else None
        out.append(
            RepStats(**{**r.__dict__, "rank": i, "vs_median": vs}),
        )
    return out


def _per_rep(lines: Lines, windows: Windows) -> dict[str, dict[str, float | str | None]]:
    """Revenue, orders, customers and line count per rep and window, in one query."""
    t = lines.table
    t = t.filter(windows.any_flag(t, WINDOW_KEYS)).mutate(rep_key=name_key(t.sales_rep))
    t = t.filter(t.rep_key.notnull())
    aggs: dict[str, ir.Scalar] = {"name": t.sales_rep.strip().min()}
    for k in WINDOW_KEYS:
        if k not in windows:
            continue
        f = windows.flag(t, k)
        aggs[f"revenue_{k}"] = t.revenue.sum(where=f)
        aggs[f"lines_{k}"] = t.count(where=f)
        aggs[f"orders_{k}"] = expressions(t, lines, ("orders",), f)["orders"]
        if lines.has("customer_id"):
            aggs[f"customers_{k}"] = t.customer_id.nunique(where=f)
    rows = t.group_by("rep_key").aggregate(**aggs).to_pyarrow().to_pylist()
    return {r.pop("rep_key"): r for r in rows}


def _new_customers(lines: Lines, windows: Windows) -> dict[str, dict[str, int]]:
    """Per rep: customers whose first order (in all the data) was with them, per window.

    The first order is the earliest line by date, then order id, then rep name, so a
    customer whose first day has several orders or reps is credited once.
    """
    t = lines.table.filter(lines.table.customer_id.notnull())
    keys = tuple(k for k in WINDOW_KEYS if k in windows)
    # each customer's first day, then only that day's lines: ranking every line of the
    # data by text keys would sort it all
    day = t.group_by("customer_id").aggregate(order_date=t.order_date.min())
    day = day.filter(windows.any_flag(day, keys))
    t = t.join(day, ["customer_id", "order_date"])
    t = t.mutate(rep_key=name_key(t.sales_rep))
    order = [t.order_date]
    if lines.has("order_id"):
        order.append(t.order_id)
    order += [t.rep_key.isnull(), t.rep_key]
    first = t.mutate(n=ibis.row_number().over(group_by=t.customer_id, order_by=order))
    first = first.filter((first.n == 0) & first.rep_key.notnull())
    aggs = {k: first.count(where=windows.flag(first, k)) for k in WINDOW_KEYS if k in windows}
    rows = first.group_by("rep_key").aggregate(**aggs).to_pyarrow().to_pylist()
    return {r.pop("rep_key"): {k: int(v or 0) for k, v in r.items()} for r in rows}


def _main_region(lines: Lines, cur: Window) -> dict[str, str]:
    """Each rep's region in the period: the one with most of their lines (ties by name)."""
    if not lines.has("region"):
        return {}
    t = lines.table
    t = t.filter(t.order_date.between(cur.start, cur.end) & t.region.notnull())
    t = t.mutate(rep_key=name_key(t.sales_rep), region_key=name_key(t.region))
    t = t.filter(t.rep_key.notnull() & t.region_key.notnull())
    counts = t.group_by(["rep_key", "region_key"]).aggregate(n=t.count(), name=t.region.min())
    best: dict[str, tuple[int, str, str]] = {}
    for r in counts.to_pyarrow().to_pylist():
        rank = (-int(r["n"]), r["region_key"], r["name"])
        if r["rep_key"] not in best or rank < best[r["rep_key"]]:
            best[r["rep_key"]] = rank
    return {k: v[2] for k, v in best.items()}


# --- teams ----------------------------------------------------------------------------------


def _team_order(t: TeamStats) -> tuple[float, str]:
    return (-(t.revenue.value or 0.0), t.team)


def _rep_teams(reps: list[RepStats]) -> list[TeamStats]:
    """Teams of reps: revenue summed over the reps, quota summed when every rep has one."""
    members: dict[str, list[RepStats]] = {}
    for r in reps:
        if r.team is not None:
            members.setdefault(r.team, []).append(r)
    teams = []
    for team, group in members.items():
        revenue = sum(r.revenue.value or 0.0 for r in group)
        previous = [r.revenue.previous for r in group]
        prev = None if any(p is None for p in previous) else sum(p or 0.0 for p in previous)
        quotas = [r.quota for r in group]
        quota = None if any(x is None for x in quotas) else sum(x or 0.0 for x in quotas)
        teams.append(
            TeamStats(
                team=team,
                reps=len(group),
                revenue=_money(Measure.of(revenue, prev)),
                quota=_round(quota, 2),
                attainment=_round(ratio(revenue, quota), 6),
            )
        )
    return sorted(teams, key=_team_order)


def _region_teams(
    lines: Lines, windows: Windows, q: _Quotas, reps: list[RepStats], notes: list[str]
) -> list[TeamStats]:
    """Regions as teams: the lines' revenue per region against the region quota."""
    t = lines.table
    t = t.filter(windows.any_flag(t, WINDOW_KEYS)).mutate(region_key=name_key(t.region))
    t = t.filter(t.region_key.notnull())
    aggs: dict[str, ir.Scalar] = {"name": t.region.strip().min()}
    for k in WINDOW_KEYS:
        if k in windows:
            aggs[f"revenue_{k}"] = t.revenue.sum(where=windows.flag(t, k))
            aggs[f"lines_{k}"] = t.count(where=windows.flag(t, k))
    rows = t.group_by("region_key").aggregate(**aggs).to_pyarrow().to_pylist()
    per_region = {r.pop("region_key"): r for r in rows}
    keys = {k for k, v in per_region.items() if v["lines_cur"]} | set(q.rows)
    rep_count = Counter(name_key_py(r.team) for r in reps if r.team is not None)
    cur = windows.by_key["cur"]
    teams = []
    for key in keys:
        a = per_region.get(key, {})
        revenue = float(a.get("revenue_cur") or 0.0)
        prev = float(a.get("revenue_prev") or 0.0) if "prev" in windows else None
        quota = align_quota(q.rows[key], cur).quota if key in q.rows else None
        teams.append(
            TeamStats(
                team=str(a.get("name") or q.names.get(key, key)),
                reps=rep_count.get(key, 0),
                revenue=_money(Measure.of(revenue, prev)),
                quota=_round(quota, 2),
                attainment=_round(ratio(revenue, quota), 6),
            )
        )
    unmatched = [k for k in keys if k not in q.rows]
    if unmatched:
        notes.append(
            _named(
                "region with sales has no quota for the period",
                "regions with sales have no quota for the period",
                [str(per_region[k]["name"]) for k in unmatched],
            )
        )
    return sorted(teams, key=_team_order)


def name_key_py(name: str) -> str:
    """:func:`name_key` for a Python string."""
    return " ".join(name.split()).lower()


# --- notes ----------------------------------------------------------------------------------


def _named(one: str, many: str, names: list[str]) -> str:
    """``3 reps with ...: A, B, C``: ``one`` follows a count of one, ``many`` any other."""
    names = sorted(names)
    what = fmt.noun_for(len(names), one, many)
    shown = ", ".join(names[:MAX_NAMED])
    more = f" and {len(names) - MAX_NAMED} more" if len(names) > MAX_NAMED else ""
    return f"{len(names)} {what}: {shown}{more}"


def _quota_notes(q: _Quotas, cur: Window, notes: list[str]) -> None:
    """Which quota rows were prorated and whose quotas leave days of the period uncovered."""
    aligned = {k: align_quota(rows, cur) for k, rows in q.rows.items()}
    prorated = sum(a.prorated_rows for a in aligned.values())
    what = "rep" if q.by == "sales_rep" else "region"
    if not q.rows:
        notes.append(f"the quota table has no rows for {fmt.of_period(cur)}: no attainment")
    if prorated:
        notes.append(
            f"{prorated} quota {fmt.noun_for(prorated, 'row reaches', 'rows reach')} past the edge "
            f"of {fmt.of_period(cur)} and "
            + fmt.noun_for(prorated, "counts for its", "count for their")
            + " share of days inside it"
        )
    gaps = [q.names[k] for k, a in aligned.items() if a.quota is None]
    if gaps:
        notes.append(
            _named(
                f"{what} has quota rows that do not cover every day of {fmt.of_period(cur)}, "
                "so no quota or attainment is given for it",
                f"{what}s have quota rows that do not cover every day of {fmt.of_period(cur)}, "
                "so no quota or attainment is given for them",
                gaps,
            )
        )
    if q.ignored_rows:
        kind = "region-only" if q.by == "sales_rep" else "rep"
        notes.append(
            f"{q.ignored_rows} {kind} quota {fmt.noun_for(q.ignored_rows, 'row was', 'rows were')} "
            f"not used: quotas are compared per {what}"
        )
