"""The seed README's Redis examples, run as written there (names adapted to fixtures)."""

from __future__ import annotations

import asyncio
import inspect
import json
import logging
from unittest.mock import AsyncMock

import pytest

from huleedu_service_libs import RedisClient
from huleedu_service_libs.protocols import AtomicRedisClientProtocol, RedisClientProtocol

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


def _shape(function: object) -> list[tuple[str, object, object]]:
    """Parameter names, kinds and defaults (annotations are spelled differently, not checked)."""
    parameters = inspect.signature(function).parameters.values()  # type: ignore[arg-type]
    return [(p.name, p.kind, p.default) for p in parameters]


@pytest.mark.parametrize("protocol", [RedisClientProtocol, AtomicRedisClientProtocol])
def test_a_mock_specced_on_the_protocol_takes_the_calls_the_client_takes(
    protocol: type,
) -> None:
    """The seed's unit-test pattern specs an ``AsyncMock`` on the protocol: every method the
    protocol names must exist on ``RedisClient`` with the same parameters, or such a mock
    accepts calls the real client rejects."""
    names = sorted(n for n in dir(protocol) if not n.startswith("_"))

    assert {n: _shape(getattr(protocol, n)) for n in names} == {
        n: _shape(getattr(RedisClient, n)) for n in names
    }
    mock_redis = AsyncMock(spec=protocol)
    with pytest.raises(AttributeError):
        mock_redis.not_a_protocol_method  # noqa: B018
