"""Real sales-export shapes, each generated with its truth worked out in plain Python.

Every shape is a function ``folder -> Shape``: it writes the export the way the real
system writes it (column names, number and date formats, file layout), seeded with
``random.Random(seed)`` so the files are the same on every run, and returns the inputs a
user would pass on the command line together with the figures a first, config-free run
of salescope must report. The truth is computed from the records the generator made,
never by asking salescope.

The truth rules (the same for every shape; a generator's docstring says how its export
maps onto them):

- **lines**: each generated line becomes one ``Rec`` with its day, order id, signed
  line revenue, kind (``sale``, ``return`` or ``excluded``), person, cost, category and
  rep, all taken from the values as written to the file.
- **excluded** lines (cancelled, voided or failed orders, lost or open opportunities)
  are not sales: they count nowhere, not even in the data's date range.
- **period**: the latest complete calendar quarter: the last quarter that ends on or
  before the last accepted day, and the data starts on or before its first day. Every
  shape ends 8 days or more before the end of the following quarter, so salescope's
  7-day edge grace cannot make that one look complete.
- **revenue**: the sum of line revenue in the quarter, rounded to cents. Returns and
  credit notes are negative lines and reduce it. Non-merchandise lines (postage,
  carriage, fees, bank charges, manual adjustments, discounts) stay in it.
- **returns**: minus the sum of the return lines in the quarter (a positive amount);
  ``None`` when the export has no returns at all (salescope must then report none).
- **orders**: distinct order ids among the quarter's sale lines; credit notes and
  return lines are never orders.
- **customers**: distinct person ids with any accepted line (sale or return) in the
  quarter; ``None`` when the export has no customer identity at all. A person is the
  customer as a human being: Olist's ``customer_unique_id``, not its per-order
  ``customer_id``.
- **new_customers**: customers whose first accepted line in all the data falls in the
  quarter; **returning_customers** = customers - new.
- **gross_margin**: (revenue - cost) / revenue over the quarter, cost signed like its
  line (goods that come back take their cost back); ``None`` without a cost or profit
  column.
- **top_category** / **top_rep**: the member with the most revenue in the quarter. The
  generators make sure the leader is ahead by more than 1% of the quarter's revenue, so
  no rounding or line-type rule can change it. ``top_rep`` lists the spellings that name
  the same person (an employee id, a last name, a full name).
- **currency**: the ISO code when the export states it (a symbol, a currency column, a
  header such as ``Betrag (EUR)``), else ``None``.
- **duplicates**: exact copies of a line inside one file are real (the same product twice
  in an order) and count; lines repeated across overlapping stacked exports count once.
"""

from __future__ import annotations

import bisect
import csv
import random
import re
import sqlite3
import zipfile
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta, timezone
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Literal

CENT = Decimal("0.01")
ZERO = Decimal(0)
EDGE_GRACE_DAYS = 7  # salescope counts a quarter as complete up to 7 days early
Kind = Literal["sale", "return", "excluded"]


@dataclass(frozen=True)
class Truth:
    period: str  # label of the latest complete calendar quarter in the data, e.g. "2024-Q2"
    revenue: float  # rounded to 2 decimals
    orders: int
    customers: int | None  # None when the export has no customer identity at all
    new_customers: int | None
    returning_customers: int | None
    gross_margin: float | None  # (revenue - cost) / revenue as a fraction, None without cost
    top_category: str | None
    top_rep: tuple[str, ...] | None  # acceptable spellings (e.g. ("5", "Buchanan"))
    currency: str | None  # ISO code when the export states it, else None
    returns: float | None = None  # positive amount of returns/credit notes in the period


@dataclass(frozen=True)
class Shape:
    name: str
    inputs: tuple[str, ...]  # paths or URLs to pass to salescope.run
    truth: Truth
    notes: str  # one line: which real system the shape imitates and the trap in it


@dataclass(frozen=True)
class Rec:
    """One line as a careful analyst reads it, from the values written to the file."""

    day: date
    order: str
    revenue: Decimal  # signed: negative for a return
    kind: Kind = "sale"
    customer: str | None = None
    cost: Decimal | None = None
    category: str | None = None
    rep: str | None = None


# -------------------- the truth


def quarter_bounds(year: int, quarter: int) -> tuple[date, date]:
    first = date(year, 3 * quarter - 2, 1)
    after = date(year + 1, 1, 1) if quarter == 4 else date(year, 3 * quarter + 1, 1)
    return first, after - timedelta(days=1)


def quarter_of(day: date) -> tuple[int, int]:
    return day.year, (day.month - 1) // 3 + 1


def previous_quarter(year: int, quarter: int) -> tuple[int, int]:
    return (year - 1, 4) if quarter == 1 else (year, quarter - 1)


def latest_complete_quarter(start: date, end: date) -> tuple[str, date, date]:
    """The label and bounds of the last quarter fully inside ``start..end``.

    Raises when the data ends so close to a quarter's end that a grace rule could
    disagree, or when no quarter is fully covered: the generator is then wrong.
    """
    year, quarter = quarter_of(end)
    q_start, q_end = quarter_bounds(year, quarter)
    if q_end == end:
        raise ValueError(f"data ends on a quarter's last day ({end}): shape it differently")
    if (q_end - end).days <= EDGE_GRACE_DAYS:
        raise ValueError(f"data ends {end}, within the edge grace of {q_end}")
    year, quarter = previous_quarter(year, quarter)
    q_start, q_end = quarter_bounds(year, quarter)
    if start > q_start:
        raise ValueError(f"data starts {start}, after {year}-Q{quarter} begins")
    return f"{year}-Q{quarter}", q_start, q_end


def to_cents(value: Decimal) -> float:
    return float(value.quantize(CENT, rounding=ROUND_HALF_UP))


def leader(totals: Mapping[str, Decimal], revenue: Decimal) -> str:
    """The member with the most revenue, required to lead by more than 1% of it."""
    ranked = sorted(totals.items(), key=lambda kv: kv[1], reverse=True)
    if len(ranked) > 1 and ranked[0][1] - ranked[1][1] <= abs(revenue) / 100:
        raise ValueError(f"no clear leader: {ranked[:2]}")
    return ranked[0][0]


def truth_of(
    recs: Iterable[Rec],
    *,
    currency: str | None,
    customers: bool = True,
    cost: bool = False,
    category: bool = False,
    reps: Mapping[str, tuple[str, ...]] | None = None,
) -> Truth:
    """The figures of the latest complete quarter, by the rules in the module docstring.

    ``reps`` maps each rep as recorded to its acceptable spellings (None: no rep column).
    """
    accepted = [r for r in recs if r.kind != "excluded"]
    label, q_start, q_end = latest_complete_quarter(
        min(r.day for r in accepted), max(r.day for r in accepted)
    )
    inside = [r for r in accepted if q_start <= r.day <= q_end]
    revenue = sum((r.revenue for r in inside), ZERO)
    has_returns = any(r.kind == "return" for r in accepted)
    returns = -sum((r.revenue for r in inside if r.kind == "return"), ZERO)
    orders = len({r.order for r in inside if r.kind == "sale"})

    n_customers = n_new = n_returning = None
    if customers:
        first: dict[str, date] = {}
        for r in accepted:
            if r.customer is not None and (r.customer not in first or r.day < first[r.customer]):
                first[r.customer] = r.day
        active = {r.customer for r in inside if r.customer is not None}
        n_customers = len(active)
        n_new = sum(1 for c in active if first[c] >= q_start)
        n_returning = n_customers - n_new

    margin = None
    if cost:
        costs = [r.cost for r in inside]
        if any(c is None for c in costs):
            raise ValueError("a line without cost in a shape with cost")
        total_cost = sum((c for c in costs if c is not None), ZERO)
        margin = round(float((revenue - total_cost) / revenue), 6)

    top_category = None
    if category:
        by_category: dict[str, Decimal] = defaultdict(lambda: ZERO)
        for r in inside:
            if r.category is not None:
                by_category[r.category] += r.revenue
        top_category = leader(by_category, revenue)

    top_rep = None
    if reps is not None:
        by_rep: dict[str, Decimal] = defaultdict(lambda: ZERO)
        for r in inside:
            if r.rep is not None:
                by_rep[r.rep] += r.revenue
        top_rep = reps[leader(by_rep, revenue)]

    return Truth(
        period=label,
        revenue=to_cents(revenue),
        orders=orders,
        customers=n_customers,
        new_customers=n_new,
        returning_customers=n_returning,
        gross_margin=margin,
        top_category=top_category,
        top_rep=top_rep,
        currency=currency,
        returns=to_cents(returns) if has_returns else None,
    )


def margin_between(recs: Iterable[Rec], start: date, end: date) -> float:
    """(revenue - cost) / revenue of the accepted lines between two days."""
    inside = [r for r in recs if r.kind != "excluded" and start <= r.day <= end]
    revenue = sum((r.revenue for r in inside), ZERO)
    cost = sum((r.cost or ZERO for r in inside), ZERO)
    return float((revenue - cost) / revenue)


# -------------------- helpers


def money(rng: random.Random, low: str, high: str) -> Decimal:
    """A price in cents between ``low`` and ``high``."""
    cents = rng.randint(int(Decimal(low) * 100), int(Decimal(high) * 100))
    return (Decimal(cents) / 100).quantize(CENT)


def shop_price(rng: random.Random, low: int, high: int) -> Decimal:
    """A price that ends the way shop prices do (.99, .95, .50, .00)."""
    whole = rng.randint(low, high)
    return Decimal(whole) + Decimal(rng.choice(("0.99", "0.95", "0.50", "0.00", "0.99")))


def day_in(rng: random.Random, start: date, end: date) -> date:
    return start + timedelta(days=rng.randint(0, (end - start).days))


def order_days(rng: random.Random, start: date, end: date, n: int) -> list[date]:
    """``n`` sorted order days from ``start`` to ``end``, both ends included."""
    return [start, *sorted(day_in(rng, start, end) for _ in range(n - 2)), end]


def clock_time(rng: random.Random, first_hour: int = 8, last_hour: int = 21) -> time:
    return time(rng.randint(first_hour, last_hour), rng.randint(0, 59), rng.randint(0, 59))


def order_moments(
    rng: random.Random, start: date, end: date, n: int, first_hour: int = 8, last_hour: int = 21
) -> list[datetime]:
    """``n`` sorted order times from ``start`` to ``end`` (both days included), so that
    sequential order numbers rise with time as they do in real systems."""
    return sorted(
        datetime.combine(day, clock_time(rng, first_hour, last_hour))
        for day in order_days(rng, start, end, n)
    )


def hex_id(rng: random.Random, digits: int = 32) -> str:
    return f"{rng.getrandbits(4 * digits):0{digits}x}"


def alnum(rng: random.Random, n: int) -> str:
    chars = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
    return "".join(rng.choice(chars) for _ in range(n))


def mdy(day: date) -> str:
    """US month/day/year without zero padding: 11/8/2016."""
    return f"{day.month}/{day.day}/{day.year}"


def plain(value: Decimal, places: int = 4) -> str:
    """A number as spreadsheets write it: up to ``places`` decimals, no trailing zeros."""
    text = f"{value:.{places}f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def german(value: Decimal) -> str:
    """1234.5 -> '1.234,50'."""
    return f"{value:,.2f}".replace(",", "_").replace(".", ",").replace("_", ".")


def cols(text: str) -> tuple[str, ...]:
    """Column names (or any list of words) written as one comma-separated string."""
    return tuple(text.split(","))


def email_address(
    rng: random.Random,
    firsts: Sequence[str],
    lasts: Sequence[str],
    domains: Sequence[str],
    suffixes: Sequence[str] = ("",),
) -> str:
    name = f"{rng.choice(firsts)}.{rng.choice(lasts)}{rng.choice(suffixes)}".lower()
    return f"{name}@{rng.choice(domains)}"


def write_csv(
    path: Path,
    header: Sequence[str],
    rows: Iterable[Sequence[object]],
    *,
    delimiter: str = ",",
    encoding: str = "utf-8",
    newline: str = "\n",
) -> None:
    with path.open("w", newline="", encoding=encoding) as handle:
        writer = csv.writer(handle, delimiter=delimiter, lineterminator=newline)
        writer.writerow(header)
        writer.writerows(rows)


@dataclass
class People:
    """Customers who join over the data's span; an order picks among those who joined.

    About ``before`` of them are customers already when the data starts; now and then an
    order goes to one of the latest to join, so each quarter has new customers as well as
    returning ones.
    """

    rng: random.Random
    ids: Sequence[str]
    start: date
    end: date
    before: float = 0.35
    joined: list[tuple[date, str]] = field(init=False)
    _days: list[date] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self.joined = sorted(
            (
                self.start
                if self.rng.random() < self.before
                else day_in(self.rng, self.start, self.end),
                i,
            )
            for i in self.ids
        )
        self._days = [d for d, _ in self.joined]

    def pick(self, day: date) -> str:
        k = max(bisect.bisect_right(self._days, day), 1)
        if self.rng.random() < 0.3:
            return self.joined[self.rng.randrange(max(0, k - 12), k)][1]
        return self.joined[self.rng.randrange(k)][1]


def weighted(rng: random.Random, items: Sequence[tuple[str, float]]) -> str:
    return rng.choices([k for k, _ in items], weights=[w for _, w in items])[0]


# -------------------- erp_crm

