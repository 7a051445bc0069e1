"""Charts as Altair (Vega-Lite) specs, rendered to SVG/PNG by vl-convert (no browser)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import altair as alt

from salescope.model import Report

PALETTE = ["#2563eb", "#f59e0b", "#10b981", "#ef4444", "#8b5cf6", "#06b6d4", "#84cc16", "#ec4899"]
FONT = "DejaVu Sans, Helvetica, Arial, sans-serif"


def _theme(chart: alt.Chart | alt.LayerChart) -> Any:
    return (
        chart.configure(font=FONT)
        .configure_axis(labelFontSize=11, titleFontSize=12, gridColor="#e5e7eb")
        .configure_view(stroke=None)
        .configure_range(category=PALETTE)
        .to_dict()
    )


def monthly_revenue_spec(report: Report) -> dict[str, Any]:
    data = [
        {
            "month": p.date.isoformat(),
            "revenue": p.revenue,
            "kind": "partial month" if p.partial else "full month",
        }
        for p in report.timeseries.points
    ]
    base = alt.Chart(alt.Data(values=data)).encode(
        x=alt.X("month:T", title=None, axis=alt.Axis(format="%b %Y")),
        y=alt.Y("revenue:Q", title="Revenue", axis=alt.Axis(format="~s")),
        tooltip=[
            alt.Tooltip("month:T", format="%B %Y"),
            alt.Tooltip("revenue:Q", format=",.0f"),
            alt.Tooltip("kind:N"),
        ],
    )
    chart = base.mark_line(color=PALETTE[0], strokeWidth=2.5) + base.mark_point(
        filled=True, size=40
    ).encode(color=alt.Color("kind:N", title=None, scale=alt.Scale(range=[PALETTE[0], "#9ca3af"])))
    return _theme(chart.properties(width=640, height=240, title="Monthly revenue"))  # type: ignore[no-any-return]


def breakdown_spec(report: Report, role: str) -> dict[str, Any] | None:
    b = report.breakdown(role)
    if b is None or not b.rows:
        return None
    data = [{"key": m.key, "revenue": m.revenue} for m in b.rows[:12]]
    chart = (
        alt.Chart(alt.Data(values=data))
        .mark_bar(color=PALETTE[0])
        .encode(
            y=alt.Y("key:N", sort="-x", title=None, axis=alt.Axis(labelLimit=220)),
            x=alt.X("revenue:Q", title="Revenue", axis=alt.Axis(format="~s")),
            tooltip=[alt.Tooltip("key:N", title=b.label), alt.Tooltip("revenue:Q", format=",.0f")],
        )
        .properties(
            width=520, height=max(80, 22 * len(data)), title=f"Revenue by {b.label.lower()}"
        )
    )
    return _theme(chart)  # type: ignore[no-any-return]


def outlook_spec(report: Report) -> dict[str, Any] | None:
    """Full months of revenue, then the forecast with its interval as a band."""
    f = report.forecast
    if f is None or not f.points:
        return None
    actual = [
        {"month": p.date.isoformat(), "revenue": p.revenue, "kind": "actual"}
        for p in report.timeseries.points
        if not p.partial
    ]
    ahead = [
        {
            "month": p.date.isoformat(),
            "revenue": p.value,
            "lower": p.lower,
            "upper": p.upper,
            "kind": "forecast",
        }
        for p in f.points
    ]
    x = alt.X("month:T", title=None, axis=alt.Axis(format="%b %Y"))
    y = alt.Y("revenue:Q", title="Revenue", axis=alt.Axis(format="~s"))
    band = (
        alt.Chart(alt.Data(values=ahead))
        .mark_area(opacity=0.25, color=PALETTE[1])
        .encode(x=x, y=alt.Y("lower:Q", title="Revenue"), y2="upper:Q")
    )
    tooltip = [alt.Tooltip("month:T", format="%B %Y"), alt.Tooltip("revenue:Q", format=",.0f")]
    lines = (
        alt.Chart(alt.Data(values=actual + ahead))
        .mark_line(point=True, strokeWidth=2)
        .encode(
            x=x,
            y=y,
            color=alt.Color("kind:N", title=None, scale=alt.Scale(range=[PALETTE[0], PALETTE[1]])),
            strokeDash=alt.StrokeDash(
                "kind:N", legend=None, scale=alt.Scale(range=[[1, 0], [5, 3]])
            ),
            tooltip=tooltip,
        )
    )
    level = round(100 * f.level)
    chart = (band + lines).properties(
        width=640, height=240, title=f"Monthly revenue and forecast ({level}% interval)"
    )
    return _theme(chart)  # type: ignore[no-any-return]


def daily_spec(report: Report) -> dict[str, Any] | None:
    """Daily revenue with the unusual days marked."""
    daily = report.timeseries.daily
    if not daily:
        return None
    data = [{"day": p.date.isoformat(), "revenue": p.revenue} for p in daily]
    marks = [
        {"day": a.date.isoformat(), "revenue": a.revenue, "kind": a.direction}
        for a in report.anomalies
    ]
    x = alt.X("day:T", title=None, axis=alt.Axis(format="%b %Y"))
    y = alt.Y("revenue:Q", title="Revenue per day", axis=alt.Axis(format="~s"))
    line = (
        alt.Chart(alt.Data(values=data))
        .mark_line(color="#93c5fd", strokeWidth=1)
        .encode(x=x, y=y, tooltip=[alt.Tooltip("day:T"), alt.Tooltip("revenue:Q", format=",.0f")])
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
                    scale=alt.Scale(domain=["spike", "drop"], range=["#047857", "#b91c1c"]),
                ),
                tooltip=[
                    alt.Tooltip("day:T"),
                    alt.Tooltip("revenue:Q", format=",.0f"),
                    alt.Tooltip("kind:N"),
                ],
            )
        )
        chart = line + points
    return _theme(chart.properties(width=640, height=200, title="Daily revenue"))  # type: ignore[no-any-return]


def weekday_spec(report: Report) -> dict[str, Any] | None:
    s = report.seasonality
    if s is None or not s.weekly:
        return None
    data = [{"day": day, "index": value} for day, value in s.weekly.items()]
    chart = (
        alt.Chart(alt.Data(values=data))
        .mark_bar(color=PALETTE[0])
        .encode(
            x=alt.X("day:N", sort=list(s.weekly), title=None),
            y=alt.Y("index:Q", title="Index (1 = average day)"),
            tooltip=[alt.Tooltip("day:N"), alt.Tooltip("index:Q", format=".2f")],
        )
        .properties(width=320, height=180, title="Day-of-week pattern")
    )
    rule = alt.Chart(alt.Data(values=[{"one": 1.0}])).mark_rule(color="#6b7280").encode(y="one:Q")
    return _theme(chart + rule)  # type: ignore[no-any-return]


def rfm_spec(report: Report) -> dict[str, Any] | None:
    c = report.customers
    if c is None or not any(s.customers for s in c.rfm):
        return None
    data = [{"segment": s.segment, "customers": s.customers, "revenue": s.revenue} for s in c.rfm]
    chart = (
        alt.Chart(alt.Data(values=data))
        .mark_bar(color=PALETTE[2])
        .encode(
            y=alt.Y("segment:N", sort=[s.segment for s in c.rfm], title=None),
            x=alt.X("customers:Q", title="Customers"),
            tooltip=[
                alt.Tooltip("segment:N"),
                alt.Tooltip("customers:Q", format=","),
                alt.Tooltip("revenue:Q", format=",.0f"),
            ],
        )
        .properties(width=420, height=260, title="Customers by RFM segment")
    )
    return _theme(chart)  # type: ignore[no-any-return]


def channel_roas_spec(report: Report) -> dict[str, Any] | None:
    """Return on ad spend by channel (channels with spend only)."""
    m = report.marketing
    if m is None:
        return None
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
        .mark_bar(color=PALETTE[0])
        .encode(
            y=alt.Y("channel:N", sort="-x", title=None, axis=alt.Axis(labelLimit=200)),
            x=alt.X("roas:Q", title="Revenue per unit of spend (ROAS)"),
            tooltip=[
                alt.Tooltip("channel:N"),
                alt.Tooltip("roas:Q", format=".2f", title="ROAS"),
                alt.Tooltip("spend:Q", format=",.0f"),
                alt.Tooltip("revenue:Q", format=",.0f"),
            ],
        )
        .properties(width=480, height=max(80, 26 * len(data)), title="Return on ad spend")
    )
    return _theme(chart)  # type: ignore[no-any-return]


def campaign_uplift_spec(report: Report) -> dict[str, Any] | None:
    """Each campaign's incremental revenue with its interval; zero marked."""
    m = report.marketing
    if m is None or not m.campaigns:
        return None
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
    bars = base.mark_rule(strokeWidth=3, color="#9ca3af").encode(
        x=alt.X("low:Q", title="Incremental revenue", axis=alt.Axis(format="~s")), x2="high:Q"
    )
    points = base.mark_point(filled=True, size=90).encode(
        x="incremental:Q",
        color=alt.Color(
            "measurable:N",
            title=None,
            scale=alt.Scale(
                domain=["measurable uplift", "interval includes zero"],
                range=[PALETTE[2], "#6b7280"],
            ),
        ),
        tooltip=[
            alt.Tooltip("campaign:N"),
            alt.Tooltip("incremental:Q", format=",.0f"),
            alt.Tooltip("low:Q", format=",.0f"),
            alt.Tooltip("high:Q", format=",.0f"),
        ],
    )
    zero = alt.Chart(alt.Data(values=[{"x": 0}])).mark_rule(color="#111827").encode(x="x:Q")
    chart = (bars + points + zero).properties(
        width=480, height=max(80, 34 * len(data)), title="Campaign incremental revenue"
    )
    return _theme(chart)  # type: ignore[no-any-return]


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
                scale=alt.Scale(
                    domain=["at or above quota", "below quota"], range=[PALETTE[2], PALETTE[1]]
                ),
            ),
            tooltip=[alt.Tooltip("rep:N"), alt.Tooltip("attainment:Q", format=".1%")],
        )
    )
    target = alt.Chart(alt.Data(values=[{"x": 1.0}])).mark_rule(color="#111827").encode(x="x:Q")
    chart = (bars + target).properties(
        width=480, height=max(80, 24 * len(data)), title="Quota attainment"
    )
    return _theme(chart)  # type: ignore[no-any-return]


