"""Our http/protobuf span and log exporters deliver to a real OTLP/HTTP receiver; upstream's size
limit and error handling still apply; each protocol picks our exporters."""

from __future__ import annotations

from typing import Any

import pytest
from opentelemetry._logs import SeverityNumber
from opentelemetry.sdk._logs import LoggerProvider
from opentelemetry.sdk._logs.export import SimpleLogRecordProcessor
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor, SpanExportResult
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from huleedu_otel._setup import exporters
from huleedu_otel._setup.otlp.grpc import BytesLogExporter, BytesSpanExporter
from huleedu_otel._setup.otlp.http import BytesHttpLogExporter, BytesHttpSpanExporter
from huleedu_otel.testing.receiver import OtlpReceiver, attributes_of
from tests.deployment._otlp_http import OtlpHttpReceiver

RESOURCE = Resource({"service.name": "essays"})


def _finished_spans() -> list[ReadableSpan]:
    memory = InMemorySpanExporter()
    provider = TracerProvider(resource=RESOURCE)
    provider.add_span_processor(SimpleSpanProcessor(memory))
    tracer = provider.get_tracer("essays.api", "1.0")
    route = {"http.route": "/essays/{id}"}
    with (
        tracer.start_as_current_span("GET /essays/{id}", attributes=route),
        tracer.start_as_current_span("SELECT essays", attributes={"db.system.name": "sql"}),
    ):
        pass
    return list(memory.get_finished_spans())


def _export_once(endpoint: str, **options: Any) -> SpanExportResult:
    """One batch through a new exporter, shut down afterwards."""
    exporter = BytesHttpSpanExporter(endpoint=endpoint, **options)
    try:
        return exporter.export(_finished_spans())
    finally:
        exporter.shutdown()


def test_spans_arrive_over_http_with_their_attributes_and_parent() -> None:
    with OtlpReceiver() as sink, OtlpHttpReceiver(sink) as receiver:
        assert _export_once(f"{receiver.endpoint}/v1/traces") is SpanExportResult.SUCCESS
        received = {s.name: s for s in sink.spans()}
    assert receiver.paths == ["/v1/traces"]
    assert received["GET /essays/{id}"].attributes == {"http.route": "/essays/{id}"}
    assert received["GET /essays/{id}"].service_name == "essays"
    server_id = received["GET /essays/{id}"].span.span_id
    assert received["SELECT essays"].span.parent_span_id == server_id


def test_log_records_arrive_over_http_with_body_and_severity() -> None:
    with OtlpReceiver() as sink, OtlpHttpReceiver(sink) as receiver:
        provider = LoggerProvider(resource=RESOURCE)
        exporter = BytesHttpLogExporter(endpoint=f"{receiver.endpoint}/v1/logs")
        provider.add_log_record_processor(SimpleLogRecordProcessor(exporter))
        provider.get_logger("essays.logs").emit(
            body="essay saved",
            severity_number=SeverityNumber.INFO,
            severity_text="INFO",
            attributes={"essay_id": 7},
        )
        provider.shutdown()
        (record,) = sink.logs()
    assert receiver.paths == ["/v1/logs"]
    assert record.body.string_value == "essay saved"
    assert attributes_of(record.attributes) == {"essay_id": 7}


def test_a_batch_over_the_size_limit_fails_and_sends_nothing() -> None:
    with OtlpReceiver() as sink, OtlpHttpReceiver(sink) as receiver:
        limited = _export_once(f"{receiver.endpoint}/v1/traces", max_request_size=10)
        assert limited is SpanExportResult.FAILURE
    assert receiver.paths == []


def test_a_refused_request_is_a_failed_export() -> None:
    """The receiver answers 404 for an unknown path: the export fails instead of passing."""
    with OtlpReceiver() as sink, OtlpHttpReceiver(sink) as receiver:
        assert _export_once(f"{receiver.endpoint}/v1/elsewhere") is SpanExportResult.FAILURE
    assert sink.spans() == []


def test_an_exporter_shut_down_sends_nothing() -> None:
    with OtlpReceiver() as sink, OtlpHttpReceiver(sink) as receiver:
        exporter = BytesHttpSpanExporter(endpoint=f"{receiver.endpoint}/v1/traces")
        exporter.shutdown()
        assert exporter.export(_finished_spans()) is SpanExportResult.FAILURE
    assert receiver.paths == []


@pytest.mark.parametrize(
    ("protocol", "span_class", "log_class"),
    [
        ("grpc", BytesSpanExporter, BytesLogExporter),
        ("http/protobuf", BytesHttpSpanExporter, BytesHttpLogExporter),
    ],
)
def test_each_protocol_picks_our_exporters(
    protocol: str, span_class: type[object], log_class: type[object]
) -> None:
    meters = MeterProvider()
    span_exporter = exporters.span_exporter("otlp", protocol, meters)
    log_exporter = exporters.log_exporter("otlp", protocol, meters)
    try:
        assert isinstance(span_exporter, span_class)
        assert isinstance(log_exporter, log_class)
    finally:
        span_exporter.shutdown()
        log_exporter.shutdown()
        meters.shutdown()
