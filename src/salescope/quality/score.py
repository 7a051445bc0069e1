"""The quality score: 0-100 from four measured parts (docs/quality.md).

- validity: share of rows not quarantined for a parsing, range or price problem
  (duplicates count against uniqueness instead; cancelled orders against nothing)
- completeness: share of non-empty cells over the mapped optional roles in accepted rows
- uniqueness: share of rows that are not an exact copy of another line
- consistency: share of accepted rows whose revenue agrees with quantity x price

A part the data cannot measure (no optional roles, no price to check revenue
against) is left out and the weights of the others are rescaled.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from salescope.model import Check, Quality

WEIGHTS = {"validity": 0.4, "completeness": 0.25, "uniqueness": 0.2, "consistency": 0.15}
# Set aside without being a fault of the data: copies (counted against uniqueness), lines
# that are no sale, and the header and totals lines a reporting tool writes around its data.
NOT_INVALID = {
    "duplicate_line",
    "cancelled",
    "not_won",
    "repeated_across_files",
    "repeated_header",
    "total_row",
}
# A totals row repeats the revenue of the lines it sums: its share of revenue means nothing.
UNPRICED = {"total_row", "repeated_header"}


def quality_score(
    *,
    rows_read: int,
    rows_accepted: int,
    stats: list[dict[str, Any]],
    checks: list[Check],
    optional: list[str],
    mapping: dict[str, str],
    assumptions: list[str],
) -> Quality:
    errors = {c.code: c.rows for c in checks if c.severity in ("error", "info")}
    invalid = sum(n for code, n in errors.items() if code not in NOT_INVALID)
    duplicates = errors.get("duplicate_line", 0)
    ok = next((s for s in stats if s["_reason"] is None), None)
    parts: dict[str, float] = {}
    if rows_read:
        parts["validity"] = 1 - invalid / rows_read
        parts["uniqueness"] = 1 - duplicates / rows_read
    if ok and optional and rows_accepted:
        nulls = sum(int(ok[f"null_{r}"]) for r in optional)  # type: ignore[call-overload]
        parts["completeness"] = 1 - nulls / (rows_accepted * len(optional))
    if ok and "inconsistent" in ok and rows_accepted:
        parts["consistency"] = 1 - int(ok["inconsistent"] or 0) / rows_accepted  # type: ignore[call-overload]
    weight = sum(WEIGHTS[k] for k in parts)
    score = 100 * sum(WEIGHTS[k] * v for k, v in parts.items()) / weight if weight else 0.0

    # What each quarantine reason costs, as a share of the revenue of all rows read (in
    # absolute value), with the sign of its own revenue: quarantined returns carry a
    # negative amount, and the share says so.
    revenue = {s["_reason"]: float(s["revenue"] or 0) for s in stats}  # type: ignore[arg-type]
    total = sum(abs(v) for v in revenue.values())
    priced = [
        replace(c, revenue_share=round(revenue.get(c.code, 0.0) / total, 6))
        if c.severity in ("error", "info")
        and total
        and c.code in revenue
        and c.code not in UNPRICED
        else c
        for c in checks
    ]
    return Quality(
        rows_read=rows_read,
        rows_accepted=rows_accepted,
        rows_quarantined=rows_read - rows_accepted,
        score=round(score, 1),
        score_parts={k: round(v, 4) for k, v in parts.items()},
        mapping=mapping,
        assumptions=tuple(assumptions),
        checks=tuple(priced),
    )
