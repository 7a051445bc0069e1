"""What changed between reports: a report against the last one of its period rule (the
"Since the last report" section of ``salescope run``), and any two runs against each
other (``salescope diff``).

Both read the earlier report as the run history holds it, its report.json: a figure "as
the last report gave it" is that file's number, never recomputed.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from typing import Any

from salescope.model import (
    HEADLINE_KPIS,
    Fact,
    Report,
    Restatement,
    SinceFigure,
    SinceLast,
)


def differs(a: float, b: float, unit: str) -> bool:
    """Whether two values of a figure differ as a report shows them: money by half a cent
    or more, counts at all, rates and other numbers by more than a rounding error.

    >>> differs(10.0, 10.004, "currency"), differs(10.0, 10.01, "currency")
    (False, True)
    """
    if unit == "currency":
        return abs(a - b) >= 0.005
    return abs(a - b) > 1e-9 * max(1.0, abs(a), abs(b))


def change_pct(value: float | None, before: float | None) -> float | None:
    """The change from ``before`` to ``value`` in percent; None when ``before`` is 0."""
    if value is None or before is None or before == 0:
        return None
    return (value - before) / abs(before) * 100


def since_last(report: Report, run_id: str, created_at: str, last: dict[str, Any]) -> SinceLast:
    """``report`` against ``last`` (the report.json of the last report of the same rule):
    the headline figures beside that report's, and the figures of a period both reports
    cover (this report's own period on a rerun, or its previous period when the last
    report was on it) where the data now differs from what that report said."""
    period = last["period"]
    start, end = date.fromisoformat(period["start"]), date.fromisoformat(period["end"])
    then: dict[str, dict[str, Any]] = last.get("kpis", {})
    figures = []
    for name in HEADLINE_KPIS:
        k = report.kpi(name)
        earlier = then.get(name, {}).get("value")
        if k is None or (k.value is None and earlier is None):
            continue
        figures.append(
            SinceFigure(name, k.label, k.unit, k.value, earlier, change_pct(k.value, earlier))
        )
    return SinceLast(
        run_id=run_id,
        created_at=created_at,
        period=period["label"],
        period_start=start,
        period_end=end,
        period_grain=period["grain"],
        figures=tuple(figures),
        restated=_restated(report, period["label"], start, end, then),
    )


def _restated(
    report: Report, label: str, start: date, end: date, then: dict[str, dict[str, Any]]
) -> tuple[Restatement, ...]:
    p = report.period
    now: dict[str, float | None]
    if (start, end) == (p.start, p.end):
        now = {k.name: k.value for k in report.kpis}
    elif p.previous is not None and p.previous[3] and (start, end) == p.previous[1:3]:
        now = {k.name: k.previous for k in report.kpis}
    else:
        return ()  # the two reports share no period
    out = []
    for k in report.kpis:
        reported, current = then.get(k.name, {}).get("value"), now.get(k.name)
        if reported is None or current is None or not differs(reported, current, k.unit):
            continue
        out.append(Restatement(k.name, k.label, k.unit, label, reported, current))
    return tuple(out)


def with_since_last(report: Report, since: SinceLast) -> Report:
    """``report`` with ``since`` and its facts (``since_last.<kpi>.last``, ``.change_pct``;
    ``restated.<kpi>.reported``, ``.now``, ``.change``), so that the section's numbers are
    facts like every other number of the report."""
    facts = dict(report.facts)

    def add(fid: str, value: float | None, unit: str, label: str) -> None:
        if value is not None:
            facts[fid] = Fact(fid, value, unit, label)

    for f in since.figures:
        add(f"since_last.{f.name}.last", f.last, f.unit, f"{f.label}, last report")
        add(f"since_last.{f.name}.change_pct", f.change_pct, "percent", f"{f.label}, change")
    for r in since.restated:
        add(f"restated.{r.name}.reported", r.reported, r.unit, f"{r.label}, as first reported")
        add(f"restated.{r.name}.now", r.now, r.unit, f"{r.label}, as the data gives it now")
        add(f"restated.{r.name}.change", r.now - r.reported, r.unit, f"{r.label}, restated by")
    return replace(report, since_last=since, facts=facts)


@dataclass(frozen=True)
class FigureChange:
    """One figure in two runs' report.json."""

    name: str
    label: str
    unit: str
    a: float | None
    b: float | None

    @property
    def change(self) -> float | None:
        return None if self.a is None or self.b is None else self.b - self.a

    @property
    def change_pct(self) -> float | None:
        return change_pct(self.b, self.a)


