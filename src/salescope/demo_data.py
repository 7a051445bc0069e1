"""Seeded synthetic sales data with planted, documented effects.

Why this exists: people trying salescope need realistic data with known answers, and the
benchmark needs very large files. So the generator is

* deterministic: everything comes from ``numpy.random.default_rng(seed)``; the same ``rows``
  and ``seed`` give byte-identical files, and no clock or global random state is read;
* vectorised: columns are numpy arrays built in a handful of passes (loops only run over
  days, categories, channels or other small things), so 10M lines take seconds;
* honest about its ground truth: every planted effect (anomalous days, a campaign, a declining
  category, a price increase, stockouts, a rep far above quota) is written with its exact
  parameters to ``_planted_effects.json`` so reports and tests can check they find them.

Money is handled in integer cents internally, and line discounts are chosen so that
``quantity * unit_price * (1 - discount)`` never lands exactly on half a cent: ``revenue`` then
equals ``round(quantity * unit_price * (1 - discount), 2)`` under every rounding convention
(Python, numpy, SQL engines), not just one of them.
"""

from __future__ import annotations

import json
import logging
import math
import numbers
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any, Final

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

__all__ = ["SALES_COLUMNS", "DemoFiles", "generate_sales", "write_demo_data"]

logger = logging.getLogger("salescope")

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]

MIN_ROWS: Final = 1000

SALES_COLUMNS: Final[tuple[str, ...]] = (
    "order_id",
    "order_date",
    "customer_id",
    "customer_name",
    "segment",
    "product_id",
    "product_name",
    "category",
    "quantity",
    "unit_price",
    "discount",
    "revenue",
    "unit_cost",
    "region",
    "country",
    "channel",
    "sales_rep",
)

# --- calendar -------------------------------------------------------------------------------

# A fixed span, never "today": two full years ending on a quarter end, so period comparisons
# (quarter over quarter, year over year) always have complete data.
SPAN_START: Final = date(2024, 10, 1)
SPAN_END: Final = date(2026, 9, 30)
N_DAYS: Final = (SPAN_END - SPAN_START).days + 1
_EPOCH_OFFSET: Final = (SPAN_START - date(1970, 1, 1)).days

ANNUAL_GROWTH: Final = 0.15
# Monday..Sunday; weekends have ~30% fewer orders.
WEEKDAY_FACTORS: Final[tuple[float, ...]] = (1.04, 1.02, 1.0, 1.0, 0.94, 0.7, 0.7)
# Values at each month's middle, linearly interpolated between: a Nov-Dec peak (~+40%) and a
# summer dip, with no step at month boundaries that would look like a change point.
MONTH_FACTORS: Final[tuple[float, ...]] = (
    0.92, 0.90, 0.98, 1.00, 0.97, 0.86, 0.82, 0.86, 0.97, 1.03, 1.38, 1.45,
)  # fmt: skip
_MONTH_NAMES: Final[tuple[str, ...]] = (
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
)  # fmt: skip
_MONTH_MIDS: Final[tuple[float, ...]] = (
    15.0, 45.0, 74.0, 105.0, 135.0, 166.0, 196.0, 227.0, 258.0, 288.0, 319.0, 349.0,
)  # fmt: skip

# US holidays (and the shopping days around Thanksgiving) inside the span: anomalies are
# never planted near them, so a planted spike is never confused with a real calendar effect.
_HOLIDAYS: Final[tuple[date, ...]] = (
    date(2024, 10, 14), date(2024, 11, 11), date(2024, 11, 28), date(2024, 11, 29),
    date(2024, 12, 2), date(2024, 12, 24), date(2024, 12, 25), date(2024, 12, 31),
    date(2025, 1, 1), date(2025, 1, 20), date(2025, 2, 17), date(2025, 5, 26),
    date(2025, 6, 19), date(2025, 7, 4), date(2025, 9, 1), date(2025, 10, 13),
    date(2025, 11, 11), date(2025, 11, 27), date(2025, 11, 28), date(2025, 12, 1),
    date(2025, 12, 24), date(2025, 12, 25), date(2025, 12, 31), date(2026, 1, 1),
    date(2026, 1, 19), date(2026, 2, 16), date(2026, 5, 25), date(2026, 6, 19),
    date(2026, 7, 3), date(2026, 7, 4), date(2026, 9, 7),
)  # fmt: skip

# --- dimensions -----------------------------------------------------------------------------

SEGMENTS: Final[tuple[str, ...]] = ("Consumer", "Corporate", "Small Business")
_SEGMENT_SHARE: Final = (0.6, 0.25, 0.15)
_SEGMENT_ACTIVITY: Final = (1.0, 1.5, 1.2)

REGIONS: Final[tuple[str, ...]] = ("North", "South", "East", "West", "Central")
_REGION_SHARE: Final = (0.2, 0.24, 0.22, 0.22, 0.12)

CHANNELS: Final[tuple[str, ...]] = (
    "Direct", "Organic Search", "Paid Search", "Social", "Email", "Affiliate",
)  # fmt: skip
_CHANNEL_SHARE: Final = (0.22, 0.25, 0.2, 0.13, 0.12, 0.08)
_PREFERRED_CHANNEL_RATE: Final = 0.8

COUNTRY: Final = "United States"
# The amounts are US dollars, but the data does not say so (plain numbers under plain
# headers): the demo states it in the salescope.yml it writes beside the data.
CURRENCY: Final = "USD"
DEMO_CONFIG: Final = f"""\
# salescope configuration for the demo data; see docs/config.md
# the amounts are US dollars; the data itself names no currency
currency: {CURRENCY}
"""

# Each rep covers exactly one region (North 3, South 3, East 2, West 2, Central 2).
SALES_REPS: Final[tuple[tuple[str, str], ...]] = (
    ("Alicia Moreno", "North"), ("Brian Chen", "North"), ("Carla Jensen", "North"),
    ("Derek Okafor", "South"), ("Elena Petrova", "South"), ("Frank Delgado", "South"),
    ("Grace Kim", "East"), ("Hector Alvarez", "East"),
    ("Irene Walsh", "West"), ("Jamal Carter", "West"),
    ("Kelly Novak", "Central"), ("Lucas Bennett", "Central"),
)  # fmt: skip

_FIRST_NAMES: Final[tuple[str, ...]] = (
    "James", "Mary", "Robert", "Patricia", "John", "Jennifer", "Michael", "Linda", "David",
    "Elizabeth", "William", "Barbara", "Richard", "Susan", "Joseph", "Jessica", "Thomas",
    "Sarah", "Charles", "Karen", "Daniel", "Lisa", "Matthew", "Nancy", "Anthony", "Sandra",
    "Mark", "Ashley", "Steven", "Emily", "Andrew", "Michelle", "Joshua", "Amanda", "Kevin",
    "Melissa", "Brian", "Laura", "Ryan", "Rebecca", "Jacob", "Sophia", "Ethan", "Olivia",
    "Noah", "Ava", "Liam", "Mia",
)  # fmt: skip
_LAST_NAMES: Final[tuple[str, ...]] = (
    "Smith", "Johnson", "Williams", "Brown", "Jones", "Garcia", "Miller", "Davis", "Rodriguez",
    "Martinez", "Hernandez", "Lopez", "Gonzalez", "Wilson", "Anderson", "Thomas", "Taylor",
    "Moore", "Jackson", "Martin", "Lee", "Perez", "Thompson", "White", "Harris", "Sanchez",
    "Clark", "Ramirez", "Lewis", "Robinson", "Walker", "Young", "Allen", "King", "Wright",
    "Scott", "Torres", "Nguyen", "Hill", "Flores", "Green", "Adams", "Nelson", "Baker",
    "Hall", "Rivera", "Campbell", "Mitchell",
)  # fmt: skip

