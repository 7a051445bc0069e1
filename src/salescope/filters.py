"""The ``--where`` filter: a small, safe subset of SQL conditions, checked before it runs.

The text is parsed with sqlglot and only a whitelist of nodes (comparisons of a
column with a literal, ``IN``, ``BETWEEN``, ``IS NULL``, ``LIKE``, joined by
``AND``/``OR``/``NOT``) is translated into Ibis expressions. Nothing the user
writes reaches the engine as SQL text, so a filter cannot call functions, read
other tables or run a second statement, and it runs the same on every backend.

Semantics are SQL's: string comparisons are exact (case-sensitive), and a
comparison with a NULL value is unknown, so ``region != 'West'`` does not keep
lines whose region is empty (write ``region != 'West' or region is null`` for
that).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import difflib
import math
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import TypeAlias

import ibis.expr.types as ir
import sqlglot
from ibis.common.exceptions import IbisError
from sqlglot import TokenType, exp
from sqlglot.errors import ParseError, TokenError

from salescope.errors import ConfigError

__all__ = ["Where", "check_values", "parse_where"]

Scalar: TypeAlias = str | int | float | bool | dt.date | dt.datetime

_HINT = "write comparisons like region = 'West' joined by and/or"
_QUOTE_HINT = "quote text values with single quotes, like region = 'West'"
_LISTED_COLUMNS = 20
_LISTED_VALUES = 6
_SCANNED_VALUES = 100

# ---------------------------------------------------------------------------
# The checked tree: what a filter may contain, and nothing else.


@dataclass(frozen=True)
class _Compare:
    column: str
    op: str  # one of _OPS
    value: Scalar


@dataclass(frozen=True)
class _In:
    column: str
    values: tuple[Scalar, ...]
    negate: bool = False


@dataclass(frozen=True)
class _Between:
    column: str
    low: Scalar
    high: Scalar
    negate: bool = False


@dataclass(frozen=True)
class _IsNull:
    column: str
    negate: bool = False


@dataclass(frozen=True)
class _Like:
    column: str
    pattern: str
    negate: bool = False


@dataclass(frozen=True)
class _Not:
    operand: _Node


@dataclass(frozen=True)
class _Junction:
    op: str  # "AND" or "OR"
    items: tuple[_Node, ...]  # flattened: no item is a _Junction with the same op


_Leaf: TypeAlias = _Compare | _In | _Between | _IsNull | _Like
_Node: TypeAlias = _Leaf | _Not | _Junction

_OPS: dict[type[exp.Expr], str] = {
    exp.EQ: "=",
    exp.NEQ: "!=",
    exp.LT: "<",
    exp.LTE: "<=",
    exp.GT: ">",
    exp.GTE: ">=",
}
_STATEMENTS = (exp.Query, exp.DDL, exp.DML, exp.Command, exp.Drop, exp.Alter, exp.Pragma, exp.Set)
_FLIPPED = {"=": "=", "!=": "!=", "<": ">", "<=": ">=", ">": "<", ">=": "<="}
_ARITHMETIC = (
    exp.Add,
    exp.Sub,
    exp.Mul,
    exp.Div,
    exp.IntDiv,
    exp.Mod,
    exp.Pow,
    exp.Neg,
    exp.DPipe,
    exp.BitwiseAnd,
    exp.BitwiseOr,
    exp.BitwiseXor,
    exp.BitwiseNot,
    exp.BitwiseLeftShift,
    exp.BitwiseRightShift,
)


@dataclass(frozen=True)
class Where:
    """A parsed and checked ``--where`` filter; build it with :func:`parse_where`.

    ``text`` is the normalised condition (canonical lower-case column names,
    upper-case keywords, ``!=`` for inequality), which ``str()`` returns and which
    parses back to an equal ``Where``.
    """

    text: str
    node: _Node = field(repr=False)

    def __str__(self) -> str:
        return self.text

    def columns(self) -> frozenset[str]:
        """The canonical (lower-case) names the filter uses, as keys of ``known``."""
        return frozenset(leaf.column for leaf in _leaves(self.node))

    def apply(self, table: ir.Table, resolve: Mapping[str, str]) -> ir.Table:
        """``table`` with only the rows the condition is true for (SQL semantics).

        ``resolve`` maps each name of :meth:`columns` to a column of ``table``.
        Raises ConfigError when a value does not fit its column's type, e.g. a
        number compared with a text column.
        """
        return table.filter(_predicate(self.node, _Resolver(table, resolve)))


def parse_where(text: str, known: Mapping[str, str]) -> Where:
    """Parse and check a ``--where`` condition against the names in ``known``.

    ``known`` maps the user-visible names (lower-case role names and raw source
    column names) to table columns; names in ``text`` match its keys
    case-insensitively, bare or double-quoted (``"Sales Channel"``). Text values
    compare exactly, case included. Any problem raises ConfigError with a
    one-line message and a hint.

    >>> w = parse_where("Region = 'West' and channel <> 'Email'", {"region": "r", "channel": "c"})
    >>> str(w)
    "region = 'West' AND channel != 'Email'"
    >>> sorted(w.columns())
    ['channel', 'region']
    """
    if not text.strip():
        raise ConfigError("--where: the condition is empty", hint=_HINT)
    try:
        tokens = sqlglot.tokenize(text, read="duckdb")
    except TokenError:
        raise ConfigError(
            f"--where: cannot read {text!r}: a quote is not closed", hint=_QUOTE_HINT
        ) from None
    if any(token.token_type == TokenType.SEMICOLON for token in tokens):
        raise ConfigError("--where: ';' and more than one statement are not allowed", hint=_HINT)
    try:
        tree = sqlglot.parse_one(text, read="duckdb")
    except ParseError as error:
        raise ConfigError(f"--where: cannot read {text!r}: {_parse_reason(error)}", _HINT) from None
    except RecursionError:
        raise ConfigError("--where: the condition is nested too deeply", hint=_HINT) from None
    if isinstance(tree, _STATEMENTS):
        raise _not_allowed(f"a SQL statement ({_sql(tree)})")
    try:
        node = _Reader(known).condition(tree)
    except RecursionError:
        raise ConfigError("--where: the condition is nested too deeply", hint=_HINT) from None
    return Where(_render(node), node)


def check_values(where: Where, table: ir.Table, resolve: Mapping[str, str]) -> list[str]:
    """Warnings for text values the filter names that no line of ``table`` holds.

    Covers ``col = 'x'``, ``col != 'x'``, ``col IN (...)`` and ``NOT IN`` on text
    columns, the usual reason a filter keeps nothing (or excludes nothing): a
    typo or a different case, since comparisons are exact. Only the matching
    values and at most a hundred distinct values per column leave the engine.
    """
    resolver = _Resolver(table, resolve)
    wanted: dict[str, list[tuple[_Compare | _In, str]]] = {}
    for leaf in _leaves(where.node):
        if isinstance(leaf, _Compare) and leaf.op in ("=", "!="):
            values: tuple[Scalar, ...] = (leaf.value,)
        elif isinstance(leaf, _In):
            values = leaf.values
        else:
            continue
        for value in values:
            if isinstance(value, str):
                wanted.setdefault(leaf.column, []).append((leaf, value))

    warnings: list[str] = []
    for name, uses in wanted.items():
        column = resolver.column(name)
        if not column.type().is_string():
            continue
        literals = sorted({value for _, value in uses})
        found = set(_distinct(table.filter(column.isin(literals)), column, len(literals)))
        missing = [(leaf, value) for leaf, value in uses if value not in found]
        if not missing:
            continue
        sample = _distinct(table.filter(column.notnull()), column, _SCANNED_VALUES + 1)
        for leaf, value in missing:
            warnings.append(_value_warning(leaf, value, sample))
    return warnings


# ---------------------------------------------------------------------------
# Reading: sqlglot AST -> checked tree.


class _Reader:
    def __init__(self, known: Mapping[str, str]) -> None:
        self.listed = list(dict.fromkeys(key.lower() for key in known))

    def condition(self, node: exp.Expr) -> _Node:
        if isinstance(node, exp.Paren):
            return self.condition(node.this)
        if isinstance(node, exp.And | exp.Or):
            op = "AND" if isinstance(node, exp.And) else "OR"
            return _junction(op, self.condition(node.this), self.condition(node.expression))
        if isinstance(node, exp.Not):
            return _negate(self.condition(node.this))
        if type(node) in _OPS:
            return self.compare(node)
        if isinstance(node, exp.In):
            return self.within(node)
        if isinstance(node, exp.Between) and not node.args.get("symmetric"):
            return _Between(
                self.column(node.this),
                self.value(node.args["low"], node),
                self.value(node.args["high"], node),
            )
        if isinstance(node, exp.Is) and isinstance(node.expression, exp.Null):
            return _IsNull(self.column(node.this), negate=bool(node.args.get("negate")))
        if type(node) is exp.Like:
            pattern = self.value(node.expression, node)
            if not isinstance(pattern, str):
                raise _not_allowed(f"LIKE with a non-text pattern ({_sql(node)})")
            return _Like(self.column(node.this), pattern, negate=bool(node.args.get("negate")))
        raise _not_allowed(_describe(node))

    def compare(self, node: exp.Expr) -> _Compare:
        op = _OPS[type(node)]
        left, right = node.this, node.expression
        if isinstance(left, exp.Column) and isinstance(right, exp.Column):
            raise ConfigError(
                f"--where: comparing two columns ({_sql(node)}) is not allowed", hint=_QUOTE_HINT
            )
        if not isinstance(left, exp.Column) and isinstance(right, exp.Column):
            left, right, op = right, left, _FLIPPED[op]
        if not isinstance(left, exp.Column):
            other = _first_not_literal(node)
            raise _not_allowed(
                _describe(other) if other else f"a comparison without a column ({_sql(node)})"
            )
        name = self.column(left)
        if isinstance(right, exp.Null):
            keyword = "IS NOT NULL" if op == "!=" else "IS NULL"
            raise ConfigError(
                f"--where: {_sql(node)} is never true in SQL",
                hint=f"to find empty values write {_name_sql(name)} {keyword}",
            )
        return _Compare(name, op, self.value(right, node))

    def within(self, node: exp.In) -> _In:
        if node.args.get("query") or isinstance(node.args.get("field"), exp.Subquery):
            raise _not_allowed("a subquery")
        if node.args.get("unnest") or node.args.get("field") or not node.expressions:
            raise ConfigError(
                f"--where: `{_sql(node)}` is not allowed",
                hint="list the values in parentheses, like region IN ('East', 'West')",
            )
        name = self.column(node.this)
        if any(isinstance(item, exp.Null) for item in node.expressions):
            raise ConfigError(
                f"--where: NULL inside IN (...) is not allowed ({_sql(node)})",
                hint=f"to find empty values write {_name_sql(name)} IS NULL",
            )
        return _In(name, tuple(self.value(item, node) for item in node.expressions))

    def column(self, node: exp.Expr) -> str:
        if not isinstance(node, exp.Column):
            raise _not_allowed(_describe(node))
        if not isinstance(node.this, exp.Identifier) or any(
            node.args.get(part) for part in ("table", "db", "catalog")
        ):
            raise _not_allowed(f"the column reference {_sql(node)}")
        written = str(node.this.this)
        if written.lower() not in self.listed:
            raise self.unknown(written)
        return written.lower()

    def unknown(self, written: str) -> ConfigError:
        listed = ", ".join(self.listed[:_LISTED_COLUMNS])
        if len(self.listed) > _LISTED_COLUMNS:
            listed += ", ..."
        hint = f"known columns: {listed}" if listed else "the data has no columns to filter on"
        close = difflib.get_close_matches(written.lower(), self.listed, n=1)
        if close:
            hint = f"did you mean {close[0]!r}? {hint}"
        return ConfigError(f"--where: no column {written!r} in the data", hint=hint)

    def value(self, node: exp.Expr, context: exp.Expr) -> Scalar:
        if isinstance(node, exp.Literal):
            if node.is_string:
                return str(node.this)
            return _number(str(node.this))
        if (
            isinstance(node, exp.Neg)
            and isinstance(node.this, exp.Literal)
            and not node.this.is_string
        ):
            return -_number(str(node.this.this))
        if isinstance(node, exp.Boolean):
            return bool(node.this)
        if (
            type(node) is exp.Cast
            and isinstance(node.this, exp.Literal)
            and node.this.is_string
            and not node.args.get("format")
        ):
            if node.to.is_type(exp.DataType.Type.DATE):
                return _moment(str(node.this.this), "date")
            if node.to.is_type(
                exp.DataType.Type.TIMESTAMP,
                exp.DataType.Type.TIMESTAMPNTZ,
                exp.DataType.Type.DATETIME,
            ):
                return _moment(str(node.this.this), "timestamp")
        if isinstance(node, exp.Null):
            raise ConfigError(
                f"--where: NULL is not a value to compare with ({_sql(context)})",
                hint="to find empty values write <column> IS NULL",
            )
        if isinstance(node, exp.Column):
            raise ConfigError(
                f"--where: comparing two columns ({_sql(context)}) is not allowed",
                hint=_QUOTE_HINT,
            )
        if isinstance(node, exp.Cast):
            raise _not_allowed(
                f"the cast {_sql(node)}",
                hint="write dates as DATE '2024-01-31' or '2024-01-31'; other values need no cast",
            )
        raise _not_allowed(_describe(node))


def _number(text: str) -> int | float:
    number: int | float = int(text) if text.isdigit() else float(text)
    if not math.isfinite(number) or abs(number) >= 2**63:
        raise ConfigError(f"--where: the number {text} is out of range", hint=_HINT)
    return number


def _moment(text: str, kind: str) -> dt.date:
    """``text`` read as an ISO date, or an ISO timestamp when it has a time of day.

    ``kind`` is "date" (DATE '...': a day only), "timestamp" (TIMESTAMP '...') or
    "either" (plain text compared with a date or timestamp column).
    """
    try:
        if kind == "timestamp":
            return dt.datetime.fromisoformat(text)
        try:
            return dt.date.fromisoformat(text)
        except ValueError:
            if kind == "date":
                raise
            return dt.datetime.fromisoformat(text)
    except ValueError:
        raise ConfigError(
            f"--where: {text!r} is not a valid {'timestamp' if kind == 'timestamp' else 'date'}",
            hint="write dates as '2024-01-31' and timestamps as '2024-01-31 13:45:00'",
        ) from None


def _junction(op: str, left: _Node, right: _Node) -> _Junction:
    items: list[_Node] = []
    for side in (left, right):
        if isinstance(side, _Junction) and side.op == op:
            items.extend(side.items)
        else:
            items.append(side)
    return _Junction(op, tuple(items))


def _negate(node: _Node) -> _Node:
    """``NOT node``, folded into the predicate where SQL has a negated form."""
    if isinstance(node, _Not):
        return node.operand
    if isinstance(node, _In | _Between | _IsNull | _Like):
        return dataclasses.replace(node, negate=not node.negate)
    return _Not(node)


def _parse_reason(error: ParseError) -> str:
    details = error.errors[0] if error.errors else {}
    description = str(details.get("description") or "not a condition")
    near = details.get("highlight")
    if description.startswith("Required keyword"):
        reason = "the condition is incomplete"
    elif description.startswith("Expecting )"):
        reason = "a '(' is not closed"
    elif description.startswith("No expression was parsed"):
        reason = "there is no condition"
    else:
        reason = re.sub(r"<class '(?:\w+\.)*(\w+)'>", r"\1", description).lower()
    if near:
        reason += f" near {str(near)!r}"
    return " ".join(reason.split())


def _not_allowed(what: str, hint: str = _HINT) -> ConfigError:
    return ConfigError(f"--where: {what} is not allowed", hint=hint)


def _sql(node: exp.Expr) -> str:
    text = " ".join(node.sql(dialect="duckdb").split())
    return text if len(text) <= 60 else text[:57] + "..."


def _first_not_literal(node: exp.Expr) -> exp.Expr | None:
    """The first operand of a comparison that is neither a column nor a literal."""
    sides: tuple[exp.Expr, exp.Expr] = (node.this, node.expression)
    for side in sides:
        if not isinstance(side, exp.Column | exp.Literal | exp.Boolean | exp.Null):
            return side
    return None


def _describe(node: exp.Expr) -> str:
    """What a node not on the whitelist is, in the user's terms."""
    if isinstance(node, exp.Subquery | exp.Query | exp.Exists) or node.args.get("query"):
        return "a subquery"
    if isinstance(node, exp.Func) and not isinstance(node, exp.Cast | exp.Collate):
        return f"the function call {_sql(node)}"
    if isinstance(node, _ARITHMETIC):
        return f"arithmetic ({_sql(node)})"
    if isinstance(node, exp.Column):
        return f"the bare column {_sql(node)} without a comparison"
    if isinstance(node, exp.Literal | exp.Boolean | exp.Null):
        return f"the bare value {_sql(node)} without a column"
    if isinstance(node, exp.Placeholder | exp.Parameter):
        return f"the placeholder {_sql(node)}"
    return f"`{_sql(node)}`"