ERP_PRODUCTS: tuple[tuple[str, str, str, int, int], ...] = (
    # prd_key, prd_nm, prd_line, prd_cost, list price (sls_price is whole currency units)
    ("BK-R93R-62", "Road-150 Red- 62", "R", 2171, 3578),
    ("BK-R93R-48", "Road-150 Red- 48", "R", 2171, 3578),
    ("BK-R50B-58", "Road-650 Black- 58", "R", 486, 699),
    ("BK-R50R-44", "Road-650 Red- 44", "R", 486, 699),
    ("BK-R89B-52", "Road-250 Black- 52", "R", 1554, 2443),
    ("BK-R68R-60", "Road-450 Red- 60", "R", 885, 1458),
    ("BK-M82S-44", "Mountain-100 Silver- 44", "M", 1912, 3400),
    ("BK-M82B-48", "Mountain-100 Black- 48", "M", 1898, 3375),
    ("BK-M68B-42", "Mountain-200 Black- 42", "M", 1252, 2295),
    ("BK-M68S-38", "Mountain-200 Silver- 38", "M", 1266, 2320),
    ("BK-M38S-46", "Mountain-400-W Silver- 46", "M", 420, 769),
    ("BK-T79Y-46", "Touring-1000 Yellow- 46", "T", 1482, 2384),
    ("BK-T79U-50", "Touring-1000 Blue- 50", "T", 1482, 2384),
    ("BK-T44U-60", "Touring-2000 Blue- 60", "T", 755, 1215),
    ("BK-T18Y-44", "Touring-3000 Yellow- 44", "T", 461, 742),
    ("HL-U509-R", "Sport-100 Helmet- Red", "S", 13, 35),
    ("HL-U509-B", "Sport-100 Helmet- Blue", "S", 13, 35),
    ("BC-M005", "Mountain Bottle Cage", "S", 4, 10),
    ("BC-R205", "Road Bottle Cage", "S", 3, 9),
    ("WB-H098", "Water Bottle - 30 oz.", "S", 2, 5),
    ("TI-M823", "HL Mountain Tire", "S", 13, 35),
    ("TI-R092", "LL Road Tire", "S", 8, 22),
    ("TT-M928", "Mountain Tire Tube", "S", 2, 5),
    ("PK-7098", "Patch Kit/8 Patches", "S", 1, 2),
    ("FE-6654", "Fender Set - Mountain", "S", 8, 22),
    ("CA-1098", "AWC Logo Cap", "S", 7, 9),
    ("LJ-0192-L", "Long-Sleeve Logo Jersey- L", "S", 38, 50),
    ("SH-M897-M", "Men's Sports Shorts- M", "S", 24, 60),
    ("GL-F110-M", "Full-Finger Gloves- M", "S", 16, 38),
    ("HY-1023-70", "Hydration Pack - 70 oz.", "S", 21, 55),
)
FIRST_NAMES = cols(
    "Jon,Eugene,Ruben,Christy,Elizabeth,Julio,Janet,Marco,Rob,Shannon,Jacquelyn,Curtis,Lauren,Ian,"
    "Sydney,Chloe,Wyatt,Shannon,Clarence,Luke,Jordan,Destiny,Ethan,Seth,Russell,Alejandro,Harold,"
    "Jessie,Jill,Jimmy,Bethany,Theresa,Denise,Jaime,Ebony"
)
LAST_NAMES = cols(
    "Yang,Huang,Torres,Zhu,Johnson,Ruiz,Alvarez,Mehta,Verhoff,Carlson,Suarez,Lu,Walker,Jenkins,"
    "Bennett,Young,Hill,Wang,Cai,Lal,King,Wilson,Zhang,Edwards,Xie,Zheng,Sai,Moreno"
)


def erp_crm(folder: Path) -> Shape:
    """Three CSVs of a CRM/ERP data-warehouse course (bronze layer): sales lines, customers,
    products.

    Truth: the day is ``sls_order_dt`` (an INTEGER ``YYYYMMDD``; ship and due dates come
    7 and 12 days later); line revenue is ``sls_sales`` (= quantity x price); the person is
    ``sls_cust_id`` (= ``cst_id``; ``cst_key`` names the same person); cost is
    ``sls_quantity x prd_cost`` from the product file, so gross margin = 1 -
    sum(qty x prd_cost) / revenue; the category is the product line ``prd_line`` (M, R, S,
    T) as written. No rep, no currency, no returns.
    """
    rng = random.Random(101)
    folder.mkdir(parents=True, exist_ok=True)
    start, end = date(2023, 10, 9), date(2024, 4, 17)
    cust_ids = list(range(11000, 11640))
    people = People(rng, [str(c) for c in cust_ids], start, end)
    weights = [
        12 if p[2] == "R" else 5 if p[2] == "M" else 3 if p[2] == "T" else 9 for p in ERP_PRODUCTS
    ]

    sales_rows: list[list[object]] = []
    recs: list[Rec] = []
    first_order: dict[int, date] = {}
    for n, day in enumerate(order_days(rng, start, end, 980)):
        order = f"SO{43697 + n}"
        cust = int(people.pick(day))
        first_order.setdefault(cust, day)
        picked = rng.sample(range(len(ERP_PRODUCTS)), k=rng.choice((1, 1, 1, 2, 2, 3)))
        for index in sorted(picked, key=lambda i: weights[i] * rng.random(), reverse=True):
            key, _, line, cost, price = ERP_PRODUCTS[index]
            qty = 1 if line != "S" else rng.choice((1, 1, 1, 2, 3))
            sales = qty * price
            ship, due = day + timedelta(days=7), day + timedelta(days=12)
            sales_rows.append(
                [
                    order,
                    key,
                    cust,
                    f"{day:%Y%m%d}",
                    f"{ship:%Y%m%d}",
                    f"{due:%Y%m%d}",
                    sales,
                    qty,
                    price,
                ]
            )
            recs.append(
                Rec(
                    day,
                    order,
                    Decimal(sales),
                    customer=str(cust),
                    cost=Decimal(qty * cost),
                    category=line,
                )
            )
    write_csv(
        folder / "sales_details.csv",
        cols(
            "sls_ord_num,sls_prd_key,sls_cust_id,sls_order_dt,sls_ship_dt,sls_due_dt,sls_sales,"
            "sls_quantity,sls_price"
        ),
        sales_rows,
    )
    cust_rows = []
    for cid in cust_ids:
        created = first_order.get(cid, end) - timedelta(days=rng.randint(0, 400))
        cust_rows.append(
            [
                cid,
                f"AW{cid:08d}",
                rng.choice(FIRST_NAMES),
                rng.choice(LAST_NAMES),
                rng.choice("MS"),
                rng.choice(("M", "F", "F", "M", "")),
                f"{created:%Y-%m-%d}",
            ]
        )
    write_csv(
        folder / "cust_info.csv",
        cols(
            "cst_id,cst_key,cst_firstname,cst_lastname,cst_marital_status,cst_gndr,cst_create_date"
        ),
        cust_rows,
    )
    write_csv(
        folder / "prd_info.csv",
        ("prd_id", "prd_key", "prd_nm", "prd_cost", "prd_line", "prd_start_dt"),
        [
            [
                210 + i,
                key,
                name,
                cost,
                line,
                f"{date(2011, 7, 1) + timedelta(days=61 * (i % 9)):%Y-%m-%d}",
            ]
            for i, (key, name, line, cost, _) in enumerate(ERP_PRODUCTS)
        ],
    )
    return Shape(
        "erp_crm",
        tuple(str(folder / f) for f in ("sales_details.csv", "cust_info.csv", "prd_info.csv")),
        truth_of(recs, currency=None, cost=True, category=True),
        "CRM/ERP warehouse course bronze files: integer YYYYMMDD dates with later ship/due "
        "dates, sls_/cst_/prd_ prefixed headers, cost only in prd_info (joined on prd_key)",
    )


# -------------------- marketplace

OLIST_CATEGORIES: tuple[tuple[str, str | None, float, int, int], ...] = (
    # Portuguese name, English name (None: missing from the translation), weight, price range
    ("beleza_saude", "health_beauty", 14, 25, 260),
    ("cama_mesa_banho", "bed_bath_table", 9, 30, 160),
    ("relogios_presentes", "watches_gifts", 5, 60, 420),
    ("esporte_lazer", "sports_leisure", 7, 20, 200),
    ("informatica_acessorios", "computers_accessories", 6, 25, 300),
    ("moveis_decoracao", "furniture_decor", 6, 35, 240),
    ("utilidades_domesticas", "housewares", 5, 15, 150),
    ("brinquedos", "toys", 4, 20, 180),
    ("telefonia", "telephony", 4, 15, 250),
    ("automotivo", "auto", 3, 25, 210),
    ("pc_gamer", None, 1, 80, 300),
)
OLIST_CITIES = (
    ("sao paulo", "SP", "0"),
    ("rio de janeiro", "RJ", "2"),
    ("belo horizonte", "MG", "3"),
    ("curitiba", "PR", "8"),
    ("porto alegre", "RS", "9"),
    ("campinas", "SP", "1"),
    ("salvador", "BA", "4"),
    ("brasilia", "DF", "7"),
    ("guarulhos", "SP", "0"),
    ("niteroi", "RJ", "2"),
    ("santos", "SP", "1"),
    ("goiania", "GO", "7"),
)


def _ts(moment: datetime) -> str:
    return f"{moment:%Y-%m-%d %H:%M:%S}"


def olist_order(
    rng: random.Random, order: str, customer_id: str, status: str, bought: datetime
) -> tuple[list[object], datetime]:
    """An Olist ``orders`` row (purchase, approval, carrier, delivery and estimated dates as
    the status has them) and the approval time."""
    approved = bought + timedelta(minutes=rng.randint(10, 2800))
    carrier = approved + timedelta(days=rng.randint(1, 5), hours=rng.randint(0, 12))
    delivered = carrier + timedelta(days=rng.randint(3, 18), hours=rng.randint(0, 20))
    estimated = datetime.combine(bought.date() + timedelta(days=rng.randint(18, 32)), time())
    row: list[object] = [
        order,
        customer_id,
        status,
        _ts(bought),
        "" if status == "canceled" and rng.random() < 0.5 else _ts(approved),
        _ts(carrier) if status in ("delivered", "shipped") else "",
        _ts(delivered) if status == "delivered" else "",
        _ts(estimated),
    ]
    return row, approved


OLIST_ORDERS_HEADER = cols(
    "order_id,customer_id,order_status,order_purchase_timestamp,order_approved_at,"
    "order_delivered_carrier_date,order_delivered_customer_date,order_estimated_delivery_date"
)
OLIST_ITEMS_HEADER = cols(
    "order_id,order_item_id,product_id,seller_id,shipping_limit_date,price,freight_value"
)


def write_olist_catalog(
    rng: random.Random,
    products: Sequence[tuple[str, int, Decimal]],
    products_file: Path,
    translation_file: Path,
    sizes: bool,
) -> None:
    """Olist's products file (Portuguese category names, the sizes when ``sizes``) and the
    category translation file."""
    header = (
        "product_id,product_category_name,product_name_lenght,product_description_lenght,"
        "product_photos_qty,product_weight_g"
    )
    rows: list[list[object]] = []
    for pid, ci, _ in products:
        row: list[object] = [pid, OLIST_CATEGORIES[ci][0], rng.randint(20, 60)]
        row += [rng.randint(150, 3000), rng.randint(1, 6), rng.randint(100, 9000)]
        if sizes:
            row += [rng.randint(16, 60), rng.randint(2, 40), rng.randint(11, 45)]
        rows.append(row)
    extra = ",product_length_cm,product_height_cm,product_width_cm" if sizes else ""
    write_csv(products_file, cols(header + extra), rows)
    write_csv(
        translation_file,
        ("product_category_name", "product_category_name_english"),
        [[pt, en] for pt, en, *_ in OLIST_CATEGORIES if en is not None],
    )


def marketplace(folder: Path) -> Shape:
    """Olist (Brazilian marketplace) public dataset: five CSVs, one row per item unit.

    Truth: the day is ``order_purchase_timestamp`` (not ``shipping_limit_date``, approval
    or delivery dates); line revenue is the item ``price`` (each ``order_items`` row is
    one unit, two units of a product are two rows; ``freight_value`` is shipping the
    marketplace passes on, not revenue; ``product_photos_qty`` is not a quantity);
    ``canceled`` orders are excluded, ``delivered``, ``shipped`` and ``invoiced`` are sales;
    the person is ``customer_unique_id`` (``customer_id`` is new for every order); the
    category is the English name from the translation file. Currency: none stated (the
    data is in BRL but no file says so). No cost, no rep, no returns.
    """
    rng = random.Random(202)
    folder.mkdir(parents=True, exist_ok=True)
    start, end = date(2017, 9, 4), date(2018, 3, 19)
    persons = [hex_id(rng) for _ in range(900)]
    people = People(rng, persons, start, end, before=0.2)
    home = {p: rng.choice(OLIST_CITIES) for p in persons}
    sellers = [hex_id(rng) for _ in range(60)]
    products: list[tuple[str, int, Decimal]] = []  # id, category index, price
    for ci, (_, _, weight, low, high) in enumerate(OLIST_CATEGORIES):
        for _ in range(int(weight * 2) + 2):
            products.append((hex_id(rng), ci, shop_price(rng, low, high)))
    pweights = [OLIST_CATEGORIES[ci][2] for _, ci, _ in products]
    english = {pt: en or pt for pt, en, *_ in OLIST_CATEGORIES}

    days = order_days(rng, start, end, 1180)
    days += [date(2017, 11, 24)] * 40  # Black Friday
    days.sort()
    orders_rows: list[list[object]] = []
    items_rows: list[list[object]] = []
    customer_rows: list[list[object]] = []
    recs: list[Rec] = []
    for day in days:
        order, customer_id = hex_id(rng), hex_id(rng)
        person = people.pick(day)
        bought = datetime.combine(day, clock_time(rng, 0, 23))
        age = (end - day).days
        status = weighted(
            rng, (("delivered", 93), ("canceled", 2.5), ("shipped", 2.5), ("invoiced", 2))
        )
        if age < 12:
            status = weighted(
                rng, (("shipped", 5), ("invoiced", 3), ("delivered", 2), ("canceled", 1))
            )
        row, approved = olist_order(rng, order, customer_id, status, bought)
        orders_rows.append(row)
        city, state, zip_head = home[person]
        customer_rows.append(
            [customer_id, person, f"{zip_head}{rng.randint(1000, 9999)}", city, state]
        )
        if status == "canceled" and rng.random() < 0.4:
            continue  # Olist has cancelled orders without any item
        kind: Kind = "excluded" if status == "canceled" else "sale"
        item = 0
        for _ in range(rng.choice((1, 1, 1, 1, 1, 2, 2, 3))):
            pid, ci, price = rng.choices(products, weights=pweights)[0]
            seller = rng.choice(sellers)
            limit = approved + timedelta(days=6)
            freight = money(rng, "7.39", "45.00")
            for _ in range(rng.choice((1, 1, 1, 1, 2))):
                item += 1
                items_rows.append(
                    [order, item, pid, seller, _ts(limit), f"{price:.2f}", f"{freight:.2f}"]
                )
                recs.append(
                    Rec(day, order, price, kind, person, category=english[OLIST_CATEGORIES[ci][0]])
                )
    rng.shuffle(orders_rows)
    rng.shuffle(customer_rows)
    write_csv(folder / "orders.csv", OLIST_ORDERS_HEADER, orders_rows)
    write_csv(folder / "order_items.csv", OLIST_ITEMS_HEADER, items_rows)
    write_csv(
        folder / "customers.csv",
        (
            "customer_id",
            "customer_unique_id",
            "customer_zip_code_prefix",
            "customer_city",
            "customer_state",
        ),
        customer_rows,
    )
    write_olist_catalog(
        rng, products, folder / "products.csv", folder / "category_translation.csv", sizes=True
    )
    files = (
        "order_items.csv",
        "orders.csv",
        "customers.csv",
        "products.csv",
        "category_translation.csv",
    )
    return Shape(
        "marketplace",
        tuple(str(folder / f) for f in files),
        truth_of(recs, currency=None, category=True),
        "Olist marketplace, five CSVs: no quantity (one row per unit; photos_qty is no "
        "quantity), freight is not revenue, shipping_limit_date is no order date, "
        "customer_id is per order (the person is customer_unique_id), canceled orders",
    )


