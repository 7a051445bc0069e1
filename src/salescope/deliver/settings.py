"""``deliver:`` of salescope.yml: where a written report is sent (docs/delivery.md).

Secrets never sit in the file: a password, a webhook URL that carries its token, or a
bearer token is named by the environment variable that holds it (``password_env``,
``url_env``, ``token_env``). A literal one is refused with a hint, so a salescope.yml can
be committed and shared.
"""

from __future__ import annotations

import re
import string
from email.utils import parseaddr
from typing import Literal
from urllib.parse import urlsplit

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)

from salescope.errors import ConfigError
from salescope.model import DEPARTMENTS, Department
from salescope.redact import is_secret_name, redact_url

DEFAULT_SUBJECT = "Sales report {period}: revenue {revenue}"
SUBJECT_FIELDS = ("period", "revenue")

# capitals, digits and _: the convention for variables, and what a pasted secret rarely is
_ENV_NAME = re.compile(r"[A-Z_][A-Z0-9_]*")
DOCS = "see docs/delivery.md"


def _env_name(value: str | None, key: str) -> str | None:
    """An environment variable's name, in capitals; anything else (a secret pasted in its
    place) is refused before it can be logged or sent, and without being repeated."""
    if value is None:
        return None
    if not _ENV_NAME.fullmatch(value):
        raise ConfigError(
            f"invalid setting {key}: it must be the NAME of an environment variable "
            "(capitals, digits and _)",
            hint=f"write e.g. `{key}: SALESCOPE_SECRET` and export SALESCOPE_SECRET "
            f"before the run; {DOCS}",
        )
    return value


def _refuse_literal(data: object, keys: dict[str, str], where: str) -> object:
    """``keys``: a literal secret's key -> the ``*_env`` key to use instead."""
    if isinstance(data, dict):
        for key, instead in keys.items():
            if key in data:
                raise ConfigError(
                    f"invalid setting deliver.{where}.{key}: secrets are not read from "
                    "salescope.yml",
                    hint=f"put it in an environment variable and name it with "
                    f"`{instead}: VARIABLE_NAME`; {DOCS}",
                )
    return data


def _address(value: str, key: str) -> str:
    _, addr = parseaddr(value)
    if "\r" in value or "\n" in value or "@" not in addr or any(c.isspace() for c in addr):
        raise ConfigError(
            f"invalid setting {key}: {value!r} is not an email address",
            hint=f"write addresses such as ann@example.com; {DOCS}",
        )
    return value.strip()


def _one_or_many(value: object) -> object:
    if value is None:
        return []
    return [value] if isinstance(value, str | dict) else value


# services whose webhook URLs carry the token in the path, where no parameter name says so
TOKEN_IN_PATH = ("hooks.slack.com", "webhook.office.com", "discord.com", "discordapp.com")


def _plain_url(value: str, key: str) -> str:
    """An http(s) URL that holds no credential (a password, ``?token=``, or the path of a
    Slack, Teams or Discord hook ...).

    >>> _plain_url("https://hooks.slack.com/services/T0/B0/X", "url")
    Traceback (most recent call last):
    salescope.errors.ConfigError: invalid setting url: the URL holds a credential
    """
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ConfigError(
            f"invalid setting {key}: {redact_url(value)!r} is not an http(s) URL",
            hint=f"write e.g. https://reports.example.com/sales; {DOCS}",
        )
    host = parts.hostname or ""
    in_path = any(host == h or host.endswith("." + h) for h in TOKEN_IN_PATH)
    if redact_url(value) != value or parts.password or in_path:
        raise ConfigError(
            f"invalid setting {key}: the URL holds a credential",
            hint=f"put the URL in an environment variable and name it with `url_env`, or "
            f"send the token as a header with `token_env`; {DOCS}",
        )
    return value


