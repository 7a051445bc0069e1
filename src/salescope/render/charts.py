"""Charts as Altair (Vega-Lite) specs, rendered to SVG/PNG by vl-convert (no browser).

Every chart draws from one colour-blind-safe palette (Okabe-Ito): blue for the period's own
figures, orange for forecasts and comparisons, bluish green for gains, vermillion for
losses. Money axes carry short labels (``$1.2M``) and tooltips the full amount; rates and
shares are drawn as percent. Each spec holds its numbers inline (``data.values``), taken
from the report unchanged, so a test can read a chart's figures back.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from pathlib import Path
from typing import Any

import altair as alt
from altair.utils.schemapi import debug_mode

from salescope.model import HEADLINE_KPIS, Kpi, Report
from salescope.narrative.display import display_names, displayed
from salescope.narrative.format import by_unit, kpi_change, pct_change, symbol

# Okabe & Ito (2008), "Color Universal Design": distinguishable with any colour-vision type.
BLUE = "#0072B2"
ORANGE = "#E69F00"
GREEN = "#009E73"
VERMILLION = "#D55E00"
PURPLE = "#CC79A7"
SKY = "#56B4E9"
YELLOW = "#F0E442"
BLACK = "#000000"
GREY = "#8c8c8c"
PALETTE = [BLUE, ORANGE, GREEN, VERMILLION, PURPLE, SKY, YELLOW, BLACK]
FONT = "DejaVu Sans, Helvetica, Arial, sans-serif"
TEXT = "#1f2937"
WIDTH = 640

Chart = alt.Chart | alt.LayerChart | alt.VConcatChart | alt.HConcatChart


# The look of every chart, as Vega-Lite's top-level ``config``.
_CONFIG: dict[str, Any] = {
    "font": FONT,
    "axis": {"labelFontSize": 11, "titleFontSize": 12, "gridColor": "#e5e7eb", "labelColor": TEXT},
    "legend": {"labelFontSize": 11, "titleFontSize": 11, "orient": "top", "labelLimit": 260},
    "title": {"fontSize": 14, "anchor": "start", "color": TEXT},
    "view": {"stroke": None},
    "range": {"category": PALETTE},
}


def _theme(chart: Chart) -> dict[str, Any]:
    """The chart's Vega-Lite spec with the report's look.

    Not checked against the Vega-Lite schema here: that check was three quarters of the
    charts' time; tests/test_charts.py checks every spec the report draws instead.
    """
    spec: dict[str, Any] = chart.to_dict(validate=False)
    config = spec.setdefault("config", {})
    for key, value in _CONFIG.items():
        config[key] = {**config.get(key, {}), **value} if isinstance(value, dict) else value
    return spec


class _Money:
    """Axis and tooltip formats for the report's currency (d3-format).

    d3 writes only ``$`` itself: US dollars get ``$1.2M`` on axes and ``$1,234,568`` in
    tooltips; another known currency plain figures under a title naming its code
    (``Revenue (GBP)``); an unknown one (None) plain figures and no currency anywhere.
    """

    def __init__(self, currency: str | None) -> None:
        code = currency.upper() if currency else None
        usd = code == "USD"
        self.axis = "$.2~s" if usd else ".2~s"  # $1.2M
        self.full = "$,.0f" if usd else ",.0f"  # $1,234,568
        self.title = f"Revenue ({code})" if code and not usd else "Revenue"
        self.symbol = symbol(code)

    def short(self, value: float) -> str:
        """A signed short amount for labels on marks, e.g. ``+$12.3k``."""
        sign = "-" if value < 0 else "+"
        v = abs(value)
        for limit, suffix in ((1e9, "B"), (1e6, "M"), (1e3, "k")):
            if v >= limit:
                return f"{sign}{self.symbol}{v / limit:.1f}{suffix}"
        return f"{sign}{self.symbol}{v:,.0f}"


def _month(d: date) -> str:
    return d.isoformat()


def _add_months(d: date, n: int) -> date:
    k = d.year * 12 + d.month - 1 + n
    return date(k // 12, k % 12 + 1, 1)


X_MONTH = alt.X("month:T", title=None, axis=alt.Axis(format="%b %Y", labelAngle=0, tickCount=8))


PARTIAL = "partial month (data for part of it)"


def monthly_revenue_spec(report: Report) -> dict[str, Any]:
    """Monthly revenue: a line through the full months only, a month the data covers in part
    drawn as a grey point off the line (its lower total is the cut, not a collapse)."""
    money = _Money(report.currency)
    data = [
        {
            "month": _month(p.date),
            "revenue": p.revenue,
            "kind": PARTIAL if p.partial else "full month",
        }
        for p in report.timeseries.points
    ]
    full = [row for row in data if row["kind"] == "full month"]
    y = alt.Y("revenue:Q", title=money.title, axis=alt.Axis(format=money.axis))
    tooltip = [
        alt.Tooltip("month:T", format="%B %Y"),
        alt.Tooltip("revenue:Q", format=money.full),
        alt.Tooltip("kind:N"),
    ]
    line = (
        alt.Chart(alt.Data(values=full))
        .mark_line(color=BLUE, strokeWidth=2.5)
        .encode(x=X_MONTH, y=y, tooltip=tooltip)
    )
    points = (
        alt.Chart(alt.Data(values=data))
        .mark_point(filled=True, size=50)
        .encode(
            x=X_MONTH,
            y=y,
            tooltip=tooltip,
            color=alt.Color(
                "kind:N",
                title=None,
                scale=alt.Scale(domain=["full month", PARTIAL], range=[BLUE, GREY]),
            ),
        )
    )
    chart = line + points
    return _theme(chart.properties(width=WIDTH, height=240, title="Monthly revenue"))


MARK_KINDS = {
    "unusual day: spike": GREEN,
    "unusual day: drop": VERMILLION,
    "unusual day: drop and spike": PURPLE,
}
TREND_SERIES = ("Revenue", "Same month a year earlier", "Forecast")


def revenue_trend_spec(report: Report) -> dict[str, Any] | None:
    """Full months of revenue, the same months a year earlier (dashed), the forecast with
    its interval, and the months holding an unusual day marked."""
    full = [p for p in report.timeseries.points if not p.partial]
    if len(full) < 2:
        return None
    money = _Money(report.currency)
    by_month = {p.date: p.revenue for p in full}
    rows: list[dict[str, Any]] = [
        {"month": _month(p.date), "series": TREND_SERIES[0], "revenue": p.revenue} for p in full
    ]
    for p in full:
        before = _add_months(p.date, -12)
        if before in by_month:
            rows.append(
                {
                    "month": _month(p.date),
                    "series": TREND_SERIES[1],
                    "revenue": by_month[before],
                    "of": before.strftime("%B %Y"),
                }
            )
    band: list[dict[str, Any]] = []
    if report.forecast is not None:
        for f in report.forecast.points:
            rows.append({"month": _month(f.date), "series": TREND_SERIES[2], "revenue": f.value})
            band.append({"month": _month(f.date), "lower": f.lower, "upper": f.upper})
    marks: list[dict[str, Any]] = []
    for month, revenue in by_month.items():
        days = [a for a in report.anomalies if a.date.replace(day=1) == month]
        if days:
            kinds = sorted({a.direction for a in days})
            marks.append(
                {
                    "month": _month(month),
                    "revenue": revenue,
                    "kind": "unusual day: " + " and ".join(kinds),
                    "days": "; ".join(
                        f"{a.date:%d %b} {a.direction} {pct_change(a.change_pct)}" for a in days
                    ),
                }
            )
    y = alt.Y("revenue:Q", title=money.title, axis=alt.Axis(format=money.axis))
    present = [s for s in TREND_SERIES if any(r["series"] == s for r in rows)]
    colours = dict(zip(TREND_SERIES, (BLUE, GREY, ORANGE), strict=True))
    dashes = dict(zip(TREND_SERIES, ([1, 0], [6, 4], [2, 2]), strict=True))
    lines = (
        alt.Chart(alt.Data(values=rows))
        .mark_line(point=alt.OverlayMarkDef(size=30), strokeWidth=2.2)
        .encode(
            x=X_MONTH,
            y=y,
            color=alt.Color(
                "series:N",
                title=None,
                scale=alt.Scale(domain=present, range=[colours[s] for s in present]),
            ),
            strokeDash=alt.StrokeDash(
                "series:N",
                legend=None,
                scale=alt.Scale(domain=present, range=[dashes[s] for s in present]),
            ),
            tooltip=[
                alt.Tooltip("month:T", format="%B %Y"),
                alt.Tooltip("series:N"),
                alt.Tooltip("revenue:Q", format=money.full),
            ],
        )
    )
    layers: list[alt.Chart] = []
    if band:
        layers.append(
            alt.Chart(alt.Data(values=band))
            .mark_area(opacity=0.2, color=ORANGE)
            .encode(x=X_MONTH, y=alt.Y("lower:Q", title=money.title), y2="upper:Q")
        )
    layers.append(lines)
    if marks:
        layers.append(
            alt.Chart(alt.Data(values=marks))
            .mark_point(shape="diamond", size=160, filled=True, opacity=1)
            .encode(
                x=X_MONTH,
                y=y,
                fill=alt.Fill(
                    "kind:N",
                    title=None,
                    scale=alt.Scale(
                        domain=[k for k in MARK_KINDS if any(m["kind"] == k for m in marks)],
                        range=[
                            c for k, c in MARK_KINDS.items() if any(m["kind"] == k for m in marks)
                        ],
                    ),
                ),
                tooltip=[
                    alt.Tooltip("month:T", format="%B %Y"),
                    alt.Tooltip("days:N", title="unusual days"),
                    alt.Tooltip("revenue:Q", format=money.full),
                ],
            )
        )
    title = "Monthly revenue, a year earlier and forecast"
    if report.forecast is not None:
        title += f" ({round(100 * report.forecast.level)}% interval)"
    chart = alt.layer(*layers).resolve_scale(color="independent")
    return _theme(chart.properties(width=WIDTH, height=260, title=title))


def waterfall_steps(report: Report) -> list[dict[str, Any]]:
    """Previous revenue, the steps that move it, current revenue: each step's ``start`` is
    the one before's ``end``. Steps are volume, price and mix when the drivers have them,
    else the largest contributors of one dimension and the rest."""
    d, k = report.drivers, report.kpi("revenue")
    if d is None or k is None or k.value is None or k.previous is None:
        return []
    prev_label = report.period.previous[0] if report.period.previous else "previous"
    moves: list[tuple[str, float]] = []
    if d.volume is not None and d.price is not None and d.mix is not None:
        moves = [("Volume", d.volume), ("Price", d.price), ("Mix", d.mix)]
    else:
        dims = [c.dimension for c in d.contributors]
        if dims:
            dim = "category" if "category" in dims else dims[0]
            members = sorted(
                (c for c in d.contributors if c.dimension == dim),
                key=lambda c: -abs(c.change),
            )[:6]
            moves = [(c.key, c.change) for c in members]
            rest = round(d.revenue_change - sum(c.change for c in members), 2)
            if rest:
                moves.append(("Other", rest))
    if not moves:
        return []
    steps = [
        {"step": f"{prev_label} revenue", "start": 0.0, "end": k.previous, "amount": k.previous,
         "kind": "total"}
    ]  # fmt: skip
    level = k.previous
    for name, amount in moves:
        end = round(level + amount, 2)
        kind = "increase" if amount >= 0 else "decrease"
        steps.append({"step": name, "start": level, "end": end, "amount": amount, "kind": kind})
        level = end
    steps.append(
        {"step": f"{report.period.label} revenue", "start": 0.0, "end": k.value,
         "amount": k.value, "kind": "total"}
    )  # fmt: skip
    return steps


def contributors_waterfall_spec(report: Report) -> dict[str, Any] | None:
    """From the previous period's revenue to this one's, one bar per effect."""
    steps = waterfall_steps(report)
    if not steps:
        return None
    money = _Money(report.currency)
    for i, s in enumerate(steps):
        s["order"] = i
        s["top"] = max(s["start"], s["end"])
        s["label"] = (
            money.short(s["amount"]).lstrip("+")
            if s["kind"] == "total"
            else money.short(s["amount"])
        )
    order = [s["step"] for s in steps]
    x = alt.X("step:N", sort=order, title=None, axis=alt.Axis(labelAngle=0, labelLimit=140))
    lo = min(min(s["start"], s["end"]) for s in steps[1:-1])
    hi = max(s["top"] for s in steps)
    # zoom onto the moves: totals dwarf them, so the axis starts below the lowest level
    floor = max(0.0, lo - 0.6 * (hi - lo)) if hi > lo else 0.0
    base = alt.Chart(alt.Data(values=steps)).encode(x=x)
    bars = base.mark_bar(size=46, clip=True).encode(
        y=alt.Y(
            "start:Q",
            title=money.title,
            # zoomed in, short labels would repeat ($470k, $470k): print them in full
            axis=alt.Axis(format=money.full if floor > 0 else money.axis, tickCount=6),
            scale=alt.Scale(domainMin=floor, zero=False, nice=False),
        ),
        y2="end:Q",
        color=alt.Color(
            "kind:N",
            title=None,
            scale=alt.Scale(
                domain=["total", "increase", "decrease"], range=[BLUE, GREEN, VERMILLION]
            ),
        ),
        tooltip=[
            alt.Tooltip("step:N"),
            alt.Tooltip("amount:Q", format=money.full),
            alt.Tooltip("end:Q", format=money.full, title="running total"),
        ],
    )
    labels = base.mark_text(dy=-8, fontSize=11, color=TEXT).encode(y="top:Q", text="label:N")
    title = "What moved revenue"
    if report.drivers is not None and report.drivers.level and steps[1]["step"] == "Volume":
        title += f" (volume, price and mix over {report.drivers.level}s)"
    subtitle = "The axis starts above zero so the steps show; totals are cut at its base."
    chart = (bars + labels).properties(
        width=WIDTH,
        height=280,
        title=alt.Title(title, subtitle=subtitle if floor > 0 else []),
    )
    return _theme(chart)


def cohort_heatmap_spec(report: Report) -> dict[str, Any] | None:
    """Share of each monthly cohort buying again k months after its first month (k >= 1;
    k = 0 is 100% by definition and left out so the colour scale shows the differences)."""
    c = report.customers
    if c is None or not any(len(h.retention) > 1 for h in c.cohorts):
        return None
    cells: list[dict[str, Any]] = [
        {
            "cohort": f"{h.month:%b %Y} ({h.customers:,})",
            "month": _month(h.month),
            "k": k,
            "retention": r,
            "active": h.active[k],
            "customers": h.customers,
            "label": f"{100 * r:.0f}%",
        }
        for h in c.cohorts
        for k, r in enumerate(h.retention)
        if k >= 1
    ]
    order = [f"{h.month:%b %Y} ({h.customers:,})" for h in c.cohorts]
    top = max(x["retention"] for x in cells) or 1.0
    base = alt.Chart(alt.Data(values=cells)).encode(
        x=alt.X("k:O", title="Months after first purchase", axis=alt.Axis(labelAngle=0)),
        y=alt.Y("cohort:N", sort=order, title="First purchase (customers)"),
    )
    rect = base.mark_rect(stroke="white", strokeWidth=1).encode(
        color=alt.Color(
            "retention:Q",
            title="Bought again",
            scale=alt.Scale(scheme="blues", domain=[0, top]),
            legend=alt.Legend(format=".0%", orient="right"),
        ),
        tooltip=[
            alt.Tooltip("cohort:N", title="cohort"),
            alt.Tooltip("k:O", title="months after"),
            alt.Tooltip("active:Q", format=",", title="customers buying"),
            alt.Tooltip("retention:Q", format=".1%"),
        ],
    )
    text = base.mark_text(fontSize=10).encode(
        text="label:N",
        color=alt.condition(f"datum.retention > {0.55 * top}", alt.value("white"), alt.value(TEXT)),
    )
    chart = (rect + text).properties(
        width=min(WIDTH, 44 * max(x["k"] for x in cells)),
        height=22 * len(order),
        title="Customer retention by first-purchase month",
    )
    return _theme(chart)


def executive_kpis_trend_spec(report: Report) -> dict[str, Any] | None:
    """Monthly revenue and customers by segment (or region) over full months (a month the
    data covers in part would read as a collapse): two panels, one time axis."""
    partial = {p.date for p in report.timeseries.points if p.partial}
    points = tuple(p for p in report.member_series if p.month not in partial)
    if not points:
        return None
    money = _Money(report.currency)
    dimension = points[0].dimension
    keys = list(dict.fromkeys(p.key for p in points))
    colours = [GREY if k == "Other" else PALETTE[i % len(PALETTE)] for i, k in enumerate(keys)]
    data = [
        {
            "month": _month(p.month),
            "key": p.key,
            "revenue": p.revenue,
            "customers": p.customers,
        }
        for p in points
    ]
    color = alt.Color(
        "key:N", title=dimension.replace("_", " ").capitalize(),
        scale=alt.Scale(domain=keys, range=colours),
    )  # fmt: skip
    x = alt.X("month:T", title=None, axis=alt.Axis(format="%b %Y", labelAngle=0, tickCount=8))
    base = alt.Chart(alt.Data(values=data)).mark_line(point=alt.OverlayMarkDef(size=18))
    revenue = base.encode(
        x=x.axis(format="%b %Y", labels=False, ticks=False),
        y=alt.Y("revenue:Q", title=money.title, axis=alt.Axis(format=money.axis)),
        color=color,
        tooltip=[
            alt.Tooltip("month:T", format="%B %Y"),
            alt.Tooltip("key:N", title=dimension),
            alt.Tooltip("revenue:Q", format=money.full),
        ],
    ).properties(width=WIDTH, height=200, title="Revenue")
    panels: list[alt.Chart] = [revenue]
    if any(p.customers is not None for p in points):
        panels.append(
            base.encode(
                x=x,
                y=alt.Y("customers:Q", title="Customers", axis=alt.Axis(format=",.0f")),
                color=color,
                tooltip=[
                    alt.Tooltip("month:T", format="%B %Y"),
                    alt.Tooltip("key:N", title=dimension),
                    alt.Tooltip("customers:Q", format=","),
                ],
            ).properties(width=WIDTH, height=160, title="Customers buying")
        )
    else:
        panels[0] = revenue.encode(x=x)
    chart = alt.vconcat(*panels, spacing=14).resolve_scale(x="shared", color="shared")
    months = len({p.month for p in points})
    title = f"Revenue and customers by {dimension.replace('_', ' ')}, last {months} months"
    return _theme(chart.properties(title=alt.Title(title, fontSize=16, offset=10)))


def headline_tiles(report: Report) -> list[dict[str, Any]]:
    """The dashboard's headline figures: value, previous value and change, as text."""
    tiles = []
    kpis = [
        k for k in (report.kpi(n) for n in HEADLINE_KPIS) if k is not None and k.value is not None
    ]
    prev = report.period.previous[0] if report.period.previous else None
    for i, k in enumerate(kpis):
        tiles.append(
            {
                "name": k.name,
                "label": k.label,
                "value": k.value,
                "previous": k.previous,
                "change_pct": k.change_pct,
                "text": by_unit(k.value, k.unit, report.currency),
                "change": _change_text(k, prev),
                "tone": _tone(k),
                "col": i % 2,
                "row": i // 2,
            }
        )
    return tiles


