"""Claiming events inside the caller's transaction: one ``INSERT ... ON CONFLICT DO NOTHING``.

The rows inserted are the events this transaction may apply; a conflict means the event was
applied and committed before. A concurrent transaction that inserted the same key first makes
this statement wait for it (the primary key's lock) and then conflict or proceed, so there is
no lease to expire: a killed process's transaction is rolled back and its claims vanish with it.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Table
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from sqlalchemy.ext.asyncio import AsyncSession

from huleedu_service_libs.errors import DuplicateInProgressError, IdempotencyStoreUnavailableError

#: SQLSTATE ``lock_not_available``: the session's ``lock_timeout`` ran out waiting for a
#: concurrent transaction that holds the same event.
_LOCK_NOT_AVAILABLE = "55P03"


async def claim_in_transaction(
    session: AsyncSession, table: Table, namespace: str, event_ids: Sequence[str]
) -> set[str]:
    """The ids among ``event_ids`` that no committed transaction has applied yet.

    Raises ``DuplicateInProgressError`` on a lock timeout and
    ``IdempotencyStoreUnavailableError`` when the database cannot be reached.
    """
    rows = [{"namespace": namespace, "event_id": event_id} for event_id in event_ids]
    statement = insert(table).values(rows).on_conflict_do_nothing().returning(table.c.event_id)
    try:
        return set((await session.execute(statement)).scalars())
    except DBAPIError as exc:
        translated = _translated(exc)
        if translated is None:
            raise
        raise translated from exc
    except OSError as exc:
        raise IdempotencyStoreUnavailableError("the idempotency table is unreachable") from exc


def _translated(exc: DBAPIError) -> Exception | None:
    """Our error for a lock timeout or a lost connection; ``None`` for anything else."""
    state = getattr(exc.orig, "sqlstate", None) or getattr(exc.orig, "pgcode", None)
    if state == _LOCK_NOT_AVAILABLE:
        return DuplicateInProgressError("an event of the batch is being applied elsewhere")
    if exc.connection_invalidated or isinstance(exc, (OperationalError, InterfaceError)):
        return IdempotencyStoreUnavailableError("the idempotency table is unreachable")
    return None
