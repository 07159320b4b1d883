"""The real ``RedisClient``, with a count of ``eval_script`` calls for round-trip assertions.

It satisfies ``ScriptingRedisProtocol`` (our port) by delegating to ``RedisClient``; ``raw`` is
a plain redis-py client for what the tests themselves write (effect logs), not the code under
test.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import redis.asyncio as redis

from huleedu_service_libs import RedisClient


class ScriptingRedis:
    def __init__(self, url: str) -> None:
        self.redis_client = RedisClient(client_id="huleedu-tests", redis_url=url)
        self.client = redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2)
        self.round_trips = 0

    async def start(self) -> ScriptingRedis:
        await self.redis_client.start()
        return self

    async def eval_script(
        self, script: str, keys: Sequence[str], args: Sequence[str | int | float]
    ) -> Any:
        self.round_trips += 1
        return await self.redis_client.eval_script(script, keys, args)

    async def close(self) -> None:
        await self.redis_client.stop()
        await self.client.aclose()
