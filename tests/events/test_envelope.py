"""EventEnvelope: generated fields, UTC timestamps, and a lossless, stable JSON round trip."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta, timezone
from typing import Any

from pydantic import BaseModel

from huleedu_service_libs import EventEnvelope
from huleedu_service_libs.correlation import bind_correlation_id, reset_correlation_id


class ContentCreated(BaseModel):
    content_id: str
    words: int


def test_json_round_trip_is_lossless_and_stable() -> None:
    """Dump, load: an equal envelope; dump again: the same bytes."""
    envelope = EventEnvelope[ContentCreated](
        event_type="CONTENT_CREATED",
        source_service="content_service",
        correlation_id=uuid.UUID("550e8400-e29b-41d4-a716-446655440000"),  # type: ignore[arg-type]
        data=ContentCreated(content_id="c1", words=42),
        metadata={"traceparent": "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"},
    )
    wire = envelope.model_dump_json()
    loaded = EventEnvelope[ContentCreated].model_validate_json(wire)
    assert envelope == loaded
    assert wire == loaded.model_dump_json()


def test_ids_and_timestamp_are_generated_per_envelope() -> None:
    """Each envelope gets its own UUID event id and an aware UTC timestamp."""
    first = EventEnvelope[dict[str, Any]](event_type="X", source_service="s", data={})
    second = EventEnvelope[dict[str, Any]](event_type="X", source_service="s", data={})
    assert first.event_id != second.event_id
    assert timedelta(0) == first.event_timestamp.utcoffset()


def test_timestamps_are_normalized_to_utc() -> None:
    """A naive time is taken as UTC; an aware one is converted to UTC."""
    plus_two = timezone(timedelta(hours=2))
    aware = EventEnvelope[int](
        event_type="X", source_service="s", data=1,
        event_timestamp=datetime(2026, 1, 1, 12, 0, tzinfo=plus_two),
    )  # fmt: skip
    naive = EventEnvelope[int](
        event_type="X", source_service="s", data=1, event_timestamp=datetime(2026, 1, 1, 10, 0)
    )
    assert aware.event_timestamp == naive.event_timestamp
    assert '"event_timestamp":"2026-01-01T10:00:00Z"' in naive.model_dump_json()


def test_correlation_id_defaults_to_the_bound_one() -> None:
    """An event made while handling a request carries that request's correlation id."""
    token = bind_correlation_id("req-123")
    try:
        envelope = EventEnvelope[int](event_type="X", source_service="s", data=1)
    finally:
        reset_correlation_id(token)
    assert envelope.correlation_id == "req-123"
    assert EventEnvelope[int](event_type="X", source_service="s", data=1).correlation_id is None
