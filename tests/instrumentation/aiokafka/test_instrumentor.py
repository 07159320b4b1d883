"""The huleedu_aiokafka instrumentor against a real Kafka-protocol broker (tansu)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from aiokafka import AIOKafkaProducer
from aiokafka.errors import MessageSizeTooLargeError
from opentelemetry import trace
from opentelemetry.instrumentation.utils import suppress_instrumentation
from opentelemetry.trace import SpanKind

from huleedu_otel.aiokafka import AIOKafkaInstrumentor
from huleedu_otel.testing import TelemetryCapture
from huleedu_service_libs import EventEnvelope, KafkaBus, process_span
from huleedu_service_libs.correlation import (
    bind_correlation_id,
    get_correlation_id,
    reset_correlation_id,
)
from tests.messaging._kafka import TANSU_OPTIONS, consumer

pytestmark = pytest.mark.kafka


@pytest.fixture
def instrumented() -> Iterator[AIOKafkaInstrumentor]:
    instrumentor = AIOKafkaInstrumentor()
    instrumentor.instrument()
    yield instrumentor
    instrumentor.uninstrument()


@pytest.fixture
def topic() -> str:
    return f"t-{uuid.uuid4().hex[:12]}"


async def _produce_raw(bootstrap: str, topic: str, count: int) -> None:
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, **TANSU_OPTIONS)
    await producer.start()
    try:
        for i in range(count):
            await producer.send_and_wait(topic, f"m{i}".encode(), key=b"k")
    finally:
        await producer.stop()


def _trace_id(span: Any) -> int:
    return int(span.context.trace_id)


async def test_send_span_lasts_until_the_acknowledgement(
    instrumented: AIOKafkaInstrumentor, kafka_bootstrap: str, topic: str, otel: TelemetryCapture
) -> None:
    """send_and_wait yields one PRODUCER span that ended after the ack: it has the offset."""
    await _produce_raw(kafka_bootstrap, topic, 1)
    span = otel.span(f"send {topic}")
    assert span.kind == SpanKind.PRODUCER
    assert span.attributes["messaging.kafka.offset"] == 0  # type: ignore[index]
    assert span.attributes["messaging.destination.partition.id"] == "0"  # type: ignore[index]
    assert span.attributes["messaging.kafka.message.key"] == "k"  # type: ignore[index]
    assert otel.metrics.value("messaging.client.sent.messages") == 1


async def test_kafka_bus_with_the_instrumentor_yields_one_producer_span(
    instrumented: AIOKafkaInstrumentor, kafka_bootstrap: str, topic: str, otel: TelemetryCapture
) -> None:
    """KafkaBus marks its send context; the instrumentor adds no second span or count."""
    envelope = EventEnvelope[dict[str, str]](event_type="X", source_service="s", data={})
    async with KafkaBus(client_id="c", bootstrap_servers=kafka_bootstrap, **TANSU_OPTIONS) as bus:
        await bus.publish(topic, envelope)
    producer_spans = [s for s in otel.spans() if s.kind is SpanKind.PRODUCER]
    assert [f"send {topic}"] == [s.name for s in producer_spans]
    assert otel.metrics.value("messaging.client.sent.messages") == 1


async def test_async_for_body_runs_in_a_process_span_of_the_producers_trace(
    instrumented: AIOKafkaInstrumentor, kafka_bootstrap: str, topic: str, otel: TelemetryCapture
) -> None:
    """In ``async for msg in consumer`` the loop body sees a current process span whose trace is
    the producer's; each span ends when the next message is requested."""
    await _produce_raw(kafka_bootstrap, topic, 2)
    reader = consumer(kafka_bootstrap, topic, group="g1")
    await reader.start()
    seen: list[tuple[int, str]] = []
    async for _record in reader:
        current = trace.get_current_span()
        seen.append((current.get_span_context().trace_id, getattr(current, "name", "")))
        if len(seen) == 2:
            break
    assert len(otel.spans(f"process {topic}")) == 1  # the first ended at the second fetch
    await reader.stop()

    sends = otel.spans(f"send {topic}")
    processes = otel.spans(f"process {topic}")
    assert [(_trace_id(s), f"process {topic}") for s in sends] == seen
    assert [s.kind for s in processes] == [SpanKind.CONSUMER] * 2
    assert [s.context.span_id for s in sends] == [s.parent.span_id for s in processes]  # type: ignore[union-attr]
    assert (
        otel.metrics.value(
            "messaging.client.consumed.messages", **{"messaging.consumer.group.name": "g1"}
        )
        == 2
    )
    assert otel.metrics.count("messaging.process.duration") == 2