class EmailSettings(BaseModel):
    """``deliver.email``: the executive summary by SMTP, report.pdf attached, and each
    department's page to its own recipients."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    host: str = Field(description="SMTP server name or address")
    port: int | None = Field(
        None, ge=1, le=65535, description="default: 587 for starttls, 465 for ssl, 25 for none"
    )
    security: Literal["starttls", "ssl", "none"] = Field(
        "starttls",
        description="starttls (upgrade a plain connection), ssl (TLS from the start) or "
        "none (only for a relay on this machine; no login over it)",
    )
    username_env: str | None = Field(None, description="variable holding the login name")
    password_env: str | None = Field(None, description="variable holding the password")
    sender: str = Field(description="the From address")
    to: list[str] = Field(default_factory=list, description="who gets the executive summary")
    cc: list[str] = Field(default_factory=list, description="copied on the executive summary")
    subject: str = Field(
        DEFAULT_SUBJECT, description="subject of the summary; {period} and {revenue} are filled"
    )
    departments: dict[Department, list[str]] = Field(
        default_factory=dict,
        description="department -> addresses that get that department's page, e.g. "
        "{sales: [lead@example.com]}",
    )
    ca_file: str | None = Field(
        None, description="PEM file of a private certificate authority the server's cert is from"
    )

    @model_validator(mode="before")
    @classmethod
    def _no_literal_secrets(cls, data: object) -> object:
        return _refuse_literal(
            data,
            {"password": "password_env", "username": "username_env", "user": "username_env"},
            "email",
        )

    @model_validator(mode="before")
    @classmethod
    def _known_departments(cls, data: object) -> object:
        if isinstance(data, dict) and isinstance(data.get("departments"), dict):
            unknown = sorted(set(data["departments"]) - set(DEPARTMENTS))
            if unknown:
                raise ConfigError(
                    f"invalid setting deliver.email.departments: unknown department {unknown[0]!r}",
                    hint="valid: " + ", ".join(DEPARTMENTS),
                )
        return data

    @field_validator("to", "cc", mode="before")
    @classmethod
    def _list(cls, value: object) -> object:
        return _one_or_many(value)

    @field_validator("departments", mode="before")
    @classmethod
    def _department_lists(cls, value: object) -> object:
        if isinstance(value, dict):
            return {k: _one_or_many(v) for k, v in value.items()}
        return value

    @field_validator("username_env", "password_env")
    @classmethod
    def _names(cls, value: str | None, info: ValidationInfo) -> str | None:
        key = info.field_name
        return _env_name(value, f"deliver.email.{key}")

    @field_validator("sender")
    @classmethod
    def _sender(cls, value: str) -> str:
        return _address(value, "deliver.email.sender")

    @field_validator("to", "cc")
    @classmethod
    def _addresses(cls, value: list[str], info: ValidationInfo) -> list[str]:
        key = info.field_name
        return [_address(a, f"deliver.email.{key}") for a in value]

    @field_validator("departments")
    @classmethod
    def _department_addresses(
        cls, value: dict[Department, list[str]]
    ) -> dict[Department, list[str]]:
        return {
            name: [_address(a, f"deliver.email.departments.{name}") for a in addresses]
            for name, addresses in value.items()
        }

    @field_validator("subject")
    @classmethod
    def _subject(cls, value: str) -> str:
        if any(c in value for c in "\r\n"):
            raise ConfigError(
                "invalid setting deliver.email.subject: it must be one line",
                hint=f"write the subject on one line; {DOCS}",
            )
        try:
            named = [f for _, f, _, _ in string.Formatter().parse(value) if f is not None]
        except ValueError as exc:
            raise ConfigError(
                f"invalid setting deliver.email.subject: {exc}",
                hint="write braces as {{ and }} outside {period} and {revenue}",
            ) from None
        unknown = sorted({f for f in named if f not in SUBJECT_FIELDS})
        if unknown:
            raise ConfigError(
                f"invalid setting deliver.email.subject: unknown field {{{unknown[0]}}}",
                hint="the subject can hold {period} and {revenue}",
            )
        return value

    @model_validator(mode="after")
    def _coherent(self) -> EmailSettings:
        if (self.username_env is None) != (self.password_env is None):
            raise ConfigError(
                "invalid setting deliver.email: username_env and password_env go together",
                hint=f"name both variables, or neither to send without a login; {DOCS}",
            )
        if self.security == "none" and self.password_env is not None:
            raise ConfigError(
                "invalid setting deliver.email.security: none sends the password in clear",
                hint="use `security: starttls` or `security: ssl` to log in",
            )
        if not self.to and not self.departments:
            raise ConfigError(
                "invalid setting deliver.email: nobody to send to",
                hint="list addresses under `to:` or `departments:`",
            )
        return self

    @property
    def smtp_port(self) -> int:
        if self.port is not None:
            return self.port
        return {"starttls": 587, "ssl": 465, "none": 25}[self.security]

    def env_names(self) -> tuple[str, ...]:
        return tuple(n for n in (self.username_env, self.password_env) if n)


class ChatHook(BaseModel):
    """One Slack or Teams incoming webhook. Its URL carries the channel's token, so it is
    only ever read from an environment variable."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    url_env: str = Field(description="variable holding the incoming-webhook URL")

    @model_validator(mode="before")
    @classmethod
    def _no_literal_url(cls, data: object) -> object:
        if isinstance(data, str):
            data = {"url": data}
        return _refuse_literal(data, {"url": "url_env"}, "slack/teams")

    @field_validator("url_env")
    @classmethod
    def _name(cls, value: str) -> str:
        return _env_name(value, "url_env") or value

    def env_names(self) -> tuple[str, ...]:
        return (self.url_env,)


