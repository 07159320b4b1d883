"""One trace from the request to the consumer: the relay's send continues the trace of the
transaction that wrote the row (parent, plus a link), and the consumer's process span
continues the send's."""

from __future__ import annotations

import pytest
from opentelemetry import trace
from opentelemetry.trace import SpanKind
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker

from huleedu_otel.testing import TelemetryCapture
from huleedu_service_libs import KafkaBus
from huleedu_service_libs.kafka_consumer import process_span
from huleedu_service_libs.outbox import (
    EventRelayWorker,
    OutboxManager,
    OutboxSettings,
    PostgreSQLOutboxRepository,
)
from tests.outbox._helpers import TopicReader, envelope

pytestmark = [pytest.mark.postgres, pytest.mark.kafka]


async def test_request_transaction_send_and_consumer_share_one_trace(
    engine: AsyncEngine,
    repository: PostgreSQLOutboxRepository,
    bus: KafkaBus,
    topic: str,
    kafka_bootstrap: str,
    otel: TelemetryCapture,
) -> None:
    manager = OutboxManager(repository)
    tracer = trace.get_tracer("test")
    with tracer.start_as_current_span("POST /essays", kind=SpanKind.SERVER) as request:
        async with async_sessionmaker(engine)() as session, session.begin():
            await manager.publish_to_outbox(
                "essay", "e-1", "EssaySubmitted", envelope(), topic, "e-1", session=session
            )
    request_context = request.get_span_context()
    await EventRelayWorker(repository, bus, OutboxSettings(), "test-service").relay_once()
    async with TopicReader(kafka_bootstrap, topic) as reader:
        record = (await reader.read(1))[0]
    with process_span(record, consumer_group="essay-consumers"):
        pass

    send = otel.span(f"send {topic}")
    assert send.kind is SpanKind.PRODUCER
    assert send.context.trace_id == request_context.trace_id
    assert send.parent is not None
    assert send.parent.span_id == request_context.span_id
    assert [link.context.span_id for link in send.links] == [request_context.span_id]
    assert send.attributes is not None
    assert send.attributes["huleedu.outbox.attempt"] == 1
    process = otel.span(f"process {topic}")
    assert process.context.trace_id == request_context.trace_id
    assert process.parent is not None
    assert process.parent.span_id == send.context.span_id


async def test_a_retried_send_says_which_attempt_it_is(
    repository: PostgreSQLOutboxRepository,
    bus: KafkaBus,
    topic: str,
    otel: TelemetryCapture,
) -> None:
    manager = OutboxManager(repository)
    row_id = await manager.publish_to_outbox("essay", "e-1", "EssaySubmitted", envelope(), topic)
    await repository.increment_retry_count(row_id, "KafkaPublishError: timed out")
    await EventRelayWorker(repository, bus, OutboxSettings(), "test-service").relay_once()
    send = otel.span(f"send {topic}")
    assert send.attributes is not None
    assert send.attributes["huleedu.outbox.attempt"] == 2
    assert send.links == ()  # written outside any span: a trace of its own, nothing to link
