"""The claims kept in Redis, each operation one Lua script, so one round trip.

A key holds ``p:<owner>`` (an in-progress lease that expires) or ``d`` (done, kept for the TTL).
"""

from __future__ import annotations

from collections.abc import Sequence

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

# KEYS[1..ARGV[3]] are done; the rest are released. A done key is written even if the lease
# expired meanwhile (the work did happen), but never over another attempt's live lease.
_SETTLE = """
local done_count = tonumber(ARGV[3])
for i, key in ipairs(KEYS) do
  local value = redis.call('GET', key)
  if i <= done_count then
    if (not value) or value == ARGV[1] then
      redis.call('SET', key, 'd', 'EX', ARGV[2])
    end
  elseif value == ARGV[1] then
    redis.call('DEL', key)
  end
end
return done_count
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
    ) -> None:
        if done or released:
            await self._eval(_SETTLE, [*done, *released], [_lease(owner), ttl_seconds, len(done)])

    async def _eval(
        self, script: str, keys: Sequence[str], args: Sequence[str | int | float]
    ) -> list[int]:
        try:
            result: list[int] = await self._redis.eval_script(script, keys, args)
        except RedisClientError as exc:
            raise IdempotencyStoreUnavailableError("the idempotency store is unreachable") from exc
        return result


def _lease(owner: str) -> str:
    return f"p:{owner}"
