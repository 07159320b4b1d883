"""Real aiokafka ``ConsumerRecord`` values built in memory, for handler-level tests."""

from __future__ import annotations

from typing import Any

from aiokafka.structs import ConsumerRecord

from huleedu_service_libs import EventEnvelope


def envelope_record(
    envelope: EventEnvelope[Any] | None = None,
    *,
    offset: int = 0,
    headers: tuple[tuple[str, bytes], ...] = (),
) -> Any:
    envelope = envelope or EventEnvelope(event_type="ESSAY_SUBMITTED", source_service="s", data={})
    value = envelope.model_dump_json().encode()
    return ConsumerRecord(
        topic="essays", partition=0, offset=offset, timestamp=0, timestamp_type=0, key=None,
        value=value, checksum=None, serialized_key_size=-1, serialized_value_size=len(value),
        headers=headers,
    )  # fmt: skip
