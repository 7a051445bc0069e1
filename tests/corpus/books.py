"""Accounting and CRM exports: a grouped sales report and a deals export.

They were written to test salescope on exports it had not been tuned on (the first run
got 7 of 11 figures right on the QuickBooks report, 10 of 11 on the deals) and are
registered in :mod:`tests.corpus.registry`. They follow the truth rules of
:mod:`tests.corpus.shapes` (read its module docstring) and use its helpers; each
generator's docstring says how its export maps onto those rules.

- ``quickbooks_sales_detail`` / ``quickbooks_sales_detail_csv``: QuickBooks Online's
  "Sales by Customer Detail" report exported to Excel and to CSV: title rows above the
  header, the customer written only on a group header row above its transactions,
  "Total for ..." subtotal rows, a grand TOTAL, a running Balance column and a footer
  with the report's basis and generation time.
- ``hubspot_deals``: HubSpot CRM's "All deals" view exported as CSV: only Closed Won
  deals are sales, dated on their Close Date, among open and lost deals.
"""

from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

from tests.corpus.shapes import (
    CENT,
    FIRST_NAMES,
    LAST_NAMES,
    ZERO,
    Kind,
    People,
    Rec,
    Shape,
    cols,
    day_in,
    order_days,
    order_moments,
    plain,
    stable_zip,
    truth_of,
    weighted,
    write_csv,
)

# -------------------- quickbooks_sales_detail

QBO_COMPANY = "Ridgeline Supply Co."
QBO_TITLE = "Sales by Customer Detail"
QBO_RANGE = "January 1 - August 20, 2024"
QBO_FOOTER = "Accrual Basis Friday, August 23, 2024 09:12 AM GMT-07:00"
QBO_HEADER = (
    "",
    "Date",
    "Transaction Type",
    "Num",
    "Product/Service",
    "Memo/Description",
    "Qty",
    "Sales Price",
    "Amount",
    "Balance",
)
QBO_ITEMS = (
    # Product/Service (fully qualified: Category:Item), Memo/Description, price, weight
    ("Hardware:Widget A", "Widget A, zinc plated", "14.50", 4.0),
    ("Hardware:Widget B", "Widget B, stainless", "22.75", 3.0),
    ("Hardware:Hinge Set", "Heavy-duty hinge set (4 pcs)", "38.00", 2.0),
    ("Hardware:Bracket Kit", "Wall bracket kit", "19.95", 2.0),
    ("Hardware:Anchor Bolts", "Anchor bolts 1/2 in, box of 25", "27.40", 1.5),
    ("Lighting:LED Panel 2x4", "LED flat panel 2x4 ft, 4000K", "129.00", 1.5),
    ("Lighting:Pendant Fixture", "Pendant fixture, matte black", "189.00", 0.8),
    ("Lighting:Motion Sensor", "PIR motion sensor", "46.50", 1.2),
    ("Tools:Cordless Drill", "18V cordless drill kit", "149.00", 0.8),
    ("Tools:Laser Level", "Self-levelling cross-line laser", "219.00", 0.5),
    ("Tools:Tool Bag", "Canvas tool bag 16 in", "34.99", 1.0),
    ("Installation:Install Labor", "Installation labor (hours)", "85.00", 1.8),
    ("Installation:Site Survey", "On-site survey", "150.00", 0.6),
    ("Maintenance:Service Plan", "Quarterly maintenance plan", "240.00", 0.5),
)
QBO_SHIPPING = ("Shipping", "Shipping")  # QuickBooks' shipping line: an amount only
QBO_NOT_SPECIFIED = "Not Specified"  # QuickBooks' group for transactions without a customer
QBO_BUSINESS = cols(
    "Supply,Builders,Electric,Construction,Property Management,Renovations,Hardware,"
    "Contracting,Facilities,Home Services"
)
QBO_PLACES = cols(
    "Cedar,Summit,Harbor,Pine Valley,Red Rock,Lakeside,Granite,Oak Hill,Riverbend,Sierra,"
    "Canyon,Bayview,Highland,Maple,Foothill,Desert Sun"
)
QBO_SHOPS = cols("Garage,Workshop,Handyman Service,Bike Shop,Cafe,Studio,Landscaping,Pool Care")


