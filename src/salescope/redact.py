"""Credentials out of text: the password of ``scheme://user:password@host`` and the values of
secret-looking parameters (``?password=``, ``&token=``, ``api_key=``, ``secret=`` ...).

Applied wherever an input or engine URL can reach a person or a file: the label of a
database input (report.json ``run.inputs[].path``, side tables, assumptions, the Markdown),
every salescope error message and the command line's error and warning lines.
"""

from __future__ import annotations

import re

MASK = "***"

# scheme://user:password@ ; the password runs to the last "@" before white space or a
# quote, so an unencoded "@" or "/" in it is masked too (the host may go with it)
_USERINFO = re.compile(
    r"(?P<head>\b[A-Za-z][A-Za-z0-9+.\-]*://[^\s:/?#@'\"]*):(?P<secret>[^\s'\"]*)@"
)
# name=value where the name says it holds a secret, in a URL query or in free text (a DSN
# such as "host=db password=x" in a driver's message): a name holding one of these
# anywhere (``sslpassword``, ``accessToken``, ``private_key_file_pwd``) ...
SECRET_PARTS = ("password", "passwd", "passphrase", "pwd", "secret", "token", "apikey",
                "credential", "signature")  # fmt: skip
# ... or one of these as a word of its own (``api_key``, ``X-Amz-Sig``; not ``keyspace``,
# ``design``)
SECRET_WORDS = frozenset({"pass", "key", "auth", "authorization", "sig", "sas"})
_PARAMETER = re.compile(
    r"(?P<head>(?:^|(?<=[\s?&;#(,'\"]))(?P<name>[A-Za-z][A-Za-z0-9_.\-]*)\s*=\s*)"
    r"(?P<secret>[^\s&;#'\",)]+)"
)
_WORD = re.compile(r"[A-Z]?[a-z0-9]+|[A-Z]+(?![a-z])")


def is_secret_name(name: str) -> bool:
    """Whether a parameter named ``name`` holds a secret.

    >>> names = ("apiKey", "client_secret", "sslpassword", "table", "design", "keyspace")
    >>> [is_secret_name(n) for n in names]
    [True, True, True, False, False, False]
    """
    flat = name.lower()
    if any(part in flat for part in SECRET_PARTS):
        return True
    return any(w.lower() in SECRET_WORDS for w in _WORD.findall(name))


def redact_url(text: str) -> str:
    """``text`` with every credential it holds replaced by ``***``.

    >>> redact_url("postgres://ann:s3cret@db.example/shop?table=sales&password=x&token=y")
    'postgres://ann:***@db.example/shop?table=sales&password=***&token=***'
    >>> redact_url("cannot connect: host=db user=ann password=s3cret")
    'cannot connect: host=db user=ann password=***'
    >>> redact_url("duckdb:///data/shop.duckdb?table=sales")
    'duckdb:///data/shop.duckdb?table=sales'
    """
    if "=" not in text and "@" not in text:
        return text
    text = _USERINFO.sub(lambda m: f"{m['head']}:{MASK}@" if m["secret"] else m[0], text)
    return _PARAMETER.sub(lambda m: m["head"] + MASK if is_secret_name(m["name"]) else m[0], text)
