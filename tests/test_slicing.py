"""``--where`` and ``--compare``: the figures of a filtered run and of a chosen comparison
period, checked against SQL written by hand on the same files."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

import salescope
from salescope.config import Config, load_config
from salescope.errors import ConfigError, EmptyDataError
from salescope.render import write_outputs
from salescope.render.json import report_to_dict
from tests.conftest import fixed_clock
from tests.test_cli import assert_user_error
from tests.test_cli import salescope as cli

SHOP = Path(__file__).parent / "golden" / "shop_export" / "shop_export.csv"
LINE = "quantity * unit_price - discount"


def _sql(query: str) -> float:
    value = duckdb.sql(query.replace("SHOP", f"read_csv_auto('{SHOP}')")).fetchone()
    assert value is not None
    return float(value[0] or 0.0)


def _run(path: Path, **settings: object) -> salescope.Report:
    config = Config(currency="EUR", **settings)  # type: ignore[arg-type]
    return salescope.run([path], config, clock=fixed_clock)


def test_where_keeps_only_matching_lines() -> None:
    where = "region = 'East' and channel != 'Store'"
    report = _run(SHOP, period="2024-Q2", where=where)
    q2 = "order_date between '2024-04-01' and '2024-06-30'"
    q1 = "order_date between '2024-01-01' and '2024-03-31'"
    kept = "region = 'East' and channel != 'Store'"
    revenue, orders = report.kpi("revenue"), report.kpi("orders")
    assert revenue is not None and orders is not None
    assert revenue.value == pytest.approx(
        _sql(f"select sum({LINE}) from SHOP where {q2} and {kept}")
    )
    assert revenue.previous == pytest.approx(
        _sql(f"select sum({LINE}) from SHOP where {q1} and {kept}")
    )
    assert orders.value == _sql(
        f"select count(distinct order_id) from SHOP where {q2} and {kept} and quantity > 0"
    )
    # every breakdown is over the kept lines only
    region = report.breakdown("region")
    assert region is not None and [m.key for m in region.rows] == ["East"]
    note = report.quality.assumptions[0]
    total = int(_sql("select count(*) from SHOP"))
    kept_lines = int(_sql(f"select count(*) from SHOP where {kept}"))
    assert note.startswith("only the lines where region = 'East' AND channel != 'Store'")
    assert f"{kept_lines:,} of {total:,} accepted lines" in note


def test_where_reads_source_headers_and_roles_alike(tmp_path: Path) -> None:
    path = tmp_path / "sales.csv"
    path.write_text(
        "Order,Date,Sales Channel,Amount\n"
        "A1,2024-04-02,Web,100\nA2,2024-04-03,Shop,40\nA3,2024-05-09,Web,25\n",
        encoding="utf-8",
    )
    by_header = _run(path, period="2024-Q2", where="\"Sales Channel\" = 'Web'")
    by_role = _run(path, period="2024-Q2", where="channel = 'Web'")
    for report in (by_header, by_role):
        revenue = report.kpi("revenue")
        assert revenue is not None and revenue.value == 125.0  # 100 + 25, by hand


def test_where_that_matches_nothing_names_the_values() -> None:
    with pytest.raises(EmptyDataError) as caught:
        _run(SHOP, period="2024-Q2", where="region = 'Eats'")
    message = str(caught.value.args[0])
    assert "matches none of the" in message and "'East'" in message


def test_where_errors_are_one_line_with_exit_2(tmp_path: Path) -> None:
    unknown = cli("report", SHOP, "--where", "regoin = 'East'", "-o", tmp_path / "a", cwd=tmp_path)
    assert_user_error(unknown, "no column 'regoin'", "did you mean 'region'")
    sql = cli("report", SHOP, "--where", "region = 'East'; drop table x", cwd=tmp_path)
    assert_user_error(sql, "--where")
    nothing = cli("report", SHOP, "--where", "region = 'Nowhere'", cwd=tmp_path)
    assert_user_error(nothing, "matches none")


def _two_years(tmp_path: Path) -> Path:
    rows = [
        ("A1", "2023-04-03", "C1", 100.0),
        ("A2", "2023-05-11", "C2", 60.0),
        ("A3", "2023-06-20", "C1", 40.0),
        ("B1", "2024-01-15", "C3", 500.0),
        ("B2", "2024-02-15", "C1", 500.0),
        ("B3", "2024-03-15", "C2", 500.0),
        ("D1", "2024-04-05", "C1", 120.0),
        ("D2", "2024-05-06", "C4", 90.0),
        ("D3", "2024-06-28", "C2", 30.0),
    ]
    # keep the data covering every quarter from 2023-Q2
    rows += [(f"F{i}", f"2023-{m:02d}-15", "C9", 10.0) for i, m in enumerate(range(7, 13))]
    path = tmp_path / "two_years.csv"
    lines = ["order_id,order_date,customer_id,revenue"]
    lines += [",".join(map(str, r)) for r in rows]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_compare_replaces_the_previous_period(tmp_path: Path) -> None:
    path = _two_years(tmp_path)
    report = _run(path, period="2024-Q2", compare="2023-Q2")
    assert report.period.previous is not None and report.period.previous[0] == "2023-Q2"
    revenue, customers = report.kpi("revenue"), report.kpi("customers")
    assert revenue is not None and customers is not None
    assert revenue.value == 240.0 and revenue.previous == 200.0  # by hand
    assert revenue.change_pct == pytest.approx(20.0)
    # C1 and C2 bought in 2023-Q2 and again in 2024-Q2: retention 2 of 2
    retention = report.kpi("retention_rate")
    assert retention is not None and retention.value == 1.0
    default = _run(path, period="2024-Q2")
    assert default.period.previous is not None and default.period.previous[0] == "2024-Q1"
    previous = default.kpi("revenue")
    assert previous is not None and previous.previous == 1500.0


@pytest.mark.parametrize(
    ("compare", "text"),
    [("2024-Q2", "must end before"), ("2024-05", "must end before"), ("2022-Q1", "data starts")],
)
def test_compare_outside_the_rules_is_refused(tmp_path: Path, compare: str, text: str) -> None:
    with pytest.raises(ConfigError) as caught:
        _run(_two_years(tmp_path), period="2024-Q2", compare=compare)
    assert text in str(caught.value.args[0])
    result = cli(
        "report", _two_years(tmp_path), "-p", "2024-Q2", "--compare", compare, cwd=tmp_path
    )
    assert_user_error(result, text)


# --- metrics and dimensions of your own ---------------------------------------------------


def _yml(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "salescope.yml"
    path.write_text(text, encoding="utf-8")
    return path


def test_custom_metric_and_dimension_are_reported_like_built_in_ones(tmp_path: Path) -> None:

    config = load_config(
        _yml(
            tmp_path,
            "period: 2024-Q2\ncurrency: EUR\n"
            "metrics:\n"
            "  gross_profit: {expr: revenue_with_cost - cost, format: money}\n"
            "  lines_per_order: {expr: lines / orders, label: Lines per order}\n"
            "dimensions:\n  route: {column: CHANNEL, label: Route to market}\n",
        )
    )
    report = salescope.run([SHOP], config, clock=fixed_clock)
    q2 = "order_date between '2024-04-01' and '2024-06-30'"
    q1 = "order_date between '2024-01-01' and '2024-03-31'"
    profit = f"sum({LINE} - quantity * unit_cost)"
    gp = report.kpi("gross_profit")
    assert gp is not None and gp.unit == "currency" and gp.label == "Gross profit"
    assert gp.value == pytest.approx(_sql(f"select {profit} from SHOP where {q2}"), abs=0.005)
    assert gp.previous == pytest.approx(_sql(f"select {profit} from SHOP where {q1}"), abs=0.005)
    lpo = report.kpi("lines_per_order")
    orders = _sql(f"select count(distinct order_id) from SHOP where {q2} and quantity > 0")
    assert lpo is not None and lpo.label == "Lines per order"
    assert lpo.value == pytest.approx(_sql(f"select count(*) from SHOP where {q2}") / orders)
    # the built-in margin is the same computation: gross profit / revenue
    margin, revenue = report.kpi("gross_margin"), report.kpi("revenue")
    assert margin is not None and revenue is not None and gp.value is not None
    assert margin.value == pytest.approx(gp.value / (revenue.value or 1), abs=1e-6)
    route = report.breakdown("route")
    assert route is not None and route.label == "Route to market"
    expected = duckdb.sql(
        f"select channel, sum({LINE}) from read_csv_auto('{SHOP}') where {q2} "
        "group by channel order by 2 desc"
    ).fetchall()
    assert [(m.key, m.revenue) for m in route.rows] == [
        (k, pytest.approx(v, abs=0.005)) for k, v in expected
    ]
    data = report_to_dict(report)
    assert data["facts"]["kpi.gross_profit"]["value"] == gp.value  # type: ignore[index]
    assert "route" in data["breakdowns"]  # type: ignore[operator]
    written = write_outputs(report, tmp_path / "out", ("md",))
    text = next(p for p in written if p.suffix == ".md").read_text(encoding="utf-8")
    assert "Gross profit" in text and "Route to market" in text


@pytest.mark.parametrize(
    ("yml", "text"),
    [
        ("metrics:\n  gp: {expr: revenue - profit}\n", "'profit' is no measure"),
        ("metrics:\n  gp: {expr: 'sum(revenue)'}\n", "only + - * /"),
        ("metrics:\n  aov: {expr: revenue / orders}\n", "not a measure or a built-in KPI"),
        ("metrics:\n  gp: {expr: revenue, format: euros}\n", "format"),
        ("dimensions:\n  brand: {column: Brand}\n", "no column 'Brand'"),
        ("dimensions:\n  region: {column: region}\n", "already reads"),
    ],
)
def test_custom_metric_errors_are_one_line(tmp_path: Path, yml: str, text: str) -> None:
    config = _yml(tmp_path, "period: 2024-Q2\n" + yml)
    result = cli("report", SHOP, "-c", config, "-f", "json", "-o", tmp_path / "o", cwd=tmp_path)
    assert_user_error(result, text)


# --- one report per member ----------------------------------------------------------------


def test_by_writes_one_report_per_member_and_an_index(tmp_path: Path) -> None:
    import json

    source = SHOP.read_text(encoding="utf-8").replace(",West,", ",<b>West</b>,")
    path = tmp_path / "shop.csv"
    path.write_text(source, encoding="utf-8")
    _yml(tmp_path, "period: 2024-Q2\ncurrency: EUR\n")
    result = cli("report", path, "-f", "json,md,html", "-o", "out", "--by", "region", cwd=tmp_path)
    assert result.code == 0, result.stderr
    folder = tmp_path / "out" / "by-region"
    expected = dict(
        duckdb.sql(
            f"select region, sum({LINE}) from read_csv_auto('{path}') "
            "where order_date between '2024-04-01' and '2024-06-30' group by region"
        ).fetchall()
    )
    index = (folder / "index.md").read_text(encoding="utf-8")
    total = 0.0
    for region, revenue in expected.items():
        name = "b_west_b" if region == "<b>West</b>" else region.lower()
        data = json.loads((folder / name / "report.json").read_text(encoding="utf-8"))
        assert data["kpis"]["revenue"]["value"] == pytest.approx(revenue, abs=0.005)
        assert [m["key"] for m in data["breakdowns"]["region"]] == [region]
        assert f"]({name}/report.md)" in index
        total += data["kpis"]["revenue"]["value"]
    whole = json.loads((tmp_path / "out" / "report.json").read_text(encoding="utf-8"))
    assert total == pytest.approx(whole["kpis"]["revenue"]["value"], abs=0.01)
    page = (folder / "index.html").read_text(encoding="utf-8")
    assert "<b>West</b>" not in page and "&lt;b&gt;West&lt;/b&gt;" in page


def test_by_an_unknown_dimension_is_a_one_line_error(tmp_path: Path) -> None:
    result = cli("report", SHOP, "-p", "2024-Q2", "-f", "json", "--by", "brand", cwd=tmp_path)
    assert_user_error(result, "--by brand", "region")
