"""The same figures as salescope, in plain pandas: the benchmark's yardstick.

Usage: python benchmarks/pandas_baseline.py FILE.parquet CUR_START CUR_END PREV_START PREV_END
       YOY_START YOY_END OUT.json

Computes the KPIs of the three windows, retention, the breakdowns and the monthly series;
the customer figures (new vs returning revenue, the top customers' share, RFM segments at
both period ends, monthly cohorts); per channel and per sales rep in the period, revenue,
orders, customers and new customers by the channel or rep of their first order; returns
by category; gross margin, discount rate and cost ratio in the period and the previous one;
possible stockouts from gaps in the sales (the rule of docs/operations.md, per product and
per product and region or channel, seasonal products left out); the daily revenue series;
and, for a comparable amount of post-processing, an STL on daily revenue and an ETS forecast
of monthly revenue.
Seconds per step go to OUT.json under "steps".
"""

from __future__ import annotations

import json
import math
import re
import sys
import warnings
from collections.abc import Callable

import numpy as np
import pandas as pd

from baseline_rules import Steps, kept_gaps, margin_split

LOOKBACK_DAYS = 365
COHORTS_SHOWN = 12
MISSING_KEY = "(missing)"
# Possible stockouts from gaps in the sales: the rule's thresholds (docs/operations.md)
STEADY_DAYS = 28  # sale days counted in the 28 days before a gap and from its end
STEADY_MIN_SALE_DAYS = 8  # at least this many on each side (per product)
STRONG_SALE_DAYS = 14  # per product and region, and per product and channel
GAP_MIN_DAYS = 7
GAP_INTERVALS = 8  # the gap is this many usual intervals between sale days at least
SEASON_WEEKS = 6  # seasonal: half the revenue within 6 weeks either side of one week
SEASON_SHARE = 0.5
SEASON_MIN_DATA_DAYS = 273  # judged when the data covers this much of a year
YEAR_WEEKS = 53  # weeks of the year counted from 1 January: 0..52
TOP_SHARES = {"top_1pct": 0.01, "top_10pct": 0.1, "top_20pct": 0.2}
# RFM segment by R score (rows 5..1) and FM score (columns 1..5), as in docs/metrics.md.
SEGMENT_GRID = np.array(
    [
        ["New Customers", "Potential Loyalists", "Potential Loyalists", "Champions", "Champions"],
        ["Promising", "Potential Loyalists", "Potential Loyalists", "Loyal Customers",
         "Loyal Customers"],
        ["About to Sleep", "About to Sleep", "Need Attention", "Loyal Customers",
         "Loyal Customers"],
        ["Hibernating", "Hibernating", "At Risk", "At Risk", "Can't Lose Them"],
        ["Lost", "Hibernating", "At Risk", "At Risk", "Can't Lose Them"],
    ]
)  # fmt: skip


def window_kpis(
    df: pd.DataFrame, start: pd.Timestamp, end: pd.Timestamp, first_purchase: pd.Series
) -> dict[str, float]:
    sub = df[(df.order_date >= start) & (df.order_date <= end)]
    revenue = float(sub.revenue.sum())
    orders = int(sub.sale_order.nunique())
    units = float(sub.quantity.sum())
    customers = int(sub.customer_id.nunique())
    new = int(((first_purchase >= start) & (first_purchase <= end)).sum())
    returns = float(-sub.revenue[(sub.quantity < 0) | (sub.revenue < 0)].sum())
    per_product = sub.groupby("product_id").quantity.sum()
    return {
        "revenue": round(revenue, 2),
        "orders": orders,
        "units": units,
        "customers": customers,
        "new_customers": new,
        "returning_customers": customers - new,
        "aov": round(revenue / orders, 2),
        "revenue_per_customer": round(revenue / customers, 2),
        "returns": round(returns, 2),
        "products_sold": int((per_product > 0).sum()),
    }


def new_vs_returning(
    cur: pd.DataFrame, start: pd.Timestamp, end: pd.Timestamp, first_purchase: pd.Series
) -> dict[str, float]:
    """Period revenue from customers whose first purchase falls in the period, and the rest."""
    known = cur[cur.customer_id.notna()]
    is_new = known.customer_id.map(first_purchase).between(start, end)
    return {
        "new_revenue": round(float(known.revenue[is_new].sum()), 2),
        "returning_revenue": round(float(known.revenue[~is_new].sum()), 2),
    }


def top_shares(cur: pd.DataFrame) -> dict[str, float]:
    """Share of period revenue of the top 1%, 10% and 20% of the period's customers."""
    per_customer = cur.groupby("customer_id").revenue.sum().sort_values(ascending=False)
    total = per_customer.sum()
    n = len(per_customer)
    return {
        name: float(per_customer.head(math.ceil(n * share)).sum() / total)
        for name, share in TOP_SHARES.items()
    }


