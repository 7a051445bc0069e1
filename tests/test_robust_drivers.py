"""Movers and the margin story hold on real-world noise.

Small hand-made exports, each built to trigger one rule: an order and its cancellation net
out before movers are ranked; a mover resting on one order is marked thin and gets no
insight or action; a category that really fell is still the bottom contributor; a margin
squeeze is a key finding with its figures (recomputed here with DuckDB) and the category
behind it, and the conclusion does not call the period growth alone.
"""

from __future__ import annotations

import csv
import json
import random
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import duckdb
import pytest

import salescope
from salescope.analysis import drivers
from salescope.engine import connect
from salescope.model import Contributor, Report
from salescope.narrative import format as fmt
from tests.conftest import fixed_clock, lines_and_windows

Q1, Q2 = date(2024, 1, 1), date(2024, 4, 1)
DAYS = 91  # both quarters of 2024 have 91 days
PERIOD = "2024-Q2"
HEADER = ("order_id", "order_date", "customer_id", "product_id", "category", "quantity")


@dataclass(frozen=True)
class Sale:
    order_id: str
    day: date
    customer: str
    product: str
    category: str
    quantity: int
    price: float
    cost: float | None = None  # of the whole line


def steady(
    start: date,
    products: tuple[tuple[str, str, float], ...],
    quantity: int = 2,
    every: int = 1,
    prefix: str = "O",
    cost_ratio: dict[str, float] | None = None,
) -> list[Sale]:
    """One order a day (or every ``every`` days) of each product, through the quarter."""
    out = []
    for n in range(0, DAYS, every):
        day = start + timedelta(days=n)
        for product, category, price in products:
            ratio = (cost_ratio or {}).get(category)
            cost = None if ratio is None else round(quantity * price * ratio, 2)
            oid = f"{prefix}{start:%m}{n:03d}{product}"
            out.append(Sale(oid, day, f"K{n % 30}", product, category, quantity, price, cost))
    return out


def write(path: Path, sales: list[Sale]) -> Path:
    costed = any(s.cost is not None for s in sales)
    with path.open("w", newline="") as handle:
        out = csv.writer(handle)
        out.writerow((*HEADER, "unit_price", *(("cost",) if costed else ())))
        for s in sales:
            row = [s.order_id, s.day.isoformat(), s.customer, s.product, s.category, s.quantity]
            row.append(f"{s.price:.2f}")
            if costed:
                row.append("" if s.cost is None else f"{s.cost:.2f}")
            out.writerow(row)
    return path


def run(path: Path, tmp: Path) -> tuple[Report, dict, str]:  # type: ignore[type-arg]
    report = salescope.run([path], period=PERIOD, clock=fixed_clock)
    salescope.write_outputs(report, tmp, ("json", "md"))
    return report, json.loads((tmp / "report.json").read_text()), (tmp / "report.md").read_text()


def movers(report: Report, kind: str) -> list[str]:
    return [i.subject or "" for i in report.insights if i.type == kind]


def action_texts(report: Report) -> list[str]:
    return [r.text for r in report.recommendations]


def contributor(report: Report, dimension: str, key: str) -> Contributor | None:
    assert report.drivers is not None
    return next(
        (c for c in report.drivers.contributors if c.dimension == dimension and c.key == key),
        None,
    )


def section(markdown: str, title: str) -> str:
    return markdown.split(f"## {title}\n", 1)[1].split("\n## ", 1)[0]


# the same shop in both quarters: A grows (a real driver), the rest holds
SHOP = (("A", "Garden", 25.0), ("B", "Kitchen", 40.0), ("C", "Kitchen", 30.0))
GROWTH = (("A", "Garden", 25.0),)


def shop(extra: list[Sale]) -> list[Sale]:
    return [
        *steady(Q1, SHOP),
        *steady(Q2, SHOP),
        *steady(Q2, GROWTH, every=3, prefix="G"),  # A sells a third more in Q2
        *extra,
    ]


