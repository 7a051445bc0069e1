"""The optional language-model pass over a report's text (``--llm URL``).

The period report's prose blocks (executive summary, key findings, what drove the change,
each analysis section, insights, conclusion) go to :func:`salescope.narrative.llm.polish`
with the run's facts; a block comes back reworded only when every check passes, else the
template text stays. Tables, figures and department reports are never sent.
"""

from __future__ import annotations

from dataclasses import replace

from salescope.model import LlmOutcome, Report
from salescope.narrative.display import data_strings, display_names
from salescope.narrative.llm import polish
from salescope.narrative.view import View
from salescope.settings import LlmSettings

__all__ = ["data_strings", "period_labels", "polish_view"]


def period_labels(report: Report) -> list[str]:
    p = report.period
    labels = [p.label, p.start.isoformat(), p.end.isoformat()]
    if p.previous:
        labels += [p.previous[0], p.previous[1].isoformat(), p.previous[2].isoformat()]
    if p.yoy:
        labels += [p.yoy[0], p.yoy[1].isoformat(), p.yoy[2].isoformat()]
    return labels + [pace.label for pace in report.pace]


def _blocks(view: View) -> list[tuple[str, str]]:
    blocks = [("summary", view.summary), ("findings", view.findings), ("drivers", view.drivers)]
    blocks += [(f"section.{s.id}", s.lines) for s in view.sections]
    blocks += [("insights", view.insights), ("conclusion", view.conclusion)]
    return [(key, "\n".join(lines)) for key, lines in blocks if lines]


def _lines(text: str) -> tuple[str, ...]:
    return tuple(line.strip() for line in text.split("\n") if line.strip())


def polish_view(view: View, report: Report, settings: LlmSettings) -> tuple[View, LlmOutcome]:
    """``view`` with the accepted rewrites in place, and what the model did."""
    rewritten, outcome = polish(
        _blocks(view),
        report.facts,
        settings.url,
        currency=report.currency,
        allowed=period_labels(report),
        protected=data_strings(report) | set(display_names(report).values()),
        model=settings.model,
        timeout=settings.timeout,
    )
    if not rewritten:
        return view, outcome
    sections = tuple(
        replace(s, lines=_lines(rewritten[f"section.{s.id}"]))
        if f"section.{s.id}" in rewritten
        else s
        for s in view.sections
    )
    changed: dict[str, object] = {"sections": sections}
    for key in ("summary", "findings", "drivers", "insights", "conclusion"):
        if key in rewritten:
            changed[key] = _lines(rewritten[key])
    return replace(view, **changed), outcome  # type: ignore[arg-type]