_BRANDS: Final[tuple[str, ...]] = (
    "Aurora", "Nimbus", "Vertex", "Lumen", "Summit", "Harbor", "Cobalt", "Evergreen", "Nova",
    "Pioneer", "Zenith", "Atlas", "Maple", "Orion", "Solace", "Trailhead", "Keystone",
    "Willow", "Crescent", "Beacon", "Ember", "Halcyon", "Sterling", "Juniper",
)  # fmt: skip

CATEGORIES: Final[tuple[str, ...]] = (
    "Electronics", "Home & Kitchen", "Sports & Outdoors", "Beauty", "Office Supplies",
    "Toys & Games",
)  # fmt: skip
_CATEGORY_SHARE: Final = (0.2, 0.19, 0.16, 0.17, 0.15, 0.13)
# Base prices are clipped into these (dollars) so every category stays plausible.
_CATEGORY_PRICE_RANGE: Final[tuple[tuple[float, float], ...]] = (
    (20.0, 900.0), (10.0, 300.0), (12.0, 400.0), (5.0, 80.0), (2.0, 60.0), (8.0, 120.0),
)  # fmt: skip
# (item, typical price in dollars); a product is "<brand> <item>".
_ITEMS: Final[tuple[tuple[tuple[str, float], ...], ...]] = (
    (
        ("Wireless Headphones", 129), ("Bluetooth Speaker", 79), ("4K Monitor", 349),
        ("Mechanical Keyboard", 99), ("Wireless Mouse", 39), ("USB-C Hub", 45),
        ("Smartwatch", 249), ("Fitness Tracker", 89), ("Portable Charger", 35),
        ("Noise-Cancelling Earbuds", 159), ("HD Webcam", 69), ("10-inch Tablet", 329),
        ("E-Reader", 139), ("Action Camera", 299), ("Camera Drone", 749), ("Soundbar", 229),
        ("Smart Plug", 22), ("Wi-Fi Router", 119), ("External SSD", 109),
        ("Gaming Controller", 59), ("Dash Cam", 95), ("Video Doorbell", 179),
    ),
    (
        ("Chef Knife", 59), ("Cast Iron Skillet", 39), ("Nonstick Pan Set", 89),
        ("Coffee Maker", 79), ("Electric Kettle", 45), ("Blender", 99), ("Air Fryer", 119),
        ("Stand Mixer", 279), ("Cutting Board", 25), ("Knife Block Set", 149),
        ("Food Storage Set", 29), ("Dinnerware Set", 89), ("Bath Towel Set", 49),
        ("Cotton Sheet Set", 79), ("Memory Foam Pillow", 45), ("Throw Blanket", 35),
        ("Table Lamp", 55), ("Wall Clock", 29), ("Scented Candle", 18), ("Robot Vacuum", 249),
        ("Toaster", 49), ("Spice Rack", 32),
    ),
    (
        ("Yoga Mat", 32), ("Dumbbell Set", 89), ("Resistance Bands", 19), ("Running Shoes", 119),
        ("Hiking Backpack", 89), ("2-Person Tent", 179), ("Sleeping Bag", 99),
        ("Water Bottle", 24), ("Camping Stove", 59), ("Trekking Poles", 49), ("Bike Helmet", 59),
        ("Cycling Gloves", 22), ("Jump Rope", 14), ("Foam Roller", 29), ("Kettlebell", 45),
        ("Fishing Rod", 79), ("Headlamp", 29), ("Camping Chair", 49), ("Soccer Ball", 25),
        ("Tennis Racket", 129), ("Insulated Cooler", 199), ("Kayak Paddle", 149),
    ),
    (
        ("Face Moisturizer", 28), ("Vitamin C Serum", 32), ("Sunscreen SPF 50", 16),
        ("Lip Balm", 6), ("Shampoo", 14), ("Conditioner", 14), ("Hair Oil", 22),
        ("Body Lotion", 15), ("Facial Cleanser", 18), ("Eye Cream", 36), ("Sheet Mask Pack", 19),
        ("Nail Polish", 9), ("Mascara", 21), ("Eyeshadow Palette", 42), ("Makeup Brush Set", 34),
        ("Hand Cream", 11), ("Eau de Parfum", 68), ("Beard Oil", 19), ("Bath Bombs", 17),
        ("Dry Shampoo", 12), ("Exfoliating Scrub", 21), ("Hair Dryer", 75),
    ),
    (
        ("Ballpoint Pens", 8), ("Gel Pens", 12), ("Sticky Notes", 6), ("Spiral Notebook", 5),
        ("Leather Journal", 24), ("Desk Organizer", 29), ("Stapler", 14), ("Paper Clips", 3),
        ("Printer Paper Case", 45), ("Highlighters", 7), ("Whiteboard Markers", 11),
        ("File Folders", 13), ("Label Maker", 39), ("Desk Lamp", 42), ("Monitor Stand", 49),
        ("Scissors", 9), ("Tape Dispenser", 10), ("Ring Binder", 8), ("Envelopes", 12),
        ("Calculator", 19), ("Weekly Planner", 22), ("Mouse Pad", 11),
    ),
    (
        ("Building Blocks Set", 59), ("Jigsaw Puzzle", 19), ("Board Game", 34), ("Card Game", 14),
        ("Plush Bear", 22), ("Remote Control Car", 49), ("Doll House", 99),
        ("Action Figure", 18), ("Science Kit", 36), ("Wooden Train Set", 65), ("Art Kit", 27),
        ("Kite", 17), ("Magic Set", 24), ("Toy Drone", 79), ("Marble Run", 39),
        ("Dinosaur Figures", 21), ("Play Dough Set", 12), ("Water Blaster", 16),
        ("Puzzle Cube", 11), ("Stacking Rings", 10), ("Strategy Game", 45),
        ("Dollhouse Furniture", 29),
    ),
)  # fmt: skip

# Line shapes: lines per order (1..5) and units per line (1..10).
_LINES_PER_ORDER_P: Final = (0.55, 0.25, 0.12, 0.05, 0.03)
_QUANTITY_P: Final = (0.5, 0.22, 0.12, 0.06, 0.04, 0.02, 0.015, 0.01, 0.008, 0.007)
_DISCOUNT_RATE: Final = 0.28  # share of lines with any discount
_DISCOUNT_PCTS: Final = (5, 10, 15, 20, 25, 30)
_DISCOUNT_P: Final = (0.32, 0.26, 0.18, 0.12, 0.07, 0.05)

RETURN_FRACTION: Final = 0.02

# --- planted effects ------------------------------------------------------------------------

SPIKE_MULTIPLIER: Final = 3.0
DROP_MULTIPLIER: Final = 0.25


