"""``RedisSetOperations``: the set commands services keep membership in (SADD, SMEMBERS, SREM).

A thin face over a ``redis.asyncio.Redis`` client: every command is traced and measured by
the Redis instrumentor like any other (``SADD`` spans with ``db.query.text`` = ``SADD ? ?``,
no members), and redis-py errors become the library's ``RedisClientError`` family.
"""

from __future__ import annotations

from typing import Any

from redis.asyncio import Redis
from redis.asyncio.client import Pipeline

from huleedu_service_libs import _redis_errors

__all__ = ["RedisSetOperations"]


class RedisSetOperations:
    """Set commands on ``client``; ``client_id`` names this user of the connection in errors."""

    __slots__ = ("_client", "_where", "client_id")

    def __init__(self, client: Redis, client_id: str) -> None:
        self._client = client
        self.client_id = client_id
        kwargs = client.connection_pool.connection_kwargs
        self._where = f"{kwargs.get('host', 'localhost')}:{kwargs.get('port', 6379)} ({client_id})"

    async def sadd(self, key: str, *members: Any) -> int:
        """Add ``members``; how many were new."""
        with _redis_errors.translated_errors(self._where):
            return int(await self._client.sadd(key, *members))

    async def smembers(self, key: str) -> set[str]:
        """Every member (an empty set when the key does not exist), as text."""
        with _redis_errors.translated_errors(self._where):
            found = await self._client.smembers(key)
        return {m.decode() if isinstance(m, bytes) else str(m) for m in found}

    async def srem(self, key: str, *members: Any) -> int:
        """Remove ``members``; how many were there."""
        with _redis_errors.translated_errors(self._where):
            return int(await self._client.srem(key, *members))

    def pipeline(self, transaction: bool = True) -> Pipeline:
        """A redis-py pipeline on the same client (``MULTI``/``EXEC`` when ``transaction``)."""
        return self._client.pipeline(transaction=transaction)
