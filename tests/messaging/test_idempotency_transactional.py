"""The transactional consumers on real PostgreSQL: the dedupe row commits with the effect."""

from __future__ import annotations

import asyncio
import datetime
import uuid
from collections.abc import AsyncIterator
from typing import Any

import pytest
from sqlalchemy import Column, Integer, MetaData, Table, Text, func, insert, select
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

from huleedu_otel.testing import TelemetryCapture
from huleedu_service_libs import (
    DuplicateInProgressError,
    EventEnvelope,
    IdempotencyStoreUnavailableError,
)
from huleedu_service_libs.idempotency import (
    create_idempotency_table,
    idempotency_table,
    purge_idempotency_records,
    transactional_idempotent_batch_consumer,
    transactional_idempotent_consumer,
)
from tests.conftest import free_port
from tests.messaging._records import envelope_record

pytestmark = pytest.mark.postgres


class Tables:
    """A dedupe table and an effects table (no unique key, so doubles would show) per test."""

    def __init__(self, engine: AsyncEngine) -> None:
        suffix = uuid.uuid4().hex[:10]
        self.metadata = MetaData()
        self.dedupe = idempotency_table(self.metadata, f"dedupe_{suffix}")
        self.effects = Table(
            f"effects_{suffix}", self.metadata, Column("event_id", Text), Column("n", Integer)
        )
        self.sessions = async_sessionmaker(engine, expire_on_commit=False)
        self.engine = engine

    async def effect_ids(self) -> list[str]:
        async with self.engine.connect() as connection:
            rows = await connection.execute(select(self.effects.c.event_id))
            return sorted(rows.scalars())

    async def dedupe_count(self) -> int:
        async with self.engine.connect() as connection:
            return int(await connection.scalar(select(func.count()).select_from(self.dedupe)) or 0)

    def record_effect(self, session: AsyncSession, record: Any) -> Any:
        event_id = str(EventEnvelope[dict[str, Any]].model_validate_json(record.value).event_id)
        return session.execute(insert(self.effects).values(event_id=event_id))


@pytest.fixture
async def tables(engine: AsyncEngine) -> AsyncIterator[Tables]:
    tables = Tables(engine)
    await create_idempotency_table(engine, tables.dedupe)
    async with engine.begin() as connection:
        await connection.run_sync(tables.effects.create)
    yield tables
    async with engine.begin() as connection:
        await connection.run_sync(tables.metadata.drop_all)


def _outcomes(otel: TelemetryCapture) -> dict[str, float]:
    outcomes = ("processed", "duplicate", "in_progress", "released", "store_unavailable")
    found = {o: otel.metrics.value("idempotency.messages", outcome=o) for o in outcomes}
    return {o: v for o, v in found.items() if v}


def _event_id(record: Any) -> str:
    return str(EventEnvelope[dict[str, Any]].model_validate_json(record.value).event_id)


async def test_effect_applies_once_and_the_redelivery_is_skipped(
    tables: Tables, otel: TelemetryCapture
) -> None:
    """The first delivery commits its effect and its dedupe row together; the redelivery finds
    the row, skips the handler, returns None and is counted a duplicate."""

    @transactional_idempotent_consumer(tables.sessions, namespace="ns", table=tables.dedupe)
    async def handle(record: Any, session: AsyncSession, factor: int) -> int:
        await tables.record_effect(session, record)
        return factor * 2

    record = envelope_record()
    assert await handle(record, 21) == 42
    assert await handle(record, 21) is None
    assert [_event_id(record)] == await tables.effect_ids()
    assert await tables.dedupe_count() == 1
    assert _outcomes(otel) == {"processed": 1, "duplicate": 1}
    assert otel.metrics.count("idempotency.store.duration") == 2


async def test_failed_handler_rolls_back_effect_and_claim_so_the_retry_applies(
    tables: Tables, otel: TelemetryCapture
) -> None:
    """An error after the effect was written undoes both the effect and the dedupe row (one
    transaction); the error reaches the caller and the redelivery applies the event once."""
    attempts: list[int] = []

    @transactional_idempotent_consumer(tables.sessions, namespace="ns", table=tables.dedupe)
    async def handle(record: Any, session: AsyncSession) -> None:
        attempts.append(1)
        await tables.record_effect(session, record)
        if len(attempts) == 1:
            raise RuntimeError("boom after the effect")

    record = envelope_record()
    with pytest.raises(RuntimeError, match="boom"):
        await handle(record)
    assert await tables.effect_ids() == []
    await handle(record)
    assert [_event_id(record)] == await tables.effect_ids()
    assert _outcomes(otel) == {"processed": 1, "released": 1}


