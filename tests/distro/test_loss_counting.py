"""What the export pipelines lose is counted by the SDK's own metrics, at no per-span cost."""

from __future__ import annotations

import os

import pytest
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import InMemoryMetricReader, NumberDataPoint
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from huleedu_otel._setup.loss_counting import SELF_METRICS_VARIABLE, counting_losses


def _dropped_spans(reader: InMemoryMetricReader) -> int:
    data = reader.get_metrics_data()
    if data is None:  # no instrument was ever created
        return 0
    points = [
        point
        for rm in data.resource_metrics
        for sm in rm.scope_metrics
        for metric in sm.metrics
        if metric.name == "otel.sdk.processor.span.processed"
        for point in metric.data.data_points
    ]
    return sum(
        int(p.value)
        for p in points
        if isinstance(p, NumberDataPoint) and (p.attributes or {}).get("error.type") == "queue_full"
    )


def _overflow_a_queue(meter_provider: MeterProvider) -> None:
    with counting_losses():
        processor = BatchSpanProcessor(
            InMemorySpanExporter(),
            max_queue_size=2,
            max_export_batch_size=2,
            schedule_delay_millis=60_000,
            meter_provider=meter_provider,
        )
    provider = TracerProvider()
    provider.add_span_processor(processor)
    tracer = provider.get_tracer("test")
    for _ in range(5):
        tracer.start_span("s").end()
    provider.shutdown()


def test_processors_built_while_counting_losses_count_their_queue_full_drops(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A capped queue that overflows reports its drops as error.type=queue_full."""
    monkeypatch.delenv(SELF_METRICS_VARIABLE, raising=False)
    reader = InMemoryMetricReader()
    _overflow_a_queue(MeterProvider(metric_readers=[reader]))
    assert _dropped_spans(reader) > 0


def test_counting_losses_leaves_the_environment_as_it_found_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The variable is on only while the pipeline is built: later providers pay no per-span cost."""
    monkeypatch.delenv(SELF_METRICS_VARIABLE, raising=False)
    with counting_losses():
        assert os.environ[SELF_METRICS_VARIABLE] == "true"
    assert SELF_METRICS_VARIABLE not in os.environ


def test_a_users_explicit_false_switches_loss_counting_off(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """``OTEL_PYTHON_SDK_INTERNAL_METRICS_ENABLED=false`` is the user's choice, and it stands."""
    monkeypatch.setenv(SELF_METRICS_VARIABLE, "false")
    reader = InMemoryMetricReader()
    _overflow_a_queue(MeterProvider(metric_readers=[reader]))
    assert _dropped_spans(reader) == 0
    assert os.environ[SELF_METRICS_VARIABLE] == "false"
