"""Spans and the duration metric for redis-py commands, pipelines and transactions."""

from __future__ import annotations

from typing import Any

import pytest
import redis.asyncio
from opentelemetry.instrumentation.utils import suppress_instrumentation
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.sampling import ALWAYS_OFF
from opentelemetry.trace import Span, SpanKind, StatusCode

import redis
from huleedu_otel.redis import RedisInstrumentor
from huleedu_otel.testing import TelemetryCapture
from huleedu_service_libs import RedisClient
from huleedu_service_libs._shared.buckets import DB_SECONDS

DURATION = "db.client.operation.duration"


async def test_each_command_is_one_client_span_named_by_the_command(
    instrumented: TelemetryCapture, client: redis.asyncio.Redis, prefix: str
) -> None:
    """SET and GET spans carry the contract's attributes and nothing else."""
    await client.set(f"{prefix}k", "secret-value", ex=60)
    assert await client.get(f"{prefix}k") == "secret-value"
    set_span, get_span = instrumented.span("SET"), instrumented.span("GET")
    assert dict(set_span.attributes or {}) == {
        "db.system.name": "redis",
        "db.operation.name": "SET",
        "db.query.text": "SET ? ? ? ?",
        "db.namespace": "0",
        "server.address": "127.0.0.1",
        "server.port": 6379,
    }
    assert set_span.kind == SpanKind.CLIENT
    assert (get_span.attributes or {})["db.query.text"] == "GET ?"


async def test_no_key_or_value_is_recorded_anywhere(
    instrumented: TelemetryCapture, client: redis.asyncio.Redis, prefix: str
) -> None:
    """Keys, values and published messages appear in no span or metric attribute."""
    await client.set(f"{prefix}k", "secret-value")
    await client.publish(f"{prefix}channel", "secret-message")
    recorded = " ".join(
        str(value) for span in instrumented.spans() for value in (span.attributes or {}).values()
    )
    metric_attrs = " ".join(
        str(value)
        for point in instrumented.metrics.points(DURATION)
        for value in point.attributes.values()
    )
    for secret in (prefix, "secret-value", "secret-message"):
        assert secret not in recorded
        assert secret not in metric_attrs


async def test_each_command_records_its_duration_in_db_buckets(
    instrumented: TelemetryCapture, client: redis.asyncio.Redis, prefix: str
) -> None:
    """db.client.operation.duration, in seconds, with the DB bucket boundaries."""
    await client.get(f"{prefix}a")
    await client.get(f"{prefix}b")
    [point] = instrumented.metrics.points(DURATION, **{"db.operation.name": "GET"})
    assert point.count == 2
    assert list(DB_SECONDS) == point.explicit_bounds
    assert point.unit == "s"
    assert {"db.system.name": "redis", "db.namespace": "0", "server.port": 6379}.items() <= (
        point.attributes.items()
    )
    assert "error.type" not in point.attributes


async def test_a_pipeline_is_one_span_with_its_batch_size(
    instrumented: TelemetryCapture, client: redis.asyncio.Redis, prefix: str
) -> None:
    """Three queued commands: one PIPELINE span, one measurement, no per-command spans."""
    async with client.pipeline(transaction=False) as pipe:
        pipe.set(f"{prefix}a", "1").get(f"{prefix}a").delete(f"{prefix}a")
        assert await pipe.execute() == [True, "1", 1]
    assert [s.name for s in instrumented.spans()] == ["PIPELINE"]
    attributes = instrumented.span("PIPELINE").attributes or {}
    assert attributes["db.operation.batch.size"] == 3
    assert attributes["db.query.text"] == "SET ? ?\nGET ?\nDEL ?"
    assert instrumented.metrics.count(DURATION, **{"db.operation.name": "PIPELINE"}) == 1


async def test_a_transaction_is_watch_and_get_spans_then_one_multi_span(
    instrumented: TelemetryCapture, redis_url: str, prefix: str
) -> None:
    """RedisClient's seed transaction pattern: WATCH, GET, then MULTI/EXEC as one span."""
    client = RedisClient(client_id="traced", redis_url=redis_url)
    await client.start()
    try:
        await client.watch(f"{prefix}counter")
        current = await client.get(f"{prefix}counter")
        await client.multi()
        await client.setex(f"{prefix}counter", 60, str(int(current or 0) + 1))
        assert await client.exec() == [True]
        await client.delete_key(f"{prefix}counter")
    finally:
        await client.stop()
    assert [s.name for s in instrumented.spans()] == ["PING", "WATCH", "GET", "MULTI", "DEL"]
    assert (instrumented.span("MULTI").attributes or {})["db.operation.batch.size"] == 1


async def test_a_watch_conflict_is_not_an_error(
    instrumented: TelemetryCapture, client: redis.asyncio.Redis, prefix: str
) -> None:
    """WatchError is the transaction's normal "retry" signal, not a failed command."""
    key = f"{prefix}k"
    async with client.pipeline() as pipe:
        await pipe.watch(key)
        await client.set(key, "changed")
        pipe.multi()
        pipe.set(key, "mine")
        with pytest.raises(redis.WatchError):
            await pipe.execute()
    await client.delete(key)
    multi = instrumented.span("MULTI")
    assert multi.status.status_code == StatusCode.UNSET
    assert "error.type" not in (multi.attributes or {})


