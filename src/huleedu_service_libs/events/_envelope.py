"""The envelope every HuleEdu event travels in.

The seed imported it from ``common_core``; this project ships its own so the library, the
consumers and the tests agree on one shape. The JSON form is the wire format: dumping and
loading gives back an equal envelope, and dumping that again gives the same bytes.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any, Generic, TypeVar

from pydantic import BaseModel, Field, field_validator

from huleedu_service_libs.correlation import get_correlation_id

__all__ = ["EventEnvelope", "T_EventPayload"]

T_EventPayload = TypeVar("T_EventPayload")


def _utc_now() -> datetime:
    return datetime.now(UTC)


class EventEnvelope(BaseModel, Generic[T_EventPayload]):
    """One event: who sent it, when, in which conversation, and its payload.

    ``correlation_id`` defaults to the correlation id bound for the current request or event,
    so an event published while handling a request carries that request's id. ``metadata``
    carries the W3C trace context (``traceparent``, ``tracestate``, ``baggage``), which
    ``KafkaBus.publish`` fills in.
    """

    event_id: uuid.UUID = Field(default_factory=uuid.uuid4)
    event_type: str
    event_timestamp: datetime = Field(default_factory=_utc_now)
    source_service: str
    correlation_id: str | None = Field(default_factory=get_correlation_id)
    data: T_EventPayload
    metadata: dict[str, str] = Field(default_factory=dict)

    @field_validator("event_timestamp")
    @classmethod
    def _in_utc(cls, value: datetime) -> datetime:
        """Naive times are taken as UTC; aware ones are converted, so the wire form is stable."""
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)

    @field_validator("correlation_id", mode="before")
    @classmethod
    def _uuid_as_text(cls, value: Any) -> Any:
        """Accept a UUID (as ``common_core`` used) but keep text, so the round trip is lossless."""
        return str(value) if isinstance(value, uuid.UUID) else value