class Hook(BaseModel):
    """A generic webhook: report.json's summary POSTed as JSON."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    url: str | None = Field(None, description="the URL, when it holds no credential")
    url_env: str | None = Field(None, description="or: variable holding the URL")
    token_env: str | None = Field(
        None, description="variable holding a token sent as `Authorization: Bearer`"
    )

    @model_validator(mode="before")
    @classmethod
    def _no_literal_token(cls, data: object) -> object:
        if isinstance(data, str):
            data = {"url": data}
        if isinstance(data, dict):
            literal = [k for k in data if k != "token_env" and is_secret_name(str(k))]
            if literal:
                return _refuse_literal(data, {literal[0]: "token_env"}, "webhook")
        return data

    @field_validator("url")
    @classmethod
    def _url(cls, value: str | None) -> str | None:
        return None if value is None else _plain_url(value, "deliver.webhook.url")

    @field_validator("url_env", "token_env")
    @classmethod
    def _names(cls, value: str | None, info: ValidationInfo) -> str | None:
        return _env_name(value, f"deliver.webhook.{info.field_name}")

    @model_validator(mode="after")
    def _one_url(self) -> Hook:
        if (self.url is None) == (self.url_env is None):
            raise ConfigError(
                "invalid setting deliver.webhook: give exactly one of url and url_env",
                hint=f"e.g. `url: https://hooks.example.com/salescope`; {DOCS}",
            )
        return self

    def env_names(self) -> tuple[str, ...]:
        return tuple(n for n in (self.url_env, self.token_env) if n)


class DeliverSettings(BaseModel):
    """``deliver:``: each channel optional; nothing configured sends nothing.

    >>> s = DeliverSettings.model_validate({"slack": {"url_env": "SLACK_WEBHOOK_URL"}})
    >>> [h.url_env for h in s.slack], s.email is None
    (['SLACK_WEBHOOK_URL'], True)
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    email: EmailSettings | None = None
    slack: list[ChatHook] = Field(default_factory=list)
    teams: list[ChatHook] = Field(default_factory=list)
    webhook: list[Hook] = Field(default_factory=list)
    link: str | None = Field(
        None,
        description="base URL where the report folder is published; messages link "
        "<link>/report.html instead of naming the local path",
    )

    @model_validator(mode="before")
    @classmethod
    def _no_literal_chat_urls(cls, data: object) -> object:
        """A Slack or Teams URL written out is refused naming its key (the URL is the
        channel's token)."""
        if isinstance(data, dict):
            for key in ("slack", "teams"):
                hooks = data.get(key)
                for hook in hooks if isinstance(hooks, list) else [hooks]:
                    if isinstance(hook, str) or (isinstance(hook, dict) and "url" in hook):
                        raise ConfigError(
                            f"invalid setting deliver.{key}: a {key.capitalize()} webhook "
                            "URL carries its token and is not read from salescope.yml",
                            hint=f"export it, e.g. as {key.upper()}_WEBHOOK_URL, and write "
                            f"`{key}: {{url_env: {key.upper()}_WEBHOOK_URL}}`; {DOCS}",
                        )
        return data

    @field_validator("slack", "teams", "webhook", mode="before")
    @classmethod
    def _list(cls, value: object) -> object:
        return _one_or_many(value)

    @field_validator("link")
    @classmethod
    def _link(cls, value: str | None) -> str | None:
        return None if value is None else _plain_url(value, "deliver.link")

    def env_names(self) -> tuple[str, ...]:
        """Every environment variable the settings name, in order, once each."""
        names: list[str] = []
        if self.email is not None:
            names += self.email.env_names()
        for chat in (*self.slack, *self.teams):
            names += chat.env_names()
        for hook in self.webhook:
            names += hook.env_names()
        return tuple(dict.fromkeys(names))

    @property
    def empty(self) -> bool:
        return self.email is None and not (self.slack or self.teams or self.webhook)


def load_deliver_settings(data: object) -> DeliverSettings:
    """The ``deliver:`` value of salescope.yml as settings; a ConfigError names the key.

    >>> load_deliver_settings(None).empty
    True
    """
    try:
        return DeliverSettings.model_validate(data or {})
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in ("deliver", *first["loc"]))
        raise ConfigError(
            f"invalid setting {where}: {first['msg']}",
            hint=f"valid keys and values: {DOCS}",
        ) from None