# ---------------------------------------------------------------------------
# Rendering: checked tree -> normalised text that parses back to the same tree.

_PRECEDENCE = {"OR": 1, "AND": 2}


def _render(node: _Node) -> str:
    if isinstance(node, _Junction):
        parts = []
        for item in node.items:
            text = _render(item)
            if isinstance(item, _Junction) and _PRECEDENCE[item.op] < _PRECEDENCE[node.op]:
                text = f"({text})"
            parts.append(text)
        return f" {node.op} ".join(parts)
    if isinstance(node, _Not):
        return f"NOT ({_render(node.operand)})"
    name = _name_sql(node.column)
    if isinstance(node, _Compare):
        return f"{name} {node.op} {_value_sql(node.value)}"
    not_ = "NOT " if node.negate else ""
    if isinstance(node, _In):
        return f"{name} {not_}IN ({', '.join(_value_sql(v) for v in node.values)})"
    if isinstance(node, _Between):
        low, high = _value_sql(node.low), _value_sql(node.high)
        return f"{name} {not_}BETWEEN {low} AND {high}"
    if isinstance(node, _IsNull):
        return f"{name} IS {not_}NULL"
    return f"{name} {not_}LIKE {_value_sql(node.pattern)}"


@lru_cache(maxsize=256)
def _name_sql(name: str) -> str:
    if re.fullmatch(r"[a-z_][a-z0-9_]*", name):
        try:
            tree = sqlglot.parse_one(f"{name} = 1", read="duckdb")
        except (ParseError, TokenError):
            tree = None
        if (
            isinstance(tree, exp.EQ)
            and isinstance(tree.this, exp.Column)
            and tree.this.this.this == name
            and not tree.this.args.get("table")
        ):
            return name
    return '"' + name.replace('"', '""') + '"'


