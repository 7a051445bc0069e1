"""Side tables next to the sales lines: marketing spend, campaigns, quotas and inventory.

An input is a side table when its columns name one of the shapes below (by the same
name matching as the sales columns: case, spaces and punctuation ignored) and it does
not look like sales lines itself. ``salescope.yml`` can name them instead
(``side_tables: {marketing: spend.csv}``). Each is normalised to fixed columns, so the
analyses never guess: a column the file lacks is present and all null.

======================  =========================================================
kind                    columns (required in bold in docs/side-tables.md)
======================  =========================================================
marketing               date, channel, campaign, spend, impressions, clicks, leads,
                        conversions
campaigns               campaign, channel, start, end
quotas                  sales_rep, region, team, start, end (or period), quota
targets                 metric, start, end (or period), target; any other column is a
                        dimension (region, category, channel ...) whose value the row is for
inventory               date, product, region, on_hand, stockout (or in_stock)
======================  =========================================================

Rows whose date (or quota period) cannot be read, or that lack a required value, are
left out and counted in :class:`~salescope.model.SideTable`, never dropped silently.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Final

import ibis
import ibis.expr.types as ir

from salescope.analysis.periods import is_rule, parse_period
from salescope.engine import Engine
from salescope.errors import ConfigError, InputError
from salescope.model import SideTable
from salescope.narrative import format as fmt
from salescope.quality.formats import decide_date, decide_number, parse_dates, parse_number
from salescope.quality.parse import to_text
from salescope.schema.roles import Kind, kind_of
from salescope.sources.combine import Group, column_key
from salescope.sources.readers import read_spec

log = logging.getLogger("salescope")

# detection order: a targets table (a metric column, or no rep and no region) before quotas
SIDE_KINDS: Final = ("marketing", "campaigns", "targets", "quotas", "inventory")
KIND_LABELS: Final = {
    "marketing": "marketing spend",
    "campaigns": "campaign dates",
    "quotas": "sales quotas",
    "targets": "targets and budgets",
    "inventory": "inventory snapshots",
}

# field -> the column names (as ``column_key`` gives them) that fill it, best first.
SYNONYMS: Final[dict[str, tuple[str, ...]]] = {
    "date": (
        "date", "day", "spend_date", "report_date", "activity_date", "snapshot_date",
        "stock_date", "inventory_date", "as_of", "as_of_date", "week", "week_start",
    ),
    "channel": ("channel", "marketing_channel", "source", "medium", "utm_source", "platform"),
    "campaign": ("campaign", "campaign_name", "campaign_id"),
    "spend": (
        "spend", "ad_spend", "spent", "amount_spent", "media_spend", "marketing_spend",
        "ad_cost", "media_cost", "cost",
    ),
    "impressions": ("impressions", "impr", "sends", "views", "reach"),
    "clicks": ("clicks", "link_clicks"),
    "leads": ("leads", "signups"),
    "conversions": ("conversions", "conv", "purchases", "transactions", "acquisitions"),
    "start": (
        "start", "start_date", "begin", "begin_date", "from", "from_date", "valid_from",
        "launch_date", "period_start",
    ),
    "end": ("end", "end_date", "finish", "to", "to_date", "until", "valid_to", "period_end"),
    "sales_rep": (
        "sales_rep", "rep", "sales_rep_name", "rep_name", "salesperson", "sales_person",
        "seller", "account_manager", "account_owner", "owner", "agent", "employee",
    ),
    "region": ("region", "territory", "sales_region", "area", "market"),
    "team": ("team", "sales_team", "team_name", "squad"),
    "period": ("period", "quarter", "month", "year", "fiscal_period", "quota_period"),
    "quota": (
        "quota", "target", "sales_target", "revenue_target", "target_revenue", "goal",
        "quota_amount", "sales_quota",
    ),
    "metric": ("metric", "kpi", "measure", "target_metric", "budget_metric"),
    "target": (
        "target", "budget", "goal", "plan", "target_value", "target_amount", "budget_amount",
        "planned", "plan_amount", "revenue_target", "revenue_budget", "sales_budget",
    ),
    "product": ("product_id", "product", "sku", "item_id", "item", "article", "product_code"),
    "on_hand": (
        "on_hand", "stock", "stock_level", "stock_on_hand", "qty_on_hand", "quantity_on_hand",
        "units_on_hand", "inventory", "available", "inventory_level",
    ),
    "stockout": ("stockout", "out_of_stock", "is_stockout", "oos", "stocked_out"),
    "in_stock": ("in_stock", "is_in_stock", "available_flag"),
}  # fmt: skip

# kind -> its fields, in output order
FIELDS: Final[dict[str, tuple[str, ...]]] = {
    "marketing": (
        "date", "channel", "campaign", "spend", "impressions", "clicks", "leads", "conversions",
    ),
    "campaigns": ("campaign", "channel", "start", "end"),
    "quotas": ("sales_rep", "region", "team", "start", "end", "quota"),
    "targets": ("metric", "dimension", "member", "start", "end", "target"),
    "inventory": ("date", "product", "region", "on_hand", "stockout"),
}  # fmt: skip
NUMBERS: Final = frozenset(
    {"spend", "impressions", "clicks", "leads", "conversions", "quota", "on_hand", "target"}
)
DATES: Final = frozenset({"date", "start", "end"})
# the campaign table may call the campaign just "name"
EXTRA: Final[dict[str, dict[str, tuple[str, ...]]]] = {"campaigns": {"campaign": ("name",)}}


@dataclass(frozen=True)
class SideTables:
    """The side tables read for a run, normalised (see the module doc); None when absent."""

    marketing: ir.Table | None = None
    campaigns: ir.Table | None = None
    quotas: ir.Table | None = None
    targets: ir.Table | None = None
    inventory: ir.Table | None = None
    infos: tuple[SideTable, ...] = ()

    def label(self, kind: str) -> str | None:
        """The file a kind was read from (the first, when several)."""
        return next((i.path for i in self.infos if i.kind == kind), None)


def _columns(columns: Sequence[str], kind: str) -> dict[str, str]:
    """field -> the input column that fills it (the first synonym present)."""
    by_key: dict[str, str] = {}
    for c in columns:
        by_key.setdefault(column_key(c), c)
    found: dict[str, str] = {}
    taken: set[str] = set()
    # a targets table is told from a quota table by its rep and region columns
    extra = ("sales_rep", "region") if kind == "targets" else ()
    wanted = [f for f in (*FIELDS[kind], *extra, "period", "in_stock") if f in SYNONYMS]
    for field in wanted:
        names = SYNONYMS[field] + EXTRA.get(kind, {}).get(field, ())
        for name in names:
            column = by_key.get(name)
            if column is not None and column not in taken:
                found[field] = column
                taken.add(column)
                break
    return found


def _fits(kind: str, found: dict[str, str]) -> bool:
    has = found.__contains__
    if kind == "marketing":
        metric = any(has(f) for f in ("spend", "impressions", "clicks", "conversions"))
        return has("date") and metric and (has("channel") or has("campaign"))
    if kind == "campaigns":
        return has("campaign") and has("start") and has("end") and not has("spend")
    if kind == "quotas":
        when = has("period") or (has("start") and has("end"))
        return has("quota") and (has("sales_rep") or has("region")) and when
    if kind == "targets":
        when = has("period") or (has("start") and has("end"))
        # a rep's or a region's target without a metric column stays a quota
        return (
            has("target")
            and when
            and (has("metric") or (not has("sales_rep") and not has("region")))
        )
    return (
        has("date") and has("product") and any(has(f) for f in ("on_hand", "stockout", "in_stock"))
    )


def detect_kind(table: ir.Table) -> str | None:
    """The side-table kind ``table``'s columns name, or None (sales lines, a lookup table)."""
    for kind in SIDE_KINDS:
        if _fits(kind, _columns(table.columns, kind)):
            return kind
    return None