@dataclass(frozen=True)
class _Campaign:
    name: str
    channel: str
    start: date
    end: date
    order_uplift: float  # extra orders from the channel inside the window
    spend_multiplier: float  # channel spend inside the window


CAMPAIGNS: Final[tuple[_Campaign, ...]] = (
    _Campaign("Back to School 2025", "Social", date(2025, 8, 4), date(2025, 8, 24), 0.0, 1.5),
    _Campaign(
        "Holiday Gift Guide 2025", "Paid Search", date(2025, 11, 17), date(2025, 12, 14), 0.0, 1.5
    ),
    _Campaign("Spring Sale 2026", "Email", date(2026, 4, 6), date(2026, 4, 19), 0.4, 2.0),
)
PLANTED_CAMPAIGN: Final = CAMPAIGNS[2]
_CAMPAIGN_DISCOUNT_PCT: Final = 15  # Spring Sale email lines mostly carry at least this

DECLINING_CATEGORY: Final = "Toys & Games"
DECLINE_START: Final = date(2026, 6, 1)
DECLINE_END_FACTOR: Final = 0.5  # volume multiplier reached on SPAN_END, linear from 1.0

PRICE_INCREASE_CATEGORY: Final = "Beauty"
PRICE_INCREASE_DATE: Final = date(2026, 7, 1)
PRICE_INCREASE_FACTOR: Final = 1.12

STOCKOUT_COUNT: Final = 3
STOCKOUT_DAYS: Final = (10, 20)  # inclusive range of stretch lengths
_STOCKOUT_WINDOW: Final = (date(2026, 1, 12), date(2026, 9, 10))

OVERACHIEVER_PERIOD: Final = "2026-Q3"
OVERACHIEVER_ATTAINMENT: Final = 1.5
OVERACHIEVER_ORDER_BOOST: Final = 0.5  # the rep's customers place 50% more orders that quarter
_QUOTA_ATTAINMENT_RANGE: Final = (0.82, 1.18)

_PAID_CHANNELS: Final[tuple[str, ...]] = ("Paid Search", "Social", "Email", "Affiliate")
# channel: (click-through rate, click-to-order rate, cost per click or per 1000 impressions)
_CHANNEL_ECONOMICS: Final[dict[str, tuple[float, float, float]]] = {
    "Paid Search": (0.032, 0.035, 1.15),
    "Social": (0.009, 0.012, 0.75),
    "Email": (0.035, 0.045, 8.0),  # email is paid per 1000 sends (impressions)
    "Affiliate": (0.006, 0.025, 0.6),
}
_ATTRIBUTION_RATE: Final = 0.9  # share of a channel's orders its platform reports


# --- public API -----------------------------------------------------------------------------


@dataclass(frozen=True)
class DemoFiles:
    """Paths of everything :func:`write_demo_data` wrote, so callers never guess file names."""

    sales: Path  # sales lines (sales.csv or sales.parquet)
    marketing_spend: Path
    campaigns: Path
    quotas: Path
    inventory: Path
    planted: Path  # _planted_effects.json: the ground truth for every planted effect
    config: Path  # salescope.yml: the settings the data cannot say itself (its currency)

    @property
    def inputs(self) -> list[Path]:
        """The sales lines and the side tables: what a report reads."""
        return [self.sales, self.marketing_spend, self.campaigns, self.quotas, self.inventory]


def generate_sales(rows: int = 200_000, seed: int = 7) -> pa.Table:
    """Return exactly ``rows`` synthetic sales lines (columns :data:`SALES_COLUMNS`).

    Only the sales table, without side tables or files: the benchmark uses this to write
    very large Parquet files. Same ``rows`` and ``seed`` always give the same table.
    """
    sim = _simulate(rows, seed)
    return _sales_table(sim)


def write_demo_data(
    out_dir: Path, rows: int = 200_000, seed: int = 7, fmt: str = "csv"
) -> DemoFiles:
    """Write the sales lines, the side tables, ``_planted_effects.json`` and the demo's
    ``salescope.yml`` (its currency, US dollars) into ``out_dir``.

    Sales go to ``sales.csv`` (``fmt="csv"``) or ``sales.parquet`` (``fmt="parquet"``); side
    tables are always CSV because people open them by hand. ``out_dir`` is created if missing.
    """
    if fmt not in ("csv", "parquet"):
        raise ValueError(f"fmt must be 'csv' or 'parquet', not {fmt!r}")
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    sim = _simulate(rows, seed)
    files = DemoFiles(
        sales=out_dir / f"sales.{fmt}",
        marketing_spend=out_dir / "marketing_spend.csv",
        campaigns=out_dir / "campaigns.csv",
        quotas=out_dir / "quotas.csv",
        inventory=out_dir / "inventory.csv",
        planted=out_dir / "_planted_effects.json",  # "_": skipped when the folder is read
        config=out_dir / "salescope.yml",  # not a data file: skipped when the folder is read
    )
    sales = _sales_table(sim)
    if fmt == "csv":
        _write_csv(sales, files.sales)
    else:
        pq.write_table(sales, files.sales, compression="snappy")
    del sales
    side_rng = sim.side_rng
    _write_csv(_marketing_spend_table(sim, side_rng), files.marketing_spend)
    _write_csv(_campaigns_table(), files.campaigns)
    quotas, overachiever = _quotas_table(sim, side_rng)
    _write_csv(quotas, files.quotas)
    _write_csv(_inventory_table(sim, side_rng), files.inventory)
    planted = _planted_effects(sim, fmt, overachiever)
    files.planted.write_text(json.dumps(planted, indent=2) + "\n", encoding="utf-8")
    files.config.write_text(DEMO_CONFIG, encoding="utf-8")
    logger.info("demo data: %d sales lines written to %s", rows, out_dir)
    return files


# --- simulation -----------------------------------------------------------------------------


@dataclass(frozen=True)
class _Catalog:
    ids: list[str]
    names: list[str]
    category: IntArray  # index into CATEGORIES
    price_cents: IntArray  # base price
    raised_cents: IntArray  # price from PRICE_INCREASE_DATE (equals base outside the category)
    cost_cents: IntArray
    popularity: FloatArray  # probability of a line being this product; sums to 1


@dataclass(frozen=True)
class _Stockout:
    product: int
    start: int  # day index, inclusive
    end: int  # day index, inclusive


@dataclass(frozen=True)
class _Plan:
    spikes: tuple[int, ...]  # day indexes
    drops: tuple[int, ...]
    stockouts: tuple[_Stockout, ...]
    star_rep: int


@dataclass(frozen=True)
class _Customers:
    first_day: IntArray  # first day the customer can buy
    weight: FloatArray  # relative buying frequency (Pareto-like)
    segment: IntArray
    region: IntArray
    channel: IntArray  # preferred channel
    rep: IntArray  # account owner, a rep of the customer's region
    names: list[str]


@dataclass(frozen=True)
class _Lines:
    """Final sales lines, sorted by order number; region and rep follow from the customer."""

    order_no: IntArray  # 0-based, in date order
    day: IntArray
    customer: IntArray
    channel: IntArray
    product: IntArray
    quantity: IntArray
    price_cents: IntArray
    discount_pct: IntArray
    revenue_cents: IntArray
    n_orders: int
    n_returns: int


