"""Bad input over Kafka: hostile record headers, keys and envelope metadata.

Into ``process_span`` (the consumer side of KafkaBus and the instrumentor), into
``use_trace_context(envelope.metadata)``, and through a real broker into the huleedu_aiokafka
consumer path. What must hold: the handler runs, malformed trace context is ignored, and nothing
of a hostile header or key is copied into span attributes or logs beyond small caps
(correlation id: 128 characters of ``A-Za-z0-9._:-``; message key: 256 characters).
"""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from aiokafka import AIOKafkaProducer
from aiokafka.structs import ConsumerRecord
from hypothesis import given
from hypothesis import strategies as st
from opentelemetry import baggage, trace
from opentelemetry.instrumentation.utils import suppress_instrumentation
from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator

from huleedu_otel.testing import TelemetryCapture
from huleedu_service_libs import EventEnvelope, process_span
from huleedu_service_libs.correlation import get_correlation_id
from huleedu_service_libs.observability import use_trace_context
from tests.messaging._kafka import TANSU_OPTIONS, consumer
from tests.reliability._fuzz import fuzz_settings

MEGABYTE = 1 << 20
TRACE_HEADERS = ("traceparent", "tracestate", "baggage", "X-Correlation-ID")


def _record(headers: list[tuple[str, bytes]], key: bytes | None = None) -> Any:
    return ConsumerRecord(
        topic="essays", partition=0, offset=7, timestamp=0, timestamp_type=0, key=key,
        value=b"{}", checksum=None, serialized_key_size=-1, serialized_value_size=2,
        headers=tuple(headers),
    )  # fmt: skip


_header_values = st.one_of(
    st.binary(max_size=300),
    st.text(max_size=120).map(str.encode),
    st.tuples(
        st.integers(0, 2**128 - 1), st.integers(0, 2**64 - 1), st.sampled_from(["01", "00", "x"])
    ).map(lambda t: f"00-{t[0]:032x}-{t[1]:016x}-{t[2]}".encode()),
)
record_headers = st.lists(
    st.tuples(st.sampled_from(TRACE_HEADERS) | st.text(max_size=10), _header_values), max_size=8
)


def _expected_parent(headers: list[tuple[str, bytes]]) -> trace.SpanContext:
    """W3C extraction of the last value of each header (what the carrier getter reads)."""
    carrier: dict[str, str] = {}
    for name, value in headers:
        try:
            carrier[name] = value.decode("utf-8")
        except UnicodeDecodeError:
            carrier.pop(name, None)
    extracted = TraceContextTextMapPropagator().extract(carrier)
    return trace.get_current_span(extracted).get_span_context()


def _assert_bounded(span: Any) -> None:
    attributes = dict(span.attributes or {})
    assert len(str(attributes.get("huleedu.correlation_id", ""))) <= 128
    assert len(str(attributes.get("messaging.kafka.message.key", ""))) <= 256
    assert sum(len(str(value)) for value in attributes.values()) < 1024


@fuzz_settings(300)
@given(headers=record_headers, key=st.none() | st.binary(max_size=600))
def test_process_span_takes_any_headers(
    otel: TelemetryCapture, headers: list[tuple[str, bytes]], key: bytes | None
) -> None:
    """Property: arbitrary record headers and keys: the handler block runs, the process span's
    parent is exactly what W3C extraction accepts, and its attributes stay small."""
    otel.reset()
    ran = False
    with process_span(_record(headers, key)):
        ran = True
    assert ran
    expected = _expected_parent(headers)
    spans = otel.spans("process essays")
    if expected.is_valid and not expected.trace_flags.sampled:
        assert spans == []
        return
    (span,) = spans
    if expected.is_valid:
        assert span.parent is not None
        assert (expected.trace_id, expected.span_id) == (span.parent.trace_id, span.parent.span_id)
    else:
        assert span.parent is None
    _assert_bounded(span)


