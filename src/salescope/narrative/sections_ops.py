"""The marketing, sales-team and operations sections of the period report.

Each says what the side tables allowed and says so when one was missing: channel
efficiency needs a spend table, quota attainment a quota table, and a stockout without
an inventory table is only a possible one. A campaign's uplift is claimed only when its
interval excludes zero.
"""

from __future__ import annotations

from salescope.model import (
    STOCKOUTS_LISTED,
    STOCKOUTS_NAMED,
    CampaignResult,
    ChannelStats,
    GapRule,
    Inventory,
    Marketing,
    Measure,
    Operations,
    Report,
    Team,
)
from salescope.narrative import format as fmt
from salescope.narrative.sections import Section, _previous_label
from salescope.narrative.table import Table
from salescope.narrative.wording import stockout_label, usually

CHANNELS_NAMED = 2  # best and worst by ROAS
REPS_NAMED = 3


def _vs(m: Measure | None, prev_label: str | None) -> str:
    """`` (+12.3% on 2026-Q2)`` or nothing when there is no comparison."""
    if m is None or m.change_pct is None or prev_label is None:
        return ""
    return f" ({fmt.pct_change(m.change_pct)} on {prev_label})"


def _value(m: Measure | None) -> float | None:
    return None if m is None else m.value


# --- marketing ------------------------------------------------------------------------------


def marketing_section(report: Report) -> Section | None:
    m = report.marketing
    if m is None:
        return None
    lines = _spend_lines(report, m) if m.source == "spend table" else _sales_only_lines(report, m)
    lines += _new_customer_line(report, m)
    lines += _campaign_lines(report, m)
    tables = [_channel_table(report, m)]
    if m.campaigns:
        tables.append(_campaign_table(report, m.campaigns))
    charts: tuple[str, ...] = ("channel_roas",) if m.source == "spend table" else ()
    if m.campaigns:
        charts += ("campaign_uplift",)
    return Section("marketing", "Marketing", tuple(lines), tuple(tables), charts)


def _spend_lines(report: Report, m: Marketing) -> list[str]:
    cur, within, prev = report.currency, fmt.in_period(report.period), _previous_label(report)
    lines = []
    if m.spend is not None and m.spend.value is not None:
        text = f"Marketing spend was {fmt.money(m.spend.value, cur)} {within}{_vs(m.spend, prev)}"
        if m.roas is not None and m.roas.value is not None:
            which = "whose spend matches a sales channel" if _untied(m) else "with spend"
            text += f"; the channels {which} returned a ROAS of {fmt.number(m.roas.value)}"
            if m.roas.previous is not None:
                text += f" (was {fmt.number(m.roas.previous)})"
        lines.append(text + ".")
    paid = [c for c in m.channels if _value(c.roas) is not None and _value(c.spend)]
    if len(paid) >= CHANNELS_NAMED:
        ranked = sorted(paid, key=lambda c: _value(c.roas) or 0.0, reverse=True)
        best, worst = ranked[0], ranked[-1]
        lines.append(
            f"{best.channel} returned the most per unit of spend (ROAS "
            f"{fmt.number(_value(best.roas))}{_cpa(best, cur)}), {worst.channel} the least "
            f"(ROAS {fmt.number(_value(worst.roas))}{_cpa(worst, cur)})."
        )
    return lines


def _untied(m: Marketing) -> list[ChannelStats]:
    """Channels with spend whose ROAS is unknown: no sale names the channel, so the spend
    cannot be tied to revenue (n/a, never zero)."""
    return [c for c in m.channels if _value(c.spend) is not None and _value(c.roas) is None]


def _cpa(c: ChannelStats, currency: str | None) -> str:
    cpa = _value(c.cpa)
    return "" if cpa is None else f", {fmt.money(cpa, currency)} per conversion"


def _sales_only_lines(report: Report, m: Marketing) -> list[str]:
    cur, within, prev = report.currency, fmt.in_period(report.period), _previous_label(report)
    lines = [
        "No marketing spend table was given, so channels are compared on sales only: "
        "ROAS and cost per acquisition need spend per channel (see docs/side-tables.md)."
    ]
    if m.channels:
        top = m.channels[0]
        lines.append(
            f"{top.channel} brought the most revenue {within}: "
            f"{fmt.money(_value(top.revenue), cur)}{_vs(top.revenue, prev)}."
        )
    return lines


