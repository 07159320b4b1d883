"""Per-statement cost of SQLAlchemy instrumentation: ours against none and against upstream's.

One op is what a request does most often: check a connection out of a ``QueuePool``, run one
statement, check it back in. SQLite in memory keeps the database's own time (and its noise)
small, so the instrumentation's share shows; the PostgreSQL run (async engine, asyncpg; only when
the shared server answers) shows the share in a real round trip. Upstream declares
``sqlalchemy<2.1``; it is driven here with ``skip_dep_check=True`` and works on 2.1 for this
path. Ours records, per op, a span, the operation, wait, use and transaction durations, and the
pool's observable metrics on collection; upstream records a span and its one (deprecated) usage
counter.
"""

from __future__ import annotations

import os
import socket
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass
from urllib.parse import urlsplit

from opentelemetry.instrumentation.sqlalchemy import SQLAlchemyInstrumentor as UpstreamInstrumentor
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import InMemoryMetricReader
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine
from sqlalchemy.pool import QueuePool

from benchmarks._harness import Benchmark, Op, Variant
from huleedu_otel.sqlalchemy import SQLAlchemyInstrumentor

_STATEMENT = text("SELECT :value AS answer")
_POSTGRES_URL = os.environ.get(
    "HULEEDU_TEST_POSTGRES_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/test"
)
Setup = Callable[[], AbstractAsyncContextManager[Op]]


@dataclass(frozen=True)
class _Target:
    """How to make an engine, run one op on it, and get rid of it."""

    make: Callable[[], Engine | AsyncEngine]
    op: Callable[[Engine | AsyncEngine, Callable[[], None]], Op]
    dispose: Callable[[Engine | AsyncEngine], Awaitable[None]]


def _sync_op(engine: Engine | AsyncEngine, after: Callable[[], None]) -> Op:
    assert isinstance(engine, Engine)

    def op() -> None:
        with engine.connect() as conn:
            conn.execute(_STATEMENT, {"value": 42}).scalar()
        after()

    return op


def _async_op(engine: Engine | AsyncEngine, after: Callable[[], None]) -> Op:
    assert isinstance(engine, AsyncEngine)

    async def op() -> None:
        async with engine.connect() as conn:
            (await conn.execute(_STATEMENT, {"value": "42"})).scalar()
        after()

    return op


async def _dispose(engine: Engine | AsyncEngine) -> None:
    result = engine.dispose()
    if result is not None:
        await result


_SQLITE = _Target(lambda: create_engine("sqlite://", poolclass=QueuePool), _sync_op, _dispose)
_POSTGRES = _Target(lambda: create_async_engine(_POSTGRES_URL), _async_op, _dispose)


def _bare(target: _Target) -> Setup:
    @asynccontextmanager
    async def setup() -> AsyncIterator[Op]:
        engine = target.make()
        yield target.op(engine, lambda: None)
        await target.dispose(engine)

    return setup


def _ours(target: _Target) -> Setup:
    @asynccontextmanager
    async def setup() -> AsyncIterator[Op]:
        engine = target.make()
        exporter, tracer_provider, meter_provider = _sdk()
        instrumentor = SQLAlchemyInstrumentor()
        instrumentor.instrument_engine(
            engine, tracer_provider=tracer_provider, meter_provider=meter_provider
        )
        yield target.op(engine, exporter.clear)
        instrumentor.uninstrument_engine(engine)
        await target.dispose(engine)
        _shutdown(tracer_provider, meter_provider)

    return setup


def _upstream(target: _Target) -> Setup:
    @asynccontextmanager
    async def setup() -> AsyncIterator[Op]:
        engine = target.make()
        exporter, tracer_provider, meter_provider = _sdk()
        upstream = UpstreamInstrumentor()
        upstream.instrument(
            engine=getattr(engine, "sync_engine", engine),
            tracer_provider=tracer_provider,
            meter_provider=meter_provider,
            skip_dep_check=True,
        )
        yield target.op(engine, exporter.clear)
        upstream.uninstrument()
        await target.dispose(engine)
        _shutdown(tracer_provider, meter_provider)

    return setup


def _sdk() -> tuple[InMemorySpanExporter, TracerProvider, MeterProvider]:
    """The same SDK set-up for both instrumented variants (in-memory export)."""
    exporter = InMemorySpanExporter()
    tracer_provider = TracerProvider()
    tracer_provider.add_span_processor(SimpleSpanProcessor(exporter))
    return exporter, tracer_provider, MeterProvider(metric_readers=[InMemoryMetricReader()])


def _shutdown(tracer_provider: TracerProvider, meter_provider: MeterProvider) -> None:
    tracer_provider.shutdown()
    meter_provider.shutdown()


def _judge(per_op: dict[str, float]) -> str:
    bare = per_op[_BARE]
    ours, upstream = per_op[_OURS] - bare, per_op[_UPSTREAM] - bare
    verdict = "met" if ours <= upstream else "not met"
    return (
        f"{verdict}: ours +{ours * 1e6:.1f} µs, upstream +{upstream * 1e6:.1f} µs per statement "
        f"(ours/upstream overhead {ours / upstream:.2f})"
    )


_BARE = "uninstrumented engine"
_OURS = "huleedu_sqlalchemy (span + 9 pool metrics)"
_UPSTREAM = "upstream SQLAlchemyInstrumentor"
_GOAL = "overhead no more than upstream's, while also emitting the metrics upstream lacks"


def _benchmark(name: str, what: str, target: _Target, number: int) -> Benchmark:
    return Benchmark(
        name=name,
        what=what,
        variants=[
            Variant(_BARE, "bare", _bare(target)),
            Variant(_OURS, "ours", _ours(target)),
            Variant(_UPSTREAM, "peer", _upstream(target)),
        ],
        number=number,
        repeat=5,
        goal=_GOAL,
        judge=_judge,
    )


def _postgres_answers() -> bool:
    parts = urlsplit(_POSTGRES_URL.replace("+asyncpg", ""))
    try:
        socket.create_connection((parts.hostname or "127.0.0.1", parts.port or 5432), 0.5).close()
    except OSError:
        return False
    return True


BENCHMARKS = [
    _benchmark(
        "database",
        "checkout + one SELECT + checkin on SQLite in memory, sync engine, per op",
        _SQLITE,
        number=2_000,
    ),
]
if _postgres_answers():
    BENCHMARKS.append(
        _benchmark(
            "database_postgres",
            "checkout + one SELECT + checkin on PostgreSQL, async engine (asyncpg), per op",
            _POSTGRES,
            number=500,
        )
    )
