"""The relay's claim: due rows locked in one transaction, cut so that each key stays in order.

``FOR UPDATE SKIP LOCKED`` keeps two relays from ever holding one row. Order per key needs one
more rule: a row is published only when every earlier pending row of its key is in the same
batch. The check reads the key's pending rows without locks, so it also sees rows another
relay holds, and rows waiting out a retry backoff: a key with such a row waits behind it.
"""

from __future__ import annotations

import datetime
import uuid
from collections import Counter
from collections.abc import AsyncIterator, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from huleedu_service_libs.outbox._record import OutboxRecord
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
    """Keep, per key, only the rows that lead that key's pending rows without a gap.

    ``SKIP LOCKED`` can hand this relay rows 1 and 3 of a key while another relay holds row 2
    (rows a killed relay freed sit between rows others hold): publishing row 3 then would
    overtake row 2. So the key's pending rows up to this batch's last one are read without
    locks, in order, and this batch keeps a key's rows only until the first one it lacks.
    """
    keyed = [event for event in events if event.event_key is not None]
    if not keyed:
        return events
    keys = sorted({event.event_key for event in keyed if event.event_key is not None})
    until = max(event.created_at for event in keyed)
    result: Any = await session.execute(sql.pending_up_to(keys, until))
    mine = {event.id for event in keyed}
    allowed: set[uuid.UUID] = set()
    cut: set[str] = set()
    for key, row_id in result.all():
        if key in cut:
            continue
        if row_id in mine:
            allowed.add(row_id)
        else:
            cut.add(key)
    return [event for event in events if event.event_key is None or event.id in allowed]
