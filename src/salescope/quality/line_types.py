"""What kind of line each sales line is: a sale, a return, a credit note, non-merchandise.

Exports mix lines that are not sales of goods among the sales: credit notes (an
invoice number such as ``C536379`` with negative quantities), postage and carriage,
bank charges and marketplace fees, manual adjustments, discounts, gift cards. They
are classified in the engine, from codes, names and signs:

- ``credit_note``: a return line whose order id carries a credit-note mark (``C123``,
  ``CN-123``, ``CR123``) or whose status says credit;
- ``return``: any other line with a negative quantity or amount, or a return status;
- ``non_merchandise``: a product code or name that is postage, shipping, a fee, a
  charge, an adjustment, a discount, a gift card or a sample; or a product sold one unit
  at a time at a price that differs from line to line by a factor of ten and more (a
  marketplace fee, a commission, a manual or open-price line, whatever its code);
- ``sale``: everything else.

Returns and credit notes reduce revenue and are never orders. Non-merchandise lines
stay in revenue (what the customer paid) but are never products, movers, stockouts or
actions. ``salescope.yml`` can reclassify a product code or name (``line_types:``).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass

import ibis
import ibis.expr.types as ir

from salescope.model import LineType

LINE_TYPES: tuple[LineType, ...] = ("sale", "return", "credit_note", "non_merchandise")
CREDIT_NOTE_ID = r"(?i)^\s*(c|cn|cr|gs|credit)[-_ ]?\d"
CREDIT_STATUS = r"(?i)(credit)"
# Product codes that are not goods (exact, case-insensitive), as retail and shop exports
# write them. One-letter codes (UCI's M, D, S, B) are too common as real product codes:
# those lines are found by their names (Manual, Discount, SAMPLES, Adjust bad debt).
NON_MERCH_CODES = (
    "post",
    "dot",
    "cruk",
    "pads",
    "bank charges",
    "amazonfee",
    "amazon fee",
    "adjust",
    "adjust2",
    "shipping",
    "postage",
    "freight",
    "fee",
    "fees",
    "discount",
    "giftcard",
    "gift card",
)
NON_MERCH_CODE = r"(?i)^\s*(" + "|".join(c.replace(" ", r"\s") for c in NON_MERCH_CODES) + r")\s*$"
# Names of such lines: anchored at the start, so "Postage" and "DOTCOM POSTAGE" match but
# a product called "Manual coffee grinder" does not.
NON_MERCH_NAME = (
    r"(?i)^\s*("
    r"(dotcom\s+)?postage|carriage|shipping(\s+(fee|charge|cost)s?)?|delivery\s+(fee|charge)s?"
    r"|freight|handling(\s+fee)?|bank\s+charges?|amazon\s+fee|marketplace\s+fee|"
    r"(service|transaction|payment|processing)\s+(fee|charge)s?|fees?|surcharge|"
    r"manual(\s+adjustment)?|adjust(ment)?(\s+bad\s+debt)?|discount|samples?|"
    r"gift\s*(card|voucher|certificate)s?(\s+.*)?|voucher|commission|cruk\s+commission|tip"
    r")\s*$"
)


# The price pattern of a line that is not goods: one unit per line, a price that moves
# freely (coefficient of variation, largest / smallest). A product must have this many
# lines to be judged, and when more products than the share below fit, the pattern is
# how this shop prices (a B2B price list), and none is taken.
OPEN_PRICE_MIN_LINES = 5
OPEN_PRICE_ONE_UNIT = 0.95
OPEN_PRICE_VARIATION = 0.5
OPEN_PRICE_SPREAD = 10.0
OPEN_PRICE_MAX_SHARE = 0.02
OPEN_PRICE_MAX_KEYS = 20


@dataclass(frozen=True)
class OpenPriced:
    """A product key whose lines look like fees or adjustments, not goods."""

    key: str  # as written on its lines
    name: str | None  # the product name beside it, if any
    lines: int
    low: float
    high: float


def open_priced(
    table: ir.Table,
    key: ir.Value,
    qty: ir.FloatingValue,
    price: ir.FloatingValue,
    name: ir.Value | None = None,
) -> tuple[OpenPriced, ...]:
    """The product keys of ``table`` whose positive sale lines are one unit each at a price
    that moves freely. One grouped scan on the raw key (no text function per line); only
    the keys found leave the engine. Empty when none fits, or when so many fit that the
    pattern is how the shop prices. Keys already known by code or name are the caller's
    to leave out."""
    t = table.mutate(_k=key, _n=name if name is not None else ibis.null("string"), _q=qty, _p=price)
    t = t.filter(t._k.notnull() & (t._p > 0) & (t._q > 0))
    g = t.group_by("_k").aggregate(
        name=t._n.min(),
        n=t.count(),
        ones=(t._q == 1).cast("int64").sum(),
        mean=t._p.mean(),
        sd=t._p.std(),
        low=t._p.min(),
        high=t._p.max(),
    )
    g = g.mutate(products=g.n.count().over(ibis.window()))
    fits = (
        (g.n >= OPEN_PRICE_MIN_LINES)
        & (g.ones >= OPEN_PRICE_ONE_UNIT * g.n)
        & (g.sd >= OPEN_PRICE_VARIATION * g.mean)
        & (g.high >= OPEN_PRICE_SPREAD * g.low)
    )
    found = g.filter(fits).order_by(ibis.desc("n")).limit(OPEN_PRICE_MAX_KEYS + 1)
    rows = found.to_pyarrow().to_pylist()
    if not rows or len(rows) > OPEN_PRICE_MAX_KEYS:
        return ()
    if len(rows) > max(3, OPEN_PRICE_MAX_SHARE * int(rows[0]["products"])):
        return ()
    return tuple(
        OpenPriced(
            _key_text(r["_k"]),
            None if r["name"] is None else str(r["name"]),
            int(r["n"]),
            float(r["low"]),
            float(r["high"]),
        )
        for r in rows
    )


def _key_text(value: object) -> str:
    """A key as its lines read it: ``17850.0`` as ``17850``, text trimmed."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def known_non_merchandise(code: str | None, name: str | None) -> bool:
    """The code and name test of ``non_merchandise``, for one product in Python."""
    return bool(
        (code is not None and re.search(NON_MERCH_CODE, code))
        or (name is not None and re.search(NON_MERCH_NAME, name))
    )


