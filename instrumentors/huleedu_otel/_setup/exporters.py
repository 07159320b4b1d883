"""Exporters by name; each OTLP exporter reads its own ``OTEL_EXPORTER_OTLP_*`` variables.

Span and log exporters get the meter provider their own export counters report to. Over gRPC
and http/protobuf alike they are upstream's exporters with our byte encoder (see ``otlp``),
since they run per request; the metric exporters keep upstream's encoder (periodic, not per
request).
"""

from __future__ import annotations

from opentelemetry.metrics import MeterProvider
from opentelemetry.sdk._logs.export import ConsoleLogRecordExporter, LogRecordExporter
from opentelemetry.sdk.metrics.export import ConsoleMetricExporter, MetricExporter
from opentelemetry.sdk.trace.export import ConsoleSpanExporter, SpanExporter


def span_exporter(name: str, protocol: str, meter_provider: MeterProvider) -> SpanExporter:
    if name == "console":
        return ConsoleSpanExporter()
    if protocol == "grpc":
        from huleedu_otel._setup.otlp.grpc import BytesSpanExporter

        return BytesSpanExporter(meter_provider=meter_provider)
    from huleedu_otel._setup.otlp.http import BytesHttpSpanExporter

    return BytesHttpSpanExporter(meter_provider=meter_provider)


def metric_exporter(name: str, protocol: str) -> MetricExporter:
    if name == "console":
        return ConsoleMetricExporter()
    if protocol == "grpc":
        from opentelemetry.exporter.otlp.proto.grpc.metric_exporter import OTLPMetricExporter

        return OTLPMetricExporter()
    from opentelemetry.exporter.otlp.proto.http.metric_exporter import (
        OTLPMetricExporter as HttpMetricExporter,
    )

    return HttpMetricExporter()


def log_exporter(name: str, protocol: str, meter_provider: MeterProvider) -> LogRecordExporter:
    if name == "console":
        return ConsoleLogRecordExporter()
    if protocol == "grpc":
        from huleedu_otel._setup.otlp.grpc import BytesLogExporter

        return BytesLogExporter(meter_provider=meter_provider)
    from huleedu_otel._setup.otlp.http import BytesHttpLogExporter

    return BytesHttpLogExporter(meter_provider=meter_provider)