# --- an order and its cancellation -------------------------------------------------------


def cancelled(
    oid: str, day: date, later: date, product: str, category: str, **kw: str
) -> list[Sale]:
    """A large order (100 times the usual) and the credit note that cancels it."""
    sale = Sale(oid, day, "K99", product, category, 200, 40.0)
    return [
        sale,
        Sale(f"C{oid}", later, "K99", product, kw.get("credit_category", category), -200, 40.0),
    ]


def test_an_order_cancelled_the_same_day_is_no_mover(tmp_path: Path) -> None:
    # B: a same-day credit note whose line lacks the category (a gross flow between members)
    # C: an order on the previous quarter's last day, cancelled the next morning
    extra = [
        *cancelled("X1", date(2024, 5, 10), date(2024, 5, 10), "B", "Kitchen", credit_category=""),
        *cancelled("X2", date(2024, 3, 31), date(2024, 4, 1), "C", "Kitchen"),
    ]
    report, doc, _ = run(write(tmp_path / "s.csv", shop(extra)), tmp_path)
    d = report.drivers
    assert d is not None and d.cancelled_pairs == 2
    for dimension, key in (("product", "B"), ("product", "C"), ("category", "Kitchen")):
        assert contributor(report, dimension, key) is None, (dimension, key)
    assert contributor(report, "category", "(missing)") is None
    a = contributor(report, "product", "A")
    assert a is not None and a.change == round(31 * 2 * 25.0, 2) and not a.thin
    assert movers(report, "top_contributor") == ["A"] or movers(report, "top_contributor") == [
        "Garden"
    ]
    for subject in movers(report, "top_contributor") + movers(report, "bottom_contributor"):
        assert subject not in ("B", "C", "Kitchen", "(missing)")
    assert not [t for t in action_texts(report) if " B" in t or " C " in t or "Kitchen" in t]
    assert doc["drivers"]["cancelled_pairs"] == 2


def test_without_the_netting_the_cancellation_would_move_the_member(tmp_path: Path) -> None:
    extra = cancelled("X2", date(2024, 3, 31), date(2024, 4, 1), "C", "Kitchen")
    config = salescope.Config(insights={"cancel_days": -1})  # no pairing
    report = salescope.run(
        [write(tmp_path / "s.csv", shop(extra))], config, period=PERIOD, clock=fixed_clock
    )
    c = contributor(report, "product", "C")
    assert c is not None and c.change == -2 * 200 * 40.0  # the gross flows, both periods
    assert report.drivers is not None and report.drivers.cancelled_pairs == 0


def pairing_lines(seed: int) -> list[Sale]:
    """Sales of a few products at a few prices, some cancelled by a return 0-20 days later,
    some returns that cancel nothing, lines without a customer or a product, and equal
    sales on one day: the pairing's hard cases."""
    rng = random.Random(seed)
    out = []
    for n in range(700):
        day = date(2023, 12, 1) + timedelta(days=rng.randrange(230))
        product = rng.choice(("P1", "P2", "P3", ""))
        customer = rng.choice(("K1", "K2", "")) if rng.random() < 0.6 else f"K{n}"
        quantity, price = rng.choice((1, 2)), rng.choice((10.0, 20.0, 15.5))
        out.append(Sale(f"S{n:04d}", day, customer, product, "Cat", quantity, price))
        if rng.random() < 0.25:  # a second line of the same order
            other = rng.choice(("P1", "P2", "P3"))
            out.append(Sale(f"S{n:04d}", day, customer, other, "Cat", 1, rng.choice((10.0, 9.0))))
        if rng.random() < 0.3:  # a return of that line, or of an amount nobody bought
            later = day + timedelta(days=rng.randrange(21))
            odd = rng.random() < 0.2
            back = Sale(f"R{n:04d}", later, customer, product, "Cat", -quantity, price + odd)
            out.append(back)
    return out


