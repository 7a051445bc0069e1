"""report.json: the machine-readable report (schema_version 1).

Most sections are a model dataclass as it is (``asdict``); the few the report.json shape
writes differently from the model are declared below as ``TypedDict``s. ``ReportJson``
is the whole shape: ``salescope.report_schema`` generates the published JSON Schema from
it and from the model's types, so the schema is never written by hand.
"""

from __future__ import annotations

import json
from dataclasses import asdict, is_dataclass
from datetime import date
from typing import Any, Literal

from typing_extensions import TypedDict  # pydantic reads it on Python 3.11

from salescope.model import (
    Anomaly,
    Cohort,
    Count,
    CustomerValue,
    Drivers,
    Forecast,
    GoodDirection,
    Insight,
    Inventory,
    Kpi,
    LlmOutcome,
    Marketing,
    Member,
    MemberPoint,
    Operations,
    Pace,
    PeriodGrain,
    Quality,
    Recommendation,
    Report,
    RfmSegment,
    RunInfo,
    Seasonality,
    SegmentMove,
    Share,
    SinceLast,
    Targets,
    Team,
    Text,
    TimeSeries,
    Trend,
    Unit,
    UnusualDays,
    ValueBin,
)

SCHEMA_VERSION = 1


class PeriodSpanJson(TypedDict):
    label: str
    start: date
    end: date


class PreviousPeriodJson(PeriodSpanJson):
    covered: bool  # false: the data starts after it begins, so it is not compared


class PeriodJson(TypedDict):
    label: str
    start: date
    end: date
    grain: PeriodGrain
    previous: PreviousPeriodJson | None
    yoy: PeriodSpanJson | None


class KpiJson(TypedDict):
    value: float | None
    previous: float | None
    change_pct: float | None  # percent; null when previous is 0 or missing
    change_points: float | None  # a rate's change in points, as a fraction; null otherwise
    yoy_value: float | None
    yoy_change_pct: float | None
    yoy_change_points: float | None
    unit: Unit
    label: Text
    good_direction: GoodDirection
    fact: str


class RetentionPointJson(TypedDict):
    months_after: Count
    rate: Share


class CustomersJson(TypedDict):
    new_revenue: float | None
    returning_revenue: float | None
    previous_new_revenue: float | None
    previous_returning_revenue: float | None
    churn_rate: float | None
    top_shares: dict[str, Share]
    value: CustomerValue | None
    rfm_lookback_days: int
    rfm: tuple[RfmSegment, ...]
    rfm_moves: tuple[SegmentMove, ...]
    first_data_month: date | None
    cohorts: tuple[Cohort, ...]
    retention: tuple[RetentionPointJson, ...]


class NarrativeJson(TypedDict):
    llm: LlmOutcome | None


class FactJson(TypedDict):
    value: float | int | str | None
    unit: Text
    label: Text


class ReportJson(TypedDict):
    """report.json, section by section (docs/report-json.md)."""

    schema_version: Literal[1]
    run: RunInfo
    period: PeriodJson
    currency: str | None  # ISO code from the config or the data; null: unknown
    quality: Quality
    kpis: dict[str, KpiJson]
    breakdowns: dict[str, tuple[Member, ...]]  # by role, largest member first
    breakdown_members: dict[str, Count]  # members in all, listed or not
    drivers: Drivers | None
    customers: CustomersJson | None
    timeseries: TimeSeries
    trend: Trend | None
    seasonality: Seasonality | None
    anomalies: tuple[Anomaly, ...]
    unusual_days: UnusualDays | None  # holiday calendar, holidays, order-volume rule
    forecast: Forecast | None
    pace: tuple[Pace, ...]
    marketing: Marketing | None
    team: Team | None
    targets: Targets | None
    inventory: Inventory | None
    operations: Operations | None
    order_values: tuple[ValueBin, ...]
    member_series: tuple[MemberPoint, ...]
    analyses: dict[str, Any]  # results of added passes (salescope.passes), by pass name
    narrative: NarrativeJson
    since_last: SinceLast | None  # against the last report of the same rule (salescope run)
    insights: tuple[Insight, ...]
    recommendations: tuple[Recommendation, ...]
    facts: dict[str, FactJson]


