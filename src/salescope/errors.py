"""The error hierarchy: one root, each error carries a hint that says what to do."""

from __future__ import annotations

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
