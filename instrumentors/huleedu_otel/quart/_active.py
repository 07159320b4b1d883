"""``http.server.active_requests`` as an observable up-down counter.

The in-flight count per (method, scheme) is kept in plain integers and reported when the
metrics are collected. Per request that is an attribute lookup and two integer additions
instead of two SDK measurements, each of which hashes its attribute set; the exported data
(a non-monotonic cumulative sum) is the same.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from opentelemetry.metrics import CallbackOptions, Observation
from opentelemetry.semconv.attributes.http_attributes import HTTP_REQUEST_METHOD
from opentelemetry.semconv.attributes.url_attributes import URL_SCHEME

__all__ = ["ActiveRequests", "InFlight"]


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
