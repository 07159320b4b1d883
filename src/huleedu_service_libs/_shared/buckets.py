"""Histogram bucket boundaries in seconds, as the semantic conventions advise: the one table.

The SDK's default boundaries are meant for milliseconds (0, 5, 10, ... 10000); applied to a
histogram in seconds they put every request in the first bucket and make percentiles useless.
Instruments pass these as ``explicit_bucket_boundaries_advisory``; the distribution's view gives
the same boundaries, by name family, to instruments from other libraries that give no advice.
"""

from __future__ import annotations

from typing import Final

#: HTTP durations (semconv advice).
HTTP_SECONDS: Final[tuple[float, ...]] = (
    0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1.0, 2.5, 5.0, 7.5, 10.0,
)  # fmt: skip
#: Messaging durations: semconv advises the HTTP boundaries.
MESSAGING_SECONDS: Final = HTTP_SECONDS
#: Database and cache client durations (semconv advice).
DB_SECONDS: Final[tuple[float, ...]] = (0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1.0, 5.0, 10.0)
#: Fast in-process operations (breakers, event-loop lag, idempotency store).
FAST_SECONDS: Final[tuple[float, ...]] = (
    0.0001, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
)  # fmt: skip

_BY_NAME_PREFIX: Final[tuple[tuple[str, tuple[float, ...]], ...]] = (
    ("http.", HTTP_SECONDS),
    ("rpc.", HTTP_SECONDS),
    ("messaging.", MESSAGING_SECONDS),
    ("db.", DB_SECONDS),
)


def boundaries_for(name: str) -> tuple[float, ...]:
    """The semconv family's boundaries for a histogram in seconds; fast ones otherwise."""
    for prefix, bounds in _BY_NAME_PREFIX:
        if name.startswith(prefix):
            return bounds
    return FAST_SECONDS
