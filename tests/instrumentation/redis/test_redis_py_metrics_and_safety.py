"""No double metric next to redis-py's own, no secrets, and telemetry that cannot break Redis."""

from __future__ import annotations

from collections.abc import Iterator
from importlib.metadata import entry_points
from typing import Any

import pytest
import redis.asyncio
from opentelemetry.instrumentation.redis import RedisInstrumentor as ContribRedisInstrumentor
from opentelemetry.metrics import NoOpHistogram, NoOpMeter, NoOpMeterProvider
from redis.asyncio.observability import recorder as redis_py_async_recorder
from redis.observability import (
    MetricGroup,
    OTelConfig,
    get_observability_instance,
    reset_observability_instance,
)
from redis.observability import recorder as redis_py_recorder

import redis
from huleedu_otel.redis import RedisInstrumentor
from huleedu_otel.testing import TelemetryCapture
from huleedu_service_libs import RedisClient
from tests import _services
from tests.conftest import REDIS_PASSWORD as PASSWORD

DURATION = "db.client.operation.duration"


@pytest.fixture
def redis_py_command_metrics(otel: TelemetryCapture) -> Iterator[None]:
    """redis-py's own OpenTelemetry metrics, command group on, on the global MeterProvider."""
    get_observability_instance().init(OTelConfig(metric_groups=[MetricGroup.COMMAND]))
    yield
    reset_observability_instance()
    redis_py_recorder.reset_collector()  # redis-py keeps its collectors until told
    redis_py_async_recorder.reset_collector()


async def test_with_redis_py_metrics_on_the_duration_is_recorded_once_by_redis_py(
    instrumented: TelemetryCapture,
    redis_py_command_metrics: None,
    client: redis.asyncio.Redis,
    prefix: str,
) -> None:
    """Both would emit db.client.operation.duration; ours steps aside, our spans stay."""
    await client.get(f"{prefix}a")
    await client.get(f"{prefix}b")
    points = instrumented.metrics.points(DURATION, **{"db.operation.name": "GET"})
    assert sum(p.count for p in points) == 2
    assert [p for p in points if "db.system.name" in p.attributes] == []  # none is ours
    assert len(instrumented.spans("GET")) == 2


def test_the_sync_client_with_redis_py_metrics_on_is_measured_once(
    instrumented: TelemetryCapture, redis_py_command_metrics: None, redis_url: str, prefix: str
) -> None:
    """The sync flavour has its own redis-py switch; it is honoured too."""
    client = redis.Redis.from_url(redis_url)
    try:
        client.get(f"{prefix}a")
    finally:
        client.close()
    assert instrumented.metrics.count(DURATION, **{"db.operation.name": "GET"}) == 1


async def test_without_redis_py_metrics_ours_record_the_duration(
    instrumented: TelemetryCapture, client: redis.asyncio.Redis, prefix: str
) -> None:
    """The default: redis-py's metrics are off and ours record the duration."""
    await client.get(f"{prefix}a")
    points = instrumented.metrics.points(DURATION, **{"db.operation.name": "GET"})
    [point] = points
    assert (point.attributes["db.system.name"], point.count) == ("redis", 1)


async def test_a_password_in_the_url_appears_in_no_span_or_metric(
    instrumented: TelemetryCapture, protected_redis: _services.ServerProcess
) -> None:
    """With requirepass and the password in the URL, no attribute carries it."""
    url = f"redis://default:{PASSWORD}@127.0.0.1:{protected_redis.port}/0"
    client = RedisClient(client_id="protected", redis_url=url)
    await client.start()
    try:
        await client.setex("k", 60, "v")
        await client.eval_script("return 1", [], [])
    finally:
        await client.stop()
    raw = redis.asyncio.Redis.from_url(url)
    await raw.get("k")
    await raw.aclose()
    span_values = [v for s in instrumented.spans() for v in (s.attributes or {}).values()]
    metric_values = [
        v for p in instrumented.metrics.points(DURATION) for v in p.attributes.values()
    ]
    assert len(span_values) > 10
    assert [v for v in span_values + metric_values if PASSWORD in str(v)] == []


class _ExplodingHistogram(NoOpHistogram):
    def record(self, *args: Any, **kwargs: Any) -> None:
        raise RuntimeError("exporter side broke")


class _ExplodingMeter(NoOpMeter):
    def create_histogram(self, *args: Any, **kwargs: Any) -> NoOpHistogram:
        return _ExplodingHistogram("broken")


class _ExplodingMeterProvider(NoOpMeterProvider):
    def get_meter(self, *args: Any, **kwargs: Any) -> NoOpMeter:
        return _ExplodingMeter("broken")


async def test_a_failing_metric_never_breaks_the_command(
    otel: TelemetryCapture, client: redis.asyncio.Redis, prefix: str
) -> None:
    """A histogram that raises on record(): the commands succeed and their spans end."""
    RedisInstrumentor().instrument(
        tracer_provider=otel.tracer_provider, meter_provider=_ExplodingMeterProvider()
    )
    try:
        assert await client.set(f"{prefix}k", "v") is True
        assert await client.get(f"{prefix}k") == "v"
        assert await client.delete(f"{prefix}k") == 1
    finally:
        RedisInstrumentor().uninstrument()
    assert [s.name for s in otel.spans()] == ["SET", "GET", "DEL"]


def test_the_entry_point_loads_our_instrumentor() -> None:
    """``opentelemetry-instrument`` and the Distro find it as ``huleedu_redis``."""
    [entry_point] = entry_points(group="opentelemetry_instrumentor", name="huleedu_redis")
    assert RedisInstrumentor is entry_point.load()
    assert list(RedisInstrumentor().instrumentation_dependencies()) == ["redis >= 5.2"]


async def test_with_contrib_redis_also_on_each_command_still_has_one_span(
    instrumented: TelemetryCapture, client: redis.asyncio.Redis, prefix: str
) -> None:
    """One owner per span: contrib's span stands, ours only adds the duration metric."""
    ContribRedisInstrumentor().instrument(tracer_provider=instrumented.tracer_provider)
    try:
        await client.get(f"{prefix}k")
    finally:
        ContribRedisInstrumentor().uninstrument()
    [span] = instrumented.spans("GET")
    assert span.instrumentation_scope is not None
    assert span.instrumentation_scope.name == "opentelemetry.instrumentation.redis"
    assert instrumented.metrics.count(DURATION, **{"db.operation.name": "GET"}) == 1
    await client.get(f"{prefix}k")
    assert len(instrumented.spans("GET")) == 2  # contrib off again: ours is back