def _change_text(k: Kpi, previous_label: str | None) -> str:
    if k.change_pct is None or previous_label is None:
        return "no comparison"
    return f"{kpi_change(k.change_pct, k.change_points, k.unit)} vs {previous_label}"


def _tone(k: Kpi) -> str:
    if k.change_pct is None or abs(k.change_pct) < 0.5:
        return "flat"
    up = k.change_pct > 0
    return "better" if up == (k.good_direction == "up") else "worse"


PANEL_W, PANEL_H = 330, 210


def _markets_panel(report: Report, money: _Money) -> Chart | None:
    b = next(
        (b for b in (report.breakdown(r) for r in ("region", "country")) if b and b.rows), None
    )
    if b is None:
        return None
    data = [{"key": m.key, "revenue": m.revenue, "share": m.share} for m in b.rows[:8]]
    # members come largest first; an explicit order keeps the two layers' sorts the same
    order = [m.key for m in b.rows[:8]]
    base = alt.Chart(alt.Data(values=data)).encode(
        y=alt.Y("key:N", sort=order, title=None, axis=alt.Axis(labelLimit=120)),
        x=alt.X(
            "revenue:Q",
            title=money.title,
            axis=alt.Axis(format=money.axis, tickCount=4, labelOverlap="greedy", labelSeparation=8),
        ),
    )
    bars = base.mark_bar(color=BLUE).encode(
        tooltip=[
            alt.Tooltip("key:N", title=b.label),
            alt.Tooltip("revenue:Q", format=money.full),
            alt.Tooltip("share:Q", format=".1%"),
        ]
    )
    text = base.mark_text(align="left", dx=3, fontSize=10, color=TEXT).encode(
        text=alt.Text("share:Q", format=".0%")
    )
    panel: Chart = (bars + text).properties(
        width=PANEL_W, height=PANEL_H, title=f"Top markets ({b.label.lower()})"
    )
    return panel


