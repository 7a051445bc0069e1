"""Public holiday calendars for unusual days: which calendar, and its holidays in a span.

The calendar is salescope.yml's ``holidays:`` (an ISO 3166 code the ``holidays`` package
knows, checked by the config), else the country of the data when one holds at least
``MAIN_COUNTRY_SHARE`` of revenue. A country column holds names as often as codes, so a
value is read as a code (``GB``, ``GBR``), as the package's own country name (``United
Kingdom``, ``Czechia``; case, spaces and punctuation ignored) or as one of the common
other names in ``ALIASES`` (``UK``, ``England``, ``EIRE``, ``USA`` ...); no other lookup
table is used.

A bare country code takes that country's national holidays, except where most trade
follows one region's calendar: ``GB`` means England's (``GB-ENG``, which adds Easter
Monday and the August bank holiday to the holidays all of the UK shares), see
``DEFAULT_REGION``.

>>> code_for("United Kingdom"), code_for("EIRE"), code_for("Atlantis")
('GB', 'IE', None)
>>> calendar_name("GB")
'GB-ENG'
"""

from __future__ import annotations

from datetime import date
from functools import lru_cache

MAIN_COUNTRY_SHARE = 0.9  # the data's calendar: a country with this share of revenue or more
# a bare country code means this region's calendar
DEFAULT_REGION = {"GB": "ENG"}
# other names for a country seen in sales exports -> ISO 3166 code (with a region)
ALIASES = {
    "uk": "GB",
    "greatbritain": "GB",
    "britain": "GB",
    "england": "GB-ENG",
    "scotland": "GB-SCT",
    "wales": "GB-WLS",
    "northernireland": "GB-NIR",
    "eire": "IE",
    "republicofireland": "IE",
    "us": "US",
    "usa": "US",
    "unitedstatesofamerica": "US",
    "america": "US",
    "czechrepublic": "CZ",
    "holland": "NL",
    "thenetherlands": "NL",
    "deutschland": "DE",
    "espana": "ES",
    "rsa": "ZA",
    "korea": "KR",
    "russianfederation": "RU",
    "uae": "AE",
}


def _norm(text: str) -> str:
    return "".join(ch for ch in text.lower() if ch.isalnum())


@lru_cache(maxsize=1)
def _names() -> dict[str, str]:
    from holidays.registry import COUNTRIES

    out: dict[str, str] = {}
    for key, (class_name, code, *others) in COUNTRIES.items():
        for name in (key, class_name, code, *others):
            if not name.startswith("Holidays"):
                out.setdefault(_norm(name), code)
    out.update(ALIASES)
    return out


def code_for(country: str) -> str | None:
    """The calendar code of a country as the data writes it, or None."""
    return _names().get(_norm(country))


def calendar_name(code: str) -> str:
    """The calendar actually used for ``code``: with its default region when it has one."""
    country, _, region = code.upper().partition("-")
    region = region or DEFAULT_REGION.get(country, "")
    return f"{country}-{region}" if region else country


def holidays_between(code: str, start: date, end: date) -> dict[date, str]:
    """The public holidays of calendar ``code`` (``GB``, ``GB-SCT``) from start to end."""
    import holidays as calendars

    country, _, region = calendar_name(code).partition("-")
    found = calendars.country_holidays(
        country, subdiv=region or None, years=range(start.year, end.year + 1)
    )
    return {d: str(name) for d, name in sorted(found.items()) if start <= d <= end}
