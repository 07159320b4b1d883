"""``PostgreSQLOutboxRepository``: the outbox table over a SQLAlchemy async engine.

PostgreSQL is the target (row locks with ``SKIP LOCKED``, ``NOTIFY`` wake-ups); SQLite works
too, for demos and single-process services, where there is one writer and no lock to skip.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Mapping, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Any

from sqlalchemy import Table, insert
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from huleedu_service_libs.outbox._claim import ClaimedBatch, claim
from huleedu_service_libs.outbox._clock import write_time
from huleedu_service_libs.outbox._record import OutboxRecord, as_utc
from huleedu_service_libs.outbox._statements import OutboxStatements
from huleedu_service_libs.outbox._trace import capture_trace_context
from huleedu_service_libs.outbox.models import DEFAULT_TABLE
from huleedu_service_libs.outbox.monitoring import OutboxMetrics, OutboxOutcome

__all__ = ["PostgreSQLOutboxRepository"]


class PostgreSQLOutboxRepository:
    """Implements ``OutboxRepositoryProtocol`` and the relay's ``RelayRepositoryProtocol``.

    ``table`` is the outbox table (``event_outbox`` by default; see ``outbox_table``).
    """

    def __init__(
        self,
        engine: AsyncEngine,
        service_name: str = "unknown",
        enable_metrics: bool = True,
        *,
        table: Table = DEFAULT_TABLE,
    ) -> None:
        self.engine = engine
        self.service_name = service_name
        self.table = table
        self.metrics = OutboxMetrics(service_name) if enable_metrics else None
        self._sql = OutboxStatements(table)
        self._sessions = async_sessionmaker(engine, expire_on_commit=False)

    @property
    def dialect_name(self) -> str:
        return self.engine.dialect.name

    @property
    def wake_channel(self) -> str:
        """The ``NOTIFY`` channel of this table (PostgreSQL names stop at 63 bytes)."""
        return f"huleedu_outbox_{self.table.fullname}"[:63]

    @asynccontextmanager
    async def _transaction(self) -> AsyncIterator[AsyncSession]:
        async with self._sessions() as session, session.begin():
            yield session

    def transaction(self) -> AbstractAsyncContextManager[AsyncSession]:
        return self._transaction()

    async def add_event(
        self,
        aggregate_id: str,
        aggregate_type: str,
        event_type: str,
        event_data: dict[str, Any],
        topic: str,
        event_key: str | None = None,
        session: AsyncSession | None = None,
        *,
        headers: Mapping[str, str] | None = None,
    ) -> uuid.UUID:
        traceparent, tracestate = capture_trace_context()
        event_id = uuid.uuid4()
        row = {
            "id": event_id,
            "aggregate_id": aggregate_id,
            "aggregate_type": aggregate_type,
            "event_type": event_type,
            "event_data": event_data,
            "event_key": event_key,
            "topic": topic,
            "headers": dict(headers) if headers else None,
            "created_at": write_time(),
            "traceparent": traceparent,
            "tracestate": tracestate,
        }
        if session is not None:
            await session.execute(insert(self.table).values(row))
            return event_id
        async with self._transaction() as own:
            await own.execute(insert(self.table).values(row))
        return event_id

    async def get_unpublished_events(self, limit: int = 100) -> Sequence[OutboxRecord]:
        async with self._sessions() as session:
            rows = (await session.execute(self._sql.unpublished(limit))).mappings().all()
        return [OutboxRecord.from_row(row) for row in rows]

    async def get_event_by_id(self, event_id: uuid.UUID) -> OutboxRecord | None:
        async with self._sessions() as session:
            row = (await session.execute(self._sql.by_id(event_id))).mappings().first()
        return OutboxRecord.from_row(row) if row is not None else None

    async def mark_event_published(self, event_id: uuid.UUID) -> None:
        async with self.claim_one(event_id) as batch:
            await batch.mark_published([event_id])

    async def mark_event_failed(self, event_id: uuid.UUID, error: str) -> None:
        async with self.claim_one(event_id) as batch:
            await batch.mark_failed(event_id, error)

    async def increment_retry_count(self, event_id: uuid.UUID, error: str) -> None:
        async with self._transaction() as session:
            row = (await session.execute(self._sql.by_id(event_id))).mappings().first()
            await session.execute(self._sql.retried(event_id, error, None))
        if self.metrics is not None and row is not None:
            self.metrics.count(OutboxOutcome.RETRIED, row["topic"])

    @asynccontextmanager
    async def claim_one(self, event_id: uuid.UUID) -> AsyncIterator[ClaimedBatch]:
        """One row, by id, settled in a transaction of its own (the single-row methods)."""
        async with self._transaction() as session:
            row = (await session.execute(self._sql.by_id(event_id))).mappings().first()
            events = [OutboxRecord.from_row(row)] if row is not None else []
            yield ClaimedBatch(session, self._sql, events, self.metrics)

    def claim_batch(self, limit: int) -> AbstractAsyncContextManager[ClaimedBatch]:
        return claim(self._transaction(), self._sql, limit, self.metrics)

    async def backlog(self) -> dict[str, tuple[int, Any]]:
        async with self._sessions() as session:
            result: Any = await session.execute(self._sql.backlog())
            return {topic: (count, as_utc(oldest)) for topic, count, oldest in result.all()}
