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


def chart_specs(report: Report) -> dict[str, dict[str, Any]]:
    """name -> Vega-Lite spec, for every chart the data supports."""
    specs: dict[str, dict[str, Any]] = {"monthly_revenue": monthly_revenue_spec(report)}
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