def required_columns(kind: str) -> str:
    """What a side table of ``kind`` needs, for error hints."""
    return {
        "marketing": "a date, a channel or campaign, and spend, impressions, clicks or conversions",
        "campaigns": "a campaign name, a start date and an end date",
        "quotas": "a sales rep or region, a quota (or target), and a period or start and end dates",
        "targets": "a target (or budget) and a period or start and end dates; optionally a "
        "metric and one dimension column such as region or category",
        "inventory": "a date, a product id, and on-hand stock or a stockout flag",
    }[kind]


def normalise_side(
    engine: Engine, group: Group, kind: str, fiscal_year_start: int = 1
) -> tuple[ir.Table, SideTable]:
    """``group`` with the fixed columns of ``kind``, its unusable rows left out (counted)."""
    table = group.table
    found = _columns(table.columns, kind)
    if not _fits(kind, found):
        raise InputError(
            f"{group.label} cannot be read as {KIND_LABELS[kind]}",
            hint=f"it needs {required_columns(kind)}; see docs/side-tables.md",
        )
    kinds = {name: kind_of(t) for name, t in table.schema().items()}
    values: dict[str, ir.Value] = {}
    notes: list[str] = []
    for field in FIELDS[kind]:
        if kind == "targets" and field in ("dimension", "member"):
            continue  # from the table's other columns, below
        column = found.get(field)
        if column is None:
            dtype = "date" if field in DATES else "float64" if field in NUMBERS else "string"
            if field == "stockout":
                dtype = "boolean"
            values[field] = ibis.null(dtype)
            continue
        col = table[column]
        if field in DATES:
            decision = decide_date(table, column, kinds[column], engine)
            if decision.note:
                notes.append(decision.note)
            values[field] = parse_dates(col, decision, engine)
        elif field in NUMBERS:
            number = decide_number(table, column, kinds[column])
            values[field] = parse_number(col, kinds[column], number)
        elif field == "stockout":
            values[field] = _flag(col, kinds[column])
        else:
            values[field] = to_text(col, kinds[column])
    if kind == "targets":
        values["metric"] = (
            values["metric"].strip().lower().fill_null("revenue")  # type: ignore[attr-defined]
            if "metric" in found
            else ibis.literal("revenue")
        )
        values["dimension"], values["member"], values["_dims"] = _target_members(
            table, found, kinds
        )
    if kind in ("quotas", "targets") and "start" not in found:
        values["start"], values["end"] = _period_bounds(
            table, found["period"], notes, fiscal_year_start
        )
    if kind == "inventory" and "stockout" not in found:
        if "in_stock" in found:
            column = found["in_stock"]
            values["stockout"] = ~_flag(table[column], kinds[column])
        else:
            values["stockout"] = values["on_hand"] <= 0
    shaped = table.select(**values)
    usable = _usable(shaped, kind)
    kept = shaped.filter(usable)
    kept = engine.materialize(kept.drop("_dims") if kind == "targets" else kept)
    counts = (
        shaped.aggregate(n=shaped.count(), ok=usable.cast("int64").sum())
        .to_pyarrow()
        .to_pylist()[0]
    )
    rows, used = int(counts["n"] or 0), int(counts["ok"] or 0)
    if used == 0:
        raise InputError(
            f"{group.label}: no row is usable as {KIND_LABELS[kind]}",
            hint=f"it needs {required_columns(kind)} on every row; see docs/side-tables.md",
        )
    info = SideTable(
        kind=kind,
        path=group.label,
        rows=rows,
        rows_used=used,
        mapping={
            f: c for f, c in found.items() if f in FIELDS[kind] or f in ("period", "in_stock")
        },
        notes=tuple(notes),
    )
    log.info("side table %s: %s, %d of %d rows used", group.label, kind, used, rows)
    return kept, info