@dataclass(frozen=True)
class RunDiff:
    """Run ``b`` against run ``a``: the figures that differ, the insights that appeared
    and the ones that went away (by id, with their titles)."""

    a: str
    b: str
    a_period: str
    b_period: str
    changed: tuple[FigureChange, ...]
    same: int  # figures equal in both
    appeared: tuple[tuple[str, str], ...]
    gone: tuple[tuple[str, str], ...]


_KPI_VALUES = (
    ("value", ""),
    ("previous", " (previous period)"),
    ("yoy_value", " (a year earlier)"),
)
QUALITY = (
    ("rows_read", "Rows read"),
    ("rows_accepted", "Rows accepted"),
    ("rows_quarantined", "Rows quarantined"),
    ("score", "Quality score"),
)


def diff_reports(a_id: str, a: dict[str, Any], b_id: str, b: dict[str, Any]) -> RunDiff:
    """Every KPI (value, previous period, a year earlier) and the quality counts of two
    report.json files, and their insights.

    >>> k = {"label": "Revenue", "unit": "currency", "value": 10.0}
    >>> one = {"period": {"label": "2024-Q2"}, "kpis": {"revenue": k}, "insights": []}
    >>> two = {"period": {"label": "2024-Q3"}, "kpis": {"revenue": {**k, "value": 12.5}},
    ...        "insights": [{"id": "kpi.revenue", "title": "Revenue up"}]}
    >>> d = diff_reports("a", one, "b", two)
    >>> [(c.name, c.change) for c in d.changed], d.appeared
    ([('revenue', 2.5)], (('kpi.revenue', 'Revenue up'),))
    """
    changed, same = [], 0
    ka: dict[str, dict[str, Any]] = a.get("kpis", {})
    kb: dict[str, dict[str, Any]] = b.get("kpis", {})
    for name in [*ka, *(n for n in kb if n not in ka)]:
        meta = kb.get(name) or ka[name]
        for key, suffix in _KPI_VALUES:
            va, vb = ka.get(name, {}).get(key), kb.get(name, {}).get(key)
            if va is None and vb is None:
                continue
            figure = FigureChange(
                name + ("" if key == "value" else f".{key}"),
                meta["label"] + suffix,
                meta["unit"],
                va,
                vb,
            )
            if va is None or vb is None or differs(va, vb, meta["unit"]):
                changed.append(figure)
            else:
                same += 1
    qa, qb = a.get("quality", {}), b.get("quality", {})
    for key, label in QUALITY:
        va, vb = qa.get(key), qb.get(key)
        if va is None and vb is None:
            continue
        if va is None or vb is None or differs(va, vb, "count"):
            changed.append(FigureChange(f"quality.{key}", label, "count", va, vb))
        else:
            same += 1
    ia = {i["id"]: i["title"] for i in a.get("insights", [])}
    ib = {i["id"]: i["title"] for i in b.get("insights", [])}
    return RunDiff(
        a=a_id,
        b=b_id,
        a_period=a["period"]["label"],
        b_period=b["period"]["label"],
        changed=tuple(changed),
        same=same,
        appeared=tuple((i, t) for i, t in ib.items() if i not in ia),
        gone=tuple((i, t) for i, t in ia.items() if i not in ib),
    )
