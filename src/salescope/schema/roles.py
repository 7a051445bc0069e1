"""Column-role detection from header names and column types.

A role is what a column means to the report (``order_date``, ``revenue``,
``customer_id`` ...). Detection normalises each header (case, spaces,
punctuation, accents), compares it with a synonym list per role, and weighs
the match by whether the column's type fits the role. Every decision keeps
its evidence so ``salescope inspect`` can show why.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Literal

Kind = Literal["string", "integer", "float", "date", "timestamp", "boolean", "other"]

# role -> synonyms, strongest first. Normalised form: lower case ascii, words joined by "_".
SYNONYMS: dict[str, tuple[str, ...]] = {
    "order_id": (
        "order_id",
        "order_no",
        "order_number",
        "order_nr",
        "invoice_no",
        "invoice_number",
        "invoice_id",
        "invoice",
        "invoiceno",
        "order",
        "transaction_id",
        "txn_id",
        "receipt_no",
        "receipt",
        "sales_order",
        "so_number",
        "document_no",
        "bestellnummer",
        "pedido",
        "numero_pedido",
        "factura",
        "commande",
        "auftragsnummer",
        "rechnungsnummer",
        "belegnummer",
        "bestellung",
        "numero_factura",
        "numero_commande",
        "num_commande",
        "ordine",
        "bestelnummer",
        "factuurnummer",
    ),
    "order_date": (
        "order_date",
        "invoice_date",
        "transaction_date",
        "sale_date",
        "sales_date",
        "purchase_date",
        "date",
        "orderdate",
        "invoicedate",
        "txn_date",
        "order_datetime",
        "created_at",
        "timestamp",
        "datum",
        "bestelldatum",
        "fecha",
        "fecha_pedido",
        "date_commande",
        "data",
        "day",
        "rechnungsdatum",
        "belegdatum",
        "auftragsdatum",
        "fecha_factura",
        "fecha_venta",
        "date_facture",
        "data_ordine",
        "data_venda",
        "datum_bestelling",
        "orderdatum",
    ),
    "customer_id": (
        "customer_id",
        "cust_id",
        "customerid",
        "customer_no",
        "customer_number",
        "customer_code",
        "client_id",
        "account_id",
        "buyer_id",
        "customer",
        "client",
        "kundennummer",
        "kunde",
        "id_cliente",
        "cliente",
        "user_id",
        "kundennr",
        "kunden_nr",
        "kundenid",
        "klant",
        "klantnummer",
        "cliente_id",
        "codigo_cliente",
        "code_client",
    ),
    "customer_name": (
        "customer_name",
        "client_name",
        "account_name",
        "company_name",
        "company",
        "nombre_cliente",
        "kundenname",
    ),
    "segment": ("segment", "customer_segment", "customer_type", "customer_tier", "tier"),
    "product_id": (
        "product_id",
        "sku",
        "item_id",
        "stockcode",
        "stock_code",
        "product_code",
        "item_code",
        "item_no",
        "article_no",
        "artikelnummer",
        "material",
        "asin",
        "upc",
        "ean",
    ),
    "product_name": (
        "product_name",
        "product",
        "item_name",
        "item",
        "description",
        "product_description",
        "article",
        "artikel",
        "produkt",
        "producto",
        "produit",
        "artikelbezeichnung",
        "bezeichnung",
        "prodotto",
        "articulo",
        "produto",
        "artikelnaam",
        "designation",
    ),
    "category": (
        "category",
        "product_category",
        "category_name",
        "product_line",
        "productline",
        "product_group",
        "department",
        "family",
        "kategorie",
        "categoria",
        "categorie",
        "warengruppe",
        "produktgruppe",
        "categoria_producto",
        "famille",
        "categorie_produit",
    ),
    "quantity": (
        "quantity",
        "qty",
        "units",
        "quantity_ordered",
        "units_sold",
        "quantityordered",
        "qty_sold",
        "pieces",
        "menge",
        "anzahl",
        "cantidad",
        "quantite",
        "quantita",
        "stueck",
        "stuckzahl",
        "stueckzahl",
        "stuck",
        "aantal",
        "qtd",
        "quantidade",
        "qte",
    ),
    "unit_price": (
        "unit_price",
        "price",
        "unitprice",
        "price_each",
        "priceeach",
        "price_per_unit",
        "selling_price",
        "sale_price",
        "list_price",
        "preis",
        "precio",
        "prix",
        "einzelpreis",
        "stueckpreis",
        "stuckpreis",
        "prezzo",
        "preco",
        "prijs",
        "precio_unitario",
        "prix_unitaire",
        "preco_unitario",
    ),
    "discount": (
        "discount",
        "discount_rate",
        "discount_pct",
        "discount_percent",
        "discount_amount",
        "rabatt",
        "descuento",
        "remise",
    ),
    "revenue": (
        "revenue",
        "sales_amount",
        "sales",
        "amount",
        "line_total",
        "total",
        "total_price",
        "net_sales",
        "net_amount",
        "sales_value",
        "total_amount",
        "line_amount",
        "extended_price",
        "gross_sales",
        "turnover",
        "umsatz",
        "importe",
        "ventas",
        "monto",
        "chiffre_d_affaires",
        "betrag",
        "gesamtbetrag",
        "nettobetrag",
        "bruttobetrag",
        "summe",
        "netto",
        "brutto",
        "erloes",
        "erlos",
        "montant",
        "montant_total",
        "importo",
        "fatturato",
        "valor",
        "receita",
        "bedrag",
        "omzet",
        "venta",
        "total_venta",
    ),
    "cost": (
        "cost",
        "unit_cost",
        "cogs",
        "cost_of_goods",
        "total_cost",
        "line_cost",
        "kosten",
        "costo",
        "coste",
        "einstandspreis",
        "wareneinsatz",
        "coste_unitario",
        "cout",
    ),
    "region": (
        "region",
        "sales_region",
        "territory",
        "sales_territory",
        "area",
        "zone",
        "gebiet",
        "vertriebsgebiet",
        "regio",
        "regione",
    ),
    "country": ("country", "country_name", "land", "pais", "pays"),
    "city": ("city", "town", "stadt", "ciudad", "ville"),
    "channel": (
        "channel",
        "sales_channel",
        "marketing_channel",
        "acquisition_channel",
        "source",
        "medium",
        "utm_source",
        "kanal",
        "canal",
    ),
    "sales_rep": (
        "sales_rep",
        "salesperson",
        "sales_person",
        "sales_representative",
        "rep",
        "account_manager",
        "sales_agent",
        "seller",
        "agent",
        "owner",
        "vendedor",
        "verkaeufer",
    ),
    "status": ("status", "order_status", "line_status", "transaction_type"),
}
ROLES: tuple[str, ...] = tuple(SYNONYMS)

# Which column kinds fit a role, and how well (1 = natural, <1 = needs parsing).
_NUMERIC = {"integer": 1.0, "float": 1.0, "string": 0.6}
_DATE = {"date": 1.0, "timestamp": 1.0, "string": 0.7, "integer": 0.7, "float": 0.5}
_ANY_ID = {"string": 1.0, "integer": 1.0, "float": 0.5}
_TEXT = {"string": 1.0, "integer": 0.5}
KIND_FIT: dict[str, dict[str, float]] = {
    "order_id": _ANY_ID,
    "order_date": _DATE,
    "customer_id": _ANY_ID,
    "customer_name": _TEXT,
    "segment": _TEXT,
    "product_id": _ANY_ID,
    "product_name": _TEXT,
    "category": _TEXT,
    "quantity": _NUMERIC,
    "unit_price": _NUMERIC,
    "discount": _NUMERIC,
    "revenue": _NUMERIC,
    "cost": _NUMERIC,
    "region": _TEXT,
    "country": _TEXT,
    "city": _TEXT,
    "channel": _TEXT,
    "sales_rep": _TEXT,
    "status": _TEXT,
}

MIN_CONFIDENCE = 0.5


def kind_of(dtype: object) -> Kind:
    """Map an Ibis dtype to the coarse kind role detection works with."""
    import ibis.expr.datatypes as dt

    assert isinstance(dtype, dt.DataType)
    if dtype.is_string():
        return "string"
    if dtype.is_boolean():
        return "boolean"
    if dtype.is_integer():
        return "integer"
    if dtype.is_floating() or dtype.is_decimal():
        return "float"
    if dtype.is_timestamp():
        return "timestamp"
    if dtype.is_date():
        return "date"
    return "other"


@dataclass(frozen=True)
class ColumnInfo:
    """A column as the detector sees it: its header, the kind of its type and, for text
    columns, the share of sampled values that look like dates and like numbers."""

    name: str
    kind: Kind
    date_share: float | None = None
    number_share: float | None = None


@dataclass(frozen=True)
class RoleMatch:
    """One role given to one column, with the confidence and the evidence."""

    role: str
    column: str
    confidence: float
    evidence: str


@dataclass(frozen=True)
class Mapping:
    """The result of detection: role -> column, plus what could not be placed."""

    matches: tuple[RoleMatch, ...]
    unmapped: tuple[str, ...] = ()
    candidates: dict[str, tuple[RoleMatch, ...]] = field(default_factory=dict)

    def column(self, role: str) -> str | None:
        for match in self.matches:
            if match.role == role:
                return match.column
        return None

    def has(self, role: str) -> bool:
        return self.column(role) is not None

    def as_dict(self) -> dict[str, str]:
        return {m.role: m.column for m in sorted(self.matches, key=lambda m: ROLES.index(m.role))}


def normalise(header: str) -> str:
    """``'  Invoice No.'`` -> ``'invoice_no'``; accents and punctuation removed.

    >>> normalise("Umsatz (€)")
    'umsatz'
    """
    text = unicodedata.normalize("NFKD", header)
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    text = text.replace("ß", "ss").lower()
    text = re.sub(r"(?<=[a-z])(?=[0-9])|(?<=[0-9])(?=[a-z])", "_", text)
    text = re.sub(r"[^a-z0-9]+", "_", text).strip("_")
    text = re.sub(r"_(eur|usd|gbp|chf)$", "", text)
    return text


def _camel_split(header: str) -> str:
    return re.sub(r"(?<=[a-z])(?=[A-Z])", "_", header)


def _name_score(header: str, synonyms: Sequence[str]) -> tuple[float, str]:
    """How well a header names a role: 1.0 exact synonym, lower for partial matches."""
    forms = {normalise(header), normalise(_camel_split(header))}
    best = (0.0, "")
    for rank, syn in enumerate(synonyms):
        # earlier synonyms are stronger: a small tie-breaker, never enough to flip a tier
        bonus = 0.02 * (1 - rank / len(synonyms))
        for form in forms:
            if form == syn:
                score, why = 0.96 + bonus, f"header {header!r} is a known name for this role"
            elif form.replace("_", "") == syn.replace("_", ""):
                score, why = 0.92 + bonus, f"header {header!r} matches {syn!r}"
            elif "_" in syn and (form.startswith(syn + "_") or form.endswith("_" + syn)):
                score, why = 0.8 + bonus, f"header {header!r} contains {syn!r}"
            elif "_" not in syn and syn in form.split("_") and len(syn) > 2:
                score, why = 0.7 + bonus, f"header {header!r} contains the word {syn!r}"
            else:
                continue
            if score > best[0]:
                best = (score, why)
    return best


def score_column(role: str, column: ColumnInfo) -> RoleMatch | None:
    """The match of one column for one role, or None if it does not fit at all."""
    name_score, why = _name_score(column.name, SYNONYMS[role])
    if name_score == 0.0:
        return None
    fit = KIND_FIT[role].get(column.kind, 0.0)
    if fit == 0.0:
        return None
    evidence = why if fit == 1.0 else f"{why}; type {column.kind} needs parsing"
    if column.kind == "string":
        fit, evidence = _value_fit(role, column, fit, why)
        if fit <= 0.0:
            return None
    return RoleMatch(role, column.name, round(name_score * fit, 3), evidence)


DATE_ROLES = {"order_date"}
NUMBER_ROLES = {"quantity", "unit_price", "discount", "revenue", "cost"}


def _value_fit(role: str, column: ColumnInfo, fit: float, why: str) -> tuple[float, str]:
    """Weigh a text column by what its values look like (when they were sampled)."""
    dates, numbers = column.date_share, column.number_share
    if role in DATE_ROLES and dates is not None:
        return 0.4 + 0.6 * dates, f"{why}; {dates:.0%} of sampled values look like dates"
    if role in NUMBER_ROLES and numbers is not None:
        return 0.4 + 0.6 * numbers, f"{why}; {numbers:.0%} of sampled values look like numbers"
    if dates is not None and dates > 0.8 and role not in DATE_ROLES:
        return fit * 0.3, f"{why}; but its values look like dates"
    return fit, why if fit == 1.0 else f"{why}; type string needs parsing"


def detect_roles(columns: Iterable[ColumnInfo], overrides: dict[str, str] | None = None) -> Mapping:
    """Give each role at most one column and each column at most one role.

    Overrides (from salescope.yml) are taken as they are, with confidence 1.
    The rest is assigned greedily, strongest match first.

    >>> m = detect_roles([ColumnInfo("Invoice Date", "date"), ColumnInfo("Qty", "integer")])
    >>> m.as_dict()
    {'order_date': 'Invoice Date', 'quantity': 'Qty'}
    """
    cols = list(columns)
    overrides = overrides or {}
    matches: list[RoleMatch] = []
    used_cols: set[str] = set()
    for role, col in overrides.items():
        matches.append(RoleMatch(role, col, 1.0, "set in salescope.yml"))
        used_cols.add(col)

    scored = [
        m
        for role in ROLES
        if role not in overrides
        for c in cols
        if c.name not in used_cols and (m := score_column(role, c)) is not None
    ]
    candidates: dict[str, list[RoleMatch]] = {}
    for m in scored:
        candidates.setdefault(m.role, []).append(m)

    used_roles = set(overrides)
    for m in sorted(scored, key=lambda m: (-m.confidence, ROLES.index(m.role))):
        if m.confidence < MIN_CONFIDENCE or m.role in used_roles or m.column in used_cols:
            continue
        matches.append(m)
        used_roles.add(m.role)
        used_cols.add(m.column)

    unmapped = tuple(c.name for c in cols if c.name not in used_cols)
    return Mapping(
        matches=tuple(sorted(matches, key=lambda m: ROLES.index(m.role))),
        unmapped=unmapped,
        candidates={
            r: tuple(sorted(v, key=lambda m: -m.confidence)) for r, v in candidates.items()
        },
    )