def _flag(col: ir.Value, kind: str) -> ir.BooleanValue:
    """A yes/no column read from booleans, 0/1 or text (yes, true, y, x, 1 ...)."""
    if kind == "boolean":
        return col.fill_null(False)  # type: ignore[attr-defined,no-any-return]
    if kind in ("integer", "float"):
        return col.fill_null(0) != 0  # type: ignore[attr-defined,no-any-return]
    text = col.cast("string").strip().lower()
    return text.isin(["1", "true", "t", "yes", "y", "x", "oos"]).fill_null(False)  # type: ignore[no-any-return]


def _target_members(
    table: ir.Table, found: dict[str, str], kinds: dict[str, Kind]
) -> tuple[ir.StringValue, ir.StringValue, ir.IntegerValue]:
    """A targets row's dimension and member: the one other column it fills (its name as
    ``column_key`` gives it, e.g. ``region``), both null for a whole-business row; and how
    many such columns the row fills (a row filling two is left out)."""
    used = {c for f, c in found.items() if f not in ("sales_rep", "region")}
    others = [c for c in table.columns if c not in used and not c.startswith("_")]
    if not others:
        null = ibis.null("string")
        return null, null, ibis.literal(0)  # type: ignore[return-value]
    texts = {c: to_text(table[c], kinds[c]) for c in others}
    dimension = ibis.cases(
        *((texts[c].notnull(), ibis.literal(column_key(c))) for c in others),
        else_=ibis.null("string"),
    )
    member = ibis.coalesce(*texts.values()) if len(others) > 1 else texts[others[0]]
    filled = sum((texts[c].notnull().cast("int64") for c in others), ibis.literal(0))
    return dimension, member, filled  # type: ignore[return-value]