def _value_sql(value: Scalar) -> str:
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, str):
        return "'" + value.replace("'", "''") + "'"
    if isinstance(value, dt.datetime):
        return f"TIMESTAMP '{value.isoformat(sep=' ')}'"
    if isinstance(value, dt.date):
        return f"DATE '{value.isoformat()}'"
    return repr(value)


# ---------------------------------------------------------------------------
# Translating: checked tree -> Ibis boolean expression.


class _Resolver:
    def __init__(self, table: ir.Table, resolve: Mapping[str, str]) -> None:
        self.table = table
        self.resolve = {key.lower(): value for key, value in resolve.items()}

    def column(self, name: str) -> ir.Column:
        target = self.resolve.get(name.lower())
        if target is None or target not in self.table.columns:
            raise ConfigError(
                f"--where: column {name!r} is not available in this table",
                hint=f"filter on one of: {', '.join(sorted(self.resolve))}",
            )
        return self.table[target]


def _predicate(node: _Node, columns: _Resolver) -> ir.BooleanValue:
    if isinstance(node, _Junction):
        parts = [_predicate(item, columns) for item in node.items]
        result = parts[0]
        for part in parts[1:]:
            result = (result & part) if node.op == "AND" else (result | part)
        return result
    if isinstance(node, _Not):
        return ~_predicate(node.operand, columns)
    column = columns.column(node.column)
    try:
        result = _leaf_predicate(node, column)
    except IbisError as error:
        raise ConfigError(
            f"--where: {_render(node)} does not fit the column's type "
            f"({column.type()}): {' '.join(str(error).split())}",
            hint=_HINT,
        ) from None
    negate = not isinstance(node, _Compare) and node.negate
    return ~result if negate else result