def quintile(values: pd.Series) -> pd.Series:
    """1 + floor(5 x percent_rank), capped at 5; ties share the lower rank."""
    n = len(values)
    rank = values.rank(method="min")
    percent_rank = (rank - 1) / (n - 1) if n > 1 else rank * 0
    return np.minimum(5, 1 + np.floor(5 * percent_rank)).astype(int)


def rfm_segments(df: pd.DataFrame, end: pd.Timestamp) -> pd.Series:
    """Each customer's RFM segment over the lookback ending at ``end`` (inclusive)."""
    start = end - pd.Timedelta(days=LOOKBACK_DAYS - 1)
    in_window = (df.order_date >= start) & (df.order_date <= end)
    window = df.loc[in_window, ["customer_id", "order_date", "sale_order", "revenue"]]
    rfm = window.groupby("customer_id").agg(
        last=("order_date", "max"), orders=("sale_order", "nunique"), revenue=("revenue", "sum")
    )
    rfm = rfm[rfm.orders > 0]  # a customer with only returns in the window is not active
    r = quintile(rfm["last"])  # the latest last purchase ranks highest: R = 5
    f = quintile(rfm["orders"])
    m = quintile(rfm["revenue"].round(2))  # ranked to the cent, as salescope does
    fm = (f + m + 1) // 2
    return pd.Series(SEGMENT_GRID[5 - r, fm - 1], index=rfm.index, name="segment")


def cohorts(df: pd.DataFrame, end: pd.Timestamp) -> dict[str, list[int]]:
    """Customers of each first-purchase month (the 12 up to ``end``) active k months later."""
    upto = df.loc[(df.order_date <= end) & df.customer_id.notna(), ["customer_id", "order_date"]]
    month = upto.order_date.dt.year * 12 + upto.order_date.dt.month - 1
    active = pd.DataFrame({"customer_id": upto.customer_id, "month": month}).drop_duplicates()
    active["cohort"] = active.groupby("customer_id").month.transform("min")
    last = end.year * 12 + end.month - 1
    recent = active[active.cohort > last - COHORTS_SHOWN]
    grid = (
        recent.groupby(["cohort", recent.month - recent.cohort])
        .size()
        .unstack(fill_value=0)
        .reindex(columns=range(COHORTS_SHOWN), fill_value=0)
    )
    return {
        f"{c // 12}-{c % 12 + 1:02d}-01": [int(v) for v in grid.loc[c, : last - c]]
        for c in grid.index
    }


def key_column(values: pd.Series, key: Callable[[str], str | None]) -> pd.Series:
    """``values`` mapped through ``key`` (computed once per distinct value); null stays null."""
    distinct = values.dropna().unique()
    return values.map(dict(zip(distinct, map(key, distinct), strict=True)))


def channel_key(name: str) -> str:
    """Channels match ignoring case and whitespace."""
    return re.sub(r"\s+", "", name).lower()


def rep_key(name: str) -> str | None:
    """Reps match ignoring case and runs of whitespace; a blank name is no rep."""
    return " ".join(name.split()).lower() or None


def first_day_lines(df: pd.DataFrame, first_purchase: pd.Series) -> pd.DataFrame:
    """Every line of a customer on the day of their first purchase."""
    on_first_day = df.order_date == df.customer_id.map(first_purchase)
    return df.loc[on_first_day, ["customer_id", "order_date", "order_id", "channel", "sales_rep"]]


def channels(
    cur: pd.DataFrame,
    first_day: pd.DataFrame,
    start: pd.Timestamp,
    end: pd.Timestamp,
) -> dict[str, dict[str, float]]:
    """Per channel key: revenue, orders, customers, AOV, and new customers by the channel of
    their first order (the smallest key among their first day's lines) and their share."""
    key = key_column(cur.channel, channel_key).fillna(MISSING_KEY)
    per = cur.groupby(key).agg(
        revenue=("revenue", "sum"),
        orders=("sale_order", "nunique"),
        customers=("customer_id", "nunique"),
    )
    firsts = first_day.assign(key=key_column(first_day.channel, channel_key))
    # the smallest channel key of the day (null only when every line lacks a channel)
    first = firsts.sort_values(["customer_id", "key"]).drop_duplicates("customer_id")
    new = first[first.order_date.between(start, end)].key.fillna(MISSING_KEY).value_counts()
    per["new_customers"] = new.reindex(per.index, fill_value=0)
    per["new_customer_share"] = per.new_customers / new.sum()
    per["aov"] = per.revenue / per.orders
    return {str(k): {str(n): float(v) for n, v in row.items()} for k, row in per.iterrows()}


