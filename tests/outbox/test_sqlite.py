"""SQLite (the demo's database): the same outbox, with one writer and an in-process wake-up."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine

from huleedu_service_libs import KafkaBus
from huleedu_service_libs.outbox import (
    EventRelayWorker,
    OutboxManager,
    OutboxSettings,
    PostgreSQLOutboxRepository,
    create_outbox_table,
)
from tests.outbox._helpers import TopicReader, envelope

pytestmark = pytest.mark.kafka


@pytest.fixture
async def sqlite_engine(tmp_path: Path) -> AsyncIterator[AsyncEngine]:
    engine = create_async_engine(f"sqlite+aiosqlite:///{tmp_path / 'outbox.db'}")
    yield engine
    await engine.dispose()


async def test_sqlite_outbox_publishes_right_after_the_commit(
    sqlite_engine: AsyncEngine, bus: KafkaBus, topic: str, kafka_bootstrap: str
) -> None:
    """No ``NOTIFY`` on SQLite: the commit wakes a relay of the same process directly."""
    await create_outbox_table(sqlite_engine)
    repository = PostgreSQLOutboxRepository(sqlite_engine, service_name="demo")
    manager = OutboxManager(repository)
    relay = EventRelayWorker(repository, bus, OutboxSettings(poll_interval_seconds=60), "demo")
    await relay.start()
    try:
        async with TopicReader(kafka_bootstrap, topic) as reader:
            started = time.monotonic()
            async with async_sessionmaker(sqlite_engine)() as session, session.begin():
                await manager.publish_to_outbox(
                    "essay", "e-1", "EssaySubmitted", envelope(n=1), topic, "e-1", session=session
                )
            await reader.read(1, within=10.0)
            assert time.monotonic() - started < 30.0
    finally:
        await relay.stop()
    assert list(await repository.get_unpublished_events()) == []
