"""``ResilientKafkaPublisher`` against a test-owned tansu that is killed and restarted.

What must hold: while the broker is gone, publishes return (they are queued, not failed), the
breaker opens, and the queue is bounded with every drop counted; once the broker is back the
queue is sent in publish order and empties.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator

import pytest

from huleedu_otel.testing import TelemetryCapture
from huleedu_service_libs import CircuitBreaker, EventEnvelope, KafkaBus
from huleedu_service_libs.kafka import FallbackMessageHandler, ResilientKafkaPublisher
from huleedu_service_libs.kafka.resilient_kafka_bus import (
    ResilientKafkaPublisher as FromModule,
)
from huleedu_service_libs.resilience import CircuitBreakerState
from tests import _services
from tests.outbox._helpers import TopicReader, eventually

pytestmark = pytest.mark.kafka


@pytest.fixture
def broker() -> Iterator[_services.ServerProcess]:
    process = _services.tansu().start()
    yield process
    process.stop()


def _publisher(
    port: int, max_queue_size: int = 100, max_retries: int = 1000
) -> ResilientKafkaPublisher:
    bus = KafkaBus(
        client_id="resilient",
        bootstrap_servers=f"127.0.0.1:{port}",
        enable_idempotence=False,
        request_timeout_ms=300,
    )
    return ResilientKafkaPublisher(
        bus,
        circuit_breaker=CircuitBreaker(failure_threshold=2, recovery_timeout=0.3, name="kafka"),
        fallback_handler=FallbackMessageHandler(
            max_queue_size=max_queue_size, retry_interval=0.1, max_retries=max_retries
        ),
        retry_interval=0.1,
    )


def _envelope(n: int) -> EventEnvelope[dict[str, int]]:
    return EventEnvelope(event_type="E", source_service="s", data={"n": n})


def test_the_seed_import_path_names_the_same_class() -> None:
    assert FromModule is ResilientKafkaPublisher


async def test_messages_queued_during_an_outage_are_sent_in_order_after_it(
    broker: _services.ServerProcess,
) -> None:
    topic = f"resilient-{uuid.uuid4().hex[:12]}"
    publisher = _publisher(broker.port)
    await publisher.start()
    try:
        # a warm-up on another topic: tansu keeps topics in memory, and one created before the
        # restart would be gone after it (a durable broker keeps it)
        await publisher.publish(f"{topic}-warm-up", _envelope(0))
        broker.stop()
        for n in range(1, 6):
            await publisher.publish(topic, _envelope(n), key="k")  # returns: queued
        assert publisher.get_fallback_queue_size() == 5

        async def breaker_open() -> bool:  # the retries of the queue's head open it
            return publisher.circuit_breaker.state is CircuitBreakerState.OPEN

        await eventually(breaker_open, what="breaker open")
        assert publisher.get_circuit_breaker_state()["state"] == "open"
        broker.start()

        async def queue_sent() -> bool:
            return publisher.get_fallback_queue_size() == 0

        await eventually(queue_sent, within=30.0, what="fallback queue sent")
    finally:
        await publisher.stop()
    assert publisher.fallback_handler.dropped == 0
    async with TopicReader(f"127.0.0.1:{broker.port}", topic) as reader:
        await reader.read(5)
    assert [json.loads(r.value)["data"]["n"] for r in reader.records] == [1, 2, 3, 4, 5]


async def test_a_full_queue_drops_and_counts_instead_of_growing(
    broker: _services.ServerProcess, otel: TelemetryCapture
) -> None:
    publisher = _publisher(broker.port, max_queue_size=2)
    await publisher.start()
    try:
        broker.stop()
        for n in range(5):
            await publisher.publish("resilient-full", _envelope(n))
        assert publisher.get_fallback_queue_size() == 2
        assert publisher.fallback_handler.dropped == 3
        dropped = otel.metrics.value("huleedu.kafka.fallback.dropped", reason="queue_full")
        assert dropped == 3
    finally:
        await publisher.stop()
    assert publisher.fallback_handler.dropped == 5  # the two left at stop are dropped too


async def test_a_message_that_keeps_failing_is_dropped_after_max_retries(
    broker: _services.ServerProcess, otel: TelemetryCapture
) -> None:
    publisher = _publisher(broker.port, max_retries=2)
    await publisher.start()
    try:
        broker.stop()
        await publisher.publish("resilient-retries", _envelope(1))

        async def dropped() -> bool:
            return publisher.fallback_handler.dropped == 1

        await eventually(dropped, what="message dropped after its retries")
    finally:
        await publisher.stop()
    assert otel.metrics.value("huleedu.kafka.fallback.dropped", reason="max_retries") == 1
