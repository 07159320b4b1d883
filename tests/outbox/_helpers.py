"""What the outbox tests share: envelopes, a business table, reading a topic, waiting."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Awaitable, Callable
from typing import Any

from aiokafka import AIOKafkaConsumer

from huleedu_service_libs import EventEnvelope


def envelope(**data: Any) -> EventEnvelope[dict[str, Any]]:
    return EventEnvelope(event_type="EssaySubmitted", source_service="essay-service", data=data)


async def eventually(
    condition: Callable[[], Awaitable[bool]], within: float = 20.0, what: str = "condition"
) -> None:
    """Poll ``condition`` until it holds; fail after ``within`` seconds."""
    deadline = time.monotonic() + within
    while not await condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"{what} did not hold within {within}s")
        await asyncio.sleep(0.02)


class TopicReader:
    """Reads every record of a topic from the start; ``values`` are the decoded envelopes."""

    def __init__(self, bootstrap: str, topic: str) -> None:
        self.records: list[Any] = []
        self._consumer = AIOKafkaConsumer(
            topic, bootstrap_servers=bootstrap, auto_offset_reset="earliest"
        )

    async def __aenter__(self) -> TopicReader:
        await self._consumer.start()
        return self

    async def __aexit__(self, *_: object) -> None:
        await self._consumer.stop()

    async def read(self, count: int, within: float = 20.0) -> list[Any]:
        """Wait until at least ``count`` records arrived; returns all read so far."""
        deadline = time.monotonic() + within
        while len(self.records) < count:
            if time.monotonic() > deadline:
                raise AssertionError(f"{len(self.records)} of {count} records after {within}s")
            batch = await self._consumer.getmany(timeout_ms=200)
            for records in batch.values():
                self.records.extend(records)
        return self.records

    async def drain(self, seconds: float = 0.5) -> list[Any]:
        """Whatever else arrives within ``seconds`` (to show nothing more does)."""
        batch = await self._consumer.getmany(timeout_ms=int(seconds * 1000))
        for records in batch.values():
            self.records.extend(records)
        return self.records

    def values(self) -> list[dict[str, Any]]:
        return [json.loads(record.value) for record in self.records]
