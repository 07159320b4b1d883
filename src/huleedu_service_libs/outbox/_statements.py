"""The outbox's SQL, built once per table: single-row settling and the relay's queries.

Every settling write is one statement; publishing a batch marks all its rows in one ``UPDATE``.
"""

from __future__ import annotations

import datetime
import uuid
from collections.abc import Sequence

from sqlalchemy import ColumnElement, Select, Table, Update, and_, func, or_, select, update

__all__ = ["OutboxStatements"]


class OutboxStatements:
    """Statement builders bound to one outbox table."""

    __slots__ = ("table",)

    def __init__(self, table: Table) -> None:
        self.table = table

    def pending(self) -> ColumnElement[bool]:
        """Not published and not given up on: what the partial indexes cover."""
        c = self.table.c
        return and_(c.published_at.is_(None), c.failed_at.is_(None))

    def due(self, limit: int, now: datetime.datetime) -> Select[tuple[object, ...]]:
        """The next pending rows whose backoff has passed, oldest first, locked, skipping rows
        another relay holds (the lock clause renders to nothing on SQLite)."""
        c = self.table.c
        ready = or_(c.next_attempt_at.is_(None), c.next_attempt_at <= now)
        return (
            select(self.table)
            .where(self.pending(), ready)
            .order_by(c.created_at)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )

    def pending_up_to(
        self, keys: Sequence[str], until: datetime.datetime
    ) -> Select[tuple[object, ...]]:
        """The pending rows of ``keys`` written up to ``until``, per key in write order (no
        locks: rows other relays hold count too)."""
        c = self.table.c
        return (
            select(c.event_key, c.id)
            .where(self.pending(), c.event_key.in_(keys), c.created_at <= until)
            .order_by(c.event_key, c.created_at)
        )

    def backlog(self) -> Select[tuple[object, ...]]:
        c = self.table.c
        return (
            select(c.topic, func.count(), func.min(c.created_at))
            .where(self.pending())
            .group_by(c.topic)
        )

    def unpublished(self, limit: int) -> Select[tuple[object, ...]]:
        return (
            select(self.table).where(self.pending()).order_by(self.table.c.created_at).limit(limit)
        )

    def by_id(self, event_id: uuid.UUID) -> Select[tuple[object, ...]]:
        return select(self.table).where(self.table.c.id == event_id)

    def published(self, event_ids: Sequence[uuid.UUID], now: datetime.datetime) -> Update:
        return update(self.table).where(self.table.c.id.in_(event_ids)).values(published_at=now)

    def retried(
        self, event_id: uuid.UUID, error: str, next_attempt_at: datetime.datetime | None
    ) -> Update:
        c = self.table.c
        return (
            update(self.table)
            .where(c.id == event_id)
            .values(
                retry_count=c.retry_count + 1, last_error=error, next_attempt_at=next_attempt_at
            )
        )

    def failed(self, event_id: uuid.UUID, error: str, now: datetime.datetime) -> Update:
        c = self.table.c
        return (
            update(self.table)
            .where(c.id == event_id)
            .values(retry_count=c.retry_count + 1, last_error=error, failed_at=now)
        )
