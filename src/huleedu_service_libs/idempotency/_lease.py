"""Keeping a claim's lease alive while its handler runs.

A lease that expired under a running handler would let a redelivery run the same event a
second time, concurrently. The keeper renews every third of the lease, so two renewals can
fail or be late before the lease lapses, and stops when the handler ends: it is cancelled and
also told to stop, so a store call that loses the cancellation (as redis-py's can) ends the
keeper after that one renewal instead of keeping the handler's exit waiting forever.

A renewal that finds the lease gone (a Redis failover, a process stalled past its lease)
remembers the keys; the settle step then reports them lost instead of marking them done.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from types import TracebackType

from huleedu_service_libs.errors import IdempotencyStoreUnavailableError
from huleedu_service_libs.protocols import IdempotencyStoreProtocol

__all__ = ["LeaseKeeper"]

_log = logging.getLogger("huleedu_service_libs.idempotency")


class LeaseKeeper:
    """``async with LeaseKeeper(store, keys, owner, lease_seconds):`` around the handler."""

    __slots__ = (
        "_keys",
        "_lease_ms",
        "_owner",
        "_period",
        "_stopped",
        "_store",
        "_task",
        "_timer",
        "lost",
    )

    def __init__(
        self,
        store: IdempotencyStoreProtocol,
        keys: Sequence[str],
        owner: str,
        lease_seconds: float,
    ) -> None:
        self._store, self._keys, self._owner = store, list(keys), owner
        self._lease_ms = int(lease_seconds * 1000)
        self._period = lease_seconds / 3
        self._task: asyncio.Task[None] | None = None
        self._timer: asyncio.TimerHandle | None = None
        self._stopped = False
        #: keys whose lease a renewal found gone
        self.lost: set[str] = set()

    async def __aenter__(self) -> LeaseKeeper:
        """Arm a timer, not a task: most handlers end before the first renewal is due, and a
        timer costs far less to arm and cancel."""
        if self._keys:
            self._timer = asyncio.get_running_loop().call_later(self._period, self._spawn)
        return self

    def _spawn(self) -> None:
        self._timer = None
        self._task = asyncio.get_running_loop().create_task(self._renew_until_stopped())

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._stopped = True
        if self._timer is not None:
            self._timer.cancel()
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)

    async def _renew_until_stopped(self) -> None:
        while True:
            await self._renew()
            if self._stopped:
                return
            await asyncio.sleep(self._period)

    async def _renew(self) -> None:
        held = [key for key in self._keys if key not in self.lost]
        try:
            lost = await self._store.renew(held, self._owner, self._lease_ms)
        except IdempotencyStoreUnavailableError:
            _log.warning("Could not renew %d idempotency leases; retrying", len(held))
            return
        if lost:
            self.lost.update(lost)
            _log.warning("Lost the idempotency lease of %d running events", len(lost))
