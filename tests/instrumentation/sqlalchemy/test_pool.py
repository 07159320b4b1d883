"""The nine ``db.client.connection.*`` metrics, read while the pool is really busy."""

from __future__ import annotations

import asyncio
import gc
from collections.abc import AsyncIterator

import pytest
import sqlalchemy
import sqlalchemy.ext.asyncio as sa_asyncio
from sqlalchemy import exc, text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from huleedu_otel.sqlalchemy import SQLAlchemyInstrumentor
from huleedu_otel.testing import TelemetryCapture

POOL = "db.client.connection.pool.name"


def _pool(name: str) -> dict[str, str]:
    return {POOL: name}


@pytest.fixture
async def tight_engine(
    postgres_url: str, instrumentor: SQLAlchemyInstrumentor
) -> AsyncIterator[AsyncEngine]:
    """One connection, no overflow, a short checkout timeout, a pool name of our choosing."""
    engine = sa_asyncio.create_async_engine(
        postgres_url.replace("postgres@", "postgres:not-the-password@"),
        pool_size=1,
        max_overflow=0,
        pool_timeout=0.3,
        pool_logging_name="tight",
    )
    yield engine
    await engine.dispose()


async def test_idle_and_used_counts_follow_concurrent_checkouts(
    pg_engine: AsyncEngine, otel: TelemetryCapture
) -> None:
    """Pool of 3: two held at once -> 2 used, then 3 idle after all returned."""
    name = "127.0.0.1:5432/test"
    count = "db.client.connection.count"
    async with pg_engine.connect() as a, pg_engine.connect() as b:
        await asyncio.gather(a.execute(text("SELECT 1")), b.execute(text("SELECT 1")))
        async with pg_engine.connect() as c:
            await c.execute(text("SELECT 1"))
            assert (
                otel.metrics.value(count, **_pool(name), **{"db.client.connection.state": "used"})
                == 3
            )
        assert (
            otel.metrics.value(count, **_pool(name), **{"db.client.connection.state": "used"}),
            otel.metrics.value(count, **_pool(name), **{"db.client.connection.state": "idle"}),
        ) == (2, 1)
    assert (
        otel.metrics.value(count, **_pool(name), **{"db.client.connection.state": "used"}),
        otel.metrics.value(count, **_pool(name), **{"db.client.connection.state": "idle"}),
    ) == (0, 3)


async def test_limits_are_read_from_the_pool(
    pg_engine: AsyncEngine, otel: TelemetryCapture
) -> None:
    """pool_size=3, max_overflow=0: max 3, idle.max 3, idle.min 0."""
    name = _pool("127.0.0.1:5432/test")
    assert (
        otel.metrics.value("db.client.connection.max", **name),
        otel.metrics.value("db.client.connection.idle.max", **name),
        otel.metrics.value("db.client.connection.idle.min", **name),
    ) == (3, 3, 0)


async def test_exhausted_pool_shows_pending_requests_then_counts_the_timeout(
    tight_engine: AsyncEngine, otel: TelemetryCapture
) -> None:
    """While the only connection is held a second checkout waits (pending 1), then times out."""
    async with tight_engine.connect() as holder:
        await holder.execute(text("SELECT 1"))
        waiter = asyncio.create_task(_checkout(tight_engine))
        await _until(
            lambda: (
                otel.metrics.value("db.client.connection.pending_requests", **_pool("tight")) == 1
            )
        )
        with pytest.raises(exc.TimeoutError):
            await waiter
    assert otel.metrics.value("db.client.connection.pending_requests", **_pool("tight")) == 0
    assert otel.metrics.value("db.client.connection.timeouts", **_pool("tight")) == 1


async def test_create_wait_and_use_times_are_recorded(
    tight_engine: AsyncEngine, otel: TelemetryCapture
) -> None:
    for _ in range(2):
        async with tight_engine.connect() as conn:
            await conn.execute(text("SELECT 1"))
    assert (
        otel.metrics.count("db.client.connection.create_time", **_pool("tight")),
        otel.metrics.count("db.client.connection.wait_time", **_pool("tight")),
        otel.metrics.count("db.client.connection.use_time", **_pool("tight")),
    ) == (1, 2, 2)
    assert otel.metrics.value("db.client.connection.timeouts", **_pool("tight")) == 0