def _mix_panel(report: Report) -> Chart | None:
    b = report.breakdown("category")
    if b is None or not b.rows:
        return None
    data = [{"key": m.key, "share": m.share, "revenue": m.revenue} for m in b.rows[:8]]
    order = [m.key for m in b.rows[:8]]  # largest first, the same order in both layers
    base = alt.Chart(alt.Data(values=data)).encode(
        y=alt.Y("key:N", sort=order, title=None, axis=alt.Axis(labelLimit=120)),
        x=alt.X("share:Q", title="Share of revenue", axis=alt.Axis(format=".0%", tickCount=4)),
    )
    bars = base.mark_bar(color=ORANGE).encode(
        tooltip=[alt.Tooltip("key:N", title=b.label), alt.Tooltip("share:Q", format=".1%")]
    )
    text = base.mark_text(align="left", dx=3, fontSize=10, color=TEXT).encode(
        text=alt.Text("share:Q", format=".1%")
    )
    panel: Chart = (bars + text).properties(
        width=PANEL_W, height=PANEL_H, title=f"Product mix ({b.label.lower()})"
    )
    return panel


def _orders_panel(report: Report, money: _Money) -> Chart | None:
    bins = report.order_values
    if not bins:
        return None
    width = bins[0].high - bins[0].low
    data: list[dict[str, Any]] = []
    for i, b in enumerate(bins):
        is_open = i == len(bins) - 1 and len(bins) > 1 and b.high - b.low != width
        data.append(
            {
                "low": b.low,
                "high": b.high,
                "draw_high": b.low + width if is_open else b.high,
                "orders": b.orders,
                "revenue": b.revenue,
                "band": f"{money.symbol}{b.low:,.0f} and above" if is_open else "in range",
                "kind": f"{money.symbol}{b.low:,.0f} and above" if is_open else "in range",
            }
        )
    bars = (
        alt.Chart(alt.Data(values=data))
        .mark_bar(stroke="white", strokeWidth=0.5)
        .encode(
            x=alt.X(
                "low:Q",
                title="Order value",
                axis=alt.Axis(format=money.axis, tickCount=5),
                scale=alt.Scale(nice=False),
            ),
            x2="draw_high:Q",
            y=alt.Y("orders:Q", title="Orders", axis=alt.Axis(format=",.0f", tickCount=4)),
            y2=alt.datum(0),
            color=alt.Color(
                "kind:N",
                title=None,
                scale=alt.Scale(
                    domain=list(dict.fromkeys(d["kind"] for d in data)), range=[GREEN, GREY]
                ),
                legend=alt.Legend(orient="top-right"),
            ),
            tooltip=[
                alt.Tooltip("band:N", title="band"),
                alt.Tooltip("low:Q", format=money.full, title="from"),
                alt.Tooltip("high:Q", format=money.full, title="to"),
                alt.Tooltip("orders:Q", format=","),
                alt.Tooltip("revenue:Q", format=money.full),
            ],
        )
    )
    panel: Chart = bars.properties(width=PANEL_W, height=PANEL_H, title="Order values")
    return panel


