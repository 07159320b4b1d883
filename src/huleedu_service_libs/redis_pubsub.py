"""Redis pub/sub for real-time notifications: publish to a channel, listen on one.

``RedisClient`` delegates its pub/sub methods here. A user's notifications go to the channel
``ws:{user_id}``, as JSON ``{"event": ..., "data": ...}``, which is what the WebSocket gateway
subscribes to.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress
from typing import Any

from redis.asyncio import Redis
from redis.asyncio.client import PubSub
from redis.exceptions import RedisError

from huleedu_service_libs._redis_errors import translated_errors

__all__ = ["USER_CHANNEL_PREFIX", "RedisPubSub", "Subscription"]

#: The channel of user ``u`` is ``ws:u``.
USER_CHANNEL_PREFIX = "ws:"


class Subscription:
    """One open subscription; iterate :meth:`listen` for its messages."""

    def __init__(self, pubsub: PubSub, where: str) -> None:
        self._pubsub = pubsub
        self._where = where

    async def listen(self) -> AsyncIterator[dict[str, Any]]:
        """Every message as redis-py gives it (``type``, ``channel``, ``data``), until closed.

        The first is the ``subscribe`` confirmation; notifications have ``type == "message"``.
        """
        with translated_errors(self._where):
            async for message in self._pubsub.listen():
                yield message


class RedisPubSub:
    """Publish and subscribe over a started redis-py asyncio client."""

    def __init__(self, client: Redis, *, where: str) -> None:
        """``where`` names the server in errors; it must not carry credentials."""
        self._client = client
        self._where = where

    async def publish(self, channel: str, message: str) -> int:
        """Send ``message``; returns how many subscribers received it."""
        with translated_errors(self._where):
            receivers: int = await self._client.publish(channel, message)
        return receivers

    @asynccontextmanager
    async def subscribe(self, channel: str) -> AsyncIterator[Subscription]:
        """Subscribe for the duration of the ``async with`` block, on a connection of its own."""
        pubsub = self._client.pubsub()
        try:
            with translated_errors(self._where):
                await pubsub.subscribe(channel)
            yield Subscription(pubsub, self._where)
        finally:
            with suppress(RedisError, OSError):
                await pubsub.aclose()  # type: ignore[no-untyped-call]

    @staticmethod
    def get_user_channel(user_id: str) -> str:
        return f"{USER_CHANNEL_PREFIX}{user_id}"

    async def publish_user_notification(
        self, user_id: str, event_type: str, data: dict[str, Any]
    ) -> int:
        """Publish ``{"event": event_type, "data": data}`` as JSON on the user's channel."""
        message = json.dumps({"event": event_type, "data": data})
        return await self.publish(self.get_user_channel(user_id), message)