# Text tests on a column (a regular expression, a list of placeholder words) are answered
# once per distinct value: one scan collects the values each test holds for, and the
# validated lines then test membership in those few values. Above STORE_LINES lines the
# lines are an expression that each of the ~70 later queries runs again, and one regular
# expression over a column of 10M lines costs about 0.4 s per query. A test that holds for
# more values than this stays a test on every line.
MAX_VALUES = 5_000

# name -> (a text expression, the condition on a value of it)
Test = Callable[[ir.StringValue], ir.BooleanValue]
Tests = dict[str, tuple[ir.StringValue, Test]]


def value_sets(table: ir.Table, tests: Tests) -> dict[str, frozenset[str]]:
    """For each named test, the distinct values of its expression it holds for (one query;
    each test runs on the distinct values only); a test that holds for more than
    ``MAX_VALUES`` values is left out."""
    if not tests:
        return {}
    by_value: dict[object, tuple[ir.StringValue, dict[str, Test]]] = {}
    for key, (value, test) in tests.items():
        by_value.setdefault(value.op(), (value, {}))[1][key] = test
    parts = []
    for value, named in by_value.values():
        d = table.select(v=value).distinct()
        held = {key: d.v.collect(where=test(d.v).fill_null(False)) for key, test in named.items()}
        parts.append(d.aggregate(**held))
    row = parts[0].cross_join(*parts[1:]) if len(parts) > 1 else parts[0]
    found = row.to_pyarrow().to_pylist()[0]
    # a collect over no values is null, not an empty list
    return {
        key: frozenset(str(v) for v in values or ())
        for key, values in found.items()
        if len(values or ()) <= MAX_VALUES
    }