def _headline_panel(report: Report) -> Chart | None:
    tiles = headline_tiles(report)
    if not tiles:
        return None
    base = alt.Chart(alt.Data(values=tiles)).encode(
        x=alt.X("col:O", axis=None, scale=alt.Scale(paddingOuter=0.2)),
        y=alt.Y("row:O", axis=None, scale=alt.Scale(paddingOuter=0.2)),
    )
    label = base.mark_text(dy=-30, fontSize=12, color="#4b5563").encode(text="label:N")
    value = base.mark_text(fontSize=24, fontWeight="bold", color=TEXT).encode(text="text:N")
    change = base.mark_text(dy=28, fontSize=11).encode(
        text="change:N",
        color=alt.Color(
            "tone:N",
            legend=None,
            scale=alt.Scale(domain=["better", "worse", "flat"], range=[GREEN, VERMILLION, GREY]),
        ),
    )
    title = "Headline figures"
    panel: Chart = (label + value + change).properties(width=PANEL_W, height=PANEL_H, title=title)
    return panel


def business_performance_dashboard_spec(report: Report) -> dict[str, Any] | None:
    """One picture: top markets, product mix, order values and the headline figures."""
    money = _Money(report.currency)
    panels = [
        p
        for p in (
            _headline_panel(report),
            _markets_panel(report, money),
            _mix_panel(report),
            _orders_panel(report, money),
        )
        if p is not None
    ]
    if len(panels) < 2:
        return None
    rows = [
        alt.hconcat(*panels[i : i + 2], spacing=40).resolve_scale(color="independent")
        for i in range(0, len(panels), 2)
    ]
    chart = alt.vconcat(*rows, spacing=30).resolve_scale(color="independent")
    title = alt.Title(f"Business performance, {report.period.label}", fontSize=16, offset=16)
    return _theme(chart.properties(title=title))


