"""One CLIENT span and one duration per statement, errors typed, transactions timed."""

from __future__ import annotations

import pytest
import sqlalchemy
import sqlalchemy.ext.asyncio as sa_asyncio
from opentelemetry.instrumentation.utils import suppress_instrumentation
from opentelemetry.trace import SpanKind, StatusCode
from sqlalchemy import text
from sqlalchemy.exc import ProgrammingError
from sqlalchemy.ext.asyncio import AsyncEngine

from huleedu_otel.sqlalchemy import SQLAlchemyInstrumentor
from huleedu_otel.testing import TelemetryCapture


async def test_postgres_statement_is_one_client_span_with_contract_attributes(
    pg_engine: AsyncEngine, table: str, otel: TelemetryCapture
) -> None:
    """Name ``INSERT {table}``; system, namespace, server; literals gone; parameters unread."""
    async with pg_engine.begin() as conn:
        await conn.execute(
            text(f"INSERT INTO {table} (id, name) VALUES (:id, :name || '-secret-suffix')"),
            {"id": 4242, "name": "alice@example.com"},
        )
    span = otel.span(f"INSERT {table}")
    assert span.kind == SpanKind.CLIENT
    attributes = dict(span.attributes or {})
    assert {
        "db.system.name": "postgresql",
        "db.namespace": "test",
        "server.address": "127.0.0.1",
        "server.port": 5432,
        "db.operation.name": "INSERT",
        "db.collection.name": table,
        "db.query.text": f"INSERT INTO {table} (id, name) VALUES ($1, $2 || ?)",
    } == attributes
    recorded = repr([dict(s.attributes or {}) for s in otel.spans()])
    assert "alice" not in recorded
    assert "secret-suffix" not in recorded
    assert "4242" not in recorded


async def test_statement_duration_is_recorded_with_operation_and_collection(
    pg_engine: AsyncEngine, table: str, otel: TelemetryCapture
) -> None:
    async with pg_engine.connect() as conn:
        await conn.execute(text(f"SELECT * FROM {table}"))
    (point,) = otel.metrics.points("db.client.operation.duration", **{"db.collection.name": table})
    assert point.count == 1
    assert point.unit == "s"
    assert {"db.system.name": "postgresql", "db.operation.name": "SELECT"}.items() <= (
        point.attributes.items()
    )
    assert point.explicit_bounds == [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1.0, 5.0, 10.0]


async def test_failed_statement_records_error_type_and_sqlstate_but_no_message(
    pg_engine: AsyncEngine, otel: TelemetryCapture
) -> None:
    """The message may quote values: only the class and the SQLSTATE are kept."""
    async with pg_engine.connect() as conn:
        with pytest.raises(ProgrammingError):
            await conn.execute(text("SELECT * FROM huleedu_no_such_table WHERE x = 'v'"))
    span = otel.span("SELECT huleedu_no_such_table")
    assert span.status.status_code == StatusCode.ERROR
    attributes = dict(span.attributes or {})
    assert (
        attributes["error.type"],
        attributes["db.response.status_code"],
    ) == ("ProgrammingError", "42P01")
    assert span.events == ()
    assert (
        otel.metrics.count("db.client.operation.duration", **{"error.type": "ProgrammingError"})
        == 1
    )


async def test_sqlite_statement_is_traced_without_server_attributes(
    sqlite_engine: AsyncEngine, table: str, otel: TelemetryCapture
) -> None:
    async with sqlite_engine.begin() as conn:
        await conn.execute(text(f"INSERT INTO {table} (id, name) VALUES (1, 'x')"))
    attributes = dict(otel.span(f"INSERT {table}").attributes or {})
    assert attributes["db.system.name"] == "sqlite"
    assert f"INSERT INTO {table} (id, name) VALUES (?, ?)" == attributes["db.query.text"]
    assert "server.address" not in attributes


async def test_transactions_are_timed_by_outcome(
    sqlite_engine: AsyncEngine, table: str, otel: TelemetryCapture
) -> None:
    async with sqlite_engine.begin() as conn:
        await conn.execute(text(f"INSERT INTO {table} (id, name) VALUES (1, 'x')"))
    async with sqlite_engine.connect() as conn:
        await conn.execute(text(f"SELECT * FROM {table}"))
        await conn.rollback()
    name = "huleedu.db.transaction.duration"
    assert (
        otel.metrics.count(name, outcome="commit"),
        otel.metrics.count(name, outcome="rollback"),
    ) == (1, 1)


async def test_create_async_engine_after_instrument_gives_exactly_one_span_per_statement(
    instrumentor: SQLAlchemyInstrumentor, otel: TelemetryCapture
) -> None:
    """``create_async_engine`` calls ``create_engine`` inside; the engine is instrumented once."""
    engine = sa_asyncio.create_async_engine("sqlite+aiosqlite:///:memory:")
    assert instrumentor.instrument_engine(engine) is False
    async with engine.connect() as conn:
        await conn.execute(text("SELECT 1"))
    assert [s.name for s in otel.spans()] == ["SELECT"]
    await engine.dispose()


async def test_existing_engine_is_instrumented_on_request_and_uninstrumented_again(
    otel: TelemetryCapture,
) -> None:
    """Before ``instrument()``: nothing; ``instrument_engine`` twice: one span; then none."""
    engine = sa_asyncio.create_async_engine("sqlite+aiosqlite:///:memory:")
    instrumentor = SQLAlchemyInstrumentor()
    assert (
        instrumentor.instrument_engine(engine),
        instrumentor.instrument_engine(engine),
    ) == (True, False)
    async with engine.connect() as conn:
        await conn.execute(text("SELECT 1"))
        assert instrumentor.uninstrument_engine(engine) is True
        await conn.execute(text("SELECT 2"))
    assert [s.name for s in otel.spans()] == ["SELECT"]
    assert instrumentor.uninstrument_engine(engine) is False
    await engine.dispose()


async def test_suppressed_instrumentation_records_nothing(
    sqlite_engine: AsyncEngine, otel: TelemetryCapture
) -> None:
    with suppress_instrumentation():
        async with sqlite_engine.connect() as conn:
            await conn.execute(text("SELECT 1"))
    assert otel.spans() == []


def test_sync_engine_from_create_engine_is_traced(
    instrumentor: SQLAlchemyInstrumentor, otel: TelemetryCapture
) -> None:
    """The plain ``sqlalchemy.create_engine`` path, looked up after ``instrument()``."""
    engine = sqlalchemy.create_engine("sqlite://")
    with engine.connect() as conn:
        conn.execute(text("SELECT 1"))
    engine.dispose()
    assert otel.span("SELECT").attributes == {
        "db.system.name": "sqlite",
        "db.operation.name": "SELECT",
        "db.query.text": "SELECT ?",
    }


def test_engine_passed_to_instrument_is_instrumented(otel: TelemetryCapture) -> None:
    """Upstream's ``instrument(engine=...)`` form works the same here."""
    engine = sqlalchemy.create_engine("sqlite://")
    instrumentor = SQLAlchemyInstrumentor()
    instrumentor.instrument(engine=engine)
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    finally:
        instrumentor.uninstrument()
        engine.dispose()
    assert [s.name for s in otel.spans()] == ["SELECT"]
