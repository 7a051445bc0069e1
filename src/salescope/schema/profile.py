"""What a table's values look like, from one aggregate over a sample of its rows.

Role detection and the dataset model need more than headers: whether a text column
holds dates or numbers, whether a float column holds whole numbers (ids stored as
``17850.0``), whether integers read as dates (``20240105``, Unix seconds), how many
distinct values a column has (keys are unique; an order id repeats across lines).
One query per table answers all of it; only the aggregates leave the engine.
"""

from __future__ import annotations

from dataclasses import dataclass

import ibis
import ibis.expr.types as ir

from salescope.engine import sample_distinct
from salescope.schema.roles import ColumnInfo, Kind, kind_of

SAMPLE_ROWS = 100_000
LOOKS_DATE = (
    r"^\s*(\d{4}[-/.]\d{1,2}[-/.]\d{1,2}|\d{1,2}[-/.]\d{1,2}[-/.]\d{2,4}|\d{8}"
    r"|\d{1,2}[ -][A-Za-z]{3,9}[ -,]+\d{2,4}|[A-Za-z]{3,9} \d{1,2},? \d{4})([T ].*)?$"
)
# white space as number formats write it: a space, or the no-break spaces French and Swiss
# exports put between thousands ("6 890,00"), which the engines' \s does not match
_SP = r"[\s\x{00A0}\x{202F}]"
LOOKS_NUMBER = (
    rf"^{_SP}*[(+-]?{_SP}*([$€£¥₹]|[A-Z]{{3}}{_SP})?{_SP}*[(-]?\d[\d.,'\s\x{{00A0}}\x{{202F}}]*"
    rf"{_SP}*([$€£¥₹%]|{_SP}?[A-Z]{{3}})?{_SP}*[)-]?{_SP}*$"
)
# Integer ranges that read as dates: YYYYMMDD, Unix seconds and milliseconds from 1990.
YYYYMMDD = (19_000_101, 21_001_231)
EPOCH_S = (631_152_000, 4_200_000_000)
EPOCH_MS = (631_152_000_000, 4_200_000_000_000)


@dataclass(frozen=True)
class ColumnProfile:
    """One column's sampled facts."""

    name: str
    kind: Kind
    non_null: int
    distinct: int
    date_share: float | None = None
    number_share: float | None = None
    integral: bool | None = None
    int_date: str | None = None
    low: float | None = None
    high: float | None = None
    sampled: int = 0  # rows looked at: the column is empty on sampled - non_null


@dataclass(frozen=True)
class TableProfile:
    """A table's sampled facts: ``sampled`` rows were looked at out of ``rows``."""

    rows: int
    sampled: int
    columns: tuple[ColumnProfile, ...]

    def column(self, name: str) -> ColumnProfile:
        return next(c for c in self.columns if c.name == name)

    @property
    def exact(self) -> bool:
        return self.sampled >= self.rows

    def is_key(self, name: str) -> bool:
        """Unique and never empty (in the sample; exact when the table is small)."""
        c = self.column(name)
        return c.non_null == self.sampled > 0 and c.distinct == c.non_null

    def keys(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns if self.is_key(c.name))


