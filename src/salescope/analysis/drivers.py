"""What drove the revenue change: volume, price and mix, and the members behind it.

The split, over the finest product level the data has (product, else category):

- volume = (units now - units before) x average price before
- price  = sum over members sold in both periods of (price now - price before) x units now
- mix    = the rest: revenue change - volume - price (shifts between cheaper and dearer
  members, members new or gone, and returns)

so the three always add up to the change. Contributors rank every member of each
dimension by its change and by the shift in its share of revenue, so a small member
that grew from 1% to 6% shows next to the large ones.

Members are ranked, and kept or left out, on their change without cancelled orders: a
sale line and the return or credit note that cancelled it (the same product, the same
customer when the data has one, the opposite amount, dated ``cancel_days`` or fewer after
the sale). Their figures stay as booked, so they match the breakdowns, with
``net_change`` beside them. Pairs are found in the engine: the lines of one product,
customer and amount in date order, sales before returns on a day; a return cancels the
sale just before it. Such a pair nets to nothing inside one period and member, but one
that straddles the two periods, or whose lines carry different members, would otherwise
make a member move through gross flows.

Each member carries its orders in both periods (cancelled ones left out). A member whose
move rests on ``thin_orders`` orders or fewer (this period's for a rise, the previous
one's for a fall), or half of whose move is one order of that period (one customer's bulk
buy on a spike day), is ``thin``: it stays in the list, marked, and gets no insight.
"""

from __future__ import annotations

from contextlib import nullcontext
from datetime import timedelta
from typing import TYPE_CHECKING, Any

import ibis
import ibis.expr.types as ir

from salescope.analysis.breakdowns import MISSING_KEY, goods_lines
from salescope.engine import Engine
from salescope.lines import Lines
from salescope.metrics.kpis import Windows
from salescope.metrics.query import stacked
from salescope.metrics.semantic import EXPLAINING
from salescope.model import Concentration, Contributor, Drivers
from salescope.settings import Thresholds

if TYPE_CHECKING:
    from salescope.engine import Engine

TOP_CONTRIBUTORS = 5  # per dimension and ranking
ONE_ORDER_SHARE = 0.5  # one order carrying this share of a member's move makes it thin
MIN_SHARE_OF_CHANGE = 0.03  # members moving less than this share of the change are left out
DOMINANT_SHARE = 0.5
# the columns of the lines the drivers read, beside the explaining dimensions
NETTED_COLUMNS = (
    "order_date",
    "revenue",
    "quantity",
    "is_return",
    "order_id",
    "line_type",
    "product_name",
    "cancelled",
)
# the columns that order one product's, customer's and amount's lines within a day, so the
# pairing of sales and cancellations is the same on every run
_TIE_BREAKERS = ("order_id", "category", "region", "country", "channel", "sales_rep", "segment")
_CENTS = "_salescope_cents"  # a line's amount in whole cents, one key of the pairing


def _with_cancellations(lines: Lines, windows: Windows, days: int) -> ir.Table:
    """The lines of the two periods (and the ``days`` before them) with ``cancelled``: True
    on a sale line and on the return that cancelled it (see the module docstring); only
    the columns the drivers' queries read (the table is stored for them).

    Only the lines of a product, amount and customer that has a return can be in a pair,
    so only they are put in date order (a window sorts what it orders: every line in the
    two periods took most of this stage on large inputs); the others are joined to the
    few such keys once and come out not cancelled. The keys match NULL to NULL
    (``identical_to``), as the window's partitions do.
    """
    t = lines.table
    prev, cur = windows.by_key["prev"], windows.by_key["cur"]
    pad = timedelta(days=max(days, 0))
    t = t.filter(
        t.order_date.between(min(prev.start, cur.start) - pad, max(prev.end, cur.end) + pad)
    )
    if not lines.has("product") or days < 0:
        return _netted_columns(t.mutate(cancelled=ibis.literal(False)))
    t = t.mutate(**{_CENTS: (t.revenue * 100).round().abs().cast("int64")})
    who = next((c for c in ("customer_id", "customer_name") if lines.has(c)), None)
    parts = ["product", _CENTS] + ([who] if who else [])
    returned = t.filter(t.is_return & t["product"].notnull() & (t[_CENTS] > 0))
    keys = returned.select(*parts).distinct()
    same = [t[c].identical_to(keys[c]) for c in parts]
    paired = t.semi_join(keys, same)
    ties = [paired[c] for c in _TIE_BREAKERS if c in paired.columns]
    w = ibis.window(
        group_by=[paired[c] for c in parts], order_by=[paired.order_date, paired.is_return, *ties]
    )
    before_is_return = paired.is_return.lag().over(w)
    before_day = paired.order_date.lag().over(w)
    after_is_return = paired.is_return.lead().over(w)
    after_day = paired.order_date.lead().over(w)
    cancels = ~before_is_return.fill_null(True) & (
        paired.order_date.delta(before_day, unit="day") <= days
    )
    cancelled = ~paired.is_return & after_is_return.fill_null(False)
    cancelled &= after_day.delta(paired.order_date, unit="day") <= days
    found = ibis.ifelse(paired.is_return, cancels, cancelled).fill_null(False)
    found = found & paired["product"].notnull() & (paired[_CENTS] > 0)
    alone = _netted_columns(t.anti_join(keys, same).mutate(cancelled=ibis.literal(False)))
    return alone.union(_netted_columns(paired.mutate(cancelled=found)), distinct=False)


