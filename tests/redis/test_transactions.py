"""WATCH/MULTI/EXEC: real optimistic locking, with the state kept per asyncio task."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
import redis.asyncio

from huleedu_service_libs import RedisClient, RedisClientError


@pytest.fixture
async def other_client(redis_url: str) -> AsyncIterator[RedisClient]:
    client = RedisClient(client_id="test-redis-other", redis_url=redis_url)
    await client.start()
    yield client
    await client.stop()


async def _increment(client: RedisClient, key: str) -> list[object] | None:
    """The seed's transaction pattern, as written there."""
    await client.watch(key)
    current = await client.get(key)
    await client.multi()
    await client.setex(key, 3600, str(int(current or 0) + 1))
    return await client.exec()


async def test_an_uncontended_transaction_applies_its_writes(
    redis_client: RedisClient, prefix: str
) -> None:
    """Without a conflict, exec() returns the queued writes' results and applies them."""
    key = f"{prefix}counter"
    assert await _increment(redis_client, key) == [True]
    assert await _increment(redis_client, key) == [True]
    assert await redis_client.get(key) == "2"


async def test_exec_returns_none_when_another_client_changed_a_watched_key(
    redis_client: RedisClient, other_client: RedisClient, prefix: str
) -> None:
    """The other client's write between WATCH and EXEC wins; ours is not applied."""
    key = f"{prefix}counter"
    await redis_client.setex(key, 60, "10")
    await redis_client.watch(key)
    current = await redis_client.get(key)
    await other_client.setex(key, 60, "99")
    await redis_client.multi()
    assert await redis_client.setex(key, 60, str(int(current or 0) + 1)) is True
    assert await redis_client.exec() is None
    assert await redis_client.get(key) == "99"


async def test_after_a_conflict_the_retried_transaction_succeeds(
    redis_client: RedisClient, other_client: RedisClient, prefix: str
) -> None:
    """A conflict leaves no state behind: the caller's retry starts a fresh transaction."""
    key = f"{prefix}counter"
    await redis_client.watch(key)
    await other_client.setex(key, 60, "5")
    await redis_client.multi()
    await redis_client.setex(key, 60, "1")
    assert await redis_client.exec() is None
    assert await _increment(redis_client, key) == [True]
    assert await redis_client.get(key) == "6"


async def test_two_tasks_on_one_client_never_share_transaction_state(
    redis_client: RedisClient, prefix: str
) -> None:
    """Task A sits inside MULTI while task B reads and writes at once and runs its own
    transaction; then B changes A's watched key, and only A's EXEC fails."""
    key_a, key_b = f"{prefix}a", f"{prefix}b"
    a_in_multi, b_done = asyncio.Event(), asyncio.Event()

    async def task_a() -> list[object] | None:
        await redis_client.watch(key_a)
        await redis_client.multi()
        await redis_client.setex(key_a, 60, "from-a")
        a_in_multi.set()
        await b_done.wait()
        return await redis_client.exec()

    async def task_b() -> tuple[str | None, list[object] | None]:
        await a_in_multi.wait()
        await redis_client.setex(key_b, 60, "b0")
        seen = await redis_client.get(key_b)  # runs now, not queued into A's MULTI
        result = await _increment_string(redis_client, key_b)
        await redis_client.setex(key_a, 60, "from-b")  # A watched this key
        b_done.set()
        return seen, result

    result_a, (seen_b, result_b) = await asyncio.gather(task_a(), task_b())
    assert (seen_b, result_b, result_a) == ("b0", [True], None)
    assert await redis_client.get(key_a) == "from-b"
    assert await redis_client.get(key_b) == "b0+"


async def _increment_string(client: RedisClient, key: str) -> list[object] | None:
    await client.watch(key)
    current = await client.get(key)
    await client.multi()
    await client.setex(key, 60, f"{current}+")
    return await client.exec()


async def test_many_concurrent_tasks_incrementing_one_counter_lose_no_update(
    redis_client: RedisClient, prefix: str
) -> None:
    """20 tasks retry on conflict; optimistic locking makes the final count exactly 20."""
    key = f"{prefix}counter"

    async def increment_until_applied() -> int:
        attempts = 1
        while await _increment(redis_client, key) is None:
            attempts += 1
        return attempts

    attempts = await asyncio.gather(*(increment_until_applied() for _ in range(20)))
    assert await redis_client.get(key) == "20"
    assert all(n >= 1 for n in attempts)


