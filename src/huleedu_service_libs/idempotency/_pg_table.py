"""The PostgreSQL table that records which events a handler's transaction already applied.

One row per ``(namespace, event_id)``; the primary key is what makes a second apply impossible.
Services create it once (no migrations framework needed) or add the same ``Table`` to their own
``MetaData`` so their migrations own it.
"""

from __future__ import annotations

import datetime

from sqlalchemy import Column, DateTime, MetaData, Table, Text, delete, func
from sqlalchemy.ext.asyncio import AsyncEngine

__all__ = [
    "DEFAULT_IDEMPOTENCY_TABLE_NAME",
    "create_idempotency_table",
    "idempotency_table",
    "purge_idempotency_records",
]

DEFAULT_IDEMPOTENCY_TABLE_NAME = "huleedu_idempotency"


def idempotency_table(
    metadata: MetaData | None = None, name: str = DEFAULT_IDEMPOTENCY_TABLE_NAME
) -> Table:
    """The dedupe table's definition, in ``metadata`` (a fresh one by default)."""
    return Table(
        name,
        metadata if metadata is not None else MetaData(),
        Column("namespace", Text, primary_key=True),
        Column("event_id", Text, primary_key=True),
        Column("processed_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    )


#: The table the transactional consumers use unless they are given another.
DEFAULT_TABLE = idempotency_table()


async def create_idempotency_table(engine: AsyncEngine, table: Table = DEFAULT_TABLE) -> None:
    """Create ``table`` unless it exists (safe to call at every start)."""
    async with engine.begin() as connection:
        await connection.run_sync(table.create, checkfirst=True)


async def purge_idempotency_records(
    engine: AsyncEngine, older_than: datetime.timedelta, table: Table = DEFAULT_TABLE
) -> int:
    """Delete records older than ``older_than``; returns how many went.

    Only purge what can no longer be redelivered (older than the topic's retention): a purged
    event that comes back is applied again.
    """
    cutoff = datetime.datetime.now(datetime.UTC) - older_than
    async with engine.begin() as connection:
        result = await connection.execute(delete(table).where(table.c.processed_at < cutoff))
    return result.rowcount
