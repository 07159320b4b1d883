"""The handle ``setup_database_monitoring`` returns implements ``DatabaseMetricsProtocol``."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from huleedu_otel.testing import TelemetryCapture
from huleedu_service_libs.database import (
    DatabaseMetrics,
    DatabaseMetricsProtocol,
    setup_database_monitoring,
)


@pytest.fixture
async def recorder(engine: AsyncEngine, otel: TelemetryCapture) -> AsyncIterator[DatabaseMetrics]:
    handle = setup_database_monitoring(engine, "class_management_service")
    yield handle
    handle.stop()


def _as_protocol(handle: DatabaseMetrics) -> DatabaseMetricsProtocol:
    return handle


async def test_query_durations_go_to_the_repository_histogram(
    recorder: DatabaseMetrics, otel: TelemetryCapture
) -> None:
    metrics = _as_protocol(recorder)
    metrics.record_query_duration("select", "classes", 0.012)
    metrics.record_query_duration("select", "classes", 0.5, success=False)

    ok = {"db.operation.name": "select", "db.collection.name": "classes"}
    (point,) = [
        p
        for p in otel.metrics.points("huleedu.db.repository.duration", **ok)
        if "error.type" not in p.attributes
    ]
    assert (point.count, point.sum, point.unit) == (1, 0.012, "s")
    failed = otel.metrics.points("huleedu.db.repository.duration", **{"error.type": "_OTHER"})
    assert [p.count for p in failed] == [1]


async def test_transactions_are_timed_by_outcome(
    recorder: DatabaseMetrics, otel: TelemetryCapture
) -> None:
    _as_protocol(recorder).record_transaction_duration("enroll", 0.2)
    _as_protocol(recorder).record_transaction_duration("enroll", 0.3, success=False)

    name = "huleedu.db.transaction.duration"
    assert otel.metrics.count(name, outcome="commit", **{"db.operation.name": "enroll"}) == 1
    assert otel.metrics.count(name, outcome="rollback") == 1


async def test_database_errors_are_counted_with_the_other_errors(
    recorder: DatabaseMetrics, otel: TelemetryCapture
) -> None:
    _as_protocol(recorder).record_database_error("IntegrityError", "create_class")

    attributes = {"huleedu.error.code": "IntegrityError", "huleedu.error.operation": "create_class"}
    assert otel.metrics.value("huleedu.errors", **attributes) == 1


async def test_pool_calls_are_accepted_and_record_nothing_the_instrumentor_observes(
    recorder: DatabaseMetrics, otel: TelemetryCapture
) -> None:
    metrics = _as_protocol(recorder)
    metrics.record_connection_acquired(pool_size=5, overflow=0)
    metrics.record_connection_released(pool_size=5, overflow=0)
    metrics.set_connection_pool_status(active=1, idle=4, total=5, overflow=0)

    assert {n for n in otel.metrics.names() if n.startswith("huleedu.")} == set()
