"""A minimal ``ScriptingRedisProtocol`` over ``redis.asyncio`` for the tests.

It stands in for ``RedisClient`` (built separately) and translates connection failures into
``RedisUnavailableError`` as ``RedisClient`` does. The ``scripting_redis`` fixture is the one
place that chooses it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import redis.asyncio as redis
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

from huleedu_service_libs.errors import RedisUnavailableError


class ScriptingRedis:
    def __init__(self, url: str) -> None:
        self.client = redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2)
        self.round_trips = 0

    async def eval_script(
        self, script: str, keys: Sequence[str], args: Sequence[str | int | float]
    ) -> Any:
        self.round_trips += 1
        try:
            return await self.client.eval(script, len(keys), *keys, *args)
        except (RedisConnectionError, RedisTimeoutError, OSError) as exc:
            raise RedisUnavailableError(str(exc)) from exc

    async def close(self) -> None:
        await self.client.aclose()
