"""How numbers are written in every text output (the rounding rules of docs/metrics.md).

- money: whole units with thousands separators from 1,000 up, else 2 decimals; with the
  report's currency sign (``$``, ``€``, ``£`` ...) or ISO code (``CHF 1,234``) when the data
  or the config names one, and with no sign at all when neither does (``1,234``)
- change_pct: signed, one decimal, ``+12.3%``
- fractions (rates and shares): percent with one decimal, ``34.1%``
- a change between two fractions: signed percentage points, one decimal, ``-1.2 points``
- counts: whole numbers with separators; other numbers: 2 decimals

And how text from the data (product, region, channel, rep and campaign names, column names,
cell values) is shown: :func:`label` for a name, :func:`clean` for any text (docs/report-json.md,
"Text from the data").
"""

from __future__ import annotations

import re
from datetime import date
from typing import Protocol

SYMBOLS = {"USD": "$", "EUR": "€", "GBP": "£", "JPY": "¥", "INR": "₹"}
FLAT_PCT = 0.5  # |change| below this many percent reads as "flat"

LABEL_MAX = 80  # characters of a name in a sentence, a table cell or a chart (with the "…")
TEXT_MAX = 4000  # characters of any one sentence, table cell or chart string shown
ELLIPSIS = "…"

# Invisible characters that change how text around them reads: C0 and C1 controls, the
# bidirectional embeddings, overrides, isolates and marks (U+202A-U+202E, U+2066-U+2069,
# U+200E, U+200F, U+061C) and every other format character (Unicode category Cf: soft
# hyphen, zero-width space, word joiner, byte order mark, tags ...), except the zero-width
# joiner and non-joiner (U+200C, U+200D) that Persian, Indic scripts and emoji need.
# Lone surrogates (not text; they cannot be written as UTF-8) go too.
_INVISIBLE = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u00ad\u0600-\u0605\u061c\u06dd"
    "\u070f\u0890\u0891\u08e2\u180e\u200b\u200e\u200f\u202a-\u202e\u2060-\u2064"
    "\u2066-\u206f\ufeff\ufff9-\ufffb\ud800-\udfff\U000110bd\U000110cd"
    "\U00013430-\U0001343f\U0001bca0-\U0001bca3\U0001d173-\U0001d17a\U000e0001"
    "\U000e0020-\U000e007f]"
)
# line breaks of every kind read as one space in a name or a sentence
_BREAKS = re.compile("[\t\n\r\u0085\u2028\u2029]")


def _visible(text: str) -> str:
    return _BREAKS.sub(" ", _INVISIBLE.sub("", text))


def _shown(value: str, limit: int | None, squeeze: bool) -> str:
    """The first ``limit`` characters and one more of ``value`` made visible (and its
    white space squeezed), reading no more of a long ``value`` than that needs."""
    size = len(value) if limit is None else 2 * limit + 64
    while True:
        part = _visible(value[:size])
        if squeeze:
            part = " ".join(part.split())
        if limit is None or len(part) > limit or size >= len(value):
            return part
        size *= 4


def clean(text: object, limit: int | None = None) -> str:
    r"""``text`` without invisible control and format characters (line breaks and tabs
    become spaces); cut to ``limit`` characters, the last being "…", when longer.

    >>> clean("West\u202e (43.5%)")
    'West (43.5%)'
    >>> clean("a\x00b\nc"), clean("abcdef", limit=4)
    ('ab c', 'abc…')
    """
    return _cut(_shown(str(text), limit, squeeze=False), limit)


def label(text: object, limit: int = LABEL_MAX) -> str:
    r"""A name from the data as every output but report.json and the CSV tables shows it:
    clean (:func:`clean`), runs of white space as one space, at most ``limit`` characters.

    >>> label("  North\u202e   West ")
    'North West'
    >>> label("x" * 100, limit=10)
    'xxxxxxxxx…'
    """
    return _cut(_shown(str(text), limit, squeeze=True), limit)


def _cut(text: str, limit: int | None) -> str:
    if limit is None or len(text) <= limit:
        return text
    return text[: max(limit - 1, 0)].rstrip(" \u200c\u200d") + ELLIPSIS


def symbol(currency: str | None) -> str:
    """What goes before an amount: the sign of a known currency, else its code and a space;
    nothing when the currency is unknown (None).

    >>> symbol("GBP"), symbol("CHF"), symbol(None)
    ('£', 'CHF ', '')
    """
    if not currency:
        return ""
    code = currency.upper()
    return SYMBOLS.get(code, code + " ")


def money(value: float | None, currency: str | None = None) -> str:
    """An amount in ``currency``; without a symbol when the currency is not known.

    >>> money(1234567.891, "USD"), money(-217.756, "GBP"), money(1234567.891)
    ('$1,234,568', '-£217.76', '1,234,568')
    """
    if value is None:
        return "n/a"
    symbol_ = symbol(currency)
    sign = "-" if value < 0 else ""
    body = f"{abs(value):,.0f}" if abs(value) >= 1000 else f"{abs(value):,.2f}"
    return f"{sign}{symbol_}{body}"


def pct_change(value: float | None) -> str:
    """A change in percent, signed.

    >>> pct_change(12.345)
    '+12.3%'
    """
    if value is None:
        return "n/a"
    return f"{value:+.1f}%"


def fraction(value: float | None) -> str:
    """A fraction as a percentage.

    >>> fraction(0.3411)
    '34.1%'
    """
    if value is None:
        return "n/a"
    return f"{100 * value:.1f}%"