def netted_sql(path: Path, days: int) -> str:
    """The lines of the padded 2024-Q1 and Q2 with ``cancelled``, by the definition: every
    line ordered within its product, amount and customer (sales before returns on a day);
    a return cancels the sale just before it, within ``days``."""
    return f"""
        WITH t AS (
            SELECT order_id, order_date, product_id, customer_id,
                   quantity * unit_price AS revenue, quantity < 0 AS is_return,
                   CAST(round(abs(quantity * unit_price) * 100) AS BIGINT) AS cents
            FROM read_csv('{path}')
            WHERE order_date BETWEEN DATE '{Q1}' - {days} AND DATE '2024-06-30' + {days}
        ), w AS (
            SELECT *, lag(is_return) OVER p AS bi, lag(order_date) OVER p AS bd,
                   lead(is_return) OVER p AS ai, lead(order_date) OVER p AS ad
            FROM t
            WINDOW p AS (PARTITION BY product_id, cents, customer_id
                         ORDER BY order_date, is_return, order_id)
        )
        SELECT *, coalesce(CASE WHEN is_return THEN NOT bi AND order_date - bd <= {days}
                                ELSE ai AND ad - order_date <= {days} END, false)
                  AND product_id IS NOT NULL AND cents > 0 AS cancelled
        FROM w
    """


@pytest.mark.parametrize("engine", ["duckdb", "pyspark"])
def test_cancelled_lines_are_those_of_a_window_over_every_line(tmp_path: Path, engine: str) -> None:
    # the definition in DuckDB over the file (netted_sql). A return line has no order id
    # in salescope: two returns of one day in one group are interchangeable.
    days = 7
    path = write(tmp_path / "s.csv", pairing_lines(3))
    lines, windows = lines_and_windows(connect(engine), path, PERIOD)
    netted = drivers._with_cancellations(lines, windows, days)
    cols = ["order_id", "order_date", "revenue", "cancelled"]
    got = sorted(
        (r["order_id"] or "", r["order_date"], round(r["revenue"], 2), r["cancelled"])
        for r in netted.select(*cols).to_pyarrow().to_pylist()
    )
    expected = duckdb.sql(
        f"SELECT CASE WHEN is_return THEN '' ELSE order_id END, order_date, round(revenue, 2), "
        f"cancelled FROM ({netted_sql(path, days)})"
    ).fetchall()
    assert got == sorted(expected)
    flagged = [r for r in got if r[3]]
    # the fixture has pairs, blank customers among them, and unpaired returns
    assert len(flagged) >= 40 and len([r for r in got if r[2] < 0 and not r[3]]) >= 10
    blank = {s.order_id for s in pairing_lines(3) if not s.customer}
    assert {r[0] for r in flagged} & blank


def test_each_movers_orders_leave_out_cancelled_orders_and_returns(tmp_path: Path) -> None:
    # per product, this quarter and the last: distinct order ids with a sale line that no
    # return cancelled (cancel_days 1 by default), lines without a product as "(missing)"
    path = write(tmp_path / "s.csv", pairing_lines(4))
    lines, windows = lines_and_windows(connect("duckdb"), path, PERIOD)
    found = drivers.compute_drivers(lines, windows, threshold=0.0)
    assert found is not None
    got = {
        c.key: (c.orders, c.previous_orders) for c in found.contributors if c.dimension == "product"
    }
    counted = " AND NOT cancelled AND NOT is_return"
    expected = duckdb.sql(
        f"""
        SELECT coalesce(product_id, '(missing)'),
               count(DISTINCT order_id) FILTER (WHERE order_date >= DATE '{Q2}'{counted}),
               count(DISTINCT order_id) FILTER (WHERE order_date BETWEEN DATE '{Q1}'
                                                AND DATE '{Q2}' - 1{counted})
        FROM ({netted_sql(path, 1)})
        WHERE order_date BETWEEN DATE '{Q1}' AND DATE '2024-06-30'
        GROUP BY 1
        """
    ).fetchall()
    assert len(got) == 4 and got == {key: (now, before) for key, now, before in expected}


