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
from collections.abc import Mapping as MappingT
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
        "bestell_nr",
        "auftrags_nr",
        "rechnungs_nr",
        "beleg_nr",
        "receipt_number",
        "opportunity_id",
        "charge_id",
        "payment_id",
        "n_piece",
        "numero_piece",
        "no_piece",
        "num_piece",
        "piece",
        "numero_document",
        "document_number",
        "doc_number",
        "deal_id",
        "record_id",
        "num",
        "number",
        "id",
    ),
    "order_date": (
        "order_date",
        "invoice_date",
        "transaction_date",
        "sale_date",
        "sales_date",
        "purchase_date",
        "order_purchase_timestamp",
        "purchase_timestamp",
        "order_timestamp",
        "close_date",
        "paid_at",
        "created_date",
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
        "customer_unique_id",
        "customer_key",
        "customer_email",
        "email",
        "billing_email",
    ),
    "customer_name": (
        "customer_name",
        "client_name",
        "account_name",
        "company_name",
        "billing_name",
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
        "product_key",
        "lineitem_sku",
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
        "lineitem_name",
        "product_nm",
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
        "product_category_name_english",
        "product_category_name",
        "sub_category",
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
        "product_family",
    ),
    "quantity": (
        "quantity",
        "qty",
        "units",
        "quantity_ordered",
        "units_sold",
        "quantityordered",
        "qty_sold",
        "lineitem_quantity",
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
        "lineitem_price",
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
        "pu_ht",
        "pu",
        "prix_unitaire_ht",
        "prix_ht",
        "unit_price_excl_tax",
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
        "montant_ht",
        "total_ht",
        "net_ht",
        "subtotal",
        "sub_total",
        "line_subtotal",
        "item_total",
        "net_revenue",
        "amount_excl_tax",
        "amount_excl_vat",
        "net_value",
        "nettoumsatz",
    ),
    "cost": (
        "cost",
        "unit_cost",
        "cogs",
        "cost_of_goods",
        "cost_of_goods_sold",
        "product_cost",
        "total_cost",
        "line_cost",
        "kosten",
        "costo",
        "coste",
        "einstandspreis",
        "wareneinsatz",
        "coste_unitario",
        "cout",
        "prix_de_revient",
        "cout_de_revient",
        "cout_unitaire",
        "prix_d_achat",
        "prix_achat",
        "purchase_price",
        "cost_price",
        "einkaufspreis",
        "ek_preis",
        "precio_compra",
        "precio_de_coste",
        "costo_unitario",
    ),
    "profit": (
        "profit",
        "gross_profit",
        "profit_amount",
        "margin_amount",
        "gross_margin_amount",
        "gewinn",
        "rohertrag",
        "deckungsbeitrag",
        "beneficio",
        "ganancia",
        "benefice",
        "marge_brute",
        "utile",
        "lucro",
    ),
    "refund": (
        "amount_refunded",
        "refunded_amount",
        "refund_amount",
        "total_refunded",
        "refunded",
        "refund",
        "refunds",
        "erstattung",
        "erstattet",
        "rueckerstattung",
        "reembolso",
        "remboursement",
        "rimborso",
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
        "agent",
        "owner",
        "vendedor",
        "verkaeufer",
        "opportunity_owner",
        "employee",
        "employee_id",
        "sales_rep_id",
        "salesperson_id",
        "verkaufer",
        "berater",
        "representant",
        "commercial",
        "vendeur",
        "comercial",
        "agente",
        "salesman",
        "sold_by",
        "deal_owner",
        "cashier",
        "staff",
        "mitarbeiter",
    ),
    "status": (
        "status",
        "order_status",
        "line_status",
        "transaction_type",
        "financial_status",
        "stage",
        "type",
        "payment_status",
    ),
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
    "profit": _NUMERIC,
    "refund": _NUMERIC,
    "region": _TEXT,
    "country": _TEXT,
    "city": _TEXT,
    "channel": _TEXT,
    "sales_rep": {"string": 1.0, "integer": 0.8},
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


Origin = Literal["fact", "header", "lookup"]


