"""Report projects (``salescope run``), the run history, ``history``, ``diff`` and "Since
the last report", on the real command and a real catalog file.

Two weekly runs a week apart on the demo data: the second week's export also holds a late
order of the first week whose amount is planted, so the restated revenue of that week must
move by exactly that amount. Every figure compared is taken from the two runs' report.json
files, or computed here from the CSV with DuckDB.
"""

from __future__ import annotations

import csv
import hashlib
import json
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import duckdb
import pytest

from salescope.demo_data import DemoFiles
from salescope.history import History
from salescope.model import HEADLINE_KPIS, Fact
from salescope.narrative.grounding import ungrounded
from salescope.project import HISTORY_NAME
from tests.test_cli import Result, salescope

LATE = 1234.56  # the planted late order of the first week


def _cut(rows: list[dict[str, str]], upto: date, late_day: date | None, path: Path) -> None:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, list(rows[0]))
        writer.writeheader()
        writer.writerows(r for r in rows if r["order_date"] <= upto.isoformat())
        if late_day is not None:
            late = dict(rows[-1])
            late.update(
                order_id="SO-LATE-1",
                order_date=late_day.isoformat(),
                customer_id="C-LATE",
                customer_name="Late Customer",
                quantity="1",
                unit_price=f"{LATE:.2f}",
                discount="0",
                revenue=f"{LATE:.2f}",
            )
            writer.writerow(late)


