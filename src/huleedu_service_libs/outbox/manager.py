"""``OutboxManager``: what a service calls instead of ``KafkaBus.publish`` inside a transaction.

``publish_to_outbox`` writes the event in the caller's session, so it exists exactly when the
caller's transaction commits (a rollback takes it away with the business rows), stores the
current trace context with it, and arms a wake-up so the relay publishes right after the
commit instead of at its next poll.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any, NoReturn

from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncSession

from huleedu_service_libs.error_handling import HuleEduError, raise_outbox_storage_error
from huleedu_service_libs.events import EventEnvelope
from huleedu_service_libs.outbox._wake import WakeSender
from huleedu_service_libs.outbox.protocols import RelayRepositoryProtocol
from huleedu_service_libs.protocols import RedisPubSubProtocol

__all__ = ["OutboxManager"]


class OutboxManager:
    """Writes envelopes into the outbox; ``redis_client`` adds a Redis wake-up (useful when the
    database is not PostgreSQL, whose ``NOTIFY`` is used by default).

    A failed write raises ``HuleEduError`` (``raise_outbox_storage_error``) wrapping the
    database error; the caller's transaction must then roll back, business rows included.
    """

    def __init__(
        self,
        outbox_repository: RelayRepositoryProtocol,
        redis_client: RedisPubSubProtocol | None = None,
        service_name: str = "unknown",
    ) -> None:
        self.outbox_repository = outbox_repository
        self.service_name = service_name
        self._wake = WakeSender(
            outbox_repository.wake_channel, outbox_repository.dialect_name, redis_client
        )

    async def publish_to_outbox(
        self,
        aggregate_type: str,
        aggregate_id: str,
        event_type: str,
        event_data: EventEnvelope[Any],
        topic: str,
        message_key: str | None = None,
        headers: Mapping[str, str] | None = None,
        session: AsyncSession | None = None,
    ) -> uuid.UUID:
        """Add ``event_data`` for ``topic``; returns the outbox row's id.

        With ``session`` the row joins the caller's transaction (the caller commits); without,
        it is written and committed in a transaction of its own.
        """
        if session is not None:
            return await self._write(
                session, aggregate_type, aggregate_id, event_type, event_data, topic,
                message_key, headers,
            )  # fmt: skip
        async with self.outbox_repository.transaction() as own:
            return await self._write(
                own, aggregate_type, aggregate_id, event_type, event_data, topic,
                message_key, headers,
            )  # fmt: skip

    async def _write(
        self,
        session: AsyncSession,
        aggregate_type: str,
        aggregate_id: str,
        event_type: str,
        envelope: EventEnvelope[Any],
        topic: str,
        message_key: str | None,
        headers: Mapping[str, str] | None,
    ) -> uuid.UUID:
        try:
            event_id = await self.outbox_repository.add_event(
                aggregate_id,
                aggregate_type,
                event_type,
                envelope.model_dump(mode="json"),
                topic,
                event_key=message_key,
                session=session,
                headers=headers,
            )
            await self._wake.arm(session)
        except SQLAlchemyError as exc:
            self._storage_failed(exc, aggregate_type, aggregate_id, event_type, envelope)
        return event_id

    def _storage_failed(
        self,
        exc: SQLAlchemyError,
        aggregate_type: str,
        aggregate_id: str,
        event_type: str,
        envelope: EventEnvelope[Any],
    ) -> NoReturn:
        """``OUTBOX``-storage ``HuleEduError`` wrapping the database error (its text, which
        may quote values, stays in the cause, not in the message)."""
        try:
            raise_outbox_storage_error(
                self.service_name,
                "publish_to_outbox",
                f"could not write {event_type} to the outbox ({type(exc).__name__})",
                envelope.correlation_id,
                aggregate_id,
                aggregate_type,
                event_type,
            )
        except HuleEduError as error:
            raise error from exc