# -------------------- northwind_sqlite

NW_CATEGORIES = (
    (1, "Beverages", "Soft drinks, coffees, teas, beers, and ales"),
    (2, "Condiments", "Sweet and savory sauces, relishes, spreads, and seasonings"),
    (3, "Confections", "Desserts, candies, and sweet breads"),
    (4, "Dairy Products", "Cheeses"),
    (5, "Grains/Cereals", "Breads, crackers, pasta, and cereal"),
    (6, "Meat/Poultry", "Prepared meats"),
    (7, "Produce", "Dried fruit and bean curd"),
    (8, "Seafood", "Seaweed and fish"),
)
NW_PRODUCTS: tuple[tuple[str, int, str, str], ...] = (
    # ProductName, CategoryID, UnitPrice (list), QuantityPerUnit
    ("Chai", 1, "18.00", "10 boxes x 20 bags"),
    ("Chang", 1, "19.00", "24 - 12 oz bottles"),
    ("Aniseed Syrup", 2, "10.00", "12 - 550 ml bottles"),
    ("Chef Anton's Cajun Seasoning", 2, "22.00", "48 - 6 oz jars"),
    ("Grandma's Boysenberry Spread", 2, "25.00", "12 - 8 oz jars"),
    ("Uncle Bob's Organic Dried Pears", 7, "30.00", "12 - 1 lb pkgs."),
    ("Northwoods Cranberry Sauce", 2, "40.00", "12 - 12 oz jars"),
    ("Mishi Kobe Niku", 6, "97.00", "18 - 500 g pkgs."),
    ("Ikura", 8, "31.00", "12 - 200 ml jars"),
    ("Queso Cabrales", 4, "21.00", "1 kg pkg."),
    ("Queso Manchego La Pastora", 4, "38.00", "10 - 500 g pkgs."),
    ("Konbu", 8, "6.00", "2 kg box"),
    ("Tofu", 7, "23.25", "40 - 100 g pkgs."),
    ("Genen Shouyu", 2, "15.50", "24 - 250 ml bottles"),
    ("Pavlova", 3, "17.45", "32 - 500 g boxes"),
    ("Alice Mutton", 6, "39.00", "20 - 1 kg tins"),
    ("Carnarvon Tigers", 8, "62.50", "16 kg pkg."),
    ("Teatime Chocolate Biscuits", 3, "9.20", "10 boxes x 12 pieces"),
    ("Sir Rodney's Marmalade", 3, "81.00", "30 gift boxes"),
    ("Sir Rodney's Scones", 3, "10.00", "24 pkgs. x 4 pieces"),
    ("Gustaf's Knäckebröd", 5, "21.00", "24 - 500 g pkgs."),
    ("Tunnbröd", 5, "9.00", "12 - 250 g pkgs."),
    ("Guaraná Fantástica", 1, "4.50", "12 - 355 ml cans"),
    ("NuNuCa Nuß-Nougat-Creme", 3, "14.00", "20 - 450 g glasses"),
    ("Schoggi Schokolade", 3, "43.90", "100 - 100 g pieces"),
    ("Rössle Sauerkraut", 7, "45.60", "25 - 825 g cans"),
    ("Thüringer Rostbratwurst", 6, "123.79", "50 bags x 30 sausgs."),
    ("Nord-Ost Matjeshering", 8, "25.89", "10 - 200 g glasses"),
    ("Gorgonzola Telino", 4, "12.50", "12 - 100 g pkgs"),
    ("Mascarpone Fabioli", 4, "32.00", "24 - 200 g pkgs."),
    ("Geitost", 4, "2.50", "500 g"),
    ("Sasquatch Ale", 1, "14.00", "24 - 12 oz bottles"),
    ("Steeleye Stout", 1, "18.00", "24 - 12 oz bottles"),
    ("Inlagd Sill", 8, "19.00", "24 - 250 g  jars"),
    ("Gravad lax", 8, "26.00", "12 - 500 g pkgs."),
    ("Côte de Blaye", 1, "263.50", "12 - 75 cl bottles"),
    ("Chartreuse verte", 1, "18.00", "750 cc per bottle"),
    ("Boston Crab Meat", 8, "18.40", "24 - 4 oz tins"),
    ("Ipoh Coffee", 1, "46.00", "16 - 500 g tins"),
    ("Raclette Courdavault", 4, "55.00", "5 kg pkg."),
    ("Camembert Pierrot", 4, "34.00", "15 - 300 g rounds"),
    ("Tarte au sucre", 3, "49.30", "48 pies"),
    ("Manjimup Dried Apples", 7, "53.00", "50 - 300 g pkgs."),
    ("Gnocchi di nonna Alice", 5, "38.00", "24 - 250 g pkgs."),
    ("Lakkalikööri", 1, "18.00", "500 ml"),
)
NW_EMPLOYEES = (
    (1, "Davolio", "Nancy", "Sales Representative", "Seattle", "USA", 14),
    (2, "Fuller", "Andrew", "Vice President, Sales", "Tacoma", "USA", 9),
    (3, "Leverling", "Janet", "Sales Representative", "Kirkland", "USA", 14),
    (4, "Peacock", "Margaret", "Sales Representative", "Redmond", "USA", 22),
    (5, "Buchanan", "Steven", "Sales Manager", "London", "UK", 5),
    (6, "Suzuki", "Michael", "Sales Representative", "London", "UK", 7),
    (7, "King", "Robert", "Sales Representative", "London", "UK", 8),
    (8, "Callahan", "Laura", "Inside Sales Coordinator", "Seattle", "USA", 11),
    (9, "Dodsworth", "Anne", "Sales Representative", "London", "UK", 4),
)
NW_CUSTOMERS = (
    ("ALFKI", "Alfreds Futterkiste", "Maria Anders", "Berlin", "Germany"),
    ("ANATR", "Ana Trujillo Emparedados y helados", "Ana Trujillo", "México D.F.", "Mexico"),
    ("ANTON", "Antonio Moreno Taquería", "Antonio Moreno", "México D.F.", "Mexico"),
    ("AROUT", "Around the Horn", "Thomas Hardy", "London", "UK"),
    ("BERGS", "Berglunds snabbköp", "Christina Berglund", "Luleå", "Sweden"),
    ("BLAUS", "Blauer See Delikatessen", "Hanna Moos", "Mannheim", "Germany"),
    ("BLONP", "Blondesddsl père et fils", "Frédérique Citeaux", "Strasbourg", "France"),
    ("BOLID", "Bólido Comidas preparadas", "Martín Sommer", "Madrid", "Spain"),
    ("BONAP", "Bon app'", "Laurence Lebihan", "Marseille", "France"),
    ("BOTTM", "Bottom-Dollar Markets", "Elizabeth Lincoln", "Tsawassen", "Canada"),
    ("BSBEV", "B's Beverages", "Victoria Ashworth", "London", "UK"),
    ("CACTU", "Cactus Comidas para llevar", "Patricio Simpson", "Buenos Aires", "Argentina"),
    ("CHOPS", "Chop-suey Chinese", "Yang Wang", "Bern", "Switzerland"),
    ("COMMI", "Comércio Mineiro", "Pedro Afonso", "Sao Paulo", "Brazil"),
    ("CONSH", "Consolidated Holdings", "Elizabeth Brown", "London", "UK"),
    ("DRACD", "Drachenblut Delikatessen", "Sven Ottlieb", "Aachen", "Germany"),
    ("DUMON", "Du monde entier", "Janine Labrune", "Nantes", "France"),
    ("EASTC", "Eastern Connection", "Ann Devon", "London", "UK"),
    ("ERNSH", "Ernst Handel", "Roland Mendel", "Graz", "Austria"),
    ("FAMIA", "Familia Arquibaldo", "Aria Cruz", "Sao Paulo", "Brazil"),
    ("FOLKO", "Folk och fä HB", "Maria Larsson", "Bräcke", "Sweden"),
    ("FRANK", "Frankenversand", "Peter Franken", "München", "Germany"),
    ("FRANS", "Franchi S.p.A.", "Paolo Accorti", "Torino", "Italy"),
    ("FURIB", "Furia Bacalhau e Frutos do Mar", "Lino Rodriguez", "Lisboa", "Portugal"),
    ("GODOS", "Godos Cocina Típica", "José Pedro Freyre", "Sevilla", "Spain"),
    ("GOURL", "Gourmet Lanchonetes", "André Fonseca", "Campinas", "Brazil"),
    ("GREAL", "Great Lakes Food Market", "Howard Snyder", "Eugene", "USA"),
    ("HANAR", "Hanari Carnes", "Mario Pontes", "Rio de Janeiro", "Brazil"),
    ("HILAA", "HILARION-Abastos", "Carlos Hernández", "San Cristóbal", "Venezuela"),
    ("HUNGO", "Hungry Owl All-Night Grocers", "Patricia McKenna", "Cork", "Ireland"),
    ("ISLAT", "Island Trading", "Helen Bennett", "Cowes", "UK"),
    ("KOENE", "Königlich Essen", "Philip Cramer", "Brandenburg", "Germany"),
    ("LAMAI", "La maison d'Asie", "Annette Roulet", "Toulouse", "France"),
    ("LEHMS", "Lehmanns Marktstand", "Renate Messner", "Frankfurt a.M.", "Germany"),
    ("LILAS", "LILA-Supermercado", "Carlos González", "Barquisimeto", "Venezuela"),
    ("MEREP", "Mère Paillarde", "Jean Fresnière", "Montréal", "Canada"),
    ("OTTIK", "Ottilies Käseladen", "Henriette Pfalzheim", "Köln", "Germany"),
    ("QUEEN", "Queen Cozinha", "Lúcia Carvalho", "Sao Paulo", "Brazil"),
    ("QUICK", "QUICK-Stop", "Horst Kloss", "Cunewalde", "Germany"),
    ("RATTC", "Rattlesnake Canyon Grocery", "Paula Wilson", "Albuquerque", "USA"),
    ("REGGC", "Reggiani Caseifici", "Maurizio Moroni", "Reggio Emilia", "Italy"),
    ("RICAR", "Ricardo Adocicados", "Janete Limeira", "Rio de Janeiro", "Brazil"),
    ("SAVEA", "Save-a-lot Markets", "Jose Pavarotti", "Boise", "USA"),
    ("SEVES", "Seven Seas Imports", "Hari Kumar", "London", "UK"),
    ("SUPRD", "Suprêmes délices", "Pascale Cartrain", "Charleroi", "Belgium"),
    ("TORTU", "Tortuga Restaurante", "Miguel Angel Paolino", "México D.F.", "Mexico"),
    ("VAFFE", "Vaffeljernet", "Palle Ibsen", "Århus", "Denmark"),
    ("VICTE", "Victuailles en stock", "Mary Saveley", "Lyon", "France"),
    ("VINET", "Vins et alcools Chevalier", "Paul Henriot", "Reims", "France"),
    ("WARTH", "Wartian Herkku", "Pirkko Koskitalo", "Oulu", "Finland"),
    ("WELLI", "Wellington Importadora", "Paula Parente", "Resende", "Brazil"),
    ("WHITC", "White Clover Markets", "Karl Jablonski", "Seattle", "USA"),
    ("WOLZA", "Wolski Zajazd", "Zbyszek Piestrzeniewicz", "Warszawa", "Poland"),
)
NW_SCHEMA = """
CREATE TABLE Categories (CategoryID INTEGER PRIMARY KEY, CategoryName TEXT, Description TEXT);
CREATE TABLE Customers (CustomerID TEXT PRIMARY KEY, CompanyName TEXT, ContactName TEXT,
    City TEXT, Country TEXT);
CREATE TABLE Employees (EmployeeID INTEGER PRIMARY KEY, LastName TEXT, FirstName TEXT,
    Title TEXT, City TEXT, Country TEXT);
CREATE TABLE Shippers (ShipperID INTEGER PRIMARY KEY, CompanyName TEXT, Phone TEXT);
CREATE TABLE Suppliers (SupplierID INTEGER PRIMARY KEY, CompanyName TEXT, Country TEXT);
CREATE TABLE Products (ProductID INTEGER PRIMARY KEY, ProductName TEXT, SupplierID INTEGER,
    CategoryID INTEGER, QuantityPerUnit TEXT, UnitPrice NUMERIC, UnitsInStock INTEGER,
    UnitsOnOrder INTEGER, ReorderLevel INTEGER, Discontinued INTEGER);
CREATE TABLE Orders (OrderID INTEGER PRIMARY KEY, CustomerID TEXT, EmployeeID INTEGER,
    OrderDate DATETIME, RequiredDate DATETIME, ShippedDate DATETIME, ShipVia INTEGER,
    Freight NUMERIC, ShipName TEXT, ShipCity TEXT, ShipCountry TEXT);
CREATE TABLE "Order Details" (OrderID INTEGER, ProductID INTEGER, UnitPrice NUMERIC,
    Quantity INTEGER, Discount REAL, PRIMARY KEY (OrderID, ProductID));
"""


