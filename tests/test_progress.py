"""Progress on a terminal: the real command in a pseudo-terminal shows a line per stage
with the names and times report.json records, a measured reading bar, and a total; the
same command piped, or with --quiet, writes nothing on stderr. The library's progress
callable keeps its meaning; a Listener hears the stages too.
"""

from __future__ import annotations

import json
import os
import pty
import re
import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path

import pytest

import salescope
from salescope import Config, run
from salescope.progress import Listener, Work
from salescope.terminal import DELAY_ENV

STAGE = re.compile(r"^\s*✓ (\S+)\s+(\d+\.\d\d) s\s*$")
TOTAL = re.compile(r"^\s*total\s+(\d+\.\d\d) s\s*$")
ESCAPE = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]|\x1b\][^\x07]*\x07")
# rich's DownloadColumn: "1.2/3.4 MB" (one unit for both numbers)
BYTES = re.compile(r"reading sales\.csv\s.*?(\d+\.\d)/(\d+\.\d) (kB|MB)")


def write_sales(folder: Path, rows: int) -> Path:
    """``rows`` sales lines over 2023-01-01 .. 2024-06-30, a few per order."""
    path = folder / "sales.csv"
    start = date(2023, 1, 1)
    lines = ["order_id,order_date,customer_id,category,quantity,unit_price"]
    for i in range(rows):
        day = start + timedelta(days=(i * 7) % 547)
        category = ("Tools", "Toys", "Garden")[i % 3]
        lines.append(f"A{i // 3},{day},C{i % 997},{category},{1 + i % 5},{5 + i % 40}.25")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _env(**extra: str) -> dict[str, str]:
    """This environment for a terminal rich draws on, importing the salescope under test
    (a relative PYTHONPATH would not hold in the child's working folder)."""
    skip = ("NO_COLOR", "FORCE_COLOR", "TTY_INTERACTIVE", "TTY_COMPATIBLE")
    env = {k: v for k, v in os.environ.items() if k not in skip}
    source = str(Path(salescope.__file__).resolve().parents[1])
    path = os.pathsep.join([source, *filter(None, [env.get("PYTHONPATH")])])
    screen = {"TERM": "xterm-256color", "COLUMNS": "120", "LINES": "40"}
    return {**env, **screen, "PYTHONPATH": path, **extra}


def on_terminal(*args: str | Path, cwd: Path, **env: str) -> tuple[int, str]:
    """``python -m salescope.cli ARGS`` with stderr on a pseudo-terminal: exit code and
    what it drew there, escape codes removed, one line per line or redraw."""
    leader, follower = pty.openpty()
    child = subprocess.Popen(
        [sys.executable, "-m", "salescope.cli", *map(str, args)],
        cwd=cwd,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=follower,
        env=_env(**env),
    )
    os.close(follower)
    drawn = bytearray()
    while True:
        try:
            chunk = os.read(leader, 65536)
        except OSError:  # the child closed its end
            break
        if not chunk:
            break
        drawn += chunk
    os.close(leader)
    code = child.wait(timeout=120)
    text = ESCAPE.sub("", drawn.decode("utf-8", "replace"))
    return code, text.replace("\r\n", "\n").replace("\r", "\n")


def stage_lines(text: str) -> list[tuple[str, str]]:
    """The ``  ✓ name   0.42 s`` lines, each once (a live redraw may repeat one)."""
    found: list[tuple[str, str]] = []
    for line in text.split("\n"):
        match = STAGE.match(line)
        if match and (match[1], match[2]) not in found:
            found.append((match[1], match[2]))
    return found


def test_terminal_shows_each_stage_of_report_json_and_a_total(tmp_path: Path) -> None:
    sales = write_sales(tmp_path, 2_000)
    out = tmp_path / "out"
    code, drawn = on_terminal("report", sales, "--format", "json", "--out", out, cwd=tmp_path)
    assert code == 0, drawn
    stages = json.loads((out / "report.json").read_text(encoding="utf-8"))["run"]["stages"]

    shown = stage_lines(drawn)
    assert [name for name, _ in shown] == [*stages, "outputs"], drawn
    assert all(seconds == f"{stages[name]:.2f}" for name, seconds in shown[:-1])
    totals = [float(m[1]) for line in drawn.split("\n") if (m := TOTAL.match(line))]
    assert len(totals) == 1, drawn
    assert totals[0] >= sum(float(s) for _, s in shown) - 0.01 * len(shown)
    if stages["read"] < 0.5 and stages["validate"] < 0.5:  # as fast as a small input should be
        assert "reading sales.csv" not in drawn and "of the running query" not in drawn


