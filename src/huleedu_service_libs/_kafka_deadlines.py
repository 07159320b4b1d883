"""One timer per bus bounds every publish's wait for its acknowledgement.

``asyncio.timeout`` around each send costs a timer handle and its cancellation bookkeeping per
message: about 7 µs, a sixth of what the bus itself adds to a send. Every publish of one bus has
the same delivery timeout, so deadlines arrive in send order: a FIFO of ``(deadline, delivery)``
and one timer armed for its oldest entry do that work once per timeout instead of once per
message. A delivery still unacknowledged at its deadline is cancelled, as ``asyncio.timeout``
would have cancelled the task awaiting it; :meth:`DeliveryDeadlines.expired` tells the
publisher that the cancellation was ours and not its task's.
"""

from __future__ import annotations

import asyncio
import weakref
from collections import deque
from typing import Any

__all__ = ["DeliveryDeadlines"]


class DeliveryDeadlines:
    """The deadlines of one bus's in-flight deliveries, all ``timeout`` seconds long."""

    __slots__ = ("_expired", "_pending", "_timeout", "_timer")

    def __init__(self, timeout: float) -> None:
        self._timeout = timeout
        self._pending: deque[tuple[float, asyncio.Future[Any]]] = deque()
        self._timer: asyncio.TimerHandle | None = None
        self._expired: weakref.WeakSet[asyncio.Future[Any]] = weakref.WeakSet()

    def watch(self, delivery: asyncio.Future[Any]) -> None:
        """Cancel ``delivery`` if it is still pending ``timeout`` seconds from now."""
        loop = asyncio.get_running_loop()
        pending = self._pending
        while pending and pending[0][1].done():  # acknowledged in order: the FIFO stays short
            pending.popleft()
        pending.append((loop.time() + self._timeout, delivery))
        if self._timer is None:
            self._timer = loop.call_at(pending[0][0], self._expire, loop)

    def expired(self, delivery: asyncio.Future[Any]) -> bool:
        """True when ``delivery`` was cancelled here, at its deadline."""
        return delivery in self._expired

    def close(self) -> None:
        """Forget every deadline (the bus stopped; its producer fails what is left)."""
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        self._pending.clear()

    def _expire(self, loop: asyncio.AbstractEventLoop) -> None:
        self._timer = None
        now = loop.time()
        pending = self._pending
        while pending and (pending[0][1].done() or pending[0][0] <= now):
            _, delivery = pending.popleft()
            if not delivery.done():
                self._expired.add(delivery)
                delivery.cancel()
        if pending:
            self._timer = loop.call_at(pending[0][0], self._expire, loop)
