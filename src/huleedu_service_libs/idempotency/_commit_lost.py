"""The transactional mode's "lease lost": the claim is the transaction itself, so it is lost
when the transaction's connection is (a failover, ``pg_terminate_backend``, a network cut).

The commit then fails and neither the effect nor the claim is kept: nothing is marked done.
What remains is to say so plainly: count ``lease_lost``, log it, and raise
``IdempotencyLeaseLostError`` so the message is redelivered and applied again.
"""

from __future__ import annotations

import logging
from types import TracebackType

from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError

from huleedu_service_libs.errors import IdempotencyLeaseLostError
from huleedu_service_libs.idempotency._telemetry import IdempotencyTelemetry, Outcome

__all__ = ["CommitLostGuard"]

_log = logging.getLogger("huleedu_service_libs.idempotency")


class CommitLostGuard:
    """``with guard:`` around the transaction; set ``applied`` once the handlers returned."""

    __slots__ = ("_events", "_telemetry", "applied")

    def __init__(self, telemetry: IdempotencyTelemetry, events: int) -> None:
        self._telemetry, self._events = telemetry, events
        self.applied = False

    def __enter__(self) -> CommitLostGuard:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if exc is None or not self.applied or not _connection_lost(exc):
            return
        self._telemetry.count(Outcome.LEASE_LOST, self._events)
        _log.warning(
            "The transaction of %d applied events lost its connection before the commit; "
            "nothing was kept, redelivering",
            self._events,
        )
        raise IdempotencyLeaseLostError("the claiming transaction was lost at commit") from exc


def _connection_lost(exc: BaseException) -> bool:
    if isinstance(exc, DBAPIError):
        return exc.connection_invalidated or isinstance(exc, OperationalError | InterfaceError)
    return isinstance(exc, OSError | ConnectionError)
