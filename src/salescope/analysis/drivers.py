"""What drove the revenue change: volume, price and mix, and the members behind it.

The split, over the finest product level the data has (product, else category):

- volume = (units now - units before) x average price before
- price  = sum over members sold in both periods of (price now - price before) x units now
- mix    = the rest: revenue change - volume - price (shifts between cheaper and dearer
  members, members new or gone, and returns)

so the three always add up to the change. Contributors rank every member of each
dimension by its change and by the shift in its share of revenue, so a small member
that grew from 1% to 6% shows next to the large ones.
"""

from __future__ import annotations

import ibis
import ibis.expr.types as ir

from salescope.analysis.breakdowns import MISSING_KEY, goods_lines
from salescope.lines import Lines
from salescope.metrics.kpis import Windows
from salescope.metrics.semantic import EXPLAINING
from salescope.model import Concentration, Contributor, Drivers

TOP_CONTRIBUTORS = 5  # per dimension and ranking
MIN_SHARE_OF_CHANGE = 0.03  # members moving less than this share of the change are left out
DOMINANT_SHARE = 0.5


def _per_member(lines: Lines, windows: Windows, column: str, goods: bool = False) -> ir.Table:
    """Revenue (and units) per member, this period and the previous; ``goods`` leaves
    non-merchandise lines out of a product or category dimension (for the movers; the
    volume and price effects keep every line, so they add up to the change)."""
    t = goods_lines(lines, lines.table, column) if goods else lines.table
    t = t.filter(windows.any_flag(t, ("cur", "prev")))
    cur, prev = windows.flag(t, "cur"), windows.flag(t, "prev")
    aggs = {
        "r1": t.revenue.sum(where=cur).fill_null(0.0),
        "r0": t.revenue.sum(where=prev).fill_null(0.0),
    }
    if lines.has("quantity"):
        aggs["q1"] = t.quantity.sum(where=cur).fill_null(0.0)
        aggs["q0"] = t.quantity.sum(where=prev).fill_null(0.0)
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
    dimension: str,
    change: float,
    r1: float,
    r0: float,
    threshold: float,
) -> tuple[list[Contributor], Concentration]:
    m = _per_member(lines, windows, dimension, goods=True)
    shift = m.r1 / r1 - m.r0 / r0 if r1 and r0 else ibis.literal(0.0)
    share = m.r1 / r1 if r1 else ibis.literal(0.0)
    m = m.mutate(delta=m.r1 - m.r0, shift=shift, share=share)
    # One query: each member's rank by change, by share shift and by revenue, with the
    # concentration of the whole dimension alongside (window aggregates).
    whole = ibis.window()
    ranked = m.mutate(
        by_change=ibis.row_number().over(order_by=[ibis.desc(m.delta.abs()), m.key]),
        by_shift=ibis.row_number().over(order_by=[ibis.desc(m.shift.abs()), m.key]),
        by_revenue=ibis.row_number().over(order_by=[ibis.desc(m.r1), m.key]),
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
    rows = {r["key"]: r for r in found}
    conc = found[0] if found else {"members": 0, "hhi": 0.0, "top": 0.0, "top3": 0.0}
    out = []
    for key, r in rows.items():
        delta = float(r["delta"])
        if change and abs(delta) < threshold * abs(change):
            continue
        out.append(
            Contributor(
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
            )
        )
    out.sort(key=lambda c: (-abs(c.change), c.key))
    top1 = float(conc["top"] or 0.0)
    concentration = Concentration(
        dimension=dimension,
        members=int(conc["members"]),
        top1_share=round(top1, 6),
        top3_share=round(float(conc["top3"] or 0.0), 6),
        hhi=round(float(conc["hhi"] or 0.0), 6),
        dominated=top1 >= DOMINANT_SHARE and int(conc["members"]) > 1,
    )
    return out, concentration


def compute_drivers(
    lines: Lines,
    windows: Windows,
    threshold: float = MIN_SHARE_OF_CHANGE,
    revenue: tuple[float, float] | None = None,
) -> Drivers | None:
    """None without a previous period to compare with. Contributors moving less than
    ``threshold`` of the change are left out. ``revenue`` (now, before) saves a scan
    when the KPIs already have it."""
    if "prev" not in windows:
        return None
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
    contributors: list[Contributor] = []
    concentration: list[Concentration] = []
    for dimension in EXPLAINING:
        if lines.has(dimension):
            found, conc = _contributors(lines, windows, dimension, r1 - r0, r1, r0, threshold)
            contributors += found
            concentration.append(conc)
    return Drivers(
        revenue_change=change,
        volume=volume,
        price=price,
        mix=mix,
        level=level,
        contributors=tuple(contributors),
        concentration=tuple(concentration),
        threshold=threshold,
    )
