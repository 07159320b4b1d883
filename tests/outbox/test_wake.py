"""The Redis wake-up, both halves: the writer publishes after its commit (not before, not on a
rollback), and a listening relay's wait returns when a wake-up arrives."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine

from huleedu_service_libs import RedisClient
from huleedu_service_libs.outbox._wake import WakeListener, WakeSender

pytestmark = pytest.mark.redis


@pytest.fixture
async def redis_client(redis_url: str) -> AsyncIterator[RedisClient]:
    client = RedisClient(client_id="outbox-wake", redis_url=redis_url)
    await client.start()
    yield client
    await client.stop()


@pytest.fixture
async def sqlite(tmp_path: Path) -> AsyncIterator[AsyncEngine]:
    engine = create_async_engine(f"sqlite+aiosqlite:///{tmp_path / 'wake.db'}")
    yield engine
    await engine.dispose()


async def _messages(redis_client: RedisClient, channel: str, ready: asyncio.Event) -> list[Any]:
    received: list[Any] = []
    async with redis_client.subscribe(channel) as subscription:
        async for message in subscription.listen():
            if message["type"] == "subscribe":
                ready.set()
            else:
                received.append(message["data"])
                return received
    return received


async def test_the_writer_publishes_a_wake_up_after_its_commit_only(
    redis_client: RedisClient, sqlite: AsyncEngine
) -> None:
    channel = f"outbox-wake-{uuid.uuid4().hex}"
    sender = WakeSender(channel, "sqlite", redis_client)
    ready = asyncio.Event()
    listening = asyncio.create_task(_messages(redis_client, channel, ready))
    await ready.wait()
    sessions = async_sessionmaker(sqlite)
    async with sessions() as session:
        async with session.begin():
            await session.execute(text("SELECT 1"))
            await sender.arm(session)
            await session.rollback()  # rolled back: nothing is published
        async with session.begin():
            await session.execute(text("SELECT 1"))
            await sender.arm(session)
            await sender.arm(session)  # armed once per transaction
    async with asyncio.timeout(10):
        assert await listening == ["1"]


async def test_a_listening_relay_wakes_on_a_redis_wake_up(redis_client: RedisClient) -> None:
    channel = f"outbox-wake-{uuid.uuid4().hex}"
    listener = WakeListener(channel, None, redis_client)
    await listener.start()
    try:
        async with asyncio.timeout(10):
            while not await redis_client.publish(channel, "1"):  # noqa: ASYNC110 (until subscribed)
                await asyncio.sleep(0.01)
        started = time.monotonic()
        await listener.wait(30.0)
        assert time.monotonic() - started < 10.0
    finally:
        await listener.stop()