async def test_a_failed_command_sets_error_type_without_its_message(
    instrumented: TelemetryCapture, client: redis.asyncio.Redis, prefix: str
) -> None:
    """error.type and an ERROR status; no exception event (its message could hold values)."""
    await client.set(f"{prefix}k", "not-a-number")
    with pytest.raises(redis.ResponseError):
        await client.incr(f"{prefix}k")
    await client.delete(f"{prefix}k")
    span = instrumented.span("INCRBY")
    assert span.status.status_code == StatusCode.ERROR
    assert (span.attributes or {})["error.type"] == "ResponseError"
    assert list(span.events) == []
    assert (
        instrumented.metrics.count(
            DURATION, **{"db.operation.name": "INCRBY", "error.type": "ResponseError"}
        )
        == 1
    )


async def test_an_unreachable_server_is_a_connection_error_span(
    instrumented: TelemetryCapture, unused_port: int
) -> None:
    """Connection refused still yields the command's span, marked with the error type."""
    client = redis.asyncio.Redis(port=unused_port, retry=None)
    with pytest.raises(redis.ConnectionError):
        await client.get("k")
    await client.aclose()
    span = instrumented.span("GET")
    assert ("ConnectionError", unused_port) == (
        (span.attributes or {})["error.type"],
        (span.attributes or {})["server.port"],
    )


def test_the_sync_client_is_traced_the_same_way(
    instrumented: TelemetryCapture, redis_url: str, prefix: str
) -> None:
    """redis.Redis and its (transactional) pipeline get the same spans and metric."""
    client = redis.Redis.from_url(redis_url)
    try:
        client.set(f"{prefix}k", "v")
        with client.pipeline() as pipe:
            pipe.get(f"{prefix}k").delete(f"{prefix}k")
            assert pipe.execute() == [b"v", 1]
    finally:
        client.close()
    assert [s.name for s in instrumented.spans()] == ["SET", "MULTI"]
    assert (instrumented.span("MULTI").attributes or {})["db.operation.batch.size"] == 2
    assert instrumented.metrics.count(DURATION, **{"db.operation.name": "SET"}) == 1


async def test_suppress_instrumentation_leaves_no_span_and_no_measurement(
    instrumented: TelemetryCapture, client: redis.asyncio.Redis, prefix: str
) -> None:
    """Inside suppress_instrumentation() the command is neither traced nor measured."""
    with suppress_instrumentation():
        await client.get(f"{prefix}k")
    assert instrumented.spans() == []
    assert instrumented.metrics.count(DURATION) == 0


async def test_hooks_see_the_span_and_one_that_raises_never_breaks_the_command(
    otel: TelemetryCapture, client: redis.asyncio.Redis, prefix: str
) -> None:
    """Both hooks run (request hook can annotate the span); their errors are swallowed."""
    seen: list[Any] = []

    def request_hook(span: Span, _client: Any, args: tuple[Any, ...], _: dict[str, Any]) -> None:
        span.set_attribute("app.args", len(args))
        raise RuntimeError("broken request hook")

    def response_hook(span: Span, _client: Any, response: Any) -> None:
        seen.append(response)
        raise RuntimeError("broken response hook")

    RedisInstrumentor().instrument(
        tracer_provider=otel.tracer_provider,
        meter_provider=otel.meter_provider,
        request_hook=request_hook,
        response_hook=response_hook,
    )
    try:
        await client.set(f"{prefix}k", "v")
        assert await client.get(f"{prefix}k") == "v"
        await client.delete(f"{prefix}k")
    finally:
        RedisInstrumentor().uninstrument()
    assert seen == [True, "v", 1]
    assert (otel.span("GET").attributes or {})["app.args"] == 2


async def test_a_span_that_is_not_recorded_still_measures_the_command(
    otel: TelemetryCapture, client: redis.asyncio.Redis, prefix: str
) -> None:
    """Sampled out: no span is exported, the command works, the metric is still there."""
    RedisInstrumentor().instrument(
        tracer_provider=TracerProvider(sampler=ALWAYS_OFF), meter_provider=otel.meter_provider
    )
    try:
        assert await client.get(f"{prefix}k") is None
    finally:
        RedisInstrumentor().uninstrument()
    assert otel.spans() == []
    assert otel.metrics.count(DURATION, **{"db.operation.name": "GET"}) == 1


async def test_after_uninstrument_nothing_is_traced(
    otel: TelemetryCapture, client: redis.asyncio.Redis, prefix: str
) -> None:
    """uninstrument() removes every wrapper."""
    instrumentor = RedisInstrumentor()
    instrumentor.instrument(tracer_provider=otel.tracer_provider)
    instrumentor.uninstrument()
    await client.get(f"{prefix}k")
    assert otel.spans() == []


async def test_eval_script_is_one_evalsha_round_trip_once_the_script_is_loaded(
    instrumented: TelemetryCapture, redis_url: str
) -> None:
    """What the idempotent consumer relies on: after the first call, one EVALSHA per call."""
    client = RedisClient(client_id="scripting", redis_url=redis_url)
    await client.start()
    try:
        await client.eval_script("return ARGV[1]", [], ["warm"])
        instrumented.reset()
        assert await client.eval_script("return ARGV[1]", [], ["again"]) == "again"
    finally:
        await client.stop()
    assert [s.name for s in instrumented.spans()] == ["EVALSHA"]
    assert (instrumented.span("EVALSHA").attributes or {})["db.query.text"] == "EVALSHA ? ? ?"
