"""The output folder and the user's machine are safe, on the real command run as a subprocess.

- ``--out`` naming a file, the root or home folder, a folder inside an input folder or
  one where the report would write over an input is refused with exit 2 before any input
  is read; a non-empty folder holding no salescope
  report is refused unless ``--force``; an earlier report folder is replaced (the earlier
  report moves to ``previous/``), files salescope did not write stay;
- no file is written through a link: a link at a file's or a subfolder's name is replaced,
  its target is left as it was;
- ``--engine duckdb:///user.duckdb`` leaves the user's database with the tables it had;
- scratch folders go at exit, after an error, on SIGTERM and Ctrl-C, and a run killed with
  SIGKILL leaves one that the next run sweeps.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import duckdb
import pytest

from salescope.engine import (
    Engine,
    connect,
    memory_limit,
    scratch_root,
    sweep_scratch,
    total_memory,
)
from salescope.errors import ConfigError
from tests.test_cli import ROWS, Result, assert_user_error

CLI = [sys.executable, "-m", "salescope.cli"]


def salescope(
    *args: str | Path, cwd: Path, env: dict[str, str] | None = None, timeout: float = 300
) -> Result:
    done = subprocess.run(
        [*CLI, *map(str, args)],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
        env={**os.environ, **(env or {})},
    )
    return Result(done.returncode, done.stdout, done.stderr)


def write_sales(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    lines = ["order_id,order_date,customer_id,category,quantity,unit_price"]
    lines += [",".join(map(str, row)) for row in ROWS]
    path = folder / "sales.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def report(sales: Path, out: Path, *more: str, cwd: Path) -> Result:
    return salescope(
        "report", sales, "--period", "2024-Q2", "--format", "json", "--out", out, *more, cwd=cwd
    )


def tree(folder: Path, read: Callable[[Path], str] | None = None) -> dict[str, str]:
    """Every entry under ``folder``, hidden ones too (links not followed): a file's text
    (or ``read(path)``), a link's target, ``<dir>`` for a folder."""
    found: dict[str, str] = {}
    for path in sorted(folder.rglob("*")):
        name = path.relative_to(folder).as_posix()
        if path.is_symlink():
            found[name] = "-> " + os.readlink(path)
        elif path.is_file():
            found[name] = read(path) if read else path.read_text(encoding="utf-8", errors="replace")
        else:
            found[name] = "<dir>"
    return found


# --- folders that are refused --------------------------------------------------------------


def test_out_naming_a_file_is_refused_before_any_input_is_read(tmp_path: Path) -> None:
    taken = tmp_path / "taken.txt"
    taken.write_text("keep me\n", encoding="utf-8")
    # the input is missing: had anything been read first, the error would be about it
    result = salescope("report", tmp_path / "nowhere.csv", "--out", taken, cwd=tmp_path)
    assert_user_error(result, "taken.txt", "is a file")
    assert "nowhere.csv" not in result.stderr
    assert taken.read_text(encoding="utf-8") == "keep me\n"
    # with real data too: one line, nothing else on stderr (no progress, no engine work)
    result = report(write_sales(tmp_path / "data"), taken, cwd=tmp_path)
    assert_user_error(result, "is a file")
    assert taken.read_text(encoding="utf-8") == "keep me\n"


def test_root_and_home_are_refused(tmp_path: Path) -> None:
    sales = write_sales(tmp_path / "data")
    assert_user_error(report(sales, Path("/"), cwd=tmp_path), "root folder")
    home = tmp_path / "home"
    home.mkdir()
    result = salescope(
        "report", sales, "--out", home, "--force", cwd=tmp_path, env={"HOME": str(home)}
    )
    assert_user_error(result, "home folder")
    assert list(home.iterdir()) == []


