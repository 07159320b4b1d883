"""The outbox's promise: an event exists exactly when the transaction that wrote it commits,
and the relay delivers it once (real PostgreSQL, real tansu broker)."""

from __future__ import annotations

import time

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker

from huleedu_service_libs import KafkaBus
from huleedu_service_libs.outbox import (
    EventRelayWorker,
    OutboxManager,
    OutboxSettings,
    PostgreSQLOutboxRepository,
)
from tests.outbox._helpers import TopicReader, envelope

pytestmark = [pytest.mark.postgres, pytest.mark.kafka]

#: So long that only a wake-up can explain a prompt delivery.
NO_POLL = OutboxSettings(poll_interval_seconds=60.0, backlog_refresh_seconds=0.0)


class Boom(Exception):
    pass


async def test_a_rolled_back_transaction_leaves_no_event(
    engine: AsyncEngine, repository: PostgreSQLOutboxRepository, bus: KafkaBus, topic: str
) -> None:
    """The row is written in the caller's session: its rollback takes the event with it."""
    manager = OutboxManager(repository, service_name="test-service")
    sessions = async_sessionmaker(engine)

    async def write_then_fail() -> None:
        async with sessions() as session, session.begin():
            await manager.publish_to_outbox(
                "essay", "e-1", "EssaySubmitted", envelope(n=1), topic, session=session
            )
            raise Boom

    with pytest.raises(Boom):
        await write_then_fail()
    relay = EventRelayWorker(repository, bus, NO_POLL, "test-service")
    assert await relay.relay_once() == 0
    assert list(await repository.get_unpublished_events()) == []


async def test_a_committed_event_is_delivered_once_with_its_event_id(
    engine: AsyncEngine,
    repository: PostgreSQLOutboxRepository,
    bus: KafkaBus,
    topic: str,
    kafka_bootstrap: str,
) -> None:
    """Commit, and the running relay (woken by the commit, not its 60 s poll) publishes the
    envelope once, with the event id the service gave it, then marks the row published."""
    manager = OutboxManager(repository, service_name="test-service")
    relay = EventRelayWorker(repository, bus, NO_POLL, "test-service")
    await relay.start()
    sent = envelope(n=1)
    sessions = async_sessionmaker(engine)
    try:
        async with TopicReader(kafka_bootstrap, topic) as reader:
            started = time.monotonic()
            async with sessions() as session, session.begin():
                row_id = await manager.publish_to_outbox(
                    "essay", "e-1", "EssaySubmitted", sent, topic, "e-1", session=session
                )
            await reader.read(1, within=10.0)
            assert time.monotonic() - started < 30.0  # well inside the 60 s poll: a wake-up
            await reader.drain(0.5)
    finally:
        await relay.stop()
    assert [str(sent.event_id)] == [value["event_id"] for value in reader.values()]
    assert reader.records[0].key == b"e-1"
    row = await repository.get_event_by_id(row_id)
    assert row is not None
    assert row.published_at is not None
    assert list(await repository.get_unpublished_events()) == []


async def test_without_a_session_the_manager_commits_the_event_itself(
    repository: PostgreSQLOutboxRepository, bus: KafkaBus, topic: str, kafka_bootstrap: str
) -> None:
    manager = OutboxManager(repository)
    await manager.publish_to_outbox("essay", "e-2", "EssaySubmitted", envelope(n=2), topic)
    assert len(await repository.get_unpublished_events()) == 1
    relay = EventRelayWorker(repository, bus, NO_POLL, "test-service")
    assert await relay.relay_once() == 1
    async with TopicReader(kafka_bootstrap, topic) as reader:
        assert len(await reader.read(1)) == 1


async def test_extra_headers_travel_with_the_record(
    repository: PostgreSQLOutboxRepository, bus: KafkaBus, topic: str, kafka_bootstrap: str
) -> None:
    manager = OutboxManager(repository)
    await manager.publish_to_outbox(
        "essay", "e-3", "EssaySubmitted", envelope(), topic, headers={"x-tenant": "school-7"}
    )
    await EventRelayWorker(repository, bus, NO_POLL, "test-service").relay_once()
    async with TopicReader(kafka_bootstrap, topic) as reader:
        record = (await reader.read(1))[0]
    assert ("x-tenant", b"school-7") in list(record.headers)


async def test_the_table_has_an_index_for_the_next_pending_rows(
    engine: AsyncEngine, repository: PostgreSQLOutboxRepository
) -> None:
    """The relay's claim reads the partial index, not the whole table."""
    name = repository.table.name
    async with engine.connect() as connection:
        rows = await connection.execute(
            text("SELECT indexdef FROM pg_indexes WHERE tablename = :t"), {"t": name}
        )
        definitions = " ".join(rows.scalars())
    assert f"ix_{name}_pending" in definitions
    assert "WHERE ((published_at IS NULL) AND (failed_at IS NULL))" in definitions


async def test_a_failed_outbox_write_raises_the_outbox_storage_error(engine: AsyncEngine) -> None:
    """The caller gets the library's structured error, the database's (which may quote
    values) only as its cause."""
    from sqlalchemy import MetaData
    from sqlalchemy.exc import SQLAlchemyError

    from huleedu_service_libs.error_handling import HuleEduError
    from huleedu_service_libs.outbox import outbox_table

    missing = outbox_table(MetaData(), name="outbox_never_created")
    repository = PostgreSQLOutboxRepository(engine, table=missing)
    manager = OutboxManager(repository, service_name="essay-service")
    with pytest.raises(HuleEduError) as caught:
        await manager.publish_to_outbox("essay", "e-1", "EssaySubmitted", envelope(), "topic")
    assert caught.value.error_detail.details["aggregate_id"] == "e-1"
    assert caught.value.error_detail.service == "essay-service"
    assert isinstance(caught.value.__cause__, SQLAlchemyError)
