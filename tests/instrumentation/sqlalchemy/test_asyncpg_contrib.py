"""With contrib's asyncpg instrumentor loaded as well, a statement still has one span."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from huleedu_otel.testing import TelemetryCapture

pytestmark = pytest.mark.peers  # contrib asyncpg exists only for the peers' SDK release


@pytest.fixture
def asyncpg_instrumented() -> Iterator[None]:
    # imported here: the main environment (newest SDK) collects this module without running it
    from opentelemetry.instrumentation.asyncpg import AsyncPGInstrumentor

    AsyncPGInstrumentor().instrument()
    yield
    AsyncPGInstrumentor().uninstrument()


async def test_driver_spans_are_suppressed_inside_the_statement_span(
    pg_engine: AsyncEngine, table: str, asyncpg_instrumented: None, otel: TelemetryCapture
) -> None:
    """Ours is the one span of the statement; asyncpg's own would be a duplicate of it."""
    async with pg_engine.connect() as conn:
        await conn.execute(text(f"SELECT id FROM {table} WHERE id = 5"))
    texts = [str((s.attributes or {}).get("db.query.text", s.name)) for s in otel.spans()]
    mentioning = [t for t in texts if table in t]
    assert [f"SELECT id FROM {table} WHERE id = ?"] == mentioning
