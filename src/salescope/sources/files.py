"""Reading every input into one Ibis table: the entry point of the sources stage.

An input is a file, a glob, a directory, an Excel sheet (``book.xlsx#Sheet``) or a
database URL (``sqlite:///shop.db?table=sales``). Each is read by the reader for its
format (CSV/TSV, Excel, JSON lines, Parquet, database; see ``readers``); inputs with the
same columns are stacked, inputs with different columns are joined as a star schema.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import ibis
import ibis.expr.types as ir

from salescope.engine import Engine
from salescope.errors import InputError
from salescope.model import Check
from salescope.settings import DeclaredJoin
from salescope.sources.combine import Group, group_reads, stack
from salescope.sources.database import is_url
from salescope.sources.dataset import Assembled, build_dataset, looks_like_facts
from salescope.sources.readers import read_spec
from salescope.sources.side import KIND_LABELS, detect_kind

log = logging.getLogger("salescope")


@dataclass(frozen=True)
class InputFile:
    """One input as reported in ``run.inputs``: where, its content hash and row count.

    ``rows`` counts every data row read from the input, rejected lines included.
    """

    path: str
    sha256: str
    rows: int


@dataclass(frozen=True)
class Source:
    """The raw table (original column names) and where it came from.

    ``rejects`` holds the lines a reader could not split into the table's columns
    (ragged rows, broken quoting), so they are counted and quarantined rather than
    lost: columns ``_file`` (string), ``_line`` (int64, 1-based line in the file),
    ``_raw`` (string, the line as read) and ``_reason`` (string, e.g. ``ragged_row``).
    It is None when every line was read. ``rows in table + rows in rejects`` is the
    number of data rows read (for a star schema: the fact table's).
    ``notes`` says what the readers decided (encoding, delimiter, sheet, joins ...);
    ``checks`` what they found wrong with lines they kept (bytes not valid UTF-8).
    """

    table: ir.Table
    inputs: tuple[InputFile, ...]
    rejects: ir.Table | None = None
    notes: tuple[str, ...] = ()
    side: tuple[tuple[Group, str], ...] = ()  # side tables and their kind (see sources.side)
    dataset: Assembled | None = None  # tables, joins and each column's origin
    checks: tuple[Check, ...] = ()


def read_inputs(
    engine: Engine,
    specs: list[str],
    side_specs: Sequence[tuple[str, str]] = (),
    joins: Sequence[DeclaredJoin] = (),
    ignore: Sequence[str] = (),
    started: Callable[[Path], None] | None = None,
) -> Source:
    """Read every input; stack inputs with the same columns, join a star schema otherwise.

    Inputs whose columns name a side table (marketing spend, campaigns, quotas,
    inventory) are set aside for the analyses; ``side_specs`` names more of them, with
    their kind, as ``salescope.yml`` does. ``started`` is told of each file before it is
    read (the progress of reading, see :mod:`salescope.progress`).

    >>> source = read_inputs(connect("duckdb"), ["sales.csv"])  # doctest: +SKIP
    >>> source.inputs[0].rows  # doctest: +SKIP
    """
    if not specs:
        raise InputError(
            "no input given", hint="pass one or more files: salescope report sales.csv"
        )
    reads = [read for spec in specs for read in read_spec(engine, spec, started)]
    notes = [note for read in reads for note in read.notes]
    groups = []
    side: list[tuple[Group, str]] = []
    for members in group_reads(reads):
        group, stacked = stack(members)
        notes += stacked
        kind = None if looks_like_facts(group.table) else detect_kind(group.table)
        if kind is None:
            groups.append(group)
        else:
            side.append((group, kind))
            notes.append(f"{group.label} holds {KIND_LABELS[kind]} (a side table)")
    for spec, kind in side_specs:
        for read in read_spec(engine, spec, started):
            side.append((Group((read,), read.table), kind))
            reads.append(read)
            notes.append(f"{read.label} holds {KIND_LABELS[kind]} (named in salescope.yml)")
    if not groups:
        raise InputError(
            "no input looks like sales lines (a date column and an amount, quantity or "
            "price column); only side tables were given: " + ", ".join(g.label for g, _ in side),
            hint="pass the sales export too: salescope report sales.csv marketing_spend.csv",
        )
    whole_db = {r.label for r in reads if is_url(r.label) and "#" in r.label}
    optional = frozenset(g.label for g in groups if all(r.label in whole_db for r in g.reads))
    assembled = build_dataset(groups, joins, ignore, optional)
    fact, table = assembled.fact, assembled.table
    notes += assembled.notes
    for group in groups:
        if group is not fact and group.rejects:
            notes.append(
                f"{group.label}: its rejected lines are left out (a lookup table's lines "
                "are not sales lines)"
            )
    rejects = fact.rejects
    reject_table = ibis.union(*rejects, distinct=False) if len(rejects) > 1 else None
    if len(rejects) == 1:
        reject_table = rejects[0]
    inputs = tuple(InputFile(r.label, r.sha256, r.rows) for r in reads)
    log.info("read %d input(s), %d rows", len(reads), fact.rows)
    for note in notes:
        log.info("%s", note)
    checks = tuple(c for r in reads for c in r.checks)
    return Source(table, inputs, reject_table, tuple(notes), tuple(side), assembled, checks)