async def test_no_telemetry_carries_the_password(
    tight_engine: AsyncEngine, otel: TelemetryCapture
) -> None:
    async with tight_engine.connect() as conn:
        await conn.execute(text("SELECT 1"))
    recorded = repr([dict(s.attributes or {}) for s in otel.spans()])
    recorded += repr([p.attributes for p in otel.metrics.collect().values()])
    assert "not-the-password" not in recorded


async def test_sqlite_pool_reports_counts_limits_and_checkout_times(
    sqlite_engine: AsyncEngine, otel: TelemetryCapture
) -> None:
    """aiosqlite's file pool is a queue pool too (create time, timeouts: the launcher test)."""
    async with sqlite_engine.connect() as conn:
        await conn.execute(text("SELECT 1"))
    names = {n for n in otel.metrics.names() if n.startswith("db.client.connection.")}
    assert {
        "db.client.connection.count",
        "db.client.connection.max",
        "db.client.connection.idle.max",
        "db.client.connection.idle.min",
        "db.client.connection.pending_requests",
        "db.client.connection.wait_time",
        "db.client.connection.use_time",
    } <= names


async def test_disposed_engine_keeps_reporting_its_new_pool(
    sqlite_engine: AsyncEngine, otel: TelemetryCapture
) -> None:
    """``dispose()`` swaps the pool; waiting on the new one is still measured."""
    await sqlite_engine.dispose()
    async with sqlite_engine.connect() as conn:
        await conn.execute(text("SELECT 1"))
    assert otel.metrics.count("db.client.connection.wait_time") == 1
    assert otel.metrics.count("db.client.connection.create_time") == 1


async def _checkout(engine: AsyncEngine) -> None:
    conn: AsyncConnection
    async with engine.connect() as conn:
        await conn.execute(text("SELECT 1"))


async def _until(condition: object, tries: int = 200) -> None:
    for _ in range(tries):
        if callable(condition) and condition():
            return
        await asyncio.sleep(0.005)
    raise AssertionError("condition never became true")


async def test_uninstrumented_engine_stops_reporting_its_pool(
    sqlite_engine: AsyncEngine, instrumentor: SQLAlchemyInstrumentor, otel: TelemetryCapture
) -> None:
    """Listeners and the ``Pool.connect`` hook let go of the engine; the pool leaves the gauges."""
    instrumentor.uninstrument_engine(sqlite_engine)
    async with sqlite_engine.connect() as conn:
        await conn.execute(text("SELECT 1"))
    own_pool = _pool(str(sqlite_engine.url.database))
    reported = [n for n in otel.metrics.names() if otel.metrics.points(n, **own_pool)]
    assert reported == []
    assert otel.metrics.count("db.client.operation.duration") == 0


def test_singleton_thread_pool_checkouts_are_timed_too(
    instrumentor: SQLAlchemyInstrumentor, otel: TelemetryCapture
) -> None:
    """``sqlite://``'s default pool overrides ``Pool.connect``; its waits are measured as well."""
    engine = sqlalchemy.create_engine("sqlite://", pool_logging_name="singleton")
    for _ in range(2):
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    engine.dispose()
    assert otel.metrics.count("db.client.connection.wait_time", **_pool("singleton")) == 2
    assert otel.metrics.count("db.client.connection.use_time", **_pool("singleton")) == 2


def test_collected_engine_leaves_the_gauges(
    instrumentor: SQLAlchemyInstrumentor, otel: TelemetryCapture
) -> None:
    """Only weak references are kept: a dropped engine is no longer observed."""
    engine = sqlalchemy.create_engine("sqlite://", pool_logging_name="dropped")
    with engine.connect() as conn:
        conn.execute(text("SELECT 1"))
    engine.dispose()
    del engine, conn
    gc.collect()
    assert otel.metrics.points("db.client.connection.count", **_pool("dropped")) == []


def test_pool_without_queue_bookkeeping_is_counted_from_events(
    instrumentor: SQLAlchemyInstrumentor, otel: TelemetryCapture
) -> None:
    """``NullPool`` keeps no counts: checkouts and checkins count used connections instead."""
    engine = sqlalchemy.create_engine(
        "sqlite://", poolclass=sqlalchemy.pool.NullPool, pool_logging_name="null"
    )
    used = {**_pool("null"), "db.client.connection.state": "used"}
    with engine.connect() as conn:
        conn.execute(text("SELECT 1"))
        assert otel.metrics.value("db.client.connection.count", **used) == 1
    assert otel.metrics.value("db.client.connection.count", **used) == 0
    assert otel.metrics.count("db.client.connection.use_time", **_pool("null")) == 1
    engine.dispose()
