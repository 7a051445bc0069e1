"""The index of a ``--by`` run: one row per member's report, against the whole.

Every figure is a KPI of a report written beside it (the member's report.json, or the
whole report's), so the index prints nothing that is not in some report.json.
"""

from __future__ import annotations

from dataclasses import dataclass

from markupsafe import escape

from salescope.model import Report
from salescope.narrative import format as fmt
from salescope.render.md import md_escape

# the KPIs compared, in column order
COLUMNS = ("revenue", "orders", "customers", "aov", "gross_margin")


@dataclass(frozen=True)
class MemberReport:
    """One member of the ``--by`` dimension, its report and the folder it is written to."""

    key: str
    folder: str  # relative to the index
    report: Report


def _columns(whole: Report) -> tuple[str, ...]:
    return tuple(c for c in COLUMNS if whole.kpi(c) is not None)


def _cells(report: Report, columns: tuple[str, ...], whole: Report) -> list[str]:
    revenue = report.kpi("revenue")
    total = whole.kpi("revenue")
    cells = []
    for name in columns:
        k = report.kpi(name)
        cells.append(fmt.by_unit(k.value, k.unit, report.currency) if k else "n/a")
        if name == "revenue":
            share = (
                revenue.value / total.value
                if revenue and total and revenue.value is not None and total.value
                else None
            )
            cells.append(fmt.fraction(share))
            cells.append(fmt.pct_change(revenue.change_pct) if revenue else "n/a")
    return cells


def _header(whole: Report, columns: tuple[str, ...]) -> list[str]:
    names = []
    for name in columns:
        k = whole.kpi(name)
        names.append(k.label if k else name)
        if name == "revenue":
            names += ["Share", "Revenue change"]
    return names


def _note(dimension: str, whole: Report, members: list[MemberReport], left_out: int) -> str:
    p = whole.period
    compared = f", compared with {p.previous[0]}" if p.previous and p.previous[3] else ""
    span = "" if p.grain in ("all", "custom") else f" ({p.start:%d %b %Y} to {p.end:%d %b %Y})"
    text = (
        f"{fmt.period_name(p)}{span}{compared}, one report per "
        f"{dimension}, each computed over its own lines: new customers are new to that "
        f"{dimension}."
    )
    if left_out:
        text += f" {fmt.plural(left_out, 'smaller member')} and lines without a {dimension} "
        text += "have no report of their own; they are in the whole."
    return text


def render_index_md(
    dimension: str, whole: Report, members: list[MemberReport], left_out: int = 0
) -> str:
    """A Markdown table of the members' key figures, each linking its report."""
    columns = _columns(whole)
    header = [dimension.capitalize(), *_header(whole, columns)]
    lines = [
        f"# Sales by {dimension}, {fmt.period_name(whole.period)}",
        "",
        _note(dimension, whole, members, left_out),
        "",
        "| " + " | ".join(header) + " |",
        "|---|" + "---:|" * (len(header) - 1),
    ]
    for m in members:
        name = md_escape(fmt.label(m.key))
        link = f"[{name}]({m.folder}/report.md)"
        lines.append("| " + " | ".join([link, *_cells(m.report, columns, whole)]) + " |")
    lines.append("| " + " | ".join(["All", *_cells(whole, columns, whole)]) + " |")
    return "\n".join(lines) + "\n"


def _numbers(cells: list[str]) -> str:
    return "".join(f'<td class="num">{escape(c)}</td>' for c in cells)


def render_index_html(
    dimension: str, whole: Report, members: list[MemberReport], left_out: int = 0
) -> str:
    """The same table as a page; member names are shown as everywhere (clean, at most
    ``LABEL_MAX`` characters) and escaped."""
    columns = _columns(whole)
    header = [dimension.capitalize(), *_header(whole, columns)]
    head = "".join(f"<th>{escape(h)}</th>" for h in header)
    rows = []
    for m in members:
        link = f'<a href="{escape(m.folder)}/report.html">{escape(fmt.label(m.key))}</a>'
        rows.append(f"<tr><td>{link}</td>{_numbers(_cells(m.report, columns, whole))}</tr>")
    total = _numbers(_cells(whole, columns, whole))
    rows.append(f'<tr class="total"><td>All</td>{total}</tr>')
    title = escape(f"Sales by {dimension}, {fmt.period_name(whole.period)}")
    return (
        '<!doctype html>\n<html lang="en"><head><meta charset="utf-8">'
        f"<title>{title}</title><style>"
        "body{font-family:system-ui,sans-serif;margin:2rem;color:#1f2933}"
        "table{border-collapse:collapse}th,td{padding:.35rem .8rem;border-bottom:1px solid #d9e2ec}"
        "th{text-align:left;background:#f0f4f8}td.num{text-align:right;font-variant-numeric:"
        "tabular-nums}tr.total td{font-weight:600}</style></head><body>"
        f"<h1>{title}</h1><p>{escape(_note(dimension, whole, members, left_out))}</p>"
        f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"
        "</body></html>\n"
    )
