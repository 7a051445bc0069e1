"""The same figures as salescope and pandas_baseline.py, written as an analyst would in Polars.

Usage: python benchmarks/polars_baseline.py FILE.parquet CUR_START CUR_END PREV_START PREV_END
       YOY_START YOY_END OUT.json

Idiomatic Polars: a lazy ``scan_parquet`` of the file, filters and ``group_by`` queries that
Polars plans with projection and predicate pushdown, collected as each step needs them; the
few customer-level tables (first purchase, first-day lines) are collected once and joined
back. Computes what pandas_baseline.py computes, with the same definitions and writes
OUT.json in the same shape (``compare_figures.compare`` checks both against report.json):
the KPIs of the three windows, retention, the breakdowns and the monthly series; new vs
returning revenue, the top customers' share, RFM segments at both period ends, monthly
cohorts; per channel and per rep in the period revenue, orders, customers and new customers
by the channel or rep of their first order; returns by category; gross margin, discount rate
and cost ratio in both periods with the split of the change; possible stockouts from gaps in
the sales (the same rule); the daily revenue series; then the
same STL and ETS fits as the pandas baseline (statsmodels, on the small daily series).
Seconds per step go to OUT.json under "steps".
"""

from __future__ import annotations

import json
import math
import sys
from datetime import date, timedelta
from typing import Any

import polars as pl

from baseline_rules import Steps, kept_gaps, margin_split

# Shared definitions, so both baselines follow the same rules.
from pandas_baseline import (
    COHORTS_SHOWN,
    GAP_INTERVALS,
    GAP_MIN_DAYS,
    LOOKBACK_DAYS,
    MISSING_KEY,
    SEASON_MIN_DATA_DAYS,
    SEASON_SHARE,
    SEASON_WEEKS,
    SEGMENT_GRID,
    STEADY_DAYS,
    STEADY_MIN_SALE_DAYS,
    STRONG_SALE_DAYS,
    TOP_SHARES,
    YEAR_WEEKS,
    seasonality_and_forecast,
)

Window = tuple[date, date]


def in_window(window: Window) -> pl.Expr:
    """Lines dated inside ``window`` (both ends included)."""
    return pl.col("order_date").is_between(*window, closed="both")


def nunique(name: str) -> pl.Expr:
    """Distinct non-null values, as pandas' ``nunique`` counts them."""
    return pl.col(name).drop_nulls().n_unique()


def is_return() -> pl.Expr:
    """A line with a negative quantity or amount (null counts as not a return)."""
    return ((pl.col("revenue") < 0) | (pl.col("quantity") < 0)).fill_null(False)


def first_purchases(lf: pl.LazyFrame) -> pl.DataFrame:
    """Each known customer's first order date (``first``)."""
    return (
        lf.filter(pl.col("customer_id").is_not_null())
        .group_by("customer_id")
        .agg(first=pl.col("order_date").min())
        .collect()
    )


def window_kpis(lf: pl.LazyFrame, window: Window, first: pl.DataFrame) -> dict[str, float]:
    """The period KPIs of one window."""
    sub = lf.filter(in_window(window))
    row = sub.select(
        revenue=pl.col("revenue").sum(),
        orders=nunique("sale_order"),
        units=pl.col("quantity").sum().cast(pl.Float64),
        customers=nunique("customer_id"),
        returns=-pl.col("revenue").filter(is_return()).sum(),
    ).collect()
    sold = (
        sub.filter(pl.col("product_id").is_not_null())
        .group_by("product_id")
        .agg(pl.col("quantity").sum())
        .filter(pl.col("quantity") > 0)
        .select(pl.len())
        .collect()
        .item()
    )
    new = first.filter(pl.col("first").is_between(*window)).height
    k = row.row(0, named=True)
    revenue, orders, customers = float(k["revenue"]), int(k["orders"]), int(k["customers"])
    return {
        "revenue": round(revenue, 2),
        "orders": orders,
        "units": float(k["units"]),
        "customers": customers,
        "new_customers": new,
        "returning_customers": customers - new,
        "aov": round(revenue / orders, 2),
        "revenue_per_customer": round(revenue / customers, 2),
        "returns": round(float(k["returns"]), 2),
        "products_sold": int(sold),
    }


