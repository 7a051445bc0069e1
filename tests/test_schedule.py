"""`salescope schedule`: crontab lines and systemd timers that run `salescope run`.

The lines are read back the way their readers read them: a crontab line through cron's
``%`` rule and a real ``/bin/sh``, a unit's ExecStart= by systemd's quoting rules (and by
``systemd-analyze verify`` where installed), an OnCalendar= by ``systemd-analyze calendar``
against croniter's fire times. ``--install`` runs the real ``crontab`` on the real user's
crontab, which the fixture saves and puts back.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest

from salescope.errors import ConfigError
from salescope.schedule import (
    Project,
    check_cron,
    cron_line,
    merge_crontab,
    next_times,
    on_calendar,
    systemd_units,
)
from tests.test_cli import Result
from tests.test_cli import salescope as run_cli

SRC = Path(__file__).resolve().parent.parent / "src"
DOCS = Path(__file__).resolve().parent.parent / "docs"

# folder names a shell or systemd would read as more than a name if they were not quoted
HOSTILE = (
    "plain",
    "with space",
    "it's",
    'say "hi"',
    "$(touch pwned)",
    "`touch pwned2`",
    "100% sure",
    "a;b && c | d",
    "*glob?[x]",
    "back\\slash",
    "${HOME}",
    "#hash",
)


def salescope(*args: str | Path, cwd: Path, env: dict[str, str] | None = None) -> Result:
    """The real command line, on this checkout's source."""
    return run_cli(*args, cwd=cwd, env={**(env or {}), "PYTHONPATH": str(SRC)})


def make_project(base: Path, folder: str) -> Path:
    project = base / folder
    project.mkdir(parents=True)
    config = project / "salescope.yml"
    config.write_text("period: latest-quarter\n", encoding="utf-8")
    return config


def stand_in(folder: Path) -> Path:
    """An executable standing in for salescope: it writes its argv (one per line, NUL
    ended) and its working folder into argv.txt beside itself, and says "ran" on stdout."""
    folder.mkdir(parents=True, exist_ok=True)
    script = folder / "salescope"
    record = folder / "argv.txt"
    script.write_text(
        f"#!{sys.executable}\n"
        "import os, sys\n"
        f"with open({str(record)!r}, 'w', encoding='utf-8') as f:\n"
        "    f.write('\\0'.join([os.getcwd(), *sys.argv[1:]]))\n"
        "print('ran')\n",
        encoding="utf-8",
    )
    script.chmod(0o755)
    return script


def cron_unescape(command: str) -> str:
    """What cron hands to /bin/sh -c: a ``\\%`` becomes ``%``, a bare ``%`` ends the
    command (the rest is standard input), other backslashes stay (crontab(5), and
    do_command.c of Vixie cron and cronie)."""
    out: list[str] = []
    escaped = False
    for ch in command:
        if escaped:
            if ch == "%":
                out[-1] = "%"
            else:
                out.append(ch)
            escaped = False
            continue
        if ch == "%":
            break
        escaped = ch == "\\"
        out.append(ch)
    return "".join(out)


def systemd_words(value: str) -> list[str]:
    """An ExecStart= value split as systemd does for quoted words (systemd.service(5),
    "Command lines"): words in double quotes with C escapes (\\\\, \\"), then ``%%`` ->
    ``%`` (specifiers) and, in the arguments only, ``$$`` -> ``$`` (variables; the
    program's path is taken without them, as ``systemd-analyze verify`` shows below).
    Only the forms salescope writes."""
    words = re.findall(r'"((?:[^"\\]|\\.)*)"(?:\s+|$)', value)
    assert " ".join(f'"{w}"' for w in words) == value, f"not all quoted words: {value!r}"
    words = [re.sub(r"\\(.)", r"\1", w).replace("%%", "%") for w in words]
    return words[:1] + [w.replace("$$", "$") for w in words[1:]]


def unit_lines(text: str) -> dict[str, str]:
    return dict(line.split("=", 1) for line in text.splitlines() if "=" in line)


# --- the crontab line -----------------------------------------------------------------


