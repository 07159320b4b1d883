"""KafkaBus against a real Kafka-protocol broker (tansu)."""

from __future__ import annotations

from typing import Any

import pytest
from opentelemetry.trace import SpanKind

from huleedu_otel.testing import TelemetryCapture
from huleedu_service_libs import (
    EventEnvelope,
    EventSerializationError,
    KafkaBus,
    KafkaNotStartedError,
    KafkaPublishError,
    KafkaUnavailableError,
)
from huleedu_service_libs.protocols import KafkaPublisherProtocol
from tests import _services
from tests.messaging._kafka import TANSU_OPTIONS, consume

pytestmark = pytest.mark.kafka


def _envelope(**data: Any) -> EventEnvelope[dict[str, Any]]:
    return EventEnvelope(event_type="CONTENT_CREATED", source_service="content_service", data=data)


def _bus(bootstrap: str, **options: Any) -> KafkaBus:
    return KafkaBus(
        client_id="test-producer", bootstrap_servers=bootstrap, **TANSU_OPTIONS, **options
    )


async def test_publish_before_start_raises_not_started() -> None:
    """Publishing on a bus that was never started is a typed error, not an AttributeError."""
    bus = KafkaBus(client_id="never-started", bootstrap_servers="127.0.0.1:1")
    with pytest.raises(KafkaNotStartedError):
        await bus.publish("topic", _envelope())


async def test_round_trip_carries_envelope_headers_and_metadata(
    kafka_bootstrap: str, topic: str, otel: TelemetryCapture
) -> None:
    """The consumer gets the envelope back, with the send span's trace context in the record
    headers and in envelope.metadata; the send span has the acknowledged partition and offset."""
    envelope = _envelope(essay_id="e1")
    async with _bus(kafka_bootstrap) as bus:
        await bus.publish(topic, envelope, key="essay-1")

    [record] = await consume(kafka_bootstrap, topic, 1)
    received = EventEnvelope[dict[str, Any]].model_validate_json(record.value)
    span = otel.span(f"send {topic}")
    ids = span.context
    traceparent = f"00-{ids.trace_id:032x}-{ids.span_id:016x}-{int(ids.trace_flags):02x}"
    assert envelope.model_copy(update={"metadata": {"traceparent": traceparent}}) == received
    assert (("traceparent", traceparent.encode()) in record.headers) is True
    assert record.key == b"essay-1"
    assert span.kind == SpanKind.PRODUCER
    assert {
        "messaging.system": "kafka",
        "messaging.operation.type": "send",
        "messaging.destination.name": topic,
        "messaging.destination.partition.id": str(record.partition),
        "messaging.kafka.offset": record.offset,
        "messaging.kafka.message.key": "essay-1",
        "messaging.message.id": str(envelope.event_id),
    }.items() <= dict(span.attributes or {}).items()


async def test_publish_leaves_the_callers_envelope_unchanged(
    kafka_bootstrap: str, topic: str, otel: TelemetryCapture
) -> None:
    """The trace context goes into a copy: the caller's envelope can be published again as is."""
    envelope = _envelope()
    async with _bus(kafka_bootstrap) as bus:
        await bus.publish(topic, envelope)
    assert envelope.metadata == {}


async def test_publish_counts_sent_messages_and_send_duration(
    kafka_bootstrap: str, topic: str, otel: TelemetryCapture
) -> None:
    """Each acknowledged publish adds one sent message and one send duration for its topic."""
    async with _bus(kafka_bootstrap) as bus:
        for _ in range(3):
            await bus.publish(topic, _envelope())
    destination = {"messaging.destination.name": topic}
    assert otel.metrics.value("messaging.client.sent.messages", **destination) == 3
    assert (
        otel.metrics.count(
            "messaging.client.operation.duration",
            **destination,
            **{"messaging.operation.name": "send"},
        )
        == 3
    )


async def test_start_and_stop_are_idempotent(kafka_bootstrap: str, topic: str) -> None:
    """start() twice keeps one producer; stop() twice is harmless; publish after stop refuses."""
    bus: KafkaPublisherProtocol = _bus(kafka_bootstrap)
    await bus.start()
    await bus.start()
    await bus.publish(topic, _envelope())
    await bus.stop()
    await bus.stop()
    with pytest.raises(KafkaNotStartedError):
        await bus.publish(topic, _envelope())


async def test_unserializable_envelope_raises_serialization_error(
    kafka_bootstrap: str, topic: str, otel: TelemetryCapture
) -> None:
    """A payload pydantic cannot dump is a typed error; the failed send is recorded as such."""
    envelope = EventEnvelope[Any](event_type="X", source_service="s", data=object())
    async with _bus(kafka_bootstrap) as bus:
        with pytest.raises(EventSerializationError):
            await bus.publish(topic, envelope)
    error_type = "huleedu_service_libs.errors.EventSerializationError"
    assert error_type == otel.span(f"send {topic}").attributes["error.type"]  # type: ignore[index]
    assert otel.metrics.value("messaging.client.sent.messages", **{"error.type": error_type}) == 1


async def test_start_without_a_reachable_broker_raises_unavailable(unused_port: int) -> None:
    """Nothing listens on the port: start() raises KafkaUnavailableError instead of hanging."""
    bus = _bus(f"127.0.0.1:{unused_port}")
    with pytest.raises(KafkaUnavailableError):
        await bus.start()


async def test_broker_down_after_start_raises_publish_error_within_the_timeout(topic: str) -> None:
    """The broker dies after start(): publish raises KafkaPublishError once the delivery timeout
    (request_timeout_ms) has passed, instead of waiting forever."""
    broker = _services.tansu().start()
    bus = _bus(f"127.0.0.1:{broker.port}", request_timeout_ms=1500)
    try:
        await bus.start()
        await bus.publish(topic, _envelope())
        broker.stop()
        with pytest.raises(KafkaPublishError):
            await bus.publish(topic, _envelope())
    finally:
        broker.stop()
        await bus.stop()


async def test_a_failing_propagator_never_breaks_the_publish(
    kafka_bootstrap: str, topic: str, otel: TelemetryCapture, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Telemetry never breaks business code: injection raises, the message is still delivered."""

    def broken_inject(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("broken propagator")

    monkeypatch.setattr("opentelemetry.propagate.inject", broken_inject)
    async with _bus(kafka_bootstrap) as bus:
        await bus.publish(topic, _envelope())
    [record] = await consume(kafka_bootstrap, topic, 1)
    assert [name for name, _ in record.headers if name == "traceparent"] == []
    assert otel.metrics.value("messaging.client.sent.messages") == 1