# a transaction line: (day, type, num, product, memo, qty, price, amount)
QboLine = tuple[date, str, str, str, str, Decimal | None, Decimal | None, Decimal]


def _qbo_customers(rng: random.Random, n: int) -> list[str]:
    """Customer display names as small US businesses write them: companies, sole traders
    with a possessive ("Amy's Bird Sanctuary"), people, a few with a comma."""
    names: set[str] = set()
    while len(names) < n:
        form = rng.random()
        first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
        if form < 0.35:
            names.add(f"{rng.choice(QBO_PLACES)} {rng.choice(QBO_BUSINESS)}")
        elif form < 0.6:
            names.add(f"{first}'s {rng.choice(QBO_SHOPS)}")
        elif form < 0.9:
            names.add(f"{first} {last}")
        else:
            names.add(f"{last}, {rng.choice(LAST_NAMES)} & Co.")
    return sorted(names)


def _qbo_report(
    rng: random.Random,
) -> tuple[
    list[tuple[str, list[QboLine]]],
    list[Rec],
]:
    """The report's groups (customer, transaction lines sorted by date) and the truth lines.

    A transaction line is (day, type, num, product, memo, qty, price, amount).
    """
    start, end = date(2024, 1, 2), date(2024, 8, 20)
    customers = _qbo_customers(rng, 280)
    people = People(rng, customers, start, end, before=0.4)
    weights = [w for *_, w in QBO_ITEMS]
    lines: dict[str, list[QboLine]] = {}
    recs: list[Rec] = []
    sold: list[tuple[date, str, str, str, str, Decimal, Decimal, str]] = []  # for credits
    number = 1000
    for moment in order_moments(rng, start, end, 1150, 7, 18):
        day = moment.date()
        number += 1
        kind = "Invoice" if rng.random() < 0.72 else "Sales Receipt"
        customer = (
            QBO_NOT_SPECIFIED
            if kind == "Sales Receipt" and rng.random() < 0.08
            else people.pick(day)
        )
        picks: dict[int, None] = {}
        for i in rng.choices(
            range(len(QBO_ITEMS)), weights=weights, k=rng.choice((1, 1, 2, 2, 3, 4))
        ):
            picks[i] = None
        for i in picks:
            product, memo, price_text, _ = QBO_ITEMS[i]
            price = Decimal(price_text)
            if product.endswith("Install Labor"):
                qty = Decimal(rng.choice(("1", "1.5", "2", "2.5", "3", "4", "6", "8")))
            else:
                qty = Decimal(rng.choice((1, 1, 2, 2, 3, 4, 5, 6, 10, 12)))
            amount = (qty * price).quantize(CENT, rounding=ROUND_HALF_UP)
            lines.setdefault(customer, []).append(
                (day, kind, str(number), product, memo, qty, price, amount)
            )
            person = None if customer == QBO_NOT_SPECIFIED else customer
            recs.append(Rec(day, str(number), amount, "sale", person))
            sold.append((day, kind, customer, product, memo, qty, price, str(number)))
        if kind == "Invoice" and rng.random() < 0.3:
            shipping = Decimal(rng.choice(("12.00", "18.50", "25.00", "45.00", "60.00")))
            lines[customer].append(
                (day, kind, str(number), QBO_SHIPPING[0], QBO_SHIPPING[1], None, None, shipping)
            )
            recs.append(Rec(day, str(number), shipping, "sale", person))
    # credit memos (against invoices) and refund receipts (against sales receipts), each a
    # transaction of its own with its own number and date, later than the sale
    for day, kind, customer, product, memo, qty, price, _ in sorted(
        rng.sample(sold[:-30], 70), key=lambda s: (s[0], s[7])
    ):
        number += 1
        back = min(day + timedelta(days=rng.randint(1, 25)), end)
        credit = "Credit Memo" if kind == "Invoice" else "Refund Receipt"
        back_qty = -min(qty, Decimal(rng.choice((1, 1, 2))))
        amount = (back_qty * price).quantize(CENT, rounding=ROUND_HALF_UP)
        lines.setdefault(customer, []).append(
            (back, credit, str(number), product, memo, back_qty, price, amount)
        )
        person = None if customer == QBO_NOT_SPECIFIED else customer
        recs.append(Rec(back, str(number), amount, "return", person))
    named = sorted((c for c in lines if c != QBO_NOT_SPECIFIED), key=str.casefold)
    order = named + ([QBO_NOT_SPECIFIED] if QBO_NOT_SPECIFIED in lines else [])
    groups = [(c, sorted(lines[c], key=lambda t: (t[0], int(t[2])))) for c in order]
    return groups, recs


