"""Per-column decisions on how to read dates and numbers stored as text or numbers.

Exports write dates as ``12/1/2010 8:26``, ``01.03.2024``, ``20240105``, Excel
serial numbers or Unix epochs, and amounts as ``1.234,50`` or ``(123.00)``.
The decision is taken once per column from its values (a sample of text
values; the full range of numeric ones), reported in the quality section,
and then applied to every row as an engine expression.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import ibis
import ibis.expr.types as ir

from salescope.engine import Engine
from salescope.schema.roles import Kind

SAMPLE_ROWS = 100_000
TIME_SUFFIX = r"[T ]+\d{1,2}:\d{2}.*$"  # a time (and zone) after the date, dropped


@dataclass(frozen=True)
class DateFormat:
    code: str  # strftime-style, as DuckDB reads it
    label: str
    order: str | None = None  # "mdy" or "dmy" for the two readings of 1/2/2024


DATE_FORMATS: tuple[DateFormat, ...] = (
    DateFormat("%Y-%m-%d", "year-month-day (ISO)"),
    DateFormat("%Y/%m/%d", "year/month/day"),
    DateFormat("%m/%d/%Y", "month/day/year", "mdy"),
    DateFormat("%d/%m/%Y", "day/month/year", "dmy"),
    DateFormat("%d.%m.%Y", "day.month.year"),
    DateFormat("%m-%d-%Y", "month-day-year", "mdy"),
    DateFormat("%d-%m-%Y", "day-month-year", "dmy"),
    DateFormat("%m/%d/%y", "month/day/two-digit year", "mdy"),
    DateFormat("%d/%m/%y", "day/month/two-digit year", "dmy"),
    DateFormat("%d.%m.%y", "day.month.two-digit year"),
    DateFormat("%Y%m%d", "YYYYMMDD"),
    DateFormat("%d %b %Y", "day month-name year"),
    DateFormat("%d-%b-%Y", "day-month-name-year"),
    DateFormat("%d-%b-%y", "day-month-name-two-digit year"),
    DateFormat("%b %d, %Y", "month-name day, year"),
    DateFormat("%B %d, %Y", "full month-name day, year"),
    DateFormat("%d %B %Y", "day full-month-name year"),
)
BY_CODE = {f.code: f for f in DATE_FORMATS}


@dataclass(frozen=True)
class DateDecision:
    """How one date column is read.

    ``method``: ``native`` (a date/timestamp type), ``text`` (``formats`` in order of
    fit), ``yyyymmdd``, ``excel`` (serial day numbers), ``epoch_s``, ``epoch_ms``,
    or ``none`` (nothing fits: every row is quarantined as unparseable).
    ``mixed_order``: month-first and day-first rows both occur, so a date that reads
    both ways is ambiguous and quarantined.
    """

    column: str
    method: str
    formats: tuple[DateFormat, ...] = ()
    mixed_order: bool = False
    strip_time: bool = False
    note: str = ""


@dataclass(frozen=True)
class NumberDecision:
    """How one text column of amounts is read: which character is the decimal mark, and
    the currency its values name, if most of them name one."""

    column: str
    decimal: str = "."
    note: str = ""
    currency: str | None = None


# currency symbol or code -> ISO code, for money written with its currency
CURRENCY_MARKS = {
    "€": "EUR",
    "£": "GBP",
    "¥": "JPY",
    "₹": "INR",
    "$": "USD",
    "EUR": "EUR",
    "GBP": "GBP",
    "USD": "USD",
    "CHF": "CHF",
    "JPY": "JPY",
    "INR": "INR",
    "CAD": "CAD",
    "AUD": "AUD",
}


def currency_in(text: str) -> str | None:
    """The currency a header names: ``'Price (EUR)'`` -> ``'EUR'``; a code is a word of
    its own in any case (``revenue_gbp``), never part of a word (``Cadence``).

    >>> currency_in("Umsatz €"), currency_in("Amount"), currency_in("revenue_gbp")
    ('EUR', None, 'GBP')
    >>> currency_in("Cadence"), currency_in("sales usd")
    (None, 'USD')
    """
    import re

    for mark, code in CURRENCY_MARKS.items():
        if len(mark) == 1 and mark in text:
            return code
        if len(mark) == 3 and re.search(rf"(?i)(?<![a-z]){mark}(?![a-z])", text):
            return code
    return None


# headers of a column that says which currency each line is in (Shopify, Stripe, ERP exports)
# fmt: off
CURRENCY_HEADERS = frozenset((
    "currency", "currency code", "currency_code", "currencycode", "ccy", "curr", "cur",
    "währung", "waehrung", "devise", "moneda", "divisa", "valuta", "moeda", "munt",
))
# fmt: on


def is_currency_header(name: str) -> bool:
    """Whether a column header names a per-line currency column.

    >>> [is_currency_header(h) for h in (" Currency Code", "Währung", "Amount")]
    [True, True, False]
    """
    return " ".join(name.strip().lower().replace("-", " ").split()) in CURRENCY_HEADERS


def currency_of_codes(values: Iterable[object]) -> str | None:
    """The one currency the distinct non-empty ``values`` of a currency column name, as an
    ISO code: ``GBP``, ``gbp`` and ``£`` are all ``GBP``. None when there is none, when a
    value is not a currency, or when the values name more than one (amounts in several
    currencies cannot be summed under one symbol).

    >>> currency_of_codes(["gbp", "GBP ", None, ""]), currency_of_codes(["EUR", "USD"])
    ('GBP', None)
    >>> currency_of_codes(["£"]), currency_of_codes(["SEK"]), currency_of_codes(["UK pounds"])
    ('GBP', 'SEK', None)
    """
    signs = {mark: code for mark, code in CURRENCY_MARKS.items() if len(mark) == 1}
    codes: set[str] = set()
    for value in values:
        text = "" if value is None else str(value).strip()
        if not text:
            continue
        if text in signs:
            codes.add(signs[text])
        elif len(text) == 3 and text.isascii() and text.isalpha():
            codes.add(text.upper())
        else:
            return None
    return codes.pop() if len(codes) == 1 else None


def _text(col: ir.Value) -> ir.StringValue:
    return col.cast("string").strip()  # type: ignore[no-any-return]


def date_part(text: ir.StringValue, strip_time: bool) -> ir.StringValue:
    return text.re_replace(TIME_SUFFIX, "") if strip_time else text


def decide_date(
    raw: ir.Table, column: str, kind: Kind, engine: Engine, forced: str | None = None
) -> DateDecision:
    """Pick the reading of a date column that fits most of its values."""
    if kind in ("date", "timestamp"):
        return DateDecision(column, "native")
    if kind in ("integer", "float"):
        return _decide_numeric_date(raw, column)
    if kind != "string":
        return DateDecision(column, "none", note=f"column {column!r} holds no dates")
    sample = raw.select(v=_text(raw[column]).nullif("")).limit(SAMPLE_ROWS)
    v = sample.v
    has_time = _scalar(sample.aggregate(n=v.re_search(r"\d:\d\d").cast("int64").sum()))
    strip_time = bool(has_time)
    part = date_part(v, strip_time)
    if forced:
        fmt = BY_CODE.get(forced, DateFormat(forced, forced))
        return DateDecision(
            column,
            "text",
            (fmt,),
            False,
            strip_time,
            f"dates in {column!r} read as {forced} (set in salescope.yml)",
        )
    parsed = {f.code: engine.parse_date(part, f.code) for f in DATE_FORMATS}
    aggs: dict[str, ir.Scalar] = {"n": v.count()}
    aggs.update({f"ok{i}": p.notnull().cast("int64").sum() for i, p in enumerate(parsed.values())})
    mdy = [parsed[f.code] for f in DATE_FORMATS if f.order == "mdy"]
    dmy = [parsed[f.code] for f in DATE_FORMATS if f.order == "dmy"]
    any_mdy = ibis.coalesce(*mdy).notnull()
    any_dmy = ibis.coalesce(*dmy).notnull()
    aggs["only_mdy"] = (any_mdy & ~any_dmy).cast("int64").sum()
    aggs["only_dmy"] = (any_dmy & ~any_mdy).cast("int64").sum()
    row = sample.aggregate(**aggs).to_pyarrow().to_pylist()[0]
    counts = [(int(row[f"ok{i}"] or 0), -i, f) for i, f in enumerate(DATE_FORMATS)]
    fitting = [f for n, _, f in sorted(counts, reverse=True) if n > 0]
    if not fitting:
        return DateDecision(column, "none", note=f"no known date format fits {column!r}")
    only_mdy, only_dmy = int(row["only_mdy"] or 0), int(row["only_dmy"] or 0)
    best = fitting[0]
    if best.order and not only_mdy and not only_dmy:
        # every value reads both ways (no day above 12): say which reading was taken
        pick = "mdy" if best.order == "mdy" else "dmy"
        best = next(f for f in fitting if f.order == pick)
        note = (
            f"dates in {column!r} read as {best.label} ({best.code}); no value has a day "
            "above 12, so they would also read as the other order: set "
            "date_format in salescope.yml if that is wrong"
        )
    elif best.code == "%Y-%m-%d" and len(fitting) == 1:
        note = ""  # plain ISO dates: nothing worth saying
    else:
        note = f"dates in {column!r} read as {best.label} ({best.code})"
    mixed = bool(only_mdy and only_dmy)
    if mixed:
        note += (
            "; month-first and day-first values are mixed: dates that read both ways "
            "are quarantined"
        )
    ordered = (best, *[f for f in fitting if f is not best])
    return DateDecision(column, "text", ordered, mixed, strip_time, note)


def _decide_numeric_date(raw: ir.Table, column: str) -> DateDecision:
    c = raw[column]
    row = raw.aggregate(lo=c.min(), hi=c.max()).to_pyarrow().to_pylist()[0]
    lo, hi = row["lo"], row["hi"]
    if lo is None:
        return DateDecision(column, "none", note=f"column {column!r} is empty")
    lo, hi = float(lo), float(hi)
    if lo >= 19000101 and hi <= 21001231:
        method, what = "yyyymmdd", "integers YYYYMMDD"
    elif lo >= 10_000 and hi <= 80_000:
        method, what = "excel", "Excel serial day numbers"
    elif lo >= 1e8 and hi <= 4.2e9:
        method, what = "epoch_s", "Unix time in seconds"
    elif lo >= 1e11 and hi <= 4.2e12:
        method, what = "epoch_ms", "Unix time in milliseconds"
    else:
        return DateDecision(column, "none", note=f"numbers in {column!r} do not look like dates")
    return DateDecision(column, method, note=f"dates in {column!r} read as {what}")


def parse_dates(col: ir.Value, decision: DateDecision, engine: Engine) -> ir.DateValue:
    """The date of every row under ``decision`` (null where it does not parse)."""
    m = decision.method
    if m == "native":
        return col.date() if col.type().is_timestamp() else col  # type: ignore[attr-defined,no-any-return,return-value]
    if m == "yyyymmdd":
        return engine.parse_date(col.cast("int64").cast("string"), "%Y%m%d")
    if m == "excel":
        days = col.cast("int64")
        return (ibis.date(1899, 12, 30) + days.as_interval("D")).cast("date")  # type: ignore[no-any-return,attr-defined]
    if m in ("epoch_s", "epoch_ms"):
        seconds = col.cast("int64") // (1000 if m == "epoch_ms" else 1)
        return seconds.as_timestamp("s").date()  # type: ignore[attr-defined,no-any-return]
    if m == "text":
        text = date_part(_text(col).nullif(""), decision.strip_time)
        readings = [engine.parse_date(text, f.code) for f in decision.formats]
        return ibis.coalesce(*readings) if len(readings) > 1 else readings[0]  # type: ignore[no-any-return]
    return _null_like(col, "date")  # type: ignore[return-value]


def _null_like(col: ir.Value, dtype: str) -> ir.Value:
    """A null per row (a column, not a scalar, so it aggregates like one)."""
    return ibis.ifelse(col.isnull(), ibis.null(dtype), ibis.null(dtype))


def ambiguous_dates(col: ir.Value, decision: DateDecision, engine: Engine) -> ir.BooleanValue:
    """Rows whose date reads both month-first and day-first as different days."""
    if not decision.mixed_order:
        return ibis.literal(False)
    text = date_part(_text(col).nullif(""), decision.strip_time)
    mdy = [engine.parse_date(text, f.code) for f in decision.formats if f.order == "mdy"]
    dmy = [engine.parse_date(text, f.code) for f in decision.formats if f.order == "dmy"]
    a, b = ibis.coalesce(*mdy), ibis.coalesce(*dmy)
    return (a.notnull() & b.notnull() & (a != b)).fill_null(False)  # type: ignore[no-any-return]


def decide_number(
    raw: ir.Table, column: str, kind: Kind, forced: str | None = None
) -> NumberDecision:
    """Whether a text column of amounts uses a decimal comma (``1.234,50``) or point, and
    which currency its values name (``€ 9,90``) when most of them name one."""
    if kind != "string":
        return NumberDecision(column)
    if forced:
        return NumberDecision(column, forced, f"decimal mark of {column!r} set to {forced!r}")
    sample = raw.select(v=raw[column].cast("string")).limit(SAMPLE_ROWS)
    v = sample.v
    symbols = {code: mark for mark, code in CURRENCY_MARKS.items() if len(mark) == 1}
    aggs: dict[str, ir.Scalar] = {
        "n": v.count(),
        "comma": v.re_search(r"\d,\d{1,2}\D*$").cast("int64").sum(),
        "point": v.re_search(r"\d\.\d{1,2}\D*$").cast("int64").sum(),
        "eu_thousands": v.re_search(r"^\D*\d{1,3}(\.\d{3})+(,\d*)?\D*$").cast("int64").sum(),
        "us_thousands": v.re_search(r"^\D*\d{1,3}(,\d{3})+(\.\d*)?\D*$").cast("int64").sum(),
        **{f"cur_{code}": v.contains(mark).cast("int64").sum() for code, mark in symbols.items()},
    }
    row = sample.aggregate(**aggs).to_pyarrow().to_pylist()[0]
    comma, point = int(row["comma"] or 0), int(row["point"] or 0)
    eu, us = int(row["eu_thousands"] or 0), int(row["us_thousands"] or 0)
    n = int(row["n"] or 0)
    named = [code for code in symbols if n and int(row[f"cur_{code}"] or 0) > n / 2]
    currency = named[0] if named else None
    if comma > point or (comma == point == 0 and eu > us):
        note = f"amounts in {column!r} read with a decimal comma"
        return NumberDecision(column, ",", note, currency)
    return NumberDecision(column, ".", currency=currency)


def parse_number(col: ir.Value, kind: Kind, decimal: str = ".") -> ir.FloatingValue:
    """Numbers from numeric columns or from text like ``$1,234.50``, ``€ 99,90``,
    ``(123.00)`` (negative), ``12%`` (0.12) or ``1 234,50``.

    A value holding both marks is read by its last mark whatever the column's
    decision (``1.234,50`` and ``1,234.50`` are both unambiguous).
    """
    if kind in ("integer", "float"):
        return col.cast("float64")  # type: ignore[no-any-return]
    if kind not in ("string",):
        return _null_like(col, "float64")  # type: ignore[return-value]
    text = col.cast("string").strip().nullif("")
    digits = text.re_replace(r"[^0-9.,]", "")
    comma_last = digits.re_search(r",[0-9]*$") & digits.contains(".")
    point_last = digits.re_search(r"\.[0-9]*$") & digits.contains(",")
    as_comma = digits.replace(".", "").replace(",", ".")
    as_point = digits.replace(",", "")
    body = ibis.cases(
        (comma_last, as_comma),
        (point_last, as_point),
        else_=as_comma if decimal == "," else as_point,
    ).nullif("")
    value = body.try_cast("float64")
    negative = text.re_search(r"^\(.*\)$") | text.re_search(r"-\s*[0-9.,]") | text.endswith("-")
    signed = ibis.ifelse(negative.fill_null(False), -value, value)
    return ibis.ifelse(text.endswith("%").fill_null(False), signed / 100, signed)  # type: ignore[no-any-return]


def _scalar(table: ir.Table) -> object:
    rows = table.to_pyarrow().to_pylist()
    return next(iter(rows[0].values())) if rows else None