@dataclass(frozen=True)
class ColumnInfo:
    """A column as the detector sees it: its header, the kind of its type and what its
    values look like (from a sample): for text columns the share that look like dates
    and like numbers; for numbers whether every value is whole and whether they read as
    integer dates (``yyyymmdd``, ``epoch_s``, ``epoch_ms``); the share of distinct values
    among the non-empty ones. ``origin`` says which table of the dataset model it comes
    from: the fact table (sales lines), an order header joined onto them, or a lookup
    (customers, products ...). ``prefix`` is its table's shared column prefix (``sls_``);
    ``filled_share`` the share of its table's sampled rows that have a value in it."""

    name: str
    kind: Kind
    date_share: float | None = None
    number_share: float | None = None
    integral: bool | None = None
    int_date: str | None = None
    distinct_share: float | None = None
    origin: Origin = "fact"
    table: str | None = None
    prefix: str | None = None
    source: str | None = None  # the column's name in its own table, when it was renamed
    filled_share: float | None = None  # share of sampled rows with a value (None: unknown)


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
    notes: tuple[str, ...] = ()  # what relationships in the values changed
    order_level: tuple[str, ...] = ()  # amounts written once per order, not per line
    fill: tuple[str, ...] = ()  # columns written on an order's first line only
    line_priced: tuple[str, ...] = ()  # price columns that hold the line's total

    def match(self, role: str) -> RoleMatch | None:
        return next((m for m in self.matches if m.role == role), None)

    def runner_up(self, role: str) -> RoleMatch | None:
        """The best other column that also looked like ``role``."""
        chosen = self.column(role)
        return next((m for m in self.candidates.get(role, ()) if m.column != chosen), None)

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
    text = re.sub(r"_(eur|usd|gbp|chf|cad|aud|utc|gmt)$", "", text)
    return text


def _camel_split(header: str) -> str:
    return re.sub(r"(?<=[a-z])(?=[A-Z])", "_", header)


# Abbreviations in exported headers, expanded before names are compared.
ABBREVIATIONS = {
    "ord": "order",
    "num": "number",
    "nbr": "number",
    "nr": "number",
    "prd": "product",
    "prod": "product",
    "cust": "customer",
    "cst": "customer",
    "qty": "quantity",
    "qnt": "quantity",
    "amt": "amount",
    "dt": "date",
    "cat": "category",
    "desc": "description",
    "emp": "employee",
    "inv": "invoice",
    "txn": "transaction",
    "trx": "transaction",
    "ts": "timestamp",
    "cant": "cantidad",
    "sls": "sales",
    "nm": "name",
    "px": "price",
    "pr": "price",
}


def header_forms(header: str, prefix: str | None = None) -> set[str]:
    """The normalised spellings a header is compared in: as written, camel case split,
    without its table's shared prefix (``sls_``), and with abbreviations expanded.

    >>> sorted(header_forms("sls_ord_num", "sls"))
    ['ord_num', 'order_number', 'sales_order_number', 'sls_ord_num']
    """
    forms = {normalise(header), normalise(_camel_split(header))}
    forms = {f for f in forms if f}
    if prefix:
        forms |= {f[len(prefix) + 1 :] for f in forms if f.startswith(prefix + "_")} - {""}
    forms |= {"_".join(ABBREVIATIONS.get(w, w) for w in f.split("_")) for f in list(forms)}
    return forms


def _name_score(
    header: str, synonyms: Sequence[str], prefix: str | None = None
) -> tuple[float, str]:
    """How well a header names a role: 1.0 exact synonym, lower for partial matches."""
    forms = header_forms(header, prefix)
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


# Dates that follow the sale: a column named so loses to the order, purchase or invoice date.
LATER_DATE_WORDS = frozenset(
    {
        "ship",
        "shipped",
        "shipping",
        "delivery",
        "delivered",
        "due",
        "limit",
        "approved",
        "estimated",
        "required",
        "start",
        "end",
        "birth",
        "modified",
        "updated",
        "expiry",
        "carrier",
        "paid",
        "fulfilled",
        "closed",
        "cancelled",
        "refunded",
    }
)
# A column named so describes where a deal stands, never what was sold.
PIPELINE_WORDS = frozenset({"forecast", "stage", "status", "pipeline", "probability"})
# Sales tax and VAT: an amount named so is the tax, never the sale, unless the name says
# the tax is left out ("Montant HT", "Amount excl. VAT") or included ("Montant TTC", which
# loses to a figure before tax).
TAX_WORDS = frozenset({"tax", "taxes", "vat", "tva", "mwst", "ust", "iva", "gst", "hst", "btw"})
EX_TAX_WORDS = frozenset(
    {
        "excl",
        "ex",
        "exkl",
        "excluding",
        "ht",
        "hors",
        "before",
        "pre",
        "net",
        "netto",
        "sans",
        "without",
        "ohne",
        "untaxed",
    }
)
WITH_TAX_WORDS = frozenset({"incl", "inkl", "including", "ttc", "with", "gross", "brutto"})
TAX_SENSITIVE = frozenset({"revenue", "unit_price"})
# Roles a joined table may lend its lines: amounts come from the fact table only.
FROM_HEADER = frozenset(
    {
        "order_date",
        "customer_id",
        "customer_name",
        "status",
        "sales_rep",
        "channel",
        "region",
        "country",
        "city",
        "segment",
    }
)
FROM_LOOKUP = frozenset(
    {
        "customer_id",
        "customer_name",
        "segment",
        "product_name",
        "category",
        "region",
        "country",
        "city",
        "channel",
        "sales_rep",
        "cost",
    }
)
ID_ROLES = frozenset({"order_id", "customer_id", "product_id"})
DATE_ROLES = {"order_date"}
NUMBER_ROLES = {"quantity", "unit_price", "discount", "revenue", "cost", "profit", "refund"}