def _leaf_predicate(node: _Leaf, column: ir.Column) -> ir.BooleanValue:
    """The condition of one predicate, ignoring its ``negate`` flag."""
    if isinstance(node, _IsNull):
        return column.isnull()
    if isinstance(node, _Like):
        if not column.type().is_string():
            raise ConfigError(
                f"--where: LIKE works on text, and {node.column!r} holds {column.type()}",
                hint="compare numbers and dates with =, <, > or BETWEEN",
            )
        return column.like(node.pattern)
    if isinstance(node, _In):
        target, values = _fit(node, column, node.values)
        return target.isin(values)
    if isinstance(node, _Between):
        target, (low, high) = _fit(node, column, (node.low, node.high))
        return target.between(low, high)
    target, (value,) = _fit(node, column, (node.value,))
    if node.op == "=":
        return target == value
    if node.op == "!=":
        return target != value
    if node.op == "<":
        return target < value
    if node.op == "<=":
        return target <= value
    if node.op == ">":
        return target > value
    return target >= value


def _fit(
    node: _Leaf, column: ir.Column, values: Sequence[Scalar]
) -> tuple[ir.Column, list[Scalar]]:
    """The column and values to compare, checked against the column's type.

    Text compared with a date or timestamp column is read as an ISO date; a date
    column compared with a timestamp is widened to a timestamp, as SQL does.
    """
    dtype = column.type()
    if dtype.is_date() or dtype.is_timestamp():
        moments: list[dt.date] = []
        for value in values:
            if isinstance(value, str):
                moments.append(_moment(value, "either"))
            elif isinstance(value, dt.date):
                moments.append(value)
            else:
                raise _type_error(node, column, value)
        if dtype.is_date() and not any(isinstance(m, dt.datetime) for m in moments):
            return column, list(moments)
        stamps: list[Scalar] = [
            m if isinstance(m, dt.datetime) else dt.datetime.combine(m, dt.time()) for m in moments
        ]
        return (column if dtype.is_timestamp() else column.cast("timestamp")), stamps
    expected = (
        "text"
        if dtype.is_string()
        else "a number"
        if dtype.is_numeric()
        else "true/false"
        if dtype.is_boolean()
        else None
    )
    if expected is not None:
        for value in values:
            if _kind(value) != expected:
                raise _type_error(node, column, value)
    # another type (decimal is numeric; e.g. time, uuid): Ibis decides, see _predicate
    return column, list(values)


