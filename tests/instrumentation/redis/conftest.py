"""The instrumentor switched on for one test, against the capture's providers."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Iterator

import pytest
import redis.asyncio

from huleedu_otel.redis import RedisInstrumentor
from huleedu_otel.testing import TelemetryCapture


@pytest.fixture
def instrumented(otel: TelemetryCapture) -> Iterator[TelemetryCapture]:
    RedisInstrumentor().instrument(
        tracer_provider=otel.tracer_provider, meter_provider=otel.meter_provider
    )
    yield otel
    RedisInstrumentor().uninstrument()


@pytest.fixture
def prefix() -> str:
    return f"test:{uuid.uuid4().hex}:"


@pytest.fixture
async def client(redis_url: str, otel: TelemetryCapture) -> AsyncIterator[redis.asyncio.Redis]:
    """A connected client; the capture starts empty after its connecting PING."""
    client = redis.asyncio.Redis.from_url(redis_url, decode_responses=True)
    await client.ping()
    otel.reset()
    yield client
    await client.aclose()
