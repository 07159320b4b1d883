"""The essay consumer: counts words, stores the result, notifies the author, exactly once.

Runs inside the web process (``RUN_CONSUMER=true``) or on its own:
``opentelemetry-instrument python -m huleedu_otel.tools.examples.essay_service.consumer``.
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
from typing import Any

from aiokafka import AIOKafkaConsumer
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine

from huleedu_otel.tools.examples.essay_service.events import EssaySubmitted
from huleedu_otel.tools.examples.essay_service.models import Essay
from huleedu_otel.tools.examples.essay_service.settings import Settings
from huleedu_service_libs import EventEnvelope, RedisClient
from huleedu_service_libs.errors import DuplicateInProgressError
from huleedu_service_libs.idempotency import idempotent_consumer
from huleedu_service_libs.logging_utils import (
    configure_service_logging,
    create_service_logger,
    log_event_processing,
)
from huleedu_service_libs.protocols import RedisClientProtocol

logger = create_service_logger("essay_service.consumer")


class EssayEventConsumer:
    """Consumes ``essay-events``; the idempotency guard makes every effect happen once."""

    def __init__(
        self, settings: Settings, engine: AsyncEngine, redis_client: RedisClientProtocol
    ) -> None:
        self._settings = settings
        self._sessions = async_sessionmaker(engine, expire_on_commit=False)
        self._redis = redis_client
        self._consumer = AIOKafkaConsumer(
            settings.TOPIC,
            bootstrap_servers=settings.KAFKA_BOOTSTRAP_SERVERS,
            group_id=settings.CONSUMER_GROUP,
            enable_auto_commit=False,
            auto_offset_reset="earliest",
        )
        self.process_message = idempotent_consumer(
            redis_client=redis_client, ttl_seconds=86400, consumer_group=settings.CONSUMER_GROUP
        )(self._process_message)

    async def start(self) -> None:
        await self._consumer.start()

    async def stop(self) -> None:
        await self._consumer.stop()

    async def run(self) -> None:
        """Handle records until cancelled; commit each one after its effect is done."""
        async for record in self._consumer:
            try:
                await self.process_message(record)
            except DuplicateInProgressError:
                logger.warning(
                    "Event in progress elsewhere; will be redelivered", offset=record.offset
                )
                continue
            await self._consumer.commit()

    async def _process_message(self, record: Any) -> None:
        envelope = EventEnvelope[EssaySubmitted].model_validate_json(record.value)
        log_event_processing(logger, "Counting words", envelope, essay_id=envelope.data.essay_id)
        async with self._sessions.begin() as session:
            essay = await session.get(Essay, envelope.data.essay_id)
            if essay is None:
                logger.warning("Essay not found", essay_id=envelope.data.essay_id)
                return
            words = len(essay.text.split())
            await session.execute(
                update(Essay).where(Essay.id == essay.id).values(word_count=words)
            )
        await self._redis.setex(f"essay:{essay.id}:word_count", 3600, str(words))
        await self._redis.publish_user_notification(
            user_id=envelope.data.user_id,
            event_type="essay_counted",
            data={"essay_id": essay.id, "word_count": words},
        )
        logger.info("Essay counted", essay_id=essay.id, word_count=words)


async def _main() -> None:
    settings = Settings()
    configure_service_logging(settings.SERVICE_NAME, settings.ENVIRONMENT, settings.LOG_LEVEL)
    engine = create_async_engine(settings.DATABASE_URL)
    redis_client = RedisClient(
        client_id=f"{settings.SERVICE_NAME}-consumer", redis_url=settings.REDIS_URL
    )
    await redis_client.start()
    consumer = EssayEventConsumer(settings, engine, redis_client)
    await consumer.start()
    task = asyncio.create_task(consumer.run())
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, task.cancel)
    with contextlib.suppress(asyncio.CancelledError):
        await task
    await consumer.stop()
    await redis_client.stop()
    await engine.dispose()


def main() -> None:
    asyncio.run(_main())


if __name__ == "__main__":
    main()
