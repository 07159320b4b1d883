"""A consumer process for the crash test: batches through the idempotent batch consumer.

Usage: python -m tests.messaging._crash_consumer BOOTSTRAP TOPIC REDIS_URL NAMESPACE OUT_KEY

Each handled event's id is appended to the Redis list OUT_KEY; offsets are committed after each
batch. A batch with an event still leased by a dead process is rewound and retried.
"""

from __future__ import annotations

import asyncio
import sys
from typing import Any

from aiokafka import AIOKafkaConsumer, TopicPartition

from huleedu_service_libs import DuplicateInProgressError, EventEnvelope
from huleedu_service_libs.idempotency import idempotent_batch_consumer
from tests.messaging._scripting_redis import ScriptingRedis

LEASE_SECONDS = 1.0


async def main(bootstrap: str, topic: str, redis_url: str, namespace: str, out_key: str) -> None:
    redis = await ScriptingRedis(redis_url).start()

    @idempotent_batch_consumer(redis_client=redis, namespace=namespace, lease_seconds=LEASE_SECONDS)
    async def handle(record: Any) -> None:
        envelope = EventEnvelope[dict[str, Any]].model_validate_json(record.value)
        await redis.client.rpush(out_key, str(envelope.event_id))
        await asyncio.sleep(0.02)

    consumer = AIOKafkaConsumer(
        bootstrap_servers=bootstrap, group_id=namespace, enable_auto_commit=False,
        auto_offset_reset="earliest",
    )  # fmt: skip
    await consumer.start()
    partitions = consumer.partitions_for_topic(topic) or set()
    consumer.assign([TopicPartition(topic, p) for p in partitions])
    while True:
        for tp, records in (await consumer.getmany(timeout_ms=200, max_records=5)).items():
            try:
                await handle(records)
            except DuplicateInProgressError:
                consumer.seek(tp, records[0].offset)
                await asyncio.sleep(0.2)
                continue
            await consumer.commit({tp: records[-1].offset + 1})


if __name__ == "__main__":
    asyncio.run(main(*sys.argv[1:6]))
