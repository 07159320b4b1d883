"""The transactional guard as decorators: the handler gets the session the dedupe record is in.

The handler's effects must go through that session (so into its transaction); work outside
the database (an HTTP call, a Kafka publish) is not covered and can still happen twice.
"""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable, Coroutine, Sequence
from typing import Any, Concatenate, ParamSpec, TypeVar

from sqlalchemy import Table
from sqlalchemy.ext.asyncio import AsyncSession

from huleedu_service_libs.idempotency._decorators import handler_name
from huleedu_service_libs.idempotency._pg_table import DEFAULT_TABLE
from huleedu_service_libs.idempotency._transactional_guard import (
    SessionFactory,
    TransactionalIdempotencyGuard,
)

P = ParamSpec("P")
R = TypeVar("R")


def transactional_idempotent_consumer(
    session_factory: SessionFactory,
    *,
    namespace: str | None = None,
    consumer_group: str | None = None,
    table: Table = DEFAULT_TABLE,
) -> Callable[
    [Callable[Concatenate[Any, AsyncSession, P], Awaitable[R]]],
    Callable[Concatenate[Any, P], Coroutine[Any, Any, R | None]],
]:
    """Apply each event exactly once: ``handler(record, session, ...)`` runs in a transaction
    that also records the event as done. Call the result as ``handler(record, ...)``; a
    duplicate returns ``None``. ``session_factory`` is e.g. an ``async_sessionmaker``.
    """

    def decorate(
        handler: Callable[Concatenate[Any, AsyncSession, P], Awaitable[R]],
    ) -> Callable[Concatenate[Any, P], Coroutine[Any, Any, R | None]]:
        guard = TransactionalIdempotencyGuard(
            session_factory, table, namespace or handler_name(handler), consumer_group
        )

        @functools.wraps(handler)
        async def guarded(record: Any, /, *args: P.args, **kwargs: P.kwargs) -> R | None:
            return await guard.run(
                record, lambda session: handler(record, session, *args, **kwargs)
            )

        return guarded

    return decorate


def transactional_idempotent_batch_consumer(
    session_factory: SessionFactory,
    *,
    namespace: str | None = None,
    consumer_group: str | None = None,
    table: Table = DEFAULT_TABLE,
) -> Callable[
    [Callable[[Any, AsyncSession], Awaitable[object]]],
    Callable[[Sequence[Any]], Coroutine[Any, Any, None]],
]:
    """Turn ``handler(record, session)`` into a batch handler: one transaction per batch holds
    the dedupe records and every new record's effects, so the batch applies whole or not at all.
    """

    def decorate(
        handler: Callable[[Any, AsyncSession], Awaitable[object]],
    ) -> Callable[[Sequence[Any]], Coroutine[Any, Any, None]]:
        guard = TransactionalIdempotencyGuard(
            session_factory, table, namespace or handler_name(handler), consumer_group
        )

        @functools.wraps(handler)
        async def guarded(records: Sequence[Any]) -> None:
            await guard.run_batch(records, handler)

        return guarded

    return decorate
