"""The validation stage: build the accepted lines and the quarantine, count everything.

Each raw row gets at most one ``_reason``; rows with a reason go to quarantine,
the rest are accepted, so ``rows_read == rows_accepted + rows_quarantined``
holds by construction (lines a reader could not split arrive as ``rejects``
and are quarantined too). All parsing is expressed in the engine; the stage
costs one full scan of the input, plus a second only when exact duplicate
lines are found.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path
from typing import Any

import ibis
import ibis.expr.types as ir

from salescope.engine import Engine, row_hash
from salescope.errors import EmptyDataError, MappingError
from salescope.lines import Lines
from salescope.model import Check, LineTypeCount, Quality, Severity
from salescope.quality.formats import (
    DateDecision,
    NumberDecision,
    ambiguous_dates,
    currency_in,
    currency_of_codes,
    decide_date,
    decide_number,
    is_currency_header,
    parse_dates,
    parse_number,
)
from salescope.quality.line_types import (
    LINE_TYPES,
    OpenPriced,
    Tests,
    classify,
    holds,
    known_non_merchandise,
    non_merch_tests,
    non_merchandise,
    open_priced,
    status_tests,
    value_sets,
)
from salescope.quality.parse import (
    CANCEL_STATUS,
    RETURN_STATUS,
    RETURN_STATUS_NOT_REFUND,
    TOTAL_LABEL,
    is_empty_cheap,
    is_missing,
    needs_trim,
    to_text,
)
from salescope.quality.score import quality_score
from salescope.schema.decide import decide_roles
from salescope.schema.profile import column_infos, profile_table
from salescope.schema.roles import ColumnInfo, Kind, Mapping, normalise
from salescope.sources.combine import FILE_COLUMN

log = logging.getLogger("salescope")

# Text roles the analyses use (customer_name and city are shown by no analysis yet).
TEXT_ROLES = (
    "order_id",
    "customer_id",
    "segment",
    "product_id",
    "product_name",
    "category",
    "region",
    "country",
    "channel",
    "sales_rep",
    "status",
)
NUMBER_ROLES = ("revenue", "quantity", "unit_price", "discount", "cost", "profit", "refund")
EARLIEST_DATE = date(1990, 1, 1)
HELPER_PREFIX = "_salescope_"
PARSED_PREFIX = HELPER_PREFIX + "number_"  # an amount written as text, parsed once
PARSED_DATE = HELPER_PREFIX + "date"  # the order date written as text, parsed once
WON_STATUS = r"(?i)\bwon\b"
COPY_COLUMN = "_salescope_copy"
FIRST_FILE = "_salescope_first_file"
CSV_FORMULA_START = r"^[=+\-@\t\r]"
PLAIN_NUMBER = r"^[-+]?[0-9][0-9.,]*$"
# revenue that differs from quantity x price x (1 - discount) by more than this share
INCONSISTENT_SHARE = 0.01


@dataclass(frozen=True)
class Validation:
    lines: Lines
    quality: Quality
    mapping: Mapping
    write_quarantine: Callable[[Path], int]
    currency: str | None = None  # named by the amount columns' headers or values
    # columns no role took whose few values make a breakdown: (name on the lines, label)
    dimensions: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class Rule:
    """One quarantine reason: the first rule a row meets is its reason."""

    code: str
    column: str | None
    condition: ir.BooleanValue
    message: str
    severity: Severity = "error"


# An unmapped text column becomes a breakdown of its own when it holds this few values (and
# at least two), is filled on most rows and reads as neither dates nor numbers; at most
# FOUND_MAX of them, in the order of the columns.
FOUND_VALUES = (2, 20)
FOUND_MAX = 4
# header words of columns that hold names, free text, codes or times, never a breakdown
NOT_DIMENSIONS = frozenset(
    (
        "name", "names", "firstname", "lastname", "first", "last", "email", "phone", "address",
        "street", "zip", "postal", "postcode", "code", "id", "ids", "key", "ref", "no",
        "number", "sku", "asin", "message", "description", "desc", "notes", "note", "memo",
        "comment", "url", "link", "date", "time", "day", "week", "month", "quarter", "year",
        "period",
    )
)  # fmt: skip


def _words(header: str) -> list[str]:
    """``Ship-Service Level`` -> ``['ship', 'service', 'level']``; ``cst_gndr`` too."""
    return "".join(ch if ch.isalnum() else " " for ch in header.lower()).split()


def _found_dimensions(
    raw: ir.Table, columns: Sequence[ColumnInfo], mapping: Mapping, taken: set[str]
) -> dict[str, str]:
    """Low-cardinality columns no role took (a marital status from the customer table, a
    payment method): line name -> source column. One query over the candidates."""
    unmapped = set(mapping.unmapped)
    # a runner-up for an id, a product, a category or the date is that, not a breakdown
    near = {
        m.column
        for role in ("order_id", "product_id", "product_name", "category", "order_date")
        for m in mapping.candidates.get(role, ())
    }
    candidates = [
        c
        for c in columns
        if c.name in unmapped
        and c.kind == "string"
        and c.name not in taken
        and c.name not in near
        and not NOT_DIMENSIONS & set(_words(c.name))
        and not c.name.startswith((HELPER_PREFIX, FILE_COLUMN))
        and (c.date_share or 0.0) < 0.5
        and (c.number_share or 0.0) < 0.5
        and (c.filled_share is None or c.filled_share >= 0.5)
    ]
    if not candidates:
        return {}
    counts = (
        raw.aggregate(**{f"n{i}": raw[c.name].nunique() for i, c in enumerate(candidates)})
        .to_pyarrow()
        .to_pylist()[0]
    )
    low, high = FOUND_VALUES
    out: dict[str, str] = {}
    for i, c in enumerate(candidates):
        name = "_".join(_words(c.name))
        if low <= int(counts[f"n{i}"] or 0) <= high and name and name not in taken | set(out):
            out[name] = c.name
        if len(out) == FOUND_MAX:
            break
    return out


def _dimension_columns(
    raw: ir.Table, kinds: dict[str, Kind], wanted: dict[str, str], canonical: dict[str, ir.Value]
) -> dict[str, ir.Value]:
    """The columns of ``dimensions:`` as trimmed text, found by name in any case."""
    by_name = {c.strip().lower(): c for c in raw.columns if not c.startswith(HELPER_PREFIX)}
    out: dict[str, ir.Value] = {}
    for name, column in wanted.items():
        found = by_name.get(column.strip().lower())
        if found is None:
            raise MappingError(
                f"dimensions.{name}: no column {column!r} in the data",
                hint="columns found: " + ", ".join(repr(c) for c in list(by_name.values())[:12]),
            )
        if name in canonical:
            raise MappingError(
                f"dimensions.{name}: {name!r} is a column salescope already reads",
                hint="give the dimension another name, e.g. " + f"{name}_2",
            )
        out[name] = to_text(raw[found], kinds.get(found, "string"))
    return out


def columns_of(table: ir.Table) -> list[ColumnInfo]:
    """The columns with their kinds and what their values look like (from the first
    rows), so role detection can tell a date column from an id. A single table; the
    dataset model gives the columns of joined tables with their origin."""
    return column_infos(profile_table(table))


def _require(mapping: Mapping, columns: list[ColumnInfo]) -> None:
    def candidates(kinds: set[str]) -> str:
        names = [c.name for c in columns if c.kind in kinds]
        return ", ".join(repr(n) for n in names[:6]) or "none"

    if not mapping.has("order_date"):
        typed = candidates({"date", "timestamp"})
        raise MappingError(
            "no date column found; "
            + (
                f"columns with date types: {typed}"
                if typed != "none"
                else "text columns that might hold dates: " + candidates({"string"})
            ),
            hint="map it in salescope.yml, e.g. `mapping: {order_date: <column>}`",
        )
    if not (mapping.has("revenue") or mapping.has("unit_price")):
        raise MappingError(
            "no amount column found (need revenue, or quantity and unit price); columns "
            "holding numbers: "
            + (
                ", ".join(
                    repr(c.name)
                    for c in columns
                    if c.kind in ("integer", "float") or (c.number_share or 0) >= 0.5
                )[:300]
                or "none"
            ),
            hint="map it in salescope.yml, e.g. `mapping: {revenue: <column>}`",
        )


class _Columns:
    """Typed access to the mapped columns of the raw table, with their parse decisions."""

    def __init__(
        self,
        raw: ir.Table,
        mapping: Mapping,
        kinds: dict[str, Kind],
        numbers: dict[str, NumberDecision],
        origins: dict[str, str] | None = None,
        line_types: dict[str, str] | None = None,
    ) -> None:
        self.raw, self.mapping, self.kinds, self.numbers = raw, mapping, kinds, numbers
        self.origins = origins or {}
        self.line_types = line_types or {}

    def origin(self, role: str) -> str:
        return self.origins.get(self.name(role), "fact")

    def name(self, role: str) -> str:
        column = self.mapping.column(role)
        assert column is not None, role
        return column

    def col(self, role: str) -> ir.Value:
        return self.raw[self.name(role)]

    def kind(self, role: str) -> Kind:
        return self.kinds[self.name(role)]

    def order_date(self, decision: DateDecision, engine: Engine) -> ir.DateValue:
        if PARSED_DATE in self.raw.columns:  # parsed once into the stored table
            return self.raw[PARSED_DATE]  # type: ignore[return-value]
        return parse_dates(self.col("order_date"), decision, engine)

    def num(self, role: str) -> ir.FloatingValue:
        stored = PARSED_PREFIX + role
        if stored in self.raw.columns:  # parsed once into the stored table
            return self.raw[stored]  # type: ignore[return-value]
        decision = self.numbers.get(role, NumberDecision(self.name(role)))
        return parse_number(self.col(role), self.kind(role), decision)


def validate(
    raw: ir.Table,
    engine: Engine,
    overrides: dict[str, str | None] | None = None,
    today: date | None = None,
    *,
    rejects: ir.Table | None = None,
    date_format: str | None = None,
    decimal: str | None = None,
    columns: Sequence[ColumnInfo] | None = None,
    person: dict[str, str] | None = None,
    line_types: dict[str, str] | None = None,
    duplicates: str = "keep",
    dimensions: dict[str, str] | None = None,
    rows: int | None = None,
) -> Validation:
    """Map roles, parse values, and split rows into accepted lines and quarantine.

    ``columns`` (with their origin in the dataset model) and ``person`` come from the
    sources stage; without them the table is profiled as a single table. ``dimensions``
    (name -> source column, ``salescope.yml``'s ``dimensions:``) are carried to the lines
    as text under their name. ``rows``, the input's lines when known, says whether the
    validated lines will be stored (:meth:`~salescope.engine.Engine.stores`).
    """
    columns = list(columns) if columns is not None else columns_of(raw)
    wanted = {v for v in (overrides or {}).values() if v is not None}
    missing = sorted(wanted - {c.name for c in columns})
    if missing:
        raise MappingError(
            f"salescope.yml maps column(s) {', '.join(map(repr, missing))} that the input lacks",
            hint="columns found: " + ", ".join(repr(c.name) for c in columns[:12]),
        )
    mapping = decide_roles(raw, columns, overrides, person)
    _require(mapping, columns)
    if mapping.fill:  # columns on an order's first line only: every line takes its order's
        raw = engine.materialize(_filled(raw, mapping))
    kinds: dict[str, Kind] = {c.name: c.kind for c in columns}
    origins: dict[str, str] = {c.name: c.origin for c in columns}
    assumptions: list[str] = [*mapping.notes, *_close_calls(mapping)]

    # Per-column decisions: how dates and amounts written as text are read.
    date_decision = decide_date(
        raw,
        mapping.column("order_date") or "",
        kinds[mapping.column("order_date") or ""],
        engine,
        date_format,
    )
    numbers: dict[str, NumberDecision] = {}
    currencies: list[str] = []
    for role in NUMBER_ROLES:
        column = mapping.column(role)
        if column is None:
            continue
        if (named := currency_in(column)) is not None:
            currencies.append(named)
        if kinds[column] == "string":
            # a discount is a share: 15% reads 0.15 whatever most of its values look like
            decision = decide_number(
                raw, column, kinds[column], decimal, percent=role == "discount"
            )
            numbers[role] = decision
            currencies += [decision.currency] if decision.currency else []
            if decision.note:
                assumptions.append(decision.note)
    if date_decision.note:
        assumptions.append(date_decision.note)
    # Amounts written as text ("1 234,50", "$1,200.00") are parsed once into stored helper
    # columns: the parse is a long expression that every later scan would repeat. So is a
    # date written as text when the validated lines will not be stored: each of the ~40
    # queries of the analyses would parse it over every line to filter on it (4M lines of
    # CSV took 127 s, 2.5x the time with the date parsed once). Stored lines hold the
    # parsed date already; a copy for the few queries of validation would cost memory.
    texts = [r for r in NUMBER_ROLES if (n := mapping.column(r)) and kinds[n] == "string"]
    text_date = date_decision.method == "text" and rows is not None and not engine.stores(rows)
    if texts or text_date:
        text_columns = _Columns(raw, mapping, kinds, numbers)
        helpers = {PARSED_PREFIX + r: text_columns.num(r) for r in texts}
        if text_date:
            helpers[PARSED_DATE] = text_columns.order_date(date_decision, engine)
        raw = engine.materialize(raw.mutate(**helpers))
    coded, mixed = _currency_column(raw, [c for c in columns if c.origin != "lookup"])
    if mixed:
        assumptions.append(mixed)
    c = _Columns(raw, mapping, kinds, numbers, origins, line_types)
    fees, note = _fee_like(c)
    if fees:  # judged by their prices; a line_types: entry in salescope.yml still wins
        line_types = {**{f.key: "non_merchandise" for f in fees}, **(line_types or {})}
        c = _Columns(raw, mapping, kinds, numbers, origins, line_types)
        assumptions.append(note)
    order_date = c.order_date(date_decision, engine)
    amount_roles = (
        ["revenue"]
        if mapping.has("revenue")
        else [r for r in ("quantity", "unit_price") if mapping.has(r)]
    )
    won = mapping.has("status") and _won_pipeline(raw, c.name("status"))  # one query
    latest = today or date.today()
    rules = _rules(c, order_date, date_decision, engine, amount_roles, latest, won)
    reason = ibis.cases(*((r.condition, r.code) for r in rules), else_=ibis.null("string"))
    marked = raw.mutate(_reason=reason)

    optional = [r for r in TEXT_ROLES if mapping.has(r)]
    strings = [r for r in optional if c.kind(r) == "string"]
    stats = _stats(marked, c, order_date, optional, strings)
    untrimmed = [r for r in strings if sum(int(s[f"untrimmed_{r}"] or 0) for s in stats)]
    if untrimmed:  # white-space-only cells are empty too: count those columns exactly
        exact = marked.group_by("_reason").aggregate(
            **{f"null_{r}": is_missing(c.col(r), "string").cast("int64").sum() for r in untrimmed}
        )
        by_reason = {e["_reason"]: e for e in exact.to_pyarrow().to_pylist()}
        for s in stats:
            s.update({k: v for k, v in by_reason[s["_reason"]].items() if k != "_reason"})

    plain = _parsed(c, order_date, optional, untrimmed)
    matched = value_sets(raw, _text_tests(c, plain))  # one scan: see line_types.MAX_VALUES
    parsed = _known_customers(plain, matched)
    canonical, derived_notes = _canonical(c, parsed, stats, matched)
    assumptions += derived_notes

    # Exact copies of a line: suspected in the same scan (count vs distinct row hashes; two
    # lines may share a hash, so the suspicion is then counted exactly). Inside one file
    # they are real (the same product twice in an order) and kept, flagged with the
    # revenue at stake; repeated across stacked files (overlapping exports) they are
    # counted once. Only when a rule must tell a copy from its first line (copies dropped,
    # or repeated across files) does a second pass number them; kept copies are counted,
    # with their revenue, by one aggregate.
    ok = next((s for s in stats if s["_reason"] is None), None)
    copies = int(ok["rows"] - ok.get("distinct_in_file", ok["distinct_rows"])) if ok else 0
    stacked = ok is not None and FILE_COLUMN in raw.columns
    across = int(ok["distinct_in_file"] - ok["distinct_rows"]) if ok and stacked else 0
    copy_revenue = 0.0
    if copies and duplicates == "keep" and not across:
        copies, copy_revenue = _kept_copies(marked, c, stacked)
    elif copies or across:
        names = data_columns(raw)
        stacked_files = [raw[FILE_COLUMN]] if stacked else []
        copy = ibis.row_number().over(group_by=[*(raw[n] for n in names), *stacked_files])
        numbered = raw.mutate(**{COPY_COLUMN: copy})
        files = [FILE_COLUMN] if stacked else []
        if files:
            keys = [numbered[n] for n in (*names, COPY_COLUMN)]
            first = numbered[FILE_COLUMN].min().over(group_by=keys)
            numbered = numbered.mutate(**{FIRST_FILE: first})
        numbered = engine.materialize(numbered)  # the windows run once
        c = _Columns(numbered, mapping, kinds, numbers, origins, line_types)
        order_date = c.order_date(date_decision, engine)
        rules = _rules(c, order_date, date_decision, engine, amount_roles, latest, won)
        if files:
            rules.append(
                Rule(
                    "repeated_across_files",
                    mapping.column("order_id") or c.name("order_date"),
                    numbered[FILE_COLUMN] != numbered[FIRST_FILE],
                    "the same line is in an earlier input too (overlapping exports); counted once",
                )
            )
        if duplicates == "drop":
            rules.append(
                Rule(
                    "duplicate_line",
                    mapping.column("order_id") or c.name("order_date"),
                    numbered[COPY_COLUMN] > 0,
                    "exact copy of an earlier line in the same input (every column equal); "
                    "one copy kept (quality.duplicates: drop)",
                )
            )
        reason = ibis.cases(*((r.condition, r.code) for r in rules), else_=ibis.null("string"))
        marked = engine.materialize(numbered.mutate(_reason=reason))
        raw = marked  # later expressions read the stored table (its _reason is ignored)
        c = _Columns(raw, mapping, kinds, numbers, origins, line_types)
        order_date = c.order_date(date_decision, engine)
        parsed = _known_customers(_parsed(c, order_date, optional, untrimmed), matched)
        canonical, _ = _canonical(c, parsed, stats, matched)
        stats = _stats(marked, c, order_date, optional, strings, exact_nulls=untrimmed)
        reason = marked._reason
        if duplicates == "keep" and copies:
            flag = marked._reason.isnull() & (marked[COPY_COLUMN] > 0)
            row = marked.aggregate(
                n=flag.cast("int64").sum(), revenue=_raw_revenue(c).sum(where=flag)
            )
            found = row.to_pyarrow().to_pylist()[0]
            copies, copy_revenue = int(found["n"] or 0), float(found["revenue"] or 0.0)

    rejected = _reject_counts(rejects)
    rows_read = sum(int(s["rows"]) for s in stats) + sum(rejected.values())
    ok = next((s for s in stats if s["_reason"] is None), None)
    rows_accepted = int(ok["rows"]) if ok else 0
    checks = _checks(rules, stats, marked, rejected)
    if ok:
        checks += _warnings(optional, ok, rows_accepted, c)
    if copies and duplicates == "keep":
        total = sum(abs(float(s["revenue"] or 0.0)) for s in stats)
        checks.append(
            Check(
                "duplicate_line",
                "warning",
                mapping.column("order_id") or c.name("order_date"),
                copies,
                "exact copies of a line inside one input (every column equal) are kept as "
                "real lines (the same product twice in an order); set `quality: {duplicates: "
                "drop}` in salescope.yml if your system of record does not have them",
                revenue_share=round(copy_revenue / total, 6) if total else None,
            )
        )
    if not mapping.has("order_id"):
        assumptions.append("no order id column: each row is counted as one order")
    if mapping.has("refund"):
        assumptions.append(
            f"refunds are the {c.name('refund')!r} column of each sale's row: each becomes a "
            "return line dated with its sale (the export has no refund date)"
        )
    if not mapping.has("customer_id") and mapping.has("customer_name"):
        assumptions.append(
            f"no customer id column: the customer name ({mapping.column('customer_name')!r}) "
            "identifies customers"
        )
    quality = quality_score(
        rows_read=rows_read,
        rows_accepted=rows_accepted,
        stats=stats,
        checks=checks,
        optional=optional,
        mapping=mapping.as_dict(),
        assumptions=assumptions,
    )
    if not ok or rows_accepted == 0:
        top = max(stats, key=lambda s: s["rows"], default=None)
        raise EmptyDataError(
            f"no usable rows: all {rows_read} rows were rejected"
            + (f" (most: {top['_reason']})" if top and top["_reason"] else ""),
            hint="run `salescope validate` to see the reasons, or check the column mapping "
            "with `salescope inspect`",
        )

    # With nothing quarantined the row filter is dropped: every later scan is cheaper.
    base = (
        raw if rows_accepted + sum(rejected.values()) == rows_read else raw.filter(reason.isnull())
    )
    declared = {v.strip().lower() for v in (dimensions or {}).values()}
    found = _found_dimensions(
        raw,
        [c for c in columns if c.name.strip().lower() not in declared],
        mapping,
        set(canonical) | set(dimensions or {}),
    )
    custom = _dimension_columns(raw, kinds, {**(dimensions or {}), **found}, canonical)
    canonical.update(custom)
    accepted = base.select(**canonical)
    if mapping.has("refund"):  # a refund on the sale's own row becomes a return line
        accepted = accepted.union(_refund_lines(c, base, canonical), distinct=False)
    available = set(parsed) | {"revenue", "is_return"}
    available |= {
        k
        for k in ("quantity", "list_amount", "discount_amount", "cost_amount")
        if k in canonical and canonical[k] is not None and _present(c, k)
    }
    if "product" in canonical:
        available.add("product")
    available |= set(custom)
    available.add("line_type")
    accepted = engine.reused(accepted, rows_accepted)
    lines = Lines(accepted, frozenset(available), ok["first"], ok["last"])
    quality = replace(quality, line_types=_line_types(accepted, stats))

    quarantined = marked.filter(marked._reason.notnull())
    nothing_bad = rows_accepted == rows_read

    def write_quarantine(path: Path) -> int:
        # nothing to find: write the header only and skip the scan
        return _write_csv(quarantined.limit(0) if nothing_bad else quarantined, path, rejects)

    currency = max(sorted(set(currencies)), key=currencies.count) if currencies else None
    if coded is not None or mixed:
        currency = coded  # a currency column says it per line: it wins over headers and signs
    return Validation(
        lines,
        quality,
        mapping,
        write_quarantine,
        currency,
        tuple((name, _label(column)) for name, column in found.items()),
    )


def _label(column: str) -> str:
    """``marital_status`` -> ``Marital status``."""
    words = " ".join(column.replace("_", " ").split())
    return words[:1].upper() + words[1:]


def _line_types(accepted: ir.Table, stats: list[dict[str, Any]]) -> tuple[LineTypeCount, ...]:
    """Lines and revenue per line type (one grouped scan), and the cancelled lines."""
    rows = (
        accepted.group_by("line_type")
        .aggregate(lines=accepted.count(), revenue=accepted.revenue.sum())
        .to_pyarrow()
        .to_pylist()
    )
    found = {str(r["line_type"]): r for r in rows}
    out = [
        LineTypeCount(t, int(found[t]["lines"]), round(float(found[t]["revenue"] or 0.0), 2))
        for t in LINE_TYPES
        if t in found
    ]
    cancelled = next((s for s in stats if s["_reason"] == "cancelled"), None)
    if cancelled:
        revenue = round(float(cancelled["revenue"] or 0.0), 2)
        out.append(LineTypeCount("cancelled", int(cancelled["rows"]), revenue))
    return tuple(out)


def _currency_column(raw: ir.Table, columns: list[ColumnInfo]) -> tuple[str | None, str]:
    """The one currency a per-line currency column (``Currency``: ``CAD``, ``eur``) names,
    and a note when it names several (amounts are then shown without a symbol)."""
    for col in columns:
        if col.kind != "string" or not is_currency_header(col.source or col.name):
            continue
        values = raw.select(v=raw[col.name].strip().nullif("")).distinct().limit(20)
        found = [v for v in values.to_pyarrow().column("v").to_pylist() if v]
        code = currency_of_codes(found)
        if code is not None:
            return code, ""
        codes = sorted({str(v).strip().upper() for v in found if len(str(v).strip()) == 3})
        if len(codes) > 1:
            return None, (
                f"{col.name!r} names several currencies ({', '.join(codes[:5])}): amounts are "
                "added as they are and shown without a symbol; report one currency at a time "
                "(e.g. with a filtered export) for totals that mean something"
            )
    return None, ""


def data_columns(table: ir.Table) -> list[str]:
    """The input's own columns: without ``_reason`` and salescope's helper columns."""
    return [n for n in table.columns if n != "_reason" and not n.startswith(HELPER_PREFIX)]


def _close_calls(mapping: Mapping) -> list[str]:
    """Say so when another column was nearly as good a match for a required role."""
    notes = []
    for role in ("order_date", "revenue", "quantity", "unit_price", "customer_id", "order_id"):
        chosen = next((m for m in mapping.matches if m.role == role), None)
        if chosen is None or chosen.confidence == 1.0:
            continue
        rivals = [
            m
            for m in mapping.candidates.get(role, ())
            if m.column != chosen.column and m.confidence >= 0.9 * chosen.confidence
        ]
        if rivals:
            others = ", ".join(repr(m.column) for m in rivals[:3])
            notes.append(
                f"{chosen.column!r} taken as {role.replace('_', ' ')}; {others} also looked like "
                f"one (set `{role}: <column>` under mapping in salescope.yml to choose)"
            )
    return notes


# Words written where the buyer is not known: such lines have no customer, they are not
# all one customer ("Not Specified" is QuickBooks' group of sales receipts without one).
NO_CUSTOMER = tuple(
    spelling
    for word in (
        "not specified",
        "guest",
        "walk-in",
        "walk-in customer",
        "walk in",
        "unknown",
        "n/a",
        "anonymous",
        "cash customer",
        "no customer",
        "-",
    )
    for spelling in {word, word.title(), word.upper(), word.capitalize()}
)


def _parsed(
    c: _Columns, order_date: ir.DateValue, optional: list[str], untrimmed: list[str]
) -> dict[str, ir.Value]:
    """Date and text roles, parsed; a customer name stands in for a missing customer id."""
    parsed: dict[str, ir.Value] = {"order_date": order_date}
    for role in optional:
        parsed[role] = to_text(c.col(role), c.kind(role), clean=role not in untrimmed)
    if "customer_id" not in parsed and c.mapping.has("customer_name"):
        parsed["customer_id"] = to_text(c.col("customer_name"), c.kind("customer_name"))
    return parsed


def _text_tests(c: _Columns, texts: dict[str, ir.Value]) -> Tests:
    """The text tests the validated lines make, by name (answered once per distinct value:
    :func:`salescope.quality.line_types.value_sets`)."""
    tests = non_merch_tests(
        texts.get("product_id"),  # type: ignore[arg-type]
        texts.get("product_name"),  # type: ignore[arg-type]
        c.line_types,
    )
    if "customer_id" in texts:
        tests["no_customer"] = (texts["customer_id"], _no_customer)
    if "status" in texts:
        tests.update(status_tests(texts["status"], _return_words(c.mapping)))  # type: ignore[arg-type]
    return tests


def _known_customers(
    texts: dict[str, ir.Value], found: dict[str, frozenset[str]]
) -> dict[str, ir.Value]:
    """``texts`` with the customer ids that are placeholder words (Guest, N/A) made null."""
    if "customer_id" not in texts:
        return texts
    customer = texts["customer_id"]
    unknown = holds(found, "no_customer", customer, _no_customer)
    return {**texts, "customer_id": ibis.ifelse(unknown, ibis.null("string"), customer)}


def _no_customer(customer: ir.StringValue) -> ir.BooleanValue:
    return customer.isin(NO_CUSTOMER)


def _return_words(m: Mapping) -> str:
    """The status words of a return line (a refunded status is no return when a refund
    amount is stated)."""
    return RETURN_STATUS_NOT_REFUND if _refund_stated(m) else RETURN_STATUS


def _present(c: _Columns, canonical_name: str) -> bool:
    m = c.mapping
    return {
        "quantity": m.has("quantity"),
        "list_amount": m.has("quantity") and m.has("unit_price"),
        "discount_amount": m.has("quantity") and m.has("unit_price") and m.has("discount"),
        "cost_amount": m.has("cost") or (m.has("profit") and not m.has("cost")),
    }[canonical_name]


def _stats(
    marked: ir.Table,
    c: _Columns,
    order_date: ir.DateValue,
    optional: list[str],
    strings: list[str],
    exact_nulls: list[str] | None = None,
) -> list[dict[str, Any]]:
    """One scan for all counts, per reason: rows, distinct rows, the date range, empty
    cells, revenue (what quarantined rows are worth), revenue that disagrees with
    quantity x price, and what parsing must know up front."""
    exact = set(exact_nulls or ())
    row = {f"c{i}": marked[n] for i, n in enumerate(data_columns(marked))}
    aggs: dict[str, ir.Scalar] = {
        "rows": marked.count(),
        "distinct_rows": row_hash(ibis.struct(row)).nunique(),
        "first": order_date.min(),
        "last": order_date.max(),
        **{
            f"null_{r}": (
                is_missing(c.col(r), "string")
                if r in exact
                else is_empty_cheap(c.col(r), c.kind(r))
            )
            .cast("int64")
            .sum()
            for r in optional
        },
        **{f"untrimmed_{r}": needs_trim(c.col(r)).cast("int64").sum() for r in strings},  # type: ignore[arg-type]
        "revenue": _raw_revenue(c).sum(),
    }
    if FILE_COLUMN in marked.columns:  # stacked inputs: copies inside one file vs across
        aggs["distinct_in_file"] = row_hash(ibis.struct(row | {"f": marked[FILE_COLUMN]})).nunique()
    if c.mapping.has("discount"):
        aggs["max_discount"] = c.num("discount").max()
    if all(c.mapping.has(r) for r in ("revenue", "quantity", "unit_price")):
        aggs["inconsistent"] = _inconsistent(c).cast("int64").sum()
    return marked.group_by("_reason").aggregate(**aggs).to_pyarrow().to_pylist()  # type: ignore[no-any-return]


def _kept_copies(marked: ir.Table, c: _Columns, stacked: bool) -> tuple[int, float]:
    """How many accepted lines repeat an earlier line of the same input (every column
    equal), and their revenue: each group of equal lines counts all but its first.

    Exact, where the first scan's count of distinct row hashes is not: two different
    lines may share a hash (:func:`salescope.engine.row_hash`).
    """
    keys = [*data_columns(marked), *([FILE_COLUMN] if stacked else [])]
    revenue, repeats = HELPER_PREFIX + "revenue", HELPER_PREFIX + "repeats"
    accepted = marked.mutate(**{revenue: _raw_revenue(c)}).filter(marked._reason.isnull())
    equal = accepted.group_by(keys).aggregate(
        **{repeats: accepted.count() - 1, revenue: accepted[revenue].max()}
    )
    row = equal.aggregate(n=equal[repeats].sum(), revenue=(equal[repeats] * equal[revenue]).sum())
    found = row.to_pyarrow().to_pylist()[0]
    return int(found["n"] or 0), float(found["revenue"] or 0.0)


def _raw_revenue(c: _Columns) -> ir.FloatingValue:
    """Line revenue before any decision that needs the profile (for the cost of quarantine)."""
    if c.mapping.has("revenue"):
        return c.num("revenue")
    if not c.mapping.has("quantity"):
        return c.num("unit_price")
    return c.num("quantity") * c.num("unit_price")


def _inconsistent(c: _Columns) -> ir.BooleanValue:
    """Revenue that differs from quantity x price (less a discount rate) by more than 1%."""
    expected = c.num("quantity") * c.num("unit_price")
    if c.mapping.has("discount"):
        d = c.num("discount").fill_null(0.0)
        expected = ibis.ifelse(d <= 1, expected * (1 - d), expected - d)
    revenue = c.num("revenue")
    gap = (revenue - expected).abs()
    return (gap > ibis.greatest(revenue.abs() * INCONSISTENT_SHARE, 0.01)).fill_null(False)  # type: ignore[no-any-return]


def _canonical(
    c: _Columns,
    parsed: dict[str, ir.Value],
    stats: list[dict[str, Any]],
    found: dict[str, frozenset[str]],
) -> tuple[dict[str, ir.Value], list[str]]:
    """The canonical line columns (DESIGN's line revenue, returns) and what was assumed;
    ``found`` answers the text tests (:func:`_text_tests`)."""
    notes: list[str] = []
    m = c.mapping
    qty = c.num("quantity") if m.has("quantity") else None
    price = c.num("unit_price") if m.has("unit_price") else None
    list_amount = qty * price if qty is not None and price is not None else None
    line_priced = price is not None and c.name("unit_price") in m.line_priced
    if line_priced:
        list_amount = price  # Amazon's item-price: already the total of the line's units
    discount_amount: ir.FloatingValue | None = None
    if m.has("discount") and list_amount is not None:
        discount_amount = _discount(c, list_amount, stats, notes)
    if qty is None and price is not None and not m.has("revenue"):
        list_amount = price
        notes.append(
            f"no quantity column: each line is one unit at its price ({c.name('unit_price')!r})"
        )
        if m.has("discount"):
            discount_amount = _discount(c, price, stats, notes)
    if m.has("revenue"):
        revenue = c.num("revenue")
    else:
        assert list_amount is not None
        revenue = list_amount - discount_amount if discount_amount is not None else list_amount
        if qty is not None:
            gross = repr(c.name("unit_price")) if line_priced else "quantity x unit price"
            less = " - discount" if discount_amount is not None else ""
            notes.append(f"no revenue column: line revenue = {gross}{less}")

    is_return = revenue < 0
    if qty is not None:
        is_return = is_return | (qty < 0)
    if "status" in parsed:
        status, test = status_tests(parsed["status"], _return_words(m))["status_return"]  # type: ignore[arg-type]
        status_return = holds(found, "status_return", status, test)
        is_return = is_return | status_return
        revenue = ibis.ifelse(status_return & (revenue > 0), -revenue, revenue)
        if qty is not None:
            qty = ibis.ifelse(status_return & (qty > 0), -qty, qty)

    canonical: dict[str, ir.Value] = dict(parsed)
    canonical["revenue"] = revenue
    canonical["quantity"] = qty if qty is not None else ibis.null("float64")
    canonical["list_amount"] = list_amount if list_amount is not None else ibis.null("float64")
    canonical["discount_amount"] = (
        discount_amount if discount_amount is not None else ibis.null("float64")
    )
    if m.has("cost"):
        cost = _cost(c, qty)
        # a return or credit note written with a positive cost gives that cost back
        cost = ibis.ifelse(is_return.fill_null(False) & (cost > 0), -cost, cost)
        canonical["cost_amount"] = cost
    elif m.has("profit"):
        profit = c.num("profit")
        if "status" in parsed:
            profit = ibis.ifelse(status_return & (profit > 0), -profit, profit)
        canonical["cost_amount"] = revenue - profit
        notes.append(f"no cost column: cost = revenue - profit ({c.name('profit')!r})")
    else:
        canonical["cost_amount"] = ibis.null("float64")
    is_return = is_return.fill_null(False)
    canonical["is_return"] = is_return
    code, name = parsed.get("product_id"), parsed.get("product_name")
    non_merch = non_merchandise(code, name, c.line_types, found)  # type: ignore[arg-type]
    canonical["line_type"] = classify(
        is_return,
        non_merch,
        parsed.get("order_id"),  # type: ignore[arg-type]
        parsed.get("status"),  # type: ignore[arg-type]
        found,
    )
    if "order_id" in parsed:  # returns and credit notes are never orders
        canonical["order_id"] = ibis.ifelse(is_return, ibis.null("string"), parsed["order_id"])
    for role in ("product_id", "product_name", "category"):
        if role in parsed:  # postage, fees and adjustments are never products
            canonical[role] = ibis.ifelse(non_merch, ibis.null("string"), parsed[role])
    if code is not None or name is not None:
        canonical["product"] = canonical.get("product_id", canonical.get("product_name"))
    return canonical, notes


def _fee_like(c: _Columns) -> tuple[tuple[OpenPriced, ...], str]:
    """Products sold one unit at a time at a price that moves freely: fees, commissions,
    manual and open-price lines, whatever their code (one grouped scan)."""
    m = c.mapping
    role = next((r for r in ("product_id", "product_name") if m.has(r)), None)
    if role is None or not m.has("quantity") or not (m.has("unit_price") or m.has("revenue")):
        return (), ""
    qty = c.num("quantity")
    if m.has("unit_price"):
        price = c.num("unit_price")
    else:
        price = c.num("revenue") / ibis.ifelse(qty == 0, ibis.null("float64"), qty)
    name = c.col("product_name") if role == "product_id" and m.has("product_name") else None
    found = open_priced(c.raw, c.col(role), qty, price, name)
    known = {k.strip().lower() for k in c.line_types}  # salescope.yml decides those
    fees = tuple(
        f
        for f in found
        if f.key.lower() not in known
        and (f.name is None or f.name.strip().lower() not in known)
        and not known_non_merchandise(f.key if role == "product_id" else None, f.name or f.key)
    )
    if not fees:
        return (), ""
    listed = ", ".join(f"{f.key!r} ({f.lines} lines, {f.low:,.2f} to {f.high:,.2f})" for f in fees)
    note = (
        f"{listed} {'is' if len(fees) == 1 else 'are'} sold one unit at a time at prices "
        "that differ from line to line: read as non-merchandise (fees, charges, "
        f"adjustments); if goods, set `line_types: {{{fees[0].key!r}: sale}}` in salescope.yml"
    )
    return fees, note


def _refund_stated(m: Mapping) -> bool:
    """A refund amount column exists (per line or per order): a "refunded" status then only
    says there is a refund, and the line stays a sale."""
    return m.has("refund") or any(r.column in m.order_level for r in m.candidates.get("refund", ()))


def _refund_lines(c: _Columns, base: ir.Table, canonical: dict[str, ir.Value]) -> ir.Table:
    """One return line per sale with a refund: minus the refund, no units, no order."""
    refund = c.num("refund")
    back = dict(canonical)
    back["revenue"] = -refund
    back["quantity"] = ibis.literal(0.0) if c.mapping.has("quantity") else ibis.null("float64")
    for name in ("list_amount", "discount_amount", "cost_amount"):
        back[name] = ibis.null("float64")
    back["is_return"] = ibis.literal(True)
    back["line_type"] = ibis.literal("return")
    if "order_id" in back:
        back["order_id"] = ibis.null("string")
    return base.filter((refund > 0).fill_null(False)).select(**back)


def _filled(raw: ir.Table, mapping: Mapping) -> ir.Table:
    """Every line takes its order's value of the columns written on its first line only."""
    order = raw[mapping.column("order_id")]
    filled = {}
    for name in mapping.fill:
        col = raw[name]
        empty = col.isnull() | (col.strip() == "") if col.type().is_string() else col.isnull()
        from_order = col.max(where=~empty).over(group_by=order)
        filled[name] = ibis.ifelse(empty, from_order, col)
    return raw.mutate(**filled)


def _rules(
    c: _Columns,
    order_date: ir.DateValue,
    decision: DateDecision,
    engine: Engine,
    amount_roles: list[str],
    latest: date,
    won_pipeline: bool = False,
) -> list[Rule]:
    """The quarantine rules, in the order they are tried. First match wins.

    ``won_pipeline``: the status column says 'won' somewhere (a CRM pipeline), so lines
    not won are not sales."""
    m = c.mapping
    date_col = c.name("order_date")
    rules: list[Rule] = []
    # A header line repeated inside the data (files concatenated with their headers).
    header_cells = [
        c.col(role).cast("string").strip().lower() == c.name(role).strip().lower()
        for role in ("order_date", *amount_roles)
        if c.kind(role) == "string"
    ]
    if header_cells:
        rules.append(
            Rule(
                "repeated_header",
                date_col,
                _any(header_cells),
                "a repeated header line inside the data",
                severity="info",
            )
        )
    # Totals and subtotals rows written by spreadsheets and reporting tools. They lack a
    # date or an id; the label test (a regex, the costly part) runs only on those rows.
    label_roles = [
        role
        for role in (
            "order_id",
            "customer_id",
            "product_id",
            "product_name",
            "category",
            "region",
            "order_date",
        )
        if m.has(role) and c.kind(role) == "string"
    ]
    # the check names the leftmost of them: where reports write "Total" (the column order)
    label_roles.sort(key=lambda role: c.raw.columns.index(c.name(role)))
    labels = [
        c.col(role).cast("string").re_search(TOTAL_LABEL).fill_null(False) for role in label_roles
    ]
    incomplete = [
        is_missing(c.col("order_date"), c.kind("order_date")),
        order_date.isnull(),
        *(
            is_empty_cheap(c.col(r), c.kind(r))
            for r in ("order_id", "product_id", "quantity")
            if m.has(r)
        ),
    ]
    if labels:
        rules.append(
            Rule(
                "total_row",
                c.name(label_roles[0]),
                _any(incomplete) & _any(labels),
                "a totals or subtotal row, not a sale",
                severity="info",
            )
        )
    # Lines that are no sale come first: a cancelled order written with blank amounts
    # (Amazon) or an open deal without one (a CRM) is cancelled or not won, not a bad row.
    if m.has("status"):
        status = c.col("status").cast("string")
        cancelled = status.re_search(CANCEL_STATUS).fill_null(False)
        for other in _line_statuses(c):
            cancelled = cancelled | c.raw[other].cast("string").re_search(CANCEL_STATUS).fill_null(
                False
            )
        rules.append(
            Rule(
                "cancelled",
                c.name("status"),
                cancelled,
                "the order or line was cancelled or voided, or its payment failed: not a sale",
                severity="info",
            )
        )
        if won_pipeline:
            rules.append(
                Rule(
                    "not_won",
                    c.name("status"),
                    ~status.re_search(WON_STATUS).fill_null(False),
                    "an opportunity that is not won (open or lost): not a sale",
                    severity="info",
                )
            )
    rules += [
        Rule(
            "missing_date",
            date_col,
            is_missing(c.col("order_date"), c.kind("order_date")),
            "order date is empty",
        ),
        Rule(
            "ambiguous_date",
            date_col,
            ambiguous_dates(c.col("order_date"), decision, engine),
            "order date reads both month-first and day-first in a column that mixes the two",
        ),
        Rule(
            "unparseable_date",
            date_col,
            order_date.isnull(),
            "order date could not be read as a date",
        ),
        Rule(
            "date_out_of_range",
            date_col,
            (order_date < EARLIEST_DATE) | (order_date > latest),  # type: ignore[operator]
            f"order date before {EARLIEST_DATE} or after {latest}",
        ),
    ]
    for role in amount_roles:
        label = role.replace("_", " ")
        rules.append(
            Rule(
                f"missing_{role}",
                c.name(role),
                is_missing(c.col(role), c.kind(role)),
                f"{label} is empty",
            )
        )
        rules.append(
            Rule(
                f"unparseable_{role}",
                c.name(role),
                c.num(role).isnull(),
                f"{label} could not be read as a number",
            )
        )
    # Every other amount written as text (a discount, a cost, a price beside the revenue):
    # it may be empty, but text that is not an amount is never read as one.
    for role in NUMBER_ROLES:
        if role in amount_roles or not m.has(role) or c.kind(role) != "string":
            continue
        rules.append(
            Rule(
                f"unparseable_{role}",
                c.name(role),
                c.num(role).isnull() & ~is_missing(c.col(role), "string"),  # stored: cheap first
                f"{role.replace('_', ' ')} could not be read as a number",
            )
        )
    if m.has("unit_price"):
        price = c.num("unit_price")
        rules.append(
            Rule(
                "nonpositive_price",
                c.name("unit_price"),
                (price <= 0).fill_null(False),
                "unit price is zero or negative",
            )
        )
    return rules


def _line_statuses(c: _Columns) -> list[str]:
    """Other status columns of the lines that can cancel one (Amazon's ``item-status``
    beside ``order-status``): text columns of the fact table named a status."""
    chosen = c.name("status")
    return [
        m.column
        for m in c.mapping.candidates.get("status", ())
        if m.column != chosen
        and c.kinds.get(m.column) == "string"
        and c.origins.get(m.column, "fact") == "fact"
        and "status" in normalise(m.column).split("_")
    ]


def _won_pipeline(raw: ir.Table, column: str) -> bool:
    """A CRM pipeline export: some stages say 'won'; only those lines are sales."""
    hits = raw.limit(100_000)[column].cast("string").re_search(WON_STATUS).fill_null(False)
    return bool(hits.any().to_pyarrow().as_py())


def _any(conditions: list[ir.BooleanValue]) -> ir.BooleanValue:
    out = conditions[0]
    for cond in conditions[1:]:
        out = out | cond
    return out.fill_null(False)  # type: ignore[no-any-return]


def _discount(
    c: _Columns, list_amount: ir.FloatingValue, stats: list[dict[str, Any]], notes: list[str]
) -> ir.FloatingValue:
    """The discount of a line in money: a column with values above 1 holds amounts."""
    disc = c.num("discount").fill_null(0.0)
    highs = [float(s["max_discount"]) for s in stats if s.get("max_discount") is not None]
    if _percent_header(c.name("discount")):
        if highs and max(highs) > 1:
            notes.append(
                f"discount column {c.name('discount')!r} holds percentages (read 10 as 10%)"
            )
            return list_amount * disc / 100
        return list_amount * disc
    if highs and max(highs) > 1:
        notes.append(f"discount column {c.name('discount')!r} holds amounts (values above 1)")
        return disc
    return list_amount * disc


PER_UNIT_WORDS = frozenset(
    {"unit", "each", "per", "price", "prix", "preis", "precio", "prezzo", "preco", "stueck"}
)
PERCENT_WORDS = frozenset(
    {"pct", "percent", "percentage", "rate", "taux", "pourcentage", "prozent", "porcentaje"}
)


def _percent_header(header: str) -> bool:
    """A discount named as a share: ``Remise %``, ``discount_pct``, ``Rabatt in Prozent``."""
    return "%" in header or bool(set(normalise(header).split("_")) & PERCENT_WORDS)


def _cost(c: _Columns, qty: ir.FloatingValue | None) -> ir.FloatingValue:
    """Cost per line: a column named like a unit cost or a price (``unit cost``, ``Prix de
    revient``, ``Einkaufspreis``), or one from the product table, is per unit; else a line
    total."""
    cost = c.num("cost")
    words = set(normalise(c.name("cost")).split("_"))
    per_unit = bool(words & PER_UNIT_WORDS) or c.origin("cost") == "lookup"
    if per_unit and qty is not None:
        return cost * qty.abs()
    return cost


def _reject_counts(rejects: ir.Table | None) -> dict[str, int]:
    if rejects is None:
        return {}
    rows = rejects.group_by("_reason").aggregate(n=rejects.count()).to_pyarrow().to_pylist()
    return {str(r["_reason"]): int(r["n"]) for r in rows}


def _checks(
    rules: list[Rule],
    stats: list[dict[str, Any]],
    marked: ir.Table,
    rejected: dict[str, int],
) -> list[Check]:
    counts = {s["_reason"]: int(s["rows"]) for s in stats}  # type: ignore[call-overload]
    checks: list[Check] = []
    for code, n in sorted(rejected.items()):
        checks.append(
            Check(
                code,
                "error",
                None,
                n,
                "a line the reader could not split into the header's columns; "
                "rows quarantined with the raw line",
            )
        )
    for rule in rules:
        n = counts.get(rule.code, 0)
        if not n:
            continue
        examples: tuple[str, ...] = ()
        if rule.column is not None:
            # distinct values in order, the empty one last: the same three on every run and
            # engine (the first rows an engine returns vary with its threads)
            values = (
                marked.filter(marked._reason == rule.code)
                .select(value=marked[rule.column].cast("string"))
                .distinct()
            )
            sample = (
                values.order_by(values.value.asc(nulls_first=False))
                .limit(3)
                .to_pyarrow()
                .column("value")
                .to_pylist()
            )
            shown = ("(empty)" if v is None or v == "" else str(v) for v in sample)
            examples = tuple(dict.fromkeys(shown))  # null and "" are both "(empty)"
        checks.append(
            Check(
                rule.code,
                rule.severity,
                rule.column,
                n,
                f"{rule.message}; rows quarantined",
                examples,
            )
        )
    return checks


def _warnings(optional: list[str], ok: dict[str, Any], accepted: int, c: _Columns) -> list[Check]:
    checks = []
    for role in optional:
        n = int(ok[f"null_{role}"])  # type: ignore[call-overload]
        if n:
            share = n / accepted
            checks.append(
                Check(
                    f"missing_{role}",
                    "warning",
                    c.name(role),
                    n,
                    f"{role.replace('_', ' ')} is empty in {share:.1%} of accepted rows; "
                    "those rows count in totals but not in this dimension",
                )
            )
    inconsistent = int(ok.get("inconsistent") or 0)  # type: ignore[call-overload]
    if inconsistent:
        checks.append(
            Check(
                "revenue_inconsistent",
                "warning",
                c.name("revenue"),
                inconsistent,
                f"revenue differs from quantity x unit price (less discount) by more than "
                f"{INCONSISTENT_SHARE:.0%}; the revenue column is used as it is",
            )
        )
    return checks


def neutralise(col: ir.StringValue) -> ir.StringValue:
    """Prefix a quote to text a spreadsheet would run as a formula (``=``, ``+``, ``-``, ``@``)."""
    risky = col.re_search(CSV_FORMULA_START) & ~col.re_search(PLAIN_NUMBER)
    return ibis.ifelse(risky, "'" + col, col)  # type: ignore[no-any-return]


def _write_csv(table: ir.Table, path: Path, rejects: ir.Table | None = None) -> int:
    """Stream quarantined rows out of the engine into a CSV, formula-like cells neutralised.

    Reader rejects follow the parsed rows, with the raw line in ``_raw`` and its
    place in ``_file`` and ``_line``.
    """
    import pyarrow as pa
    import pyarrow.csv as pacsv

    extra = ["_file", "_line", "_raw"] if rejects is not None else []
    own = [*data_columns(table), "_reason"]
    names = [*own, *extra]
    safe = table.select(
        **{name: neutralise(table[name].cast("string")) for name in own},
        **{name: ibis.null("string") for name in extra},
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    written = 0
    schema = pa.schema([(name, pa.string()) for name in names])
    with pacsv.CSVWriter(str(path), schema) as writer:
        for batch in safe.to_pyarrow_batches():
            writer.write_batch(batch.cast(schema) if batch.schema != schema else batch)
            written += batch.num_rows
        if rejects is not None:
            lines = rejects.select(
                **{name: ibis.null("string") for name in own if name != "_reason"},
                _reason=rejects._reason.cast("string"),
                _file=rejects._file.cast("string"),
                _line=rejects._line.cast("string"),
                _raw=neutralise(rejects._raw.cast("string")),
            ).select(*names)
            for batch in lines.to_pyarrow_batches():
                writer.write_batch(batch.cast(schema) if batch.schema != schema else batch)
                written += batch.num_rows
    return written
