"""The ``event_outbox`` table: one row per event a transaction promised to publish.

``EventOutbox`` maps it on the declarative :data:`Base`, so a service's ORM code can query it.
:func:`outbox_table` builds the same definition into any ``MetaData`` under any name, so a
service's own Alembic migrations can own it (``outbox_table(Base.metadata)``), and
:func:`create_outbox_table` creates it where no migrations run (the demo, tests).

Two partial indexes keep the relay's queries index scans however many published rows pile up:
the next pending rows in write order, and the oldest pending row of one key.
"""

from __future__ import annotations

import datetime
import uuid
from typing import Any

from sqlalchemy import (
    JSON,
    Column,
    DateTime,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    Uuid,
    and_,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.orm import DeclarativeBase, Mapped

__all__ = [
    "DEFAULT_OUTBOX_TABLE_NAME",
    "Base",
    "EventOutbox",
    "create_outbox_table",
    "outbox_table",
]

DEFAULT_OUTBOX_TABLE_NAME = "event_outbox"
_JSON = JSON().with_variant(JSONB(), "postgresql")


def _utc_now() -> datetime.datetime:
    return datetime.datetime.now(datetime.UTC)


def outbox_table(
    metadata: MetaData | None = None,
    name: str = DEFAULT_OUTBOX_TABLE_NAME,
    schema: str | None = None,
) -> Table:
    """The outbox table's definition, with its indexes, in ``metadata`` (a fresh one by default)."""
    table = Table(
        name,
        metadata if metadata is not None else MetaData(),
        Column("id", Uuid, primary_key=True, default=uuid.uuid4),
        Column("aggregate_id", String(255), nullable=False),
        Column("aggregate_type", String(100), nullable=False),
        Column("event_type", String(255), nullable=False),
        Column("event_data", _JSON, nullable=False),  # the whole EventEnvelope, as JSON
        Column("event_key", String(255), nullable=True),
        Column("topic", String(255), nullable=False),
        Column("headers", _JSON, nullable=True),  # extra record headers, name -> text
        Column("created_at", DateTime(timezone=True), nullable=False, default=_utc_now),
        Column("published_at", DateTime(timezone=True), nullable=True),
        Column("failed_at", DateTime(timezone=True), nullable=True),
        Column("next_attempt_at", DateTime(timezone=True), nullable=True),
        Column("retry_count", Integer, nullable=False, default=0, server_default="0"),
        Column("last_error", Text, nullable=True),
        # W3C trace context of the transaction that wrote the row: the relay's send continues it
        Column("traceparent", String(55), nullable=True),
        Column("tracestate", String(512), nullable=True),
        schema=schema,
    )
    pending = and_(table.c.published_at.is_(None), table.c.failed_at.is_(None))
    where: dict[str, Any] = {"postgresql_where": pending, "sqlite_where": pending}
    Index(f"ix_{name}_pending", table.c.created_at, **where)
    Index(f"ix_{name}_pending_key", table.c.event_key, table.c.created_at, **where)
    return table


class Base(DeclarativeBase):
    """The declarative base ``EventOutbox`` is mapped on (its ``metadata`` holds the table)."""


class EventOutbox(Base):
    """One outbox row (see :func:`outbox_table` for the columns and why each is there)."""

    __table__ = outbox_table(Base.metadata)

    id: Mapped[uuid.UUID]
    aggregate_id: Mapped[str]
    aggregate_type: Mapped[str]
    event_type: Mapped[str]
    event_data: Mapped[dict[str, Any]]
    event_key: Mapped[str | None]
    topic: Mapped[str]
    headers: Mapped[dict[str, str] | None]
    created_at: Mapped[datetime.datetime]
    published_at: Mapped[datetime.datetime | None]
    failed_at: Mapped[datetime.datetime | None]
    next_attempt_at: Mapped[datetime.datetime | None]
    retry_count: Mapped[int]
    last_error: Mapped[str | None]
    traceparent: Mapped[str | None]
    tracestate: Mapped[str | None]


#: The table ``PostgreSQLOutboxRepository`` uses unless it is given another.
DEFAULT_TABLE: Table = EventOutbox.__table__


async def create_outbox_table(engine: AsyncEngine, table: Table = DEFAULT_TABLE) -> None:
    """Create ``table`` and its indexes unless they exist (safe to call at every start)."""
    async with engine.begin() as connection:
        await connection.run_sync(table.create, checkfirst=True)
