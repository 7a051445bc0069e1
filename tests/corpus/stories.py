"""Stories: year-long exports with the effects a report must read right, planted on purpose.

The shapes in :mod:`tests.corpus.shapes` cover a few months each; the claims a report makes
about a season, a trend, a holiday, a one-off order or a squeezed margin need a year of data
or more. Each story follows the shapes' truth rules (read that module's docstring) and uses
its helpers; it returns a :class:`Story`, a ``Shape`` that also says what was planted, so a
test can check how the report treats each effect:

- ``uk_wholesaler``: UCI Online Retail's invoice lines over 2010-12-01..2011-12-09 (GBP,
  not stated): closed on Saturdays, over Christmas and New Year and on England's bank
  holidays of 2011 (Easter, the royal wedding, May, spring and summer); a Christmas peak;
  one spike day carried two thirds by one customer; credit notes.
- ``marketplace_two_years``: Olist's files over 2016-10..2018-08 (the last month holds 9
  days), about 800 sellers, a customer id per order and a unique id per person (few come
  back), Portuguese categories with their translation, payments that include freight, and
  an ad-spend table whose channels are none of the sales data's.
- ``b2b_distributor``: a Superstore-like distributor export with a sales rep over
  2022-01..2023-11, about two orders a working day: the latest quarter's revenue up about
  40% with gross profit flat (deep discounts in one category), a big order entered at
  23:58 on a quarter's last day and cancelled three minutes later, a copier ordered once
  in the quarter before, Easter baskets sold only from February to mid April.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from itertools import accumulate
from pathlib import Path

from tests.corpus.shapes import (
    CENT,
    LAST_NAMES,
    OLIST_CATEGORIES,
    OLIST_ITEMS_HEADER,
    OLIST_ORDERS_HEADER,
    RETAIL_ITEMS,
    SUPERSTORE_CATALOG,
    SUPERSTORE_PLACES,
    ZERO,
    Kind,
    People,
    Rec,
    Shape,
    cols,
    hex_id,
    latest_complete_quarter,
    margin_between,
    money,
    olist_order,
    previous_quarter,
    quarter_bounds,
    quarter_of,
    shop_price,
    truth_of,
    weighted,
    write_csv,
    write_olist_catalog,
)


@dataclass(frozen=True)
class Planted:
    """What a story planted, for the tests to find in the report. Empty where not planted."""

    closures: tuple[date, ...] = ()  # days it usually trades, shut around a public holiday
    holidays: tuple[date, ...] = ()  # the public holidays among them (the calendar's days)
    country_share: float | None = None  # revenue share of the main country, all data
    spike: date | None = None
    spike_customer: str | None = None
    spike_share: float | None = None  # of that day's revenue
    seasonal_product: str | None = None  # product id, sold only in ``season`` each year
    season: tuple[tuple[int, int], tuple[int, int]] | None = None  # (month, day) from, to
    cancelled_orders: tuple[str, str] | None = None  # the order and its cancellation
    cancelled_product: str | None = None
    cancelled_amount: float | None = None
    thin_product: str | None = None  # one order in the quarter before the truth quarter
    squeeze_category: str | None = None
    revenue_growth: float | None = None  # truth quarter against the one before, a fraction
    profit_growth: float | None = None
    margins: tuple[float, float] | None = None  # gross margin: quarter before, truth quarter
    partial_month: date | None = None  # first day of the last month of data
    partial_days: int | None = None  # days of it in the data
    side_channels: tuple[str, ...] = ()  # channels of a side table the sales do not have


@dataclass(frozen=True)
class Story(Shape):
    planted: Planted


def quarter_change(recs: list[Rec], field: str) -> float:
    """Growth of revenue (``field`` "revenue") or gross profit ("profit") from the quarter
    before the truth quarter to it, as a fraction."""
    accepted = [r for r in recs if r.kind != "excluded"]
    _, q_start, q_end = latest_complete_quarter(
        min(r.day for r in accepted), max(r.day for r in accepted)
    )
    p_start, p_end = quarter_bounds(*previous_quarter(*quarter_of(q_start)))

    def total(start: date, end: date) -> Decimal:
        inside = [r for r in accepted if start <= r.day <= end]
        if field == "revenue":
            return sum((r.revenue for r in inside), ZERO)
        return sum((r.revenue - (r.cost or ZERO) for r in inside), ZERO)

    return float(total(q_start, q_end) / total(p_start, p_end) - 1)


def poisson(rng: random.Random, mean: float) -> int:
    """A Poisson count (Knuth's method for small means, a rounded normal above 30)."""
    if mean > 30:
        return max(0, round(rng.gauss(mean, mean**0.5)))
    limit, k, p = pow(2.718281828459045, -mean), 0, 1.0
    while True:
        p *= rng.random()
        if p <= limit:
            return k
        k += 1


def every_day(start: date, end: date) -> list[date]:
    return [start + timedelta(days=i) for i in range((end - start).days + 1)]


# -------------------- uk_wholesaler

# England's bank holidays in the data (the calendar's days, written out) and the days the
# wholesaler stayed shut around them: the real file has no invoice from 24 December 2010 to
# 3 January 2011, nor on any of these.
UK_HOLIDAYS = (
    date(2010, 12, 27),  # Christmas Day (observed)
    date(2010, 12, 28),  # Boxing Day (observed)
    date(2011, 1, 3),  # New Year's Day (observed)
    date(2011, 4, 22),  # Good Friday
    date(2011, 4, 25),  # Easter Monday
    date(2011, 4, 29),  # Wedding of William and Catherine
    date(2011, 5, 2),  # May Day
    date(2011, 5, 30),  # Spring Bank Holiday
    date(2011, 8, 29),  # Late Summer Bank Holiday
)
UK_CHRISTMAS_SHUT = (date(2010, 12, 24), date(2011, 1, 3))
# invoices a trading day, by month: the Christmas peak of a gift wholesaler
UK_MONTH = {1: 0.8, 2: 0.75, 3: 0.95, 4: 0.8, 5: 1.0, 6: 0.95, 7: 0.95, 8: 1.0}
UK_MONTH |= {9: 1.4, 10: 1.55, 11: 1.95, 12: 1.35}
UK_WEEKDAY = (1.0, 1.0, 1.05, 1.1, 0.85, 0.0, 0.55)  # Monday..Sunday: shut on Saturday
UK_COUNTRIES = (
    ("United Kingdom", 93),
    ("Germany", 1.6),
    ("France", 1.6),
    ("EIRE", 1.2),
    ("Spain", 0.6),
    ("Netherlands", 0.5),
    ("Belgium", 0.6),
    ("Switzerland", 0.4),
    ("Portugal", 0.5),
)
UK_SPIKE = date(2011, 9, 20)  # a Tuesday
UK_SPIKE_CUSTOMER = "17450"
UK_NON_MERCH = ("POST", "DOT", "M", "BANK CHARGES", "C2")


def _uci(moment: datetime) -> str:
    return f"{moment.month}/{moment.day}/{moment.year} {moment.hour}:{moment.minute:02d}"


def uk_wholesaler(folder: Path) -> Story:
    """UCI Online Retail over 13 months: the truth rules of ``online_retail``.

    Truth: line revenue is ``Quantity x UnitPrice``, the day is ``InvoiceDate``; "C"
    invoices are credit notes (returns, never orders); POST, DOT, M, BANK CHARGES and C2
    lines stay in revenue; ``CustomerID`` is float text, empty on about one invoice in
    eight. No category, rep, cost or stated currency.

    Planted: no invoice on Saturdays, from 24 December 2010 to 3 January 2011, nor on
    England's bank holidays of 2011; invoices a day rise from September to a November
    peak; on ``UK_SPIKE`` customer ``UK_SPIKE_CUSTOMER`` buys twice what everyone else
    buys that day (two thirds of it). The United Kingdom holds over 90% of revenue.
    """
    rng = random.Random(1701)
    folder.mkdir(parents=True, exist_ok=True)
    start, end = date(2010, 12, 1), date(2011, 12, 9)
    ids = sorted({str(c) for c in rng.sample(range(12346, 18288), 1700)} | {UK_SPIKE_CUSTOMER})
    people = People(rng, ids, start, end, before=0.3)
    country = {c: weighted(rng, UK_COUNTRIES) for c in ids}
    country[UK_SPIKE_CUSTOMER] = "United Kingdom"
    shut = set(UK_HOLIDAYS) | set(every_day(*UK_CHRISTMAS_SHUT))
    trading = [d for d in every_day(start, end) if d.weekday() != 5 and d not in shut]

    Lines = list[tuple[str, str, int, Decimal]]
    events: list[tuple[datetime, bool, str | None, Lines]] = []
    history: list[tuple[date, str, Lines]] = []
    day_revenue: dict[date, Decimal] = {}

    def basket(customer: str | None, where: str) -> Lines:
        lines: Lines = []
        for code, desc, price_text in rng.sample(RETAIL_ITEMS, k=rng.randint(2, 9)):
            qty = rng.choice((1, 2, 3, 4, 6, 6, 8, 10, 12, 12, 24, 24, 36, 48))
            lines.append((code, desc, qty, Decimal(price_text)))
        if customer is None and rng.random() < 0.5:
            lines.append(("DOT", "DOTCOM POSTAGE", 1, money(rng, "11.50", "160.00")))
        if where not in ("United Kingdom", "EIRE") and rng.random() < 0.7:
            lines.append(("POST", "POSTAGE", rng.randint(1, 3), Decimal("18.00")))
        if where == "EIRE" and rng.random() < 0.5:
            lines.append(("C2", "CARRIAGE", 1, Decimal("50.00")))
        if rng.random() < 0.02:
            lines.append(("M", "Manual", 1, money(rng, "0.85", "65.00")))
        if rng.random() < 0.01:
            lines.append(("BANK CHARGES", "Bank Charges", 1, Decimal("15.00")))
        return lines

    for day in trading:
        mean = 20 * UK_MONTH[day.month] * UK_WEEKDAY[day.weekday()]
        count = round(mean) if day == UK_SPIKE else max(1, poisson(rng, mean))
        for _ in range(count):
            customer = None if rng.random() < 0.12 else people.pick(day)
            if customer == UK_SPIKE_CUSTOMER and day == UK_SPIKE:
                customer = None
            where = country[customer] if customer else "United Kingdom"
            lines = basket(customer, where)
            moment = datetime.combine(day, time(rng.randint(7, 19), rng.randint(0, 59)))
            events.append((moment, False, customer, lines))
            day_revenue[day] = day_revenue.get(day, ZERO) + sum(q * p for _, _, q, p in lines)
            if customer:
                history.append((day, customer, lines))
    # the spike: one customer's three invoices, twice the rest of the day
    others = day_revenue[UK_SPIKE]
    big = [i for i in RETAIL_ITEMS if Decimal(i[2]) >= Decimal("2.5")]
    spent = ZERO
    for hour in (9, 11, 14):
        lines = []
        while spent < 2 * others * hour / 14:
            code, desc, price_text = rng.choice(big)
            qty = rng.choice((48, 96, 144, 200))
            lines.append((code, desc, qty, Decimal(price_text)))
            spent += qty * Decimal(price_text)
        events.append((datetime.combine(UK_SPIKE, time(hour, 12)), False, UK_SPIKE_CUSTOMER, lines))
    # credit notes for about one invoice in forty, on a later trading day
    for day, customer, bought in rng.sample(history, k=len(history) // 40):
        later = [d for d in trading if day < d <= day + timedelta(days=30)]
        if not later:
            continue
        merch = [ln for ln in bought if ln[0] not in UK_NON_MERCH]
        lines = [
            (c, d, -rng.randint(1, q), p) for c, d, q, p in rng.sample(merch, k=min(2, len(merch)))
        ]
        moment = datetime.combine(rng.choice(later), time(rng.randint(8, 18), rng.randint(0, 59)))
        events.append((moment, True, customer, lines))
    events.sort(key=lambda e: e[0])

    rows: list[list[object]] = []
    recs: list[Rec] = []
    by_country: dict[str, Decimal] = {}
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
                    _uci(moment),
                    str(float(price)),
                    f"{customer}.0" if customer else "",
                    where,
                ]
            )
            kind: Kind = "return" if credit else "sale"
            recs.append(Rec(moment.date(), invoice, qty * price, kind, customer))
            by_country[where] = by_country.get(where, ZERO) + qty * price
    write_csv(
        folder / "online_retail_II.csv",
        cols("InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice,CustomerID,Country"),
        rows,
    )
    uk_share = float(by_country["United Kingdom"] / sum(by_country.values()))
    if uk_share < 0.9:
        raise ValueError(f"the United Kingdom holds only {uk_share:.1%} of revenue")
    spike_day = sum((r.revenue for r in recs if r.day == UK_SPIKE), ZERO)
    leader = sum(
        (r.revenue for r in recs if r.day == UK_SPIKE and r.customer == UK_SPIKE_CUSTOMER), ZERO
    )
    return Story(
        "uk_wholesaler",
        (str(folder / "online_retail_II.csv"),),
        truth_of(recs, currency=None),
        "UCI Online Retail over 13 months: closed Saturdays, at Christmas and on England's "
        "bank holidays, a November peak, one customer's spike day, credit notes",
        Planted(
            closures=tuple(sorted(d for d in shut if d.weekday() != 5)),
            holidays=UK_HOLIDAYS,
            country_share=round(uk_share, 4),
            spike=UK_SPIKE,
            spike_customer=UK_SPIKE_CUSTOMER,
            spike_share=round(float(leader / spike_day), 4),
        ),
    )


