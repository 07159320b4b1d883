"""Build the SDK providers from :class:`TelemetrySettings` and install them globally.

Everything that has to be undone at shutdown is kept on the returned :class:`Telemetry`.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass, field

from opentelemetry import metrics, trace
from opentelemetry._logs import set_logger_provider
from opentelemetry.baggage.propagation import W3CBaggagePropagator
from opentelemetry.instrumentation.logging import LoggingInstrumentor
from opentelemetry.instrumentation.system_metrics import SystemMetricsInstrumentor
from opentelemetry.propagate import set_global_textmap
from opentelemetry.propagators.composite import CompositePropagator
from opentelemetry.sdk._logs import LoggerProvider
from opentelemetry.sdk._logs.export import BatchLogRecordProcessor
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import MetricReader
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor
from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator

from huleedu_otel._setup import batching as _batching
from huleedu_otel._setup import exporters as _exporters
from huleedu_otel._setup.cardinality import cardinality_limits
from huleedu_otel._setup.heap import HeapFreezer
from huleedu_otel._setup.loss_counting import counting_losses
from huleedu_otel._setup.notice import notice
from huleedu_otel._setup.prometheus import start_prometheus_endpoint
from huleedu_otel._setup.prometheus.endpoint import MetricsEndpoint
from huleedu_otel._setup.prometheus.reader import own_readers, shares_aggregation
from huleedu_otel._setup.prometheus.supervisor import supervisor_of_this_process
from huleedu_otel._setup.prometheus.worker import WorkerEndpoint
from huleedu_otel._setup.propagation_logs import quiet_propagation_warnings
from huleedu_otel._setup.resource import build_resource
from huleedu_otel._setup.runtime import EventLoopLagMonitor, start_process_metrics
from huleedu_otel._setup.settings import TelemetrySettings
from huleedu_otel._setup.views import seconds_histogram_views

_log = logging.getLogger(__name__)


@dataclass
class Telemetry:
    """The providers and servers one configuration created."""

    settings: TelemetrySettings
    resource: Resource
    tracer_provider: TracerProvider
    meter_provider: MeterProvider
    logger_provider: LoggerProvider
    prometheus: MetricsEndpoint | None
    loop_monitor: EventLoopLagMonitor
    process_metrics: SystemMetricsInstrumentor
    instrumented: list[str] = field(default_factory=lambda: ["logging", "system_metrics"])


def install(settings: TelemetrySettings) -> Telemetry:
    """Create the providers, set them as the globals, and start the runtime samplers.

    The providers' own exit hooks are off: the handle's bounded ``shutdown`` runs at exit instead.
    """
    resource = build_resource(settings)
    set_global_textmap(
        CompositePropagator([TraceContextTextMapPropagator(), W3CBaggagePropagator()])
    )
    quiet_propagation_warnings()
    prometheus = _prometheus(settings, resource)
    meter_provider = _meter_provider(settings, resource, prometheus)
    tracer_provider = _tracer_provider(settings, resource, meter_provider)
    logger_provider = _logger_provider(settings, resource, meter_provider)
    trace.set_tracer_provider(tracer_provider)
    metrics.set_meter_provider(meter_provider)
    set_logger_provider(logger_provider)
    LoggingInstrumentor().instrument()
    loop_monitor = EventLoopLagMonitor(
        meter_provider, on_loop_start=HeapFreezer().loop_started if settings.gc_freeze else None
    )
    loop_monitor.install()
    return Telemetry(
        settings=settings,
        resource=resource,
        tracer_provider=tracer_provider,
        meter_provider=meter_provider,
        logger_provider=logger_provider,
        prometheus=prometheus,
        loop_monitor=loop_monitor,
        process_metrics=start_process_metrics(meter_provider),
    )


def _tracer_provider(
    settings: TelemetrySettings, resource: Resource, meter_provider: MeterProvider
) -> TracerProvider:
    # The sampler comes from OTEL_TRACES_SAMPLER; the SDK's default is parentbased_always_on.
    provider = TracerProvider(resource=resource, shutdown_on_exit=False)
    for name in settings.traces_exporters:
        with counting_losses():
            exporter = _exporters.span_exporter(name, settings.otlp_protocol, meter_provider)
            processor = BatchSpanProcessor(
                exporter,
                meter_provider=meter_provider,
                max_export_batch_size=_batching.batch_size(_batching.SPANS),
            )
        provider.add_span_processor(processor)
    return provider


def _prometheus(settings: TelemetrySettings, resource: Resource) -> MetricsEndpoint | None:
    """The port, or (in a worker of a supervisor that serves it) the supervisor's socket."""
    if "prometheus" not in settings.metrics_exporters:
        return None
    supervisor = supervisor_of_this_process()
    if supervisor is not None:
        instance = str(resource.attributes.get("service.instance.id", os.getpid()))
        return WorkerEndpoint(supervisor, instance, settings.metric_cardinality_limit)
    return start_prometheus_endpoint(
        settings.prometheus_host, settings.prometheus_port, settings.metric_cardinality_limit
    )


def _meter_provider(
    settings: TelemetrySettings, resource: Resource, prometheus: MetricsEndpoint | None
) -> MeterProvider:
    """One aggregation when ``/metrics`` is served: the exporters read the endpoint's reader.

    An exporter that needs an aggregation of its own (delta temporality, exponential
    histograms) gets its own reader, and the startup log says that it costs a second one.
    """
    limits = cardinality_limits(settings.metric_cardinality_limit)
    exporters = [
        _exporters.metric_exporter(name, settings.otlp_protocol)
        for name in settings.metrics_exporters
        if name != "prometheus"
    ]
    if prometheus is None:
        readers: list[MetricReader] = own_readers(exporters, limits)
    else:
        shared = [e for e in exporters if shares_aggregation(e)]
        apart = [e for e in exporters if not shares_aggregation(e)]
        for exporter in shared:
            prometheus.reader.export_periodically(exporter)
        readers = [prometheus.reader, *own_readers(apart, limits)]
        if apart:
            notice(
                _log,
                logging.INFO,
                "Metrics are aggregated twice: %s needs its own aggregation (delta temporality "
                "or exponential histograms), /metrics keeps a cumulative one",
                ", ".join(type(e).__name__ for e in apart),
            )
    return MeterProvider(
        resource=resource,
        metric_readers=readers,
        views=seconds_histogram_views(),
        shutdown_on_exit=False,
    )


def _logger_provider(
    settings: TelemetrySettings, resource: Resource, meter_provider: MeterProvider
) -> LoggerProvider:
    provider = LoggerProvider(resource=resource, shutdown_on_exit=False)
    for name in settings.logs_exporters:
        with counting_losses():
            exporter = _exporters.log_exporter(name, settings.otlp_protocol, meter_provider)
            processor = BatchLogRecordProcessor(
                exporter,
                meter_provider=meter_provider,
                max_export_batch_size=_batching.batch_size(_batching.LOGS),
            )
        provider.add_log_record_processor(processor)
    return provider
