"""One aggregation for every consumer: the periodic OTLP export and each ``/metrics`` scrape.

The SDK keeps one aggregation storage per registered reader, so a meter provider with a periodic
OTLP reader and a Prometheus reader aggregates every measurement twice. This reader is the only
one registered; it collects cumulative data on demand, and the periodic exporters are the SDK's
own :class:`PeriodicExportingMetricReader` (its ticker, export lock and shutdown), left
unregistered and fed from this reader's collection instead of a storage of their own.

Cumulative collection does not reset the storage, so the exporters and the scrapes can read at
their own times. Exemplars are the one thing the SDK hands out only once (its reservoirs reset on
collect); :class:`ExemplarCache` keeps them so that neither consumer steals them from the other.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from typing import Any

from opentelemetry.sdk.metrics import Histogram
from opentelemetry.sdk.metrics.export import (
    AggregationTemporality,
    MetricExporter,
    MetricReader,
    MetricsData,
    PeriodicExportingMetricReader,
)
from opentelemetry.sdk.metrics.view import ExponentialBucketHistogramAggregation

from huleedu_otel._setup.cardinality import ReaderLimits
from huleedu_otel._setup.prometheus.exemplars import Cursor, ExemplarCache


class SharedMetricReader(MetricReader):
    """The meter provider's one reader: cumulative, read by scrapes and periodic exporters."""

    def __init__(self, limits: ReaderLimits | None = None) -> None:
        super().__init__(**(limits or {}))
        self._lock = threading.Lock()
        self._received: list[MetricsData] = []
        self._exporters: list[PeriodicExportingMetricReader] = []
        self.exemplars = ExemplarCache()

    def read(self, timeout_millis: float = 10_000) -> MetricsData | None:
        """Collect now; the cumulative state, with the exemplars it brought remembered."""
        with self._lock:
            self._received.clear()
            self.collect(timeout_millis=timeout_millis)
            data = self._received.pop() if self._received else None
            if data is not None:
                self.exemplars.remember(data)
            return data

    def export_periodically(self, exporter: MetricExporter) -> None:
        """Export this reader's collections through ``exporter`` on the SDK's periodic timer."""
        periodic = PeriodicExportingMetricReader(exporter)
        cursor = Cursor()

        def collect_for_export(_reader: Any, timeout_millis: float = 10_000) -> MetricsData | None:
            data = self.read(timeout_millis)
            return None if data is None else self.exemplars.since_last_read(data, cursor)

        periodic._set_collect_callback(collect_for_export)  # type: ignore[arg-type]
        self._exporters.append(periodic)

    def _receive_metrics(
        self, metrics_data: MetricsData, timeout_millis: float = 10_000, **kwargs: Any
    ) -> None:
        self._received.append(metrics_data)

    def force_flush(self, timeout_millis: float = 10_000) -> bool:
        return all([e.force_flush(timeout_millis) for e in self._exporters])

    def shutdown(self, timeout_millis: float = 30_000, **kwargs: Any) -> None:
        """Each exporter's last export, then its shutdown (the SDK reader does both)."""
        for periodic in self._exporters:
            periodic.shutdown(timeout_millis=timeout_millis)


def shares_aggregation(exporter: MetricExporter) -> bool:
    """Whether ``exporter`` can read the shared cumulative aggregation.

    A delta temporality preference (``OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE``) or an
    exponential histogram preference needs storage of its own: such an exporter gets its own
    reader, and every measurement is aggregated once more for it.
    """
    temporalities: dict[type, AggregationTemporality] = exporter._preferred_temporality or {}
    aggregations: dict[type, Any] = exporter._preferred_aggregation or {}
    cumulative = all(t is AggregationTemporality.CUMULATIVE for t in temporalities.values())
    exponential = isinstance(aggregations.get(Histogram), ExponentialBucketHistogramAggregation)
    return cumulative and not exponential


def own_readers(exporters: Sequence[MetricExporter], limits: ReaderLimits) -> list[MetricReader]:
    """The SDK's periodic reader, with a storage of its own, for each exporter given."""
    return [PeriodicExportingMetricReader(exporter, **limits) for exporter in exporters]