def breakdown_spec(report: Report, role: str) -> dict[str, Any] | None:
    b = report.breakdown(role)
    if b is None or not b.rows:
        return None
    money = _Money(report.currency)
    data = [{"key": m.key, "revenue": m.revenue, "share": m.share} for m in b.rows[:12]]
    chart = (
        alt.Chart(alt.Data(values=data))
        .mark_bar(color=BLUE)
        .encode(
            y=alt.Y("key:N", sort="-x", title=None, axis=alt.Axis(labelLimit=220)),
            x=alt.X("revenue:Q", title=money.title, axis=alt.Axis(format=money.axis)),
            tooltip=[
                alt.Tooltip("key:N", title=b.label),
                alt.Tooltip("revenue:Q", format=money.full),
                alt.Tooltip("share:Q", format=".1%"),
            ],
        )
        .properties(
            width=520, height=max(80, 22 * len(data)), title=f"Revenue by {b.label.lower()}"
        )
    )
    return _theme(chart)


def outlook_spec(report: Report) -> dict[str, Any] | None:
    """Full months of revenue, then the forecast with its interval as a band."""
    f = report.forecast
    if f is None or not f.points:
        return None
    money = _Money(report.currency)
    actual = [
        {"month": _month(p.date), "revenue": p.revenue, "kind": "actual"}
        for p in report.timeseries.points
        if not p.partial
    ]
    ahead = [
        {
            "month": _month(p.date),
            "revenue": p.value,
            "lower": p.lower,
            "upper": p.upper,
            "kind": "forecast",
        }
        for p in f.points
    ]
    y = alt.Y("revenue:Q", title=money.title, axis=alt.Axis(format=money.axis))
    band = (
        alt.Chart(alt.Data(values=ahead))
        .mark_area(opacity=0.25, color=ORANGE)
        .encode(x=X_MONTH, y=alt.Y("lower:Q", title=money.title), y2="upper:Q")
    )
    tooltip = [alt.Tooltip("month:T", format="%B %Y"), alt.Tooltip("revenue:Q", format=money.full)]
    lines = (
        alt.Chart(alt.Data(values=actual + ahead))
        .mark_line(point=True, strokeWidth=2)
        .encode(
            x=X_MONTH,
            y=y,
            color=alt.Color(
                "kind:N",
                title=None,
                scale=alt.Scale(domain=["actual", "forecast"], range=[BLUE, ORANGE]),
            ),
            strokeDash=alt.StrokeDash(
                "kind:N",
                legend=None,
                scale=alt.Scale(domain=["actual", "forecast"], range=[[1, 0], [5, 3]]),
            ),
            tooltip=tooltip,
        )
    )
    level = round(100 * f.level)
    chart = (band + lines).properties(
        width=WIDTH, height=240, title=f"Monthly revenue and forecast ({level}% interval)"
    )
    return _theme(chart)


