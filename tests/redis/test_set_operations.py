"""``RedisSetOperations`` on the shared Redis, traced by the Redis instrumentor."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

import pytest
import redis.asyncio

from huleedu_otel.redis import RedisInstrumentor
from huleedu_otel.testing import TelemetryCapture
from huleedu_service_libs.errors import RedisUnavailableError
from huleedu_service_libs.redis_set_operations import RedisSetOperations
from tests.conftest import free_port

pytestmark = pytest.mark.redis


@pytest.fixture
async def sets(redis_url: str, otel: TelemetryCapture) -> AsyncIterator[RedisSetOperations]:
    RedisInstrumentor().instrument(
        tracer_provider=otel.tracer_provider, meter_provider=otel.meter_provider
    )
    client = redis.asyncio.Redis.from_url(redis_url)
    await client.ping()
    otel.reset()
    yield RedisSetOperations(client, "class-management")
    await client.aclose()
    RedisInstrumentor().uninstrument()


async def test_sadd_smembers_srem_round_trip_as_text(sets: RedisSetOperations) -> None:
    key = f"test:{uuid.uuid4().hex}:students"
    try:
        assert await sets.sadd(key, "s1", "s2", "s2") == 2
        assert await sets.smembers(key) == {"s1", "s2"}
        assert await sets.srem(key, "s1", "nobody") == 1
        assert await sets.smembers(key) == {"s2"}
    finally:
        await sets.srem(key, "s2")
    assert await sets.smembers(key) == set()


async def test_each_command_is_a_client_span_without_the_members(
    sets: RedisSetOperations, otel: TelemetryCapture
) -> None:
    key = f"test:{uuid.uuid4().hex}:members"
    await sets.sadd(key, "secret-member-1")
    await sets.smembers(key)
    await sets.srem(key, "secret-member-1")

    assert [s.name for s in otel.spans()] == ["SADD", "SMEMBERS", "SREM"]
    sadd = otel.span("SADD")
    assert sadd.kind.name == "CLIENT"
    assert sadd.attributes["db.system.name"] == "redis"  # type: ignore[index]
    assert "secret-member-1" not in sadd.to_json()
    assert otel.metrics.count("db.client.operation.duration", **{"db.operation.name": "SADD"}) == 1


async def test_a_pipeline_runs_on_the_same_client(sets: RedisSetOperations) -> None:
    key = f"test:{uuid.uuid4().hex}:piped"
    async with sets.pipeline() as pipe:
        pipe.sadd(key, "a", "b")
        pipe.scard(key)
        pipe.delete(key)
        assert await pipe.execute() == [2, 2, 1]


async def test_an_unreachable_server_raises_the_librarys_error() -> None:
    client = redis.asyncio.Redis(host="127.0.0.1", port=free_port(), socket_connect_timeout=1)
    sets = RedisSetOperations(client, "file-service")
    with pytest.raises(RedisUnavailableError, match="file-service") as caught:
        await sets.smembers("any")
    assert isinstance(caught.value.__cause__, redis.exceptions.ConnectionError)
    await client.aclose()