def profile_table(table: ir.Table, rows: int | None = None) -> TableProfile:
    """Sample the first rows of ``table`` and describe every column in one query."""
    schema = table.schema()
    kinds = {
        name: kind_of(dtype) for name, dtype in schema.items() if not name.startswith("_salescope_")
    }
    sample = table.limit(SAMPLE_ROWS)
    aggs: dict[str, ir.Scalar] = {"_rows": sample.count()}
    for i, (name, kind) in enumerate(kinds.items()):
        col = sample[name]
        if kind == "string":
            v = col.strip().nullif("")  # type: ignore[attr-defined]
            aggs[f"n{i}"] = v.count()
            aggs[f"u{i}"] = sample_distinct(v)
            aggs[f"d{i}"] = v.re_search(LOOKS_DATE).cast("int64").sum()
            aggs[f"x{i}"] = v.re_search(LOOKS_NUMBER).cast("int64").sum()
            continue
        aggs[f"n{i}"] = col.count()
        aggs[f"u{i}"] = sample_distinct(col)
        if kind in ("integer", "float"):
            num = col.cast("float64")
            aggs[f"lo{i}"] = num.min()
            aggs[f"hi{i}"] = num.max()
            aggs[f"w{i}"] = ((num % 1.0) == 0).cast("int64").sum()
            # only values in the YYYYMMDD range are cast (a 1e308 price would overflow)
            in_range = num.between(*YYYYMMDD)
            as_int = ibis.ifelse(in_range, num, 0.0).cast("int64")
            month, day = (as_int // 100) % 100, as_int % 100
            aggs[f"ymd{i}"] = (month.between(1, 12) & day.between(1, 31)).cast("int64").sum()
    row = sample.aggregate(**aggs).to_pyarrow().to_pylist()[0]
    sampled = int(row["_rows"] or 0)
    columns = []
    for i, (name, kind) in enumerate(kinds.items()):
        n = int(row[f"n{i}"] or 0)
        distinct = int(row[f"u{i}"] or 0)
        if kind == "string":
            dates = int(row[f"d{i}"] or 0) / n if n else None
            numbers = int(row[f"x{i}"] or 0) / n if n else None
            columns.append(ColumnProfile(name, kind, n, distinct, dates, numbers, sampled=sampled))
            continue
        if kind not in ("integer", "float"):
            columns.append(ColumnProfile(name, kind, n, distinct, sampled=sampled))
            continue
        lo, hi = row[f"lo{i}"], row[f"hi{i}"]
        whole = n > 0 and int(row[f"w{i}"] or 0) == n
        int_date = None
        if whole and lo is not None and hi is not None:
            if YYYYMMDD[0] <= lo and hi <= YYYYMMDD[1] and int(row[f"ymd{i}"] or 0) == n:
                int_date = "yyyymmdd"
            elif EPOCH_S[0] <= lo and hi <= EPOCH_S[1]:
                int_date = "epoch_s"
            elif EPOCH_MS[0] <= lo and hi <= EPOCH_MS[1]:
                int_date = "epoch_ms"
        columns.append(
            ColumnProfile(
                name,
                kind,
                n,
                distinct,
                integral=whole if kind == "float" else True,
                int_date=int_date,
                low=None if lo is None else float(lo),
                high=None if hi is None else float(hi),
                sampled=sampled,
            )
        )
    return TableProfile(rows if rows is not None else sampled, sampled, tuple(columns))


def column_infos(profile: TableProfile) -> list[ColumnInfo]:
    """The columns of one table as role detection sees them (a single-table dataset)."""
    prefix = shared_prefix([c.name for c in profile.columns])
    return [info_of(c, prefix=prefix) for c in profile.columns]


def info_of(
    c: ColumnProfile,
    *,
    name: str | None = None,
    origin: str = "fact",
    table: str | None = None,
    prefix: str | None = None,
) -> ColumnInfo:
    return ColumnInfo(
        name or c.name,
        c.kind,
        c.date_share,
        c.number_share,
        c.integral,
        c.int_date,
        c.distinct / c.non_null if c.non_null else None,
        origin,  # type: ignore[arg-type]
        table,
        prefix,
        c.name if name and name != c.name else None,
        c.non_null / c.sampled if c.sampled else None,
    )


def shared_prefix(names: list[str]) -> str | None:
    """The short prefix most headers of a table share (``sls_`` in ``sls_ord_num``).

    >>> shared_prefix(["sls_ord_num", "sls_prd_key", "sls_sales", "note"])
    'sls'
    """
    from salescope.schema.roles import normalise

    heads = [normalise(n).split("_", 1)[0] for n in names if "_" in normalise(n)]
    if len(names) < 3 or not heads:
        return None
    best = max(sorted(set(heads)), key=heads.count)
    if 2 <= len(best) <= 4 and heads.count(best) >= 0.75 * len(names):
        return best
    return None


def literal_key_match(left: ir.Value, right: ir.Value) -> tuple[ir.Value, ir.Value]:
    """Join keys of one type: integers stay, whole floats become integers, the rest text."""
    a, b = left.type(), right.type()
    if a == b:
        return left, right
    if a.is_numeric() and b.is_numeric():
        if a.is_integer() or b.is_integer():
            return left.cast("int64"), right.cast("int64")
        return left.cast("float64"), right.cast("float64")

    def text(v: ir.Value) -> ir.Value:
        t = v.type()
        if t.is_floating():
            return v.cast("int64").cast("string")
        return v.cast("string").strip()  # type: ignore[attr-defined]

    return text(left), text(right)