# -------------------- marketplace_two_years

MP_START, MP_END = date(2016, 10, 3), date(2018, 8, 9)
MP_BLACK_FRIDAY = date(2017, 11, 24)
MP_WEEKDAY = (1.1, 1.1, 1.05, 1.0, 0.95, 0.8, 0.9)  # Monday..Sunday
MP_PAYMENTS = (("credit_card", 74), ("boleto", 19), ("voucher", 4), ("debit_card", 3))
# the ad-spend export names the networks the money went to; the sales data has no channel
MP_AD_CHANNELS = (
    ("Google Ads", 420, 8.0),
    ("Facebook Ads", 260, 11.0),
    ("Instagram", 150, 13.0),
    ("Criteo", 90, 6.0),
)


def _ts(moment: datetime) -> str:
    return moment.isoformat(sep=" ")


def _orders_a_day(day: date) -> float:
    """The marketplace's orders a day: from 5 to 35 over its first fifteen months, then flat."""
    months = (day - MP_START).days / 30.4
    level = 5 + 30 * min(1.0, months / 15)
    return level * MP_WEEKDAY[day.weekday()] * (5 if day == MP_BLACK_FRIDAY else 1)


def marketplace_two_years(folder: Path) -> Story:
    """Olist over 22 months: the truth rules of ``marketplace`` (item ``price`` is the line
    revenue, freight and payments are not, ``canceled`` orders are excluded, the person
    is ``customer_unique_id``, the category the English name of the translation file),
    and an ad-spend table passed beside them. ``olist_order_payments_dataset.csv`` (one row
    per payment, freight included; a voucher and a card make two rows for one order) is
    passed too, as a user passes the whole folder: it is no lookup table of the orders and
    must be set aside, not joined.

    Planted: August 2018 holds 9 days (to 9 August); about 800 sellers; one order in
    twenty-five comes from a person who bought before; Black Friday 2017 five times a
    usual day; the ad spend's channels (Google Ads, Facebook Ads ...) name none of the
    sales data's columns. No cost, rep, returns or stated currency (it is BRL).
    """
    rng = random.Random(2016)
    folder.mkdir(parents=True, exist_ok=True)
    sellers = [hex_id(rng) for _ in range(800)]
    seller_weights = list(accumulate(rng.paretovariate(1.1) for _ in sellers))
    products: list[tuple[str, int, Decimal]] = []
    for ci, (_, _, weight, low, high) in enumerate(OLIST_CATEGORIES):
        for _ in range(int(weight * 12) + 4):
            products.append((hex_id(rng), ci, shop_price(rng, low, high)))
    pweights = list(
        accumulate(OLIST_CATEGORIES[ci][2] * rng.uniform(0.2, 1.8) for _, ci, _ in products)
    )
    english = {pt: en or pt for pt, en, *_ in OLIST_CATEGORIES}
    home_cities = [f"{rng.randint(1000, 99999):05d}" for _ in range(300)]

    orders_rows: list[list[object]] = []
    items_rows: list[list[object]] = []
    customer_rows: list[list[object]] = []
    payment_rows: list[list[object]] = []
    recs: list[Rec] = []
    persons: list[str] = []
    for day in every_day(MP_START, MP_END):
        for _ in range(poisson(rng, _orders_a_day(day))):
            order, customer_id = hex_id(rng), hex_id(rng)
            if persons and rng.random() < 0.04:
                person = rng.choice(persons)
            else:
                person = hex_id(rng)
                persons.append(person)
            bought = datetime.combine(day, time(rng.randint(0, 23), rng.randint(0, 59)))
            status = weighted(
                rng, (("delivered", 97), ("canceled", 0.7), ("shipped", 1.1), ("invoiced", 0.4))
            )
            if (MP_END - day).days < 12:
                status = weighted(
                    rng, (("shipped", 5), ("invoiced", 3), ("delivered", 2), ("canceled", 0.3))
                )
            row, approved = olist_order(rng, order, customer_id, status, bought)
            orders_rows.append(row)
            zip_code = rng.choice(home_cities)
            customer_rows.append([customer_id, person, zip_code])
            kind: Kind = "excluded" if status == "canceled" else "sale"
            item, paid, limit = 0, ZERO, _ts(approved + timedelta(days=6))
            for _ in range(rng.choice((1, 1, 1, 1, 1, 1, 2, 2, 3))):
                pid, ci, price = rng.choices(products, cum_weights=pweights)[0]
                seller = rng.choices(sellers, cum_weights=seller_weights)[0]
                freight = money(rng, "7.39", "45.00")
                for _ in range(rng.choice((1, 1, 1, 1, 1, 2))):
                    item += 1
                    paid += price + freight
                    items_rows.append(
                        [
                            order,
                            item,
                            pid,
                            seller,
                            limit,
                            f"{price:.2f}",
                            f"{freight:.2f}",
                        ]
                    )
                    category = english[OLIST_CATEGORIES[ci][0]]
                    recs.append(Rec(day, order, price, kind, person, category=category))
            method = weighted(rng, MP_PAYMENTS)
            if method == "voucher":  # a voucher covers part, a card the rest
                part = (paid * Decimal(rng.uniform(0.1, 0.5))).quantize(CENT)
                payment_rows.append([order, 1, "voucher", 1, f"{part:.2f}"])
                payment_rows.append(
                    [order, 2, "credit_card", rng.randint(1, 6), f"{paid - part:.2f}"]
                )
            else:
                installments = rng.randint(1, 10) if method == "credit_card" else 1
                payment_rows.append([order, 1, method, installments, f"{paid:.2f}"])
    rng.shuffle(orders_rows)
    rng.shuffle(customer_rows)
    write_csv(folder / "olist_orders_dataset.csv", OLIST_ORDERS_HEADER, orders_rows)
    write_csv(folder / "olist_order_items_dataset.csv", OLIST_ITEMS_HEADER, items_rows)
    write_csv(
        folder / "olist_customers_dataset.csv",
        ("customer_id", "customer_unique_id", "customer_zip_code_prefix"),
        customer_rows,
    )
    write_csv(
        folder / "olist_order_payments_dataset.csv",
        cols("order_id,payment_sequential,payment_type,payment_installments,payment_value"),
        payment_rows,
    )
    write_olist_catalog(
        rng,
        products,
        folder / "olist_products_dataset.csv",
        folder / "product_category_name_translation.csv",
        sizes=False,
    )
    ad_rows = []
    for day in every_day(MP_START, MP_END):
        for channel, daily, cpc in MP_AD_CHANNELS:
            spend = Decimal(daily * rng.uniform(0.7, 1.3) * (0.4 + _orders_a_day(day) / 35))
            clicks = int(spend / Decimal(cpc * rng.uniform(0.8, 1.2)))
            ad_rows.append(
                [day.isoformat(), channel, f"{spend:.2f}", clicks * rng.randint(25, 60), clicks]
            )
    write_csv(folder / "ad_spend.csv", cols("date,channel,spend,impressions,clicks"), ad_rows)
    files = (
        "olist_order_items_dataset.csv",
        "olist_orders_dataset.csv",
        "olist_customers_dataset.csv",
        "olist_products_dataset.csv",
        "product_category_name_translation.csv",
        "olist_order_payments_dataset.csv",
        "ad_spend.csv",
    )
    return Story(
        "marketplace_two_years",
        tuple(str(folder / f) for f in files),
        truth_of(recs, currency=None, category=True),
        "Olist over 22 months with an ad-spend table: the last month holds 9 days, few "
        "customers come back, freight is not revenue, ad channels the sales data does not "
        "have; the whole folder is passed, payments (several rows for some orders) too",
        Planted(
            partial_month=date(2018, 8, 1),
            partial_days=9,
            side_channels=tuple(c for c, *_ in MP_AD_CHANNELS),
        ),
    )