def _qbo_rows(
    groups: list[tuple[str, list[QboLine]]],
) -> list[list[object]]:
    """The report's rows below the header, values as Decimals (None for an empty cell)."""
    rows: list[list[object]] = []
    grand = ZERO
    for customer, transactions in groups:
        rows.append([customer, None, None, None, None, None, None, None, None, None])
        balance = ZERO
        for day, kind, num, product, memo, qty, price, amount in transactions:
            balance += amount
            rows.append(
                [None, f"{day:%m/%d/%Y}", kind, num, product, memo, qty, price, amount, balance]
            )
        rows.append(
            [f"Total for {customer}", None, None, None, None, None, None, None, balance, None]
        )
        grand += balance
    rows.append(["TOTAL", None, None, None, None, None, None, None, grand, None])
    return rows


def _qbo_money(value: Decimal) -> str:
    """QuickBooks' CSV amounts: thousands separators, two decimals, a minus sign."""
    return f"{value:,.2f}"


def quickbooks_sales_detail(folder: Path) -> Shape:
    """QuickBooks Online's "Sales by Customer Detail" report exported to Excel (.xlsx).

    The layout is QuickBooks' own: the company name, the report name and its date range
    ("January 1 - August 20, 2024") in the first three rows, a blank row, the header row
    (first column unnamed: ``, Date, Transaction Type, Num, Product/Service,
    Memo/Description, Qty, Sales Price, Amount, Balance``), then per customer a group
    header row holding only the customer's name in column A, its transaction lines (column
    A empty; Date as text "03/05/2024"; Transaction Type Invoice, Sales Receipt, Credit
    Memo or Refund Receipt; Num; Product/Service fully qualified "Hardware:Widget A";
    Qty; Sales Price; Amount; Balance = the customer's running total), a "Total for
    <customer>" row with only the amount, and at the end a "TOTAL" row, two blank rows and
    the footer "Accrual Basis Friday, August 23, 2024 09:12 AM GMT-07:00".

    Truth: every transaction line is a line; revenue = ``Amount`` (the line total; Sales
    Price is per unit, and an invoice's ``Shipping`` line has an amount but no Qty or
    Sales Price: it is a line of its own and stays in revenue). ``Invoice`` and ``Sales
    Receipt`` lines are sales (orders = distinct Num of sale lines; an invoice's lines
    share its Num); ``Credit Memo`` and ``Refund Receipt`` lines are returns (negative Qty
    and Amount), dated on their own Date, never orders. The group rows, "Total for ..."
    rows, TOTAL, title and footer rows are not data, and ``Balance`` is a running total,
    never a line's revenue. The day is ``Date`` (MM/DD/YYYY). The person is the customer
    of the group header above the line; the group "Not Specified" (sales receipts rung up
    without a customer) is nobody. No category: the export has no category column; the
    part of Product/Service before ":" is QuickBooks' parent item, not a column, so truth
    does not rank it (a category breakdown from any column is a misread). No rep, no
    cost. Currency: None (the report states none and the amounts carry no symbol).

    Traps: title rows above the header and an unnamed first column; the customer only on
    a group row; subtotal rows whose Amount repeats the group's sum; a Balance column that
    looks like a larger amount; text dates; Shipping lines without qty or price.
    """
    from openpyxl import Workbook

    rng = random.Random(4242)
    folder.mkdir(parents=True, exist_ok=True)
    groups, recs = _qbo_report(rng)
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = QBO_TITLE
    sheet.append([QBO_COMPANY])
    sheet.append([QBO_TITLE])
    sheet.append([QBO_RANGE])
    sheet.append([])
    sheet.append(list(QBO_HEADER))
    for row in _qbo_rows(groups):
        sheet.append([float(v) if isinstance(v, Decimal) else v for v in row])
        for column in (8, 9, 10):
            sheet.cell(sheet.max_row, column).number_format = "#,##0.00;-#,##0.00"
    sheet.append([])
    sheet.append([])
    sheet.append([QBO_FOOTER])
    for title_row in (1, 2, 3):  # QuickBooks centres the titles across the columns
        sheet.merge_cells(f"A{title_row}:J{title_row}")
    path = folder / f"{QBO_COMPANY}_{QBO_TITLE}.xlsx"
    book.save(path)
    stable_zip(path, datetime(2024, 8, 23, 16, 12))
    return Shape(
        "quickbooks_sales_detail",
        (str(path),),
        truth_of(recs, currency=None),
        "QuickBooks Online Sales by Customer Detail (.xlsx): title rows, customer only on "
        "group header rows, Total for/TOTAL subtotal rows, running Balance column, credit "
        "memos and refund receipts as negative lines, Shipping lines with amount only",
    )


