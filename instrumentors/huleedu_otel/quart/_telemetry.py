"""The tracer and the two HTTP server instruments, and where our own failures are reported.

Metric attribute sets are bounded by construction (normalised method, scheme, the matched rule,
the status code, an exception class name), so they are cached: the hot path reuses a dict
instead of building one per request. The raw path is never part of them.

``http.server.active_requests`` is an observable up-down counter: the in-flight count per
(method, scheme) is kept in plain integers and reported when the metrics are collected. Per
request that is an attribute lookup and two integer additions instead of two SDK measurements,
each of which hashes its attribute set; the exported data (a non-monotonic cumulative sum) is
the same.

Every app instrumented with the same providers shares one :class:`ServerTelemetry`: an
observable instrument registered twice under one name keeps only the first callback, and one
process has one count of active requests anyway.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterable
from typing import Any

from opentelemetry import metrics, trace
from opentelemetry.metrics import CallbackOptions, Observation
from opentelemetry.semconv.attributes.error_attributes import ERROR_TYPE
from opentelemetry.semconv.attributes.http_attributes import (
    HTTP_REQUEST_METHOD,
    HTTP_RESPONSE_STATUS_CODE,
    HTTP_ROUTE,
)
from opentelemetry.semconv.attributes.url_attributes import URL_SCHEME

from huleedu_service_libs._shared.buckets import HTTP_SECONDS
from huleedu_service_libs._shared.report_once import ReportOnce

__all__ = [
    "OTHER_METHOD",
    "ActiveRequests",
    "InFlight",
    "ServerTelemetry",
    "normalise_method",
    "report_failure",
    "telemetry_for",
]

#: Telemetry never breaks a request: call from an ``except`` block; the first failure of each
#: kind logs its traceback, repeats go to DEBUG.
report_failure = ReportOnce(
    logging.getLogger("huleedu_otel.quart"),
    "Telemetry failed in %s; the request goes on without it",
)

SCOPE_NAME = "huleedu_otel.quart"
SCHEMA_URL = "https://opentelemetry.io/schemas/1.26.0"
OTHER_METHOD = "_OTHER"
_KNOWN_METHODS = frozenset(
    {"CONNECT", "DELETE", "GET", "HEAD", "OPTIONS", "PATCH", "POST", "PUT", "TRACE"}
)
#: Beyond this many distinct sets something is wrong; stop caching rather than grow.
_CACHE_LIMIT = 4096

DurationKey = tuple[str, str, str | None, int | None, str | None]


def normalise_method(method: str) -> str:
    """Known methods as they are; anything else is ``_OTHER`` (semconv), keeping sets bounded."""
    return method if method in _KNOWN_METHODS else OTHER_METHOD


class InFlight:
    """The number of requests in flight for one attribute set."""

    __slots__ = ("attributes", "count")

    def __init__(self, attributes: dict[str, Any]) -> None:
        self.attributes = attributes
        self.count = 0


class ActiveRequests:
    """The in-flight counts of every (method, scheme) seen; bounded by normalised methods."""

    __slots__ = ("_by_key",)

    def __init__(self) -> None:
        self._by_key: dict[tuple[str, str], InFlight] = {}

    def entry(self, method: str, scheme: str) -> InFlight:
        found = self._by_key.get((method, scheme))
        if found is None:
            found = InFlight({HTTP_REQUEST_METHOD: method, URL_SCHEME: scheme})
            self._by_key[(method, scheme)] = found
        return found

    def observe(self, options: CallbackOptions) -> Iterable[Observation]:
        return [Observation(e.count, e.attributes) for e in list(self._by_key.values())]


class ServerTelemetry:
    """Where one instrumented app's spans and measurements go."""

    __slots__ = ("_duration_sets", "_names", "active", "duration", "tracer")

    def __init__(
        self,
        tracer_provider: trace.TracerProvider | None,
        meter_provider: metrics.MeterProvider | None,
        version: str,
    ) -> None:
        self.tracer = trace.get_tracer(SCOPE_NAME, version, tracer_provider, SCHEMA_URL)
        meter = metrics.get_meter(SCOPE_NAME, version, meter_provider, SCHEMA_URL)
        self.duration = meter.create_histogram(
            "http.server.request.duration",
            unit="s",
            description="Duration of HTTP server requests.",
            explicit_bucket_boundaries_advisory=list(HTTP_SECONDS),
        )
        self.active = ActiveRequests()
        meter.create_observable_up_down_counter(
            "http.server.active_requests",
            callbacks=[self.active.observe],
            unit="{request}",
            description="Number of active HTTP server requests.",
        )
        self._duration_sets: dict[DurationKey, dict[str, Any]] = {}
        self._names: dict[tuple[str, str | None], str] = {}

    def duration_attributes(self, key: DurationKey) -> dict[str, Any]:
        found = self._duration_sets.get(key)
        if found is None:
            found = _duration_set(*key)
            _remember(self._duration_sets, key, found)
        return found

    def span_name(self, method: str, route: str | None) -> str:
        """``{METHOD} {route}``, or ``{METHOD}`` alone; ``HTTP`` stands for unknown methods."""
        key = (method, route)
        found = self._names.get(key)
        if found is None:
            shown = "HTTP" if method == OTHER_METHOD else method
            found = shown if route is None else f"{shown} {route}"
            _remember(self._names, key, found)
        return found


_shared: dict[tuple[object, object], ServerTelemetry] = {}
_shared_lock = threading.Lock()


def telemetry_for(
    tracer_provider: trace.TracerProvider | None,
    meter_provider: metrics.MeterProvider | None,
    version: str,
) -> ServerTelemetry:
    """The one :class:`ServerTelemetry` for this pair of providers (``None``: the globals)."""
    with _shared_lock:
        key = (tracer_provider, meter_provider)
        found = _shared.get(key)
        if found is None:
            found = _shared[key] = ServerTelemetry(tracer_provider, meter_provider, version)
        return found


def _duration_set(
    method: str, scheme: str, route: str | None, status: int | None, error_type: str | None
) -> dict[str, Any]:
    attributes: dict[str, Any] = {HTTP_REQUEST_METHOD: method, URL_SCHEME: scheme}
    if route is not None:
        attributes[HTTP_ROUTE] = route
    if status is not None:
        attributes[HTTP_RESPONSE_STATUS_CODE] = status
    if error_type is not None:
        attributes[ERROR_TYPE] = error_type
    return attributes


def _remember(cache: dict[Any, Any], key: Any, value: Any) -> None:
    if len(cache) < _CACHE_LIMIT:
        cache[key] = value
