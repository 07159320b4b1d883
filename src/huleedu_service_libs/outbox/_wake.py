"""Waking the relay when a transaction with outbox rows commits, instead of at its next poll.

The writer arms a wake-up once per transaction: on PostgreSQL a ``pg_notify`` inside the
transaction (PostgreSQL delivers it at commit and drops it on rollback, so it costs one
statement and no commit hook); with a Redis client a ``PUBLISH`` after the commit; and always
an in-process signal after the commit, for a relay in the same process (SQLite demos). A lost
wake-up only costs latency: the relay still polls.
"""

from __future__ import annotations

import asyncio
import logging
import weakref
from typing import Any

from sqlalchemy import event, text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession
from sqlalchemy.orm import Session

from huleedu_service_libs.protocols import RedisPubSubProtocol

__all__ = ["WakeListener", "WakeSender"]

_log = logging.getLogger("huleedu_service_libs.outbox")
_ARMED = "huleedu_outbox_wake_armed"
_NOTIFY = text("SELECT pg_notify(:channel, '')")
#: In-process relays per channel: their events are set after a local commit.
_local: dict[str, weakref.WeakSet[asyncio.Event]] = {}


class WakeSender:
    """The writer's half: ``arm(session)`` once per transaction that wrote outbox rows."""

    def __init__(
        self, channel: str, dialect: str, redis_client: RedisPubSubProtocol | None = None
    ) -> None:
        self._channel, self._notify = channel, dialect == "postgresql"
        self._redis = redis_client
        self._tasks: set[asyncio.Task[Any]] = set()

    async def arm(self, session: AsyncSession) -> None:
        transaction = session.sync_session.get_transaction()
        if transaction is None or session.info.get(_ARMED) is transaction:
            return
        session.info[_ARMED] = transaction
        if self._notify:
            await session.execute(_NOTIFY, {"channel": self._channel})
        event.listen(session.sync_session, "after_commit", self._after_commit, once=True)

    def _after_commit(self, _session: Session) -> None:
        for waiting in list(_local.get(self._channel, ())):
            waiting.set()
        if self._redis is not None:
            task = asyncio.get_running_loop().create_task(self._publish(self._redis))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    async def _publish(self, redis_client: RedisPubSubProtocol) -> None:
        try:
            await redis_client.publish(self._channel, "1")
        except Exception:
            _log.debug("Outbox wake-up over Redis failed; the relay polls", exc_info=True)


class WakeListener:
    """The relay's half: ``wait(seconds)`` returns early when a writer's commit woke it."""

    def __init__(
        self,
        channel: str,
        engine: AsyncEngine | None = None,
        redis_client: RedisPubSubProtocol | None = None,
    ) -> None:
        self._channel, self._engine, self._redis = channel, engine, redis_client
        self._event = asyncio.Event()
        self._connection: Any = None
        self._driver: Any = None
        self._redis_task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        _local.setdefault(self._channel, weakref.WeakSet()).add(self._event)
        await self._listen_postgres()
        if self._redis is not None:
            self._redis_task = asyncio.create_task(self._listen_redis(self._redis))

    async def wait(self, seconds: float) -> None:
        if self._engine is not None and self._driver is not None and self._driver.is_closed():
            await self._reconnect()
        try:
            async with asyncio.timeout(seconds):
                await self._event.wait()
        except TimeoutError:
            pass
        self._event.clear()

    def wake(self) -> None:
        self._event.set()

    async def stop(self) -> None:
        _local.get(self._channel, weakref.WeakSet()).discard(self._event)
        if self._redis_task is not None:
            self._redis_task.cancel()
            await asyncio.gather(self._redis_task, return_exceptions=True)
        await self._close_postgres()

    async def _listen_postgres(self) -> None:
        engine = self._engine
        if engine is None or engine.dialect.driver != "asyncpg":
            return
        try:
            self._connection = await engine.connect()
            raw = await self._connection.get_raw_connection()
            self._driver = raw.driver_connection
            await self._driver.add_listener(self._channel, self._notified)
        except Exception:
            _log.warning("Outbox LISTEN failed; the relay polls", exc_info=True)
            await self._close_postgres()

    def _notified(self, *_: object) -> None:
        self._event.set()

    async def _reconnect(self) -> None:
        await self._close_postgres()
        await self._listen_postgres()

    async def _close_postgres(self) -> None:
        driver, connection, self._driver, self._connection = (
            self._driver,
            self._connection,
            None,
            None,
        )
        try:
            if driver is not None and not driver.is_closed():
                await driver.remove_listener(self._channel, self._notified)
            if connection is not None:
                await connection.close()
        except Exception:
            _log.debug("Closing the outbox LISTEN connection failed", exc_info=True)

    async def _listen_redis(self, redis_client: RedisPubSubProtocol) -> None:
        while True:
            try:
                async with redis_client.subscribe(self._channel) as subscription:
                    async for message in subscription.listen():
                        if message.get("type") == "message":
                            self._event.set()
            except Exception:
                _log.debug("Outbox wake-up subscription lost; retrying", exc_info=True)
                await asyncio.sleep(1.0)