@pytest.mark.parametrize("folder", HOSTILE)
def test_crontab_line_runs_the_exact_argv_in_a_real_shell(tmp_path: Path, folder: str) -> None:
    """cron's ``%`` rule, then ``/bin/sh -c``: the stand-in salescope gets exactly
    ``--quiet run CONFIG --json`` in the project folder, its output lands in the log, and
    nothing in a name runs."""
    config = make_project(tmp_path, folder)
    exe = stand_in(tmp_path / f"bin {folder}")
    project = Project.find(config, None, None)
    line = cron_line(project, "0 7 * * MON", [str(exe)])

    fields = line.split(" ", 5)
    assert fields[:5] == ["0", "7", "*", "*", "MON"]
    command, marker = fields[5].rsplit(" # salescope: ", 1)
    assert marker == project.name
    assert re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_.-]*", marker)
    words = shlex.split(cron_unescape(command))
    assert words == [
        "cd",
        str(config.parent),
        "&&",
        str(exe),
        "--quiet",
        "run",
        str(config),
        "--json",
        ">>",
        str(config.parent / "salescope.log"),
        "2>&1",
    ]

    subprocess.run(
        ["/bin/sh", "-c", cron_unescape(fields[5])], cwd=tmp_path, check=True, timeout=30
    )
    ran = (exe.parent / "argv.txt").read_text(encoding="utf-8").split("\0")
    assert ran == [str(config.parent), "--quiet", "run", str(config), "--json"]
    assert (config.parent / "salescope.log").read_text(encoding="utf-8") == "ran\n"
    assert not list(tmp_path.rglob("pwned*"))


def test_cli_prints_the_line_and_the_next_three_runs(tmp_path: Path) -> None:
    config = make_project(tmp_path, "sales reports")
    done = salescope("schedule", "--cron", "30 6 1 * *", "--log", "runs.log", cwd=config.parent)
    assert done.code == 0, done.stderr
    runs, line = done.stdout.splitlines()
    words = shlex.split(cron_unescape(line.split(" ", 5)[5]), comments=True)
    exe_and_args = words[3 : words.index(">>")]
    assert exe_and_args[-4:] == ["--quiet", "run", str(config), "--json"]
    assert Path(exe_and_args[0]).is_absolute()
    assert words[words.index(">>") + 1] == str(config.parent / "runs.log")
    assert line.endswith("# salescope: salescope-sales-reports")
    # the first of each of the next three months, 06:30, after now (local time)
    shown = re.findall(r"\w{3} (\d{4}-\d\d-\d\d \d\d:\d\d)", runs)
    assert runs.startswith("# next runs")
    assert len(shown) == 3
    assert [t.strftime("%Y-%m-%d %H:%M") for t in next_times("30 6 1 * *", datetime.now())] == (
        shown
    )
    assert all(s.endswith("-01 06:30") for s in shown)


def test_next_times_by_hand() -> None:
    # Sunday 2026-12-06 17:45: Mondays at 07:00; weekdays every 15 minutes 09:00-17:45
    now = datetime(2026, 12, 6, 17, 45)
    assert next_times("0 7 * * MON", now) == [
        datetime(2026, 12, 7, 7),
        datetime(2026, 12, 14, 7),
        datetime(2026, 12, 21, 7),
    ]
    assert next_times("*/15 9-17 * * mon-fri", now, 2) == [
        datetime(2026, 12, 7, 9),
        datetime(2026, 12, 7, 9, 15),
    ]
    assert next_times("0 0 29 2 *", now, 1) == [datetime(2028, 2, 29)]


@pytest.mark.parametrize(
    "expression",
    [
        "0 7 * *",  # four fields
        "* * * * * *",  # six (croniter's seconds)
        "@daily",
        "61 7 * * *",
        "0 24 * * *",
        "0 7 32 * *",
        "0 7 L * *",  # croniter reads L, cron does not
        "0 7 * * 5#2",
        "0 7 ? * MON",
        "0 7 * * MON; rm -rf /",
        "0 7 */2 * MON",  # cron: both day fields; croniter: either
        "0 7 * * FUNDAY",
        "",
    ],
)
def test_bad_cron_expression_is_one_error_line(tmp_path: Path, expression: str) -> None:
    make_project(tmp_path, "p")
    done = salescope("schedule", "p/salescope.yml", "--cron", expression, cwd=tmp_path)
    assert done.code == 2
    assert done.stdout == ""
    lines = done.stderr.splitlines()
    assert len(lines) == 1, done.stderr
    assert lines[0].startswith("error: ")
    assert "(hint: " in lines[0]
    with pytest.raises(ConfigError):
        check_cron(expression)


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["nowhere/salescope.yml", "--cron", "0 7 * * *"], "no report project at"),
        (["p", "--cron", "0 7 * * *", "--name", "../evil"], "invalid schedule name"),
        (["p", "--cron", "0 7 * * *", "--name", "a b"], "invalid schedule name"),
        (["p", "--cron", "0 7 * * *", "--on-calendar", "daily"], "not both"),
        (["p"], "say when to run"),
        (["p", "--cron", "0 7 1 * MON", "--systemd"], "no systemd OnCalendar= form"),
        # cron: every day (either day field; 1-31 is all); refused rather than guessed
        (["p", "--cron", "0 22 1-31 * sun-tue", "--systemd"], "no systemd OnCalendar= form"),
    ],
)
def test_bad_options_are_one_error_line(tmp_path: Path, args: list[str], says: str) -> None:
    make_project(tmp_path, "p")
    done = salescope("schedule", *args, cwd=tmp_path)
    assert done.code == 2
    assert done.stderr.count("\n") == 1
    assert done.stderr.startswith("error: ")
    assert says in done.stderr
    assert "Traceback" not in done.stderr