def daily_spec(report: Report) -> dict[str, Any] | None:
    """Daily revenue with the unusual days marked."""
    daily = report.timeseries.daily
    if not daily:
        return None
    money = _Money(report.currency)
    data = [{"day": p.date.isoformat(), "revenue": p.revenue} for p in daily]
    marks = [
        {"day": a.date.isoformat(), "revenue": a.revenue, "kind": a.direction}
        for a in report.anomalies
    ]
    x = alt.X("day:T", title=None, axis=alt.Axis(format="%b %Y", labelAngle=0))
    y = alt.Y("revenue:Q", title="Revenue per day", axis=alt.Axis(format=money.axis))
    line = (
        alt.Chart(alt.Data(values=data))
        .mark_line(color=SKY, strokeWidth=1)
        .encode(
            x=x,
            y=y,
            tooltip=[alt.Tooltip("day:T"), alt.Tooltip("revenue:Q", format=money.full)],
        )
    )
    chart: alt.Chart | alt.LayerChart = line
    if marks:
        points = (
            alt.Chart(alt.Data(values=marks))
            .mark_point(filled=True, size=90)
            .encode(
                x=x,
                y=y,
                color=alt.Color(
                    "kind:N",
                    title="unusual day",
                    scale=alt.Scale(domain=["spike", "drop"], range=[GREEN, VERMILLION]),
                ),
                shape=alt.Shape(
                    "kind:N",
                    title="unusual day",
                    scale=alt.Scale(
                        domain=["spike", "drop"], range=["triangle-up", "triangle-down"]
                    ),
                ),
                tooltip=[
                    alt.Tooltip("day:T"),
                    alt.Tooltip("revenue:Q", format=money.full),
                    alt.Tooltip("kind:N"),
                ],
            )
        )
        chart = line + points
    return _theme(chart.properties(width=WIDTH, height=200, title="Daily revenue"))


