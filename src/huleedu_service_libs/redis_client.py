"""``RedisClient``: the one Redis client a service holds, with an explicit lifecycle.

redis-py's asyncio client underneath, with 5 s connect and socket timeouts and no automatic
retries: an unreachable server fails fast with :class:`RedisUnavailableError`, and a command
that may have reached the server (``SET NX``, ``PUBLISH``) is never sent twice behind the
caller's back. A pooled connection that went stale is replaced before use, so the client
recovers by itself once the server is back.

Transactions follow Redis' own shape (``watch`` / ``get`` / ``multi`` / queued writes /
``exec``), with the state kept per asyncio task: two tasks sharing one client each get their
own connection for their WATCH, and ``exec`` returns ``None`` when a watched key changed.
"""

from __future__ import annotations

import inspect
import os
from collections.abc import Sequence
from contextlib import AbstractAsyncContextManager
from typing import TYPE_CHECKING, Any

from redis.asyncio import Redis
from redis.asyncio.client import Pipeline
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff
from redis.commands.core import AsyncScript
from redis.exceptions import WatchError

from huleedu_service_libs._redis_errors import is_watch_conflict, translated_errors
from huleedu_service_libs._redis_transactions import TaskTransactions, begin_multi, release
from huleedu_service_libs._shared.redaction import redact_url
from huleedu_service_libs.errors import RedisClientError, RedisNotStartedError
from huleedu_service_libs.protocols import AtomicRedisClientProtocol, RedisClientProtocol
from huleedu_service_libs.redis_pubsub import RedisPubSub, Subscription

__all__ = [
    "AtomicRedisClientProtocol",
    "CONNECT_TIMEOUT_SECONDS",
    "REDIS_URL",
    "RedisClient",
    "RedisClientProtocol",
    "SOCKET_TIMEOUT_SECONDS",
]

#: The server to use when none is given (read once, at import).
REDIS_URL = os.environ.get("REDIS_URL", "redis://redis:6379")
CONNECT_TIMEOUT_SECONDS = 5.0
SOCKET_TIMEOUT_SECONDS = 5.0
_SCAN_BATCH = 1000


def _stale_connection_check() -> dict[str, Any]:
    """The option that keeps redis-py's check for dead pooled connections switched on.

    redis-py 8 skips that check whenever Redis Enterprise maintenance notifications are on, and
    counts their default ``"auto"`` as on: after a server restart, connections that died with
    the old server would be handed out once more and fail. Older redis-py lacks the option and
    always checks.
    """
    if "maint_notifications_config" not in inspect.signature(Redis.__init__).parameters:
        return {}
    from redis.maint_notifications import MaintNotificationsConfig

    return {"maint_notifications_config": MaintNotificationsConfig(enabled=False)}


_STALE_CONNECTION_CHECK = _stale_connection_check()


