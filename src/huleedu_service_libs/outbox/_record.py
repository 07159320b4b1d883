"""``OutboxRecord``: an outbox row read with Core, as an immutable ``OutboxEvent``."""

from __future__ import annotations

import datetime
import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import RowMapping

__all__ = ["OutboxRecord", "as_utc"]


def as_utc(value: datetime.datetime) -> datetime.datetime:
    """SQLite hands back naive times; every time the outbox writes is UTC."""
    return value if value.tzinfo is not None else value.replace(tzinfo=datetime.UTC)


def _optional_utc(value: datetime.datetime | None) -> datetime.datetime | None:
    return as_utc(value) if value is not None else None


@dataclass(frozen=True, slots=True)
class OutboxRecord:
    id: uuid.UUID
    aggregate_id: str
    aggregate_type: str
    event_type: str
    event_data: dict[str, Any]
    event_key: str | None
    topic: str
    headers: dict[str, str] | None
    created_at: datetime.datetime
    published_at: datetime.datetime | None
    failed_at: datetime.datetime | None
    retry_count: int
    last_error: str | None
    traceparent: str | None
    tracestate: str | None

    @classmethod
    def from_row(cls, row: RowMapping) -> OutboxRecord:
        fields = {name: row[name] for name in cls.__dataclass_fields__}
        fields["created_at"] = as_utc(row["created_at"])
        fields["published_at"] = _optional_utc(row["published_at"])
        fields["failed_at"] = _optional_utc(row["failed_at"])
        return cls(**fields)
