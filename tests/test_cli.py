"""The CLI contract of DESIGN.md, on the real command run as a subprocess.

User errors exit 2 with exactly one ``error: ... (hint: ...)`` line on stderr and no
traceback; success exits 0 and writes the chosen formats.
"""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

# (order_id, order_date, customer_id, category, quantity, unit_price): 2024-Q1, Q2, part of Q3.
ROWS: tuple[tuple[str, str, str, str, int, str], ...] = (
    ("A01", "2024-01-05", "C1", "Tools", 2, "10.50"),
    ("A02", "2024-02-20", "C2", "Toys", 1, "99.99"),
    ("A03", "2024-03-31", "C1", "Tools", 3, "10.50"),
    ("A04", "2024-04-01", "C3", "Toys", 5, "4.25"),
    ("A05", "2024-04-15", "C2", "Tools", 1, "10.50"),
    ("A06", "2024-05-09", "C4", "Toys", 2, "99.99"),
    ("A07", "2024-06-30", "C1", "Toys", 4, "4.25"),
    ("A08", "2024-07-01", "C5", "Tools", 6, "10.50"),
)


@dataclass(frozen=True)
class Result:
    code: int
    stdout: str
    stderr: str


def salescope(
    *args: str | Path, cwd: Path, timeout: float = 120, env: dict[str, str] | None = None
) -> Result:
    """``python -m salescope.cli ARGS`` as automation would run it (no terminal), with
    ``env`` added to this process's environment."""
    done = subprocess.run(
        [sys.executable, "-m", "salescope.cli", *map(str, args)],
        cwd=cwd,
        env={**os.environ, **env} if env else None,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    return Result(done.returncode, done.stdout, done.stderr)


def write_sales(folder: Path) -> Path:
    lines = ["order_id,order_date,customer_id,category,quantity,unit_price"]
    lines += [",".join(map(str, row)) for row in ROWS]
    path = folder / "sales.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def assert_user_error(result: Result, *expected: str) -> None:
    """Exit 2, one ``error:`` line with a hint on stderr, nothing else, no traceback."""
    context = f"exit {result.code}\nstdout: {result.stdout!r}\nstderr: {result.stderr!r}"
    assert result.code == 2, context
    assert "Traceback" not in result.stdout + result.stderr, context
    lines = result.stderr.splitlines()
    assert len(lines) == 1, context
    line = lines[0]
    assert line.startswith("error: "), context
    assert len(line) > len("error: "), context
    assert "hint:" in line, context
    assert result.stdout == "", context
    for text in expected:
        assert text in line, context


def _missing_file(tmp: Path) -> list[str | Path]:
    return ["report", tmp / "nowhere.csv"]


def _unsupported_type(tmp: Path) -> list[str | Path]:
    path = tmp / "data.xyz"
    path.write_text("order_date,amount\n2024-01-01,10\n", encoding="utf-8")
    return ["report", path]


def _no_date_column(tmp: Path) -> list[str | Path]:
    path = tmp / "no_date.csv"
    path.write_text("customer,amount\nC1,10.5\nC2,20\n", encoding="utf-8")
    return ["report", path]


def _no_amount_column(tmp: Path) -> list[str | Path]:
    path = tmp / "no_amount.csv"
    path.write_text("date,customer\n2024-01-01,C1\n2024-01-02,C2\n", encoding="utf-8")
    return ["report", path]


def _unknown_period(tmp: Path) -> list[str | Path]:
    return ["report", write_sales(tmp), "--period", "last-tuesday"]


def _unknown_format(tmp: Path) -> list[str | Path]:
    return ["report", write_sales(tmp), "--format", "json,docx"]


def _unknown_role_in_config(tmp: Path) -> list[str | Path]:
    config = tmp / "salescope.yml"
    config.write_text("mapping:\n  flavour: category\n", encoding="utf-8")
    return ["report", write_sales(tmp), "--config", config]


def _invalid_currency_in_config(tmp: Path) -> list[str | Path]:
    config = tmp / "salescope.yml"
    config.write_text("currency: pounds\n", encoding="utf-8")
    return ["report", write_sales(tmp), "--config", config]


def _closed_port() -> int:
    with socket.socket() as sock:  # bound, never listening: connections are refused
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _unreachable_spark_master(tmp: Path) -> list[str | Path]:
    return ["report", write_sales(tmp), "--engine", f"spark://127.0.0.1:{_closed_port()}"]


def _unreachable_spark_connect(tmp: Path) -> list[str | Path]:
    return ["report", write_sales(tmp), "--engine", f"sc://127.0.0.1:{_closed_port()}/;token=s3"]


def _spark_url_with_password(tmp: Path) -> list[str | Path]:
    return ["report", write_sales(tmp), "--engine", "spark://ann:s3cret@127.0.0.1:7077"]


USER_ERRORS = {
    "missing file": (_missing_file, ("nowhere.csv",)),
    "unsupported file type": (_unsupported_type, (".xyz",)),
    "no date column": (_no_date_column, ("date",)),
    "no amount column": (_no_amount_column, ("amount",)),
    "unknown period": (_unknown_period, ("last-tuesday",)),
    "unknown format": (_unknown_format, ("docx",)),
    "unknown role in config": (_unknown_role_in_config, ("flavour",)),
    "invalid currency in config": (_invalid_currency_in_config, ("pounds", "ISO 4217")),
    # refused at once: no Java started, no minutes of Spark's own retries
    "unreachable spark master": (_unreachable_spark_master, ("Spark master", "127.0.0.1:")),
    "unreachable spark connect": (_unreachable_spark_connect, ("Spark Connect", "127.0.0.1:")),
    "spark url with password": (_spark_url_with_password, ("no user name or password", "***")),
}


@pytest.mark.parametrize("case", list(USER_ERRORS))
def test_user_error_is_one_line_with_hint_and_exit_2(case: str, tmp_path: Path) -> None:
    make_args, expected = USER_ERRORS[case]
    out = tmp_path / "out"
    result = salescope(*make_args(tmp_path), "--out", out, cwd=tmp_path)
    assert_user_error(result, *expected)
    assert not (out / "report.json").exists()


def test_report_writes_json_and_md_with_hand_computed_revenue(tmp_path: Path) -> None:
    sales = write_sales(tmp_path)
    out = tmp_path / "out"
    result = salescope(
        "report", sales, "--period", "2024-Q2", "--format", "json,md", "--out", out, cwd=tmp_path
    )
    assert result.code == 0, result.stderr
    assert "Traceback" not in result.stdout + result.stderr

    q2 = [r for r in ROWS if date(2024, 4, 1) <= date.fromisoformat(r[1]) <= date(2024, 6, 30)]
    q1 = [r for r in ROWS if date(2024, 1, 1) <= date.fromisoformat(r[1]) <= date(2024, 3, 31)]
    revenue = sum(Decimal(r[4]) * Decimal(r[5]) for r in q2)
    previous = sum(Decimal(r[4]) * Decimal(r[5]) for r in q1)
    assert revenue == Decimal("248.73")  # 21.25 + 10.50 + 199.98 + 17.00: edge days count

    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    kpi = report["kpis"]["revenue"]
    assert kpi["value"] == pytest.approx(float(revenue), abs=0.005)
    assert kpi["previous"] == pytest.approx(float(previous), abs=0.005)
    assert report["kpis"]["orders"]["value"] == len(q2)
    assert report["period"]["label"] == "2024-Q2"
    assert report["quality"]["rows_read"] == len(ROWS)
    assert report["quality"]["rows_quarantined"] == 0

    markdown = (out / "report.md").read_text(encoding="utf-8")
    assert "2024-Q2" in markdown
    assert not (out / "report.html").exists()
    assert not (out / "report.pdf").exists()
    assert "248.73" in result.stdout
    # the file names no currency: the summary line shows the amount without a symbol
    assert report["currency"] is None and "$248.73" not in result.stdout


def test_report_help_documents_period(tmp_path: Path) -> None:
    result = salescope("report", "--help", cwd=tmp_path)
    assert result.code == 0, result.stderr
    assert "--period" in result.stdout
    assert "--format" in result.stdout
    assert "Traceback" not in result.stdout + result.stderr
    for engine in ("duckdb", "pyspark", "spark://HOST:PORT", "sc://HOST:PORT"):
        assert engine in result.stdout


def test_duckdb_draws_no_progress_bar_of_its_own() -> None:
    """DuckDB draws a bar on stderr for queries over 2 s (1M text lines): salescope reports
    progress per stage itself, and `--quiet` is quiet."""
    from salescope.engine import connect

    setting = connect("duckdb").con.raw_sql("SELECT current_setting('enable_progress_bar')")
    assert setting.fetchone() == (False,)


# what Spark's JVM writes to a terminal: log4j lines, its banner, progress bars
JVM_LINE = re.compile(r"\bWARN\b|\bINFO\b|NativeCodeLoader|log4j|\[Stage \d|setLogLevel|WARNING:")


@pytest.mark.spark
def test_pyspark_run_writes_no_jvm_output_to_stderr(tmp_path: Path) -> None:
    sales = write_sales(tmp_path)
    out = tmp_path / "out"
    result = salescope(
        "--quiet", "report", sales, "--period", "2024-Q2", "--engine", "pyspark",
        "--format", "json", "--out", out, cwd=tmp_path, timeout=600,  # Java starts
    )  # fmt: skip
    assert result.code == 0, result.stderr
    assert [line for line in result.stderr.splitlines() if JVM_LINE.search(line)] == []
    assert result.stderr == ""
    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    q2 = [r for r in ROWS if date(2024, 4, 1) <= date.fromisoformat(r[1]) <= date(2024, 6, 30)]
    revenue = sum(Decimal(r[4]) * Decimal(r[5]) for r in q2)
    assert report["run"]["engine"] == "pyspark"
    assert report["kpis"]["revenue"]["value"] == pytest.approx(float(revenue), abs=0.005)
    assert report["kpis"]["orders"]["value"] == len(q2)


def test_python_dash_m_salescope_is_the_command_line(tmp_path: Path) -> None:
    import salescope

    done = subprocess.run(
        [sys.executable, "-m", "salescope", "--version"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert (done.returncode, done.stdout.strip()) == (0, f"salescope {salescope.__version__}")
