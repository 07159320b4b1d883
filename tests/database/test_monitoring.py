"""``setup_database_monitoring`` and ``query_performance_tracker``, as services call them."""

from __future__ import annotations

import inspect
from collections.abc import AsyncIterator

import pytest
from opentelemetry.trace import SpanKind
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from huleedu_otel.testing import TelemetryCapture
from huleedu_service_libs.database import (
    DatabaseMetrics,
    query_performance_tracker,
    setup_database_monitoring,
)


@pytest.fixture
async def monitoring(engine: AsyncEngine) -> AsyncIterator[DatabaseMetrics]:
    handle = setup_database_monitoring(engine, "content_service")
    yield handle
    handle.stop()


async def test_monitoring_traces_the_engine_it_is_given(
    monitoring: DatabaseMetrics, engine: AsyncEngine, otel: TelemetryCapture
) -> None:
    async with engine.connect() as conn:
        await conn.execute(text("SELECT 1"))
    assert otel.span("SELECT").kind == SpanKind.CLIENT
    assert otel.metrics.count("db.client.operation.duration") == 1


async def test_the_handle_carries_the_service_and_the_given_metrics_dict(
    engine: AsyncEngine,
) -> None:
    """The seed's ``metrics_dict`` comes back as ``metrics``; a second setup attaches nothing."""
    existing = {"content_created": object()}
    first = setup_database_monitoring(engine, "content_service")
    second = setup_database_monitoring(engine, "content_service", metrics_dict=existing)
    assert (first.instrumented, second.instrumented) == (True, False)
    assert (second.service_name, second.metrics) == ("content_service", existing)
    first.stop()


async def test_stop_removes_the_instrumentation(
    engine: AsyncEngine, otel: TelemetryCapture
) -> None:
    setup_database_monitoring(engine, "content_service").stop()
    async with engine.connect() as conn:
        await conn.execute(text("SELECT 1"))
    assert otel.spans() == []


async def test_tracked_method_gets_a_span_around_its_statements_and_a_duration(
    monitoring: DatabaseMetrics, engine: AsyncEngine, otel: TelemetryCapture
) -> None:
    class ContentRepository:
        @query_performance_tracker(monitoring, operation="create", table="content")
        async def create_content(self, content_data: dict[str, str]) -> int:
            async with engine.connect() as conn:
                return int((await conn.execute(text("SELECT 42"))).scalar_one())

    assert await ContentRepository().create_content({"type": "essay"}) == 42
    outer, inner = otel.span("create content"), otel.span("SELECT")
    assert inner.parent is not None
    assert inner.parent.span_id == outer.context.span_id
    attributes = {"db.operation.name": "create", "db.collection.name": "content"}
    assert otel.metrics.count("huleedu.db.repository.duration", **attributes) == 1


async def test_tracked_failure_is_reraised_and_recorded_with_its_type(
    otel: TelemetryCapture,
) -> None:
    @query_performance_tracker(None, operation="delete", table="content")
    async def delete(content_id: str) -> None:
        raise LookupError(content_id)

    with pytest.raises(LookupError):
        await delete("c-1")
    assert otel.span("delete content").attributes == {
        "db.operation.name": "delete",
        "db.collection.name": "content",
        "error.type": "LookupError",
    }
    failed = {"error.type": "LookupError"}
    assert otel.metrics.count("huleedu.db.repository.duration", **failed) == 1


def test_tracker_keeps_the_signature_and_name() -> None:
    async def create_content(content_data: dict[str, str], *, draft: bool = False) -> int:
        return 1

    tracked = query_performance_tracker(None, operation="create", table="content")(create_content)
    assert inspect.signature(tracked) == inspect.signature(create_content)
    assert tracked.__name__ == "create_content"