@pytest.fixture(scope="module")
def weeks(demo_files: DemoFiles, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """Two exports a week apart, each ending on a Sunday; the second with the late order."""
    rows = list(csv.DictReader(demo_files.sales.open(encoding="utf-8")))
    end = max(date.fromisoformat(r["order_date"]) for r in rows)
    first = end - timedelta(days=7)
    while first.weekday() != 6:
        first -= timedelta(days=1)
    second = first + timedelta(days=7)
    folder = tmp_path_factory.mktemp("weeks")
    _cut(rows, first, None, folder / "week1.csv")
    _cut(rows, second, first - timedelta(days=2), folder / "week2.csv")
    return {"folder": folder, "first": first, "second": second}


def _project(root: Path, **settings: object) -> Path:
    lines = [
        "currency: USD",
        "inputs: [data/current.csv]",
        "period: latest-week",
        "formats: [json, md]",
        "out: reports/weekly",
    ]
    lines += [f"{k}: {json.dumps(v)}" for k, v in settings.items()]
    (root / "data").mkdir(parents=True, exist_ok=True)
    path = root / "salescope.yml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _summary(result: Result) -> dict[str, Any]:
    assert result.code in (0, 3), result.stderr
    lines = result.stdout.strip().splitlines()
    assert len(lines) == 1, result.stdout  # one machine-readable line, nothing else
    data: dict[str, Any] = json.loads(lines[0])
    return data


def _hashes(folder: Path) -> dict[str, str]:
    return {
        p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def _week_revenue(csv_path: Path, start: date, end: date) -> float:
    """Revenue of sale lines in [start, end] by independent SQL (the demo has no returns
    in the revenue column's sign convention other than negative lines, summed as they
    are)."""
    sql = "select sum(revenue) from read_csv_auto(?) where cast(order_date as date) between ? and ?"
    row = duckdb.execute(sql, [str(csv_path), start, end]).fetchone()
    assert row is not None
    return float(row[0])


@pytest.fixture(scope="module")
def two_weeks(weeks: dict[str, Any], tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """The project run on week 1, again on week 1 (skipped), then on week 2."""
    root = tmp_path_factory.mktemp("project")
    _project(root)
    current = root / "data" / "current.csv"
    current.write_bytes((weeks["folder"] / "week1.csv").read_bytes())
    out = root / "reports" / "weekly"
    first = _summary(salescope("run", "--json", cwd=root))
    first_json = json.loads((out / "report.json").read_text(encoding="utf-8"))
    before = _hashes(out)
    again = _summary(salescope("run", "--json", cwd=root))
    after_skip = _hashes(out)
    current.write_bytes((weeks["folder"] / "week2.csv").read_bytes())
    second = _summary(salescope("run", "--json", cwd=root))
    second_text = (out / "report.json").read_text(encoding="utf-8")
    second_json = json.loads(second_text)
    return {
        "root": root,
        "out": out,
        "first": first,
        "first_json": first_json,
        "again": again,
        "before": before,
        "after_skip": after_skip,
        "second": second,
        "second_json": second_json,
        "second_text": second_text,
        "md": (out / "report.md").read_text(encoding="utf-8"),
    }


def test_latest_week_reports_the_week_that_ends_on_the_datas_last_sunday(
    weeks: dict[str, Any], two_weeks: dict[str, Any]
) -> None:
    for run, end in (("first_json", weeks["first"]), ("second_json", weeks["second"])):
        period = two_weeks[run]["period"]
        assert period["grain"] == "week"
        assert date.fromisoformat(period["end"]) == end
        assert date.fromisoformat(period["start"]) == end - timedelta(days=6)
    week = two_weeks["first_json"]["period"]
    start, end = date.fromisoformat(week["start"]), date.fromisoformat(week["end"])
    revenue = _week_revenue(weeks["folder"] / "week1.csv", start, end)
    assert two_weeks["first"]["revenue"] == pytest.approx(revenue, abs=0.005)


def test_an_unchanged_run_is_skipped_and_leaves_the_report_as_it_was(
    two_weeks: dict[str, Any],
) -> None:
    again = two_weeks["again"]
    assert again["status"] == "skipped" and again["exit_code"] == 0
    assert two_weeks["first"]["run_id"] in again["reason"]
    assert two_weeks["after_skip"] == two_weeks["before"]


def test_since_last_report_gives_the_last_reports_own_figures(two_weeks: dict[str, Any]) -> None:
    first, second = two_weeks["first_json"], two_weeks["second_json"]
    since = second["since_last"]
    assert since["run_id"] == two_weeks["first"]["run_id"]
    assert since["period"] == first["period"]["label"]
    figures = {f["name"]: f for f in since["figures"]}
    assert list(figures) == [n for n in HEADLINE_KPIS if n in second["kpis"]]
    for name, f in figures.items():
        assert f["last"] == first["kpis"][name]["value"]
        assert f["value"] == second["kpis"][name]["value"]
        expected = (f["value"] - f["last"]) / abs(f["last"]) * 100
        assert f["change_pct"] == pytest.approx(expected)


def test_the_late_order_restates_the_first_week_by_its_amount(two_weeks: dict[str, Any]) -> None:
    first, second = two_weeks["first_json"], two_weeks["second_json"]
    restated = {r["name"]: r for r in second["since_last"]["restated"]}
    revenue = restated["revenue"]
    assert revenue["period"] == first["period"]["label"]
    assert revenue["reported"] == first["kpis"]["revenue"]["value"]
    assert revenue["now"] == second["kpis"]["revenue"]["previous"]
    assert revenue["now"] - revenue["reported"] == pytest.approx(LATE, abs=0.005)
    assert restated["orders"]["now"] - restated["orders"]["reported"] == 1
    assert restated["customers"]["now"] - restated["customers"]["reported"] == 1
    # a figure the late order does not touch is not restated
    unchanged = [
        n
        for n, k in first["kpis"].items()
        if k["value"] is not None and k["value"] == second["kpis"][n]["previous"]
    ]
    assert unchanged and not set(unchanged) & set(restated)


def test_the_since_section_prints_only_facts(two_weeks: dict[str, Any]) -> None:
    md = two_weeks["md"]
    section = md.split("## Since the last report", 1)[1].split("\n## ", 1)[0]
    second = two_weeks["second_json"]
    facts = {
        fid: Fact(fid, f["value"], f["unit"], f["label"]) for fid, f in second["facts"].items()
    }
    first_period = second["since_last"]["period"]
    allowed = [second["period"]["label"], first_period, second["since_last"]["created_at"][:10]]
    # the run id is printed Markdown-escaped
    text = section.replace(
        second["since_last"]["run_id"].replace("_", "\\_").replace("#", "\\#"), ""
    )
    assert ungrounded(text, facts, currency="USD", allowed=allowed) == []
    assert f"+${LATE:,.0f}" in section  # the restated revenue's difference, as written


def test_history_lists_every_run_newest_first(two_weeks: dict[str, Any]) -> None:
    result = salescope("history", "--json", cwd=two_weeks["root"])
    assert result.code == 0, result.stderr
    runs = [json.loads(line) for line in result.stdout.strip().splitlines()]
    assert [r["status"] for r in runs] == ["ok", "skipped", "ok"]
    assert [r["run_id"] for r in runs] == [
        two_weeks["second"]["run_id"],
        two_weeks["again"]["run_id"],
        two_weeks["first"]["run_id"],
    ]
    catalog = History(two_weeks["root"] / HISTORY_NAME)
    record = catalog.get(two_weeks["second"]["run_id"])
    assert record.report_json == two_weeks["second_text"]  # the file the run wrote
    inputs = catalog.inputs(record.run_id)
    data = two_weeks["root"] / "data" / "current.csv"
    assert [(i.path, i.sha256) for i in inputs] == [
        (str(data), hashlib.sha256(data.read_bytes()).hexdigest())
    ]


def test_diff_since_last_names_the_changed_figures_and_insights(
    two_weeks: dict[str, Any],
) -> None:
    result = salescope("diff", "--since-last", "--json", cwd=two_weeks["root"])
    assert result.code == 0, result.stderr
    diff = json.loads(result.stdout)
    first, second = two_weeks["first_json"], two_weeks["second_json"]
    assert (diff["a"], diff["b"]) == (two_weeks["first"]["run_id"], two_weeks["second"]["run_id"])
    changed = {c["name"]: c for c in diff["changed"]}
    revenue = changed["revenue"]
    assert (revenue["a"], revenue["b"]) == (
        first["kpis"]["revenue"]["value"],
        second["kpis"]["revenue"]["value"],
    )
    assert revenue["change"] == pytest.approx(revenue["b"] - revenue["a"])
    ids_a = {i["id"] for i in first["insights"]}
    ids_b = {i["id"] for i in second["insights"]}
    assert {i for i, _ in diff["appeared"]} == ids_b - ids_a
    assert {i for i, _ in diff["gone"]} == ids_a - ids_b
    # the text form says the same in words
    text = salescope("diff", "--since-last", cwd=two_weeks["root"])
    assert f"{len(diff['changed'])} figures changed" in text.stdout


def test_force_runs_an_unchanged_project_again(weeks: dict[str, Any], tmp_path: Path) -> None:
    _project(tmp_path, formats=["json"])
    (tmp_path / "data" / "current.csv").write_bytes((weeks["folder"] / "week1.csv").read_bytes())
    first = _summary(salescope("run", "--json", cwd=tmp_path))
    forced = _summary(salescope("run", "--json", "--force", cwd=tmp_path))
    assert forced["status"] == "ok" and forced["revenue"] == first["revenue"]
    report = json.loads((tmp_path / "reports" / "weekly" / "report.json").read_text())
    # a rerun of the same period restates nothing: the data did not change
    assert report["since_last"]["run_id"] == first["run_id"]
    assert report["since_last"]["restated"] == []


def test_as_of_picks_the_period_and_month_to_date_compares_the_same_days(
    weeks: dict[str, Any], tmp_path: Path
) -> None:
    _project(tmp_path, formats=["json"], period="month-to-date")
    (tmp_path / "data" / "current.csv").write_bytes((weeks["folder"] / "week2.csv").read_bytes())
    day = weeks["second"] - timedelta(days=3)
    summary = _summary(salescope("run", "--json", "--as-of", day.isoformat(), cwd=tmp_path))
    report = json.loads((tmp_path / "reports" / "weekly" / "report.json").read_text())
    period = report["period"]
    assert (period["start"], period["end"]) == (day.replace(day=1).isoformat(), day.isoformat())
    before = (day.replace(day=1) - timedelta(days=1)).replace(day=1)
    assert period["previous"]["start"] == before.isoformat()
    assert period["previous"]["end"] == (before + timedelta(days=day.day - 1)).isoformat()
    revenue = _week_revenue(weeks["folder"] / "week2.csv", day.replace(day=1), day)
    assert summary["revenue"] == pytest.approx(revenue, abs=0.005)


def test_project_errors_are_one_line_with_a_hint(tmp_path: Path) -> None:
    result = salescope("run", cwd=tmp_path)
    assert result.code == 2
    assert result.stderr.startswith("error: no report project") and "hint:" in result.stderr
    (tmp_path / "salescope.yml").write_text("period: latest-week\n", encoding="utf-8")
    result = salescope("run", "--json", cwd=tmp_path)
    assert result.code == 2 and "names no inputs" in result.stderr
    assert json.loads(result.stdout)["status"] == "error"
    _project(tmp_path)
    result = salescope("run", "--as-of", "last tuesday", cwd=tmp_path)
    assert result.code == 2 and "--as-of" in result.stderr
    result = salescope("run", cwd=tmp_path)  # data/current.csv is missing
    assert result.code == 2 and "not found" in result.stderr
    assert "Traceback" not in result.stderr
    failed = History(tmp_path / HISTORY_NAME).runs()  # the failed run is recorded, with why
    assert [(r.status, "not found" in (r.reason or "")) for r in failed] == [("failed", True)]


def test_report_writes_the_formats_salescope_yml_names_unless_told(tmp_path: Path) -> None:
    from tests.test_cli import write_sales

    write_sales(tmp_path)
    (tmp_path / "salescope.yml").write_text("formats: [json, csv]\n", encoding="utf-8")
    result = salescope("report", "sales.csv", "--out", "out", cwd=tmp_path)
    assert result.code == 0, result.stderr
    written = {p.name for p in (tmp_path / "out").iterdir() if not p.name.startswith(".")}
    assert written == {"report.json", "tables", "quarantine.csv"}
    result = salescope("report", "sales.csv", "--out", "out", "--format", "md", cwd=tmp_path)
    assert result.code == 0, result.stderr
    written = {p.name for p in (tmp_path / "out").iterdir() if not p.name.startswith(".")}
    assert written == {"report.md", "departments", "quarantine.csv", "previous"}
    assert (tmp_path / "out" / "previous" / "report.json").is_file()  # the earlier report


def test_run_delivers_and_a_failed_delivery_keeps_the_report_and_exits_3(
    weeks: dict[str, Any], tmp_path: Path
) -> None:
    """A webhook and a Slack hook on a real HTTP server on 127.0.0.1 receive the report's
    figures; a hook on a port nothing listens on fails: the report is written anyway, the
    run exits 3 and the history holds the reason."""
    from tests.delivery_servers import free_port, webhook_server

    with webhook_server() as hooks:
        deliver = {
            "webhook": [{"url": f"{hooks.url}/summary"}, {"url_env": "DEAD_HOOK"}],
            "slack": {"url_env": "SLACK_HOOK"},
        }
        _project(tmp_path, formats=["json", "md"], deliver=deliver)
        data = tmp_path / "data" / "current.csv"
        data.write_bytes((weeks["folder"] / "week1.csv").read_bytes())
        env = {
            "SLACK_HOOK": f"{hooks.url}/slack",
            "DEAD_HOOK": f"http://127.0.0.1:{free_port()}/gone",
        }
        done = salescope("run", "--json", cwd=tmp_path, env=env, timeout=300)
        assert done.code == 3, done.stderr
        summary = json.loads(done.stdout)
        report = json.loads((tmp_path / "reports" / "weekly" / "report.json").read_text())
        received = {r.path: r.body for r in hooks.requests}
    assert summary["status"] == "delivery_failed"
    assert [(d["channel"], d["ok"]) for d in summary["deliveries"]] == [
        ("slack", True),
        ("webhook", True),
        ("webhook", False),
    ]
    assert received["/summary"]["run_id"] == report["run"]["id"]
    sent = {k["name"]: k["value"] for k in received["/summary"]["kpis"]}
    assert sent == {name: k["value"] for name, k in report["kpis"].items()}
    assert "/slack" in received
    record = History(tmp_path / HISTORY_NAME).get(summary["run_id"])
    assert record.status == "delivery_failed"
    assert record.reason is not None and "127.0.0.1" in record.reason
    assert record.report()["kpis"] == report["kpis"]  # the report was kept and recorded
    delivered = History(tmp_path / HISTORY_NAME).deliveries(summary["run_id"])
    assert [d.ok for d in delivered] == [True, True, False]


def test_a_delivery_that_cannot_work_is_refused_before_any_work(
    weeks: dict[str, Any], tmp_path: Path
) -> None:
    _project(tmp_path, formats=["json"], deliver={"slack": {"url_env": "NOT_SET_ANYWHERE"}})
    (tmp_path / "data" / "current.csv").write_bytes((weeks["folder"] / "week1.csv").read_bytes())
    result = salescope("run", cwd=tmp_path)
    assert result.code == 2 and "NOT_SET_ANYWHERE is not set" in result.stderr
    assert not (tmp_path / "reports").exists()


def _record_runs(path: str, worker: int, runs: int) -> None:
    from salescope.history import InputFile

    catalog = History(Path(path))
    for i in range(runs):
        run = f"w{worker}-{i}"
        catalog.start(
            run,
            rule="latest-week",
            as_of=None,
            config_sha256="c",
            fingerprint="f",
            out_dir=Path("out"),
            inputs=[InputFile("sales.csv", 1, "0" * 64)],
        )
        week = (date(2024, 1, 1), date(2024, 1, 7))
        catalog.finish(run, "ok", period=("2024-W01", *week), report_json="{}")


def test_runs_at_once_all_get_recorded(tmp_path: Path) -> None:
    """DuckDB lets one process write a file at a time: runs finishing together wait for
    each other's brief hold instead of failing."""
    import multiprocessing

    path = str(tmp_path / HISTORY_NAME)
    context = multiprocessing.get_context("spawn")
    workers = [context.Process(target=_record_runs, args=(path, w, 10)) for w in range(3)]
    for w in workers:
        w.start()
    for w in workers:
        w.join(120)
    assert [w.exitcode for w in workers] == [0, 0, 0]
    runs = History(Path(path)).runs()
    assert sorted(r.run_id for r in runs) == sorted(
        f"w{w}-{i}" for w in range(3) for i in range(10)
    )
    assert {r.status for r in runs} == {"ok"}
    assert len(History(Path(path)).inputs("w2-9")) == 1


def test_a_history_file_another_run_is_creating_is_waited_for(tmp_path: Path) -> None:
    """Another run creating the file leaves it empty for an instant, which DuckDB refuses as
    no database: the run waits for it, as for a lock, and is recorded."""
    import threading
    import time

    path = tmp_path / HISTORY_NAME
    path.write_bytes(b"")

    def creator_done() -> None:  # the other run's attempt ends and leaves no file
        time.sleep(0.3)
        path.unlink()

    creator = threading.Thread(target=creator_done)
    creator.start()
    _record_runs(str(path), 0, 1)
    creator.join()
    assert [r.run_id for r in History(path).runs()] == ["w0-0"]


def test_an_invalid_history_file_of_the_users_is_an_error(tmp_path: Path) -> None:
    import os

    from salescope.errors import ConfigError

    path = tmp_path / HISTORY_NAME
    path.write_text("order_id,revenue\n")
    an_hour_ago = path.stat().st_mtime - 3600
    os.utime(path, (an_hour_ago, an_hour_ago))
    with pytest.raises(ConfigError, match="not a valid DuckDB database"):
        _record_runs(str(path), 0, 1)


def test_ctrl_c_during_a_run_is_recorded_and_leaves_the_last_report(tmp_path: Path) -> None:
    """SIGINT while the engine reads: exit 130 at once, the --json line and the history say
    interrupted, the last report is as it was and no staging folder is left."""
    import signal
    import subprocess
    import sys
    import time

    from tests.test_cli import write_sales
    from tests.test_folder_swap import _big_csv, beside, hashes

    _project(tmp_path, formats=["json", "md"], period="latest-quarter")
    data = tmp_path / "data" / "current.csv"
    data.write_bytes(write_sales(tmp_path).read_bytes())
    first = _summary(salescope("run", "--json", cwd=tmp_path))
    out = tmp_path / "reports" / "weekly"
    before = hashes(out)
    _big_csv(data)
    process = subprocess.Popen(
        [sys.executable, "-m", "salescope.cli", "run", "--json"],
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    catalog = History(tmp_path / HISTORY_NAME)
    deadline = time.monotonic() + 120
    while not any(r.status == "running" for r in catalog.runs()):  # hashed, now reading
        assert time.monotonic() < deadline and process.poll() is None
        time.sleep(0.2)
    time.sleep(2)
    process.send_signal(signal.SIGINT)
    signalled = time.monotonic()
    stdout, stderr = process.communicate(timeout=60)
    took = time.monotonic() - signalled
    assert process.returncode == 130, stderr
    assert took < 3, f"exit {took:.1f} s after SIGINT"
    assert stderr.strip() == "interrupted"
    assert json.loads(stdout)["status"] == "interrupted"
    runs = catalog.runs()
    assert [r.status for r in runs] == ["interrupted", "ok"]
    assert runs[1].run_id == first["run_id"]
    assert hashes(out) == before
    assert beside(out) == []


def test_a_query_the_engine_stops_is_recorded_as_interrupted(tmp_path: Path) -> None:
    """DuckDB stops a query on Ctrl-C and raises its own error (``InterruptException``),
    not KeyboardInterrupt: the run is recorded ``interrupted`` (not ``failed``) and ends in
    KeyboardInterrupt, so the CLI says ``interrupted`` and exits 130. The engine is stopped
    here by DuckDB's own ``interrupt()`` from another thread, as its Ctrl-C handling does,
    once the stages have begun (the readers already turned the engine's error into
    KeyboardInterrupt; the stages did not)."""
    import threading

    from salescope.engine import connect
    from salescope.project import load_project, run_project
    from tests.test_folder_swap import _big_csv

    _project(tmp_path, formats=["json", "md"], period="latest-quarter")
    _big_csv(tmp_path / "data" / "current.csv", lines=1_000_000)
    engine = connect("duckdb")
    started, done = threading.Event(), threading.Event()

    def stop() -> None:  # from the first stage after reading until the run ends
        started.wait()
        while not done.wait(0.02):
            engine.con.con.interrupt()  # type: ignore[attr-defined]

    stopper = threading.Thread(target=stop)
    stopper.start()
    try:
        with pytest.raises(KeyboardInterrupt) as raised:
            run_project(
                load_project(tmp_path),
                engine=lambda: engine,
                write=lambda r, f: (),
                progress=lambda step: step == "computing KPIs" and started.set(),
            )
    finally:
        started.set()
        done.set()
        stopper.join()
    assert not isinstance(raised.value.__cause__, KeyboardInterrupt)  # the engine's own error
    runs = History(tmp_path / HISTORY_NAME).runs()
    assert [(r.status, r.reason) for r in runs] == [("interrupted", "stopped by Ctrl-C (SIGINT)")]