def weekday_spec(report: Report) -> dict[str, Any] | None:
    s = report.seasonality
    if s is None or not s.weekly:
        return None
    data = [{"day": day, "index": value} for day, value in s.weekly.items()]
    chart = (
        alt.Chart(alt.Data(values=data))
        .mark_bar(color=BLUE)
        .encode(
            x=alt.X("day:N", sort=list(s.weekly), title=None, axis=alt.Axis(labelAngle=0)),
            y=alt.Y("index:Q", title="Index (1 = average day)"),
            tooltip=[alt.Tooltip("day:N"), alt.Tooltip("index:Q", format=".2f")],
        )
        .properties(width=320, height=180, title="Day-of-week pattern")
    )
    rule = alt.Chart(alt.Data(values=[{"one": 1.0}])).mark_rule(color=GREY).encode(y="one:Q")
    return _theme(chart + rule)


def rfm_spec(report: Report) -> dict[str, Any] | None:
    c = report.customers
    if c is None or not any(s.customers for s in c.rfm):
        return None
    money = _Money(report.currency)
    data = [{"segment": s.segment, "customers": s.customers, "revenue": s.revenue} for s in c.rfm]
    chart = (
        alt.Chart(alt.Data(values=data))
        .mark_bar(color=GREEN)
        .encode(
            y=alt.Y("segment:N", sort=[s.segment for s in c.rfm], title=None),
            x=alt.X("customers:Q", title="Customers"),
            tooltip=[
                alt.Tooltip("segment:N"),
                alt.Tooltip("customers:Q", format=","),
                alt.Tooltip("revenue:Q", format=money.full),
            ],
        )
        .properties(width=420, height=260, title="Customers by RFM segment")
    )
    return _theme(chart)


def channel_roas_spec(report: Report) -> dict[str, Any] | None:
    """Return on ad spend by channel (channels with spend only)."""
    m = report.marketing
    if m is None:
        return None
    money = _Money(report.currency)
    data = [
        {
            "channel": c.channel,
            "roas": c.roas.value,
            "spend": c.spend.value if c.spend else None,
            "revenue": c.revenue.value,
        }
        for c in m.channels
        if c.roas is not None and c.roas.value is not None
    ]
    if not data:
        return None
    chart = (
        alt.Chart(alt.Data(values=data))
        .mark_bar(color=BLUE)
        .encode(
            y=alt.Y("channel:N", sort="-x", title=None, axis=alt.Axis(labelLimit=200)),
            x=alt.X("roas:Q", title="Revenue per unit of spend (ROAS)"),
            tooltip=[
                alt.Tooltip("channel:N"),
                alt.Tooltip("roas:Q", format=".2f", title="ROAS"),
                alt.Tooltip("spend:Q", format=money.full),
                alt.Tooltip("revenue:Q", format=money.full),
            ],
        )
        .properties(width=480, height=max(80, 26 * len(data)), title="Return on ad spend")
    )
    return _theme(chart)


def campaign_uplift_spec(report: Report) -> dict[str, Any] | None:
    """Each campaign's incremental revenue with its interval; zero marked."""
    m = report.marketing
    if m is None or not m.campaigns:
        return None
    money = _Money(report.currency)
    data = [
        {
            "campaign": k.name,
            "incremental": k.incremental_revenue,
            "low": k.interval[0],
            "high": k.interval[1],
            "measurable": "measurable uplift" if k.significant else "interval includes zero",
        }
        for k in m.campaigns
    ]
    y = alt.Y("campaign:N", title=None, sort=None, axis=alt.Axis(labelLimit=220))
    base = alt.Chart(alt.Data(values=data)).encode(y=y)
    bars = base.mark_rule(strokeWidth=3, color="#bdbdbd").encode(
        x=alt.X("low:Q", title="Incremental revenue", axis=alt.Axis(format=money.axis)),
        x2="high:Q",
    )
    points = base.mark_point(filled=True, size=90).encode(
        x="incremental:Q",
        color=alt.Color(
            "measurable:N",
            title=None,
            scale=alt.Scale(
                domain=["measurable uplift", "interval includes zero"], range=[GREEN, GREY]
            ),
        ),
        tooltip=[
            alt.Tooltip("campaign:N"),
            alt.Tooltip("incremental:Q", format=money.full),
            alt.Tooltip("low:Q", format=money.full),
            alt.Tooltip("high:Q", format=money.full),
        ],
    )
    zero = alt.Chart(alt.Data(values=[{"x": 0}])).mark_rule(color=TEXT).encode(x="x:Q")
    chart = (bars + points + zero).properties(
        width=480, height=max(80, 34 * len(data)), title="Campaign incremental revenue"
    )
    return _theme(chart)