def northwind_sqlite(folder: Path) -> Shape:
    """Northwind in one SQLite file, read through a URL that names no table.

    Truth: line revenue is ``"Order Details".UnitPrice x Quantity x (1 - Discount)``
    (Discount is a rate: 0, 0.05 ... 0.2); the day is ``Orders.OrderDate`` and the person
    ``Orders.CustomerID`` and the rep ``Orders.EmployeeID`` (the header table lends them to
    its lines); ``Products.UnitPrice`` is today's list price (the lines before mid-April
    carry the old price, 80% of it) and ``UnitsInStock`` is stock, neither is the line's
    price or quantity; ``Freight`` is an order-level charge not in revenue; the category is
    ``Categories.CategoryName`` through ``Products.CategoryID``. No currency stated, no
    cost, no returns.
    """
    rng = random.Random(303)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "northwind.db"
    path.unlink(missing_ok=True)
    start, end = date(1997, 1, 2), date(1997, 7, 18)
    repricing = date(1997, 4, 15)
    custs = [c[0] for c in NW_CUSTOMERS]
    people = People(rng, custs, start, end, before=0.6)
    pweights = [
        8 if name == "Côte de Blaye" else 5 if cat == 1 else 3 for name, cat, _, _ in NW_PRODUCTS
    ]
    spellings = {
        str(e[0]): (str(e[0]), e[1], f"{e[2]} {e[1]}", f"{e[1]}, {e[2]}", f"{e[1]} {e[2]}")
        for e in NW_EMPLOYEES
    }
    category_name = {c[0]: c[1] for c in NW_CATEGORIES}
    city = {c[0]: (c[1], c[3], c[4]) for c in NW_CUSTOMERS}

    orders: list[tuple[object, ...]] = []
    details: list[tuple[object, ...]] = []
    recs: list[Rec] = []
    for n, day in enumerate(order_days(rng, start, end, 470)):
        order_id = 10400 + n
        customer = people.pick(day)
        employee = rng.choices(NW_EMPLOYEES, weights=[e[6] for e in NW_EMPLOYEES])[0][0]
        shipped = day + timedelta(days=rng.randint(2, 30))
        ship_name, ship_city, ship_country = city[customer]
        orders.append(
            (
                order_id,
                customer,
                employee,
                f"{day:%Y-%m-%d} 00:00:00",
                f"{day + timedelta(days=28):%Y-%m-%d} 00:00:00",
                None if shipped > end else f"{shipped:%Y-%m-%d} 00:00:00",
                rng.randint(1, 3),
                float(money(rng, "0.40", "380.00")),
                ship_name,
                ship_city,
                ship_country,
            )
        )
        for index in rng.sample(range(len(NW_PRODUCTS)), k=rng.choice((1, 2, 2, 3, 3, 4))):
            if rng.random() * 8 > pweights[index]:
                continue
            _, cat, list_price, _ = NW_PRODUCTS[index]
            price = Decimal(list_price)
            if day < repricing:
                price = (price * Decimal("0.8")).quantize(CENT, rounding=ROUND_HALF_UP)
            qty = rng.choice((2, 5, 6, 10, 12, 15, 20, 20, 24, 25, 30, 35, 40, 50, 60))
            discount = Decimal(rng.choice(("0", "0", "0", "0.05", "0.1", "0.15", "0.2", "0.25")))
            details.append((order_id, index + 1, float(price), qty, float(discount)))
            recs.append(
                Rec(
                    day,
                    str(order_id),
                    price * qty * (1 - discount),
                    customer=customer,
                    category=category_name[cat],
                    rep=str(employee),
                )
            )
        if not any(d[0] == order_id for d in details[-4:]):
            _, cat, list_price, _ = NW_PRODUCTS[0]
            price = Decimal(list_price) * (Decimal("0.8") if day < repricing else 1)
            details.append((order_id, 1, float(price), 10, 0.0))
            recs.append(
                Rec(
                    day,
                    str(order_id),
                    price * 10,
                    customer=customer,
                    category=category_name[cat],
                    rep=str(employee),
                )
            )

    with sqlite3.connect(path) as con:
        con.executescript(NW_SCHEMA)
        con.executemany("INSERT INTO Categories VALUES (?, ?, ?)", NW_CATEGORIES)
        con.executemany("INSERT INTO Customers VALUES (?, ?, ?, ?, ?)", NW_CUSTOMERS)
        con.executemany(
            "INSERT INTO Employees VALUES (?, ?, ?, ?, ?, ?)", [e[:6] for e in NW_EMPLOYEES]
        )
        con.executemany(
            "INSERT INTO Shippers VALUES (?, ?, ?)",
            [
                (1, "Speedy Express", "(503) 555-9831"),
                (2, "United Package", "(503) 555-3199"),
                (3, "Federal Shipping", "(503) 555-9931"),
            ],
        )
        con.executemany(
            "INSERT INTO Suppliers VALUES (?, ?, ?)",
            [
                (i + 1, name, country)
                for i, (name, country) in enumerate(
                    (
                        ("Exotic Liquids", "UK"),
                        ("New Orleans Cajun Delights", "USA"),
                        ("Grandma Kelly's Homestead", "USA"),
                        ("Tokyo Traders", "Japan"),
                        ("Cooperativa de Quesos 'Las Cabras'", "Spain"),
                        ("Mayumi's", "Japan"),
                        ("Pavlova, Ltd.", "Australia"),
                        ("Specialty Biscuits, Ltd.", "UK"),
                    )
                )
            ],
        )
        con.executemany(
            "INSERT INTO Products VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                (
                    i + 1,
                    name,
                    i % 8 + 1,
                    cat,
                    per_unit,
                    float(Decimal(price)),
                    rng.randint(0, 125),
                    rng.choice((0, 0, 0, 10, 20, 40, 70)),
                    rng.choice((0, 5, 10, 15, 20, 25, 30)),
                    1 if rng.random() < 0.1 else 0,
                )
                for i, (name, cat, price, per_unit) in enumerate(NW_PRODUCTS)
            ],
        )
        con.executemany("INSERT INTO Orders VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", orders)
        con.executemany('INSERT INTO "Order Details" VALUES (?, ?, ?, ?, ?)', details)
    con.close()
    return Shape(
        "northwind_sqlite",
        (f"sqlite:///{path.resolve().as_posix().lstrip('/')}",),
        truth_of(recs, currency=None, category=True, reps=spellings),
        "Northwind SQLite, every table read from a URL without ?table=: date, customer and "
        "rep on the Orders header; Products.UnitPrice/UnitsInStock are not the line's "
        "price/quantity; Discount is a rate; Freight is not revenue",
    )


# -------------------- online_retail

RETAIL_ITEMS = (
    ("85123A", "WHITE HANGING HEART T-LIGHT HOLDER", "2.55"),
    ("71053", "WHITE METAL LANTERN", "3.39"),
    ("84406B", "CREAM CUPID HEARTS COAT HANGER", "2.75"),
    ("84029G", "KNITTED UNION FLAG HOT WATER BOTTLE", "3.39"),
    ("22752", "SET 7 BABUSHKA NESTING BOXES", "7.65"),
    ("21730", "GLASS STAR FROSTED T-LIGHT HOLDER", "4.25"),
    ("22633", "HAND WARMER UNION JACK", "1.85"),
    ("22632", "HAND WARMER RED POLKA DOT", "1.85"),
    ("84879", "ASSORTED COLOUR BIRD ORNAMENT", "1.69"),
    ("22745", "POPPY'S PLAYHOUSE BEDROOM", "2.1"),
    ("22748", "POPPY'S PLAYHOUSE KITCHEN", "2.1"),
    ("22423", "REGENCY CAKESTAND 3 TIER", "12.75"),
    ("85099B", "JUMBO BAG RED RETROSPOT", "1.95"),
    ("47566", "PARTY BUNTING", "4.95"),
    ("20725", "LUNCH BAG RED RETROSPOT", "1.65"),
    ("84991", "60 TEATIME FAIRY CAKE CASES", "0.55"),
    ("21212", "PACK OF 72 RETROSPOT CAKE CASES", "0.55"),
    ("22720", "SET OF 3 CAKE TINS PANTRY DESIGN", "4.95"),
    ("22960", "JAM MAKING SET WITH JARS", "4.25"),
    ("22961", "JAM MAKING SET PRINTED", "1.45"),
    ("21755", "LOVE BUILDING BLOCK WORD", "5.95"),
    ("21754", "HOME BUILDING BLOCK WORD", "5.95"),
    ("22139", "RETROSPOT TEA SET CERAMIC 11 PC ", "4.95"),
    ("22386", "JUMBO BAG PINK POLKADOT", "1.95"),
    ("23203", "JUMBO BAG DOILEY PATTERNS", "2.08"),
    ("22197", "SMALL POPCORN HOLDER", "0.85"),
    ("23084", "RABBIT NIGHT LIGHT", "2.08"),
    ("22086", "PAPER CHAIN KIT 50'S CHRISTMAS ", "2.95"),
    ("21034", "REX CASH+CARRY JUMBO SHOPPER", "0.95"),
    ("22457", "NATURAL SLATE HEART CHALKBOARD ", "2.95"),
    ("82482", "WOODEN PICTURE FRAME WHITE FINISH", "2.55"),
    ("82494L", "WOODEN FRAME ANTIQUE WHITE ", "2.95"),
    ("22727", "ALARM CLOCK BAKELIKE RED ", "3.75"),
    ("22726", "ALARM CLOCK BAKELIKE GREEN", "3.75"),
    ("21931", "JUMBO STORAGE BAG SUKI", "1.95"),
    ("22382", "LUNCH BAG SPACEBOY DESIGN ", "1.65"),
    ("20727", "LUNCH BAG  BLACK SKULL.", "1.65"),
    ("22469", "HEART OF WICKER SMALL", "1.65"),
    ("22470", "HEART OF WICKER LARGE", "2.95"),
    ("21080", "SET/20 RED RETROSPOT PAPER NAPKINS ", "0.85"),
)
RETAIL_COUNTRIES = (
    ("United Kingdom", 80),
    ("Germany", 5),
    ("France", 5),
    ("EIRE", 4),
    ("Spain", 2),
    ("Netherlands", 2),
    ("Belgium", 1),
    ("Switzerland", 1),
)


def _uci_time(moment: datetime) -> str:
    return f"{mdy(moment.date())} {moment.hour}:{moment.minute:02d}"