# --- one order in the previous period ------------------------------------------------------


def test_a_product_of_one_order_is_thin_and_gets_no_action(tmp_path: Path) -> None:
    once = Sale("Z1", date(2024, 2, 14), "K77", "Z", "Seasonal", 60, 40.0)  # 2,400, none now
    report, doc, markdown = run(write(tmp_path / "s.csv", shop([once])), tmp_path)
    z = contributor(report, "product", "Z")
    assert z is not None and z.thin and (z.previous_orders, z.orders) == (1, 0)
    assert z.change == -2400.0  # listed, and marked
    listed = [c for c in doc["drivers"]["contributors"] if c["key"] == "Z"]
    assert listed and listed[0]["thin"] is True and listed[0]["previous_orders"] == 1
    assert "Z" not in movers(report, "bottom_contributor")
    assert "Seasonal" not in movers(report, "bottom_contributor")
    assert not [t for t in action_texts(report) if "Z fell" in t or "Seasonal fell" in t]
    assert "Find out why Z" not in markdown and "Find out why Seasonal" not in markdown
    table = section(markdown, "What drove the change")
    assert [row for row in table.splitlines() if "| Z |" in row and "few orders" in row]


def test_a_rise_that_is_mostly_one_bulk_order_is_thin(tmp_path: Path) -> None:
    # B sells as every day, plus one customer's bulk order on one day: 120 x 40 = 4,800 of
    # a 4,800 rise; A's rise (a third more orders, each of 50) rests on no single order
    bulk = Sale("BULK", date(2024, 5, 20), "K88", "B", "Kitchen", 120, 40.0)
    report, doc, _ = run(write(tmp_path / "s.csv", shop([bulk])), tmp_path)
    b, a = contributor(report, "product", "B"), contributor(report, "product", "A")
    assert b is not None and b.change == 4800.0 and b.orders == 92 and b.thin
    assert a is not None and a.change == round(31 * 2 * 25.0, 2) and not a.thin
    assert "B" not in movers(report, "top_contributor")
    assert not [t for t in action_texts(report) if "Build on B" in t]
    listed = [c for c in doc["drivers"]["contributors"] if c["key"] == "B"]
    assert listed and listed[0]["thin"] is True


def test_a_small_base_is_not_called_falling(tmp_path: Path) -> None:
    # three small orders before (0.2% of revenue), none now: not thin, but too small a base
    small = [Sale(f"S{n}", date(2024, 2, 1 + n), "K50", "S", "Spare", 1, 20.0) for n in range(3)]
    report, _, _ = run(write(tmp_path / "s.csv", shop(small)), tmp_path)
    s = contributor(report, "product", "S")
    assert s is not None and not s.thin and s.previous_orders == 3  # listed: 4% of the change
    assert movers(report, "bottom_contributor") == []
    assert not [t for t in action_texts(report) if "why S fell" in t]
    # the share is a setting: at zero the same member is a falling one
    config = salescope.Config(insights={"min_base_share": 0.0})
    again = salescope.run([tmp_path / "s.csv"], config, period=PERIOD, clock=fixed_clock)
    assert movers(again, "bottom_contributor") == ["Spare"]  # its category: the same lines


# --- a category that really fell -----------------------------------------------------------


def test_a_steady_category_that_fell_is_still_the_bottom_contributor(tmp_path: Path) -> None:
    # Kitchen sells every other day in Q2 instead of every day: hundreds of orders, a real fall
    sales = [
        *steady(Q1, SHOP),
        *steady(Q2, (("A", "Garden", 25.0),)),
        *steady(Q2, (("B", "Kitchen", 40.0), ("C", "Kitchen", 30.0)), every=2),
        Sale("Z1", date(2024, 2, 14), "K77", "Z", "Seasonal", 60, 40.0),  # thin, alongside
    ]
    report, _, markdown = run(write(tmp_path / "s.csv", sales), tmp_path)
    kitchen = contributor(report, "category", "Kitchen")
    assert kitchen is not None and not kitchen.thin and kitchen.previous_orders == 2 * DAYS
    assert movers(report, "bottom_contributor") == ["Kitchen"]
    assert "Find out why Kitchen fell" in " ".join(action_texts(report))
    assert "Find out why Kitchen fell" in markdown


