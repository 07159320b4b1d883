"""The SDK's own floor: one span and three metric operations, the least any instrumentation pays.

The other benchmarks' overheads are read against this number.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import InMemoryMetricReader
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from benchmarks._harness import Benchmark, Op, Variant, constant


def _bare() -> None:
    return None


@asynccontextmanager
async def _sdk_floor() -> AsyncIterator[Op]:
    exporter = InMemorySpanExporter()
    tracer_provider = TracerProvider()
    tracer_provider.add_span_processor(SimpleSpanProcessor(exporter))
    meter_provider = MeterProvider(metric_readers=[InMemoryMetricReader()])
    tracer = tracer_provider.get_tracer("floor")
    meter = meter_provider.get_meter("floor")
    duration = meter.create_histogram("floor.duration", unit="s")
    active = meter.create_up_down_counter("floor.active")
    attrs = {"http.request.method": "GET", "http.route": "/x"}

    def op() -> None:
        active.add(1, attrs)
        with tracer.start_as_current_span("GET /x"):
            pass
        duration.record(0.001, attrs)
        active.add(-1, attrs)
        exporter.clear()

    yield op
    tracer_provider.shutdown()
    meter_provider.shutdown()


BENCHMARKS = [
    Benchmark(
        name="sdk_floor",
        what="one span + three metric operations with the SDK (in-memory export), per op",
        variants=[
            Variant("bare function call", "bare", constant(_bare)),
            Variant("SDK floor: 1 span + 3 metric ops", "ours", _sdk_floor),
        ],
        number=5_000,
    )
]
