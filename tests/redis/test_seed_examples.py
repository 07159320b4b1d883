"""The seed README's Redis examples, run as written there (names adapted to fixtures)."""

from __future__ import annotations

import asyncio
import json
import logging
from unittest.mock import AsyncMock

import pytest

from huleedu_service_libs import RedisClient
from huleedu_service_libs.protocols import RedisClientProtocol

logger = logging.getLogger(__name__)


async def test_idempotency_pattern(
    redis_url: str, prefix: str, caplog: pytest.LogCaptureFixture
) -> None:
    """The second delivery of an event is recognised as a duplicate and skipped."""
    redis_client = RedisClient(client_id="cj-assessment-redis", redis_url=redis_url)
    await redis_client.start()
    processed: list[str] = []

    async def handle(event_id: str) -> None:
        # Check for duplicate processing
        key = f"{prefix}processed:{event_id}"
        is_first = await redis_client.set_if_not_exists(key, "1", ttl_seconds=86400)
        if not is_first:
            logger.warning("Duplicate event %s", event_id)
            return
        processed.append(event_id)

    try:
        await handle("event-1")
        await handle("event-1")
    finally:
        await redis_client.delete_key(f"{prefix}processed:event-1")
        await redis_client.stop()
    assert processed == ["event-1"]
    assert "Duplicate event event-1" in caplog.text


async def test_transaction_pattern(redis_client: RedisClient, prefix: str) -> None:
    """Atomic counter increment; a conflict is reported, never silently lost."""
    counter = f"{prefix}counter"

    async def increment() -> bool:
        await redis_client.watch(counter)
        current = await redis_client.get(counter)
        await redis_client.multi()
        await redis_client.setex(counter, 3600, str(int(current or 0) + 1))
        result = await redis_client.exec()
        if result is None:  # Transaction failed
            logger.warning("Counter update conflict")
            return False
        return True

    assert await increment() is True
    assert await increment() is True
    assert await redis_client.get(counter) == "2"


async def test_pub_sub_pattern(redis_client: RedisClient, prefix: str) -> None:
    """A subscriber on ws:user123 receives the notification published to user123."""
    user_id = f"{prefix}user123"
    received: list[dict[str, object]] = []
    subscribed = asyncio.Event()

    async def subscriber() -> None:
        # Subscribe to channel
        async with redis_client.subscribe(f"ws:{user_id}") as pubsub:
            async for msg in pubsub.listen():
                if msg["type"] == "subscribe":
                    subscribed.set()
                if msg["type"] == "message":
                    data = json.loads(msg["data"])
                    received.append(data)  # Process notification
                    return

    listening = asyncio.create_task(subscriber())
    await subscribed.wait()
    # Publish to user channel
    await redis_client.publish_user_notification(
        user_id=user_id, event_type="essay_graded", data={"essay_id": "essay456", "score": 85}
    )
    async with asyncio.timeout(5):
        await listening
    assert received == [{"event": "essay_graded", "data": {"essay_id": "essay456", "score": 85}}]


async def test_unit_testing_pattern_with_a_protocol_spec() -> None:
    """The seed's unit-test example: an AsyncMock specced on the protocol behaves as shown."""
    mock_redis = AsyncMock(spec=RedisClientProtocol)
    mock_redis.set_if_not_exists.return_value = True
    mock_redis.get.return_value = "cached_value"
    assert await mock_redis.set_if_not_exists("k", "1") is True
    assert await mock_redis.get("k") == "cached_value"
    with pytest.raises(AttributeError):
        mock_redis.not_a_protocol_method  # noqa: B018
