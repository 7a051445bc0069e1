"""A report replaces its output folder whole, and a stopped run leaves the earlier one intact.

On the real command run as a subprocess: a second report leaves nothing of the first beside
it (the first is ``previous/``, byte for byte); Ctrl-C while reading a large CSV exits 130
within seconds, records nothing and leaves the earlier report as it was; SIGKILL while the
report is being written leaves it as it was too, and the next run sweeps what was left; two
runs into one folder at once leave one consistent report. In-process: the ``keep`` layout,
the user's files carried over a ``--force`` run, the lock, a link named as the folder.
"""

from __future__ import annotations

import hashlib
import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import duckdb
import pytest

from salescope.errors import ConfigError, is_interrupt, stop_on_interrupt
from salescope.render.folder import MARKER, report_folder
from tests.test_cli import Result, assert_user_error
from tests.test_output_safety import CLI, salescope, tree, write_sales


def hashes(folder: Path) -> dict[str, str]:
    """Every entry under ``folder`` as :func:`tree` gives it, a file by its sha256."""
    return tree(folder, lambda path: hashlib.sha256(path.read_bytes()).hexdigest())


def beside(folder: Path) -> list[str]:
    """What salescope keeps beside ``folder``: staging folders, the earlier folder put
    aside, the lock file."""
    return sorted(p.name for p in folder.parent.iterdir() if p.name.startswith(f".{folder.name}."))


def report(sales: Path, out: Path, period: str, formats: str, cwd: Path) -> Result:
    return salescope(
        "report", sales, "--period", period, "--format", formats, "--out", out, cwd=cwd
    )  # fmt: skip