def test_project_folder_holding_the_config_is_taken(tmp_path: Path) -> None:
    config = make_project(tmp_path, "p")
    project = Project.find(config.parent, None, None)
    assert project.config == config
    assert project.log == config.parent / "salescope.log"
    assert project.name == "salescope-p"


# --- systemd --------------------------------------------------------------------------

# cron expression -> OnCalendar=, checked by hand (cron's day of week 0 and 7 are Sunday;
# systemd joins the day fields with AND, which is cron's reading when one of them is *)
BY_HAND = {
    "0 7 * * MON": "Mon *-*-* 07:00:00",
    "*/15 9-17 * * mon-fri": "Mon,Tue,Wed,Thu,Fri *-*-* 09,10,11,12,13,14,15,16,17:00,15,30,45:00",
    "30 6 1 * *": "*-*-01 06:30:00",
    "0 0 1,15 jan,jul *": "*-01,07-01,15 00:00:00",
    "5 4 * * 7": "Sun *-*-* 04:05:00",
    "0 9 * * 0,6": "Sat,Sun *-*-* 09:00:00",
    "0 */6 * * *": "*-*-* 00,06,12,18:00:00",
    "10,40 8 * 2-4 *": "*-02,03,04-* 08:10,40:00",
    "0 22 * * sun-tue": "Mon,Tue,Sun *-*-* 22:00:00",
    "* * * * *": "*-*-* *:*:00",
    "0 12 29 2 *": "*-02-29 12:00:00",
}


@pytest.mark.parametrize(("expression", "expected"), BY_HAND.items())
def test_on_calendar_by_hand(expression: str, expected: str) -> None:
    assert on_calendar(check_cron(expression)) == expected


def _systemd_times(spec: str, base: datetime, count: int) -> list[datetime]:
    analyze = shutil.which("systemd-analyze")
    assert analyze is not None
    done = subprocess.run(
        [
            analyze,
            "calendar",
            f"--iterations={count}",
            f"--base-time={base:%Y-%m-%d %H:%M:%S} UTC",
            spec,
        ],
        env={**os.environ, "TZ": "UTC"},
        capture_output=True,
        text=True,
        check=True,
        timeout=30,
    )
    found = re.findall(r"(?:Next elapse|Iter\. #\d+): \w+ (\S+ \S+) UTC", done.stdout)
    return [datetime.fromisoformat(t) for t in found]


@pytest.mark.parametrize("expression", BY_HAND)
def test_on_calendar_fires_when_cron_does(expression: str) -> None:
    """systemd's own calendar arithmetic against croniter's, over the next 40 fire times
    from two starting points (one before a leap day)."""
    spec = on_calendar(check_cron(expression))
    for base in (datetime(2026, 12, 6, 17, 44, 30), datetime(2027, 12, 31, 23, 59, 59)):
        assert _systemd_times(spec, base, 40) == next_times(expression, base, 40)


