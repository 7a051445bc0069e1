"""Value parsing as engine expressions (no Python loop over rows)."""

from __future__ import annotations

import ibis.expr.types as ir

from salescope.schema.roles import Kind

RETURN_STATUS = r"(?i)(return|refund|retour|devol|credit|rma)"
# when the refund is written as an amount, a "refunded" status only says there is one
RETURN_STATUS_NOT_REFUND = r"(?i)(return|retour|devol|credit|rma)"
# not sales: cancelled or voided orders, payments that failed or were declined
CANCEL_STATUS = r"(?i)(cancel|void|storn|annul|anulad|\bfail|\bdeclin)"
# a label that marks a totals row: "Total", "Grand total", "Subtotal", "Summe", "Gesamt" ...
TOTAL_LABEL = (
    r"(?i)^\s*((grand\s*|sub-?\s*)?(total|totals|summe|gesamt|gesamtsumme|totale)\s*:?\s*$"
    r"|(grand\s*|sub-?\s*)total\b|total\s*(for\b|:))"
)


def blank_to_null(col: ir.StringValue) -> ir.StringValue:
    return col.strip().nullif("")


def needs_trim(col: ir.StringValue) -> ir.BooleanValue:
    """True where a text cell starts or ends with a space (two cheap prefix/suffix tests;
    other white space at the edges is rare enough not to pay for on every row)."""
    return col.startswith(" ") | col.endswith(" ")


def is_empty_cheap(col: ir.Value, kind: Kind) -> ir.BooleanValue:
    """Null or the empty string; exact for columns ``needs_trim`` finds nothing in."""
    if kind == "string":
        return col.isnull() | (col == "")  # type: ignore[no-any-return]
    return col.isnull()


def to_text(col: ir.Value, kind: Kind, clean: bool = False) -> ir.StringValue:
    """Identifiers and labels as trimmed strings; integers keep no decimal point.

    ``clean`` says the column has no cell with white space at its edges, so no
    trimming is needed (string functions on every row are the costliest part of
    a scan); empty strings still become null.
    """
    if kind == "string":
        return col.nullif("") if clean else blank_to_null(col)  # type: ignore[attr-defined,no-any-return,arg-type]
    if kind == "float":
        return col.cast("int64").cast("string")  # type: ignore[no-any-return]
    return col.cast("string")  # type: ignore[no-any-return]


def is_missing(col: ir.Value, kind: Kind) -> ir.BooleanValue:
    """True where the raw value is null or an empty string."""
    if kind == "string":
        return blank_to_null(col).isnull()  # type: ignore[arg-type]
    return col.isnull()