def test_a_folder_inside_the_inputs_or_over_an_input_is_refused_even_with_force(
    tmp_path: Path,
) -> None:
    sales = write_sales(tmp_path / "data")
    # an input named like a file the report writes, in the folder it would write to
    clash = tmp_path / "shop" / "report.json"
    clash.parent.mkdir()
    clash.write_text('{"not": "salescope"}', encoding="utf-8")
    before = tree(tmp_path)
    # the output inside a folder given as input: the next read would take its CSV tables
    folder = sales.parent
    assert_user_error(report(folder, folder / "out", "--force", cwd=tmp_path), "input folder")
    assert_user_error(report(folder, folder, "--force", cwd=tmp_path), "input folder")
    glob = Path("data/*.csv")
    assert_user_error(report(glob, Path("data"), "--force", cwd=tmp_path), "input folder")
    assert_user_error(
        salescope("report", sales, clash, "--out", clash.parent, "--force", cwd=tmp_path),
        "write over the input",
    )
    assert tree(tmp_path) == before


def test_a_folder_that_holds_the_data_follows_the_non_empty_rule(tmp_path: Path) -> None:
    """As the demo lays it out: the report beside the data folder it was made from."""
    sales = write_sales(tmp_path / "data")
    assert_user_error(report(sales, tmp_path, cwd=tmp_path), "not empty")
    assert report(sales, tmp_path, "--force", cwd=tmp_path).code == 0
    assert (tmp_path / "report.json").is_file() and sales.is_file()
    # now a report folder: the next run needs no --force
    assert report(sales.parent, tmp_path, cwd=tmp_path).code == 0


def test_an_unrelated_non_empty_folder_is_refused_unless_forced(tmp_path: Path) -> None:
    sales = write_sales(tmp_path / "data")
    mine = tmp_path / "mine"
    (mine / "sub").mkdir(parents=True)
    (mine / "notes.txt").write_text("my notes\n", encoding="utf-8")
    (mine / "sub" / "report.json").write_text('{"mine": true}\n', encoding="utf-8")
    before = tree(mine)
    result = report(sales, mine, cwd=tmp_path)
    assert_user_error(result, "not empty", "--force")
    assert tree(mine) == before  # nothing written, not even a marker

    forced = report(sales, mine, "--force", cwd=tmp_path)
    assert forced.code == 0, forced.stderr
    assert json.loads((mine / "report.json").read_text())["period"]["label"] == "2024-Q2"
    after = tree(mine)
    assert {k: after[k] for k in before} == before  # the user's files are all still there


def test_an_earlier_report_folder_is_replaced_and_its_leftovers_removed(tmp_path: Path) -> None:
    sales = write_sales(tmp_path / "data")
    out = tmp_path / "out"
    first = report(sales, out, "--format", "json,md,csv", cwd=tmp_path)
    assert first.code == 0, first.stderr
    assert (out / "report.md").is_file() and (out / "tables" / "kpis.csv").is_file()
    (out / "notes.txt").write_text("added by hand\n", encoding="utf-8")

    second = report(sales, out, "--format", "json", "--period", "2024-Q1", cwd=tmp_path)
    assert second.code == 0, second.stderr
    assert json.loads((out / "report.json").read_text())["period"]["label"] == "2024-Q1"
    # what the first run wrote and the second did not is gone; the hand-made file stays
    assert not (out / "report.md").exists()
    assert not (out / "tables").exists() and not (out / "departments").exists()
    assert (out / "notes.txt").read_text() == "added by hand\n"
    names = {p.name for p in out.iterdir()}
    assert names == {"report.json", "quarantine.csv", "notes.txt", ".salescope.json", "previous"}
    # the first report is kept whole as previous/, without the hand-made file
    assert (out / "previous" / "tables" / "kpis.csv").is_file()
    assert (
        json.loads((out / "previous" / "report.json").read_text())["period"]["label"] == "2024-Q2"
    )
    assert not (out / "previous" / "notes.txt").exists()


def test_a_report_folder_written_before_the_marker_is_recognised(tmp_path: Path) -> None:
    sales = write_sales(tmp_path / "data")
    out = tmp_path / "out"
    assert report(sales, out, cwd=tmp_path).code == 0
    (out / ".salescope.json").unlink()  # as an earlier salescope version left it
    again = report(sales, out, cwd=tmp_path)
    assert again.code == 0, again.stderr


# --- links ---------------------------------------------------------------------------------