def reps(
    cur: pd.DataFrame,
    first_day: pd.DataFrame,
    start: pd.Timestamp,
    end: pd.Timestamp,
) -> dict[str, object]:
    """Per rep key: revenue, orders, customers, AOV, and new customers whose first line
    (by date, order id, then rep) was with the rep; the median rep revenue."""
    key = key_column(cur.sales_rep, rep_key)
    per = (
        cur[key.notna()]
        .groupby(key[key.notna()])
        .agg(
            revenue=("revenue", "sum"),
            orders=("sale_order", "nunique"),
            customers=("customer_id", "nunique"),
        )
    )
    firsts = first_day.assign(
        rep=key_column(first_day.sales_rep, rep_key),
    )
    firsts["no_rep"] = firsts.rep.isna()
    first = firsts.sort_values(["customer_id", "order_date", "order_id", "no_rep", "rep"])
    first = first.drop_duplicates("customer_id")
    first = first[first.rep.notna() & first.order_date.between(start, end)]
    per["new_customers"] = first.rep.value_counts().reindex(per.index, fill_value=0)
    per["aov"] = per.revenue / per.orders
    return {
        "reps": {str(k): {str(n): float(v) for n, v in row.items()} for k, row in per.iterrows()},
        "median_revenue": float(per.revenue.median()),
    }


def returns_by_category(cur: pd.DataFrame, is_return: pd.Series) -> dict[str, dict[str, float]]:
    """Per category and for all lines: returns (positive), gross sales and returns / gross."""
    returned = is_return.loc[cur.index]
    parts = pd.DataFrame(
        {
            "category": cur.category.fillna(MISSING_KEY),
            "returns": -cur.revenue.where(returned, 0.0),
            "gross": cur.revenue.where(~returned, 0.0),
        }
    )
    per = parts.groupby("category")[["returns", "gross"]].sum()
    per.loc["All"] = per.sum()
    per["rate"] = per.returns / per.gross
    return {str(k): {str(n): float(v) for n, v in row.items()} for k, row in per.iterrows()}


def margin_figures(window: pd.DataFrame, is_return: pd.Series) -> dict[str, float]:
    """Gross margin, discount rate (of sale lines) and cost ratio, and revenue / list."""
    sale = ~is_return.loc[window.index]
    revenue, cost, list_amount = window.revenue.sum(), window.cost.sum(), window.list.sum()
    return {
        "gross_margin": float((revenue - cost) / revenue),
        "discount_rate": float(window.discount_amount[sale].sum() / window.list[sale].sum()),
        "cost_ratio": float(cost / list_amount),
        "price_ratio": float(revenue / list_amount),
    }


def margin(
    df: pd.DataFrame, is_return: pd.Series, windows: dict[str, tuple[pd.Timestamp, pd.Timestamp]]
) -> dict[str, object]:
    """Margin figures per window over the lines with a cost, and the change in
    ``m = 1 - c / (1 - d)`` split between discount and cost (two-factor Shapley)."""
    lines = df[["order_date", "revenue"]].copy()
    lines["list"] = df.quantity * df.unit_price
    amounts = df.discount.max() > 1  # a discount column of amounts, else of rates
    lines["discount_amount"] = df.discount.fillna(0.0) * (1.0 if amounts else lines["list"])
    lines["cost"] = df.unit_cost * df.quantity  # a returned unit takes its cost back
    lines = lines[lines.cost.notna() & lines["list"].notna()]
    figures = {
        name: margin_figures(lines[lines.order_date.between(start, end)], is_return)
        for name, (start, end) in windows.items()
    }
    return margin_split(figures)


