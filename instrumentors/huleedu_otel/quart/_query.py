"""``url.query`` without secrets: values of credential-like parameters become ``REDACTED``.

Links carry tokens (password resets, signed URLs, API keys in query strings); the query is
recorded because it helps debugging, so the values that must not leave the process are replaced
first. The raw encoding of everything else is kept as received.
"""

from __future__ import annotations

import re
from urllib.parse import unquote_plus

__all__ = ["redact_query"]

REDACTED = "REDACTED"
#: Parameter names (lower-cased, ``-`` read as ``_``) whose values are always secret.
_SECRET_NAMES = frozenset(
    {"key", "sig", "code", "auth", "authorization", "session", "sessionid", "awsaccesskeyid"}
)
#: ...and any name containing one of these.
_SECRET_PARTS = ("password", "passwd", "pwd", "token", "secret", "signature", "api_key", "apikey")
_PAIR = re.compile(r"([^&=;]*)=([^&;]*)")
#: A cheap pre-check: most queries hold none of these, and skip the per-pair work.
_SUSPECT = re.compile(
    "|".join(["key", "sig", "code", "auth", "session", "pass", "pwd", "token", "secret"]),
    re.IGNORECASE,
)


def is_secret_name(name: str) -> bool:
    normalised = unquote_plus(name).lower().replace("-", "_")
    return normalised in _SECRET_NAMES or any(part in normalised for part in _SECRET_PARTS)


def _redact_pair(match: re.Match[str]) -> str:
    name = match.group(1)
    return f"{name}={REDACTED}" if is_secret_name(name) else match.group(0)


def redact_query(query: str) -> str:
    """``query`` (without the ``?``) with every secret parameter's value replaced."""
    if "%" not in query and not _SUSPECT.search(query):
        return query
    return _PAIR.sub(_redact_pair, query)