def test_a_link_at_a_file_name_is_replaced_not_written_through(tmp_path: Path) -> None:
    sales = write_sales(tmp_path / "data")
    out = tmp_path / "out"
    assert report(sales, out, cwd=tmp_path).code == 0
    victim = tmp_path / "victim.txt"
    victim.write_text("precious\n", encoding="utf-8")
    (out / "report.json").unlink()
    (out / "report.json").symlink_to("../victim.txt")
    (out / "quarantine.csv").unlink()
    (out / "quarantine.csv").symlink_to(victim)  # absolute target

    result = report(sales, out, cwd=tmp_path)
    assert result.code == 0, result.stderr
    assert victim.read_text(encoding="utf-8") == "precious\n"
    for name in ("report.json", "quarantine.csv"):
        assert not (out / name).is_symlink() and (out / name).is_file()
    assert json.loads((out / "report.json").read_text())["period"]["label"] == "2024-Q2"


def test_a_linked_subfolder_is_replaced_not_written_through(tmp_path: Path) -> None:
    sales = write_sales(tmp_path / "data")
    out = tmp_path / "out"
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "kpis.csv").write_text("theirs\n", encoding="utf-8")
    out.mkdir()
    (out / "tables").symlink_to(elsewhere)
    (out / "departments").symlink_to("../elsewhere")

    result = report(sales, out, "--format", "json,md,csv", "--force", cwd=tmp_path)
    assert result.code == 0, result.stderr
    assert tree(elsewhere) == {"kpis.csv": "theirs\n"}
    for sub in ("tables", "departments"):
        assert not (out / sub).is_symlink() and (out / sub).is_dir()
    assert "revenue" in (out / "tables" / "kpis.csv").read_text()
    assert (out / "departments" / "sales.md").is_file()


def test_an_earlier_files_link_is_removed_without_touching_its_target(tmp_path: Path) -> None:
    sales = write_sales(tmp_path / "data")
    out = tmp_path / "out"
    assert report(sales, out, "--format", "json,md", cwd=tmp_path).code == 0
    victim = tmp_path / "victim.md"
    victim.write_text("precious\n", encoding="utf-8")
    (out / "report.md").unlink()
    (out / "report.md").symlink_to(victim)
    assert report(sales, out, "--format", "json", cwd=tmp_path).code == 0
    assert not (out / "report.md").is_symlink() and not (out / "report.md").exists()
    assert victim.read_text(encoding="utf-8") == "precious\n"


def test_by_member_folders_are_checked_and_never_written_through(tmp_path: Path) -> None:
    sales = write_sales(tmp_path / "data")
    out = tmp_path / "out"
    by = ("--by", "category", "--format", "json")
    first = report(sales, out, *by, cwd=tmp_path)
    assert first.code == 0, first.stderr
    members = sorted(p.name for p in (out / "by-category").iterdir() if p.is_dir())
    assert members == ["tools", "toys"]

    victim = tmp_path / "victim.txt"
    victim.write_text("precious\n", encoding="utf-8")
    (out / "by-category" / "toys" / "report.json").unlink()
    (out / "by-category" / "toys" / "report.json").symlink_to(victim)
    (out / "by-category" / "index.md").unlink()
    (out / "by-category" / "index.md").symlink_to(victim)
    only_toys = report(sales, out, *by, "--where", "category = 'Toys'", cwd=tmp_path)
    assert only_toys.code == 0, only_toys.stderr
    assert victim.read_text(encoding="utf-8") == "precious\n"
    toys = out / "by-category" / "toys" / "report.json"
    assert not toys.is_symlink() and json.loads(toys.read_text())["kpis"]
    assert not (out / "by-category" / "index.md").is_symlink()
    # the member the earlier run had and this one has not is gone with all its files
    assert not (out / "by-category" / "tools").exists()

    # the whole per-member folder as a link: replaced by a folder, the target untouched
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (out / "by-category").rename(tmp_path / "old-by")
    (out / "by-category").symlink_to(elsewhere)
    again = report(sales, out, *by, cwd=tmp_path)
    assert again.code == 0, again.stderr
    assert list(elsewhere.iterdir()) == []
    assert not (out / "by-category").is_symlink()
    assert (out / "by-category" / "tools" / "report.json").is_file()