def start(sales: Path, out: Path, period: str, formats: str, cwd: Path) -> subprocess.Popen[str]:
    command = [*CLI, "report", str(sales), "--period", period, "--format", formats]
    return subprocess.Popen(
        [*command, "--out", str(out)],
        cwd=cwd,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def wait_for_stage(process: subprocess.Popen[str], out: Path, filled: bool = False) -> Path:
    """The staging folder the run made beside ``out`` (with ``filled``: once it holds a
    file of the report)."""
    while True:
        stages = [p for p in out.parent.glob(f".{out.name}.salescope-new-{process.pid}-*")]
        if stages and (not filled or any(stages[0].iterdir())):
            return stages[0]
        if process.poll() is not None:
            pytest.fail(f"the run ended before it was signalled: {process.communicate()}")
        time.sleep(0.002)


def period_of(folder: Path) -> str:
    label = json.loads((folder / "report.json").read_text(encoding="utf-8"))["period"]["label"]
    assert isinstance(label, str)
    return label


# --- the command line ----------------------------------------------------------------------


def test_a_second_report_replaces_the_first_whole_and_keeps_it_as_previous(
    tmp_path: Path,
) -> None:
    sales = write_sales(tmp_path / "data")
    out = tmp_path / "out"
    first = report(sales, out, "2024-Q2", "json,md,html", tmp_path)
    assert first.code == 0, first.stderr
    before = hashes(out)
    first_json = (out / "report.json").read_bytes()
    pages = sorted((out / "departments").iterdir())
    assert len(pages) == 12 and all("2024-Q2" in p.read_text() for p in pages)

    second = report(sales, out, "2024-Q1", "json,md,html", tmp_path)
    assert second.code == 0, second.stderr
    after = hashes(out)
    # the first report, every file byte for byte, is previous/ and only there
    kept = {k.removeprefix("previous/"): v for k, v in after.items() if k.startswith("previous/")}
    assert kept == before
    assert (out / "previous" / "report.json").read_bytes() == first_json
    assert not (out / "previous" / "previous").exists()
    # beside it: exactly the files the second run wrote (its marker lists them)
    written = set(json.loads((out / MARKER).read_text())["files"])
    top = {k for k, v in after.items() if not k.startswith("previous") and v != "<dir>"}
    assert top == written | {MARKER}
    assert period_of(out) == "2024-Q1"
    for page in sorted((out / "departments").iterdir()):
        text = page.read_text(encoding="utf-8")
        assert "2024-Q1" in text and "2024-Q2" not in text, page.name
    assert beside(out) == []  # no staging folder, no lock file left


def _big_csv(path: Path, lines: int = 3_000_000) -> Path:
    """A CSV large enough that reading it takes many seconds (written by DuckDB in about
    two)."""
    with duckdb.connect() as con:
        con.execute(
            "COPY (SELECT 'O' || i AS order_id, DATE '2024-01-01' + (i % 365)::INT AS order_date,"
            " 'C' || (i % 5000) AS customer_id, 'K' || (i % 7) AS category,"
            " 1 + i % 5 AS quantity, (i % 97) + 0.5 AS unit_price"
            f" FROM range({lines}) t(i)) TO '{path}' (HEADER)"
        )
    return path


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
def test_a_run_stopped_while_reading_stops_at_once_and_leaves_the_earlier_report(
    signum: signal.Signals, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    earlier = report(write_sales(tmp_path / "data"), out, "2024-Q2", "json,md", tmp_path)
    assert earlier.code == 0, earlier.stderr
    before = hashes(out)
    big = _big_csv(tmp_path / "big.csv")

    process = start(big, out, "2024-Q2", "json", tmp_path)
    wait_for_stage(process, out)
    time.sleep(2)  # checked and locked; now DuckDB is reading the 3M lines
    process.send_signal(signum)
    signalled = time.monotonic()
    _, stderr = process.communicate(timeout=60)
    took = time.monotonic() - signalled

    assert took < 3, f"exit {took:.1f} s after {signum.name}"
    if signum == signal.SIGINT:
        assert process.returncode == 130, stderr
        assert stderr.strip() == "interrupted"  # no traceback, no reading decision
    else:
        assert process.returncode == -signal.SIGTERM  # ended by the signal, as by default
        assert stderr == ""
    assert hashes(out) == before
    assert beside(out) == []  # neither the staging folder nor the lock file is left


def test_a_run_killed_while_writing_leaves_the_earlier_report_and_is_swept(
    tmp_path: Path,
) -> None:
    sales = write_sales(tmp_path / "data")
    out = tmp_path / "out"
    earlier = report(sales, out, "2024-Q2", "json", tmp_path)
    assert earlier.code == 0, earlier.stderr
    before = hashes(out)

    process = start(sales, out, "2024-Q1", "json,md,html,csv", tmp_path)
    stage = wait_for_stage(process, out, filled=True)  # the report is being written
    process.kill()
    process.communicate(timeout=60)
    assert stage.is_dir()  # killed mid-write: its staging folder is all it left
    assert hashes(out) == before

    again = report(sales, out, "2024-Q1", "json", tmp_path)
    assert again.code == 0, again.stderr
    assert beside(out) == []  # the killed run's staging folder was swept
    assert period_of(out) == "2024-Q1"
    assert hashes(out / "previous") == before


def test_two_runs_into_one_folder_at_once_leave_one_consistent_report(tmp_path: Path) -> None:
    sales = write_sales(tmp_path / "data")
    out = tmp_path / "out"
    runs = [start(sales, out, period, "json,md", tmp_path) for period in ("2024-Q2", "2024-Q1")]
    results = [Result(p.wait(300), *p.communicate()) for p in runs]
    codes = sorted(r.code for r in results)
    assert codes in ([0, 0], [0, 2]), results
    for loser in (r for r in results if r.code == 2):  # the run that found the folder locked
        assert_user_error(loser, "another salescope run is writing", "pid ")
    label = period_of(out)
    pages = [out / "report.md", *sorted((out / "departments").glob("*.md"))]
    assert len(pages) == 7
    for page in pages:
        assert label in page.read_text(encoding="utf-8"), page.name
    written = set(json.loads((out / MARKER).read_text())["files"])
    top = {k for k, v in hashes(out).items() if not k.startswith("previous") and v != "<dir>"}
    assert top == written | {MARKER}
    assert beside(out) == []


# --- report_folder itself ------------------------------------------------------------------


def _write(stage: Path, n: int) -> None:
    run = {"id": f"2026{n:02d}01_000000_#{n:08x}"}
    (stage / "report.json").write_text(json.dumps({"n": n, "run": run}), encoding="utf-8")
    (stage / "charts").mkdir()
    (stage / "charts" / "trend.png").write_text(f"chart {n}", encoding="utf-8")


def _n(folder: Path) -> int:
    n = json.loads((folder / "report.json").read_text(encoding="utf-8"))["n"]
    assert isinstance(n, int)
    assert (folder / "charts" / "trend.png").read_text(encoding="utf-8") == f"chart {n}"
    return n


def test_keep_n_keeps_previous_and_the_earlier_reports_by_run_id(tmp_path: Path) -> None:
    out = tmp_path / "out"
    for n in range(1, 6):
        with report_folder(out, keep=3) as stage:
            _write(stage, n)
    assert _n(out) == 5 and _n(out / "previous") == 4
    earlier = sorted(p.name for p in (out / "earlier").iterdir())
    assert earlier == ["20260201_000000_00000002", "20260301_000000_00000003"]  # 1 dropped
    assert [_n(out / "earlier" / name) for name in earlier] == [2, 3]
    for kept in (out / "previous", *(out / "earlier").iterdir()):
        assert sorted(p.name for p in kept.iterdir()) == [MARKER, "charts", "report.json"]

    with report_folder(out, keep=1) as stage:
        _write(stage, 6)
    assert _n(out / "previous") == 5 and not (out / "earlier").exists()
    with report_folder(out, keep=0) as stage:
        _write(stage, 7)
    assert sorted(p.name for p in out.iterdir()) == [MARKER, "charts", "report.json"]
    assert beside(out) == []


def test_a_forced_run_carries_the_users_files_over_untouched(tmp_path: Path) -> None:
    out = tmp_path / "mine"
    (out / "sub").mkdir(parents=True)
    (out / "empty").mkdir()
    (out / "notes.txt").write_text("my notes\n", encoding="utf-8")
    (out / "sub" / "report.json").write_text('{"mine": true}\n', encoding="utf-8")
    (out / "report.json").write_text('{"mine": "replaced"}\n', encoding="utf-8")
    (tmp_path / "elsewhere").mkdir()
    (out / "link").symlink_to("../elsewhere")
    before = hashes(out)
    notes = os.stat(out / "notes.txt").st_ino
    with pytest.raises(ConfigError, match="not empty"), report_folder(out):
        pass
    assert hashes(out) == before

    with report_folder(out, force=True) as stage:
        _write(stage, 1)
    after = hashes(out)
    # the report's files, its marker; everything else exactly as it was, at its place
    new = {"report.json", "charts", "charts/trend.png", MARKER}
    assert {k: v for k, v in after.items() if k not in new} == {
        k: v for k, v in before.items() if k != "report.json"
    }
    assert _n(out) == 1 and not (out / "previous").exists()
    assert os.stat(out / "notes.txt").st_ino == notes  # the same file, not a copy
    assert (out / "link").is_symlink() and list((tmp_path / "elsewhere").iterdir()) == []

    # a salescope folder now: the report moves to previous/, the user's files stay
    with report_folder(out) as stage:
        _write(stage, 2)
    assert _n(out) == 2 and _n(out / "previous") == 1
    assert (out / "notes.txt").read_text(encoding="utf-8") == "my notes\n"
    assert (out / "sub" / "report.json").read_text(encoding="utf-8") == '{"mine": true}\n'
    assert (out / "empty").is_dir() and (out / "link").is_symlink()
    assert not (out / "previous" / "notes.txt").exists()


def test_a_failed_run_leaves_the_folder_as_it_was_and_a_second_writer_is_refused(
    tmp_path: Path,
) -> None:
    out = tmp_path / "out"
    with report_folder(out) as stage:
        _write(stage, 1)
    before = hashes(out)
    for stop in (KeyboardInterrupt, RuntimeError):
        with pytest.raises(stop), report_folder(out) as stage:
            _write(stage, 2)
            raise stop
        assert hashes(out) == before and beside(out) == []

    with report_folder(out) as stage:
        _write(stage, 3)
        match = f"another salescope run is writing '{out}' \\(pid {os.getpid()}\\)"
        waited = time.monotonic()
        with pytest.raises(ConfigError, match=match), report_folder(out, wait=0.3):
            pass
        assert time.monotonic() - waited >= 0.3
    assert _n(out) == 3 and _n(out / "previous") == 1


def test_a_waiting_run_goes_on_once_the_first_has_swapped_its_report_in(tmp_path: Path) -> None:
    out = tmp_path / "out"
    entered = threading.Event()

    def first() -> None:
        with report_folder(out) as stage:
            entered.set()
            time.sleep(0.5)
            _write(stage, 1)

    writer = threading.Thread(target=first)
    writer.start()
    assert entered.wait(10)
    with report_folder(out, wait=30) as stage:
        assert (out / "report.json").is_file()  # the first report is in place before
        _write(stage, 2)
    writer.join()
    assert _n(out) == 2 and _n(out / "previous") == 1
    assert beside(out) == []


def test_a_link_named_as_the_folder_is_followed_and_stays(tmp_path: Path) -> None:
    real = tmp_path / "real"
    link = tmp_path / "link"
    with report_folder(real) as stage:
        _write(stage, 1)
    link.symlink_to("real")
    with report_folder(link) as stage:
        _write(stage, 2)
    assert link.is_symlink() and os.readlink(link) == "real"
    assert _n(real) == 2 and _n(real / "previous") == 1


def test_the_folder_a_run_killed_between_two_renames_put_aside_is_put_back(
    tmp_path: Path,
) -> None:
    """Where renameat2 is missing, the swap is two renames; a kill between them leaves the
    earlier folder aside and no folder at its name: the next run puts it back first."""
    gone = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], check=True,
                          capture_output=True, text=True).stdout.strip()  # fmt: skip
    out = tmp_path / "out"
    with report_folder(out) as stage:
        _write(stage, 1)
    out.rename(tmp_path / f".out.salescope-old-{gone}-abcd")
    with report_folder(out) as stage:
        _write(stage, 2)
    assert _n(out) == 2 and _n(out / "previous") == 1
    assert beside(out) == []


