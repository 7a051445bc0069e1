"""The demo, validate, inspect and init commands, run as a user would."""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from pathlib import Path

import duckdb
import yaml


def salescope(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "salescope.cli", "--quiet", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        check=False,
    )


def test_demo_writes_data_and_a_report_whose_revenue_matches_sql(tmp_path: Path) -> None:
    out = tmp_path / "demo"
    done = salescope("demo", "--rows", "5000", "--seed", "3", "--out", str(out))
    assert done.returncode == 0, done.stderr
    assert str(out / "report.html") in done.stdout
    report = json.loads((out / "report.json").read_text())
    p = report["period"]
    sales = out / "data" / "sales.csv"
    revenue, rows = duckdb.sql(
        f"SELECT sum(revenue) FILTER (WHERE order_date BETWEEN '{p['start']}' AND '{p['end']}'), "
        f"count(*) FROM read_csv_auto('{sales}')"
    ).fetchone()  # type: ignore[misc]
    assert report["kpis"]["revenue"]["value"] == round(revenue, 2)
    assert report["quality"]["rows_read"] == rows == 5000
    for side in ("marketing_spend.csv", "campaigns.csv", "quotas.csv", "inventory.csv"):
        assert (out / "data" / side).stat().st_size > 0
    # the demo's salescope.yml says its plain amounts are US dollars
    assert report["currency"] == "USD"
    assert "currency: USD" in (out / "data" / "salescope.yml").read_text()
    # the headline figure in the Markdown is the one in report.json
    assert f"${report['kpis']['revenue']['value']:,.0f}" in (out / "report.md").read_text()


MESSY = """\
Fecha,Cliente,Umsatz,Region
2024-01-03,A,100.50,Nord
,B,20,Sued
2024-01-09,C,,Nord
2024-01-10,  ,7.25,
2024-02-01,A,12,Nord
"""


def test_validate_writes_quality_and_quarantine_that_reconcile(tmp_path: Path) -> None:
    path = tmp_path / "messy.csv"
    path.write_text(MESSY)
    done = salescope("validate", str(path), "--out", str(tmp_path / "v"))
    assert done.returncode == 0, done.stderr
    quality = json.loads((tmp_path / "v" / "quality.json").read_text())
    with (tmp_path / "v" / "quarantine.csv").open() as handle:
        quarantined = list(csv.DictReader(handle))
    assert quality["rows_read"] == 5
    assert quality["rows_quarantined"] == len(quarantined) == 2
    assert quality["rows_accepted"] == 3
    assert sorted(r["_reason"] for r in quarantined) == ["missing_date", "missing_revenue"]
    checks = {c["code"]: c["rows"] for c in quality["checks"]}
    assert checks["missing_customer_id"] == 1  # "  " is empty after trimming
    assert checks["missing_region"] == 1


def test_init_writes_the_detected_mapping_and_report_uses_it(tmp_path: Path) -> None:
    path = tmp_path / "messy.csv"
    path.write_text(MESSY)
    done = salescope("init", str(path), cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    config = yaml.safe_load((tmp_path / "salescope.yml").read_text())
    assert config["mapping"] == {
        "order_date": "Fecha",
        "customer_id": "Cliente",
        "revenue": "Umsatz",
        "region": "Region",
    }
    assert "currency" not in config  # the data names none: only a commented hint
    assert "# currency:" in (tmp_path / "salescope.yml").read_text()
    # a second init does not overwrite without --force
    again = salescope("init", str(path), cwd=tmp_path)
    assert again.returncode == 2 and again.stderr.startswith("error: ")
    # point revenue elsewhere by hand: the report must follow the file, not detection
    (tmp_path / "alt.csv").write_text("when,amount,other\n2024-01-02,5,100\n2024-01-03,6,200\n")
    (tmp_path / "alt.yml").write_text("mapping:\n  order_date: when\n  revenue: other\n")
    done = salescope(
        "report",
        "alt.csv",
        "--config",
        "alt.yml",
        "--period",
        "all",
        "--format",
        "json",
        "--out",
        "o",
        cwd=tmp_path,
    )
    assert done.returncode == 0, done.stderr
    report = json.loads((tmp_path / "o" / "report.json").read_text())
    assert report["kpis"]["revenue"]["value"] == 300.0
    assert report["quality"]["mapping"]["revenue"] == "other"


def test_init_writes_the_currency_the_data_names(tmp_path: Path) -> None:
    path = tmp_path / "sales.csv"
    path.write_text("order_id,order_date,Umsatz (EUR)\n1,2024-01-02,10.00\n2,2024-01-03,5.00\n")
    done = salescope("init", str(path), cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert yaml.safe_load((tmp_path / "salescope.yml").read_text())["currency"] == "EUR"


def test_inspect_shows_roles_and_how_to_override(tmp_path: Path) -> None:
    path = tmp_path / "messy.csv"
    path.write_text(MESSY)
    done = salescope("inspect", str(path))
    assert done.returncode == 0, done.stderr
    for role, column in [
        ("order_date", "Fecha"),
        ("customer_id", "Cliente"),
        ("revenue", "Umsatz"),
    ]:
        line = next(x for x in done.stdout.splitlines() if f" {role} " in x)
        assert column in line
    assert "salescope.yml" in done.stdout