def _words(column: ColumnInfo) -> set[str]:
    return {w for f in header_forms(column.name, column.prefix) for w in f.split("_")}


def score_column(role: str, column: ColumnInfo) -> RoleMatch | None:
    """The match of one column for one role, or None if it does not fit at all."""
    if column.origin == "header" and role not in FROM_HEADER:
        return None
    if column.origin == "lookup" and role not in FROM_LOOKUP:
        return None
    name_score, why = _name_score(column.name, SYNONYMS[role], column.prefix)
    if column.source and column.source != column.name:
        alt, alt_why = _name_score(column.source, SYNONYMS[role], column.prefix)
        if alt > name_score:
            name_score, why = alt, alt_why
    if name_score == 0.0:
        return None
    if role in ("product_name", "product_id") and _words(column) & {"category", "categorie"}:
        return None  # "product_category_name" names a category, not a product
    if role in ("category", "segment") and _words(column) & PIPELINE_WORDS:
        return None  # HubSpot's "Forecast category" is a pipeline stage, not a product group
    fit = KIND_FIT[role].get(column.kind, 0.0)
    evidence = why
    if column.kind == "float" and column.integral and role in ID_ROLES:
        fit, evidence = 1.0, f"{why}; numbers without a fraction, read as ids"
    if column.int_date is not None:
        if role in DATE_ROLES:
            fit, evidence = 1.0, f"{why}; its integers read as dates ({column.int_date})"
        elif role in ID_ROLES:
            return None  # a date is never an id
    if fit == 0.0:
        return None
    if fit < 1.0 and evidence == why:
        evidence = f"{why}; type {column.kind} needs parsing"
    if column.kind == "string":
        fit, evidence = _value_fit(role, column, fit, why)
        if fit <= 0.0:
            return None
    if role in DATE_ROLES:
        later = sorted(_words(column) & LATER_DATE_WORDS)
        if later:
            fit *= 0.6
            evidence += f"; {later[0]!r} names a date after the sale"
    if role in ID_ROLES and column.kind in ("date", "timestamp"):
        return None
    if role in TAX_SENSITIVE:
        words = _words(column)
        if words & TAX_WORDS and not words & EX_TAX_WORDS:
            if not words & WITH_TAX_WORDS:
                return None  # "Montant TVA", "Line Tax": the tax, not the sale
            fit *= 0.8
            evidence += "; it includes tax, so a figure before tax is preferred"
        elif words & WITH_TAX_WORDS - {"gross"}:
            fit *= 0.8
            evidence += "; it includes tax, so a figure before tax is preferred"
    if column.origin == "lookup" and role in FROM_HEADER and "name" not in _words(column):
        # a lookup's attribute ("title", "city") is weaker than the lines' or header's own
        fit *= 0.85
    return RoleMatch(role, column.name, round(name_score * fit, 3), evidence)


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


def detect_roles(
    columns: Iterable[ColumnInfo], overrides: MappingT[str, str | None] | None = None
) -> Mapping:
    """Give each role at most one column and each column at most one role.

    Overrides (from salescope.yml) are taken as they are, with confidence 1; a role
    mapped to None is left without a column. The rest is assigned greedily, strongest
    match first.

    >>> m = detect_roles([ColumnInfo("Invoice Date", "date"), ColumnInfo("Qty", "integer")])
    >>> m.as_dict()
    {'order_date': 'Invoice Date', 'quantity': 'Qty'}
    """
    cols = list(columns)
    overrides = overrides or {}
    matches: list[RoleMatch] = []
    used_cols: set[str] = set()
    for role, col in overrides.items():
        if col is None:
            continue
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