def _new_customer_line(report: Report, m: Marketing) -> list[str]:
    ranked = [c for c in m.channels if _value(c.new_customer_share) is not None]
    if not ranked:
        return []
    top = max(ranked, key=lambda c: _value(c.new_customer_share) or 0.0)
    text = (
        f"{top.channel} was the first channel of {fmt.fraction(_value(top.new_customer_share))} "
        f"of the period's new customers"
    )
    cost = _value(top.cost_per_new_customer)
    if cost is not None:
        text += f", at {fmt.money(cost, report.currency)} of spend per new customer"
    return [text + "."]


def _campaign_lines(report: Report, m: Marketing) -> list[str]:
    inside = [k for k in m.campaigns if k.in_period]
    lines = [_campaign_sentence(k, report.currency) for k in inside]
    earlier = len(m.campaigns) - len(inside)
    if earlier:
        lines.append(
            f"{fmt.plural(earlier, 'earlier campaign')} of the year before "
            f"{fmt.noun_for(earlier, 'is', 'are')} in the campaign table below."
        )
    return lines


def _campaign_sentence(k: CampaignResult, currency: str | None) -> str:
    where = f"{k.channel}, " if k.channel else ""
    head = f"{k.name} ({where}{k.start} to {k.end}, {fmt.plural(k.days, 'day')})"
    low, high = k.interval
    band = (
        f"{fmt.fraction(k.level)} interval {fmt.money(low, currency)} to "
        f"{fmt.money(high, currency)}"
    )
    orders = _orders_clause(k)
    if not k.significant and (low > 0 or high < 0):
        return (
            f"{head}: revenue on {k.measured_on} was "
            f"{fmt.money(k.incremental_revenue, currency)} off the baseline ({band}) but the "
            "number of orders did not move measurably: more likely a few large orders than "
            "the campaign, so no uplift is claimed."
        )
    if not k.significant:
        if orders:
            return (
                f"{head}: {orders}; its revenue effect, "
                f"{fmt.money(k.incremental_revenue, currency)}, is within day-to-day noise "
                f"(the {band} includes zero)."
            )
        return f"{head}: no measurable uplift on {k.measured_on}; the {band} includes zero."
    text = (
        f"{head}: {fmt.money(k.incremental_revenue, currency)} of incremental revenue on "
        f"{k.measured_on}"
    )
    if k.uplift_pct is not None:
        text += (
            f", {fmt.pct_change(k.uplift_pct)} over the {fmt.money(k.baseline, currency)} "
            "expected without it"
        )
    text += f" ({band})"
    if k.incremental_roas is not None and k.spend:
        text += (
            f"; {fmt.money(k.spend, currency)} of spend, "
            f"{fmt.number(k.incremental_roas)} of incremental revenue per unit spent"
        )
    if orders:
        text += f"; {orders}"
    return text + "."


def _orders_clause(k: CampaignResult) -> str:
    """``orders rose by 120 (+38.5% ...)`` when the orders estimate is measurable, else ''."""
    if not k.orders_significant or k.incremental_orders is None or k.orders_interval is None:
        return ""
    verb = "rose" if k.incremental_orders > 0 else "fell"
    text = f"orders {verb} by {fmt.count(abs(k.incremental_orders))}"
    if k.orders_uplift_pct is not None and k.baseline_orders is not None:
        text += (
            f" ({fmt.pct_change(k.orders_uplift_pct)} over the {fmt.count(k.baseline_orders)} "
            "expected"
        )
        low, high = k.orders_interval
        text += f"; {fmt.fraction(k.level)} interval {fmt.count(low)} to {fmt.count(high)})"
    return text


def _channel_table(report: Report, m: Marketing) -> Table:
    cur = report.currency
    spend = m.source == "spend table"
    columns = ["Channel", "Revenue", "Change", "Orders", "AOV", "New customers", "Share of new"]
    if spend:
        columns += ["Spend", "ROAS", "CPA", "CTR", "Conv. rate"]
    rows = []
    for c in m.channels:
        row = [
            c.channel,
            fmt.money(_value(c.revenue), cur),
            fmt.pct_change(c.revenue.change_pct),
            fmt.count(_value(c.orders)),
            fmt.money(_value(c.aov), cur),
            fmt.count(_value(c.new_customers)),
            fmt.fraction(_value(c.new_customer_share)),
        ]
        if spend:
            row += [
                fmt.money(_value(c.spend), cur),
                fmt.number(_value(c.roas)),
                fmt.money(_value(c.cpa), cur),
                fmt.fraction(_value(c.ctr)),
                fmt.fraction(_value(c.conversion_rate)),
            ]
        rows.append(tuple(row))
    return Table(
        "channels",
        "Channels",
        tuple(columns),
        tuple(rows),
        note=(
            "ROAS = channel revenue / spend; CPA = spend / conversions"
            + (
                "; ROAS n/a: the channel's spend matches no sales channel, so it cannot be "
                "tied to revenue (unknown, not zero)"
                if _untied(m)
                else ""
            )
        )
        if spend
        else "",
        numeric=(False, *([True] * (len(columns) - 1))),
    )


