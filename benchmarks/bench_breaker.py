"""The circuit breaker's cost in the closed state, per call, against a bare await and the peers.

Every variant awaits the same trivial coroutine. Ours runs twice: on the global API without an
SDK (recording a call is one no-op ``add``) and on an SDK meter provider (one real counter
``add``). A reference variant does a bare await plus one SDK counter ``add``, the yardstick for
the "no more than one counter add on top" goal.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import aiobreaker
import purgatory
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import InMemoryMetricReader

from benchmarks._harness import Benchmark, Op, Variant, constant
from huleedu_service_libs.resilience import CircuitBreaker, circuit_breaker, make_resilient


async def _work() -> int:
    return 1


async def _bare() -> None:
    await _work()


@asynccontextmanager
async def _sdk_provider() -> AsyncIterator[MeterProvider]:
    provider = MeterProvider(metric_readers=[InMemoryMetricReader()])
    try:
        yield provider
    finally:
        provider.shutdown()


@asynccontextmanager
async def _bare_plus_counter_add() -> AsyncIterator[Op]:
    async with _sdk_provider() as provider:
        counter = provider.get_meter("bench").create_counter("bench.calls")
        attributes = {"circuit_breaker.name": "bench", "result": "success"}

        async def op() -> None:
            await _work()
            counter.add(1, attributes)

        yield op


@asynccontextmanager
async def _ours_without_sdk() -> AsyncIterator[Op]:
    breaker = CircuitBreaker(name="bench-no-sdk")

    async def op() -> None:
        await breaker.call(_work)

    yield op


@asynccontextmanager
async def _ours_with_sdk() -> AsyncIterator[Op]:
    async with _sdk_provider() as provider:
        breaker = CircuitBreaker(name="bench-sdk", meter_provider=provider)

        async def op() -> None:
            await breaker.call(_work)

        yield op


@asynccontextmanager
async def _ours_decorated() -> AsyncIterator[Op]:
    yield circuit_breaker(name="bench-decorated")(_work)


class _Client:
    async def work(self) -> int:
        return 1


@asynccontextmanager
async def _ours_make_resilient() -> AsyncIterator[Op]:
    client = make_resilient(_Client(), CircuitBreaker(name="bench-proxy"))

    async def op() -> None:
        await client.work()

    yield op


@asynccontextmanager
async def _aiobreaker() -> AsyncIterator[Op]:
    breaker = aiobreaker.CircuitBreaker()

    async def op() -> None:
        await breaker.call_async(_work)

    yield op


@asynccontextmanager
async def _purgatory() -> AsyncIterator[Op]:
    factory = purgatory.AsyncCircuitBreakerFactory()
    yield factory(circuit="bench")(_work)


def _judge(per_op: dict[str, float]) -> str:
    bare = per_op["bare await"]
    ours = per_op["ours, no SDK"] - bare
    sdk_extra = per_op["ours, SDK"] - per_op["ours, no SDK"]
    one_add = per_op["reference: bare await + 1 SDK counter.add"] - bare
    return (
        f"overhead without SDK {ours * 1e6:.2f} µs (goal ≤ 0.50: "
        f"{'met' if ours <= 0.5e-6 else 'missed'}); SDK adds {sdk_extra * 1e6:.2f} µs "
        f"vs one counter add {one_add * 1e6:.2f} µs ({sdk_extra / one_add:.2f}x)"
    )


BENCHMARKS = [
    Benchmark(
        name="breaker_closed",
        what="one call through a closed circuit breaker around a trivial coroutine",
        variants=[
            Variant("bare await", "bare", constant(_bare)),
            Variant("ours, no SDK", "ours", _ours_without_sdk),
            Variant("ours, SDK", "ours", _ours_with_sdk),
            Variant("ours, @circuit_breaker, no SDK", "ours", _ours_decorated),
            Variant("ours, make_resilient(client).work(), no SDK", "ours", _ours_make_resilient),
            Variant("reference: bare await + 1 SDK counter.add", "peer", _bare_plus_counter_add),
            Variant("aiobreaker 1.2 call_async", "peer", _aiobreaker),
            Variant("purgatory 3 decorator", "peer", _purgatory),
        ],
        number=20_000,
        goal="≤ 0.5 µs over a bare await without an SDK; with an SDK, at most one counter add more",
        judge=_judge,
    )
]