def quota_attainment_spec(report: Report) -> dict[str, Any] | None:
    """Reps' quota attainment, the 100% line drawn."""
    t = report.team
    if t is None:
        return None
    data = [
        {
            "rep": r.rep,
            "attainment": r.attainment,
            "status": "at or above quota" if r.attainment >= 1 else "below quota",
        }
        for r in t.reps
        if r.attainment is not None
    ]
    if not data:
        return None
    bars = (
        alt.Chart(alt.Data(values=data))
        .mark_bar()
        .encode(
            y=alt.Y("rep:N", sort="-x", title=None, axis=alt.Axis(labelLimit=200)),
            x=alt.X("attainment:Q", title="Quota attainment", axis=alt.Axis(format="%")),
            color=alt.Color(
                "status:N",
                title=None,
                scale=alt.Scale(domain=["at or above quota", "below quota"], range=[GREEN, ORANGE]),
            ),
            tooltip=[alt.Tooltip("rep:N"), alt.Tooltip("attainment:Q", format=".1%")],
        )
    )
    target = alt.Chart(alt.Data(values=[{"x": 1.0}])).mark_rule(color=TEXT).encode(x="x:Q")
    chart = (bars + target).properties(
        width=480, height=max(80, 24 * len(data)), title="Quota attainment"
    )
    return _theme(chart)


def margin_discount_spec(report: Report) -> dict[str, Any] | None:
    """Monthly gross margin and discount depth."""
    ops = report.operations
    if ops is None or ops.margin is None or not ops.margin.monthly:
        return None
    data = [
        {"month": _month(p.month), "measure": name, "value": value}
        for p in ops.margin.monthly
        for name, value in (("gross margin", p.gross_margin), ("discount", p.discount_rate))
        if value is not None
    ]
    chart = (
        alt.Chart(alt.Data(values=data))
        .mark_line(point=True, strokeWidth=2.5)
        .encode(
            x=X_MONTH,
            y=alt.Y("value:Q", title=None, axis=alt.Axis(format="%")),
            color=alt.Color(
                "measure:N",
                title=None,
                scale=alt.Scale(domain=["gross margin", "discount"], range=[BLUE, ORANGE]),
            ),
            tooltip=[
                alt.Tooltip("month:T", format="%B %Y"),
                alt.Tooltip("measure:N"),
                alt.Tooltip("value:Q", format=".1%"),
            ],
        )
        .properties(width=WIDTH, height=220, title="Gross margin and discount depth by month")
    )
    return _theme(chart)


def chart_specs(report: Report) -> dict[str, dict[str, Any]]:
    """name -> Vega-Lite spec, for every chart the data supports. Names from the data are
    shown as everywhere else (:mod:`salescope.narrative.display`): in axis labels, legends,
    tooltips and the data values behind them, at most ``LABEL_MAX`` characters, clean.

    Altair checks each piece of a chart against the schema as it is made (its "debug
    mode"), which took about a third of this function's time: it is off here, as the
    check of the finished spec is (:func:`_theme`)."""
    with debug_mode(False):
        specs = _specs(report)
    return displayed(specs, display_names(report))


def _specs(report: Report) -> dict[str, dict[str, Any]]:
    specs: dict[str, dict[str, Any]] = {"monthly_revenue": monthly_revenue_spec(report)}
    for name, build in (
        ("revenue_trend", revenue_trend_spec),
        ("contributors_waterfall", contributors_waterfall_spec),
        ("cohort_heatmap", cohort_heatmap_spec),
        ("executive_kpis_trend", executive_kpis_trend_spec),
        ("business_performance_dashboard", business_performance_dashboard_spec),
        ("rfm_segments", rfm_spec),
        ("weekday_pattern", weekday_spec),
        ("daily_revenue", daily_spec),
        ("forecast", outlook_spec),
        ("channel_roas", channel_roas_spec),
        ("campaign_uplift", campaign_uplift_spec),
        ("quota_attainment", quota_attainment_spec),
        ("margin_discount", margin_discount_spec),
    ):
        spec = build(report)
        if spec is not None:
            specs[name] = spec
    for role in ("category", "region", "channel", "product"):
        spec = breakdown_spec(report, role)
        if spec is not None:
            specs[f"revenue_by_{role}"] = spec
    return specs


def write_pngs(
    report: Report,
    folder: Path,
    specs: dict[str, dict[str, Any]] | None = None,
    svgs: Mapping[str, str] | None = None,
) -> list[Path]:
    """Every chart as ``<name>.png``; ``specs`` when the caller has built them already.
    With ``svgs`` (the charts' static SVG, drawn for the page) each PNG is that SVG
    rasterised, the same pixels as drawing the spec again, in a third of the time."""
    import vl_convert as vlc

    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name, spec in (chart_specs(report) if specs is None else specs).items():
        path = folder / f"{name}.png"
        svg = (svgs or {}).get(name)
        png = vlc.svg_to_png(str(svg), scale=2) if svg else vlc.vegalite_to_png(spec, scale=2)
        path.write_bytes(png)
        written.append(path)
    return written
