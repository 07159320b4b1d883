"""In-memory telemetry for tests: what a service emitted, reset between tests.

Public as ``huleedu_otel.testing.TelemetryCapture``.

:class:`TelemetryCapture` installs SDK providers whose exporters keep everything in memory.
Counters and histograms are read with delta temporality and summed here, so a test sees exactly
what happened since its own start; gauges and up-down counters show their current value.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from opentelemetry import metrics, trace
from opentelemetry._logs import get_logger_provider, set_logger_provider
from opentelemetry.baggage.propagation import W3CBaggagePropagator
from opentelemetry.instrumentation.logging.handler import LoggingHandler
from opentelemetry.propagate import set_global_textmap
from opentelemetry.propagators.composite import CompositePropagator
from opentelemetry.sdk._logs import LoggerProvider, ReadableLogRecord
from opentelemetry.sdk._logs.export import InMemoryLogRecordExporter, SimpleLogRecordProcessor
from opentelemetry.sdk.metrics import (
    Counter,
    Histogram,
    MeterProvider,
    ObservableCounter,
    ObservableGauge,
    ObservableUpDownCounter,
    UpDownCounter,
)
from opentelemetry.sdk.metrics.export import (
    AggregationTemporality,
    HistogramDataPoint,
    InMemoryMetricReader,
    NumberDataPoint,
    Sum,
)
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator

from huleedu_otel._setup.propagation_logs import quiet_propagation_warnings
from huleedu_otel._setup.views import seconds_histogram_views

__all__ = ["MetricPoint", "MetricsCapture", "TelemetryCapture"]

_TEMPORALITY: dict[type, AggregationTemporality] = {
    Counter: AggregationTemporality.DELTA,
    Histogram: AggregationTemporality.DELTA,
    ObservableCounter: AggregationTemporality.DELTA,
    UpDownCounter: AggregationTemporality.CUMULATIVE,
    ObservableUpDownCounter: AggregationTemporality.CUMULATIVE,
    ObservableGauge: AggregationTemporality.CUMULATIVE,
}


@dataclass
class MetricPoint:
    """One attribute set of one metric, merged over the test so far."""

    name: str
    unit: str
    attributes: dict[str, Any]
    value: float = 0.0
    count: int = 0
    sum: float = 0.0
    bucket_counts: list[int] = field(default_factory=list)
    explicit_bounds: list[float] = field(default_factory=list)


class MetricsCapture:
    """Reads the in-memory reader and keeps a per-test running view."""

    def __init__(self, reader: InMemoryMetricReader) -> None:
        self._reader = reader
        self._points: dict[tuple[str, frozenset[tuple[str, Any]]], MetricPoint] = {}

    def reset(self) -> None:
        self._reader.get_metrics_data()
        self._points.clear()

    def collect(self) -> dict[tuple[str, frozenset[tuple[str, Any]]], MetricPoint]:
        data = self._reader.get_metrics_data()
        for resource_metrics in data.resource_metrics if data else ():
            for scope_metrics in resource_metrics.scope_metrics:
                for metric in scope_metrics.metrics:
                    additive = isinstance(metric.data, Sum) and metric.data.is_monotonic
                    for point in metric.data.data_points:
                        self._merge(metric.name, metric.unit or "", point, additive)
        return self._points

    def names(self) -> set[str]:
        return {name for name, _ in self.collect()}

    def points(self, name: str, **attributes: Any) -> list[MetricPoint]:
        """Points of ``name`` whose attributes include all of ``attributes``."""
        return [
            p
            for (metric, _), p in self.collect().items()
            if metric == name and _matches(p.attributes, attributes)
        ]

    def value(self, name: str, **attributes: Any) -> float:
        """Sum of the matching counter/gauge points (0 when none)."""
        return sum(p.value for p in self.points(name, **attributes))

    def count(self, name: str, **attributes: Any) -> int:
        """Number of recordings of the matching histogram points."""
        return sum(p.count for p in self.points(name, **attributes))

    def _merge(self, name: str, unit: str, point: Any, additive: bool) -> None:
        attrs = dict(point.attributes or {})
        key = (name, frozenset(attrs.items()))
        current = self._points.setdefault(key, MetricPoint(name, unit, attrs))
        if isinstance(point, HistogramDataPoint):
            current.count += point.count
            current.sum += point.sum
            current.explicit_bounds = list(point.explicit_bounds)
            counts = list(point.bucket_counts)
            current.bucket_counts = [
                a + b
                for a, b in zip(current.bucket_counts or [0] * len(counts), counts, strict=True)
            ]
        elif isinstance(point, NumberDataPoint):
            current.value = current.value + point.value if additive else point.value


def _matches(attributes: Mapping[str, Any], wanted: Mapping[str, Any]) -> bool:
    return all(attributes.get(k) == v for k, v in wanted.items())


class TelemetryCapture:
    """SDK providers exporting to memory, installed as the process's global providers."""

    def __init__(self, resource: Resource | None = None) -> None:
        resource = resource or Resource.create({"service.name": "test-service"})
        self.span_exporter = InMemorySpanExporter()
        self.tracer_provider = TracerProvider(resource=resource)
        self.tracer_provider.add_span_processor(SimpleSpanProcessor(self.span_exporter))
        reader = InMemoryMetricReader(preferred_temporality=_TEMPORALITY)
        self.meter_provider = MeterProvider(
            resource=resource, metric_readers=[reader], views=seconds_histogram_views()
        )
        self.metrics = MetricsCapture(reader)
        self.log_exporter = InMemoryLogRecordExporter()  # type: ignore[no-untyped-call]
        self.logger_provider = LoggerProvider(resource=resource)
        self.logger_provider.add_log_record_processor(SimpleLogRecordProcessor(self.log_exporter))

    def install_globally(self) -> None:
        """Make these the global providers (the OTel API allows that once per process)."""
        set_global_textmap(
            CompositePropagator([TraceContextTextMapPropagator(), W3CBaggagePropagator()])
        )
        quiet_propagation_warnings()  # as configure() does
        trace.set_tracer_provider(self.tracer_provider)
        metrics.set_meter_provider(self.meter_provider)
        if not isinstance(get_logger_provider(), LoggerProvider):
            set_logger_provider(self.logger_provider)
        logging.getLogger().addHandler(LoggingHandler(logger_provider=self.logger_provider))

    def reset(self) -> None:
        self.span_exporter.clear()
        self.log_exporter.clear()
        self.metrics.reset()

    def spans(self, name: str | None = None) -> list[ReadableSpan]:
        """Finished spans, oldest first; only those called ``name`` when given."""
        finished = list(self.span_exporter.get_finished_spans())
        return [s for s in finished if name is None or s.name == name]

    def span(self, name: str) -> ReadableSpan:
        """The one finished span called ``name``; fails when there are none or several."""
        found = self.spans(name)
        if len(found) != 1:
            names = [s.name for s in self.spans()]
            raise AssertionError(f"expected one span {name!r}, found {len(found)} among {names}")
        return found[0]

    def logs(self) -> list[ReadableLogRecord]:
        return list(self.log_exporter.get_finished_logs())