def _campaign_table(report: Report, campaigns: tuple[CampaignResult, ...]) -> Table:
    cur = report.currency
    rows = tuple(
        (
            k.name,
            k.channel or "all",
            f"{k.start} to {k.end}",
            fmt.money(k.incremental_revenue, cur),
            fmt.pct_change(k.uplift_pct),
            f"{fmt.money(k.interval[0], cur)} to {fmt.money(k.interval[1], cur)}",
            "yes" if k.significant else "no",
            fmt.pct_change(k.orders_uplift_pct) + (" *" if k.orders_significant else ""),
            "yes" if k.in_period else "no",
        )
        for k in campaigns
    )
    return Table(
        "campaigns",
        "Campaigns: incremental revenue against a baseline without them",
        ("Campaign", "Channel", "Dates", "Incremental", "Uplift", "Interval", "Measurable",
         "Order uplift", "In period"),
        rows,
        note="the interval is for the incremental revenue; an uplift is claimed only when it "
        "excludes zero; * marks an order uplift whose interval excludes zero",
        numeric=(False, False, False, True, True, False, False, True, False),
    )  # fmt: skip


# --- sales team -----------------------------------------------------------------------------


def team_section(report: Report) -> Section | None:
    t = report.team
    if t is None or not (t.reps or t.teams):
        return None
    lines = _quota_lines(report, t) if t.quota_source else _peer_lines(report, t)
    lines += [n[:1].upper() + n[1:] + "." for n in t.notes if not n.endswith(".")]
    lines += [n for n in t.notes if n.endswith(".")]
    tables = [_rep_table(report, t)] if t.reps else []
    if t.teams:
        tables.append(_team_table(report, t))
    charts = ("quota_attainment",) if t.quota_source and t.reps else ()
    return Section("team", "Sales team", tuple(lines), tuple(tables), charts)


def _quota_lines(report: Report, t: Team) -> list[str]:
    cur, within = report.currency, fmt.in_period(report.period)
    rated = [r for r in t.reps if r.attainment is not None]
    lines = []
    if rated and t.above_target is not None:
        lines.append(
            f"{fmt.count(t.above_target)} of {fmt.count(len(rated))} reps with a quota reached "
            f"it {within}."
        )
        best = rated[0]
        lines.append(
            f"{best.rep} led at {fmt.fraction(best.attainment)} of quota "
            f"({fmt.money(_value(best.revenue), cur)} against {fmt.money(best.quota, cur)})."
        )
        if len(rated) > 1:
            low = rated[-1]
            lines.append(
                f"{low.rep} was furthest behind at {fmt.fraction(low.attainment)} "
                f"({fmt.money(_value(low.revenue), cur)} against {fmt.money(low.quota, cur)})."
            )
    elif t.teams:
        rated_teams = [g for g in t.teams if g.attainment is not None]
        for g in rated_teams[:REPS_NAMED]:
            lines.append(f"{g.team} reached {fmt.fraction(g.attainment)} of its quota.")
    return lines


def _peer_lines(report: Report, t: Team) -> list[str]:
    cur = report.currency
    noun = rep_noun(report)
    lines = [
        f"No quota table was given, so {noun}s are compared with each other "
        f"(median {noun} revenue {fmt.money(t.median_revenue, cur)})."
    ]
    ranked = [r for r in t.reps if r.vs_median is not None]
    if len(ranked) >= 2:
        top, low = ranked[0], ranked[-1]
        lines.append(
            f"{top.rep} sold {fmt.number(top.vs_median)} times the median "
            f"({fmt.money(_value(top.revenue), cur)}); {low.rep} "
            f"{fmt.number(low.vs_median)} times ({fmt.money(_value(low.revenue), cur)})."
        )
    return lines


def rep_noun(report: Report) -> str:
    """What the rep column's values are called: "seller" when its header says so (a
    marketplace's sellers are not a sales team), else "rep"."""
    column = report.quality.mapping.get("sales_rep", "")
    return "seller" if "seller" in column.casefold() else "rep"


