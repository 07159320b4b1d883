"""Secrets out of strings that end up in logs, errors, reprs and telemetry."""

from __future__ import annotations

from urllib.parse import SplitResult, urlsplit, urlunsplit

__all__ = ["redact_url"]


def redact_url(url: str) -> str:
    """The URL without its credentials: ``redis://:pw@host:6379/0`` -> ``redis://***@host:6379/0``.

    A URL that cannot be parsed is replaced entirely, since the password could be anywhere in it.
    """
    try:
        parts = urlsplit(url)
        netloc = _redacted_netloc(parts)
    except ValueError:
        return "<unparseable url>"
    query = _redacted_query(parts.query)
    if netloc == parts.netloc and query == parts.query:
        return url
    return urlunsplit((parts.scheme, netloc, parts.path, query, parts.fragment))


def _redacted_netloc(parts: SplitResult) -> str:
    if parts.password is None and parts.username is None:
        return parts.netloc
    host = parts.hostname or ""
    return f"***@{host}:{parts.port}" if parts.port is not None else f"***@{host}"


def _redacted_query(query: str) -> str:
    """redis-py also reads ``?password=...`` from the query string."""
    pairs = [pair.partition("=") for pair in query.split("&")] if query else []
    return "&".join(
        f"{name}=***" if name.lower() == "password" else f"{name}{sep}{value}"
        for name, sep, value in pairs
    )
