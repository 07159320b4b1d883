"""``DatabaseHealthChecker`` against real databases, including one that goes away."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from huleedu_service_libs.database import DatabaseHealthChecker
from tests._services import PostgresCluster

CHECKS = {"connectivity", "connection_pool", "query_performance", "database_resources"}


@pytest.fixture
async def pg_engine(postgres_url: str) -> AsyncIterator[AsyncEngine]:
    engine = create_async_engine(postgres_url, pool_size=4, max_overflow=2)
    yield engine
    await engine.dispose()


@pytest.fixture
def cluster() -> Iterator[PostgresCluster]:
    """A PostgreSQL of the test's own, which the test may stop."""
    cluster = PostgresCluster.create()
    cluster.start()
    yield cluster
    cluster.destroy()


async def test_healthy_postgres_answers_in_the_seed_shape(pg_engine: AsyncEngine) -> None:
    report = await DatabaseHealthChecker(pg_engine, "content_service").comprehensive_health_check()
    assert (report["service"], report["overall_status"]) == ("content_service", "healthy")
    assert set(report["checks"]) == CHECKS
    assert {c["status"] for c in report["checks"].values()} == {"healthy"}
    resources = report["checks"]["database_resources"]
    assert resources["active_connections"] >= 1
    assert resources["database_size"].endswith(("bytes", "kB", "MB", "GB"))
    performance = report["checks"]["query_performance"]
    assert {"simple_query_time_seconds", "complex_query_time_seconds"} <= set(performance)
    assert report["checks"]["connectivity"]["response_time_seconds"] >= 0


async def test_pool_health_counts_checked_out_connections(pg_engine: AsyncEngine) -> None:
    """Pool of 4 with 3 held: 75 % used, still healthy; all 4: degraded."""
    checker = DatabaseHealthChecker(pg_engine, "content_service")
    async with pg_engine.connect(), pg_engine.connect(), pg_engine.connect():
        pool = await checker.check_connection_pool_health()
        assert (pool["status"], pool["pool_size"], pool["active_connections"]) == (
            "healthy",
            4,
            3,
        )
        assert pool["utilization_percent"] == 75.0
        async with pg_engine.connect():
            assert (await checker.check_connection_pool_health())["status"] == "degraded"


async def test_sqlite_degrades_gracefully_where_postgres_statistics_are_missing(
    tmp_path: Path,
) -> None:
    engine = create_async_engine(f"sqlite+aiosqlite:///{tmp_path / 'h.db'}")
    summary = await DatabaseHealthChecker(engine, "svc").get_health_summary()
    await engine.dispose()
    assert summary["checks"]["database_resources"] == "not_supported"
    assert (summary["status"], summary["overall_status"]) == ("healthy", "healthy")


async def test_summary_offers_both_status_keys_the_seed_reads(pg_engine: AsyncEngine) -> None:
    """One seed route reads ``summary["status"]``, another ``summary["overall_status"]``."""
    summary = await DatabaseHealthChecker(pg_engine, "svc").get_health_summary()
    assert summary["status"] == summary["overall_status"] == "healthy"
    assert summary["checks"] == dict.fromkeys(CHECKS, "healthy")


async def test_stopped_database_is_unhealthy_within_the_timeout(
    cluster: PostgresCluster,
) -> None:
    """Healthy, then the server dies mid-test: unhealthy, bounded by the check's timeout."""
    url = cluster.url.replace("postgres@", "postgres:hunter2-dsn-secret@")
    engine = create_async_engine(url)
    checker = DatabaseHealthChecker(engine, "svc")
    assert (await checker.check_basic_connectivity(timeout=2.0))["status"] == "healthy"
    cluster.stop()
    async with asyncio.timeout(10):
        connectivity = await checker.check_basic_connectivity(timeout=2.0)
        summary = await checker.get_health_summary()
    await engine.dispose()
    assert (connectivity["status"], summary["status"]) == ("unhealthy", "unhealthy")
    assert summary["checks"] == {"connectivity": "unhealthy"}
    assert "hunter2-dsn-secret" not in repr((connectivity, summary))