def test_terminal_bar_counts_the_bytes_of_the_file_read(tmp_path: Path) -> None:
    """Shown from the start (no delay): the reading bar's total is the file's size, and what
    it counts as read never passes it nor goes back."""
    sales = write_sales(tmp_path, 60_000)
    code, drawn = on_terminal("validate", sales, "-o", "out", cwd=tmp_path, **{DELAY_ENV: "0"})
    assert code == 0, drawn
    assert [name for name, _ in stage_lines(drawn)] == ["read", "validate"], drawn
    readings = [(float(m[1]), float(m[2]), m[3]) for m in BYTES.finditer(drawn)]
    assert readings, drawn
    size = sales.stat().st_size / (1e6 if readings[0][2] == "MB" else 1e3)
    assert {total for _, total, _ in readings} == {round(size, 1)}
    done = [d for d, _, _ in readings]
    assert done == sorted(done) and done[-1] <= round(size, 1)


def test_piped_the_run_writes_nothing_on_stderr(tmp_path: Path) -> None:
    sales = write_sales(tmp_path, 300)
    piped = subprocess.run(
        [sys.executable, "-m", "salescope.cli", "report", sales, "-f", "json", "-o", "out"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env=_env(**{DELAY_ENV: "0"}),
    )
    assert piped.returncode == 0, piped.stderr
    assert piped.stderr == ""
    assert "Report written to" in piped.stdout


def test_quiet_on_a_terminal_writes_nothing_on_stderr(tmp_path: Path) -> None:
    sales = write_sales(tmp_path, 300)
    code, drawn = on_terminal(
        "--quiet", "report", sales, "-f", "json", "-o", "out", cwd=tmp_path, **{DELAY_ENV: "0"}
    )
    assert code == 0
    assert drawn == ""
    assert (tmp_path / "out" / "report.json").is_file()


class Recorder:
    """A progress Listener that keeps what it hears."""

    def __init__(self) -> None:
        self.messages: list[str] = []
        self.stages: list[tuple[str, float]] = []
        self.works: list[Work] = []

    def __call__(self, message: str) -> None:
        self.messages.append(message)

    def stage_done(self, name: str, seconds: float) -> None:
        self.stages.append((name, seconds))

    def work(self, work: Work) -> None:
        self.works.append(work)


def test_run_tells_a_listener_each_stage_and_a_plain_callable_only_messages(
    tmp_path: Path,
) -> None:
    sales = write_sales(tmp_path, 300)
    heard = Recorder()
    assert isinstance(heard, Listener)
    report = run([sales], Config(), progress=heard)
    assert heard.stages == list(report.run.stages.items())
    assert heard.messages[0] == "reading and validating inputs"
    for work in heard.works:
        assert work.step in ("read", "validate")
        assert 0 <= work.done <= work.total or work.total == 0

    messages: list[str] = []
    plain = run([sales], Config(), progress=messages.append)
    assert messages == heard.messages
    assert list(plain.run.stages) == list(report.run.stages)


@pytest.mark.parametrize("value", ["0", "0.25", "junk", "-1"])
def test_bar_delay_reads_the_environment(value: str, monkeypatch: pytest.MonkeyPatch) -> None:
    from salescope.terminal import DEFAULT_DELAY, bar_delay

    monkeypatch.setenv(DELAY_ENV, value)
    expected = {"0": 0.0, "0.25": 0.25, "junk": DEFAULT_DELAY, "-1": 0.0}[value]
    assert bar_delay() == expected


def test_engine_measures_the_running_query_and_draws_no_bar_of_its_own(
    capfd: pytest.CaptureFixture[str],
) -> None:
    """DuckDB's share of a running query, read from another thread, only rises and stays
    within 0..1; DuckDB prints nothing itself, and its tracking is off again afterwards."""
    from salescope.engine import connect
    from salescope.progress import watch

    engine = connect("duckdb")
    assert engine.query_progress() is None  # nothing running
    shares: list[float] = []

    def poll() -> None:
        share = engine.query_progress()
        if share is not None:
            shares.append(share)

    engine.con.raw_sql("CREATE TABLE numbers AS SELECT i FROM range(10000000) t(i)")
    with engine.tracking_progress(), watch(poll, every=0.01):
        total = engine.con.raw_sql("SELECT sum(hash(i)) FROM numbers").fetchone()
    assert total is not None
    assert shares, "no reading while a table scan ran"
    assert shares == sorted(shares) and all(0 <= s <= 1 for s in shares)
    setting = engine.con.raw_sql("SELECT current_setting('enable_progress_bar')").fetchone()
    assert setting == (False,)
    assert capfd.readouterr().err == ""
