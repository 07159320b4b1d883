"""A cancelled command is cancelled (real Redis).

On Python 3.11 redis-py sends each command under ``asyncio.wait_for``, which returns the
result instead of raising when the cancellation lands just as the send completes: the task
carries on as if nothing had asked it to stop, so ``task.cancel(); await task`` waits for
whatever the task does next (a lease keeper's next renewal, forever), and an
``asyncio.timeout`` around the command does not fire. ``RedisClient`` raises such a lost
cancellation again once the command returns.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

import pytest
from redis.asyncio import Redis

from huleedu_service_libs import RedisClient
from huleedu_service_libs.redis_set_operations import RedisSetOperations

pytestmark = pytest.mark.redis

Command = Callable[[], Awaitable[object]]


def _turns(count: int = 12) -> list[int]:
    """Cancel after 0..count-1 turns of the loop, five times each: 12 turns span a whole
    command, send and read, so the narrow window where a cancellation was lost is hit."""
    return [turn for turn in range(count) for _ in range(5)]


async def _turns_that_lost_the_cancellation(command: Command, turns: int = 12) -> list[int]:
    return [turn for turn in _turns(turns) if await _lost_when_cancelled_after(command, turn)]


async def _lost_when_cancelled_after(command: Command, turns: int) -> bool:
    """True when a task cancelled ``turns`` loop turns into ``command`` ran on past it."""
    cancel_sent, ran_on, past = [False], [False], asyncio.Event()

    async def run_then_wait() -> None:
        await command()
        ran_on[0] = cancel_sent[0]  # the cancellation came while the command ran
        past.set()
        await asyncio.Event().wait()

    task = asyncio.create_task(run_then_wait())
    for _ in range(turns):
        await asyncio.sleep(0)
    cancel_sent[0] = True
    task.cancel()
    got_past = asyncio.create_task(past.wait())
    await asyncio.wait([task, got_past], return_when=asyncio.FIRST_COMPLETED)
    got_past.cancel()
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)
    return ran_on[0]


async def test_a_cancelled_command_always_ends_its_task(
    redis_client: RedisClient, prefix: str
) -> None:
    command = lambda: redis_client.get(f"{prefix}k")  # noqa: E731
    assert await _turns_that_lost_the_cancellation(command) == []


async def test_a_cancelled_script_always_ends_its_task(
    redis_client: RedisClient, prefix: str
) -> None:
    script = "return redis.call('PEXPIRE', KEYS[1], ARGV[1])"
    command = lambda: redis_client.eval_script(script, [f"{prefix}k"], [1000])  # noqa: E731
    assert await _turns_that_lost_the_cancellation(command) == []


async def test_a_cancelled_transaction_always_ends_its_task(
    redis_client: RedisClient, prefix: str
) -> None:
    """WATCH, MULTI, a queued write and EXEC: two round trips, so twice the turns."""

    async def transaction() -> None:
        await redis_client.watch(f"{prefix}t")
        await redis_client.multi()
        await redis_client.setex(f"{prefix}t", 60, "v")
        await redis_client.exec()

    assert await _turns_that_lost_the_cancellation(transaction, turns=24) == []


async def test_a_cancelled_set_command_always_ends_its_task(redis_url: str, prefix: str) -> None:
    client = Redis.from_url(redis_url, socket_timeout=5)
    try:
        sets = RedisSetOperations(client, "cancel-test")
        command = lambda: sets.sadd(f"{prefix}s", "m")  # noqa: E731
        assert await _turns_that_lost_the_cancellation(command) == []
    finally:
        await client.aclose()


async def test_a_timeout_that_expires_during_a_command_raises(
    redis_client: RedisClient, prefix: str
) -> None:
    """``asyncio.timeout`` stops its block by cancelling it: the block must not run on."""
    ran_on = [turn for turn in _turns() if await _ran_past_deadline(redis_client, prefix, turn)]
    assert ran_on == []


async def _ran_past_deadline(redis_client: RedisClient, prefix: str, turns: int) -> bool:
    loop = asyncio.get_running_loop()

    async def expire_after_turns(deadline: asyncio.Timeout) -> None:
        for _ in range(turns):
            await asyncio.sleep(0)
        deadline.reschedule(loop.time() - 1)

    try:
        async with asyncio.timeout(None) as deadline:
            expiry = asyncio.create_task(expire_after_turns(deadline))
            await redis_client.get(f"{prefix}k")
            await asyncio.sleep(0.5)  # the deadline falls in here at the latest
            return True
    except TimeoutError:
        return False
    finally:
        await expiry