async def test_a_child_task_does_not_inherit_its_parents_transaction(
    redis_client: RedisClient, prefix: str
) -> None:
    """The parent is inside MULTI; a task it spawns writes immediately and cannot EXEC it."""
    key = f"{prefix}k"
    await redis_client.multi()
    await redis_client.setex(key, 60, "parent")

    async def child() -> str | None:
        await redis_client.setex(key, 60, "child")
        with pytest.raises(RedisClientError):
            await redis_client.exec()
        return await redis_client.get(key)

    assert await asyncio.create_task(child()) == "child"
    assert await redis_client.exec() == [True]
    assert await redis_client.get(key) == "parent"


async def test_exec_without_multi_is_a_client_error(redis_client: RedisClient, prefix: str) -> None:
    """Like the server's ``ERR EXEC without MULTI``; the watch is dropped as well."""
    with pytest.raises(RedisClientError):
        await redis_client.exec()
    await redis_client.watch(f"{prefix}k")
    with pytest.raises(RedisClientError):
        await redis_client.exec()


async def test_unwatch_forgets_the_watch_and_the_queued_writes(
    redis_client: RedisClient, other_client: RedisClient, prefix: str
) -> None:
    """After unwatch(), a change to the key is no conflict and nothing queued is applied."""
    key = f"{prefix}k"
    await redis_client.watch(key)
    await redis_client.multi()
    await redis_client.setex(key, 60, "queued")
    assert await redis_client.unwatch() is True
    await other_client.setex(key, 60, "other")
    assert await _increment_string(redis_client, key) == [True]
    assert await redis_client.get(key) == "other+"


async def test_get_inside_multi_is_refused_rather_than_silently_queued(
    redis_client: RedisClient, prefix: str
) -> None:
    """A read inside MULTI would only be queued; it is refused instead."""
    await redis_client.multi()
    with pytest.raises(RedisClientError):
        await redis_client.get(f"{prefix}k")
    await redis_client.unwatch()


async def test_queued_writes_report_queued_and_exec_returns_their_results(
    redis_client: RedisClient, prefix: str
) -> None:
    """Inside MULTI the writes only queue; EXEC's list holds each command's real result."""
    await redis_client.setex(f"{prefix}old", 60, "x")
    await redis_client.multi()
    assert await redis_client.set_if_not_exists(f"{prefix}new", "1") is True
    assert await redis_client.set_if_not_exists(f"{prefix}old", "1") is True
    assert await redis_client.delete_key(f"{prefix}old") == 0
    assert await redis_client.exec() == [True, None, 1]


async def test_a_task_that_ends_inside_a_transaction_gives_its_connection_back(
    redis_url: str, prefix: str
) -> None:
    """The abandoned WATCH is undone (UNWATCH) and its connection returns to the pool."""
    client = RedisClient(client_id=f"abandon-{prefix}", redis_url=redis_url)
    await client.start()
    admin = redis.asyncio.Redis.from_url(redis_url, decode_responses=True)
    try:
        await asyncio.create_task(client.watch(f"{prefix}k"))
        assert await _eventually_last_command(admin, f"abandon-{prefix}", "unwatch")
    finally:
        await admin.aclose()
        await client.stop()


async def _eventually_last_command(admin: redis.asyncio.Redis, name: str, command: str) -> bool:
    """Poll CLIENT LIST (for up to 5 s) until a connection called ``name`` last ran ``command``."""
    for _ in range(500):
        entries = await admin.client_list()
        if any(e["name"] == name and e["cmd"] == command for e in entries):
            return True
        await asyncio.sleep(0.01)
    return False


async def test_stop_discards_open_transactions(redis_client: RedisClient, prefix: str) -> None:
    """stop() with a task still inside MULTI neither hangs nor applies the queued write."""
    await redis_client.multi()
    await redis_client.setex(f"{prefix}k", 60, "never")
    await redis_client.stop()
    await redis_client.start()
    assert await redis_client.get(f"{prefix}k") is None