def _rep_table(report: Report, t: Team) -> Table:
    cur = report.currency
    noun = rep_noun(report)
    quotas = t.quota_source is not None and t.quota_by == "sales_rep"
    columns = ["Rank", noun.capitalize(), "Team", "Revenue", "Change", "Orders", "AOV"]
    columns += ["New customers", *(["Quota", "Attainment"] if quotas else ["vs median"])]
    rows = []
    listed = t.listed()
    for r in listed:
        row = [
            fmt.count(r.rank),
            r.rep,
            r.team or "",
            fmt.money(_value(r.revenue), cur),
            fmt.pct_change(r.revenue.change_pct),
            fmt.count(_value(r.orders)),
            fmt.money(_value(r.aov), cur),
            fmt.count(_value(r.new_customers)),
        ]
        row += (
            [fmt.money(r.quota, cur), fmt.fraction(r.attainment)]
            if quotas
            else [fmt.number(r.vs_median)]
        )
        rows.append(tuple(row))
    note = ""
    if len(listed) < len(t.reps):
        note = (
            f"{fmt.count(len(listed))} of {fmt.plural(len(t.reps), noun)}: the strongest and "
            f"the weakest by rank; the other {fmt.count(len(t.reps) - len(listed))} are in "
            "report.json and tables/reps.csv"
        )
    return Table(
        "reps",
        "Sellers" if noun == "seller" else "Sales reps",
        tuple(columns),
        tuple(rows),
        note=note,
        numeric=(True, False, False, *([True] * (len(columns) - 3))),
    )


def _team_table(report: Report, t: Team) -> Table:
    cur = report.currency
    rows = tuple(
        (
            g.team,
            fmt.count(g.reps),
            fmt.money(_value(g.revenue), cur),
            fmt.pct_change(g.revenue.change_pct),
            fmt.money(g.quota, cur),
            fmt.fraction(g.attainment),
        )
        for g in t.teams
    )
    return Table(
        "teams",
        "Teams" if t.quota_by != "region" else "Regions",
        ("Team", "Reps", "Revenue", "Change", "Quota", "Attainment"),
        rows,
        numeric=(False, True, True, True, True, True),
    )


# --- operations -----------------------------------------------------------------------------


def operations_section(report: Report) -> Section | None:
    inv, ops = report.inventory, report.operations
    if inv is None and ops is None:
        return None
    lines: list[str] = []
    tables: list[Table] = []
    charts: tuple[str, ...] = ()
    if inv is not None:
        lines += _stockout_lines(report, inv)
        if inv.stockouts:
            tables.append(_stockout_table(report, inv))
    if ops is not None:
        lines += _returns_lines(report, ops)
        lines += _margin_lines(report, ops)
        if len(ops.returns) > 1:
            tables.append(_returns_table(ops, report.currency))
        if ops.margin is not None and ops.margin.monthly:
            charts = ("margin_discount",)
    if not lines:
        return None
    return Section("operations", "Operations", tuple(lines), tuple(tables), charts)


def _more(inv: Inventory) -> str:
    """`` and 12 more`` when more products are out than the sentences name."""
    more = inv.products_out - STOCKOUTS_NAMED
    return f" and {fmt.count(more)} more" if more > 0 else ""