def _kind(value: Scalar) -> str:
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, str):
        return "text"
    if isinstance(value, int | float):
        return "a number"
    return "a timestamp" if isinstance(value, dt.datetime) else "a date"


def _type_error(node: _Leaf, column: ir.Column, value: Scalar) -> ConfigError:
    dtype = column.type()
    name = _name_sql(node.column)
    if dtype.is_string():
        held, hint = "text", _QUOTE_HINT
    elif dtype.is_numeric():
        held, hint = "numbers", f"write numbers without quotes, like {name} > 5"
    elif dtype.is_boolean():
        held, hint = "true/false", f"write {name} = true or {name} = false"
    else:
        held = "dates" if dtype.is_date() else "timestamps"
        hint = f"write dates as '2024-01-31' or DATE '2024-01-31', like {name} >= '2024-01-31'"
    return ConfigError(
        f"--where: {_render(node)} compares {node.column!r}, which holds {held}, "
        f"with {_kind(value)}",
        hint=hint,
    )


def _leaves(node: _Node) -> Iterator[_Leaf]:
    if isinstance(node, _Junction):
        for item in node.items:
            yield from _leaves(item)
    elif isinstance(node, _Not):
        yield from _leaves(node.operand)
    else:
        yield node


# ---------------------------------------------------------------------------
# Value checks: small aggregates only.


def _distinct(table: ir.Table, column: ir.Column, limit: int) -> list[str]:
    name = column.get_name()
    values = table.select(name).distinct().order_by(name).limit(limit)
    return [value for value in values.to_pyarrow().column(name).to_pylist() if value is not None]


def _value_warning(leaf: _Compare | _In, value: str, sample: list[str]) -> str:
    negated = (isinstance(leaf, _Compare) and leaf.op == "!=") or (
        isinstance(leaf, _In) and leaf.negate
    )
    subject = _render(leaf) if isinstance(leaf, _Compare) else f"{_render(leaf)}: {value!r}"
    outcome = "excludes no line" if negated else "matches no line"
    if not sample:
        return f"--where: {subject} {outcome} (the column has no values)"
    shown = ", ".join(sample[:_LISTED_VALUES])
    if len(sample) > _LISTED_VALUES:
        shown += " ..."
    close = difflib.get_close_matches(value, sample[:_SCANNED_VALUES], n=1)
    suggestion = f"; did you mean {close[0]!r}?" if close else ""
    return f"--where: {subject} {outcome} (values: {shown}{suggestion})"