def _jsonable(value: Any) -> Any:
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    return value


def report_to_dict(report: Report) -> dict[str, Any]:
    """The DESIGN shape of report.json (``ReportJson``) as plain Python values."""
    p = report.period
    out: dict[str, Any] = {
        "schema_version": SCHEMA_VERSION,
        "run": asdict(report.run),
        "period": {
            "label": p.label,
            "start": p.start,
            "end": p.end,
            "grain": p.grain,
            "previous": (
                {
                    "label": p.previous[0],
                    "start": p.previous[1],
                    "end": p.previous[2],
                    "covered": p.previous[3],
                }
                if p.previous
                else None
            ),
            "yoy": ({"label": p.yoy[0], "start": p.yoy[1], "end": p.yoy[2]} if p.yoy else None),
        },
        "currency": report.currency,
        "quality": asdict(report.quality),
        "kpis": {k.name: _kpi(k) for k in report.kpis},
        "breakdowns": {b.role: [asdict(m) for m in b.rows] for b in report.breakdowns},
        "breakdown_members": {b.role: b.members for b in report.breakdowns},
        "drivers": _section(report.drivers),
        "customers": _customers(report),
        "timeseries": asdict(report.timeseries),
        "trend": _section(report.trend),
        "seasonality": _section(report.seasonality),
        "anomalies": [asdict(a) for a in report.anomalies],
        "unusual_days": _section(report.unusual_days),
        "forecast": _section(report.forecast),
        "pace": [asdict(p) for p in report.pace],
        "marketing": _section(report.marketing),
        "team": _section(report.team),
        "targets": _section(report.targets),
        "inventory": _section(report.inventory),
        "operations": _section(report.operations),
        "order_values": [asdict(b) for b in report.order_values],
        "member_series": [asdict(m) for m in report.member_series],
        "analyses": {name: _plain(r) for name, r in sorted(report.analyses.items())},
        "narrative": {"llm": _section(report.llm)},
        "since_last": _section(report.since_last),
        "insights": [asdict(i) for i in report.insights],
        "recommendations": [asdict(r) for r in report.recommendations],
        "facts": {
            fid: {"value": f.value, "unit": f.unit, "label": f.label}
            for fid, f in sorted(report.facts.items())
        },
    }
    return _jsonable(out)  # type: ignore[no-any-return]


def _kpi(k: Kpi) -> KpiJson:
    return {
        "value": k.value,
        "previous": k.previous,
        "change_pct": k.change_pct,
        "change_points": k.change_points,
        "yoy_value": k.yoy_value,
        "yoy_change_pct": k.yoy_change_pct,
        "yoy_change_points": k.yoy_change_points,
        "unit": k.unit,
        "label": k.label,
        "good_direction": k.good_direction,
        "fact": k.fact,
    }


def _plain(value: Any) -> Any:
    """A registered pass's result (a dataclass, a tuple of them, or plain values)."""
    if is_dataclass(value) and not isinstance(value, type):
        return asdict(value)
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


def _section(value: Any) -> dict[str, Any] | None:
    """A dataclass section as plain values; None stays None (the data did not allow it)."""
    return None if value is None else asdict(value)


def _customers(report: Report) -> dict[str, Any] | None:
    c = report.customers
    if c is None:
        return None
    return {
        "new_revenue": c.new_revenue,
        "returning_revenue": c.returning_revenue,
        "previous_new_revenue": c.previous_new_revenue,
        "previous_returning_revenue": c.previous_returning_revenue,
        "churn_rate": c.churn_rate,
        "top_shares": c.top_shares,
        "value": _section(c.value),
        "rfm_lookback_days": c.lookback_days,
        "rfm": [asdict(s) for s in c.rfm],
        "rfm_moves": [asdict(m) for m in c.moves],
        "first_data_month": c.first_data_month,
        "cohorts": [asdict(h) for h in c.cohorts],
        "retention": [
            {"months_after": k, "rate": rate} for k, rate in enumerate(c.retention_curve)
        ],
    }


def render_json(report: Report) -> str:
    return json.dumps(report_to_dict(report), indent=2, ensure_ascii=False) + "\n"
