"""What one delivery came to: the value every channel returns, and its one-line reasons."""

from __future__ import annotations

import smtplib
import socket
import ssl
import urllib.error
from dataclasses import dataclass
from typing import Literal

from salescope.errors import first_line
from salescope.redact import redact_url

Channel = Literal["email", "slack", "teams", "webhook"]
REASON_MAX = 300  # characters of a reason: one line for the history and the terminal


@dataclass(frozen=True)
class Delivery:
    """One message sent, or not.

    ``target`` names where it went without a secret: email addresses, or a webhook URL's
    host only (the URL of a Slack or Teams hook is its token). ``reason`` says in one line
    why it failed; None when ``ok``.
    """

    channel: Channel
    target: str
    ok: bool
    reason: str | None
    seconds: float


def one_line(text: str, *secrets: str) -> str:
    """``text`` on one line, at most ``REASON_MAX`` characters, with ``secrets`` (a webhook
    URL, a password) and anything credential-shaped masked.

    >>> one_line("bad\\nthing at https://h/x?token=abc", "https://h/x?token=abc")
    'bad thing at ***'
    """
    for secret in secrets:
        if secret:
            text = text.replace(secret, "***")
    text = " ".join(redact_url(text).split())
    return text if len(text) <= REASON_MAX else text[: REASON_MAX - 1] + "…"


def reason_of(exc: BaseException, where: str) -> str:
    """Why a connection or a send to ``where`` (host:port) failed, in words."""
    if isinstance(exc, smtplib.SMTPAuthenticationError):
        return f"login refused by {where}: {_smtp_text(exc)}"
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return f"{where} refused every recipient: {', '.join(map(str, exc.recipients))}"
    if isinstance(exc, smtplib.SMTPSenderRefused):
        return f"{where} refused the sender {exc.sender}: {_smtp_text(exc)}"
    if isinstance(exc, smtplib.SMTPResponseException):
        return f"{where} answered {_smtp_text(exc)}"
    if isinstance(exc, smtplib.SMTPNotSupportedError):
        return f"{where}: {first_line(exc)} (set `security:` to what the server offers)"
    if isinstance(exc, smtplib.SMTPServerDisconnected):
        if isinstance(exc.__context__, OSError):  # smtplib's word for a read that failed
            return reason_of(exc.__context__, where)
        return f"{where} closed the connection: {first_line(exc)}"
    if isinstance(exc, urllib.error.URLError) and isinstance(exc.reason, BaseException):
        return reason_of(exc.reason, where)
    if isinstance(exc, ssl.SSLCertVerificationError):
        return (
            f"the certificate of {where} is not trusted: {exc.verify_message} (name the "
            "certificate authority's file with ca_file)"
        )
    if isinstance(exc, ssl.SSLError):
        return f"TLS with {where} failed: {exc.reason or first_line(exc)}"
    if isinstance(exc, ConnectionRefusedError):
        return f"connection refused by {where}"
    if isinstance(exc, TimeoutError | socket.timeout):
        return f"no answer from {where} in time"
    if isinstance(exc, socket.gaierror):
        return f"cannot find the host of {where}: {exc.strerror or first_line(exc)}"
    if isinstance(exc, OSError) and exc.strerror:
        return f"{where}: {exc.strerror}"
    return f"{where}: {first_line(exc)}"


def _smtp_text(exc: smtplib.SMTPResponseException) -> str:
    message = exc.smtp_error
    text = message.decode("utf-8", "replace") if isinstance(message, bytes) else str(message)
    return f"{exc.smtp_code} {text}".strip()
