"""Plain-Python rules both baselines apply to the sums their library computed (the split of
the gross margin's change, which sales gaps are kept and what they cost), and their timer."""

from __future__ import annotations

import time
from typing import Any


class Steps:
    """Seconds per step of a baseline: call it with a step's name when the step is done."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}
        self._mark = time.perf_counter()

    def __call__(self, name: str) -> None:
        now = time.perf_counter()
        self.seconds[name] = round(now - self._mark, 3)
        self._mark = now


def margin_split(figures: dict[str, dict[str, float]]) -> dict[str, Any]:
    """``figures`` (the ``prev`` and ``cur`` periods' cost and price ratios) with the
    change in gross margin split into the part from discounts and the part from cost."""

    def m(c: float, d: float) -> float:
        return 1.0 - c / (1.0 - d)

    c0, c1 = figures["prev"]["cost_ratio"], figures["cur"]["cost_ratio"]
    d0, d1 = 1 - figures["prev"]["price_ratio"], 1 - figures["cur"]["price_ratio"]
    return {
        **figures,
        "from_discount": 0.5 * ((m(c0, d1) - m(c0, d0)) + (m(c1, d1) - m(c1, d0))),
        "from_cost": 0.5 * ((m(c1, d0) - m(c0, d0)) + (m(c1, d1) - m(c0, d1))),
    }


def kept_gaps(gaps: list[dict[str, Any]], start: Any, end: Any) -> list[dict[str, Any]]:
    """The gaps of a whole product, and those of a region or channel that no gap of the
    whole product overlaps, each with the days it shares with ``start`` .. ``end`` priced
    at its daily revenue (dates: anything whose difference has ``.days``)."""
    whole = [g for g in gaps if g["region"] is None and g["channel"] is None]
    kept = [
        g
        for g in gaps
        if g in whole
        or not any(w["product"] == g["product"] and overlap(w, g["start"], g["end"]) for w in whole)
    ]
    for g in kept:
        days_in = overlap(g, start, end)
        g["in_period"] = days_in > 0
        g["lost_revenue"] = g["daily_revenue"] * days_in
    return kept


def overlap(gap: dict[str, Any], start: Any, end: Any) -> int:
    """Days a gap shares with the closed range ``start`` .. ``end``."""
    return max(0, (min(gap["end"], end) - max(gap["start"], start)).days + 1)
