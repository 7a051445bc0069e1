"""Amounts written as text follow a strict grammar per column (docs/quality.md, Amounts):
text that is not an amount is quarantined with its reason and its text, never summed.

Expected figures are written by hand beside the values or computed with Python's Decimal
from the numbers a test formatted, never by salescope. Files go through the validator
(``salescope.pipeline.load``) or the whole run; single columns through the column
decision and the parse the validator uses, on DuckDB.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import cache
from pathlib import Path

import ibis
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from salescope.config import Config
from salescope.engine import Engine, connect
from salescope.model import Quality
from salescope.pipeline import load
from salescope.quality.formats import NumberDecision, decide_number, parse_number
from tests.messy import read_quarantine, same_value
from tests.test_messy_values import lines, run_file

TODAY = date(2026, 11, 1)
NBSP, NNBSP = "\u00a0", "\u202f"

# Text that the former reading turned into a number (what it made of it, for the record).
HOSTILE = {
    "call 555-0199": -5550199,
    "see invoice #4711": 4711,
    "@SUM(A1)": 1,
    "=1+2": 12,
    "-3-2": -32,
    "1e5": 15,
    "0x10": 10,
    "$1,2,3": 123,
    "12abc": 12,
}


@cache
def engine() -> Engine:
    return connect("duckdb")


def parsed(
    values: list[str], *, percent: bool = False, decimal: str | None = None
) -> list[float | None]:
    """Each value of one text column, read as the validator reads an amount column."""
    e = engine()
    table = e.materialize(
        ibis.memtable(
            {"i": list(range(len(values))), "amount": values},
            schema={"i": "int64", "amount": "string"},
        )
    )
    decision = decide_number(table, "amount", "string", decimal, percent=percent)
    out = table.select(table.i, n=parse_number(table.amount, "string", decision)).order_by("i")
    return [None if v is None else float(v) for v in out.to_pyarrow().column("n").to_pylist()]


@dataclass
class Read:
    """What the validator made of a file: revenue per customer id, quality, quarantine."""

    revenue: dict[str, float]
    quality: Quality
    quarantine: list[dict[str, str]]

    @property
    def total(self) -> float:
        return round(sum(self.revenue.values()), 2)


def read(tmp_path: Path, content: str, config: Config | None = None) -> Read:
    path = tmp_path / "sales.csv"
    path.write_text(content, encoding="utf-8", newline="")
    validation = load([path], config or Config(), engine(), TODAY).validation
    t = validation.lines.table
    rows = t.select("customer_id", "revenue").to_pyarrow().to_pylist()
    out = tmp_path / "quarantine.csv"
    validation.write_quarantine(out)
    revenue = {str(r["customer_id"]): round(float(r["revenue"]), 6) for r in rows}
    assert len(revenue) == len(rows)  # one line per customer id in these files
    return Read(revenue, validation.quality, read_quarantine(out))


def reconciles(q: Quality) -> bool:
    return q.rows_read == q.rows_accepted + q.rows_quarantined


# --- the reported file: text in an amount column --------------------------------------

GOOD = [  # (as written, value worked out by hand)
    ("$1,234.50", Decimal("1234.50")),
    ("12.00", Decimal("12.00")),
    ("(20.00)", Decimal("-20.00")),
    ("99.99", Decimal("99.99")),
    ("USD 30", Decimal("30")),
    ("7.25", Decimal("7.25")),
    ("1,000.00", Decimal("1000.00")),
    ("45.10", Decimal("45.10")),
    ("12.50-", Decimal("-12.50")),
    ("0.99", Decimal("0.99")),
    ("310.00", Decimal("310.00")),
    ("$5.00", Decimal("5.00")),
    ("18.40", Decimal("18.40")),
]


def test_hostile_text_in_the_revenue_column_is_quarantined_never_summed(tmp_path: Path) -> None:
    """22 lines: 13 amounts and the 9 texts that once summed to -$5.5M with 0 quarantined."""
    cells = [text for text, _ in GOOD] + list(HOSTILE)
    body = [f'2024-03-{i + 1:02d},C{i + 1},"{cell}"' for i, cell in enumerate(cells)]
    run = run_file(tmp_path, lines("date,customer_id,revenue", *body))
    q = run.report.quality
    assert (q.rows_read, q.rows_accepted, q.rows_quarantined) == (22, 13, 9)
    assert reconciles(q)
    want = sum(value for _, value in GOOD)  # 2730.73
    assert run.revenue == float(want) == 2730.73
    assert run.kpi("returns") == 32.5  # (20.00) and 12.50-
    assert sorted(row["_reason"] for row in run.quarantine) == ["unparseable_revenue"] * 9
    kept = [row["revenue"] for row in run.quarantine]
    for text in HOSTILE:  # the text itself, as written (a formula gets its leading ')
        assert sum(same_value(text, cell) for cell in kept) == 1, (text, kept)
    check = run.checks()["unparseable_revenue"]
    assert (check["severity"], check["column"], check["rows"]) == ("error", "revenue", 9)
    assert q.score < 100


@pytest.mark.parametrize("text", list(HOSTILE))
def test_each_hostile_text_reads_as_no_number(text: str) -> None:
    values = [text, *(written for written, _ in GOOD)]
    got = parsed(values)
    assert got[0] is None
    assert got[1:] == [float(v) for _, v in GOOD]


def test_hostile_text_in_other_amount_columns_is_quarantined(tmp_path: Path) -> None:
    """A discount, a price or a quantity, and a cost beside the revenue: text that is not
    an amount is quarantined under the column's role."""
    run = read(
        tmp_path,
        lines(
            "date,customer_id,quantity,unit_price,discount",
            "2024-03-01,C1,2,10.00,15%",  # 20 x 0.85 = 17
            "2024-03-02,C2,1,5.00,0",  # 5
            "2024-03-03,C3,1,100.00,=1+2",
            "2024-03-04,C4,12abc,3.00,0%",
            "2024-03-05,C5,4,2.50,0%",  # 10
            "2024-03-06,C6,1,$1,2,3,0%",  # not even one field too many: quoted below
        ).replace("$1,2,3", '"$1,2,3"'),
    )
    assert run.revenue == {"C1": 17.0, "C2": 5.0, "C5": 10.0}
    assert reconciles(run.quality) and run.quality.rows_quarantined == 3
    reasons = {row["customer_id"]: row["_reason"] for row in run.quarantine}
    assert reasons == {
        "C3": "unparseable_discount",
        "C4": "unparseable_quantity",
        "C6": "unparseable_unit_price",
    }
    # a cost may be empty (one line in twelve: kept), not text
    costs = {i: f"${4 * i}.00" for i in range(1, 13)} | {2: "call 555-0199", 3: ""}
    body = [f"2024-03-{i:02d},C{i},{10 * i}.00,{cost}" for i, cost in costs.items()]
    cost = read(tmp_path, lines("date,customer_id,revenue,cost", *body))
    assert cost.quality.mapping.get("cost") == "cost"
    assert cost.revenue == {f"C{i}": 10.0 * i for i in costs if i != 2}
    assert [(r["customer_id"], r["_reason"], r["cost"]) for r in cost.quarantine] == [
        ("C2", "unparseable_cost", "call 555-0199")
    ]