def test_by_folder_holding_other_files_is_refused_before_computing(tmp_path: Path) -> None:
    sales = write_sales(tmp_path / "data")
    out = tmp_path / "out"
    assert report(sales, out, cwd=tmp_path).code == 0
    (out / "by-region").mkdir()
    (out / "by-region" / "plan.txt").write_text("mine\n", encoding="utf-8")
    result = report(sales, out, "--by", "region", cwd=tmp_path)
    assert_user_error(result, "by-region", "not empty")


def test_demo_checks_its_folder_and_writes_its_data_through_no_link(tmp_path: Path) -> None:
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "notes.txt").write_text("my notes\n", encoding="utf-8")
    refused = salescope("demo", "--rows", "1000", "--out", mine, cwd=tmp_path)
    assert_user_error(refused, "not empty")
    assert tree(mine) == {"notes.txt": "my notes\n"}

    out = tmp_path / "demo"
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    out.mkdir()
    (out / "data").symlink_to(elsewhere)
    done = salescope("demo", "--rows", "1000", "--out", out, "--force", cwd=tmp_path)
    assert done.code == 0, done.stderr
    assert list(elsewhere.iterdir()) == []
    assert not (out / "data").is_symlink() and (out / "data" / "sales.csv").is_file()
    inputs = json.loads((out / "report.json").read_text())["run"]["inputs"]
    assert any(Path(i["path"]).parent == out / "data" for i in inputs)
    # a second demo replaces the first: it is salescope's folder now
    again = salescope("demo", "--rows", "1000", "--out", out, "--seed", "8", cwd=tmp_path)
    assert again.code == 0, again.stderr


def test_validate_refuses_a_file_as_its_folder(tmp_path: Path) -> None:
    sales = write_sales(tmp_path / "data")
    taken = tmp_path / "taken.txt"
    taken.write_text("keep me\n", encoding="utf-8")
    assert_user_error(salescope("validate", sales, "--out", taken, cwd=tmp_path), "is a file")
    assert taken.read_text(encoding="utf-8") == "keep me\n"


# --- the user's database -------------------------------------------------------------------


def _tables(path: Path) -> list[tuple[str, str, str]]:
    with duckdb.connect(str(path), read_only=True) as con:
        rows = con.execute(
            "SELECT schema_name, table_name, sql FROM duckdb_tables() ORDER BY ALL"
        ).fetchall()
        views = con.execute(
            "SELECT schema_name, view_name, sql FROM duckdb_views() WHERE NOT internal"
        ).fetchall()
    return [(str(a), str(b), str(c)) for a, b, c in rows + views]


def test_a_duckdb_engine_url_leaves_the_users_database_as_it_was(tmp_path: Path) -> None:
    sales = write_sales(tmp_path / "data")
    user = tmp_path / "user.duckdb"
    with duckdb.connect(str(user)) as con:
        con.execute("CREATE TABLE keep AS SELECT 1 AS x")
        con.execute(f"CREATE TABLE sales AS SELECT * FROM read_csv('{sales}')")
    before = _tables(user)
    engine = f"duckdb:///{str(user).lstrip('/')}"
    out = tmp_path / "out"
    for source in (str(sales), f"{engine}?table=sales"):
        result = salescope(
            "report", source, "--engine", engine, "--period", "2024-Q2", "--format", "json",
            "--out", out, cwd=tmp_path,
        )  # fmt: skip
        assert result.code == 0, result.stderr
        assert json.loads((out / "report.json").read_text())["kpis"]["revenue"]["value"] > 0
        assert _tables(user) == before


# --- scratch folders and memory ------------------------------------------------------------


def _scratch(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.startswith("salescope-"))


def test_scratch_folders_are_removed_after_success_and_after_an_error(tmp_path: Path) -> None:
    sales = write_sales(tmp_path / "data")
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    env = {"TMPDIR": str(scratch)}
    ok = salescope(
        "report", sales, "--format", "json", "--out", tmp_path / "o", cwd=tmp_path, env=env
    )
    assert ok.code == 0, ok.stderr
    assert _scratch(scratch) == []
    bad = tmp_path / "bad.csv"
    bad.write_text("customer,amount\nC1,10\n", encoding="utf-8")
    failed = salescope("report", bad, "--out", tmp_path / "o2", cwd=tmp_path, env=env)
    assert failed.code == 2
    assert _scratch(scratch) == []


