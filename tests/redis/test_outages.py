"""A test-owned redis-server that the tests kill and restart (never the shared one).

Killed mid-operation the client raises a typed error at once (well within the 5 s socket
timeout); after a restart on the same port the same client works again.
"""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator, Iterator

import pytest
from redis.exceptions import TimeoutError as RedisTimeoutError

from huleedu_service_libs import RedisClient, RedisUnavailableError
from huleedu_service_libs import redis_client as redis_client_module
from tests import _services

#: A Lua loop that keeps the server busy for a few seconds (the kill lands mid-command).
BUSY_SCRIPT = "local i = 0 while i < 200000000 do i = i + 1 end return i"
#: The bound on how long a typed error may take: the seed's socket timeout plus slack.
WITHIN_THE_TIMEOUT = 6.0


@pytest.fixture
def server() -> Iterator[_services.ServerProcess]:
    process = _services.redis_server().start()
    yield process
    process.stop()


@pytest.fixture
async def client(server: _services.ServerProcess) -> AsyncIterator[RedisClient]:
    client = RedisClient(client_id="outage-test", redis_url=f"redis://127.0.0.1:{server.port}/0")
    await client.start()
    yield client
    await client.stop()


async def test_a_server_killed_mid_command_gives_unavailable_within_the_timeout(
    client: RedisClient, server: _services.ServerProcess
) -> None:
    """The server dies while a Lua script runs: the awaiting caller gets RedisUnavailableError."""
    running = asyncio.create_task(client.eval_script(BUSY_SCRIPT, [], []))
    await asyncio.sleep(0.3)
    assert not running.done()
    server.stop()
    async with asyncio.timeout(WITHIN_THE_TIMEOUT):
        with pytest.raises(RedisUnavailableError):
            await running


async def test_the_same_client_recovers_after_a_restart_on_the_same_port(
    client: RedisClient, server: _services.ServerProcess, prefix: str
) -> None:
    """Down: commands raise RedisUnavailableError and ping is False. Back: all works again."""
    assert await client.setex(f"{prefix}k", 60, "before") is True
    server.stop()
    async with asyncio.timeout(WITHIN_THE_TIMEOUT):
        with pytest.raises(RedisUnavailableError):
            await client.get(f"{prefix}k")
        assert await client.ping() is False
    server.start()
    assert await client.ping() is True
    assert await client.setex(f"{prefix}k", 60, "after") is True
    assert await client.get(f"{prefix}k") == "after"


async def test_losing_the_watching_connection_is_unavailable_not_a_conflict(
    client: RedisClient, server: _services.ServerProcess, prefix: str
) -> None:
    """exec() returns None only for a real conflict; a dead connection raises instead."""
    await client.watch(f"{prefix}k")
    await client.multi()
    await client.setex(f"{prefix}k", 60, "v")
    server.stop()
    async with asyncio.timeout(WITHIN_THE_TIMEOUT):
        with pytest.raises(RedisUnavailableError):
            await client.exec()


async def test_a_listener_sees_unavailable_when_the_server_dies(
    client: RedisClient, server: _services.ServerProcess, prefix: str
) -> None:
    """listen() ends with RedisUnavailableError, not a redis-py error or a hang."""
    async with client.subscribe(f"{prefix}channel") as subscription:
        messages = subscription.listen()
        await anext(messages)
        server.stop()
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
