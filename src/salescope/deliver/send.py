"""Sending a written report: email over SMTP, Slack and Teams incoming webhooks, and a
generic JSON webhook (docs/delivery.md).

The report is written first; delivery only reads it. A failed delivery (connection
refused, a login refused, an HTTP error, a timeout, a variable not set) never raises: it
is a :class:`Delivery` with ``ok`` False and a one-line reason, for the caller to record
and to turn into an exit code. Settings that cannot work at all are refused before the
report is computed, by :func:`check_deliveries`.

>>> from salescope.deliver.send import DeliverSettings, deliver
>>> settings = DeliverSettings.model_validate({"webhook": {"url": "https://example.com/h"}})
>>> [d.ok for d in deliver(report, "out/", settings)]  # doctest: +SKIP
[True]
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from salescope.deliver.outcome import Channel, Delivery
from salescope.deliver.settings import (
    ChatHook,
    DeliverSettings,
    EmailSettings,
    Hook,
    load_deliver_settings,
)
from salescope.errors import ConfigError
from salescope.model import Report

__all__ = [
    "ChatHook",
    "DeliverSettings",
    "Delivery",
    "EmailSettings",
    "Hook",
    "check_deliveries",
    "deliver",
    "load_deliver_settings",
]

log = logging.getLogger("salescope")


def check_deliveries(
    settings: DeliverSettings, formats: tuple[str, ...], env: Mapping[str, str] | None = None
) -> None:
    """Refuse settings that cannot work, before any work is done: email without the pdf
    and html formats it sends, an environment variable named but not set, a ca_file that
    is not there. Raises ConfigError with a hint.

    >>> check_deliveries(DeliverSettings(), ("json",), {})
    """
    env = os.environ if env is None else env
    email = settings.email
    if email is not None:
        for needed, why in (("pdf", "attaches report.pdf"), ("html", "sends the HTML pages")):
            if needed not in formats:
                raise ConfigError(
                    f"deliver.email {why}, and {needed} is not among the formats",
                    hint=f"add {needed} to --format (or formats: in salescope.yml), or "
                    "remove deliver.email",
                )
        if email.ca_file is not None and not Path(email.ca_file).is_file():
            raise ConfigError(
                f"deliver.email.ca_file {email.ca_file!r} is not a file",
                hint="name the PEM file of the certificate authority, or leave ca_file out",
            )
    for name in settings.env_names():
        if not env.get(name):
            raise ConfigError(
                f"environment variable {name} is not set (named in deliver:)",
                hint=f"export {name} before the run; see docs/delivery.md",
            )


def deliver(
    report: Report,
    out_dir: Path | str,
    settings: DeliverSettings,
    *,
    env: Mapping[str, str] | None = None,
    timeout: float = 30,
) -> list[Delivery]:
    """Send the report written in ``out_dir`` through every channel of ``settings``, in
    the order email, Slack, Teams, webhooks; one Delivery per message or hook. Secrets are
    read from ``env`` (default: the process environment)."""
    if settings.empty:
        return []
    from salescope.deliver.content import (
        report_location,
        slack_payload,
        teams_payload,
        webhook_payload,
    )
    from salescope.deliver.smtp import send_email
    from salescope.narrative.view import build_view

    env = os.environ if env is None else env
    out_dir = Path(out_dir)
    link = settings.link is not None
    location = report_location(out_dir, settings.link)
    view = build_view(report)
    results: list[Delivery] = []
    if settings.email is not None:
        results += send_email(
            report,
            view,
            out_dir,
            settings.email,
            location=location,
            link=settings.link,
            env=env,
            timeout=timeout,
        )
    for hook in settings.slack:
        payload = slack_payload(report, view, location, link=link)
        results.append(_chat("slack", hook, payload, env, timeout))
    for hook in settings.teams:
        payload = teams_payload(report, view, location, link=link)
        results.append(_chat("teams", hook, payload, env, timeout))
    for generic in settings.webhook:
        results.append(_generic(generic, webhook_payload(report, location), env, timeout))
    for d in results:
        if d.ok:
            log.info("delivered by %s to %s in %.1f s", d.channel, d.target, d.seconds)
        else:
            log.warning("delivery by %s to %s failed: %s", d.channel, d.target, d.reason)
    return results


def _url_from(channel: Channel, name: str, env: Mapping[str, str]) -> str | Delivery:
    """The URL in variable ``name``, or the failed Delivery saying why there is none."""
    url = env.get(name, "").strip()
    if not url:
        return Delivery(channel, name, False, f"environment variable {name} is not set", 0)
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        reason = f"environment variable {name} does not hold an http(s) URL"
        return Delivery(channel, name, False, reason, 0)
    return url


def _chat(
    channel: Channel, hook: ChatHook, payload: dict[str, Any], env: Mapping[str, str],
    timeout: float,
) -> Delivery:  # fmt: skip
    from salescope.deliver.webhooks import post_json

    url = _url_from(channel, hook.url_env, env)
    if isinstance(url, Delivery):
        return url
    return post_json(channel, url, payload, timeout=timeout)


def _generic(
    hook: Hook, payload: dict[str, Any], env: Mapping[str, str], timeout: float
) -> Delivery:
    from salescope.deliver.webhooks import host_of, post_json

    url = hook.url if hook.url is not None else _url_from("webhook", str(hook.url_env), env)
    if isinstance(url, Delivery):
        return url
    token = None
    if hook.token_env is not None:
        token = env.get(hook.token_env)
        if not token:
            reason = f"environment variable {hook.token_env} is not set"
            return Delivery("webhook", host_of(url), False, reason, 0)
    return post_json("webhook", url, payload, token=token, timeout=timeout)