def test_a_report_folder_inside_a_data_folder_is_never_read_as_data(tmp_path: Path) -> None:
    from salescope.sources.readers import expand

    data = tmp_path / "data"
    sales = write_sales(data)
    out = data / "q2"
    for n in (1, 2):  # the second run keeps the first as previous/
        with report_folder(out) as stage:
            (stage / "tables").mkdir()
            (stage / "tables" / "kpis.csv").write_text(f"kpi,value\nrevenue,{n}\n")
    assert (out / "previous" / "tables" / "kpis.csv").is_file()
    assert expand(str(data)) == [sales]
    # named as the input itself, its own tables are read, never the reports it keeps
    assert expand(str(out)) == [out / "tables" / "kpis.csv"]


# --- Ctrl-C in a library's disguise --------------------------------------------------------


def test_an_interrupted_duckdb_query_counts_as_ctrl_c_and_a_failed_one_does_not() -> None:
    con = duckdb.connect()
    threading.Timer(0.3, con.interrupt).start()
    with pytest.raises(duckdb.Error) as caught:
        con.execute("SELECT count(*) FROM range(100000000000) t(i) WHERE i % 7 = 3").fetchall()
    assert is_interrupt(caught.value)
    with pytest.raises(KeyboardInterrupt):
        stop_on_interrupt(caught.value)
    # what DuckDB raises when SIGINT reaches it during a query, and an error raised from it
    interrupted = RuntimeError("Query interrupted")
    wrapped = ValueError("cannot read sales.csv")
    wrapped.__cause__ = interrupted
    assert is_interrupt(interrupted) and is_interrupt(wrapped)
    with pytest.raises(duckdb.Error) as failed:
        con.execute("SELECT * FROM read_csv('/nonexistent/sales.csv')")
    assert not is_interrupt(failed.value)
    stop_on_interrupt(failed.value)  # not an interrupt: the caller's fallback may go on