# --- well-formed amounts keep their exact value ---------------------------------------

POINT = [  # a decimal-point column
    ("1,234.56", 1234.56),
    ("(12.50)", -12.5),
    ("12.50-", -12.5),
    ("USD 12", 12.0),
    ("12.50 USD", 12.5),
    ("$1,234,567.89", 1234567.89),
    ("-$5.00", -5.0),
    ("$-5.00", -5.0),
    ("($7.10)", -7.1),
    ("+3", 3.0),
    (".5", 0.5),
    (" 8.00 ", 8.0),
    ("€7.25", 7.25),
    ("0", 0.0),
]
COMMA = [  # a decimal-comma column, as French and German exports write it
    ("1.234,56", 1234.56),
    (f"€ 1{NBSP}234,56", 1234.56),
    (f"1{NNBSP}234,56 €", 1234.56),
    ("1 234,56", 1234.56),
    ("99,90", 99.9),
    ("(10,00)", -10.0),
    ("12,50-", -12.5),
    ("EUR 3,10", 3.1),
    ("1.000.000,01", 1000000.01),
]


@pytest.mark.parametrize(
    ("cases", "header"), [(POINT, "date,customer_id,revenue"), (COMMA, "date;customer_id;revenue")]
)
def test_well_formed_amounts_are_read_exactly(
    tmp_path: Path, cases: list[tuple[str, float]], header: str
) -> None:
    sep = header[4]
    body = [f'2024-03-01{sep}C{i}{sep}"{text}"' for i, (text, _) in enumerate(cases)]
    run = read(tmp_path, lines(header, *body))
    assert run.revenue == {f"C{i}": value for i, (_, value) in enumerate(cases)}
    assert run.quality.rows_quarantined == 0
    assert parsed([text for text, _ in cases]) == [value for _, value in cases]