def test_units_quote_every_path(tmp_path: Path) -> None:
    for folder in HOSTILE:
        config = make_project(tmp_path, folder)
        exe = stand_in(tmp_path / f"bin {folder}")
        project = Project.find(config, None, None)
        if any(ch in str(exe) for ch in "\\\"'"):
            # systemd refuses these in the program's path (string_is_safe), quoted or not
            with pytest.raises(ConfigError, match="quotes or backslashes"):
                systemd_units(project, "Mon *-*-* 07:00:00", [str(exe)])
            exe = stand_in(tmp_path / "bin")
        service, timer = systemd_units(project, "Mon *-*-* 07:00:00", [str(exe)])
        values = unit_lines(service)
        assert systemd_words(values["ExecStart"]) == [
            str(exe),
            "--quiet",
            "run",
            str(config),
            "--json",
        ]
        assert values["WorkingDirectory"].replace("%%", "%") == str(config.parent)
        assert values["StandardOutput"] == values["StandardError"]
        assert values["StandardOutput"].replace("%%", "%") == f"append:{project.log}"
        assert unit_lines(timer)["Unit"] == f"{project.name}.service"
        analyze = shutil.which("systemd-analyze")  # .ci/run installs systemd for it
        assert analyze is not None, "systemd-analyze is missing: apt-get install systemd"
        if analyze is not None:
            # systemd reads the first word back to the stand-in's path, or says "not
            # executable"
            units = tmp_path / "units" / project.name
            units.mkdir(parents=True)
            (units / f"{project.name}.service").write_text(service, encoding="utf-8")
            (units / f"{project.name}.timer").write_text(timer, encoding="utf-8")
            done = subprocess.run(
                [analyze, "verify", f"{project.name}.service", f"{project.name}.timer"],
                cwd=units,
                capture_output=True,
                text=True,
                timeout=60,
                check=False,
            )
            assert done.returncode == 0, done.stderr


def test_install_systemd_writes_the_units(tmp_path: Path) -> None:
    config = make_project(tmp_path, "it's 100% $(sales)")
    home = tmp_path / "config home"
    nobin = tmp_path / "no-bin"  # no systemctl: nothing is enabled on this machine
    nobin.mkdir()
    env = {"XDG_CONFIG_HOME": str(home), "PATH": str(nobin)}
    done = salescope(
        "schedule", config, "--cron", "0 7 * * MON-FRI", "--systemd", "--install",
        "--name", "weekday-sales", cwd=tmp_path, env=env,
    )  # fmt: skip
    assert done.code == 0, done.stderr
    folder = home / "systemd" / "user"
    names = sorted(p.name for p in folder.iterdir())
    assert names == ["weekday-sales.service", "weekday-sales.timer"]
    service = unit_lines((folder / "weekday-sales.service").read_text(encoding="utf-8"))
    timer = unit_lines((folder / "weekday-sales.timer").read_text(encoding="utf-8"))
    argv = systemd_words(service["ExecStart"])
    assert argv[-4:] == ["--quiet", "run", str(config), "--json"]
    python = os.path.abspath(sys.executable)
    assert argv[:-4] in ([str(Path(python).parent / "salescope")], [python, "-m", "salescope"])
    assert service["Type"] == "oneshot"
    assert service["WorkingDirectory"].replace("%%", "%") == str(config.parent)
    assert timer["OnCalendar"] == "Mon,Tue,Wed,Thu,Fri *-*-* 07:00:00"
    assert timer["Persistent"] == "true"
    assert timer["WantedBy"] == "timers.target"
    out = done.stdout.splitlines()
    assert out[-2:] == [
        "systemctl --user daemon-reload",
        "systemctl --user enable --now weekday-sales.timer",
    ]

    again = salescope(
        "schedule", config, "--on-calendar", "Mon *-*-1..7 07:00:00", "--install",
        "--name", "weekday-sales", cwd=tmp_path, env=env,
    )  # fmt: skip
    assert again.code == 0, again.stderr
    timer = unit_lines((folder / "weekday-sales.timer").read_text(encoding="utf-8"))
    assert timer["OnCalendar"] == "Mon *-*-1..7 07:00:00"


# --- installing into the real crontab -------------------------------------------------


def _crontab() -> str:
    path = shutil.which("crontab")
    assert path is not None, "crontab is missing: apt-get install cron (.ci/run does)"
    return path


def _read_crontab() -> str | None:
    done = subprocess.run(
        [_crontab(), "-l"], capture_output=True, text=True, check=False, timeout=30
    )
    return done.stdout if done.returncode == 0 else None


def _write_crontab(text: str | None) -> None:
    if text is None:
        subprocess.run([_crontab(), "-r"], capture_output=True, check=False, timeout=30)
    else:
        subprocess.run([_crontab(), "-"], input=text, text=True, check=True, timeout=30)


@pytest.fixture
def user_crontab() -> Iterator[None]:
    """The user's real crontab, put back as it was after the test."""
    saved = _read_crontab()
    try:
        yield
    finally:
        _write_crontab(saved)


