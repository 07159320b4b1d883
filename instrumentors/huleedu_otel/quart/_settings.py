"""What the Quart instrumentor is told: its options, the environment, and caps on the caller.

Options are what ``instrument()`` / ``instrument_app()`` accept. Excluded URLs follow contrib's
variables (``OTEL_PYTHON_QUART_EXCLUDED_URLS``, else ``OTEL_PYTHON_EXCLUDED_URLS``:
comma-separated regular expressions searched in the path). When neither is set, health and
metrics endpoints are excluded: probes would otherwise dominate the request metrics. A variable
that is set but empty excludes nothing.

Header capture uses the standard ``OTEL_INSTRUMENTATION_HTTP_CAPTURE_HEADERS_SERVER_*``
variables; credentials-bearing headers are never captured, whatever they say.

The path, query, user agent and captured headers are chosen by whoever sends the request. The
SDK keeps attribute values whole unless ``OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT`` is set, so without
the caps here one hostile request (a megabyte-long path) would be copied into every span export.
Well-behaved clients stay far below them.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterable, Mapping, MutableMapping
from dataclasses import dataclass
from typing import Any, Literal

from opentelemetry import metrics, trace

from huleedu_service_libs._shared.redaction import REDACTED, redact_query

__all__ = [
    "DEFAULT_EXCLUDED_URLS",
    "MAX_HEADER_VALUE",
    "MAX_METHOD",
    "MAX_PATH",
    "MAX_QUERY",
    "MAX_USER_AGENT",
    "NEVER_CAPTURED",
    "HeaderCapture",
    "Message",
    "QuartOptions",
    "QuartSettings",
    "Scope",
    "ServerRequestHook",
    "ServerResponseHook",
    "bounded_query",
    "captured_headers",
    "clipped",
]

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
ServerRequestHook = Callable[[trace.Span, Scope], None]
ServerResponseHook = Callable[[trace.Span, Message], None]

DEFAULT_EXCLUDED_URLS = "^/healthz$,^/health$,^/livez$,^/readyz$,^/metrics$"
#: Headers that carry credentials: never an attribute, even when configured.
NEVER_CAPTURED = frozenset({"authorization", "proxy-authorization", "cookie", "set-cookie"})

MAX_PATH = 2048
MAX_QUERY = 2048
MAX_USER_AGENT = 512
MAX_HEADER_VALUE = 1024
MAX_METHOD = 32

_EXCLUDED_VARS = ("OTEL_PYTHON_QUART_EXCLUDED_URLS", "OTEL_PYTHON_EXCLUDED_URLS")
_CAPTURE_REQUEST = "OTEL_INSTRUMENTATION_HTTP_CAPTURE_HEADERS_SERVER_REQUEST"
_CAPTURE_RESPONSE = "OTEL_INSTRUMENTATION_HTTP_CAPTURE_HEADERS_SERVER_RESPONSE"
_SANITIZE = "OTEL_INSTRUMENTATION_HTTP_CAPTURE_HEADERS_SANITIZE_FIELDS"


@dataclass(frozen=True)
class QuartOptions:
    """What ``instrument()`` / ``instrument_app()`` accept, beyond the environment."""

    tracer_provider: trace.TracerProvider | None = None
    meter_provider: metrics.MeterProvider | None = None
    excluded_urls: str | None = None
    server_request_hook: ServerRequestHook | None = None
    server_response_hook: ServerResponseHook | None = None

    @classmethod
    def from_kwargs(cls, kwargs: dict[str, Any]) -> QuartOptions:
        known = cls.__dataclass_fields__
        return cls(**{name: value for name, value in kwargs.items() if name in known})


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
    """The environment's part, resolved once per app."""

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


def clipped(text: str, limit: int) -> str:
    """``text`` cut to ``limit`` characters, and encodable as UTF-8 (OTLP requires it)."""
    if len(text) > limit:
        text = text[:limit]
    if text.isascii():
        return text
    return text.encode("utf-8", "replace").decode("utf-8")


def bounded_query(query: bytes) -> str:
    """Cut before redacting (bounded work) and after (the marker may be longer than a value)."""
    return clipped(redact_query(clipped(query.decode("latin-1"), MAX_QUERY)), MAX_QUERY)


def captured_headers(
    capture: HeaderCapture,
    direction: Literal["request", "response"],
    raw: Iterable[tuple[bytes, bytes]],
) -> dict[str, list[str]]:
    """The attributes for the wanted headers among ``raw`` (ASGI's list of byte pairs)."""
    pattern = capture.request if direction == "request" else capture.response
    found: dict[str, list[str]] = {}
    for raw_name, raw_value in raw:
        name = raw_name.decode("latin-1").lower()
        if capture.wanted(pattern, name):
            key = f"http.{direction}.header.{name}"
            value = clipped(raw_value.decode("latin-1"), MAX_HEADER_VALUE)
            found.setdefault(key, []).append(capture.value(name, value))
    return found