def retention(lf: pl.LazyFrame, cur: Window, prev: Window) -> float:
    """Share of the previous window's customers who bought again in the current one."""
    customers = pl.col("customer_id")
    both = lf.group_by(customers).agg(
        was=in_window(prev).any(),
        now=in_window(cur).any(),
    )
    row = (
        both.filter(pl.col("was"))
        .select(kept=pl.col("now").sum(), total=pl.len())
        .collect()
        .row(0, named=True)
    )
    return row["kept"] / row["total"]


def breakdowns(cur: pl.LazyFrame, prev: pl.LazyFrame) -> dict[str, Any]:
    """Top 50 members of each dimension by period revenue, with orders and previous revenue."""
    result = {}
    for col in ("category", "region", "channel", "sales_rep", "segment", "product_id"):
        now = cur.group_by(col).agg(revenue=pl.col("revenue").sum(), orders=nunique("sale_order"))
        before = prev.group_by(col).agg(previous=pl.col("revenue").sum())
        top = (
            now.join(before, on=col, how="full", coalesce=True)
            .filter(pl.col(col).is_not_null())
            .fill_null(0)
            .sort("revenue", descending=True)
            .head(50)
            .with_columns(pl.col("revenue", "previous").round(2))
            .collect()
        )
        result[col] = {r.pop(col): r for r in top.iter_rows(named=True)}
    return result


def new_vs_returning(cur: pl.LazyFrame, window: Window, first: pl.DataFrame) -> dict[str, float]:
    """Period revenue from customers whose first purchase falls in the period, and the rest."""
    row = (
        cur.join(first.lazy(), on="customer_id")
        .select(
            new_revenue=pl.col("revenue").filter(pl.col("first").is_between(*window)).sum(),
            returning_revenue=pl.col("revenue").filter(~pl.col("first").is_between(*window)).sum(),
        )
        .collect()
        .row(0, named=True)
    )
    return {k: round(float(v), 2) for k, v in row.items()}


def top_shares(cur: pl.LazyFrame) -> dict[str, float]:
    """Share of period revenue of the top 1%, 10% and 20% of the period's customers."""
    per_customer = (
        cur.filter(pl.col("customer_id").is_not_null())
        .group_by("customer_id")
        .agg(pl.col("revenue").sum())
        .sort("revenue", descending=True)
        .collect()["revenue"]
    )
    total, n = per_customer.sum(), per_customer.len()
    return {
        name: float(per_customer.head(math.ceil(n * share)).sum() / total)
        for name, share in TOP_SHARES.items()
    }


def quintile(name: str) -> pl.Expr:
    """1 + floor(5 x percent_rank), capped at 5; ties share the lower rank."""
    rank = pl.col(name).rank("min")
    n = pl.len()
    percent_rank = pl.when(n > 1).then((rank - 1) / (n - 1)).otherwise(0.0)
    return pl.min_horizontal(pl.lit(5.0), 1 + (5 * percent_rank).floor()).cast(pl.Int64)


SEGMENTS = pl.DataFrame(
    [
        {"r": 5 - row, "fm": col + 1, "segment": str(SEGMENT_GRID[row, col])}
        for row in range(5)
        for col in range(5)
    ],
    schema={"r": pl.Int64, "fm": pl.Int64, "segment": pl.String},
)