async def test_batch_applies_each_new_event_once_in_batch_order(
    tables: Tables, otel: TelemetryCapture
) -> None:
    """A batch with an in-batch duplicate and an already applied event runs the handler for the
    first record of each new event only, in order, with one claim statement; an empty batch
    does nothing."""
    a, b, c = (envelope_record(offset=i) for i in range(3))
    seen: list[int] = []

    @transactional_idempotent_batch_consumer(tables.sessions, namespace="ns", table=tables.dedupe)
    async def handle(record: Any, session: AsyncSession) -> None:
        seen.append(record.offset)
        await tables.record_effect(session, record)

    await handle([])  # an empty poll opens no transaction
    await handle([a])
    await handle([b, a, c, b])
    assert seen == [0, 1, 2]
    assert sorted(_event_id(r) for r in (a, b, c)) == await tables.effect_ids()
    assert _outcomes(otel) == {"processed": 3, "duplicate": 2}
    assert otel.metrics.count("idempotency.store.duration") == 2


async def test_batch_failure_rolls_back_the_whole_batch(
    tables: Tables, otel: TelemetryCapture
) -> None:
    """One failing record undoes the effects and claims of the records before it in the batch:
    the batch applies whole or not at all, and its records are counted released."""
    records = [envelope_record(offset=i) for i in range(3)]

    @transactional_idempotent_batch_consumer(tables.sessions, namespace="ns", table=tables.dedupe)
    async def handle(record: Any, session: AsyncSession) -> None:
        await tables.record_effect(session, record)
        if record.offset == 2:
            raise ValueError("third record is bad")

    with pytest.raises(ValueError, match="third"):
        await handle(records)
    assert await tables.effect_ids() == []
    assert await tables.dedupe_count() == 0
    assert _outcomes(otel) == {"released": 3}


async def test_concurrent_duplicate_past_lock_timeout_raises_retryable(
    tables: Tables, postgres_url: str, otel: TelemetryCapture
) -> None:
    """While one transaction holds an event, a duplicate whose session has a lock_timeout gets
    DuplicateInProgressError (redeliver it) instead of waiting; once the first commits, the
    duplicate is skipped."""
    impatient = create_async_engine(
        postgres_url, connect_args={"server_settings": {"lock_timeout": "100"}}
    )
    claimed, release = asyncio.Event(), asyncio.Event()

    @transactional_idempotent_consumer(tables.sessions, namespace="ns", table=tables.dedupe)
    async def slow(record: Any, session: AsyncSession) -> None:
        claimed.set()  # the handler runs only after its claim row was inserted
        await tables.record_effect(session, record)
        await release.wait()

    @transactional_idempotent_consumer(
        async_sessionmaker(impatient), namespace="ns", table=tables.dedupe
    )
    async def quick(record: Any, session: AsyncSession) -> None:
        await tables.record_effect(session, record)

    record = envelope_record()
    first = asyncio.create_task(slow(record))
    try:
        await claimed.wait()
        with pytest.raises(DuplicateInProgressError):
            await quick(record)
        release.set()
        await first
        assert await quick(record) is None
    finally:
        release.set()
        await impatient.dispose()
    assert [_event_id(record)] == await tables.effect_ids()
    assert _outcomes(otel) == {"processed": 1, "in_progress": 1, "duplicate": 1}


async def test_unreachable_database_raises_store_unavailable(otel: TelemetryCapture) -> None:
    """No database: the claim fails with IdempotencyStoreUnavailableError (the effect could
    not be written either), the handler never runs, and the outage is counted."""
    engine = create_async_engine(f"postgresql+asyncpg://postgres@127.0.0.1:{free_port()}/test")
    ran: list[Any] = []

    @transactional_idempotent_consumer(async_sessionmaker(engine), namespace="ns")
    async def handle(record: Any, session: AsyncSession) -> None:
        ran.append(record)

    try:
        with pytest.raises(IdempotencyStoreUnavailableError):
            await handle(envelope_record())
    finally:
        await engine.dispose()
    assert ran == []
    assert _outcomes(otel) == {"store_unavailable": 1}


async def test_table_helpers_create_idempotently_and_purge_old_records(tables: Tables) -> None:
    """Creating an existing table is a no-op; purging removes only records older than asked."""
    await create_idempotency_table(tables.engine, tables.dedupe)
    old = datetime.datetime.now(datetime.UTC) - datetime.timedelta(days=10)
    async with tables.engine.begin() as connection:
        await connection.execute(
            insert(tables.dedupe).values(namespace="ns", event_id="old", processed_at=old)
        )
        await connection.execute(insert(tables.dedupe).values(namespace="ns", event_id="new"))
    removed = await purge_idempotency_records(
        tables.engine, datetime.timedelta(days=7), tables.dedupe
    )
    assert removed == 1
    async with tables.engine.connect() as connection:
        left = await connection.execute(select(tables.dedupe.c.event_id))
        assert list(left.scalars()) == ["new"]
