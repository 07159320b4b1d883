"""The transactional guard: the dedupe record commits in the same transaction as the effect.

Per message (or per ``getmany`` batch) it opens one session transaction, claims the events with
one ``INSERT ... ON CONFLICT DO NOTHING``, runs the handler for each newly claimed event with
that session, and commits. Effect and "done" are then one atomic fact: a crash before the commit
loses both (the redelivery applies the event), a crash after it keeps both (the redelivery is
skipped). There is no crash window in which an effect can be applied twice.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import TypeVar

from sqlalchemy import Table
from sqlalchemy.ext.asyncio import AsyncSession

from huleedu_service_libs._types import ConsumerRecordLike, RecordT
from huleedu_service_libs.errors import DuplicateInProgressError, IdempotencyStoreUnavailableError
from huleedu_service_libs.events import generate_deterministic_event_id
from huleedu_service_libs.idempotency._commit_lost import CommitLostGuard
from huleedu_service_libs.idempotency._pg_claims import claim_in_transaction
from huleedu_service_libs.idempotency._telemetry import IdempotencyTelemetry, Outcome
from huleedu_service_libs.kafka_consumer import process_span

R = TypeVar("R")
SessionFactory = Callable[[], AsyncSession]


@dataclass
class TransactionalIdempotencyGuard:
    """Claims and effects in one transaction per call; the session factory is the seam."""

    session_factory: SessionFactory
    table: Table
    namespace: str
    consumer_group: str | None = None
    telemetry: IdempotencyTelemetry = field(default_factory=IdempotencyTelemetry)

    async def run(
        self, record: ConsumerRecordLike, handler: Callable[[AsyncSession], Awaitable[R]]
    ) -> R | None:
        """Apply ``record`` with ``handler(session)`` unless a committed transaction did."""
        with (
            process_span(record, consumer_group=self.consumer_group),
            CommitLostGuard(self.telemetry, 1) as commit,
        ):
            async with self.session_factory() as session, session.begin():
                if not await self._claim(session, [_event_id(record)]):
                    self.telemetry.count(Outcome.DUPLICATE)
                    return None
                result = await self._applied(1, handler(session))
                commit.applied = True
            self.telemetry.count(Outcome.PROCESSED)
            return result

    async def run_batch(
        self,
        records: Sequence[RecordT],
        handler: Callable[[RecordT, AsyncSession], Awaitable[object]],
    ) -> None:
        """Apply every new record of the batch in one transaction (all or none of them).

        Duplicates, within the batch or of committed events, are skipped and counted.
        """
        if not records:
            return
        event_ids = [_event_id(record) for record in records]
        commit = CommitLostGuard(self.telemetry, len(set(event_ids)))
        with commit:
            async with self.session_factory() as session, session.begin():
                claimed = await self._claim(session, list(dict.fromkeys(event_ids)))
                to_run = _first_of_each(records, event_ids, claimed)
                self.telemetry.count(Outcome.DUPLICATE, len(records) - len(to_run))
                await self._applied(len(to_run), self._run_each(to_run, session, handler))
                commit.applied = True
        self.telemetry.count(Outcome.PROCESSED, len(to_run))

    async def _run_each(
        self,
        records: Sequence[RecordT],
        session: AsyncSession,
        handler: Callable[[RecordT, AsyncSession], Awaitable[object]],
    ) -> None:
        for record in records:
            with process_span(record, consumer_group=self.consumer_group):
                await handler(record, session)

    async def _applied(self, count: int, effect: Awaitable[R]) -> R:
        """Await the handlers' work; on failure the transaction rolls back and they are counted
        ``released`` (their events stay unclaimed, so the redelivery applies them)."""
        try:
            return await effect
        except BaseException:
            self.telemetry.count(Outcome.RELEASED, count)
            raise

    async def _claim(self, session: AsyncSession, event_ids: list[str]) -> set[str]:
        try:
            with self.telemetry.timed("claim"):
                return await claim_in_transaction(session, self.table, self.namespace, event_ids)
        except DuplicateInProgressError:
            self.telemetry.count(Outcome.IN_PROGRESS, len(event_ids))
            raise
        except IdempotencyStoreUnavailableError:
            self.telemetry.count(Outcome.STORE_UNAVAILABLE, len(event_ids))
            raise


def _event_id(record: ConsumerRecordLike) -> str:
    return generate_deterministic_event_id(record.value or b"")


def _first_of_each(
    records: Sequence[RecordT], event_ids: list[str], claimed: set[str]
) -> list[RecordT]:
    """The first record of each claimed event, in batch order."""
    pending, to_run = set(claimed), []
    for record, event_id in zip(records, event_ids, strict=True):
        if event_id in pending:
            pending.discard(event_id)
            to_run.append(record)
    return to_run
