"""Names from the data as the pages, charts and tables show them.

A name (a product, region, channel, rep, campaign, column, file ...) is untrusted text: it
may be a megabyte long or hold characters that turn the text around it backwards (a
right-to-left override). report.json keeps every name as read. Everything a person reads
shows it through :func:`salescope.narrative.format.label`: invisible control and format
characters removed, at most ``LABEL_MAX`` characters. This module makes that one mapping
per report (:func:`display_names`) and applies it to whole objects of text
(:func:`displayed`): a name is replaced where it is a table cell, a chart value or part of
a sentence, so the same member reads the same everywhere; two names that would read the
same get a number (``Widget xxx… (2)``) so charts do not merge them.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping
from typing import Any, TypeVar

from salescope.model import Report
from salescope.narrative.format import LABEL_MAX, TEXT_MAX, clean, label

T = TypeVar("T")


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
            names.update(x for x in (s.product, s.product_name, s.region, s.channel) if x)
    if report.operations is not None:
        names.update(r.key for r in report.operations.returns)
    names.update(i.subject for i in report.insights if i.subject)
    for column in report.quality.mapping.values():
        names.add(column)
    for source in report.run.inputs:
        names.update({source.path, source.path.replace("\\", "/").rsplit("/", 1)[-1]})
    return {n for n in names if n}


def _shown_strings(report: Report) -> Iterable[str]:
    """Every other string from the data a page or chart may show."""
    yield from data_strings(report)
    yield from (p.key for p in report.member_series)
    for a in report.anomalies:
        yield from (e.key for e in a.explained_by)
    if report.marketing is not None:
        yield from (k.channel for k in report.marketing.campaigns if k.channel)
    if report.team is not None:
        yield from (r.team for r in report.team.reps if r.team)
    if report.targets is not None:
        yield from (r.member for r in report.targets.rows if r.member)
    for c in report.quality.checks:
        yield from c.examples
        if c.column:
            yield c.column
    for s in report.quality.side_tables:
        yield s.path
        yield from s.mapping.values()


def display_names(report: Report, limit: int | None = LABEL_MAX) -> dict[str, str]:
    """name -> how it is shown, for every name from the data that is not shown as it is
    (too long, or holding control characters); ``limit`` None keeps the length (the CSV
    tables). Two names that would be shown alike are told apart by a number."""
    names = set(_shown_strings(report))
    changed = sorted(
        (n for n in names if (label(n, limit) if limit else clean(n)) != n),
        key=lambda n: (-len(n), n),
    )
    taken = names.difference(changed)
    out: dict[str, str] = {}
    for name in changed:
        shown = label(name, limit) if limit else clean(name)
        k = 2
        while shown in taken or not shown:
            tag = f" ({k})"
            shown = (label(name, limit - len(tag)) if limit else clean(name)) + tag
            k += 1
        taken.add(shown)
        out[name] = shown
    return out


def shown(text: str, names: Mapping[str, str], limit: int | None = TEXT_MAX) -> str:
    """``text`` with the names in it as they are shown, clean, at most ``limit`` long."""
    if names:
        hit = names.get(text)
        if hit is not None:
            return hit
        for name, short in names.items():  # longest first: a name inside another waits
            if name in text:
                text = text.replace(name, short)
    return clean(text, limit)


def displayed(obj: T, names: Mapping[str, str], limit: int | None = TEXT_MAX) -> T:
    """A copy of ``obj`` (dataclasses, tuples, lists, dicts and strings, as a view or a
    chart spec is made of) with every string passed through :func:`shown`."""
    return _walk(obj, names, limit)  # type: ignore[no-any-return]


def _walk(obj: Any, names: Mapping[str, str], limit: int | None) -> Any:
    if isinstance(obj, str):
        return shown(obj, names, limit)
    if isinstance(obj, tuple | list):
        return type(obj)(_walk(x, names, limit) for x in obj)
    if isinstance(obj, dict):
        return {k: _walk(v, names, limit) for k, v in obj.items()}
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        changes = {
            f.name: _walk(getattr(obj, f.name), names, limit)
            for f in dataclasses.fields(obj)
            if f.init
        }
        return dataclasses.replace(obj, **changes)
    return obj
