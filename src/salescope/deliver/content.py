"""What each channel sends, made from the Report and the written folder.

Every figure is the report's own, formatted as the pages format it (the view of
:mod:`salescope.narrative.view`, :mod:`salescope.narrative.format`); the generic webhook's
numbers are report.json's (:func:`salescope.render.json.report_to_dict`). Names from the
data are untrusted: escaped in HTML and in the Teams card's Markdown, and sent to Slack as
plain text, which it never formats.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from html import unescape
from pathlib import Path
from typing import Any
from urllib.parse import urljoin

from markupsafe import escape

from salescope._version import __version__
from salescope.model import Department, Report
from salescope.narrative import format as fmt
from salescope.narrative.display import display_names, displayed
from salescope.narrative.view import View

TOP_INSIGHTS = 3
SLACK_HEADER_MAX = 150  # characters Slack allows in a header block
KPIS_IN_CHAT = ("revenue", "orders", "customers", "aov")  # the tiles a chat message shows


# what a message points at in the folder, best first
REPORT_FILES = ("report.html", "report.pdf", "report.md", "report.json")


def report_location(out_dir: Path, link: str | None) -> str:
    """Where a reader finds the report: report.html under the published ``link``, else
    the path of the best file ``out_dir`` holds (report.html, else report.pdf ...).

    >>> report_location(Path("/srv/out"), "https://reports.example.com/q3/")
    'https://reports.example.com/q3/report.html'
    """
    if link:
        return link.rstrip("/") + "/report.html"
    name = next((n for n in REPORT_FILES if (out_dir / n).is_file()), REPORT_FILES[0])
    return str(out_dir.resolve() / name)


def period_name(report: Report) -> str:
    """The period as a subject line names it: its label, or its dates for ``all``."""
    p = report.period
    if p.grain == "all":
        return f"{p.start:%d %b %Y} to {p.end:%d %b %Y}"
    return p.label


def revenue_text(report: Report) -> str:
    """Revenue as every page writes it (``$1,234,568``), ``n/a`` without the KPI."""
    k = report.kpi("revenue")
    return fmt.money(k.value if k else None, report.currency)


def subject(template: str, report: Report) -> str:
    """``template`` with ``{period}`` and ``{revenue}`` filled, on one line."""
    text = template.format(period=period_name(report), revenue=revenue_text(report))
    return " ".join(fmt.clean(text).split())


def top_insights(report: Report) -> list[str]:
    """The titles of the report's strongest insights (report.insights is ranked), as the
    pages show them."""
    titles = [i.title for i in report.insights[:TOP_INSIGHTS]]
    return displayed(titles, display_names(report))


def _kpi_line(view: View, name: str) -> tuple[str, str] | None:
    k = next((k for k in view.kpis if k.name == name), None)
    if k is None:
        return None
    change = f" ({k.change} vs previous)" if k.change != "n/a" else ""
    return k.label, k.value + change


# ---- email --------------------------------------------------------------------------


def summary_html(view: View, location: str, *, link: bool, attached: bool) -> str:
    """The executive summary as a mail client shows it: KPI tiles and text in tables with
    inline styles (no ``<style>`` block, no script, no SVG), every string escaped."""
    from salescope.render.html import _env

    return (
        _env()
        .get_template("email.html.j2")
        .render(v=view, location=location, link=link, attached=attached)
    )


def summary_text(view: View, location: str, *, attached: bool) -> str:
    """The plain-text part: the same KPIs, summary and findings."""
    lines = [view.title, view.period_line, ""]
    for k in view.kpis:
        change = f" ({k.change} vs previous)" if k.change != "n/a" else ""
        lines.append(f"{k.label}: {k.value}{change}")
    lines += ["", "Executive summary", *(f"- {s}" for s in view.summary)]
    if view.findings:
        lines += ["", "Key findings", *(f"- {s}" for s in view.findings)]
    lines += ["", ("report.pdf is attached. " if attached else "") + f"Full report: {location}"]
    lines += ["", view.run_line]
    return "\n".join(lines) + "\n"


@dataclass(frozen=True)
class DepartmentPage:
    title: str
    html: str
    text: str


# an href of the page's own (data is escaped: a quote in it is never a literal ")
_RELATIVE_HREF = re.compile(r'href="(?![A-Za-z][A-Za-z0-9+.-]*:|#|/)([^"]*)"')


def absolute_links(page: str, base: str) -> str:
    """``page`` with its relative links (``../report.html``, ``sales.html``) made absolute
    under ``base``: a mail client has no folder to resolve them in.

    >>> absolute_links('<a href="../report.html">', "https://r.example.com/q3/departments/")
    '<a href="https://r.example.com/q3/report.html">'
    """

    def absolute(m: re.Match[str]) -> str:
        return f'href="{escape(urljoin(base, unescape(m[1])))}"'

    return _RELATIVE_HREF.sub(absolute, page)


def department_page(
    report: Report, view: View, out_dir: Path, name: Department, link: str | None = None
) -> DepartmentPage:
    """A department's page as written in ``out_dir/departments`` (HTML and Markdown), or
    made the same way when the folder does not hold it; with the published ``link``, its
    links point there."""
    from salescope.render.departments import (
        department_views,
        render_department_html,
        render_department_md,
    )

    d = department_views(report, view, (name,))[name]
    folder = out_dir / "departments"
    html_file, md_file = folder / f"{name}.html", folder / f"{name}.md"
    html = (
        html_file.read_text(encoding="utf-8") if html_file.is_file() else render_department_html(d)
    )
    text = md_file.read_text(encoding="utf-8") if md_file.is_file() else render_department_md(d)
    if link:
        html = absolute_links(html, link.rstrip("/") + "/departments/")
    return DepartmentPage(d.title, html, text)


# ---- Slack --------------------------------------------------------------------------


def slack_escape(text: str) -> str:
    """Text for Slack's mrkdwn: ``&``, ``<`` and ``>`` escaped, so nothing in it can become
    a link or a ``<!channel>`` mention.

    >>> slack_escape("<!channel> & <http://x|y>")
    '&lt;!channel&gt; &amp; &lt;http://x|y&gt;'
    """
    return fmt.clean(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _plain(text: str) -> dict[str, Any]:
    """A Slack text object that is shown as it is: no formatting, links or mentions."""
    lines = "\n".join(fmt.clean(line) for line in text.split("\n"))
    return {"type": "plain_text", "text": lines, "emoji": False}


def slack_payload(report: Report, view: View, location: str, *, link: bool) -> dict[str, Any]:
    """An incoming-webhook message: ``text`` (the notification line) and ``blocks``; text
    from the data goes in plain-text objects, which Slack never formats."""
    headline = f"{view.title}: revenue {revenue_text(report)}"
    figures = [line for name in KPIS_IN_CHAT if (line := _kpi_line(view, name))]
    insights = top_insights(report)
    blocks: list[dict[str, Any]] = [
        {"type": "header", "text": _plain(fmt.clean(headline, SLACK_HEADER_MAX))},
        {"type": "section", "text": _plain(view.period_line)},
    ]
    if figures:
        blocks.append(
            {"type": "section", "fields": [_plain(f"{label}: {value}") for label, value in figures]}
        )
    if insights:
        text = "Top insights\n" + "\n".join(f"• {t}" for t in insights)
        blocks.append({"type": "section", "text": _plain(text)})
    if link:
        where = f"<{location}|Open the full report>"
    else:  # a code span: a path's underscores are not italics
        where = "Full report: `" + slack_escape(location).replace("`", "'") + "`"
    blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": where}})
    blocks.append({"type": "context", "elements": [_plain(view.run_line)]})
    return {"text": slack_escape(headline), "blocks": blocks}


# ---- Teams --------------------------------------------------------------------------

_CARD_MARKDOWN = re.compile(r"([\\`*_\[\]~])")


def card_escape(text: str) -> str:
    r"""Text for an Adaptive Card TextBlock (a subset of Markdown): the inline marks escaped,
    so a name cannot become a link or change the emphasis (every line of a card opens
    with text of ours, so marks that only count at the start of a line stay as they are).

    >>> card_escape("[x](http://evil) *y*")
    '\\[x\\](http://evil) \\*y\\*'
    """
    return _CARD_MARKDOWN.sub(r"\\\1", fmt.clean(text))


def teams_payload(report: Report, view: View, location: str, *, link: bool) -> dict[str, Any]:
    """An incoming-webhook message holding one Adaptive Card (version 1.4)."""
    figures = [line for name in KPIS_IN_CHAT if (line := _kpi_line(view, name))]
    body: list[dict[str, Any]] = [
        {
            "type": "TextBlock",
            "text": card_escape(view.title),
            "weight": "Bolder",
            "size": "Large",
            "wrap": True,
        },
        {
            "type": "TextBlock",
            "text": card_escape(view.period_line),
            "isSubtle": True,
            "wrap": True,
        },
    ]
    if figures:
        body.append(
            {
                "type": "FactSet",
                "facts": [{"title": label, "value": value} for label, value in figures],
            }
        )
    insights = top_insights(report)
    if insights:
        body.append({"type": "TextBlock", "text": "Top insights", "weight": "Bolder", "wrap": True})
        body += [
            {"type": "TextBlock", "text": f"- {card_escape(t)}", "wrap": True} for t in insights
        ]
    card: dict[str, Any] = {
        "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
        "type": "AdaptiveCard",
        "version": "1.4",
        "body": body,
    }
    if link:
        card["actions"] = [
            {"type": "Action.OpenUrl", "title": "Open the full report", "url": location}
        ]
    else:
        body.append(
            {"type": "TextBlock", "text": f"Full report: {card_escape(location)}", "wrap": True}
        )
    body.append(
        {
            "type": "TextBlock",
            "text": card_escape(view.run_line),
            "isSubtle": True,
            "size": "Small",
            "wrap": True,
        }
    )
    return {
        "type": "message",
        "attachments": [
            {
                "contentType": "application/vnd.microsoft.card.adaptive",
                "contentUrl": None,
                "content": card,
            }
        ],
    }


# ---- generic webhook ----------------------------------------------------------------


def webhook_payload(report: Report, location: str) -> dict[str, Any]:
    """report.json's summary: its own values, taken from the same dict report.json is
    written from."""
    from salescope.render.json import report_to_dict

    data = report_to_dict(report)
    quality = data["quality"]
    return {
        "salescope": __version__,
        "run_id": data["run"]["id"],
        "period": data["period"],
        "currency": data["currency"],
        "kpis": [
            {
                "name": name,
                "label": k["label"],
                "value": k["value"],
                "previous": k["previous"],
                "change_pct": k["change_pct"],
                "unit": k["unit"],
            }
            for name, k in data["kpis"].items()
        ],
        "insights": [i["title"] for i in data["insights"][:TOP_INSIGHTS]],
        "quality": {
            "rows_read": quality["rows_read"],
            "rows_accepted": quality["rows_accepted"],
            "rows_quarantined": quality["rows_quarantined"],
            "score": quality["score"],
        },
        "report": location,
    }
