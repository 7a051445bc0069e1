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

from salescope.engine import Engine, backend_name
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
    """How one text column of amounts is read: which character is the decimal mark, which
    characters group its thousands, whether its values may end with ``%`` or carry an
    exponent, and the currency its values name, if most of them name one.

    ``grouping``: the grouping characters its values use (a space stands for the no-break
    spaces too); empty when its sampled values group no digits, then any grouping
    character but the decimal mark is taken. ``percent``: ``12%`` reads 0.12 (a discount
    column, or most values end with ``%``). ``exponent``: ``1.5e3`` reads 1500 (most values
    are written so). ``codes``: the ISO currency codes its values write (``USD 12``).
    """

    column: str
    decimal: str = "."
    note: str = ""
    currency: str | None = None
    grouping: str = ""
    percent: bool = True
    exponent: bool = False
    codes: tuple[str, ...] = ()


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
    timed = v.re_search(r"\d:\d\d").cast("int64")
    if forced:
        fmt = BY_CODE.get(forced, DateFormat(forced, forced))
        return DateDecision(
            column,
            "text",
            (fmt,),
            False,
            bool(_scalar(sample.aggregate(n=timed.sum()))),
            f"dates in {column!r} read as {forced} (set in salescope.yml)",
        )
    # Each distinct date is read once and weighed by its count: a sample holds a few
    # hundred days, and a reading that fails is slow (DuckDB's try_strptime, per format).
    # Times are cut off every value in the same query that finds whether any has one:
    # without a time (no "d:dd") there is nothing for TIME_SUFFIX to cut.
    texts = sample.select(d=date_part(v, strip_time=True), timed=timed)
    values = texts.group_by("d").aggregate(k=texts.count(), timed=texts.timed.sum())
    part, k = values.d, values.k
    parsed = {f.code: engine.parse_date(part, f.code) for f in DATE_FORMATS}
    aggs: dict[str, ir.Scalar] = {"n": k.sum(where=part.notnull()), "timed": values.timed.sum()}
    aggs.update({f"ok{i}": k.sum(where=p.notnull()) for i, p in enumerate(parsed.values())})
    mdy = [parsed[f.code] for f in DATE_FORMATS if f.order == "mdy"]
    dmy = [parsed[f.code] for f in DATE_FORMATS if f.order == "dmy"]
    any_mdy = ibis.coalesce(*mdy).notnull()
    any_dmy = ibis.coalesce(*dmy).notnull()
    aggs["only_mdy"] = k.sum(where=any_mdy & ~any_dmy)
    aggs["only_dmy"] = k.sum(where=any_dmy & ~any_mdy)
    row = values.aggregate(**aggs).to_pyarrow().to_pylist()[0]
    strip_time = bool(row["timed"])
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


# The grammar of an amount written as text (see docs/quality.md, "Amounts"). White space
# around and inside amounts: a space, a tab, and the no-break spaces (U+00A0, U+202F)
# French and Swiss exports put between thousands.
_SP = r"[ \t\x{00A0}\x{202F}]"
_SPACE_GROUP = r"[ \x{00A0}\x{202F}]"  # a space between thousands, never a tab
SPACES = " \u00a0\u202f"
GROUPING = ",. '"  # a space stands for the no-break spaces too
CURRENCY_SIGNS = "$€£¥₹₽₩₪₺₫฿₱₴₦¢"
# written before or after an amount, besides the signs above and the ISO codes below
CURRENCY_WORDS = ("US$", "CA$", "C$", "AU$", "A$", "NZ$", "HK$", "S$", "R$", "MX$", "Rs.", "Rs")
# ISO 4217 currency codes (with RMB and CNH, as payment exports write the yuan)
_ISO_TEXT = (
    "AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BHD BIF BMD BND BOB BRL BSD BTN "
    "BWP BYN BZD CAD CDF CHF CLP CNH CNY COP CRC CUP CVE CZK DJF DKK DOP DZD EGP ERN ETB EUR "
    "FJD FKP GBP GEL GHS GIP GMD GNF GTQ GYD HKD HNL HTG HUF IDR ILS INR IQD IRR ISK JMD JOD "
    "JPY KES KGS KHR KMF KPW KRW KWD KYD KZT LAK LBP LKR LRD LSL LYD MAD MDL MGA MKD MMK MNT "
    "MOP MRU MUR MVR MWK MXN MYR MZN NAD NGN NIO NOK NPR NZD OMR PAB PEN PGK PHP PKR PLN PYG "
    "QAR RMB RON RSD RUB RWF SAR SBD SCR SDG SEK SGD SHP SLE SOS SRD SSP STN SVC SYP SZL THB "
    "TJS TMT TND TOP TRY TTD TWD TZS UAH UGX USD UYU UZS VES VND VUV WST XAF XCD XOF XPF YER "
    "ZAR ZMW ZWL"
)
ISO_CODES = frozenset(_ISO_TEXT.split())