def _stockout_lines(report: Report, inv: Inventory) -> list[str]:
    cur, within = report.currency, fmt.in_period(report.period)
    inside = [s for s in inv.stockouts if s.in_period]
    confirmed = inv.source == "inventory table"
    lines = [] if confirmed or inv.rule is None else [_rule_line(inv.rule)]
    if not inside:
        if confirmed:
            lines.append(f"No product ran out of stock {within}.")
        else:
            lines.append(
                f"No product's sales stopped {within} in a way the rule counts as a possible "
                "stockout (no inventory table to confirm stockouts)."
            )
        if inv.stockouts:
            last = max(inv.stockouts, key=lambda s: s.end)
            n = len(inv.stockouts)
            what = fmt.plural(n, "stockout" if confirmed else "possible stockout")
            lines.append(
                f"In the year before, {what} {fmt.noun_for(n, 'is', 'are')} listed below; "
                f"the latest, {stockout_label(last)}, "
                f"{'was out' if confirmed else 'had no sales for'} "
                f"{fmt.plural(last.days, 'day')} from {last.start} "
                f"(about {fmt.money(last.stretch_lost_revenue, cur)} "
                f"of revenue {'lost' if confirmed else 'lost, estimated'})."
            )
        return lines
    days = sum(s.days_in_period for s in inside)
    if confirmed:
        text = (
            f"{fmt.plural(inv.products_out, 'product')} ran out of stock {within}, "
            f"{fmt.plural(days, 'product-day')} in total, an estimated "
            f"{fmt.money(inv.lost_revenue, cur)} of revenue lost at each product's normal "
            "daily sales"
        )
        named = [
            f"{stockout_label(s)}, {fmt.plural(s.days, 'day')} from {s.start}"
            f"{', still out at the end of the data' if s.ongoing else ''} (about "
            f"{fmt.money(s.lost_revenue, cur)})"
            for _, s in inv.named()
        ]
        return [*lines, f"{text}: {'; '.join(named)}{_more(inv)}."]
    text = (
        f"Possible stockouts (no inventory table to confirm them): the sales of "
        f"{fmt.plural(inv.products_out, 'product')} stopped {within} for "
        f"{fmt.plural(days, 'product-day')} in total"
    )
    named = [
        f"{stockout_label(s)} had no sales for {fmt.plural(s.days, 'day')} from {s.start}"
        f"{usually(s)} (about {fmt.money(s.lost_revenue, cur)})"
        for _, s in inv.named()
    ]
    return [
        *lines,
        f"{text}: {'; '.join(named)}{_more(inv)}.",
        f"Estimated lost revenue: {fmt.money(inv.lost_revenue, cur)}, each product's normal "
        f"daily revenue (its revenue over the {fmt.count(_steady(inv))} days before the gap, per "
        "day) times its days without sales in the period. It is an estimate: demand may have "
        "been lower, made up later or met by another product.",
    ]


def _steady(inv: Inventory) -> int | None:
    return None if inv.rule is None else inv.rule.steady_days


def _rule_line(rule: GapRule) -> str:
    days, least = fmt.count(rule.steady_days), fmt.count(rule.min_sale_days)
    return (
        "Without an inventory table, stockouts are inferred from gaps in the sales. A gap "
        f"counts when the product sold on at least {least} of the {days} days before it and "
        f"of the {days} days after it (sales came back: not discontinued), its first sale "
        f"was at least {days} days before it (not new), the gap lasted at least "
        f"{fmt.count(rule.min_gap_days)} days and {fmt.count(rule.gap_intervals)} times the "
        "usual days between its sales, and less than "
        f"{fmt.fraction(rule.season_share)} of its revenue falls within "
        f"{fmt.count(rule.season_weeks)} weeks either side of one date of the year (not "
        f"seasonal). A gap in one region's or channel's sales needs "
        f"{fmt.count(rule.strong_sale_days)} sale days on each side."
    )


def _stockout_table(report: Report, inv: Inventory) -> Table:
    cur = report.currency
    rows = tuple(
        (
            s.product_name or s.product,
            s.product,
            s.region or s.channel or "",
            f"{s.start} to {s.end}",
            fmt.count(s.days),
            fmt.count(s.days_in_period),
            fmt.money(s.daily_revenue, cur),
            fmt.money(s.lost_revenue, cur),
            fmt.money(s.stretch_lost_revenue, cur),
            "yes" if s.confirmed else "possible",
        )
        for s in inv.stockouts[:STOCKOUTS_LISTED]
    )
    note = "lost revenue = days out of stock x the product's normal daily revenue"
    if not inv.stockouts or not inv.stockouts[0].confirmed:
        note = "possible stockouts; estimated lost revenue = days without sales x the " + (
            "product's normal daily revenue"
        )
    if len(inv.stockouts) > STOCKOUTS_LISTED:
        note += (
            f"; the {fmt.count(STOCKOUTS_LISTED)} costliest of {fmt.count(len(inv.stockouts))}"
            ", report.json lists all"
        )
    confirmed = inv.source == "inventory table"
    return Table(
        "stockouts",
        "Stockouts in the year to the period end" if confirmed
        else "Possible stockouts in the year to the period end",
        ("Product", "Id", "Region or channel", "Dates", "Days", "In period",
         "Normal daily revenue", "Lost in period", "Lost over the stretch", "Confirmed"),
        rows,
        note=note,
        numeric=(False, False, False, False, True, True, True, True, True, False),
    )  # fmt: skip


def _returns_lines(report: Report, ops: Operations) -> list[str]:
    if not ops.returns:
        return []
    total = ops.returns[0]
    if total.rate is None:
        return []
    prev = _previous_label(report)
    text = f"Returns took {fmt.fraction(total.rate)} of gross sales"
    if total.previous_rate is not None and prev:
        text += f" (was {fmt.fraction(total.previous_rate)} in {prev})"
    categories = [r for r in ops.returns[1:] if r.rate is not None]
    if categories:
        worst = categories[0]
        text += f"; the highest rate was in {worst.key}, {fmt.fraction(worst.rate)}"
    return [text + "."]