def seasonal_products(sales: pd.DataFrame) -> set[str]:
    """Products with at least half their revenue within six weeks either side of one week of
    the year (the weeks of all years added up; the year wraps round), centred on a week
    they sold in."""
    week = ((sales.order_date.dt.dayofyear - 1) // 7).rename("week")
    weekly = sales.groupby(["product_id", week]).revenue.sum().unstack()
    weekly = weekly.reindex(columns=range(YEAR_WEEKS))
    wrapped = pd.concat([weekly, weekly], axis=1, ignore_index=True)
    season = wrapped.fillna(0.0).T.rolling(2 * SEASON_WEEKS + 1, center=True, min_periods=1).sum().T
    centred = slice(SEASON_WEEKS, SEASON_WEEKS + YEAR_WEEKS)
    peak = season.iloc[:, centred].where(wrapped.iloc[:, centred].notna()).max(axis=1)
    total = weekly.sum(axis=1)
    return set(weekly.index[(total > 0) & (peak >= SEASON_SHARE * total)])


def gap_days(sales: pd.DataFrame, origin: pd.Timestamp) -> pd.DataFrame:
    """Per product (and per product and region, and channel) and sale day: the day number
    ``n``, revenue and sale days in the 28 days to it, the next sale day and the sale days
    in the 28 days from that one."""
    keys = ["product_id", "dim", "place"]
    parts = []
    for dim in ("", "region", "channel"):
        part = sales[sales[dim].notna()] if dim else sales
        by = ["product_id", "order_date", *([dim] if dim else [])]
        daily = part.groupby(by, as_index=False).revenue.sum()
        daily["place"] = daily[dim].astype(str) if dim else ""
        parts.append(daily.assign(dim=dim)[[*keys, "order_date", "revenue"]])
    days = pd.concat(parts, ignore_index=True).sort_values([*keys, "order_date"], ignore_index=True)
    days["n"] = (days.order_date - origin).dt.days
    window = f"{STEADY_DAYS}D"
    before = (
        days.set_index("order_date").groupby(keys).revenue.rolling(window).agg(["count", "sum"])
    )
    days["sold_before"] = before["count"].to_numpy()
    days["revenue_before"] = before["sum"].to_numpy()
    # the sale days in the 28 days from each sale day: the same rolling count on reversed time
    back = days.assign(back=pd.Timestamp("2200-01-01") - pd.to_timedelta(days.n, unit="D"))
    back = back.sort_values([*keys, "back"])
    back["sold_from"] = (
        back.set_index("back").groupby(keys).revenue.rolling(window).count().to_numpy()
    )
    days["sold_from"] = back.sold_from
    grouped = days.groupby(keys)
    days["first_n"] = grouped.n.transform("min")
    days["next_n"] = grouped.n.shift(-1)
    days["sold_after"] = grouped.sold_from.shift(-1)
    return days


def sales_gaps(
    df: pd.DataFrame, is_return: pd.Series, cur_s: pd.Timestamp, cur_e: pd.Timestamp
) -> list[dict[str, object]]:
    """Possible stockouts: a gap of 7 days or more, and 8 usual intervals, between two sale
    days of a product that sold on 8 of the 28 days before it and of the 28 days from its
    end (14 each side per region or channel), first sold 28 days or more before, not
    seasonal; the gap reaches the 365 days to the period end. A product's gap takes the
    place of the regional and channel gaps of that product it overlaps."""
    sales = df.loc[~is_return & df.product_id.notna()]
    origin, last = df.order_date.min(), df.order_date.max()
    d = gap_days(sales, origin)
    steady = STEADY_DAYS - 1
    gap = d.next_n - d.n - 1
    interval = 2 * STEADY_DAYS / (d.sold_before + d.sold_after)
    least = np.where(d.dim == "", STEADY_MIN_SALE_DAYS, STRONG_SALE_DAYS)
    keep = (
        d.next_n.notna()
        & (d.n - d.first_n >= steady)
        & (d.sold_before >= least)
        & (d.next_n + steady <= (last - origin).days)
        & (d.sold_after >= least)
        & (gap >= GAP_MIN_DAYS)
        & (gap >= GAP_INTERVALS * interval)
        & (d.next_n - 1 >= (cur_e - pd.Timedelta(days=LOOKBACK_DAYS - 1) - origin).days)
        & (d.n + 1 <= (cur_e - origin).days)
    )
    if (last - origin).days + 1 >= SEASON_MIN_DATA_DAYS:
        keep &= ~d.product_id.isin(seasonal_products(sales))
    gaps = [
        {
            "product": r.product_id,
            "region": r.place if r.dim == "region" else None,
            "channel": r.place if r.dim == "channel" else None,
            "start": r.order_date + pd.Timedelta(days=1),
            "end": r.order_date + pd.Timedelta(days=int(r.gap)),
            "ongoing": False,
            "daily_revenue": r.revenue_before / STEADY_DAYS,
            "sale_days_before": int(r.sold_before),
            "sale_days_after": int(r.sold_after),
        }
        for r in d[keep].assign(gap=gap[keep]).itertuples()
    ]
    kept = kept_gaps(gaps, cur_s, cur_e)
    for g in kept:
        g["start"], g["end"] = str(g["start"].date()), str(g["end"].date())
    return kept


def seasonality_and_forecast(daily: pd.Series) -> dict[str, object]:
    """STL (weekly, robust) on daily revenue and a damped additive ETS on full months."""
    from statsmodels.tsa.exponential_smoothing.ets import ETSModel
    from statsmodels.tsa.seasonal import STL

    stl = STL(daily, period=7, robust=True).fit()
    strength = max(0.0, 1 - stl.resid.var() / (stl.seasonal + stl.resid).var())
    monthly = daily.resample("MS").sum()
    days_seen = daily.resample("MS").size()
    full = monthly[days_seen == monthly.index.days_in_month]
    seasonal = len(full) >= 24
    model = ETSModel(
        full,
        error="add",
        trend="add",
        damped_trend=True,
        seasonal="add" if seasonal else None,
        seasonal_periods=12 if seasonal else None,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        forecast = model.fit(disp=False).forecast(3)
    return {
        "weekly_strength": round(float(strength), 4),
        "forecast": {str(k.date()): round(float(v), 2) for k, v in forecast.items()},
    }


def main(argv: list[str]) -> None:
    path, *dates, out = argv
    cur_s, cur_e, prev_s, prev_e, yoy_s, yoy_e = (pd.Timestamp(d) for d in dates)
    step = Steps()
    df = pd.read_parquet(path)
    df["order_date"] = pd.to_datetime(df["order_date"])
    # returns and credit notes are never orders: orders count the sale lines' order ids
    is_return = ((df.revenue < 0) | (df.quantity < 0)).fillna(False)
    df["sale_order"] = df.order_id.where(~is_return)
    step("read")
    first_purchase = df.groupby("customer_id").order_date.min()
    result: dict[str, object] = {
        "cur": window_kpis(df, cur_s, cur_e, first_purchase),
        "prev": window_kpis(df, prev_s, prev_e, first_purchase),
        "yoy": window_kpis(df, yoy_s, yoy_e, first_purchase),
    }
    in_prev = set(df.customer_id[(df.order_date >= prev_s) & (df.order_date <= prev_e)])
    in_cur = set(df.customer_id[(df.order_date >= cur_s) & (df.order_date <= cur_e)])
    result["retention_rate"] = len(in_prev & in_cur) / len(in_prev)
    step("kpis")
    cur = df[(df.order_date >= cur_s) & (df.order_date <= cur_e)]
    prev = df[(df.order_date >= prev_s) & (df.order_date <= prev_e)]
    breakdowns = {}
    for col in ("category", "region", "channel", "sales_rep", "segment", "product_id"):
        now = cur.groupby(col).agg(revenue=("revenue", "sum"), orders=("sale_order", "nunique"))
        before = prev.groupby(col).revenue.sum()
        top = now.join(before.rename("previous"), how="outer").fillna(0)
        breakdowns[col] = (
            top.sort_values("revenue", ascending=False).head(50).round(2).to_dict("index")
        )
    result["breakdowns"] = breakdowns
    step("breakdowns")

    segments = pd.concat(
        [rfm_segments(df, cur_e).rename("cur"), rfm_segments(df, prev_e).rename("prev")], axis=1
    )
    result["customers"] = {
        **new_vs_returning(cur, cur_s, cur_e, first_purchase),
        "top_shares": top_shares(cur),
        "rfm": {
            "cur": segments["cur"].value_counts().to_dict(),
            "prev": segments["prev"].value_counts().to_dict(),
        },
        "cohorts": cohorts(df, cur_e),
    }
    step("customers")

    first_day = first_day_lines(df, first_purchase)
    result["channels"] = channels(cur, first_day, cur_s, cur_e)
    step("marketing")
    result["team"] = reps(cur, first_day, cur_s, cur_e)
    step("team")
    result["returns"] = returns_by_category(cur, is_return)
    result["margin"] = margin(df, is_return, {"cur": (cur_s, cur_e), "prev": (prev_s, prev_e)})
    step("operations")
    result["stockouts"] = sales_gaps(df, is_return, cur_s, cur_e)
    step("inventory")

    month = df.order_date.dt.to_period("M")
    monthly = df.groupby(month).agg(revenue=("revenue", "sum"), orders=("sale_order", "nunique"))
    result["monthly"] = {str(k): v for k, v in monthly.round(2).to_dict("index").items()}
    daily = df.groupby("order_date").revenue.sum()
    daily = daily.reindex(pd.date_range(daily.index.min(), daily.index.max()), fill_value=0.0)
    result["daily"] = {"start": str(daily.index[0].date()), "revenue": daily.round(2).tolist()}
    step("series")
    result["models"] = seasonality_and_forecast(daily)
    step("models")
    result["steps"] = step.seconds
    with open(out, "w") as handle:
        json.dump(result, handle, default=str)


if __name__ == "__main__":
    main(sys.argv[1:])