def quickbooks_sales_detail_csv(folder: Path) -> Shape:
    """The same QuickBooks Online "Sales by Customer Detail" report exported as CSV.

    Same data, layout and truth as :func:`quickbooks_sales_detail` (read its docstring).
    As QuickBooks writes its CSV: the title rows are single fields (a ragged file: the
    header and lines have ten fields), amounts, prices and balances are text with
    thousands separators ("1,234.50", quoted; negatives "-375.00"), Qty is written as
    it is ("2.5"), empty cells are empty fields.
    """
    rng = random.Random(4242)
    folder.mkdir(parents=True, exist_ok=True)
    groups, recs = _qbo_report(rng)
    body: list[list[str]] = [[QBO_COMPANY], [QBO_TITLE], [QBO_RANGE], [], list(QBO_HEADER)]
    for row in _qbo_rows(groups):
        cells = []
        for i, value in enumerate(row):
            if value is None:
                cells.append("")
            elif isinstance(value, Decimal):
                cells.append(plain(value, 2) if i == 6 else _qbo_money(value))
            else:
                cells.append(str(value))
        body.append(cells)
    body += [[], [], [QBO_FOOTER]]
    path = folder / f"{QBO_COMPANY}_{QBO_TITLE}.csv"
    # the first row of the file is the company name; write_csv writes the header first,
    # so the title rows go in as the "header" and the rest as rows
    write_csv(path, body[0], body[1:])
    return Shape(
        "quickbooks_sales_detail_csv",
        (str(path),),
        truth_of(recs, currency=None),
        "QuickBooks Online Sales by Customer Detail (.csv): ragged title rows, customer only "
        "on group header rows, subtotal rows, running Balance, amounts with thousands "
        "separators, credit memos and refund receipts as negative lines",
    )


# -------------------- hubspot_deals

