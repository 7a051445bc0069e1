"""Progress of a run on a terminal: what runs now, measured bars for long reads and
validations, and one line per finished stage with its time.

Only the command line uses it, and only when stderr is a terminal and ``--quiet`` is not
given. It loads rich alone (no engine), so the command line may import it at any time.

On stderr while a report is computed::

      ✓ read            0.42 s
      ✓ validate        1.10 s
    ⠋ computing KPIs
    ⠋ reading sales.csv  ━━━━━━━━━━━━━━━━━━━━━━━━━━  52/105 MB  8.1 MB/s  0:00:06 left

and when it is done, the last line reads ``  total  12.34 s``.
"""

from __future__ import annotations

import os
import threading
import time
from types import TracebackType

from rich.console import Console, RenderableType
from rich.progress import (
    BarColumn,
    DownloadColumn,
    Progress,
    ProgressColumn,
    SpinnerColumn,
    Task,
    TaskID,
    TextColumn,
    TimeRemainingColumn,
    TransferSpeedColumn,
)
from rich.text import Text

from salescope.progress import Work

DELAY_ENV = "SALESCOPE_PROGRESS_DELAY"
DEFAULT_DELAY = 0.5  # seconds a step runs before its bar shows: short steps do not flash one
NAME_WIDTH = 14  # the longest stage name (member_series) and a space


def bar_delay() -> float:
    """Seconds a measured step runs before its bar is drawn: ``$SALESCOPE_PROGRESS_DELAY``
    (tests set 0 to see a bar on small data), else half a second."""
    try:
        return max(0.0, float(os.environ.get(DELAY_ENV, DEFAULT_DELAY)))
    except ValueError:
        return DEFAULT_DELAY


class _Measured(ProgressColumn):
    """Draws ``column`` for measured rows (``unit`` in ``units``) and nothing for the
    status row, whose work has no measure: no bar is animated without work behind it."""

    def __init__(self, column: ProgressColumn, units: tuple[str, ...] = ("bytes", "%")) -> None:
        super().__init__()
        self._column = column
        self._units = units

    def render(self, task: Task) -> RenderableType:
        if task.fields.get("unit") not in self._units:
            return Text("")
        return self._column.render(task)


class _Left(ProgressColumn):
    """Time left at the measured rate, e.g. ``0:00:06 left``."""

    def __init__(self) -> None:
        super().__init__()
        self._inner = TimeRemainingColumn()

    def render(self, task: Task) -> RenderableType:
        text = self._inner.render(task)
        if task.time_remaining is None:
            return text
        return Text.assemble(text, (" left", "progress.remaining"))


def stage_line(name: str, seconds: float) -> str:
    """One finished stage, aligned: ``  ✓ customers       0.42 s`` (console markup)."""
    return f"  [green]✓[/] {name:<{NAME_WIDTH}} {seconds:7.2f} s"


def total_line(seconds: float) -> str:
    """The last line: the whole run's time, aligned with the stage lines."""
    return f"    [bold]{'total':<{NAME_WIDTH}}[/] {seconds:7.2f} s"


class TerminalProgress:
    """A :class:`salescope.progress.Listener` that draws on a terminal ``console``.

    Use as a context manager; call it with a message as each step starts. Measured work
    (:meth:`work`, from a background thread) gets a bar once its step has run for
    :func:`bar_delay` seconds; a stage's line is printed as the stage finishes.
    """

    def __init__(self, console: Console, first: str, delay: float | None = None) -> None:
        self._progress = Progress(
            SpinnerColumn(),
            TextColumn("{task.description}"),
            _Measured(BarColumn(bar_width=None)),
            _Measured(DownloadColumn(), ("bytes",)),
            _Measured(TextColumn("{task.percentage:>3.0f}% of the running query"), ("%",)),
            _Measured(TransferSpeedColumn(), ("bytes",)),
            _Measured(_Left(), ("bytes",)),
            console=console,
            transient=True,
            expand=False,
        )
        self._status = self._progress.add_task(first.rstrip(".") + "...", total=None)
        self._delay = bar_delay() if delay is None else delay
        self._lock = threading.Lock()
        self._bars: dict[str, TaskID] = {}
        self._first_seen: dict[str, float] = {}
        self._done: set[str] = set()
        self._started = time.perf_counter()

    def __enter__(self) -> TerminalProgress:
        self._progress.start()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._progress.stop()

    def __call__(self, message: str) -> None:
        """A step starts: the status row says what runs now."""
        self._progress.update(self._status, description=message.rstrip(".") + "...")

    def stage_done(self, name: str, seconds: float) -> None:
        """Print the stage's line above the live rows and drop its bar."""
        with self._lock:
            self._done.add(name)
            bar = self._bars.pop(name, None)
        if bar is not None:
            self._progress.remove_task(bar)
        self._progress.console.print(stage_line(name, seconds), highlight=False)

    def work(self, work: Work) -> None:
        """Move the step's bar to what was measured (drawn once the step ran long enough)."""
        with self._lock:
            if work.step in self._done:
                return  # a reading taken just before its stage finished
            first = self._first_seen.setdefault(work.step, time.perf_counter())
            bar = self._bars.get(work.step)
            if bar is None:
                if time.perf_counter() - first < self._delay:
                    return
                bar = self._bars[work.step] = self._progress.add_task(work.label)
        measured = work.total > 0  # else nothing is measured at this moment: no bar
        self._progress.update(
            bar,
            description=work.label,
            completed=work.done,
            total=work.total if measured else None,
            unit=work.unit if measured else None,
        )

    def finish(self, seconds: float | None = None) -> None:
        """Print the total line: ``seconds``, else the time since this display started."""
        if seconds is None:
            seconds = time.perf_counter() - self._started
        self._progress.console.print(total_line(seconds), highlight=False)
