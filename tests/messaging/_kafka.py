"""Small aiokafka helpers the messaging tests share."""

from __future__ import annotations

from typing import Any

from aiokafka import AIOKafkaConsumer

#: tansu has no idempotent producer (see the field notes); production keeps the default.
TANSU_OPTIONS: dict[str, Any] = {"enable_idempotence": False}


def consumer(bootstrap: str, topic: str, group: str | None = None, **options: Any) -> Any:
    return AIOKafkaConsumer(
        topic,
        bootstrap_servers=bootstrap,
        group_id=group,
        auto_offset_reset="earliest",
        enable_auto_commit=False,
        **options,
    )


async def consume(bootstrap: str, topic: str, count: int) -> list[Any]:
    """The first ``count`` records of ``topic``, read with ``getone``."""
    reader = consumer(bootstrap, topic)
    await reader.start()
    try:
        return [await reader.getone() for _ in range(count)]
    finally:
        await reader.stop()