def holds(
    found: Mapping[str, frozenset[str]], key: str, value: ir.StringValue, test: Test
) -> ir.BooleanValue:
    """Test ``key`` on every line: membership in the values ``found`` lists for it (a
    constant false when there are none), else ``test`` on the value itself."""
    if key not in found:
        return test(value).fill_null(False)
    values = found[key]
    if not values:
        return ibis.literal(False)
    return value.isin(sorted(values)).fill_null(False)  # type: ignore[no-any-return]


def _matches(pattern: str) -> Test:
    return lambda v: v.re_search(pattern)


_CREDIT_STATUS = _matches(CREDIT_STATUS)


def _is_key(key: str) -> Test:
    return lambda v: v.strip().lower() == key.strip().lower()


def non_merch_tests(
    code: ir.StringValue | None,
    name: ir.StringValue | None,
    overrides: Mapping[str, str] | None = None,
) -> Tests:
    """The named text tests of :func:`non_merchandise`: the code and name patterns, and
    each ``line_types:`` key against the code and the name."""
    tests: Tests = {}
    if code is not None:
        tests["code"] = (code, _matches(NON_MERCH_CODE))
    if name is not None:
        tests["name"] = (name, _matches(NON_MERCH_NAME))
    for key in overrides or {}:
        for label, col in (("code", code), ("name", name)):
            if col is not None:
                tests[f"{label}={key}"] = (col, _is_key(key))
    return tests


def non_merchandise(
    code: ir.StringValue | None,
    name: ir.StringValue | None,
    overrides: Mapping[str, str] | None = None,
    found: Mapping[str, frozenset[str]] | None = None,
) -> ir.BooleanValue:
    """True where the product code or name marks a line that is not goods; ``found``
    (:func:`value_sets` of :func:`non_merch_tests`) answers the tests by membership."""
    tests = non_merch_tests(code, name, overrides)

    def test(key: str) -> ir.BooleanValue:
        return holds(found or {}, key, *tests[key])

    result: ir.BooleanValue = ibis.literal(False)
    for key in ("code", "name"):
        if key in tests:
            result = result | test(key)
    for key, kind in (overrides or {}).items():
        hit: ir.BooleanValue = ibis.literal(False)
        for label in ("code", "name"):
            if f"{label}={key}" in tests:
                hit = hit | test(f"{label}={key}")
        result = ibis.ifelse(hit, kind == "non_merchandise", result)
    return result


def status_tests(status: ir.StringValue | None, return_words: str) -> Tests:
    """The named text tests of a status column: a return (``return_words``) and a credit."""
    if status is None:
        return {}
    return {
        "status_return": (status, _matches(return_words)),
        "status_credit": (status, _CREDIT_STATUS),
    }


def classify(
    is_return: ir.BooleanValue,
    non_merch: ir.BooleanValue,
    order_id: ir.StringValue | None,
    status: ir.StringValue | None,
    found: Mapping[str, frozenset[str]] | None = None,
) -> ir.StringValue:
    """The line type of every line (see the module docstring). The credit-note mark of an
    order id is read on return lines only."""
    credit: ir.BooleanValue = ibis.literal(False)
    if order_id is not None:
        credit = credit | order_id.re_search(CREDIT_NOTE_ID).fill_null(False)
    if status is not None:
        credit = credit | holds(found or {}, "status_credit", status, _CREDIT_STATUS)
    return ibis.cases(  # type: ignore[no-any-return]
        (non_merch, "non_merchandise"),
        (is_return, ibis.ifelse(credit, "credit_note", "return")),
        else_="sale",
    )
