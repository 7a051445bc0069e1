"""Grounding: is every number in a text one of the report's facts?

A report's text is built from facts (``report.facts``), formatted by
:mod:`salescope.narrative.format`. This module finds every number a reader would see in a
text and checks each against the strings the facts format to. It guards the optional
language model (:mod:`salescope.narrative.llm`) and, in the tests, the templates.

How numbers are checked (docs/llm.md, "How numbers are checked"):

- A token is grounded when it equals, character for character, a string that
  :mod:`~salescope.narrative.format` writes for some fact by its unit: ``currency`` with
  :func:`~salescope.narrative.format.money` in the report's currency (a plain amount,
  ``1,234``, when the report's currency is unknown), ``count`` with
  ``count``, ``fraction`` with ``fraction``, ``percent`` with ``pct_change``, and every
  other numeric unit (``number``, ``index``, ``score`` ...) with ``number``. The rounding is
  therefore format.py's: whole money from 1,000 up, else 2 decimals; one decimal for
  percents and points; whole counts; other numbers 2 decimals unless whole.
- Signs: a negative value may also be written without its minus ("down 5.2%" for -5.2,
  "took $15,607" for -15,607), and a positive one with an explicit ``+``. A ``percent``
  fact may also be written without its sign ("up 5.8%").
- A ``fraction`` fact that is a difference (its id ends in ``change`` or ``shift``, its
  last id part starts with ``from_``, or its label says "change" or "points") may also be
  written in percentage points: ``points`` (``+1.1 points``, ``0.0 points``), with or
  without its sign.
- A ``date`` fact (an ISO date) may be written ``2026-04-06``, ``April 2026``,
  ``Apr 2026``, ``06 Apr 2026`` or ``6 Apr 2026``; a ``month`` fact (``2026-04``) as
  ``2026-04``, ``April 2026`` or ``Apr 2026``.
- ``1.19x`` is the number ``1.19`` (an index or ratio); any other letters glued to a number
  (``9.9M``, ``3rd``) keep the token from matching anything.
- A token is also grounded when it is one of the ``allowed`` strings the caller passes (the
  run's period labels), or a token inside one of them; an ISO date among them allows its
  other date forms too.
- Digits inside a ``protected`` string (a product, customer, campaign or file name) are not
  numbers: those strings are blanked out before the search. Strings without a letter are
  never protected, since they could not be told apart from figures.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from functools import lru_cache

from salescope.model import Fact
from salescope.narrative import format as fmt

__all__ = ["Found", "blank", "extract_numbers", "fact_strings", "ungrounded"]


@dataclass(frozen=True)
class Found:
    """A number as a reader sees it in a text.

    ``kind`` is one of ``money``, ``percent`` (signed), ``fraction`` (a percent without a
    sign), ``points``, ``number``, ``date``, ``period``, ``version``.
    """

    kind: str
    text: str
    span: tuple[int, int]


def _currency_symbols() -> str:
    chars = (chr(c) for c in range(0x10000) if unicodedata.category(chr(c)) == "Sc")
    return "".join(re.escape(c) for c in chars)


_LONG_MONTHS = (
    "January|February|March|April|May|June|July|August|September|October|November|December"
)
_SHORT_MONTHS = "Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec"
_MONTH = rf"(?:{_LONG_MONTHS}|{_SHORT_MONTHS})"
# a token starts where no letter or digit touches it on the left (digits after a letter are
# part of a name: P0034, Q3, W37, v0.1.0) and ends where no digit or decimal part goes on
# not inside a word, a decimal, or an identifier joined by a hyphen ("UTF-8", "ISO-8859-1")
_START = r"(?<![^\W_])(?<![0-9][.,])(?<![A-Za-z]-)"
_END_DIGITS = r"(?![0-9]|[.,][0-9])"
_SIGN = r"[-+]"
# thousands groups first; then any digits with points or commas ("9,90" stays one token)
_AMOUNT = r"\d{1,3}(?:,\d{3})+(?:\.\d+)?(?![.,]\d)|\d+(?:[.,]\d+)*"
# ISO codes written before an amount ("CHF 1,234"); format.py writes the code for any
# currency without a symbol, and ungrounded() adds the report's own code to these
# fmt: off
CODES: tuple[str, ...] = (
    "USD", "EUR", "GBP", "JPY", "CNY", "INR", "CHF", "CAD", "AUD", "NZD", "SEK", "NOK",
    "DKK", "ISK", "PLN", "CZK", "HUF", "RON", "BGN", "TRY", "RUB", "UAH", "BRL", "MXN",
    "ARS", "CLP", "COP", "PEN", "UYU", "ZAR", "NGN", "EGP", "KES", "MAD", "AED", "SAR",
    "ILS", "QAR", "KWD", "SGD", "HKD", "TWD", "KRW", "THB", "MYR", "IDR", "PHP", "VND",
    "PKR", "BDT",
)
# fmt: on


def _patterns(codes: str) -> tuple[tuple[str, str], ...]:
    symbols = _currency_symbols()
    no_period = r"(?!-(?:[0-9]|Q[1-4]|W[0-9]))"
    return (
        ("date", rf"{_START}\d{{4}}-\d{{2}}-\d{{2}}{_END_DIGITS}(?![^\W_])"),
        ("date", rf"{_START}\d{{1,2}} {_MONTH} \d{{4}}{_END_DIGITS}(?![^\W_])"),
        ("date", rf"{_START}{_MONTH}\.? \d{{4}}{_END_DIGITS}(?![^\W_])"),
        ("period", rf"{_START}(?:FY)?\d{{4}}-(?:Q[1-4]|W\d{{2}}|\d{{2}})(?![^\W_])(?!-\d)"),
        (
            "money",
            rf"(?:{_START}{_SIGN})?(?:[{symbols}] ?|{_START}(?:{codes}) )"
            rf"(?:{_AMOUNT}){_END_DIGITS}{no_period}[^\W\d_]*",
        ),
        ("version", rf"{_START}\d+\.\d+(?:\.\d+)+(?![0-9])"),
        ("points", rf"(?:{_START}{_SIGN}|{_START})(?:{_AMOUNT}){_END_DIGITS} points?\b"),
        ("percent", rf"{_START}{_SIGN}(?:{_AMOUNT}){_END_DIGITS} ?%"),
        ("fraction", rf"{_START}(?:{_AMOUNT}){_END_DIGITS} ?%"),
        ("period", rf"{_START}(?:FY\d{{4}}|\d{{4}}){_END_DIGITS}(?![^\W_])"),
        ("number", rf"(?:{_START}{_SIGN}|{_START})(?:{_AMOUNT}){_END_DIGITS}[^\W\d_]*"),
    )


@lru_cache(maxsize=16)
def _scanner(codes: tuple[str, ...]) -> tuple[re.Pattern[str], dict[str, str]]:
    patterns = _patterns("|".join(re.escape(c) for c in codes))
    scan = re.compile("|".join(f"(?P<k{i}>{p})" for i, (_, p) in enumerate(patterns)))
    return scan, {f"k{i}": kind for i, (kind, _) in enumerate(patterns)}


def blank(text: str, protected: Iterable[str]) -> str:
    """``text`` with every ``protected`` string (that has a letter) replaced by spaces, as a
    whole word only; spans stay where they were.

    >>> blank("P0034 sold 3", ["P0034"])
    '      sold 3'
    """
    names = sorted({p for p in protected if any(ch.isalpha() for ch in p)}, key=len, reverse=True)
    if not names:
        return text
    pattern = re.compile(r"(?<![^\W_])(?:" + "|".join(re.escape(n) for n in names) + r")(?![^\W_])")
    return pattern.sub(lambda m: " " * len(m.group(0)), text)


def extract_numbers(
    text: str, protected: Iterable[str] = (), codes: Iterable[str] = ()
) -> list[Found]:
    """Every number a reader would see in ``text``, in order, ``protected`` names aside.

    >>> [f.text for f in extract_numbers("Spring Sale 2026 took $1,234 (+5.2%) in 2026-Q3",
    ...                                  protected=["Spring Sale 2026"])]
    ['$1,234', '+5.2%', '2026-Q3']

    ``codes`` adds currency codes to those recognised before an amount (:data:`CODES`).
    """
    scan, kinds = _scanner(tuple(sorted(set(CODES) | {c.upper() for c in codes})))
    blanked = blank(text, protected)
    found = []
    for m in scan.finditer(blanked):
        kind = kinds[m.lastgroup or ""]
        found.append(Found(kind, text[m.start() : m.end()], (m.start(), m.end())))
    return found


def _is_difference(f: Fact) -> bool:
    last = f.id.rsplit(".", 1)[-1]
    label = f.label.lower()
    return (
        last.endswith(("change", "shift"))
        or last.startswith("from_")
        or "change" in label
        or "points" in label
    )


def _signed(forms: set[str], value: float, write: Callable[[float], str]) -> None:
    """``write(value)``; the same without its sign; and with ``+`` when it is positive."""
    forms.add(write(value))
    unsigned = write(abs(value)).lstrip("+")
    forms.add(unsigned)
    if value > 0:
        forms.add("+" + unsigned)


def _date_forms(value: str) -> set[str]:
    try:
        if len(value) == 7:
            d = date.fromisoformat(value + "-01")
            return {value, f"{d:%B %Y}", f"{d:%b %Y}"}
        d = date.fromisoformat(value)
    except ValueError:
        return {value}
    return {value, f"{d:%B %Y}", f"{d:%b %Y}", f"{d:%d %b %Y}", f"{d.day} {d:%b %Y}"}


def _forms(f: Fact, currency: str | None) -> set[str]:
    value = f.value
    if value is None or isinstance(value, bool):
        return set()
    if isinstance(value, str):
        return _date_forms(value)
    forms: set[str] = set()
    v = float(value)
    if f.unit == "currency":
        _signed(forms, v, lambda x: fmt.money(x, currency))
    elif f.unit == "count":
        _signed(forms, v, fmt.count)
    elif f.unit == "fraction":
        _signed(forms, v, fmt.fraction)
        if _is_difference(f):
            _signed(forms, v, fmt.points)
    elif f.unit == "percent":
        _signed(forms, v, fmt.pct_change)
    else:
        _signed(forms, v, fmt.number)
    return forms


def fact_strings(facts: Mapping[str, Fact], currency: str | None) -> frozenset[str]:
    """Every string a number may be written as under the rules above; built once per facts
    dict and currency, then reused."""
    for entry in _CACHE:
        if entry[0] is facts and entry[1] == currency and entry[2] == len(facts):
            return entry[3]
    strings = frozenset(s for f in facts.values() for s in _forms(f, currency))
    _CACHE.insert(0, (facts, currency, len(facts), strings))
    del _CACHE[_CACHE_SIZE:]
    return strings


_CACHE: list[tuple[Mapping[str, Fact], str | None, int, frozenset[str]]] = []
_CACHE_SIZE = 8


def _allowed_strings(allowed: Iterable[str]) -> set[str]:
    out: set[str] = set()
    for a in allowed:
        out.add(a)
        for f in extract_numbers(a):
            out |= _date_forms(f.text) if f.kind in ("date", "period") else {f.text}
    return out


def _key(found: Found) -> str:
    text = found.text
    if found.kind == "number" and text.endswith("x") and text[:-1][-1:].isdigit():
        return text[:-1]
    if found.kind in ("percent", "fraction") and " %" in text:
        return text.replace(" %", "%")
    return text


def ungrounded(
    text: str,
    facts: Mapping[str, Fact],
    *,
    currency: str | None,
    allowed: Iterable[str] = (),
    protected: Iterable[str] = (),
) -> list[Found]:
    """The numbers in ``text`` that are no fact's formatted value (rules in the module
    docstring), nor one of ``allowed``.

    >>> facts = {"kpi.revenue": Fact("kpi.revenue", 1234.5, "currency", "Revenue")}
    >>> [f.text for f in ungrounded("Revenue was $1,234, not $1,235.", facts, currency="USD")]
    ['$1,235']

    Without a currency (``None``) money facts are written as plain amounts, and an amount
    with a currency sign is not one of them:

    >>> [f.text for f in ungrounded("Revenue was 1,234, not $1,234.", facts, currency=None)]
    ['$1,234']
    """
    known = fact_strings(facts, currency)
    extra = _allowed_strings(allowed)
    return [
        f
        for f in extract_numbers(text, protected, codes=(currency,) if currency else ())
        if _key(f) not in known and _key(f) not in extra
    ]
