"""The same headline figures as salescope, in plain pandas: the benchmark's yardstick.

Usage: python benchmarks/pandas_baseline.py FILE.parquet CUR_START CUR_END PREV_START PREV_END
       YOY_START YOY_END OUT.json
"""

from __future__ import annotations

import json
import sys

import pandas as pd


def window_kpis(
    df: pd.DataFrame, start: pd.Timestamp, end: pd.Timestamp, first_purchase: pd.Series
) -> dict[str, float]:
    sub = df[(df.order_date >= start) & (df.order_date <= end)]
    revenue = float(sub.revenue.sum())
    orders = int(sub.order_id.nunique())
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


def main(argv: list[str]) -> None:
    path, *dates, out = argv
    cur_s, cur_e, prev_s, prev_e, yoy_s, yoy_e = (pd.Timestamp(d) for d in dates)
    df = pd.read_parquet(path)
    df["order_date"] = pd.to_datetime(df["order_date"])
    first_purchase = df.groupby("customer_id").order_date.min()
    result: dict[str, object] = {
        "cur": window_kpis(df, cur_s, cur_e, first_purchase),
        "prev": window_kpis(df, prev_s, prev_e, first_purchase),
        "yoy": window_kpis(df, yoy_s, yoy_e, first_purchase),
    }
    in_prev = set(df.customer_id[(df.order_date >= prev_s) & (df.order_date <= prev_e)])
    in_cur = set(df.customer_id[(df.order_date >= cur_s) & (df.order_date <= cur_e)])
    result["retention_rate"] = len(in_prev & in_cur) / len(in_prev)
    cur = df[(df.order_date >= cur_s) & (df.order_date <= cur_e)]
    prev = df[(df.order_date >= prev_s) & (df.order_date <= prev_e)]
    breakdowns = {}
    for col in ("category", "region", "channel", "sales_rep", "segment", "product_id"):
        now = cur.groupby(col).agg(revenue=("revenue", "sum"), orders=("order_id", "nunique"))
        before = prev.groupby(col).revenue.sum()
        top = now.join(before.rename("previous"), how="outer").fillna(0)
        breakdowns[col] = (
            top.sort_values("revenue", ascending=False).head(50).round(2).to_dict("index")
        )
    result["breakdowns"] = breakdowns
    month = df.order_date.dt.to_period("M")
    monthly = df.groupby(month).agg(revenue=("revenue", "sum"), orders=("order_id", "nunique"))
    result["monthly"] = {str(k): v for k, v in monthly.round(2).to_dict("index").items()}
    with open(out, "w") as handle:
        json.dump(result, handle, default=str)


if __name__ == "__main__":
    main(sys.argv[1:])
