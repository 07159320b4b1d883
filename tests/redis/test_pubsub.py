"""Pub/sub through RedisClient (delegated to RedisPubSub) against the shared Redis."""

from __future__ import annotations

import asyncio
import json

from huleedu_service_libs import RedisClient, RedisPubSub


async def test_a_published_message_reaches_the_subscriber(
    redis_client: RedisClient, prefix: str
) -> None:
    """The subscriber sees the subscribe confirmation, then the message; publish counts it."""
    channel = f"{prefix}channel"
    async with redis_client.subscribe(channel) as subscription:
        messages = subscription.listen()
        confirmation = await anext(messages)
        assert await redis_client.publish(channel, "hello") == 1
        async with asyncio.timeout(5):
            message = await anext(messages)
    assert ("subscribe", channel) == (confirmation["type"], confirmation["channel"])
    assert ("message", channel, "hello") == (message["type"], message["channel"], message["data"])


async def test_after_the_block_the_subscription_is_gone(
    redis_client: RedisClient, prefix: str
) -> None:
    """Leaving ``async with`` unsubscribes: nobody receives the next message."""
    channel = f"{prefix}channel"
    async with redis_client.subscribe(channel) as subscription:
        await anext(subscription.listen())
        assert await redis_client.publish(channel, "x") == 1
    assert await redis_client.publish(channel, "x") == 0


async def test_user_notifications_go_to_the_users_ws_channel_as_json(
    redis_client: RedisClient, prefix: str
) -> None:
    """publish_user_notification sends {"event", "data"} to ws:{user_id}."""
    user_id = f"{prefix}user123"
    assert redis_client.get_user_channel(user_id) == f"ws:{user_id}"
    async with redis_client.subscribe(f"ws:{user_id}") as subscription:
        messages = subscription.listen()
        await anext(messages)
        receivers = await redis_client.publish_user_notification(
            user_id=user_id, event_type="essay_graded", data={"essay_id": "e1", "score": 85}
        )
        async with asyncio.timeout(5):
            message = await anext(messages)
    assert receivers == 1
    assert json.loads(message["data"]) == {
        "event": "essay_graded",
        "data": {"essay_id": "e1", "score": 85},
    }


def test_the_user_channel_needs_no_connection() -> None:
    """get_user_channel is pure: it works before start()."""
    assert RedisClient(client_id="x").get_user_channel("u1") == "ws:u1"
    assert RedisPubSub.get_user_channel("u1") == "ws:u1"