def rfm_counts(lf: pl.LazyFrame, end: date) -> dict[str, int]:
    """Customers per RFM segment over the lookback ending at ``end`` (inclusive)."""
    start = end - timedelta(days=LOOKBACK_DAYS - 1)
    counts = (
        lf.filter(in_window((start, end)) & pl.col("customer_id").is_not_null())
        .group_by("customer_id")
        .agg(
            last=pl.col("order_date").max(),
            orders=nunique("sale_order"),
            revenue=pl.col("revenue").sum(),
        )
        .filter(pl.col("orders") > 0)  # a customer with only returns in the window is not active
        .with_columns(pl.col("revenue").round(2))  # ranked to the cent, as salescope does
        .select(r=quintile("last"), fm=(quintile("orders") + quintile("revenue") + 1) // 2)
        .join(SEGMENTS.lazy(), on=["r", "fm"])
        .group_by("segment")
        .len()
        .collect()
    )
    return dict(counts.iter_rows())


def cohorts(lf: pl.LazyFrame, end: date) -> dict[str, list[int]]:
    """Customers of each first-purchase month (the 12 up to ``end``) active k months later."""
    month = pl.col("order_date").dt.year() * 12 + pl.col("order_date").dt.month() - 1
    last = end.year * 12 + end.month - 1
    grid = (
        lf.filter((pl.col("order_date") <= end) & pl.col("customer_id").is_not_null())
        .select("customer_id", month=month.cast(pl.Int64))
        .unique()
        .with_columns(cohort=pl.col("month").min().over("customer_id"))
        .filter(pl.col("cohort") > last - COHORTS_SHOWN)
        .group_by("cohort", offset=pl.col("month") - pl.col("cohort"))
        .len()
        .collect()
    )
    active: dict[int, list[int]] = {}
    for cohort, offset, count in grid.iter_rows():
        active.setdefault(cohort, [0] * COHORTS_SHOWN)[offset] = count
    return {f"{c // 12}-{c % 12 + 1:02d}-01": active[c][: last - c + 1] for c in sorted(active)}


def channel_key(col: str) -> pl.Expr:
    """Channels match ignoring case and whitespace."""
    return pl.col(col).str.replace_all(r"\s+", "").str.to_lowercase()


def rep_key(col: str) -> pl.Expr:
    """Reps match ignoring case and runs of whitespace; a blank name is no rep."""
    key = pl.col(col).str.replace_all(r"\s+", " ").str.strip_chars().str.to_lowercase()
    return pl.when(key != "").then(key)


def first_day_lines(lf: pl.LazyFrame, first: pl.DataFrame) -> pl.DataFrame:
    """Every line of a customer on the day of their first purchase."""
    return (
        lf.select("customer_id", "order_date", "order_id", "channel", "sales_rep")
        .join(first.lazy(), on="customer_id")
        .filter(pl.col("order_date") == pl.col("first"))
        .drop("first")
        .collect()
    )


def per_member(cur: pl.LazyFrame, key: pl.Expr) -> pl.LazyFrame:
    """Revenue, orders and customers per member key."""
    return cur.group_by(key=key).agg(
        revenue=pl.col("revenue").sum(),
        orders=nunique("sale_order"),
        customers=nunique("customer_id"),
    )


def as_dicts(frame: pl.DataFrame) -> dict[str, dict[str, float]]:
    """``{key: {field: value}}`` with float values, as the pandas baseline writes them."""
    return {
        str(row.pop("key")): {k: float(v) for k, v in row.items()}
        for row in frame.iter_rows(named=True)
    }


def channels(cur: pl.LazyFrame, first_day: pl.DataFrame, window: Window) -> dict[str, Any]:
    """Per channel key: revenue, orders, customers, AOV, and new customers by the channel of
    their first order (the smallest key among their first day's lines) and their share."""
    per = per_member(cur, channel_key("channel").fill_null(MISSING_KEY)).collect()
    new = (
        first_day.lazy()
        .group_by("customer_id")
        .agg(pl.col("order_date").first(), key=channel_key("channel").min())
        .filter(in_window(window))
        .group_by(pl.col("key").fill_null(MISSING_KEY))
        .agg(new_customers=pl.len())
        .collect()
    )
    total_new = new["new_customers"].sum()
    per = per.join(new, on="key", how="left").with_columns(
        pl.col("new_customers").fill_null(0),
        new_customer_share=pl.col("new_customers").fill_null(0) / total_new,
        aov=pl.col("revenue") / pl.col("orders"),
    )
    return as_dicts(per)


def reps(cur: pl.LazyFrame, first_day: pl.DataFrame, window: Window) -> dict[str, Any]:
    """Per rep key: revenue, orders, customers, AOV, and new customers whose first line
    (by date, order id, then rep) was with the rep; the median rep revenue."""
    per = per_member(cur, rep_key("sales_rep")).filter(pl.col("key").is_not_null()).collect()
    new = (
        first_day.lazy()
        .with_columns(rep=rep_key("sales_rep"))
        .sort(
            "customer_id",
            "order_date",
            "order_id",
            pl.col("rep").is_null(),
            "rep",
            nulls_last=True,
        )
        .unique("customer_id", keep="first", maintain_order=True)
        .filter(pl.col("rep").is_not_null() & in_window(window))
        .group_by(key="rep")
        .agg(new_customers=pl.len())
        .collect()
    )
    per = per.join(new, on="key", how="left").with_columns(
        pl.col("new_customers").fill_null(0),
        aov=pl.col("revenue") / pl.col("orders"),
    )
    return {"reps": as_dicts(per), "median_revenue": float(per["revenue"].median())}


def returns_by_category(cur: pl.LazyFrame) -> dict[str, dict[str, float]]:
    """Per category and for all lines: returns (positive), gross sales and returns / gross."""
    per = (
        cur.group_by(key=pl.col("category").fill_null(MISSING_KEY))
        .agg(
            returns=-pl.col("revenue").filter(is_return()).sum(),
            gross=pl.col("revenue").filter(~is_return()).sum(),
        )
        .collect()
    )
    per = pl.concat([per, per.select(pl.lit("All").alias("key"), pl.col("returns", "gross").sum())])
    return as_dicts(per.with_columns(rate=pl.col("returns") / pl.col("gross")))


def margin(lf: pl.LazyFrame, windows: dict[str, Window]) -> dict[str, float]:
    """Margin figures per window over the lines with a cost, and the change in
    ``m = 1 - c / (1 - d)`` split between discount and cost (two-factor Shapley)."""
    amounts = lf.select(pl.col("discount").max()).collect().item() > 1
    list_amount = pl.col("quantity") * pl.col("unit_price")
    discount = pl.col("discount").fill_null(0.0) * (1.0 if amounts else list_amount)
    lines = lf.select(
        "order_date",
        "revenue",
        list=list_amount,
        discount_amount=discount,
        cost=pl.col("unit_cost") * pl.col("quantity"),
        sale=~is_return(),
    ).filter(pl.col("cost").is_not_null() & pl.col("list").is_not_null())
    figures = {}
    for name, window in windows.items():
        sums = (
            lines.filter(in_window(window))
            .select(
                revenue=pl.col("revenue").sum(),
                cost=pl.col("cost").sum(),
                list=pl.col("list").sum(),
                sale_discount=pl.col("discount_amount").filter("sale").sum(),
                sale_list=pl.col("list").filter("sale").sum(),
            )
            .collect()
            .row(0, named=True)
        )
        figures[name] = {
            "gross_margin": (sums["revenue"] - sums["cost"]) / sums["revenue"],
            "discount_rate": sums["sale_discount"] / sums["sale_list"],
            "cost_ratio": sums["cost"] / sums["list"],
            "price_ratio": sums["revenue"] / sums["list"],
        }
    return margin_split(figures)


def seasonal_products(sales: pl.LazyFrame) -> pl.LazyFrame:
    """Products with at least half their revenue within six weeks either side of one week of
    the year (the weeks of all years added up; the year wraps round), centred on a week
    they sold in."""
    weekly = sales.group_by(
        "product_id", week=((pl.col("order_date").dt.ordinal_day() - 1) // 7).cast(pl.Int64)
    ).agg(pl.col("revenue").sum())
    weeks = pl.LazyFrame({"week": list(range(2 * YEAR_WEEKS))})
    dense = (
        weekly.select("product_id")
        .unique()
        .join(weeks, how="cross")
        .join(
            weekly.rename({"week": "of_year"}),
            left_on=["product_id", pl.col("week") % YEAR_WEEKS],
            right_on=["product_id", "of_year"],
            how="left",
        )
        .with_columns(
            present=pl.col("revenue").is_not_null(), revenue=pl.col("revenue").fill_null(0.0)
        )
        .sort("product_id", "week")
        .with_columns(
            season=pl.col("revenue")
            .rolling_sum(2 * SEASON_WEEKS + 1, center=True, min_samples=1)
            .over("product_id")
        )
    )
    peaks = (
        dense.filter(
            pl.col("week").is_between(SEASON_WEEKS, SEASON_WEEKS + YEAR_WEEKS - 1)
            & pl.col("present")
        )
        .group_by("product_id")
        .agg(peak=pl.col("season").max())
    )
    totals = weekly.group_by("product_id").agg(total=pl.col("revenue").sum())
    return (
        peaks.join(totals, on="product_id")
        .filter((pl.col("total") > 0) & (pl.col("peak") >= SEASON_SHARE * pl.col("total")))
        .select("product_id")
    )


def gap_candidates(lf: pl.LazyFrame, origin: date) -> pl.LazyFrame:
    """Per product (and per product and region, and channel) and sale day: the day number
    ``n``, revenue and sale days in the 28 days to it, the next sale day and the sale days
    in the 28 days from that one."""
    sales = lf.filter(~is_return() & pl.col("product_id").is_not_null())
    per = []
    for dim in ("", "region", "channel"):
        part = sales.filter(pl.col(dim).is_not_null()) if dim else sales
        place = pl.col(dim).cast(pl.String) if dim else pl.lit(None, pl.String)
        per.append(
            part.group_by("product_id", "order_date", dim=pl.lit(dim), place=place).agg(
                pl.col("revenue").sum()
            )
        )
    keys = ["product_id", "dim", "place"]
    window = f"{STEADY_DAYS}i"
    days = (
        pl.concat(per)
        .with_columns(n=(pl.col("order_date") - origin).dt.total_days(), one=pl.lit(1, pl.Int64))
        .sort(*keys, "n", nulls_last=True)
        .with_columns(
            sold_before=pl.col("one").rolling_sum_by("n", window).over(keys),
            revenue_before=pl.col("revenue").rolling_sum_by("n", window).over(keys),
            first_n=pl.col("n").min().over(keys),
            next_n=pl.col("n").shift(-1).over(keys),
            back=-pl.col("n"),
        )
    )
    # sale days in the 28 days from each sale day: the same rolling count, backwards
    return (
        days.sort(*keys, "back", nulls_last=True)
        .with_columns(sold_from=pl.col("one").rolling_sum_by("back", window).over(keys))
        .sort(*keys, "n", nulls_last=True)
        .with_columns(sold_after=pl.col("sold_from").shift(-1).over(keys))
    )


def sales_gaps(lf: pl.LazyFrame, cur: Window) -> list[dict[str, object]]:
    """Possible stockouts: a gap of 7 days or more, and 8 usual intervals, between two sale
    days of a product that sold on 8 of the 28 days before it and of the 28 days from its
    end (14 each side per region or channel), first sold 28 days or more before, not
    seasonal; the gap reaches the 365 days to the period end. A product's gap takes the
    place of the regional and channel gaps of that product it overlaps."""
    span = lf.select(first=pl.col("order_date").min(), last=pl.col("order_date").max()).collect()
    origin, last = span.row(0)
    start_n = (cur[1] - timedelta(days=LOOKBACK_DAYS - 1) - origin).days
    end_n, cur_end_n = (last - origin).days, (cur[1] - origin).days
    steady = STEADY_DAYS - 1
    gap = pl.col("next_n") - pl.col("n") - 1
    interval = 2 * STEADY_DAYS / (pl.col("sold_before") + pl.col("sold_after"))
    least = pl.when(pl.col("dim") == "").then(STEADY_MIN_SALE_DAYS).otherwise(STRONG_SALE_DAYS)
    flagged = gap_candidates(lf, origin).filter(
        pl.col("next_n").is_not_null()
        & (pl.col("n") - pl.col("first_n") >= steady)
        & (pl.col("sold_before") >= least)
        & (pl.col("next_n") + steady <= end_n)
        & (pl.col("sold_after") >= least)
        & (gap >= GAP_MIN_DAYS)
        & (gap >= GAP_INTERVALS * interval)
        & (pl.col("next_n") - 1 >= start_n)
        & (pl.col("n") + 1 <= cur_end_n)
    )
    if (last - origin).days + 1 >= SEASON_MIN_DATA_DAYS:
        sales = lf.filter(~is_return() & pl.col("product_id").is_not_null())
        flagged = flagged.join(seasonal_products(sales), on="product_id", how="anti")
    rows = flagged.with_columns(gap=gap).collect().to_dicts()
    gaps = [
        {
            "product": r["product_id"],
            "region": r["place"] if r["dim"] == "region" else None,
            "channel": r["place"] if r["dim"] == "channel" else None,
            "start": r["order_date"] + timedelta(days=1),
            "end": r["order_date"] + timedelta(days=int(r["gap"])),
            "ongoing": False,
            "daily_revenue": r["revenue_before"] / STEADY_DAYS,
            "sale_days_before": r["sold_before"],
            "sale_days_after": r["sold_after"],
        }
        for r in rows
    ]
    kept = kept_gaps(gaps, *cur)
    for g in kept:
        g["start"], g["end"] = str(g["start"]), str(g["end"])
    return kept


def series(lf: pl.LazyFrame) -> tuple[dict[str, Any], pl.DataFrame]:
    """Monthly revenue and orders; daily revenue over every day of the data (0 on no sale)."""
    monthly = (
        lf.group_by(month=pl.col("order_date").dt.strftime("%Y-%m"))
        .agg(revenue=pl.col("revenue").sum().round(2), orders=nunique("sale_order"))
        .sort("month")
        .collect()
    )
    sums = lf.group_by("order_date").agg(pl.col("revenue").sum()).collect()
    days = pl.date_range(sums["order_date"].min(), sums["order_date"].max(), eager=True)
    daily = (
        days.to_frame("order_date")
        .join(sums, on="order_date", how="left")
        .with_columns(pl.col("revenue").fill_null(0.0))
    )
    return {r.pop("month"): r for r in monthly.iter_rows(named=True)}, daily


def main(argv: list[str]) -> None:
    path, *dates, out = argv
    days = [date.fromisoformat(d) for d in dates]
    cur, prev, yoy = (days[0], days[1]), (days[2], days[3]), (days[4], days[5])
    step = Steps()
    # returns and credit notes are never orders: orders count the sale lines' order ids
    lf = pl.scan_parquet(path).with_columns(sale_order=pl.when(~is_return()).then("order_id"))
    first = first_purchases(lf)
    step("read")  # nothing is read before a query runs: this is the first purchases
    result: dict[str, Any] = {
        name: window_kpis(lf, window, first)
        for name, window in (("cur", cur), ("prev", prev), ("yoy", yoy))
    }
    result["retention_rate"] = retention(lf, cur, prev)
    step("kpis")
    cur_lines, prev_lines = lf.filter(in_window(cur)), lf.filter(in_window(prev))
    result["breakdowns"] = breakdowns(cur_lines, prev_lines)
    step("breakdowns")
    result["customers"] = {
        **new_vs_returning(cur_lines, cur, first),
        "top_shares": top_shares(cur_lines),
        "rfm": {"cur": rfm_counts(lf, cur[1]), "prev": rfm_counts(lf, prev[1])},
        "cohorts": cohorts(lf, cur[1]),
    }
    step("customers")
    first_day = first_day_lines(lf, first)
    result["channels"] = channels(cur_lines, first_day, cur)
    step("marketing")
    result["team"] = reps(cur_lines, first_day, cur)
    step("team")
    result["returns"] = returns_by_category(cur_lines)
    result["margin"] = margin(lf, {"cur": cur, "prev": prev})
    step("operations")
    result["stockouts"] = sales_gaps(lf, cur)
    step("inventory")
    result["monthly"], daily = series(lf)
    result["daily"] = {
        "start": str(daily["order_date"][0]),
        "revenue": daily["revenue"].round(2).to_list(),
    }
    step("series")
    result["models"] = seasonality_and_forecast(daily.to_pandas().set_index("order_date").revenue)
    step("models")
    result["steps"] = step.seconds
    with open(out, "w") as handle:
        json.dump(result, handle, default=str)


if __name__ == "__main__":
    main(sys.argv[1:])
