"""A started ``RedisClient`` on the shared Redis, and a key prefix no other test uses."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

import pytest

from huleedu_service_libs import RedisClient


@pytest.fixture
def prefix() -> str:
    """Keys of one test live under this prefix; the shared Redis is never flushed."""
    return f"test:{uuid.uuid4().hex}:"


@pytest.fixture
async def redis_client(redis_url: str, prefix: str) -> AsyncIterator[RedisClient]:
    client = RedisClient(client_id="test-redis", redis_url=redis_url)
    await client.start()
    yield client
    for key in await client.scan_pattern(f"{prefix}*"):
        await client.delete_key(key)
    await client.stop()