async def test_links_mode_keeps_the_consumers_trace_and_links_the_producer(
    kafka_bootstrap: str, topic: str, otel: TelemetryCapture
) -> None:
    """With consumer_span_links=True the process span is a new trace linked to the producer."""
    instrumentor = AIOKafkaInstrumentor()
    instrumentor.instrument(consumer_span_links=True)
    try:
        await _produce_raw(kafka_bootstrap, topic, 1)
        reader = consumer(kafka_bootstrap, topic)
        await reader.start()
        await reader.getone()
        await reader.stop()
    finally:
        instrumentor.uninstrument()
    send, process = otel.span(f"send {topic}"), otel.span(f"process {topic}")
    assert [send.context.span_id] == [link.context.span_id for link in process.links]
    assert _trace_id(send) != _trace_id(process)


async def test_getmany_gives_a_poll_span_linked_to_each_record_and_a_helper_per_record(
    instrumented: AIOKafkaInstrumentor, kafka_bootstrap: str, topic: str, otel: TelemetryCapture
) -> None:
    """getmany: one poll CLIENT span with a link per record; process_span continues each trace."""
    await _produce_raw(kafka_bootstrap, topic, 3)
    reader = consumer(kafka_bootstrap, topic, group="g2")
    await reader.start()
    records: list[Any] = []
    handled: list[int] = []
    while len(records) < 3:
        for batch in (await reader.getmany(timeout_ms=1000)).values():
            for record in batch:
                records.append(record)
                with process_span(record, consumer_group="g2"):
                    handled.append(trace.get_current_span().get_span_context().trace_id)
    await reader.stop()

    sends = otel.spans(f"send {topic}")
    polls = otel.spans(f"poll {topic}")
    assert [SpanKind.CLIENT] * len(polls) == [p.kind for p in polls]
    assert sorted(s.context.span_id for s in sends) == sorted(
        link.context.span_id for p in polls for link in p.links
    )
    assert sum(p.attributes["messaging.batch.message_count"] for p in polls) == 3  # type: ignore[index,misc]
    assert [_trace_id(s) for s in sends] == handled


async def test_consumer_lag_is_highwater_minus_next_offset_per_partition(
    instrumented: AIOKafkaInstrumentor, kafka_bootstrap: str, topic: str, otel: TelemetryCapture
) -> None:
    """After consuming 2 of 5 records (one key, so one partition) that partition's lag is 3."""
    await _produce_raw(kafka_bootstrap, topic, 5)
    reader = consumer(kafka_bootstrap, topic, group="g3")
    await reader.start()
    [partition] = (await reader.getmany(timeout_ms=2000, max_records=2)).keys()
    lag = otel.metrics.value(
        "messaging.kafka.consumer.lag",
        **{
            "messaging.destination.name": topic,
            "messaging.destination.partition.id": str(partition.partition),
            "messaging.consumer.group.name": "g3",
        },
    )
    await reader.stop()
    assert lag == 3


async def test_stop_ends_the_open_process_span(
    instrumented: AIOKafkaInstrumentor, kafka_bootstrap: str, topic: str, otel: TelemetryCapture
) -> None:
    """The last message's process span ends when the consumer stops."""
    await _produce_raw(kafka_bootstrap, topic, 1)
    reader = consumer(kafka_bootstrap, topic)
    await reader.start()
    await reader.getone()
    assert otel.spans(f"process {topic}") == []
    await reader.stop()
    assert len(otel.spans(f"process {topic}")) == 1
    assert trace.get_current_span() == trace.INVALID_SPAN


