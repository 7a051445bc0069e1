"""What a run tells its caller while it works: messages, finished stages, measured work.

The progress argument of :func:`salescope.run` is any callable taking a message ("computing
KPIs"); that stays its whole contract. A caller that wants more passes an object that
also has the two methods of :class:`Listener`: it is then told each stage's time as the
stage finishes, and how far reading and validation have got, as measured (bytes of the
input files scanned, the running engine query's share done), never estimated.

>>> class Printer:
...     def __call__(self, message: str) -> None: ...
...     def stage_done(self, name: str, seconds: float) -> None:
...         print(f"{name} {seconds:.2f} s")
...     def work(self, work: Work) -> None: ...
>>> isinstance(Printer(), Listener)
True

Standard library only: the command line imports it before any engine is loaded.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Literal, Protocol, runtime_checkable

__all__ = ["Listener", "Progress", "Work", "notify_stage", "notify_work", "watch"]

Progress = Callable[[str], None]
"""The progress callback of :func:`salescope.run`: called with a message per step."""

POLL_SECONDS = 0.1  # how often a running query's progress is read


@dataclass(frozen=True)
class Work:
    """How far a long step has got.

    ``step`` is the stage it belongs to (``read`` or ``validate``, as in ``run.stages``).
    With ``unit`` ``"bytes"``, ``done`` of ``total`` bytes of the input files are read:
    the files finished plus the share of the current file the engine has scanned. With
    ``"%"``, ``done`` is the share (0-100) of the engine query running now; a stage runs
    several queries, so it starts again at 0 with each, and ``total`` is 0 while no query
    is measured (between queries, or one the engine has no estimate for yet).
    """

    step: str
    label: str
    done: float
    total: float
    unit: Literal["bytes", "%"]


@runtime_checkable
class Listener(Protocol):
    """A progress callback that also hears finished stages and measured work."""

    def __call__(self, message: str) -> None:
        """A step starts: ``message`` says what it does."""

    def stage_done(self, name: str, seconds: float) -> None:
        """Stage ``name`` (a key of ``run.stages``) finished in ``seconds``."""

    def work(self, work: Work) -> None:
        """Measured progress of a long step (called from a background thread)."""


def notify_stage(progress: Progress, name: str, seconds: float) -> None:
    """Tell ``progress`` that a stage finished, when it listens for that."""
    if isinstance(progress, Listener):
        progress.stage_done(name, seconds)


def notify_work(progress: Progress, work: Work) -> None:
    """Tell ``progress`` how far a step has got, when it listens for that."""
    if isinstance(progress, Listener):
        progress.work(work)


@contextmanager
def watch(poll: Callable[[], None], every: float = POLL_SECONDS) -> Iterator[None]:
    """Call ``poll`` every ``every`` seconds from a background thread while the block runs.

    ``poll`` reads how far the engine has got and reports it; it must not raise.
    """
    stop = threading.Event()

    def loop() -> None:
        while not stop.wait(every):
            poll()

    thread = threading.Thread(target=loop, name="salescope-progress", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join()
