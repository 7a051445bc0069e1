"""The error hierarchy: one root, each error carries a hint that says what to do."""

from __future__ import annotations

import os
import signal
import threading
from collections.abc import Callable
from contextlib import suppress
from types import FrameType

from salescope.redact import redact_url


class SalescopeError(Exception):
    """Root of every error salescope raises on purpose.

    The CLI prints ``error: <message> (hint: <hint>)`` on one line and exits
    with code 2; the Python API lets it propagate. Credentials in either (an input or
    engine URL's password, ``?token=`` ...) are masked (:func:`salescope.redact.redact_url`).
    """

    exit_code = 2

    def __init__(self, message: str, hint: str | None = None) -> None:
        message = redact_url(message)
        super().__init__(message)
        self.message = message
        self.hint = redact_url(hint) if hint is not None else None

    def one_line(self) -> str:
        text = f"error: {self.message}"
        if self.hint:
            text += f" (hint: {self.hint})"
        return " ".join(text.split())


class InputError(SalescopeError):
    """An input file is missing, unreadable or of an unsupported kind."""


class MappingError(SalescopeError):
    """A required column role (date, amount) could not be found or is ambiguous."""


class ConfigError(SalescopeError):
    """salescope.yml or a command-line option holds an invalid value."""


class EmptyDataError(SalescopeError):
    """Nothing is left to report on after validation or period selection."""


class MissingDependencyError(SalescopeError):
    """An optional dependency is not installed; the hint gives the install command."""


def first_line(exc: BaseException) -> str:
    """The first line of an error's message, or its type's name when it has none: what a
    one-line error says of a library's failure."""
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


_interrupted = False


def stop_on_interrupt(exc: BaseException) -> None:
    """Raise :class:`KeyboardInterrupt` when ``exc`` is Ctrl-C in disguise; call it first
    in every handler that catches broad exceptions (``except Exception``).

    DuckDB checks for Ctrl-C while a query runs and stops it, but raises an ordinary
    exception (``RuntimeError: Query interrupted``, or ``duckdb.InterruptException``):
    a handler that falls back to another way of reading would go on, and record a
    decision that never happened. An exception counts as an interrupt when it, or one it
    was raised from, is one of those, or when SIGINT has arrived since
    :func:`watch_interrupts`.
    """
    if is_interrupt(exc):
        raise KeyboardInterrupt from exc


def is_interrupt(exc: BaseException | None) -> bool:
    """Whether ``exc`` is Ctrl-C: it or an exception in its chain is an interrupt, or
    SIGINT has arrived since :func:`watch_interrupts` (see above)."""
    if _interrupted:
        return True
    seen: set[int] = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        if isinstance(exc, KeyboardInterrupt) or type(exc).__name__ == "InterruptException":
            return True
        if isinstance(exc, RuntimeError) and str(exc).strip() == "Query interrupted":
            return True
        exc = exc.__cause__ or exc.__context__
    return False


def watch_interrupts() -> None:
    """Note every SIGINT (then raise :class:`KeyboardInterrupt` as Python does), so that
    :func:`stop_on_interrupt` knows of one an engine caught. Only in the main thread, and
    only where SIGINT has Python's default handler (a shell that ignores it for a
    background job keeps it ignored)."""
    if threading.current_thread() is not threading.main_thread():
        return
    if signal.getsignal(signal.SIGINT) is signal.default_int_handler:
        signal.signal(signal.SIGINT, _on_sigint)


def _on_sigint(signum: int, frame: FrameType | None) -> None:
    global _interrupted
    _interrupted = True
    signal.default_int_handler(signum, frame)


# What SIGTERM and SIGHUP undo before they end the process (scratch folders, a report's
# staging folder), newest first.
_on_stop: list[Callable[[], None]] = []
_STOP_SIGNALS = tuple(
    getattr(signal, name) for name in ("SIGTERM", "SIGHUP") if hasattr(signal, name)
)


def on_stop(undo: Callable[[], None]) -> Callable[[], None]:
    """Run ``undo`` when SIGTERM or SIGHUP ends the process, which then ends by the signal
    as it would have; returns the function that forgets ``undo`` again. The handlers are
    installed in the main thread, where a signal still has its default action (an
    application's own handler stays)."""
    _on_stop.append(undo)
    if threading.current_thread() is threading.main_thread():
        for signum in _STOP_SIGNALS:
            if signal.getsignal(signum) == signal.SIG_DFL:
                signal.signal(signum, _stopped)

    def forget() -> None:
        with suppress(ValueError):
            _on_stop.remove(undo)

    return forget


def _stopped(signum: int, _frame: FrameType | None) -> None:
    for undo in reversed(list(_on_stop)):
        with suppress(Exception):
            undo()
    signal.signal(signum, signal.SIG_DFL)
    os.kill(os.getpid(), signum)
