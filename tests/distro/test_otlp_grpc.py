"""Our gRPC span and log exporters deliver to a real OTLP receiver, attributes intact."""

from __future__ import annotations

import grpc
import pytest
from opentelemetry._logs import SeverityNumber
from opentelemetry.sdk._logs import LoggerProvider
from opentelemetry.sdk._logs.export import SimpleLogRecordProcessor
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor, SpanExportResult
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from huleedu_otel._setup.otlp.grpc import BytesLogExporter, BytesSpanExporter
from huleedu_otel.testing.receiver import OtlpReceiver, attributes_of

RESOURCE = Resource({"service.name": "essays"})


@pytest.mark.parametrize("compression", [None, grpc.Compression.Gzip], ids=["plain", "gzip"])
def test_spans_arrive_with_their_attributes_events_and_parent(
    compression: grpc.Compression | None,
) -> None:
    with OtlpReceiver() as receiver:
        exporter = BytesSpanExporter(
            endpoint=receiver.endpoint, insecure=True, compression=compression
        )
        provider = TracerProvider(resource=RESOURCE)
        provider.add_span_processor(SimpleSpanProcessor(exporter))
        tracer = provider.get_tracer("essays.api", "1.0")
        with tracer.start_as_current_span(
            "GET /essays/{id}",
            attributes={"http.route": "/essays/{id}", "http.response.status_code": 200, "ok": True},
        ) as span:
            span.add_event("cache.miss", {"cache.key": "essay:1"})
            with tracer.start_as_current_span(
                "SELECT essays", attributes={"db.system.name": "postgresql"}
            ):
                pass
        provider.shutdown()
        received = {s.name: s for s in receiver.spans()}
    assert set(received) == {"GET /essays/{id}", "SELECT essays"}
    server = received["GET /essays/{id}"]
    assert server.service_name == "essays"
    assert server.attributes == {
        "http.route": "/essays/{id}",
        "http.response.status_code": 200,
        "ok": True,
    }
    assert [(e.name, attributes_of(e.attributes)) for e in server.span.events] == [
        ("cache.miss", {"cache.key": "essay:1"})
    ]
    assert received["SELECT essays"].span.parent_span_id == server.span.span_id
    assert received["SELECT essays"].attributes == {"db.system.name": "postgresql"}


def test_log_records_arrive_with_body_severity_and_attributes() -> None:
    with OtlpReceiver() as receiver:
        exporter = BytesLogExporter(endpoint=receiver.endpoint, insecure=True)
        provider = LoggerProvider(resource=RESOURCE)
        provider.add_log_record_processor(SimpleLogRecordProcessor(exporter))
        provider.get_logger("essays.logs").emit(
            body={"event": "essay.saved", "essay_id": 7},
            severity_number=SeverityNumber.WARN,
            severity_text="WARNING",
            attributes={"correlation_id": "c-1", "attempt": 2},
            event_name="essay.saved",
        )
        provider.shutdown()
        (record,) = receiver.logs()
    assert attributes_of(record.body.kvlist_value.values) == {"event": "essay.saved", "essay_id": 7}
    assert (record.severity_number, record.severity_text) == (SeverityNumber.WARN.value, "WARNING")
    assert attributes_of(record.attributes) == {"correlation_id": "c-1", "attempt": 2}
    assert record.event_name == "essay.saved"
    assert receiver.log_requests[0].resource_logs[0].scope_logs[0].scope.name == "essays.logs"


def test_a_reconnected_exporter_still_sends_our_bytes() -> None:
    """Upstream rebuilds channel and stub after UNAVAILABLE; the rebuilt client is ours too
    (upstream's stub would fail to serialise the bytes ``_translate_data`` now returns)."""
    memory = InMemorySpanExporter()
    provider = TracerProvider(resource=RESOURCE)
    provider.add_span_processor(SimpleSpanProcessor(memory))
    with provider.get_tracer("t").start_as_current_span("after reconnect"):
        pass
    with OtlpReceiver() as receiver:
        exporter = BytesSpanExporter(endpoint=receiver.endpoint, insecure=True)
        exporter._initialize_channel_and_stub()
        try:
            assert exporter.export(memory.get_finished_spans()) is SpanExportResult.SUCCESS
        finally:
            exporter.shutdown()
        assert [s.name for s in receiver.spans()] == ["after reconnect"]
