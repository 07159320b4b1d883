"""Engines against the shared PostgreSQL and a SQLite file, instrumented for one test."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
import sqlalchemy.ext.asyncio as sa_asyncio
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from huleedu_otel.sqlalchemy import SQLAlchemyInstrumentor


@pytest.fixture
def instrumentor() -> Iterator[SQLAlchemyInstrumentor]:
    """``instrument()`` for the test, ``uninstrument()`` after it."""
    instrumentor = SQLAlchemyInstrumentor()
    instrumentor.instrument()
    yield instrumentor
    instrumentor.uninstrument()


@pytest.fixture
def table() -> str:
    return f"huleedu_t_{uuid.uuid4().hex[:10]}"


@pytest.fixture
async def pg_engine(
    postgres_url: str, instrumentor: SQLAlchemyInstrumentor, table: str
) -> AsyncIterator[AsyncEngine]:
    """An instrumented asyncpg engine with ``table`` (id, name) created, dropped afterwards."""
    engine = sa_asyncio.create_async_engine(postgres_url, pool_size=3, max_overflow=0)
    async with engine.begin() as conn:
        await conn.execute(text(f"CREATE TABLE {table} (id INTEGER PRIMARY KEY, name TEXT)"))
    yield engine
    async with engine.begin() as conn:
        await conn.execute(text(f"DROP TABLE IF EXISTS {table}"))
    await engine.dispose()


@pytest.fixture
async def sqlite_engine(
    tmp_path: Path, instrumentor: SQLAlchemyInstrumentor, table: str
) -> AsyncIterator[AsyncEngine]:
    engine = sa_asyncio.create_async_engine(f"sqlite+aiosqlite:///{tmp_path / 'test.db'}")
    async with engine.begin() as conn:
        await conn.execute(text(f"CREATE TABLE {table} (id INTEGER PRIMARY KEY, name TEXT)"))
    yield engine
    await engine.dispose()