def _marked(text: str, name: str) -> list[str]:
    return [line for line in text.splitlines() if line.endswith(f"# salescope: {name}")]


@pytest.mark.usefixtures("user_crontab")
def test_install_cron_is_idempotent(tmp_path: Path) -> None:
    config = make_project(tmp_path, "shop $(id) 100%")
    _write_crontab("MAILTO=ops@example.com\n# a line of someone else's\n15 3 * * * /bin/true\n")

    first = salescope("schedule", config, "--cron", "0 7 * * MON", "--install", cwd=tmp_path)
    assert first.code == 0, first.stderr
    assert "added to your crontab" in first.stdout
    second = salescope("schedule", config, "--cron", "0 6 * * TUE", "--install", cwd=tmp_path)
    assert second.code == 0, second.stderr
    assert "replaced in your crontab" in second.stdout

    text = _read_crontab()
    assert text is not None
    name = "salescope-shop-id-100"
    (line,) = _marked(text, name)
    assert line.startswith("0 6 * * TUE cd ")
    assert line == second.stdout.splitlines()[1]
    words = shlex.split(cron_unescape(line.split(" ", 5)[5]), comments=True)
    assert words[1] == str(config.parent)
    assert words[words.index("run") + 1] == str(config)
    assert text.splitlines()[:3] == [
        "MAILTO=ops@example.com",
        "# a line of someone else's",
        "15 3 * * * /bin/true",
    ]

    other = salescope(
        "schedule", config, "--cron", "0 8 * * *", "--install", "--name", "daily", cwd=tmp_path
    )
    assert other.code == 0, other.stderr
    text = _read_crontab()
    assert text is not None
    assert len(_marked(text, name)) == 1
    assert len(_marked(text, "daily")) == 1
    assert len(text.splitlines()) == 5


@pytest.mark.usefixtures("user_crontab")
def test_install_cron_from_an_empty_crontab(tmp_path: Path) -> None:
    config = make_project(tmp_path, "p")
    _write_crontab(None)
    done = salescope("schedule", config, "--cron", "0 7 * * *", "--install", cwd=tmp_path)
    assert done.code == 0, done.stderr
    text = _read_crontab()
    assert text is not None
    assert text.splitlines() == [done.stdout.splitlines()[1]]


def test_install_cron_without_crontab_says_what_to_do(tmp_path: Path) -> None:
    config = make_project(tmp_path, "p")
    nobin = tmp_path / "no-bin"
    nobin.mkdir()
    done = salescope(
        "schedule", config, "--cron", "0 7 * * *", "--install", cwd=tmp_path,
        env={"PATH": str(nobin)},
    )  # fmt: skip
    assert done.code == 2
    assert done.stderr.strip() == (
        "error: `crontab` is not installed (hint: install cron (`apt-get install cron`) or "
        "use --systemd)"
    )


def test_merge_crontab_by_hand() -> None:
    line = "0 7 * * * run # salescope: a"
    assert merge_crontab("", line, "a") == (line + "\n", False)
    assert merge_crontab("x\n1 * * * * old # salescope: a\ny", line, "a") == (
        f"x\n{line}\ny\n",
        True,
    )
    # two marked lines (an edit by hand) become one; another schedule's line stays
    current = (
        "1 * * * * old # salescope: a\n2 * * * * b # salescope: ab\n3 * * * * old # salescope: a\n"
    )
    assert merge_crontab(current, line, "a") == (f"{line}\n2 * * * * b # salescope: ab\n", True)


# --- docs -----------------------------------------------------------------------------


def test_scheduling_doc_examples_compile() -> None:
    text = (DOCS / "scheduling.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```python\n(.*?)```", text, flags=re.DOTALL)
    assert len(blocks) >= 3  # Airflow BashOperator, Airflow @task, Dagster
    for i, block in enumerate(blocks):
        compile(block, f"docs/scheduling.md block {i + 1}", "exec")
    # the exit codes and the summary's fields the doc promises are those of `salescope run`
    for code in ("0", "2", "3", "130", "1"):
        assert re.search(rf"^\| `?{code}`? \|", text, flags=re.MULTILINE), code
    for field in ("status", "exit_code", "run_id", "period", "out", "revenue", "rows_read",
                  "rows_quarantined", "deliveries"):  # fmt: skip
        assert f"`{field}`" in text, field
