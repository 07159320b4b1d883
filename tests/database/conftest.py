"""An in-memory SQLite engine for the monitoring tests, disposed after each test."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine


@pytest.fixture
async def engine() -> AsyncIterator[AsyncEngine]:
    """An engine nobody instrumented (created before any ``instrument()``)."""
    engine = create_async_engine("sqlite+aiosqlite:///:memory:")
    yield engine
    await engine.dispose()