class RedisClient:
    """Redis operations, transactions and pub/sub for one service (``start`` before use)."""

    def __init__(self, *, client_id: str, redis_url: str = REDIS_URL) -> None:
        """``client_id`` names the connections on the server (``CLIENT LIST``)."""
        self.client_id = client_id
        self._url = redis_url
        self._where = redact_url(redis_url)
        self._client: Redis | None = None
        self._pubsub: RedisPubSub | None = None
        self._transactions = TaskTransactions()
        self._scripts: dict[str, AsyncScript] = {}

    def __repr__(self) -> str:
        return f"RedisClient(client_id={self.client_id!r}, redis_url={self._where!r})"

    # --- lifecycle ---

    async def start(self) -> None:
        """Connect and PING; raises :class:`RedisUnavailableError` when the server is not there."""
        if self._client is not None:
            return
        client = self._connect()
        try:
            with translated_errors(self._where):
                await client.ping()
        except RedisClientError:
            await client.aclose()
            raise
        self._client = client
        self._pubsub = RedisPubSub(client, where=self._where)

    async def stop(self) -> None:
        """Discard open transactions and close every connection; safe to call twice."""
        client, self._client, self._pubsub = self._client, None, None
        if client is None:
            return
        await self._transactions.close_all()
        self._scripts.clear()
        await client.aclose()

    def _connect(self) -> Redis:
        try:
            return Redis.from_url(
                self._url,
                decode_responses=True,
                socket_connect_timeout=CONNECT_TIMEOUT_SECONDS,
                socket_timeout=SOCKET_TIMEOUT_SECONDS,
                retry=Retry(NoBackoff(), 0),
                client_name=self.client_id,
                **_STALE_CONNECTION_CHECK,
            )
        except ValueError as exc:
            raise RedisClientError(f"Invalid Redis URL {self._where!r}") from exc

    def _started(self) -> Redis:
        if self._client is None:
            raise self._not_started()
        return self._client

    def _not_started(self) -> RedisNotStartedError:
        return RedisNotStartedError(f"RedisClient {self.client_id!r} is not started")

    # --- basic operations ---

    async def set_if_not_exists(self, key: str, value: Any, ttl_seconds: int | None = None) -> bool:
        """``SET key value NX [EX ttl]``: True when this call created the key.

        Inside ``multi()`` the command is queued and True means "queued"; its result is in
        ``exec()``'s list.
        """
        if (queue := self._queue()) is not None:
            queue.set(key, value, nx=True, ex=ttl_seconds)
            return True
        with translated_errors(self._where):
            return bool(await self._immediate().set(key, value, nx=True, ex=ttl_seconds))

    async def get(self, key: str) -> str | None:
        """The value, or None when the key does not exist."""
        if self._queue() is not None:
            raise RedisClientError("get() inside multi() would only be queued; read before multi()")
        with translated_errors(self._where):
            value = await self._immediate().get(key)
        return None if value is None else str(value)

    async def setex(self, key: str, ttl_seconds: int, value: str) -> bool:
        """Set with a time to live (``SET key value EX ttl``; queued inside ``multi()``)."""
        if (queue := self._queue()) is not None:
            queue.set(key, value, ex=ttl_seconds)
            return True
        with translated_errors(self._where):
            return bool(await self._immediate().set(key, value, ex=ttl_seconds))

    async def delete_key(self, key: str) -> int:
        """``DEL``: how many keys were removed (0 when queued inside ``multi()``)."""
        if (queue := self._queue()) is not None:
            queue.delete(key)
            return 0
        with translated_errors(self._where):
            removed: int = await self._immediate().delete(key)
        return removed

    async def ping(self) -> bool:
        """True when the server answers, False when it is unreachable (for health checks)."""
        client = self._started()
        try:
            with translated_errors(self._where):
                return bool(await client.ping())
        except RedisClientError:
            return False

    async def eval_script(
        self, script: str, keys: Sequence[str], args: Sequence[str | int | float]
    ) -> Any:
        """Run a Lua script atomically: EVALSHA, loading the script only when the server lacks it.

        Always runs at once, never queued into the calling task's ``multi()``.
        """
        with translated_errors(self._where):
            return await self._script(script)(keys=list(keys), args=list(args))

    def _script(self, script: str) -> AsyncScript:
        found = self._scripts.get(script)
        if found is None:
            found = self._scripts[script] = self._started().register_script(script)
        return found

    # --- transactions ---

    async def watch(self, *keys: str) -> bool:
        """WATCH ``keys`` on this task's own connection; a later change makes ``exec`` fail."""
        pipeline = self._transactions.open(self._started())
        try:
            with translated_errors(self._where):
                await pipeline.watch(*keys)
        except RedisClientError:
            await self._abandon()
            raise
        return True

    async def multi(self) -> bool:
        """Start queueing this task's writes until ``exec``."""
        pipeline = self._transactions.open(self._started())
        try:
            with translated_errors(self._where):
                begin_multi(pipeline)
        except RedisClientError:
            await self._abandon()
            raise
        return True

    async def exec(self) -> list[Any] | None:
        """Run the queued writes atomically: their results, or None when a watched key changed."""
        pipeline = self._transactions.take()
        if pipeline is None or not pipeline.explicit_transaction:
            if pipeline is not None:
                await release(pipeline)
            raise RedisClientError("exec() without multi()")
        try:
            with translated_errors(self._where):
                try:
                    return list(await pipeline.execute())
                except WatchError as exc:
                    if is_watch_conflict(exc):
                        return None
                    raise
        finally:
            with translated_errors(self._where):
                await release(pipeline)

    async def unwatch(self) -> bool:
        """Forget this task's watched keys and any queued writes, and free its connection."""
        await self._abandon()
        return True

    async def _abandon(self) -> None:
        pipeline = self._transactions.take()
        if pipeline is not None:
            with translated_errors(self._where):
                await release(pipeline)

    def _immediate(self) -> Redis:
        """Where a command runs now: the task's watching connection, else the pool."""
        return self._transactions.current() or self._started()

    def _queue(self) -> Pipeline | None:
        """The task's pipeline when it is inside ``multi()``."""
        self._started()
        pipeline = self._transactions.current()
        return pipeline if pipeline is not None and pipeline.explicit_transaction else None

    # --- pattern operations ---

    async def scan_pattern(self, pattern: str) -> list[str]:
        """Every key matching ``pattern``, by SCAN (never KEYS, which blocks the server)."""
        client = self._started()
        with translated_errors(self._where):
            keys = [key async for key in client.scan_iter(match=pattern, count=_SCAN_BATCH)]
        return list(dict.fromkeys(keys))

    # --- pub/sub (delegated to RedisPubSub) ---

    async def publish(self, channel: str, message: str) -> int:
        return await self._started_pubsub().publish(channel, message)

    def subscribe(self, channel: str) -> AbstractAsyncContextManager[Subscription]:
        """``async with client.subscribe(channel) as sub: async for msg in sub.listen(): ...``"""
        return self._started_pubsub().subscribe(channel)

    def get_user_channel(self, user_id: str) -> str:
        return RedisPubSub.get_user_channel(user_id)

    async def publish_user_notification(
        self, user_id: str, event_type: str, data: dict[str, Any]
    ) -> int:
        return await self._started_pubsub().publish_user_notification(user_id, event_type, data)

    def _started_pubsub(self) -> RedisPubSub:
        if self._pubsub is None:
            raise self._not_started()
        return self._pubsub


if TYPE_CHECKING:  # mypy proves RedisClient satisfies the port services depend on

    def _satisfies_the_port(client: RedisClient) -> AtomicRedisClientProtocol:
        return client
