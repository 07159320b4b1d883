"""The per-reader cardinality limit: how many attribute sets one metric may hold.

A label fed from unbounded input (a tenant's topic, a table per customer) would otherwise grow a
metric without end, in the process and in Prometheus. The SDK (1.45.2 and newer) folds every
attribute set past the limit into one ``otel.metric.overflow="true"`` point. Older SDKs have no
limit at all; there the setting is reported as not applied instead of failing the start.
"""

from __future__ import annotations

import functools
import inspect
import logging
from typing import TypedDict

from opentelemetry.sdk.metrics import (
    Counter,
    Histogram,
    ObservableCounter,
    ObservableGauge,
    ObservableUpDownCounter,
    UpDownCounter,
    _Gauge,  # the SDK's synchronous Gauge; exported under this name
)
from opentelemetry.sdk.metrics.export import MetricReader

from huleedu_otel._setup.notice import notice
from huleedu_otel._setup.settings import CARDINALITY_LIMIT_VAR

__all__ = ["ReaderLimits", "cardinality_limits"]

_log = logging.getLogger(__name__)
_INSTRUMENT_CLASSES: tuple[type, ...] = (
    Counter,
    UpDownCounter,
    Histogram,
    ObservableCounter,
    ObservableUpDownCounter,
    ObservableGauge,
    _Gauge,
)


class ReaderLimits(TypedDict, total=False):
    """What a metric reader's constructor takes, spread with ``**``."""

    cardinality_limits: dict[type, int]


@functools.cache
def _sdk_supports_limits() -> bool:
    """Asked once per process, so an old SDK is reported once, not once per reader."""
    if "cardinality_limits" in inspect.signature(MetricReader.__init__).parameters:
        return True
    notice(
        _log,
        logging.WARNING,
        "%s not applied: this opentelemetry-sdk has no metric cardinality limits "
        "(1.45.2 and newer do)",
        CARDINALITY_LIMIT_VAR,
    )
    return False


def cardinality_limits(limit: int) -> ReaderLimits:
    """Keyword arguments for a reader's constructor: ``{"cardinality_limits": ...}`` or none."""
    if not _sdk_supports_limits():
        return ReaderLimits()
    return {"cardinality_limits": dict.fromkeys(_INSTRUMENT_CLASSES, limit)}
