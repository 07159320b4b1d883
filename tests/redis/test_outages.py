"""A test-owned redis-server that the tests kill and restart (never the shared one).

Killed mid-operation the client raises a typed error at once (well within the 5 s socket
timeout); after a restart on the same port the same client works again.
"""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Iterator

import pytest
from redis.asyncio import Redis
from redis.exceptions import ResponseError
from redis.exceptions import TimeoutError as RedisTimeoutError

from huleedu_service_libs import RedisClient, RedisUnavailableError
from huleedu_service_libs import redis_client as redis_client_module
from tests import _services

#: A Lua loop that keeps the server busy for a few seconds (the kill lands mid-command).
BUSY_SCRIPT = "local i = 0 while i < 200000000 do i = i + 1 end return i"
#: The bound on how long a typed error may take: the seed's socket timeout plus slack.
WITHIN_THE_TIMEOUT = 6.0
#: After this long in a script the server answers other clients ``BUSY`` (its default: 5 s).
BUSY_AFTER_MS = 50


async def _until_running_a_script(port: int) -> None:
    """Return once the server answers ``BUSY``: a script has run for ``BUSY_AFTER_MS``.

    Asked on a connection of its own (a raw redis-py client): the one under test is inside the
    script's call.
    """
    async with Redis(port=port) as probe, asyncio.timeout(WITHIN_THE_TIMEOUT):
        while True:
            try:
                await probe.ping()
            except ResponseError as error:
                if str(error).startswith("BUSY"):
                    return
                raise
            await asyncio.sleep(0.01)  # not started yet: ask again


async def test_a_server_killed_mid_command_gives_unavailable_within_the_timeout(
    killable_client: RedisClient, killable_redis: _services.ServerProcess
) -> None:
    """The server dies while a Lua script runs: the awaiting caller gets RedisUnavailableError."""
    async with Redis(port=killable_redis.port) as admin:
        await admin.config_set("busy-reply-threshold", BUSY_AFTER_MS)
    running = asyncio.create_task(killable_client.eval_script(BUSY_SCRIPT, [], []))
    await _until_running_a_script(killable_redis.port)
    assert not running.done()
    killable_redis.stop()
    async with asyncio.timeout(WITHIN_THE_TIMEOUT):
        with pytest.raises(RedisUnavailableError):
            await running


async def test_the_same_client_recovers_after_a_restart_on_the_same_port(
    killable_client: RedisClient, killable_redis: _services.ServerProcess, prefix: str
) -> None:
    """Down: commands raise RedisUnavailableError and ping is False. Back: all works again."""
    assert await killable_client.setex(f"{prefix}k", 60, "before") is True
    killable_redis.stop()
    async with asyncio.timeout(WITHIN_THE_TIMEOUT):
        with pytest.raises(RedisUnavailableError):
            await killable_client.get(f"{prefix}k")
        assert await killable_client.ping() is False
    killable_redis.start()
    assert await killable_client.ping() is True
    assert await killable_client.setex(f"{prefix}k", 60, "after") is True
    assert await killable_client.get(f"{prefix}k") == "after"


async def test_losing_the_watching_connection_is_unavailable_not_a_conflict(
    killable_client: RedisClient, killable_redis: _services.ServerProcess, prefix: str
) -> None:
    """exec() returns None only for a real conflict; a dead connection raises instead."""
    await killable_client.watch(f"{prefix}k")
    await killable_client.multi()
    await killable_client.setex(f"{prefix}k", 60, "v")
    killable_redis.stop()
    async with asyncio.timeout(WITHIN_THE_TIMEOUT):
        with pytest.raises(RedisUnavailableError):
            await killable_client.exec()


async def test_a_listener_sees_unavailable_when_the_server_dies(
    killable_client: RedisClient, killable_redis: _services.ServerProcess, prefix: str
) -> None:
    """listen() ends with RedisUnavailableError, not a redis-py error or a hang."""
    async with killable_client.subscribe(f"{prefix}channel") as subscription:
        messages = subscription.listen()
        await anext(messages)
        killable_redis.stop()
        async with asyncio.timeout(WITHIN_THE_TIMEOUT):
            with pytest.raises(RedisUnavailableError):
                await anext(messages)


@pytest.fixture
def silent_server() -> Iterator[int]:
    """A port that accepts connections and never answers: every read times out."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(8)
        yield listener.getsockname()[1]


async def test_a_server_that_never_answers_times_out_as_unavailable(
    silent_server: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The socket timeout applies to every read (shortened here from the seed's 5 s)."""
    monkeypatch.setattr(redis_client_module, "SOCKET_TIMEOUT_SECONDS", 0.2)
    client = RedisClient(client_id="silent", redis_url=f"redis://127.0.0.1:{silent_server}/0")
    with pytest.raises(RedisUnavailableError) as caught:
        await client.start()
    assert isinstance(caught.value.__cause__, RedisTimeoutError)
