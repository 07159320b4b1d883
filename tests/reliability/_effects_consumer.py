"""A consumer process for the exactly-once experiment: each event's effect is a PostgreSQL row.

Usage: python -m tests.reliability._effects_consumer CONFIG_JSON  (see ``ConsumerConfig``)

The effect is ``INSERT INTO <effects>(event_id, attempt)``, a table without a unique key, so a
doubled effect shows as a second row. ``mode`` picks the guard: ``redis`` (the effect commits on
its own, then the done marker goes to Redis) or ``transactional`` (the dedupe row commits in the
effect's transaction). Offsets are committed to the consumer group after each batch; the process
exits 0 once it has consumed up to ``end_offsets`` (the producer's acknowledged offsets: tansu
0.6's ListOffsets "latest" answers short, by about one record batch per partition).
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
import sys
from collections.abc import Callable, Coroutine, Sequence
from typing import Any

from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.structs import OffsetAndMetadata
from sqlalchemy import Column, Integer, MetaData, Table, Text, insert
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

from huleedu_service_libs import DuplicateInProgressError, RedisClient
from huleedu_service_libs.events import generate_deterministic_event_id
from huleedu_service_libs.idempotency import (
    idempotency_table,
    idempotent_batch_consumer,
    transactional_idempotent_batch_consumer,
)

BatchHandler = Callable[[Sequence[Any]], Coroutine[Any, Any, None]]


@dataclasses.dataclass(frozen=True)
class ConsumerConfig:
    mode: str  # "redis" or "transactional"
    bootstrap: str
    topic: str
    group: str
    postgres_url: str
    effects_table: str
    dedupe_table: str
    redis_url: str
    namespace: str
    batch_size: int
    lease_seconds: float
    end_offsets: list[int] = dataclasses.field(default_factory=list)  # per partition
    attempt: int = 0  # which start of the consumer this process is

    def to_json(self) -> str:
        return json.dumps(dataclasses.asdict(self))


def effects_table(name: str, metadata: MetaData | None = None) -> Table:
    """One row per applied effect; deliberately no unique key."""
    return Table(name, metadata or MetaData(), Column("event_id", Text), Column("attempt", Integer))


def _effect(table: Table, record: Any, attempt: int) -> Any:
    event_id = generate_deterministic_event_id(record.value)
    return insert(table).values(event_id=event_id, attempt=attempt)


async def _redis_handler(config: ConsumerConfig, engine: AsyncEngine) -> BatchHandler:
    """The effect commits in its own transaction; "done" is written to Redis afterwards."""
    redis = RedisClient(client_id="exactly-once-consumer", redis_url=config.redis_url)
    await redis.start()
    effects = effects_table(config.effects_table)

    async def apply(record: Any) -> None:
        async with engine.begin() as connection:
            await connection.execute(_effect(effects, record, config.attempt))

    guard = idempotent_batch_consumer(
        redis_client=redis,
        ttl_seconds=600,
        namespace=config.namespace,
        lease_seconds=config.lease_seconds,
    )
    return guard(apply)


def _transactional_handler(config: ConsumerConfig, engine: AsyncEngine) -> BatchHandler:
    """The effect and the dedupe row commit in one transaction per batch."""
    effects = effects_table(config.effects_table)
    guard = transactional_idempotent_batch_consumer(
        async_sessionmaker(engine),
        namespace=config.namespace,
        table=idempotency_table(name=config.dedupe_table),
    )

    async def apply(record: Any, session: AsyncSession) -> None:
        await session.execute(_effect(effects, record, config.attempt))

    return guard(apply)


async def _consume(
    consumer: AIOKafkaConsumer, handle: BatchHandler, config: ConsumerConfig
) -> None:
    """Handle batches and commit them until every partition reached its end offset."""
    end = {TopicPartition(config.topic, p): o for p, o in enumerate(config.end_offsets)}
    consumer.assign(list(end))
    while await _behind(consumer, end):
        batches = await consumer.getmany(timeout_ms=200, max_records=config.batch_size)
        for tp, records in batches.items():
            try:
                await handle(records)
            except DuplicateInProgressError:  # a dead process's lease: retry after a pause
                consumer.seek(tp, records[0].offset)
                await asyncio.sleep(0.1)
                continue
            await consumer.commit({tp: OffsetAndMetadata(records[-1].offset + 1, "")})


async def _behind(consumer: AIOKafkaConsumer, end: dict[TopicPartition, int]) -> bool:
    positions = [await consumer.position(tp) for tp in end]
    return any(position < end[tp] for position, tp in zip(positions, end, strict=True))


async def main(config: ConsumerConfig) -> None:
    engine = create_async_engine(config.postgres_url, pool_size=2)
    if config.mode == "redis":
        handle = await _redis_handler(config, engine)
    else:
        handle = _transactional_handler(config, engine)
    consumer = AIOKafkaConsumer(
        bootstrap_servers=config.bootstrap,
        group_id=config.group,
        enable_auto_commit=False,
        auto_offset_reset="earliest",
    )
    await consumer.start()
    await _consume(consumer, handle, config)
    await consumer.stop()
    await engine.dispose()


if __name__ == "__main__":
    asyncio.run(main(ConsumerConfig(**json.loads(sys.argv[1]))))