HUBSPOT_HEADER = (
    "Record ID",
    "Deal Name",
    "Deal Stage",
    "Close Date",
    "Create Date",
    "Deal owner",
    "Amount",
    "Pipeline",
    "Deal Type",
    "Associated Company",
    "Associated Company IDs",
    "Last Activity Date",
    "Forecast category",
    "Amount in company currency",
    "Deal probability",
)
HUBSPOT_OWNERS = (
    ("Jane Doe", 1.8),
    ("Michael Brennan", 1.0),
    ("Priya Raman", 1.05),
    ("Carlos Mendoza", 0.85),
    ("Aisha Okoye", 0.75),
    ("Tom Lindqvist", 0.6),
)
HUBSPOT_OPEN_STAGES = (
    # stage, probability, forecast category
    ("Appointment Scheduled", "0.2", "Pipeline"),
    ("Qualified To Buy", "0.4", "Pipeline"),
    ("Presentation Scheduled", "0.6", "Best case"),
    ("Decision Maker Bought-In", "0.8", "Best case"),
    ("Contract Sent", "0.9", "Commit"),
)
HUBSPOT_PRODUCTS = (
    ("Starter Plan", (1200, 4800)),
    ("Professional Plan", (6000, 18000)),
    ("Enterprise Plan", (24000, 60000)),
    ("Onboarding Package", (1500, 5000)),
    ("Seat Expansion", (800, 9000)),
    ("Annual Renewal", (3000, 30000)),
)
HUBSPOT_WORDS = cols(
    "Northwind,Bluebird,Brightline,Copperleaf,Evergreen,Fairway,Greenfield,Ironclad,Keystone,"
    "Lighthouse,Meridian,Nimbus,Orchard,Pinnacle,Quarry,Redwood,Silverline,Trailhead,Upland,"
    "Vantage,Westbrook,Yellowstone,Zenith,Atlas,Beacon"
)
HUBSPOT_FORMS = cols(
    "Analytics,Labs,Logistics,Health,Partners,Software,Media,Foods,Manufacturing,Realty,"
    "Consulting,Energy"
)


def _hubspot_time(moment: datetime) -> str:
    return f"{moment:%Y-%m-%d %H:%M}"


