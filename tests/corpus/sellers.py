"""Seller exports: an Amazon seller's order report and a French ERP's invoice lines.

They were written to find first-run misreads on exports salescope had not been tuned on
(the first run got 9 of 11 figures right on the Amazon report, 6 of 11 on the Sage
lines) and are registered in :mod:`tests.corpus.registry`; they follow the truth rules of
:mod:`tests.corpus.shapes` (read its module docstring) and use its helpers:

- ``amazon_orders``: Seller Central's "All Orders Report" flat file (TAB-separated text,
  no quoting, ``item-price`` the line total for the quantity, no customer identity,
  Cancelled and Pending orders, promotions as a separate discount column).
- ``sage_factures``: a Sage 100 / EBP style "lignes de factures" export (``;`` CSV in
  cp1252, decimal comma with a non-breaking-space thousands separator, dd/mm/yyyy, credit
  notes with negative quantities, a per-unit ``Prix de revient``, PORT and FRAIS lines).
"""

from __future__ import annotations

import random
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

from tests.corpus.shapes import (
    CENT,
    ZERO,
    Kind,
    People,
    Rec,
    Shape,
    cols,
    order_moments,
    truth_of,
    weighted,
    write_csv,
)

# -------------------- amazon_orders

AMAZON_HEADER = cols(
    "amazon-order-id,merchant-order-id,purchase-date,last-updated-date,order-status,"
    "fulfillment-channel,sales-channel,order-channel,url,ship-service-level,product-name,sku,"
    "asin,item-status,quantity,currency,item-price,item-tax,shipping-price,shipping-tax,"
    "gift-wrap-price,gift-wrap-tax,item-promotion-discount,ship-promotion-discount,ship-city,"
    "ship-state,ship-postal-code,ship-country,promotion-ids,is-business-order,"
    "purchase-order-number,price-designation"
)
AMAZON_PRODUCTS = (
    # product-name (Amazon titles: long, commas, inch marks), sku, asin, unit price, weight
    (
        'Bamboo Cutting Board Set of 3, 18" x 12" Extra Large with Juice Groove, Organic Kitchen '
        "Chopping Boards for Meat and Vegetables",
        "BCB-SET3-XL",
        "B08KQ4ZT7M",
        "34.99",
        6.0,
    ),
    (
        "Bamboo Cutting Board 15 x 10 Inch, Medium, Natural",
        "BCB-MED-15",
        "B08KQ5P2LD",
        "19.99",
        5.0,
    ),
    (
        "Stainless Steel Mixing Bowls with Airtight Lids, Set of 6, Nesting Bowls for Baking, "
        "Non-Slip Bottom, Grey",
        "MXB-6-GRY",
        "B09F3XWQ1R",
        "39.95",
        4.0,
    ),
    (
        "Silicone Baking Mat Set of 3, Non-Stick Half Sheet Liners, BPA Free, Reusable",
        "SBM-3PK",
        "B07ZJ8TQ9V",
        "14.99",
        6.0,
    ),
    (
        "Digital Kitchen Scale 22lb, Food Scale Grams and Ounces, Tempered Glass, Batteries "
        "Included",
        "DKS-22-BLK",
        "B0B1D7WJ2K",
        "24.99",
        4.5,
    ),
    (
        "Glass Meal Prep Containers 10 Pack, 30 oz, Airtight Lids, Microwave Oven Freezer "
        "Dishwasher Safe",
        "GMP-10-30OZ",
        "B0C2M9NF4S",
        "42.99",
        3.5,
    ),
    (
        'Cast Iron Skillet 12" Pre-Seasoned with Silicone Handle Cover',
        "CIS-12-PS",
        "B07PX3Q8WB",
        "29.99",
        3.0,
    ),
    (
        "Pour Over Coffee Maker, 34 oz Glass Carafe with Stainless Steel Filter",
        "POC-34-GLS",
        "B09TQ1MZ6H",
        "27.50",
        2.5,
    ),
    (
        "Knife Sharpener 4-Stage, Professional Manual Sharpener for Straight and Serrated Knives",
        "KSH-4ST",
        "B0814D7K3X",
        "16.99",
        3.0,
    ),
    (
        "Herb Scissors with 5 Blades and Cover, Kitchen Shears for Cutting Fresh Herbs",
        "HSC-5B",
        "B07WN2R6JQ",
        "9.99",
        2.5,
    ),
    (
        "Oil Sprayer for Cooking, 2 Pack Glass Olive Oil Mister 200ml",
        "OSP-2PK-200",
        "B0BJ6L8V1N",
        "13.49",
        2.5,
    ),
    (
        "Acacia Wood Serving Board with Handle, 17 x 7 Inch, Charcuterie Paddle",
        "AWS-17X7",
        "B08Y9H4C2F",
        "22.95",
        2.0,
    ),
    (
        "Dutch Oven 6 Quart Enameled Cast Iron with Lid, Cherry Red",
        "DOV-6QT-RED",
        "B0C7K2TQ8P",
        "69.99",
        1.5,
    ),
    (
        "Reusable Silicone Food Storage Bags, 12 Pack Leakproof Freezer Bags",
        "SFB-12PK",
        "B09M4K7X2D",
        "18.99",
        3.0,
    ),
)
AMAZON_PLACES = (
    # ship-city as written (buyers type it: case varies), ship-state, postal code, tax rate
    ("SEATTLE", "WA", "98109", "0.1025"),
    ("Seattle", "WA", "98122-3410", "0.1025"),
    ("Portland", "OR", "97205", "0"),
    ("SAN JOSE", "CA", "95112", "0.0938"),
    ("Los Angeles", "CA", "90012-4801", "0.095"),
    ("San Diego", "CA", "92101", "0.0775"),
    ("AUSTIN", "TX", "78704", "0.0825"),
    ("Houston", "TX", "77002", "0.0825"),
    ("Chicago", "IL", "60614-2213", "0.1025"),
    ("Brooklyn", "NY", "11215", "0.08875"),
    ("NEW YORK", "NY", "10001", "0.08875"),
    ("Miami", "FL", "33131", "0.07"),
    ("Atlanta", "GA", "30309", "0.089"),
    ("Denver", "CO", "80202", "0.0881"),
    ("Phoenix", "AZ", "85004", "0.086"),
    ("Columbus", "OH", "43215-1004", "0.075"),
    ("Charlotte", "NC", "28202", "0.0725"),
    ("Minneapolis", "MN", "55401", "0.08025"),
    ("Boston", "MA", "02116", "0.0625"),
    ("Wilmington", "DE", "19801", "0"),
)


