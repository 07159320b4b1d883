"""The view that gives every histogram in seconds the boundaries of :mod:`_shared.buckets`.

Our own instruments pass their boundaries as ``explicit_bucket_boundaries_advisory``; this view
gives the same boundaries, by name family, to instruments from other libraries that give none.
"""

from __future__ import annotations

from typing import Any

from opentelemetry.sdk.metrics import Histogram
from opentelemetry.sdk.metrics.view import ExplicitBucketHistogramAggregation, View

from huleedu_service_libs._shared.buckets import boundaries_for


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