# -------------------- b2b_distributor

B2B_START, B2B_END = date(2022, 1, 3), date(2023, 11, 17)
B2B_SHUT = (  # the distributor's holidays on weekdays
    date(2022, 5, 30),
    date(2022, 7, 4),
    date(2022, 9, 5),
    date(2022, 11, 24),
    date(2022, 11, 25),
    date(2022, 12, 26),
    date(2023, 1, 2),
    date(2023, 5, 29),
    date(2023, 7, 4),
    date(2023, 9, 4),
)
B2B_REPS = (
    ("Dana Whitfield", 1.7),
    ("Marcus Ortega", 1.1),
    ("Priya Raman", 1.0),
    ("Tom Becker", 0.8),
    ("Lena Fischer", 0.6),
)
B2B_SEGMENTS = (("Corporate", 6), ("Small Business", 3), ("Government", 1))
B2B_SUFFIXES = ("Supply", "Partners", "Inc.", "LLC", "Group", "Offices", "& Sons")
B2B_SQUEEZE = (date(2023, 7, 1), date(2023, 9, 30))  # the truth quarter
B2B_SQUEEZE_CATEGORY = "Furniture"
B2B_SQUEEZE_DISCOUNTS = ("0.2", "0.25", "0.3")
B2B_PROMOTION = 0.45  # share of the quarter's orders with an extra discounted furniture line
# an order entered at 23:58 on the last day of 2023-Q2 and cancelled at 00:01
B2B_CANCEL = (datetime(2023, 6, 30, 23, 58), datetime(2023, 7, 1, 0, 1))
B2B_THIN = (
    "TEC-CO-10004722",
    "Technology",
    "Copiers",
    "Canon imageCLASS 2200 Advanced Copier",
    Decimal("1799.99"),
    Decimal("1188.00"),
)
B2B_THIN_DAY = date(2023, 5, 16)
B2B_SEASONAL = (
    "OFF-SE-10000312",
    "Office Supplies",
    "Seasonal",
    "Easter Basket Gift Set, Assorted",
    Decimal("24.99"),
    Decimal("14.50"),
)
B2B_SEASON = ((2, 1), (4, 14))  # Easter baskets sell from 1 February to 14 April