# --- margin squeeze ------------------------------------------------------------------------

GADGETS, TOOLS = ("P1", "Gadgets", 50.0), ("P2", "Tools", 30.0)


def margin_shop(gadget_cost_now: float) -> list[Sale]:
    """Revenue up 40% (each product sells 1.4 times the units); Tools keeps its cost."""
    before = steady(Q1, (GADGETS, TOOLS), quantity=5, cost_ratio={"Gadgets": 0.86, "Tools": 0.86})
    now = steady(
        Q2, (GADGETS, TOOLS), quantity=7, cost_ratio={"Gadgets": gadget_cost_now, "Tools": 0.86}
    )
    return before + now


def reference(path: Path) -> dict[str, float]:
    """Revenue, gross profit and margin per quarter, straight from the file."""
    q = """
        select quarter(order_date) as q, sum(quantity * unit_price) as revenue,
               sum(quantity * unit_price - cost) as profit
        from read_csv_auto(?) group by q order by q
    """
    (q1, r0, p0), (q2, r1, p1) = duckdb.execute(q, [str(path)]).fetchall()
    assert (q1, q2) == (1, 2)
    return {
        "revenue_pct": 100 * (r1 / r0 - 1),
        "profit_pct": 100 * (p1 / p0 - 1),
        "margin0": p0 / r0,
        "margin1": p1 / r1,
    }


def test_a_margin_squeeze_is_a_key_finding_with_its_category(tmp_path: Path) -> None:
    path = write(tmp_path / "s.csv", margin_shop(gadget_cost_now=0.92))
    ref = reference(path)
    assert ref["revenue_pct"] == pytest.approx(40.0)
    assert ref["margin0"] == pytest.approx(0.14) and 0.09 < ref["margin1"] < 0.11
    assert 0 < ref["profit_pct"] < ref["revenue_pct"] - 10  # cost rose faster than revenue
    report, _, markdown = run(path, tmp_path)
    expected = (
        f"Revenue rose {abs(ref['revenue_pct']):.1f}% but gross profit only "
        f"{abs(ref['profit_pct']):.1f}%: gross margin fell "
        f"{fmt.points(ref['margin0'] - ref['margin1']).lstrip('+')}, from "
        f"{fmt.fraction(ref['margin0'])} to {fmt.fraction(ref['margin1'])}"
    )
    findings = section(markdown, "Key findings")
    assert expected in findings
    squeeze = next(i for i in report.insights if i.type == "margin_squeeze")
    assert squeeze.subject == "Gadgets" and "Gadgets, whose own margin went from 14.0%" in findings
    assert "Tools" not in squeeze.text
    assert {"executive", "finance"} <= set(squeeze.departments)
    conclusion = section(markdown, "Conclusion")
    assert "The business grew" not in conclusion
    assert "gross profit did not keep pace" in conclusion
    assert any("in Gadgets first" in t for t in action_texts(report))
    executive = (tmp_path / "departments" / "executive.md").read_text()
    finance = (tmp_path / "departments" / "finance.md").read_text()
    assert expected in executive and expected in finance


def test_revenue_and_margin_moving_together_is_no_squeeze(tmp_path: Path) -> None:
    path = write(tmp_path / "s.csv", margin_shop(gadget_cost_now=0.86))
    ref = reference(path)
    assert ref["revenue_pct"] == pytest.approx(40.0)
    assert ref["profit_pct"] == pytest.approx(40.0)
    report, _, markdown = run(path, tmp_path)
    assert not [i for i in report.insights if i.type == "margin_squeeze"]
    assert "gross profit" not in section(markdown, "Key findings")
    assert "The business grew in 2024-Q2" in section(markdown, "Conclusion")
