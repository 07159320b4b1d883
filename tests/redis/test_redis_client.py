"""RedisClient's basic operations, lifecycle and scripting against the shared Redis."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
import redis.asyncio
from redis.exceptions import ConnectionError, ResponseError

from huleedu_service_libs import (
    RedisClient,
    RedisClientError,
    RedisNotStartedError,
    RedisUnavailableError,
)


@pytest.mark.parametrize(
    ("environment", "expected"),
    [({}, "redis://redis:6379"), ({"REDIS_URL": "redis://cache:6380/2"}, "redis://cache:6380/2")],
)
def test_the_default_url_is_redis_url_from_the_environment_else_the_compose_host(
    environment: dict[str, str], expected: str
) -> None:
    """Read at import, as the seed's ``redis_url: str = REDIS_URL`` default implies."""
    code = "from huleedu_service_libs.redis_client import REDIS_URL; print(REDIS_URL)"
    env = {k: v for k, v in os.environ.items() if k != "REDIS_URL"} | environment
    run = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    assert expected == run.stdout.strip()


async def test_set_if_not_exists_is_true_only_for_the_first_writer(
    redis_client: RedisClient, prefix: str
) -> None:
    """SET NX: the first call creates the key, the second finds it and leaves it alone."""
    key = f"{prefix}processed:event-1"
    assert await redis_client.set_if_not_exists(key, "1", ttl_seconds=60) is True
    assert await redis_client.set_if_not_exists(key, "2", ttl_seconds=60) is False
    assert await redis_client.get(key) == "1"


async def test_setex_get_and_delete_round_trip(redis_client: RedisClient, prefix: str) -> None:
    """Values come back as str; delete_key reports how many keys it removed."""
    key = f"{prefix}k"
    assert await redis_client.setex(key, 60, "value") is True
    assert await redis_client.get(key) == "value"
    assert await redis_client.delete_key(key) == 1
    assert await redis_client.delete_key(key) == 0
    assert await redis_client.get(key) is None


async def test_ping_is_true_for_a_live_server(redis_client: RedisClient) -> None:
    """PING answered: True."""
    assert await redis_client.ping() is True


async def test_scan_pattern_finds_every_matching_key_once(
    redis_client: RedisClient, prefix: str
) -> None:
    """SCAN walks the keyspace in batches; the result has each matching key exactly once."""
    wanted = {f"{prefix}scan:{i}" for i in range(25)}
    for key in wanted:
        await redis_client.setex(key, 60, "x")
    await redis_client.setex(f"{prefix}other", 60, "x")
    found = await redis_client.scan_pattern(f"{prefix}scan:*")
    assert wanted == set(found)
    assert len(found) == len(wanted)


async def test_eval_script_runs_lua_atomically_with_keys_and_args(
    redis_client: RedisClient, prefix: str
) -> None:
    """eval_script passes KEYS and ARGV and returns the script's (decoded) result."""
    script = "redis.call('SET', KEYS[1], ARGV[1], 'EX', ARGV[2]); return redis.call('GET', KEYS[1])"
    key = f"{prefix}script"
    assert await redis_client.eval_script(script, [key], ["hello", 60]) == "hello"
    assert await redis_client.eval_script("return #KEYS + #ARGV", [key], [1, 2.5, "x"]) == 4


async def test_eval_script_reloads_a_script_the_server_forgot(
    redis_client: RedisClient, prefix: str, redis_url: str
) -> None:
    """After SCRIPT FLUSH the cached EVALSHA misses; the client loads the script and retries."""
    script = "return ARGV[1] .. '-' .. KEYS[1]"
    assert await redis_client.eval_script(script, [f"{prefix}a"], ["v"]) == f"v-{prefix}a"
    admin = redis.asyncio.Redis.from_url(redis_url)
    try:
        await admin.script_flush()
    finally:
        await admin.aclose()
    assert await redis_client.eval_script(script, [f"{prefix}b"], ["w"]) == f"w-{prefix}b"


async def test_a_script_error_is_a_redis_client_error_with_the_cause(
    redis_client: RedisClient,
) -> None:
    """A Lua error reaches the caller as our RedisClientError wrapping redis-py's error."""
    with pytest.raises(RedisClientError) as caught:
        await redis_client.eval_script("return redis.call('NOSUCHCOMMAND')", [], [])
    assert isinstance(caught.value.__cause__, ResponseError)


async def test_commands_before_start_raise_not_started(redis_url: str) -> None:
    """Using the client before start() (or after stop()) is a RedisNotStartedError."""
    client = RedisClient(client_id="never-started", redis_url=redis_url)
    with pytest.raises(RedisNotStartedError):
        await client.get("anything")
    await client.start()
    await client.stop()
    with pytest.raises(RedisNotStartedError):
        await client.set_if_not_exists("anything", "1")
    with pytest.raises(RedisNotStartedError):
        await client.publish("channel", "message")


async def test_start_and_stop_are_idempotent(redis_url: str) -> None:
    """A second start() or stop() is a no-op, as a DI container may call either twice."""
    client = RedisClient(client_id="twice", redis_url=redis_url)
    await client.start()
    await client.start()
    assert await client.ping() is True
    await client.stop()
    await client.stop()


async def test_start_against_a_closed_port_fails_fast_with_unavailable(unused_port: int) -> None:
    """Nothing listens: start() raises RedisUnavailableError wrapping the connection error."""
    client = RedisClient(client_id="nowhere", redis_url=f"redis://127.0.0.1:{unused_port}/0")
    with pytest.raises(RedisUnavailableError) as caught:
        await client.start()
    assert isinstance(caught.value.__cause__, ConnectionError)
    with pytest.raises(RedisNotStartedError):
        await client.get("k")


async def test_an_invalid_url_is_a_client_error() -> None:
    """A URL redis-py cannot use is a RedisClientError at start()."""
    client = RedisClient(client_id="bad", redis_url="http://127.0.0.1:6379")
    with pytest.raises(RedisClientError):
        await client.start()
