"""Side tables: recognised among the inputs by their columns, normalised, rows accounted for."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import duckdb
import pytest

import salescope
from salescope.config import Config
from salescope.demo_data import DemoFiles
from salescope.engine import connect
from salescope.errors import InputError
from salescope.pipeline import load
from salescope.sources.side import load_side_tables
from tests.conftest import fixed_clock
from tests.test_cli import salescope as salescope_cli

TODAY = date(2026, 11, 1)


def _write(path: Path, text: str) -> Path:
    path.write_text(text.strip() + "\n", encoding="utf-8")
    return path


def _sales(folder: Path) -> Path:
    return _write(
        folder / "sales.csv",
        """
order_id,order_date,customer_id,product_id,channel,sales_rep,region,revenue,cost
A1,2026-07-01,C1,P1,Email,Ann Lee,North,100,60
A2,2026-07-02,C2,P2,Social,Bob Ray,South,50,20
A3,2026-08-03,C1,P1,Email,Ann Lee,North,80,40
""",
    )


def test_demo_side_tables_are_recognised_and_every_row_is_used(demo_files: DemoFiles) -> None:
    loaded = load(demo_files.inputs, Config(), connect("duckdb"), TODAY)
    kinds = {t.kind: t for t in loaded.validation.quality.side_tables}
    assert set(kinds) == {"marketing", "campaigns", "quotas", "inventory"}
    files = {
        "marketing": demo_files.marketing_spend,
        "campaigns": demo_files.campaigns,
        "quotas": demo_files.quotas,
        "inventory": demo_files.inventory,
    }
    for kind, path in files.items():
        rows = duckdb.sql(f"select count(*) from read_csv_auto('{path}')").fetchone()
        assert rows is not None
        assert kinds[kind].rows == kinds[kind].rows_used == rows[0]
    # the sales lines are what rows_read counts, side tables are not sales lines
    sales_rows = duckdb.sql(f"select count(*) from read_csv_auto('{demo_files.sales}')").fetchone()
    assert sales_rows is not None
    assert loaded.validation.quality.rows_read == sales_rows[0]
    spend = loaded.side.marketing
    assert spend is not None
    expected = duckdb.sql(
        f"select round(sum(spend), 2) from read_csv_auto('{demo_files.marketing_spend}')"
    ).fetchone()
    assert expected is not None
    got = spend.aggregate(s=spend.spend.sum()).to_pyarrow().to_pylist()[0]["s"]
    assert round(got, 2) == pytest.approx(expected[0])


def test_other_spellings_are_read_and_bad_rows_counted(tmp_path: Path) -> None:
    spend = _write(
        tmp_path / "ads.csv",
        """
Day;Source;Ad Spend;Link Clicks;Impr
13/07/2026;Email;"1.234,50";10;1000
14/07/2026;Social;"99,00";5;800
not a date;Social;"1,00";1;1
""",
    )
    quotas = _write(
        tmp_path / "targets.csv",
        """
Salesperson,Quarter,Target
Ann Lee,2026-Q3,"150,000"
Bob Ray,2026-07,40000
Bob Ray,someday,1
""",
    )
    stock = _write(
        tmp_path / "stock.csv",
        """
As of,SKU,In Stock
2026-07-06,P1,yes
2026-07-13,P1,no
2026-07-13,,no
""",
    )
    side = load_side_tables(connect("duckdb"), [spend, quotas, stock])
    infos = {t.kind: t for t in side.infos}
    assert (infos["marketing"].rows, infos["marketing"].rows_used) == (3, 2)
    assert (infos["quotas"].rows, infos["quotas"].rows_used) == (3, 2)
    assert (infos["inventory"].rows, infos["inventory"].rows_used) == (3, 2)
    assert infos["marketing"].mapping["spend"] == "Ad Spend"
    assert side.marketing is not None and side.quotas is not None and side.inventory is not None
    m = side.marketing.order_by("date").to_pyarrow().to_pylist()
    # day-first dates (13/07 reads only day-first) and a decimal comma
    assert [r["date"] for r in m] == [date(2026, 7, 13), date(2026, 7, 14)]
    assert [r["spend"] for r in m] == [1234.5, 99.0]
    assert [r["clicks"] for r in m] == [10.0, 5.0]
    assert m[0]["conversions"] is None  # the file has none: present and null
    q = side.quotas.order_by("sales_rep").to_pyarrow().to_pylist()
    assert [(r["sales_rep"], r["start"], r["end"], r["quota"]) for r in q] == [
        ("Ann Lee", date(2026, 7, 1), date(2026, 9, 30), 150000.0),
        ("Bob Ray", date(2026, 7, 1), date(2026, 7, 31), 40000.0),
    ]
    inv = side.inventory.order_by("date").to_pyarrow().to_pylist()
    assert [(r["product"], r["stockout"]) for r in inv] == [("P1", False), ("P1", True)]


def test_a_sales_table_with_cost_and_channel_is_not_marketing_spend(tmp_path: Path) -> None:
    sales = _write(
        tmp_path / "sales.csv",
        """
date,channel,quantity,price,cost
2026-07-01,Email,2,10,5
2026-07-02,Social,1,20,8
""",
    )
    report = salescope.run([sales], clock=fixed_clock)
    assert report.quality.side_tables == ()
    assert report.quality.rows_accepted == 2


def test_side_tables_named_in_config(tmp_path: Path) -> None:
    sales = _sales(tmp_path)
    # columns the detector would not guess: the config says what it is
    spend = _write(
        tmp_path / "ads.csv",
        """
date,channel,spend
2026-07-01,Email,30
2026-08-01,Email,20
""",
    )
    named = Config(side_tables={"marketing": [str(spend)]}, period="2026-Q3")
    loaded = load([sales], named, connect("duckdb"), TODAY)
    assert [t.kind for t in loaded.validation.quality.side_tables] == ["marketing"]
    assert loaded.validation.quality.rows_read == 3
    wrong = Config(side_tables={"quotas": [str(spend)]})
    with pytest.raises(InputError, match="cannot be read as sales quotas"):
        load([sales], wrong, connect("duckdb"), TODAY)


def test_only_side_tables_is_a_clear_error(demo_files: DemoFiles, tmp_path: Path) -> None:
    result = salescope_cli("report", demo_files.quotas, demo_files.campaigns, cwd=tmp_path)
    assert result.code == 2
    assert result.stderr.startswith("error: no input looks like sales lines")
    assert "Traceback" not in result.stderr


def test_the_demo_folder_reads_as_sales_plus_side_tables(demo_files: DemoFiles) -> None:
    report = salescope.run([demo_files.sales.parent], clock=fixed_clock)
    kinds = sorted(t.kind for t in report.quality.side_tables)
    assert kinds == ["campaigns", "inventory", "marketing", "quotas"]
    # the planted-effects file starts with "_" and is not read as data
    assert all("planted" not in i.path for i in report.run.inputs)
    sales_rows = duckdb.sql(f"select count(*) from read_csv_auto('{demo_files.sales}')").fetchone()
    assert sales_rows is not None and report.quality.rows_read == sales_rows[0]