def _big_sales(folder: Path, lines: int = 400_000) -> Path:
    """Enough lines that a report is still running when the test signals it."""
    path = folder / "big.csv"
    with path.open("w", encoding="utf-8") as handle:
        handle.write("order_id,order_date,customer_id,category,quantity,unit_price\n")
        for i in range(lines):
            handle.write(f"O{i},2024-{1 + i % 12:02d}-{1 + i % 28:02d},C{i % 5000},K{i % 7},")
            handle.write(f"{1 + i % 5},{(i % 97) + 0.5}\n")
    return path


def _start_and_wait_for_scratch(
    sales: Path, scratch: Path, tmp_path: Path
) -> subprocess.Popen[str]:
    process = subprocess.Popen(
        [*CLI, "report", str(sales), "--format", "json", "--out", str(tmp_path / "out")],
        cwd=tmp_path,
        env={**os.environ, "TMPDIR": str(scratch)},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    while not _scratch(scratch):  # the run has made its scratch folder: it is computing
        if process.poll() is not None:
            pytest.fail(f"the run ended before it was signalled: {process.communicate()}")
        time.sleep(0.01)
    return process


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_scratch_folders_are_removed_when_the_run_is_stopped(
    signum: signal.Signals, tmp_path: Path
) -> None:
    sales = _big_sales(tmp_path)
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    process = _start_and_wait_for_scratch(sales, scratch, tmp_path)
    process.send_signal(signum)
    _, stderr = process.communicate(timeout=300)
    if signum == signal.SIGTERM:
        assert process.returncode == -signal.SIGTERM  # ended by the signal, as by default
    else:
        assert process.returncode == 130, stderr  # as after Ctrl-C
        assert "Traceback" not in stderr
    assert _scratch(scratch) == []
    assert not (tmp_path / "out" / "report.json").exists()


def test_a_killed_runs_scratch_folder_is_swept_by_the_next_run(tmp_path: Path) -> None:
    sales = _big_sales(tmp_path)
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    process = _start_and_wait_for_scratch(sales, scratch, tmp_path)
    process.kill()
    process.communicate(timeout=60)
    left = _scratch(scratch)
    assert len(left) == 1 and left[0].startswith(f"salescope-{process.pid}-")
    other = scratch / "salescope-notes"  # not a run's folder: left alone
    other.mkdir()
    small = write_sales(tmp_path / "small")
    env = {"TMPDIR": str(scratch)}
    done = salescope(
        "report", small, "--format", "json", "--out", tmp_path / "o", cwd=tmp_path, env=env
    )
    assert done.code == 0, done.stderr
    assert _scratch(scratch) == ["salescope-notes"]


def test_sweep_removes_only_folders_of_runs_that_are_gone(tmp_path: Path) -> None:
    gone = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], check=True,
                          capture_output=True, text=True).stdout.strip()  # fmt: skip
    dead = tmp_path / f"salescope-{gone}-abcd1234"
    alive = tmp_path / f"salescope-{os.getppid()}-abcd1234"
    other = tmp_path / "salescope-src-abcd1234"
    for folder in (dead, alive, other):
        (folder / "sub").mkdir(parents=True)
        os.utime(folder, (time.time() - 3600, time.time() - 3600))
    assert sweep_scratch(tmp_path) == [dead]
    assert not dead.exists() and alive.exists() and other.exists()