def _escape(text: str) -> str:
    return "".join("\\" + ch if ch in r"\.^$|?*+()[]{}" else ch for ch in text)


def _group_class(decision: NumberDecision) -> list[str]:
    """The grouping characters a value of the column may use, one entry per family (the
    spaces are one), never the decimal mark."""
    allowed = decision.grouping or GROUPING
    return [g for g in GROUPING if g in allowed and g != decision.decimal]


def amount_grammar(decision: NumberDecision, backref: str = "\\") -> tuple[str, str]:
    r"""The regular expression of a well-formed amount of the column and the replacement
    that rewrites one as a number a cast reads; any other text becomes a lone decimal
    mark, which no cast reads.

    An amount is: an optional sign (a leading ``-`` or ``+``, a trailing ``-``, or
    parentheses), an optional currency sign or ISO code (one the column writes) before or
    after it (with or without a space), digits grouped by threes after the first group
    with one grouping character, at most one decimal mark (the column's), then, where the
    column allows them, an exponent and a ``%``. The rewrite puts the signs first (``(1 234,50)`` ->
    ``()1 234,50``), so two signs make a string no cast reads (``-+12``, ``--12``).
    ``backref`` is how the engine's replacement names a group (``\`` as in ``\1``, or
    ``$`` for Spark).
    """
    d = _escape(decision.decimal)
    cur = "|".join([f"[{_escape(CURRENCY_SIGNS)}]", *map(_escape, CURRENCY_WORDS), *decision.codes])
    cur = f"(?:{cur})"
    families = [_SPACE_GROUP if g == " " else _escape(g) for g in _group_class(decision)]
    grouped = "|".join(f"(?:{g}\\d{{3}})+" for g in families)
    integer = f"\\d{{1,3}}(?:{grouped})|\\d+" if grouped else "\\d+"
    lead = f"(?:([-+]){_SP}*(?:{cur}{_SP}*)?|{cur}{_SP}*([-+])?{_SP}*)?"
    parts = [
        f"^{_SP}*(\\()?{_SP}*",  # 1: (
        lead,  # 2, 3: a sign before or after a currency
        f"({integer})?(?:{d}(\\d*))?",  # 4: integer part, 5: fraction
    ]
    groups = ["1", "2", "3", "4", "5"]
    exponent = pct = ""
    if decision.exponent:
        parts.append("([eE][-+]?\\d+)?")
        exponent = str(len(groups) + 1)
        groups.append(exponent)
    if decision.percent:
        parts.append(f"(?:{_SP}*(%))?")
        pct = str(len(groups) + 1)
        groups.append(pct)
    end = str(len(groups) + 1)
    parts.append(f"(?:{_SP}*{cur})?{_SP}*([)-])?{_SP}*$")
    pattern = "".join(parts) + "|^(?s:.*)$"

    def ref(group: str) -> str:
        return backref + group if group else ""

    replacement = (
        ref(pct)
        + ref("1")
        + ref(end)
        + ref("2")
        + ref("3")
        + ref("4")
        + decision.decimal
        + ref("5")
        + ref(exponent)
    )
    return pattern, replacement