def hubspot_deals(folder: Path) -> Shape:
    """HubSpot CRM's "All deals" view exported as CSV (Sales Pipeline of a B2B SaaS).

    Columns as the export writes them: Record ID, Deal Name, Deal Stage, Close Date,
    Create Date, Deal owner, Amount, Pipeline, Deal Type (``newbusiness`` /
    ``existingbusiness``), Associated Company (the primary company's name), Associated
    Company IDs, Last Activity Date, Forecast category, Amount in company currency, Deal
    probability (0-1). Dates are "2024-03-05 10:22"; amounts plain numbers without
    separators or trailing zeros ("12500", "2750.5"). Rows are listed newest Create Date
    first.

    Truth: only ``Closed Won`` deals are sales: each is one order (its Record ID), its
    revenue is ``Amount``, its day is ``Close Date`` (not Create Date or Last Activity
    Date). ``Closed Lost`` deals and open deals (Appointment Scheduled ... Contract Sent,
    most with expected Close Dates after the last won deal, some stale ones in the past,
    some without an Amount) are excluded and do not extend the data's range. The person
    is ``Associated Company`` (one name per company ID; a few won deals have no company
    and count nowhere in customers); the rep is ``Deal owner``. ``Amount in company
    currency`` repeats Amount (one currency) and is not extra revenue; ``Deal
    probability`` is the stage's win chance, not a discount. Currency: None (HubSpot
    writes no code or symbol in this export). No category, cost or returns.
    """
    rng = random.Random(5151)
    folder.mkdir(parents=True, exist_ok=True)
    start, end = date(2023, 11, 6), date(2024, 5, 17)
    exported = datetime(2024, 5, 21, 9, 40)
    names = sorted({f"{rng.choice(HUBSPOT_WORDS)} {rng.choice(HUBSPOT_FORMS)}" for _ in range(420)})
    company_ids: dict[str, str] = {}
    for name in names:
        company_ids[name] = str(rng.randint(5_000_000_000, 19_999_999_999))
    people = People(rng, names, start, end, before=0.45)
    # (close day, how): closed deals, open deals expected to close after the export, and
    # stale open deals whose expected close date has passed
    deals = [(day, "closed") for day in order_days(rng, start, end, 1900)]
    deals += [(day_in(rng, date(2024, 5, 20), date(2024, 9, 27)), "open") for _ in range(520)]
    deals += [(day_in(rng, date(2024, 2, 1), date(2024, 5, 10)), "stale") for _ in range(60)]
    rows: list[tuple[datetime, list[str]]] = []
    recs: list[Rec] = []
    seen_customers: dict[str, str] = {}
    for close_day, how in deals:
        close = datetime.combine(close_day, time(rng.randint(8, 19), rng.randint(0, 59)))
        owner = weighted(rng, HUBSPOT_OWNERS)
        company = None if rng.random() < 0.03 else people.pick(min(close_day, end))
        if how == "closed":
            won = rng.random() < 0.42
            stage, probability, forecast = (
                ("Closed Won", "1", "Closed won") if won else ("Closed Lost", "0", "Not forecasted")
            )
        else:
            stage, probability, forecast = rng.choice(HUBSPOT_OPEN_STAGES)
        product, (low, high) = rng.choice(HUBSPOT_PRODUCTS)
        amount = Decimal(rng.randint(low // 50, high // 50) * 50)
        if rng.random() < 0.1:
            amount += Decimal(rng.choice(("0.50", "25.50", "12.75")))
        amount_text = "" if how != "closed" and rng.random() < 0.15 else plain(amount, 2)
        created = close - timedelta(days=rng.randint(7, 140), minutes=rng.randint(0, 600))
        if created > exported:  # an open deal expected to close after the export
            created = exported - timedelta(
                days=rng.randint(1, 90), hours=rng.randint(0, 9), minutes=rng.randint(0, 59)
            )
        last_activity = min(
            close + timedelta(days=rng.randint(-6, 3), minutes=rng.randint(0, 300)),
            exported - timedelta(hours=rng.randint(1, 200)),
        )
        if last_activity <= created:
            last_activity = created + (exported - created) * rng.random()
        repeat = company is not None and company in seen_customers
        deal_type = (
            "existingbusiness"
            if repeat or product in ("Seat Expansion", "Annual Renewal")
            else "newbusiness"
        )
        if rng.random() < 0.05:
            deal_type = ""
        if company is not None:
            seen_customers.setdefault(company, stage)
        record = ""  # filled once the rows are in Create Date order
        rows.append(
            (
                created,
                [
                    record,
                    f"{company or 'New Deal'} - {product}",
                    stage,
                    _hubspot_time(close),
                    _hubspot_time(created),
                    owner,
                    amount_text,
                    "Sales Pipeline",
                    deal_type,
                    company or "",
                    company_ids[company] if company else "",
                    _hubspot_time(last_activity),
                    forecast,
                    amount_text,
                    probability,
                ],
            )
        )
    # HubSpot record IDs rise with creation time
    rows.sort(key=lambda r: r[0])
    record_id = 14_801_223_000
    for _, cells in rows:
        record_id += rng.randint(3, 4000)
        cells[0] = str(record_id)
        day = datetime.strptime(cells[3], "%Y-%m-%d %H:%M").date()
        kind: Kind = "sale" if cells[2] == "Closed Won" else "excluded"
        recs.append(
            Rec(
                day,
                cells[0],
                Decimal(cells[6] or "0"),
                kind,
                cells[9] or None,
                rep=cells[5],
            )
        )
    rows.reverse()  # newest Create Date first
    path = folder / "hubspot-crm-exports-all-deals-2024-05-21.csv"
    write_csv(path, HUBSPOT_HEADER, [cells for _, cells in rows])
    return Shape(
        "hubspot_deals",
        (str(path),),
        truth_of(recs, currency=None, reps={r: (r,) for r, _ in HUBSPOT_OWNERS}),
        "HubSpot All deals export: only Closed Won is revenue, dated on Close Date; Closed "
        "Lost and open stages with future close dates; Create and Last Activity dates "
        "beside it; Amount in company currency repeats Amount; Deal probability 0-1",
    )