def test_a_percent_is_a_share_in_a_discount_column_only(tmp_path: Path) -> None:
    run = read(
        tmp_path,
        lines(
            "date,customer_id,quantity,unit_price,discount",
            "2024-03-01,C1,2,10.00,12%",  # 20 x 0.88
            "2024-03-02,C2,1,50.00,0.1",  # 50 x 0.9
            "2024-03-03,C3,1,8.00,0",
        ),
    )
    assert run.revenue == {"C1": 17.6, "C2": 45.0, "C3": 8.0}
    assert parsed(["12%", "0.1", "5"], percent=True) == [0.12, 0.1, 5.0]
    assert parsed(["12,5 %", f"7,25{NBSP}%"], percent=True) == [0.125, 0.0725]
    # in a revenue column 12% is no amount (most values carry no %)
    assert parsed(["12%", "10.00", "4.50"]) == [None, 10.0, 4.5]
    # a column whose values are mostly percentages reads them as shares
    assert parsed(["12%", "50%", "7.5%", "3"]) == [0.12, 0.5, 0.075, 3.0]


def test_exponents_only_in_a_column_that_uses_them(tmp_path: Path) -> None:
    # most values with an exponent: they are numbers (one line of text makes it a text
    # column, which the first run does not take for an amount: salescope.yml maps it)
    uses = read(
        tmp_path,
        lines(
            "date,customer_id,revenue",
            "2024-03-01,C1,1.5e3",
            "2024-03-02,C2,2.5E2",
            "2024-03-03,C3,-1e1",
            "2024-03-04,C4,4e+2",
            "2024-03-05,C5,see invoice #4711",
        ),
        Config(mapping={"revenue": "revenue"}),
    )
    assert uses.revenue == {"C1": 1500.0, "C2": 250.0, "C3": -10.0, "C4": 400.0}
    assert [r["_reason"] for r in uses.quarantine] == ["unparseable_revenue"]
    assert any("exponent" in a for a in uses.quality.assumptions)
    plain = read(
        tmp_path,
        lines(
            "date,customer_id,revenue",
            "2024-03-01,C1,$12.00",
            "2024-03-02,C2,1.5e3",
            "2024-03-03,C3,7.50",
        ),
    )
    assert plain.revenue == {"C1": 12.0, "C3": 7.5}
    assert [(r["customer_id"], r["revenue"]) for r in plain.quarantine] == [("C2", "1.5e3")]


def test_grouping_and_decimal_mark_are_the_columns() -> None:
    # a decimal-point column: groups of three, one grouping character a value, one mark
    values = ["1,234.50", "12.00", "1.234,50", "1 234.50", "1,23", "12,3456.00", "1,234 567.00"]
    assert parsed(values) == [1234.5, 12.0, None, 1234.5, None, None, None]
    # grouping characters the column does not use (past the sample) are not taken
    comma_only = NumberDecision("amount", ".", grouping=",")
    table = ibis.memtable({"v": ["1 234.50", "1'234.50", "1,234.50"]})
    read_back = table.select(n=parse_number(table.v, "string", comma_only))
    assert engine().con.to_pyarrow(read_back).column("n").to_pylist() == [None, None, 1234.5]
    # Swiss apostrophes, and a decimal comma forced by salescope.yml
    assert parsed(["1'234.50", "3.20"]) == [1234.5, 3.2]
    assert parsed(["1.234", "2,5"], decimal=",") == [1234.0, 2.5]
    # a code the column does not write, or no currency at all
    assert parsed(["12 ABC", "USD 12", "12 all"]) == [None, 12.0, None]


# --- properties -----------------------------------------------------------------------

PROPERTY = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@dataclass(frozen=True)
class Style:
    """How one column writes its amounts."""

    decimal: str
    grouping: str  # "" for none
    before: str  # currency before the number, with its space if any
    after: str  # currency after it
    negative: str  # "lead", "trail" or "paren"

    def write(self, value: Decimal) -> str:
        whole, cents = f"{abs(value):.2f}".split(".")
        if self.grouping:
            whole = f"{int(whole):,}".replace(",", self.grouping)
        text = f"{self.before}{whole}{self.decimal}{cents}{self.after}"
        if value >= 0:
            return text
        return {"lead": f"-{text}", "trail": f"{text}-", "paren": f"({text})"}[self.negative]


@st.composite
def styles(draw: st.DrawFn) -> Style:
    decimal = draw(st.sampled_from((".", ",")))
    grouping = draw(
        st.sampled_from([g for g in ("", ",", ".", " ", NBSP, NNBSP, "'") if g != decimal])
    )
    currency = draw(
        st.sampled_from((("", ""), ("$", ""), ("", " €"), ("USD ", ""), ("", "EUR"), ("£", "")))
    )
    negative = draw(st.sampled_from(("lead", "trail", "paren")))
    return Style(decimal, grouping, currency[0], currency[1], negative)


amounts = st.decimals("-9999999.99", "9999999.99", places=2)


