"""``OutboxProvider``: the outbox by dishka, the relay started with the container and stopped
when it closes."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from dishka import Provider, Scope, make_async_container, provide
from sqlalchemy import Table
from sqlalchemy.ext.asyncio import AsyncEngine

from huleedu_service_libs import KafkaBus
from huleedu_service_libs.outbox import (
    EventRelayWorker,
    OutboxManager,
    OutboxProvider,
    OutboxRepositoryProtocol,
    OutboxSettings,
)
from huleedu_service_libs.protocols import KafkaPublisherProtocol
from tests.outbox._helpers import TopicReader, envelope

pytestmark = [pytest.mark.postgres, pytest.mark.kafka]


class ServiceProvider(Provider):
    def __init__(self, engine: AsyncEngine, bus: KafkaBus) -> None:
        super().__init__()
        self._engine, self._bus = engine, bus

    @provide(scope=Scope.APP)
    def engine(self) -> AsyncEngine:
        return self._engine

    @provide(scope=Scope.APP)
    async def kafka_bus(self) -> AsyncIterator[KafkaPublisherProtocol]:
        yield self._bus


async def test_the_container_gives_a_running_relay_and_a_manager_on_one_repository(
    engine: AsyncEngine, table: Table, bus: KafkaBus, topic: str, kafka_bootstrap: str
) -> None:
    settings = OutboxSettings(poll_interval_seconds=60)
    container = make_async_container(
        ServiceProvider(engine, bus), OutboxProvider("essay-service", settings, table=table)
    )
    try:
        relay = await container.get(EventRelayWorker)
        manager = await container.get(OutboxManager)
        assert await container.get(OutboxRepositoryProtocol) is manager.outbox_repository
        async with TopicReader(kafka_bootstrap, topic) as reader:
            await manager.publish_to_outbox("essay", "e-1", "EssaySubmitted", envelope(), topic)
            assert len(await reader.read(1, within=10.0)) == 1  # woken, not polled (60 s)
        assert relay.settings is settings
    finally:
        await container.close()
