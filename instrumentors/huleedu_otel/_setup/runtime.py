"""Runtime metrics: process CPU and memory, garbage collection, and event-loop lag.

Process and GC metrics come from the contrib system-metrics instrumentor, restricted to the
process-level set (host-wide metrics are the node exporter's job). Event-loop lag has no upstream
instrumentation: every asyncio loop that starts running gets a sampler that asks to be woken
every ``interval`` seconds and records how late it actually ran.
"""

from __future__ import annotations

import asyncio
import contextlib
import weakref
from collections.abc import Callable
from typing import Any

import wrapt
from opentelemetry.instrumentation.system_metrics import SystemMetricsInstrumentor
from opentelemetry.instrumentation.utils import unwrap
from opentelemetry.metrics import Histogram, MeterProvider

from huleedu_service_libs._shared.buckets import FAST_SECONDS

PROCESS_METRICS: dict[str, list[str] | None] = {
    "process.cpu.time": ["user", "system"],
    "process.cpu.utilization": None,
    "process.memory.usage": None,
    "process.memory.virtual": None,
    "process.thread.count": None,
    "process.open_file_descriptor.count": None,
    "cpython.gc.collections": None,
    "cpython.gc.collected_objects": None,
    "cpython.gc.uncollectable_objects": None,
}

LOOP_LAG_METRIC = "huleedu.asyncio.event_loop.lag"


def start_process_metrics(meter_provider: MeterProvider) -> SystemMetricsInstrumentor:
    instrumentor = SystemMetricsInstrumentor(config=PROCESS_METRICS)
    instrumentor.instrument(meter_provider=meter_provider)
    return instrumentor


class EventLoopLagMonitor:
    """Samples every running asyncio loop; install once, uninstall on shutdown."""

    def __init__(
        self,
        meter_provider: MeterProvider,
        interval: float = 0.5,
        on_loop_start: Callable[[asyncio.AbstractEventLoop], None] | None = None,
    ) -> None:
        """``on_loop_start`` is told of every loop this monitor attaches to (the heap freezer)."""
        meter = meter_provider.get_meter("huleedu_otel.runtime")
        self._lag: Histogram = meter.create_histogram(
            LOOP_LAG_METRIC,
            unit="s",
            description="How late the event loop ran a callback scheduled to run on time",
            explicit_bucket_boundaries_advisory=list(FAST_SECONDS),
        )
        self._interval = interval
        self._on_loop_start = on_loop_start
        self._loops: weakref.WeakSet[asyncio.AbstractEventLoop] = weakref.WeakSet()
        self._installed = False

    def install(self) -> None:
        """Attach to the loop running now, if any, and to every loop that starts later."""
        if self._installed:
            return
        wrapt.wrap_function_wrapper(
            "asyncio.base_events", "BaseEventLoop.run_forever", self._wrap_run_forever
        )
        self._installed = True
        with contextlib.suppress(RuntimeError):  # no loop running yet
            self.attach(asyncio.get_running_loop())

    def uninstall(self) -> None:
        if self._installed:
            unwrap(asyncio.base_events.BaseEventLoop, "run_forever")
            self._installed = False

    def attach(self, loop: asyncio.AbstractEventLoop) -> None:
        if loop in self._loops:
            return
        self._loops.add(loop)
        self._schedule(loop)
        if self._on_loop_start is not None:
            self._on_loop_start(loop)

    def _wrap_run_forever(
        self,
        wrapped: Callable[..., Any],
        instance: asyncio.AbstractEventLoop,
        args: Any,
        kwargs: Any,
    ) -> Any:
        self.attach(instance)
        return wrapped(*args, **kwargs)

    def _schedule(self, loop: asyncio.AbstractEventLoop) -> None:
        expected = loop.time() + self._interval
        loop.call_at(expected, self._tick, loop, expected)

    def _tick(self, loop: asyncio.AbstractEventLoop, expected: float) -> None:
        if not self._installed:
            self._loops.discard(loop)
            return
        self._lag.record(max(0.0, loop.time() - expected))
        self._schedule(loop)
