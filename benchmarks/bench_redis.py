"""The redis instrumentor's cost per command: uninstrumented vs ours vs upstream's.

Every variant talks to the same Redis (``HULEEDU_TEST_REDIS_URL``, default 127.0.0.1:6379)
over loopback, so most of each number is the round trip (~50-70 µs); the overhead column is
what matters. Ours and upstream's get the same SDK set-up (in-memory span export, an
in-memory metric reader); upstream records no metric, ours one histogram point per command.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from types import SimpleNamespace

import redis.asyncio
from opentelemetry.instrumentation.redis import RedisInstrumentor as UpstreamRedisInstrumentor
from opentelemetry.instrumentation.redis import (
    _async_traced_execute_factory as upstream_async_factory,
)
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import InMemoryMetricReader
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from wrapt import wrap_function_wrapper

from benchmarks._harness import Benchmark, Op, Variant
from huleedu_otel.redis import RedisInstrumentor
from huleedu_otel.redis._telemetry import RedisTelemetry
from huleedu_otel.redis._wrappers import async_wrapper, describe_command

REDIS_URL = os.environ.get("HULEEDU_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
KEY = f"bench:{uuid.uuid4().hex}"
PIPELINE_LENGTH = 100

Command = Callable[[redis.asyncio.Redis], Awaitable[object]]
Setup = Callable[[], AbstractAsyncContextManager[Op]]


async def _get(client: redis.asyncio.Redis) -> object:
    return await client.get(KEY)


async def _set(client: redis.asyncio.Redis) -> object:
    return await client.set(KEY, "value", ex=60)


async def _pipeline(client: redis.asyncio.Redis) -> object:
    pipe = client.pipeline(transaction=False)
    for _ in range(PIPELINE_LENGTH):
        pipe.get(KEY)
    return await pipe.execute()


@asynccontextmanager
async def _client() -> AsyncIterator[redis.asyncio.Redis]:
    client = redis.asyncio.Redis.from_url(REDIS_URL)
    await client.ping()
    try:
        yield client
    finally:
        await client.delete(KEY)
        await client.aclose()


def _bare(command: Command) -> Setup:
    @asynccontextmanager
    async def setup() -> AsyncIterator[Op]:
        async with _client() as client:

            async def op() -> object:
                return await command(client)

            yield op

    return setup


def _instrumented(command: Command, upstream: bool) -> Setup:
    @asynccontextmanager
    async def setup() -> AsyncIterator[Op]:
        exporter = InMemorySpanExporter()
        tracer_provider = TracerProvider()
        tracer_provider.add_span_processor(SimpleSpanProcessor(exporter))
        meter_provider = MeterProvider(metric_readers=[InMemoryMetricReader()])
        instrumentor = UpstreamRedisInstrumentor() if upstream else RedisInstrumentor()
        instrumentor.instrument(tracer_provider=tracer_provider, meter_provider=meter_provider)
        try:
            async with _client() as client:

                async def op() -> object:
                    result = await command(client)
                    exporter.clear()
                    return result

                yield op
        finally:
            instrumentor.uninstrument()
            tracer_provider.shutdown()
            meter_provider.shutdown()

    return setup


class _NoNetworkClient:
    """Looks like a redis-py client to an instrumentor, answers without any I/O."""

    connection_pool = SimpleNamespace(connection_kwargs={"host": "127.0.0.1", "port": 6379})

    async def execute_command(self, *args: object, **options: object) -> object:
        return None


@asynccontextmanager
async def _no_network() -> AsyncIterator[Op]:
    client = _NoNetworkClient()

    async def op() -> object:
        return await client.execute_command("GET", KEY)

    yield op


def _no_network_wrapped(upstream: bool) -> Setup:
    """The instrumentor's own wrapper around a command that costs nothing: its CPU overhead
    without the loopback round trip's noise (the same SDK set-up as above)."""

    @asynccontextmanager
    async def setup() -> AsyncIterator[Op]:
        exporter = InMemorySpanExporter()
        tracer_provider = TracerProvider()
        tracer_provider.add_span_processor(SimpleSpanProcessor(exporter))
        meter_provider = MeterProvider(metric_readers=[InMemoryMetricReader()])
        tracer = tracer_provider.get_tracer("bench")
        if upstream:
            wrapper = upstream_async_factory(tracer)
        else:
            duration = meter_provider.get_meter("bench").create_histogram("d", unit="s")
            telemetry = RedisTelemetry(tracer, duration, asyncio=True)
            wrapper = async_wrapper(telemetry, describe_command)

        class Wrapped(_NoNetworkClient):
            pass

        wrap_function_wrapper(Wrapped, "execute_command", wrapper)
        client = Wrapped()

        async def op() -> object:
            result = await client.execute_command("GET", KEY)
            exporter.clear()
            return result

        yield op
        tracer_provider.shutdown()
        meter_provider.shutdown()

    return setup


def _overhead_ratio(per_op: dict[str, float]) -> str:
    bare, ours, upstream = per_op.values()
    ours_us, upstream_us = (ours - bare) * 1e6, (upstream - bare) * 1e6
    ratio = f"{ours_us / upstream_us:.2f}x upstream's" if upstream_us > 0 else "n/a"
    return f"ours adds {ours_us:.1f} µs, upstream {upstream_us:.1f} µs ({ratio}; noisy host)"


def _benchmark(name: str, what: str, command: Command, number: int) -> Benchmark:
    return Benchmark(
        name=name,
        what=what,
        variants=[
            Variant("redis-py asyncio, uninstrumented", "bare", _bare(command)),
            Variant(
                "huleedu_redis (span + duration metric)", "ours", _instrumented(command, False)
            ),
            Variant("upstream RedisInstrumentor (span only)", "peer", _instrumented(command, True)),
        ],
        number=number,
        repeat=5,
        goal="overhead per command comparable to upstream's, which records no metric",
        judge=_overhead_ratio,
    )


BENCHMARKS = [
    Benchmark(
        name="redis_wrapper_cpu",
        what="the instrumentation around a command that does no I/O, per command",
        variants=[
            Variant("unwrapped no-I/O command", "bare", _no_network),
            Variant("huleedu_redis wrapper (span + metric)", "ours", _no_network_wrapped(False)),
            Variant("upstream wrapper (span)", "peer", _no_network_wrapped(True)),
        ],
        number=5_000,
        repeat=5,
        goal="CPU overhead per command comparable to upstream's, which records no metric",
        judge=_overhead_ratio,
    ),
    _benchmark("redis_get", "one GET round trip over loopback, per op", _get, 1_000),
    _benchmark("redis_set", "one SET ... EX round trip over loopback, per op", _set, 1_000),
    _benchmark(
        "redis_pipeline",
        f"one {PIPELINE_LENGTH}-command pipeline (one span), per op",
        _pipeline,
        100,
    ),
]