def _netted_columns(t: ir.Table) -> ir.Table:
    """What the drivers read of the lines with their cancellations."""
    read = {*NETTED_COLUMNS, *EXPLAINING}
    return t.select(*(c for c in t.columns if c in read))


def _per_member(
    lines: Lines,
    windows: Windows,
    column: str,
    goods: bool = False,
    table: ir.Table | None = None,
) -> ir.Table:
    """Revenue (and units) per member, this period and the previous; ``goods`` leaves
    non-merchandise lines out of a product or category dimension (for the movers; the
    volume and price effects keep every line, so they add up to the change). ``table``:
    the lines with ``cancelled`` (:func:`_with_cancellations`), for the revenue without the
    pairs (``n1``, ``n0``) and, without an order id, the orders without them (``o1``,
    ``o0``: sale lines; with one, :func:`_largest_orders` counts the listed members')."""
    t = lines.table if table is None else table
    t = goods_lines(lines, t, column) if goods else t
    t = t.filter(windows.any_flag(t, ("cur", "prev")))
    cur, prev = windows.flag(t, "cur"), windows.flag(t, "prev")
    aggs = {
        "r1": t.revenue.sum(where=cur).fill_null(0.0),
        "r0": t.revenue.sum(where=prev).fill_null(0.0),
    }
    if lines.has("quantity"):
        aggs["q1"] = t.quantity.sum(where=cur).fill_null(0.0)
        aggs["q0"] = t.quantity.sum(where=prev).fill_null(0.0)
    if table is not None:
        kept = ~t.cancelled
        aggs["n1"] = t.revenue.sum(where=cur & kept).fill_null(0.0)
        aggs["n0"] = t.revenue.sum(where=prev & kept).fill_null(0.0)
        if "order_id" not in t.columns:  # each sale line is one order
            sale = kept & ~t.is_return
            aggs["o1"] = t.count(where=cur & sale)
            aggs["o0"] = t.count(where=prev & sale)
    if column == "product" and lines.has("product_id") and lines.has("product_name"):
        aggs["name"] = t.product_name.max()
    return t.group_by(key=t[column].fill_null(MISSING_KEY)).aggregate(**aggs)


def _volume_price(lines: Lines, windows: Windows, level: str) -> tuple[float, float]:
    """(volume, price) effects over the members of ``level``, in one query."""
    m = _per_member(lines, windows, level)
    both = (m.q0 > 0) & (m.q1 > 0)
    row = (
        m.aggregate(
            r0=m.r0.sum(),
            q1=m.q1.sum(),
            q0=m.q0.sum(),
            price=ibis.ifelse(both, m.r1 - m.q1 * (m.r0 / m.q0), 0.0).sum(),
        )
        .to_pyarrow()
        .to_pylist()[0]
    )
    r0, q1, q0 = (float(row[k] or 0.0) for k in ("r0", "q1", "q0"))
    volume = (q1 - q0) * (r0 / q0) if q0 > 0 else 0.0
    return volume, float(row["price"] or 0.0)


