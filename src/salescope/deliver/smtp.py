"""Email over SMTP: the executive summary with report.pdf attached, and each department's
page to its own recipients, sent over one connection (STARTTLS, TLS or plain)."""

from __future__ import annotations

import smtplib
import ssl
import time
from collections.abc import Mapping
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate, make_msgid, parseaddr
from pathlib import Path

from salescope.deliver.content import (
    department_page,
    subject,
    summary_html,
    summary_text,
)
from salescope.deliver.outcome import Delivery, one_line, reason_of
from salescope.deliver.settings import EmailSettings
from salescope.model import DEPARTMENTS, Report
from salescope.narrative.view import View

# what a connection, a login or a send can fail with; anything else is a bug
SEND_ERRORS = (OSError, smtplib.SMTPException, UnicodeError)


@dataclass(frozen=True)
class Letter:
    """One message and who it is for (the ``target`` of its Delivery)."""

    message: EmailMessage
    recipients: tuple[str, ...]


def _message(settings: EmailSettings, to: list[str], title: str, cc: list[str]) -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = settings.sender
    msg["To"] = ", ".join(to)
    if cc:
        msg["Cc"] = ", ".join(cc)
    msg["Subject"] = title
    msg["Date"] = formatdate(localtime=False, usegmt=True)
    domain = parseaddr(settings.sender)[1].rpartition("@")[2] or None
    msg["Message-ID"] = make_msgid("salescope", domain=domain)
    return msg


def letters(
    report: Report,
    view: View,
    out_dir: Path,
    settings: EmailSettings,
    location: str,
    link: str | None,
) -> list[Letter]:
    """The summary (when ``to`` is set) and one letter per department with recipients.

    Raises OSError when report.pdf cannot be read.
    """
    out: list[Letter] = []
    if settings.to:
        pdf = (out_dir / "report.pdf").read_bytes()
        msg = _message(settings, settings.to, subject(settings.subject, report), settings.cc)
        msg.set_content(summary_text(view, location, attached=True))
        msg.add_alternative(
            summary_html(view, location, link=link is not None, attached=True), subtype="html"
        )
        msg.add_attachment(pdf, maintype="application", subtype="pdf", filename="report.pdf")
        out.append(Letter(msg, (*settings.to, *settings.cc)))
    for name in DEPARTMENTS:
        addresses = settings.departments.get(name)
        if not addresses:
            continue
        page = department_page(report, view, out_dir, name, link)
        msg = _message(settings, addresses, page.title, [])
        msg.set_content(page.text)
        msg.add_alternative(page.html, subtype="html")
        out.append(Letter(msg, tuple(addresses)))
    return out


def _connect(settings: EmailSettings, timeout: float) -> smtplib.SMTP:
    host, port = settings.host, settings.smtp_port
    context = ssl.create_default_context(cafile=settings.ca_file)
    if settings.security == "ssl":
        return smtplib.SMTP_SSL(host, port, timeout=timeout, context=context)
    smtp = smtplib.SMTP(host, port, timeout=timeout)
    try:
        if settings.security == "starttls":
            smtp.starttls(context=context)
    except BaseException:
        smtp.close()
        raise
    return smtp


def send_email(
    report: Report,
    view: View,
    out_dir: Path,
    settings: EmailSettings,
    *,
    location: str,
    link: str | None,
    env: Mapping[str, str],
    timeout: float,
) -> list[Delivery]:
    """Send every letter; a failure becomes a Delivery with ok False, never an exception."""
    where = f"{settings.host}:{settings.smtp_port}"
    started = time.perf_counter()
    targets = [", ".join(a) for a in _recipient_lists(settings)]

    def failed_all(reason: str) -> list[Delivery]:
        seconds = time.perf_counter() - started
        return [Delivery("email", t, False, reason, seconds) for t in targets]

    missing = [n for n in settings.env_names() if not env.get(n)]
    if missing:
        return failed_all(f"environment variable {missing[0]} is not set")
    user = env[settings.username_env] if settings.username_env else None
    password = env[settings.password_env] if settings.password_env else None
    try:
        mail = letters(report, view, out_dir, settings, location, link)
    except OSError as exc:
        return failed_all(one_line(f"cannot read the report to send: {exc.strerror or exc}"))
    try:
        smtp = _connect(settings, timeout)
    except SEND_ERRORS as exc:
        return failed_all(one_line(reason_of(exc, where), password or ""))
    out: list[Delivery] = []
    with smtp:
        try:
            if user is not None and password is not None:
                smtp.login(user, password)
        except SEND_ERRORS as exc:
            return failed_all(one_line(reason_of(exc, where), password or ""))
        for letter in mail:
            start = time.perf_counter()
            target = ", ".join(letter.recipients)
            try:
                refused = smtp.send_message(letter.message)
            except SEND_ERRORS as exc:
                why = one_line(reason_of(exc, where), password or "")
                out.append(Delivery("email", target, False, why, time.perf_counter() - start))
                continue
            partly = f"{where} refused {', '.join(sorted(refused))}" if refused else None
            out.append(Delivery("email", target, not refused, partly, time.perf_counter() - start))
    return out


def _recipient_lists(settings: EmailSettings) -> list[tuple[str, ...]]:
    """Who each letter goes to, in the order :func:`letters` makes them."""
    lists: list[tuple[str, ...]] = []
    if settings.to:
        lists.append((*settings.to, *settings.cc))
    lists += [tuple(settings.departments[n]) for n in DEPARTMENTS if settings.departments.get(n)]
    return lists
