"""Warnings for figures that are the sign of a misread export, each naming the fix.

A report can be computed exactly and still be wrong because a column was misread: a
per-order id taken as the customer makes every customer new and retention zero; a
date column read the wrong way quarantines most lines; a lookup that joins on too
few values leaves its attributes empty. These checks look at aggregates only.
"""

from __future__ import annotations

from salescope.lines import Lines
from salescope.model import Check, Quality
from salescope.sources.dataset import Assembled

MIN_CUSTOMERS = 30  # below this, one order each is plausible
ONE_ORDER_SHARE = 0.98
LINE_AMOUNTS = ("quantity", "unit_price", "revenue", "discount")
DATE_REASONS = ("missing_date", "ambiguous_date", "unparseable_date", "date_out_of_range")


def plausibility_checks(
    lines: Lines, quality: Quality, dataset: Assembled | None
) -> tuple[Check, ...]:
    """The warnings that apply (none for a plausible export)."""
    checks: list[Check] = []
    if lines.has("customer_id") and lines.has("order_id"):
        t = lines.table
        row = (
            t.aggregate(customers=t.customer_id.nunique(), orders=t.order_id.nunique())
            .to_pyarrow()
            .to_pylist()[0]
        )
        customers, orders = int(row["customers"] or 0), int(row["orders"] or 0)
        if customers >= MIN_CUSTOMERS and orders and customers >= ONE_ORDER_SHARE * orders:
            column = quality.mapping.get("customer_id")
            checks.append(
                Check(
                    "one_order_per_customer",
                    "warning",
                    column,
                    customers,
                    f"every customer id in {column!r} has one order in all the data, so every "
                    "customer looks new and none returns: the column may be an id per order. "
                    "If a column holds the person, map it: `mapping: {customer_id: <column>}`",
                )
            )
    bad_dates = sum(c.rows for c in quality.checks if c.code in DATE_REASONS)
    if quality.rows_read and bad_dates > quality.rows_read / 2:
        column = quality.mapping.get("order_date")
        checks.append(
            Check(
                "most_dates_unusable",
                "warning",
                column,
                bad_dates,
                f"most lines have no usable date in {column!r}: it may not be the order date, "
                "or its format was misread. Set `mapping: {order_date: <column>}` or "
                "`date_format:` in salescope.yml",
            )
        )
    if dataset is not None:
        checks += _amounts_from_lookups(quality, dataset)
        for j in dataset.model.joins:
            if not j.kept:
                checks.append(
                    Check(
                        "join_dropped",
                        "warning",
                        j.left_column,
                        quality.rows_accepted,
                        f"{j.left}.{j.left_column} matches {j.right}.{j.right_column} on too "
                        f"few values, so {j.right} is not joined and its columns are missing "
                        "on every line. Declare it under `joins:` in salescope.yml to join it "
                        "anyway",
                    )
                )
    return tuple(checks)


def _amounts_from_lookups(quality: Quality, dataset: Assembled) -> list[Check]:
    """A line amount mapped (in salescope.yml) to a column of a joined table: one value per
    product or order, repeated on every line (``product_photos_qty``, ``UnitsInStock``)."""
    info = {c.name: c for c in dataset.columns}
    checks = []
    for role in LINE_AMOUNTS:
        column = quality.mapping.get(role)
        col = info.get(column) if column else None
        if col is None or col.origin == "fact":
            continue
        label = role.replace("_", " ")
        checks.append(
            Check(
                "amount_from_lookup",
                "warning",
                column,
                quality.rows_accepted,
                f"the {label} is {column!r} from {col.table}, a joined table with one value "
                f"per {'order' if col.origin == 'header' else 'key'}, repeated on every sales "
                f"line: it is rarely the line's {label}. Map a column of the sales lines, or "
                f"`mapping: {{{role}: null}}` in salescope.yml",
            )
        )
    return checks