def _contributors(
    lines: Lines,
    windows: Windows,
    dimensions: list[str],
    change: float,
    r1: float,
    r0: float,
    threshold: float,
    netted: ir.Table,
    thin_orders: float,
) -> tuple[list[Contributor], list[Concentration]]:
    """The movers and the concentration of every explaining dimension in ``dimensions``,
    in two queries whatever their number: one ranks the members of every dimension (each
    dimension's members stacked under its name, the windows partitioned by it), one counts
    the listed members' orders (:func:`_largest_orders`). A query per dimension cost a
    round trip each, most of the time of a small input's queries (Ibis compiling them)."""
    if not dimensions:
        return [], []
    parts = {}
    for dimension in dimensions:
        m = _per_member(lines, windows, dimension, goods=True, table=netted)
        parts[dimension] = m.mutate(name=m["name"] if "name" in m.columns else ibis.null("string"))
    m = stacked(parts, "dimension")
    shift = m.r1 / r1 - m.r0 / r0 if r1 and r0 else ibis.literal(0.0)
    share = m.r1 / r1 if r1 else ibis.literal(0.0)
    # ranked on the change without cancelled orders; reported as booked
    m = m.mutate(delta=m.r1 - m.r0, net=m.n1 - m.n0, shift=shift, share=share)
    # Each member's rank by change, by share shift and by revenue within its dimension,
    # with the concentration of the whole dimension alongside (window aggregates).
    whole = ibis.window(group_by=m.dimension)

    def rank(*order: ir.Value) -> ir.IntegerColumn:
        return ibis.row_number().over(group_by=m.dimension, order_by=[*order, m.key])

    ranked = m.mutate(
        by_change=rank(ibis.desc(m.net.abs())),
        by_shift=rank(ibis.desc(m.shift.abs())),
        by_revenue=rank(ibis.desc(m.r1)),
        members=m.key.count().over(whole),
        hhi=(m.share * m.share).sum().over(whole),
        top=m.share.max().over(whole),
    )
    ranked = ranked.mutate(
        top3=ibis.ifelse(ranked.by_revenue < 3, ranked.share, 0.0).sum().over(whole)
    )
    found = (
        ranked.filter((ranked.by_change < TOP_CONTRIBUTORS) | (ranked.by_shift < TOP_CONTRIBUTORS))
        .to_pyarrow()
        .to_pylist()
    )
    rows: dict[str, dict[object, dict[str, Any]]] = {d: {} for d in dimensions}
    for r in found:
        rows[r["dimension"]][r["key"]] = r
    largest = _largest_orders(lines, netted, windows, {d: list(rows[d]) for d in dimensions})
    out: list[Contributor] = []
    concentration = []
    for dimension in dimensions:
        made = (
            _contributor(dimension, r, largest, change, r1, r0, threshold, thin_orders)
            for r in rows[dimension].values()
        )
        listed = [c for c in made if c is not None]
        listed.sort(key=lambda c: (-abs(c.change), c.key))
        out += listed
        first = next(iter(rows[dimension].values()), None)
        concentration.append(_concentration(dimension, first))
    return out, concentration


def _contributor(
    dimension: str,
    r: dict[str, Any],
    largest: dict[tuple[str, object, bool], tuple[int, float]],
    change: float,
    r1: float,
    r0: float,
    threshold: float,
    thin_orders: float,
) -> Contributor | None:
    """One ranked member as a contributor; None when it moved less than ``threshold`` of
    the change."""
    key = r["key"]
    delta, net = float(r["delta"]), float(r["net"])
    if change and abs(net) < threshold * abs(change):
        return None
    if "o1" in r:  # no order id: counted by the ranking query, no largest order
        orders, previous_orders, top_now, top_before = int(r["o1"]), int(r["o0"]), 0.0, 0.0
    else:
        (orders, top_now), (previous_orders, top_before) = (
            largest.get((dimension, key, now), (0, 0.0)) for now in (True, False)
        )
    carrying = top_now if net > 0 else top_before  # the largest order of the moving period
    few = (orders if net > 0 else previous_orders) <= thin_orders
    return Contributor(
        dimension=dimension,
        key=str(key) if r.get("name") is None else f"{r['name']} ({key})",
        revenue=round(float(r["r1"]), 2),
        previous=round(float(r["r0"]), 2),
        change=round(delta, 2),
        share_of_change=round(delta / change, 6) if change else None,
        share=round(float(r["r1"]) / r1, 6) if r1 else None,
        previous_share=round(float(r["r0"]) / r0, 6) if r0 else None,
        share_shift=round(float(r["shift"]), 6) if r1 and r0 else None,
        direction="driver" if delta * change >= 0 else "detractor",
        orders=orders,
        previous_orders=previous_orders,
        thin=few or (net != 0 and carrying >= ONE_ORDER_SHARE * abs(net)),
        net_change=round(net, 2),
    )


def _concentration(dimension: str, row: dict[str, Any] | None) -> Concentration:
    """The dimension's concentration, carried by any of its ranked rows (None: no member)."""
    conc = row or {"members": 0, "hhi": 0.0, "top": 0.0, "top3": 0.0}
    top1 = float(conc["top"] or 0.0)
    return Concentration(
        dimension=dimension,
        members=int(conc["members"]),
        top1_share=round(top1, 6),
        top3_share=round(float(conc["top3"] or 0.0), 6),
        hhi=round(float(conc["hhi"] or 0.0), 6),
        dominated=top1 >= DOMINANT_SHARE and int(conc["members"]) > 1,
    )


