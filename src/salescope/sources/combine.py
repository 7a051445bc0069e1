"""Several inputs with the same columns become one table.

Columns are matched by name (case, spaces and punctuation ignored: ``Order Date`` is
``order_date``) and take the first file's names. A column whose type differs between
files is widened: integers and floats to float, anything else to text, so no value is
lost and validation parses it like any text column.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

import ibis
import ibis.expr.datatypes as dt
import ibis.expr.types as ir

from salescope.schema.roles import normalise
from salescope.sources.common import Read

# Which input of a stack a line came from (0, 1, ...): copies across overlapping exports
# are told from copies inside one file by it. Not a column of the data.
FILE_COLUMN = "_salescope_file"


def column_key(name: str) -> str:
    """``'Customer ID'``, ``'customer_id'`` and ``'CustomerID'`` all give ``'customer_id'``."""
    return normalise(re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", name)) or name


def columns_key(table: ir.Table) -> frozenset[str]:
    keys = [column_key(c) for c in table.columns]
    if len(set(keys)) < len(keys):  # two headers normalise alike: keep them apart
        return frozenset(f"={c}" for c in table.columns)
    return frozenset(keys)


@dataclass(frozen=True)
class Group:
    """Inputs with the same columns, stacked; ``label`` names them in notes."""

    reads: tuple[Read, ...]
    table: ir.Table

    @property
    def rows(self) -> int:
        return sum(r.rows for r in self.reads)

    @property
    def label(self) -> str:
        names = [r.label.replace("\\", "/").rsplit("/", 1)[-1] for r in self.reads]
        return names[0] if len(names) == 1 else f"{names[0]} (+{len(names) - 1} more)"

    @property
    def rejects(self) -> list[ir.Table]:
        return [r.rejects for r in self.reads if r.rejects is not None]


def group_reads(reads: Sequence[Read]) -> list[list[Read]]:
    """Inputs grouped by their set of columns, in the order first seen."""
    groups: dict[frozenset[str], list[Read]] = {}
    for read in reads:
        groups.setdefault(columns_key(read.table), []).append(read)
    return list(groups.values())


def _common(types: list[dt.DataType]) -> dt.DataType:
    if all(t == types[0] for t in types):
        return types[0]
    if all(t.is_integer() for t in types):
        return dt.int64
    if all(t.is_numeric() for t in types):
        return dt.float64
    return dt.string


def stack(reads: Sequence[Read]) -> tuple[Group, list[str]]:
    """One table from inputs with the same columns (aligned by name, types widened)."""
    first = reads[0].table
    if len(reads) == 1:
        return Group(tuple(reads), first), []
    names = list(first.columns)
    by_key = [{column_key(c): c for c in r.table.columns} for r in reads]
    exact = all(len(m) == len(names) for m in by_key)
    notes = [f"{len(reads)} inputs with the same columns are read as one table"]
    targets: dict[str, dt.DataType] = {}
    for name in names:
        key = column_key(name)
        sources = [m[key] if exact else name for m in by_key]
        types = [r.table.schema()[s] for r, s in zip(reads, sources, strict=True)]
        targets[name] = _common(types)
        if len(set(types)) > 1:
            kinds = ", ".join(sorted({str(t) for t in types}))
            notes.append(
                f"column {name!r} has different types across inputs ({kinds}): "
                f"read as {targets[name]}"
            )
    parts = []
    for i, (read, mapping) in enumerate(zip(reads, by_key, strict=True)):
        table = read.table
        parts.append(
            table.select(
                **{
                    name: table[mapping[column_key(name)] if exact else name].cast(targets[name])
                    for name in names
                },
                **{FILE_COLUMN: ibis.literal(i, "int32")},
            )
        )
    return Group(tuple(reads), ibis.union(*parts, distinct=False)), notes
