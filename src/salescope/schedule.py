"""Running a report project unattended with the schedulers people already have.

``salescope schedule`` writes a crontab line or a systemd user service and timer that call
``salescope run PROJECT/salescope.yml --json``; salescope never runs a scheduler of its own.
A cron expression is checked with croniter (five fields, the syntax cron itself reads), the
next fire times are shown so that a wrong expression is seen before it is installed, and
every path in the generated lines is quoted for the program that reads it: the shell (and
cron's ``%``) for a crontab, systemd's own rules for a unit file.

>>> expr = check_cron("0 7 * * MON")
>>> on_calendar(expr)
'Mon *-*-* 07:00:00'
>>> [t.isoformat() for t in next_times(expr, datetime(2026, 12, 6, 17, 45))]
['2026-12-07T07:00:00', '2026-12-14T07:00:00', '2026-12-21T07:00:00']
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from salescope.errors import ConfigError

__all__ = [
    "MARKER",
    "Project",
    "check_cron",
    "check_on_calendar",
    "cron_line",
    "enable_commands",
    "enable_timer",
    "install_cron",
    "merge_crontab",
    "next_times",
    "on_calendar",
    "run_command",
    "salescope_executable",
    "systemd_units",
    "unit_folder",
    "write_units",
]

MARKER = "# salescope: "
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,99}")
_DAYS = ("Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat")
_FIELDS = ("minute", "hour", "day of month", "month", "day of week")
_MONTHS = "jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec"
# what cron (Vixie/cronie) reads in a field: *, numbers, ranges, steps and lists; names in
# the month and day-of-week fields. croniter also takes L, #, ? and W, which cron does not.
_NUMBER = r"\d{1,2}"
_TERMS = (
    _NUMBER,
    _NUMBER,
    _NUMBER,
    rf"(?:{_NUMBER}|{_MONTHS})",
    rf"(?:{_NUMBER}|sun|mon|tue|wed|thu|fri|sat)",
)
_HINT = 'five fields: minute hour day-of-month month day-of-week, e.g. "0 7 * * MON"'


@dataclass(frozen=True)
class Project:
    """A report project to schedule: its salescope.yml (absolute), the folder it runs in,
    the name of the schedule (crontab marker, systemd unit) and the log file."""

    config: Path
    name: str
    log: Path

    @property
    def directory(self) -> Path:
        return self.config.parent

    @classmethod
    def find(cls, config: Path | None, name: str | None, log: Path | None) -> Project:
        """The project of ``config`` (a salescope.yml or the folder holding one; default
        ./salescope.yml), made absolute without resolving links (a ``current`` link of a
        deployment stays the link)."""
        from salescope.project import find_project

        path = Path(os.path.abspath(find_project(config)))
        if name is None:
            slug = "-".join(re.sub(r"[^A-Za-z0-9]+", " ", path.parent.name).split()).lower()
            name = f"salescope-{slug}" if slug else "salescope"
        elif not _NAME.fullmatch(name):
            raise ConfigError(
                f"invalid schedule name {name!r}",
                hint="letters, digits, '-', '_' and '.', starting with a letter or digit",
            )
        log_path = Path(os.path.abspath(log if log is not None else path.parent / "salescope.log"))
        for p in (path, log_path):
            _check_path(p)
        return cls(config=path, name=name[:100], log=log_path)


def _check_path(path: Path) -> None:
    text = str(path)
    if any(ord(ch) < 32 or ord(ch) == 127 for ch in text) or text != text.strip():
        raise ConfigError(
            f"cannot schedule a path with control characters or surrounding spaces: {text!r}",
            hint="move or rename the project folder",
        )


def salescope_executable() -> list[str]:
    """How a scheduler starts this salescope: the ``salescope`` script installed beside the
    running Python, else that Python with ``-m salescope`` (the same installation either
    way, whatever a scheduler's PATH holds)."""
    python = Path(os.path.abspath(sys.executable))
    script = python.parent / "salescope"
    if script.is_file() and os.access(script, os.X_OK):
        return [str(script)]
    return [str(python), "-m", "salescope"]


def run_command(project: Project, executable: list[str] | None = None) -> list[str]:
    """The argv a scheduler runs: ``salescope --quiet run CONFIG --json``."""
    exe = executable if executable is not None else salescope_executable()
    for part in exe:
        _check_path(Path(part))
    return [*exe, "--quiet", "run", str(project.config), "--json"]


def check_cron(expression: str) -> str:
    """The five-field cron expression, fields separated by one space; ConfigError when
    cron or croniter would not read it as the same schedule."""
    from croniter import CroniterError, croniter

    fields = expression.split()
    if len(fields) != 5:
        raise ConfigError(
            f"cron expression {expression!r} has {len(fields)} fields, not 5", hint=_HINT
        )
    for field, term, what in zip(fields, _TERMS, _FIELDS, strict=True):
        part = rf"(?:\*|{term}(?:-{term})?)(?:/\d{{1,2}})?"
        if not re.fullmatch(rf"{part}(?:,{part})*", field, flags=re.IGNORECASE):
            raise ConfigError(
                f"cron expression {expression!r}: {what} field {field!r} is not one cron reads",
                hint="use *, numbers, ranges (1-5), steps (*/15) and lists (1,15); names "
                "(MON, JAN) in the day-of-week and month fields",
            )
    dom, dow = fields[2], fields[4]
    if dom != "*" and dow != "*" and (dom.startswith("*") or dow.startswith("*")):
        # cron: a field starting with * makes both day fields apply (AND); croniter: either
        raise ConfigError(
            f"cron expression {expression!r}: cron and croniter read {dom!r} with {dow!r} "
            "differently",
            hint="write the days of the month out (1,15) or set one day field to *",
        )
    text = " ".join(fields)
    try:
        croniter(text)
    except (CroniterError, ValueError) as exc:
        raise ConfigError(f"invalid cron expression {expression!r}: {exc}", hint=_HINT) from exc
    return text


def next_times(expression: str, now: datetime, count: int = 3) -> list[datetime]:
    """The next ``count`` fire times after ``now`` (cron reads the machine's local time:
    give a naive local ``now``)."""
    from croniter import croniter

    it = croniter(expression, now)
    return [it.get_next(datetime) for _ in range(count)]


def on_calendar(expression: str) -> str:
    """systemd's ``OnCalendar=`` for a checked cron expression: minute and hour lists,
    days of the month, months and days of the week. ConfigError, with a hint to give
    ``--on-calendar`` directly, for what has no single-timer form (both day fields set:
    cron runs on either, systemd would need both).

    >>> on_calendar("*/15 9-17 * * MON-FRI")
    'Mon,Tue,Wed,Thu,Fri *-*-* 09,10,11,12,13,14,15,16,17:00,15,30,45:00'
    """
    from croniter import croniter

    fields = expression.split()
    expanded, nth = croniter.expand(expression)
    minute, hour, dom, month, dow = expanded
    if nth or (not fields[2].startswith("*") and not fields[4].startswith("*")):
        raise ConfigError(
            f"cron expression {expression!r} has no systemd OnCalendar= form here",
            hint="cron runs it on either day field; give the systemd form with "
            '--on-calendar, e.g. --on-calendar "Mon *-*-01 07:00:00", or use two timers',
        )

    def numbers(values: list[int | str], width: int = 2) -> str:
        if values == ["*"]:
            return "*"
        return ",".join(f"{int(v):0{width}d}" for v in values)

    days = ""
    if dow != ["*"]:
        days = ",".join(_DAYS[d] for d in sorted({int(v) % 7 for v in dow}, key=_monday_first))
        days += " "
    return f"{days}*-{numbers(month)}-{numbers(dom)} {numbers(hour)}:{numbers(minute)}:00"


def _monday_first(day: int) -> int:
    return (day - 1) % 7


def check_on_calendar(spec: str) -> str:
    """An ``OnCalendar=`` given directly: one line; checked by ``systemd-analyze calendar``
    where it is installed."""
    spec = " ".join(spec.split())
    if not spec or any(ord(ch) < 32 for ch in spec):
        raise ConfigError(
            f"invalid --on-calendar {spec!r}", hint='e.g. --on-calendar "Mon *-*-* 07:00:00"'
        )
    analyze = shutil.which("systemd-analyze")
    if analyze is not None:
        done = subprocess.run(
            [analyze, "calendar", spec], capture_output=True, text=True, timeout=30, check=False
        )
        if done.returncode != 0:
            why = (done.stderr.strip().splitlines() or ["rejected"])[-1]
            raise ConfigError(
                f"invalid --on-calendar {spec!r}: {why}",
                hint='see `man systemd.time`, e.g. --on-calendar "Mon *-*-* 07:00:00"',
            )
    return spec


def cron_line(project: Project, expression: str, executable: list[str] | None = None) -> str:
    """The crontab line: ``EXPR cd DIR && SALESCOPE --quiet run CONFIG --json >> LOG 2>&1``
    with the marker comment ``# salescope: NAME`` that ``install_cron`` replaces. Every
    word is shell-quoted, and ``%`` escaped (cron turns a bare ``%`` into a newline)."""
    words = [shlex.quote(w) for w in run_command(project, executable)]
    command = (
        f"cd {shlex.quote(str(project.directory))} && {' '.join(words)} "
        f">> {shlex.quote(str(project.log))} 2>&1"
    )
    return f"{expression} {command.replace('%', chr(92) + '%')} {MARKER}{project.name}"


def merge_crontab(current: str, line: str, name: str) -> tuple[str, bool]:
    """``current`` crontab with ``line`` in place of the line marked ``name`` (or appended);
    the new text and whether a line was replaced."""
    kept: list[str] = []
    replaced = False
    for old in current.splitlines():
        if old.rstrip().endswith(f"{MARKER}{name}"):
            if not replaced:
                kept.append(line)
            replaced = True
        else:
            kept.append(old)
    if not replaced:
        kept.append(line)
    return "\n".join(kept) + "\n", replaced


def install_cron(line: str, name: str) -> bool:
    """Put ``line`` into the user's crontab through ``crontab -l`` and ``crontab -``
    (replacing the line marked ``name``); whether one was replaced."""
    crontab = shutil.which("crontab")
    if crontab is None:
        raise ConfigError(
            "`crontab` is not installed",
            hint="install cron (`apt-get install cron`) or use --systemd",
        )
    listed = subprocess.run(
        [crontab, "-l"], capture_output=True, text=True, timeout=30, check=False
    )
    if listed.returncode != 0 and "no crontab" not in listed.stderr.lower():
        raise ConfigError(
            f"`crontab -l` failed: {_last_line(listed.stderr)}",
            hint="check that you may use cron (/etc/cron.allow) or use --systemd",
        )
    text, replaced = merge_crontab(listed.stdout if listed.returncode == 0 else "", line, name)
    written = subprocess.run(
        [crontab, "-"], input=text, capture_output=True, text=True, timeout=30, check=False
    )
    if written.returncode != 0:
        raise ConfigError(
            f"`crontab -` refused the new crontab: {_last_line(written.stderr)}",
            hint="check the line with `salescope schedule` (without --install)",
        )
    return replaced


def _last_line(text: str) -> str:
    lines = text.strip().splitlines()
    return lines[-1] if lines else "no message"


def _unit_value(text: str) -> str:
    """A unit file value taken as is: only specifiers (``%``) are expanded."""
    return text.replace("%", "%%")


def _exec_word(word: str, program: bool = False) -> str:
    """One ExecStart= word, double-quoted: backslash escapes, ``%%`` for ``%``, and ``$$``
    for ``$`` in the arguments (systemd.service(5), "Command lines"; the program's path is
    not searched for variables, so a ``$`` there stays single)."""
    escaped = word.replace("\\", "\\\\").replace('"', '\\"').replace("%", "%%")
    return '"' + (escaped if program else escaped.replace("$", "$$")) + '"'


def systemd_units(
    project: Project, calendar: str, executable: list[str] | None = None
) -> tuple[str, str]:
    """The text of ``NAME.service`` (a oneshot running salescope in the project folder,
    output appended to the log) and ``NAME.timer`` (``OnCalendar=calendar``,
    ``Persistent=true``: a run missed while the machine was off happens at the next
    boot)."""
    argv = run_command(project, executable)
    if any(ch in argv[0] for ch in "\\\"'"):
        # systemd refuses such an executable name, quoted or not
        raise ConfigError(
            f"systemd cannot run a program whose path holds quotes or backslashes: {argv[0]}",
            hint="install salescope under another path, or use a crontab line (no --systemd)",
        )
    log = _unit_value(str(project.log))
    service = "\n".join(
        [
            "[Unit]",
            f"Description=salescope report {project.name}",
            "",
            "[Service]",
            "Type=oneshot",
            f"WorkingDirectory={_unit_value(str(project.directory))}",
            "ExecStart=" + " ".join(_exec_word(w, i == 0) for i, w in enumerate(argv)),
            f"StandardOutput=append:{log}",
            f"StandardError=append:{log}",
            "",
        ]
    )
    timer = "\n".join(
        [
            "[Unit]",
            f"Description=salescope report {project.name} on schedule",
            "",
            "[Timer]",
            f"OnCalendar={calendar}",
            "Persistent=true",
            f"Unit={project.name}.service",
            "",
            "[Install]",
            "WantedBy=timers.target",
            "",
        ]
    )
    return service, timer


def unit_folder() -> Path:
    """Where systemd looks for a user's units: ``$XDG_CONFIG_HOME/systemd/user``."""
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "systemd" / "user"


def write_units(name: str, service: str, timer: str, folder: Path | None = None) -> list[Path]:
    """Write ``NAME.service`` and ``NAME.timer`` into ``folder`` (default: the user's unit
    folder); the paths written."""
    folder = folder if folder is not None else unit_folder()
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for suffix, text in ((".service", service), (".timer", timer)):
        path = folder / f"{name}{suffix}"
        path.write_text(text, encoding="utf-8")
        written.append(path)
    return written


def enable_commands(name: str) -> list[list[str]]:
    """The commands that load and start the timer."""
    return [
        ["systemctl", "--user", "daemon-reload"],
        ["systemctl", "--user", "enable", "--now", f"{name}.timer"],
    ]


def enable_timer(name: str) -> str | None:
    """Run :func:`enable_commands` when systemctl exists and reaches the user's manager;
    None when done, else why not (the caller prints the commands to run)."""
    if shutil.which("systemctl") is None:
        return "systemctl is not installed here"
    for command in enable_commands(name):
        try:
            done = subprocess.run(command, capture_output=True, text=True, timeout=60, check=False)
        except (OSError, subprocess.TimeoutExpired) as exc:
            return f"`{' '.join(command)}` failed: {exc}"
        if done.returncode != 0:
            return f"`{' '.join(command)}` failed: {_last_line(done.stderr)}"
    return None
