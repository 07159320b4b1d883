"""The claims kept in Redis, each operation one Lua script, so one round trip.

A key holds ``p:<owner>`` (an in-progress lease that expires) or ``d`` (done, kept for the TTL).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from huleedu_service_libs.errors import IdempotencyStoreUnavailableError, RedisClientError
from huleedu_service_libs.idempotency._claims import ClaimState
from huleedu_service_libs.protocols import ScriptingRedisProtocol

__all__ = ["RedisIdempotencyStore"]

_CLAIM = """
local states = {}
for i, key in ipairs(KEYS) do
  local value = redis.call('GET', key)
  if not value then
    redis.call('SET', key, ARGV[1], 'PX', ARGV[2])
    states[i] = 0
  elseif value == 'd' then
    states[i] = 1
  else
    states[i] = 2
  end
end
return states
"""

# KEYS[1..ARGV[3]] are done; the rest are released. A done key is written only while this
# attempt still holds its lease; the done keys it no longer held are returned (lease lost).
_SETTLE = """
local done_count = tonumber(ARGV[3])
local lost = {}
for i, key in ipairs(KEYS) do
  local value = redis.call('GET', key)
  if i <= done_count then
    if value == ARGV[1] then
      redis.call('SET', key, 'd', 'EX', ARGV[2])
    else
      table.insert(lost, key)
    end
  elseif value == ARGV[1] then
    redis.call('DEL', key)
  end
end
return lost
"""

# Extend the leases this attempt still holds; returns the keys it no longer holds.
_RENEW = """
local lost = {}
for _, key in ipairs(KEYS) do
  if redis.call('GET', key) == ARGV[1] then
    redis.call('PEXPIRE', key, ARGV[2])
  else
    table.insert(lost, key)
  end
end
return lost
"""


class RedisIdempotencyStore:
    """``IdempotencyStoreProtocol`` over any client with ``eval_script`` (``RedisClient``)."""

    def __init__(self, redis_client: ScriptingRedisProtocol) -> None:
        self._redis = redis_client

    async def claim(self, keys: Sequence[str], owner: str, lease_ms: int) -> list[ClaimState]:
        if not keys:
            return []
        states = await self._eval(_CLAIM, keys, [_lease(owner), lease_ms])
        return [ClaimState(int(state)) for state in states]

    async def settle(
        self, owner: str, *, done: Sequence[str], released: Sequence[str], ttl_seconds: int
    ) -> list[str]:
        if not (done or released):
            return []
        args: list[str | int | float] = [_lease(owner), ttl_seconds, len(done)]
        return _texts(await self._eval(_SETTLE, [*done, *released], args))

    async def renew(self, keys: Sequence[str], owner: str, lease_ms: int) -> list[str]:
        if not keys:
            return []
        return _texts(await self._eval(_RENEW, keys, [_lease(owner), lease_ms]))

    async def _eval(
        self, script: str, keys: Sequence[str], args: Sequence[str | int | float]
    ) -> list[Any]:
        try:
            result: list[Any] = await self._redis.eval_script(script, keys, args)
        except RedisClientError as exc:
            raise IdempotencyStoreUnavailableError("the idempotency store is unreachable") from exc
        return result


def _texts(values: list[Any]) -> list[str]:
    return [v.decode() if isinstance(v, bytes) else str(v) for v in values]


def _lease(owner: str) -> str:
    return f"p:{owner}"
