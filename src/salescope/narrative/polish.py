"""The optional language-model pass over a report's text (``--llm URL``).

The period report's prose blocks (executive summary, key findings, what drove the change,
each analysis section, insights, conclusion) go to :func:`salescope.narrative.llm.polish`
with the run's facts; a block comes back reworded only when every check passes, else the
template text stays. Tables, figures and department reports are never sent.
"""

from __future__ import annotations

from dataclasses import replace

from salescope.model import LlmOutcome, Report
from salescope.narrative.llm import polish
from salescope.narrative.view import View
from salescope.settings import LlmSettings


def data_strings(report: Report) -> set[str]:
    """Names that come from the data (members, channels, campaigns, reps, products, columns,
    files): quoted data for the model, never numbers to check."""
    names: set[str] = set()
    for b in report.breakdowns:
        names.update(m.key for m in b.rows)
    if report.drivers is not None:
        names.update(c.key for c in report.drivers.contributors)
    if report.marketing is not None:
        names.update(c.channel for c in report.marketing.channels)
        names.update(k.name for k in report.marketing.campaigns)
    if report.team is not None:
        names.update(r.rep for r in report.team.reps)
        names.update(t.team for t in report.team.teams)
    if report.inventory is not None:
        for s in report.inventory.stockouts:
            names.update(x for x in (s.product, s.product_name, s.region) if x)
    if report.operations is not None:
        names.update(r.key for r in report.operations.returns)
    names.update(i.subject for i in report.insights if i.subject)
    for column in report.quality.mapping.values():
        names.add(column)
    for source in report.run.inputs:
        names.update({source.path, source.path.replace("\\", "/").rsplit("/", 1)[-1]})
    return {n for n in names if n}


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
        protected=data_strings(report),
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
