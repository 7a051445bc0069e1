"""The validation stage: build the accepted lines and the quarantine, count everything.

Each raw row gets at most one ``_reason``; rows with a reason go to
quarantine, the rest are accepted, so ``rows_read == rows_accepted +
rows_quarantined`` holds by construction and is checked again on the counts.
All parsing is expressed in the engine.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import ibis
import ibis.expr.types as ir

from salescope.errors import EmptyDataError, MappingError
from salescope.model import Check, Quality
from salescope.quality.parse import (
    RETURN_STATUS,
    is_empty_cheap,
    is_missing,
    kind_of,
    needs_trim,
    to_date,
    to_number,
    to_text,
)
from salescope.schema.roles import ColumnInfo, Kind, Mapping, detect_roles, normalise

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
EARLIEST_DATE = date(1990, 1, 1)
# Weights of the quality score (docs/quality.md): validity and completeness.
SCORE_WEIGHTS = {"validity": 0.6, "completeness": 0.4}
CSV_FORMULA_START = r"^[=+\-@\t\r]"
PLAIN_NUMBER = r"^[-+]?[0-9][0-9.,]*$"


@dataclass(frozen=True)
class Lines:
    """Accepted sales lines with canonical columns, as a lazy engine expression.

    Columns: ``order_date`` (date), ``revenue``, ``quantity``, ``list_amount``,
    ``discount_amount``, ``cost_amount`` (float64), ``is_return`` (bool) and,
    where mapped, the text roles plus ``product`` (product id, else name).
    """

    table: ir.Table
    roles: frozenset[str]
    data_start: date
    data_end: date

    def has(self, role: str) -> bool:
        return role in self.roles


@dataclass(frozen=True)
class Validation:
    lines: Lines
    quality: Quality
    mapping: Mapping
    write_quarantine: Callable[[Path], int]


def columns_of(table: ir.Table) -> list[ColumnInfo]:
    return [ColumnInfo(name, kind_of(dtype)) for name, dtype in table.schema().items()]


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
    if not (mapping.has("revenue") or (mapping.has("quantity") and mapping.has("unit_price"))):
        raise MappingError(
            "no amount column found (need revenue, or quantity and unit price); numeric columns: "
            + candidates({"integer", "float"}),
            hint="map it in salescope.yml, e.g. `mapping: {revenue: <column>}`",
        )


def validate(
    raw: ir.Table,
    overrides: dict[str, str] | None = None,
    today: date | None = None,
) -> Validation:
    """Map roles, parse values, and split rows into accepted lines and quarantine."""
    columns = columns_of(raw)
    missing = sorted(set((overrides or {}).values()) - {c.name for c in columns})
    if missing:
        raise MappingError(
            f"salescope.yml maps column(s) {', '.join(map(repr, missing))} that the input lacks",
            hint="columns found: " + ", ".join(repr(c.name) for c in columns[:12]),
        )
    mapping = detect_roles(columns, overrides)
    _require(mapping, columns)
    kinds: dict[str, Kind] = {c.name: c.kind for c in columns}

    def col(role: str) -> ir.Value:
        return raw[mapping.column(role)]

    def kind(role: str) -> Kind:
        return kinds[mapping.column(role)]  # type: ignore[index]

    def num(role: str) -> ir.FloatingValue:
        return to_number(col(role), kind(role))

    assumptions: list[str] = []
    order_date = to_date(col("order_date"), kind("order_date"))
    amount_roles = ["revenue"] if mapping.has("revenue") else ["quantity", "unit_price"]
    rules = _rules(mapping, col, kind, num, order_date, amount_roles, today or date.today())
    reason = ibis.cases(*((cond, code) for code, _, cond, _ in rules), else_=ibis.null("string"))
    marked = raw.mutate(_reason=reason)

    # One scan for all counts: rows per reason, the date range, empty cells, and what
    # parsing must know up front (text that needs trimming, discount rates or amounts).
    optional = [r for r in TEXT_ROLES if mapping.has(r)]
    strings = [r for r in optional if kind(r) == "string"]
    aggs: dict[str, ir.Scalar] = {
        "rows": marked.count(),
        "first": order_date.min(),
        "last": order_date.max(),
        **{f"null_{r}": is_empty_cheap(col(r), kind(r)).cast("int64").sum() for r in optional},
        **{f"untrimmed_{r}": needs_trim(col(r)).cast("int64").sum() for r in strings},  # type: ignore[arg-type]
    }
    if mapping.has("discount"):
        aggs["max_discount"] = num("discount").max()
    stats = marked.group_by("_reason").aggregate(**aggs).to_pyarrow().to_pylist()
    untrimmed = [r for r in strings if sum(int(s[f"untrimmed_{r}"] or 0) for s in stats)]
    if untrimmed:  # white-space-only cells are empty too: count those columns exactly
        exact = marked.group_by("_reason").aggregate(
            **{f"null_{r}": is_missing(col(r), "string").cast("int64").sum() for r in untrimmed}
        )
        by_reason = {e["_reason"]: e for e in exact.to_pyarrow().to_pylist()}
        for s in stats:
            s.update({k: v for k, v in by_reason[s["_reason"]].items() if k != "_reason"})

    parsed: dict[str, ir.Value] = {"order_date": order_date}
    for role in optional:
        parsed[role] = to_text(col(role), kind(role), clean=role not in untrimmed)

    # Line revenue, per DESIGN: the revenue column, else quantity x price x (1 - discount).
    has_qty, has_price = mapping.has("quantity"), mapping.has("unit_price")
    qty = num("quantity") if has_qty else None
    price = num("unit_price") if has_price else None
    list_amount = qty * price if qty is not None and price is not None else None
    discount_amount: ir.FloatingValue | None = None
    if mapping.has("discount") and list_amount is not None:
        disc = num("discount").fill_null(0.0)
        max_disc = max(
            (s["max_discount"] for s in stats if s["max_discount"] is not None), default=None
        )
        if max_disc is not None and max_disc > 1:
            discount_amount = disc
            assumptions.append(
                f"discount column {mapping.column('discount')!r} holds amounts (values above 1)"
            )
        else:
            discount_amount = list_amount * disc
    if mapping.has("revenue"):
        revenue = num("revenue")
    else:
        assert list_amount is not None
        revenue = list_amount - discount_amount if discount_amount is not None else list_amount
        assumptions.append("no revenue column: line revenue = quantity x unit price - discount")

    is_return = revenue < 0
    if qty is not None:
        is_return = is_return | (qty < 0)
    if "status" in parsed:
        status_return = parsed["status"].re_search(RETURN_STATUS).fill_null(False)  # type: ignore[attr-defined]
        is_return = is_return | status_return
        revenue = ibis.ifelse(status_return & (revenue > 0), -revenue, revenue)
        if qty is not None:
            qty = ibis.ifelse(status_return & (qty > 0), -qty, qty)

    has_order = "order_id" in parsed
    canonical: dict[str, ir.Value] = dict(parsed)
    canonical["revenue"] = revenue
    canonical["quantity"] = qty if qty is not None else ibis.null("float64")
    canonical["list_amount"] = list_amount if list_amount is not None else ibis.null("float64")
    canonical["discount_amount"] = (
        discount_amount if discount_amount is not None else ibis.null("float64")
    )
    canonical["cost_amount"] = (
        _cost(mapping, num, qty) if mapping.has("cost") else ibis.null("float64")
    )
    canonical["is_return"] = is_return.fill_null(False)
    if "product_id" in parsed or "product_name" in parsed:
        canonical["product"] = parsed.get("product_id", parsed.get("product_name"))
    if not has_order:
        assumptions.append("no order id column: each row is counted as one order")
    if not mapping.has("customer_id"):
        assumptions.append("no customer id column: customer figures are not available")

    rows_read = sum(int(s["rows"]) for s in stats)
    ok = next((s for s in stats if s["_reason"] is None), None)
    rows_accepted = int(ok["rows"]) if ok else 0
    checks = _checks(rules, stats, marked, mapping)
    if ok:
        checks += _null_checks(optional, ok, rows_accepted, mapping)
    quality = _quality(rows_read, rows_accepted, checks, ok, optional, mapping, assumptions)
    if not ok or rows_accepted == 0:
        top = max(stats, key=lambda s: s["rows"], default=None)
        raise EmptyDataError(
            f"no usable rows: all {rows_read} rows were rejected"
            + (f" (most: {top['_reason']})" if top else ""),
            hint="run `salescope validate` to see the reasons, or check the column mapping "
            "with `salescope inspect`",
        )
    # With nothing quarantined the row filter is dropped: every later scan is cheaper.
    base = raw if rows_accepted == rows_read else raw.filter(reason.isnull())
    accepted = base.select(**canonical)
    available = set(parsed) | {"revenue", "is_return"}
    available |= {"quantity"} if has_qty else set()
    available |= {"list_amount"} if list_amount is not None else set()
    available |= {"discount_amount"} if discount_amount is not None else set()
    available |= {"cost_amount"} if mapping.has("cost") else set()
    available |= {"product"} if "product" in canonical else set()
    lines = Lines(accepted, frozenset(available), ok["first"], ok["last"])

    quarantined = marked.filter(marked._reason.notnull())

    def write_quarantine(path: Path) -> int:
        if rows_accepted == rows_read:  # nothing to find: write the header, skip the scan
            return _write_csv(quarantined.limit(0), path)
        return _write_csv(quarantined, path)

    return Validation(lines, quality, mapping, write_quarantine)


Rule = tuple[str, str | None, ir.BooleanValue, str]


def _rules(
    mapping: Mapping,
    col: Callable[[str], ir.Value],
    kind: Callable[[str], Kind],
    num: Callable[[str], ir.FloatingValue],
    order_date: ir.DateValue,
    amount_roles: list[str],
    latest: date,
) -> list[Rule]:
    """The quarantine rules: (code, column, condition, message). First match wins."""
    date_col = mapping.column("order_date")
    rules: list[Rule] = [
        (
            "missing_date",
            date_col,
            is_missing(col("order_date"), kind("order_date")),
            "order date is empty",
        ),
        (
            "unparseable_date",
            date_col,
            order_date.isnull(),
            "order date could not be read as a date",
        ),
        (
            "date_out_of_range",
            date_col,
            (order_date < EARLIEST_DATE) | (order_date > latest),  # type: ignore[operator]
            f"order date before {EARLIEST_DATE} or after {latest}",
        ),
    ]
    for role in amount_roles:
        label = role.replace("_", " ")
        rules.append(
            (
                f"missing_{role}",
                mapping.column(role),
                is_missing(col(role), kind(role)),
                f"{label} is empty",
            )
        )
        rules.append(
            (
                f"unparseable_{role}",
                mapping.column(role),
                num(role).isnull(),
                f"{label} could not be read as a number",
            )
        )
    return rules


def _cost(
    mapping: Mapping, num: Callable[[str], ir.FloatingValue], qty: ir.FloatingValue | None
) -> ir.FloatingValue:
    """Cost per line: a column named like ``unit cost`` is per unit, else a line total."""
    cost = num("cost")
    per_unit = "unit" in normalise(mapping.column("cost") or "")
    if per_unit and qty is not None:
        return cost * qty.abs()
    return cost


def _checks(
    rules: list[tuple[str, str | None, ir.BooleanValue, str]],
    stats: list[dict[str, object]],
    marked: ir.Table,
    mapping: Mapping,
) -> list[Check]:
    counts = {s["_reason"]: int(s["rows"]) for s in stats}  # type: ignore[call-overload]
    checks: list[Check] = []
    for code, column, _, message in rules:
        n = counts.get(code, 0)
        if not n:
            continue
        examples: tuple[str, ...] = ()
        if column is not None:
            sample = (
                marked.filter(marked._reason == code)
                .select(value=marked[column].cast("string"))
                .limit(3)
                .to_pyarrow()
                .column("value")
                .to_pylist()
            )
            examples = tuple("(empty)" if v is None or v == "" else str(v) for v in sample)
        checks.append(Check(code, "error", column, n, f"{message}; rows quarantined", examples))
    return checks


def _null_checks(
    optional: list[str], ok: dict[str, object], accepted: int, mapping: Mapping
) -> list[Check]:
    checks = []
    for role in optional:
        n = int(ok[f"null_{role}"])  # type: ignore[call-overload]
        if n:
            share = n / accepted
            checks.append(
                Check(
                    f"missing_{role}",
                    "warning",
                    mapping.column(role),
                    n,
                    f"{role.replace('_', ' ')} is empty in {share:.1%} of accepted rows; "
                    "those rows count in totals but not in this dimension",
                )
            )
    return checks


def _quality(
    rows_read: int,
    rows_accepted: int,
    checks: list[Check],
    ok: dict[str, object] | None,
    optional: list[str],
    mapping: Mapping,
    assumptions: list[str],
) -> Quality:
    validity = rows_accepted / rows_read if rows_read else 0.0
    if ok and optional and rows_accepted:
        nulls = sum(int(ok[f"null_{r}"]) for r in optional)  # type: ignore[call-overload]
        completeness = 1 - nulls / (rows_accepted * len(optional))
    else:
        completeness = 1.0
    parts = {"validity": round(validity, 4), "completeness": round(completeness, 4)}
    score = 100 * sum(SCORE_WEIGHTS[k] * v for k, v in parts.items())
    return Quality(
        rows_read=rows_read,
        rows_accepted=rows_accepted,
        rows_quarantined=rows_read - rows_accepted,
        score=round(score, 1),
        score_parts=parts,
        mapping=mapping.as_dict(),
        assumptions=tuple(assumptions),
        checks=tuple(checks),
    )


def neutralise(col: ir.StringValue) -> ir.StringValue:
    """Prefix a quote to text a spreadsheet would run as a formula (``=``, ``+``, ``-``, ``@``)."""
    risky = col.re_search(CSV_FORMULA_START) & ~col.re_search(PLAIN_NUMBER)
    return ibis.ifelse(risky, "'" + col, col)  # type: ignore[no-any-return]


def _write_csv(table: ir.Table, path: Path) -> int:
    """Stream rows out of the engine into a CSV with formula-like cells neutralised."""
    import pyarrow as pa
    import pyarrow.csv as pacsv

    safe = table.select(**{name: neutralise(table[name].cast("string")) for name in table.columns})
    path.parent.mkdir(parents=True, exist_ok=True)
    written = 0
    schema = pa.schema([(name, pa.string()) for name in safe.columns])
    with pacsv.CSVWriter(str(path), schema) as writer:
        for batch in safe.to_pyarrow_batches():
            writer.write_batch(batch.cast(schema) if batch.schema != schema else batch)
            written += batch.num_rows
    return written
