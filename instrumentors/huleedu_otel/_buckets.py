"""Histogram bucket boundaries in seconds, as the semantic conventions advise.

The SDK's default boundaries are meant for milliseconds (0, 5, 10, ... 10000); applied to a
histogram in seconds they put every request in the first bucket and make percentiles useless.
Our own instruments pass these as ``explicit_bucket_boundaries_advisory``; the view below gives
the same boundaries to instruments from other libraries that give no advice.
"""

from __future__ import annotations

from typing import Any

from opentelemetry.sdk.metrics import Histogram
from opentelemetry.sdk.metrics.view import ExplicitBucketHistogramAggregation, View

#: HTTP and messaging durations (semconv advice).
HTTP_SECONDS: tuple[float, ...] = (
    0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1.0, 2.5, 5.0, 7.5, 10.0,
)  # fmt: skip
MESSAGING_SECONDS = HTTP_SECONDS
#: Database and cache client durations (semconv advice).
DB_SECONDS: tuple[float, ...] = (0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1.0, 5.0, 10.0)
#: Fast in-process operations (breakers, event-loop lag, idempotency store).
FAST_SECONDS: tuple[float, ...] = (
    0.0001, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
)  # fmt: skip

_BY_NAME_PREFIX: tuple[tuple[str, tuple[float, ...]], ...] = (
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


class _SecondsHistogramAggregation(ExplicitBucketHistogramAggregation):
    """The instrument's own advice when it gives one, else the boundaries of its name family.

    One view with this aggregation covers every histogram in ``s``; several overlapping views
    would make the SDK emit duplicate streams.
    """

    def __init__(self) -> None:
        super().__init__()

    def _create_aggregation(self, instrument: Any, *args: Any, **kwargs: Any) -> Any:
        advisory = getattr(instrument, "_advisory", None)
        advised = getattr(advisory, "explicit_bucket_boundaries", None)
        bounds = list(advised) if advised else list(boundaries_for(instrument.name))
        chosen = ExplicitBucketHistogramAggregation(boundaries=bounds)
        return chosen._create_aggregation(instrument, *args, **kwargs)


def seconds_histogram_views() -> list[View]:
    """Every histogram measured in seconds gets boundaries in seconds."""
    return [
        View(
            instrument_type=Histogram,
            instrument_unit="s",
            aggregation=_SecondsHistogramAggregation(),
        )
    ]
