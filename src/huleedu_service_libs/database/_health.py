"""``DatabaseHealthChecker``: the seed's four checks, each bounded by its timeout.

Every check answers with a dict whose ``status`` is ``healthy``, ``degraded``, ``unhealthy`` or
(for statistics a dialect cannot give) ``not_supported``; it never raises. Error texts pass
through :func:`_scrub` so the DSN's password cannot leak into a health endpoint.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine
from sqlalchemy.pool import QueuePool

from huleedu_service_libs._shared.redaction import REDACTED

HEALTHY, DEGRADED, UNHEALTHY, NOT_SUPPORTED = "healthy", "degraded", "unhealthy", "not_supported"
#: Pool utilisation (checked out / pool size) from which the pool counts as degraded.
POOL_DEGRADED_PERCENT = 80.0
SLOW_SIMPLE_QUERY_SECONDS = 0.1
SLOW_COMPLEX_QUERY_SECONDS = 1.0
RESOURCES_TIMEOUT_SECONDS = 5.0

_COMPLEX_QUERIES = {
    "postgresql": "SELECT count(*) FROM information_schema.columns",
    "sqlite": "SELECT count(*) FROM sqlite_master",
}
_PG_ACTIVE = "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
_PG_SIZE = "SELECT pg_size_pretty(pg_database_size(current_database()))"


class DatabaseHealthChecker:
    """Health of one service's database, in the seed's response shape."""

    def __init__(self, engine: AsyncEngine, service_name: str) -> None:
        self.engine = engine
        self.service_name = service_name

    async def check_basic_connectivity(
        self,
        timeout: float = 5.0,  # noqa: ASYNC109 - the seed's API takes a timeout argument
    ) -> dict[str, Any]:
        """``SELECT 1`` within ``timeout`` seconds."""
        return await self._timed(timeout, lambda conn: _scalar(conn, "SELECT 1"))

    async def check_connection_pool_health(self) -> dict[str, Any]:
        """Utilisation of the pool, read from its own counters (no database round trip)."""
        pool = self.engine.pool
        if not isinstance(pool, QueuePool):
            return {"status": HEALTHY, "pool_type": type(pool).__name__}
        size, active = pool.size(), max(pool.checkedout(), 0)
        utilization = round(100.0 * active / size, 1) if size else 0.0
        return {
            "status": DEGRADED if utilization >= POOL_DEGRADED_PERCENT else HEALTHY,
            "pool_size": size,
            "active_connections": active,
            "idle_connections": pool.checkedin(),
            "overflow": max(pool.overflow(), 0),
            "utilization_percent": utilization,
        }

    async def check_query_performance(
        self,
        timeout: float = 10.0,  # noqa: ASYNC109 - the seed's API takes a timeout argument
    ) -> dict[str, Any]:
        """A trivial and a catalogue query, timed; slow ones make the check ``degraded``."""
        complex_sql = _COMPLEX_QUERIES.get(self.engine.dialect.name, "SELECT 1")
        timings: dict[str, float] = {}

        async def run(conn: AsyncConnection) -> None:
            timings["simple_query_time_seconds"] = await _timed_query(conn, "SELECT 1")
            timings["complex_query_time_seconds"] = await _timed_query(conn, complex_sql)

        result = await self._timed(timeout, run)
        if result["status"] != HEALTHY:
            return result
        slow = (
            timings["simple_query_time_seconds"] > SLOW_SIMPLE_QUERY_SECONDS
            or timings["complex_query_time_seconds"] > SLOW_COMPLEX_QUERY_SECONDS
        )
        return {"status": DEGRADED if slow else HEALTHY, **timings}

    async def check_database_resources(self) -> dict[str, Any]:
        """PostgreSQL: connections to this database and its size; elsewhere ``not_supported``."""
        if self.engine.dialect.name != "postgresql":
            return {"status": NOT_SUPPORTED, "dialect": self.engine.dialect.name}
        found: dict[str, Any] = {}

        async def run(conn: AsyncConnection) -> None:
            found["active_connections"] = await _scalar(conn, _PG_ACTIVE)
            found["database_size"] = await _scalar(conn, _PG_SIZE)

        result = await self._timed(RESOURCES_TIMEOUT_SECONDS, run)
        return {"status": result["status"], **found} if result["status"] == HEALTHY else result

    async def comprehensive_health_check(self) -> dict[str, Any]:
        """All four checks; when the database cannot be reached the others are not tried."""
        checks: dict[str, dict[str, Any]] = {"connectivity": await self.check_basic_connectivity()}
        if checks["connectivity"]["status"] == HEALTHY:
            checks["connection_pool"] = await self.check_connection_pool_health()
            checks["query_performance"] = await self.check_query_performance()
            checks["database_resources"] = await self.check_database_resources()
        overall = _overall(checks)
        return {
            "service": self.service_name,
            "overall_status": overall,
            "status": overall,
            "timestamp": datetime.now(UTC).isoformat(),
            "checks": checks,
        }

    async def get_health_summary(self) -> dict[str, Any]:
        """The comprehensive check with one status per check.

        Both ``status`` and ``overall_status`` are present: the seed's two route examples read
        one each.
        """
        report = await self.comprehensive_health_check()
        return {
            **report,
            "checks": {name: check["status"] for name, check in report["checks"].items()},
        }

    async def _timed(
        self, limit: float, work: Callable[[AsyncConnection], Awaitable[Any]]
    ) -> dict[str, Any]:
        """Run ``work`` on a pooled connection within ``limit`` seconds; never raise."""
        started = time.perf_counter()
        try:
            async with asyncio.timeout(limit), self.engine.connect() as conn:
                await work(conn)
        except TimeoutError:
            return _failure(started, f"timed out after {limit}s")
        except Exception as exc:
            return _failure(started, self._scrub(f"{type(exc).__name__}: {exc}"))
        return {"status": HEALTHY, "response_time_seconds": _since(started)}

    def _scrub(self, message: str) -> str:
        """The message without the DSN's password, and short enough for a health endpoint."""
        password = self.engine.url.password
        if password:
            message = message.replace(str(password), REDACTED)
        return message.splitlines()[0][:300] if message else message


async def _scalar(conn: AsyncConnection, sql: str) -> Any:
    return (await conn.execute(text(sql))).scalar()


async def _timed_query(conn: AsyncConnection, sql: str) -> float:
    started = time.perf_counter()
    await _scalar(conn, sql)
    return _since(started)


def _since(started: float) -> float:
    return round(time.perf_counter() - started, 6)


def _failure(started: float, error: str) -> dict[str, Any]:
    return {"status": UNHEALTHY, "error": error, "response_time_seconds": _since(started)}


def _overall(checks: dict[str, dict[str, Any]]) -> str:
    statuses = {check["status"] for check in checks.values()}
    if UNHEALTHY in statuses:
        return UNHEALTHY
    return DEGRADED if DEGRADED in statuses else HEALTHY
