"""Grouped reports: lines listed under a heading row that names their customer.

Accounting packages export "Sales by Customer Detail" (QuickBooks, Xero, Sage) as a
printed report: a title, a header whose first cell is empty, then for each customer a
heading row holding only the customer's name, the customer's lines with that first cell
empty, and a ``Total for <customer>`` row. Read as a plain table, the lines have no
customer and the headings look like broken rows. The readers ask ``find_grouping`` on
the first rows; when the layout is there, ``carry_down`` writes each heading's label into
the first cell of the lines below it and leaves the heading rows out (they are layout,
like the title above the header). Total rows stay: the validation stage sets them aside
as totals.

>>> g = find_grouping(["", "Date", "Num", "Amount"], [
...     ["Ann Lee", "", "", ""], ["", "03/05/2024", "1001", "10.00"],
...     ["Total for Ann Lee", "", "", "10.00"], ["Bo Chen", "", "", ""],
...     ["", "03/06/2024", "1002", "5.00"], ["Total for Bo Chen", "", "", "5.00"],
... ], ["Shop Ltd", "Sales by Customer Detail"])
>>> g.name
'Customer'
>>> rows = [["Ann Lee"], ["", "03/05/2024", "1001"], ["Bo"], ["", "03/06/2024", "1002"]]
>>> [row[0] for row in carry_down(rows, g)]
['Ann Lee', 'Bo']
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field

from salescope.narrative import format as fmt
from salescope.quality.parse import TOTAL_LABEL

# "Sales by Customer Detail", "Sales by Product/Service Summary", "Umsatz nach Kunde"
_BY = re.compile(
    r"\b(?:by|per|nach|par|por)\s+(?P<name>[^\d,;:()]+?)\s*(?:detail|details|summary|report)?\s*$",
    re.IGNORECASE,
)
_TOTAL = re.compile(TOTAL_LABEL.removeprefix("(?i)"), re.IGNORECASE)
MIN_HEADINGS = 2
# share of the non-blank rows below the header that must fit the layout
MIN_FIT = 0.97


@dataclass
class Grouping:
    """The first column holds group headings; ``name`` is what the column is called."""

    name: str
    headings: int = 0  # counted by carry_down
    skipped: int = 0  # label-only rows with no line below them (a footer)
    examples: list[str] = field(default_factory=list)

    def note(self, path_name: str) -> str:
        shown = ", ".join(repr(e) for e in self.examples[:2])
        text = (
            f"{path_name}: a grouped report: {fmt.plural(self.headings, 'heading row')} "
            f"({shown} ...) {'names' if self.headings == 1 else 'name'} "
            f"the lines below them; their label was carried down as column {self.name!r}"
        )
        if self.skipped:
            text += (
                f"; {fmt.plural(self.skipped, 'label-only row')} with no lines below "
                f"{'was' if self.skipped == 1 else 'were'} left out"
            )
        return text


def _blank(cell: str | None) -> bool:
    return cell is None or not str(cell).strip()


def _kind(row: Sequence[str | None]) -> str:
    """``heading``, ``total``, ``line`` or ``other`` for one row below the header."""
    first, rest = (row[0] if row else None), row[1:]
    filled = sum(not _blank(c) for c in rest)
    if not _blank(first) and _TOTAL.search(str(first).strip()):
        return "total"
    if not _blank(first) and filled == 0:
        return "heading"
    if _blank(first) and filled >= 2:
        return "line"
    if _blank(first) and filled == 0:
        return "blank"
    return "other"


def find_grouping(
    header: Sequence[str | None], rows: Sequence[Sequence[str | None]], titles: Iterable[str]
) -> Grouping | None:
    """The grouping of a report whose first column holds headings, or None.

    It needs two headings or more, lines under them, and nearly every row to be a
    heading, a line or a total; the first header cell must be empty or a plain label.
    """
    kinds = [_kind(r) for r in rows]
    kinds = [k for k in kinds if k != "blank"]
    headings, lines = kinds.count("heading"), kinds.count("line")
    if headings < MIN_HEADINGS or lines < headings or not kinds:
        return None
    if (headings + lines + kinds.count("total")) / len(kinds) < MIN_FIT:
        return None
    first = header[0] if header else None
    name = None if _blank(first) else str(first).strip()
    for title in titles:
        found = _BY.search(title.strip())
        if found and name is None:
            name = found.group("name").strip().title()
    return Grouping(name or "Group")


def carry_down(
    rows: Iterable[Sequence[str | None]], grouping: Grouping
) -> Iterator[list[str | None]]:
    """The rows with each heading's label in the first cell of its lines; headings left
    out and counted. A label-only row followed by no line (a footer) is left out too."""
    label: str | None = None
    pending: str | None = None  # a heading not yet followed by a line
    for row in rows:
        kind = _kind(row)
        if kind == "heading":
            if pending is not None:
                grouping.skipped += 1
            pending = str(row[0]).strip()
            continue
        if kind == "line":
            if pending is not None:
                label, pending = pending, None
                grouping.headings += 1
                if len(grouping.examples) < 2:
                    grouping.examples.append(label)
            out = list(row)
            out[0] = label
            yield out
            continue
        yield list(row)
    if pending is not None:
        grouping.skipped += 1