@dataclass(frozen=True)
class _Simulation:
    rows: int
    seed: int
    catalog: _Catalog
    plan: _Plan
    customers: _Customers
    lines: _Lines
    side_rng: np.random.Generator


def _day_index(d: date) -> int:
    return (d - SPAN_START).days


def _iso(day: int) -> str:
    return (SPAN_START + timedelta(days=int(day))).isoformat()


def _calendar() -> tuple[IntArray, IntArray, IntArray, IntArray]:
    """Weekday (Mon=0), month (1-12), day of year (0-based) and quarter index per day."""
    dates = np.datetime64(SPAN_START.isoformat(), "D") + np.arange(N_DAYS).astype("timedelta64[D]")
    epoch_days = dates.astype(np.int64)
    weekday = (epoch_days + 3) % 7  # 1970-01-01 was a Thursday
    months = dates.astype("datetime64[M]").astype(np.int64)  # months since 1970-01
    month = months % 12 + 1
    doy = epoch_days - dates.astype("datetime64[Y]").astype("datetime64[D]").astype(np.int64)
    start_month = (SPAN_START.year - 1970) * 12 + SPAN_START.month - 1
    quarter = (months - start_month) // 3
    return weekday, month, doy, quarter


def _quarter_label(quarter: int) -> tuple[str, date, date]:
    month0 = SPAN_START.month - 1 + 3 * quarter
    year = SPAN_START.year + month0 // 12
    month = month0 % 12 + 1
    start = date(year, month, 1)
    nxt = date(year + (month + 2) // 12, (month + 2) % 12 + 1, 1)
    return f"{year}-Q{(month - 1) // 3 + 1}", start, nxt - timedelta(days=1)


def _n_quarters() -> int:
    return int(_calendar()[3][-1]) + 1


def _simulate(rows: int, seed: int) -> _Simulation:
    if isinstance(rows, bool) or not isinstance(rows, numbers.Integral) or rows < MIN_ROWS:
        raise ValueError(f"rows must be an integer >= {MIN_ROWS}, got {rows!r}")
    rows = int(rows)
    root = np.random.default_rng(seed)
    # Independent streams: the catalog and the planted effects depend on the seed only, so
    # the planted dates and products are the same whatever the row count.
    catalog_rng, plan_rng, customer_rng, order_rng, side_rng = root.spawn(5)
    catalog = _make_catalog(catalog_rng)
    plan = _make_plan(plan_rng, catalog)
    customers = _make_customers(customer_rng, max(200, rows // 25))
    lines = _make_lines(order_rng, rows, catalog, plan, customers)
    logger.debug(
        "simulated %d lines in %d orders (%d returns) for %d customers",
        rows,
        lines.n_orders,
        lines.n_returns,
        customers.first_day.size,
    )
    return _Simulation(rows, seed, catalog, plan, customers, lines, side_rng)


def _make_catalog(rng: np.random.Generator) -> _Catalog:
    ids: list[str] = []
    names: list[str] = []
    category: list[int] = []
    typical: list[float] = []
    popularity: list[float] = []
    for c, items in enumerate(_ITEMS):
        brands = rng.permutation(len(_BRANDS))[: len(items)]
        prices = np.array([p for _, p in items], dtype=np.float64)
        # Popularity: lognormal spread, cheaper items bought more often, category share fixed.
        raw = rng.lognormal(0.0, 0.8, len(items)) * (prices / np.median(prices)) ** -0.35
        share = raw / raw.sum() * _CATEGORY_SHARE[c]
        for i, (item, price) in enumerate(items):
            ids.append(f"P{len(ids) + 1:04d}")
            names.append(f"{_BRANDS[int(brands[i])]} {item}")
            category.append(c)
            typical.append(price)
            popularity.append(float(share[i]))
    cat = np.array(category, dtype=np.int64)
    lo = np.array([_CATEGORY_PRICE_RANGE[c][0] for c in category])
    hi = np.array([_CATEGORY_PRICE_RANGE[c][1] for c in category])
    dollars = np.clip(np.array(typical) * rng.lognormal(0.0, 0.12, cat.size), lo, hi)
    # Retail-style prices: 128.99, 128.49 or 128.95.
    ending = rng.choice(np.array([1, 51, 5], dtype=np.int64), cat.size, p=[0.7, 0.2, 0.1])
    price = np.rint(dollars).astype(np.int64) * 100 - ending
    price = np.clip(price, np.rint(lo * 100), np.rint(hi * 100)).astype(np.int64)
    # Cost 45-70% of price, so even after the planted increase it stays >= 40%.
    cost = np.rint(price * rng.uniform(0.45, 0.70, cat.size)).astype(np.int64)
    raised = price.copy()
    beauty = cat == CATEGORIES.index(PRICE_INCREASE_CATEGORY)
    raised[beauty] = np.rint(price[beauty] * PRICE_INCREASE_FACTOR).astype(np.int64)
    pop = np.array(popularity)
    return _Catalog(ids, names, cat, price, raised, cost, pop / pop.sum())


def _make_plan(rng: np.random.Generator, catalog: _Catalog) -> _Plan:
    weekday, _, doy, _ = _calendar()
    days = np.arange(N_DAYS)
    # Plain weekdays away from the span edges, the holiday season (Nov 15 - Jan 5), holidays
    # and campaigns, at least 30 days apart: each anomaly stands alone.
    ok = (weekday < 5) & (days >= _day_index(date(2025, 1, 13)))
    ok &= days <= _day_index(date(2026, 8, 31))
    ok &= (doy < 318) & (doy > 4)
    for h in _HOLIDAYS:
        ok &= np.abs(days - _day_index(h)) > 3
    for camp in CAMPAIGNS:
        ok &= (days < _day_index(camp.start) - 7) | (days > _day_index(camp.end) + 7)
    chosen: list[int] = []
    for d in rng.permutation(days[ok]):
        if all(abs(int(d) - c) >= 30 for c in chosen):
            chosen.append(int(d))
        if len(chosen) == 4:
            break
    spikes = tuple(sorted(chosen[:2]))
    drops = tuple(sorted(chosen[2:]))

    # Stockouts hit popular products outside the categories carrying other planted effects.
    excluded = {CATEGORIES.index(DECLINING_CATEGORY), CATEGORIES.index(PRICE_INCREASE_CATEGORY)}
    ranked = [int(p) for p in np.argsort(-catalog.popularity, kind="stable")]
    candidates = [p for p in ranked if int(catalog.category[p]) not in excluded][:30]
    products = rng.choice(np.array(candidates), STOCKOUT_COUNT, replace=False)
    lengths = rng.integers(STOCKOUT_DAYS[0], STOCKOUT_DAYS[1] + 1, STOCKOUT_COUNT)
    first, last = (_day_index(d) for d in _STOCKOUT_WINDOW)
    stockouts = tuple(
        _Stockout(int(p), int(s), int(s + n - 1))
        for p, n, s in zip(
            products,
            lengths,
            [int(rng.integers(first, last - int(n) + 2)) for n in lengths],
            strict=True,
        )
    )
    stockouts = tuple(sorted(stockouts, key=lambda s: s.start))
    star = int(rng.integers(len(SALES_REPS)))
    return _Plan(spikes, drops, stockouts, star)


def _make_customers(rng: np.random.Generator, n: int) -> _Customers:
    segment = rng.choice(len(SEGMENTS), n, p=_SEGMENT_SHARE).astype(np.int64)
    region = rng.choice(len(REGIONS), n, p=_REGION_SHARE).astype(np.int64)
    channel = rng.choice(len(CHANNELS), n, p=_CHANNEL_SHARE).astype(np.int64)
    rep_region = np.array([REGIONS.index(r) for _, r in SALES_REPS])
    first_rep = np.array([int(np.argmax(rep_region == r)) for r in range(len(REGIONS))])
    rep_count = np.bincount(rep_region, minlength=len(REGIONS))
    rep = first_rep[region] + (rng.random(n) * rep_count[region]).astype(np.int64)
    # 30% are existing customers on day one; the rest are acquired over the span, more early.
    existing = rng.random(n) < 0.3
    first_day = np.where(existing, 0, np.floor(N_DAYS * rng.random(n) ** 1.4)).astype(np.int64)
    # Pareto-like activity: a few customers buy far more often than most.
    weight = np.minimum(rng.pareto(1.3, n) + 1.0, 60.0) * np.array(_SEGMENT_ACTIVITY)[segment]
    first = rng.integers(len(_FIRST_NAMES), size=n)
    last = rng.integers(len(_LAST_NAMES), size=n)
    names = [f"{_FIRST_NAMES[f]} {_LAST_NAMES[s]}" for f, s in zip(first, last, strict=True)]
    return _Customers(first_day, weight, segment, region, channel, rep.astype(np.int64), names)


def _day_weights(plan: _Plan) -> FloatArray:
    """Expected relative order volume per day: trend x weekday x season x planted anomalies."""
    weekday, _, doy, _ = _calendar()
    t = np.arange(N_DAYS, dtype=np.float64)
    trend = (1.0 + ANNUAL_GROWTH) ** (t / 365.0)
    week = np.array(WEEKDAY_FACTORS)[weekday]
    season = np.interp(doy.astype(np.float64), _MONTH_MIDS, MONTH_FACTORS, period=365.0)
    w = trend * week * season
    w[list(plan.spikes)] *= SPIKE_MULTIPLIER
    w[list(plan.drops)] *= DROP_MULTIPLIER
    return np.asarray(w, dtype=np.float64)


def _draw_customers(rng: np.random.Generator, days: IntArray, c: _Customers) -> IntArray:
    """Pick a customer per order, proportional to weight among customers active that day."""
    order = np.argsort(c.first_day, kind="stable")
    first_sorted = c.first_day[order]
    cum = np.cumsum(c.weight[order])
    eligible = np.searchsorted(first_sorted, days, side="right")  # >= 1: some start on day 0
    u = rng.random(days.size) * cum[eligible - 1]
    pos = np.minimum(np.searchsorted(cum, u, side="right"), eligible - 1)
    return np.asarray(order[pos], dtype=np.int64)


def _draw_orders(
    rng: np.random.Generator, n_base: int, plan: _Plan, c: _Customers
) -> tuple[IntArray, IntArray, IntArray]:
    """Order day, customer and channel for base orders plus the planted extra orders."""
    p = _day_weights(plan)
    day = rng.choice(N_DAYS, n_base, p=p / p.sum()).astype(np.int64)
    cust = _draw_customers(rng, day, c)
    other = rng.choice(len(CHANNELS), n_base, p=_CHANNEL_SHARE)
    chan = np.where(rng.random(n_base) < _PREFERRED_CHANNEL_RATE, c.channel[cust], other)
    chan = chan.astype(np.int64)

    # Campaign: +40% orders from its channel inside its window, from newly drawn customers.
    camp = PLANTED_CAMPAIGN
    camp_chan = CHANNELS.index(camp.channel)
    in_camp = (day >= _day_index(camp.start)) & (day <= _day_index(camp.end)) & (chan == camp_chan)
    n_camp = round(camp.order_uplift * int(in_camp.sum()))
    camp_day = rng.choice(day[in_camp], n_camp) if n_camp else np.empty(0, np.int64)
    camp_cust = _draw_customers(rng, camp_day, c)
    camp_chan_arr = np.full(n_camp, camp_chan, dtype=np.int64)

    # Over-achieving rep: their customers place 50% more orders in that quarter.
    quarter = _calendar()[3]
    star_q = _quarter_index(OVERACHIEVER_PERIOD)
    q_days = np.flatnonzero(quarter == star_q)
    is_star = (c.rep[cust] == plan.star_rep) & (quarter[day] == star_q)
    n_star = round(OVERACHIEVER_ORDER_BOOST * int(is_star.sum()))
    src = rng.choice(np.flatnonzero(is_star), n_star) if n_star else np.empty(0, np.int64)
    qp = p[q_days]
    star_day = rng.choice(q_days, n_star, p=qp / qp.sum()).astype(np.int64)
    star_cust = cust[src]
    star_day = np.maximum(star_day, c.first_day[star_cust])
    star_chan = chan[src]

    return (
        np.concatenate([day, camp_day.astype(np.int64), star_day]),
        np.concatenate([cust, camp_cust, star_cust]),
        np.concatenate([chan, camp_chan_arr, star_chan]),
    )


def _quarter_index(label: str) -> int:
    for q in range(_n_quarters()):
        if _quarter_label(q)[0] == label:
            return q
    raise ValueError(f"{label} is outside the demo span")


def _stockout_mask(plan: _Plan, product: IntArray, day: IntArray) -> BoolArray:
    mask = np.zeros(product.size, dtype=np.bool_)
    for s in plan.stockouts:
        mask |= (product == s.product) & (day >= s.start) & (day <= s.end)
    return mask


def _draw_products(
    rng: np.random.Generator,
    order_idx: IntArray,
    day: IntArray,
    catalog: _Catalog,
    plan: _Plan,
) -> IntArray:
    """A product per line: by popularity, distinct within an order, none while out of stock.

    Out-of-stock and duplicate picks are redrawn inside the same category (a shopper buys a
    substitute), so category volumes are unaffected by the stockouts.
    """
    product = rng.choice(catalog.popularity.size, order_idx.size, p=catalog.popularity)
    product = product.astype(np.int64)
    in_cat = [np.flatnonzero(catalog.category == c) for c in range(len(CATEGORIES))]
    for _ in range(100):  # each pass fixes all but a few percent of the remaining lines
        bad = _stockout_mask(plan, product, day)
        for k in range(1, len(_LINES_PER_ORDER_P)):
            same = (order_idx[k:] == order_idx[:-k]) & (product[k:] == product[:-k])
            bad[k:] |= same
        if not bad.any():
            return product
        cat = catalog.category[product]
        for c, members in enumerate(in_cat):
            redo = np.flatnonzero(bad & (cat == c))
            if redo.size:
                w = catalog.popularity[members]
                product[redo] = rng.choice(members, redo.size, p=w / w.sum())
    raise RuntimeError("could not place products around the planted stockouts")


def _decline_keep_probability(day: IntArray) -> FloatArray:
    start, end = _day_index(DECLINE_START), N_DAYS - 1
    frac = np.clip((day - start) / (end - start), 0.0, 1.0)
    return np.asarray(1.0 - (1.0 - DECLINE_END_FACTOR) * frac, dtype=np.float64)


def _make_lines(
    rng: np.random.Generator, rows: int, catalog: _Catalog, plan: _Plan, c: _Customers
) -> _Lines:
    n_returns = round(rows * RETURN_FRACTION)
    n_sale = rows - n_returns
    mean_lines = float(np.dot(np.arange(1, 6), _LINES_PER_ORDER_P))
    factor = 1.08
    toys = CATEGORIES.index(DECLINING_CATEGORY)
    while True:
        # Draw ~8% too many orders, then keep a random subset of whole orders: the subset keeps
        # every planted proportion and hits the requested line count exactly.
        n_base = math.ceil(n_sale / mean_lines * factor) + 50
        o_day, o_cust, o_chan = _draw_orders(rng, n_base, plan, c)
        n_orders = o_day.size
        n_lines = rng.choice(5, n_orders, p=_LINES_PER_ORDER_P).astype(np.int64) + 1
        line_order = np.repeat(np.arange(n_orders, dtype=np.int64), n_lines)
        line_day = o_day[line_order]
        product = _draw_products(rng, line_order, line_day, catalog, plan)
        # Declining category: its lines thin out linearly over the last four months.
        is_toy = catalog.category[product] == toys
        keep = ~is_toy | (rng.random(product.size) < _decline_keep_probability(line_day))
        line_order, product = line_order[keep], product[keep]
        counts = np.bincount(line_order, minlength=n_orders)
        perm = rng.permutation(n_orders)
        cum = np.cumsum(counts[perm])
        if cum[-1] >= n_sale:
            break
        factor *= 1.15
    last = int(np.searchsorted(cum, n_sale))
    kept_orders = np.zeros(n_orders, dtype=np.bool_)
    kept_orders[perm[: last + 1]] = True
    room = n_sale - (int(cum[last - 1]) if last > 0 else 0)  # lines the last order may keep
    starts = np.cumsum(counts) - counts
    pos = np.arange(line_order.size) - starts[line_order]
    keep = kept_orders[line_order] & ((line_order != perm[last]) | (pos < room))
    line_order, product = line_order[keep], product[keep]
    day = o_day[line_order]
    cust = o_cust[line_order]
    chan = o_chan[line_order]

    quantity = rng.choice(10, line_order.size, p=_QUANTITY_P).astype(np.int64) + 1
    corporate = c.segment[cust] == SEGMENTS.index("Corporate")
    quantity = np.minimum(quantity + corporate * rng.binomial(2, 0.25, quantity.size), 10)
    discount = np.where(
        rng.random(quantity.size) < _DISCOUNT_RATE,
        rng.choice(np.array(_DISCOUNT_PCTS, dtype=np.int64), quantity.size, p=_DISCOUNT_P),
        0,
    ).astype(np.int64)
    camp = PLANTED_CAMPAIGN
    in_camp = (chan == CHANNELS.index(camp.channel)) & (day >= _day_index(camp.start))
    in_camp &= day <= _day_index(camp.end)
    promo = in_camp & (rng.random(quantity.size) < 0.7)
    discount[promo] = np.maximum(discount[promo], _CAMPAIGN_DISCOUNT_PCT)
    raised = day >= _day_index(PRICE_INCREASE_DATE)
    price = np.where(raised, catalog.raised_cents[product], catalog.price_cents[product])
    # No exact half cents: 20% off never produces one, so it replaces a tying discount.
    discount[_half_cent(quantity, price, discount)] = 20

    # Returns: a share of purchases come back later (never after the span, never while the
    # product is out of stock), as their own one-line orders with negative quantity.
    lag = np.minimum(rng.geometric(0.08, quantity.size), 60).astype(np.int64)
    r_day = day + lag
    eligible = r_day < N_DAYS
    eligible &= ~_stockout_mask(plan, product, np.minimum(r_day, N_DAYS - 1))
    src = np.sort(rng.choice(np.flatnonzero(eligible), n_returns, replace=False))
    full = rng.random(n_returns) < 0.75
    partial = (rng.random(n_returns) * quantity[src]).astype(np.int64) + 1
    r_qty = np.where(full, quantity[src], partial)
    tie = _half_cent(r_qty, price[src], discount[src])
    r_qty[tie] = quantity[src][tie]

    # Order numbers in date order, returns included.
    sale_orders, line_order = np.unique(line_order, return_inverse=True)
    n_sale_orders = sale_orders.size
    all_order_day = np.concatenate([o_day[sale_orders], r_day[src]])
    tiebreak = rng.random(all_order_day.size)
    rank = np.empty(all_order_day.size, dtype=np.int64)
    rank[np.lexsort((tiebreak, all_order_day))] = np.arange(all_order_day.size)
    order_no = np.concatenate(
        [rank[line_order], rank[n_sale_orders + np.arange(n_returns, dtype=np.int64)]]
    )
    sort = np.argsort(order_no, kind="stable")

    def both(a: IntArray, b: IntArray) -> IntArray:
        return np.asarray(np.concatenate([a, b])[sort], dtype=np.int64)

    quantity_all = both(quantity, -r_qty)
    price_all = both(price, price[src])
    discount_all = both(discount, discount[src])
    units = quantity_all * price_all * (100 - discount_all)  # hundredths of a cent
    revenue = np.sign(units) * ((np.abs(units) + 50) // 100)
    return _Lines(
        order_no=np.asarray(order_no[sort], dtype=np.int64),
        day=both(day, r_day[src]),
        customer=both(cust, cust[src]),
        channel=both(chan, chan[src]),
        product=both(product, product[src]),
        quantity=quantity_all,
        price_cents=price_all,
        discount_pct=discount_all,
        revenue_cents=np.asarray(revenue, dtype=np.int64),
        n_orders=int(all_order_day.size),
        n_returns=n_returns,
    )


def _half_cent(quantity: IntArray, price_cents: IntArray, discount_pct: IntArray) -> BoolArray:
    """Lines whose exact revenue ends in exactly half a cent (a rounding tie)."""
    units = np.abs(quantity) * price_cents * (100 - discount_pct)
    return np.asarray(units % 100 == 50, dtype=np.bool_)


# --- tables ---------------------------------------------------------------------------------

_BATCH_ROWS: Final = 1 << 21


def _codes(prefix: str, numbers: IntArray, width: int) -> pa.Array:
    """Fixed-width codes like ``SO-000123`` built straight into an Arrow buffer (no Python)."""
    head = np.frombuffer(prefix.encode("ascii"), dtype=np.uint8)
    length = head.size + width
    n = int(numbers.size)
    buf = np.empty((n, length), dtype=np.uint8)
    buf[:, : head.size] = head
    rest = numbers.astype(np.int64, copy=True)
    for col in range(length - 1, head.size - 1, -1):
        buf[:, col] = 48 + rest % 10
        rest //= 10
    offsets = np.arange(n + 1, dtype=np.int64) * length
    return pa.Array.from_buffers(
        pa.large_string(), n, [None, pa.py_buffer(offsets), pa.py_buffer(buf)]
    ).cast(pa.string())


def _take(values: list[str] | pa.Array, idx: IntArray) -> pa.Array:
    dictionary = values if isinstance(values, pa.Array) else pa.array(values, pa.string())
    return dictionary.take(pa.array(idx))


def _sales_table(sim: _Simulation) -> pa.Table:
    lines, cat, cust = sim.lines, sim.catalog, sim.customers
    order_width = max(6, len(str(lines.n_orders)))
    cust_width = max(5, len(str(cust.first_day.size)))
    customer_ids = _codes("C", np.arange(1, cust.first_day.size + 1, dtype=np.int64), cust_width)
    customer_names = pa.array(cust.names, pa.string())
    rep_names = [name for name, _ in SALES_REPS]
    batches = []
    for lo in range(0, sim.rows, _BATCH_ROWS):
        s = slice(lo, min(lo + _BATCH_ROWS, sim.rows))
        c = lines.customer[s]
        p = lines.product[s]
        arrays = [
            _codes("SO-", lines.order_no[s] + 1, order_width),
            pa.array((lines.day[s] + _EPOCH_OFFSET).astype(np.int32), pa.int32()).cast(pa.date32()),
            _take(customer_ids, c),
            _take(customer_names, c),
            _take(list(SEGMENTS), cust.segment[c]),
            _take(cat.ids, p),
            _take(cat.names, p),
            _take(list(CATEGORIES), cat.category[p]),
            pa.array(lines.quantity[s], pa.int64()),
            pa.array(lines.price_cents[s] / 100.0, pa.float64()),
            pa.array(lines.discount_pct[s] / 100.0, pa.float64()),
            pa.array(lines.revenue_cents[s] / 100.0, pa.float64()),
            pa.array(cat.cost_cents[p] / 100.0, pa.float64()),
            _take(list(REGIONS), cust.region[c]),
            _take([COUNTRY], np.zeros(c.size, dtype=np.int64)),
            _take(list(CHANNELS), lines.channel[s]),
            _take(rep_names, cust.rep[c]),
        ]
        batches.append(pa.RecordBatch.from_arrays(arrays, names=list(SALES_COLUMNS)))
    return pa.Table.from_batches(batches)


def _write_csv(table: pa.Table, path: Path) -> None:
    """Plain CSV: an unquoted header, then rows (no value contains a comma or a quote)."""
    with path.open("wb") as fh:
        fh.write((",".join(table.column_names) + "\n").encode("utf-8"))
        pacsv.write_csv(
            table,
            fh,
            write_options=pacsv.WriteOptions(include_header=False, quoting_style="none"),
        )


def _dates(days: IntArray) -> pa.Array:
    return pa.array((days + _EPOCH_OFFSET).astype(np.int32), pa.int32()).cast(pa.date32())


def _positive_orders_by_day_channel(lines: _Lines) -> IntArray:
    sale = lines.quantity > 0
    first = np.ones(lines.order_no.size, dtype=np.bool_)
    first[1:] = lines.order_no[1:] != lines.order_no[:-1]
    pick = sale & first
    key = lines.day[pick] * len(CHANNELS) + lines.channel[pick]
    counts = np.bincount(key, minlength=N_DAYS * len(CHANNELS))
    return np.asarray(counts.reshape(N_DAYS, len(CHANNELS)), dtype=np.int64)


def _marketing_spend_table(sim: _Simulation, rng: np.random.Generator) -> pa.Table:
    """Daily spend per paid channel, with conversions tied to that channel's actual orders."""
    orders = _positive_orders_by_day_channel(sim.lines)
    days = np.arange(N_DAYS, dtype=np.int64)
    parts: dict[str, list[Any]] = {k: [] for k in ("date", "channel", "campaign")}
    numbers: dict[str, list[Any]] = {k: [] for k in ("spend", "impressions", "clicks", "conv")}
    kernel = np.ones(7) / 7.0
    for name in _PAID_CHANNELS:
        ctr, cvr, price = _CHANNEL_ECONOMICS[name]
        o = orders[:, CHANNELS.index(name)]
        conversions = rng.binomial(o, _ATTRIBUTION_RATE)
        # Clicks follow the weekly-smoothed order level so tiny data sets still get traffic.
        level = np.maximum(np.convolve(o.astype(np.float64), kernel, mode="same"), 0.3)
        clicks = np.rint(level * _ATTRIBUTION_RATE / cvr * rng.lognormal(0.0, 0.1, N_DAYS))
        impressions = np.rint(clicks / ctr * rng.lognormal(0.0, 0.08, N_DAYS))
        campaign = np.full(N_DAYS, None, dtype=object)
        spend_mult = np.ones(N_DAYS)
        for camp in CAMPAIGNS:
            if camp.channel != name:
                continue
            window = (days >= _day_index(camp.start)) & (days <= _day_index(camp.end))
            campaign[window] = camp.name
            spend_mult[window] = camp.spend_multiplier
            if camp.order_uplift == 0.0:  # more reach, little response
                impressions[window] = np.rint(impressions[window] * camp.spend_multiplier)
        clicks = np.maximum(clicks, conversions)
        impressions = np.maximum(impressions, clicks)
        # Email is paid per 1000 sends, the others per click.
        spend = impressions / 1000.0 * price if name == "Email" else clicks * price
        spend = np.round(spend * spend_mult * rng.lognormal(0.0, 0.05, N_DAYS), 2)
        parts["date"].append(days)
        parts["channel"].append(np.full(N_DAYS, _PAID_CHANNELS.index(name), dtype=np.int64))
        parts["campaign"].extend(campaign.tolist())
        numbers["spend"].append(spend)
        numbers["impressions"].append(impressions.astype(np.int64))
        numbers["clicks"].append(clicks.astype(np.int64))
        numbers["conv"].append(conversions.astype(np.int64))
    day = np.concatenate(parts["date"])
    chan = np.concatenate(parts["channel"])
    order = np.lexsort((chan, day))
    campaigns = np.array(parts["campaign"], dtype=object)[order]
    return pa.table(
        {
            "date": _dates(day[order]),
            "channel": _take(list(_PAID_CHANNELS), chan[order]),
            "campaign": pa.array(campaigns.tolist(), pa.string()),
            "spend": pa.array(np.concatenate(numbers["spend"])[order], pa.float64()),
            "impressions": pa.array(np.concatenate(numbers["impressions"])[order], pa.int64()),
            "clicks": pa.array(np.concatenate(numbers["clicks"])[order], pa.int64()),
            "conversions": pa.array(np.concatenate(numbers["conv"])[order], pa.int64()),
        }
    )


def _campaigns_table() -> pa.Table:
    return pa.table(
        {
            "campaign": [c.name for c in CAMPAIGNS],
            "channel": [c.channel for c in CAMPAIGNS],
            "start_date": pa.array([c.start for c in CAMPAIGNS], pa.date32()),
            "end_date": pa.array([c.end for c in CAMPAIGNS], pa.date32()),
        }
    )


def _rep_revenue(sim: _Simulation) -> FloatArray:
    """Net revenue (returns included) per rep and quarter of order date, in dollars."""
    quarter = _calendar()[3]
    n_q = _n_quarters()
    rep = sim.customers.rep[sim.lines.customer]
    key = rep * n_q + quarter[sim.lines.day]
    cents = np.bincount(
        key, weights=sim.lines.revenue_cents.astype(np.float64), minlength=len(SALES_REPS) * n_q
    )
    return np.asarray(cents.reshape(len(SALES_REPS), n_q) / 100.0, dtype=np.float64)


def _round_sig(x: float, digits: int = 3) -> float:
    """Round to ``digits`` significant digits: quotas are round numbers in real life."""
    if x <= 0:
        return 100.0
    step = 10.0 ** (math.floor(math.log10(x)) - digits + 1)
    return float(round(x / step) * step)


def _quotas_table(sim: _Simulation, rng: np.random.Generator) -> tuple[pa.Table, dict[str, Any]]:
    actual = _rep_revenue(sim)
    n_reps, n_q = actual.shape
    attainment = rng.uniform(*_QUOTA_ATTAINMENT_RANGE, size=(n_reps, n_q))
    star_q = _quarter_index(OVERACHIEVER_PERIOD)
    attainment[sim.plan.star_rep, star_q] = OVERACHIEVER_ATTAINMENT
    cols: dict[str, list[Any]] = {
        k: [] for k in ("sales_rep", "region", "period", "period_start", "period_end", "quota")
    }
    for r, (rep, region) in enumerate(SALES_REPS):
        for q in range(n_q):
            label, start, end = _quarter_label(q)
            cols["sales_rep"].append(rep)
            cols["region"].append(region)
            cols["period"].append(label)
            cols["period_start"].append(start)
            cols["period_end"].append(end)
            cols["quota"].append(_round_sig(float(actual[r, q] / attainment[r, q])))
    table = pa.table(
        {
            "sales_rep": pa.array(cols["sales_rep"], pa.string()),
            "region": pa.array(cols["region"], pa.string()),
            "period": pa.array(cols["period"], pa.string()),
            "period_start": pa.array(cols["period_start"], pa.date32()),
            "period_end": pa.array(cols["period_end"], pa.date32()),
            "quota": pa.array(cols["quota"], pa.float64()),
        }
    )
    star_rep, star_region = SALES_REPS[sim.plan.star_rep]
    quota = float(cols["quota"][sim.plan.star_rep * n_q + star_q])
    revenue = round(float(actual[sim.plan.star_rep, star_q]), 2)
    overachiever = {
        "sales_rep": star_rep,
        "region": star_region,
        "period": OVERACHIEVER_PERIOD,
        "quota": quota,
        "actual_revenue": revenue,
        "attainment": round(revenue / quota, 4),
        "order_boost": OVERACHIEVER_ORDER_BOOST,
        "revenue_definition": "sum(revenue) of the rep's lines dated in the period, returns "
        "included",
        "other_reps_attainment_range": list(_QUOTA_ATTAINMENT_RANGE),
    }
    return table, overachiever


def _inventory_table(sim: _Simulation, rng: np.random.Generator) -> pa.Table:
    """Monday snapshots per product; zero stock exactly inside the planted stockouts."""
    weekday = _calendar()[0]
    mondays = np.flatnonzero(weekday == 0).astype(np.int64)
    n_prod = len(sim.catalog.ids)
    sold = sim.lines.quantity > 0
    units = np.bincount(sim.lines.product[sold], weights=sim.lines.quantity[sold], minlength=n_prod)
    weekly = units / (N_DAYS / 7.0)
    cover = rng.uniform(1.5, 5.0, size=(mondays.size, n_prod))
    on_hand = np.rint(weekly[None, :] * cover).astype(np.int64)
    on_hand += rng.integers(1, 8, size=on_hand.shape)
    stockout = np.zeros(on_hand.shape, dtype=np.bool_)
    for s in sim.plan.stockouts:
        inside = (mondays >= s.start) & (mondays <= s.end)
        before = (mondays >= s.start - 7) & (mondays < s.start)  # running low
        on_hand[inside, s.product] = 0
        stockout[inside, s.product] = True
        on_hand[before, s.product] = np.minimum(on_hand[before, s.product], 2)
    day = np.repeat(mondays, n_prod)
    product = np.tile(np.arange(n_prod, dtype=np.int64), mondays.size)
    return pa.table(
        {
            "date": _dates(day),
            "product_id": _take(sim.catalog.ids, product),
            "on_hand": pa.array(on_hand.ravel(), pa.int64()),
            "stockout": pa.array(stockout.ravel(), pa.bool_()),
        }
    )


def _planted_effects(sim: _Simulation, fmt: str, overachiever: dict[str, Any]) -> dict[str, Any]:
    plan, catalog = sim.plan, sim.catalog
    camp = PLANTED_CAMPAIGN
    anomalies = [
        {"date": _iso(d), "kind": "spike", "order_multiplier": SPIKE_MULTIPLIER}
        for d in plan.spikes
    ] + [{"date": _iso(d), "kind": "drop", "order_multiplier": DROP_MULTIPLIER} for d in plan.drops]
    anomalies.sort(key=lambda a: str(a["date"]))
    return {
        "generator": {"rows": sim.rows, "seed": sim.seed, "sales_format": fmt},
        "date_span": {"start": SPAN_START.isoformat(), "end": SPAN_END.isoformat()},
        "seasonality": {
            "annual_order_growth": ANNUAL_GROWTH,
            "weekday_factors": dict(
                zip(("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"), WEEKDAY_FACTORS, strict=True)
            ),
            "mid_month_factors": dict(zip(_MONTH_NAMES, MONTH_FACTORS, strict=True)),
        },
        "anomalous_days": anomalies,
        "campaign": {
            "name": camp.name,
            "channel": camp.channel,
            "start_date": camp.start.isoformat(),
            "end_date": camp.end.isoformat(),
            "order_uplift": camp.order_uplift,
            "spend_multiplier": camp.spend_multiplier,
        },
        "other_campaigns": [
            {
                "name": c.name,
                "channel": c.channel,
                "start_date": c.start.isoformat(),
                "end_date": c.end.isoformat(),
                "order_uplift": c.order_uplift,
            }
            for c in CAMPAIGNS
            if c is not camp
        ],
        "declining_category": {
            "category": DECLINING_CATEGORY,
            "start_date": DECLINE_START.isoformat(),
            "end_date": SPAN_END.isoformat(),
            "end_volume_factor": DECLINE_END_FACTOR,
        },
        "price_increase": {
            "category": PRICE_INCREASE_CATEGORY,
            "effective_date": PRICE_INCREASE_DATE.isoformat(),
            "factor": PRICE_INCREASE_FACTOR,
            "volume_change": 0.0,
        },
        "stockouts": [
            {
                "product_id": catalog.ids[s.product],
                "product_name": catalog.names[s.product],
                "category": CATEGORIES[int(catalog.category[s.product])],
                "start_date": _iso(s.start),
                "end_date": _iso(s.end),
                "days": s.end - s.start + 1,
            }
            for s in plan.stockouts
        ],
        "quota_overachiever": overachiever,
        "returns": {
            "fraction": round(sim.lines.n_returns / sim.rows, 6),
            "lines": sim.lines.n_returns,
        },
    }
