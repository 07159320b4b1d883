"""The relay's claim: due rows locked in one transaction, cut so that each key stays in order.

``FOR UPDATE SKIP LOCKED`` keeps two relays from ever holding one row. Order per key needs one
more rule: a row is published only when every earlier pending row of its key is in the same
batch. The check reads the oldest pending row per key without locks, so it also sees rows
another relay holds, and rows waiting out a retry backoff: a key with such a row waits.
"""

from __future__ import annotations

import datetime
import uuid
from collections import Counter
from collections.abc import AsyncIterator, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from huleedu_service_libs.outbox._record import OutboxRecord, as_utc
from huleedu_service_libs.outbox._statements import OutboxStatements
from huleedu_service_libs.outbox.monitoring import OutboxMetrics, OutboxOutcome

__all__ = ["ClaimedBatch", "claim"]


def _utc_now() -> datetime.datetime:
    return datetime.datetime.now(datetime.UTC)


class ClaimedBatch:
    """The claimed rows and the writes that settle them, all in the claiming transaction."""

    __slots__ = ("_metrics", "_session", "_sql", "_topic_of", "events")

    def __init__(
        self,
        session: AsyncSession,
        sql: OutboxStatements,
        events: list[OutboxRecord],
        metrics: OutboxMetrics | None,
    ) -> None:
        self._session, self._sql, self._metrics = session, sql, metrics
        self.events: Sequence[OutboxRecord] = events
        self._topic_of = {event.id: event.topic for event in events}

    async def mark_published(self, event_ids: Sequence[uuid.UUID]) -> None:
        if not event_ids:
            return
        await self._session.execute(self._sql.published(event_ids, _utc_now()))
        if self._metrics is not None:
            topics = Counter(self._topic_of[i] for i in event_ids if i in self._topic_of)
            for topic, count in topics.items():
                self._metrics.count(OutboxOutcome.PUBLISHED, topic, count)

    async def mark_retry(
        self, event_id: uuid.UUID, error: str, next_attempt_at: datetime.datetime
    ) -> None:
        await self._session.execute(self._sql.retried(event_id, error, next_attempt_at))
        self._count(OutboxOutcome.RETRIED, event_id)

    async def mark_failed(self, event_id: uuid.UUID, error: str) -> None:
        await self._session.execute(self._sql.failed(event_id, error, _utc_now()))
        self._count(OutboxOutcome.FAILED, event_id)

    def _count(self, outcome: OutboxOutcome, event_id: uuid.UUID) -> None:
        if self._metrics is not None and event_id in self._topic_of:
            self._metrics.count(outcome, self._topic_of[event_id])


def claim(
    transaction: AbstractAsyncContextManager[AsyncSession],
    sql: OutboxStatements,
    limit: int,
    metrics: OutboxMetrics | None,
) -> AbstractAsyncContextManager[ClaimedBatch]:
    @asynccontextmanager
    async def claimed() -> AsyncIterator[ClaimedBatch]:
        async with transaction as session:
            rows = (await session.execute(sql.due(limit, _utc_now()))).mappings().all()
            events = [OutboxRecord.from_row(row) for row in rows]
            events = await _in_key_order(session, sql, events)
            yield ClaimedBatch(session, sql, events, metrics)

    return claimed()


async def _in_key_order(
    session: AsyncSession, sql: OutboxStatements, events: list[OutboxRecord]
) -> list[OutboxRecord]:
    """Drop the rows of every key whose oldest pending row is not in ``events``."""
    first_mine: dict[str, datetime.datetime] = {}
    for event in events:
        if event.event_key is not None:
            first_mine.setdefault(event.event_key, event.created_at)
    if not first_mine:
        return events
    result: Any = await session.execute(sql.oldest_pending_per_key(list(first_mine)))
    oldest = {key: as_utc(created) for key, created in result.all()}
    blocked = {key for key, mine in first_mine.items() if oldest.get(key, mine) < mine}
    return [event for event in events if event.event_key not in blocked]