def _largest_orders(
    lines: Lines, netted: ir.Table, windows: Windows, keys: dict[str, list[object]]
) -> dict[tuple[str, object, bool], tuple[int, float]]:
    """For each dimension's members ``keys``, this period (dimension, key, True) and the
    previous one (dimension, key, False): its orders and the revenue of the largest,
    cancelled orders left out, in one query over the members' orders. Empty without an
    order id.

    An order is an order id with a sale line, as the ``orders`` measure counts them;
    counting them here, for the few members listed, spares the ranking query a distinct
    count per period over every member.
    """
    listed = {d: k for d, k in keys.items() if k}
    if not listed or "order_id" not in netted.columns:
        return {}
    parts = {}
    for dimension, members in listed.items():
        t = goods_lines(lines, netted, dimension)
        t = t.filter(windows.any_flag(t, ("cur", "prev")) & ~t.cancelled)
        t = t.mutate(key=t[dimension].fill_null(MISSING_KEY))
        t = t.filter(t.key.isin(members))
        per = t.group_by(key=t.key, order=t.order_id, now=windows.flag(t, "cur")).aggregate(
            revenue=t.revenue.sum(), sold=t.count(where=~t.is_return)
        )
        # each dimension's orders are counted before the dimensions are stacked: one table
        # of every dimension's (member, order) groups held them all at once
        parts[dimension] = per.group_by(["key", "now"]).aggregate(
            orders=per.count(where=per.order.notnull() & (per.sold > 0)),
            revenue=per.revenue.max(),
        )
    top = stacked(parts, "dimension")
    return {
        (r["dimension"], r["key"], bool(r["now"])): (int(r["orders"]), float(r["revenue"] or 0.0))
        for r in top.to_pyarrow().to_pylist()
    }


def compute_drivers(
    lines: Lines,
    windows: Windows,
    threshold: float = MIN_SHARE_OF_CHANGE,
    revenue: tuple[float, float] | None = None,
    thresholds: Thresholds | None = None,
    engine: Engine | None = None,
) -> Drivers | None:
    """None without a previous period to compare with. Contributors moving less than
    ``threshold`` of the change are left out. ``revenue`` (now, before) saves a scan
    when the KPIs already have it. ``thresholds`` give ``cancel_days`` and
    ``thin_orders`` (docs/insights.md). With ``engine``, the lines of the two periods with
    their cancellations are stored (DuckDB) or cached (Spark) for the queries of this
    stage, and dropped after them: window functions, otherwise run again by each query."""
    if "prev" not in windows:
        return None
    t_ = thresholds or Thresholds()
    if revenue is None:
        t = lines.table
        totals = (
            t.aggregate(
                r1=t.revenue.sum(where=windows.flag(t, "cur")),
                r0=t.revenue.sum(where=windows.flag(t, "prev")),
            )
            .to_pyarrow()
            .to_pylist()[0]
        )
        revenue = (float(totals["r1"] or 0.0), float(totals["r0"] or 0.0))
    r1, r0 = revenue
    change = round(r1 - r0, 2)
    level = next((d for d in ("product", "category") if lines.has(d)), None)
    volume = price = mix = None
    if lines.has("quantity") and level is not None:
        v, p = _volume_price(lines, windows, level)
        volume, price = round(v, 2), round(p, 2)
        mix = round(change - volume - price, 2)  # the rest, so the three add up exactly
    else:
        level = None
    netted = _with_cancellations(lines, windows, int(t_.cancel_days))
    with nullcontext(netted) if engine is None else engine.stored(netted) as netted:
        pairs, returned = _pairs(netted, windows)
        contributors, concentration = _contributors(
            lines,
            windows,
            [d for d in EXPLAINING if lines.has(d)],
            r1 - r0,
            r1,
            r0,
            threshold,
            netted,
            t_.thin_orders,
        )
    return Drivers(
        revenue_change=change,
        volume=volume,
        price=price,
        mix=mix,
        level=level,
        contributors=tuple(contributors),
        concentration=tuple(concentration),
        threshold=threshold,
        cancelled_pairs=pairs,
        cancelled_returns=returned,
        cancel_days=max(int(t_.cancel_days), 0),
    )


def _pairs(netted: ir.Table, windows: Windows) -> tuple[int, float]:
    """Cancelled sales of the two periods (a sale and its return count as one pair) and the
    amount the cancelling returns of the period took back (a positive amount)."""
    t = netted.filter(windows.any_flag(netted, ("cur", "prev")))
    back = t.cancelled & t.is_return & windows.flag(t, "cur")
    row = (
        t.aggregate(
            n=t.count(where=t.cancelled & ~t.is_return),
            back=t.revenue.sum(where=back),
        )
        .to_pyarrow()
        .to_pylist()
    )
    n, amount = (row[0]["n"], row[0]["back"]) if row else (0, 0.0)
    return int(n or 0), round(0.0 - float(amount or 0.0), 2)  # 0.0, never -0.0