def _period_bounds(
    table: ir.Table, column: str, notes: list[str], fiscal_year_start: int
) -> tuple[ir.DateValue, ir.DateValue]:
    """Start and end of quota periods written as labels (``2026-Q3``, ``2026-07``, ``2026``)."""
    distinct = table.select(p=table[column].cast("string").strip()).distinct()
    labels = [v for v in distinct.p.to_pyarrow().to_pylist() if v]
    bounds: dict[str, tuple[object, object]] = {}
    for label in labels:
        if label.lower() == "all" or is_rule(label):
            continue
        try:
            w = parse_period(label, _FAR_PAST, _FAR_FUTURE, fiscal_year_start)
        except ConfigError:
            continue
        bounds[label] = (w.start, w.end)
    bad = len(labels) - len(bounds)
    if bad:
        notes.append(f"{fmt.plural(bad, 'period label')} in {column!r} could not be read")
    key = table[column].cast("string").strip()
    if not bounds:
        return ibis.null("date"), ibis.null("date")  # type: ignore[return-value]
    start = ibis.cases(*[(key == k, ibis.date(v[0])) for k, v in bounds.items()], else_=None)
    end = ibis.cases(*[(key == k, ibis.date(v[1])) for k, v in bounds.items()], else_=None)
    return start.cast("date"), end.cast("date")  # type: ignore[return-value]


def _usable(t: ir.Table, kind: str) -> ir.BooleanValue:
    if kind == "marketing":
        metric = t.spend.notnull() | t.impressions.notnull() | t.clicks.notnull()
        cond = t.date.notnull() & (metric | t.conversions.notnull())
        cond &= t.channel.notnull() | t.campaign.notnull()
    elif kind == "campaigns":
        cond = t.campaign.notnull() & t.start.notnull() & t.end.notnull() & (t.start <= t.end)
    elif kind == "quotas":
        cond = t.quota.notnull() & t.start.notnull() & t.end.notnull() & (t.start <= t.end)
        cond &= t.sales_rep.notnull() | t.region.notnull()
    elif kind == "targets":  # a row is for the whole business or for one member
        cond = t.target.notnull() & t.start.notnull() & t.end.notnull() & (t.start <= t.end)
        cond &= t["_dims"] <= 1
    else:
        cond = t.date.notnull() & t.product.notnull()
    return cond.fill_null(False)  # type: ignore[no-any-return]


_FAR_PAST: Final = date(1900, 1, 1)
_FAR_FUTURE: Final = date(2999, 12, 31)


def side_tables(
    engine: Engine, groups: Sequence[tuple[Group, str]], fiscal_year_start: int = 1
) -> SideTables:
    """Normalise every side table; several of one kind are stacked."""
    parts: dict[str, list[ir.Table]] = {}
    infos: list[SideTable] = []
    for group, kind in groups:
        table, info = normalise_side(engine, group, kind, fiscal_year_start)
        parts.setdefault(kind, []).append(table)
        infos.append(info)
    stacked = {k: v[0] if len(v) == 1 else ibis.union(*v, distinct=False) for k, v in parts.items()}
    return SideTables(**stacked, infos=tuple(infos))  # type: ignore[arg-type]


def load_side_tables(
    engine: Engine,
    paths: Sequence[str | Path],
    kinds: Sequence[str | None] | None = None,
    fiscal_year_start: int = 1,
) -> SideTables:
    """Read side-table files; each kind detected from its columns unless ``kinds`` names it.

    >>> side = load_side_tables(connect("duckdb"), ["marketing_spend.csv"])  # doctest: +SKIP
    >>> side.marketing.columns  # doctest: +SKIP
    """
    chosen = list(kinds) if kinds is not None else [None] * len(paths)
    groups: list[tuple[Group, str]] = []
    for spec, forced in zip(paths, chosen, strict=True):
        for read in read_spec(engine, str(spec)):
            group = Group((read,), read.table)
            kind = forced or detect_kind(read.table)
            if kind is None:
                raise InputError(
                    f"{read.label} does not look like a side table",
                    hint="side tables are marketing spend, campaigns, quotas, targets or "
                    "inventory; see docs/side-tables.md",
                )
            groups.append((group, kind))
    return side_tables(engine, groups, fiscal_year_start)