def margin_discount_spec(report: Report) -> dict[str, Any] | None:
    """Monthly gross margin and discount depth."""
    ops = report.operations
    if ops is None or ops.margin is None or not ops.margin.monthly:
        return None
    data = [
        {"month": p.month.isoformat(), "measure": name, "value": value}
        for p in ops.margin.monthly
        for name, value in (("gross margin", p.gross_margin), ("discount", p.discount_rate))
        if value is not None
    ]
    chart = (
        alt.Chart(alt.Data(values=data))
        .mark_line(point=True, strokeWidth=2.5)
        .encode(
            x=alt.X("month:T", title=None, axis=alt.Axis(format="%b %Y")),
            y=alt.Y("value:Q", title=None, axis=alt.Axis(format="%")),
            color=alt.Color("measure:N", title=None),
            tooltip=[
                alt.Tooltip("month:T", format="%B %Y"),
                alt.Tooltip("measure:N"),
                alt.Tooltip("value:Q", format=".1%"),
            ],
        )
        .properties(width=640, height=220, title="Gross margin and discount depth by month")
    )
    return _theme(chart)  # type: ignore[no-any-return]


def chart_specs(report: Report) -> dict[str, dict[str, Any]]:
    """name -> Vega-Lite spec, for every chart the data supports."""
    specs: dict[str, dict[str, Any]] = {"monthly_revenue": monthly_revenue_spec(report)}
    for name, build in (
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


def to_svg(spec: dict[str, Any]) -> str:
    import vl_convert as vlc

    return vlc.vegalite_to_svg(spec)  # type: ignore[no-any-return]


def write_pngs(report: Report, folder: Path) -> list[Path]:
    import vl_convert as vlc

    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name, spec in chart_specs(report).items():
        path = folder / f"{name}.png"
        path.write_bytes(vlc.vegalite_to_png(spec, scale=2))
        written.append(path)
    return written
