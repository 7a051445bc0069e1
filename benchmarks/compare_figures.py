"""Checks that a baseline's figures equal salescope's report.json, before any timing counts.

A baseline (``pandas_baseline.py``, ``polars_baseline.py``) writes its figures as JSON in
one shape; :func:`compare` checks them against report.json with fixed tolerances: amounts
to 2 cents (a cent for KPIs and daily revenue), or a cent per million lines read when that
is more (the engines add doubles in their own order: at 100M lines revenue differed by 6
cents in 1.6 billion), rates to 1e-6 (salescope rounds rates to six decimals), counts and
members exactly. Any difference aborts the benchmark.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

MONEY = 0.02  # amounts: both sides round to cents
RATE = 1e-6  # salescope rounds rates to six decimals


def compare(report: dict[str, Any], baseline: dict[str, Any], baseline_name: str) -> list[str]:
    """The figure groups salescope's report.json and the baseline ``baseline_name`` agree on; aborts
    listing every figure that differs."""
    differ: list[str] = []
    # a sum of N doubles depends on the order of the additions, which each engine picks:
    # amounts may differ by a cent per million lines summed (as the scan check allows)
    summed = report["quality"]["rows_read"] / 1e6 * 0.01

    def close(name: str, got: float | None, want: float, tolerance: float) -> None:
        if tolerance == MONEY:  # an amount summed over the lines
            tolerance = max(MONEY, summed)
        if got is None or abs(got - want) > tolerance:
            differ.append(f"{name}: salescope {got}, baseline {want}")

    for name, want in baseline["cur"].items():
        kpi = report["kpis"][name]
        slack = max(0.011, summed) if kpi["unit"] == "currency" else 0.011
        close(f"kpis.{name}", kpi["value"], want, slack)
    customers, base = report["customers"], baseline["customers"]
    for name in ("new_revenue", "returning_revenue"):
        close(f"customers.{name}", customers[name], base[name], 0.02)
    for name, want in base["top_shares"].items():
        close(f"customers.top_shares.{name}", customers["top_shares"].get(name), want, 1e-6)
    rfm = {s["segment"]: s for s in customers["rfm"]}
    moved = compare_rfm(rfm, base["rfm"], differ)
    cohorts = {c["month"]: c["active"] for c in customers["cohorts"]}
    if cohorts != base["cohorts"]:
        for month in sorted(set(cohorts) | set(base["cohorts"])):
            if cohorts.get(month) != base["cohorts"].get(month):
                differ.append(
                    f"customers.cohorts[{month}].active: salescope {cohorts.get(month)}, "
                    f"baseline {base['cohorts'].get(month)}"
                )
    checked = [
        *compare_channels(report["marketing"], baseline["channels"], close, differ),
        *compare_team(report["team"], baseline["team"], close, differ),
        *compare_operations(report["operations"], baseline, close, differ),
    ]
    if "stockouts" in baseline:  # the pandas baseline does not find them
        checked.append(compare_stockouts(report["inventory"], baseline["stockouts"], close, differ))
    daily = report["timeseries"].get("daily") or []
    want_daily = baseline["daily"]["revenue"]
    if not daily:
        differ.append("timeseries.daily: missing from report.json")
    elif daily[0]["date"] != baseline["daily"]["start"] or len(daily) != len(want_daily):
        differ.append(
            f"timeseries.daily: salescope {daily[0]['date']} + {len(daily)} days, "
            f"baseline {baseline['daily']['start']} + {len(want_daily)} days"
        )
    else:
        for point, want in zip(daily, want_daily, strict=True):
            close(f"timeseries.daily[{point['date']}].revenue", point["revenue"], want, 0.011)
    if differ:
        shown = "\n  ".join(differ[:40])
        more = f"\n  ... and {len(differ) - 40} more" if len(differ) > 40 else ""
        raise SystemExit(f"figures differ from {baseline_name} ({len(differ)}):\n  {shown}{more}")
    return [
        f"KPIs: {len(baseline['cur'])}",
        "customers: new and returning revenue, top 1/10/20% shares",
        f"RFM segment counts at both period ends: {len(rfm)} segments"
        + (f" ({moved} customers across a tie in money)" if moved else ""),
        f"cohorts: active customers per month after the first, {len(cohorts)} cohorts",
        *checked,
        f"daily revenue: {len(daily)} days from {daily[0]['date']}",
    ]


Close = Callable[[str, float | None, float, float], None]
RFM_TIES = 1e-5  # the share of scored customers a money tie may move between segments


def compare_rfm(
    rfm: dict[str, dict[str, Any]], want: dict[str, dict[str, int]], differ: list[str]
) -> int:
    """Customers per RFM segment at both anchors; the customers that moved between segments.

    Money is a sum of doubles, added in an order of each engine's own: two customers with
    the same revenue can differ in the last bit on one side and tie on the other, and a tie
    at a quintile boundary moves one of them a score. So up to ``RFM_TIES`` of the scored
    customers (at least 2) may sit in another segment; the counts are otherwise exact.
    """
    moved = 0
    for key, field in (("cur", "customers"), ("prev", "previous_customers")):
        counts, got = want[key], {s: r.get(field) or 0 for s, r in rfm.items()}
        diffs = {s: got.get(s, 0) - counts.get(s, 0) for s in sorted(set(got) | set(counts))}
        shifted = sum(abs(d) for d in diffs.values())
        if shifted == 0:
            continue
        if sum(diffs.values()) == 0 and shifted <= 2 * max(2, RFM_TIES * sum(counts.values())):
            moved += shifted // 2
            continue
        differ += [
            f"customers.rfm[{s}].{field}: salescope {got.get(s, 0)}, baseline {counts.get(s, 0)}"
            for s, d in diffs.items()
            if d
        ]
    return moved


def same_members(what: str, got: set[str], want: set[str], differ: list[str]) -> set[str]:
    """The members both sides list; a member only one side lists is a difference."""
    for name in sorted(got ^ want):
        side = "salescope" if name in got else "the baseline"
        differ.append(f"{what}[{name}]: listed by {side} only")
    return got & want


def compare_counts(
    name: str, got: dict[str, Any], want: dict[str, float], fields: tuple[str, ...]
) -> list[str]:
    return [
        f"{name}.{f}: salescope {got[f]['value']}, baseline {want[f]}"
        for f in fields
        if got[f]["value"] != want[f]
    ]


def compare_channels(
    marketing: dict[str, Any] | None,
    want: dict[str, dict[str, float]],
    close: Close,
    differ: list[str],
) -> list[str]:
    """Revenue, orders, customers, AOV and new customers (by first channel) of each channel."""
    if marketing is None or marketing["source"] != "sales only":
        differ.append(f"marketing: expected channels from the sales only, got {marketing}")
        return []
    got = {re.sub(r"\s+", "", c["channel"]).lower(): c for c in marketing["channels"]}
    for key in sorted(same_members("marketing.channels", set(got), set(want), differ)):
        c, w, name = got[key], want[key], f"marketing.channels[{key}]"
        close(f"{name}.revenue", c["revenue"]["value"], w["revenue"], MONEY)
        close(f"{name}.aov", c["aov"]["value"], w["aov"], MONEY)
        close(
            f"{name}.new_customer_share",
            c["new_customer_share"]["value"],
            w["new_customer_share"],
            RATE,
        )
        differ += compare_counts(name, c, w, ("orders", "customers", "new_customers"))
    return [
        f"channels: revenue, orders, customers, AOV, new customers and share, {len(got)} channels"
    ]


def compare_team(
    team: dict[str, Any] | None, want: dict[str, Any], close: Close, differ: list[str]
) -> list[str]:
    """Revenue, orders, customers, AOV and new customers (by first rep) of each rep."""
    if team is None:
        differ.append("team: missing from report.json")
        return []
    got = {" ".join(r["rep"].split()).lower(): r for r in team["reps"]}
    for key in sorted(same_members("team.reps", set(got), set(want["reps"]), differ)):
        r, w, name = got[key], want["reps"][key], f"team.reps[{key}]"
        close(f"{name}.revenue", r["revenue"]["value"], w["revenue"], MONEY)
        close(f"{name}.aov", r["aov"]["value"], w["aov"], MONEY)
        differ += compare_counts(name, r, w, ("orders", "customers", "new_customers"))
    close("team.median_revenue", team["median_revenue"], want["median_revenue"], MONEY)
    return [f"reps: revenue, orders, customers, AOV, new customers, median, {len(got)} reps"]


def compare_operations(
    operations: dict[str, Any] | None, baseline: dict[str, Any], close: Close, differ: list[str]
) -> list[str]:
    """Returns / gross per category and overall; margin figures of both periods and the split."""
    if operations is None or operations["margin"] is None:
        differ.append(f"operations: expected returns and margin, got {operations}")
        return []
    got = {r["key"]: r for r in operations["returns"]}
    want = baseline["returns"]
    for key in sorted(same_members("operations.returns", set(got), set(want), differ)):
        for field in ("returns", "gross"):
            close(f"operations.returns[{key}].{field}", got[key][field], want[key][field], MONEY)
        close(f"operations.returns[{key}].rate", got[key]["rate"], want[key]["rate"], RATE)
    margin, base = operations["margin"], baseline["margin"]
    for name in ("gross_margin", "discount_rate", "cost_ratio"):
        close(f"operations.margin.{name}", margin[name]["value"], base["cur"][name], RATE)
        close(
            f"operations.margin.{name}.previous", margin[name]["previous"], base["prev"][name], RATE
        )
    for name in ("from_discount", "from_cost"):
        close(f"operations.margin.{name}", margin[name], base[name], RATE)
    return [
        f"returns: amount, gross and rate, {len(got) - 1} categories and all",
        "margin: gross margin, discount rate, cost ratio (both periods), split of the change",
    ]


def compare_stockouts(
    inventory: dict[str, Any] | None, want: list[dict[str, Any]], close: Close, differ: list[str]
) -> str:
    """The same flagged gaps (product, region or channel, first and last day) with the same
    sale days on each side, daily revenue and lost revenue; the period's totals."""
    if inventory is None or inventory["source"] != "sales gaps":
        differ.append(f"inventory: expected stockouts from sales gaps, got {inventory}")
        return ""

    def gap(s: dict[str, Any]) -> str:
        where = s["region"] or s["channel"] or "all"
        return f"{s['product']} {where} {s['start']}..{s['end']}"

    got = {gap(s): s for s in inventory["stockouts"]}
    wanted = {gap(s): s for s in want}
    for key in sorted(same_members("inventory.stockouts", set(got), set(wanted), differ)):
        for field in ("daily_revenue", "lost_revenue"):
            close(f"inventory.stockouts[{key}].{field}", got[key][field], wanted[key][field], MONEY)
        for field in ("sale_days_before", "sale_days_after"):
            if got[key][field] != wanted[key][field]:
                differ.append(
                    f"inventory.stockouts[{key}].{field}: salescope {got[key][field]}, "
                    f"baseline {wanted[key][field]}"
                )
    in_period = [s for s in want if s["in_period"]]
    lost = sum(s["lost_revenue"] for s in in_period)
    close("inventory.lost_revenue", inventory["lost_revenue"], lost, MONEY)
    products = len({s["product"] for s in in_period})
    if inventory["products_out"] != products:
        differ.append(
            f"inventory.products_out: salescope {inventory['products_out']}, baseline {products}"
        )
    return f"possible stockouts from sales gaps: {len(got)} gaps, lost revenue {lost:,.2f}"