def online_retail(folder: Path) -> Shape:
    """UCI Online Retail (a UK gift wholesaler): one CSV of invoice lines.

    Truth: line revenue is ``Quantity x UnitPrice``; the day is ``InvoiceDate`` (m/d/Y
    H:M). Credit notes (``InvoiceNo`` "C" + number, negative quantity) are returns and
    never orders: every line on them counts in ``returns``, the ``D`` Discount and
    ``AMAZONFEE`` lines included (they are negative lines of credit notes, as in the
    real file). Non-merchandise codes on invoices (POST, DOT, M, BANK CHARGES, C2) are
    sales lines and stay in revenue. ``CustomerID`` is written as a float ("17850.0")
    and is empty on about one invoice in ten: those lines count in revenue and orders,
    not in customers. A few lines are written twice in one invoice (the same product
    twice): both count. No category, no rep, no cost, no currency stated (it is GBP, but
    the file does not say so).
    """
    rng = random.Random(404)
    folder.mkdir(parents=True, exist_ok=True)
    start, end = date(2010, 12, 1), date(2011, 7, 19)
    cust_ids = list(range(12346, 18288, 19))
    people = People(rng, [str(c) for c in cust_ids], start, end, before=0.3)
    country = {
        str(c): weighted(rng, [(k, float(w)) for k, w in RETAIL_COUNTRIES]) for c in cust_ids
    }

    # (moment, invoice-or-credit, customer, lines as (code, description, qty, price))
    events: list[tuple[datetime, bool, str | None, list[tuple[str, str, int, Decimal]]]] = []
    history: list[tuple[date, str, list[tuple[str, str, int, Decimal]]]] = []
    for day in order_days(rng, start, end, 300):
        if day.weekday() == 5:  # the shop sends nothing on Saturdays
            day += timedelta(days=1)
        moment = datetime.combine(day, time(rng.randint(7, 19), rng.randint(0, 59)))
        customer = None if rng.random() < 0.1 else people.pick(day)
        where = country[customer] if customer else "United Kingdom"
        lines = []
        for code, desc, price_text in rng.sample(RETAIL_ITEMS, k=rng.randint(2, 16)):
            qty = rng.choice((1, 2, 3, 4, 6, 6, 8, 10, 12, 12, 24, 24, 36, 48))
            lines.append((code, desc, qty, Decimal(price_text)))
            if rng.random() < 0.008:
                lines.append((code, desc, qty, Decimal(price_text)))  # the same product twice
        if customer is None and rng.random() < 0.5:
            lines.append(("DOT", "DOTCOM POSTAGE", 1, money(rng, "11.50", "160.00")))
        if where not in ("United Kingdom", "EIRE") and rng.random() < 0.7:
            lines.append(("POST", "POSTAGE", rng.randint(1, 3), Decimal("18.00")))
        if where == "EIRE" and rng.random() < 0.5:
            lines.append(("C2", "CARRIAGE", 1, Decimal("50.00")))
        if rng.random() < 0.03:
            lines.append(("M", "Manual", 1, money(rng, "0.85", "65.00")))
        if rng.random() < 0.02:
            lines.append(("BANK CHARGES", "Bank Charges", 1, Decimal("15.00")))
        events.append((moment, False, customer, lines))
        if customer:
            history.append((day, customer, lines))
    for _ in range(36):
        day, customer, bought = rng.choice(history[: len(history) * 9 // 10])
        back = min(day + timedelta(days=rng.randint(1, 30)), end - timedelta(days=1))
        moment = datetime.combine(back, time(rng.randint(8, 18), rng.randint(0, 59)))
        merch = [ln for ln in bought if ln[0] not in ("POST", "DOT", "C2", "M", "BANK CHARGES")]
        lines = [
            (c, d, -rng.randint(1, q), p) for c, d, q, p in rng.sample(merch, k=min(2, len(merch)))
        ]
        events.append((moment, True, customer, lines))
    for _ in range(8):
        day, customer, _ = rng.choice(history)
        events.append(
            (
                datetime.combine(day, time(11, 2)),
                True,
                customer,
                [("D", "Discount", -1, money(rng, "5.00", "60.00"))],
            )
        )
    for day in (date(2011, 1, 13), date(2011, 5, 9)):
        events.append(
            (
                datetime.combine(day, time(14, 40)),
                True,
                None,
                [("AMAZONFEE", "AMAZON FEE", -1, money(rng, "900.00", "1900.00"))],
            )
        )
    events.sort(key=lambda e: e[0])

    rows: list[list[object]] = []
    recs: list[Rec] = []
    for number, (moment, credit, customer, lines) in enumerate(events, start=536365):
        invoice = f"C{number}" if credit else str(number)
        where = country[customer] if customer else "United Kingdom"
        for code, desc, qty, price in lines:
            rows.append(
                [
                    invoice,
                    code,
                    desc,
                    qty,
                    _uci_time(moment),
                    str(float(price)),
                    f"{customer}.0" if customer else "",
                    where,
                ]
            )
            recs.append(
                Rec(moment.date(), invoice, qty * price, "return" if credit else "sale", customer)
            )
    write_csv(
        folder / "online_retail.csv",
        cols("InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice,CustomerID,Country"),
        rows,
    )
    return Shape(
        "online_retail",
        (str(folder / "online_retail.csv"),),
        truth_of(recs, currency=None),
        "UCI Online Retail: C-prefixed credit notes with negative quantity (returns, not "
        "orders), POST/DOT/M/BANK CHARGES/C2/AMAZONFEE/D non-merchandise lines, CustomerID as "
        "float text and often empty, m/d/Y H:M dates, exact duplicate lines that are real",
    )


# -------------------- superstore

SUPERSTORE_CATALOG = (
    # category, sub-category, code, product name stems, list price range
    (
        "Furniture",
        "Bookcases",
        "FUR-BO",
        ("Bush Somerset Collection Bookcase", "Sauder Camden County Barrister Bookcase"),
        90,
        520,
    ),
    (
        "Furniture",
        "Chairs",
        "FUR-CH",
        ("Hon Deluxe Fabric Upholstered Stacking Chairs", "Global Deluxe Stacking Chair, Gray"),
        80,
        600,
    ),
    (
        "Furniture",
        "Furnishings",
        "FUR-FU",
        (
            "Eldon Expressions Wood Desk Accessories",
            'Howard Miller 13-3/4" Diameter Brushed Chrome Round Wall Clock',
        ),
        8,
        120,
    ),
    (
        "Furniture",
        "Tables",
        "FUR-TA",
        ("Bretford CR4500 Series Slim Rectangular Table", "Bevis Round Conference Table Top"),
        150,
        900,
    ),
    (
        "Office Supplies",
        "Binders",
        "OFF-BI",
        ("Avery Non-Stick Binders", "GBC DocuBind TL300 Electric Binding System"),
        3,
        90,
    ),
    ("Office Supplies", "Paper", "OFF-PA", ("Xerox 1967", "Easy-staple paper"), 4, 30),
    (
        "Office Supplies",
        "Storage",
        "OFF-ST",
        ("Fellowes PB200 Plastic Comb Binding Machine", "Eldon Fold 'N Roll Cart System"),
        15,
        300,
    ),
    (
        "Office Supplies",
        "Appliances",
        "OFF-AP",
        (
            "Holmes Replacement Filter for HEPA Air Cleaner",
            "Kensington 7 Outlet MasterPiece Power Center",
        ),
        10,
        250,
    ),
    (
        "Office Supplies",
        "Art",
        "OFF-AR",
        ("Newell 322", "Boston School Pro Electric Pencil Sharpener"),
        2,
        40,
    ),
    (
        "Office Supplies",
        "Labels",
        "OFF-LA",
        ("Self-Adhesive Address Labels for Typewriters by Universal", "Avery 508"),
        2,
        20,
    ),
    (
        "Technology",
        "Phones",
        "TEC-PH",
        ("Mitel 5320 IP Phone VoIP phone", "Konftel 250 Conference phone - Charcoal black"),
        40,
        700,
    ),
    (
        "Technology",
        "Accessories",
        "TEC-AC",
        ("Logitech G600 MMO Gaming Mouse", "Imation 8GB Mini TravelDrive USB 2.0 Flash Drive"),
        10,
        200,
    ),
    (
        "Technology",
        "Machines",
        "TEC-MA",
        ("Okidata C610n Printer", "Cisco TelePresence System EX90 Videoconferencing Unit"),
        120,
        1500,
    ),
    (
        "Technology",
        "Copiers",
        "TEC-CO",
        (
            "Canon imageCLASS 2200 Advanced Copier",
            "Hewlett Packard 610 Color Digital Copier / Printer",
        ),
        400,
        1800,
    ),
)
SUPERSTORE_PLACES = (
    ("Henderson", "Kentucky", "42420", "South"),
    ("Los Angeles", "California", "90036", "West"),
    ("Fort Lauderdale", "Florida", "33311", "South"),
    ("Concord", "North Carolina", "28027", "South"),
    ("Seattle", "Washington", "98103", "West"),
    ("Fort Worth", "Texas", "76106", "Central"),
    ("Madison", "Wisconsin", "53711", "Central"),
    ("New York City", "New York", "10024", "East"),
    ("Philadelphia", "Pennsylvania", "19140", "East"),
    ("Houston", "Texas", "77095", "Central"),
    ("Chicago", "Illinois", "60610", "Central"),
    ("San Francisco", "California", "94122", "West"),
)
SHIP_MODES = (
    ("Standard Class", 6, 4, 7),
    ("Second Class", 2, 2, 5),
    ("First Class", 1.5, 1, 3),
    ("Same Day", 0.5, 0, 0),
)


def superstore(folder: Path) -> Shape:
    """Tableau Sample Superstore: one CSV, one row per order line, no cost and no price.

    Truth: line revenue is ``Sales`` (the line total, already net of ``Discount``, which is
    a rate: applying it again is wrong); ``Quantity`` is units; there is no unit price;
    gross margin = sum(``Profit``) / sum(``Sales``) (cost = Sales - Profit); the day is
    ``Order Date`` (m/d/Y), not ``Ship Date``; the person is ``Customer ID``. A margin
    squeeze is planted: deeper discounts in the truth quarter put its margin well below
    the quarter before. No rep, no currency stated, no returns.
    """
    rng = random.Random(505)
    folder.mkdir(parents=True, exist_ok=True)
    start, end = date(2016, 7, 4), date(2017, 2, 17)
    squeeze = date(2016, 10, 1), date(2016, 12, 31)
    names = [f"{f} {ln}" for f in FIRST_NAMES for ln in LAST_NAMES]
    rng.shuffle(names)
    customers = {}
    for name in names[:420]:
        first, last = name.split(" ", 1)
        cid = f"{first[0]}{last[0]}-{rng.randint(10, 99)}{rng.randint(0, 9)}{rng.randint(0, 9)}0"
        customers[cid] = (
            name,
            weighted(rng, (("Consumer", 5), ("Corporate", 3), ("Home Office", 2))),
            rng.choice(SUPERSTORE_PLACES),
        )
    people = People(rng, sorted(customers), start, end, before=0.4)
    products = []
    for cat, sub, code, stems, low, high in SUPERSTORE_CATALOG:
        for stem in stems:
            for variant in range(3):
                pid = f"{code}-1000{rng.randint(1000, 4999)}"
                pname = (
                    stem
                    if variant == 0
                    else f"{stem}, {rng.choice(('Black', 'Blue', 'White', 'Gray', 'Pack of 2'))}"
                )
                list_price = money(rng, str(low), str(high))
                unit_cost = (list_price * Decimal(rng.uniform(0.62, 0.78))).quantize(
                    Decimal("0.0001")
                )
                products.append((pid, cat, sub, pname, list_price, unit_cost))
    pweights = [6 if p[1] == "Technology" else 4 if p[1] == "Furniture" else 5 for p in products]

    rows: list[list[object]] = []
    recs: list[Rec] = []
    used: set[str] = set()
    for day in order_days(rng, start, end, 900):
        order = ""
        while not order or order in used:
            prefix = "CA" if rng.random() < 0.8 else "US"
            order = f"{prefix}-{day.year}-{rng.randint(100000, 169999)}"
        used.add(order)
        cid = people.pick(day)
        name, segment, (city, state, postal, region) = customers[cid]
        mode, _, low_days, high_days = rng.choices(SHIP_MODES, weights=[m[1] for m in SHIP_MODES])[
            0
        ]
        ship = day + timedelta(days=rng.randint(low_days, high_days))
        squeezed = squeeze[0] <= day <= squeeze[1]
        for pid, cat, sub, pname, list_price, unit_cost in rng.sample(
            rng.choices(products, weights=pweights, k=12), k=rng.choice((1, 1, 2, 2, 3, 4))
        ):
            if any(r[13] == pid and r[1] == order for r in rows[-4:]):
                continue
            qty = rng.randint(1, 9)
            rates = (
                ("0", "0", "0", "0.2", "0.2", "0.1")
                if not squeezed
                else ("0", "0.2", "0.2", "0.3", "0.4", "0.5")
            )
            discount = Decimal(rng.choice(rates))
            sales = (qty * list_price * (1 - discount)).quantize(Decimal("0.0001"))
            profit = (sales - qty * unit_cost).quantize(Decimal("0.0001"))
            rows.append(
                [
                    0,
                    order,
                    mdy(day),
                    mdy(ship),
                    mode,
                    cid,
                    name,
                    segment,
                    "United States",
                    city,
                    state,
                    postal,
                    region,
                    pid,
                    cat,
                    sub,
                    pname,
                    plain(sales),
                    qty,
                    plain(discount, 2),
                    plain(profit),
                ]
            )
            recs.append(Rec(day, order, sales, customer=cid, cost=sales - profit, category=cat))
    rng.shuffle(rows)
    for i, row in enumerate(rows, start=1):
        row[0] = i
    write_csv(
        folder / "Sample - Superstore.csv",
        cols(
            "Row ID,Order ID,Order Date,Ship Date,Ship Mode,Customer ID,Customer Name,Segment,"
            "Country,City,State,Postal Code,Region,Product ID,Category,Sub-Category,Product Name,"
            "Sales,Quantity,Discount,Profit"
        ),
        rows,
    )
    truth = truth_of(recs, currency=None, cost=True, category=True)
    before = margin_between(recs, date(2016, 7, 1), date(2016, 9, 30))
    if truth.gross_margin is None or truth.gross_margin > before - 0.05:
        raise ValueError(f"no margin squeeze: {before:.3f} -> {truth.gross_margin}")
    return Shape(
        "superstore",
        (str(folder / "Sample - Superstore.csv"),),
        truth,
        "Tableau Sample Superstore: Sales is the line total already net of the Discount "
        "rate, no unit price, no cost column (margin from Profit), Ship Date beside Order "
        "Date; a margin squeeze is planted in the quarter",
    )


# -------------------- shopify_orders

SHOPIFY_ITEMS = (
    ("Merino Wool Beanie - Charcoal", "BEAN-CHA", "38.00"),
    ("Merino Wool Beanie - Forest", "BEAN-FOR", "38.00"),
    ("Alpaca Scarf - Oatmeal", "SCRF-OAT", "89.00"),
    ("Alpaca Scarf - Navy", "SCRF-NAV", "89.00"),
    ("Wool Hiking Socks - M", "SOCK-HIK-M", "24.00"),
    ("Wool Hiking Socks - L", "SOCK-HIK-L", "24.00"),
    ("Fleece Mittens", "MITT-FLC", "32.00"),
    ("Cable Knit Sweater - S", "SWTR-CBL-S", "165.00"),
    ("Cable Knit Sweater - M", "SWTR-CBL-M", "165.00"),
    ("Cable Knit Sweater - L", "SWTR-CBL-L", "165.00"),
    ("Lambswool Throw Blanket", "THRW-LMB", "145.00"),
    ("Gift Card", "GIFT-50", "50.00"),
    ("Wool Care Kit", "CARE-KIT", "18.50"),
)
SHOPIFY_CITIES = (
    ("Toronto", "ON", "M5V 2T6"),
    ("Ottawa", "ON", "K1P 5G4"),
    ("Hamilton", "ON", "L8P 4R5"),
    ("Montreal", "QC", "H2X 1Y4"),
    ("Vancouver", "BC", "V6B 1A1"),
    ("Calgary", "AB", "T2P 1J9"),
)
SHOPIFY_HEADER = cols(
    "Name,Email,Financial Status,Paid at,Fulfillment Status,Fulfilled at,Accepts Marketing,"
    "Currency,Subtotal,Shipping,Taxes,Total,Discount Code,Discount Amount,Shipping Method,"
    "Created at,Lineitem quantity,Lineitem name,Lineitem price,Lineitem compare at price,"
    "Lineitem sku,Lineitem requires shipping,Lineitem taxable,Lineitem fulfillment status,"
    "Billing Name,Billing City,Billing Zip,Billing Province,Billing Country,Shipping Name,"
    "Shipping City,Shipping Zip,Shipping Province,Shipping Country,Notes,Cancelled at,"
    "Payment Method,Refunded Amount,Vendor,Id,Tags,Risk Level,Source,Lineitem discount"
)
# Shopify fills these on every line of an order; every other column on the first line only
SHOPIFY_EVERY_LINE = {"Name", "Email", "Created at", "Vendor", "Lineitem discount"}


def _toronto(moment: datetime) -> str:
    """Shopify's timestamp in the shop's zone: EST before 10 March 2024, EDT after."""
    offset = -4 if date(2024, 3, 10) <= moment.date() < date(2024, 11, 3) else -5
    return moment.replace(tzinfo=timezone(timedelta(hours=offset))).strftime("%Y-%m-%d %H:%M:%S %z")


def shopify_orders(folder: Path) -> Shape:
    """Shopify's Orders export (CSV, one row per line item) from a Canadian shop.

    Truth: line revenue is ``Lineitem quantity x Lineitem price``; the day is the local
    date of ``Created at`` as written ("2024-02-03 14:05:11 -0500"; not converted to
    UTC); ``voided`` orders are excluded; ``paid``, ``pending`` and ``refunded`` orders are
    sales at their full line value (the export has no refund date, and the line items are
    what was sold: Shopify's gross sales), so there are no returns; shipping and taxes
    are order-level charges, not revenue (no discount codes are used, so Subtotal = the
    line items). Order-level columns (Financial Status, Currency, Subtotal, Total ...) are
    blank on the second and later lines of an order, as Shopify writes them: those lines
    belong to their order's status. The person is ``Email``. Currency: ``CAD`` from the
    Currency column. No category, no rep, no cost.
    """
    rng = random.Random(606)
    folder.mkdir(parents=True, exist_ok=True)
    start, end = date(2024, 1, 8), date(2024, 7, 17)
    first = cols(
        "olivia,liam,emma,noah,ava,lucas,mia,ethan,zoe,owen,chloe,jack,leah,ben,nora,sam,ivy,max,"
        "ruby,theo"
    )
    last = cols(
        "tremblay,roy,gagnon,smith,brown,wilson,martin,lee,patel,macdonald,campbell,chen,singh,"
        "taylor,white,morin"
    )
    domains = ("gmail.com", "outlook.com", "yahoo.ca", "icloud.com", "rogers.com")
    emails = sorted(
        {email_address(rng, first, last, domains, ("", "", "7", "84")) for _ in range(420)}
    )
    people = People(rng, emails, start, end, before=0.3)
    home = {e: rng.choice(SHOPIFY_CITIES) for e in emails}
    rows: list[list[str]] = []
    recs: list[Rec] = []
    order_id = 5612348001234
    for n, created in enumerate(order_moments(rng, start, end, 640, 6, 23)):
        day = created.date()
        name, email = f"#{1001 + n}", people.pick(day)
        status = weighted(rng, (("paid", 88), ("refunded", 4), ("pending", 4), ("voided", 4)))
        lines = [
            (item, rng.choice((1, 1, 1, 2, 2, 3)))
            for item in rng.sample(SHOPIFY_ITEMS, k=rng.choice((1, 1, 2, 2, 3, 4)))
        ]
        subtotal = sum((Decimal(p) * q for (_, _, p), q in lines), ZERO)
        method, shipping = (
            ("Free Shipping", ZERO)
            if subtotal >= 150
            else rng.choice((("Standard", Decimal("12.00")), ("Express", Decimal("24.00"))))
        )
        taxes = ((subtotal + shipping) * Decimal("0.13")).quantize(CENT, rounding=ROUND_HALF_UP)
        total = subtotal + shipping + taxes
        city, province, zip_code = home[email]
        billing = " ".join(
            w.capitalize() for w in email.split("@")[0].rstrip("0123456789").split(".")
        )
        paid = status in ("paid", "refunded")
        fulfilled = paid and (end - day).days > 3
        order_id += rng.randint(20000, 90000)
        head = {
            "Financial Status": status,
            "Paid at": _toronto(created + timedelta(seconds=rng.randint(2, 90))) if paid else "",
            "Fulfillment Status": "fulfilled" if fulfilled else "unfulfilled",
            "Fulfilled at": _toronto(created + timedelta(days=rng.randint(1, 3)))
            if fulfilled
            else "",
            "Accepts Marketing": rng.choice(("yes", "no")),
            "Currency": "CAD",
            "Subtotal": f"{subtotal:.2f}",
            "Shipping": f"{shipping:.2f}",
            "Taxes": f"{taxes:.2f}",
            "Total": f"{total:.2f}",
            "Discount Code": "",
            "Discount Amount": "0.00",
            "Shipping Method": method,
            "Billing Name": billing,
            "Billing City": city,
            "Billing Zip": zip_code,
            "Billing Province": province,
            "Billing Country": "CA",
            "Shipping Name": billing,
            "Shipping City": city,
            "Shipping Zip": zip_code,
            "Shipping Province": province,
            "Shipping Country": "CA",
            "Notes": "",
            "Cancelled at": _toronto(created + timedelta(hours=rng.randint(1, 30)))
            if status == "voided"
            else "",
            "Payment Method": rng.choice(
                ("Shopify Payments", "Shopify Payments", "PayPal Express Checkout")
            ),
            "Refunded Amount": f"{total:.2f}" if status == "refunded" else "0.00",
            "Id": str(order_id),
            "Tags": "",
            "Risk Level": "Low",
            "Source": rng.choice(("web", "web", "shopify_draft_order")),
        }
        for i, ((item, sku, price), qty) in enumerate(lines):
            cells = {
                **head,
                "Name": name,
                "Email": email,
                "Created at": _toronto(created),
                "Lineitem quantity": str(qty),
                "Lineitem name": item,
                "Lineitem price": price,
                "Lineitem compare at price": "",
                "Lineitem sku": sku,
                "Lineitem requires shipping": "false" if sku.startswith("GIFT") else "true",
                "Lineitem taxable": "false" if sku.startswith("GIFT") else "true",
                "Lineitem fulfillment status": "fulfilled" if fulfilled else "pending",
                "Vendor": "Northern Thread Co.",
                "Lineitem discount": "0.00",
            }
            rows.append(
                [
                    cells[h]
                    if i == 0 or h in SHOPIFY_EVERY_LINE or h.startswith("Lineitem")
                    else ""
                    for h in SHOPIFY_HEADER
                ]
            )
            kind: Kind = "excluded" if status == "voided" else "sale"
            recs.append(Rec(day, name, Decimal(price) * qty, kind, email))
    rows.reverse()  # Shopify lists the newest order first, its lines in order
    ordered: list[list[str]] = []
    block: list[list[str]] = []
    for row in rows:
        block.insert(0, row)
        if row[2]:  # the first line of an order carries its Financial Status
            ordered.extend(block)
            block = []
    write_csv(folder / "orders_export_1.csv", SHOPIFY_HEADER, ordered)
    return Shape(
        "shopify_orders",
        (str(folder / "orders_export_1.csv"),),
        truth_of(recs, currency="CAD"),
        "Shopify orders export: order-level columns (status, currency, totals) only on an "
        "order's first line, voided orders whose later lines have a blank status, shipping "
        "and taxes beside line items, local times with a UTC offset that changes with DST",
    )


# -------------------- stripe_payments

STRIPE_HEADER = cols(
    "id,Description,Seller Message,Created date (UTC),Amount,Amount Refunded,Currency,Captured,"
    "Converted Amount,Converted Amount Refunded,Fee,Tax,Converted Currency,Mode,Status,"
    "Statement Descriptor,Customer ID,Customer Description,Customer Email,Card ID,Card Last4,"
    "Card Brand,Card Funding,Card Exp Month,Card Exp Year,Card Issue Country,Decline Reason,"
    "PaymentIntent ID,Invoice ID"
)


def stripe_payments(folder: Path) -> Shape:
    """Stripe's "unified payments" CSV export of a SaaS and shop selling in euros.

    Truth: each row is one payment = one order; revenue = ``Amount - Amount Refunded``
    over the rows whose ``Status`` is not ``Failed`` (failed payments were never captured:
    excluded); a refund is a return dated with its payment (the export has no refund
    date): ``returns`` = the sum of ``Amount Refunded``, and a refunded payment is still an
    order. ``Fee`` is Stripe's processing fee, not a cost of goods (no gross margin). The
    day is ``Created date (UTC)``; the person is ``Customer ID`` (empty for guest
    payments, which count nowhere in customers). Currency: ``EUR`` (the Currency column,
    written lower case). No category, no rep.
    """
    rng = random.Random(707)
    folder.mkdir(parents=True, exist_ok=True)
    start, end = date(2023, 8, 14), date(2024, 1, 22)
    customers = [
        (
            f"cus_{alnum(rng, 14)}",
            email_address(
                rng, FIRST_NAMES, LAST_NAMES, ("example.de", "example.fr", "example.com")
            ),
        )
        for _ in range(380)
    ]
    people = People(rng, [c for c, _ in customers], start, end, before=0.45)
    email = dict(customers)
    plans = (
        ("Subscription update", "19.00"),
        ("Subscription update", "49.00"),
        ("Subscription creation", "19.00"),
        ("Subscription creation", "9.00"),
        ("Payment for Invoice", ""),
        ("Starter kit", "129.00"),
    )
    rows: list[list[str]] = []
    recs: list[Rec] = []
    for moment in order_moments(rng, start, end, 1300, 0, 23):
        day = moment.date()
        charge = f"ch_3{alnum(rng, 23)}"
        customer = "" if rng.random() < 0.08 else people.pick(day)
        description, fixed = rng.choice(plans)
        amount = Decimal(fixed) if fixed else money(rng, "25.00", "640.00")
        status = weighted(rng, (("Paid", 92), ("Refunded", 3), ("Failed", 5)))
        refunded = ZERO
        if status == "Refunded":
            refunded = amount
        elif status == "Paid" and rng.random() < 0.03:
            refunded = (amount * Decimal(rng.choice(("0.25", "0.5")))).quantize(CENT)
        failed = status == "Failed"
        fee = (
            ZERO
            if failed
            else (amount * Decimal("0.015") + Decimal("0.25")).quantize(
                CENT, rounding=ROUND_HALF_UP
            )
        )
        rows.append(
            [
                charge,
                description,
                "The bank did not return any further details with this decline."
                if failed
                else "Payment complete.",
                f"{moment:%Y-%m-%d %H:%M:%S}",
                f"{amount:.2f}",
                f"{refunded:.2f}",
                "eur",
                "false" if failed else "true",
                f"{amount:.2f}",
                f"{refunded:.2f}",
                f"{fee:.2f}",
                "0.00",
                "eur",
                "Live",
                status,
                "NORDLICHT SOFTWARE",
                customer,
                "",
                email.get(customer, ""),
                f"card_1{alnum(rng, 23)}",
                f"{rng.randint(0, 9999):04d}",
                rng.choice(("Visa", "Visa", "MasterCard", "American Express")),
                rng.choice(("credit", "debit")),
                str(rng.randint(1, 12)),
                str(rng.randint(2024, 2029)),
                rng.choice(("DE", "FR", "NL", "AT", "BE")),
                rng.choice(("card_declined", "insufficient_funds", "expired_card"))
                if failed
                else "",
                f"pi_3{alnum(rng, 23)}",
                f"in_1{alnum(rng, 23)}" if description != "Starter kit" else "",
            ]
        )
        person = customer or None
        if failed:
            recs.append(Rec(day, charge, amount, "excluded", person))
            continue
        recs.append(Rec(day, charge, amount, "sale", person))
        if refunded:
            recs.append(Rec(day, charge, -refunded, "return", person))
    rows.reverse()  # newest first, as the dashboard exports them
    write_csv(folder / "unified_payments.csv", STRIPE_HEADER, rows)
    return Shape(
        "stripe_payments",
        (str(folder / "unified_payments.csv"),),
        truth_of(recs, currency="EUR"),
        "Stripe unified payments: one row per payment, refunds as Amount Refunded on the "
        "same row, Failed rows (not captured), a Fee that is no cost of goods, lower-case "
        "currency code, Converted Amount beside Amount",
    )


# -------------------- flat shop lines


@dataclass(frozen=True)
class ShopLine:
    """One line of a plain order-lines export, before it is written in a shape's format."""

    moment: datetime
    order: str
    customer: str
    sku: str
    product: str
    category: str
    qty: int
    price: Decimal
    rep: str

    @property
    def amount(self) -> Decimal:
        return self.qty * self.price

    def rec(self, *, customer: bool = True, category: bool = True, rep: bool = True) -> Rec:
        return Rec(
            self.moment.date(),
            self.order,
            self.amount,
            customer=self.customer if customer else None,
            category=self.category if category else None,
            rep=self.rep if rep else None,
        )


CATALOG_WORDS = {
    # category: (weight, (stems), price range)
    "Outdoor": (
        5.0,
        ("Trail Backpack 28L", "Camping Stove", "Trekking Poles", "Dome Tent 2P", "Headlamp 300lm"),
        (25, 260),
    ),
    "Apparel": (
        3.0,
        ("Rain Jacket", "Fleece Pullover", "Merino Base Layer", "Softshell Pants", "Sun Hoodie"),
        (30, 190),
    ),
    "Footwear": (2.5, ("Trail Runner", "Hiking Boot", "Approach Shoe", "Camp Sandal"), (60, 210)),
    "Accessories": (
        2.0,
        ("Water Bottle 1L", "Dry Bag 10L", "Buff Neck Gaiter", "Carabiner Set", "First Aid Kit"),
        (8, 55),
    ),
}


def shop_catalog(
    rng: random.Random, sku_format: str = "SKU-{n:04d}"
) -> list[tuple[str, str, str, Decimal, float]]:
    """Products as (sku, name, category, price, weight)."""
    items = []
    n = 1000
    for category, (weight, stems, (low, high)) in CATALOG_WORDS.items():
        for stem in stems:
            for variant in ("", " - Black", " - Olive"):
                n += rng.randint(1, 37)
                items.append(
                    (
                        sku_format.format(n=n),
                        stem + variant,
                        category,
                        shop_price(rng, low, high),
                        weight,
                    )
                )
    return items


def shop_lines(
    rng: random.Random,
    start: date,
    end: date,
    orders: int,
    *,
    first_order: int = 10001,
    customer_format: str = "C{n:05d}",
    customers: int = 400,
    reps: Sequence[tuple[str, float]] = (("Dana", 1.0),),
    sku_format: str = "SKU-{n:04d}",
    lines_per_order: Sequence[int] = (1, 1, 1, 2, 2, 3, 4),
) -> list[ShopLine]:
    """Order lines of a small shop: each order has one customer, one time, one rep, and
    distinct products."""
    catalog = shop_catalog(rng, sku_format)
    ids = [
        customer_format.format(n=n) for n in rng.sample(range(100, 100 + customers * 7), customers)
    ]
    people = People(rng, ids, start, end)
    lines = []
    for n, moment in enumerate(order_moments(rng, start, end, orders)):
        customer, rep = people.pick(moment.date()), weighted(rng, reps)
        picked = rng.sample(catalog, k=12)
        seen: set[str] = set()
        for sku, name, category, price, _ in rng.choices(
            picked, weights=[p[4] for p in picked], k=rng.choice(lines_per_order)
        ):
            if sku in seen:
                continue
            seen.add(sku)
            qty = rng.choice((1, 1, 1, 2, 2, 3, 4, 6))
            lines.append(
                ShopLine(
                    moment, str(first_order + n), customer, sku, name, category, qty, price, rep
                )
            )
    return lines


# -------------------- excel_titled


def excel_titled(folder: Path) -> Shape:
    """An accounting system's sales ledger saved as .xlsx: two title rows and a blank row
    above the header, a Total row at the bottom.

    Truth: line revenue is ``Line Total`` (= Qty x Unit Price); the day is ``Invoice Date``
    (real Excel dates); the person is ``Customer`` (a company name); the rep is ``Sales
    Rep``; the Total row is not a sale. Currency: ``GBP`` from the header ``Unit Price
    (GBP)``. No cost, no returns.
    """
    from openpyxl import Workbook

    rng = random.Random(808)
    folder.mkdir(parents=True, exist_ok=True)
    start, end = date(2024, 2, 5), date(2024, 8, 16)
    reps = (
        ("Sarah Collins", 1.6),
        ("Tom Whitaker", 1.1),
        ("Priya Shah", 1.0),
        ("Gareth Evans", 0.8),
    )
    lines = shop_lines(rng, start, end, 430, reps=reps, lines_per_order=(1, 1, 2, 2, 3))
    towns = cols("Leeds,York,Bath,Derby,Kent,Bristol,Surrey,Essex,Devon,Fife")
    kinds = cols("Outdoor Ltd,Adventure Co,Trading Ltd,Outfitters,Sports plc,Camping Centre")
    companies = sorted({f"{rng.choice(towns)} {rng.choice(kinds)}" for _ in range(200)})
    company = {
        c: companies[i % len(companies)]
        for i, c in enumerate(sorted({ln.customer for ln in lines}))
    }
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "Sales"
    sheet.append(["Fellside Wholesale Ltd"])
    sheet.append([f"Sales ledger: invoice lines {start:%d/%m/%Y} to {end:%d/%m/%Y}"])
    sheet.append([])
    sheet.append(
        [
            "Invoice Date",
            "Invoice No",
            "Customer",
            "Product",
            "Category",
            "Qty",
            "Unit Price (GBP)",
            "Line Total",
            "Sales Rep",
        ]
    )
    recs = []
    for ln in lines:
        sheet.append(
            [
                datetime.combine(ln.moment.date(), time()),
                f"INV-{ln.order}",
                company[ln.customer],
                ln.product,
                ln.category,
                ln.qty,
                float(ln.price),
                float(ln.amount),
                ln.rep,
            ]
        )
        sheet.cell(sheet.max_row, 1).number_format = "DD/MM/YYYY"
        recs.append(replace_customer(ln.rec(), company[ln.customer]))
    sheet.append(
        [
            "Total",
            None,
            None,
            None,
            None,
            sum(ln.qty for ln in lines),
            None,
            float(sum((ln.amount for ln in lines), ZERO)),
            None,
        ]
    )
    path = folder / "sales_ledger.xlsx"
    book.save(path)
    stable_zip(path, datetime.combine(end + timedelta(days=1), time(7, 30)))
    return Shape(
        "excel_titled",
        (str(path),),
        truth_of(recs, currency="GBP", category=True, reps={r: (r,) for r, _ in reps}),
        "Accounting ledger in .xlsx: two title rows and a blank row above the header, a "
        "Total row at the bottom, currency only in the header 'Unit Price (GBP)'",
    )


def stable_zip(path: Path, moment: datetime) -> None:
    """Rewrite an .xlsx so its bytes do not depend on when it was saved: openpyxl stamps
    the save time into docProps/core.xml and into every zip entry."""
    stamp = f"{moment:%Y-%m-%dT%H:%M:%SZ}"
    with zipfile.ZipFile(path) as source:
        entries = [(info.filename, source.read(info)) for info in source.infolist()]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as target:
        for name, data in entries:
            if name == "docProps/core.xml":
                data = re.sub(rb"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", stamp.encode(), data)
            info = zipfile.ZipInfo(name, date_time=moment.timetuple()[:6])
            info.compress_type = zipfile.ZIP_DEFLATED
            target.writestr(info, data)


def replace_customer(rec: Rec, customer: str) -> Rec:
    return Rec(rec.day, rec.order, rec.revenue, rec.kind, customer, rec.cost, rec.category, rec.rep)


# -------------------- german_erp

GERMAN_ITEMS = (
    # Artikel, Warengruppe, Einzelpreis
    ("Bürostuhl Ergo Plus", "Büromöbel", "289.00"),
    ("Schreibtisch höhenverstellbar 160x80", "Büromöbel", "649.50"),
    ("Aktenschrank Stahl, abschließbar", "Büromöbel", "412.90"),
    ("Rollcontainer 3 Schübe", "Büromöbel", "159.00"),
    ("Besprechungstisch rund Ø 120", "Büromöbel", "1234.50"),
    ("Laserdrucker LX-200", "Elektronik", "349.00"),
    ("Monitor 27 Zoll QHD", "Elektronik", "279.90"),
    ("Dockingstation USB-C", "Elektronik", "189.00"),
    ("Headset kabellos", "Elektronik", "99.95"),
    ("Tonerkartusche schwarz", "Verbrauchsmaterial", "64.90"),
    ("Kopierpapier A4, 500 Blatt", "Verbrauchsmaterial", "5.49"),
    ("Kugelschreiber blau (10 Stück)", "Verbrauchsmaterial", "7.80"),
    ("Ordner breit, grün", "Verbrauchsmaterial", "2.95"),
    ("Akkuschrauber 18 V", "Werkzeug", "159.00"),
    ("Schraubendreher-Satz 12-tlg.", "Werkzeug", "34.90"),
    ("Wasserwaage 60 cm", "Werkzeug", "21.50"),
)
GERMAN_REPS = (("Müller", 1.7), ("Schröder", 1.1), ("Weiß", 1.0), ("Groß", 0.6))


def german_erp(folder: Path) -> Shape:
    """A German ERP's order-line export: semicolon CSV in cp1252 with CRLF line ends,
    decimal comma and thousands dot ("1.234,50"), dates dd.mm.yyyy, umlauts in headers,
    groups and reps.

    Truth: line revenue is ``Betrag (EUR)`` (= Menge x Einzelpreis); orders are ``Bestell
    Nr.`` (about 665 orders over 1,000 lines); the person is ``Kunden-Nr.``; the category
    is ``Warengruppe`` and the rep ``Verkäufer``, spelled with their umlauts. Currency:
    ``EUR`` from the header. No cost, no returns.
    """
    rng = random.Random(909)
    folder.mkdir(parents=True, exist_ok=True)
    start, end = date(2023, 3, 6), date(2023, 10, 18)
    ids = [str(n) for n in rng.sample(range(20001, 29999), 260)]
    people = People(rng, ids, start, end)
    rows: list[list[str]] = []
    recs: list[Rec] = []
    weights = [
        3.0 if g == "Büromöbel" else 2.0 if g == "Verbrauchsmaterial" else 1.0
        for _, g, _ in GERMAN_ITEMS
    ]
    for n, day in enumerate(order_days(rng, start, end, 665)):
        order, customer, rep = str(400120 + n), people.pick(day), weighted(rng, GERMAN_REPS)
        count = rng.choice((1, 1, 1, 1, 2, 2, 2, 3))
        items = {
            i: GERMAN_ITEMS[i]
            for i in rng.choices(range(len(GERMAN_ITEMS)), weights=weights, k=count)
        }
        for item, group, price_text in items.values():
            price = Decimal(price_text)
            qty = (
                rng.choice((1, 1, 2, 3, 5, 10))
                if group != "Verbrauchsmaterial"
                else rng.choice((5, 10, 20, 50))
            )
            rows.append(
                [
                    order,
                    f"{day:%d.%m.%Y}",
                    customer,
                    item,
                    group,
                    str(qty),
                    german(price),
                    german(qty * price),
                    rep,
                ]
            )
            recs.append(Rec(day, order, qty * price, customer=customer, category=group, rep=rep))
    write_csv(
        folder / "Auftragspositionen.csv",
        cols(
            "Bestell Nr.,Datum,Kunden-Nr.,Artikel,Warengruppe,Menge,Einzelpreis,Betrag (EUR),"
            "Verkäufer"
        ),
        rows,
        delimiter=";",
        encoding="cp1252",
        newline="\r\n",
    )
    return Shape(
        "german_erp",
        (str(folder / "Auftragspositionen.csv"),),
        truth_of(recs, currency="EUR", category=True, reps={r: (r,) for r, _ in GERMAN_REPS}),
        "German ERP export: ';' CSV in cp1252, decimal comma with thousands dot, dd.mm.yyyy, "
        "umlauts in headers and values, currency only in the header 'Betrag (EUR)'",
    )


# -------------------- amount_line_total


def amount_line_total(folder: Path) -> Shape:
    """A hand-rolled shop export with terse lower-case headers, where ``amount`` is the line
    total (qty x unit_price exactly), not a price.

    Truth: line revenue is ``amount`` (multiplying it by ``qty`` again is wrong); the day
    is ``date`` (ISO); orders ``order``; the person ``customer``. No category, rep, cost,
    currency or returns.
    """
    rng = random.Random(1010)
    folder.mkdir(parents=True, exist_ok=True)
    lines = shop_lines(
        rng, date(2022, 5, 9), date(2022, 11, 16), 560, customer_format="CUST-{n:04d}"
    )
    write_csv(
        folder / "sales.csv",
        ("date", "order", "customer", "product", "qty", "unit_price", "amount"),
        [
            [
                f"{ln.moment:%Y-%m-%d}",
                ln.order,
                ln.customer,
                ln.product,
                ln.qty,
                f"{ln.price:.2f}",
                f"{ln.amount:.2f}",
            ]
            for ln in lines
        ],
    )
    return Shape(
        "amount_line_total",
        (str(folder / "sales.csv"),),
        truth_of([ln.rec(category=False, rep=False) for ln in lines], currency=None),
        "Plain shop CSV where 'amount' is the line total (qty x unit_price), not a price "
        "to multiply by qty",
    )


# -------------------- epoch_seconds, epoch_millis


def _epoch(moment: datetime) -> int:
    return int(moment.replace(tzinfo=UTC).timestamp())


def epoch_seconds(folder: Path) -> Shape:
    """An app database dump: ``ts`` as Unix epoch seconds (UTC), integer ids.

    Truth: the day is the UTC date of ``ts``; line revenue is ``qty x price``; the person
    ``customer_id``. No category, rep, cost, currency or returns.
    """
    rng = random.Random(1111)
    folder.mkdir(parents=True, exist_ok=True)
    lines = shop_lines(
        rng,
        date(2023, 1, 16),
        date(2023, 8, 9),
        700,
        first_order=880001,
        customer_format="{n}",
        sku_format="sku_{n}",
    )
    write_csv(
        folder / "order_lines.csv",
        ("ts", "order_id", "customer_id", "sku", "qty", "price"),
        [
            [_epoch(ln.moment), ln.order, ln.customer, ln.sku, ln.qty, f"{ln.price:.2f}"]
            for ln in lines
        ],
    )
    return Shape(
        "epoch_seconds",
        (str(folder / "order_lines.csv"),),
        truth_of([ln.rec(category=False, rep=False) for ln in lines], currency=None),
        "App dump with ts as integer Unix epoch seconds (UTC) next to integer order and "
        "customer ids: the date column looks like an id",
    )


def epoch_millis(folder: Path) -> Shape:
    """The same app dump as Parquet from pandas: ``ts`` in epoch milliseconds (int64) and
    ``customer_id`` as float64 ("17850.0") because some are missing (NaN).

    Truth: the day is the UTC date of ``ts / 1000``; line revenue ``qty x price``; the
    person is ``customer_id`` as a whole number; lines without one count in revenue and
    orders, not in customers. No category, rep, cost, currency or returns.
    """
    import pyarrow as pa
    import pyarrow.parquet as pq

    rng = random.Random(1212)
    folder.mkdir(parents=True, exist_ok=True)
    lines = shop_lines(
        rng,
        date(2024, 3, 18),
        date(2024, 10, 11),
        760,
        first_order=5000001,
        customer_format="{n}",
        sku_format="sku_{n}",
    )
    guests = {ln.order for ln in lines if rng.random() < 0.05}
    table = pa.table(
        {
            "ts": pa.array(
                [_epoch(ln.moment) * 1000 + rng.randint(0, 999) for ln in lines], pa.int64()
            ),
            "order_id": pa.array([int(ln.order) for ln in lines], pa.int64()),
            "customer_id": pa.array(
                [None if ln.order in guests else float(ln.customer) for ln in lines], pa.float64()
            ),
            "sku": pa.array([ln.sku for ln in lines], pa.string()),
            "qty": pa.array([ln.qty for ln in lines], pa.int64()),
            "price": pa.array([float(ln.price) for ln in lines], pa.float64()),
        }
    )
    pq.write_table(table, folder / "order_lines.parquet")
    recs = [
        replace_customer(ln.rec(category=False, rep=False), ln.customer)
        if ln.order not in guests
        else Rec(ln.moment.date(), ln.order, ln.amount)
        for ln in lines
    ]
    return Shape(
        "epoch_millis",
        (str(folder / "order_lines.parquet"),),
        truth_of(recs, currency=None),
        "Parquet from pandas: ts in epoch milliseconds (int64), customer_id as float64 "
        "(17850.0) with NaN for guests",
    )


# -------------------- no_customer


def no_customer(folder: Path) -> Shape:
    """A garden centre's till summary by order line, with no customer column at all.

    Truth: customers, new and returning are ``None`` (the export has no identity, and an
    order id is not a customer); line revenue ``Quantity x Price``; the category is
    ``Category``. No rep, cost, currency or returns.
    """
    rng = random.Random(1313)
    folder.mkdir(parents=True, exist_ok=True)
    lines = shop_lines(rng, date(2021, 5, 10), date(2021, 10, 20), 620, first_order=310001)
    write_csv(
        folder / "orders.csv",
        ("Date", "Order ID", "Product", "Category", "Quantity", "Price"),
        [
            [f"{ln.moment:%Y-%m-%d}", ln.order, ln.product, ln.category, ln.qty, f"{ln.price:.2f}"]
            for ln in lines
        ],
    )
    return Shape(
        "no_customer",
        (str(folder / "orders.csv"),),
        truth_of(
            [ln.rec(customer=False, rep=False) for ln in lines],
            currency=None,
            customers=False,
            category=True,
        ),
        "Order lines with no customer column at all: customers must be absent, not "
        "guessed from orders",
    )


# -------------------- overlapping_exports

OVERLAP_HEADER = cols(
    "Order Date,Order Number,Customer Email,SKU,Product,Category,Quantity,Unit Price"
)


def overlapping_exports(folder: Path) -> Shape:
    """Three exports of the same shop pulled a few months apart, each reaching back a week
    into the previous one: the overlapping lines are identical in both files.

    Truth: every line counts once, however many files hold it; line revenue ``Quantity x
    Unit Price``; the person ``Customer Email``; the category ``Category``. No exact copies
    inside any one file. No rep, cost, currency or returns.
    """
    rng = random.Random(1414)
    folder.mkdir(parents=True, exist_ok=True)
    start, end = date(2024, 1, 3), date(2024, 7, 24)
    lines = shop_lines(
        rng, start, end, 900, first_order=2001, customer_format="shopper{n}@mail.example"
    )
    windows = (
        (start, date(2024, 3, 8)),
        (date(2024, 3, 1), date(2024, 5, 10)),
        (date(2024, 5, 3), end),
    )
    inputs = []
    for first, last in windows:
        path = folder / f"orders_{first:%Y-%m-%d}_{last:%Y-%m-%d}.csv"
        write_csv(
            path,
            OVERLAP_HEADER,
            [
                [
                    f"{ln.moment:%Y-%m-%d %H:%M}",
                    ln.order,
                    ln.customer,
                    ln.sku,
                    ln.product,
                    ln.category,
                    ln.qty,
                    f"{ln.price:.2f}",
                ]
                for ln in lines
                if first <= ln.moment.date() <= last
            ],
        )
        inputs.append(str(path))
    return Shape(
        "overlapping_exports",
        tuple(inputs),
        truth_of([ln.rec(rep=False) for ln in lines], currency=None, category=True),
        "Three stacked exports whose date ranges overlap by a week with identical lines: "
        "those count once",
    )


# -------------------- clean_duplicates


def clean_duplicates(folder: Path) -> Shape:
    """A clean order-lines export in which about 2% of the lines are exact copies of the
    line before (the same product scanned twice into one order).

    Truth: the copies are real sales and count in revenue (orders and customers do not
    change); line revenue ``quantity x unit_price``; the rep is ``sales_rep``. No cost,
    currency or returns.
    """
    rng = random.Random(1515)
    folder.mkdir(parents=True, exist_ok=True)
    reps = (("Alvarez", 1.5), ("Brennan", 1.0), ("Chowdhury", 1.0), ("Dubois", 0.7))
    lines = shop_lines(
        rng, date(2022, 9, 12), date(2023, 4, 13), 1000, first_order=70001, reps=reps
    )
    doubled: list[ShopLine] = []
    for ln in lines:
        doubled.append(ln)
        if rng.random() < 0.02:
            doubled.append(ln)
    write_csv(
        folder / "order_lines.csv",
        cols(
            "order_date,order_id,customer_id,product_id,product_name,category,quantity,unit_price,"
            "sales_rep"
        ),
        [
            [
                f"{ln.moment:%Y-%m-%d}",
                ln.order,
                ln.customer,
                ln.sku,
                ln.product,
                ln.category,
                ln.qty,
                f"{ln.price:.2f}",
                ln.rep,
            ]
            for ln in doubled
        ],
    )
    return Shape(
        "clean_duplicates",
        (str(folder / "order_lines.csv"),),
        truth_of(
            [ln.rec() for ln in doubled],
            currency=None,
            category=True,
            reps={r: (r,) for r, _ in reps},
        ),
        "Clean CSV with ~2% exact duplicate lines that are real (the same product twice in "
        "an order): they count",
    )


# -------------------- salesforce_opps

SF_OWNERS = (
    ("Jessica Park", 1.5),
    ("Marcus Reed", 1.0),
    ("Elena Petrova", 1.0),
    ("David Okafor", 0.8),
    ("Hannah Weiss", 0.7),
)
SF_OPEN_STAGES = (
    "Prospecting",
    "Qualification",
    "Needs Analysis",
    "Proposal/Price Quote",
    "Negotiation/Review",
)


def salesforce_opps(folder: Path) -> Shape:
    """A Salesforce opportunities report exported as CSV (details only).

    Truth: only ``Closed Won`` opportunities are sales: revenue is their ``Amount``,
    orders are their count (each ``Opportunity ID`` once), the day is ``Close Date``
    (m/d/yyyy), not ``Created Date``; ``Closed Lost`` and open stages (Prospecting ...
    Negotiation/Review, with expected close dates after the last won deal) are excluded
    and do not extend the data's range. The person is ``Account Name``; the rep is
    ``Opportunity Owner``. ``Probability (%)`` is the stage's win chance, not a discount.
    No category, cost, currency or returns.
    """
    rng = random.Random(1616)
    folder.mkdir(parents=True, exist_ok=True)
    start, end = date(2023, 9, 11), date(2024, 4, 12)
    words = cols(
        "Acme,Globex,Initech,Umbrella,Stark,Wayne,Wonka,Hooli,Vandelay,Soylent,Cyberdyne,Tyrell,"
        "Massive,Pied Piper,Aperture,Gringotts"
    )
    forms = ("Corp", "Inc.", "Industries", "Group", "Ltd", "Logistics", "Health", "Foods")
    accounts = sorted({f"{rng.choice(words)} {rng.choice(forms)}" for _ in range(170)})
    people = People(rng, accounts, start, end, before=0.5)
    products = ("Platform Licence", "Expansion", "Renewal", "Services", "Support Upgrade", "Pilot")
    rows: list[list[str]] = []
    recs: list[Rec] = []
    closed = order_days(rng, start, end, 380)
    pending = [day_in(rng, date(2024, 4, 15), date(2024, 6, 14)) for _ in range(90)]
    for day, stage in [(d, "") for d in closed] + [(d, "open") for d in pending]:
        account, owner = people.pick(min(day, end)), weighted(rng, SF_OWNERS)
        if stage == "":
            stage = "Closed Won" if rng.random() < 0.55 else "Closed Lost"
        else:
            stage = rng.choice(SF_OPEN_STAGES)
        probability = {
            "Closed Won": 100,
            "Closed Lost": 0,
            "Prospecting": 10,
            "Qualification": 10,
            "Needs Analysis": 20,
            "Proposal/Price Quote": 75,
            "Negotiation/Review": 90,
        }[stage]
        amount = Decimal(rng.choice((5, 8, 12, 15, 20, 25, 40, 60, 90))) * 1000 + Decimal(
            rng.choice((0, 0, 500, 250))
        )
        kind = rng.choice(
            ("New Customer", "Existing Customer - Upgrade", "Existing Customer - Replacement")
        )
        opp = f"006{alnum(rng, 12)}{rng.choice(('AAA', 'AAQ', 'QAS', 'IAW'))}"
        created = day - timedelta(days=rng.randint(12, 150))
        fiscal = f"Q{(day.month - 1) // 3 + 1}-{day.year}"
        rows.append(
            [
                opp,
                f"{account} - {rng.choice(products)}",
                account,
                stage,
                mdy(day),
                f"{amount:.2f}",
                str(probability),
                owner,
                rng.choice(("Web", "Phone Inquiry", "Partner Referral", "Purchased List", "Other")),
                kind,
                mdy(created),
                fiscal,
            ]
        )
        recs.append(
            Rec(
                day,
                opp,
                amount,
                "sale" if stage == "Closed Won" else "excluded",
                account,
                rep=owner,
            )
        )
    rng.shuffle(rows)
    write_csv(
        folder / "report1712345678901.csv",
        cols(
            "Opportunity ID,Opportunity Name,Account Name,Stage,Close Date,Amount,Probability (%),"
            "Opportunity Owner,Lead Source,Type,Created Date,Fiscal Period"
        ),
        rows,
    )
    return Shape(
        "salesforce_opps",
        (str(folder / "report1712345678901.csv"),),
        truth_of(recs, currency=None, reps={r: (r,) for r, _ in SF_OWNERS}),
        "Salesforce opportunities: only Closed Won is revenue; Closed Lost and open stages "
        "with future Close Dates are not; Created Date beside Close Date; Probability (%)",
    )


# -------------------- pos_receipts

POS_MENU = (
    # Item, Category, price, cost of goods
    ("Flat White", "Coffee", "4.50", "0.95"),
    ("Cappuccino", "Coffee", "4.20", "0.90"),
    ("Latte", "Coffee", "4.60", "1.00"),
    ("Espresso", "Coffee", "2.80", "0.45"),
    ("Cold Brew", "Coffee", "5.00", "1.10"),
    ("Chai Latte", "Tea", "4.40", "1.05"),
    ("Earl Grey", "Tea", "3.20", "0.40"),
    ("Matcha Latte", "Tea", "5.20", "1.60"),
    ("Croissant", "Bakery", "3.50", "1.20"),
    ("Cinnamon Bun", "Bakery", "3.90", "1.30"),
    ("Banana Bread", "Bakery", "3.60", "1.10"),
    ("Ham & Cheese Toastie", "Sandwiches", "7.50", "3.10"),
    ("Avocado Sourdough", "Sandwiches", "9.80", "3.90"),
    ("Beans 250g", "Merchandise", "14.00", "7.50"),
    ("Keep Cup", "Merchandise", "18.00", "8.00"),
)
POS_STAFF = (("Ana", 1.6), ("Ben", 1.0), ("Chloe", 1.1), ("Dev", 0.7))


def pos_receipts(folder: Path) -> Shape:
    """A café's point-of-sale "receipts by item" export (Loyverse-like).

    Truth: line revenue is ``Net sales`` (= Gross sales - Discounts, the discount an
    amount); refunds are rows of ``Type`` ``Refund`` with POSITIVE numbers: they are
    returns (minus their Net sales) and never orders, and their cost of goods comes back;
    gross margin = (revenue - cost of goods) / revenue with those signs (= signed Gross
    profit / signed Net sales). The day is ``Date`` (MM/DD/YYYY; ``Time`` beside it); the
    person is ``Customer name`` where given (walk-ins have none); the rep is
    ``Employee``. No currency stated.
    """
    rng = random.Random(1717)
    folder.mkdir(parents=True, exist_ok=True)
    start, end = date(2024, 4, 3), date(2024, 11, 13)
    regulars = sorted({f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}" for _ in range(140)})
    people = People(rng, regulars, start, end, before=0.4)
    weights = [3.0 if cat == "Coffee" else 1.0 for _, cat, _, _ in POS_MENU]
    rows: list[list[str]] = []
    recs: list[Rec] = []
    sold: list[tuple[date, str | None, list[str], Rec]] = []
    number = 1000
    for moment in order_moments(rng, start, end, 1150, 7, 16):
        number += 1
        day = moment.date()
        receipt, staff = f"1-{number}", weighted(rng, POS_STAFF)
        customer = people.pick(day) if rng.random() < 0.4 else None
        payment = rng.choice(("Card", "Card", "Cash"))
        picks = {
            i: POS_MENU[i]
            for i in rng.choices(
                range(len(POS_MENU)), weights=weights, k=rng.choice((1, 1, 2, 2, 3))
            )
        }
        for item, category, price_text, cost_text in picks.values():
            qty = rng.choice((1, 1, 1, 2))
            gross = Decimal(price_text) * qty
            discount = (
                (gross * Decimal("0.1")).quantize(CENT) if customer and rng.random() < 0.3 else ZERO
            )
            net, cost = gross - discount, Decimal(cost_text) * qty
            cells = [
                receipt,
                f"{day:%m/%d/%Y}",
                f"{moment:%H:%M}",
                "Sale",
                staff,
                customer or "",
                item,
                category,
                str(qty),
                f"{gross:.2f}",
                f"{discount:.2f}",
                f"{net:.2f}",
                f"{cost:.2f}",
                f"{net - cost:.2f}",
                payment,
            ]
            rows.append(cells)
            rec = Rec(day, receipt, net, "sale", customer, cost, category, staff)
            recs.append(rec)
            sold.append((day, customer, cells, rec))
    refunds = sorted(rng.sample(sold[:-20], 45), key=lambda s: s[0])
    for day, customer, cells, rec in refunds:
        number += 1
        back = day + timedelta(days=rng.choice((0, 0, 1, 2)))
        staff = weighted(rng, POS_STAFF)
        refund = [
            f"1-{number}",
            f"{back:%m/%d/%Y}",
            f"{rng.randint(7, 16)}:{rng.randint(0, 59):02d}",
            "Refund",
            staff,
            *cells[5:],
        ]
        rows.append(refund)
        recs.append(
            Rec(
                back,
                refund[0],
                -rec.revenue,
                "return",
                customer,
                -(rec.cost or ZERO),
                rec.category,
                staff,
            )
        )
    rows.sort(key=lambda r: (datetime.strptime(r[1], "%m/%d/%Y"), r[2], r[0]), reverse=True)
    write_csv(
        folder / "receipts-by-item.csv",
        cols(
            "Receipt number,Date,Time,Type,Employee,Customer name,Item,Category,Quantity,"
            "Gross sales,Discounts,Net sales,Cost of goods,Gross profit,Payment type"
        ),
        rows,
    )
    return Shape(
        "pos_receipts",
        (str(folder / "receipts-by-item.csv"),),
        truth_of(
            recs, currency=None, cost=True, category=True, reps={r: (r,) for r, _ in POS_STAFF}
        ),
        "Loyverse-like POS receipts: refunds are Type=Refund rows with positive numbers, "
        "Gross sales vs Discounts vs Net sales, cost of goods per line, walk-ins without a name",
    )


# -------------------- the registry

SHAPES: dict[str, Callable[[Path], Shape]] = {
    fn.__name__: fn
    for fn in (
        erp_crm,
        marketplace,
        northwind_sqlite,
        online_retail,
        superstore,
        shopify_orders,
        stripe_payments,
        excel_titled,
        german_erp,
        amount_line_total,
        epoch_seconds,
        epoch_millis,
        no_customer,
        overlapping_exports,
        clean_duplicates,
        salesforce_opps,
        pos_receipts,
    )
}
