"""Per-statement cost of SQLAlchemy instrumentation: ours against none and against upstream's.

One op is what a request does most often: check a connection out of a ``QueuePool``, run one
statement, check it back in. SQLite in memory keeps the database's own time (and its noise)
small, so the instrumentation's share shows. Upstream declares ``sqlalchemy<2.1``; it is driven
here with ``skip_dep_check=True`` and works on 2.1 for this path. Ours records, per op, a span,
the operation, wait, use and transaction durations, and the pool's observable metrics on
collection; upstream records a span and its one (deprecated) usage counter.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

from opentelemetry.instrumentation.sqlalchemy import SQLAlchemyInstrumentor as UpstreamInstrumentor
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import InMemoryMetricReader
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.pool import QueuePool

from benchmarks._harness import Benchmark, Op, Variant
from huleedu_otel.sqlalchemy import SQLAlchemyInstrumentor

_STATEMENT = text("SELECT :value AS answer")


def _engine() -> Engine:
    """The pool services run with (QueuePool), over a database with no I/O."""
    return create_engine("sqlite://", poolclass=QueuePool)


def _op(engine: Engine, after: Callable[[], None] = lambda: None) -> Op:
    def op() -> None:
        with engine.connect() as conn:
            conn.execute(_STATEMENT, {"value": 42}).scalar()
        after()

    return op


@asynccontextmanager
async def _bare() -> AsyncIterator[Op]:
    engine = _engine()
    yield _op(engine)
    engine.dispose()


@asynccontextmanager
async def _ours() -> AsyncIterator[Op]:
    engine = _engine()
    exporter, tracer_provider, meter_provider = _sdk()
    instrumentor = SQLAlchemyInstrumentor()
    instrumentor.instrument_engine(
        engine, tracer_provider=tracer_provider, meter_provider=meter_provider
    )
    yield _op(engine, exporter.clear)
    instrumentor.uninstrument_engine(engine)
    _shutdown(engine, tracer_provider, meter_provider)


@asynccontextmanager
async def _upstream() -> AsyncIterator[Op]:
    engine = _engine()
    exporter, tracer_provider, meter_provider = _sdk()
    upstream = UpstreamInstrumentor()
    upstream.instrument(
        engine=engine,
        tracer_provider=tracer_provider,
        meter_provider=meter_provider,
        skip_dep_check=True,
    )
    yield _op(engine, exporter.clear)
    upstream.uninstrument()
    _shutdown(engine, tracer_provider, meter_provider)


def _sdk() -> tuple[InMemorySpanExporter, TracerProvider, MeterProvider]:
    """The same SDK set-up for both instrumented variants (in-memory export)."""
    exporter = InMemorySpanExporter()
    tracer_provider = TracerProvider()
    tracer_provider.add_span_processor(SimpleSpanProcessor(exporter))
    return exporter, tracer_provider, MeterProvider(metric_readers=[InMemoryMetricReader()])


def _shutdown(engine: Engine, tracer_provider: TracerProvider, meter: MeterProvider) -> None:
    engine.dispose()
    tracer_provider.shutdown()
    meter.shutdown()


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

BENCHMARKS = [
    Benchmark(
        name="database",
        what="checkout + one SELECT + checkin on SQLite in memory, sync engine, per op",
        variants=[
            Variant(_BARE, "bare", _bare),
            Variant(_OURS, "ours", _ours),
            Variant(_UPSTREAM, "peer", _upstream),
        ],
        number=2_000,
        repeat=5,
        goal="overhead no more than upstream's, while also emitting the metrics upstream lacks",
        judge=_judge,
    )
]