@PROPERTY
@given(styles(), st.lists(amounts, min_size=1, max_size=30))
def test_every_written_amount_reads_back_as_its_value(style: Style, values: list[Decimal]) -> None:
    # one value with cents that do not end in 0: every column shows its decimal mark
    values = [*values, Decimal("1.25")]
    assert parsed([style.write(v) for v in values]) == [float(v) for v in values]


@PROPERTY
@given(st.lists(st.decimals("0", "100", places=1), min_size=1, max_size=20), st.booleans())
def test_every_percentage_and_exponent_reads_back(values: list[Decimal], comma: bool) -> None:
    mark = "," if comma else "."
    shares = [f"{v}".replace(".", mark) + "%" for v in values]
    assert parsed(shares, percent=True) == [float(v) / 100 for v in values]
    written = [f"{v:e}".replace(".", mark) for v in values]
    decimal = mark if comma else None  # 1,000000e+01 says nothing of its mark: as salescope.yml
    assert parsed(written, decimal=decimal) == [float(f"{v:e}") for v in values]


def _letter_in(text: str, letter: str, at: int) -> str:
    at %= len(text) + 1
    return text[:at] + letter + text[at:]


def not_amounts(good: str) -> st.SearchStrategy[str]:
    """Strings outside the grammar, made from a well-formed ``good`` (a decimal-point
    amount of at least 1,000, grouped with commas)."""
    plain = good.replace(",", "")
    letters = st.builds(
        _letter_in,
        st.just(good),
        st.sampled_from("abcdefxyzABCDEFXYZ"),
        st.integers(0, 40),
    )
    two_signs = st.sampled_from(
        [
            f"--{good}",
            f"-{good}-",
            f"(-{good})",
            f"+{good}-",
            f"-({good})",
            f"({good})-",
            f"+-{good}",
            f"-+{good}",
            f"(+{good})",
            f"{good}--",
        ]
    )
    whole, cents = plain.split(".")
    grouping = st.sampled_from(
        [
            f"{whole[:-4]},{whole[-4:]}.{cents}",  # a group of four
            f"{whole[:-2]},{whole[-2:]}.{cents}",  # a group of two
            f"{whole[:-3]},{whole[-3:-1]},{whole[-1:]}.{cents}",
            f"{whole[:-3]} {whole[-3:]},{cents}",  # a space, then the wrong decimal mark
            f"{good}.5",  # a second decimal mark
            f"{whole[:-3]}.{whole[-3:]},{cents}",  # the grouping of a decimal-comma column
        ]
    )
    formulas = st.builds(
        lambda prefix, expr: prefix + expr,
        st.sampled_from(("=", "@", "+")),
        st.sampled_from((f"{plain}+1", f"SUM({plain})", f"A1*{plain}", f"{plain}-1", "A1")),
    )
    return st.one_of(letters, two_signs, grouping, formulas)


@st.composite
def good_and_bad(draw: st.DrawFn) -> tuple[list[Decimal], list[str]]:
    # more good values than bad ones: the column's decimal point is never in doubt
    goods = draw(st.lists(st.decimals("1000", "9999999.99", places=2), min_size=7, max_size=12))
    bads = draw(
        st.lists(
            st.sampled_from(goods).flatmap(lambda g: not_amounts(f"{g:,.2f}")),
            min_size=1,
            max_size=6,
        )
    )
    return goods, bads


@PROPERTY
@given(good_and_bad())
def test_text_outside_the_grammar_never_reads_as_a_number(
    case: tuple[list[Decimal], list[str]],
) -> None:
    goods, bads = case
    got = parsed([f"{g:,.2f}" for g in goods] + bads)
    assert got == [float(g) for g in goods] + [None] * len(bads), bads


@settings(PROPERTY, max_examples=8)
@given(good_and_bad())
def test_text_outside_the_grammar_is_quarantined_never_summed(
    tmp_path_factory: pytest.TempPathFactory, case: tuple[list[Decimal], list[str]]
) -> None:
    goods, bads = case
    cells = [f"{g:,.2f}" for g in goods] + bads
    quoted = ['"' + c.replace('"', '""') + '"' for c in cells]
    body = [f"2024-03-{i % 28 + 1:02d},C{i},{c}" for i, c in enumerate(quoted)]
    run = read(tmp_path_factory.mktemp("bad"), lines("date,customer_id,revenue", *body))
    q = run.quality
    assert (q.rows_read, q.rows_accepted, q.rows_quarantined) == (len(cells), len(goods), len(bads))
    assert run.total == float(sum(goods))
    assert {r["_reason"] for r in run.quarantine} == {"unparseable_revenue"}
    assert sorted(r["customer_id"] for r in run.quarantine) == sorted(
        f"C{i}" for i in range(len(goods), len(cells))
    )
