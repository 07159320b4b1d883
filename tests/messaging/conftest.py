"""Fixtures for the messaging tests: a scripting Redis client and unique names."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

import pytest

from tests.messaging._scripting_redis import ScriptingRedis


@pytest.fixture
async def scripting_redis(redis_url: str) -> AsyncIterator[ScriptingRedis]:
    """The real ``RedisClient`` the idempotent consumer runs its scripts through."""
    client = await ScriptingRedis(redis_url).start()
    yield client
    await client.close()


@pytest.fixture
def topic() -> str:
    return f"t-{uuid.uuid4().hex[:12]}"


@pytest.fixture
def namespace() -> str:
    """An idempotency namespace no other test (or run) shares: keys never collide."""
    return f"test-{uuid.uuid4().hex}"