def _amazon_id(rng: random.Random) -> str:
    head, mid, tail = rng.choice((111, 112, 113, 114)), rng.randrange(10**7), rng.randrange(10**7)
    return f"{head}-{mid:07d}-{tail:07d}"


def _amazon_time(moment: datetime) -> str:
    return f"{moment:%Y-%m-%dT%H:%M:%S}+00:00"


def _cents(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def amazon_orders(folder: Path) -> Shape:
    """Amazon Seller Central's "All Orders Report" (Reports > Fulfillment > All Orders, by
    order date) of a US kitchenware seller, FBA and seller-fulfilled: a TAB-separated
    ``.txt`` in UTF-8, no quoting at all (titles carry commas and inch marks ``18"``), one
    row per order item, newest orders last.

    Truth: line revenue is ``item-price - item-promotion-discount``: ``item-price`` is the
    amount for the whole ``quantity`` (Amazon writes aggregates, never a unit price), so it
    is NOT multiplied by the quantity; ``item-tax``, ``shipping-price``, ``shipping-tax``
    and gift wrap are charges beside the goods (tax and order-level shipping), not revenue;
    ``ship-promotion-discount`` only offsets shipping. Item promotions are rare (about 2% of
    lines). The day is the date of ``purchase-date`` as written (UTC, ``+00:00``), not
    ``last-updated-date``. Orders are ``amazon-order-id`` (``merchant-order-id`` is filled on
    seller-fulfilled orders only). Lines of ``Cancelled`` orders are excluded (about two
    thirds of them written with quantity 0 and blank amounts, the rest with their amounts);
    ``Pending`` orders (ordered, payment not yet taken; most in the report's last days, a
    few stuck inside the quarter) are sales, as in Amazon's own "ordered product sales";
    a ``Cancelled`` item-status inside a ``Shipped`` order (one item of the order
    cancelled) is excluded. ``Shipped`` and ``Shipped - Delivered to Buyer`` are sales.
    The report has no customer identity (customers None), no category, rep, cost or
    returns. Currency: ``USD`` from the currency column.
    """
    rng = random.Random(4242)
    folder.mkdir(parents=True, exist_ok=True)
    start, end = date(2024, 2, 12), date(2024, 8, 21)
    weights = [p[4] for p in AMAZON_PRODUCTS]
    rows: list[list[str]] = []
    recs: list[Rec] = []
    promo_codes = (
        "PLM-Coupon-5YQ2K8RZ1T",
        "Spring Kitchen 15% Off 2024-04",
        "PAWS-V2-8813720461",
    )
    for moment in order_moments(rng, start, end, 2450, 0, 23):
        day = moment.date()
        order = _amazon_id(rng)
        afn = rng.random() < 0.72
        age = (end - day).days
        if age <= 2:
            status = weighted(rng, (("Pending", 6), ("Shipped", 3), ("Cancelled", 1)))
        elif afn:
            status = weighted(rng, (("Shipped", 95.5), ("Cancelled", 3.5), ("Pending", 1)))
        else:
            status = weighted(
                rng,
                (
                    ("Shipped - Delivered to Buyer", 70),
                    ("Shipped", 25),
                    ("Cancelled", 4),
                    ("Pending", 1),
                ),
            )
        if status == "Shipped - Delivered to Buyer" and age < 5:
            status = "Shipped"
        city, state, postal, rate_text = rng.choice(AMAZON_PLACES)
        rate = Decimal(rate_text)
        business = rng.random() < 0.04
        level = (
            weighted(rng, (("Expedited", 55), ("Standard", 30), ("SecondDay", 10), ("NextDay", 5)))
            if afn
            else weighted(rng, (("Standard", 80), ("Expedited", 20)))
        )
        updated = moment + timedelta(hours=rng.randint(1, 30 if status != "Pending" else 6))
        if status.startswith("Shipped"):
            updated += timedelta(days=rng.randint(0, 4 if afn else 7))
        updated = min(updated, datetime.combine(end + timedelta(days=1), moment.time()))
        blank_cancel = status == "Cancelled" and rng.random() < 0.55
        count = weighted(rng, (("1", 80), ("2", 15), ("3", 5)))
        items: list[tuple[str, str, str, str, float]] = []
        while len(items) < int(count):
            item = rng.choices(AMAZON_PRODUCTS, weights=weights)[0]
            if item not in items:
                items.append(item)
        for index, (name, sku, asin, price_text, _) in enumerate(items):
            qty = int(weighted(rng, (("1", 82), ("2", 13), ("3", 3), ("4", 2))))
            line_price = Decimal(price_text) * qty
            item_status = {
                "Shipped": "Shipped",
                "Shipped - Delivered to Buyer": "Shipped",
                "Pending": "Unshipped",
                "Cancelled": "Cancelled",
            }[status]
            if status.startswith("Shipped") and index > 0 and rng.random() < 0.06:
                item_status = "Cancelled"  # one item of a shipped order cancelled
            promo = ZERO
            promo_ids: list[str] = []
            if rng.random() < 0.022:
                promo = _cents(line_price * Decimal(rng.choice(("0.10", "0.15", "0.20"))))
                promo_ids.append(rng.choice(promo_codes))
            shipping = ZERO
            ship_promo = ZERO
            if not afn and index == 0:
                shipping = Decimal("5.99") if level == "Standard" else Decimal("12.99")
                if rng.random() < 0.02:
                    ship_promo = shipping
                    promo_ids.append("US Core Free Shipping Promotion A3JU1FCINF5SD0")
            gift = Decimal("3.99") if rng.random() < 0.01 else ZERO
            tax = _cents((line_price - promo) * rate)
            ship_tax = (
                _cents((shipping - ship_promo) * rate) if state in ("WA", "TX", "GA") else ZERO
            )
            gift_tax = _cents(gift * rate)
            money_cells: list[str]
            if blank_cancel:
                qty_cell = "0"
                money_cells = ["", "", "", "", "", "", "", "", ""]
            else:
                qty_cell = str(qty)
                money_cells = [
                    "USD",
                    f"{line_price:.2f}",
                    f"{tax:.2f}",
                    f"{shipping:.2f}",
                    f"{ship_tax:.2f}",
                    f"{gift:.2f}",
                    f"{gift_tax:.2f}",
                    f"{promo:.2f}",
                    f"{ship_promo:.2f}",
                ]
            rows.append(
                [
                    order,
                    "" if afn else order,
                    _amazon_time(moment),
                    _amazon_time(updated),
                    status,
                    "Amazon" if afn else "Merchant",
                    "Amazon.com",
                    "",
                    "",
                    level,
                    name,
                    sku,
                    asin,
                    item_status,
                    qty_cell,
                    *money_cells,
                    city,
                    state,
                    postal,
                    "US",
                    ",".join(promo_ids),
                    "true" if business else "false",
                    f"PO-{rng.randint(1000, 99999)}" if business and rng.random() < 0.6 else "",
                    "BusinessPrice" if business else "",
                ]
            )
            kind: Kind = (
                "sale" if status != "Cancelled" and item_status != "Cancelled" else "excluded"
            )
            recs.append(Rec(day, order, line_price - promo, kind))
    with (folder / "All_Orders_Report.txt").open("w", encoding="utf-8", newline="") as handle:
        handle.write("\t".join(AMAZON_HEADER) + "\n")
        for row in rows:
            handle.write("\t".join(row) + "\n")
    return Shape(
        "amazon_orders",
        (str(folder / "All_Orders_Report.txt"),),
        truth_of(recs, currency="USD", customers=False),
        "Amazon All Orders Report: unquoted TAB text, item-price is the line total for the "
        "quantity, tax/shipping/promotions in their own columns, Cancelled (quantity 0, blank "
        "amounts), an item-status that cancels one item of a shipped order, no customer identity",
    )


# -------------------- sage_factures

SAGE_HEADER = (
    "Type pièce",
    "N° pièce",
    "Date",
    "Code client",
    "Raison sociale",
    "Représentant",
    "Réf. article",
    "Désignation",
    "Famille",
    "Qté",
    "PU HT",
    "Remise %",
    "Montant HT",
    "Taux TVA",
    "Montant TVA",
    "Montant TTC",
    "Prix de revient",
    "Devise",
)
SAGE_ARTICLES = (
    # Réf. article, Désignation, Famille, PU HT, Prix de revient (per unit), weight
    ("FMX-6GN11", "Four mixte 6 niveaux GN 1/1 électrique", "CUISSON", "6890.00", "4612.50", 0.6),
    ("FCV-4GN", "Four à convection 4 niveaux", "CUISSON", "1890.00", "1203.40", 1.0),
    ("FRY-2X8", "Friteuse électrique 2 x 8 L", "CUISSON", "1234.50", "801.00", 1.1),
    ("PLQ-IND4", "Plaque à induction 4 feux", "CUISSON", "2450.00", "1610.00", 0.8),
    ("SAL-GRIL", "Salamandre gaz à plafond mobile", "CUISSON", "980.00", "612.30", 0.7),
    ("ARM-600P", "Armoire réfrigérée positive 600 L inox", "FROID", "1745.00", "1150.00", 1.2),
    ("TBL-3PORT", "Table réfrigérée 3 portes GN 1/1", "FROID", "2190.00", "1432.80", 0.9),
    ("CEL-RAP5", "Cellule de refroidissement rapide 5 niveaux", "FROID", "4390.00", "2980.00", 0.4),
    ("MGL-45", "Machine à glaçons 45 kg/24 h", "FROID", "1320.00", "860.00", 0.7),
    ("LVS-CAP", "Lave-vaisselle à capot 500 x 500", "LAVERIE", "3290.00", "2195.00", 0.6),
    ("LVV-FRT", "Lave-verres frontal 400 x 400", "LAVERIE", "1490.00", "985.00", 0.8),
    ("PLG-ADOS", "Plonge inox 2 bacs avec dosseret", "LAVERIE", "645.00", "402.00", 0.9),
    (
        "BAC-GN11",
        "Bac gastronorme GN 1/1 inox, prof. 65 mm",
        "PETIT MATERIEL",
        "18.90",
        "9.20",
        3.5,
    ),
    ("PLN-PEHD", "Planche à découper PEHD 600 x 400", "PETIT MATERIEL", "42.50", "21.00", 3.0),
    ("CTL-CHEF", "Couteau de chef 25 cm", "PETIT MATERIEL", "54.00", "27.50", 2.5),
    ("CSR-INOX", "Casserole inox Ø 24 cm", "PETIT MATERIEL", "67.80", "35.10", 2.5),
    ("THR-SON", "Thermomètre sonde digital", "PETIT MATERIEL", "29.90", "12.40", 2.0),
)
SAGE_REPS = (
    # Représentant as Sage writes the collaborateur (NOM Prénom), weight of accounts
    ("DUBOIS Marc", 1.6),
    ("LEFEBVRE Claire", 1.0),
    ("MOREAU Julien", 0.9),
    ("GIRARD Nathalie", 0.6),
)
SAGE_FORMS = ("SARL", "SAS", "SASU", "EURL", "SA", "")
SAGE_KINDS = (
    "Brasserie",
    "Restaurant",
    "Bistrot",
    "Hôtel",
    "Traiteur",
    "Crêperie",
    "Boulangerie",
    "Cantine",
    "Auberge",
)
SAGE_NAMES = (
    "du Port",
    "des Halles",
    "Le Cèdre",
    "La Table d'Émile",
    "Saint-Michel",
    "Les Tilleuls",
    "du Marché",
    "La Fourchette",
    "Le Comptoir",
    "de la Gare",
    "Le Relais",
    "Bellevue",
    "Les Arcades",
    "Chez Françoise",
    "du Château",
    "L'Écluse",
    "Le Grand Café",
    "des Remparts",
)
NBSP = "\u00a0"


def _french(value: Decimal) -> str:
    """1234.5 -> '1 234,50' with a non-breaking space, as Sage (Windows fr-FR) writes it."""
    return f"{value:,.2f}".replace(",", NBSP).replace(".", ",")


def _business_day(day: date) -> date:
    """The next working day (a credit note raised over a weekend is dated Monday)."""
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return day


def sage_factures(folder: Path) -> Shape:
    """A French small-business ERP (Sage 100 Gestion commerciale / EBP style) export of
    invoice lines ("Lignes de documents de vente") of a catering-equipment dealer: ``;``
    CSV in cp1252 with CRLF, decimal comma with a non-breaking space as thousands separator
    ("6 890,00"), dd/mm/yyyy dates, accented headers ("N° pièce", "Qté", "Représentant").

    Truth: line revenue is ``Montant HT`` (= Qté x PU HT x (1 - Remise % / 100), rounded to
    cents; ex VAT: ``Montant TVA`` and ``Montant TTC`` are not revenue). ``Remise %`` is a
    percentage (5,00 means 5%), not an amount. Credit notes (``Type pièce`` ``Avoir``,
    ``N° pièce`` ``AV24-0007``) are returns of goods: negative ``Qté`` and ``Montant HT``,
    dated on their own ``Date``, never orders, and their cost comes back. Orders are the
    distinct ``N° pièce`` of ``Facture`` lines; the person is ``Code client``. Cost =
    ``Prix de revient`` (a per-unit cost of goods) x ``Qté``, signed like the line; gross
    margin = (revenue - cost) / revenue. Non-merchandise lines ``PORT`` (frais de port) and
    ``FRAIS`` (frais de dossier), priced freely, family ``DIVERS``, Prix de revient 0,
    stay in revenue. The category is ``Famille`` and the rep ``Représentant`` (the
    account's rep, as Sage writes it, "DUBOIS Marc"). Currency: ``EUR`` from ``Devise``.
    """
    rng = random.Random(3131)
    folder.mkdir(parents=True, exist_ok=True)
    start, end = date(2023, 10, 2), date(2024, 5, 22)
    names: set[str] = set()
    while len(names) < 230:
        form = rng.choice(SAGE_FORMS)
        names.add(f"{form} {rng.choice(SAGE_KINDS)} {rng.choice(SAGE_NAMES)}".strip())
    clients = sorted(names)
    codes = {
        name: f"C{n:05d}"
        for n, name in zip(rng.sample(range(10, 3000), len(clients)), clients, strict=True)
    }
    rep_of = {name: weighted(rng, SAGE_REPS) for name in clients}
    remise_of = {
        name: weighted(rng, (("0.00", 70), ("5.00", 18), ("10.00", 9), ("12.50", 3)))
        for name in clients
    }
    people = People(rng, clients, start, end, before=0.45)
    weights = [a[5] for a in SAGE_ARTICLES]
    rows: list[tuple[date, int, str, list[str]]] = []
    recs: list[Rec] = []
    invoiced: list[tuple[date, str, tuple[str, str, str, str, str, float], int]] = []
    numbers: dict[str, int] = {}

    def line(
        kind: str,
        number: str,
        day: date,
        client: str,
        ref: str,
        label: str,
        family: str,
        qty: int,
        price: Decimal,
        remise: Decimal,
        cost: Decimal,
    ) -> None:
        ht = _cents(qty * price * (1 - remise / 100))
        tva = _cents(ht * Decimal("0.20"))
        rows.append(
            (
                day,
                0 if kind == "Facture" else 1,
                number,
                [
                    kind,
                    number,
                    f"{day:%d/%m/%Y}",
                    codes[client],
                    client,
                    rep_of[client],
                    ref,
                    label,
                    family,
                    _french(Decimal(qty)),
                    _french(price),
                    _french(remise),
                    _french(ht),
                    "20,00",
                    _french(tva),
                    _french(ht + tva),
                    _french(cost),
                    "EUR",
                ],
            )
        )
        recs.append(
            Rec(
                day,
                number,
                ht,
                "sale" if kind == "Facture" else "return",
                codes[client],
                cost * qty,
                family,
                rep_of[client],
            )
        )

    def next_number(prefix: str, day: date, width: int) -> str:
        key = f"{prefix}{day:%y}"
        numbers[key] = numbers.get(key, 0) + 1
        return f"{key}-{numbers[key]:0{width}d}"

    # invoices are raised on working days only (start and end are a Monday and a Wednesday)
    moments = [m for m in order_moments(rng, start, end, 1600, 8, 18) if m.weekday() < 5]
    for moment in moments:
        day = moment.date()
        client = people.pick(day)
        number = next_number("FA", day, 5)
        remise = Decimal(remise_of[client])
        count = rng.choice((1, 1, 2, 2, 3, 3, 4, 5))
        picked: list[tuple[str, str, str, str, str, float]] = []
        while len(picked) < count:
            article = rng.choices(SAGE_ARTICLES, weights=weights)[0]
            if article not in picked:
                picked.append(article)
        heavy = False
        for article in picked:
            ref, label, family, price_text, cost_text, _ = article
            small = family == "PETIT MATERIEL"
            qty = rng.choice((2, 4, 6, 10, 12, 20)) if small else rng.choice((1, 1, 1, 1, 2, 3))
            heavy = heavy or not small
            line(
                "Facture",
                number,
                day,
                client,
                ref,
                label,
                family,
                qty,
                Decimal(price_text),
                remise,
                Decimal(cost_text),
            )
            invoiced.append((day, client, article, qty))
        if rng.random() < (0.55 if heavy else 0.35):
            port = Decimal(rng.choice(("15.00", "25.00", "39.00", "65.00", "95.00", "149.00")))
            if heavy and rng.random() < 0.3:
                port = Decimal(rng.randint(120, 380))
            line(
                "Facture",
                number,
                day,
                client,
                "PORT",
                "Frais de port",
                "DIVERS",
                1,
                port,
                ZERO,
                ZERO,
            )
        if rng.random() < 0.07:
            line(
                "Facture",
                number,
                day,
                client,
                "FRAIS",
                "Frais de dossier",
                "DIVERS",
                1,
                Decimal(rng.choice(("15.00", "25.00", "35.00"))),
                ZERO,
                ZERO,
            )
    # credit notes: goods sent back (or refused on delivery) a few days to weeks later
    backs = sorted(
        (_business_day(day + timedelta(days=rng.randint(3, 35))), client, article, qty)
        for day, client, article, qty in rng.sample(invoiced, 95)
    )
    for back, client, article, qty in backs:
        if back > end:
            continue
        ref, label, family, price_text, cost_text, _ = article
        returned = qty if qty == 1 or rng.random() < 0.5 else rng.randint(1, qty - 1)
        line(
            "Avoir",
            next_number("AV", back, 4),
            back,
            client,
            ref,
            label,
            family,
            -returned,
            Decimal(price_text),
            Decimal(remise_of[client]),
            Decimal(cost_text),
        )
    rows.sort(key=lambda r: (r[0], r[1], r[2]))
    write_csv(
        folder / "Lignes_factures_2023-2024.csv",
        SAGE_HEADER,
        [cells for *_, cells in rows],
        delimiter=";",
        encoding="cp1252",
        newline="\r\n",
    )
    return Shape(
        "sage_factures",
        (str(folder / "Lignes_factures_2023-2024.csv"),),
        truth_of(
            recs,
            currency="EUR",
            cost=True,
            category=True,
            reps={r: (r, r.split()[0], " ".join(reversed(r.split()))) for r, _ in SAGE_REPS},
        ),
        "Sage 100 style invoice lines: cp1252 ';' CSV, '1 234,50' with a non-breaking space, "
        "Remise % a percentage, Montant HT vs TVA vs TTC, Avoir credit notes with negative "
        "Qté, per-unit Prix de revient, PORT and FRAIS lines",
    )


__all__ = ["amazon_orders", "sage_factures"]