@fuzz_settings(300)
@given(metadata=st.dictionaries(st.sampled_from(TRACE_HEADERS) | st.text(max_size=8), st.text()))
def test_use_trace_context_takes_any_envelope_metadata(
    otel: TelemetryCapture, metadata: dict[str, str]
) -> None:
    """Property: any ``envelope.metadata`` in ``use_trace_context``: no error, and a carrier
    without a valid ``traceparent`` keeps the block in the trace it was already in."""
    envelope = EventEnvelope[dict[str, str]](
        event_type="X", source_service="s", data={}, metadata=metadata
    )
    tracer = trace.get_tracer("reliability")
    with tracer.start_as_current_span("outer") as outer, use_trace_context(envelope.metadata):
        current = trace.get_current_span().get_span_context()
    expected = TraceContextTextMapPropagator().extract(metadata)
    found = trace.get_current_span(expected).get_span_context()
    assert (found if found.is_valid else outer.get_span_context()) == current


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("baggage", b"k=" + b"v" * MEGABYTE),
        ("tracestate", b",".join(b"v%d=x" % i for i in range(100_000))),
        ("X-Correlation-ID", b"c" * MEGABYTE),
        ("X-Correlation-ID", b"id\n\x00with-controls"),
        ("traceparent", b"\xff\xfe" * 100),
    ],
    ids=["1MB-baggage", "100k-tracestate", "1MB-correlation", "control-chars", "non-utf8"],
)
def test_a_hostile_header_is_neither_used_nor_copied(
    otel: TelemetryCapture, name: str, value: bytes
) -> None:
    """Each hostile header is ignored (no baggage, no correlation id bound, a trace of its own)
    and no part of it reaches the span or the logs."""
    with process_span(_record([(name, value)], key=b"k" * MEGABYTE)):
        assert baggage.get_all() == {}
        assert get_correlation_id() is None
    span = otel.span("process essays")
    assert span.parent is None
    assert "messaging.kafka.message.key" not in dict(span.attributes or {})
    _assert_bounded(span)
    tail = value[-48:].decode("latin-1")
    assert not [r for r in otel.logs() if tail in str(r.log_record.body)]


def _key(span: Any) -> object:
    return dict(span.attributes or {}).get("messaging.kafka.message.key")


@pytest.mark.kafka
async def test_hostile_records_through_a_real_broker_reach_the_handler(
    aiokafka_instrumented: None, kafka_bootstrap: str, otel: TelemetryCapture
) -> None:
    """Records with a 1 MB baggage, a 1 MB correlation id and key, and a non-UTF-8 traceparent
    sent through tansu: ``getone()`` hands each over inside a bounded process span of its own
    trace, and a well-formed record after them still continues its producer's trace."""
    topic = f"hostile-{uuid.uuid4().hex[:8]}"
    hostile = [
        [("baggage", b"k=" + b"v" * MEGABYTE)],
        [("X-Correlation-ID", b"c" * MEGABYTE), ("traceparent", b"\xff" * 55)],
    ]
    producer = AIOKafkaProducer(
        bootstrap_servers=kafka_bootstrap, max_request_size=8 * MEGABYTE, **TANSU_OPTIONS
    )
    await producer.start()
    try:
        with suppress_instrumentation():  # sent as they are: no traceparent of ours injected
            for headers in hostile:
                await producer.send_and_wait(topic, b"{}", key=b"k" * MEGABYTE, headers=headers)
        await producer.send_and_wait(topic, b"{}", key=b"fine")
    finally:
        await producer.stop()
    reader = consumer(kafka_bootstrap, topic, fetch_max_bytes=16 * MEGABYTE)
    await reader.start()
    try:
        for _ in range(3):
            await reader.getone()
            assert baggage.get_all() == {}
    finally:
        await reader.stop()
    spans = otel.spans(f"process {topic}")
    assert len(spans) == 3
    for span in spans:
        _assert_bounded(span)
    fine = [span for span in spans if _key(span) == "fine"]
    assert [span.parent for span in spans if span not in fine] == [None, None]
    assert fine[0].parent is not None
    assert otel.span(f"send {topic}").context.span_id == fine[0].parent.span_id
