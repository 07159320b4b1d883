"""Per-request cost of answering a 404 through ``error_handling.quart``, against Quart's own.

The same ASGI driver as ``bench_quart``: the route answers "not found" three ways, untraced,
and the library's way once more under the Quart instrumentor with an in-memory SDK (span
attribute, exception event and the error count included). Logging is the service's own
(``configure_service_logging``, production JSON) into /dev/null: the answer's one log line is
part of its cost.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager

import structlog
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import InMemoryMetricReader
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from quart import Quart, abort

from benchmarks._harness import Benchmark, Op, Variant
from benchmarks.bench_logging import _root_handlers, _stdout_to_devnull
from benchmarks.bench_quart import _request
from huleedu_otel.quart import QuartInstrumentor
from huleedu_service_libs.error_handling import raise_resource_not_found
from huleedu_service_libs.error_handling.quart import register_error_handlers
from huleedu_service_libs.logging_utils import configure_service_logging


def _app(kind: str) -> Quart:
    app = Quart("bench")
    if kind != "tuple":
        register_error_handlers(app, service_name="bench")

    @app.route("/essays/<essay_id>")
    async def essay(essay_id: str) -> tuple[str, int]:
        if kind == "tuple":
            return "not found", 404
        if kind == "abort":
            abort(404)
        raise_resource_not_found(
            service="bench", operation="essay", resource_type="essay", resource_id=essay_id
        )

    return app


def _variant(kind: str, traced: bool = False) -> Callable[[], AbstractAsyncContextManager[Op]]:
    @asynccontextmanager
    async def setup() -> AsyncIterator[Op]:
        quiet = contextlib.ExitStack()
        quiet.enter_context(_root_handlers())
        quiet.enter_context(_stdout_to_devnull())
        configure_service_logging("bench", environment="production")
        app = _app(kind)
        exporter = InMemorySpanExporter()
        tracer_provider = TracerProvider()
        tracer_provider.add_span_processor(SimpleSpanProcessor(exporter))
        meter_provider = MeterProvider(metric_readers=[InMemoryMetricReader()])
        if traced:
            QuartInstrumentor.instrument_app(
                app, tracer_provider=tracer_provider, meter_provider=meter_provider
            )
        request = _request(app)

        async def op() -> None:
            await request()
            exporter.clear()

        yield op
        quiet.close()
        structlog.reset_defaults()
        tracer_provider.shutdown()
        meter_provider.shutdown()

    return setup


BARE = "Quart: return ('not found', 404)"
OURS = "raise_resource_not_found + register_error_handlers"


def _judge(per_op: dict[str, float]) -> str:
    extra = per_op[OURS] - per_op[BARE]
    return f"answering as the platform's JSON costs {extra * 1e6:.1f} µs more than a bare 404"


BENCHMARKS = [
    Benchmark(
        name="errors",
        what="one GET answered 404, ASGI app driven directly, per request",
        variants=[
            Variant(BARE, "bare", _variant("tuple")),
            Variant("abort(404) + register_error_handlers", "ours", _variant("abort")),
            Variant(OURS, "ours", _variant("factory")),
            Variant(OURS + ", traced (in-memory SDK)", "ours", _variant("factory", traced=True)),
        ],
        number=2_000,
        repeat=5,
        goal="measured, not asserted: the cost of a structured, observed error answer",
        judge=_judge,
    )
]
