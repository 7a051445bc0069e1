"""How numbers are written in every text output (the rounding rules of docs/metrics.md).

- money: whole units with thousands separators from 1,000 up, else 2 decimals; with the
  report's currency sign (``$``, ``€``, ``£`` ...) or ISO code (``CHF 1,234``) when the data
  or the config names one, and with no sign at all when neither does (``1,234``)
- change_pct: signed, one decimal, ``+12.3%``
- fractions (rates and shares): percent with one decimal, ``34.1%``
- a change between two fractions: signed percentage points, one decimal, ``-1.2 points``
- counts: whole numbers with separators; other numbers: 2 decimals
"""

from __future__ import annotations

SYMBOLS = {"USD": "$", "EUR": "€", "GBP": "£", "JPY": "¥", "INR": "₹"}
FLAT_PCT = 0.5  # |change| below this many percent reads as "flat"


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


def count(value: float | None) -> str:
    if value is None:
        return "n/a"
    return f"{value:,.0f}"


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
