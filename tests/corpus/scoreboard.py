"""How many figures salescope's first, config-free run gets right on each corpus shape.

    .venv/bin/python -m tests.corpus.scoreboard [shape ...]

Each shape is generated into a temporary folder and run with no config and no period
(the default period must be the truth's). The table shows OK or the miss per figure;
the misses are spelled out below it, got against expected.
"""

from __future__ import annotations

import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import salescope
from salescope.model import Report
from tests.corpus.registry import ALL_SHAPES as SHAPES
from tests.corpus.shapes import Truth

FIGURES = (
    "period",
    "revenue",
    "orders",
    "customers",
    "new_customers",
    "returning_customers",
    "gross_margin",
    "top_category",
    "top_rep",
    "currency",
    "returns",
)
MONEY_TOLERANCE = 0.01
MARGIN_TOLERANCE = 0.0005


@dataclass(frozen=True)
class Check:
    figure: str
    ok: bool
    got: object
    expected: object

    def line(self) -> str:
        return f"{self.figure}: got {self.got!r}, expected {self.expected!r}"


def kpi_value(report: Report, name: str) -> float | None:
    kpi = report.kpi(name)
    return None if kpi is None else kpi.value


def top_member(report: Report, role: str) -> str | None:
    breakdown = report.breakdown(role)
    return breakdown.rows[0].key if breakdown is not None and breakdown.rows else None


def _close(got: float | None, expected: float, tolerance: float) -> bool:
    return got is not None and abs(got - expected) <= tolerance + 1e-9


def _count(got: float | None, expected: int | None) -> bool:
    if expected is None:  # the export has no customer identity: no figure to show
        return got is None
    return got is not None and got == expected


def check(report: Report, truth: Truth) -> list[Check]:
    """Each figure of ``truth`` against the report, in the order of ``FIGURES``.

    A truth of None means the figure must be absent: no customers without a customer
    column, no margin without cost, no category or rep breakdown without the column, no
    currency the export does not state, and no returns (None or 0) in an export without
    any.
    """
    got: dict[str, object] = {
        "period": report.period.label,
        "revenue": kpi_value(report, "revenue"),
        "orders": kpi_value(report, "orders"),
        "customers": kpi_value(report, "customers"),
        "new_customers": kpi_value(report, "new_customers"),
        "returning_customers": kpi_value(report, "returning_customers"),
        "gross_margin": kpi_value(report, "gross_margin"),
        "top_category": top_member(report, "category"),
        "top_rep": top_member(report, "sales_rep"),
        "currency": report.currency or None,
        "returns": kpi_value(report, "returns"),
    }
    revenue, margin, returns = got["revenue"], got["gross_margin"], got["returns"]
    rep = got["top_rep"]
    oks = {
        "period": got["period"] == truth.period,
        "revenue": isinstance(revenue, float | int)
        and _close(revenue, truth.revenue, MONEY_TOLERANCE),
        "orders": got["orders"] == truth.orders,
        "customers": _count(_number(got["customers"]), truth.customers),
        "new_customers": _count(_number(got["new_customers"]), truth.new_customers),
        "returning_customers": _count(
            _number(got["returning_customers"]), truth.returning_customers
        ),
        "gross_margin": (
            margin is None
            if truth.gross_margin is None
            else _close(_number(margin), truth.gross_margin, MARGIN_TOLERANCE)
        ),
        "top_category": got["top_category"] == truth.top_category,
        "top_rep": rep is None if truth.top_rep is None else rep in truth.top_rep,
        "currency": got["currency"] == truth.currency,
        "returns": (
            returns in (None, 0)
            if truth.returns is None
            else _close(_number(returns), truth.returns, MONEY_TOLERANCE)
        ),
    }
    expected: dict[str, object] = {f: getattr(truth, f) for f in FIGURES}
    return [Check(f, oks[f], got[f], expected[f]) for f in FIGURES]


def _number(value: object) -> float | None:
    return float(value) if isinstance(value, float | int) else None


@dataclass(frozen=True)
class Score:
    shape: str
    checks: tuple[Check, ...]
    error: str | None
    seconds: float

    @property
    def right(self) -> int:
        return sum(c.ok for c in self.checks)


def score(name: str) -> Score:
    """Generate shape ``name`` into a temporary folder, run salescope on it, check it."""
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix=f"corpus-{name}-") as tmp:
        shape = SHAPES[name](Path(tmp) / "data")
        try:
            report = salescope.run(list(shape.inputs))
        except Exception as exc:  # noqa: BLE001 - the scoreboard reports every failure
            message = (str(exc).strip().splitlines() or [""])[0]
            return Score(
                name, (), f"{type(exc).__name__}: {message}", time.perf_counter() - started
            )
        return Score(name, tuple(check(report, shape.truth)), None, time.perf_counter() - started)


SHORT = {
    "period": "period",
    "revenue": "revenue",
    "orders": "orders",
    "customers": "cust",
    "new_customers": "new",
    "returning_customers": "return.",
    "gross_margin": "margin",
    "top_category": "top cat",
    "top_rep": "top rep",
    "currency": "curr",
    "returns": "returns",
}


def table(scores: Sequence[Score]) -> str:
    """The shape x figure grid, the misses and errors spelled out, and the total."""
    width = max(len(s.shape) for s in scores)
    heads = [SHORT[f] for f in FIGURES]
    lines = ["  ".join([f"{'shape':<{width}}", *heads, "  time"])]
    for s in scores:
        if s.error is not None:
            cells = [f"{'ERR':<{len(h)}}" for h in heads]
        else:
            cells = [
                f"{'OK' if c.ok else 'x':<{len(h)}}" for c, h in zip(s.checks, heads, strict=True)
            ]
        lines.append("  ".join([f"{s.shape:<{width}}", *cells, f"{s.seconds:5.1f}s"]))
    lines.append("")
    for s in scores:
        if s.error is not None:
            lines.append(f"{s.shape}: error: {s.error}")
        lines.extend(f"{s.shape}: {c.line()}" for c in s.checks if not c.ok)
    total = len(scores) * len(FIGURES)
    lines += ["", f"{sum(s.right for s in scores)} of {total} figures right"]
    return "\n".join(lines)


def main(argv: Sequence[str]) -> int:
    names = list(argv) or list(SHAPES)
    unknown = [n for n in names if n not in SHAPES]
    if unknown:
        sys.stderr.write(f"unknown shape(s): {', '.join(unknown)}; known: {', '.join(SHAPES)}\n")
        return 2
    scores = []
    for name in names:
        scores.append(score(name))
        sys.stderr.write(f"{name}: {scores[-1].right} of {len(FIGURES)}\n")
    sys.stdout.write(table(scores) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
