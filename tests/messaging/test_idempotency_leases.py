"""Leases that cannot expire under a running handler (real Redis, real PostgreSQL).

The guard renews its lease every third of ``lease_seconds`` while the handler runs. What must
hold: a handler that runs three times its lease is never run a second time concurrently; when
the lease is lost anyway (deleted, as a Redis failover may; a database connection cut under
the transactional mode) the event is not marked done, ``lease_lost`` is counted, and the error
asks for a redelivery, which runs it again.
"""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
)

from huleedu_otel.testing import TelemetryCapture
from huleedu_service_libs import DuplicateInProgressError, EventEnvelope
from huleedu_service_libs.errors import IdempotencyLeaseLostError
from huleedu_service_libs.idempotency import (
    create_idempotency_table,
    idempotency_table,
    idempotent_batch_consumer,
    idempotent_consumer,
    transactional_idempotent_consumer,
)
from huleedu_service_libs.idempotency._claims import claim_key
from tests.messaging._records import envelope_record
from tests.messaging._scripting_redis import ScriptingRedis

LEASE_SECONDS = 0.3


@pytest.mark.redis
async def test_a_handler_running_three_leases_long_is_never_run_twice_concurrently(
    scripting_redis: ScriptingRedis, namespace: str
) -> None:
    """Redeliveries keep arriving while the first attempt runs three times its lease: every one is
    turned away as in progress, and the one after the run is a duplicate."""
    running, concurrent_max, runs = 0, 0, 0
    started, finish = asyncio.Event(), asyncio.Event()

    @idempotent_consumer(
        redis_client=scripting_redis, namespace=namespace, lease_seconds=LEASE_SECONDS
    )
    async def handle(msg: Any) -> None:
        nonlocal running, concurrent_max, runs
        running, runs = running + 1, runs + 1
        concurrent_max = max(concurrent_max, running)
        started.set()
        try:
            if runs == 1:  # a second run would be the failure: it must not hang the test
                await finish.wait()
        finally:
            running -= 1

    record = envelope_record()
    first = asyncio.create_task(handle(record))
    await started.wait()
    refused = 0
    loop = asyncio.get_running_loop()
    deadline = loop.time() + 3 * LEASE_SECONDS
    while loop.time() < deadline:
        with pytest.raises(DuplicateInProgressError):
            await handle(record)
        refused += 1
        await asyncio.sleep(LEASE_SECONDS / 10)
    finish.set()
    await first
    assert await handle(record) is None  # done: a duplicate now
    assert (runs, concurrent_max) == (1, 1)
    assert refused >= 10


@pytest.mark.redis
async def test_a_lost_lease_is_not_marked_done_counted_and_redelivered(
    scripting_redis: ScriptingRedis, namespace: str, otel: TelemetryCapture
) -> None:
    started, finish = asyncio.Event(), asyncio.Event()
    runs = 0

    @idempotent_consumer(
        redis_client=scripting_redis, namespace=namespace, lease_seconds=LEASE_SECONDS
    )
    async def handle(msg: Any) -> None:
        nonlocal runs
        runs += 1
        started.set()
        await finish.wait()

    record = envelope_record()
    first = asyncio.create_task(handle(record))
    await started.wait()
    await scripting_redis.client.delete(claim_key(namespace, record))  # a failover lost it
    finish.set()
    with pytest.raises(IdempotencyLeaseLostError):
        await first
    assert otel.metrics.value("idempotency.messages", outcome="lease_lost") == 1
    assert otel.metrics.value("idempotency.messages", outcome="processed") == 0
    await handle(record)  # the redelivery runs it again: it was never marked done
    assert runs == 2


@pytest.mark.redis
async def test_a_batch_keeps_every_claim_leased_until_it_settles(
    scripting_redis: ScriptingRedis, namespace: str
) -> None:
    """The first record finishes early but stays claimed while the last runs three leases."""
    records = [
        envelope_record(EventEnvelope(event_type="E", source_service="s", data={"n": n}), offset=n)
        for n in range(3)
    ]

    @idempotent_batch_consumer(
        redis_client=scripting_redis, namespace=namespace, lease_seconds=LEASE_SECONDS
    )
    async def handle(msg: Any) -> None:
        if msg.offset == 2:
            await asyncio.sleep(3 * LEASE_SECONDS)

    batch = asyncio.create_task(handle(records))
    await asyncio.sleep(2 * LEASE_SECONDS)
    value = await scripting_redis.client.get(claim_key(namespace, records[0]))
    assert value is not None
    assert value.startswith(b"p:")  # still held by the batch, not lapsed
    await batch


@pytest.mark.postgres
async def test_transactional_mode_a_cut_connection_is_lease_lost_and_nothing_commits(
    engine: AsyncEngine, otel: TelemetryCapture
) -> None:
    """The transactional claim is the transaction: when its connection is cut while the
    handler runs, the commit fails, neither the effect nor the claim is kept, the outcome is
    ``lease_lost`` and the redelivery applies the event."""
    table = idempotency_table(name=f"idem_{uuid.uuid4().hex[:12]}")
    await create_idempotency_table(engine, table)
    sessions = async_sessionmaker(engine)
    pids: list[int] = []
    runs = 0
    try:

        @transactional_idempotent_consumer(session_factory=sessions, table=table, namespace="n")
        async def handle(msg: Any, session: AsyncSession) -> None:
            nonlocal runs
            runs += 1
            pids.append((await session.execute(text("SELECT pg_backend_pid()"))).scalar_one())
            if runs == 1:
                async with engine.connect() as other:
                    await other.execute(text(f"SELECT pg_terminate_backend({pids[0]})"))

        record = envelope_record()
        with pytest.raises(IdempotencyLeaseLostError):
            await handle(record)
        assert otel.metrics.value("idempotency.messages", outcome="lease_lost") == 1
        await handle(record)  # redelivered: applied now
        assert runs == 2
    finally:
        async with engine.begin() as connection:
            await connection.run_sync(table.drop)
