"""report.json: the machine-readable report (schema_version 1, see resources/)."""

from __future__ import annotations

import json
from dataclasses import asdict, is_dataclass
from datetime import date
from typing import Any

from salescope.model import Report

SCHEMA_VERSION = 1


def _jsonable(value: Any) -> Any:
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    return value


def report_to_dict(report: Report) -> dict[str, Any]:
    """The DESIGN shape of report.json as plain Python values."""
    p = report.period
    q = report.quality
    run = asdict(report.run)
    out: dict[str, Any] = {
        "schema_version": SCHEMA_VERSION,
        "run": run,
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
        "currency": report.currency,  # ISO code from the config or the data; null: unknown
        "quality": {
            "rows_read": q.rows_read,
            "rows_accepted": q.rows_accepted,
            "rows_quarantined": q.rows_quarantined,
            "score": q.score,
            "score_parts": q.score_parts,
            "mapping": q.mapping,
            "assumptions": list(q.assumptions),
            "checks": [asdict(c) for c in q.checks],
            "side_tables": [asdict(t) for t in q.side_tables],
            "line_types": [asdict(t) for t in q.line_types],
            "dataset": q.dataset,
        },
        "kpis": {
            k.name: {
                "value": k.value,
                "previous": k.previous,
                "change_pct": k.change_pct,
                "yoy_value": k.yoy_value,
                "yoy_change_pct": k.yoy_change_pct,
                "unit": k.unit,
                "label": k.label,
                "good_direction": k.good_direction,
                "fact": k.fact,
            }
            for k in report.kpis
        },
        "breakdowns": {b.role: [asdict(m) for m in b.rows] for b in report.breakdowns},
        "breakdown_members": {b.role: b.members for b in report.breakdowns},
        "drivers": _drivers(report),
        "customers": _customers(report),
        "timeseries": {
            "grain": report.timeseries.grain,
            "points": [asdict(pt) for pt in report.timeseries.points],
            "weekly": [asdict(pt) for pt in report.timeseries.weekly],
            "daily": [asdict(pt) for pt in report.timeseries.daily],
        },
        "trend": _trend(report),
        "seasonality": _seasonality(report),
        "anomalies": [asdict(a) for a in report.anomalies],
        "forecast": None if report.forecast is None else asdict(report.forecast),
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
        "insights": [asdict(i) for i in report.insights],
        "recommendations": [asdict(r) for r in report.recommendations],
        "facts": {
            fid: {"value": f.value, "unit": f.unit, "label": f.label}
            for fid, f in sorted(report.facts.items())
        },
    }
    return _jsonable(out)  # type: ignore[no-any-return]


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


def _drivers(report: Report) -> dict[str, Any] | None:
    d = report.drivers
    if d is None:
        return None
    return {
        "revenue_change": d.revenue_change,
        "volume": d.volume,
        "price": d.price,
        "mix": d.mix,
        "level": d.level,
        "threshold": d.threshold,
        "contributors": [asdict(c) for c in d.contributors],
        "concentration": [asdict(c) for c in d.concentration],
    }


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
        "value": None if c.value is None else asdict(c.value),
        "rfm_lookback_days": c.lookback_days,
        "rfm": [asdict(s) for s in c.rfm],
        "rfm_moves": [asdict(m) for m in c.moves],
        "first_data_month": c.first_data_month,
        "cohorts": [asdict(h) for h in c.cohorts],
        "retention": [
            {"months_after": k, "rate": rate} for k, rate in enumerate(c.retention_curve)
        ],
    }


def _trend(report: Report) -> dict[str, Any] | None:
    t = report.trend
    if t is None:
        return None
    out = asdict(t)
    for key in ("best_month", "worst_month"):
        pair = out[key]
        out[key] = None if pair is None else {"month": pair[0], "revenue": pair[1]}
    return out


def _seasonality(report: Report) -> dict[str, Any] | None:
    s = report.seasonality
    if s is None:
        return None
    return {**asdict(s), "strength": s.strength}


def render_json(report: Report) -> str:
    return json.dumps(report_to_dict(report), indent=2, ensure_ascii=False) + "\n"