async def test_uninstrument_removes_every_span(
    kafka_bootstrap: str, topic: str, otel: TelemetryCapture
) -> None:
    """After uninstrument() raw aiokafka emits nothing."""
    instrumentor = AIOKafkaInstrumentor()
    instrumentor.instrument()
    instrumentor.uninstrument()
    await _produce_raw(kafka_bootstrap, topic, 1)
    reader = consumer(kafka_bootstrap, topic)
    await reader.start()
    await reader.getone()
    await reader.stop()
    assert otel.spans() == []


async def test_correlation_id_travels_from_the_envelope_to_the_handler(
    instrumented: AIOKafkaInstrumentor, kafka_bootstrap: str, topic: str, otel: TelemetryCapture
) -> None:
    """KafkaBus writes the envelope's correlation id to X-Correlation-ID; while the consumer's
    loop body runs it is bound and on the process span, and unbound after the consumer stops."""
    envelope = EventEnvelope[dict[str, str]](
        event_type="X", source_service="s", data={}, correlation_id="corr-1"
    )
    async with KafkaBus(client_id="c", bootstrap_servers=kafka_bootstrap, **TANSU_OPTIONS) as bus:
        await bus.publish(topic, envelope)
    reader = consumer(kafka_bootstrap, topic)
    await reader.start()
    record = await reader.getone()
    bound_in_body = get_correlation_id()
    await reader.stop()

    assert (("X-Correlation-ID", b"corr-1") in record.headers) is True
    assert bound_in_body == "corr-1"
    assert get_correlation_id() is None
    process = otel.span(f"process {topic}")
    assert process.attributes["huleedu.correlation_id"] == "corr-1"  # type: ignore[index]


async def test_raw_send_carries_the_bound_correlation_id(
    instrumented: AIOKafkaInstrumentor, kafka_bootstrap: str, topic: str
) -> None:
    """A raw producer used while a request's correlation id is bound sends it as a header."""
    token = bind_correlation_id("req-7")
    try:
        await _produce_raw(kafka_bootstrap, topic, 1)
    finally:
        reset_correlation_id(token)
    reader = consumer(kafka_bootstrap, topic)
    await reader.start()
    record = await reader.getone()
    await reader.stop()
    assert (("X-Correlation-ID", b"req-7") in record.headers) is True


async def test_a_send_that_fails_records_the_error_on_its_span(
    instrumented: AIOKafkaInstrumentor, kafka_bootstrap: str, topic: str, otel: TelemetryCapture
) -> None:
    """A record over max_request_size is refused by send(): the span and the count say so."""
    producer = AIOKafkaProducer(
        bootstrap_servers=kafka_bootstrap, max_request_size=1024, **TANSU_OPTIONS
    )
    await producer.start()
    try:
        with pytest.raises(MessageSizeTooLargeError):
            await producer.send_and_wait(topic, b"x" * 4096)
    finally:
        await producer.stop()
    error_type = "aiokafka.errors.MessageSizeTooLargeError"
    assert error_type == otel.span(f"send {topic}").attributes["error.type"]  # type: ignore[index]
    assert otel.metrics.value("messaging.client.sent.messages", **{"error.type": error_type}) == 1


async def test_suppressed_instrumentation_emits_nothing(
    instrumented: AIOKafkaInstrumentor, kafka_bootstrap: str, topic: str, otel: TelemetryCapture
) -> None:
    """Inside suppress_instrumentation() sends and receives run untraced and uncounted."""
    with suppress_instrumentation():
        await _produce_raw(kafka_bootstrap, topic, 1)
        reader = consumer(kafka_bootstrap, topic)
        await reader.start()
        await reader.getone()
        await reader.stop()
    assert (otel.spans(), otel.metrics.value("messaging.client.sent.messages")) == ([], 0)
