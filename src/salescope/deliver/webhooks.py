"""POSTing JSON to a webhook (Slack, Teams or generic), with one retry for a server error
or a failed connection."""

from __future__ import annotations

import http.client
import json
import time
import urllib.error
import urllib.request
from typing import Any
from urllib.parse import urlsplit

from salescope._version import __version__
from salescope.deliver.outcome import Channel, Delivery, one_line, reason_of
from salescope.narrative.format import clean

RETRY_PAUSE = 1.0  # seconds before the one retry
BODY_SHOWN = 120  # characters of an error answer's body quoted in the reason
POST_ERRORS = (OSError, http.client.HTTPException, ValueError)


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """A redirect is an answer, not a new place to send the token to."""

    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


_OPENER = urllib.request.build_opener(_NoRedirect)


def host_of(url: str) -> str:
    """A URL's host only: what a Delivery shows of a webhook (its path may be its token).

    >>> host_of("https://hooks.slack.com/services/T000/B000/XXXX")
    'hooks.slack.com'
    """
    return urlsplit(url).hostname or "?"


def _transient(exc: BaseException) -> bool:
    if isinstance(exc, urllib.error.HTTPError):
        return exc.code >= 500
    return isinstance(exc, urllib.error.URLError | ConnectionError | TimeoutError)


def _post(url: str, body: bytes, token: str | None, timeout: float) -> None:
    headers = {
        "Content-Type": "application/json; charset=utf-8",
        "User-Agent": f"salescope/{__version__}",
    }
    if token:
        headers["Authorization"] = f"Bearer {token}"
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")
    with _OPENER.open(request, timeout=timeout) as answer:
        answer.read()


def _http_reason(exc: urllib.error.HTTPError) -> str:
    try:
        body = exc.read(4 * BODY_SHOWN).decode("utf-8", "replace")
    except POST_ERRORS:
        body = ""
    finally:
        exc.close()
    said = " ".join(clean(body).split())[:BODY_SHOWN]
    text = f"HTTP {exc.code} {exc.reason}".strip()
    if 300 <= exc.code < 400:
        text += " (redirects are not followed: give the final URL)"
    return f"{text}: {said}" if said else text


def post_json(
    channel: Channel,
    url: str,
    payload: dict[str, Any],
    *,
    token: str | None = None,
    timeout: float = 30,
    pause: float = RETRY_PAUSE,
) -> Delivery:
    """POST ``payload``; a 5xx answer or a failed connection is tried once more after
    ``pause`` seconds. Never raises for a failure: it is the Delivery's ``reason``."""
    started = time.perf_counter()
    target = host_of(url)
    secrets = (url, token or "")
    try:
        body = json.dumps(payload, ensure_ascii=False, allow_nan=False).encode("utf-8")
    except ValueError as exc:
        return Delivery(channel, target, False, one_line(f"cannot encode: {exc}"), 0.0)
    for attempt in (1, 2):
        try:
            _post(url, body, token, timeout)
            return Delivery(channel, target, True, None, time.perf_counter() - started)
        except POST_ERRORS as exc:
            if attempt == 1 and _transient(exc):
                if isinstance(exc, urllib.error.HTTPError):
                    exc.close()
                time.sleep(pause)
                continue
            if isinstance(exc, urllib.error.HTTPError):
                reason = _http_reason(exc)
            else:
                reason = reason_of(exc, target)
            if attempt == 2:
                reason += " (tried twice)"
            elapsed = time.perf_counter() - started
            return Delivery(channel, target, False, one_line(reason, *secrets), elapsed)
    raise AssertionError("the second attempt always returns")
