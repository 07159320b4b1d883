"""The outbox's ports: the row as the relay sees it, and the repository services and the relay
depend on (``PostgreSQLOutboxRepository`` implements both repository protocols)."""

from __future__ import annotations

import datetime
import uuid
from collections.abc import Mapping, Sequence
from contextlib import AbstractAsyncContextManager
from typing import TYPE_CHECKING, Any, Protocol

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

if TYPE_CHECKING:
    from huleedu_service_libs.outbox.monitoring import OutboxMetrics

__all__ = [
    "ClaimedBatchProtocol",
    "OutboxEvent",
    "OutboxRepositoryProtocol",
    "RelayRepositoryProtocol",
]


class OutboxEvent(Protocol):
    """One outbox row, read-only: what the relay needs to publish it and to trace it."""

    @property
    def id(self) -> uuid.UUID: ...
    @property
    def aggregate_id(self) -> str: ...
    @property
    def aggregate_type(self) -> str: ...
    @property
    def event_type(self) -> str: ...
    @property
    def event_data(self) -> dict[str, Any]: ...
    @property
    def event_key(self) -> str | None: ...
    @property
    def topic(self) -> str: ...
    @property
    def headers(self) -> dict[str, str] | None: ...
    @property
    def created_at(self) -> datetime.datetime: ...
    @property
    def published_at(self) -> datetime.datetime | None: ...
    @property
    def failed_at(self) -> datetime.datetime | None: ...
    @property
    def retry_count(self) -> int: ...
    @property
    def last_error(self) -> str | None: ...
    @property
    def traceparent(self) -> str | None: ...
    @property
    def tracestate(self) -> str | None: ...


class OutboxRepositoryProtocol(Protocol):
    """Writing events into the outbox and reading or settling single rows."""

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
        """Insert a row in ``session`` (it exists once that commits) or in a transaction of
        its own; the current trace context is stored with it. Returns the row's id."""
        ...

    async def get_unpublished_events(self, limit: int = 100) -> Sequence[OutboxEvent]: ...

    async def mark_event_published(self, event_id: uuid.UUID) -> None: ...

    async def mark_event_failed(self, event_id: uuid.UUID, error: str) -> None: ...

    async def increment_retry_count(self, event_id: uuid.UUID, error: str) -> None: ...

    async def get_event_by_id(self, event_id: uuid.UUID) -> OutboxEvent | None: ...


class ClaimedBatchProtocol(Protocol):
    """Rows locked by one relay transaction; the settling writes run in that transaction."""

    @property
    def events(self) -> Sequence[OutboxEvent]: ...

    async def mark_published(self, event_ids: Sequence[uuid.UUID]) -> None: ...

    async def mark_retry(
        self, event_id: uuid.UUID, error: str, next_attempt_at: datetime.datetime
    ) -> None: ...

    async def mark_failed(self, event_id: uuid.UUID, error: str) -> None: ...


class RelayRepositoryProtocol(OutboxRepositoryProtocol, Protocol):
    """What the relay and the manager need beyond the service-facing methods."""

    @property
    def engine(self) -> AsyncEngine | None:
        """The engine the relay's PostgreSQL ``LISTEN`` connection comes from (if any)."""
        ...

    @property
    def metrics(self) -> OutboxMetrics | None: ...

    @property
    def wake_channel(self) -> str: ...

    @property
    def dialect_name(self) -> str: ...

    def transaction(self) -> AbstractAsyncContextManager[AsyncSession]:
        """A session in a transaction that commits on success."""
        ...

    def claim_batch(self, limit: int) -> AbstractAsyncContextManager[ClaimedBatchProtocol]:
        """Lock up to ``limit`` due rows no other relay holds (``FOR UPDATE SKIP LOCKED``),
        only rows whose earlier rows of the same key are all in the batch; commits on exit."""
        ...

    async def backlog(self) -> dict[str, tuple[int, datetime.datetime]]:
        """Per topic: how many rows are pending and when the oldest was written."""
        ...
