"""Secret redaction for log events, shared by the structlog processor and the OTel log bridge.

A field is secret when one of the words of its name is a well-known credential word
(``password``, ``token``, ``secret``, ``authorization``, ``api_key``, ...), in any case and any
spelling (``db_password``, ``accessToken``, ``X-Api-Key``). Counting words rather than substrings
keeps ``prompt_tokens`` readable. In every string value, the password part of a URL, secret
``name=value`` pairs and bearer credentials are masked too. :func:`redact_url` is the stricter
form for a value known to be a URL (a client's DSN): it drops the user and password entirely.
:func:`redact_query` masks the secret parameters of a query string (``url.query`` of a span).

One marker, :data:`REDACTED`, everywhere a secret was; one list of secret words. A URL adds a few
parameter names that carry credentials by convention there (``code`` of an OAuth callback,
``sig`` of a signed URL, a bare ``key``) but are ordinary words in a log event.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from functools import lru_cache
from itertools import pairwise
from typing import Any
from urllib.parse import SplitResult, unquote_plus, urlsplit, urlunsplit

__all__ = [
    "REDACTED",
    "is_secret_key",
    "is_secret_parameter",
    "redact_mapping",
    "redact_query",
    "redact_text",
    "redact_url",
    "redact_value",
]

REDACTED = "[REDACTED]"

_SECRET_WORDS = frozenset(
    {"password", "passwd", "pwd", "token", "secret", "authorization", "cookie", "apikey"}
    | {"signature"}
)
_SECRET_PAIRS = frozenset({("api", "key"), ("private", "key"), ("access", "key")})
#: Query parameters that are credentials by convention in URLs, though not in log fields.
_URL_SECRET_NAMES = frozenset({"key", "sig", "code", "auth", "session", "sessionid"})
_WORD = re.compile(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+|\d+")
_URL_PASSWORD = re.compile(r"(?P<head>[A-Za-z][A-Za-z0-9+.-]*://[^/\s:@]*:)[^/\s@]+(?P<at>@)")
_PAIR = re.compile(
    r"(?P<key>[A-Za-z][\w.-]*)(?P<sep>=|:\s*)(?P<value>\"[^\"]*\"|'[^']*'|[^\s&;,'\"]+)"
)
_BEARER = re.compile(r"(?i)\b(?P<scheme>bearer|basic)\s+[A-Za-z0-9._~+/=-]+")
_MAX_DEPTH = 8
_CHAIN_FIELDS = frozenset(
    {"timestamp", "level", "logger", "logger_name", "filename", "func_name", "lineno"}
    | {"trace_id", "span_id", "service", "environment", "_record", "_from_structlog"}
)
# Every secret word contains one of these stems, and every URL with a password "://". Plain
# substring tests, because a case-insensitive alternation costs several µs per value.
_STEMS = ("://", "pass", "pwd", "token", "secret", "auth", "cookie", "key", "bearer", "basic")
_QUERY_STEMS = (*_STEMS[1:], "%", "sig", "code", "session")
_QUERY_PAIR = re.compile(r"([^&=;]*)=([^&;]*)")


@lru_cache(maxsize=2048)
def is_secret_key(key: str) -> bool:
    """Whether a field called ``key`` holds a credential (``"X-Api-Key"`` -> True)."""
    words = [w.lower() for w in _WORD.findall(key)]
    if _SECRET_WORDS.intersection(words):
        return True
    return any(pair in _SECRET_PAIRS for pair in pairwise(words))


def redact_text(text: str) -> str:
    """Mask URL passwords, ``secret=value`` pairs and bearer credentials in free text."""
    if not _may_hold_a_secret(text):
        return text
    if "://" in text:
        text = _URL_PASSWORD.sub(rf"\g<head>{REDACTED}\g<at>", text)
    text = _BEARER.sub(rf"\g<scheme> {REDACTED}", text)
    return _PAIR.sub(_mask_pair, text)


def _may_hold_a_secret(text: str, stems: tuple[str, ...] = _STEMS) -> bool:
    """A cheap pre-check that spares most values (timestamps, ids, messages) the expressions."""
    lowered = text.lower()
    for stem in stems:  # noqa: SIM110 - any(<generator>) costs over 1 µs more per value
        if stem in lowered:
            return True
    return False


def _mask_pair(match: re.Match[str]) -> str:
    if not is_secret_key(match["key"]) or match["value"] == REDACTED:
        return match[0]
    return f"{match['key']}{match['sep']}{REDACTED}"


def redact_value(value: Any, depth: int = 0) -> Any:
    """A copy of ``value`` with secrets masked; values of other types are returned as they are."""
    if isinstance(value, str):
        return redact_text(value)
    if depth >= _MAX_DEPTH:
        return value
    if isinstance(value, Mapping):
        return redact_mapping(value, depth + 1)
    if isinstance(value, list):
        return [redact_value(item, depth + 1) for item in value]
    if isinstance(value, tuple):
        return tuple(redact_value(item, depth + 1) for item in value)
    return value


def redact_mapping(fields: Mapping[Any, Any], depth: int = 0) -> dict[Any, Any]:
    """A copy of ``fields`` with secret-named fields replaced and every value scanned.

    The fields the logging chain itself adds (time, level, location, trace ids) are copied as
    they are: they are on every event and cannot hold a secret.
    """
    redacted: dict[Any, Any] = {}
    for key, value in fields.items():
        if isinstance(key, str) and is_secret_key(key):
            redacted[key] = REDACTED
        elif key in _CHAIN_FIELDS:
            redacted[key] = value
        else:
            redacted[key] = redact_value(value, depth)
    return redacted


def is_secret_parameter(name: str) -> bool:
    """Whether the query parameter ``name`` (as sent, percent-encoded) holds a credential."""
    decoded = unquote_plus(name)
    return decoded.lower() in _URL_SECRET_NAMES or is_secret_key(decoded)


def redact_query(query: str) -> str:
    """``query`` (without the ``?``) with every secret parameter's value replaced.

    Names are matched as :func:`is_secret_parameter` says; everything else keeps its raw
    encoding, as received.
    """
    if not _may_hold_a_secret(query, _QUERY_STEMS):
        return query
    return _QUERY_PAIR.sub(_mask_query_pair, query)


def _mask_query_pair(match: re.Match[str]) -> str:
    name = match.group(1)
    return f"{name}={REDACTED}" if is_secret_parameter(name) else match.group(0)


def redact_url(url: str) -> str:
    """The URL without its credentials: ``redis://:pw@host/0`` -> ``redis://[REDACTED]@host/0``.

    A URL that cannot be parsed is replaced entirely, since the password could be anywhere in it.
    """
    try:
        parts = urlsplit(url)
        netloc = _redacted_netloc(parts)
    except ValueError:
        return "<unparseable url>"
    query = redact_query(parts.query)
    if netloc == parts.netloc and query == parts.query:
        return url
    return urlunsplit((parts.scheme, netloc, parts.path, query, parts.fragment))


def _redacted_netloc(parts: SplitResult) -> str:
    if parts.password is None and parts.username is None:
        return parts.netloc
    host = parts.hostname or ""
    return f"{REDACTED}@{host}:{parts.port}" if parts.port is not None else f"{REDACTED}@{host}"
