"""The repository's service-facing methods, one row at a time (the seed-era protocol)."""

from __future__ import annotations

import pytest

from huleedu_otel.testing import TelemetryCapture
from huleedu_service_libs.outbox import OutboxRepositoryProtocol, PostgreSQLOutboxRepository

pytestmark = pytest.mark.postgres


async def test_single_row_methods_settle_and_count_one_row(
    repository: PostgreSQLOutboxRepository, otel: TelemetryCapture
) -> None:
    port: OutboxRepositoryProtocol = repository
    data = {"event_id": "not-used-here"}
    first = await port.add_event("essay", "e-1", "EssaySubmitted", data, "essays", "e-1")
    second = await port.add_event("essay", "e-2", "EssaySubmitted", data, "essays")
    pending = await port.get_unpublished_events(limit=10)
    assert [row.id for row in pending] == [first, second]  # write order

    await port.increment_retry_count(first, "KafkaPublishError: timed out")
    await port.mark_event_published(first)
    await port.mark_event_failed(second, "ValidationError: not an envelope")

    published, failed = await port.get_event_by_id(first), await port.get_event_by_id(second)
    assert published is not None
    assert failed is not None
    assert (published.retry_count, published.last_error) == (1, "KafkaPublishError: timed out")
    assert published.published_at is not None
    assert failed.failed_at is not None
    assert failed.published_at is None
    assert await port.get_unpublished_events() == []
    assert await port.get_event_by_id(first.__class__(int=0)) is None
    counted = {
        outcome: otel.metrics.value("huleedu.outbox.events", outcome=outcome)
        for outcome in ("published", "retried", "failed")
    }
    assert counted == {"published": 1, "retried": 1, "failed": 1}


async def test_a_row_stores_the_trace_context_of_the_span_that_wrote_it(
    repository: PostgreSQLOutboxRepository, otel: TelemetryCapture
) -> None:
    from opentelemetry import trace

    with trace.get_tracer("test").start_as_current_span("writer") as span:
        row_id = await repository.add_event("essay", "e-1", "E", {}, "essays")
    row = await repository.get_event_by_id(row_id)
    assert row is not None
    assert row.traceparent is not None
    written = span.get_span_context()
    assert row.traceparent.startswith(f"00-{written.trace_id:032x}-{written.span_id:016x}-")