def points(value: float | None) -> str:
    """A change between two fractions in percentage points.

    >>> points(-0.0123)
    '-1.2 points'
    """
    if value is None:
        return "n/a"
    shown = round(100 * value, 1)
    return "0.0 points" if shown == 0 else f"{shown:+.1f} points"


def kpi_change(change_pct: float | None, change_points: float | None, unit: str) -> str:
    """A KPI's change as a reader expects it: a rate's in points, any other in percent.

    >>> kpi_change(-2.8, -0.021, "fraction"), kpi_change(7.2, None, "currency")
    ('-2.1 points', '+7.2%')
    """
    return points(change_points) if unit == "fraction" else pct_change(change_pct)


def p_value(value: float) -> str:
    """How sure a fit is: ``p = 0.03`` (the p-value, a fact), or "highly significant" when it
    rounds to zero."""
    shown = number(value)
    return "highly significant" if shown in ("0.00", "0") else f"p = {shown}"


def count(value: float | None) -> str:
    if value is None:
        return "n/a"
    return f"{value:,.0f}"


def plural(n: float | None, noun: str, many: str | None = None) -> str:
    """A count and its noun, singular for one: ``many`` is the plural where adding "s"
    is wrong (``category``/``categories``, ``person``/``people``).

    >>> plural(1, "day"), plural(3, "day"), plural(2, "category", "categories")
    ('1 day', '3 days', '2 categories')
    >>> plural(1234, "rep")
    '1,234 reps'
    """
    return f"{count(n)} {noun_for(n, noun, many)}"


def noun_for(n: float | None, noun: str, many: str | None = None) -> str:
    """The noun alone as :func:`plural` writes it after ``n``.

    >>> noun_for(1, "product is", "products are"), noun_for(0, "sale")
    ('product is', 'sales')
    """
    return noun if n == 1 else (many if many is not None else noun + "s")


class PeriodLike(Protocol):
    """What a period's wording needs: model.PeriodInfo and analysis.periods.Window."""

    @property
    def label(self) -> str: ...
    @property
    def grain(self) -> str: ...
    @property
    def start(self) -> date: ...
    @property
    def end(self) -> date: ...


def _span(p: PeriodLike) -> str:
    return f"{p.start:%d %b %Y} to {p.end:%d %b %Y}"


def period_name(p: PeriodLike) -> str:
    """A period as a title or a table names it: its label (``2024-Q3``, ``2024``), the
    dates of the whole data (``--period all``, whose label "all" names nothing) or of a
    custom range.

    >>> from types import SimpleNamespace as P
    >>> period_name(P(label="2024-Q3", grain="quarter", start=date(2024, 7, 1),
    ...                  end=date(2024, 9, 30)))
    '2024-Q3'
    >>> period_name(P(label="all", grain="all", start=date(2010, 12, 1),
    ...                  end=date(2011, 12, 9)))
    '01 Dec 2010 to 09 Dec 2011'
    """
    return _span(p) if p.grain in ("all", "custom") else p.label


def in_period(p: PeriodLike) -> str:
    """A period inside a sentence: ``in 2024-Q3``; ``over the whole period`` for
    ``--period all``; ``from 01 Jul 2024 to 30 Sep 2024`` for a custom range.

    >>> from types import SimpleNamespace as P
    >>> in_period(P(label="all", grain="all", start=date(2010, 12, 1), end=date(2011, 12, 9)))
    'over the whole period'
    """
    if p.grain == "all":
        return "over the whole period"
    if p.grain == "custom":
        return f"from {_span(p)}"
    return f"in {p.label}"


def of_period(p: PeriodLike) -> str:
    """A period after "every day of", "the edge of", "the rest of": ``2024-Q3``, or ``the
    whole period`` for ``--period all``, ``01 Jul 2024 to 30 Sep 2024`` for a custom range."""
    return "the whole period" if p.grain == "all" else period_name(p)


def number(value: float | None) -> str:
    """Plain quantities: whole numbers without decimals, others with two."""
    if value is None:
        return "n/a"
    if float(value).is_integer():
        return f"{value:,.0f}"
    return f"{value:,.0f}" if abs(value) >= 1000 else f"{value:,.2f}"


def by_unit(value: float | None, unit: str, currency: str | None = None) -> str:
    """Format a value by its unit name (``currency``, ``count``, ``fraction`` ...)."""
    if unit == "currency":
        return money(value, currency)
    if unit == "count":
        return count(value)
    if unit == "fraction":
        return fraction(value)
    if unit == "percent":
        return pct_change(value)
    return number(value)


def direction(change: float | None) -> str:
    """``up``, ``down``, ``flat`` or ``unknown`` for a change in percent."""
    if change is None:
        return "unknown"
    if abs(change) < FLAT_PCT:
        return "flat"
    return "up" if change > 0 else "down"


def direction_of(value: float | None, previous: float | None, change: float | None) -> str:
    """:func:`direction` of a value against its previous one, ``change`` in percent. Over a
    negative previous value (returns exceeded sales) the percent reads backwards
    (-20 to -34.62 is +73.1%), so there the difference says which way it went.

    >>> direction_of(-34.62, -20.0, 73.1), direction_of(120.0, 100.0, 20.0)
    ('down', 'up')
    """
    d = direction(change)
    if d in ("flat", "unknown") or value is None or previous is None or previous >= 0:
        return d
    return "up" if value > previous else "down"


def below_zero(value: float | None, previous: float | None = None) -> bool:
    """Whether either value is negative: a sentence then states both values instead of
    a rise or a fall in percent (``AOV was -$34.62 ...: returns exceeded sales``)."""
    return (value is not None and value < 0) or (previous is not None and previous < 0)
