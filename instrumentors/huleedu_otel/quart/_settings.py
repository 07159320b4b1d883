"""What the Quart instrumentor reads from the environment, resolved once per app.

Excluded URLs follow contrib's variables (``OTEL_PYTHON_QUART_EXCLUDED_URLS``, else
``OTEL_PYTHON_EXCLUDED_URLS``: comma-separated regular expressions searched in the path). When
neither is set, health and metrics endpoints are excluded: probes would otherwise dominate the
request metrics. A variable that is set but empty excludes nothing.

Header capture uses the standard ``OTEL_INSTRUMENTATION_HTTP_CAPTURE_HEADERS_SERVER_*``
variables; credentials-bearing headers are never captured, whatever they say.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass

__all__ = ["DEFAULT_EXCLUDED_URLS", "NEVER_CAPTURED", "QuartSettings"]

DEFAULT_EXCLUDED_URLS = "^/healthz$,^/health$,^/livez$,^/readyz$,^/metrics$"
#: Headers that carry credentials: never an attribute, even when configured.
NEVER_CAPTURED = frozenset({"authorization", "proxy-authorization", "cookie", "set-cookie"})
REDACTED = "[REDACTED]"

_EXCLUDED_VARS = ("OTEL_PYTHON_QUART_EXCLUDED_URLS", "OTEL_PYTHON_EXCLUDED_URLS")
_CAPTURE_REQUEST = "OTEL_INSTRUMENTATION_HTTP_CAPTURE_HEADERS_SERVER_REQUEST"
_CAPTURE_RESPONSE = "OTEL_INSTRUMENTATION_HTTP_CAPTURE_HEADERS_SERVER_RESPONSE"
_SANITIZE = "OTEL_INSTRUMENTATION_HTTP_CAPTURE_HEADERS_SANITIZE_FIELDS"


def _patterns(raw: str) -> list[str]:
    return [part.strip() for part in raw.split(",") if part.strip()]


def _any_of(patterns: list[str], *, anchored: bool) -> re.Pattern[str] | None:
    if not patterns:
        return None
    joined = "|".join(f"(?:{p})" for p in patterns)
    return re.compile(f"^(?:{joined})$" if anchored else joined, re.IGNORECASE)


@dataclass(frozen=True)
class HeaderCapture:
    """Which headers become ``http.{request,response}.header.<name>`` attributes."""

    request: re.Pattern[str] | None
    response: re.Pattern[str] | None
    sanitize: re.Pattern[str] | None

    def wanted(self, pattern: re.Pattern[str] | None, name: str) -> bool:
        return pattern is not None and name not in NEVER_CAPTURED and bool(pattern.match(name))

    def value(self, name: str, value: str) -> str:
        return REDACTED if self.sanitize is not None and self.sanitize.match(name) else value


@dataclass(frozen=True)
class QuartSettings:
    excluded: re.Pattern[str] | None
    headers: HeaderCapture

    @classmethod
    def from_env(
        cls, env: Mapping[str, str] = os.environ, excluded_urls: str | None = None
    ) -> QuartSettings:
        """``excluded_urls`` (as in the variables) overrides the environment when given."""
        if excluded_urls is None:
            found = (env[name] for name in _EXCLUDED_VARS if name in env)
            excluded_urls = next(found, DEFAULT_EXCLUDED_URLS)
        headers = HeaderCapture(
            request=_any_of(_patterns(env.get(_CAPTURE_REQUEST, "")), anchored=True),
            response=_any_of(_patterns(env.get(_CAPTURE_RESPONSE, "")), anchored=True),
            sanitize=_any_of(_patterns(env.get(_SANITIZE, "")), anchored=True),
        )
        return cls(excluded=_any_of(_patterns(excluded_urls), anchored=False), headers=headers)

    def is_excluded(self, path: str) -> bool:
        return self.excluded is not None and self.excluded.search(path) is not None
