"""Per-request cost of tracing a trivial Quart route, ours against upstream's ASGI middleware.

The ASGI app is driven directly (one scope, a receive that yields the empty body, a send that
drops the messages) rather than through the test client, whose own work would drown the
difference. Every traced variant gets the same SDK set-up as the SDK floor: a tracer provider
with an in-memory exporter emptied after each request and a meter provider with an in-memory
reader.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Any

from opentelemetry.instrumentation.asgi import OpenTelemetryMiddleware
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import InMemoryMetricReader
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from quart import Quart

from benchmarks._harness import Benchmark, Op, Variant
from benchmarks.bench_sdk_floor import _sdk_floor
from huleedu_otel.quart import QuartInstrumentor

Instrument = Callable[[Quart, TracerProvider, MeterProvider], None]

SCOPE: dict[str, Any] = {
    "type": "http",
    "asgi": {"version": "3.0", "spec_version": "2.3"},
    "http_version": "1.1",
    "method": "GET",
    "scheme": "http",
    "path": "/essays/42",
    "raw_path": b"/essays/42",
    "query_string": b"",
    "root_path": "",
    "headers": [(b"host", b"localhost"), (b"user-agent", b"bench/1.0"), (b"accept", b"*/*")],
    "client": ("127.0.0.1", 50000),
    "server": ("127.0.0.1", 8000),
    "extensions": {},
}
_BODY = {"type": "http.request", "body": b"", "more_body": False}


def _app() -> Quart:
    app = Quart("bench")

    @app.route("/essays/<essay_id>")
    async def essay(essay_id: str) -> str:
        return essay_id

    return app


def _request(app: Any) -> Op:
    async def receive() -> dict[str, Any]:
        if not received:
            received.append(True)
            return _BODY
        await asyncio.Event().wait()  # no disconnect: Quart cancels this once it has answered
        return {}

    async def send(message: dict[str, Any]) -> None:
        return None

    received: list[bool] = []

    async def op() -> None:
        received.clear()
        await app(dict(SCOPE), receive, send)

    return op


def _variant(instrument: Instrument | None) -> Callable[[], AbstractAsyncContextManager[Op]]:
    @asynccontextmanager
    async def setup() -> AsyncIterator[Op]:
        app = _app()
        if instrument is None:
            yield _request(app)
            return
        exporter = InMemorySpanExporter()
        tracer_provider = TracerProvider()
        tracer_provider.add_span_processor(SimpleSpanProcessor(exporter))
        meter_provider = MeterProvider(metric_readers=[InMemoryMetricReader()])
        instrument(app, tracer_provider, meter_provider)
        request = _request(app)

        async def op() -> None:
            await request()
            exporter.clear()

        yield op
        tracer_provider.shutdown()
        meter_provider.shutdown()

    return setup


def _ours(app: Quart, tracer_provider: TracerProvider, meter_provider: MeterProvider) -> None:
    QuartInstrumentor.instrument_app(
        app, tracer_provider=tracer_provider, meter_provider=meter_provider
    )


def _upstream(**options: Any) -> Instrument:
    def instrument(
        app: Quart, tracer_provider: TracerProvider, meter_provider: MeterProvider
    ) -> None:
        app.asgi_app = OpenTelemetryMiddleware(  # type: ignore[method-assign]
            app.asgi_app, tracer_provider=tracer_provider, meter_provider=meter_provider, **options
        )

    return instrument


def _floor_in_situ(
    app: Quart, tracer_provider: TracerProvider, meter_provider: MeterProvider
) -> None:
    """The SDK floor's work done around the app: what any tracing pays inside a real request."""
    tracer = tracer_provider.get_tracer("floor")
    meter = meter_provider.get_meter("floor")
    duration = meter.create_histogram("floor.duration", unit="s")
    active = meter.create_up_down_counter("floor.active")
    attrs = {"http.request.method": "GET", "http.route": "/x"}
    inner = app.asgi_app

    async def asgi_app(scope: Any, receive: Any, send: Any) -> None:
        active.add(1, attrs)
        with tracer.start_as_current_span("GET /x"):
            await inner(scope, receive, send)
        duration.record(0.001, attrs)
        active.add(-1, attrs)

    app.asgi_app = asgi_app  # type: ignore[method-assign]


BARE = "bare Quart"
OURS = "huleedu_quart"
UPSTREAM = "upstream OpenTelemetryMiddleware"
UPSTREAM_LEAN = "upstream, exclude_spans=[receive, send]"
FLOOR = "SDK floor: 1 span + 3 metric ops (no Quart)"
FLOOR_IN_SITU = "SDK floor's ops around the Quart app"


def _judge(per_op: dict[str, float]) -> str:
    bare = per_op[BARE]
    ours, upstream, floor = per_op[OURS] - bare, per_op[UPSTREAM] - bare, per_op[FLOOR]
    in_situ = per_op[FLOOR_IN_SITU] - bare
    versus_upstream, versus_floor = ours / upstream, ours / floor
    met = versus_upstream <= 0.35 and versus_floor <= 2.0
    return (
        f"{'MET' if met else 'NOT MET'}: our overhead {ours * 1e6:.1f} µs = "
        f"{versus_upstream:.2f}x upstream's ({upstream * 1e6:.1f} µs) and "
        f"{versus_floor:.2f}x the SDK floor ({floor * 1e6:.1f} µs); "
        f"{ours / in_situ:.2f}x the floor's ops inside a Quart request ({in_situ * 1e6:.1f} µs)"
    )


BENCHMARKS = [
    Benchmark(
        name="quart",
        what="one GET on a trivial Quart route, ASGI app driven directly, per request",
        variants=[
            Variant(BARE, "bare", _variant(None)),
            Variant(OURS, "ours", _variant(_ours)),
            Variant(UPSTREAM, "peer", _variant(_upstream())),
            Variant(UPSTREAM_LEAN, "peer", _variant(_upstream(exclude_spans=["receive", "send"]))),
            Variant(FLOOR, "peer", _sdk_floor),
            Variant(FLOOR_IN_SITU, "peer", _variant(_floor_in_situ)),
        ],
        number=2_000,
        repeat=5,
        goal="our overhead <= 0.35x upstream's default overhead and <= 2x the SDK floor",
        judge=_judge,
    )
]
