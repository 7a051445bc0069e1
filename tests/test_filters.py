"""``--where`` filters: parsed, checked, and applied with Ibis.

Every filtered figure is checked against an independent computation: the same
condition run as hand-written SQL by DuckDB directly, or a pandas mask written
by hand. Error paths assert the error type and that the message is one line.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import doctest
from collections.abc import Iterator
from typing import Any

import duckdb
import ibis
import pandas as pd
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import salescope.filters
from salescope.errors import ConfigError
from salescope.filters import Where, check_values, parse_where

D = dt.date
ROWS: list[tuple[Any, ...]] = [
    # region, channel, Sales Channel, revenue, quantity, order_date
    ("West", "Web", "Online", 120.0, 3, D(2024, 1, 5)),
    ("West", "Email", "Online", 80.5, 1, D(2024, 1, 20)),
    ("East", "Web", "Store", 45.0, 2, D(2024, 2, 1)),
    ("East", "Retail", "Store", 300.0, 6, D(2024, 2, 14)),
    ("North", "Email", "Online", 15.25, 1, D(2024, 2, 15)),
    ("North", "Partner's", "Reseller", 99.0, 4, D(2024, 3, 1)),
    ("South", "Web", "Online", 10.5, -1, D(2024, 3, 2)),
    (None, "Web", "Online", 60.0, 2, D(2024, 3, 10)),
    (None, None, None, 5.0, 5, None),
    ("West", None, "Store", None, 2, D(2024, 1, 15)),
    ("west", "web", "Online", 7.0, 1, D(2024, 1, 31)),
    ("Sout", "Retail", "Store", 200.0, 8, D(2024, 2, 29)),
]
COLUMNS = ["region", "channel", "Sales Channel", "revenue", "quantity", "order_date"]
# user-visible names -> table columns: role names, raw names, and one role that renames
KNOWN = {
    "region": "region",
    "channel": "channel",
    "sales channel": "Sales Channel",
    "revenue": "revenue",
    "amount": "revenue",
    "quantity": "quantity",
    "order_date": "order_date",
}


def _arrow(rows: list[tuple[Any, ...]]) -> pa.Table:
    schema = pa.schema(
        [
            ("region", pa.string()),
            ("channel", pa.string()),
            ("Sales Channel", pa.string()),
            ("revenue", pa.float64()),
            ("quantity", pa.int64()),
            ("order_date", pa.date32()),
        ]
    )
    return pa.table({name: [row[i] for row in rows] for i, name in enumerate(COLUMNS)}, schema)


SALES = _arrow(ROWS)


@pytest.fixture(scope="module")
def con() -> Iterator[ibis.BaseBackend]:
    backend = ibis.duckdb.connect()
    yield backend
    backend.disconnect()


@pytest.fixture(scope="module")
def raw() -> Iterator[duckdb.DuckDBPyConnection]:
    """A plain DuckDB connection: the independent reference."""
    connection = duckdb.connect()
    connection.register("sales", SALES)
    yield connection
    connection.close()


def filtered(con: ibis.BaseBackend, where: Where, data: pa.Table = SALES) -> tuple[int, Any]:
    table = ibis.memtable(data)
    result = where.apply(table, KNOWN)
    row = con.to_pyarrow(result.aggregate(n=result.count(), revenue=result.revenue.sum()))
    return row["n"][0].as_py(), row["revenue"][0].as_py()


def reference(raw: duckdb.DuckDBPyConnection, condition: str) -> tuple[int, Any]:
    row = raw.sql(f"SELECT count(*), sum(revenue) FROM sales WHERE {condition}").fetchone()
    assert row is not None
    return row[0], row[1]


def same(got: tuple[int, Any], want: tuple[int, Any]) -> None:
    assert got[0] == want[0]
    assert (got[1] is None) == (want[1] is None)
    if want[1] is not None:
        assert got[1] == pytest.approx(want[1])


# (the --where text, the same condition as hand-written DuckDB SQL with explicit grouping)
CASES = [
    ("region = 'West' and channel != 'Email'", "region = 'West' AND channel <> 'Email'"),
    # AND binds tighter than OR
    (
        "region = 'West' or region = 'East' and channel = 'Web'",
        "region = 'West' OR (region = 'East' AND channel = 'Web')",
    ),
    (
        "(region = 'West' or region = 'East') and channel = 'Web'",
        "(region = 'West' OR region = 'East') AND channel = 'Web'",
    ),
    # NOT binds tighter than AND, looser than a comparison
    ("not region = 'West' and channel = 'Web'", "(NOT (region = 'West')) AND channel = 'Web'"),
    ("not (region = 'West' or channel = 'Web')", "NOT (region = 'West' OR channel = 'Web')"),
    ("not not region = 'East'", "region = 'East'"),
    ("region in ('West', 'North')", "region IN ('West', 'North')"),
    ("region not in ('West', 'North')", "region NOT IN ('West', 'North')"),
    ("not region in ('West')", "NOT (region IN ('West'))"),
    ("quantity between 2 and 4", "quantity BETWEEN 2 AND 4"),
    ("quantity not between 2 and 4", "NOT (quantity BETWEEN 2 AND 4)"),
    ("revenue between 10.5 and 99", "revenue BETWEEN 10.5 AND 99"),
    ("quantity = -1", "quantity = -1"),
    ("5 <= quantity", "quantity >= 5"),
    ("quantity <> 1 and quantity < 6", "quantity <> 1 AND quantity < 6"),
    ("region is null", "region IS NULL"),
    ("region is not null", "region IS NOT NULL"),
    ("revenue is null or channel is null", "revenue IS NULL OR channel IS NULL"),
    ("channel like 'E%'", "channel LIKE 'E%'"),
    ("channel not like '%e%'", "channel NOT LIKE '%e%'"),
    ("channel like 'W_b'", "channel LIKE 'W_b'"),
    ("channel = 'Partner''s'", "channel = 'Partner''s'"),
    # comparisons are exact: 'west' and 'West' are different values
    ("region = 'west'", "region = 'west'"),
    ("region > 'North'", "region > 'North'"),
    # a quoted name with a space; names match case-insensitively
    ("\"Sales Channel\" = 'Online'", "\"Sales Channel\" = 'Online'"),
    (
        "\"SALES CHANNEL\" like 'St%' and REGION = 'East'",
        "\"Sales Channel\" LIKE 'St%' AND region = 'East'",
    ),
    ("Region = 'West' AND Channel = 'Web'", "region = 'West' AND channel = 'Web'"),
    # a role name that maps to another column
    ("amount > 50", "revenue > 50"),
    # dates: DATE literals, ISO text, and a timestamp widening the date column
    ("order_date >= DATE '2024-02-01'", "order_date >= DATE '2024-02-01'"),
    ("order_date < '2024-02-01'", "order_date < DATE '2024-02-01'"),
    (
        "order_date between '2024-01-15' and '2024-02-15'",
        "order_date BETWEEN DATE '2024-01-15' AND DATE '2024-02-15'",
    ),
    ("order_date in ('2024-01-05', '2024-03-10')", "order_date IN ('2024-01-05', '2024-03-10')"),
    (
        "order_date > TIMESTAMP '2024-02-14 12:00:00'",
        "CAST(order_date AS TIMESTAMP) > TIMESTAMP '2024-02-14 12:00:00'",
    ),
    # a semicolon inside a text value is just text
    ("region = 'a;b'", "region = 'a;b'"),
    ("region = 'West'\n  and quantity > 1", "region = 'West' AND quantity > 1"),
]


@pytest.mark.parametrize(("text", "sql"), CASES, ids=[text for text, _ in CASES])
def test_filter_matches_duckdb_sql(
    con: ibis.BaseBackend, raw: duckdb.DuckDBPyConnection, text: str, sql: str
) -> None:
    where = parse_where(text, KNOWN)
    same(filtered(con, where), reference(raw, sql))


@pytest.mark.parametrize(("text", "_sql"), CASES, ids=[text for text, _ in CASES])
def test_normalised_text_parses_back_to_the_same_filter(text: str, _sql: str) -> None:
    where = parse_where(text, KNOWN)
    assert parse_where(str(where), KNOWN) == where
    assert str(where) == where.text


def test_null_region_is_not_kept_by_not_equal(con: ibis.BaseBackend) -> None:
    frame = SALES.to_pandas()
    # as in SQL, NULL != 'West' is unknown, so those lines are dropped
    mask = frame["region"].notna() & (frame["region"] != "West")
    n, revenue = filtered(con, parse_where("region != 'West'", KNOWN))
    assert n == int(mask.sum()) == 7
    assert revenue == pytest.approx(frame.loc[mask, "revenue"].sum())
    n, _ = filtered(con, parse_where("region != 'West' or region is null", KNOWN))
    assert n == int((mask | frame["region"].isna()).sum()) == 9


def test_not_in_drops_null_lines_like_sql(con: ibis.BaseBackend) -> None:
    frame = SALES.to_pandas()
    mask = frame["region"].notna() & ~frame["region"].isin(["West", "East"])
    n, revenue = filtered(con, parse_where("region not in ('West', 'East')", KNOWN))
    assert n == int(mask.sum()) == 5
    assert revenue == pytest.approx(frame.loc[mask, "revenue"].sum())


def test_precedence_by_pandas_mask(con: ibis.BaseBackend) -> None:
    frame = SALES.to_pandas()
    west = frame["region"] == "West"
    east_web = (frame["region"] == "East") & (frame["channel"] == "Web")
    n, revenue = filtered(
        con, parse_where("region = 'West' or region = 'East' and channel = 'Web'", KNOWN)
    )
    assert n == int((west | east_web).sum()) == 4
    assert revenue == pytest.approx(frame.loc[west | east_web, "revenue"].sum())


def test_columns_are_canonical_names() -> None:
    where = parse_where("REGION = 'West' or \"Sales Channel\" = 'x' or Amount > 1", KNOWN)
    assert where.columns() == frozenset({"region", "sales channel", "amount"})


def test_normalised_text() -> None:
    where = parse_where(
        "(Region = 'West' or region <> 'East') and not \"Sales Channel\" in ('a') and 1 < quantity",
        KNOWN,
    )
    assert str(where) == (
        "(region = 'West' OR region != 'East') AND \"sales channel\" NOT IN ('a') AND quantity > 1"
    )
    assert repr(where) == f"Where(text={where.text!r})"


def test_where_is_immutable() -> None:
    where = parse_where("region = 'West'", KNOWN)
    with pytest.raises(dataclasses.FrozenInstanceError):
        where.text = "1 = 1"  # type: ignore[misc]


def test_apply_builds_ibis_expressions_not_pasted_sql() -> None:
    table = ibis.memtable(SALES)
    where = parse_where("region = 'x'' OR 1=1 --'", KNOWN)
    sql = ibis.to_sql(where.apply(table, KNOWN), dialect="duckdb")
    assert "'x'' OR 1=1 --'" in sql  # the whole text stays one quoted value


def test_docstring_examples() -> None:
    assert doctest.testmod(salescope.filters).failed == 0


def _error(text: str, known: dict[str, str] = KNOWN) -> ConfigError:
    with pytest.raises(ConfigError) as info:
        parse_where(text, known)
    return _one_line(info.value)


def _one_line(error: ConfigError) -> ConfigError:
    assert error.message.startswith("--where")
    assert "\n" not in error.message
    assert "\n" not in error.one_line()
    assert "Traceback" not in error.one_line()
    assert error.hint
    return error


def test_unknown_column_suggests_the_closest() -> None:
    error = _error("regoin = 'West'")
    assert error.message == "--where: no column 'regoin' in the data"
    assert error.hint is not None
    assert error.hint.startswith("did you mean 'region'? known columns: region, channel,")


def test_unknown_column_without_a_close_name_lists_them() -> None:
    error = _error("zzz = 1")
    assert error.message == "--where: no column 'zzz' in the data"
    assert error.hint == (
        "known columns: region, channel, sales channel, revenue, amount, quantity, order_date"
    )


HINT = "write comparisons like region = 'West' joined by and/or"
ERRORS = [
    ("upper(region) = 'WEST'", "--where: the function call UPPER(region) is not allowed"),
    ("region = lower('West')", "--where: the function call LOWER('West') is not allowed"),
    ("region in (select region from sales)", "--where: a subquery is not allowed"),
    ("revenue > (select avg(revenue) from sales)", "--where: a subquery is not allowed"),
    ("exists (select 1)", "--where: a subquery is not allowed"),
    ("revenue * 2 > 10", "--where: arithmetic (revenue * 2) is not allowed"),
    ("quantity = 1 + 1", "--where: arithmetic (1 + 1) is not allowed"),
    ("region = 'West'; drop table x", "--where: ';' and more than one statement are not allowed"),
    ("region = 'West';", "--where: ';' and more than one statement are not allowed"),
    ("drop table sales", "--where: a SQL statement (DROP TABLE sales) is not allowed"),
    ("select * from sales", "--where: a SQL statement (SELECT * FROM sales) is not allowed"),
    ("region", "--where: the bare column region without a comparison is not allowed"),
    ("1 = 1", "--where: a comparison without a column (1 = 1) is not allowed"),
    ("region ilike 'w%'", "--where: `region ILIKE 'w%'` is not allowed"),
    ("region = ?", "--where: the placeholder ? is not allowed"),
    ("sales.region = 'West'", "--where: the column reference sales.region is not allowed"),
]


@pytest.mark.parametrize(("text", "message"), ERRORS, ids=[text for text, _ in ERRORS])
def test_not_allowed(text: str, message: str) -> None:
    error = _error(text)
    assert error.message == message
    assert error.hint == HINT


TEACHING_ERRORS = [
    # (text, message, hint)
    (
        "region = channel",
        "--where: comparing two columns (region = channel) is not allowed",
        "quote text values with single quotes, like region = 'West'",
    ),
    (
        'region = "West"',
        '--where: comparing two columns (region = "West") is not allowed',
        "quote text values with single quotes, like region = 'West'",
    ),
    (
        "region = NULL",
        "--where: region = NULL is never true in SQL",
        "to find empty values write region IS NULL",
    ),
    (
        "region != null",
        "--where: region <> NULL is never true in SQL",
        "to find empty values write region IS NOT NULL",
    ),
    (
        "region in ('West', null)",
        "--where: NULL inside IN (...) is not allowed (region IN ('West', NULL))",
        "to find empty values write region IS NULL",
    ),
    (
        "region in 'West'",
        "--where: `region IN 'West'` is not allowed",
        "list the values in parentheses, like region IN ('East', 'West')",
    ),
    (
        "quantity = '1'::int",
        "--where: the cast CAST('1' AS INT) is not allowed",
        "write dates as DATE '2024-01-31' or '2024-01-31'; other values need no cast",
    ),
    (
        "order_date = DATE '2024-02-30'",
        "--where: '2024-02-30' is not a valid date",
        "write dates as '2024-01-31' and timestamps as '2024-01-31 13:45:00'",
    ),
    ("quantity > 1e400", "--where: the number 1e400 is out of range", HINT),
    ("", "--where: the condition is empty", HINT),
]


@pytest.mark.parametrize(
    ("text", "message", "hint"), TEACHING_ERRORS, ids=[t for t, _, _ in TEACHING_ERRORS]
)
def test_errors_that_say_what_to_write(text: str, message: str, hint: str) -> None:
    error = _error(text)
    assert (error.message, error.hint) == (message, hint)


SYNTAX_ERRORS = [
    ("region = 'West' and", "the condition is incomplete near 'and'"),
    ("(region = 'West'", "a '(' is not closed"),
    ("region = 'West')", "unexpected token near ')'"),
    ("region = = 'West'", ""),
    ("region =\n'West' or\n", "the condition is incomplete"),
]


@pytest.mark.parametrize(("text", "reason"), SYNTAX_ERRORS, ids=[t for t, _ in SYNTAX_ERRORS])
def test_syntax_errors_are_one_line(text: str, reason: str) -> None:
    error = _error(text)
    assert error.message.startswith(f"--where: cannot read {text!r}: ")
    assert reason in error.message
    assert "<class" not in error.message
    assert "\x1b" not in error.message  # no terminal underline codes from sqlglot


def test_unclosed_quote() -> None:
    error = _error("region = 'West")
    assert error.message == '--where: cannot read "region = \'West": a quote is not closed'


def test_deep_nesting_is_refused_not_crashed() -> None:
    error = _error("(" * 3000 + "region = 'West'" + ")" * 3000)
    assert error.message == "--where: the condition is nested too deeply"


TYPE_ERRORS = [
    (
        "region = 5",
        "--where: region = 5 compares 'region', which holds text, with a number",
        "quote text values with single quotes, like region = 'West'",
    ),
    (
        "revenue = '5'",
        "--where: revenue = '5' compares 'revenue', which holds numbers, with text",
        "write numbers without quotes, like revenue > 5",
    ),
    (
        "quantity in (1, 'two')",
        "--where: quantity IN (1, 'two') compares 'quantity', which holds numbers, with text",
        "write numbers without quotes, like quantity > 5",
    ),
    (
        "order_date = 20240101",
        "--where: order_date = 20240101 compares 'order_date', which holds dates, with a number",
        "write dates as '2024-01-31' or DATE '2024-01-31', like order_date >= '2024-01-31'",
    ),
    (
        "order_date > 'last week'",
        "--where: 'last week' is not a valid date",
        "write dates as '2024-01-31' and timestamps as '2024-01-31 13:45:00'",
    ),
    (
        "revenue like '1%'",
        "--where: LIKE works on text, and 'revenue' holds float64",
        "compare numbers and dates with =, <, > or BETWEEN",
    ),
]


@pytest.mark.parametrize(
    ("text", "message", "hint"), TYPE_ERRORS, ids=[t for t, _, _ in TYPE_ERRORS]
)
def test_values_that_do_not_fit_the_column_type(text: str, message: str, hint: str) -> None:
    where = parse_where(text, KNOWN)
    with pytest.raises(ConfigError) as info:
        where.apply(ibis.memtable(SALES), KNOWN)
    error = _one_line(info.value)
    assert (error.message, error.hint) == (message, hint)


def test_like_needs_a_text_pattern() -> None:
    assert _error("channel like 5").message == (
        "--where: LIKE with a non-text pattern (channel LIKE 5) is not allowed"
    )


def test_apply_with_a_name_the_table_does_not_have() -> None:
    where = parse_where("region = 'West'", {"region": "region"})
    with pytest.raises(ConfigError) as info:
        where.apply(ibis.memtable(SALES), {"channel": "channel"})
    assert _one_line(info.value).message == (
        "--where: column 'region' is not available in this table"
    )


def test_check_values_names_the_typo_and_the_values() -> None:
    table = ibis.memtable(SALES)
    where = parse_where("region = 'Wset' and channel = 'Web'", KNOWN)
    assert check_values(where, table, KNOWN) == [
        "--where: region = 'Wset' matches no line "
        "(values: East, North, Sout, South, West, west; did you mean 'West'?)"
    ]


def test_check_values_in_lists_and_negations() -> None:
    table = ibis.memtable(SALES)
    where = parse_where(
        "region in ('West', 'Esat') or channel != 'Emial' or quantity = 3 or region like 'Z%'",
        KNOWN,
    )
    assert check_values(where, table, KNOWN) == [
        "--where: region IN ('West', 'Esat'): 'Esat' matches no line "
        "(values: East, North, Sout, South, West, west; did you mean 'East'?)",
        "--where: channel != 'Emial' excludes no line "
        "(values: Email, Partner's, Retail, Web, web; did you mean 'Email'?)",
    ]


def test_check_values_is_quiet_when_every_value_exists() -> None:
    table = ibis.memtable(SALES)
    where = parse_where("region in ('West', 'East') and \"sales channel\" = 'Store'", KNOWN)
    assert check_values(where, table, KNOWN) == []


def test_check_values_lists_a_few_values_of_a_long_column() -> None:
    data = _arrow([(f"R{i:02d}", "Web", "Online", 1.0, 1, D(2024, 1, 1)) for i in range(30)])
    where = parse_where("region = 'nowhere'", KNOWN)
    assert check_values(where, ibis.memtable(data), KNOWN) == [
        "--where: region = 'nowhere' matches no line (values: R00, R01, R02, R03, R04, R05 ...)"
    ]


# --- properties --------------------------------------------------------------------------

REGIONS = ["West", "East", "North", "west", "O'Hara", "a;b", ""]
region_values = st.lists(st.sampled_from([*REGIONS, None]), min_size=0, max_size=25)


def _quote(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


@settings(max_examples=60, deadline=None)
@given(
    data=region_values,
    listed=st.lists(st.sampled_from([*REGIONS, "Nowhere"]), min_size=1, max_size=5),
    negate=st.booleans(),
)
def test_in_lists_equal_a_pandas_isin_mask(
    con: ibis.BaseBackend, data: list[str | None], listed: list[str], negate: bool
) -> None:
    rows = [(region, "Web", "Online", float(i), 1, D(2024, 1, 1)) for i, region in enumerate(data)]
    frame = pd.DataFrame({"region": data, "revenue": [float(i) for i in range(len(data))]})
    text = f"region {'not ' if negate else ''}in ({', '.join(_quote(v) for v in listed)})"
    inside = frame["region"].isin(listed)
    mask = frame["region"].notna() & (~inside if negate else inside)
    n, revenue = filtered(con, parse_where(text, KNOWN), _arrow(rows))
    assert n == int(mask.sum())
    assert (revenue or 0.0) == pytest.approx(frame.loc[mask, "revenue"].sum())


def _leaf() -> st.SearchStrategy[str]:
    text_value = st.sampled_from([*REGIONS, "Web", "Email", "Nowhere"]).map(_quote)
    number = st.integers(min_value=-2, max_value=9).map(str)
    op = st.sampled_from(["=", "!=", "<>", "<", "<=", ">", ">="])
    text_column = st.sampled_from(["region", "channel", "Region", '"Sales Channel"'])
    return st.one_of(
        st.tuples(text_column, op, text_value).map(" ".join),
        st.tuples(st.just("quantity"), op, number).map(" ".join),
        st.tuples(number, op, st.just("quantity")).map(" ".join),
        st.tuples(
            text_column,
            st.sampled_from(["in", "not in"]),
            st.lists(text_value, min_size=1, max_size=3).map(lambda v: f"({', '.join(v)})"),
        ).map(" ".join),
        st.tuples(number, number).map(lambda b: f"quantity between {b[0]} and {b[1]}"),
        st.tuples(text_column, st.sampled_from(["is null", "is not null"])).map(" ".join),
        st.tuples(
            text_column,
            st.sampled_from(["like", "not like"]),
            st.sampled_from(["'W%'", "'%e%'", "'_a%'", "'E%l'", "'%'"]),
        ).map(" ".join),
    )


conditions = st.recursive(
    _leaf(),
    lambda inner: st.one_of(
        st.tuples(inner, st.sampled_from(["and", "or", "AND", "Or"]), inner).map(" ".join),
        inner.map(lambda c: f"not {c}"),
        inner.map(lambda c: f"({c})"),
    ),
    max_leaves=6,
)


@settings(max_examples=150, deadline=None)
@given(text=conditions)
def test_random_conditions_match_duckdb_and_round_trip(
    con: ibis.BaseBackend, raw: duckdb.DuckDBPyConnection, text: str
) -> None:
    # the same text, read by DuckDB itself, is the reference for grouping and NULL logic
    where = parse_where(text, KNOWN)
    same(filtered(con, where), reference(raw, text))
    again = parse_where(str(where), KNOWN)
    assert again == where
    same(filtered(con, again), reference(raw, text))