def _returns_table(ops: Operations, currency: str | None) -> Table:
    rows = tuple(
        (r.key, fmt.money(r.gross, currency), fmt.money(r.returns, currency), fmt.fraction(r.rate),
         fmt.fraction(r.previous_rate))
        for r in ops.returns
    )  # fmt: skip
    return Table(
        "returns",
        "Returns by category",
        ("Category", "Gross sales", "Returned", "Rate", "Previous rate"),
        rows,
        numeric=(False, True, True, True, True),
    )


def _margin_lines(report: Report, ops: Operations) -> list[str]:
    m = ops.margin
    if m is None or m.gross_margin.value is None:
        return []
    prev = _previous_label(report)
    gm, value = m.gross_margin, m.gross_margin.value
    text = f"Gross margin was {fmt.fraction(value)}"
    if gm.previous is not None and prev and fmt.points(value - gm.previous) == "0.0 points":
        text = f"Gross margin held at {fmt.fraction(value)}, as in {prev}"
    elif gm.previous is not None and prev:
        text += f", {fmt.points(value - gm.previous)} on {prev} ({fmt.fraction(gm.previous)})"
        if m.from_discount is not None and m.from_cost is not None:
            text += (
                f": discounts account for {fmt.points(m.from_discount)} and cost against "
                f"list price for {fmt.points(m.from_cost)}"
            )
    lines = [text + "."]
    d = m.discount_rate
    if d.value is not None:
        depth = f"Discounts averaged {fmt.fraction(d.value)} of list price"
        if d.previous is not None and prev:
            depth += f" (was {fmt.fraction(d.previous)})"
        lines.append(depth + ".")
    return lines


# --- targets ---------------------------------------------------------------------------------

TARGETS_NAMED = 2  # the members furthest behind and ahead


def targets_section(report: Report) -> Section | None:
    t = report.targets
    if t is None:
        return None
    cur, name = report.currency, fmt.of_period(report.period)
    rated = [r for r in t.rows if r.attainment is not None]
    lines = []
    for r in (r for r in rated if r.dimension is None):
        lines.append(
            f"{r.label} reached {fmt.fraction(r.attainment)} of its target for {name} "
            f"({fmt.by_unit(r.actual, r.unit, cur)} against {fmt.by_unit(r.target, r.unit, cur)})."
        )
    members = [r for r in rated if r.dimension is not None]
    if members:
        behind = min(members, key=lambda r: r.attainment or 0.0)
        ahead = max(members, key=lambda r: r.attainment or 0.0)
        hit = sum((r.attainment or 0.0) >= 1 for r in members)
        lines.append(f"{fmt.count(hit)} of {fmt.count(len(members))} member targets were met.")
        if ahead is not behind:
            lines.append(
                f"Furthest behind: {behind.member} ({behind.label.lower()}, "
                f"{fmt.fraction(behind.attainment)}); furthest ahead: {ahead.member} "
                f"({ahead.label.lower()}, {fmt.fraction(ahead.attainment)})."
            )
    if not t.rows:
        lines.append(f"The targets table ({t.source}) holds no target for {name}.")
    lines += [n[:1].upper() + n[1:] + "." for n in t.notes]
    table = Table(
        "targets",
        "Targets",
        ("Metric", "For", "Target", "Actual", "Attainment", "Gap"),
        tuple(
            (
                r.label,
                f"{r.member} ({r.dimension.replace('_', ' ')})" if r.dimension else "all",
                fmt.by_unit(r.target, r.unit, cur),
                fmt.by_unit(r.actual, r.unit, cur),
                fmt.fraction(r.attainment),
                fmt.by_unit(r.gap, r.unit, cur),
            )
            for r in t.rows
        ),
        note=f"from {t.source}; a target for a longer span counts its days inside the period",
        numeric=(False, False, True, True, True, True),
    )
    return Section("targets", "Targets", tuple(lines), (table,) if t.rows else ())


def side_sections(report: Report) -> tuple[Section, ...]:
    """Marketing, sales team, targets and operations, leaving out those the data cannot
    fill."""
    built = (
        marketing_section(report),
        team_section(report),
        targets_section(report),
        operations_section(report),
    )
    return tuple(s for s in built if s is not None)