def decide_number(
    raw: ir.Table,
    column: str,
    kind: Kind,
    forced: str | None = None,
    *,
    percent: bool = False,
) -> NumberDecision:
    """How a text column of amounts is written: a decimal comma (``1.234,50``) or point,
    the grouping characters its values use, whether they end with ``%`` or carry an
    exponent (``percent``: the column is a share, such as a discount, whatever its
    values), and which currency they name (``€ 9,90``) when most of them name one."""
    if kind != "string":
        return NumberDecision(column)
    sample = raw.select(v=raw[column].cast("string")).limit(SAMPLE_ROWS)
    v = sample.v
    symbols = {code: mark for mark, code in CURRENCY_MARKS.items() if len(mark) == 1}
    # the first character of each value that stands between a digit and three more
    group = r"\d([,.'\x{00A0}\x{202F} ])\d{3}(?:\D|$)"
    aggs: dict[str, ir.Scalar] = {
        "n": v.count(),
        "comma": v.re_search(r"\d,\d{1,2}\D*$").cast("int64").sum(),
        "point": v.re_search(r"\d\.\d{1,2}\D*$").cast("int64").sum(),
        "eu_thousands": v.re_search(r"^\D*\d{1,3}(\.\d{3})+(,\d*)?\D*$").cast("int64").sum(),
        "us_thousands": v.re_search(r"^\D*\d{1,3}(,\d{3})+(\.\d*)?\D*$").cast("int64").sum(),
        # a regular expression only where a plain search finds the character
        "percent": _where(v.contains("%"), v.re_search(rf"\d{_SP}*%{_SP}*$")),
        "exponent": _where(
            v.contains("e") | v.contains("E"), v.re_search(rf"\d[eE][-+]?\d+{_SP}*$")
        ),
        "groups": v.re_extract(group, 1).nullif("").collect(distinct=True),
        **{f"cur_{code}": v.contains(mark).cast("int64").sum() for code, mark in symbols.items()},
        "codes": v.re_extract(r"([A-Z]{3})", 1).nullif("").collect(distinct=True),
    }
    row = sample.aggregate(**aggs).to_pyarrow().to_pylist()[0]
    comma, point = int(row["comma"] or 0), int(row["point"] or 0)
    eu, us = int(row["eu_thousands"] or 0), int(row["us_thousands"] or 0)
    n = int(row["n"] or 0)
    most = n / 2

    def count(name: str) -> int:
        return int(row[name] or 0)

    seen = "".join(row["groups"] or ())
    grouping = "".join(g for g in GROUPING if g in seen or (g == " " and set(seen) & set(SPACES)))
    percent = percent or count("percent") > most
    exponent = count("exponent") > most
    codes = tuple(sorted(c for c in row["codes"] or () if c in ISO_CODES))
    notes = []
    if forced:
        decimal, currency = forced, None
        notes.append(f"decimal mark of {column!r} set to {forced!r}")
    else:
        named = [code for code in symbols if n and count(f"cur_{code}") > most]
        currency = named[0] if named else None
        decimal = "," if comma > point or (comma == point == 0 and eu > us) else "."
        if decimal == ",":
            notes.append(f"amounts in {column!r} read with a decimal comma")
    if exponent:
        notes.append(f"amounts in {column!r} are written with an exponent (1.5e3 is 1500)")
    return NumberDecision(
        column,
        decimal,
        "; ".join(notes),
        currency,
        grouping.replace(decimal, ""),
        percent,
        exponent,
        codes,
    )


def _where(found: ir.BooleanValue, test: ir.BooleanValue) -> ir.IntegerScalar:
    """How many values ``test`` holds for, evaluated only where ``found`` holds."""
    return ibis.ifelse(found, test, False).cast("int64").sum()  # type: ignore[no-any-return]


def parse_number(
    col: ir.Value, kind: Kind, decision: NumberDecision | None = None
) -> ir.FloatingValue:
    """Numbers from numeric columns or from text like ``$1,234.50``, ``€ 99,90``,
    ``(123.00)`` and ``123.00-`` (negative), ``12%`` (0.12) or ``1 234,50``, read by the
    column's ``decision`` (:func:`decide_number`; without one: a decimal point, any
    grouping, ``%`` allowed, no exponent and no currency code).

    Text outside the column's grammar (:func:`amount_grammar`) is null, never a number:
    ``call 555-0199``, ``=1+2``, ``-3-2``, ``$1,2,3``, ``1.234,50`` in a decimal-point
    column. One regular expression per cell validates the amount and rewrites it; what
    follows are plain replacements and a cast.
    """
    if kind in ("integer", "float"):
        return col.cast("float64")  # type: ignore[no-any-return]
    if kind not in ("string",):
        return _null_like(col, "float64")  # type: ignore[return-value]
    decision = decision or NumberDecision("")
    pattern, replacement = amount_grammar(decision, _backref(col))
    text = col.cast("string").re_replace(pattern, replacement).replace("()", "-")
    for g in _group_class(decision):
        for ch in SPACES if g == " " else g:
            text = text.replace(ch, "")
    if decision.decimal != ".":
        text = text.replace(decision.decimal, ".")
    if not decision.percent:
        return text.try_cast("float64")  # type: ignore[no-any-return]
    value = text.replace("%", "").try_cast("float64")
    return ibis.ifelse(text.startswith("%"), value / 100, value)  # type: ignore[no-any-return]


def _backref(col: ir.Value) -> str:
    """How the engine's regexp_replace names a group in the replacement: ``\\1`` (DuckDB,
    Postgres and most SQL engines) or ``$1`` (Spark, Java's regular expressions)."""
    return "$" if backend_name(col) == "pyspark" else "\\"  # unbound: the default's style


def _scalar(table: ir.Table) -> object:
    rows = table.to_pyarrow().to_pylist()
    return next(iter(rows[0].values())) if rows else None