def test_duckdb_spills_into_the_scratch_folder_within_its_memory_limit() -> None:
    engine = connect("duckdb", "1GB")
    limit, spill = engine.con.raw_sql(  # type: ignore[attr-defined]
        "SELECT current_setting('memory_limit'), current_setting('temp_directory')"
    ).fetchone()
    assert limit == "953.6 MiB"  # 1 GB
    assert Path(spill).is_relative_to(scratch_root())
    assert memory_limit("512 mib") == "512MiB"
    half = max(64, total_memory() // 2 // 2**20)
    assert memory_limit(None) == f"{min(2048, half)}MiB"  # 2 GiB, or half of the memory
    for bad in ("lots", "0GB", "150%"):
        with pytest.raises(ConfigError, match="memory_limit"):
            memory_limit(bad)


def _limit(engine: Engine) -> str:
    (text,) = engine.con.raw_sql("SELECT current_setting('memory_limit')").fetchone()  # type: ignore[attr-defined]
    return str(text)


def test_the_default_memory_limit_grows_with_the_input_and_a_set_one_stays() -> None:
    half = max(64, total_memory() // 2 // 2**20)
    cases = {0: 640, 10_000_000: 640, 10_000_001: 1280, 100_000_000: 6400}
    for lines, mib in cases.items():
        engine = connect("duckdb")
        assert _limit(engine) == _limit(connect("duckdb", f"{min(2048, half)}MiB"))  # reading
        engine.fit_memory(lines)
        shown = connect("duckdb", f"{min(mib, half)}MiB")  # DuckDB's own wording of it
        assert _limit(engine) == _limit(shown), lines
    for spec, memory in (("duckdb", "1GB"), ("duckdb://?memory_limit=1GB", None)):
        engine = connect(spec, memory)
        engine.fit_memory(100_000_000)
        assert _limit(engine) == "953.6 MiB"


def test_the_default_memory_limit_makes_room_for_the_tables_the_input_was_loaded_into() -> None:
    engine = connect("duckdb")
    n = 4_000_000  # two BIGINT columns: 64 MB of values
    engine.con.raw_sql(  # type: ignore[attr-defined]
        f"CREATE TEMP TABLE loaded AS SELECT i AS a, i * 2 AS b FROM range({n}) t(i)"
    )
    engine.fit_memory(1_000)
    limit = _limit(engine)
    held = float(limit.removesuffix(" MiB")) - 640  # DuckDB shows the limit in MiB
    assert 16 * n / 2**20 <= held < 2 * 16 * n / 2**20, limit


def test_a_working_table_larger_than_the_memory_limit_spills_and_keeps_every_row() -> None:
    engine = connect("duckdb", "64MB")
    n = 3_000_000  # 64 characters a row: 192 MB of text, three times the limit
    engine.con.raw_sql(  # type: ignore[attr-defined]
        "CREATE VIEW rows_of_text AS "
        f"SELECT i, md5(i::VARCHAR) || md5((i + 1)::VARCHAR) AS s FROM range({n}) t(i)"
    )
    stored = engine.materialize(engine.con.table("rows_of_text"))
    row = stored.aggregate(total=stored.i.sum(), chars=stored.s.length().sum()).execute()
    assert int(row.total[0]) == n * (n - 1) // 2
    assert int(row.chars[0]) == 64 * n
    (spill,) = engine.con.raw_sql("SELECT current_setting('temp_directory')").fetchone()  # type: ignore[attr-defined]
    assert sum(f.stat().st_size for f in Path(spill).iterdir()) > 64 * 2**20


def test_memory_limit_in_salescope_yml_is_checked(tmp_path: Path) -> None:
    sales = write_sales(tmp_path / "data")
    config = tmp_path / "salescope.yml"
    config.write_text("memory_limit: lots\n", encoding="utf-8")
    result = report(sales, tmp_path / "out", "--config", config, cwd=tmp_path)
    assert_user_error(result, "memory_limit", "4GB")
    config.write_text("memory_limit: 25%\n", encoding="utf-8")
    assert report(sales, tmp_path / "out", "--config", config, cwd=tmp_path).code == 0


def test_a_report_folder_below_a_one_folder_glob_is_allowed_and_never_read(
    tmp_path: Path,
) -> None:
    """``data/*.csv`` reads only data/'s own files: a report in data/out is fine, and a
    second run reads the same lines (not the report's CSV tables); ``data/**/*.csv`` would
    read them, so it is refused."""
    write_sales(tmp_path / "data")
    recursive = Path("data/**/*.csv")
    assert_user_error(report(recursive, Path("data/out"), cwd=tmp_path), "input folder")
    glob = Path("data/*.csv")
    rows = []
    for _ in range(2):
        done = report(glob, Path("data/out"), "--format", "json,csv", cwd=tmp_path)
        assert done.code == 0, done.stderr
        assert list((tmp_path / "data" / "out" / "tables").glob("*.csv"))  # there to be read
        data = json.loads((tmp_path / "data" / "out" / "report.json").read_text())
        rows.append(data["quality"]["rows_read"])
    assert rows == [len(ROWS), len(ROWS)]