def b2b_distributor(folder: Path) -> Story:
    """A B2B office-products distributor's order lines, Superstore's columns and a sales rep.

    Truth: as ``superstore``: line revenue is ``Sales`` (net of the ``Discount`` rate),
    gross margin from ``Profit`` (cost = Sales - Profit), the day is ``Order Date`` (here
    with the time of entry), the person is ``Customer ID``, the rep ``Sales Rep``. A
    cancellation is a line with negative Sales, Quantity and Profit under its own order id:
    a return, never an order. No currency stated.

    Planted: about two orders a working day; in 2023-Q3 Furniture is sold at 20-30% off
    and in larger amounts, so revenue rises about 40% on 2023-Q2 while gross profit barely
    moves; a big order on 30 June 2023 at 23:58 cancelled at 00:01 on 1 July (same customer,
    product and amount); a copier ordered once, in 2023-Q2; Easter baskets sold only from
    February to mid April, in both years.
    """
    rng = random.Random(2023)
    folder.mkdir(parents=True, exist_ok=True)
    accounts: dict[str, tuple[str, str, tuple[str, str, str, str], str]] = {}
    while len(accounts) < 150:
        name = f"{rng.choice(LAST_NAMES)} {rng.choice(B2B_SUFFIXES)}"
        cid = f"{name[:2].upper()}-{rng.randint(10000, 99999)}"
        accounts[cid] = (
            name,
            weighted(rng, B2B_SEGMENTS),
            rng.choice(SUPERSTORE_PLACES),
            weighted(rng, B2B_REPS),
        )
    people = People(rng, sorted(accounts), B2B_START, B2B_END, before=0.5)
    Product = tuple[str, str, str, str, Decimal, Decimal]
    catalog: list[Product] = []
    for cat, sub, code, stems, low, high in SUPERSTORE_CATALOG:
        for stem in stems:
            for variant in ("", ", Black", ", Pack of 2"):
                list_price = money(rng, str(low), str(high))
                cost = (list_price * Decimal(rng.uniform(0.58, 0.7))).quantize(CENT)
                pid = f"{code}-1000{rng.randint(1000, 4999)}"
                catalog.append((pid, cat, sub, stem + variant, list_price, cost))
    if len({p[0] for p in catalog} | {B2B_THIN[0], B2B_SEASONAL[0]}) != len(catalog) + 2:
        raise ValueError("two products share an id")
    furniture = [p for p in catalog if p[1] == B2B_SQUEEZE_CATEGORY]
    big = max((p for p in catalog if p[2] == "Machines"), key=lambda p: p[4])

    def units(product: Product) -> int:
        """Cheap goods go by the box, machines one or two at a time."""
        return rng.randint(1, max(1, min(40, round(700 / float(product[4])))))

    def in_season(day: date) -> bool:
        return B2B_SEASON[0] <= (day.month, day.day) <= B2B_SEASON[1]

    # (moment, order id, customer, lines as (product, quantity, discount))
    orders: list[tuple[datetime, str, str, list[tuple[Product, int, Decimal]]]] = []
    number = 0

    def next_id(day: date) -> str:
        nonlocal number
        number += 1
        return f"DS-{day.year}-{100000 + number}"

    shut = set(B2B_SHUT)
    for day in every_day(B2B_START, B2B_END):
        if day.weekday() >= 5 or day in shut:
            continue
        squeezed = B2B_SQUEEZE[0] <= day <= B2B_SQUEEZE[1]
        for _ in range(poisson(rng, 2.0)):
            moment = datetime.combine(day, time(rng.randint(8, 17), rng.randint(0, 59)))
            lines = []
            for product in rng.sample(catalog, k=rng.choice((1, 1, 2, 2, 3, 4))):
                discount = Decimal(rng.choice(("0", "0", "0", "0.1", "0.2")))
                if squeezed and product[1] == B2B_SQUEEZE_CATEGORY:
                    discount = Decimal(rng.choice(B2B_SQUEEZE_DISCOUNTS))
                lines.append((product, units(product), discount))
            if squeezed and rng.random() < B2B_PROMOTION:  # furniture pushed at a deep discount
                product = rng.choice(furniture)
                lines.append(
                    (product, 2 * units(product), Decimal(rng.choice(B2B_SQUEEZE_DISCOUNTS)))
                )
            if in_season(day) and rng.random() < 0.5:
                lines.append((B2B_SEASONAL, rng.randint(6, 40), Decimal(0)))
            orders.append((moment, next_id(day), people.pick(day), lines))
    orders.append((datetime.combine(B2B_THIN_DAY, time(10, 41)), "", people.pick(B2B_THIN_DAY), []))
    cancel_customer = people.pick(B2B_CANCEL[0].date())
    orders.sort(key=lambda o: o[0])

    header = cols(
        "Row ID,Order ID,Order Date,Ship Date,Ship Mode,Customer ID,Customer Name,Segment,"
        "Country,City,State,Postal Code,Region,Sales Rep,Product ID,Category,Sub-Category,"
        "Product Name,Sales,Quantity,Discount,Profit"
    )
    rows: list[list[object]] = []
    recs: list[Rec] = []

    def write_line(
        moment: datetime, order: str, cid: str, product: Product, qty: int, discount: Decimal
    ) -> None:
        pid, cat, sub, pname, list_price, unit_cost = product
        name, segment, (city, state, postal, region), rep = accounts[cid]
        sales = (qty * list_price * (1 - discount)).quantize(CENT)
        profit = (sales - qty * unit_cost).quantize(CENT)
        ship = moment.date() + timedelta(days=rng.randint(1, 6)) if qty > 0 else moment.date()
        mode = "Standard Class" if qty > 0 else ""
        rows.append(
            [
                len(rows) + 1,
                order,
                f"{moment:%Y-%m-%d %H:%M}",
                ship.isoformat(),
                mode,
                cid,
                name,
                segment,
                "United States",
                city,
                state,
                postal,
                region,
                rep,
                pid,
                cat,
                sub,
                pname,
                f"{sales:.2f}",
                qty,
                str(discount),
                f"{profit:.2f}",
            ]
        )
        kind: Kind = "return" if qty < 0 else "sale"
        recs.append(
            Rec(moment.date(), order, sales, kind, cid, sales - profit, category=cat, rep=rep)
        )

    cancelled = ("", "")
    for moment, order, cid, lines in orders:
        if not order:  # the copier's one order
            order = next_id(moment.date())
            write_line(moment, order, cid, B2B_THIN, 3, Decimal(0))
            continue
        if cancelled == ("", "") and moment > B2B_CANCEL[0]:
            sold, back = next_id(B2B_CANCEL[0].date()), next_id(B2B_CANCEL[1].date())
            write_line(B2B_CANCEL[0], sold, cancel_customer, big, 6, Decimal(0))
            write_line(B2B_CANCEL[1], back, cancel_customer, big, -6, Decimal(0))
            cancelled = (sold, back)
        for product, qty, discount in lines:
            write_line(moment, order, cid, product, qty, discount)
    write_csv(folder / "distributor_order_lines.csv", header, rows)

    truth = truth_of(
        recs, currency=None, cost=True, category=True, reps={r: (r,) for r, _ in B2B_REPS}
    )
    revenue_growth, profit_growth = quarter_change(recs, "revenue"), quarter_change(recs, "profit")
    if not (0.3 <= revenue_growth <= 0.5 and -0.03 <= profit_growth <= 0.08):
        raise ValueError(f"no squeeze: revenue {revenue_growth:+.1%}, profit {profit_growth:+.1%}")
    before = margin_between(recs, date(2023, 4, 1), date(2023, 6, 30))
    return Story(
        "b2b_distributor",
        (str(folder / "distributor_order_lines.csv"),),
        truth,
        "B2B distributor (Superstore columns with a sales rep, order times): two orders a "
        "day, a margin squeeze from discounted Furniture, an order cancelled three minutes "
        "after entry across a quarter's end, a one-order copier, Easter baskets",
        Planted(
            seasonal_product=B2B_SEASONAL[0],
            season=B2B_SEASON,
            cancelled_orders=cancelled,
            cancelled_product=big[0],
            cancelled_amount=float(6 * big[4]),
            thin_product=B2B_THIN[0],
            squeeze_category=B2B_SQUEEZE_CATEGORY,
            revenue_growth=round(revenue_growth, 4),
            profit_growth=round(profit_growth, 4),
            margins=(round(before, 4), truth.gross_margin or 0.0),
        ),
    )


STORIES: dict[str, Callable[[Path], Story]] = {
    fn.__name__: fn for fn in (uk_wholesaler, marketplace_two_years, b2b_distributor)
}
